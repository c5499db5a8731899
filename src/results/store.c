/* Result store: linear probing on an FNV-1a hash of the key. */
#include "results/store.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

int ep_store_init(struct ep_store *st, uint64_t expected)
{
	size_t cap = 64;

	while (cap < expected * 2 + 1) {
		if (cap > SIZE_MAX / 4 / sizeof(*st->s))
			return EP_ENOMEM;
		cap *= 2;
	}
	st->s = calloc(cap, sizeof(*st->s));
	st->cap = cap;
	st->n = 0;
	return st->s ? 0 : EP_ENOMEM;
}

void ep_store_free(struct ep_store *st)
{
	free(st->s);
	memset(st, 0, sizeof(*st));
}

static size_t hash(const struct ep_addr *a, enum ep_proto proto, uint16_t port)
{
	uint64_t x = 1469598103934665603ULL;

	for (int i = 0; i < 16; i++)
		x = (x ^ a->b[i]) * 1099511628211ULL;
	x = (x ^ (uint64_t)(a->family * 131 + proto)) * 1099511628211ULL;
	x = (x ^ port) * 1099511628211ULL;
	return (size_t)x;
}

static struct ep_store_slot *find(const struct ep_store *st, const struct ep_addr *a,
                                  enum ep_proto proto, uint16_t port)
{
	size_t i = hash(a, proto, port) & (st->cap - 1);

	while (st->s[i].used && !(st->s[i].port == port && st->s[i].proto == proto &&
	                          ep_addr_cmp(&st->s[i].addr, a) == 0))
		i = (i + 1) & (st->cap - 1);
	return &st->s[i];
}

int ep_store_put(struct ep_store *st, const struct ep_result *r)
{
	enum ep_proto proto = r->t.proto;
	struct ep_store_slot *s;

	if ((st->n + 1) * 2 > st->cap)
		return EP_ERANGE; /* sized for the scope: more means a bug upstream */
	s = find(st, &r->t.addr, proto, r->t.port);
	if (!s->used) {
		s->used = 1;
		s->addr = r->t.addr;
		s->proto = (uint8_t)proto;
		s->port = r->t.port;
		st->n++;
	}
	s->state = (uint8_t)r->state;
	return 0;
}

int ep_store_get(const struct ep_store *st, const struct ep_addr *a, enum ep_proto proto,
                 uint16_t port)
{
	const struct ep_store_slot *s = find(st, a, proto, port);

	return s->used ? s->state : -1;
}
