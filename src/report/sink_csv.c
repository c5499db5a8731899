/* CSV sinks for spreadsheets: `csv` writes one row per probe result as it
 * arrives, `csv-findings` one row per verify finding; each file starts with
 * its header row.  RFC 4180: CRLF line ends, a field holding a comma, quote,
 * CR or LF is quoted with its quotes doubled.  Formula injection: a field
 * that starts with = + - @ TAB or CR (the strings come from AWS and from
 * banners) gets a leading apostrophe, which spreadsheets show as text; no
 * numeric field ecsprobe writes can start with one of those. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/checks.h"
#include "config/cidr.h"
#include "report/export.h"
#include "report/sink.h"

struct csv {
	struct ep_export x; /* first: ep_export_sink_flush/close take the state */
	const struct ep_scan_info *info;
	struct ep_tscache ts;
};

static const char result_header[] =
    "id,scan_id,ts,address,proto,port,state,reason,rtt_ms,attempts,probe\r\n";
static const char finding_header[] =
    "id,severity,kind,account,region,owner,address,interface,proto,ports,port_count,rule,"
    "controls,message,evidence,first_seen,last_seen,scan_id\r\n";

/* One field, quoted and guarded as the file's comment says; sep before it. */
static void field(struct ep_buf *b, const char *s, int first)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (!first)
		ep_buf_addc(b, ',');
	if (quote)
		ep_buf_addc(b, '"');
	if (s[0] && strchr("=+-@\t\r", s[0]))
		ep_buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			ep_buf_addc(b, '"');
		ep_buf_addc(b, *p);
	}
	if (quote)
		ep_buf_addc(b, '"');
}

static void fieldu(struct ep_buf *b, uint64_t v)
{
	ep_buf_addc(b, ',');
	ep_buf_addu(b, v);
}

static int csv_open_with(const struct ep_sink_args *a, void **state, struct ep_diag *d,
                         const char *name, const char *header)
{
	struct csv *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&c->x, name, a->dest, d);
	if (rc) {
		free(c);
		return rc;
	}
	c->info = a->info;
	ep_buf_adds(&c->x.buf, header);
	*state = c;
	return ep_export_end(&c->x);
}

static int csv_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return csv_open_with(a, state, d, "csv", result_header);
}

static int csv_findings_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return csv_open_with(a, state, d, "csv-findings", finding_header);
}

static int csv_result(void *state, const struct ep_result *r)
{
	struct csv *c = state;
	struct ep_buf *b = &c->x.buf;
	char id[17];

	ep_export_result_id(c->info->scan_id, r, id);
	field(b, id, 1);
	field(b, c->info->scan_id, 0);
	ep_buf_addc(b, ',');
	ep_export_ts(b, &c->ts, r->ts_ns, 6);
	ep_buf_addc(b, ',');
	ep_export_addr(b, &r->t.addr);
	field(b, ep_proto_name(r->t.proto), 0);
	fieldu(b, r->t.port);
	field(b, ep_state_name(r->state), 0);
	field(b, ep_reason_name(r->reason), 0);
	ep_buf_addc(b, ',');
	if (r->rtt_ns)
		ep_buf_addfixed(b, (r->rtt_ns + 500) / 1000, 3);
	fieldu(b, r->attempts);
	field(b, r->probe ? r->probe : "", 0);
	if (ep_buf_adds(b, "\r\n"))
		return EP_EIO;
	return ep_export_end(&c->x);
}

static int csv_finding(void *state, const struct ep_finding *f)
{
	struct csv *c = state;
	struct ep_buf *b = &c->x.buf;
	char ports[EP_FINDING_PORTS_LEN], controls[400] = "";
	unsigned bits = ep_checks_control_bits(f);
	size_t used = 0;

	for (size_t i = 0; i < ep_ncontrols; i++)
		if (bits & (1u << i)) {
			int k = snprintf(controls + used, sizeof(controls) - used, "%s%s",
			                 used ? " " : "", ep_controls[i].key);

			if (k > 0 && (size_t)k < sizeof(controls) - used)
				used += (size_t)k;
		}
	ep_finding_ports_text(f, ports, sizeof(ports));
	field(b, f->id, 1);
	field(b, ep_severity_name(f->severity), 0);
	field(b, ep_finding_kind_name(f->kind), 0);
	field(b, f->account, 0);
	field(b, f->region, 0);
	field(b, f->owner, 0);
	field(b, f->address, 0);
	field(b, f->interface, 0);
	field(b, ep_finding_proto_name(f), 0);
	field(b, ports, 0);
	fieldu(b, f->nports);
	field(b, f->rule, 0);
	field(b, controls, 0);
	field(b, f->message, 0);
	field(b, f->evidence, 0);
	field(b, f->first_seen, 0);
	field(b, f->last_seen, 0);
	field(b, c->info->scan_id, 0);
	if (ep_buf_adds(b, "\r\n"))
		return EP_EIO;
	return ep_export_end(&c->x);
}

const struct ep_sink_ops ep_sink_csv = {
    .name = "csv",
    .help = "CSV for spreadsheets (RFC 4180), one row per result as it arrives "
            "(csv:PATH, - for stdout)",
    .open = csv_open,
    .result = csv_result,
    .flush = ep_export_sink_flush,
    .close = ep_export_sink_close,
};

const struct ep_sink_ops ep_sink_csv_findings = {
    .name = "csv-findings",
    .help = "CSV for spreadsheets (RFC 4180), one row per verify finding "
            "(csv-findings:PATH, - for stdout)",
    .open = csv_findings_open,
    .finding = csv_finding,
    .flush = ep_export_sink_flush,
    .close = ep_export_sink_close,
};
