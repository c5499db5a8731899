/* verify's comparison: for every probed port of one address, the facts
 * (admission, path, declaration, intent) go to the judge (compare/judge),
 * which decides; this file only gathers facts, words the evidence of what
 * the judge decided, and gathers latent ports into exact ranges per
 * deciding rule. */
#include "verify/verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Latent ports of one deciding rule, ascending. */
struct latent {
	const struct ep_admission *rule;
	struct ep_port_span *s;
	size_t n, cap;
	uint32_t closed, filtered;
	enum ep_severity severity; /* the most severe of its ports' */
};

struct latents {
	struct latent *l;
	size_t n, cap;
};

/* Message and evidence text: cut to the finding's fields where long. */
static void say(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
}

static void fill_common(struct ep_finding *f, const struct vaddr *a, enum ep_finding_kind kind,
                        enum ep_severity sev, enum ep_proto proto, const char *owner)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->severity = sev;
	snprintf(f->account, sizeof(f->account), "%s", a->iface->region->account);
	snprintf(f->region, sizeof(f->region), "%s", a->iface->region->region);
	snprintf(f->address, sizeof(f->address), "%s", a->xa->text);
	snprintf(f->interface, sizeof(f->interface), "%s", a->iface->id);
	snprintf(f->owner, sizeof(f->owner), "%s", owner);
	f->proto = proto;
}

/* Does the path (route table, then the subnet's ACL) let the probe in? */
static int path_ok(const struct verify *vf, const struct vaddr *a, enum ep_proto proto,
                   uint16_t port, char *why, size_t len)
{
	if (!a->route_ok) {
		if (why)
			ep_routes_internet_ok(a->iface->rt, a->xa->addr.family, why, len);
		return 0;
	}
	return ep_nacl_admits(a->iface->acl, &vf->v.src[a->xa->addr.family == 4 ? 0 : 1], proto,
	                      port, why, len);
}

static enum ep_expect expect_of(const struct ep_intent_view *view, enum ep_proto proto,
                                uint16_t port, const struct ep_declared *dcl)
{
	if (ep_intent_view_has(view->p[proto].deny, port))
		return EP_EXPECT_DENIED;
	if (dcl || ep_intent_view_has(view->p[proto].intended, port))
		return EP_EXPECT_REQUIRED;
	if (ep_intent_view_has(view->p[proto].permitted, port))
		return EP_EXPECT_PERMITTED;
	return EP_EXPECT_NONE;
}

static void rule_text(char *out, size_t len, const struct ep_admission *x)
{
	snprintf(out, len, "security group %s (rule %u: %s)", x->why.sg_id, x->why.index,
	         x->why.text);
}

/* The words of a finding on one port; the judge already decided its kind. */
static int port_finding(struct verify *vf, const struct vaddr *a, const struct ep_outcome *o,
                        const struct ep_port_facts *pf, enum ep_proto proto, uint16_t port,
                        enum ep_state state, const struct ep_admission *adm,
                        const struct ep_declared *dcl, const struct verify_subject *subj)
{
	struct ep_finding f;
	struct ep_intent_decision dec;
	char rule[384] = "", path[256] = "", intent[400] = "";
	/* a container instance's ephemeral range is where bridge tasks' dynamic
	 * host ports land: an open one nothing binds is worth naming */
	int ephemeral = !dcl && a->iface->hosts_bindings && proto == EP_PROTO_TCP && port >= 32768;
	const char *declared =
	    dcl ? dcl->evidence
	    : ephemeral
	        ? "in the container instance's ephemeral range, and no running task binds it"
	        : "nothing declares it";

	ep_intent_check(&vf->intent, &subj->s, proto, port, vf->now, &dec);
	if (dec.verdict != EP_INTENT_NONE)
		snprintf(intent, sizeof(intent), "; %s", dec.where);
	if (adm)
		rule_text(rule, sizeof(rule), adm);
	if (pf->reach == EP_REACH_BLOCKED)
		path_ok(vf, a, proto, port, path, sizeof(path));
	fill_common(&f, a, o->kind, o->severity, proto, dcl ? dcl->owner : a->iface->owner);
	ep_finding_set_ports(&f, port, port);
	switch (o->kind) {
	case EP_FINDING_UNEXPLAINED_OPEN:
		say(f.message, sizeof(f.message), "open, but %s (stale inventory or another path)",
		    pf->reach == EP_REACH_BLOCKED
		        ? "the network ACL or route table blocks this vantage"
		        : "no security-group rule admits this vantage");
		if (pf->reach == EP_REACH_BLOCKED)
			say(f.evidence, sizeof(f.evidence), "%s; %s admits it but %s%s", declared,
			    rule, path, intent);
		else
			say(f.evidence, sizeof(f.evidence),
			    "%s; groups of %s admit nothing on this port%s", declared, a->iface->id,
			    intent);
		break;
	case EP_FINDING_UNEXPECTED_OPEN:
		say(f.message, sizeof(f.message), "open: %s",
		    pf->expect == EP_EXPECT_DENIED ? "the intent denies it"
		    : ephemeral                    ? declared
		                : "no task port mapping, listener or intent declares it");
		say(f.evidence, sizeof(f.evidence), "%s exposes it%s", rule, intent);
		break;
	case EP_FINDING_DECLARED_UNREACHABLE:
		say(f.message, sizeof(f.message), "%s but %s: %s", dcl ? "declared" : "intended",
		    ep_state_name(state), dcl ? "the service does not answer" : "nothing answers");
		say(f.evidence, sizeof(f.evidence), "%s; admitted by %s rule %u (%s)",
		    dcl ? dcl->evidence : dec.where, adm->why.sg_id, adm->why.index, adm->why.text);
		break;
	case EP_FINDING_LATENT_EXPOSURE:
		return 0; /* gathered into ranges by the caller */
	}
	ep_finding_make_id(&f);
	return ep_findings_add(&vf->findings, &f);
}

static int latent_add(struct latents *ls, const struct ep_admission *rule, uint16_t port,
                      enum ep_state state, enum ep_severity severity)
{
	struct latent *l = NULL;

	for (size_t i = 0; i < ls->n; i++)
		if (ls->l[i].rule == rule)
			l = &ls->l[i];
	if (l == NULL) {
		if (ep_array_reserve((void **)&ls->l, &ls->cap, ls->n + 1, sizeof(*ls->l)))
			return EP_ENOMEM;
		l = &ls->l[ls->n++];
		memset(l, 0, sizeof(*l));
		l->rule = rule;
	}
	if (severity > l->severity)
		l->severity = severity;
	l->closed += state == EP_STATE_CLOSED;
	l->filtered += state != EP_STATE_CLOSED;
	if (l->n && (uint32_t)l->s[l->n - 1].hi + 1 == port) {
		l->s[l->n - 1].hi = port;
		return 0;
	}
	if (ep_array_reserve((void **)&l->s, &l->cap, l->n + 1, sizeof(*l->s)))
		return EP_ENOMEM;
	l->s[l->n].lo = l->s[l->n].hi = port;
	l->n++;
	return 0;
}

/* One finding per deciding rule, listing exactly its latent ports; a rule
 * with more ranges than a finding holds gets several (ids apart by chunk). */
static int latent_flush(struct verify *vf, const struct vaddr *a, struct latents *ls,
                        enum ep_proto proto)
{
	int rc = 0;

	for (size_t i = 0; i < ls->n; i++) {
		const struct latent *l = &ls->l[i];
		const struct ep_admission *x = l->rule;

		for (size_t at = 0, chunk = 0; rc == 0 && at < l->n; chunk++) {
			struct ep_finding f;

			fill_common(&f, a, EP_FINDING_LATENT_EXPOSURE, l->severity, proto,
			            a->iface->owner);
			while (at < l->n && ep_finding_add_range(&f, l->s[at].lo, l->s[at].hi) == 0)
				at++;
			say(f.message, sizeof(f.message),
			    "%u undeclared port%s admitted, none open today (of this rule: %u "
			    "closed, %u filtered)",
			    f.nports, f.nports == 1 ? "" : "s", l->closed, l->filtered);
			say(f.evidence, sizeof(f.evidence), "security group %s rule %u: %s",
			    x->why.sg_id, x->why.index, x->why.text);
			if (chunk)
				say(f.rule, sizeof(f.rule), "%.31s#%u@%zu", x->why.sg_id,
				    x->why.index, chunk);
			else
				say(f.rule, sizeof(f.rule), "%.31s#%u", x->why.sg_id, x->why.index);
			ep_finding_make_id(&f);
			rc = ep_findings_add(&vf->findings, &f);
		}
		free(l->s);
	}
	free(ls->l);
	memset(ls, 0, sizeof(*ls));
	return rc;
}

static int judge_proto(struct verify *vf, const struct vaddr *a, const struct ep_intent_view *view,
                       const struct verify_subject *subj, enum ep_proto proto)
{
	const struct ep_portset *ps = &a->ports[proto];
	struct latents ls = {0};
	int rc = 0;

	for (uint32_t i = 0; rc == 0 && i < ps->count; i++) {
		uint16_t port = ep_portset_at(ps, i);
		int state = ep_statemap_get(&vf->states, a->state, proto, port);
		const struct ep_admission *adm = ep_admissions_find(&a->adm, proto, port);
		const struct ep_admission *world = ep_admissions_find_world(&a->adm, proto, port);
		const struct ep_declared *dcl =
		    ep_declared_find(a->iface->decl, a->iface->ndecl, proto, port);
		struct ep_port_facts pf;
		struct ep_outcome o;

		if (state < 0) {
			vf->counts.unmeasured++; /* interrupted: no finding either way */
			continue;
		}
		pf.reach = adm == NULL                            ? EP_REACH_NONE
		           : path_ok(vf, a, proto, port, NULL, 0) ? EP_REACH_ADMITTED
		                                                  : EP_REACH_BLOCKED;
		pf.expect = expect_of(view, proto, port, dcl);
		pf.world = world != NULL;
		o = ep_judge_port(&pf, (enum ep_state)state);
		vf->counts.open_filtered += state == EP_STATE_OPEN_FILTERED;
		if (o.verdict == EP_VERDICT_UNCONFIRMED)
			vf->counts.unconfirmed++;
		if (o.verdict != EP_VERDICT_FINDING)
			continue;
		if (o.kind == EP_FINDING_LATENT_EXPOSURE)
			rc = latent_add(&ls, world ? world : adm, port, (enum ep_state)state,
			                o.severity);
		else
			rc = port_finding(vf, a, &o, &pf, proto, port, (enum ep_state)state,
			                  world ? world : adm, dcl, subj);
	}
	if (rc == 0)
		return latent_flush(vf, a, &ls, proto);
	for (size_t i = 0; i < ls.n; i++)
		free(ls.l[i].s);
	free(ls.l);
	return rc;
}

int ep_verify_compare(struct verify *vf, const struct vaddr *a, struct ep_intent_view *view)
{
	struct verify_subject subj;
	int rc = 0;

	ep_verify_subject_of(a, &subj);
	ep_intent_view(&vf->intent, &subj.s, vf->now, view);
	for (int k = 0; rc == 0 && k < EP_PROTO_COUNT; k++)
		rc = judge_proto(vf, a, view, &subj, (enum ep_proto)k);
	return rc;
}
