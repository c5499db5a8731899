/* A pool of engines, one per thread, each walking its own shard of the same
 * permutation on its own libuv loop.  perf showed a connect scan is bound by
 * the kernel's connect path in the sending thread, so a second core nearly
 * doubles throughput.  Results from all workers reach one callback on the
 * pool's writer thread, off the probing threads.  Created and controlled
 * from the main loop. */
#ifndef EP_POOL_H
#define EP_POOL_H

#include <uv.h>

#include "engine/engine.h"

struct ep_pool;

/* Starts n workers (n >= 1); each gets rate/n and max_inflight/n.
 * cb runs on the writer thread (one for the pool) with the pool lock held;
 * a full writer ring makes workers wait (results are never dropped).  on_done runs on
 * main_loop once every worker has finished.  The pool owns its threads,
 * loops and engines; free it with ep_pool_free after main_loop ends. */
/* o->shard_index/shard_count (this machine's part of a scan split across
 * machines, 0/0 for the whole) are split further, one part per worker.
 * ops[proto] probes targets of that protocol (NULL if there are none).
 * ready (may be NULL) runs on the calling thread once every prober is open
 * and before any worker starts; a nonzero return aborts the start. */
int ep_pool_start(struct ep_pool **out, uv_loop_t *main_loop, unsigned n,
                  const struct ep_engine_opts *o, const struct ep_targets *t,
                  const struct ep_prober_ops *const ops[EP_PROTO_COUNT],
                  const struct ep_config *cfg, ep_result_cb cb, void *arg,
                  void (*on_done)(void *arg), int (*ready)(void *arg));
/* From the main loop: stop sending (hard: abandon probes in flight too). */
void ep_pool_stop(struct ep_pool *p, int hard);
/* Shared state touched by cb must be read under this lock elsewhere. */
void ep_pool_lock(struct ep_pool *p);
void ep_pool_unlock(struct ep_pool *p);
/* Joins the threads, waits until cb has seen every result, and sums the workers' summaries
 * (unfinished and complete are left to the caller, who knows the scope). */
void ep_pool_free(struct ep_pool *p, struct ep_summary *sum, int *rc);

#endif
