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

echo "1..31"

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

# ---- item 13: flush on spools that are missing, corrupt or not ours
run 2 "13 flush --spool on a missing directory: exit 2" "$EP" flush --spool "$tmp/no/such/dir"
has "flush: --spool $tmp/no/such/dir: No such file or directory" "13 ... naming the directory"
# a spool of 2 events: two listeners open, the syslog receiver absent
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
printf '127.0.0.1 %s\n' 18481 18482 >"$tmp/listen.txt"
"$LISTEN" -r "$tmp/ready" "$tmp/listen.txt" >/dev/null 2>&1 &
lpid=$!
i=0
while [ ! -f "$tmp/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$EP" scan 127.0.0.1 -p 18480-18483 --mode connect -o syslog+tcp://127.0.0.1:18499 \
	--spool "$tmp/sp" >/dev/null 2>&1
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null
cp -a "$tmp/sp" "$tmp/sp2"
cp -a "$tmp/sp" "$tmp/sp3"
f=$(ls "$tmp"/sp/*.spool 2>/dev/null | head -n 1)
if [ -n "$f" ]; then ok "13 a spool file to flush"; else nok "13 no spool file made"; fi
printf 'XXXXXXXX' | dd of="$f" conv=notrunc 2>/dev/null # its header no longer reads
run 4 "13 flush with a corrupt spool file: exit 4, not 0" "$EP" flush --spool "$tmp/sp" --wait 200
has "1 spool file not read" "13 ... and it says a file was not read"
chmod 777 "$tmp/sp2"
run 2 "13 flush of a world-writable spool directory: exit 2" "$EP" flush --spool "$tmp/sp2" --wait 200
has "writable by others \(mode 0777\)" "13 ... saying why"
chmod 700 "$tmp/sp2"
run 2 "13 scan --spool into a world-writable directory: refused" sh -c "chmod 777 '$tmp/sp2' && '$EP' scan 127.0.0.1 -p 18480 --mode connect -o syslog+tcp://127.0.0.1:18499 --spool '$tmp/sp2'"
chmod 700 "$tmp/sp2"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$tmp"/sp3/*.spool
	run 4 "13 root flush skips a spool file owned by another user: exit 4" "$EP" flush --spool "$tmp/sp3" --wait 200
	has "owned by uid [0-9]+, not by this user" "13 ... naming the owner"
else
	ok "13 # SKIP needs root to chown"
	ok "13 # SKIP needs root to chown"
fi

echo "# $fails failed"
[ $fails = 0 ]
