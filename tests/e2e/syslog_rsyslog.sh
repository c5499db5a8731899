#!/bin/bash
# The syslog outputs against a real rsyslogd (Debian's, with rsyslog-gnutls)
# in a throw-away network namespace: UDP, TCP (octet-counted) and TLS inputs
# write the raw messages and rsyslog's own parse of the structured data
# (mmpstrucdata) to files; every finding of `ecsprobe verify` must arrive
# intact on each, a wrong CA must fail clearly, an outage must spool and
# `ecsprobe flush` must deliver it, and a receiver killed mid-run and
# restarted must lose nothing (duplicates only with the same event id).
# TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
D="$SRC/tests/data/verify"
SDID='ecsprobe@32473'

need_fail() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - $1 (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}
if [ -z "${EP_SYSLOG_IN_NETNS:-}" ]; then
	command -v rsyslogd >/dev/null || need_fail "needs rsyslogd (apt-get install rsyslog rsyslog-gnutls)"
	[ -n "$(find /usr/lib -name lmnsd_gtls.so 2>/dev/null | head -1)" ] ||
		need_fail "needs rsyslog-gnutls (rsyslog's TLS driver)"
	command -v openssl >/dev/null || need_fail "needs openssl to make test certificates"
	command -v jq >/dev/null || need_fail "needs jq"
	if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
		need_fail "needs root for a network namespace"
	fi
	EP_SYSLOG_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi
ip link set lo up
tmp=$(mktemp -d)
rspid=
lpid=
cleanup() {
	[ -n "$rspid" ] && kill -KILL "$rspid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/# /' "$@" | tail -15; }
echo "1..18"

# ---- certificates: a test CA, a server certificate for 127.0.0.1, another CA
(
	cd "$tmp" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=ecsprobe test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj "/CN=localhost" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext.cnf &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out server.pem -days 2 -extfile ext.cnf &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
			-subj "/CN=some other CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
			-subj "/CN=ecsprobe-client" &&
		printf 'extendedKeyUsage=clientAuth\n' >client.cnf &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out client.pem -days 2 -extfile client.cnf
) >"$tmp/openssl.log" 2>&1 || { show "$tmp/openssl.log"; exit 1; }

# ---- rsyslogd: its own config, work dir and pid file; per input a raw file
# and a JSON line with msgid, msg and the structured data as rsyslog parsed it
mkdir -p "$tmp/work"
cat >"$tmp/rs.conf" <<EOF
global(workDirectory="$tmp/work" net.enableDNS="off" maxMessageSize="64k"
  DefaultNetstreamDriverCAFile="$tmp/ca.pem" DefaultNetstreamDriverCertFile="$tmp/server.pem"
  DefaultNetstreamDriverKeyFile="$tmp/server.key")
module(load="imudp")
module(load="imtcp" maxSessions="100")
module(load="mmpstrucdata")
template(name="raw" type="string" string="%rawmsg%\n")
template(name="json" type="string"
  string="{\"msgid\":\"%msgid%\",\"app\":\"%app-name%\",\"pri\":%pri%,\"msg\":\"%msg:::json%\",\"sd\":%\$!rfc5424-sd%}\n")
EOF
for in in udp tcp tls mtls; do
	cat >>"$tmp/rs.conf" <<EOF
ruleset(name="r_$in") {
  action(type="mmpstrucdata" sd_name.lowercase="off")
  action(type="omfile" file="$tmp/$in.raw" template="raw")
  action(type="omfile" file="$tmp/$in.json" template="json")
}
EOF
done
cat >>"$tmp/rs.conf" <<EOF
input(type="imudp" address="127.0.0.1" port="514" ruleset="r_udp")
input(type="imtcp" address="127.0.0.1" port="514" ruleset="r_tcp")
input(type="imtcp" address="127.0.0.1" port="6514" ruleset="r_tls"
  streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="6515" ruleset="r_mtls"
  streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
EOF
rs_start() {
	(ulimit -n 1024 && exec rsyslogd -n -f "$tmp/rs.conf" -i "$tmp/rs.pid") >>"$tmp/rs.log" 2>&1 &
	rspid=$!
	for _ in $(seq 200); do
		ss -ltn | grep -q '127.0.0.1:6514 ' && ss -ltn | grep -q '127.0.0.1:514 ' &&
			ss -ltn | grep -q '127.0.0.1:6515 ' &&
			ss -lun | grep -q '127.0.0.1:514 ' && return 0
		sleep 0.05
	done
	return 1
}
rs_stop() { # signal, then wait for it to have written everything and exited
	kill "-$1" "$rspid" 2>/dev/null
	wait "$rspid" 2>/dev/null
	rspid=
	rm -f "$tmp/rs.pid"
}
# lines of FILE reach N (rsyslog writes asynchronously)
wait_lines() {
	for _ in $(seq 100); do
		[ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
if rs_start; then ok "rsyslogd listens on UDP 514, TCP 514, TLS 6514 and TLS 6515 (client certificates)"; else nok "rsyslogd did not start"; show "$tmp/rs.log"; exit 1; fi

# ---- the lab account, one service renamed to carry SD specials (" ] \)
sed 's/"service:web"/"service:we\\"b]\\\\z"/' "$D/lab.json" >"$tmp/lab.json"
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.3 40000\n127.0.10.4 443\n127.0.10.4 8443\n127.0.10.12 7003\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
verify() {
	"$EP" verify --inventory "$tmp/lab.json" --source-ip 127.0.0.1 --rate 20000 --timeout 300 \
		--no-progress -q "$@"
}
verify -o "ndjson:$tmp/v.ndjson" -o syslog://127.0.0.1:514 -o syslog+tcp://127.0.0.1:514 \
	-o "syslog+tls://127.0.0.1:6514?ca=$tmp/ca.pem" >"$tmp/v.out" 2>"$tmp/v.err"
st=$?
if [ $st = 1 ]; then ok "verify to UDP, TCP and TLS at once: exit 1 (findings), nothing spooled or dropped"; else nok "verify exit $st, want 1"; show "$tmp/v.err"; fi

# what each finding must look like: from the NDJSON output
# (port only for one contiguous range; ports, the whole list, always)
jq -r 'select(.type == "finding") |
	(.ports | map(if .[0] == .[1] then "\(.[0])" else "\(.[0])-\(.[1])" end) | join(",")) as $p |
	"\(.id)|\(.kind)|\(.severity)|\(.address)|\(if (.ports | length) == 1 then $p else "-" end)|\($p)|\(.port_count)|\(.proto)|\(.owner)|\(.account)|\(.region)|\(.evidence)|\(.severity) \(.kind) \(.address) \(.proto)/\($p) \(.owner): \(.message)"' \
	"$tmp/v.ndjson" | LC_ALL=C sort >"$tmp/want"
# and what rsyslog parsed out of the messages
got() {
	jq -r --arg sd "$SDID" 'select(.msgid == "finding") | .sd[$sd] as $f |
		"\($f.id)|\($f.kind)|\($f.severity)|\($f.address)|\($f.port // "-")|\($f.ports)|\($f.portCount)|\($f.proto)|\($f.owner)|\($f.account)|\($f.region)|\($f.evidence)|\(.msg)"' \
		"$1" | LC_ALL=C sort -u
}
nwant=$(wc -l <"$tmp/want")
if grep -q 'we"b]\\z' "$tmp/want"; then ok "a finding's owner carries '\"', ']' and '\\'"; else nok "the renamed service is not in the findings"; fi
for in in tcp tls udp; do
	wait_lines "$tmp/$in.json" 13
	if [ "$nwant" = 7 ] && diff "$tmp/want" <(got "$tmp/$in.json") >"$tmp/diff.$in"; then
		ok "$in: all 7 findings arrived intact (id, kind, severity, address, ports, owner with \" ] \\, evidence, MSG)"
	else
		nok "$in: findings differ ($nwant expected)"
		show "$tmp/diff.$in"
	fi
done
# open ports go too (results=open), as MSGID result with the result's fields
want_open=$(jq -r 'select(.type == "result" and .state == "open") | "\(.address):\(.port)"' "$tmp/v.ndjson" | sort | tr '\n' ' ')
got_open=$(jq -r --arg sd "$SDID" 'select(.msgid == "result") | .sd[$sd] | select(.state == "open") | "\(.address):\(.port)"' "$tmp/tcp.json" | sort | tr '\n' ' ')
if [ -n "$want_open" ] && [ "$want_open" = "$got_open" ]; then ok "open ports arrive as results ($got_open)"; else nok "results: want '$want_open' got '$got_open'"; fi
# framing: each octet-counted frame is one message starting "<PRI>1 ", and
# every message carries a distinct eventID; severity maps to PRI (local0)
bad=$(grep -cv '^<1[3-9][0-9]>1 [0-9T:.-]*Z [^ ]* ecsprobe [0-9]* \(finding\|result\) \[ecsprobe@32473 eventID="[0-9a-f]\{32\}" ' "$tmp/tcp.raw")
ids=$(grep -o 'eventID="[0-9a-f]*"' "$tmp/tcp.raw" | sort -u | wc -l)
crit=$(jq -r --arg sd "$SDID" 'select(.sd[$sd].severity == "critical") | .pri' "$tmp/tcp.json" | sort -u)
if [ "$bad" = 0 ] && [ "$ids" = "$(wc -l <"$tmp/tcp.raw")" ] && [ "$crit" = 130 ]; then
	ok "TCP frames: one RFC 5424 message each, distinct eventIDs, critical = local0.crit (130)"
else
	nok "framing: $bad malformed, $ids ids, critical PRI '$crit'"
	show "$tmp/tcp.raw"
fi

# ---- TLS with the wrong CA: clear error, exit 4, nothing delivered
before=$(wc -l <"$tmp/tls.raw")
verify -o "syslog+tls://127.0.0.1:6514?ca=$tmp/other.pem" >/dev/null 2>"$tmp/ca.err"
st=$?
if [ $st = 4 ] && grep -q "server certificate does not verify" "$tmp/ca.err" &&
	grep -q "13 events dropped" "$tmp/ca.err" && [ "$(wc -l <"$tmp/tls.raw")" = "$before" ]; then
	ok "TLS with a CA that did not sign the server: exit 4, 'does not verify', nothing sent"
else
	nok "wrong CA: exit $st"
	show "$tmp/ca.err"
fi
"$EP" scan 127.0.0.1 -p 1 -q -o "syslog+tls://127.0.0.1:6514?ca=$tmp/nonexistent.pem" >/dev/null 2>"$tmp/ca2.err"
st=$?
if [ $st = 2 ] && grep -q "nonexistent.pem: cannot load" "$tmp/ca2.err"; then ok "an unreadable ca= fails at once (exit 2)"; else nok "ca= missing: exit $st"; show "$tmp/ca2.err"; fi

# ---- a receiver that wants a client certificate
verify -o "syslog+tls://127.0.0.1:6515?ca=$tmp/ca.pem" >/dev/null 2>"$tmp/m0.err"
st=$?
if [ $st = 4 ] && grep -q "does it want a client certificate" "$tmp/m0.err" && [ ! -s "$tmp/mtls.json" ]; then
	ok "TLS without the client certificate the receiver wants: exit 4, says why"
else
	nok "no client certificate: exit $st"
	show "$tmp/m0.err"
fi
verify -o "syslog+tls://127.0.0.1:6515?ca=$tmp/ca.pem&cert=$tmp/client.pem&key=$tmp/client.key" >/dev/null 2>"$tmp/m.err"
st=$?
wait_lines "$tmp/mtls.json" 14
if [ $st = 1 ] && diff -q <(cut -d'|' -f1 "$tmp/want") <(got "$tmp/mtls.json" | cut -d'|' -f1) >/dev/null &&
	! grep -q "$(cut -c1-20 "$tmp/client.key" | sed -n 2p)" "$tmp/m.err"; then
	ok "TLS with cert= and key=: the receiver verifies the client and gets all 7 findings"
else
	nok "client certificate: exit $st"
	show "$tmp/m.err"
fi

# ---- outage: receiver down at start -> spooled, exit 4; then flush
rs_stop TERM
spool="$tmp/spool"
verify -o "ndjson:$tmp/o.ndjson" -o syslog+tcp://127.0.0.1:514 --spool "$spool" >/dev/null 2>"$tmp/o.err"
st=$?
if [ $st = 4 ] && grep -q "13 events not delivered, kept in the spool $spool" "$tmp/o.err" &&
	[ -n "$(ls "$spool"/*.spool 2>/dev/null)" ]; then
	ok "receiver down: the 13 events are spooled and the exit status is 4"
else
	nok "outage: exit $st"
	show "$tmp/o.err"
fi
"$EP" flush --spool "$spool" --wait 1500 >/dev/null 2>"$tmp/f0.err"
st=$?
if [ $st = 4 ] && grep -q "0 events delivered, 13 left" "$tmp/f0.err"; then ok "flush with the receiver still down: exit 4, 13 left"; else nok "flush while down: exit $st"; show "$tmp/f0.err"; fi
rs_start || { nok "rsyslogd restart"; show "$tmp/rs.log"; }
: >"$tmp/tcp.json.before"
cp "$tmp/tcp.json" "$tmp/tcp.json.before"
"$EP" flush --spool "$spool" >/dev/null 2>"$tmp/f.err"
st=$?
jq -r 'select(.type == "finding") | .id' "$tmp/o.ndjson" | sort >"$tmp/o.want"
wait_lines "$tmp/tcp.json" $(($(wc -l <"$tmp/tcp.json.before") + 13))
jq -r --arg sd "$SDID" 'select(.msgid == "finding") | .sd[$sd].id' <(tail -n +"$(($(wc -l <"$tmp/tcp.json.before") + 1))" "$tmp/tcp.json") | sort >"$tmp/o.got"
scan_id=$(jq -r 'select(.type == "header") | .scan_id' "$tmp/o.ndjson")
if [ $st = 0 ] && grep -q "13 events delivered, 0 left" "$tmp/f.err" && diff -q "$tmp/o.want" "$tmp/o.got" >/dev/null &&
	[ "$(jq -r --arg sd "$SDID" '.sd[$sd].scanID' <(tail -n 13 "$tmp/tcp.json") | sort -u)" = "$scan_id" ]; then
	ok "receiver back: flush delivers the spooled findings with their run's scan id, exit 0"
else
	nok "flush: exit $st"
	show "$tmp/f.err"
	diff "$tmp/o.want" "$tmp/o.got" | show
fi
if [ -z "$(ls "$spool" 2>/dev/null)" ] && "$EP" flush --spool "$spool" 2>/dev/null; then ok "the spool is empty afterwards and a second flush exits 0"; else nok "spool left: $(ls "$spool")"; fi

# ---- the receiver killed (SIGKILL) mid-run and restarted: nothing lost
: >"$tmp/tcp.raw"
: >"$tmp/tcp.json"
start=$(date +%s.%N)
"$EP" scan 127.0.0.1 -p 1-12000 --mode connect --rate 4000 --no-progress -q --spool "$spool" \
	-o "syslog+tcp://127.0.0.1:514?results=all" >/dev/null 2>"$tmp/k.err" &
spid=$!
sleep 1.2
rs_stop KILL
sleep 1
rs_start || nok "rsyslogd restart after the kill"
wait $spid
st=$?
if [ $st != 0 ]; then
	"$EP" flush --spool "$spool" >/dev/null 2>>"$tmp/k.err"
	st=$?
fi
end=$(date +%s.%N)
wait_lines "$tmp/tcp.raw" 12000
distinct=$(grep -o 'port="[0-9]*"' "$tmp/tcp.raw" | sort -u | wc -l)
ids=$(grep -o 'eventID="[0-9a-f]*"' "$tmp/tcp.raw" | sort -u | wc -l)
uniq_msgs=$(sort -u "$tmp/tcp.raw" | wc -l)
total=$(wc -l <"$tmp/tcp.raw")
if [ $st = 0 ] && [ "$distinct" = 12000 ] && [ "$ids" = 12000 ] && [ "$uniq_msgs" = 12000 ]; then
	ok "receiver killed mid-run: all 12000 results arrived ($((total - 12000)) duplicates, each identical with its eventID)"
else
	nok "kill mid-run: exit $st, $distinct ports, $ids ids, $uniq_msgs distinct messages of $total"
	show "$tmp/k.err"
fi
grep -q "delivery failing" "$tmp/k.err" && ok "the outage was noticed and reported" || { nok "no outage noticed"; show "$tmp/k.err"; }
echo "# kill test: $total messages in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
exit 0
