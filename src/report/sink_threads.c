/* One formatting thread per sink that takes results.  The thread that
 * delivers results (the pool's writer) stages them and hands each full
 * batch to every sink's ring: one lock round trip per sink per batch, a
 * copy per sink (a result is ~80 bytes; a formatted one is 250 to 900).
 * A full ring makes the deliverer wait, and through it the probers: a slow
 * output slows the scan, it never loses results. */
#include "report/sink_threads.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/log.h"
#include "report/writer.h"

#define STAGE 256  /* results handed over at once */
#define RING  4096 /* results a sink's ring holds: ~320 KiB */

struct one {
	struct ep_sinks *s;
	int i;
	struct ep_writer *w; /* NULL: this sink takes no results */
	int failed;          /* its thread only, until joined */
};

struct ep_sink_threads {
	struct one one[EP_MAX_SINKS];
	unsigned nstaged;
	struct ep_result staged[STAGE];
};

/* A sink's thread. */
static void format_one(void *arg, const struct ep_result *r)
{
	struct one *o = arg;

	if (o->s->ops[o->i]->result(o->s->state[o->i], r) && !o->failed) {
		o->failed = 1;
		ep_log(EP_LOG_ERROR, "output", "%s output failed; its results are incomplete",
		       o->s->ops[o->i]->name);
	}
}

int ep_sinks_start_threads(struct ep_sinks *s)
{
	struct ep_sink_threads *t;

	if (s->threads != NULL)
		return 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return EP_ENOMEM;
	s->threads = t;
	for (int i = 0; i < s->n; i++) {
		char name[16];

		t->one[i].s = s;
		t->one[i].i = i;
		if (s->ops[i]->result == NULL || s->state[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "ep-sink-%s", s->ops[i]->name);
		if (ep_writer_new(&t->one[i].w, RING, name, format_one, &t->one[i]) != 0) {
			ep_sinks_stop_threads(s);
			return EP_ENOMEM;
		}
	}
	return 0;
}

void ep_sink_threads_hand_over(struct ep_sink_threads *t)
{
	if (t->nstaged == 0)
		return;
	for (int i = 0; i < EP_MAX_SINKS; i++)
		if (t->one[i].w != NULL)
			ep_writer_push(t->one[i].w, t->staged, t->nstaged);
	t->nstaged = 0;
}

void ep_sink_threads_stage(struct ep_sink_threads *t, const struct ep_result *r)
{
	t->staged[t->nstaged++] = *r;
	if (t->nstaged == STAGE)
		ep_sink_threads_hand_over(t);
}

void ep_sink_threads_hold(struct ep_sink_threads *t, int i, int drained)
{
	if (t->one[i].w == NULL)
		return;
	if (drained) {
		ep_sink_threads_hand_over(t);
		ep_writer_drain(t->one[i].w);
	}
	ep_writer_lock(t->one[i].w);
}

void ep_sink_threads_release(struct ep_sink_threads *t, int i)
{
	if (t->one[i].w != NULL)
		ep_writer_unlock(t->one[i].w);
}

void ep_sinks_stop_threads(struct ep_sinks *s)
{
	struct ep_sink_threads *t = s->threads;

	if (t == NULL)
		return;
	ep_sink_threads_hand_over(t);
	for (int i = 0; i < EP_MAX_SINKS; i++) {
		ep_writer_free(t->one[i].w); /* formats what it holds, then joins */
		if (t->one[i].failed)
			s->failed = 1;
	}
	s->threads = NULL;
	free(t);
}
