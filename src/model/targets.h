/* The scan's index space: groups of (address ranges x port set x protocol).
 * Index i maps to one (address, proto, port) in O(log ranges + log ports),
 * so no scope is ever expanded into memory. */
#ifndef EP_TARGETS_H
#define EP_TARGETS_H

#include <stdint.h>

#include "config/cidr.h"
#include "config/portspec.h"
#include "config/targetfile.h"

struct ep_target_group {
	enum ep_proto proto;
	struct ep_rangelist addrs; /* normalized, exclusions removed */
	uint64_t *range_before;    /* addresses in earlier ranges */
	struct ep_portset ports;
	uint64_t nhosts;
	uint64_t count;  /* nhosts * ports.count */
	uint64_t before; /* probes in earlier groups */
};

/* Owns its groups. */
struct ep_targets {
	struct ep_target_group *g;
	size_t n;
	uint64_t total;  /* sum of group counts (saturating) */
	uint64_t nhosts; /* distinct addresses over all groups */
};

struct ep_target {
	struct ep_addr addr;
	enum ep_proto proto;
	uint16_t port;
};

/* Builds the index space.  Entries without their own ports take defaults
 * (which may be NULL: then such an entry is an error).  An address listed
 * more than once is probed on the union of its port lists, once per port.
 * Exclusions always win.  protos is a bit mask of protocols to keep. */
int ep_targets_build(struct ep_targets *t, const struct ep_target_list *list,
                     const struct ep_portset defaults[EP_PROTO_COUNT],
                     const struct ep_rangelist *ex, unsigned protos, struct ep_diag *d);
void ep_targets_free(struct ep_targets *t);
void ep_targets_get(const struct ep_targets *t, uint64_t index, struct ep_target *out);
/* The inverse of ep_targets_get: the index of t, or -1 when t is not in the
 * scan (excluded, other ports).  O(groups x log ranges). */
int64_t ep_targets_find(const struct ep_targets *t, const struct ep_target *target);
/* 16 hex digits naming the scope: the same targets (addresses, protocols,
 * ports, after exclusions) give the same text on every machine, so shards
 * and their merge can tell they walked one plan. */
void ep_targets_fingerprint(const struct ep_targets *t, char out[17]);
/* Index of the group containing index; used for per-host bookkeeping. */
size_t ep_targets_group_of(const struct ep_targets *t, uint64_t index);

#endif
