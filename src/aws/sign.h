/* AWS Signature Version 4 (header form, AWS4-HMAC-SHA256), with S3's rules
 * on request (raw_path, payload_hash): builds the canonical request and string
 * to sign, derives the signing key and returns the headers to add.  Pure
 * computation on libcrypto; no I/O, no clock. */
#ifndef EP_AWS_SIGN_H
#define EP_AWS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Caps: inputs beyond these fail with EP_ERANGE rather than growing buffers. */
#define EP_SIGV4_MAX_HEADERS 32             /* caller headers, besides the three added */
#define EP_SIGV4_MAX_PATH    8192           /* r->path bytes */
#define EP_SIGV4_MAX_QUERY   32768          /* r->query bytes */
#define EP_SIGV4_MAX_TOKEN   16384          /* session token bytes */
#define EP_SIGV4_MAX_CREQ    (256u * 1024u) /* canonical request text */

/* Credentials.  Owned by whoever fills the struct; the signer only reads it.
 * access_key and secret_key are NUL-terminated; session_token is heap or NULL
 * (NULL or "" means long-term credentials). */
struct ep_aws_creds {
	char access_key[128];
	char secret_key[128];
	char *session_token;
};

struct ep_http_header {
	const char *name;
	const char *value;
};

/* One request to sign.  All pointers are borrowed for the duration of the call.
 * - method: "GET", "POST", ... as sent.
 * - host: exactly the Host header value the HTTP client will send, with a
 *   non-default ":port" when there is one (libcurl omits :443 for https).
 * - path: the path as sent on the request line, starting with '/'; NULL or ""
 *   means "/".  Dot segments and duplicate slashes are removed and every byte
 *   outside A-Za-z0-9-_.~ and '/' is percent-encoded, '%' included: that is
 *   the "encode twice" AWS wants for non-S3 services, so send paths in their
 *   normal (once-encoded) wire form.  Not suitable for S3.
 * - query: the raw query string without '?', or NULL.  Parameters are decoded
 *   ('+' as space, malformed '%' kept literally) and re-encoded.
 * - headers: extra headers to sign and send (content-type, x-amz-target, ...).
 *   Repeated names are joined with ',' in order.  host, x-amz-date,
 *   x-amz-security-token and authorization are refused (EP_EINVAL): the signer
 *   owns them.  Values must be single-line (no CR/LF or other controls).
 * - body: the exact body bytes (NULL when body_len is 0); hashed, not copied.
 * - now: signing time in unix seconds, so tests can pin the clock. */
struct ep_sigv4_req {
	const char *method;
	const char *host;
	const char *path;
	const char *query;
	const struct ep_http_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	const char *region;
	const char *service;
	int64_t now;
	/* S3 signs differently; set both for it.  raw_path: path is signed as
	 * given, neither normalised nor encoded again (S3 keys are URI-encoded
	 * once by the caller); it may hold only unreserved bytes, '/' and %XX.
	 * payload_hash: the lower-case hex SHA-256 of the body, or
	 * "UNSIGNED-PAYLOAD", exactly as sent in x-amz-content-sha256 (which the
	 * caller adds to headers); the body is then not hashed here. */
	int raw_path;
	const char *payload_hash;
};

/* Result.  Embedded by the caller; ep_sigv4_sign initialises it, and
 * ep_sigv4_out_free must be called afterwards whatever sign returned.
 * headers[] lists what to add to the request, in order: X-Amz-Date,
 * X-Amz-Security-Token (when there is a token), Authorization.  Their values
 * point into this struct and at creds->session_token: valid until
 * ep_sigv4_out_free or until the creds change; do not copy the struct by value.
 * canonical_request contains the session token (not the secret key): log it
 * at debug level only.  string_to_sign contains no credential. */
struct ep_sigv4_out {
	char amz_date[17]; /* "20150830T123600Z" */
	char authorization[1024];
	struct ep_http_header headers[3];
	size_t nheaders;
	struct ep_buf canonical_request;
	struct ep_buf string_to_sign;
};

/* Signs r with c.  Returns 0, EP_EINVAL (bad or reserved input), EP_ERANGE
 * (a cap above, or a time outside years 1970..9999) or EP_ENOMEM.
 * Cost: O(n log n) in headers and query parameters, plus one SHA-256 pass over
 * the body; allocates only the two text buffers and small scratch space.
 * Thread-safe (no shared state); call from any thread. */
int ep_sigv4_sign(const struct ep_sigv4_req *r, const struct ep_aws_creds *c,
                  struct ep_sigv4_out *out);
/* Releases out's buffers; safe to call twice. */
void ep_sigv4_out_free(struct ep_sigv4_out *o);

#endif
