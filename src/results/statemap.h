/* What verify measured, per planned address: the address's probed ports per
 * protocol and four bits a port (0 = not measured, else the state + 1), so
 * memory follows the plan at half a byte a probe instead of a record a
 * probe.  Results for probes that are not in the plan are counted, not
 * kept.  Owns everything it points to. */
#ifndef EP_STATEMAP_H
#define EP_STATEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"
#include "config/portspec.h"
#include "results/result.h"

struct ep_addrstates {
	struct ep_addr addr;
	struct ep_portset ports[EP_PROTO_COUNT];
	uint8_t *nib[EP_PROTO_COUNT];
};

struct ep_statemap {
	struct ep_addrstates *a;
	size_t n, cap;
	uint32_t *slots; /* open addressing by address: entry index + 1, 0 = empty */
	size_t nslots;
	int sealed;
	uint64_t planned;                /* probes in the plan */
	uint64_t measured;               /* distinct planned probes with a state */
	uint64_t stray;                  /* results for probes the plan does not hold */
	uint64_t counts[EP_STATE_COUNT]; /* measured probes by state */
};

/* Adds an address's planned ports (a second add of the same address takes
 * the union); *index names it for ep_statemap_get.  Before ep_statemap_seal
 * only. */
int ep_statemap_add(struct ep_statemap *m, const struct ep_addr *a,
                    const struct ep_portset ports[EP_PROTO_COUNT], size_t *index);
/* Allocates the state bits: after it, put and get; no more adds. */
int ep_statemap_seal(struct ep_statemap *m);
/* Seals without allocating: each entry's bits come and go with
 * ep_statemap_hold/release (a merge that judges one address at a time). */
int ep_statemap_seal_lazy(struct ep_statemap *m);
int ep_statemap_hold(struct ep_statemap *m, size_t entry);
void ep_statemap_release(struct ep_statemap *m, size_t entry);
/* Records a result (the last one for a probe wins).  EP_ENOENT for a probe
 * the plan does not hold (counted in stray).  Called from the scan's
 * workers, serialised by the pool. */
int ep_statemap_put(struct ep_statemap *m, const struct ep_result *r);
/* The state of (proto, port) at entry index, or -1 when not measured or
 * not planned there. */
int ep_statemap_get(const struct ep_statemap *m, size_t index, enum ep_proto proto, uint16_t port);
/* By position in the entry's planned ports (ep_portset_at order): the state
 * or -1, and setting one; ep_statemap_set gives EP_EINVAL when the probe
 * already holds a state (two sources measured it). */
int ep_statemap_at(const struct ep_statemap *m, size_t entry, enum ep_proto proto, uint32_t index);
int ep_statemap_set(struct ep_statemap *m, size_t entry, enum ep_proto proto, uint32_t index,
                    enum ep_state state);
/* Sets count consecutive positions from index to state (a run of a shard's
 * states), whole bytes at a time: EP_EINVAL when one already holds a state,
 * with *conflict its position. */
int ep_statemap_fill(struct ep_statemap *m, size_t entry, enum ep_proto proto, uint32_t index,
                     uint32_t count, enum ep_state state, uint32_t *conflict);
/* The state at index (as ep_statemap_at) and how many positions from index
 * (at most limit) share it: eight bytes at a time over long runs. */
uint32_t ep_statemap_run(const struct ep_statemap *m, size_t entry, enum ep_proto proto,
                         uint32_t index, uint32_t limit, int *state);
/* The entry of address a, or -1. */
int64_t ep_statemap_find(const struct ep_statemap *m, const struct ep_addr *a);
void ep_statemap_free(struct ep_statemap *m);

#endif
