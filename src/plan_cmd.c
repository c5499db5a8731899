/* `ecsprobe plan`: security-group admission from a vantage, per address.
 * Prints a table (and with --targets-out, a targets file for `scan
 * --targets`); sends nothing. */
#include "plan_cmd.h"

#include "cmdutil.h"

#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "model/invtargets.h"
#include "model/reach.h"
#include "base/json.h"

const char ep_plan_usage[] =
    "Usage: ecsprobe plan --inventory FILE (--source-ip IP | --vantage-sg SG)... [OPTIONS]\n"
    "\n"
    "Show what the security groups of every network interface in a saved inventory\n"
    "admit from where ecsprobe stands, per address, with the rule that admits it.\n"
    "Sends nothing.\n"
    "\n"
    "      --inventory FILE    a document written by 'ecsprobe inventory'\n"
    "      --source-ip IP      the address probes come from (IPv4 and/or IPv6; repeatable)\n"
    "      --vantage-sg SG     a security group the prober holds (repeatable), so rules\n"
    "                          that reference it apply\n"
    "      --targets-out FILE  also write 'ADDRESS PORTS' lines for 'scan --targets'\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 done, 2 usage or input error.\n";

enum { OPT_INVENTORY = 256, OPT_SOURCE, OPT_VSG, OPT_TARGETS_OUT };

static const struct option long_opts[] = {
    {"inventory", required_argument, NULL, OPT_INVENTORY},
    {"source-ip", required_argument, NULL, OPT_SOURCE},
    {"vantage-sg", required_argument, NULL, OPT_VSG},
    {"targets-out", required_argument, NULL, OPT_TARGETS_OUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct plan {
	struct ep_vantage v;
	FILE *targets;
	unsigned long addresses, probes;
};

/* TCP ports admitted, merged, as a port spec ("22,80,8000-8100"). */
static unsigned long tcp_spec(const struct ep_admissions *a, struct ep_buf *spec)
{
	static const int tcp = 6;
	unsigned long count = 0;
	int in = 0;
	unsigned start = 0;

	for (unsigned p = 1; p <= 65536; p++) {
		int yes = p <= 65535 && ep_admissions_find(a, tcp, (uint16_t)p) != NULL;

		if (yes && !in) {
			in = 1;
			start = p;
		} else if (!yes && in) {
			in = 0;
			count += p - start;
			if (spec->len)
				ep_buf_addc(spec, ',');
			if (p - 1 == start)
				ep_buf_printf(spec, "%u", start);
			else
				ep_buf_printf(spec, "%u-%u", start, p - 1);
		}
	}
	return count;
}

static int plan_address(struct plan *pl, const char *acct, const char *region, const cJSON *eni,
                        const cJSON *groups, const cJSON *prefix_lists, const char *addr)
{
	struct ep_addr a;
	struct ep_admissions adm = {0};
	struct ep_diag d = {0};
	struct ep_buf spec;
	unsigned long n;
	int rc;

	if (ep_addr_parse(addr, &a))
		return 0;
	rc = ep_reach_interface(eni, groups, prefix_lists, &pl->v, a.family, &adm, &d);
	if (rc) {
		fprintf(stderr, "ecsprobe: %s %s %s: %s\n", acct, region,
		        ep_json_str(eni, "networkInterfaceId"), d.msg);
		return rc;
	}
	pl->addresses++;
	ep_buf_init(&spec, 1 << 20);
	n = tcp_spec(&adm, &spec);
	pl->probes += n;
	printf("%-14s %-12s %-24s %-28s %s\n", acct, region, ep_json_str(eni, "networkInterfaceId"),
	       addr, adm.n ? "" : "(nothing admitted)");
	for (size_t i = 0; i < adm.n; i++) {
		const struct ep_admission *x = &adm.a[i];

		printf("%-14s %-12s %-24s %-28s %s%s rule %u: %s\n", "", "", "", "",
		       x->world ? "[world] " : "", x->why.sg_id, x->why.index, x->why.text);
	}
	if (pl->targets && n)
		fprintf(pl->targets, "%s T:%s\n", addr, spec.data);
	ep_buf_free(&spec);
	ep_admissions_free(&adm);
	return 0;
}

static int plan_doc(struct plan *pl, const cJSON *doc)
{
	const cJSON *acct, *reg, *eni, *ip;
	int rc = 0;

	printf("%-14s %-12s %-24s %-28s %s\n", "ACCOUNT", "REGION", "INTERFACE", "ADDRESS",
	       "ADMITTED FROM THE VANTAGE (group rule: protocol ports from source)");
	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	{
		const cJSON *ec2 = cJSON_GetObjectItemCaseSensitive(reg, "ec2");
		const cJSON *groups = cJSON_GetObjectItemCaseSensitive(ec2, "security_groups");
		const cJSON *pls = cJSON_GetObjectItemCaseSensitive(ec2, "prefix_lists");
		const char *aid = ep_json_str(acct, "account_id");
		const char *rname = ep_json_str(reg, "region");

		cJSON_ArrayForEach(eni, cJSON_GetObjectItemCaseSensitive(ec2, "network_interfaces"))
		{
			cJSON_ArrayForEach(
			    ip, cJSON_GetObjectItemCaseSensitive(eni, "privateIpAddressesSet"))
			{
				const char *priv = ep_json_str(ip, "privateIpAddress");
				const char *pub =
				    ep_json_str(cJSON_GetObjectItemCaseSensitive(ip, "association"),
				                "publicIp");

				if (rc == 0 && priv)
					rc = plan_address(pl, aid ? aid : "?", rname ? rname : "?",
					                  eni, groups, pls, priv);
				if (rc == 0 && pub)
					rc = plan_address(pl, aid ? aid : "?", rname ? rname : "?",
					                  eni, groups, pls, pub);
			}
			cJSON_ArrayForEach(
			    ip, cJSON_GetObjectItemCaseSensitive(eni, "ipv6AddressesSet"))
			{
				const char *v6 = ep_json_str(ip, "ipv6Address");

				if (rc == 0 && v6)
					rc = plan_address(pl, aid ? aid : "?", rname ? rname : "?",
					                  eni, groups, pls, v6);
			}
		}
	}
	return rc;
}

int ep_cmd_plan(int argc, char **argv)
{
	struct plan pl;
	const char *inv = NULL, *targets_out = NULL;
	cJSON *doc;
	int opt, rc;

	memset(&pl, 0, sizeof(pl));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_INVENTORY:
			inv = optarg;
			break;
		case OPT_SOURCE: {
			struct ep_addr a;

			if (ep_addr_parse(optarg, &a)) {
				fprintf(stderr,
				        "ecsprobe: --source-ip '%s': not an IPv4 or IPv6 address\n",
				        optarg);
				return 2;
			}
			pl.v.src[a.family == 4 ? 0 : 1] = a;
			pl.v.has[a.family == 4 ? 0 : 1] = 1;
			break;
		}
		case OPT_VSG:
			if (pl.v.ngroups == 16) {
				fprintf(stderr, "ecsprobe: at most 16 --vantage-sg\n");
				return 2;
			}
			pl.v.groups[pl.v.ngroups++] = optarg;
			break;
		case OPT_TARGETS_OUT:
			targets_out = optarg;
			break;
		case 'h':
			fputs(ep_plan_usage, stdout);
			return 0;
		default:
			return ep_cmd_bad_option(opt, argv, "plan");
		}
	}
	if (inv == NULL || (!pl.v.has[0] && !pl.v.has[1] && pl.v.ngroups == 0)) {
		fprintf(stderr, "ecsprobe: plan needs --inventory and a vantage (--source-ip or "
		                "--vantage-sg)\n");
		return 2;
	}
	doc = ep_cmd_load_inventory(inv);
	if (doc == NULL)
		return 2;
	if (targets_out) {
		pl.targets = fopen(targets_out, "w");
		if (pl.targets == NULL) {
			fprintf(stderr, "ecsprobe: %s: %s\n", targets_out, strerror(errno));
			cJSON_Delete(doc);
			return 2;
		}
		fprintf(pl.targets, "# ecsprobe plan: TCP ports the security groups admit\n");
	}
	rc = plan_doc(&pl, doc);
	cJSON_Delete(doc);
	if (pl.targets && fclose(pl.targets))
		rc = EP_EIO;
	printf("\nPlan: %lu addresses, %lu TCP probes that a security-group rule admits "
	       "(%.0f s at the default 1000 probes/s)\n",
	       pl.addresses, pl.probes, (double)pl.probes / 1000.0);
	return rc ? 2 : 0;
}
