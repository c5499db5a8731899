/* Sinks: NDJSON lines are valid JSON with the documented fields (including
 * hostile-looking IPv6 text), the text table groups by host, and unknown
 * formats are refused with a clear message. */
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
#include "report/sink.h"

static struct ep_scan_info info(void)
{
	struct ep_scan_info i;

	memset(&i, 0, sizeof(i));
	snprintf(i.scan_id, sizeof(i.scan_id), "00000000-0000-4000-8000-000000000001");
	snprintf(i.mode, sizeof(i.mode), "connect");
	i.seed = 7;
	i.rate = 1000;
	i.probes_total = 3;
	i.started_ns = 1700000000000000000ULL;
	return i;
}

static struct ep_result result(const char *addr, uint16_t port, enum ep_state st)
{
	struct ep_result r;

	memset(&r, 0, sizeof(r));
	ep_addr_parse(addr, &r.t.addr);
	r.t.port = port;
	r.state = st;
	r.reason = st == EP_STATE_OPEN ? EP_REASON_SYN_ACK : EP_REASON_TIMEOUT;
	r.rtt_ns = st == EP_STATE_OPEN ? 1500000 : 0;
	r.ts_ns = 1700000000123456789ULL;
	r.attempts = 1;
	return r;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 16);

	assert_non_null(f);
	fread(s, 1, (1 << 16) - 1, f);
	fclose(f);
	return s;
}

static void test_ndjson_lines(void **state)
{
	char path[] = "/tmp/ep_sink_XXXXXX", spec[64];
	int fd = mkstemp(path);
	struct ep_scan_info i = info();
	struct ep_sinks s = {0};
	struct ep_summary sum = {0};
	struct ep_diag d = {0};
	struct ep_result r[3] = {result("10.0.0.1", 22, EP_STATE_OPEN),
	                         result("fd00:ec5::1", 443, EP_STATE_FILTERED),
	                         result("10.0.0.2", 80, EP_STATE_CLOSED)};
	char *text, *line, *save = NULL;
	int n = 0;

	(void)state;
	close(fd);
	snprintf(spec, sizeof(spec), "ndjson:%s", path);
	assert_int_equal(ep_sinks_open(&s, spec, &i, &d), 0);
	for (int k = 0; k < 3; k++)
		ep_sinks_result(&s, &r[k]);
	sum.info = &i;
	sum.probes_sent = 3;
	sum.results = 3;
	sum.counts[EP_STATE_OPEN] = 1;
	sum.complete = 1;
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		cJSON *j = cJSON_Parse(line);
		const char *type;

		assert_non_null(j);
		type = cJSON_GetObjectItem(j, "type")->valuestring;
		assert_string_equal(cJSON_GetObjectItem(j, "scan_id")->valuestring, i.scan_id);
		if (n == 0)
			assert_string_equal(type, "header");
		else if (n == 4)
			assert_string_equal(type, "summary");
		else
			assert_string_equal(type, "result");
		if (n == 1) {
			assert_string_equal(cJSON_GetObjectItem(j, "address")->valuestring, "10.0.0.1");
			assert_int_equal(cJSON_GetObjectItem(j, "port")->valueint, 22);
			assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "open");
			assert_string_equal(cJSON_GetObjectItem(j, "proto")->valuestring, "tcp");
			assert_true(cJSON_GetObjectItem(j, "rtt_ms")->valuedouble == 1.5);
			assert_string_equal(cJSON_GetObjectItem(j, "ts")->valuestring,
			                    "2023-11-14T22:13:20.123456Z");
		}
		if (n == 2) {
			assert_string_equal(cJSON_GetObjectItem(j, "address")->valuestring, "fd00:ec5::1");
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "rtt_ms")));
		}
		if (n == 4) {
			assert_int_equal(
			    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"), "open")->valueint, 1);
			assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "complete")));
			assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "interrupted")));
		}
		cJSON_Delete(j);
	}
	assert_int_equal(n, 5);
	free(text);
	unlink(path);
}

static void test_text_table(void **state)
{
	char path[] = "/tmp/ep_sink_XXXXXX", spec[64];
	int fd = mkstemp(path);
	struct ep_scan_info i = info();
	struct ep_sinks s = {0};
	struct ep_summary sum = {0};
	struct ep_diag d = {0};
	struct ep_result r[4] = {
	    result("10.0.0.2", 443, EP_STATE_OPEN), result("10.0.0.2", 22, EP_STATE_OPEN),
	    result("10.0.0.2", 23, EP_STATE_CLOSED), result("10.0.0.3", 22, EP_STATE_FILTERED)};
	char *text;

	(void)state;
	close(fd);
	snprintf(spec, sizeof(spec), "table:%s", path);
	assert_int_equal(ep_sinks_open(&s, spec, &i, &d), 0);
	for (int k = 0; k < 4; k++)
		ep_sinks_result(&s, &r[k]);
	sum.info = &i;
	sum.probes_sent = 4;
	sum.complete = 1;
	sum.counts[EP_STATE_OPEN] = 2;
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
	text = slurp(path);
	/* sorted by port within the host; the host is printed once */
	assert_non_null(strstr(text, "10.0.0.2                                 22/tcp "));
	assert_non_null(strstr(text, "\n                                         443/tcp"));
	assert_non_null(strstr(text, "(not shown: 1 closed, 0 filtered)"));
	assert_non_null(strstr(text, "1 host with no open port (0 closed, 1 filtered)"));
	assert_non_null(strstr(text, "Done: 4 probes sent"));
	free(text);
	unlink(path);
}

static void test_unknown_format(void **state)
{
	struct ep_scan_info i = info();
	struct ep_sinks s = {0};
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_sinks_open(&s, "xml:/tmp/x", &i, &d), EP_EINVAL);
	assert_non_null(strstr(d.msg, "unknown output format 'xml'"));
	assert_int_equal(ep_sinks_open(&s, "ndjson:/nonexistent-dir/x", &i, &d), EP_EIO);
	assert_non_null(strstr(d.msg, "/nonexistent-dir/x"));
}

static void test_json_escaping(void **state)
{
	struct ep_buf b;
	cJSON *j;

	(void)state;
	ep_buf_init(&b, 1024);
	ep_buf_json_str(&b, "a\"b\\c\nd\x01");
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	assert_string_equal(j->valuestring, "a\"b\\c\nd\x01");
	cJSON_Delete(j);
	ep_buf_free(&b);
	ep_buf_init(&b, 4);
	assert_int_equal(ep_buf_adds(&b, "12345"), EP_ERANGE); /* the cap holds */
	ep_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ndjson_lines),
	    cmocka_unit_test(test_text_table),
	    cmocka_unit_test(test_unknown_format),
	    cmocka_unit_test(test_json_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
