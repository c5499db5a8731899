#!/bin/bash
# End-to-end: verify's results and findings to a Splunk HTTP Event Collector
# (tests/hec/hec_receiver.py, which checks the token, gzip and the event
# shape as Splunk documents them) over HTTPS with a CA made here: every
# finding arrives (by id), a wrong token is a clear error, a 503 storm is
# retried, a receiver that is down gets a spool that `ecsprobe flush` or
# the next run delivers, indexer acknowledgement, and the token never shows
# in output or in ps.  The demo account (data/demo) moved to 127.0.21.x; all on
# loopback.  TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
RECV="$SRC/tests/hec/hec_receiver.py"

if ! command -v python3 >/dev/null || ! python3 -c 'import botocore' 2>/dev/null ||
	! command -v openssl >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - python3, python3-botocore and openssl are needed (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP needs python3, python3-botocore and openssl"
	exit 0
fi

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; [ -n "${3:-}" ] && sed 's/^/# /' "$3" | tail -8; fi; }
wait_file() { local i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; }

# --- a CA and a certificate for 127.0.0.1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 2 \
	-subj "/CN=ecsprobe test CA" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/srv.key" -out "$tmp/srv.csr" \
	-subj "/CN=127.0.0.1" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
	-out "$tmp/srv.pem" -days 2 -extfile "$tmp/ext" >/dev/null 2>&1
TOKEN="e2e-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-hec"
printf '%s\n' "$TOKEN" >"$tmp/token"
chmod 600 "$tmp/token"

# --- the demo account: fake AWS, listeners, inventory
# the demo account moved to 127.0.21.x: other tests use the demo's own addresses
sed 's/127\.0\.10\./127.0.21./g' "$SRC/data/demo/account.json" >"$tmp/account.json"
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$tmp/account.json" \
	--port-file "$tmp/aws.port" >"$tmp/aws.log" 2>&1 &
pids+=($!)
printf '127.0.21.1 80\n127.0.21.1 6379\n127.0.21.2 7003\n127.0.21.3 7005\n127.0.21.4 443\n127.0.21.4 8443\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
pids+=($!)
wait_file "$tmp/aws.port"
wait_file "$tmp/ready"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$tmp/aws.port")"
"$EP" inventory -o "$tmp/inv.json" >/dev/null 2>"$tmp/inv.err"

# start_recv NAME [args]: a receiver; RPORT_<NAME>, RPID_<NAME>
start_recv() {
	local name=$1
	shift
	rm -f "$tmp/$name.port"
	python3 "$RECV" --port-file "$tmp/$name.port" --token-file "$tmp/token" \
		--events "$tmp/$name.events" "$@" >"$tmp/$name.recv.log" 2>&1 &
	pids+=($!)
	eval "RPID_$name=$!"
	wait_file "$tmp/$name.port"
	eval "RPORT_$name=\$(cat \"\$tmp/\$name.port\")"
}
stats() { curl -s --cacert "$tmp/ca.pem" "https://127.0.0.1:$1/__stats"; }
# run NAME DEST [args]: verify with -o hec:DEST and -o ndjson (the ids to expect)
run() {
	local name=$1 dest=$2
	shift 2
	"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --rate 20000 --timeout 500 -q \
		-o "ndjson:$tmp/$name.ndjson" -o "hec:$dest" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
rc() { cat "$tmp/$1.rc"; }
# finding ids in an NDJSON output / among the events a receiver recorded
ids_nd() { grep '"type":"finding"' "$tmp/$1.ndjson" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/' | sort; }
ids_ev() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["sourcetype"] == "ecsprobe:finding" and (len(sys.argv) < 3 or e["event"]["scan_id"] == sys.argv[2]):
        print(e["event"]["id"])' "$@" | sort; }
scan_of() { head -1 "$tmp/$1.ndjson" | sed 's/.*"scan_id":"\([^"]*\)".*/\1/'; }
no_token() { ! grep -qF "$TOKEN" "$@"; }

export ECSPROBE_HEC_TOKEN="$TOKEN"
start_recv main --tls "$tmp/srv.pem" "$tmp/srv.key"
HEC="https://127.0.0.1:$RPORT_main?ca=$tmp/ca.pem"

# 1-3: everything arrives, exactly, over HTTPS with the CA
run ok "$HEC"
check "verify -o hec: exit 1 (findings at or above high), no error" \
	'[ "$(rc ok)" = 1 ] && ! grep -q error "$tmp/ok.err"' "$tmp/ok.err"
ids_nd ok >"$tmp/ok.want"
ids_ev "$tmp/main.events" >"$tmp/ok.got"
check "the receiver has each of the 7 findings once, by id" \
	'[ "$(wc -l <"$tmp/ok.want")" = 7 ] && diff "$tmp/ok.want" "$tmp/ok.got" >/dev/null'
python3 - "$tmp/main.events" "$tmp/ok.ndjson" >"$tmp/shape.out" 2>&1 <<'EOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
results = [json.loads(l) for l in open(sys.argv[2]) if '"type":"result"' in l]
res = [e for e in events if e["sourcetype"] == "ecsprobe:result"]
assert len(res) == len(results), (len(res), len(results))
assert len({e["event"]["id"] for e in res}) == len(res), "result ids are unique"
for e in events:
    assert isinstance(e["time"], float) and e["time"] > 1.6e9, e["time"]
    assert e["source"] == "ecsprobe" and e["host"], e
    assert e["fields"]["ecsprobe_id"] == e["event"]["id"], e
print("ok", len(events))
EOF
check "every result arrived too; time, host, source, sourcetype, fields as documented" \
	'grep -q "^ok 3" "$tmp/shape.out"' "$tmp/shape.out"
check "requests were gzip'd and the token accepted" \
	'stats "$RPORT_main" | python3 -c "import json,sys; s=json.load(sys.stdin); assert s[\"gzip\"] >= 1 and s[\"plain\"] <= 1 and \"403\" not in s[\"status\"] and \"401\" not in s[\"status\"]"'

# 5-6: a wrong token is a configuration error before any probe
: >"$tmp/main.events"
ECSPROBE_HEC_TOKEN=wrong-token run badtok "$HEC"
check "wrong token: exit 2 with HEC's answer (HTTP 403, code 4 \"Invalid token\")" \
	'[ "$(rc badtok)" = 2 ] && grep -q "refused the token: HTTP 403, HEC code 4 \"Invalid token\"" "$tmp/badtok.err"' "$tmp/badtok.err"
check "wrong token: nothing sent, nothing probed" \
	'[ ! -s "$tmp/main.events" ] && ! grep -q "\"type\":\"result\"" "$tmp/badtok.ndjson"'

# 7: TLS verification is on by default
run noca "https://127.0.0.1:$RPORT_main"
check "without the CA the certificate is refused (exit 2)" \
	'[ "$(rc noca)" = 2 ] && grep -qi "certificate" "$tmp/noca.err"' "$tmp/noca.err"

# 8: a 503 storm is retried until it passes
curl -s --cacert "$tmp/ca.pem" -X POST "https://127.0.0.1:$RPORT_main/__fail?n=6" >/dev/null
: >"$tmp/main.events"
run storm "$HEC"
ids_nd storm >"$tmp/storm.want"
ids_ev "$tmp/main.events" >"$tmp/storm.got"
check "503 x6: retried, then every finding delivered once" \
	'[ "$(rc storm)" = 1 ] && diff "$tmp/storm.want" "$tmp/storm.got" >/dev/null && stats "$RPORT_main" | grep -q "\"503\": *[6-9]"' "$tmp/storm.err"

# 9-11: receiver down: spooled, then `ecsprobe flush` delivers
kill "$RPID_main"
wait "$RPID_main" 2>/dev/null
run down "$HEC" --spool "$tmp/spool"
check "receiver down: events kept in the spool, said on stderr, exit 4 (incomplete)" \
	'[ "$(rc down)" = 4 ] && ls "$tmp/spool"/*.spool >/dev/null 2>&1 && grep -q "354 events not delivered, kept in the spool" "$tmp/down.err"' "$tmp/down.err"
: >"$tmp/main.events"
start_recv main --port "$RPORT_main" --tls "$tmp/srv.pem" "$tmp/srv.key"
"$EP" flush --spool "$tmp/spool" -o "hec:$HEC" >"$tmp/flush.out" 2>"$tmp/flush.err"
echo $? >"$tmp/flush.rc"
ids_nd down >"$tmp/down.want"
ids_ev "$tmp/main.events" "$(scan_of down)" >"$tmp/down.got"
check "ecsprobe flush delivers the spooled findings (exit 0, spool empty)" \
	'[ "$(rc flush)" = 0 ] && diff "$tmp/down.want" "$tmp/down.got" >/dev/null && ! ls "$tmp/spool"/*.spool >/dev/null 2>&1' "$tmp/flush.err"
check "...and the spooled results, with their original ids" \
	'[ "$(grep -c "\"ecsprobe:result\"" "$tmp/main.events")" = "$(grep -c "\"type\":\"result\"" "$tmp/down.ndjson")" ]'

# 12: down again; this time the next run delivers the spool first
kill "$RPID_main"
wait "$RPID_main" 2>/dev/null
run down2 "$HEC" --spool "$tmp/spool"
: >"$tmp/main.events"
start_recv main --port "$RPORT_main" --tls "$tmp/srv.pem" "$tmp/srv.key"
run next "$HEC" --spool "$tmp/spool"
check "the next run sends the earlier run's spooled findings, and its own" \
	'[ "$(rc next)" = 1 ] && diff <(ids_nd down2) <(ids_ev "$tmp/main.events" "$(scan_of down2)") >/dev/null && diff <(ids_nd next) <(ids_ev "$tmp/main.events" "$(scan_of next)") >/dev/null' "$tmp/next.err"

# 13: down and no spool: the loss is reported in the exit status
kill "$RPID_main"
wait "$RPID_main" 2>/dev/null
run lost "$HEC"
check "receiver down without --spool: exit 4 and the count of dropped events" \
	'[ "$(rc lost)" = 4 ] && grep -q "dropped" "$tmp/lost.err"' "$tmp/lost.err"

# 14: indexer acknowledgement
start_recv ack --ack --ack-polls 2 --tls "$tmp/srv.pem" "$tmp/srv.key"
run ack "https://127.0.0.1:$RPORT_ack?ca=$tmp/ca.pem&ack"
# (every request with events acknowledged; the empty pre-flight POST has none)
check "ack: every finding delivered, every request acknowledged on one channel" \
	'[ "$(rc ack)" = 1 ] && diff <(ids_nd ack) <(ids_ev "$tmp/ack.events") >/dev/null && stats "$RPORT_ack" | python3 -c "import json,sys; s=json.load(sys.stdin); assert s[\"ack_requests\"] >= 1 and s[\"acked\"] == s[\"event_requests\"] - 1 and len(s[\"channels\"]) == 1"' "$tmp/ack.err"

# 15: token-file= instead of the variable
unset ECSPROBE_HEC_TOKEN
run tfile "https://127.0.0.1:$RPORT_ack?ca=$tmp/ca.pem&token-file=$tmp/token"
check "token-file=FILE works without ECSPROBE_HEC_TOKEN" '[ "$(rc tfile)" = 1 ]' "$tmp/tfile.err"

# 16-17: the token is in no output, in no command line (ps), and with
# token-file not in the environment either
start_recv hang --hang
"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --rate 20000 --timeout 500 -q \
	-o "hec:http://127.0.0.1:$RPORT_hang?timeout=1000&token-file=$tmp/token" >"$tmp/hang.out" 2>"$tmp/hang.err" &
vp=$!
sleep 0.5
ps -ww -o args= -p "$vp" >"$tmp/ps.out" 2>&1
cat "/proc/$vp/cmdline" "/proc/$vp/environ" >"$tmp/proc.out" 2>/dev/null
wait "$vp"
check "token not in ps or /proc/PID/cmdline, nor (token-file) /proc/PID/environ" \
	'grep -q verify "$tmp/ps.out" && no_token "$tmp/ps.out" "$tmp/proc.out"'
check "token in no run's stdout or stderr" 'no_token "$tmp"/*.out "$tmp"/*.err'

echo "1..$n"
[ $fails = 0 ]
