/* ASFF sink: verify's findings as a JSON array of AWS Security Finding Format
 * objects (asff.c), one per line, ready for `aws securityhub
 * batch-import-findings --findings file://PATH` (100 per call).  Probe
 * results are not findings and are left out. */

#include <stdlib.h>

#include "report/asff.h"
#include "report/export.h"
#include "report/sink.h"

struct asff {
	struct ep_export x;
	const struct ep_scan_info *info;
	uint64_t n;
	char now[40]; /* UpdatedAt: one time for the whole report */
};

static int as_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct asff *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&s->x, "asff", a->dest, d);
	if (rc) {
		free(s);
		return rc;
	}
	s->info = a->info;
	ep_buf_adds(&s->x.buf, "[");
	*state = s;
	return 0;
}

static int as_finding(void *state, const struct ep_finding *f)
{
	struct asff *s = state;
	int rc;

	if (s->now[0] == '\0')
		ep_time_format(ep_export_now_ns(), s->now, sizeof(s->now));
	ep_buf_adds(&s->x.buf, s->n++ ? ",\n" : "\n");
	rc = ep_asff_finding_buf(&s->x.buf, f, s->info->scan_id, s->now);
	if (rc)
		return rc;
	return ep_export_end(&s->x);
}

static int as_close(void *state, const struct ep_summary *sum)
{
	struct asff *s = state;
	int rc;

	(void)sum;
	if (s == NULL)
		return 0;
	ep_buf_adds(&s->x.buf, s->n ? "\n]\n" : "]\n");
	rc = ep_export_close(&s->x);
	free(s);
	return rc;
}

const struct ep_sink_ops ep_sink_asff = {
    .name = "asff",
    .help = "AWS Security Finding Format: a JSON array of findings for Security Hub "
            "BatchImportFindings, stable Ids (asff:PATH, - for stdout)",
    .open = as_open,
    .result = NULL,
    .finding = as_finding,
    .flush = ep_export_sink_flush,
    .close = as_close,
};
