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
/* Fills k from the scan secret: 16 bytes of getrandom(), or derived from
 * seed when deterministic (tests). */
int ep_cookie_key_random(struct ep_cookie_key *k);
void ep_cookie_key_from_seed(struct ep_cookie_key *k, uint64_t seed);
/* 32-bit cookie of a flow, seen from the prober (src = our address). */
uint32_t ep_cookie(const struct ep_cookie_key *k, const struct ep_addr *src,
                   const struct ep_addr *dst, uint16_t sport, uint16_t dport, uint8_t proto);

#endif
