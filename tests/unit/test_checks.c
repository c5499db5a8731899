/* The catalogue of checks (compare/checks.h): which public controls a
 * finding fails (world-open, the high-risk and admin port lists, the address
 * family, the default group, the kinds that can fail none), the severity
 * rules read from the judge's table, and the printed forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "base/buf.h"
#include "compare/checks.h"

static unsigned bit(const char *key)
{
	int i = ep_control_find(key);

	assert_true(i >= 0);
	return 1u << i;
}

static struct ep_finding mk(enum ep_finding_kind k, const char *addr, uint16_t lo, uint16_t hi,
                            int world, int dflt)
{
	struct ep_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = k;
	snprintf(f.address, sizeof(f.address), "%s", addr);
	ep_finding_set_ports(&f, lo, hi);
	f.world = (uint8_t)world;
	f.default_sg = (uint8_t)dflt;
	return f;
}

static void test_world_ssh_v4(void **state)
{
	struct ep_finding f = mk(EP_FINDING_UNEXPECTED_OPEN, "10.0.0.1", 22, 22, 1, 0);

	(void)state;
	assert_int_equal(ep_checks_control_bits(&f),
	                 bit("aws-fsbp/EC2.18") | bit("aws-fsbp/EC2.19") | bit("cis-aws-3.0.0/5.2"));
}

static void test_world_rdp_v6(void **state)
{
	struct ep_finding f = mk(EP_FINDING_LATENT_EXPOSURE, "2001:db8::1", 3000, 4000, 1, 0);

	(void)state;
	/* 3000, 3306 and 3389 are in EC2.19's list; ::/0 on 3389 is CIS 5.3 */
	assert_int_equal(ep_checks_control_bits(&f),
	                 bit("aws-fsbp/EC2.18") | bit("aws-fsbp/EC2.19") | bit("cis-aws-3.0.0/5.3"));
}

static void test_world_other_port(void **state)
{
	struct ep_finding f = mk(EP_FINDING_UNEXPECTED_OPEN, "10.0.0.1", 8443, 8443, 1, 0);

	(void)state;
	assert_int_equal(ep_checks_control_bits(&f), bit("aws-fsbp/EC2.18"));
	/* several ranges: one of them on 9200 (EC2.19), none on 22 */
	f = mk(EP_FINDING_LATENT_EXPOSURE, "10.0.0.1", 9100, 9199, 1, 0);
	assert_int_equal(ep_finding_add_range(&f, 9200, 9201), 0);
	assert_int_equal(ep_checks_control_bits(&f), bit("aws-fsbp/EC2.18") | bit("aws-fsbp/EC2.19"));
}

static void test_not_world(void **state)
{
	struct ep_finding f = mk(EP_FINDING_UNEXPECTED_OPEN, "10.0.0.1", 22, 22, 0, 0);

	(void)state;
	assert_int_equal(ep_checks_control_bits(&f), 0);
	f.default_sg = 1;
	assert_int_equal(ep_checks_control_bits(&f),
	                 bit("aws-fsbp/EC2.2") | bit("cis-aws-3.0.0/5.4"));
}

static void test_kinds_without_controls(void **state)
{
	struct ep_finding f = mk(EP_FINDING_UNEXPLAINED_OPEN, "10.0.0.1", 22, 22, 1, 1);
	unsigned out[32];

	(void)state;
	assert_int_equal(ep_checks_control_bits(&f), 0);
	f.kind = EP_FINDING_DECLARED_UNREACHABLE;
	assert_int_equal(ep_checks_control_bits(&f), 0);
	assert_int_equal(ep_checks_controls(&f, out, 32), 0);
	f.kind = EP_FINDING_UNEXPECTED_OPEN;
	assert_int_equal(ep_checks_controls(&f, out, 32), 5); /* all but 5.3 (IPv6) */
	assert_int_equal(ep_checks_controls(&f, out, 2), 2);
	assert_string_equal(ep_controls[out[0]].key, "aws-fsbp/EC2.18");
}

static void test_every_kind_catalogued(void **state)
{
	char sev[160];

	(void)state;
	for (int k = EP_FINDING_UNEXPECTED_OPEN; k <= EP_FINDING_LATENT_EXPOSURE; k++) {
		const struct ep_check *c = ep_check_of((enum ep_finding_kind)k);

		assert_non_null(c);
		assert_true(strlen(c->meaning) > 20 && strlen(c->fix) > 20);
		ep_check_severity_text((enum ep_finding_kind)k, sev, sizeof(sev));
		assert_true(sev[0] != '\0');
	}
	ep_check_severity_text(EP_FINDING_UNEXPECTED_OPEN, sev, sizeof(sev));
	assert_string_equal(sev, "high; critical if a world-open rule admits it or the intent denies it");
	ep_check_severity_text(EP_FINDING_DECLARED_UNREACHABLE, sev, sizeof(sev));
	assert_string_equal(sev, "high");
	ep_check_severity_text(EP_FINDING_LATENT_EXPOSURE, sev, sizeof(sev));
	assert_string_equal(sev, "low; medium if a world-open rule admits it or the intent denies it");
	assert_int_equal(ep_control_find("nope"), -1);
}

static void test_json(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cJSON *doc, *checks;

	(void)state;
	assert_int_equal(ep_checks_print(f, EP_CHECKS_JSON), 0);
	fclose(f);
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	checks = cJSON_GetObjectItem(doc, "checks");
	assert_int_equal(cJSON_GetArraySize(checks), 4);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "controls")), 6);
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(checks, 0), "controls")), 6);
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(checks, 1), "controls")), 0);
	cJSON_Delete(doc);
	free(text);
}

/* the NDJSON line lists the controls by key, and only when there are some */
static void test_ndjson_controls(void **state)
{
	struct ep_finding f = mk(EP_FINDING_UNEXPECTED_OPEN, "10.0.0.1", 22, 22, 1, 0);
	struct ep_buf b;
	cJSON *o, *c;

	(void)state;
	snprintf(f.account, sizeof(f.account), "111122223333");
	ep_buf_init(&b, 1 << 16);
	assert_int_equal(ep_finding_json_buf(&b, &f, "s"), 0);
	o = cJSON_Parse(b.data);
	c = cJSON_GetObjectItem(o, "controls");
	assert_int_equal(cJSON_GetArraySize(c), 3);
	assert_string_equal(cJSON_GetArrayItem(c, 2)->valuestring, "cis-aws-3.0.0/5.2");
	cJSON_Delete(o);
	ep_buf_reset(&b);
	f.world = 0;
	assert_int_equal(ep_finding_json_buf(&b, &f, "s"), 0);
	assert_null(strstr(b.data, "controls"));
	ep_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_world_ssh_v4),
	    cmocka_unit_test(test_world_rdp_v6),
	    cmocka_unit_test(test_world_other_port),
	    cmocka_unit_test(test_not_world),
	    cmocka_unit_test(test_kinds_without_controls),
	    cmocka_unit_test(test_every_kind_catalogued),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_ndjson_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
