/* curl multi-socket on libuv.  curl tells us which sockets to watch
 * (socket_cb) and when to call it back (timer_cb); we translate to uv_poll_t
 * and one uv_timer_t, and hand readiness back with curl_multi_socket_action. */
#include "base/http.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define DEFAULT_MAX_BODY (64u << 20)
#define MAX_HEAD         (16u << 10) /* response header lines kept for want_head */
#define MAX_ERROR_BODY   (1u << 20)  /* a sink's non-2xx body, kept for its error text */

struct ep_http {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	unsigned pending;
	int closing;
	void (*closed_cb)(void *arg);
	void *closed_arg;
	int open_handles;           /* uv handles not yet closed (timer + polls) */
	struct transfer *transfers; /* in flight, for ep_http_close */
	char *ca_file;              /* CA certificates to trust; NULL: the system's */
};

struct poll_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct ep_http *http;
};

struct transfer {
	struct ep_http *http;
	struct transfer *prev, *next;
	CURL *easy;
	struct curl_slist *headers;
	char *body; /* request body copy; NULL when borrowed or none */
	struct ep_buf resp;
	struct ep_buf head; /* want_head: header lines of the last response */
	ep_http_sink_cb sink;
	void *sink_arg;
	uint64_t streamed, max_stream;
	int sink_failed;
	ep_http_cb cb;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
	int too_big;
};

static void maybe_closed(struct ep_http *h)
{
	if (h->closing && h->open_handles == 0) {
		void (*cb)(void *) = h->closed_cb;
		void *arg = h->closed_arg;

		curl_multi_cleanup(h->multi);
		free(h->ca_file);
		free(h);
		if (cb)
			cb(arg);
	}
}

static void on_handle_closed(uv_handle_t *handle)
{
	struct ep_http *h;

	if (handle->type == UV_POLL) {
		struct poll_ctx *pc = handle->data;

		h = pc->http;
		free(pc);
	} else {
		h = handle->data;
	}
	h->open_handles--;
	maybe_closed(h);
}

static void finish(struct transfer *t, CURLcode code)
{
	struct ep_http *h = t->http;
	struct ep_http_response r;
	double secs = 0;

	memset(&r, 0, sizeof(r));
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &secs);
	r.seconds = secs;
	r.curl_code = (int)code;
	if (t->too_big) {
		r.curl_code = CURLE_FILESIZE_EXCEEDED;
		r.error = "response body too large";
	} else if (t->sink_failed) {
		r.curl_code = CURLE_WRITE_ERROR;
		r.error = "could not store the response body";
	} else if (code != CURLE_OK) {
		r.error = t->errbuf[0] ? t->errbuf : curl_easy_strerror(code);
	}
	if (r.curl_code)
		r.status = 0;
	r.body = t->resp.data ? t->resp.data : "";
	r.body_len = t->resp.len;
	r.head = t->head.data ? t->head.data : "";
	r.head_len = t->head.len;
	r.streamed = t->streamed;
	curl_multi_remove_handle(h->multi, t->easy);
	curl_easy_cleanup(t->easy);
	if (t->prev)
		t->prev->next = t->next;
	else
		h->transfers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	curl_slist_free_all(t->headers);
	h->pending--;
	t->cb(t->arg, &r);
	ep_buf_free(&t->resp);
	ep_buf_free(&t->head);
	free(t->body);
	free(t);
}

static void check_done(struct ep_http *h)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct transfer *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		finish(t, msg->data.result);
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct poll_ctx *pc = p->data;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(pc->http->multi, pc->fd, flags, &running);
	check_done(pc->http);
}

static void on_timeout(uv_timer_t *timer)
{
	struct ep_http *h = timer->data;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct ep_http *h = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else
		uv_timer_start(&h->timer, on_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
	struct ep_http *h = userp;
	struct poll_ctx *pc = socketp;
	int events = 0;

	(void)easy;
	if (action == CURL_POLL_REMOVE) {
		if (pc) {
			uv_poll_stop(&pc->poll);
			curl_multi_assign(h->multi, s, NULL);
			uv_close((uv_handle_t *)&pc->poll, on_handle_closed);
		}
		return 0;
	}
	if (pc == NULL) {
		pc = calloc(1, sizeof(*pc));
		if (pc == NULL)
			return -1;
		pc->fd = s;
		pc->http = h;
		if (uv_poll_init_socket(h->loop, &pc->poll, s)) {
			free(pc);
			return -1;
		}
		pc->poll.data = pc;
		h->open_handles++;
		curl_multi_assign(h->multi, s, pc);
	}
	if (action == CURL_POLL_IN || action == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	return uv_poll_start(&pc->poll, events, on_poll) ? -1 : 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	long status = 0;

	/* the status line has been read by the time body bytes arrive */
	if (t->sink && curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status >= 200 && status < 300) {
		if (n > t->max_stream - t->streamed) {
			t->too_big = 1;
			return 0;
		}
		if (t->sink(t->sink_arg, ptr, n)) {
			t->sink_failed = 1;
			return 0;
		}
		t->streamed += n;
		return n;
	}
	if (ep_buf_add(&t->resp, ptr, n)) {
		t->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	return n;
}

/* Header lines of the last response only: a new status line (after a 1xx
 * or a redirect) starts over.  Past MAX_HEAD the rest is dropped, not failed:
 * the headers are read for a few values, never trusted for size. */
static size_t header_cb(char *ptr, size_t size, size_t nitems, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nitems;

	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		ep_buf_reset(&t->head);
	if (t->head.len + n <= MAX_HEAD)
		ep_buf_add(&t->head, ptr, n);
	return n;
}

int ep_http_new(struct ep_http **out, uv_loop_t *loop)
{
	struct ep_http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return EP_ENOMEM;
	h->loop = loop;
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		free(h);
		return EP_ENOMEM;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	h->open_handles = 1;
	*out = h;
	return 0;
}

int ep_http_set_ca(struct ep_http *h, const char *path)
{
	char *copy = path ? strdup(path) : NULL;

	if (path && copy == NULL)
		return EP_ENOMEM;
	free(h->ca_file);
	h->ca_file = copy;
	return 0;
}

int ep_http_start(struct ep_http *h, const struct ep_http_request *req, ep_http_cb cb, void *arg)
{
	struct transfer *t;
	CURLMcode mc;

	if (h->closing)
		return EP_ESTOPPED;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return EP_ENOMEM;
	t->http = h;
	t->cb = cb;
	t->arg = arg;
	t->sink = req->sink;
	t->sink_arg = req->sink_arg;
	t->max_stream = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
	if (req->sink)
		ep_buf_init(&t->resp, MAX_ERROR_BODY);
	else
		ep_buf_init(&t->resp, req->max_body ? (size_t)req->max_body : DEFAULT_MAX_BODY);
	ep_buf_init(&t->head, MAX_HEAD);
	t->easy = curl_easy_init();
	if (t->easy == NULL)
		goto nomem;
	for (const char *const *hd = req->headers; hd && *hd; hd++) {
		struct curl_slist *n = curl_slist_append(t->headers, *hd);

		if (n == NULL)
			goto nomem;
		t->headers = n;
	}
	/* curl adds these unless told not to; SigV4 signs exactly what we send */
	t->headers = curl_slist_append(t->headers, "Expect:");
	t->headers = curl_slist_append(t->headers, "Accept:");
	if (t->headers == NULL)
		goto nomem;
	curl_easy_setopt(t->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, (char *)t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
	                 req->timeout_ms > 0 ? req->timeout_ms : 30000L);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (t->http->ca_file)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, t->http->ca_file);
	/* a sink stores the body as sent: no decoding, so its size is the object's */
	if (req->sink == NULL)
		curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, "");
	if (req->want_head) {
		curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
	}
	if (req->sink && req->max_body)
		curl_easy_setopt(t->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
		const char *body = req->body_len ? req->body : "";

		if (!req->borrow_body) {
			t->body = malloc(req->body_len + 1);
			if (t->body == NULL)
				goto nomem;
			if (req->body_len)
				memcpy(t->body, req->body, req->body_len);
			t->body[req->body_len] = '\0';
			body = t->body;
		}
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		if (strcmp(req->method, "PUT") == 0)
			curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, "PUT");
	} else if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(t->easy, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, req->method);
	}
	mc = curl_multi_add_handle(h->multi, t->easy);
	if (mc != CURLM_OK)
		goto nomem;
	h->pending++;
	t->next = h->transfers;
	if (t->next)
		t->next->prev = t;
	h->transfers = t;
	return 0;
nomem:
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	ep_buf_free(&t->resp);
	ep_buf_free(&t->head);
	free(t->body);
	free(t);
	return EP_ENOMEM;
}

unsigned ep_http_pending(const struct ep_http *h)
{
	return h->pending;
}

void ep_http_abort(struct ep_http *h)
{
	/* a callback may start another transfer: it is aborted too */
	while (h->transfers)
		finish(h->transfers, CURLE_ABORTED_BY_CALLBACK);
}

void ep_http_close(struct ep_http *h, void (*done)(void *arg), void *arg)
{
	h->closing = 1;
	h->closed_cb = done;
	h->closed_arg = arg;
	/* abort what is left: each callback sees CURLE_ABORTED_BY_CALLBACK */
	while (h->transfers)
		finish(h->transfers, CURLE_ABORTED_BY_CALLBACK);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, on_handle_closed);
}
