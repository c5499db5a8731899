#!/usr/bin/env python3
"""fakeaws: a fake AWS endpoint for ecsprobe's tests.

One loopback port impersonates EC2, ELBv2, STS, ECS, Organizations, S3, the IAM
Identity Center portal, the EC2 instance metadata service (IMDSv2) and the
ECS container credentials endpoint.  Every signed request is checked with
SigV4 (botocore's signer, with the request's own timestamp).  Responses are
rendered from the scenario with botocore's service models, so the XML/JSON
has the field names, nesting and list wrappers the real services use.

See README.md beside this file for the scenario format and fault controls.
Never listens on anything but 127.0.0.1.
"""

import argparse
import base64
import collections
import datetime
import email.utils
import fnmatch
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import socket
import string
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape as _xml_escape

import fake_s3  # S3 (REST-XML): an in-memory bucket store, a Handler mixin
import fake_securityhub  # Security Hub BatchImportFindings (REST-JSON), a Handler mixin

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import botocore.loaders
    import botocore.model
except ImportError:  # pragma: no cover
    sys.stderr.write("fakeaws: python3-botocore is required (apt-get install python3-botocore)\n")
    sys.exit(3)

LISTEN_ADDR = "127.0.0.1"

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"

# Query API version -> (model name, signing service name)
QUERY_VERSIONS = {
    "2016-11-15": ("ec2", "ec2"),
    "2015-12-01": ("elbv2", "elasticloadbalancing"),
    "2011-06-15": ("sts", "sts"),
}
# X-Amz-Target prefix -> (model name, signing service name)
JSON_TARGETS = {
    "AmazonEC2ContainerServiceV20141113": ("ecs", "ecs"),
    "AWSOrganizationsV20161128": ("organizations", "organizations"),
}
MODEL_VERSIONS = {
    "ec2": "2016-11-15",
    "elbv2": "2015-12-01",
    "sts": "2011-06-15",
    "ecs": "2014-11-13",
    "organizations": "2016-11-28",
    "securityhub": "2018-10-26",
}
GLOBAL_SERVICES = {"sts", "organizations"}

DEFAULT_ALL_REGIONS = [
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
    "me-central-1", "me-south-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
    "us-west-2",
]
# regions that are enabled for every account unless the account lists its own
OPT_IN_REGIONS = {
    "af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
    "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1",
}

SIG_MISMATCH_MSG = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)


# ---------------------------------------------------------------------------
# small helpers


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def iso8601(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_escape(s):
    return _xml_escape(str(s), {'"': "&quot;"})


def request_id():
    return str(uuid.uuid4())


def parse_time(value):
    """ISO8601 string or epoch number -> aware datetime."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    s = str(value).strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = datetime.datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt


def rand_id(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


class ApiError(Exception):
    """An error the fake answers in the service's own format."""

    def __init__(self, code, message, status=400, sender=True):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender


class ScenarioError(Exception):
    pass


# ---------------------------------------------------------------------------
# botocore models


class Models:
    def __init__(self):
        loader = botocore.loaders.Loader()
        self.svc = {}
        for name, version in MODEL_VERSIONS.items():
            data = loader.load_service_model(name, "service-2", version)
            self.svc[name] = botocore.model.ServiceModel(data, name)

    def op(self, service, action):
        m = self.svc[service]
        if action not in m.operation_names:
            return None
        return m.operation_model(action)

    def list_member(self, service, action, member):
        """Shape of one element of output list `member` of `action`."""
        return self.op(service, action).output_shape.members[member].member

    def shape(self, service, name):
        return self.svc[service].shape_for(name)


# --- output rendering (model driven) ---------------------------------------


# Scenario objects never change and stay alive as long as the server, so
# their id() is a safe cache key: rendered XML fragments and JSON forms of
# the objects registered here are computed once.
STABLE = set()
_FRAGMENTS = {}
_JSON_FORMS = {}


def _xml_scalar(shape, value):
    t = shape.type_name
    if t == "boolean":
        return "true" if value else "false"
    if t == "timestamp":
        try:
            return parse_time(value).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        except (ValueError, TypeError):
            return xml_escape(value)
    if t == "blob":
        if isinstance(value, str):
            value = value.encode()
        return base64.b64encode(value).decode()
    return xml_escape(value)


def xml_render(out, name, shape, value, ind, unit):
    """Append the XML for `value` (model shape `shape`) as element `name`,
    pretty-printed the way EC2 (4 spaces) and ELB/STS (2 spaces) do;
    `ind` is the newline plus indentation of this element, `unit` one level."""
    t = shape.type_name
    if t == "structure":
        out.append("%s<%s>" % (ind, name))
        xml_render_members(out, shape, value, ind, unit)
        out.append("%s</%s>" % (ind, name))
    elif t == "list":
        mshape = shape.member
        if shape.serialization.get("flattened"):
            iname = mshape.serialization.get("name", name)
            for v in value:
                xml_render(out, iname, mshape, v, ind, unit)
            return
        if not value:
            out.append("%s<%s/>" % (ind, name))
            return
        iname = mshape.serialization.get("name", "member")
        inner = ind + unit
        out.append("%s<%s>" % (ind, name))
        for v in value:
            if id(v) in STABLE:
                key = (id(v), inner)
                frag = _FRAGMENTS.get(key)
                if frag is None:
                    sub = []
                    xml_render(sub, iname, mshape, v, inner, unit)
                    frag = _FRAGMENTS[key] = "".join(sub)
                out.append(frag)
            else:
                xml_render(out, iname, mshape, v, inner, unit)
        out.append("%s</%s>" % (ind, name))
    elif t == "map":
        kname = shape.key.serialization.get("name", "key")
        vname = shape.value.serialization.get("name", "value")
        inner = ind + unit
        out.append("%s<%s>" % (ind, name))
        for k, v in value.items():
            out.append("%s<entry>" % inner)
            xml_render(out, kname, shape.key, k, inner + unit, unit)
            xml_render(out, vname, shape.value, v, inner + unit, unit)
            out.append("%s</entry>" % inner)
        out.append("%s</%s>" % (ind, name))
    else:
        out.append("%s<%s>%s</%s>" % (ind, name, _xml_scalar(shape, value), name))


def xml_render_members(out, shape, value, ind, unit):
    inner = ind + unit
    for mname, mshape in shape.members.items():
        if mname in value and value[mname] is not None:
            xml_render(out, mshape.serialization.get("name", mname), mshape, value[mname], inner, unit)


def json_render(shape, value):
    """Convert scenario data to the JSON protocol's wire form."""
    if value is None:
        return None
    t = shape.type_name
    if t == "structure":
        if id(value) in STABLE:
            res = _JSON_FORMS.get(id(value))
            if res is None:
                res = _JSON_FORMS[id(value)] = {k: json_render(shape.members[k], v) for k, v in value.items()
                                                if k in shape.members and v is not None}
            return res
        res = {}
        for k, v in value.items():
            if k in shape.members and v is not None:
                res[k] = json_render(shape.members[k], v)
        return res
    if t == "list":
        return [json_render(shape.member, v) for v in value]
    if t == "map":
        return {k: json_render(shape.value, v) for k, v in value.items()}
    if t == "timestamp":
        if isinstance(value, (int, float)):
            return value
        return parse_time(value).timestamp()
    return value


WARNINGS = []
ENUM_EXTRAS = {"nat_gateway", "available"}  # values real EC2 returns outside its model's enum


def validate(value, shape, path):
    """Check scenario data against a model shape (unknown keys, types)."""
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            raise ScenarioError("%s: expected an object (%s)" % (path, shape.name))
        for k, v in value.items():
            if k not in shape.members:
                raise ScenarioError(
                    "%s: unknown field %r for %s (known: %s)"
                    % (path, k, shape.name, ", ".join(shape.members))
                )
            if v is not None:
                validate(v, shape.members[k], "%s.%s" % (path, k))
    elif t == "list":
        if not isinstance(value, list):
            raise ScenarioError("%s: expected a list" % path)
        for i, v in enumerate(value):
            validate(v, shape.member, "%s[%d]" % (path, i))
    elif t == "map":
        if not isinstance(value, dict):
            raise ScenarioError("%s: expected an object (map)" % path)
        for k, v in value.items():
            validate(v, shape.value, "%s.%s" % (path, k))
    elif t == "string":
        if not isinstance(value, str):
            raise ScenarioError("%s: expected a string" % path)
        enum = shape.enum
        if enum and value not in enum and value not in ENUM_EXTRAS:
            # real services answer values their own models do not list
            # (EC2 says interfaceType "nat_gateway"), so only warn
            WARNINGS.append("%s: %r is not one of %s" % (path, value, ", ".join(enum)))
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ScenarioError("%s: expected an integer" % path)
    elif t == "boolean":
        if not isinstance(value, bool):
            raise ScenarioError("%s: expected true/false" % path)
    elif t in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ScenarioError("%s: expected a number" % path)
    elif t == "timestamp":
        try:
            parse_time(value)
        except (ValueError, TypeError):
            raise ScenarioError("%s: expected an ISO8601 time or epoch seconds" % path)


# --- input parsing (model driven) -------------------------------------------


def _q_name(shape, default, ec2):
    ser = shape.serialization
    if ec2:
        if "queryName" in ser:
            return ser["queryName"]
        if "name" in ser:
            n = ser["name"]
            return n[0].upper() + n[1:]
        return default
    return ser.get("name", default)


def _q_convert(shape, raw, key):
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise ApiError("InvalidParameterValue", "Invalid value '%s' for %s" % (raw, key))
    if t == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ApiError("InvalidParameterValue", "Invalid boolean value '%s' for %s" % (raw, key))
        return raw.lower() == "true"
    return raw


def query_parse(shape, params, prefix, ec2, keys):
    """Rebuild the input dict that botocore serialized into Query params."""
    t = shape.type_name
    if t == "structure":
        res = {}
        for mname, mshape in shape.members.items():
            n = _q_name(mshape, mname, ec2)
            p = "%s.%s" % (prefix, n) if prefix else n
            v = query_parse(mshape, params, p, ec2, keys)
            if v is not None:
                res[mname] = v
        if prefix and not res:
            return None
        return res
    if t == "list":
        if prefix in params and params[prefix] == "":
            return []
        if ec2:
            base = prefix
        elif shape.serialization.get("flattened"):
            if shape.member.serialization.get("name"):
                name = _q_name(shape.member, "", ec2)
                base = ".".join(prefix.split(".")[:-1] + [name])
            else:
                base = prefix
        else:
            base = "%s.%s" % (prefix, shape.member.serialization.get("name", "member"))
        items = []
        i = 1
        while True:
            p = "%s.%d" % (base, i)
            if p not in params and not any(k.startswith(p + ".") for k in keys):
                break
            v = query_parse(shape.member, params, p, ec2, keys)
            items.append(v)
            i += 1
        return items if items else None
    if t == "map":
        return None
    if prefix in params:
        return _q_convert(shape, params[prefix], prefix)
    return None


# ---------------------------------------------------------------------------
# filters and pagination


def extract(obj, path):
    """Values at dotted `path`, flattening lists on the way."""
    cur = [obj]
    for part in path.split("."):
        nxt = []
        for c in cur:
            if isinstance(c, list):
                for e in c:
                    if isinstance(e, dict) and part in e:
                        v = e[part]
                        nxt.extend(v if isinstance(v, list) else [v])
            elif isinstance(c, dict) and part in c:
                v = c[part]
                nxt.extend(v if isinstance(v, list) else [v])
        cur = nxt
    res = []
    for v in cur:
        if isinstance(v, bool):
            res.append("true" if v else "false")
        elif isinstance(v, (str, int, float)):
            res.append(str(v))
    return res


def _tags(obj):
    return (obj.get("Tags") or []) + (obj.get("TagSet") or [])


def filter_match(obj, name, values, fmap):
    if name.startswith("tag:"):
        key = name[4:]
        have = [t.get("Value", "") for t in _tags(obj) if t.get("Key") == key]
    elif name == "tag-key":
        have = [t.get("Key", "") for t in _tags(obj)]
    elif name == "tag-value":
        have = [t.get("Value", "") for t in _tags(obj)]
    else:
        spec = fmap[name]
        have = []
        for p in spec if isinstance(spec, (list, tuple)) else [spec]:
            have.extend(extract(obj, p))
    for want in values:
        for h in have:
            if fnmatch.fnmatchcase(h, want):
                return True
    return False


def apply_filters(items, filters, fmap):
    for f in filters or []:
        name = f.get("Name")
        values = f.get("Values") or []
        if not name:
            raise ApiError("InvalidParameterValue", "The filter 'null' is invalid")
        if not (name.startswith("tag:") or name in ("tag-key", "tag-value") or name in fmap):
            raise ApiError("InvalidParameterValue", "The filter '%s' is invalid" % name)
        items = [o for o in items if filter_match(o, name, values, fmap)]
    return items


def make_token(kind, offset, fingerprint):
    raw = json.dumps({"k": kind, "o": offset, "f": fingerprint[:16]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_token(token, kind, fingerprint):
    try:
        pad = "=" * (-len(token) % 4)
        d = json.loads(base64.urlsafe_b64decode(token + pad))
        if d["k"] != kind or d["f"] != fingerprint[:16] or not isinstance(d["o"], int) or d["o"] < 0:
            return None
        return d["o"]
    except Exception:
        return None


def fingerprint(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------
# scenario


EC2_ACTIONS = {
    # action: (scenario key, output member, id params, filters)
    "DescribeSecurityGroups": dict(
        res="SecurityGroups",
        ids=[
            ("GroupIds", "GroupId", "InvalidGroup.NotFound", "The security group '%s' does not exist"),
            ("GroupNames", "GroupName", "InvalidGroup.NotFound", "The security group '%s' does not exist"),
        ],
        ids_exclude_max=True,
        filters={
            "group-id": "GroupId", "group-name": "GroupName", "vpc-id": "VpcId",
            "owner-id": "OwnerId", "description": "Description",
            "ip-permission.cidr": "IpPermissions.IpRanges.CidrIp",
            "ip-permission.ipv6-cidr": "IpPermissions.Ipv6Ranges.CidrIpv6",
            "ip-permission.prefix-list-id": "IpPermissions.PrefixListIds.PrefixListId",
            "ip-permission.group-id": "IpPermissions.UserIdGroupPairs.GroupId",
            "ip-permission.group-name": "IpPermissions.UserIdGroupPairs.GroupName",
            "ip-permission.user-id": "IpPermissions.UserIdGroupPairs.UserId",
            "ip-permission.protocol": "IpPermissions.IpProtocol",
            "ip-permission.from-port": "IpPermissions.FromPort",
            "ip-permission.to-port": "IpPermissions.ToPort",
            "egress.ip-permission.cidr": "IpPermissionsEgress.IpRanges.CidrIp",
            "egress.ip-permission.ipv6-cidr": "IpPermissionsEgress.Ipv6Ranges.CidrIpv6",
            "egress.ip-permission.prefix-list-id": "IpPermissionsEgress.PrefixListIds.PrefixListId",
            "egress.ip-permission.group-id": "IpPermissionsEgress.UserIdGroupPairs.GroupId",
            "egress.ip-permission.protocol": "IpPermissionsEgress.IpProtocol",
            "egress.ip-permission.from-port": "IpPermissionsEgress.FromPort",
            "egress.ip-permission.to-port": "IpPermissionsEgress.ToPort",
        },
    ),
    "DescribeNetworkInterfaces": dict(
        res="NetworkInterfaces",
        ids=[("NetworkInterfaceIds", "NetworkInterfaceId", "InvalidNetworkInterfaceID.NotFound",
              "The networkInterface ID '%s' does not exist")],
        ids_exclude_max=True,
        filters={
            "network-interface-id": "NetworkInterfaceId", "group-id": "Groups.GroupId",
            "group-name": "Groups.GroupName", "vpc-id": "VpcId", "subnet-id": "SubnetId",
            "availability-zone": "AvailabilityZone", "description": "Description",
            "interface-type": "InterfaceType", "status": "Status", "owner-id": "OwnerId",
            "requester-managed": "RequesterManaged", "requester-id": "RequesterId",
            "mac-address": "MacAddress", "private-dns-name": "PrivateDnsName",
            "source-dest-check": "SourceDestCheck",
            "private-ip-address": "PrivateIpAddress",
            "addresses.private-ip-address": "PrivateIpAddresses.PrivateIpAddress",
            "addresses.primary": "PrivateIpAddresses.Primary",
            "addresses.association.public-ip": "PrivateIpAddresses.Association.PublicIp",
            "association.public-ip": "Association.PublicIp",
            "association.allocation-id": "Association.AllocationId",
            "association.association-id": "Association.AssociationId",
            "association.ip-owner-id": "Association.IpOwnerId",
            "ipv6-addresses.ipv6-address": "Ipv6Addresses.Ipv6Address",
            "attachment.instance-id": "Attachment.InstanceId",
            "attachment.instance-owner-id": "Attachment.InstanceOwnerId",
            "attachment.attachment-id": "Attachment.AttachmentId",
            "attachment.status": "Attachment.Status",
            "attachment.device-index": "Attachment.DeviceIndex",
        },
    ),
    "DescribeManagedPrefixLists": dict(
        res="PrefixLists",
        ids=[("PrefixListIds", "PrefixListId", "InvalidPrefixListID.NotFound",
              "The prefix list ID '%s' does not exist")],
        filters={"prefix-list-id": "PrefixListId", "prefix-list-name": "PrefixListName",
                 "owner-id": "OwnerId"},
    ),
    "DescribeNetworkAcls": dict(
        res="NetworkAcls",
        ids=[("NetworkAclIds", "NetworkAclId", "InvalidNetworkAclID.NotFound",
              "The network ACL ID '%s' does not exist")],
        filters={"network-acl-id": "NetworkAclId", "vpc-id": "VpcId", "default": "IsDefault",
                 "owner-id": "OwnerId", "association.subnet-id": "Associations.SubnetId",
                 "association.network-acl-id": "Associations.NetworkAclId",
                 "association.association-id": "Associations.NetworkAclAssociationId",
                 "entry.cidr": "Entries.CidrBlock", "entry.rule-action": "Entries.RuleAction",
                 "entry.egress": "Entries.Egress", "entry.protocol": "Entries.Protocol"},
    ),
    "DescribeRouteTables": dict(
        res="RouteTables",
        ids=[("RouteTableIds", "RouteTableId", "InvalidRouteTableID.NotFound",
              "The routeTable ID '%s' does not exist")],
        filters={"route-table-id": "RouteTableId", "vpc-id": "VpcId", "owner-id": "OwnerId",
                 "association.subnet-id": "Associations.SubnetId",
                 "association.main": "Associations.Main",
                 "association.gateway-id": "Associations.GatewayId",
                 "association.route-table-association-id": "Associations.RouteTableAssociationId",
                 "route.gateway-id": "Routes.GatewayId",
                 "route.destination-cidr-block": "Routes.DestinationCidrBlock",
                 "route.destination-ipv6-cidr-block": "Routes.DestinationIpv6CidrBlock",
                 "route.destination-prefix-list-id": "Routes.DestinationPrefixListId",
                 "route.egress-only-internet-gateway-id": "Routes.EgressOnlyInternetGatewayId",
                 "route.nat-gateway-id": "Routes.NatGatewayId",
                 "route.transit-gateway-id": "Routes.TransitGatewayId",
                 "route.instance-id": "Routes.InstanceId",
                 "route.state": "Routes.State"},
    ),
    "DescribeInternetGateways": dict(
        res="InternetGateways",
        ids=[("InternetGatewayIds", "InternetGatewayId", "InvalidInternetGatewayID.NotFound",
              "The internetGateway ID '%s' does not exist")],
        filters={"internet-gateway-id": "InternetGatewayId", "owner-id": "OwnerId",
                 "attachment.vpc-id": "Attachments.VpcId", "attachment.state": "Attachments.State"},
    ),
    "DescribeEgressOnlyInternetGateways": dict(
        res="EgressOnlyInternetGateways",
        ids=[("EgressOnlyInternetGatewayIds", "EgressOnlyInternetGatewayId",
              "InvalidEgressOnlyInternetGatewayId.NotFound",
              "The egressOnlyInternetGateway ID '%s' does not exist")],
        filters={"egress-only-internet-gateway-id": "EgressOnlyInternetGatewayId",
                 "attachment.vpc-id": "Attachments.VpcId", "attachment.state": "Attachments.State"},
    ),
    "DescribeSubnets": dict(
        res="Subnets",
        ids=[("SubnetIds", "SubnetId", "InvalidSubnetID.NotFound",
              "The subnet ID '%s' does not exist")],
        filters={"subnet-id": "SubnetId", "vpc-id": "VpcId", "availability-zone": "AvailabilityZone",
                 "availability-zone-id": "AvailabilityZoneId", "cidr-block": "CidrBlock",
                 "cidr": "CidrBlock", "default-for-az": "DefaultForAz", "state": "State",
                 "map-public-ip-on-launch": "MapPublicIpOnLaunch", "owner-id": "OwnerId",
                 "subnet-arn": "SubnetArn",
                 "ipv6-cidr-block-association.ipv6-cidr-block":
                     "Ipv6CidrBlockAssociationSet.Ipv6CidrBlock"},
    ),
}

INSTANCE_FILTERS = {
    "instance-id": "InstanceId", "vpc-id": "VpcId", "subnet-id": "SubnetId",
    "instance-state-name": "State.Name", "instance-state-code": "State.Code",
    "instance-type": "InstanceType", "image-id": "ImageId",
    "private-ip-address": "PrivateIpAddress", "ip-address": "PublicIpAddress",
    "private-dns-name": "PrivateDnsName", "dns-name": "PublicDnsName",
    "availability-zone": "Placement.AvailabilityZone",
    "instance.group-id": "SecurityGroups.GroupId", "instance.group-name": "SecurityGroups.GroupName",
    "network-interface.network-interface-id": "NetworkInterfaces.NetworkInterfaceId",
    "network-interface.addresses.private-ip-address":
        "NetworkInterfaces.PrivateIpAddresses.PrivateIpAddress",
    "network-interface.addresses.association.public-ip":
        "NetworkInterfaces.PrivateIpAddresses.Association.PublicIp",
    "network-interface.vpc-id": "NetworkInterfaces.VpcId",
    "network-interface.subnet-id": "NetworkInterfaces.SubnetId",
    "network-interface.group-id": "NetworkInterfaces.Groups.GroupId",
    "iam-instance-profile.arn": "IamInstanceProfile.Arn",
    "reservation-id": "_ReservationId", "owner-id": "_OwnerId",
}

ELB_ERRORS = {
    "lb": ("LoadBalancerNotFound", "One or more load balancers not found"),
    "listener": ("ListenerNotFound", "One or more listeners not found"),
    "tg": ("TargetGroupNotFound", "One or more target groups not found"),
}


class Account:
    def __init__(self, raw, scenario):
        self.raw = raw
        self.id = str(raw["id"])
        if not re.fullmatch(r"\d{12}", self.id):
            raise ScenarioError("account id %r is not 12 digits" % self.id)
        self.name = raw.get("name", "account-" + self.id)
        self.email = raw.get("email", "aws+%s@example.com" % self.id)
        self.status = raw.get("status", "ACTIVE")
        self.regions = list(raw.get("regions") or sorted(raw.get("resources", {}).keys()) or ["us-east-1"])
        self.roles = {}
        for r in raw.get("roles", []):
            self.roles[r["name"]] = r
        self.deny = list(raw.get("deny_actions", []))
        self.resources = {}
        for region, data in (raw.get("resources") or {}).items():
            self.resources[region] = RegionData(self, region, data, scenario)
        for region in self.regions:
            if region not in self.resources:
                self.resources[region] = RegionData(self, region, {}, scenario)

    def region(self, name):
        return self.resources.get(name)


class RegionData:
    """One account's resources in one region, with indexes."""

    def __init__(self, account, region, data, scenario):
        self.account = account
        self.region = region
        self.ec2 = data.get("ec2", {}) or {}
        self.elbv2 = data.get("elbv2", {}) or {}
        self.ecs = data.get("ecs", {}) or {}
        m = scenario.models
        where = "accounts[%s].resources.%s" % (account.id, region)
        # --- EC2 ---
        known_ec2 = {spec["res"]: action for action, spec in EC2_ACTIONS.items()}
        known_ec2["Reservations"] = "DescribeInstances"
        for key, val in self.ec2.items():
            if key == "PrefixListEntries":
                eshape = m.op("ec2", "GetManagedPrefixListEntries").output_shape.members["Entries"]
                if not isinstance(val, dict):
                    raise ScenarioError("%s.ec2.PrefixListEntries: expected {prefix-list-id: [...]}" % where)
                for plid, entries in val.items():
                    validate(entries, eshape, "%s.ec2.PrefixListEntries.%s" % (where, plid))
                continue
            if key not in known_ec2:
                raise ScenarioError("%s.ec2: unknown key %r (known: %s, PrefixListEntries)"
                                    % (where, key, ", ".join(sorted(known_ec2))))
            action = known_ec2[key]
            shape = m.op("ec2", action).output_shape.members[key]
            validate(val, shape, "%s.ec2.%s" % (where, key))
        # --- ELBv2 ---
        elb_keys = {"LoadBalancers": ("DescribeLoadBalancers", "LoadBalancers"),
                    "Listeners": ("DescribeListeners", "Listeners"),
                    "TargetGroups": ("DescribeTargetGroups", "TargetGroups")}
        for key, val in self.elbv2.items():
            if key == "TargetHealth":
                if not isinstance(val, dict):
                    raise ScenarioError("%s.elbv2.TargetHealth: expected {target-group-arn: [...]}" % where)
                shape = m.op("elbv2", "DescribeTargetHealth").output_shape.members["TargetHealthDescriptions"]
                for arn, descs in val.items():
                    validate(descs, shape, "%s.elbv2.TargetHealth.%s" % (where, arn))
                continue
            if key not in elb_keys:
                raise ScenarioError("%s.elbv2: unknown key %r (known: %s, TargetHealth)"
                                    % (where, key, ", ".join(elb_keys)))
            op, member = elb_keys[key]
            validate(val, m.op("elbv2", op).output_shape.members[member], "%s.elbv2.%s" % (where, key))
        # --- ECS ---
        self.clusters = collections.OrderedDict()
        for key in self.ecs:
            if key not in ("clusters", "taskDefinitions"):
                raise ScenarioError("%s.ecs: unknown key %r (known: clusters, taskDefinitions)" % (where, key))
        cshape = m.shape("ecs", "Cluster")
        sshape = m.shape("ecs", "Service")
        tshape = m.shape("ecs", "Task")
        ishape = m.shape("ecs", "ContainerInstance")
        tdshape = m.shape("ecs", "TaskDefinition")
        arn_base = "arn:aws:ecs:%s:%s:" % (region, account.id)
        for i, c in enumerate(self.ecs.get("clusters", [])):
            c = dict(c)
            name = c.get("clusterName")
            if not name:
                raise ScenarioError("%s.ecs.clusters[%d]: clusterName is required" % (where, i))
            cw = "%s.ecs.clusters[%s]" % (where, name)
            services = c.pop("services", [])
            tasks = c.pop("tasks", [])
            cis = c.pop("containerInstances", [])
            c.setdefault("clusterArn", arn_base + "cluster/" + name)
            c.setdefault("status", "ACTIVE")
            validate(c, cshape, cw)
            carn = c["clusterArn"]
            cl = {"cluster": c, "services": collections.OrderedDict(), "tasks": collections.OrderedDict(),
                  "cis": collections.OrderedDict()}
            for s in services:
                s = dict(s)
                if "serviceName" not in s:
                    raise ScenarioError("%s.services: serviceName is required" % cw)
                s.setdefault("serviceArn", "%sservice/%s/%s" % (arn_base, name, s["serviceName"]))
                s.setdefault("clusterArn", carn)
                s.setdefault("status", "ACTIVE")
                validate(s, sshape, "%s.services[%s]" % (cw, s["serviceName"]))
                cl["services"][s["serviceName"]] = s
            for t in tasks:
                t = dict(t)
                if "taskArn" not in t:
                    raise ScenarioError("%s.tasks: taskArn is required" % cw)
                t.setdefault("clusterArn", carn)
                t.setdefault("lastStatus", "RUNNING")
                t.setdefault("desiredStatus", "RUNNING")
                validate(t, tshape, "%s.tasks[%s]" % (cw, t["taskArn"]))
                cl["tasks"][t["taskArn"].rsplit("/", 1)[-1]] = t
            for ci in cis:
                ci = dict(ci)
                if "containerInstanceArn" not in ci:
                    raise ScenarioError("%s.containerInstances: containerInstanceArn is required" % cw)
                ci.setdefault("status", "ACTIVE")
                validate(ci, ishape, "%s.containerInstances[%s]" % (cw, ci["containerInstanceArn"]))
                cl["cis"][ci["containerInstanceArn"].rsplit("/", 1)[-1]] = ci
            self.clusters[name] = cl
        self.taskdefs = {}
        self.taskdef_latest = {}
        for i, td in enumerate(self.ecs.get("taskDefinitions", [])):
            td = dict(td)
            fam, rev = td.get("family"), td.get("revision")
            if not fam or not isinstance(rev, int):
                raise ScenarioError("%s.ecs.taskDefinitions[%d]: family and revision are required" % (where, i))
            td.setdefault("taskDefinitionArn", "%stask-definition/%s:%d" % (arn_base, fam, rev))
            td.setdefault("status", "ACTIVE")
            validate(td, tdshape, "%s.ecs.taskDefinitions[%s:%d]" % (where, fam, rev))
            self.taskdefs["%s:%d" % (fam, rev)] = td
            if td["status"] == "ACTIVE" and rev > self.taskdef_latest.get(fam, 0):
                self.taskdef_latest[fam] = rev
        for key, val in list(self.ec2.items()) + list(self.elbv2.items()):
            lists = val.values() if isinstance(val, dict) else [val]
            for lst in lists:
                STABLE.update(id(o) for o in lst)
        STABLE.update(id(td) for td in self.taskdefs.values())
        for cl in self.clusters.values():
            for k in ("services", "tasks", "cis"):
                STABLE.update(id(o) for o in cl[k].values())


class Scenario:
    def __init__(self, path, models):
        self.path = path
        self.models = models
        with open(path) as f:
            raw = json.load(f)
        self.raw = raw
        known = {"description", "settings", "accounts", "organization", "sso", "imds",
                 "container_credentials"}
        for k in raw:
            if k not in known:
                raise ScenarioError("unknown top-level key %r (known: %s)" % (k, ", ".join(sorted(known))))
        self.settings = raw.get("settings", {})
        self.all_regions = list(self.settings.get("all_regions", DEFAULT_ALL_REGIONS))
        self.accounts = collections.OrderedDict()
        self.keys = {}  # AKID -> dict(secret, account, user, ...)
        for a in raw.get("accounts", []):
            acct = Account(a, self)
            if acct.id in self.accounts:
                raise ScenarioError("duplicate account %s" % acct.id)
            for r in acct.regions:
                if r not in self.all_regions:
                    self.all_regions.append(r)
            self.accounts[acct.id] = acct
            for k in a.get("access_keys", []):
                akid = k["AccessKeyId"]
                if akid in self.keys:
                    raise ScenarioError("duplicate access key %s" % akid)
                self.keys[akid] = {
                    "secret": k["SecretAccessKey"],
                    "account": acct.id,
                    "user": k.get("UserName", "fakeaws-user"),
                    "status": k.get("Status", "Active"),
                    "deny": list(k.get("deny_actions", [])),
                }
        if not self.accounts:
            raise ScenarioError("scenario has no accounts")
        org = raw.get("organization") or {}
        self.org_id = org.get("id", "o-fakeaws0001")
        self.org_mgmt = str(org.get("management_account", next(iter(self.accounts))))
        self.org_delegated = [str(x) for x in org.get("delegated_admins", [])]
        if "accounts" in org:
            members = org["accounts"]
        else:
            members = list(self.accounts)
        self.org_accounts = []
        ashape = self.models.list_member("organizations", "ListAccounts", "Accounts")
        for i, m in enumerate(members):
            if isinstance(m, str):
                acct = self.accounts.get(m)
                if acct is None:
                    raise ScenarioError("organization.accounts[%d]: unknown account %s" % (i, m))
                m = {"Id": acct.id, "Name": acct.name, "Email": acct.email, "Status": acct.status}
            m = dict(m)
            m.setdefault("Arn", "arn:aws:organizations::%s:account/%s/%s" % (self.org_mgmt, self.org_id, m["Id"]))
            m.setdefault("Status", "ACTIVE")
            m.setdefault("JoinedMethod", "INVITED" if m["Id"] != self.org_mgmt else "CREATED")
            m.setdefault("JoinedTimestamp", "2020-01-01T00:00:00Z")
            m.setdefault("Name", "account-" + m["Id"])
            m.setdefault("Email", "aws+%s@example.com" % m["Id"])
            validate(m, ashape, "organization.accounts[%d]" % i)
            self.org_accounts.append(m)
        self.org_member_ids = {m["Id"] for m in self.org_accounts}
        sso = raw.get("sso") or {}
        self.sso_tokens = {}
        for tok, assigns in (sso.get("tokens") or {}).items():
            lst = []
            for a in assigns:
                self._role(a["account_id"], a["role_name"], "sso.tokens")
                lst.append((str(a["account_id"]), a["role_name"]))
            self.sso_tokens[tok] = lst
        self.imds = raw.get("imds")
        if self.imds:
            self._role(self.imds["account_id"], self.imds["role_name"], "imds")
        self.container = raw.get("container_credentials")
        if self.container:
            self._role(self.container["account_id"], self.container["role_name"], "container_credentials")

    def _role(self, account_id, role_name, where):
        acct = self.accounts.get(str(account_id))
        if not acct or role_name not in acct.roles:
            raise ScenarioError("%s: role %s in account %s is not in the scenario" % (where, role_name, account_id))
        return acct.roles[role_name]

    def find_role(self, arn):
        m = re.fullmatch(r"arn:aws:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)", arn or "")
        if not m:
            return None, None
        acct = self.accounts.get(m.group(1))
        if not acct:
            return None, None
        return acct, acct.roles.get(m.group(2))


# ---------------------------------------------------------------------------
# faults and stats


FAULT_KINDS = ("reset", "throttle", "error500", "error", "malformed", "hostile", "fail_findings")


class Faults:
    """Rules from the --faults file (re-read on every request) and from
    POST /__fault.  Counters restart whenever the rules change."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.file_text = None
        self.file_rules = {}
        self.file_used = {}
        self.ctl_rules = {}
        self.ctl_used = {}

    @staticmethod
    def _norm(rules):
        if not isinstance(rules, dict):
            raise ValueError("fault rules must be a JSON object")
        out = {}
        for key, val in rules.items():
            lst = val if isinstance(val, list) else [val]
            for r in lst:
                if not isinstance(r, dict):
                    raise ValueError("fault rule for %r must be an object" % key)
            out[key] = lst
        return out

    def _reload(self):
        if not self.path:
            return
        try:
            with open(self.path) as f:
                text = f.read()
        except OSError:
            text = ""
        if text == self.file_text:
            return
        self.file_text = text
        self.file_used = {}
        try:
            self.file_rules = self._norm(json.loads(text)) if text.strip() else {}
        except ValueError as e:
            sys.stderr.write("fakeaws: ignoring faults file %s: %s\n" % (self.path, e))
            self.file_rules = {}

    def set_control(self, rules):
        rules = self._norm(rules)
        with self.lock:
            self.ctl_rules = rules
            self.ctl_used = {}

    def state(self):
        with self.lock:
            self._reload()
            return {"file": self._describe(self.file_rules, self.file_used),
                    "control": self._describe(self.ctl_rules, self.ctl_used)}

    @staticmethod
    def _describe(rules, used):
        res = {}
        for key, lst in rules.items():
            res[key] = []
            for i, r in enumerate(lst):
                d = dict(r)
                u = used.get((key, i), {})
                d["_seen"] = u.get("seen", 0)
                for k in FAULT_KINDS:
                    if k in r:
                        n = r[k].get("count", True) if k == "error" and isinstance(r[k], dict) else r[k]
                        if isinstance(n, int):
                            d["_remaining_" + k] = max(0, n - u.get(k, 0))
                res[key].append(d)
        return res

    def decide(self, service, action, account, region):
        """-> (latency_ms, kind or None, rule)"""
        keys = ["%s:%s" % (service, action), action, "%s:*" % service, "*"]
        latency = None
        chosen = (None, None)
        with self.lock:
            self._reload()
            for rules, used in ((self.ctl_rules, self.ctl_used), (self.file_rules, self.file_used)):
                for key in keys:
                    for i, r in enumerate(rules.get(key, [])):
                        if "region" in r and r["region"] != region:
                            continue
                        if "account" in r and str(r["account"]) != str(account):
                            continue
                        if latency is None and "latency_ms" in r:
                            latency = r["latency_ms"]
                        if chosen[0] is not None:
                            continue
                        u = used.setdefault((key, i), {})
                        u["seen"] = u.get("seen", 0) + 1
                        if u["seen"] <= r.get("skip", 0):
                            continue
                        for kind in FAULT_KINDS:
                            if kind not in r:
                                continue
                            n = r[kind].get("count", True) if kind == "error" and isinstance(r[kind], dict) \
                                else r[kind]
                            if n is True or (isinstance(n, int) and u.get(kind, 0) < n):
                                u[kind] = u.get(kind, 0) + 1
                                chosen = (kind, r)
                                break
        return (latency or 0), chosen[0], chosen[1]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.total = 0
        self.actions = collections.Counter()
        self.calls = collections.Counter()
        self.by_region = collections.Counter()
        self.by_account = collections.Counter()
        self.status = collections.Counter()
        self.errors = collections.Counter()
        self.faults = collections.Counter()
        self.inflight = 0
        self.max_inflight = 0
        self.started = time.time()

    def begin(self):
        with self.lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)

    def end(self):
        with self.lock:
            self.inflight -= 1

    def count(self, service, action, region=None, account=None):
        with self.lock:
            self.total += 1
            self.actions[action] += 1
            self.calls["%s:%s" % (service, action)] += 1
            if region:
                self.by_region["%s:%s@%s" % (service, action, region)] += 1
            if account:
                self.by_account["%s:%s@%s" % (service, action, account)] += 1

    def result(self, status, code=None, fault=None):
        """Error code and fault of a request (its status is counted by count_status)."""
        with self.lock:
            if code:
                self.errors[code] += 1
            if fault:
                self.faults[fault] += 1

    def count_status(self, status):
        with self.lock:
            self.status[str(status)] += 1

    def snapshot(self):
        with self.lock:
            return {
                "total": self.total,
                "actions": dict(self.actions),
                "calls": dict(self.calls),
                "by_region": dict(self.by_region),
                "by_account": dict(self.by_account),
                "status": dict(self.status),
                "errors": dict(self.errors),
                "faults": dict(self.faults),
                "inflight": self.inflight,
                "max_inflight": self.max_inflight,
                "uptime_s": round(time.time() - self.started, 3),
            }


# ---------------------------------------------------------------------------
# SigV4 verification


class PinnedSigV4Auth(botocore.auth.SigV4Auth):
    """SigV4Auth that signs with the timestamp already in the request's
    context (the client's X-Amz-Date) instead of the current time."""

    def compute(self, request):
        canonical = self.canonical_request(request)
        sts = self.string_to_sign(request, canonical)
        return self.signature(sts, request), canonical

    def add_auth(self, request):  # pragma: no cover - not used for signing here
        sig, _ = self.compute(request)
        self._inject_signature_to_request(request, sig)


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


def parse_authorization(value):
    m = AUTH_RE.match(value.strip())
    if not m:
        return None
    parts = {}
    for item in m.group(1).split(","):
        k, _, v = item.strip().partition("=")
        parts[k.strip()] = v.strip()
    if not all(k in parts for k in ("Credential", "SignedHeaders", "Signature")):
        return None
    cred = parts["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        return None
    return {
        "akid": cred[0], "date": cred[1], "region": cred[2], "service": cred[3],
        "signed_headers": [h for h in parts["SignedHeaders"].split(";") if h],
        "signature": parts["Signature"],
    }


# ---------------------------------------------------------------------------
# the server state


class FakeAWS:
    def __init__(self, scenario, page_size, faults, log_path):
        self.sc = scenario
        self.models = scenario.models
        self.page_size = page_size
        self.faults = faults
        self.stats = Stats()
        self.lock = threading.Lock()
        self.temp = {}  # AKID -> issued credentials
        self.imds_tokens = {}  # token -> expiry epoch
        self.imds_creds = None
        self.container_creds = None
        self.cache = collections.OrderedDict()
        self.log = open(log_path, "a", buffering=1) if log_path else None
        s = scenario.settings
        self.check_clock = s.get("check_clock", True)
        self.max_skew = int(s.get("max_skew_seconds", 900))
        self.cred_duration = int(s.get("credential_duration_seconds", 3600))

    # --- credentials -------------------------------------------------------

    def issue(self, account_id, role_name, session, duration, source):
        akid = "ASIA" + rand_id(string.ascii_uppercase + "234567", 16)
        secret = rand_id(string.ascii_letters + string.digits + "+/", 40)
        token = "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(180)).decode()
        exp = now_utc().replace(microsecond=0) + datetime.timedelta(seconds=duration)
        role_id = "AROA" + hashlib.sha256(("%s:%s" % (account_id, role_name)).encode()).hexdigest()[:17].upper()
        c = {
            "akid": akid, "secret": secret, "token": token, "expiration": exp,
            "account": str(account_id), "role": role_name, "session": session, "source": source,
            "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (account_id, role_name, session),
            "role_arn": "arn:aws:iam::%s:role/%s" % (account_id, role_name),
            "user_id": "%s:%s" % (role_id, session),
        }
        with self.lock:
            self.temp[akid] = c
        return c

    def principal(self, akid):
        k = self.sc.keys.get(akid)
        if k:
            if k["status"] != "Active":
                return None
            return {"kind": "user", "secret": k["secret"], "token": None, "account": k["account"],
                    "arn": "arn:aws:iam::%s:user/%s" % (k["account"], k["user"]),
                    "user_id": "AIDA" + hashlib.sha256(akid.encode()).hexdigest()[:17].upper(),
                    "deny": k["deny"] + self.sc.accounts[k["account"]].deny, "expiration": None}
        with self.lock:
            c = self.temp.get(akid)
        if c:
            acct = self.sc.accounts[c["account"]]
            role = acct.roles.get(c["role"], {})
            return {"kind": "role", "secret": c["secret"], "token": c["token"], "account": c["account"],
                    "arn": c["arn"], "user_id": c["user_id"], "role": c["role"],
                    "deny": list(role.get("deny_actions", [])) + acct.deny, "expiration": c["expiration"]}
        return None

    # --- pagination ---------------------------------------------------------

    def page(self, items, start_token, limit, kind, fp, token_error):
        start = 0
        if start_token:
            start = read_token(start_token, kind, fp)
            if start is None or start > len(items):
                raise token_error
        size = self.page_size if self.page_size > 0 else None
        if limit is not None:
            size = limit if size is None else min(size, limit)
        if size is None:
            return items[start:], None
        end = start + size
        nxt = make_token(kind, end, fp) if end < len(items) else None
        return items[start:end], nxt

    def cached(self, key, fn):
        with self.lock:
            if key in self.cache:
                self.cache.move_to_end(key)
                return self.cache[key]
        val = fn()
        with self.lock:
            self.cache[key] = val
            while len(self.cache) > 512:
                self.cache.popitem(last=False)
        return val


# ---------------------------------------------------------------------------
# request handling


class Handler(fake_s3.S3Mixin, fake_securityhub.SecurityHubMixin, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AmazonEC2"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; --log has the structured log
        pass

    # --- plumbing -------------------------------------------------------------

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > 64 * 1024 * 1024:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def send(self, status, body, ctype, extra=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._status = status

    def dispatch(self):
        app = self.server.app
        app.stats.begin()
        self._status = 0
        self._info = {"service": "-", "action": "-", "region": None, "account": None, "code": None}
        t0 = time.time()
        try:
            try:
                self.body = self.read_body()
            except (ValueError, OSError):
                self.send(400, "bad request body", "text/plain")
                self.close_connection = True
                return
            u = urllib.parse.urlsplit(self.path)
            self.url_path = u.path
            self.url_query = u.query
            p = u.path
            if p.startswith("/__"):
                return self.control(p)
            if self.is_s3():
                return self.s3()
            if p.startswith("/latest/"):
                return self.imds(p)
            cc = app.sc.container or {}
            if p.startswith("/v2/credentials/") or (cc.get("full_uri_path") and p == cc["full_uri_path"]):
                return self.container_creds(p)
            if p.startswith("/federation/") or p.startswith("/assignment/") or p == "/logout":
                return self.sso(p)
            if p.startswith("/findings"):
                return self.securityhub()
            return self.aws_api()
        except BrokenPipeError:
            self.close_connection = True
        except Exception as e:  # a bug in the fake: say so loudly
            import traceback
            traceback.print_exc()
            try:
                self.send(500, "fakeaws internal bug: %s" % e, "text/plain")
            except Exception:
                pass
        finally:
            app.stats.end()
            if self._info["service"] != "-":
                app.stats.count_status(self._status)
            if app.log:
                i = self._info
                app.log.write(json.dumps({
                    "t": round(t0, 3), "ms": round((time.time() - t0) * 1000, 1), "method": self.command,
                    "path": self.url_path if hasattr(self, "url_path") else self.path,
                    "service": i["service"], "action": i["action"], "region": i["region"],
                    "account": i["account"], "status": self._status, "code": i["code"],
                }) + "\n")

    # --- control endpoints ------------------------------------------------

    def control(self, p):
        app = self.server.app
        if p == "/__stats":
            if self.command == "DELETE" or (self.command == "POST" and self.url_query == "reset"):
                app.stats.reset()
            return self.send(200, json.dumps(app.stats.snapshot(), indent=1, sort_keys=True), "application/json")
        if p == "/__stats/reset":
            app.stats.reset()
            return self.send(200, "{}", "application/json")
        if p == "/__fault" or p == "/__faults":
            if self.command == "DELETE":
                app.faults.set_control({})
            elif self.command in ("POST", "PUT"):
                try:
                    app.faults.set_control(json.loads(self.body or b"{}"))
                except ValueError as e:
                    return self.send(400, json.dumps({"error": str(e)}), "application/json")
            return self.send(200, json.dumps(app.faults.state(), indent=1, sort_keys=True), "application/json")
        if p == "/__securityhub":
            return self.sechub_control()
        if p == "/__s3" or p.startswith("/__s3/"):
            return self.s3_control(p)
        if p == "/__health":
            return self.send(200, '{"ok":true}', "application/json")
        return self.send(404, '{"error":"unknown control path"}', "application/json")

    # --- IMDS --------------------------------------------------------------

    def imds(self, p):
        app = self.server.app
        sc = app.sc
        action = "token" if p == "/latest/api/token" else p[len("/latest/"):]
        self._info.update(service="imds", action=action)
        app.stats.count("imds", action)
        latency, kind, rule = app.faults.decide("imds", action, None, None)
        if latency:
            time.sleep(latency / 1000.0)
        if not sc.imds:
            return self.send(404, "Not Found", "text/plain")
        if kind in ("throttle", "error500", "reset"):
            app.stats.result(429 if kind == "throttle" else 500, fault=kind)
            if kind == "reset":
                return self.reset_connection()
            return self.send(429 if kind == "throttle" else 500, "", "text/plain")
        if p == "/latest/api/token":
            if self.command != "PUT":
                return self.send(405, "", "text/plain")
            if self.headers.get("X-Forwarded-For"):
                return self.send(403, "", "text/plain")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            try:
                ttl = int(ttl)
            except (TypeError, ValueError):
                return self.send(400, "", "text/plain")
            if not 1 <= ttl <= 21600:
                return self.send(400, "", "text/plain")
            tok = base64.b64encode(secrets.token_bytes(42)).decode()
            with app.lock:
                app.imds_tokens[tok] = time.time() + ttl
            return self.send(200, tok, "text/plain", {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})
        if self.command != "GET":
            return self.send(405, "", "text/plain")
        tok = self.headers.get("X-aws-ec2-metadata-token")
        if tok is not None:
            with app.lock:
                exp = app.imds_tokens.get(tok)
            if not exp or exp < time.time():
                return self.send(401, "", "text/plain")
        elif not sc.imds.get("allow_v1", False):
            return self.send(401, "", "text/plain")
        im = sc.imds
        region = im.get("region", "us-east-1")
        az = im.get("availability_zone", region + "a")
        iid = im.get("instance_id", "i-0fa4e0000000000001")
        base = "/latest/meta-data/iam/security-credentials/"
        if p in (base, base.rstrip("/")):
            return self.send(200, im["role_name"], "text/plain")
        if p == base + im["role_name"]:
            with app.lock:
                c = app.imds_creds
            if not c or (c["expiration"] - now_utc()).total_seconds() < 300:
                c = app.issue(im["account_id"], im["role_name"], iid, app.cred_duration, "imds")
                with app.lock:
                    app.imds_creds = c
            body = {
                "Code": "Success", "LastUpdated": iso8601(now_utc()), "Type": "AWS-HMAC",
                "AccessKeyId": c["akid"], "SecretAccessKey": c["secret"], "Token": c["token"],
                "Expiration": iso8601(c["expiration"]),
            }
            return self.send(200, json.dumps(body, indent=2), "text/plain")
        if p.startswith(base):
            return self.send(404, "", "text/plain")
        simple = {
            "/latest/meta-data/placement/region": region,
            "/latest/meta-data/placement/availability-zone": az,
            "/latest/meta-data/instance-id": iid,
            "/latest/meta-data/local-ipv4": im.get("private_ip", "10.0.0.10"),
            "/latest/meta-data/mac": im.get("mac", "02:00:00:00:00:01"),
            "/latest/meta-data/iam/info": json.dumps({
                "Code": "Success", "LastUpdated": iso8601(now_utc()),
                "InstanceProfileArn": "arn:aws:iam::%s:instance-profile/%s" % (im["account_id"], im["role_name"]),
                "InstanceProfileId": "AIPA" + hashlib.sha256(im["role_name"].encode()).hexdigest()[:17].upper(),
            }, indent=2),
        }
        if p in simple:
            return self.send(200, simple[p], "text/plain")
        if p == "/latest/dynamic/instance-identity/document":
            doc = {
                "accountId": str(im["account_id"]), "architecture": "x86_64",
                "availabilityZone": az, "billingProducts": None, "devpayProductCodes": None,
                "marketplaceProductCodes": None, "imageId": im.get("image_id", "ami-0fa4e000000000001"),
                "instanceId": iid, "instanceType": im.get("instance_type", "t3.micro"),
                "kernelId": None, "pendingTime": "2024-01-01T00:00:00Z",
                "privateIp": im.get("private_ip", "10.0.0.10"), "ramdiskId": None,
                "region": region, "version": "2017-09-30",
            }
            return self.send(200, json.dumps(doc, indent=2), "text/plain")
        if p in ("/latest/meta-data/", "/latest/meta-data"):
            return self.send(200, "iam/\ninstance-id\nlocal-ipv4\nmac\nplacement/\n", "text/plain")
        return self.send(404, "", "text/plain")

    # --- ECS container credentials -----------------------------------------

    def container_creds(self, p):
        app = self.server.app
        cc = app.sc.container
        self._info.update(service="container", action="credentials")
        app.stats.count("container", "credentials")
        latency, kind, rule = app.faults.decide("container", "credentials", None, None)
        if latency:
            time.sleep(latency / 1000.0)
        if kind in ("throttle", "error500", "reset"):
            app.stats.result(429 if kind == "throttle" else 500, fault=kind)
            if kind == "reset":
                return self.reset_connection()
            return self.send(429 if kind == "throttle" else 500, '{"message":"fault"}', "application/json")
        if not cc:
            return self.send(404, '{"code":"NotFound","message":"no container credentials"}', "application/json")
        if p.startswith("/v2/credentials/"):
            cid = p[len("/v2/credentials/"):]
            if cid not in cc.get("relative_ids", []):
                return self.send(400, '{"code":"InvalidIdentifier","message":"Invalid credentials ID"}',
                                 "application/json")
        else:
            want = cc.get("authorization_token")
            got = self.headers.get("Authorization")
            if want and (got is None or not hmac.compare_digest(got.encode(), want.encode())):
                return self.send(401 if got is None else 403,
                                 '{"code":"AccessDenied","message":"Authorization token mismatch"}',
                                 "application/json")
        with app.lock:
            c = app.container_creds
        if not c or (c["expiration"] - now_utc()).total_seconds() < 300:
            c = app.issue(cc["account_id"], cc["role_name"], cc.get("session_name", "ecs-task"),
                          app.cred_duration, "container")
            with app.lock:
                app.container_creds = c
        body = {"AccessKeyId": c["akid"], "SecretAccessKey": c["secret"], "Token": c["token"],
                "Expiration": iso8601(c["expiration"]), "RoleArn": c["role_arn"]}
        return self.send(200, json.dumps(body), "application/json")

    # --- IAM Identity Center portal ------------------------------------------

    def sso(self, p):
        app = self.server.app
        q = dict(urllib.parse.parse_qsl(self.url_query, keep_blank_values=True))
        names = {"/federation/credentials": "GetRoleCredentials", "/assignment/accounts": "ListAccounts",
                 "/assignment/roles": "ListAccountRoles", "/logout": "Logout"}
        action = names.get(p, "Unknown")
        self._info.update(service="sso", action=action)
        app.stats.count("sso", action)
        latency, kind, rule = app.faults.decide("sso", action, None, None)
        if latency:
            time.sleep(latency / 1000.0)

        def err(status, code, msg, fault=None):
            self._info["code"] = code
            app.stats.result(status, code, fault)
            return self.send(status, json.dumps({"message": msg}), "application/json",
                             {"x-amzn-ErrorType": code + ":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/",
                              "x-amzn-RequestId": request_id()})

        if kind == "reset":
            app.stats.result(0, fault=kind)
            return self.reset_connection()
        if kind == "throttle":
            return err(429, "TooManyRequestsException", "Rate exceeded", kind)
        if kind == "error500":
            return err(500, "InternalServerException", "Internal error", kind)
        if action == "Unknown":
            return err(404, "ResourceNotFoundException", "Unknown path")
        tok = self.headers.get("x-amz-sso_bearer_token")
        assigns = app.sc.sso_tokens.get(tok) if tok else None
        if assigns is None:
            return err(401, "UnauthorizedException", "Session token not found or invalid")
        if action == "Logout":
            return self.send(200, "", "application/json")
        if action == "ListAccounts":
            ids = []
            for a, _ in assigns:
                if a not in ids:
                    ids.append(a)
            items = [{"accountId": a, "accountName": app.sc.accounts[a].name,
                      "emailAddress": app.sc.accounts[a].email} for a in ids]
            mr = q.get("max_result")
            page, nxt = app.page(items, q.get("next_token"), int(mr) if mr and mr.isdigit() else None,
                                 "sso-accounts", fingerprint(tok),
                                 ApiError("InvalidRequestException", "Invalid next token"))
            body = {"accountList": page}
            if nxt:
                body["nextToken"] = nxt
            return self.send(200, json.dumps(body), "application/json")
        acct = q.get("account_id")
        if not acct:
            return err(400, "InvalidRequestException", "account_id is required")
        if action == "ListAccountRoles":
            roles = [{"roleName": r, "accountId": a} for a, r in assigns if a == acct]
            return self.send(200, json.dumps({"roleList": roles}), "application/json")
        role = q.get("role_name")
        if not role:
            return err(400, "InvalidRequestException", "role_name is required")
        if (acct, role) not in assigns:
            return err(403, "ForbiddenException", "No access")
        c = app.issue(acct, role, "fakeaws-sso", app.cred_duration, "sso")
        body = {"roleCredentials": {
            "accessKeyId": c["akid"], "secretAccessKey": c["secret"], "sessionToken": c["token"],
            "expiration": int(c["expiration"].timestamp() * 1000)}}
        return self.send(200, json.dumps(body), "application/json")

    # --- AWS APIs ------------------------------------------------------------

    def aws_api(self):
        app = self.server.app
        target = self.headers.get("X-Amz-Target")
        params = {}
        if target:
            prefix, _, action = target.partition(".")
            if prefix not in JSON_TARGETS:
                self.proto = "json"
                self._info.update(service="?", action=target)
                app.stats.count("unknown", target)
                return self.api_error(ApiError("UnknownOperationException", "Unknown target %s" % target))
            model, signing = JSON_TARGETS[prefix]
            self.proto = "json"
        else:
            params = dict(urllib.parse.parse_qsl(self.url_query, keep_blank_values=True))
            ctype = self.headers.get("Content-Type", "")
            if self.body and ("x-www-form-urlencoded" in ctype or not ctype):
                try:
                    params.update(urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
                except UnicodeDecodeError:
                    pass
            action = params.get("Action", "")
            version = params.get("Version", "")
            if version in QUERY_VERSIONS:
                model, signing = QUERY_VERSIONS[version]
            else:
                self.proto = "ec2"
                self._info.update(service="?", action=action or "-")
                app.stats.count("unknown", action or "-")
                if not action:
                    return self.api_error(ApiError("MissingAction", "The request must contain the parameter Action"))
                return self.api_error(ApiError("NoSuchVersion",
                                               "The requested version (%s) is not valid." % version))
            self.proto = "ec2" if model == "ec2" else "query"
        self.model = model
        self.signing = signing
        self.action = action
        self.params = params
        self.request_id = request_id()
        self._info.update(service=model, action=action)

        # region from the Host header when it names one, else from the credential scope
        auth = self.headers.get("Authorization")
        parsed = parse_authorization(auth) if auth else None
        host_region = None
        hm = re.match(r"^[a-z0-9.-]*?\b([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$",
                      (self.headers.get("Host") or "").lower())
        if hm:
            host_region = hm.group(1)
        region = host_region or (parsed["region"] if parsed else None)
        acct_hint = None
        if parsed:
            pr = app.principal(parsed["akid"])
            acct_hint = pr["account"] if pr else None
        self.region = region
        self._info.update(region=region, account=acct_hint)
        app.stats.count(model, action, region, acct_hint)

        latency, kind, rule = app.faults.decide(model, action, acct_hint, region)
        if latency:
            time.sleep(latency / 1000.0)
        try:
            op = app.models.op(model, action)
            if op is None:
                if self.proto == "json":
                    raise ApiError("UnknownOperationException", "")
                raise ApiError("InvalidAction", "The action %s is not valid for this web service." % action)
            self.op = op
            unsigned_ok = model == "sts" and action == "AssumeRoleWithWebIdentity"
            if unsigned_ok and not auth:
                self.principal = None
            else:
                self.principal = self.authenticate(parsed, auth, host_region)
                self._info["account"] = self.principal["account"]
                self.check_denied()
            if kind:
                return self.inject(kind, rule)
            if self.proto == "json":
                try:
                    self.input = json.loads(self.body or b"{}")
                    if not isinstance(self.input, dict):
                        raise ValueError
                except ValueError:
                    raise ApiError("SerializationException", "Malformed JSON body")
            else:
                keys = list(params)
                self.input = query_parse(op.input_shape, params, "", self.proto == "ec2", keys) \
                    if op.input_shape is not None else {}
                self.check_ranges(op.input_shape, self.input)
            handler = getattr(self, "api_%s_%s" % (model, action), None)
            if handler is None:
                raise ApiError("UnsupportedOperation" if self.proto != "json" else "UnsupportedOperationException",
                               "fakeaws does not implement %s:%s" % (model, action))
            if self.proto == "ec2" and self.input.get("DryRun"):
                raise ApiError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
            result = handler()
            return self.api_ok(result)
        except ApiError as e:
            return self.api_error(e)

    def check_ranges(self, shape, value):
        if shape is None:
            return
        for k, v in value.items():
            ms = shape.members.get(k)
            if ms is None or ms.type_name not in ("integer", "long") or not isinstance(v, int):
                continue
            lo, hi = ms.metadata.get("min"), ms.metadata.get("max")
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                if self.proto == "ec2":
                    raise ApiError("InvalidParameterValue",
                                   "Value ( %d ) for parameter %s is invalid. Expecting a value between %s and %s."
                                   % (v, k[0].lower() + k[1:], lo, hi))
                raise ApiError("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to "
                               "satisfy constraint: Member must have value between %s and %s"
                               % (v, k[0].lower() + k[1:], lo, hi))

    # --- authentication ------------------------------------------------------

    def auth_errors(self):
        """(unknown key, bad signature, expired token, bad token, expired request) per protocol."""
        if self.proto == "rest-xml":
            return self.s3_auth_errors()
        if self.proto == "ec2":
            return dict(
                unknown=("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
                missing=("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
                incomplete=("IncompleteSignature", None, 400),
                sig=("SignatureDoesNotMatch", SIG_MISMATCH_MSG, 403),
                expired_token=("RequestExpired", "Request has expired.", 400),
                bad_token=("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
                skew=("RequestExpired", "Request has expired.", 400),
                region=("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
            )
        if self.proto == "query":
            return dict(
                unknown=("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
                missing=("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
                incomplete=("IncompleteSignature", None, 400),
                sig=("SignatureDoesNotMatch", SIG_MISMATCH_MSG, 403),
                expired_token=("ExpiredToken", "The security token included in the request is expired", 403),
                bad_token=("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
                skew=("SignatureDoesNotMatch", None, 403),
                region=("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
            )
        return dict(
            unknown=("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
            missing=("MissingAuthenticationTokenException", "Missing Authentication Token", 400),
            incomplete=("IncompleteSignatureException", None, 400),
            sig=("InvalidSignatureException", SIG_MISMATCH_MSG, 400),
            expired_token=("ExpiredTokenException", "The security token included in the request is expired", 400),
            bad_token=("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
            skew=("InvalidSignatureException", None, 400),
            region=("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
        )

    def authenticate(self, parsed, auth, host_region):
        app = self.server.app
        E = self.auth_errors()

        def fail(kind, msg=None):
            code, default, status = E[kind]
            raise ApiError(code, msg or default, status)

        if not auth:
            fail("missing")
        if parsed is None:
            fail("incomplete", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                               "parameters (AWS4-HMAC-SHA256). Authorization=%s" % auth.split(" ")[0])
        signed = parsed["signed_headers"]
        if "host" not in signed:
            fail("incomplete", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        amz_date = self.headers.get("X-Amz-Date")
        if amz_date:
            if "x-amz-date" not in signed and "date" not in signed:
                fail("incomplete", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
            try:
                ts = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            except ValueError:
                fail("incomplete", "Date must be in ISO-8601 'basic format'. Got '%s'." % amz_date)
        else:
            d = self.headers.get("Date")
            if not d or "date" not in signed:
                fail("incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a "
                                   "'Date' header.")
            try:
                ts = email.utils.parsedate_to_datetime(d).astimezone(datetime.timezone.utc)
            except (TypeError, ValueError):
                fail("incomplete", "Invalid Date header")
            amz_date = ts.strftime("%Y%m%dT%H%M%SZ")
        pr = app.principal(parsed["akid"])
        if pr is None:
            fail("unknown")
        if parsed["date"] != amz_date[:8]:
            fail("sig", "Credential should be scoped to a valid date: the credential scope date %s does not "
                        "match the request date %s." % (parsed["date"], amz_date[:8]))
        if parsed["service"] != self.signing:
            fail("sig", "Credential should be scoped to correct service: '%s'. " % self.signing)
        region = parsed["region"]
        if region not in app.sc.all_regions:
            fail("sig", "Credential should be scoped to a valid region. ")
        if host_region and host_region != region:
            fail("sig", "Credential should be scoped to a valid region, not '%s'. " % region)
        if self.model not in GLOBAL_SERVICES and region not in app.sc.accounts[pr["account"]].regions:
            fail("region")
        # session token
        tok = self.headers.get("X-Amz-Security-Token")
        if pr["token"] is None:
            if tok is not None:
                fail("bad_token")
        else:
            if tok is None or not hmac.compare_digest(tok.encode(), pr["token"].encode()):
                fail("bad_token")
            if pr["expiration"] <= now_utc():
                fail("expired_token")
        # signature
        headers = botocore.awsrequest.HeadersDict()
        for h in signed:
            vals = self.headers.get_all(h)
            if vals is None:
                fail("sig", "The request signature we calculated does not match the signature you provided: "
                            "signed header '%s' is missing from the request." % h)
            for v in vals:
                headers[h] = v  # HeadersDict keeps the last; multi-valued headers joined below
            if len(vals) > 1:
                headers[h] = ",".join(" ".join(v.split()) for v in vals)
        sha = self.headers.get("X-Amz-Content-SHA256")
        if sha and sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(self.body).hexdigest():
            fail("sig", "The provided 'x-amz-content-sha256' header does not match what was computed.")
        url = "http://%s%s" % (self.headers.get("Host", "localhost"), self.url_path)
        req = botocore.awsrequest.AWSRequest(method=self.command, url=url, headers=headers, data=self.body,
                                             params=urllib.parse.parse_qsl(self.url_query, keep_blank_values=True))
        req.context["timestamp"] = amz_date
        # S3 signs its path as sent (no normalisation, no second encoding)
        auth_cls = fake_s3.PinnedS3SigV4Auth if self.signing == "s3" else PinnedSigV4Auth
        signer = auth_cls(botocore.credentials.Credentials(parsed["akid"], pr["secret"]), parsed["service"],
                          region)
        want, canonical = signer.compute(req)
        if not hmac.compare_digest(want.encode(), parsed["signature"].encode()):
            msg = E["sig"][1] if self.proto == "rest-xml" else SIG_MISMATCH_MSG
            if self.proto != "ec2":
                msg += ("\n\nThe Canonical String for this request should have been\n'%s'\n\n" % canonical)
            fail("sig", msg)
        # clock
        if app.check_clock:
            skew = (ts - now_utc()).total_seconds()
            if abs(skew) > app.max_skew:
                now_s = now_utc().strftime("%Y%m%dT%H%M%SZ")
                if skew < 0:
                    lim = (now_utc() - datetime.timedelta(seconds=app.max_skew)).strftime("%Y%m%dT%H%M%SZ")
                    msg = "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (amz_date, lim, now_s)
                else:
                    lim = (now_utc() + datetime.timedelta(seconds=app.max_skew)).strftime("%Y%m%dT%H%M%SZ")
                    msg = "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (amz_date, lim,
                                                                                                 now_s)
                if self.proto == "ec2":
                    msg = "Request has expired."
                fail("skew", msg)
        self.region = region
        return pr

    def check_denied(self):
        pr = self.principal
        name = "%s:%s" % (self.signing if self.model != "elbv2" else "elasticloadbalancing", self.action)
        for pat in pr["deny"]:
            if fnmatch.fnmatchcase(name, pat):
                if self.proto == "ec2":
                    raise ApiError("UnauthorizedOperation", "You are not authorized to perform this operation. "
                                   "User: %s is not authorized to perform: %s" % (pr["arn"], name), 403)
                if self.proto == "query":
                    raise ApiError("AccessDenied", "User: %s is not authorized to perform: %s" % (pr["arn"], name),
                                   403)
                raise ApiError("AccessDeniedException", "User: %s is not authorized to perform: %s on resource: *"
                               % (pr["arn"], name), 400)

    # --- responses ---------------------------------------------------------------

    def api_ok(self, result):
        app = self.server.app
        if self.proto == "json":
            body = json.dumps(json_render(self.op.output_shape, result) if self.op.output_shape else {})
            app.stats.result(200)
            return self.send(200, body, "application/x-amz-json-1.1", {"x-amzn-RequestId": self.request_id})
        body = self.render_xml(result)
        app.stats.result(200)
        ctype = "text/xml;charset=UTF-8" if self.proto == "ec2" else "text/xml"
        return self.send(200, body, ctype, {"x-amzn-RequestId": self.request_id})

    def render_xml(self, result):
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        name = self.action + "Response"
        shape = self.op.output_shape
        if self.proto == "ec2":
            unit = "    "
            out.append('<%s xmlns="%s">' % (name, EC2_NS))
            out.append("\n%s<requestId>%s</requestId>" % (unit, self.request_id))
            if shape is not None:
                xml_render_members(out, shape, result, "\n", unit)
            out.append("\n</%s>\n" % name)
        else:
            unit = "  "
            ns = ELB_NS if self.model == "elbv2" else STS_NS
            out = ['<%s xmlns="%s">' % (name, ns)]
            if shape is not None:
                wrapper = shape.serialization.get("resultWrapper", self.action + "Result")
                out.append("\n%s<%s>" % (unit, wrapper))
                xml_render_members(out, shape, result, "\n" + unit, unit)
                out.append("\n%s</%s>" % (unit, wrapper))
            out.append("\n%s<ResponseMetadata>\n%s<RequestId>%s</RequestId>\n%s</ResponseMetadata>"
                       % (unit, unit * 2, self.request_id, unit))
            out.append("\n</%s>\n" % name)
        return "".join(out)

    def error_body(self, e):
        rid = getattr(self, "request_id", None) or request_id()
        if self.proto == "ec2":
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
                    "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
                    % (xml_escape(e.code), xml_escape(e.message), rid))
            return body, "text/xml;charset=UTF-8"
        if self.proto == "query":
            ns = ELB_NS if getattr(self, "model", "") == "elbv2" else STS_NS
            body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
                    "    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n"
                    % (ns, "Sender" if e.sender else "Receiver", xml_escape(e.code), xml_escape(e.message), rid))
            return body, "text/xml"
        body = json.dumps({"__type": e.code, "message": e.message})
        return body, "application/x-amz-json-1.1"

    def api_error(self, e, fault=None):
        app = self.server.app
        body, ctype = self.error_body(e)
        self._info["code"] = e.code
        app.stats.result(e.status, e.code, fault)
        extra = {"x-amzn-RequestId": getattr(self, "request_id", None) or request_id()}
        if self.proto == "json":
            extra["x-amzn-ErrorType"] = e.code
        return self.send(e.status, body, ctype, extra)

    def reset_connection(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self._status = 0

    # --- fault injection ---------------------------------------------------

    def inject(self, kind, rule):
        app = self.server.app
        if kind == "reset":
            app.stats.result(0, fault=kind)
            return self.reset_connection()
        if kind == "throttle":
            if self.model == "ec2":
                e = ApiError("RequestLimitExceeded", "Request limit exceeded.", 503)
            elif self.model == "ecs":
                e = ApiError("ThrottlingException", "Rate exceeded", 400)
            elif self.model == "organizations":
                e = ApiError("TooManyRequestsException", "AWS Organizations can't complete your request because "
                             "another request is already in progress. Try again later.", 400)
            else:
                e = ApiError("Throttling", "Rate exceeded", 400)
            return self.api_error(e, fault=kind)
        if kind == "error500":
            code = {"ec2": "InternalError", "ecs": "ServerException", "organizations": "ServiceException"}.get(
                self.model, "InternalFailure")
            msg = "An internal error has occurred" if self.model == "ec2" else \
                "We encountered an internal error. Please try again."
            return self.api_error(ApiError(code, msg, 500, sender=False), fault=kind)
        if kind == "error":
            spec = rule["error"] if isinstance(rule["error"], dict) else {}
            return self.api_error(ApiError(spec.get("code", "InternalError"), spec.get("message", "injected"),
                                           int(spec.get("status", 500)), sender=int(spec.get("status", 500)) < 500),
                                  fault=kind)
        if kind == "malformed":
            mode = rule.get("malformed_mode", "truncate")
            body = self.sample_body()
            cut = body[: max(1, len(body) // 2)]
            ctype = "application/x-amz-json-1.1" if self.proto == "json" else "text/xml;charset=UTF-8"
            app.stats.result(200, fault=kind)
            if mode == "short_read":
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(cut)
                self.wfile.flush()
                self.close_connection = True
                self._status = 200
                return
            if mode == "garbage":
                cut = b"\x00\xff<<<not a response>>>" + secrets.token_bytes(64)
            return self.send(200, cut, ctype, {"x-amzn-RequestId": self.request_id})
        if kind == "hostile":
            mode = rule.get("hostile_kind") or ("deep" if self.proto == "json" else "entities")
            app.stats.result(200, fault=kind)
            return self.send(200, self.hostile_body(mode), "application/x-amz-json-1.1" if self.proto == "json"
                             else "text/xml;charset=UTF-8", {"x-amzn-RequestId": self.request_id})
        raise ApiError("InternalError", "unknown fault kind %s" % kind, 500)

    def sample_body(self):
        """The response this request would get, for truncation."""
        try:
            if self.proto == "json":
                self.input = json.loads(self.body or b"{}")
            else:
                self.input = query_parse(self.op.input_shape, self.params, "", self.proto == "ec2",
                                         list(self.params)) if self.op.input_shape is not None else {}
            result = getattr(self, "api_%s_%s" % (self.model, self.action))()
            if self.proto == "json":
                return json.dumps(json_render(self.op.output_shape, result)).encode()
            return self.render_xml(result).encode()
        except Exception:
            if self.proto == "json":
                return b'{"nextToken": null, "items": [{"a": 1}, {"b": 2}]}'
            return self.render_xml({}).encode()

    def hostile_body(self, mode):
        name = self.action + "Response"
        if self.proto == "json":
            if mode == "huge":
                return '{"message": "%s"}' % ("A" * (32 * 1024 * 1024))
            if mode == "bignum":
                return '{"maxResults": 1%s}' % ("0" * 100000)
            depth = 100000
            return '{"nextToken": ' + "[" * depth + "]" * depth + "}"
        if mode == "doctype":
            return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE %s [<!ENTITY xxe SYSTEM '
                    '"file:///etc/hostname">]>\n<%s xmlns="%s"><requestId>&xxe;</requestId></%s>'
                    % (name, name, EC2_NS, name))
        if mode == "deep":
            depth = 100000
            return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s">' % (name, EC2_NS)
                    + "<item>" * depth + "</item>" * depth + "</%s>" % name)
        if mode == "huge":
            return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s"><requestId>%s</requestId></%s>'
                    % (name, EC2_NS, "A" * (32 * 1024 * 1024), name))
        ents = ['<!ENTITY lol "lol">']
        ents.append('<!ENTITY lol1 "%s">' % ("&lol;" * 10))
        for i in range(2, 10):
            ents.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE %s [\n%s\n]>\n<%s xmlns="%s">'
                "<requestId>&lol9;</requestId></%s>" % (name, "\n".join(ents), name, EC2_NS, name))

    # --- helpers for handlers --------------------------------------------------

    def rdata(self):
        acct = self.server.app.sc.accounts[self.principal["account"]]
        return acct.region(self.region)

    def fp(self, drop=("NextToken", "MaxResults", "nextToken", "maxResults", "Marker", "PageSize")):
        inp = {k: v for k, v in self.input.items() if k not in drop}
        return fingerprint(self.principal["account"], self.region, self.model, self.action, inp)

    # --- EC2 -------------------------------------------------------------------

    def _ec2_generic(self):
        app = self.server.app
        spec = EC2_ACTIONS[self.action]
        rd = self.rdata()
        inp = self.input
        has_ids = any(inp.get(p) for p, _, _, _ in spec["ids"])
        if has_ids and spec.get("ids_exclude_max") and inp.get("MaxResults") is not None:
            raise ApiError("InvalidParameterCombination", "The parameter %s cannot be used with the parameter "
                           "maxResults" % next(p for p, _, _, _ in spec["ids"] if inp.get(p)))

        def compute():
            items = rd.ec2.get(spec["res"], [])
            for param, field, code, msg in spec["ids"]:
                want = inp.get(param)
                if want:
                    have = {o.get(field) for o in items}
                    missing = [w for w in want if w not in have]
                    if missing:
                        raise ApiError(code, msg % ", ".join(missing))
                    wset = set(want)
                    items = [o for o in items if o.get(field) in wset]
            return apply_filters(items, inp.get("Filters"), spec["filters"])

        fp = self.fp()
        items = app.cached(fp, compute)
        member = spec["res"]
        if "NextToken" not in self.op.input_shape.members:
            return {member: items}
        if has_ids and spec.get("ids_exclude_max"):
            return {member: items}
        page, nxt = app.page(items, inp.get("NextToken"), inp.get("MaxResults"), self.action, fp,
                             ApiError("InvalidPaginationToken", "The pagination token is invalid."))
        res = {member: page}
        if nxt:
            res["NextToken"] = nxt
        return res

    api_ec2_DescribeSecurityGroups = _ec2_generic
    api_ec2_DescribeNetworkInterfaces = _ec2_generic
    api_ec2_DescribeManagedPrefixLists = _ec2_generic
    api_ec2_DescribeNetworkAcls = _ec2_generic
    api_ec2_DescribeRouteTables = _ec2_generic
    api_ec2_DescribeInternetGateways = _ec2_generic
    api_ec2_DescribeEgressOnlyInternetGateways = _ec2_generic
    api_ec2_DescribeSubnets = _ec2_generic

    def api_ec2_DescribeRegions(self):
        app = self.server.app
        acct = app.sc.accounts[self.principal["account"]]
        inp = self.input
        regions = []
        for r in app.sc.all_regions:
            enabled = r in acct.regions
            if r in OPT_IN_REGIONS:
                status = "opted-in" if enabled else "not-opted-in"
            else:
                status = "opt-in-not-required" if enabled else "not-opted-in"
            if not enabled and not inp.get("AllRegions"):
                continue
            regions.append({"RegionName": r, "Endpoint": "ec2.%s.amazonaws.com" % r, "OptInStatus": status})
        names = inp.get("RegionNames")
        if names:
            have = {r["RegionName"] for r in regions}
            for n in names:
                if n not in have:
                    raise ApiError("InvalidParameterValue", "Invalid region: %s" % n)
            regions = [r for r in regions if r["RegionName"] in names]
        regions = apply_filters(regions, inp.get("Filters"), {"region-name": "RegionName",
                                                              "endpoint": "Endpoint",
                                                              "opt-in-status": "OptInStatus"})
        regions.sort(key=lambda r: r["RegionName"])
        return {"Regions": regions}

    def api_ec2_GetManagedPrefixListEntries(self):
        app = self.server.app
        rd = self.rdata()
        plid = self.input.get("PrefixListId")
        if not plid:
            raise ApiError("MissingParameter", "The request must contain the parameter PrefixListId")
        known = {p.get("PrefixListId") for p in rd.ec2.get("PrefixLists", [])}
        entries = rd.ec2.get("PrefixListEntries", {}).get(plid)
        if plid not in known and entries is None:
            raise ApiError("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist" % plid)
        entries = entries or []
        page, nxt = app.page(entries, self.input.get("NextToken"), self.input.get("MaxResults"), self.action,
                             self.fp(), ApiError("InvalidPaginationToken", "The pagination token is invalid."))
        res = {"Entries": page}
        if nxt:
            res["NextToken"] = nxt
        return res

    def api_ec2_DescribeInstances(self):
        app = self.server.app
        rd = self.rdata()
        inp = self.input
        ids = inp.get("InstanceIds")
        if ids and inp.get("MaxResults") is not None:
            raise ApiError("InvalidParameterCombination",
                           "The parameter instancesSet cannot be used with the parameter maxResults")

        def compute():
            flat = []
            for res in rd.ec2.get("Reservations", []):
                for inst in res.get("Instances", []):
                    d = dict(inst)
                    d["_ReservationId"] = res.get("ReservationId")
                    d["_OwnerId"] = res.get("OwnerId")
                    flat.append((res, inst, d))
            if ids:
                have = {i.get("InstanceId") for _, i, _ in flat}
                missing = [i for i in ids if i not in have]
                if missing:
                    if len(missing) == 1:
                        raise ApiError("InvalidInstanceID.NotFound",
                                       "The instance ID '%s' does not exist" % missing[0])
                    raise ApiError("InvalidInstanceID.NotFound",
                                   "The instance IDs '%s' do not exist" % ", ".join(missing))
                flat = [t for t in flat if t[1].get("InstanceId") in ids]
            keep = apply_filters([t[2] for t in flat], inp.get("Filters"), INSTANCE_FILTERS)
            keep_ids = {id(d) for d in keep}
            out = []
            for res, inst, d in flat:
                if id(d) not in keep_ids:
                    continue
                if out and out[-1][0] is res:
                    out[-1][1].append(inst)
                else:
                    out.append((res, [inst]))
            reservations = []
            for res, insts in out:
                r = dict(res)
                r["Instances"] = insts
                reservations.append(r)
            return reservations

        fp = self.fp()
        reservations = app.cached(fp, compute)
        if ids:
            return {"Reservations": reservations}
        page, nxt = app.page(reservations, inp.get("NextToken"), inp.get("MaxResults"), self.action, fp,
                             ApiError("InvalidPaginationToken", "The pagination token is invalid."))
        res = {"Reservations": page}
        if nxt:
            res["NextToken"] = nxt
        return res

    # --- ELBv2 -----------------------------------------------------------------

    def _elb_page(self, items, member):
        app = self.server.app
        page, nxt = app.page(items, self.input.get("Marker"), self.input.get("PageSize"), self.action, self.fp(),
                             ApiError("ValidationError", "Invalid marker"))
        res = {member: page}
        if nxt:
            res["NextMarker"] = nxt
        return res

    def _elb_select(self, items, field, want, err):
        if not want:
            return items
        have = {o.get(field) for o in items}
        if any(w not in have for w in want):
            raise ApiError(*ELB_ERRORS[err])
        return [o for o in items if o.get(field) in want]

    def api_elbv2_DescribeLoadBalancers(self):
        rd = self.rdata()
        inp = self.input
        if inp.get("LoadBalancerArns") and inp.get("Names"):
            raise ApiError("ValidationError", "Load balancer names and load balancer ARNs cannot be specified at "
                           "the same time")
        items = rd.elbv2.get("LoadBalancers", [])
        items = self._elb_select(items, "LoadBalancerArn", inp.get("LoadBalancerArns"), "lb")
        items = self._elb_select(items, "LoadBalancerName", inp.get("Names"), "lb")
        return self._elb_page(items, "LoadBalancers")

    def api_elbv2_DescribeListeners(self):
        rd = self.rdata()
        inp = self.input
        lb = inp.get("LoadBalancerArn")
        larns = inp.get("ListenerArns")
        if not lb and not larns:
            raise ApiError("ValidationError", "You must specify either listener ARNs or a load balancer ARN")
        if lb and larns:
            raise ApiError("ValidationError", "Listener ARNs and a load balancer ARN cannot be specified at the "
                           "same time")
        items = rd.elbv2.get("Listeners", [])
        if lb:
            self._elb_select(rd.elbv2.get("LoadBalancers", []), "LoadBalancerArn", [lb], "lb")
            items = [o for o in items if o.get("LoadBalancerArn") == lb]
        items = self._elb_select(items, "ListenerArn", larns, "listener")
        return self._elb_page(items, "Listeners")

    def api_elbv2_DescribeTargetGroups(self):
        rd = self.rdata()
        inp = self.input
        items = rd.elbv2.get("TargetGroups", [])
        lb = inp.get("LoadBalancerArn")
        if lb:
            self._elb_select(rd.elbv2.get("LoadBalancers", []), "LoadBalancerArn", [lb], "lb")
            items = [o for o in items if lb in (o.get("LoadBalancerArns") or [])]
        items = self._elb_select(items, "TargetGroupArn", inp.get("TargetGroupArns"), "tg")
        items = self._elb_select(items, "TargetGroupName", inp.get("Names"), "tg")
        return self._elb_page(items, "TargetGroups")

    def api_elbv2_DescribeTargetHealth(self):
        rd = self.rdata()
        tg = self.input.get("TargetGroupArn")
        if not tg:
            raise ApiError("ValidationError", "1 validation error detected: Value null at 'targetGroupArn' "
                           "failed to satisfy constraint: Member must not be null")
        self._elb_select(rd.elbv2.get("TargetGroups", []), "TargetGroupArn", [tg], "tg")
        return {"TargetHealthDescriptions": rd.elbv2.get("TargetHealth", {}).get(tg, [])}

    # --- STS --------------------------------------------------------------------

    def api_sts_GetCallerIdentity(self):
        pr = self.principal
        return {"UserId": pr["user_id"], "Account": pr["account"], "Arn": pr["arn"]}

    def _sts_common(self, role_arn, session, duration, ext=None, check_ext=False):
        app = self.server.app
        if not role_arn:
            raise ApiError("ValidationError", "1 validation error detected: Value null at 'roleArn' failed to "
                           "satisfy constraint: Member must not be null")
        if not session or not re.fullmatch(r"[\w+=,.@-]{2,64}", session):
            raise ApiError("ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed "
                           "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
                           % (session or ""))
        acct, role = app.sc.find_role(role_arn)
        return acct, role, duration

    def _sts_credentials(self, acct, role, session, duration):
        app = self.server.app
        maxd = int(role.get("max_session_duration", 3600))
        if duration is None:
            duration = 3600
        if duration < 900 or duration > max(maxd, 900):
            raise ApiError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set "
                           "for this role.")
        c = app.issue(acct.id, role["name"], session, duration, "sts")
        return {
            "Credentials": {"AccessKeyId": c["akid"], "SecretAccessKey": c["secret"], "SessionToken": c["token"],
                            "Expiration": iso8601(c["expiration"])},
            "AssumedRoleUser": {"AssumedRoleId": c["user_id"], "Arn": c["arn"]},
        }

    def api_sts_AssumeRole(self):
        inp = self.input
        pr = self.principal
        role_arn = inp.get("RoleArn")
        session = inp.get("RoleSessionName")
        acct, role, duration = self._sts_common(role_arn, session, inp.get("DurationSeconds"))
        denied = ApiError("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s"
                          % (pr["arn"], role_arn), 403)
        if role is None:
            raise denied
        trusted = role.get("trusted")
        if trusted is not None:
            ok = False
            for t in trusted:
                t = str(t)
                if t == pr["account"] or t == "arn:aws:iam::%s:root" % pr["account"] or t == pr["arn"] or \
                        fnmatch.fnmatchcase(pr["arn"], t):
                    ok = True
                if pr["kind"] == "role" and t == "arn:aws:iam::%s:role/%s" % (pr["account"], pr.get("role")):
                    ok = True
            if not ok:
                raise denied
        want_ext = role.get("external_id")
        if want_ext is not None:
            got = inp.get("ExternalId")
            if got is None or not hmac.compare_digest(str(got).encode(), str(want_ext).encode()):
                raise denied
        res = self._sts_credentials(acct, role, session, inp.get("DurationSeconds"))
        res["PackedPolicySize"] = 0 if inp.get("Policy") else None
        if res["PackedPolicySize"] is None:
            del res["PackedPolicySize"]
        return res

    def api_sts_AssumeRoleWithWebIdentity(self):
        inp = self.input
        role_arn = inp.get("RoleArn")
        session = inp.get("RoleSessionName")
        tok = inp.get("WebIdentityToken")
        if not tok:
            raise ApiError("ValidationError", "1 validation error detected: Value null at 'webIdentityToken' "
                           "failed to satisfy constraint: Member must not be null")
        acct, role, duration = self._sts_common(role_arn, session, inp.get("DurationSeconds"))
        if role is None:
            raise ApiError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
        if tok not in role.get("web_identity_tokens", []):
            raise ApiError("InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider,"
                           "  please reference AssumeRoleWithWebIdentity documentation for requirements", 400)
        res = self._sts_credentials(acct, role, session, inp.get("DurationSeconds"))
        prov = role.get("web_identity_provider", "oidc.eks.us-east-1.amazonaws.com/id/FAKEAWS")
        res.update({"SubjectFromWebIdentityToken": role.get("web_identity_subject", "system:serviceaccount:fake:sa"),
                    "Provider": "arn:aws:iam::%s:oidc-provider/%s" % (acct.id, prov),
                    "Audience": role.get("web_identity_audience", "sts.amazonaws.com")})
        return res

    # --- ECS ---------------------------------------------------------------------

    def _ecs_cluster(self, ref):
        rd = self.rdata()
        ref = ref or "default"
        name = ref
        if ref.startswith("arn:"):
            m = re.fullmatch(r"arn:aws:ecs:([a-z0-9-]+):(\d{12}):cluster/(.+)", ref)
            if not m or m.group(1) != self.region or m.group(2) != self.principal["account"]:
                raise ApiError("ClusterNotFoundException", "Cluster not found.")
            name = m.group(3)
        cl = rd.clusters.get(name)
        if cl is None:
            raise ApiError("ClusterNotFoundException", "Cluster not found.")
        return cl

    def _ecs_max(self, lo, hi, default):
        mr = self.input.get("maxResults")
        if mr is None:
            return default
        if not isinstance(mr, int) or mr < lo or mr > hi:
            raise ApiError("InvalidParameterException", "maxResults must be between %d and %d." % (lo, hi))
        return mr

    def _ecs_page(self, items, member, default_max):
        app = self.server.app
        mr = self._ecs_max(1, 100, default_max)
        page, nxt = app.page(items, self.input.get("nextToken"), mr, self.action, self.fp(),
                             ApiError("InvalidParameterException", "Invalid nextToken."))
        res = {member: page}
        if nxt:
            res["nextToken"] = nxt
        return res

    def api_ecs_ListClusters(self):
        rd = self.rdata()
        arns = [c["cluster"]["clusterArn"] for c in rd.clusters.values()]
        return self._ecs_page(arns, "clusterArns", 100)

    def api_ecs_DescribeClusters(self):
        rd = self.rdata()
        refs = self.input.get("clusters") or ["default"]
        if len(refs) > 100:
            raise ApiError("InvalidParameterException", "clusters can have at most 100 items.")
        clusters, failures = [], []
        for ref in refs:
            name = ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref
            cl = rd.clusters.get(name)
            if cl is None:
                failures.append({"arn": ref if ref.startswith("arn:") else
                                 "arn:aws:ecs:%s:%s:cluster/%s" % (self.region, self.principal["account"], ref),
                                 "reason": "MISSING"})
                continue
            c = dict(cl["cluster"])
            c.setdefault("activeServicesCount",
                         sum(1 for s in cl["services"].values() if s.get("status") == "ACTIVE"))
            c.setdefault("runningTasksCount", sum(1 for t in cl["tasks"].values() if t.get("lastStatus") == "RUNNING"))
            c.setdefault("registeredContainerInstancesCount", len(cl["cis"]))
            clusters.append(c)
        return {"clusters": clusters, "failures": failures}

    def api_ecs_ListServices(self):
        cl = self._ecs_cluster(self.input.get("cluster"))
        lt = self.input.get("launchType")
        ss = self.input.get("schedulingStrategy")
        arns = [s["serviceArn"] for s in cl["services"].values()
                if s.get("status") != "INACTIVE" and (not lt or s.get("launchType") == lt)
                and (not ss or s.get("schedulingStrategy", "REPLICA") == ss)]
        return self._ecs_page(arns, "serviceArns", 10)

    def api_ecs_DescribeServices(self):
        cl = self._ecs_cluster(self.input.get("cluster"))
        refs = self.input.get("services")
        if not refs:
            raise ApiError("InvalidParameterException", "Services cannot be empty.")
        if len(refs) > 10:
            raise ApiError("InvalidParameterException", "services can have at most 10 items.")
        services, failures = [], []
        cname = cl["cluster"]["clusterName"]
        for ref in refs:
            name = ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref
            s = cl["services"].get(name)
            if s is None or (ref.startswith("arn:") and ref != s["serviceArn"]
                             and ref != "arn:aws:ecs:%s:%s:service/%s" % (self.region, self.principal["account"],
                                                                          name)):
                failures.append({"arn": ref if ref.startswith("arn:") else "arn:aws:ecs:%s:%s:service/%s/%s"
                                 % (self.region, self.principal["account"], cname, ref), "reason": "MISSING"})
            else:
                services.append(s)
        return {"services": services, "failures": failures}

    def api_ecs_ListTasks(self):
        cl = self._ecs_cluster(self.input.get("cluster"))
        inp = self.input
        svc = inp.get("serviceName")
        if svc is not None:
            sname = svc.rsplit("/", 1)[-1] if svc.startswith("arn:") else svc
            if sname not in cl["services"]:
                raise ApiError("ServiceNotFoundException", "Service not found.")
            group = "service:" + sname
        desired = inp.get("desiredStatus", "RUNNING")
        if desired not in ("RUNNING", "PENDING", "STOPPED"):
            raise ApiError("InvalidParameterException", "Invalid desiredStatus.")
        ci = inp.get("containerInstance")
        fam = inp.get("family")
        sb = inp.get("startedBy")
        lt = inp.get("launchType")
        arns = []
        for t in cl["tasks"].values():
            if t.get("desiredStatus", "RUNNING") != desired:
                continue
            if svc is not None and t.get("group") != group:
                continue
            if ci and t.get("containerInstanceArn", "").rsplit("/", 1)[-1] != ci.rsplit("/", 1)[-1]:
                continue
            if fam and t.get("taskDefinitionArn", "").rsplit("/", 1)[-1].split(":")[0] != fam:
                continue
            if sb and t.get("startedBy") != sb:
                continue
            if lt and t.get("launchType") != lt:
                continue
            arns.append(t["taskArn"])
        return self._ecs_page(arns, "taskArns", 100)

    def api_ecs_DescribeTasks(self):
        cl = self._ecs_cluster(self.input.get("cluster"))
        refs = self.input.get("tasks")
        if not refs:
            raise ApiError("InvalidParameterException", "Tasks cannot be empty.")
        if len(refs) > 100:
            raise ApiError("InvalidParameterException", "Tasks cannot be longer than 100.")
        tasks, failures = [], []
        for ref in refs:
            t = cl["tasks"].get(ref.rsplit("/", 1)[-1])
            if t is None:
                failures.append({"arn": ref if ref.startswith("arn:") else "arn:aws:ecs:%s:%s:task/%s/%s" % (
                    self.region, self.principal["account"], cl["cluster"]["clusterName"], ref), "reason": "MISSING"})
            else:
                tasks.append(t)
        return {"tasks": tasks, "failures": failures}

    def api_ecs_DescribeContainerInstances(self):
        cl = self._ecs_cluster(self.input.get("cluster"))
        refs = self.input.get("containerInstances")
        if not refs:
            raise ApiError("InvalidParameterException", "ContainerInstances cannot be empty.")
        if len(refs) > 100:
            raise ApiError("InvalidParameterException", "containerInstances can have at most 100 items.")
        out, failures = [], []
        for ref in refs:
            ci = cl["cis"].get(ref.rsplit("/", 1)[-1])
            if ci is None:
                failures.append({"arn": ref if ref.startswith("arn:") else
                                 "arn:aws:ecs:%s:%s:container-instance/%s/%s" % (
                                     self.region, self.principal["account"], cl["cluster"]["clusterName"], ref),
                                 "reason": "MISSING"})
            else:
                out.append(ci)
        return {"containerInstances": out, "failures": failures}

    def api_ecs_ListContainerInstances(self):
        cl = self._ecs_cluster(self.input.get("cluster"))
        st = self.input.get("status")
        arns = [c["containerInstanceArn"] for c in cl["cis"].values() if not st or c.get("status") == st]
        return self._ecs_page(arns, "containerInstanceArns", 100)

    def api_ecs_DescribeTaskDefinition(self):
        rd = self.rdata()
        ref = self.input.get("taskDefinition")
        if not ref:
            raise ApiError("ClientException", "TaskDefinition cannot be empty.")
        key = ref
        if ref.startswith("arn:"):
            m = re.fullmatch(r"arn:aws:ecs:([a-z0-9-]+):(\d{12}):task-definition/(.+)", ref)
            if not m or m.group(1) != self.region or m.group(2) != self.principal["account"]:
                raise ApiError("ClientException", "Unable to describe task definition.")
            key = m.group(3)
        if ":" not in key:
            rev = rd.taskdef_latest.get(key)
            key = "%s:%s" % (key, rev)
        td = rd.taskdefs.get(key)
        if td is None:
            raise ApiError("ClientException", "Unable to describe task definition.")
        return {"taskDefinition": td, "tags": []}

    # --- Organizations -----------------------------------------------------------

    def api_organizations_ListAccounts(self):
        app = self.server.app
        sc = app.sc
        acct = self.principal["account"]
        if acct not in sc.org_member_ids:
            raise ApiError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
        if acct != sc.org_mgmt and acct not in sc.org_delegated:
            raise ApiError("AccessDeniedException", "You don't have permissions to access this resource.")
        mr = self.input.get("MaxResults")
        if mr is not None and (not isinstance(mr, int) or mr < 1 or mr > 20):
            raise ApiError("InvalidInputException", "You provided a value that does not match the required "
                           "pattern.")
        page, nxt = app.page(sc.org_accounts, self.input.get("NextToken"), mr, self.action, self.fp(),
                             ApiError("InvalidInputException", "The next token is not valid."))
        res = {"Accounts": page}
        if nxt:
            res["NextToken"] = nxt
        return res


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # a client that gives up on an answer (too large, hostile) resets the
        # connection: that is the client's choice, not a bug of the fake
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    fake_securityhub.setup(sys.modules[__name__])
    fake_s3.setup(sys.modules[__name__])
    ap = argparse.ArgumentParser(description="Fake AWS endpoint (loopback only) for ecsprobe tests.")
    ap.add_argument("--scenario", required=True, help="scenario JSON file")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick one)")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--page-size", type=int, default=None,
                    help="items per page (default: scenario settings.page_size or 3; 0: no server paging)")
    ap.add_argument("--faults", help="fault rules JSON file, re-read on every request")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--check", action="store_true", help="validate the scenario and exit")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                    help="speak HTTPS with this PEM certificate and key")
    args = ap.parse_args(argv)
    try:
        models = Models()
        sc = Scenario(args.scenario, models)
    except (ScenarioError, OSError, ValueError, KeyError) as e:
        sys.stderr.write("fakeaws: %s: %s\n" % (args.scenario, e))
        return 2
    for w in WARNINGS[:20]:
        sys.stderr.write("fakeaws: warning: %s\n" % w)
    if args.check:
        print("fakeaws: %s OK (%d accounts)" % (args.scenario, len(sc.accounts)))
        return 0
    page = args.page_size if args.page_size is not None else int(sc.settings.get("page_size", 3))
    app = FakeAWS(sc, page, Faults(args.faults), args.log)
    srv = Server((LISTEN_ADDR, args.port), Handler)
    srv.app = app
    if args.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    sys.stderr.write("fakeaws: listening on %s://%s:%d (%s)\n" % ("https" if args.tls else "http", LISTEN_ADDR, port, args.scenario))
    sys.stderr.flush()
    import signal

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
