#!/bin/bash
# bench/estate.sh - verify at estate scale, not a test: the project's
# generator (tests/fakeaws/scenarios/gen_large.py --loopback, 2 regions, the
# mix of the estate issue: per region ENIS interfaces, ENIS/10 groups, 300
# services, ENIS tasks) served by the fake AWS endpoint, then for each size:
#   inventory        the live pull (fake endpoint on loopback)
#   plan             ecsprobe plan
#   verify --dry-run the plan of verify (model, admissions, intent, targets)
#   merge + judge    verify --states over NSHARDS synthetic shard files
#                    (bench/statesgen: every planned probe closed, 1 in 9973
#                    open, every UDP port of 1 address in 7 open|filtered),
#                    i.e. everything verify does except the probing, for
#                    N = 1, 2 and 4 shards; the findings of each N are
#                    compared (id, kind, severity, address, proto, ports, owner)
# and, on a small estate (SMALL_ENIS interfaces, one region) inside a private
# network namespace (loopback only): a real verify on 1 process and split
# over 2 and 4 processes (--shard I/N, run concurrently) merged with
# --states, whose findings must equal the single run's.
# Wall time and peak RSS come from /usr/bin/time.  Results: bench/results/estate.md.
# Needs root for the namespace part (skipped with a note otherwise).
# Environment: ECSPROBE, STATESGEN, SIZES (default "5000 25000 50000" ENIs per
# region = 10k 50k 100k interfaces), SMALL_ENIS (default 100).
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
EP=${ECSPROBE:-$top/ecsprobe}
SG=${STATESGEN:-$top/bench/statesgen}
SIZES=${SIZES:-5000 25000 50000}
SMALL_ENIS=${SMALL_ENIS:-100}
OUT=${BENCH_ESTATE_RESULTS:-$here/results/estate.md}
W=$(mktemp -d /var/tmp/ecsprobe-estate.XXXXXX)
fpid=
trap 'kill $fpid 2>/dev/null; rm -rf "$W"' EXIT
die() { echo "bench: $*" >&2; exit 1; }
for t in python3 jq /usr/bin/time; do command -v "$t" >/dev/null || die "$t is not installed"; done
[ -x "$EP" ] && [ -x "$SG" ] || die "build first: make ecsprobe bench/statesgen"

# t NAME CMD...: runs CMD, records "wall_s rss_mib" in $W/NAME.t
t() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$W/$name.t" "$@"
	local rc=$?
	tail -n 1 "$W/$name.t" | awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' >"$W/$name.tt"
	return $rc
}
wall() { cut -d' ' -f1 "$W/$1.tt"; }
rss() { cut -d' ' -f2 "$W/$1.tt"; }
ids() { jq -r 'select(.type == "finding") | "\(.id) \(.kind) \(.severity) \(.address) \(.proto) \(.ports) \(.owner)"' "$1" | sort; }

start_fake() { # start_fake SCENARIO
	kill $fpid 2>/dev/null
	rm -f "$W/port"
	python3 "$top/tests/fakeaws/fakeaws.py" --scenario "$1" --port-file "$W/port" >"$W/fake.log" 2>&1 &
	fpid=$!
	for _ in $(seq 600); do [ -s "$W/port" ] && break; sleep 0.1; done
	[ -s "$W/port" ] || die "fake AWS did not start: $(tail -3 "$W/fake.log")"
	export AWS_ACCESS_KEY_ID=$(jq -r '.accounts[0].access_keys[0].AccessKeyId' "$1")
	export AWS_SECRET_ACCESS_KEY=$(jq -r '.accounts[0].access_keys[0].SecretAccessKey' "$1")
	RLIST=$(jq -r '[.accounts[0].regions[]] | join(",")' "$1")
	export AWS_DEFAULT_REGION=${RLIST%%,*} AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null
	URL="http://127.0.0.1:$(cat "$W/port")"
}

{
	echo "# Estate scale: inventory, plan, verify"
	echo
	echo "\`bash bench/estate.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d). Generator:"
	echo "\`gen_large.py --loopback --regions 2 --enis E --sgs E/10 --services 300 --tasks E\`."
	echo "Every column is one run; wall seconds and peak RSS (MiB) from /usr/bin/time."
	echo "\"merge + judge\" is \`verify --states\` over synthetic shard states (bench/statesgen):"
	echo "everything verify does except sending probes."
	echo
	echo "| interfaces | planned probes | inventory s / MiB | plan s / MiB | verify --dry-run s / MiB | merge + judge, 1 shard s / MiB | 2 shards | 4 shards | findings | shards agree | per 1k interfaces (merge + judge) |"
	echo "|---:|---:|---|---|---|---|---|---|---:|---|---:|"
} >"$W/table"

for enis in $SIZES; do
	n=$((enis * 2))
	python3 "$top/tests/fakeaws/scenarios/gen_large.py" --loopback --regions 2 --enis "$enis" \
		--sgs $((enis / 10)) --services 300 --tasks "$enis" -o "$W/s.json" || die "generator failed"
	start_fake "$W/s.json"
	t inv "$EP" inventory --endpoint-url "$URL" --regions "$RLIST" --api-rate 500 -o "$W/inv.json" \
		2>"$W/inv.err" || die "inventory failed: $(tail -2 "$W/inv.err")"
	kill $fpid 2>/dev/null
	fpid=
	t plan "$EP" plan --inventory "$W/inv.json" --source-ip 127.0.0.1 >"$W/plan.out" || die "plan failed"
	t dry "$EP" verify --inventory "$W/inv.json" --source-ip 127.0.0.1 --extra-ports '' --dry-run \
		--max-probes 100000000000 >"$W/dry.out" 2>&1 || die "verify --dry-run failed"
	probes=$(sed -n 's/^verify: dry run, nothing sent: [0-9]* addresses, \([0-9]*\) probes/\1/p' "$W/dry.out")
	row="| $n | $probes | $(wall inv) / $(rss inv) | $(wall plan) / $(rss plan) | $(wall dry) / $(rss dry)"
	agree=yes
	for k in 1 2 4; do
		rm -f "$W"/st-*.ndjson
		"$SG" "$W/inv.json" 127.0.0.1 "$k" "$W/st-" >/dev/null || die "statesgen failed"
		args=()
		for f in "$W"/st-*.ndjson; do args+=(--states "$f"); done
		t "merge$k" "$EP" verify --inventory "$W/inv.json" --source-ip 127.0.0.1 --extra-ports '' \
			-q -o "ndjson:$W/m$k.ndjson" "${args[@]}" >/dev/null 2>"$W/merge$k.err"
		[ $? -le 1 ] || die "merge of $k failed: $(tail -2 "$W/merge$k.err")"
		ids "$W/m$k.ndjson" >"$W/m$k.ids"
		[ "$k" = 1 ] || cmp -s "$W/m1.ids" "$W/m$k.ids" || agree=no
		row="$row | $(wall "merge$k") / $(rss "merge$k")"
	done
	per=$(awk -v w="$(wall merge1)" -v n="$n" 'BEGIN { printf "%.3f s", w / n * 1000 }')
	echo "$row | $(wc -l <"$W/m1.ids") | $agree | $per |" >>"$W/table"
	echo "bench: $n interfaces done" >&2
done
if [ -n "$SIZES" ]; then
	cp "$W/table" "$OUT"
	cat "$OUT"
fi

# a real sharded verify on a small estate, probing loopback in a namespace
OUTP=${BENCH_ESTATE_PROBING_RESULTS:-$here/results/estate-probing.md}
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	python3 "$top/tests/fakeaws/scenarios/gen_large.py" --loopback --regions 1 --enis "$SMALL_ENIS" \
		--sgs $((SMALL_ENIS / 10 + 1)) --services 30 --tasks "$SMALL_ENIS" -o "$W/small.json" ||
		die "generator failed"
	start_fake "$W/small.json"
	"$EP" inventory --endpoint-url "$URL" --regions "$RLIST" -o "$W/small-inv.json" 2>/dev/null ||
		die "small inventory failed"
	kill $fpid 2>/dev/null
	fpid=
	cat >"$W/small.sh" <<EOF
ip link set lo up
common="--inventory $W/small-inv.json --source-ip 127.0.0.1 --rate 400000 --timeout 300 --retries 1 --no-progress -q --max-probes 100000000"
/usr/bin/time -f "%e %M" -o "$W/p1.t" "$EP" verify \$common --save-states $W/p1.st -o ndjson:$W/p1.ndjson >/dev/null 2>"$W/p1.err"
"$EP" verify \$common --states $W/p1.st -o ndjson:$W/p1m.ndjson >/dev/null 2>"$W/p1m.err"
"$EP" verify \$common -o ndjson:$W/p1b.ndjson >/dev/null 2>"$W/p1b.err"
for k in 2 4; do
	/usr/bin/time -f "%e" -o "$W/p\$k.t" sh -c "
		for i in \\\$(seq 1 \$k); do
			\"$EP\" verify \$common --seed 9 --shard \\\$i/\$k --save-states $W/p\$k-\\\$i.st >/dev/null 2>\"$W/p\$k-\\\$i.err\" &
		done
		wait"
	args=""
	for i in \$(seq 1 \$k); do args="\$args --states $W/p\$k-\$i.st"; done
	/usr/bin/time -f "%e %M" -o "$W/p\$k.m" "$EP" verify \$common \$args -o ndjson:$W/p\$k.ndjson >/dev/null 2>"$W/p\$k.merr"
done
EOF
	unshare -n bash "$W/small.sh"
	for f in p1 p1m p1b p2 p4; do ids "$W/$f.ndjson" >"$W/$f.ids"; done
	differ() { diff "$W/p1.ids" "$W/$1.ids" | grep -c '^[<>]'; }
	of() { jq -r 'select(.type == "summary") | .counts["open|filtered"]' "$1" 2>/dev/null | tail -n 1; }
	probes_small=$(jq -r 'select(.type == "summary") | .probes_total' "$W/p1.ndjson")
	{
		echo "# Estate: verify split over processes, probing for real"
		echo
		echo "\`bash bench/estate.sh\` (its second part), $(date -u +%Y-%m-%d): $SMALL_ENIS interfaces (one region),"
		echo "$probes_small probes to 127.0.0.0/8 inside a private namespace, --rate 400000 per process,"
		echo "the processes of a split running at once on the $(nproc) cores."
		echo
		echo "| run | wall s | peak MiB | findings | lines differing from run A |"
		echo "|---|---:|---:|---:|---:|"
		echo "| A: 1 process (--save-states) | $(tail -n 1 "$W/p1.t" | awk '{ printf "%s | %.0f", $1, $2 / 1024 }') | $(wc -l <"$W/p1.ids") | - |"
		echo "| A': --states of A's own states (merge + judge only) | - | - | $(wc -l <"$W/p1m.ids") | $(differ p1m) |"
		echo "| B: 1 process again | - | - | $(wc -l <"$W/p1b.ids") | $(differ p1b) |"
		for k in 2 4; do
			echo "| $k processes (--shard I/$k), then the merge | $(tail -n 1 "$W/p$k.t") probing, $(tail -n 1 "$W/p$k.m" | awk '{ printf "%s merging | %.0f", $1, $2 / 1024 }') | $(wc -l <"$W/p$k.ids") | $(differ "p$k") |"
		done
		echo
		echo "UDP ports left open|filtered: A $(of "$W/p1.ndjson"), B $(of "$W/p1b.ndjson"), 2 processes $(of "$W/p2.ndjson"), 4 $(of "$W/p4.ndjson")."
		echo "A' equals A when its difference is 0 (the merge and the judge of real states are exact);"
		echo "B shows how much two runs of the same probes differ on their own (a UDP port whose ICMP"
		echo "error is lost stays open|filtered, which moves the edges of latent ranges): the floor"
		echo "for the split runs' differences. Split and single runs are checked equal, byte for byte,"
		echo "where probing is deterministic: tests/e2e/verify_udp_netns.sh, s3.sh and deploy_flow.sh."
	} >"$OUTP"
	cat "$OUTP"
fi
