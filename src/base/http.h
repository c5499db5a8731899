/* HTTP requests over libcurl's multi-socket API, driven by the libuv loop
 * (curl's docs/examples/multi-uv.c pattern, with every status checked).
 * One ep_http per loop; requests complete through a callback on that loop.
 * The ep_http owns the curl multi handle and every transfer in flight. */
#ifndef EP_HTTP_H
#define EP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"

struct ep_http;

struct ep_http_response {
	long status;       /* HTTP status, 0 when the transfer failed */
	int curl_code;     /* CURLcode; 0 on success */
	const char *error; /* curl's error text when curl_code != 0 */
	const char *body;  /* NUL-terminated; valid during the callback only */
	size_t body_len;
	double seconds;   /* total transfer time */
	const char *head; /* want_head: the last response's header lines, "" otherwise */
	size_t head_len;
	uint64_t streamed; /* sink: body bytes given to it */
};

typedef void (*ep_http_cb)(void *arg, const struct ep_http_response *r);

/* Where a 2xx response body goes instead of memory (downloads larger than
 * memory should hold); a nonzero return fails the transfer. */
typedef int (*ep_http_sink_cb)(void *arg, const void *p, size_t n);

struct ep_http_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE", "HEAD" */
	const char *url;
	const char *const *headers; /* "Name: value" strings, NULL-terminated; may be NULL */
	const void *body;
	size_t body_len;
	int borrow_body;   /* body stays valid until cb has run: sent without a copy */
	long timeout_ms;   /* whole transfer */
	uint64_t max_body; /* responses larger than this fail (EP_ERANGE); 0: 64 MiB */
	int want_head;     /* keep the response's header lines (at most 16 KiB) */
	/* With a sink, a 2xx body is streamed to it (max_body still caps it) and
	 * any other body is kept in memory, at most 1 MiB, for its error text. */
	ep_http_sink_cb sink;
	void *sink_arg;
};

int ep_http_new(struct ep_http **out, uv_loop_t *loop);
/* Trust the CA certificates in path (PEM) instead of the system's for
 * every later request; NULL: the system's again. */
int ep_http_set_ca(struct ep_http *h, const char *path);
/* Starts a request; copies everything it needs.  cb runs exactly once. */
int ep_http_start(struct ep_http *h, const struct ep_http_request *req, ep_http_cb cb, void *arg);
/* Transfers in flight. */
unsigned ep_http_pending(const struct ep_http *h);
/* Aborts transfers (their callbacks run with curl_code set), closes the
 * handles; done runs on the loop once everything is released. */
/* Loop thread: ends every transfer now (each callback sees an error); the
 * client stays usable.  For a command that was interrupted. */
void ep_http_abort(struct ep_http *h);
void ep_http_close(struct ep_http *h, void (*done)(void *arg), void *arg);

#endif
