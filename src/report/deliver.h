/* Delivery for network outputs (syslog, hec, securityhub): a bounded queue
 * in memory drained by the output's own thread, and a disk spool for what
 * the receiver does not take in time.
 *
 * Why a thread: results arrive on the engines' worker threads (under the
 * pool lock), findings on the main thread; a sender thread with a bounded
 * queue lets ep_deliver_push return at once from either, so a slow or dead
 * receiver never slows probing.  The transport's send() may block: it runs
 * only on that thread.
 *
 * At-least-once: every event carries a stable id (the receiver de-duplicates);
 * an event leaves the queue only when send() says the receiver accepted it.
 * On close, or when the queue overflows, events go to the spool
 * (--spool DIR: fsync'd, bounded size), and the next run for the same
 * destination (or `ecsprobe flush`) sends them first, oldest first.  Events
 * that fit neither queue nor spool are counted as dropped, never silently. */
#ifndef EP_DELIVER_H
#define EP_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct ep_event {
	char id[65]; /* stable id: a finding's id, or scan_id + target for results */
	size_t len;  /* bytes in data: one complete record in the transport's format */
	char data[]; /* owned by the queue */
};

struct ep_transport_ops {
	const char *name;
	/* Sends events (in order); sets *accepted to how many the receiver has
	 * taken (a prefix).  0 = all taken; EP_EAGAIN / EP_EIO = try again
	 * later (the queue backs off, then spools).  Blocking allowed: runs on
	 * the delivery thread only. */
	int (*send)(void *tstate, struct ep_event *const *ev, size_t n, size_t *accepted);
	/* Frees tstate (delivery thread, after the last send). */
	void (*close)(void *tstate);
	/* Protocols without an application-level acknowledgement (syslog):
	 * an accepted event is only final after settle_ms with the connection
	 * still healthy; until then it is kept, and sent again if the
	 * connection fails.  Health is asked with send(tstate, NULL, 0, ...):
	 * 0 healthy and everything written reached the peer, EP_EAGAIN not
	 * yet, anything else failed.  0 (the default): accepted is final.
	 * A receiver counts as back only once something is final. */
	unsigned settle_ms;
	/* Optional, with settle_ms: the number of the last send whose bytes the
	 * peer's transport (TCP) has acknowledged, counting from 1 the send()
	 * calls that accepted events; 0 with *upto set, anything else = the
	 * connection failed.  With it a replay from the spool keeps one batch
	 * unacknowledged at a time and commits the spool offset per batch, so
	 * a killed replay repeats at most one batch; acknowledged events still
	 * settle in memory (and are sent again if the connection fails). */
	int (*acked)(void *tstate, uint64_t *upto);
};

struct ep_deliver_opts {
	const char *spool_dir;  /* NULL: no spool (overflow and leftovers are dropped, counted) */
	uint64_t spool_max;     /* bytes (default 256 MiB) */
	size_t queue_max;       /* events in memory (default 100000) */
	size_t batch_max;       /* events per send (default 100) */
	unsigned close_wait_ms; /* how long close waits for the receiver (default 5000) */
};

/* sent: delivered (confirmed), replayed ones included; replayed: delivered
 * from a spool; spooled: written to the spool during this run (some may have
 * been sent later in the run); pending: left in the spool at close (what
 * the next run or `ecsprobe flush` must send); retries: failed sends. */
struct ep_deliver_stats {
	uint64_t sent, spooled, replayed, dropped, retries;
	uint64_t pending;
};

struct ep_deliver;

/* key names the destination (e.g. "syslog+tcp://127.0.0.1:6514"): its spool
 * file is derived from it, and what that spool holds is queued first.
 * tstate is owned by the delivery from here on (closed even on failure). */
int ep_deliver_open(struct ep_deliver **out, const char *key, const struct ep_transport_ops *ops,
                    void *tstate, const struct ep_deliver_opts *o, struct ep_diag *d);
/* Copies the record into the queue; never blocks.  Any thread. */
int ep_deliver_push(struct ep_deliver *dl, const char *id, const void *data, size_t len);
/* Waits up to close_wait_ms for the queue to drain, spools the rest, stops
 * the thread, frees dl.  Returns 0, or EP_EIO if anything was dropped. */
int ep_deliver_close(struct ep_deliver *dl, struct ep_deliver_stats *st);

/* How an output names what it delivers, for ep_deliver_close_report. */
struct ep_deliver_words {
	const char *log;  /* subsystem: "syslog" */
	const char *noun; /* "events" */
	const char *verb; /* "delivered" */
	const char *redo; /* what `ecsprobe flush` does with them: "sends" */
};

/* ep_deliver_close, then what was not delivered said the same way by every
 * network output: events kept in the spool (and the command that sends
 * them), events dropped, spooled events delivered.  dest prefixes the
 * messages (NULL: none).  Returns the close status, or EP_EAGAIN when
 * events wait in the spool (the run is incomplete). */
int ep_deliver_close_report(struct ep_deliver *dl, const struct ep_deliver_words *w,
                            const char *dest, const char *spool, struct ep_deliver_stats *st);

#endif
