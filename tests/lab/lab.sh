# shellcheck shell=bash
# tests/lab/lab.sh - build a throw-away scan lab in the CURRENT network
# namespace.  Source it from bash; it is used by tests/e2e/scan_netns.sh and
# bench/run.sh.
#
# SAFETY: every function that touches the network first checks that the
# current namespace holds no interface but `lo` (i.e. it is a fresh
# `unshare -n` namespace with no route out) and refuses to run otherwise.
# Lab addresses are 127.x.y.z (local through 127/8 on lo) and
# fd00:ec5::N/128 added to lo.
#
# API
#   lab_up NV6
#       lo up; add fd00:ec5::1 .. fd00:ec5::NV6 (/128, nodad) to lo.
#       Creates $LAB_DIR (a mktemp -d directory) unless LAB_DIR is set.
#   lab_pick SEED PORT_LO PORT_HI NOPEN NFILTERED NREJECT OUTDIR HOST...
#       Appends NOPEN/NFILTERED/NREJECT distinct pseudo-random (HOST, PORT)
#       pairs, PORT in PORT_LO..PORT_HI, to OUTDIR/open.spec,
#       OUTDIR/filtered.spec and OUTDIR/rejected.spec ("ADDRESS PORT"
#       lines).  Pairs already present in those files are never picked
#       again, so fixed pairs can be written first.  Same SEED => same lab
#       (a 32-bit LCG in awk, identical with mawk and gawk).
#   lab_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC
#       Starts ep_listen on every OPEN_SPEC pair and loads nftables table
#       `inet eplab`: FILTERED pairs are dropped, REJECT pairs get
#       `reject with tcp reset`.  Every other port is closed (nothing
#       listens, the kernel answers RST).  A named counter `syn_in` counts
#       every incoming bare SYN (see lab_syn_count).
#   lab_truth PORT_LO PORT_HI OPEN_SPEC FILTERED_SPEC REJECT_SPEC HOST...
#       Prints the ground truth: "ADDRESS PORT STATE" (open|closed|filtered;
#       rejected pairs are "closed") for every HOST x PORT, sorted with
#       LC_ALL=C sort.  HOSTs must be written the way the scanner prints
#       them (dotted quad; IPv6 in RFC 5952 form, e.g. fd00:ec5::1).
#   lab_syn_count
#       Prints how many bare SYNs reached the input hook so far.
#   lab_down
#       Stops ep_listen, deletes the nft table, removes $LAB_DIR if lab_up
#       created it (unless LAB_KEEP=1).
#
#   The veth lab (lab_veth_up ... lab_veth_down, raw SYN/UDP scans across a
#   veth pair into a second namespace) is documented at its own section at
#   the end of this file.
#
# Environment
#   EP_LISTEN   path to the ep_listen binary; if unset/not executable,
#               lab_plant compiles tests/lab/ep_listen.c with ${CC:-cc}.
#   LAB_DIR     working directory (optional).

LAB_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
LAB_LISTEN_PID=
LAB_DIR_OWNED=0
LAB_NFT_LOADED=0
# PID of the process holding the veth lab's target namespace; empty for the
# loopback lab (then nft and ep_listen run in the current namespace).
LAB_TARGET_PID=
LAB_NFT_PID=

lab_err() {
	echo "lab: $*" >&2
}

# Refuse to do anything unless this namespace has nothing but lo.
lab_assert_isolated() {
	local others
	if ! others=$(ip -o link show 2>/dev/null); then
		lab_err "cannot list interfaces (is iproute2 installed?)"
		return 1
	fi
	others=$(printf '%s\n' "$others" | awk -F': ' 'NF > 1 && $2 !~ /^lo(@|$)/ {print $2}')
	if [ -n "$others" ]; then
		lab_err "refusing to run: this network namespace has interfaces other than lo ($(echo $others)); run inside 'unshare -n'"
		return 1
	fi
	return 0
}

lab_up() {
	local nv6=${1:-0} i
	lab_assert_isolated || return 1
	if [ -z "${LAB_DIR:-}" ]; then
		LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/eplab.XXXXXX") || return 1
		LAB_DIR_OWNED=1
	fi
	mkdir -p "$LAB_DIR" || return 1
	ip link set lo up || { lab_err "ip link set lo up failed"; return 1; }
	i=1
	while [ "$i" -le "$nv6" ]; do
		ip -6 addr add "fd00:ec5::$(printf '%x' "$i")/128" dev lo nodad ||
			{ lab_err "cannot add fd00:ec5::$i to lo (IPv6 disabled?)"; return 1; }
		i=$((i + 1))
	done
	return 0
}

lab_pick() {
	if [ "$#" -lt 8 ]; then
		lab_err "usage: lab_pick SEED PORT_LO PORT_HI NOPEN NFILTERED NREJECT OUTDIR HOST..."
		return 1
	fi
	local seed=$1 lo=$2 hi=$3 nopen=$4 nfilt=$5 nrej=$6 out=$7
	shift 7
	mkdir -p "$out" || return 1
	touch "$out/open.spec" "$out/filtered.spec" "$out/rejected.spec" || return 1
	cat "$out/open.spec" "$out/filtered.spec" "$out/rejected.spec" |
	awk -v seed="$seed" -v lo="$lo" -v hi="$hi" \
	    -v nopen="$nopen" -v nfilt="$nfilt" -v nrej="$nrej" \
	    -v fo="$out/open.spec" -v ff="$out/filtered.spec" \
	    -v fr="$out/rejected.spec" -v hosts="$*" '
	function rnd() {            # 32-bit LCG, exact in double arithmetic
		x = (x * 69069 + 1) % 4294967296
		return x / 4294967296
	}
	{ sub(/#.*/, ""); if (NF >= 2) used[$1 " " ($2 + 0)] = 1 }
	END {
		nh = split(hosts, H, " ")
		np = hi - lo + 1
		total = nh * np
		want = nopen + nfilt + nrej
		free = total
		for (k in used) free--
		if (nh < 1 || np < 1 || want > free) {
			print "lab: lab_pick: cannot pick " want " pairs out of " free > "/dev/stderr"
			exit 1
		}
		x = (seed % 4294967296 + 4294967296) % 4294967296
		for (i = 0; i < 8; i++) rnd()
		got = 0
		while (got < want) {
			idx = int(rnd() * total)
			h = H[int(idx / np) + 1]
			p = lo + idx % np
			key = h " " p
			if (key in used) continue
			used[key] = 1
			got++
			if (got <= nopen) print key >> fo
			else if (got <= nopen + nfilt) print key >> ff
			else print key >> fr
		}
	}'
}

# Strip comments/blank lines: "ADDRESS PORT" per line.
lab_spec_pairs() {
	awk '{ sub(/#.*/, "") } NF >= 2 { print $1, $2 + 0 }' "$@"
}

lab_find_listener() {
	if [ -n "${EP_LISTEN:-}" ] && [ -x "$EP_LISTEN" ]; then
		return 0
	fi
	if [ -n "${EP_LISTEN:-}" ]; then
		lab_err "EP_LISTEN=$EP_LISTEN is not executable; building from source"
	fi
	local out="${LAB_DIR:-${TMPDIR:-/tmp}}/ep_listen"
	if ! ${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$out" "$LAB_SRCDIR/ep_listen.c"; then
		lab_err "cannot build $LAB_SRCDIR/ep_listen.c"
		return 1
	fi
	EP_LISTEN=$out
	return 0
}

# nft element list "a . p, b . q" for one family (4 or 6) from a spec file.
lab_nft_elems() {
	lab_spec_pairs "$2" | awk -v fam="$1" '
		(fam == 4 && $1 !~ /:/) || (fam == 6 && $1 ~ /:/) {
			printf "%s%s . %s", (n++ ? ", " : ""), $1, $2
		}'
}

# lab_in PID CMD... : run CMD in the network namespace of PID (empty: here).
lab_in() {
	local pid=$1
	shift
	if [ -n "$pid" ]; then
		nsenter -t "$pid" -n -- "$@"
	else
		"$@"
	fi
}

# nft in the namespace that holds the planted table.
lab_nft() {
	lab_in "$LAB_NFT_PID" nft "$@"
}

lab_plant() {
	if [ "$#" -ne 3 ]; then
		lab_err "usage: lab_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC"
		return 1
	fi
	lab_assert_isolated || return 1
	lab_plant_in "" "$@"
}

# lab_plant_in PID OPEN_SPEC FILTERED_SPEC REJECT_SPEC: lab_plant in the
# network namespace of PID (empty: the current one).
lab_plant_in() {
	local ns=$1 open=$2 filt=$3 rej=$4 f fam set e i
	for f in "$open" "$filt" "$rej"; do
		[ -r "$f" ] || { lab_err "cannot read $f"; return 1; }
	done
	[ -n "${LAB_DIR:-}" ] || { lab_err "call lab_up first"; return 1; }
	lab_find_listener || return 1

	# --- firewall --------------------------------------------------------
	LAB_NFT_PID=$ns
	lab_nft delete table inet eplab 2>/dev/null
	{
		echo "table inet eplab {"
		echo "  counter syn_in { }"
		for set in f r; do
			case $set in f) f=$filt ;; r) f=$rej ;; esac
			for fam in 4 6; do
				echo "  set $set$fam {"
				echo "    type ipv${fam}_addr . inet_service"
				e=$(lab_nft_elems "$fam" "$f")
				[ -n "$e" ] && echo "    elements = { $e }"
				echo "  }"
			done
		done
		echo "  chain input {"
		echo "    type filter hook input priority filter - 10; policy accept;"
		echo "    tcp flags & (fin | syn | rst | ack) == syn counter name \"syn_in\""
		echo "    ip daddr . tcp dport @f4 drop"
		echo "    ip6 daddr . tcp dport @f6 drop"
		echo "    ip daddr . tcp dport @r4 reject with tcp reset"
		echo "    ip6 daddr . tcp dport @r6 reject with tcp reset"
		echo "  }"
		echo "}"
	} > "$LAB_DIR/eplab.nft"
	if ! lab_nft -f "$LAB_DIR/eplab.nft"; then
		lab_err "nft -f $LAB_DIR/eplab.nft failed"
		return 1
	fi
	LAB_NFT_LOADED=1

	# --- listeners -------------------------------------------------------
	lab_spec_pairs "$open" > "$LAB_DIR/listen.spec"
	rm -f "$LAB_DIR/listen.ready"
	# nsenter execs ep_listen, so $! is ep_listen's PID either way.
	if [ -n "$ns" ]; then
		nsenter -t "$ns" -n -- "$EP_LISTEN" -r "$LAB_DIR/listen.ready" "$LAB_DIR/listen.spec" \
			> "$LAB_DIR/listen.log" 2>&1 &
	else
		"$EP_LISTEN" -r "$LAB_DIR/listen.ready" "$LAB_DIR/listen.spec" \
			> "$LAB_DIR/listen.log" 2>&1 &
	fi
	LAB_LISTEN_PID=$!
	i=0
	while [ ! -e "$LAB_DIR/listen.ready" ]; do
		if ! kill -0 "$LAB_LISTEN_PID" 2>/dev/null; then
			wait "$LAB_LISTEN_PID" 2>/dev/null
			LAB_LISTEN_PID=
			lab_err "ep_listen failed: $(cat "$LAB_DIR/listen.log")"
			return 1
		fi
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			lab_err "ep_listen not ready after 10 s"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

lab_truth() {
	if [ "$#" -lt 6 ]; then
		lab_err "usage: lab_truth PORT_LO PORT_HI OPEN_SPEC FILTERED_SPEC REJECT_SPEC HOST..."
		return 1
	fi
	local lo=$1 hi=$2 open=$3 filt=$4 rej=$5
	shift 5
	{
		lab_spec_pairs "$open" | sed 's/$/ open/'
		lab_spec_pairs "$filt" | sed 's/$/ filtered/'
		lab_spec_pairs "$rej" | sed 's/$/ closed/'
	} | awk -v lo="$lo" -v hi="$hi" -v hosts="$*" '
		{ st[$1 " " $2] = $3 }
		END {
			nh = split(hosts, H, " ")
			for (i = 1; i <= nh; i++)
				for (p = lo; p <= hi; p++) {
					k = H[i] " " p
					print k, ((k in st) ? st[k] : "closed")
				}
		}' | LC_ALL=C sort
}

lab_syn_count() {
	lab_nft list counter inet eplab syn_in 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); found = 1; exit } }
		     END { if (!found) print -1 }'
}

lab_down() {
	if [ -n "$LAB_LISTEN_PID" ]; then
		kill -TERM "$LAB_LISTEN_PID" 2>/dev/null
		wait "$LAB_LISTEN_PID" 2>/dev/null
		LAB_LISTEN_PID=
	fi
	if [ "$LAB_NFT_LOADED" = 1 ]; then
		lab_nft delete table inet eplab 2>/dev/null
		LAB_NFT_LOADED=0
	fi
	if [ "$LAB_DIR_OWNED" = 1 ] && [ "${LAB_KEEP:-0}" != 1 ] && [ -n "${LAB_DIR:-}" ]; then
		rm -rf "$LAB_DIR"
		LAB_DIR=
		LAB_DIR_OWNED=0
	fi
	return 0
}

# lab_nmap_states XMLFILE...
#   Turns nmap -oX output into "ADDRESS PORT STATE" lines (unsorted) for
#   every TCP port nmap reports, including the collapsed ones (nmap >= 7.9x
#   lists them in <extrareasons ports="...">).  nmap's "closed|filtered" etc.
#   are kept verbatim.
lab_nmap_states() {
	awk '
	function attr(s, name,    m) {
		if (match(s, name "=\"[^\"]*\"")) {
			m = substr(s, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
			return m
		}
		return ""
	}
	/<address / && (attr($0, "addrtype") == "ipv4" || attr($0, "addrtype") == "ipv6") {
		addr = attr($0, "addr")
	}
	/<extraports / { xstate = attr($0, "state") }
	/<extrareasons / && attr($0, "proto") == "tcp" {
		n = split(attr($0, "ports"), R, ",")
		for (i = 1; i <= n; i++) {
			if (split(R[i], B, "-") == 2) { a = B[1] + 0; b = B[2] + 0 }
			else { a = R[i] + 0; b = a }
			for (p = a; p <= b; p++) print addr, p, xstate
		}
	}
	/<port / && attr($0, "protocol") == "tcp" {
		p = attr($0, "portid")
		s = $0; sub(/.*<state /, "", s)
		print addr, p, attr(s, "state")
	}' "$@"
}

# ===================================================================== veth lab
# A second lab shape for the raw (syn, udp) modes: the scanner stays in the
# current, fresh `unshare -n` namespace; the targets live in another network
# namespace behind a veth pair, so probes cross a real Ethernet link (ARP/ND,
# MACs, a capture on a real interface) instead of lo.
#
#   scanner ns (current)                     target ns ($LAB_TARGET_PID)
#   eplab0 198.18.0.1/24  2001:2::1/64  <==>  eplab1 198.18.0.10 .. .(9+N)/24
#                                                    2001:2::a .. (hex 9+N)/64
#
# 198.18.0.0/15 and 2001:2::/48 are the benchmarking ranges (RFC 2544,
# RFC 5180).  Neither namespace has a default route or any other interface;
# lab_veth_assert checks that before anything is sent, and every lab function
# below calls it.  The target namespace is held by a small sh process started
# with `unshare -n` that exits by itself once this shell is gone, so a
# killed test leaves nothing behind for long.
#
# API (all need root; run from a fresh `unshare -n` namespace)
#   lab_veth_up NHOSTS [NV6]
#       Builds the topology above with NHOSTS IPv4 hosts and NV6 IPv6 hosts
#       (default 0).  Creates $LAB_DIR unless set.  Sets LAB_IF (eplab0),
#       LAB_PEER_IF, LAB_SRC4, LAB_SRC6, LAB_V4_HOSTS, LAB_V6_HOSTS (space
#       separated, as the scanner prints them), LAB_SCANNER_MAC,
#       LAB_TARGET_MAC, LAB_TARGET_PID.  IPv6 addresses are added nodad.
#   lab_veth_assert
#       Returns non-zero (with a message) unless both namespaces hold only lo
#       and the veth end, neither has a default route, 192.0.2.1 and
#       2001:db8::1 are unroutable in both, and the current namespace is not
#       PID 1's.
#   lab_veth_exec CMD...
#       Runs CMD in the target namespace.
#   lab_icmp_ratelimit off|on
#       off: the target sends every ICMP error (icmp_ratelimit=0,
#       icmp_ratemask=0, icmp_msgs_per_sec/burst very high, v6 ratelimit 0,
#       v6 ratemask 0).  on: the kernel's defaults, as read when the target
#       namespace was created (Linux: 1000 ms per peer, 1000 msgs/s, burst 50).
#   lab_veth_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC
#       lab_plant inside the target namespace (same table, same counter:
#       lab_syn_count works on it).
#   lab_udp_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC
#       OPEN_SPEC lines are "ADDRESS PORT KIND" (KIND dns|ntp|snmp|echo, see
#       tests/lab/udp_responders.py, started in the target namespace);
#       FILTERED pairs are dropped by nft, REJECT pairs get ICMP
#       administratively prohibited (table `inet eplabudp`).  Every other UDP
#       port is closed: the kernel answers ICMP port unreachable (subject to
#       lab_icmp_ratelimit).  A counter counts incoming UDP (lab_udp_count).
#   lab_udp_truth PORT_LO PORT_HI OPEN_SPEC FILTERED_SPEC REJECT_SPEC HOST...
#       "ADDRESS PORT STATE" for every HOST x PORT, sorted (LC_ALL=C):
#       open (a responder), open|filtered (dropped: silence), filtered
#       (admin-prohibited), closed (port unreachable).
#   lab_udp_count
#       UDP datagrams that reached the target's input hook so far.
#   lab_veth_down
#       Stops the responders and listeners, deletes the veth pair, ends the
#       target namespace and calls lab_down.  Idempotent; call it from the
#       script's EXIT trap.
#
# Environment: PYTHON (default python3) runs the UDP responders.

LAB_IF=eplab0
LAB_PEER_IF=eplab1
LAB_SRC4=198.18.0.1
LAB_SRC6=2001:2::1
LAB_V4_HOSTS=
LAB_V6_HOSTS=
LAB_SCANNER_MAC=
LAB_TARGET_MAC=
LAB_UDP_PID=
LAB_UDP_NFT_LOADED=0
LAB_ICMP_DEFAULTS=

# Interface names of a namespace (lab_in PID), one per line, without @peer.
lab_ifnames() {
	lab_in "$1" ip -o link show | awk -F': ' 'NF > 1 { sub(/@.*/, "", $2); print $2 }'
}

# lab_mac PID IF: the Ethernet address of IF in PID's namespace (empty: here).
lab_mac() {
	lab_in "$1" ip -o link show "$2" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "link/ether") { print $(i + 1); exit } }'
}

lab_veth_assert() {
	local ns where bad here_ns init_ns
	[ -n "$LAB_TARGET_PID" ] || { lab_err "no veth lab (call lab_veth_up)"; return 1; }
	here_ns=$(readlink /proc/self/ns/net)
	init_ns=$(readlink /proc/1/ns/net 2>/dev/null)
	if [ -z "$here_ns" ] || [ "$here_ns" = "$init_ns" ]; then
		lab_err "refusing to run: the scanner side is PID 1's network namespace; run inside 'unshare -n'"
		return 1
	fi
	if [ "$(readlink "/proc/$LAB_TARGET_PID/ns/net" 2>/dev/null)" = "$here_ns" ]; then
		lab_err "target namespace holder $LAB_TARGET_PID is not in its own namespace"
		return 1
	fi
	for ns in "" "$LAB_TARGET_PID"; do
		where=${ns:+target}
		where=${where:-scanner}
		bad=$(lab_ifnames "$ns" | grep -vx -e lo -e "$LAB_IF" -e "$LAB_PEER_IF")
		if [ -n "$bad" ]; then
			lab_err "refusing to run: $where namespace has other interfaces: $(echo $bad)"
			return 1
		fi
		if [ -n "$(lab_in "$ns" ip route show default)" ] || [ -n "$(lab_in "$ns" ip -6 route show default)" ]; then
			lab_err "refusing to run: $where namespace has a default route"
			return 1
		fi
		if lab_in "$ns" ip route get 192.0.2.1 >/dev/null 2>&1 ||
			lab_in "$ns" ip -6 route get 2001:db8::1 >/dev/null 2>&1; then
			lab_err "refusing to run: $where namespace routes outside the lab"
			return 1
		fi
	done
	return 0
}

lab_veth_exec() {
	[ -n "$LAB_TARGET_PID" ] || { lab_err "no veth lab (call lab_veth_up)"; return 1; }
	lab_in "$LAB_TARGET_PID" "$@"
}

lab_veth_up() {
	local nhosts=${1:-0} nv6=${2:-0} i a here_ns t sysctls
	case $nhosts$nv6 in *[!0-9]*) lab_err "usage: lab_veth_up NHOSTS [NV6]"; return 1 ;; esac
	if [ "$nhosts" -gt 240 ] || [ "$nv6" -gt 240 ]; then
		lab_err "lab_veth_up: at most 240 hosts per family"
		return 1
	fi
	lab_assert_isolated || return 1
	[ -z "$LAB_TARGET_PID" ] || { lab_err "veth lab already up"; return 1; }
	if [ -z "${LAB_DIR:-}" ]; then
		LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/eplab.XXXXXX") || return 1
		LAB_DIR_OWNED=1
	fi
	mkdir -p "$LAB_DIR" || return 1
	ip link set lo up || { lab_err "ip link set lo up failed"; return 1; }

	# The target namespace: a holder that lives as long as this shell.
	unshare -n -- /bin/sh -c "trap 'exit 0' TERM; while kill -0 $$ 2>/dev/null; do sleep 1; done" \
		</dev/null >/dev/null 2>&1 &
	LAB_TARGET_PID=$!
	here_ns=$(readlink /proc/self/ns/net)
	i=0
	while :; do
		t=$(readlink "/proc/$LAB_TARGET_PID/ns/net" 2>/dev/null) ||
			{ lab_err "target namespace holder died"; LAB_TARGET_PID=; return 1; }
		[ "$t" != "$here_ns" ] && break
		i=$((i + 1))
		[ "$i" -lt 200 ] || { lab_err "target namespace not created after 10 s"; return 1; }
		sleep 0.05
	done
	lab_veth_exec ip link set lo up || return 1
	# No DAD, router solicitations or autoconf: addresses usable at once, no
	# stray IPv6 control traffic on the link.
	sysctls="net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
		net.ipv6.conf.default.router_solicitations=0"
	sysctl -qw $sysctls >/dev/null 2>&1
	lab_veth_exec sysctl -qw $sysctls >/dev/null 2>&1
	LAB_ICMP_DEFAULTS=$(lab_veth_exec sysctl -e net.ipv4.icmp_ratelimit net.ipv4.icmp_ratemask \
		net.ipv4.icmp_msgs_per_sec net.ipv4.icmp_msgs_burst net.ipv6.icmp.ratelimit \
		net.ipv6.icmp.ratemask 2>/dev/null | sed 's/ = /=/')

	ip link add "$LAB_IF" type veth peer name "$LAB_PEER_IF" netns "$LAB_TARGET_PID" ||
		{ lab_err "cannot create veth pair"; return 1; }
	ip addr add "$LAB_SRC4/24" dev "$LAB_IF" || return 1
	ip -6 addr add "$LAB_SRC6/64" dev "$LAB_IF" nodad || { lab_err "cannot add $LAB_SRC6 (IPv6 disabled?)"; return 1; }
	LAB_V4_HOSTS=
	LAB_V6_HOSTS=
	i=1
	while [ "$i" -le "$nhosts" ]; do
		a=198.18.0.$((9 + i))
		lab_veth_exec ip addr add "$a/24" dev "$LAB_PEER_IF" || return 1
		LAB_V4_HOSTS="$LAB_V4_HOSTS${LAB_V4_HOSTS:+ }$a"
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$nv6" ]; do
		a=2001:2::$(printf '%x' $((9 + i)))
		lab_veth_exec ip -6 addr add "$a/64" dev "$LAB_PEER_IF" nodad || return 1
		LAB_V6_HOSTS="$LAB_V6_HOSTS${LAB_V6_HOSTS:+ }$a"
		i=$((i + 1))
	done
	ip link set "$LAB_IF" up || return 1
	lab_veth_exec ip link set "$LAB_PEER_IF" up || return 1
	# (not /sys/class/net: sysfs still shows the namespace it was mounted in)
	LAB_SCANNER_MAC=$(lab_mac "" "$LAB_IF")
	LAB_TARGET_MAC=$(lab_mac "$LAB_TARGET_PID" "$LAB_PEER_IF")
	if [ -z "$LAB_SCANNER_MAC" ] || [ -z "$LAB_TARGET_MAC" ]; then
		lab_err "cannot read the veth MAC addresses"
		return 1
	fi
	lab_veth_assert
}

lab_icmp_ratelimit() {
	lab_veth_assert || return 1
	case ${1:-} in
	off)
		lab_veth_exec sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_ratemask=0 \
			net.ipv4.icmp_msgs_per_sec=100000000 net.ipv4.icmp_msgs_burst=100000000 \
			net.ipv6.icmp.ratelimit=0 >/dev/null || return 1
		# ratemask 0 = only ICMPv6 type 0 (reserved) would be limited
		lab_veth_exec sysctl -qw net.ipv6.icmp.ratemask=0 >/dev/null 2>&1
		return 0
		;;
	on)
		[ -n "$LAB_ICMP_DEFAULTS" ] || { lab_err "ICMP defaults unknown"; return 1; }
		# shellcheck disable=SC2086 # one word per setting
		lab_veth_exec sysctl -qw $LAB_ICMP_DEFAULTS >/dev/null
		;;
	*)
		lab_err "usage: lab_icmp_ratelimit on|off"
		return 1
		;;
	esac
}

lab_veth_plant() {
	if [ "$#" -ne 3 ]; then
		lab_err "usage: lab_veth_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC"
		return 1
	fi
	lab_veth_assert || return 1
	lab_plant_in "$LAB_TARGET_PID" "$@"
}

lab_udp_plant() {
	if [ "$#" -ne 3 ]; then
		lab_err "usage: lab_udp_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC"
		return 1
	fi
	local open=$1 filt=$2 rej=$3 f fam set e i
	lab_veth_assert || return 1
	for f in "$open" "$filt" "$rej"; do
		[ -r "$f" ] || { lab_err "cannot read $f"; return 1; }
	done
	lab_veth_exec nft delete table inet eplabudp 2>/dev/null
	{
		echo "table inet eplabudp {"
		echo "  counter udp_in { }"
		for set in f r; do
			case $set in f) f=$filt ;; r) f=$rej ;; esac
			for fam in 4 6; do
				echo "  set u$set$fam {"
				echo "    type ipv${fam}_addr . inet_service"
				e=$(lab_nft_elems "$fam" "$f")
				[ -n "$e" ] && echo "    elements = { $e }"
				echo "  }"
			done
		done
		echo "  chain input {"
		echo "    type filter hook input priority filter - 10; policy accept;"
		echo "    meta l4proto udp counter name \"udp_in\""
		echo "    ip daddr . udp dport @uf4 drop"
		echo "    ip6 daddr . udp dport @uf6 drop"
		echo "    ip daddr . udp dport @ur4 reject with icmpx admin-prohibited"
		echo "    ip6 daddr . udp dport @ur6 reject with icmpx admin-prohibited"
		echo "  }"
		echo "}"
	} > "$LAB_DIR/eplabudp.nft"
	if ! lab_veth_exec nft -f "$LAB_DIR/eplabudp.nft"; then
		lab_err "nft -f $LAB_DIR/eplabudp.nft failed"
		return 1
	fi
	LAB_UDP_NFT_LOADED=1
	awk '{ sub(/#.*/, "") } NF >= 3 { print $1, $2 + 0, $3 }' "$open" > "$LAB_DIR/udp.spec"
	rm -f "$LAB_DIR/udp.ready"
	nsenter -t "$LAB_TARGET_PID" -n -- "${PYTHON:-python3}" "$LAB_SRCDIR/udp_responders.py" \
		-r "$LAB_DIR/udp.ready" "$LAB_DIR/udp.spec" > "$LAB_DIR/udp.log" 2>&1 &
	LAB_UDP_PID=$!
	i=0
	while [ ! -e "$LAB_DIR/udp.ready" ]; do
		if ! kill -0 "$LAB_UDP_PID" 2>/dev/null; then
			wait "$LAB_UDP_PID" 2>/dev/null
			LAB_UDP_PID=
			lab_err "udp_responders failed: $(cat "$LAB_DIR/udp.log")"
			return 1
		fi
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			lab_err "udp_responders not ready after 10 s"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

lab_udp_truth() {
	if [ "$#" -lt 6 ]; then
		lab_err "usage: lab_udp_truth PORT_LO PORT_HI OPEN_SPEC FILTERED_SPEC REJECT_SPEC HOST..."
		return 1
	fi
	local lo=$1 hi=$2 open=$3 filt=$4 rej=$5
	shift 5
	{
		lab_spec_pairs "$open" | sed 's/$/ open/'
		lab_spec_pairs "$filt" | sed 's/$/ open|filtered/'
		lab_spec_pairs "$rej" | sed 's/$/ filtered/'
	} | awk -v lo="$lo" -v hi="$hi" -v hosts="$*" '
		{ st[$1 " " $2] = $3 }
		END {
			nh = split(hosts, H, " ")
			for (i = 1; i <= nh; i++)
				for (p = lo; p <= hi; p++) {
					k = H[i] " " p
					print k, ((k in st) ? st[k] : "closed")
				}
		}' | LC_ALL=C sort
}

lab_udp_count() {
	lab_veth_exec nft list counter inet eplabudp udp_in 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); found = 1; exit } }
		     END { if (!found) print -1 }'
}

lab_veth_down() {
	if [ -n "$LAB_UDP_PID" ]; then
		kill -TERM "$LAB_UDP_PID" 2>/dev/null
		wait "$LAB_UDP_PID" 2>/dev/null
		LAB_UDP_PID=
	fi
	if [ -n "$LAB_TARGET_PID" ]; then
		lab_down
		LAB_NFT_PID=
		ip link del "$LAB_IF" 2>/dev/null
		kill -TERM "$LAB_TARGET_PID" 2>/dev/null
		wait "$LAB_TARGET_PID" 2>/dev/null
		LAB_TARGET_PID=
		LAB_UDP_NFT_LOADED=0
	fi
	lab_down
}
