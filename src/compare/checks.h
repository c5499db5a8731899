/* The catalogue of checks: every finding kind with what it means, how to
 * fix it, and the public controls it maps to (AWS Foundational Security Best
 * Practices, CIS AWS Foundations Benchmark v3.0.0).  One table of data
 * (checks.c): `ecsprobe checks` prints it, the OCSF and ASFF outputs put the
 * controls a finding meets in their compliance fields.  Read-only; any
 * thread. */
#ifndef EP_CHECKS_H
#define EP_CHECKS_H

#include <stddef.h>
#include <stdio.h>

#include "compare/findings.h"

/* When a control applies to a finding of a kind that may meet it. */
enum ep_control_when {
	EP_WHEN_WORLD,       /* a world-open rule (0.0.0.0/0, ::/0) admits the ports */
	EP_WHEN_WORLD_PORTS, /* ... and they include one of the control's ports */
	EP_WHEN_DEFAULT_SG   /* the deciding rule belongs to the VPC's default group */
};

struct ep_control {
	const char *key;      /* stable: "aws-fsbp/EC2.19" */
	const char *standard; /* "AWS Foundational Security Best Practices v1.0.0" */
	const char *id;       /* "EC2.19" */
	const char *title;    /* the control's own title */
	enum ep_control_when when;
	int family;            /* 4 or 6: only for addresses of that family; 0 any */
	const uint16_t *ports; /* EP_WHEN_WORLD_PORTS: ascending, nports of them */
	size_t nports;
	const char *applies; /* when, in words */
};

struct ep_check {
	enum ep_finding_kind kind;
	const char *meaning;
	const char *fix;
	unsigned controls; /* bits: indexes into ep_controls[] a finding may meet */
};

extern const struct ep_control ep_controls[];
extern const size_t ep_ncontrols;
extern const struct ep_check ep_checks[];
extern const size_t ep_nchecks;

const struct ep_check *ep_check_of(enum ep_finding_kind k);
/* The kind's severity rule in words, from the judge's table ("high;
 * critical if a world-open rule admits it or the intent denies it"). */
void ep_check_severity_text(enum ep_finding_kind k, char *out, size_t len);

/* The controls this finding meets (fails), in catalogue order: their
 * indexes into ep_controls[] in out (at most max); returns how many. */
size_t ep_checks_controls(const struct ep_finding *f, unsigned *out, size_t max);
/* The same as a bit set of ep_controls[] indexes. */
unsigned ep_checks_control_bits(const struct ep_finding *f);
/* The index of the control with this key, or -1. */
int ep_control_find(const char *key);

enum ep_checks_format { EP_CHECKS_TEXT, EP_CHECKS_JSON, EP_CHECKS_MARKDOWN };
/* The catalogue for people (text), programs (one JSON document) or the
 * README (Markdown). */
int ep_checks_print(FILE *out, enum ep_checks_format fmt);

#endif
