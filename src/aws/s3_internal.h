/* Between the S3 client's core (s3.c: credentials, signing, retries) and its
 * operations (s3_ops.c).  Not for other modules. */
#ifndef EP_AWS_S3_INTERNAL_H
#define EP_AWS_S3_INTERNAL_H

#include <stdio.h>

#include "aws/s3.h"

/* One S3 request.  Pointers are borrowed for the call. */
struct ep_s3_req {
	const char *op;     /* "PutObject", for messages and the debug log */
	const char *method; /* "GET", "PUT", "POST", "DELETE" */
	const char *bucket;
	const char *key;   /* "" for a bucket-level request */
	const char *query; /* encoded, without '?', or NULL */
	const void *body;  /* sent without a copy */
	size_t body_len;
	const char *content_type; /* or NULL */
	FILE *sink;               /* GET: the body goes here (truncated before each try) */
	uint64_t max_body;        /* cap on the answer (or on what goes to sink) */
	/* CompleteMultipartUpload: S3 may answer 200 and then an <Error> (it
	 * failed after the headers went out); that is a failed try, retried
	 * as its code says */
	int error_in_200;
};

/* A 2xx answer; the pointers are valid until the next request. */
struct ep_s3_answer {
	long status;
	const char *body; /* NUL-terminated */
	size_t len;
	const char *head; /* header lines */
	size_t head_len;
	uint64_t streamed; /* bytes written to sink */
	const char *url;   /* where it went, without the query: for messages */
};

/* Sends r, retrying as AWS's standard mode does (and once more in the
 * region S3 names for the bucket); 0 with a filled, or an error as s3.h
 * lists them with d->msg naming r->op, the URL and AWS's answer.  Blocks. */
int ep_s3_request(struct ep_s3 *s, const struct ep_s3_req *r, struct ep_s3_answer *a,
                  struct ep_diag *d);

#endif
