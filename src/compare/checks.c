/* The catalogue of checks (checks.h): one table of kinds, one of controls,
 * and the rule that says which controls a finding meets. */
#include "compare/checks.h"

#include <string.h>

#include "base/buf.h"
#include "compare/judge.h"

/* AWS Security Hub's list for EC2.19 ("ports with high risk"). */
static const uint16_t high_risk[] = {20,   21,   22,   23,   25,   110,  135,  143,
                                     445,  1433, 1434, 3000, 3306, 3389, 4333, 5000,
                                     5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300};
/* CIS: "remote server administration ports", SSH and RDP. */
static const uint16_t admin[] = {22, 3389};

#define FSBP "AWS Foundational Security Best Practices v1.0.0"
#define CIS  "CIS AWS Foundations Benchmark v3.0.0"
#define N(a) a, sizeof(a) / sizeof(a[0])

const struct ep_control ep_controls[] = {
    {"aws-fsbp/EC2.18", FSBP, "EC2.18",
     "Security groups should only allow unrestricted incoming traffic for authorized ports",
     EP_WHEN_WORLD, 0, NULL, 0,
     "a world-open rule admits a port nothing declares or intends (ecsprobe's "
     "authorized ports are the declared and intended ones)"},
    {"aws-fsbp/EC2.19", FSBP, "EC2.19",
     "Security groups should not allow unrestricted access to ports with high risk",
     EP_WHEN_WORLD_PORTS, 0, N(high_risk),
     "a world-open rule admits one of 20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, "
     "3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300"},
    {"aws-fsbp/EC2.2", FSBP, "EC2.2",
     "VPC default security groups should not allow inbound or outbound traffic", EP_WHEN_DEFAULT_SG,
     0, NULL, 0, "the deciding rule belongs to a group named \"default\""},
    {"cis-aws-3.0.0/5.2", CIS, "5.2",
     "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration "
     "ports",
     EP_WHEN_WORLD_PORTS, 4, N(admin), "0.0.0.0/0 admits port 22 or 3389 of an IPv4 address"},
    {"cis-aws-3.0.0/5.3", CIS, "5.3",
     "Ensure no security groups allow ingress from ::/0 to remote server administration ports",
     EP_WHEN_WORLD_PORTS, 6, N(admin), "::/0 admits port 22 or 3389 of an IPv6 address"},
    {"cis-aws-3.0.0/5.4", CIS, "5.4",
     "Ensure the default security group of every VPC restricts all traffic", EP_WHEN_DEFAULT_SG, 0,
     NULL, 0, "the deciding rule belongs to a group named \"default\""},
};
const size_t ep_ncontrols = sizeof(ep_controls) / sizeof(ep_controls[0]);

/* every control is about a security-group rule admitting what nothing uses */
#define RULE_CONTROLS 0x3fu

const struct ep_check ep_checks[] = {
    {EP_FINDING_UNEXPECTED_OPEN,
     "A port answers although no task port mapping, load-balancer listener or intent "
     "declares it, or the intent denies it.",
     "Stop the listener, or declare the port (port mapping, listener or intent allow) if it "
     "is meant to be reachable; narrow the security-group rule that exposes it.",
     RULE_CONTROLS},
    {EP_FINDING_UNEXPLAINED_OPEN,
     "A port answers although no security-group rule admits the probing vantage: the "
     "inventory is stale or another path reaches it.",
     "Refresh the inventory (ecsprobe inventory) and look for the path that admits the "
     "vantage: another security group, a NACL, a peering or a public address.",
     0},
    {EP_FINDING_DECLARED_UNREACHABLE,
     "A declared or intended port that the security groups admit does not answer.",
     "Check the service's tasks and health checks, or remove the declaration if the port "
     "was retired.",
     0},
    {EP_FINDING_LATENT_EXPOSURE,
     "A security-group rule admits ports that nothing declares; they are closed today but "
     "open to whatever starts listening on them.",
     "Narrow the security-group rule to the ports that are declared.", RULE_CONTROLS},
};
const size_t ep_nchecks = sizeof(ep_checks) / sizeof(ep_checks[0]);

_Static_assert(sizeof(ep_controls) / sizeof(ep_controls[0]) <= 32, "controls fit a bit set");

const struct ep_check *ep_check_of(enum ep_finding_kind k)
{
	for (size_t i = 0; i < ep_nchecks; i++)
		if (ep_checks[i].kind == k)
			return &ep_checks[i];
	return NULL;
}

void ep_check_severity_text(enum ep_finding_kind k, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < ep_judge_rows; i++) {
		const struct ep_judge_row *r = &ep_judge_table[i];

		if (r->verdict != EP_VERDICT_FINDING || r->kind != k)
			continue;
		if (r->raised != r->severity)
			snprintf(out, len,
			         "%s; %s if a world-open rule admits it or the intent denies it",
			         ep_severity_name(r->severity), ep_severity_name(r->raised));
		else
			snprintf(out, len, "%s", ep_severity_name(r->severity));
		return;
	}
}

static int ports_meet(const struct ep_finding *f, const struct ep_control *c)
{
	for (unsigned i = 0; i < f->nranges; i++)
		for (size_t j = 0; j < c->nports; j++)
			if (c->ports[j] >= f->ranges[i].lo && c->ports[j] <= f->ranges[i].hi)
				return 1;
	return 0;
}

static int meets(const struct ep_finding *f, const struct ep_control *c)
{
	int family = strchr(f->address, ':') ? 6 : 4;

	if (c->family && c->family != family)
		return 0;
	switch (c->when) {
	case EP_WHEN_WORLD:
		return f->world;
	case EP_WHEN_WORLD_PORTS:
		return f->world && ports_meet(f, c);
	case EP_WHEN_DEFAULT_SG:
		return f->default_sg;
	}
	return 0;
}

unsigned ep_checks_control_bits(const struct ep_finding *f)
{
	const struct ep_check *k = ep_check_of(f->kind);
	unsigned bits = 0;

	for (size_t i = 0; k && i < ep_ncontrols; i++)
		if ((k->controls & (1u << i)) && meets(f, &ep_controls[i]))
			bits |= 1u << i;
	return bits;
}

size_t ep_checks_controls(const struct ep_finding *f, unsigned *out, size_t max)
{
	unsigned bits = ep_checks_control_bits(f);
	size_t n = 0;

	for (unsigned i = 0; i < ep_ncontrols && n < max; i++)
		if (bits & (1u << i))
			out[n++] = i;
	return n;
}

int ep_control_find(const char *key)
{
	for (size_t i = 0; i < ep_ncontrols; i++)
		if (strcmp(ep_controls[i].key, key) == 0)
			return (int)i;
	return -1;
}

static void print_text(FILE *out)
{
	char sev[160];

	for (size_t i = 0; i < ep_nchecks; i++) {
		const struct ep_check *k = &ep_checks[i];

		ep_check_severity_text(k->kind, sev, sizeof(sev));
		fprintf(out, "%s\n  severity: %s\n  means:    %s\n  fix:      %s\n  controls:",
		        ep_finding_kind_name(k->kind), sev, k->meaning, k->fix);
		if (k->controls == 0)
			fputs(" none (not about a security-group rule)\n", out);
		else
			fputc('\n', out);
		for (size_t c = 0; c < ep_ncontrols; c++)
			if (k->controls & (1u << c))
				fprintf(out, "    %-18s %s %s: %s\n      when %s\n",
				        ep_controls[c].key, ep_controls[c].standard,
				        ep_controls[c].id, ep_controls[c].title,
				        ep_controls[c].applies);
		fputc('\n', out);
	}
}

static void json_controls(struct ep_buf *b, unsigned bits)
{
	const char *sep = "";

	ep_buf_adds(b, "[");
	for (size_t c = 0; c < ep_ncontrols; c++)
		if (bits & (1u << c)) {
			ep_buf_adds(b, sep);
			ep_buf_json_str(b, ep_controls[c].key);
			sep = ",";
		}
	ep_buf_adds(b, "]");
}

static int print_json(FILE *out)
{
	struct ep_buf b;
	char sev[160];
	int rc;

	ep_buf_init(&b, 1 << 20);
	ep_buf_adds(&b, "{\"checks\":[");
	for (size_t i = 0; i < ep_nchecks; i++) {
		const struct ep_check *k = &ep_checks[i];

		ep_check_severity_text(k->kind, sev, sizeof(sev));
		ep_buf_adds(&b, i ? ",{\"kind\":" : "{\"kind\":");
		ep_buf_json_str(&b, ep_finding_kind_name(k->kind));
		ep_buf_adds(&b, ",\"severity\":");
		ep_buf_json_str(&b, sev);
		ep_buf_adds(&b, ",\"meaning\":");
		ep_buf_json_str(&b, k->meaning);
		ep_buf_adds(&b, ",\"fix\":");
		ep_buf_json_str(&b, k->fix);
		ep_buf_adds(&b, ",\"controls\":");
		json_controls(&b, k->controls);
		ep_buf_adds(&b, "}");
	}
	ep_buf_adds(&b, "],\"controls\":[");
	for (size_t c = 0; c < ep_ncontrols; c++) {
		const struct ep_control *x = &ep_controls[c];

		ep_buf_adds(&b, c ? ",{\"key\":" : "{\"key\":");
		ep_buf_json_str(&b, x->key);
		ep_buf_adds(&b, ",\"standard\":");
		ep_buf_json_str(&b, x->standard);
		ep_buf_adds(&b, ",\"id\":");
		ep_buf_json_str(&b, x->id);
		ep_buf_adds(&b, ",\"title\":");
		ep_buf_json_str(&b, x->title);
		ep_buf_adds(&b, ",\"when\":");
		ep_buf_json_str(&b, x->applies);
		ep_buf_adds(&b, "}");
	}
	rc = ep_buf_adds(&b, "]}\n");
	if (rc == 0 && b.data)
		fputs(b.data, out);
	ep_buf_free(&b);
	return rc;
}

/* Markdown cells: "|" escaped. */
static void md(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void print_markdown(FILE *out)
{
	char sev[160];

	fputs("| finding | severity | what it means | how to fix it | controls |\n"
	      "|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < ep_nchecks; i++) {
		const struct ep_check *k = &ep_checks[i];
		const char *sep = "";

		ep_check_severity_text(k->kind, sev, sizeof(sev));
		fprintf(out, "| `%s` | %s | ", ep_finding_kind_name(k->kind), sev);
		md(out, k->meaning);
		fputs(" | ", out);
		md(out, k->fix);
		fputs(" | ", out);
		for (size_t c = 0; c < ep_ncontrols; c++)
			if (k->controls & (1u << c)) {
				fprintf(out, "%s%s", sep, ep_controls[c].key);
				sep = ", ";
			}
		fputs(*sep ? " |\n" : "none |\n", out);
	}
	fputs("\n| control | standard | title | a finding meets it when |\n|---|---|---|---|\n",
	      out);
	for (size_t c = 0; c < ep_ncontrols; c++) {
		fprintf(out, "| `%s` | %s | ", ep_controls[c].key, ep_controls[c].standard);
		md(out, ep_controls[c].title);
		fputs(" | ", out);
		md(out, ep_controls[c].applies);
		fputs(" |\n", out);
	}
}

int ep_checks_print(FILE *out, enum ep_checks_format fmt)
{
	switch (fmt) {
	case EP_CHECKS_TEXT:
		print_text(out);
		return 0;
	case EP_CHECKS_JSON:
		return print_json(out);
	case EP_CHECKS_MARKDOWN:
		print_markdown(out);
		return 0;
	}
	return 0;
}
