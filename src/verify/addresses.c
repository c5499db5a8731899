/* verify's address model: every interface address of the inventory with
 * what admits, declares and intends ports on it, and the probe list. */
#include "verify/verify.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

/* Does the interface belong to the --cluster/--service being verified?  Its
 * awsvpc task's, or a bridge/host binding of that service on it. */
static int wanted(const struct verify *vf, const struct vaddr *a,
                  const struct ep_declared_set *decl)
{
	if (vf->cluster == NULL && vf->service == NULL)
		return 1;
	if (a->cluster[0] && (vf->cluster == NULL || strcmp(a->cluster, vf->cluster) == 0) &&
	    (vf->service == NULL || strcmp(a->service, vf->service) == 0))
		return 1;
	/* owners are "cluster/service/container" */
	for (size_t i = 0; i < decl->n; i++) {
		char cl[128] = "", svc[128] = "";

		if (strcmp(decl->d[i].eni, a->eni) != 0 ||
		    sscanf(decl->d[i].owner, "%127[^/]/%127[^/]/", cl, svc) != 2)
			continue;
		if ((vf->cluster == NULL || strcmp(cl, vf->cluster) == 0) &&
		    (vf->service == NULL || strcmp(svc, vf->service) == 0))
			return 1;
	}
	return 0;
}

/* Results arrive on the scan's worker threads, serialised by the pool. */
void ep_verify_on_result(void *arg, const struct ep_result *r)
{
	struct verify *vf = arg;

	ep_store_put(&vf->store, r);
}

/* The stable owner of an interface: the service of the task on it (not the
 * task or its address, which churn), the load balancer, or the interface. */
static void owner_of(const struct ep_declared_set *d, const cJSON *eni, char *out, size_t len)
{
	const char *o = ep_declared_owner_of(d, ep_json_str(eni, "networkInterfaceId"));
	const char *slash;

	if (o[0] && strncmp(o, "lb/", 3) != 0 && (slash = strrchr(o, '/')) != NULL)
		snprintf(out, len, "%.*s", (int)(slash - o), o); /* cluster/service */
	else if (o[0])
		snprintf(out, len, "%s", o);
	else
		snprintf(out, len, "%s", ep_json_str(eni, "networkInterfaceId"));
}

static int is_public(const cJSON *eni, const char *ip)
{
	const cJSON *it;
	const char *pub =
	    ep_json_str(cJSON_GetObjectItemCaseSensitive(eni, "association"), "publicIp");

	if (strchr(ip, ':'))
		return 1; /* IPv6 addresses in a VPC are global */
	if (pub && strcmp(pub, ip) == 0)
		return 1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(eni, "privateIpAddressesSet"))
	{
		pub = ep_json_str(cJSON_GetObjectItemCaseSensitive(it, "association"), "publicIp");
		if (pub && strcmp(pub, ip) == 0)
			return 1;
	}
	return 0;
}

/* What the intent can match on for interface eni of region reg. */
static void describe_subject(struct vaddr *a, const cJSON *reg, const cJSON *eni)
{
	const cJSON *cluster;
	const cJSON *task =
	    ep_declared_task_of(reg, ep_json_str(eni, "networkInterfaceId"), &cluster);
	const char *s;

	a->eni_obj = eni;
	a->routes = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "ec2"),
	                                             "route_tables");
	a->acls = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "ec2"),
	                                           "network_acls");
	snprintf(a->subnet, sizeof(a->subnet), "%s",
	         ep_json_str(eni, "subnetId") ? ep_json_str(eni, "subnetId") : "");
	snprintf(a->vpc, sizeof(a->vpc), "%s",
	         ep_json_str(eni, "vpcId") ? ep_json_str(eni, "vpcId") : "");
	a->groups = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "ec2"),
	                                             "security_groups");
	s = ep_json_str(eni, "interfaceType");
	snprintf(a->itype, sizeof(a->itype), "%s", s ? s : "");
	if (task == NULL)
		return;
	s = ep_json_str(cluster, "clusterArn");
	snprintf(a->cluster, sizeof(a->cluster), "%s",
	         s && strrchr(s, '/') ? strrchr(s, '/') + 1 : "");
	s = ep_json_str(task, "group");
	if (s && strncmp(s, "service:", 8) == 0) {
		const cJSON *svc;

		snprintf(a->service, sizeof(a->service), "%s", s + 8);
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(cluster, "services"))
		{
			const char *name = ep_json_str(svc, "serviceName");

			if (name && strcmp(name, a->service) == 0)
				a->service_obj = svc;
		}
	}
	s = ep_json_str(task, "taskDefinitionArn");
	if (s && strrchr(s, '/'))
		snprintf(a->family, sizeof(a->family), "%.*s",
		         (int)strcspn(strrchr(s, '/') + 1, ":"), strrchr(s, '/') + 1);
}

void ep_verify_subject_of(const struct vaddr *a, struct ep_intent_subject *s)
{
	s->account = a->account;
	s->region = a->region;
	s->cluster = a->cluster;
	s->service = a->service;
	s->task_family = a->family;
	s->interface_type = a->itype;
	s->addr = &a->addr;
	s->eni = a->eni_obj;
	s->groups = a->groups;
	s->service_obj = a->service_obj;
}

static int add_address(struct verify *vf, struct ep_target_list *tl, const char *acct,
                       const char *region, const cJSON *reg, const cJSON *eni, const char *ip)
{
	const cJSON *ec2 = cJSON_GetObjectItemCaseSensitive(reg, "ec2");
	const struct ep_declared_set *decl = &vf->decl[vf->nregions - 1];
	struct vaddr *a;
	struct ep_diag d = {0};
	struct ep_buf spec;
	char origin[64];
	uint64_t bm[1024];
	int rc, fam;

	if (ip == NULL)
		return 0;
	if (ep_array_reserve((void **)&vf->a, &vf->cap, vf->n + 1, sizeof(*vf->a)))
		return EP_ENOMEM;
	a = &vf->a[vf->n];
	memset(a, 0, sizeof(*a));
	if (ep_addr_parse(ip, &a->addr))
		return 0;
	fam = a->addr.family == 4 ? 0 : 1;
	if (!vf->v.has[fam])
		return 0; /* no source of this family: rules cannot be evaluated */
	snprintf(a->account, sizeof(a->account), "%s", acct);
	snprintf(a->region, sizeof(a->region), "%s", region);
	snprintf(a->eni, sizeof(a->eni), "%s", ep_json_str(eni, "networkInterfaceId"));
	snprintf(a->text, sizeof(a->text), "%s", ip);
	owner_of(decl, eni, a->owner, sizeof(a->owner));
	a->region_index = vf->nregions - 1;
	describe_subject(a, reg, eni);
	a->public_addr = is_public(eni, ip);
	if (!wanted(vf, a, decl))
		return 0;
	rc = ep_reach_interface(eni, cJSON_GetObjectItemCaseSensitive(ec2, "security_groups"),
	                        cJSON_GetObjectItemCaseSensitive(ec2, "prefix_lists"), &vf->v,
	                        a->addr.family, &a->adm, &d);
	if (rc) {
		fprintf(stderr, "ecsprobe: %s %s %s: %s\n", acct, region, a->eni, d.msg);
		return rc;
	}
	/* ports: admitted tcp, declared tcp on this interface, extra */
	memset(bm, 0, sizeof(bm));
	for (size_t i = 0; i < a->adm.n; i++) {
		const struct ep_admission *x = &a->adm.a[i];

		if (x->proto == 6 || x->proto == EP_PROTO_ANY)
			for (unsigned p = x->lo ? x->lo : 1; p <= x->hi; p++)
				bm[p >> 6] |= 1ULL << (p & 63);
	}
	for (size_t i = 0; i < decl->n; i++)
		if (decl->d[i].proto == 6 && strcmp(decl->d[i].eni, a->eni) == 0)
			bm[decl->d[i].port >> 6] |= 1ULL << (decl->d[i].port & 63);
	for (uint32_t i = 0; i < vf->extra.count; i++) {
		uint16_t p = ep_portset_at(&vf->extra, i);

		bm[p >> 6] |= 1ULL << (p & 63);
	}
	{
		/* intended and denied ports are probed too */
		struct ep_intent_subject subj;
		struct ep_intent_view *view = malloc(sizeof(*view));

		if (view == NULL)
			return EP_ENOMEM;
		ep_verify_subject_of(a, &subj);
		ep_intent_view(&vf->intent, &subj, vf->now, view);
		for (size_t w = 0; w < 1024; w++)
			bm[w] |= view->allow[w] | view->deny[w] | view->expired[w];
		free(view);
	}
	ep_buf_init(&spec, 1 << 20);
	ep_buf_printf(&spec, "%s T:", ip);
	for (unsigned p = 1, start = 0; p <= 65536; p++) {
		int yes = p <= 65535 && (bm[p >> 6] >> (p & 63)) & 1;

		if (yes && !start)
			start = p;
		if (!yes && start) {
			ep_buf_printf(&spec, "%s%u", spec.data[spec.len - 1] == ':' ? "" : ",",
			              start);
			if (p - 1 != start)
				ep_buf_printf(&spec, "-%u", p - 1);
			start = 0;
		}
	}
	if (spec.data == NULL || spec.data[spec.len - 1] == ':') {
		ep_buf_free(&spec);
		ep_admissions_free(&a->adm);
		return 0; /* nothing to probe here */
	}
	{
		struct ep_portset sets[EP_PROTO_COUNT];

		rc = ep_portspec_parse(strchr(spec.data, ':') + 1, sets, NULL);
		if (rc == 0) {
			a->ports = sets[EP_PROTO_TCP];
			ep_portset_free(&sets[EP_PROTO_UDP]);
		}
	}
	snprintf(origin, sizeof(origin), "inventory:%s", a->eni);
	if (rc == 0)
		rc = ep_target_list_add(tl, spec.data, origin, &d);
	ep_buf_free(&spec);
	if (rc)
		return rc;
	vf->n++;
	return 0;
}

int ep_verify_build(struct verify *vf, const cJSON *doc, struct ep_target_list *tl)
{
	const cJSON *acct, *reg, *eni, *ip;
	int rc = 0;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	{
		const char *aid =
		    ep_json_str(acct, "account_id") ? ep_json_str(acct, "account_id") : "?";
		const char *rname = ep_json_str(reg, "region") ? ep_json_str(reg, "region") : "?";

		if (rc)
			break;
		if (ep_array_reserve((void **)&vf->decl, &vf->regions_cap, vf->nregions + 1,
		                     sizeof(*vf->decl)))
			return EP_ENOMEM;
		memset(&vf->decl[vf->nregions], 0, sizeof(*vf->decl));
		rc = ep_declared_collect(reg, &vf->decl[vf->nregions++]);
		cJSON_ArrayForEach(
		    eni, cJSON_GetObjectItemCaseSensitive(
		             cJSON_GetObjectItemCaseSensitive(reg, "ec2"), "network_interfaces"))
		{
			cJSON_ArrayForEach(
			    ip, cJSON_GetObjectItemCaseSensitive(eni, "privateIpAddressesSet"))
			{
				if (rc == 0)
					rc = add_address(vf, tl, aid, rname, reg, eni,
					                 ep_json_str(ip, "privateIpAddress"));
				if (rc == 0)
					rc = add_address(
					    vf, tl, aid, rname, reg, eni,
					    ep_json_str(
					        cJSON_GetObjectItemCaseSensitive(ip, "association"),
					        "publicIp"));
			}
			cJSON_ArrayForEach(
			    ip, cJSON_GetObjectItemCaseSensitive(eni, "ipv6AddressesSet"))
			{
				if (rc == 0)
					rc = add_address(vf, tl, aid, rname, reg, eni,
					                 ep_json_str(ip, "ipv6Address"));
			}
		}
	}
	return rc;
}

void ep_verify_free(struct verify *vf)
{
	for (size_t i = 0; i < vf->n; i++) {
		ep_admissions_free(&vf->a[i].adm);
		ep_portset_free(&vf->a[i].ports);
	}
	free(vf->a);
	for (size_t i = 0; i < vf->nregions; i++)
		ep_declared_free(&vf->decl[i]);
	free(vf->decl);
	ep_portset_free(&vf->extra);
	ep_store_free(&vf->store);
	ep_findings_free(&vf->findings);
	ep_intent_free(&vf->intent);
}
