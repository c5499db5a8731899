/* Raw SYN prober.  A SYN leaves through a raw IPPROTO_TCP socket (the kernel
 * adds the IP header, routes and resolves neighbours); its sequence number is
 * a SipHash cookie of the 4-tuple, so a SYN-ACK, RST or ICMP error is
 * validated with no table and anything forged or stray is dropped and
 * counted.  SYN-ACK = open (answered with our own RST), RST = closed, ICMP
 * unreachable = filtered; silence is the engine's timeout.
 *
 * Receive path first: libpcap in immediate mode with a 32 MiB ring and a
 * kernel filter that passes only replies to our source port, polled by the
 * loop; the callback only parses, validates and reports.  Send path: SYNs
 * are written into a batch and leave in one sendmmsg() per batch, flushed
 * when full and before the loop sleeps (uv_prepare).  Two ways out: whole
 * Ethernet frames on an AF_PACKET socket (net/packet_tx.h: no per-packet
 * route, netfilter or qdisc work; chosen when the link allows it, see
 * --send-path), else raw IP sockets.  A frame whose next hop is not
 * resolved takes the raw socket, as do the RSTs.
 *
 * The engine keeps one slot per probe in flight; a valid reply finds its
 * slot through a hash on the cookie (already computed, so free) chained
 * through the slots' private areas.  Each engine thread owns its own source
 * port (held by a bound, never-listening TCP socket so the kernel hands it to
 * no one else), raw sockets and capture. */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/err.h"
#include "base/log.h"
#include "config/options.h"
#include "engine/capture.h"
#include "engine/engine.h"
#include "engine/inflight.h"
#include "engine/prober.h"
#include "net/bpf.h"
#include "net/cookie.h"
#include "net/packet.h"
#include "net/packet_tx.h"
#include "net/route.h"
#include "net/source.h"

#define BATCH 64

/* The per-probe area holds only the in-flight link: its hash is the cookie. */
struct syn_probe {
	struct ep_inflight_link link;
};

struct fam_out {
	int fd;
	unsigned n;
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 to[BATCH];
	uint8_t pkt[BATCH][EP_TCP_SYN_LEN];
};

struct syn_prober {
	struct ep_engine *engine;
	struct ep_source src;
	struct ep_cookie_key key;
	struct fam_out out[2];
	int packet; /* ptx is open: SYNs leave as frames */
	struct ep_packet_tx ptx;
	struct ep_capture cap;
	uv_prepare_t flush;
	uv_timer_t watch; /* capture drops -> ep_engine_congested */
	uint64_t last_drops;
	struct ep_inflight inflight; /* keyed by cookie */
	uint64_t invalid, late;
	size_t ring; /* capture ring bytes, from the rate */
	int handles;
};

static int fam(const struct ep_addr *a)
{
	return a->family == 6;
}

/* ---- sending ---- */

/* The capture callback only validates and records: nothing is sent until
 * the ring is read dry (ep_engine_hold). */
static void read_capture(struct syn_prober *sp)
{
	int held = ep_engine_hold(sp->engine);

	ep_capture_drain(&sp->cap);
	ep_engine_unhold(sp->engine, held);
}

static void on_capture_wake(void *arg)
{
	read_capture(arg);
}

static int flush_family(struct syn_prober *sp, struct fam_out *o)
{
	int sent;

	if (o->n == 0)
		return 0;
	sent = sendmmsg(o->fd, o->msg, o->n, MSG_DONTWAIT);
	if (sent < 0) {
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			return EP_EAGAIN;
		/* a permanent error on one packet (e.g. EHOSTUNREACH) would
		 * block the batch: drop that packet; its probe times out */
		ep_log(EP_LOG_DEBUG, "syn", "sendmmsg: %s", strerror(errno));
		sent = 1;
	}
	if ((unsigned)sent < o->n) {
		unsigned rest = o->n - (unsigned)sent;

		memmove(o->pkt, o->pkt[sent], rest * sizeof(o->pkt[0]));
		memmove(o->to, &o->to[sent], rest * sizeof(o->to[0]));
		o->n = rest;
		return flush_family(sp, o) == 0 ? 0 : EP_EAGAIN;
	}
	o->n = 0;
	/* Receive path first: replies to this batch may already be in the
	 * ring (on a veth the target answers inside our sendmmsg), so read
	 * them before sending more.  This paces a saturated sender to what the
	 * receiver keeps up with instead of overrunning the ring. */
	read_capture(sp);
	return 0;
}

static int flush_packet(struct syn_prober *sp)
{
	if (!sp->packet || sp->ptx.n == 0)
		return 0;
	if (ep_packet_tx_flush(&sp->ptx) != 0)
		return EP_EAGAIN;
	read_capture(sp); /* receive path first, as in flush_family */
	return 0;
}

static void on_flush(uv_prepare_t *h)
{
	struct syn_prober *sp = h->data;

	flush_packet(sp);
	flush_family(sp, &sp->out[0]);
	flush_family(sp, &sp->out[1]);
}

static int syn_start(void *state, struct ep_probe *p)
{
	struct syn_prober *sp = state;
	int f = fam(&p->t.addr);
	struct fam_out *o = &sp->out[f];
	const struct ep_addr *src = &sp->src.addr[f];
	uint32_t c;

	if (o->fd < 0)
		return EP_EUNSUPPORTED;
	c = ep_cookie(&sp->key, src, &p->t.addr, sp->src.port, p->t.port, IPPROTO_TCP);
	if (sp->packet) {
		/* the cookie doubles as the flow label: stable per flow */
		int rc = ep_packet_tx_tcp(&sp->ptx, src, &p->t.addr, sp->src.port, p->t.port, c, 0,
		                          EP_TCP_SYN, c);

		if (rc == EP_EAGAIN)
			return rc;
		if (rc == 0) {
			ep_inflight_add(&sp->inflight, p, c);
			if (sp->ptx.n == EP_PTX_BATCH)
				flush_packet(sp);
			return 0;
		}
		/* EP_ENOENT: next hop not resolved; the kernel resolves it */
	}
	if (o->n == BATCH && flush_family(sp, o) != 0 && o->n == BATCH)
		return EP_EAGAIN;
	ep_pkt_tcp(o->pkt[o->n], src, &p->t.addr, sp->src.port, p->t.port, c, 0, EP_TCP_SYN);
	ep_sockaddr_from(&p->t.addr, &o->to[o->n]);
	o->n++;
	ep_inflight_add(&sp->inflight, p, c);
	if (o->n == BATCH)
		flush_family(sp, o);
	return 0;
}

static void syn_cancel(void *state, struct ep_probe *p)
{
	struct syn_prober *sp = state;

	ep_inflight_del(&sp->inflight, p);
	ep_engine_release(p);
}

/* ---- receiving ---- */

static void send_rst(struct syn_prober *sp, const struct ep_pkt_flow *reply, uint32_t ack)
{
	int f = fam(&reply->src);
	uint8_t pkt[EP_TCP_RST_LEN];
	struct sockaddr_in6 to;
	size_t len;

	len = ep_pkt_tcp(pkt, &reply->dst, &reply->src, reply->dport, reply->sport, ack, 0,
	                 EP_TCP_RST);
	ep_sockaddr_from(&reply->src, &to);
	(void)!sendto(sp->out[f].fd, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to,
	              f ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

static void finish(struct syn_prober *sp, struct ep_probe *p, enum ep_state st, enum ep_reason why)
{
	ep_inflight_del(&sp->inflight, p);
	ep_engine_report(p, st, why);
	ep_engine_release(p);
}

static void on_tcp(struct syn_prober *sp, const struct ep_pkt_info *in)
{
	const struct ep_pkt_flow *fl = &in->flow; /* target -> us */
	struct ep_probe *p;
	uint32_t c;

	if (fl->dport != sp->src.port || ep_addr_cmp(&fl->dst, &sp->src.addr[fam(&fl->dst)]))
		goto invalid;
	c = ep_cookie(&sp->key, &fl->dst, &fl->src, fl->dport, fl->sport, IPPROTO_TCP);
	if (!(in->tcp_flags & EP_TCP_ACK) || in->ack != c + 1)
		goto invalid;
	p = ep_inflight_find(&sp->inflight, c, &fl->src, fl->sport);
	if ((in->tcp_flags & (EP_TCP_SYN | EP_TCP_ACK)) == (EP_TCP_SYN | EP_TCP_ACK)) {
		send_rst(sp, fl, in->ack); /* never leave a half-open connection */
		if (p)
			finish(sp, p, EP_STATE_OPEN, EP_REASON_SYN_ACK);
		else
			sp->late++;
		return;
	}
	if (in->tcp_flags & EP_TCP_RST) {
		if (p)
			finish(sp, p, EP_STATE_CLOSED, EP_REASON_RST);
		else
			sp->late++;
		return;
	}
invalid:
	sp->invalid++;
}

static void on_icmp(struct syn_prober *sp, const struct ep_pkt_info *in)
{
	const struct ep_pkt_flow *q = &in->flow; /* us -> target, as we sent it */
	struct ep_probe *p;
	uint32_t c;

	if (q->proto != IPPROTO_TCP || q->sport != sp->src.port ||
	    ep_addr_cmp(&q->src, &sp->src.addr[fam(&q->src)]))
		goto invalid;
	c = ep_cookie(&sp->key, &q->src, &q->dst, q->sport, q->dport, IPPROTO_TCP);
	if (q->seq != c)
		goto invalid;
	p = ep_inflight_find(&sp->inflight, c, &q->dst, q->dport);
	if (p)
		finish(sp, p, EP_STATE_FILTERED,
		       ep_icmp_reason(in->family == 6, in->icmp_type, in->icmp_code));
	else
		sp->late++;
	return;
invalid:
	sp->invalid++;
}

static void on_frame(void *arg, int dlt, const uint8_t *frame, size_t caplen)
{
	struct syn_prober *sp = arg;
	struct ep_pkt_info in;

	if (ep_pkt_parse(dlt, frame, caplen, &in) != 0) {
		sp->invalid++;
		return;
	}
	if (in.kind == EP_PKT_TCP)
		on_tcp(sp, &in);
	else if (in.kind == EP_PKT_ICMP_ERR)
		on_icmp(sp, &in);
	else
		sp->invalid++;
}

static void on_watch(uv_timer_t *t)
{
	struct syn_prober *sp = t->data;
	uint64_t r, d, i;

	ep_capture_stats(&sp->cap, &r, &d, &i);
	if (d + i > sp->last_drops)
		ep_engine_congested(sp->engine);
	sp->last_drops = d + i;
	if (sp->packet)
		ep_packet_tx_poll(&sp->ptx); /* neighbour changes */
}

/* ---- setup and teardown ---- */

static void destroy(struct syn_prober *sp)
{
	ep_source_close(&sp->src);
	for (int f = 0; f < 2; f++)
		if (sp->out[f].fd >= 0)
			close(sp->out[f].fd);
	ep_inflight_free(&sp->inflight);
	if (sp->packet) {
		ep_log(EP_LOG_DEBUG, "syn",
		       "AF_PACKET path: %llu frames, %llu sent raw (no next hop)",
		       (unsigned long long)sp->ptx.frames, (unsigned long long)sp->ptx.refused);
		ep_packet_tx_close(&sp->ptx);
	}
	free(sp);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct syn_prober *sp = h->data;

	if (--sp->handles == 0)
		destroy(sp);
}

static void on_capture_closed(void *arg)
{
	struct syn_prober *sp = arg;

	if (--sp->handles == 0)
		destroy(sp);
}

static int open_sender(struct fam_out *o, const struct ep_addr *src)
{
	/* A raw TCP socket gets a clone of every TCP segment the host receives
	 * (the kernel clones before any filter runs): ~5% of a worker's CPU at
	 * 250k replies/s, per socket.  Connected to our own address it matches
	 * only segments from that address, and sendmsg() to a named address
	 * still goes anywhere; the filter drops what still matches (a scan of
	 * our own address), since the capture reads the replies. */
	static const struct sock_filter none[] = {{BPF_RET | BPF_K, 0, 0, 0}};
	const struct sock_fprog prog = {1, (struct sock_filter *)none};
	struct sockaddr_in6 self;
	int fd, rc;

	rc = ep_source_raw_socket(src, IPPROTO_TCP, &fd);
	if (rc)
		return rc;
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	ep_sockaddr_from(src, &self);
	if (connect(fd, (struct sockaddr *)&self,
	            src->family == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) !=
	    0)
		ep_log(EP_LOG_DEBUG, "syn", "raw socket not narrowed to our address: %s",
		       strerror(errno));
	o->fd = fd;
	for (unsigned i = 0; i < BATCH; i++) {
		o->iov[i].iov_base = o->pkt[i];
		o->iov[i].iov_len = EP_TCP_SYN_LEN;
		o->msg[i].msg_hdr.msg_iov = &o->iov[i];
		o->msg[i].msg_hdr.msg_iovlen = 1;
		o->msg[i].msg_hdr.msg_name = &o->to[i];
		o->msg[i].msg_hdr.msg_namelen =
		    src->family == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	return 0;
}

/* --send-path: frames on an AF_PACKET socket when the link allows (auto,
 * packet), else raw sockets (auto falls back; packet fails). */
static int open_packet_path(struct syn_prober *sp, const struct ep_config *c)
{
	char why[160];
	int rc;

	if (c->send_path == EP_SEND_RAW)
		return 0;
	rc = ep_packet_tx_open(&sp->ptx, sp->engine->targets, IPPROTO_TCP, 1000, why, sizeof(why));
	if (rc == 0) {
		sp->packet = 1;
		ep_log(EP_LOG_INFO, "syn",
		       "send path: AF_PACKET frames (ifindex %d, %zu next hops)", sp->ptx.ifindex,
		       sp->ptx.neigh.n);
		return 0;
	}
	if (c->send_path == EP_SEND_PACKET) {
		ep_log(EP_LOG_ERROR, "syn", "--send-path packet: %s",
		       why[0] ? why : ep_strerror(rc));
		return rc == EP_ENOMEM ? rc : EP_EUNSUPPORTED;
	}
	ep_log(EP_LOG_INFO, "syn", "send path: raw IP sockets (%s)",
	       why[0] ? why : ep_strerror(rc));
	return 0;
}

static int syn_open(struct ep_engine *e, const struct ep_config *c, void **state)
{
	struct syn_prober *sp = calloc(1, sizeof(*sp));
	char filter[1024], err[512];
	int rc;

	if (sp == NULL)
		return EP_ENOMEM;
	sp->engine = e;
	sp->out[0].fd = sp->out[1].fd = -1;
	sp->src.portfd[0] = sp->src.portfd[1] = -1;
	rc = ep_source_open(&sp->src, e->targets, c, IPPROTO_TCP);
	if (rc)
		goto fail;
	for (int f = 0; f < 2 && rc == 0; f++)
		if (sp->src.addr[f].family)
			rc = open_sender(&sp->out[f], &sp->src.addr[f]);
	if (rc)
		goto fail;
	rc = open_packet_path(sp, c);
	if (rc)
		goto fail;
	rc = ep_cookie_key_random(&sp->key);
	if (rc)
		goto fail;
	rc = ep_inflight_init(&sp->inflight, e->opts.max_inflight);
	if (rc)
		goto fail;
	rc = ep_bpf_filter(filter, sizeof(filter), IPPROTO_TCP,
	                   sp->src.addr[0].family ? &sp->src.addr[0] : NULL,
	                   sp->src.addr[1].family ? &sp->src.addr[1] : NULL, sp->src.port);
	if (rc)
		goto fail;
	sp->ring = ep_capture_ring_bytes(e->opts.rate);
	rc = ep_capture_open_sized(&sp->cap, e->loop, sp->src.ifname, filter, sp->ring, on_frame,
	                           sp, err, sizeof(err));
	if (rc) {
		ep_log(EP_LOG_ERROR, "syn", "capture on %s: %s", sp->src.ifname, err);
		goto fail;
	}
	sp->cap.wake = on_capture_wake;
	uv_prepare_init(e->loop, &sp->flush);
	sp->flush.data = sp;
	uv_prepare_start(&sp->flush, on_flush);
	uv_timer_init(e->loop, &sp->watch);
	sp->watch.data = sp;
	uv_timer_start(&sp->watch, on_watch, 20, 20);
	sp->handles = 3;
	ep_log(EP_LOG_DEBUG, "syn", "capturing on %s, source port %u", sp->src.ifname,
	       sp->src.port);
	*state = sp;
	return 0;
fail:
	destroy(sp);
	return rc;
}

static void syn_stats(void *state, struct ep_summary *s)
{
	struct syn_prober *sp = state;
	uint64_t r, d, i;

	ep_capture_stats(&sp->cap, &r, &d, &i);
	s->has_capture = 1;
	s->cap_received += r;
	s->cap_dropped += d;
	s->cap_ifdropped += i;
	s->invalid += sp->invalid;
	s->reserved_bytes += sp->ring + ep_inflight_reserved(&sp->inflight);
	s->late += sp->late;
}

static void syn_close(void *state)
{
	struct syn_prober *sp = state;

	on_flush(&sp->flush);
	uv_close((uv_handle_t *)&sp->flush, on_handle_closed);
	uv_close((uv_handle_t *)&sp->watch, on_handle_closed);
	ep_capture_close(&sp->cap, on_capture_closed);
}

const struct ep_prober_ops ep_prober_syn = {
    .name = "syn",
    .help = "raw TCP SYN scan with libpcap capture (needs CAP_NET_RAW)",
    .bpf = "tcp",
    .probe_size = sizeof(struct syn_probe),
    .open = syn_open,
    .start = syn_start,
    .cancel = syn_cancel,
    .close = syn_close,
    .stats = syn_stats,
};
