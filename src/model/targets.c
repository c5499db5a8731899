/* Index space construction.  Overlapping entries are cut into elementary
 * address intervals; each interval gets the union of the port lists of the
 * entries that cover it, and intervals with identical port lists share a
 * group.  Cost: O(E * R) for E interval endpoints and R entries, paid once. */
#include "model/targets.h"

#include <openssl/evp.h>
#include <stdio.h>

#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

void ep_targets_free(struct ep_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		ep_rangelist_free(&t->g[i].addrs);
		ep_portset_free(&t->g[i].ports);
		free(t->g[i].range_before);
	}
	free(t->g);
	memset(t, 0, sizeof(*t));
}

static int portset_equal(const struct ep_portset *a, const struct ep_portset *b)
{
	if (a->nranges != b->nranges || a->count != b->count)
		return 0;
	for (uint32_t i = 0; i < a->nranges; i++)
		if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
			return 0;
	return 1;
}

static int u128_cmp(const void *pa, const void *pb)
{
	const ep_u128 *a = pa, *b = pb;

	return *a < *b ? -1 : *a > *b;
}

/* Finds or creates the group for (proto, ports) and adds range to it. */
static int group_add(struct ep_targets *t, size_t *cap, enum ep_proto proto,
                     const struct ep_portset *ports, const struct ep_iprange *r)
{
	struct ep_target_group *g = NULL;
	int rc;

	for (size_t i = 0; i < t->n; i++)
		if (t->g[i].proto == proto && portset_equal(&t->g[i].ports, ports))
			g = &t->g[i];
	if (g == NULL) {
		if (ep_array_reserve((void **)&t->g, cap, t->n + 1, sizeof(*t->g)))
			return EP_ENOMEM;
		g = &t->g[t->n];
		memset(g, 0, sizeof(*g));
		g->proto = proto;
		rc = ep_portset_copy(&g->ports, ports);
		if (rc)
			return rc;
		t->n++;
	}
	return ep_rangelist_add(&g->addrs, r);
}

struct sweep_item {
	ep_u128 lo, hi;
	const struct ep_portset *ps;
};

static int item_cmp(const void *pa, const void *pb)
{
	const struct sweep_item *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Cuts the entries of one family and protocol into elementary intervals with
 * a sweep: the active set holds the entries covering the current piece, so
 * the cost is O((E + R) * overlap depth), not O(E * R). */
static int build_family(struct ep_targets *t, size_t *cap, const struct ep_target_list *list,
                        const struct ep_portset *defaults, uint8_t family, enum ep_proto proto)
{
	struct sweep_item *items = malloc(sizeof(*items) * (list->n + 1));
	struct sweep_item **active = malloc(sizeof(*active) * (list->n + 1));
	ep_u128 *pts = malloc(sizeof(*pts) * (list->n * 2 + 1));
	size_t ni = 0, np = 0, na = 0, next = 0;
	int rc = 0;

	if (items == NULL || active == NULL || pts == NULL) {
		rc = EP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < list->n; i++) {
		const struct ep_target_entry *e = &list->e[i];
		const struct ep_portset *ps = e->has_ports ? &e->ports[proto] : &defaults[proto];

		if (e->range.family != family || ps->count == 0)
			continue;
		items[ni++] = (struct sweep_item){e->range.lo, e->range.hi, ps};
		pts[np++] = e->range.lo;
		pts[np++] = e->range.hi;
	}
	qsort(items, ni, sizeof(*items), item_cmp);
	qsort(pts, np, sizeof(*pts), u128_cmp);
	/* Pieces, in order: each distinct point alone, then the gap to the next. */
	for (size_t k = 0; k < np && rc == 0; k++) {
		if (k && pts[k] == pts[k - 1])
			continue;
		for (int gap = 0; gap < 2 && rc == 0; gap++) {
			struct ep_iprange piece = {.family = family, .lo = pts[k], .hi = pts[k]};
			struct ep_portset acc = {0};
			size_t keep = 0;

			if (gap) {
				size_t n = k + 1;

				while (n < np && pts[n] == pts[k])
					n++;
				if (n == np || pts[n] - pts[k] < 2)
					continue;
				piece.lo = pts[k] + 1;
				piece.hi = pts[n] - 1;
			}
			while (next < ni && items[next].lo <= piece.lo)
				active[na++] = &items[next++];
			for (size_t i = 0; i < na; i++)
				if (active[i]->hi >= piece.lo)
					active[keep++] = active[i];
			na = keep;
			for (size_t i = 0; i < na && rc == 0; i++) {
				struct ep_portset u;

				rc = ep_portset_union(&u, &acc, active[i]->ps);
				ep_portset_free(&acc);
				acc = u;
			}
			if (rc == 0 && acc.count)
				rc = group_add(t, cap, proto, &acc, &piece);
			ep_portset_free(&acc);
		}
	}
out:
	free(items);
	free(active);
	free(pts);
	return rc;
}

int ep_targets_build(struct ep_targets *t, const struct ep_target_list *list,
                     const struct ep_portset defaults[EP_PROTO_COUNT],
                     const struct ep_rangelist *ex, unsigned protos, struct ep_diag *d)
{
	static const struct ep_portset none[EP_PROTO_COUNT];
	struct ep_rangelist hosts, wide;
	size_t cap = 0;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (defaults == NULL)
		defaults = none;
	for (size_t i = 0; i < list->n; i++) {
		const struct ep_target_entry *e = &list->e[i];

		if (!e->has_ports &&
		    defaults[EP_PROTO_TCP].count + defaults[EP_PROTO_UDP].count == 0)
			return ep_diag_set(
			    d, EP_EINVAL, 0, 0,
			    "%s: no ports for this target: give -p/--ports or a port list "
			    "on the line",
			    e->origin);
	}
	for (int proto = 0; proto < EP_PROTO_COUNT && rc == 0; proto++) {
		if (!(protos & (1u << proto)))
			continue;
		rc = build_family(t, &cap, list, defaults, 4, (enum ep_proto)proto);
		if (rc == 0)
			rc = build_family(t, &cap, list, defaults, 6, (enum ep_proto)proto);
	}
	ep_rangelist_init(&hosts);
	ep_rangelist_init(&wide);
	/* an excluded address is excluded under each of its names: without
	 * this, ::ffff:127.0.0.1 walks past --exclude 127.0.0.1 */
	if (rc == 0)
		rc = ep_rangelist_with_aliases(&wide, ex);
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		ep_rangelist_normalize(&t->g[i].addrs);
		rc = ep_rangelist_subtract(&t->g[i].addrs, &wide);
		if (rc == 0 && t->g[i].addrs.n == 0) {
			/* wholly excluded: drop the group */
			ep_rangelist_free(&t->g[i].addrs);
			ep_portset_free(&t->g[i].ports);
			t->g[i--] = t->g[--t->n];
		}
	}
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		struct ep_target_group *g = &t->g[i];

		g->range_before = malloc(sizeof(uint64_t) * (g->addrs.n + 1));
		if (g->range_before == NULL) {
			rc = EP_ENOMEM;
			break;
		}
		g->nhosts = 0;
		for (size_t k = 0; k < g->addrs.n; k++) {
			uint64_t sz = ep_iprange_size(&g->addrs.r[k]);

			g->range_before[k] = g->nhosts;
			g->nhosts = g->nhosts > UINT64_MAX - sz ? UINT64_MAX : g->nhosts + sz;
			rc = ep_rangelist_add(&hosts, &g->addrs.r[k]);
			if (rc)
				break;
		}
		g->count = g->ports.count && g->nhosts > UINT64_MAX / g->ports.count
		               ? UINT64_MAX
		               : g->nhosts * g->ports.count;
		g->before = t->total;
		t->total = t->total > UINT64_MAX - g->count ? UINT64_MAX : t->total + g->count;
	}
	if (rc == 0) {
		ep_rangelist_normalize(&hosts);
		t->nhosts = ep_rangelist_size(&hosts);
	}
	ep_rangelist_free(&hosts);
	ep_rangelist_free(&wide);
	if (rc) {
		ep_targets_free(t);
		return ep_diag_set(d, rc, 0, 0, "building targets: %s", ep_strerror(rc));
	}
	return 0;
}

size_t ep_targets_group_of(const struct ep_targets *t, uint64_t index)
{
	size_t lo = 0, hi = t->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (t->g[mid].before <= index)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void ep_targets_get(const struct ep_targets *t, uint64_t index, struct ep_target *out)
{
	const struct ep_target_group *g = &t->g[ep_targets_group_of(t, index)];
	uint64_t j = index - g->before;
	uint64_t host = j % g->nhosts;
	uint32_t pi = (uint32_t)(j / g->nhosts);
	size_t lo = 0, hi = g->addrs.n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (g->range_before[mid] <= host)
			lo = mid;
		else
			hi = mid - 1;
	}
	ep_iprange_addr(&g->addrs.r[lo], host - g->range_before[lo], &out->addr);
	out->proto = g->proto;
	out->port = ep_portset_at(&g->ports, pi);
}

/* Range of g holding a, by binary search over ranges sorted by (family, lo). */
static int64_t host_offset(const struct ep_target_group *g, const struct ep_addr *a)
{
	ep_u128 v = ep_addr_to_u128(a);
	size_t lo = 0, hi = g->addrs.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ep_iprange *r = &g->addrs.r[mid];

		if (a->family < r->family || (a->family == r->family && v < r->lo))
			hi = mid;
		else if (a->family > r->family || v > r->hi)
			lo = mid + 1;
		else
			return (int64_t)(g->range_before[mid] + (uint64_t)(v - r->lo));
	}
	return -1;
}

int64_t ep_targets_find(const struct ep_targets *t, const struct ep_target *target)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ep_target_group *g = &t->g[i];
		int64_t host, pi;

		if (g->proto != target->proto)
			continue;
		pi = ep_portset_index(&g->ports, target->port);
		if (pi < 0)
			continue;
		host = host_offset(g, &target->addr);
		if (host < 0)
			continue;
		return (int64_t)(g->before + (uint64_t)pi * g->nhosts + (uint64_t)host);
	}
	return -1;
}

void ep_targets_fingerprint(const struct ep_targets *t, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* a failed allocation here is a small fixed one: abort, as STYLE.md says */
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		abort();
	for (size_t i = 0; i < t->n; i++) {
		const struct ep_target_group *g = &t->g[i];
		uint8_t head[2] = {(uint8_t)g->proto, 0xff};

		EVP_DigestUpdate(c, head, sizeof(head));
		for (size_t k = 0; k < g->addrs.n; k++) {
			uint8_t r[33];

			r[0] = g->addrs.r[k].family;
			for (int b = 0; b < 16; b++) {
				r[1 + b] = (uint8_t)(g->addrs.r[k].lo >> (8 * (15 - b)));
				r[17 + b] = (uint8_t)(g->addrs.r[k].hi >> (8 * (15 - b)));
			}
			EVP_DigestUpdate(c, r, sizeof(r));
		}
		for (uint32_t k = 0; k < g->ports.nranges; k++) {
			uint8_t p[5] = {0xfe, (uint8_t)(g->ports.r[k].lo >> 8),
			                (uint8_t)g->ports.r[k].lo, (uint8_t)(g->ports.r[k].hi >> 8),
			                (uint8_t)g->ports.r[k].hi};

			EVP_DigestUpdate(c, p, sizeof(p));
		}
	}
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}
