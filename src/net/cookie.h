/* Stateless reply validation: SipHash-2-4 (Aumasson & Bernstein) keyed with a
 * per-scan secret over the probe's 4-tuple.  A reply is ours iff its ack (TCP:
 * ack - 1) or quoted seq equals the cookie of its flow, so no per-probe table
 * is needed to reject forged or stray packets.  Hand-written because
 * OpenSSL's EVP_MAC costs a context allocation per call (~1 us) and this runs
 * once per packet sent and received. */
#ifndef EP_COOKIE_H
#define EP_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"

struct ep_cookie_key {
	uint64_t k0, k1;
};

uint64_t ep_siphash24(const struct ep_cookie_key *k, const void *data, size_t len);

/* SipHash-2-4 of a fixed prefix followed by varying data, the prefix's whole
 * 8-byte blocks absorbed once: an output's result id hashes the scan id (~40
 * bytes) and then one target (~23), so this halves its cost. */
struct ep_siphash_prefix {
	uint64_t v[4];
	uint8_t tail[8];
	size_t ntail, len;
};
void ep_siphash_prefix_init(struct ep_siphash_prefix *pre, const struct ep_cookie_key *k,
                            const void *prefix, size_t len);
/* = ep_siphash24(k, prefix || data) */
uint64_t ep_siphash_prefix_sum(const struct ep_siphash_prefix *pre, const void *data, size_t len);
/* Fills k from the scan secret: 16 bytes of getrandom(), or derived from
 * seed when deterministic (tests). */
int ep_cookie_key_random(struct ep_cookie_key *k);
void ep_cookie_key_from_seed(struct ep_cookie_key *k, uint64_t seed);
/* 32-bit cookie of a flow, seen from the prober (src = our address). */
uint32_t ep_cookie(const struct ep_cookie_key *k, const struct ep_addr *src,
                   const struct ep_addr *dst, uint16_t sport, uint16_t dport, uint8_t proto);

#endif
