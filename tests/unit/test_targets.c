/* Target index space: exclusions win, per-line ports, overlaps probed once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/targets.h"

static void add(struct ep_target_list *l, const char *text)
{
	struct ep_diag d = {0};

	assert_int_equal(ep_target_list_add(l, text, "test", &d), 0);
}

static void ports(const char *spec, struct ep_portset s[EP_PROTO_COUNT])
{
	assert_int_equal(ep_portspec_parse(spec, s, NULL), 0);
}

/* Every index maps to a distinct (addr, proto, port). */
static void assert_distinct(const struct ep_targets *t)
{
	struct ep_target *all = calloc(t->total, sizeof(*all));

	for (uint64_t i = 0; i < t->total; i++)
		ep_targets_get(t, i, &all[i]);
	for (uint64_t i = 0; i < t->total; i++)
		for (uint64_t j = i + 1; j < t->total; j++)
			assert_false(ep_addr_cmp(&all[i].addr, &all[j].addr) == 0 &&
			             all[i].port == all[j].port && all[i].proto == all[j].proto);
	free(all);
}

static void test_basic_and_exclusion(void **state)
{
	struct ep_target_list l;
	struct ep_portset p[EP_PROTO_COUNT];
	struct ep_rangelist ex;
	struct ep_targets t;
	struct ep_iprange r;
	struct ep_diag d = {0};

	(void)state;
	ep_target_list_init(&l);
	ep_rangelist_init(&ex);
	add(&l, "10.1.0.0/29");
	add(&l, "fd00::1");
	ports("22,80", p);
	ep_iprange_parse("10.1.0.4-10.1.0.5", &r, NULL);
	ep_rangelist_add(&ex, &r);
	ep_rangelist_normalize(&ex);
	assert_int_equal(ep_targets_build(&t, &l, p, &ex, 1, &d), 0);
	assert_int_equal(t.total, (8 - 2 + 1) * 2);
	assert_int_equal(t.nhosts, 7);
	for (uint64_t i = 0; i < t.total; i++) {
		struct ep_target x;

		ep_targets_get(&t, i, &x);
		assert_false(ep_rangelist_contains(&ex, &x.addr));
		assert_true(x.port == 22 || x.port == 80);
	}
	assert_distinct(&t);
	ep_targets_free(&t);
	ep_target_list_free(&l);
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
	ep_rangelist_free(&ex);
}

/* An excluded IPv4 address stays excluded under its IPv6 names (mapped,
 * compatible, NAT64 well-known), and an excluded mapped address excludes the
 * IPv4 host; ::/0 speaks of IPv6 only (issue 12, item 2). */
static void exclude(struct ep_rangelist *ex, const char *text)
{
	struct ep_iprange r;

	assert_int_equal(ep_iprange_parse(text, &r, NULL), 0);
	assert_int_equal(ep_rangelist_add_aliased(ex, &r), 0);
}

static int has_addr(const struct ep_targets *t, const char *text)
{
	struct ep_addr a;

	assert_int_equal(ep_addr_parse(text, &a), 0);
	for (uint64_t i = 0; i < t->total; i++) {
		struct ep_target x;

		ep_targets_get(t, i, &x);
		if (ep_addr_cmp(&x.addr, &a) == 0)
			return 1;
	}
	return 0;
}

static void test_exclusion_aliases(void **state)
{
	static const char *const gone[] = {"::ffff:10.1.0.4", "::10.1.0.5", "64:ff9b::10.1.0.6",
	                                   "::ffff:10.1.0.7", "10.2.0.1",   "10.2.0.2",
	                                   "fd00::1"};
	static const char *const kept[] = {"::ffff:10.1.0.9", "64:ff9b::10.1.1.1", "10.3.0.1"};
	struct ep_target_list l;
	struct ep_portset p[EP_PROTO_COUNT];
	struct ep_rangelist ex;
	struct ep_targets t;
	struct ep_diag d = {0};

	(void)state;
	ep_target_list_init(&l);
	ep_rangelist_init(&ex);
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		add(&l, gone[i]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		add(&l, kept[i]);
	ports("80", p);
	exclude(&ex, "10.1.0.4-10.1.0.7");
	exclude(&ex, "::ffff:10.2.0.1");
	exclude(&ex, "64:ff9b::10.2.0.2");
	exclude(&ex, "::/0");
	ep_rangelist_normalize(&ex);
	assert_int_equal(ep_targets_build(&t, &l, p, &ex, 1, &d), 0);
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		if (has_addr(&t, gone[i]))
			fail_msg("%s was probed despite the exclusions", gone[i]);
	/* ::/0 took the IPv6 ones, not 10.3.0.1 */
	assert_true(has_addr(&t, "10.3.0.1"));
	assert_int_equal(t.total, 1);
	ep_targets_free(&t);
	ep_rangelist_free(&ex);
	/* without ::/0 the IPv6 names outside the excluded hosts stay */
	ep_rangelist_init(&ex);
	exclude(&ex, "10.1.0.4-10.1.0.7");
	ep_rangelist_normalize(&ex);
	assert_int_equal(ep_targets_build(&t, &l, p, &ex, 1, &d), 0);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_true(has_addr(&t, kept[i]));
	assert_false(has_addr(&t, "::10.1.0.5"));
	ep_targets_free(&t);
	ep_target_list_free(&l);
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
	ep_rangelist_free(&ex);
}

static void test_per_line_ports_and_overlap(void **state)
{
	struct ep_target_list l;
	struct ep_portset p[EP_PROTO_COUNT];
	struct ep_rangelist ex;
	struct ep_targets t;
	struct ep_diag d = {0};
	int n443 = 0;

	(void)state;
	ep_target_list_init(&l);
	ep_rangelist_init(&ex);
	add(&l, "10.0.0.0/30");    /* default ports 1-3 */
	add(&l, "10.0.0.1 443,2"); /* union on 10.0.0.1: 1,2,3,443 */
	add(&l, "10.0.0.1");       /* duplicate: no extra probes */
	add(&l, "10.0.0.9 T:5,U:53");
	ports("1-3", p);
	assert_int_equal(ep_targets_build(&t, &l, p, &ex, 1, &d), 0);
	assert_int_equal(t.total, 4 * 3 + 1 + 1);
	assert_distinct(&t);
	for (uint64_t i = 0; i < t.total; i++) {
		struct ep_target x;
		char a[EP_ADDRSTRLEN];

		ep_targets_get(&t, i, &x);
		ep_addr_format(&x.addr, a, sizeof(a));
		if (x.port == 443) {
			assert_string_equal(a, "10.0.0.1");
			n443++;
		}
		if (x.port == 5)
			assert_string_equal(a, "10.0.0.9");
	}
	assert_int_equal(n443, 1);
	ep_targets_free(&t);
	/* with UDP kept too, 10.0.0.9 adds udp/53 */
	assert_int_equal(ep_targets_build(&t, &l, p, &ex, 3, &d), 0);
	assert_int_equal(t.total, 4 * 3 + 1 + 1 + 1);
	ep_targets_free(&t);
	ep_target_list_free(&l);
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
}

/* ep_targets_find inverts ep_targets_get for every index, v4 and v6, TCP
 * and UDP, with exclusions; things outside the scan give -1. */
static void test_find_inverts_get(void **state)
{
	struct ep_target_list l;
	struct ep_portset p[EP_PROTO_COUNT];
	struct ep_rangelist ex;
	struct ep_targets t;
	struct ep_diag d = {0};
	struct ep_target x;
	struct ep_iprange r;

	(void)state;
	ep_target_list_init(&l);
	ep_rangelist_init(&ex);
	add(&l, "10.0.0.0/29");
	add(&l, "10.0.1.5-10.0.1.7 T:22,U:53,161");
	add(&l, "fd00::1-fd00::4");
	add(&l, "10.0.0.3 8080");
	ports("T:1-5,80,U:7", p);
	assert_int_equal(ep_iprange_parse("10.0.0.6", &r, &d), 0);
	assert_int_equal(ep_rangelist_add(&ex, &r), 0);
	ep_rangelist_normalize(&ex);
	assert_int_equal(ep_targets_build(&t, &l, p, &ex, 3, &d), 0);
	for (uint64_t i = 0; i < t.total; i++) {
		ep_targets_get(&t, i, &x);
		assert_int_equal(ep_targets_find(&t, &x), (int64_t)i);
	}
	ep_addr_parse("10.0.0.6", &x.addr); /* excluded */
	x.proto = EP_PROTO_TCP;
	x.port = 80;
	assert_int_equal(ep_targets_find(&t, &x), -1);
	ep_addr_parse("10.0.0.5", &x.addr);
	x.port = 81; /* not a scanned port */
	assert_int_equal(ep_targets_find(&t, &x), -1);
	x.port = 80;
	assert_true(ep_targets_find(&t, &x) >= 0);
	x.proto = EP_PROTO_UDP; /* udp/80 is not in the scan */
	assert_int_equal(ep_targets_find(&t, &x), -1);
	ep_addr_parse("fd00::5", &x.addr);
	x.proto = EP_PROTO_TCP;
	assert_int_equal(ep_targets_find(&t, &x), -1);
	ep_targets_free(&t);
	ep_target_list_free(&l);
	ep_rangelist_free(&ex);
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
}

static void test_no_ports_is_error(void **state)
{
	struct ep_target_list l;
	struct ep_rangelist ex;
	struct ep_targets t;
	struct ep_diag d = {0};

	(void)state;
	ep_target_list_init(&l);
	ep_rangelist_init(&ex);
	add(&l, "10.0.0.1");
	assert_int_equal(ep_targets_build(&t, &l, NULL, &ex, 1, &d), EP_EINVAL);
	assert_non_null(strstr(d.msg, "no ports"));
	ep_target_list_free(&l);
}

static void test_file_errors_say_where(void **state)
{
	char path[] = "/tmp/ep_targets_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct ep_target_list l;
	struct ep_diag d = {0};

	(void)state;
	fputs("# header\n10.0.0.1\n\n  10.0.0.2 22,80 # web\n10.0.0.3 80,70000\n", f);
	fclose(f);
	ep_target_list_init(&l);
	assert_int_equal(ep_target_list_load(&l, path, &d), EP_ERANGE);
	assert_int_equal(d.line, 5);
	assert_int_equal(d.col, 13);
	assert_non_null(strstr(d.msg, "70000"));
	assert_int_equal(l.n, 2);
	ep_target_list_free(&l);
	unlink(path);
}

/* A NUL byte used to end the line silently: "# x\0 10.0.0.9" looked like a
 * comment to a reader while the rest was dropped (or the reverse). */
static void test_nul_byte_refused(void **state)
{
	char path[] = "/tmp/ep_targets_XXXXXX";
	int fd = mkstemp(path);
	struct ep_target_list l;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(write(fd, "10.0.0.1\n10.0.0.2\0 10.0.0.9\n", 29), 29);
	close(fd);
	ep_target_list_init(&l);
	assert_int_equal(ep_target_list_load(&l, path, &d), EP_EPARSE);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 9);
	assert_non_null(strstr(d.msg, "NUL"));
	ep_target_list_free(&l);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_and_exclusion),
	    cmocka_unit_test(test_exclusion_aliases),
	    cmocka_unit_test(test_per_line_ports_and_overlap),
	    cmocka_unit_test(test_find_inverts_get),
	    cmocka_unit_test(test_no_ports_is_error),
	    cmocka_unit_test(test_file_errors_say_where),
	    cmocka_unit_test(test_nul_byte_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
