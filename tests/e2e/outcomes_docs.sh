#!/bin/sh
# verify's outcome table is data in the judge (src/compare/judge.c): the
# README and the man page carry copies, and this test keeps all three equal.
# TAP output.
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..2"
"$EP" help outcomes >"$tmp/md"
sed -n '/^<!-- outcomes:begin -->$/,/^<!-- outcomes:end -->$/p' "$SRC/README.md" | sed '1d;$d' >"$tmp/readme"
if [ -s "$tmp/md" ] && diff -u "$tmp/md" "$tmp/readme" >"$tmp/diff"; then
	echo "ok 1 - README's outcome table is the judge's ($(grep -c '^| [0-9]' "$tmp/md") rows)"
else
	echo "not ok 1 - README's outcome table differs from 'ecsprobe help outcomes'"
	sed 's/^/# /' "$tmp/diff" | head -20
fi
"$EP" help outcomes --roff >"$tmp/roff"
sed -n '/^\.\\" outcomes:begin$/,/^\.\\" outcomes:end$/p' "$SRC/man/ecsprobe.1.in" | sed '1d;$d' >"$tmp/man"
if [ -s "$tmp/roff" ] && diff -u "$tmp/roff" "$tmp/man" >"$tmp/diff"; then
	echo "ok 2 - the man page's outcome table is the judge's"
else
	echo "not ok 2 - the man page's outcome table differs from 'ecsprobe help outcomes --roff'"
	sed 's/^/# /' "$tmp/diff" | head -20
fi
