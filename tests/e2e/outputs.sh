#!/bin/sh
# nmap-xml, csv, csv-findings and json end to end: the demo account's verify
# (fake AWS endpoint, listeners on 127.0.10.x, as formats.sh), twice, the
# second time with the debug console on 127.0.10.4:8443 stopped.  nmap XML
# valid against Debian nmap's nmap.dtd (xmllint --dtdvalid), ndiff of the two
# runs names the port that changed and the finding that went; CSV parsed by
# Python's csv module: one row per result and finding, the same ids as the
# NDJSON.  TAP output.  As root, in a private network namespace.
if [ -z "${EP_OUTPUTS_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
	unshare -n true 2>/dev/null; then
	EP_OUTPUTS_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
DTD=/usr/share/nmap/nmap.dtd
tmp=$(mktemp -d)
fpid= lpid=
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
echo "1..7"
if ! python3 -c 'import botocore' 2>/dev/null || ! command -v xmllint >/dev/null ||
	! command -v ndiff >/dev/null || [ ! -f "$DTD" ]; then
	if [ -n "${CI:-}" ]; then echo "Bail out! needs python3-botocore, libxml2-utils, nmap and ndiff"; exit 1; fi
	for i in $(seq 7); do echo "ok $i # SKIP needs python3-botocore, libxml2-utils, nmap and ndiff"; done
	exit 0
fi
python3 "$SRC/tests/fakeaws/fakeaws.py" --scenario "$SRC/data/demo/account.json" --port-file "$tmp/port" \
	>"$tmp/fake.log" 2>&1 &
fpid=$!
listen() { # listen FILE: (re)start the listeners on FILE's address/port lines
	[ -z "$lpid" ] || { kill "$lpid"; wait "$lpid" 2>/dev/null; }
	rm -f "$tmp/ready"
	"$LISTEN" -r "$tmp/ready" "$1" >/dev/null &
	lpid=$!
	i=0
	while [ ! -f "$tmp/ready" ]; do
		sleep 0.1; i=$((i + 1))
		[ $i -lt 100 ] || { echo "Bail out! the listeners did not start"; exit 1; }
	done
}
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >"$tmp/l1"
grep -v 8443 "$tmp/l1" >"$tmp/l2"
listen "$tmp/l1"
i=0
while [ ! -s "$tmp/port" ]; do
	sleep 0.1; i=$((i + 1))
	[ $i -lt 100 ] || { echo "Bail out! the fake AWS endpoint did not start"; exit 1; }
done
url="http://127.0.0.1:$(cat "$tmp/port")"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$url"
"$EP" inventory --endpoint-url "$url" -o "$tmp/inv.json" >"$tmp/inv.log" 2>&1 ||
	{ echo "Bail out! inventory failed"; sed 's/^/# /' "$tmp/inv.log"; exit 1; }
run() {
	"$EP" verify --inventory "$tmp/inv.json" --source-ip 127.0.0.1 --rate 20000 --timeout 500 \
		-o "ndjson:$tmp/$1.ndjson" -o "nmap-xml:$tmp/$1.xml" -o "csv:$tmp/$1.csv" \
		-o "csv-findings:$tmp/$1.f.csv" -o "json:$tmp/$1.json" >"$tmp/$1.out" 2>&1
}
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
run 1
st1=$?
listen "$tmp/l2"
run 2
st2=$?
nres=$(grep -c '"type":"result"' "$tmp/1.ndjson")
nfind=$(grep -c '"type":"finding"' "$tmp/1.ndjson")
ok 1 "verify writes nmap-xml, csv, csv-findings and json (exit $st1 and $st2; $nres results, $nfind findings)" \
	sh -c "[ $st1 -le 1 ] && [ $st2 -le 1 ] && [ $nfind -gt 0 ] && [ -s $tmp/1.xml ] && [ -s $tmp/1.f.csv ]"
ok 2 "nmap XML of both runs valid against $DTD" xmllint --noout --dtdvalid "$DTD" "$tmp/1.xml" "$tmp/2.xml"
# ndiff: the port that closed, and the finding about it that went
ndiff "$tmp/1.xml" "$tmp/2.xml" >"$tmp/ndiff.out"
nd=$?
ndiff_ok() {
	cat "$tmp/ndiff.out"
	id=$(grep '"port_from":8443' "$tmp/1.ndjson" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
	[ "$nd" = 1 ] && grep -q '^-8443/tcp *open' "$tmp/ndiff.out" &&
		grep -q "^-.*$id critical unexpected_open tcp/8443" "$tmp/ndiff.out" && ! grep -q '^[-+]80/tcp' "$tmp/ndiff.out"
}
ok 3 "ndiff of the two runs names 8443/tcp (open, then not) and its unexpected_open finding, and not 80/tcp" ndiff_ok
xml_ok() {
	python3 - "$tmp/1.xml" "$tmp/1.ndjson" <<'PY'
import json, sys, xml.etree.ElementTree as ET
doc = ET.parse(sys.argv[1]).getroot()
nd = [json.loads(l) for l in open(sys.argv[2])]
opens = sorted((r["address"], r["port"]) for r in nd if r["type"] == "result" and r["state"] == "open")
got = sorted((h.find("address").get("addr"), int(p.get("portid"))) for h in doc.iter("host") for p in h.iter("port"))
assert opens == got, (opens, got)
closed = sum(1 for r in nd if r["type"] == "result" and r["state"] == "closed")
assert closed == sum(int(e.get("count")) for e in doc.iter("extraports") if e.get("state") == "closed")
ids = sorted(r["id"] for r in nd if r["type"] == "finding")
assert ids == sorted(t.get("key") for s in doc.iter("script") for t in s.findall("table")), ids
assert all(s.get("id") == "ecsprobe-findings" for s in doc.iter("script"))
print(len(got), "open ports,", len(ids), "findings")
PY
}
ok 4 "nmap XML lists every open port of the NDJSON, counts the closed ones, and has one host script per finding" xml_ok
csv_ok() {
	python3 - "$tmp/1.csv" "$tmp/1.f.csv" "$tmp/1.ndjson" <<'PY'
import csv, json, sys
nd = [json.loads(l) for l in open(sys.argv[3])]
res = list(csv.DictReader(open(sys.argv[1], newline="")))
fin = list(csv.DictReader(open(sys.argv[2], newline="")))
assert open(sys.argv[1], "rb").read().count(b"\r\n") == len(res) + 1
want = sorted((r["address"], r["proto"], r["port"], r["state"]) for r in nd if r["type"] == "result")
assert want == sorted((r["address"], r["proto"], int(r["port"]), r["state"]) for r in res)
f_nd = {f["id"]: f for f in nd if f["type"] == "finding"}
assert sorted(f_nd) == sorted(r["id"] for r in fin)
for r in fin:
    f = f_nd[r["id"]]
    assert (r["kind"], r["severity"], r["owner"], r["message"], r["evidence"], int(r["port_count"])) == \
        (f["kind"], f["severity"], f["owner"], f["message"], f["evidence"], f["port_count"]), r
    assert r["controls"].split() == f.get("controls", []), r
print(len(res), "result rows,", len(fin), "finding rows")
PY
}
ok 5 "CSV: one row per result and per finding (RFC 4180, CRLF), the same values and ids as the NDJSON" csv_ok
ok 6 "json is a name for ndjson: the same records as -o ndjson" \
	sh -c "grep -c '\"type\":\"result\"' $tmp/1.json | grep -qx $nres && grep -c '\"type\":\"finding\"' $tmp/1.json | grep -qx $nfind"
# a negative control: the DTD check rejects a port without its state
sed 's|<state state="open"[^>]*/>||' "$tmp/1.xml" >"$tmp/bad.xml"
ok 7 "xmllint rejects nmap XML whose port lacks its state (the check can fail)" \
	sh -c "! xmllint --noout --dtdvalid $DTD $tmp/bad.xml"
