/* Shared between the inventory fan-out and the per-service readers. */
#ifndef EP_INV_INTERNAL_H
#define EP_INV_INTERNAL_H

#include "aws/inventory.h"

struct ep_inv;

struct ep_inv_deferred;

struct ep_inv_account {
	struct ep_inv *inv;
	struct ep_aws_identity id;
	char role_arn[256]; /* set when the account was entered through a role */
	int64_t obtained;   /* when id was issued (unix seconds) */
	int refreshing;
	struct ep_inv_deferred *waiting; /* calls held while credentials refresh */
	char account_id[16];
	char label[300]; /* role ARN or credential source */
	cJSON *obj;
	cJSON *regions;
};

struct ep_inv_region {
	struct ep_inv_region *next;
	struct ep_inv_account *acct;
	char name[32];
	cJSON *obj;
	cJSON *scratch; /* readers' private bookkeeping, freed with the region */
};

/* A call made on behalf of a region; done is called with the reply and the
 * pull's outstanding count is kept by inventory.c. */
typedef void (*ep_inv_reply_cb)(struct ep_inv_region *r, void *ctx,
                                const struct ep_aws_reply *reply);

/* Calls service/api with params; on success calls cb, on failure records the
 * error in the region and in the summary.  ctx is passed back (and freed by
 * the caller's cb if it owns memory). */
void ep_inv_call(struct ep_inv_region *r, const char *service, const char *api, const char *params,
                 ep_inv_reply_cb cb, void *ctx);
/* Paginates a Query API list into dest (items of list_elem), then calls after. */
void ep_inv_query_list(struct ep_inv_region *r, const char *service, const char *api,
                       const char *params, const char *list_elem, cJSON *dest,
                       void (*after)(struct ep_inv_region *r, cJSON *dest));
/* Paginates a JSON API whose answer holds the array list_key; req is the
 * request object (taken over). */
void ep_inv_json_list(struct ep_inv_region *r, const char *service, const char *api, cJSON *req,
                      const char *list_key, cJSON *dest, void *ctx,
                      void (*after)(struct ep_inv_region *r, cJSON *dest, void *ctx));
/* Pages one paginated list may take (--max-pages). */
unsigned ep_inv_max_pages(const struct ep_inv_region *r);
/* Records something missing for an expected reason (not an error). */
void ep_inv_note(struct ep_inv_region *r, const char *api, const char *msg);
/* Records an error that is not a failed call. */
void ep_inv_error(struct ep_inv_region *r, const char *api, const char *code, const char *msg);

#endif
