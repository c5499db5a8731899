#!/bin/bash
# tests/netguard.sh CMD [ARGS...]: runs CMD (the test suite) where nothing can
# leave the machine and every attempt to is recorded, then fails if there was
# one (issue 12, item 16).
#
# How: a network namespace of its own (unshare -n) with lo and one veth whose
# peer stays down, so nothing behind it; default IPv4 and IPv6 routes point at
# that veth, and /etc/resolv.conf (in a mount namespace of its own) names
# 192.0.2.53 behind it too.  An nftables output rule drops every TCP and UDP
# packet routed to the veth and adds its destination to a set.  A connection
# to instance metadata (169.254.169.254), to an AWS endpoint, or a DNS query
# for *.amazonaws.com therefore fails at once and leaves its address in the
# set; at the end a non-empty set fails the run and names the addresses.
# This watches every process of the run (ecsprobe, the fakes, awscli), needs
# no hook in the code under test, and loopback stays private to the run.
# Test namespaces made inside (unshare -n) have no route out at all.
#
# Without root, unshare or nft: in CI (CI=true) a failure, else CMD runs
# unguarded with a warning.  NETGUARD_REPORT=FILE: also write the addresses.
set -u
if [ "${1:-}" = "" ]; then
	echo "usage: tests/netguard.sh CMD [ARGS...]" >&2
	exit 2
fi
if [ -z "${NETGUARD_INSIDE:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v nft >/dev/null || ! unshare -n true 2>/dev/null; then
		if [ "${CI:-}" = true ]; then
			echo "netguard: needs root, unshare and nft (CI must not run unguarded)" >&2
			exit 1
		fi
		echo "netguard: WARNING: not root or no unshare/nft: running unguarded" >&2
		exec "$@"
	fi
	if unshare -n -m --propagation private true 2>/dev/null; then
		exec env NETGUARD_INSIDE=1 NETGUARD_MOUNTNS=1 unshare -n -m --propagation private "$0" "$@"
	fi
	# a chroot ("/" is no mount point) cannot have a private mount
	# namespace: /etc/resolv.conf stays, and its nameservers, behind the
	# default route out, are recorded like any other address
	exec env NETGUARD_INSIDE=1 NETGUARD_MOUNTNS= unshare -n "$0" "$@"
fi

# a guard run inside this one (tests/e2e/netguard.sh) makes its own namespace
unset NETGUARD_INSIDE
set -e
ip link set lo up
ip link add ng0 type veth peer name ng1
ip addr add 192.0.2.1/24 dev ng0
ip -6 addr add 2001:db8:ffff::1/64 dev ng0 nodad
ip link set ng0 up
ip route add default via 192.0.2.254 dev ng0 onlink
ip -6 route add default via 2001:db8:ffff::fe dev ng0 onlink
resolv=$(mktemp)
echo "nameserver 192.0.2.53" >"$resolv"
if [ -n "${NETGUARD_MOUNTNS:-}" ]; then
	mount --bind "$resolv" /etc/resolv.conf
elif grep -qE '^nameserver[[:space:]]+(127\.|::1)' /etc/resolv.conf 2>/dev/null; then
	echo "netguard: WARNING: no private mount namespace here, and /etc/resolv.conf names a" \
		"loopback nameserver: DNS lookups cannot be seen leaving" >&2
fi
unset NETGUARD_MOUNTNS
nft -f - <<'EOF'
table inet netguard {
	set out4 { type ipv4_addr; flags dynamic; size 65535; }
	set out6 { type ipv6_addr; flags dynamic; size 65535; }
	chain out {
		type filter hook output priority -300; policy accept;
		oifname "ng0" meta nfproto ipv4 meta l4proto { tcp, udp } update @out4 { ip daddr } drop
		oifname "ng0" meta nfproto ipv6 meta l4proto { tcp, udp } update @out6 { ip6 daddr } drop
	}
}
EOF
set +e

"$@"
status=$?

addrs=$(for s in out4 out6; do nft -j list set inet netguard $s; done 2>/dev/null |
	jq -r '.nftables[] | .set.elem? // empty | .[] | if type == "object" then .elem.val else . end' |
	sort -u | tr '\n' ' ')
addrs=${addrs% }
rm -f "$resolv"
if [ -n "${NETGUARD_REPORT:-}" ]; then
	printf '%s\n' "$addrs" >"$NETGUARD_REPORT"
fi
if [ -n "$addrs" ]; then
	echo "netguard: FAILED: the run tried to reach beyond loopback: $addrs" >&2
	echo "netguard: (192.0.2.53 is a DNS query; set AWS_EC2_METADATA_DISABLED=true and" \
		"--endpoint-url / AWS_ENDPOINT_URL to the fake on 127.0.0.1)" >&2
	[ $status = 0 ] && status=1
else
	echo "netguard: nothing tried to leave loopback"
fi
exit $status
