#!/bin/bash
# bench/run.sh - ecsprobe vs nmap -sT on a 16-host x 65535-port lab built in
# a throw-away network namespace.  Writes bench/results/scan.md.
#
# usage: bench/run.sh [RATE [MAX_INFLIGHT]]        (or: make bench)
#
# Environment:
#   ECSPROBE        ecsprobe binary (default: ./ecsprobe or ./src/ecsprobe
#                   next to this script's parent directory)
#   EP_LISTEN       ep_listen binary (built from tests/lab/ep_listen.c with
#                   ${CC:-cc} if not given)
#   RATE, MAX_INFLIGHT   defaults for the two arguments (500000, 1024)
#   BENCH_SEED      lab seed (default 1)
#   BENCH_RESULTS   output file (default: bench/results/scan.md)
#   BENCH_SKIP_NMAP=1    do not run nmap
#   BENCH_KEEP=1    keep the work directory
#
# Needs root (unshare -n), nmap, nftables, iproute2, jq, GNU time
# (/usr/bin/time, Debian package "time").
#
# SAFETY: all scans run inside a fresh `unshare -n` namespace that has only
# `lo`, and aim only at 127.0.2.1-16 on that lo.
# Make sure we run under bash even when started as "sh script" (make uses $(SHELL)).
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")
top=$(dirname "$here")

RATE=${1:-${RATE:-500000}}
MAX_INFLIGHT=${2:-${MAX_INFLIGHT:-1024}}
SEED=${BENCH_SEED:-1}
RESULTS=${BENCH_RESULTS:-$here/results/scan.md}

die() { echo "bench: $*" >&2; exit 1; }

case $RATE in ''|*[!0-9]*) die "RATE must be a positive integer, got '$RATE'" ;; esac
case $MAX_INFLIGHT in ''|*[!0-9]*) die "MAX_INFLIGHT must be a positive integer, got '$MAX_INFLIGHT'" ;; esac

if [ -z "${EP_BENCH_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "needs root (network namespace via unshare -n)"
	unshare -n true 2>/dev/null || die "unshare -n failed"
	for t in nmap nft ip jq awk; do
		command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
	done
	[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install -y time"
	# Resolve paths before entering the namespace (results file is absolute).
	case $RESULTS in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
	export EP_BENCH_IN_NETNS=1 BENCH_RESULTS=$RESULTS
	exec unshare -n -- /bin/bash "$me" "$RATE" "$MAX_INFLIGHT"
	die "cannot exec unshare -n"
fi

if [ -z "${ECSPROBE:-}" ]; then
	for c in ${abs_top_builddir:+"$abs_top_builddir/ecsprobe" "$abs_top_builddir/src/ecsprobe"} \
		"$top/ecsprobe" "$top/src/ecsprobe"; do
		[ -x "$c" ] && { ECSPROBE=$c; break; }
	done
fi
ECSPROBE=${ECSPROBE:-$top/ecsprobe}
if [ ! -x "$ECSPROBE" ]; then
	echo "bench: WARNING: ecsprobe not found ($ECSPROBE); only nmap will be measured" >&2
	ECSPROBE=
fi

. "$top/tests/lab/lab.sh" || die "cannot source lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-bench.XXXXXX") || die "mktemp failed"
LAB_DIR=$W/lab
cleanup() {
	lab_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: work directory kept: $W" >&2
	else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NHOSTS=16
PLO=1
PHI=65535
NOPEN=300
NFILT=300
HOSTS=$(seq 1 "$NHOSTS" | sed 's/^/127.0.2./' | tr '\n' ' ')
NPROBES=$((NHOSTS * (PHI - PLO + 1)))
NMAP_TARGET="127.0.2.1-$NHOSTS"

log() { echo "bench: $*" >&2; }

log "lab: $NHOSTS hosts x ports $PLO-$PHI = $NPROBES probes, $NOPEN open, $NFILT filtered, seed $SEED"
lab_up 0 || die "lab_up failed"
P=$LAB_DIR/plan
mkdir -p "$P"
lab_pick "$SEED" "$PLO" "$PHI" "$NOPEN" "$NFILT" 0 "$P" $HOSTS || die "lab_pick failed"
lab_plant "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" || die "lab_plant failed"
printf '%s\n' $HOSTS > "$W/targets"

# Accuracy of a tool: stdin "ADDRESS PORT STATE" lines (any order).
# Prints: reported dup missing open_found false_open filt_found false_filt wrong
score() {
	awk -v total="$NPROBES" -v hosts="$HOSTS" -v lo="$PLO" -v hi="$PHI" \
	    -v of="$P/open.spec" -v ff="$P/filtered.spec" '
	function load(file, state,    line, a) {
		while ((getline line < file) > 0) {
			sub(/#.*/, "", line)
			if (split(line, a, " ") >= 2) truth[a[1] " " (a[2] + 0)] = state
		}
		close(file)
	}
	BEGIN {
		nh = split(hosts, H, " ")
		for (i = 1; i <= nh; i++) hostset[H[i]] = 1
		load(of, "open"); load(ff, "filtered")
	}
	NF >= 3 {
		k = $1 " " ($2 + 0)
		if (k in seen) { dup++; next }
		seen[k] = 1
		if (!($1 in hostset) || $2 < lo || $2 > hi) { outside++; next }
		rep++
		want = (k in truth) ? truth[k] : "closed"
		if ($3 != want) wrong++
		if ($3 == "open" && want == "open") ofound++
		if ($3 == "open" && want != "open") ofalse++
		if ($3 == "filtered" && want == "filtered") ffound++
		if ($3 == "filtered" && want != "filtered") ffalse++
	}
	END {
		printf "%d %d %d %d %d %d %d %d %d\n", rep, dup, total - rep, ofound, ofalse, ffound, ffalse, wrong + total - rep, outside
	}'
}

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.33" etc.
timefield() {
	awk -F': ' -v want="$2" '
	index($0, want) {
		v = $NF
		if (want ~ /Elapsed/) {
			n = split(v, t, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + t[i]
			v = s
		}
		print v; exit
	}' "$1"
}

# run_timed NAME CMD... : /usr/bin/time -v into $W/NAME.time
run_timed() {
	local name=$1 before after
	shift
	before=$(lab_syn_count)
	/usr/bin/time -v -o "$W/$name.time" "$@" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
	echo $? > "$W/$name.rc"
	after=$(lab_syn_count)
	echo $((after - before)) > "$W/$name.syns"
}

declare -A R
measure() {
	local name=$1 wall user sys
	wall=$(timefield "$W/$name.time" "Elapsed (wall clock) time")
	user=$(timefield "$W/$name.time" "User time (seconds)")
	sys=$(timefield "$W/$name.time" "System time (seconds)")
	R[$name.rc]=$(cat "$W/$name.rc")
	R[$name.wall]=$wall
	R[$name.cpu]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	R[$name.usersys]="$user + $sys"
	R[$name.rss]=$(timefield "$W/$name.time" "Maximum resident set size (kbytes)")
	R[$name.pps]=$(awk -v n="$NPROBES" -v w="$wall" 'BEGIN { printf "%.0f", (w > 0) ? n / w : 0 }')
	R[$name.syns]=$(cat "$W/$name.syns")
	read -r R[$name.rep] R[$name.dup] R[$name.missing] R[$name.ofound] R[$name.ofalse] \
		R[$name.ffound] R[$name.ffalse] R[$name.wrong] R[$name.outside] < "$W/$name.score"
}

NMAP_CMD="nmap -sT -n -Pn -T5 -p- $NMAP_TARGET -oG - -oX nmap.xml"
# nmap -T5 caps its per-probe timeout at 100 ms; ecsprobe gets a fixed 250 ms.
TIMEOUT=${BENCH_TIMEOUT:-250}
ECS_EXTRA=${BENCH_ECS_ARGS:-}
ECS_CMD="ecsprobe scan --targets targets.txt -p - --rate $RATE --max-inflight $MAX_INFLIGHT --timeout $TIMEOUT --retries 1${ECS_EXTRA:+ $ECS_EXTRA} --no-progress -o ndjson:ecsprobe.ndjson"

have_nmap=0
if [ "${BENCH_SKIP_NMAP:-0}" != 1 ]; then
	log "running: $NMAP_CMD"
	run_timed nmap nmap -sT -n -Pn -T5 -p- "$NMAP_TARGET" -oG - -oX "$W/nmap.xml"
	lab_nmap_states "$W/nmap.xml" | score > "$W/nmap.score"
	# cross-check with the grepable output: open ports listed by -oG
	R[nmap.gopen]=$(grep -o '[0-9]*/open/tcp' "$W/nmap.stdout" | wc -l)
	measure nmap
	have_nmap=1
	log "nmap: ${R[nmap.wall]} s wall, exit ${R[nmap.rc]}"
fi

have_ecs=0
if [ -n "$ECSPROBE" ]; then
	log "running: $ECS_CMD"
	# shellcheck disable=SC2086 # ECS_EXTRA is a list of words
	run_timed ecs "$ECSPROBE" scan --targets "$W/targets" -p - --rate "$RATE" --max-inflight "$MAX_INFLIGHT" \
		--timeout "$TIMEOUT" --retries 1 $ECS_EXTRA --no-progress -o "ndjson:$W/ecsprobe.ndjson"
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/ecsprobe.ndjson" 2>/dev/null |
		score > "$W/ecs.score"
	measure ecs
	have_ecs=1
	log "ecsprobe: ${R[ecs.wall]} s wall, exit ${R[ecs.rc]}"
	# the same scan on one core, for a like-for-like view of nmap's single process
	log "running: $ECS_CMD --threads 1"
	# shellcheck disable=SC2086
	run_timed ecs1 "$ECSPROBE" scan --targets "$W/targets" -p - --rate "$RATE" --max-inflight "$MAX_INFLIGHT" \
		--timeout "$TIMEOUT" --retries 1 $ECS_EXTRA --threads 1 --no-progress -o "ndjson:$W/ecsprobe1.ndjson"
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/ecsprobe1.ndjson" 2>/dev/null |
		score > "$W/ecs1.score"
	measure ecs1
	log "ecsprobe --threads 1: ${R[ecs1.wall]} s wall, exit ${R[ecs1.rc]}"
fi

# ---------------------------------------------------------------- report
col() { # col KEY : value for each run, "-" when not run
	local a=- c=- b=-
	[ "$have_ecs" = 1 ] && a=${R[ecs.$1]} && c=${R[ecs1.$1]}
	[ "$have_nmap" = 1 ] && b=${R[nmap.$1]}
	echo "| $a | $c | $b |"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

{
	echo "# ecsprobe vs nmap benchmark"
	echo
	echo "Generated by \`bench/run.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "## Machine"
	echo
	echo "- CPUs (nproc): $(nproc)"
	echo "- Kernel: $(uname -s) $(uname -r) ($(uname -m))"
	echo "- OS: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	echo "- nmap: $(nmap --version 2>/dev/null | head -n 1)"
	if [ -n "$ECSPROBE" ]; then
		echo "- ecsprobe: $("$ECSPROBE" --version 2>/dev/null | head -n 1)"
	fi
	echo
	echo "## Lab"
	echo
	echo "A fresh network namespace (\`unshare -n\`, only \`lo\`): $NHOSTS hosts"
	echo "127.0.2.1-$NHOSTS x TCP ports $PLO-$PHI = $NPROBES probes; $NOPEN open ports"
	echo "(ep_listen accepts and closes), $NFILT filtered ports (nftables drop), every"
	echo "other port closed (kernel RST). Planted pseudo-randomly with seed $SEED."
	echo
	echo "## Results"
	echo
	echo "| | ecsprobe (default threads: $(nproc)) | ecsprobe --threads 1 | nmap -sT -T5 |"
	echo "|---|---:|---:|---:|"
	echo "| exit status $(col rc)"
	echo "| wall time (s) $(col wall)"
	echo "| probes/s (probes / wall) $(col pps)"
	echo "| CPU user+sys (s) $(col cpu)"
	echo "| max RSS (KiB) $(col rss)"
	echo "| SYNs seen by the lab $(col syns)"
	echo "| ports reported (of $NPROBES) $(col rep)"
	echo "| open found (of $NOPEN) $(col ofound)"
	echo "| false open $(col ofalse)"
	echo "| filtered found (of $NFILT) $(col ffound)"
	echo "| false filtered $(col ffalse)"
	echo "| wrong or missing states (all) $(col wrong)"
	echo
	if [ "$have_ecs" = 1 ] && [ "$have_nmap" = 1 ]; then
		echo "Ratios: ecsprobe speed / nmap speed = **$(ratio "${R[ecs.pps]}" "${R[nmap.pps]}")x**"
		echo "(one thread: $(ratio "${R[ecs1.pps]}" "${R[nmap.pps]}")x);"
		echo "CPU ecsprobe / nmap = $(ratio "${R[ecs.cpu]}" "${R[nmap.cpu]}");"
		echo "max RSS ecsprobe / nmap = $(ratio "${R[ecs.rss]}" "${R[nmap.rss]}")."
		echo
	fi
	if [ "$have_nmap" = 1 ]; then
		echo "nmap's states come from its XML output (collapsed ports expanded from"
		echo "\`<extrareasons ports=...>\`); its grepable output lists ${R[nmap.gopen]} open ports."
		echo
	fi
	if [ "$have_ecs" != 1 ]; then
		echo "ecsprobe was not measured (binary not found)."
		echo
	fi
	if [ "$have_nmap" != 1 ]; then
		echo "nmap was not measured (BENCH_SKIP_NMAP=1)."
		echo
	fi
	echo "## Commands"
	echo
	echo "Reproduce with \`make bench\` or, as root, \`ECSPROBE=./ecsprobe bench/run.sh $RATE $MAX_INFLIGHT\`"
	echo "(arguments: RATE MAX_INFLIGHT; env BENCH_SEED=$SEED). Inside the namespace it ran:"
	echo
	echo '```'
	[ "$have_nmap" = 1 ] && echo "/usr/bin/time -v $NMAP_CMD"
	[ "$have_ecs" = 1 ] && echo "/usr/bin/time -v $ECS_CMD"
	echo '```'
	echo
	echo "targets.txt holds the $NHOSTS addresses, one per line."
	if [ -f "$here/analysis.md" ]; then
		echo
		cat "$here/analysis.md"
	fi
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
