/* ArcSight CEF sink: one "CEF:0|ecsprobe|ecsprobe|VERSION|ID|NAME|SEV|ext"
 * line per result and per finding, escaped per the CEF spec (export.c);
 * no syslog header (a collector or the syslog output adds one). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/findings.h"
#include "config/cidr.h"
#include "report/export.h"
#include "report/sink.h"

#define CEF_HEAD "CEF:0|ecsprobe|ecsprobe|"

struct cef {
	struct ep_export x;
	const struct ep_scan_info *info;
	struct ep_result_ids ids;
};

static int cef_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct cef *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&c->x, "cef", a->dest, d);
	if (rc) {
		free(c);
		return rc;
	}
	c->info = a->info;
	ep_result_ids_init(&c->ids, a->info->scan_id);
	*state = c;
	return 0;
}

/* Per state: signature id, name and severity (an open port is Low, the
 * rest informational). */
static const char *const heads[EP_PROTO_COUNT][EP_STATE_COUNT] = {
    {
        [EP_STATE_OPEN] = "port-open|tcp port open|3|",
        [EP_STATE_CLOSED] = "port-closed|tcp port closed|0|",
        [EP_STATE_FILTERED] = "port-filtered|tcp port filtered|1|",
        [EP_STATE_OPEN_FILTERED] = "port-open-filtered|tcp port open or filtered|1|",
    },
    {
        [EP_STATE_OPEN] = "port-open|udp port open|3|",
        [EP_STATE_CLOSED] = "port-closed|udp port closed|0|",
        [EP_STATE_FILTERED] = "port-filtered|udp port filtered|1|",
        [EP_STATE_OPEN_FILTERED] = "port-open-filtered|udp port open or filtered|1|",
    },
};

static void dst(struct ep_buf *b, const struct ep_addr *a)
{
	/* CEF:0 dst is IPv4; IPv6 goes to the custom IPv6 address 3 */
	if (a->family == 6)
		EP_ADDL(b, "c6a3Label=Destination IPv6 Address c6a3=");
	else
		EP_ADDL(b, "dst=");
	ep_export_addr(b, a);
}

/* The hot path: no printf; only the probe name needs escaping. */
static int cef_result(void *state, const struct ep_result *r)
{
	struct cef *c = state;
	struct ep_buf *b = &c->x.buf;
	char id[17];

	ep_result_ids_make(&c->ids, r, id);
	ep_buf_adds(b, CEF_HEAD PACKAGE_VERSION "|");
	ep_buf_adds(b, heads[r->t.proto == EP_PROTO_UDP][r->state]);
	EP_ADDL(b, "rt=");
	ep_buf_addu(b, r->ts_ns / 1000000u);
	EP_ADDL(b, " externalId=");
	ep_buf_adds(b, id);
	ep_buf_addc(b, ' ');
	dst(b, &r->t.addr);
	EP_ADDL(b, " dpt=");
	ep_buf_addu(b, r->t.port);
	ep_buf_adds(b, r->t.proto == EP_PROTO_UDP ? " proto=UDP act=" : " proto=TCP act=");
	ep_buf_adds(b, ep_state_name(r->state));
	EP_ADDL(b, " reason=");
	ep_buf_adds(b, ep_reason_name(r->reason));
	EP_ADDL(b, " cn3Label=attempts cn3=");
	ep_buf_addu(b, r->attempts);
	if (r->rtt_ns) {
		EP_ADDL(b, " cfp1Label=rttMs cfp1=");
		ep_buf_addfixed(b, (r->rtt_ns + 500) / 1000, 3);
	}
	if (r->probe) {
		EP_ADDL(b, " cs1Label=probe cs1=");
		ep_export_cef_value(b, r->probe);
	}
	EP_ADDL(b, " cs5Label=scanId cs5=");
	ep_buf_adds(b, c->info->scan_id);
	if (ep_buf_addc(b, '\n'))
		return EP_EIO;
	return ep_export_end(&c->x);
}

static void ext(struct ep_buf *b, const char *key, const char *val)
{
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, key);
	ep_buf_addc(b, '=');
	ep_export_cef_value(b, val);
}

static void ms(struct ep_buf *b, const char *key, const char *rfc3339)
{
	uint64_t ns;

	if (rfc3339[0] && ep_export_time_parse(rfc3339, &ns) == 0)
		ep_buf_printf(b, " %s=%llu", key, (unsigned long long)(ns / 1000000u));
}

/* dpt and cn1 (portTo) name one contiguous range, so only a finding with
 * one gets them; flexString1 always carries the whole list (cs1-cs6 are
 * taken) and cn2 the number of ports. */
static int cef_finding(void *state, const struct ep_finding *f)
{
	struct cef *c = state;
	struct ep_buf *b = &c->x.buf;
	const char *kind = ep_finding_kind_name(f->kind);
	char head[64], ports[EP_FINDING_PORTS_LEN], name[512];

	ep_finding_ports_text(f, head, sizeof(head)); /* "..." when longer */
	ep_finding_ports_text(f, ports, sizeof(ports));
	snprintf(name, sizeof(name), "%s %s/%s on %s", kind, ep_finding_proto_name(f), head,
	         f->owner);
	ep_buf_adds(b, CEF_HEAD PACKAGE_VERSION "|");
	ep_export_cef_header(b, kind);
	ep_buf_addc(b, '|');
	ep_export_cef_header(b, name);
	ep_buf_printf(b, "|%d|rt=%llu externalId=%s cat=%s ", ep_export_sev_cef(f->severity),
	              (unsigned long long)(ep_export_now_ns() / 1000000u), f->id, kind);
	if (strchr(f->address, ':'))
		ep_buf_adds(b, "c6a3Label=Destination IPv6 Address c6a3=");
	else
		ep_buf_adds(b, "dst=");
	ep_export_cef_value(b, f->address);
	if (f->nranges == 1)
		ep_buf_printf(b, " dpt=%u cn1Label=portTo cn1=%u", f->lo, f->hi);
	ep_buf_adds(b, f->proto == EP_PROTO_UDP ? " proto=UDP" : " proto=TCP");
	ep_buf_printf(b, " cn2Label=portCount cn2=%u", f->nports);
	ext(b, "flexString1Label", "ports");
	ext(b, "flexString1", ports);
	if (f->rule[0]) {
		ext(b, "flexString2Label", "rule");
		ext(b, "flexString2", f->rule);
	}
	ext(b, "msg", f->message);
	ext(b, "cs1Label", "evidence");
	ext(b, "cs1", f->evidence);
	ext(b, "cs2Label", "owner");
	ext(b, "cs2", f->owner);
	ext(b, "cs3Label", "awsAccount");
	ext(b, "cs3", f->account);
	ext(b, "cs4Label", "awsRegion");
	ext(b, "cs4", f->region);
	ext(b, "cs5Label", "scanId");
	ext(b, "cs5", c->info->scan_id);
	ext(b, "cs6Label", "interface");
	ext(b, "cs6", f->interface);
	ms(b, "start", f->first_seen);
	ms(b, "end", f->last_seen);
	if (ep_buf_addc(b, '\n'))
		return EP_EIO;
	return ep_export_end(&c->x);
}

const struct ep_sink_ops ep_sink_cef = {
    .name = "cef",
    .help = "ArcSight CEF lines (CEF:0|ecsprobe|...): every result and finding "
            "(cef:PATH, - for stdout)",
    .open = cef_open,
    .result = cef_result,
    .finding = cef_finding,
    .flush = ep_export_sink_flush,
    .close = ep_export_sink_close,
};
