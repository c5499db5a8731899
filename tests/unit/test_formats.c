/* Export formats: CEF escaping of hostile values (pipes, equals signs,
 * backslashes, CR/LF) in header and extension fields, read back with a CEF
 * parser; severity scales; owner parsing, result ids and timestamps; and
 * parseable JSON with the key fields from the ocsf, elastic, elastic-bulk,
 * sarif and asff sinks for a set of results and hostile findings. */
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
#include "config/cidr.h"
#include "report/asff.h"
#include "report/export.h"
#include "report/sink.h"
#include "cef_reader.h"

#define HOSTILE_OWNER "cl|x=y\\z/svc\r\nname/ct\"q"
#define HOSTILE_MSG   "open = bad | very\\bad\nsecond line\r"
#define HOSTILE_EV    "rule \\= 1 | from 0.0.0.0/0 \"quoted\"\x01"

static struct ep_scan_info info(void)
{
	struct ep_scan_info i;

	memset(&i, 0, sizeof(i));
	snprintf(i.scan_id, sizeof(i.scan_id), "00000000-0000-4000-8000-000000000001");
	snprintf(i.mode, sizeof(i.mode), "connect");
	i.started_ns = 1700000000000000000ULL;
	return i;
}

static struct ep_result result(const char *addr, enum ep_proto p, uint16_t port, enum ep_state st,
                               const char *probe)
{
	struct ep_result r;

	memset(&r, 0, sizeof(r));
	ep_addr_parse(addr, &r.t.addr);
	r.t.proto = p;
	r.t.port = port;
	r.state = st;
	r.reason = st == EP_STATE_OPEN ? EP_REASON_SYN_ACK : EP_REASON_TIMEOUT;
	r.rtt_ns = st == EP_STATE_OPEN ? 1500000 : 0;
	r.ts_ns = 1700000000123456789ULL;
	r.attempts = 2;
	r.probe = probe;
	return r;
}

static struct ep_finding finding(enum ep_finding_kind k, enum ep_severity s, const char *owner,
                                 const char *addr, uint16_t lo, uint16_t hi)
{
	struct ep_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = k;
	f.severity = s;
	snprintf(f.account, sizeof(f.account), "111122223333");
	snprintf(f.region, sizeof(f.region), "eu-west-1");
	snprintf(f.address, sizeof(f.address), "%s", addr);
	snprintf(f.interface, sizeof(f.interface), "eni-0123456789abcdef0");
	snprintf(f.owner, sizeof(f.owner), "%s", owner);
	f.proto = EP_PROTO_TCP;
	ep_finding_set_ports(&f, lo, hi);
	snprintf(f.message, sizeof(f.message), "%s", HOSTILE_MSG);
	snprintf(f.evidence, sizeof(f.evidence), "%s", HOSTILE_EV);
	ep_finding_make_id(&f);
	return f;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 20);

	assert_non_null(f);
	assert_true(fread(s, 1, (1 << 20) - 1, f) < (1 << 20) - 1);
	fclose(f);
	return s;
}

/* Runs one sink over the standard results and findings; returns the file. */
static char *run_sink(const char *name, int complete)
{
	char path[] = "/tmp/ep_formats_XXXXXX", spec[80];
	int fd = mkstemp(path);
	struct ep_scan_info i = info();
	struct ep_sinks s = {0};
	struct ep_summary sum = {0};
	struct ep_diag d = {0};
	struct ep_result r[3] = {
	    result("10.0.0.1", EP_PROTO_TCP, 22, EP_STATE_OPEN, NULL),
	    result("fd00:ec5::1", EP_PROTO_TCP, 443, EP_STATE_FILTERED, NULL),
	    result("10.0.0.2", EP_PROTO_UDP, 53, EP_STATE_OPEN_FILTERED, "dns=\"x\"|y")};
	struct ep_finding f[3] = {
	    finding(EP_FINDING_UNEXPECTED_OPEN, EP_SEV_CRITICAL, HOSTILE_OWNER, "10.0.0.1", 22, 22),
	    finding(EP_FINDING_LATENT_EXPOSURE, EP_SEV_LOW, "lb/front door", "10.0.0.3", 8400,
	            8499),
	    finding(EP_FINDING_DECLARED_UNREACHABLE, EP_SEV_HIGH, "eni-0123456789abcdef0",
	            "fd00:ec5::2", 9000, 9000)};
	char *text;

	assert_true(fd >= 0);
	close(fd);
	snprintf(spec, sizeof(spec), "%s:%s", name, path);
	assert_int_equal(ep_sinks_open(&s, spec, &i, &d), 0);
	for (int k = 0; k < 3; k++)
		ep_sinks_result(&s, &r[k]);
	ep_sinks_flush(&s);
	for (int k = 0; k < 3; k++)
		ep_sinks_finding(&s, &f[k]);
	sum.info = &i;
	sum.results = 3;
	sum.complete = complete;
	sum.unfinished = complete ? 0 : 5;
	sum.duration_s = 1.5;
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
	text = slurp(path);
	unlink(path);
	return text;
}

static void check_escape(int header, const char *in, const char *want)
{
	struct ep_buf b;

	ep_buf_init(&b, 4096);
	assert_int_equal(header ? ep_export_cef_header(&b, in) : ep_export_cef_value(&b, in), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, want);
	ep_buf_free(&b);
}

static void test_cef_header_escape(void **state)
{
	(void)state;
	check_escape(1, "plain", "plain");
	check_escape(1, "a|b", "a\\|b");
	check_escape(1, "back\\slash", "back\\\\slash");
	check_escape(1, "eq=ok", "eq=ok"); /* equals need no escape in the header */
	check_escape(1, "cr\rlf\nend", "cr lf end");
	check_escape(1, "\\|", "\\\\\\|");
	check_escape(1, "tab\tbell\a", "tab bell ");
	check_escape(1, "", "");
}

static void test_cef_value_escape(void **state)
{
	(void)state;
	check_escape(0, "plain value", "plain value");
	check_escape(0, "a=b", "a\\=b");
	check_escape(0, "pipe|stays", "pipe|stays");
	check_escape(0, "back\\slash", "back\\\\slash");
	check_escape(0, "l1\nl2\rl3", "l1\\nl2\\rl3");
	check_escape(0, "\\=", "\\\\\\=");
	check_escape(0, "x\x7fy", "x y");
}

static void test_cef_hostile_finding(void **state)
{
	char *text = run_sink("cef", 1);
	char fields[7][400], v[600], *line = text, *nl;
	const char *ext;
	int findings = 0, lines = 0;

	(void)state;
	for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		lines++;
		assert_null(strchr(line, '\r'));
		assert_memory_equal(line, "CEF:0|ecsprobe|ecsprobe|", 24);
		ext = cef_header(line, fields);
		assert_int_equal(cef_get(ext, "rt", v, sizeof(v)), 0);
		assert_int_equal(cef_get(ext, "externalId", v, sizeof(v)), 0);
		if (strcmp(fields[4], "unexpected_open") != 0)
			continue;
		findings++;
		/* CR/LF are not allowed in a header: spaces; the rest survives */
		assert_string_equal(fields[5],
		                    "unexpected_open tcp/22 on cl|x=y\\z/svc  name/ct\"q");
		assert_string_equal(fields[6], "10");
		assert_int_equal(cef_get(ext, "cs2", v, sizeof(v)), 0);
		assert_string_equal(v, HOSTILE_OWNER);
		assert_int_equal(cef_get(ext, "msg", v, sizeof(v)), 0);
		assert_string_equal(v, HOSTILE_MSG);
		assert_int_equal(cef_get(ext, "cs1", v, sizeof(v)), 0);
		assert_string_equal(v, "rule \\= 1 | from 0.0.0.0/0 \"quoted\" ");
		assert_int_equal(cef_get(ext, "dst", v, sizeof(v)), 0);
		assert_string_equal(v, "10.0.0.1");
		assert_int_equal(cef_get(ext, "cs3", v, sizeof(v)), 0);
		assert_string_equal(v, "111122223333");
	}
	assert_int_equal(lines, 6);
	assert_int_equal(findings, 1);
	free(text);
}

static void test_cef_results(void **state)
{
	char *text = run_sink("cef", 1);
	char fields[7][400], v[200];
	const char *ext;
	char *l2 = strchr(text, '\n') + 1, *l3 = strchr(l2, '\n') + 1;

	(void)state;
	*strchr(text, '\n') = '\0';
	*strchr(l2, '\n') = '\0';
	*strchr(l3, '\n') = '\0';
	ext = cef_header(text, fields);
	assert_int_equal(cef_get(ext, "dst", v, sizeof(v)), 0);
	assert_string_equal(v, "10.0.0.1");
	assert_int_equal(cef_get(ext, "dpt", v, sizeof(v)), 0);
	assert_string_equal(v, "22");
	ext = cef_header(l2, fields); /* the IPv6 result */
	assert_string_equal(fields[4], "port-filtered");
	assert_int_equal(cef_get(ext, "c6a3", v, sizeof(v)), 0);
	assert_string_equal(v, "fd00:ec5::1");
	assert_int_equal(cef_get(ext, "dst", v, sizeof(v)), -1);
	ext = cef_header(l3, fields); /* UDP with a hostile probe name */
	assert_string_equal(fields[5], "udp port open or filtered");
	assert_int_equal(cef_get(ext, "cs1", v, sizeof(v)), 0);
	assert_string_equal(v, "dns=\"x\"|y");
	assert_int_equal(cef_get(ext, "proto", v, sizeof(v)), 0);
	assert_string_equal(v, "UDP");
	free(text);
}

static void test_severities(void **state)
{
	static const int ocsf[] = {2, 3, 4, 5}, cef[] = {3, 5, 8, 10}, ecs[] = {21, 47, 73, 99};
	static const char *const sarif[] = {"note", "warning", "error", "error"};
	static const char *const asff[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};

	(void)state;
	for (int s = EP_SEV_LOW; s <= EP_SEV_CRITICAL; s++) {
		assert_int_equal(ep_export_sev_ocsf((enum ep_severity)s), ocsf[s]);
		assert_int_equal(ep_export_sev_cef((enum ep_severity)s), cef[s]);
		assert_int_equal(ep_export_sev_ecs((enum ep_severity)s), ecs[s]);
		assert_string_equal(ep_export_sev_sarif((enum ep_severity)s), sarif[s]);
		assert_string_equal(ep_export_sev_asff((enum ep_severity)s), asff[s]);
	}
}

static void test_owner(void **state)
{
	struct ep_owner o;

	(void)state;
	ep_export_owner("prod/web/nginx", &o);
	assert_int_equal(o.kind, EP_OWNER_ECS);
	assert_string_equal(o.cluster, "prod");
	assert_string_equal(o.service, "web");
	assert_string_equal(o.container, "nginx");
	ep_export_owner("prod/web", &o);
	assert_int_equal(o.kind, EP_OWNER_ECS);
	assert_string_equal(o.service, "web");
	assert_string_equal(o.container, "");
	ep_export_owner("lb/front", &o);
	assert_int_equal(o.kind, EP_OWNER_LB);
	assert_string_equal(o.name, "front");
	ep_export_owner("lb/svc/ct", &o); /* a cluster named lb */
	assert_int_equal(o.kind, EP_OWNER_ECS);
	assert_string_equal(o.cluster, "lb");
	ep_export_owner("eni-0abc", &o);
	assert_int_equal(o.kind, EP_OWNER_ENI);
	assert_string_equal(o.name, "eni-0abc");
	assert_string_equal(ep_export_partition("cn-north-1"), "aws-cn");
	assert_string_equal(ep_export_partition("us-gov-west-1"), "aws-us-gov");
	assert_string_equal(ep_export_partition("eu-west-1"), "aws");
}

/* The run-copying JSON escaper writes what ep_buf_json_str writes. */
static void test_json_str(void **state)
{
	char all[256];
	const char *cases[] = {"", "plain", "q\"b\\s/", "\r\n\t\x01\x1f\x7f\x80\xff", all};
	struct ep_buf a, b;

	(void)state;
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		ep_buf_init(&a, 4096);
		ep_buf_init(&b, 4096);
		assert_int_equal(ep_export_json_str(&a, cases[k]), 0);
		assert_int_equal(ep_buf_json_str(&b, cases[k]), 0);
		assert_string_equal(a.data, b.data);
		ep_buf_free(&a);
		ep_buf_free(&b);
	}
}

static void test_result_id_and_time(void **state)
{
	struct ep_result a = result("10.0.0.1", EP_PROTO_TCP, 22, EP_STATE_OPEN, NULL);
	struct ep_result b = a, c = a;
	char ia[17], ib[17], ic[17], text[40];
	uint64_t ns;

	(void)state;
	b.state = EP_STATE_CLOSED; /* the id names the target, not its state */
	c.t.port = 23;
	ep_export_result_id("scan-1", &a, ia);
	ep_export_result_id("scan-1", &b, ib);
	ep_export_result_id("scan-1", &c, ic);
	assert_int_equal(strlen(ia), 16);
	assert_int_equal(strspn(ia, "0123456789abcdef"), 16);
	assert_string_equal(ia, ib);
	assert_string_not_equal(ia, ic);
	ep_export_result_id("scan-2", &a, ib);
	assert_string_not_equal(ia, ib);

	ep_time_format(1700000000123456000ULL, text, sizeof(text));
	assert_int_equal(ep_export_time_parse(text, &ns), 0);
	assert_true(ns == 1700000000123456000ULL);
	assert_int_equal(ep_export_time_parse("2026-11-29T13:40:22Z", &ns), 0);
	assert_true(ns % 1000000000u == 0);
	assert_int_equal(ep_export_time_parse("2026-11-29 13:40:22Z", &ns), EP_EPARSE);
	assert_int_equal(ep_export_time_parse("2026-11-29T13:40:22+01:00", &ns), EP_EPARSE);
}

/* Each line of text parses; counts lines whose member path equals want. */
static int each_line(char *text, const char *k1, const char *k2, const char *want, int *lines)
{
	char *line = text, *nl;
	int hits = 0;

	*lines = 0;
	for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		cJSON *j, *v;

		*nl = '\0';
		j = cJSON_Parse(line);
		assert_non_null(j);
		(*lines)++;
		v = cJSON_GetObjectItemCaseSensitive(j, k1);
		if (k2)
			v = cJSON_GetObjectItemCaseSensitive(v, k2);
		if ((cJSON_IsString(v) && strcmp(v->valuestring, want) == 0) ||
		    (cJSON_IsNumber(v) && v->valuedouble == strtod(want, NULL)))
			hits++;
		cJSON_Delete(j);
	}
	return hits;
}

static cJSON *path(cJSON *j, const char *a, const char *b, const char *c)
{
	j = cJSON_GetObjectItemCaseSensitive(j, a);
	if (b)
		j = cJSON_GetObjectItemCaseSensitive(j, b);
	if (c)
		j = cJSON_GetObjectItemCaseSensitive(j, c);
	return j;
}

/* The hostile finding's line (the first one of class 2004) round-trips. */
static void test_ocsf_json(void **state)
{
	char *text = run_sink("ocsf", 1), *copy = strdup(text), *p;
	int lines;
	cJSON *j;

	(void)state;
	assert_int_equal(each_line(copy, "class_uid", NULL, "4001", &lines), 3);
	assert_int_equal(lines, 6);
	free(copy);
	copy = strdup(text);
	assert_int_equal(each_line(copy, "class_uid", NULL, "2004", &lines), 3);
	free(copy);
	p = strstr(text, "{\"class_uid\":2004");
	assert_non_null(p);
	*strchr(p, '\n') = '\0';
	j = cJSON_Parse(p);
	assert_non_null(j);
	assert_int_equal(path(j, "severity_id", NULL, NULL)->valueint, 5);
	assert_int_equal(path(j, "type_uid", NULL, NULL)->valueint, 200401);
	assert_string_equal(path(j, "message", NULL, NULL)->valuestring, HOSTILE_MSG);
	assert_string_equal(path(j, "unmapped", "ecsprobe", "owner")->valuestring, HOSTILE_OWNER);
	assert_string_equal(path(j, "cloud", "account", "uid")->valuestring, "111122223333");
	assert_int_equal(strlen(path(j, "finding_info", "uid", NULL)->valuestring), 16);
	assert_string_equal(
	    cJSON_GetArrayItem(path(j, "evidences", NULL, NULL), 0)->child->child->valuestring,
	    "10.0.0.1");
	cJSON_Delete(j);
	free(text);
}

static void test_elastic_json(void **state)
{
	char *text = run_sink("elastic", 1), *copy = strdup(text), *p;
	int lines;
	cJSON *j;

	(void)state;
	assert_int_equal(each_line(copy, "event", "kind", "state", &lines), 3);
	assert_int_equal(lines, 6);
	free(copy);
	copy = strdup(text);
	assert_int_equal(each_line(copy, "event", "kind", "alert", &lines), 3);
	free(copy);
	p = strstr(text, "{\"@timestamp\":\"2023-11-14T22:13:20.123456Z\"");
	assert_non_null(p);
	p = strstr(text, "\"kind\":\"alert\"");
	while (p > text && p[-1] != '\n')
		p--;
	*strchr(p, '\n') = '\0';
	j = cJSON_Parse(p);
	assert_non_null(j);
	assert_string_equal(path(j, "orchestrator", "cluster", "name")->valuestring, "cl|x=y\\z");
	assert_string_equal(path(j, "orchestrator", "resource", "name")->valuestring,
	                    "svc\r\nname");
	assert_string_equal(path(j, "container", "name", NULL)->valuestring, "ct\"q");
	assert_string_equal(path(j, "rule", "id", NULL)->valuestring, "unexpected_open");
	assert_int_equal(path(j, "event", "severity", NULL)->valueint, 99);
	assert_string_equal(path(j, "network", "transport", NULL)->valuestring, "tcp");
	cJSON_Delete(j);
	free(text);
}

static void test_elastic_bulk(void **state)
{
	char *text = run_sink("elastic-bulk", 1), *line = text, *nl;
	int n = 0;

	(void)state;
	for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1, n++) {
		cJSON *j;

		*nl = '\0';
		j = cJSON_Parse(line);
		assert_non_null(j);
		if (n % 2 == 0) {
			const char *index = path(j, "index", "_index", NULL)->valuestring;

			assert_string_equal(index,
			                    n < 6 ? "ecsprobe-results" : "ecsprobe-findings");
			assert_int_equal(strlen(path(j, "index", "_id", NULL)->valuestring), 16);
		}
		cJSON_Delete(j);
	}
	assert_int_equal(n, 12);
	free(text);
}

static void test_sarif_json(void **state)
{
	char *text = run_sink("sarif", 0);
	cJSON *j = cJSON_Parse(text), *run, *rules, *res, *uri;

	(void)state;
	assert_non_null(j);
	assert_string_equal(path(j, "version", NULL, NULL)->valuestring, "2.1.0");
	run = cJSON_GetArrayItem(path(j, "runs", NULL, NULL), 0);
	rules = path(run, "tool", "driver", "rules");
	assert_int_equal(cJSON_GetArraySize(rules), 4);
	/* the worst finding of a kind sets its rule's security-severity */
	assert_string_equal(
	    path(cJSON_GetArrayItem(rules, 0), "properties", "security-severity", NULL)
	        ->valuestring,
	    "9.5");
	res = path(run, "results", NULL, NULL);
	assert_int_equal(cJSON_GetArraySize(res), 3);
	assert_string_equal(path(cJSON_GetArrayItem(res, 0), "level", NULL, NULL)->valuestring,
	                    "error");
	assert_string_equal(path(cJSON_GetArrayItem(res, 1), "level", NULL, NULL)->valuestring,
	                    "note");
	assert_int_equal(path(cJSON_GetArrayItem(res, 1), "ruleIndex", NULL, NULL)->valueint, 3);
	uri = path(cJSON_GetArrayItem(path(cJSON_GetArrayItem(res, 1), "locations", NULL, NULL), 0),
	           "physicalLocation", "artifactLocation", "uri");
	assert_string_equal(uri->valuestring, "aws/111122223333/eu-west-1/lb/front%20door");
	/* an incomplete scan is not a successful execution, and says why */
	assert_true(cJSON_IsFalse(path(cJSON_GetArrayItem(path(run, "invocations", NULL, NULL), 0),
	                               "executionSuccessful", NULL, NULL)));
	assert_non_null(path(cJSON_GetArrayItem(path(run, "invocations", NULL, NULL), 0),
	                     "toolExecutionNotifications", NULL, NULL));
	cJSON_Delete(j);
	free(text);
}

static void test_asff_json(void **state)
{
	static const char *const required[] = {
	    "SchemaVersion", "Id",        "ProductArn", "GeneratorId", "AwsAccountId", "Types",
	    "CreatedAt",     "UpdatedAt", "Severity",   "Title",       "Description",  "Resources"};
	char *text = run_sink("asff", 1);
	cJSON *j = cJSON_Parse(text), *f, *net;
	char id[96];

	(void)state;
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(j), 3);
	cJSON_ArrayForEach(f, j)
	{
		for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
			assert_non_null(cJSON_GetObjectItemCaseSensitive(f, required[k]));
		assert_true(strlen(path(f, "Title", NULL, NULL)->valuestring) <= 256);
		assert_true(cJSON_GetArraySize(path(f, "Resources", NULL, NULL)) >= 1);
		assert_string_equal(path(f, "ProductArn", NULL, NULL)->valuestring,
		                    "arn:aws:securityhub:eu-west-1:111122223333:product/"
		                    "111122223333/default");
	}
	f = cJSON_GetArrayItem(j, 1);
	assert_string_equal(path(f, "Severity", "Label", NULL)->valuestring, "LOW");
	assert_string_equal(path(f, "GeneratorId", NULL, NULL)->valuestring,
	                    "ecsprobe/latent_exposure");
	net = path(f, "Network", NULL, NULL);
	assert_int_equal(path(net, "OpenPortRange", "Begin", NULL)->valueint, 8400);
	assert_int_equal(path(net, "OpenPortRange", "End", NULL)->valueint, 8499);
	assert_int_equal(path(net, "DestinationPort", NULL, NULL)->valueint, 8400);
	f = cJSON_GetArrayItem(j, 2);
	assert_string_equal(path(f, "Network", "DestinationIpV6", NULL)->valuestring,
	                    "fd00:ec5::2");
	assert_string_equal(
	    path(cJSON_GetArrayItem(path(f, "Resources", NULL, NULL), 0), "Type", NULL, NULL)
	        ->valuestring,
	    "AwsEc2NetworkInterface");
	{
		struct ep_finding g = finding(EP_FINDING_DECLARED_UNREACHABLE, EP_SEV_HIGH,
		                              "eni-0123456789abcdef0", "fd00:ec5::2", 9000, 9000);

		ep_asff_id(&g, id, sizeof(id));
		assert_string_equal(path(f, "Id", NULL, NULL)->valuestring, id);
		assert_memory_equal(id, "ecsprobe/111122223333/eu-west-1/", 32);
	}
	cJSON_Delete(j);
	free(text);
}

/* The shared renderer: object and text agree; long values stay in limits. */
static void test_asff_renderer(void **state)
{
	struct ep_finding f =
	    finding(EP_FINDING_UNEXPECTED_OPEN, EP_SEV_MEDIUM, "c/s/x", "10.1.1.1", 80, 80);
	struct ep_buf b;
	cJSON *o, *p;
	char *text;

	(void)state;
	memset(f.owner, 'o', sizeof(f.owner) - 1);
	f.owner[sizeof(f.owner) - 1] = '\0';
	memcpy(f.owner, "c/s/", 4);
	snprintf(f.first_seen, sizeof(f.first_seen), "2026-01-01T00:00:00.000000Z");
	snprintf(f.last_seen, sizeof(f.last_seen), "2026-02-01T00:00:00.000000Z");
	o = ep_asff_finding(&f, "scan-9", "2026-02-01T00:00:01.000000Z");
	assert_non_null(o);
	assert_true(strlen(path(o, "Title", NULL, NULL)->valuestring) <= 256);
	assert_string_equal(path(o, "CreatedAt", NULL, NULL)->valuestring,
	                    "2026-01-01T00:00:00.000000Z");
	assert_string_equal(path(o, "UpdatedAt", NULL, NULL)->valuestring,
	                    "2026-02-01T00:00:01.000000Z");
	assert_string_equal(path(o, "ProductFields", "ecsprobe/scan_id", NULL)->valuestring,
	                    "scan-9");
	text = cJSON_PrintUnformatted(o);
	ep_buf_init(&b, 1 << 16);
	assert_int_equal(ep_asff_finding_buf(&b, &f, "scan-9", "2026-02-01T00:00:01.000000Z"), 0);
	assert_string_equal(b.data, text);
	p = cJSON_Parse(b.data);
	assert_non_null(p);
	cJSON_Delete(p);
	cJSON_free(text);
	ep_buf_free(&b);
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cef_header_escape),
	    cmocka_unit_test(test_cef_value_escape),
	    cmocka_unit_test(test_cef_hostile_finding),
	    cmocka_unit_test(test_cef_results),
	    cmocka_unit_test(test_severities),
	    cmocka_unit_test(test_owner),
	    cmocka_unit_test(test_json_str),
	    cmocka_unit_test(test_result_id_and_time),
	    cmocka_unit_test(test_ocsf_json),
	    cmocka_unit_test(test_elastic_json),
	    cmocka_unit_test(test_elastic_bulk),
	    cmocka_unit_test(test_sarif_json),
	    cmocka_unit_test(test_asff_json),
	    cmocka_unit_test(test_asff_renderer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
