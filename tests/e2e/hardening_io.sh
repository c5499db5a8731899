#!/bin/sh
# Hostile files and failing writes (issue 12, items 6, 8, 9, 13, 14): planted
# symbolic links, full disks, a torn --resume file, NUL bytes in a targets
# file, spools that are corrupt, missing or not ours.  Loopback only; no
# privileges needed except where said.  TAP output.
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
INV="$SRC/tests/fakeaws/expected/basic-env.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -f "$tmp/err" ] && sed 's/^/# /' "$tmp/err" | head -5; }
# run STATUS DESC CMD...: the exit status, and stderr (in $tmp/err)
run() {
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$desc"; else nok "$desc (exit $got, want $want)"; fi
}
# has REGEX DESC: stderr matches
has() { if grep -Eq -- "$1" "$tmp/err"; then ok "$2"; else nok "$2 (/$1/ not on stderr)"; fi; }

echo "1..36"

# ---- item 6: a planted symbolic link is never followed
echo precious >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link"
run 2 "6 -o ndjson to a symbolic link: exit 2" "$EP" scan 127.0.0.1 -p 18080 --mode connect -o "ndjson:$tmp/link"
has "link: is a symbolic link; not following it" "6 the refusal names the link"
run 2 "6 --targets-out to a symbolic link: exit 2" "$EP" plan --inventory "$INV" --source-ip 198.51.100.20 --targets-out "$tmp/link"
has "^ecsprobe: plan: --targets-out .*link: is a symbolic link" "6 --targets-out's refusal names the option and the link"
if [ "$(cat "$tmp/victim")" = precious ]; then ok "6 the link's target is untouched"; else nok "6 the link's target was overwritten"; fi

# ---- item 8: --resume with a torn last line skips it
"$EP" scan 127.0.0.1 -p 18080-18083 --mode connect -o "ndjson:$tmp/r.ndjson" 2>/dev/null
grep -v '"summary"' "$tmp/r.ndjson" | head -n 3 >"$tmp/torn.ndjson"
printf '{"type":"result","schema":"ecsprobe.res' >>"$tmp/torn.ndjson"
run 0 "8 --resume from a file with a torn last line: exit 0" "$EP" scan 127.0.0.1 -p 18080-18083 --mode connect --resume "$tmp/torn.ndjson" -o "ndjson:$tmp/r2.ndjson"
if [ "$(grep -c '"type":"result"' "$tmp/r2.ndjson")" = 4 ]; then ok "8 the resumed output holds every target once"; else nok "8 resumed output: $(grep -c '"type":"result"' "$tmp/r2.ndjson") results"; fi
printf 'garbage\n' >>"$tmp/torn.ndjson"
run 2 "8 a broken line that is not the last one is still an error" "$EP" scan 127.0.0.1 -p 18080-18083 --mode connect --resume "$tmp/torn.ndjson" -o "ndjson:$tmp/r3.ndjson"
has "torn.ndjson:[0-9]+" "8 ... naming file:line"

# ---- item 14: write failures name the file and errno
for o in ndjson:- text cef sarif ocsf elastic asff; do
	"$EP" scan 127.0.0.1 -p 18080-18082 --mode connect -o "$o" >/dev/full 2>"$tmp/err"
	st=$?
	if [ $st != 0 ] && grep -q "write failed: No space left on device" "$tmp/err"; then
		ok "14 -o $o to a full stdout: exit $st, says why"
	else
		nok "14 -o $o to a full stdout: exit $st"
	fi
done
"$EP" plan --inventory "$INV" --source-ip 198.51.100.20 >/dev/full 2>"$tmp/err"
if [ $? = 2 ]; then ok "14 plan >/dev/full: exit 2"; else nok "14 plan >/dev/full: not exit 2"; fi
has "standard output: write failed: No space left on device" "14 plan names stdout and errno"
"$EP" plan --inventory "$INV" --source-ip 198.51.100.20 --targets-out /dev/full >/dev/null 2>"$tmp/err"
st=$?
if [ $st = 2 ] && grep -q -- "--targets-out /dev/full: write failed: No space left on device" "$tmp/err"; then ok "14 --targets-out on a full disk: exit 2 naming the file and errno"; else nok "14 --targets-out /dev/full: exit $st"; fi
(ulimit -n 14; "$EP" scan 127.0.0.1 -p 18080-18082 --mode connect) >/dev/null 2>"$tmp/err"
st=$?
if [ $st = 3 ] && grep -q "Too many open files\|too many open files" "$tmp/err"; then ok "14 ulimit -n 14: exit 3, the message says too many open files"; else nok "14 ulimit -n 14: exit $st"; fi
(ulimit -n 8; "$EP" scan 127.0.0.1 -p 18080-18082 --mode connect) >/dev/null 2>"$tmp/err"
st=$?
if [ $st = 3 ] && grep -q "too many open files" "$tmp/err"; then ok "14 ulimit -n 8: exit 3, says why"; else nok "14 ulimit -n 8: exit $st"; fi
