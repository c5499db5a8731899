"""AWS Security Hub BatchImportFindings for fakeaws (REST-JSON,
POST /findings/import), as a mixin of fakeaws.Handler.

What it checks, as Security Hub does: a SigV4 signature scoped to
"securityhub" and an enabled region; 1 to 100 findings per call (else
InvalidInputException 400); every finding against botocore's
AwsSecurityFinding shape (unknown fields, types, required members, also in
Resources[]); a ProductArn of the caller's region and account
(arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default) and an
AwsAccountId of the caller's account, else that finding fails with
AccessDeniedException in FailedFindings.  Each imported finding is stored
under (account, region, Id): importing the same Id again updates it.

Faults (the fakeaws --faults/POST /__fault rules, key
"securityhub:BatchImportFindings"): "throttle" answers LimitExceededException
429, "error500" InternalException 500, "error" any error, "reset" a TCP RST,
and "fail_findings": N makes the next N calls fail findings in
FailedFindings (fail_n per call, default 1, or those whose Id contains a
"fail_match" string) with "fail_code" (default InternalException, which
clients retry) and "fail_message".

GET /__securityhub dumps what was imported: {"findings": [...], "ids":
[...], "batches": [{"region", "account", "size", "failed"}], "imports": N};
DELETE /__securityhub forgets it."""
import json
import threading
import time

# fakeaws runs as __main__: it hands over its own classes and helpers (an
# "import fakeaws" here would load a second copy with a different ApiError)
ApiError = ScenarioError = request_id = validate = parse_authorization = None


def setup(fa):
    global ApiError, ScenarioError, request_id, validate, parse_authorization
    ApiError, ScenarioError = fa.ApiError, fa.ScenarioError
    request_id, validate, parse_authorization = fa.request_id, fa.validate, fa.parse_authorization

SECHUB_MAX = 100
REQUIRED_TOP = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt",
                "UpdatedAt", "Title", "Description", "Resources")


class SecHubStore:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.findings = {}  # (account, region, id) -> finding
        self.batches = []
        self.imports = 0

    def dump(self):
        with self.lock:
            return {"findings": list(self.findings.values()),
                    "ids": sorted(k[2] for k in self.findings),
                    "batches": list(self.batches), "imports": self.imports}


def _required(value, shape, path, out):
    """Missing required members anywhere in value (botocore's model)."""
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for r in shape.required_members:
            if r not in value or value[r] in (None, ""):
                out.append("%s.%s" % (path, r))
        for k, v in value.items():
            if k in shape.members:
                _required(v, shape.members[k], "%s.%s" % (path, k), out)
    elif t == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            _required(v, shape.member, "%s[%d]" % (path, i), out)


class SecurityHubMixin:
    """Handler methods for /findings/import and /__securityhub."""

    def sechub_store(self):
        app = self.server.app
        with app.lock:
            if not hasattr(app, "sechub"):
                app.sechub = SecHubStore()
            return app.sechub

    def sechub_control(self):
        st = self.sechub_store()
        if self.command == "DELETE":
            with st.lock:
                st.reset()
            return self.send(200, "{}", "application/json")
        return self.send(200, json.dumps(st.dump(), indent=1, sort_keys=True), "application/json")

    def auth_errors(self):
        if getattr(self, "proto", None) != "rest-json":
            return super().auth_errors()
        # REST-JSON services answer authentication failures with 403
        return {k: (code, msg, 403 if status == 400 and k != "incomplete" else status)
                for k, (code, msg, status) in super().auth_errors().items()}

    def sechub_error(self, e, fault=None):
        app = self.server.app
        self._info["code"] = e.code
        app.stats.result(e.status, e.code, fault)
        body = json.dumps({"Code": e.code, "Message": e.message})
        return self.send(e.status, body, "application/json",
                         {"x-amzn-RequestId": self.request_id, "x-amzn-ErrorType": e.code})

    def securityhub(self):
        app = self.server.app
        self.proto = "rest-json"
        self.model = "securityhub"
        self.signing = "securityhub"
        self.action = "BatchImportFindings"
        self.request_id = request_id()
        self._info.update(service="securityhub", action=self.action)
        if self.command != "POST" or self.url_path != "/findings/import":
            self.request_id = request_id()
            return self.sechub_error(ApiError("ResourceNotFoundException", "fakeaws implements only "
                                              "POST /findings/import of Security Hub", 404))
        auth = self.headers.get("Authorization")
        parsed = parse_authorization(auth) if auth else None
        region = parsed["region"] if parsed else None
        pr = app.principal(parsed["akid"]) if parsed else None
        acct = pr["account"] if pr else None
        self._info.update(region=region, account=acct)
        app.stats.count("securityhub", self.action, region, acct)
        latency, kind, rule = app.faults.decide("securityhub", self.action, acct, region)
        if latency:
            time.sleep(latency / 1000.0)
        try:
            self.principal = self.authenticate(parsed, auth, None)
            self._info["account"] = self.principal["account"]
            try:
                self.check_denied()
            except ApiError as e:
                e.status = 403
                raise
            if kind == "reset":
                app.stats.result(0, fault=kind)
                return self.reset_connection()
            if kind == "throttle":
                return self.sechub_error(ApiError("LimitExceededException", "Rate exceeded", 429), kind)
            if kind == "error500":
                return self.sechub_error(ApiError("InternalException", "Internal service error", 500,
                                                  sender=False), kind)
            if kind == "error":
                spec = rule["error"] if isinstance(rule["error"], dict) else {}
                return self.sechub_error(ApiError(spec.get("code", "InternalException"),
                                                  spec.get("message", "injected"),
                                                  int(spec.get("status", 500))), kind)
            return self.sechub_import(rule if kind == "fail_findings" else None)
        except ApiError as e:
            return self.sechub_error(e)

    def sechub_import(self, fail_rule):
        app = self.server.app
        try:
            body = json.loads(self.body or b"{}")
        except ValueError:
            raise ApiError("InvalidInputException", "Malformed JSON body")
        if not isinstance(body, dict) or set(body) - {"Findings"}:
            raise ApiError("InvalidInputException", "The request body must be {\"Findings\": [...]}")
        findings = body.get("Findings")
        if not isinstance(findings, list) or not 1 <= len(findings) <= SECHUB_MAX:
            raise ApiError("InvalidInputException", "1 validation error detected: Value at 'findings' "
                           "failed to satisfy constraint: Member must have length between 1 and %d"
                           % SECHUB_MAX)
        shape = app.models.shape("securityhub", "AwsSecurityFinding")
        account, region = self.principal["account"], self.region
        want_arn = "arn:aws:securityhub:%s:%s:product/%s/default" % (region, account, account)
        failed, ok = [], []
        fail_n = int(fail_rule.get("fail_n", 1)) if fail_rule else 0
        match = fail_rule.get("fail_match") if fail_rule else None
        for i, f in enumerate(findings):
            fid = f.get("Id") if isinstance(f, dict) and isinstance(f.get("Id"), str) else ""
            try:
                validate(f, shape, "Findings[%d]" % i)
            except ScenarioError as e:
                raise ApiError("InvalidInputException", str(e))
            missing = []
            _required(f, shape, "Findings[%d]" % i, missing)
            if missing:
                raise ApiError("InvalidInputException", "missing required field(s): %s" % ", ".join(missing))
            if fail_rule and ((match and any(m in fid for m in match)) or (not match and fail_n > 0)):
                fail_n -= 1
                failed.append({"Id": fid, "ErrorCode": fail_rule.get("fail_code", "InternalException"),
                               "ErrorMessage": fail_rule.get("fail_message", "injected failure")})
                continue
            if f["ProductArn"] != want_arn:
                failed.append({"Id": fid, "ErrorCode": "AccessDeniedException",
                               "ErrorMessage": "ProductArn must be %s for this account and region" % want_arn})
                continue
            if f["AwsAccountId"] != account:
                failed.append({"Id": fid, "ErrorCode": "AccessDeniedException",
                               "ErrorMessage": "AwsAccountId %s is not the caller's account" % f["AwsAccountId"]})
                continue
            ok.append(f)
        st = self.sechub_store()
        with st.lock:
            for f in ok:
                st.findings[(account, region, f["Id"])] = f
            st.batches.append({"region": region, "account": account, "size": len(findings),
                               "failed": len(failed)})
            st.imports += len(ok)
        app.stats.result(200, None, "fail_findings" if fail_rule else None)
        out = {"FailedCount": len(failed), "SuccessCount": len(ok), "FailedFindings": failed}
        return self.send(200, json.dumps(out), "application/json", {"x-amzn-RequestId": self.request_id})
