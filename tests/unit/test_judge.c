/* The judge: its table walked row by row and over every combination (each
 * matches exactly one row), then whole addresses, TCP and UDP, through the
 * model, the intent and verify's comparison: one finding per open port,
 * latent ranges that never include an open, declared or intended port,
 * intent deny/allow/expired, a tag on a group, an ACL that blocks, and UDP
 * silence that is neither open nor closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "compare/judge.h"
#include "verify/verify.h"

/* ---- the table ---- */

static void test_every_combination_one_row(void **state)
{
	(void)state;
	for (unsigned st = 0; st < EP_STATE_COUNT; st++)
		for (unsigned r = 0; r < EP_REACH_COUNT; r++)
			for (unsigned e = 0; e < EP_EXPECT_COUNT; e++) {
				unsigned hits = 0;

				for (size_t i = 0; i < ep_judge_rows; i++)
					hits += (ep_judge_table[i].states >> st & 1) &&
					        (ep_judge_table[i].reaches >> r & 1) &&
					        (ep_judge_table[i].expects >> e & 1);
				if (hits != 1)
					fail_msg("state %u reach %u expect %u: %u rows match", st,
					         r, e, hits);
			}
}

struct row_case {
	unsigned row;
	enum ep_state state;
	enum ep_reach reach;
	enum ep_expect expect;
	int world;
	enum ep_verdict_kind verdict;
	enum ep_finding_kind kind;
	enum ep_severity severity;
};

#define F(k) EP_VERDICT_FINDING, EP_FINDING_##k
#define OK   EP_VERDICT_OK, 0
static const struct row_case rows[] = {
    {1, EP_STATE_OPEN, EP_REACH_NONE, EP_EXPECT_NONE, 0, F(UNEXPLAINED_OPEN), EP_SEV_HIGH},
    {1, EP_STATE_OPEN, EP_REACH_NONE, EP_EXPECT_REQUIRED, 0, F(UNEXPLAINED_OPEN), EP_SEV_HIGH},
    {1, EP_STATE_OPEN, EP_REACH_NONE, EP_EXPECT_DENIED, 0, F(UNEXPLAINED_OPEN), EP_SEV_CRITICAL},
    {1, EP_STATE_OPEN, EP_REACH_BLOCKED, EP_EXPECT_NONE, 1, F(UNEXPLAINED_OPEN), EP_SEV_CRITICAL},
    {2, EP_STATE_OPEN, EP_REACH_ADMITTED, EP_EXPECT_NONE, 0, F(UNEXPECTED_OPEN), EP_SEV_HIGH},
    {2, EP_STATE_OPEN, EP_REACH_ADMITTED, EP_EXPECT_NONE, 1, F(UNEXPECTED_OPEN), EP_SEV_CRITICAL},
    {2, EP_STATE_OPEN, EP_REACH_ADMITTED, EP_EXPECT_DENIED, 0, F(UNEXPECTED_OPEN), EP_SEV_CRITICAL},
    {3, EP_STATE_OPEN, EP_REACH_ADMITTED, EP_EXPECT_REQUIRED, 1, OK, 0},
    {3, EP_STATE_OPEN, EP_REACH_ADMITTED, EP_EXPECT_PERMITTED, 0, OK, 0},
    {4, EP_STATE_CLOSED, EP_REACH_ADMITTED, EP_EXPECT_REQUIRED, 0, F(DECLARED_UNREACHABLE),
     EP_SEV_HIGH},
    {4, EP_STATE_FILTERED, EP_REACH_ADMITTED, EP_EXPECT_REQUIRED, 1, F(DECLARED_UNREACHABLE),
     EP_SEV_HIGH},
    {5, EP_STATE_CLOSED, EP_REACH_ADMITTED, EP_EXPECT_NONE, 0, F(LATENT_EXPOSURE), EP_SEV_LOW},
    {5, EP_STATE_FILTERED, EP_REACH_ADMITTED, EP_EXPECT_NONE, 1, F(LATENT_EXPOSURE), EP_SEV_MEDIUM},
    {5, EP_STATE_CLOSED, EP_REACH_ADMITTED, EP_EXPECT_DENIED, 0, F(LATENT_EXPOSURE), EP_SEV_MEDIUM},
    {6, EP_STATE_CLOSED, EP_REACH_ADMITTED, EP_EXPECT_PERMITTED, 0, OK, 0},
    {7, EP_STATE_CLOSED, EP_REACH_NONE, EP_EXPECT_REQUIRED, 0, OK, 0},
    {7, EP_STATE_FILTERED, EP_REACH_BLOCKED, EP_EXPECT_REQUIRED, 0, OK, 0},
    {8, EP_STATE_OPEN_FILTERED, EP_REACH_ADMITTED, EP_EXPECT_REQUIRED, 0, EP_VERDICT_UNCONFIRMED, 0,
     0},
    {9, EP_STATE_OPEN_FILTERED, EP_REACH_ADMITTED, EP_EXPECT_NONE, 1, OK, 0},
    {9, EP_STATE_OPEN_FILTERED, EP_REACH_ADMITTED, EP_EXPECT_DENIED, 0, OK, 0},
    {10, EP_STATE_OPEN_FILTERED, EP_REACH_NONE, EP_EXPECT_REQUIRED, 0, OK, 0},
};

static void test_rows(void **state)
{
	unsigned seen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row_case *c = &rows[i];
		struct ep_port_facts f = {c->reach, c->expect, c->world};
		struct ep_outcome o = ep_judge_port(&f, c->state);

		if (o.row != c->row || o.verdict != c->verdict ||
		    (o.verdict == EP_VERDICT_FINDING &&
		     (o.kind != c->kind || o.severity != c->severity)))
			fail_msg(
			    "case %zu: row %u verdict %d kind %d severity %d; want row %u verdict "
			    "%d kind %d severity %d",
			    i, o.row, o.verdict, o.kind, o.severity, c->row, c->verdict, c->kind,
			    c->severity);
		seen |= 1u << c->row;
	}
	for (unsigned r = 1; r <= ep_judge_rows; r++)
		if (!(seen >> r & 1))
			fail_msg("row %u has no case", r);
}

/* ---- whole addresses ---- */

/* One interface, 127.0.10.1, with an awsvpc task (tcp/7005, udp/5005
 * declared), two groups: tcp 7000-7010 from anywhere (world) and udp
 * 5000-5010 from 127.0.0.0/8; the second group's tag allows udp/5009.  Its
 * subnet's ACL denies tcp 7009 from 127.0.0.0/8. */
static const char inventory[] =
    "{\"schema\": \"ecsprobe.inventory/1\", \"accounts\": [{\"account_id\": \"111111111111\","
    " \"regions\": [{\"region\": \"us-east-1\", \"ec2\": {"
    "  \"network_interfaces\": [{\"networkInterfaceId\": \"eni-1\", \"subnetId\": \"subnet-1\","
    "   \"vpcId\": \"vpc-1\", \"privateIpAddress\": \"127.0.10.1\","
    "   \"privateIpAddressesSet\": [{\"privateIpAddress\": \"127.0.10.1\"}],"
    "   \"groupSet\": [{\"groupId\": \"sg-tcp\"}, {\"groupId\": \"sg-udp\"}]},"
    "   {\"interfaceType\": \"broken: no id\"}, {\"networkInterfaceId\": 7}],"
    "  \"security_groups\": ["
    "   {\"groupId\": \"sg-tcp\", \"groupName\": \"web-public\", \"ipPermissions\": "
    "[{\"ipProtocol\": \"tcp\","
    "     \"fromPort\": \"7000\", \"toPort\": \"7010\", \"ipRanges\": [{\"cidrIp\": "
    "\"0.0.0.0/0\"}]}]},"
    "   {\"groupId\": \"sg-udp\", \"groupName\": \"metrics\", \"tagSet\": [{\"key\": "
    "\"ecsprobe:allow\", \"value\": \"udp/5009\"}],"
    "    \"ipPermissions\": [{\"ipProtocol\": \"udp\", \"fromPort\": \"5000\", \"toPort\": "
    "\"5010\","
    "     \"ipRanges\": [{\"cidrIp\": \"127.0.0.0/8\"}]}]}],"
    "  \"network_acls\": [{\"networkAclId\": \"acl-1\", \"vpcId\": \"vpc-1\","
    "   \"associationSet\": [{\"subnetId\": \"subnet-1\"}], \"entrySet\": ["
    "   {\"ruleNumber\": \"90\", \"protocol\": \"6\", \"ruleAction\": \"deny\", \"egress\": "
    "\"false\","
    "    \"cidrBlock\": \"127.0.0.0/8\", \"portRange\": {\"from\": \"7009\", \"to\": \"7009\"}},"
    "   {\"ruleNumber\": \"100\", \"protocol\": \"-1\", \"ruleAction\": \"allow\", \"egress\": "
    "\"false\", \"cidrBlock\": \"0.0.0.0/0\"},"
    "   {\"ruleNumber\": \"100\", \"protocol\": \"-1\", \"ruleAction\": \"allow\", \"egress\": "
    "\"true\", \"cidrBlock\": \"0.0.0.0/0\"}]}]},"
    " \"ecs\": {\"clusters\": [{\"clusterArn\": "
    "\"arn:aws:ecs:us-east-1:111111111111:cluster/prod\","
    "   \"services\": [{\"serviceName\": \"web\"}],"
    "   \"tasks\": [{\"taskArn\": \"t\", \"group\": \"service:web\","
    "    \"taskDefinitionArn\": \"arn:aws:ecs:us-east-1:111111111111:task-definition/web:1\","
    "    \"attachments\": [{\"details\": [{\"name\": \"networkInterfaceId\", \"value\": "
    "\"eni-1\"}]}]}]}],"
    "  \"task_definitions\": [{\"taskDefinitionArn\": "
    "\"arn:aws:ecs:us-east-1:111111111111:task-definition/web:1\","
    "   \"networkMode\": \"awsvpc\", \"containerDefinitions\": [{\"name\": \"web\", "
    "\"portMappings\": ["
    "    {\"containerPort\": 7005, \"protocol\": \"tcp\"}, {\"containerPort\": 5005, \"protocol\": "
    "\"udp\"}]}]}]}}]}]}";

/* tcp/7008 intended by a rule, tcp/7002 denied, udp/5008 allowed by an
 * exception that expired (the clock is 2026-11-30). */
static const char intent[] =
    "{\"version\": 1, \"rules\": ["
    " {\"match\": {\"security_group\": \"web-public\"}, \"allow\": [\"tcp/7008\"]},"
    " {\"match\": {\"service\": \"web\"}, \"deny\": [\"tcp/7002\"], \"reason\": \"debug port\"}],"
    " \"exceptions\": [{\"match\": {\"cluster\": \"prod\"}, \"allow\": [\"udp/5008\"],"
    "  \"expires\": \"2026-11-01\", \"reason\": \"migration\"}]}";

#define NOW 1796000000

struct observed {
	enum ep_proto proto;
	uint16_t port;
	enum ep_state state;
};

/* What answered: everything else probed is closed (TCP) or, for UDP, as
 * listed.  tcp 6000 is open though no rule admits it. */
static const struct observed answers[] = {
    {EP_PROTO_TCP, 7001, EP_STATE_OPEN},          {EP_PROTO_TCP, 7002, EP_STATE_OPEN},
    {EP_PROTO_TCP, 7005, EP_STATE_OPEN},          {EP_PROTO_TCP, 6000, EP_STATE_OPEN},
    {EP_PROTO_TCP, 7009, EP_STATE_OPEN},          {EP_PROTO_TCP, 7006, EP_STATE_FILTERED},
    {EP_PROTO_UDP, 5001, EP_STATE_OPEN},          {EP_PROTO_UDP, 5005, EP_STATE_OPEN_FILTERED},
    {EP_PROTO_UDP, 5003, EP_STATE_OPEN_FILTERED}, {EP_PROTO_UDP, 5008, EP_STATE_OPEN},
};

static enum ep_state observed_state(enum ep_proto proto, uint16_t port)
{
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (answers[i].proto == proto && answers[i].port == port)
			return answers[i].state;
	return EP_STATE_CLOSED;
}

static void finding_line(const struct ep_finding *f, char *out, size_t len)
{
	char ports[64];

	ep_finding_ports_text(f, ports, sizeof(ports));
	snprintf(out, len, "%s %s %s/%s", ep_severity_name(f->severity),
	         ep_finding_kind_name(f->kind), ep_proto_name(f->proto), ports);
}

static int by_line(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_address(void **state)
{
	static const char *const want[] = {
	    /* sorted; why each is there */
	    "critical unexpected_open tcp/7001",  /* a world rule admits it, nothing declares it */
	    "critical unexpected_open tcp/7002",  /* the intent denies it */
	    "critical unexplained_open tcp/7009", /* the ACL blocks the vantage, yet it answers */
	    "high declared_unreachable tcp/7008", /* intended by a rule (its group named) */
	    "high unexpected_open udp/5001",      /* admitted, answers, undeclared */
	    "high unexpected_open udp/5008",      /* its exception expired */
	    "high unexplained_open tcp/6000",     /* open; no rule admits it */
	    "low latent_exposure udp/5000,5002,5004,5006-5007,5010",
	    "medium latent_exposure tcp/7000,7003-7004,7006-7007,7010",
	};
	cJSON *doc = cJSON_Parse(inventory);
	struct verify *vf = calloc(1, sizeof(*vf));
	struct ep_target_list tl;
	struct ep_intent_view *view = malloc(sizeof(*view));
	struct ep_diag d = {0};
	char got[16][160];

	(void)state;
	assert_non_null(doc);
	assert_non_null(vf);
	memset(&tl, 0, sizeof(tl));
	vf->now = NOW;
	assert_int_equal(ep_exposure_build(&vf->model, doc, &d), 0);
	cJSON_Delete(doc);
	/* interfaces without a string id are left out, not a crash */
	assert_int_equal(vf->model.nifaces, 1);
	assert_int_equal(ep_intent_parse(&vf->intent, intent, strlen(intent), "i.json", NOW, &d),
	                 0);
	assert_int_equal(ep_addr_parse("127.0.0.1", &vf->v.src[0]), 0);
	vf->v.has[0] = 1;
	/* an extra port no rule admits */
	assert_int_equal(ep_portspec_parse("6000", vf->extra, NULL), 0);
	assert_int_equal(ep_verify_build(vf, &tl), 0);
	assert_int_equal(vf->n, 1);
	assert_int_equal(ep_statemap_seal(&vf->states), 0);
	for (int k = 0; k < EP_PROTO_COUNT; k++)
		for (uint32_t i = 0; i < vf->a[0].ports[k].count; i++) {
			struct ep_result r;

			memset(&r, 0, sizeof(r));
			r.t.addr = vf->a[0].xa->addr;
			r.t.proto = (enum ep_proto)k;
			r.t.port = ep_portset_at(&vf->a[0].ports[k], i);
			r.state = observed_state(r.t.proto, r.t.port);
			assert_int_equal(ep_statemap_put(&vf->states, &r), 0);
		}
	assert_int_equal(ep_verify_compare(vf, &vf->a[0], view), 0);
	assert_int_equal(vf->findings.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < vf->findings.n; i++)
		finding_line(&vf->findings.f[i], got[i], sizeof(got[i]));
	qsort(got, vf->findings.n, sizeof(got[0]), by_line);
	for (size_t i = 0; i < vf->findings.n; i++)
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("finding %zu: '%s', want '%s'", i, got[i], want[i]);
	/* a required UDP port that stayed silent is counted, never judged */
	assert_int_equal(vf->counts.unconfirmed, 1);
	assert_int_equal(vf->counts.open_filtered, 2);
	for (size_t i = 0; i < vf->findings.n; i++) {
		const struct ep_finding *f = &vf->findings.f[i];

		assert_int_equal(f->id[16], '\0');
		if (f->kind == EP_FINDING_LATENT_EXPOSURE) {
			assert_true(f->rule[0] != '\0');
			assert_int_equal(f->nports, 6);
		} else {
			assert_int_equal(f->nranges, 1);
		}
	}
	free(view);
	ep_target_list_free(&tl);
	ep_verify_free(vf);
	free(vf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_combination_one_row),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
