/* Findings' ports and ids: ep_finding_add_range merges adjacent ranges and
 * refuses a range past EP_FINDING_MAX_RANGES, ep_finding_ports_text ends a
 * truncated list in "...", ep_finding_make_id names a latent exposure by its
 * rule (not its ports), keeps version 1's ids for one range and tells
 * several ranges without a rule from the range first-last, and the NDJSON
 * record (ecsprobe.finding/2) has port_from/port_to only for one contiguous
 * range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>
#include <openssl/sha.h>

#include "base/buf.h"
#include "compare/findings.h"

static struct ep_finding base(void)
{
	struct ep_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = EP_FINDING_LATENT_EXPOSURE;
	f.severity = EP_SEV_MEDIUM;
	snprintf(f.account, sizeof(f.account), "111122223333");
	snprintf(f.region, sizeof(f.region), "eu-west-1");
	snprintf(f.address, sizeof(f.address), "10.0.0.7");
	snprintf(f.owner, sizeof(f.owner), "prod/api");
	f.proto = EP_PROTO_UDP;
	return f;
}

/* 7000-7002,7004-7010 (10 ports), rule sg-1#2 */
static struct ep_finding multi(void)
{
	struct ep_finding f = base();

	assert_int_equal(ep_finding_add_range(&f, 7000, 7002), 0);
	assert_int_equal(ep_finding_add_range(&f, 7004, 7010), 0);
	snprintf(f.rule, sizeof(f.rule), "sg-1#2");
	ep_finding_make_id(&f);
	return f;
}

static void test_add_range(void **state)
{
	struct ep_finding f = base();

	(void)state;
	assert_int_equal(ep_finding_add_range(&f, 7000, 7002), 0);
	assert_int_equal(ep_finding_add_range(&f, 7003, 7003), 0); /* adjacent: merged */
	assert_int_equal(f.nranges, 1);
	assert_int_equal(f.ranges[0].hi, 7003);
	assert_int_equal(ep_finding_add_range(&f, 7005, 7010), 0);
	assert_int_equal(f.nranges, 2);
	assert_int_equal(f.lo, 7000);
	assert_int_equal(f.hi, 7010);
	assert_int_equal(f.nports, 10);
	assert_int_equal(f.ranges[1].lo, 7005);

	/* full: a separate range is refused and changes nothing ... */
	f = base();
	for (unsigned i = 0; i < EP_FINDING_MAX_RANGES; i++)
		assert_int_equal(
		    ep_finding_add_range(&f, (uint16_t)(100 + 10 * i), (uint16_t)(101 + 10 * i)),
		    0);
	assert_int_equal(f.nranges, EP_FINDING_MAX_RANGES);
	assert_int_equal(f.nports, 2 * EP_FINDING_MAX_RANGES);
	assert_int_equal(ep_finding_add_range(&f, 1000, 1000), -1);
	assert_int_equal(f.nranges, EP_FINDING_MAX_RANGES);
	assert_int_equal(f.hi, 100 + 10 * (EP_FINDING_MAX_RANGES - 1) + 1);
	assert_int_equal(f.nports, 2 * EP_FINDING_MAX_RANGES);
	/* ... but an adjacent one still extends the last */
	assert_int_equal(ep_finding_add_range(&f, f.hi + 1, f.hi + 3), 0);
	assert_int_equal(f.nranges, EP_FINDING_MAX_RANGES);
	assert_int_equal(f.nports, 2 * EP_FINDING_MAX_RANGES + 3);

	/* set_ports starts over with one range */
	ep_finding_set_ports(&f, 22, 22);
	assert_int_equal(f.nranges, 1);
	assert_int_equal(f.nports, 1);
	assert_int_equal(f.lo, 22);
	assert_int_equal(f.hi, 22);
}

static void test_ports_text(void **state)
{
	struct ep_finding f = multi();
	char out[EP_FINDING_PORTS_LEN], small[20];

	(void)state;
	ep_finding_ports_text(&f, out, sizeof(out));
	assert_string_equal(out, "7000-7002,7004-7010");
	ep_finding_set_ports(&f, 22, 22);
	ep_finding_ports_text(&f, out, sizeof(out));
	assert_string_equal(out, "22");
	ep_finding_set_ports(&f, 8400, 8499);
	ep_finding_ports_text(&f, out, sizeof(out));
	assert_string_equal(out, "8400-8499");

	/* the widest list fits EP_FINDING_PORTS_LEN whole */
	f = base();
	for (unsigned i = 0; i < EP_FINDING_MAX_RANGES; i++)
		ep_finding_add_range(&f, (uint16_t)(30000 + 1000 * i),
		                     (uint16_t)(30500 + 1000 * i));
	ep_finding_ports_text(&f, out, sizeof(out));
	assert_int_equal(strlen(out), EP_FINDING_MAX_RANGES * 12 - 1);
	assert_null(strstr(out, "..."));
	assert_string_equal(out + strlen(out) - 11, "61000-61500");

	/* too small: cut, and says so */
	ep_finding_ports_text(&f, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small + strlen(small) - 3, "...");
	assert_memory_equal(small, "30000-30500,3100", 16);
	/* exactly big enough: not cut */
	f = multi();
	ep_finding_ports_text(&f, small, strlen("7000-7002,7004-7010") + 1);
	assert_string_equal(small, "7000-7002,7004-7010");
	ep_finding_ports_text(&f, small, strlen("7000-7002,7004-7010"));
	assert_string_equal(small + strlen(small) - 3, "...");
}

static void sha_id(const char *key, char out[17])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)key, strlen(key), md);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_make_id(void **state)
{
	struct ep_finding a = multi(), b = base(), c, d;
	char want[17];

	(void)state;
	/* the same rule, other ports (a service opened or closed one): same id */
	ep_finding_add_range(&b, 7000, 7001);
	ep_finding_add_range(&b, 7005, 7010);
	ep_finding_add_range(&b, 7100, 7100);
	snprintf(b.rule, sizeof(b.rule), "sg-1#2");
	ep_finding_make_id(&b);
	assert_string_equal(a.id, b.id);
	/* ... and another address (the task moved) */
	snprintf(b.address, sizeof(b.address), "10.0.0.8");
	ep_finding_make_id(&b);
	assert_string_equal(a.id, b.id);
	/* another rule: another finding */
	c = a;
	snprintf(c.rule, sizeof(c.rule), "sg-1#3");
	ep_finding_make_id(&c);
	assert_string_not_equal(a.id, c.id);
	/* the protocol counts */
	c = a;
	c.proto = EP_PROTO_TCP;
	ep_finding_make_id(&c);
	assert_string_not_equal(a.id, c.id);
	assert_int_equal(strspn(a.id, "0123456789abcdef"), 16);

	/* without a rule the ports name it, as in version 1: ids are unchanged */
	d = base();
	d.kind = EP_FINDING_UNEXPECTED_OPEN;
	ep_finding_set_ports(&d, 22, 22);
	ep_finding_make_id(&d);
	sha_id("111122223333|eu-west-1|prod/api|17|22-22|unexpected_open", want);
	assert_string_equal(d.id, want);
	ep_finding_set_ports(&d, 23, 23);
	ep_finding_make_id(&d);
	assert_string_not_equal(d.id, want);
	d.proto = EP_PROTO_TCP;
	ep_finding_set_ports(&d, 8400, 8499);
	ep_finding_make_id(&d);
	sha_id("111122223333|eu-west-1|prod/api|6|8400-8499|unexpected_open", want);
	assert_string_equal(d.id, want);
	/* several ranges and no rule: not the id of the range from first to last */
	c = base();
	ep_finding_set_ports(&c, 7000, 7010);
	ep_finding_make_id(&c);
	d = base();
	ep_finding_add_range(&d, 7000, 7002);
	ep_finding_add_range(&d, 7004, 7010);
	ep_finding_make_id(&d);
	assert_string_not_equal(c.id, d.id);
	sha_id("111122223333|eu-west-1|prod/api|17|7000-7002,7004-7010|latent_exposure", want);
	assert_string_equal(d.id, want);
}

static cJSON *json_of(const struct ep_finding *f)
{
	struct ep_buf b;
	cJSON *j;

	ep_buf_init(&b, 1 << 16);
	assert_int_equal(ep_finding_json_buf(&b, f, "scan-1"), 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[b.len - 1], '\n');
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	ep_buf_free(&b);
	return j;
}

static void test_json(void **state)
{
	struct ep_finding f = multi();
	cJSON *j = json_of(&f), *ports;

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(j, "schema")->valuestring, "ecsprobe.finding/2");
	assert_string_equal(cJSON_GetObjectItem(j, "proto")->valuestring, "udp");
	assert_null(cJSON_GetObjectItem(j, "port_from"));
	assert_null(cJSON_GetObjectItem(j, "port_to"));
	ports = cJSON_GetObjectItem(j, "ports");
	assert_int_equal(cJSON_GetArraySize(ports), 2);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ports, 0), 0)->valueint, 7000);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ports, 0), 1)->valueint, 7002);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ports, 1), 0)->valueint, 7004);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ports, 1), 1)->valueint, 7010);
	assert_int_equal(cJSON_GetObjectItem(j, "port_count")->valueint, 10);
	assert_string_equal(cJSON_GetObjectItem(j, "rule")->valuestring, "sg-1#2");
	cJSON_Delete(j);

	f = base();
	ep_finding_set_ports(&f, 53, 53);
	ep_finding_make_id(&f);
	j = json_of(&f);
	assert_string_equal(cJSON_GetObjectItem(j, "proto")->valuestring, "udp");
	assert_int_equal(cJSON_GetObjectItem(j, "port_from")->valueint, 53);
	assert_int_equal(cJSON_GetObjectItem(j, "port_to")->valueint, 53);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ports")), 1);
	assert_int_equal(cJSON_GetObjectItem(j, "port_count")->valueint, 1);
	assert_null(cJSON_GetObjectItem(j, "rule"));
	cJSON_Delete(j);
}

/* The human forms (verify's report, GitHub annotations) list every range. */
static void test_text(void **state)
{
	struct ep_finding f = multi();
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(m);
	ep_finding_print(m, &f);
	ep_finding_github(m, &f, 0);
	fclose(m);
	assert_non_null(strstr(buf, "10.0.0.7 udp/7000-7002,7004-7010 "));
	/* in a workflow command's message ',' needs no escape (only in properties) */
	assert_non_null(strstr(buf, "::warning title=ecsprobe latent_exposure (medium)::10.0.0.7 "
	                            "udp/7000-7002,7004-7010 "));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_range), cmocka_unit_test(test_ports_text),
	    cmocka_unit_test(test_make_id),   cmocka_unit_test(test_json),
	    cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
