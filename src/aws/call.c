/* AWS calls.  A call waits in one queue until its (account, region, API)
 * token bucket has a token and its (service, region) has a free slot; a
 * failed attempt that AWS's standard retry mode would retry sleeps on its
 * own timer (full jitter) and queues again.  O(waiting) per wake-up: the
 * queue holds at most a few thousand calls for the largest inventories. */
#include "aws/call.h"

#include "aws/xmljson.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "engine/pacer.h"

#define MAX_BACKOFF_MS  20000
#define BASE_BACKOFF_MS 100

struct lane {
	struct lane *next;
	char key[192]; /* account/region/service/api */
	struct ep_pacer pacer;
};

struct slot_count {
	struct slot_count *next;
	char key[192]; /* service/region */
	unsigned active;
};

struct call {
	struct ep_aws *aws;
	struct call *prev, *next;         /* waiting queue */
	struct call *all_prev, *all_next; /* every call not yet finished */
	int in_backoff;
	struct lane *lane;
	struct slot_count *slots;
	char service[32], api[64], region[32], account[16];
	char url[512];
	struct ep_aws_creds creds; /* copy; session token duplicated */
	int sign;
	enum ep_aws_proto proto;
	struct ep_buf body;
	unsigned attempt;
	uv_timer_t backoff;
	int timer_open;
	ep_aws_cb cb;
	void *arg;
};

struct ep_aws {
	uv_loop_t *loop;
	struct ep_http *http;
	struct ep_aws_opts opts;
	struct lane *lanes;
	struct slot_count *slots;
	struct call *wait_head, *wait_tail;
	struct call *all;
	uv_timer_t kick_timer;
	unsigned pending;
	uint64_t rng;
	int closing;
	void (*closed_cb)(void *);
	void *closed_arg;
	int open;
};

static void kick(struct ep_aws *a);

/* ---- helpers ---- */

int ep_aws_urlencode(struct ep_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			rc = ep_buf_addc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			rc = ep_buf_add(b, e, 3);
		}
	}
	return rc;
}

static const char *service_env(const char *service)
{
	if (strcmp(service, "ec2") == 0)
		return "AWS_ENDPOINT_URL_EC2";
	if (strcmp(service, "ecs") == 0)
		return "AWS_ENDPOINT_URL_ECS";
	if (strcmp(service, "sts") == 0)
		return "AWS_ENDPOINT_URL_STS";
	if (strcmp(service, "elasticloadbalancing") == 0)
		return "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2";
	if (strcmp(service, "organizations") == 0)
		return "AWS_ENDPOINT_URL_ORGANIZATIONS";
	return NULL;
}

void ep_aws_endpoint(const struct ep_aws *a, const char *service, const char *region, char *out,
                     size_t outlen)
{
	const char *env = service_env(service);
	const char *v = NULL;

	if (a->opts.endpoint_url && *a->opts.endpoint_url)
		v = a->opts.endpoint_url;
	if (v == NULL && env)
		v = getenv(env);
	if (v == NULL || *v == '\0')
		v = getenv("AWS_ENDPOINT_URL");
	if (v && *v) {
		snprintf(out, outlen, "%s", v);
		return;
	}
	if (strcmp(service, "organizations") == 0)
		snprintf(out, outlen, "https://organizations.us-east-1.amazonaws.com/");
	else
		snprintf(out, outlen, "https://%s.%s.amazonaws.com/", service, region);
}

static const char *query_version(const char *service)
{
	if (strcmp(service, "ec2") == 0)
		return "2016-11-15";
	if (strcmp(service, "elasticloadbalancing") == 0)
		return "2015-12-01";
	if (strcmp(service, "sts") == 0)
		return "2011-06-15";
	return NULL;
}

static const char *json_target_prefix(const char *service)
{
	if (strcmp(service, "ecs") == 0)
		return "AmazonEC2ContainerServiceV20141113";
	if (strcmp(service, "organizations") == 0)
		return "AWSOrganizationsV20161128";
	return NULL;
}

static uint64_t next_rand(struct ep_aws *a)
{
	uint64_t x = a->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	a->rng = x;
	return x;
}

static int64_t now_s(const struct ep_aws *a)
{
	return a->opts.now ? a->opts.now() : (int64_t)time(NULL);
}

/* ---- lanes and slots ---- */

static struct lane *lane_get(struct ep_aws *a, const char *key)
{
	struct lane *l;

	for (l = a->lanes; l; l = l->next)
		if (strcmp(l->key, key) == 0)
			return l;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	snprintf(l->key, sizeof(l->key), "%s", key);
	ep_pacer_init(&l->pacer, a->opts.api_rate, a->opts.api_rate < 5 ? 1 : a->opts.api_rate / 5,
	              uv_hrtime());
	l->next = a->lanes;
	a->lanes = l;
	return l;
}

static struct slot_count *slots_get(struct ep_aws *a, const char *key)
{
	struct slot_count *s;

	for (s = a->slots; s; s = s->next)
		if (strcmp(s->key, key) == 0)
			return s;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->next = a->slots;
	a->slots = s;
	return s;
}

/* ---- queue ---- */

static void enqueue(struct ep_aws *a, struct call *c)
{
	c->next = NULL;
	c->prev = a->wait_tail;
	if (a->wait_tail)
		a->wait_tail->next = c;
	else
		a->wait_head = c;
	a->wait_tail = c;
}

static void dequeue(struct ep_aws *a, struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		a->wait_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		a->wait_tail = c->prev;
	c->prev = c->next = NULL;
}

/* ---- completion ---- */

static void on_backoff_closed(uv_handle_t *h)
{
	struct call *c = h->data;

	ep_buf_free(&c->body);
	free(c->creds.session_token);
	free(c);
}

static void call_free(struct call *c)
{
	struct ep_aws *a = c->aws;

	if (c->all_prev)
		c->all_prev->all_next = c->all_next;
	else
		a->all = c->all_next;
	if (c->all_next)
		c->all_next->all_prev = c->all_prev;
	a->pending--;
	/* the timer handle lives in c: free c from its close callback */
	c->timer_open = 0;
	uv_close((uv_handle_t *)&c->backoff, on_backoff_closed);
}

static void retry_later(struct call *c);

static void on_response(void *arg, const struct ep_http_response *resp)
{
	struct call *c = arg;
	struct ep_aws *a = c->aws;
	struct ep_aws_reply r;
	int retry = 0, rc = 0;

	memset(&r, 0, sizeof(r));
	c->slots->active--;
	r.status = resp->status;
	r.body = resp->body;
	r.body_len = resp->body_len;
	r.attempts = c->attempt;
	if (resp->curl_code) {
		snprintf(r.error_code, sizeof(r.error_code), "RequestError");
		snprintf(r.error_msg, sizeof(r.error_msg), "%s", resp->error);
		retry = !a->closing;
		rc = EP_EIO;
	} else if (resp->status >= 200 && resp->status < 300) {
		if (ep_aws_parse_body(c->proto, resp->body, resp->body_len, &r)) {
			retry = 1;
			rc = EP_EPARSE;
		}
	} else {
		ep_aws_parse_error(c->proto, resp->body, resp->body_len, &r);
		retry = resp->status >= 500 || resp->status == 429 ||
		        ep_aws_is_retryable_code(r.error_code);
		rc = EP_EIO;
	}
	if (a->opts.debug)
		ep_log(EP_LOG_DEBUG, "aws", "%s %s %s/%s attempt %u: HTTP %ld %s", c->account,
		       c->region, c->service, c->api, c->attempt, resp->status,
		       rc ? r.error_code : "ok");
	if (rc && retry && c->attempt < a->opts.max_attempts && !a->closing) {
		retry_later(c);
		kick(a);
		return;
	}
	c->cb(c->arg, rc, &r);
	xmlFreeDoc(r.xml);
	cJSON_Delete(r.json);
	call_free(c);
	kick(a);
}

static void on_backoff(uv_timer_t *t)
{
	struct call *c = t->data;

	c->in_backoff = 0;
	enqueue(c->aws, c);
	kick(c->aws);
}

/* AWS standard retry mode: sleep random(0, min(20 s, base * 2^attempt)). */
static void retry_later(struct call *c)
{
	struct ep_aws *a = c->aws;
	uint64_t cap = (uint64_t)BASE_BACKOFF_MS << (c->attempt < 10 ? c->attempt : 10);

	if (cap > MAX_BACKOFF_MS)
		cap = MAX_BACKOFF_MS;
	c->in_backoff = 1;
	uv_timer_start(&c->backoff, on_backoff, next_rand(a) % (cap + 1), 0);
}

/* ---- sending ---- */

static int send_call(struct call *c)
{
	struct ep_aws *a = c->aws;
	char host[256], type[96], target[160], date[64], token[EP_SIGV4_MAX_TOKEN + 32], auth[1100];
	const char *hdrs[8];
	int nh = 0, rc;
	const char *p = strstr(c->url, "://");
	const char *path;
	size_t hl;
	struct ep_http_request req;

	p = p ? p + 3 : c->url;
	path = strchr(p, '/');
	hl = path ? (size_t)(path - p) : strlen(p);
	if (hl >= sizeof(host))
		return EP_EINVAL;
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (c->proto == EP_AWS_JSON) {
		snprintf(type, sizeof(type), "Content-Type: application/x-amz-json-1.1");
		snprintf(target, sizeof(target), "X-Amz-Target: %s.%s",
		         json_target_prefix(c->service), c->api);
		hdrs[nh++] = type;
		hdrs[nh++] = target;
	} else {
		snprintf(type, sizeof(type),
		         "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
		hdrs[nh++] = type;
	}
	if (c->sign) {
		struct ep_http_header sh[2];
		struct ep_sigv4_req sr;
		struct ep_sigv4_out so;

		memset(&sr, 0, sizeof(sr));
		sh[0].name = "Content-Type";
		sh[0].value = strchr(type, ':') + 2;
		sh[1].name = "X-Amz-Target";
		sh[1].value = c->proto == EP_AWS_JSON ? strchr(target, ':') + 2 : NULL;
		sr.method = "POST";
		sr.host = host;
		sr.path = path ? path : "/";
		sr.query = NULL;
		sr.headers = sh;
		sr.nheaders = c->proto == EP_AWS_JSON ? 2 : 1;
		sr.body = c->body.data;
		sr.body_len = c->body.len;
		sr.region = c->region;
		sr.service = c->service;
		sr.now = now_s(a);
		memset(&so, 0, sizeof(so));
		rc = ep_sigv4_sign(&sr, &c->creds, &so);
		if (rc) {
			ep_sigv4_out_free(&so);
			return rc;
		}
		snprintf(date, sizeof(date), "X-Amz-Date: %s", so.amz_date);
		snprintf(auth, sizeof(auth), "Authorization: %s", so.authorization);
		hdrs[nh++] = date;
		hdrs[nh++] = auth;
		if (c->creds.session_token && c->creds.session_token[0]) {
			snprintf(token, sizeof(token), "X-Amz-Security-Token: %s",
			         c->creds.session_token);
			hdrs[nh++] = token;
		}
		ep_sigv4_out_free(&so);
	}
	hdrs[nh] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = c->url;
	req.headers = hdrs;
	req.body = c->body.data;
	req.body_len = c->body.len;
	req.timeout_ms = a->opts.timeout_ms;
	c->attempt++;
	c->slots->active++;
	rc = ep_http_start(a->http, &req, on_response, c);
	if (rc)
		c->slots->active--;
	return rc;
}

static void on_kick_timer(uv_timer_t *t)
{
	kick(t->data);
}

static void kick(struct ep_aws *a)
{
	uint64_t now = uv_hrtime(), wait = UINT64_MAX;
	struct call *c, *next;

	for (c = a->wait_head; c; c = next) {
		next = c->next;
		if (c->slots->active >= a->opts.per_service)
			continue;
		if (ep_pacer_take(&c->lane->pacer, now, 1) == 0) {
			uint64_t w = ep_pacer_wait_ns(&c->lane->pacer, now);

			if (w < wait)
				wait = w;
			continue;
		}
		dequeue(a, c);
		if (send_call(c)) {
			struct ep_aws_reply r;

			memset(&r, 0, sizeof(r));
			snprintf(r.error_code, sizeof(r.error_code), "LocalError");
			snprintf(r.error_msg, sizeof(r.error_msg),
			         "could not build or send the request");
			c->cb(c->arg, EP_EIO, &r);
			call_free(c);
		}
	}
	if (wait != UINT64_MAX && !a->closing)
		uv_timer_start(&a->kick_timer, on_kick_timer, wait / 1000000 + 1, 0);
}

/* ---- public ---- */

int ep_aws_call(struct ep_aws *a, const struct ep_aws_scope *s, const char *service,
                const char *api, const char *params, ep_aws_cb cb, void *arg)
{
	struct call *c;
	char key[192];
	int rc = 0;

	if (a->closing)
		return EP_ESTOPPED;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return EP_ENOMEM;
	c->aws = a;
	c->cb = cb;
	c->arg = arg;
	snprintf(c->service, sizeof(c->service), "%s", service);
	snprintf(c->api, sizeof(c->api), "%s", api);
	snprintf(c->region, sizeof(c->region), "%s", s->region);
	snprintf(c->account, sizeof(c->account), "%s", s->account ? s->account : "-");
	c->proto = json_target_prefix(service) ? EP_AWS_JSON : EP_AWS_QUERY;
	c->sign = s->creds != NULL;
	if (s->creds) {
		c->creds = *s->creds;
		c->creds.session_token = NULL;
		if (s->creds->session_token) {
			c->creds.session_token = strdup(s->creds->session_token);
			if (c->creds.session_token == NULL) {
				free(c);
				return EP_ENOMEM;
			}
		}
	}
	ep_aws_endpoint(a, service, s->region, c->url, sizeof(c->url));
	ep_buf_init(&c->body, 1u << 20);
	if (c->proto == EP_AWS_QUERY) {
		rc = ep_buf_printf(&c->body, "Action=%s&Version=%s", api, query_version(service));
		if (rc == 0 && params && *params)
			rc = ep_buf_printf(&c->body, "&%s", params);
	} else {
		rc = ep_buf_adds(&c->body, params && *params ? params : "{}");
	}
	snprintf(key, sizeof(key), "%s/%s/%s/%s", c->account, c->region, service, api);
	c->lane = lane_get(a, key);
	snprintf(key, sizeof(key), "%s/%s", service, c->region);
	c->slots = slots_get(a, key);
	if (rc || c->lane == NULL || c->slots == NULL) {
		ep_buf_free(&c->body);
		free(c->creds.session_token);
		free(c);
		return rc ? rc : EP_ENOMEM;
	}
	uv_timer_init(a->loop, &c->backoff);
	c->backoff.data = c;
	c->timer_open = 1;
	a->pending++;
	c->all_next = a->all;
	if (a->all)
		a->all->all_prev = c;
	a->all = c;
	enqueue(a, c);
	kick(a);
	return 0;
}

int ep_aws_new(struct ep_aws **out, uv_loop_t *loop, const struct ep_aws_opts *o)
{
	struct ep_aws *a = calloc(1, sizeof(*a));
	int rc;

	if (a == NULL)
		return EP_ENOMEM;
	a->loop = loop;
	a->opts = *o;
	if (a->opts.max_attempts == 0)
		a->opts.max_attempts = 5;
	if (a->opts.api_rate <= 0)
		a->opts.api_rate = 10;
	if (a->opts.per_service == 0)
		a->opts.per_service = 8;
	a->rng = uv_hrtime() | 1;
	rc = ep_http_new(&a->http, loop);
	if (rc) {
		free(a);
		return rc;
	}
	{
		/* as the AWS CLI and SDKs: the option, else AWS_CA_BUNDLE */
		const char *ca = o->ca_bundle ? o->ca_bundle : getenv("AWS_CA_BUNDLE");

		if (ca && *ca && ep_http_set_ca(a->http, ca) != 0)
			ep_log(EP_LOG_WARN, "aws", "out of memory for the CA bundle path");
	}
	uv_timer_init(loop, &a->kick_timer);
	a->kick_timer.data = a;
	*out = a;
	return 0;
}

struct ep_http *ep_aws_http(struct ep_aws *a)
{
	return a->http;
}

unsigned ep_aws_pending(const struct ep_aws *a)
{
	return a->pending;
}

static void on_http_closed(void *arg)
{
	struct ep_aws *a = arg;
	void (*cb)(void *) = a->closed_cb;
	void *carg = a->closed_arg;

	while (a->lanes) {
		struct lane *l = a->lanes;

		a->lanes = l->next;
		free(l);
	}
	while (a->slots) {
		struct slot_count *s = a->slots;

		a->slots = s->next;
		free(s);
	}
	free(a);
	if (cb)
		cb(carg);
}

static void on_kick_closed(uv_handle_t *h)
{
	struct ep_aws *a = h->data;

	ep_http_close(a->http, on_http_closed, a);
}

/* Calls waiting for a slot or sleeping before a retry fail now. */
static void cancel_waiting(struct ep_aws *a)
{
	for (struct call *c = a->all, *next; c; c = next) {
		struct ep_aws_reply r;

		next = c->all_next;
		if (c->in_backoff) {
			uv_timer_stop(&c->backoff);
			c->in_backoff = 0;
		} else if (c->prev || c->next || a->wait_head == c) {
			dequeue(a, c);
		} else {
			continue;
		}
		memset(&r, 0, sizeof(r));
		snprintf(r.error_code, sizeof(r.error_code), "Cancelled");
		c->cb(c->arg, EP_ESTOPPED, &r);
		call_free(c);
	}
}

void ep_aws_abort(struct ep_aws *a)
{
	a->closing = 1;
	cancel_waiting(a);
	ep_http_abort(a->http);
}

void ep_aws_close(struct ep_aws *a, void (*done)(void *arg), void *arg)
{
	a->closing = 1;
	a->closed_cb = done;
	a->closed_arg = arg;
	/* calls on the wire are aborted by ep_http_close */
	cancel_waiting(a);
	uv_close((uv_handle_t *)&a->kick_timer, on_kick_closed);
}
