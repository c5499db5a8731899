#!/bin/sh
# `ecsprobe plan`: security-group admission from a vantage, over the expected
# inventory of the fake AWS scenario; compared with reviewed outputs.  Sends
# nothing.  TAP output.
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
INV="$SRC/tests/fakeaws/expected/basic-env.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
check() { # check DESC EXPECTED-FILE cmd...
	desc=$1 want=$2
	shift 2
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>"$tmp/err" && diff -u "$want" "$tmp/out" >"$tmp/diff"; then
		echo "ok $n - $desc"
	else
		fails=$((fails + 1))
		echo "not ok $n - $desc"
		head -20 "$tmp/diff" "$tmp/err" | sed 's/^/# /'
	fi
}
echo "1..5"
check "VPN vantage (prefix list), IPv4 and IPv6" "$SRC/tests/data/plan/basic-vpn.txt" \
	"$EP" plan --inventory "$INV" --source-ip 198.51.100.20 --source-ip 2001:db8:ffff::1
check "vantage holding the web group (group references)" "$SRC/tests/data/plan/basic-websg.txt" \
	"$EP" plan --inventory "$INV" --source-ip 192.0.2.77 --vantage-sg sg-0a1100000000000001
"$EP" plan --inventory "$INV" --source-ip 198.51.100.20 --targets-out "$tmp/targets" >"$tmp/plan"
probes=$(sed -n 's/.*addresses, \([0-9]*\) TCP and \([0-9]*\) UDP probes.*/\1 \2/p' "$tmp/plan" | awk '{print $1 + $2}')
n=$((n + 1))
if "$EP" scan --targets "$tmp/targets" --dry-run --max-probes 1000000 >"$tmp/dry" &&
	grep -q "^Probes: $probes to" "$tmp/dry"; then
	echo "ok $n - --targets-out feeds scan --targets (dry run: same probe count)"
else
	fails=$((fails + 1))
	echo "not ok $n - --targets-out"
	sed 's/^/# /' "$tmp/dry" | tail -3
fi
n=$((n + 1))
"$EP" plan --inventory "$INV" >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "vantage" "$tmp/err"; then
	echo "ok $n - no vantage: usage error"
else
	fails=$((fails + 1)); echo "not ok $n - no vantage"
fi
n=$((n + 1))
echo '{"schema": "x"}' >"$tmp/x.json"
"$EP" plan --inventory "$tmp/x.json" --source-ip 192.0.2.1 >/dev/null 2>"$tmp/err"
if [ $? = 2 ] && grep -q "not an ecsprobe inventory" "$tmp/err"; then
	echo "ok $n - not an inventory: exit 2"
else
	fails=$((fails + 1)); echo "not ok $n - not an inventory"
fi
[ $fails = 0 ]
