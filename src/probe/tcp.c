/* TCP connect prober: the kernel does the handshake.  connected = open,
 * ECONNREFUSED = closed, an ICMP error = filtered, silence = filtered (by the
 * engine's timeout).  Open sockets are closed with RST (SO_LINGER 0) so no
 * TIME_WAIT piles up; out-of-resource errors go back to the engine. */
#include <string.h>
#include <uv.h>

#include "base/err.h"
#include "engine/engine.h"
#include "engine/prober.h"

struct tcp_probe {
	uv_tcp_t h;
	uv_connect_t req;
	uint8_t opened; /* connected, so close with RST */
};

static struct tcp_probe *priv(struct ep_probe *p)
{
	return (struct tcp_probe *)(void *)p->priv;
}

static struct ep_probe *probe_of(uv_handle_t *h)
{
	return h->data;
}

static int tcp_open(struct ep_engine *e, const struct ep_config *c, void **state)
{
	(void)c;
	*state = e;
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	ep_engine_release(probe_of(h));
}

static int is_resource_error(int status)
{
	return status == UV_EMFILE || status == UV_ENFILE || status == UV_EADDRNOTAVAIL ||
	       status == UV_ENOBUFS || status == UV_ENOMEM || status == UV_EAGAIN;
}

static void classify(int status, enum ep_state *state, enum ep_reason *reason)
{
	*state = EP_STATE_FILTERED;
	switch (status) {
	case 0:
		*state = EP_STATE_OPEN;
		*reason = EP_REASON_SYN_ACK;
		break;
	case UV_ECONNREFUSED:
		*state = EP_STATE_CLOSED;
		*reason = EP_REASON_CONN_REFUSED;
		break;
	case UV_ETIMEDOUT:
		*reason = EP_REASON_TIMEOUT;
		break;
	case UV_EHOSTUNREACH:
		*reason = EP_REASON_HOST_UNREACH;
		break;
	case UV_ENETUNREACH:
		*reason = EP_REASON_NET_UNREACH;
		break;
	case UV_EACCES:
	case UV_EPERM:
		/* a local firewall or an ICMP "administratively prohibited" */
		*reason = EP_REASON_ADMIN_PROHIBITED;
		break;
	default:
		*reason = is_resource_error(status) ? EP_REASON_RESOURCE : EP_REASON_ERROR;
	}
}

static void on_connect(uv_connect_t *req, int status)
{
	struct ep_probe *p = req->data;
	struct tcp_probe *tp = priv(p);
	enum ep_state state;
	enum ep_reason reason;

	if (status == UV_ECANCELED)
		return; /* the engine timed it out and is closing it */
	classify(status, &state, &reason);
	ep_engine_report(p, state, reason);
	if (uv_is_closing((uv_handle_t *)&tp->h))
		return;
	if (status == 0 && uv_tcp_close_reset(&tp->h, on_closed) == 0)
		return;
	uv_close((uv_handle_t *)&tp->h, on_closed);
}

static void to_sockaddr(const struct ep_target *t, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (t->addr.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->port);
		memcpy(&sin->sin_addr, t->addr.b, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(t->port);
		memcpy(&sin6->sin6_addr, t->addr.b, 16);
	}
}

static int tcp_start(void *state, struct ep_probe *p)
{
	struct ep_engine *e = state;
	struct tcp_probe *tp = priv(p);
	struct sockaddr_storage ss;
	int rc;

	to_sockaddr(&p->t, &ss);
	rc = uv_tcp_init_ex(ep_engine_loop(e), &tp->h, p->t.addr.family == 4 ? AF_INET : AF_INET6);
	if (rc)
		return is_resource_error(rc) ? EP_EAGAIN : EP_EIO;
	tp->h.data = p;
	tp->req.data = p;
	rc = uv_tcp_connect(&tp->req, &tp->h, (const struct sockaddr *)&ss, on_connect);
	if (rc) {
		/* failed before any packet left: report now, release on close */
		enum ep_state st;
		enum ep_reason reason;

		classify(rc, &st, &reason);
		ep_engine_report(p, st, reason);
		uv_close((uv_handle_t *)&tp->h, on_closed);
	}
	return 0;
}

static void tcp_cancel(void *state, struct ep_probe *p)
{
	struct tcp_probe *tp = priv(p);

	(void)state;
	if (!uv_is_closing((uv_handle_t *)&tp->h))
		uv_close((uv_handle_t *)&tp->h, on_closed);
}

static void tcp_close(void *state)
{
	(void)state;
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
