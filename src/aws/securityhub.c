/* Security Hub BatchImportFindings: the one REST-JSON call (ep_aws_call
 * speaks Query and JSON 1.1), signed and retried with the AWS layer's pieces
 * as call.c does: full jitter, base 100 ms, at most 20 s a sleep. */
#include "aws/securityhub.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "aws/call.h"
#include "aws/creds.h"
#include "aws/sign.h"
#include "base/buf.h"
#include "base/http.h"
#include "base/log.h"

#define BASE_BACKOFF_MS 100
#define MAX_BACKOFF_MS  20000
#define REFRESH_S       300 /* re-resolve credentials this long before they expire */

struct ep_sechub {
	uv_loop_t loop;
	struct ep_aws *aws;
	struct ep_sechub_opts o;
	char endpoint[512];
	struct ep_aws_identity id;
	int have_id;
	uint64_t rng;
	/* one call in flight */
	int done;
	long status;
	int curl_code;
	char error[256];
	struct ep_buf resp;
};

static void run_until(struct ep_sechub *h, const int *flag)
{
	while (!*flag)
		if (uv_run(&h->loop, UV_RUN_ONCE) == 0 && !*flag)
			break; /* nothing left to wait for */
}

static int resolve(struct ep_sechub *h, struct ep_diag *d)
{
	char err[300];
	int rc = ep_creds_resolve_wait(h->aws, &h->loop, h->o.profile, &h->id, &h->have_id, err,
	                               sizeof(err));

	return rc ? ep_diag_set(d, rc, 0, 0, "securityhub: %s", err) : 0;
}

int ep_sechub_new(struct ep_sechub **out, const struct ep_sechub_opts *o, struct ep_diag *d)
{
	struct ep_sechub *h = calloc(1, sizeof(*h));
	struct ep_aws_opts ao;
	int rc;

	*out = NULL;
	if (h == NULL)
		return EP_ENOMEM;
	h->o = *o;
	if (h->o.max_attempts == 0)
		h->o.max_attempts = 5;
	if (h->o.timeout_ms == 0)
		h->o.timeout_ms = 30000;
	h->rng = uv_hrtime() | 1;
	ep_buf_init(&h->resp, 1u << 20);
	if (uv_loop_init(&h->loop)) {
		free(h);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "securityhub: cannot make an event loop");
	}
	memset(&ao, 0, sizeof(ao));
	ao.endpoint_url = o->endpoint_url;
	ao.timeout_ms = h->o.timeout_ms;
	rc = ep_aws_new(&h->aws, &h->loop, &ao);
	if (rc) {
		uv_loop_close(&h->loop);
		free(h);
		return ep_diag_set(d, rc, 0, 0, "securityhub: %s", ep_strerror(rc));
	}
	rc = resolve(h, d);
	if (rc) {
		ep_sechub_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static void on_closed(void *arg)
{
	*(int *)arg = 1;
}

void ep_sechub_free(struct ep_sechub *h)
{
	int closed = 0;

	if (h == NULL)
		return;
	ep_aws_close(h->aws, on_closed, &closed);
	run_until(h, &closed);
	uv_run(&h->loop, UV_RUN_DEFAULT);
	uv_loop_close(&h->loop);
	if (h->have_id)
		ep_aws_identity_clear(&h->id);
	ep_buf_free(&h->resp);
	free(h);
}

/* AWS_ENDPOINT_URL_SECURITYHUB, then what the AWS layer resolves, plus the
 * operation's path. */
static void endpoint(struct ep_sechub *h, const char *region, char *url, size_t len)
{
	const char *env = getenv("AWS_ENDPOINT_URL_SECURITYHUB");
	char base[480];
	size_t bl;

	if (h->o.endpoint_url == NULL && env && *env)
		snprintf(base, sizeof(base), "%s", env);
	else
		ep_aws_endpoint(h->aws, "securityhub", region, base, sizeof(base));
	bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		base[--bl] = '\0';
	snprintf(url, len, "%s/findings/import", base);
}

static void on_http(void *arg, const struct ep_http_response *r)
{
	struct ep_sechub *h = arg;

	h->status = r->status;
	h->curl_code = r->curl_code;
	snprintf(h->error, sizeof(h->error), "%s", r->error ? r->error : "");
	ep_buf_reset(&h->resp);
	if (r->body_len)
		ep_buf_add(&h->resp, r->body, r->body_len);
	h->done = 1;
}

/* One signed POST; the answer lands in h->status / h->resp. */
static int post(struct ep_sechub *h, const char *url, const char *region, const struct ep_buf *body)
{
	char host[256], date[64], auth[1100], token[EP_SIGV4_MAX_TOKEN + 32];
	const char *hdrs[6], *p = strstr(url, "://"), *path;
	struct ep_http_header sh[1] = {{"Content-Type", "application/json"}};
	struct ep_sigv4_req sr;
	struct ep_sigv4_out so;
	struct ep_http_request req;
	size_t hl;
	int nh = 0, rc;

	p = p ? p + 3 : url;
	path = strchr(p, '/');
	hl = path ? (size_t)(path - p) : strlen(p);
	if (hl >= sizeof(host))
		return EP_EINVAL;
	memcpy(host, p, hl);
	host[hl] = '\0';
	memset(&sr, 0, sizeof(sr));
	sr.method = "POST";
	sr.host = host;
	sr.path = path ? path : "/";
	sr.headers = sh;
	sr.nheaders = 1;
	sr.body = body->data;
	sr.body_len = body->len;
	sr.region = region;
	sr.service = "securityhub";
	sr.now = (int64_t)time(NULL);
	memset(&so, 0, sizeof(so));
	rc = ep_sigv4_sign(&sr, &h->id.creds, &so);
	if (rc == 0) {
		hdrs[nh++] = "Content-Type: application/json";
		snprintf(date, sizeof(date), "X-Amz-Date: %s", so.amz_date);
		snprintf(auth, sizeof(auth), "Authorization: %s", so.authorization);
		hdrs[nh++] = date;
		hdrs[nh++] = auth;
		if (h->id.creds.session_token && h->id.creds.session_token[0]) {
			snprintf(token, sizeof(token), "X-Amz-Security-Token: %s",
			         h->id.creds.session_token);
			hdrs[nh++] = token;
		}
		hdrs[nh] = NULL;
	}
	ep_sigv4_out_free(&so);
	if (rc)
		return rc;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = body->data;
	req.body_len = body->len;
	req.timeout_ms = h->o.timeout_ms;
	req.max_body = 1u << 20;
	h->done = 0;
	rc = ep_http_start(ep_aws_http(h->aws), &req, on_http, h);
	memset(auth, 0, sizeof(auth));
	memset(token, 0, sizeof(token));
	if (rc)
		return rc;
	run_until(h, &h->done);
	return h->done ? 0 : EP_EIO;
}

/* REST-JSON errors: {"Code"|"__type"|"code": ..., "Message"|"message": ...}. */
static void error_of(const struct ep_buf *b, char *code, size_t cl, char *msg, size_t ml)
{
	cJSON *j = b->len ? cJSON_ParseWithLength(b->data, b->len) : NULL;
	const char *names[] = {"Code", "__type", "code"};
	const cJSON *c = NULL, *m;

	for (size_t i = 0; i < 3 && !cJSON_IsString(c); i++)
		c = cJSON_GetObjectItemCaseSensitive(j, names[i]);
	m = cJSON_GetObjectItemCaseSensitive(j, "Message");
	if (!cJSON_IsString(m))
		m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(c)) {
		const char *hash = strrchr(c->valuestring, '#');

		snprintf(code, cl, "%s", hash ? hash + 1 : c->valuestring);
	}
	snprintf(msg, ml, "%s", cJSON_IsString(m) ? m->valuestring : "");
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	cJSON_Delete(j);
}

static int retryable(const char *code)
{
	return ep_aws_is_retryable_code(code) || strcmp(code, "InternalException") == 0 ||
	       strcmp(code, "ServiceUnavailableException") == 0;
}

static int denied(long status, const char *code)
{
	return status == 401 || status == 403 || strstr(code, "AccessDenied") ||
	       strcmp(code, "InvalidAccessException") == 0 ||
	       strcmp(code, "UnrecognizedClientException") == 0 ||
	       strcmp(code, "InvalidSignatureException") == 0 ||
	       strcmp(code, "SignatureDoesNotMatch") == 0 || strstr(code, "ExpiredToken");
}

static void parse_failed(struct ep_sechub *h, const char *const *docs, const size_t *lens, size_t n,
                         struct ep_sechub_failed *failed, size_t *nfailed)
{
	cJSON *j = cJSON_ParseWithLength(h->resp.data, h->resp.len);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "FailedFindings"), *e;

	*nfailed = 0;
	cJSON_ArrayForEach(e, list)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "Id");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "ErrorCode");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "ErrorMessage");
		struct ep_sechub_failed *f;
		char quoted[300];

		if (*nfailed == n || !cJSON_IsString(id))
			break;
		f = &failed[(*nfailed)++];
		memset(f, 0, sizeof(*f));
		snprintf(f->id, sizeof(f->id), "%s", id->valuestring);
		snprintf(f->code, sizeof(f->code), "%s", cJSON_IsString(c) ? c->valuestring : "?");
		snprintf(f->msg, sizeof(f->msg), "%s", cJSON_IsString(m) ? m->valuestring : "");
		f->retryable = retryable(f->code);
		/* which doc: the first whose "Id" is this one (ids are unique) */
		snprintf(quoted, sizeof(quoted), "\"Id\":\"%s\"", f->id);
		f->index = n;
		for (size_t i = 0; i < n; i++)
			if (memmem(docs[i], lens[i], quoted, strlen(quoted))) {
				f->index = i;
				break;
			}
	}
	cJSON_Delete(j);
}

int ep_sechub_import(struct ep_sechub *h, const char *region, const char *const *docs,
                     const size_t *lens, size_t n, struct ep_sechub_failed *failed, size_t *nfailed,
                     struct ep_diag *d)
{
	struct ep_buf body;
	char url[600], code[64], msg[256];
	int rc = 0;

	*nfailed = 0;
	if (n == 0 || n > EP_SECHUB_MAX_BATCH)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "securityhub: %zu findings in one call", n);
	if (h->id.expires && h->id.expires - REFRESH_S < (int64_t)time(NULL) && resolve(h, d))
		return EP_EPERM;
	ep_buf_init(&body, 64u << 20);
	ep_buf_adds(&body, "{\"Findings\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ep_buf_addc(&body, ',');
		rc = ep_buf_add(&body, docs[i], lens[i]);
	}
	if (rc == 0)
		rc = ep_buf_adds(&body, "]}");
	if (rc) {
		ep_buf_free(&body);
		return ep_diag_set(d, rc, 0, 0, "securityhub: %s", ep_strerror(rc));
	}
	endpoint(h, region, url, sizeof(url));
	for (unsigned attempt = 1;; attempt++) {
		int again;

		code[0] = msg[0] = '\0';
		rc = post(h, url, region, &body);
		if (rc == 0 && h->curl_code == 0 && h->status >= 200 && h->status < 300) {
			parse_failed(h, docs, lens, n, failed, nfailed);
			break;
		}
		if (rc == 0 && h->curl_code == 0)
			error_of(&h->resp, code, sizeof(code), msg, sizeof(msg));
		if (code[0] == '\0')
			snprintf(code, sizeof(code),
			         h->curl_code || rc ? "RequestError" : "HTTP%ld", h->status);
		if (msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", h->curl_code ? h->error : ep_strerror(rc));
		again =
		    rc || h->curl_code || h->status == 429 || h->status >= 500 || retryable(code);
		ep_log(EP_LOG_DEBUG, "securityhub",
		       "%s BatchImportFindings attempt %u: HTTP %ld %s", region, attempt, h->status,
		       code);
		if (strstr(code, "ExpiredToken") && attempt < h->o.max_attempts &&
		    resolve(h, d) == 0)
			continue;
		if (!again || attempt >= h->o.max_attempts) {
			if (again)
				rc = EP_EAGAIN;
			else
				rc = denied(h->status, code) ? EP_EPERM : EP_EINVAL;
			ep_diag_set(d, rc, 0, 0, "securityhub %s: BatchImportFindings: %s: %s%s",
			            region, code, msg, again ? " (gave up retrying)" : "");
			break;
		}
		{
			/* AWS standard retry mode: random(0, min(20 s, 100 ms * 2^attempt)) */
			uint64_t cap = (uint64_t)BASE_BACKOFF_MS << (attempt < 10 ? attempt : 10);

			h->rng ^= h->rng << 13;
			h->rng ^= h->rng >> 7;
			h->rng ^= h->rng << 17;
			uv_sleep((unsigned)(h->rng %
			                    ((cap > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : cap) + 1)));
		}
	}
	ep_buf_free(&body);
	return rc;
}
