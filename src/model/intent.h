/* The intent policy (--intent FILE, JSON; data/intent.example.json): rules
 * that match interfaces by account, region, cluster, service, task family,
 * tag, security group (id or name), interface type or CIDR and allow or deny
 * ports, and exceptions that allow until they expire.  Tags work too:
 * "ecsprobe:allow" = "tcp/443,udp/53" on an interface, each of its security
 * groups and its ECS service; what they allow adds up.
 *
 * Verdicts are values: a verdict and the kind of source that decided it,
 * never text (the text is evidence for people). */
#ifndef EP_INTENT_H
#define EP_INTENT_H

#include <cJSON.h>
#include <stdint.h>

#include "base/err.h"
#include "config/cidr.h"
#include "config/portspec.h"
#include "model/tags.h"

#define EP_INTENT_MAX_TAGS 8

struct ep_intent_match {
	char account[16], region[32], cluster[128], service[128], task_family[128];
	char security_group[32], interface_type[48];
	/* AWS allows 128 and 256 characters: up to 4 bytes each */
	char tag_key[EP_INTENT_MAX_TAGS][513], tag_value[EP_INTENT_MAX_TAGS][1025];
	int ntags;
	struct ep_iprange cidr;
	int has_cidr;
};

struct ep_intent_rule {
	struct ep_intent_match match;
	struct ep_portset allow[EP_PROTO_COUNT], deny[EP_PROTO_COUNT];
	int64_t expires; /* exceptions: unix time the exception ends; 0 = rule */
	char reason[256];
	char where[96]; /* "intent.json rule 3" / "exception 1" for evidence */
};

/* Owns its rules and their port sets. */
struct ep_intent {
	struct ep_intent_rule *r;
	size_t n, cap;
};

/* A security group the subject holds: tags NULL when unknown. */
struct ep_intent_group {
	const char *id, *name;
	const struct ep_tags *tags;
};

/* What is known about the interface an address belongs to (borrowed). */
struct ep_intent_subject {
	const char *account, *region, *cluster, *service, *task_family, *interface_type;
	const struct ep_addr *addr;
	const struct ep_tags *tags; /* the interface's */
	const struct ep_intent_group *groups;
	size_t ngroups;
	const struct ep_tags *service_tags; /* its ECS service's, or NULL */
};

enum ep_intent_verdict { EP_INTENT_NONE, EP_INTENT_ALLOW, EP_INTENT_DENY, EP_INTENT_EXPIRED };

/* What decided a verdict.  A rule's allow says the port is intended (it
 * should answer); an exception or a tag only permits it. */
enum ep_intent_source {
	EP_INTENT_BY_NOTHING,
	EP_INTENT_BY_RULE,
	EP_INTENT_BY_EXCEPTION,
	EP_INTENT_BY_IFACE_TAG,
	EP_INTENT_BY_GROUP_TAG,
	EP_INTENT_BY_SERVICE_TAG
};

struct ep_intent_decision {
	enum ep_intent_verdict verdict;
	enum ep_intent_source source;
	const struct ep_intent_rule *rule; /* BY_RULE / BY_EXCEPTION */
	char where[384];                   /* evidence for people, never for decisions */
};

#define EP_INTENT_ALLOW_TAG "ecsprobe:allow"

/* Parses the file; d gets file:line:col and a message on error. */
int ep_intent_load(struct ep_intent *in, const char *path, int64_t now, struct ep_diag *d);
int ep_intent_parse(struct ep_intent *in, const char *text, size_t len, const char *name,
                    int64_t now, struct ep_diag *d);
void ep_intent_free(struct ep_intent *in);
/* What the intent (and ecsprobe:allow tags) says about (proto, port) on s.
 * Deny wins over allow, a rule's allow over a permit; an expired exception
 * is reported as such (it no longer allows).  Returns out->verdict. */
enum ep_intent_verdict ep_intent_check(const struct ep_intent *in,
                                       const struct ep_intent_subject *s, enum ep_proto proto,
                                       uint16_t port, int64_t now, struct ep_intent_decision *out);

/* Per protocol, bitmaps of 65536 ports for subject s: intended (a rule
 * allows it), permitted (a rule, a live exception or a tag allows it),
 * denied, and allowed only by an expired exception.  One pass over the
 * rules and tags, so per-port questions after it cost a bit test.  64 KiB:
 * keep one on the heap and reuse it. */
struct ep_intent_view {
	struct {
		uint64_t intended[1024], permitted[1024], deny[1024], expired[1024];
	} p[EP_PROTO_COUNT];
};
void ep_intent_view(const struct ep_intent *in, const struct ep_intent_subject *s, int64_t now,
                    struct ep_intent_view *out);
int ep_intent_view_has(const uint64_t *bits, uint16_t port);
/* Parses an ecsprobe:allow tag value ("tcp/443, udp/53, tcp/8000-8100")
 * into one set per protocol; a malformed item fails the whole value. */
int ep_intent_parse_tag(const char *value, struct ep_portset sets[EP_PROTO_COUNT]);

#endif
