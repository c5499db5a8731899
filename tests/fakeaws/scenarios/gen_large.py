#!/usr/bin/env python3
"""Generate a large fakeaws scenario for the benchmark.

    gen_large.py --regions 4 --enis 5000 --sgs 500 --services 100 --tasks 2000 -o large.json

Counts are per account per region.  The output is deterministic for a given
set of arguments (--seed changes the mix).  Access key of account N (1-based):
AKIAFAKEBENCH000000N / secret fakeBenchSecret...N (see the "accounts" list in
the output, or --print-keys).

Addresses: private IPs come from 10.0.0.0/8 (one /16 per subnet) and public
ones from 198.18.0.0/15 (RFC 2544 benchmarking range), IPv6 from
2001:db8::/32; with --loopback every IPv4 address is in 127.0.0.0/8 instead
(private 127.16.0.0-127.127.255.255, public 127.128.0.0/9) so a scanner run
against the scenario only ever reaches loopback.  Never point a scanner at the non-loopback variant.
"""

import argparse
import hashlib
import json
import random
import sys

ALL_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-south-1", "ca-central-1", "sa-east-1",
]
T0 = "2024-03-01T12:00:00Z"
ECS_SERVICE_PRINCIPAL_ACCOUNT = "578734482556"


class Addr:
    """Deterministic address allocator: one /16 per subnet (6 subnets per
    region), public addresses per region."""

    def __init__(self, loopback, region_index):
        self.loopback = loopback
        self.ri = region_index
        self.priv = [0] * 6
        self.pub = 0

    def _octet(self, subnet):
        k = self.ri * 6 + subnet
        return 16 + k % 112 if self.loopback else k % 256

    def private(self, subnet):
        self.priv[subnet] += 1
        n = (self.priv[subnet] + 3) % 65536  # AWS reserves .0-.3
        return "%d.%d.%d.%d" % (127 if self.loopback else 10, self._octet(subnet), n >> 8, n & 0xFF)

    def public(self):
        self.pub += 1
        n = (self.pub + 16) % 65536
        if self.loopback:  # 127.128.0.0/9
            return "127.%d.%d.%d" % (128 + (self.ri % 128), n >> 8, n & 0xFF)
        # 198.18.0.0/15 (RFC 2544): 131072 addresses shared by all regions
        m = (self.ri * 8192 + n) % 131072
        return "198.%d.%d.%d" % (18 + (m >> 16), (m >> 8) & 0xFF, m & 0xFF)

    def subnet_cidr(self, subnet):
        return "%d.%d.0.0/16" % (127 if self.loopback else 10, self._octet(subnet))

    def vpc_cidr(self):
        return "127.0.0.0/8" if self.loopback else "10.0.0.0/8"


def hexid(*parts, n=17):
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:n]


def tags(**kv):
    return [{"Key": k, "Value": v} for k, v in kv.items()]


def gen_region(rng, acct, region, ri, args):
    addr = Addr(args.loopback, ri)
    vpc = "vpc-" + hexid(acct, region, "vpc")
    azs = [region + s for s in "abc"]
    subnets = []
    for i in range(6):
        public = i < 3
        sid = "subnet-" + hexid(acct, region, "subnet", i)
        subnets.append({"_i": i,
            "SubnetId": sid, "VpcId": vpc, "CidrBlock": addr.subnet_cidr(i), "AvailabilityZone": azs[i % 3],
            "AvailableIpAddressCount": 4000, "DefaultForAz": False, "MapPublicIpOnLaunch": public,
            "State": "available", "OwnerId": acct, "SubnetArn": "arn:aws:ec2:%s:%s:subnet/%s" % (region, acct, sid),
            "Tags": tags(Name=("public" if public else "private") + "-%d" % i),
        })
    pub_subnets = subnets[:3]
    priv_subnets = subnets[3:]
    igw = "igw-" + hexid(acct, region, "igw")
    eigw = "eigw-" + hexid(acct, region, "eigw")
    nat = "nat-" + hexid(acct, region, "nat")
    # prefix lists
    pls, pl_entries = [], {}
    for i in range(3):
        plid = "pl-" + hexid(acct, region, "pl", i)
        pls.append({"PrefixListId": plid, "PrefixListName": "bench-pl-%d" % i, "AddressFamily": "IPv4",
                    "MaxEntries": 20, "OwnerId": acct, "State": "create-complete", "Version": 1,
                    "PrefixListArn": "arn:aws:ec2:%s:%s:prefix-list/%s" % (region, acct, plid)})
        pl_entries[plid] = [{"Cidr": "%s/32" % addr.public(), "Description": "entry %d" % j} for j in range(5 + i * 5)]
    # security groups
    sgs = []
    sg_ids = ["sg-" + hexid(acct, region, "sg", i) for i in range(args.sgs)]
    for i, gid in enumerate(sg_ids):
        perms = []
        for r in range(rng.randint(1, 6)):
            kind = rng.random()
            proto = rng.choice(["tcp", "tcp", "tcp", "udp", "-1", "icmp"])
            p = {"IpProtocol": proto, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
            if proto in ("tcp", "udp"):
                lo = rng.choice([22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9000, 1024, 30000])
                p["FromPort"] = lo
                p["ToPort"] = lo if rng.random() < 0.8 else min(65535, lo + rng.randint(1, 1000))
            elif proto == "icmp":
                p["FromPort"], p["ToPort"] = -1, -1
            if kind < 0.25:
                p["IpRanges"].append({"CidrIp": "0.0.0.0/0", "Description": "open"})
                if rng.random() < 0.3:
                    p["Ipv6Ranges"].append({"CidrIpv6": "::/0"})
            elif kind < 0.5:
                p["IpRanges"].append({"CidrIp": "10.0.0.0/8" if not args.loopback else "127.0.0.0/8"})
            elif kind < 0.65:
                p["PrefixListIds"].append({"PrefixListId": rng.choice(pls)["PrefixListId"]})
            elif kind < 0.9 and i > 0:
                p["UserIdGroupPairs"].append({"GroupId": sg_ids[rng.randrange(i)], "UserId": acct})
            else:
                p["IpRanges"].append({"CidrIp": "%s/32" % addr.public(), "Description": "partner"})
            perms.append(p)
        sgs.append({"GroupId": gid, "GroupName": "bench-sg-%d" % i, "Description": "bench group %d" % i,
                    "OwnerId": acct, "VpcId": vpc, "IpPermissions": perms,
                    "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                             "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
                    "Tags": tags(Name="bench-sg-%d" % i)})

    enis = []

    def mk_eni(kind, subnet, groups, public, desc, attach=None, rm=False, requester=None, extra_ips=0, v6=False,
               tagset=None):
        n = len(enis)
        eid = "eni-" + hexid(acct, region, "eni", n)
        ip = addr.private(subnet["_i"])
        mac = "02:%02x:%02x:%02x:%02x:%02x" % (ri & 0xFF, (n >> 24) & 0xFF, (n >> 16) & 0xFF, (n >> 8) & 0xFF,
                                              n & 0xFF)
        e = {"NetworkInterfaceId": eid, "AvailabilityZone": subnet["AvailabilityZone"], "Description": desc,
             "InterfaceType": kind, "MacAddress": mac, "OwnerId": acct,
             "PrivateDnsName": "ip-%s.%s.compute.internal" % (ip.replace(".", "-"), region),
             "PrivateIpAddress": ip, "RequesterManaged": rm, "SourceDestCheck": True, "Status": "in-use",
             "SubnetId": subnet["SubnetId"], "VpcId": vpc,
             "Groups": [{"GroupId": g, "GroupName": "bench-sg-%d" % sg_ids.index(g)} for g in groups],
             "Ipv6Addresses": [{"Ipv6Address": "2001:db8:%x:%x::%x" % (ri, len(enis) >> 16, len(enis) & 0xFFFF)}]
             if v6 else [], "TagSet": tagset or []}
        if requester:
            e["RequesterId"] = requester
        assoc = None
        if public:
            pub = addr.public()
            assoc = {"IpOwnerId": "amazon", "PublicIp": pub}
            e["Association"] = assoc
        e["PrivateIpAddresses"] = [dict({"Primary": True, "PrivateIpAddress": ip}, **({"Association": assoc}
                                                                                       if assoc else {}))]
        for _ in range(extra_ips):
            e["PrivateIpAddresses"].append({"Primary": False, "PrivateIpAddress": addr.private(subnet["_i"])})
        if attach:
            e["Attachment"] = dict({"AttachTime": T0, "DeleteOnTermination": True, "Status": "attached"}, **attach)
        enis.append(e)
        return e

    def pick_sgs(k=None):
        if not sg_ids:
            return []
        return rng.sample(sg_ids, min(len(sg_ids), k or rng.randint(1, 3)))

    # ECS: clusters, services, tasks
    n_clusters = max(1, args.services // 50) if args.services else 0
    clusters = [{"clusterName": "bench-%d" % c, "services": [], "tasks": [], "containerInstances": []}
                for c in range(n_clusters)]
    taskdefs = []
    svc_meta = []
    for s in range(args.services):
        cl = clusters[s % n_clusters]
        bridge = (s % 5 == 4)
        fam = "bench-svc-%d" % s
        ports = sorted({rng.choice([80, 443, 8080, 8443, 9000, 3000, 5000]) for _ in range(rng.randint(1, 3))})
        mode = "bridge" if bridge else "awsvpc"
        taskdefs.append({
            "family": fam, "revision": 1, "networkMode": mode, "status": "ACTIVE",
            "requiresCompatibilities": ["EC2"] if bridge else ["FARGATE"], "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "app", "image": "bench/app:%d" % s, "essential": True,
                                      "portMappings": [{"containerPort": p, "hostPort": 0 if bridge else p,
                                                        "protocol": "tcp"} for p in ports]}],
            "registeredAt": T0})
        public = (not bridge) and rng.random() < 0.3
        svc_sgs = pick_sgs()
        svc = {"serviceName": fam, "launchType": "EC2" if bridge else "FARGATE",
               "taskDefinition": "arn:aws:ecs:%s:%s:task-definition/%s:1" % (region, acct, fam),
               "desiredCount": 0, "runningCount": 0, "pendingCount": 0, "schedulingStrategy": "REPLICA",
               "createdAt": T0, "status": "ACTIVE", "loadBalancers": []}
        if not bridge:
            svc["networkConfiguration"] = {"awsvpcConfiguration": {
                "subnets": [x["SubnetId"] for x in (pub_subnets if public else priv_subnets)],
                "securityGroups": svc_sgs, "assignPublicIp": "ENABLED" if public else "DISABLED"}}
        cl["services"].append(svc)
        svc_meta.append((cl, svc, bridge, ports, public, svc_sgs, fam))
    # container instances for bridge tasks
    bridge_tasks = sum(1 for t in range(args.tasks) if svc_meta and svc_meta[t % len(svc_meta)][2])
    awsvpc_tasks = args.tasks - bridge_tasks if svc_meta else 0
    n_ci_per_cluster = {}
    reservations = []
    ci_hosts = {}  # cluster name -> list of (ci arn, instance id, host ip)
    if bridge_tasks:
        n_ci = max(1, (bridge_tasks + 9) // 10)
        for k in range(n_ci):
            cl = clusters[k % n_clusters]
            iid = "i-" + hexid(acct, region, "ci", k)
            sub = pub_subnets[k % 3]
            e = mk_eni("interface", sub, pick_sgs(), rng.random() < 0.5, "Primary network interface",
                       attach={"AttachmentId": "eni-attach-" + hexid(acct, region, "cia", k), "DeviceIndex": 0,
                               "InstanceId": iid, "InstanceOwnerId": acct}, tagset=tags(Name="ecs-host-%d" % k))
            reservations.append({"ReservationId": "r-" + hexid(acct, region, "r", k), "OwnerId": acct, "Groups": [],
                                 "Instances": [{
                                     "InstanceId": iid, "ImageId": "ami-" + hexid("ecs-ami"), "InstanceType": "m5.large",
                                     "LaunchTime": T0, "State": {"Code": 16, "Name": "running"},
                                     "PrivateIpAddress": e["PrivateIpAddress"],
                                     "PublicIpAddress": e.get("Association", {}).get("PublicIp"),
                                     "SubnetId": sub["SubnetId"], "VpcId": vpc,
                                     "Placement": {"AvailabilityZone": sub["AvailabilityZone"], "Tenancy": "default"},
                                     "SecurityGroups": [{"GroupId": g["GroupId"]} for g in e["Groups"]],
                                     "NetworkInterfaces": [{"NetworkInterfaceId": e["NetworkInterfaceId"],
                                                            "PrivateIpAddress": e["PrivateIpAddress"],
                                                            "SubnetId": sub["SubnetId"], "VpcId": vpc,
                                                            "OwnerId": acct, "Status": "in-use"}],
                                     "Tags": tags(Name="ecs-host-%d" % k)}]})
            ci_id = hexid(acct, region, "ciid", k, n=32)
            arn = "arn:aws:ecs:%s:%s:container-instance/%s/%s" % (region, acct, cl["clusterName"], ci_id)
            cl["containerInstances"].append({"containerInstanceArn": arn, "ec2InstanceId": iid, "status": "ACTIVE",
                                             "agentConnected": True, "runningTasksCount": 0, "pendingTasksCount": 0,
                                             "registeredAt": T0})
            ci_hosts.setdefault(cl["clusterName"], []).append((arn, iid))
            n_ci_per_cluster[cl["clusterName"]] = n_ci_per_cluster.get(cl["clusterName"], 0) + 1
    if svc_meta and awsvpc_tasks > max(0, args.enis - len(enis)):
        sys.exit("gen_large: %d awsvpc tasks need as many ENIs; raise --enis (have %d left)"
                 % (awsvpc_tasks, args.enis - len(enis)))
    next_host_port = {}
    for t in range(args.tasks if svc_meta else 0):
        cl, svc, bridge, ports, public, svc_sgs, fam = svc_meta[t % len(svc_meta)]
        cname = cl["clusterName"]
        tid = hexid(acct, region, "task", t, n=32)
        arn = "arn:aws:ecs:%s:%s:task/%s/%s" % (region, acct, cname, tid)
        task = {"taskArn": arn, "taskDefinitionArn": "arn:aws:ecs:%s:%s:task-definition/%s:1" % (region, acct, fam),
                "group": "service:" + fam, "startedBy": "ecs-svc/" + hexid(fam, n=16),
                "launchType": svc["launchType"], "lastStatus": "RUNNING", "desiredStatus": "RUNNING",
                "connectivity": "CONNECTED", "cpu": "256", "memory": "512", "createdAt": T0, "startedAt": T0,
                "version": 2, "attachments": [], "containers": []}
        container = {"containerArn": "arn:aws:ecs:%s:%s:container/%s/%s/app" % (region, acct, cname, tid),
                     "taskArn": arn, "name": "app", "image": "bench/app", "lastStatus": "RUNNING",
                     "networkBindings": [], "networkInterfaces": []}
        if bridge:
            hosts = ci_hosts.get(cname) or [h for v in ci_hosts.values() for h in v]
            ci_arn, iid = hosts[t % len(hosts)]
            task["containerInstanceArn"] = ci_arn
            task["availabilityZone"] = azs[0]
            for p in ports:
                hp = next_host_port.get(iid, 32768)
                next_host_port[iid] = hp + 1
                container["networkBindings"].append({"bindIP": "0.0.0.0", "containerPort": p, "hostPort": hp,
                                                     "protocol": "tcp"})
        else:
            sub = rng.choice(pub_subnets if public else priv_subnets)
            att_id = hexid(acct, region, "att", t, n=32)
            att_id = "%s-%s-%s-%s-%s" % (att_id[:8], att_id[8:12], att_id[12:16], att_id[16:20], att_id[20:32])
            e = mk_eni("interface", sub, svc_sgs, public,
                       "arn:aws:ecs:%s:%s:attachment/%s" % (region, acct, att_id),
                       attach={"AttachmentId": "ela-attach-" + hexid(acct, region, "ela", t, n=8), "DeviceIndex": 1,
                               "InstanceOwnerId": "amazon-aws"},
                       rm=True, requester=ECS_SERVICE_PRINCIPAL_ACCOUNT, v6=rng.random() < 0.2,
                       tagset=tags(**{"aws:ecs:clusterName": cname, "aws:ecs:serviceName": fam}))
            task["availabilityZone"] = sub["AvailabilityZone"]
            if svc["launchType"] == "FARGATE":
                task["platformVersion"] = "1.4.0"
            det = [{"name": "subnetId", "value": sub["SubnetId"]},
                   {"name": "networkInterfaceId", "value": e["NetworkInterfaceId"]},
                   {"name": "macAddress", "value": e["MacAddress"]},
                   {"name": "privateDnsName", "value": e["PrivateDnsName"]},
                   {"name": "privateIPv4Address", "value": e["PrivateIpAddress"]}]
            task["attachments"].append({"id": att_id, "type": "ElasticNetworkInterface", "status": "ATTACHED",
                                        "details": det})
            ni = {"attachmentId": att_id, "privateIpv4Address": e["PrivateIpAddress"]}
            if e["Ipv6Addresses"]:
                ni["ipv6Address"] = e["Ipv6Addresses"][0]["Ipv6Address"]
            container["networkInterfaces"].append(ni)
        task["containers"].append(container)
        cl["tasks"].append(task)
        svc["desiredCount"] += 1
        svc["runningCount"] += 1
    # the rest of the ENIs: instances, load balancers, NAT, endpoints, lambda
    other_kinds = ["interface", "interface", "network_load_balancer", "nat_gateway", "vpc_endpoint", "lambda"]
    inst_n = 0
    while len(enis) < args.enis:
        kind = other_kinds[len(enis) % len(other_kinds)]
        sub = rng.choice(subnets)
        if kind == "interface":
            iid = "i-" + hexid(acct, region, "inst", inst_n)
            inst_n += 1
            e = mk_eni(kind, sub, pick_sgs(), sub["MapPublicIpOnLaunch"] and rng.random() < 0.6,
                       "Primary network interface",
                       attach={"AttachmentId": "eni-attach-" + hexid(acct, region, "ia", inst_n), "DeviceIndex": 0,
                               "InstanceId": iid, "InstanceOwnerId": acct}, extra_ips=rng.choice([0, 0, 0, 1, 2]),
                       tagset=tags(Name="host-%d" % inst_n))
            reservations.append({"ReservationId": "r-" + hexid(acct, region, "ri", inst_n), "OwnerId": acct,
                                 "Groups": [], "Instances": [{
                                     "InstanceId": iid, "ImageId": "ami-" + hexid("bench-ami"),
                                     "InstanceType": "t3.micro", "LaunchTime": T0,
                                     "State": {"Code": 16, "Name": "running"},
                                     "PrivateIpAddress": e["PrivateIpAddress"],
                                     "PublicIpAddress": e.get("Association", {}).get("PublicIp"),
                                     "SubnetId": sub["SubnetId"], "VpcId": vpc,
                                     "Placement": {"AvailabilityZone": sub["AvailabilityZone"], "Tenancy": "default"},
                                     "SecurityGroups": [{"GroupId": g["GroupId"]} for g in e["Groups"]],
                                     "NetworkInterfaces": [{"NetworkInterfaceId": e["NetworkInterfaceId"],
                                                            "PrivateIpAddress": e["PrivateIpAddress"],
                                                            "SubnetId": sub["SubnetId"], "VpcId": vpc,
                                                            "OwnerId": acct, "Status": "in-use"}],
                                     "Tags": tags(Name="host-%d" % inst_n)}]})
        elif kind == "network_load_balancer":
            mk_eni(kind, sub, [], sub["MapPublicIpOnLaunch"], "ELB net/bench-nlb/" + hexid(len(enis), n=16),
                   rm=True, requester="amazon-elb",
                   attach={"AttachmentId": "ela-attach-" + hexid(len(enis), n=8), "DeviceIndex": 1,
                           "InstanceOwnerId": "amazon-aws"})
        elif kind == "nat_gateway":
            mk_eni(kind, pub_subnets[0], [], True, "Interface for NAT Gateway " + nat, rm=True,
                   requester="441065069478")
        else:
            mk_eni(kind, sub, pick_sgs(1), False, "%s interface" % kind, rm=True, requester="AROAFAKE:" + kind)
    for cl in clusters:
        for ci in cl["containerInstances"]:
            ci["runningTasksCount"] = sum(1 for t in cl["tasks"] if t.get("containerInstanceArn") == ci[
                "containerInstanceArn"])
    # load balancers
    lbs, listeners = [], []
    for k in range(max(1, args.services // 10) if args.services else 0):
        typ = "application" if k % 2 == 0 else "network"
        name = "bench-%s-%d" % ("alb" if typ == "application" else "nlb", k)
        arn = "arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s" % (
            region, acct, "app" if typ == "application" else "net", name, hexid(name, n=16))
        scheme = "internet-facing" if k % 3 != 2 else "internal"
        lbs.append({"LoadBalancerArn": arn, "LoadBalancerName": name, "Type": typ, "Scheme": scheme,
                    "DNSName": "%s-%s.elb.%s.amazonaws.com" % (name, hexid(name, n=8), region), "VpcId": vpc,
                    "State": {"Code": "active"}, "IpAddressType": "ipv4", "CreatedTime": T0,
                    "AvailabilityZones": [{"ZoneName": x["AvailabilityZone"], "SubnetId": x["SubnetId"]}
                                          for x in (pub_subnets if scheme == "internet-facing" else priv_subnets)],
                    "SecurityGroups": pick_sgs(1)})
        for p in ([80, 443] if typ == "application" else [443, 5432]):
            listeners.append({"ListenerArn": arn.replace(":loadbalancer/", ":listener/") + "/" + hexid(arn, p, n=16),
                              "LoadBalancerArn": arn, "Port": p,
                              "Protocol": ("HTTPS" if p == 443 else "HTTP") if typ == "application" else "TCP"})
    for x in subnets:
        del x["_i"]
    ec2 = {
        "SecurityGroups": sgs, "NetworkInterfaces": enis, "PrefixLists": pls, "PrefixListEntries": pl_entries,
        "Reservations": reservations, "Subnets": subnets,
        "InternetGateways": [{"InternetGatewayId": igw, "OwnerId": acct,
                              "Attachments": [{"State": "available", "VpcId": vpc}]}],
        "EgressOnlyInternetGateways": [{"EgressOnlyInternetGatewayId": eigw,
                                        "Attachments": [{"State": "attached", "VpcId": vpc}]}],
        "RouteTables": [
            {"RouteTableId": "rtb-" + hexid(acct, region, "rtb-pub"), "VpcId": vpc, "OwnerId": acct,
             "Associations": [{"Main": False, "RouteTableAssociationId": "rtbassoc-" + hexid(acct, region, "ra", i),
                               "RouteTableId": "rtb-" + hexid(acct, region, "rtb-pub"), "SubnetId": x["SubnetId"]}
                              for i, x in enumerate(pub_subnets)],
             "Routes": [{"DestinationCidrBlock": addr.vpc_cidr(), "GatewayId": "local", "State": "active"},
                        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active"},
                        {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": eigw,
                         "State": "active"}]},
            {"RouteTableId": "rtb-" + hexid(acct, region, "rtb-priv"), "VpcId": vpc, "OwnerId": acct,
             "Associations": [{"Main": True, "RouteTableAssociationId": "rtbassoc-" + hexid(acct, region, "rm"),
                               "RouteTableId": "rtb-" + hexid(acct, region, "rtb-priv")}],
             "Routes": [{"DestinationCidrBlock": addr.vpc_cidr(), "GatewayId": "local", "State": "active"},
                        {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "State": "active"}]},
        ],
        "NetworkAcls": [{"NetworkAclId": "acl-" + hexid(acct, region, "acl"), "VpcId": vpc, "IsDefault": True,
                         "OwnerId": acct,
                         "Associations": [{"NetworkAclAssociationId": "aclassoc-" + hexid(acct, region, "aa", i),
                                           "NetworkAclId": "acl-" + hexid(acct, region, "acl"),
                                           "SubnetId": x["SubnetId"]} for i, x in enumerate(subnets)],
                         "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": e,
                                      "CidrBlock": "0.0.0.0/0"} for e in (False, True)]
                         + [{"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": e,
                             "CidrBlock": "0.0.0.0/0"} for e in (False, True)]}],
    }
    return {"ec2": ec2, "elbv2": {"LoadBalancers": lbs, "Listeners": listeners},
            "ecs": {"clusters": clusters, "taskDefinitions": taskdefs}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=4, help="regions per account (max %d)" % len(ALL_REGIONS))
    ap.add_argument("--enis", type=int, default=2000, help="network interfaces per region")
    ap.add_argument("--sgs", type=int, default=200, help="security groups per region")
    ap.add_argument("--services", type=int, default=50, help="ECS services per region")
    ap.add_argument("--tasks", type=int, default=500, help="ECS tasks per region (4 in 5 are awsvpc, one ENI each)")
    ap.add_argument("--accounts", type=int, default=1, help="accounts (the first is the org management account)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--page-size", type=int, default=100, help="settings.page_size of the scenario")
    ap.add_argument("--loopback", action="store_true", help="all IPv4 addresses in 127.0.0.0/8")
    ap.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    ap.add_argument("--print-keys", action="store_true", help="print ACCOUNT AKID SECRET lines to stderr")
    args = ap.parse_args()
    if not 1 <= args.regions <= len(ALL_REGIONS):
        ap.error("--regions must be 1..%d" % len(ALL_REGIONS))
    if min(args.enis, args.sgs, args.services, args.tasks) < 0 or args.accounts < 1:
        ap.error("counts must not be negative")
    if args.tasks and not args.services:
        ap.error("--tasks needs --services")
    rng = random.Random(args.seed)
    regions = ALL_REGIONS[:args.regions]
    accounts = []
    for a in range(args.accounts):
        acct = "%012d" % (100000000000 + a + 1)
        akid = "AKIAFAKEBENCH%07d" % (a + 1)
        secret = "fakeBenchSecret" + hexid("secret", a, n=25)
        resources = {}
        for ri, region in enumerate(regions):
            resources[region] = gen_region(rng, acct, region, ri + a * len(regions), args)
        accounts.append({"id": acct, "name": "bench-%d" % (a + 1), "email": "bench%d@example.com" % (a + 1),
                         "regions": regions,
                         "access_keys": [{"AccessKeyId": akid, "SecretAccessKey": secret, "UserName": "bench"}],
                         "roles": [{"name": "EcsProbeAudit"}], "resources": resources})
        if args.print_keys:
            sys.stderr.write("%s %s %s\n" % (acct, akid, secret))
    sc = {
        "description": "gen_large.py --regions %d --enis %d --sgs %d --services %d --tasks %d --accounts %d "
                       "--seed %d%s" % (args.regions, args.enis, args.sgs, args.services, args.tasks, args.accounts,
                                        args.seed, " --loopback" if args.loopback else ""),
        "settings": {"page_size": args.page_size},
        "accounts": accounts,
        "organization": {"management_account": accounts[0]["id"]},
        "sso": {"tokens": {"fake-sso-bearer-token": [{"account_id": x["id"], "role_name": "EcsProbeAudit"}
                                                     for x in accounts]}},
    }
    out = sys.stdout if args.output == "-" else open(args.output, "w")
    json.dump(sc, out, separators=(",", ":"))
    out.write("\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
