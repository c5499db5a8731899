/* verify's comparison: probe results x admissions x declarations x intent
 * -> findings with evidence. */
#include "verify/verify.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/nacl.h"
#include "model/routes.h"

static void finding(struct verify *vf, const struct vaddr *a, enum ep_finding_kind kind,
                    enum ep_severity sev, const char *owner, uint16_t lo, uint16_t hi,
                    const char *msg, const char *evidence)
{
	struct ep_finding f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.severity = sev;
	snprintf(f.account, sizeof(f.account), "%s", a->account);
	snprintf(f.region, sizeof(f.region), "%s", a->region);
	snprintf(f.address, sizeof(f.address), "%s", a->text);
	snprintf(f.interface, sizeof(f.interface), "%s", a->eni);
	snprintf(f.owner, sizeof(f.owner), "%s", owner);
	f.proto = EP_PROTO_TCP;
	ep_finding_set_ports(&f, lo, hi);
	snprintf(f.message, sizeof(f.message), "%s", msg);
	snprintf(f.evidence, sizeof(f.evidence), "%s", evidence);
	ep_finding_make_id(&f);
	ep_findings_add(&vf->findings, &f);
}

/* Bridge/host tasks bind dynamic host ports on this (container instance's)
 * interface. */
static int hosts_bindings(const struct ep_declared_set *d, const char *eni)
{
	for (size_t i = 0; i < d->n; i++)
		if (!d->d[i].owns_interface && strcmp(d->d[i].eni, eni) == 0)
			return 1;
	return 0;
}

/* Does the subnet's network ACL let the probe in and its reply out? */
static int nacl_ok(const struct verify *vf, const struct vaddr *a, uint16_t port, char *why,
                   size_t len)
{
	char scratch[256];

	if (why == NULL) {
		why = scratch;
		len = sizeof(scratch);
	}
	/* a public address is reached from outside only through an internet gateway */
	if (a->public_addr && cJSON_GetArraySize(a->routes) &&
	    !ep_routes_internet_ok(a->routes, a->subnet, a->vpc, a->addr.family, why, len))
		return 0;
	if (cJSON_GetArraySize(a->acls) == 0)
		return 1;
	return ep_nacl_admits(a->acls, a->subnet, a->vpc, &vf->v.src[a->addr.family == 4 ? 0 : 1],
	                      6, port, why, len);
}

void ep_verify_compare(struct verify *vf, const struct vaddr *a, struct ep_intent_view *view)
{
	const struct ep_declared_set *decl = &vf->decl[a->region_index];
	struct ep_intent_subject subj;
	char ev[1024], msg[512], why[512];

	ep_verify_subject_of(a, &subj);
	ep_intent_view(&vf->intent, &subj, vf->now, view);
	for (uint32_t i = 0; i < a->ports.count; i++) {
		uint16_t port = ep_portset_at(&a->ports, i);
		int state = ep_store_get(&vf->store, &a->addr, 6, port);
		const struct ep_admission *adm = ep_admissions_find(&a->adm, 6, port);
		const struct ep_declared *dcl = ep_declared_find(decl, a->eni, 6, port);
		int allowed = ep_intent_view_has(view->allow, port);
		int denied = ep_intent_view_has(view->deny, port);
		char nwhy[256];
		int blocked = !nacl_ok(vf, a, port, nwhy, sizeof(nwhy));

		if (state < 0)
			continue; /* not measured (interrupted): no finding either way */
		if (state == EP_STATE_OPEN && (!adm || blocked)) {
			snprintf(
			    msg, sizeof(msg), "open, but %s",
			    adm ? "the network ACL or route table blocks this vantage (stale "
			          "inventory or another "
			          "path)"
			        : "no security-group rule admits this vantage (stale inventory or "
			          "another path)");
			if (adm)
				snprintf(ev, sizeof(ev), "%s; %s",
				         dcl ? dcl->evidence : "nothing declares it", nwhy);
			else
				snprintf(ev, sizeof(ev),
				         "%s; groups of %s admit nothing on this port",
				         dcl ? dcl->evidence : "nothing declares it", a->eni);
			finding(vf, a, EP_FINDING_UNEXPLAINED_OPEN, EP_SEV_HIGH,
			        dcl ? dcl->owner : a->owner, port, port, msg, ev);
		}
		if (state == EP_STATE_OPEN && (denied || (!dcl && !allowed))) {
			/* the intent's word, if any: a denial or an expired exception */
			ep_intent_check(&vf->intent, &subj, 6, port, vf->now, why, sizeof(why));
			snprintf(msg, sizeof(msg), "open: %s",
			         denied ? "the intent denies it"
			         : hosts_bindings(decl, a->eni) && port >= 32768
			             ? "in the container instance's ephemeral range, and no "
			               "running task "
			               "binds it"
			             : "no task port mapping, listener or intent declares it");
			if (adm)
				snprintf(ev, sizeof(ev),
				         "security group %s (rule %u: %s) exposes it%s%s",
				         adm->why.sg_id, adm->why.index, adm->why.text,
				         why[0] ? "; " : "", why);
			else
				snprintf(ev, sizeof(ev),
				         "no security-group rule admits it either%s%s",
				         why[0] ? "; " : "", why);
			finding(vf, a, EP_FINDING_UNEXPECTED_OPEN,
			        denied || (adm && adm->world) ? EP_SEV_CRITICAL : EP_SEV_HIGH,
			        dcl ? dcl->owner : a->owner, port, port, msg, ev);
		}
		if (state != EP_STATE_OPEN && dcl && adm && !blocked) {
			snprintf(msg, sizeof(msg), "declared but %s: the service does not answer",
			         ep_state_name((enum ep_state)state));
			snprintf(ev, sizeof(ev), "%s; admitted by %s rule %u (%s)", dcl->evidence,
			         adm->why.sg_id, adm->why.index, adm->why.text);
			finding(vf, a, EP_FINDING_DECLARED_UNREACHABLE, EP_SEV_HIGH, dcl->owner,
			        port, port, msg, ev);
		} else if (state != EP_STATE_OPEN && allowed && adm && !blocked &&
		           ep_intent_check(&vf->intent, &subj, 6, port, vf->now, why,
		                           sizeof(why)) == EP_INTENT_ALLOW &&
		           strncmp(why, "rule ", 5) == 0) {
			/* an intent rule (not a tag, not an exception) names it: it should answer
			 */
			snprintf(msg, sizeof(msg), "intended but %s: nothing answers",
			         ep_state_name((enum ep_state)state));
			snprintf(ev, sizeof(ev), "%s; admitted by %s rule %u (%s)", why,
			         adm->why.sg_id, adm->why.index, adm->why.text);
			finding(vf, a, EP_FINDING_DECLARED_UNREACHABLE, EP_SEV_HIGH, a->owner, port,
			        port, msg, ev);
		}
	}
	/* latent exposure: per admitting rule, undeclared admitted ports closed today */
	for (size_t k = 0; k < a->adm.n; k++) {
		const struct ep_admission *x = &a->adm.a[k];
		unsigned long closed = 0;

		if (x->proto != 6 && x->proto != EP_PROTO_ANY)
			continue;
		for (unsigned p = x->lo ? x->lo : 1; p <= x->hi; p++) {
			int st = ep_store_get(&vf->store, &a->addr, 6, (uint16_t)p);

			if (st >= 0 && st != EP_STATE_OPEN &&
			    !ep_declared_find(decl, a->eni, 6, (uint16_t)p) &&
			    !ep_intent_view_has(view->allow, (uint16_t)p) &&
			    nacl_ok(vf, a, (uint16_t)p, NULL, 0))
				closed++;
		}
		if (closed == 0)
			continue;
		snprintf(msg, sizeof(msg), "%lu undeclared port%s admitted, closed today", closed,
		         closed == 1 ? "" : "s");
		snprintf(ev, sizeof(ev), "security group %s rule %u: %s", x->why.sg_id,
		         x->why.index, x->why.text);
		finding(vf, a, EP_FINDING_LATENT_EXPOSURE, x->world ? EP_SEV_MEDIUM : EP_SEV_LOW,
		        a->owner, x->lo ? x->lo : 1, x->hi, msg, ev);
	}
}
