/* Banner grabbing for --banners.  See banner.h.  Each grab is one uv_tcp_t
 * and one uv_timer_t in a heap struct freed when both are closed; the queue
 * from the engines' threads is a mutex-guarded ring drained by a uv_async. */
#include "probe/banner.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define QUEUE_CAP 65536

struct grab {
	struct ep_banners *owner;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t creq;
	uv_write_t wreq;
	int handles;
	int finished;
	struct ep_banner b;
};

struct ep_banners {
	uv_loop_t *loop;
	uv_async_t wake;
	uv_mutex_t lock;
	struct ep_target *ring; /* QUEUE_CAP entries */
	size_t head, len;
	uint64_t dropped;
	unsigned timeout_ms, max_active, active;
	ep_banner_cb cb;
	void *arg;
	int finishing;
	void (*done)(void *arg);
	void *done_arg;
};

/* Ports where the client speaks first, and what it says. */
static const uint16_t http_ports[] = {80,   81,   591,  2375, 3000, 5000, 5601, 7001, 8000, 8008,
                                      8080, 8081, 8088, 8161, 8888, 9000, 9090, 9200, 15672};
static const uint16_t tls_ports[] = {443,  465,  636,  853,  989,  990,  992,   993,  995,
                                     2376, 4443, 5986, 6443, 8443, 9443, 10250, 10443};

static int in_list(const uint16_t *l, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == port)
			return 1;
	return 0;
}

static const char http_get[] = "GET / HTTP/1.0\r\nUser-Agent: ecsprobe\r\nAccept: */*\r\n\r\n";

/* A TLS 1.2 ClientHello offering common ECDHE/RSA suites (RFC 5246, 8422,
 * 5746): enough for any TLS server to answer with a ServerHello or an alert.
 * No SNI: the scan knows addresses, not names. */
static const uint8_t client_hello[] = {
    0x16, 0x03, 0x01, 0x00, 0x5b,                   /* record: handshake, 91 bytes */
    0x01, 0x00, 0x00, 0x57,                         /* ClientHello, 87 bytes */
    0x03, 0x03,                                     /* TLS 1.2 */
    0x65, 0x63, 0x73, 0x70, 0x72, 0x6f, 0x62, 0x65, /* random: "ecsprobe" x 4 */
    0x65, 0x63, 0x73, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x65, 0x63, 0x73, 0x70, 0x72,
    0x6f, 0x62, 0x65, 0x65, 0x63, 0x73, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x00, /* no session id */
    0x00, 0x12,                                                             /* 9 cipher suites */
    0xc0, 0x2f, 0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2c, 0xcc, 0xa8, 0x00, 0x9c, 0x00,
    0x9d, 0x00, 0x2f, 0x00, 0xff, /* ..., TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    0x01, 0x00,                   /* compression: null */
    0x00, 0x1c,                   /* extensions, 28 bytes */
    0x00, 0x0a, 0x00, 0x08,       /* supported_groups: x25519, P-256, P-384 */
    0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x0b, 0x00, 0x02, /* ec_point_formats */
    0x01, 0x00, 0x00, 0x0d, 0x00, 0x06, /* signature_algorithms: */
    0x00, 0x04, 0x04, 0x01, 0x04, 0x03, /* rsa_pkcs1_sha256, ecdsa_secp256r1_sha256 */
};

const uint8_t *ep_banner_request(uint16_t port, size_t *len, const char **name)
{
	if (in_list(http_ports, sizeof(http_ports) / sizeof(http_ports[0]), port)) {
		*len = sizeof(http_get) - 1;
		*name = "http-get";
		return (const uint8_t *)http_get;
	}
	if (in_list(tls_ports, sizeof(tls_ports) / sizeof(tls_ports[0]), port)) {
		*len = sizeof(client_hello);
		*name = "tls-client-hello";
		return client_hello;
	}
	*len = 0;
	*name = NULL;
	return NULL;
}

static int starts(const uint8_t *d, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(d, s, n) == 0;
}

const char *ep_banner_classify(const uint8_t *d, size_t len, int tls_sent)
{
	if (len == 0)
		return "silent";
	if (len >= 3 && (d[0] == 0x16 || d[0] == 0x15) && d[1] == 0x03 && d[2] <= 0x04)
		return "tls";
	if (starts(d, len, "SSH-"))
		return "ssh";
	if (starts(d, len, "HTTP/"))
		return "http";
	if (starts(d, len, "220") && len > 4 &&
	    (memmem(d, len, "SMTP", 4) || memmem(d, len, "ESMTP", 5)))
		return "smtp";
	if (starts(d, len, "220"))
		return "ftp";
	if (starts(d, len, "+OK"))
		return "pop3";
	if (starts(d, len, "* OK"))
		return "imap";
	if (starts(d, len, "-ERR") || starts(d, len, "-NOAUTH") || starts(d, len, "+PONG"))
		return "redis";
	if (len > 5 && d[3] == 0 && d[4] == 0x0a) /* packet 0, protocol version 10 */
		return "mysql";
	if (starts(d, len, "AMQP"))
		return "amqp";
	if (tls_sent && len >= 2 && d[0] == 'H')
		return "http"; /* plain HTTP on a TLS-looking port answered our hello */
	return "unknown";
}

static void on_wake_closed(uv_handle_t *h);

/* Once finishing and idle, the async goes and with it b. */
static int maybe_close(struct ep_banners *b)
{
	if (!b->finishing || b->active || b->len)
		return 0;
	if (!uv_is_closing((uv_handle_t *)&b->wake))
		uv_close((uv_handle_t *)&b->wake, on_wake_closed);
	return 1;
}

/* ---- one grab ---- */

static void grab_closed(uv_handle_t *h)
{
	struct grab *g = h->data;
	struct ep_banners *b = g->owner;

	if (--g->handles)
		return;
	free(g);
	b->active--;
	if (!maybe_close(b))
		uv_async_send(&b->wake); /* room for the next */
}

static void grab_end(struct grab *g)
{
	if (g->finished)
		return;
	g->finished = 1;
	g->b.service =
	    ep_banner_classify(g->b.data, g->b.len, g->b.sent != NULL && g->b.sent[0] == 't');
	g->owner->cb(g->owner->arg, &g->b);
	uv_close((uv_handle_t *)&g->tcp, grab_closed);
	uv_close((uv_handle_t *)&g->timer, grab_closed);
}

static void on_grab_timeout(uv_timer_t *t)
{
	grab_end(t->data);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct grab *g = h->data;

	(void)suggested;
	buf->base = (char *)g->b.data + g->b.len;
	buf->len = EP_BANNER_MAX - g->b.len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct grab *g = s->data;

	(void)buf;
	if (n > 0)
		g->b.len += (size_t)n;
	if (n < 0 || g->b.len == EP_BANNER_MAX)
		grab_end(g);
}

static void on_written(uv_write_t *w, int status)
{
	(void)w;
	(void)status; /* the read side sees any error */
}

static void on_connected(uv_connect_t *req, int status)
{
	struct grab *g = req->data;
	size_t len;
	const uint8_t *msg;

	if (g->finished)
		return;
	if (status < 0) {
		g->b.service = "refused";
		grab_end(g);
		return;
	}
	msg = ep_banner_request(g->b.t.port, &len, &g->b.sent);
	if (msg) {
		uv_buf_t buf = uv_buf_init((char *)(uintptr_t)msg, (unsigned)len);

		uv_write(&g->wreq, (uv_stream_t *)&g->tcp, &buf, 1, on_written);
	}
	uv_read_start((uv_stream_t *)&g->tcp, on_alloc, on_read);
}

static void grab_start(struct ep_banners *b, const struct ep_target *t)
{
	struct grab *g = calloc(1, sizeof(*g));
	struct sockaddr_in6 sa;

	if (g == NULL) {
		b->dropped++;
		return;
	}
	g->owner = b;
	g->b.t = *t;
	memset(&sa, 0, sizeof(sa));
	if (t->addr.family == 6) {
		sa.sin6_family = AF_INET6;
		memcpy(&sa.sin6_addr, t->addr.b, 16);
		sa.sin6_port = htons(t->port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&sa;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, t->addr.b, 4);
		s4->sin_port = htons(t->port);
	}
	uv_tcp_init(b->loop, &g->tcp);
	uv_timer_init(b->loop, &g->timer);
	g->tcp.data = g->timer.data = g->creq.data = g;
	g->handles = 2;
	b->active++;
	uv_timer_start(&g->timer, on_grab_timeout, b->timeout_ms, 0);
	if (uv_tcp_connect(&g->creq, &g->tcp, (struct sockaddr *)&sa, on_connected) != 0) {
		g->b.service = "error";
		grab_end(g);
	}
}

/* ---- queue ---- */

static void on_wake(uv_async_t *a)
{
	struct ep_banners *b = a->data;

	while (b->active < b->max_active) {
		struct ep_target t;

		uv_mutex_lock(&b->lock);
		if (b->len == 0) {
			uv_mutex_unlock(&b->lock);
			break;
		}
		t = b->ring[b->head];
		b->head = (b->head + 1) % QUEUE_CAP;
		b->len--;
		uv_mutex_unlock(&b->lock);
		grab_start(b, &t);
	}
	maybe_close(b);
}

static void on_wake_closed(uv_handle_t *h)
{
	struct ep_banners *b = h->data;
	void (*done)(void *) = b->done;
	void *arg = b->done_arg;

	uv_mutex_destroy(&b->lock);
	free(b->ring);
	free(b);
	if (done)
		done(arg);
}

int ep_banners_new(struct ep_banners **out, uv_loop_t *loop, unsigned timeout_ms,
                   unsigned max_active, ep_banner_cb cb, void *arg)
{
	struct ep_banners *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return EP_ENOMEM;
	b->ring = malloc(QUEUE_CAP * sizeof(*b->ring));
	if (b->ring == NULL) {
		free(b);
		return EP_ENOMEM;
	}
	b->loop = loop;
	b->timeout_ms = timeout_ms;
	b->max_active = max_active ? max_active : 1;
	b->cb = cb;
	b->arg = arg;
	uv_mutex_init(&b->lock);
	uv_async_init(loop, &b->wake, on_wake);
	b->wake.data = b;
	*out = b;
	return 0;
}

void ep_banners_push(struct ep_banners *b, const struct ep_target *t)
{
	uv_mutex_lock(&b->lock);
	if (b->len == QUEUE_CAP) {
		b->dropped++;
	} else {
		b->ring[(b->head + b->len) % QUEUE_CAP] = *t;
		b->len++;
	}
	uv_mutex_unlock(&b->lock);
	uv_async_send(&b->wake);
}

void ep_banners_finish(struct ep_banners *b, void (*done)(void *arg), void *arg)
{
	b->finishing = 1;
	b->done = done;
	b->done_arg = arg;
	/* on_wake (or the last grab's close) closes the async, which frees b */
	uv_async_send(&b->wake);
}

uint64_t ep_banners_dropped(const struct ep_banners *b)
{
	return b->dropped;
}

void ep_banner_summary(const struct ep_banner *b, char *out, size_t n)
{
	int w = snprintf(out, n, "%s%s", b->service, b->len ? ": " : "");
	size_t k = w > 0 && (size_t)w < n ? (size_t)w : 0;

	for (size_t i = 0; i < b->len && k + 1 < n; i++) {
		uint8_t c = b->data[i];

		if (c == '\r' || c == '\n')
			break;
		out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	if (n)
		out[k] = '\0';
}

int ep_banner_notes_add(struct ep_banner_notes *ns, const struct ep_banner *b)
{
	struct ep_banner_note *x;

	if (ns->len == EP_BANNER_NOTES_MAX)
		return 0;
	if (ns->len == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		struct ep_banner_note *nn = realloc(ns->n, cap * sizeof(*nn));

		if (nn == NULL)
			return EP_ENOMEM;
		ns->n = nn;
		ns->cap = cap;
	}
	x = &ns->n[ns->len++];
	ns->sorted = 0;
	x->addr = b->t.addr;
	x->port = b->t.port;
	ep_banner_summary(b, x->text, sizeof(x->text));
	return 0;
}

static int note_cmp(const struct ep_addr *a, uint16_t port, const struct ep_banner_note *n)
{
	int c = ep_addr_cmp(a, &n->addr);

	return c ? c : (int)port - (int)n->port;
}

static int note_sort_cmp(const void *x, const void *y)
{
	const struct ep_banner_note *a = x;

	return note_cmp(&a->addr, a->port, y);
}

const char *ep_banner_notes_find(struct ep_banner_notes *ns, const struct ep_addr *a, uint16_t port)
{
	size_t lo = 0, hi = ns->len;

	if (!ns->sorted && ns->len) {
		qsort(ns->n, ns->len, sizeof(*ns->n), note_sort_cmp);
		ns->sorted = 1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = note_cmp(a, port, &ns->n[mid]);

		if (c == 0)
			return ns->n[mid].text;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void ep_banner_notes_free(struct ep_banner_notes *ns)
{
	free(ns->n);
	memset(ns, 0, sizeof(*ns));
}
