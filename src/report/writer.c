/* Writer thread.  See writer.h.  Costs: one copy of each result into the
 * ring and one out; the ring lock is held only for those copies, never while
 * a sink formats, so producers contend on memcpy-sized sections only. */
#include "report/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <uv.h>

#include "base/err.h"

#define TAKE 256 /* results taken per round: one lock round trip each */

struct ep_writer {
	uv_mutex_t ring_lock; /* head, len, stop */
	uv_cond_t room;       /* len < cap, or a drain finished */
	uv_cond_t work;       /* len > 0 or stop */
	uv_mutex_t deliver;   /* held while cb runs */
	uv_thread_t tid;
	ep_result_cb cb;
	void *arg;
	struct ep_result *ring;
	size_t cap, head, len;
	size_t busy; /* results taken but not yet delivered */
	int stop;
	unsigned long long waits;
	char name[16];
	struct ep_result take[TAKE];
};

static void writer_main(void *arg)
{
	struct ep_writer *w = arg;

	prctl(PR_SET_NAME, w->name, 0, 0, 0); /* which thread is which, in perf and top */
	uv_mutex_lock(&w->ring_lock);
	for (;;) {
		size_t n, first;

		while (w->len == 0 && !w->stop)
			uv_cond_wait(&w->work, &w->ring_lock);
		if (w->len == 0)
			break; /* stop, and nothing left */
		n = w->len < TAKE ? w->len : TAKE;
		first = w->cap - w->head < n ? w->cap - w->head : n;
		memcpy(w->take, &w->ring[w->head], first * sizeof(w->ring[0]));
		memcpy(w->take + first, w->ring, (n - first) * sizeof(w->ring[0]));
		w->head = (w->head + n) & (w->cap - 1);
		w->len -= n;
		w->busy = n;
		uv_cond_broadcast(&w->room);
		uv_mutex_unlock(&w->ring_lock);

		uv_mutex_lock(&w->deliver);
		for (size_t i = 0; i < n; i++)
			w->cb(w->arg, &w->take[i]);
		uv_mutex_unlock(&w->deliver);

		uv_mutex_lock(&w->ring_lock);
		w->busy = 0;
		if (w->len == 0)
			uv_cond_broadcast(&w->room); /* drainers wait here too */
	}
	uv_mutex_unlock(&w->ring_lock);
}

int ep_writer_new(struct ep_writer **out, size_t cap, const char *name, ep_result_cb cb, void *arg)
{
	struct ep_writer *w = calloc(1, sizeof(*w));
	size_t c = 512;

	*out = NULL;
	if (w == NULL)
		return EP_ENOMEM;
	while (c < cap)
		c *= 2;
	w->ring = malloc(c * sizeof(w->ring[0]));
	if (w->ring == NULL) {
		free(w);
		return EP_ENOMEM;
	}
	w->cap = c;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->cb = cb;
	w->arg = arg;
	uv_mutex_init(&w->ring_lock);
	uv_mutex_init(&w->deliver);
	uv_cond_init(&w->room);
	uv_cond_init(&w->work);
	if (uv_thread_create(&w->tid, writer_main, w) != 0) {
		uv_cond_destroy(&w->work);
		uv_cond_destroy(&w->room);
		uv_mutex_destroy(&w->deliver);
		uv_mutex_destroy(&w->ring_lock);
		free(w->ring);
		free(w);
		return EP_ENOMEM;
	}
	*out = w;
	return 0;
}

void ep_writer_push(struct ep_writer *w, const struct ep_result *r, size_t n)
{
	uv_mutex_lock(&w->ring_lock);
	while (n > 0) {
		size_t room, k, tail, first;

		if (w->len == w->cap) {
			w->waits++;
			while (w->len == w->cap)
				uv_cond_wait(&w->room, &w->ring_lock);
		}
		room = w->cap - w->len;
		k = n < room ? n : room;
		tail = (w->head + w->len) & (w->cap - 1);
		first = w->cap - tail < k ? w->cap - tail : k;
		memcpy(&w->ring[tail], r, first * sizeof(*r));
		memcpy(w->ring, r + first, (k - first) * sizeof(*r));
		w->len += k;
		r += k;
		n -= k;
		uv_cond_signal(&w->work);
	}
	uv_mutex_unlock(&w->ring_lock);
}

void ep_writer_lock(struct ep_writer *w)
{
	uv_mutex_lock(&w->deliver);
}

void ep_writer_unlock(struct ep_writer *w)
{
	uv_mutex_unlock(&w->deliver);
}

void ep_writer_drain(struct ep_writer *w)
{
	uv_mutex_lock(&w->ring_lock);
	while (w->len > 0 || w->busy > 0)
		uv_cond_wait(&w->room, &w->ring_lock);
	uv_mutex_unlock(&w->ring_lock);
}

unsigned long long ep_writer_waits(struct ep_writer *w)
{
	unsigned long long n;

	uv_mutex_lock(&w->ring_lock);
	n = w->waits;
	uv_mutex_unlock(&w->ring_lock);
	return n;
}

void ep_writer_free(struct ep_writer *w)
{
	if (w == NULL)
		return;
	uv_mutex_lock(&w->ring_lock);
	w->stop = 1;
	uv_cond_signal(&w->work);
	uv_mutex_unlock(&w->ring_lock);
	uv_thread_join(&w->tid);
	uv_cond_destroy(&w->work);
	uv_cond_destroy(&w->room);
	uv_mutex_destroy(&w->deliver);
	uv_mutex_destroy(&w->ring_lock);
	free(w->ring);
	free(w);
}
