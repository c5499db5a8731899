/* Security-group semantics, table-driven: one case per protocol form, port
 * range edge, CIDR / IPv6 / prefix-list / group-reference source and vantage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "model/reach.h"

/* The region's data, in the inventory's (EC2's) field names. */
static const char region_json[] =
    "{\"groups\": ["
    " {\"groupId\": \"sg-web\", \"ipPermissions\": ["
    "  {\"ipProtocol\": \"tcp\", \"fromPort\": \"80\", \"toPort\": \"80\","
    "   \"ipRanges\": [{\"cidrIp\": \"0.0.0.0/0\"}], \"ipv6Ranges\": [{\"cidrIpv6\": \"::/0\"}]},"
    "  {\"ipProtocol\": \"tcp\", \"fromPort\": \"8000\", \"toPort\": \"8100\","
    "   \"ipRanges\": [{\"cidrIp\": \"203.0.113.0/24\"}]},"
    "  {\"ipProtocol\": \"udp\", \"fromPort\": \"53\", \"toPort\": \"53\","
    "   \"prefixListIds\": [{\"prefixListId\": \"pl-vpn\"}]},"
    "  {\"ipProtocol\": \"6\", \"fromPort\": \"22\", \"toPort\": \"22\","
    "   \"groups\": [{\"groupId\": \"sg-bastion\", \"userId\": \"111111111111\"}]},"
    "  {\"ipProtocol\": \"icmp\", \"fromPort\": \"8\", \"toPort\": \"-1\","
    "   \"ipRanges\": [{\"cidrIp\": \"0.0.0.0/0\"}]},"
    "  {\"ipProtocol\": \"tcp\", \"fromPort\": \"443\", \"toPort\": \"443\","
    "   \"ipv6Ranges\": [{\"cidrIpv6\": \"2001:db8:1::/48\"}]}]},"
    " {\"groupId\": \"sg-all\", \"ipPermissions\": ["
    "  {\"ipProtocol\": \"-1\", \"ipRanges\": [{\"cidrIp\": \"198.51.100.7/32\"}]},"
    "  {\"ipProtocol\": \"50\", \"ipRanges\": [{\"cidrIp\": \"0.0.0.0/0\"}]},"
    "  {\"ipProtocol\": \"tcp\", \"fromPort\": \"-1\", \"toPort\": \"-1\","
    "   \"ipRanges\": [{\"cidrIp\": \"192.0.2.0/28\"}]}]}],"
    "\"prefix_lists\": [{\"prefixListId\": \"pl-vpn\", \"entries\": [{\"cidr\": \"10.8.0.0/16\"}]}],"
    "\"eni_web\": {\"groupSet\": [{\"groupId\": \"sg-web\"}]},"
    "\"eni_both\": {\"groupSet\": [{\"groupId\": \"sg-web\"}, {\"groupId\": \"sg-all\"}, "
    "  {\"groupId\": \"sg-missing\"}]}}";

struct reach_case {
	const char *name;
	const char *eni;   /* "eni_web" or "eni_both" */
	const char *src4;  /* vantage addresses, NULL for none */
	const char *src6;
	const char *group; /* a vantage security group, or NULL */
	int proto;
	uint16_t port;
	int family;
	int admitted;
	const char *why; /* substring of the evidence */
	int world;
};

static const struct reach_case cases[] = {
    {"tcp/80 from anywhere", "eni_web", "192.0.2.99", NULL, NULL, 6, 80, 4, 1, "tcp 80 from 0.0.0.0/0", 1},
    {"tcp/81 is not 80", "eni_web", "192.0.2.99", NULL, NULL, 6, 81, 4, 0, NULL, 0},
    {"udp/80 is not tcp/80", "eni_web", "192.0.2.99", NULL, NULL, 17, 80, 4, 0, NULL, 0},
    {"range low edge", "eni_web", "203.0.113.5", NULL, NULL, 6, 8000, 4, 1, "tcp 8000-8100", 0},
    {"range high edge", "eni_web", "203.0.113.5", NULL, NULL, 6, 8100, 4, 1, "203.0.113.0/24", 0},
    {"past the range", "eni_web", "203.0.113.5", NULL, NULL, 6, 8101, 4, 0, NULL, 0},
    {"outside the CIDR", "eni_web", "203.0.114.5", NULL, NULL, 6, 8000, 4, 0, NULL, 0},
    {"prefix list entry", "eni_web", "10.8.3.4", NULL, NULL, 17, 53, 4, 1, "udp 53 from pl-vpn", 0},
    {"not in the prefix list", "eni_web", "10.9.3.4", NULL, NULL, 17, 53, 4, 0, NULL, 0},
    {"numbered protocol 6 = tcp, via group", "eni_web", "192.0.2.99", NULL, "sg-bastion", 6, 22, 4,
     1, "sg-bastion (account 111111111111)", 0},
    {"group reference needs the group", "eni_web", "192.0.2.99", NULL, NULL, 6, 22, 4, 0, NULL, 0},
    {"group reference works for IPv6 too", "eni_web", NULL, "2001:db8:9::1", "sg-bastion", 6, 22,
     6, 1, "sg-bastion", 0},
    {"::/0 admits IPv6", "eni_web", NULL, "2001:db8:9::1", NULL, 6, 80, 6, 1, "from ::/0", 1},
    {"0.0.0.0/0 does not admit IPv6", "eni_web", NULL, "2001:db8:9::1", NULL, 6, 8000, 6, 0, NULL, 0},
    {"IPv6 CIDR", "eni_web", NULL, "2001:db8:1:ff::2", NULL, 6, 443, 6, 1, "2001:db8:1::/48", 0},
    {"IPv6 outside the CIDR", "eni_web", NULL, "2001:db8:2::2", NULL, 6, 443, 6, 0, NULL, 0},
    {"no IPv4 vantage, no IPv4 admission", "eni_web", NULL, "2001:db8:9::1", NULL, 6, 80, 4, 0, NULL, 0},
    {"-1 is all traffic, any port", "eni_both", "198.51.100.7", NULL, NULL, 17, 4789, 4, 1, "all traffic from 198.51.100.7/32", 0},
    {"-1 /32 is exact", "eni_both", "198.51.100.8", NULL, NULL, 6, 1, 4, 0, NULL, 0},
    {"tcp with -1 ports is every port", "eni_both", "192.0.2.3", NULL, NULL, 6, 65535, 4, 1, "tcp 0-65535 from 192.0.2.0/28", 0},
    {"tcp -1 ports is still tcp only", "eni_both", "192.0.2.3", NULL, NULL, 17, 1, 4, 0, NULL, 0},
    {"protocol 50 carries no tcp", "eni_both", "192.0.2.200", NULL, NULL, 6, 1000, 4, 0, NULL, 0},
    {"protocol 50 admits protocol 50", "eni_both", "192.0.2.200", NULL, NULL, 50, 0, 4, 1, "protocol 50 from 0.0.0.0/0", 1},
    {"icmp echo", "eni_web", "192.0.2.200", NULL, NULL, 1, 0, 4, 1, "icmp from 0.0.0.0/0", 1},
    {"union over groups", "eni_both", "203.0.113.5", NULL, NULL, 6, 8050, 4, 1, "sg-web", 0},
};

/* The region's groups and prefix lists, compiled once as the model does. */
struct compiled {
	struct ep_sg g[8];
	size_t ng;
	struct ep_prefix_list pl[4];
	size_t npl;
};

static void compile_region(const cJSON *region, struct compiled *c)
{
	const cJSON *it;
	struct ep_diag d = {0};

	memset(c, 0, sizeof(*c));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(region, "groups"))
	    assert_int_equal(ep_sg_compile(it, &c->g[c->ng++], &d), 0);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(region, "prefix_lists"))
	    assert_int_equal(ep_prefix_list_compile(it, &c->pl[c->npl++]), 0);
}

static void free_region(struct compiled *c)
{
	for (size_t i = 0; i < c->ng; i++)
		ep_sg_free(&c->g[i]);
	for (size_t i = 0; i < c->npl; i++)
		ep_prefix_list_free(&c->pl[i]);
}

/* The interface's groups, in its groupSet order; NULL for one the region lacks. */
static size_t groups_of(const cJSON *eni, const struct compiled *c, const struct ep_sg **out)
{
	const cJSON *ref;
	size_t n = 0;

	cJSON_ArrayForEach(ref, cJSON_GetObjectItem(eni, "groupSet"))
	{
		const char *id = cJSON_GetObjectItem(ref, "groupId")->valuestring;

		out[n] = NULL;
		for (size_t i = 0; i < c->ng; i++)
			if (strcmp(c->g[i].id, id) == 0)
				out[n] = &c->g[i];
		n++;
	}
	return n;
}

static void run_case(const cJSON *region, const struct compiled *cr, const struct reach_case *c)
{
	const struct ep_sg *groups[8];
	size_t ng = groups_of(cJSON_GetObjectItem(region, c->eni), cr, groups);
	struct ep_vantage v;
	struct ep_admissions out = {0};
	const struct ep_admission *a;

	memset(&v, 0, sizeof(v));
	if (c->src4) {
		assert_int_equal(ep_addr_parse(c->src4, &v.src[0]), 0);
		v.has[0] = 1;
	}
	if (c->src6) {
		assert_int_equal(ep_addr_parse(c->src6, &v.src[1]), 0);
		v.has[1] = 1;
	}
	if (c->group)
		v.groups[v.ngroups++] = c->group;
	assert_int_equal(ep_reach_groups(groups, ng, cr->pl, cr->npl, &v, (uint8_t)c->family, &out), 0);
	/* tcp and udp questions go through the typed lookup; other protocols
	 * (icmp, 50) are matched on the admission itself */
	if (c->proto == 6 || c->proto == 17) {
		a = ep_admissions_find(&out, c->proto == 17 ? EP_PROTO_UDP : EP_PROTO_TCP, c->port);
	} else {
		a = NULL;
		for (size_t i = 0; i < out.n && a == NULL; i++)
			if (out.a[i].proto == c->proto || out.a[i].proto == EP_PROTO_ANY)
				a = &out.a[i];
	}
	if (!!a != c->admitted)
		fail_msg("case '%s': admitted %d, want %d", c->name, !!a, c->admitted);
	if (a && c->why && strstr(a->why.text, c->why) == NULL && strstr(a->why.sg_id, c->why) == NULL)
		fail_msg("case '%s': evidence '%s' (%s rule %u) lacks '%s'", c->name, a->why.text,
		         a->why.sg_id, a->why.index, c->why);
	if (a && a->world != c->world)
		fail_msg("case '%s': world %d, want %d", c->name, a->world, c->world);
	ep_admissions_free(&out);
}

static void test_rule_forms(void **state)
{
	cJSON *region = cJSON_Parse(region_json);
	struct compiled cr;

	(void)state;
	assert_non_null(region);
	compile_region(region, &cr);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(region, &cr, &cases[i]);
	free_region(&cr);
	cJSON_Delete(region);
}

static void test_bad_rule(void **state)
{
	cJSON *sg = cJSON_Parse("{\"groupId\": \"sg-bad\", \"ipPermissions\": [{\"ipProtocol\": \"tcp\","
	                        " \"fromPort\": \"80\", \"toPort\": \"80\"}, {\"ipProtocol\": \"tcp\","
	                        " \"fromPort\": \"eighty\", \"toPort\": \"80\"}]}");
	struct ep_rule *rules;
	size_t n;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_reach_parse_group(sg, &rules, &n, &d), EP_EPARSE);
	assert_non_null(strstr(d.msg, "sg-bad, rule 2"));
	assert_null(rules);
	cJSON_Delete(sg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_forms),
	    cmocka_unit_test(test_bad_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
