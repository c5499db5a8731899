/* Address ranges.  All arithmetic is on 128-bit integers so IPv4 and IPv6
 * share one code path; IPv4 values simply stay below 2^32. */
#include "config/cidr.h"

#include "base/buf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ep_u128 family_max(uint8_t family)
{
	return family == 4 ? (ep_u128)0xffffffffu : ~(ep_u128)0;
}

ep_u128 ep_addr_to_u128(const struct ep_addr *a)
{
	ep_u128 v = 0;
	int n = a->family == 4 ? 4 : 16;

	for (int i = 0; i < n; i++)
		v = (v << 8) | a->b[i];
	return v;
}

void ep_addr_from_u128(uint8_t family, ep_u128 v, struct ep_addr *out)
{
	int n = family == 4 ? 4 : 16;

	memset(out, 0, sizeof(*out));
	out->family = family;
	for (int i = n - 1; i >= 0; i--) {
		out->b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

int ep_addr_parse(const char *s, struct ep_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = 6;
		return 0;
	}
	return EP_EPARSE;
}

/* IPv4 by hand: glibc's inet_ntop formats it with sprintf, and every
 * output formats an address per result. */
static const char *format_v4(const uint8_t *b, char *out, size_t outlen)
{
	char text[16];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (i)
			text[n++] = '.';
		if (v >= 100)
			text[n++] = (char)('0' + v / 100);
		if (v >= 10)
			text[n++] = (char)('0' + v / 10 % 10);
		text[n++] = (char)('0' + v % 10);
	}
	text[n] = '\0';
	if (n >= outlen) {
		snprintf(out, outlen, "?");
		return out;
	}
	memcpy(out, text, n + 1);
	return out;
}

const char *ep_addr_format(const struct ep_addr *a, char *out, size_t outlen)
{
	if (a->family == 4)
		return format_v4(a->b, out, outlen);
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
	return out;
}

int ep_addr_cmp(const struct ep_addr *a, const struct ep_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

int ep_iprange_parse(const char *s, struct ep_iprange *out, struct ep_diag *d)
{
	char text[EP_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	const char *dash = strchr(s, '-');
	size_t alen = slash ? (size_t)(slash - s) : dash ? (size_t)(dash - s) : strlen(s);
	struct ep_addr a;

	if (alen == 0 || alen >= sizeof(text))
		return ep_diag_set(d, EP_EPARSE, 0, 1, "'%s' is not an address, CIDR or range", s);
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (ep_addr_parse(text, &a))
		return ep_diag_set(d, EP_EPARSE, 0, 1, "'%s' is not an IPv4 or IPv6 address", text);
	out->family = a.family;
	out->lo = out->hi = ep_addr_to_u128(&a);
	if (slash) {
		unsigned bits = a.family == 4 ? 32 : 128;
		char *end;
		long len = strtol(slash + 1, &end, 10);
		ep_u128 hostmask;

		if (end == slash + 1 || *end != '\0' || len < 0 || len > (long)bits)
			return ep_diag_set(d, EP_ERANGE, 0, (unsigned)(slash - s) + 2,
			                   "prefix length '%s' must be 0-%u", slash + 1, bits);
		hostmask = (unsigned)len == bits ? 0 : (family_max(a.family) >> len);
		out->lo &= ~hostmask;
		out->lo &= family_max(a.family);
		out->hi = out->lo | hostmask;
	} else if (dash) {
		struct ep_addr b;

		if (ep_addr_parse(dash + 1, &b) == 0) {
			if (b.family != a.family)
				return ep_diag_set(d, EP_EPARSE, 0, (unsigned)(dash - s) + 2,
				                   "range mixes IPv4 and IPv6");
			out->hi = ep_addr_to_u128(&b);
		} else {
			/* nmap's last-octet form: 10.0.0.1-20 */
			char *end;
			long last = strtol(dash + 1, &end, 10);

			if (a.family != 4 || end == dash + 1 || *end != '\0' || last < 0 ||
			    last > 255)
				return ep_diag_set(d, EP_EPARSE, 0, (unsigned)(dash - s) + 2,
				                   "'%s' is not a range end", dash + 1);
			out->hi = (out->lo & ~(ep_u128)0xff) | (ep_u128)last;
		}
		if (out->hi < out->lo)
			return ep_diag_set(d, EP_ERANGE, 0, (unsigned)(dash - s) + 2,
			                   "address range '%s' is reversed", s);
	}
	return 0;
}

uint64_t ep_iprange_size(const struct ep_iprange *r)
{
	ep_u128 n = r->hi - r->lo;

	if (n >= (ep_u128)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)n + 1;
}

void ep_iprange_addr(const struct ep_iprange *r, uint64_t offset, struct ep_addr *out)
{
	ep_addr_from_u128(r->family, r->lo + offset, out);
}

void ep_iprange_format(const struct ep_iprange *r, char *out, size_t outlen)
{
	char a[EP_ADDRSTRLEN], b[EP_ADDRSTRLEN];
	struct ep_addr x, y;

	ep_addr_from_u128(r->family, r->lo, &x);
	ep_addr_from_u128(r->family, r->hi, &y);
	ep_addr_format(&x, a, sizeof(a));
	if (r->lo == r->hi)
		snprintf(out, outlen, "%s", a);
	else
		snprintf(out, outlen, "%s-%s", a, ep_addr_format(&y, b, sizeof(b)));
}

void ep_rangelist_init(struct ep_rangelist *l)
{
	memset(l, 0, sizeof(*l));
}

void ep_rangelist_free(struct ep_rangelist *l)
{
	free(l->r);
	ep_rangelist_init(l);
}

int ep_rangelist_add(struct ep_rangelist *l, const struct ep_iprange *r)
{
	if (ep_array_reserve((void **)&l->r, &l->cap, l->n + 1, sizeof(*l->r)))
		return EP_ENOMEM;
	l->r[l->n++] = *r;
	return 0;
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct ep_iprange *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

void ep_rangelist_normalize(struct ep_rangelist *l)
{
	size_t out = 0;

	if (l->n == 0)
		return;
	qsort(l->r, l->n, sizeof(*l->r), range_cmp);
	for (size_t i = 1; i < l->n; i++) {
		struct ep_iprange *cur = &l->r[out];

		if (l->r[i].family == cur->family &&
		    (l->r[i].lo <= cur->hi || l->r[i].lo - 1 == cur->hi)) {
			if (l->r[i].hi > cur->hi)
				cur->hi = l->r[i].hi;
		} else {
			l->r[++out] = l->r[i];
		}
	}
	l->n = out + 1;
}

int ep_rangelist_subtract(struct ep_rangelist *l, const struct ep_rangelist *ex)
{
	struct ep_rangelist res;
	size_t j = 0;
	int rc = 0;

	ep_rangelist_init(&res);
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		struct ep_iprange cur = l->r[i];
		int alive = 1;

		/* skip exclusions wholly before cur */
		while (j < ex->n && (ex->r[j].family < cur.family ||
		                     (ex->r[j].family == cur.family && ex->r[j].hi < cur.lo)))
			j++;
		for (size_t k = j; k < ex->n && alive; k++) {
			const struct ep_iprange *e = &ex->r[k];

			if (e->family != cur.family || e->lo > cur.hi)
				break;
			if (e->hi < cur.lo)
				continue;
			if (e->lo > cur.lo) {
				struct ep_iprange left = cur;

				left.hi = e->lo - 1;
				rc = ep_rangelist_add(&res, &left);
				if (rc)
					break;
			}
			if (e->hi >= cur.hi)
				alive = 0;
			else
				cur.lo = e->hi + 1;
		}
		if (alive && rc == 0)
			rc = ep_rangelist_add(&res, &cur);
	}
	if (rc) {
		ep_rangelist_free(&res);
		return rc;
	}
	ep_rangelist_free(l);
	*l = res;
	return 0;
}

int ep_rangelist_contains(const struct ep_rangelist *l, const struct ep_addr *a)
{
	ep_u128 v = ep_addr_to_u128(a);

	for (size_t i = 0; i < l->n; i++)
		if (l->r[i].family == a->family && v >= l->r[i].lo && v <= l->r[i].hi)
			return 1;
	return 0;
}

/* The /96 prefixes under which an IPv4 address has an IPv6 name.  Mapped:
 * a dual-stack socket sends ::ffff:a.b.c.d to a.b.c.d itself.  Compatible:
 * deprecated (RFC 4291) but still routed by automatic tunnels.  NAT64's
 * well-known prefix (RFC 6052): a NAT64 gateway forwards it to a.b.c.d, so
 * it names the same host too.  A network-specific NAT64 prefix cannot be
 * known from here; exclude it by hand. */
static const ep_u128 alias_prefix[] = {
    (ep_u128)0xffff << 32,
    0,
    (ep_u128)0x0064ff9b << 96,
};

/* The IPv4 range r names if it is IPv6 inside an alias prefix: 1, else 0. */
static int ipv4_named(const struct ep_iprange *r, struct ep_iprange *v4)
{
	for (size_t k = 0; k < sizeof(alias_prefix) / sizeof(alias_prefix[0]); k++) {
		ep_u128 p = alias_prefix[k];

		if (r->family == 6 && r->lo >= p && r->hi <= p + 0xffffffffu) {
			*v4 = (struct ep_iprange){4, r->lo - p, r->hi - p};
			return 1;
		}
	}
	return 0;
}

int ep_rangelist_add_aliased(struct ep_rangelist *l, const struct ep_iprange *r)
{
	struct ep_iprange v4;
	int rc = ep_rangelist_add(l, r);

	if (rc == 0 && ipv4_named(r, &v4))
		rc = ep_rangelist_add(l, &v4);
	return rc;
}

int ep_rangelist_with_aliases(struct ep_rangelist *out, const struct ep_rangelist *ex)
{
	int rc = 0;

	for (size_t i = 0; ex && i < ex->n && rc == 0; i++) {
		const struct ep_iprange *r = &ex->r[i];

		rc = ep_rangelist_add_aliased(out, r);
		for (size_t k = 0; r->family == 4 && rc == 0 &&
		                   k < sizeof(alias_prefix) / sizeof(alias_prefix[0]);
		     k++) {
			struct ep_iprange a = {6, alias_prefix[k] + r->lo, alias_prefix[k] + r->hi};

			rc = ep_rangelist_add(out, &a);
		}
	}
	if (rc == 0)
		ep_rangelist_normalize(out);
	return rc;
}

uint64_t ep_rangelist_size(const struct ep_rangelist *l)
{
	uint64_t total = 0;

	for (size_t i = 0; i < l->n; i++) {
		uint64_t n = ep_iprange_size(&l->r[i]);

		if (total > UINT64_MAX - n)
			return UINT64_MAX;
		total += n;
	}
	return total;
}
