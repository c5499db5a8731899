/* Route-table lookup for public reachability.  Linear in the tables. */
#include "model/routes.h"
#include "base/json.h"

#include <stdio.h>
#include <string.h>

static const cJSON *table_for(const cJSON *tables, const char *subnet, const char *vpc)
{
	const cJSON *t, *a, *main_table = NULL;

	cJSON_ArrayForEach(t, tables)
	{
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(t, "associationSet"))
		{
			const char *s = ep_json_str(a, "subnetId");
			const char *m = ep_json_str(a, "main");

			if (s && subnet && strcmp(s, subnet) == 0)
				return t;
			if (m && strcmp(m, "true") == 0 && vpc && ep_json_str(t, "vpcId") &&
			    strcmp(ep_json_str(t, "vpcId"), vpc) == 0)
				main_table = t;
		}
	}
	return main_table;
}

int ep_routes_internet_ok(const cJSON *tables, const char *subnet, const char *vpc, uint8_t family,
                          char *why, size_t len)
{
	const cJSON *t = table_for(tables, subnet, vpc), *r;
	const char *dflt = family == 4 ? "0.0.0.0/0" : "::/0";

	if (t == NULL) {
		snprintf(why, len, "no route table data for %s", subnet ? subnet : "the subnet");
		return 1;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(t, "routeSet"))
	{
		const char *dst = ep_json_str(r, family == 4 ? "destinationCidrBlock"
		                                             : "destinationIpv6CidrBlock");
		const char *gw = ep_json_str(r, "gatewayId");
		const char *state = ep_json_str(r, "state");

		if (dst && strcmp(dst, dflt) == 0 && gw && strncmp(gw, "igw-", 4) == 0 &&
		    (state == NULL || strcmp(state, "active") == 0))
			return 1;
	}
	snprintf(why, len, "route table %s has no %s route to an internet gateway",
	         ep_json_str(t, "routeTableId") ? ep_json_str(t, "routeTableId") : "?", dflt);
	return 0;
}
