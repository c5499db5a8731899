#!/bin/sh
# Untrusted strings end to end (issue 12, item 5): an inventory whose names
# hold invalid UTF-8, an escape sequence, newlines and a forged GitHub
# workflow command goes through verify into every output: every JSON output
# parses as UTF-8, the text has no raw control character, each CEF event is
# one line, and under GitHub Actions no value starts a workflow command.
# In a private network namespace with only a loopback (root); TAP output.
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
case $EP in /*) ;; *) EP=$(pwd)/$EP ;; esac
case $LISTEN in /*) ;; *) LISTEN=$(pwd)/$LISTEN ;; esac
case $SRC in /*) ;; *) SRC=$(pwd)/$SRC ;; esac
if [ -z "${EP_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"
			echo "not ok 1 - needs root for a private network namespace (CI must not skip)"
			exit 1
		fi
		echo "1..0 # SKIP needs root for a private network namespace (CI runs as root)"
		exit 0
	fi
	EP_IN_NETNS=1 ECSPROBE=$EP EP_LISTEN=$LISTEN top_srcdir=$SRC exec unshare -n sh "$0" "$@"
fi
ip link set lo up
tmp=$(mktemp -d)
trap 'kill $fpid $lpid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
n=0
fails=0
check() {
	n=$((n + 1))
	if (eval "$2"); then
		echo "ok $n - $1"
	else
		fails=$((fails + 1))
		echo "not ok $n - $1"
		[ -n "${3:-}" ] && [ -f "$3" ] && head -c 600 "$3" | sed 's/^/# /'
	fi
}
echo "1..8"

# the demo account's inventory, pulled from the fake AWS endpoint
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file port \
	>fake.log 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >listen
"$LISTEN" -r ready listen >/dev/null &
lpid=$!
i=0
while { [ ! -s port ] || [ ! -f ready ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
"$EP" inventory --endpoint-url "http://127.0.0.1:$(cat port)" -o clean.json 2>inv.err ||
	{ echo "Bail out! inventory of the demo failed: $(head -n 1 inv.err)"; exit 1; }

# the ECS service and container names become hostile: invalid UTF-8
# (a lone continuation byte, an overlong NUL, a truncated sequence), ESC,
# CR/LF, and a line that would be a workflow command
python3 - <<'PY'
import re
raw = open("clean.json", "rb").read()
evil = b'\\xff\\xc0\\x80\\xe2\\x82 \\x1b[31mred\\x1b[0m\\r\\n::error title=forged::pwned\\n::stop-commands::tok'
# inside JSON strings the bytes must be raw: write them unescaped
evil = evil.decode("unicode_escape").encode("latin-1")
# service names, and the names of their containers (not the attachment
# details' "name" keys, which say what a value is)
for key, val in ((b'"serviceName"', rb'[^"\\]*'), (b'"name"', rb'(?:api|web|worker)')):
    raw = re.sub(key + rb'\s*:\s*"(' + val + rb')"', lambda m: key + b': "' + m.group(1) + evil + b'"', raw)
open("hostile.json", "wb").write(raw)
PY
check "the hostile inventory holds invalid UTF-8 and control characters" \
	'! python3 -c "open(\"hostile.json\", encoding=\"utf-8\").read()" 2>/dev/null && grep -q "stop-commands" hostile.json'

GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$tmp/summary.md "$EP" verify --inventory hostile.json \
	--source-ip 127.0.0.1 --rate 20000 --timeout 500 --fail-on critical \
	-o ndjson:out.ndjson -o ocsf:out.ocsf -o sarif:out.sarif -o asff:out.asff \
	-o elastic:out.elastic -o cef:out.cef -o text:out.txt -o csv-findings:out.csv \
	>stdout.txt 2>stderr.txt
echo $? >rc
check "verify reads it (exit 0 or 1, findings judged)" \
	'[ "$(cat rc)" -le 1 ] && grep -q "\"type\":\"finding\"" out.ndjson' stderr.txt
check "every JSON output is valid UTF-8 JSON (ndjson, ocsf, elastic lines; sarif, asff documents)" \
	'python3 - <<PY
import json
for f in ("out.ndjson", "out.ocsf", "out.elastic"):
    for line in open(f, encoding="utf-8", errors="strict"):
        json.loads(line)
for f in ("out.sarif", "out.asff"):
    json.load(open(f, encoding="utf-8", errors="strict"))
PY'
check "the names survive (repaired, not dropped): U+FFFD and the text after it" \
	'grep -q "$(printf "\357\277\275")" out.ndjson && grep -q "pwned" out.ndjson'
check "no raw control character (ESC, CR) in the text output, stdout or stderr" \
	'! grep -q "$(printf "\033")" out.txt stdout.txt stderr.txt && ! grep -q "$(printf "\r")" out.txt stdout.txt stderr.txt'
check "CEF: one event per line, each a CEF header" \
	'[ -s out.cef ] && ! grep -v "^CEF:0|" out.cef | grep -q .'
check "GitHub Actions: no workflow command but ecsprobe's own annotations (no forged ::error, no ::stop-commands)" \
	'! grep -q "^::stop-commands" stdout.txt stderr.txt && ! grep -q "^::error title=forged" stdout.txt stderr.txt &&
	grep -q "^::\(error\|warning\) title=ecsprobe " stdout.txt'
check "the step summary's table keeps one row per finding (no cell breaks a row)" \
	'[ "$(grep -c "^| [a-z]* | [a-z_]* | 127" summary.md)" = "$(grep -c "\"type\":\"finding\"" out.ndjson)" ] &&
	! grep -q "^::" summary.md'
exit $((fails > 0))
