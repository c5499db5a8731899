/* Security-group evaluation.  A group's rules are parsed once per call;
 * costs are O(rules + prefix-list entries) per interface, which for real
 * groups (at most a few hundred rules) is nothing next to a probe. */
#include "model/reach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

/* EC2 gives numbers as text ("80", "-1"); absent means all (-1). */
static int num(const cJSON *o, const char *key, int *out)
{
	const char *s = ep_json_str(o, key);
	char *end;
	long v;

	if (s == NULL) {
		*out = -1;
		return 0;
	}
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < -1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_proto(const char *p)
{
	char *end;
	long v;

	if (p == NULL || strcmp(p, "-1") == 0 || strcmp(p, "all") == 0)
		return EP_PROTO_ANY;
	if (strcmp(p, "tcp") == 0)
		return 6;
	if (strcmp(p, "udp") == 0)
		return 17;
	if (strcmp(p, "icmp") == 0)
		return 1;
	if (strcmp(p, "icmpv6") == 0)
		return 58;
	v = strtol(p, &end, 10);
	if (*p == '\0' || *end || v < 0 || v > 255)
		return -2;
	return (int)v;
}

static const char *proto_text(int proto, char *buf, size_t len)
{
	switch (proto) {
	case EP_PROTO_ANY:
		return "all traffic";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, len, "protocol %d", proto);
		return buf;
	}
}

static void describe(struct ep_rule *r, const char *source)
{
	char pb[24], ports[32] = "";

	if ((r->proto == 6 || r->proto == 17) && r->from >= 0) {
		if (r->from == r->to)
			snprintf(ports, sizeof(ports), " %d", r->from);
		else
			snprintf(ports, sizeof(ports), " %d-%d", r->from, r->to);
	} else if ((r->proto == 6 || r->proto == 17)) {
		snprintf(ports, sizeof(ports), " 0-65535");
	}
	snprintf(r->text, sizeof(r->text), "%s%s from %s", proto_text(r->proto, pb, sizeof(pb)),
	         ports, source);
}

static int push(struct ep_rule **rules, size_t *n, size_t *cap, const struct ep_rule *r)
{
	if (ep_array_reserve((void **)rules, cap, *n + 1, sizeof(**rules)))
		return EP_ENOMEM;
	(*rules)[(*n)++] = *r;
	return 0;
}

/* One rule per CIDR of a permission's list (ipRanges or ipv6Ranges). */
static int push_cidrs(const cJSON *perm, const char *list, const char *field, uint8_t family,
                      const struct ep_rule *base, struct ep_rule **rules, size_t *n, size_t *cap)
{
	const cJSON *src;
	int rc = 0;

	cJSON_ArrayForEach(src, cJSON_GetObjectItemCaseSensitive(perm, list))
	{
		struct ep_rule r = *base;
		const char *c = ep_json_str(src, field);

		if (rc || c == NULL || ep_iprange_parse(c, &r.cidr, NULL) ||
		    r.cidr.family != family)
			continue;
		r.kind = EP_SRC_CIDR;
		describe(&r, c);
		rc = push(rules, n, cap, &r);
	}
	return rc;
}

int ep_reach_parse_group(const cJSON *sg, struct ep_rule **rules, size_t *n, struct ep_diag *d)
{
	const char *id = ep_json_str(sg, "groupId");
	const cJSON *perm;
	size_t cap = 0;
	unsigned index = 0;
	int rc = 0;

	*rules = NULL;
	*n = 0;
	cJSON_ArrayForEach(perm, cJSON_GetObjectItemCaseSensitive(sg, "ipPermissions"))
	{
		struct ep_rule base;
		const cJSON *src;

		index++;
		memset(&base, 0, sizeof(base));
		snprintf(base.sg_id, sizeof(base.sg_id), "%s", id ? id : "?");
		base.index = index;
		base.proto = parse_proto(ep_json_str(perm, "ipProtocol"));
		if (base.proto == -2 || num(perm, "fromPort", &base.from) ||
		    num(perm, "toPort", &base.to)) {
			rc = ep_diag_set(d, EP_EPARSE, 0, 0,
			                 "security group %s, rule %u: bad protocol or port",
			                 base.sg_id, index);
			break;
		}
		/* tcp/udp without ports (-1) and protocols that have no ports
		 * cover everything; icmp keeps its type/code */
		if (base.proto != 1 && base.proto != 58 &&
		    ((base.proto != 6 && base.proto != 17) || base.from < 0 || base.to < 0))
			base.from = base.to = -1;
		if (rc == 0)
			rc = push_cidrs(perm, "ipRanges", "cidrIp", 4, &base, rules, n, &cap);
		if (rc == 0)
			rc = push_cidrs(perm, "ipv6Ranges", "cidrIpv6", 6, &base, rules, n, &cap);
		cJSON_ArrayForEach(src, cJSON_GetObjectItemCaseSensitive(perm, "prefixListIds"))
		{
			struct ep_rule r = base;
			const char *pl = ep_json_str(src, "prefixListId");

			if (pl == NULL)
				continue;
			r.kind = EP_SRC_PREFIX_LIST;
			snprintf(r.ref, sizeof(r.ref), "%s", pl);
			describe(&r, pl);
			rc = push(rules, n, &cap, &r);
		}
		cJSON_ArrayForEach(src, cJSON_GetObjectItemCaseSensitive(perm, "groups"))
		{
			struct ep_rule r = base;
			const char *g = ep_json_str(src, "groupId");
			char who[96];

			if (g == NULL)
				continue;
			r.kind = EP_SRC_GROUP;
			snprintf(r.ref, sizeof(r.ref), "%s", g);
			if (ep_json_str(src, "userId"))
				snprintf(who, sizeof(who), "%s (account %s)", g,
				         ep_json_str(src, "userId"));
			else
				snprintf(who, sizeof(who), "%s", g);
			describe(&r, who);
			rc = push(rules, n, &cap, &r);
		}
		if (rc)
			break;
	}
	if (rc) {
		free(*rules);
		*rules = NULL;
		*n = 0;
	}
	return rc;
}

static int in_prefix_list(const char *id, const struct ep_addr *a, const cJSON *lists)
{
	const cJSON *pl, *e;

	cJSON_ArrayForEach(pl, lists)
	{
		const char *pid = ep_json_str(pl, "prefixListId");

		if (pid == NULL || strcmp(pid, id) != 0)
			continue;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(pl, "entries"))
		{
			struct ep_iprange r;
			const char *c = ep_json_str(e, "cidr");
			ep_u128 v = ep_addr_to_u128(a);

			if (c && ep_iprange_parse(c, &r, NULL) == 0 && r.family == a->family &&
			    v >= r.lo && v <= r.hi)
				return 1;
		}
	}
	return 0;
}

int ep_reach_admits(const struct ep_rule *r, const struct ep_vantage *v, uint8_t family,
                    const cJSON *prefix_lists)
{
	int f = family == 4 ? 0 : 1;

	switch (r->kind) {
	case EP_SRC_CIDR:
		if (!v->has[f] || r->cidr.family != family)
			return 0;
		{
			ep_u128 a = ep_addr_to_u128(&v->src[f]);

			return a >= r->cidr.lo && a <= r->cidr.hi;
		}
	case EP_SRC_PREFIX_LIST:
		return v->has[f] && in_prefix_list(r->ref, &v->src[f], prefix_lists);
	case EP_SRC_GROUP:
		for (int i = 0; i < v->ngroups; i++)
			if (strcmp(v->groups[i], r->ref) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static const cJSON *find_group(const cJSON *groups, const char *id)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, groups)
	{
		const char *gid = ep_json_str(g, "groupId");

		if (gid && strcmp(gid, id) == 0)
			return g;
	}
	return NULL;
}

static int is_world(const struct ep_rule *r)
{
	return r->kind == EP_SRC_CIDR &&
	       r->cidr.hi - r->cidr.lo ==
	           (r->cidr.family == 4 ? (ep_u128)0xffffffffu : ~(ep_u128)0);
}

int ep_reach_interface(const cJSON *eni, const cJSON *groups, const cJSON *prefix_lists,
                       const struct ep_vantage *v, uint8_t family, struct ep_admissions *out,
                       struct ep_diag *d)
{
	const cJSON *ref;
	int rc = 0;

	cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(eni, "groupSet"))
	{
		const char *gid = ep_json_str(ref, "groupId");
		const cJSON *sg = gid ? find_group(groups, gid) : NULL;
		struct ep_rule *rules;
		size_t n;

		if (sg == NULL)
			continue; /* a group we could not read: nothing it admits is known */
		rc = ep_reach_parse_group(sg, &rules, &n, d);
		if (rc)
			break;
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct ep_admission a;

			if (!ep_reach_admits(&rules[i], v, family, prefix_lists))
				continue;
			memset(&a, 0, sizeof(a));
			a.proto = rules[i].proto;
			a.lo = rules[i].from < 0 || (a.proto != 6 && a.proto != 17)
			           ? 0
			           : (uint16_t)rules[i].from;
			a.hi = rules[i].to < 0 || (a.proto != 6 && a.proto != 17)
			           ? 65535
			           : (uint16_t)rules[i].to;
			a.world = is_world(&rules[i]);
			a.why = rules[i];
			if (ep_array_reserve((void **)&out->a, &out->cap, out->n + 1,
			                     sizeof(*out->a)))
				rc = EP_ENOMEM;
			else
				out->a[out->n++] = a;
		}
		free(rules);
	}
	return rc;
}

void ep_admissions_free(struct ep_admissions *a)
{
	free(a->a);
	memset(a, 0, sizeof(*a));
}

const struct ep_admission *ep_admissions_find(const struct ep_admissions *a, int proto,
                                              uint16_t port)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct ep_admission *x = &a->a[i];

		if ((x->proto == EP_PROTO_ANY || x->proto == proto) && port >= x->lo &&
		    port <= x->hi)
			return x;
	}
	return NULL;
}
