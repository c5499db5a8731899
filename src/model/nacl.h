/* Network ACLs, compiled once from the inventory (EC2 field names): entries
 * sorted by rule number with their CIDRs parsed, so each question costs a
 * walk over at most a few dozen plain structs.  Stateless: the probe must
 * get in and its reply out; first match wins; no match is AWS's implicit
 * deny. */
#ifndef EP_NACL_H
#define EP_NACL_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"
#include "config/portspec.h"

/* The ephemeral port assumed for the reply leg (Linux's range starts here). */
#define EP_NACL_REPLY_PORT 32768

struct ep_nacl_entry {
	long rule;
	int egress, allow;
	int proto;              /* IANA number, -1 for all */
	int from, to;           /* port range for tcp/udp; -1 when absent (all) */
	struct ep_iprange cidr; /* family 0 when the entry had no usable CIDR */
};

/* Owns its arrays. */
struct ep_nacl {
	char id[32], vpc[32];
	int is_default;
	char (*subnets)[32];
	size_t nsubnets;
	struct ep_nacl_entry *e; /* sorted by rule number */
	size_t n;
};

/* Compiles one network_acls[] object; EP_ENOMEM is the only failure (an
 * unusable entry matches nothing, as EC2 would never hold one). */
int ep_nacl_compile(const cJSON *acl, struct ep_nacl *out);
void ep_nacl_free(struct ep_nacl *a);
/* The ACL associated with the subnet, else the VPC's default ACL, else NULL. */
const struct ep_nacl *ep_nacl_for(const struct ep_nacl *acls, size_t n, const char *subnet,
                                  const char *vpc);
/* 1 when acl lets (proto, port) in from src and the reply back out to src's
 * ephemeral port; 0 when it blocks.  why (may be NULL) names the ACL and the
 * deciding rule ("acl-1 inbound rule 110: deny").  acl NULL: no ACL data,
 * allowed. */
int ep_nacl_admits(const struct ep_nacl *acl, const struct ep_addr *src, enum ep_proto proto,
                   uint16_t port, char *why, size_t len);

#endif
