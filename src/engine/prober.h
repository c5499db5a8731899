/* The prober interface: one file per probe method, registered in probers.def.
 * The engine owns every probe slot; a prober keeps its per-probe data in the
 * `priv` area of the slot (probe_size bytes) so a probe costs no malloc. */
#ifndef EP_PROBER_H
#define EP_PROBER_H

#include <stddef.h>
#include <stdint.h>

#include "results/result.h"

struct ep_engine;
struct ep_config;

struct ep_probe {
	struct ep_engine *engine;
	struct ep_target t;
	uint64_t index;
	unsigned attempt;             /* 1 for the first try */
	uint64_t start_ns;            /* monotonic */
	struct ep_probe *prev, *next; /* engine's in-flight FIFO / free list */
	uint8_t reported;
	uint8_t in_fifo;
	_Alignas(16) unsigned char priv[]; /* prober's per-probe state */
};

struct ep_prober_ops {
	const char *name;
	const char *help;
	const char *bpf; /* capture filter, or NULL when the prober needs no capture */
	size_t probe_size;
	int (*open)(struct ep_engine *e, const struct ep_config *c, void **state);
	/* Starts p.  Returns 0 when the prober now holds p: it must then call
	 * ep_engine_report() once (unless cancelled) and ep_engine_release()
	 * once (either may happen before start returns).  Returns EP_EAGAIN when out of a resource
	 * (sockets, ports, buffers): p was not started and the engine backs off and retries. */
	int (*start)(void *state, struct ep_probe *p);
	/* Timeout: stop p without reporting, then ep_engine_release() it (now
	 * or later). */
	void (*cancel)(void *state, struct ep_probe *p);
	void (*close)(void *state);
	/* Optional: capture counters for the summary (raw probers). */
	void (*stats)(void *state, struct ep_summary *s);
	/* Silence after every retry means open|filtered (UDP: an open port
	 * need not answer), not filtered. */
	int silence_ambiguous;
};

/* Called by probers, from loop callbacks only. */
void ep_engine_report(struct ep_probe *p, enum ep_state state, enum ep_reason reason);
/* Same, naming what answered (a static string that outlives the scan). */
void ep_engine_report_probe(struct ep_probe *p, enum ep_state state, enum ep_reason reason,
                            const char *probe);
void ep_engine_release(struct ep_probe *p);
struct uv_loop_s *ep_engine_loop(struct ep_engine *e);

/* The registry (probers.def). */
const struct ep_prober_ops *ep_prober_find(const char *name);

#endif
