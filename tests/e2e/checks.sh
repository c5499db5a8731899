#!/bin/sh
# ecsprobe checks: the catalogue in text, JSON and Markdown; the README
# carries the Markdown between its checks markers verbatim and the man page
# names every kind and control.  TAP output.
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..5"
ok() {
	n=$1 desc=$2
	shift 2
	if "$@" >"$tmp/check.out" 2>&1; then echo "ok $n - $desc"; else
		echo "not ok $n - $desc"; sed 's/^/# /' "$tmp/check.out" | head -20; fi
}
kinds="unexpected_open unexplained_open declared_unreachable latent_exposure"
controls="aws-fsbp/EC2.18 aws-fsbp/EC2.19 aws-fsbp/EC2.2 cis-aws-3.0.0/5.2 cis-aws-3.0.0/5.3 cis-aws-3.0.0/5.4"
text_ok() {
	"$EP" checks >"$tmp/text" || return 1
	for w in $kinds $controls; do grep -q "$w" "$tmp/text" || { echo "missing $w"; return 1; }; done
	grep -q '^  severity: high; critical if a world-open rule admits it' "$tmp/text"
}
ok 1 "ecsprobe checks lists the 4 finding kinds with severity, meaning, fix and the 6 controls" text_ok
json_ok() {
	"$EP" checks --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
k = {c["kind"]: c for c in d["checks"]}
assert sorted(k) == sorted(sys.argv[1].split()), k
assert [c["key"] for c in d["controls"]] == sys.argv[2].split()
assert k["unexpected_open"]["controls"] == sys.argv[2].split() == k["latent_exposure"]["controls"]
assert k["unexplained_open"]["controls"] == [] == k["declared_unreachable"]["controls"]
assert all(c["fix"] and c["meaning"] and c["severity"] for c in d["checks"])
print("ok")' "$kinds" "$controls"
}
ok 2 "--format json: one document, controls on unexpected_open and latent_exposure only" json_ok
readme_ok() {
	"$EP" checks --format markdown >"$tmp/md" &&
		sed -n '/<!-- checks:begin -->/,/<!-- checks:end -->/p' "$SRC/README.md" | sed '1d;$d' >"$tmp/readme" &&
		diff -u "$tmp/md" "$tmp/readme"
}
ok 3 "the README's checks tables are ecsprobe checks --format markdown" readme_ok
man_ok() {
	for w in $kinds EC2.18 EC2.19 EC2.2 5.2 5.3 5.4 "checks"; do
		grep -q -- "$w" "${EP%/*}/man/ecsprobe.1" || { echo "man page lacks $w"; return 1; }
	done
}
ok 4 "the man page names every kind and control" man_ok
"$EP" checks --format yaml >"$tmp/bad.out" 2>&1
st=$?
ok 5 "an unknown --format is a usage error naming it (exit 2)" sh -c "[ $st = 2 ] && grep -q \"'yaml'\" $tmp/bad.out"
