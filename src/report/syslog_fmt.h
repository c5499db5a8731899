/* RFC 5424 syslog messages for findings and results: header, one SD-ELEMENT
 * [ecsprobe@32473 ...] carrying every field, and a readable MSG.  Pure
 * formatting into an ep_buf; no I/O. */
#ifndef EP_SYSLOG_FMT_H
#define EP_SYSLOG_FMT_H

#include <stdint.h>

#include "base/buf.h"
#include "results/result.h"

struct ep_finding;

#define EP_SYSLOG_SDID "ecsprobe@32473"

/* Fixed per output; strings borrowed. */
struct ep_syslog_meta {
	int facility;         /* 0-23 */
	const char *hostname; /* PRINTUSASCII, at most 255; "-" for none */
	unsigned pid;
	const char *scan_id;
	char scan_key[17]; /* 16 hex of SHA-256(scan_id): ep_syslog_meta_init */
};

/* Sets scan_id and derives scan_key (the first half of every event id). */
void ep_syslog_meta_init(struct ep_syslog_meta *m, const char *scan_id);
/* Appends one message (no framing, no trailing newline) and writes the
 * event id into id: 32 hex, the scan's key then the finding's id, so the
 * same finding in the same run always has the same event id. */
int ep_syslog_finding(struct ep_buf *b, const struct ep_syslog_meta *m, const struct ep_finding *f,
                      uint64_t now_ns, char id[65]);
/* The same for a result (no printf: the hot path, about 1 us); its id is
 * the scan's key then a 64-bit hash of the target (address, proto, port). */
int ep_syslog_result(struct ep_buf *b, const struct ep_syslog_meta *m, const struct ep_result *r,
                     char id[65]);
/* Appends s as an SD PARAM-VALUE (without quotes): '"', '\' and ']'
 * escaped with '\', control characters and invalid UTF-8 as '?'. */
int ep_syslog_sd_value(struct ep_buf *b, const char *s);
/* Appends s as MSG: printable ASCII as is; otherwise a UTF-8 BOM first
 * (RFC 5424 6.4), invalid UTF-8 and control characters as '?'. */
int ep_syslog_msg(struct ep_buf *b, const char *s);
/* Facility by name (kern, user, daemon, auth, authpriv, audit, local0-7)
 * or number 0-23; -1 when unknown. */
int ep_syslog_facility(const char *name);

#endif
