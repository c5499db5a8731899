/* html sink: the HTML report (report/htmlreport.h) of this run, written
 * whole when the scan ends.  Memory: report/collect.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/checks.h"
#include "report/collect.h"
#include "report/htmlreport.h"
#include "report/sink.h"

#define MAX_HOSTS (1u << 20)

struct html {
	struct ep_export x;
	const struct ep_scan_info *info;
	struct ep_collect c;
};

static int html_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct html *h = calloc(1, sizeof(*h));
	int rc;

	if (h == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&h->x, "html", a->dest, d);
	if (rc) {
		free(h);
		return rc;
	}
	h->info = a->info;
	ep_collect_init(&h->c, MAX_HOSTS);
	*state = h;
	return 0;
}

static int html_result(void *state, const struct ep_result *r)
{
	struct html *h = state;

	return ep_collect_result(&h->c, r);
}

static int html_finding(void *state, const struct ep_finding *f)
{
	struct html *h = state;

	return ep_collect_finding(&h->c, f, ep_checks_control_bits(f));
}

static int html_close(void *state, const struct ep_summary *s)
{
	struct html *h = state;
	struct ep_html_meta m;
	int rc;

	memset(&m, 0, sizeof(m));
	snprintf(m.scan_id, sizeof(m.scan_id), "%s", h->info->scan_id);
	ep_time_format(h->info->started_ns, m.started, sizeof(m.started));
	snprintf(m.mode, sizeof(m.mode), "%s", h->info->mode);
	snprintf(m.version, sizeof(m.version), "%s", PACKAGE_VERSION);
	m.probes_total = h->info->probes_total;
	m.complete = s->complete != 0;
	rc = ep_html_report_write(&h->x, &m, &h->c);
	if (ep_export_close(&h->x))
		rc = EP_EIO;
	ep_collect_free(&h->c);
	free(h);
	return rc;
}

const struct ep_sink_ops ep_sink_html = {
    .name = "html",
    .help = "a self-contained HTML report at the end: findings by severity, a table per "
            "service, a picture of services x ports (html:PATH)",
    .open = html_open,
    .result = html_result,
    .finding = html_finding,
    .close = html_close,
};
