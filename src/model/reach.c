/* Security-group compilation and evaluation.  A group's rules are parsed
 * once, when the model is built; evaluation costs O(rules + prefix-list
 * entries) per interface address, nothing next to a probe. */
#include "model/reach.h"

#include <netinet/in.h>
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
		return IPPROTO_TCP;
	if (strcmp(p, "udp") == 0)
		return IPPROTO_UDP;
	if (strcmp(p, "icmp") == 0)
		return IPPROTO_ICMP;
	if (strcmp(p, "icmpv6") == 0)
		return IPPROTO_ICMPV6;
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
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		snprintf(buf, len, "protocol %d", proto);
		return buf;
	}
}

static void describe(struct ep_rule *r, const char *source)
{
	char pb[24], ports[32] = "";
	int ported = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP;

	if (ported && r->from >= 0) {
		if (r->from == r->to)
			snprintf(ports, sizeof(ports), " %d", r->from);
		else
			snprintf(ports, sizeof(ports), " %d-%d", r->from, r->to);
	} else if (ported) {
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
		if (base.proto != IPPROTO_ICMP && base.proto != IPPROTO_ICMPV6 &&
		    ((base.proto != IPPROTO_TCP && base.proto != IPPROTO_UDP) || base.from < 0 ||
		     base.to < 0))
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

int ep_sg_compile(const cJSON *sg, struct ep_sg *out, struct ep_diag *d)
{
	const char *id = ep_json_str(sg, "groupId"), *name = ep_json_str(sg, "groupName");
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", id ? id : "");
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	rc = ep_reach_parse_group(sg, &out->rules, &out->nrules, d);
	if (rc == 0)
		rc = ep_tags_parse(cJSON_GetObjectItemCaseSensitive(sg, "tagSet"), &out->tags);
	if (rc)
		ep_sg_free(out);
	return rc;
}

void ep_sg_free(struct ep_sg *g)
{
	free(g->rules);
	ep_tags_free(&g->tags);
	memset(g, 0, sizeof(*g));
}

int ep_prefix_list_compile(const cJSON *pl, struct ep_prefix_list *out)
{
	const cJSON *e, *entries = cJSON_GetObjectItemCaseSensitive(pl, "entries");
	const char *id = ep_json_str(pl, "prefixListId");
	int max = cJSON_GetArraySize(entries);

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", id ? id : "");
	if (max <= 0)
		return 0;
	out->cidrs = calloc((size_t)max, sizeof(*out->cidrs));
	if (out->cidrs == NULL)
		return EP_ENOMEM;
	cJSON_ArrayForEach(e, entries)
	{
		const char *c = ep_json_str(e, "cidr");

		if (c && out->n < (size_t)max &&
		    ep_iprange_parse(c, &out->cidrs[out->n], NULL) == 0)
			out->n++;
	}
	return 0;
}

void ep_prefix_list_free(struct ep_prefix_list *pl)
{
	free(pl->cidrs);
	memset(pl, 0, sizeof(*pl));
}

static int in_prefix_list(const char *id, const struct ep_addr *a, const struct ep_prefix_list *pls,
                          size_t npls)
{
	ep_u128 v = ep_addr_to_u128(a);

	for (size_t i = 0; i < npls; i++) {
		if (strcmp(pls[i].id, id) != 0)
			continue;
		for (size_t k = 0; k < pls[i].n; k++)
			if (pls[i].cidrs[k].family == a->family && v >= pls[i].cidrs[k].lo &&
			    v <= pls[i].cidrs[k].hi)
				return 1;
	}
	return 0;
}

int ep_reach_admits(const struct ep_rule *r, const struct ep_vantage *v, uint8_t family,
                    const struct ep_prefix_list *pls, size_t npls)
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
		return v->has[f] && in_prefix_list(r->ref, &v->src[f], pls, npls);
	case EP_SRC_GROUP:
		for (int i = 0; i < v->ngroups; i++)
			if (strcmp(v->groups[i], r->ref) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static int is_world(const struct ep_rule *r)
{
	return r->kind == EP_SRC_CIDR &&
	       r->cidr.hi - r->cidr.lo ==
	           (r->cidr.family == 4 ? (ep_u128)0xffffffffu : ~(ep_u128)0);
}

int ep_reach_groups(const struct ep_sg *const *groups, size_t ngroups,
                    const struct ep_prefix_list *pls, size_t npls, const struct ep_vantage *v,
                    uint8_t family, struct ep_admissions *out)
{
	for (size_t g = 0; g < ngroups; g++) {
		const struct ep_sg *sg = groups[g];

		for (size_t i = 0; sg && i < sg->nrules; i++) {
			const struct ep_rule *r = &sg->rules[i];
			int ported = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP;
			struct ep_admission a;

			if (!ep_reach_admits(r, v, family, pls, npls))
				continue;
			memset(&a, 0, sizeof(a));
			a.proto = r->proto;
			a.lo = r->from < 0 || !ported ? 0 : (uint16_t)r->from;
			a.hi = r->to < 0 || !ported ? 65535 : (uint16_t)r->to;
			a.world = is_world(r);
			a.why = *r;
			if (ep_array_reserve((void **)&out->a, &out->cap, out->n + 1,
			                     sizeof(*out->a)))
				return EP_ENOMEM;
			out->a[out->n++] = a;
		}
	}
	return 0;
}

void ep_admissions_free(struct ep_admissions *a)
{
	free(a->a);
	memset(a, 0, sizeof(*a));
}

int ep_admission_covers(const struct ep_admission *x, enum ep_proto proto, uint16_t port)
{
	int iana = ep_proto_iana(proto);

	return (x->proto == EP_PROTO_ANY || x->proto == iana) && port >= x->lo && port <= x->hi;
}

const struct ep_admission *ep_admissions_find(const struct ep_admissions *a, enum ep_proto proto,
                                              uint16_t port)
{
	for (size_t i = 0; i < a->n; i++)
		if (ep_admission_covers(&a->a[i], proto, port))
			return &a->a[i];
	return NULL;
}

const struct ep_admission *ep_admissions_find_world(const struct ep_admissions *a,
                                                    enum ep_proto proto, uint16_t port)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->a[i].world && ep_admission_covers(&a->a[i], proto, port))
			return &a->a[i];
	return NULL;
}
