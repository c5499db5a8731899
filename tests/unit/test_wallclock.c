/* Results' wall-clock time from a monotonic reading: within a millisecond
 * of CLOCK_REALTIME, and a stale offset is replaced after at most
 * EP_WALLCLOCK_EVERY conversions (a stepped wall clock shows up). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <uv.h>

#include "engine/wallclock.h"

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void test_close_to_realtime(void **state)
{
	struct ep_wallclock w = {0, 0};

	(void)state;
	for (int i = 0; i < 3000; i++) {
		uint64_t got = ep_wallclock_at(&w, uv_hrtime());

		assert_true(dist(got, real_ns()) < 1000000u);
	}
}

static void test_stale_offset_replaced(void **state)
{
	/* as if the wall clock had stepped an hour since the offset was read */
	struct ep_wallclock w = {-3600LL * 1000000000LL, 0};
	unsigned stale = 0;

	(void)state;
	ep_wallclock_at(&w, uv_hrtime()); /* left == 0: reads the offset now */
	assert_true(dist(ep_wallclock_at(&w, uv_hrtime()), real_ns()) < 1000000u);
	w.offset -= 3600LL * 1000000000LL;
	for (unsigned i = 0; i < 2 * EP_WALLCLOCK_EVERY; i++)
		if (dist(ep_wallclock_at(&w, uv_hrtime()), real_ns()) > 1000000u)
			stale++;
	assert_true(stale > 0 && stale <= EP_WALLCLOCK_EVERY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_close_to_realtime),
	    cmocka_unit_test(test_stale_offset_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
