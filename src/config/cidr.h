/* IPv4/IPv6 addresses, CIDR blocks and address ranges, and lists of ranges
 * with set subtraction (exclusions) that never expand a range into addresses. */
#ifndef EP_CIDR_H
#define EP_CIDR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

__extension__ typedef unsigned __int128 ep_u128;

struct ep_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t b[16];  /* network byte order; IPv4 uses b[0..3] */
};

struct ep_iprange {
	uint8_t family;
	ep_u128 lo, hi; /* inclusive, host-order integers */
};

/* Owns its array.  After ep_rangelist_normalize: sorted, disjoint, merged,
 * IPv4 before IPv6. */
struct ep_rangelist {
	struct ep_iprange *r;
	size_t n, cap;
};

#define EP_ADDRSTRLEN 46

/* Parses "ADDR", "ADDR/LEN", "ADDR-ADDR" or nmap's "A.B.C.D-E" into a range.
 * col in d is 1-based within s. */
int ep_iprange_parse(const char *s, struct ep_iprange *out, struct ep_diag *d);
/* Number of addresses, saturating at UINT64_MAX. */
uint64_t ep_iprange_size(const struct ep_iprange *r);
void ep_iprange_addr(const struct ep_iprange *r, uint64_t offset, struct ep_addr *out);
void ep_iprange_format(const struct ep_iprange *r, char *out, size_t outlen);

ep_u128 ep_addr_to_u128(const struct ep_addr *a);
void ep_addr_from_u128(uint8_t family, ep_u128 v, struct ep_addr *out);
int ep_addr_parse(const char *s, struct ep_addr *out);
/* inet_ntop wrapper: canonical RFC 5952 text for IPv6. */
const char *ep_addr_format(const struct ep_addr *a, char *out, size_t outlen);
int ep_addr_cmp(const struct ep_addr *a, const struct ep_addr *b);

void ep_rangelist_init(struct ep_rangelist *l);
void ep_rangelist_free(struct ep_rangelist *l);
int ep_rangelist_add(struct ep_rangelist *l, const struct ep_iprange *r);
void ep_rangelist_normalize(struct ep_rangelist *l);
/* Removes every address of ex (normalized) from l (normalized). O(n + m). */
int ep_rangelist_subtract(struct ep_rangelist *l, const struct ep_rangelist *ex);
int ep_rangelist_contains(const struct ep_rangelist *l, const struct ep_addr *a);
/* Adds r and, when r is IPv6 wholly inside an alias prefix below, the IPv4
 * range it names: for exclusions as the user writes them, before ranges
 * merge (an exclusion such as ::/0 is about IPv6 and names no IPv4 host). */
int ep_rangelist_add_aliased(struct ep_rangelist *l, const struct ep_iprange *r);
/* Fills out (initialised by the caller, normalized on return) with ex and
 * every other name of its addresses: an IPv4 range also as IPv4-mapped
 * (::ffff:0:0/96), IPv4-compatible (::/96) and NAT64 well-known
 * (64:ff9b::/96) IPv6, and IPv6 as above.  For scope checks, so that an
 * excluded address stays excluded under every alias.  O(n). */
int ep_rangelist_with_aliases(struct ep_rangelist *out, const struct ep_rangelist *ex);
/* Total addresses, saturating at UINT64_MAX. */
uint64_t ep_rangelist_size(const struct ep_rangelist *l);

#endif
