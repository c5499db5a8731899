/* The HTML report: one self-contained page (inline CSS, inline SVG, no
 * script, no fetch of anything) from what report/collect.h gathered:
 * findings by severity with their evidence, a table per account, cluster and
 * service, and a picture of services x ports coloured by what is declared,
 * admitted and observed.  Every string is HTML-escaped (they come from AWS).
 * Used by the html sink (-o html:PATH) and `ecsprobe report`. */
#ifndef EP_HTMLREPORT_H
#define EP_HTMLREPORT_H

#include <stdint.h>

#include "report/collect.h"
#include "report/export.h"

/* What the page says about the run. */
struct ep_html_meta {
	char scan_id[64];
	char started[40]; /* RFC 3339, or "" */
	char mode[24];
	char version[32]; /* of the ecsprobe that measured */
	uint64_t probes_total;
	int complete; /* -1 unknown (no summary record) */
};

/* Writes the page into x (whole records through ep_export_end); sorts c's
 * open ports.  0, or EP_EIO/EP_ENOMEM. */
int ep_html_report_write(struct ep_export *x, const struct ep_html_meta *m, struct ep_collect *c);

/* s with & < > " ' as entities, appended to b. */
int ep_html_escape(struct ep_buf *b, const char *s);

#endif
