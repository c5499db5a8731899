/* Route-table compilation.  Lookups are linear in the region's tables,
 * once per interface. */
#include "model/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "model/assoc.h"

int ep_assoc_subnets(const cJSON *obj, char (**out)[32], size_t *n)
{
	const cJSON *a, *set = cJSON_GetObjectItemCaseSensitive(obj, "associationSet");
	int max = cJSON_GetArraySize(set);

	*out = NULL;
	*n = 0;
	if (max <= 0)
		return 0;
	*out = calloc((size_t)max, sizeof(**out));
	if (*out == NULL)
		return EP_ENOMEM;
	cJSON_ArrayForEach(a, set)
	{
		const char *s = ep_json_str(a, "subnetId");

		if (s && *n < (size_t)max)
			snprintf((*out)[(*n)++], sizeof((*out)[0]), "%s", s);
	}
	return 0;
}

int ep_assoc_has(const char (*subnets)[32], size_t n, const char *subnet)
{
	for (size_t i = 0; subnet && subnet[0] && i < n; i++)
		if (strcmp(subnets[i], subnet) == 0)
			return 1;
	return 0;
}

int ep_routes_compile(const cJSON *table, struct ep_route_table *out)
{
	const cJSON *a, *r;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s",
	         ep_json_str(table, "routeTableId") ? ep_json_str(table, "routeTableId") : "?");
	snprintf(out->vpc, sizeof(out->vpc), "%s",
	         ep_json_str(table, "vpcId") ? ep_json_str(table, "vpcId") : "");
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(table, "associationSet"))
	{
		const char *m = ep_json_str(a, "main");

		if (m && strcmp(m, "true") == 0)
			out->is_main = 1;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(table, "routeSet"))
	{
		const char *gw = ep_json_str(r, "gatewayId");
		const char *state = ep_json_str(r, "state");
		const char *v4 = ep_json_str(r, "destinationCidrBlock");
		const char *v6 = ep_json_str(r, "destinationIpv6CidrBlock");

		if (gw == NULL || strncmp(gw, "igw-", 4) != 0 ||
		    (state && strcmp(state, "active") != 0))
			continue;
		if (v4 && strcmp(v4, "0.0.0.0/0") == 0)
			out->igw[0] = 1;
		if (v6 && strcmp(v6, "::/0") == 0)
			out->igw[1] = 1;
	}
	return ep_assoc_subnets(table, &out->subnets, &out->nsubnets);
}

void ep_routes_free(struct ep_route_table *t)
{
	free(t->subnets);
	memset(t, 0, sizeof(*t));
}

const struct ep_route_table *ep_routes_for(const struct ep_route_table *t, size_t n,
                                           const char *subnet, const char *vpc)
{
	const struct ep_route_table *main_table = NULL;

	for (size_t i = 0; i < n; i++) {
		if (ep_assoc_has(t[i].subnets, t[i].nsubnets, subnet))
			return &t[i];
		if (t[i].is_main && vpc && strcmp(t[i].vpc, vpc) == 0)
			main_table = &t[i];
	}
	return main_table;
}

int ep_routes_internet_ok(const struct ep_route_table *t, uint8_t family, char *why, size_t len)
{
	if (t == NULL) {
		if (why)
			snprintf(why, len, "no route table data for the subnet");
		return 1;
	}
	if (t->igw[family == 4 ? 0 : 1])
		return 1;
	if (why)
		snprintf(why, len, "route table %s has no %s route to an internet gateway", t->id,
		         family == 4 ? "0.0.0.0/0" : "::/0");
	return 0;
}
