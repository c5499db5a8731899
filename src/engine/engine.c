/* The probe engine.  Single-threaded on the libuv loop: probes start from
 * the pace timer and from slot releases, end through the prober's callbacks
 * or the timeout timer.  All probes share one timeout, so the in-flight FIFO
 * (oldest first) is also the deadline order and one timer serves them all. */
#include "engine/engine.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "results/resume.h"

#define BACKOFF_NS        (10u * 1000000u)
#define MAX_IDLE_BACKOFFS 500 /* 5 s of shortage with nothing in flight */

struct ep_retry_item {
	uint64_t index;
	unsigned attempt;
	int measured; /* timed out before (vs. never sent for lack of resources) */
};

static struct ep_probe *slot_at(struct ep_engine *e, size_t i)
{
	return (struct ep_probe *)(void *)(e->slots + i * e->slot_size);
}

/* ---- in-flight FIFO ---- */

static void fifo_push(struct ep_engine *e, struct ep_probe *p)
{
	p->next = NULL;
	p->prev = e->fifo_tail;
	if (e->fifo_tail)
		e->fifo_tail->next = p;
	else
		e->fifo_head = p;
	e->fifo_tail = p;
	p->in_fifo = 1;
}

static void fifo_remove(struct ep_engine *e, struct ep_probe *p)
{
	if (!p->in_fifo)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		e->fifo_head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		e->fifo_tail = p->prev;
	p->prev = p->next = NULL;
	p->in_fifo = 0;
}

/* ---- retry ring ---- */

static int retry_push(struct ep_engine *e, uint64_t index, unsigned attempt, int measured,
                      int front)
{
	struct ep_retry_item *ring = (struct ep_retry_item *)e->retry;
	size_t pos;

	if (e->retry_len == e->retry_cap) {
		size_t cap = e->retry_cap * 2;
		struct ep_retry_item *n = malloc(cap * sizeof(*n));

		if (n == NULL)
			return EP_ENOMEM;
		for (size_t i = 0; i < e->retry_len; i++)
			n[i] = ring[(e->retry_head + i) % e->retry_cap];
		free(ring);
		e->retry = (struct ep_retry *)n;
		ring = n;
		e->retry_cap = cap;
		e->retry_head = 0;
	}
	if (front) {
		e->retry_head = (e->retry_head + e->retry_cap - 1) % e->retry_cap;
		pos = e->retry_head;
	} else {
		pos = (e->retry_head + e->retry_len) % e->retry_cap;
	}
	ring[pos] = (struct ep_retry_item){index, attempt, measured};
	e->retry_len++;
	return 0;
}

static struct ep_retry_item retry_pop(struct ep_engine *e)
{
	struct ep_retry_item *ring = (struct ep_retry_item *)e->retry;
	struct ep_retry_item it = ring[e->retry_head];

	e->retry_head = (e->retry_head + 1) % e->retry_cap;
	e->retry_len--;
	return it;
}

/* ---- results ---- */

/* now: uv_hrtime() when the answer (or the silence) was seen */
static void deliver(struct ep_engine *e, const struct ep_target *t, enum ep_state state,
                    enum ep_reason reason, uint64_t rtt_ns, unsigned attempts, const char *probe,
                    uint64_t now)
{
	struct ep_result r;

	r.t = *t;
	r.probe = probe;
	r.state = state;
	r.reason = reason;
	r.rtt_ns = rtt_ns;
	r.ts_ns = ep_wallclock_at(&e->wallclock, now);
	r.attempts = attempts;
	e->counts[state]++;
	e->results++;
	e->on_result(e->arg, &r);
}

static enum ep_state silent_state(const struct ep_engine *e, enum ep_proto proto)
{
	return e->ops[proto]->silence_ambiguous ? EP_STATE_OPEN_FILTERED : EP_STATE_FILTERED;
}

/* nmap's approach to silence: wait about as long as answers take here, not
 * a fixed worst case.  After 16 timed answers the wait is srtt + 4 rttvar
 * (RFC 6298), clamped to [min_timeout_ms, timeout_ms].  Answers after a
 * retry are not sampled (Karn's rule: which attempt did they answer?). */
static void rtt_sample(struct ep_engine *e, uint64_t rtt)
{
	double r = (double)rtt, lo, hi, t;

	if (e->opts.min_timeout_ms == 0)
		return;
	if (e->rtt_samples++ == 0) {
		e->srtt_ns = r;
		e->rttvar_ns = r / 2;
	} else {
		e->rttvar_ns =
		    0.75 * e->rttvar_ns + 0.25 * (e->srtt_ns > r ? e->srtt_ns - r : r - e->srtt_ns);
		e->srtt_ns = 0.875 * e->srtt_ns + 0.125 * r;
	}
	if (e->rtt_samples < 16)
		return;
	lo = (double)e->opts.min_timeout_ms * 1e6;
	hi = (double)e->opts.timeout_ms * 1e6;
	t = e->srtt_ns + 4 * e->rttvar_ns;
	e->timeout_ns = (uint64_t)(t < lo ? lo : t > hi ? hi : t);
}

static void pump(struct ep_engine *e);
static void maybe_finish(struct ep_engine *e);
static void on_pace(uv_timer_t *t);
static void on_timeout(uv_timer_t *t);

static void backoff(struct ep_engine *e, uint64_t now)
{
	e->backoffs++;
	e->cap = e->inflight > 4 ? e->inflight * 3 / 4 : (e->inflight ? e->inflight : 1);
	e->pause_until_ns = now + BACKOFF_NS;
	if (e->inflight == 0 && ++e->idle_backoffs > MAX_IDLE_BACKOFFS) {
		ep_log(EP_LOG_ERROR, "engine",
		       "giving up: no socket/port/buffer could be had for 5 s");
		e->rc = EP_EAGAIN;
		ep_engine_stop(e, 0);
	}
}

/* A probe got no answer in time: retry it or call it filtered. */
static void timed_out(struct ep_engine *e, struct ep_probe *p)
{
	if (p->attempt == 1)
		ep_losspace_note(&e->losspace, p->start_ns, 0);
	if (ep_loss_silent(&e->loss, &p->t.addr, p->attempt) && !e->stopping &&
	    retry_push(e, p->index, p->attempt + 1, 1, 0) == 0)
		return;
	deliver(e, &p->t, silent_state(e, p->t.proto), EP_REASON_TIMEOUT, 0, p->attempt, NULL,
	        uv_hrtime());
}

void ep_engine_report(struct ep_probe *p, enum ep_state state, enum ep_reason reason)
{
	ep_engine_report_probe(p, state, reason, NULL);
}

void ep_engine_report_probe(struct ep_probe *p, enum ep_state state, enum ep_reason reason,
                            const char *probe)
{
	struct ep_engine *e = p->engine;
	uint64_t now;

	if (p->reported)
		return;
	p->reported = 1;
	fifo_remove(e, p);
	if (reason == EP_REASON_RESOURCE) {
		/* never measured: send again later, and slow down */
		if (retry_push(e, p->index, p->attempt, 0, 1) == 0) {
			backoff(e, uv_hrtime());
			return;
		}
		reason = EP_REASON_ERROR;
	}
	e->idle_backoffs = 0;
	if (e->cap < e->opts.max_inflight)
		e->cap++;
	now = uv_hrtime();
	if (p->attempt == 1)
		rtt_sample(e, now - p->start_ns);
	if (reason != EP_REASON_ERROR && reason != EP_REASON_TIMEOUT) {
		ep_loss_answered(&e->loss, &p->t.addr, p->attempt);
		if (p->attempt == 1)
			ep_losspace_note(&e->losspace, p->start_ns, 1);
	}
	deliver(e, &p->t, state, reason, now - p->start_ns, p->attempt, probe, now);
}

void ep_engine_release(struct ep_probe *p)
{
	struct ep_engine *e = p->engine;

	fifo_remove(e, p);
	p->next = e->free_list;
	e->free_list = p;
	e->inflight--;
	pump(e);
}

uv_loop_t *ep_engine_loop(struct ep_engine *e)
{
	return e->loop;
}

/* ---- sending ---- */

static int next_work(struct ep_engine *e, struct ep_retry_item *it)
{
	/* retries first, except while pacing on loss tests a lower rate: that
	 * test is judged on first attempts, so every other probe is one */
	int fresh = e->losspace.cur.test && !e->perm_done && (e->sent & 1);

	if (e->retry_len && !fresh) {
		*it = retry_pop(e);
		return 1;
	}
	while (!e->perm_done) {
		if (ep_permute_next(&e->perm, &it->index)) {
			e->perm_done = 1;
			e->walked_ns = uv_hrtime();
			break;
		}
		if (ep_resume_is_done(e->opts.skip, it->index))
			continue;
		it->attempt = 1;
		it->measured = 0;
		return 1;
	}
	if (e->retry_len == 0)
		return 0;
	*it = retry_pop(e);
	return 1;
}

static void arm_timeout(struct ep_engine *e, uint64_t now)
{
	uint64_t deadline, ms;

	if (e->fifo_head == NULL || e->closing)
		return;
	deadline = e->fifo_head->start_ns + e->timeout_ns;
	ms = deadline > now ? (deadline - now + 999999u) / 1000000u : 0;
	uv_timer_start(&e->timeout_timer, on_timeout, ms, 0);
}

static int launch(struct ep_engine *e, const struct ep_retry_item *it, uint64_t now)
{
	struct ep_probe *p = e->free_list;
	int was_empty = e->fifo_head == NULL;
	int rc;

	e->free_list = p->next;
	ep_targets_get(e->targets, it->index, &p->t);
	p->index = it->index;
	p->attempt = it->attempt;
	p->start_ns = now;
	p->reported = 0;
	fifo_push(e, p);
	e->inflight++;
	e->sent++;
	rc = e->ops[p->t.proto]->start(e->prober[p->t.proto], p);
	if (rc) {
		fifo_remove(e, p);
		e->inflight--;
		e->sent--;
		p->next = e->free_list;
		e->free_list = p;
		return rc;
	}
	if (was_empty && p->in_fifo)
		arm_timeout(e, now);
	return 0;
}

static void pump(struct ep_engine *e)
{
	uint64_t now;

	if (e->closing || e->pumping)
		return;
	if (e->stopping) {
		maybe_finish(e);
		return;
	}
	e->pumping = 1;
	now = uv_hrtime();
	if (now < e->pause_until_ns) {
		if (!uv_is_active((uv_handle_t *)&e->pace_timer))
			uv_timer_start(&e->pace_timer, on_pace,
			               (e->pause_until_ns - now + 999999u) / 1000000u, 0);
		e->pumping = 0;
		return;
	}
	while (e->inflight < e->cap && !e->stopping) {
		uint64_t want = e->cap - e->inflight, granted, k;

		granted = ep_pacer_take(&e->pacer, now, want);
		if (granted == 0) {
			uint64_t wait = ep_pacer_wait_ns(&e->pacer, now);
			uint64_t ms = (wait + 999999u) / 1000000u;

			uv_timer_start(&e->pace_timer, on_pace, ms ? ms : 1, 0);
			break;
		}
		for (k = 0; k < granted; k++) {
			struct ep_retry_item it;
			int rc;

			if (!next_work(e, &it))
				break;
			rc = launch(e, &it, now);
			if (rc == EP_EAGAIN) {
				if (retry_push(e, it.index, it.attempt, it.measured, 1))
					e->rc = EP_ENOMEM;
				backoff(e, now);
				break;
			}
			if (rc) {
				ep_log(EP_LOG_ERROR, "engine", "cannot send a probe: %s",
				       ep_strerror(rc));
				e->rc = rc;
				ep_engine_stop(e, 0);
				break;
			}
		}
		if (k < granted) {
			ep_pacer_refund(&e->pacer, granted - k);
			if (now < e->pause_until_ns)
				uv_timer_start(&e->pace_timer, on_pace, BACKOFF_NS / 1000000u, 0);
			break;
		}
	}
	e->pumping = 0;
	maybe_finish(e);
}

/* Additive increase: half the configured rate per second, once 250 ms have
 * passed without loss. */
static void pace_recover(struct ep_engine *e, uint64_t now)
{
	double r = e->pacer.rate;

	if (r >= e->opts.rate || now < e->congested_ns + 250000000u)
		return;
	r += e->opts.rate * 0.5 * (double)(now - e->pacer.last_ns) / 1e9;
	e->pacer.rate = r > e->opts.rate ? e->opts.rate : r;
	e->pacer.burst = e->pacer.rate * 0.005 > 1 ? e->pacer.rate * 0.005 : 1;
}

void ep_engine_congested(struct ep_engine *e)
{
	uint64_t now = uv_hrtime();
	double floor = e->opts.rate / 64 > 100 ? e->opts.rate / 64 : 100;

	if (now < e->congested_ns + 250000000u)
		return;
	e->congested_ns = now;
	e->congestions++;
	e->pacer.rate = e->pacer.rate * 0.75 > floor ? e->pacer.rate * 0.75 : floor;
	e->pacer.burst = e->pacer.rate * 0.005 > 1 ? e->pacer.rate * 0.005 : 1;
	if (e->congestions == 1)
		ep_log(EP_LOG_WARN, "engine", "replies are being lost: slowing down from %.0f/s",
		       e->opts.rate);
}

int ep_engine_hold(struct ep_engine *e)
{
	int held = e->pumping;

	e->pumping = 1;
	return held;
}

void ep_engine_unhold(struct ep_engine *e, int held)
{
	if (held)
		return; /* an outer pump or hold tops up */
	e->pumping = 0;
	pump(e);
}

/* Loss that rises with the rate sets the rate (engine/losspace.h). */
static void pace_on_loss(struct ep_engine *e, uint64_t now)
{
	const struct ep_loss_cell *all = &e->loss.all;
	double loss = all->tries ? (double)all->lost / (double)all->tries : 0;
	double rate = e->pacer.rate;
	uint64_t hold = 0;
	double floor = e->opts.rate / 64 > 100 ? e->opts.rate / 64 : 100;

	if (!ep_losspace_tick(&e->losspace, now, (uint64_t)e->opts.timeout_ms * 1000000u, loss,
	                      floor, &rate, &hold))
		return;
	e->pacer.rate = rate;
	e->pacer.burst = rate * 0.005 > 1 ? rate * 0.005 : 1;
	e->congested_ns = hold > now ? hold : now;
}

static void on_pace(uv_timer_t *t)
{
	struct ep_engine *e = t->data;
	uint64_t now = uv_hrtime();

	pace_on_loss(e, now);
	pace_recover(e, now);
	pump(e);
}

static void on_timeout(uv_timer_t *t)
{
	struct ep_engine *e = t->data;
	uint64_t now = uv_hrtime();
	uint64_t tmo = e->timeout_ns;

	while (e->fifo_head && e->fifo_head->start_ns + tmo <= now) {
		struct ep_probe *p = e->fifo_head;

		fifo_remove(e, p);
		p->reported = 1;
		timed_out(e, p);
		e->ops[p->t.proto]->cancel(e->prober[p->t.proto], p);
	}
	arm_timeout(e, now);
	pace_on_loss(e, now);
	pump(e);
}

/* ---- stopping ---- */

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void maybe_finish(struct ep_engine *e)
{
	if (e->closing || e->inflight)
		return;
	if (!e->stopping && (!e->perm_done || e->retry_len))
		return;
	e->closing = 1;
	e->end_ns = uv_hrtime();
	uv_close((uv_handle_t *)&e->pace_timer, on_handle_closed);
	uv_close((uv_handle_t *)&e->timeout_timer, on_handle_closed);
	if (e->opts.handle_signals) {
		uv_close((uv_handle_t *)&e->sigint, on_handle_closed);
		uv_close((uv_handle_t *)&e->sigterm, on_handle_closed);
	}
	for (int i = 0; i < EP_PROTO_COUNT; i++) {
		if (e->prober[i] == NULL)
			continue;
		if (e->ops[i]->stats)
			e->ops[i]->stats(e->prober[i], &e->capture);
		e->ops[i]->close(e->prober[i]);
		e->prober[i] = NULL;
	}
	if (e->on_done)
		e->on_done(e->arg);
}

void ep_engine_stop(struct ep_engine *e, int hard)
{
	if (e->closing)
		return;
	if (!e->stopping) {
		e->stopping = 1;
		/* Probes that already timed out and wait for a retry were measured:
		 * report them as they stand.  Ones never sent stay unfinished. */
		while (e->retry_len) {
			struct ep_retry_item it = retry_pop(e);
			struct ep_target t;

			if (!it.measured)
				continue;
			ep_targets_get(e->targets, it.index, &t);
			deliver(e, &t, silent_state(e, t.proto), EP_REASON_TIMEOUT, 0,
			        it.attempt - 1, NULL, uv_hrtime());
		}
		uv_timer_stop(&e->pace_timer);
	}
	if (hard && e->stopping < 2) {
		e->stopping = 2;
		while (e->fifo_head) {
			struct ep_probe *p = e->fifo_head;

			fifo_remove(e, p);
			p->reported = 1;
			e->ops[p->t.proto]->cancel(e->prober[p->t.proto], p);
		}
	}
	maybe_finish(e);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct ep_engine *e = s->data;

	ep_log(EP_LOG_WARN, "engine", "%s: %s", signum == SIGINT ? "SIGINT" : "SIGTERM",
	       e->stopping ? "cancelling probes in flight" : "stopping; draining probes in flight");
	e->interrupted = 1;
	ep_engine_stop(e, e->stopping ? 1 : 0);
}

/* ---- setup ---- */

int ep_engine_init(struct ep_engine *e, uv_loop_t *loop, const struct ep_engine_opts *o,
                   const struct ep_targets *t,
                   const struct ep_prober_ops *const ops[EP_PROTO_COUNT],
                   const struct ep_config *cfg, ep_result_cb cb, void *arg)
{
	size_t priv = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	e->loop = loop;
	e->opts = *o;
	if (e->opts.max_inflight == 0)
		e->opts.max_inflight = 1;
	e->targets = t;
	for (int i = 0; i < EP_PROTO_COUNT; i++) {
		e->ops[i] = ops[i];
		if (ops[i] && ops[i]->probe_size > priv)
			priv = ops[i]->probe_size;
	}
	e->on_result = cb;
	e->arg = arg;
	e->cap = e->opts.max_inflight;
	e->timeout_ns = (uint64_t)e->opts.timeout_ms * 1000000u;
	if (e->opts.min_timeout_ms > e->opts.timeout_ms)
		e->opts.min_timeout_ms = e->opts.timeout_ms;
	rc = ep_loss_init(&e->loss, t->nhosts, o->retries, o->retries_max);
	if (rc)
		return rc;
	rc = ep_permute_init(&e->perm, t->total, o->seed);
	if (rc == 0 && o->shard_count > 1)
		rc = ep_permute_shard(&e->perm, o->shard_index, o->shard_count);
	if (rc) {
		ep_loss_free(&e->loss);
		return rc;
	}
	e->slot_size = (sizeof(struct ep_probe) + priv + 15) & ~(size_t)15;
	e->slots = calloc(e->opts.max_inflight, e->slot_size);
	e->retry_cap = (size_t)e->opts.max_inflight * 2 + 16;
	e->retry = calloc(e->retry_cap, sizeof(struct ep_retry_item));
	if (e->slots == NULL || e->retry == NULL) {
		ep_engine_free(e);
		return EP_ENOMEM;
	}
	for (size_t i = e->opts.max_inflight; i-- > 0;) {
		struct ep_probe *p = slot_at(e, i);

		p->engine = e;
		p->next = e->free_list;
		e->free_list = p;
	}
	for (int i = 0; i < EP_PROTO_COUNT; i++) {
		if (ops[i] == NULL)
			continue;
		rc = ops[i]->open(e, cfg, &e->prober[i]);
		if (rc) {
			for (int k = 0; k < i; k++)
				if (e->prober[k])
					ops[k]->close(e->prober[k]);
			ep_engine_free(e);
			return rc;
		}
	}
	uv_timer_init(loop, &e->pace_timer);
	uv_timer_init(loop, &e->timeout_timer);
	e->pace_timer.data = e->timeout_timer.data = e;
	if (o->handle_signals) {
		uv_signal_init(loop, &e->sigint);
		uv_signal_init(loop, &e->sigterm);
		e->sigint.data = e->sigterm.data = e;
	}
	return 0;
}

int ep_engine_start(struct ep_engine *e)
{
	double burst = e->opts.rate * 0.005; /* 5 ms worth: covers timer jitter */

	e->start_ns = uv_hrtime();
	ep_pacer_init(&e->pacer, e->opts.rate, burst, e->start_ns);
	ep_losspace_init(&e->losspace, e->start_ns);
	if (e->opts.handle_signals) {
		uv_signal_start(&e->sigint, on_signal, SIGINT);
		uv_signal_start(&e->sigterm, on_signal, SIGTERM);
	}
	pump(e);
	return 0;
}

void ep_engine_free(struct ep_engine *e)
{
	free(e->slots);
	free(e->retry);
	ep_loss_free(&e->loss);
	e->slots = NULL;
	e->retry = NULL;
}

void ep_engine_summary(const struct ep_engine *e, struct ep_summary *s)
{
	uint64_t end = e->end_ns ? e->end_ns : uv_hrtime();

	s->probes_sent = e->sent;
	s->results = e->results;
	memcpy(s->counts, e->counts, sizeof(s->counts));
	s->unfinished = e->targets->total > e->results ? e->targets->total - e->results : 0;
	s->backoffs = e->backoffs;
	s->duration_s = e->start_ns ? (double)(end - e->start_ns) / 1e9 : 0;
	s->interrupted = e->interrupted;
	s->complete = s->unfinished == 0 && e->rc == 0;
}
