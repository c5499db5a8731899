#!/bin/sh
# The deploy examples in data/deploy/ are valid and agree with themselves.
# Kubernetes YAML against a JSON Schema subset written for this project
# (tests/deploy/k8s-subset.schema.json: unknown fields fail at every level);
# the AWS Batch and ECS payloads against botocore's models of the operations
# they are sent to; the split verify examples for consistency (the same
# --seed and plan options on every shard and the merge, the merge reading
# exactly the shards' states prefix, N in agreement); every option in their
# ecsprobe commands one that ecsprobe knows; the systemd units with
# systemd-analyze verify (in a scratch root holding the built ecsprobe),
# systemd-analyze security (at most 2.0, "OK") and tests/deploy/systemd_unit.py
# (SYN mode with an ambient CAP_NET_RAW, a baseline the first run can read).
# Then copies with one mistake each must fail, for the right reason.
# Nothing is sent anywhere.  TAP.
set -u
SRC=${top_srcdir:-.}
EP=${ECSPROBE:-./ecsprobe}
DEP="$SRC/data/deploy"
K8S="$DEP/kubernetes-verify-shards.yaml"
BATCH="$DEP/aws-batch"
CHECK="$SRC/tests/deploy/deploy_check.py"
UNITCHECK="$SRC/tests/deploy/systemd_unit.py"
SERVICE="$DEP/ecsprobe-verify.service"
TIMER="$DEP/ecsprobe-verify.timer"

# Debian's python3 first (python3-yaml, python3-jsonschema, python3-botocore)
PY=
for p in ${DEPLOY_PYTHON:-} /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml, jsonschema, botocore' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - python3 with yaml, jsonschema and botocore missing in CI (apt-get install python3-yaml python3-jsonschema python3-botocore)"
		exit 1
	fi
	echo "1..0 # SKIP needs python3-yaml, python3-jsonschema and python3-botocore"
	exit 0
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - systemd-analyze missing in CI (apt-get install systemd)"
		exit 1
	fi
	echo "1..0 # SKIP needs systemd-analyze (apt-get install systemd)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -s "$tmp/err" ] && head -n 8 "$tmp/err" | sed 's/^/# /'
}
# check [UNITCHECK] ARGS...: deploy_check.py, or systemd_unit.py when named first
check() {
	if [ "$1" = "$UNITCHECK" ]; then
		shift
		"$PY" "$UNITCHECK" "$@" >/dev/null 2>"$tmp/err"
	else
		"$PY" "$CHECK" "$@" >/dev/null 2>"$tmp/err"
	fi
}
# passes: check ARGS...
passes() {
	desc=$1
	shift
	if check "$@"; then ok "$desc"; else nok "$desc"; fi
}
# fails_with PATTERN DESC ARGS...: the check fails, and says PATTERN
fails_with() {
	pat=$1
	desc=$2
	shift 2
	if check "$@"; then
		nok "$desc: passed"
	elif grep -q -- "$pat" "$tmp/err"; then
		ok "$desc ($(grep -m1 -- "$pat" "$tmp/err" | sed "s|$tmp/||" | cut -c1-150))"
	else
		nok "$desc: failed, but not with '$pat'"
	fi
}
# mutate SRC DEST SED-EXPR: a copy with one change, which must change something
mutate() {
	sed "$3" "$1" >"$2"
	if cmp -s "$1" "$2"; then
		echo "Bail out! the mutation '$3' changed nothing in $1"
		exit 1
	fi
}
# a copy of the Batch directory with one file changed
batch_copy() {
	rm -rf "$tmp/batch"
	cp -r "$BATCH" "$tmp/batch"
	mutate "$BATCH/$1" "$tmp/batch/$1" "$2"
}

echo "1..30"
# 1-7: the examples as shipped
passes "Kubernetes: kubernetes-verify-shards.yaml matches the schema subset and the Job rules" \
	k8s-schema "$K8S"
passes "Kubernetes: kubernetes-indexed-job.yaml matches the schema subset and the Job rules" \
	k8s-schema "$DEP/kubernetes-indexed-job.yaml"
passes "Kubernetes split: N = completions = parallelism = ECSPROBE_SHARDS = the wait's SHARDS; one --seed and the same plan options everywhere; the merge reads the shards' states prefix; intent = data/intent.example.json" \
	k8s-split "$K8S" --intent-example "$SRC/data/intent.example.json"
passes "AWS Batch: both job definitions (RegisterJobDefinition) and both submissions (SubmitJob) match botocore's model" \
	batch "$BATCH"
passes "AWS Batch split: every array index's wrapper gives a distinct key under the merge's --states prefix; same seed and plan; the merge depends on the array job" \
	batch-split "$BATCH"
passes "ECS: ecs-scheduled-task.json matches botocore's RegisterTaskDefinition" \
	ecs "$DEP/ecs-scheduled-task.json"
if "$EP" verify --help >"$tmp/help" 2>&1 && "$EP" scan --help >>"$tmp/help" 2>&1; then
	passes "every option in the examples' ecsprobe commands is one ecsprobe verify/scan --help names" \
		options "$tmp/help" "$K8S" "$DEP/kubernetes-indexed-job.yaml" "$BATCH" "$DEP/ecs-scheduled-task.json"
else
	nok "$EP verify --help failed"
fi

# 8-13: a misspelled field fails each validator
mutate "$K8S" "$tmp/k1.yaml" 's/backoffLimitPerIndex: 2/backofLimitPerIndex: 2/'
fails_with "'backofLimitPerIndex' was unexpected" "Kubernetes: a misspelled JobSpec field fails" k8s-schema "$tmp/k1.yaml"
mutate "$K8S" "$tmp/k2.yaml" '0,/^            readOnlyRootFilesystem: true/s//            readOnlyRootFileSystem: true/'
fails_with "securityContext: Additional properties are not allowed ('readOnlyRootFileSystem'" \
	"Kubernetes: a misspelled field deep in a container's securityContext fails" k8s-schema "$tmp/k2.yaml"
mutate "$K8S" "$tmp/k3.yaml" 's/^data:/date:/'
fails_with "ConfigMap ecsprobe-intent): (top): Additional properties are not allowed ('date'" \
	"Kubernetes: a misspelled ConfigMap field fails" k8s-schema "$tmp/k3.yaml"
batch_copy register-shard-job-definition.json 's/"resourceRequirements"/"resourceRequirement"/'
fails_with 'Unknown parameter in containerProperties: "resourceRequirement"' \
	"AWS Batch: a misspelled RegisterJobDefinition field fails" batch "$tmp/batch"
batch_copy submit-shards.json 's/"size": 4/"sizes": 4/'
fails_with 'Unknown parameter in arrayProperties: "sizes"' "AWS Batch: a misspelled SubmitJob field fails" \
	batch "$tmp/batch"
mutate "$DEP/ecs-scheduled-task.json" "$tmp/ecs.json" 's/"essential"/"essental"/'
fails_with 'Unknown parameter in containerDefinitions\[0\]: "essental"' \
	"ECS: a misspelled RegisterTaskDefinition field fails" ecs "$tmp/ecs.json"

# 14-22: examples that would run but disagree with themselves
mutate "$K8S" "$tmp/k4.yaml" 's/^  completions: 4/  completions: 3/'
fails_with "completions 3 but parallelism 4" "Kubernetes split: completions differs from parallelism" \
	k8s-split "$tmp/k4.yaml"
mutate "$K8S" "$tmp/k5.yaml" '/name: ECSPROBE_SHARDS/{n;s/"4"/"5"/}'
fails_with "ECSPROBE_SHARDS 5, but completions 4" "Kubernetes split: ECSPROBE_SHARDS differs from completions" \
	k8s-split "$tmp/k5.yaml"
mutate "$K8S" "$tmp/k6.yaml" 's|--states, "s3://BUCKET/ecsprobe/runs/$(RUN_ID)/states/"|--states, "s3://BUCKET/ecsprobe/runs/$(RUN_ID)/results/"|'
fails_with "is neither the shards' prefix" "Kubernetes split: the merge reads another prefix than the shards write" \
	k8s-split "$tmp/k6.yaml"
mutate "$K8S" "$tmp/k7.yaml" '/ecsprobe-verify-merge$/,$s|--intent, /etc/ecsprobe/intent.json,|--intent, /etc/ecsprobe/other.json,|'
fails_with "merge: plan options" "Kubernetes split: the merge judges with another intent than the shards planned with" \
	k8s-split "$tmp/k7.yaml"
mutate "$K8S" "$tmp/k8.yaml" '/name: SHARDS/{n;s/"4"/"3"/}'
fails_with "waits for SHARDS 3, completions is 4" "Kubernetes split: the merge's wait counts another N" \
	k8s-split "$tmp/k8.yaml"
mutate "$K8S" "$tmp/k9.yaml" 's/--seed, "20261207",//'
fails_with "needs one --seed" "Kubernetes split: shards without --seed" k8s-split "$tmp/k9.yaml"
batch_copy register-merge-job-definition.json 's/"source_ip": "203.0.113.7"/"source_ip": "203.0.113.8"/'
fails_with "merge: plan options" "AWS Batch split: the merge evaluates rules for another --source-ip" \
	batch-split "$tmp/batch"
batch_copy submit-merge.json 's/"jobId": "ARRAY_JOB_ID"/"jobId": "ARRAY_JOB_ID", "type": "N_TO_N"/'
fails_with "dependsOn must be one plain {jobId}" "AWS Batch split: an N_TO_N dependency (child i on child i) is refused" \
	batch-split "$tmp/batch"
batch_copy register-shard-job-definition.json 's/--source-ip/--sourceip/'
if "$PY" "$CHECK" options "$tmp/help" "$tmp/batch" >/dev/null 2>"$tmp/err" || ! grep -q -- "--sourceip is no option" "$tmp/err"; then
	nok "a misspelled ecsprobe option in a command is caught"
else
	ok "a misspelled ecsprobe option in a command is caught ($(head -n 1 "$tmp/err" | sed "s|$tmp/||"))"
fi

# 23-30: the systemd units.  systemd-analyze verify resolves ExecStart's
# commands and the units' dependencies inside --root: a scratch root with the
# host's units, the built ecsprobe, touch and mv, and the man page.
sroot=$tmp/sroot
mkdir -p "$sroot/usr/bin" "$sroot/usr/lib/systemd" "$sroot/etc/systemd/system" "$sroot/usr/share/man/man1"
ln -s usr/lib "$sroot/lib"
ln -s usr/bin "$sroot/bin"
cp -a /usr/lib/systemd/system "$sroot/usr/lib/systemd/"
cp "$EP" "$sroot/usr/bin/ecsprobe"
cp "$(command -v touch)" "$(command -v mv)" "$sroot/usr/bin/"
cp "${EP%/*}/man/ecsprobe.1" "$sroot/usr/share/man/man1/" # written by the build
# unit_verify SERVICE: systemd-analyze verify says nothing and exits 0
unit_verify() {
	cp "$1" "$sroot/etc/systemd/system/ecsprobe-verify.service"
	cp "$TIMER" "$sroot/etc/systemd/system/ecsprobe-verify.timer"
	MANPATH=$sroot/usr/share/man systemd-analyze verify --root="$sroot" \
		ecsprobe-verify.service ecsprobe-verify.timer >"$tmp/err" 2>&1 && [ ! -s "$tmp/err" ]
}
# unit_score SERVICE: systemd-analyze security's overall exposure
unit_score() {
	systemd-analyze security --offline=true "$1" 2>"$tmp/err" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
if unit_verify "$SERVICE"; then
	ok "systemd-analyze verify: ecsprobe-verify.service and .timer (commands resolved, man page found)"
else
	nok "systemd-analyze verify of the units"
fi
score=$(unit_score "$SERVICE")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	ok "systemd-analyze security ecsprobe-verify.service: $score (OK is <= 2.0)"
else
	nok "systemd-analyze security ecsprobe-verify.service: '$score', want <= 2.0"
fi
passes "the units: SYN mode with an ambient CAP_NET_RAW and no other capability, a baseline the first run can read, the run's output the next run's baseline" \
	"$UNITCHECK" check "$SERVICE" "$TIMER"
mkdir -p "$tmp/u"
mutate "$SERVICE" "$tmp/u/ecsprobe-verify.service" 's/^AmbientCapabilities=/AmbientCapabilites=/'
if unit_verify "$tmp/u/ecsprobe-verify.service"; then
	nok "systemd-analyze verify: a misspelled directive passed"
else
	ok "systemd-analyze verify: a misspelled directive fails ($(grep -m1 -i unknown "$tmp/err" | cut -c1-120))"
fi
mutate "$SERVICE" "$tmp/u/ecsprobe-verify.service" 's/^ExecStart=ecsprobe /ExecStart=ecsprobe-missing /'
if unit_verify "$tmp/u/ecsprobe-verify.service"; then
	nok "systemd-analyze verify: an ExecStart command that does not exist passed"
else
	ok "systemd-analyze verify: an ExecStart command that does not exist fails ($(head -n 1 "$tmp/err" | cut -c1-120))"
fi
mutate "$SERVICE" "$tmp/u/ecsprobe-verify.service" '/^ProtectSystem=/,$d'
score=$(unit_score "$tmp/u/ecsprobe-verify.service")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s > 2.0) }'; then
	ok "systemd-analyze security: the unit without its sandbox scores $score, above 2.0"
else
	nok "systemd-analyze security: the unit without its sandbox scores '$score'"
fi
mutate "$SERVICE" "$tmp/u/ecsprobe-verify.service" '/^ExecStartPre=/d'
fails_with "no ExecStartPre creates it, so the first run fails" "the units: a baseline nothing creates (the first run's exit 2) fails" \
	"$UNITCHECK" check "$tmp/u/ecsprobe-verify.service" "$TIMER"
mutate "$SERVICE" "$tmp/u/ecsprobe-verify.service" 's/ --mode syn//'
fails_with "SYN mode must be asked for" "the units: no --mode syn (a silent fall back to connect) fails" \
	"$UNITCHECK" check "$tmp/u/ecsprobe-verify.service" "$TIMER"
[ $fails = 0 ]
