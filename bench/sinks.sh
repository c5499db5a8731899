#!/bin/bash
# bench/sinks.sh - output formats: throughput of each sink (events/s for
# 1,000,000 results and 1,000,000 findings, fed by bench/sinkbench through the
# real sink code), and what three streaming sinks (ocsf, elastic, cef) add to
# a scan of the loopback lab.  Writes bench/results/sinks.md.
#
# usage: bench/sinks.sh            (or: make bench)
#
# Environment:
#   ECSPROBE, EP_LISTEN   binaries (default: next to this script's parent)
#   SINKBENCH       bench/sinkbench (built with `make bench/sinkbench`)
#   SINKS_N         events per throughput run (default 1000000)
#   SINKS_REPS      scans per configuration, the median is reported (default 3)
#   BENCH_RESULTS   output file (default: bench/results/sinks.md)
#
# The scan part needs root (unshare -n), nftables and iproute2; without them
# only the throughput table is written.  SAFETY: scans run inside a fresh
# `unshare -n` namespace that has only `lo` and aim at 127.0.2.1-16 on it.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")
top=$(dirname "$here")
RESULTS=${BENCH_RESULTS:-$here/results/sinks.md}
N=${SINKS_N:-1000000}
REPS=${SINKS_REPS:-3}
ECSPROBE=${ECSPROBE:-$top/ecsprobe}
SINKBENCH=${SINKBENCH:-$top/bench/sinkbench}
log() { echo "sinks: $*" >&2; }
die() { log "$*"; exit 1; }

case $RESULTS in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
[ -x "$SINKBENCH" ] || die "$SINKBENCH missing: make bench/sinkbench"
[ -x "$ECSPROBE" ] || die "$ECSPROBE missing: make ecsprobe"

if [ -z "${EP_SINKS_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null &&
	command -v nft >/dev/null && command -v ip >/dev/null; then
	export EP_SINKS_IN_NETNS=1 BENCH_RESULTS=$RESULTS ECSPROBE SINKBENCH
	exec unshare -n -- /bin/bash "$me"
fi

# tmpfs for the outputs when there is one: the sinks' cost, not the disk's
OUT=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/ecsprobe-sinks.XXXXXX") ||
	die "mktemp failed"
W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-sinks.XXXXXX") || die "mktemp failed"
LAB_DIR=$W/lab
lab_up_done=0
cleanup() {
	[ "$lab_up_done" = 1 ] && lab_down
	rm -rf "$W" "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- throughput
declare -A T
for fmt in ndjson ocsf elastic cef sarif asff; do
	for kind in results findings; do
		if [ "$kind" = results ] && { [ "$fmt" = sarif ] || [ "$fmt" = asff ]; }; then
			continue # these formats hold findings only
		fi
		log "throughput: $fmt $kind x $N"
		read -r _ _ _ secs null_eps _ < <("$SINKBENCH" "$fmt" "$kind" "$N" /dev/null) ||
			die "sinkbench $fmt $kind failed"
		read -r _ _ _ secs file_eps bpe < <("$SINKBENCH" "$fmt" "$kind" "$N" "$OUT/tp.$fmt") ||
			die "sinkbench $fmt $kind failed"
		rm -f "$OUT/tp.$fmt"
		T[$fmt.$kind]="$null_eps $file_eps $bpe"
	done
done

# ---------------------------------------------------------------- scan overhead
scan_ok=0
if [ -n "${EP_SINKS_IN_NETNS:-}" ]; then
	. "$top/tests/lab/lab.sh" || die "cannot source lab.sh"
	NHOSTS=16
	HOSTS=$(seq 1 "$NHOSTS" | sed 's/^/127.0.2./' | tr '\n' ' ')
	NPROBES=$((NHOSTS * 65535))
	lab_up 0 || die "lab_up failed"
	lab_up_done=1
	mkdir -p "$LAB_DIR/plan"
	lab_pick 1 1 65535 300 300 0 "$LAB_DIR/plan" $HOSTS || die "lab_pick failed"
	lab_plant "$LAB_DIR/plan/open.spec" "$LAB_DIR/plan/filtered.spec" "$LAB_DIR/plan/rejected.spec" ||
		die "lab_plant failed"
	printf '%s\n' $HOSTS >"$W/targets"
	SCAN=("$ECSPROBE" scan --targets "$W/targets" -p - --rate 500000 --max-inflight 1024
		--timeout 250 --retries 1 --no-progress --seed 1)
	declare -A CONF=(
		[none]="--quiet"
		[ndjson]="-o ndjson:$OUT/s.ndjson"
		[three]="-o ocsf:$OUT/s.ocsf -o elastic:$OUT/s.ecs -o cef:$OUT/s.cef"
	)
	declare -A S
	for rep in $(seq 1 "$REPS"); do
		for c in none ndjson three; do
			log "scan $c, run $rep of $REPS"
			# shellcheck disable=SC2086 # CONF holds words
			/usr/bin/time -f '%e %U %S' -o "$W/time" "${SCAN[@]}" ${CONF[$c]} \
				>/dev/null 2>"$W/scan.err" </dev/null
			rc=$?
			read -r wall user sys <"$W/time"
			lines=$(cat "$OUT"/s.* 2>/dev/null | wc -l)
			rm -f "$OUT"/s.*
			S[$c]+="$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $rc $lines
"
		done
	done
	# median wall and CPU of each configuration
	med() { printf '%s' "${S[$1]}" | awk -v col="$2" 'NF { print $col }' | sort -n | awk '
		{ v[++n] = $1 } END { printf "%.2f", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'; }
	for c in none ndjson three; do
		S[$c.wall]=$(med "$c" 1)
		S[$c.cpu]=$(med "$c" 2)
		S[$c.pps]=$(awk -v n="$NPROBES" -v w="${S[$c.wall]}" 'BEGIN { printf "%.0f", (w > 0) ? n / w : 0 }')
		S[$c.rc]=$(printf '%s' "${S[$c]}" | awk 'NF { print $3 }' | sort -u | tr '\n' ' ')
		S[$c.lines]=$(printf '%s' "${S[$c]}" | awk 'NF { print $4; exit }')
	done
	scan_ok=1
fi

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) * 100 / b; else print "n/a" }'; }
{
	echo "# Output formats"
	echo
	echo "Generated by \`bench/sinks.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "$(nproc) CPUs, $(uname -s) $(uname -r), $("$ECSPROBE" --version 2>/dev/null | head -n 1)."
	echo
	echo "## Sink throughput"
	echo
	echo "\`bench/sinkbench FORMAT KIND $N\` feeds $N synthetic results (IPv4, 1% open) or"
	echo "findings (4096 distinct ones, cycled: all kinds, ECS, load-balancer and interface owners)"
	echo "through the sink's real code, from open to close, on one thread. Events/s to"
	echo "/dev/null is the formatting cost; to a file on tmpfs it includes the write(2) copies."
	echo
	echo "| format | kind | events/s (/dev/null) | events/s (tmpfs file) | bytes/event |"
	echo "|---|---|---:|---:|---:|"
	for fmt in ndjson ocsf elastic cef sarif asff; do
		for kind in results findings; do
			[ -n "${T[$fmt.$kind]:-}" ] || continue
			read -r a b c <<<"${T[$fmt.$kind]}"
			echo "| $fmt | $kind | $a | $b | $c |"
		done
	done
	echo
	echo "sarif and asff hold findings only (a SARIF run carries the probe counts in its"
	echo "invocation); ndjson is the reference. Results are the hot path: each output formats"
	echo "them on a thread of its own (ep-sink-FORMAT) as they arrive, without printf, with a"
	echo "cached timestamp and the scan id hashed once for the result ids."
	echo "Findings come once, after the scan; asff builds each with cJSON (the object the"
	echo "Security Hub output sends)."
	echo
	echo "## Scan overhead"
	echo
	if [ "$scan_ok" = 1 ]; then
		echo "The bench/run.sh lab in a fresh \`unshare -n\` namespace: $NHOSTS hosts x TCP ports"
		echo "1-65535 = $NPROBES probes (300 open, 300 filtered, the rest closed), scanned with"
		echo "\`ecsprobe scan -p - --rate 500000 --max-inflight 1024 --timeout 250 --retries 1\`"
		echo "(default mode and threads), outputs on tmpfs; median of $REPS runs each."
		echo
		echo "| outputs | wall (s) | probes/s | CPU user+sys (s) | wall vs none | CPU vs none | exit | lines written |"
		echo "|---|---:|---:|---:|---:|---:|---|---:|"
		for c in none ndjson three; do
			case $c in
			none) label="none (\`--quiet\`)" ;;
			ndjson) label="\`-o ndjson\`" ;;
			three) label="\`-o ocsf -o elastic -o cef\`" ;;
			esac
			echo "| $label | ${S[$c.wall]} | ${S[$c.pps]} | ${S[$c.cpu]} | $(pct "${S[$c.wall]}" "${S[none.wall]}") | $(pct "${S[$c.cpu]}" "${S[none.cpu]}") | ${S[$c.rc]}| ${S[$c.lines]} |"
		done
		echo
		echo "Each result is rendered three times (about 1.7 KB of output per probe with the"
		echo "three sinks), each output on its own thread behind a bounded ring; no prober waits"
		echo "for a format unless a ring is full.  Added CPU still shows in the wall time when"
		echo "the scan itself keeps every core busy (see the wire benchmark's sinks rows)."
	else
		echo "Not measured: needs root (\`unshare -n\`), nftables and iproute2."
	fi
	echo
	echo "Reproduce with \`make bench\` or \`make bench/sinkbench && bench/sinks.sh\` (as root for"
	echo "the scan part)."
} >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
