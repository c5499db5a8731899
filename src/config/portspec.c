/* Port specification parser: the items of a spec are sorted and merged into
 * ranges per protocol.  Unions of sets go through a 64 Kibit bitmap. */
#include "config/portspec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_WORDS (65536 / 64)

const char *ep_proto_name(enum ep_proto p)
{
	return p == EP_PROTO_UDP ? "udp" : "tcp";
}

void ep_portset_free(struct ep_portset *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}

int ep_portset_copy(struct ep_portset *dst, const struct ep_portset *src)
{
	*dst = *src;
	dst->r = NULL;
	if (src->nranges == 0)
		return 0;
	dst->r = malloc(sizeof(*dst->r) * src->nranges);
	if (dst->r == NULL)
		return EP_ENOMEM;
	memcpy(dst->r, src->r, sizeof(*dst->r) * src->nranges);
	return 0;
}

/* Whole words where it can: a range of 65535 ports is ~1000 stores. */
static void set_bits(uint64_t *bm, unsigned lo, unsigned hi)
{
	unsigned p = lo;

	for (; p <= hi && (p & 63); p++)
		bm[p >> 6] |= 1ULL << (p & 63);
	for (; p + 63 <= hi; p += 64)
		bm[p >> 6] = ~0ULL;
	for (; p <= hi; p++)
		bm[p >> 6] |= 1ULL << (p & 63);
}

void ep_portbits_set(uint64_t *bm, unsigned lo, unsigned hi)
{
	set_bits(bm, lo, hi);
}

/* Skips empty and full 64-port words, so a sparse or a complete set costs
 * about a thousand word tests, not 65536 bit tests. */
static int from_bitmap(const uint64_t *bm, struct ep_portset *s)
{
	uint32_t n = 0, count = 0;
	int prev = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned w = 0; w < PORT_WORDS; w++) {
		uint64_t x = bm[w];
		/* a range starts where a bit is set and the one below it is not */
		uint64_t starts = x & ~((x << 1) | (uint64_t)prev);

		n += (uint32_t)__builtin_popcountll(starts);
		prev = (int)(x >> 63);
	}
	if (n == 0)
		return 0;
	s->r = calloc(n, sizeof(*s->r));
	if (s->r == NULL)
		return EP_ENOMEM;
	prev = 0;
	for (unsigned w = 0; w < PORT_WORDS; w++) {
		uint64_t x = bm[w];
		uint64_t starts = x & ~((x << 1) | (uint64_t)prev);
		uint64_t ends = x & ~((x >> 1) | (w + 1 < PORT_WORDS ? bm[w + 1] << 63 : 0));

		while (starts | ends) {
			unsigned a = starts ? (unsigned)__builtin_ctzll(starts) : 64;
			unsigned b = ends ? (unsigned)__builtin_ctzll(ends) : 64;

			if (a <= b && starts) { /* a range opens (it may close on the same bit) */
				s->r[s->nranges].lo = (uint16_t)(w * 64 + a);
				s->r[s->nranges].before = count;
				s->nranges++;
				starts &= starts - 1;
			} else {
				uint16_t lo = s->r[s->nranges - 1].lo, hi = (uint16_t)(w * 64 + b);

				s->r[s->nranges - 1].hi = hi;
				count += (uint32_t)(hi - lo) + 1;
				ends &= ends - 1;
			}
		}
		prev = (int)(x >> 63);
	}
	s->count = count;
	return 0;
}

int ep_portset_from_bits(const uint64_t *bm, struct ep_portset *out)
{
	return from_bitmap(bm, out);
}

/* Reads a decimal port at *pp; returns -1 when there is no number there. */
static long read_port(const char **pp)
{
	const char *p = *pp;
	long v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v > 99999)
			v = 99999; /* clamp; reported as out of range below */
		p++;
	}
	*pp = p;
	return v;
}

struct spec_item {
	uint8_t proto;
	uint16_t lo, hi;
};

static int item_cmp(const void *a, const void *b)
{
	const struct spec_item *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorted items of one protocol, merged (overlapping or adjacent) into s. */
static int merge_items(const struct spec_item *it, size_t n, struct ep_portset *s)
{
	uint32_t count = 0;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		return 0;
	s->r = malloc(n * sizeof(*s->r));
	if (s->r == NULL)
		return EP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct ep_portrange *last = s->nranges ? &s->r[s->nranges - 1] : NULL;

		if (last && it[i].lo <= (uint32_t)last->hi + 1) {
			if (it[i].hi > last->hi)
				last->hi = it[i].hi;
			continue;
		}
		s->r[s->nranges++] = (struct ep_portrange){it[i].lo, it[i].hi, 0};
	}
	for (uint32_t i = 0; i < s->nranges; i++) {
		s->r[i].before = count;
		count += (uint32_t)(s->r[i].hi - s->r[i].lo) + 1;
	}
	s->count = count;
	return 0;
}

/* O(k log k) in the k items of the spec, not in the 65,536 ports: a targets
 * file has a spec on each of up to millions of lines. */
int ep_portspec_parse(const char *spec, struct ep_portset sets[EP_PROTO_COUNT], struct ep_diag *d)
{
	struct spec_item small[16], *items = small;
	const char *p = spec;
	enum ep_proto proto = EP_PROTO_TCP;
	size_t n = 0, cap = 1, k;
	int rc = 0;

	memset(sets, 0, sizeof(*sets) * EP_PROTO_COUNT);
	if (*p == '\0')
		return ep_diag_set(d, EP_EPARSE, 0, 1, "empty port specification");
	for (const char *c = spec; *c; c++)
		cap += *c == ',';
	if (cap > sizeof(small) / sizeof(small[0])) {
		items = malloc(cap * sizeof(*items));
		if (items == NULL)
			return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	for (;;) {
		const char *item = p;
		long lo, hi;

		while (*p == ' ')
			p++;
		if ((p[0] == 'T' || p[0] == 'U' || p[0] == 't' || p[0] == 'u') && p[1] == ':') {
			proto = (p[0] == 'U' || p[0] == 'u') ? EP_PROTO_UDP : EP_PROTO_TCP;
			p += 2;
		}
		item = p;
		lo = read_port(&p);
		if (*p == '-') {
			p++;
			if (lo < 0)
				lo = 1;
			hi = read_port(&p);
			if (hi < 0)
				hi = 65535;
		} else {
			hi = lo;
		}
		if (lo < 0) {
			rc = ep_diag_set(d, EP_EPARSE, 0, (unsigned)(item - spec) + 1,
			                 "expected a port, a range or '-' in port specification");
			goto out;
		}
		if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
			rc = ep_diag_set(d, EP_ERANGE, 0, (unsigned)(item - spec) + 1,
			                 "port %ld out of range 1-65535",
			                 lo < 1 || lo > 65535 ? lo : hi);
			goto out;
		}
		if (hi < lo) {
			rc = ep_diag_set(d, EP_ERANGE, 0, (unsigned)(item - spec) + 1,
			                 "port range %ld-%ld is reversed", lo, hi);
			goto out;
		}
		items[n++] = (struct spec_item){(uint8_t)proto, (uint16_t)lo, (uint16_t)hi};
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',') {
			rc = ep_diag_set(d, EP_EPARSE, 0, (unsigned)(p - spec) + 1,
			                 "unexpected '%c' in port specification", *p);
			goto out;
		}
		p++;
	}
	if (n > 1)
		qsort(items, n, sizeof(*items), item_cmp);
	for (k = 0; k < n && items[k].proto == EP_PROTO_TCP; k++)
		;
	rc = merge_items(items, k, &sets[EP_PROTO_TCP]);
	if (rc == 0)
		rc = merge_items(items + k, n - k, &sets[EP_PROTO_UDP]);
	if (rc) {
		for (int j = 0; j < EP_PROTO_COUNT; j++)
			ep_portset_free(&sets[j]);
		rc = ep_diag_set(d, rc, 0, 0, "out of memory");
	}
out:
	if (items != small)
		free(items);
	return rc;
}

uint16_t ep_portset_at(const struct ep_portset *s, uint32_t i)
{
	uint32_t lo = 0, hi = s->nranges - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (s->r[mid].before <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (uint16_t)(s->r[lo].lo + (i - s->r[lo].before));
}

int64_t ep_portset_index(const struct ep_portset *s, uint16_t port)
{
	uint32_t lo = 0, hi = s->nranges;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (port < s->r[mid].lo)
			hi = mid;
		else if (port > s->r[mid].hi)
			lo = mid + 1;
		else
			return (int64_t)s->r[mid].before + (port - s->r[mid].lo);
	}
	return -1;
}

int ep_portset_has(const struct ep_portset *s, uint16_t port)
{
	for (uint32_t i = 0; i < s->nranges; i++)
		if (port >= s->r[i].lo && port <= s->r[i].hi)
			return 1;
	return 0;
}

void ep_portset_format(const struct ep_portset *s, char *out, size_t outlen)
{
	size_t used = 0;

	if (outlen)
		out[0] = '\0';
	for (uint32_t i = 0; i < s->nranges && used < outlen; i++) {
		int n;

		if (s->r[i].lo == s->r[i].hi)
			n = snprintf(out + used, outlen - used, "%s%u", i ? "," : "", s->r[i].lo);
		else
			n = snprintf(out + used, outlen - used, "%s%u-%u", i ? "," : "", s->r[i].lo,
			             s->r[i].hi);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int ep_portset_union(struct ep_portset *out, const struct ep_portset *a, const struct ep_portset *b)
{
	uint64_t bm[PORT_WORDS];

	if (a->count == 0)
		return ep_portset_copy(out, b);
	if (b->count == 0)
		return ep_portset_copy(out, a);
	memset(bm, 0, sizeof(bm));
	for (uint32_t i = 0; i < a->nranges; i++)
		set_bits(bm, a->r[i].lo, a->r[i].hi);
	for (uint32_t i = 0; i < b->nranges; i++)
		set_bits(bm, b->r[i].lo, b->r[i].hi);
	return from_bitmap(bm, out);
}
