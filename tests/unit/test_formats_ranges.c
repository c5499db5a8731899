/* Every output's findings for a latent exposure whose rule admits several
 * port ranges (udp 7000-7002,7004-7010, rule sg-1#2) and for one UDP port:
 * the multi-range finding has no single-range field anywhere (port_from,
 * port_to, portFrom, portTo, port, dpt, cn1, DestinationPort, OpenPortRange)
 * and lists exactly its ranges with the port count; the single port keeps
 * its single-range fields; UDP is udp/17 everywhere.  ndjson, hec, ocsf,
 * elastic, elastic-bulk, sarif, asff (= securityhub's documents), cef and
 * syslog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <cmocka.h>

#include "base/buf.h"
#include "compare/findings.h"
#include "report/hec.h"
#include "report/sink.h"
#include "report/syslog_fmt.h"
#include "cef_reader.h"

#define MULTI_TEXT "7000-7002,7004-7010"

static struct ep_finding multi, single;

static int setup(void **state)
{
	struct ep_finding *fs[2] = {&multi, &single};

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct ep_finding *f = fs[i];

		memset(f, 0, sizeof(*f));
		snprintf(f->account, sizeof(f->account), "111122223333");
		snprintf(f->region, sizeof(f->region), "eu-west-1");
		snprintf(f->interface, sizeof(f->interface), "eni-0123456789abcdef0");
		snprintf(f->owner, sizeof(f->owner), "prod/api/app");
		snprintf(f->message, sizeof(f->message), "admitted but closed");
		snprintf(f->evidence, sizeof(f->evidence),
		         "sg-1 rule 2: udp 7000-7010 from 0.0.0.0/0");
		f->proto = EP_PROTO_UDP;
	}
	multi.kind = EP_FINDING_LATENT_EXPOSURE;
	multi.severity = EP_SEV_MEDIUM;
	snprintf(multi.address, sizeof(multi.address), "10.0.0.7");
	assert_int_equal(ep_finding_add_range(&multi, 7000, 7002), 0);
	assert_int_equal(ep_finding_add_range(&multi, 7004, 7010), 0);
	snprintf(multi.rule, sizeof(multi.rule), "sg-1#2");
	ep_finding_make_id(&multi);
	single.kind = EP_FINDING_UNEXPECTED_OPEN;
	single.severity = EP_SEV_HIGH;
	snprintf(single.address, sizeof(single.address), "10.0.0.8");
	ep_finding_set_ports(&single, 53, 53);
	ep_finding_make_id(&single);
	assert_int_equal(multi.nports, 10);
	return 0;
}

static char *run_sink(const char *name)
{
	char path[] = "/tmp/ep_ranges_XXXXXX", spec[80];
	int fd = mkstemp(path);
	struct ep_scan_info info;
	struct ep_sinks s = {0};
	struct ep_summary sum = {0};
	struct ep_diag d = {0};
	FILE *f;
	char *text = calloc(1, 1 << 20);

	assert_true(fd >= 0);
	close(fd);
	memset(&info, 0, sizeof(info));
	snprintf(info.scan_id, sizeof(info.scan_id), "00000000-0000-4000-8000-000000000002");
	snprintf(info.mode, sizeof(info.mode), "connect");
	snprintf(spec, sizeof(spec), "%s:%s", name, path);
	assert_int_equal(ep_sinks_open(&s, spec, &info, &d), 0);
	ep_sinks_finding(&s, &multi);
	ep_sinks_finding(&s, &single);
	sum.info = &info;
	sum.complete = 1;
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(text, 1, (1 << 20) - 1, f) < (1 << 20) - 1);
	fclose(f);
	unlink(path);
	return text;
}

/* How many members named key the tree holds, at any depth. */
static int count_key(const cJSON *j, const char *key)
{
	int n = 0;
	const cJSON *c;

	cJSON_ArrayForEach(c, j)
	{
		if (c->string && strcmp(c->string, key) == 0)
			n++;
		n += count_key(c, key);
	}
	return n;
}

static const char *const single_keys[] = {"port_from", "port_to",         "portFrom",     "portTo",
                                          "port",      "DestinationPort", "OpenPortRange"};

static void no_single_fields(const cJSON *j)
{
	for (size_t k = 0; k < sizeof(single_keys) / sizeof(single_keys[0]); k++)
		if (count_key(j, single_keys[k]) != 0)
			fail_msg("a multi-range finding has %s", single_keys[k]);
}

static const cJSON *get(const cJSON *j, const char *p)
{
	char part[64];

	while (j && *p) {
		size_t n = strcspn(p, ".");

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		j = cJSON_GetObjectItemCaseSensitive(j, part);
		p += n + (p[n] == '.');
	}
	assert_non_null(j);
	return j;
}

static void eq_int(const cJSON *j, const char *p, int want)
{
	const cJSON *v = get(j, p);

	assert_true(cJSON_IsNumber(v));
	assert_int_equal(v->valueint, want);
}

static void eq_str(const cJSON *j, const char *p, const char *want)
{
	const cJSON *v = get(j, p);

	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, want);
}

/* [[7000,7002],[7004,7010]] (pairs) or [{"from":..,"to":..},..] (objects) */
static void multi_list(const cJSON *a, int objects)
{
	static const int want[2][2] = {{7000, 7002}, {7004, 7010}};

	assert_true(cJSON_IsArray(a));
	assert_int_equal(cJSON_GetArraySize(a), 2);
	for (int i = 0; i < 2; i++) {
		const cJSON *r = cJSON_GetArrayItem(a, i);

		if (objects) {
			eq_int(r, "from", want[i][0]);
			eq_int(r, "to", want[i][1]);
		} else {
			assert_int_equal(cJSON_GetArraySize(r), 2);
			assert_int_equal(cJSON_GetArrayItem(r, 0)->valueint, want[i][0]);
			assert_int_equal(cJSON_GetArrayItem(r, 1)->valueint, want[i][1]);
		}
	}
}

/* Parses each line; returns the one whose member at idpath is id. */
static cJSON *line_with(const char *text, const char *idpath, const char *id)
{
	char *copy = strdup(text), *line = copy, *nl;
	cJSON *found = NULL;

	for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		cJSON *j;
		const cJSON *v;

		*nl = '\0';
		j = cJSON_Parse(line);
		if (j == NULL)
			fail_msg("not JSON: %s", line);
		v = j;
		for (const char *p = idpath; v && *p;) {
			char part[64];
			size_t n = strcspn(p, ".");

			snprintf(part, sizeof(part), "%.*s", (int)n, p);
			v = cJSON_GetObjectItemCaseSensitive(v, part);
			p += n + (p[n] == '.');
		}
		if (found == NULL && cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
			found = j;
		else
			cJSON_Delete(j);
	}
	free(copy);
	assert_non_null(found);
	return found;
}

static void test_ndjson_hec(void **state)
{
	char *text = run_sink("ndjson"), id[65];
	struct ep_hec_meta meta = {"scanner", NULL, "scan-1"};
	struct ep_buf b;
	cJSON *j;

	(void)state;
	j = line_with(text, "id", multi.id);
	no_single_fields(j);
	multi_list(get(j, "ports"), 0);
	eq_int(j, "port_count", 10);
	eq_str(j, "rule", "sg-1#2");
	eq_str(j, "proto", "udp");
	eq_str(j, "schema", "ecsprobe.finding/2");
	cJSON_Delete(j);
	j = line_with(text, "id", single.id);
	eq_int(j, "port_from", 53);
	eq_int(j, "port_to", 53);
	eq_int(j, "port_count", 1);
	eq_str(j, "proto", "udp");
	cJSON_Delete(j);
	free(text);

	ep_buf_init(&b, 1 << 16);
	assert_int_equal(ep_hec_render_finding(&b, &meta, &multi, 1700000000000000000ULL, id), 0);
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	no_single_fields(j);
	multi_list(get(j, "event.ports"), 0);
	eq_int(j, "event.port_count", 10);
	eq_str(j, "event.rule", "sg-1#2");
	cJSON_Delete(j);
	ep_buf_free(&b);
}

static void test_ocsf(void **state)
{
	char *text = run_sink("ocsf");
	cJSON *j;
	const cJSON *ev;

	(void)state;
	j = line_with(text, "finding_info.uid", multi.id);
	no_single_fields(j);
	ev = cJSON_GetArrayItem(get(j, "evidences"), 0);
	multi_list(get(ev, "data.ports"), 0);
	eq_int(ev, "data.port_count", 10);
	eq_str(ev, "data.rule", "sg-1#2");
	eq_str(ev, "connection_info.protocol_name", "udp");
	eq_int(ev, "connection_info.protocol_num", 17);
	eq_str(j, "finding_info.title", "latent_exposure: udp/" MULTI_TEXT " on 10.0.0.7");
	cJSON_Delete(j);
	j = line_with(text, "finding_info.uid", single.id);
	ev = cJSON_GetArrayItem(get(j, "evidences"), 0);
	eq_int(ev, "dst_endpoint.port", 53);
	eq_int(ev, "data.port_from", 53);
	eq_int(ev, "data.port_to", 53);
	eq_int(ev, "data.port_count", 1);
	eq_int(ev, "connection_info.protocol_num", 17);
	cJSON_Delete(j);
	free(text);
}

static void check_elastic(const char *text)
{
	cJSON *j = line_with(text, "event.id", multi.id);

	no_single_fields(j);
	multi_list(get(j, "ecsprobe.finding.ports"), 1);
	eq_int(j, "ecsprobe.finding.port_count", 10);
	eq_str(j, "ecsprobe.finding.rule", "sg-1#2");
	eq_str(j, "network.transport", "udp");
	eq_str(j, "network.iana_number", "17");
	cJSON_Delete(j);
	j = line_with(text, "event.id", single.id);
	eq_int(j, "destination.port", 53);
	eq_int(j, "ecsprobe.finding.port_from", 53);
	eq_int(j, "ecsprobe.finding.port_to", 53);
	eq_int(j, "ecsprobe.finding.port_count", 1);
	eq_str(j, "network.iana_number", "17");
	cJSON_Delete(j);
}

static void test_elastic(void **state)
{
	char *text = run_sink("elastic");

	(void)state;
	check_elastic(text);
	free(text);
	text = run_sink("elastic-bulk"); /* action lines have no event.id */
	check_elastic(text);
	free(text);
}

static void test_sarif(void **state)
{
	char *text = run_sink("sarif");
	cJSON *j = cJSON_Parse(text);
	const cJSON *res, *m, *s;

	(void)state;
	assert_non_null(j);
	res = get(cJSON_GetArrayItem(get(j, "runs"), 0), "results");
	assert_int_equal(cJSON_GetArraySize(res), 2);
	m = cJSON_GetArrayItem(res, 0);
	s = cJSON_GetArrayItem(res, 1);
	eq_str(m, "partialFingerprints.ecsprobeFindingId/v1", multi.id);
	no_single_fields(m);
	eq_str(m, "properties.ports", MULTI_TEXT);
	eq_int(m, "properties.portCount", 10);
	eq_str(m, "properties.rule", "sg-1#2");
	eq_str(m, "properties.proto", "udp");
	assert_non_null(strstr(get(m, "message.text")->valuestring, "udp/" MULTI_TEXT " "));
	eq_int(s, "properties.portFrom", 53);
	eq_int(s, "properties.portTo", 53);
	eq_str(s, "properties.ports", "53");
	eq_int(s, "properties.portCount", 1);
	assert_non_null(strstr(get(s, "message.text")->valuestring, "10.0.0.8 udp/53 "));
	cJSON_Delete(j);
	free(text);
}

static void test_asff(void **state)
{
	char *text = run_sink("asff");
	cJSON *j = cJSON_Parse(text);
	const cJSON *m, *s;

	(void)state;
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(j), 2);
	m = cJSON_GetArrayItem(j, 0);
	s = cJSON_GetArrayItem(j, 1);
	eq_str(m, "ProductFields.ecsprobe/finding_id", multi.id);
	no_single_fields(m);
	eq_str(m, "Network.Protocol", "UDP");
	eq_str(m, "ProductFields.ecsprobe/ports", MULTI_TEXT);
	eq_str(m, "ProductFields.ecsprobe/port_count", "10");
	eq_str(m, "ProductFields.ecsprobe/rule", "sg-1#2");
	eq_str(m, "Title", "latent_exposure: udp/" MULTI_TEXT " on prod/api/app (10.0.0.7)");
	eq_str(s, "Network.Protocol", "UDP");
	eq_int(s, "Network.DestinationPort", 53);
	eq_int(s, "Network.OpenPortRange.Begin", 53);
	eq_int(s, "Network.OpenPortRange.End", 53);
	eq_str(s, "ProductFields.ecsprobe/ports", "53");
	eq_str(s, "ProductFields.ecsprobe/port_count", "1");
	assert_int_equal(count_key(s, "ecsprobe/rule"), 0);
	cJSON_Delete(j);
	free(text);
}

static void cef_is(const char *ext, const char *key, const char *want)
{
	char v[600];

	if (cef_get(ext, key, v, sizeof(v)) != 0)
		fail_msg("no %s", key);
	assert_string_equal(v, want);
}

static void test_cef(void **state)
{
	char *text = run_sink("cef"), *l2, fields[7][400], v[64];
	const char *ext;

	(void)state;
	l2 = strchr(text, '\n');
	*l2++ = '\0';
	*strchr(l2, '\n') = '\0';
	ext = cef_header(text, fields);
	cef_is(ext, "externalId", multi.id);
	assert_string_equal(fields[5], "latent_exposure udp/" MULTI_TEXT " on prod/api/app");
	assert_int_equal(cef_get(ext, "dpt", v, sizeof(v)), -1);
	assert_int_equal(cef_get(ext, "cn1", v, sizeof(v)), -1);
	assert_int_equal(cef_get(ext, "cn1Label", v, sizeof(v)), -1);
	cef_is(ext, "proto", "UDP");
	cef_is(ext, "flexString1Label", "ports");
	cef_is(ext, "flexString1", MULTI_TEXT);
	cef_is(ext, "cn2Label", "portCount");
	cef_is(ext, "cn2", "10");
	cef_is(ext, "flexString2Label", "rule");
	cef_is(ext, "flexString2", "sg-1#2");
	ext = cef_header(l2, fields);
	cef_is(ext, "externalId", single.id);
	cef_is(ext, "dpt", "53");
	cef_is(ext, "cn1", "53");
	cef_is(ext, "proto", "UDP");
	cef_is(ext, "flexString1", "53");
	cef_is(ext, "cn2", "1");
	assert_int_equal(cef_get(ext, "flexString2", v, sizeof(v)), -1);
	free(text);
}

static void test_syslog(void **state)
{
	struct ep_syslog_meta meta = {.facility = 16, .hostname = "scanner-1", .pid = 42};
	struct ep_buf b;
	char id[65];

	(void)state;
	ep_syslog_meta_init(&meta, "scan-1");
	ep_buf_init(&b, 1 << 16);
	assert_int_equal(ep_syslog_finding(&b, &meta, &multi, 1700000000000000000ULL, id), 0);
	assert_null(strstr(b.data, " port=\""));
	assert_non_null(strstr(b.data, " proto=\"udp\" ports=\"" MULTI_TEXT "\" portCount=\"10\" "
	                               "rule=\"sg-1#2\" "));
	assert_non_null(strstr(b.data, "] medium latent_exposure 10.0.0.7 udp/" MULTI_TEXT " "));
	ep_buf_reset(&b);
	assert_int_equal(ep_syslog_finding(&b, &meta, &single, 1700000000000000000ULL, id), 0);
	assert_non_null(
	    strstr(b.data, " port=\"53\" proto=\"udp\" ports=\"53\" portCount=\"1\" owner="));
	assert_non_null(strstr(b.data, "] high unexpected_open 10.0.0.8 udp/53 "));
	ep_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ndjson_hec), cmocka_unit_test(test_ocsf),
	    cmocka_unit_test(test_elastic),    cmocka_unit_test(test_sarif),
	    cmocka_unit_test(test_asff),       cmocka_unit_test(test_cef),
	    cmocka_unit_test(test_syslog),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
