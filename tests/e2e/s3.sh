#!/bin/bash
# End-to-end: S3 destinations and inputs against the fake AWS endpoint's S3
# (tests/fakeaws/fake_s3.py, which checks every SigV4 signature with
# botocore's S3 signer).  scan -o FORMAT:s3://... uploads when the output
# closes (one PutObject, or a multipart upload for a large output), read
# back with Debian's `aws s3 cp` and through ep_input_list/ep_input_open
# (tests/lab/ep_objects and `plan --inventory s3://...`); throttling and 5xx
# are retried without duplicating data; a failed upload keeps the local file
# and says how to send it (exit 4); missing bucket, missing object, access
# denied and hostile listings are one line each with the project's exit
# statuses.  Probes go to 127.0.0.1 only.  TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
OBJ=${EP_OBJECTS:-tests/lab/ep_objects}
SRC=${top_srcdir:-.}
AWSCLI=
for a in ${FAKEAWS_AWS:-} /usr/bin/aws aws; do
	if command -v "$a" >/dev/null 2>&1; then AWSCLI=$a; break; fi
done

if ! command -v python3 >/dev/null || ! /usr/bin/python3 -c 'import botocore' 2>/dev/null ||
	[ -z "$AWSCLI" ]; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - python3-botocore and awscli are needed (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP needs python3-botocore and awscli"
	exit 0
fi

tmp=$(mktemp -d)
# the scan gives up root (syn mode) before its outputs close: where it keeps
# a failed upload must be writable then
keep=$(mktemp -d)
chmod 1777 "$keep"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp" "$keep"; }
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; [ -n "${3:-}" ] && sed 's/^/# /' "$3" | tail -8; fi; }
wait_file() { local i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; }

echo "1..45"
: >"$tmp/faults"
/usr/bin/python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/tests/fakeaws/scenarios/basic.json" \
	--port-file "$tmp/aws.port" --faults "$tmp/faults" >"$tmp/aws.log" 2>&1 &
pids+=($!)
printf '127.0.0.1 18771\n127.0.0.1 18773\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
pids+=($!)
wait_file "$tmp/aws.port"
wait_file "$tmp/ready"
AWS="http://127.0.0.1:$(cat "$tmp/aws.port")"
export AWS_ACCESS_KEY_ID=AKIAFAKEPROD00000001 AWS_SECRET_ACCESS_KEY=fakeProdSecret0000000000000000000000000001
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL="$AWS" TMPDIR="$keep"
unset AWS_ENDPOINT_URL_S3 ECSPROBE_S3_PART_SIZE ECSPROBE_S3_MAX_INPUT AWS_PROFILE
check "fakeaws is up" '[ -s "$tmp/aws.port" ] && curl -sf "$AWS/__health" >/dev/null' "$tmp/aws.log"

# buckets: ours, another account's, ours in another region; parts of 1 KiB allowed
curl -s -X POST -d '{"buckets": [{"name": "bkt", "account": "111111111111"},
	{"name": "other-acct", "account": "222222222222"},
	{"name": "euw-bkt", "account": "111111111111", "region": "eu-west-1"}],
	"min_part_size": 1024}' "$AWS/__s3" >/dev/null

PORTS=18770-18775
# scan NAME ARGS...: a scan of 127.0.0.1 with outputs; status in $tmp/NAME.rc
scan() {
	local name=$1
	shift
	"$EP" scan 127.0.0.1 -p "$PORTS" --rate 5000 --timeout 300 -q "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
rc() { cat "$tmp/$1.rc"; }
s3get() { curl -sf "$AWS/__s3/$1"; }
# s3q PY: evaluates PY with d = the fake's S3 store, s = its stats
s3q() {
	curl -s "$AWS/__s3" >"$tmp/s3.json"
	curl -s "$AWS/__stats" >"$tmp/stats.json"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); $1" \
		"$tmp/s3.json" "$tmp/stats.json"
}
reset_stats() { curl -s -X DELETE "$AWS/__stats" >/dev/null; }
cli() { "$AWSCLI" --endpoint-url "$AWS" "$@"; }
lines() { wc -l <"$1" | tr -d ' '; }

# 2-6: an ndjson output to S3, beside the same output on disk
scan first -o ndjson:s3://bkt/run-1/a.ndjson -o "ndjson:$tmp/a.ndjson"
check "scan -o ndjson:s3://bkt/run-1/a.ndjson: exit 0, nothing on stderr" \
	'[ "$(rc first)" = 0 ] && [ ! -s "$tmp/first.err" ]' "$tmp/first.err"
check "the object is the local output byte for byte (2 open of 6 ports)" \
	's3get bkt/run-1/a.ndjson >"$tmp/a.s3" && cmp -s "$tmp/a.s3" "$tmp/a.ndjson" && [ "$(grep -c "\"state\":\"open\"" "$tmp/a.s3")" = 2 ]'
check "one PutObject, content type application/x-ndjson" \
	's3q "assert s[\"calls\"][\"s3:PutObject\"] == 1; assert d[\"buckets\"][\"bkt\"][\"objects\"][\"run-1/a.ndjson\"][\"content_type\"] == \"application/x-ndjson\""'
check "aws s3 cp s3://bkt/run-1/a.ndjson - reads it back" \
	'cli s3 cp s3://bkt/run-1/a.ndjson - 2>"$tmp/cli.err" | cmp -s - "$tmp/a.ndjson"' "$tmp/cli.err"
check "aws s3 ls s3://bkt/run-1/ lists it with its size" \
	'cli s3 ls s3://bkt/run-1/ 2>&1 | grep -q " $(stat -c %s "$tmp/a.ndjson") a.ndjson$"'

# 7-8: every file output format goes to S3 the same way
scan formats -o "text:s3://bkt/run-1/t.txt" -o sarif:s3://bkt/run-1/a.sarif -o cef:s3://bkt/run-1/a.cef \
	-o ocsf:s3://bkt/run-1/a.ocsf -o elastic:s3://bkt/run-1/a.ecs -o asff:s3://bkt/run-1/a.asff
check "text, sarif, cef, ocsf, elastic and asff outputs uploaded (exit 0)" \
	'[ "$(rc formats)" = 0 ] && s3q "o=d[\"buckets\"][\"bkt\"][\"objects\"]; assert all(o[\"run-1/\"+k][\"size\"] > 0 for k in (\"t.txt\",\"a.sarif\",\"a.cef\",\"a.ocsf\",\"a.ecs\"))" && s3get bkt/run-1/t.txt | grep -q "^Done: 6 probes"' "$tmp/formats.err"
check "...sarif parses as JSON, asff is a JSON array" \
	's3get bkt/run-1/a.sarif | python3 -c "import json,sys; assert json.load(sys.stdin)[\"version\"] == \"2.1.0\"" && s3get bkt/run-1/a.asff | python3 -c "import json,sys; assert isinstance(json.load(sys.stdin), list)"'

# 9-12: a large output in parts (ECSPROBE_S3_PART_SIZE), completed only when whole
reset_stats
ECSPROBE_S3_PART_SIZE=4K scan big -p 1-400 -o ndjson:s3://bkt/run-1/big.ndjson -o "ndjson:$tmp/big.ndjson"
size=$(stat -c %s "$tmp/big.ndjson")
parts=$(((size + 4095) / 4096))
check "scan -p 1-400 with 4 KiB parts: exit 0, a $size-byte output" '[ "$(rc big)" = 0 ] && [ "$size" -gt 40000 ]' "$tmp/big.err"
check "one multipart upload of $parts parts, completed once, none left open" \
	's3q "c=s[\"calls\"]; assert c[\"s3:CreateMultipartUpload\"] == 1 and c[\"s3:UploadPart\"] == $parts and c[\"s3:CompleteMultipartUpload\"] == 1 and \"s3:PutObject\" not in c, c; assert d[\"uploads\"] == []; assert d[\"buckets\"][\"bkt\"][\"objects\"][\"run-1/big.ndjson\"][\"etag\"].endswith(\"-$parts\\\"\")"'
check "the object is the local output byte for byte" 's3get bkt/run-1/big.ndjson | cmp -s - "$tmp/big.ndjson"'
check "aws s3 cp reads the multipart object back" \
	'cli s3 cp s3://bkt/run-1/big.ndjson "$tmp/big.cli" >/dev/null 2>&1 && cmp -s "$tmp/big.cli" "$tmp/big.ndjson"'

# 13-17: ep_input_list / ep_input_open
reset_stats
"$OBJ" list s3://bkt/run-1/ >"$tmp/list.out" 2>"$tmp/list.err"
check "ep_input_list s3://bkt/run-1/: every object, sorted by key, over pages" \
	'[ "$(cat "$tmp/list.out" | tr "\n" " ")" = "s3://bkt/run-1/a.asff s3://bkt/run-1/a.cef s3://bkt/run-1/a.ecs s3://bkt/run-1/a.ndjson s3://bkt/run-1/a.ocsf s3://bkt/run-1/a.sarif s3://bkt/run-1/big.ndjson s3://bkt/run-1/t.txt " ] && s3q "assert s[\"calls\"][\"s3:ListObjectsV2\"] == 3"' "$tmp/list.err"
check "ep_input_list of an existing key: that object only" \
	'[ "$("$OBJ" list s3://bkt/run-1/a.ndjson)" = "s3://bkt/run-1/a.ndjson" ]'
check "ep_input_list of a key prefix: what is under it" \
	'[ "$("$OBJ" list s3://bkt/run-1/a.s | tr "\n" " ")" = "s3://bkt/run-1/a.sarif " ]'
"$OBJ" list s3://bkt/run-9/ >"$tmp/list9.out" 2>"$tmp/list9.err"
check "ep_input_list of an empty prefix: exit 2, one line" \
	'[ $? = 2 ] && [ "$(lines "$tmp/list9.err")" = 1 ] && grep -q "s3://bkt/run-9/: no such object" "$tmp/list9.err"' "$tmp/list9.err"
check "ep_input_open streams an object into a file (the multipart one)" \
	'"$OBJ" cat s3://bkt/run-1/big.ndjson | cmp -s - "$tmp/big.ndjson"'

# 18-20: retries: throttling on PutObject, a 500 on a part, a short GetObject
reset_stats
echo '{"s3:PutObject": {"throttle": 2}}' >"$tmp/faults"
scan retry -o ndjson:s3://bkt/run-2/retry.ndjson -o "ndjson:$tmp/retry.ndjson"
check "PutObject SlowDown twice: retried, exit 0, stored once with the same bytes" \
	'[ "$(rc retry)" = 0 ] && s3q "assert s[\"calls\"][\"s3:PutObject\"] == 3 and s[\"errors\"][\"SlowDown\"] == 2; assert [p for p in d[\"puts\"] if p[\"key\"] == \"run-2/retry.ndjson\"] == [{\"bucket\": \"bkt\", \"key\": \"run-2/retry.ndjson\", \"size\": $(stat -c %s "$tmp/retry.ndjson" 2>/dev/null || echo 0), \"op\": \"PutObject\"}]" && s3get bkt/run-2/retry.ndjson | cmp -s - "$tmp/retry.ndjson"' "$tmp/retry.err"
reset_stats
echo '{"UploadPart": {"error500": 1, "skip": 2}}' >"$tmp/faults"
ECSPROBE_S3_PART_SIZE=4K scan partretry -p 1-400 -o ndjson:s3://bkt/run-2/parts.ndjson -o "ndjson:$tmp/parts.ndjson"
check "UploadPart 500 on the third part: that part sent again, the object whole" \
	'[ "$(rc partretry)" = 0 ] && s3q "assert s[\"errors\"][\"InternalError\"] == 1 and s[\"calls\"][\"s3:UploadPart\"] == $(( ($(stat -c %s "$tmp/parts.ndjson") + 4095) / 4096 + 1 ))" && s3get bkt/run-2/parts.ndjson | cmp -s - "$tmp/parts.ndjson"' "$tmp/partretry.err"
echo '{"s3:GetObject": {"malformed": 1}}' >"$tmp/faults"
check "GetObject cut short once: fetched again, the file whole" \
	'"$OBJ" cat s3://bkt/run-1/big.ndjson | cmp -s - "$tmp/big.ndjson"'
: >"$tmp/faults"

# 21-24: PutObject failing always: nothing lost, one line, exit 4
reset_stats
echo '{"s3:PutObject": {"error500": true}}' >"$tmp/faults"
scan fail -o ndjson:s3://bkt/run-2/fail.ndjson -o "ndjson:$tmp/fail.ndjson"
: >"$tmp/faults"
kept=$(sed -n 's/.*the output is kept in \([^ ]*\) .*/\1/p' "$tmp/fail.err")
check "PutObject 500 on every try: exit 4, five attempts, no object" \
	'[ "$(rc fail)" = 4 ] && s3q "assert s[\"calls\"][\"s3:PutObject\"] == 5; assert \"run-2/fail.ndjson\" not in d[\"buckets\"][\"bkt\"][\"objects\"]"' "$tmp/fail.err"
check "one line naming the operation, the URL, the error code and the kept file" \
	'[ "$(lines "$tmp/fail.err")" = 1 ] && grep -q "ndjson:s3://bkt/run-2/fail.ndjson not uploaded: PutObject $AWS/bkt/run-2/fail.ndjson: InternalError: We encountered an internal error. Please try again. (5 attempts); the output is kept in $keep/ecsprobe-ndjson-" "$tmp/fail.err"' "$tmp/fail.err"
check "the kept file is the whole output" '[ -n "$kept" ] && cmp -s "$kept" "$tmp/fail.ndjson"'
cmd=$(sed -n 's/.*(upload it with: \(.*\))$/\1/p' "$tmp/fail.err")
check "the aws s3 cp line it prints uploads it" \
	'[ "${cmd%% *}" = aws ] && eval "\"$AWSCLI\" --endpoint-url \"$AWS\" ${cmd#aws }" >/dev/null 2>&1 && s3get bkt/run-2/fail.ndjson | cmp -s - "$tmp/fail.ndjson"'
rm -f "$kept"

# 25-26: a multipart upload whose completion fails is aborted
reset_stats
echo '{"CompleteMultipartUpload": {"error": {"count": 99, "code": "InternalError", "message": "complete failed", "in_200": true}}}' >"$tmp/faults"
ECSPROBE_S3_PART_SIZE=4K scan badcomplete -p 1-400 -o ndjson:s3://bkt/run-2/badcomplete.ndjson
: >"$tmp/faults"
check "CompleteMultipartUpload answering 200 with an <Error>: exit 4, retried, then aborted" \
	'[ "$(rc badcomplete)" = 4 ] && grep -q "CompleteMultipartUpload $AWS/bkt/run-2/badcomplete.ndjson: InternalError: complete failed (5 attempts)" "$tmp/badcomplete.err" && s3q "assert s[\"calls\"][\"s3:AbortMultipartUpload\"] == 1 and d[\"uploads\"] == []; assert \"run-2/badcomplete.ndjson\" not in d[\"buckets\"][\"bkt\"][\"objects\"]"' "$tmp/badcomplete.err"
rm -f "$keep"/ecsprobe-ndjson-*
check "no local file left behind by the uploads that worked or were kept" '[ -z "$(ls -A "$keep")" ]'

# 27-31: refusals of outputs: one line each
scan nobucket -o ndjson:s3://no-such-bucket-x/a.ndjson
check "missing bucket: exit 4, NoSuchBucket in one line" \
	'[ "$(rc nobucket)" = 4 ] && [ "$(lines "$tmp/nobucket.err")" = 1 ] && grep -q "PutObject $AWS/no-such-bucket-x/a.ndjson: NoSuchBucket: The specified bucket does not exist (1 attempt)" "$tmp/nobucket.err"' "$tmp/nobucket.err"
scan denied -o ndjson:s3://other-acct/a.ndjson
check "another account's bucket: exit 4, AccessDenied in one line" \
	'[ "$(rc denied)" = 4 ] && [ "$(lines "$tmp/denied.err")" = 1 ] && grep -q "PutObject $AWS/other-acct/a.ndjson: AccessDenied: Access Denied (1 attempt)" "$tmp/denied.err"' "$tmp/denied.err"
AWS_SECRET_ACCESS_KEY=wrongSecret0000000000000000000000000000000 scan badsig -o ndjson:s3://bkt/badsig.ndjson
check "a wrong secret key: exit 4, SignatureDoesNotMatch, not retried" \
	'[ "$(rc badsig)" = 4 ] && grep -q "SignatureDoesNotMatch.*(1 attempt)" "$tmp/badsig.err"' "$tmp/badsig.err"
rm -f "$keep"/ecsprobe-ndjson-*
scan badurl -o ndjson:s3://Bad_Bucket/a.ndjson
scan prefix -o ndjson:s3://bkt/run-3/
check "a bad bucket name or a prefix as the output: exit 2 before scanning, one line" \
	'[ "$(rc badurl)" = 2 ] && [ "$(rc prefix)" = 2 ] && [ "$(lines "$tmp/badurl.err")" = 1 ] && grep -q "lower-case" "$tmp/badurl.err" && grep -q "names a prefix" "$tmp/prefix.err"' "$tmp/badurl.err"
scan region -o ndjson:s3://euw-bkt/a.ndjson -o "ndjson:s3://bkt/run 3/ü b+c.ndjson"
check "a bucket in eu-west-1 (S3 says so), a key with a space, '+' and UTF-8: both uploaded" \
	'[ "$(rc region)" = 0 ] && s3q "assert \"a.ndjson\" in d[\"buckets\"][\"euw-bkt\"][\"objects\"] and \"run 3/ü b+c.ndjson\" in d[\"buckets\"][\"bkt\"][\"objects\"]" && [ "$("$OBJ" list "s3://bkt/run 3/")" = "s3://bkt/run 3/ü b+c.ndjson" ]' "$tmp/region.err"

# 32-33: AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL; inventory -o s3://
AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_ENDPOINT_URL_S3="$AWS" scan s3env -o ndjson:s3://bkt/run-3/env.ndjson
check "AWS_ENDPOINT_URL_S3 is used for S3 before AWS_ENDPOINT_URL" '[ "$(rc s3env)" = 0 ]' "$tmp/s3env.err"
"$EP" inventory -o s3://bkt/inv/inventory.json >/dev/null 2>"$tmp/inv.err"
st=$?
check "inventory -o s3://bkt/inv/inventory.json: exit 0, a JSON inventory" \
	'[ $st = 0 ] && s3get bkt/inv/inventory.json | python3 -c "import json,sys; assert json.load(sys.stdin)[\"schema\"] == \"ecsprobe.inventory/1\""' "$tmp/inv.err"

# 34-39: plan --inventory s3://...
s3get bkt/inv/inventory.json >"$tmp/inv.json"
"$EP" plan --inventory "$tmp/inv.json" --source-ip 203.0.113.9 >"$tmp/plan.local" 2>&1
plan() { "$EP" plan --inventory "$1" --source-ip 203.0.113.9 >"$tmp/plan.out" 2>"$tmp/plan.err"; echo $? >"$tmp/plan.rc"; }
plan s3://bkt/inv/inventory.json
check "plan --inventory s3://bkt/inv/inventory.json: the same plan as from the file" \
	'[ "$(cat "$tmp/plan.rc")" = 0 ] && cmp -s "$tmp/plan.out" "$tmp/plan.local"' "$tmp/plan.err"
plan s3://bkt/inv/missing.json
check "a missing object: exit 2, one line naming GetObject, the URL and NoSuchKey" \
	'[ "$(cat "$tmp/plan.rc")" = 2 ] && [ "$(lines "$tmp/plan.err")" = 1 ] && grep -q "^ecsprobe: s3://bkt/inv/missing.json: GetObject $AWS/bkt/inv/missing.json: NoSuchKey: The specified key does not exist. (1 attempt)$" "$tmp/plan.err"' "$tmp/plan.err"
plan s3://no-such-bucket-x/inv.json
check "a missing bucket: exit 2, NoSuchBucket" \
	'[ "$(cat "$tmp/plan.rc")" = 2 ] && grep -q "NoSuchBucket" "$tmp/plan.err"' "$tmp/plan.err"
plan s3://other-acct/inv.json
check "access denied: exit 3 (an AWS error), AccessDenied" \
	'[ "$(cat "$tmp/plan.rc")" = 3 ] && [ "$(lines "$tmp/plan.err")" = 1 ] && grep -q "GetObject $AWS/other-acct/inv.json: AccessDenied: Access Denied" "$tmp/plan.err"' "$tmp/plan.err"
echo '{"s3:GetObject": {"throttle": 2}}' >"$tmp/faults"
plan s3://bkt/inv/inventory.json
: >"$tmp/faults"
check "GetObject throttled twice: retried, the same plan" \
	'[ "$(cat "$tmp/plan.rc")" = 0 ] && cmp -s "$tmp/plan.out" "$tmp/plan.local"' "$tmp/plan.err"
ECSPROBE_S3_MAX_INPUT=1000 plan s3://bkt/inv/inventory.json
check "an object over the input cap: refused, exit 2, one line" \
	'[ "$(cat "$tmp/plan.rc")" = 2 ] && grep -q "larger than the 1000-byte cap" "$tmp/plan.err"' "$tmp/plan.err"

# 40: scan --inventory s3://... (a dry run: the scenario's addresses are not probed)
"$EP" scan --inventory s3://bkt/inv/inventory.json -p 443 --dry-run >"$tmp/dry.out" 2>"$tmp/dry.err"
st1=$?
"$EP" scan --inventory s3://other-acct/inv.json -p 443 --dry-run >/dev/null 2>"$tmp/dry2.err"
st2=$?
check "scan --inventory s3://...: read (dry run, exit 0); another account's: exit 3, one line" \
	'[ $st1 = 0 ] && [ $st2 = 3 ] && [ "$(lines "$tmp/dry2.err")" = 1 ] && grep -q "AccessDenied" "$tmp/dry2.err"' "$tmp/dry2.err"

# 41: hostile listings are refused in one line, not followed
ok_hostile=1
for kind in entities doctype deep longkey badsize notoken loop; do
	echo "{\"s3:ListObjectsV2\": {\"hostile\": 5, \"hostile_kind\": \"$kind\"}}" >"$tmp/faults"
	"$OBJ" list s3://bkt/run-1/ >"$tmp/h.out" 2>"$tmp/h.err"
	st=$?
	if [ $st != 3 ] || [ "$(lines "$tmp/h.err")" != 1 ] || [ -s "$tmp/h.out" ]; then
		ok_hostile=0
		echo "# hostile $kind: exit $st: $(cat "$tmp/h.err")"
	fi
done
: >"$tmp/faults"
check "hostile ListObjectsV2 pages (entities, DOCTYPE, depth, long key, bad size, no token, a loop): exit 3, one line" \
	'[ $ok_hostile = 1 ] && ! grep -q Traceback "$tmp/aws.log"' "$tmp/aws.log"

# 42-45: verify split over 3 shards through S3: the inventory and the intent
# read from S3, each shard's states written to one prefix, the merge reading
# the prefix; the findings equal one local run's (the lab's 127.0.10.x
# addresses on loopback: nothing listens, so every state is deterministic)
D=$SRC/tests/data/verify
cli s3 cp --quiet "$D/lab.json" s3://bkt/verify/inventory.json && cli s3 cp --quiet "$D/lab-intent.json" s3://bkt/verify/intent.json
vopts="--source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress -q"
ECSPROBE_NOW=1796000000 "$EP" verify --inventory "$D/lab.json" --intent "$D/lab-intent.json" $vopts \
	-o "ndjson:$tmp/vlocal.ndjson" >/dev/null 2>"$tmp/vlocal.err"
echo $? >"$tmp/vlocal.rc"
for i in 1 2 3; do
	ECSPROBE_NOW=1796000000 "$EP" verify --inventory s3://bkt/verify/inventory.json --intent s3://bkt/verify/intent.json \
		$vopts --seed 3 --shard $i/3 --save-states "s3://bkt/verify/run-1/states/shard-$i.ndjson" \
		>/dev/null 2>"$tmp/vshard$i.err"
	echo $? >"$tmp/vshard$i.rc"
done
check "verify --shard I/3 reads its inventory and intent from S3 and writes its states there" \
	'[ "$(cat "$tmp/vshard1.rc")$(cat "$tmp/vshard2.rc")$(cat "$tmp/vshard3.rc")" = 000 ] && [ "$(cli s3 ls s3://bkt/verify/run-1/states/ | wc -l)" = 3 ]' "$tmp/vshard2.err"
ECSPROBE_NOW=1796000000 "$EP" verify --inventory s3://bkt/verify/inventory.json --intent s3://bkt/verify/intent.json \
	$vopts --states s3://bkt/verify/run-1/states/ -o "ndjson:s3://bkt/verify/run-1/findings.ndjson" >/dev/null 2>"$tmp/vmerge.err"
echo $? >"$tmp/vmerge.rc"
cli s3 cp --quiet s3://bkt/verify/run-1/findings.ndjson "$tmp/vmerged.ndjson"
vids() { jq -r 'select(.type == "finding") | "\(.id) \(.kind) \(.severity) \(.address) \(.proto) \(.ports) \(.owner)"' "$1" | sort; }
check "the merge of the S3 prefix gives the local run's findings (ids, ports), its exit status, and writes them to S3" \
	'[ "$(cat "$tmp/vmerge.rc")" = "$(cat "$tmp/vlocal.rc")" ] && [ -s "$tmp/vmerged.ndjson" ] && [ -n "$(vids "$tmp/vlocal.ndjson")" ] && [ "$(vids "$tmp/vlocal.ndjson")" = "$(vids "$tmp/vmerged.ndjson")" ]' "$tmp/vmerge.err"
ECSPROBE_NOW=1796000000 "$EP" verify --inventory s3://bkt/verify/inventory.json --intent s3://bkt/verify/intent.json \
	$vopts --states s3://bkt/verify/run-1/states/shard-1.ndjson --states s3://bkt/verify/run-1/states/shard-3.ndjson \
	>/dev/null 2>"$tmp/vmiss.err"
check "a shard missing from S3: refused, exit 2" '[ $? = 2 ] && grep -q "shard 2/3 is missing" "$tmp/vmiss.err"' "$tmp/vmiss.err"
"$EP" verify --inventory s3://bkt/verify/nope.json $vopts >/dev/null 2>"$tmp/vnoinv.err"
check "verify --inventory of a missing S3 object: one line, exit 2" '[ $? = 2 ] && grep -q "NoSuchKey" "$tmp/vnoinv.err"' "$tmp/vnoinv.err"

[ "$n" = 45 ] || echo "# ran $n checks, plan said 45"
[ $fails = 0 ]
