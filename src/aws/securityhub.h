/* AWS Security Hub BatchImportFindings (REST-JSON POST /findings/import),
 * signed with SigV4, with AWS's standard retries; synchronous on the
 * handle's own libuv loop, for a delivery thread. */
#ifndef EP_AWS_SECURITYHUB_H
#define EP_AWS_SECURITYHUB_H

#include <stddef.h>

#include "base/err.h"

#define EP_SECHUB_MAX_BATCH 100 /* findings per BatchImportFindings call (the API's limit) */

struct ep_sechub_opts {
	const char *profile;      /* NULL: AWS_PROFILE / the default chain */
	const char *endpoint_url; /* NULL: AWS_ENDPOINT_URL_SECURITYHUB, AWS_ENDPOINT_URL, or
	                             https://securityhub.REGION.amazonaws.com */
	unsigned max_attempts;    /* tries per call (default 5) */
	long timeout_ms;          /* per try (default 30000) */
};

/* One entry of the answer's FailedFindings. */
struct ep_sechub_failed {
	size_t index; /* position in the docs given to ep_sechub_import */
	char id[256];
	char code[64];
	char msg[256];
	int retryable; /* InternalException, throttling: worth sending again */
};

/* Credentials come from the usual chain (aws/creds.h), resolved when the
 * handle is made and again before they expire; never logged.  One thread
 * at a time uses a handle. */
struct ep_sechub;

/* Makes the handle and resolves credentials (blocking).  d says why not. */
int ep_sechub_new(struct ep_sechub **out, const struct ep_sechub_opts *o, struct ep_diag *d);
/* Imports docs[0..n) (ASFF finding objects as JSON text, n <= 100) into
 * region.  Returns 0 with failed[0..*nfailed) filled (failed needs room for
 * n); EP_EAGAIN when AWS kept throttling or failing (or was unreachable)
 * through every attempt; EP_EPERM when the credentials or the account are
 * refused (AccessDenied, not subscribed, bad signature); EP_EINVAL when the
 * request itself is refused (InvalidInputException).  d says why. */
int ep_sechub_import(struct ep_sechub *h, const char *region, const char *const *docs,
                     const size_t *lens, size_t n, struct ep_sechub_failed *failed, size_t *nfailed,
                     struct ep_diag *d);
void ep_sechub_free(struct ep_sechub *h);

#endif
