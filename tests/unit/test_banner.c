/* Banner classification and the requests --banners sends first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe/banner.h"

static const char *cls(const char *s)
{
	return ep_banner_classify((const uint8_t *)s, strlen(s), 0);
}

static void test_classify(void **state)
{
	static const uint8_t tls[] = {0x16, 0x03, 0x03, 0x00, 0x31, 0x02};
	static const uint8_t alert[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28};
	static const uint8_t mysql[] = {0x4a, 0x00, 0x00, 0x00, 0x0a, '8', '.', '0'};

	(void)state;
	assert_string_equal(cls("SSH-2.0-OpenSSH_9.2\r\n"), "ssh");
	assert_string_equal(cls("HTTP/1.1 404 Not Found\r\n"), "http");
	assert_string_equal(cls("220 mail.example ESMTP Postfix\r\n"), "smtp");
	assert_string_equal(cls("220 (vsFTPd 3.0.3)\r\n"), "ftp");
	assert_string_equal(cls("+OK Dovecot ready.\r\n"), "pop3");
	assert_string_equal(cls("* OK [CAPABILITY IMAP4rev1] ready\r\n"), "imap");
	assert_string_equal(cls("-NOAUTH Authentication required.\r\n"), "redis");
	assert_string_equal(cls("AMQP\x00\x00\x09\x01"), "amqp");
	assert_string_equal(cls("whatever"), "unknown");
	assert_string_equal(ep_banner_classify(NULL, 0, 0), "silent");
	assert_string_equal(ep_banner_classify(tls, sizeof(tls), 1), "tls");
	assert_string_equal(ep_banner_classify(alert, sizeof(alert), 1), "tls");
	assert_string_equal(ep_banner_classify(mysql, sizeof(mysql), 0), "mysql");
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The ClientHello's nested lengths agree with its size (RFC 5246 7.4.1.2). */
static void test_client_hello_lengths(void **state)
{
	const char *name;
	size_t len, off;
	const uint8_t *m = ep_banner_request(443, &len, &name);

	(void)state;
	assert_non_null(m);
	assert_string_equal(name, "tls-client-hello");
	assert_int_equal(m[0], 0x16);
	assert_int_equal(be16(m + 3), len - 5);                              /* record */
	assert_int_equal(m[5], 0x01);                                        /* ClientHello */
	assert_int_equal((size_t)m[6] << 16 | (size_t)be16(m + 7), len - 9); /* handshake */
	off = 9 + 2 + 32;
	off += 1 + m[off];                              /* session id */
	off += 2 + be16(m + off);                       /* cipher suites */
	off += 1 + m[off];                              /* compression */
	assert_int_equal(off + 2 + be16(m + off), len); /* extensions end the message */
	for (size_t e = off + 2; e < len; e += 4 + be16(m + e + 2))
		assert_true(e + 4 + be16(m + e + 2) <= len);
}

static void test_requests_by_port(void **state)
{
	const char *name;
	size_t len;

	(void)state;
	assert_non_null(ep_banner_request(8080, &len, &name));
	assert_string_equal(name, "http-get");
	assert_memory_equal(ep_banner_request(80, &len, &name), "GET / HTTP/1.0\r\n", 16);
	assert_null(ep_banner_request(22, &len, &name)); /* SSH speaks first */
	assert_null(name);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_client_hello_lengths),
	    cmocka_unit_test(test_requests_by_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
