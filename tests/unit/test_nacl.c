/* Network ACL evaluation: rule order, first match, implicit deny, the reply
 * leg, protocols and port ranges, IPv6, association vs default ACL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "model/nacl.h"
#include "model/routes.h"

static const char acls_json[] =
    "[{\"networkAclId\": \"acl-a\", \"vpcId\": \"vpc-1\", \"default\": \"false\","
    "  \"associationSet\": [{\"subnetId\": \"subnet-a\"}],"
    "  \"entrySet\": ["
    "   {\"ruleNumber\": \"200\", \"protocol\": \"-1\", \"ruleAction\": \"allow\", \"egress\": \"false\", \"cidrBlock\": \"0.0.0.0/0\"},"
    "   {\"ruleNumber\": \"100\", \"protocol\": \"6\", \"ruleAction\": \"deny\", \"egress\": \"false\", \"cidrBlock\": \"10.0.0.0/8\", \"portRange\": {\"from\": \"22\", \"to\": \"22\"}},"
    "   {\"ruleNumber\": \"150\", \"protocol\": \"17\", \"ruleAction\": \"deny\", \"egress\": \"false\", \"cidrBlock\": \"0.0.0.0/0\"},"
    "   {\"ruleNumber\": \"100\", \"protocol\": \"6\", \"ruleAction\": \"allow\", \"egress\": \"true\", \"cidrBlock\": \"0.0.0.0/0\", \"portRange\": {\"from\": \"1024\", \"to\": \"65535\"}},"
    "   {\"ruleNumber\": \"300\", \"protocol\": \"-1\", \"ruleAction\": \"allow\", \"egress\": \"false\", \"ipv6CidrBlock\": \"2001:db8::/32\"}]},"
    " {\"networkAclId\": \"acl-d\", \"vpcId\": \"vpc-1\", \"default\": \"true\", \"associationSet\": [],"
    "  \"entrySet\": ["
    "   {\"ruleNumber\": \"100\", \"protocol\": \"6\", \"ruleAction\": \"allow\", \"egress\": \"false\", \"cidrBlock\": \"0.0.0.0/0\", \"portRange\": {\"from\": \"443\", \"to\": \"443\"}},"
    "   {\"ruleNumber\": \"32767\", \"protocol\": \"-1\", \"ruleAction\": \"deny\", \"egress\": \"false\", \"cidrBlock\": \"0.0.0.0/0\"}]}]";

struct nacl_case {
	const char *name, *subnet, *src;
	int proto;
	uint16_t port;
	int admitted;
	const char *why;
};

static const struct nacl_case cases[] = {
    {"lower rule number wins over the allow-all", "subnet-a", "10.1.1.1", 6, 22, 0, "acl-a inbound rule 100: deny"},
    {"other sources reach port 22", "subnet-a", "192.0.2.1", 6, 22, 1, NULL},
    {"udp denied by protocol", "subnet-a", "192.0.2.1", 17, 53, 0, "inbound rule 150: deny"},
    {"tcp elsewhere allowed in and out", "subnet-a", "10.1.1.1", 6, 8080, 1, NULL},
    {"IPv6 source matches the IPv6 entry", "subnet-a", "2001:db8::5", 6, 22, 0, "outbound: no rule matches"},
    {"IPv6 outside every entry", "subnet-a", "2001:db9::5", 6, 22, 0, "inbound: no rule matches"},
    {"unassociated subnet falls to the default ACL", "subnet-x", "192.0.2.1", 6, 443, 0, "acl-d outbound: no rule matches"},
    {"default ACL denies by its final rule", "subnet-x", "192.0.2.1", 6, 80, 0, "acl-d inbound rule 32767: deny"},
};

/* Compiles a JSON array of ACLs as the model does. */
static size_t compile_acls(const char *json, struct ep_nacl *out, size_t max)
{
	cJSON *arr = cJSON_Parse(json);
	const cJSON *it;
	size_t n = 0;

	assert_non_null(arr);
	cJSON_ArrayForEach(it, arr)
	{
		assert_true(n < max);
		assert_int_equal(ep_nacl_compile(it, &out[n++]), 0);
	}
	cJSON_Delete(arr);
	return n;
}

static size_t compile_tables(const char *json, struct ep_route_table *out, size_t max)
{
	cJSON *arr = cJSON_Parse(json);
	const cJSON *it;
	size_t n = 0;

	assert_non_null(arr);
	cJSON_ArrayForEach(it, arr)
	{
		assert_true(n < max);
		assert_int_equal(ep_routes_compile(it, &out[n++]), 0);
	}
	cJSON_Delete(arr);
	return n;
}

static void test_cases(void **state)
{
	struct ep_nacl acls[4];
	size_t nacls = compile_acls(acls_json, acls, 4);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct nacl_case *c = &cases[i];
		struct ep_addr a;
		char why[256];
		int got;

		assert_int_equal(ep_addr_parse(c->src, &a), 0);
		got = ep_nacl_admits(ep_nacl_for(acls, nacls, c->subnet, "vpc-1"), &a,
		                     c->proto == 17 ? EP_PROTO_UDP : EP_PROTO_TCP, c->port, why,
		                     sizeof(why));
		if (got != c->admitted)
			fail_msg("case '%s': admitted %d, want %d (%s)", c->name, got, c->admitted, why);
		if (!got && c->why && strstr(why, c->why) == NULL)
			fail_msg("case '%s': why '%s' lacks '%s'", c->name, why, c->why);
	}
	/* entries are sorted once, at compile time */
	for (size_t i = 1; i < acls[0].n; i++)
		assert_true(acls[0].e[i - 1].rule <= acls[0].e[i].rule);
	for (size_t i = 0; i < nacls; i++)
		ep_nacl_free(&acls[i]);
}

static void test_no_data(void **state)
{
	struct ep_addr a;
	char why[128];

	(void)state;
	ep_addr_parse("192.0.2.1", &a);
	assert_null(ep_nacl_for(NULL, 0, "subnet-a", "vpc-1"));
	assert_int_equal(ep_nacl_admits(NULL, &a, EP_PROTO_TCP, 22, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "no network ACL data"));
}

/* Public reachability: the subnet's table, else the VPC's main one, must send
 * the default route of the family to an internet gateway. */
static void test_routes(void **state)
{
	struct ep_route_table t[4];
	size_t n = compile_tables(
	    "[{\"routeTableId\": \"rtb-pub\", \"vpcId\": \"vpc-1\","
	    "  \"associationSet\": [{\"subnetId\": \"subnet-pub\"}],"
	    "  \"routeSet\": [{\"destinationCidrBlock\": \"0.0.0.0/0\", \"gatewayId\": \"igw-1\", \"state\": \"active\"},"
	    "               {\"destinationIpv6CidrBlock\": \"::/0\", \"gatewayId\": \"igw-1\", \"state\": \"blackhole\"}]},"
	    " {\"routeTableId\": \"rtb-main\", \"vpcId\": \"vpc-1\", \"associationSet\": [{\"main\": \"true\"}],"
	    "  \"routeSet\": [{\"destinationCidrBlock\": \"0.0.0.0/0\", \"natGatewayId\": \"nat-1\"},"
	    "               {\"destinationIpv6CidrBlock\": \"::/0\", \"egressOnlyInternetGatewayId\": \"eigw-1\"}]}]",
	    t, 4);
	char why[128];

	(void)state;
	assert_int_equal(ep_routes_internet_ok(ep_routes_for(t, n, "subnet-pub", "vpc-1"), 4, why, sizeof(why)), 1);
	/* a blackholed IPv6 default route does not count */
	assert_int_equal(ep_routes_internet_ok(ep_routes_for(t, n, "subnet-pub", "vpc-1"), 6, why, sizeof(why)), 0);
	/* other subnets use the main table: NAT and egress-only let nothing in */
	assert_int_equal(ep_routes_internet_ok(ep_routes_for(t, n, "subnet-priv", "vpc-1"), 4, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "rtb-main has no 0.0.0.0/0 route to an internet gateway"));
	assert_int_equal(ep_routes_internet_ok(ep_routes_for(t, n, "subnet-priv", "vpc-1"), 6, why, sizeof(why)), 0);
	/* another VPC: no data, assumed reachable */
	assert_int_equal(ep_routes_internet_ok(ep_routes_for(t, n, "subnet-x", "vpc-2"), 4, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "no route table data"));
	for (size_t i = 0; i < n; i++)
		ep_routes_free(&t[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_no_data),
	    cmocka_unit_test(test_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
