#!/bin/sh
# Export formats end to end: the demo account's verify (fake AWS endpoint and
# listeners on 127.0.10.x, as data/demo/verify.sh) with -o ocsf, elastic,
# elastic-bulk, cef, sarif and asff; each output checked by
# tests/e2e/formats_check.py (OCSF against the OCSF schema sources, SARIF
# against its JSON Schema, ASFF required attributes, ECS fields, CEF
# structure), and the checkers shown to reject broken records.  Then findings
# of several port ranges (tests/lab/ep_findings: verify's lab has none) in
# every format: valid, the same ports as the NDJSON record, no single-range
# field (port_from/port_to, dpt, OpenPortRange ...) on them.  TAP output.
# As root, run in a private network namespace: the demo's addresses and ports
# are then ours alone, even when tests/e2e/demo.sh runs at the same time.
if [ -z "${EP_FORMATS_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
	unshare -n true 2>/dev/null; then
	EP_FORMATS_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
FINDINGS=${EP_FINDINGS:-tests/lab/ep_findings}
SRC=${top_srcdir:-.}
DATA=${EP_TESTDATA:-$SRC/tests/data}
CHECK="$SRC/tests/e2e/formats_check.py"
tmp=$(mktemp -d)
fpid= lpid=
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
echo "1..17"
if ! command -v python3 >/dev/null || ! python3 -c 'import botocore' 2>/dev/null; then
	for i in $(seq 17); do echo "ok $i # SKIP needs python3 and python3-botocore"; done
	exit 0
fi
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file "$tmp/port" \
	>"$tmp/fake.log" 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null &
lpid=$!
i=0
while [ ! -s "$tmp/port" ] || [ ! -f "$tmp/ready" ]; do
	sleep 0.1
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "Bail out! the fake AWS endpoint or the listeners did not start"; exit 1; }
done
url="http://127.0.0.1:$(cat "$tmp/port")"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$url"
"$EP" inventory --endpoint-url "$url" -o "$tmp/inv.json" >"$tmp/inv.log" 2>&1 ||
	{ echo "Bail out! inventory failed"; sed 's/^/# /' "$tmp/inv.log"; exit 1; }

# run N: verify with every export format into $tmp/N.*
run() {
	"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --rate 20000 --timeout 500 \
		-o "ndjson:$tmp/$1.ndjson" -o "ocsf:$tmp/$1.ocsf" -o "elastic:$tmp/$1.ecs" \
		-o "elastic-bulk:$tmp/$1.bulk" -o "cef:$tmp/$1.cef" -o "sarif:$tmp/$1.sarif" \
		-o "asff:$tmp/$1.asff" >"$tmp/$1.out" 2>&1
}
# ok N DESCRIPTION CMD...: runs CMD, shows its output on failure
ok() {
	n=$1 desc=$2
	shift 2
	if "$@" >"$tmp/check.out" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$tmp/check.out" | head -20
	fi
}
check() { python3 "$CHECK" "$@"; }
# checks PATTERN KIND ARGS...: the checker finds nothing wrong (its exit
# status: it prints the record count either way) and its report matches
checks() {
	pat=$1
	shift
	check "$@" >"$tmp/checks.out" 2>&1
	st=$?
	cat "$tmp/checks.out"
	[ $st = 0 ] && grep -q -- "$pat" "$tmp/checks.out"
}

run 1
st=$?
# the counts come from the NDJSON written beside the formats
nfind=$(grep -c '"type":"finding"' "$tmp/1.ndjson")
if [ $st -le 1 ] && [ "$nfind" -gt 0 ] && grep -q "^verify: $nfind findings" "$tmp/1.out"; then
	echo "ok 1 - verify writes all six formats (exit $st, $nfind findings)"
else
	echo "not ok 1 - verify exit $st"
	sed 's/^/# /' "$tmp/1.out" | tail -5
fi
nres=$(grep -c '"type":"result"' "$tmp/1.ndjson")
# the public controls the findings fail (ecsprobe checks): one OCSF
# Compliance Finding each
ncomp=$(python3 -c 'import json,sys; print(sum(len(json.loads(l).get("controls", [])) for l in open(sys.argv[1]) if "\"type\":\"finding\"" in l))' "$tmp/1.ndjson")
ids() { grep '"type":"finding"' "$tmp/1.ndjson" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/' | sort; }

ocsf_ok() {
	check ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/1.ocsf" &&
		[ "$(grep -c '"class_uid":2004' "$tmp/1.ocsf")" = "$nfind" ] &&
		[ "$(grep -c '"class_uid":4001' "$tmp/1.ocsf")" = "$nres" ] &&
		python3 -c 'import json,sys; print("\n".join(sorted(json.loads(l)["finding_info"]["uid"] for l in open(sys.argv[1]) if "\"class_uid\":2004" in l)))' \
			"$tmp/1.ocsf" >"$tmp/ocsf.ids" && ids | cmp - "$tmp/ocsf.ids"
}
ok 2 "OCSF: $nfind Detection Findings and $nres Network Activity events valid against the OCSF 1.7.0 schema; finding_info.uid = finding id" ocsf_ok

if python3 -c 'import jsonschema' 2>/dev/null; then
	ok 3 "SARIF valid against sarif-schema-2.1.0.json, $nfind results with fingerprints" \
		checks "^$nfind records" sarif "$DATA/schema/sarif-2.1.0/sarif-schema-2.1.0.json" "$tmp/1.sarif"
else
	echo "ok 3 # SKIP python3-jsonschema is not installed"
fi

ok 4 "ASFF: $nfind findings with every required attribute" checks "^$nfind records" asff "$tmp/1.asff"

run 2
asff_ids() { python3 -c 'import json,sys; print("\n".join(sorted(f["Id"] for f in json.load(open(sys.argv[1])))))' "$1"; }
stable() {
	asff_ids "$tmp/1.asff" >"$tmp/a1" && asff_ids "$tmp/2.asff" >"$tmp/a2" && cmp "$tmp/a1" "$tmp/a2" &&
		[ "$(wc -l <"$tmp/a1")" = "$nfind" ] && ! cmp -s "$tmp/1.ndjson" "$tmp/2.ndjson"
}
ok 5 "ASFF Ids are the same in a second run (re-imports update, not duplicate)" stable

ok 6 "elastic: ECS field names and values, $nfind alerts and $nres state documents" \
	checks "\"alert\": $nfind, \"state\": $nres" elastic "$tmp/1.ecs"
ok 7 "elastic-bulk: an action line with a stable _id before each document" \
	checks "\"alert\": $nfind" elastic "$tmp/1.bulk" bulk
ok 8 "CEF: one well-formed CEF:0 line per result and finding" \
	checks "^$((nres + nfind)) records" cef "$tmp/1.cef"

# negative controls: each checker rejects what it must
mutate() { # mutate IN OUT PYTHON-EXPR-ON-e : rewrites the first finding record
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
src, dst, expr = sys.argv[1:4]
lines = open(src).read().splitlines()
for i, l in enumerate(lines):
    if '"class_uid":2004' in l or l.startswith("{\"@timestamp\"") and '"alert"' in l:
        e = json.loads(l)
        exec(expr)
        lines[i] = json.dumps(e)
        break
open(dst, "w").write("\n".join(lines) + "\n")
EOF
}
rejects() { ! check "$@" >/dev/null 2>&1; }
neg_ocsf() {
	mutate "$tmp/1.ocsf" "$tmp/m1" 'del e["finding_info"]["uid"]' && rejects ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/m1" &&
		mutate "$tmp/1.ocsf" "$tmp/m2" 'e["severity"] = "Low"' && rejects ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/m2" &&
		mutate "$tmp/1.ocsf" "$tmp/m3" 'del e["metadata"]["profiles"]' && rejects ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/m3" &&
		mutate "$tmp/1.ocsf" "$tmp/m4" 'e["evidences"][0]["dst_endpoint"]["port"] = 70000' &&
		rejects ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/m4"
}
ok 9 "the OCSF check rejects a missing finding_info.uid, a wrong caption, an unlisted profile, a bad port" neg_ocsf

neg_others() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["runs"][0]["tool"]; json.dump(d, open(sys.argv[2],"w"))' \
		"$tmp/1.sarif" "$tmp/s1" &&
		{ ! python3 -c 'import jsonschema' 2>/dev/null || rejects sarif "$DATA/schema/sarif-2.1.0/sarif-schema-2.1.0.json" "$tmp/s1"; } &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d[0]["Title"]; json.dump(d, open(sys.argv[2],"w"))' \
			"$tmp/1.asff" "$tmp/a1.bad" && rejects asff "$tmp/a1.bad" &&
		mutate "$tmp/1.ecs" "$tmp/e1" 'e["destination"]["port_number"] = 1' && rejects elastic "$tmp/e1" &&
		printf 'CEF:0|ecsprobe|ecsprobe|1|x|a|b|5|rt=1 externalId=1 dpt=1\n' >"$tmp/c1" && rejects cef "$tmp/c1" &&
		printf 'CEF:0|ecsprobe|ecsprobe|1|x|a|5|rt=1 externalId=1 dpt=1 msg=a=b\n' >"$tmp/c2" && rejects cef "$tmp/c2"
}
ok 10 "the SARIF, ASFF, ECS and CEF checks reject broken records" neg_others

# stdout destination, from a plain scan (verify prints its report there)
"$EP" scan --mode connect -p 80,81,6379 --no-progress -o ocsf:- 127.0.10.1 >"$tmp/stdout.ocsf" 2>"$tmp/stdout.err"
ok 11 "scan -o ocsf:- writes 3 valid Network Activity events to stdout" \
	checks "^3 records" ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/stdout.ocsf"

"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 -o sarif:/nonexistent/dir/x.sarif \
	>"$tmp/bad.out" 2>&1
st=$?
if [ $st = 2 ] && grep -q "sarif:/nonexistent/dir/x.sarif" "$tmp/bad.out"; then
	echo "ok 12 - an unwritable destination is a usage error naming the output"
else
	echo "not ok 12 - unwritable destination: exit $st"
	sed 's/^/# /' "$tmp/bad.out" | tail -3
fi

# ---- findings of several port ranges, and the NDJSON finding schema
all_formats() { # PREFIX: the -o specs of every file format into $tmp/PREFIX.*
	echo "ndjson:$tmp/$1.ndjson" "ocsf:$tmp/$1.ocsf" "elastic:$tmp/$1.ecs" "elastic-bulk:$tmp/$1.bulk" \
		"cef:$tmp/$1.cef" "sarif:$tmp/$1.sarif" "asff:$tmp/$1.asff"
}
# shellcheck disable=SC2046
"$FINDINGS" $(all_formats r) >"$tmp/r.out" 2>&1 || sed 's/^/# ep_findings: /' "$tmp/r.out"
has_jsonschema() { python3 -c 'import jsonschema' 2>/dev/null; }
# verify's own findings (test 1 counts them): checked however many there are
nfind=$(grep -c '"type":"finding"' "$tmp/1.ndjson")
if has_jsonschema; then
	schema_ok() {
		[ "$nfind" -gt 0 ] && checks "^$nfind records" finding "$SRC/data/schema/finding.schema.json" "$tmp/1.ndjson" &&
			checks '^4 records checked {"multi_range": 2}' finding "$SRC/data/schema/finding.schema.json" "$tmp/r.ndjson"
	}
	ok 13 "NDJSON findings (verify's $nfind; 4 more, 2 of several ranges) valid against finding.schema.json" schema_ok
else
	echo "ok 13 # SKIP python3-jsonschema is not installed"
fi

multi_ok() {
	checks '^4 records' ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/r.ocsf" &&
		{ ! has_jsonschema || checks '^4 records' sarif "$DATA/schema/sarif-2.1.0/sarif-schema-2.1.0.json" "$tmp/r.sarif"; } &&
		checks '^4 records' asff "$tmp/r.asff" &&
		checks '"alert": 4' elastic "$tmp/r.ecs" &&
		checks '"alert": 4' elastic "$tmp/r.bulk" bulk &&
		checks '^4 records' cef "$tmp/r.cef"
}
ok 14 "findings of several port ranges: OCSF, SARIF, ASFF, ECS, elastic-bulk and CEF valid" multi_ok

# verify's findings too: every checker (each holds a finding's ports to the
# one-range rule) passes, and each format agrees with the NDJSON record
# shellcheck disable=SC2086
same_ports() {
	a='' b=''
	for fe in ocsf=ocsf elastic=ecs elastic-bulk=bulk cef=cef sarif=sarif asff=asff; do
		a="$a ${fe%%=*}=$tmp/1.${fe#*=}"
		b="$b ${fe%%=*}=$tmp/r.${fe#*=}"
	done
	[ "$nfind" -gt 0 ] &&
		checks "^$((nres + nfind + ncomp)) records" ocsf "$DATA/schema/ocsf-1.7.0" "$tmp/1.ocsf" &&
		{ ! has_jsonschema || checks "^$nfind records" sarif "$DATA/schema/sarif-2.1.0/sarif-schema-2.1.0.json" "$tmp/1.sarif"; } &&
		checks "^$nfind records" asff "$tmp/1.asff" &&
		checks "\"alert\": $nfind" elastic "$tmp/1.ecs" &&
		checks "\"alert\": $nfind" elastic "$tmp/1.bulk" bulk &&
		checks "^$((nres + nfind)) records" cef "$tmp/1.cef" &&
		checks "^$nfind records" ports "$tmp/1.ndjson" $a &&
		checks '^4 records checked {"formats": 6, "multi_range": 2}' ports "$tmp/r.ndjson" $b
}
ok 15 "verify's findings and these: every checker passes; every format has each finding's protocol, port ranges and port count as its NDJSON record" same_ports

# mutate_line IN OUT MATCH PYTHON-EXPR-ON-e: rewrites the first line holding MATCH
mutate_line() {
	python3 -c '
import json, sys
src, dst, match, expr = sys.argv[1:5]
lines = open(src).read().splitlines()
for i, l in enumerate(lines):
    if match in l:
        e = json.loads(l)
        exec(expr)
        lines[i] = json.dumps(e)
        break
open(dst, "w").write("\n".join(lines) + "\n")' "$@"
}
# mutate_doc IN OUT PYTHON-EXPR-ON-d: the same on a whole JSON document
mutate_doc() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(d, open(sys.argv[2],"w"))' "$@"
}
# the first finding ep_findings writes is udp 7000-7002,7004-7010 (10 ports)
neg_multi() {
	O="$DATA/schema/ocsf-1.7.0" F="$SRC/data/schema/finding.schema.json"
	{ ! has_jsonschema || {
		mutate_line "$tmp/r.ndjson" "$tmp/n1" '"type":"finding"' 'e["port_from"] = 7000' && rejects finding "$F" "$tmp/n1" &&
			mutate_line "$tmp/r.ndjson" "$tmp/n2" '"type":"finding"' 'e["port_count"] = 11' && rejects finding "$F" "$tmp/n2" &&
			mutate_doc "$tmp/r.sarif" "$tmp/s1" 'd["runs"][0]["results"][0]["properties"]["portFrom"] = 7000' &&
			rejects sarif "$DATA/schema/sarif-2.1.0/sarif-schema-2.1.0.json" "$tmp/s1"
	}; } &&
		mutate_line "$tmp/r.ocsf" "$tmp/o1" '"class_uid":2004' 'e["evidences"][0]["data"]["port_from"] = 7000' &&
		rejects ocsf "$O" "$tmp/o1" &&
		mutate_line "$tmp/r.ocsf" "$tmp/o2" '"class_uid":2004' 'e["evidences"][0]["dst_endpoint"]["port"] = 7000' &&
		rejects ocsf "$O" "$tmp/o2" &&
		mutate_line "$tmp/r.ecs" "$tmp/e1" '"alert"' 'e["destination"]["port"] = 7000' && rejects elastic "$tmp/e1" &&
		mutate_line "$tmp/r.ecs" "$tmp/e2" '"alert"' 'e["ecsprobe"]["finding"]["port_to"] = 7010' &&
		rejects elastic "$tmp/e2" &&
		mutate_doc "$tmp/r.asff" "$tmp/a1" 'd[0]["Network"]["OpenPortRange"] = {"Begin": 7000, "End": 7010}' &&
		rejects asff "$tmp/a1" &&
		mutate_doc "$tmp/r.asff" "$tmp/a2" 'd[0]["Network"]["DestinationPort"] = 7000' && rejects asff "$tmp/a2" &&
		sed '1s/$/ dpt=7000/' "$tmp/r.cef" >"$tmp/c1" && rejects cef "$tmp/c1" &&
		sed '1s/cn2=10/cn2=9/' "$tmp/r.cef" >"$tmp/c2" && rejects cef "$tmp/c2"
}
ok 16 "the checkers reject a single-range field (port_from, port, port_to, portFrom, OpenPortRange, DestinationPort, dpt) or a wrong port count on a finding of several ranges" neg_multi

# the public controls (ecsprobe checks): the demo's world-open rule (sg-lb,
# tcp 8400-8499 from 0.0.0.0/0) makes its two findings fail AWS FSBP EC2.18;
# NDJSON "controls", OCSF Compliance Findings and ASFF Compliance agree
controls_ok() {
	python3 - "$tmp/1.ndjson" "$tmp/1.ocsf" "$tmp/1.asff" <<'EOF'
import json, sys
nd = [json.loads(l) for l in open(sys.argv[1]) if '"type":"finding"' in l]
want = sorted((f["id"], c) for f in nd for c in f.get("controls", []))
oc = [json.loads(l) for l in open(sys.argv[2]) if '"class_uid":2003' in l]
got = sorted(tuple(e["finding_info"]["uid"].split("/", 1)) for e in oc)
assert want == got, (want, got)
assert all(e["compliance"]["status_id"] == 3 and e["compliance"]["control"] for e in oc)
std = {"aws-fsbp": "AWS Foundational Security Best Practices v1.0.0",
       "cis-aws-3.0.0": "CIS AWS Foundations Benchmark v3.0.0"}
asff = {f["ProductFields"]["ecsprobe/finding_id"]: f for f in json.load(open(sys.argv[3]))}
for f in nd:
    a = asff[f["id"]].get("Compliance")
    exp = ["%s/%s" % (std[c.split("/")[0]], c.split("/")[1]) for c in f.get("controls", [])]
    assert (a or {}).get("RelatedRequirements", []) == exp, (f["id"], a, exp)
    assert not exp or a["Status"] == "FAILED"
ec218 = sorted(f["port_count"] for f in nd if "aws-fsbp/EC2.18" in f.get("controls", []))
assert ec218 == [1, 99], ec218
print(len(want), "controls")
EOF
}
ok 17 "controls: the 2 world-open findings fail EC2.18; NDJSON controls = OCSF Compliance Findings (2003) = ASFF Compliance.RelatedRequirements" controls_ok
