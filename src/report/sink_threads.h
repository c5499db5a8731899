/* The sink set's threads (see ep_sinks_start_threads), as sink.c uses them.
 * Internal to report/sink.c and report/sink_threads.c. */
#ifndef EP_SINK_THREADS_H
#define EP_SINK_THREADS_H

#include "report/sink.h"

/* Copies r into the staging batch; a full batch goes to every thread. */
void ep_sink_threads_stage(struct ep_sink_threads *t, const struct ep_result *r);
/* Gives every thread what is staged. */
void ep_sink_threads_hand_over(struct ep_sink_threads *t);
/* Keeps sink i's thread out of the sink's state until release; with
 * drained, first waits until it has formatted all it was given (what
 * follows in the output must come after those results). */
void ep_sink_threads_hold(struct ep_sink_threads *t, int i, int drained);
void ep_sink_threads_release(struct ep_sink_threads *t, int i);

#endif
