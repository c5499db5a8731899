/* Shared by the credential chain's files (creds.c: the chain and profiles;
 * creds_remote.c: container, instance metadata, credential_process and IAM
 * Identity Center).  One struct resolve lives until its callback has run. */
#ifndef EP_CREDS_INTERNAL_H
#define EP_CREDS_INTERNAL_H

#include <stddef.h>

#include "aws/creds.h"
#include "aws/ini.h"

struct resolve {
	struct ep_aws *aws;
	ep_creds_cb cb;
	void *arg;
	struct ep_aws_identity id;
	struct ep_aws_identity base; /* source credentials for AssumeRole */
	char role_arn[256], external_id[256], session[64], region[32];
	char imds[256], imds_token[256], imds_role[128];
	char *web_token;
	int step; /* IMDS: 0 token, 1 role name, 2 region (when none is set), 3 credentials */
	/* the chain fell through to its last source: a failure there means no
	 * source had credentials, and the message says what was tried */
	int last_resort;
	char cred_path[512], conf_path[512];
};

/* Runs the user's callback once (error text from fmt when rc != 0) and frees r. */
void ep_creds_done(struct resolve *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ep_creds_set_static(struct ep_aws_identity *id, const char *ak, const char *sk,
                        const char *tok);
/* A small file (at most 64 KiB), trailing newlines cut; the caller frees it. */
char *ep_creds_read_file(const char *path);
/* {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} into r->id, then done. */
int ep_creds_parse_json(struct resolve *r, const char *body, size_t len, const char *what);
const char *ep_creds_pget(const struct ep_ini *cred, const struct ep_ini *conf, const char *name,
                          const char *key);
int ep_creds_container(struct resolve *r, const char *rel, const char *full);
void ep_creds_imds(struct resolve *r);
int ep_creds_process(struct resolve *r, const char *name, const char *cmd);
int ep_creds_sso(struct resolve *r, const struct ep_ini *conf, const struct ep_ini *cred,
                 const char *name);

#endif
