#!/bin/bash
# data/deploy/ecsprobe-verify.service run as systemd would run it, twice: its
# ExecStartPre, ExecStart and ExecStartPost, taken from the unit by
# tests/deploy/systemd_unit.py (Environment=, an EnvironmentFile,
# ${STATE_DIRECTORY} expanded), as an unprivileged user whose only
# capability is an ambient CAP_NET_RAW (setpriv: what DynamicUser= with
# AmbientCapabilities= gives).  The AWS account is the demo's (the fake AWS
# endpoint on loopback), the intent data/intent.example.json, in a network
# namespace of its own: probes reach only its loopback.  The first run has
# no baseline and must still succeed and leave one; the second reads it.  A
# copy without the ExecStartPre must fail its first run (the shipped bug),
# and the unit without CAP_NET_RAW must fail rather than probe in connect
# mode.  Needs root.  TAP.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
SERVICE="$SRC/data/deploy/ecsprobe-verify.service"
UNITPY="$SRC/tests/deploy/systemd_unit.py"
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - $1 (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}
if [ -z "${EP_UNIT_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
		skip_or_fail "needs root for a network namespace and setpriv"
	fi
	EP_UNIT_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi
command -v setpriv >/dev/null || skip_or_fail "needs setpriv (util-linux)"
python3 -c 'import botocore' 2>/dev/null || skip_or_fail "needs python3-botocore for the fake AWS endpoint"
case $EP in /*) ;; *) EP="$(pwd)/$EP" ;; esac
case $LISTEN in /*) ;; *) LISTEN="$(pwd)/$LISTEN" ;; esac

ip link set lo up
W=$(mktemp -d)
chmod 755 "$W"
fpid= lpid=
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$W"' EXIT
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file "$W/port" \
	>"$W/fake.log" 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >"$W/listen"
"$LISTEN" -r "$W/ready" "$W/listen" >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 100); do [ -s "$W/port" ] && [ -f "$W/ready" ] && break; sleep 0.1; done
[ -s "$W/port" ] || { echo "Bail out! the fake AWS endpoint did not start"; exit 1; }

# /etc/ecsprobe/env as a user would write it for this account
cat >"$W/env" <<EOF
ECSPROBE_SCOPE="--regions us-east-1 --source-ip 127.0.0.1 --rate 20000 --timeout 500"
AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001
AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
AWS_REGION=us-east-1
AWS_EC2_METADATA_DISABLED=true
AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$W/port")
EOF
cp "$SRC/data/intent.example.json" "$W/intent.json"
chmod 644 "$W/intent.json"
export ECSPROBE_NOW=1796000000 # the intent's exception expiry is judged on 2026-11-30

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ $# -gt 1 ] && [ -s "$2" ] && tail -n 12 "$2" | sed 's/^/# /'
}

# run_unit UNIT STATEDIR LOG [CAPS]: the unit's commands in order, as
# systemd runs them: Pre, then Start, then Post only when Start exited 0 or
# with a SuccessExitStatus (1).  Prints the ExecStart's exit status.
run_unit() {
	local unit=$1 state=$2 log=$3 caps=${4:-+net_raw} kind st=0 start=
	local -a argv
	mkdir -p "$state"
	chown 65534:65534 "$state"
	chmod 700 "$state"
	: >"$log"
	python3 "$UNITPY" commands "$unit" "$W/env" "$state" >"$W/cmds" || { echo 99; return; }
	while IFS= read -r -d '' kind; do
		argv=()
		while IFS= read -r -d '' a && [ -n "$a" ]; do
			[ "$a" = /etc/ecsprobe/intent.json ] && a=$W/intent.json
			argv+=("$a")
		done
		[ "${argv[0]}" = ecsprobe ] && argv[0]=$EP
		if [ "$kind" = ExecStartPost ] && [ "$start" != 0 ] && [ "$start" != 1 ]; then
			echo "skipped: $kind ${argv[*]}" >>"$log"
			continue
		fi
		echo "\$ $kind ${argv[*]}" >>"$log"
		(set -a && . "$W/env" && set +a && cd "$state" && HOME=$state exec setpriv --reuid=65534 --regid=65534 \
			--clear-groups --inh-caps=-all,$caps --ambient-caps=-all,$caps --bounding-set=-all,$caps \
			--no-new-privs "${argv[@]}") >>"$log" 2>&1
		st=$?
		[ "$kind" = ExecStart ] && start=$st
		if [ "$kind" = ExecStartPre ] && [ $st != 0 ]; then
			start=pre-$st
			break
		fi
	done <"$W/cmds"
	echo "$start"
}
findings() { grep '"type":"finding"' "$1" 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    f = json.loads(l)
    print(f["id"], f["first_seen"])' | LC_ALL=C sort; }

echo "1..6"
S=$W/state
st=$(run_unit "$SERVICE" "$S" "$W/run1.log")
if { [ "$st" = 0 ] || [ "$st" = 1 ]; } && grep -q "^baseline $S/last.ndjson: 7 new findings, 0 gone" "$W/run1.log" &&
	[ "$(findings "$S/last.ndjson" | wc -l)" = 7 ] && [ ! -e "$S/current.ndjson" ]; then
	ok "first run, no baseline yet: ExecStart exits $st (SuccessExitStatus), 7 new findings; ExecStartPost kept them as last.ndjson"
else
	nok "first run (ExecStart status '$st')" "$W/run1.log"
fi
if grep -q '"type":"header".*"mode":"syn' "$S/last.ndjson" 2>/dev/null; then
	ok "it probed in SYN mode as uid 65534 with an ambient CAP_NET_RAW ($(grep -o '"mode":"[^"]*"' "$S/last.ndjson" | head -n 1))"
else
	nok "not SYN mode" "$S/last.ndjson"
fi
findings "$S/last.ndjson" >"$W/first"
st=$(run_unit "$SERVICE" "$S" "$W/run2.log")
findings "$S/last.ndjson" >"$W/second"
if { [ "$st" = 0 ] || [ "$st" = 1 ]; } && grep -q "^baseline $S/last.ndjson: 0 new findings, 0 gone" "$W/run2.log" &&
	cmp -s "$W/first" "$W/second" && [ -s "$W/second" ]; then
	ok "second run reads the first's baseline: 0 new, 0 gone, every first_seen kept"
else
	diff "$W/first" "$W/second" >>"$W/run2.log"
	nok "second run (ExecStart status '$st')" "$W/run2.log"
fi
# the same timer tick, a day later: a third run finds nothing new either
st=$(run_unit "$SERVICE" "$S" "$W/run3.log")
if { [ "$st" = 0 ] || [ "$st" = 1 ]; } && [ -s "$S/last.ndjson" ] && [ ! -e "$S/current.ndjson" ]; then
	ok "every later run succeeds too (third run: ExecStart $st)"
else
	nok "third run (ExecStart status '$st')" "$W/run3.log"
fi

# the shipped bug: without the ExecStartPre the first run fails, and so every later one
sed '/^ExecStartPre=/d' "$SERVICE" >"$W/nopre.service"
st=$(run_unit "$W/nopre.service" "$W/state-nopre" "$W/nopre.log")
if [ "$st" = 2 ] && [ ! -e "$W/state-nopre/last.ndjson" ] && grep -q "skipped: ExecStartPost" "$W/nopre.log"; then
	ok "a copy without the ExecStartPre fails its first run (exit 2: $(grep -v '^\$' "$W/nopre.log" | grep -m1 -- '--baseline' | sed "s|$W/||g"))"
else
	nok "a copy without the ExecStartPre: ExecStart '$st'" "$W/nopre.log"
fi
# no CAP_NET_RAW (AmbientCapabilities= dropped): an error, not a silent connect scan
st=$(run_unit "$SERVICE" "$W/state-nocap" "$W/nocap.log" -net_raw)
if [ "$st" != 0 ] && [ "$st" != 1 ] && ! grep -q '"mode":"connect' "$W/state-nocap/current.ndjson" 2>/dev/null; then
	ok "without CAP_NET_RAW the unit fails (exit $st: $(grep -m1 -i 'CAP_NET_RAW' "$W/nocap.log" | cut -c1-100)) instead of probing in connect mode"
else
	nok "without CAP_NET_RAW: ExecStart '$st'" "$W/nocap.log"
fi
[ $fails = 0 ]
