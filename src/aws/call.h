/* One AWS API call: endpoint resolution, SigV4 signing, sending over the
 * shared ep_http, AWS "standard" retries (throttling, 5xx, timeouts; expo-
 * nential backoff with full jitter), a token bucket per (account, region,
 * API) and a concurrency cap per (service, region), and parsing of the body
 * (XML for Query APIs, JSON for JSON 1.1 APIs) and of AWS error shapes.
 * All on the caller's libuv loop.  struct ep_aws is owned by the command. */
#ifndef EP_AWS_CALL_H
#define EP_AWS_CALL_H

#include <cJSON.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <uv.h>

#include "aws/sign.h"
#include "aws/xmljson.h"
#include "base/buf.h"
#include "base/http.h"

enum ep_aws_proto { EP_AWS_QUERY, EP_AWS_JSON, EP_AWS_UNSIGNED_QUERY };

struct ep_aws_opts {
	const char *endpoint_url; /* --endpoint-url: every service */
	const char *ca_bundle;    /* --ca-bundle; NULL: AWS_CA_BUNDLE, else the system's */
	unsigned max_attempts;    /* total tries per call (default 5) */
	double api_rate;          /* calls per second per (account, region, API) */
	unsigned per_service;     /* concurrent calls per (service, region) */
	long timeout_ms;
	int64_t (*now)(void); /* clock for signing; NULL: time() */
	int debug;            /* log requests (never secrets) */
};

struct ep_aws;

/* Who and where: the account's credentials and the region. */
struct ep_aws_scope {
	const char *account; /* for rate limiting and messages */
	const char *region;
	const struct ep_aws_creds *creds; /* NULL for unsigned calls */
};

struct ep_aws_reply {
	long status;
	xmlDocPtr xml; /* Query APIs: the parsed body; freed after the callback */
	cJSON *json;   /* JSON APIs */
	const char *body;
	size_t body_len;
	char error_code[64]; /* AWS error code, or a local one (ParseError, ...) */
	char error_msg[256];
	unsigned attempts;
};

/* rc 0: success (reply->xml or ->json set).  rc < 0: failed for good;
 * reply->error_code/msg say why (AWS's code when it sent one). */
typedef void (*ep_aws_cb)(void *arg, int rc, const struct ep_aws_reply *reply);

int ep_aws_new(struct ep_aws **out, uv_loop_t *loop, const struct ep_aws_opts *o);
void ep_aws_close(struct ep_aws *a, void (*done)(void *arg), void *arg);
/* Fails every call now (waiting, sleeping or on the wire: each callback runs
 * with an error) and refuses new ones; ep_aws_close still ends the client. */
void ep_aws_abort(struct ep_aws *a);
unsigned ep_aws_pending(const struct ep_aws *a);
/* The HTTP client the calls share (for metadata endpoints). */
struct ep_http *ep_aws_http(struct ep_aws *a);

/* service: "ec2", "ecs", "sts", "elasticloadbalancing", "organizations".
 * api: the Action (Query) or operation (JSON).  params: for Query APIs the
 * form body without Action/Version (e.g. "MaxResults=5&NextToken=..."), for
 * JSON APIs the JSON text.  Copies what it needs. */
int ep_aws_call(struct ep_aws *a, const struct ep_aws_scope *s, const char *service,
                const char *api, const char *params, ep_aws_cb cb, void *arg);

/* Resolves the endpoint URL for service in region (overrides first). */
void ep_aws_endpoint(const struct ep_aws *a, const char *service, const char *region, char *out,
                     size_t outlen);
/* Form-encodes s (AWS's unreserved set) onto b. */
int ep_aws_urlencode(struct ep_buf *b, const char *s);
/* reply.c: AWS's answers */
int ep_aws_is_retryable_code(const char *code);
void ep_aws_parse_error(enum ep_aws_proto proto, const char *body, size_t len,
                        struct ep_aws_reply *r);
/* 0, or -1 with r->error_code/msg set (ParseError). */
int ep_aws_parse_body(enum ep_aws_proto proto, const char *body, size_t len,
                      struct ep_aws_reply *r);

#endif
