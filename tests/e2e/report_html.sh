#!/bin/sh
# The HTML report, rendered: the demo account's verify (as formats.sh) with
# -o ndjson and -o html, and `ecsprobe report` of the NDJSON; each page
# rendered by headless Chromium (no network: a private namespace as root):
# the screenshot is not blank and shows the picture's colours (counted with
# Python's PIL), the page (--dump-dom) holds every finding id and no script;
# the file refers to nothing outside itself; an owner carrying markup stays
# text.  TAP output.
if [ -z "${EP_HTML_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
	unshare -n true 2>/dev/null; then
	EP_HTML_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
tmp=$(mktemp -d)
fpid= lpid=
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
echo "1..7"
CHROME=$(command -v chromium || command -v chromium-browser)
# Debian's python3-pil is for Debian's python3, which may not be first on PATH
PILPY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import PIL' 2>/dev/null; then PILPY=$p; break; fi
done
if ! python3 -c 'import botocore' 2>/dev/null || [ -z "$PILPY" ] || [ -z "$CHROME" ]; then
	if [ -n "${CI:-}" ]; then echo "Bail out! needs python3-botocore, python3-pil and chromium"; exit 1; fi
	for i in $(seq 7); do echo "ok $i # SKIP needs python3-botocore, python3-pil and chromium"; done
	exit 0
fi
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file "$tmp/port" \
	>"$tmp/fake.log" 2>&1 &
fpid=$!
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null &
lpid=$!
i=0
while [ ! -s "$tmp/port" ] || [ ! -f "$tmp/ready" ]; do
	sleep 0.1; i=$((i + 1))
	[ $i -lt 100 ] || { echo "Bail out! the fake AWS endpoint or the listeners did not start"; exit 1; }
done
url="http://127.0.0.1:$(cat "$tmp/port")"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$url"
"$EP" inventory --endpoint-url "$url" -o "$tmp/inv.json" >"$tmp/inv.log" 2>&1 ||
	{ echo "Bail out! inventory failed"; sed 's/^/# /' "$tmp/inv.log"; exit 1; }
"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --rate 20000 --timeout 500 \
	-o "ndjson:$tmp/run.ndjson" -o "html:$tmp/live.html" >"$tmp/verify.out" 2>&1
st=$?
"$EP" report "$tmp/run.ndjson" -o "$tmp/report.html" >"$tmp/report.out" 2>&1
rst=$?
ok() {
	n=$1 desc=$2
	shift 2
	if "$@" >"$tmp/check.out" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$tmp/check.out" | head -20
	fi
}
nfind=$(grep -c '"type":"finding"' "$tmp/run.ndjson")
ok 1 "verify -o html and ecsprobe report write the page (exit $st and $rst, $nfind findings)" \
	sh -c "[ $st -le 1 ] && [ $rst = 0 ] && [ $nfind -gt 0 ] && [ -s $tmp/live.html ] && [ -s $tmp/report.html ]"
chrome() { # chrome ARGS... PAGE: headless, no sandbox (root), its own profile
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$tmp/profile" "$@" 2>>"$tmp/chrome.log"
}
render() { # render NAME: screenshot and DOM of $tmp/NAME.html, checked
	chrome --window-size=1200,1600 --screenshot="$tmp/$1.png" "file://$tmp/$1.html" >/dev/null &&
		chrome --dump-dom "file://$tmp/$1.html" >"$tmp/$1.dom" &&
		"$PILPY" - "$tmp/$1.png" "$tmp/$1.dom" "$tmp/run.ndjson" <<'PY'
import json, sys
from html.parser import HTMLParser
from PIL import Image
img = Image.open(sys.argv[1]).convert("RGB")
colours = img.getcolors(maxcolors=1 << 24)
assert len(colours) > 20, "blank screenshot: %d colours" % len(colours)
seen = {c for _, c in colours}
# the picture's cells: unexpected_open, unexplained_open, declared_unreachable, latent, ok
want = {"#d93a3a", "#8e5cc2", "#f08c2e", "#e8c547", "#2e9e44"}
missing = [h for h in want if tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) not in seen]
assert not missing, "colours not on screen: %s" % missing
dom = open(sys.argv[2]).read()
ids = [json.loads(l)["id"] for l in open(sys.argv[3]) if '"type":"finding"' in l]
absent = [i for i in ids if 'id="f-%s"' % i not in dom]
assert not absent, "finding ids not in the page: %s" % absent
class Tags(HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = {}
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
t = Tags(); t.feed(dom)
assert "script" not in t.tags and "img" not in t.tags and "link" not in t.tags, t.tags
assert t.tags.get("rect", 0) > 10 and t.tags.get("tr", 0) > len(ids), t.tags
print("%d colours, %d findings, %d cells" % (len(colours), len(ids), t.tags["rect"]))
PY
}
ok 2 "verify -o html: Chromium renders it (not blank, the picture's 5 state colours), every finding id, no script" render live
ok 3 "ecsprobe report: the same checks on the page made from the NDJSON" render report
self_contained() {
	! grep -Eio '(src|href)=|url\(|@import|<script|<link' "$tmp/live.html" "$tmp/report.html"
}
ok 4 "the pages refer to nothing outside themselves (no src, href, url(), @import, script, link)" self_contained
# markup from AWS stays text: an owner and a message carrying tags
python3 - "$tmp/run.ndjson" "$tmp/evil.ndjson" <<'PY'
import json, sys
out = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "finding":
        r["owner"] = "<img src=x onerror=alert(1)>/svc"
        r["message"] = "</td><script>alert(2)</script>"
    out.append(json.dumps(r))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
"$EP" report "$tmp/evil.ndjson" -o "$tmp/evil.html" >"$tmp/evil.out" 2>&1
escaped() {
	chrome --dump-dom "file://$tmp/evil.html" >"$tmp/evil.dom" &&
		! grep -qi '<img\|<script' "$tmp/evil.dom" && grep -q '&lt;img src=x onerror=alert(1)&gt;' "$tmp/evil.dom"
}
ok 5 "markup in an owner or message stays text in the rendered page (no img, no script element)" escaped
printf '{"type":"header","scan_id":"x"}\n{"type":"finding","id":"1","kind":"latent_exposure"}\n' >"$tmp/bad.ndjson"
"$EP" report "$tmp/bad.ndjson" -o "$tmp/bad.html" >"$tmp/bad.out" 2>&1
bst=$?
ok 6 "a malformed record: exit 2 and one line naming file, line and field" \
	sh -c "[ $bst = 2 ] && grep -q 'bad.ndjson:2: finding record: \"severity\" missing' $tmp/bad.out"
"$EP" report "$tmp/run.ndjson" >"$tmp/noout.out" 2>&1
nst=$?
ok 7 "report without -o is a usage error (exit 2)" sh -c "[ $nst = 2 ] && grep -q 'expected one NDJSON file and -o' $tmp/noout.out"
