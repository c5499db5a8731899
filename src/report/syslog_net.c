/* UDP, TCP (octet-counted) and TLS syslog transports (syslog_net.h).  Runs
 * on the delivery thread only: blocking is allowed, but every wait has a
 * deadline (poll), so a stuck receiver becomes a failure, then the spool. */
#include "report/syslog_net.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/buf.h"
#include "base/log.h"

#define SETTLE_MS 1000
#define MARKS     1024 /* sends remembered for the health check (a ring) */

/* Bytes written on the connection by the end of a send, when, and which
 * send it was (deliver.h, acked). */
struct mark {
	uint64_t t, bytes, seq;
};

struct sl_net {
	enum ep_syslog_proto proto;
	char host[256], port[16], label[320], name[256];
	unsigned timeout_ms;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	struct ep_buf out;  /* one batch, framed */
	char last_err[300]; /* logged once until it changes or a send works */
	uint64_t written;   /* bytes handed to the socket on this connection */
	int confirmed;      /* the peer confirmed something on this connection */
	struct mark marks[MARKS];
	unsigned mfirst, mcount;
	uint64_t nsent;     /* sends that took events, over all connections */
	uint64_t acked_seq; /* the last of them the peer's TCP acknowledged */
};

static void set_err(struct sl_net *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(struct sl_net *n, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, n->last_err) != 0)
		ep_log(EP_LOG_WARN, "syslog", "%s: %s", n->label, msg);
	snprintf(n->last_err, sizeof(n->last_err), "%s", msg);
}

static void disconnect(struct sl_net *n)
{
	if (n->ssl) {
		SSL_free(n->ssl);
		n->ssl = NULL;
	}
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	n->written = 0;
	n->mcount = 0;
	n->confirmed = 0;
}

/* Waits for events on fd until deadline (uv_hrtime ns): 1 ready, 0 timeout. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		uint64_t now = uv_hrtime();
		int r;

		if (now >= deadline)
			return 0;
		r = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0;
	}
}

static const char *ssl_why(SSL *ssl)
{
	static const char unknown[] = "TLS failure";
	unsigned long e = ERR_peek_last_error();
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (v != X509_V_OK)
		return X509_verify_cert_error_string(v);
	return e ? ERR_reason_error_string(e) : unknown;
}

static int tls_handshake(struct sl_net *n, uint64_t deadline)
{
	X509_VERIFY_PARAM *vp;
	unsigned char buf[16];
	int rc;

	ERR_clear_error();
	n->ssl = SSL_new(n->ctx);
	if (n->ssl == NULL || SSL_set_fd(n->ssl, n->fd) != 1)
		return EP_ENOMEM;
	vp = SSL_get0_param(n->ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, n->name) != 1) {
		/* a DNS name: verify it and send it as SNI */
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(n->ssl, n->name) != 1 ||
		    SSL_set_tlsext_host_name(n->ssl, n->name) != 1)
			return EP_EINVAL;
	}
	for (;;) {
		int e;

		rc = SSL_connect(n->ssl);
		if (rc == 1)
			break;
		e = SSL_get_error(n->ssl, rc);
		if ((e == SSL_ERROR_WANT_READ && wait_fd(n->fd, POLLIN, deadline)) ||
		    (e == SSL_ERROR_WANT_WRITE && wait_fd(n->fd, POLLOUT, deadline)))
			continue;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			set_err(n, "TLS handshake timed out");
		else if (SSL_get_verify_result(n->ssl) != X509_V_OK)
			set_err(n, "TLS: the server certificate does not verify: %s",
			        ssl_why(n->ssl));
		else
			set_err(n, "TLS handshake failed: %s", ssl_why(n->ssl));
		return EP_EIO;
	}
	/* TLS 1.3 session tickets arrive after the handshake: take them now so
	 * that later readability means the server closed */
	(void)SSL_read(n->ssl, buf, sizeof(buf));
	ERR_clear_error();
	return 0;
}

static int do_connect(struct sl_net *n)
{
	struct addrinfo hints, *res = NULL, *ai;
	uint64_t deadline = uv_hrtime() + (uint64_t)n->timeout_ms * 1000000u;
	int rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = n->proto == EP_SYSLOG_UDP ? SOCK_DGRAM : SOCK_STREAM;
	rc = getaddrinfo(n->host, n->port, &hints, &res);
	if (rc) {
		set_err(n, "cannot resolve %s: %s", n->host, gai_strerror(rc));
		return EP_EIO;
	}
	for (ai = res; ai && n->fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline))) {
			socklen_t len = sizeof(err);

			err = 0;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
				n->fd = fd;
				break;
			}
		} else {
			err = errno == EINPROGRESS ? ETIMEDOUT : errno;
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (n->fd < 0) {
		set_err(n, "cannot connect: %s", strerror(err ? err : ECONNREFUSED));
		return EP_EIO;
	}
	if (n->proto == EP_SYSLOG_TLS && (rc = tls_handshake(n, deadline)) != 0) {
		disconnect(n);
		return rc;
	}
	return 0;
}

static int write_all(struct sl_net *n, const char *p, size_t len)
{
	uint64_t deadline = uv_hrtime() + (uint64_t)n->timeout_ms * 1000000u;
	size_t off = 0;

	while (off < len) {
		const char *why = NULL;

		if (n->ssl) {
			size_t w = 0;
			int r, e;

			ERR_clear_error();
			r = SSL_write_ex(n->ssl, p + off, len - off, &w);
			if (r == 1) {
				off += w;
				/* what reached the socket, records and all (SIOCOUTQ's unit) */
				n->written = BIO_number_written(SSL_get_wbio(n->ssl));
				continue;
			}
			e = SSL_get_error(n->ssl, r);
			if ((e == SSL_ERROR_WANT_WRITE && wait_fd(n->fd, POLLOUT, deadline)) ||
			    (e == SSL_ERROR_WANT_READ && wait_fd(n->fd, POLLIN, deadline)))
				continue;
			if (e == SSL_ERROR_SSL)
				why = ssl_why(NULL);
		} else {
			ssize_t w = send(n->fd, p + off, len - off, MSG_NOSIGNAL);

			if (w > 0) {
				off += (size_t)w;
				n->written += (uint64_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
			    wait_fd(n->fd, POLLOUT, deadline))
				continue;
		}
		if (uv_hrtime() >= deadline)
			why = "timed out (receiver too slow)";
		set_err(n, "write failed: %s", why ? why : strerror(errno ? errno : EPIPE));
		return EP_EIO;
	}
	return 0;
}

static void add_mark(struct sl_net *n)
{
	if (n->mcount == MARKS) { /* forget the oldest: the check gets stricter */
		n->mfirst = (n->mfirst + 1) % MARKS;
		n->mcount--;
	}
	n->marks[(n->mfirst + n->mcount) % MARKS] =
	    (struct mark){uv_hrtime(), n->written, n->nsent};
	n->mcount++;
}

/* Has the peer's TCP acknowledged every byte written SETTLE_MS ago or
 * earlier?  (Not "every byte": under steady load the send queue is never
 * empty.)  Confirmed marks are forgotten. */
static int settled_acked(struct sl_net *n, uint64_t outq)
{
	uint64_t cutoff = uv_hrtime() - SETTLE_MS * 1000000ULL, need = 0;
	unsigned k = 0;

	while (k < n->mcount && n->marks[(n->mfirst + k) % MARKS].t <= cutoff)
		need = n->marks[(n->mfirst + k++) % MARKS].bytes;
	if (k == 0 && n->mcount)
		need = n->marks[n->mfirst].bytes; /* its elders were forgotten */
	if (n->written - outq < need)
		return EP_EAGAIN;
	n->mfirst = (n->mfirst + k) % MARKS;
	n->mcount -= k;
	return 0;
}

/* Is the connection still up?  A syslog receiver never sends:
 * readability means it closed or reset. */
static int conn_up(struct sl_net *n)
{
	struct pollfd p = {.fd = n->fd, .events = POLLIN | POLLRDHUP};
	int err = 0;
	socklen_t len = sizeof(err);

	if (n->fd < 0)
		return EP_EIO;
	if (n->proto != EP_SYSLOG_UDP && poll(&p, 1, 0) > 0) {
		char buf[512], why[160] = "";
		int alive = 0;

		if (n->ssl) {
			/* data is a session ticket; an alert says why the peer left */
			int r = SSL_read(n->ssl, buf, sizeof(buf)), e = SSL_get_error(n->ssl, r);

			alive = r > 0 || e == SSL_ERROR_WANT_READ;
			if (e == SSL_ERROR_SSL)
				snprintf(why, sizeof(why), ": %s", ssl_why(NULL));
			ERR_clear_error();
		} else if (!(p.revents & (POLLERR | POLLHUP | POLLRDHUP))) {
			alive = recv(n->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0;
		}
		if (!alive) {
			set_err(n, "the receiver closed the connection%s%s", why,
			        n->ssl && !n->confirmed
			            ? " (before confirming anything: does it want a client "
			              "certificate? cert=, key=)"
			            : "");
			return EP_EIO;
		}
	}
	if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err) {
		set_err(n, "%s", strerror(err)); /* UDP: an ICMP port unreachable */
		return EP_EIO;
	}
	return 0;
}

/* Bytes written and not yet acknowledged by the peer's TCP (TLS records
 * included, like n->written); 0 for UDP. */
static uint64_t outq(const struct sl_net *n)
{
	int q = 0;

	if (n->proto == EP_SYSLOG_UDP || ioctl(n->fd, SIOCOUTQ, &q) != 0 || q < 0)
		return 0;
	return (uint64_t)q;
}

/* ... and has the peer taken what is old enough to be confirmed? */
static int health(struct sl_net *n)
{
	int rc = conn_up(n);

	if (rc || n->proto == EP_SYSLOG_UDP)
		return rc;
	return settled_acked(n, outq(n));
}

/* deliver.h, acked: the last send all of whose bytes the peer's TCP
 * acknowledged (UDP: every send).  O(marks). */
static int sl_acked(void *tstate, uint64_t *upto)
{
	struct sl_net *s = tstate;
	uint64_t done;
	int rc = conn_up(s);

	if (rc) {
		disconnect(s);
		return rc;
	}
	if (s->proto == EP_SYSLOG_UDP) {
		s->acked_seq = s->nsent;
	} else {
		done = s->written - outq(s);
		for (unsigned k = 0; k < s->mcount; k++) {
			const struct mark *m = &s->marks[(s->mfirst + k) % MARKS];

			if (m->bytes > done)
				break;
			if (m->seq > s->acked_seq)
				s->acked_seq = m->seq;
		}
		if (s->mcount == 0 && outq(s) == 0)
			s->acked_seq = s->nsent; /* settled_acked forgot them: all taken */
	}
	*upto = s->acked_seq;
	return 0;
}

/* The peer took what was sent: a later failure is news again. */
static void healthy(struct sl_net *n)
{
	if (n->last_err[0])
		ep_log(EP_LOG_INFO, "syslog", "%s: delivering", n->label);
	n->last_err[0] = '\0';
	n->confirmed = 1;
}

static int sl_send(void *tstate, struct ep_event *const *ev, size_t n, size_t *accepted)
{
	struct sl_net *s = tstate;
	int rc;

	*accepted = 0;
	if (n == 0) {
		rc = health(s);
		if (rc == 0)
			healthy(s);
		else if (rc != EP_EAGAIN)
			disconnect(s);
		return rc;
	}
	if (s->fd < 0 && (rc = do_connect(s)) != 0)
		return rc;
	if (s->proto == EP_SYSLOG_UDP) {
		for (size_t i = 0; i < n; i++) {
			if (send(s->fd, ev[i]->data, ev[i]->len, MSG_NOSIGNAL) < 0) {
				set_err(s, "send failed: %s", strerror(errno));
				disconnect(s);
				return EP_EIO;
			}
		}
		s->nsent++;
	} else {
		/* RFC 6587 octet counting: "LEN SP MSG", one write per batch */
		ep_buf_reset(&s->out);
		for (size_t i = 0; i < n; i++) {
			ep_buf_addu(&s->out, ev[i]->len);
			ep_buf_addc(&s->out, ' ');
			if (ep_buf_add(&s->out, ev[i]->data, ev[i]->len))
				return EP_ENOMEM;
		}
		rc = write_all(s, s->out.data, s->out.len);
		if (rc) {
			disconnect(s);
			return rc;
		}
		s->nsent++;
		add_mark(s);
	}
	*accepted = n;
	return 0;
}

static void sl_close(void *tstate)
{
	struct sl_net *s = tstate;

	if (s->ssl && s->fd >= 0)
		(void)SSL_shutdown(s->ssl); /* close_notify, best effort */
	disconnect(s);
	SSL_CTX_free(s->ctx);
	ep_buf_free(&s->out);
	free(s);
}

const struct ep_transport_ops ep_syslog_transport = {
    .name = "syslog",
    .send = sl_send,
    .close = sl_close,
    .settle_ms = SETTLE_MS,
    .acked = sl_acked,
};

static int tls_setup(struct sl_net *s, const struct ep_syslog_net_opts *o, struct ep_diag *d)
{
	char why[256];

	s->ctx = SSL_CTX_new(TLS_client_method());
	if (s->ctx == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "%s: cannot create a TLS context", s->label);
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	ERR_clear_error();
	if (o->ca ? SSL_CTX_load_verify_locations(s->ctx, o->ca, NULL) != 1
	          : SSL_CTX_set_default_verify_paths(s->ctx) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: ca=%s: cannot load: %s", s->label,
		                   o->ca ? o->ca : "(system store)", why);
	}
	if ((o->cert == NULL) != (o->key == NULL))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: cert= and key= go together", s->label);
	if (o->cert && SSL_CTX_use_certificate_chain_file(s->ctx, o->cert) != 1) {
		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: cert=%s: %s", s->label, o->cert, why);
	}
	/* the key file's name may be printed, never what it holds */
	if (o->key && (SSL_CTX_use_PrivateKey_file(s->ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	               SSL_CTX_check_private_key(s->ctx) != 1))
		return ep_diag_set(
		    d, EP_EINVAL, 0, 0,
		    "%s: key=%s: cannot load it or it does not match cert=", s->label, o->key);
	ERR_clear_error();
	return 0;
}

int ep_syslog_net_new(void **tstate, const struct ep_syslog_net_opts *o, struct ep_diag *d)
{
	struct sl_net *s = calloc(1, sizeof(*s));
	int rc = 0;

	*tstate = NULL;
	if (s == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	s->fd = -1;
	s->proto = o->proto;
	s->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
	snprintf(s->host, sizeof(s->host), "%s", o->host);
	snprintf(s->port, sizeof(s->port), "%s", o->port);
	snprintf(s->label, sizeof(s->label), "%s", o->label);
	snprintf(s->name, sizeof(s->name), "%s", o->name ? o->name : o->host);
	ep_buf_init(&s->out, 64u << 20);
	if (o->proto == EP_SYSLOG_TLS)
		rc = tls_setup(s, o, d);
	if (rc) {
		sl_close(s);
		return rc;
	}
	*tstate = s;
	return 0;
}
