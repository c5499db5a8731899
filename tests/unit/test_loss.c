/* Loss estimator, retry policy (engine/loss.c) and pace on loss
 * (engine/losspace.c): pure functions driven with synthetic outcomes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/loss.h"
#include "engine/losspace.h"

static struct ep_addr v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct ep_addr x;

	memset(&x, 0, sizeof(x));
	x.family = 4;
	x.b[0] = (uint8_t)a;
	x.b[1] = (uint8_t)b;
	x.b[2] = (uint8_t)c;
	x.b[3] = (uint8_t)d;
	return x;
}

/* attempts the policy gives one silent target of host a */
static unsigned attempts_for(struct ep_loss *l, const struct ep_addr *a)
{
	unsigned n = 1;

	while (ep_loss_silent(l, a, n))
		n++;
	return n;
}

/* host a: `answered` targets answered first time, `twice` on the second
 * attempt, `filtered` never */
static void feed(struct ep_loss *l, const struct ep_addr *a, unsigned answered, unsigned twice,
                 unsigned filtered)
{
	for (unsigned i = 0; i < answered; i++)
		ep_loss_answered(l, a, 1);
	for (unsigned i = 0; i < twice; i++) {
		assert_int_equal(ep_loss_silent(l, a, 1), 1); /* floor */
		ep_loss_answered(l, a, 2);
	}
	for (unsigned i = 0; i < filtered; i++)
		assert_int_equal(ep_loss_silent(l, a, 1), 1);
}

static void test_fixed(void **state)
{
	struct ep_loss l;
	struct ep_addr a = v4(10, 0, 0, 1);

	(void)state;
	assert_int_equal(ep_loss_init(&l, 16, 2, 2), 0);
	feed(&l, &a, 1000, 100, 10);
	assert_int_equal(attempts_for(&l, &a), 3); /* exactly 1 + 2 retries */
	assert_int_equal(l.extra, 0);
	ep_loss_free(&l);
}

static void test_lossy_host_gets_more(void **state)
{
	struct ep_loss l;
	struct ep_addr a = v4(10, 0, 0, 1);
	unsigned n;

	(void)state;
	assert_int_equal(ep_loss_init(&l, 16, 1, EP_LOSS_MAX_RETRIES), 0);
	/* 4% of attempts lost, 20 of 10000 targets filtered */
	feed(&l, &a, 9600, 380, 20);
	n = attempts_for(&l, &a);
	/* p ~ 0.04 and f ~ 0.002: (1-f) p^n / f < 1e-6 needs n >= 6 */
	assert_true(n >= 6);
	assert_true(n <= 9);
	assert_true(l.extra >= n - 2);
	ep_loss_free(&l);
}

static void test_lossless_host_floor(void **state)
{
	struct ep_loss l;
	struct ep_addr a = v4(10, 0, 0, 1);

	(void)state;
	assert_int_equal(ep_loss_init(&l, 16, 1, EP_LOSS_MAX_RETRIES), 0);
	feed(&l, &a, 100000, 0, 20);
	assert_true(attempts_for(&l, &a) <= 3);
	ep_loss_free(&l);
}

static void test_dead_and_filtering_hosts(void **state)
{
	struct ep_loss l;
	struct ep_addr live = v4(10, 0, 0, 1), dead = v4(10, 0, 0, 2), wall = v4(10, 0, 0, 3);

	(void)state;
	assert_int_equal(ep_loss_init(&l, 16, 1, EP_LOSS_MAX_RETRIES), 0);
	feed(&l, &live, 9000, 1000, 0); /* 10% loss on the network */
	/* nothing ever answered: the floor only */
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(ep_loss_silent(&l, &dead, 1), 1);
	assert_int_equal(attempts_for(&l, &dead), 2);
	/* one port answers, 5000 are dropped: silence is the filter's; at 10%
	 * loss one more attempt at most (5000 x 2.4e-6 answers could hide
	 * behind two silent attempts) */
	feed(&l, &wall, 1, 0, 5000);
	assert_true(attempts_for(&l, &wall) <= 3);
	ep_loss_free(&l);
}

static void test_cap(void **state)
{
	struct ep_loss l;
	struct ep_addr a = v4(10, 0, 0, 1);

	(void)state;
	assert_int_equal(ep_loss_init(&l, 16, 1, 4), 0);
	feed(&l, &a, 5000, 5000, 1); /* half of all attempts lost */
	assert_int_equal(attempts_for(&l, &a), 5);
	ep_loss_free(&l);
}

static void test_network_estimate(void **state)
{
	struct ep_loss l;
	struct ep_addr a = v4(10, 0, 0, 1), b = v4(10, 0, 1, 1), c = v4(10, 0, 2, 1);
	double pa, pb, pc;

	(void)state;
	assert_int_equal(ep_loss_init(&l, 16, 1, EP_LOSS_MAX_RETRIES), 0);
	feed(&l, &a, 90000, 10000, 0); /* 10.0.0.0/24: 10% */
	feed(&l, &b, 100000, 0, 0);    /* 10.0.1.0/24: none */
	feed(&l, &c, 5, 5, 0);         /* 10.0.2.0/24: too few to say */
	pa = ep_loss_estimate(&l, &a);
	pb = ep_loss_estimate(&l, &b);
	pc = ep_loss_estimate(&l, &c);
	assert_true(pa > 0.09 && pa < 0.095); /* 10000 lost of 110000 tries */
	assert_true(pb < 0.002);
	/* shrunk toward the overall rate, not 50% */
	assert_true(pc > 0.02 && pc < 0.15);
	ep_loss_free(&l);
}

/* ---- pace on loss ---- */

struct path {
	double limit;    /* packets/s the path passes; 0: no limit */
	double random;   /* share lost at random, any rate */
	double filtered; /* share of targets that never answer */
	uint64_t x;      /* LCG */
};

static double rnd(struct path *p)
{
	p->x = p->x * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(p->x >> 11) / 9007199254740992.0;
}

/* Drives a losspace for `secs` at `rate`; returns the rate at the end. */
static double drive(struct ep_losspace *lp, struct path *p, double rate, double secs)
{
	const uint64_t step = 10000000u, wait = 100000000u; /* 10 ms, 100 ms */
	uint64_t now = 1000000000u, hold = 0, lost = 0, sent = 0;
	double carry = 0;

	ep_losspace_init(lp, now);
	for (uint64_t t = 0; t < (uint64_t)(secs * 1e9); t += step, now += step) {
		double n = rate * 0.01 + carry, drop;
		unsigned k = (unsigned)n;

		carry = n - k;
		drop = p->limit > 0 && rate > p->limit ? 1 - p->limit / rate : 0;
		for (unsigned i = 0; i < k; i++) {
			int answered = rnd(p) >= p->filtered && rnd(p) >= drop && rnd(p) >= p->random;

			sent++;
			if (!answered)
				lost++;
			ep_losspace_note(lp, now, answered);
		}
		ep_losspace_tick(lp, now, wait, sent ? (double)lost / (double)sent : 0, 100, &rate,
		                 &hold);
	}
	return rate;
}

static void test_pace_random_loss_keeps_rate(void **state)
{
	struct ep_losspace lp;
	struct path p = {0, 0.04, 0.05, 1};

	(void)state;
	assert_true(drive(&lp, &p, 20000, 10) == 20000);
	assert_int_equal(lp.slowdowns, 0);
}

static void test_pace_rate_limit_slows(void **state)
{
	struct ep_losspace lp;
	struct path p = {3000, 0, 0.05, 2};
	double r;

	(void)state;
	r = drive(&lp, &p, 20000, 10);
	assert_true(lp.slowdowns >= 1);
	assert_true(r <= 3000);
	assert_true(r >= 1000);
}

static void test_pace_lossless_untouched(void **state)
{
	struct ep_losspace lp;
	struct path p = {0, 0, 0.3, 3};

	(void)state;
	assert_true(drive(&lp, &p, 20000, 5) == 20000);
	assert_int_equal(lp.slowdowns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixed),
	    cmocka_unit_test(test_lossy_host_gets_more),
	    cmocka_unit_test(test_lossless_host_floor),
	    cmocka_unit_test(test_dead_and_filtering_hosts),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_network_estimate),
	    cmocka_unit_test(test_pace_random_loss_keeps_rate),
	    cmocka_unit_test(test_pace_rate_limit_slows),
	    cmocka_unit_test(test_pace_lossless_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
