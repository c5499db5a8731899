#!/bin/sh
# Replays every committed fuzz corpus input through its parser harness (TAP).
dir=${EP_FUZZ_DIR:-tests/fuzz}
src=${top_srcdir:-.}/tests/fuzz/corpus
echo "1..14"
n=0
for h in portspec targetfile awsxml ini sigv4 inventory intent states packet payloads spool s3xml cmdline ndjson; do
	n=$((n + 1))
	if out=$("$dir/replay_$h" "$src/$h" 2>&1); then
		echo "ok $n - fuzz corpus $h: $out"
	else
		echo "not ok $n - fuzz corpus $h: $out" | head -5
	fi
done
