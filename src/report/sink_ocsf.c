/* OCSF 1.7 sink: one event per line.  Probe results are Network Activity
 * (class 4001) events as they arrive; verify's findings are Detection
 * Findings (class 2004) with the cloud profile.  Mapping: README "Outputs". */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/checks.h"
#include "compare/findings.h"
#include "config/cidr.h"
#include "report/export.h"
#include "report/sink.h"

#define OCSF_VERSION "1.7.0"

struct ocsf {
	struct ep_export x;
	const struct ep_scan_info *info;
	char meta[320]; /* "metadata":{...,"uid":" for results */
	size_t meta_len;
	struct ep_result_ids ids;
};

/* Per result state: activity, status (open = the connection succeeded). */
static const struct {
	const char *head; /* from activity_id up to time's value */
	int ok;
} states[EP_STATE_COUNT] = {
    [EP_STATE_OPEN] = {"\"activity_id\":1,\"activity_name\":\"Open\",\"type_uid\":400101,"
                       "\"type_name\":\"Network Activity: Open\"",
                       1},
    [EP_STATE_CLOSED] = {"\"activity_id\":5,\"activity_name\":\"Refuse\",\"type_uid\":400105,"
                         "\"type_name\":\"Network Activity: Refuse\"",
                         0},
    [EP_STATE_FILTERED] = {"\"activity_id\":4,\"activity_name\":\"Fail\",\"type_uid\":400104,"
                           "\"type_name\":\"Network Activity: Fail\"",
                           0},
    [EP_STATE_OPEN_FILTERED] = {"\"activity_id\":99,\"activity_name\":\"No Response\","
                                "\"type_uid\":400199,\"type_name\":\"Network Activity: Other\"",
                                0},
};

static void product(struct ep_buf *b)
{
	ep_buf_adds(b, "\"product\":{\"name\":\"ecsprobe\",\"vendor_name\":\"ecsprobe\","
	               "\"version\":\"" PACKAGE_VERSION "\"}");
}

static int oc_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct ocsf *o = calloc(1, sizeof(*o));
	int rc;

	if (o == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&o->x, "ocsf", a->dest, d);
	if (rc) {
		free(o);
		return rc;
	}
	o->info = a->info;
	ep_result_ids_init(&o->ids, a->info->scan_id);
	snprintf(o->meta, sizeof(o->meta),
	         ",\"metadata\":{\"version\":\"" OCSF_VERSION
	         "\",\"product\":{\"name\":\"ecsprobe\","
	         "\"vendor_name\":\"ecsprobe\",\"version\":\"" PACKAGE_VERSION "\"},"
	         "\"log_name\":\"results\",\"correlation_uid\":\"%s\",\"uid\":\"",
	         a->info->scan_id);
	o->meta_len = strlen(o->meta);
	*state = o;
	return 0;
}

/* The hot path: no printf, constant parts precomputed. */
static int oc_result(void *state, const struct ep_result *r)
{
	struct ocsf *o = state;
	struct ep_buf *b = &o->x.buf;
	char id[17];
	int ok = states[r->state].ok;

	ep_result_ids_make(&o->ids, r, id);
	EP_ADDL(b, "{\"class_uid\":4001,\"class_name\":\"Network Activity\","
	           "\"category_uid\":4,\"category_name\":\"Network Activity\",");
	ep_buf_adds(b, states[r->state].head);
	EP_ADDL(b, ",\"severity_id\":1,\"severity\":\"Informational\",\"status_id\":");
	ep_buf_adds(b, ok ? "1,\"status\":\"Success\"" : "2,\"status\":\"Failure\"");
	EP_ADDL(b, ",\"status_code\":\"");
	ep_buf_adds(b, ep_reason_name(r->reason));
	EP_ADDL(b, "\",\"status_detail\":\"");
	ep_buf_adds(b, ep_state_name(r->state));
	EP_ADDL(b, "\",\"time\":");
	ep_buf_addu(b, r->ts_ns / 1000000u);
	EP_ADDL(b, ",\"timezone_offset\":0");
	ep_buf_add(b, o->meta, o->meta_len);
	ep_buf_adds(b, id);
	EP_ADDL(b, "\"},\"dst_endpoint\":{\"ip\":\"");
	ep_export_addr(b, &r->t.addr);
	EP_ADDL(b, "\",\"port\":");
	ep_buf_addu(b, r->t.port);
	EP_ADDL(b, "},\"connection_info\":{\"direction_id\":2,\"direction\":\"Outbound\","
	           "\"protocol_name\":\"");
	ep_buf_adds(b, r->t.proto == EP_PROTO_UDP ? "udp\",\"protocol_num\":17}"
	                                          : "tcp\",\"protocol_num\":6}");
	EP_ADDL(b, ",\"is_src_dst_assignment_known\":true,\"unmapped\":{\"ecsprobe\":{"
	           "\"scan_id\":\"");
	ep_buf_adds(b, o->info->scan_id);
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
	if (EP_ADDL(b, "}}}\n"))
		return EP_EIO;
	return ep_export_end(&o->x);
}

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

/* resources: the service (or load balancer) and the interface the address
 * is on.  Without ARNs for load balancers in the inventory, their uid is
 * the name. */
static void resources(struct ep_buf *b, const struct ep_finding *f)
{
	struct ep_owner ow;
	const char *part = ep_export_partition(f->region);
	char text[700];

	ep_export_owner(f->owner, &ow);
	ep_buf_adds(b, ",\"resources\":[");
	if (ow.kind == EP_OWNER_ECS) {
		snprintf(text, sizeof(text), "arn:%s:ecs:%s:%s:service/%s/%s", part, f->region,
		         f->account, ow.cluster, ow.service);
		ep_buf_adds(b, "{\"type\":\"AWS::ECS::Service\",\"role_id\":1,\"role\":\"Target\"");
		kv(b, "uid", text);
		kv(b, "name", ow.service);
		kv(b, "namespace", ow.cluster);
		if (ow.container[0]) {
			snprintf(text, sizeof(text), "container:%s", ow.container);
			ep_buf_adds(b, ",\"labels\":[");
			ep_export_json_str(b, text);
			ep_buf_addc(b, ']');
		}
	} else if (ow.kind == EP_OWNER_LB) {
		ep_buf_adds(b, "{\"type\":\"AWS::ElasticLoadBalancingV2::LoadBalancer\","
		               "\"role_id\":1,\"role\":\"Target\"");
		kv(b, "uid", ow.name);
		kv(b, "name", ow.name);
	}
	if (ow.kind != EP_OWNER_ENI) {
		kv(b, "region", f->region);
		kv(b, "cloud_partition", part);
		ep_buf_adds(b, "},");
	}
	ep_buf_adds(
	    b, ow.kind == EP_OWNER_ENI
	           ? "{\"type\":\"AWS::EC2::NetworkInterface\",\"role_id\":1,\"role\":\"Target\""
	           : "{\"type\":\"AWS::EC2::NetworkInterface\",\"role_id\":3,"
	             "\"role\":\"Affected\"");
	kv(b, "uid", f->interface[0] ? f->interface : ow.name);
	kv(b, "ip", f->address);
	kv(b, "region", f->region);
	kv(b, "cloud_partition", part);
	ep_buf_adds(b, "}]");
}

/* Into evidences[].data (free-form JSON: OCSF has no attribute for a list
 * of port ranges): "ports":[[from,to],...] and "port_count" always, as in
 * the NDJSON record; port_from/port_to only for one contiguous range. */
static void evidence_ports(struct ep_buf *b, const struct ep_finding *f)
{
	if (f->nranges == 1) {
		num(b, "port_from", f->lo);
		num(b, "port_to", f->hi);
	}
	ep_buf_adds(b, ",\"ports\":[");
	for (unsigned i = 0; i < f->nranges; i++) {
		ep_buf_adds(b, i ? ",[" : "[");
		ep_buf_addu(b, f->ranges[i].lo);
		ep_buf_addc(b, ',');
		ep_buf_addu(b, f->ranges[i].hi);
		ep_buf_addc(b, ']');
	}
	ep_buf_addc(b, ']');
	num(b, "port_count", f->nports);
	if (f->rule[0])
		kv(b, "rule", f->rule);
}

/* A Compliance Finding (class 2003) for one public control the finding
 * fails (compare/checks.h): Detection Finding has no compliance attribute
 * in OCSF 1.7.  Its finding_info.uid is the finding id and the control key,
 * so each (finding, control) stays one finding across runs. */
static int oc_compliance(struct ocsf *o, const struct ep_finding *f, const struct ep_control *c,
                         uint64_t now, uint64_t first, uint64_t last)
{
	struct ep_buf *b = &o->x.buf;
	char text[400];

	ep_buf_adds(b, "{\"class_uid\":2003,\"class_name\":\"Compliance Finding\","
	               "\"category_uid\":2,\"category_name\":\"Findings\",\"activity_id\":1,"
	               "\"activity_name\":\"Create\",\"type_uid\":200301,"
	               "\"type_name\":\"Compliance Finding: Create\"");
	num(b, "severity_id", (uint64_t)ep_export_sev_ocsf(f->severity));
	kv(b, "severity", ep_export_sev_title(f->severity));
	ep_buf_adds(b, ",\"status_id\":1,\"status\":\"New\"");
	num(b, "time", now / 1000000u);
	ep_buf_adds(b, ",\"timezone_offset\":0");
	snprintf(text, sizeof(text), "%s %s failed: %s", c->standard, c->id, f->message);
	kv(b, "message", text);
	ep_buf_adds(b, ",\"metadata\":{\"version\":\"" OCSF_VERSION "\",");
	product(b);
	ep_buf_adds(b, ",\"profiles\":[\"cloud\"],\"log_name\":\"findings\"");
	kv(b, "event_code", c->key);
	kv(b, "correlation_uid", o->info->scan_id);
	snprintf(text, sizeof(text), "%s/%s/%s", o->info->scan_id, f->id, c->key);
	kv(b, "uid", text);
	ep_buf_adds(b, "},\"cloud\":{\"provider\":\"AWS\"");
	kv(b, "region", f->region);
	ep_buf_adds(b, ",\"account\":{\"type_id\":10,\"type\":\"AWS Account\"");
	kv(b, "uid", f->account);
	ep_buf_adds(b, "}},\"finding_info\":{");
	snprintf(text, sizeof(text), "%s/%s", f->id, c->key);
	ep_export_kv(b, "uid", text);
	snprintf(text, sizeof(text), "%s %s: %s", c->standard, c->id, c->title);
	kv(b, "title", text);
	snprintf(text, sizeof(text), "ecsprobe finding %s (%s) meets it: %s", f->id,
	         ep_finding_kind_name(f->kind), c->applies);
	kv(b, "desc", text);
	ep_buf_adds(b, ",\"types\":[\"compliance\"],\"data_sources\":[\"AWS inventory\","
	               "\"network probe\"]");
	num(b, "first_seen_time", first / 1000000u);
	num(b, "last_seen_time", last / 1000000u);
	ep_buf_addc(b, '}');
	resources(b, f);
	ep_buf_adds(b, ",\"compliance\":{\"standards\":[");
	ep_export_json_str(b, c->standard);
	ep_buf_adds(b, "]");
	kv(b, "control", c->id);
	ep_buf_adds(b, ",\"requirements\":[");
	ep_export_json_str(b, c->title);
	ep_buf_adds(b, "],\"status_id\":3,\"status\":\"Fail\"},\"remediation\":{");
	ep_export_kv(b, "desc", ep_export_kind_fix(f->kind));
	ep_buf_adds(b, "},\"unmapped\":{\"ecsprobe\":{");
	ep_export_kv(b, "scan_id", o->info->scan_id);
	kv(b, "finding_id", f->id);
	kv(b, "control", c->key);
	if (ep_buf_adds(b, "}}}\n"))
		return EP_EIO;
	return ep_export_end(&o->x);
}

/* Not a hot path (findings come once, after the scan), but a million still
 * render in seconds: literal text is appended as is, not through printf. */
static int oc_finding(void *state, const struct ep_finding *f)
{
	struct ocsf *o = state;
	struct ep_buf *b = &o->x.buf;
	uint64_t now = ep_export_now_ns(), first = now, last = now;
	const char *kind = ep_finding_kind_name(f->kind);
	char ports[64], title[192], desc[700]; /* a long list ends in "..." in the title */
	unsigned ctl[32];
	size_t n;
	int rc;

	if (f->first_seen[0])
		ep_export_time_parse(f->first_seen, &first);
	if (f->last_seen[0])
		ep_export_time_parse(f->last_seen, &last);
	ep_finding_ports_text(f, ports, sizeof(ports));
	snprintf(title, sizeof(title), "%s: %s/%s on %s", kind, ep_finding_proto_name(f), ports,
	         f->address);
	snprintf(desc, sizeof(desc), "%s. Evidence: %s.", f->message, f->evidence);
	ep_buf_adds(b,
	            "{\"class_uid\":2004,\"class_name\":\"Detection Finding\",\"category_uid\":2,"
	            "\"category_name\":\"Findings\",\"activity_id\":1,\"activity_name\":\"Create\","
	            "\"type_uid\":200401,\"type_name\":\"Detection Finding: Create\"");
	num(b, "severity_id", (uint64_t)ep_export_sev_ocsf(f->severity));
	kv(b, "severity", ep_export_sev_title(f->severity));
	ep_buf_adds(b, ",\"status_id\":1,\"status\":\"New\",\"confidence_id\":3,"
	               "\"confidence\":\"High\",\"is_alert\":true");
	num(b, "time", now / 1000000u);
	ep_buf_adds(b, ",\"timezone_offset\":0");
	kv(b, "message", f->message);
	ep_buf_adds(b, ",\"metadata\":{\"version\":\"" OCSF_VERSION "\",");
	product(b);
	ep_buf_adds(b, ",\"profiles\":[\"cloud\"],\"log_name\":\"findings\"");
	kv(b, "event_code", kind);
	kv(b, "correlation_uid", o->info->scan_id);
	ep_buf_adds(b, ",\"uid\":\"");
	ep_buf_adds(b, o->info->scan_id);
	ep_buf_addc(b, '/');
	ep_buf_adds(b, f->id);
	ep_buf_adds(b, "\"},\"cloud\":{\"provider\":\"AWS\"");
	kv(b, "region", f->region);
	ep_buf_adds(b, ",\"account\":{\"type_id\":10,\"type\":\"AWS Account\"");
	kv(b, "uid", f->account);
	ep_buf_adds(b, "}},\"finding_info\":{");
	ep_export_kv(b, "uid", f->id);
	kv(b, "title", title);
	kv(b, "desc", desc);
	ep_buf_adds(b, ",\"types\":[\"");
	ep_buf_adds(b, kind);
	ep_buf_adds(b, "\"],\"analytic\":{\"type_id\":1,\"type\":\"Rule\"");
	kv(b, "uid", kind);
	kv(b, "name", kind);
	ep_buf_adds(b, "},\"data_sources\":[\"AWS inventory\",\"network probe\"]");
	num(b, "first_seen_time", first / 1000000u);
	num(b, "last_seen_time", last / 1000000u);
	ep_buf_addc(b, '}');
	resources(b, f);
	ep_buf_adds(b, ",\"evidences\":[{\"dst_endpoint\":{");
	ep_export_kv(b, "ip", f->address);
	if (f->lo == f->hi) /* dst_endpoint.port is one port */
		num(b, "port", f->lo);
	if (f->interface[0])
		kv(b, "interface_uid", f->interface);
	ep_buf_adds(b, "},\"connection_info\":{\"direction_id\":2,\"direction\":\"Outbound\"");
	kv(b, "protocol_name", ep_finding_proto_name(f));
	num(b, "protocol_num", (uint64_t)ep_proto_iana(f->proto));
	ep_buf_adds(b, "},\"data\":{");
	ep_export_kv(b, "evidence", f->evidence);
	evidence_ports(b, f);
	ep_buf_adds(b, "}}],\"remediation\":{");
	ep_export_kv(b, "desc", ep_export_kind_fix(f->kind));
	ep_buf_adds(b, "},\"unmapped\":{\"ecsprobe\":{");
	ep_export_kv(b, "scan_id", o->info->scan_id);
	kv(b, "kind", kind);
	kv(b, "owner", f->owner);
	if (ep_buf_adds(b, "}}}\n"))
		return EP_EIO;
	rc = ep_export_end(&o->x);
	n = ep_checks_controls(f, ctl, sizeof(ctl) / sizeof(ctl[0]));
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = oc_compliance(o, f, &ep_controls[ctl[i]], now, first, last);
	return rc;
}

const struct ep_sink_ops ep_sink_ocsf = {
    .name = "ocsf",
    .help = "OCSF 1.7 events, one per line: results as Network Activity (4001), findings as "
            "Detection Finding (2004), each public control a finding fails as a Compliance "
            "Finding (2003) (ocsf:PATH, - for stdout)",
    .open = oc_open,
    .result = oc_result,
    .finding = oc_finding,
    .flush = ep_export_sink_flush,
    .close = ep_export_sink_close,
};
