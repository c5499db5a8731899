/* Source address, interface and port selection for raw probers. */
#include "net/source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "config/options.h"
#include "model/targets.h"
#include "net/route.h"

void ep_sockaddr_from(const struct ep_addr *a, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family == 6) {
		out->sin6_family = AF_INET6;
		memcpy(&out->sin6_addr, a->b, 16);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->b, 4);
	}
}

static socklen_t sa_len(const struct ep_addr *a)
{
	return a->family == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int ep_source_raw_socket(const struct ep_addr *a, int proto, int *fd)
{
	struct sockaddr_in6 sa;
	int sndbuf = 4 << 20;

	*fd = socket(a->family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	             proto);
	if (*fd < 0)
		return errno == EPERM || errno == EACCES ? EP_EPERM : EP_EIO;
	setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* SO_SNDBUFFORCE lifts the wmem_max cap when we may (root) */
	setsockopt(*fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	ep_sockaddr_from(a, &sa);
	if (bind(*fd, (struct sockaddr *)&sa, sa_len(a)) != 0) {
		ep_log(EP_LOG_ERROR, "source", "cannot send from %s: %s",
		       ep_addr_format(a, (char[64]){0}, 64), strerror(errno));
		close(*fd);
		*fd = -1;
		return EP_EIO;
	}
	return 0;
}

int ep_source_can_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* The kernel's choice of source for dst, by connecting a UDP socket (nothing
 * is sent): used when the route carries no preferred source. */
static int connect_source(const struct ep_addr *dst, struct ep_addr *out)
{
	struct sockaddr_in6 sa, me;
	socklen_t len = sizeof(me);
	int fd = socket(dst->family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok;

	if (fd < 0)
		return EP_EIO;
	ep_sockaddr_from(dst, &sa);
	sa.sin6_port = htons(9); /* sin_port and sin6_port share the offset */
	ok = connect(fd, (struct sockaddr *)&sa, sa_len(dst)) == 0 &&
	     getsockname(fd, (struct sockaddr *)&me, &len) == 0;
	close(fd);
	if (!ok)
		return EP_ENOENT;
	out->family = dst->family;
	if (dst->family == 6)
		memcpy(out->b, &me.sin6_addr, 16);
	else
		memcpy(out->b, &((struct sockaddr_in *)(void *)&me)->sin_addr, 4);
	return 0;
}

/* One port bound on every source address: TCP for the SYN prober (a bound,
 * non-listening socket gets no connections, and the kernel still answers
 * stray segments with RST), UDP for the UDP prober. */
static int reserve_port(struct ep_source *s, int proto)
{
	int type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;

	for (int attempt = 0; attempt < 32; attempt++) {
		int ok = 1;

		s->port = 0;
		for (int f = 0; f < 2 && ok; f++) {
			struct sockaddr_in6 sa;
			socklen_t len = sizeof(sa);

			if (s->addr[f].family == 0)
				continue;
			s->portfd[f] = socket(f ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
			if (s->portfd[f] < 0)
				return EP_EIO;
			if (f)
				setsockopt(s->portfd[f], IPPROTO_IPV6, IPV6_V6ONLY, &(int){1},
				           sizeof(int));
			ep_sockaddr_from(&s->addr[f], &sa);
			sa.sin6_port = htons(s->port);
			ok = bind(s->portfd[f], (struct sockaddr *)&sa, sa_len(&s->addr[f])) == 0 &&
			     getsockname(s->portfd[f], (struct sockaddr *)&sa, &len) == 0;
			if (ok)
				s->port = ntohs(sa.sin6_port);
		}
		if (ok)
			return 0;
		for (int f = 0; f < 2; f++)
			if (s->portfd[f] >= 0) {
				close(s->portfd[f]);
				s->portfd[f] = -1;
			}
	}
	return EP_EAGAIN;
}

#define MAX_LOOKUPS 4096 /* route lookups per scan: ranges beyond follow the first */

int ep_source_open(struct ep_source *s, const struct ep_targets *t, const struct ep_config *c,
                   int proto)
{
	int want = proto == IPPROTO_UDP ? EP_PROTO_UDP : EP_PROTO_TCP;
	char ifname[2][16] = {"", ""};
	int from_local[2] = {0, 0};
	char text[64];
	int rc;

	memset(s, 0, sizeof(*s));
	s->portfd[0] = s->portfd[1] = -1;
	for (size_t i = 0, k = 0, looked = 0; i < t->n && looked < MAX_LOOKUPS; k++) {
		const struct ep_target_group *g = &t->g[i];
		struct ep_route r;
		struct ep_addr dst, src;
		int f;

		if ((int)g->proto != want || k >= g->addrs.n) {
			i++;
			k = (size_t)-1;
			continue;
		}
		ep_iprange_addr(&g->addrs.r[k], 0, &dst);
		looked++;
		f = dst.family == 6;
		rc = ep_route_get(&dst, &r);
		if (rc) {
			ep_log(EP_LOG_ERROR, "source", "no route to %s",
			       ep_addr_format(&dst, text, sizeof(text)));
			return rc;
		}
		if (c->source_ip[f].family)
			src = c->source_ip[f];
		else if (r.src.family)
			src = r.src;
		else if (connect_source(&dst, &src) != 0)
			return EP_ENOENT;
		/* any of our addresses reaches a local target, so a local route's
		 * choice gives way to a remote route's */
		if (s->addr[f].family == 0 || (from_local[f] && !r.is_local)) {
			s->addr[f] = src;
			from_local[f] = r.is_local && !c->source_ip[f].family;
		} else if (!r.is_local && ep_addr_cmp(&s->addr[f], &src) != 0) {
			ep_log(EP_LOG_ERROR, "source",
			       "%s is reached from %s, other targets from %s: scan them "
			       "separately or give --source-ip",
			       ep_addr_format(&dst, text, sizeof(text)),
			       ep_addr_format(&src, (char[64]){0}, 64),
			       ep_addr_format(&s->addr[f], (char[64]){0}, 64));
			return EP_EUNSUPPORTED;
		}
		if (ifname[f][0] == '\0')
			snprintf(ifname[f], sizeof(ifname[f]), "%s", r.ifname);
		else if (strcmp(ifname[f], r.ifname) != 0)
			snprintf(ifname[f], sizeof(ifname[f]), "any");
	}
	if (c->interface[0])
		snprintf(s->ifname, sizeof(s->ifname), "%s", c->interface);
	else if (ifname[0][0] && ifname[1][0] && strcmp(ifname[0], ifname[1]) != 0)
		snprintf(s->ifname, sizeof(s->ifname), "any");
	else
		snprintf(s->ifname, sizeof(s->ifname), "%s", ifname[0][0] ? ifname[0] : ifname[1]);
	if (s->addr[0].family == 0 && s->addr[1].family == 0)
		return EP_ESCOPE;
	return reserve_port(s, proto);
}

void ep_source_close(struct ep_source *s)
{
	for (int f = 0; f < 2; f++)
		if (s->portfd[f] >= 0) {
			close(s->portfd[f]);
			s->portfd[f] = -1;
		}
}
