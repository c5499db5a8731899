/* The state map: an open-addressing index by address (FNV-1a), resized as
 * addresses are added, and nibble arrays sized at seal time.  Lookups cost
 * one hash probe plus a binary search over the address's port ranges. */
#include "results/statemap.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

static size_t hash(const struct ep_addr *a)
{
	uint64_t x = 1469598103934665603ULL ^ a->family;

	for (int i = 0; i < (a->family == 4 ? 4 : 16); i++)
		x = (x ^ a->b[i]) * 1099511628211ULL;
	return (size_t)(x ^ (x >> 29));
}

/* The slot holding a, or the empty slot where it would go. */
static uint32_t *slot_of(const struct ep_statemap *m, const struct ep_addr *a)
{
	size_t i = hash(a) & (m->nslots - 1);

	while (m->slots[i] && ep_addr_cmp(&m->a[m->slots[i] - 1].addr, a) != 0)
		i = (i + 1) & (m->nslots - 1);
	return &m->slots[i];
}

static int grow(struct ep_statemap *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 64;
	uint32_t *old = m->slots;
	size_t oldn = m->nslots;

	if (n > UINT32_MAX)
		return EP_ENOMEM;
	m->slots = calloc(n, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old;
		return EP_ENOMEM;
	}
	m->nslots = n;
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			*slot_of(m, &m->a[old[i] - 1].addr) = old[i];
	free(old);
	return 0;
}

int64_t ep_statemap_find(const struct ep_statemap *m, const struct ep_addr *a)
{
	uint32_t *s;

	if (m->nslots == 0)
		return -1;
	s = slot_of(m, a);
	return *s ? (int64_t)*s - 1 : -1;
}

int ep_statemap_add(struct ep_statemap *m, const struct ep_addr *a,
                    const struct ep_portset ports[EP_PROTO_COUNT], size_t *index)
{
	uint32_t *s;
	struct ep_addrstates *e;

	if (m->sealed)
		return EP_EINVAL;
	if ((m->n + 1) * 2 > m->nslots && grow(m))
		return EP_ENOMEM;
	s = slot_of(m, a);
	if (*s) { /* the same address on another interface: probe the union once */
		e = &m->a[*s - 1];
		for (int k = 0; k < EP_PROTO_COUNT; k++) {
			struct ep_portset u;

			if (ep_portset_union(&u, &e->ports[k], &ports[k]))
				return EP_ENOMEM;
			ep_portset_free(&e->ports[k]);
			e->ports[k] = u;
		}
		*index = *s - 1;
		return 0;
	}
	if (ep_array_reserve((void **)&m->a, &m->cap, m->n + 1, sizeof(*m->a)))
		return EP_ENOMEM;
	e = &m->a[m->n];
	memset(e, 0, sizeof(*e));
	e->addr = *a;
	for (int k = 0; k < EP_PROTO_COUNT; k++)
		if (ep_portset_copy(&e->ports[k], &ports[k])) {
			ep_portset_free(&e->ports[EP_PROTO_TCP]);
			return EP_ENOMEM;
		}
	*index = m->n;
	*s = (uint32_t)++m->n;
	return 0;
}

int ep_statemap_seal(struct ep_statemap *m)
{
	m->planned = 0;
	for (size_t i = 0; i < m->n; i++)
		for (int k = 0; k < EP_PROTO_COUNT; k++) {
			uint32_t count = m->a[i].ports[k].count;

			m->planned += count;
			if (count == 0)
				continue;
			m->a[i].nib[k] = calloc((count + 1) / 2, 1);
			if (m->a[i].nib[k] == NULL)
				return EP_ENOMEM;
		}
	m->sealed = 1;
	return 0;
}

int ep_statemap_seal_lazy(struct ep_statemap *m)
{
	m->planned = 0;
	for (size_t i = 0; i < m->n; i++)
		for (int k = 0; k < EP_PROTO_COUNT; k++)
			m->planned += m->a[i].ports[k].count;
	m->sealed = 1;
	return 0;
}

int ep_statemap_hold(struct ep_statemap *m, size_t entry)
{
	for (int k = 0; entry < m->n && k < EP_PROTO_COUNT; k++) {
		uint32_t count = m->a[entry].ports[k].count;

		if (count == 0 || m->a[entry].nib[k])
			continue;
		m->a[entry].nib[k] = calloc((count + 1) / 2, 1);
		if (m->a[entry].nib[k] == NULL)
			return EP_ENOMEM;
	}
	return 0;
}

void ep_statemap_release(struct ep_statemap *m, size_t entry)
{
	for (int k = 0; entry < m->n && k < EP_PROTO_COUNT; k++) {
		free(m->a[entry].nib[k]);
		m->a[entry].nib[k] = NULL;
	}
}

int ep_statemap_put(struct ep_statemap *m, const struct ep_result *r)
{
	int64_t e = ep_statemap_find(m, &r->t.addr);
	int64_t i;
	uint8_t *b, shift;

	if (e < 0 || !m->sealed || m->a[e].nib[r->t.proto] == NULL ||
	    (i = ep_portset_index(&m->a[e].ports[r->t.proto], r->t.port)) < 0) {
		m->stray++;
		return EP_ENOENT;
	}
	b = &m->a[e].nib[r->t.proto][i >> 1];
	shift = (uint8_t)((i & 1) * 4);
	if (((*b >> shift) & 15) == 0)
		m->measured++;
	else
		m->counts[((*b >> shift) & 15) - 1]--;
	m->counts[r->state]++;
	*b = (uint8_t)((*b & ~(15 << shift)) | (((unsigned)r->state + 1) << shift));
	return 0;
}

int ep_statemap_get(const struct ep_statemap *m, size_t index, enum ep_proto proto, uint16_t port)
{
	int64_t i;
	unsigned v;

	if (index >= m->n || !m->sealed || m->a[index].nib[proto] == NULL ||
	    (i = ep_portset_index(&m->a[index].ports[proto], port)) < 0)
		return -1;
	v = (m->a[index].nib[proto][i >> 1] >> ((i & 1) * 4)) & 15;
	return v ? (int)v - 1 : -1;
}

int ep_statemap_at(const struct ep_statemap *m, size_t entry, enum ep_proto proto, uint32_t index)
{
	unsigned v;

	if (entry >= m->n || !m->sealed || index >= m->a[entry].ports[proto].count ||
	    m->a[entry].nib[proto] == NULL)
		return -1;
	v = (m->a[entry].nib[proto][index >> 1] >> ((index & 1) * 4)) & 15;
	return v ? (int)v - 1 : -1;
}

int ep_statemap_set(struct ep_statemap *m, size_t entry, enum ep_proto proto, uint32_t index,
                    enum ep_state state)
{
	uint8_t *b, shift;

	if (entry >= m->n || !m->sealed || index >= m->a[entry].ports[proto].count ||
	    m->a[entry].nib[proto] == NULL)
		return EP_ERANGE;
	b = &m->a[entry].nib[proto][index >> 1];
	shift = (uint8_t)((index & 1) * 4);
	if ((*b >> shift) & 15)
		return EP_EINVAL;
	*b = (uint8_t)(*b | (((unsigned)state + 1) << shift));
	m->measured++;
	m->counts[state]++;
	return 0;
}

int ep_statemap_fill(struct ep_statemap *m, size_t entry, enum ep_proto proto, uint32_t index,
                     uint32_t count, enum ep_state state, uint32_t *conflict)
{
	uint8_t v = (uint8_t)(state + 1), *nib;
	uint32_t end = index + count, i = index;

	if (entry >= m->n || !m->sealed || count > m->a[entry].ports[proto].count ||
	    index > m->a[entry].ports[proto].count - count || m->a[entry].nib[proto] == NULL)
		return EP_ERANGE;
	nib = m->a[entry].nib[proto];
	*conflict = i;
	if (i & 1) { /* a leading high nibble */
		if (ep_statemap_set(m, entry, proto, i++, state))
			return EP_EINVAL;
	}
	while (i + 1 < end) { /* whole bytes: both nibbles */
		if (nib[i >> 1]) {
			*conflict = (nib[i >> 1] & 15) ? i : i + 1;
			return EP_EINVAL;
		}
		nib[i >> 1] = (uint8_t)(v | (v << 4));
		i += 2;
	}
	m->measured += (i - index) - (index & 1);
	m->counts[state] += (i - index) - (index & 1);
	*conflict = i;
	if (i < end && ep_statemap_set(m, entry, proto, i, state))
		return EP_EINVAL;
	return 0;
}

uint32_t ep_statemap_run(const struct ep_statemap *m, size_t entry, enum ep_proto proto,
                         uint32_t index, uint32_t limit, int *state)
{
	const uint8_t *nib;
	uint32_t i = index, end;
	unsigned v;
	uint8_t pair;
	uint64_t word;

	*state = ep_statemap_at(m, entry, proto, index);
	if (limit == 0 || entry >= m->n || !m->sealed)
		return limit ? 1 : 0;
	if (m->a[entry].nib[proto] == NULL) /* held by nobody: nothing measured */
		return limit < m->a[entry].ports[proto].count - index
		           ? limit
		           : m->a[entry].ports[proto].count - index;
	end = m->a[entry].ports[proto].count;
	if (limit < end - index)
		end = index + limit;
	nib = m->a[entry].nib[proto];
	v = (unsigned)(*state + 1);
	pair = (uint8_t)(v | (v << 4));
	word = 0x0101010101010101ULL * pair;
	for (i = index + 1; i < end && (i & 1); i++) /* up to a byte boundary */
		if (((nib[i >> 1] >> 4) & 15) != v)
			return i - index;
	while (i + 1 < end && ((i >> 1) & 7)) { /* up to a word boundary */
		if (nib[i >> 1] != pair)
			break;
		i += 2;
	}
	while (i + 16 <= end && !((i >> 1) & 7)) { /* whole words: 16 ports */
		uint64_t w;

		memcpy(&w, nib + (i >> 1), sizeof(w));
		if (w != word)
			break;
		i += 16;
	}
	for (; i < end; i++) /* the rest, a nibble at a time */
		if (((nib[i >> 1] >> ((i & 1) * 4)) & 15) != v)
			break;
	return i - index;
}

void ep_statemap_free(struct ep_statemap *m)
{
	for (size_t i = 0; i < m->n; i++)
		for (int k = 0; k < EP_PROTO_COUNT; k++) {
			ep_portset_free(&m->a[i].ports[k]);
			free(m->a[i].nib[k]);
		}
	free(m->a);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
