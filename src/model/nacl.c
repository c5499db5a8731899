/* NACL evaluation.  Entries are sorted per call (an ACL holds at most 40 rules
 * per direction), so the cost is small next to a probe. */
#include "model/nacl.h"
#include "base/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long num(const cJSON *o, const char *key, long dflt)
{
	const char *s = ep_json_str(o, key);

	return s ? strtol(s, NULL, 10) : dflt;
}

/* The ACL associated with the subnet, else the VPC's default ACL. */
static const cJSON *acl_for(const cJSON *acls, const char *subnet, const char *vpc)
{
	const cJSON *acl, *assoc, *dflt = NULL;

	cJSON_ArrayForEach(acl, acls)
	{
		cJSON_ArrayForEach(assoc, cJSON_GetObjectItemCaseSensitive(acl, "associationSet"))
		{
			const char *s = ep_json_str(assoc, "subnetId");

			if (s && subnet && strcmp(s, subnet) == 0)
				return acl;
		}
		if (vpc && ep_json_str(acl, "vpcId") &&
		    strcmp(ep_json_str(acl, "vpcId"), vpc) == 0 && ep_json_str(acl, "default") &&
		    strcmp(ep_json_str(acl, "default"), "true") == 0)
			dflt = acl;
	}
	return dflt;
}

static int entry_matches(const cJSON *e, int egress, const struct ep_addr *peer, int proto,
                         uint16_t port)
{
	const char *eg = ep_json_str(e, "egress");
	long p = num(e, "protocol", -1);
	const char *cidr = ep_json_str(e, peer->family == 4 ? "cidrBlock" : "ipv6CidrBlock");
	struct ep_iprange r;
	ep_u128 a = ep_addr_to_u128(peer);

	if ((eg && strcmp(eg, "true") == 0) != egress)
		return 0;
	if (p != -1 && p != proto)
		return 0;
	if (p == 6 || p == 17) {
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(e, "portRange");

		if (pr && (port < num(pr, "from", 0) || port > num(pr, "to", 65535)))
			return 0;
	}
	if (cidr == NULL || ep_iprange_parse(cidr, &r, NULL) || r.family != peer->family)
		return 0;
	return a >= r.lo && a <= r.hi;
}

static int by_rule(const void *pa, const void *pb)
{
	long a = num(*(const cJSON *const *)pa, "ruleNumber", 32767);
	long b = num(*(const cJSON *const *)pb, "ruleNumber", 32767);

	return (a > b) - (a < b);
}

/* First matching entry of one direction; -1 when none matches (AWS's
 * implicit final deny). */
static int decide(const cJSON *acl, int egress, const struct ep_addr *peer, int proto,
                  uint16_t port, char *why, size_t len)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(acl, "entrySet"), *e;
	const cJSON *sorted[256];
	size_t n = 0;

	cJSON_ArrayForEach(e, entries) if (n < sizeof(sorted) / sizeof(sorted[0])) sorted[n++] = e;
	qsort(sorted, n, sizeof(sorted[0]), by_rule);
	for (size_t i = 0; i < n; i++) {
		const char *action = ep_json_str(sorted[i], "ruleAction");
		int allow = action && strcmp(action, "allow") == 0;

		if (!entry_matches(sorted[i], egress, peer, proto, port))
			continue;
		snprintf(why, len, "%s %s rule %ld: %s", ep_json_str(acl, "networkAclId"),
		         egress ? "outbound" : "inbound", num(sorted[i], "ruleNumber", 32767),
		         allow ? "allow" : "deny");
		return allow;
	}
	snprintf(why, len, "%s %s: no rule matches (implicit deny)",
	         ep_json_str(acl, "networkAclId"), egress ? "outbound" : "inbound");
	return 0;
}

int ep_nacl_admits(const cJSON *acls, const char *subnet, const char *vpc,
                   const struct ep_addr *src, int proto, uint16_t port, char *why, size_t len)
{
	const cJSON *acl = acl_for(acls, subnet, vpc);

	if (acl == NULL) {
		snprintf(why, len, "no network ACL data for %s", subnet ? subnet : "the subnet");
		return 1;
	}
	if (!decide(acl, 0, src, proto, port, why, len))
		return 0;
	/* stateless: the reply to the prober's ephemeral port must leave too */
	return decide(acl, 1, src, proto, EP_NACL_REPLY_PORT, why, len);
}
