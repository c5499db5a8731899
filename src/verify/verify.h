/* The verify command's internals, shared by the files of src/verify: the address
 * model (one entry per probed interface address), the comparison, the
 * vantage and the inputs from outside.  The verify struct owns everything it
 * points to except the inventory document (owned by ep_cmd_verify). */
#ifndef EP_VERIFY_H
#define EP_VERIFY_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/inventory.h"
#include "compare/findings.h"
#include "config/portspec.h"
#include "config/targetfile.h"
#include "model/declared.h"
#include "model/intent.h"
#include "model/reach.h"
#include "results/store.h"

struct vaddr {
	char account[16], region[32], eni[32], owner[192];
	char cluster[128], service[128], family[128], itype[48];
	const cJSON *eni_obj, *groups, *service_obj; /* into the inventory document */
	const cJSON *acls;                           /* the region's network ACLs */
	const cJSON *routes;                         /* and route tables */
	int public_addr;                             /* an association's public IPv4, or IPv6 */
	char subnet[32], vpc[32];
	char text[48];
	struct ep_addr addr;
	struct ep_admissions adm;
	struct ep_portset ports; /* TCP ports probed */
	size_t region_index;
};

struct verify {
	struct ep_vantage v;
	struct ep_intent intent;
	int64_t now;
	struct ep_portset extra;
	struct vaddr *a;
	size_t n, cap;
	struct ep_declared_set *decl; /* one per region */
	size_t nregions, regions_cap;
	struct ep_store store;
	struct ep_findings findings;
	const char *cluster, *service; /* --cluster / --service: only their interfaces */
};

/* addresses.c */
int ep_verify_build(struct verify *vf, const cJSON *doc, struct ep_target_list *tl);
void ep_verify_subject_of(const struct vaddr *a, struct ep_intent_subject *s);
void ep_verify_on_result(void *arg, const struct ep_result *r); /* scan workers, serialised */
void ep_verify_free(struct verify *vf);

/* compare.c: findings for one address; view is scratch space */
void ep_verify_compare(struct verify *vf, const struct vaddr *a, struct ep_intent_view *view);

/* vantage.c */
void ep_verify_detect_sources(const cJSON *doc, struct ep_vantage *v);
int ep_verify_vantage_auto(const cJSON *doc, struct ep_vantage *v, char groups[][32]);

/* live.c */
cJSON *ep_verify_pull_live(struct ep_inventory_opts *o, int *status);
int ep_verify_services_steady(const cJSON *doc, const char *cluster, const char *service, char *why,
                              size_t len);
int ep_verify_load_baseline(const char *path, cJSON **out);
void ep_verify_apply_baseline(struct verify *vf, const cJSON *baseline, const char *path);
char *ep_verify_read_port_list(const char *path);

#endif
