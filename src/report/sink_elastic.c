/* Elastic Common Schema sinks: "elastic" writes one ECS document per line
 * (Filebeat's ndjson input), "elastic-bulk" the same documents behind bulk
 * API action lines with stable _ids (re-sending updates, never duplicates).
 * Results are event.kind "state", findings event.kind "alert". */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/findings.h"
#include "config/cidr.h"
#include "report/export.h"
#include "report/sink.h"

#define ECS_VERSION "8.11.0"
#define OBSERVER                                                                               \
	"\"observer\":{\"vendor\":\"ecsprobe\",\"product\":\"ecsprobe\",\"type\":\"scanner\"," \
	"\"version\":\"" PACKAGE_VERSION "\"}"

struct elastic {
	struct ep_export x;
	const struct ep_scan_info *info;
	int bulk;
	struct ep_tscache ts;
	struct ep_result_ids ids;
};

static int open_common(const struct ep_sink_args *a, void **state, struct ep_diag *d, int bulk)
{
	struct elastic *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&e->x, bulk ? "elastic-bulk" : "elastic", a->dest, d);
	if (rc) {
		free(e);
		return rc;
	}
	e->info = a->info;
	ep_result_ids_init(&e->ids, a->info->scan_id);
	e->bulk = bulk;
	*state = e;
	return 0;
}

static int el_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return open_common(a, state, d, 0);
}

static int el_open_bulk(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return open_common(a, state, d, 1);
}

static void action(struct elastic *e, const char *index, const char *id)
{
	if (!e->bulk)
		return;
	ep_buf_adds(&e->x.buf, "{\"index\":{\"_index\":\"");
	ep_buf_adds(&e->x.buf, index);
	ep_buf_adds(&e->x.buf, "\",\"_id\":\"");
	ep_buf_adds(&e->x.buf, id);
	ep_buf_adds(&e->x.buf, "\"}}\n");
}

/* The hot path: no printf. */
static int el_result(void *state, const struct ep_result *r)
{
	struct elastic *e = state;
	struct ep_buf *b = &e->x.buf;
	char id[17];
	int udp = r->t.proto == EP_PROTO_UDP;

	ep_result_ids_make(&e->ids, r, id);
	action(e, "ecsprobe-results", id);
	EP_ADDL(b, "{\"@timestamp\":\"");
	ep_export_ts(b, &e->ts, r->ts_ns, 6);
	ep_buf_adds(b, "\",\"ecs\":{\"version\":\"" ECS_VERSION "\"},\"event\":{\"kind\":\"state\","
	               "\"category\":[\"network\"],\"type\":[\"info\"],\"module\":\"ecsprobe\","
	               "\"dataset\":\"ecsprobe.result\",\"id\":\"");
	ep_buf_adds(b, id);
	EP_ADDL(b, "\",\"action\":\"port-");
	ep_buf_adds(b,
	            r->state == EP_STATE_OPEN_FILTERED ? "open-filtered" : ep_state_name(r->state));
	ep_buf_adds(b, r->state == EP_STATE_OPEN ? "\",\"outcome\":\"success\""
	                                         : "\",\"outcome\":\"failure\"");
	if (r->rtt_ns) {
		EP_ADDL(b, ",\"duration\":");
		ep_buf_addu(b, r->rtt_ns);
	}
	EP_ADDL(b, "},\"destination\":{\"ip\":\"");
	ep_export_addr(b, &r->t.addr);
	EP_ADDL(b, "\",\"port\":");
	ep_buf_addu(b, r->t.port);
	ep_buf_adds(b, udp ? "},\"network\":{\"transport\":\"udp\",\"iana_number\":\"17\""
	                   : "},\"network\":{\"transport\":\"tcp\",\"iana_number\":\"6\"");
	ep_buf_adds(b, r->t.addr.family == 6 ? ",\"type\":\"ipv6\"}," OBSERVER
	                                     : ",\"type\":\"ipv4\"}," OBSERVER);
	EP_ADDL(b, ",\"ecsprobe\":{\"scan_id\":\"");
	ep_buf_adds(b, e->info->scan_id);
	EP_ADDL(b, "\",\"state\":\"");
	ep_buf_adds(b, ep_state_name(r->state));
	EP_ADDL(b, "\",\"reason\":\"");
	ep_buf_adds(b, ep_reason_name(r->reason));
	EP_ADDL(b, "\",\"attempts\":");
	ep_buf_addu(b, r->attempts);
	if (r->rtt_ns) {
		EP_ADDL(b, ",\"rtt_ms\":");
		ep_buf_addfixed(b, (r->rtt_ns + 500) / 1000, 3);
	}
	if (r->probe) {
		EP_ADDL(b, ",\"probe\":");
		ep_export_json_str(b, r->probe);
	}
	if (EP_ADDL(b, "}}\n"))
		return EP_EIO;
	return ep_export_end(&e->x);
}

/* ,"key":"value" */
static void kv(struct ep_buf *b, const char *key, const char *val)
{
	ep_buf_addc(b, ',');
	ep_export_kv(b, key, val);
}

/* ,"key":v */
static void num(struct ep_buf *b, const char *key, uint64_t v)
{
	ep_buf_add(b, ",\"", 2);
	ep_buf_adds(b, key);
	ep_buf_add(b, "\":", 2);
	ep_buf_addu(b, v);
}

static void ts_field(struct ep_buf *b, const char *key, const char *rfc3339)
{
	uint64_t ns;
	char text[40];

	if (rfc3339[0] == '\0' || ep_export_time_parse(rfc3339, &ns))
		return;
	ep_time_format(ns, text, sizeof(text));
	kv(b, key, text);
}

/* cloud.* and orchestrator.* / container.* from the owner string. */
static void where(struct ep_buf *b, const struct ep_finding *f)
{
	struct ep_owner ow;
	static const char *const svc[] = {"ecs", "elasticloadbalancing", "ec2"};

	ep_export_owner(f->owner, &ow);
	ep_buf_adds(b, ",\"cloud\":{\"provider\":\"aws\",\"account\":{");
	ep_export_kv(b, "id", f->account);
	ep_buf_addc(b, '}');
	kv(b, "region", f->region);
	ep_buf_adds(b, ",\"service\":{");
	ep_export_kv(b, "name", svc[ow.kind]);
	ep_buf_adds(b, "}}");
	if (ow.kind == EP_OWNER_ECS) {
		ep_buf_adds(b, ",\"orchestrator\":{\"type\":\"ecs\",\"cluster\":{");
		ep_export_kv(b, "name", ow.cluster);
		ep_buf_adds(b, "},\"resource\":{\"type\":\"service\"");
		kv(b, "name", ow.service);
		ep_buf_adds(b, "}}");
		if (ow.container[0]) {
			ep_buf_adds(b, ",\"container\":{");
			ep_export_kv(b, "name", ow.container);
			ep_buf_addc(b, '}');
		}
	}
}

/* "ports":[{"from":F,"to":T},...] and "port_count": every finding has them;
 * port_from/port_to only one with a single range. */
static void ports(struct ep_buf *b, const struct ep_finding *f)
{
	ep_buf_adds(b, ",\"ports\":[");
	for (unsigned i = 0; i < f->nranges; i++) {
		ep_buf_adds(b, i ? ",{\"from\":" : "{\"from\":");
		ep_buf_addu(b, f->ranges[i].lo);
		ep_buf_adds(b, ",\"to\":");
		ep_buf_addu(b, f->ranges[i].hi);
		ep_buf_addc(b, '}');
	}
	ep_buf_addc(b, ']');
	num(b, "port_count", f->nports);
}

/* Not a hot path, but literal text is appended as is, not through printf. */
static int el_finding(void *state, const struct ep_finding *f)
{
	struct elastic *e = state;
	struct ep_buf *b = &e->x.buf;
	const char *kind = ep_finding_kind_name(f->kind);
	int sev = ep_export_sev_ecs(f->severity);
	char now[40];

	ep_time_format(ep_export_now_ns(), now, sizeof(now));
	action(e, "ecsprobe-findings", f->id);
	ep_buf_addc(b, '{');
	ep_export_kv(b, "@timestamp", now);
	ep_buf_adds(b,
	            ",\"ecs\":{\"version\":\"" ECS_VERSION "\"},"
	            "\"event\":{\"kind\":\"alert\",\"category\":[\"network\",\"configuration\"],"
	            "\"type\":[\"info\"],\"module\":\"ecsprobe\",\"dataset\":\"ecsprobe.finding\","
	            "\"provider\":\"ecsprobe\"");
	kv(b, "id", f->id);
	kv(b, "code", kind);
	kv(b, "action", kind);
	num(b, "severity", (uint64_t)sev);
	num(b, "risk_score", (uint64_t)sev);
	kv(b, "created", now);
	kv(b, "reason", f->evidence);
	ts_field(b, "start", f->first_seen);
	ts_field(b, "end", f->last_seen);
	ep_buf_addc(b, '}');
	kv(b, "message", f->message);
	ep_buf_adds(b, ",\"rule\":{");
	ep_export_kv(b, "id", kind);
	kv(b, "name", kind);
	ep_buf_adds(b, ",\"category\":\"exposure\",\"ruleset\":\"ecsprobe\"");
	kv(b, "description", ep_export_kind_text(f->kind));
	ep_buf_adds(b, "},\"destination\":{");
	ep_export_kv(b, "ip", f->address);
	kv(b, "address", f->address);
	if (f->lo == f->hi) /* one port: destination.port is a single number */
		num(b, "port", f->lo);
	ep_buf_adds(b, f->proto == EP_PROTO_UDP
	                   ? "},\"network\":{\"transport\":\"udp\",\"iana_number\":\"17\""
	                   : "},\"network\":{\"transport\":\"tcp\",\"iana_number\":\"6\"");
	ep_buf_adds(b, strchr(f->address, ':') ? ",\"type\":\"ipv6\"}" : ",\"type\":\"ipv4\"}");
	where(b, f);
	ep_buf_adds(b, ",\"tags\":[\"ecsprobe\",\"");
	ep_buf_adds(b, kind);
	ep_buf_adds(b, "\"]," OBSERVER ",\"ecsprobe\":{");
	ep_export_kv(b, "scan_id", e->info->scan_id);
	ep_buf_adds(b, ",\"finding\":{");
	ep_export_kv(b, "id", f->id);
	kv(b, "kind", kind);
	kv(b, "severity", ep_severity_name(f->severity));
	kv(b, "owner", f->owner);
	kv(b, "interface", f->interface);
	if (f->nranges == 1) {
		num(b, "port_from", f->lo);
		num(b, "port_to", f->hi);
	}
	ports(b, f);
	if (f->rule[0])
		kv(b, "rule", f->rule);
	kv(b, "evidence", f->evidence);
	if (f->first_seen[0]) {
		kv(b, "first_seen", f->first_seen);
		kv(b, "last_seen", f->last_seen);
	}
	if (ep_buf_adds(b, "}}}\n"))
		return EP_EIO;
	return ep_export_end(&e->x);
}

const struct ep_sink_ops ep_sink_elastic = {
    .name = "elastic",
    .help = "Elastic Common Schema documents, one per line, for Filebeat: results "
            "(event.kind state) and findings (alert) (elastic:PATH, - for stdout)",
    .open = el_open,
    .result = el_result,
    .finding = el_finding,
    .flush = ep_export_sink_flush,
    .close = ep_export_sink_close,
};

const struct ep_sink_ops ep_sink_elastic_bulk = {
    .name = "elastic-bulk",
    .help = "the elastic documents as an Elasticsearch _bulk body (index ecsprobe-results "
            "and ecsprobe-findings, stable _id) (elastic-bulk:PATH)",
    .open = el_open_bulk,
    .result = el_result,
    .finding = el_finding,
    .flush = ep_export_sink_flush,
    .close = ep_export_sink_close,
};
