/* UDP (and TCP banner) probe payloads, loaded from the data files in probes/.
 * The format is documented in probes/README.md; one file per protocol.
 * A loaded set is read-only and owned by whoever called ep_payloads_load. */
#ifndef EP_PAYLOADS_H
#define EP_PAYLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "config/portspec.h"

#define EP_PAYLOAD_MAX 1400 /* bytes; larger payloads are a parse error */

struct ep_payload {
	char *name; /* "dns-version-bind" */
	char *file; /* basename of the file it came from */
	enum ep_proto proto;
	struct ep_portset ports; /* ports it is sent to */
	uint8_t *data;
	size_t len;
	uint8_t *match; /* optional response matcher: bytes at match_offset */
	size_t match_len;
	size_t match_offset;
	unsigned rarity;     /* 1 (common) .. 9 (rare); lower is sent first */
	uint8_t *match_mask; /* NULL: exact; else match_len bytes ANDed into the response */
	unsigned line;       /* line of its `probe` directive in file */
};

/* Owns everything it points to. */
struct ep_payloads {
	struct ep_payload *p;
	size_t n;
	const struct ep_payload *generic; /* the empty probe for unlisted ports */
};

/* Loads every *.probe file in dir (sorted by name), appending to s (zeroed
 * or loaded before).  On error fills d with "file:line: message", returns
 * EP_EPARSE (or EP_EIO, EP_ENOMEM) and leaves s as it was before the call.
 * Files are capped at 1 MiB, lines at 4 KiB, a set at 1024 probes. */
int ep_payloads_load_dir(struct ep_payloads *s, const char *dir, struct ep_diag *d);
/* Parses one file's text (name used in diagnostics, as its basename);
 * appends to s, or on error leaves s as it was. */
int ep_payloads_parse(struct ep_payloads *s, const char *name, const char *text, size_t len,
                      struct ep_diag *d);
void ep_payloads_free(struct ep_payloads *s);
/* Frees the rows from n on (the loaders' rollback); the array itself once
 * no row is left. */
void ep_payloads_truncate(struct ep_payloads *s, size_t n);
/* The payload to send to (proto, port): the lowest-rarity one listing the
 * port (the first loaded on a tie), else the generic one; NULL if there is
 * none.  O(probes x ranges): a hot path caches the answer per port. */
const struct ep_payload *ep_payloads_for(const struct ep_payloads *s, enum ep_proto proto,
                                         uint16_t port);
/* Does a response match p (p without a matcher accepts any response)? */
int ep_payload_matches(const struct ep_payload *p, const uint8_t *resp, size_t len);
/* Where the probe files are: $ECSPROBE_PROBES_DIR if set, else the installed
 * $(pkgdatadir)/probes if it exists, else the source tree's probes/ (in-tree
 * runs), else the installed path (so an error names it).  Static storage or
 * the environment; do not free. */
const char *ep_payloads_default_dir(void);

#endif
