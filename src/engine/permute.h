/* Pseudo-random permutation of [0, n) in O(1) memory (zmap's cyclic group):
 * walk the multiplicative group of integers modulo a prime p > n with a
 * random generator g, x <- x*g mod p, and keep the values that fall in range.
 * Every index is produced exactly once in p - 1 steps. */
#ifndef EP_PERMUTE_H
#define EP_PERMUTE_H

#include <stdint.h>

struct ep_permute {
	uint64_t n;     /* size of the index space */
	uint64_t p;     /* prime > n */
	uint64_t g;     /* primitive root mod p */
	uint64_t first; /* starting element in [1, p-1] */
	uint64_t cur;   /* current element */
	uint64_t steps; /* elements taken from the group so far */
	uint64_t limit; /* steps this cursor walks (p - 1 for the whole cycle) */
};

/* Largest index space: keeps the setup factorisation of p - 1 (trial
 * division up to 2^24) well under a second. */
#define EP_PERMUTE_MAX (1ULL << 48)

/* n must be in [1, EP_PERMUTE_MAX].  seed picks the generator and the start. */
int ep_permute_init(struct ep_permute *pm, uint64_t n, uint64_t seed);
/* Restricts pm to part `index` of `count` disjoint parts of the cycle; the
 * parts together visit every index exactly once (zmap's sharding).  Costs one
 * modular exponentiation. */
int ep_permute_shard(struct ep_permute *pm, uint64_t index, uint64_t count);
/* Next index into *out; returns 0, or 1 when the walk is complete. */
int ep_permute_next(struct ep_permute *pm, uint64_t *out);

/* Helpers exposed for tests. */
uint64_t ep_permute_mulmod(uint64_t a, uint64_t b, uint64_t m);
int ep_permute_is_prime(uint64_t n);

#endif
