/* The AWS option group: one typed table of the options that say where and
 * how to pull the inventory (profile, regions, roles, accounts, endpoint,
 * retries, rate, timeouts and caps), shared by `inventory` and by
 * `verify`'s live pull. */
#ifndef EP_AWSOPTS_H
#define EP_AWSOPTS_H

#include <stddef.h>

#include "aws/inventory.h"
#include "config/opt.h"

enum ep_awsopt_id {
	EP_AWSOPT_PROFILE = 1,
	EP_AWSOPT_REGIONS,
	EP_AWSOPT_ROLE,
	EP_AWSOPT_EXTID,
	EP_AWSOPT_ENDPOINT,
	EP_AWSOPT_CA_BUNDLE,
	EP_AWSOPT_ATTEMPTS,
	EP_AWSOPT_RATE,
	EP_AWSOPT_ACCOUNTS,
	EP_AWSOPT_ALL_ACCOUNTS,
	EP_AWSOPT_ROLE_NAME,
	EP_AWSOPT_MAX_PAGES,
	EP_AWSOPT_MAX_SIZE,
	EP_AWSOPT_TIMEOUT
};

/* The group: its context is a struct ep_awsopts. */
extern const struct ep_optgroup ep_aws_group;

/* The pull's options, and the account ids --accounts files were read into
 * (o.accounts points at them).  Plain data, no heap. */
struct ep_awsopts {
	struct ep_inventory_opts o;
	char ids[EP_INV_MAX_ROLES][16];
	int nids;
};

void ep_awsopts_init(struct ep_awsopts *a);
/* Applies one option; on a bad value fills d and returns an EP_E* code. */
int ep_awsopts_apply(struct ep_awsopts *a, enum ep_awsopt_id id, const char *val,
                     struct ep_diag *d);

#endif
