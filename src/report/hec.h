/* Splunk HTTP Event Collector: the -o hec: destination, the token, the event
 * JSON, gzip, and the transport the delivery thread drives.  The token lives
 * only in the transport state and is never logged. */
#ifndef EP_HEC_H
#define EP_HEC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "report/deliver.h"

struct ep_result;
struct ep_finding;

#define EP_HEC_PATH        "/services/collector/event"
#define EP_HEC_TOKEN_MAX   512
#define EP_HEC_REQUEST_MAX (512u * 1024u) /* uncompressed bytes per POST */

/* -o hec:URL[?OPTION&...]: what the destination says.  Strings are copies. */
struct ep_hec_opts {
	char url[512];        /* https://host:port/services/collector/event */
	char ack_url[600];    /* the same origin's /services/collector/ack */
	char token_file[512]; /* token-file=FILE, "" for $ECSPROBE_HEC_TOKEN */
	char ca[512];         /* ca=FILE: trust these CAs instead of the system's */
	char index[80];       /* index=NAME, "" for the token's default */
	char host[256];       /* host=NAME for the events, default this machine's */
	int insecure;         /* insecure: no TLS verification (warned) */
	int ack;              /* ack: wait for indexer acknowledgement */
	long timeout_ms;      /* timeout=MS per request (default 10000) */
	long ack_timeout_ms;  /* ack-timeout=MS: give up waiting, send again (default 60000) */
};

/* Parses dest (the text after "hec:").  Fills d on error. */
int ep_hec_parse_dest(const char *dest, struct ep_hec_opts *o, struct ep_diag *d);
/* Reads the token from o->token_file or $ECSPROBE_HEC_TOKEN into out (which
 * the caller wipes after use); refuses empty tokens and control characters.
 * The message in d never contains the token. */
int ep_hec_load_token(const struct ep_hec_opts *o, char *out, size_t outlen, struct ep_diag *d);

/* What every event of a run carries. */
struct ep_hec_meta {
	const char *host;
	const char *index; /* NULL or "" for none */
	const char *scan_id;
};

/* Appends one HEC event object (no trailing newline) for a result or a
 * finding to b, and writes its stable id into id: the finding's id, or for
 * a result the hash of scan id and target that every output uses
 * (ep_export_result_id).  now_ns: the finding's time.  On failure b is as
 * it was. */
int ep_hec_render_result(struct ep_buf *b, const struct ep_hec_meta *m, const struct ep_result *r,
                         char id[65]);
int ep_hec_render_finding(struct ep_buf *b, const struct ep_hec_meta *m, const struct ep_finding *f,
                          uint64_t now_ns, char id[65]);

/* gzip (RFC 1952) of in[0..len) appended to out. */
int ep_hec_gzip(const void *in, size_t len, struct ep_buf *out);

/* Shared between the sink (main thread) and the transport (delivery
 * thread): set once by the transport when the receiver refuses for a
 * reason retrying cannot fix.  Owned by the sink; outlives the transport. */
struct ep_hec_status {
	atomic_int fatal; /* an EP_E* code, 0 while fine; set once */
	char why[400];
	uint64_t rejected; /* events the receiver refused as malformed (dropped) */
};

/* The transport.  token is copied (and wiped on close).  Does not touch the
 * network.  *tstate goes to ep_deliver_open, which owns it from then on. */
int ep_hec_transport_new(void **tstate, const struct ep_hec_opts *o, const char *token,
                         struct ep_hec_status *st, struct ep_diag *d);
/* One empty POST before the run: 401/403/404, or a TLS failure, is a
 * configuration error (returned, with d saying why: never the token); a
 * receiver that is down or busy is not (0, and a warning). Main thread,
 * before ep_deliver_open. */
int ep_hec_preflight(void *tstate, struct ep_diag *d);
extern const struct ep_transport_ops ep_hec_transport;
/* The same with indexer acknowledgement (ack): posted events settle in the
 * delivery until their ackIds are reported indexed (polled at most every
 * 250 ms, asked about once they are EP_HEC_ACK_SETTLE_MS old); past
 * ack-timeout they are sent again. */
#define EP_HEC_ACK_SETTLE_MS 100
extern const struct ep_transport_ops ep_hec_transport_ack;

#endif
