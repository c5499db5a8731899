/* Sinks on threads of their own (ep_sinks_start_threads): every sink gets
 * every result, in order, formatted off the delivering thread; a banner
 * lands after the result it belongs to; flush reaches the sink; a failing
 * sink marks the set failed without holding the others back; a slow sink
 * makes the deliverer wait (bounded ring) and loses nothing. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe/banner.h"
#include "report/sink.h"

#define N 20000

struct fake {
	pthread_t caller;
	unsigned n;        /* results seen */
	unsigned off;      /* of them, seen on a thread other than the caller's */
	unsigned disorder; /* results not in the order given */
	unsigned banners;  /* banners seen */
	unsigned early;    /* banners seen before their port's result */
	unsigned flushes;
	unsigned fail_from; /* nonzero: results from this count on fail */
	unsigned slow_us;   /* per result */
};

static int f_result(void *st, const struct ep_result *r)
{
	struct fake *f = st;

	if (!pthread_equal(pthread_self(), f->caller))
		f->off++;
	if (r->t.port != (uint16_t)(f->n % 60000 + 1))
		f->disorder++;
	f->n++;
	if (f->slow_us)
		usleep(f->slow_us);
	return f->fail_from && f->n >= f->fail_from ? EP_EIO : 0;
}

static int f_banner(void *st, const struct ep_banner *b)
{
	struct fake *f = st;

	f->banners++;
	if (f->n < (unsigned)b->t.port) /* port k's result is the k-th */
		f->early++;
	return 0;
}

static int f_flush(void *st)
{
	struct fake *f = st;

	f->flushes++;
	return 0;
}

static int f_close(void *st, const struct ep_summary *s)
{
	(void)st;
	(void)s;
	return 0;
}

static const struct ep_sink_ops fake_ops = {
    .name = "fake",
    .help = "test",
    .result = f_result,
    .banner = f_banner,
    .flush = f_flush,
    .close = f_close,
};

static struct ep_result result(unsigned i)
{
	struct ep_result r;

	memset(&r, 0, sizeof(r));
	ep_addr_parse("127.0.0.1", &r.t.addr);
	r.t.proto = EP_PROTO_TCP;
	r.t.port = (uint16_t)(i % 60000 + 1);
	r.state = EP_STATE_CLOSED;
	return r;
}

static void setup(struct ep_sinks *s, struct fake *f, int n)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < n; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].caller = pthread_self();
		s->ops[i] = &fake_ops;
		s->state[i] = &f[i];
	}
	s->n = n;
}

static void test_every_result_in_order_off_thread(void **state)
{
	struct ep_sinks s;
	struct fake f[3];
	struct ep_summary sum;

	(void)state;
	setup(&s, f, 3);
	assert_int_equal(ep_sinks_start_threads(&s), 0);
	assert_non_null(s.threads);
	for (unsigned i = 0; i < N; i++) {
		struct ep_result r = result(i);

		ep_sinks_result(&s, &r);
	}
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f[i].n, N);
		assert_int_equal(f[i].off, N);
		assert_int_equal(f[i].disorder, 0);
	}
}

/* A banner for port k given after result k is formatted after it, though
 * the sink's thread may not have reached result k yet. */
static void test_banner_after_its_result(void **state)
{
	struct ep_sinks s;
	struct fake f[2];
	struct ep_summary sum;
	struct ep_banner b;

	(void)state;
	setup(&s, f, 2);
	f[1].slow_us = 20; /* lagging behind the deliverer */
	assert_int_equal(ep_sinks_start_threads(&s), 0);
	memset(&b, 0, sizeof(b));
	for (unsigned i = 0; i < 3000; i++) {
		struct ep_result r = result(i);

		ep_sinks_result(&s, &r);
		if (i % 1000 == 999) {
			b.t = r.t;
			ep_sinks_banner(&s, &b);
		}
	}
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(f[i].banners, 3);
		assert_int_equal(f[i].early, 0);
		assert_int_equal(f[i].n, 3000);
	}
}

/* One sink failing marks the set failed; the others still get everything,
 * and a slow sink holds the deliverer back instead of dropping results. */
static void test_failure_and_slow_sink(void **state)
{
	struct ep_sinks s;
	struct fake f[3];
	struct ep_summary sum;

	(void)state;
	setup(&s, f, 3);
	f[0].fail_from = 100;
	f[2].slow_us = 2;
	assert_int_equal(ep_sinks_start_threads(&s), 0);
	for (unsigned i = 0; i < N; i++) {
		struct ep_result r = result(i);

		ep_sinks_result(&s, &r);
		if (i % 5000 == 0)
			ep_sinks_flush(&s);
	}
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(ep_sinks_close(&s, &sum), 1);
	assert_int_equal(f[0].n, N);
	assert_int_equal(f[1].n, N);
	assert_int_equal(f[2].n, N);
	assert_int_equal(f[2].disorder, 0);
	assert_int_equal(f[1].flushes, 4);
}

/* Without threads, results are formatted by the caller, as before. */
static void test_unthreaded_formats_in_caller(void **state)
{
	struct ep_sinks s;
	struct fake f[1];
	struct ep_summary sum;
	struct ep_result r = result(0);

	(void)state;
	setup(&s, f, 1);
	ep_sinks_result(&s, &r);
	assert_int_equal(f[0].n, 1);
	assert_int_equal(f[0].off, 0);
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(ep_sinks_close(&s, &sum), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_result_in_order_off_thread),
	    cmocka_unit_test(test_banner_after_its_result),
	    cmocka_unit_test(test_failure_and_slow_sink),
	    cmocka_unit_test(test_unthreaded_formats_in_caller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
