#!/usr/bin/env python3
"""The systemd example units (data/deploy/ecsprobe-verify.{service,timer}):
what systemd-analyze does not check, and their commands as systemd would run
them, for tests/e2e/deploy_validate.sh and tests/e2e/deploy_unit.sh.

  check SERVICE TIMER     SYN mode with an ambient CAP_NET_RAW and nothing
                          else; the first run has a baseline to read; the
                          run's output becomes the next run's baseline
  commands SERVICE ENVFILE STATEDIR
                          ExecStartPre, ExecStart, ExecStartPost in order,
                          each as KIND NUL ARGV... NUL NUL, after systemd's
                          expansion: ${STATE_DIRECTORY}, $VAR (split on
                          whitespace) and ${VAR} (one word) from Environment=
                          and ENVFILE (which wins, as EnvironmentFile= does)
"""
import shlex
import sys

EXEC = ("ExecStartPre", "ExecStart", "ExecStartPost")


def parse(path):
    """[(section, key, value)] with continuation lines joined."""
    out, section, pending = [], None, ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.endswith("\\"):
                pending = s[:-1].rstrip()
                continue
            if s.startswith("["):
                section = s.strip("[]")
                continue
            k, _, v = s.partition("=")
            out.append((section, k.strip(), v.strip()))
    return out


def values(items, key, section="Service"):
    return [v for s, k, v in items if s == section and k == key]


def env_assignments(text):
    env = {}
    for word in shlex.split(text):
        k, _, v = word.partition("=")
        env[k] = v
    return env


def expand(value, env):
    """One Exec line's argv, as systemd.service(5) says: $VAR splits, ${VAR} does not."""
    argv = []
    for word in shlex.split(value):
        if word.startswith("$") and not word.startswith("${"):
            argv += env.get(word[1:], "").split()
            continue
        for k, v in env.items():
            word = word.replace("${%s}" % k, v)
        argv.append(word)
    if argv and argv[0][:1] in "-@:+!":  # prefixes: none of ours changes what runs
        argv[0] = argv[0].lstrip("-@:+!")
    return argv


def service_env(items, envfile, statedir):
    env = {}
    for v in values(items, "Environment"):
        env.update(env_assignments(v))
    if envfile:
        with open(envfile) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    env.update(env_assignments(line))
    if values(items, "StateDirectory"):
        env["STATE_DIRECTORY"] = statedir
    return env


def opt(argv, name):
    return [argv[i + 1] for i in range(len(argv) - 1) if argv[i] == name]


def cmd_check(service, timer):
    items = parse(service)
    errs = []
    where = service

    def want(key, expect):
        got = values(items, key)
        if got != [expect]:
            errs.append("%s: %s=%s, want %s" % (where, key, " ".join(got) or "(unset)", expect))

    want("AmbientCapabilities", "CAP_NET_RAW")
    want("CapabilityBoundingSet", "CAP_NET_RAW")
    want("DynamicUser", "yes")
    want("NoNewPrivileges", "yes")
    env = service_env(items, None, "/var/lib/ecsprobe")
    cmds = {k: [expand(v, env) for v in values(items, k)] for k in EXEC}
    if len(cmds["ExecStart"]) != 1:
        return errs + ["%s: one ExecStart, got %d" % (where, len(cmds["ExecStart"]))]
    start = cmds["ExecStart"][0]
    if start[:2] != ["ecsprobe", "verify"] and not start[0].endswith("/ecsprobe"):
        errs.append("%s: ExecStart does not run ecsprobe verify: %s" % (where, start[:2]))
    if opt(start, "--mode") != ["syn"]:
        errs.append("%s: ExecStart --mode %s: SYN mode must be asked for (auto falls back to connect without CAP_NET_RAW)"
                    % (where, opt(start, "--mode")))
    baseline = opt(start, "--baseline")
    outs = [o.split(":", 1)[1] for o in opt(start, "-o") if o.startswith("ndjson:")]
    if len(baseline) == 1:
        # the first run: something before ExecStart makes the baseline exist
        made = any(a == baseline[0] for c in cmds["ExecStartPre"] for a in c[1:])
        if not made:
            errs.append("%s: --baseline %s: no ExecStartPre creates it, so the first run fails (exit 2)"
                        % (where, baseline[0]))
        # the next run's baseline is this run's output
        if not any(c[-1] == baseline[0] and c[-2] in outs for c in cmds["ExecStartPost"]):
            errs.append("%s: no ExecStartPost turns the -o ndjson output into %s" % (where, baseline[0]))
    if "1" not in " ".join(values(items, "SuccessExitStatus")).split():
        errs.append("%s: SuccessExitStatus lacks 1 (findings): the baseline would not move on" % where)
    titems = parse(timer)
    if not [v for s, k, v in titems if s == "Timer" and k == "OnCalendar"]:
        errs.append("%s: no OnCalendar" % timer)
    unit = [v for s, k, v in titems if s == "Timer" and k == "Unit"]
    if unit and unit != [service.rsplit("/", 1)[-1]]:
        errs.append("%s: Unit=%s is not %s" % (timer, unit, service))
    return errs


def cmd_commands(service, envfile, statedir):
    items = parse(service)
    env = service_env(items, envfile, statedir)
    out = []
    for k in EXEC:
        for v in values(items, k):
            out.append("\0".join([k] + expand(v, env)) + "\0\0")
    sys.stdout.write("".join(out))
    return []


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        errs = cmd_check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "commands":
        errs = cmd_commands(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
