/* The credential chain, in the AWS SDKs' order: --profile, environment keys,
 * web identity, shared files (static keys, role_arn + source_profile +
 * external_id, web_identity_token_file), ECS container credentials, EC2
 * instance metadata (IMDSv2).  Asynchronous on the loop (STS and metadata
 * calls).  Secrets are never logged or put in error text. */
#ifndef EP_AWS_CREDS_H
#define EP_AWS_CREDS_H

#include <stdint.h>

#include "aws/call.h"

struct ep_aws_identity {
	struct ep_aws_creds creds; /* session_token heap-owned; ep_aws_identity_clear */
	int64_t expires;           /* unix seconds; 0 = does not expire */
	char source[64];           /* "environment", "profile prod", "web identity", ... */
	char region[32];           /* the profile's region, if any */
};

struct ep_creds_opts {
	const char *profile; /* --profile, or NULL */
	const char *role_session_name;
};

typedef void (*ep_creds_cb)(void *arg, int rc, const struct ep_aws_identity *id, const char *error);

int ep_creds_resolve(struct ep_aws *aws, const struct ep_creds_opts *o, ep_creds_cb cb, void *arg);
/* For a client that blocks on its own loop (S3, Security Hub): resolves the
 * chain for profile into *id, replacing what it held when *have_id, and
 * runs loop until it is done.  0; or the error code with err completing
 * "credentials: ..." (the chain could not start) or "no AWS credentials:
 * ..." (EP_EPERM: nothing in the chain answered). */
int ep_creds_resolve_wait(struct ep_aws *aws, uv_loop_t *loop, const char *profile,
                          struct ep_aws_identity *id, int *have_id, char *err, size_t errlen);
/* Assumes role_arn with base credentials (AssumeRole; external_id may be NULL). */
int ep_creds_assume_role(struct ep_aws *aws, const struct ep_aws_identity *base, const char *region,
                         const char *role_arn, const char *external_id, const char *session,
                         ep_creds_cb cb, void *arg);
void ep_aws_identity_clear(struct ep_aws_identity *id);
int ep_aws_identity_copy(struct ep_aws_identity *dst, const struct ep_aws_identity *src);
/* Parses an ISO 8601 UTC time ("2026-11-29T14:00:00Z"); -1 on error. */
int64_t ep_parse_iso8601(const char *s);

#endif
