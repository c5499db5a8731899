/* Target lists: the --targets file ("ADDRESS|CIDR|RANGE [PORTSPEC]" per line,
 * '#' comments) and command-line targets, collected as entries. */
#ifndef EP_TARGETFILE_H
#define EP_TARGETFILE_H

#include <stddef.h>

#include "config/cidr.h"
#include "config/portspec.h"

struct ep_target_entry {
	struct ep_iprange range;
	int has_ports; /* 0: use the command line's -p */
	struct ep_portset ports[EP_PROTO_COUNT];
	char origin[64]; /* "file:line" or "argv", for messages */
};

/* Owns entries and their port sets. */
struct ep_target_list {
	struct ep_target_entry *e;
	size_t n, cap;
};

void ep_target_list_init(struct ep_target_list *l);
void ep_target_list_free(struct ep_target_list *l);
/* Parses one target ("10.0.0.0/24" or "10.0.0.1 22,80") and appends it. */
int ep_target_list_add(struct ep_target_list *l, const char *text, const char *origin,
                       struct ep_diag *d);
/* Appends one address with its own port sets (copied): for plans built in
 * memory, without a round trip through text. */
int ep_target_list_add_sets(struct ep_target_list *l, const struct ep_addr *a,
                            const struct ep_portset ports[EP_PROTO_COUNT], const char *origin);
/* Reads a targets file; d gets file:line:col on error.  Lines are capped at
 * 4 KiB and the file at 16 Mi entries. */
int ep_target_list_load(struct ep_target_list *l, const char *path, struct ep_diag *d);
/* Reads an exclusion file (one ADDRESS/CIDR/RANGE per line, '#' comments). */
int ep_exclude_load(struct ep_rangelist *ex, const char *path, struct ep_diag *d);

#endif
