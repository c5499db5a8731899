#!/bin/sh
# fakeaws fidelity: Debian's AWS CLI (botocore's parsers, signer, paginators
# and retry logic) against tests/fakeaws/fakeaws.py with the basic scenario.
# If the CLI reads a response into the expected content, so will any client
# that follows the AWS wire formats.  Loopback only: every command gets
# --endpoint-url http://127.0.0.1:PORT and credentials come from the
# scenario, the fake's IMDS or its container-credentials endpoint.  TAP.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FAKE="$top_srcdir/tests/fakeaws/fakeaws.py"
SCEN="$top_srcdir/tests/fakeaws/scenarios/basic.json"

# Debian's tools first: a python3 that has botocore, Debian's aws
# (FAKEAWS_PYTHON / FAKEAWS_AWS override)
PY=
for p in ${FAKEAWS_PYTHON:-} /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import botocore' 2>/dev/null; then PY=$p; break; fi
done
AWS=
for a in ${FAKEAWS_AWS:-} /usr/bin/aws aws; do
	if command -v "$a" >/dev/null 2>&1; then AWS=$a; break; fi
done
JQ=$(command -v jq)
if [ -z "$PY" ] || [ -z "$AWS" ] || [ -z "$JQ" ]; then
	missing=
	[ -n "$PY" ] || missing="$missing python3-botocore"
	[ -n "$AWS" ] || missing="$missing awscli"
	[ -n "$JQ" ] || missing="$missing jq"
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - tools missing in CI:$missing (apt-get install python3-botocore awscli jq)"
		exit 1
	fi
	echo "1..0 # SKIP needs python3-botocore, awscli and jq (missing:$missing)"
	exit 0
fi

tmp=$(mktemp -d)
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	[ -s "$tmp/err" ] && head -n 5 "$tmp/err" | sed 's/^/# /'
}

# A clean AWS environment: nothing from the caller's profile, no proxies,
# no instance metadata lookups (169.254.169.254 is never contacted).
for v in AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
	AWS_ROLE_SESSION_NAME AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
	AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
	AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE AWS_ENDPOINT_URL \
	AWS_CA_BUNDLE AWS_REGION AWS_STS_REGIONAL_ENDPOINTS HTTP_PROXY HTTPS_PROXY http_proxy https_proxy \
	ALL_PROXY all_proxy; do
	unset "$v"
done
export HOME="$tmp" AWS_CONFIG_FILE="$tmp/config" AWS_SHARED_CREDENTIALS_FILE="$tmp/credentials"
: >"$tmp/config"
: >"$tmp/credentials"
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER= AWS_CLI_AUTO_PROMPT=off AWS_DEFAULT_OUTPUT=json
export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=3 NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

# keys and ids from the scenario
AK=AKIAFAKEPROD00000001
SK=fakeProdSecret0000000000000000000000000001
export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_DEFAULT_REGION=us-east-1
A=111111111111
B=222222222222
ALB=arn:aws:elasticloadbalancing:us-east-1:$A:loadbalancer/app/public-alb/50dc6c495c0c9181

echo "1..57"

"$PY" "$FAKE" --scenario "$SCEN" --port 0 --port-file "$tmp/port" --faults "$tmp/faults.json" \
	--log "$tmp/requests.log" 2>"$tmp/server.err" &
spid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ] && kill -0 "$spid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$tmp/port" ]; then
	echo "not ok 1 - fakeaws did not start"
	sed 's/^/# /' "$tmp/server.err"
	exit 1
fi
PORT=$(cat "$tmp/port")
EP="http://127.0.0.1:$PORT"
ok "fakeaws listens on 127.0.0.1:$PORT"

# run the CLI against the fake; $rc is its exit status
cli() {
	"$AWS" "$@" --endpoint-url "$EP" --output json >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
# check DESC JQ-EXPR WANT AWS-ARGS...: exit 0 and jq -r EXPR prints WANT
check() {
	desc=$1 q=$2 want=$3
	shift 3
	cli "$@"
	if [ $rc != 0 ]; then nok "$desc (aws exit $rc)"; return; fi
	got=$("$JQ" -r "$q" "$tmp/out" 2>&1 | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok "$desc"; else nok "$desc (got '$got', want '$want')"; fi
}
# fails DESC CODE AWS-ARGS...: the CLI exits 254/255 naming the error code
fails() {
	desc=$1 code=$2
	shift 2
	cli "$@"
	if [ $rc != 254 ] && [ $rc != 255 ]; then nok "$desc (aws exit $rc, want 254/255)"; return; fi
	if grep -q "($code)" "$tmp/err"; then ok "$desc"; else nok "$desc ('$code' not in stderr)"; fi
}
# stats JQ-EXPR: read the fake's /__stats
stats() { "$PY" -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$EP/__stats" | "$JQ" -r "$1"; }
stats_reset() { "$PY" -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE")).read()' "$EP/__stats"; }
fault() { "$PY" -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")).read()' "$EP/__fault" "$1"; }

# ---- EC2 ----------------------------------------------------------------
check "ec2 describe-regions: the account's two regions" '[.Regions[].RegionName]|join(",")' \
	"eu-west-1,us-east-1" ec2 describe-regions
check "ec2 describe-regions --all-regions: opt-in status" \
	'[.Regions[]|select(.RegionName=="af-south-1" or .RegionName=="us-east-1")|.OptInStatus]|join(",")' \
	"not-opted-in,opt-in-not-required" ec2 describe-regions --all-regions
stats_reset
# counts from the scenario: all pages must arrive
nsg=$("$JQ" '.accounts[0].resources["us-east-1"].ec2.SecurityGroups|length' "$SCEN")
npages=$("$JQ" "($nsg + .settings.page_size - 1) / .settings.page_size | floor" "$SCEN")
check "ec2 describe-security-groups: all $nsg groups across pages" '.SecurityGroups|length' "$nsg" \
	ec2 describe-security-groups
got=$(stats '.calls["ec2:DescribeSecurityGroups"]')
if [ "$got" = "$npages" ] && [ "$npages" -gt 1 ]; then ok "the CLI followed nextToken ($npages pages)"
else nok "the CLI followed nextToken (got $got calls, want $npages > 1)"; fi
check "security group rules: ipRanges/ipv6Ranges/descriptions" \
	'.SecurityGroups[0]|[.IpPermissions[0].FromPort, .IpPermissions[0].IpRanges[0].Description, .IpPermissions[1].Ipv6Ranges[0].Description, (.IpPermissionsEgress[0].IpProtocol)]|join(",")' \
	"80,http from anywhere,https v6,-1" ec2 describe-security-groups --group-ids sg-0a1100000000000001
check "security group rules: groups and prefix lists" \
	'.SecurityGroups[0].IpPermissions|[.[0].UserIdGroupPairs[0].GroupId, .[0].UserIdGroupPairs[0].Description, .[1].PrefixListIds[0].PrefixListId, (.[1].ToPort|tostring)]|join(",")' \
	"sg-0a1100000000000001,from web,pl-0a110000000000001,9100" ec2 describe-security-groups --group-ids sg-0a1100000000000002
check "security group filter ip-permission.group-id" '[.SecurityGroups[].GroupName]|join(",")' "app" \
	ec2 describe-security-groups --filters Name=ip-permission.group-id,Values=sg-0a1100000000000001
check "ec2 describe-security-groups --region eu-west-1" '[.SecurityGroups[].GroupName]|join(",")' \
	"eu-web,default" ec2 describe-security-groups --region eu-west-1
neni=$("$JQ" '.accounts[0].resources["us-east-1"].ec2.NetworkInterfaces|length' "$SCEN")
check "ec2 describe-network-interfaces: all $neni ENIs, their types" \
	'"\(.NetworkInterfaces|length) \([.NetworkInterfaces[].InterfaceType]|unique|join(","))"' \
	"$neni interface,nat_gateway,network_load_balancer" ec2 describe-network-interfaces
check "ENI: several private IPs, secondary public IP, attachment" \
	'.NetworkInterfaces[0]|[(.PrivateIpAddresses|length|tostring), .PrivateIpAddresses[1].Association.PublicIp, .Attachment.InstanceId, .Association.PublicIp, .TagSet[0].Value]|join(",")' \
	"3,203.0.113.31,i-0a11000000000001,203.0.113.30,ecs-host" \
	ec2 describe-network-interfaces --network-interface-ids eni-0a11000000000003
check "ENI of an ECS task: ipv6, requesterManaged, ecs attachment description" \
	'.NetworkInterfaces[0]|[.Ipv6Addresses[0].Ipv6Address, (.RequesterManaged|tostring), (.Description|startswith("arn:aws:ecs:us-east-1:111111111111:attachment/")|tostring)]|join(",")' \
	"2001:db8:11:1::10,true,true" ec2 describe-network-interfaces --network-interface-ids eni-0a11000000000001
check "ENI filters group-id + attachment.instance-id" '[.NetworkInterfaces[].NetworkInterfaceId]|join(",")' \
	"eni-0a11000000000003" ec2 describe-network-interfaces \
	--filters Name=group-id,Values=sg-0a1100000000000002 Name=attachment.instance-id,Values=i-0a11000000000001
fails "unknown ENI id: InvalidNetworkInterfaceID.NotFound" InvalidNetworkInterfaceID.NotFound \
	ec2 describe-network-interfaces --network-interface-ids eni-00000000000000000
check "ec2 describe-managed-prefix-lists" '[.PrefixLists[].PrefixListName]|join(",")' \
	"corp-vpn,com.amazonaws.us-east-1.s3" ec2 describe-managed-prefix-lists
check "ec2 get-managed-prefix-list-entries" '[.Entries[].Cidr]|join(",")' \
	"198.51.100.0/25,198.51.100.128/25,192.0.2.0/24" ec2 get-managed-prefix-list-entries --prefix-list-id pl-0a110000000000001
check "ec2 describe-instances: reservations/instances" '[(.Reservations|length), ([.Reservations[].Instances[]]|length)]|join(",")' \
	"2,3" ec2 describe-instances
check "ec2 describe-instances filter instance-state-name" '[.Reservations[].Instances[].InstanceId]|join(",")' \
	"i-0a11000000000001,i-0a11000000000002" ec2 describe-instances --filters Name=instance-state-name,Values=running
check "ec2 describe-network-acls: entries and port ranges" \
	'[(.NetworkAcls|length), (.NetworkAcls[1].Entries[0].PortRange.To), .NetworkAcls[1].Entries[0].RuleAction]|join(",")' \
	"2,22,deny" ec2 describe-network-acls
check "ec2 describe-route-tables: igw, eigw, nat routes" \
	'[.RouteTables[].Routes[]|(.GatewayId // .EgressOnlyInternetGatewayId // .NatGatewayId)]|map(select(test("^(igw|eigw|nat)-")))|join(",")' \
	"igw-0a11000000000001,eigw-0a11000000000001,nat-0a11000000000001" ec2 describe-route-tables
check "ec2 describe-internet-gateways" '.InternetGateways[0]|[.InternetGatewayId, .Attachments[0].VpcId]|join(",")' \
	"igw-0a11000000000001,vpc-0a1100000000000001" ec2 describe-internet-gateways
check "ec2 describe-egress-only-internet-gateways" '[.EgressOnlyInternetGateways[].EgressOnlyInternetGatewayId]|join(",")' \
	"eigw-0a11000000000001" ec2 describe-egress-only-internet-gateways
check "ec2 describe-subnets" '[.Subnets[]|"\(.SubnetId)=\(.MapPublicIpOnLaunch)"]|join(",")' \
	"subnet-0a11000000000001=true,subnet-0a11000000000002=false" ec2 describe-subnets

# ---- ELBv2 --------------------------------------------------------------
check "elbv2 describe-load-balancers" \
	'[.LoadBalancers[]|"\(.Type)/\(.Scheme)/\(.AvailabilityZones|length)/\(.SecurityGroups[0])"]|join(",")' \
	"application/internet-facing/2/sg-0a1100000000000001,network/internal/1/sg-0a1100000000000006" elbv2 describe-load-balancers
check "elbv2 describe-listeners" '[.Listeners[]|"\(.Protocol):\(.Port)"]|join(",")' "HTTP:80,HTTPS:443" \
	elbv2 describe-listeners --load-balancer-arn "$ALB"

# ---- ECS ----------------------------------------------------------------
check "ecs list-clusters" '.clusterArns|join(",")' \
	"arn:aws:ecs:us-east-1:$A:cluster/prod-web,arn:aws:ecs:us-east-1:$A:cluster/batch" ecs list-clusters
check "ecs list-services" '.serviceArns|map(split("/")[-1])|join(",")' "web,api,legacy" ecs list-services --cluster prod-web
check "ecs describe-services: services and failures[]" \
	'[(.services|map(.serviceName)|join("+")), .failures[0].reason, (.services[0].networkConfiguration.awsvpcConfiguration.assignPublicIp)]|join(",")' \
	"web+legacy,MISSING,ENABLED" ecs describe-services --cluster prod-web --services web legacy nope
check "ecs list-tasks --service-name / --desired-status" '.taskArns|map(split("/")[-1])|join(",")' \
	"0a1100000000000000000000000000a2" ecs list-tasks --cluster prod-web --service-name web --desired-status STOPPED
check "ecs describe-tasks: ENI attachment and bindings" \
	'[(.tasks[0].attachments[0].details[]|select(.name=="networkInterfaceId").value), (.tasks[1].containers[0].networkBindings[0]|"\(.containerPort)->\(.hostPort)/\(.protocol)"), .tasks[1].containerInstanceArn != null, .tasks[0].group]|map(tostring)|join(",")' \
	"eni-0a11000000000001,5432->32768/tcp,true,service:web" \
	ecs describe-tasks --cluster prod-web --tasks 0a1100000000000000000000000000a1 "arn:aws:ecs:us-east-1:$A:task/prod-web/0a1100000000000000000000000000a4"
check "ecs describe-task-definition: latest revision, portMappings" \
	'.taskDefinition|[.revision, .networkMode, ([.containerDefinitions[].portMappings[].containerPort]|map(tostring)|join("+"))]|map(tostring)|join(",")' \
	"7,awsvpc,80+443+9102" ecs describe-task-definition --task-definition web
check "ecs describe-container-instances" '.containerInstances[0].ec2InstanceId' "i-0a11000000000001" \
	ecs describe-container-instances --cluster prod-web --container-instances 0a1100000000000000000000000000c1
fails "ecs unknown cluster: ClusterNotFoundException" ClusterNotFoundException ecs list-services --cluster nope

# ---- STS and Organizations ----------------------------------------------
check "sts get-caller-identity" '"\(.Account) \(.Arn)"' "$A arn:aws:iam::$A:user/ecsprobe-ci" sts get-caller-identity
fails "sts assume-role without the external id: AccessDenied" AccessDenied \
	sts assume-role --role-arn "arn:aws:iam::$B:role/EcsProbeAudit" --role-session-name ecsprobe
check "sts assume-role with the external id" '.Credentials.AccessKeyId|test("^ASIA[A-Z2-7]{16}$")' true \
	sts assume-role --role-arn "arn:aws:iam::$B:role/EcsProbeAudit" --role-session-name ecsprobe --external-id ecsprobe-ext-7f3a
cp "$tmp/out" "$tmp/assumed.json"
(
	AWS_ACCESS_KEY_ID=$("$JQ" -r .Credentials.AccessKeyId "$tmp/assumed.json")
	AWS_SECRET_ACCESS_KEY=$("$JQ" -r .Credentials.SecretAccessKey "$tmp/assumed.json")
	AWS_SESSION_TOKEN=$("$JQ" -r .Credentials.SessionToken "$tmp/assumed.json")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	cli ecs list-clusters
	[ $rc = 0 ] && "$JQ" -r '.clusterArns|join(",")' "$tmp/out"
) >"$tmp/assumed.out" 2>&1
if [ "$(cat "$tmp/assumed.out")" = "arn:aws:ecs:us-east-1:$B:cluster/staging" ]; then
	ok "assumed-role credentials are accepted as account $B's"
else nok "assumed-role credentials are accepted as account $B's (got: $(cat "$tmp/assumed.out"))"; fi
check "sts assume-role-with-web-identity (unsigned)" '.AssumedRoleUser.Arn' \
	"arn:aws:sts::$B:assumed-role/EcsProbeAudit/oidc" sts assume-role-with-web-identity \
	--role-arn "arn:aws:iam::$B:role/EcsProbeAudit" --role-session-name oidc --web-identity-token fake-oidc-token-staging
check "organizations list-accounts (paginated, 3 accounts)" '[.Accounts[]|"\(.Id):\(.Status)"]|join(",")' \
	"$A:ACTIVE,$B:ACTIVE,333333333333:SUSPENDED" organizations list-accounts --page-size 2
check "sso get-role-credentials (Identity Center portal)" '.roleCredentials.accessKeyId|startswith("ASIA")' true \
	sso get-role-credentials --role-name EcsProbeAudit --account-id "$B" --access-token fake-sso-bearer-token

# ---- credential sources: IMDSv2 and ECS container credentials ---------------
(
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$EP/" \
		"$AWS" sts get-caller-identity --endpoint-url "$EP" --output json
) >"$tmp/out" 2>"$tmp/err"
if [ "$("$JQ" -r .Arn "$tmp/out" 2>/dev/null)" = "arn:aws:sts::$A:assumed-role/EcsProbeInstance/i-0a11000000000001" ]; then
	ok "IMDSv2 credentials (token PUT, role, creds) work"
else nok "IMDSv2 credentials (token PUT, role, creds) work"; fi
(
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	AWS_CONTAINER_CREDENTIALS_FULL_URI="$EP/creds" AWS_CONTAINER_AUTHORIZATION_TOKEN=fake-container-auth-token \
		"$AWS" sts get-caller-identity --endpoint-url "$EP" --output json
) >"$tmp/out" 2>"$tmp/err"
if [ "$("$JQ" -r .Arn "$tmp/out" 2>/dev/null)" = "arn:aws:sts::$A:assumed-role/EcsProbeTask/ecs-task" ]; then
	ok "ECS container credentials (full URI + Authorization) work"
else nok "ECS container credentials (full URI + Authorization) work"; fi

# ---- signature checks -----------------------------------------------------
AWS_SECRET_ACCESS_KEY=wrong-secret fails "wrong secret: ec2 SignatureDoesNotMatch" SignatureDoesNotMatch \
	ec2 describe-security-groups
AWS_SECRET_ACCESS_KEY=wrong-secret fails "wrong secret: ecs InvalidSignatureException" InvalidSignatureException \
	ecs list-clusters
AWS_ACCESS_KEY_ID=AKIAFAKEUNKNOWN00001 fails "unknown key: sts InvalidClientTokenId" InvalidClientTokenId \
	sts get-caller-identity
fails "region not enabled for the account: AuthFailure" AuthFailure ec2 describe-subnets --region us-west-2

# ---- S3 (the high-level `aws s3` commands: s3transfer over botocore) ----
printf 'line 1\nline 2\n' >"$tmp/obj.txt"
head -c 9000000 /dev/urandom >"$tmp/big.bin" 2>/dev/null
"$AWS" s3 mb s3://fidelity-bkt --endpoint-url "$EP" >"$tmp/out" 2>"$tmp/err"
if [ $? = 0 ] && "$AWS" s3 cp "$tmp/obj.txt" "s3://fidelity-bkt/run 1/ü.txt" --endpoint-url "$EP" >"$tmp/out" 2>"$tmp/err"
then ok "aws s3 mb, aws s3 cp FILE s3://... (PutObject, a key with a space and UTF-8)"
else nok "aws s3 mb, aws s3 cp FILE s3://... ($(tail -1 "$tmp/err"))"; fi
if [ "$("$AWS" s3 cp "s3://fidelity-bkt/run 1/ü.txt" - --endpoint-url "$EP" 2>"$tmp/err")" = "$(cat "$tmp/obj.txt")" ]
then ok "aws s3 cp s3://... - (HeadObject, GetObject)"; else nok "aws s3 cp s3://... - ($(tail -1 "$tmp/err"))"; fi
"$AWS" s3 ls s3://fidelity-bkt/ --endpoint-url "$EP" >"$tmp/out" 2>"$tmp/err"
"$AWS" s3 ls --recursive s3://fidelity-bkt/ --endpoint-url "$EP" >>"$tmp/out" 2>>"$tmp/err"
if grep -q "PRE run 1/$" "$tmp/out" && grep -q " 14 run 1/ü.txt$" "$tmp/out"
then ok "aws s3 ls: common prefixes, then the key (ListObjectsV2, delimiter, encoding-type=url)"
else nok "aws s3 ls ($(tr '\n' '|' <"$tmp/out") $(tail -1 "$tmp/err"))"; fi
if "$AWS" s3 cp "$tmp/big.bin" s3://fidelity-bkt/big.bin --endpoint-url "$EP" >/dev/null 2>"$tmp/err" &&
	"$AWS" s3 cp s3://fidelity-bkt/big.bin "$tmp/big.back" --endpoint-url "$EP" >/dev/null 2>>"$tmp/err" &&
	cmp -s "$tmp/big.bin" "$tmp/big.back"
then ok "aws s3 cp of 9 MB both ways (multipart upload, ranged GETs)"
else nok "aws s3 cp of 9 MB both ways ($(tail -1 "$tmp/err"))"; fi
fails "aws s3 ls of a missing bucket: NoSuchBucket" NoSuchBucket s3 ls s3://no-such-fidelity-bkt

# ---- faults and retries ---------------------------------------------------
stats_reset
fault '{"DescribeSubnets": {"throttle": 2}}'
check "2 injected RequestLimitExceeded, the CLI retries and succeeds" '.Subnets|length' 2 ec2 describe-subnets
got="$(stats '[.calls["ec2:DescribeSubnets"], .faults.throttle, .errors.RequestLimitExceeded]|map(tostring)|join(",")')"
if [ "$got" = "3,2,2" ]; then ok "stats: 3 calls, 2 throttled"; else nok "stats: 3 calls, 2 throttled (got $got)"; fi
fault '{}'
echo '{"ecs:ListClusters": {"throttle": 1}, "ListServices": {"error500": 1}}' >"$tmp/faults.json"
check "faults file: ThrottlingException then success" '.clusterArns|length' 2 ecs list-clusters
check "faults file: 500 then success" '.serviceArns|length' 3 ecs list-services --cluster prod-web
echo '{"DescribeInternetGateways": {"malformed": 5}}' >"$tmp/faults.json"
cli ec2 describe-internet-gateways
if [ $rc != 0 ]; then ok "truncated XML body is an error for the CLI (exit $rc)"; else nok "truncated XML body is an error for the CLI"; fi
: >"$tmp/faults.json"

if [ -s "$tmp/server.err" ] && grep -q Traceback "$tmp/server.err"; then
	nok "fakeaws logged no tracebacks"
	sed 's/^/# /' "$tmp/server.err" | head -n 40
else ok "fakeaws logged no tracebacks"; fi

[ "$n" = 57 ] || echo "# ran $n checks, plan said 57"
[ $fails = 0 ]
