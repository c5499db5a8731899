/* Address, CIDR and range parsing; range-list subtraction (exclusions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "config/cidr.h"

static struct ep_iprange R(const char *s) {
	struct ep_iprange r;
	struct ep_diag d = {0};

	assert_int_equal(ep_iprange_parse(s, &r, &d), 0);
	return r;
}

static void
test_v4_forms(void **state)
{
	struct ep_iprange r;

	(void)state;
	r = R("10.0.0.1");
	assert_int_equal(ep_iprange_size(&r), 1);
	r = R("10.0.0.77/24");
	assert_int_equal(ep_iprange_size(&r), 256);
	assert_true(r.lo == 0x0a000000);
	r = R("10.0.0.1-10.0.1.0");
	assert_int_equal(ep_iprange_size(&r), 256);
	r = R("127.0.2.1-16");
	assert_int_equal(ep_iprange_size(&r), 16);
	r = R("0.0.0.0/0");
	assert_int_equal(ep_iprange_size(&r), 1ULL << 32);
	r = R("192.0.2.9/32");
	assert_int_equal(ep_iprange_size(&r), 1);
}

static void test_v6_forms(void **state)
{
	struct ep_iprange r;
	struct ep_addr a;
	char text[EP_ADDRSTRLEN];

	(void)state;
	r = R("fd00:ec5::/120");
	assert_int_equal(ep_iprange_size(&r), 256);
	ep_iprange_addr(&r, 255, &a);
	assert_string_equal(ep_addr_format(&a, text, sizeof(text)), "fd00:ec5::ff");
	r = R("::/0");
	assert_int_equal(ep_iprange_size(&r), UINT64_MAX); /* saturates */
	r = R("2001:db8::1-2001:db8::3");
	assert_int_equal(ep_iprange_size(&r), 3);
}

/* The hand-written IPv4 text equals inet_ntop's for every octet value in
 * every position, and a short buffer gets "?" rather than a cut address. */
static void test_v4_format(void **state)
{
	struct ep_addr a = {.family = 4};
	char text[EP_ADDRSTRLEN], want[INET_ADDRSTRLEN];

	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		for (int pos = 0; pos < 4; pos++) {
			memset(a.b, 0, sizeof(a.b));
			a.b[pos] = (uint8_t)v;
			a.b[(pos + 1) % 4] = (uint8_t)(255 - v);
			assert_non_null(inet_ntop(AF_INET, a.b, want, sizeof(want)));
			assert_string_equal(ep_addr_format(&a, text, sizeof(text)), want);
		}
	}
	memset(a.b, 255, 4);
	assert_string_equal(ep_addr_format(&a, text, 15), "?");
	assert_string_equal(ep_addr_format(&a, text, 16), "255.255.255.255");
}

static void bad(const char *s, const char *needle)
{
	struct ep_iprange r;
	struct ep_diag d = {0};

	assert_int_not_equal(ep_iprange_parse(s, &r, &d), 0);
	assert_non_null(strstr(d.msg, needle));
}

static void test_bad_input(void **state)
{
	(void)state;
	bad("10.0.0.256", "not an IPv4 or IPv6");
	bad("10.0.0.0/33", "prefix length");
	bad("10.0.0.0/", "prefix length");
	bad("fd00::/129", "prefix length");
	bad("10.0.0.9-10.0.0.1", "reversed");
	bad("10.0.0.9-3", "reversed");
	bad("10.0.0.1-::1", "mixes");
	bad("host.example", "not an IPv4 or IPv6");
	bad("", "not an address");
	bad("10.0.0.1-300", "not a range end");
}

static void test_subtract(void **state)
{
	struct ep_rangelist l, ex;
	struct ep_iprange r;
	struct ep_addr a;

	(void)state;
	ep_rangelist_init(&l);
	ep_rangelist_init(&ex);
	r = R("10.0.0.0/24");
	ep_rangelist_add(&l, &r);
	r = R("fd00::/126");
	ep_rangelist_add(&l, &r);
	r = R("10.0.0.10-10.0.0.19");
	ep_rangelist_add(&ex, &r);
	r = R("10.0.0.0");
	ep_rangelist_add(&ex, &r);
	r = R("10.0.0.255");
	ep_rangelist_add(&ex, &r);
	r = R("fd00::1");
	ep_rangelist_add(&ex, &r);
	r = R("172.16.0.0/12"); /* disjoint: no effect */
	ep_rangelist_add(&ex, &r);
	ep_rangelist_normalize(&l);
	ep_rangelist_normalize(&ex);
	assert_int_equal(ep_rangelist_subtract(&l, &ex), 0);
	assert_int_equal(ep_rangelist_size(&l), 256 - 12 + 4 - 1);
	ep_addr_parse("10.0.0.15", &a);
	assert_false(ep_rangelist_contains(&l, &a));
	ep_addr_parse("10.0.0.20", &a);
	assert_true(ep_rangelist_contains(&l, &a));
	ep_addr_parse("fd00::1", &a);
	assert_false(ep_rangelist_contains(&l, &a));
	ep_addr_parse("fd00::2", &a);
	assert_true(ep_rangelist_contains(&l, &a));
	/* excluding everything leaves nothing */
	r = R("0.0.0.0/0");
	ep_rangelist_add(&ex, &r);
	r = R("::/0");
	ep_rangelist_add(&ex, &r);
	ep_rangelist_normalize(&ex);
	assert_int_equal(ep_rangelist_subtract(&l, &ex), 0);
	assert_int_equal(l.n, 0);
	ep_rangelist_free(&l);
	ep_rangelist_free(&ex);
}

static void test_normalize_merges(void **state)
{
	struct ep_rangelist l;
	struct ep_iprange r;

	(void)state;
	ep_rangelist_init(&l);
	r = R("10.0.0.5-10.0.0.9");
	ep_rangelist_add(&l, &r);
	r = R("10.0.0.0-10.0.0.4");
	ep_rangelist_add(&l, &r);
	r = R("10.0.0.8-10.0.0.20");
	ep_rangelist_add(&l, &r);
	ep_rangelist_normalize(&l);
	assert_int_equal(l.n, 1);
	assert_int_equal(ep_rangelist_size(&l), 21);
	ep_rangelist_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v4_forms),  cmocka_unit_test(test_v6_forms),
	    cmocka_unit_test(test_v4_format), cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_subtract),  cmocka_unit_test(test_normalize_merges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
