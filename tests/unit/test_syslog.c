/* Syslog formatting: the RFC 5424 header, SD-PARAM escaping of '"', '\' and
 * ']', the BOM only for non-ASCII MSG, invalid UTF-8 and controls replaced,
 * severity mapping, stable event ids, and the -o destination syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "compare/findings.h"
#include "report/sink.h"
#include "report/syslog_fmt.h"

static struct ep_syslog_meta meta = {.facility = 16, .hostname = "scanner-1", .pid = 42};

static struct ep_finding finding(void)
{
	struct ep_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = EP_FINDING_UNEXPECTED_OPEN;
	f.severity = EP_SEV_CRITICAL;
	snprintf(f.id, sizeof(f.id), "0123456789abcdef");
	snprintf(f.account, sizeof(f.account), "111111111111");
	snprintf(f.region, sizeof(f.region), "us-east-1");
	snprintf(f.address, sizeof(f.address), "10.0.0.4");
	snprintf(f.owner, sizeof(f.owner), "prod/we\"b]\\x");
	f.proto = EP_PROTO_TCP;
	ep_finding_set_ports(&f, 8400, 8499);
	snprintf(f.message, sizeof(f.message), "open and undeclared");
	snprintf(f.evidence, sizeof(f.evidence), "sg-1 rule 2");
	return f;
}

static void test_finding_message(void **state)
{
	struct ep_finding f = finding();
	struct ep_buf b;
	char id[65], id2[65];

	(void)state;
	ep_syslog_meta_init(&meta, "scan-1");
	ep_buf_init(&b, 1 << 16);
	assert_int_equal(ep_syslog_finding(&b, &meta, &f, 1700000000123456000ULL, id), 0);
	assert_int_equal(strlen(id), 32);
	assert_string_equal(id + 16, "0123456789abcdef"); /* the finding's id inside */
	assert_non_null(strstr(b.data, "<130>1 2023-11-14T22:13:20.123456Z scanner-1 ecsprobe 42 "
	                               "finding [ecsprobe@32473 eventID=\""));
	assert_non_null(strstr(b.data, " kind=\"unexpected_open\" severity=\"critical\" "
	                               "id=\"0123456789abcdef\""));
	assert_non_null(strstr(b.data, " port=\"8400-8499\" proto=\"tcp\" ports=\"8400-8499\" "
	                               "portCount=\"100\" owner=\"prod/we\\\"b\\]\\\\x\""));
	assert_null(strstr(b.data, " rule=")); /* no deciding rule, no param */
	assert_non_null(strstr(b.data, "] critical unexpected_open 10.0.0.4 tcp/8400-8499 "
	                               "prod/we\"b]\\x: open and undeclared"));
	assert_null(strchr(b.data, '\n'));
	/* the same finding in the same scan: the same event id; another scan: not */
	ep_buf_reset(&b);
	ep_syslog_finding(&b, &meta, &f, 1, id2);
	assert_string_equal(id, id2);
	{
		struct ep_syslog_meta m2 = meta;

		ep_syslog_meta_init(&m2, "scan-2");
		ep_syslog_finding(&b, &m2, &f, 1, id2);
		assert_string_not_equal(id, id2);
	}
	ep_buf_free(&b);
}

static void test_severity_and_result(void **state)
{
	struct ep_finding f = finding();
	struct ep_result r;
	struct ep_buf b;
	char id[65];

	(void)state;
	ep_syslog_meta_init(&meta, "scan-1");
	ep_buf_init(&b, 1 << 16);
	f.severity = EP_SEV_LOW;
	ep_syslog_finding(&b, &meta, &f, 0, id);
	assert_memory_equal(b.data, "<133>1 ", 7); /* local0.notice */
	memset(&r, 0, sizeof(r));
	ep_addr_parse("fd00::1", &r.t.addr);
	r.t.port = 443;
	r.t.proto = EP_PROTO_TCP;
	r.state = EP_STATE_OPEN;
	r.reason = EP_REASON_SYN_ACK;
	r.rtt_ns = 1500000;
	r.attempts = 1;
	ep_buf_reset(&b);
	ep_syslog_result(&b, &meta, &r, id);
	assert_memory_equal(b.data, "<134>1 1970-01-01T00:00:00.000000Z", 34); /* info */
	assert_non_null(strstr(b.data, " result [ecsprobe@32473 eventID=\""));
	assert_non_null(strstr(b.data, " address=\"fd00::1\" port=\"443\" proto=\"tcp\" "
	                               "state=\"open\" reason=\"syn-ack\" rttMs=\"1.500\""));
	assert_non_null(strstr(b.data, "] fd00::1 tcp/443 open (syn-ack)"));
	ep_buf_free(&b);
}

static void test_utf8_and_controls(void **state)
{
	struct ep_buf b;

	(void)state;
	ep_buf_init(&b, 1024);
	ep_syslog_msg(&b, "plain ascii");
	assert_string_equal(b.data, "plain ascii"); /* no BOM for ASCII */
	ep_buf_reset(&b);
	ep_syslog_msg(&b, "caf\xc3\xa9");
	assert_string_equal(b.data, "\xef\xbb\xbf"
	                            "caf\xc3\xa9");
	ep_buf_reset(&b);
	ep_syslog_msg(&b, "bad \xff\xc0\xaf and\nnew\tline");
	assert_string_equal(b.data, "bad ??? and?new?line");
	ep_buf_reset(&b);
	ep_syslog_sd_value(&b, "a\"b\\c]d\xed\xa0\x80 \xe2\x82\xac");
	assert_string_equal(b.data, "a\\\"b\\\\c\\]d??? \xe2\x82\xac");
	ep_buf_free(&b);
}

static void test_facility(void **state)
{
	(void)state;
	assert_int_equal(ep_syslog_facility("local0"), 16);
	assert_int_equal(ep_syslog_facility("audit"), 13);
	assert_int_equal(ep_syslog_facility("23"), 23);
	assert_int_equal(ep_syslog_facility("24"), -1);
	assert_int_equal(ep_syslog_facility("locl0"), -1);
}

static void test_destinations(void **state)
{
	static const char *bad[] = {
	    "syslog",                             /* no destination */
	    "syslog+tcp://",                      /* no host */
	    "syslog+tcp://h:0",                   /* port */
	    "syslog+tcp://h:99999",               /* port */
	    "syslog+tcp://[::1",                  /* bracket */
	    "syslog+tcp://h:514?results=some",    /* value */
	    "syslog+tcp://h:514?bogus=1",         /* unknown option */
	    "syslog+tcp://h:514?ca=/etc/hosts",   /* TLS only */
	    "syslog+tls://h?cert=/nonexistent",   /* cert without key */
	    "syslog+tls://h?ca=/nonexistent.pem", /* unreadable CA */
	    "syslog://h?facility=local9",         /* facility */
	};
	struct ep_scan_info info;
	struct ep_sinks s;
	struct ep_summary sum;

	(void)state;
	memset(&info, 0, sizeof(info));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ep_diag d = {0};

		memset(&s, 0, sizeof(s));
		assert_int_not_equal(ep_sinks_open(&s, bad[i], &info, &d), 0);
		assert_true(d.msg[0] != '\0');
	}
	/* these open (no network I/O until the first event) */
	memset(&s, 0, sizeof(s));
	{
		struct ep_diag d = {0};

		assert_int_equal(
		    ep_sinks_open(&s, "syslog://127.0.0.1:9?facility=audit", &info, &d), 0);
		assert_int_equal(ep_sinks_open(&s, "syslog+tcp://[::1]:9?results=all", &info, &d),
		                 0);
		assert_int_equal(ep_sinks_open(&s, "syslog+tls://localhost", &info, &d), 0);
	}
	memset(&sum, 0, sizeof(sum));
	sum.info = &info;
	assert_int_equal(ep_sinks_close(&s, &sum), 0); /* nothing to send: clean */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_finding_message),   cmocka_unit_test(test_severity_and_result),
	    cmocka_unit_test(test_utf8_and_controls), cmocka_unit_test(test_facility),
	    cmocka_unit_test(test_destinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
