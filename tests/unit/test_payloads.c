/* Probe payload files: the format, its diagnostics, payload choice, reply
 * matchers, and the shipped probes/ directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe/payloads.h"

static int parse(struct ep_payloads *s, const char *text, struct ep_diag *d)
{
	memset(d, 0, sizeof(*d));
	return ep_payloads_parse(s, "some/dir/t.probe", text, strlen(text), d);
}

static const struct ep_payload *find(const struct ep_payloads *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->p[i].name, name) == 0)
			return &s->p[i];
	return NULL;
}

static void test_good_file(void **state)
{
	static const char text[] = "# a comment\n"
	                           "\n"
	                           "probe dns-a\n"
	                           "  ports 53,5353\n"
	                           "\trarity 2\n"
	                           "payload \"\\xec\\x50\" \"AB\"\n"
	                           "payload \"\\x07version\"\n"
	                           "match offset 2 \"\\x81\"\n"
	                           "end\n"
	                           "probe padded\r\n"
	                           "proto tcp\r\n"
	                           "ports 80\r\n"
	                           "payload \"x\"\r\n"
	                           "pad 4\r\n"
	                           "payload \"y\"\r\n"
	                           "match mask \"\\x07\" \"\\x04\"\r\n"
	                           "end";
	static const uint8_t want[] = {0xec, 0x50, 'A', 'B', 0x07, 'v',
	                               'e',  'r',  's', 'i', 'o',  'n'};
	static const uint8_t padded[] = {'x', 0, 0, 0, 'y'};
	struct ep_payloads s = {0};
	struct ep_diag d;
	const struct ep_payload *p;

	(void)state;
	assert_int_equal(parse(&s, text, &d), 0);
	assert_int_equal(s.n, 2);
	assert_null(s.generic);
	p = &s.p[0];
	assert_string_equal(p->name, "dns-a");
	assert_string_equal(p->file, "t.probe");
	assert_int_equal(p->line, 3);
	assert_int_equal(p->proto, EP_PROTO_UDP);
	assert_int_equal(p->ports.count, 2);
	assert_true(ep_portset_has(&p->ports, 53) && ep_portset_has(&p->ports, 5353));
	assert_int_equal(p->rarity, 2);
	assert_int_equal(p->len, sizeof(want));
	assert_memory_equal(p->data, want, sizeof(want));
	assert_int_equal(p->match_len, 1);
	assert_int_equal(p->match_offset, 2);
	assert_int_equal(p->match[0], 0x81);
	assert_null(p->match_mask);
	p = &s.p[1];
	assert_int_equal(p->proto, EP_PROTO_TCP);
	assert_int_equal(p->rarity, 5); /* the default */
	assert_int_equal(p->len, sizeof(padded));
	assert_memory_equal(p->data, padded, sizeof(padded));
	assert_non_null(p->match_mask);
	assert_int_equal(p->match_mask[0], 0x07);
	ep_payloads_free(&s);
	assert_int_equal(s.n, 0);
}

static void test_every_escape(void **state)
{
	static const uint8_t want[] = {0x00, 0xff, 0xab, 0x4a, '\n', '\r', '\t', '\\',
	                               '"',  0,    'A',  ' ',  '~',  0x04, 'b'};
	struct ep_payloads s = {0};
	struct ep_diag d;

	(void)state;
	assert_int_equal(parse(&s,
	                       "probe e\nports 9\n"
	                       "payload \"\\x00\\xff\\xAb\\x4a\\n\\r\\t\\\\\\\"\\0A ~\\x04b\"\n"
	                       "end\n",
	                       &d),
	                 0);
	assert_int_equal(s.p[0].len, sizeof(want));
	assert_memory_equal(s.p[0].data, want, sizeof(want));
	ep_payloads_free(&s);
	/* an empty payload is a payload */
	assert_int_equal(parse(&s, "probe e\nports 9\npayload \"\"\nend\n", &d), 0);
	assert_int_equal(s.p[0].len, 0);
	assert_non_null(s.p[0].data);
	ep_payloads_free(&s);
}

/* text must fail with "t.probe:WHERE: ...MSG..." and leave s as it was. */
static void badn(struct ep_payloads *s, const char *text, size_t len, const char *where,
                 const char *msg)
{
	struct ep_diag d = {0};
	char line[600], prefix[64];
	size_t n0 = s->n;
	ptrdiff_t g0 = s->generic ? s->generic - s->p : -1; /* s->p may move */

	assert_int_equal(ep_payloads_parse(s, "some/dir/t.probe", text, len, &d), EP_EPARSE);
	ep_diag_format(&d, line, sizeof(line));
	snprintf(prefix, sizeof(prefix), "t.probe:%s: ", where);
	if (strncmp(line, prefix, strlen(prefix)) != 0 || strstr(line, msg) == NULL)
		fail_msg("for %s\ngot  '%s'\nwant '%s...%s'", text, line, prefix, msg);
	assert_int_equal(s->n, n0);
	assert_int_equal(s->generic ? s->generic - s->p : -1, g0);
}

static void bad(struct ep_payloads *s, const char *text, const char *where, const char *msg)
{
	badn(s, text, strlen(text), where, msg);
}

static void test_bad_input(void **state)
{
	struct ep_payloads s = {0};
	char *big = malloc(6000);

	(void)state;
	bad(&s, "probe a\nports 1\npayld \"x\"\nend\n", "3:1", "unknown directive 'payld'");
	bad(&s, "probe a\nports 1\npayload \"ab\\q\"\nend\n", "3:12", "bad escape '\\q'");
	bad(&s, "probe a\nports 1\npayload \"\\x4g\"\nend\n", "3:10", "two hex digits");
	bad(&s, "probe a\nports 1\npayload \"\\x\"\nend\n", "3:10", "two hex digits");
	bad(&s, "probe a\nports 1\npayload \"\\012\"\nend\n", "3:10", "not octal");
	bad(&s, "probe a\nports 1\npayload \"abc\nend\n", "3:9", "unterminated string");
	bad(&s, "probe a\nports 1\npayload \"abc\\\"\nend\n", "3:9", "unterminated string");
	bad(&s, "probe a\nports 1\npayload \"a\tb\"\nend\n", "3:11", "byte 0x09 in a string");
	bad(&s, "probe a\nports 1\npayload \"\xc3\xa9\"\nend\n", "3:10", "byte 0xc3");
	bad(&s, "probe a\nports 1\npayload abc\nend\n", "3:9", "expected a quoted string");
	bad(&s, "probe a\nports 1\npayload \"a\" junk\nend\n", "3:13", "unexpected 'junk'");
	bad(&s, "probe a\nports 1\npad 1400\npayload \"x\"\nend\n", "4:10",
	    "payload longer than 1400 bytes");
	bad(&s, "probe a\nports 1\npad 1401\nend\n", "3:5", "pad 1401 out of range 0-1400");
	bad(&s, "probe a\nports 1\npayload \"abc\"\npad 2\nend\n", "4:5", "shorter than the");
	bad(&s, "probe a\npayload \"x\"\nend\n", "1:1", "probe 'a' has no 'ports'");
	bad(&s, "probe a\nports 1\nend\n", "1:1", "probe 'a' has no 'payload'");
	bad(&s, "probe a\nports 1\npayload \"x\"\nend\nprobe a\n", "5:7",
	    "duplicate probe name 'a' (first in t.probe:1)");
	bad(&s,
	    "probe g1\nports *\npayload \"\"\nend\n"
	    "probe g2\nports *\npayload \"\"\nend\n",
	    "6:7", "second generic probe");
	bad(&s, "probe a\nports 70000\npayload \"x\"\nend\n", "2:7",
	    "bad port list: port 70000 out of range");
	bad(&s, "probe a\nports 53,x\npayload \"x\"\nend\n", "2:10", "bad port list: expected");
	bad(&s, "probe a\nports T:80\npayload \"x\"\nend\n", "2:7", "tcp ports in a udp probe");
	bad(&s, "probe a\nports\npayload \"x\"\nend\n", "2:6", "needs a port list");
	bad(&s, "probe a\nports 1\nports 2\n", "3:7", "second 'ports'");
	bad(&s, "probe a\nports 1\npayload \"x\"\nend junk\n", "4:5",
	    "unexpected 'junk' after 'end'");
	bad(&s, "probe a\nports 1\npayload \"x\"\nend\nports 2\n", "5:1",
	    "'ports' outside a probe block");
	bad(&s, "probe a\nports 1\npayload \"x\"\n", "1:1", "probe 'a' has no 'end'");
	bad(&s, "probe a\nports 1\nprobe b\n", "3:7", "'probe' before the 'end' of probe 'a'");
	bad(&s, "probe\n", "1:6", "'probe' needs a name");
	bad(&s, "probe a/b\n", "1:7", "bad probe name 'a/b'");
	bad(&s, "probe a b\n", "1:9", "unexpected 'b' after 'probe'");
	bad(&s, "probe a\nrarity 0\n", "2:8", "rarity 0 out of range 1-9");
	bad(&s, "probe a\nrarity often\n", "2:8", "expected a number for 'rarity'");
	bad(&s, "probe a\nports 1\nproto udp\n", "3:7", "'proto' must come before 'ports'");
	bad(&s, "probe a\nproto sctp\n", "2:7", "'proto' is udp or tcp");
	bad(&s, "probe a\nmatch \"\"\n", "2:7", "empty 'match'");
	bad(&s, "probe a\nmatch mask \"\\xff\" \"ab\"\n", "2:19",
	    "mask is 1 bytes but the match is 2");
	bad(&s, "probe a\nmatch mask \"\\x07\" \"\\x08\"\n", "2:19", "bits outside its mask");
	bad(&s, "probe a\nmatch offset x \"a\"\n", "2:14", "expected a number for 'offset'");
	bad(&s, "probe a\nmatch \"a\"\nmatch \"b\"\n", "3:7", "second 'match'");
	bad(&s, "probe a\nports 1\npayload \"x\"\nrarity 2\nrarity 3\n", "5:8", "second 'rarity'");
	badn(&s, "probe a\nports 1\npayload \"x\"\0\nend\n", 31, "3:1", "NUL byte");
	memset(big, 'a', 5000);
	memcpy(big, "probe ", 6);
	big[5000] = '\0';
	bad(&s, big, "1:1", "line longer than 4096 bytes");
	free(big);
	ep_payloads_free(&s);
}

/* A failed parse leaves what earlier calls loaded, generic included. */
static void test_rollback(void **state)
{
	struct ep_payloads s = {0};
	struct ep_diag d;

	(void)state;
	assert_int_equal(parse(&s, "probe g\nports *\npayload \"\"\nend\n", &d), 0);
	assert_ptr_equal(s.generic, &s.p[0]);
	/* nine more probes force a reallocation before the error */
	bad(&s,
	    "probe a1\nports 1\npayload \"\"\nend\nprobe a2\nports 1\npayload \"\"\nend\n"
	    "probe a3\nports 1\npayload \"\"\nend\nprobe a4\nports 1\npayload \"\"\nend\n"
	    "probe a5\nports 1\npayload \"\"\nend\nprobe a6\nports 1\npayload \"\"\nend\n"
	    "probe a7\nports 1\npayload \"\"\nend\nprobe a8\nports 1\npayload \"\"\nend\n"
	    "probe a9\nports 1\npayload \"\"\nend\nprobe a1\n",
	    "37:7", "duplicate probe name 'a1'");
	assert_int_equal(s.n, 1);
	assert_string_equal(s.generic->name, "g");
	ep_payloads_free(&s);
}

static void test_choice(void **state)
{
	struct ep_payloads s = {0};
	struct ep_diag d;

	(void)state;
	assert_int_equal(parse(&s,
	                       "probe rare\nports 53\nrarity 7\npayload \"r\"\nend\n"
	                       "probe common\nports 53,123\nrarity 1\npayload \"c\"\nend\n"
	                       "probe tie\nports 53\nrarity 1\npayload \"t\"\nend\n"
	                       "probe tcp\nproto tcp\nports 53\nrarity 1\npayload \"t\"\nend\n",
	                       &d),
	                 0);
	assert_string_equal(ep_payloads_for(&s, EP_PROTO_UDP, 53)->name, "common");
	assert_string_equal(ep_payloads_for(&s, EP_PROTO_UDP, 123)->name, "common");
	assert_string_equal(ep_payloads_for(&s, EP_PROTO_TCP, 53)->name, "tcp");
	assert_null(ep_payloads_for(&s, EP_PROTO_UDP, 54)); /* no generic yet */
	assert_int_equal(parse(&s, "probe other\nports *\nrarity 9\npayload \"\"\nend\n", &d), 0);
	assert_string_equal(ep_payloads_for(&s, EP_PROTO_UDP, 54)->name, "other");
	assert_string_equal(ep_payloads_for(&s, EP_PROTO_UDP, 53)->name, "common");
	assert_null(ep_payloads_for(&s, EP_PROTO_TCP, 54)); /* the generic is UDP */
	ep_payloads_free(&s);
}

static void test_matchers(void **state)
{
	static const uint8_t r1[] = {0xec, 0x50, 0x81, 0x80};
	static const uint8_t r2[] = {0xec, 0x50, 0x01, 0x80};
	static const uint8_t ntp[] = {0x24, 1, 2, 3};
	static const uint8_t ntp_client[] = {0x23};
	struct ep_payloads s = {0};
	struct ep_diag d;
	const struct ep_payload *p;

	(void)state;
	assert_int_equal(
	    parse(&s,
	          "probe id\nports 1\npayload \"\"\n"
	          "match mask \"\\xff\\xff\\x80\" \"\\xec\\x50\\x80\"\nend\n"
	          "probe off\nports 2\npayload \"\"\nmatch offset 2 \"\\x81\"\nend\n"
	          "probe mode\nports 3\npayload \"\"\nmatch mask \"\\x07\" \"\\x04\"\nend\n"
	          "probe any\nports 4\npayload \"\"\nend\n",
	          &d),
	    0);
	p = find(&s, "id");
	assert_true(ep_payload_matches(p, r1, sizeof(r1)));
	assert_false(ep_payload_matches(p, r2, sizeof(r2)));
	assert_false(ep_payload_matches(p, r1, 2)); /* too short */
	p = find(&s, "off");
	assert_true(ep_payload_matches(p, r1, 3));
	assert_false(ep_payload_matches(p, r1, 2));
	assert_false(ep_payload_matches(p, r2, sizeof(r2)));
	p = find(&s, "mode");
	assert_true(ep_payload_matches(p, ntp, sizeof(ntp)));
	assert_false(ep_payload_matches(p, ntp_client, sizeof(ntp_client)));
	assert_false(ep_payload_matches(p, NULL, 0));
	p = find(&s, "any");
	assert_true(ep_payload_matches(p, NULL, 0));
	ep_payloads_free(&s);
}

static const char *probes_dir(void)
{
	const char *dir = getenv("EP_PROBES_DIR");

	return dir && *dir ? dir : "probes";
}

/* A reply built for each shipped matcher must match it. */
static void check_reply(const struct ep_payloads *s, const char *name, const void *reply,
                        size_t len, int echoes)
{
	const struct ep_payload *p = find(s, name);

	assert_non_null(p);
	if (!ep_payload_matches(p, reply, len))
		fail_msg("a %s reply does not match", name);
	/* and the request is not taken for its own reply, unless the reply
	 * echoes the matched part (a cookie, an id, the SEQUENCE tag) */
	if (!echoes && ep_payload_matches(p, p->data, p->len))
		fail_msg("%s matches its own request", name);
}

static void test_shipped(void **state)
{
	static const struct {
		uint16_t port;
		const char *name;
	} want[] = {
	    {53, "dns-version-bind"},
	    {123, "ntp-client"},
	    {161, "snmp-v1-public"},
	    {1900, "ssdp-msearch"},
	    {11211, "memcached-stats"},
	    {137, "netbios-nbstat"},
	    {5353, "mdns-services"},
	    {500, "ike-main-mode"},
	    {4500, "ike-nat-t"},
	    {5060, "sip-options"},
	    {1194, "openvpn-hard-reset"},
	    {3389, "rdp-udp-syn"},
	    {19, "chargen"},
	    {17, "qotd"},
	    {13, "daytime"},
	    {7, "echo"},
	    {9999, "generic"},
	};
	static const char *also[] = {"dns-root-ns", "ntp-monlist", "snmp-v2c-public"};
	static const uint8_t dns[] = {0xec, 0x50, 0x84, 0x00};
	static const uint8_t ntp[48] = {0x24};
	static const uint8_t monlist[] = {0x97, 0x00, 0x03, 0x2a};
	static const uint8_t nbstat[] = {0xec, 0x52, 0x84, 0x00};
	static const uint8_t mdns[] = {0xec, 0x53, 0x84, 0x00};
	static const uint8_t ike[] = "ECSPROBE\x12\x34\x56\x78\x9a\xbc\xde\xf0";
	static const uint8_t ovpn[] = {0x40, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 0};
	static const uint8_t rdp[] = {0x45, 0x50, 0x52, 0x44, 0x04, 0x00, 0x00, 0x05};
	static const uint8_t snmp[] = {0x30, 0x81, 0x90};
	static const uint8_t memc[] = {0x45, 0x50, 0, 0, 0, 1, 0, 0, 'S', 'T', 'A', 'T'};
	uint8_t natt[20] = {0};
	struct ep_payloads s = {0};
	struct ep_diag d = {0};
	char line[600];
	int rc;

	(void)state;
	rc = ep_payloads_load_dir(&s, probes_dir(), &d);
	ep_diag_format(&d, line, sizeof(line));
	if (rc)
		fail_msg("loading %s: %s", probes_dir(), line);
	assert_non_null(s.generic);
	assert_string_equal(s.generic->name, "generic");
	assert_int_equal(s.generic->len, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct ep_payload *p = ep_payloads_for(&s, EP_PROTO_UDP, want[i].port);

		assert_non_null(p);
		if (strcmp(p->name, want[i].name) != 0)
			fail_msg("port %u: got %s, want %s", want[i].port, p->name, want[i].name);
		assert_true(p->len <= EP_PAYLOAD_MAX);
	}
	for (size_t i = 0; i < sizeof(also) / sizeof(also[0]); i++)
		assert_non_null(find(&s, also[i]));
	assert_int_equal(find(&s, "ntp-client")->len, 48);
	assert_int_equal(find(&s, "rdp-udp-syn")->len, 1232);
	assert_int_equal(find(&s, "ike-main-mode")->len, 84);
	check_reply(&s, "dns-version-bind", dns, sizeof(dns), 0);
	check_reply(&s, "ntp-client", ntp, sizeof(ntp), 0);
	check_reply(&s, "ntp-monlist", monlist, sizeof(monlist), 0);
	check_reply(&s, "netbios-nbstat", nbstat, sizeof(nbstat), 0);
	check_reply(&s, "mdns-services", mdns, sizeof(mdns), 0);
	check_reply(&s, "ike-main-mode", ike, sizeof(ike) - 1, 1);
	memcpy(natt + 4, ike, 16);
	check_reply(&s, "ike-nat-t", natt, sizeof(natt), 1);
	check_reply(&s, "openvpn-hard-reset", ovpn, sizeof(ovpn), 0);
	check_reply(&s, "rdp-udp-syn", rdp, sizeof(rdp), 0);
	check_reply(&s, "snmp-v1-public", snmp, sizeof(snmp), 1);
	check_reply(&s, "memcached-stats", memc, sizeof(memc), 1);
	check_reply(&s, "sip-options", "SIP/2.0 200 OK\r\n", 16, 0);
	check_reply(&s, "ssdp-msearch", "HTTP/1.1 200 OK\r\n", 17, 0);
	check_reply(&s, "echo", "ecsprobe\r\n", 10, 1);
	ep_payloads_free(&s);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/ep_payloads_XXXXXX", path[512], line[600];
	struct ep_payloads s = {0};
	struct ep_diag d;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* name order: a.probe before b.probe; other files are skipped */
	write_file(dir, "b.probe", "probe b\nports 2\npayload \"b\"\nend\n");
	write_file(dir, "a.probe", "probe a\nports 1\npayload \"a\"\nend\n");
	write_file(dir, "README.md", "not a probe file\n");
	write_file(dir, ".hidden.probe", "junk\n");
	assert_int_equal(ep_payloads_load_dir(&s, dir, &d), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.p[0].name, "a");
	assert_string_equal(s.p[1].file, "b.probe");
	/* a malformed third file: its basename and line; the set is kept */
	write_file(dir, "c.probe", "probe c\nports 3\npayld \"c\"\nend\n");
	ep_payloads_free(&s);
	assert_int_equal(ep_payloads_load_dir(&s, dir, &d), EP_EPARSE);
	ep_diag_format(&d, line, sizeof(line));
	assert_string_equal(line, "c.probe:3:1: unknown directive 'payld'");
	assert_int_equal(s.n, 0);
	snprintf(path, sizeof(path), "%s/c.probe", dir);
	unlink(path);
	/* a file over 1 MiB */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < (1 << 20) / 8 + 1; i++)
		fputs("#comment", f);
	fclose(f);
	assert_int_equal(ep_payloads_load_dir(&s, dir, &d), EP_EPARSE);
	assert_string_equal(d.file, "c.probe");
	assert_non_null(strstr(d.msg, "larger than"));
	assert_int_equal(s.n, 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.probe", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.probe", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/README.md", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.hidden.probe", dir);
	unlink(path);
	/* empty directory: nothing loaded, no error */
	assert_int_equal(ep_payloads_load_dir(&s, dir, &d), 0);
	assert_int_equal(s.n, 0);
	rmdir(dir);
	/* missing directory */
	assert_int_equal(ep_payloads_load_dir(&s, dir, &d), EP_EIO);
	assert_string_equal(d.file, dir);
	assert_non_null(strstr(d.msg, "cannot open the probes directory"));
	assert_null(s.p); /* as it was before the failed loads */
	ep_payloads_free(&s);
}

static void test_default_dir(void **state)
{
	(void)state;
	setenv("ECSPROBE_PROBES_DIR", "/somewhere/probes", 1);
	assert_string_equal(ep_payloads_default_dir(), "/somewhere/probes");
	unsetenv("ECSPROBE_PROBES_DIR");
	assert_non_null(strstr(ep_payloads_default_dir(), "/probes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_file),   cmocka_unit_test(test_every_escape),
	    cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_rollback),
	    cmocka_unit_test(test_choice),      cmocka_unit_test(test_matchers),
	    cmocka_unit_test(test_shipped),     cmocka_unit_test(test_load_dir),
	    cmocka_unit_test(test_default_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
