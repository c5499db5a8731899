/* The probe engine: permutation cursor -> pacer -> prober, with a bounded
 * number of probes in flight, timeouts, retries, resource back-off and a
 * graceful stop on SIGINT/SIGTERM.  Runs on the caller's libuv loop; the
 * caller owns the engine struct, the targets and the callbacks' argument. */
#ifndef EP_ENGINE_H
#define EP_ENGINE_H

#include <stdint.h>
#include <uv.h>

#include "engine/loss.h"
#include "engine/losspace.h"
#include "engine/pacer.h"
#include "engine/permute.h"
#include "engine/wallclock.h"
#include "engine/prober.h"
#include "results/result.h"

struct ep_engine_opts {
	double rate; /* probes per second */
	unsigned max_inflight;
	unsigned timeout_ms;     /* the longest wait for an answer */
	unsigned min_timeout_ms; /* adaptive: 0 = always timeout_ms; else wait srtt + 4 rttvar
	                          * (RFC 6298), no less than this, once answers were timed */
	unsigned retries;        /* extra attempts for probes that got no answer (the floor) */
	unsigned retries_max;    /* > retries: up to this many more while measured loss says a
	                          * silent target may have answered (engine/loss.h); else fixed */
	uint64_t seed;
	unsigned shard_index; /* this engine walks part shard_index of shard_count */
	unsigned shard_count; /* 0 or 1: the whole permutation */
	int handle_signals;   /* install SIGINT/SIGTERM handlers */
	const uint8_t *skip;  /* optional bitmap by index: already measured (--resume) */
};

typedef void (*ep_result_cb)(void *arg, const struct ep_result *r);

struct ep_retry; /* engine.c's retry item */

struct ep_engine {
	uv_loop_t *loop;
	struct ep_engine_opts opts;
	const struct ep_targets *targets;
	/* one prober per protocol (NULL: no targets of that protocol) */
	const struct ep_prober_ops *ops[EP_PROTO_COUNT];
	void *prober[EP_PROTO_COUNT];
	ep_result_cb on_result;
	void *arg;
	void (*on_done)(void *arg); /* optional: called once when the engine closes */

	struct ep_permute perm;
	struct ep_pacer pacer;
	int perm_done;

	/* slots: one allocation of max_inflight fixed-size probes */
	unsigned char *slots;
	size_t slot_size;
	struct ep_probe *free_list;
	struct ep_probe *fifo_head, *fifo_tail; /* in flight, oldest first */
	unsigned inflight;
	unsigned cap;            /* current in-flight limit (shrinks on back-off) */
	uint64_t pause_until_ns; /* back-off */

	/* retries: ring of (index, attempt) waiting to be re-sent */
	struct ep_retry *retry;
	size_t retry_cap, retry_head, retry_len;

	unsigned idle_backoffs;
	int pumping;

	uv_timer_t pace_timer;
	uv_timer_t timeout_timer;
	uv_signal_t sigint, sigterm;
	int handles_open;

	int stopping; /* 1: no new work; 2: in-flight cancelled too */
	int interrupted;
	int closing;
	int rc;

	/* counters, read by the progress line and the summary */
	uint64_t sent;
	uint64_t results;
	uint64_t counts[EP_STATE_COUNT];
	uint64_t unfinished;
	uint64_t backoffs;
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t walked_ns; /* every target had its first probe */
	/* adaptive timeout (RFC 6298 estimator over first-attempt answers) */
	double srtt_ns, rttvar_ns;
	uint64_t rtt_samples;
	uint64_t timeout_ns;       /* the wait in force */
	struct ep_summary capture; /* probers' capture counters, filled at close */
	uint64_t congested_ns;     /* last rate cut */
	uint64_t congestions;
	struct ep_loss loss;           /* measured loss and the retry policy */
	struct ep_losspace losspace;   /* slows down when loss rises with the rate */
	struct ep_wallclock wallclock; /* results' wall-clock time */
};

/* Prepares e; opens the prober.  Nothing is sent until ep_engine_start. */
int ep_engine_init(struct ep_engine *e, uv_loop_t *loop, const struct ep_engine_opts *o,
                   const struct ep_targets *t,
                   const struct ep_prober_ops *const ops[EP_PROTO_COUNT],
                   const struct ep_config *cfg, ep_result_cb cb, void *arg);
/* Starts sending; the engine closes its handles by itself when all work is
 * done or it was stopped, so uv_run returns. */
int ep_engine_start(struct ep_engine *e);
/* Stop sending new probes; in-flight ones drain (hard: cancel them too). */
void ep_engine_stop(struct ep_engine *e, int hard);
/* A prober about to finish many probes in one go (a capture read) holds
 * the engine: releases then send nothing, and ep_engine_unhold tops up once
 * at the end.  Without it, on a link that answers within sendmmsg (veth,
 * lo), every reply would send the next probe from inside the read, the read
 * would never run dry, and no timer would run.  Nestable: pass back what
 * ep_engine_hold returned. */
int ep_engine_hold(struct ep_engine *e);
void ep_engine_unhold(struct ep_engine *e, int held);
/* A prober saw loss on its path (capture drops): send slower.  The rate
 * drops by a quarter at most once per 250 ms and, after 250 ms without loss,
 * climbs back by half the configured rate per second (AIMD, as TCP does). */
void ep_engine_congested(struct ep_engine *e);
/* Frees memory after uv_run has returned. */
void ep_engine_free(struct ep_engine *e);
void ep_engine_summary(const struct ep_engine *e, struct ep_summary *s);

#endif
