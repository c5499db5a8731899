/* Targets from a saved inventory document (`ecsprobe inventory -o FILE`):
 * every address of every network interface (primary and secondary private
 * IPv4, public IPv4, IPv6), tagged with the interface it belongs to. */
#ifndef EP_INVTARGETS_H
#define EP_INVTARGETS_H

#include <cJSON.h>

#include "config/targetfile.h"

/* Reads and parses an inventory document (capped at 512 MiB); errors name
 * the file and, for malformed JSON, line and column, or say it is not an
 * inventory.  *doc is the caller's to cJSON_Delete. */
int ep_inventory_read(const char *path, cJSON **doc, struct ep_diag *d);
/* Appends the addresses to l.  Errors name the file and, for malformed
 * JSON, the line and column. */
int ep_invtargets_load(struct ep_target_list *l, const char *path, struct ep_diag *d);

#endif
