/* The credential sources that ask something outside the files: ECS container
 * credentials, EC2 instance metadata (IMDSv2), credential_process and IAM
 * Identity Center (the token cache of 'aws sso login').  Secrets are never
 * logged or put in error text. */
#include "aws/creds_internal.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECS_CREDS_HOST "http://169.254.170.2"
#define MAX_TOKEN_FILE (64u << 10)

/* ---- metadata endpoints (container, IMDSv2) ---- */

int ep_creds_parse_json(struct resolve *r, const char *body, size_t len, const char *what)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *ak = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "Token");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "Expiration");
	int rc;

	if (!cJSON_IsString(ak) || !cJSON_IsString(sk)) {
		cJSON_Delete(j);
		ep_creds_done(r, EP_EPARSE, "%s: answer lacks AccessKeyId/SecretAccessKey", what);
		return -1;
	}
	rc = ep_creds_set_static(&r->id, ak->valuestring, sk->valuestring,
	                         cJSON_IsString(tok) ? tok->valuestring : NULL);
	r->id.expires = cJSON_IsString(exp) ? ep_parse_iso8601(exp->valuestring) : 0;
	snprintf(r->id.source, sizeof(r->id.source), "%s", what);
	cJSON_Delete(j);
	if (rc) {
		ep_creds_done(r, rc, "out of memory");
		return -1;
	}
	ep_creds_done(r, 0, NULL);
	return 0;
}

static void on_container(void *arg, const struct ep_http_response *resp)
{
	struct resolve *r = arg;

	if (resp->status != 200) {
		ep_creds_done(r, EP_EIO, "container credentials endpoint: %s",
		              resp->curl_code ? resp->error : "HTTP error");
		return;
	}
	ep_creds_parse_json(r, resp->body, resp->body_len, "container credentials");
}

int ep_creds_container(struct resolve *r, const char *rel, const char *full)
{
	char url[512], auth[1100];
	const char *hdrs[2] = {NULL, NULL};
	const char *tok = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tok_file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char *file_tok = NULL;
	struct ep_http_request req;
	int rc;

	if (rel && *rel)
		snprintf(url, sizeof(url), "%s%s", ECS_CREDS_HOST, rel);
	else
		snprintf(url, sizeof(url), "%s", full);
	if (tok_file && *tok_file)
		tok = file_tok = ep_creds_read_file(tok_file);
	if (tok && *tok) {
		snprintf(auth, sizeof(auth), "Authorization: %s", tok);
		hdrs[0] = auth;
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.timeout_ms = 5000;
	rc = ep_http_start(ep_aws_http(r->aws), &req, on_container, r);
	free(file_tok);
	return rc;
}

void ep_creds_imds(struct resolve *r);

static void on_imds(void *arg, const struct ep_http_response *resp)
{
	struct resolve *r = arg;

	if (resp->status != 200 && r->step == 2) {
		r->step++; /* no region there: the credentials still count */
		ep_creds_imds(r);
		return;
	}
	if (resp->status != 200) {
		ep_creds_done(r, EP_EIO, "no credentials found: instance metadata (%s) step %d: %s",
		              r->imds, r->step, resp->curl_code ? resp->error : "HTTP error");
		return;
	}
	if (r->step == 0) {
		snprintf(r->imds_token, sizeof(r->imds_token), "%.*s", (int)resp->body_len,
		         resp->body);
	} else if (r->step == 1) {
		size_t n = strcspn(resp->body, "\r\n");

		snprintf(r->imds_role, sizeof(r->imds_role), "%.*s", (int)n, resp->body);
	} else if (r->step == 2) {
		/* the instance's region, as the SDKs' region chain ends (only when
		 * neither the environment nor the profile named one) */
		size_t n = strcspn(resp->body, "\r\n");

		if (n > 0 && n < sizeof(r->region) &&
		    strspn(resp->body, "abcdefghijklmnopqrstuvwxyz0123456789-") == n)
			snprintf(r->region, sizeof(r->region), "%.*s", (int)n, resp->body);
	} else {
		ep_creds_parse_json(r, resp->body, resp->body_len, "instance metadata");
		return;
	}
	r->step++;
	ep_creds_imds(r);
}

void ep_creds_imds(struct resolve *r)
{
	char url[512], tokhdr[320];
	const char *hdrs[2] = {tokhdr, NULL};
	struct ep_http_request req;

	memset(&req, 0, sizeof(req));
	req.timeout_ms = 2000;
	req.headers = hdrs;
	if (r->step == 0) {
		snprintf(url, sizeof(url), "%s/latest/api/token", r->imds);
		snprintf(tokhdr, sizeof(tokhdr), "X-aws-ec2-metadata-token-ttl-seconds: 21600");
		req.method = "PUT";
	} else if (r->step == 2 && r->region[0] == '\0') {
		snprintf(url, sizeof(url), "%s/latest/meta-data/placement/region", r->imds);
		snprintf(tokhdr, sizeof(tokhdr), "X-aws-ec2-metadata-token: %s", r->imds_token);
		req.method = "GET";
	} else {
		if (r->step == 2)
			r->step = 3; /* the region is known: straight to the credentials */
		snprintf(url, sizeof(url), "%s/latest/meta-data/iam/security-credentials/%s",
		         r->imds, r->step == 3 ? r->imds_role : "");
		snprintf(tokhdr, sizeof(tokhdr), "X-aws-ec2-metadata-token: %s", r->imds_token);
		req.method = "GET";
	}
	req.url = url;
	if (ep_http_start(ep_aws_http(r->aws), &req, on_imds, r))
		ep_creds_done(r, EP_EIO, "cannot reach instance metadata");
}

/* ---- credential_process ---- */

/* Runs the profile's command and reads its JSON (Version 1).  Blocking, but
 * it runs once, before any other work. */
int ep_creds_process(struct resolve *r, const char *name, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf;
	size_t n = 0;
	int status;
	cJSON *j;
	const cJSON *ver;

	if (p == NULL) {
		ep_creds_done(r, EP_EIO, "profile %s: credential_process could not start", name);
		return 0;
	}
	buf = malloc(MAX_TOKEN_FILE + 1);
	if (buf)
		n = fread(buf, 1, MAX_TOKEN_FILE, p);
	status = pclose(p);
	if (buf == NULL || status != 0) {
		free(buf);
		ep_creds_done(r, EP_EIO, "profile %s: credential_process exited with status %d",
		              name, status);
		return 0;
	}
	buf[n] = '\0';
	j = cJSON_ParseWithLength(buf, n);
	ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
	if (!cJSON_IsNumber(ver) || ver->valueint != 1) {
		cJSON_Delete(j);
		free(buf);
		ep_creds_done(r, EP_EPARSE,
		              "profile %s: credential_process output is not Version 1 JSON", name);
		return 0;
	}
	cJSON_Delete(j);
	ep_creds_parse_json(r, buf, n, "credential process");
	memset(buf, 0, n);
	free(buf);
	return 0;
}

/* ---- IAM Identity Center (SSO) ---- */

static void on_sso(void *arg, const struct ep_http_response *resp)
{
	struct resolve *r = arg;
	cJSON *j, *rc;
	const cJSON *ak, *sk, *tok, *exp;

	if (resp->status != 200) {
		ep_creds_done(
		    r, EP_EIO,
		    "IAM Identity Center GetRoleCredentials: %s (HTTP %ld); run 'aws sso login'",
		    resp->curl_code ? resp->error : "refused", resp->status);
		return;
	}
	j = cJSON_ParseWithLength(resp->body, resp->body_len);
	rc = cJSON_GetObjectItemCaseSensitive(j, "roleCredentials");
	ak = cJSON_GetObjectItemCaseSensitive(rc, "accessKeyId");
	sk = cJSON_GetObjectItemCaseSensitive(rc, "secretAccessKey");
	tok = cJSON_GetObjectItemCaseSensitive(rc, "sessionToken");
	exp = cJSON_GetObjectItemCaseSensitive(rc, "expiration");
	if (!cJSON_IsString(ak) || !cJSON_IsString(sk) || !cJSON_IsString(tok)) {
		cJSON_Delete(j);
		ep_creds_done(r, EP_EPARSE, "IAM Identity Center answer lacks roleCredentials");
		return;
	}
	if (ep_creds_set_static(&r->id, ak->valuestring, sk->valuestring, tok->valuestring)) {
		cJSON_Delete(j);
		ep_creds_done(r, EP_ENOMEM, "out of memory");
		return;
	}
	r->id.expires = cJSON_IsNumber(exp) ? (int64_t)(exp->valuedouble / 1000) : 0;
	snprintf(r->id.source, sizeof(r->id.source), "IAM Identity Center");
	snprintf(r->id.region, sizeof(r->id.region), "%s", r->region);
	cJSON_Delete(j);
	ep_creds_done(r, 0, NULL);
}

/* The token cache file that 'aws sso login' writes: SHA-1 of the
 * sso-session name (or, for legacy profiles, of the start URL). */
static void sso_cache_path(const char *key, char *out, size_t len)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char hex[2 * SHA_DIGEST_LENGTH + 1];
	const char *home = getenv("HOME");

	SHA1((const unsigned char *)key, strlen(key), md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, len, "%s/.aws/sso/cache/%s.json", home ? home : ".", hex);
}

int ep_creds_sso(struct resolve *r, const struct ep_ini *conf, const struct ep_ini *cred,
                 const char *name)
{
	const char *session = ep_creds_pget(cred, conf, name, "sso_session");
	const char *acct = ep_creds_pget(cred, conf, name, "sso_account_id");
	const char *role = ep_creds_pget(cred, conf, name, "sso_role_name");
	const char *sso_region = ep_creds_pget(cred, conf, name, "sso_region");
	char sect[300], path[600], url[1024], hdr[8300];
	const char *hdrs[2] = {hdr, NULL};
	const char *ep = getenv("AWS_ENDPOINT_URL_SSO");
	char *text;
	cJSON *j;
	const cJSON *tok;
	struct ep_http_request req;
	struct ep_buf q;

	if (session) {
		snprintf(sect, sizeof(sect), "sso-session %s", session);
		if (sso_region == NULL)
			sso_region = ep_ini_get(conf, sect, "sso_region");
		sso_cache_path(session, path, sizeof(path));
	} else {
		sso_cache_path(ep_creds_pget(cred, conf, name, "sso_start_url"), path,
		               sizeof(path));
	}
	if (!acct || !role || !sso_region) {
		ep_creds_done(r, EP_EINVAL,
		              "profile %s: IAM Identity Center needs sso_account_id, "
		              "sso_role_name and sso_region",
		              name);
		return 0;
	}
	text = ep_creds_read_file(path);
	j = text ? cJSON_Parse(text) : NULL;
	free(text);
	tok = cJSON_GetObjectItemCaseSensitive(j, "accessToken");
	if (!cJSON_IsString(tok)) {
		cJSON_Delete(j);
		ep_creds_done(r, EP_EINVAL,
		              "profile %s: no IAM Identity Center token in %s; run 'aws sso login'",
		              name, path);
		return 0;
	}
	snprintf(hdr, sizeof(hdr), "x-amz-sso_bearer_token: %s", tok->valuestring);
	cJSON_Delete(j);
	ep_buf_init(&q, 4096);
	ep_buf_adds(&q, "/federation/credentials?account_id=");
	ep_aws_urlencode(&q, acct);
	ep_buf_adds(&q, "&role_name=");
	ep_aws_urlencode(&q, role);
	if (ep && *ep)
		snprintf(url, sizeof(url), "%.*s%s",
		         (int)(strlen(ep) - (ep[strlen(ep) - 1] == '/')), ep, q.data ? q.data : "");
	else
		snprintf(url, sizeof(url), "https://portal.sso.%s.amazonaws.com%s", sso_region,
		         q.data ? q.data : "");
	ep_buf_free(&q);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = hdrs;
	req.timeout_ms = 10000;
	if (ep_http_start(ep_aws_http(r->aws), &req, on_sso, r))
		ep_creds_done(r, EP_EIO, "cannot reach IAM Identity Center");
	memset(hdr, 0, sizeof(hdr));
	return 0;
}
