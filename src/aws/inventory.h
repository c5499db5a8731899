/* The AWS inventory pull: for every account (the caller's, or each assumed
 * role) and region, every network interface, security group, prefix list,
 * subnet, route table, network ACL, gateway, ECS cluster/service/task/task
 * definition/container instance, load balancer and listener, fetched
 * concurrently on the loop and assembled into one JSON document
 * (schema data/schema/inventory.schema.json). */
#ifndef EP_INVENTORY_H
#define EP_INVENTORY_H

#include <cJSON.h>
#include <uv.h>

#include "aws/call.h"
#include "aws/creds.h"

#define EP_INV_MAX_ROLES 256

struct ep_inventory_opts {
	const char *profile;
	const char *regions; /* "us-east-1,eu-west-1", "all", or NULL: the default region */
	const char *role_arns[EP_INV_MAX_ROLES];
	int nroles;
	const char *external_id;
	const char *role_name; /* role assumed in each account of --accounts / --all-accounts */
	const char *accounts[EP_INV_MAX_ROLES]; /* account ids (--accounts FILE) */
	int naccounts;
	int all_accounts; /* Organizations ListAccounts */
	/* hostile or broken answers end: pages per paginated list (0: the
	 * default, EP_INV_MAX_PAGES) and bytes of answers per pull (0:
	 * EP_INV_MAX_BYTES); past either the pull fails (EP_ERANGE / errors) */
	unsigned max_pages;
	uint64_t max_bytes;
	struct ep_aws_opts aws;
	/* told after every call (NULL: nobody asks): what finished, how many
	 * calls finished so far and how many are still to come */
	void (*progress)(void *arg, const char *account, const char *region, const char *api,
	                 unsigned long done, unsigned pending);
	void *progress_arg;
};

#define EP_INV_MAX_PAGES 10000
#define EP_INV_MAX_BYTES (1024ull << 20)

/* rc 0: doc complete; rc EP_EIO: doc written but some calls failed (their
 * errors are in each region's "errors"); EP_ESTOPPED: stopped, no doc;
 * other rc: no doc (message in err).
 * The callback owns doc. */
typedef void (*ep_inventory_cb)(void *arg, int rc, cJSON *doc, const char *err);

struct ep_inv;

/* Starts the pull; *handle (may be NULL) stays valid until cb has run. */
int ep_inventory_pull(uv_loop_t *loop, const struct ep_inventory_opts *o, ep_inventory_cb cb,
                      void *arg, struct ep_inv **handle);
/* Loop thread, before cb has run: every call fails now and cb gets rc
 * EP_ESTOPPED, no document, and why as the message (a signal: write nothing). */
void ep_inventory_stop(struct ep_inv *inv, const char *why);

/* Reader registry (services.def): each starts its calls for one region. */
struct ep_inv_region;
struct ep_inv_service {
	const char *name;
	void (*start)(struct ep_inv_region *r);
	/* after every call has ended: put concurrently filled lists in a stable
	 * order (may be NULL) */
	void (*finish)(struct ep_inv_region *r);
};

/* Sorts the objects of a JSON array by the string member key. */
void ep_json_sort_by(cJSON *array, const char *key);

#endif
