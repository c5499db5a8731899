/* Delivery thread for network outputs: memory queue, batching, retry with
 * exponential backoff and jitter, settling for ack-less protocols, and the
 * disk spool (spool.c) for what the receiver does not take in time.
 *
 * Order of sending: the spool's segments oldest first (old runs', then this
 * run's own), then the memory queue; everything in the segments is older
 * than everything in memory, and moving memory to the spool appends its
 * oldest events first, so the order survives outages.  The thread holds the
 * lock only to move events in or out of the memory queue; sends, spool I/O
 * and fsyncs run unlocked, so ep_deliver_push never waits on them. */
#include "report/deliver.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <uv.h>

#include "base/log.h"
#include "report/deliver_internal.h"
#include "report/deliver_queue.h"
#include "report/spool.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define SPOOL_AFTER_MS 1000 /* receiver down this long: memory goes to the spool */
#define SETTLE_POLL_MS 20
#define ACK_POLL_NS    200000ULL /* a replay batch waiting for the peer's TCP ack */
#define MS             1000000ULL

static uint64_t jitter(struct ep_deliver *dl, unsigned ms)
{
	/* "equal jitter": half the delay fixed, half random (xorshift64*) */
	dl->rng ^= dl->rng >> 12;
	dl->rng ^= dl->rng << 25;
	dl->rng ^= dl->rng >> 27;
	return (ms / 2 + (dl->rng * 0x2545F4914F6CDD1DULL >> 33) % (ms / 2 + 1)) * MS;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t seg_pending(const struct ep_deliver *dl)
{
	uint64_t n = 0;

	for (size_t i = 0; i < dl->nseg; i++)
		if (dl->segs[i].fd >= 0)
			n += dl->segs[i].pending;
	return n;
}

/* Delivered: counts them, and commits their segments' offsets.  Only this
 * ends an outage: a send that "worked" proves little without an ack (a TLS
 * 1.3 server may still refuse the client certificate after the handshake). */
static void release(struct ep_deliver *dl, struct list *done)
{
	struct item *it;

	if (done->head && dl->down) {
		ep_log(EP_LOG_INFO, "output", "%s: delivering again", dl->key);
		dl->down = 0;
	}
	while ((it = ep_dq_pop(done)) != NULL) {
		struct ep_spool_seg *s =
		    it->seg >= 0 && dl->segs[it->seg].fd >= 0 ? &dl->segs[it->seg] : NULL;
		uint64_t nrec = 1;

		dl->st.sent++;
		if (it->seg >= 0 || it->early)
			dl->st.replayed++;
		if (s) {
			/* one commit (and fdatasync) for a run of the same segment;
			 * records committed early (commit_acked) are not counted again */
			nrec = !it->early;
			while (done->head && done->head->seg == it->seg) {
				struct item *next = ep_dq_pop(done);

				dl->st.sent++;
				dl->st.replayed++;
				nrec += !next->early;
				free(it);
				it = next;
			}
			if (nrec && ep_spool_seg_commit(s, it->seg_end, nrec))
				ep_log(EP_LOG_WARN, "output",
				       "%s: spool %s: cannot record progress "
				       "(its events may be sent again)",
				       dl->key, s->path);
			if (s->off == s->end && s->rd == s->end) {
				if (!s->own) {
					dl->spool_bytes -= file_size(s->path);
					ep_spool_seg_close(s);
				} else if (s->end > s->hdr) {
					dl->spool_bytes -= s->end - s->hdr;
					if (ep_spool_seg_reset(s))
						dl->spool_ok = 0;
				}
			}
		}
		free(it);
	}
}

/* Something failed: whatever is unconfirmed (settling, then the rest of the
 * batch) is sent again: records from segments are read again, memory
 * events go back to the front of the queue. */
static void requeue(struct ep_deliver *dl, struct list *rest)
{
	struct list back = {0};
	struct item *it;

	ep_dq_prepend(rest, &dl->settling);
	dl->replay_wait = 0;
	while ((it = ep_dq_pop(rest)) != NULL) {
		if (it->seg >= 0 && !it->early) {
			free(it);
		} else {
			/* committed early: the segment no longer holds it */
			it->seg = -1;
			ep_dq_push(&back, it);
		}
	}
	for (size_t i = 0; i < dl->nseg; i++)
		dl->segs[i].rd = dl->segs[i].off;
	uv_mutex_lock(&dl->mu);
	ep_dq_prepend(&dl->mem, &back);
	uv_mutex_unlock(&dl->mu);
}

static void fail(struct ep_deliver *dl, struct list *rest, uint64_t now)
{
	requeue(dl, rest);
	if (!dl->down) {
		dl->down = 1;
		dl->down_since = now;
		dl->backoff_ms = BACKOFF_MIN_MS;
		ep_log(EP_LOG_WARN, "output", "%s: delivery failing; retrying%s", dl->key,
		       dl->spool_ok ? " and spooling" : " (no --spool: events wait in memory)");
	} else {
		dl->backoff_ms =
		    dl->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : dl->backoff_ms * 2;
	}
	dl->st.retries++;
	dl->retry_at = now + jitter(dl, dl->backoff_ms);
}

/* The next events to send, oldest first: unread records of the segments,
 * else the head of the memory queue.  They leave the queue (not the spool)
 * until accepted or requeued. */
static size_t next_batch(struct ep_deliver *dl, struct item **b)
{
	size_t n = 0;

	for (size_t i = 0; i < dl->nseg && n == 0; i++) {
		struct ep_spool_seg *s = &dl->segs[i];
		struct ep_spool_rec r;

		while (n < dl->o.batch_max && s->fd >= 0 && s->rd < s->end) {
			struct item *it;

			if (ep_spool_seg_read(s, &dl->rbuf, &dl->rcap, &r) != 1) {
				ep_log(EP_LOG_ERROR, "output",
				       "%s: spool %s unreadable; left as is", dl->key, s->path);
				/* keep the file and count what it holds, but stop using it */
				s->keep = 1;
				dl->lost_pending += s->pending;
				ep_spool_seg_close(s);
				break;
			}
			it = ep_dq_item_new(r.id, r.idlen, r.data, r.len);
			if (it == NULL) {
				s->rd -= r.size;
				break;
			}
			it->seg = (int)i;
			it->seg_end = s->rd;
			b[n++] = it;
		}
	}
	if (n)
		return n;
	uv_mutex_lock(&dl->mu);
	while (n < dl->o.batch_max && dl->mem.head)
		b[n++] = ep_dq_pop(&dl->mem);
	uv_mutex_unlock(&dl->mu);
	return n;
}

static void send_batch(struct ep_deliver *dl, struct item **b, size_t n)
{
	struct ep_event **evs = dl->evs;
	struct list rest = {0}, done = {0};
	size_t acc = 0;
	uint64_t now;
	int rc;

	for (size_t i = 0; i < n; i++)
		evs[i] = b[i]->ev;
	rc = dl->ops->send(dl->tstate, evs, n, &acc);
	now = uv_hrtime();
	if (acc > n)
		acc = n;
	if (rc == 0 && acc < n)
		rc = EP_EIO; /* "0 = all taken": anything else is a failure */
	if (acc)
		dl->sendno++;
	for (size_t i = 0; i < n; i++) {
		b[i]->sent_ns = now;
		b[i]->sendno = dl->sendno;
		if (i < acc && b[i]->seg >= 0 && dl->ops->acked && dl->ops->settle_ms)
			dl->replay_wait = dl->sendno;
		if (i >= acc)
			ep_dq_push(&rest, b[i]);
		else
			ep_dq_push(dl->ops->settle_ms ? &dl->settling : &done, b[i]);
	}
	release(dl, &done);
	if (rc)
		fail(dl, &rest, now);
}

/* Settling events older than settle_ms are final once the transport says
 * the connection is healthy. */
static void check_settled(struct ep_deliver *dl, uint64_t now)
{
	uint64_t settle = dl->ops->settle_ms * MS;
	struct list done = {0}, rest = {0};
	size_t acc = 0;
	int rc = dl->ops->send(dl->tstate, NULL, 0, &acc);

	if (rc == EP_EAGAIN) {
		dl->check_at = now + SETTLE_POLL_MS * MS;
		return;
	}
	if (rc) {
		fail(dl, &rest, now);
		return;
	}
	while (dl->settling.head && dl->settling.head->sent_ns + settle <= now)
		ep_dq_push(&done, ep_dq_pop(&dl->settling));
	release(dl, &done);
}

/* Settling records of segments sent by sends up to upto are in the peer's
 * hands: their segments' offsets move past them now (one commit and
 * fdatasync per run of a segment), so a killed process does not send them
 * again; they stay in settling, and go back to the memory queue if the
 * connection fails before they settle. */
static void commit_acked(struct ep_deliver *dl, uint64_t upto)
{
	struct item *it = dl->settling.head;

	while (it && it->sendno <= upto) {
		struct item *last = NULL;
		uint64_t nrec = 0;
		int seg = it->seg;

		for (; it && it->sendno <= upto && it->seg == seg; it = it->next) {
			if (seg >= 0 && !it->early) {
				it->early = 1;
				last = it;
				nrec++;
			}
		}
		if (last && dl->segs[seg].fd >= 0 &&
		    ep_spool_seg_commit(&dl->segs[seg], last->seg_end, nrec))
			ep_log(
			    EP_LOG_WARN, "output",
			    "%s: spool %s: cannot record progress (its events may be sent again)",
			    dl->key, dl->segs[seg].path);
	}
}

/* A replay send waits for the peer's TCP ack before the next (ops->acked):
 * 1 still waiting, 0 go on (acknowledged, or failed and requeued). */
static int replay_gate(struct ep_deliver *dl, uint64_t now)
{
	struct list rest = {0};
	uint64_t upto = 0;
	int rc = dl->ops->acked(dl->tstate, &upto);

	if (rc) {
		fail(dl, &rest, now);
		return 0;
	}
	if (upto < dl->replay_wait)
		return 1;
	commit_acked(dl, upto);
	dl->replay_wait = 0;
	return 0;
}

/* Sleeps until t (monotonic ns; 0 = no limit) or a push (when want_push)
 * or close. */
static void sleep_until(struct ep_deliver *dl, uint64_t t, int want_push)
{
	uint64_t now = uv_hrtime();

	uv_mutex_lock(&dl->mu);
	if (dl->stopping && (t == 0 || dl->deadline < t))
		t = dl->deadline;
	if ((want_push && dl->mem.n) || (t && t <= now)) {
		uv_mutex_unlock(&dl->mu);
		return;
	}
	dl->waiting = want_push;
	if (t == 0)
		uv_cond_wait(&dl->cv, &dl->mu);
	else
		(void)uv_cond_timedwait(&dl->cv, &dl->mu, t - now);
	dl->waiting = 0;
	uv_mutex_unlock(&dl->mu);
}

static void run(void *arg)
{
	struct ep_deliver *dl = arg;
	uint64_t settle = dl->ops->settle_ms * MS;
	struct item **b = dl->batch;
	sigset_t all;

	/* signals belong to the main thread; a write to a closed socket here
	 * then fails with EPIPE instead of raising SIGPIPE */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		uint64_t now = uv_hrtime(), deadline;
		size_t memn, n;
		int stopping;

		uv_mutex_lock(&dl->mu);
		stopping = dl->stopping;
		deadline = dl->deadline;
		memn = dl->mem.n;
		uv_mutex_unlock(&dl->mu);
		if (stopping &&
		    (now >= deadline || (memn == 0 && dl->settling.n == 0 && seg_pending(dl) == 0)))
			break;
		if (dl->settling.head && dl->settling.head->sent_ns + settle <= now &&
		    now >= dl->check_at) {
			check_settled(dl, now);
			continue;
		}
		if (dl->down && now < dl->retry_at) {
			if (memn && dl->spool_ok &&
			    (stopping || now - dl->down_since >= SPOOL_AFTER_MS * MS ||
			     memn >= dl->o.queue_max / 2)) {
				ep_deliver_spool_mem(dl);
				continue;
			}
			sleep_until(dl, dl->retry_at, 0);
			continue;
		}
		if (memn >= dl->o.queue_max / 2 && dl->spool_ok) {
			/* a slow receiver: spill rather than drop when the queue fills
			 * (if the connection then fails, events still settling are sent
			 * after the spilled ones: order bends, nothing is lost) */
			ep_deliver_spool_mem(dl);
			continue;
		}
		if (dl->replay_wait && replay_gate(dl, now)) {
			sleep_until(dl, now + ACK_POLL_NS, 0);
			continue;
		}
		n = next_batch(dl, b);
		if (n) {
			send_batch(dl, b, n);
			continue;
		}
		if (dl->settling.head) {
			uint64_t t = dl->settling.head->sent_ns + settle;

			sleep_until(dl, t > dl->check_at ? t : dl->check_at, 1);
		} else {
			sleep_until(dl, 0, 1);
		}
	}
	/* closing: the unconfirmed go back, memory goes to the spool */
	{
		struct list rest = {0};

		requeue(dl, &rest);
	}
	if (dl->spool_ok) {
		ep_deliver_spool_mem(dl);
	} else {
		struct item *it;

		uv_mutex_lock(&dl->mu);
		while ((it = ep_dq_pop(&dl->mem)) != NULL) {
			dl->dropped++;
			free(it);
		}
		uv_mutex_unlock(&dl->mu);
	}
	dl->ops->close(dl->tstate);
	dl->tstate = NULL;
}

int ep_deliver_open(struct ep_deliver **out, const char *key, const struct ep_transport_ops *ops,
                    void *tstate, const struct ep_deliver_opts *o, struct ep_diag *d)
{
	struct ep_deliver *dl = calloc(1, sizeof(*dl));
	int rc = 0;

	*out = NULL;
	if (dl == NULL || (dl->key = strdup(key)) == NULL) {
		free(dl);
		ops->close(tstate);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	dl->ops = ops;
	dl->tstate = tstate;
	if (o)
		dl->o = *o;
	if (dl->o.spool_max == 0)
		dl->o.spool_max = 256ULL << 20;
	if (dl->o.queue_max == 0)
		dl->o.queue_max = 100000;
	if (dl->o.batch_max == 0 || dl->o.batch_max > 10000)
		dl->o.batch_max = dl->o.batch_max ? 10000 : 100;
	if (dl->o.close_wait_ms == 0)
		dl->o.close_wait_ms = 5000;
	dl->own = -1;
	if (getrandom(&dl->rng, sizeof(dl->rng), 0) != (ssize_t)sizeof(dl->rng) || dl->rng == 0)
		dl->rng = uv_hrtime() | 1;
	/* what earlier runs left for this destination goes first, oldest first */
	if (dl->o.spool_dir) {
		rc = ep_spool_open_key(dl->o.spool_dir, key, &dl->segs, &dl->nseg, &dl->spool_bytes,
		                       d);
		dl->spool_ok = rc == 0;
	}
	/* this run's segment now, while the directory is surely writable: a
	 * syn scan gives up root (and so the directory) once probing starts */
	if (rc == 0 && dl->spool_ok && ep_deliver_ensure_own(dl))
		rc = ep_diag_set(d, EP_EIO, 0, 0, "--spool %s: cannot create a spool file there",
		                 dl->o.spool_dir);
	dl->batch = calloc(dl->o.batch_max, sizeof(*dl->batch));
	dl->evs = calloc(dl->o.batch_max, sizeof(*dl->evs));
	if (rc == 0 && (dl->batch == NULL || dl->evs == NULL))
		rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	if (rc == 0 && (uv_mutex_init(&dl->mu) || uv_cond_init(&dl->cv)))
		rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "cannot create a lock");
	if (rc == 0 && uv_thread_create(&dl->thread, run, dl)) {
		uv_cond_destroy(&dl->cv);
		uv_mutex_destroy(&dl->mu);
		rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "cannot start the delivery thread");
	}
	if (rc) {
		for (size_t i = 0; i < dl->nseg; i++)
			ep_spool_seg_close(&dl->segs[i]);
		free(dl->segs);
		free(dl->batch);
		free(dl->evs);
		ops->close(tstate);
		free(dl->key);
		free(dl);
		return rc;
	}
	*out = dl;
	return 0;
}

int ep_deliver_push(struct ep_deliver *dl, const char *id, const void *data, size_t len)
{
	size_t idlen = strlen(id);
	struct item *it;
	int rc = 0;

	if (idlen > EP_SPOOL_MAX_ID || len > EP_SPOOL_MAX_RECORD)
		rc = EP_EINVAL;
	it = rc ? NULL : ep_dq_item_new(id, idlen, data, len);
	uv_mutex_lock(&dl->mu);
	if (it && (dl->stopping || dl->mem.n >= dl->o.queue_max)) {
		rc = EP_EAGAIN;
		free(it);
		it = NULL;
	}
	if (it == NULL) {
		dl->dropped++;
		uv_mutex_unlock(&dl->mu);
		return rc ? rc : EP_ENOMEM;
	}
	ep_dq_push(&dl->mem, it);
	/* wake the thread for work, or (when waiting out a backoff) to spool */
	if (dl->waiting || dl->mem.n == dl->o.queue_max / 2)
		uv_cond_signal(&dl->cv);
	uv_mutex_unlock(&dl->mu);
	return 0;
}

int ep_deliver_close(struct ep_deliver *dl, struct ep_deliver_stats *st)
{
	int rc;

	uv_mutex_lock(&dl->mu);
	dl->stopping = 1;
	dl->deadline = uv_hrtime() + dl->o.close_wait_ms * MS;
	uv_cond_signal(&dl->cv);
	uv_mutex_unlock(&dl->mu);
	uv_thread_join(&dl->thread);
	dl->st.dropped = dl->dropped;
	dl->st.pending = seg_pending(dl) + dl->lost_pending;
	for (size_t i = 0; i < dl->nseg; i++)
		ep_spool_seg_close(&dl->segs[i]);
	if (st)
		*st = dl->st;
	rc = dl->st.dropped ? EP_EIO : 0;
	uv_cond_destroy(&dl->cv);
	uv_mutex_destroy(&dl->mu);
	free(dl->segs);
	free(dl->batch);
	free(dl->evs);
	free(dl->rbuf);
	free(dl->key);
	free(dl);
	return rc;
}
