#!/bin/sh
# The interface a user of nmap, masscan, the AWS CLI or Prowler expects
# (issue 13's first list, one check or more each): errors that name the
# argument at fault with a hint, machine output that stays machine output,
# verify taking the AWS options, help = man page = completion, unknown
# clusters named, credential and region errors that say what to do,
# AWS_CA_BUNDLE, default ports, host names, did-you-mean, -v, progress,
# the resume hint, plurals, the GitHub step summary.
# The parts that listen and probe run in a private network namespace with
# only a loopback (root; CI runs as root); TAP output.
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
case $EP in /*) ;; *) EP=$(pwd)/$EP ;; esac
case $LISTEN in /*) ;; *) LISTEN=$(pwd)/$LISTEN ;; esac
case $SRC in /*) ;; *) SRC=$(pwd)/$SRC ;; esac
if [ -z "${EP_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root for a private network namespace (CI runs as root)"
		exit 0
	fi
	EP_IN_NETNS=1 ECSPROBE=$EP EP_LISTEN=$LISTEN top_srcdir=$SRC exec unshare -n sh "$0" "$@"
fi
ip link set lo up
ip addr add 127.0.10.1/8 dev lo 2>/dev/null
tmp=$(mktemp -d)
trap 'kill $fpid $lpid $tpid 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -f err ] && sed 's/^/# err: /' err | head -10
	[ -f out ] && sed 's/^/# out: /' out | head -5
}
# check DESC 'shell condition': one check
check() { if (eval "$2"); then ok "$1"; else nok "$1"; fi; }
run() { "$@" >out 2>err; echo $? >rc; }
rc() { cat rc; }
lines() { wc -l <"$1" | tr -d ' '; }

echo "1..31"

# --- errors that name the argument at fault, with nmap's equivalent
run "$EP" scan 127.0.0.1 -p 22 -T4
check "scan 127.0.0.1 -p 22 -T4: names -T4 and says --rate (exit 2, one line)" \
	'[ "$(rc)" = 2 ] && [ "$(lines err)" = 1 ] && grep -q "^ecsprobe scan: -T4: unknown option; .*--rate" err'
run "$EP" scan -iL t.txt -p 22
check "scan -iL t.txt: names -iL and says -t FILE" \
	'[ "$(rc)" = 2 ] && grep -q "^ecsprobe scan: -iL: unknown option; .*-t FILE" err && ! grep -q "scan'"'"'" err'
for f in -sS -sT -sU -Pn -oX -oN -oG; do
	"$EP" scan 127.0.0.1 -p 22 $f x >/dev/null 2>"hint$f"
done
check "-sS -sT -sU -Pn -oX -oN -oG: a one-line hint each" \
	'grep -q "mode syn" hint-sS && grep -q "mode connect" hint-sT && grep -q "U:" hint-sU &&
	grep -q "never pings" hint-Pn && grep -q "nmap-xml" hint-oX && grep -q "text:" hint-oN &&
	grep -q "csv" hint-oG'
run "$EP" scna 127.0.0.1
check "ecsprobe scna: did you mean 'scan'" '[ "$(rc)" = 2 ] && grep -q "did you mean '"'"'scan'"'"'" err'
run "$EP" verify --inventry x.json
check "verify --inventry: did you mean --inventory" '[ "$(rc)" = 2 ] && grep -q "did you mean --inventory?" err'
run "$EP" -sS 127.0.0.1
check "ecsprobe -sS ...: the command comes first" '[ "$(rc)" = 2 ] && grep -q "command comes first" err'

# --- help, man page and completion from one table
run "$EP" version --help
check "version --help: exit 0, usage" '[ "$(rc)" = 0 ] && grep -q "^Usage: ecsprobe version" out'
MAN=${EP%/*}/man/ecsprobe.1
# the options the man page documents, as "--name" lines
sed -n 's/^\\fB\\-\\-\([a-z0-9\\-]*\)\\fR.*/--\1/p; s/^\\fB\\-[a-z]\\fR, \\fB\\-\\-\([a-z0-9\\-]*\)\\fR.*/--\1/p' "$MAN" |
	sed 's/\\-/-/g' | sort -u >opts.man
"$EP" completion bash >bash.comp 2>/dev/null
"$EP" completion zsh >zsh.comp 2>/dev/null
grep -o -- '--[a-z][a-z0-9-]*[[}]' zsh.comp | sed 's/.$//' | sort -u >zsh.opts
missing=
for c in scan inventory plan verify flush probes report checks version help completion; do
	"$EP" help "$c" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"opts.$c"
	while read -r o; do
		grep -qx -- "$o" opts.man || missing="$missing man:$c:$o"
		grep -q -- " $o\\b" bash.comp || missing="$missing bash:$c:$o"
		grep -qx -- "$o" zsh.opts || missing="$missing zsh:$c:$o"
	done <"opts.$c"
done
check "every option of every command's --help is in the man page and both completions${missing:+:$missing}" \
	'[ -z "$missing" ] && [ -s opts.scan ] && [ "$(wc -l <opts.verify)" -gt 30 ]'
for o in min-timeout banners debug baseline wait-stable vantage extra-ports all-ports; do
	grep -q -- "--$o\$" opts.man || echo "$o"
done >man.missing
check "the man page lists --min-timeout, --banners, --debug, --baseline, --wait-stable, --vantage, --extra-ports, --all-ports" \
	'[ ! -s man.missing ]'
check "scan --help: no verify-only option, and -o names the formats" \
	'! "$EP" scan --help | grep -q -- "--securityhub\|--fail-on" && "$EP" scan --help | grep -q "csv, nmap-xml"'
check "bash completion parses and completes scan --mo to --mode" \
	'bash -c ". ./bash.comp; COMP_WORDS=(ecsprobe scan --mo); COMP_CWORD=2; _ecsprobe; echo \"\${COMPREPLY[*]}\"" | grep -qx -- "--mode"'
check "bash completion: --mode's values" \
	'bash -c ". ./bash.comp; COMP_WORDS=(ecsprobe scan --mode \"\"); COMP_CWORD=3; _ecsprobe; echo \"\${COMPREPLY[*]}\"" | grep -qx "auto syn connect"'
if command -v zsh >/dev/null; then
	check "zsh completion parses (zsh -n)" 'zsh -n zsh.comp'
else
	nok "zsh is not installed (.ci/packages installs it)"
fi

# --- default ports, host names, -v
run "$EP" scan 127.0.0.1 --dry-run
check "scan 127.0.0.1 without -p: the default ports (1058, like nmap's top ports), not an error" \
	'[ "$(rc)" = 0 ] && grep -q "Probes: 1058 to 1 host " out && grep -q "none given" out'
run "$EP" scan localhost -p 22 --dry-run
check "scan localhost: resolved (127.0.0.1), not 'not an address'" '[ "$(rc)" = 0 ] && grep -q "127.0.0.1" out'
run "$EP" scan no-such-host.invalid -p 22 --dry-run
check "an unresolvable name: exit 2, named" '[ "$(rc)" = 2 ] && grep -q "no-such-host.invalid" err'
run "$EP" scan -v 127.0.0.1 -p 22 --dry-run
check "-v is accepted by scan" '[ "$(rc)" = 0 ]'

# --- the demo account on the private loopback: fake AWS, listeners
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file port \
	>fake.log 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >listen
"$LISTEN" -r ready listen >/dev/null &
lpid=$!
i=0
while { [ ! -s port ] || [ ! -f ready ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat port)"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
run "$EP" inventory -v --endpoint-url "$url" -o inv.json
check "inventory -v: a line per call, and the summary in the singular where it is one" \
	'[ "$(rc)" = 0 ] && grep -q "ecs:DescribeServices done" err && grep -q "1 account, 1 region: " err &&
	grep -q ", 1 ECS cluster, " err && grep -q "1 load balancer$" err'
run "$EP" verify --inventory inv.json --source-ip 127.0.0.1 --rate 20000 --timeout 500 -o ndjson:/dev/stdout
check "verify -o ndjson:/dev/stdout: stdout is only JSON (every line parses), findings on stderr" \
	'[ "$(rc)" = 1 ] && [ -s out ] && python3 -c "
import json,sys
for l in open(\"out\"): json.loads(l)
" && grep -q "^verify: 7 findings" err && grep -q "unexpected_open" err'
run "$EP" verify --inventory inv.json --source-ip 127.0.0.1 --rate 20000 --timeout 500 -o ndjson:- -q
check "verify -o ndjson:- -q: stdout is only JSON too" \
	'[ "$(rc)" = 1 ] && python3 -c "
import json
for l in open(\"out\"): json.loads(l)
"'
run "$EP" verify --inventory inv.json --source-ip 127.0.0.1 --role-arn arn:aws:iam::111111111111:role/x \
	--accounts /dev/null --all-accounts --external-id e --api-rate 5 --max-attempts 3 --debug --dry-run
check "verify takes --role-arn, --accounts, --all-accounts, --external-id, --api-rate, --max-attempts, --debug" \
	'[ "$(rc)" = 0 ]'
run "$EP" verify --inventory inv.json --source-ip 127.0.0.1 --cluster dmeo --dry-run
check "verify --cluster dmeo: names it, the nearest and those there are (exit 2)" \
	'[ "$(rc)" = 2 ] && [ "$(lines err)" = 1 ] && grep -q "cluster '"'"'dmeo'"'"': no such ECS cluster" err &&
	grep -q "did you mean '"'"'demo'"'"'" err && grep -q "there are: demo" err'
run "$EP" verify --inventory inv.json --source-ip 127.0.0.1 --cluster demo --service wbe --dry-run
check "verify --service wbe: named, with the services of the cluster" \
	'[ "$(rc)" = 2 ] && grep -q "did you mean '"'"'web'"'"'" err && grep -q "web" err'
: >summary.md
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$tmp/summary.md run "$EP" verify --inventory inv.json \
	--source-ip 127.0.0.1 --rate 20000 --timeout 500 -q
check "under GitHub Actions: a Markdown step summary with a row per finding" \
	'[ "$(rc)" = 1 ] && grep -q "^### ecsprobe verify: findings to fix" summary.md &&
	[ "$(grep -c "^| [a-z]* | [a-z_]* | 127\.0\.10\." summary.md)" = 7 ]'

# --- credentials, region, CA bundle
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME=$tmp/nohome "$EP" inventory --endpoint-url "$url" -o x.json
check "no credentials: every source tried is listed, with the fix (exit 3)" \
	'[ "$(rc)" = 3 ] && grep -q "tried: environment" err && grep -q "web identity" err &&
	grep -q "shared files" err && grep -q "container" err && grep -q "instance metadata" err &&
	grep -q "aws configure" err'
run env -u AWS_REGION HOME=$tmp/nohome "$EP" inventory --endpoint-url "$url" -o x.json
check "no region: an error that says how to give one, not a silent us-east-1" \
	'[ "$(rc)" = 3 ] && grep -q "no region: give --regions" err && [ ! -s x.json ]'
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file tport \
	--tls cert.pem key.pem >tfake.log 2>&1 &
tpid=$!
i=0
while [ ! -s tport ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
turl="https://127.0.0.1:$(cat tport)"
run env -u AWS_CA_BUNDLE "$EP" inventory --endpoint-url "$turl" --max-attempts 1 -o t1.json
st1=$(rc)
run env AWS_CA_BUNDLE=$tmp/cert.pem "$EP" inventory --endpoint-url "$turl" -o t2.json
check "AWS_CA_BUNDLE is honoured: refused without it, trusted with it" \
	'[ "$st1" = 3 ] && [ "$(rc)" = 0 ] && [ -s t2.json ]'
run "$EP" inventory --endpoint-url "$turl" --ca-bundle "$tmp/cert.pem" -o t3.json
check "--ca-bundle FILE does the same" '[ "$(rc)" = 0 ] && [ -s t3.json ]'

# --- progress, the interrupted scan's resume hint
"$EP" scan 127.0.10.9 -p 1-3000 --rate 500 --progress -o ndjson:part.ndjson >out 2>err &
spid=$!
sleep 2.5
kill -INT $spid
wait $spid
echo $? >rc
check "Ctrl-C: exit 4, and how to continue it (--resume part.ndjson)" \
	'[ "$(rc)" = 4 ] && grep -q "interrupted after [0-9]* of 3000 probes" err && grep -q -- "--resume part.ndjson" err'
check "the progress line's time left is unambiguous (1m05s, not 1:05)" \
	'tr "\r" "\n" <err | grep -q "[0-9]m[0-9][0-9]s left\|[0-9]s left" && ! tr "\r" "\n" <err | grep -q "ETA [0-9]*:[0-9]"'
run "$EP" scan 127.0.10.9 -p 1-3000 --rate 5000 -o ndjson:new.ndjson --resume part.ndjson
check "the hint's command works: the resumed scan finishes with all 3000 results (exit 0)" \
	'[ "$(rc)" = 0 ] && [ "$(grep -c "\"type\":\"result\"" new.ndjson)" = 3000 ]'
exit $((fails > 0))
