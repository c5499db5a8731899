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
# Environment
#   EP_LISTEN   path to the ep_listen binary; if unset/not executable,
#               lab_plant compiles tests/lab/ep_listen.c with ${CC:-cc}.
#   LAB_DIR     working directory (optional).

LAB_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
LAB_LISTEN_PID=
LAB_DIR_OWNED=0
LAB_NFT_LOADED=0

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

lab_plant() {
	if [ "$#" -ne 3 ]; then
		lab_err "usage: lab_plant OPEN_SPEC FILTERED_SPEC REJECT_SPEC"
		return 1
	fi
	local open=$1 filt=$2 rej=$3 f fam set e i
	lab_assert_isolated || return 1
	for f in "$open" "$filt" "$rej"; do
		[ -r "$f" ] || { lab_err "cannot read $f"; return 1; }
	done
	[ -n "${LAB_DIR:-}" ] || { lab_err "call lab_up first"; return 1; }
	lab_find_listener || return 1

	# --- firewall --------------------------------------------------------
	nft delete table inet eplab 2>/dev/null
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
	if ! nft -f "$LAB_DIR/eplab.nft"; then
		lab_err "nft -f $LAB_DIR/eplab.nft failed"
		return 1
	fi
	LAB_NFT_LOADED=1

	# --- listeners -------------------------------------------------------
	lab_spec_pairs "$open" > "$LAB_DIR/listen.spec"
	rm -f "$LAB_DIR/listen.ready"
	"$EP_LISTEN" -r "$LAB_DIR/listen.ready" "$LAB_DIR/listen.spec" \
		> "$LAB_DIR/listen.log" 2>&1 &
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
	nft list counter inet eplab syn_in 2>/dev/null |
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
		nft delete table inet eplab 2>/dev/null
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
