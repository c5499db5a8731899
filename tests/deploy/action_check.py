#!/usr/bin/env python3
"""action.yml (the GitHub Action) checked and run locally, for
tests/e2e/action.sh.

  schema ACTION SCHEMA   YAML valid against the JSON Schema subset of a
                         composite action's metadata (unknown keys fail)
  refs ACTION            every ${{ inputs.X }} declared, every
                         steps.ID.outputs.K written by step ID, every run
                         step with a shell and valid bash (bash -n), the
                         SARIF upload wired to github/codeql-action/upload-sarif
  run ACTION WORKDIR KEY=VALUE...
                         the composite steps in order, as the runner would:
                         expressions of the forms the action uses evaluated,
                         env set, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files,
                         `uses:` steps recorded, not run.  Prints one line a
                         step: ID STATUS (or "skipped", or "uses ACTION WITH").
"""
import json
import os
import re
import subprocess
import sys

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def cmd_schema(action, schema):
    import jsonschema
    with open(schema) as f:
        sch = json.load(f)
    doc = load(action)
    v = jsonschema.Draft7Validator(sch)
    return ["%s: %s: %s" % (action, "/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
            for e in sorted(v.iter_errors(doc), key=str)]


def step_outputs(step):
    """Keys a run step writes to GITHUB_OUTPUT (K=... lines)."""
    return set(re.findall(r'(?:echo|printf)\s+"?([a-z][-a-z0-9_]*)=', step.get("run", "")))


def cmd_refs(action):
    doc = load(action)
    errs = []
    inputs = set(doc.get("inputs", {}))
    steps = doc["runs"]["steps"]
    seen = {}
    text = yaml.safe_dump(doc)
    for name in set(re.findall(r"inputs\.([-a-zA-Z0-9_]+)", text)):
        if name not in inputs:
            errs.append("%s: inputs.%s is used but not declared" % (action, name))
    for i, st in enumerate(steps):
        where = "%s: step %d (%s)" % (action, i + 1, st.get("id", st.get("name")))
        body = yaml.safe_dump(st)
        for sid, key in re.findall(r"steps\.([-a-zA-Z0-9_]+)\.outputs\.([-a-zA-Z0-9_]+)", body):
            if sid not in seen:
                errs.append("%s: steps.%s is not an earlier step" % (where, sid))
            elif key not in seen[sid]:
                errs.append("%s: steps.%s.outputs.%s: that step writes no %s" % (where, sid, key, key))
        if "run" in st:
            if st.get("shell") != "bash":
                errs.append("%s: a composite run step needs shell: bash" % where)
            if EXPR.search(st["run"]):
                errs.append("%s: an expression spliced into the script (pass it through env)" % where)
            p = subprocess.run(["bash", "-n"], input=st["run"].encode(), capture_output=True)
            if p.returncode:
                errs.append("%s: bash -n: %s" % (where, p.stderr.decode().strip()))
        if "id" in st:
            seen[st["id"]] = step_outputs(st)
    for k, o in doc.get("outputs", {}).items():
        m = re.fullmatch(r"\$\{\{ steps\.([-a-z0-9_]+)\.outputs\.([-a-z0-9_]+) \}\}", o.get("value", ""))
        if not m or m.group(2) not in seen.get(m.group(1), ()):
            errs.append("%s: output %s: %s is written by no step" % (action, k, o.get("value")))
    up = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    if len(up) != 1:
        errs.append("%s: one step uses github/codeql-action/upload-sarif, got %d" % (action, len(up)))
    elif up[0].get("with", {}).get("sarif_file") != "${{ steps.verify.outputs.sarif }}":
        errs.append("%s: upload-sarif's sarif_file is not the verify step's SARIF" % action)
    return errs


class Ctx:
    def __init__(self, inputs, action_path, workdir):
        self.inputs, self.steps, self.action_path, self.workdir = inputs, {}, action_path, workdir

    def value(self, e):
        e = e.strip()
        m = re.fullmatch(r"inputs\.([-a-zA-Z0-9_]+)", e)
        if m:
            return self.inputs.get(m.group(1), "")
        m = re.fullmatch(r"steps\.([-a-zA-Z0-9_]+)\.outputs\.([-a-zA-Z0-9_]+)", e)
        if m:
            return self.steps.get(m.group(1), {}).get(m.group(2), "")
        if e == "github.action_path":
            return self.action_path
        m = re.fullmatch(r"'([^']*)'", e)
        if m:
            return m.group(1)
        m = re.fullmatch(r"hashFiles\((.*)\)", e)
        if m:
            f = os.path.join(self.workdir, self.value(m.group(1)))
            return "h" if os.path.isfile(f) else ""
        raise SystemExit("action_check: no evaluator for the expression %r" % e)

    def cond(self, e):
        ok = True
        for term in e.split("&&"):
            term = term.strip()
            if term == "always()":
                continue
            m = re.fullmatch(r"(.+?)\s*(==|!=)\s*(.+)", term)
            if not m:
                raise SystemExit("action_check: no evaluator for the condition %r" % term)
            a, b = self.value(m.group(1)), self.value(m.group(3))
            ok = ok and ((a == b) if m.group(2) == "==" else (a != b))
        return ok

    def subst(self, s):
        return EXPR.sub(lambda m: self.value(m.group(1)), str(s))


def cmd_run(action, workdir, pairs):
    doc = load(action)
    given = dict(p.split("=", 1) for p in pairs)
    inputs = {k: given.get(k, str(v.get("default", ""))) for k, v in doc.get("inputs", {}).items()}
    ctx = Ctx(inputs, os.path.dirname(os.path.abspath(action)), workdir)
    summary = os.path.join(workdir, "step-summary.md")
    failed = False
    for i, st in enumerate(doc["runs"]["steps"]):
        sid = st.get("id", "step%d" % (i + 1))
        # a step without if: runs only while nothing failed (success())
        if ("if" in st and not ctx.cond(st["if"])) or ("if" not in st and failed):
            print(sid, "skipped")
            continue
        if "uses" in st:
            print(sid, "uses", st["uses"], json.dumps({k: ctx.subst(v) for k, v in st.get("with", {}).items()}))
            continue
        out = os.path.join(workdir, "output-%s" % sid)
        open(out, "w").close()
        env = dict(os.environ, GITHUB_ACTIONS="true", GITHUB_OUTPUT=out, GITHUB_STEP_SUMMARY=summary)
        env.update({k: ctx.subst(v) for k, v in st.get("env", {}).items()})
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", st["run"]], cwd=workdir, env=env,
                           stdout=open(os.path.join(workdir, "log-%s" % sid), "w"), stderr=subprocess.STDOUT)
        with open(out) as f:
            ctx.steps[sid] = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        print(sid, p.returncode)
        failed = failed or p.returncode != 0
    return []


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "schema":
        errs = cmd_schema(a[1], a[2])
    elif len(a) == 2 and a[0] == "refs":
        errs = cmd_refs(a[1])
    elif len(a) >= 3 and a[0] == "run":
        errs = cmd_run(a[1], a[2], a[3:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
