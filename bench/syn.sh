#!/bin/bash
# bench/syn.sh - ecsprobe --mode syn vs masscan vs nmap -sS, with the lab's
# own packet limit measured by a bare AF_PACKET sender (bench/afpacket_send.c),
# on the veth lab of tests/lab/lab.sh: 16 hosts x TCP ports 1-65535 behind a
# veth pair in a second network namespace.  Writes bench/results/syn.md.
#
# usage: bench/syn.sh            (as root; or: make bench)
#
# Environment:
#   ECSPROBE        ecsprobe binary (default: ../ecsprobe from this script)
#   EP_LISTEN       ep_listen binary (else built from tests/lab/ep_listen.c)
#   BENCH_RUNS      runs of every measurement (default 3)
#   BENCH_SEED      lab seed (default 1); BENCH_OPEN (320), BENCH_FILTERED (300)
#   RAW_RATES       afpacket_send rates, 0 = unpaced (default "100000 200000 300000 0")
#   ECS_RATES       ecsprobe --rate values (default "100000 200000 300000 400000 600000 1000000")
#   MASSCAN_RATES   masscan --rate values (default "50000 100000 200000 400000")
#   BENCH_SKIP_NMAP=1, BENCH_SKIP_MASSCAN=1, BENCH_SKIP_ECS=1
#   BENCH_RESULTS   output file (default bench/results/syn.md)
#   BENCH_KEEP=1    keep the work directory
#   CC              compiler for afpacket_send (default cc)
#
# Needs root, iproute2, nftables, util-linux (unshare, nsenter), jq, GNU time,
# nmap; masscan is installed with apt-get when missing (bench only: not in
# .ci/packages).
#
# SAFETY: everything runs inside a fresh `unshare -n` namespace whose only
# link is the lab's veth pair into the target namespace (lab_veth_assert: no
# default route, no other interface, nothing outside 198.18.0.0/24 routable)
# - checked before every measurement.  masscan, nmap and the raw sender are
# only ever aimed at 198.18.0.10-25 through eplab0.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")
top=$(dirname "$here")
RESULTS=${BENCH_RESULTS:-$here/results/syn.md}

die() { echo "bench/syn: $*" >&2; exit 1; }
log() { echo "bench/syn: $*" >&2; }

if [ -z "${EP_BENCH_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, raw sockets)"
	unshare -n true 2>/dev/null || die "unshare -n failed"
	for t in nft ip jq awk nsenter; do
		command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
	done
	[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install -y time"
	# bench-only peer, installed here (outside the namespace: apt needs the network)
	if [ "${BENCH_SKIP_MASSCAN:-0}" != 1 ] && ! command -v masscan >/dev/null 2>&1; then
		log "installing masscan (apt-get)"
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq masscan ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq masscan; }; } >/dev/null 2>&1 ||
			log "WARNING: cannot install masscan; it will not be measured"
	fi
	case $RESULTS in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
	export EP_BENCH_IN_NETNS=1 BENCH_RESULTS=$RESULTS
	exec unshare -n -- /bin/bash "$me" "$@"
	die "cannot exec unshare -n"
fi

RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
NOPEN=${BENCH_OPEN:-320}
NFILT=${BENCH_FILTERED:-300}
RAW_RATES=${RAW_RATES:-100000 200000 300000 0}
ECS_RATES=${ECS_RATES:-100000 200000 300000 400000 600000 1000000}
MASSCAN_RATES=${MASSCAN_RATES:-50000 100000 200000 400000}
NHOSTS=16
PLO=1
PHI=65535
NPROBES=$((NHOSTS * (PHI - PLO + 1)))

if [ -z "${ECSPROBE:-}" ]; then
	for c in ${abs_top_builddir:+"$abs_top_builddir/ecsprobe"} "$top/ecsprobe"; do
		[ -x "$c" ] && { ECSPROBE=$c; break; }
	done
fi
ECSPROBE=${ECSPROBE:-$top/ecsprobe}
have_ecs=1
if [ "${BENCH_SKIP_ECS:-0}" = 1 ] || [ ! -x "$ECSPROBE" ]; then
	have_ecs=0
elif ! "$ECSPROBE" scan --help 2>&1 | grep -q -- '--mode'; then
	log "WARNING: $ECSPROBE has no --mode syn; not measured"
	have_ecs=0
fi
have_masscan=0
[ "${BENCH_SKIP_MASSCAN:-0}" != 1 ] && command -v masscan >/dev/null 2>&1 && have_masscan=1
have_nmap=0
[ "${BENCH_SKIP_NMAP:-0}" != 1 ] && command -v nmap >/dev/null 2>&1 && have_nmap=1

. "$top/tests/lab/lab.sh" || die "cannot source lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-bench-syn.XXXXXX") || die "mktemp failed"
LAB_DIR=$W/lab
mkdir -p "$LAB_DIR"
TRICKLE_PID=
cleanup() {
	[ -n "$TRICKLE_PID" ] && kill "$TRICKLE_PID" 2>/dev/null
	lab_veth_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work directory kept: $W"
	else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

${CC:-cc} -std=c11 -O2 -Wall -Wextra -pthread -o "$W/afpacket_send" "$here/afpacket_send.c" ||
	die "cannot build bench/afpacket_send.c"

# ---------------------------------------------------------------- lab
log "lab: $NHOSTS hosts x ports $PLO-$PHI = $NPROBES probes, $NOPEN open, $NFILT filtered, seed $SEED"
lab_veth_up "$NHOSTS" 0 || die "lab_veth_up failed"
HOSTS=$LAB_V4_HOSTS
set -- $HOSTS
FIRST=$1
LAST=${!#}
P=$LAB_DIR/plan
mkdir -p "$P"
lab_pick "$SEED" "$PLO" "$PHI" "$NOPEN" "$NFILT" 0 "$P" $HOSTS || die "lab_pick failed"
lab_veth_plant "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" || die "lab_veth_plant failed"
printf '%s\n' $HOSTS > "$W/targets"
# Replies that reach the scanner's NIC, for the raw sender (source ports
# 61000-61999; nothing else uses them): counted at ingress, before anything
# the scanner's own kernel does with them.
nft -f - <<NFT || die "cannot load the reply counters"
table netdev epbench {
	counter replies { }
	chain in {
		type filter hook ingress device "$LAB_IF" priority 0; policy accept;
		ether type ip ip protocol tcp tcp dport 61000-61999 counter name replies
	}
}
NFT
reply_count() {
	nft list counter netdev epbench replies | awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}
if_drops() { # TX drops of the scanner's veth end (the peer's backlog was full)
	ip -s -s link show "$LAB_IF" | awk '/TX:/ { getline; print $4; exit }'
}

# ---------------------------------------------------------------- measuring
# Open-port accuracy of a tool: stdin "ADDRESS PORT STATE" (any order).
# Prints: reported open_found false_open wrong_or_missing (the last one over
# every state, only meaningful for tools that report closed/filtered too).
score() {
	awk -v total="$NPROBES" -v of="$P/open.spec" -v ff="$P/filtered.spec" '
	function load(file, state,    line, a) {
		while ((getline line < file) > 0) {
			sub(/#.*/, "", line)
			if (split(line, a, " ") >= 2) truth[a[1] " " (a[2] + 0)] = state
		}
		close(file)
	}
	BEGIN { load(of, "open"); load(ff, "filtered") }
	NF >= 3 {
		k = $1 " " ($2 + 0)
		if (k in seen) next
		seen[k] = 1
		rep++
		want = (k in truth) ? truth[k] : "closed"
		if ($3 == "open" && want == "open") ofound++
		if ($3 == "open" && want != "open") ofalse++
		if ($3 == want) right++
	}
	END { printf "%d %d %d %d\n", rep, ofound, ofalse, total - right }'
}
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
ROWS=$W/rows.tsv
: > "$ROWS"
# record TOOL RATE RUN NAME [SCOREFILE] [EXTRA]: one TSV row from $W/NAME.*
#   tool rate run rc wall cpu rss syns reported ofound ofalse wrong cap_recv cap_drop cap_ifdrop extra
record() {
	local tool=$1 rate=$2 run=$3 name=$4 sc=${5:-} extra=${6:--} wall user sys rss rep=- of=- fo=- wr=-
	wall=$(timefield "$W/$name.time" "Elapsed (wall clock) time")
	user=$(timefield "$W/$name.time" "User time (seconds)")
	sys=$(timefield "$W/$name.time" "System time (seconds)")
	rss=$(timefield "$W/$name.time" "Maximum resident set size (kbytes)")
	[ -n "$sc" ] && read -r rep of fo wr < "$sc"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rate" "$run" \
		"$(cat "$W/$name.rc")" "${wall:-0}" "$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.2f", u + s }')" \
		"${rss:-0}" "$(cat "$W/$name.syns" 2>/dev/null || echo -)" "$rep" "$of" "$fo" "$wr" "$extra" >> "$ROWS"
}
# run_timed NAME TIMEOUT CMD... : /usr/bin/time -v, SYNs the target saw
run_timed() {
	local name=$1 limit=$2 before
	shift 2
	lab_veth_assert || die "lab not isolated; stopping"
	before=$(lab_syn_count)
	/usr/bin/time -v -o "$W/$name.time" timeout -k 5 "$limit" "$@" \
		> "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
	echo $? > "$W/$name.rc"
	echo $(( $(lab_syn_count) - before )) > "$W/$name.syns"
}
limit_for() { # seconds allowed for a full scan at RATE
	awk -v n="$NPROBES" -v r="$1" 'BEGIN { print (r > 0 && r < 10000000) ? int(n / r * 2) + 60 : 120 }'
}

raw_once() { # raw_once RATE RUN
	local rate=$1 run=$2 name="raw-$1-$2" sport r0 d0 out
	sport=$((61000 + RANDOM % 1000))
	r0=$(reply_count)
	d0=$(if_drops)
	run_timed "$name" 120 "$W/afpacket_send" -i "$LAB_IF" -s "$LAB_SCANNER_MAC" -d "$LAB_TARGET_MAC" \
		-S "$LAB_SRC4" -P "$sport" -p "$PLO-$PHI" -r "$rate" -b 64 $HOSTS
	sleep 1 # the last replies
	out=$(cat "$W/$name.stdout")
	# extra: sent pps (the sender's own clock) replies if_drops
	record raw "$rate" "$run" "$name" "" \
		"$(printf '%s' "$out" | sed -n 's/.*sent=\([0-9]*\).*pps=\([0-9]*\).*/sent=\1 pps=\2/p') replies=$(( $(reply_count) - r0 )) ifdrop=$(( $(if_drops) - d0 ))"
	log "raw sender rate $rate run $run: $out, replies $(( $(reply_count) - r0 ))"
}

ecs_once() {
	local rate=$1 run=$2 name="ecs-$1-$2" s
	run_timed "$name" "$(limit_for "$rate")" "$ECSPROBE" scan --targets "$W/targets" -p "$PLO-$PHI" \
		--mode syn --rate "$rate" --timeout 500 --retries 1 --no-progress -q -o "ndjson:$W/$name.ndjson"
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/$name.ndjson" 2>/dev/null |
		score > "$W/$name.score"
	s=$(tail -n 1 "$W/$name.ndjson" 2>/dev/null | jq -r 'select(.type == "summary")
		| "recv=\(.capture.received // "-") drop=\(.capture.dropped // "-") ifdrop=\(.capture.if_dropped // "-") invalid=\(.invalid_replies // "-") sent=\(.probes_sent // "-") dur=\(.duration_s // "-") send=\(.sending_s // "-") complete=\(.complete)"' 2>/dev/null)
	record ecsprobe "$rate" "$run" "$name" "$W/$name.score" "${s:-no-summary}"
	log "ecsprobe rate $rate run $run: exit $(cat "$W/$name.rc"), score $(cat "$W/$name.score"), $s"
}

masscan_once() {
	local rate=$1 run=$2 name="masscan-$1-$2" note=-
	# masscan 1.3.2 can hang in its final wait unless packets keep arriving:
	# a trickle of UDP datagrams from the target side (port 9, discard)
	nsenter -t "$LAB_TARGET_PID" -n -- /bin/bash -c \
		"while :; do echo x > /dev/udp/$LAB_SRC4/9; sleep 0.2; done" 2>/dev/null &
	TRICKLE_PID=$!
	run_timed "$name" "$(limit_for "$rate")" masscan "$FIRST-$LAST" -p "$PLO-$PHI" --rate "$rate" \
		--adapter "$LAB_IF" --adapter-ip "$LAB_SRC4" --adapter-mac "$LAB_SCANNER_MAC" \
		--router-mac "$LAB_TARGET_MAC" --wait 2 -oL "$W/$name.list"
	kill "$TRICKLE_PID" 2>/dev/null
	wait "$TRICKLE_PID" 2>/dev/null
	TRICKLE_PID=
	[ "$(cat "$W/$name.rc")" = 124 ] && note=hang-killed
	awk '$1 == "open" { print $4, $3, "open" }' "$W/$name.list" 2>/dev/null | score |
		awk '{ $4 = "-"; print }' > "$W/$name.score"
	record masscan "$rate" "$run" "$name" "$W/$name.score" "$note"
	log "masscan rate $rate run $run: exit $(cat "$W/$name.rc"), score $(cat "$W/$name.score")"
}

nmap_once() {
	local run=$1 name="nmap-$1"
	run_timed "$name" 900 nmap -sS -n -Pn -T5 -p "$PLO-$PHI" "$FIRST-${LAST##*.}" -oX "$W/$name.xml"
	lab_nmap_states "$W/$name.xml" | score > "$W/$name.score"
	record "nmap -sS -T5" T5 "$run" "$name" "$W/$name.score"
	log "nmap run $run: exit $(cat "$W/$name.rc"), score $(cat "$W/$name.score")"
}

for run in $(seq 1 "$RUNS"); do
	log "---- run $run of $RUNS"
	for r in $RAW_RATES; do raw_once "$r" "$run"; done
	if [ "$have_ecs" = 1 ]; then
		for r in $ECS_RATES; do ecs_once "$r" "$run"; done
	fi
	if [ "$have_masscan" = 1 ]; then
		for r in $MASSCAN_RATES; do masscan_once "$r" "$run"; done
	fi
	[ "$have_nmap" = 1 ] && nmap_once "$run"
done
cp "$ROWS" "${RESULTS%.md}.tsv" 2>/dev/null

# ---------------------------------------------------------------- report
# Aggregates rows of one tool per rate: runs, probes/s (NPROBES / wall)
# median [min-max], wall median, CPU median, CPU% median, RSS max, recall
# min/median, precision min, wrong states max, exits, extra of the worst run.
table() {
	awk -F'\t' -v tool="$1" -v n="$NPROBES" -v nopen="$NOPEN" '
	function med(s,    a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function mn(s,    a, k, i, m) { k = split(s, a, " "); m = a[1]; for (i = 2; i <= k; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
	function mx(s,    a, k, i, m) { k = split(s, a, " "); m = a[1]; for (i = 2; i <= k; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
	$1 == tool {
		r = $2
		if (!(r in cnt)) order[++no] = r
		cnt[r]++
		pps[r] = pps[r] " " (($5 > 0) ? int(n / $5 + 0.5) : 0)
		wall[r] = wall[r] " " $5
		cpu[r] = cpu[r] " " $6
		cpup[r] = cpup[r] " " (($5 > 0) ? int(100 * $6 / $5 + 0.5) : 0)
		rss[r] = rss[r] " " $7
		syn[r] = syn[r] " " $8
		rec[r] = rec[r] " " (($10 == "-") ? 0 : 100 * $10 / nopen)
		prec[r] = prec[r] " " (($10 == "-" || $10 + $11 == 0) ? 0 : 100 * $10 / ($10 + $11))
		wrong[r] = wrong[r] " " (($12 == "-") ? 0 : $12)
		if ($12 == "-") wna[r] = 1
		rcs[r] = rcs[r] (rcs[r] == "" ? "" : ",") $4
		d = "-"
		if (match($13, /drop=[0-9]+/)) d = substr($13, RSTART + 5, RLENGTH - 5)
		else if ($13 != "-") extra[r] = extra[r] (extra[r] == "" ? "" : "; ") "run " $3 ": " $13
		drops[r] = drops[r] (drops[r] == "" ? "" : ",") d
	}
	END {
		for (i = 1; i <= no; i++) {
			r = order[i]
			printf "| %s | %d | %d [%d-%d] | %.1f | %.1f | %d%% | %d | %.1f / %.1f | %.1f | %s | %s | %s | %s |\n",
				(r == "100000000" ? "unpaced" : r), cnt[r], med(pps[r]), mn(pps[r]), mx(pps[r]), med(wall[r]),
				med(cpu[r]), med(cpup[r]), mx(rss[r]), mn(rec[r]), med(rec[r]), mn(prec[r]),
				(r in wna) ? "n/a" : mx(wrong[r]), drops[r], rcs[r], (extra[r] == "" ? "" : extra[r])
		}
	}' "$ROWS"
}
raw_table() {
	awk -F'\t' -v n="$NPROBES" -v nfilt="$NFILT" '
	$1 == "raw" {
		r = $2; if (!(r in cnt)) order[++no] = r
		cnt[r]++
		split($13, kv, " ")
		delete f
		for (j in kv) { split(kv[j], p, "="); f[p[1]] = p[2] }
		want = f["sent"] - nfilt
		allrep = (f["replies"] == want) ? "yes" : "no (" f["replies"] "/" want ")"
		line[r] = line[r] sprintf("%s%d", (line[r] == "" ? "" : ", "), f["pps"])
		reps[r] = reps[r] sprintf("%s%s", (reps[r] == "" ? "" : ", "), allrep)
		drops[r] = drops[r] sprintf("%s%d", (drops[r] == "" ? "" : ", "), f["ifdrop"])
		cpu[r] = cpu[r] sprintf("%s%s", (cpu[r] == "" ? "" : ", "), $6)
		if (f["replies"] == want && f["pps"] > best) best = f["pps"]
	}
	END {
		for (i = 1; i <= no; i++) {
			r = order[i]
			printf "| %s | %s | %s | %s | %s |\n", (r == 0 ? "unpaced" : r), line[r], reps[r], drops[r], cpu[r]
		}
		printf "LIMIT %d\n", best
	}' "$ROWS"
}
RAW_TABLE=$(raw_table)
LIMIT=$(printf '%s\n' "$RAW_TABLE" | awk '$1 == "LIMIT" { print $2 }')
# best rate of a tool: highest median probes/s over its rates; and the
# highest median among rates where every run found every open port
best_of() {
	table "$1" | awk -F'|' -v want="$2" '
	{ split($4, a, " "); pps = a[1] + 0; split($9, rc, "/"); recmin = rc[1] + 0
	  if (pps > best) best = pps
	  if (recmin >= 100 && pps > best100) best100 = pps }
	END { print (want == "all") ? best + 0 : best100 + 0 }'
}
{
	echo "# Raw SYN mode: ecsprobe vs masscan vs nmap -sS, and the lab's packet limit"
	echo
	echo "Generated by \`bench/syn.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS run(s) of every measurement, in the same run."
	echo
	echo "## Machine"
	echo
	echo "- CPUs (nproc): $(nproc); kernel $(uname -r) ($(uname -m)); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	echo "- nmap: $(nmap --version 2>/dev/null | head -n 1)"
	echo "- masscan: $(masscan --version 2>/dev/null | grep -m1 -i 'version' || echo 'not installed')"
	[ "$have_ecs" = 1 ] && echo "- ecsprobe: $("$ECSPROBE" --version 2>/dev/null | head -n 1)"
	echo
	echo "## Lab"
	echo
	echo "The veth lab of \`tests/lab/lab.sh\`: the scanner in a fresh \`unshare -n\` namespace"
	echo "($LAB_IF, $LAB_SRC4/24), the targets $FIRST-$LAST on the other end of a veth pair in a"
	echo "second namespace; no default route on either side. $NHOSTS hosts x TCP ports $PLO-$PHI ="
	echo "$NPROBES probes; $NOPEN open ports (ep_listen), $NFILT filtered (nft drop), every other"
	echo "port closed (kernel RST); pseudo-random with seed $SEED (\`lab_pick\`)."
	echo
	echo "## The lab's packet limit (bench/afpacket_send.c)"
	echo
	echo "A bare AF_PACKET sender: one prebuilt 58-byte SYN frame per host, patched per"
	echo "port, 64 frames per sendmmsg(2); replies counted by an nft ingress counter on"
	echo "$LAB_IF. \"All replied\" = replies equal SYNs sent minus the $NFILT filtered ports."
	echo
	echo "| requested rate | achieved SYN/s (per run) | all replied | veth TX drops | CPU s |"
	echo "|---:|---|---|---|---|"
	printf '%s\n' "$RAW_TABLE" | grep '^|'
	echo
	echo "**Lab limit: $LIMIT SYN/s** (the highest achieved rate at which every SYN got its reply)."
	echo
	echo "## Scanners"
	echo
	echo "probes/s = $NPROBES / wall time (wall includes each tool's final wait); recall ="
	echo "open ports found / $NOPEN, precision = true open / reported open (min over runs;"
	echo "recall as min / median); \"wrong\" counts every port whose reported state"
	echo "(open, closed or filtered) differs from the truth, missing ones included"
	echo "(n/a for masscan, which reports open ports only)."
	echo
	hdr="| rate | runs | probes/s median [min-max] | wall s | CPU s | CPU % | max RSS KiB | recall % min / median | precision % min | wrong max | capture drops | exit | notes |"
	sep="|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---|---|---|"
	if [ "$have_ecs" = 1 ]; then
		echo "### ecsprobe --mode syn (--timeout 500 --retries 1)"
		echo
		echo "$hdr"; echo "$sep"
		table ecsprobe
		echo
		echo "Capture drops: the summary's capture.dropped, per run (libpcap ring full); the"
		echo "retries make up for them when they can. Full summaries are in the .tsv file."
		echo
		echo "Send phase: probes/s until every target had its first SYN (the summary's"
		echo "sending_s); the rest of the wall time is the final wait for answers (adaptive:"
		echo "srtt + 4 rttvar, at least 100 ms, at most --timeout) and the retries"
		echo "of the $NFILT filtered ports, which no exact scanner can skip."
		echo
		echo "| rate | send-phase probes/s median [min-max] |"
		echo "|---:|---|"
		awk -F'\t' -v n="$NPROBES" '$1 == "ecsprobe" {
			if (match($13, /send=[0-9.]+/)) {
				v = substr($13, RSTART + 5, RLENGTH - 5) + 0
				if (v > 0) { k = $2; c[k]++; a[k, c[k]] = n / v; if (!(k in seen)) { seen[k] = 1; order[++no] = k } }
			}
		} END {
			for (o = 1; o <= no; o++) {
				k = order[o]; m = c[k]
				for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[k, j] < a[k, i]) { t = a[k, i]; a[k, i] = a[k, j]; a[k, j] = t }
				printf "| %s | %.0f [%.0f-%.0f] |\n", k, a[k, int((m + 1) / 2)], a[k, 1], a[k, m]
			}
		}' "$ROWS"
		echo
	else
		echo "ecsprobe --mode syn was not measured (binary missing or without --mode)."
		echo
	fi
	if [ "$have_masscan" = 1 ]; then
		echo "### masscan (--wait 2, with a trickle of packets against its final-wait hang)"
		echo
		echo "$hdr"; echo "$sep"
		table masscan
		echo
	else
		echo "masscan was not measured."
		echo
	fi
	if [ "$have_nmap" = 1 ]; then
		echo "### nmap -sS -T5"
		echo
		echo "$hdr"; echo "$sep"
		table "nmap -sS -T5"
		echo
	fi
	echo "## Goals"
	echo
	mbest=$(best_of masscan all)
	ebest100=$(best_of ecsprobe 100)
	echo "- masscan's best rate on this lab: ${mbest:-0} probes/s (any recall)."
	echo "- ecsprobe's best rate with 100% recall in every run: ${ebest100:-0} probes/s."
	awk -v e="${ebest100:-0}" -v m="${mbest:-0}" -v l="${LIMIT:-0}" 'BEGIN {
		printf "- ecsprobe / masscan best: %s (goal >= 2x): %s\n", (m > 0 ? sprintf("%.2fx", e / m) : "n/a"), (m > 0 && e >= 2 * m ? "met" : "not met")
		printf "- ecsprobe / lab limit: %s (goal >= 80%%): %s\n", (l > 0 ? sprintf("%.0f%%", 100 * e / l) : "n/a"), (l > 0 && e >= 0.8 * l ? "met" : "not met")
	}'
	echo
	echo "## Commands (inside the scanner namespace)"
	echo
	echo '```'
	echo "afpacket_send -i $LAB_IF -s SCANNER_MAC -d TARGET_MAC -S $LAB_SRC4 -P SPORT -p $PLO-$PHI -r RATE -b 64 $FIRST ... $LAST"
	echo "ecsprobe scan --targets targets.txt -p $PLO-$PHI --mode syn --rate RATE --timeout 500 --retries 1 --no-progress -q -o ndjson:FILE"
	echo "masscan $FIRST-$LAST -p $PLO-$PHI --rate RATE --adapter $LAB_IF --adapter-ip $LAB_SRC4 --adapter-mac SCANNER_MAC --router-mac TARGET_MAC --wait 2 -oL FILE"
	echo "nmap -sS -n -Pn -T5 -p $PLO-$PHI $FIRST-${LAST##*.} -oX FILE"
	echo '```'
	echo
	echo "Every command ran under \`/usr/bin/time -v\` and \`timeout\`; the raw rows are in \`$(basename "${RESULTS%.md}.tsv")\`."
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
