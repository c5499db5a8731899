#!/bin/sh
# Concatenates bench/results/*.md into bench/RESULTS.md.
here=$(cd "$(dirname "$0")" && pwd)
{
	echo "# ecsprobe benchmark results"
	echo
	echo "Each section comes from one run of its script (\`make bench\` runs them all);"
	echo "the peers run in the same run on the same machine."
	for f in "$here"/results/scan.md "$here"/results/syn.md "$here"/results/loss.md "$here"/results/udp.md "$here"/results/inventory.md "$here"/results/sinks.md "$here"/results/hec.md "$here"/results/estate.md "$here"/results/estate-probing.md "$here"/results/wire.md; do
		[ -f "$f" ] || continue
		echo
		sed 's/^#/##/' "$f"
	done
} >"$here/RESULTS.md"
