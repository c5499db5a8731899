/* The writer: results handed over by probing threads are delivered (counted,
 * formatted, written) on a thread of their own, so no probe waits while a
 * sink formats.  A bounded ring between them: a producer that finds it full
 * waits for room (back-pressure slows probing; no result is ever dropped).
 * Owns its thread and ring; created and freed by one owner thread. */
#ifndef EP_WRITER_H
#define EP_WRITER_H

#include <stddef.h>

#include "engine/engine.h"

struct ep_writer;

/* cap: results the ring holds (rounded up to a power of two, at least 512).
 * name: the thread's name in ps, top and perf (at most 15 bytes kept).
 * cb runs on the writer thread, with the delivery lock held. */
int ep_writer_new(struct ep_writer **out, size_t cap, const char *name, ep_result_cb cb, void *arg);
/* Any thread: copies n results in, in order; waits while the ring is full. */
void ep_writer_push(struct ep_writer *w, const struct ep_result *r, size_t n);
/* What cb touches must be read under this lock by other threads; never
 * held while pushing (the writer may be waiting for it). */
void ep_writer_lock(struct ep_writer *w);
void ep_writer_unlock(struct ep_writer *w);
/* Returns once every result pushed so far has been delivered. */
void ep_writer_drain(struct ep_writer *w);
/* Counters for the summary: pushes that had to wait for room. */
unsigned long long ep_writer_waits(struct ep_writer *w);
/* Drains, stops and joins the thread, frees w. */
void ep_writer_free(struct ep_writer *w);

#endif
