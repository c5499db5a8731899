#!/usr/bin/env python3
"""Validators for ecsprobe's export formats (tests/e2e/formats.sh).

  formats_check.py ocsf SCHEMA_DIR FILE    OCSF events against the OCSF schema sources
  formats_check.py sarif SCHEMA FILE       SARIF against its JSON Schema (+ code-scanning needs)
  formats_check.py asff FILE               ASFF required attributes and value rules
  formats_check.py elastic FILE [bulk]     ECS field names, allowed values, types
  formats_check.py cef FILE                CEF:0 line structure and escaping
  formats_check.py finding SCHEMA FILE     NDJSON findings against data/schema/finding.schema.json
  formats_check.py ports NDJSON FMT=FILE.. each format lists the same ports as the NDJSON finding

Every finding check also holds a finding's ports to the same rule: the list
is ascending, disjoint and not adjacent, the port count is its size, and the
single-range fields (port_from/port_to, portFrom/portTo, a destination port,
ASFF DestinationPort/OpenPortRange, CEF dpt/cn1) are there exactly when the
list is one range (a single port field only for one port).

Each prints one line per problem and a last line "N records checked"; the exit
status is 1 when anything was wrong.

The OCSF check (ocsf_check.py) reads the schema's own sources, not a JSON
Schema.
"""
import ipaddress
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ocsf_check import bad, check_ocsf, problems  # noqa: E402


# ---------------------------------------------------------------- ports
def ports_text_pairs(text):
    """"7000-7002,7004-7010" -> [[7000, 7002], [7004, 7010]]; None if malformed."""
    out = []
    for part in str(text).split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            return None
        out.append([int(m.group(1)), int(m.group(2) or m.group(1))])
    return out


def check_ranges(w, pairs, count):
    """The list is well formed and count is its size; returns the pairs or None."""
    if not isinstance(pairs, list) or not pairs:
        bad(w, "ports missing or empty")
        return None
    prev = None
    for p in pairs:
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in p)
                and 1 <= p[0] <= p[1] <= 65535):
            bad(w, "ports entry %r is not a [from, to] pair of ports" % (p,))
            return None
        if prev is not None and p[0] <= prev[1] + 1:
            bad(w, "ports %r: not ascending, disjoint and apart" % (pairs,))
        prev = p
    n = sum(p[1] - p[0] + 1 for p in pairs)
    if str(count) != str(n):
        bad(w, "port count %r, the ports cover %d" % (count, n))
    return pairs


def check_single(w, pairs, fields, point=None):
    """fields: name -> value of the single-range fields (None when absent),
    first then last port; point: (name, value) of a one-port field."""
    one = pairs is not None and len(pairs) == 1
    for i, (k, v) in enumerate(fields.items()):
        if not one and v is not None:
            bad(w, "%s on a finding with %d port ranges" % (k, len(pairs or [])))
        elif one and str(v) != str(pairs[0][min(i, 1)]):
            bad(w, "%s %r, want %d" % (k, v, pairs[0][min(i, 1)]))
    if point:
        k, v = point
        if pairs and len(pairs) == 1 and pairs[0][0] == pairs[0][1]:
            if str(v) != str(pairs[0][0]):
                bad(w, "%s %r, want %d" % (k, v, pairs[0][0]))
        elif v is not None:
            bad(w, "%s on a finding of more than one port" % k)


def check_findings_ndjson(schema_path, path):
    import jsonschema

    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    v = cls(schema, format_checker=cls.FORMAT_CHECKER)
    n = 0
    multi = 0
    with open(path) as f:
        for ln, line in enumerate(f, 1):
            w = "line %d" % ln
            try:
                d = json.loads(line)
            except ValueError as err:
                bad(w, "not JSON: %s" % err)
                continue
            if d.get("type") != "finding":
                continue
            n += 1
            for err in v.iter_errors(d):
                bad(w, "%s: %s" % ("/".join(str(p) for p in err.absolute_path) or "finding", err.message))
            pairs = check_ranges(w, d.get("ports"), d.get("port_count"))
            check_single(w, pairs, {"port_from": d.get("port_from"), "port_to": d.get("port_to")})
            multi += bool(pairs and len(pairs) > 1)
    return n, {"multi_range": multi}


# ---------------------------------------------------------------- OCSF findings
def check_ocsf_ports(path):
    """Detection Findings (the schema check is ocsf_check.py's): the ports in
    evidences[0].data, the single-range fields, protocol name and number."""
    for ln, e in enumerate(json_lines(path), 1):
        if e.get("class_uid") != 2004:
            continue
        w = "line %d" % ln
        ev = (e.get("evidences") or [{}])[0]
        data = ev.get("data") or {}
        ci = ev.get("connection_info") or {}
        pairs = check_ranges(w, data.get("ports"), data.get("port_count"))
        check_single(w, pairs, {"evidences[0].data.port_from": data.get("port_from"),
                                "evidences[0].data.port_to": data.get("port_to")},
                     ("evidences[0].dst_endpoint.port", (ev.get("dst_endpoint") or {}).get("port")))
        if ci.get("protocol_num") != {"tcp": 6, "udp": 17}.get(ci.get("protocol_name")):
            bad(w, "protocol_num %r for %r" % (ci.get("protocol_num"), ci.get("protocol_name")))


# ---------------------------------------------------------------- SARIF
def check_sarif(schema_path, path):
    import jsonschema

    with open(schema_path) as f:
        schema = json.load(f)
    with open(path) as f:
        doc = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    v = cls(schema, format_checker=cls.FORMAT_CHECKER)
    for err in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        bad("/".join(str(p) for p in err.absolute_path) or "document", err.message)
    n = 0
    kinds = {}
    for run in doc.get("runs", []):
        rules = run["tool"]["driver"].get("rules", [])
        ids = [r["id"] for r in rules]
        if len(set(ids)) != len(ids):
            bad("rules", "duplicate rule ids")
        for r in rules:
            ss = r.get("properties", {}).get("security-severity")
            try:
                if not 0 <= float(ss) <= 10:
                    raise ValueError
            except (TypeError, ValueError):
                bad("rule " + r["id"], "security-severity %r not a number 0-10" % ss)
        fps = set()
        for i, res in enumerate(run.get("results", [])):
            n += 1
            w = "results[%d]" % i
            rid = res.get("ruleId")
            if rid not in ids or ids.index(rid) != res.get("ruleIndex", ids.index(rid) if rid in ids else -1):
                bad(w, "ruleId/ruleIndex do not name a rule")
            kinds[rid] = kinds.get(rid, 0) + 1
            # what GitHub code scanning needs of a result
            locs = res.get("locations") or []
            if len(locs) != 1 or not locs[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri"):
                bad(w, "needs exactly one location with a physical artifact uri")
            fp = res.get("partialFingerprints", {}).get("ecsprobeFindingId/v1")
            if not fp or not re.fullmatch(r"[0-9a-f]{16}", fp):
                bad(w, "partialFingerprints.ecsprobeFindingId/v1 missing")
            fps.add(fp)
            pr = res.get("properties", {})
            pairs = check_ranges(w, ports_text_pairs(pr.get("ports", "")), pr.get("portCount"))
            check_single(w, pairs, {"portFrom": pr.get("portFrom"), "portTo": pr.get("portTo")})
            if pr.get("proto") not in ("tcp", "udp"):
                bad(w, "properties.proto %r" % pr.get("proto"))
        if len(fps) != len(run.get("results", [])):
            bad("results", "finding fingerprints are not unique")
        if not run.get("invocations") or "executionSuccessful" not in run["invocations"][0]:
            bad("invocations", "missing")
    return n, {"rules": kinds}


# ---------------------------------------------------------------- ASFF
ASFF_REQUIRED = {
    "AwsAccountId": str, "CreatedAt": str, "Description": str, "GeneratorId": str, "Id": str,
    "ProductArn": str, "Resources": list, "SchemaVersion": str, "Severity": dict,
    "Title": str, "Types": list, "UpdatedAt": str,
}
ASFF_NAMESPACES = ("Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors",
                   "Sensitive Data Identifications")
ASFF_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$")
ASFF_RESOURCE_TYPES = ("AwsEcsService", "AwsElbv2LoadBalancer", "AwsEc2NetworkInterface",
                       "AwsEcsContainer", "Container", "Other")


def check_asff(path):
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, list):
        bad("document", "must be a JSON array of findings (BatchImportFindings input)")
        return 0, {}
    ids = set()
    for i, o in enumerate(doc):
        w = "finding %d" % i
        for k, t in ASFF_REQUIRED.items():
            if not isinstance(o.get(k), t) or not o.get(k):
                bad(w, "required %s missing or not a non-empty %s" % (k, t.__name__))
        if o.get("SchemaVersion") != "2018-10-08":
            bad(w, "SchemaVersion must be 2018-10-08")
        acct = o.get("AwsAccountId", "")
        if not re.fullmatch(r"\d{12}", acct):
            bad(w, "AwsAccountId must be 12 digits")
        arn = o.get("ProductArn", "")
        m = re.fullmatch(r"arn:aws(-cn|-us-gov)?:securityhub:([a-z0-9-]+):(\d{12}):product/(\d{12})/default", arn)
        if not m or m.group(3) != acct or m.group(4) != acct:
            bad(w, "ProductArn %r is not the account's default product" % arn)
        if not (0 < len(o.get("Id", "")) <= 512) or o.get("Id") in ids:
            bad(w, "Id empty, too long or not unique")
        ids.add(o.get("Id"))
        for t in o.get("Types", []):
            parts = t.split("/")
            if not 1 <= len(parts) <= 3 or parts[0] not in ASFF_NAMESPACES:
                bad(w, "Types entry %r is not namespace/category/classifier" % t)
        for k in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"):
            if k in o and not ASFF_TIME.match(o[k]):
                bad(w, "%s %r is not an accepted timestamp" % (k, o[k]))
        if o.get("UpdatedAt", "") < o.get("CreatedAt", ""):
            bad(w, "UpdatedAt before CreatedAt")
        if o.get("Severity", {}).get("Label") not in ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"):
            bad(w, "Severity.Label invalid")
        if len(o.get("Title", "")) > 256 or len(o.get("Description", "")) > 1024:
            bad(w, "Title over 256 or Description over 1024 characters")
        if not 1 <= len(o.get("Resources", [])) <= 32:
            bad(w, "Resources must hold 1-32 resources")
        for r in o.get("Resources", []):
            if not r.get("Type") or not r.get("Id"):
                bad(w, "a resource needs Type and Id")
            if r.get("Type") not in ASFF_RESOURCE_TYPES:
                bad(w, "resource Type %r unexpected" % r.get("Type"))
            if r.get("Partition") not in (None, "aws", "aws-cn", "aws-us-gov"):
                bad(w, "Partition invalid")
        comp = o.get("Compliance")
        if comp is not None:
            req = comp.get("RelatedRequirements", []) if isinstance(comp, dict) else None
            if not isinstance(comp, dict) or comp.get("Status") not in ("PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"):
                bad(w, "Compliance.Status invalid")
            if not (isinstance(req, list) and len(req) <= 32 and all(isinstance(r, str) and r for r in req)):
                bad(w, "Compliance.RelatedRequirements must be at most 32 non-empty strings")
        net = o.get("Network", {})
        rng = net.get("OpenPortRange")
        pf = o.get("ProductFields", {})
        # one range: DestinationPort and OpenPortRange; several: neither
        pairs = check_ranges(w, ports_text_pairs(pf.get("ecsprobe/ports", "")), pf.get("ecsprobe/port_count"))
        if rng is not None and not (isinstance(rng, dict) and isinstance(rng.get("Begin"), int)
                                    and isinstance(rng.get("End"), int) and 0 <= rng["Begin"] <= rng["End"] <= 65535):
            bad(w, "Network.OpenPortRange invalid")
            rng = {}
        rng = rng or {}
        check_single(w, pairs, {"Network.OpenPortRange.Begin": rng.get("Begin"),
                                "Network.OpenPortRange.End": rng.get("End")})
        check_single(w, pairs, {"Network.DestinationPort": net.get("DestinationPort")})
        if net.get("Direction") not in ("IN", "OUT") or net.get("Protocol") not in ("TCP", "UDP"):
            bad(w, "Network.Direction/Protocol invalid")
        if len(pf) > 50 or any(not isinstance(v, str) or len(k) > 128 or len(v) > 2048 for k, v in pf.items()):
            bad(w, "ProductFields: at most 50 string pairs, keys <= 128, values <= 2048")
    return len(doc), {"ids": sorted(ids)}


# ---------------------------------------------------------------- ECS
# ECS 8.11 fields ecsprobe writes (Elastic Common Schema reference), and the
# allowed values of the categorisation fields.
ECS_FIELDS = {
    "@timestamp", "message", "tags", "ecs.version",
    "event.kind", "event.category", "event.type", "event.module", "event.dataset",
    "event.provider", "event.id", "event.code", "event.action", "event.severity",
    "event.risk_score", "event.created", "event.reason", "event.start", "event.end",
    "event.outcome", "event.duration",
    "rule.id", "rule.name", "rule.category", "rule.ruleset", "rule.description",
    "destination.ip", "destination.address", "destination.port",
    "network.transport", "network.iana_number", "network.type",
    "cloud.provider", "cloud.account.id", "cloud.region", "cloud.service.name",
    "orchestrator.type", "orchestrator.cluster.name", "orchestrator.resource.type",
    "orchestrator.resource.name", "container.name",
    "observer.vendor", "observer.product", "observer.type", "observer.version",
}
ECS_KIND = {"alert", "asset", "enrichment", "event", "metric", "state", "pipeline_error", "signal"}
ECS_CATEGORY_TYPES = {
    "network": {"access", "allowed", "connection", "denied", "end", "error", "info", "protocol", "start"},
    "configuration": {"access", "change", "creation", "deletion", "info"},
}
ECS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def leaves(o, prefix=""):
    for k, v in o.items():
        p = prefix + k
        if isinstance(v, dict):
            yield from leaves(v, p + ".")
        else:
            yield p, v


def check_ecs_doc(w, d):
    for p, v in leaves(d):
        if p.startswith("ecsprobe."):
            continue
        if p not in ECS_FIELDS:
            bad(w, "%s is not an ECS field" % p)
    ev = d.get("event", {})
    if ev.get("kind") not in ECS_KIND:
        bad(w, "event.kind %r" % ev.get("kind"))
    for c in ev.get("category", []):
        if c not in ECS_CATEGORY_TYPES:
            bad(w, "event.category %r" % c)
            continue
        for t in ev.get("type", []):
            if t not in ECS_CATEGORY_TYPES[c]:
                bad(w, "event.type %r is not expected with category %r" % (t, c))
    if ev.get("outcome") not in (None, "success", "failure", "unknown"):
        bad(w, "event.outcome %r" % ev.get("outcome"))
    for k in ("@timestamp",):
        if not ECS_TIME.match(d.get(k, "")):
            bad(w, "%s not an ISO 8601 UTC time" % k)
    dst = d.get("destination", {})
    try:
        ipaddress.ip_address(dst.get("ip", ""))
    except ValueError:
        bad(w, "destination.ip %r not an IP address" % dst.get("ip"))
    if "port" in dst and not (isinstance(dst["port"], int) and 0 <= dst["port"] <= 65535):
        bad(w, "destination.port")
    net = d.get("network", {})
    if net.get("transport") not in ("tcp", "udp") or not isinstance(net.get("iana_number"), str):
        bad(w, "network.transport (lowercase) / network.iana_number (keyword)")
    if net.get("iana_number") != {"tcp": "6", "udp": "17"}.get(net.get("transport")):
        bad(w, "network.iana_number %r for %r" % (net.get("iana_number"), net.get("transport")))
    if ev.get("kind") == "alert":
        fi = d.get("ecsprobe", {}).get("finding", {})
        objs = fi.get("ports")
        pairs = None
        if isinstance(objs, list) and all(isinstance(o, dict) and set(o) == {"from", "to"} for o in objs):
            pairs = [[o["from"], o["to"]] for o in objs]
        pairs = check_ranges(w, pairs, fi.get("port_count"))
        check_single(w, pairs, {"ecsprobe.finding.port_from": fi.get("port_from"),
                                "ecsprobe.finding.port_to": fi.get("port_to")},
                     ("destination.port", dst.get("port")))
        for k in ("rule.id", "cloud.provider", "cloud.account.id", "cloud.region", "event.severity"):
            if k not in dict(leaves(d)):
                bad(w, "alert without %s" % k)
        owner = d.get("ecsprobe", {}).get("finding", {}).get("owner", "")
        parts = owner.split("/")
        if len(parts) >= 2 and parts[0] != "lb":
            orch = d.get("orchestrator", {})
            if orch.get("cluster", {}).get("name") != parts[0] or orch.get("resource", {}).get("name") != parts[1]:
                bad(w, "orchestrator.* does not match owner %r" % owner)
            if len(parts) == 3 and d.get("container", {}).get("name") != parts[2]:
                bad(w, "container.name does not match owner %r" % owner)


def check_elastic(path, bulk):
    n = 0
    kinds = {}
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        w = "line %d" % (i + 1)
        try:
            if bulk:
                act = json.loads(lines[i])
                meta = act.get("index")
                if not meta or not meta.get("_index") or not re.fullmatch(r"[0-9a-f]{16}", meta.get("_id", "")):
                    bad(w, "bulk action line needs index._index and a 16-hex _id")
                i += 1
                w = "line %d" % (i + 1)
            d = json.loads(lines[i])
        except (ValueError, IndexError) as err:
            bad(w, "not JSON: %s" % err)
            i += 1
            continue
        if bulk and meta and meta.get("_id") != d.get("event", {}).get("id"):
            bad(w, "_id differs from event.id")
        check_ecs_doc(w, d)
        k = d.get("event", {}).get("kind")
        kinds[k] = kinds.get(k, 0) + 1
        n += 1
        i += 1
    return n, {"kinds": kinds}


# ---------------------------------------------------------------- CEF
CEF_KEYS = {"rt", "externalId", "cat", "dst", "dpt", "proto", "msg", "act", "reason", "start", "end",
            "c6a3", "c6a3Label", "cfp1", "cfp1Label"} | \
    {"cs%d%s" % (i, s) for i in range(1, 7) for s in ("", "Label")} | \
    {"cn%d%s" % (i, s) for i in range(1, 4) for s in ("", "Label")} | \
    {"flexString%d%s" % (i, s) for i in range(1, 3) for s in ("", "Label")}


def cef_split_header(line):
    """7 header fields and the extension; pipes escaped with a backslash."""
    fields, cur, i = [], "", 0
    while i < len(line) and len(fields) < 7:
        c = line[i]
        if c == "\\" and i + 1 < len(line) and line[i + 1] in "\\|":
            cur += line[i + 1]
            i += 2
            continue
        if c == "|":
            fields.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    return fields, line[i:]


def cef_parse_ext(ext):
    """key=value pairs; a key is the word before an unescaped '='."""
    out, i, key, val = {}, 0, None, ""
    tokens = re.finditer(r"(?:^| )([A-Za-z0-9_]+)=", ext)
    starts = []
    for m in tokens:
        # an '=' preceded by a backslash is part of a value, never a key's
        if m.end() >= 2 and ext[m.end() - 2] == "\\":
            continue
        starts.append(m)
    for j, m in enumerate(starts):
        end = starts[j + 1].start() if j + 1 < len(starts) else len(ext)
        raw = ext[m.end():end]
        v, k = "", 0
        while k < len(raw):
            if raw[k] == "\\" and k + 1 < len(raw):
                nxt = raw[k + 1]
                v += {"n": "\n", "r": "\r"}.get(nxt, nxt)
                k += 2
                continue
            if raw[k] == "=":
                return None, "unescaped '=' in the value of %s" % m.group(1)
            v += raw[k]
            k += 1
        out[m.group(1)] = v
    return out, None


def check_cef(path):
    n = 0
    sigs = {}
    with open(path, newline="") as f:
        data = f.read()
    if "\r" in data:
        bad("file", "raw CR in the output")
    for ln, line in enumerate(data.split("\n")[:-1], 1):
        w = "line %d" % ln
        n += 1
        if not line.startswith("CEF:0|"):
            bad(w, "does not start with CEF:0|")
            continue
        hdr, ext = cef_split_header(line)
        if len(hdr) != 7:
            bad(w, "needs 7 header fields, has %d" % len(hdr))
            continue
        if hdr[1:3] != ["ecsprobe", "ecsprobe"] or not re.fullmatch(r"\d+|10", hdr[6]) or not 0 <= int(hdr[6]) <= 10:
            bad(w, "vendor/product/severity")
        kv, err = cef_parse_ext(ext)
        if err:
            bad(w, err)
            continue
        for k in kv:
            if k not in CEF_KEYS:
                bad(w, "extension key %s is not one ecsprobe documents" % k)
        for k in ("rt", "externalId"):
            if k not in kv:
                bad(w, "missing %s" % k)
        if "dst" in kv:
            try:
                ipaddress.IPv4Address(kv["dst"])
            except ValueError:
                bad(w, "dst is not IPv4")
        if hdr[4].startswith("port-"):  # a result: one port
            if not re.fullmatch(r"\d+", kv.get("dpt", "")):
                bad(w, "dpt")
        else:  # a finding: flexString1 lists its ports, cn2 counts them
            if kv.get("flexString1Label") != "ports" or kv.get("cn2Label") != "portCount":
                bad(w, "a finding needs flexString1Label=ports and cn2Label=portCount")
            pairs = check_ranges(w, ports_text_pairs(kv.get("flexString1", "")), kv.get("cn2"))
            check_single(w, pairs, {"dpt": kv.get("dpt"), "cn1": kv.get("cn1")})
            if ("cn1" in kv) != ("cn1Label" in kv) or kv.get("cn1Label", "portTo") != "portTo":
                bad(w, "cn1Label=portTo goes with cn1")
        if kv.get("proto") not in ("TCP", "UDP"):
            bad(w, "proto %r" % kv.get("proto"))
        sigs[hdr[4]] = sigs.get(hdr[4], 0) + 1
    return n, {"signatures": sigs}


# ---------------------------------------------------------------- across formats
def json_lines(path):
    with open(path) as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def ports_by_format(fmt, path):
    """finding id -> (proto, [[from, to], ...], port count) as fmt writes them."""
    out = {}
    if fmt == "ocsf":
        for e in json_lines(path):
            if e.get("class_uid") == 2004:
                ev = e["evidences"][0]
                out[e["finding_info"]["uid"]] = (ev["connection_info"]["protocol_name"],
                                                 ev["data"].get("ports"), ev["data"].get("port_count"))
    elif fmt in ("elastic", "elastic-bulk"):
        for e in json_lines(path):
            if e.get("event", {}).get("kind") == "alert":
                fi = e["ecsprobe"]["finding"]
                out[fi["id"]] = (e["network"]["transport"],
                                 [[o["from"], o["to"]] for o in fi.get("ports", [])], fi.get("port_count"))
    elif fmt == "sarif":
        with open(path) as f:
            for r in json.load(f)["runs"][0]["results"]:
                pr = r["properties"]
                out[r["partialFingerprints"]["ecsprobeFindingId/v1"]] = (
                    pr.get("proto"), ports_text_pairs(pr.get("ports", "")), pr.get("portCount"))
    elif fmt == "asff":
        with open(path) as f:
            for o in json.load(f):
                pf = o["ProductFields"]
                out[pf["ecsprobe/finding_id"]] = (o["Network"]["Protocol"].lower(),
                                                  ports_text_pairs(pf.get("ecsprobe/ports", "")),
                                                  int(pf.get("ecsprobe/port_count", "0")))
    elif fmt == "cef":
        with open(path) as f:
            for line in f.read().split("\n"):
                hdr, ext = cef_split_header(line)
                if len(hdr) != 7 or hdr[4].startswith("port-"):
                    continue
                kv, _ = cef_parse_ext(ext)
                if kv:
                    out[kv["externalId"]] = (kv.get("proto", "").lower(),
                                             ports_text_pairs(kv.get("flexString1", "")), int(kv.get("cn2", "0")))
    else:
        bad(fmt, "unknown format")
    return out


def check_ports_agree(ndjson, specs):
    want = {}
    for d in json_lines(ndjson):
        if d.get("type") == "finding":
            want[d["id"]] = (d["proto"], d["ports"], d["port_count"])
    if not want:
        bad(ndjson, "no findings")
    for spec in specs:
        fmt, _, path = spec.partition("=")
        got = ports_by_format(fmt, path)
        if set(got) != set(want):
            bad(fmt, "finding ids differ from the NDJSON's")
        for fid, w in sorted(want.items()):
            if fid in got and got[fid] != w:
                bad(fmt, "finding %s: proto, ports, count %r; the NDJSON has %r" % (fid, got[fid], w))
    return len(want), {"formats": len(specs), "multi_range": sum(len(v[1]) > 1 for v in want.values())}


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    kind = argv[1]
    if kind == "ocsf":
        n, info = check_ocsf(argv[2], argv[3])
        check_ocsf_ports(argv[3])
    elif kind == "sarif":
        n, info = check_sarif(argv[2], argv[3])
    elif kind == "asff":
        n, info = check_asff(argv[2])
    elif kind == "elastic":
        n, info = check_elastic(argv[2], len(argv) > 3 and argv[3] == "bulk")
    elif kind == "cef":
        n, info = check_cef(argv[2])
    elif kind == "finding":
        n, info = check_findings_ndjson(argv[2], argv[3])
    elif kind == "ports":
        n, info = check_ports_agree(argv[2], argv[3:])
    else:
        print(__doc__)
        return 2
    for p in problems[:50]:
        print(p)
    if len(problems) > 50:
        print("... %d more" % (len(problems) - 50))
    print("%d records checked %s" % (n, json.dumps(info, sort_keys=True)))
    return 1 if problems or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
