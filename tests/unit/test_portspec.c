/* Port specification parsing, including bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
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

/* The word-at-a-time conversion from a bitmap equals a port-by-port one, on
 * random sparse, dense and edge-heavy bitmaps (ports 0, 1, 63, 64, 65535). */
static void test_from_bits(void **state)
{
	static uint64_t bm[1024];
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct ep_portset ps;
		uint32_t want_count = 0;

		memset(bm, 0, sizeof(bm));
		for (int k = 0; k < 1 + round % 40; k++) {
			unsigned lo, hi;

			seed = seed * 1103515245u + 12345u;
			lo = (seed >> 8) % 65536;
			hi = lo + (round % 3 == 0 ? 0 : (seed >> 3) % (round % 2 ? 70 : 5000));
			if (hi > 65535)
				hi = 65535;
			if (round % 5 == 0)
				lo = hi = (unsigned[]){0, 1, 63, 64, 65535}[k % 5];
			ep_portbits_set(bm, lo, hi);
		}
		assert_int_equal(ep_portset_from_bits(bm, &ps), 0);
		for (unsigned p = 0; p < 65536; p++) {
			int in = (int)((bm[p >> 6] >> (p & 63)) & 1);

			want_count += (uint32_t)in;
			if (p && in != (ep_portset_index(&ps, (uint16_t)p) >= 0))
				fail_msg("round %d: port %u in bitmap %d, in set %d", round, p, in,
				         !in);
		}
		assert_int_equal(ps.count, want_count);
		for (uint32_t r = 1; r < ps.nranges; r++)
			assert_true(ps.r[r].lo > (uint32_t)ps.r[r - 1].hi + 1);
		ep_portset_free(&ps);
	}
}

/* Adjacent items merge into one range; protocols stay apart. */
static void test_adjacent_merge(void **state)
{
	struct ep_portset s[EP_PROTO_COUNT];

	(void)state;
	parse_ok("6-10,1-5,U:11,U:12-13,T:11", s);
	assert_int_equal(s[EP_PROTO_TCP].nranges, 1);
	assert_int_equal(s[EP_PROTO_TCP].r[0].lo, 1);
	assert_int_equal(s[EP_PROTO_TCP].r[0].hi, 11);
	assert_int_equal(s[EP_PROTO_UDP].nranges, 1);
	assert_int_equal(s[EP_PROTO_UDP].count, 3);
	assert_int_equal(s[EP_PROTO_UDP].r[0].before, 0);
	free_sets(s);
}

/* A targets file carries a spec on each of up to millions of lines: parsing
 * costs in proportion to the spec, not to the 2 x 65,536 possible ports
 * (before: ~6 us a call, 6 s of CPU for these 10^6; now ~0.2 s). */
static void test_cost_follows_the_spec(void **state)
{
	struct ep_portset s[EP_PROTO_COUNT];
	struct ep_diag d = {0};
	clock_t t0 = clock();

	(void)state;
	for (int i = 0; i < 1000000; i++) {
		assert_int_equal(ep_portspec_parse("80,443,U:53", s, &d), 0);
		free_sets(s);
	}
	assert_true(clock() - t0 < 2 * CLOCKS_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_and_ranges),
	    cmocka_unit_test(test_protocols),
	    cmocka_unit_test(test_all_and_open_ranges),
	    cmocka_unit_test(test_merge_duplicates),
	    cmocka_unit_test(test_union),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_from_bits),
	    cmocka_unit_test(test_adjacent_merge),
	    cmocka_unit_test(test_cost_follows_the_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
