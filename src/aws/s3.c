/* The S3 client's core: a handle with its own libuv loop, HTTP and
 * credentials (as securityhub.c does for its REST-JSON call), and one
 * request signed with S3's SigV4 rules (the payload's SHA-256 in
 * x-amz-content-sha256, keys encoded once) and retried in AWS's standard
 * mode: full jitter, base 100 ms, at most 20 s a sleep. */
#include "aws/s3_internal.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "aws/call.h"
#include "aws/creds.h"
#include "aws/sign.h"
#include "base/http.h"
#include "base/log.h"

#define BASE_BACKOFF_MS    100
#define MAX_BACKOFF_MS     20000
#define REFRESH_S          300     /* re-resolve credentials this long before they expire */
#define DEFAULT_TIMEOUT_MS 300000  /* a try: a 64 MiB part at 2 Mbit/s and then some */
#define STREAM_TIMEOUT_MS  3600000 /* a try of a GetObject into a file */
#define MAX_ANSWER         (16u << 20)

struct ep_s3 {
	uv_loop_t loop;
	struct ep_aws *aws;
	struct ep_s3_opts o;
	char endpoint[512]; /* "" for AWS's own host names */
	char region[32];
	struct ep_aws_identity id;
	int have_id;
	uint64_t rng;
	/* the request in flight */
	int done;
	long status;
	int curl_code;
	char error[256];
	struct ep_buf resp, head;
	uint64_t streamed;
	char url[2048]; /* the last request's, without the query */
};

static void run_until(struct ep_s3 *s, const int *flag)
{
	while (!*flag)
		if (uv_run(&s->loop, UV_RUN_ONCE) == 0 && !*flag)
			break; /* nothing left to wait for */
}

static int resolve(struct ep_s3 *s, struct ep_diag *d)
{
	char err[300];
	int rc = ep_creds_resolve_wait(s->aws, &s->loop, s->o.profile, &s->id, &s->have_id, err,
	                               sizeof(err));

	return rc ? ep_diag_set(d, rc, 0, 0, "s3: %s", err) : 0;
}

static void pick_region(struct ep_s3 *s)
{
	const char *v = s->o.region;

	if (v == NULL || *v == '\0')
		v = getenv("AWS_REGION");
	if (v == NULL || *v == '\0')
		v = getenv("AWS_DEFAULT_REGION");
	if (v == NULL || *v == '\0')
		v = s->id.region;
	snprintf(s->region, sizeof(s->region), "%s", v && *v ? v : "us-east-1");
}

int ep_s3_new(struct ep_s3 **out, const struct ep_s3_opts *o, struct ep_diag *d)
{
	struct ep_s3 *s = calloc(1, sizeof(*s));
	struct ep_s3_where w;
	struct ep_aws_opts ao;
	const char *ep;
	int rc;

	*out = NULL;
	if (s == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	s->o = *o;
	if (s->o.max_attempts == 0)
		s->o.max_attempts = 5;
	s->rng = uv_hrtime() | 1;
	ep = o->endpoint_url ? o->endpoint_url : ep_s3_endpoint_env();
	if (ep != NULL) {
		rc = ep_s3_where(&w, ep, "us-east-1", "bucket", "", NULL);
		ep_s3_where_free(&w);
		if (rc || strlen(ep) >= sizeof(s->endpoint)) {
			free(s);
			return ep_diag_set(
			    d, EP_EINVAL, 0, 0,
			    "s3: endpoint '%.200s' is not an http(s)://HOST[:PORT] URL", ep);
		}
		snprintf(s->endpoint, sizeof(s->endpoint), "%s", ep);
	}
	ep_buf_init(&s->resp, MAX_ANSWER);
	ep_buf_init(&s->head, 16u << 10);
	if (uv_loop_init(&s->loop)) {
		free(s);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "s3: cannot make an event loop");
	}
	memset(&ao, 0, sizeof(ao));
	ao.timeout_ms = 30000; /* the credential chain's calls */
	rc = ep_aws_new(&s->aws, &s->loop, &ao);
	if (rc) {
		uv_loop_close(&s->loop);
		free(s);
		return ep_diag_set(d, rc, 0, 0, "s3: %s", ep_strerror(rc));
	}
	rc = resolve(s, d);
	if (rc) {
		ep_s3_free(s);
		return rc;
	}
	pick_region(s);
	*out = s;
	return 0;
}

static void on_closed(void *arg)
{
	*(int *)arg = 1;
}

void ep_s3_free(struct ep_s3 *s)
{
	int closed = 0;

	if (s == NULL)
		return;
	ep_aws_close(s->aws, on_closed, &closed);
	run_until(s, &closed);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
	if (s->have_id)
		ep_aws_identity_clear(&s->id);
	ep_buf_free(&s->resp);
	ep_buf_free(&s->head);
	free(s);
}

static void on_http(void *arg, const struct ep_http_response *r)
{
	struct ep_s3 *s = arg;

	s->status = r->status;
	s->curl_code = r->curl_code;
	s->streamed = r->streamed;
	snprintf(s->error, sizeof(s->error), "%s", r->error ? r->error : "");
	ep_buf_reset(&s->resp);
	ep_buf_reset(&s->head);
	if (ep_buf_add(&s->resp, r->body, r->body_len) ||
	    ep_buf_add(&s->head, r->head, r->head_len)) {
		s->curl_code = CURLE_OUT_OF_MEMORY;
		snprintf(s->error, sizeof(s->error), "answer too large to keep");
	}
	s->done = 1;
}

static int to_file(void *arg, const void *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

static int sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(n ? p : "", n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return EP_ENOMEM;
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/* One signed try; the answer lands in s->status, s->resp and s->head. */
static int send_once(struct ep_s3 *s, const struct ep_s3_req *r, const struct ep_s3_where *w,
                     const char *payload_hash)
{
	char date[64], auth[1100], sha[96], ctype[160], token[EP_SIGV4_MAX_TOKEN + 32];
	struct ep_http_header sh[2];
	const char *hdrs[8];
	struct ep_sigv4_req sr;
	struct ep_sigv4_out so;
	struct ep_http_request req;
	size_t nsh = 0;
	int nh = 0, rc;

	sh[nsh++] = (struct ep_http_header){"x-amz-content-sha256", payload_hash};
	if (r->content_type)
		sh[nsh++] = (struct ep_http_header){"Content-Type", r->content_type};
	memset(&sr, 0, sizeof(sr));
	sr.method = r->method;
	sr.host = w->host;
	sr.path = w->path.data;
	sr.query = r->query;
	sr.headers = sh;
	sr.nheaders = nsh;
	sr.region = s->region;
	sr.service = "s3";
	sr.now = (int64_t)time(NULL);
	sr.raw_path = 1;
	sr.payload_hash = payload_hash;
	memset(&so, 0, sizeof(so));
	rc = ep_sigv4_sign(&sr, &s->id.creds, &so);
	if (rc == 0) {
		snprintf(sha, sizeof(sha), "x-amz-content-sha256: %s", payload_hash);
		hdrs[nh++] = sha;
		if (r->content_type) {
			snprintf(ctype, sizeof(ctype), "Content-Type: %s", r->content_type);
			hdrs[nh++] = ctype;
		}
		snprintf(date, sizeof(date), "X-Amz-Date: %s", so.amz_date);
		snprintf(auth, sizeof(auth), "Authorization: %s", so.authorization);
		hdrs[nh++] = date;
		hdrs[nh++] = auth;
		if (s->id.creds.session_token && s->id.creds.session_token[0]) {
			snprintf(token, sizeof(token), "X-Amz-Security-Token: %s",
			         s->id.creds.session_token);
			hdrs[nh++] = token;
		}
		hdrs[nh] = NULL;
	}
	ep_sigv4_out_free(&so);
	if (rc)
		return rc;
	memset(&req, 0, sizeof(req));
	req.method = r->method;
	req.url = w->url.data;
	req.headers = hdrs;
	req.body = r->body;
	req.body_len = r->body_len;
	req.borrow_body = 1;
	req.timeout_ms =
	    s->o.timeout_ms ? s->o.timeout_ms : (r->sink ? STREAM_TIMEOUT_MS : DEFAULT_TIMEOUT_MS);
	req.max_body = r->max_body ? r->max_body : MAX_ANSWER;
	req.want_head = 1;
	if (r->sink) {
		req.sink = to_file;
		req.sink_arg = r->sink;
	}
	s->done = 0;
	rc = ep_http_start(ep_aws_http(s->aws), &req, on_http, s);
	memset(auth, 0, sizeof(auth));
	memset(token, 0, sizeof(token));
	if (rc)
		return rc;
	run_until(s, &s->done);
	return s->done ? 0 : EP_EIO;
}

static int retryable(long status, const char *code)
{
	return status >= 500 || status == 429 || ep_aws_is_retryable_code(code) ||
	       strcmp(code, "OperationAborted") == 0;
}

/* What a refusal means to the caller (s3.h). */
static int classify(long status, const char *code)
{
	if (status == 404 || strncmp(code, "NoSuch", 6) == 0 || strcmp(code, "NotFound") == 0)
		return EP_ENOENT;
	if (status == 401 || status == 403 || strstr(code, "AccessDenied") ||
	    strcmp(code, "InvalidAccessKeyId") == 0 || strcmp(code, "SignatureDoesNotMatch") == 0 ||
	    strcmp(code, "InvalidToken") == 0 || strstr(code, "ExpiredToken") ||
	    strcmp(code, "AllAccessDisabled") == 0 || strcmp(code, "AccountProblem") == 0)
		return EP_EPERM;
	return EP_EIO;
}

static void backoff(struct ep_s3 *s, unsigned attempt)
{
	/* AWS standard retry mode: random(0, min(20 s, 100 ms * 2^attempt)) */
	uint64_t cap = (uint64_t)BASE_BACKOFF_MS << (attempt < 10 ? attempt : 10);

	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	uv_sleep((unsigned)(s->rng % ((cap > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : cap) + 1)));
}

/* Rewinds and empties the file a GET writes, before each try. */
static int sink_reset(FILE *f)
{
	if (f == NULL)
		return 0;
	if (fflush(f) || ftruncate(fileno(f), 0) || fseek(f, 0, SEEK_SET))
		return EP_EIO;
	return 0;
}

/* Keeps the request's URL without its query, for messages. */
static const char *set_url(struct ep_s3 *s, const struct ep_s3_where *w)
{
	const char *q = strchr(w->url.data, '?');
	int len = q ? (int)(q - w->url.data) : (int)w->url.len;

	snprintf(s->url, sizeof(s->url), "%.*s", len, w->url.data);
	return s->url;
}

/* After a try that failed: the code and message of its answer. */
static void answer_error(struct ep_s3 *s, int rc, char *code, size_t cl, char *msg, size_t ml,
                         char *region, size_t rl)
{
	region[0] = '\0';
	if (rc || s->curl_code) {
		snprintf(code, cl, "%s",
		         s->curl_code == CURLE_FILESIZE_EXCEEDED ? "TooLarge" : "RequestError");
		snprintf(msg, ml, "%s", s->curl_code ? s->error : ep_strerror(rc));
		return;
	}
	ep_s3_error_parse(s->resp.data, s->resp.len, s->status, code, cl, msg, ml, region, rl);
	/* S3 names the bucket's region in a header too (on HEAD, without a body) */
	if (region[0] == '\0')
		ep_s3_header(s->head.data, s->head.len, "x-amz-bucket-region", region, rl);
}

int ep_s3_request(struct ep_s3 *s, const struct ep_s3_req *r, struct ep_s3_answer *a,
                  struct ep_diag *d)
{
	char hash[65], code[64], msg[256], region[32];
	int redirected = 0, refreshed = 0, rc;

	memset(a, 0, sizeof(*a));
	rc = sha256_hex(r->body, r->body_len, hash);
	if (rc)
		return ep_diag_set(d, rc, 0, 0, "%s: %s", r->op, ep_strerror(rc));
	for (unsigned attempt = 1;; attempt++) {
		struct ep_s3_where w;
		int again, fatal;

		if (s->id.expires && s->id.expires - REFRESH_S < (int64_t)time(NULL) &&
		    resolve(s, d))
			return EP_EPERM;
		rc = ep_s3_where(&w, s->endpoint[0] ? s->endpoint : NULL, s->region, r->bucket,
		                 r->key, r->query);
		if (rc) {
			ep_s3_where_free(&w);
			return ep_diag_set(d, EP_EINVAL, 0, 0, "%s s3://%s/%.100s: no URL for it",
			                   r->op, r->bucket, r->key);
		}
		rc = sink_reset(r->sink);
		if (rc == 0)
			rc = send_once(s, r, &w, hash);
		if (rc == 0 && s->curl_code == 0 && s->status == 200 && r->error_in_200 &&
		    ep_s3_complete_parse(s->resp.data, s->resp.len, code, sizeof(code), msg,
		                         sizeof(msg)))
			s->status = 500; /* what AWS's SDKs make of it */
		if (rc == 0 && s->curl_code == 0 && s->status >= 200 && s->status < 300) {
			a->url = set_url(s, &w);
			ep_s3_where_free(&w);
			a->status = s->status;
			a->body = s->resp.data ? s->resp.data : "";
			a->len = s->resp.len;
			a->head = s->head.data ? s->head.data : "";
			a->head_len = s->head.len;
			a->streamed = s->streamed;
			return 0;
		}
		answer_error(s, rc, code, sizeof(code), msg, sizeof(msg), region, sizeof(region));
		ep_log(EP_LOG_DEBUG, "s3", "%s %s attempt %u: HTTP %ld %s", r->op, w.url.data,
		       attempt, s->status, code);
		/* a bucket in another region: S3 says which, once */
		if (rc == 0 && s->curl_code == 0 && !redirected && region[0] &&
		    strcmp(region, s->region) != 0 &&
		    (s->status == 301 || s->status == 400 || s->status == 403)) {
			ep_log(EP_LOG_INFO, "s3", "bucket %s is in %s, not %s", r->bucket, region,
			       s->region);
			snprintf(s->region, sizeof(s->region), "%s", region);
			redirected = 1;
			attempt--;
			ep_s3_where_free(&w);
			continue;
		}
		if (strstr(code, "ExpiredToken") && !refreshed && resolve(s, d) == 0) {
			refreshed = 1;
			attempt--;
			ep_s3_where_free(&w);
			continue;
		}
		fatal = rc != 0 || s->curl_code == CURLE_FILESIZE_EXCEEDED ||
		        s->curl_code == CURLE_WRITE_ERROR || s->curl_code == CURLE_OUT_OF_MEMORY;
		again = !fatal && (s->curl_code != 0 || retryable(s->status, code));
		if (!again || attempt >= s->o.max_attempts) {
			if (s->curl_code == CURLE_FILESIZE_EXCEEDED)
				rc = EP_ERANGE;
			else if (again)
				rc = EP_EAGAIN;
			else if (fatal)
				rc = rc ? rc : EP_EIO;
			else
				rc = classify(s->status, code);
			/* cut so that the end, the tries, always fits the line */
			ep_diag_set(d, rc, 0, 0, "%s %.90s: %s%s%.80s (%u attempt%s)", r->op,
			            set_url(s, &w), code, msg[0] ? ": " : "", msg, attempt,
			            attempt == 1 ? "" : "s");
			ep_s3_where_free(&w);
			return rc;
		}
		ep_s3_where_free(&w);
		backoff(s, attempt);
	}
}
