/* Intent policy: parsing with file:line:col errors, matching by each key,
 * deny over allow, exception expiry, and ecsprobe:allow tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "model/intent.h"
#include "model/tags.h"

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

static const char eni_tags[] = "[{\"key\": \"ecsprobe:allow\", \"value\": \"tcp/7000, tcp/7001\"}]";
static const char group_tags[] =
    "[{\"key\": \"team\", \"value\": \"payments\"}, {\"key\": \"ecsprobe:allow\", \"value\": \"udp/8125\"}]";
static const char service_tags[] = "[{\"Key\": \"ecsprobe:allow\", \"Value\": \"tcp/9100,udp/*\"}]";

/* The typed subject the model hands the intent, and the tags it owns. */
struct fixture {
	struct ep_intent_subject s;
	struct ep_intent_group g[1];
	struct ep_tags eni, group, service;
	struct ep_addr a;
};

static void tags(const char *json, struct ep_tags *out)
{
	cJSON *arr = cJSON_Parse(json);

	assert_non_null(arr);
	assert_int_equal(ep_tags_parse(arr, out), 0);
	cJSON_Delete(arr);
}

static void subject(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	ep_addr_parse("10.1.2.3", &f->a);
	tags(eni_tags, &f->eni);
	tags(group_tags, &f->group);
	tags(service_tags, &f->service);
	f->g[0].id = "sg-1";
	f->g[0].name = "web-public";
	f->g[0].tags = &f->group;
	f->s.account = "111111111111";
	f->s.region = "us-east-1";
	f->s.cluster = "prod";
	f->s.service = "web";
	f->s.task_family = "web";
	f->s.interface_type = "interface";
	f->s.addr = &f->a;
	f->s.tags = &f->eni;
	f->s.groups = f->g;
	f->s.ngroups = 1;
}

static void fixture_free(struct fixture *f)
{
	ep_tags_free(&f->eni);
	ep_tags_free(&f->group);
	ep_tags_free(&f->service);
}

static enum ep_intent_verdict check(const struct ep_intent *in, const struct fixture *f,
                                    enum ep_proto proto, uint16_t port, int64_t now,
                                    struct ep_intent_decision *dec)
{
	return ep_intent_check(in, &f->s, proto, port, now, dec);
}

static void test_verdicts(void **state)
{
	struct ep_intent in;
	struct ep_diag d = {0};
	struct fixture f;
	struct ep_intent_decision dec;

	(void)state;
	assert_int_equal(ep_intent_parse(&in, policy, strlen(policy), "p.json", NOW, &d), 0);
	assert_int_equal(in.n, 6);
	subject(&f);
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 443, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(dec.source, EP_INTENT_BY_RULE);
	assert_ptr_equal(dec.rule, &in.r[0]);
	assert_non_null(strstr(dec.where, "rule 1 of p.json"));
	assert_int_equal(check(&in, &f, EP_PROTO_UDP, 53, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 53, NOW, &dec), EP_INTENT_NONE);
	assert_int_equal(dec.source, EP_INTENT_BY_NOTHING);
	/* a group tag matches; deny wins over the allow of rule 4 */
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 22, NOW, &dec), EP_INTENT_DENY);
	assert_ptr_equal(dec.rule, &in.r[1]);
	assert_non_null(strstr(dec.where, "no ssh"));
	/* group and CIDR together */
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 8100, NOW, &dec), EP_INTENT_ALLOW);
	ep_addr_parse("11.1.2.3", &f.a);
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 8100, NOW, &dec), EP_INTENT_NONE);
	ep_addr_parse("10.1.2.3", &f.a);
	/* exceptions: expired yesterday, valid through today */
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 6379, NOW, &dec), EP_INTENT_EXPIRED);
	assert_int_equal(dec.source, EP_INTENT_BY_EXCEPTION);
	assert_non_null(strstr(dec.where, "until it expired"));
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 9999, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(dec.source, EP_INTENT_BY_EXCEPTION);
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 9999, NOW + 86400, &dec), EP_INTENT_EXPIRED);
	/* the interface's ecsprobe:allow tag */
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 7001, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(dec.source, EP_INTENT_BY_IFACE_TAG);
	assert_non_null(strstr(dec.where, "ecsprobe:allow"));
	/* another service does not match rule 1 */
	f.s.service = "api";
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 443, NOW, &dec), EP_INTENT_NONE);
	{
		static struct ep_intent_view v;

		ep_intent_view(&in, &f.s, NOW, &v);
		assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].deny, 22));
		assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].permitted, 7000));
		assert_false(ep_intent_view_has(v.p[EP_PROTO_TCP].intended, 7000)); /* a tag permits */
		assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].intended, 8000));  /* a rule intends */
		assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].permitted, 9999)); /* live exception */
		assert_false(ep_intent_view_has(v.p[EP_PROTO_TCP].intended, 9999));
		assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].expired, 6379));
		assert_false(ep_intent_view_has(v.p[EP_PROTO_TCP].permitted, 443));
		assert_true(ep_intent_view_has(v.p[EP_PROTO_UDP].permitted, 8125)); /* group tag */
	}
	ep_intent_free(&in);
	fixture_free(&f);
}

/* The interface's, the group's and the service's ecsprobe:allow tags add up:
 * one on the interface must not hide the others. */
static void test_tags_add_up(void **state)
{
	static struct ep_intent_view v;
	struct fixture f;
	struct ep_intent_decision dec;

	(void)state;
	subject(&f);
	f.s.service_tags = &f.service;
	assert_int_equal(ep_intent_check(NULL, &f.s, EP_PROTO_TCP, 7000, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(dec.source, EP_INTENT_BY_IFACE_TAG);
	assert_int_equal(ep_intent_check(NULL, &f.s, EP_PROTO_UDP, 8125, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(dec.source, EP_INTENT_BY_GROUP_TAG);
	assert_non_null(strstr(dec.where, "on sg-1"));
	assert_int_equal(ep_intent_check(NULL, &f.s, EP_PROTO_TCP, 9100, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(dec.source, EP_INTENT_BY_SERVICE_TAG);
	assert_int_equal(ep_intent_check(NULL, &f.s, EP_PROTO_UDP, 4000, NOW, &dec), EP_INTENT_ALLOW);
	assert_int_equal(ep_intent_check(NULL, &f.s, EP_PROTO_TCP, 4000, NOW, &dec), EP_INTENT_NONE);
	ep_intent_view(NULL, &f.s, NOW, &v);
	assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].permitted, 7000));
	assert_true(ep_intent_view_has(v.p[EP_PROTO_TCP].permitted, 9100));
	assert_true(ep_intent_view_has(v.p[EP_PROTO_UDP].permitted, 8125));
	assert_true(ep_intent_view_has(v.p[EP_PROTO_UDP].permitted, 65535));
	assert_false(ep_intent_view_has(v.p[EP_PROTO_TCP].permitted, 8125));
	fixture_free(&f);
}

/* "security_group" names a group by id or by name. */
static void test_group_by_name(void **state)
{
	static const char by_name[] = "{\"version\": 1, \"rules\": ["
	                              "{\"match\": {\"security_group\": \"web-public\"}, \"allow\": [\"tcp/443\"]},"
	                              "{\"match\": {\"security_group\": \"sg-1\"}, \"allow\": [\"udp/53\"]},"
	                              "{\"match\": {\"security_group\": \"other\"}, \"deny\": [\"tcp/443\"]}]}";
	struct ep_intent in;
	struct ep_diag d = {0};
	struct fixture f;
	struct ep_intent_decision dec;

	(void)state;
	assert_int_equal(ep_intent_parse(&in, by_name, strlen(by_name), "n.json", NOW, &d), 0);
	subject(&f);
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 443, NOW, &dec), EP_INTENT_ALLOW);
	assert_ptr_equal(dec.rule, &in.r[0]);
	assert_int_equal(check(&in, &f, EP_PROTO_UDP, 53, NOW, &dec), EP_INTENT_ALLOW);
	f.g[0].name = NULL; /* a group the inventory lacks: only its id is known */
	assert_int_equal(check(&in, &f, EP_PROTO_TCP, 443, NOW, &dec), EP_INTENT_NONE);
	ep_intent_free(&in);
	fixture_free(&f);
}

static void test_tag_values(void **state)
{
	static const char *const good[] = {"tcp/443", "tcp/443,udp/53", " tcp/80 , tcp/8000-8100 ",
	                                   "udp/*"};
	static const char *const badv[] = {"", "443", "sctp/1", "tcp/", "tcp/70000", "tcp/5-1",
	                                   "tcp/80;rm"};
	struct ep_portset sets[EP_PROTO_COUNT];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (ep_intent_parse_tag(good[i], sets))
			fail_msg("'%s' should parse", good[i]);
		ep_portset_free(&sets[EP_PROTO_TCP]);
		ep_portset_free(&sets[EP_PROTO_UDP]);
	}
	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++)
		if (ep_intent_parse_tag(badv[i], sets) == 0)
			fail_msg("'%s' should not parse", badv[i]);
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

/* Issue 12 item 10: what cJSON accepts but a policy must not say. */
static void test_hostile_shapes(void **state)
{
	char longkey[200], text[600];

	(void)state;
	/* duplicate keys: jq and Python take the last, cJSON the first */
	bad("{\"version\": 1,\n \"rules\": [{\"deny\": [\"tcp/22\"], \"deny\": []}]}", 2, 33,
	    "duplicate key \"deny\"");
	bad("{\"version\": 1, \"version\": 2}", 1, 16, "duplicate key");
	/* a second document, or anything, after the first */
	bad("{\"version\": 1}\n{\"version\": 1, \"rules\": []}", 2, 1, "content after");
	bad("{\"version\": 1} x", 1, 16, "content after");
	/* "udp/1,T:6379" must not deny tcp/6379 */
	bad("{\"version\": 1, \"rules\": [{\"deny\": [\"udp/1,T:6379\"]}]}", 1, 27, "udp/PORTS");
	/* a NUL would make "web\u0000x" match "web" */
	bad("{\"version\": 1, \"rules\": [{\"match\": {\"service\": \"web\\u0000x\"}}]}", 1, 52,
	    "NUL");
	/* invalid UTF-8 */
	bad("{\"version\": 1, \"rules\": [{\"reason\": \"caf\xe9\"}]}", 1, 41, "UTF-8");
	/* impossible dates */
	bad("{\"version\": 1,\n \"exceptions\": [{\"allow\": [\"tcp/1\"], \"reason\": \"r\",\n"
	    "  \"expires\": \"2027-02-31\"}]}",
	    3, 3, "YYYY-MM-DD");
	bad("{\"version\": 1,\n \"exceptions\": [{\"allow\": [\"tcp/1\"], \"reason\": \"r\",\n"
	    "  \"expires\": \"2027-01-01junk\"}]}",
	    3, 3, "YYYY-MM-DD");
	/* tags longer than AWS allows are refused, not truncated */
	memset(longkey, 'k', 129);
	longkey[129] = '\0';
	snprintf(text, sizeof(text),
	         "{\"version\": 1, \"rules\": [{\"match\": {\"tag\": {\"%s\": \"v\"}}}]}", longkey);
	bad(text, 1, 45, "at most 128 characters");
}

/* AWS's maximum lengths are kept whole: 128-character keys, 256 values. */
static void test_long_tags_kept(void **state)
{
	char key[129], value[257], text[800];
	struct ep_intent in;
	struct ep_diag d = {0};

	(void)state;
	memset(key, 'k', 128);
	key[128] = '\0';
	memset(value, 'v', 256);
	value[256] = '\0';
	snprintf(text, sizeof(text),
	         "{\"version\": 1, \"rules\": [{\"match\": {\"tag\": {\"%s\": \"%s\"}}}]}", key,
	         value);
	assert_int_equal(ep_intent_parse(&in, text, strlen(text), "t.json", NOW, &d), 0);
	assert_int_equal(strlen(in.r[0].match.tag_key[0]), 128);
	assert_int_equal(strlen(in.r[0].match.tag_value[0]), 256);
	ep_intent_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verdicts),
	    cmocka_unit_test(test_tags_add_up),
	    cmocka_unit_test(test_group_by_name),
	    cmocka_unit_test(test_tag_values),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_hostile_shapes),
	    cmocka_unit_test(test_long_tags_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
