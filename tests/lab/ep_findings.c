/*
 * ep_findings - writes a fixed set of findings through ecsprobe's outputs,
 * for the format checkers (tests/e2e/formats.sh): verify's lab findings are
 * one port range each, so this is where the checkers see findings with
 * several ranges.
 *
 * usage: ep_findings SPEC...      (SPEC as -o takes it: "ocsf:PATH", ...)
 *
 * The findings: a UDP latent exposure of two ranges with its rule, one UDP
 * port, a TCP range on IPv6, and a TCP latent exposure of the most ranges a
 * finding holds (EP_FINDING_MAX_RANGES) with first/last seen.  Exit status
 * 0, or 1 when an output failed.
 */
#include <stdio.h>
#include <string.h>

#include "compare/findings.h"
#include "report/sink.h"

static void common(struct ep_finding *f, enum ep_finding_kind k, enum ep_severity s,
                   const char *owner, const char *addr, enum ep_proto p)
{
	memset(f, 0, sizeof(*f));
	f->kind = k;
	f->severity = s;
	f->proto = p;
	snprintf(f->account, sizeof(f->account), "111122223333");
	snprintf(f->region, sizeof(f->region), "us-east-1");
	snprintf(f->interface, sizeof(f->interface), "eni-0123456789abcdef0");
	snprintf(f->owner, sizeof(f->owner), "%s", owner);
	snprintf(f->address, sizeof(f->address), "%s", addr);
	snprintf(f->message, sizeof(f->message), "%s",
	         k == EP_FINDING_LATENT_EXPOSURE ? "admitted by a rule, closed or filtered today"
	                                         : "open, and nothing declares it");
	snprintf(f->evidence, sizeof(f->evidence), "security group sg-0aaa rule 2 admits it");
}

int main(int argc, char **argv)
{
	struct ep_finding f[4];
	struct ep_scan_info info;
	struct ep_summary sum;
	struct ep_sinks s;
	struct ep_diag d;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: ep_findings SPEC...\n");
		return 2;
	}
	common(&f[0], EP_FINDING_LATENT_EXPOSURE, EP_SEV_MEDIUM, "prod/api/app", "10.0.0.7",
	       EP_PROTO_UDP);
	ep_finding_add_range(&f[0], 7000, 7002);
	ep_finding_add_range(&f[0], 7004, 7010);
	snprintf(f[0].rule, sizeof(f[0].rule), "sg-0aaa#2");
	common(&f[1], EP_FINDING_UNEXPECTED_OPEN, EP_SEV_HIGH, "lb/front", "10.0.0.8",
	       EP_PROTO_UDP);
	ep_finding_set_ports(&f[1], 53, 53);
	common(&f[2], EP_FINDING_DECLARED_UNREACHABLE, EP_SEV_LOW, "eni-0123456789abcdef0",
	       "fd00:ec5::2", EP_PROTO_TCP);
	ep_finding_set_ports(&f[2], 8400, 8499);
	common(&f[3], EP_FINDING_LATENT_EXPOSURE, EP_SEV_CRITICAL, "prod/web", "fd00:ec5::3",
	       EP_PROTO_TCP);
	for (unsigned i = 0; i < EP_FINDING_MAX_RANGES; i++)
		ep_finding_add_range(&f[3], (uint16_t)(30000 + 1000 * i),
		                     (uint16_t)(30500 + 1000 * i));
	snprintf(f[3].rule, sizeof(f[3].rule), "sg-0bbb#1");
	snprintf(f[3].first_seen, sizeof(f[3].first_seen), "2026-01-01T00:00:00.000000Z");
	snprintf(f[3].last_seen, sizeof(f[3].last_seen), "2026-02-01T00:00:00.000000Z");
	for (int i = 0; i < 4; i++)
		ep_finding_make_id(&f[i]);

	memset(&info, 0, sizeof(info));
	memset(&s, 0, sizeof(s));
	memset(&sum, 0, sizeof(sum));
	snprintf(info.scan_id, sizeof(info.scan_id), "00000000-0000-4000-8000-00000000f1d5");
	snprintf(info.mode, sizeof(info.mode), "connect");
	info.started_ns = 1700000000000000000ULL;
	for (int i = 1; i < argc; i++) {
		memset(&d, 0, sizeof(d));
		if (ep_sinks_open(&s, argv[i], &info, &d)) {
			fprintf(stderr, "ep_findings: %s: %s\n", argv[i], d.msg);
			return 2;
		}
	}
	for (int i = 0; i < 4; i++)
		ep_sinks_finding(&s, &f[i]);
	sum.info = &info;
	sum.complete = 1;
	rc = ep_sinks_close(&s, &sum);
	return rc ? 1 : 0;
}
