/* The intent policy (--intent FILE, JSON; data/intent.example.json): rules
 * that match interfaces by account, region, cluster, service, task family,
 * tag, security group, interface type or CIDR and allow or deny ports, and
 * exceptions that allow until they expire.  Tags work too:
 * "ecsprobe:allow" = "tcp/443,udp/53" on an interface, a security group or
 * an ECS service. */
#ifndef EP_INTENT_H
#define EP_INTENT_H

#include <cJSON.h>
#include <stdint.h>

#include "base/err.h"
#include "config/cidr.h"
#include "config/portspec.h"

#define EP_INTENT_MAX_TAGS 8

struct ep_intent_match {
	char account[16], region[32], cluster[128], service[128], task_family[128];
	char security_group[32], interface_type[48];
	char tag_key[EP_INTENT_MAX_TAGS][128], tag_value[EP_INTENT_MAX_TAGS][256];
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

/* What is known about the interface an address belongs to. */
struct ep_intent_subject {
	const char *account, *region, *cluster, *service, *task_family, *interface_type;
	const struct ep_addr *addr;
	const cJSON *eni;         /* inventory interface (tagSet, groupSet) */
	const cJSON *groups;      /* region security_groups (for group tags) */
	const cJSON *service_obj; /* ECS service (tags), or NULL */
};

enum ep_intent_verdict { EP_INTENT_NONE, EP_INTENT_ALLOW, EP_INTENT_DENY, EP_INTENT_EXPIRED };

/* Parses the file; d gets file:line:col and a message on error. */
int ep_intent_load(struct ep_intent *in, const char *path, int64_t now, struct ep_diag *d);
int ep_intent_parse(struct ep_intent *in, const char *text, size_t len, const char *name,
                    int64_t now, struct ep_diag *d);
void ep_intent_free(struct ep_intent *in);
/* What the intent (and ecsprobe:allow tags) says about (proto, port) on s;
 * why gets the rule or tag that decided it.  Deny wins over allow; an
 * expired exception is reported as such (it no longer allows). */
enum ep_intent_verdict ep_intent_check(const struct ep_intent *in,
                                       const struct ep_intent_subject *s, int proto, uint16_t port,
                                       int64_t now, char *why, size_t whylen);

/* TCP ports (bitmaps of 65536 bits) the intent allows, denies, or allowed
 * through an exception that has expired, for subject s: one pass over the
 * rules and tags, so per-port questions after it cost a bit test. */
struct ep_intent_view {
	uint64_t allow[1024], deny[1024], expired[1024];
};
void ep_intent_view(const struct ep_intent *in, const struct ep_intent_subject *s, int64_t now,
                    struct ep_intent_view *out);
int ep_intent_view_has(const uint64_t *bits, uint16_t port);

#endif
