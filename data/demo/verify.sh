#!/bin/sh
# The built-in demo: a simulated AWS account (data/demo/account.json, served
# by the project's fake AWS endpoint on 127.0.0.1) whose ECS services,
# bridge task and load balancer all live on 127.0.10.x.  Small listeners play
# the services; one unexpected port is open and one declared port is down.
# ecsprobe pulls the inventory, then verifies it.  No root, no AWS account;
# nothing leaves this machine.
# Usage: verify.sh ECSPROBE EP_LISTEN SRCDIR
# SRCDIR is the source tree, or an installed copy (/usr/share/ecsprobe, where
# the fake AWS endpoint sits in data/demo/fakeaws/).
set -u
EP=$1 LISTEN=$2 SRC=$3
FAKEAWS=$SRC/tests/fakeaws/fakeaws.py
[ -f "$FAKEAWS" ] || FAKEAWS=$SRC/data/demo/fakeaws/fakeaws.py
tmp=$(mktemp -d)
trap 'kill $fpid $lpid 2>/dev/null; rm -rf "$tmp"' EXIT
command -v python3 >/dev/null && python3 -c 'import botocore' 2>/dev/null ||
	{ echo "demo: needs python3 and python3-botocore (.ci/install-deps installs them)" >&2; exit 2; }
python3 "$FAKEAWS" --scenario "$SRC/data/demo/account.json" --port-file "$tmp/port" \
	>"$tmp/fake.log" 2>&1 &
fpid=$!
# the services: web :80, api :9000 is down (not started), worker's dynamic host
# port :7005, the load balancer :443; and three nobody declared: redis on the
# web task (:6379), an ops tool on the api task (:7003) and a debug console
# behind the load balancer (:8443)
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.4 443\n127.0.10.4 8443\n' >"$tmp/listen"
"$LISTEN" -r "$tmp/ready" "$tmp/listen" >/dev/null &
lpid=$!
i=0
while [ ! -s "$tmp/port" ] || [ ! -f "$tmp/ready" ]; do
	sleep 0.1
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: the fake AWS endpoint or the listeners did not start" >&2; exit 2; }
done
url="http://127.0.0.1:$(cat "$tmp/port")"
export AWS_ACCESS_KEY_ID=AKIAFAKEDEMO00000001 AWS_SECRET_ACCESS_KEY=fakeDemoSecret00000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$url"
echo "\$ ecsprobe inventory --endpoint-url $url -o demo-inventory.json"
"$EP" inventory --endpoint-url "$url" -o demo-inventory.json || exit $?
echo
echo "\$ ecsprobe verify --inventory demo-inventory.json --source-ip 127.0.0.1 -o ndjson:demo.ndjson"
"$EP" verify --inventory demo-inventory.json --source-ip 127.0.0.1 --rate 20000 --timeout 500 \
	-o ndjson:demo.ndjson
st=$?
echo
echo "verify exited with status $st (0 clean, 1 findings at or above --fail-on high)."
echo "Every probe result and finding is in demo.ndjson; the inventory in demo-inventory.json."
[ $st -le 1 ]
