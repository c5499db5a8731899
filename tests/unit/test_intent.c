/* Intent policy: parsing with file:line:col errors, matching by each key,
 * deny over allow, exception expiry, and ecsprobe:allow tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "model/intent.h"

#define NOW 1796000000 /* 2026-11-30 */

static const char policy[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"rules\": [\n"
    "    {\"match\": {\"cluster\": \"prod\", \"service\": \"web\"}, \"allow\": [\"tcp/443\", \"udp/53\"]},\n"
    "    {\"match\": {\"tag\": {\"team\": \"payments\"}}, \"deny\": [\"tcp/22\"], \"reason\": \"no ssh\"},\n"
    "    {\"match\": {\"security_group\": \"sg-1\", \"cidr\": \"10.0.0.0/8\"}, \"allow\": [\"tcp/8000-8100\"]},\n"
    "    {\"match\": {\"account\": \"111111111111\", \"region\": \"us-east-1\"}, \"allow\": [\"tcp/22\"]}\n"
    "  ],\n"
    "  \"exceptions\": [\n"
    "    {\"match\": {\"task_family\": \"web\"}, \"allow\": [\"tcp/6379\"], \"expires\": \"2026-11-29\", \"reason\": \"old\"},\n"
    "    {\"match\": {\"interface_type\": \"interface\"}, \"allow\": [\"tcp/9999\"], \"expires\": \"2026-11-30\", \"reason\": \"today\"}\n"
    "  ]\n"
    "}\n";

static const char eni_json[] =
    "{\"networkInterfaceId\": \"eni-1\", \"tagSet\": [{\"key\": \"ecsprobe:allow\", \"value\": \"tcp/7000, tcp/7001\"}],"
    " \"groupSet\": [{\"groupId\": \"sg-1\"}]}";
static const char groups_json[] = "[{\"groupId\": \"sg-1\", \"tagSet\": [{\"key\": \"team\", \"value\": \"payments\"}]}]";

static void subject(struct ep_intent_subject *s, cJSON *eni, cJSON *groups, struct ep_addr *a)
{
	memset(s, 0, sizeof(*s));
	ep_addr_parse("10.1.2.3", a);
	s->account = "111111111111";
	s->region = "us-east-1";
	s->cluster = "prod";
	s->service = "web";
	s->task_family = "web";
	s->interface_type = "interface";
	s->addr = a;
	s->eni = eni;
	s->groups = groups;
}

static void test_verdicts(void **state)
{
	struct ep_intent in;
	struct ep_diag d = {0};
	struct ep_intent_subject s;
	struct ep_addr a;
	cJSON *eni = cJSON_Parse(eni_json), *groups = cJSON_Parse(groups_json);
	char why[256];

	(void)state;
	assert_int_equal(ep_intent_parse(&in, policy, strlen(policy), "p.json", NOW, &d), 0);
	assert_int_equal(in.n, 6);
	subject(&s, eni, groups, &a);
	assert_int_equal(ep_intent_check(&in, &s, 6, 443, NOW, why, sizeof(why)), EP_INTENT_ALLOW);
	assert_non_null(strstr(why, "rule 1 of p.json"));
	assert_int_equal(ep_intent_check(&in, &s, 17, 53, NOW, why, sizeof(why)), EP_INTENT_ALLOW);
	assert_int_equal(ep_intent_check(&in, &s, 6, 53, NOW, why, sizeof(why)), EP_INTENT_NONE);
	/* a group tag matches; deny wins over the allow of rule 4 */
	assert_int_equal(ep_intent_check(&in, &s, 6, 22, NOW, why, sizeof(why)), EP_INTENT_DENY);
	assert_non_null(strstr(why, "no ssh"));
	/* group and CIDR together */
	assert_int_equal(ep_intent_check(&in, &s, 6, 8100, NOW, why, sizeof(why)), EP_INTENT_ALLOW);
	ep_addr_parse("11.1.2.3", &a);
	assert_int_equal(ep_intent_check(&in, &s, 6, 8100, NOW, why, sizeof(why)), EP_INTENT_NONE);
	ep_addr_parse("10.1.2.3", &a);
	/* exceptions: expired yesterday, valid through today */
	assert_int_equal(ep_intent_check(&in, &s, 6, 6379, NOW, why, sizeof(why)), EP_INTENT_EXPIRED);
	assert_non_null(strstr(why, "until it expired"));
	assert_int_equal(ep_intent_check(&in, &s, 6, 9999, NOW, why, sizeof(why)), EP_INTENT_ALLOW);
	assert_int_equal(ep_intent_check(&in, &s, 6, 9999, NOW + 86400, why, sizeof(why)),
	                 EP_INTENT_EXPIRED);
	/* the interface's ecsprobe:allow tag */
	assert_int_equal(ep_intent_check(&in, &s, 6, 7001, NOW, why, sizeof(why)), EP_INTENT_ALLOW);
	assert_non_null(strstr(why, "ecsprobe:allow"));
	/* another service does not match rule 1 */
	s.service = "api";
	assert_int_equal(ep_intent_check(&in, &s, 6, 443, NOW, why, sizeof(why)), EP_INTENT_NONE);
	{
		struct ep_intent_view v;

		ep_intent_view(&in, &s, NOW, &v);
		assert_true(ep_intent_view_has(v.deny, 22));
		assert_true(ep_intent_view_has(v.allow, 7000));
		assert_true(ep_intent_view_has(v.expired, 6379));
		assert_false(ep_intent_view_has(v.allow, 443));
	}
	ep_intent_free(&in);
	cJSON_Delete(eni);
	cJSON_Delete(groups);
}

static void bad(const char *text, unsigned line, unsigned col, const char *needle)
{
	struct ep_intent in;
	struct ep_diag d = {0};
	char msg[600];

	assert_int_not_equal(ep_intent_parse(&in, text, strlen(text), "bad.json", NOW, &d), 0);
	ep_diag_format(&d, msg, sizeof(msg));
	if (d.line != line || d.col != col || strstr(msg, needle) == NULL)
		fail_msg("for %s: got '%s' (line %u col %u), want line %u col %u with '%s'", text, msg,
		         d.line, d.col, line, col, needle);
}

static void test_errors(void **state)
{
	(void)state;
	bad("{\"version\": 1,\n \"rules\": [\n  {\"allow\": [\"tcp/443\"]\n", 3, 24, "malformed JSON");
	bad("{\"version\": 1,\n \"rules\": [\n  {\"alow\": [\"tcp/443\"]}]}", 3, 4,
	    "unknown key \"alow\"");
	bad("{\"version\": 1, \"rules\": [{\"allow\": [\"tcp/70000\"]}]}", 1, 27, "70000");
	bad("{\"version\": 1, \"rules\": [{\"allow\": [\"sctp/5\"]}]}", 1, 27, "tcp/PORTS");
	bad("{\"version\": 1,\n \"exceptions\": [{\"allow\": [\"tcp/1\"], \"reason\": \"r\",\n"
	    "  \"expires\": \"2026-13-01\"}]}",
	    3, 3, "YYYY-MM-DD");
	bad("{\"version\": 1, \"exceptions\": [{\"allow\": [\"tcp/1\"], \"expires\": \"2026-12-01\"}]}", 1,
	    52, "reason");
	bad("{\"rules\": []}", 1, 1, "\"version\": 1");
	bad("{\"version\": 1, \"rules\": [{\"match\": {\"clster\": \"x\"}}]}", 1, 37, "clster");
	bad("{\"version\": 1, \"rules\": [{\"match\": {\"cidr\": \"10.0.0.0/33\"}}]}", 1, 37, "CIDR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdicts),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
