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

/* Is the group named "default" (the VPC's default group)?  The public
 * controls about it (checks.h) need to know. */
static int default_group(const struct vaddr *a, const struct ep_admission *x)
{
	for (size_t i = 0; x && i < a->iface->ngroups; i++)
		if (strcmp(a->iface->groups[i].id, x->why.sg_id) == 0 && a->iface->groups[i].sg)
			return strcmp(a->iface->groups[i].sg->name, "default") == 0;
	return 0;
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
	f.world = pf->world != 0;
	f.default_sg = (uint8_t)default_group(a, adm);
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

/* Adds lo-hi (above every port so far for this rule) in one state. */
static int latent_add(struct latents *ls, const struct ep_admission *rule, uint16_t lo, uint16_t hi,
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
	if (state == EP_STATE_CLOSED)
		l->closed += (uint32_t)(hi - lo + 1);
	else
		l->filtered += (uint32_t)(hi - lo + 1);
	if (l->n && (uint32_t)l->s[l->n - 1].hi + 1 == lo) {
		l->s[l->n - 1].hi = hi;
		return 0;
	}
	if (ep_array_reserve((void **)&l->s, &l->cap, l->n + 1, sizeof(*l->s)))
		return EP_ENOMEM;
	l->s[l->n].lo = lo;
	l->s[l->n].hi = hi;
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
			f.world = x->world != 0;
			f.default_sg = (uint8_t)default_group(a, x);
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

/* Ports where some fact may change: the facts are constant between two
 * consecutive breakpoints, so they are gathered once per interval, not per
 * port.  bp gets sorted, unique values in 1-65536. */
struct breaks {
	uint32_t *v;
	size_t n, cap;
};

static int add_break(struct breaks *b, uint32_t port)
{
	if (ep_array_reserve((void **)&b->v, &b->cap, b->n + 1, sizeof(*b->v)))
		return EP_ENOMEM;
	b->v[b->n++] = port;
	return 0;
}

static int by_u32(const void *pa, const void *pb)
{
	uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;

	return (x > y) - (x < y);
}

static int breakpoints(const struct vaddr *a, const struct ep_intent_view *view,
                       enum ep_proto proto, struct breaks *b)
{
	const struct ep_portset *ps = &a->ports[proto];
	const struct ep_nacl *acl = a->iface->acl;
	int iana = ep_proto_iana(proto);
	int rc = add_break(b, 1) || add_break(b, 65536);

	for (size_t i = 0; rc == 0 && i < a->adm.n; i++)
		if (ep_admission_covers(&a->adm.a[i], proto, a->adm.a[i].lo ? a->adm.a[i].lo : 1))
			rc = add_break(b, a->adm.a[i].lo) ||
			     add_break(b, (uint32_t)a->adm.a[i].hi + 1);
	for (size_t i = 0; rc == 0 && acl && i < acl->n; i++)
		if (!acl->e[i].egress && acl->e[i].proto == iana && acl->e[i].from >= 0)
			rc = add_break(b, (uint32_t)acl->e[i].from) ||
			     add_break(b, (uint32_t)acl->e[i].to + 1);
	for (size_t i = 0; rc == 0 && i < a->iface->ndecl; i++)
		if (a->iface->decl[i].proto == proto)
			rc = add_break(b, a->iface->decl[i].port) ||
			     add_break(b, (uint32_t)a->iface->decl[i].port + 1);
	for (uint32_t r = 0; rc == 0 && r < ps->nranges; r++)
		rc = add_break(b, ps->r[r].lo) || add_break(b, (uint32_t)ps->r[r].hi + 1);
	/* where any of the intent's bitmaps changes value */
	for (unsigned w = 0; rc == 0 && w < 1024; w++) {
		const uint64_t *m[4] = {view->p[proto].intended, view->p[proto].permitted,
		                        view->p[proto].deny, view->p[proto].expired};
		uint64_t x = 0;

		for (int k = 0; k < 4; k++)
			x |= m[k][w] ^ ((m[k][w] << 1) | (w ? m[k][w - 1] >> 63 : 0));
		while (rc == 0 && x) {
			rc = add_break(b, w * 64u + (unsigned)__builtin_ctzll(x));
			x &= x - 1;
		}
	}
	if (rc)
		return EP_ENOMEM; /* rc is the || of EP_ENOMEMs: 1 */
	qsort(b->v, b->n, sizeof(*b->v), by_u32);
	{
		size_t k = 0;

		for (size_t i = 0; i < b->n; i++)
			if (b->v[i] >= 1 && b->v[i] <= 65536 && (k == 0 || b->v[k - 1] != b->v[i]))
				b->v[k++] = b->v[i];
		b->n = k;
	}
	return 0;
}

/* One run of equal state inside an interval of equal facts. */
static int judge_run(struct verify *vf, const struct vaddr *a, const struct ep_intent_view *view,
                     const struct verify_subject *subj, enum ep_proto proto, struct latents *ls,
                     uint16_t lo, uint16_t hi, int state)
{
	const struct ep_admission *adm = ep_admissions_find(&a->adm, proto, lo);
	const struct ep_admission *world = ep_admissions_find_world(&a->adm, proto, lo);
	const struct ep_declared *dcl =
	    ep_declared_find(a->iface->decl, a->iface->ndecl, proto, lo);
	struct ep_port_facts pf;
	struct ep_outcome o;
	uint32_t n = (uint32_t)hi - lo + 1;
	int rc = 0;

	if (state < 0) {
		vf->counts.unmeasured += n; /* interrupted: no finding either way */
		return 0;
	}
	pf.reach = adm == NULL                          ? EP_REACH_NONE
	           : path_ok(vf, a, proto, lo, NULL, 0) ? EP_REACH_ADMITTED
	                                                : EP_REACH_BLOCKED;
	pf.expect = expect_of(view, proto, lo, dcl);
	pf.world = world != NULL;
	o = ep_judge_port(&pf, (enum ep_state)state);
	vf->counts.open_filtered += state == EP_STATE_OPEN_FILTERED ? n : 0;
	if (o.verdict == EP_VERDICT_UNCONFIRMED)
		vf->counts.unconfirmed += n;
	if (o.verdict != EP_VERDICT_FINDING)
		return 0;
	if (o.kind == EP_FINDING_LATENT_EXPOSURE)
		return latent_add(ls, world ? world : adm, lo, hi, (enum ep_state)state,
		                  o.severity);
	/* a finding of its own for every port (open ports are few) */
	for (uint32_t p = lo; rc == 0 && p <= hi; p++)
		rc = port_finding(vf, a, &o, &pf, proto, (uint16_t)p, (enum ep_state)state,
		                  world ? world : adm, dcl, subj);
	return rc;
}

/* Judges one protocol of one address: the facts once per interval between
 * breakpoints, the states in runs, so an address with 65535 admitted ports
 * costs a read of half a byte a port plus a handful of judgements. */
static int judge_proto(struct verify *vf, const struct vaddr *a, const struct ep_intent_view *view,
                       const struct verify_subject *subj, enum ep_proto proto)
{
	const struct ep_portset *ps = &a->ports[proto];
	const struct ep_portset *eps = &vf->states.a[a->state].ports[proto];
	struct latents ls = {0};
	struct breaks b = {0};
	int rc = ps->count ? breakpoints(a, view, proto, &b) : 0;

	for (size_t k = 0; rc == 0 && k + 1 < b.n; k++) {
		uint32_t lo = b.v[k], hi = b.v[k + 1] - 1;

		for (uint32_t r = 0; rc == 0 && r < ps->nranges; r++) {
			uint32_t from = ps->r[r].lo > lo ? ps->r[r].lo : lo;
			uint32_t to = ps->r[r].hi < hi ? ps->r[r].hi : hi;
			int64_t ix;

			if (from > to)
				continue;
			/* the state map's entry may hold more ports (one address on two
			 * interfaces): index in its own set */
			ix = ep_portset_index(eps, (uint16_t)from);
			if (ix < 0)
				continue; /* cannot be: the entry holds the union */
			/* eps holds every port of from-to: their positions are consecutive */
			for (uint32_t p = from; rc == 0 && p <= to;) {
				int st;
				uint32_t len =
				    ep_statemap_run(&vf->states, a->state, proto,
				                    (uint32_t)(ix + (p - from)), to - p + 1, &st);

				rc = judge_run(vf, a, view, subj, proto, &ls, (uint16_t)p,
				               (uint16_t)(p + len - 1), st);
				p += len;
			}
		}
	}
	free(b.v);
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
