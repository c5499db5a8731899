/* Security-group semantics from a vantage point: which ingress rules of an
 * interface's groups admit traffic from where ecsprobe stands, for which
 * protocol and ports, and why (the group, the rule and its source), with
 * EC2's exact rule forms: IpProtocol tcp/udp/icmp/icmpv6/numbers/-1, port
 * ranges and -1, IPv4 and IPv6 CIDRs, managed prefix lists and group
 * references.  Groups and prefix lists are compiled once from the inventory
 * (EC2's own field names); evaluation works on the compiled structs. */
#ifndef EP_REACH_H
#define EP_REACH_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"
#include "config/portspec.h"
#include "model/tags.h"

#define EP_PROTO_ANY (-1)

enum ep_src_kind { EP_SRC_CIDR, EP_SRC_PREFIX_LIST, EP_SRC_GROUP };

/* One source of one ingress permission (a permission with three CIDRs is
 * three rules): plain data, no pointers. */
struct ep_rule {
	int proto;    /* IANA number; EP_PROTO_ANY for "-1" */
	int from, to; /* tcp/udp: ports; icmp: type/code; -1: all */
	enum ep_src_kind kind;
	struct ep_iprange cidr; /* EP_SRC_CIDR */
	char ref[64];           /* prefix list id or group id */
	char sg_id[32];         /* the group the rule belongs to */
	unsigned index;         /* permission index within the group, from 1 */
	char text[192];         /* "tcp 22 from 0.0.0.0/0", for evidence */
};

/* Where ecsprobe stands. */
struct ep_vantage {
	struct ep_addr src[2]; /* [0] IPv4, [1] IPv6 */
	int has[2];
	const char *groups[16]; /* security groups the vantage holds */
	int ngroups;
};

/* A (protocol, port range) the vantage may reach, and the rule that says so. */
struct ep_admission {
	int proto;
	uint16_t lo, hi; /* 0-65535 for protocols without ports */
	int world;       /* the rule's source is 0.0.0.0/0 or ::/0 */
	struct ep_rule why;
};

/* Owns its array. */
struct ep_admissions {
	struct ep_admission *a;
	size_t n, cap;
};

/* A security group, compiled: owns its rules and tags. */
struct ep_sg {
	char id[32], name[256];
	struct ep_rule *rules;
	size_t nrules;
	struct ep_tags tags;
};

/* A managed prefix list, compiled: owns its ranges. */
struct ep_prefix_list {
	char id[64];
	struct ep_iprange *cidrs;
	size_t n;
};

/* Parses the ingress permissions of one group (an inventory
 * security_groups[] object).  *rules is malloc'd; d names the group and the
 * permission on error. */
int ep_reach_parse_group(const cJSON *sg, struct ep_rule **rules, size_t *n, struct ep_diag *d);
/* The group's id, name, rules and tags. */
int ep_sg_compile(const cJSON *sg, struct ep_sg *out, struct ep_diag *d);
void ep_sg_free(struct ep_sg *g);
/* A prefix_lists[] object (with its entries); EP_ENOMEM is the only failure. */
int ep_prefix_list_compile(const cJSON *pl, struct ep_prefix_list *out);
void ep_prefix_list_free(struct ep_prefix_list *pl);
/* Does r admit the vantage towards an address of `family`? */
int ep_reach_admits(const struct ep_rule *r, const struct ep_vantage *v, uint8_t family,
                    const struct ep_prefix_list *pls, size_t npls);
/* Everything groups admit from v towards an address of `family` (NULL
 * entries, groups the inventory lacks, admit nothing). */
int ep_reach_groups(const struct ep_sg *const *groups, size_t ngroups,
                    const struct ep_prefix_list *pls, size_t npls, const struct ep_vantage *v,
                    uint8_t family, struct ep_admissions *out);
void ep_admissions_free(struct ep_admissions *a);
/* Does x cover (proto, port)? */
int ep_admission_covers(const struct ep_admission *x, enum ep_proto proto, uint16_t port);
/* The first admission of (proto, port), or NULL. */
const struct ep_admission *ep_admissions_find(const struct ep_admissions *a, enum ep_proto proto,
                                              uint16_t port);
/* A world-open admission (0.0.0.0/0 or ::/0) of (proto, port), or NULL. */
const struct ep_admission *ep_admissions_find_world(const struct ep_admissions *a,
                                                    enum ep_proto proto, uint16_t port);

#endif
