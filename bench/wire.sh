#!/bin/bash
# bench/wire.sh - at the wire's limit (issue 14), in one run on the veth lab
# of tests/lab/lab.sh (16 hosts x TCP 1-65535, 320 open, 320 filtered):
# the lab's ceiling (bench/afpacket_send.c, unpaced), ecsprobe --mode syn
# on both send paths (--send-path packet and raw, unpaced), the same packet
# scan with ocsf+elastic+cef+ndjson outputs (sinks cost), and masscan at
# MASSCAN_RATE; BENCH_RUNS rounds (default 5), interleaved.  Reports wall and
# send-phase probes/s, CPU s per million probes, peak RSS, reserved bytes,
# capture drops and exactness (every port's state against the truth) and
# writes bench/results/wire.md (+ wire.tsv).  With BENCH_PERF=1, one more
# packet-path scan runs under `perf record -g` and its top symbols are added.
#
# usage (root): ECSPROBE=./ecsprobe bench/wire.sh
# Environment: BENCH_RUNS (5), BENCH_SEED (1), ECS_RATE (10000000 = unpaced),
#   MASSCAN_RATE (400000), BENCH_SKIP_MASSCAN=1, BENCH_PERF=1, CC.
# SAFETY: as bench/syn.sh - a fresh `unshare -n` namespace whose only link
# is the lab's veth pair (lab_veth_assert before every measurement).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C
me=$(readlink -f "$0")
here=$(dirname "$me")
top=$(dirname "$here")
RESULTS=${BENCH_RESULTS:-$here/results/wire.md}
die() { echo "bench/wire: $*" >&2; exit 1; }
log() { echo "bench/wire: $*" >&2; }

if [ -z "${EP_BENCH_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "needs root"
	[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install -y time"
	if [ "${BENCH_SKIP_MASSCAN:-0}" != 1 ] && ! command -v masscan >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq masscan >/dev/null 2>&1 ||
			log "WARNING: cannot install masscan; it will not be measured"
	fi
	case $RESULTS in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
	export EP_BENCH_IN_NETNS=1 BENCH_RESULTS=$RESULTS
	exec unshare -n -- /bin/bash "$me" "$@"
fi

RUNS=${BENCH_RUNS:-5}
SEED=${BENCH_SEED:-1}
NOPEN=320
NFILT=320
ECS_RATE=${ECS_RATE:-10000000}
MASSCAN_RATE=${MASSCAN_RATE:-400000}
NPROBES=$((16 * 65535))
ECSPROBE=${ECSPROBE:-$top/ecsprobe}
[ -x "$ECSPROBE" ] || die "no ecsprobe binary ($ECSPROBE)"
have_masscan=0
[ "${BENCH_SKIP_MASSCAN:-0}" != 1 ] && command -v masscan >/dev/null 2>&1 && have_masscan=1

. "$top/tests/lab/lab.sh" || die "cannot source lab.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-bench-wire.XXXXXX") || die "mktemp failed"
LAB_DIR=$W/lab
mkdir -p "$LAB_DIR"
TRICKLE_PID=
cleanup() {
	[ -n "$TRICKLE_PID" ] && kill "$TRICKLE_PID" 2>/dev/null
	lab_veth_down
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$W/afpacket_send" "$here/afpacket_send.c" || die "cannot build afpacket_send"

lab_veth_up 16 0 || die "lab_veth_up failed"
HOSTS=$LAB_V4_HOSTS
set -- $HOSTS
FIRST=$1
LAST=${!#}
P=$LAB_DIR/plan
mkdir -p "$P"
lab_pick "$SEED" 1 65535 "$NOPEN" "$NFILT" 0 "$P" $HOSTS || die "lab_pick failed"
lab_veth_plant "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" || die "lab_veth_plant failed"
printf '%s\n' $HOSTS > "$W/targets"
nft -f - <<NFT || die "cannot load the reply counter"
table netdev epwire {
	counter replies { }
	chain in {
		type filter hook ingress device "$LAB_IF" priority 0; policy accept;
		ether type ip ip protocol tcp tcp dport 61000-61999 counter name replies
	}
}
NFT
reply_count() { nft list counter netdev epwire replies | awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'; }

# "ADDRESS PORT STATE" lines -> "open_found wrong" (wrong counts every port,
# missing ones included; open_only=1: only open ports are judged)
score() {
	awk -v total="$NPROBES" -v of="$P/open.spec" -v ff="$P/filtered.spec" -v oo="${1:-0}" '
	function load(file, state,    line, a) {
		while ((getline line < file) > 0) { sub(/#.*/, "", line); if (split(line, a, " ") >= 2) truth[a[1] " " (a[2] + 0)] = state }
		close(file)
	}
	BEGIN { load(of, "open"); load(ff, "filtered") }
	NF >= 3 { k = $1 " " ($2 + 0); if (k in seen) next; seen[k] = 1
		want = (k in truth) ? truth[k] : "closed"
		if ($3 == "open" && want == "open") found++
		if ($3 == "open" && want != "open") fo++
		if ($3 == want) right++ }
	END { if (oo) printf "%d %d\n", found, (320 - found) + fo; else printf "%d %d\n", found, total - right }'
}
tf() { awk -F': ' -v want="$2" 'index($0, want) { v = $NF; if (want ~ /Elapsed/) { n = split(v, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; v = s } print v; exit }' "$1"; }
ROWS=$W/rows.tsv
: > "$ROWS"
# row TOOL RUN NAME OPEN WRONG SENDS DROPS RESERVED
row() {
	local t=$W/$3.time wall cpu
	wall=$(tf "$t" "Elapsed (wall clock) time")
	cpu=$(awk -v u="$(tf "$t" "User time (seconds)")" -v s="$(tf "$t" "System time (seconds)")" 'BEGIN { printf "%.2f", u + s }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(cat "$W/$3.rc")" "${wall:-0}" "$cpu" \
		"$(tf "$t" "Maximum resident set size (kbytes)")" "$4" "$5" "$6" "$7	$8" >> "$ROWS"
}
timed() { # timed NAME CMD...
	local name=$1
	shift
	lab_veth_assert || die "lab not isolated; stopping"
	/usr/bin/time -v -o "$W/$name.time" timeout -k 5 300 "$@" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
	echo $? > "$W/$name.rc"
}
ceiling() {
	local name="raw-$1" r0 out
	r0=$(reply_count)
	timed "$name" "$W/afpacket_send" -i "$LAB_IF" -s "$LAB_SCANNER_MAC" -d "$LAB_TARGET_MAC" \
		-S "$LAB_SRC4" -P $((61000 + RANDOM % 1000)) -p 1-65535 -r 0 -b 64 $HOSTS
	sleep 1
	out=$(cat "$W/$name.stdout")
	row ceiling "$1" "$name" - "$(( NPROBES - NFILT - ($(reply_count) - r0) ))" "$(printf '%s' "$out" | sed -n 's/.*secs=\([0-9.]*\).*/\1/p')" - -
	log "ceiling run $1: $out replies $(( $(reply_count) - r0 ))"
}
ecs() { # ecs TOOLNAME RUN PATH [extra outputs...]
	local tool=$1 run=$2 path=$3 name="$1-$2" s
	shift 3
	timed "$name" "$ECSPROBE" scan --targets "$W/targets" -p 1-65535 --mode syn --send-path "$path" \
		--rate "$ECS_RATE" --timeout 500 --retries 1 --no-progress -q -o "ndjson:$W/$name.ndjson" "$@"
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/$name.ndjson" | score > "$W/$name.score"
	s=$(tail -n 1 "$W/$name.ndjson" | jq -r 'select(.type == "summary") | "\(.sending_s) \(.capture.dropped + .capture.if_dropped) \(.reserved_bytes)"')
	set -- $(cat "$W/$name.score") $s
	row "$tool" "$run" "$name" "$1" "$2" "$3" "$4" "$5"
	log "$tool run $run: exit $(cat "$W/$name.rc") score $(cat "$W/$name.score") send/drops/reserved $s wall $(tf "$W/$name.time" "Elapsed")"
	rm -f "$W/$name.ndjson" "$W"/sink-*
}
mass() {
	local name="masscan-$1"
	nsenter -t "$LAB_TARGET_PID" -n -- /bin/bash -c "while :; do echo x > /dev/udp/$LAB_SRC4/9; sleep 0.2; done" 2>/dev/null &
	TRICKLE_PID=$!
	timed "$name" masscan "$FIRST-$LAST" -p 1-65535 --rate "$MASSCAN_RATE" --adapter "$LAB_IF" \
		--adapter-ip "$LAB_SRC4" --adapter-mac "$LAB_SCANNER_MAC" --router-mac "$LAB_TARGET_MAC" --wait 2 -oL "$W/$name.list"
	kill "$TRICKLE_PID" 2>/dev/null; wait "$TRICKLE_PID" 2>/dev/null; TRICKLE_PID=
	awk '$1 == "open" { print $4, $3, "open" }' "$W/$name.list" | score 1 > "$W/$name.score"
	set -- "$1" $(cat "$W/$name.score")
	row masscan "$1" "$name" "$2" "$3" - - -
	log "masscan run $1: exit $(cat "$W/$name.rc") open/wrong-open $(cat "$W/$name.score")"
}

for run in $(seq 1 "$RUNS"); do
	log "---- round $run of $RUNS"
	ceiling "$run"
	ecs "packet" "$run" packet
	ecs "raw" "$run" raw
	ecs "packet+3sinks" "$run" packet -o "ocsf:$W/sink-ocsf.json" -o "elastic:$W/sink-elastic.json" -o "cef:$W/sink.cef"
	[ "$have_masscan" = 1 ] && mass "$run"
done
cp "$ROWS" "${RESULTS%.md}.tsv"
if [ "${BENCH_PERF:-0}" = 1 ]; then
	lab_veth_assert || die "lab not isolated"
	perf record -g -o "$W/perf.data" -- "$ECSPROBE" scan --targets "$W/targets" -p 1-65535 --mode syn \
		--send-path packet --rate "$ECS_RATE" --timeout 500 --retries 1 --no-progress -q -o "ndjson:/dev/null" \
		> "$W/perf.out" 2>&1 || log "perf record failed: $(tail -n 3 "$W/perf.out")"
	perf report -i "$W/perf.data" --no-children --sort sym --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -n 25 > "$W/perf.top"
fi

# ---------------------------------------------------------------- report
# per tool: median and min-max of probes/s (wall), send-phase probes/s,
# CPU s per million probes, max RSS, drops, exact runs
summ() {
	awk -F'\t' -v tool="$1" -v n="$NPROBES" '
	function sort(a, k,    i, j, t) { for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
	$1 == tool { k++; w[k] = ($4 > 0) ? n / $4 : 0; c[k] = $5 * 1e6 / n; if ($6 > rss) rss = $6
		if ($9 != "-" && $9 > 0) { m++; s[m] = n / $9 }
		drops = drops (drops == "" ? "" : ",") $10; if ($8 == 0) exact++; res = $11; wall[k] = $4 }
	END { if (!k) exit
		sort(w, k); sort(c, k); sort(wall, k); if (m) sort(s, m)
		printf "| %s | %d | %.0f [%.0f-%.0f] | %s | %.2f | %.1f | %.1f | %s | %s | %d/%d |\n", tool, k, w[int((k + 1) / 2)], w[1], w[k],
			(m ? sprintf("%.0f [%.0f-%.0f]", s[int((m + 1) / 2)], s[1], s[m]) : "-"), c[int((k + 1) / 2)], wall[int((k + 1) / 2)],
			rss / 1024, (res == "-" || res == "" || res == "null") ? "-" : sprintf("%.1f", res / 1048576), drops, exact, k }' "$ROWS"
}
med() { awk -F'\t' -v tool="$1" -v n="$NPROBES" '$1 == tool && $4 > 0 { k++; v[k] = n / $4 } END { for (i = 2; i <= k; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t } print (k ? v[int((k + 1) / 2)] : 0) }' "$ROWS"; }
medwall() { awk -F'\t' -v tool="$1" '$1 == tool { k++; v[k] = $4 } END { for (i = 2; i <= k; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t } print (k ? v[int((k + 1) / 2)] : 0) }' "$ROWS"; }
ceil_pps() { awk -F'\t' -v n="$NPROBES" '$1 == "ceiling" && $9 > 0 { k++; v[k] = n / $9 } END { for (i = 2; i <= k; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t } print (k ? v[int((k + 1) / 2)] : 0) }' "$ROWS"; }
{
	echo "# At the wire's limit: send paths, sinks and memory (issue 14)"
	echo
	echo "Generated by \`bench/wire.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS interleaved rounds in one run."
	echo "Machine: $(nproc) CPUs, kernel $(uname -r); **shared with other engineers' builds and tests while it ran, so figures are noisy**."
	echo "ecsprobe: $("$ECSPROBE" --version 2>/dev/null | head -n 1); masscan: $(masscan --version 2>/dev/null | grep -m1 -i version || echo 'not measured')."
	echo
	echo "Lab: tests/lab/lab.sh veth pair, 16 hosts $FIRST-$LAST x TCP 1-65535 = $NPROBES probes, $NOPEN open, $NFILT filtered (nft drop), seed $SEED."
	echo "ecsprobe: \`--mode syn --rate $ECS_RATE --timeout 500 --retries 1\` (unpaced: the rate is above what the lab carries)."
	echo
	echo "| tool | runs | probes/s wall median [min-max] | send-phase probes/s median [min-max] | CPU s / M probes | wall s median | peak RSS MiB | reserved MiB | capture drops per run | exact runs |"
	echo "|---|---:|---|---|---:|---:|---:|---:|---|---:|"
	for t in ceiling packet raw packet+3sinks masscan; do summ "$t"; done
	echo
	echo "- ceiling: bench/afpacket_send.c unpaced (64 frames per sendmmsg, one prebuilt frame per host); send phase = its own clock; \"exact\" = every SYN but the filtered got its reply (wrong column = replies counted)."
	echo "- exact: every one of the $NPROBES ports in the right state (open, closed, filtered); masscan reports open ports only, so for it: every open port found and nothing else."
	echo "- reserved: the summary's reserved_bytes (slots, retry ring and reply table of probes in flight, capture rings), sized from rate x timeout."
	echo
	c=$(ceil_pps); p=$(med packet); r=$(med raw); m=$(med masscan); w0=$(medwall packet); w3=$(medwall packet+3sinks)
	awk -v c="$c" -v p="$p" -v r="$r" -v m="$m" -v w0="$w0" -v w3="$w3" 'BEGIN {
		printf "Goals (medians): packet path / ceiling (send phase of the ceiling): %.0f%% (goal >= 85%%); raw path / ceiling: %.0f%%;", (c ? 100 * p / c : 0), (c ? 100 * r / c : 0)
		printf " packet / masscan: %s (goal >= 6x); wall with ocsf+elastic+cef vs ndjson only: %+.1f%% (goal within 5%%).\n", (m ? sprintf("%.1fx", p / m) : "n/a"), (w0 ? 100 * (w3 - w0) / w0 : 0)
	}'
	if [ -s "$W/perf.top" ]; then
		echo
		echo "## perf profile of one packet-path scan (perf record -g; self time by symbol, top 25)"
		echo
		echo '```'
		cat "$W/perf.top"
		echo '```'
	fi
	echo
	echo "Reproduce (root): \`ECSPROBE=./ecsprobe BENCH_PERF=1 flock /tmp/ecsprobe-bench.lock bench/wire.sh\`; raw rows: wire.tsv (tool run exit wall cpu rss open wrong send_s drops reserved)."
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
