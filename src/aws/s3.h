/* Amazon S3 objects (REST-XML): s3:// URLs, where a request goes (path-style
 * under an endpoint override, virtual-hosted otherwise), ListObjectsV2 and
 * error answers, and a small synchronous client (PutObject or a multipart
 * upload, GetObject into a file, ListObjectsV2) signed with SigV4 and retried
 * in AWS's standard mode, on a libuv loop of its own. */
#ifndef EP_AWS_S3_H
#define EP_AWS_S3_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"

#define EP_S3_MAX_KEY      1024          /* bytes of UTF-8: S3's own limit */
#define EP_S3_MAX_OBJECTS  100000        /* a listing stops with an error beyond */
#define EP_S3_MAX_PARTS    10000         /* S3's limit for one multipart upload */
#define EP_S3_MIN_PART     1024          /* ECSPROBE_S3_PART_SIZE floor (S3 wants 5 MiB) */
#define EP_S3_MAX_PART     (5ull << 30)  /* S3's limit for one part or PutObject */
#define EP_S3_DEFAULT_PART (64ull << 20) /* an upload larger than this goes in parts */
#define EP_S3_MAX_OBJECT   (5ull << 40)  /* S3's limit for one object */
#define EP_S3_MAX_LIST_XML (16u << 20)   /* one ListObjectsV2 page */

/* ---- s3://BUCKET/KEY (s3url.c) ---- */

struct ep_s3_url {
	char bucket[64];             /* 3..63 bytes, S3's bucket naming rules */
	char key[EP_S3_MAX_KEY + 1]; /* may be empty or end in '/' (a prefix) */
};

/* 1 when s starts with "s3://" (then it must parse; a path never does). */
int ep_s3_url_is(const char *s);
/* Parses "s3://bucket[/key]".  The key is kept as written (no decoding):
 * S3 keys are plain UTF-8.  EP_EINVAL with d->msg saying why. */
int ep_s3_url_parse(const char *url, struct ep_s3_url *u, struct ep_diag *d);
/* NULL when name follows S3's rules for new buckets, else why not. */
const char *ep_s3_bucket_problem(const char *name);
/* Appends key URI-encoded as S3 signs and sends it: every byte but A-Za-z0-9
 * -_.~ and '/' as %XX, once (S3 does not encode twice). */
int ep_s3_key_encode(struct ep_buf *b, const char *key);

/* Where a request for bucket/key goes.  endpoint: an override
 * ("http://127.0.0.1:9000", path-style: ENDPOINT/BUCKET/KEY) or NULL
 * (https://BUCKET.s3.REGION.amazonaws.com/KEY; path-style on
 * s3.REGION.amazonaws.com for a bucket with dots, which no wildcard
 * certificate covers).  query: without '?', already encoded, or NULL.
 * Fills url, host (the Host header curl sends: default ports left out) and
 * path (what is signed).  EP_EINVAL for an endpoint that is not http(s)://
 * or carries user info, a query or a fragment. */
struct ep_s3_where {
	struct ep_buf url;
	struct ep_buf path;
	char host[256];
};
int ep_s3_where(struct ep_s3_where *w, const char *endpoint, const char *region, const char *bucket,
                const char *key, const char *query);
void ep_s3_where_free(struct ep_s3_where *w);
/* AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL; NULL when neither is set. */
const char *ep_s3_endpoint_env(void);

/* ---- answers (s3xml.c): untrusted, capped, never beyond what was given ---- */

struct ep_s3_object {
	char *key; /* heap */
	uint64_t size;
};

/* The objects of a listing, in the order the pages gave them.  Owns keys. */
struct ep_s3_listing {
	struct ep_s3_object *objs;
	size_t n, cap;
	int truncated;    /* the last page said there is more */
	char token[1025]; /* its NextContinuationToken */
};

/* Adds one ListObjectsV2 page (<ListBucketResult>) to l: objects appended
 * (keys over EP_S3_MAX_KEY, sizes that are not numbers, more than
 * EP_S3_MAX_OBJECTS in all, a truncated page without a token: EP_EPARSE),
 * truncated and token set.  O(page); d says what was wrong. */
int ep_s3_list_parse(const char *xml, size_t len, struct ep_s3_listing *l, struct ep_diag *d);
void ep_s3_listing_free(struct ep_s3_listing *l);

/* An S3 error body (<Error><Code>..<Message>..</Error>) to one printable line
 * each; when there is no body (HEAD) the code is made from the status
 * (NotFound, Forbidden, ...).  region gets <Region> when S3 names one. */
void ep_s3_error_parse(const char *body, size_t len, long status, char *code, size_t cl, char *msg,
                       size_t ml, char *region, size_t rl);
/* <InitiateMultipartUploadResult><UploadId>: 0, or EP_EPARSE. */
int ep_s3_upload_id_parse(const char *xml, size_t len, char *id, size_t idlen);
/* <CompleteMultipartUploadResult>: 0.  S3 may answer 200 and an <Error>
 * (the upload did not complete): EP_EIO with code and msg filled. */
int ep_s3_complete_parse(const char *xml, size_t len, char *code, size_t cl, char *msg, size_t ml);
/* The value of header name in a block of header lines ("ETag: ..."),
 * trimmed, case-insensitive; 0, or EP_ENOENT.  Values are cut to outlen. */
int ep_s3_header(const char *head, size_t len, const char *name, char *out, size_t outlen);

/* ---- the client (s3.c, s3_ops.c) ---- */

struct ep_s3_opts {
	const char *profile;      /* NULL: AWS_PROFILE / the default chain */
	const char *endpoint_url; /* NULL: ep_s3_endpoint_env() */
	const char *region;       /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's,
	                             else us-east-1 (S3 says where a bucket lives) */
	unsigned max_attempts;    /* tries per request (default 5, AWS's standard mode) */
	long timeout_ms;          /* per try (default 300000: parts are large) */
};

/* Credentials are resolved when the handle is made (blocking) and again
 * before they expire; never logged.  One thread at a time uses a handle;
 * every call blocks on the handle's own loop, so it may be called from a
 * callback of another loop. */
struct ep_s3;

int ep_s3_new(struct ep_s3 **out, const struct ep_s3_opts *o, struct ep_diag *d);
void ep_s3_free(struct ep_s3 *s);

/* Errors of the calls below: EP_ENOENT (no such bucket or key), EP_EPERM
 * (refused: access denied, bad or expired credentials), EP_EAGAIN (throttled,
 * failing or unreachable through every attempt), EP_ERANGE (over a cap),
 * EP_EIO (another refusal), EP_ENOMEM.  d->msg is one line naming the
 * operation, the URL and AWS's code and message:
 * "PutObject https://b.s3.us-east-1.amazonaws.com/k: SlowDown: ... (5 attempts)". */

/* Uploads size bytes of fd (read from offset 0 with pread) to u: one
 * PutObject up to part_size, else a multipart upload in parts of part_size
 * (raised so there are at most 10000), completed only when every part is
 * in and aborted on failure, so no partial object ever appears.  Memory:
 * one part.  content_type may be NULL. */
int ep_s3_put_file(struct ep_s3 *s, const struct ep_s3_url *u, int fd, uint64_t size,
                   uint64_t part_size, const char *content_type, struct ep_diag *d);
/* Writes object u into out (truncated first, and again before each retry),
 * streaming; more than max bytes fail with EP_ERANGE. */
int ep_s3_get_file(struct ep_s3 *s, const struct ep_s3_url *u, FILE *out, uint64_t max,
                   struct ep_diag *d);
/* Lists the objects of bucket under prefix (ListObjectsV2, every page), or
 * only the first page when first_page is set.  l is the caller's, zeroed
 * before the first call; free it with ep_s3_listing_free. */
int ep_s3_list(struct ep_s3 *s, const char *bucket, const char *prefix, int first_page,
               struct ep_s3_listing *l, struct ep_diag *d);

#endif
