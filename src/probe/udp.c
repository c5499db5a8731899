/* UDP prober: each port gets the payload the probes/ files list for it (the
 * generic empty datagram otherwise).  A datagram back = open, naming the
 * probe; ICMP port unreachable = closed; other ICMP unreachables = filtered;
 * silence after every retry = open|filtered (the engine's timeout).
 *
 * No privileges needed: one unconnected UDP socket per address family sends
 * every probe (sendmmsg batches, flushed when full and before the loop
 * sleeps) and receives the answers; IP_RECVERR queues the ICMP errors with
 * the original destination, so no capture is needed either.  Probes in
 * flight are found from (address, port) through a hash chained in the
 * engine's slots.
 *
 * A closed port answers only as fast as the target's ICMP rate limit allows
 * (Linux: net.ipv4.icmp_ratelimit, 1 per second per peer after a burst,
 * within icmp_msgs_per_sec): beyond it, closed ports look like open|filtered
 * until a retry gets through.  See probes/README.md. */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/err.h"
#include "base/log.h"
#include "config/options.h"
#include "engine/engine.h"
#include "engine/inflight.h"
#include "engine/prober.h"
#include "net/cookie.h"
#include "net/source.h"
#include "probe/payloads.h"

#define BATCH   64
#define RECV_N  32
#define RECV_SZ 2048

struct udp_probe {
	struct ep_inflight_link link; /* first: see inflight.h */
	const struct ep_payload *payload;
};

struct udp_fam {
	int fd;
	uv_poll_t poll;
	int polling;
	unsigned n;
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 to[BATCH];
};

struct udp_prober {
	struct ep_engine *engine;
	const struct ep_payloads *payloads;
	struct ep_cookie_key key;
	struct udp_fam fam[2];
	uv_prepare_t flush;
	struct ep_inflight inflight; /* keyed by hash_of(target) */
	uint64_t late, invalid, received;
	int handles;
	/* receive buffers */
	struct mmsghdr rmsg[RECV_N];
	struct iovec riov[RECV_N];
	struct sockaddr_in6 rfrom[RECV_N];
	uint8_t rbuf[RECV_N][RECV_SZ];
};

static const struct ep_payload empty_payload = {.name = (char *)"empty", .proto = EP_PROTO_UDP};
static const struct ep_addr any4 = {4, {0}}, any6 = {6, {0}};

static struct udp_probe *priv(struct ep_probe *p)
{
	return (struct udp_probe *)(void *)p->priv;
}

static uint32_t hash_of(struct udp_prober *up, const struct ep_addr *a, uint16_t port)
{
	return ep_cookie(&up->key, a->family == 6 ? &any6 : &any4, a, 0, port, IPPROTO_UDP);
}

static struct ep_probe *hash_find(struct udp_prober *up, const struct ep_addr *a, uint16_t port)
{
	return ep_inflight_find(&up->inflight, hash_of(up, a, port), a, port);
}

static void sockaddr_to(const struct sockaddr_in6 *sa, struct ep_addr *a, uint16_t *port)
{
	if (sa->sin6_family == AF_INET6) {
		a->family = 6;
		memcpy(a->b, &sa->sin6_addr, 16);
		*port = ntohs(sa->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		memset(a, 0, sizeof(*a));
		a->family = 4;
		memcpy(a->b, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	}
}

/* ---- sending ---- */

static int is_icmp_errno(int err)
{
	/* an ICMP error queued earlier surfaces once on the next call */
	return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
	       err == EHOSTDOWN || err == ENETDOWN || err == EPROTO || err == EACCES;
}

static int flush_family(struct udp_fam *f)
{
	unsigned done = 0;
	int tries = 0;

	while (done < f->n && tries++ < 2 * BATCH) {
		int sent = sendmmsg(f->fd, f->msg + done, f->n - done, MSG_DONTWAIT);

		if (sent > 0) {
			done += (unsigned)sent;
		} else if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
			break;
		} else if (!is_icmp_errno(errno)) {
			done++; /* this datagram cannot go: its probe times out */
		}
	}
	if (done && done < f->n) {
		memmove(f->to, &f->to[done], (f->n - done) * sizeof(f->to[0]));
		memmove(f->iov, &f->iov[done], (f->n - done) * sizeof(f->iov[0]));
	}
	f->n -= done;
	return f->n ? EP_EAGAIN : 0;
}

static void on_flush(uv_prepare_t *h)
{
	struct udp_prober *up = h->data;

	for (int i = 0; i < 2; i++)
		if (up->fam[i].fd >= 0 && up->fam[i].n)
			flush_family(&up->fam[i]);
}

static int udp_start(void *state, struct ep_probe *p)
{
	struct udp_prober *up = state;
	struct udp_fam *f = &up->fam[p->t.addr.family == 6];
	const struct ep_payload *pl = NULL;

	if (f->fd < 0)
		return EP_EUNSUPPORTED;
	if (f->n == BATCH && flush_family(f) != 0 && f->n == BATCH)
		return EP_EAGAIN;
	if (up->payloads)
		pl = ep_payloads_for(up->payloads, EP_PROTO_UDP, p->t.port);
	if (pl == NULL)
		pl = &empty_payload;
	priv(p)->payload = pl;
	ep_sockaddr_from(&p->t.addr, &f->to[f->n]);
	f->to[f->n].sin6_port = htons(p->t.port); /* same offset for both families */
	f->iov[f->n].iov_base = pl->data;
	f->iov[f->n].iov_len = pl->len;
	f->n++;
	ep_inflight_add(&up->inflight, p, hash_of(up, &p->t.addr, p->t.port));
	if (f->n == BATCH)
		flush_family(f);
	return 0;
}

static void udp_cancel(void *state, struct ep_probe *p)
{
	struct udp_prober *up = state;

	ep_inflight_del(&up->inflight, p);
	ep_engine_release(p);
}

/* ---- receiving ---- */

static void finish(struct udp_prober *up, struct ep_probe *p, enum ep_state st, enum ep_reason why)
{
	const char *name = priv(p)->payload->name;

	ep_inflight_del(&up->inflight, p);
	ep_engine_report_probe(p, st, why, name);
	ep_engine_release(p);
}

static void read_errors(struct udp_prober *up, int fd)
{
	for (int i = 0; i < 4096; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct sock_extended_err) + 64)];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_in6 to;
		uint8_t data[64];
		struct iovec iov = {data, sizeof(data)};
		struct msghdr m = {0};
		struct ep_addr a;
		uint16_t port;

		m.msg_name = &to;
		m.msg_namelen = sizeof(to);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			const struct sock_extended_err *ee;
			enum ep_reason why;
			struct ep_probe *p;
			int v6;

			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (const struct sock_extended_err *)(const void *)CMSG_DATA(c);
			v6 = ee->ee_origin == SO_EE_ORIGIN_ICMP6;
			if (ee->ee_origin != SO_EE_ORIGIN_ICMP && !v6)
				continue;
			sockaddr_to(&to, &a, &port);
			p = hash_find(up, &a, port);
			if (p == NULL) {
				up->late++;
				continue;
			}
			why = ep_icmp_reason(v6, ee->ee_type, ee->ee_code);
			finish(up, p,
			       why == EP_REASON_PORT_UNREACH ? EP_STATE_CLOSED : EP_STATE_FILTERED,
			       why);
		}
	}
}

static void read_datagrams(struct udp_prober *up, int fd)
{
	for (int round = 0; round < 64; round++) {
		int n;

		for (int i = 0; i < RECV_N; i++) {
			up->rmsg[i].msg_hdr.msg_namelen = sizeof(up->rfrom[i]);
			up->rmsg[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, up->rmsg, RECV_N, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (is_icmp_errno(errno))
				continue; /* the error is in the queue; read_errors has it */
			return;
		}
		for (int i = 0; i < n; i++) {
			struct ep_addr a;
			uint16_t port;
			struct ep_probe *p;

			sockaddr_to(&up->rfrom[i], &a, &port);
			p = hash_find(up, &a, port);
			up->received++;
			if (p)
				finish(up, p, EP_STATE_OPEN, EP_REASON_UDP_RESPONSE);
			else
				up->late++;
		}
		if (n < RECV_N)
			return;
	}
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct udp_prober *up = h->data;
	int fd = h == &up->fam[0].poll ? up->fam[0].fd : up->fam[1].fd;

	int held = ep_engine_hold(up->engine);

	(void)events;
	read_errors(up, fd);
	read_datagrams(up, fd);
	ep_engine_unhold(up->engine, held);
	/* uv_poll stops a handle whose descriptor reports POLLERR, which is
	 * how a queued ICMP error shows: having read the queue, poll again */
	if (status < 0 && !uv_is_closing((uv_handle_t *)h))
		uv_poll_start(h, UV_READABLE, on_readable);
}

/* ---- setup and teardown ---- */

static void destroy(struct udp_prober *up)
{
	for (int i = 0; i < 2; i++)
		if (up->fam[i].fd >= 0)
			close(up->fam[i].fd);
	ep_inflight_free(&up->inflight);
	free(up);
}

static void on_closed(uv_handle_t *h)
{
	struct udp_prober *up = h->data;

	if (--up->handles == 0)
		destroy(up);
}

static int families(const struct ep_targets *t, int out[2])
{
	out[0] = out[1] = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->g[i].proto == EP_PROTO_UDP)
			for (size_t k = 0; k < t->g[i].addrs.n; k++)
				out[t->g[i].addrs.r[k].family == 6] = 1;
	return out[0] || out[1];
}

static int open_family(struct udp_prober *up, uv_loop_t *loop, int v6)
{
	struct udp_fam *f = &up->fam[v6];
	int one = 1, rcvbuf = 8 << 20;

	f->fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		ep_log(EP_LOG_ERROR, "udp", "cannot open an IPv%c socket: %s", v6 ? '6' : '4',
		       strerror(errno));
		return EP_EIO;
	}
	if (v6) {
		setsockopt(f->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(f->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	} else {
		setsockopt(f->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	}
	setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	for (unsigned i = 0; i < BATCH; i++) {
		f->msg[i].msg_hdr.msg_iov = &f->iov[i];
		f->msg[i].msg_hdr.msg_iovlen = 1;
		f->msg[i].msg_hdr.msg_name = &f->to[i];
		f->msg[i].msg_hdr.msg_namelen =
		    v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	if (uv_poll_init(loop, &f->poll, f->fd) != 0)
		return EP_EIO;
	f->poll.data = up;
	f->polling = 1;
	uv_poll_start(&f->poll, UV_READABLE, on_readable);
	return 0;
}

static void udp_close(void *state);

static int udp_open(struct ep_engine *e, const struct ep_config *c, void **state)
{
	struct udp_prober *up = calloc(1, sizeof(*up));
	int fam[2], rc = 0;

	if (up == NULL)
		return EP_ENOMEM;
	up->engine = e;
	up->payloads = c ? c->payloads : NULL;
	up->fam[0].fd = up->fam[1].fd = -1;
	for (int i = 0; i < RECV_N; i++) {
		up->riov[i].iov_base = up->rbuf[i];
		up->riov[i].iov_len = RECV_SZ;
		up->rmsg[i].msg_hdr.msg_iov = &up->riov[i];
		up->rmsg[i].msg_hdr.msg_iovlen = 1;
		up->rmsg[i].msg_hdr.msg_name = &up->rfrom[i];
	}
	if (ep_inflight_init(&up->inflight, e->opts.max_inflight) != 0 ||
	    ep_cookie_key_random(&up->key) != 0) {
		destroy(up);
		return EP_ENOMEM;
	}
	families(e->targets, fam);
	for (int v6 = 0; v6 < 2 && rc == 0; v6++)
		if (fam[v6])
			rc = open_family(up, e->loop, v6);
	uv_prepare_init(e->loop, &up->flush);
	up->flush.data = up;
	uv_prepare_start(&up->flush, on_flush);
	up->handles = 1 + up->fam[0].polling + up->fam[1].polling;
	if (rc) {
		udp_close(up); /* frees up once the loop has run the close callbacks */
		return rc;
	}
	*state = up;
	return 0;
}

static void udp_stats(void *state, struct ep_summary *s)
{
	struct udp_prober *up = state;

	s->late += up->late;
	s->invalid += up->invalid;
}

static void udp_close(void *state)
{
	struct udp_prober *up = state;

	on_flush(&up->flush);
	uv_close((uv_handle_t *)&up->flush, on_closed);
	for (int i = 0; i < 2; i++)
		if (up->fam[i].polling)
			uv_close((uv_handle_t *)&up->fam[i].poll, on_closed);
}

const struct ep_prober_ops ep_prober_udp = {
    .name = "udp",
    .help = "UDP with protocol payloads from probes/ (no privileges needed)",
    .probe_size = sizeof(struct udp_probe),
    .open = udp_open,
    .start = udp_start,
    .cancel = udp_cancel,
    .close = udp_close,
    .stats = udp_stats,
    .silence_ambiguous = 1,
};
