#!/bin/bash
# The split verify examples run for real, locally: the commands come out of
# data/deploy/kubernetes-verify-shards.yaml (after Kubernetes' $(VAR)
# expansion, with JOB_COMPLETION_INDEX 0..N-1 and the pod's environment) and
# data/deploy/aws-batch/ (Ref:: parameters substituted, the shards' sh -c
# wrapper run with AWS_BATCH_JOB_ARRAY_INDEX/SIZE), so this breaks when the
# examples' commands break.  s3://BUCKET/KEY becomes a file under a
# temporary directory (ecsprobe reads no s3:// yet), the ConfigMap's intent
# a file, --source-ip 127.0.0.1.  N shard processes, the merge's wait script
# (with a stand-in `aws` that counts those files), then the merge, whose
# findings and exit status must be those of one unsplit verify.  The
# inventory is tests/data/verify/lab.json (addresses 127.0.10.x) with
# listeners planted as in verify_netns.sh; everything runs in a network
# namespace of its own: probes reach only its loopback.  Needs root.  TAP.
set -u
EP=${ECSPROBE:-./ecsprobe}
LISTEN=${EP_LISTEN:-tests/lab/ep_listen}
SRC=${top_srcdir:-.}
K8S_SRC="$SRC/data/deploy/kubernetes-verify-shards.yaml"
BATCH="$SRC/data/deploy/aws-batch"
CHECK="$SRC/tests/deploy/deploy_check.py"
LAB="$SRC/tests/data/verify/lab.json"
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - $1 (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}
if [ -z "${EP_DEPLOY_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
		skip_or_fail "needs root for a network namespace"
	fi
	EP_DEPLOY_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi
PY=
for p in ${DEPLOY_PYTHON:-} /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || skip_or_fail "needs python3-yaml"
command -v jq >/dev/null || skip_or_fail "needs jq"
case $EP in /*) ;; *) EP="$(pwd)/$EP" ;; esac

ip link set lo up
# closed UDP ports answer every probe (the same answers in every run)
sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000000 \
	net.ipv4.icmp_msgs_burst=100000000 2>/dev/null
W=$(mktemp -d)
lpid=
trap '[ -n "$lpid" ] && kill $lpid 2>/dev/null; rm -rf "$W"' EXIT
printf '127.0.10.1 80\n127.0.10.1 6379\n127.0.10.2 7003\n127.0.10.3 7005\n127.0.10.3 40000\n127.0.10.4 443\n127.0.10.4 8443\n127.0.10.12 7003\n' >"$W/listen"
"$LISTEN" -r "$W/ready" "$W/listen" >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 50); do [ -f "$W/ready" ] && break; sleep 0.1; done
# no index or count from the caller's environment: each run gets its own
unset JOB_COMPLETION_INDEX ECSPROBE_SHARDS AWS_BATCH_JOB_ARRAY_INDEX AWS_BATCH_JOB_ARRAY_SIZE
export ECSPROBE_NOW=1796000000 # the intent's exception expiry is judged on 2026-11-30

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /' "$@" | head -n 12; }
check() { "$PY" "$CHECK" "$@"; }
findings() { jq -r 'select(.type == "finding") | "\(.id) \(.kind) \(.severity) \(.address) \(.proto) \(.ports) \(.owner)"' "$1" | LC_ALL=C sort; }
# value of option $1 in the argv that follows
optval() {
	local o=$1
	shift
	while [ $# -gt 1 ]; do
		[ "$1" = "$o" ] && { echo "$2"; return; }
		shift
	done
}
# parts OUTFILES...: "COUNT SUM P" from the shards' "shard I/N: X of P planned
# probes measured" lines
parts() {
	sed -n 's/^verify: shard [0-9]*\/[0-9]*: \([0-9]*\) of \([0-9]*\) planned probes measured.*/\1 \2/p' "$@" |
		awk '{ s += $1; p = $2 } END { print NR, s, p }'
}

echo "1..11"

# ---- Kubernetes ----
# as data/deploy/README.md says: a RUN_ID of this run for the placeholder
RUN=flow-20261130t000000z
sed "s/REPLACE_WITH_RUN_ID/$RUN/g" "$K8S_SRC" >"$W/k8s.yaml"
K8S="$W/k8s.yaml"
R="$W/k8s"
N=$(check k8s-count "$K8S")
inv=$(check k8s-prepare "$K8S" "$R" | tr -d '\0') # the ConfigMap's intent.json as a file
cp "$LAB" "$inv"
pids=()
for ((i = 0; i < N; i++)); do
	mapfile -d '' argv < <(check k8s-argv "$K8S" shard "$R" --index $i --source-ip 127.0.0.1 --ecsprobe "$EP")
	mapfile -d '' envv < <(check k8s-env "$K8S" shard --index $i)
	(env "${envv[@]}" "${argv[@]}" >"$W/k8s-shard$i.out" 2>"$W/k8s-shard$i.err"; echo $? >"$W/k8s-shard$i.rc") &
	pids+=($!)
done
wait "${pids[@]}"
rcs=$(cat "$W"/k8s-shard*.rc | tr -d '\n')
set -- $(parts "$W"/k8s-shard*.out)
save=$(optval --save-states "${argv[@]}")
states_dir=${save%/*}
results=$(optval -o "${argv[@]}")
results_dir=$(dirname "${results#ndjson:}")
if [ "$rcs" = "$(printf '0%.0s' $(seq "$N"))" ] && [ "$1" = "$N" ] && [ "$2" = "$3" ] && [ "$2" -gt 0 ] &&
	[ "$(ls "$states_dir" | wc -l)" = "$N" ] && [ "$(ls "$results_dir" | wc -l)" = "$N" ] &&
	! grep -q '"type":"finding"' "$results_dir"/*; then
	ok "Kubernetes: $N shard pods (JOB_COMPLETION_INDEX 0-$((N - 1)), ECSPROBE_SHARDS $N) exit 0; $2 of $3 planned probes between them; $N states files, $N results files, no findings"
else
	nok "Kubernetes shards: exit statuses $rcs, parts '$*'"
	diag "$W/k8s-shard0.err"
fi

# the merge's init container: its script, its environment, a stand-in aws
# that counts the files under the bucket's directory
mkdir -p "$W/fakebin"
cat >"$W/fakebin/aws" <<'EOF'
#!/bin/sh
# stand-in: `aws s3api list-objects-v2 --bucket B --prefix P ...` prints how many objects
[ "$1 $2" = "s3api list-objects-v2" ] || { echo "fake aws: unexpected: $*" >&2; exit 255; }
shift 2
while [ $# -gt 0 ]; do
	case $1 in
	--bucket) b=$2; shift 2 ;;
	--prefix) p=$2; shift 2 ;;
	*) shift ;;
	esac
done
find "$FAKE_S3/$b" -type f -path "$FAKE_S3/$b/$p*" 2>/dev/null | wc -l
EOF
chmod +x "$W/fakebin/aws"
mapfile -d '' wargv < <(check k8s-argv "$K8S" wait "$R")
mapfile -d '' wenv < <(check k8s-env "$K8S" wait)
wait_run() { # wait_run NAME [VAR=VALUE...]: the init container, quicker
	local name=$1
	shift
	timeout 30 env "${wenv[@]}" POLL_SECONDS=1 WAIT_SECONDS=2 "$@" PATH="$W/fakebin:$PATH" FAKE_S3="$R/s3" \
		"${wargv[@]}" >"$W/$name.out" 2>"$W/$name.err"
	echo $?
}
st=$(wait_run wait)
if [ "$st" = 0 ] && grep -q "^wait-for-shards: $N of $N shards' states in s3://" "$W/wait.out"; then
	ok "Kubernetes: the merge's wait counts $N states objects under the shards' prefix and lets the merge start"
else
	nok "the wait: exit $st"
	diag "$W/wait.out" "$W/wait.err"
fi
mkdir -p "$W/aside"
last=$(ls "$states_dir" | tail -n 1)
mv "$states_dir/$last" "$W/aside/"
st=$(wait_run wait-short)
if [ "$st" = 1 ] && grep -q "$((N - 1)) of $N shards' states in s3://.* after 2 s" "$W/wait-short.err"; then
	ok "Kubernetes: with a shard's states missing the wait gives up at its deadline, exit 1"
else
	nok "the wait with $((N - 1)) states: exit $st"
	diag "$W/wait-short.out" "$W/wait-short.err"
fi
cp "$W/aside/$last" "$states_dir/$last"
cp "$W/aside/$last" "$states_dir/old-$last"
st=$(wait_run wait-extra)
rm -f "$states_dir/old-$last"
if [ "$st" = 1 ] && grep -q "$((N + 1)) objects in s3://.*more than $N shards: a reused RUN_ID" "$W/wait-extra.err"; then
	ok "Kubernetes: more objects than shards under the prefix (a reused RUN_ID): the wait refuses, exit 1"
else
	nok "the wait with $((N + 1)) objects: exit $st"
	diag "$W/wait-extra.err"
fi
st=$(wait_run wait-placeholder RUN_ID=REPLACE_WITH_RUN_ID)
if [ "$st" = 2 ] && grep -q "RUN_ID is still the placeholder" "$W/wait-placeholder.err"; then
	ok "Kubernetes: the wait refuses a RUN_ID left as the placeholder, exit 2"
else
	nok "the wait with the placeholder RUN_ID: exit $st"
fi

# the merge, and one unsplit verify of the same plan to compare it with
mapfile -d '' margv < <(check k8s-argv "$K8S" merge "$R" --source-ip 127.0.0.1 --ecsprobe "$EP")
mapfile -d '' menv < <(check k8s-env "$K8S" merge)
env "${menv[@]}" "${margv[@]}" >"$W/k8s-merge.out" 2>"$W/k8s-merge.err"
mst=$?
mapfile -d '' sargv < <(check k8s-single "$K8S" "$R" "$W/single.ndjson" --source-ip 127.0.0.1 --ecsprobe "$EP")
"${sargv[@]}" >"$W/single.out" 2>"$W/single.err"
sst=$?
mnd=$(printf '%s\n' "${margv[@]}" | sed -n 's/^ndjson://p')
msarif=$(printf '%s\n' "${margv[@]}" | sed -n 's/^sarif://p')
nf=$(findings "$W/single.ndjson" | wc -l)
if [ "$sst" = 1 ] && [ "$mst" = "$sst" ] && [ "$nf" -gt 0 ] && [ -s "$mnd" ] &&
	diff <(findings "$W/single.ndjson") <(findings "$mnd") >"$W/diff"; then
	ok "Kubernetes: the merge of $N shards gives the unsplit run's $nf findings (id, kind, severity, address, proto, ports, owner) and its exit status ($mst)"
else
	nok "Kubernetes merge: exit $mst (unsplit: $sst), findings differ or missing"
	diag "$W/diff" "$W/k8s-merge.err"
fi
if [ -s "$msarif" ] && [ "$(jq '[.runs[].results[]] | length' "$msarif")" = "$nf" ]; then
	ok "Kubernetes: the merge's SARIF has the $nf findings"
else
	nok "the merge's SARIF ($msarif)"
fi
mv "$states_dir/$last" "$W/aside/"
mapfile -d '' margv < <(check k8s-argv "$K8S" merge "$R" --source-ip 127.0.0.1 --ecsprobe "$EP")
env "${menv[@]}" "${margv[@]}" >/dev/null 2>"$W/k8s-missing.err"
st=$?
mv "$W/aside/$last" "$states_dir/"
if [ "$st" = 2 ] && grep -q "shard [0-9]*/$N is missing" "$W/k8s-missing.err"; then
	ok "Kubernetes: the merge refuses a run with a shard's states missing, exit 2"
else
	nok "the merge without $last: exit $st"
	diag "$W/k8s-missing.err"
fi

# ---- AWS Batch ----
B="$W/batch"
NB=$(check batch-count "$BATCH")
mkdir -p "$W/bin"
ln -s "$EP" "$W/bin/ecsprobe" # what the image's PATH has
mapfile -d '' bmerge < <(check batch-argv "$BATCH" merge "$B" --run-id flow-2 --source-ip 127.0.0.1 --ecsprobe "$EP")
cp "$LAB" "$(optval --inventory "${bmerge[@]}")"
cp "$SRC/data/intent.example.json" "$(optval --intent "${bmerge[@]}")"
mapfile -d '' bshard < <(check batch-argv "$BATCH" shard "$B" --source-ip 127.0.0.1)
AWS_BATCH_JOB_ARRAY_INDEX=0 AWS_BATCH_JOB_ARRAY_SIZE=$NB PATH="$W/bin:$PATH" "${bshard[@]}" >/dev/null 2>"$W/b-placeholder.err"
st=$?
mapfile -d '' bshard < <(check batch-argv "$BATCH" shard "$B" --run-id flow-2 --source-ip 127.0.0.1)
PATH="$W/bin:$PATH" "${bshard[@]}" >/dev/null 2>"$W/b-noarray.err"
st2=$?
if [ "$st" = 2 ] && grep -q "still has the RUN_ID placeholder" "$W/b-placeholder.err" &&
	[ "$st2" = 2 ] && grep -q "not an array job" "$W/b-noarray.err" &&
	[ -z "$(find "$B/s3" -name 'shard-*' 2>/dev/null)" ]; then
	ok "AWS Batch: the shard wrapper refuses the RUN_ID placeholder and a job that is not an array child (exit 2), nothing probed"
else
	nok "AWS Batch wrapper: exit $st with the placeholder, $st2 outside an array job"
	diag "$W/b-placeholder.err" "$W/b-noarray.err"
fi
mapfile -d '' bshard < <(check batch-argv "$BATCH" shard "$B" --run-id flow-2 --source-ip 127.0.0.1)
pids=()
for ((i = 0; i < NB; i++)); do
	(AWS_BATCH_JOB_ARRAY_INDEX=$i AWS_BATCH_JOB_ARRAY_SIZE=$NB PATH="$W/bin:$PATH" "${bshard[@]}" \
		>"$W/b-shard$i.out" 2>"$W/b-shard$i.err"; echo $? >"$W/b-shard$i.rc") &
	pids+=($!)
done
wait "${pids[@]}"
rcs=$(cat "$W"/b-shard*.rc | tr -d '\n')
set -- $(parts "$W"/b-shard*.out)
bstates=$(optval --states "${bmerge[@]}")
if [ "$rcs" = "$(printf '0%.0s' $(seq "$NB"))" ] && [ "$1" = "$NB" ] && [ "$2" = "$3" ] &&
	[ "$(ls "$bstates" | wc -l)" = "$NB" ]; then
	ok "AWS Batch: $NB array children (the sh -c wrapper, AWS_BATCH_JOB_ARRAY_INDEX 0-$((NB - 1))) exit 0; $2 of $3 probes; $NB states files under the merge's prefix"
else
	nok "AWS Batch shards: exit statuses $rcs, parts '$*'"
	diag "$W/b-shard0.err"
fi
mapfile -d '' bmerge < <(check batch-argv "$BATCH" merge "$B" --run-id flow-2 --source-ip 127.0.0.1 --ecsprobe "$EP")
"${bmerge[@]}" >"$W/b-merge.out" 2>"$W/b-merge.err"
bst=$?
bnd=$(printf '%s\n' "${bmerge[@]}" | sed -n 's/^ndjson://p')
if [ "$bst" = "$sst" ] && [ -s "$bnd" ] && diff <(findings "$W/single.ndjson") <(findings "$bnd") >"$W/diff"; then
	ok "AWS Batch: the merge job gives the unsplit run's $nf findings and exit status ($bst)"
else
	nok "AWS Batch merge: exit $bst (unsplit: $sst)"
	diag "$W/diff" "$W/b-merge.err"
fi
[ $fails = 0 ]
