#!/bin/bash
# End-to-end: `ecsprobe inventory` against the fake AWS endpoint
# (tests/fakeaws), which verifies the SigV4 signature of every request.
# Credential chain cases, two accounts, multi-region, tiny pages, throttling
# and 5xx storms, malformed and hostile bodies.  Every AWS call goes to the
# fake on 127.0.0.1; AWS_ENDPOINT_URL is set too so nothing can fall through
# to a real endpoint, and instance metadata is off unless a test points it
# at the fake.  TAP output.
set -u
EP=${ECSPROBE:-./ecsprobe}
SRC=${top_srcdir:-.}
FAKE="$SRC/tests/fakeaws/fakeaws.py"
SCEN="$SRC/tests/fakeaws/scenarios/basic.json"
EXP="$SRC/tests/fakeaws/expected"

if ! command -v python3 >/dev/null || ! python3 -c 'import botocore' 2>/dev/null || ! command -v jq >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "1..2"
		echo "not ok 1 - python3, python3-botocore and jq are needed (CI must not skip)"
		exit 1
	fi
	echo "1..0 # SKIP needs python3, python3-botocore and jq"
	exit 0
fi

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

# start_fake NAME [args]: starts a server, sets PORT_<NAME>
start_fake() {
	local name=$1 i=0
	shift
	python3 "$FAKE" --scenario "$SCEN" --port-file "$tmp/$name.port" --faults "$tmp/$name.faults" \
		"$@" >"$tmp/$name.log" 2>&1 &
	pids+=($!)
	while [ ! -s "$tmp/$name.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	eval "PORT_$name=\$(cat \"\$tmp/\$name.port\")"
}
start_fake main
start_fake tiny --page-size 1
: >"$tmp/main.faults"
: >"$tmp/tiny.faults"

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }

AK=AKIAFAKEPROD00000001
SK=fakeProdSecret0000000000000000000000000001
mkdir -p "$tmp/home"
# inv NAME PORT [env...] -- [args...]: runs ecsprobe inventory in a clean environment
inv() {
	local name=$1 port=$2
	shift 2
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	env -i PATH="$PATH" HOME="$tmp/home" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
		AWS_ENDPOINT_URL="http://127.0.0.1:$port" "${envs[@]}" \
		"$EP" inventory --endpoint-url "http://127.0.0.1:$port" -o "$tmp/$name.json" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
rc() { cat "$tmp/$1.rc"; }
# normalized document: without the generation time and the call counts
norm() { jq -S 'del(.generated, .summary)' "$tmp/$1.json"; }
same_as() { # same_as RUN EXPECTED DESC
	if [ "$(rc "$1")" = 0 ] && diff <(norm "$1") <(jq -S . "$EXP/$2.json") >"$tmp/$1.diff"; then
		ok "$3"
	else
		nok "$3 (exit $(rc "$1"))"
		head -20 "$tmp/$1.diff" | diag
		head -5 "$tmp/$1.err" | diag
	fi
}
account_is() { # account_is RUN ID DESC
	if [ "$(rc "$1")" = 0 ] && [ "$(jq -r '[.accounts[].account_id] | join(",")' "$tmp/$1.json")" = "$2" ]; then
		ok "$3"
	else
		nok "$3 (exit $(rc "$1"), accounts $(jq -r '[.accounts[].account_id] | join(",")' "$tmp/$1.json" 2>/dev/null))"
		head -5 "$tmp/$1.err" | diag
	fi
}
fails_with() { # fails_with RUN PATTERN DESC: exit 3 and a one-line reason on stderr
	if [ "$(rc "$1")" = 3 ] && grep -qE "$2" "$tmp/$1.err"; then
		ok "$3"
	else
		nok "$3 (exit $(rc "$1"))"
		head -5 "$tmp/$1.err" | diag
	fi
}

echo "1..24"

# 1-2: environment keys, two regions; the same document with one item per page
inv env "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --regions us-east-1,eu-west-1
same_as env basic-env "environment credentials, two regions: the expected document"
inv tiny "$PORT_tiny" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --regions us-east-1,eu-west-1
same_as tiny basic-env "one item per page: the same document"

# 3: the document against the scenario itself, not only the expected file:
# every interface, group, prefix-list entry, service, running task (ListTasks
# lists running ones) and balancer
want=$(jq -c '.accounts[0].resources["us-east-1"] | [(.ec2.NetworkInterfaces | length),
	(.ec2.SecurityGroups | length), (.ec2.PrefixListEntries | map_values(length)),
	([.ecs.clusters[].services[]?] | length),
	([.ecs.clusters[].tasks[]? | select(.desiredStatus == "RUNNING")] | length),
	(.elbv2.LoadBalancers | length)]' "$SCEN")
got=$(jq -c '.accounts[0].regions[] | select(.region == "us-east-1") | [(.ec2.network_interfaces | length),
	(.ec2.security_groups | length), (.ec2.prefix_lists | map({(.prefixListId): (.entries | length)}) | add),
	([.ecs.clusters[].services[]] | length), ([.ecs.clusters[].tasks[]] | length),
	(.elbv2.load_balancers | length)]' "$tmp/env.json")
if [ "$want" = "$got" ]; then ok "us-east-1 holds what the scenario holds: $got"; else nok "scenario $want, document $got"; fi

# 3: two accounts through AssumeRole (one with an external id)
inv roles "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- \
	--role-arn arn:aws:iam::111111111111:role/EcsProbeAudit \
	--role-arn arn:aws:iam::222222222222:role/EcsProbeAudit --external-id ecsprobe-ext-7f3a
same_as roles basic-roles "two accounts through AssumeRole: the expected document"

# 4: a wrong external id is refused; the error names the role and the code
inv extid "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- \
	--role-arn arn:aws:iam::222222222222:role/EcsProbeAudit --external-id wrong
fails_with extid "EcsProbeAudit.*AccessDenied" "wrong external id: exit 3, AccessDenied named"

# 5: a wrong secret: the fake's signature check refuses it
inv badsig "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=not-the-secret --
fails_with badsig "GetCallerIdentity: SignatureDoesNotMatch" "wrong secret: SignatureDoesNotMatch"

# 6: web identity (CI runners, EKS pods)
printf 'fake-oidc-token-staging' >"$tmp/oidc"
inv wif "$PORT_main" AWS_WEB_IDENTITY_TOKEN_FILE="$tmp/oidc" \
	AWS_ROLE_ARN=arn:aws:iam::222222222222:role/EcsProbeAudit --
account_is wif 222222222222 "web identity: AssumeRoleWithWebIdentity into 222222222222"

# 7: profile with role_arn + source_profile + external_id
cat >"$tmp/config" <<CFG
[profile base]
region = us-east-1
[profile audit]
role_arn = arn:aws:iam::222222222222:role/EcsProbeAudit
source_profile = base
external_id = ecsprobe-ext-7f3a
CFG
printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' $AK $SK >"$tmp/credentials"
inv profile "$PORT_main" AWS_CONFIG_FILE="$tmp/config" AWS_SHARED_CREDENTIALS_FILE="$tmp/credentials" -- --profile audit
account_is profile 222222222222 "profile role_arn + source_profile + external_id"

# 8: AWS_PROFILE picks a profile from the files
inv awsprofile "$PORT_main" AWS_CONFIG_FILE="$tmp/config" AWS_SHARED_CREDENTIALS_FILE="$tmp/credentials" AWS_PROFILE=base --
account_is awsprofile 111111111111 "AWS_PROFILE with static keys"

# 9: IAM Identity Center, from the token cache 'aws sso login' leaves
mkdir -p "$tmp/home/.aws/sso/cache"
cat >"$tmp/sso-config" <<CFG
[profile sso]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = EcsProbeAudit
region = us-east-1
[sso-session corp]
sso_region = us-east-1
sso_start_url = https://corp.awsapps.com/start
CFG
key=$(printf 'corp' | sha1sum | cut -d' ' -f1)
printf '{"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":"fake-sso-bearer-token","expiresAt":"2099-01-01T00:00:00Z"}' \
	>"$tmp/home/.aws/sso/cache/$key.json"
inv sso "$PORT_main" AWS_CONFIG_FILE="$tmp/sso-config" AWS_SHARED_CREDENTIALS_FILE="$tmp/none" \
	AWS_ENDPOINT_URL_SSO="http://127.0.0.1:$PORT_main" -- --profile sso
account_is sso 222222222222 "IAM Identity Center profile (sso-session, token cache)"

# 10: credential_process
cat >"$tmp/proc-config" <<CFG
[profile proc]
region = us-east-1
credential_process = echo '{"Version": 1, "AccessKeyId": "$AK", "SecretAccessKey": "$SK"}'
CFG
inv proc "$PORT_main" AWS_CONFIG_FILE="$tmp/proc-config" AWS_SHARED_CREDENTIALS_FILE="$tmp/none" -- --profile proc
account_is proc 111111111111 "credential_process profile"

# 11: ECS container credentials (full URI + authorization token)
inv container "$PORT_main" AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$PORT_main/creds" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN=fake-container-auth-token AWS_REGION=us-east-1 --
account_is container 111111111111 "ECS container credentials"

# 12: EC2 instance metadata, IMDSv2 (token PUT, then the role's credentials)
inv imds "$PORT_main" AWS_EC2_METADATA_DISABLED=false \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$PORT_main" --
account_is imds 111111111111 "EC2 instance metadata (IMDSv2)"
# ...and with no region set anywhere, the instance's own (placement/region),
# as the SDKs' region chain ends; never a silent us-east-1
inv imdsregion "$PORT_main" AWS_EC2_METADATA_DISABLED=false AWS_REGION= \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$PORT_main" --
if [ "$(rc imdsregion)" = 0 ] && [ "$(jq -r '.accounts[0].regions[0].region' "$tmp/imdsregion.json")" = us-east-1 ]; then
	ok "no region set: the instance's region from IMDS"
else
	nok "no region set: IMDS region (exit $(rc imdsregion))"
	sed 's/^/# /' "$tmp/imdsregion.err" | head -3
fi

# 13: --regions all asks DescribeRegions
inv all "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --regions all
if [ "$(rc all)" = 0 ] && [ "$(jq '.accounts[0].regions | length' "$tmp/all.json")" = 2 ]; then
	ok "--regions all: every region DescribeRegions lists"
else
	nok "--regions all (exit $(rc all))"
fi

# 14: a throttling and 5xx storm with malformed bodies is retried to the same document
cat >"$tmp/main.faults" <<'F'
{"ec2:DescribeNetworkInterfaces": {"throttle": 3},
 "ecs:ListTasks": {"throttle": 2},
 "ecs:DescribeTasks": {"error500": 2},
 "sts:GetCallerIdentity": {"error500": 1},
 "ec2:DescribeSecurityGroups": {"malformed": 2},
 "elbv2:DescribeLoadBalancers": {"throttle": 2}}
F
curl -s "http://127.0.0.1:$PORT_main/__stats/reset" >/dev/null
inv storm "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --regions us-east-1,eu-west-1
same_as storm basic-env "throttling, 500s and malformed bodies: retried to the same document"
calls=$(jq '.summary.api_calls' "$tmp/storm.json" 2>/dev/null)
base=$(jq '.summary.api_calls' "$tmp/env.json" 2>/dev/null)
if [ -n "$calls" ] && [ -n "$base" ] && [ "$calls" -ge $((base + 12)) ]; then
	ok "the storm cost retries ($base calls without, $calls with)"
else
	nok "retries not counted ($base without, $calls with)"
fi

# 16: hostile XML (a DOCTYPE with entities) and a JSON bomb are refused without a crash
cat >"$tmp/main.faults" <<'F'
{"ec2:DescribeSubnets": {"hostile": 100}, "ecs:DescribeServices": {"hostile": 100}}
F
inv hostile "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --max-attempts 2
if [ "$(rc hostile)" = 3 ] && grep -q "DescribeSubnets: ParseError" "$tmp/hostile.err" &&
	[ "$(jq '.accounts[0].regions[0].ec2.network_interfaces | length' "$tmp/hostile.json")" -gt 0 ]; then
	ok "hostile bodies: exit 3, ParseError named, the rest of the pull kept"
else
	nok "hostile bodies (exit $(rc hostile))"
	head -5 "$tmp/hostile.err" | diag
fi
: >"$tmp/main.faults"

# 17: no credentials anywhere: one clear line, exit 3
inv nocreds "$PORT_main" AWS_CONFIG_FILE="$tmp/none" AWS_SHARED_CREDENTIALS_FILE="$tmp/none" --
fails_with nocreds "no AWS credentials found" "no credentials: exit 3 and a clear message"

# 18-19: every active account of the organization, and an accounts file, through --role-name
inv org "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --all-accounts \
	--role-name EcsProbeAudit --external-id ecsprobe-ext-7f3a
account_is org 111111111111,222222222222 "--all-accounts: ListAccounts, the closed account skipped"
printf '# audit targets\n222222222222\n' >"$tmp/accounts"
inv accts "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --accounts "$tmp/accounts" \
	--role-name EcsProbeAudit --external-id ecsprobe-ext-7f3a
account_is accts 222222222222 "--accounts FILE with --role-name"

# 20: a broken accounts file is a usage error that says where
printf '222222222222\n12345\n' >"$tmp/accounts-bad"
inv badaccts "$PORT_main" AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK -- --accounts "$tmp/accounts-bad"
if [ "$(rc badaccts)" = 2 ] && grep -q "accounts-bad:2:1: expected a 12-digit account id" "$tmp/badaccts.err"; then
	ok "broken --accounts file: exit 2 with file:line:col"
else
	nok "broken --accounts file (exit $(rc badaccts))"
fi

# 21: short-lived credentials are renewed during the pull (instance metadata
# issues 4-second credentials here; every call is slowed to 500 ms)
jq '.settings.credential_duration_seconds = 4' "$SCEN" >"$tmp/short.json"
python3 "$FAKE" --scenario "$tmp/short.json" --port-file "$tmp/short.port" --faults "$tmp/short.faults" \
	>"$tmp/short.log" 2>&1 &
pids+=($!)
echo '{"*": {"latency_ms": 500}}' >"$tmp/short.faults"
i=0
while [ ! -s "$tmp/short.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT_short=$(cat "$tmp/short.port")
inv refresh "$PORT_short" AWS_EC2_METADATA_DISABLED=false \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$PORT_short" -- --regions us-east-1,eu-west-1
fetches=$(curl -s "http://127.0.0.1:$PORT_short/__stats" | jq '.actions["meta-data/iam/security-credentials/EcsProbeInstance"] // 0')
if [ "$(rc refresh)" = 0 ] && [ "$fetches" -ge 2 ] && [ "$(jq '.summary.errors' "$tmp/refresh.json")" = 0 ]; then
	ok "credentials renewed before they expired ($fetches fetches), no call failed"
else
	nok "credential refresh (exit $(rc refresh), $fetches fetches)"
	head -5 "$tmp/refresh.err" | diag
fi

# 23: verify --vantage auto on a "bastion": the fake's instance metadata names
# the instance; its interface's group and private address become the vantage
# (a dry run: these scenario addresses are never probed)
env -i PATH="$PATH" AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$PORT_main" \
	"$EP" verify --inventory "$EXP/basic-env.json" --vantage auto --dry-run >"$tmp/va.out" 2>"$tmp/va.err"
st=$?
"$EP" verify --inventory "$EXP/basic-env.json" --source-ip 10.11.1.30 --vantage-sg sg-0a1100000000000002 \
	--dry-run >"$tmp/vm.out" 2>/dev/null
if [ $st = 0 ] && grep -q "vantage: instance i-0a11000000000001, 1 security group" "$tmp/va.err" &&
	cmp -s "$tmp/va.out" "$tmp/vm.out"; then
	ok "--vantage auto: the instance's group and address, the same plan as given by hand"
else
	nok "--vantage auto (exit $st)"
	head -3 "$tmp/va.err" | diag
fi

[ $fails = 0 ]
