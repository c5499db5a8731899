/* The document outputs through the sink interface: csv (RFC 4180 quoting,
 * the formula guard), csv-findings, nmap-xml (well-formed, hosts in order,
 * extraports counts, a finding as a host script, text escaped), html
 * (escaped, every finding id, no script) and the NDJSON reader behind
 * `ecsprobe report` (round trip, errors naming the field); json as a name
 * for ndjson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "compare/checks.h"
#include "config/cidr.h"
#include "report/htmlreport.h"
#include "report/ndjson_read.h"
#include "report/sink.h"

static struct ep_finding evil;

static struct ep_result res(const char *addr, uint16_t port, enum ep_state st)
{
	struct ep_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(ep_addr_parse(addr, &r.t.addr), 0);
	r.t.proto = EP_PROTO_TCP;
	r.t.port = port;
	r.state = st;
	r.reason = st == EP_STATE_OPEN ? EP_REASON_SYN_ACK : EP_REASON_RST;
	r.ts_ns = 1800000000000000000ull;
	r.rtt_ns = 250000;
	r.attempts = 1;
	return r;
}

static int setup(void **state)
{
	(void)state;
	memset(&evil, 0, sizeof(evil));
	evil.kind = EP_FINDING_UNEXPECTED_OPEN;
	evil.severity = EP_SEV_CRITICAL;
	snprintf(evil.account, sizeof(evil.account), "111122223333");
	snprintf(evil.region, sizeof(evil.region), "eu-west-1");
	snprintf(evil.address, sizeof(evil.address), "10.0.0.2");
	snprintf(evil.owner, sizeof(evil.owner), "=HYPERLINK(\"x\")/<script>alert(1)</script>");
	snprintf(evil.message, sizeof(evil.message), "open, \"quoted\"\r\nnext line & more");
	snprintf(evil.evidence, sizeof(evil.evidence), "@SUM(1) 'single' <b>");
	ep_finding_set_ports(&evil, 22, 22);
	evil.world = 1;
	ep_finding_make_id(&evil);
	return 0;
}

/* Runs sink NAME over three results on two hosts and the finding. */
static char *run(const char *name)
{
	char path[] = "/tmp/ep_outputs_XXXXXX", spec[80];
	int fd = mkstemp(path);
	struct ep_scan_info info;
	struct ep_sinks s = {0};
	struct ep_summary sum = {0};
	struct ep_diag d = {0};
	struct ep_result r[3] = {res("10.0.0.2", 22, EP_STATE_OPEN), res("10.0.0.1", 80, EP_STATE_OPEN),
	                         res("10.0.0.2", 23, EP_STATE_CLOSED)};
	char *text = calloc(1, 1 << 20);
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	memset(&info, 0, sizeof(info));
	snprintf(info.scan_id, sizeof(info.scan_id), "00000000-0000-4000-8000-000000000003");
	snprintf(info.mode, sizeof(info.mode), "syn");
	info.started_ns = 1800000000000000000ull;
	snprintf(spec, sizeof(spec), "%s:%s", name, path);
	assert_int_equal(ep_sinks_open(&s, spec, &info, &d), 0);
	for (int i = 0; i < 3; i++)
		ep_sinks_result(&s, &r[i]);
	ep_sinks_finding(&s, &evil);
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

static void test_csv_results(void **state)
{
	char *t = run("csv");

	(void)state;
	assert_true(strncmp(t, "id,scan_id,ts,address,proto,port,state,reason,rtt_ms,attempts,probe\r\n",
	                    69) == 0);
	assert_non_null(strstr(t, ",10.0.0.2,tcp,22,open,syn-ack,0.250,1,\r\n"));
	assert_non_null(strstr(t, ",10.0.0.2,tcp,23,closed,rst,0.250,1,\r\n"));
	free(t);
}

static void test_csv_findings(void **state)
{
	char *t = run("csv-findings");
	char want[400];

	(void)state;
	assert_non_null(strstr(t, "id,severity,kind,account,region,owner,address,"));
	snprintf(want, sizeof(want),
	         "%s,critical,unexpected_open,111122223333,eu-west-1,"
	         "\"'=HYPERLINK(\"\"x\"\")/<script>alert(1)</script>\",10.0.0.2,,tcp,22,1,,"
	         "aws-fsbp/EC2.18 aws-fsbp/EC2.19 cis-aws-3.0.0/5.2,"
	         "\"open, \"\"quoted\"\"\r\nnext line & more\",'@SUM(1) 'single' <b>,,,",
	         evil.id);
	assert_non_null(strstr(t, want));
	free(t);
}

static void test_nmapxml(void **state)
{
	char *t = run("nmap-xml");
	xmlDocPtr doc = xmlReadMemory(t, (int)strlen(t), "x.xml", NULL, XML_PARSE_NONET);
	xmlXPathContextPtr x;
	xmlXPathObjectPtr o;
	xmlChar *v;

	(void)state;
	assert_non_null(doc);
	x = xmlXPathNewContext(doc);
	o = xmlXPathEvalExpression(BAD_CAST "//host/address/@addr", x);
	assert_int_equal(o->nodesetval->nodeNr, 2);
	v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	assert_string_equal((char *)v, "10.0.0.1"); /* in address order */
	xmlFree(v);
	xmlXPathFreeObject(o);
	o = xmlXPathEvalExpression(
	    BAD_CAST "//host[address/@addr='10.0.0.2']/ports/extraports[@state='closed']/@count", x);
	assert_int_equal(o->nodesetval->nodeNr, 1);
	v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	assert_string_equal((char *)v, "1");
	xmlFree(v);
	xmlXPathFreeObject(o);
	o = xmlXPathEvalExpression(BAD_CAST "//host[address/@addr='10.0.0.2']/hostscript/script/"
	                                    "table/elem[@key='owner']",
	                           x);
	assert_int_equal(o->nodesetval->nodeNr, 1);
	v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	assert_string_equal((char *)v, evil.owner); /* escaped on the way out, intact in */
	xmlFree(v);
	xmlXPathFreeObject(o);
	o = xmlXPathEvalExpression(BAD_CAST "/nmaprun/@scanner", x);
	v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	assert_string_equal((char *)v, "nmap");
	xmlFree(v);
	xmlXPathFreeObject(o);
	assert_null(strstr(t, "<script>alert")); /* the < of the owner is &lt; */
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	free(t);
}

static void test_html(void **state)
{
	char *t = run("html");

	(void)state;
	assert_non_null(strstr(t, evil.id));
	assert_null(strstr(t, "<script"));
	assert_non_null(strstr(t, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(t, "<svg"));
	assert_non_null(strstr(t, "#d93a3a")); /* the unexpected_open cell */
	assert_null(strstr(t, "src="));
	assert_null(strstr(t, "href="));
	free(t);
}

static void test_json_alias(void **state)
{
	char *t = run("json");

	(void)state;
	assert_non_null(strstr(t, "{\"type\":\"header\""));
	assert_non_null(strstr(t, "\"type\":\"finding\""));
	free(t);
}

/* ndjson out, read back: the same finding (controls included), results */
static void test_ndjson_read(void **state)
{
	char *t = run("ndjson");
	struct ep_collect c;
	struct ep_html_meta m;
	struct ep_diag d = {0};
	char *line = t, *nl;

	(void)state;
	memset(&m, 0, sizeof(m));
	ep_collect_init(&c, 16);
	while ((nl = strchr(line, '\n')) != NULL) {
		assert_int_equal(ep_ndjson_read_line(&c, &m, line, (size_t)(nl - line), &d), 0);
		line = nl + 1;
	}
	assert_string_equal(m.scan_id, "00000000-0000-4000-8000-000000000003");
	assert_int_equal(m.complete, 1);
	assert_int_equal(c.results, 3);
	assert_int_equal(c.counts[EP_STATE_OPEN], 2);
	assert_int_equal(c.findings.n, 1);
	assert_string_equal(c.findings.f[0].id, evil.id);
	assert_string_equal(c.findings.f[0].owner, evil.owner);
	assert_string_equal(c.findings.f[0].message, evil.message);
	assert_int_equal(c.controls[0], ep_checks_control_bits(&evil));
	ep_collect_free(&c);
	free(t);
}

static void test_ndjson_errors(void **state)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
	    {"{\"type\":\"result\",\"address\":\"10.0.0.300\",\"proto\":\"tcp\",\"port\":1,"
	     "\"state\":\"open\"}",
	     "\"address\" '10.0.0.300' is not an address"},
	    {"{\"type\":\"result\",\"address\":\"::1\",\"proto\":\"tcp\",\"port\":70000,"
	     "\"state\":\"open\"}",
	     "\"port\" missing or not a number in 0-65535"},
	    {"{\"type\":\"finding\",\"id\":\"1\",\"kind\":\"latent_exposure\",\"severity\":\"low\","
	     "\"account\":\"1\",\"region\":\"r\",\"address\":\"a\",\"owner\":\"o\",\"proto\":\"tcp\","
	     "\"ports\":[[5,4]],\"message\":\"m\",\"evidence\":\"e\"}",
	     "\"ports\" must be ascending"},
	    {"{\"type\":\"finding\",\"id\":\"1\",\"kind\":\"nope\"}", "\"kind\" 'nope' unknown"},
	    {"{\"type\":\"finding\",\"id\":\"1\",\"kind\":\"latent_exposure\",\"severity\":\"low\","
	     "\"account\":\"1\",\"region\":\"r\",\"address\":\"a\",\"owner\":\"o\",\"proto\":\"tcp\","
	     "\"ports\":[[4,5]],\"message\":\"m\",\"evidence\":\"e\",\"controls\":[\"x\"]}",
	     "unknown control"},
	    {"[1,2]", "record without a string \"type\""},
	    {"{", "not a JSON object"},
	};
	struct ep_collect c;
	struct ep_html_meta m;

	(void)state;
	memset(&m, 0, sizeof(m));
	ep_collect_init(&c, 16);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ep_diag d = {0};

		assert_int_equal(ep_ndjson_read_line(&c, &m, bad[i].line, strlen(bad[i].line), &d),
		                 EP_EPARSE);
		if (strstr(d.msg, bad[i].msg) == NULL)
			fail_msg("line %zu: '%s' lacks '%s'", i, d.msg, bad[i].msg);
	}
	ep_collect_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_results), cmocka_unit_test(test_csv_findings),
	    cmocka_unit_test(test_nmapxml),     cmocka_unit_test(test_html),
	    cmocka_unit_test(test_json_alias),  cmocka_unit_test(test_ndjson_read),
	    cmocka_unit_test(test_ndjson_errors),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
