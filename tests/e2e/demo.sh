#!/bin/sh
# The README's first command ends in `make demo`: it must work without root
# and print the planted findings.  TAP output.
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..3"
(cd "$tmp" && sh "$SRC/data/demo/verify.sh" "$EP" "$LISTEN" "$SRC") >"$tmp/out" 2>&1
st=$?
if [ $st = 0 ]; then echo "ok 1 - the demo runs"; else echo "not ok 1 - demo exit $st"; sed 's/^/# /' "$tmp/out" | tail -5; fi
if grep -q "^verify: 7 findings (4 at or above high)" "$tmp/out" &&
	grep -q "critical unexpected_open      127.0.10.4 tcp/8443" "$tmp/out" &&
	grep -q "declared_unreachable 127.0.10.2 tcp/9000" "$tmp/out"; then
	echo "ok 2 - the planted unexpected port and broken declared port are reported"
else
	echo "not ok 2 - demo findings"
	sed 's/^/# /' "$tmp/out" | tail -8
fi
if [ "$(grep -c '"type":"finding"' "$tmp/demo.ndjson" 2>/dev/null)" = 7 ]; then
	echo "ok 3 - demo.ndjson holds the 7 findings"
else
	echo "not ok 3 - demo.ndjson"
fi
