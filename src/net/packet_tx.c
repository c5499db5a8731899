/* AF_PACKET send path.  See packet_tx.h.  Planning costs one route lookup
 * per target host (at most EP_PTX_MAX_HOSTS) and one neighbour dump; sending
 * costs one hash probe and one frame build per packet, one syscall per
 * EP_PTX_BATCH frames. */
#include "net/packet_tx.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "model/targets.h"
#include "net/route.h"

static uint32_t addr_hash(const struct ep_addr *a)
{
	size_t len = a->family == 6 ? 16 : 4;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h ^ (h >> 15);
}

static struct ep_ptx_host *slot(const struct ep_packet_tx *tx, const struct ep_addr *a)
{
	size_t i = addr_hash(a) & tx->mask;

	while (tx->hosts[i].a.family && ep_addr_cmp(&tx->hosts[i].a, a) != 0)
		i = (i + 1) & tx->mask;
	return &tx->hosts[i];
}

static unsigned read_sysctl(const char *path, unsigned dflt)
{
	FILE *f = fopen(path, "re");
	unsigned v = dflt;

	if (f) {
		if (fscanf(f, "%u", &v) != 1 || v == 0 || v > 255)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* Link type and address of ifindex: Ethernet or loopback only. */
static int link_of(struct ep_packet_tx *tx, char *why, size_t whylen)
{
	struct ifreq ifr;
	int fd, rc = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (if_indextoname((unsigned)tx->ifindex, ifr.ifr_name) == NULL)
		return EP_EIO;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		if (fd >= 0)
			close(fd);
		return EP_EIO;
	}
	close(fd);
	if (ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK) {
		tx->loopback = 1;
	} else if (ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER) {
		memcpy(tx->link.src_mac, ifr.ifr_hwaddr.sa_data, 6);
	} else {
		snprintf(why, whylen, "%s is not an Ethernet link (link type %u)", ifr.ifr_name,
		         (unsigned)ifr.ifr_hwaddr.sa_family);
		rc = EP_EUNSUPPORTED;
	}
	if (rc == 0) {
		char path[96];

		tx->ttl[0] = (uint8_t)read_sysctl("/proc/sys/net/ipv4/ip_default_ttl", 64);
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/hop_limit", ifr.ifr_name);
		tx->ttl[1] = (uint8_t)read_sysctl(path, 64);
	}
	return rc;
}

/* Adds hop to the list unless present; returns its index. */
static int32_t add_hop(struct ep_addr *hops, size_t *nhops, const struct ep_addr *hop)
{
	/* O(hops) per host: a scan of a few thousand on-link hosts costs a few
	 * million compares once, before the first probe */
	for (size_t i = 0; i < *nhops; i++)
		if (ep_addr_cmp(&hops[i], hop) == 0)
			return (int32_t)i;
	hops[*nhops] = *hop;
	return (int32_t)(*nhops)++;
}

/* One host: its route must be a plain one through the same link. */
static int plan_host(struct ep_packet_tx *tx, const struct ep_addr *a, struct ep_addr *hops,
                     size_t *nhops, char *why, size_t whylen)
{
	struct ep_ptx_host *h = slot(tx, a);
	struct ep_route r;
	char text[64];
	int rc;

	if (h->a.family)
		return 0;
	if (a->family == 4 && a->b[0] == 127) {
		/* a frame from 127/8 injected on lo has no route attached, and
		 * the kernel drops it as a martian (unless route_localnet) */
		h->a = *a;
		h->hop = EP_PTX_HOP_RAW;
		return 0;
	}
	rc = ep_route_get(a, &r);
	if (rc) {
		snprintf(why, whylen, "no route to %s", ep_addr_format(a, text, sizeof(text)));
		return rc == EP_ENOENT ? EP_EUNSUPPORTED : rc;
	}
	if (r.special || (r.table != RT_TABLE_MAIN && r.table != RT_TABLE_LOCAL)) {
		snprintf(why, whylen, "%s is routed by policy, multipath or encapsulation",
		         ep_addr_format(a, text, sizeof(text)));
		return EP_EUNSUPPORTED;
	}
	if (tx->ifindex == 0)
		tx->ifindex = r.ifindex;
	if (r.ifindex != tx->ifindex) {
		snprintf(why, whylen, "targets leave through more than one link (%s on %s)",
		         ep_addr_format(a, text, sizeof(text)), r.ifname);
		return EP_EUNSUPPORTED;
	}
	h->a = *a;
	h->hop =
	    r.is_local ? EP_PTX_HOP_LOCAL : add_hop(hops, nhops, r.gateway.family ? &r.gateway : a);
	return 0;
}

static int plan(struct ep_packet_tx *tx, const struct ep_targets *t, int proto,
                struct ep_addr *hops, size_t *nhops, char *why, size_t whylen)
{
	int want = proto == IPPROTO_UDP ? EP_PROTO_UDP : EP_PROTO_TCP;
	uint64_t total = 0;
	size_t cap = 64;
	int rc = 0;

	for (size_t i = 0; i < t->n; i++)
		if ((int)t->g[i].proto == want)
			total += t->g[i].nhosts;
	if (total > EP_PTX_MAX_HOSTS) {
		snprintf(why, whylen, "%llu target hosts (next hops are resolved for at most %d)",
		         (unsigned long long)total, EP_PTX_MAX_HOSTS);
		return EP_EUNSUPPORTED;
	}
	while (cap < total * 2)
		cap *= 2;
	tx->hosts = calloc(cap, sizeof(*tx->hosts));
	if (tx->hosts == NULL)
		return EP_ENOMEM;
	tx->mask = cap - 1;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		const struct ep_target_group *g = &t->g[i];

		if ((int)g->proto != want)
			continue;
		for (size_t k = 0; k < g->addrs.n && rc == 0; k++) {
			uint64_t size = ep_iprange_size(&g->addrs.r[k]);

			for (uint64_t j = 0; j < size && rc == 0; j++) {
				struct ep_addr a;

				ep_iprange_addr(&g->addrs.r[k], j, &a);
				rc = plan_host(tx, &a, hops, nhops, why, whylen);
			}
		}
	}
	return rc;
}

static int open_socket(struct ep_packet_tx *tx)
{
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_ifindex = tx->ifindex};
	int one = 1, sndbuf = 4 << 20;

	/* protocol 0: this socket receives nothing */
	tx->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tx->fd < 0)
		return errno == EPERM || errno == EACCES ? EP_EPERM : EP_EIO;
	if (bind(tx->fd, (struct sockaddr *)&ll, sizeof(ll)) != 0)
		return EP_EIO;
	/* straight to the driver: no qdisc, so no qdisc drops either; the
	 * driver's EAGAIN/ENOBUFS is our back-pressure */
	setsockopt(tx->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(tx->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(tx->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	for (unsigned i = 0; i < EP_PTX_BATCH; i++) {
		tx->iov[i].iov_base = tx->frame[i];
		tx->msg[i].msg_hdr.msg_iov = &tx->iov[i];
		tx->msg[i].msg_hdr.msg_iovlen = 1;
		/* no address: the socket is bound to the link, and the kernel
		 * reads the protocol from the frame's own Ethernet header; a
		 * sockaddr_ll per frame cost a copy and a device lookup each */
		tx->msg[i].msg_hdr.msg_name = NULL;
		tx->msg[i].msg_hdr.msg_namelen = 0;
	}
	return 0;
}

int ep_packet_tx_open(struct ep_packet_tx *tx, const struct ep_targets *t, int proto,
                      unsigned wait_ms, char *why, size_t whylen)
{
	struct ep_addr *hops = NULL;
	size_t nhops = 0;
	int rc;

	memset(tx, 0, sizeof(*tx));
	tx->fd = -1;
	tx->neigh.fd = -1;
	why[0] = '\0';
	hops = calloc(EP_PTX_MAX_HOSTS, sizeof(*hops));
	if (hops == NULL)
		return EP_ENOMEM;
	rc = plan(tx, t, proto, hops, &nhops, why, whylen);
	if (rc == 0 && tx->ifindex == 0) {
		snprintf(why, whylen, "every target is in 127/8 (frames from there are martians)");
		rc = EP_EUNSUPPORTED;
	}
	if (rc == 0)
		rc = link_of(tx, why, whylen);
	if (rc == 0 && !tx->loopback && nhops)
		rc = ep_neigh_open(&tx->neigh, tx->ifindex, hops, nhops, wait_ms);
	if (rc == 0)
		rc = open_socket(tx);
	free(hops);
	if (rc) {
		ep_packet_tx_close(tx);
		return rc;
	}
	if (getrandom(&tx->ip_id, sizeof(tx->ip_id), 0) != (ssize_t)sizeof(tx->ip_id))
		tx->ip_id = (uint16_t)getpid();
	return 0;
}

int ep_packet_tx_flush(struct ep_packet_tx *tx)
{
	int sent;

	while (tx->n) {
		sent = sendmmsg(tx->fd, tx->msg, tx->n, MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
				return EP_EAGAIN;
			/* a frame the driver refuses for good (link down): drop
			 * it, its probe times out, as on the raw path */
			ep_log(EP_LOG_DEBUG, "packet_tx", "sendmmsg: %s", strerror(errno));
			sent = 1;
		}
		tx->frames += (unsigned)sent;
		if ((unsigned)sent < tx->n) {
			unsigned rest = tx->n - (unsigned)sent;

			memmove(tx->frame, tx->frame[sent], rest * sizeof(tx->frame[0]));
			for (unsigned i = 0; i < rest; i++)
				tx->iov[i].iov_len = tx->iov[i + (unsigned)sent].iov_len;
		}
		tx->n -= (unsigned)sent;
	}
	return 0;
}

int ep_packet_tx_tcp(struct ep_packet_tx *tx, const struct ep_addr *src, const struct ep_addr *dst,
                     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                     uint32_t flow)
{
	const struct ep_ptx_host *h = slot(tx, dst);
	const uint8_t *mac = NULL;
	unsigned i;

	if (h->a.family == 0 || h->hop == EP_PTX_HOP_RAW) {
		tx->refused++;
		return EP_ENOENT; /* not a planned target, or one the raw path takes */
	}
	if (h->hop >= 0) {
		mac = ep_neigh_mac(&tx->neigh, (size_t)h->hop);
		if (mac == NULL) {
			tx->refused++;
			return EP_ENOENT;
		}
	}
	if (tx->n == EP_PTX_BATCH && ep_packet_tx_flush(tx) != 0)
		return EP_EAGAIN;
	i = tx->n++;
	if (mac)
		memcpy(tx->link.dst_mac, mac, 6);
	else
		memset(tx->link.dst_mac, 0, 6);
	tx->link.ttl = tx->ttl[dst->family == 6];
	tx->iov[i].iov_len = ep_frame_tcp(tx->frame[i], &tx->link, src, dst, sport, dport, seq, ack,
	                                  flags, tx->ip_id++, flow);
	return 0;
}

void ep_packet_tx_poll(struct ep_packet_tx *tx)
{
	ep_neigh_read(&tx->neigh);
}

void ep_packet_tx_close(struct ep_packet_tx *tx)
{
	if (tx->fd >= 0)
		close(tx->fd);
	tx->fd = -1;
	ep_neigh_close(&tx->neigh);
	free(tx->hosts);
	tx->hosts = NULL;
}
