#!/usr/bin/env python3
"""OCSF validation from the schema's own sources (tests/e2e/formats_check.py ocsf).

A class is resolved by following `extends` and `$include` (profiles),
attributes are typed by dictionary.json, and each event must have every
required attribute of its class and of each object in it (attributes of a
profile count when the event lists the profile in metadata.profiles), no
attribute the class or object does not define, values of the dictionary type
(ip_t regex, port_t range, timestamp_t integers ...), enum values the schema
defines, captions matching their _id siblings, object constraints
(at_least_one, just_one), and consistent class_uid / category_uid / type_uid.
"""
import json
import os
import re

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def deep_merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


class Ocsf:
    def __init__(self, root):
        self.root = root
        d = self.load("dictionary.json")
        self.dict = d["attributes"]
        self.types = d["types"]["attributes"]
        self.categories = self.load("categories.json")["attributes"]
        self.version = self.load("version.json")["version"]
        self.classes = {}
        for dirpath, _, files in os.walk(os.path.join(root, "events")):
            for f in files:
                if f.endswith(".json"):
                    c = self.load(os.path.relpath(os.path.join(dirpath, f), root))
                    self.classes[c["name"]] = c
        self.objects = {}
        self.resolved = {}

    def load(self, rel):
        with open(os.path.join(self.root, rel)) as f:
            return json.load(f)

    def obj(self, name):
        if name not in self.objects:
            path = os.path.join("objects", name + ".json")
            if not os.path.exists(os.path.join(self.root, path)):
                return None
            self.objects[name] = self.load(path)
        return self.objects[name]

    def attrs_of(self, item, parent_attrs):
        own = {}
        for k, v in item.get("attributes", {}).items():
            if k != "$include":
                continue
            for inc in v:
                p = self.load(inc)
                prof = p["name"] if p.get("meta") == "profile" else None
                for ak, av in p.get("attributes", {}).items():
                    own[ak] = deep_merge(own.get(ak, {}), dict(av, profile=prof))
        for k, v in item.get("attributes", {}).items():
            if k != "$include":
                own[k] = deep_merge(own.get(k, {}), v)
        return deep_merge(parent_attrs, own)

    def resolve_object(self, name):
        key = "o:" + name
        if key not in self.resolved:
            o = self.obj(name)
            if o is None:
                return None, None
            parent = {}
            cons = o.get("constraints")
            if o.get("extends"):
                parent, pcons = self.resolve_object(o["extends"])
                parent = parent or {}
                cons = cons or pcons
            self.resolved[key] = (self.attrs_of(o, parent), cons)
        return self.resolved[key]

    def resolve_class(self, name):
        c = self.classes[name]
        parent = self.resolve_class(c["extends"]) if c.get("extends") else ({}, None, None)
        attrs = self.attrs_of(c, parent[0])
        cat = c.get("category", parent[1])
        caption = c.get("caption")
        return attrs, cat, caption

    def class_by_uid(self):
        out = {}
        for name, c in self.classes.items():
            if "uid" not in c:
                continue
            _, cat, caption = self.resolve_class(name)
            if cat not in self.categories:
                continue
            cu = self.categories[cat]["uid"]
            out[cu * 1000 + c["uid"]] = (name, cu, self.categories[cat]["caption"], caption)
        return out

    def base_type(self, t):
        seen = 0
        while t in self.types and self.types[t].get("type") and seen < 5:
            nt = self.types[t]["type"]
            if nt == t:
                break
            t, seen = nt, seen + 1
        return t

    def check_scalar(self, where, v, tname):
        tdef = self.types.get(tname, {})
        base = self.base_type(tname)
        okt = {
            "string_t": lambda x: isinstance(x, str),
            "integer_t": lambda x: isinstance(x, int) and not isinstance(x, bool),
            "long_t": lambda x: isinstance(x, int) and not isinstance(x, bool),
            "float_t": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
            "boolean_t": lambda x: isinstance(x, bool),
            "json_t": lambda x: True,
        }.get(base)
        if okt is None:
            bad(where, "no checker for type %s" % tname)
            return
        if not okt(v):
            bad(where, "%r is not %s" % (v, tname))
            return
        if "regex" in tdef and isinstance(v, str) and not re.match(tdef["regex"], v):
            bad(where, "%r does not match the %s pattern" % (v, tname))
        if "range" in tdef and not (tdef["range"][0] <= v <= tdef["range"][1]):
            bad(where, "%r out of range %s" % (v, tdef["range"]))
        if "max_len" in tdef and isinstance(v, str) and len(v) > tdef["max_len"]:
            bad(where, "longer than %d" % tdef["max_len"])

    def check_value(self, where, v, adef, profiles):
        t = adef.get("type")
        if adef.get("is_array"):
            if not isinstance(v, list):
                bad(where, "must be an array")
                return
            items = list(enumerate(v))
        else:
            items = [(None, v)]
        for i, x in items:
            w = where if i is None else "%s[%d]" % (where, i)
            if t == "object":
                if not isinstance(x, dict):
                    bad(w, "must be an object")
            elif t in self.types:
                self.check_scalar(w, x, t)
            else:
                if not isinstance(x, dict):
                    bad(w, "must be a %s object" % t)
                    continue
                attrs, cons = self.resolve_object(t)
                if attrs is None:
                    bad(w, "object type %s is not in the schema copy" % t)
                    continue
                self.check_object(w, x, attrs, cons, profiles)

    def check_object(self, where, o, attrs, cons, profiles):
        for k, a in attrs.items():
            if a.get("requirement") != "required":
                continue
            if a.get("profile") and a["profile"] not in profiles:
                continue
            if o.get(k) is None:
                bad(where, "required attribute %s missing" % k)
        for k, v in o.items():
            w = "%s.%s" % (where, k) if where else k
            if k not in attrs:
                bad(w, "not an attribute of this class or object")
                continue
            if attrs[k].get("profile") and attrs[k]["profile"] not in profiles:
                bad(w, "belongs to profile %s, which metadata.profiles does not list"
                    % attrs[k]["profile"])
            if k not in self.dict:
                bad(w, "not in dictionary.json")
                continue
            adef = deep_merge(self.dict[k], attrs[k])
            self.check_value(w, v, adef, profiles)
            enum = adef.get("enum")
            if enum and not adef.get("is_array"):
                if str(v) not in enum:
                    bad(w, "%r is not one of the enum values %s" % (v, sorted(enum)))
                elif adef.get("sibling") and adef["sibling"] in o and str(v) != "99":
                    cap = enum[str(v)].get("caption")
                    if o[adef["sibling"]] != cap:
                        bad(w, "sibling %s is %r, the caption of %r is %r"
                            % (adef["sibling"], o[adef["sibling"]], v, cap))
        if cons:
            present = [k for k in cons.get("at_least_one", []) if o.get(k) is not None]
            if cons.get("at_least_one") and not present:
                bad(where or "event", "needs at least one of %s" % cons["at_least_one"])
            one = [k for k in cons.get("just_one", []) if o.get(k) is not None]
            if cons.get("just_one") and len(one) != 1:
                bad(where or "event", "needs exactly one of %s" % cons["just_one"])

    def check_event(self, where, e, by_uid):
        uid = e.get("class_uid")
        if uid not in by_uid:
            bad(where, "class_uid %r is not a class of the schema copy" % uid)
            return None
        name, cat_uid, cat_caption, caption = by_uid[uid]
        attrs, _, _ = self.resolve_class(name)
        # the schema server generates these enums from the class itself
        attrs = dict(attrs)
        attrs["class_uid"] = dict(attrs["class_uid"], enum={str(uid): {"caption": caption}})
        attrs["category_uid"] = dict(attrs["category_uid"], enum={str(cat_uid): {"caption": cat_caption}})
        md = e.get("metadata") or {}
        profiles = md.get("profiles") or []
        self.check_object(where, e, attrs, None, profiles)
        if e.get("category_uid") != cat_uid:
            bad(where, "category_uid %r, class %s is in %d" % (e.get("category_uid"), name, cat_uid))
        if "category_name" in e and e["category_name"] != cat_caption:
            bad(where, "category_name %r != %r" % (e["category_name"], cat_caption))
        if "class_name" in e and e["class_name"] != caption:
            bad(where, "class_name %r != %r" % (e["class_name"], caption))
        act = e.get("activity_id")
        if isinstance(act, int) and e.get("type_uid") != uid * 100 + act:
            bad(where, "type_uid %r != class_uid * 100 + activity_id" % e.get("type_uid"))
        if "type_name" in e and isinstance(act, int):
            en = deep_merge(self.dict["activity_id"], attrs["activity_id"]).get("enum", {})
            want = "%s: %s" % (caption, en.get(str(act), {}).get("caption"))
            if e["type_name"] != want:
                bad(where, "type_name %r != %r" % (e["type_name"], want))
        if md.get("version") != self.version:
            bad(where, "metadata.version %r, the schema is %s" % (md.get("version"), self.version))
        return name


def check_ocsf(root, path):
    s = Ocsf(root)
    by_uid = s.class_by_uid()
    counts = {}
    n = 0
    with open(path) as f:
        for ln, line in enumerate(f, 1):
            try:
                e = json.loads(line)
            except ValueError as err:
                bad("line %d" % ln, "not JSON: %s" % err)
                continue
            n += 1
            name = s.check_event("line %d" % ln, e, by_uid)
            counts[name] = counts.get(name, 0) + 1
    files = sorted("objects/%s.json" % k for k in s.objects)
    return n, {"classes": counts, "objects_used": files}


