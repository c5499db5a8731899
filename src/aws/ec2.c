/* EC2 reader: network interfaces (the starting point: they catch Fargate
 * tasks, NAT gateways and load balancers that instance-based tools miss),
 * security groups, managed prefix lists with their entries, and the subnet,
 * route table, network ACL and gateway data the reachability model needs.
 * Kept in EC2's own field names. */
#include <stdio.h>
#include <string.h>

#include "aws/inv_internal.h"

struct ec2_list {
	const char *api, *list_elem, *key;
	void (*after)(struct ep_inv_region *r, cJSON *dest);
};

/* Each managed prefix list gets its entries (one paginated call per list). */
static void prefix_entries(struct ep_inv_region *r, cJSON *lists)
{
	cJSON *pl;

	cJSON_ArrayForEach(pl, lists)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(pl, "prefixListId");
		char params[160];

		if (!cJSON_IsString(id))
			continue;
		snprintf(params, sizeof(params), "MaxResults=100&PrefixListId=%s", id->valuestring);
		ep_inv_query_list(r, "ec2", "GetManagedPrefixListEntries", params, "entrySet",
		                  cJSON_AddArrayToObject(pl, "entries"), NULL);
	}
}

static const struct ec2_list lists[] = {
    {"DescribeNetworkInterfaces", "networkInterfaceSet", "network_interfaces", NULL},
    {"DescribeSecurityGroups", "securityGroupInfo", "security_groups", NULL},
    {"DescribeManagedPrefixLists", "prefixListSet", "prefix_lists", prefix_entries},
    {"DescribeSubnets", "subnetSet", "subnets", NULL},
    {"DescribeRouteTables", "routeTableSet", "route_tables", NULL},
    {"DescribeNetworkAcls", "networkAclSet", "network_acls", NULL},
    {"DescribeInternetGateways", "internetGatewaySet", "internet_gateways", NULL},
    {"DescribeEgressOnlyInternetGateways", "egressOnlyInternetGatewaySet",
     "egress_only_internet_gateways", NULL},
};

static void ec2_start(struct ep_inv_region *r)
{
	cJSON *ec2 = cJSON_AddObjectToObject(r->obj, "ec2");

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		ep_inv_query_list(r, "ec2", lists[i].api, "MaxResults=100", lists[i].list_elem,
		                  cJSON_AddArrayToObject(ec2, lists[i].key), lists[i].after);
}

const struct ep_inv_service ep_inv_ec2 = {"ec2", ec2_start, NULL};
