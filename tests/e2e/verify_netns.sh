#!/bin/bash
# `ecsprobe verify` end to end inside a throw-away network namespace: an
# inventory whose interfaces are 127.0.10.x, real listeners planted to match
# (and to break) what it declares, and the exact findings expected: an
# awsvpc service with an extra open port, a declared port that does not
# answer, a bridge task's dynamic host port, a load balancer with a
# world-open range.  TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
D="$SRC/tests/data/verify"
if [ -z "${EP_VERIFY_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"
			echo "not ok 1 - needs root for a network namespace (CI must not skip)"
			exit 1
		fi
		echo "1..0 # SKIP needs root for a network namespace"
		exit 0
	fi
	EP_VERIFY_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi
ip link set lo up
tmp=$(mktemp -d)
trap 'kill $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.3 40000\n127.0.10.4 443\n127.0.10.4 8443\n127.0.10.12 7003\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# one line a finding: severity kind address proto/ports owner (ports exact: "7000-7002,7004-7010")
findings() { jq -r 'select(.type == "finding") | "\(.severity) \(.kind) \(.address) \(.proto)/\(.ports | map(if .[0] == .[1] then "\(.[0])" else "\(.[0])-\(.[1])" end) | join(",")) \(.owner)"' "$1" | LC_ALL=C sort; }
echo "1..18"
"$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress \
	-o "ndjson:$tmp/v.ndjson" >"$tmp/v.out" 2>"$tmp/v.err"
st=$?
if [ $st = 1 ]; then ok "findings at or above high: exit 1"; else nok "exit $st, want 1"; sed 's/^/# /' "$tmp/v.err"; fi
if diff <(findings "$tmp/v.ndjson") <(LC_ALL=C sort "$D/lab.expected") >"$tmp/diff"; then
	ok "exactly the planted findings, no more, no fewer"
else
	nok "findings differ"
	sed 's/^/# /' "$tmp/diff"
fi
if grep -q "evidence: security group sg-lb (rule 2: tcp 8400-8499 from 0.0.0.0/0) exposes it" "$tmp/v.out" &&
	grep -q "evidence: task definition api:2, container api, portMapping tcp/9000; admitted by sg-api rule 1" "$tmp/v.out"; then
	ok "evidence names the rule and the declaration"
else
	nok "evidence lines"
fi
n_ok=$(jq -r 'select(.type == "result" and .state == "open") | "\(.address):\(.port)"' "$tmp/v.ndjson" | sort | tr '\n' ' ')
if [ "$n_ok" = "127.0.10.1:6379 127.0.10.1:80 127.0.10.2:7003 127.0.10.3:7005 127.0.10.4:443 127.0.10.4:8443 " ]; then
	ok "declared and planted ports measured open (80, 7005 dynamic host port, 443 listener)"
else
	nok "open ports: $n_ok"
fi
"$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress \
	--extra-ports '' --fail-on critical -q >"$tmp/c.out" 2>&1
st=$?
if [ $st = 1 ] && grep -q "critical unexpected_open      127.0.10.4 tcp/8443" "$tmp/c.out"; then
	ok "--fail-on critical: the world-open port still fails, -q prints only failing findings"
else
	nok "--fail-on critical: exit $st"
fi
# the api task moves to a new address: its findings keep their ids
"$EP" verify --inventory "$D/lab-moved.json" --source-ip 127.0.0.1 --rate 20000 --timeout 300 \
	--no-progress -o "ndjson:$tmp/m.ndjson" >/dev/null 2>&1
a=$(jq -r 'select(.type == "finding" and .owner == "prod/api") | .id' "$tmp/v.ndjson" | sort | tr '\n' ' ')
b=$(jq -r 'select(.type == "finding" and .owner == "prod/api") | .id' "$tmp/m.ndjson" | sort | tr '\n' ' ')
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "finding ids survive task IP churn ($a)"; else nok "ids changed: '$a' vs '$b'"; fi
"$EP" verify --inventory "$D/lab.json" --rate 20000 --timeout 300 --no-progress \
	-o "ndjson:$tmp/auto.ndjson" >/dev/null 2>"$tmp/u.err"
st=$?
if [ $st = 1 ] && grep -q "vantage source 127.0.0.1 (the routing table's choice" "$tmp/u.err" &&
	diff <(findings "$tmp/auto.ndjson") <(LC_ALL=C sort "$D/lab.expected") >/dev/null; then
	ok "no --source-ip: the routing table's source (127.0.0.1), same findings"
else
	nok "auto vantage: exit $st: $(head -2 "$tmp/u.err")"
fi
GITHUB_ACTIONS=true "$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --rate 20000 \
	--timeout 300 --no-progress -q >"$tmp/gh.out" 2>/dev/null
if [ "$(grep -c '^::error title=ecsprobe ' "$tmp/gh.out")" = 4 ] && [ "$(grep -c '^::warning title=ecsprobe ' "$tmp/gh.out")" = 3 ] &&
	grep -q '^::error title=ecsprobe unexpected_open (critical)::127.0.10.4 tcp/8443 ' "$tmp/gh.out"; then
	ok "GitHub Actions: 4 ::error and 3 ::warning annotations"
else
	nok "GitHub annotations"
	head -3 "$tmp/gh.out" | sed 's/^/# /'
fi
# the intent: a denial, an intended port that is down, an expired exception
# and a valid one (the clock is pinned to 2026-11-30)
ECSPROBE_NOW=1796000000 "$EP" verify --inventory "$D/lab.json" --intent "$D/lab-intent.json" \
	--source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress -o "ndjson:$tmp/i.ndjson" \
	>"$tmp/i.out" 2>&1
if diff <(findings "$tmp/i.ndjson") <(LC_ALL=C sort "$D/lab-intent.expected") >"$tmp/diff" &&
	grep -q "allowed it until it expired: redis sidecar" "$tmp/i.out" &&
	grep -q "open: the intent denies it" "$tmp/i.out"; then
	ok "intent: denial, intended-but-down, expired and valid exceptions give exactly the expected findings"
else
	nok "intent findings differ"
	sed 's/^/# /' "$tmp/diff"
fi
printf '{"version": 1,\n "rules": [\n  {"match": {"service": "web"}, "allow": ["tcp/99999"]}]}\n' >"$tmp/bad-intent.json"
"$EP" verify --inventory "$D/lab.json" --intent "$tmp/bad-intent.json" --source-ip 127.0.0.1 >/dev/null 2>"$tmp/bi.err"
st=$?
if [ $st = 2 ] && grep -q "bad-intent.json:3:33: port 99999 out of range" "$tmp/bi.err" && [ "$(wc -l <"$tmp/bi.err")" = 1 ]; then
	ok "a bad intent file: one line with file:line:col, exit 2, nothing probed"
else
	nok "bad intent: exit $st: $(cat "$tmp/bi.err")"
fi
ip link set lo down # a dry run must not need, or use, the network
"$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --dry-run >"$tmp/dry.out" 2>&1
st=$?
ip link set lo up
if [ $st = 0 ] && grep -q "verify: dry run, nothing sent: 4 addresses, 347 probes" "$tmp/dry.out" &&
	! grep -q "results" "$tmp/dry.out"; then
	ok "--dry-run prints the plan and sends nothing"
else
	nok "--dry-run: exit $st"
	tail -3 "$tmp/dry.out" | sed 's/^/# /'
fi
# network ACLs: the api subnet's ACL denies 9000 from here (so the declared
# port is expected to be silent) and 7000-7003 (so the open 7003 is unexplained)
"$EP" verify --inventory "$D/lab-nacl.json" --source-ip 127.0.0.1 --rate 20000 --timeout 300 \
	--no-progress -o "ndjson:$tmp/n.ndjson" >"$tmp/n.out" 2>&1
if diff <(findings "$tmp/n.ndjson") <(LC_ALL=C sort "$D/lab-nacl.expected") >"$tmp/diff" &&
	grep -q "acl-api inbound rule 110: deny" "$tmp/n.out"; then
	ok "network ACLs: exactly the expected findings, the ACL rule as evidence"
else
	nok "network ACL findings differ"
	sed 's/^/# /' "$tmp/diff"
fi

# a port in the container instance's ephemeral range that no task binds
"$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress \
	--extra-ports 40000 >"$tmp/e.out" 2>&1
if grep -A1 "127.0.10.3 tcp/40000 open" "$tmp/e.out" | grep -q "in the container instance's ephemeral range, and no running task binds it"; then
	ok "an unbound port in the container instance's ephemeral range is called out"
else
	nok "ephemeral range"
	grep 40000 "$tmp/e.out" | sed 's/^/# /'
fi

# scan --intent is verify over the whole inventory
ECSPROBE_NOW=1796000000 "$EP" scan --intent "$D/lab-intent.json" --inventory "$D/lab.json" \
	--source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress -o "ndjson:$tmp/si.ndjson" >/dev/null 2>&1
if diff <(findings "$tmp/si.ndjson") <(LC_ALL=C sort "$D/lab-intent.expected") >/dev/null; then
	ok "scan --intent gives verify's findings"
else
	nok "scan --intent"
fi
# the commonly exposed ports ship as data/extra-ports.txt: the same plan as the default
"$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --dry-run >"$tmp/x1" 2>/dev/null
"$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --dry-run --extra-ports "@$SRC/data/extra-ports.txt" >"$tmp/x2" 2>/dev/null
if cmp -s "$tmp/x1" "$tmp/x2"; then ok "data/extra-ports.txt is the built-in default"; else nok "extra ports file differs from the default"; fi

# verify inherits the loss-driven retries through the run stage: 5% of the
# packets leaving (so 2 x 5% of round trips on lo) dropped at random, the
# same findings as without loss, and the summary measures the loss
nft -f - <<'NFT'
table inet eploss {
	chain out {
		type filter hook output priority raw; policy accept;
		numgen random mod 100 < 5 drop
	}
}
NFT
ECSPROBE_NOW=1796000000 "$EP" verify --inventory "$D/lab.json" --intent "$D/lab-intent.json" \
	--source-ip 127.0.0.1 --rate 20000 --timeout 300 --no-progress -o "ndjson:$tmp/l.ndjson" \
	>"$tmp/l.out" 2>&1
nft delete table inet eploss
lossrate=$(jq -r 'select(.type == "summary") | .loss.rate' "$tmp/l.ndjson" 2>/dev/null)
if diff <(findings "$tmp/l.ndjson") <(LC_ALL=C sort "$D/lab-intent.expected") >"$tmp/diff" &&
	awk -v r="${lossrate:-0}" 'BEGIN { exit !(r > 0.02 && r < 0.3) }'; then
	ok "5% random loss each way: the same findings, the summary measures the loss ($lossrate)"
else
	nok "findings or measured loss ($lossrate) under 5% random loss"
	sed 's/^/# /' "$tmp/diff"
	jq -c 'select(.type == "result" and .state == "open")' "$tmp/l.ndjson" | sed 's/^/# /'
	sed 's/^/# /' "$tmp/l.out" | head -20
fi

# a baseline: the first run's findings, with the api task moved and the web
# task's redis gone; first_seen carries over, new and gone are counted
ECSPROBE_NOW=1700000000 "$EP" verify --inventory "$D/lab.json" --source-ip 127.0.0.1 --rate 20000 \
	--timeout 300 --no-progress --baseline /dev/null -o "ndjson:$tmp/b1.ndjson" >/dev/null 2>&1
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null
grep -v '^127.0.10.1 6379' "$tmp/listen" >"$tmp/listen2"
rm -f "$tmp/ready"
"$LISTEN" -r "$tmp/ready" "$tmp/listen2" >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
ECSPROBE_NOW=1796000000 "$EP" verify --inventory "$D/lab-moved.json" --source-ip 127.0.0.1 --rate 20000 \
	--timeout 300 --no-progress --baseline "$tmp/b1.ndjson" -o "ndjson:$tmp/b2.ndjson" >"$tmp/b2.out" 2>&1
first=$(jq -r 'select(.type == "finding" and .owner == "prod/api" and .kind == "unexpected_open") | .first_seen' "$tmp/b2.ndjson")
if grep -q "baseline $tmp/b1.ndjson: 0 new findings, 1 gone" "$tmp/b2.out" && [ "$first" = "2023-11-14T22:13:20.000000Z" ]; then
	ok "--baseline: first_seen survives the move, the closed redis port's finding is gone"
else
	nok "--baseline: first_seen '$first'; $(grep baseline "$tmp/b2.out")"
fi
# --banners: an unexpected open port's finding says what listens there
# (ep_listen closes at once, so it is "silent")
# (a full second to answer: under a sanitizer on a loaded machine 300 ms
# has lost the open port itself)
ECSPROBE_NOW=1796000000 "$EP" verify --inventory "$D/lab-moved.json" --source-ip 127.0.0.1 --rate 20000 \
	--timeout 1000 --no-progress --banners -o "ndjson:$tmp/b3.ndjson" >"$tmp/b3.out" 2>&1
ev=$(jq -r 'select(.type == "finding" and .owner == "prod/api" and .kind == "unexpected_open") | .evidence' "$tmp/b3.ndjson")
nb=$(grep -c '"type":"banner"' "$tmp/b3.ndjson")
if printf '%s' "$ev" | grep -q 'listening: silent' && [ "$nb" -gt 0 ]; then
	ok "--banners: banner records, and the unexpected port's evidence names what listens"
else
	nok "--banners: evidence '$ev', $nb banner records"
fi
[ $fails = 0 ]
