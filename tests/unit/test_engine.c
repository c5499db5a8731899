/* Engine: every target is reported exactly once; timeouts, retries, resource
 * back-off and stop work; a real loopback scan; no handle leaks
 * (uv_loop_close must succeed after every run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "engine/engine.h"

/* ---- a fake prober: answers from a 1 ms timer, by port number ---- */

struct fake {
	struct ep_engine *e;
	uv_timer_t timer;
	struct ep_probe *pending[4096];
	int npending;
	int eagain_left; /* start() fails this many times */
	unsigned max_seen_inflight;
};

static int fake_open(struct ep_engine *e, const struct ep_config *c, void **state)
{
	struct fake *f = e->arg; /* the test passes its fake as the result arg */

	(void)c;
	*state = f;
	return 0;
}

static void on_tick(uv_timer_t *t)
{
	struct fake *f = t->data;
	int keep = 0;

	for (int i = 0; i < f->npending; i++) {
		struct ep_probe *p = f->pending[i];

		if (p->t.port % 5 == 0) { /* silent port: wait for the engine's timeout */
			if (p->reported)
				ep_engine_release(p); /* cancelled */
			else
				f->pending[keep++] = p;
			continue;
		}
		ep_engine_report(p, p->t.port % 2 ? EP_STATE_CLOSED : EP_STATE_OPEN,
		                 p->t.port % 2 ? EP_REASON_CONN_REFUSED : EP_REASON_SYN_ACK);
		ep_engine_release(p);
	}
	f->npending = keep;
}

static int fake_start(void *state, struct ep_probe *p)
{
	struct fake *f = state;

	if (f->eagain_left > 0 && p->index % 3 == 0) {
		f->eagain_left--;
		return EP_EAGAIN;
	}
	assert_true(f->npending < 4096);
	f->pending[f->npending++] = p;
	if (f->e->inflight > f->max_seen_inflight)
		f->max_seen_inflight = f->e->inflight;
	return 0;
}

static void fake_cancel(void *state, struct ep_probe *p)
{
	(void)state;
	(void)p; /* released on the next tick */
}

static void fake_close(void *state)
{
	struct fake *f = state;

	uv_close((uv_handle_t *)&f->timer, NULL);
}

static const struct ep_prober_ops fake_ops = {
    .name = "fake",
    .probe_size = 8,
    .open = fake_open,
    .start = fake_start,
    .cancel = fake_cancel,
    .close = fake_close,
};
static const struct ep_prober_ops *const fake_opsv[EP_PROTO_COUNT] = {&fake_ops, NULL};

struct run {
	struct fake fake; /* first: the prober finds it through arg */
	uint32_t seen[4096];
	uint64_t nresults;
	unsigned filtered_attempts;
};

static void on_result(void *arg, const struct ep_result *r)
{
	struct run *run = arg;

	run->seen[r->t.port]++;
	run->nresults++;
	if (r->state == EP_STATE_FILTERED) {
		assert_int_equal(r->t.port % 5, 0);
		run->filtered_attempts = r->attempts;
	} else {
		assert_int_equal(r->state, r->t.port % 2 ? EP_STATE_CLOSED : EP_STATE_OPEN);
	}
}

static void make_targets(struct ep_targets *t, const char *ports)
{
	struct ep_target_list l;
	struct ep_portset p[EP_PROTO_COUNT];
	struct ep_rangelist ex;
	struct ep_diag d = {0};

	ep_target_list_init(&l);
	ep_rangelist_init(&ex);
	assert_int_equal(ep_target_list_add(&l, "127.0.0.1", "test", &d), 0);
	assert_int_equal(ep_portspec_parse(ports, p, &d), 0);
	assert_int_equal(ep_targets_build(t, &l, p, &ex, 1, &d), 0);
	ep_target_list_free(&l);
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
}

static void run_fake(struct run *run, const char *ports, unsigned inflight, unsigned retries,
                     int eagain, struct ep_summary *sum)
{
	uv_loop_t loop;
	struct ep_engine e;
	struct ep_targets t;
	struct ep_engine_opts o = {.rate = 1e6, .max_inflight = inflight, .timeout_ms = 20,
	                           .retries = retries, .seed = 5, .handle_signals = 0};

	memset(run, 0, sizeof(*run));
	run->fake.eagain_left = eagain;
	make_targets(&t, ports);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(ep_engine_init(&e, &loop, &o, &t, fake_opsv, NULL, on_result, run), 0);
	run->fake.e = &e;
	uv_timer_init(&loop, &run->fake.timer);
	run->fake.timer.data = &run->fake;
	uv_timer_start(&run->fake.timer, on_tick, 1, 1);
	ep_engine_start(&e);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ep_engine_summary(&e, sum);
	ep_engine_free(&e);
	assert_int_equal(uv_loop_close(&loop), 0);
	ep_targets_free(&t);
}

static void test_every_target_once(void **state)
{
	struct run *run = malloc(sizeof(*run));
	struct ep_summary s;

	(void)state;
	run_fake(run, "1-4000", 64, 2, 0, &s);
	assert_int_equal(run->nresults, 4000);
	for (int port = 1; port <= 4000; port++)
		assert_int_equal(run->seen[port], 1);
	assert_true(run->fake.max_seen_inflight <= 64);
	assert_int_equal(run->filtered_attempts, 3); /* 1 + 2 retries */
	assert_int_equal(s.probes_sent, 4000 + 800 * 2);
	assert_int_equal(s.counts[EP_STATE_FILTERED], 800);
	assert_true(s.complete);
	free(run);
}

static void test_resource_backoff(void **state)
{
	struct run *run = malloc(sizeof(*run));
	struct ep_summary s;

	(void)state;
	run_fake(run, "1-300", 32, 0, 40, &s);
	assert_int_equal(run->nresults, 300);
	for (int port = 1; port <= 300; port++)
		assert_int_equal(run->seen[port], 1);
	assert_true(s.backoffs > 0);
	assert_true(s.complete);
	free(run);
}

/* ---- real loopback: one listener open, one port closed ---- */

struct real {
	int open_port, closed_port;
	enum ep_state open_state, closed_state;
	int n;
};

static void on_real_result(void *arg, const struct ep_result *r)
{
	struct real *x = arg;

	x->n++;
	if (r->t.port == x->open_port)
		x->open_state = r->state;
	else
		x->closed_state = r->state;
}

static void on_conn(uv_stream_t *server, int status)
{
	uv_tcp_t *c = malloc(sizeof(*c));

	assert_int_equal(status, 0);
	uv_tcp_init(server->loop, c);
	if (uv_accept(server, (uv_stream_t *)c) == 0)
		uv_close((uv_handle_t *)c, (uv_close_cb)free);
	else
		uv_close((uv_handle_t *)c, (uv_close_cb)free);
}

static void on_engine_done(void *arg)
{
	(void)arg;
}

static void test_real_loopback(void **state)
{
	uv_loop_t loop;
	uv_tcp_t server, probe;
	struct sockaddr_in sin;
	int len = sizeof(sin);
	struct ep_engine e;
	struct ep_targets t;
	struct real x = {0};
	char ports[32];
	struct ep_engine_opts o = {.rate = 1000, .max_inflight = 8, .timeout_ms = 500,
	                           .retries = 0, .seed = 1, .handle_signals = 1};

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	uv_tcp_init(&loop, &server);
	uv_ip4_addr("127.0.0.1", 0, &sin);
	assert_int_equal(uv_tcp_bind(&server, (struct sockaddr *)&sin, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&server, 16, on_conn), 0);
	uv_tcp_getsockname(&server, (struct sockaddr *)&sin, &len);
	x.open_port = ntohs(sin.sin_port);
	/* a closed port: bind one, note it, close it */
	uv_tcp_init(&loop, &probe);
	uv_ip4_addr("127.0.0.1", 0, &sin);
	uv_tcp_bind(&probe, (struct sockaddr *)&sin, 0);
	len = sizeof(sin);
	uv_tcp_getsockname(&probe, (struct sockaddr *)&sin, &len);
	x.closed_port = ntohs(sin.sin_port);
	uv_close((uv_handle_t *)&probe, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);

	snprintf(ports, sizeof(ports), "%d,%d", x.open_port, x.closed_port);
	make_targets(&t, ports);
	const struct ep_prober_ops *tcp[EP_PROTO_COUNT] = {ep_prober_find("connect"), NULL};

	assert_int_equal(ep_engine_init(&e, &loop, &o, &t, tcp, NULL, on_real_result, &x),
	                 0);
	e.on_done = on_engine_done;
	ep_engine_start(&e);
	while (!e.closing)
		uv_run(&loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&server, NULL);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.open_state, EP_STATE_OPEN);
	assert_int_equal(x.closed_state, EP_STATE_CLOSED);
	ep_engine_free(&e);
	assert_int_equal(uv_loop_close(&loop), 0);
	ep_targets_free(&t);
}

/* ---- stop: nothing measured is lost, the rest is counted unfinished ---- */

static void on_stop_timer(uv_timer_t *t)
{
	ep_engine_stop(t->data, 0);
	uv_close((uv_handle_t *)t, NULL);
}

static void test_stop_drains(void **state)
{
	uv_loop_t loop;
	uv_timer_t stopper;
	struct ep_engine e;
	struct ep_targets t;
	struct run *run = calloc(1, sizeof(*run));
	struct ep_summary s;
	struct ep_engine_opts o = {.rate = 2000, .max_inflight = 16, .timeout_ms = 20,
	                           .retries = 1, .seed = 2, .handle_signals = 0};

	(void)state;
	make_targets(&t, "1-4000");
	uv_loop_init(&loop);
	assert_int_equal(ep_engine_init(&e, &loop, &o, &t, fake_opsv, NULL, on_result, run), 0);
	run->fake.e = &e;
	uv_timer_init(&loop, &run->fake.timer);
	run->fake.timer.data = &run->fake;
	uv_timer_start(&run->fake.timer, on_tick, 1, 1);
	uv_timer_init(&loop, &stopper);
	stopper.data = &e;
	uv_timer_start(&stopper, on_stop_timer, 100, 0);
	ep_engine_start(&e);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ep_engine_summary(&e, &s);
	assert_true(s.results > 0 && s.results < 4000);
	assert_int_equal(s.results, run->nresults);
	assert_int_equal(s.unfinished, 4000 - s.results);
	assert_false(s.complete);
	for (int port = 1; port <= 4000; port++)
		assert_true(run->seen[port] <= 1);
	ep_engine_free(&e);
	assert_int_equal(uv_loop_close(&loop), 0);
	ep_targets_free(&t);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_target_once),
	    cmocka_unit_test(test_resource_backoff),
	    cmocka_unit_test(test_real_loopback),
	    cmocka_unit_test(test_stop_drains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
