/* Helpers shared by the SIEM and scanning-platform sinks (ocsf, elastic, cef,
 * sarif, asff): a buffered whole-record writer, owner parsing, stable result
 * ids, timestamps, and each format's severity scale in one place. */
#ifndef EP_EXPORT_H
#define EP_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "compare/findings.h"
#include "config/cidr.h"
#include "net/cookie.h"
#include "report/objects.h"
#include "results/result.h"

/* A destination: a file (truncated), stdout ("-" or none) or an S3 object
 * (s3://BUCKET/KEY, written locally and uploaded at close: objects.h).
 * Records are appended to buf and written with write(2) only at record
 * boundaries, so a killed scan leaves whole records.  Owns out and buf. */
struct ep_export {
	struct ep_buf buf;
	int fd; /* out.fd */
	int failed;
	struct ep_output out;
};

/* format names the sink in the message when dest cannot be opened. */
int ep_export_open(struct ep_export *x, const char *format, const char *dest, struct ep_diag *d);
/* Call after each whole record: writes out when 64 KiB have gathered. */
int ep_export_end(struct ep_export *x);
int ep_export_flush(struct ep_export *x);
/* Flushes, closes the file (uploads it, for S3), frees the buffer; EP_EIO
 * if anything failed. */
int ep_export_close(struct ep_export *x);
/* Sink callbacks for a state that begins with its struct ep_export: flush;
 * and close, for one that owns nothing else (heap-allocated, freed here). */
int ep_export_sink_flush(void *state);
int ep_export_sink_close(void *state, const struct ep_summary *s);

/* What an owner string ("cluster/service[/container]", "lb/NAME", or an
 * interface id) names.  The load balancer form wins for "lb/X" (as verify
 * builds it). */
enum ep_owner_kind { EP_OWNER_ECS, EP_OWNER_LB, EP_OWNER_ENI };

struct ep_owner {
	enum ep_owner_kind kind;
	char cluster[192], service[192], container[192]; /* ECS */
	char name[192];                                  /* LB name or interface id */
};

void ep_export_owner(const char *owner, struct ep_owner *out);

/* Appends a string literal without strlen (hot paths). */
#define EP_ADDL(b, lit) ep_buf_add((b), "" lit, sizeof(lit) - 1)

/* Appends the address as text (ep_addr_format: IPv6 canonical, RFC 5952). */
int ep_export_addr(struct ep_buf *b, const struct ep_addr *a);

/* A stable id for a result: 16 hex digits of SipHash over scan id, address,
 * protocol and port (the same target in the same scan, the same id). */
void ep_export_result_id(const char *scan_id, const struct ep_result *r, char out[17]);
/* The same ids with the scan id hashed once, for outputs that give every
 * result an id (a third of their formatting time went to hashing it). */
struct ep_result_ids {
	struct ep_siphash_prefix pre;
};
void ep_result_ids_init(struct ep_result_ids *ids, const char *scan_id);
void ep_result_ids_make(const struct ep_result_ids *ids, const struct ep_result *r, char out[17]);

/* Wall clock now, in nanoseconds. */
uint64_t ep_export_now_ns(void);
/* "YYYY-MM-DDTHH:MM:SS[.frac]Z" (as ep_time_format writes) to nanoseconds;
 * EP_EPARSE otherwise. */
int ep_export_time_parse(const char *s, uint64_t *ns);

/* Caches the text of the current second, so per-result timestamps cost no
 * gmtime/strftime: appends "YYYY-MM-DDTHH:MM:SS.mmmZ" (digits = 3) or with
 * microseconds (digits = 6). */
struct ep_tscache {
	uint64_t sec;
	char text[24]; /* "YYYY-MM-DDTHH:MM:SS." */
};
int ep_export_ts(struct ep_buf *b, struct ep_tscache *c, uint64_t ns, unsigned digits);

/* The AWS partition of a region: aws, aws-cn or aws-us-gov. */
const char *ep_export_partition(const char *region);

/* ep_buf_json_str's output (RFC 8259 escaping), copying runs of plain bytes
 * at once: the finding renderers spend most of their time here. */
int ep_export_json_str(struct ep_buf *b, const char *s);
/* Appends "key":"value" (key is not escaped: callers pass literals). */
int ep_export_kv(struct ep_buf *b, const char *key, const char *val);

/* ArcSight CEF escaping.  Header fields: backslash and pipe escaped, CR, LF
 * and other control characters become spaces (no line breaks in a header).
 * Extension values: backslash and equals escaped, CR and LF as \r and \n,
 * other control characters spaces; pipes stay as they are. */
int ep_export_cef_header(struct ep_buf *b, const char *s);
int ep_export_cef_value(struct ep_buf *b, const char *s);

/* Severity scales. */
int ep_export_sev_ocsf(enum ep_severity s);          /* 2 Low .. 5 Critical */
int ep_export_sev_cef(enum ep_severity s);           /* 3, 5, 8, 10 */
int ep_export_sev_ecs(enum ep_severity s);           /* 21, 47, 73, 99 (Elastic risk) */
const char *ep_export_sev_sarif(enum ep_severity s); /* note, warning, error */
const char *ep_export_sev_asff(enum ep_severity s);  /* LOW .. CRITICAL */
const char *ep_export_sev_title(enum ep_severity s); /* Low .. Critical */

/* One line on what a finding kind means (SARIF rules, ASFF remediation). */
const char *ep_export_kind_text(enum ep_finding_kind k);
/* What to do about it. */
const char *ep_export_kind_fix(enum ep_finding_kind k);

#endif
