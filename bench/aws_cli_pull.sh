#!/bin/bash
# The same inventory pulled the way a script would with the AWS CLI: one
# `aws` call after another (the CLI follows NextToken itself).  Used by
# bench/inventory.sh as the comparison; writes one JSON file per call into
# OUT.  Usage: aws_cli_pull.sh ENDPOINT OUT REGION...
set -u
EP=$1 OUT=$2
shift 2
mkdir -p "$OUT"
n=0
call() { # call FILE aws-args...
	local f=$1
	shift
	n=$((n + 1))
	aws --endpoint-url "$EP" --output json "$@" >"$OUT/$f.json" || echo "aws $* failed" >&2
}
for r in "$@"; do
	for a in describe-network-interfaces describe-security-groups describe-managed-prefix-lists \
		describe-subnets describe-route-tables describe-network-acls describe-internet-gateways \
		describe-egress-only-internet-gateways; do
		call "$r.ec2.$a" ec2 "$a" --region "$r"
	done
	for pl in $(jq -r '.PrefixLists[].PrefixListId' "$OUT/$r.ec2.describe-managed-prefix-lists.json"); do
		call "$r.ec2.entries.$pl" ec2 get-managed-prefix-list-entries --region "$r" --prefix-list-id "$pl"
	done
	call "$r.elbv2.lbs" elbv2 describe-load-balancers --region "$r"
	i=0
	for lb in $(jq -r '.LoadBalancers[].LoadBalancerArn' "$OUT/$r.elbv2.lbs.json"); do
		i=$((i + 1))
		call "$r.elbv2.listeners.$i" elbv2 describe-listeners --region "$r" --load-balancer-arn "$lb"
	done
	call "$r.ecs.clusters" ecs list-clusters --region "$r"
	c=0
	for cl in $(jq -r '.clusterArns[]' "$OUT/$r.ecs.clusters.json"); do
		c=$((c + 1))
		call "$r.ecs.$c.services" ecs list-services --region "$r" --cluster "$cl"
		jq -r '.serviceArns[]' "$OUT/$r.ecs.$c.services.json" | xargs -r -n 10 echo >"$OUT/svc.batches"
		b=0
		while read -r batch; do
			b=$((b + 1))
			# shellcheck disable=SC2086
			call "$r.ecs.$c.dsvc.$b" ecs describe-services --region "$r" --cluster "$cl" --services $batch
		done <"$OUT/svc.batches"
		call "$r.ecs.$c.tasks" ecs list-tasks --region "$r" --cluster "$cl"
		jq -r '.taskArns[]' "$OUT/$r.ecs.$c.tasks.json" | xargs -r -n 100 echo >"$OUT/task.batches"
		b=0
		while read -r batch; do
			b=$((b + 1))
			# shellcheck disable=SC2086
			call "$r.ecs.$c.dtask.$b" ecs describe-tasks --region "$r" --cluster "$cl" --tasks $batch
		done <"$OUT/task.batches"
		cis=$(cat "$OUT/$r.ecs.$c".dtask.*.json 2>/dev/null | jq -r '.tasks[].containerInstanceArn // empty' | sort -u)
		if [ -n "$cis" ]; then
			echo "$cis" | xargs -n 100 echo >"$OUT/ci.batches"
			b=0
			while read -r batch; do
				b=$((b + 1))
				# shellcheck disable=SC2086
				call "$r.ecs.$c.dci.$b" ecs describe-container-instances --region "$r" --cluster "$cl" --container-instances $batch
			done <"$OUT/ci.batches"
		fi
	done
	t=0
	for td in $(cat "$OUT/$r".ecs.*.dtask.*.json "$OUT/$r".ecs.*.dsvc.*.json 2>/dev/null |
		jq -r '(.tasks[]?.taskDefinitionArn), (.services[]?.taskDefinition)' | sort -u); do
		t=$((t + 1))
		call "$r.ecs.td.$t" ecs describe-task-definition --region "$r" --task-definition "$td"
	done
done
echo "$n" >"$OUT/calls"
