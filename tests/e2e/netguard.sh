#!/bin/bash
# The outside-network guard (tests/netguard.sh) catches what it must, and the
# variables the tests set keep ecsprobe on loopback (issue 12, item 16):
# without AWS_EC2_METADATA_DISABLED the credential chain asks instance
# metadata, with default endpoints ecsprobe resolves *.amazonaws.com; both are
# caught (inside the guard's namespace nothing leaves).  With the variables,
# and for the demo, nothing is.  TAP output.
set -u
EP=$(readlink -f "${ECSPROBE:-./ecsprobe}")
SRC=$(readlink -f "${top_srcdir:-.}")
GUARD="$SRC/tests/netguard.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/err" | tail -5; }

if [ "$(id -u)" != 0 ] || ! command -v nft >/dev/null || ! command -v jq >/dev/null; then
	echo "1..1"
	if [ "${CI:-}" = true ]; then echo "not ok 1 - needs root, nft and jq"; exit 1; fi
	echo "ok 1 # SKIP needs root, nft and jq"
	exit 0
fi
mkdir -p "$tmp/home"
# guarded ENV...: ecsprobe inventory under the guard in a clean environment;
# sets GST (the guard's status) and SEEN (the addresses it caught)
guarded() {
	rm -f "$tmp/report"
	NETGUARD_REPORT="$tmp/report" "$GUARD" env -i PATH="$PATH" HOME="$tmp/home" "$@" \
		timeout 60 "$EP" inventory --max-attempts 1 --api-timeout 2 -o "$tmp/inv.json" \
		>"$tmp/out" 2>"$tmp/err"
	GST=$?
	SEEN=$(cat "$tmp/report" 2>/dev/null)
}

echo "1..6"
guarded AWS_REGION=us-east-1
if [ "$GST" != 0 ] && printf '%s' "$SEEN" | grep -q "169.254.169.254"; then
	ok "no credentials, metadata not disabled: the guard catches 169.254.169.254"
else
	nok "metadata probe not caught (guard exit $GST, saw '$SEEN')"
fi
guarded AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAGUARD0000000001 \
	AWS_SECRET_ACCESS_KEY=guardSecret000000000000000000000000001
# the guard's own nameserver, or (in a chroot, where it cannot replace
# /etc/resolv.conf) the one resolv.conf names
dns=$( { echo 192.0.2.53; sed -n 's/^nameserver[[:space:]]*//p' /etc/resolv.conf; } | paste -sd'|')
if [ "$GST" != 0 ] && printf '%s' "$SEEN" | grep -qE "$dns"; then
	ok "default endpoints: the guard catches the DNS query for amazonaws.com"
else
	nok "default endpoint lookup not caught (guard exit $GST, saw '$SEEN')"
fi
if grep -q "netguard: FAILED" "$tmp/err"; then ok "the guard's failure names what was reached"; else nok "no guard message"; fi
guarded AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIAGUARD0000000001 \
	AWS_SECRET_ACCESS_KEY=guardSecret000000000000000000000000001 AWS_ENDPOINT_URL=http://127.0.0.1:9
if [ "$GST" = 3 ] && [ -z "$SEEN" ]; then
	ok "with the loopback variables: nothing leaves (exit 3: nothing listens on 127.0.0.1:9)"
else
	nok "loopback variables: guard exit $GST, saw '$SEEN'"
fi
# the demo, as a user runs it
rm -f "$tmp/report"
(cd "$tmp" && NETGUARD_REPORT="$tmp/report" ECSPROBE="$EP" top_srcdir="$SRC" \
	"$GUARD" bash "$SRC/tests/e2e/demo.sh" >"$tmp/out" 2>"$tmp/err")
GST=$?
SEEN=$(cat "$tmp/report" 2>/dev/null)
if [ "$GST" = 0 ] && [ -z "$SEEN" ] && ! grep -q "^not ok" "$tmp/out"; then
	ok "the demo stays on loopback"
else
	nok "demo: guard exit $GST, saw '$SEEN'"
fi
# the guard itself: a clean command passes, its status comes through
"$GUARD" sh -c 'exit 7' >"$tmp/out" 2>"$tmp/err"
if [ $? = 7 ]; then ok "the guarded command's exit status comes through"; else nok "exit status lost"; fi
[ $fails = 0 ]
