#!/bin/bash
# tests/e2e/udp_netns.sh - ecsprobe UDP probing end to end, across a veth
# pair into a second network namespace where real-protocol responders answer
# (tests/lab/udp_responders.py: DNS, NTP, SNMP, echo).  TAP output.
#
# Checks, with the target's ICMP rate limit off: the result set equals the
# ground truth exactly (responder = open / udp-response naming its probe,
# nothing listening = closed / port-unreach, nft drop = open|filtered /
# no-response, nft admin-prohibited = filtered) at a low and a high rate, on
# IPv4 and IPv6; one scan of T: and U: ports keeps the protocols apart.  With
# the Linux default rate limit: every open port is still found and a closed
# or ICMP-rejected port is at worst open|filtered (its ICMP error was rate
# limited), never anything else.  nmap -sU (when
# installed) confirms the lab itself.
#
# Environment: ECSPROBE, CI=true, LAB_SEED, E2E_KEEP=1 as in scan_netns.sh;
# PYTHON (default python3) runs the responders; ECSPROBE_PROBES_DIR (default:
# the source tree's probes/).
#
# SAFETY: everything below the re-exec runs inside a fresh `unshare -n`
# namespace whose only link is the lab's veth pair to the target namespace
# (lab_veth_assert before every scan: no default route, no other interface).
# Make sure we run under bash even when started as "sh script" (make uses $(SHELL)).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")

# ---------------------------------------------------------------- namespace
if [ -z "${EP_E2E_IN_NETNS:-}" ]; then
	why=
	if [ "$(id -u)" != 0 ]; then
		why="needs root for network namespaces"
	elif ! unshare -n true 2>/dev/null; then
		why="unshare -n failed (no network namespace support)"
	fi
	if [ -n "$why" ]; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"
			echo "not ok 1 - e2e setup: $why"
			echo "Bail out! $why (CI must not skip this test)"
			exit 1
		fi
		echo "1..0 # SKIP $why"
		exit 0
	fi
	export EP_E2E_IN_NETNS=1
	exec unshare -n -- /bin/bash "$me" "$@"
	echo "Bail out! cannot exec unshare -n"
	exit 1
fi

# ---------------------------------------------------------------- TAP helpers
tap_n=0
tap_fail=0
ok()     { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $*"; }
skip()   { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag()   { sed -e 's/^/# /'; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}
same_file() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "expected $(wc -l < "$2") lines, got $(wc -l < "$3"); diff expected got (first 40 lines):" | diag
		diff "$2" "$3" | head -n 40 | diag
	fi
}

# ---------------------------------------------------------------- tools
for t in jq nft ip awk timeout nsenter unshare "${PYTHON:-python3}"; do
	command -v "$t" >/dev/null 2>&1 || bail "$t is not installed"
done
if [ -z "${ECSPROBE:-}" ]; then
	for c in ${abs_top_builddir:+"$abs_top_builddir/ecsprobe"} "$here/../../ecsprobe"; do
		[ -x "$c" ] && { ECSPROBE=$c; break; }
	done
fi
ECSPROBE=${ECSPROBE:-$here/../../ecsprobe}
[ -x "$ECSPROBE" ] || bail "ecsprobe binary not found or not executable: $ECSPROBE (set ECSPROBE)"
PROBES_DIR=${ECSPROBE_PROBES_DIR:-${top_srcdir:-$here/../..}/probes}
[ -r "$PROBES_DIR/dns.probe" ] || bail "no probe files in $PROBES_DIR (set ECSPROBE_PROBES_DIR)"

. "$here/../lab/lab.sh" || bail "cannot source $here/../lab/lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-udp.XXXXXX") || bail "mktemp failed"
LAB_DIR=$W/lab
mkdir -p "$LAB_DIR"
cleanup() {
	lab_veth_down
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "# work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SEED=${LAB_SEED:-20240612}
PLO=1
PHI=300
COMMON="--timeout 500 --retries 1 --seed 7 --no-progress -q --probes-dir $PROBES_DIR"

scan() {
	local name=$1
	shift
	timeout -k 10 180 "$ECSPROBE" scan "$@" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
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
# results NDJSON [PROTO] > "addr port state" sorted
results() {
	jq -r --arg p "${2:-udp}" 'select(.type == "result" and .proto == $p) | "\(.address) \(.port) \(.state)"' \
		"$1" 2>/dev/null | LC_ALL=C sort
}
summary_is() {
	local s
	s=$(tail -n 1 "$1" 2>/dev/null | jq -c 'select(.type == "summary")' 2>/dev/null)
	if [ -n "$s" ] && printf '%s\n' "$s" | jq -e "$2" > /dev/null 2>&1; then
		return 0
	fi
	echo "summary: ${s:-<none>}" | diag
	echo "wanted: $2" | diag
	return 1
}
# reasons_ok NDJSON: the reason that goes with each state, a probe name on
# every open result (the protocol's own probe on 53/123/161)
reasons_ok() {
	local bad
	bad=$(jq -r 'select(.type == "result" and .proto == "udp")
		| select((.state == "open" and (.reason != "udp-response" or (.probe | type) != "string"
		                                or (.port == 53 and (.probe | startswith("dns") | not))
		                                or (.port == 123 and (.probe | startswith("ntp") | not))
		                                or (.port == 161 and (.probe | startswith("snmp") | not))
		                                or .probe == ""))
		         or (.state == "closed" and .reason != "port-unreach")
		         or (.state == "open|filtered" and .reason != "no-response")
		         or (.state == "filtered" and .reason != "admin-prohibited"))
		| "\(.address) \(.port) \(.state) \(.reason) probe=\(.probe)"' "$1" 2>&1 | head -n 10)
	[ -z "$bad" ] && return 0
	printf 'results with the wrong reason or probe:\n%s\n' "$bad" | diag
	return 1
}
isolated() {
	lab_veth_assert 2>&1 | diag
	[ "${PIPESTATUS[0]}" = 0 ]
}

echo "# ecsprobe: $ECSPROBE; probes: $PROBES_DIR"

# ---------------------------------------------------------------- lab
lab_veth_up 4 2 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_veth_up failed"; }
HOSTS="$LAB_V4_HOSTS $LAB_V6_HOSTS"
set -- $LAB_V4_HOSTS
H1=$1 H2=$2 H3=$3 H4=$4
set -- $LAB_V6_HOSTS
G1=$1 G2=$2
NPROBES=$((6 * (PHI - PLO + 1)))
P=$LAB_DIR/plan
mkdir -p "$P"
cat > "$P/udp-open.spec" <<SPEC
$H1 53 dns
$H1 123 ntp
$H1 161 snmp
$H2 123 ntp
$H3 161 snmp
$H2 7 echo
$H4 $PHI echo
$G1 53 dns
$G1 161 snmp
$G2 123 ntp
$G2 $PLO echo
SPEC
printf '%s\n' "$H2 53" "$H4 123" "$G2 161" "$H1 7" > "$P/filtered.spec"
printf '%s\n' "$H3 53" "$G1 123" > "$P/rejected.spec"
# A few more echo responders, dropped and rejected ports at random, never on
# 53/123/161 (there the payload is the protocol's, not an empty datagram):
# every host's protocol ports are marked used before picking.
awk '{ print $1, $2 }' "$P/udp-open.spec" > "$P/open.spec"
for h in $HOSTS; do printf '%s\n' "$h 53" "$h 123" "$h 161"; done >> "$P/open.spec"
n0=$(wc -l < "$P/open.spec")
lab_pick "$SEED" "$PLO" "$PHI" 6 8 4 "$P" $HOSTS 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_pick failed"; }
{
	cat "$P/udp-open.spec"
	tail -n +$((n0 + 1)) "$P/open.spec" | awk '{ print $1, $2, "echo" }'
} > "$P/responders.spec"
awk '{ print $1, $2 }' "$P/responders.spec" > "$P/open.spec"
lab_udp_plant "$P/responders.spec" "$P/filtered.spec" "$P/rejected.spec" 2> "$W/lab.err" ||
	{ diag < "$W/lab.err"; bail "lab_udp_plant failed"; }
lab_icmp_ratelimit off 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "cannot turn the ICMP rate limit off"; }
lab_udp_truth "$PLO" "$PHI" "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" $HOSTS > "$W/truth"
[ "$(wc -l < "$W/truth")" = "$NPROBES" ] || bail "truth has $(wc -l < "$W/truth") lines, expected $NPROBES"
T_OPEN=$(awk '$3 == "open"' "$W/truth" | wc -l)
T_OF=$(awk '$3 == "open|filtered"' "$W/truth" | wc -l)
T_FILT=$(awk '$3 == "filtered"' "$W/truth" | wc -l)
T_CLOSED=$(awk '$3 == "closed"' "$W/truth" | wc -l)
printf '%s\n' $HOSTS > "$W/targets"
echo "# lab: $HOSTS x UDP $PLO-$PHI = $NPROBES probes; open=$T_OPEN open|filtered=$T_OF filtered=$T_FILT closed=$T_CLOSED"

# ---------------------------------------------------------------- t0: the lab
check "t0 lab isolated: only lo + veth on each side, no default route" isolated
if command -v nmap > /dev/null 2>&1; then
	nports="7,53,123,161,$PLO,$PHI"
	nmap -sU -n -Pn -T4 --max-retries 2 -p "$nports" -oX "$W/nmap4.xml" $LAB_V4_HOSTS > /dev/null 2>&1
	nmap -6 -sU -n -Pn -T4 --max-retries 2 -p "$nports" -oX "$W/nmap6.xml" $LAB_V6_HOSTS > /dev/null 2>&1
	sed 's/protocol="udp"/protocol="tcp"/; s/proto="udp"/proto="tcp"/' "$W/nmap4.xml" "$W/nmap6.xml" > "$W/nmap.xml"
	lab_nmap_states "$W/nmap.xml" | LC_ALL=C sort -u > "$W/nmap.states"
	awk -v ports=",$nports," 'index(ports, "," $2 ",")' "$W/truth" > "$W/nmap.want"
	same_file "t0 lab: nmap -sU sees the truth on ports $nports (DNS/NTP/SNMP answer)" "$W/nmap.want" "$W/nmap.states"
else
	skip "t0 lab: nmap -sU sees the truth" "nmap not installed"
fi

# ---------------------------------------------------------------- t1, t2
t=1
for rate in 2000 50000; do
	isolated || bail "lab not isolated"
	scan "t$t" --targets "$W/targets" -p "U:$PLO-$PHI" --rate "$rate" $COMMON -o "ndjson:$W/t$t.ndjson"
	expect_rc "t$t UDP scan at --rate $rate: exit status 0" "t$t" 0
	results "$W/t$t.ndjson" > "$W/t$t.got"
	same_file "t$t results equal the ground truth ($NPROBES probes, v4+v6)" "$W/truth" "$W/t$t.got"
	check "t$t reasons: udp-response (+probe name) / port-unreach / no-response / admin-prohibited" \
		reasons_ok "$W/t$t.ndjson"
	check "t$t summary: complete, counts equal the truth" summary_is "$W/t$t.ndjson" \
		".complete == true and .counts.open == $T_OPEN and .counts.closed == $T_CLOSED
		 and .counts.filtered == $T_FILT and .counts[\"open|filtered\"] == $T_OF"
	t=$((t + 1))
done

# ---------------------------------------------------------------- t3: T: and U:
isolated || bail "lab not isolated"
scan t3 --targets "$W/targets" -p "T:50-60,U:50-60" --rate 5000 $COMMON -o "ndjson:$W/t3.ndjson"
expect_rc "t3 -p T:50-60,U:50-60: exit status 0" t3 0
results "$W/t3.ndjson" udp > "$W/t3.udp"
awk '$2 >= 50 && $2 <= 60' "$W/truth" > "$W/t3.want"
same_file "t3 its UDP results equal the truth for ports 50-60" "$W/t3.want" "$W/t3.udp"
results "$W/t3.ndjson" tcp > "$W/t3.tcp"
for h in $HOSTS; do for p in $(seq 50 60); do echo "$h $p closed"; done; done | LC_ALL=C sort > "$W/t3.tcpwant"
same_file "t3 its TCP results: every port closed (nothing listens on TCP)" "$W/t3.tcpwant" "$W/t3.tcp"

# ---------------------------------------------------------------- t4: default ICMP rate limit
lab_icmp_ratelimit on 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "cannot restore the ICMP rate limit"; }
isolated || bail "lab not isolated"
scan t4 --targets "$W/targets" -p "U:$PLO-$PHI" --rate 5000 $COMMON -o "ndjson:$W/t4.ndjson"
expect_rc "t4 UDP scan with the default ICMP rate limit: exit status 0" t4 0
results "$W/t4.ndjson" > "$W/t4.got"
awk '$3 == "open"' "$W/truth" > "$W/t4.open-want"
awk '$3 == "open"' "$W/t4.got" > "$W/t4.open-got"
same_file "t4 every open port found, nothing else open" "$W/t4.open-want" "$W/t4.open-got"
bad=$(join -j1 <(awk '{ print $1 "/" $2, $3 }' "$W/truth" | LC_ALL=C sort) \
	<(awk '{ print $1 "/" $2, $3 }' "$W/t4.got" | LC_ALL=C sort) |
	awk '$2 != $3 && !(($2 == "closed" || $2 == "filtered") && $3 == "open|filtered")' | head -n 10)
t4_closed=$(awk '$3 == "closed"' "$W/t4.got" | wc -l)
if [ "$(wc -l < "$W/t4.got")" = "$NPROBES" ] && [ -z "$bad" ]; then
	ok "t4 other states agree with the truth; $t4_closed of $T_CLOSED closed ports got through the rate limit"
else
	not_ok "t4 states under the rate limit ($(wc -l < "$W/t4.got") results; closed/filtered may only become open|filtered)"
	printf '%s\n' "$bad" | diag
fi

# ---------------------------------------------------------------- done
echo "1..$tap_n"
echo "# $((tap_n - tap_fail)) passed, $tap_fail failed"
[ "$tap_fail" = 0 ]
