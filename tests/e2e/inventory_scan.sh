#!/bin/bash
# From inventory to scan: a generated scenario whose every IPv4 address is in
# 127.0.0.0/8 is pulled from the fake AWS endpoint, then `ecsprobe scan
# --inventory` probes those addresses inside a throw-away network namespace
# (IPv6 excluded: the scenario's IPv6 addresses are documentation ones).
# TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null || ! python3 -c 'import botocore' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - needs root, unshare -n and python3-botocore (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP needs root (network namespace), python3 and python3-botocore"
	exit 0
fi
tmp=$(mktemp -d)
trap 'kill $fpid 2>/dev/null; rm -rf "$tmp"' EXIT
echo "1..6"
python3 "$SRC/tests/fakeaws/scenarios/gen_large.py" --regions 1 --enis 40 --sgs 5 --services 3 \
	--tasks 20 --loopback -o "$tmp/scen.json" 2>/dev/null
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$tmp/scen.json" --port-file "$tmp/port" >"$tmp/fake.log" 2>&1 &
fpid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")
env -i PATH="$PATH" HOME="$tmp" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
	AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
	AWS_ACCESS_KEY_ID="$(jq -r '.accounts[0].access_keys[0].AccessKeyId' "$tmp/scen.json")" \
	AWS_SECRET_ACCESS_KEY="$(jq -r '.accounts[0].access_keys[0].SecretAccessKey' "$tmp/scen.json")" \
	"$EP" inventory --endpoint-url "http://127.0.0.1:$port" \
	--regions "$(jq -r '.accounts[0].regions[0]' "$tmp/scen.json")" -o "$tmp/inv.json" 2>"$tmp/inv.err"
if [ $? = 0 ]; then echo "ok 1 - inventory of the loopback scenario"; else echo "not ok 1 - inventory"; sed 's/^/# /' "$tmp/inv.err"; fi
# the addresses the scan must cover: every IPv4 address of every interface
jq -r '.accounts[].regions[].ec2.network_interfaces[] |
	(.privateIpAddressesSet[]? | .privateIpAddress, .association.publicIp?),
	.privateIpAddress, .association.publicIp? | select(. != null)' "$tmp/inv.json" | sort -u >"$tmp/want"
nwant=$(wc -l <"$tmp/want")
if [ "$nwant" -gt 0 ] && ! grep -qv '^127\.' "$tmp/want"; then
	echo "ok 2 - $nwant IPv4 addresses, all in 127.0.0.0/8"
else
	echo "not ok 2 - addresses outside 127.0.0.0/8 or none ($nwant); not scanning"
	exit 1
fi
unshare -n sh -c "ip link set lo up && '$EP' scan --inventory '$tmp/inv.json' --exclude ::/0 -p 22,443 \
	--rate 20000 --timeout 500 --no-progress -o ndjson:'$tmp/scan.ndjson'" 2>"$tmp/scan.err"
st=$?
jq -r 'select(.type == "result") | .address' "$tmp/scan.ndjson" | sort -u >"$tmp/got"
if [ $st = 0 ] && cmp -s "$tmp/want" "$tmp/got"; then
	echo "ok 3 - scan --inventory probed exactly the inventory's addresses"
else
	echo "not ok 3 - scan --inventory (exit $st)"
	diff "$tmp/want" "$tmp/got" | head | sed 's/^/# /'
	sed 's/^/# /' "$tmp/scan.err" | head -3
fi
n=$(jq -r 'select(.type == "result" and .state == "closed") | .address' "$tmp/scan.ndjson" | wc -l)
if [ "$n" = $((nwant * 2)) ]; then echo "ok 4 - every port closed (nothing listens in the namespace)"
else echo "not ok 4 - $n closed results, want $((nwant * 2))"; fi

# 5-6: plan (what the groups admit from 127.0.0.1) feeds scan --targets
"$EP" plan --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --targets-out "$tmp/plan-targets" >"$tmp/plan.out"
probes=$(sed -n 's/.*addresses, \([0-9]*\) TCP and \([0-9]*\) UDP probes.*/\1 \2/p' "$tmp/plan.out" | awk '{print $1 + $2}')
if [ -n "$probes" ] && [ "$probes" -gt 0 ] && ! grep -v '^#' "$tmp/plan-targets" | grep -qv '^127\.'; then
	echo "ok 5 - plan: $probes TCP and UDP probes admitted from 127.0.0.1, all to 127.0.0.0/8"
else
	echo "not ok 5 - plan produced no loopback-only targets ($probes)"
	exit 1
fi
unshare -n sh -c "ip link set lo up && '$EP' scan --targets '$tmp/plan-targets' --rate 50000 --timeout 500 \
	--no-progress -o ndjson:'$tmp/plan.ndjson'" 2>"$tmp/plan-scan.err"
st=$?
got=$(grep -c '"type":"result"' "$tmp/plan.ndjson")
if [ $st = 0 ] && [ "$got" = "$probes" ]; then
	echo "ok 6 - scan --targets from the plan: $got results, one per admitted port"
else
	echo "not ok 6 - scan from the plan: exit $st, $got results, want $probes"
fi
