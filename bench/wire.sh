#!/bin/bash
# bench/wire.sh - at the wire's limit (issue 14), in one run on the veth lab
# of tests/lab/lab.sh (16 hosts x TCP 1-65535, 320 open, 320 filtered).
# BENCH_RUNS rounds (default 5), interleaved; each round runs:
#   - the lab's ceiling: bench/afpacket_send.c unpaced with 1 sender thread
#     and with nproc threads (the ceiling used for the ratios is the higher
#     of the two medians: a one-thread yardstick is not the limit for a
#     scanner that uses every core), and with nproc threads plus -R, a
#     receiver thread that reads every reply as a bare scanner must
#     ("ceiling-Nt+rx": the ceiling for a scanner, the other goal ratio);
#   - ecsprobe --mode syn unpaced on both send paths (--send-path packet and
#     raw), and the packet scan with ocsf+elastic+cef outputs next to the
#     ndjson one (the sinks' cost with every core saturated);
#   - the packet scan with and without those sinks at ECS_PACED_RATE, below
#     saturation (the sinks' cost when a core is left free);
#   - masscan at every rate of MASSCAN_RATES (its best rate is searched, not
#     assumed), each once.
# Reports wall and send-phase probes/s, CPU s per million probes, peak RSS,
# reserved bytes, capture drops and exactness (every port's state against
# the truth), masscan's recall and false opens per rate, the sinks' added
# CPU, and writes bench/results/wire.md (+ wire.tsv).  With BENCH_PERF=1,
# ceiling-Nt, ceiling-Nt+rx and a packet scan run under `perf record -g`
# (self samples per M probes by category, side by side: where ecsprobe's
# extra CPU goes; and the packet scan's top symbols) and a packet+3sinks
# scan under `perf record` (CPU share per thread).
#
# usage (root): ECSPROBE=./ecsprobe flock /tmp/ecsprobe-bench.lock bench/wire.sh
# Environment: BENCH_RUNS (5), BENCH_SEED (1), ECS_RATE (10000000 = unpaced),
#   ECS_PACED_RATE (150000), MASSCAN_RATES ("100000 200000 400000 1000000"),
#   BENCH_SKIP_MASSCAN=1, BENCH_PERF=1, BENCH_RESULTS (bench/results/wire.md),
#   CC.
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
ECS_PACED_RATE=${ECS_PACED_RATE:-150000}
MASSCAN_RATES=${MASSCAN_RATES:-100000 200000 400000 1000000}
NPROBES=$((16 * 65535))
NCPU=$(nproc)
CEILINGS="ceiling-1t"
[ "$NCPU" -gt 1 ] && CEILINGS="$CEILINGS ceiling-${NCPU}t"
RXC="ceiling-${NCPU}t+rx" # nproc senders and a receiver that reads every reply
ECSPROBE=${ECSPROBE:-$top/ecsprobe}
[ -x "$ECSPROBE" ] || die "no ecsprobe binary ($ECSPROBE)"
have_masscan=0
[ "${BENCH_SKIP_MASSCAN:-0}" != 1 ] && command -v masscan >/dev/null 2>&1 && have_masscan=1
if [ "$have_masscan" = 1 ]; then
	command -v python3 >/dev/null 2>&1 || die "python3 missing (it stamps masscan's status lines): apt-get install -y python3"
fi
if [ "${BENCH_PERF:-0}" = 1 ]; then
	command -v perf >/dev/null 2>&1 || die "BENCH_PERF=1 but perf is missing: apt-get install -y linux-perf"
fi

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
${CC:-cc} -std=c11 -O2 -Wall -Wextra -pthread -o "$W/afpacket_send" "$here/afpacket_send.c" || die "cannot build afpacket_send"

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
# ceiling RUN THREADS [rx]: row "ceiling-<THREADS>t" (or "...t+rx": with -R,
# a receiver thread reads every reply); wrong = SYNs without a reply, counted
# by nft, or with rx by the receiver itself (what it read, not what arrived)
ceiling() {
	local tool="ceiling-$2t${3:++$3}" name="ceiling-$2t${3:++$3}-$1" r0 out got rx=
	[ "${3:-}" = rx ] && rx=-R
	[ "${3:-}" = rxi ] && rx=-I
	r0=$(reply_count)
	timed "$name" "$W/afpacket_send" -i "$LAB_IF" -s "$LAB_SCANNER_MAC" -d "$LAB_TARGET_MAC" \
		-S "$LAB_SRC4" -P $((61000 + RANDOM % 1000)) -p 1-65535 -r 0 -b 64 -T "$2" $rx $HOSTS
	sleep 1
	out=$(cat "$W/$name.stdout")
	got=$(( $(reply_count) - r0 ))
	if [ -n "$rx" ]; then
		got=$(printf '%s' "$out" | sed -n 's/.*received=\([0-9]*\).*/\1/p')
		got=${got:-0}
	fi
	row "$tool" "$1" "$name" - "$(( NPROBES - NFILT - got ))" "$(printf '%s' "$out" | sed -n 's/.*secs=\([0-9.]*\).*/\1/p')" - -
	log "$tool run $1: $out replies (nft) $(( $(reply_count) - r0 ))"
}
SINKS3=(-o "ocsf:$W/sink-ocsf.json" -o "elastic:$W/sink-elastic.json" -o "cef:$W/sink.cef")
ecs() { # ecs TOOLNAME RUN PATH RATE [extra outputs...]
	local tool=$1 run=$2 path=$3 rate=$4 name="$1-$2" s
	shift 4
	timed "$name" "$ECSPROBE" scan --targets "$W/targets" -p 1-65535 --mode syn --send-path "$path" \
		--rate "$rate" --timeout 500 --retries 1 --no-progress -q -o "ndjson:$W/$name.ndjson" "$@"
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/$name.ndjson" | score > "$W/$name.score"
	s=$(tail -n 1 "$W/$name.ndjson" | jq -r 'select(.type == "summary") | "\(.sending_s) \(.capture.dropped + .capture.if_dropped) \(.reserved_bytes)"')
	set -- $(cat "$W/$name.score") $s
	row "$tool" "$run" "$name" "$1" "$2" "$3" "$4" "$5"
	log "$tool run $run: exit $(cat "$W/$name.rc") score $(cat "$W/$name.score") send/drops/reserved $s wall $(tf "$W/$name.time" "Elapsed")"
	rm -f "$W/$name.ndjson" "$W"/sink-*
}
# Stamps every line masscan writes to stderr (its status lines end in \r)
# with the wall clock when it was read: masscan prints no send time of its
# own, but its status lines say how far it got and when.
STAMP='import os, re, sys, time
buf = b""
while True:
    d = os.read(0, 65536)
    if not d:
        break
    t = time.time()
    buf += d
    parts = re.split(rb"[\r\n]", buf)
    buf = parts.pop()
    for p in parts:
        if p.strip():
            sys.stdout.write("%.3f %s\n" % (t, p.decode("latin-1").strip()))
            sys.stdout.flush()'
# masscan's send phase from its stamped stderr: from "Scanning N hosts"
# (printed just before its threads start) to the moment its progress reaches
# 100 %, extrapolated from the last status line under 100 % at the pace of
# its status lines so far (they come every 750 ms), never past the first
# "waiting" line.  Prints "-" if the lines are not there.
mass_send_s() {
	awk '
	/Scanning [0-9]+ hosts/ && !ts { ts = $1 }
	/% done/ && / remaining/ && ts { if (match($0, /[0-9.]+% done/)) { p = substr($0, RSTART, RLENGTH - 6) + 0
		if (!n++) { t1 = $1; p1 = p } tn = $1; pn = p } }
	/% done, waiting/ && ts && !tw { tw = $1 }
	END { if (!ts || !tw) { print "-"; exit }
		te = tw
		if (n >= 2 && tn > t1 && pn > p1) { te = tn + (100 - pn) * (tn - t1) / (pn - p1); if (te > tw) te = tw }
		printf "%.3f\n", te - ts }' "$1"
}
mass() { # mass RUN RATE: row "masscan@RATE"; open = open ports found, wrong = missed + false open
	local run=$1 rate=$2 tool="masscan@$2" name="masscan@$2-$1" sp send
	nsenter -t "$LAB_TARGET_PID" -n -- /bin/bash -c "while :; do echo x > /dev/udp/$LAB_SRC4/9; sleep 0.2; done" 2>/dev/null &
	TRICKLE_PID=$!
	rm -f "$W/stamp.fifo"
	mkfifo "$W/stamp.fifo" || die "mkfifo failed"
	python3 -c "$STAMP" < "$W/stamp.fifo" > "$W/$name.stderr" &
	sp=$!
	lab_veth_assert || die "lab not isolated; stopping"
	/usr/bin/time -v -o "$W/$name.time" timeout -k 5 300 masscan "$FIRST-$LAST" -p 1-65535 --rate "$rate" \
		--adapter "$LAB_IF" --adapter-ip "$LAB_SRC4" --adapter-mac "$LAB_SCANNER_MAC" \
		--router-mac "$LAB_TARGET_MAC" --wait 2 -oL "$W/$name.list" > "$W/$name.stdout" 2> "$W/stamp.fifo" < /dev/null
	echo $? > "$W/$name.rc"
	wait "$sp"
	kill "$TRICKLE_PID" 2>/dev/null; wait "$TRICKLE_PID" 2>/dev/null; TRICKLE_PID=
	awk '$1 == "open" { print $4, $3, "open" }' "$W/$name.list" | score 1 > "$W/$name.score"
	send=$(mass_send_s "$W/$name.stderr")
	set -- $(cat "$W/$name.score")
	row "$tool" "$run" "$name" "$1" "$2" "$send" - -
	log "$tool run $run: exit $(cat "$W/$name.rc") open/wrong $(cat "$W/$name.score") send ${send}s wall $(tf "$W/$name.time" "Elapsed")"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq 1 "$RUNS"); do
	log "---- round $run of $RUNS"
	for c in $CEILINGS; do
		c=${c#ceiling-}
		ceiling "$run" "${c%t}"
	done
	ceiling "$run" "$NCPU" rx
	ceiling "$run" "$NCPU" rxi
	ecs "packet" "$run" packet "$ECS_RATE"
	ecs "raw" "$run" raw "$ECS_RATE"
	ecs "packet+3sinks" "$run" packet "$ECS_RATE" "${SINKS3[@]}"
	ecs "packet@$ECS_PACED_RATE" "$run" packet "$ECS_PACED_RATE"
	ecs "packet+3sinks@$ECS_PACED_RATE" "$run" packet "$ECS_PACED_RATE" "${SINKS3[@]}"
	if [ "$have_masscan" = 1 ]; then
		for m in $MASSCAN_RATES; do mass "$run" "$m"; done
	fi
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$ROWS" "${RESULTS%.md}.tsv"
# perf_bucket DATA: "category samples" lines, self samples of one
# `perf record -g` bucketed by where ecsprobe's extra CPU was seen to go
# (kernel symbols by name, user code by shared object)
perf_bucket() {
	perf report -i "$1" --no-children --sort dso,sym -g none -F sample,dso,sym --stdio 2>/dev/null |
	awk '/^#/ || NF < 4 || $1 !~ /^[0-9]+$/ { next }
	{ n = $1; dso = $2; sym = $4; c = "g"
	  if ($3 == "[k]" || dso ~ /^\[(kernel|bpf)/) {
		if (sym ~ /^(tpacket_rcv|packet_rcv|packet_lookup_frame$|__packet_rcv_has_room$|prb_|_*bpf_prog_run|bpf_prog_[0-9a-f]+|_*bpf_skb_load|run_filter$|sock_def_readable$|__packet_(set|get)_status$)/) c = "a"
		else if (sym ~ /^(packet_sendmsg$|packet_snd$|_*sys_sendmmsg$|_*x64_sys_sendmmsg$|_*sys_sendmsg$|copy_msghdr_from_user$|move_addr_to_kernel|dev_get_by_index|__dev_direct_xmit$|packet_direct_xmit$)/) c = "b"
		else if (sym ~ /^(finish_task_switch|_raw_spin_unlock_irqrestore$|try_to_wake_up$|schedule|__schedule$|_*(x64_sys_)?futex|do_futex)/) c = "d"
		else c = "c"
	  } else if (dso == "ecsprobe" || dso == "afpacket_send") c = "e"
	  else if (dso ~ /^libc[.-]/ || dso == "[vdso]") c = "f"
	  s[c] += n }
	END { for (c in s) print c, s[c] }'
}
perf_freq() { perf evlist -i "$1" -F 2>/dev/null | sed -n 's/.*sample_freq=\([0-9]*\).*/\1/p' | head -n 1; }
if [ "${BENCH_PERF:-0}" = 1 ]; then
	# Where ecsprobe's extra CPU goes: the same `perf record -g` over the
	# ceiling, the ceiling with a receiver and one packet scan (ndjson to a
	# file, as in the packet rows)
	for c in "ceiling-${NCPU}t" "$RXC"; do
		lab_veth_assert || die "lab not isolated"
		perf record -g -o "$W/perf-$c.data" -- "$W/afpacket_send" -i "$LAB_IF" -s "$LAB_SCANNER_MAC" \
			-d "$LAB_TARGET_MAC" -S "$LAB_SRC4" -P $((61000 + RANDOM % 1000)) -p 1-65535 -r 0 -b 64 -T "$NCPU" \
			$([ "$c" = "$RXC" ] && echo -R) $HOSTS > "$W/perf-$c.out" 2> "$W/perf-$c.err" ||
			log "perf record ($c) failed: $(tail -n 3 "$W/perf-$c.err")"
		log "perf $c: $(cat "$W/perf-$c.out")"
		perf_bucket "$W/perf-$c.data" > "$W/perf-$c.cat"
	done
	lab_veth_assert || die "lab not isolated"
	perf record -g -o "$W/perf.data" -- "$ECSPROBE" scan --targets "$W/targets" -p 1-65535 --mode syn \
		--send-path packet --rate "$ECS_RATE" --timeout 500 --retries 1 --no-progress -q -o "ndjson:$W/perf.ndjson" \
		> "$W/perf.out" 2>&1 || log "perf record failed: $(tail -n 3 "$W/perf.out")"
	log "perf packet: summary $(tail -n 1 "$W/perf.ndjson" | jq -c 'select(.type == "summary") | {sending_s, capture}' 2>/dev/null)"
	rm -f "$W/perf.ndjson"
	perf_bucket "$W/perf.data" > "$W/perf-packet.cat"
	PERF_FREQ=$(perf_freq "$W/perf.data")
	# -g none: one line per symbol (the callers would push symbols out of the 25)
	perf report -i "$W/perf.data" --no-children --sort sym -g none --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -n 25 > "$W/perf.top"
	# Each thread's share of the packet+3sinks scan: by thread name if ecsprobe
	# names its threads (then a name other than "ecsprobe" shows up), else by
	# thread id.
	lab_veth_assert || die "lab not isolated"
	perf record -o "$W/perf3.data" -- "$ECSPROBE" scan --targets "$W/targets" -p 1-65535 --mode syn \
		--send-path packet --rate "$ECS_RATE" --timeout 500 --retries 1 --no-progress -q -o "ndjson:$W/perf3.ndjson" \
		"${SINKS3[@]}" > "$W/perf3.out" 2>&1 || log "perf record (3 sinks) failed: $(tail -n 3 "$W/perf3.out")"
	rm -f "$W/perf3.ndjson" "$W"/sink-*
	PERF3_SORT=pid,dso
	perf report -i "$W/perf3.data" --sort comm --stdio 2>/dev/null | grep -v '^#' | grep '%' |
		awk '$2 != "ecsprobe" && $2 != "perf-exec" { found = 1 } END { exit !found }' && PERF3_SORT=comm,dso
	perf report -i "$W/perf3.data" --sort "${PERF3_SORT%,dso}" --stdio 2>/dev/null | grep -v '^#' | grep '%' > "$W/perf3.total"
	perf report -i "$W/perf3.data" --sort "$PERF3_SORT" --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -n 30 > "$W/perf3.threads"
	# the main thread is the one whose thread id is the process id
	PERF3_MAIN=$(perf script -i "$W/perf3.data" -F pid,tid 2>/dev/null | awk -F'[/ ]+' '{ sub(/^ +/, "") } $1 == $2 { print $1; exit }')
fi

# ---------------------------------------------------------------- report
# Medians are true medians (the mean of the two middle values for an even
# count).  AWKLIB is prepended to the report's awk programs.
AWKLIB='function sort(a, k,    i, j, t) { for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
function median(a, k) { sort(a, k); return k ? (a[int((k + 1) / 2)] + a[int(k / 2) + 1]) / 2 : 0 }
function val(what, n) { if (what == "wallpps") return ($4 > 0) ? n / $4 : ""
	if (what == "sendpps") return ($9 != "-" && $9 > 0) ? n / $9 : ""
	if (what == "wall") return $4
	if (what == "cpu") return $5
	return "" }
'
# per tool: median and min-max of probes/s (wall), send-phase probes/s,
# CPU s per million probes, max RSS, drops, exact runs
summ() {
	awk -F'\t' -v tool="$1" -v n="$NPROBES" "$AWKLIB"'
	$1 == tool { k++; w[k] = ($4 > 0) ? n / $4 : 0; c[k] = $5 * 1e6 / n; if ($6 > rss) rss = $6
		if ($9 != "-" && $9 > 0) { m++; s[m] = n / $9 }
		drops = drops (drops == "" ? "" : ",") $10; if ($8 == 0) exact++; res = $11; wall[k] = $4 }
	END { if (!k) exit
		mw = median(w, k); mc = median(c, k); mwall = median(wall, k); if (m) ms = median(s, m)
		printf "| %s | %d | %.0f [%.0f-%.0f] | %s | %.2f | %.1f | %.1f | %s | %s | %d/%d |\n", tool, k, mw, w[1], w[k],
			(m ? sprintf("%.0f [%.0f-%.0f]", ms, s[1], s[m]) : "-"), mc, mwall,
			rss / 1024, (res == "-" || res == "" || res == "null") ? "-" : sprintf("%.1f", res / 1048576), drops, exact, k }' "$ROWS"
}
# masscan, one row per rate: wall and send-phase probes/s, CPU, RSS, open
# ports found and false opens per run (wrong = missed + false open)
summ_mass() {
	awk -F'\t' -v tool="masscan@$1" -v rate="$1" -v n="$NPROBES" -v nopen="$NOPEN" "$AWKLIB"'
	$1 == tool { k++; w[k] = ($4 > 0) ? n / $4 : 0; c[k] = $5 * 1e6 / n; if ($6 > rss) rss = $6
		if ($9 != "-" && $9 > 0) { m++; s[m] = n / $9 }
		found = found (found == "" ? "" : ",") $7; fo = fo (fo == "" ? "" : ",") ($8 - (nopen - $7)); if ($8 == 0) exact++ }
	END { if (!k) exit
		mw = median(w, k); mc = median(c, k); if (m) ms = median(s, m)
		printf "| %s | %d | %.0f [%.0f-%.0f] | %s | %.2f | %.1f | %s | %s | %d/%d |\n", rate, k, mw, w[1], w[k],
			(m ? sprintf("%.0f [%.0f-%.0f]", ms, s[1], s[m]) : "-"), mc, rss / 1024, found, fo, exact, k }' "$ROWS"
}
tstat() { # tstat TOOL wallpps|sendpps|wall|cpu: the median over the runs
	awk -F'\t' -v tool="$1" -v what="$2" -v n="$NPROBES" "$AWKLIB"'
	$1 == tool { v = val(what, n); if (v != "") a[++k] = v } END { printf "%.6f\n", median(a, k) }' "$ROWS"
}
per_round() { # per_round TOOL: "round: send-phase probes/s" list
	awk -F'\t' -v tool="$1" -v n="$NPROBES" '$1 == tool { printf "%s%s: %s", (k++ ? ", " : ""), $2, ($9 != "-" && $9 > 0) ? sprintf("%.0f", n / $9) : "-" } END { print "" }' "$ROWS"
}
cpu_added() { # cpu_added TOOL_WITH TOOL_WITHOUT: median over rounds of the CPU s difference
	awk -F'\t' -v a="$1" -v b="$2" "$AWKLIB"'
	$1 == a { x[$2] = $5 } $1 == b { y[$2] = $5 }
	END { for (r in x) if (r in y) d[++k] = x[r] - y[r]; printf "%.6f %d\n", median(d, k), k }' "$ROWS"
}
mass_best() { # mass_best [exact]: "probes/s rate run" of masscan's fastest run (wall), "0 - -" if none
	awk -F'\t' -v n="$NPROBES" -v ex="${1:-}" '$1 ~ /^masscan@/ && $4 > 0 && (ex == "" || $8 == 0) { v = n / $4; if (v > best) { best = v; r = substr($1, 9); run = $2 } }
	END { if (best) printf "%.0f %s %s\n", best, r, run; else print "0 - -" }' "$ROWS"
}
PACED="@$ECS_PACED_RATE"
{
	echo "# At the wire's limit: send paths, sinks and memory (issue 14)"
	echo
	echo "Generated by \`bench/wire.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS interleaved rounds in one run."
	echo "Machine: $NCPU CPUs, kernel $(uname -r); load average $LOAD0 at the start, $LOAD1 after the last round (other engineers' builds and tests may share the machine: figures can be noisy)."
	echo "ecsprobe: $("$ECSPROBE" --version 2>/dev/null | head -n 1); masscan: $( [ "$have_masscan" = 1 ] && masscan --version 2>/dev/null | grep -m1 -i version || echo 'not measured')."
	echo
	echo "Lab: tests/lab/lab.sh veth pair, 16 hosts $FIRST-$LAST x TCP 1-65535 = $NPROBES probes, $NOPEN open, $NFILT filtered (nft drop), seed $SEED."
	echo "ecsprobe: \`--mode syn --timeout 500 --retries 1\` at \`--rate $ECS_RATE\` (unpaced: above what the lab carries) and, in the rows marked $PACED, at \`--rate $ECS_PACED_RATE\` (paced, below saturation)."
	echo
	echo "| tool | runs | probes/s wall median [min-max] | send-phase probes/s median [min-max] | CPU s / M probes | wall s median | peak RSS MiB | reserved MiB | capture drops per run | exact runs |"
	echo "|---|---:|---|---|---:|---:|---:|---:|---|---:|"
	for t in $CEILINGS "$RXC" "${RXC}i" packet raw packet+3sinks "packet$PACED" "packet+3sinks$PACED"; do summ "$t"; done
	echo
	echo "- ceiling-Nt: bench/afpacket_send.c unpaced with N sender threads (\`-T N\`, each its own AF_PACKET socket and a disjoint slice of the ports), 64 frames per sendmmsg, one prebuilt frame per host; send phase = its own clock (first thread's start to last thread's end); \"exact\" = every SYN but the filtered got its reply (counted by an nft counter on the scanner's veth end)."
	echo "- $RXC: the same $NCPU sender threads plus \`-R\`, one more thread that reads every reply as the barest scanner must (TPACKET_V3 ring of 8 x 1 MiB blocks retired after 1 ms, ETH_P_ALL with PACKET_IGNORE_OUTGOING, a classic BPF filter for inbound IPv4 TCP to its source port; it parses each frame and counts SYN-ACK and RST-ACK, until 500 ms after its last send); \"exact\" = it read exactly $((NPROBES - NFILT)) replies; ${RXC}i: the same ring read with \`-I\`, by the sender threads between batches (whichever gets the ring's lock, never waiting) and by the main thread after them, so one busy thread a core as in ecsprobe's workers."
	echo "- exact: every one of the $NPROBES ports in the right state (open, closed, filtered)."
	echo "- packet+3sinks: the packet scan with ocsf, elastic and cef file outputs next to the ndjson one; $PACED: the same pair at \`--rate $ECS_PACED_RATE\`."
	echo "- reserved: the summary's reserved_bytes (slots, retry ring and reply table of probes in flight, capture rings), sized from rate x timeout."
	echo
	best_c=0; best_t=-
	for t in $CEILINGS; do
		v=$(tstat "$t" sendpps)
		echo "- $t send-phase SYN/s per round: $(per_round "$t") (median $(printf '%.0f' "$v"))."
		if awk -v a="$v" -v b="$best_c" 'BEGIN { exit !(a > b) }'; then best_c=$v; best_t=$t; fi
	done
	echo "- Ceiling used for the ratios below: **$best_t**, $(printf '%.0f' "$best_c") SYN/s (the higher median send-phase rate of $(echo $CEILINGS | sed 's/ / and /'))."
	rx_c=$(tstat "$RXC" sendpps)
	rx_ex=$(awk -F'\t' -v t="$RXC" '$1 == t { k++; if ($8 == 0) e++ } END { printf "%d/%d", e, k }' "$ROWS")
	echo "- $RXC send-phase SYN/s per round: $(per_round "$RXC") (median $(printf '%.0f' "$rx_c")); runs in which its receiver read exactly $((NPROBES - NFILT)) replies (every SYN but the $NFILT filtered): $rx_ex."
	echo "- ${RXC}i send-phase SYN/s per round: $(per_round "${RXC}i") (median $(printf '%.0f' "$(tstat "${RXC}i" sendpps)")); exact runs: $(awk -F'\t' -v t="${RXC}i" '$1 == t { k++; if ($8 == 0) e++ } END { printf "%d/%d", e, k }' "$ROWS")."
	if [ "$have_masscan" = 1 ]; then
		echo
		echo "masscan \`--wait 2\` at each rate of MASSCAN_RATES, once per round; it reports open ports only, so exact = all $NOPEN open ports found and nothing else."
		echo "Send phase: from its \"Scanning N hosts\" line to its progress reaching 100 %, read from its own status lines (stamped as they arrive, every 750 ms; the end is extrapolated from the last line under 100 %, never past the first \"waiting\" line)."
		echo
		echo "| --rate | runs | probes/s wall median [min-max] | send-phase probes/s median [min-max] | CPU s / M probes | peak RSS MiB | open found (of $NOPEN) per run | false open per run | exact runs |"
		echo "|---:|---:|---|---|---:|---:|---|---|---:|"
		for m in $MASSCAN_RATES; do summ_mass "$m"; done
		echo
		set -- $(mass_best); mb=$1; mb_rate=$2
		set -- $(mass_best exact); mbx=$1; mbx_rate=$2
		echo "- masscan best: $mb probes/s wall (--rate $mb_rate); masscan best exact: $( [ "$mbx" != 0 ] && echo "$mbx probes/s wall (--rate $mbx_rate)" || echo "none (no run found every open port and nothing else)")."
	else
		mb=0; mbx=0
	fi
	echo
	c=$best_c; p=$(tstat packet wallpps); ps=$(tstat packet sendpps); r=$(tstat raw wallpps); rs=$(tstat raw sendpps)
	w0=$(tstat packet wall); w3=$(tstat packet+3sinks wall); pw0=$(tstat "packet$PACED" wall); pw3=$(tstat "packet+3sinks$PACED" wall)
	set -- $(cpu_added packet+3sinks packet); cu=$1
	set -- $(cpu_added "packet+3sinks$PACED" "packet$PACED"); cp=$1
	pex=$(awk -F'\t' '$1 == "packet" { k++; if ($8 == 0) e++ } END { printf "%d/%d", e, k }' "$ROWS")
	awk -v cu="$cu" -v cp="$cp" -v n="$NPROBES" -v ncpu="$NCPU" -v w0="$w0" -v c0="$(tstat packet cpu)" -v paced="$ECS_PACED_RATE" \
		-v s0="$(tstat "packet$PACED" sendpps)" -v s3="$(tstat "packet+3sinks$PACED" sendpps)" 'BEGIN {
		printf "Paced runs (--rate %d): send phase %.0f probes/s with ndjson only, %.0f with the 3 sinks (median)%s.\n\n", paced, s0, s3,
			(s3 < 0.95 * paced || s0 < 0.95 * paced) ? "; **under 95% of the rate asked: that run was not below saturation**" : ""
		printf "Sinks CPU (from /usr/bin/time, median over rounds of packet+3sinks minus packet): %+.2f CPU s per M probes unpaced, %+.2f paced.", cu * 1e6 / n, cp * 1e6 / n
		printf " On %d saturated cores that CPU costs at least %.2f s (unpaced figure) / %.2f s (paced figure) of wall, %+.1f%% / %+.1f%% of the ndjson-only unpaced run (%.2f s):", ncpu, cu / ncpu, cp / ncpu, (w0 ? 100 * cu / ncpu / w0 : 0), (w0 ? 100 * cp / ncpu / w0 : 0), w0
		printf " the least the sinks can slow a scan that already uses every core (added CPU / %d / wall of the ndjson-only run;", ncpu
		printf " it holds as a bound only as far as that run kept its cores busy: it used %.2f of %d, CPU s / wall s).\n", (w0 ? c0 / w0 : 0), ncpu
	}'
	echo
	awk -v c="$c" -v ct="$best_t" -v p="$p" -v ps="$ps" -v r="$r" -v rs="$rs" -v mb="$mb" -v mbx="$mbx" -v pex="$pex" \
		-v crx="$(tstat "$RXC" sendpps)" -v crxw="$(tstat "$RXC" wallpps)" -v crxt="$RXC" \
		-v w0="$w0" -v w3="$w3" -v pw0="$pw0" -v pw3="$pw3" -v paced="$ECS_PACED_RATE" 'BEGIN {
		printf "Goals (medians; ceiling = %s, %.0f SYN/s): packet path / ceiling: %.0f%% wall, %.0f%% send phase (goal >= 85%%); raw path / ceiling: %.0f%% wall, %.0f%% send phase;", ct, c, (c ? 100 * p / c : 0), (c ? 100 * ps / c : 0), (c ? 100 * r / c : 0), (c ? 100 * rs / c : 0)
		printf " packet path / ceiling with a receiver (%s, %.0f SYN/s): %.0f%% wall, %.0f%% send phase;", crxt, crx, (crxw ? 100 * p / crxw : 0), (crx ? 100 * ps / crx : 0)
		printf " packet exact runs: %s (goal 5 of 5);", pex
		printf " packet / masscan best: %s, / masscan best exact: %s (goal >= 6x);", (mb > 0 ? sprintf("%.1fx", p / mb) : "n/a"), (mbx > 0 ? sprintf("%.1fx", p / mbx) : "n/a")
		printf " wall with ocsf+elastic+cef vs ndjson only: %+.1f%% unpaced, %+.1f%% at %d/s (goal within 5%%).\n", (w0 ? 100 * (w3 - w0) / w0 : 0), (pw0 ? 100 * (pw3 - pw0) / pw0 : 0), paced
		if (mb > 0) {
			if (6 * mb > c)
				printf "\n**6 x masscan best (%.0f probes/s) is above the lab ceiling measured in this run (%.0f SYN/s): no sender can reach the 6x goal in this lab.**\n", 6 * mb, c
			else
				printf "\n6 x masscan best (%.0f probes/s) is below the lab ceiling measured in this run (%.0f SYN/s): the 6x goal is within what this lab carries.\n", 6 * mb, c
		}
	}'
	c2="ceiling-${NCPU}t"
	if [ -s "$W/perf-packet.cat" ]; then
		echo
		echo "## Where ecsprobe's extra CPU goes (perf record -g; self samples per million probes, by category)"
		echo
		echo "One \`perf record -g\` each of $c2 (afpacket_send -T $NCPU), $RXC (the same with -R) and one ecsprobe packet-path scan (ndjson to a file), all of $NPROBES probes; \`perf report --no-children --sort dso,sym -g none\`, each symbol's self samples bucketed below and divided by $NPROBES / 1e6. Event cpu-clock at ${PERF_FREQ:-?} Hz: samples / ${PERF_FREQ:-?} = CPU seconds (e.g. 4000 samples per M probes = 1 CPU s per M probes). perf follows the command's own threads: kernel work done in their context (the veth hop, the targets' stacks run from softirq on the sender's CPU) is counted, work in other tasks (ksoftirqd, other processes) is not."
		echo
		awk -v n="$NPROBES" -v freq="${PERF_FREQ:-0}" -v c2="$c2" -v rxc="$RXC" \
			-v f1="$W/perf-$c2.cat" -v f2="$W/perf-$RXC.cat" '
		{ f = (FILENAME == f1) ? 1 : (FILENAME == f2) ? 2 : 3; v[f, $1] = $2; tot[f] += $2 }
		END {
			split("a b c d e f g", k, " ")
			name["a"] = "(a) AF_PACKET receive (tpacket_rcv, packet_rcv*, packet_lookup_frame, __packet_rcv_has_room, prb_*, bpf_prog*, bpf_skb_load*, run_filter, sock_def_readable, __packet_{get,set}_status)"
			name["b"] = "(b) send syscalls (packet_sendmsg, packet_snd, sendmmsg/sendmsg, copy_msghdr_from_user, move_addr_to_kernel, dev_get_by_index, __dev_direct_xmit, packet_direct_xmit)"
			name["c"] = "(c) target side and IP stacks (every other kernel symbol: veth, ip_*, tcp_*, nft_*, netif_*, ...)"
			name["d"] = "(d) scheduler and wake-ups (finish_task_switch*, _raw_spin_unlock_irqrestore, try_to_wake_up, schedule*, futex*)"
			name["e"] = "(e) the program itself (ecsprobe / afpacket_send)"
			name["f"] = "(f) libc and vdso"
			name["g"] = "(g) other libraries and unknown (libpcap, libuv, libcjson, ld.so, ...)"
			m = 1e6 / n
			printf "| category | %s | %s | ecsprobe packet | ecsprobe - %s | ecsprobe - %s |\n", c2, rxc, c2, rxc
			print "|---|---:|---:|---:|---:|---:|"
			for (i = 1; i <= 7; i++) { c = k[i]
				printf "| %s | %.0f | %.0f | %.0f | %+.0f | %+.0f |\n", name[c], v[1, c] * m, v[2, c] * m, v[3, c] * m, (v[3, c] - v[1, c]) * m, (v[3, c] - v[2, c]) * m }
			printf "| **total** | %.0f | %.0f | %.0f | %+.0f | %+.0f |\n", tot[1] * m, tot[2] * m, tot[3] * m, (tot[3] - tot[1]) * m, (tot[3] - tot[2]) * m
			if (freq > 0)
				printf "\nIn CPU s per M probes (samples / %d): total %.2f, %.2f, %.2f; ecsprobe - %s %+.2f, ecsprobe - %s %+.2f.\n", freq, tot[1] * m / freq, tot[2] * m / freq, tot[3] * m / freq, c2, (tot[3] - tot[1]) * m / freq, rxc, (tot[3] - tot[2]) * m / freq
		}' "$W/perf-$c2.cat" "$W/perf-$RXC.cat" "$W/perf-packet.cat"
		echo
		echo "Runs under perf: $c2: $(cat "$W/perf-$c2.out" 2>/dev/null); $RXC: $(cat "$W/perf-$RXC.out" 2>/dev/null)."
	fi
	if [ -s "$W/perf.top" ]; then
		echo
		echo "## perf profile of one packet-path scan (perf record -g; self time by symbol, top 25)"
		echo
		echo '```'
		cat "$W/perf.top"
		echo '```'
	fi
	if [ -s "$W/perf3.threads" ]; then
		echo
		echo "## Per-thread split of one packet+3sinks scan (perf record; perf report --sort $PERF3_SORT)"
		echo
		if [ "$PERF3_SORT" = pid,dso ]; then
			echo "ecsprobe does not name its threads: one line per thread id${PERF3_MAIN:+ (the main thread is $PERF3_MAIN)}."
		else
			echo "One line per thread name."
		fi
		echo
		echo "Share of all samples per thread:"
		echo
		echo '```'
		cat "$W/perf3.total"
		echo '```'
		echo
		echo "Per thread and shared object (top 30):"
		echo
		echo '```'
		cat "$W/perf3.threads"
		echo '```'
	fi
	echo
	echo "Reproduce (root): \`ECSPROBE=./ecsprobe BENCH_PERF=1 flock /tmp/ecsprobe-bench.lock bench/wire.sh\`; raw rows: wire.tsv (tool run exit wall cpu rss open wrong send_s drops reserved)."
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
