#!/usr/bin/env python3
"""Checks, and runs locally, ecsprobe's deploy examples in data/deploy/.

Checks (each exits 0 when clean, 1 with one line per problem on stderr):
  k8s-schema FILE...     YAML documents against tests/deploy/k8s-subset.schema.json
                         (unknown fields fail at every level) and the
                         cross-field rules the API server applies to them
  k8s-split FILE         the split verify example agrees with itself: shards
                         and merge, seed, plan options, S3 prefixes, N
  batch DIR              every JSON payload in DIR against botocore's model of
                         its operation (RegisterJobDefinition, SubmitJob)
  batch-split DIR        the Batch example agrees with itself, the shards'
                         shell wrapper run for every array index
  ecs FILE...            ECS RegisterTaskDefinition payloads against botocore
  options HELP FILE...   every option in the examples' ecsprobe commands is one
                         HELP (ecsprobe verify --help and scan --help) names

Runs (for tests/e2e/deploy_flow.sh; s3://B/K becomes ROOT/s3/B/K, a
ConfigMap mounted at /P becomes ROOT/mnt/P; NUL-separated output):
  k8s-prepare FILE ROOT         write the ConfigMaps' files, print the
                                shards' mapped --inventory path
  k8s-argv FILE ROLE ROOT ...   argv of the shard (with --index), merge or
                                wait (the init container) after Kubernetes'
                                $(VAR) expansion, mapped to ROOT
  k8s-env FILE ROLE [--index I] the container's environment, NAME=VALUE
                                (not mapped: the wait script reads s3:// URLs)
  k8s-single FILE ROOT OUT ...  one unsplit verify: the shard's command less
                                --shard/--save-states/-o, plus the merge's
                                --fail-on and -o ndjson:OUT
  batch-argv DIR ROLE ROOT ...  the Batch shard's (sh -c wrapper) or merge's
                                argv after Ref:: substitution, mapped
  k8s-count FILE, batch-count DIR   the number of shards (completions, array size)

Python 3 with PyYAML, jsonschema and botocore (Debian: python3-yaml,
python3-jsonschema, python3-botocore).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "k8s-subset.schema.json")

# ---- ecsprobe verify's command line ------------------------------------

# options that take a value (scan's run options, verify's own, the AWS pull's)
VALUE_OPTS = {
    "--inventory", "--cluster", "--service", "--source-ip", "--vantage-sg", "--vantage",
    "--extra-ports", "--intent", "--wait-stable", "--baseline", "--shard", "--save-states",
    "--states", "--fail-on", "--exclude", "--exclude-file", "--rate", "--timeout",
    "--min-timeout", "--retries", "--max-inflight", "--threads", "--max-probes", "--mode",
    "--user", "--output", "-o", "--spool", "--spool-max", "--seed", "--interface",
    "--probes-dir", "--profile", "--region", "--regions", "--role-arn", "--external-id",
    "--accounts", "--role-name", "--endpoint-url", "--max-attempts", "--api-rate",
}
FLAG_OPTS = {
    "--all-ports", "--securityhub", "--quiet", "-q", "--no-progress", "--progress",
    "--dry-run", "-n", "--banners", "--all-accounts", "--debug",
}
# what decides the plan (the probes, and how they are judged): the same on
# every shard and the merge, or the merge refuses the states or, for the
# intent, judges by another policy than the shards planned with
PLAN_OPTS = ("--inventory", "--cluster", "--service", "--source-ip", "--vantage-sg",
             "--vantage", "--extra-ports", "--all-ports", "--intent", "--exclude",
             "--exclude-file", "--regions", "--region", "--profile", "--accounts",
             "--all-accounts", "--role-arn", "--role-name", "--external-id")
ALIASES = {"-o": "--output", "-q": "--quiet", "-n": "--dry-run", "--region": "--regions"}


class Cmd:
    """A parsed `ecsprobe verify ...`: opts maps each option to its values."""

    def __init__(self, argv, where):
        self.argv = list(argv)
        self.where = where
        self.opts = {}
        self.errors = []
        if len(argv) < 2 or os.path.basename(argv[0]) != "ecsprobe" or argv[1] != "verify":
            self.errors.append("%s: not an `ecsprobe verify` command: %s" % (where, " ".join(argv[:3])))
            return
        i = 2
        while i < len(argv):
            a = argv[i]
            val = None
            if a.startswith("--") and "=" in a:
                a, val = a.split("=", 1)
            if a in VALUE_OPTS:
                if val is None:
                    if i + 1 >= len(argv):
                        self.errors.append("%s: %s needs a value" % (where, a))
                        break
                    val = argv[i + 1]
                    i += 1
                self.opts.setdefault(ALIASES.get(a, a), []).append(val)
            elif a in FLAG_OPTS and val is None:
                self.opts.setdefault(ALIASES.get(a, a), []).append(True)
            else:
                self.errors.append("%s: unknown option or stray argument '%s'" % (where, argv[i]))
            i += 1

    def one(self, name):
        v = self.opts.get(name, [])
        return v[0] if len(v) == 1 else None

    def plan(self):
        return {k: sorted(map(str, self.opts[k])) for k in PLAN_OPTS if k in self.opts}

    def outputs(self):
        """(format, destination) of every -o"""
        res = []
        for o in self.opts.get("--output", []):
            fmt, _, dest = o.partition(":")
            res.append((fmt, dest))
        return res


def check_split(shards, merge, n, label):
    """shards: one argv per index 0..n-1, merge: the merge's argv."""
    errs = []
    cmds = [Cmd(a, "%s shard %d" % (label, i)) for i, a in enumerate(shards)]
    m = Cmd(merge, "%s merge" % label)
    for c in cmds + [m]:
        errs += c.errors
    if errs:
        return errs
    if len(cmds) != n or n < 2:
        errs.append("%s: %d shard commands for %d shards" % (label, len(cmds), n))
    base = cmds[0]
    for c in cmds:
        if c.one("--shard") != "auto":
            errs.append("%s: needs exactly one --shard auto" % c.where)
        if c.one("--seed") is None:
            errs.append("%s: needs one --seed (the same on every shard)" % c.where)
        if c.one("--save-states") is None:
            errs.append("%s: needs one --save-states" % c.where)
        if "--states" in c.opts:
            errs.append("%s: a shard takes no --states" % c.where)
        if c.opts.get("--seed") != base.opts.get("--seed"):
            errs.append("%s: --seed %s, but shard 0 has %s" % (c.where, c.opts.get("--seed"), base.opts.get("--seed")))
        if c.plan() != base.plan():
            errs.append("%s: plan options %s differ from shard 0's %s" % (c.where, c.plan(), base.plan()))
        strip = {"--save-states", "--output"}
        mine = {k: v for k, v in c.opts.items() if k not in strip}
        first = {k: v for k, v in base.opts.items() if k not in strip}
        if mine != first:
            errs.append("%s: options differ from shard 0's beyond --save-states and -o" % c.where)
    if errs:
        return errs
    saves = [c.one("--save-states") for c in cmds]
    if len(set(saves)) != len(saves):
        errs.append("%s: shards write the same --save-states: %s" % (label, sorted(set(saves))))
    prefixes = {s.rsplit("/", 1)[0] + "/" for s in saves}
    if len(prefixes) != 1:
        errs.append("%s: shards' --save-states are under different prefixes: %s" % (label, sorted(prefixes)))
    prefix = sorted(prefixes)[0]
    # the merge
    for bad in ("--shard", "--save-states"):
        if bad in m.opts:
            errs.append("%s: the merge takes no %s" % (m.where, bad))
    states = m.opts.get("--states", [])
    if states != [prefix] and sorted(states) != sorted(saves):
        errs.append("%s: --states %s is neither the shards' prefix %s nor their %d files" %
                    (m.where, states, prefix, n))
    if m.plan() != base.plan():
        errs.append("%s: plan options %s differ from the shards' %s" % (m.where, m.plan(), base.plan()))
    if "--seed" in m.opts and m.opts["--seed"] != base.opts["--seed"]:
        errs.append("%s: --seed %s differs from the shards' %s" % (m.where, m.opts["--seed"], base.opts["--seed"]))
    if m.one("--fail-on") is None:
        errs.append("%s: no --fail-on" % m.where)
    if not m.outputs():
        errs.append("%s: writes no findings (-o)" % m.where)
    for c in cmds + [m]:
        for fmt, dest in c.outputs():
            if dest.startswith(prefix):
                errs.append("%s: -o %s:%s is under the states prefix %s, which the merge reads whole" %
                            (c.where, fmt, dest, prefix))
    return errs


# ---- Kubernetes ------------------------------------------------------------

def load_yaml(path):
    import yaml
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_expand(s, env):
    """Kubernetes' $(VAR) expansion of command, args and env values: $$ is a
    literal $, $(NAME) a defined variable's value; anything else stays."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "$" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                j = s.find(")", i + 2)
                if j != -1:
                    name = s[i + 2:j]
                    if name in env:
                        out.append(env[name])
                    else:
                        out.append(s[i:j + 1])
                    i = j + 1
                    continue
        out.append(c)
        i += 1
    return "".join(out)


def container_env(c, index=None):
    """The container's variables in order, fieldRefs to the completion index
    resolved, each value expanded over the ones before it."""
    env = {}
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = k8s_expand(e["value"], env)
        else:
            path = e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath", "")
            if path == "metadata.annotations['batch.kubernetes.io/job-completion-index']" and index is not None:
                env[e["name"]] = str(index)
    if index is not None:
        env.setdefault("JOB_COMPLETION_INDEX", str(index))  # the Job controller adds it
    return env


def container_argv(c, index=None):
    env = container_env(c, index)
    return [k8s_expand(a, env) for a in c.get("command", []) + c.get("args", [])]


def schema_errors(doc, schema, where):
    import jsonschema
    v = jsonschema.Draft7Validator(schema)
    errs = []
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        # the deepest cause of a oneOf/anyOf/if-then failure says the most
        leaf = e
        while leaf.context:
            leaf = sorted(leaf.context, key=lambda x: -len(list(x.absolute_path)))[0]
        path = "/".join(str(p) for p in leaf.absolute_path) or "(top)"
        errs.append("%s: %s: %s" % (where, path, leaf.message))
    return errs


def pod_rules(job, where):
    """Cross-field rules the API server applies to a Job (the ones these examples touch)."""
    errs = []
    spec = job.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    containers = pod.get("containers", []) + pod.get("initContainers", [])
    names = [c.get("name") for c in containers]
    if len(set(names)) != len(names):
        errs.append("%s: container names repeat: %s" % (where, names))
    vols = [v.get("name") for v in pod.get("volumes", [])]
    if len(set(vols)) != len(vols):
        errs.append("%s: volume names repeat: %s" % (where, vols))
    for c in containers:
        for m in c.get("volumeMounts", []):
            if m.get("name") not in vols:
                errs.append("%s: container %s mounts volume %s, which the pod does not have" %
                            (where, c.get("name"), m.get("name")))
        envs = [e.get("name") for e in c.get("env", [])]
        if len(set(envs)) != len(envs):
            errs.append("%s: container %s sets a variable twice" % (where, c.get("name")))
    mode = spec.get("completionMode", "NonIndexed")
    if mode == "Indexed" and "completions" not in spec:
        errs.append("%s: completionMode Indexed needs completions" % where)
    if "backoffLimitPerIndex" in spec and mode != "Indexed":
        errs.append("%s: backoffLimitPerIndex needs completionMode Indexed" % where)
    pfp = spec.get("podFailurePolicy")
    if pfp:
        if pod.get("restartPolicy") != "Never":
            errs.append("%s: podFailurePolicy needs restartPolicy Never" % where)
        for r in pfp.get("rules", []):
            if r.get("action") == "FailIndex" and "backoffLimitPerIndex" not in spec:
                errs.append("%s: action FailIndex needs backoffLimitPerIndex" % where)
            oe = r.get("onExitCodes")
            if oe:
                if oe.get("operator") == "In" and 0 in oe.get("values", []):
                    errs.append("%s: onExitCodes In may not list 0" % where)
                if "containerName" in oe and oe["containerName"] not in names:
                    errs.append("%s: onExitCodes names container %s, which the pod does not have" %
                                (where, oe["containerName"]))
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        errs.append("%s: a Job's restartPolicy must be Never or OnFailure" % where)
    return errs


def cmd_k8s_schema(args):
    with open(SCHEMA) as f:
        schema = json.load(f)
    errs = []
    for path in args.files:
        try:
            docs = load_yaml(path)
        except Exception as e:  # a YAML syntax error
            errs.append("%s: %s" % (path, e))
            continue
        if not docs:
            errs.append("%s: no documents" % path)
        for i, d in enumerate(docs):
            where = "%s: document %d (%s %s)" % (path, i + 1, d.get("kind") if isinstance(d, dict) else "?",
                                                 (d.get("metadata") or {}).get("name") if isinstance(d, dict) else "")
            e = schema_errors(d, schema, where)
            errs += e
            if not e and d.get("kind") == "Job":
                errs += pod_rules(d, where)
    return errs


def k8s_parts(docs, path):
    """The shards' Job, the merge's Job and its wait container, the ConfigMaps."""
    jobs = [d for d in docs if d.get("kind") == "Job"]
    shards = [j for j in jobs if j["spec"].get("completionMode") == "Indexed"]
    merges = [j for j in jobs if j["spec"].get("completionMode", "NonIndexed") != "Indexed"]
    if len(shards) != 1 or len(merges) != 1:
        raise SystemExit("%s: expected one Indexed Job (the shards) and one other Job (the merge)" % path)
    return shards[0], merges[0]


def main_container(job):
    cs = job["spec"]["template"]["spec"]["containers"]
    return [c for c in cs if c["name"] == "ecsprobe"][0]


def wait_container(job):
    cs = job["spec"]["template"]["spec"].get("initContainers", [])
    return cs[0] if cs else None


def cmd_k8s_split(args):
    docs = load_yaml(args.file)
    errs = []
    shards, merge = k8s_parts(docs, args.file)
    spec = shards["spec"]
    n = spec.get("completions")
    where = "%s: job/%s" % (args.file, shards["metadata"]["name"])
    if spec.get("parallelism") != n:
        errs.append("%s: completions %s but parallelism %s" % (where, n, spec.get("parallelism")))
    sc = main_container(shards)
    env0 = container_env(sc, 0)
    if env0.get("ECSPROBE_SHARDS") != str(n):
        errs.append("%s: ECSPROBE_SHARDS %s, but completions %s (--shard auto reads ECSPROBE_SHARDS)" %
                    (where, env0.get("ECSPROBE_SHARDS"), n))
    if not isinstance(n, int) or n < 2:
        return errs + ["%s: completions %s: a split needs 2 or more" % (where, n)]
    mc = main_container(merge)
    shard_argv = [container_argv(sc, i) for i in range(n)]
    merge_argv = container_argv(mc)
    errs += check_split(shard_argv, merge_argv, n, args.file)
    # one run: the same RUN_ID, service account, image, ConfigMap mounts
    mwhere = "%s: job/%s" % (args.file, merge["metadata"]["name"])
    if container_env(mc).get("RUN_ID") != env0.get("RUN_ID"):
        errs.append("%s: RUN_ID differs from the shards'" % mwhere)
    sp, mp = shards["spec"]["template"]["spec"], merge["spec"]["template"]["spec"]
    if sp.get("serviceAccountName") != mp.get("serviceAccountName"):
        errs.append("%s: another service account than the shards'" % mwhere)
    if sc["image"] != mc["image"]:
        errs.append("%s: image %s, the shards run %s" % (mwhere, mc["image"], sc["image"]))
    sas = {d["metadata"]["name"] for d in docs if d.get("kind") == "ServiceAccount"}
    for job in (shards, merge):
        if job["spec"]["template"]["spec"].get("serviceAccountName") not in sas:
            errs.append("%s: job/%s: its service account is not in the file" % (args.file, job["metadata"]["name"]))
    cms = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d.get("kind") == "ConfigMap"}
    for job, c in ((shards, sc), (merge, mc)):
        vols = {v["name"]: v for v in job["spec"]["template"]["spec"].get("volumes", [])}
        for m in c.get("volumeMounts", []):
            v = vols.get(m["name"], {})
            if "configMap" in v and v["configMap"]["name"] not in cms:
                errs.append("%s: job/%s mounts ConfigMap %s, which is not in the file" %
                            (args.file, job["metadata"]["name"], v["configMap"]["name"]))
        intent = Cmd(container_argv(c, 0), "").one("--intent")
        if intent:
            found = False
            for m in c.get("volumeMounts", []):
                v = vols.get(m["name"], {})
                mp_ = m["mountPath"].rstrip("/") + "/"
                if "configMap" in v and intent.startswith(mp_):
                    found = intent[len(mp_):] in cms.get(v["configMap"]["name"], {})
            if not found and not intent.startswith("s3://"):
                errs.append("%s: job/%s: --intent %s is no key of a mounted ConfigMap" %
                            (args.file, job["metadata"]["name"], intent))
    if args.intent_example:
        with open(args.intent_example) as f:
            want = json.load(f)
        for name, data in cms.items():
            if "intent.json" in data:
                try:
                    got = json.loads(data["intent.json"])
                except ValueError as e:
                    errs.append("%s: ConfigMap %s: intent.json is not JSON: %s" % (args.file, name, e))
                    continue
                if got != want:
                    errs.append("%s: ConfigMap %s: intent.json is not %s" % (args.file, name, args.intent_example))
    # the merge's wait: the shards' prefix and count
    w = wait_container(merge)
    if w is None:
        errs.append("%s: no init container waits for the shards" % mwhere)
    else:
        wenv = container_env(w)
        prefix = Cmd(shard_argv[0], "").one("--save-states").rsplit("/", 1)[0] + "/"
        if wenv.get("STATES") != prefix:
            errs.append("%s: %s waits on STATES %s, the shards write under %s" %
                        (mwhere, w["name"], wenv.get("STATES"), prefix))
        if wenv.get("SHARDS") != str(n):
            errs.append("%s: %s waits for SHARDS %s, completions is %s" % (mwhere, w["name"], wenv.get("SHARDS"), n))
        if wenv.get("RUN_ID") != env0.get("RUN_ID"):
            errs.append("%s: %s has another RUN_ID" % (mwhere, w["name"]))
    # the merge's verdict (1 findings, 2 refused) is final: not retried
    rules = merge["spec"].get("podFailurePolicy", {}).get("rules", [])
    final = set()
    for r in rules:
        oe = r.get("onExitCodes", {})
        if r.get("action") == "FailJob" and oe.get("containerName") == "ecsprobe" and oe.get("operator") == "In":
            final |= set(oe.get("values", []))
    if not {1, 2} <= final:
        errs.append("%s: exit 1 (findings) and 2 (refused) must end the Job (podFailurePolicy FailJob), not be retried" % mwhere)
    return errs


# ---- AWS (botocore's service models) ---------------------------------------

def botocore_errors(service, operation, payload, where):
    import botocore.session
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    report = ParamValidator().validate(payload, shape)
    if report.has_errors():
        return ["%s: %s %s: %s" % (where, service, operation, line.strip())
                for line in report.generate_report().splitlines() if line.strip()]
    return []


BATCH_FILES = {
    "register-shard-job-definition.json": "RegisterJobDefinition",
    "register-merge-job-definition.json": "RegisterJobDefinition",
    "submit-shards.json": "SubmitJob",
    "submit-merge.json": "SubmitJob",
}


def load_json(path, errs):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        errs.append("%s: %s" % (path, e))
        return None


def cmd_batch(args):
    errs = []
    for name, op in sorted(BATCH_FILES.items()):
        path = os.path.join(args.dir, name)
        doc = load_json(path, errs)
        if doc is not None:
            errs += botocore_errors("batch", op, doc, path)
    return errs


def cmd_ecs(args):
    errs = []
    for path in args.files:
        doc = load_json(path, errs)
        if doc is not None:
            errs += botocore_errors("ecs", "RegisterTaskDefinition", doc, path)
    return errs


def batch_load(d):
    errs = []
    docs = {n: load_json(os.path.join(d, n), errs) for n in BATCH_FILES}
    if errs:
        raise SystemExit("\n".join(errs))
    return (docs["register-shard-job-definition.json"], docs["register-merge-job-definition.json"],
            docs["submit-shards.json"], docs["submit-merge.json"])


def ref_substitute(command, defaults, submitted, where, errs):
    """AWS Batch's parameter substitution: an element that is exactly
    Ref::NAME becomes the submission's NAME, else the definition's default."""
    params = dict(defaults or {})
    params.update(submitted or {})
    out = []
    for a in command:
        if a.startswith("Ref::"):
            name = a[5:]
            if name not in params:
                errs.append("%s: %s has no value (neither a default nor submitted)" % (where, a))
            out.append(params.get(name, a))
        else:
            if "Ref::" in a:
                errs.append("%s: 'Ref::' inside a longer argument is not substituted: %s" % (where, a[:60]))
            out.append(a)
    return out


def batch_commands(d, errs, run_id=None):
    """The payloads, the shard command and the merge argv after Ref::, N.
    run_id: put for REPLACE_WITH_RUN_ID in the submissions, as the README says."""
    sdef, mdef, ssub, msub = batch_load(d)
    if run_id:
        for sub in (ssub, msub):
            sub["parameters"] = {k: v.replace("REPLACE_WITH_RUN_ID", run_id)
                                 for k, v in sub.get("parameters", {}).items()}
    sc = ref_substitute(sdef["containerProperties"]["command"], sdef.get("parameters"), ssub.get("parameters"),
                        "%s/register-shard-job-definition.json" % d, errs)
    mc = ref_substitute(mdef["containerProperties"]["command"], mdef.get("parameters"), msub.get("parameters"),
                        "%s/register-merge-job-definition.json" % d, errs)
    n = ssub.get("arrayProperties", {}).get("size")
    return sdef, mdef, ssub, msub, sc, mc, n


def run_shell_wrapper(command, index, n, ecsprobe=None, path_extra=None):
    """Run a shard's `/bin/sh -c SCRIPT NAME ARGS...` as Batch would start it
    (AWS_BATCH_JOB_ARRAY_INDEX, AWS_BATCH_JOB_ARRAY_SIZE), with `ecsprobe`
    a stand-in that prints the argv it got: the argv the real one would get."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "ecsprobe")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nprintf "%s\\0" ecsprobe "$@"\n')
        os.chmod(fake, 0o755)
        env = {"PATH": tmp + ":/usr/bin:/bin", "AWS_BATCH_JOB_ARRAY_INDEX": str(index),
               "AWS_BATCH_JOB_ARRAY_SIZE": str(n)}
        p = subprocess.run(command, env=env, capture_output=True)
        if p.returncode != 0:
            return None, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip())
        return p.stdout.decode().split("\0")[:-1], None


def cmd_batch_split(args):
    errs = []
    d = args.dir
    sdef, mdef, ssub, msub, sc, mc, n = batch_commands(d, errs, "validate-run")
    if not isinstance(n, int) or not 2 <= n <= 10000:
        errs.append("%s/submit-shards.json: arrayProperties.size %s: an array job has 2-10000 children" % (d, n))
        return errs
    if sc[:2] != ["/bin/sh", "-c"]:
        errs.append("%s/register-shard-job-definition.json: the command is not /bin/sh -c (needed for the index in the key)" % d)
        return errs
    shard_argv = []
    for i in range(n):
        argv, err = run_shell_wrapper(sc, i, n)
        if err:
            errs.append("%s: the shard wrapper for index %d: %s" % (d, i, err))
            return errs
        shard_argv.append(argv)
    errs += check_split(shard_argv, mc, n, d)
    # the merge waits for every child of the array job, and runs one job
    deps = msub.get("dependsOn", [])
    if len(deps) != 1 or set(deps[0]) != {"jobId"}:
        errs.append("%s/submit-merge.json: dependsOn must be one plain {jobId} (the array job: all its children);"
                    " N_TO_N or SEQUENTIAL would pair children or chain them: %s" % (d, deps))
    if "arrayProperties" in msub:
        errs.append("%s/submit-merge.json: the merge is one job, not an array" % d)
    if ssub.get("jobDefinition") != sdef.get("jobDefinitionName"):
        errs.append("%s/submit-shards.json: jobDefinition %s is not %s" % (d, ssub.get("jobDefinition"), sdef.get("jobDefinitionName")))
    if msub.get("jobDefinition") != mdef.get("jobDefinitionName"):
        errs.append("%s/submit-merge.json: jobDefinition %s is not %s" % (d, msub.get("jobDefinition"), mdef.get("jobDefinitionName")))
    for k in ("image", "jobRoleArn"):
        if sdef["containerProperties"].get(k) != mdef["containerProperties"].get(k):
            errs.append("%s: the shards' and the merge's %s differ" % (d, k))
    # the merge's verdict (1 findings, 2 refused) is not retried
    final = {e.get("onExitCode") for e in mdef.get("retryStrategy", {}).get("evaluateOnExit", [])
             if e.get("action") == "EXIT"}
    if not {"1", "2"} <= final:
        errs.append("%s/register-merge-job-definition.json: exit 1 (findings) and 2 (refused) must not be retried" % d)
    return errs


# ---- every option one ecsprobe knows ---------------------------------------

def example_commands(path):
    """Every ecsprobe command line in an example file: (where, argv)."""
    out = []
    if path.endswith((".yaml", ".yml")):
        for d in load_yaml(path):
            if d.get("kind") != "Job":
                continue
            pod = d["spec"]["template"]["spec"]
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                argv = c.get("command", []) + c.get("args", [])
                if argv and argv[0] == "ecsprobe":
                    out.append(("%s: job/%s" % (path, d["metadata"]["name"]), argv))
                elif c.get("image", "").split("/")[-1].startswith("ecsprobe"):
                    out.append(("%s: job/%s" % (path, d["metadata"]["name"]), ["ecsprobe"] + argv))
    elif os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            if name.startswith("register-"):
                out += example_commands(os.path.join(path, name))
    else:
        with open(path) as f:
            doc = json.load(f)
        cmds = []
        if "containerProperties" in doc:
            cmds.append(doc["containerProperties"]["command"])
        for c in doc.get("containerDefinitions", []):
            cmds.append(c.get("command", []))
        for argv in cmds:
            if argv[:2] == ["/bin/sh", "-c"]:  # the wrapper: the script's ecsprobe options and $3...
                script = argv[2]
                argv = argv[4:] + re.findall(r"(?<![\w-])(--[a-z][-a-z]*|-o)(?=[\s\"])", script)
            elif argv and argv[0] != "ecsprobe":
                argv = ["ecsprobe"] + argv
            out.append((path, argv))
    return out


def cmd_options(args):
    with open(args.help) as f:
        help_text = f.read().replace("--region(s)", "--region --regions")
    known = set(re.findall(r"(?<![\w-])(--[a-z][-a-z]*|-[a-z])\b", help_text))
    errs = []
    for path in args.files:
        for where, argv in example_commands(path):
            for a in argv:
                if re.match(r"^--?[a-zA-Z]", a):
                    name = a.split("=", 1)[0]
                    if name not in known:
                        errs.append("%s: %s is no option of ecsprobe (verify --help, scan --help)" % (where, name))
    return errs


# ---- running the examples locally ----------------------------------------

class LocalMap:
    """s3://BUCKET/KEY -> ROOT/s3/BUCKET/KEY; a ConfigMap mount /P -> ROOT/mnt/P."""

    def __init__(self, root, mounts=()):
        self.root = os.path.abspath(root)
        self.mounts = [m.rstrip("/") + "/" for m in mounts]

    def path(self, s):
        if s.startswith("s3://"):
            p = os.path.join(self.root, "s3", s[5:])
        else:
            p = s
            for m in self.mounts:
                if s.startswith(m):
                    p = os.path.join(self.root, "mnt", s.lstrip("/"))
        if p != s:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if s.endswith("/"):
                p = p.rstrip("/") + "/"
        return p

    def argv(self, argv, source_ip=None, ecsprobe=None, expand_states=True):
        out = []
        i = 0
        while i < len(argv):
            a = argv[i]
            if i == 0 and ecsprobe and os.path.basename(a) == "ecsprobe":
                out.append(ecsprobe)
            elif a in ("-o", "--output") and i + 1 < len(argv):
                fmt, _, dest = argv[i + 1].partition(":")
                out += [a, "%s:%s" % (fmt, self.path(dest))]
                i += 1
            elif a == "--source-ip" and source_ip and i + 1 < len(argv):
                out += [a, source_ip]
                i += 1
            elif a == "--states" and expand_states and i + 1 < len(argv) and argv[i + 1].endswith("/"):
                # `--states PREFIX/`: every object under it
                d = self.path(argv[i + 1])
                files = sorted(os.path.join(d, f) for f in os.listdir(d)) if os.path.isdir(d) else []
                for f in files:
                    out += ["--states", f]
                if not files:
                    out += ["--states", d]
                i += 1
            else:
                out.append(self.path(a))
            i += 1
        return out


def configmap_mounts(job, docs):
    """(mountPath, ConfigMap data) of every ConfigMap the job's ecsprobe container mounts."""
    cms = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d.get("kind") == "ConfigMap"}
    vols = {v["name"]: v for v in job["spec"]["template"]["spec"].get("volumes", [])}
    res = []
    for m in main_container(job).get("volumeMounts", []):
        v = vols.get(m["name"], {})
        if "configMap" in v:
            res.append((m["mountPath"], cms.get(v["configMap"]["name"], {})))
    return res


def emit(items):
    sys.stdout.write("".join(x + "\0" for x in items))


def cmd_k8s_prepare(args):
    docs = load_yaml(args.file)
    shards, merge = k8s_parts(docs, args.file)
    mounts = configmap_mounts(shards, docs) + configmap_mounts(merge, docs)
    lm = LocalMap(args.root, [m for m, _ in mounts])
    for mount, data in mounts:
        for key, text in data.items():
            p = lm.path(mount.rstrip("/") + "/" + key)
            with open(p, "w") as f:
                f.write(text)
    inv = Cmd(container_argv(main_container(shards), 0), "").one("--inventory")
    emit([lm.path(inv)])
    return []


def k8s_role_argv(args, docs):
    shards, merge = k8s_parts(docs, args.file)
    mounts = configmap_mounts(shards, docs) + configmap_mounts(merge, docs)
    lm = LocalMap(args.root, [m for m, _ in mounts])
    if args.role == "shard":
        return lm, container_argv(main_container(shards), args.index)
    if args.role == "merge":
        return lm, container_argv(main_container(merge))
    return lm, container_argv(wait_container(merge))


def cmd_k8s_argv(args):
    docs = load_yaml(args.file)
    lm, argv = k8s_role_argv(args, docs)
    if args.role == "wait":
        emit(argv)  # a shell script; its environment is mapped in k8s-env
    else:
        emit(lm.argv(argv, args.source_ip, args.ecsprobe))
    return []


def cmd_k8s_env(args):
    docs = load_yaml(args.file)
    shards, merge = k8s_parts(docs, args.file)
    c = {"shard": main_container(shards), "merge": main_container(merge), "wait": wait_container(merge)}[args.role]
    env = container_env(c, args.index if args.role == "shard" else None)
    emit("%s=%s" % (k, v) for k, v in env.items())
    return []


def cmd_k8s_single(args):
    docs = load_yaml(args.file)
    shards, merge = k8s_parts(docs, args.file)
    mounts = configmap_mounts(shards, docs)
    lm = LocalMap(args.root, [m for m, _ in mounts])
    argv = container_argv(main_container(shards), 0)
    m = Cmd(container_argv(main_container(merge)), "merge")
    out = []
    i = 0
    while i < len(argv):
        if argv[i] in ("--shard", "--save-states", "-o", "--output"):
            i += 2
            continue
        out.append(argv[i])
        i += 1
    out += ["--fail-on", m.one("--fail-on") or "high", "-o", "ndjson:" + args.out]
    emit(lm.argv(out, args.source_ip, args.ecsprobe))
    return []


def cmd_count(args):
    if args.cmd == "k8s-count":
        shards, _ = k8s_parts(load_yaml(args.path), args.path)
        print(shards["spec"].get("completions"))
    else:
        print(batch_load(args.path)[2].get("arrayProperties", {}).get("size"))
    return []


def cmd_batch_argv(args):
    errs = []
    sdef, mdef, ssub, msub, sc, mc, n = batch_commands(args.dir, errs, args.run_id)
    if errs:
        return errs
    lm = LocalMap(args.root)
    if args.role == "shard":
        # the wrapper stays; its arguments are mapped (the script adds the index)
        argv = sc[:4] + lm.argv(["ecsprobe", "verify"] + sc[4:], args.source_ip)[2:]
        emit(argv)
    else:
        emit(lm.argv(mc, args.source_ip, args.ecsprobe))
    return []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("k8s-schema")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=cmd_k8s_schema)
    p = sub.add_parser("k8s-split")
    p.add_argument("file")
    p.add_argument("--intent-example")
    p.set_defaults(fn=cmd_k8s_split)
    p = sub.add_parser("batch")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_batch)
    p = sub.add_parser("batch-split")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_batch_split)
    p = sub.add_parser("ecs")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=cmd_ecs)
    p = sub.add_parser("options")
    p.add_argument("help")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=cmd_options)
    p = sub.add_parser("k8s-prepare")
    p.add_argument("file")
    p.add_argument("root")
    p.set_defaults(fn=cmd_k8s_prepare)
    for name, fn in (("k8s-argv", cmd_k8s_argv), ("k8s-env", cmd_k8s_env)):
        p = sub.add_parser(name)
        p.add_argument("file")
        p.add_argument("role", choices=("shard", "merge", "wait"))
        if name == "k8s-argv":
            p.add_argument("root")
        p.add_argument("--index", type=int, default=0)
        p.add_argument("--source-ip")
        p.add_argument("--ecsprobe")
        p.set_defaults(fn=fn)
    p = sub.add_parser("k8s-single")
    p.add_argument("file")
    p.add_argument("root")
    p.add_argument("out")
    p.add_argument("--source-ip")
    p.add_argument("--ecsprobe")
    p.set_defaults(fn=cmd_k8s_single)
    for name in ("k8s-count", "batch-count"):
        p = sub.add_parser(name)
        p.add_argument("path")
        p.set_defaults(fn=cmd_count)
    p = sub.add_parser("batch-argv")
    p.add_argument("dir")
    p.add_argument("role", choices=("shard", "merge"))
    p.add_argument("root")
    p.add_argument("--run-id")
    p.add_argument("--source-ip")
    p.add_argument("--ecsprobe")
    p.set_defaults(fn=cmd_batch_argv)
    args = ap.parse_args()
    errs = args.fn(args)
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
