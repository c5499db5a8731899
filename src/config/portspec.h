/* Port specifications ("22,80,8000-8100", "T:1-1024,U:53", "-") parsed into
 * sorted, merged port ranges that map an index to a port in O(log ranges). */
#ifndef EP_PORTSPEC_H
#define EP_PORTSPEC_H

#include <stdint.h>

#include "base/err.h"

struct ep_portrange {
	uint16_t lo, hi;
	uint32_t before; /* ports in all earlier ranges */
};

/* Owns its range array; ep_portset_free releases it. */
struct ep_portset {
	struct ep_portrange *r;
	uint32_t nranges;
	uint32_t count; /* total ports */
};

enum ep_proto { EP_PROTO_TCP = 0, EP_PROTO_UDP = 1, EP_PROTO_COUNT };

/* Parses spec into one set per protocol.  Ports without a T:/U: prefix go to
 * TCP, as in nmap.  On error fills d (col = 1-based offset in spec).
 * Both sets are initialised (possibly empty) on success and freed on error. */
int ep_portspec_parse(const char *spec, struct ep_portset sets[EP_PROTO_COUNT], struct ep_diag *d);
void ep_portset_free(struct ep_portset *s);
int ep_portset_copy(struct ep_portset *dst, const struct ep_portset *src);
/* Port number at index i (0 <= i < count). */
uint16_t ep_portset_at(const struct ep_portset *s, uint32_t i);
/* out = a | b, a fresh set. */
int ep_portset_union(struct ep_portset *out, const struct ep_portset *a,
                     const struct ep_portset *b);
int ep_portset_has(const struct ep_portset *s, uint16_t port);
/* Index of port in s (the inverse of ep_portset_at), or -1. O(log ranges). */
int64_t ep_portset_index(const struct ep_portset *s, uint16_t port);
/* The set of the ports whose bits are set in bm (1024 words of 64 bits,
 * port p at bit p & 63 of word p >> 6); O(words + ranges). */
int ep_portset_from_bits(const uint64_t *bm, struct ep_portset *out);
/* Sets the bits of ports lo-hi (lo <= hi <= 65535) in such a bitmap. */
void ep_portbits_set(uint64_t *bm, unsigned lo, unsigned hi);
/* Compact text form ("22,80,8000-8100") into out. */
void ep_portset_format(const struct ep_portset *s, char *out, size_t outlen);
const char *ep_proto_name(enum ep_proto p);
/* The IANA protocol number (6 or 17) of p, for IP headers, security-group
 * and ACL rules, and formats that want the number. */
static inline int ep_proto_iana(enum ep_proto p)
{
	return p == EP_PROTO_UDP ? 17 : 6;
}

#endif
