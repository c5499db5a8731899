/* What a scan settles before it probes: its id and seed, the descriptor
 * limit, the TCP mode, the dry run's plan, and inputs that would clash. */
#ifndef EP_SCAN_SETUP_H
#define EP_SCAN_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "config/options.h"
#include "model/targets.h"

uint64_t ep_scan_random_u64(void);
/* A random UUID (version 4), the scan's id. */
void ep_scan_make_id(char *out, size_t outlen);
/* Raises the descriptor limit as far as allowed; returns the soft limit. */
unsigned long ep_scan_raise_nofile(void);
/* The dry run's plan, on stdout. */
void ep_scan_print_plan(const struct ep_targets *t, const struct ep_config *c, uint64_t seed);
int ep_targets_has_proto(const struct ep_targets *t, enum ep_proto p);
/* auto -> syn when raw sockets can be opened, else connect; syn without the
 * privilege is refused (EP_EPERM, d filled). */
int ep_scan_resolve_mode(struct ep_config *c, struct ep_diag *d);
/* --resume FILE that is also an output would be truncated before it is
 * read: EP_EINVAL with d filled, else 0. */
int ep_scan_resume_is_output(const struct ep_config *c, struct ep_diag *d);

#endif
