/* `ecsprobe plan`: security-group admission from a vantage, per address.
 * Prints a table (and with --targets-out, a targets file for `scan
 * --targets`); sends nothing. */
#include "plan_cmd.h"

#include "cmdutil.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "model/exposure.h"
#include "report/objects.h"

struct plan {
	struct ep_vantage v;
	FILE *targets;
	unsigned long addresses, probes[EP_PROTO_COUNT];
	const char *inventory, *targets_out;
};

enum { PLAN_INVENTORY = 1, PLAN_SOURCE, PLAN_VSG, PLAN_TARGETS_OUT };

static const struct ep_opt plan_opts[] = {
    {"inventory", 0, 1, PLAN_INVENTORY, "FILE",
     "a document written by 'ecsprobe inventory' (a path or s3://BUCKET/KEY)", "file"},
    {"source-ip", 0, 1, PLAN_SOURCE, "IP",
     "the address probes come from (IPv4 and/or IPv6; repeatable)", NULL},
    {"vantage-sg", 0, 1, PLAN_VSG, "SG",
     "a security group the prober holds (repeatable), so rules that reference it apply", NULL},
    {"targets-out", 0, 1, PLAN_TARGETS_OUT, "FILE",
     "also write 'ADDRESS PORTS' lines for 'scan --targets'", "file"},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct plan *pl = ctx;
	struct ep_addr a;

	switch (id) {
	case PLAN_INVENTORY:
		pl->inventory = val;
		return 0;
	case PLAN_SOURCE:
		if (ep_addr_parse(val, &a))
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "'%s' is not an IPv4 or IPv6 address", val);
		pl->v.src[a.family == 4 ? 0 : 1] = a;
		pl->v.has[a.family == 4 ? 0 : 1] = 1;
		return 0;
	case PLAN_VSG:
		if (pl->v.ngroups == 16)
			return ep_diag_set(d, EP_ERANGE, 0, 0, "at most 16 vantage groups");
		pl->v.groups[pl->v.ngroups++] = val;
		return 0;
	case PLAN_TARGETS_OUT:
		pl->targets_out = val;
		return 0;
	}
	return EP_EINVAL;
}

static const struct ep_optgroup plan_group = {"Plan", plan_opts,
                                              sizeof(plan_opts) / sizeof(plan_opts[0]), apply};

const struct ep_cmdline ep_plan_cmdline = {
    "plan",
    "--inventory FILE --source-ip IP|--vantage-sg SG [OPTIONS]",
    "Show what the security groups of every network interface in a saved inventory\n"
    "admit from where ecsprobe stands, per address, with the rule that admits it.\n"
    "Sends nothing.\n",
    NULL,
    {&plan_group, &ep_common_group, NULL},
    "Exit status: 0 done, 2 usage or input error, 3 out of memory or S3 error.\n",
};

/* Ports of proto admitted, merged, as a port spec ("22,80,8000-8100"),
 * built with word operations: an all-traffic rule costs ~1000 stores. */
static unsigned long admitted_spec(const struct ep_admissions *a, enum ep_proto proto,
                                   struct ep_buf *spec)
{
	uint64_t bm[1024]; /* 8 KiB of stack */
	struct ep_portset ps;
	unsigned long count;

	memset(bm, 0, sizeof(bm));
	for (size_t i = 0; i < a->n; i++) {
		const struct ep_admission *x = &a->a[i];

		if (ep_admission_covers(x, proto, x->lo ? x->lo : 1))
			ep_portbits_set(bm, x->lo ? x->lo : 1, x->hi);
	}
	if (ep_portset_from_bits(bm, &ps))
		return 0;
	for (uint32_t r = 0; r < ps.nranges; r++) {
		if (spec->len && spec->data[spec->len - 1] != ':')
			ep_buf_addc(spec, ',');
		if (ps.r[r].lo == ps.r[r].hi)
			ep_buf_printf(spec, "%u", ps.r[r].lo);
		else
			ep_buf_printf(spec, "%u-%u", ps.r[r].lo, ps.r[r].hi);
	}
	count = ps.count;
	ep_portset_free(&ps);
	return count;
}

static int plan_address(struct plan *pl, const struct ep_xiface *i, const struct ep_xaddr *xa)
{
	struct ep_admissions adm = {0};
	struct ep_buf spec[EP_PROTO_COUNT];
	unsigned long n[EP_PROTO_COUNT];
	int rc = ep_exposure_admissions(i, &pl->v, xa->addr.family, &adm);

	if (rc)
		return rc;
	pl->addresses++;
	for (int k = 0; k < EP_PROTO_COUNT; k++) {
		ep_buf_init(&spec[k], 1 << 20);
		ep_buf_adds(&spec[k], k == EP_PROTO_TCP ? "T:" : "U:");
		n[k] = admitted_spec(&adm, (enum ep_proto)k, &spec[k]);
		pl->probes[k] += n[k];
	}
	printf("%-14s %-12s %-24s %-28s %s\n", i->region->account, i->region->region, i->id,
	       xa->text, adm.n ? "" : "(nothing admitted)");
	for (size_t k = 0; k < adm.n; k++) {
		const struct ep_admission *x = &adm.a[k];
		char sg[128], why[1024];

		/* group ids and rule descriptions come from AWS: escaped */
		printf("%-14s %-12s %-24s %-28s %s%s rule %u: %s\n", "", "", "", "",
		       x->world ? "[world] " : "", ep_text_safe(x->why.sg_id, sg, sizeof(sg)),
		       x->why.index, ep_text_safe(x->why.text, why, sizeof(why)));
	}
	if (pl->targets && (n[0] || n[1]))
		fprintf(pl->targets, "%s %s%s%s\n", xa->text, n[0] ? spec[0].data : "",
		        n[0] && n[1] ? "," : "", n[1] ? spec[1].data : "");
	for (int k = 0; k < EP_PROTO_COUNT; k++)
		ep_buf_free(&spec[k]);
	ep_admissions_free(&adm);
	return 0;
}

static int plan_model(struct plan *pl, const struct ep_exposure *x)
{
	int rc = 0;

	printf("%-14s %-12s %-24s %-28s %s\n", "ACCOUNT", "REGION", "INTERFACE", "ADDRESS",
	       "ADMITTED FROM THE VANTAGE (group rule: protocol ports from source)");
	for (size_t i = 0; rc == 0 && i < x->nifaces; i++)
		for (size_t k = 0; rc == 0 && k < x->ifaces[i].naddrs; k++)
			rc = plan_address(pl, &x->ifaces[i], &x->ifaces[i].addrs[k]);
	return rc;
}

int ep_cmd_plan(int argc, char **argv)
{
	struct plan pl;
	struct ep_exposure model;
	struct ep_common_opts common = {0};
	struct ep_diag d = {0};
	void *ctx[] = {&pl, &common};
	const char *inv, *targets_out;
	struct ep_output tout;
	cJSON *doc;
	int npos, rc, status;

	memset(&pl, 0, sizeof(pl));
	status = ep_cmd_parse(&ep_plan_cmdline, ctx, &common, argc, argv, NULL, &npos);
	if (status >= 0)
		return status;
	inv = pl.inventory;
	targets_out = pl.targets_out;
	if (inv == NULL || (!pl.v.has[0] && !pl.v.has[1] && pl.v.ngroups == 0)) {
		fprintf(stderr, "ecsprobe: plan needs --inventory and a vantage (--source-ip or "
		                "--vantage-sg)\n");
		return 2;
	}
	doc = ep_cmd_load_inventory_status(inv, &status);
	if (doc == NULL)
		return status;
	rc = ep_exposure_build(&model, doc, &d);
	cJSON_Delete(doc);
	if (rc) {
		fprintf(stderr, "ecsprobe: plan: %s: %s\n", inv, d.msg);
		return rc == EP_ENOMEM ? 3 : 2;
	}
	if (targets_out) {
		/* as every file output: no symbolic link followed, s3:// allowed */
		if (ep_output_open(&tout, "--targets-out", targets_out, &d) == 0 &&
		    (pl.targets = fdopen(tout.fd, "w")) == NULL)
			ep_output_discard(&tout);
		if (pl.targets == NULL) {
			if (d.msg[0])
				fprintf(stderr, "ecsprobe: plan: %s\n", d.msg);
			else
				fprintf(stderr, "ecsprobe: plan: --targets-out %s: %s\n",
				        targets_out, strerror(errno));
			ep_exposure_free(&model);
			return 2;
		}
		tout.own_fd = 0; /* fclose closes it */
		fprintf(pl.targets, "# ecsprobe plan: ports the security groups admit\n");
	}
	rc = plan_model(&pl, &model);
	ep_exposure_free(&model);
	if (pl.targets) {
		int werr = ferror(pl.targets) ? errno : 0;

		if (fflush(pl.targets) && werr == 0)
			werr = errno;
		if (fclose(pl.targets) && werr == 0)
			werr = errno;
		if (ep_output_close(&tout, werr == 0) && werr == 0)
			werr = EIO;
		if (werr) {
			fprintf(stderr, "ecsprobe: plan: --targets-out %s: write failed: %s\n",
			        targets_out, strerror(werr));
			return 2;
		}
	}
	printf("\nPlan: %lu addresses, %lu TCP and %lu UDP probes that a security-group rule "
	       "admits (%.0f s at the default 1000 probes/s)\n",
	       pl.addresses, pl.probes[EP_PROTO_TCP], pl.probes[EP_PROTO_UDP],
	       (double)(pl.probes[EP_PROTO_TCP] + pl.probes[EP_PROTO_UDP]) / 1000.0);
	if (rc)
		fprintf(stderr, "ecsprobe: plan: out of memory\n");
	if (rc == 0 && ep_stdout_check("plan"))
		return 2;
	return rc ? 3 : 0;
}
