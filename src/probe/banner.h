/* --banners: after a TCP port answers open, connect to it once more and read
 * what the service says first (or answers to a minimal HTTP request or TLS
 * ClientHello when the port suggests one), bounded in bytes and time, so the
 * report can say what listens on an unexpected port.  Runs on the scan's
 * main loop with a cap on connections at once; open ports are handed over
 * from the engines' threads through a bounded queue. */
#ifndef EP_BANNER_H
#define EP_BANNER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "model/targets.h"

#define EP_BANNER_MAX 512 /* bytes kept per service */

struct ep_banner {
	struct ep_target t;
	const char *service; /* static: ssh, http, tls, smtp, ... or "unknown" */
	const char *sent;    /* static: "http-get", "tls-client-hello" or NULL */
	size_t len;
	uint8_t data[EP_BANNER_MAX];
};

typedef void (*ep_banner_cb)(void *arg, const struct ep_banner *b);

struct ep_banners;

/* Owns its queue and connections; cb runs on loop's thread. */
int ep_banners_new(struct ep_banners **out, uv_loop_t *loop, unsigned timeout_ms,
                   unsigned max_active, ep_banner_cb cb, void *arg);
/* Any thread: queue t (dropped and counted when the queue is full). */
void ep_banners_push(struct ep_banners *b, const struct ep_target *t);
/* Loop thread: no more pushes; done(arg) runs once every grab has ended and
 * every handle is closed, after which b is freed. */
void ep_banners_finish(struct ep_banners *b, void (*done)(void *arg), void *arg);
uint64_t ep_banners_dropped(const struct ep_banners *b);
/* Banners kept as one line each, for the table and verify's evidence.
 * Owns its array; bounded (past EP_BANNER_NOTES_MAX, adds are ignored). */
#define EP_BANNER_NOTES_MAX 100000
#define EP_BANNER_NOTE_LEN  72
struct ep_banner_note {
	struct ep_addr addr;
	uint16_t port;
	char text[EP_BANNER_NOTE_LEN]; /* "ssh: SSH-2.0-OpenSSH_9.2" */
};
struct ep_banner_notes {
	struct ep_banner_note *n;
	size_t len, cap;
	int sorted; /* by (address, port), for ep_banner_notes_find */
};
int ep_banner_notes_add(struct ep_banner_notes *ns, const struct ep_banner *b);
/* Sorts once after adds (O(n log n)), then O(log n) per lookup: the table
 * looks up every open port. */
const char *ep_banner_notes_find(struct ep_banner_notes *ns, const struct ep_addr *a,
                                 uint16_t port);
void ep_banner_notes_free(struct ep_banner_notes *ns);

/* "service: first line" in printable ASCII, for tables and evidence. */
void ep_banner_summary(const struct ep_banner *b, char *out, size_t n);
/* What the first bytes say (exposed for tests). */
const char *ep_banner_classify(const uint8_t *data, size_t len, int tls_sent);
/* The request sent first on port, or NULL: servers that speak first get
 * nothing.  *len is set. */
const uint8_t *ep_banner_request(uint16_t port, size_t *len, const char **name);

#endif
