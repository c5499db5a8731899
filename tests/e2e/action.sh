#!/bin/sh
# The GitHub Action (action.yml): its YAML against a JSON Schema subset of
# composite-action metadata (tests/deploy/github-action.schema.json, unknown
# keys fail), its references (inputs, step outputs, the SARIF upload wired to
# github/codeql-action/upload-sarif), then its steps run locally as a runner
# would (tests/deploy/action_check.py) against the demo account: the fake
# AWS endpoint and listeners on 127.0.10.x, connect mode, no root.  The
# annotations, step summary, outputs and verdict are checked; copies with one
# mistake each must fail.  TAP.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
case $SRC in /*) ;; *) SRC="$(pwd)/$SRC" ;; esac
ACTION="$SRC/action.yml"
CHECK="$SRC/tests/deploy/action_check.py"
SCHEMA="$SRC/tests/deploy/github-action.schema.json"
case $EP in /*) ;; *) EP="$(pwd)/$EP" ;; esac
case $LISTEN in /*) ;; *) LISTEN="$(pwd)/$LISTEN" ;; esac
if ! python3 -c 'import yaml, jsonschema, botocore' 2>/dev/null || ! command -v jq >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - python3-yaml, python3-jsonschema, python3-botocore or jq missing in CI"
		exit 1
	fi
	echo "1..0 # SKIP needs python3-yaml, python3-jsonschema, python3-botocore and jq"
	exit 0
fi
# as root, a network namespace of its own: the demo's addresses clash with no other test's
if [ -z "${EP_ACTION_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	EP_ACTION_IN_NETNS=1 exec unshare -n -- sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
tmp=$(mktemp -d)
fpid= lpid=
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ $# -gt 1 ] && [ -s "$2" ] && head -n 12 "$2" | sed 's/^/# /'
}
# fails_with PATTERN DESC ARGS...: the check fails and says PATTERN
fails_with() {
	pat=$1 desc=$2
	shift 2
	if python3 "$CHECK" "$@" >/dev/null 2>"$tmp/err"; then
		nok "$desc: passed"
	elif grep -q -- "$pat" "$tmp/err"; then
		ok "$desc ($(grep -m1 -- "$pat" "$tmp/err" | sed "s|$tmp/||" | cut -c1-140))"
	else
		nok "$desc: failed, but not with '$pat'" "$tmp/err"
	fi
}
mutate() {
	sed "$3" "$1" >"$2"
	if cmp -s "$1" "$2"; then
		echo "Bail out! the mutation '$3' changed nothing"
		exit 1
	fi
}

echo "1..10"
if python3 "$CHECK" schema "$ACTION" "$SCHEMA" 2>"$tmp/err"; then
	ok "action.yml matches the composite-action schema subset"
else
	nok "action.yml against the schema" "$tmp/err"
fi
if python3 "$CHECK" refs "$ACTION" 2>"$tmp/err"; then
	ok "action.yml: every input used is declared, every step output used is written, bash -n passes, upload-sarif gets the verify step's SARIF"
else
	nok "action.yml references" "$tmp/err"
fi
mutate "$ACTION" "$tmp/a1.yml" 's/^    required: true$/    requird: true/'
fails_with "'requird' was unexpected" "a misspelled input key fails the schema" schema "$tmp/a1.yml" "$SCHEMA"
mutate "$ACTION" "$tmp/a2.yml" 's/IN_FAIL_ON: ${{ inputs.fail-on }}/IN_FAIL_ON: ${{ inputs.fail_on }}/'
fails_with "inputs.fail_on is used but not declared" "an undeclared input fails" refs "$tmp/a2.yml"
mutate "$ACTION" "$tmp/a3.yml" 's/sarif_file: ${{ steps.verify.outputs.sarif }}/sarif_file: ${{ steps.verify.outputs.sarif_path }}/'
fails_with "writes no sarif_path" "an upload of a SARIF no step wrote fails" refs "$tmp/a3.yml"

# the demo account, as in data/demo/verify.sh
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file "$tmp/port" \
	>"$tmp/fake.log" 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
lpid=$!
i=0
while [ ! -s "$tmp/port" ] || [ ! -f "$tmp/ready" ]; do
	sleep 0.1
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "Bail out! the fake AWS endpoint or the listeners did not start"; exit 1; }
done
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$tmp/port")"
export HOME="$tmp" ECSPROBE_NOW=1796000000
mkdir "$tmp/ws"
cp "$SRC/data/intent.example.json" "$tmp/ws/intent.json"
# a workflow's `with:` for the demo: the whole account, the intent, fail on high
(cd "$tmp/ws" && python3 "$CHECK" run "$ACTION" "$tmp/ws" ecsprobe="$EP" source-ip=127.0.0.1 intent=intent.json \
	regions=us-east-1 args="--rate 20000 --timeout 500") >"$tmp/run" 2>"$tmp/run.err"
st_of() { awk -v s="$1" '$1 == s { print $2 }' "$tmp/run"; }
out_of() { sed -n "s/^$2=//p" "$tmp/ws/output-$1"; }
if [ "$(st_of build)" = 0 ] && [ "$(st_of verify)" = 0 ] && [ "$(out_of verify status)" = 1 ] &&
	[ "$(out_of report findings)" = 7 ] && [ "$(out_of report failing)" = 4 ]; then
	ok "the steps run: verify exits 1 with 7 findings, 4 at or above high (outputs status, findings, failing)"
else
	cat "$tmp/run.err" "$tmp/ws/log-verify" >>"$tmp/run" 2>/dev/null
	nok "running the action's steps" "$tmp/run"
fi
# ecsprobe writes the annotations and the summary itself under GitHub Actions:
# once, in the verify step (the action must not repeat them)
errs=$(grep -c '^::error title=ecsprobe ' "$tmp/ws/log-verify" 2>/dev/null)
warns=$(grep -c '^::warning title=ecsprobe ' "$tmp/ws/log-verify" 2>/dev/null)
again=$(cat "$tmp/ws/log-report" "$tmp/ws/log-step5" 2>/dev/null | grep -c '^::\(error\|warning\) title=ecsprobe ')
if [ "$errs" = 4 ] && [ "$warns" = 3 ] && [ "$again" = 0 ] &&
	grep -q '^::error title=ecsprobe unexpected_open (critical)::127.0.10.4 tcp/8443 open: no task port mapping' "$tmp/ws/log-verify"; then
	ok "annotations: 4 errors (at or above high) and 3 warnings, once, one a finding ($(grep -m1 '^::error' "$tmp/ws/log-verify" | cut -c1-110))"
else
	nok "annotations: $errs errors, $warns warnings, $again repeated" "$tmp/ws/log-verify"
fi
if grep -q '^7 findings, 4 at or above high.' "$tmp/ws/step-summary.md" &&
	[ "$(grep -c '^### ecsprobe verify' "$tmp/ws/step-summary.md")" = 1 ] &&
	[ "$(grep -c '^| [a-z]* | [a-z_]* | 127\.0\.10\.' "$tmp/ws/step-summary.md")" = 7 ] &&
	[ "$(grep -m1 '^| [a-z]* | [a-z_]* | 127' "$tmp/ws/step-summary.md" | cut -d'|' -f2 | tr -d ' ')" = critical ]; then
	ok "step summary: the counts and a table of the 7 findings, most severe first, once"
else
	nok "step summary" "$tmp/ws/step-summary.md"
fi
sarif=$(out_of verify sarif)
if grep -q "^sarif-upload uses github/codeql-action/upload-sarif@v3 .*\"sarif_file\": \"$sarif\"" "$tmp/run" ||
	{ awk '$2 == "uses"' "$tmp/run" | grep -q "github/codeql-action/upload-sarif@v3" &&
		awk '$2 == "uses"' "$tmp/run" | grep -q "\"sarif_file\": \"$sarif\""; } &&
	jq -e '.version == "2.1.0" and (.runs[0].results | length) == 7' "$tmp/ws/$sarif" >/dev/null; then
	ok "the SARIF ($sarif, 7 results) goes to github/codeql-action/upload-sarif@v3"
else
	nok "the SARIF upload" "$tmp/run"
fi
if [ "$(tail -n 1 "$tmp/run")" = "step5 1" ] && grep -q '^::error::ecsprobe verify exited 1' "$tmp/ws/log-step5"; then
	ok "the verdict step fails the job (findings at or above high)"
else
	nok "the verdict step" "$tmp/run"
fi
[ $fails = 0 ]
