/* Credential chain.  Each asynchronous step is a small state machine whose
 * context (struct resolve) lives until the user's callback has run. */
#include "aws/creds.h"

#include "aws/creds_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ini.h"
#include "base/log.h"

#define DEFAULT_IMDS   "http://169.254.169.254"
#define MAX_TOKEN_FILE (64u << 10)

void ep_aws_identity_clear(struct ep_aws_identity *id)
{
	if (id->creds.session_token) {
		memset(id->creds.session_token, 0, strlen(id->creds.session_token));
		free(id->creds.session_token);
	}
	memset(id, 0, sizeof(*id));
}

int ep_aws_identity_copy(struct ep_aws_identity *dst, const struct ep_aws_identity *src)
{
	*dst = *src;
	dst->creds.session_token = NULL;
	if (src->creds.session_token) {
		dst->creds.session_token = strdup(src->creds.session_token);
		if (dst->creds.session_token == NULL)
			return EP_ENOMEM;
	}
	return 0;
}

int64_t ep_parse_iso8601(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm);
}

void ep_creds_done(struct resolve *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void ep_creds_done(struct resolve *r, int rc, const char *fmt, ...)
{
	char msg[512] = "";

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	if (rc == 0 && r->id.region[0] == '\0')
		/* every source: the region the environment, profile or IMDS gave */
		snprintf(r->id.region, sizeof(r->id.region), "%s", r->region);
	if (rc && r->last_resort) {
		/* as the AWS CLI does: every source tried, and how to give one */
		char all[2400];

		snprintf(
		    all, sizeof(all),
		    "no AWS credentials found; tried: environment (AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY unset), web identity (AWS_WEB_IDENTITY_TOKEN_FILE "
		    "and AWS_ROLE_ARN unset), shared files (no AWS_PROFILE, no [default] in %s "
		    "or %s), ECS container credentials (AWS_CONTAINER_CREDENTIALS_* unset), "
		    "EC2 instance metadata (%s). Fix: export AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, run 'aws configure' or 'aws sso login', or give "
		    "--profile NAME",
		    r->cred_path, r->conf_path, msg[0] ? msg : "failed");
		r->cb(r->arg, rc, NULL, all);
	} else {
		r->cb(r->arg, rc, rc ? NULL : &r->id, rc ? msg : NULL);
	}
	ep_aws_identity_clear(&r->id);
	ep_aws_identity_clear(&r->base);
	free(r->web_token);
	free(r);
}

int ep_creds_set_static(struct ep_aws_identity *id, const char *ak, const char *sk, const char *tok)
{
	snprintf(id->creds.access_key, sizeof(id->creds.access_key), "%s", ak);
	snprintf(id->creds.secret_key, sizeof(id->creds.secret_key), "%s", sk);
	if (tok && *tok) {
		id->creds.session_token = strdup(tok);
		if (id->creds.session_token == NULL)
			return EP_ENOMEM;
	}
	return 0;
}

/* ---- STS AssumeRole / AssumeRoleWithWebIdentity ---- */

static void on_sts(void *arg, int rc, const struct ep_aws_reply *reply)
{
	struct resolve *r = arg;
	xmlNodePtr root, cr;
	const char *ak, *sk, *tok, *exp;

	if (rc) {
		ep_creds_done(r, EP_EIO, "STS %s for %s failed: %s%s%s",
		              r->web_token ? "AssumeRoleWithWebIdentity" : "AssumeRole",
		              r->role_arn, reply->error_code, reply->error_msg[0] ? ": " : "",
		              reply->error_msg);
		return;
	}
	root = xmlDocGetRootElement(reply->xml);
	cr = ep_xml_find(root, "Credentials");
	ak = ep_xml_child_text(cr, "AccessKeyId");
	sk = ep_xml_child_text(cr, "SecretAccessKey");
	tok = ep_xml_child_text(cr, "SessionToken");
	exp = ep_xml_child_text(cr, "Expiration");
	if (!ak || !sk || !tok) {
		ep_creds_done(r, EP_EPARSE,
		              "STS answer for %s lacks Credentials (AccessKeyId/SecretAccessKey/"
		              "SessionToken)",
		              r->role_arn);
		return;
	}
	ep_aws_identity_clear(&r->id);
	if (ep_creds_set_static(&r->id, ak, sk, tok)) {
		ep_creds_done(r, EP_ENOMEM, "out of memory");
		return;
	}
	r->id.expires = ep_parse_iso8601(exp);
	snprintf(r->id.source, sizeof(r->id.source), "%s",
	         r->base.source[0] ? r->base.source : "role");
	snprintf(r->id.region, sizeof(r->id.region), "%s", r->region);
	ep_creds_done(r, 0, NULL);
}

static int sts_assume(struct resolve *r)
{
	struct ep_buf p;
	struct ep_aws_scope scope = {.account = "sts",
	                             .region = r->region[0] ? r->region : "us-east-1"};
	int rc;

	ep_buf_init(&p, 64 << 10);
	ep_buf_adds(&p, "RoleArn=");
	ep_aws_urlencode(&p, r->role_arn);
	ep_buf_adds(&p, "&RoleSessionName=");
	ep_aws_urlencode(&p, r->session);
	if (r->web_token) {
		ep_buf_adds(&p, "&WebIdentityToken=");
		ep_aws_urlencode(&p, r->web_token);
		scope.creds = NULL; /* AssumeRoleWithWebIdentity is unsigned */
	} else {
		if (r->external_id[0]) {
			ep_buf_adds(&p, "&ExternalId=");
			ep_aws_urlencode(&p, r->external_id);
		}
		scope.creds = &r->base.creds;
	}
	rc = p.data ? ep_aws_call(r->aws, &scope, "sts",
	                          r->web_token ? "AssumeRoleWithWebIdentity" : "AssumeRole", p.data,
	                          on_sts, r)
	            : EP_ENOMEM;
	ep_buf_free(&p);
	return rc;
}

char *ep_creds_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(MAX_TOKEN_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_TOKEN_FILE, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return buf;
}

static int web_identity(struct resolve *r, const char *token_file, const char *role_arn,
                        const char *session)
{
	r->web_token = ep_creds_read_file(token_file);
	if (r->web_token == NULL || r->web_token[0] == '\0') {
		ep_creds_done(r, EP_EIO, "web identity token file %s: %s", token_file,
		              r->web_token ? "empty" : strerror(errno));
		return 0;
	}
	snprintf(r->role_arn, sizeof(r->role_arn), "%s", role_arn);
	if (session && *session)
		snprintf(r->session, sizeof(r->session), "%s", session);
	snprintf(r->base.source, sizeof(r->base.source), "web identity");
	if (sts_assume(r))
		ep_creds_done(r, EP_EIO, "cannot start AssumeRoleWithWebIdentity");
	return 0;
}

/* ---- profiles ---- */

static void home_path(char *out, size_t len, const char *env, const char *rel)
{
	const char *v = getenv(env);
	const char *home = getenv("HOME");

	if (v && *v)
		snprintf(out, len, "%s", v);
	else
		snprintf(out, len, "%s/%s", home ? home : ".", rel);
}

/* Looks a key up for a profile: credentials file [name], then config
 * [profile name] (or [default]). */
const char *ep_creds_pget(const struct ep_ini *cred, const struct ep_ini *conf, const char *name,
                          const char *key)
{
	char sect[300];
	const char *v = ep_ini_get(cred, name, key);

	if (v)
		return v;
	if (strcmp(name, "default") == 0)
		return ep_ini_get(conf, "default", key);
	snprintf(sect, sizeof(sect), "profile %s", name);
	return ep_ini_get(conf, sect, key);
}

static int profile_exists(const struct ep_ini *cred, const struct ep_ini *conf, const char *name)
{
	char sect[300];

	snprintf(sect, sizeof(sect), "profile %s", name);
	return ep_ini_has_section(cred, name) || ep_ini_has_section(conf, sect) ||
	       (strcmp(name, "default") == 0 && ep_ini_has_section(conf, "default"));
}

/* Resolves a profile; depth bounds source_profile chains. */
static int from_profile(struct resolve *r, const struct ep_ini *cred, const struct ep_ini *conf,
                        const char *name, int depth)
{
	const char *ak = ep_creds_pget(cred, conf, name, "aws_access_key_id");
	const char *sk = ep_creds_pget(cred, conf, name, "aws_secret_access_key");
	const char *role = ep_creds_pget(cred, conf, name, "role_arn");
	const char *src = ep_creds_pget(cred, conf, name, "source_profile");
	const char *csrc = ep_creds_pget(cred, conf, name, "credential_source");
	const char *wif = ep_creds_pget(cred, conf, name, "web_identity_token_file");
	const char *region = ep_creds_pget(cred, conf, name, "region");

	if (depth > 5) {
		ep_creds_done(r, EP_EINVAL, "profile %s: source_profile chain longer than 5", name);
		return 0;
	}
	if (region && !r->region[0])
		snprintf(r->region, sizeof(r->region), "%s", region);
	if (role && wif) {
		snprintf(r->id.region, sizeof(r->id.region), "%s", r->region);
		return web_identity(r, wif, role,
		                    ep_creds_pget(cred, conf, name, "role_session_name"));
	}
	if (role && depth == 0 && (src || csrc)) {
		const char *ext = ep_creds_pget(cred, conf, name, "external_id");

		snprintf(r->role_arn, sizeof(r->role_arn), "%s", role);
		if (ext)
			snprintf(r->external_id, sizeof(r->external_id), "%s", ext);
		if (src) {
			const char *bak = ep_creds_pget(cred, conf, src, "aws_access_key_id");
			const char *bsk = ep_creds_pget(cred, conf, src, "aws_secret_access_key");

			if (!profile_exists(cred, conf, src) || !bak || !bsk) {
				ep_creds_done(
				    r, EP_EINVAL,
				    "profile %s: source_profile %s has no aws_access_key_id/"
				    "aws_secret_access_key",
				    name, src);
				return 0;
			}
			if (ep_creds_set_static(
			        &r->base, bak, bsk,
			        ep_creds_pget(cred, conf, src, "aws_session_token"))) {
				ep_creds_done(r, EP_ENOMEM, "out of memory");
				return 0;
			}
			snprintf(r->base.source, sizeof(r->base.source), "profile %s", name);
			if (sts_assume(r))
				ep_creds_done(r, EP_EIO, "cannot start AssumeRole");
			return 0;
		}
		ep_creds_done(r, EP_EUNSUPPORTED,
		              "profile %s: credential_source is not supported yet", name);
		return 0;
	}
	if (ep_creds_pget(cred, conf, name, "credential_process"))
		return ep_creds_process(r, name,
		                        ep_creds_pget(cred, conf, name, "credential_process"));
	if (ep_creds_pget(cred, conf, name, "sso_session") ||
	    ep_creds_pget(cred, conf, name, "sso_start_url"))
		return ep_creds_sso(r, conf, cred, name);
	if (ak && sk) {
		if (ep_creds_set_static(&r->id, ak, sk,
		                        ep_creds_pget(cred, conf, name, "aws_session_token"))) {
			ep_creds_done(r, EP_ENOMEM, "out of memory");
			return 0;
		}
		snprintf(r->id.source, sizeof(r->id.source), "profile %s", name);
		snprintf(r->id.region, sizeof(r->id.region), "%s", r->region);
		ep_creds_done(r, 0, NULL);
		return 0;
	}
	ep_creds_done(r, EP_EINVAL, "profile %s has no credentials (aws_access_key_id or role_arn)",
	              name);
	return 0;
}

int ep_creds_resolve(struct ep_aws *aws, const struct ep_creds_opts *o, ep_creds_cb cb, void *arg)
{
	struct resolve *r = calloc(1, sizeof(*r));
	struct ep_ini cred, conf;
	struct ep_diag d = {0};
	char cred_path[512], conf_path[512];
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *profile = o->profile;
	const char *v;
	int rc;

	if (r == NULL)
		return EP_ENOMEM;
	r->aws = aws;
	r->cb = cb;
	r->arg = arg;
	snprintf(r->session, sizeof(r->session), "%s",
	         o->role_session_name ? o->role_session_name : "ecsprobe");
	v = getenv("AWS_REGION");
	if (v == NULL || *v == '\0')
		v = getenv("AWS_DEFAULT_REGION");
	if (v && *v)
		snprintf(r->region, sizeof(r->region), "%s", v);

	home_path(cred_path, sizeof(cred_path), "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	home_path(conf_path, sizeof(conf_path), "AWS_CONFIG_FILE", ".aws/config");
	rc = ep_ini_load(&cred, cred_path, &d);
	if (rc == 0)
		rc = ep_ini_load(&conf, conf_path, &d);
	else
		memset(&conf, 0, sizeof(conf));
	if (rc) {
		char msg[600];

		ep_diag_format(&d, msg, sizeof(msg));
		ep_ini_free(&cred);
		ep_creds_done(r, EP_EPARSE, "%s", msg);
		return 0;
	}
	if (profile == NULL) {
		/* 1. environment keys */
		if (ak && *ak && sk && *sk) {
			rc = ep_creds_set_static(&r->id, ak, sk, getenv("AWS_SESSION_TOKEN"));
			snprintf(r->id.source, sizeof(r->id.source), "environment");
			snprintf(r->id.region, sizeof(r->id.region), "%s", r->region);
			ep_creds_done(r, rc, rc ? "out of memory" : NULL);
			goto out;
		}
		/* 2. web identity from the environment */
		v = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
		if (v && *v && getenv("AWS_ROLE_ARN")) {
			web_identity(r, v, getenv("AWS_ROLE_ARN"), getenv("AWS_ROLE_SESSION_NAME"));
			goto out;
		}
		profile = getenv("AWS_PROFILE");
		if ((profile == NULL || *profile == '\0') &&
		    profile_exists(&cred, &conf, "default"))
			profile = "default";
	}
	/* 3. shared files */
	if (profile && *profile) {
		if (!profile_exists(&cred, &conf, profile)) {
			ep_creds_done(r, EP_EINVAL, "profile %s not found in %s or %s", profile,
			              cred_path, conf_path);
			goto out;
		}
		from_profile(r, &cred, &conf, profile, 0);
		goto out;
	}
	/* 4. ECS container credentials */
	v = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	if ((v && *v) || (getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") &&
	                  *getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"))) {
		if (ep_creds_container(r, v, getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")))
			ep_creds_done(r, EP_EIO, "cannot reach the container credentials endpoint");
		goto out;
	}
	/* 5. instance metadata, IMDSv2 */
	snprintf(r->cred_path, sizeof(r->cred_path), "%s", cred_path);
	snprintf(r->conf_path, sizeof(r->conf_path), "%s", conf_path);
	r->last_resort = 1;
	v = getenv("AWS_EC2_METADATA_DISABLED");
	if (v && strcmp(v, "true") == 0) {
		ep_creds_done(r, EP_EINVAL, "disabled by AWS_EC2_METADATA_DISABLED=true");
		goto out;
	}
	v = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	snprintf(r->imds, sizeof(r->imds), "%s", v && *v ? v : DEFAULT_IMDS);
	if (r->imds[0] && r->imds[strlen(r->imds) - 1] == '/')
		r->imds[strlen(r->imds) - 1] = '\0';
	ep_creds_imds(r);
out:
	ep_ini_free(&cred);
	ep_ini_free(&conf);
	return 0;
}

int ep_creds_assume_role(struct ep_aws *aws, const struct ep_aws_identity *base, const char *region,
                         const char *role_arn, const char *external_id, const char *session,
                         ep_creds_cb cb, void *arg)
{
	struct resolve *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return EP_ENOMEM;
	r->aws = aws;
	r->cb = cb;
	r->arg = arg;
	if (ep_aws_identity_copy(&r->base, base)) {
		free(r);
		return EP_ENOMEM;
	}
	snprintf(r->base.source, sizeof(r->base.source), "role %s", role_arn);
	snprintf(r->role_arn, sizeof(r->role_arn), "%s", role_arn);
	snprintf(r->region, sizeof(r->region), "%s", region);
	snprintf(r->session, sizeof(r->session), "%s", session ? session : "ecsprobe");
	if (external_id)
		snprintf(r->external_id, sizeof(r->external_id), "%s", external_id);
	if (sts_assume(r)) {
		ep_aws_identity_clear(&r->base);
		free(r);
		return EP_EIO;
	}
	return 0;
}

struct creds_wait {
	struct ep_aws_identity *id;
	int *have_id;
	int done, rc;
	char *err;
	size_t errlen;
};

static void on_creds_wait(void *arg, int rc, const struct ep_aws_identity *id, const char *error)
{
	struct creds_wait *w = arg;

	w->rc = rc;
	if (rc == 0) {
		if (*w->have_id)
			ep_aws_identity_clear(w->id);
		w->rc = ep_aws_identity_copy(w->id, id);
		*w->have_id = w->rc == 0;
	} else {
		snprintf(w->err, w->errlen, "no AWS credentials: %s",
		         error ? error : ep_strerror(rc));
	}
	w->done = 1;
}

int ep_creds_resolve_wait(struct ep_aws *aws, uv_loop_t *loop, const char *profile,
                          struct ep_aws_identity *id, int *have_id, char *err, size_t errlen)
{
	struct creds_wait w = {id, have_id, 0, EP_EIO, err, errlen};
	struct ep_creds_opts co;
	int rc;

	memset(&co, 0, sizeof(co));
	co.profile = profile;
	err[0] = '\0';
	rc = ep_creds_resolve(aws, &co, on_creds_wait, &w);
	if (rc) {
		snprintf(err, errlen, "credentials: %s", ep_strerror(rc));
		return rc;
	}
	while (!w.done)
		if (uv_run(loop, UV_RUN_ONCE) == 0 && !w.done)
			break; /* nothing left to wait for */
	if (w.rc == 0)
		return 0;
	if (err[0] == '\0')
		snprintf(err, errlen, "no AWS credentials: %s", ep_strerror(w.rc));
	return EP_EPERM;
}
