/* What deliver.c and deliver_spool.c share: the delivery state.  Not for
 * other files: the outputs see only report/deliver.h. */
#ifndef EP_DELIVER_INTERNAL_H
#define EP_DELIVER_INTERNAL_H

#include <stdint.h>
#include <uv.h>

#include "report/deliver.h"
#include "report/deliver_queue.h"
#include "report/spool.h"

struct ep_deliver {
	uv_mutex_t mu;
	uv_cond_t cv;
	uv_thread_t thread;
	char *key;
	const struct ep_transport_ops *ops;
	void *tstate;
	struct ep_deliver_opts o;
	/* under mu */
	struct list mem;
	uint64_t dropped;
	int stopping;
	uint64_t deadline;
	int waiting; /* the thread sleeps until a push */
	/* the delivery thread's own (and the opener's before it starts) */
	struct ep_deliver_stats st;
	struct list settling;
	struct ep_spool_seg *segs;
	size_t nseg;
	int own;      /* index of this run's segment, -1 none yet */
	int spool_ok; /* a spool dir is set and writing to it works */
	uint64_t spool_bytes;
	int down;
	uint64_t down_since, retry_at, check_at;
	unsigned backoff_ms;
	uint64_t rng;
	uint8_t *rbuf;
	size_t rcap;
	struct item **batch; /* batch_max of each: the batch being sent */
	struct ep_event **evs;
	uint64_t lost_pending; /* in segments found unreadable */
	uint64_t sendno;       /* send() calls that accepted events */
	uint64_t replay_wait;  /* a replay send not yet acknowledged (ops->acked), or 0 */
};

/* Opens this run's own spool segment unless it is open: 0, or EP_ENOMEM,
 * or EP_EIO after one logged line. */
int ep_deliver_ensure_own(struct ep_deliver *dl);
/* Moves the memory queue to this run's spool segment, in batches of at most
 * batch_max with one fdatasync each; what does not fit (spool_max, or no
 * spool) is dropped and counted.  The delivery thread's. */
void ep_deliver_spool_mem(struct ep_deliver *dl);

#endif
