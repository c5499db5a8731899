/* Building the exposure model.  One pass per region: compile its groups,
 * prefix lists, ACLs and route tables, collect its declarations, index its
 * tasks by interface, then describe every interface.  Costs O(n log n) in
 * the region's objects; the document is never searched per port. */
#include "model/exposure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Last path element of an ARN ("...:cluster/prod" -> "prod"). */
static const char *arn_tail(const char *arn)
{
	const char *s = arn ? strrchr(arn, '/') : NULL;

	return s ? s + 1 : (arn ? arn : "");
}

/* An awsvpc task, by the interface it runs on. */
struct task_ref {
	const char *eni;
	const cJSON *task, *cluster;
};

static int by_eni(const void *pa, const void *pb)
{
	return strcmp(((const struct task_ref *)pa)->eni, ((const struct task_ref *)pb)->eni);
}

static int by_group_id(const void *pa, const void *pb)
{
	return strcmp(((const struct ep_sg *)pa)->id, ((const struct ep_sg *)pb)->id);
}

static const struct ep_sg *find_group(const struct ep_xregion *r, const char *id)
{
	struct ep_sg key;

	memset(&key, 0, sizeof(key));
	copy(key.id, sizeof(key.id), id);
	return r->ngroups ? bsearch(&key, r->groups, r->ngroups, sizeof(key), by_group_id) : NULL;
}

/* Compiles every element of arr into a fresh array of elements of size
 * elsize; EP_ENOMEM is the only failure of the compilers it takes. */
static int compile_all(const cJSON *arr, void **out, size_t elsize, size_t *n,
                       int (*compile)(const cJSON *, void *))
{
	const cJSON *it;
	int max = cJSON_GetArraySize(arr);

	*out = max > 0 ? calloc((size_t)max, elsize) : NULL;
	if (max > 0 && *out == NULL)
		return EP_ENOMEM;
	cJSON_ArrayForEach(it, arr)
	{
		if (*n == (size_t)max || compile(it, (char *)*out + *n * elsize))
			return EP_ENOMEM;
		(*n)++;
	}
	return 0;
}

static int compile_pl(const cJSON *o, void *out)
{
	return ep_prefix_list_compile(o, out);
}

static int compile_acl(const cJSON *o, void *out)
{
	return ep_nacl_compile(o, out);
}

static int compile_rt(const cJSON *o, void *out)
{
	return ep_routes_compile(o, out);
}

static int compile_region(struct ep_xregion *r, const cJSON *reg, struct ep_diag *d)
{
	const cJSON *ec2 = get(reg, "ec2"), *it, *cl, *svc;
	int n, rc = 0;

	n = cJSON_GetArraySize(get(ec2, "security_groups"));
	r->groups = n > 0 ? calloc((size_t)n, sizeof(*r->groups)) : NULL;
	cJSON_ArrayForEach(it, get(ec2, "security_groups"))
	{
		if (r->groups == NULL)
			return EP_ENOMEM;
		rc = ep_sg_compile(it, &r->groups[r->ngroups], d);
		if (rc) {
			char msg[sizeof(d->msg)];

			copy(msg, sizeof(msg), d->msg);
			ep_diag_set(d, rc, 0, 0, "account %s, region %s: %s", r->account, r->region,
			            msg);
			return rc;
		}
		r->ngroups++;
	}
	if (r->ngroups > 1)
		qsort(r->groups, r->ngroups, sizeof(*r->groups), by_group_id);
	if (compile_all(get(ec2, "prefix_lists"), (void **)&r->pls, sizeof(*r->pls), &r->npls,
	                compile_pl) ||
	    compile_all(get(ec2, "network_acls"), (void **)&r->acls, sizeof(*r->acls), &r->nacls,
	                compile_acl) ||
	    compile_all(get(ec2, "route_tables"), (void **)&r->rts, sizeof(*r->rts), &r->nrts,
	                compile_rt))
		return EP_ENOMEM;
	if (ep_declared_collect(reg, &r->decl))
		return EP_ENOMEM;
	n = 0;
	cJSON_ArrayForEach(cl, get(get(reg, "ecs"), "clusters")) n +=
	    cJSON_GetArraySize(get(cl, "services"));
	r->services = n > 0 ? calloc((size_t)n, sizeof(*r->services)) : NULL;
	cJSON_ArrayForEach(cl, get(get(reg, "ecs"), "clusters"))
	    cJSON_ArrayForEach(svc, get(cl, "services"))
	{
		struct ep_xservice *s;

		if (r->services == NULL || (size_t)n == r->nservices)
			return EP_ENOMEM;
		s = &r->services[r->nservices];
		copy(s->cluster, sizeof(s->cluster), arn_tail(ep_json_str(cl, "clusterArn")));
		copy(s->name, sizeof(s->name), ep_json_str(svc, "serviceName"));
		if (ep_tags_parse(get(svc, "tags"), &s->tags))
			return EP_ENOMEM;
		r->nservices++;
	}
	return 0;
}

static int add_address(struct ep_xiface *i, size_t cap, const char *text, int public_addr)
{
	struct ep_addr a;

	if (text == NULL)
		return 0;
	if (ep_addr_parse(text, &a)) {
		if (i->nbad++ == 0)
			snprintf(i->bad_addr, sizeof(i->bad_addr), "%.40s", text);
		return 0;
	}
	for (size_t k = 0; k < i->naddrs; k++)
		if (ep_addr_cmp(&i->addrs[k].addr, &a) == 0) {
			i->addrs[k].public_addr |= public_addr || a.family == 6;
			return 0;
		}
	if (i->naddrs == cap)
		return 0;
	i->addrs[i->naddrs].addr = a;
	ep_addr_format(&a, i->addrs[i->naddrs].text, sizeof(i->addrs[0].text));
	i->addrs[i->naddrs].public_addr = public_addr || a.family == 6;
	i->naddrs++;
	return 0;
}

/* Every address EC2 lists for the interface: the private ones with their
 * public associations, the top-level primary pair, and the IPv6 ones. */
static int list_addresses(struct ep_xiface *i, const cJSON *eni)
{
	const cJSON *privs = get(eni, "privateIpAddressesSet"), *v6s = get(eni, "ipv6AddressesSet");
	const cJSON *it;
	size_t cap = 2 + 2 * (size_t)cJSON_GetArraySize(privs) + (size_t)cJSON_GetArraySize(v6s);

	i->addrs = calloc(cap, sizeof(*i->addrs));
	if (i->addrs == NULL)
		return EP_ENOMEM;
	cJSON_ArrayForEach(it, privs)
	{
		add_address(i, cap, ep_json_str(it, "privateIpAddress"), 0);
		add_address(i, cap, ep_json_str(get(it, "association"), "publicIp"), 1);
	}
	add_address(i, cap, ep_json_str(eni, "privateIpAddress"), 0);
	add_address(i, cap, ep_json_str(get(eni, "association"), "publicIp"), 1);
	cJSON_ArrayForEach(it, v6s) add_address(i, cap, ep_json_str(it, "ipv6Address"), 1);
	return 0;
}

/* The awsvpc task on the interface names its cluster, service and family. */
static void describe_task(struct ep_xiface *i, const struct ep_xregion *r, const struct task_ref *t)
{
	const char *group = ep_json_str(t->task, "group");
	const char *td = ep_json_str(t->task, "taskDefinitionArn");

	copy(i->cluster, sizeof(i->cluster), arn_tail(ep_json_str(t->cluster, "clusterArn")));
	if (group && strncmp(group, "service:", 8) == 0)
		copy(i->service, sizeof(i->service), group + 8);
	if (td)
		snprintf(i->family, sizeof(i->family), "%.*s", (int)strcspn(arn_tail(td), ":"),
		         arn_tail(td));
	for (size_t k = 0; i->service[0] && k < r->nservices; k++)
		if (strcmp(r->services[k].cluster, i->cluster) == 0 &&
		    strcmp(r->services[k].name, i->service) == 0)
			i->service_obj = &r->services[k];
}

/* The stable owner: the service of the task on the interface (not the task
 * or its address, which churn), the load balancer, or the interface. */
static void describe_owner(struct ep_xiface *i)
{
	for (size_t k = 0; k < i->ndecl; k++) {
		const char *o = i->decl[k].owner, *slash = strrchr(o, '/');

		if (!i->decl[k].owns_interface) {
			i->hosts_bindings = 1;
			continue;
		}
		if (i->owner[0])
			continue;
		if (strncmp(o, "lb/", 3) != 0 && slash)
			snprintf(i->owner, sizeof(i->owner), "%.*s", (int)(slash - o), o);
		else
			copy(i->owner, sizeof(i->owner), o);
	}
	if (i->owner[0] == '\0')
		copy(i->owner, sizeof(i->owner), i->id);
}

static int build_iface(struct ep_xiface *i, const struct ep_xregion *r, const cJSON *eni,
                       const struct task_ref *tasks, size_t ntasks)
{
	const cJSON *ref;
	struct task_ref key, *t;
	int n = cJSON_GetArraySize(get(eni, "groupSet"));

	copy(i->id, sizeof(i->id), ep_json_str(eni, "networkInterfaceId"));
	copy(i->subnet, sizeof(i->subnet), ep_json_str(eni, "subnetId"));
	copy(i->vpc, sizeof(i->vpc), ep_json_str(eni, "vpcId"));
	copy(i->type, sizeof(i->type), ep_json_str(eni, "interfaceType"));
	copy(i->instance, sizeof(i->instance), ep_json_str(get(eni, "attachment"), "instanceId"));
	i->region = r;
	i->groups = n > 0 ? calloc((size_t)n, sizeof(*i->groups)) : NULL;
	cJSON_ArrayForEach(ref, get(eni, "groupSet"))
	{
		const char *gid = ep_json_str(ref, "groupId");

		if (i->groups == NULL)
			return EP_ENOMEM;
		if (gid == NULL || i->ngroups == (size_t)n)
			continue;
		copy(i->groups[i->ngroups].id, sizeof(i->groups[0].id), gid);
		i->groups[i->ngroups++].sg = find_group(r, gid);
	}
	if (ep_tags_parse(get(eni, "tagSet"), &i->tags) || list_addresses(i, eni))
		return EP_ENOMEM;
	key.eni = i->id;
	t = ntasks ? bsearch(&key, tasks, ntasks, sizeof(key), by_eni) : NULL;
	if (t)
		describe_task(i, r, t);
	i->ndecl = ep_declared_slice(&r->decl, i->id, &i->decl);
	describe_owner(i);
	i->acl = ep_nacl_for(r->acls, r->nacls, i->subnet, i->vpc);
	i->rt = ep_routes_for(r->rts, r->nrts, i->subnet, i->vpc);
	return 0;
}

static int index_tasks(const cJSON *reg, struct task_ref **out, size_t *n)
{
	const cJSON *cl, *t;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	cJSON_ArrayForEach(cl, get(get(reg, "ecs"), "clusters"))
	    cJSON_ArrayForEach(t, get(cl, "tasks"))
	{
		const char *eni = ep_declared_task_eni(t);

		if (eni == NULL)
			continue;
		if (ep_array_reserve((void **)out, &cap, *n + 1, sizeof(**out)))
			return EP_ENOMEM;
		(*out)[(*n)++] = (struct task_ref){eni, t, cl};
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), by_eni);
	return 0;
}

static int build_ifaces(struct ep_exposure *x, const struct ep_xregion *r, const cJSON *reg)
{
	const cJSON *enis = get(get(reg, "ec2"), "network_interfaces"), *eni;
	struct task_ref *tasks;
	size_t ntasks, cap = x->nifaces;
	int rc = index_tasks(reg, &tasks, &ntasks);

	cJSON_ArrayForEach(eni, enis)
	{
		struct ep_xiface *i;

		if (rc || ep_json_str(eni, "networkInterfaceId") == NULL)
			continue;
		if (ep_array_reserve((void **)&x->ifaces, &cap, x->nifaces + 1,
		                     sizeof(*x->ifaces))) {
			rc = EP_ENOMEM;
			break;
		}
		i = &x->ifaces[x->nifaces++];
		memset(i, 0, sizeof(*i));
		rc = build_iface(i, r, eni, tasks, ntasks);
	}
	free(tasks);
	return rc;
}

int ep_exposure_build(struct ep_exposure *x, const cJSON *doc, struct ep_diag *d)
{
	const cJSON *acct, *reg;
	size_t nregions = 0;
	int rc = 0;

	memset(x, 0, sizeof(*x));
	cJSON_ArrayForEach(acct, get(doc, "accounts")) nregions +=
	    (size_t)cJSON_GetArraySize(get(acct, "regions"));
	/* sized once: interfaces point at their region */
	x->regions = nregions ? calloc(nregions, sizeof(*x->regions)) : NULL;
	if (nregions && x->regions == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory building the model");
	cJSON_ArrayForEach(acct, get(doc, "accounts")) cJSON_ArrayForEach(reg, get(acct, "regions"))
	{
		struct ep_xregion *r = &x->regions[x->nregions];

		if (rc || x->nregions == nregions)
			continue;
		x->nregions++;
		copy(r->account, sizeof(r->account), ep_json_str(acct, "account_id"));
		copy(r->region, sizeof(r->region), ep_json_str(reg, "region"));
		rc = compile_region(r, reg, d);
		if (rc == 0)
			rc = build_ifaces(x, r, reg);
	}
	if (rc == EP_ENOMEM)
		ep_diag_set(d, rc, 0, 0, "out of memory building the model");
	if (rc)
		ep_exposure_free(x);
	return rc;
}

void ep_exposure_free(struct ep_exposure *x)
{
	for (size_t k = 0; k < x->nifaces; k++) {
		free(x->ifaces[k].groups);
		free(x->ifaces[k].addrs);
		ep_tags_free(&x->ifaces[k].tags);
	}
	free(x->ifaces);
	for (size_t k = 0; k < x->nregions; k++) {
		struct ep_xregion *r = &x->regions[k];

		for (size_t j = 0; j < r->ngroups; j++)
			ep_sg_free(&r->groups[j]);
		for (size_t j = 0; j < r->npls; j++)
			ep_prefix_list_free(&r->pls[j]);
		for (size_t j = 0; j < r->nacls; j++)
			ep_nacl_free(&r->acls[j]);
		for (size_t j = 0; j < r->nrts; j++)
			ep_routes_free(&r->rts[j]);
		for (size_t j = 0; j < r->nservices; j++)
			ep_tags_free(&r->services[j].tags);
		free(r->groups);
		free(r->pls);
		free(r->acls);
		free(r->rts);
		free(r->services);
		ep_declared_free(&r->decl);
	}
	free(x->regions);
	memset(x, 0, sizeof(*x));
}

int ep_exposure_admissions(const struct ep_xiface *i, const struct ep_vantage *v, uint8_t family,
                           struct ep_admissions *out)
{
	const struct ep_sg *groups[64];
	size_t n = 0;
	int rc = 0;

	for (size_t k = 0; k < i->ngroups; k++) {
		groups[n++] = i->groups[k].sg;
		if (n == sizeof(groups) / sizeof(groups[0]) || k + 1 == i->ngroups) {
			rc = ep_reach_groups(groups, n, i->region->pls, i->region->npls, v, family,
			                     out);
			n = 0;
			if (rc)
				break;
		}
	}
	return rc;
}
