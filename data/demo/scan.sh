#!/bin/sh
# The built-in demo: starts a few listeners on 127.0.0.0/8 (no root needed)
# and scans them.  Nothing leaves this machine.
# Usage: run.sh ECSPROBE EP_LISTEN TARGETS
set -eu
EP=$1 LISTEN=$2 TARGETS=$3
tmp=$(mktemp -d)
trap 'kill "$lpid" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/listen.txt" <<LST
127.0.0.2 18080
127.0.0.2 18443
127.0.0.3 15432
127.0.0.4 16379
127.0.0.5 18443
LST
"$LISTEN" -r "$tmp/ready" "$tmp/listen.txt" >/dev/null &
lpid=$!
i=0
while [ ! -f "$tmp/ready" ]; do
	sleep 0.1
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "demo: listeners did not start" >&2; exit 1; }
done
echo "Demo: listeners on 127.0.0.2:18080,18443 127.0.0.3:15432 127.0.0.4:16379 127.0.0.5:18443"
echo "\$ ecsprobe scan --targets $TARGETS -p 15000-19000 --rate 20000 -o text -o ndjson:demo.ndjson"
echo
"$EP" scan --targets "$TARGETS" -p 15000-19000 --rate 20000 -o text -o ndjson:demo.ndjson
echo
echo "Every result is in demo.ndjson (one JSON object per line)."
