#!/usr/bin/env python3
"""Validators for ecsprobe's export formats (tests/e2e/formats.sh).

  formats_check.py ocsf SCHEMA_DIR FILE    OCSF events against the OCSF schema sources
  formats_check.py sarif SCHEMA FILE       SARIF against its JSON Schema (+ code-scanning needs)
  formats_check.py asff FILE               ASFF required attributes and value rules
  formats_check.py elastic FILE [bulk]     ECS field names, allowed values, types
  formats_check.py cef FILE                CEF:0 line structure and escaping

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
        net = o.get("Network", {})
        rng = net.get("OpenPortRange", {})
        if not (isinstance(net.get("DestinationPort"), int) and 0 <= net["DestinationPort"] <= 65535):
            bad(w, "Network.DestinationPort missing or out of range")
        if not (isinstance(rng.get("Begin"), int) and isinstance(rng.get("End"), int)
                and 0 <= rng["Begin"] <= rng["End"] <= 65535):
            bad(w, "Network.OpenPortRange invalid")
        if net.get("Direction") not in ("IN", "OUT") or net.get("Protocol") not in ("TCP", "UDP"):
            bad(w, "Network.Direction/Protocol invalid")
        pf = o.get("ProductFields", {})
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
    if ev.get("kind") == "alert":
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
    {"cn%d%s" % (i, s) for i in range(1, 4) for s in ("", "Label")}


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
        if not re.fullmatch(r"\d+", kv.get("dpt", "")):
            bad(w, "dpt")
        sigs[hdr[4]] = sigs.get(hdr[4], 0) + 1
    return n, {"signatures": sigs}


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    kind = argv[1]
    if kind == "ocsf":
        n, info = check_ocsf(argv[2], argv[3])
    elif kind == "sarif":
        n, info = check_sarif(argv[2], argv[3])
    elif kind == "asff":
        n, info = check_asff(argv[2])
    elif kind == "elastic":
        n, info = check_elastic(argv[2], len(argv) > 3 and argv[3] == "bulk")
    elif kind == "cef":
        n, info = check_cef(argv[2])
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
