#!/bin/bash
# End-to-end: verify --securityhub against the fake AWS endpoint
# (tests/fakeaws, which verifies every SigV4 signature and checks each
# finding against botocore's AwsSecurityFinding shape).  The demo account
# with 100 more open ports behind its load balancer makes 105 findings:
# all imported in calls of at most 100, with the ASFF Ids the asff output
# documents; importing again updates the same Ids; throttling is retried;
# FailedFindings are retried when retryable and reported when not; a
# receiver that is down gets the spool.  All on loopback.  TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}

if ! command -v python3 >/dev/null || ! python3 -c 'import botocore' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - python3 and python3-botocore are needed (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP needs python3 and python3-botocore"
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

: >"$tmp/faults"
# the demo account moved to 127.0.22.x: other tests use the demo's own addresses
sed 's/127\.0\.10\./127.0.22./g' "$SRC/data/demo/account.json" >"$tmp/account.json"
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$tmp/account.json" \
	--port-file "$tmp/aws.port" --faults "$tmp/faults" >"$tmp/aws.log" 2>&1 &
pids+=($!)
# the demo's listeners, and 8400-8499 open behind the load balancer (its
# security group admits them from anywhere, nothing declares them)
{
	printf '127.0.22.1 80\n127.0.22.1 6379\n127.0.22.2 7003\n127.0.22.3 7005\n127.0.22.4 443\n'
	for p in $(seq 8400 8499); do echo "127.0.22.4 $p"; done
} >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
pids+=($!)
wait_file "$tmp/aws.port"
wait_file "$tmp/ready"
AWS="http://127.0.0.1:$(cat "$tmp/aws.port")"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$AWS"
"$EP" inventory -o "$tmp/inv.json" >/dev/null 2>"$tmp/inv.err"

# run NAME [args]: verify --securityhub, with -o asff and -o ndjson beside it
run() {
	local name=$1
	shift
	"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --rate 20000 --timeout 500 -q \
		--securityhub -o "asff:$tmp/$name.asff" -o "ndjson:$tmp/$name.ndjson" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
rc() { cat "$tmp/$1.rc"; }
reset() { curl -s -X DELETE "$AWS/__securityhub" >/dev/null; curl -s -X DELETE "$AWS/__stats" >/dev/null; }
hub() { curl -s "$AWS/__securityhub"; }
# hubq PY: evaluates PY with d = the fake's import record, s = its stats
hubq() {
	hub >"$tmp/hub.json"
	curl -s "$AWS/__stats" >"$tmp/stats.json"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); $1" \
		"$tmp/hub.json" "$tmp/stats.json"
}
asff_ids() { python3 -c 'import json,sys; print("\n".join(sorted(f["Id"] for f in json.load(open(sys.argv[1])))))' "$tmp/$1.asff"; }
hub_ids() { hub | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["ids"]))'; }
# the documented form: ecsprobe/ACCOUNT/REGION/FINDING_ID, from the NDJSON findings
doc_ids() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)
    if f["type"] == "finding":
        print("ecsprobe/%s/%s/%s" % (f["account"], f["region"], f["id"]))' "$tmp/$1.ndjson" | sort; }

# 1-4: everything imported, in calls of at most 100, with the documented Ids
reset
run first
check "verify --securityhub: exit 1 (findings), no error" \
	'[ "$(rc first)" = 1 ] && ! grep -q "error" "$tmp/first.err"' "$tmp/first.err"
check "all 105 findings imported, with the Ids the asff output and docs give" \
	'[ "$(doc_ids first | wc -l)" = 105 ] && diff <(doc_ids first) <(hub_ids) >/dev/null && diff <(asff_ids first) <(hub_ids) >/dev/null'
check "BatchImportFindings calls of at most 100 findings (at least 2 calls), all 200" \
	'hubq "b=d[\"batches\"]; assert len(b) >= 2 and max(x[\"size\"] for x in b) <= 100 and sum(x[\"size\"] for x in b) == 105; assert s[\"status\"] == {\"200\": len(b)}, s[\"status\"]"'
check "each finding carries the account, its region's default product and the schema" \
	'hubq "assert all(f[\"AwsAccountId\"] == \"111111111111\" and f[\"ProductArn\"] == \"arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default\" and f[\"SchemaVersion\"] == \"2018-10-08\" for f in d[\"findings\"])"'

# 5: importing again updates the same Ids, no duplicates
curl -s -X DELETE "$AWS/__stats" >/dev/null
run again
check "a second run imports the same 105 Ids again (updates, no duplicates)" \
	'[ "$(rc again)" = 1 ] && diff <(doc_ids first) <(hub_ids) >/dev/null && hubq "assert len(d[\"findings\"]) == 105 and d[\"imports\"] == 210"'

# 6: throttling (LimitExceededException 429) is retried
reset
echo '{"securityhub:BatchImportFindings": {"throttle": 3}}' >"$tmp/faults"
run throttled
check "throttled 3 times: retried, then all 105 imported" \
	'[ "$(rc throttled)" = 1 ] && hubq "assert len(d[\"ids\"]) == 105 and s[\"errors\"].get(\"LimitExceededException\") == 3"' "$tmp/throttled.err"

# 7: retryable FailedFindings (InternalException) are sent again
reset
echo '{"securityhub:BatchImportFindings": {"fail_findings": 2}}' >"$tmp/faults"
run retryable
check "FailedFindings with InternalException: sent again, all 105 imported" \
	'[ "$(rc retryable)" = 1 ] && ! grep -q "not imported" "$tmp/retryable.err" && hubq "assert len(d[\"ids\"]) == 105 and sum(b[\"failed\"] for b in d[\"batches\"]) == 2"' "$tmp/retryable.err"

# 8-9: refused FailedFindings are reported, one by one, and fail the run
reset
echo '{"securityhub:BatchImportFindings": {"fail_findings": 2, "fail_code": "InvalidInput", "fail_message": "Finding too large"}}' >"$tmp/faults"
run refused
check "FailedFindings InvalidInput: each reported with its Id, code and message" \
	'[ "$(grep -c "finding ecsprobe/111111111111/us-east-1/[0-9a-f]* not imported: InvalidInput: Finding too large" "$tmp/refused.err")" = 2 ]' "$tmp/refused.err"
check "...the other 103 imported, and the exit status says the output is incomplete (4)" \
	'[ "$(rc refused)" = 4 ] && hubq "assert len(d[\"ids\"]) == 103"' "$tmp/refused.err"
: >"$tmp/faults"

# 10: a bad signature is a clear error, not retried forever
reset
AWS_SECRET_ACCESS_KEY=wrongSecret0000000000000000000000000000000 run badsig
check "wrong secret key: InvalidSignatureException named, exit 4, nothing imported" \
	'[ "$(rc badsig)" = 4 ] && grep -q "InvalidSignatureException" "$tmp/badsig.err" && hubq "assert d[\"ids\"] == [] and s[\"calls\"][\"securityhub:BatchImportFindings\"] <= 2"' "$tmp/badsig.err"

# 11: no credentials at all: refused before probing
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$tmp" "$EP" verify --inventory "$tmp/inv.json" \
	--source-ip 127.0.0.1 -q --securityhub >"$tmp/nocreds.out" 2>"$tmp/nocreds.err"
st=$?
check "no AWS credentials: exit 2 before any probe" \
	'[ $st = 2 ] && grep -q "securityhub: no AWS credentials" "$tmp/nocreds.err"' "$tmp/nocreds.err"

# 12-13: Security Hub unreachable: spooled; `ecsprobe flush` imports them
reset
AWS_ENDPOINT_URL_SECURITYHUB=http://127.0.0.1:1 run down --spool "$tmp/spool"
check "Security Hub unreachable: findings kept in the spool, exit 4 (incomplete)" \
	'[ "$(rc down)" = 4 ] && ls "$tmp/spool"/*.spool >/dev/null 2>&1 && grep -q "105 findings not imported, kept in the spool" "$tmp/down.err"' "$tmp/down.err"
"$EP" flush --spool "$tmp/spool" >"$tmp/flush.out" 2>"$tmp/flush.err"
st=$?
check "ecsprobe flush imports the spooled findings (exit 0)" \
	'[ $st = 0 ] && diff <(doc_ids down) <(hub_ids) >/dev/null' "$tmp/flush.err"

echo "1..$n"
[ $fails = 0 ]
