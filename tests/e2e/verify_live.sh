#!/bin/sh
# verify without --inventory pulls it live (from the fake AWS endpoint serving
# the demo account, all on 127.0.10.x), and --cluster/--service narrow it to
# one service right after its deploy.  Loopback only; no root.  TAP output.
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
if ! command -v python3 >/dev/null || ! python3 -c 'import botocore' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then echo "1..1"; echo "not ok 1 - needs python3-botocore (CI must not skip)"; exit 1; fi
	echo "1..0 # SKIP needs python3 and python3-botocore"
	exit 0
fi
tmp=$(mktemp -d)
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file "$tmp/port" >/dev/null 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
lpid=$!
i=0
while { [ ! -s "$tmp/port" ] || [ ! -f "$tmp/ready" ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$tmp/port")"
run() { # run NAME args...
	name=$1
	shift
	env -i PATH="$PATH" HOME="$tmp" AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 \
		AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001 AWS_REGION=us-east-1 \
		AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$url" \
		"$EP" verify --endpoint-url "$url" --source-ip 127.0.0.1 --rate 20000 --timeout 300 \
		--no-progress -o "ndjson:$tmp/$name.ndjson" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
kinds() { jq -r 'select(.type == "finding") | "\(.kind) \(.address) \(.ports[0][0])"' "$tmp/$1.ndjson" | LC_ALL=C sort | tr '\n' ';'; }
echo "1..6"
run web --cluster demo --service web
if [ "$(cat "$tmp/web.rc")" = 1 ] && [ "$(kinds web)" = "unexplained_open 127.0.10.1 6379;" ]; then
	echo "ok 1 - live pull, --service web: only the web task's findings"
else
	echo "not ok 1 - --service web: exit $(cat "$tmp/web.rc"): $(kinds web)"; sed 's/^/# /' "$tmp/web.err" | head -3
fi
run worker --cluster demo --service worker
if [ "$(cat "$tmp/worker.rc")" = 0 ] && grep -q "verify: 1 finding (0 at or above high)" "$tmp/worker.out" &&
	[ "$(kinds worker)" = "latent_exposure 127.0.10.3 7000;" ]; then
	echo "ok 2 - --service worker: its bridge host (dynamic port 7005 answers), exit 0"
else
	echo "not ok 2 - --service worker: exit $(cat "$tmp/worker.rc"): $(kinds worker)"
fi
run api --service api
if [ "$(cat "$tmp/api.rc")" = 1 ] && kinds api | grep -q "declared_unreachable 127.0.10.2 9000"; then
	echo "ok 3 - --service api: the declared port that does not answer"
else
	echo "not ok 3 - --service api: exit $(cat "$tmp/api.rc"): $(kinds api)"
fi
env -i PATH="$PATH" HOME="$tmp" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 \
	AWS_ENDPOINT_URL="$url" "$EP" verify --endpoint-url "$url" --source-ip 127.0.0.1 >/dev/null 2>"$tmp/nocred.err"
st=$?
if [ $st = 3 ] && grep -q "no AWS credentials found" "$tmp/nocred.err"; then
	echo "ok 4 - no credentials: exit 3"
else
	echo "not ok 4 - no credentials: exit $st"
fi

# --wait-stable: the demo's web service is steady; a copy whose api runs 0 of 1 tasks is not
run stable --service web --wait-stable 10
if [ "$(cat "$tmp/stable.rc")" = 1 ] && ! grep -q "waiting" "$tmp/stable.err"; then
	echo "ok 5 - --wait-stable: a steady service is probed at once"
else
	echo "not ok 5 - --wait-stable steady: exit $(cat "$tmp/stable.rc")"
fi
jq '.accounts[0].resources["us-east-1"].ecs.clusters[0].services |= map(if .serviceName == "api" then .runningCount = 0 else . end)' \
	"$SRC/data/demo/account.json" >"$tmp/unsteady.json"
kill $fpid 2>/dev/null
rm -f "$tmp/port"
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$tmp/unsteady.json" --port-file "$tmp/port" >/dev/null 2>&1 &
fpid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$tmp/port")"
run unsteady --service api --wait-stable 2
if [ "$(cat "$tmp/unsteady.rc")" = 4 ] && grep -q "not steady after 2 s: service demo/api: 0 of 1 tasks running" "$tmp/unsteady.err" &&
	[ ! -s "$tmp/unsteady.ndjson" ]; then
	echo "ok 6 - --wait-stable: an unsettled service is not probed, exit 4"
else
	echo "not ok 6 - --wait-stable unsteady: exit $(cat "$tmp/unsteady.rc"): $(tail -1 "$tmp/unsteady.err")"
fi
