/* verify's addresses: every interface address of the exposure model that
 * the vantage can evaluate, with what admits it and the ports to probe
 * (admitted, declared, intended or denied, and the extra ports), TCP and
 * UDP. */
#include "verify/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Does the interface belong to the --cluster/--service being verified?  Its
 * awsvpc task's, or a bridge/host binding of that service on it. */
static int wanted(const struct verify *vf, const struct ep_xiface *i)
{
	if (vf->cluster == NULL && vf->service == NULL)
		return 1;
	if (i->cluster[0] && (vf->cluster == NULL || strcmp(i->cluster, vf->cluster) == 0) &&
	    (vf->service == NULL || strcmp(i->service, vf->service) == 0))
		return 1;
	/* owners are "cluster/service/container" */
	for (size_t k = 0; k < i->ndecl; k++) {
		char cl[128] = "", svc[128] = "";

		if (sscanf(i->decl[k].owner, "%127[^/]/%127[^/]/", cl, svc) != 2)
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

	ep_statemap_put(&vf->states, r);
}

void ep_verify_subject_of(const struct vaddr *a, struct verify_subject *out)
{
	const struct ep_xiface *i = a->iface;
	struct ep_intent_subject *s = &out->s;

	memset(s, 0, sizeof(*s));
	s->account = i->region->account;
	s->region = i->region->region;
	s->cluster = i->cluster;
	s->service = i->service;
	s->task_family = i->family;
	s->interface_type = i->type;
	s->addr = &a->xa->addr;
	s->tags = &i->tags;
	for (size_t k = 0; k < i->ngroups && k < sizeof(out->g) / sizeof(out->g[0]); k++) {
		out->g[k].id = i->groups[k].id;
		out->g[k].name = i->groups[k].sg ? i->groups[k].sg->name : NULL;
		out->g[k].tags = i->groups[k].sg ? &i->groups[k].sg->tags : NULL;
		s->ngroups++;
	}
	s->groups = out->g;
	s->service_tags = i->service_obj ? &i->service_obj->tags : NULL;
}

static void set_ports(uint64_t *bm, const struct ep_portset *ps)
{
	for (uint32_t r = 0; r < ps->nranges; r++)
		ep_portbits_set(bm, ps->r[r].lo, ps->r[r].hi);
}

/* The ports to probe on a, per protocol, into bm[proto]: word operations,
 * so an all-traffic rule costs a thousand stores, not 65535. */
static void probe_bits(const struct verify *vf, const struct vaddr *a,
                       const struct ep_intent_view *view, uint64_t bm[EP_PROTO_COUNT][1024])
{
	for (int k = 0; k < EP_PROTO_COUNT; k++) {
		for (size_t i = 0; i < a->adm.n; i++) {
			const struct ep_admission *x = &a->adm.a[i];

			if (ep_admission_covers(x, (enum ep_proto)k, x->lo ? x->lo : 1))
				ep_portbits_set(bm[k], x->lo ? x->lo : 1, x->hi);
		}
		set_ports(bm[k], &vf->extra[k]);
		for (size_t w = 0; w < 1024; w++)
			bm[k][w] |=
			    view->p[k].permitted[w] | view->p[k].deny[w] | view->p[k].expired[w];
		bm[k][0] &= ~1ULL; /* port 0 is never probed */
	}
	for (size_t i = 0; i < a->iface->ndecl; i++)
		ep_portbits_set(bm[a->iface->decl[i].proto], a->iface->decl[i].port,
		                a->iface->decl[i].port);
}

/* Adds the address's probes to tl; a->ports gets them too.  Nothing to probe
 * leaves tl alone. */
static int plan_address(struct verify *vf, struct vaddr *a, struct ep_target_list *tl,
                        struct ep_intent_view *view, uint64_t (*bm)[1024])
{
	struct verify_subject subj;
	char origin[64];
	int rc = 0;

	ep_verify_subject_of(a, &subj);
	ep_intent_view(&vf->intent, &subj.s, vf->now, view);
	memset(bm, 0, EP_PROTO_COUNT * sizeof(bm[0]));
	probe_bits(vf, a, view, bm);
	for (int k = 0; rc == 0 && k < EP_PROTO_COUNT; k++)
		rc = ep_portset_from_bits(bm[k], &a->ports[k]);
	if (rc == 0 && a->ports[EP_PROTO_TCP].count + a->ports[EP_PROTO_UDP].count) {
		snprintf(origin, sizeof(origin), "inventory:%s", a->iface->id);
		rc = ep_target_list_add_sets(tl, &a->xa->addr, a->ports, origin);
	}
	return rc;
}

int ep_verify_build(struct verify *vf, struct ep_target_list *tl)
{
	struct ep_intent_view *view = malloc(sizeof(*view));
	uint64_t(*bm)[1024] = calloc(EP_PROTO_COUNT, sizeof(*bm));
	int rc = view && bm ? 0 : EP_ENOMEM;

	for (size_t i = 0; rc == 0 && i < vf->model.nifaces; i++) {
		const struct ep_xiface *f = &vf->model.ifaces[i];

		if (!wanted(vf, f))
			continue;
		if (f->nbad)
			fprintf(stderr,
			        "ecsprobe: verify: interface %s: '%s' is not an address (%u left "
			        "out)\n",
			        f->id, f->bad_addr, f->nbad);
		for (size_t k = 0; rc == 0 && k < f->naddrs; k++) {
			const struct ep_xaddr *xa = &f->addrs[k];
			struct vaddr *a;

			if (!vf->v.has[xa->addr.family == 4 ? 0 : 1])
				continue; /* no source of this family: rules cannot be evaluated */
			if (ep_array_reserve((void **)&vf->a, &vf->cap, vf->n + 1,
			                     sizeof(*vf->a))) {
				rc = EP_ENOMEM;
				break;
			}
			a = &vf->a[vf->n];
			memset(a, 0, sizeof(*a));
			a->iface = f;
			a->xa = xa;
			a->route_ok = !xa->public_addr ||
			              ep_routes_internet_ok(f->rt, xa->addr.family, NULL, 0);
			rc = ep_exposure_admissions(f, &vf->v, xa->addr.family, &a->adm);
			if (rc == 0)
				rc = plan_address(vf, a, tl, view, bm);
			if (rc == 0 &&
			    a->ports[EP_PROTO_TCP].count + a->ports[EP_PROTO_UDP].count) {
				rc = ep_statemap_add(&vf->states, &xa->addr, a->ports, &a->state);
				if (rc == 0) {
					vf->n++;
					continue;
				}
			}
			ep_admissions_free(&a->adm);
			for (int p = 0; p < EP_PROTO_COUNT; p++)
				ep_portset_free(&a->ports[p]);
		}
	}
	free(view);
	free(bm);
	return rc;
}

void ep_verify_free(struct verify *vf)
{
	if (vf->summary)
		fclose(vf->summary); /* a run that ended before its judgement */
	for (size_t i = 0; i < vf->n; i++) {
		ep_admissions_free(&vf->a[i].adm);
		for (int k = 0; k < EP_PROTO_COUNT; k++)
			ep_portset_free(&vf->a[i].ports[k]);
	}
	free(vf->a);
	for (int k = 0; k < EP_PROTO_COUNT; k++)
		ep_portset_free(&vf->extra[k]);
	ep_exposure_free(&vf->model);
	ep_statemap_free(&vf->states);
	ep_findings_free(&vf->findings);
	ep_intent_free(&vf->intent);
}
