/* `ecsprobe verify`: from a saved inventory and a vantage, probe what the
 * security groups admit, what ECS and the load balancers declare, and a list
 * of commonly exposed ports; then report every difference as a finding:
 *   unexpected_open       open, admitted, and nothing declares it
 *   unexplained_open      open although no rule admits the vantage
 *   declared_unreachable  declared and admitted, but closed or filtered
 *   latent_exposure       a rule admits undeclared ports that are closed today
 * Exit 0 clean, 1 findings at or above --fail-on, 2 usage, 4 scan incomplete. */
#include "verify_cmd.h"

#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "aws/inventory.h"
#include "base/http.h"
#include "base/buf.h"
#include "compare/findings.h"
#include "config/options.h"
#include "model/declared.h"
#include "model/intent.h"
#include "model/nacl.h"
#include "model/routes.h"
#include "model/invtargets.h"
#include "model/reach.h"
#include "results/store.h"
#include "scan.h"

/* Ports commonly left open by accident (databases, caches, admin consoles,
 * remote access); probed on every address in addition to what is admitted
 * or declared.  The same list, commented, ships as data/extra-ports.txt
 * (a test keeps the two equal). */
#define DEFAULT_EXTRA_PORTS                                                                        \
	"21,22,23,25,53,80,110,111,135,139,143,389,443,445,993,995,1433,1521,2049,2375,2376,2379," \
	"3000,3306,3389,4369,5000,5432,5601,5672,5900,5984,6379,6443,7001,8000,8080,8081,8443,"    \
	"8888,9000,9042,9090,9092,9200,9300,10250,11211,15672,27017"

const char ep_verify_usage[] =
    "Usage: ecsprobe verify [--inventory FILE] [--source-ip IP] [OPTIONS]\n"
    "\n"
    "Probe every address of every network interface in a saved inventory on the\n"
    "ports its security groups admit from here, the ports ECS tasks and load\n"
    "balancers declare, and commonly exposed ports; report what differs.\n"
    "\n"
    "      --inventory FILE    a document written by 'ecsprobe inventory'; without it the\n"
    "                          inventory is pulled now (--profile, --regions, --endpoint-url\n"
    "                          and the AWS_* variables as for 'ecsprobe inventory')\n"
    "      --cluster NAME      only the interfaces of this ECS cluster...\n"
    "      --service NAME      ...and service (its tasks, and its bridge/host bindings)\n"
    "      --source-ip IP      where probes come from, for rule evaluation (repeatable:\n"
    "                          one IPv4 and/or one IPv6); default: the source address\n"
    "                          the routing table picks (give your public address when\n"
    "                          you are behind NAT); addresses of a family without a\n"
    "                          source are not probed\n"
    "      --vantage-sg SG     a security group the prober holds (repeatable)\n"
    "      --vantage external|auto|sg-...  external (default): only address rules\n"
    "                          apply; sg-...: as --vantage-sg; auto: on an EC2 bastion,\n"
    "                          its instance metadata (IMDSv2) names the instance, whose\n"
    "                          interfaces' groups and private address become the vantage\n"
    "      --extra-ports SPEC  also probe these TCP ports everywhere (default: a list of\n"
    "                          commonly exposed ports; '' for none)\n"
    "                          (@FILE: a list like data/extra-ports.txt)\n"
    "      --all-ports         probe 1-65535 everywhere\n"
    "      --intent FILE       the intent policy (data/intent.example.json): allow and\n"
    "                          deny rules, and exceptions that expire\n"
    "      --wait-stable SECS  before probing, wait up to SECS for the service's deployment to\n"
    "                          settle (one deployment, all tasks running); exit 4 if not\n"
    "      --baseline FILE     a previous run's NDJSON output: findings get first_seen and\n"
    "                          last_seen, and new and gone ones are counted\n"
    "      --fail-on SEV       exit 1 for findings of this severity or worse: low,\n"
    "                          medium, high (default), critical\n"
    "      --exclude CIDR      never probe these addresses (repeatable)\n"
    "      --rate, --timeout, --retries, --max-inflight, --threads, --max-probes\n"
    "                          as for scan\n"
    "  -o, --output FMT:DEST   ndjson:PATH writes every probe result and every finding\n"
    "  -q, --quiet             print only findings at or above --fail-on\n"
    "Under GitHub Actions (GITHUB_ACTIONS=true) findings also print as ::error\n"
    "(at or above --fail-on) and ::warning annotations.\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,\n"
    "3 AWS/inventory error, 4 scan incomplete or interrupted.\n";

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

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Results arrive on the scan's worker threads, serialised by the pool. */
static void on_result(void *arg, const struct ep_result *r)
{
	struct verify *vf = arg;

	ep_store_put(&vf->store, r);
}

/* The stable owner of an interface: the service of the task on it (not the
 * task or its address, which churn), the load balancer, or the interface. */
static void owner_of(const struct ep_declared_set *d, const cJSON *eni, char *out, size_t len)
{
	const char *o = ep_declared_owner_of(d, str(eni, "networkInterfaceId"));
	const char *slash;

	if (o[0] && strncmp(o, "lb/", 3) != 0 && (slash = strrchr(o, '/')) != NULL)
		snprintf(out, len, "%.*s", (int)(slash - o), o); /* cluster/service */
	else if (o[0])
		snprintf(out, len, "%s", o);
	else
		snprintf(out, len, "%s", str(eni, "networkInterfaceId"));
}

static int is_public(const cJSON *eni, const char *ip)
{
	const cJSON *it;
	const char *pub = str(cJSON_GetObjectItemCaseSensitive(eni, "association"), "publicIp");

	if (strchr(ip, ':'))
		return 1; /* IPv6 addresses in a VPC are global */
	if (pub && strcmp(pub, ip) == 0)
		return 1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(eni, "privateIpAddressesSet"))
	{
		pub = str(cJSON_GetObjectItemCaseSensitive(it, "association"), "publicIp");
		if (pub && strcmp(pub, ip) == 0)
			return 1;
	}
	return 0;
}

/* What the intent can match on for interface eni of region reg. */
static void describe_subject(struct vaddr *a, const cJSON *reg, const cJSON *eni)
{
	const cJSON *cluster;
	const cJSON *task = ep_declared_task_of(reg, str(eni, "networkInterfaceId"), &cluster);
	const char *s;

	a->eni_obj = eni;
	a->routes = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "ec2"),
	                                             "route_tables");
	a->acls = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "ec2"),
	                                           "network_acls");
	snprintf(a->subnet, sizeof(a->subnet), "%s",
	         str(eni, "subnetId") ? str(eni, "subnetId") : "");
	snprintf(a->vpc, sizeof(a->vpc), "%s", str(eni, "vpcId") ? str(eni, "vpcId") : "");
	a->groups = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reg, "ec2"),
	                                             "security_groups");
	s = str(eni, "interfaceType");
	snprintf(a->itype, sizeof(a->itype), "%s", s ? s : "");
	if (task == NULL)
		return;
	s = str(cluster, "clusterArn");
	snprintf(a->cluster, sizeof(a->cluster), "%s",
	         s && strrchr(s, '/') ? strrchr(s, '/') + 1 : "");
	s = str(task, "group");
	if (s && strncmp(s, "service:", 8) == 0) {
		const cJSON *svc;

		snprintf(a->service, sizeof(a->service), "%s", s + 8);
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(cluster, "services"))
		{
			const char *name = str(svc, "serviceName");

			if (name && strcmp(name, a->service) == 0)
				a->service_obj = svc;
		}
	}
	s = str(task, "taskDefinitionArn");
	if (s && strrchr(s, '/'))
		snprintf(a->family, sizeof(a->family), "%.*s",
		         (int)strcspn(strrchr(s, '/') + 1, ":"), strrchr(s, '/') + 1);
}

static void subject_of(const struct vaddr *a, struct ep_intent_subject *s)
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
	snprintf(a->eni, sizeof(a->eni), "%s", str(eni, "networkInterfaceId"));
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
		subject_of(a, &subj);
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

static int build(struct verify *vf, const cJSON *doc, struct ep_target_list *tl)
{
	const cJSON *acct, *reg, *eni, *ip;
	int rc = 0;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	{
		const char *aid = str(acct, "account_id") ? str(acct, "account_id") : "?";
		const char *rname = str(reg, "region") ? str(reg, "region") : "?";

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
					                 str(ip, "privateIpAddress"));
				if (rc == 0)
					rc = add_address(
					    vf, tl, aid, rname, reg, eni,
					    str(cJSON_GetObjectItemCaseSensitive(ip, "association"),
					        "publicIp"));
			}
			cJSON_ArrayForEach(
			    ip, cJSON_GetObjectItemCaseSensitive(eni, "ipv6AddressesSet"))
			{
				if (rc == 0)
					rc = add_address(vf, tl, aid, rname, reg, eni,
					                 str(ip, "ipv6Address"));
			}
		}
	}
	return rc;
}

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
	f.proto = 6;
	f.lo = lo;
	f.hi = hi;
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

static void compare_address(struct verify *vf, const struct vaddr *a, struct ep_intent_view *view)
{
	const struct ep_declared_set *decl = &vf->decl[a->region_index];
	struct ep_intent_subject subj;
	char ev[1024], msg[512], why[512];

	subject_of(a, &subj);
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

static cJSON *load(const char *path)
{
	struct ep_diag d = {0};
	char line[600];
	cJSON *doc;

	if (ep_inventory_read(path, &doc, &d) == 0)
		return doc;
	ep_diag_format(&d, line, sizeof(line));
	fprintf(stderr, "ecsprobe: %s\n", line);
	return NULL;
}

/* --baseline: a previous verify's NDJSON; finding id -> first_seen.  Lines
 * that are not findings are skipped unparsed. */
static int load_baseline(const char *path, cJSON **out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;

	*out = cJSON_CreateObject();
	if (f == NULL) {
		fprintf(stderr, "ecsprobe: --baseline %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *j;
		const char *id, *first, *ts;

		lineno++;
		if (strstr(line, "\"type\":\"finding\"") == NULL)
			continue;
		j = cJSON_ParseWithLength(line, (size_t)n);
		id = str(j, "id");
		first = str(j, "first_seen");
		ts = str(j, "last_seen");
		if (j == NULL || id == NULL) {
			fprintf(stderr, "ecsprobe: %s:%u: not a finding record\n", path, lineno);
			cJSON_Delete(j);
			free(line);
			fclose(f);
			return -1;
		}
		if (!cJSON_GetObjectItemCaseSensitive(*out, id))
			cJSON_AddStringToObject(*out, id, first ? first : ts ? ts : "");
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return 0;
}

/* first seen: as the baseline says, or now; new and gone are counted */
static void apply_baseline(struct verify *vf, const cJSON *baseline, const char *path)
{
	char now_text[40];
	size_t gone = 0, fresh = 0;
	const cJSON *it;

	ep_time_format((uint64_t)vf->now * 1000000000u, now_text, sizeof(now_text));
	for (size_t i = 0; i < vf->findings.n; i++) {
		struct ep_finding *f = &vf->findings.f[i];
		const char *first = str(baseline, f->id);

		fresh += first == NULL;
		snprintf(f->first_seen, sizeof(f->first_seen), "%s",
		         first && *first ? first : now_text);
		snprintf(f->last_seen, sizeof(f->last_seen), "%s", now_text);
	}
	cJSON_ArrayForEach(it, baseline)
	{
		size_t k;

		for (k = 0; k < vf->findings.n; k++)
			if (strcmp(vf->findings.f[k].id, it->string) == 0)
				break;
		gone += k == vf->findings.n;
	}
	printf("baseline %s: %zu new finding%s, %zu gone\n", path, fresh, fresh == 1 ? "" : "s",
	       gone);
}

/* The source address the kernel would use towards addr: a UDP socket's
 * connect() only consults the routing table, it sends nothing. */
static int route_source(const char *addr, struct ep_addr *out)
{
	struct ep_addr a;
	struct sockaddr_storage ss, me;
	socklen_t len = sizeof(me);
	int fd, rc = -1;

	if (ep_addr_parse(addr, &a))
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (a.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, a.b, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, a.b, 16);
	}
	fd = socket(a.family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss,
	            a.family == 4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ==
	        0 &&
	    getsockname(fd, (struct sockaddr *)&me, &len) == 0) {
		memset(out, 0, sizeof(*out));
		out->family = a.family;
		if (a.family == 4)
			memcpy(out->b, &((struct sockaddr_in *)&me)->sin_addr, 4);
		else
			memcpy(out->b, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
		rc = 0;
	}
	close(fd);
	return rc;
}

/* No --source-ip: take, per family, the source the routing table picks
 * towards the first interface address of that family. */
static void detect_sources(const cJSON *doc, struct ep_vantage *v)
{
	const cJSON *acct, *reg, *eni, *ip;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	        cJSON_ArrayForEach(
	            eni, cJSON_GetObjectItemCaseSensitive(
	                     cJSON_GetObjectItemCaseSensitive(reg, "ec2"), "network_interfaces"))
	{
		const char *cand[2] = {str(eni, "privateIpAddress"), NULL};

		cJSON_ArrayForEach(ip, cJSON_GetObjectItemCaseSensitive(
		                           eni, "ipv6AddressesSet")) if (cand[1] == NULL) cand[1] =
		    str(ip, "ipv6Address");
		for (int f = 0; f < 2; f++) {
			char text[EP_ADDRSTRLEN];

			if (v->has[f] || cand[f] == NULL || route_source(cand[f], &v->src[f]))
				continue;
			v->has[f] = 1;
			fprintf(stderr,
			        "ecsprobe: verify: vantage source %s (the routing table's choice; "
			        "behind "
			        "NAT give --source-ip)\n",
			        ep_addr_format(&v->src[f], text, sizeof(text)));
		}
	}
}

/* --wait-stable: is every matching service in a steady state?  One
 * PRIMARY deployment (rolloutState COMPLETED when ECS reports it) and as many
 * tasks running as desired.  why gets the first one that is not. */
static int services_steady(const cJSON *doc, const char *cluster, const char *service, char *why,
                           size_t len)
{
	const cJSON *acct, *reg, *cl, *svc, *dep;
	int found = 0;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	        cJSON_ArrayForEach(cl,
	                           cJSON_GetObjectItemCaseSensitive(
	                               cJSON_GetObjectItemCaseSensitive(reg, "ecs"), "clusters"))
	{
		const char *carn = str(cl, "clusterArn");
		const char *cname = carn && strrchr(carn, '/') ? strrchr(carn, '/') + 1 : "";

		if (cluster && strcmp(cluster, cname) != 0)
			continue;
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(cl, "services"))
		{
			const char *name = str(svc, "serviceName");
			const cJSON *run = cJSON_GetObjectItemCaseSensitive(svc, "runningCount");
			const cJSON *want = cJSON_GetObjectItemCaseSensitive(svc, "desiredCount");
			int deployments = 0, rolling = 0;

			if (name == NULL || (service && strcmp(service, name) != 0))
				continue;
			found = 1;
			cJSON_ArrayForEach(dep,
			                   cJSON_GetObjectItemCaseSensitive(svc, "deployments"))
			{
				const char *rs = str(dep, "rolloutState");

				deployments++;
				rolling |= rs && strcmp(rs, "COMPLETED") != 0;
			}
			if (deployments > 1 || rolling ||
			    (cJSON_IsNumber(run) && cJSON_IsNumber(want) &&
			     run->valueint != want->valueint)) {
				snprintf(why, len,
				         "service %s/%s: %d of %d tasks running, %d deployment%s%s",
				         cname, name, cJSON_IsNumber(run) ? run->valueint : -1,
				         cJSON_IsNumber(want) ? want->valueint : -1, deployments,
				         deployments == 1 ? "" : "s",
				         rolling ? ", rollout in progress" : "");
				return 0;
			}
		}
	}
	if (!found) {
		snprintf(why, len, "no service %s%s%s in the inventory", cluster ? cluster : "",
		         cluster ? "/" : "", service ? service : "");
		return 0;
	}
	return 1;
}

/* ---- --vantage auto: an EC2 bastion asks its instance metadata (IMDSv2) ---- */

struct imds {
	char base[256], token[256], value[256];
	int step, failed;
};

static void on_imds(void *arg, const struct ep_http_response *r)
{
	struct imds *m = arg;

	if (r->status != 200 || r->body_len >= sizeof(m->value)) {
		m->failed = 1;
		return;
	}
	snprintf(m->step == 0 ? m->token : m->value, sizeof(m->value), "%.*s", (int)r->body_len,
	         r->body);
}

/* One IMDSv2 GET (after the token PUT); value gets the body. */
static int imds_get(struct imds *m, const char *path)
{
	uv_loop_t loop;
	struct ep_http *h;
	struct ep_http_request req;
	char url[512], hdr[320];
	const char *hdrs[2] = {hdr, NULL};

	if (uv_loop_init(&loop) || ep_http_new(&h, &loop))
		return -1;
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	req.timeout_ms = 2000;
	if (m->token[0] == '\0') {
		m->step = 0;
		snprintf(url, sizeof(url), "%s/latest/api/token", m->base);
		snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token-ttl-seconds: 300");
		req.method = "PUT";
		req.url = url;
		if (ep_http_start(h, &req, on_imds, m) == 0)
			uv_run(&loop, UV_RUN_DEFAULT);
	}
	m->step = 1;
	snprintf(url, sizeof(url), "%s/latest/meta-data/%s", m->base, path);
	snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", m->token);
	req.method = "GET";
	req.url = url;
	if (!m->failed && ep_http_start(h, &req, on_imds, m) == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	ep_http_close(h, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return m->failed ? -1 : 0;
}

/* The bastion's own groups (from its interfaces in the inventory) and, unless
 * --source-ip was given, its private address. */
static int vantage_auto(const cJSON *doc, struct ep_vantage *v, char groups[][32])
{
	struct imds m;
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const cJSON *acct, *reg, *eni, *g;
	char iid[256];

	memset(&m, 0, sizeof(m));
	if (getenv("AWS_EC2_METADATA_DISABLED") &&
	    strcmp(getenv("AWS_EC2_METADATA_DISABLED"), "true") == 0) {
		fprintf(stderr, "ecsprobe: --vantage auto: instance metadata is disabled\n");
		return -1;
	}
	snprintf(m.base, sizeof(m.base), "%s", ep && *ep ? ep : "http://169.254.169.254");
	if (m.base[0] && m.base[strlen(m.base) - 1] == '/')
		m.base[strlen(m.base) - 1] = '\0';
	if (imds_get(&m, "instance-id")) {
		fprintf(stderr,
		        "ecsprobe: --vantage auto: no instance metadata at %s (not on EC2?)\n",
		        m.base);
		return -1;
	}
	snprintf(iid, sizeof(iid), "%s", m.value);
	if (!v->has[0] && imds_get(&m, "local-ipv4") == 0 &&
	    ep_addr_parse(m.value, &v->src[0]) == 0)
		v->has[0] = 1;
	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	        cJSON_ArrayForEach(
	            eni, cJSON_GetObjectItemCaseSensitive(
	                     cJSON_GetObjectItemCaseSensitive(reg, "ec2"), "network_interfaces"))
	{
		const char *inst =
		    str(cJSON_GetObjectItemCaseSensitive(eni, "attachment"), "instanceId");

		if (inst == NULL || strcmp(inst, iid) != 0)
			continue;
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(eni, "groupSet"))
		{
			const char *id = str(g, "groupId");

			if (id && v->ngroups < 16) {
				snprintf(groups[v->ngroups], 32, "%s", id);
				v->groups[v->ngroups] = groups[v->ngroups];
				v->ngroups++;
			}
		}
	}
	fprintf(stderr, "ecsprobe: verify: vantage: instance %s, %d security group%s\n", iid,
	        v->ngroups, v->ngroups == 1 ? "" : "s");
	return 0;
}

/* --extra-ports @FILE: ports or ranges one per line, '#' comments, joined
 * into a port spec.  The caller frees it. */
static char *read_port_list(const char *path)
{
	FILE *f = fopen(path, "r");
	struct ep_buf b;
	char line[256];

	if (f == NULL) {
		fprintf(stderr, "ecsprobe: --extra-ports @%s: %s\n", path, strerror(errno));
		return NULL;
	}
	ep_buf_init(&b, 1 << 20);
	ep_buf_adds(&b, "");
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		size_t n;

		p[strcspn(p, "#\r\n")] = '\0';
		n = strcspn(p, " \t");
		if (n == 0)
			continue;
		if (b.len)
			ep_buf_addc(&b, ',');
		ep_buf_add(&b, p, n);
	}
	fclose(f);
	return b.data; /* owned by the caller now */
}

struct pulled {
	cJSON *doc;
	int rc;
};

static void on_pulled(void *arg, int rc, cJSON *doc, const char *err)
{
	struct pulled *p = arg;

	p->doc = doc;
	p->rc = rc;
	if (rc && err && *err)
		fprintf(stderr, "ecsprobe: inventory: %s\n", err);
}

/* No --inventory: pull it now (same options as `ecsprobe inventory`).  A
 * partial pull still verifies what it has, but the exit status says 3. */
static cJSON *pull_live(struct ep_inventory_opts *o, int *status)
{
	struct pulled p = {NULL, 0};
	uv_loop_t loop;

	o->aws.timeout_ms = 30000;
	if (uv_loop_init(&loop)) {
		*status = 3;
		return NULL;
	}
	if (ep_inventory_pull(&loop, o, on_pulled, &p) == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (p.doc == NULL || p.rc)
		*status = 3;
	return p.doc;
}

static void verify_free(struct verify *vf)
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

int ep_cmd_verify(int argc, char **argv)
{
	static const struct option extra_opts[] = {
	    {"inventory", required_argument, NULL, 1},
	    {"source-ip", required_argument, NULL, 2},
	    {"vantage-sg", required_argument, NULL, 3},
	    {"extra-ports", required_argument, NULL, 4},
	    {"fail-on", required_argument, NULL, 5},
	    {"intent", required_argument, NULL, 6},
	    {"cluster", required_argument, NULL, 7},
	    {"service", required_argument, NULL, 8},
	    {"profile", required_argument, NULL, 9},
	    {"regions", required_argument, NULL, 10},
	    {"region", required_argument, NULL, 10},
	    {"endpoint-url", required_argument, NULL, 11},
	    {"baseline", required_argument, NULL, 12},
	    {"wait-stable", required_argument, NULL, 13},
	    {"vantage", required_argument, NULL, 14},
	    {"all-ports", no_argument, NULL, 15},
	};
	struct verify vf;
	struct ep_config cfg;
	struct ep_targets targets;
	struct ep_summary sum;
	struct ep_diag d = {0};
	enum ep_severity fail_on = EP_SEV_HIGH;
	const char *inv = NULL, *extra = DEFAULT_EXTRA_PORTS, *intent_path = NULL;
	const char *baseline_path = NULL;
	char *extra_text = NULL;
	int auto_vantage = 0;
	char auto_groups[16][32];
	long wait_stable = 0;
	cJSON *baseline = NULL;
	struct ep_inventory_opts pull;
	char **scan_argv = calloc((size_t)argc + 2, sizeof(char *));
	char scan_id[40];
	int scan_argc = 0, status = 2, failing = 0, rc, pull_status = 0;
	cJSON *doc = NULL;

	memset(&vf, 0, sizeof(vf));
	memset(&targets, 0, sizeof(targets));
	memset(&pull, 0, sizeof(pull));
	if (scan_argv == NULL)
		return 3;
	/* verify's own options first; the rest are scan options (rate, outputs...) */
	scan_argv[scan_argc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		size_t k;
		int matched = 0;

		if (strcmp(argv[i], "--all-ports") == 0) {
			extra = "1-65535"; /* every port, everywhere */
			continue;
		}
		for (k = 0; k < sizeof(extra_opts) / sizeof(extra_opts[0]); k++) {
			size_t len = strlen(extra_opts[k].name);

			if (strncmp(argv[i], "--", 2) == 0 &&
			    strncmp(argv[i] + 2, extra_opts[k].name, len) == 0 &&
			    (argv[i][2 + len] == '\0' || argv[i][2 + len] == '=')) {
				const char *val = argv[i][2 + len] == '='
				                      ? argv[i] + 3 + len
				                      : (i + 1 < argc ? argv[++i] : NULL);
				struct ep_addr a;

				matched = 1;
				if (val == NULL) {
					fprintf(stderr, "ecsprobe: option '--%s' needs a value\n",
					        extra_opts[k].name);
					goto out;
				}
				switch (extra_opts[k].val) {
				case 1:
					inv = val;
					break;
				case 2:
					if (ep_addr_parse(val, &a)) {
						fprintf(
						    stderr,
						    "ecsprobe: --source-ip '%s': not an address\n",
						    val);
						goto out;
					}
					vf.v.src[a.family == 4 ? 0 : 1] = a;
					vf.v.has[a.family == 4 ? 0 : 1] = 1;
					break;
				case 3:
					if (vf.v.ngroups < 16)
						vf.v.groups[vf.v.ngroups++] = val;
					break;
				case 4:
					extra = val;
					break;
				case 6:
					intent_path = val;
					break;
				case 7:
					vf.cluster = val;
					break;
				case 8:
					vf.service = val;
					break;
				case 9:
					pull.profile = val;
					break;
				case 10:
					pull.regions = val;
					break;
				case 11:
					pull.aws.endpoint_url = val;
					break;
				case 12:
					baseline_path = val;
					break;
				case 14:
					if (strcmp(val, "auto") == 0) {
						auto_vantage = 1;
					} else if (strncmp(val, "sg-", 3) == 0) {
						if (vf.v.ngroups < 16)
							vf.v.groups[vf.v.ngroups++] = val;
					} else if (strcmp(val, "external") != 0) {
						fprintf(stderr,
						        "ecsprobe: --vantage '%s': external, auto "
						        "or sg-...\n",
						        val);
						goto out;
					}
					break;
				case 13: {
					char *end;

					wait_stable = strtol(val, &end, 10);
					if (*val == '\0' || *end || wait_stable < 1 ||
					    wait_stable > 3600) {
						fprintf(stderr,
						        "ecsprobe: --wait-stable '%s': seconds, "
						        "1-3600\n",
						        val);
						goto out;
					}
					break;
				}
				case 5:
					if (ep_severity_parse(val, &fail_on)) {
						fprintf(stderr,
						        "ecsprobe: --fail-on '%s': low, medium, "
						        "high or critical\n",
						        val);
						goto out;
					}
					break;
				}
				break;
			}
		}
		if (!matched)
			scan_argv[scan_argc++] = argv[i];
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(ep_verify_usage, stdout);
		status = 0;
		goto out;
	}
	vf.now = (int64_t)time(NULL);
	if (getenv("ECSPROBE_NOW")) /* tests pin the clock that decides exception expiry */
		vf.now = (int64_t)strtoll(getenv("ECSPROBE_NOW"), NULL, 10);
	if (intent_path && ep_intent_load(&vf.intent, intent_path, vf.now, &d)) {
		char line[600];

		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: %s\n", line);
		goto out;
	}
	memset(&d, 0, sizeof(d));
	if (baseline_path && load_baseline(baseline_path, &baseline))
		goto out;
	if (wait_stable && (inv || vf.service == NULL)) {
		fprintf(stderr, "ecsprobe: --wait-stable needs --service and a live pull (no "
		                "--inventory)\n");
		goto out;
	}

	if (extra[0] == '@') {
		extra_text = read_port_list(extra + 1);
		if (extra_text == NULL)
			goto out;
		extra = extra_text;
	}
	if (*extra) {
		struct ep_portset sets[EP_PROTO_COUNT];

		if (ep_portspec_parse(extra, sets, &d)) {
			fprintf(stderr, "ecsprobe: --extra-ports: %s\n", d.msg);
			goto out;
		}
		vf.extra = sets[EP_PROTO_TCP];
		ep_portset_free(&sets[EP_PROTO_UDP]);
	}
	/* scan options: a placeholder target keeps the parser happy, then goes */
	scan_argv[scan_argc++] = "127.0.0.1";
	rc = ep_config_parse(&cfg, scan_argc, scan_argv, &d);
	if (rc) {
		char line[600];

		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: %s\n", line);
		ep_config_free(&cfg);
		goto out;
	}
	ep_target_list_free(&cfg.targets);
	if (cfg.noutputs == 0)
		cfg.quiet = 1; /* the findings are the report; no port table */
	doc = inv ? load(inv) : pull_live(&pull, &pull_status);
	if (doc && wait_stable > 0) {
		/* right after a deploy: wait for the service to settle before probing */
		uint64_t deadline = uv_hrtime() + (uint64_t)wait_stable * 1000000000u;
		char why[400];

		while (!services_steady(doc, vf.cluster, vf.service, why, sizeof(why))) {
			if (uv_hrtime() >= deadline) {
				fprintf(stderr, "ecsprobe: verify: not steady after %ld s: %s\n",
				        wait_stable, why);
				ep_config_free(&cfg);
				status = 4;
				goto out;
			}
			fprintf(stderr, "ecsprobe: verify: waiting for a steady state: %s\n", why);
			sleep(5);
			cJSON_Delete(doc);
			doc = pull_live(&pull, &pull_status);
			if (doc == NULL)
				break;
		}
	}
	if (doc == NULL) {
		ep_config_free(&cfg);
		status = inv ? 2 : 3;
		goto out;
	}
	if (auto_vantage && vantage_auto(doc, &vf.v, auto_groups)) {
		ep_config_free(&cfg);
		status = 2;
		goto out;
	}
	if (!vf.v.has[0] && !vf.v.has[1])
		detect_sources(doc, &vf.v);
	rc = build(&vf, doc, &cfg.targets);
	if (rc == 0 && vf.n == 0) {
		fprintf(stderr, "ecsprobe: verify: no address to probe (no interface of a family "
		                "that --source-ip covers)\n");
		rc = EP_ESCOPE;
	}
	if (rc == 0)
		rc = ep_targets_build(&targets, &cfg.targets, NULL, &cfg.exclude,
		                      1u << EP_PROTO_TCP, &d);
	if (rc == 0 && targets.total > cfg.max_probes) {
		fprintf(stderr, "ecsprobe: verify: %llu probes exceed --max-probes %llu\n",
		        (unsigned long long)targets.total, (unsigned long long)cfg.max_probes);
		rc = EP_ESCOPE;
	}
	if (rc == 0)
		rc = ep_store_init(&vf.store, targets.total);
	if (rc) {
		if (d.msg[0])
			fprintf(stderr, "ecsprobe: verify: %s\n", d.msg);
		ep_targets_free(&targets);
		ep_config_free(&cfg);
		goto out;
	}
	fprintf(stderr, "ecsprobe: verify: %zu addresses, %llu probes\n", vf.n,
	        (unsigned long long)targets.total);
	if (cfg.dry_run) {
		/* the plan only: what would be probed where, nothing sent */
		for (size_t i = 0; i < vf.n; i++) {
			char spec[512];

			ep_portset_format(&vf.a[i].ports, spec, sizeof(spec));
			printf("%-28s %-24s tcp %s%s\n", vf.a[i].text, vf.a[i].eni, spec,
			       strlen(spec) == sizeof(spec) - 1 ? "..." : "");
		}
		printf("verify: dry run, nothing sent: %zu addresses, %llu probes\n", vf.n,
		       (unsigned long long)targets.total);
		ep_targets_free(&targets);
		ep_config_free(&cfg);
		status = 0;
		goto out;
	}
	status = ep_scan_targets(&cfg, &targets, on_result, &vf, &sum, scan_id, sizeof(scan_id));
	ep_targets_free(&targets);
	{
		struct ep_intent_view *view = malloc(sizeof(*view));

		for (size_t i = 0; view && i < vf.n; i++)
			compare_address(&vf, &vf.a[i], view);
		free(view);
	}
	ep_findings_sort(&vf.findings);
	if (baseline)
		apply_baseline(&vf, baseline, baseline_path);
	for (size_t i = 0; i < vf.findings.n; i++) {
		const char *gha = getenv("GITHUB_ACTIONS");

		if (!cfg.quiet || vf.findings.f[i].severity >= fail_on)
			ep_finding_print(stdout, &vf.findings.f[i]);
		/* in a GitHub Actions job, findings also become annotations */
		if (gha && strcmp(gha, "true") == 0)
			ep_finding_github(stdout, &vf.findings.f[i],
			                  vf.findings.f[i].severity >= fail_on);
		failing += vf.findings.f[i].severity >= fail_on;
	}
	for (int i = 0; i < cfg.noutputs; i++)
		if (strncmp(cfg.outputs[i], "ndjson:", 7) == 0 &&
		    strcmp(cfg.outputs[i] + 7, "-") != 0) {
			FILE *f = fopen(cfg.outputs[i] + 7, "a");

			for (size_t k = 0; f && k < vf.findings.n; k++)
				ep_finding_json(f, &vf.findings.f[k], scan_id);
			if (f)
				fclose(f);
		}
	printf("verify: %zu finding%s (%d at or above %s); %llu probes, %llu open\n", vf.findings.n,
	       vf.findings.n == 1 ? "" : "s", failing, ep_severity_name(fail_on),
	       (unsigned long long)sum.results, (unsigned long long)sum.counts[EP_STATE_OPEN]);
	if (status == 0)
		status = failing ? 1 : 0;
	if (pull_status == 3 && status != 4)
		status = 3; /* the inventory was incomplete: say so over the findings */
	ep_config_free(&cfg);
out:
	cJSON_Delete(doc);
	cJSON_Delete(baseline);
	free(extra_text);
	verify_free(&vf);
	free(scan_argv);
	return status;
}
