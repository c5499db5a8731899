/* Neighbour table over rtnetlink.  See neigh.h.  Costs: one dump of the
 * table (O(table)), one datagram per missing next hop, then one message per
 * change on the link while the scan runs. */
#include "net/neigh.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "net/source.h"

#define SEQ       0x65700002u
#define USABLE    (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)
#define BUF_BYTES 16384

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct ep_neigh_entry *find(struct ep_neigh *nb, const struct ep_addr *a)
{
	/* O(n) per message: n is the number of next hops (at most a few
	 * thousand) and messages come per neighbour change, not per probe */
	for (size_t i = 0; i < nb->n; i++)
		if (ep_addr_cmp(&nb->e[i].addr, a) == 0)
			return &nb->e[i];
	return NULL;
}

/* One RTM_NEWNEIGH / RTM_DELNEIGH message: updates the matching entry. */
static void apply(struct ep_neigh *nb, const struct nlmsghdr *nh)
{
	const struct ndmsg *nd = NLMSG_DATA(nh);
	const struct rtattr *a;
	struct ep_addr dst = {0};
	const uint8_t *ll = NULL;
	struct ep_neigh_entry *e;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)) || nd->ndm_ifindex != nb->ifindex)
		return;
	if (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6)
		return;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	for (a = (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t pl = RTA_PAYLOAD(a);

		if (a->rta_type == NDA_DST && (pl == 4 || pl == 16)) {
			dst.family = pl == 16 ? 6 : 4;
			memcpy(dst.b, RTA_DATA(a), pl);
		} else if (a->rta_type == NDA_LLADDR && pl == 6) {
			ll = RTA_DATA(a);
		}
	}
	if (dst.family == 0)
		return;
	e = find(nb, &dst);
	if (e == NULL)
		return;
	if (nh->nlmsg_type == RTM_NEWNEIGH && (nd->ndm_state & USABLE) && ll) {
		memcpy(e->mac, ll, 6);
		e->valid = 1;
	} else if (nh->nlmsg_type == RTM_DELNEIGH ||
	           (nd->ndm_state & (NUD_FAILED | NUD_INCOMPLETE))) {
		e->valid = 0; /* its probes go the raw way until it is back */
	}
	nb->updates++;
}

/* Reads what is waiting (flags: 0 to block until wait runs out, else
 * MSG_DONTWAIT); returns 1 when a dump's NLMSG_DONE was seen. */
static int read_msgs(struct ep_neigh *nb, int flags)
{
	union {
		struct nlmsghdr nh;
		char b[BUF_BYTES];
	} buf;
	int done = 0;

	for (;;) {
		ssize_t r = recv(nb->fd, buf.b, sizeof(buf.b), flags);
		size_t off;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return done;
		for (off = 0; off + sizeof(struct nlmsghdr) <= (size_t)r;) {
			const struct nlmsghdr *nh = (const void *)(buf.b + off);

			if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > (size_t)r - off)
				break;
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
				done = 1;
			else if (nh->nlmsg_type == RTM_NEWNEIGH || nh->nlmsg_type == RTM_DELNEIGH)
				apply(nb, nh);
			off += NLMSG_ALIGN(nh->nlmsg_len);
		}
		if (flags == 0 || done)
			return done;
	}
}

static int dump(struct ep_neigh *nb, int family)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	uint64_t until = now_ms() + 1000;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd));
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = SEQ;
	req.nd.ndm_family = (uint8_t)family;
	if (sendto(nb->fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) <
	    0)
		return EP_EIO;
	while (now_ms() < until) {
		struct pollfd p = {.fd = nb->fd, .events = POLLIN};

		if (poll(&p, 1, 100) > 0 && read_msgs(nb, MSG_DONTWAIT))
			return 0;
	}
	return EP_EIO;
}

/* The kernel resolves a neighbour when a packet needs it: one empty UDP
 * datagram to the discard port of the next hop is that packet. */
static void solicit(const struct ep_addr *hop, int ifindex)
{
	struct sockaddr_in6 sa;
	int fd = socket(hop->family == 6 ? AF_INET6 : AF_INET,
	                SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	ep_sockaddr_from(hop, &sa);
	sa.sin6_port = htons(9);
	if (hop->family == 6)
		sa.sin6_scope_id = (uint32_t)ifindex; /* link-local routers need it */
	if (connect(fd, (struct sockaddr *)&sa,
	            hop->family == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) ==
	    0)
		(void)!send(fd, "", 0, MSG_DONTWAIT);
	close(fd);
}

static size_t missing(const struct ep_neigh *nb)
{
	size_t m = 0;

	for (size_t i = 0; i < nb->n; i++)
		m += !nb->e[i].valid;
	return m;
}

int ep_neigh_open(struct ep_neigh *nb, int ifindex, const struct ep_addr *hops, size_t n,
                  unsigned wait_ms)
{
	struct sockaddr_nl me = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_NEIGH};
	int fams = 0, rc = 0;
	uint64_t until;

	memset(nb, 0, sizeof(*nb));
	nb->fd = -1;
	nb->ifindex = ifindex;
	nb->e = calloc(n ? n : 1, sizeof(*nb->e));
	if (nb->e == NULL)
		return EP_ENOMEM;
	nb->n = n;
	for (size_t i = 0; i < n; i++) {
		nb->e[i].addr = hops[i];
		fams |= hops[i].family == 6 ? 2 : 1;
	}
	nb->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nb->fd < 0 || bind(nb->fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
		ep_neigh_close(nb);
		return EP_EIO;
	}
	if (fams & 1)
		rc = dump(nb, AF_INET);
	if (rc == 0 && (fams & 2))
		rc = dump(nb, AF_INET6);
	if (rc) {
		ep_neigh_close(nb);
		return rc;
	}
	for (size_t i = 0; i < n; i++)
		if (!nb->e[i].valid)
			solicit(&nb->e[i].addr, ifindex);
	until = now_ms() + wait_ms;
	while (missing(nb) && now_ms() < until) {
		struct pollfd p = {.fd = nb->fd, .events = POLLIN};

		if (poll(&p, 1, 50) > 0)
			read_msgs(nb, MSG_DONTWAIT);
	}
	return 0;
}

void ep_neigh_read(struct ep_neigh *nb)
{
	if (nb->fd >= 0)
		read_msgs(nb, MSG_DONTWAIT);
}

const uint8_t *ep_neigh_mac(const struct ep_neigh *nb, size_t i)
{
	return i < nb->n && nb->e[i].valid ? nb->e[i].mac : NULL;
}

void ep_neigh_close(struct ep_neigh *nb)
{
	if (nb->fd >= 0)
		close(nb->fd);
	nb->fd = -1;
	free(nb->e);
	nb->e = NULL;
	nb->n = 0;
}
