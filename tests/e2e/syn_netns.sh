#!/bin/bash
# tests/e2e/syn_netns.sh - ecsprobe --mode syn end to end, across a veth pair
# into a second network namespace with planted ground truth (and once on the
# loopback lab).  TAP output.
#
# Checks: the result set equals the truth exactly at a low and a high rate
# (IPv4 and IPv6; reasons syn-ack / rst / no-response; capture dropped 0 at
# the low rate) and with --retries 0 (every reply matched on the first try);
# --shard I/2 and I/3 with the same --seed are disjoint and their union is
# the full scan; while probing, every thread of the scan process runs as
# nobody (or --user) with empty capability sets; the loopback lab (lo link
# type) gives the truth too.  Every scan runs on one send path, EP_SEND_PATH
# (packet, the default here: AF_PACKET frames; raw: raw IP sockets, run by
# tests/e2e/syn_netns_raw.sh), and the script checks that path was the one
# used (SYNs through the IP output hook: none on packet, all on raw), that
# both paths put SYNs of the same meaning on the wire (t5), and that a
# policy-routed target makes --send-path packet refuse and auto fall back.
#
# Environment:
#   EP_SEND_PATH    packet (default) or raw
#   ECSPROBE        ecsprobe binary (default: $abs_top_builddir/ecsprobe, then
#                   paths relative to this script)
#   EP_LISTEN       ep_listen binary (built from tests/lab/ep_listen.c with
#                   ${CC:-cc} if not given)
#   CI=true         never skip: missing root/unshare is a failure
#   LAB_SEED        seed of the pseudo-random lab (default 20240611)
#   E2E_KEEP=1      keep the work directory (path printed as a TAP comment)
#
# SAFETY: everything below the re-exec runs inside a fresh `unshare -n`
# namespace; the only other namespace is the lab's target namespace, joined
# to it by one veth pair and nothing else (lab_veth_assert: no default route,
# no other interface, 192.0.2.1 unroutable) - checked before every scan.
# Make sure we run under bash even when started as "sh script" (make uses $(SHELL)).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
E2E_NAME=syn
. "$(dirname "$(readlink -f "$0")")/../lab/e2e_netns.sh" || exit 1
SEND_PATH=${EP_SEND_PATH:-packet}
COMMON="--mode syn --send-path $SEND_PATH --timeout 500 --retries 1 --seed 7 --no-progress -q"
echo "# send path: $SEND_PATH"
# SYNs that went through the kernel's IP output path (raw sockets do; frames
# on an AF_PACKET socket do not): an nft counter on the output hook.
out_syns() {
	nft list counter inet epsendpath syns 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}
nft -f - <<'NFT' || bail "cannot load the output counter"
table inet epsendpath {
	counter syns { }
	chain out {
		type filter hook output priority 0; policy accept;
		tcp flags & (syn | ack) == syn counter name syns
	}
}
NFT

# scan NAME ARGS... : ecsprobe scan; stdout/stderr/status in $W/NAME.*
scan() {
	local name=$1
	shift
	timeout -k 10 240 "$ECSPROBE" scan "$@" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
	echo $? > "$W/$name.rc"
}
expect_rc() {
	local got
	got=$(cat "$W/$2.rc")
	if [ "$got" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "exit status $got, expected $3; stderr:" | diag
		head -n 20 "$W/$2.stderr" | diag
	fi
}
results() {
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$1" 2>/dev/null | LC_ALL=C sort
}
summary() { tail -n 1 "$1" 2>/dev/null | jq -c 'select(.type == "summary")' 2>/dev/null; }
summary_is() {
	local s
	s=$(summary "$1")
	if [ -n "$s" ] && printf '%s\n' "$s" | jq -e "$2" > /dev/null 2>&1; then
		return 0
	fi
	echo "summary: ${s:-<none>}" | diag
	echo "wanted: $2" | diag
	return 1
}
# reasons_ok NDJSON: open <=> syn-ack, closed <=> rst, filtered <=> no-response
reasons_ok() {
	local bad
	bad=$(jq -r 'select(.type == "result")
		| select((.state == "open" and .reason != "syn-ack") or (.state == "closed" and .reason != "rst")
		         or (.state == "filtered" and .reason != "no-response") or .proto != "tcp")
		| "\(.address) \(.port) \(.state) \(.reason) \(.proto)"' "$1" 2>&1 | head -n 10)
	[ -z "$bad" ] && return 0
	printf 'results with the wrong reason:\n%s\n' "$bad" | diag
	return 1
}
isolated() {
	lab_veth_assert 2>&1 | diag
	[ "${PIPESTATUS[0]}" = 0 ]
}

echo "# ecsprobe: $ECSPROBE"

# ================================================================ loopback lab
# lo first: lab_up wants a namespace holding nothing but lo.
LO_HOSTS="127.0.1.1 127.0.1.2 fd00:ec5::1"
LP=$LAB_DIR/lo
mkdir -p "$LP"
printf '127.0.1.1 80\nfd00:ec5::1 22\n' > "$LP/open.spec"
printf '127.0.1.2 443\n' > "$LP/filtered.spec"
printf '127.0.1.1 1005\n' > "$LP/rejected.spec"
if lab_up 1 2> "$W/lab.err" && lab_pick "$SEED" 1 2000 8 6 4 "$LP" $LO_HOSTS 2>> "$W/lab.err" &&
	lab_plant "$LP/open.spec" "$LP/filtered.spec" "$LP/rejected.spec" 2>> "$W/lab.err"; then
	lab_truth 1 2000 "$LP/open.spec" "$LP/filtered.spec" "$LP/rejected.spec" $LO_HOSTS > "$W/lo.truth"
	printf '%s\n' $LO_HOSTS > "$W/lo.targets"
	scan lo --targets "$W/lo.targets" -p 1-2000 --rate 20000 $COMMON -o "ndjson:$W/lo.ndjson"
	expect_rc "lo: --mode syn on the loopback lab exits 0" lo 0
	results "$W/lo.ndjson" > "$W/lo.got"
	same_file "lo: --mode syn results equal the truth on lo (v4+v6, 6000 probes)" "$W/lo.truth" "$W/lo.got"
	check "lo: reasons syn-ack / rst / no-response" reasons_ok "$W/lo.ndjson"
else
	diag < "$W/lab.err"
	not_ok "lo: loopback lab setup"
fi
lab_down

# ================================================================ veth lab
V4N=6
V6N=2
PLO=1
PHI=4000
lab_veth_up "$V4N" "$V6N" 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_veth_up failed"; }
HOSTS="$LAB_V4_HOSTS $LAB_V6_HOSTS"
NHOSTS=$((V4N + V6N))
NPROBES=$((NHOSTS * (PHI - PLO + 1)))
P=$LAB_DIR/plan
mkdir -p "$P"
set -- $LAB_V4_HOSTS
H1=$1 H2=$2 H3=$3
set -- $LAB_V6_HOSTS
G1=$1 G2=$2
# boundary ports and a few fixed pairs, then pseudo-random ones
printf '%s\n' "$H1 1" "$H1 80" "$H2 $PHI" "$G1 22" "$G2 1" > "$P/open.spec"
printf '%s\n' "$H1 443" "$H3 1" "$G1 443" "$G2 $PHI" > "$P/filtered.spec"
printf '%s\n' "$H2 25" "$G1 80" > "$P/rejected.spec"
lab_pick "$SEED" "$PLO" "$PHI" 25 20 12 "$P" $HOSTS 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_pick failed"; }
lab_veth_plant "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" 2> "$W/lab.err" ||
	{ diag < "$W/lab.err"; bail "lab_veth_plant failed"; }
lab_truth "$PLO" "$PHI" "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" $HOSTS > "$W/truth"
[ "$(wc -l < "$W/truth")" = "$NPROBES" ] || bail "truth has $(wc -l < "$W/truth") lines, expected $NPROBES"
T_OPEN=$(awk '$3 == "open"' "$W/truth" | wc -l)
T_FILT=$(awk '$3 == "filtered"' "$W/truth" | wc -l)
T_CLOSED=$(awk '$3 == "closed"' "$W/truth" | wc -l)
printf '%s\n' $HOSTS > "$W/targets"
echo "# veth lab: $HOSTS x ports $PLO-$PHI = $NPROBES probes; open=$T_OPEN filtered=$T_FILT closed=$T_CLOSED; seed $SEED"

# ---------------------------------------------------------------- t0: lab
check "t0 lab isolated: only lo + veth on each side, no default route" isolated
probe() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; echo $?; }
o=$(probe "$H1" 80); o6=$(probe "$G1" 22); c=$(probe "$H3" 80); r=$(probe "$H2" 25); f=$(probe "$G1" 443)
if [ "$o" = 0 ] && [ "$o6" = 0 ] && [ "$c" = 1 ] && [ "$r" = 1 ] && [ "$f" = 124 ]; then
	ok "t0 lab: open/closed/rejected/filtered behave as planted across the veth (v4 and v6)"
else
	not_ok "t0 lab: open/closed/rejected/filtered behave as planted across the veth"
	echo "connect status open=$o open6=$o6 closed=$c rejected=$r filtered6=$f (want 0 0 1 1 124)" | diag
fi

# ---------------------------------------------------------------- t1: low rate
isolated || bail "lab not isolated"
syn0=$(lab_syn_count)
ip neigh flush dev "$LAB_IF" 2>/dev/null # the packet path must resolve next hops itself
out0=$(out_syns)
scan t1 --targets "$W/targets" -p "$PLO-$PHI" --rate 2000 $COMMON -o "ndjson:$W/t1.ndjson"
t1_syn=$(( $(lab_syn_count) - syn0 ))
t1_out=$(( $(out_syns) - out0 ))
expect_rc "t1 --mode syn --rate 2000: exit status 0" t1 0
results "$W/t1.ndjson" > "$W/t1.got"
same_file "t1 results equal the ground truth ($NPROBES probes, v4+v6)" "$W/truth" "$W/t1.got"
check "t1 reasons: open=syn-ack, closed=rst, filtered=no-response" reasons_ok "$W/t1.ndjson"
check "t1 summary: complete, counts equal the truth, capture dropped 0" summary_is "$W/t1.ndjson" \
	".complete == true and .counts.open == $T_OPEN and .counts.closed == $T_CLOSED and .counts.filtered == $T_FILT
	 and .capture.dropped == 0 and .capture.if_dropped == 0"
if [ "$t1_syn" -ge "$NPROBES" ] && [ "$t1_syn" -le $((NPROBES + T_FILT)) ]; then
	ok "t1 the target saw $t1_syn SYNs (probes + at most one retry per filtered port)"
else
	not_ok "t1 the target saw $t1_syn SYNs, want $NPROBES..$((NPROBES + T_FILT))"
fi
if [ "$SEND_PATH" = packet ] && [ "$t1_out" = 0 ]; then
	ok "t1 send path packet: no SYN went through the IP output path (all $t1_syn were frames)"
elif [ "$SEND_PATH" = raw ] && [ "$t1_out" = "$t1_syn" ]; then
	ok "t1 send path raw: every SYN ($t1_out) went through the IP output path"
else
	not_ok "t1 send path $SEND_PATH: $t1_out of $t1_syn SYNs went through the IP output path"
fi

# ---------------------------------------------------------------- t1b: no retries
# Nothing is lost on the veth, so every probe must be answered (or, if
# filtered, time out) on its first and only attempt.
isolated || bail "lab not isolated"
scan t1b --targets "$W/targets" -p "$PLO-$PHI" --rate 5000 --mode syn --send-path "$SEND_PATH" --timeout 500 --retries 0 --seed 7 \
	--no-progress -q -o "ndjson:$W/t1b.ndjson"
expect_rc "t1b --mode syn --retries 0: exit status 0" t1b 0
results "$W/t1b.ndjson" > "$W/t1b.got"
same_file "t1b --retries 0: results equal the ground truth (each reply matched on the first attempt)" \
	"$W/truth" "$W/t1b.got"

# ---------------------------------------------------------------- t2: high rate
isolated || bail "lab not isolated"
scan t2 --targets "$W/targets" -p "$PLO-$PHI" --rate 100000 --interface "$LAB_IF" $COMMON -o "ndjson:$W/t2.ndjson"
expect_rc "t2 --mode syn --rate 100000 --interface $LAB_IF: exit status 0" t2 0
results "$W/t2.ndjson" > "$W/t2.got"
same_file "t2 results equal the ground truth at 100000 probes/s" "$W/truth" "$W/t2.got"
check "t2 reasons: open=syn-ack, closed=rst, filtered=no-response" reasons_ok "$W/t2.ndjson"
# Capture drops are allowed here (a sanitizer build may not keep up): the
# retries must make up for them, and the results above must still be exact.
check "t2 summary: complete, capture received > 0" summary_is "$W/t2.ndjson" \
	".complete == true and .capture.received > 0"
summary "$W/t2.ndjson" | jq -c '{capture, invalid_replies, probes_sent, duration_s}' 2>/dev/null | sed 's/^/t2 /' | diag

# ---------------------------------------------------------------- t3: shards
for n in 2 3; do
	isolated || bail "lab not isolated"
	: > "$W/sh$n.all"
	shard_rc=0
	for i in $(seq 1 "$n"); do
		scan "sh$n-$i" --targets "$W/targets" -p "$PLO-$PHI" --rate 50000 --shard "$i/$n" $COMMON \
			-o "ndjson:$W/sh$n-$i.ndjson"
		[ "$(cat "$W/sh$n-$i.rc")" = 0 ] || { shard_rc=1; head -n 5 "$W/sh$n-$i.stderr" | diag; }
		results "$W/sh$n-$i.ndjson" > "$W/sh$n-$i.got"
		[ -s "$W/sh$n-$i.got" ] || shard_rc=1
		cat "$W/sh$n-$i.got" >> "$W/sh$n.all"
	done
	if [ "$shard_rc" = 0 ]; then ok "t3 $n shards: each exits 0 with results"
	else not_ok "t3 $n shards: each exits 0 with results"; fi
	dups=$(cut -d' ' -f1,2 "$W/sh$n.all" | LC_ALL=C sort | uniq -d | wc -l)
	if [ "$dups" = 0 ]; then ok "t3 $n shards are disjoint"
	else not_ok "t3 $n shards are disjoint ($dups address/port pairs in more than one)"; fi
	LC_ALL=C sort -u "$W/sh$n.all" > "$W/sh$n.union"
	same_file "t3 the union of $n shards equals the full scan (= the truth)" "$W/truth" "$W/sh$n.union"
done

# ---------------------------------------------------------------- t5: same SYNs
# The same small scan on each path, its SYNs captured at the target: the
# header fields must mean the same (lengths, DF, TTL, options, checksums).
frames_of() { # frames_of PATH -> $W/t5-PATH.shape
	isolated || bail "lab not isolated"
	lab_veth_exec python3 "$here/syn_frames.py" "$LAB_PEER_IF" 4 > "$W/t5-$1.shape" 2> "$W/t5-$1.err" &
	local cap=$!
	sleep 1
	scan "t5-$1" "$H1" "$H2" "$G1" -p 1-200 --send-path "$1" --mode syn --timeout 300 --retries 0 \
		--no-progress -q -o "ndjson:$W/t5-$1.ndjson"
	wait "$cap"
}
frames_of raw
frames_of packet
if [ -s "$W/t5-raw.shape" ] && cmp -s "$W/t5-raw.shape" "$W/t5-packet.shape" &&
	grep -q "^v4 .*ipsum=ok .*tcpsum=ok" "$W/t5-raw.shape" && grep -q "^v6 .*tcpsum=ok" "$W/t5-raw.shape" &&
	! grep -q BAD "$W/t5-raw.shape" && grep -q "ids vary: True" "$W/t5-raw.shape" &&
	grep -q "labels set: True" "$W/t5-raw.shape"; then
	ok "t5 SYNs of both send paths mean the same on the wire (v4+v6 headers, options, checksums, IDs, flow labels)"
else
	not_ok "t5 SYNs of both send paths mean the same on the wire"
	diff "$W/t5-raw.shape" "$W/t5-packet.shape" 2>&1 | head -n 20 | diag
	cat "$W/t5-raw.err" "$W/t5-packet.err" 2>/dev/null | head -n 5 | diag
fi

# ---------------------------------------------------------------- t6: policy routing
# A host routed by a rule to another table: packet refuses, auto falls back.
isolated || bail "lab not isolated"
ip route add "$H3/32" dev "$LAB_IF" table 100 && ip rule add to "$H3/32" table 100 pref 100 ||
	bail "cannot add the policy route"
scan t6p "$H3" "$H1" -p 1-300 --send-path packet --mode syn --timeout 300 --retries 1 --no-progress -q \
	-o "ndjson:$W/t6p.ndjson"
if [ "$(cat "$W/t6p.rc")" = 2 ] && grep -q "policy" "$W/t6p.stderr"; then
	ok "t6 --send-path packet refuses a policy-routed target (exit 2, says why)"
else
	not_ok "t6 --send-path packet refuses a policy-routed target (exit $(cat "$W/t6p.rc"))"
	head -n 5 "$W/t6p.stderr" | diag
fi
out0=$(out_syns)
scan t6a "$H3" "$H1" -p 1-300 --send-path auto --mode syn --timeout 300 --retries 1 --no-progress -q \
	-o "ndjson:$W/t6a.ndjson"
t6_out=$(( $(out_syns) - out0 ))
results "$W/t6a.ndjson" > "$W/t6a.got"
awk -v a="$H1" -v b="$H3" '($1 == a || $1 == b) && $2 <= 300' "$W/truth" | LC_ALL=C sort > "$W/t6a.truth"
if [ "$(cat "$W/t6a.rc")" = 0 ] && cmp -s "$W/t6a.truth" "$W/t6a.got" && [ "$t6_out" -ge 600 ]; then
	ok "t6 --send-path auto falls back to raw sockets with a policy route ($t6_out SYNs through IP output), exact"
else
	not_ok "t6 --send-path auto with a policy route: exit $(cat "$W/t6a.rc"), $t6_out SYNs through IP output"
	diff "$W/t6a.truth" "$W/t6a.got" | head -n 5 | diag
fi
ip rule del to "$H3/32" table 100 pref 100
ip route flush table 100

# ---------------------------------------------------------------- t4: privileges
# threads_field PID FIELD -> that /proc status field of every thread, one line each
threads_field() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "$t/status" 2>/dev/null
	done
}
# priv_check NAME WANT_UID ARGS...: a slow scan in the background; once its
# Uid changes, every thread must have Uid WANT_UID (all four ids) and empty
# CapEff/CapPrm/CapInh/CapAmb.
priv_check() {
	local name=$1 want=$2 i uid caps st seen=0
	shift 2
	isolated || bail "lab not isolated"
	"$ECSPROBE" scan "$@" -o "ndjson:$W/$name.ndjson" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null &
	scan_pid=$!
	for i in $(seq 1 100); do
		kill -0 "$scan_pid" 2>/dev/null || break
		uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$scan_pid/status" 2>/dev/null)
		if [ -n "$uid" ] && [ "$uid" != 0 ]; then
			seen=1
			break
		fi
		sleep 0.1
	done
	sleep 0.5 # let the probing threads run for a while
	uid=$(threads_field "$scan_pid" Uid | sort -u | tr '\n' ';')
	caps=$(for f in CapEff CapPrm CapInh CapAmb; do threads_field "$scan_pid" "$f" | sed "s/^/$f=/"; done | sort -u | tr '\n' ' ')
	syn=$(lab_syn_count)
	kill -INT "$scan_pid" 2>/dev/null
	wait "$scan_pid"
	st=$?
	scan_pid=
	if [ "$seen" = 1 ] && [ "$uid" = "$want $want $want $want;" ]; then
		ok "t4 $name: while probing, every thread runs as uid $want (real, effective, saved, fs)"
	else
		not_ok "t4 $name: while probing, every thread runs as uid $want"
		echo "threads' Uid lines: ${uid:-<process gone>}; exit status $st" | diag
		head -n 5 "$W/$name.stderr" | diag
	fi
	if [ "$seen" = 1 ] && [ "$caps" = "CapAmb=0000000000000000 CapEff=0000000000000000 CapInh=0000000000000000 CapPrm=0000000000000000 " ]; then
		ok "t4 $name: no capabilities left (CapEff, CapPrm, CapInh, CapAmb all 0)"
	else
		not_ok "t4 $name: no capabilities left"
		echo "capabilities: ${caps:-<process gone>}" | diag
	fi
	results "$W/$name.ndjson" > "$W/$name.got"
	comm -23 "$W/$name.got" "$W/truth" > "$W/$name.wrong"
	if [ "$st" = 4 ] && [ -s "$W/$name.got" ] && [ ! -s "$W/$name.wrong" ]; then
		ok "t4 $name: still probing after the drop; interrupted (exit 4) with $(wc -l < "$W/$name.got") correct results"
	else
		not_ok "t4 $name: results after the drop (exit $st, $(wc -l < "$W/$name.got") results, $(wc -l < "$W/$name.wrong") wrong)"
		head -n 5 "$W/$name.wrong" | diag
	fi
}
nobody=$(id -u nobody 2>/dev/null) || bail "no user nobody"
priv_check t4a "$nobody" --targets "$W/targets" -p "$PLO-$PHI" --rate 300 $COMMON
daemon_uid=$(id -u daemon 2>/dev/null)
if [ -n "$daemon_uid" ]; then
	priv_check t4b "$daemon_uid" --targets "$W/targets" -p "$PLO-$PHI" --rate 300 --user daemon $COMMON
fi

# ---------------------------------------------------------------- done
echo "1..$tap_n"
echo "# $((tap_n - tap_fail)) passed, $tap_fail failed"
[ "$tap_fail" = 0 ]
