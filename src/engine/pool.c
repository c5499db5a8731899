/* Engine pool.  Each worker thread owns a loop, an engine and an async handle
 * through which the main loop asks it to stop; the main loop owns one async
 * handle through which workers say they are done.  Results go to the pool's
 * writer thread (report/writer.h): workers copy them into its ring and go
 * on probing while the writer counts, formats and writes. */
#include "engine/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "base/err.h"
#include "base/log.h"
#include "report/writer.h"

#define BATCH 256
/* Results the writer's ring holds: ~1.3 MiB, a few ms of a saturated scan,
 * enough to ride out a sink's slow write without stalling a prober. */
#define WRITER_RING 16384

struct worker {
	struct ep_pool *pool;
	uv_thread_t tid;
	uv_loop_t loop;
	struct ep_engine engine;
	uv_async_t stop_async;
	uv_check_t flush_check; /* hands the batch over once per loop iteration */
	struct ep_result batch[BATCH];
	unsigned nbatch;
	int stop_level; /* under pool->lock */
	int closed;     /* stop_async closed; under pool->lock */
	int started;
};

struct ep_pool {
	uv_mutex_t lock;
	uv_async_t done_async; /* on the main loop */
	void (*on_done)(void *arg);
	struct ep_writer *writer;
	void *arg; /* on_done's */
	unsigned n, finished;
	struct worker w[];
};

/* Results are handed over in batches: one lock per batch, not per result
 * (perf: a contended per-result mutex cost 5% of a two-thread scan), and
 * the lock covers the copy only (formatting under it cost +16% to +53% of
 * the wall time with three file sinks). */
static void flush_batch(struct worker *w)
{
	if (w->nbatch == 0)
		return;
	ep_writer_push(w->pool->writer, w->batch, w->nbatch);
	w->nbatch = 0;
}

static void on_result(void *arg, const struct ep_result *r)
{
	struct worker *w = arg;

	w->batch[w->nbatch++] = *r;
	if (w->nbatch == BATCH)
		flush_batch(w);
}

static void on_flush_check(uv_check_t *c)
{
	flush_batch(c->data);
}

static void on_stop_async(uv_async_t *a)
{
	struct worker *w = a->data;
	int level;

	uv_mutex_lock(&w->pool->lock);
	level = w->stop_level;
	uv_mutex_unlock(&w->pool->lock);
	ep_engine_stop(&w->engine, level > 1);
}

/* Worker's engine has closed its handles (worker thread). */
static void on_engine_done(void *arg)
{
	struct worker *w = arg;
	struct ep_pool *p = w->pool;

	flush_batch(w);
	uv_close((uv_handle_t *)&w->flush_check, NULL);
	uv_mutex_lock(&p->lock);
	w->closed = 1;
	uv_close((uv_handle_t *)&w->stop_async, NULL);
	p->finished++;
	/* sent under the lock: the main loop closes done_async only after it
	 * has seen every worker finished, under the same lock */
	uv_async_send(&p->done_async);
	uv_mutex_unlock(&p->lock);
}

static void on_done_async(uv_async_t *a)
{
	struct ep_pool *p = a->data;
	int all;

	uv_mutex_lock(&p->lock);
	all = p->finished == p->n;
	uv_mutex_unlock(&p->lock);
	if (all) {
		uv_close((uv_handle_t *)&p->done_async, NULL);
		p->on_done(p->arg);
	}
}

static void worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];

	snprintf(name, sizeof(name), "ep-worker%u", (unsigned)(w - w->pool->w));
	prctl(PR_SET_NAME, name, 0, 0, 0); /* which thread is which, in perf and top */
	ep_engine_start(&w->engine);
	uv_run(&w->loop, UV_RUN_DEFAULT);
}

int ep_pool_start(struct ep_pool **out, uv_loop_t *main_loop, unsigned n,
                  const struct ep_engine_opts *o, const struct ep_targets *t,
                  const struct ep_prober_ops *const ops[EP_PROTO_COUNT],
                  const struct ep_config *cfg, ep_result_cb cb, void *arg,
                  void (*on_done)(void *arg), int (*ready)(void *arg))
{
	struct ep_pool *p;
	int rc = 0;

	if (n == 0)
		n = 1;
	p = calloc(1, sizeof(*p) + n * sizeof(p->w[0]));
	if (p == NULL)
		return EP_ENOMEM;
	p->n = n;
	p->arg = arg;
	p->on_done = on_done;
	if (ep_writer_new(&p->writer, WRITER_RING, "ep-writer", cb, arg) != 0) {
		free(p);
		return EP_ENOMEM;
	}
	uv_mutex_init(&p->lock);
	uv_async_init(main_loop, &p->done_async, on_done_async);
	p->done_async.data = p;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		struct worker *w = &p->w[i];
		struct ep_engine_opts wo = *o;

		w->pool = p;
		wo.rate = o->rate / n;
		wo.max_inflight = o->max_inflight / n ? o->max_inflight / n : 1;
		/* machine shard m of M, worker i of n: part m*n+i of M*n */
		wo.shard_index = (o->shard_count > 1 ? o->shard_index * n : 0) + i;
		wo.shard_count = (o->shard_count > 1 ? o->shard_count : 1) * n;
		wo.handle_signals = 0;
		int uvrc = uv_loop_init(&w->loop);

		if (uvrc) {
			/* EMFILE under a low `ulimit -n` is the usual cause, not memory */
			ep_log(EP_LOG_ERROR, "scan", "worker %u: cannot create its event loop: %s",
			       i, uv_strerror(uvrc));
			rc = uvrc == UV_ENOMEM ? EP_ENOMEM : EP_EIO;
			break;
		}
		rc = ep_engine_init(&w->engine, &w->loop, &wo, t, ops, cfg, on_result, w);
		if (rc) {
			uv_run(&w->loop, UV_RUN_DEFAULT); /* a prober's close callbacks */
			uv_loop_close(&w->loop);
			break;
		}
		w->engine.on_done = on_engine_done;
		uvrc = uv_async_init(&w->loop, &w->stop_async, on_stop_async);
		if (uvrc) {
			ep_log(EP_LOG_ERROR, "scan", "worker %u: cannot create its wake-up: %s", i,
			       uv_strerror(uvrc));
			ep_engine_stop(&w->engine, 1);
			uv_run(&w->loop, UV_RUN_DEFAULT);
			ep_engine_free(&w->engine);
			uv_loop_close(&w->loop);
			rc = EP_EIO;
			break;
		}
		w->stop_async.data = w;
		uv_check_init(&w->loop, &w->flush_check);
		w->flush_check.data = w;
		uv_check_start(&w->flush_check, on_flush_check);
		w->started = 1;
	}
	/* every prober has opened its sockets and captures: the caller may now
	 * give up privileges, before any thread sends a packet */
	if (rc == 0 && ready)
		rc = ready(arg);
	if (rc) {
		/* nothing has run yet: undo what was set up */
		for (unsigned i = 0; i < n; i++) {
			struct worker *w = &p->w[i];

			if (!w->started)
				continue;
			w->engine.on_done = NULL; /* its handles are closed right here */
			ep_engine_stop(&w->engine, 1);
			uv_close((uv_handle_t *)&w->stop_async, NULL);
			uv_close((uv_handle_t *)&w->flush_check, NULL);
			uv_run(&w->loop, UV_RUN_DEFAULT);
			ep_engine_free(&w->engine);
			uv_loop_close(&w->loop);
		}
		uv_close((uv_handle_t *)&p->done_async, NULL);
		uv_mutex_destroy(&p->lock);
		ep_writer_free(p->writer);
		*out = NULL;
		/* p itself is freed once main_loop has run the close callback */
		uv_run(main_loop, UV_RUN_NOWAIT);
		free(p);
		return rc;
	}
	for (unsigned i = 0; i < n; i++)
		uv_thread_create(&p->w[i].tid, worker_main, &p->w[i]);
	*out = p;
	return 0;
}

void ep_pool_stop(struct ep_pool *p, int hard)
{
	uv_mutex_lock(&p->lock);
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];

		if (w->closed)
			continue;
		w->stop_level = hard ? 2 : 1;
		uv_async_send(&w->stop_async);
	}
	uv_mutex_unlock(&p->lock);
}

void ep_pool_lock(struct ep_pool *p)
{
	ep_writer_lock(p->writer);
}

void ep_pool_unlock(struct ep_pool *p)
{
	ep_writer_unlock(p->writer);
}

void ep_pool_free(struct ep_pool *p, struct ep_summary *sum, int *rc)
{
	int walked = 1;
	uint64_t start = 0, end = 0, sent_all = 0;

	memset(sum, 0, sizeof(*sum));
	*rc = 0;
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		struct ep_engine *e = &w->engine;

		uv_thread_join(&w->tid);
		sum->probes_sent += e->sent;
		sum->results += e->results;
		for (int k = 0; k < EP_STATE_COUNT; k++)
			sum->counts[k] += e->counts[k];
		sum->backoffs += e->backoffs + e->congestions; /* rate cuts count too */
		sum->has_capture |= e->capture.has_capture;
		sum->cap_received += e->capture.cap_received;
		sum->cap_dropped += e->capture.cap_dropped;
		sum->cap_ifdropped += e->capture.cap_ifdropped;
		/* the engine's slots and retry ring (16-byte items), the prober's
		 * ring and table (its stats) */
		sum->reserved_bytes += e->capture.reserved_bytes +
		                       e->opts.max_inflight * e->slot_size + e->retry_cap * 16;
		sum->invalid += e->capture.invalid;
		sum->late += e->capture.late;
		sum->loss.extra += e->loss.extra;
		sum->loss.slowdowns += e->losspace.slowdowns;
		walked &= e->perm_done && e->retry_len == 0;
		sum->interrupted |= e->interrupted;
		if (e->rc && *rc == 0)
			*rc = e->rc;
		if (start == 0 || e->start_ns < start)
			start = e->start_ns;
		if (e->end_ns > end)
			end = e->end_ns;
		if (e->walked_ns > sent_all)
			sent_all = e->walked_ns;
		if ((double)e->timeout_ns / 1e6 > sum->wait_ms)
			sum->wait_ms = (double)e->timeout_ns / 1e6;
		ep_engine_free(e);
		uv_loop_close(&w->loop);
	}
	ep_writer_free(p->writer); /* every result delivered before the summary */
	sum->duration_s = end > start ? (double)(end - start) / 1e9 : 0;
	sum->sending_s = sent_all > start ? (double)(sent_all - start) / 1e9 : 0;
	sum->complete = walked; /* every worker walked its whole part */
	uv_mutex_destroy(&p->lock);
	free(p);
}
