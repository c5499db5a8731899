/* The AWS option group: one typed table of the options that say where and
 * how to pull the inventory (profile, regions, roles, accounts, endpoint,
 * retries, rate, timeouts and caps, debug), shared by `inventory` and by `verify`'s live pull,
 * and by their --help (a unit test keeps each usage text listing every
 * option of the table). */
#ifndef EP_AWSOPTS_H
#define EP_AWSOPTS_H

#include <getopt.h>
#include <stddef.h>

#include "aws/inventory.h"

enum ep_awsopt_id {
	EP_AWSOPT_PROFILE = 0x4100,
	EP_AWSOPT_REGIONS,
	EP_AWSOPT_ROLE,
	EP_AWSOPT_EXTID,
	EP_AWSOPT_ENDPOINT,
	EP_AWSOPT_ATTEMPTS,
	EP_AWSOPT_RATE,
	EP_AWSOPT_DEBUG,
	EP_AWSOPT_ACCOUNTS,
	EP_AWSOPT_ALL_ACCOUNTS,
	EP_AWSOPT_ROLE_NAME,
	EP_AWSOPT_MAX_PAGES,
	EP_AWSOPT_MAX_SIZE,
	EP_AWSOPT_TIMEOUT
};

struct ep_awsopt {
	const char *name;
	int has_arg; /* getopt's no_argument / required_argument */
	enum ep_awsopt_id id;
};

extern const struct ep_awsopt ep_aws_options[];
extern const size_t ep_aws_noptions;

/* The pull's options, and the account ids --accounts files were read into
 * (o.accounts points at them).  Plain data, no heap. */
struct ep_awsopts {
	struct ep_inventory_opts o;
	char ids[EP_INV_MAX_ROLES][16];
	int nids;
};

void ep_awsopts_init(struct ep_awsopts *a);
/* The option named name (without "--"), or NULL. */
const struct ep_awsopt *ep_awsopt_find(const char *name);
/* Applies one option.  On a bad value prints one line naming the option and
 * returns 2 (the usage exit status); else 0. */
int ep_awsopts_apply(struct ep_awsopts *a, enum ep_awsopt_id id, const char *val);
/* Appends the group to a getopt_long table of cap entries (n in/out). */
void ep_awsopts_getopt(struct option *table, size_t *n, size_t cap);

#endif
