#!/bin/bash
# End-to-end: a replay killed half way repeats at most one batch (issue 12
# item 7).  A spool of 200,000 events (written by replay_kill.py in the
# format of src/report/spool.h) is replayed by `ecsprobe flush` to a slow
# syslog+tcp receiver and to the HEC receiver (tests/hec); flush is SIGKILLed
# once the receiver has counted 97,000 events, flush runs again, and the
# receiver must then hold every event, with at most one batch (syslog 100,
# HEC 256) received twice.  Runs in its own network namespace (127.0.0.1
# only).  TAP output.
set -u
me=$(readlink -f "$0")
SRC=$(cd "$(dirname "$me")/../.." && pwd)
EP=$(readlink -f "${ECSPROBE:-./ecsprobe}")
N=200000
KILL_AT=97000

if [ -z "${EP_REPLAY_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null || ! command -v python3 >/dev/null; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"
			echo "not ok 1 - needs root, unshare -n and python3 (CI must not skip)"
			exit 1
		fi
		echo "1..0 # SKIP needs root, unshare -n and python3"
		exit 0
	fi
	export EP_REPLAY_IN_NETNS=1
	exec unshare -n -- /bin/bash "$me" "$@"
fi
ip link set lo up

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
wait_file() { local i=0; while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; }
export AWS_EC2_METADATA_DISABLED=true

# kill_replay NAME DEST COUNTCMD: flush DEST from $tmp/NAME.spool, SIGKILL
# it once COUNTCMD says KILL_AT events arrived, then flush again.  Leaves
# $tmp/NAME.killed (events counted at the kill) and NAME.rc (second flush).
kill_replay() {
	local name=$1 dest=$2 count=$3 i=0 c=0
	"$EP" flush --spool "$tmp/$name.spool" -o "$dest" >"$tmp/$name.f1.out" 2>"$tmp/$name.f1.err" &
	local fp=$!
	while [ $i -lt 1200 ]; do
		c=$($count)
		[ "$c" -ge $KILL_AT ] && break
		kill -0 $fp 2>/dev/null || break
		sleep 0.02
		i=$((i + 1))
	done
	kill -KILL $fp 2>/dev/null
	wait $fp 2>/dev/null
	echo "$c" >"$tmp/$name.killed"
	sleep 1 # what the killed process left in its socket still arrives
	"$EP" flush --spool "$tmp/$name.spool" -o "$dest" --wait 30000 >"$tmp/$name.f2.out" 2>"$tmp/$name.f2.err"
	echo $? >"$tmp/$name.rc"
	sleep 1.5
}

# judge NAME BATCH TOTAL UNIQUE
judge() {
	local name=$1 batch=$2 total=$3 uniq=$4 killed
	killed=$(cat "$tmp/$name.killed")
	echo "# $name: killed after $killed received; total $total, unique $uniq, repeated $((total - N)), second flush exit $(cat "$tmp/$name.rc")"
	if [ "$killed" -ge $KILL_AT ] && [ "$killed" -lt $N ]; then
		ok "$name: flush was killed mid-replay ($killed of $N received)"
	else
		nok "$name: flush was not killed mid-replay ($killed received)"
	fi
	if [ "$(cat "$tmp/$name.rc")" = 0 ] && [ "$uniq" = $N ]; then
		ok "$name: the second flush delivers the rest (exit 0, all $N ids)"
	else
		nok "$name: second flush exit $(cat "$tmp/$name.rc"), $uniq of $N ids"
		sed 's/^/# /' "$tmp/$name.f2.err" | tail -5
	fi
	if [ $((total - N)) -le "$batch" ]; then
		ok "$name: at most one batch ($batch) sent twice ($((total - N)))"
	else
		nok "$name: $((total - N)) events sent twice (more than one batch of $batch)"
	fi
}

# ---- syslog+tcp: a receiver that takes 40,000 events a second
python3 "$SRC/tests/e2e/replay_kill.py" syslog "$tmp/sl.port" "$tmp/sl.count" 40000 2>"$tmp/sl.log" &
pids+=($!)
wait_file "$tmp/sl.port"
SL="syslog+tcp://127.0.0.1:$(cat "$tmp/sl.port")"
mkdir -m 700 "$tmp/syslog.spool"
python3 "$SRC/tests/e2e/replay_kill.py" spool "$tmp/syslog.spool" "$SL" $N syslog
sl_count() { cut -d' ' -f1 "$tmp/sl.count"; }
kill_replay syslog "$SL" sl_count
read -r tot uq <"$tmp/sl.count"
judge syslog 100 "$tot" "$uq"

# ---- hec (plain http on loopback)
TOKEN="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-hec"
printf '%s\n' "$TOKEN" >"$tmp/token"
chmod 600 "$tmp/token"
python3 "$SRC/tests/hec/hec_receiver.py" --port-file "$tmp/hec.port" --token-file "$tmp/token" \
	--events "$tmp/hec.events" >"$tmp/hec.log" 2>&1 &
pids+=($!)
wait_file "$tmp/hec.port"
HEC="hec:http://127.0.0.1:$(cat "$tmp/hec.port")?token-file=$tmp/token"
mkdir -m 700 "$tmp/hec.spool"
python3 "$SRC/tests/e2e/replay_kill.py" spool "$tmp/hec.spool" \
	"hec:http://127.0.0.1:$(cat "$tmp/hec.port")/services/collector/event" $N hec
touch "$tmp/hec.events"
hec_count() { wc -l <"$tmp/hec.events"; }
kill_replay hec "$HEC" hec_count
tot=$(wc -l <"$tmp/hec.events")
uq=$(python3 -c 'import json,sys; print(len({json.loads(l)["event"]["id"] for l in open(sys.argv[1])}))' "$tmp/hec.events")
judge hec 256 "$tot" "$uq"

echo "1..$n"
[ $fails = 0 ]
