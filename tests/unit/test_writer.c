/* The writer thread: every result delivered once and in order, producers
 * wait (never drop) while the ring is full, and nothing is delivered on a
 * producer's thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <uv.h>

#include <cmocka.h>

#include "report/writer.h"

struct seen {
	uv_mutex_t gate; /* held by the test to stall the writer */
	uv_thread_t producer;
	uint64_t n, bad_order, on_producer;
	uint64_t next[2];
};

static void on_result(void *arg, const struct ep_result *r)
{
	struct seen *s = arg;
	uv_thread_t me = uv_thread_self();
	unsigned who = r->attempts;

	uv_mutex_lock(&s->gate);
	uv_mutex_unlock(&s->gate);
	if (uv_thread_equal(&me, &s->producer))
		s->on_producer++;
	if (r->rtt_ns != s->next[who])
		s->bad_order++;
	s->next[who] = r->rtt_ns + 1;
	s->n++;
}

struct prod {
	struct ep_writer *w;
	unsigned who;
	uint64_t count;
};

static void produce(void *arg)
{
	struct prod *p = arg;
	struct ep_result batch[100];

	memset(batch, 0, sizeof(batch));
	for (uint64_t i = 0; i < p->count;) {
		size_t k = 0;

		for (; k < 100 && i < p->count; k++, i++) {
			batch[k].rtt_ns = i;
			batch[k].attempts = p->who;
		}
		ep_writer_push(p->w, batch, k);
	}
}

static void test_order_and_no_loss(void **state)
{
	struct seen s;
	struct ep_writer *w;
	struct prod a, b;
	uv_thread_t ta, tb;

	(void)state;
	memset(&s, 0, sizeof(s));
	uv_mutex_init(&s.gate);
	s.producer = uv_thread_self();
	assert_int_equal(ep_writer_new(&w, 512, "ep-test", on_result, &s), 0);
	a = (struct prod){w, 0, 200000};
	b = (struct prod){w, 1, 200000};
	uv_thread_create(&ta, produce, &a);
	uv_thread_create(&tb, produce, &b);
	uv_thread_join(&ta);
	uv_thread_join(&tb);
	ep_writer_drain(w);
	ep_writer_lock(w);
	assert_int_equal(s.n, 400000);
	ep_writer_unlock(w);
	assert_int_equal(s.bad_order, 0);
	ep_writer_free(w);
	uv_mutex_destroy(&s.gate);
}

static void test_full_ring_waits(void **state)
{
	struct seen s;
	struct ep_writer *w;
	struct prod a;
	uv_thread_t ta;

	(void)state;
	memset(&s, 0, sizeof(s));
	uv_mutex_init(&s.gate);
	s.producer = uv_thread_self();
	assert_int_equal(ep_writer_new(&w, 512, "ep-test", on_result, &s), 0);
	/* the writer is stalled: a producer of 5000 results must wait, not drop */
	uv_mutex_lock(&s.gate);
	a = (struct prod){w, 0, 5000};
	uv_thread_create(&ta, produce, &a);
	uv_sleep(200);
	assert_true(ep_writer_waits(w) >= 1);
	uv_mutex_unlock(&s.gate);
	uv_thread_join(&ta);
	ep_writer_free(w); /* drains */
	assert_int_equal(s.n, 5000);
	assert_int_equal(s.bad_order, 0);
	assert_int_equal(s.on_producer, 0);
	uv_mutex_destroy(&s.gate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_no_loss),
	    cmocka_unit_test(test_full_ring_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
