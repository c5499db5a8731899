"""Amazon S3 (REST-XML) for fakeaws, as a mixin of fakeaws.Handler: an
in-memory bucket store that speaks enough S3 for ecsprobe's S3 outputs and
inputs and for `aws s3 cp` / `aws s3 ls`.

Requests are S3's when the SigV4 credential scope names "s3" or the Host
is an S3 host name (BUCKET.s3.REGION.amazonaws.com, s3.REGION.amazonaws.com);
path-style (/BUCKET/KEY) otherwise.  Every request is signed: the signature
is checked with botocore's S3SigV4Auth (no path normalisation, keys encoded
once, the payload hash taken from x-amz-content-sha256, which must be sent
and must match the body unless it is UNSIGNED-PAYLOAD).

Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
ListObjectsV2 (prefix, delimiter, max-keys, continuation-token, start-after,
encoding-type=url; pages of at most the fake's --page-size), PutObject,
GetObject (with Range), HeadObject, DeleteObject, CreateMultipartUpload,
UploadPart, CompleteMultipartUpload (part order, ETags, a minimum part size
of 5 MiB unless POST /__s3 lowers it), AbortMultipartUpload.  A bucket
belongs to one account and region: other accounts get AccessDenied, a
signature scoped to another region gets AuthorizationHeaderMalformed with
<Region> and x-amz-bucket-region, as S3 answers.  deny_actions patterns
("s3:PutObject") apply as for the other services.

Faults (the --faults file / POST /__fault, keys "s3:PutObject", "UploadPart",
...): "throttle" answers SlowDown 503, "error500" InternalError 500, "error"
any error ({"code", "message", "status"}; "in_200": true answers 200 with
the <Error> body, as CompleteMultipartUpload can), "reset" a TCP RST,
"malformed" half the answer (GetObject: a short read), "hostile" a hostile
ListObjectsV2 page ("hostile_kind": entities, doctype, deep, huge, longkey,
badsize, notoken, loop).  A fault answers before anything is stored.

Control: GET /__s3 dumps the store ({"buckets": {NAME: {"account",
"region", "objects": {KEY: {"size", "etag", "sha256", "content_type"}}}},
"uploads": [...], "puts": [...], "settings": {...}}); GET /__s3/BUCKET/KEY
returns an object's bytes; POST /__s3 {"buckets": [{"name", "account",
"region"}], "min_part_size": N} creates buckets and sets the minimum part
size; DELETE /__s3 forgets everything."""
import base64
import datetime
import hashlib
import json
import re
import secrets
import threading
import time
import urllib.parse

import botocore.auth

ApiError = request_id = parse_authorization = None

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MIN_PART = 5 * 1024 * 1024
MAX_KEYS = 1000
VHOST_RE = re.compile(r"^(?P<bucket>[a-z0-9.-]+)\.s3[.-](?:(?P<region>[a-z0-9-]+)\.)?amazonaws\.com(?:\.cn)?(?::\d+)?$")
PATH_HOST_RE = re.compile(r"^s3[.-](?:(?P<region>[a-z0-9-]+)\.)?amazonaws\.com(?:\.cn)?(?::\d+)?$")


def setup(fa):
    global ApiError, request_id, parse_authorization
    ApiError, request_id, parse_authorization = fa.ApiError, fa.request_id, fa.parse_authorization


class PinnedS3SigV4Auth(botocore.auth.S3SigV4Auth):
    """S3's signer pinned to the request's own X-Amz-Date."""

    def compute(self, request):
        canonical = self.canonical_request(request)
        sts = self.string_to_sign(request, canonical)
        return self.signature(sts, request), canonical


def xesc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def http_date(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class S3Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.buckets = {}  # name -> {"account", "region", "created", "objects": {key: obj}}
        self.uploads = {}  # id -> {"bucket", "key", "parts": {n: (data, etag)}, "ctype", "account"}
        self.puts = []     # every object stored, in order: {"bucket", "key", "size", "op"}
        self.min_part = MIN_PART

    def dump(self):
        with self.lock:
            return {
                "buckets": {n: {"account": b["account"], "region": b["region"],
                                "objects": {k: {"size": len(o["data"]), "etag": o["etag"],
                                                "sha256": hashlib.sha256(o["data"]).hexdigest(),
                                                "content_type": o["ctype"]}
                                            for k, o in sorted(b["objects"].items())}}
                            for n, b in sorted(self.buckets.items())},
                "uploads": [{"id": i, "bucket": u["bucket"], "key": u["key"], "parts": sorted(u["parts"])}
                            for i, u in self.uploads.items()],
                "puts": list(self.puts),
                "settings": {"min_part_size": self.min_part},
            }


class S3Mixin:
    """Handler methods for S3 and /__s3."""

    def s3_store(self):
        app = self.server.app
        with app.lock:
            if not hasattr(app, "s3"):
                app.s3 = S3Store()
            return app.s3

    def is_s3(self):
        auth = self.headers.get("Authorization")
        parsed = parse_authorization(auth) if auth else None
        if parsed and parsed["service"] == "s3":
            return True
        host = (self.headers.get("Host") or "").lower()
        return bool(VHOST_RE.match(host) or PATH_HOST_RE.match(host))

    # --- control ----------------------------------------------------------

    def s3_control(self, p):
        st = self.s3_store()
        if p == "/__s3":
            if self.command == "DELETE":
                with st.lock:
                    st.reset()
            elif self.command == "POST":
                try:
                    req = json.loads(self.body or b"{}")
                    with st.lock:
                        for b in req.get("buckets", []):
                            st.buckets.setdefault(b["name"], {"account": str(b["account"]),
                                                              "region": b.get("region", "us-east-1"),
                                                              "created": time.time(), "objects": {}})
                        if "min_part_size" in req:
                            st.min_part = int(req["min_part_size"])
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    return self.send(400, json.dumps({"error": str(e)}), "application/json")
            return self.send(200, json.dumps(st.dump(), indent=1, sort_keys=True), "application/json")
        _, _, rest = p.partition("/__s3/")
        bucket, _, key = rest.partition("/")
        key = urllib.parse.unquote(key)
        with st.lock:
            obj = st.buckets.get(bucket, {}).get("objects", {}).get(key)
        if obj is None:
            return self.send(404, '{"error":"no such object"}', "application/json")
        return self.send(200, obj["data"], "application/octet-stream")

    # --- errors and answers ----------------------------------------------

    def s3_error(self, e, fault=None, extra=None, in_200=False):
        app = self.server.app
        self._info["code"] = e.code
        app.stats.result(e.status, e.code, fault)
        hdrs = {"x-amz-request-id": self.request_id, "x-amz-id-2": base64.b64encode(secrets.token_bytes(24)).decode()}
        hdrs.update(extra or {})
        region = getattr(e, "region", None)
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>%s'
                "<RequestId>%s</RequestId></Error>" % (xesc(e.code), xesc(e.message),
                                                      "<Region>%s</Region>" % region if region else "",
                                                      self.request_id))
        return self.send(200 if in_200 else e.status, body, "application/xml", hdrs)

    def s3_ok(self, body=b"", status=200, ctype="application/xml", extra=None):
        self.server.app.stats.result(status)
        hdrs = {"x-amz-request-id": self.request_id}
        hdrs.update(extra or {})
        if isinstance(body, str):
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()
        return self.send(status, body, ctype, hdrs)

    def s3_auth_errors(self):
        """S3's answers to authentication failures (Handler.auth_errors asks)."""
        return dict(
            unknown=("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
            missing=("AccessDenied", "Access Denied", 403),
            incomplete=("AuthorizationHeaderMalformed", "The authorization header is malformed.", 400),
            sig=("SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                 "you provided. Check your key and signing method.", 403),
            expired_token=("ExpiredToken", "The provided token has expired.", 400),
            bad_token=("InvalidToken", "The provided token is malformed or otherwise invalid.", 400),
            skew=("RequestTimeTooSkewed", "The difference between the request time and the current time is "
                  "too large.", 403),
            region=("AuthorizationHeaderMalformed", "The authorization header is malformed; the region is "
                    "not enabled for this account.", 400),
        )

    # --- routing ------------------------------------------------------------

    def s3_route(self):
        """-> (action, bucket, key) from the method, host, path and query."""
        host = (self.headers.get("Host") or "").lower()
        m = VHOST_RE.match(host)
        path = self.url_path
        if m:
            bucket, key = m.group("bucket"), path[1:]
        else:
            bucket, _, key = path[1:].partition("/")
        key = urllib.parse.unquote(key)
        q = dict(urllib.parse.parse_qsl(self.url_query, keep_blank_values=True))
        self.q = q
        c = self.command
        if not bucket:
            return ("ListBuckets" if c == "GET" else "Unsupported"), "", ""
        if not key:
            if c == "PUT" and not q:
                return "CreateBucket", bucket, ""
            if c == "HEAD":
                return "HeadBucket", bucket, ""
            if c == "DELETE" and not q:
                return "DeleteBucket", bucket, ""
            if c == "GET" and q.get("list-type") == "2":
                return "ListObjectsV2", bucket, ""
            return "Unsupported", bucket, ""
        if c == "PUT":
            if "partNumber" in q and "uploadId" in q:
                return "UploadPart", bucket, key
            if self.headers.get("x-amz-copy-source"):
                return "Unsupported", bucket, key
            return "PutObject", bucket, key
        if c == "GET" and not (set(q) - {"versionId"}):
            return "GetObject", bucket, key
        if c == "HEAD":
            return "HeadObject", bucket, key
        if c == "DELETE":
            return ("AbortMultipartUpload" if "uploadId" in q else "DeleteObject"), bucket, key
        if c == "POST" and "uploads" in q:
            return "CreateMultipartUpload", bucket, key
        if c == "POST" and "uploadId" in q:
            return "CompleteMultipartUpload", bucket, key
        return "Unsupported", bucket, key

    def s3(self):
        app = self.server.app
        self.proto = "rest-xml"
        self.model = "s3"
        self.signing = "s3"
        self.request_id = secrets.token_hex(8).upper()
        action, bucket, key = self.s3_route()
        self.action = action
        auth = self.headers.get("Authorization")
        parsed = parse_authorization(auth) if auth else None
        region = parsed["region"] if parsed else None
        pr = app.principal(parsed["akid"]) if parsed else None
        acct = pr["account"] if pr else None
        self._info.update(service="s3", action=action, region=region, account=acct)
        app.stats.count("s3", action, region, acct)
        latency, kind, rule = app.faults.decide("s3", action, acct, region)
        if latency:
            time.sleep(latency / 1000.0)
        try:
            sha = self.headers.get("x-amz-content-sha256")
            if auth and sha is None:
                raise ApiError("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
            if sha and sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(self.body).hexdigest():
                raise ApiError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does "
                               "not match what was computed.")
            self.principal = self.authenticate(parsed, auth, None)
            self._info["account"] = self.principal["account"]
            try:
                self.check_denied()
            except ApiError:
                raise ApiError("AccessDenied", "User: %s is not authorized to perform: s3:%s"
                               % (self.principal["arn"], action), 403)
            if action == "Unsupported":
                raise ApiError("NotImplemented", "fakeaws does not implement %s %s" % (self.command, self.path),
                               501)
            if action not in ("ListBuckets", "CreateBucket"):
                self.s3_check_bucket(bucket)
            if kind:
                return self.s3_inject(kind, rule, bucket, key)
            return getattr(self, "s3_" + action)(bucket, key)
        except ApiError as e:
            if self.command == "HEAD":
                e.message = ""
            extra = {}
            if getattr(e, "region", None):
                extra["x-amz-bucket-region"] = e.region
            return self.s3_error(e, extra=extra)

    def s3_check_bucket(self, bucket):
        st = self.s3_store()
        with st.lock:
            b = st.buckets.get(bucket)
        if b is None:
            raise ApiError("NoSuchBucket", "The specified bucket does not exist", 404)
        if b["account"] != self.principal["account"]:
            raise ApiError("AccessDenied", "Access Denied", 403)
        if b["region"] != self.region:
            e = ApiError("AuthorizationHeaderMalformed", "The authorization header is malformed; the region "
                         "'%s' is wrong; expecting '%s'" % (self.region, b["region"]), 400)
            e.region = b["region"]
            raise e
        return b

    # --- faults -----------------------------------------------------------------

    def s3_inject(self, kind, rule, bucket, key):
        app = self.server.app
        if kind == "reset":
            app.stats.result(0, fault=kind)
            return self.reset_connection()
        if kind == "throttle":
            return self.s3_error(ApiError("SlowDown", "Please reduce your request rate.", 503), kind)
        if kind == "error500":
            return self.s3_error(ApiError("InternalError", "We encountered an internal error. Please try again.",
                                          500), kind)
        if kind == "error":
            spec = rule["error"] if isinstance(rule["error"], dict) else {}
            return self.s3_error(ApiError(spec.get("code", "InternalError"), spec.get("message", "injected"),
                                          int(spec.get("status", 500))), kind, in_200=bool(spec.get("in_200")))
        if kind == "malformed":
            app.stats.result(200, fault=kind)
            if self.action == "GetObject":
                obj = self.s3_object(bucket, key)
                self.send_response(200)
                self.send_header("Content-Type", obj["ctype"])
                self.send_header("Content-Length", str(len(obj["data"])))
                self.end_headers()
                self.wfile.write(obj["data"][: len(obj["data"]) // 2])
                self.wfile.flush()
                self.close_connection = True
                self._status = 200
                return None
            body = self.s3_list_body(bucket, True) if self.action == "ListObjectsV2" else \
                '<?xml version="1.0" encoding="UTF-8"?>\n<Result><Partial>'
            return self.send(200, body[: max(1, len(body) // 2)], "application/xml")
        if kind == "hostile":
            app.stats.result(200, fault=kind)
            return self.send(200, self.s3_hostile(rule.get("hostile_kind", "entities")), "application/xml")
        raise ApiError("InternalError", "unknown fault kind %s" % kind, 500)

    def s3_hostile(self, mode):
        head = '<?xml version="1.0" encoding="UTF-8"?>\n'
        open_ = '<ListBucketResult xmlns="%s"><Name>b</Name>' % S3_NS
        if mode == "doctype":
            return (head + '<!DOCTYPE ListBucketResult [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n' + open_
                    + "<Contents><Key>&xxe;</Key><Size>1</Size></Contents></ListBucketResult>")
        if mode == "deep":
            return head + open_ + "<Contents>" * 100000 + "</Contents>" * 100000 + "</ListBucketResult>"
        if mode == "huge":
            return head + open_ + "<Contents><Key>k</Key><Size>1</Size></Contents>" * 400000 + "</ListBucketResult>"
        if mode == "longkey":
            return head + open_ + "<Contents><Key>%s</Key><Size>1</Size></Contents></ListBucketResult>" % ("k" * 5000)
        if mode == "badsize":
            return head + open_ + "<Contents><Key>k</Key><Size>-1e9</Size></Contents></ListBucketResult>"
        if mode == "notoken":
            return head + open_ + "<IsTruncated>true</IsTruncated><Contents><Key>k</Key><Size>1</Size></Contents>" \
                "</ListBucketResult>"
        if mode == "loop":
            return head + open_ + "<IsTruncated>true</IsTruncated><Contents><Key>k</Key><Size>1</Size></Contents>" \
                "<NextContinuationToken>same</NextContinuationToken></ListBucketResult>"
        ents = ['<!ENTITY lol "lol">', '<!ENTITY lol1 "%s">' % ("&lol;" * 10)]
        for i in range(2, 10):
            ents.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
        return (head + "<!DOCTYPE ListBucketResult [\n%s\n]>\n" % "\n".join(ents) + open_
                + "<Contents><Key>&lol9;</Key><Size>1</Size></Contents></ListBucketResult>")

    # --- buckets ------------------------------------------------------------------

    def s3_ListBuckets(self, bucket, key):
        st = self.s3_store()
        with st.lock:
            mine = sorted((n, b) for n, b in st.buckets.items() if b["account"] == self.principal["account"])
        items = "".join("<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket>"
                        % (xesc(n), iso(b["created"])) for n, b in mine)
        return self.s3_ok('<ListAllMyBucketsResult xmlns="%s"><Owner><ID>%s</ID></Owner><Buckets>%s</Buckets>'
                          "</ListAllMyBucketsResult>" % (S3_NS, self.principal["account"], items))

    def s3_CreateBucket(self, bucket, key):
        if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket) or ".." in bucket:
            raise ApiError("InvalidBucketName", "The specified bucket is not valid.", 400)
        region = self.region
        m = re.search(rb"<LocationConstraint>([^<]*)</LocationConstraint>", self.body or b"")
        if m and m.group(1).decode() and m.group(1).decode() != region:
            raise ApiError("IllegalLocationConstraintException", "The %s location constraint is incompatible "
                           "for the region specific endpoint this request was sent to." % m.group(1).decode())
        st = self.s3_store()
        with st.lock:
            b = st.buckets.get(bucket)
            if b is None:
                st.buckets[bucket] = {"account": self.principal["account"], "region": region,
                                      "created": time.time(), "objects": {}}
        if b is not None:
            if b["account"] == self.principal["account"]:
                raise ApiError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket "
                               "succeeded and you already own it.", 409)
            raise ApiError("BucketAlreadyExists", "The requested bucket name is not available.", 409)
        return self.s3_ok(b"", extra={"Location": "/" + bucket})

    def s3_HeadBucket(self, bucket, key):
        b = self.s3_check_bucket(bucket)
        return self.s3_ok(b"", extra={"x-amz-bucket-region": b["region"]})

    def s3_DeleteBucket(self, bucket, key):
        st = self.s3_store()
        with st.lock:
            if st.buckets[bucket]["objects"]:
                raise ApiError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
            del st.buckets[bucket]
        return self.s3_ok(b"", status=204)

    def s3_list_body(self, bucket, ignore_errors=False):
        q = self.q
        prefix, delim = q.get("prefix", ""), q.get("delimiter", "")
        try:
            max_keys = int(q.get("max-keys", MAX_KEYS))
            if not 0 <= max_keys <= 2147483647:
                raise ValueError
        except ValueError:
            raise ApiError("InvalidArgument", "Provided max-keys not an integer or within integer range")
        max_keys = min(max_keys, MAX_KEYS)
        app = self.server.app
        limit = min(max_keys, app.page_size) if app.page_size > 0 else max_keys
        after = q.get("start-after", "")
        token = q.get("continuation-token")
        if token is not None:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
                if not after.startswith("k:"):
                    raise ValueError
                after = after[2:]
            except ValueError:
                if ignore_errors:
                    after = ""
                else:
                    raise ApiError("InvalidArgument", "The continuation token provided is incorrect")
        st = self.s3_store()
        with st.lock:
            objs = sorted((k, o["etag"], len(o["data"]), o["mtime"])
                          for k, o in st.buckets[bucket]["objects"].items() if k.startswith(prefix))
        # entries in key order: objects, and common prefixes in place of what they roll up
        entries = []
        for k, etag, size, mtime in objs:
            if delim:
                cut = k.find(delim, len(prefix))
                if cut >= 0:
                    cp = k[: cut + len(delim)]
                    if not entries or entries[-1] != ("p", cp):
                        entries.append(("p", cp))
                    continue
            entries.append(("k", k, etag, size, mtime))
        entries = [e for e in entries if e[1] > after and not (e[0] == "p" and after.startswith(e[1]))]
        page, rest = entries[:limit], entries[limit:]
        enc = q.get("encoding-type") == "url"

        def ek(s):
            return urllib.parse.quote_plus(s, safe="/") if enc else s

        out = ['<ListBucketResult xmlns="%s"><Name>%s</Name><Prefix>%s</Prefix>' % (S3_NS, xesc(bucket),
                                                                                    xesc(ek(prefix)))]
        if delim:
            out.append("<Delimiter>%s</Delimiter>" % xesc(ek(delim)))
        out.append("<MaxKeys>%d</MaxKeys><KeyCount>%d</KeyCount><IsTruncated>%s</IsTruncated>"
                   % (max_keys, len(page), "true" if rest else "false"))
        if token is not None:
            out.append("<ContinuationToken>%s</ContinuationToken>" % xesc(token))
        if q.get("start-after"):
            out.append("<StartAfter>%s</StartAfter>" % xesc(ek(q["start-after"])))
        if rest:
            nxt = base64.urlsafe_b64encode(("k:" + page[-1][1]).encode()).decode()
            out.append("<NextContinuationToken>%s</NextContinuationToken>" % nxt)
        for e in page:
            if e[0] == "k":
                out.append("<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>%s</ETag><Size>%d</Size>"
                           "<StorageClass>STANDARD</StorageClass></Contents>" % (xesc(ek(e[1])), iso(e[4]),
                                                                                xesc(e[2]), e[3]))
        for e in page:
            if e[0] == "p":
                out.append("<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % xesc(ek(e[1])))
        if enc:
            out.append("<EncodingType>url</EncodingType>")
        out.append("</ListBucketResult>")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(out)

    def s3_ListObjectsV2(self, bucket, key):
        self.server.app.stats.result(200)
        return self.send(200, self.s3_list_body(bucket), "application/xml", {"x-amz-request-id": self.request_id})

    # --- objects ------------------------------------------------------------------

    def s3_object(self, bucket, key):
        st = self.s3_store()
        with st.lock:
            obj = st.buckets[bucket]["objects"].get(key)
        if obj is None:
            raise ApiError("NoSuchKey", "The specified key does not exist.", 404)
        return obj

    def s3_check_md5(self):
        md5 = self.headers.get("Content-MD5")
        if md5 is not None and md5 != base64.b64encode(hashlib.md5(self.body).digest()).decode():
            raise ApiError("BadDigest", "The Content-MD5 you specified did not match what we received.")

    def s3_store_object(self, bucket, key, data, etag, ctype, op):
        st = self.s3_store()
        with st.lock:
            st.buckets[bucket]["objects"][key] = {"data": data, "etag": etag, "ctype": ctype, "mtime": time.time()}
            st.puts.append({"bucket": bucket, "key": key, "size": len(data), "op": op})

    def s3_PutObject(self, bucket, key):
        if len(key.encode()) > 1024:
            raise ApiError("KeyTooLongError", "Your key is too long")
        self.s3_check_md5()
        etag = '"%s"' % hashlib.md5(self.body).hexdigest()
        self.s3_store_object(bucket, key, self.body, etag,
                             self.headers.get("Content-Type", "binary/octet-stream"), "PutObject")
        return self.s3_ok(b"", extra={"ETag": etag})

    def s3_object_headers(self, obj):
        return {"ETag": obj["etag"], "Last-Modified": http_date(obj["mtime"]), "Accept-Ranges": "bytes"}

    def s3_GetObject(self, bucket, key):
        obj = self.s3_object(bucket, key)
        data, status, extra = obj["data"], 200, self.s3_object_headers(obj)
        rng = self.headers.get("Range")
        m = re.match(r"^bytes=(\d*)-(\d*)$", rng or "")
        if m and (m.group(1) or m.group(2)):
            n = len(data)
            if m.group(1):
                a, b = int(m.group(1)), int(m.group(2)) if m.group(2) else n - 1
            else:
                a, b = max(0, n - int(m.group(2))), n - 1
            if a >= n:
                raise ApiError("InvalidRange", "The requested range is not satisfiable", 416)
            b = min(b, n - 1)
            extra["Content-Range"] = "bytes %d-%d/%d" % (a, b, n)
            data, status = data[a: b + 1], 206
        return self.s3_ok(data, status=status, ctype=obj["ctype"], extra=extra)

    def s3_HeadObject(self, bucket, key):
        obj = self.s3_object(bucket, key)
        return self.s3_ok(obj["data"], ctype=obj["ctype"], extra=self.s3_object_headers(obj))

    def s3_DeleteObject(self, bucket, key):
        st = self.s3_store()
        with st.lock:
            st.buckets[bucket]["objects"].pop(key, None)
        return self.s3_ok(b"", status=204)

    # --- multipart uploads ----------------------------------------------------------

    def s3_upload(self, bucket, key):
        st = self.s3_store()
        with st.lock:
            up = st.uploads.get(self.q.get("uploadId", ""))
        if up is None or up["bucket"] != bucket or up["key"] != key:
            raise ApiError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, "
                           "or the upload may have been aborted or completed.", 404)
        return up

    def s3_CreateMultipartUpload(self, bucket, key):
        uid = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode().rstrip("=")
        st = self.s3_store()
        with st.lock:
            st.uploads[uid] = {"bucket": bucket, "key": key, "parts": {},
                               "ctype": self.headers.get("Content-Type", "binary/octet-stream")}
        return self.s3_ok('<InitiateMultipartUploadResult xmlns="%s"><Bucket>%s</Bucket><Key>%s</Key>'
                          "<UploadId>%s</UploadId></InitiateMultipartUploadResult>"
                          % (S3_NS, xesc(bucket), xesc(key), uid))

    def s3_UploadPart(self, bucket, key):
        up = self.s3_upload(bucket, key)
        try:
            n = int(self.q["partNumber"])
            if not 1 <= n <= 10000:
                raise ValueError
        except ValueError:
            raise ApiError("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
        self.s3_check_md5()
        etag = '"%s"' % hashlib.md5(self.body).hexdigest()
        st = self.s3_store()
        with st.lock:
            up["parts"][n] = (self.body, etag)
        return self.s3_ok(b"", extra={"ETag": etag})

    def s3_CompleteMultipartUpload(self, bucket, key):
        up = self.s3_upload(bucket, key)
        body = (self.body or b"").decode("utf-8", "replace")
        parts = re.findall(r"<Part>(.*?)</Part>", body, re.S)
        if not parts:
            raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not validate "
                           "against our published schema")
        chosen, last = [], 0
        for p in parts:
            num = re.search(r"<PartNumber>\s*(\d+)\s*</PartNumber>", p)
            tag = re.search(r"<ETag>(.*?)</ETag>", p, re.S)
            if not num or not tag:
                raise ApiError("MalformedXML", "A part lacks its PartNumber or ETag")
            n = int(num.group(1))
            etag = tag.group(1).replace("&quot;", '"').strip()
            if not etag.startswith('"'):
                etag = '"%s"' % etag
            if n <= last:
                raise ApiError("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be "
                               "ordered by part number.")
            last = n
            have = up["parts"].get(n)
            if have is None or have[1] != etag:
                raise ApiError("InvalidPart", "One or more of the specified parts could not be found. The part "
                               "may not have been uploaded, or the specified entity tag may not match the part's "
                               "entity tag.")
            chosen.append(have)
        st = self.s3_store()
        for data, _ in chosen[:-1]:
            if len(data) < st.min_part:
                raise ApiError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed "
                               "object size.")
        data = b"".join(d for d, _ in chosen)
        etag = '"%s-%d"' % (hashlib.md5(b"".join(bytes.fromhex(e.strip('"')) for _, e in chosen)).hexdigest(),
                            len(chosen))
        with st.lock:
            st.uploads.pop(self.q["uploadId"], None)
        self.s3_store_object(bucket, key, data, etag, up["ctype"], "CompleteMultipartUpload")
        return self.s3_ok('<CompleteMultipartUploadResult xmlns="%s"><Location>/%s/%s</Location><Bucket>%s'
                          "</Bucket><Key>%s</Key><ETag>%s</ETag></CompleteMultipartUploadResult>"
                          % (S3_NS, xesc(bucket), xesc(urllib.parse.quote(key)), xesc(bucket), xesc(key),
                             xesc(etag)))

    def s3_AbortMultipartUpload(self, bucket, key):
        self.s3_upload(bucket, key)
        st = self.s3_store()
        with st.lock:
            st.uploads.pop(self.q["uploadId"], None)
        return self.s3_ok(b"", status=204)
