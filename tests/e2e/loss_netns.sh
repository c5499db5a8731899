#!/bin/bash
# tests/e2e/loss_netns.sh - exact results across a lossy path: the veth lab of
# tests/lab/lab.sh with random loss applied by nftables on the target side
# (`numgen random mod 100 < N drop` on the prerouting and output hooks: this
# kernel has no netem) at 1%, 2% and 5% each way, in --mode syn and --mode
# connect.  TAP output.
#
# Lab: 3 answering hosts x TCP ports 1-3000 with open ports (ep_listen),
# filtered ones (a real nft drop), rejected ones (RST from nft) and closed
# ones, plus a 4th host behind a filter that drops everything.
#
# Checks, for every loss level and mode (default retries: loss-driven):
# every result equals the ground truth (every open port found, closed and
# filtered exact); the summary's measured loss is near the loss applied
# (1 - (1 - N/100)^2 per round trip); the dead host got exactly the floor of
# one retry (2 SYNs a port: a real filter does not multiply the cost);
# probes sent per port stay bounded.  Then: --retries 1 is fixed (every
# silent port exactly 2 attempts); the progress line and the text summary
# show the measured loss.
#
# Environment: as tests/e2e/syn_netns.sh (ECSPROBE, EP_LISTEN, CI, LAB_SEED,
# E2E_KEEP); LOSS_LEVELS (default "1 2 5").
#
# SAFETY: everything below the re-exec runs inside a fresh `unshare -n`
# namespace; the only other namespace is the lab's target namespace, joined
# to it by one veth pair and nothing else (lab_veth_assert: no default route,
# no other interface, 192.0.2.1 unroutable) - checked before every scan.
# Make sure we run under bash even when started as "sh script" (make uses $(SHELL)).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
E2E_NAME=loss
. "$(dirname "$(readlink -f "$0")")/../lab/e2e_netns.sh" || exit 1

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

PLO=1
PHI=3000
NPORTS=$((PHI - PLO + 1))
lab_veth_up 4 0 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_veth_up failed"; }
set -- $LAB_V4_HOSTS
H1=$1 H2=$2 H3=$3 DEAD=$4
LIVE="$H1 $H2 $H3"
P=$LAB_DIR/plan
mkdir -p "$P"
printf '%s\n' "$H1 1" "$H1 80" "$H2 $PHI" > "$P/open.spec"
printf '%s\n' "$H1 443" "$H3 1" > "$P/filtered.spec"
printf '%s\n' "$H2 25" > "$P/rejected.spec"
lab_pick "$SEED" "$PLO" "$PHI" 24 15 6 "$P" $LIVE 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_pick failed"; }
lab_veth_plant "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" 2> "$W/lab.err" ||
	{ diag < "$W/lab.err"; bail "lab_veth_plant failed"; }
{
	lab_truth "$PLO" "$PHI" "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" $LIVE
	seq "$PLO" "$PHI" | sed "s/^/$DEAD /; s/\$/ filtered/"
} | LC_ALL=C sort > "$W/truth"
NPROBES=$((4 * NPORTS))
[ "$(wc -l < "$W/truth")" = "$NPROBES" ] || bail "truth has $(wc -l < "$W/truth") lines, expected $NPROBES"
T_OPEN=$(awk '$3 == "open"' "$W/truth" | wc -l)
T_FILT=$(awk '$3 == "filtered"' "$W/truth" | wc -l)
printf '%s\n' $LAB_V4_HOSTS > "$W/targets"
echo "# lab: $LAB_V4_HOSTS x ports $PLO-$PHI = $NPROBES probes; open=$T_OPEN filtered=$T_FILT (the whole of $DEAD included); seed $SEED"

# set_loss N [PPS]: N% of the packets entering and leaving the target
# namespace are dropped at random; every SYN to the dead host is counted,
# then dropped; with PPS, SYNs beyond PPS per second are dropped too.
set_loss() {
	local limit=
	[ -n "${2:-}" ] && limit="tcp flags & (fin | syn | rst | ack) == syn limit rate over $2/second burst 300 packets drop"
	lab_veth_exec nft delete table inet eploss 2>/dev/null
	lab_veth_exec nft -f - <<NFT
table inet eploss {
	counter dead_syn { }
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip daddr $DEAD tcp flags & (fin | syn | rst | ack) == syn counter name dead_syn
		ip daddr $DEAD drop
		numgen random mod 100 < $1 drop
		$limit
	}
	chain out {
		type filter hook output priority raw; policy accept;
		numgen random mod 100 < $1 drop
	}
}
NFT
}
dead_syns() {
	lab_veth_exec nft list counter inet eploss dead_syn 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}
# loss_near NDJSON N: the summary's loss.rate is within half (and 0.5 points)
# of the round-trip loss applied
loss_near() {
	local want
	want=$(awk -v n="$2" 'BEGIN { printf "%.6f", 1 - (1 - n / 100) ^ 2 }')
	summary_is "$1" ".loss.rate > $want * 0.5 - 0.005 and .loss.rate < $want * 1.5 + 0.005
		and .loss.tries > 0 and (.loss.networks | length) == 1"
}

check "t0 lab isolated: only lo + veth on each side, no default route" isolated

for n in ${LOSS_LEVELS:-1 2 5}; do
	set_loss "$n" || bail "cannot load the loss table"
	for mode in syn connect; do
		name=$mode-$n
		isolated || bail "lab not isolated"
		before=$(dead_syns)
		scan "$name" --targets "$W/targets" -p "$PLO-$PHI" --mode "$mode" --rate 20000 --timeout 500 \
			--seed "$n" --no-progress -q -o "ndjson:$W/$name.ndjson"
		dead=$(( $(dead_syns) - before ))
		expect_rc "$name: $mode at $n% loss each way: exit status 0" "$name" 0
		results "$W/$name.ndjson" > "$W/$name.got"
		same_file "$name: results equal the truth ($NPROBES probes: every open port, closed/filtered exact)" \
			"$W/truth" "$W/$name.got"
		check "$name: summary counts equal the truth (open $T_OPEN, filtered $T_FILT)" summary_is "$W/$name.ndjson" \
			".complete == true and .counts.open == $T_OPEN and .counts.filtered == $T_FILT"
		check "$name: measured loss near the $n% applied each way" loss_near "$W/$name.ndjson" "$n"
		if [ "$dead" = $((2 * NPORTS)) ]; then
			ok "$name: the host that drops everything got the floor only ($dead SYNs = 2 x $NPORTS)"
		else
			not_ok "$name: the host that drops everything got $dead SYNs, want $((2 * NPORTS))"
		fi
		check "$name: probes sent per port below 1.5" summary_is "$W/$name.ndjson" \
			".probes_sent < $NPROBES * 1.5"
		check "$name: random loss does not slow the scan down" summary_is "$W/$name.ndjson" \
			".loss.slowdowns == 0"
		summary "$W/$name.ndjson" | jq -c '{probes_sent, duration_s, loss}' 2>/dev/null | sed "s/^/$name /" | diag
	done
done

# ---------------------------------------------------------------- pace on loss
# A middlebox that drops SYNs beyond 2000/s (and no random loss): loss that
# rises with the rate.  The scan must say so, slow down, and stay exact.
set_loss 0 2000 || bail "cannot load the loss table with the rate limit"
isolated || bail "lab not isolated"
scan paced --targets "$W/targets" -p "$PLO-$PHI" --mode syn --rate 12000 --threads 1 --timeout 500 --seed 5 \
	--no-progress -o "ndjson:$W/paced.ndjson"
expect_rc "paced: SYNs limited to 2000/s on the path, --rate 12000: exit status 0" paced 0
results "$W/paced.ndjson" > "$W/paced.got"
same_file "paced: results equal the truth" "$W/truth" "$W/paced.got"
check "paced: the summary counts the slowdown" summary_is "$W/paced.ndjson" ".loss.slowdowns >= 1"
if grep -q 'loss rises with the rate' "$W/paced.stderr"; then
	ok "paced: the scan says it slows down because loss rises with the rate"
else
	not_ok "paced: the scan says it slows down because loss rises with the rate"
	head -n 5 "$W/paced.stderr" | diag
fi
summary "$W/paced.ndjson" | jq -c '{probes_sent, duration_s, loss}' 2>/dev/null | sed "s/^/paced /" | diag
grep 'engine' "$W/paced.stderr" | head -n 5 | diag

# ---------------------------------------------------------------- UDP
# Where an answer is expected (a service that answers its payload, or ICMP
# port unreachable from a closed port), loss is retried the same way: 5%
# each way, the target's ICMP rate limit off, every state exact.
PROBES_DIR=${ECSPROBE_PROBES_DIR:-${top_srcdir:-$here/../..}/probes}
[ -r "$PROBES_DIR/dns.probe" ] || bail "no probe files in $PROBES_DIR (set ECSPROBE_PROBES_DIR)"
U=$LAB_DIR/udp
mkdir -p "$U"
printf '%s\n' "$H1 53 dns" "$H2 123 ntp" "$H3 161 snmp" "$H1 7 echo" "$H2 300 echo" "$H3 399 echo" > "$U/responders.spec"
printf '%s\n' "$H1 100" "$H3 250" > "$U/filtered.spec"
printf '%s\n' "$H2 200" > "$U/rejected.spec"
lab_udp_plant "$U/responders.spec" "$U/filtered.spec" "$U/rejected.spec" 2> "$W/lab.err" ||
	{ diag < "$W/lab.err"; bail "lab_udp_plant failed"; }
lab_icmp_ratelimit off 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "cannot turn the ICMP rate limit off"; }
lab_udp_truth 1 400 "$U/responders.spec" "$U/filtered.spec" "$U/rejected.spec" $LIVE > "$W/udp.truth"
printf '%s\n' $LIVE > "$W/udp.targets"
set_loss 5 || bail "cannot load the loss table"
isolated || bail "lab not isolated"
scan udp --targets "$W/udp.targets" -p U:1-400 --rate 5000 --timeout 500 --seed 4 --no-progress -q \
	--probes-dir "$PROBES_DIR" -o "ndjson:$W/udp.ndjson"
expect_rc "udp: U:1-400 at 5% loss each way: exit status 0" udp 0
results "$W/udp.ndjson" > "$W/udp.got"
same_file "udp: results equal the truth (open, closed, filtered, open|filtered exact)" "$W/udp.truth" "$W/udp.got"
check "udp: measured loss near the 5% applied each way" loss_near "$W/udp.ndjson" 5
summary "$W/udp.ndjson" | jq -c '{probes_sent, duration_s, loss}' 2>/dev/null | sed "s/^/udp /" | diag

# ---------------------------------------------------------------- fixed retries
set_loss 5 || bail "cannot load the loss table"
isolated || bail "lab not isolated"
scan fixed --targets "$W/targets" -p "$PLO-$PHI" --mode syn --rate 20000 --timeout 500 --retries 1 \
	--seed 9 --no-progress -q -o "ndjson:$W/fixed.ndjson"
expect_rc "fixed: --retries 1 at 5% loss: exit status 0" fixed 0
most=$(jq -s '[.[] | select(.type == "result") | .attempts] | max' "$W/fixed.ndjson" 2>/dev/null)
silent=$(jq -s '[.[] | select(.type == "result" and .reason == "no-response") | .attempts] | unique' \
	"$W/fixed.ndjson" 2>/dev/null | jq -c . 2>/dev/null)
if [ "$most" = 2 ] && [ "$silent" = "[2]" ]; then
	ok "fixed: --retries 1 is fixed: every silent port had exactly 2 attempts, none more"
else
	not_ok "fixed: --retries 1: most attempts $most, silent ports' attempts $silent (want 2, [2])"
fi
check "fixed: no extra retries in the summary" summary_is "$W/fixed.ndjson" ".loss.extra_retries == 0"

# ---------------------------------------------------------------- reporting
isolated || bail "lab not isolated"
scan shown --targets "$W/targets" -p "$PLO-$PHI" --mode syn --rate 2000 --timeout 500 --seed 3 \
	--progress -o "text:$W/shown.txt"
expect_rc "shown: text output and progress line: exit status 0" shown 0
if tr '\r' '\n' < "$W/shown.stderr" | grep -Eq 'loss [0-9]+\.[0-9]+%'; then
	ok "shown: the progress line shows the measured loss"
else
	not_ok "shown: the progress line shows the measured loss"
	tr '\r' '\n' < "$W/shown.stderr" | tail -n 3 | diag
fi
if grep -Eq '^Loss: [0-9]+\.[0-9]+% of attempts to targets that answered went unanswered' "$W/shown.txt"; then
	ok "shown: the text summary shows the measured loss"
else
	not_ok "shown: the text summary shows the measured loss"
	tail -n 5 "$W/shown.txt" | diag
fi

# ---------------------------------------------------------------- done
echo "1..$tap_n"
echo "# $((tap_n - tap_fail)) passed, $tap_fail failed"
[ "$tap_fail" = 0 ]
