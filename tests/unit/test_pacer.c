/* Token bucket: exact long-run rate, no burst after a stall, wait times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/pacer.h"

#define MS 1000000ULL

static void test_rate_over_time(void **state)
{
	struct ep_pacer p;
	uint64_t now = 5 * MS, sent = 0;

	(void)state;
	ep_pacer_init(&p, 1000, 5, now);
	/* poll every 0.3 ms for 10 s: exactly 1000/s (+1 for the first token) */
	for (int i = 0; i < 33334; i++, now += 300000)
		sent += ep_pacer_take(&p, now, 100);
	assert_true(sent >= 10000 && sent <= 10002);
}

static void test_no_burst_after_stall(void **state)
{
	struct ep_pacer p;

	(void)state;
	ep_pacer_init(&p, 100000, 500, 0);
	assert_int_equal(ep_pacer_take(&p, 0, 1000), 1);
	/* a 10 s stall must not release 1 million probes */
	assert_int_equal(ep_pacer_take(&p, 10000 * MS, 1000000), 500);
	assert_int_equal(ep_pacer_take(&p, 10000 * MS, 1000000), 0);
}

static void test_wait_and_refund(void **state)
{
	struct ep_pacer p;

	(void)state;
	ep_pacer_init(&p, 10, 1, 0);
	assert_int_equal(ep_pacer_take(&p, 0, 5), 1);
	assert_int_equal(ep_pacer_take(&p, 0, 5), 0);
	assert_true(ep_pacer_wait_ns(&p, 0) >= 99 * MS && ep_pacer_wait_ns(&p, 0) <= 101 * MS);
	assert_int_equal(ep_pacer_wait_ns(&p, 100 * MS), 0);
	assert_int_equal(ep_pacer_take(&p, 100 * MS, 5), 1);
	ep_pacer_refund(&p, 1);
	assert_int_equal(ep_pacer_take(&p, 100 * MS, 5), 1);
}

static void test_low_rate_fractional(void **state)
{
	struct ep_pacer p;
	uint64_t sent = 0;

	(void)state;
	ep_pacer_init(&p, 0.5, 1, 0); /* one every 2 s */
	for (uint64_t t = 0; t <= 20000 * MS; t += 7 * MS)
		sent += ep_pacer_take(&p, t, 10);
	assert_true(sent >= 10 && sent <= 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_over_time),
	    cmocka_unit_test(test_no_burst_after_stall),
	    cmocka_unit_test(test_wait_and_refund),
	    cmocka_unit_test(test_low_rate_fractional),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
