#!/bin/bash
# `ecsprobe inventory` against a hostile endpoint (tests/fakeaws/hostile_aws.py
# on 127.0.0.1): tokens that loop, cycle or never end, bodies shorter than
# their Content-Length, answers that trickle, garbage, JSON of the wrong types.
# Each pull must end in bounded time and memory with exit 3 and say what went
# wrong (issue 12: items 4, 11, 12 and the hostile-endpoint check).  Signals
# end a pull with exit 4 and nothing written.  TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
HOSTILE="$SRC/tests/fakeaws/hostile_aws.py"

if ! command -v python3 >/dev/null || ! command -v jq >/dev/null || [ ! -x /usr/bin/time ]; then
	echo "1..1"
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - python3, jq and /usr/bin/time are needed (CI must not skip)"
		exit 1
	fi
	echo "ok 1 # SKIP needs python3, jq and /usr/bin/time"
	exit 0
fi

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	sed 's/^/# /' "$tmp/err" 2>/dev/null | head -8
}
mkdir -p "$tmp/home"

# start MODE [args]: a server in MODE; sets PORT and LOG
start() {
	local mode=$1 i=0
	shift
	LOG="$tmp/$mode.requests"
	: >"$LOG"
	rm -f "$tmp/port"
	python3 "$HOSTILE" --mode "$mode" --port-file "$tmp/port" --log "$LOG" "$@" \
		>"$tmp/server.log" 2>&1 &
	pids+=($!)
	SPID=$!
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	PORT=$(cat "$tmp/port")
}
stop() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
# inv ARGS...: the pull in a clean environment, every endpoint on loopback;
# sets ST (exit status), SECS (wall time) and RSS (peak KiB)
inv() {
	local t0 t1
	rm -f "$tmp/inv.json"
	t0=$(date +%s%N)
	env -i PATH="$PATH" HOME="$tmp/home" AWS_ACCESS_KEY_ID=AKIAHOSTILE0000000001 \
		AWS_SECRET_ACCESS_KEY=hostileSecret00000000000000000000000001 AWS_REGION=us-east-1 \
		AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" \
		/usr/bin/time -f %M -o "$tmp/rss" timeout 120 "$EP" inventory \
		--endpoint-url "http://127.0.0.1:$PORT" -o "$tmp/inv.json" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	ST=$?
	t1=$(date +%s%N)
	SECS=$(((t1 - t0) / 1000000000))
	RSS=$(tail -1 "$tmp/rss" 2>/dev/null)
	RSS=${RSS:-0}
}
# hostile MODE WHAT PATTERN [inventory args]: exit 3 within 60 s and 300 MB,
# and PATTERN on stderr
hostile() {
	local mode=$1 what=$2 pat=$3
	shift 3
	start "$mode"
	inv --max-attempts 2 --api-timeout 2 --api-rate 1000 "$@"
	stop
	if [ "$ST" = 3 ] && [ "$SECS" -lt 60 ] && [ "$RSS" -lt 300000 ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$what: exit 3 in ${SECS}s, ${RSS} KiB"
	else
		nok "$what: exit $ST in ${SECS}s, ${RSS} KiB, '$pat' $(grep -c -- "$pat" "$tmp/err") times"
	fi
}

echo "1..21"
# item 4: paging that never stops
hostile loop-token "a NextToken that repeats" "RepeatedToken"
hostile cycle-token "NextTokens in a cycle (A, B, A)" "page [23] repeats an earlier NextToken"
hostile fresh-token "fresh tokens with 1 MiB pages: the size cap" "exceed 8 MiB (--max-inventory-size)" \
	--max-inventory-size 8M
if [ ! -e "$tmp/inv.json" ]; then ok "past the size cap nothing is written"; else nok "past the size cap a document was written"; fi
start fresh-token --page-kib 0
inv --api-rate 1000 --max-pages 40
stop
pages=$(grep -c DescribeNetworkInterfaces "$LOG")
if [ "$ST" = 3 ] && grep -q "more than 40 pages (--max-pages)" "$tmp/err" && [ "$pages" -le 40 ]; then
	ok "fresh small pages forever: stopped at --max-pages 40 ($pages calls), exit 3"
else
	nok "fresh small pages: exit $ST, $pages calls"
fi
if jq -e '.accounts[0].regions[0].errors | map(.code) | index("TooManyPages")' "$tmp/inv.json" >/dev/null 2>&1; then
	ok "--max-pages: the document lists the cut list under errors"
else
	nok "--max-pages: no TooManyPages error in the document"
fi
# lies about lengths, trickles, garbage
hostile short-body "Content-Length larger than the body, then close" "RequestError"
hostile trickle "answers that trickle one byte at a time" "RequestError"
hostile garbage "a body that is neither XML nor JSON" "ParseError"
# item 11: ECS answers of the wrong type or null name the API and the field
hostile types-null "ListClusters clusterArns null" "ecs:ListClusters: MalformedAnswer: field 'clusterArns' is not an array"
hostile types-string "ListClusters clusterArns a string" "field 'clusterArns' is not an array"
hostile types-token "ListClusters nextToken a number" "field 'nextToken' is not a string"
hostile types-items "ListClusters clusterArns items not strings" "field 'clusterArns' is not a list of strings"
hostile types-doc "ListClusters answer a JSON array" "ecs:ListClusters: ParseError"
hostile types-tasks "DescribeTasks taskDefinitionArn a number" "ecs:DescribeTasks: MalformedAnswer: field 'taskDefinitionArn' is not a string"
hostile types-taskdef "DescribeTaskDefinition taskDefinition null" "field 'taskDefinition' is not an object"

# signals: a pull stuck on trickling answers ends at once, writes nothing, exits 4
for sig in INT TERM; do
	start trickle
	rm -f "$tmp/inv.json"
	env -i PATH="$PATH" HOME="$tmp/home" AWS_ACCESS_KEY_ID=AKIAHOSTILE0000000001 \
		AWS_SECRET_ACCESS_KEY=hostileSecret00000000000000000000000001 AWS_REGION=us-east-1 \
		AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" \
		"$EP" inventory --endpoint-url "http://127.0.0.1:$PORT" -o "$tmp/inv.json" \
		>"$tmp/out" 2>"$tmp/err" &
	ipid=$!
	sleep 1.5
	kill -$sig $ipid
	t0=$(date +%s)
	timeout 20 tail --pid=$ipid -f /dev/null
	wait $ipid
	ST=$?
	secs=$(($(date +%s) - t0))
	stop
	if [ "$ST" = 4 ] && [ $secs -le 5 ] && [ ! -e "$tmp/inv.json" ] &&
		grep -q "interrupted by SIG$sig; nothing written" "$tmp/err"; then
		ok "SIG$sig during the pull: exit 4 in ${secs}s, nothing written"
	else
		nok "SIG$sig during the pull: exit $ST after ${secs}s, file $([ -e "$tmp/inv.json" ] && echo written || echo absent)"
	fi
done

# item 12: regions named twice are pulled once
start empty
inv --regions us-east-1,us-east-1
stop
if [ "$ST" = 0 ] && [ "$(jq '.accounts[0].regions | length' "$tmp/inv.json")" = 1 ] &&
	[ "$(grep -c '^DescribeNetworkInterfaces$' "$LOG")" = 1 ]; then
	ok "--regions us-east-1,us-east-1: one region, one DescribeNetworkInterfaces"
else
	nok "--regions twice: exit $ST, $(jq '.accounts[0].regions | length' "$tmp/inv.json" 2>/dev/null) regions, $(grep -c '^DescribeNetworkInterfaces$' "$LOG") calls"
fi
start regions-dup
inv --regions all
stop
if [ "$ST" = 0 ] && [ "$(jq '.accounts[0].regions | length' "$tmp/inv.json")" = 1 ] &&
	[ "$(grep -c '^DescribeNetworkInterfaces$' "$LOG")" = 1 ]; then
	ok "DescribeRegions naming us-east-1 three times: pulled once"
else
	nok "DescribeRegions repeats: exit $ST, $(jq '.accounts[0].regions | length' "$tmp/inv.json" 2>/dev/null) regions"
fi
# the well-formed empty account is complete: the failures above are the hostility's
start empty
inv
stop
if [ "$ST" = 0 ]; then ok "the same server, well-behaved: exit 0"; else nok "well-behaved server: exit $ST"; fi

[ $fails = 0 ]
