/* NACL compilation and evaluation.  Compiling sorts once (an ACL holds at
 * most a few dozen entries per direction); evaluating is a linear walk with
 * integer compares, no text. */
#include "model/nacl.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "model/assoc.h"

static long num(const cJSON *o, const char *key, long dflt)
{
	const char *s = ep_json_str(o, key);
	char *end;
	long v;

	if (s == NULL)
		return dflt;
	v = strtol(s, &end, 10);
	return *s && *end == '\0' ? v : dflt;
}

static int is_true(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0);
}

static int by_rule(const void *pa, const void *pb)
{
	const struct ep_nacl_entry *a = pa, *b = pb;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return a->egress - b->egress;
}

int ep_nacl_compile(const cJSON *acl, struct ep_nacl *out)
{
	const cJSON *e;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s",
	         ep_json_str(acl, "networkAclId") ? ep_json_str(acl, "networkAclId") : "?");
	snprintf(out->vpc, sizeof(out->vpc), "%s",
	         ep_json_str(acl, "vpcId") ? ep_json_str(acl, "vpcId") : "");
	out->is_default = is_true(acl, "default");
	if (ep_assoc_subnets(acl, &out->subnets, &out->nsubnets))
		return EP_ENOMEM;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(acl, "entrySet"))
	{
		struct ep_nacl_entry x;
		const char *cidr = ep_json_str(e, "cidrBlock");
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(e, "portRange");
		const char *action = ep_json_str(e, "ruleAction");

		memset(&x, 0, sizeof(x));
		if (cidr == NULL)
			cidr = ep_json_str(e, "ipv6CidrBlock");
		if (cidr == NULL || ep_iprange_parse(cidr, &x.cidr, NULL))
			x.cidr.family = 0;
		x.rule = num(e, "ruleNumber", 32767);
		x.egress = is_true(e, "egress");
		x.allow = action && strcmp(action, "allow") == 0;
		x.proto = (int)num(e, "protocol", -1);
		x.from = pr ? (int)num(pr, "from", 0) : -1;
		x.to = pr ? (int)num(pr, "to", 65535) : -1;
		if (ep_array_reserve((void **)&out->e, &cap, out->n + 1, sizeof(*out->e))) {
			ep_nacl_free(out);
			return EP_ENOMEM;
		}
		out->e[out->n++] = x;
	}
	if (out->n > 1)
		qsort(out->e, out->n, sizeof(*out->e), by_rule);
	return 0;
}

void ep_nacl_free(struct ep_nacl *a)
{
	free(a->subnets);
	free(a->e);
	memset(a, 0, sizeof(*a));
}

const struct ep_nacl *ep_nacl_for(const struct ep_nacl *acls, size_t n, const char *subnet,
                                  const char *vpc)
{
	const struct ep_nacl *dflt = NULL;

	for (size_t i = 0; i < n; i++) {
		if (ep_assoc_has(acls[i].subnets, acls[i].nsubnets, subnet))
			return &acls[i];
		if (acls[i].is_default && vpc && strcmp(acls[i].vpc, vpc) == 0)
			dflt = &acls[i];
	}
	return dflt;
}

static int entry_matches(const struct ep_nacl_entry *e, int egress, const struct ep_addr *peer,
                         int proto, uint16_t port)
{
	ep_u128 a;

	if (e->egress != egress || (e->proto != -1 && e->proto != proto))
		return 0;
	if ((e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) && e->from >= 0 &&
	    (port < e->from || port > e->to))
		return 0;
	if (e->cidr.family != peer->family)
		return 0;
	a = ep_addr_to_u128(peer);
	return a >= e->cidr.lo && a <= e->cidr.hi;
}

/* First matching entry of one direction; no match is the implicit deny. */
static int decide(const struct ep_nacl *acl, int egress, const struct ep_addr *peer, int proto,
                  uint16_t port, char *why, size_t len)
{
	for (size_t i = 0; i < acl->n; i++) {
		const struct ep_nacl_entry *e = &acl->e[i];

		if (!entry_matches(e, egress, peer, proto, port))
			continue;
		if (why)
			snprintf(why, len, "%s %s rule %ld: %s", acl->id,
			         egress ? "outbound" : "inbound", e->rule,
			         e->allow ? "allow" : "deny");
		return e->allow;
	}
	if (why)
		snprintf(why, len, "%s %s: no rule matches (implicit deny)", acl->id,
		         egress ? "outbound" : "inbound");
	return 0;
}

int ep_nacl_admits(const struct ep_nacl *acl, const struct ep_addr *src, enum ep_proto proto,
                   uint16_t port, char *why, size_t len)
{
	int iana = ep_proto_iana(proto);

	if (acl == NULL) {
		if (why)
			snprintf(why, len, "no network ACL data for the subnet");
		return 1;
	}
	if (!decide(acl, 0, src, iana, port, why, len))
		return 0;
	/* stateless: the reply to the prober's ephemeral port must leave too */
	return decide(acl, 1, src, iana, EP_NACL_REPLY_PORT, why, len);
}
