/* The exposure model: everything verify and plan judge by, built once from
 * an inventory document, which is read here and nowhere else.  Interfaces
 * with their addresses, owners and tags; security groups and prefix lists
 * compiled (model/reach); network ACLs and route tables compiled
 * (model/nacl, model/routes); declarations from ECS and ELBv2
 * (model/declared).  Plain typed data: no cJSON pointers survive the build.
 *
 * Ownership: the model owns every array; interfaces point into their
 * region's arrays (groups, declarations, ACL, route table, service), which
 * never move once the region is built. */
#ifndef EP_EXPOSURE_H
#define EP_EXPOSURE_H

#include <cJSON.h>
#include <stddef.h>

#include "base/err.h"
#include "config/cidr.h"
#include "model/declared.h"
#include "model/nacl.h"
#include "model/reach.h"
#include "model/routes.h"
#include "model/tags.h"

struct ep_xservice {
	char cluster[128], name[128];
	struct ep_tags tags;
};

struct ep_xregion {
	char account[16], region[32];
	struct ep_sg *groups; /* sorted by id */
	size_t ngroups;
	struct ep_prefix_list *pls;
	size_t npls;
	struct ep_nacl *acls;
	size_t nacls;
	struct ep_route_table *rts;
	size_t nrts;
	struct ep_declared_set decl;
	struct ep_xservice *services;
	size_t nservices;
};

/* A group the interface holds; sg is NULL when the inventory lacks it
 * (another account's, or unreadable): it admits nothing known. */
struct ep_xgroupref {
	char id[32];
	const struct ep_sg *sg;
};

struct ep_xaddr {
	struct ep_addr addr;
	char text[EP_ADDRSTRLEN];
	int public_addr; /* an association's public IPv4, or any IPv6 */
};

struct ep_xiface {
	char id[32], subnet[32], vpc[32], type[48];
	char instance[32]; /* attachment.instanceId, or "" */
	char owner[192];   /* cluster/service, lb/NAME, or the interface id */
	char cluster[128], service[128], family[128];
	const struct ep_xregion *region;
	struct ep_xgroupref *groups;
	size_t ngroups;
	struct ep_tags tags;
	const struct ep_xservice *service_obj; /* the awsvpc task's service, or NULL */
	struct ep_xaddr *addrs;                /* deduplicated */
	size_t naddrs;
	unsigned nbad;                  /* address fields that are not an address, left out */
	char bad_addr[48];              /* the first of them, cut */
	const struct ep_declared *decl; /* this interface's slice of region->decl */
	size_t ndecl;
	int hosts_bindings; /* bridge/host tasks bind ports on it (a container instance) */
	const struct ep_nacl *acl;
	const struct ep_route_table *rt;
};

struct ep_exposure {
	struct ep_xregion *regions;
	size_t nregions;
	struct ep_xiface *ifaces;
	size_t nifaces;
};

/* Builds the model.  Interfaces without a string networkInterfaceId are
 * skipped (nothing could name them); a malformed security-group rule fails
 * the build with d naming the account, region, group and rule. */
int ep_exposure_build(struct ep_exposure *x, const cJSON *doc, struct ep_diag *d);
void ep_exposure_free(struct ep_exposure *x);
/* Everything the interface's groups admit from v towards an address of
 * `family`.  out is the caller's (ep_admissions_free). */
int ep_exposure_admissions(const struct ep_xiface *i, const struct ep_vantage *v, uint8_t family,
                           struct ep_admissions *out);

#endif
