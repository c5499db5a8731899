#!/bin/bash
# bench/udp.sh - ecsprobe UDP probing vs nmap -sU on the veth lab of
# tests/lab/lab.sh (16 hosts behind a veth pair in a second namespace, real
# DNS/NTP/SNMP/echo responders from tests/lab/udp_responders.py), with the
# target's ICMP rate limit off and at the Linux default.  Writes
# bench/results/udp.md.
#
# usage: bench/udp.sh            (as root; or: make bench)
#
# Environment:
#   ECSPROBE              ecsprobe binary (default: ../ecsprobe from here)
#   ECSPROBE_PROBES_DIR   probe files (default: ../probes from here)
#   BENCH_RUNS            runs of every measurement (default 3)
#   BENCH_SEED            lab seed (default 1)
#   UDP_PORTS_OFF         UDP ports scanned with the rate limit off (1-1000)
#   UDP_PORTS_ON          ... at the Linux default (1-20,53,123,161: there
#                         nmap -sU slows down to the target's ICMP error rate,
#                         ~0.3 s per probe; 1600 probes took it 9 minutes)
#   ECS_RATES             ecsprobe --rate values (default "5000 20000 100000")
#   NMAP_TIMING           nmap timing template (default T4)
#   BENCH_SKIP_NMAP=1, BENCH_SKIP_ECS=1, BENCH_KEEP=1
#   BENCH_RESULTS         output file (default bench/results/udp.md)
#   PYTHON                runs the responders (default python3)
#
# SAFETY: as bench/syn.sh - everything runs inside a fresh `unshare -n`
# namespace whose only link is the lab's veth pair (lab_veth_assert before
# every measurement); the only targets are 198.18.0.10-25.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C

me=$(readlink -f "$0")
here=$(dirname "$me")
top=$(dirname "$here")
RESULTS=${BENCH_RESULTS:-$here/results/udp.md}

die() { echo "bench/udp: $*" >&2; exit 1; }
log() { echo "bench/udp: $*" >&2; }

if [ -z "${EP_BENCH_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
	unshare -n true 2>/dev/null || die "unshare -n failed"
	for t in nft ip jq awk nsenter "${PYTHON:-python3}"; do
		command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
	done
	[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install -y time"
	case $RESULTS in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
	export EP_BENCH_IN_NETNS=1 BENCH_RESULTS=$RESULTS
	exec unshare -n -- /bin/bash "$me" "$@"
	die "cannot exec unshare -n"
fi

RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-1}
PORTS_OFF=${UDP_PORTS_OFF:-1-1000}
PORTS_ON=${UDP_PORTS_ON:-1-20,53,123,161}
ECS_RATES=${ECS_RATES:-5000 20000 100000}
NMAP_TIMING=${NMAP_TIMING:-T4}
NHOSTS=16
PROBES_DIR=${ECSPROBE_PROBES_DIR:-$top/probes}

if [ -z "${ECSPROBE:-}" ]; then
	for c in ${abs_top_builddir:+"$abs_top_builddir/ecsprobe"} "$top/ecsprobe"; do
		[ -x "$c" ] && { ECSPROBE=$c; break; }
	done
fi
ECSPROBE=${ECSPROBE:-$top/ecsprobe}
have_ecs=1
if [ "${BENCH_SKIP_ECS:-0}" = 1 ] || [ ! -x "$ECSPROBE" ] || [ ! -r "$PROBES_DIR/dns.probe" ]; then
	log "WARNING: ecsprobe ($ECSPROBE) or its probes ($PROBES_DIR) missing; not measured"
	have_ecs=0
fi
have_nmap=0
[ "${BENCH_SKIP_NMAP:-0}" != 1 ] && command -v nmap >/dev/null 2>&1 && have_nmap=1

. "$top/tests/lab/lab.sh" || die "cannot source lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-bench-udp.XXXXXX") || die "mktemp failed"
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
lab_veth_up "$NHOSTS" 0 || die "lab_veth_up failed"
HOSTS=$LAB_V4_HOSTS
set -- $HOSTS
FIRST=$1
LAST=${!#}
P=$LAB_DIR/plan
mkdir -p "$P"
# DNS on hosts 1-6, NTP on 5-10, SNMP on 9-14; 16 echo responders, 20
# dropped and 4 admin-prohibited ports at random (never on 53/123/161), a
# few of each in ports 1-20 (scanned in both conditions).
i=0
for h in $HOSTS; do
	i=$((i + 1))
	[ "$i" -le 6 ] && echo "$h 53 dns"
	[ "$i" -ge 5 ] && [ "$i" -le 10 ] && echo "$h 123 ntp"
	[ "$i" -ge 9 ] && [ "$i" -le 14 ] && echo "$h 161 snmp"
done > "$P/proto.spec"
for h in $HOSTS; do printf '%s\n' "$h 53" "$h 123" "$h 161"; done > "$P/open.spec"
: > "$P/filtered.spec"
: > "$P/rejected.spec"
n0=$(wc -l < "$P/open.spec")
lab_pick "$SEED" 1 20 3 3 1 "$P" $HOSTS || die "lab_pick failed"
lab_pick "$SEED" 1 1000 13 17 3 "$P" $HOSTS || die "lab_pick failed"
{
	cat "$P/proto.spec"
	tail -n +$((n0 + 1)) "$P/open.spec" | awk '{ print $1, $2, "echo" }'
} > "$P/responders.spec"
awk '{ print $1, $2 }' "$P/responders.spec" > "$P/open.spec"
lab_udp_plant "$P/responders.spec" "$P/filtered.spec" "$P/rejected.spec" || die "lab_udp_plant failed"
printf '%s\n' $HOSTS > "$W/targets"

# ports LIST: one port a line ("1-3,7" -> 1 2 3 7)
ports() {
	echo "$1" | tr ',' '\n' | awk -F- 'NF == 1 { print $1 } NF == 2 { for (p = $1; p <= $2; p++) print p }' | sort -un
}
# truth LIST: the truth for those ports (any in 1-65535)
truth() {
	lab_udp_truth 1 65535 "$P/open.spec" "$P/filtered.spec" "$P/rejected.spec" $HOSTS |
		awk -v pf=<(ports "$1") 'BEGIN { while ((getline l < pf) > 0) want[l] = 1 } $2 in want'
}
# score TRUTHFILE < "ADDRESS PORT STATE": reported open_found false_open
#   closed_found closed_total wrong (missing included)
score() {
	awk -v tf="$1" '
	BEGIN { while ((getline l < tf) > 0) { split(l, a, " "); t[a[1] " " a[2]] = a[3]; n++; if (a[3] == "closed") ct++ } }
	NF >= 3 {
		k = $1 " " $2
		if (!(k in t) || (k in seen)) next
		seen[k] = 1; rep++
		if ($3 == "open") { if (t[k] == "open") of++; else fo++ }
		if ($3 == "closed" && t[k] == "closed") cf++
		if ($3 == t[k]) right++
	}
	END { printf "%d %d %d %d %d %d\n", rep, of, fo, cf, ct, n - right }'
}
timefield() {
	awk -F': ' -v want="$2" '
	index($0, want) {
		v = $NF
		if (want ~ /Elapsed/) { n = split(v, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; v = s }
		print v; exit
	}' "$1"
}
ROWS=$W/rows.tsv
: > "$ROWS"
# run_one NAME CMD... : /usr/bin/time -v; UDP datagrams the lab got
run_one() {
	local name=$1 before
	shift
	lab_veth_assert || die "lab not isolated; stopping"
	before=$(lab_udp_count)
	/usr/bin/time -v -o "$W/$name.time" timeout -k 5 900 "$@" > "$W/$name.stdout" 2> "$W/$name.stderr" < /dev/null
	echo $? > "$W/$name.rc"
	echo $(( $(lab_udp_count) - before )) > "$W/$name.udp"
}
# row ICMP TOOL RATE RUN PORTS NAME: one TSV row from $W/NAME.*
#   icmp tool rate run rc wall cpu rss udp_in nprobes reported of fo cf ct wrong
row() {
	local name=$6 wall user sys
	wall=$(timefield "$W/$name.time" "Elapsed (wall clock) time")
	user=$(timefield "$W/$name.time" "User time (seconds)")
	sys=$(timefield "$W/$name.time" "System time (seconds)")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(cat "$W/$name.rc")" \
		"${wall:-0}" "$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.2f", u + s }')" \
		"$(timefield "$W/$name.time" "Maximum resident set size (kbytes)")" "$(cat "$W/$name.udp")" \
		"$(( NHOSTS * $(ports "$5" | wc -l) ))" "$(tr ' ' '\t' < "$W/$name.score")" >> "$ROWS"
}
ecs_once() { # ICMP RATE RUN PORTS
	local name="ecs-$1-$2-$3"
	run_one "$name" "$ECSPROBE" scan --targets "$W/targets" -p "U:$4" --rate "$2" --timeout 1000 \
		--retries 1 --probes-dir "$PROBES_DIR" --no-progress -q -o "ndjson:$W/$name.ndjson"
	jq -r 'select(.type == "result") | "\(.address) \(.port) \(.state)"' "$W/$name.ndjson" 2>/dev/null |
		score "$W/truth-$1" > "$W/$name.score"
	row "$1" ecsprobe "$2" "$3" "$4" "$name"
	log "ecsprobe icmp=$1 rate $2 run $3: exit $(cat "$W/$name.rc"), score $(cat "$W/$name.score")"
}
nmap_once() { # ICMP RUN PORTS MAX_RETRIES ("" = nmap's default)
	local name="nmap-$1-$2-${4:-d}" label=${4:+--max-retries $4}
	# shellcheck disable=SC2086 # label is empty or two words
	run_one "$name" nmap -sU -n -Pn "-$NMAP_TIMING" $label -p "$3" "$FIRST-${LAST##*.}" -oX "$W/$name.xml"
	sed 's/protocol="udp"/protocol="tcp"/; s/proto="udp"/proto="tcp"/' "$W/$name.xml" > "$W/$name.tcp.xml"
	lab_nmap_states "$W/$name.tcp.xml" | score "$W/truth-$1" > "$W/$name.score"
	row "$1" "nmap -sU -$NMAP_TIMING" "${label:-default retries}" "$2" "$3" "$name"
	log "nmap ${label:-} icmp=$1 run $2: exit $(cat "$W/$name.rc"), score $(cat "$W/$name.score")"
}

truth "$PORTS_OFF" > "$W/truth-off"
truth "$PORTS_ON" > "$W/truth-on"
for run in $(seq 1 "$RUNS"); do
	for icmp in off on; do
		lab_icmp_ratelimit "$icmp" || die "lab_icmp_ratelimit $icmp failed"
		if [ "$icmp" = off ]; then ports=$PORTS_OFF; else ports=$PORTS_ON; fi
		log "---- run $run of $RUNS, ICMP rate limit $icmp, UDP ports $ports"
		if [ "$have_ecs" = 1 ]; then
			for r in $ECS_RATES; do ecs_once "$icmp" "$r" "$run" "$ports"; done
		fi
		if [ "$have_nmap" = 1 ]; then
			nmap_once "$icmp" "$run" "$ports" ""
			nmap_once "$icmp" "$run" "$ports" 1
		fi
		sleep 2 # let the ICMP token buckets refill between tools
	done
done
cp "$ROWS" "${RESULTS%.md}.tsv" 2>/dev/null

# ---------------------------------------------------------------- report
table() { # ICMP
	awk -F'\t' -v icmp="$1" '
	function med(s,    a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function mn(s,    a, k, i, m) { k = split(s, a, " "); m = a[1]; for (i = 2; i <= k; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
	function mx(s,    a, k, i, m) { k = split(s, a, " "); m = a[1]; for (i = 2; i <= k; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
	$1 == icmp {
		key = $2 " @ " $3
		if (!(key in cnt)) order[++no] = key
		cnt[key]++
		pps[key] = pps[key] " " (($6 > 0) ? int($10 / $6 + 0.5) : 0)
		wall[key] = wall[key] " " $6
		cpu[key] = cpu[key] " " $7
		rss[key] = rss[key] " " $8
		sent[key] = sent[key] " " $9
		rec[key] = rec[key] " " $12
		prec[key] = prec[key] " " (($12 + $13) > 0 ? 100 * $12 / ($12 + $13) : 0)
		closed[key] = closed[key] " " (($15 > 0) ? 100 * $14 / $15 : 0)
		wrong[key] = wrong[key] " " $16
		rcs[key] = rcs[key] (rcs[key] == "" ? "" : ",") $5
		probes[key] = $10
	}
	END {
		for (i = 1; i <= no; i++) {
			k = order[i]
			printf "| %s | %d | %d | %d [%d-%d] | %.2f | %.2f | %d | %d | %d / %d | %.1f | %.1f / %.1f | %d | %s |\n",
				k, cnt[k], probes[k], med(pps[k]), mn(pps[k]), mx(pps[k]), med(wall[k]), med(cpu[k]), mx(rss[k]),
				med(sent[k]), mn(rec[k]), mx(rec[k]), mn(prec[k]), mn(closed[k]), med(closed[k]), mx(wrong[k]), rcs[k]
		}
	}' "$ROWS"
}
{
	echo "# UDP: ecsprobe vs nmap -sU"
	echo
	echo "Generated by \`bench/udp.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS run(s) of every measurement, in the same run."
	echo
	echo "- CPUs (nproc): $(nproc); kernel $(uname -r); nmap: $(nmap --version 2>/dev/null | head -n 1)"
	[ "$have_ecs" = 1 ] && echo "- ecsprobe: $("$ECSPROBE" --version 2>/dev/null | head -n 1); probes from $(basename "$PROBES_DIR")/"
	echo
	echo "## Lab"
	echo
	echo "The veth lab of \`tests/lab/lab.sh\`: $NHOSTS hosts $FIRST-$LAST in a second namespace."
	echo "Responders (tests/lab/udp_responders.py): DNS on 53 of hosts 1-6, NTP on 123 of"
	echo "hosts 5-10, SNMP (community public) on 161 of hosts 9-14, and $(awk '$3 == "echo"' "$P/responders.spec" | wc -l)"
	echo "echo responders on random ports; $(wc -l < "$P/filtered.spec") ports dropped (open|filtered),"
	echo "$(wc -l < "$P/rejected.spec") ICMP admin-prohibited (filtered), every other port closed (ICMP port"
	echo "unreachable). Open ports in the truth: $(awk '$3 == "open"' "$W/truth-off" | wc -l) of ports $PORTS_OFF,"
	echo "$(awk '$3 == "open"' "$W/truth-on" | wc -l) of ports $PORTS_ON; seed $SEED."
	echo
	echo "ICMP rate limit **off**: net.ipv4.icmp_ratelimit=0, icmp_ratemask=0, icmp_msgs_per_sec"
	echo "and burst 100000000, net.ipv6.icmp.ratelimit=0 (every closed port answers)."
	echo "**Linux default**: the values of a fresh namespace ($(printf '%s ' $LAB_ICMP_DEFAULTS))."
	echo
	hdr="| tool @ rate | runs | probes | probes/s median [min-max] | wall s | CPU s | max RSS KiB | datagrams the lab got | open found min / max | precision % min | closed seen as closed % min / median | wrong max | exit |"
	sep="|---|---:|---:|---|---:|---:|---:|---:|---|---:|---|---:|---|"
	echo "## ICMP rate limit off (UDP ports $PORTS_OFF)"
	echo
	echo "$hdr"; echo "$sep"; table off
	echo
	echo "## ICMP rate limit at the Linux default (UDP ports $PORTS_ON)"
	echo
	echo "$hdr"; echo "$sep"; table on
	echo
	echo "\"open found\" counts responders found (of the truth's open ports); \"wrong\" counts"
	echo "every port whose state differs from the truth, missing ones included. Under the"
	echo "default rate limit the target sends each peer about one ICMP error per second"
	echo "after a short burst (icmp_ratelimit 1000 ms, within icmp_msgs_per_sec 1000), so a"
	echo "closed port shows as closed only to a scanner that waits for that bucket, as"
	echo "nmap does by slowing down; otherwise it looks open|filtered. Open ports (real"
	echo "answers) are unaffected. nmap ran with its default retries (-T4: up to 6) and"
	echo "with --max-retries 1, the retry budget ecsprobe had (--retries 1)."
	echo
	echo "## Goals (recall equal to nmap -sU, and faster)"
	echo
	for icmp in off on; do
		awk -F'\t' -v icmp="$icmp" '
		$1 == icmp && $2 == "ecsprobe" { if (!eseen || $12 + 0 < emin) { emin = $12 + 0; eseen = 1 } k = $3; ep[k] += ($6 > 0) ? $10 / $6 : 0; en[k]++ }
		$1 == icmp && $2 ~ /^nmap/ && $3 == "default retries" { if ($12 > nmax) nmax = $12; np += ($6 > 0) ? $10 / $6 : 0; nn++ }
		END {
			for (k in ep) if (ep[k] / en[k] > best) { best = ep[k] / en[k]; bk = k }
			if (!nn) { printf "- ICMP rate limit %s: nmap not measured\n", icmp; exit }
			printf "- ICMP rate limit %s: open ports found, ecsprobe worst run %d vs nmap best run %d (%s); ecsprobe at its best rate (%s) %.0f probes/s vs nmap -sU %.0f (%.2fx: %s).\n",
				icmp, emin, nmax, (emin >= nmax) ? "equal recall" : "LOWER recall",
				bk, best, np / nn, (np > 0) ? best / (np / nn) : 0, (best > np / nn) ? "faster" : "NOT faster"
		}' "$ROWS"
	done
	echo
	echo "## Commands (inside the scanner namespace)"
	echo
	echo '```'
	echo "ecsprobe scan --targets targets.txt -p U:PORTS --rate RATE --timeout 1000 --retries 1 --probes-dir probes -q -o ndjson:FILE"
	echo "nmap -sU -n -Pn -$NMAP_TIMING [--max-retries 1] -p PORTS $FIRST-${LAST##*.} -oX FILE"
	echo '```'
} > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
log "wrote $RESULTS"
cat "$RESULTS"
