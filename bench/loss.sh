#!/bin/bash
# bench/loss.sh - exact across a lossy path: ecsprobe --mode syn and --mode
# connect vs nmap -sS -T4 and nmap -sT -T4 on the veth lab of tests/lab/lab.sh
# (16 hosts x TCP 1-65535, 320 open, 320 dropped by a filter) with random loss
# applied by nftables on the target side (`numgen random mod 100 < N drop` on
# the prerouting and output hooks; no netem needed) at 0%, 2% and 5% each
# way.  Writes bench/results/loss.md (and loss.tsv).
#
# usage: bench/loss.sh            (as root; or: make bench)
#
# Environment:
#   ECSPROBE        ecsprobe binary (default: ../ecsprobe from this script)
#   EP_LISTEN       ep_listen binary (else built from tests/lab/ep_listen.c)
#   BENCH_RUNS      ecsprobe runs per mode and loss level (default 3)
#   NMAP_RUNS       nmap runs per mode and loss level (default 1)
#   NMAP_LIMIT      wall-time cap of one nmap run in seconds (default 300)
#   LOSS_LEVELS     percent dropped each way (default "0 2 5")
#   ECS_RATE        ecsprobe --rate (default 50000)
#   BENCH_SEED      lab seed (default 1)
#   BENCH_SKIP_NMAP=1
#   BENCH_NOTE      a line for the report (e.g. what else ran on the machine)
#   BENCH_RESULTS   output file (default bench/results/loss.md)
#
# SAFETY: everything runs inside a fresh `unshare -n` namespace whose only
# link is the lab's veth pair into the target namespace (lab_veth_assert: no
# default route, no other interface, nothing outside 198.18.0.0/24 routable)
# - checked before every measurement.  nmap and ecsprobe are only ever aimed
# at 198.18.0.10-25 through eplab0.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")
top=$(dirname "$here")
RESULTS=${BENCH_RESULTS:-$here/results/loss.md}

die() { echo "bench/loss: $*" >&2; exit 1; }
log() { echo "bench/loss: $*" >&2; }

if [ -z "${EP_BENCH_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, raw sockets)"
	unshare -n true 2>/dev/null || die "unshare -n failed"
	for t in nft ip jq awk nsenter timeout; do
		command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
	done
	case $RESULTS in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
	export EP_BENCH_IN_NETNS=1 BENCH_RESULTS=$RESULTS
	exec unshare -n -- /bin/bash "$me" "$@"
	die "cannot exec unshare -n"
fi

RUNS=${BENCH_RUNS:-3}
NMAP_RUNS=${NMAP_RUNS:-1}
NMAP_LIMIT=${NMAP_LIMIT:-300}
LEVELS=${LOSS_LEVELS:-0 2 5}
RATE=${ECS_RATE:-50000}
SEED=${BENCH_SEED:-1}
NOPEN=320
NFILT=320
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
[ -x "$ECSPROBE" ] || die "ecsprobe not found: $ECSPROBE (set ECSPROBE)"
have_nmap=0
[ "${BENCH_SKIP_NMAP:-0}" != 1 ] && command -v nmap >/dev/null 2>&1 && have_nmap=1

. "$top/tests/lab/lab.sh" || die "cannot source lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-bench-loss.XXXXXX") || die "mktemp failed"
LAB_DIR=$W/lab
mkdir -p "$LAB_DIR"
cleanup() {
	lab_veth_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then log "work directory kept: $W"
	else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
lab_truth "$PLO" "$PHI" "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" $HOSTS > "$W/truth"
printf '%s\n' $HOSTS > "$W/targets"

# set_loss N: N% dropped at random each way; SYNs counted before the drop
# (what the tool sent), whatever the tool.
set_loss() {
	lab_veth_exec nft delete table inet eploss 2>/dev/null
	lab_veth_exec nft -f - <<NFT
table inet eploss {
	counter syn_sent { }
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		tcp flags & (fin | syn | rst | ack) == syn counter name syn_sent
		numgen random mod 100 < $1 drop
	}
	chain out {
		type filter hook output priority raw; policy accept;
		numgen random mod 100 < $1 drop
	}
}
NFT
}
syn_sent() {
	lab_veth_exec nft list counter inet eploss syn_sent |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}

# score < "ADDRESS PORT STATE": open ports found, ports whose state equals
# the truth (missing ones count as wrong)
score() {
	awk -v total="$NPROBES" 'FNR == NR { truth[$1 " " $2] = $3; next }
	{ k = $1 " " ($2 + 0); if (k in seen) next; seen[k] = 1
	  if ($3 == "open" && truth[k] == "open") found++
	  if ($3 == truth[k]) right++ }
	END { printf "%d %d\n", found, right }' "$W/truth" -
}
now() { date +%s.%N; }

ROWS=$W/rows.tsv
: > "$ROWS"
# row TOOL LOSS RUN RC WALL SYNS FOUND RIGHT NOTE
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$ROWS"; }

ecs_once() { # MODE LOSS RUN
	local mode=$1 loss=$2 run=$3 name="ecs-$1-$2-$3" s0 t0 t1 rc sc note
	lab_veth_assert || die "lab not isolated; stopping"
	s0=$(syn_sent)
	t0=$(now)
	timeout -k 5 600 "$ECSPROBE" scan --targets "$W/targets" -p "$PLO-$PHI" --mode "$mode" \
		--rate "$RATE" --no-progress -q -o "ndjson:$W/$name.ndjson" > "$W/$name.out" 2> "$W/$name.err" < /dev/null
	rc=$?
	t1=$(now)
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/$name.ndjson" | score > "$W/$name.score"
	read -r found right < "$W/$name.score"
	note=$(tail -n 1 "$W/$name.ndjson" | jq -r 'select(.type == "summary") |
		"loss=\(.loss.rate * 10000 | round / 100)% extra=\(.loss.extra_retries) slowdowns=\(.loss.slowdowns) sent=\(.probes_sent)"')
	row "ecsprobe $mode" "$loss" "$run" "$rc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
		"$(( $(syn_sent) - s0 ))" "$found" "$right" "${note:-no-summary}"
	log "ecsprobe $mode loss $loss% run $run: exit $rc, $(tail -n 1 "$ROWS" | cut -f5-)"
}

nmap_once() { # FLAG LOSS RUN
	local flag=$1 loss=$2 run=$3 name="nmap$1-$2-$3" s0 t0 t1 rc note=-
	lab_veth_assert || die "lab not isolated; stopping"
	s0=$(syn_sent)
	t0=$(now)
	timeout -k 5 "$NMAP_LIMIT" nmap "$flag" -T4 -n -Pn -p "$PLO-$PHI" "$FIRST-${LAST##*.}" \
		-oX "$W/$name.xml" > "$W/$name.out" 2> "$W/$name.err" < /dev/null
	rc=$?
	t1=$(now)
	[ "$rc" = 124 ] && note="stopped at ${NMAP_LIMIT}s"
	lab_nmap_states "$W/$name.xml" 2>/dev/null | score > "$W/$name.score"
	read -r found right < "$W/$name.score"
	row "nmap $flag -T4" "$loss" "$run" "$rc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
		"$(( $(syn_sent) - s0 ))" "$found" "$right" "$note"
	log "nmap $flag loss $loss% run $run: exit $rc, $(tail -n 1 "$ROWS" | cut -f5-)"
}

for loss in $LEVELS; do
	set_loss "$loss" || die "cannot load the loss table"
	for run in $(seq 1 "$RUNS"); do
		ecs_once syn "$loss" "$run"
		ecs_once connect "$loss" "$run"
	done
	if [ "$have_nmap" = 1 ]; then
		for run in $(seq 1 "$NMAP_RUNS"); do
			nmap_once -sS "$loss" "$run"
			nmap_once -sT "$loss" "$run"
		done
	fi
done
cp "$ROWS" "${RESULTS%.md}.tsv" 2>/dev/null

# ---------------------------------------------------------------- report
# per tool and loss level: runs, wall median [min-max], SYNs per port
# median, recall min, exact states min (share and wrong count), exits, notes
table() {
	awk -F'\t' -v n="$NPROBES" -v nopen="$NOPEN" '
	function med(s,    a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function mn(s,    a, k, i, m) { k = split(s, a, " "); m = a[1]; for (i = 2; i <= k; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
	function mx(s,    a, k, i, m) { k = split(s, a, " "); m = a[1]; for (i = 2; i <= k; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
	{
		k = $1 "|" $2
		if (!(k in cnt)) order[++no] = k
		cnt[k]++
		wall[k] = wall[k] " " $5
		ppp[k] = ppp[k] " " ($6 / n)
		rec[k] = rec[k] " " $7
		wrong[k] = wrong[k] " " (n - $8)
		rcs[k] = rcs[k] (rcs[k] == "" ? "" : ",") $4
		if ($9 != "-") notes[k] = notes[k] (notes[k] == "" ? "" : "; ") "run " $3 ": " $9
	}
	END {
		for (i = 1; i <= no; i++) {
			k = order[i]; split(k, t, "|")
			printf "| %s | %s%% | %d | %.2f [%.2f-%.2f] | %.3f | %d / %d | %d | %s | %s |\n",
				t[1], t[2], cnt[k], med(wall[k]), mn(wall[k]), mx(wall[k]), med(ppp[k]),
				mn(rec[k]), nopen, mx(wrong[k]), rcs[k], notes[k]
		}
	}' "$ROWS"
}
# wall(2%) / wall(0%) per ecsprobe mode, medians
ratios() {
	awk -F'\t' '
	function med(s,    a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	$1 ~ /^ecsprobe/ { w[$1 "|" $2] = w[$1 "|" $2] " " $5; tools[$1] = 1 }
	END {
		for (t in tools) {
			if (!((t "|0") in w) || !((t "|2") in w)) continue
			r = med(w[t "|2"]) / med(w[t "|0"])
			printf "- %s: wall time at 2%% loss / lossless = %.2f (goal <= 1.5): %s\n", t, r, (r <= 1.5 ? "met" : "not met")
		}
	}' "$ROWS" | sort
}
exact() { # every ecsprobe run at a lossy level: all open found, no wrong state
	awk -F'\t' -v n="$NPROBES" -v nopen="$NOPEN" '
	$1 ~ /^ecsprobe/ && $2 > 0 { runs++; if ($7 == nopen && $8 == n && $4 == 0) good++ }
	END { printf "- ecsprobe runs at 2%% and 5%% loss with 100%% recall and every state exact: %d of %d: %s\n", good, runs, (runs > 0 && good == runs ? "met" : "not met") }' "$ROWS"
}
{
	echo "# Exact across a lossy path: ecsprobe vs nmap with random loss"
	echo
	echo "Generated by \`bench/loss.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); every row below comes from this one run."
	echo
	echo "## Machine"
	echo
	echo "- CPUs (nproc): $(nproc); kernel $(uname -r) ($(uname -m)); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	echo "- nmap: $(nmap --version 2>/dev/null | head -n 1)"
	echo "- ecsprobe: $("$ECSPROBE" --version 2>/dev/null | head -n 1)"
	[ -n "${BENCH_NOTE:-}" ] && echo "- $BENCH_NOTE"
	echo
	echo "## Lab"
	echo
	echo "The veth lab of \`tests/lab/lab.sh\`: the scanner in a fresh \`unshare -n\` namespace,"
	echo "the targets $FIRST-$LAST behind a veth pair in a second one. $NHOSTS hosts x TCP"
	echo "ports $PLO-$PHI = $NPROBES probes; $NOPEN open (ep_listen), $NFILT dropped by an nft"
	echo "filter, every other port closed (RST); seed $SEED. Loss: \`numgen random mod 100 < N"
	echo "drop\` on the target namespace's prerouting and output hooks, N% each way (a round"
	echo "trip loses 1 - (1 - N/100)^2: 3.96% at 2%, 9.75% at 5%)."
	echo
	echo "## Results"
	echo
	echo "wall: seconds, median [min-max] over the runs; SYNs/port: SYNs that reached the"
	echo "target namespace (counted before the random drop) / $NPROBES, median; recall: open"
	echo "ports found, worst run; wrong: ports whose state differs from the truth (missing"
	echo "ones included), worst run. ecsprobe: \`--rate $RATE\`, default timeout and retries"
	echo "(loss-driven); nmap: defaults of -T4, each run capped at ${NMAP_LIMIT} s by \`timeout\`"
	echo "(a stopped run is scored on what its XML holds)."
	echo
	echo "| tool | loss each way | runs | wall s | SYNs/port | recall (worst) | wrong (worst) | exit | notes |"
	echo "|---|---:|---:|---|---:|---:|---:|---|---|"
	table
	echo
	echo "## Goals"
	echo
	exact
	ratios
	echo
	echo "## Commands (inside the scanner namespace)"
	echo
	echo '```'
	echo "ecsprobe scan --targets targets.txt -p $PLO-$PHI --mode syn|connect --rate $RATE --no-progress -q -o ndjson:FILE"
	echo "timeout -k 5 $NMAP_LIMIT nmap -sS|-sT -T4 -n -Pn -p $PLO-$PHI $FIRST-${LAST##*.} -oX FILE"
	echo '```'
	echo
	echo "Whole benchmark: \`flock /tmp/ecsprobe-bench.lock env ECSPROBE=./ecsprobe bench/loss.sh\`; raw rows in \`$(basename "${RESULTS%.md}.tsv")\`."
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
