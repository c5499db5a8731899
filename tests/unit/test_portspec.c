/* Port specification parsing, including bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/portspec.h"

static void parse_ok(const char *spec, struct ep_portset sets[EP_PROTO_COUNT])
{
	struct ep_diag d = {0};

	assert_int_equal(ep_portspec_parse(spec, sets, &d), 0);
}

static void free_sets(struct ep_portset sets[EP_PROTO_COUNT])
{
	for (int i = 0; i < EP_PROTO_COUNT; i++)
		ep_portset_free(&sets[i]);
}

static void test_list_and_ranges(void **state)
{
	struct ep_portset s[EP_PROTO_COUNT];
	char text[64];

	(void)state;
	parse_ok("22,80,443,8000-8100", s);
	assert_int_equal(s[EP_PROTO_TCP].count, 3 + 101);
	assert_int_equal(s[EP_PROTO_UDP].count, 0);
	assert_int_equal(ep_portset_at(&s[EP_PROTO_TCP], 0), 22);
	assert_int_equal(ep_portset_at(&s[EP_PROTO_TCP], 2), 443);
	assert_int_equal(ep_portset_at(&s[EP_PROTO_TCP], 3), 8000);
	assert_int_equal(ep_portset_at(&s[EP_PROTO_TCP], 103), 8100);
	ep_portset_format(&s[EP_PROTO_TCP], text, sizeof(text));
	assert_string_equal(text, "22,80,443,8000-8100");
	free_sets(s);
}

static void test_protocols(void **state)
{
	struct ep_portset s[EP_PROTO_COUNT];

	(void)state;
	parse_ok("T:1-1024,U:53,161", s);
	assert_int_equal(s[EP_PROTO_TCP].count, 1024);
	assert_int_equal(s[EP_PROTO_UDP].count, 2);
	assert_true(ep_portset_has(&s[EP_PROTO_UDP], 161));
	assert_false(ep_portset_has(&s[EP_PROTO_TCP], 1025));
	free_sets(s);
}

static void test_all_and_open_ranges(void **state)
{
	struct ep_portset s[EP_PROTO_COUNT];

	(void)state;
	parse_ok("-", s);
	assert_int_equal(s[EP_PROTO_TCP].count, 65535);
	assert_int_equal(ep_portset_at(&s[EP_PROTO_TCP], 65534), 65535);
	free_sets(s);
	parse_ok("-100,65000-", s);
	assert_int_equal(s[EP_PROTO_TCP].count, 100 + 536);
	free_sets(s);
}

static void test_merge_duplicates(void **state)
{
	struct ep_portset s[EP_PROTO_COUNT];

	(void)state;
	parse_ok("80,80,79-81,1-3,2", s);
	assert_int_equal(s[EP_PROTO_TCP].count, 6);
	assert_int_equal(s[EP_PROTO_TCP].nranges, 2);
	free_sets(s);
}

static void test_union(void **state)
{
	struct ep_portset a[EP_PROTO_COUNT], b[EP_PROTO_COUNT], u;

	(void)state;
	parse_ok("1-10,100", a);
	parse_ok("5-20,200", b);
	assert_int_equal(ep_portset_union(&u, &a[0], &b[0]), 0);
	assert_int_equal(u.count, 22);
	ep_portset_free(&u);
	free_sets(a);
	free_sets(b);
}

static void bad(const char *spec, int err, unsigned col, const char *needle)
{
	struct ep_portset s[EP_PROTO_COUNT];
	struct ep_diag d = {0};

	assert_int_equal(ep_portspec_parse(spec, s, &d), err);
	assert_int_equal(d.col, col);
	assert_non_null(strstr(d.msg, needle));
}

static void test_bad_input(void **state)
{
	(void)state;
	bad("", EP_EPARSE, 1, "empty");
	bad("70000", EP_ERANGE, 1, "70000");
	bad("0", EP_ERANGE, 1, "out of range");
	bad("80,x", EP_EPARSE, 4, "expected a port");
	bad("100-90", EP_ERANGE, 1, "reversed");
	bad("22;80", EP_EPARSE, 3, "unexpected ';'");
	bad("22,,80", EP_EPARSE, 4, "expected");
	bad("1-99999999999999", EP_ERANGE, 1, "out of range");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_and_ranges), cmocka_unit_test(test_protocols),
	    cmocka_unit_test(test_all_and_open_ranges), cmocka_unit_test(test_merge_duplicates),
	    cmocka_unit_test(test_union), cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
