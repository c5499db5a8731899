#!/bin/bash
# tests/e2e/scan_netns.sh - end-to-end test of ecsprobe against a lab built
# in a throw-away network namespace (unshare -n).  TAP output.
#
# Environment:
#   ECSPROBE        ecsprobe binary (default: $abs_top_builddir/ecsprobe,
#                   then $abs_top_builddir/src/ecsprobe, then paths relative
#                   to this script)
#   EP_LISTEN       ep_listen binary (built from tests/lab/ep_listen.c with
#                   ${CC:-cc} if not given)
#   CI=true         never skip: missing root/unshare is a failure
#   LAB_SEED        seed of the pseudo-random lab (default 20240607)
#   E2E_KEEP=1      keep the work directory (path printed as a TAP comment)
#
# SAFETY: everything below the re-exec runs inside a fresh `unshare -n`
# namespace that has only `lo`; every scan aims at 127.0.1.x / fd00:ec5::x
# addresses on that lo.
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
# check DESC CMD... : ok when CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}
# same_file DESC EXPECTED GOT : ok when identical, else diff as comments
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
for t in jq nft ip awk timeout; do
	command -v "$t" >/dev/null 2>&1 || bail "$t is not installed"
done

find_ecsprobe() {
	local c
	if [ -n "${ECSPROBE:-}" ]; then
		echo "$ECSPROBE"
		return
	fi
	for c in ${abs_top_builddir:+"$abs_top_builddir/ecsprobe" "$abs_top_builddir/src/ecsprobe"} \
		"$here/../../ecsprobe" "$here/../../src/ecsprobe"; do
		if [ -x "$c" ]; then
			echo "$c"
			return
		fi
	done
	echo "${abs_top_builddir:-$here/../..}/ecsprobe"
}
ECSPROBE=$(find_ecsprobe)
[ -x "$ECSPROBE" ] || bail "ecsprobe binary not found or not executable: $ECSPROBE (set ECSPROBE)"
if [ -z "${EP_LISTEN:-}" ] && [ -n "${abs_top_builddir:-}" ] && [ -x "$abs_top_builddir/tests/lab/ep_listen" ]; then
	EP_LISTEN=$abs_top_builddir/tests/lab/ep_listen
fi

# ---------------------------------------------------------------- lab
. "$here/../lab/lab.sh" || bail "cannot source $here/../lab/lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-e2e.XXXXXX") || bail "mktemp failed"
LAB_DIR=$W/lab
cleanup() {
	lab_down
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "# work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SEED=${LAB_SEED:-20240607}
PLO=1
PHI=2000
V4="127.0.1.1 127.0.1.2 127.0.1.3"
V6="fd00:ec5::1 fd00:ec5::2 fd00:ec5::3"
HOSTS="$V4 $V6"
NPROBES=12000

echo "# ecsprobe: $ECSPROBE"
echo "# lab seed: $SEED, hosts: $HOSTS, ports $PLO-$PHI"

lab_up 3 2> "$W/lab.err" || { diag < "$W/lab.err"; bail "lab_up failed"; }
mkdir -p "$LAB_DIR/plan"
P=$LAB_DIR/plan
# Fixed pairs: boundary ports, and the per-line port list of test 4.
cat > "$P/open.spec" <<'SPEC'
127.0.1.1 80
127.0.1.3 1
fd00:ec5::1 2000
fd00:ec5::1 22
fd00:ec5::3 1
SPEC
cat > "$P/filtered.spec" <<'SPEC'
127.0.1.1 443
fd00:ec5::2 443
fd00:ec5::3 1999
SPEC
cat > "$P/rejected.spec" <<'SPEC'
127.0.1.1 1005
fd00:ec5::3 80
SPEC
lab_pick "$SEED" "$PLO" "$PHI" 15 17 8 "$P" $HOSTS 2> "$W/lab.err" ||
	{ diag < "$W/lab.err"; bail "lab_pick failed"; }
lab_plant "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" 2> "$W/lab.err" ||
	{ diag < "$W/lab.err"; bail "lab_plant failed"; }
lab_truth "$PLO" "$PHI" "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" $HOSTS > "$W/truth" ||
	bail "lab_truth failed"
[ "$(wc -l < "$W/truth")" = "$NPROBES" ] || bail "truth has $(wc -l < "$W/truth") lines, expected $NPROBES"
T_OPEN=$(awk '$3 == "open"' "$W/truth" | wc -l)
T_FILT=$(awk '$3 == "filtered"' "$W/truth" | wc -l)
T_CLOSED=$(awk '$3 == "closed"' "$W/truth" | wc -l)
echo "# truth: open=$T_OPEN filtered=$T_FILT closed=$T_CLOSED (of which $(lab_spec_pairs "$P/rejected.spec" | wc -l) rejected by nft)"

# Targets file used by most tests.
{
	echo "# e2e lab hosts (comment line)"
	for h in $HOSTS; do echo "$h"; done
} > "$W/targets"

# ---------------------------------------------------------------- helpers
# scan NAME ARGS... : runs ecsprobe scan, stdout/stderr/status in $W/NAME.*
scan() {
	local name=$1
	shift
	timeout -k 10 180 "$ECSPROBE" scan "$@" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
	echo $? > "$W/$name.rc"
}
rc_of() { cat "$W/$1.rc"; }
# expect_rc DESC NAME WANT
expect_rc() {
	local got
	got=$(rc_of "$2")
	if [ "$got" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "exit status $got, expected $3; stderr:" | diag
		head -n 20 "$W/$2.stderr" | diag
	fi
}
# results NDJSON > "addr port state" sorted
results() {
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$1" 2>/dev/null | LC_ALL=C sort
}
# every line is a JSON object with a string "type"
all_lines_json() {
	local bad
	[ -s "$1" ] || { echo "$1 is empty or missing" | diag; return 1; }
	bad=$(jq -R -r 'try (fromjson | if type == "object" and (.type | type) == "string" then empty else "not an object with a type" end) catch "invalid JSON"' "$1" | wc -l)
	[ "$bad" = 0 ] || { echo "$bad bad line(s) in $1" | diag; return 1; }
}
first_is_only_header() {
	[ -s "$1" ] || return 1
	[ "$(head -n 1 "$1" | jq -r .type 2>/dev/null)" = header ] &&
	[ "$(grep -c '"type" *: *"header"' "$1")" = 1 ] &&
	[ "$(jq -r 'select(.type == "header") | .type' "$1" 2>/dev/null | wc -l)" = 1 ]
}
last_is_only_summary() {
	[ -s "$1" ] || return 1
	[ "$(tail -n 1 "$1" | jq -r .type 2>/dev/null)" = summary ] &&
	[ "$(jq -r 'select(.type == "summary") | .type' "$1" 2>/dev/null | wc -l)" = 1 ]
}
summary() { tail -n 1 "$1" 2>/dev/null | jq -c 'select(.type == "summary")' 2>/dev/null; }
# summary_is FILE JQ-BOOLEAN-EXPR
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
syn_before=0
syn_mark() { syn_before=$(lab_syn_count); }
syn_sent() { echo $(( $(lab_syn_count) - syn_before )); }

COMMON="--timeout 800 --retries 1 --seed 7 --no-progress"

# ---------------------------------------------------------------- test 0: lab
# bash /dev/tcp connects: open succeeds, closed/rejected fail fast,
# filtered hangs (timeout).
probe() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; echo $?; }
o=$(probe 127.0.1.1 80); c=$(probe 127.0.1.2 80); r=$(probe 127.0.1.1 1005)
o6=$(probe fd00:ec5::1 22); f6=$(probe fd00:ec5::2 443)
if [ "$o" = 0 ] && [ "$o6" = 0 ] && [ "$c" = 1 ] && [ "$r" = 1 ] && [ "$f6" = 124 ]; then
	ok "lab: open/closed/rejected/filtered behave as planted (v4 and v6)"
else
	not_ok "lab: open/closed/rejected/filtered behave as planted (v4 and v6)"
	echo "connect status open=$o open6=$o6 closed=$c rejected=$r filtered6=$f6 (want 0 0 1 1 124)" | diag
fi
if command -v nmap > /dev/null 2>&1; then
	nmap -sT -n -Pn -T4 -p "$PLO-$PHI" -oX "$W/nmap4.xml" $V4 > /dev/null 2>&1
	nmap -6 -sT -n -Pn -T4 -p "$PLO-$PHI" -oX "$W/nmap6.xml" $V6 > /dev/null 2>&1
	lab_nmap_states "$W/nmap4.xml" "$W/nmap6.xml" | LC_ALL=C sort > "$W/nmap.states"
	same_file "lab: nmap -sT sees exactly the ground truth" "$W/truth" "$W/nmap.states"
else
	skip "lab: nmap -sT sees exactly the ground truth" "nmap not installed"
fi

# ---------------------------------------------------------------- test 1
syn_mark
scan t1 --targets "$W/targets" -p "$PLO-$PHI" --rate 20000 $COMMON -o "ndjson:$W/t1.ndjson"
t1_syn=$(syn_sent)
expect_rc "t1 scan (rate 20000): exit status 0" t1 0
check "t1 every output line is a JSON object with a type" all_lines_json "$W/t1.ndjson"
check "t1 exactly one header, on the first line" first_is_only_header "$W/t1.ndjson"
check "t1 exactly one summary, on the last line" last_is_only_summary "$W/t1.ndjson"
results "$W/t1.ndjson" > "$W/t1.got"
same_file "t1 results equal the ground truth ($NPROBES probes, v4+v6)" "$W/truth" "$W/t1.got"
check "t1 summary counts equal truth (open=$T_OPEN filtered=$T_FILT closed=$T_CLOSED)" \
	summary_is "$W/t1.ndjson" ".counts.open == $T_OPEN and .counts.filtered == $T_FILT and .counts.closed == $T_CLOSED"
check "t1 summary: probes_total=$NPROBES, complete, not interrupted, seed 7" \
	summary_is "$W/t1.ndjson" ".probes_total == $NPROBES and .complete == true and .interrupted == false and .seed == 7"
t1_sid=$(summary "$W/t1.ndjson" | jq -c '.scan_id' 2>/dev/null)
t1_bad=$(jq -r --argjson sid "${t1_sid:-null}" '
	select(.type == "result")
	| select(.proto != "tcp" or .scan_id != $sid or (.attempts | type) != "number" or .attempts < 1
	         or (.state | IN("open", "closed", "filtered") | not) or (.reason | type) != "string"
	         or (has("rtt_ms") | not) or (has("ts") | not))
	| "\(.address) \(.port)"' "$W/t1.ndjson" 2>&1 | head -n 5)
if [ -z "$t1_bad" ]; then
	ok "t1 result records carry scan_id (= summary's), ts, proto tcp, reason, rtt_ms, attempts>=1"
else
	not_ok "t1 result records carry scan_id (= summary's), ts, proto tcp, reason, rtt_ms, attempts>=1"
	printf 'offending results:\n%s\n' "$t1_bad" | diag
fi
if [ "$t1_syn" -ge "$NPROBES" ]; then
	ok "t1 at least $NPROBES SYNs reached the lab (saw $t1_syn)"
else
	not_ok "t1 at least $NPROBES SYNs reached the lab (saw $t1_syn)"
fi

# ---------------------------------------------------------------- test 2
scan t2 --targets "$W/targets" -p "$PLO-$PHI" --rate 200000 --max-inflight 4000 $COMMON -o "ndjson:$W/t2.ndjson"
expect_rc "t2 scan (rate 200000, 4000 in flight): exit status 0" t2 0
results "$W/t2.ndjson" > "$W/t2.got"
same_file "t2 results equal the ground truth at high rate" "$W/truth" "$W/t2.got"
check "t2 summary complete, counts match" \
	summary_is "$W/t2.ndjson" ".complete == true and .counts.open == $T_OPEN and .counts.filtered == $T_FILT and .counts.closed == $T_CLOSED"

# ---------------------------------------------------------------- test 3
scan t3 --targets "$W/targets" -p "$PLO-$PHI" --rate 20000 --exclude 127.0.1.2 --exclude fd00:ec5::3 \
	$COMMON -o "ndjson:$W/t3.ndjson"
expect_rc "t3 scan with --exclude: exit status 0" t3 0
results "$W/t3.ndjson" > "$W/t3.got"
n_ex=$(awk '$1 == "127.0.1.2" || $1 == "fd00:ec5::3"' "$W/t3.got" | wc -l)
if [ "$n_ex" = 0 ]; then ok "t3 no result for excluded 127.0.1.2 / fd00:ec5::3"
else not_ok "t3 no result for excluded 127.0.1.2 / fd00:ec5::3 ($n_ex found)"; fi
awk '$1 != "127.0.1.2" && $1 != "fd00:ec5::3"' "$W/truth" > "$W/t3.want"
same_file "t3 results for the other 4 hosts equal the ground truth" "$W/t3.want" "$W/t3.got"
check "t3 summary probes_total is 8000" summary_is "$W/t3.ndjson" ".probes_total == 8000"

# ---------------------------------------------------------------- test 4
# 4a: targets as command-line arguments
scan t4a 127.0.1.3 fd00:ec5::1 -p "$PLO-$PHI" --mode connect --rate 20000 $COMMON -o "ndjson:$W/t4a.ndjson"
expect_rc "t4a targets on the command line (connect mode): exit status 0" t4a 0
results "$W/t4a.ndjson" > "$W/t4a.got"
awk '$1 == "127.0.1.3" || $1 == "fd00:ec5::1"' "$W/truth" > "$W/t4a.want"
same_file "t4a results equal the truth for 127.0.1.3 and fd00:ec5::1" "$W/t4a.want" "$W/t4a.got"
# 4b: per-line port lists in the targets file override -p for that line
cat > "$W/targets4" <<'TGT'
# per-line port lists
127.0.1.1 22,80,443,1000-1010
fd00:ec5::3 1-5,80,1999-2000
fd00:ec5::2
TGT
scan t4b --targets "$W/targets4" -p "$PLO-$PHI" --rate 20000 $COMMON -o "ndjson:$W/t4b.ndjson"
expect_rc "t4b targets file with per-line ports: exit status 0" t4b 0
results "$W/t4b.ndjson" > "$W/t4b.got"
awk '($1 == "127.0.1.1" && ($2 == 22 || $2 == 80 || $2 == 443 || ($2 >= 1000 && $2 <= 1010))) ||
     ($1 == "fd00:ec5::3" && ($2 <= 5 || $2 == 80 || $2 >= 1999)) ||
     $1 == "fd00:ec5::2"' "$W/truth" > "$W/t4b.want"
same_file "t4b per-line ports restrict 127.0.1.1 and fd00:ec5::3; fd00:ec5::2 gets -p" "$W/t4b.want" "$W/t4b.got"
check "t4b summary probes_total is $(wc -l < "$W/t4b.want")" \
	summary_is "$W/t4b.ndjson" ".probes_total == $(wc -l < "$W/t4b.want")"

# ---------------------------------------------------------------- test 5
syn_mark
scan t5 --targets "$W/targets" -p "$PLO-$PHI" --dry-run --seed 7 --no-progress -o "ndjson:$W/t5.ndjson"
t5_syn=$(syn_sent)
expect_rc "t5 --dry-run: exit status 0" t5 0
if grep -Eq '(^|[^0-9])'"$NPROBES"'([^0-9]|$)' "$W/t5.stdout"; then
	ok "t5 --dry-run prints the probe count $NPROBES on stdout"
else
	not_ok "t5 --dry-run prints the probe count $NPROBES on stdout"
	head -n 20 "$W/t5.stdout" | diag
fi
n5=$(cat "$W/t5.stdout" "$W/t5.ndjson" 2>/dev/null | grep -c '"type" *: *"result"')
if [ "$n5" = 0 ] && [ "$t5_syn" = 0 ]; then
	ok "t5 --dry-run sends nothing (0 SYNs seen, 0 result lines)"
else
	not_ok "t5 --dry-run sends nothing (saw $t5_syn SYNs, $n5 result lines)"
fi

# ---------------------------------------------------------------- test 6
# SIGINT after 1 s of a scan that would take ~24 s (12000 probes at 500/s).
timeout --preserve-status -s INT -k 20 1 \
	"$ECSPROBE" scan --targets "$W/targets" -p "$PLO-$PHI" --rate 500 $COMMON -o "ndjson:$W/t6.ndjson" \
	> "$W/t6.stdout" 2> "$W/t6.stderr" < /dev/null
echo $? > "$W/t6.rc"
expect_rc "t6 SIGINT mid-scan: exit status 4" t6 4
check "t6 every output line is a JSON object with a type" all_lines_json "$W/t6.ndjson"
check "t6 exactly one header, on the first line" first_is_only_header "$W/t6.ndjson"
check "t6 last line is a summary with interrupted=true, complete=false" \
	summary_is "$W/t6.ndjson" ".interrupted == true and .complete == false"
results "$W/t6.ndjson" > "$W/t6.got"
n6=$(wc -l < "$W/t6.got")
comm -23 "$W/t6.got" "$W/truth" > "$W/t6.wrong"
if [ "$n6" -gt 0 ] && [ "$n6" -lt "$NPROBES" ] && [ ! -s "$W/t6.wrong" ]; then
	ok "t6 partial results ($n6 of $NPROBES) all agree with the truth"
else
	not_ok "t6 partial results ($n6 of $NPROBES) all agree with the truth"
	echo "results not in the truth (first 20):" | diag
	head -n 20 "$W/t6.wrong" | diag
fi

# 6b: --resume continues the interrupted scan: only the rest is probed, and
# the new output holds every target exactly once, equal to the truth
scan t6b --targets "$W/targets" -p "$PLO-$PHI" --rate 20000 $COMMON --resume "$W/t6.ndjson" \
	-o "ndjson:$W/t6b.ndjson"
expect_rc "t6b --resume after SIGINT: exit status 0" t6b 0
results "$W/t6b.ndjson" > "$W/t6b.got"
same_file "t6b resumed results equal the ground truth (each target once)" "$W/truth" "$W/t6b.got"
t6b_sent=$(tail -n 1 "$W/t6b.ndjson" | jq '.probes_sent')
if [ "$t6b_sent" -lt $((NPROBES - n6 + NPROBES / 10)) ]; then
	ok "t6b resumed scan sent $t6b_sent probes for the $((NPROBES - n6)) targets left"
else
	not_ok "t6b resumed scan sent $t6b_sent probes for the $((NPROBES - n6)) targets left"
fi
scan t6c --targets "$W/targets" -p "$PLO-$((PHI - 1))" $COMMON --resume "$W/t6.ndjson" \
	-o "ndjson:$W/t6c.ndjson"
expect_rc "t6c --resume with another scope: exit status 2" t6c 2

# ---------------------------------------------------------------- test 7
# stderr_one_line NAME REGEX : exactly one line on stderr, matching REGEX
stderr_one_line() {
	local n
	n=$(wc -l < "$W/$1.stderr")
	if [ "$n" = 1 ] && grep -Eq "$2" "$W/$1.stderr"; then
		return 0
	fi
	echo "stderr ($n lines), wanted one line matching /$2/:" | diag
	head -n 10 "$W/$1.stderr" | diag
	return 1
}
syn_mark
scan t7a --targets "$W/targets" --ports 70000 $COMMON -o "ndjson:$W/t7a.ndjson"
expect_rc "t7a --ports 70000: exit status 2" t7a 2
check "t7a --ports 70000: one error line on stderr mentioning 70000" stderr_one_line t7a '70000'

printf '127.0.1.1\n# comment\n127.0.1.999\n127.0.1.2\n' > "$W/targets-bad.txt"
scan t7b --targets "$W/targets-bad.txt" -p "$PLO-$PHI" $COMMON -o "ndjson:$W/t7b.ndjson"
expect_rc "t7b broken address in targets file: exit status 2" t7b 2
check "t7b one stderr line 'FILE:3:COL: message'" stderr_one_line t7b 'targets-bad\.txt:3:[0-9]+: *[^ ]'

printf '127.0.1.1 22,80\n127.0.1.2 22,99999\n' > "$W/targets-badport.txt"
scan t7c --targets "$W/targets-badport.txt" -p "$PLO-$PHI" $COMMON -o "ndjson:$W/t7c.ndjson"
expect_rc "t7c bad per-line port in targets file: exit status 2" t7c 2
check "t7c one stderr line 'FILE:2:COL: message'" stderr_one_line t7c 'targets-badport\.txt:2:[0-9]+: *[^ ]'

scan t7d --targets "$W/no-such-file.txt" -p "$PLO-$PHI" $COMMON -o "ndjson:$W/t7d.ndjson"
expect_rc "t7d missing targets file: exit status 2" t7d 2
t7_syn=$(syn_sent)
if [ "$t7_syn" = 0 ]; then ok "t7 input errors send nothing (0 SYNs)"
else not_ok "t7 input errors send nothing (saw $t7_syn SYNs)"; fi

# ---------------------------------------------------------------- test 8
# Self-connect: a probe to a local port in the ephemeral range can be joined
# by the kernel to its own socket (TCP simultaneous open).  Nothing listens on
# 127.0.0.1 / ::1 in this namespace, so every port must come back closed.
scan t8 127.0.0.1 ::1 -p 32768-60999 --mode connect --rate 1000000 --timeout 800 --retries 1 --no-progress \
	-o "ndjson:$W/t8.ndjson"
expect_rc "t8 scan of the local ephemeral range: exit status 0" t8 0
t8_open=$(grep -c '"state":"open"' "$W/t8.ndjson")
t8_closed=$(grep -c '"state":"closed"' "$W/t8.ndjson")
if [ "$t8_open" = 0 ] && [ "$t8_closed" = 56464 ]; then
	ok "t8 no false open from self-connects (56464 closed, $(grep -c self-connect "$W/t8.ndjson") self-connects caught)"
else
	not_ok "t8 self-connects: $t8_open open, $t8_closed closed (want 0 and 56464)"
fi

# ---------------------------------------------------------------- done
echo "1..$tap_n"
echo "# $((tap_n - tap_fail)) passed, $tap_fail failed"
[ "$tap_fail" = 0 ]
