#!/bin/bash
# `ecsprobe verify` with UDP, end to end, across the veth lab into a second
# namespace where real UDP responders (tests/lab/udp_responders.py) play the
# services and nftables drops some ports.  The inventory is written here with
# the lab's addresses; the ground truth is the list of findings below.
#
#  A 198.18.0.10  awsvpc task prod/metrics: statsd udp/8125 (answers), udp/8126
#                 (declared, dropped: open|filtered), tcp/8080 (declared, closed);
#                 group "metrics-udp" admits udp 8100-8130 from 198.18.0.0/16,
#                 group sg-a-web tcp 8080 from anywhere; udp/8127 answers and the
#                 intent denies it (by group name), udp/8110 is intended and closed,
#                 udp/8129 is dropped, udp/9125 answers and no rule admits it
#  B 198.18.0.11  a network load balancer: UDP 53 (a DNS server answers) and
#                 TCP_UDP 5000 (UDP answers, TCP is closed); its group admits all
#                 traffic from the vantage
#  C 198.18.0.12  a plain interface: udp 7000-7003 admitted; the interface's tag
#                 allows udp/7000, its group's tag udp/7001 (they add up); 7000,
#                 7001 and 7002 answer
#
# Once with the target's ICMP rate limit off (every closed UDP port says so),
# once at the Linux default (closed ports may stay silent: open|filtered is
# never called open or closed, the latent ranges shrink but never grow).
# TAP output.
if [ -z "${BASH_VERSION:-}" ]; then exec /bin/bash "$0" "$@"; fi
set -u
export LC_ALL=C
me=$(readlink -f "$0")
here=$(dirname "$me")
if [ -z "${EP_E2E_IN_NETNS:-}" ]; then
	why=
	if [ "$(id -u)" != 0 ]; then
		why="needs root for network namespaces"
	elif ! unshare -n true 2>/dev/null; then
		why="unshare -n failed (no network namespace support)"
	fi
	if [ -n "$why" ]; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"
			echo "not ok 1 - e2e setup: $why (CI must not skip)"
			exit 1
		fi
		echo "1..0 # SKIP $why"
		exit 0
	fi
	export EP_E2E_IN_NETNS=1
	exec unshare -n -- /bin/bash "$me" "$@"
fi

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
diag() { sed -e 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

for t in jq nft ip nsenter "${PYTHON:-python3}"; do
	command -v "$t" >/dev/null 2>&1 || bail "$t is not installed"
done
EP=${ECSPROBE:-$here/../../ecsprobe}
[ -x "$EP" ] || bail "ecsprobe not found: $EP"
PROBES_DIR=${ECSPROBE_PROBES_DIR:-${top_srcdir:-$here/../..}/probes}
. "$here/../lab/lab.sh" || bail "cannot source lab.sh"

W=$(mktemp -d "${TMPDIR:-/tmp}/ecsprobe-vudp.XXXXXX") || bail "mktemp failed"
LAB_DIR=$W/lab
mkdir -p "$LAB_DIR"
cleanup() { lab_veth_down; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "1..14"
lab_veth_up 3 0 2>"$W/lab.err" || { diag <"$W/lab.err"; bail "lab_veth_up failed"; }
set -- $LAB_V4_HOSTS
A=$1 B=$2 C=$3
[ "$A" = 198.18.0.10 ] && [ "$C" = 198.18.0.12 ] || bail "unexpected lab addresses: $LAB_V4_HOSTS"

cat >"$W/responders.spec" <<EOF
$A 8125 echo
$A 8127 echo
$A 9125 echo
$B 53 dns
$B 5000 echo
$C 7000 echo
$C 7001 echo
$C 7002 echo
EOF
printf '%s\n' "$A 8126" "$A 8129" >"$W/dropped.spec"
: >"$W/rejected.spec"
lab_udp_plant "$W/responders.spec" "$W/dropped.spec" "$W/rejected.spec" 2>"$W/lab.err" ||
	{ diag <"$W/lab.err"; bail "lab_udp_plant failed"; }

# the inventory, in EC2/ECS/ELBv2 field names, with the lab's addresses
cat >"$W/inv.json" <<EOF
{"schema": "ecsprobe.inventory/1", "accounts": [{"account_id": "111111111111", "regions": [{
 "region": "us-east-1",
 "ec2": {
  "network_interfaces": [
   {"networkInterfaceId": "eni-a", "interfaceType": "interface", "privateIpAddress": "$A",
    "privateIpAddressesSet": [{"privateIpAddress": "$A"}],
    "groupSet": [{"groupId": "sg-a-udp"}, {"groupId": "sg-a-web"}]},
   {"networkInterfaceId": "eni-b", "interfaceType": "network_load_balancer",
    "description": "ELB net/dns/0123456789abcdef", "privateIpAddress": "$B",
    "privateIpAddressesSet": [{"privateIpAddress": "$B"}], "groupSet": [{"groupId": "sg-b"}]},
   {"networkInterfaceId": "eni-c", "interfaceType": "interface", "privateIpAddress": "$C",
    "privateIpAddressesSet": [{"privateIpAddress": "$C"}], "groupSet": [{"groupId": "sg-c"}],
    "tagSet": [{"key": "ecsprobe:allow", "value": "udp/7000"}]}],
  "security_groups": [
   {"groupId": "sg-a-udp", "groupName": "metrics-udp", "ipPermissions": [{"ipProtocol": "udp",
     "fromPort": "8100", "toPort": "8130", "ipRanges": [{"cidrIp": "198.18.0.0/16"}]}]},
   {"groupId": "sg-a-web", "groupName": "metrics-web", "ipPermissions": [{"ipProtocol": "tcp",
     "fromPort": "8080", "toPort": "8080", "ipRanges": [{"cidrIp": "0.0.0.0/0"}]}]},
   {"groupId": "sg-b", "groupName": "dns-lb", "ipPermissions": [{"ipProtocol": "-1",
     "ipRanges": [{"cidrIp": "$LAB_SRC4/32"}]}]},
   {"groupId": "sg-c", "groupName": "plain", "tagSet": [{"key": "ecsprobe:allow", "value": "udp/7001"}],
    "ipPermissions": [{"ipProtocol": "udp", "fromPort": "7000", "toPort": "7003",
     "ipRanges": [{"cidrIp": "198.18.0.0/16"}]}]}],
  "prefix_lists": [], "network_acls": [], "route_tables": []},
 "ecs": {
  "clusters": [{"clusterArn": "arn:aws:ecs:us-east-1:111111111111:cluster/prod",
   "services": [{"serviceName": "metrics"}], "containerInstances": [],
   "tasks": [{"taskArn": "arn:aws:ecs:us-east-1:111111111111:task/prod/t1", "group": "service:metrics",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:111111111111:task-definition/metrics:3",
    "attachments": [{"details": [{"name": "networkInterfaceId", "value": "eni-a"}]}]}]}],
  "task_definitions": [{"taskDefinitionArn": "arn:aws:ecs:us-east-1:111111111111:task-definition/metrics:3",
   "networkMode": "awsvpc", "containerDefinitions": [{"name": "statsd", "portMappings": [
    {"containerPort": 8125, "protocol": "udp"}, {"containerPort": 8126, "protocol": "udp"},
    {"containerPort": 8080, "protocol": "tcp"}]}]}]},
 "elbv2": {"load_balancers": [{"LoadBalancerName": "dns", "Type": "network",
  "Listeners": [{"Protocol": "UDP", "Port": 53}, {"Protocol": "TCP_UDP", "Port": 5000}]}]}
}]}]}
EOF
cat >"$W/intent.json" <<'EOF'
{"version": 1, "rules": [
 {"match": {"service": "metrics"}, "allow": ["udp/8110"]},
 {"match": {"security_group": "metrics-udp"}, "deny": ["udp/8127"], "reason": "debug listener"}]}
EOF
cat >"$W/want" <<EOF
critical unexpected_open $A udp/8127 prod/metrics
high declared_unreachable $A tcp/8080 prod/metrics/statsd
high declared_unreachable $A udp/8110 prod/metrics
high declared_unreachable $B tcp/5000 lb/dns
high unexpected_open $C udp/7002 eni-c
high unexplained_open $A udp/9125 prod/metrics
low latent_exposure $A udp/8100-8109,8111-8124,8128,8130 prod/metrics
low latent_exposure $B tcp/1-4999,5001-65535 lb/dns
low latent_exposure $B udp/1-52,54-4999,5001-65535 lb/dns
low latent_exposure $C udp/7003 eni-c
EOF
findings() { jq -r 'select(.type == "finding") | "\(.severity) \(.kind) \(.address) \(.proto)/\(.ports | map(if .[0] == .[1] then "\(.[0])" else "\(.[0])-\(.[1])" end) | join(",")) \(.owner)"' "$1" | sort; }
verify() { # verify NAME [args]
	local name=$1
	shift
	lab_veth_assert || bail "the lab is not isolated"
	timeout -k 10 300 "$EP" verify --inventory "$W/inv.json" --intent "$W/intent.json" \
		--source-ip "$LAB_SRC4" --extra-ports U:9125 --probes-dir "$PROBES_DIR" --rate 50000 \
		--timeout 500 --no-progress -o "ndjson:$W/$name.ndjson" "$@" >"$W/$name.out" 2>"$W/$name.err"
	echo $? >"$W/$name.rc"
}

# 1-5: ICMP rate limit off: every UDP state is exact
lab_icmp_ratelimit off 2>"$W/lab.err" || { diag <"$W/lab.err"; bail "cannot turn the ICMP rate limit off"; }
verify off
if [ "$(cat "$W/off.rc")" = 1 ]; then ok "verify exits 1 (findings at or above high)"; else nok "exit $(cat "$W/off.rc")"; diag <"$W/off.err" | tail -5; fi
if findings "$W/off.ndjson" | diff -u "$W/want" - >"$W/diff"; then
	ok "UDP and TCP findings exactly as planted: one per open port, exact latent ranges, tags add up, intent by group name"
else
	nok "findings differ from the ground truth"
	diag <"$W/diff"
fi
st=$(jq -r 'select(.type == "result" and .proto == "udp") | "\(.address) \(.port) \(.state)"' "$W/off.ndjson" |
	grep -E "^($A (8125|8126|8127|8129|9125)|$B (53|5000)|$C 700[0-3]) " | sort | tr '\n' ';')
want_st="$A 8125 open;$A 8126 open|filtered;$A 8127 open;$A 8129 open|filtered;$A 9125 open;$B 5000 open;$B 53 open;$C 7000 open;$C 7001 open;$C 7002 open;$C 7003 closed;"
if [ "$st" = "$want_st" ]; then ok "the UDP states behind them (responders open, drops open|filtered)"; else nok "UDP states: $st"; fi
if grep -q "; 2 UDP open|filtered, of which 1 declared or intended and unconfirmed" "$W/off.out"; then
	ok "the summary counts the declared UDP port that stayed open|filtered as unconfirmed"
else
	nok "summary line: $(grep '^verify:' "$W/off.out")"
fi
ev=$(jq -r 'select(.type == "finding" and .port_from == 8127) | .evidence' "$W/off.ndjson")
if printf '%s' "$ev" | grep -q "denies it: debug listener" &&
	grep -q "evidence: nothing declares it; groups of eni-a admit nothing on this port" "$W/off.out"; then
	ok "evidence: the intent rule that denies, and the absence of a rule"
else
	nok "evidence: '$ev'"
fi

# 6-7: the Linux default rate limit, one service: open ports and the
# non-latent findings are the same; latent ranges only lose ports that stayed
# silent (open|filtered), never gain one.  The intended udp/8110 is closed;
# if its port-unreachable was rate limited it is open|filtered, so it is
# counted unconfirmed instead of reported unreachable (never called closed).
lab_icmp_ratelimit on 2>"$W/lab.err" || { diag <"$W/lab.err"; bail "cannot restore the ICMP rate limit"; }
verify on --service metrics
findings "$W/on.ndjson" | grep -v -e latent_exposure -e udp/8110 >"$W/on.rest"
grep "$A " "$W/want" | grep -v -e latent_exposure -e udp/8110 >"$W/want.rest"
s8110=$(jq -r "select(.type == \"result\" and .proto == \"udp\" and .port == 8110) | .state" "$W/on.ndjson")
if [ "$s8110" = closed ]; then
	grep -q "declared_unreachable $A udp/8110" <(findings "$W/on.ndjson") && j8110=ok
else
	grep -q "; [0-9]* UDP open|filtered, of which 2 declared or intended and unconfirmed" "$W/on.out" &&
		! grep -q "udp/8110" <(findings "$W/on.ndjson") && j8110=ok
fi
if [ "$(cat "$W/on.rc")" = 1 ] && diff -u "$W/want.rest" "$W/on.rest" >"$W/diff" && [ "${j8110:-}" = ok ]; then
	ok "default ICMP rate limit: every open, declared and intended port judged as before (udp/8110 $s8110)"
else
	nok "default rate limit: exit $(cat "$W/on.rc")"
	diag <"$W/diff"
fi
jq -r 'select(.type == "finding" and .kind == "latent_exposure") | .ports[] | "\(.[0]) \(.[1])"' "$W/on.ndjson" |
	while read -r lo hi; do seq "$lo" "$hi"; done | sort -n >"$W/on.latent"
jq -r "select(.type == \"result\" and .proto == \"udp\" and .address == \"$A\" and .state == \"closed\") | .port" \
	"$W/on.ndjson" | while read -r p; do case $p in 8110 | 8126) ;; *) echo "$p" ;; esac; done | sort -n >"$W/on.closed"
if [ -s "$W/on.latent" ] && diff "$W/on.closed" "$W/on.latent" >/dev/null &&
	! grep -qxE '8110|8125|8126|8127|8129' "$W/on.latent"; then
	ok "default rate limit: the latent range is exactly the ports that said closed ($(wc -l <"$W/on.latent") ports)"
else
	nok "default rate limit: latent $(tr '\n' ' ' <"$W/on.latent") vs closed $(tr '\n' ' ' <"$W/on.closed")"
fi
# 8: the UDP plan: the default extra ports add UDP 53, 123, 161, 500, 1900, 5353, 11211
"$EP" verify --inventory "$W/inv.json" --source-ip "$LAB_SRC4" --service metrics --dry-run >"$W/dry.out" 2>&1
if grep -q "udp 53,123,161,500,1900,5353,8100-8130,11211" "$W/dry.out"; then
	ok "--dry-run: UDP admitted, declared and the default UDP extra ports are planned"
else
	nok "UDP plan: $(grep eni-a "$W/dry.out")"
fi

# 9-14: verify split over 3 processes (3 shards of one plan, the same seed),
# then merged: the same findings, ids included, as one machine gave
lab_icmp_ratelimit off 2>"$W/lab.err" || bail "cannot turn the ICMP rate limit off"
for i in 1 2 3; do
	verify shard$i --seed 7 --shard $i/3 --save-states "$W/states.$i"
done
parts=$(sed -n 's/^verify: shard [123]\/3: \([0-9]*\) of \([0-9]*\) planned probes measured.*/\1 \2/p' \
	"$W/shard1.out" "$W/shard2.out" "$W/shard3.out" | awk '{ s += $1; p = $2 } END { print NR, s, p }')
set -- $parts
if [ "$(cat "$W/shard1.rc")$(cat "$W/shard2.rc")$(cat "$W/shard3.rc")" = 000 ] && [ "$1" = 3 ] && [ "$2" = "$3" ] &&
	! grep -q '"type":"finding"' "$W/shard1.ndjson"; then
	ok "3 shards: each probes its part ($2 of $3 planned probes between them), exit 0, and judges nothing"
else
	nok "shards: exit $(cat "$W/shard1.rc")$(cat "$W/shard2.rc")$(cat "$W/shard3.rc")"
	diag <"$W/shard2.err"; diag <"$W/shard2.out"
fi
merge() { # merge NAME FILE...
	local name=$1
	shift
	local args=()
	for f in "$@"; do args+=(--states "$f"); done
	"$EP" verify --inventory "$W/inv.json" --intent "$W/intent.json" --source-ip "$LAB_SRC4" \
		--extra-ports U:9125 --no-progress -o "ndjson:$W/$name.ndjson" "${args[@]}" >"$W/$name.out" 2>"$W/$name.err"
	echo $? >"$W/$name.rc"
}
ids() { jq -r 'select(.type == "finding") | "\(.id) \(.kind) \(.severity) \(.address) \(.proto) \(.ports) \(.owner)"' "$1" | sort; }
merge merged "$W/states.3" "$W/states.1" "$W/states.2"
if [ "$(cat "$W/merged.rc")" = 1 ] && diff <(ids "$W/off.ndjson") <(ids "$W/merged.ndjson") >"$W/diff"; then
	ok "the merge of 3 shards gives the single run's findings: ids, kinds, severities, ports, owners"
else
	nok "merged findings differ (exit $(cat "$W/merged.rc"))"
	diag <"$W/diff"; diag <"$W/merged.err"
fi
merge missing "$W/states.1" "$W/states.3"
if [ "$(cat "$W/missing.rc")" = 2 ] && tail -n 1 "$W/missing.err" | grep -q "shard 2/3 is missing"; then
	ok "a missing shard: refused, exit 2"
else
	nok "missing shard: exit $(cat "$W/missing.rc"): $(cat "$W/missing.err")"
fi
merge twice "$W/states.1" "$W/states.2" "$W/states.3" "$W/states.2"
if [ "$(cat "$W/twice.rc")" = 2 ] && grep -q "shard 2/3 given twice" "$W/twice.err"; then
	ok "a shard given twice: refused"
else
	nok "duplicated shard: exit $(cat "$W/twice.rc"): $(cat "$W/twice.err")"
fi
"$EP" verify --inventory "$W/inv.json" --intent "$W/intent.json" --source-ip "$LAB_SRC4" \
	--extra-ports U:9126 --states "$W/states.1" --states "$W/states.2" --states "$W/states.3" >/dev/null 2>"$W/other.err"
if [ $? = 2 ] && grep -q "states of another plan" "$W/other.err"; then
	ok "states of another plan (other --extra-ports): refused"
else
	nok "another plan: $(cat "$W/other.err")"
fi
head -n -1 "$W/states.2" >"$W/states.2cut" # the summary line lost: cut short
merge cut "$W/states.1" "$W/states.2cut" "$W/states.3"
if [ "$(cat "$W/cut.rc")" = 2 ] && grep -qE "states.2cut(:[0-9]+:[0-9]+)?: " "$W/cut.err"; then
	ok "a states file cut short: refused, naming the file ($(tail -n 1 "$W/cut.err" | cut -c1-120))"
else
	nok "cut file: exit $(cat "$W/cut.rc"): $(cat "$W/cut.err")"
fi
[ $fails = 0 ]
