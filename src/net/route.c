/* Route lookup over rtnetlink: one RTM_GETROUTE request with RTA_DST and one
 * reply, as `ip route get` does.  Costs a socket and two syscalls; callers
 * look up once per scan (or per destination family), not per probe.  Nothing
 * leaves the host: the request goes to the kernel. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/err.h"
#include "net/route.h"

#define SEQ 0x65700001u /* any value; the reply must echo it */

struct req {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[RTA_SPACE(16)];
};

static int errno_to_ep(int e)
{
	/* unreachable, prohibit (EACCES) and no-route answers all mean: no path */
	if (e == ENETUNREACH || e == EHOSTUNREACH || e == EACCES || e == ESRCH)
		return EP_ENOENT;
	return EP_EIO;
}

/* Reads the attributes of an RTM_NEWROUTE reply into out. */
static int parse_route(struct nlmsghdr *nh, uint8_t family, struct ep_route *out)
{
	struct rtmsg *rt = NLMSG_DATA(nh);
	size_t alen = family == 6 ? 16 : 4;
	struct rtattr *a;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
		return EP_EIO;
	switch (rt->rtm_type) {
	case RTN_UNREACHABLE:
	case RTN_BLACKHOLE:
	case RTN_PROHIBIT:
	case RTN_THROW:
		return EP_ENOENT;
	case RTN_LOCAL:
		out->is_local = 1;
		break;
	default:
		break;
	}
	out->table = rt->rtm_table;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rt)));
	for (a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		struct ep_addr *dst = NULL;

		switch (a->rta_type) {
		case RTA_OIF:
			if (RTA_PAYLOAD(a) >= sizeof(int))
				memcpy(&out->ifindex, RTA_DATA(a), sizeof(int));
			break;
		case RTA_PREFSRC:
			dst = &out->src;
			break;
		case RTA_GATEWAY:
			dst = &out->gateway;
			break;
		case RTA_TABLE:
			if (RTA_PAYLOAD(a) >= sizeof(unsigned))
				memcpy(&out->table, RTA_DATA(a), sizeof(unsigned));
			break;
		case RTA_MULTIPATH:
		case RTA_ENCAP:
		case RTA_VIA:
			out->special = 1;
			break;
		default:
			break;
		}
		if (dst && RTA_PAYLOAD(a) == alen) {
			dst->family = family;
			memcpy(dst->b, RTA_DATA(a), alen);
		}
	}
	if (out->ifindex <= 0)
		return EP_ENOENT;
	if (if_indextoname((unsigned)out->ifindex, out->ifname) == NULL)
		return EP_EIO;
	return 0;
}

/* Sends the request and waits (at most a second) for the kernel's answer. */
static int ask(int fd, const struct ep_addr *dst, struct ep_route *out)
{
	struct req req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	size_t alen = dst->family == 6 ? 16 : 4;
	struct rtattr *a;
	union {
		struct nlmsghdr nh;
		char b[8192];
	} buf;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt)) + RTA_SPACE(alen);
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = SEQ;
	req.rt.rtm_family = dst->family == 6 ? AF_INET6 : AF_INET;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	req.rt.rtm_flags = RTM_F_LOOKUP_TABLE; /* report the table the lookup used (policy rules) */
	a = RTM_RTA(&req.rt);
	a->rta_type = RTA_DST;
	a->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(a), dst->b, alen);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return EP_EIO;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		struct nlmsghdr *nh;
		ssize_t r;
		size_t off;

		r = recvfrom(fd, buf.b, sizeof(buf.b), MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (size_t)r > sizeof(buf.b))
			return EP_EIO;
		if (from.nl_pid != 0)
			continue; /* not from the kernel */
		/* walked by hand: NLMSG_OK mixes signedness (clang -Wsign-compare) */
		for (off = 0; off + sizeof(struct nlmsghdr) <= (size_t)r;
		     off += NLMSG_ALIGN(nh->nlmsg_len)) {
			nh = (struct nlmsghdr *)(void *)(buf.b + off);
			if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > (size_t)r - off)
				return EP_EIO;
			if (nh->nlmsg_seq != SEQ)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return EP_EIO;
				return e->error ? errno_to_ep(-e->error) : EP_EIO;
			}
			if (nh->nlmsg_type == RTM_NEWROUTE)
				return parse_route(nh, dst->family, out);
		}
	}
}

int ep_route_get(const struct ep_addr *dst, struct ep_route *out)
{
	struct timeval tv = {.tv_sec = 1};
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if (dst->family != 4 && dst->family != 6)
		return EP_EINVAL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return EP_EIO;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		rc = EP_EIO;
		goto out;
	}
	rc = ask(fd, dst, out);
out:
	close(fd);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
