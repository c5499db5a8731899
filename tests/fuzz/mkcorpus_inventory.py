#!/usr/bin/env python3
"""Writes the missing/null/wrong-type shapes of the inventory fuzz corpus
(tests/fuzz/corpus/inventory/shape_*.json) from a real pull's document
(tests/fakeaws/expected/basic-env.json, two items of each kind): for each collection of the
document, one file where that collection's fields are missing, one where
they are null, one where strings are numbers and numbers strings, one where
arrays are objects and objects strings.  One collection at a time, so a
reader that gives up on the first bad field still leaves the others tested.
Run from the top of the tree; the output is committed."""
import copy
import json
import os

SRC = "tests/fakeaws/expected/basic-env.json"
OUT = "tests/fuzz/corpus/inventory"


def walk(v, fn, depth=0):
    if isinstance(v, dict):
        return fn({k: walk(x, fn, depth + 1) for k, x in v.items()}, depth)
    if isinstance(v, list):
        return fn([walk(x, fn, depth + 1) for x in v], depth)
    return fn(v, depth)


def missing(v, depth):
    # drop every other key, ids and ARNs first
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: (not (k.endswith("Id") or k.endswith("Arn")), k))
        return {k: v[k] for i, k in enumerate(keys) if i % 2}
    return v


def nulls(v, depth):
    return None if not isinstance(v, (dict, list)) and depth > 0 else v


def flipped(v, depth):
    if isinstance(v, bool):
        return "true"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return 7
    return v


def shapes(v, depth):
    if isinstance(v, list):
        return {"0": v[0]} if v else {}
    if isinstance(v, dict) and depth > 1:
        return "x"
    return v


def main():
    doc = json.load(open(SRC))
    region = doc["accounts"][0]["regions"][0]
    # two of each kind keep every shape and the files small
    for svc in ("ec2", "ecs", "elbv2"):
        for coll in region.get(svc, {}):
            region[svc][coll] = region[svc][coll][:2]
    targets = []
    for svc in ("ec2", "ecs", "elbv2"):
        for coll in region.get(svc, {}):
            targets.append((svc, coll))
    n = 0
    for svc, coll in targets:
        for name, fn in (("missing", missing), ("null", nulls), ("flipped", flipped),
                         ("shapes", shapes)):
            d = copy.deepcopy(doc)
            r = d["accounts"][0]["regions"][0]
            r[svc][coll] = [walk(x, fn) for x in r[svc][coll]]
            path = os.path.join(OUT, "shape_%s_%s_%s.json" % (svc, coll, name))
            with open(path, "w") as f:
                json.dump(d, f, separators=(",", ":"), sort_keys=True)
            n += 1
        # the collection itself null, a string, an object
        for name, val in (("null", None), ("string", "x"), ("object", {"a": 1})):
            d = copy.deepcopy(doc)
            d["accounts"][0]["regions"][0][svc][coll] = val
            with open(os.path.join(OUT, "shape_%s_%s_is_%s.json" % (svc, coll, name)), "w") as f:
                json.dump(d, f, separators=(",", ":"), sort_keys=True)
            n += 1
    print("%d files" % n)


if __name__ == "__main__":
    main()
