#!/bin/sh
# Command-line behaviour that needs no privileges: help, version, usage errors
# (one line, exit 2, saying where), scope refusals, dry run, and a real scan
# of listeners on 127.0.0.1 (loopback only).  TAP output.
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
tmp=$(mktemp -d)
trap 'kill $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -f "$tmp/err" ] && sed 's/^/# /' "$tmp/err"; }
# expect STATUS DESC CMD...: exit status and, for 2, exactly one stderr line
expect() {
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want" ]; then nok "$desc (exit $got, want $want)"; return; fi
	if [ "$want" = 2 ] && [ "$(wc -l <"$tmp/err")" != 1 ]; then nok "$desc (stderr not one line)"; return; fi
	ok "$desc"
}
has() { if grep -q -- "$2" "$tmp/$1"; then ok "$3"; else nok "$3 ('$2' not in $1)"; fi; }

echo "1..66"
expect 0 "version" "$EP" version
has out "^ecsprobe [0-9]" "version prints the version"
expect 0 "help" "$EP" help
expect 0 "help scan" "$EP" help scan
has out "\-\-max-inflight" "help scan lists the options"
expect 0 "scan --help" "$EP" scan --help
expect 2 "no command" "$EP"
expect 2 "unknown command" "$EP" frobnicate
expect 2 "unknown option" "$EP" scan --frobnicate 127.0.0.1 -p 80
has err "^ecsprobe scan: --frobnicate: unknown option" "unknown option named"
expect 2 "missing value" "$EP" scan 127.0.0.1 -p
expect 2 "bad port" "$EP" scan 127.0.0.1 -p 70000
has err "70000 out of range" "bad port explained"
expect 2 "bad rate" "$EP" scan 127.0.0.1 -p 80 --rate fast
expect 2 "bad address" "$EP" scan 127.0.0.300 -p 80
expect 2 "no targets" "$EP" scan -p 80
expect 0 "no ports: nmap-like default ports" "$EP" scan 127.0.0.1 --dry-run
has out "Probes: 1058 to 1 host " "no -p: TCP 1-1024 and the commonly exposed ports (1058)"
printf '# test\n127.0.0.1\n127.0.0.2 80,x\n' >"$tmp/t.txt"
expect 2 "broken targets file" "$EP" scan --targets "$tmp/t.txt" -p 80
has err "t.txt:3:14: expected a port" "targets file error says file:line:col"
expect 2 "missing targets file" "$EP" scan --targets "$tmp/nope" -p 80
expect 2 "scope above --max-probes" "$EP" scan 127.0.0.0/8 -p - --dry-run
has err "exceeds --max-probes" "scope refusal explained"
expect 2 "empty scope after exclusions" "$EP" scan 127.0.0.0/30 -p 80 --exclude 127.0.0.0/29
has err "empty scope" "empty scope explained"
expect 2 "unknown output" "$EP" scan 127.0.0.1 -p 80 -o xml
expect 0 "dry run" "$EP" scan 127.0.0.0/30 -p 1-10 --exclude 127.0.0.2 --dry-run --seed 4
has out "Probes: 30 to 3 hosts" "dry run counts probes after exclusions"

printf '{"accounts": [\n  {"regions": ]}\n' >"$tmp/inv-bad.json"
expect 2 "malformed inventory" "$EP" scan --inventory "$tmp/inv-bad.json" -p 80
has err "inv-bad.json:2:15: malformed JSON in inventory" "malformed inventory says file:line:col"
printf '{"schema": "something-else"}' >"$tmp/inv-other.json"
expect 2 "not an inventory" "$EP" scan --inventory "$tmp/inv-other.json" -p 80
has err "not an ecsprobe inventory" "a JSON file that is not an inventory is named as such"

# probe payload files: the shipped set lists; a malformed one is file:line
probes=${top_srcdir:-.}/probes
expect 0 "probes" "$EP" probes --probes-dir "$probes"
has out "^dns-version-bind " "probes lists the DNS probe"
has out "generic (other ports): generic" "probes names the generic probe"
expect 0 "probes --json from ECSPROBE_PROBES_DIR" env ECSPROBE_PROBES_DIR="$probes" "$EP" probes --json
has out '"name":"rdp-udp-syn".*"bytes":1232' "probes --json gives sizes"
mkdir "$tmp/probes"
printf 'probe x\nports 53\npayld "x"\nend\n' >"$tmp/probes/bad.probe"
expect 2 "malformed probe file" "$EP" probes --probes-dir "$tmp/probes"
has err "bad.probe:3:1: unknown directive 'payld'" "malformed probe file says file:line"
expect 2 "missing probes directory" "$EP" probes --probes-dir "$tmp/nope"

# shards: the parts are disjoint and together are the whole scan (loopback;
# compared by address and port, states may be anything on this host)
for nshards in 2 3; do
	: >"$tmp/union"
	i=1
	while [ $i -le $nshards ]; do
		"$EP" scan 127.0.0.1 ::1 -p 1-1500 --seed 5 --shard $i/$nshards --rate 100000 --timeout 300 \
			--no-progress -o "ndjson:$tmp/s$i.ndjson" >/dev/null 2>&1
		grep '"type":"result"' "$tmp/s$i.ndjson" | sed 's/.*"address":"\([^"]*\)","proto":"tcp","port":\([0-9]*\).*/\1 \2/' >>"$tmp/union"
		i=$((i + 1))
	done
	if [ "$(wc -l <"$tmp/union")" = 3000 ] && [ "$(sort -u "$tmp/union" | wc -l)" = 3000 ]; then
		ok "$nshards shards: disjoint, and together every one of the 3000 probes"
	else
		nok "$nshards shards: $(wc -l <"$tmp/union") results, $(sort -u "$tmp/union" | wc -l) distinct"
	fi
done
JOB_COMPLETION_INDEX=1 ECSPROBE_SHARDS=2 "$EP" scan 127.0.0.1 -p 1-100 --seed 5 --shard auto \
	--dry-run >"$tmp/out" 2>"$tmp/err"
if [ $? = 0 ]; then ok "--shard auto from a Kubernetes Indexed Job's environment"; else nok "--shard auto"; fi
expect 2 "--shard without --seed" "$EP" scan 127.0.0.1 -p 80 --shard 1/2

# a real scan on loopback: three listeners, everything else closed
printf '127.0.0.1 %s\n' 18081 18082 18089 >"$tmp/listen.txt"
"$LISTEN" -r "$tmp/ready" "$tmp/listen.txt" >/dev/null 2>&1 &
lpid=$!
i=0
while [ ! -f "$tmp/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$EP" scan 127.0.0.1 -p 18080-18090 --no-progress -o ndjson:"$tmp/r.ndjson" -o text:"$tmp/table" \
	--seed 1 >"$tmp/out" 2>"$tmp/err"
st=$?
open=$(grep -c '"state":"open"' "$tmp/r.ndjson")
closed=$(grep -c '"state":"closed"' "$tmp/r.ndjson")
if [ $st = 0 ] && [ "$open" = 3 ] && [ "$closed" = 8 ]; then ok "loopback scan: 3 open, 8 closed"; else nok "loopback scan: exit $st, $open open, $closed closed"; fi
if grep -q '18089/tcp' "$tmp/table" && grep -q 'not shown: 8 closed' "$tmp/table"; then ok "table lists open ports by host"; else nok "table"; cat "$tmp/table" | sed 's/^/# /'; fi
# --banners: one banner record per open port (ep_listen closes at once: "silent")
"$EP" scan 127.0.0.1 -p 18080-18090 --banners --no-progress -q -o ndjson:"$tmp/b.ndjson" --seed 1 \
	>"$tmp/out" 2>"$tmp/err"
nb=$(grep -c '"type":"banner"' "$tmp/b.ndjson")
if [ "$nb" = 3 ] && grep -q '"port":18089,"service":"silent"' "$tmp/b.ndjson"; then
	ok "--banners: a banner record for each of the 3 open ports"
else
	nok "--banners: $nb banner records"
	sed 's/^/# /' "$tmp/b.ndjson" | head -20
fi
# exclusions win under every name of an address (issue 12, item 2): the
# IPv4-mapped name reaches the listener, so only the scope check stops it
"$EP" scan ::ffff:127.0.0.1 -p 18081 --mode connect --no-progress -q -o ndjson:"$tmp/m.ndjson" \
	>"$tmp/out" 2>"$tmp/err"
if grep -q '"state":"open"' "$tmp/m.ndjson"; then ok "::ffff:127.0.0.1 reaches the IPv4 listener"; else nok "::ffff:127.0.0.1 reaches the IPv4 listener"; fi
expect 2 "IPv4-mapped target, IPv4 exclusion: nothing probed" "$EP" scan ::ffff:127.0.0.1 -p 18081 \
	--mode connect --no-progress -o ndjson:"$tmp/m2.ndjson" --exclude 127.0.0.1
has err "empty scope" "IPv4-mapped target: refused as excluded"
expect 2 "IPv4 target, IPv4-mapped exclusion: nothing probed" "$EP" scan 127.0.0.1 -p 18081 \
	--mode connect --no-progress --exclude ::ffff:127.0.0.1
printf '::ffff:127.0.0.0/120\n' >"$tmp/ex.txt"
expect 2 "IPv4 target, IPv4-mapped range in --exclude-file: nothing probed" "$EP" scan 127.0.0.1 \
	-p 18081 --mode connect --no-progress --exclude-file "$tmp/ex.txt"
expect 2 "IPv4-compatible and NAT64 names of an excluded address: nothing probed" "$EP" scan \
	::127.0.0.1 64:ff9b::127.0.0.1 -p 18081 --dry-run --exclude 127.0.0.0/8
expect 0 "--exclude ::/0 leaves IPv4 targets alone" "$EP" scan 127.0.0.1 -p 18081 --dry-run \
	--exclude ::/0
# verify takes the AWS option group of `inventory`, validated the same way,
# and refuses targets of its own (they come from the inventory)
expect 2 "verify --role-arn: validated as for inventory" "$EP" verify --role-arn nope --source-ip 127.0.0.1
has err "^ecsprobe verify: --role-arn: 'nope' is not an ARN" "verify --role-arn: the message names the option"
expect 2 "verify --max-attempts 0: out of range" "$EP" verify --max-attempts 0 --source-ip 127.0.0.1
expect 2 "inventory --max-inventory-size 10: below 1M" "$EP" inventory --max-inventory-size 10
has err "^ecsprobe inventory: --max-inventory-size: '10': a size from 1M to 1024G" "--max-inventory-size: the message names the option"
expect 2 "inventory --max-pages 0: out of range" "$EP" inventory --max-pages 0
expect 2 "inventory --api-timeout x: not seconds" "$EP" inventory --api-timeout x
expect 2 "verify --accounts missing file" "$EP" verify --accounts "$tmp/no-such-file" --all-accounts
expect 2 "verify with a positional target: refused" "$EP" verify --inventory /dev/null 127.0.0.1
has err "'127.0.0.1': unexpected argument" "verify: the refused target is named"
# every AWS option is in both usage texts
missing=
for o in profile region role-arn external-id accounts all-accounts role-name endpoint-url max-attempts api-rate \
	api-timeout max-pages max-inventory-size debug; do
	"$EP" inventory --help | grep -q -- "--$o" || missing="$missing inventory:--$o"
	"$EP" verify --help | grep -q -- "--$o" || missing="$missing verify:--$o"
done
if [ -z "$missing" ]; then ok "inventory --help and verify --help list the whole AWS option group"; else nok "usage lacks$missing"; fi
# a plan over --max-probes: refused with what makes it big and how shards would cover it
"$EP" verify --inventory "${top_srcdir:-.}/tests/fakeaws/expected/basic-env.json" --source-ip 198.51.100.20 \
	--max-probes 1000 --rate 5000 >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st = 2 ] && grep -q "exceed --max-probes 1000" "$tmp/err" &&
	grep -q "sg-0a1100000000000004 rule 1 (all traffic from 0.0.0.0/0) admits 262k probes on 2 addresses" "$tmp/err" &&
	grep -q "to cover it: --shard I/[0-9]* --seed S on [0-9]* machines" "$tmp/err"; then
	ok "over --max-probes: the rules that make the plan big, and the shards that would cover it"
else
	nok "budget report: exit $st"
fi
[ $fails = 0 ]
