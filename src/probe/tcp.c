/* TCP connect prober: the kernel does the handshake.  connected = open,
 * ECONNREFUSED = closed, an ICMP error = filtered, silence = filtered (by the
 * engine's timeout).
 *
 * Sockets are watched through a private epoll set (one EPOLL_CTL_ADD per
 * probe, EPOLLONESHOT) whose descriptor the libuv loop polls; closing a socket
 * removes it from the set, so a probe costs socket + connect + epoll_ctl +
 * getsockopt + close and no per-socket libuv handle.  perf showed uv_tcp_t's
 * extra EPOLL_CTL_DEL and bookkeeping at ~12% of a loopback scan.
 * Open sockets are closed with SO_LINGER 0 (RST) so no TIME_WAIT piles up;
 * out-of-resource errors go back to the engine, which backs off and retries. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/err.h"
#include "base/log.h"
#include "engine/engine.h"
#include "engine/prober.h"

#define BATCH 256
#define POOL  64 /* idle sockets kept per family for reuse */

struct tcp_prober {
	struct ep_engine *engine;
	int epfd;
	uv_poll_t poll;
	int pool[2][POOL]; /* refused sockets, disconnected, still in the epoll set */
	int npool[2];
};

struct tcp_probe {
	int fd;
	uint8_t registered; /* fd is in the epoll set (reused sockets are) */
};

static struct tcp_probe *priv(struct ep_probe *p)
{
	return (struct tcp_probe *)(void *)p->priv;
}

static int is_resource_error(int err)
{
	return err == EMFILE || err == ENFILE || err == EADDRNOTAVAIL || err == ENOBUFS ||
	       err == ENOMEM || err == EAGAIN;
}

/* Pseudo-errno: the kernel connected a probe to itself (TCP simultaneous
 * open), which happens when a local target port is the socket's own
 * ephemeral port.  Nothing listens there, so the port is closed. */
#define ESELFCONNECT (-1)

static int is_self_connect(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	if (getsockname(fd, (struct sockaddr *)&a, &la) ||
	    getpeername(fd, (struct sockaddr *)&b, &lb))
		return 0;
	return la == lb && memcmp(&a, &b, la) == 0;
}

static void classify(int err, enum ep_state *state, enum ep_reason *reason)
{
	*state = EP_STATE_FILTERED;
	switch (err) {
	case ESELFCONNECT:
		*state = EP_STATE_CLOSED;
		*reason = EP_REASON_SELF_CONNECT;
		break;
	case 0:
		*state = EP_STATE_OPEN;
		*reason = EP_REASON_SYN_ACK;
		break;
	case ECONNREFUSED:
		*state = EP_STATE_CLOSED;
		*reason = EP_REASON_CONN_REFUSED;
		break;
	case ETIMEDOUT:
		*reason = EP_REASON_TIMEOUT;
		break;
	case EHOSTUNREACH:
		*reason = EP_REASON_HOST_UNREACH;
		break;
	case ENETUNREACH:
		*reason = EP_REASON_NET_UNREACH;
		break;
	case EACCES:
	case EPERM:
		/* a local firewall or an ICMP "administratively prohibited" */
		*reason = EP_REASON_ADMIN_PROHIBITED;
		break;
	default:
		*reason = is_resource_error(err) ? EP_REASON_RESOURCE : EP_REASON_ERROR;
	}
}

/* Closes fd; a connected socket is reset rather than shut down gracefully. */
static void close_probe_socket(int fd, int connected)
{
	if (connected) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
}

static void to_sockaddr(const struct ep_target *t, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (t->addr.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->port);
		memcpy(&sin->sin_addr, t->addr.b, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(t->port);
		memcpy(&sin6->sin6_addr, t->addr.b, 16);
		*len = sizeof(*sin6);
	}
}

/* A socket whose connect failed is back in CLOSE state, and connecting it
 * again (to any address) returns the pending error and disconnects it, in
 * one system call: that both classifies the probe and readies the socket for
 * the next one, which saves the kernel a socket allocation, a file and their
 * teardown (perf: a quarter of a loopback scan's kernel time).  Returns the
 * error, and sets *reusable when the socket was reset. */
static int collect_error(int fd, const struct ep_target *t, int *reusable)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err = 0;

	*reusable = 0;
	to_sockaddr(t, &ss, &len);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EALREADY &&
	    errno != EINPROGRESS && errno != EISCONN && errno != EINTR) {
		*reusable = 1;
		return errno;
	}
	/* unexpected state: ask the socket, and do not reuse it */
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, (socklen_t *)&len))
		err = errno;
	return err ? err : ECONNABORTED;
}

static void finish(struct tcp_prober *tp, struct ep_probe *p, int err, int reusable)
{
	int fam = p->t.addr.family == 4 ? 0 : 1;
	int fd = priv(p)->fd;
	enum ep_state state;
	enum ep_reason reason;

	classify(err, &state, &reason);
	priv(p)->fd = -1;
	if (reusable && priv(p)->registered && tp->npool[fam] < POOL)
		tp->pool[fam][tp->npool[fam]++] = fd;
	else
		close_probe_socket(fd, err == 0 || err == ESELFCONNECT);
	ep_engine_report(p, state, reason);
	ep_engine_release(p);
}

static void on_ready(uv_poll_t *h, int status, int events)
{
	struct tcp_prober *tp = h->data;
	struct epoll_event ev[BATCH];
	int n;

	(void)status;
	(void)events;
	do {
		n = epoll_wait(tp->epfd, ev, BATCH, 0);
		for (int i = 0; i < n; i++) {
			struct ep_probe *p = ev[i].data.ptr;
			int err = 0, reusable = 0;

			if (ev[i].events & (EPOLLERR | EPOLLHUP))
				err = collect_error(priv(p)->fd, &p->t, &reusable);
			else if (is_self_connect(priv(p)->fd))
				err = ESELFCONNECT;
			finish(tp, p, err, reusable);
		}
	} while (n == BATCH);
}

static int tcp_open(struct ep_engine *e, const struct ep_config *c, void **state)
{
	struct tcp_prober *tp = calloc(1, sizeof(*tp));

	(void)c;
	if (tp == NULL)
		return EP_ENOMEM;
	tp->engine = e;
	tp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (tp->epfd < 0) {
		ep_log(EP_LOG_ERROR, "tcp", "cannot create its epoll set: %s", strerror(errno));
		free(tp);
		return EP_EIO;
	}
	if (uv_poll_init(ep_engine_loop(e), &tp->poll, tp->epfd)) {
		close(tp->epfd);
		free(tp);
		return EP_EIO;
	}
	tp->poll.data = tp;
	uv_poll_start(&tp->poll, UV_READABLE, on_ready);
	*state = tp;
	return 0;
}

static int tcp_start(void *state, struct ep_probe *p)
{
	struct tcp_prober *tp = state;
	struct sockaddr_storage ss;
	struct epoll_event ev;
	socklen_t len;
	int fd, rc;

	int fam = p->t.addr.family == 4 ? 0 : 1;

	if (tp->npool[fam]) {
		fd = tp->pool[fam][--tp->npool[fam]];
		priv(p)->registered = 1;
	} else {
		fd = socket(fam == 0 ? AF_INET : AF_INET6,
		            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return is_resource_error(errno) ? EP_EAGAIN : EP_EIO;
		priv(p)->registered = 0;
	}
	priv(p)->fd = fd;
	to_sockaddr(&p->t, &ss, &len);
	do
		rc = connect(fd, (struct sockaddr *)&ss, len);
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno != EINPROGRESS) {
		int err = errno;

		if (is_resource_error(err)) {
			/* nothing was sent (no port, no buffer): try again later */
			close(fd);
			priv(p)->fd = -1;
			return EP_EAGAIN;
		}
		finish(tp, p, err, 0); /* refused or unreachable before connect returned */
		return 0;
	}
	if (rc == 0) {
		finish(tp, p, 0, 0);
		return 0;
	}
	ev.events = EPOLLOUT | EPOLLONESHOT;
	ev.data.ptr = p;
	if (epoll_ctl(tp->epfd, priv(p)->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		priv(p)->fd = -1;
		return EP_EAGAIN;
	}
	priv(p)->registered = 1;
	return 0;
}

static void tcp_cancel(void *state, struct ep_probe *p)
{
	(void)state;
	/* closing removes the socket from the epoll set: no event can follow */
	close_probe_socket(priv(p)->fd, 0);
	priv(p)->fd = -1;
	ep_engine_release(p);
}

static void on_poll_closed(uv_handle_t *h)
{
	struct tcp_prober *tp = h->data;

	for (int fam = 0; fam < 2; fam++)
		while (tp->npool[fam])
			close(tp->pool[fam][--tp->npool[fam]]);
	close(tp->epfd);
	free(tp);
}

static void tcp_close(void *state)
{
	struct tcp_prober *tp = state;

	uv_close((uv_handle_t *)&tp->poll, on_poll_closed);
}

const struct ep_prober_ops ep_prober_tcp = {
    .name = "connect",
    .help = "TCP connect() scan: needs no privileges; the kernel completes the handshake",
    .bpf = NULL,
    .probe_size = sizeof(struct tcp_probe),
    .open = tcp_open,
    .start = tcp_start,
    .cancel = tcp_cancel,
    .close = tcp_close,
};
