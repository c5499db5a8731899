/* Targets from a saved inventory document (`ecsprobe inventory -o FILE`):
 * every address of every network interface (primary and secondary private
 * IPv4, public IPv4, IPv6), tagged with the interface it belongs to. */
#ifndef EP_INVTARGETS_H
#define EP_INVTARGETS_H

#include "config/targetfile.h"

/* Appends the addresses to l.  Errors name the file and, for malformed
 * JSON, the line and column. */
int ep_invtargets_load(struct ep_target_list *l, const char *path, struct ep_diag *d);

#endif
