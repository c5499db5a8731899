/* NDJSON records back into a gatherer (ndjson_read.h).  cJSON parses each
 * line; every field a record needs is checked for type and range. */
#include "report/ndjson_read.h"

#include <cJSON.h>
#include <string.h>

#include "compare/checks.h"
#include "config/cidr.h"

/* A string member copied into out; required ones fail when absent. */
static int str(const cJSON *o, const char *key, char *out, size_t len, int required,
               const char *type, struct ep_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	out[0] = '\0';
	if (v == NULL && !required)
		return 0;
	if (!cJSON_IsString(v))
		return ep_diag_set(d, EP_EPARSE, 0, 0, "%s record: \"%s\" missing or not a string",
		                   type, key);
	if (strlen(v->valuestring) >= len)
		return ep_diag_set(d, EP_EPARSE, 0, 0, "%s record: \"%s\" longer than %zu bytes",
		                   type, key, len - 1);
	memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

static int number(const cJSON *o, const char *key, double lo, double hi, double *out,
                  const char *type, struct ep_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi)
		return ep_diag_set(d, EP_EPARSE, 0, 0,
		                   "%s record: \"%s\" missing or not a number in %.0f-%.0f", type,
		                   key, lo, hi);
	*out = v->valuedouble;
	return 0;
}

static int proto(const char *s, enum ep_proto *p)
{
	if (strcmp(s, "tcp") == 0)
		*p = EP_PROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*p = EP_PROTO_UDP;
	else
		return -1;
	return 0;
}

static int result(struct ep_collect *c, const cJSON *o, struct ep_diag *d)
{
	struct ep_result r;
	char text[64];
	double v = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = str(o, "address", text, sizeof(text), 1, "result", d);
	if (rc == 0 && ep_addr_parse(text, &r.t.addr))
		rc = ep_diag_set(d, EP_EPARSE, 0, 0,
		                 "result record: \"address\" '%s' is not an address", text);
	if (rc == 0)
		rc = str(o, "proto", text, sizeof(text), 1, "result", d);
	if (rc == 0 && proto(text, &r.t.proto))
		rc = ep_diag_set(d, EP_EPARSE, 0, 0,
		                 "result record: \"proto\" '%s' is not tcp or udp", text);
	if (rc == 0)
		rc = number(o, "port", 0, 65535, &v, "result", d);
	r.t.port = (uint16_t)v;
	if (rc == 0)
		rc = str(o, "state", text, sizeof(text), 1, "result", d);
	if (rc)
		return rc;
	r.state = EP_STATE_COUNT;
	for (int s = 0; s < EP_STATE_COUNT; s++)
		if (strcmp(text, ep_state_name((enum ep_state)s)) == 0)
			r.state = (enum ep_state)s;
	if (r.state == EP_STATE_COUNT)
		return ep_diag_set(d, EP_EPARSE, 0, 0, "result record: \"state\" '%s' unknown",
		                   text);
	rc = str(o, "reason", text, sizeof(text), 0, "result", d);
	for (int s = 0; rc == 0 && s < EP_REASON_COUNT; s++)
		if (strcmp(text, ep_reason_name((enum ep_reason)s)) == 0)
			r.reason = (enum ep_reason)s;
	if (rc == 0 && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "rtt_ms")))
		rc = number(o, "rtt_ms", 0, 3.6e6, &v, "result", d), r.rtt_ns = (uint64_t)(v * 1e6);
	return rc ? rc : ep_collect_result(c, &r);
}

static int ports(struct ep_finding *f, const cJSON *o, struct ep_diag *d)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "ports"), *p;
	long prev = -1;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1)
		return ep_diag_set(d, EP_EPARSE, 0, 0,
		                   "finding record: \"ports\" missing or empty");
	cJSON_ArrayForEach(p, list)
	{
		const cJSON *lo = cJSON_GetArrayItem(p, 0), *hi = cJSON_GetArrayItem(p, 1);

		if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 || !cJSON_IsNumber(lo) ||
		    !cJSON_IsNumber(hi) || lo->valuedouble < 1 || hi->valuedouble > 65535 ||
		    lo->valuedouble > hi->valuedouble || lo->valuedouble <= prev)
			return ep_diag_set(
			    d, EP_EPARSE, 0, 0,
			    "finding record: \"ports\" must be ascending [from, to] pairs "
			    "of ports");
		if (ep_finding_add_range(f, (uint16_t)lo->valuedouble, (uint16_t)hi->valuedouble))
			return ep_diag_set(d, EP_EPARSE, 0, 0,
			                   "finding record: \"ports\" has more than %d ranges",
			                   EP_FINDING_MAX_RANGES);
		prev = (long)hi->valuedouble;
	}
	return 0;
}

static int finding(struct ep_collect *c, const cJSON *o, struct ep_diag *d)
{
	struct ep_finding f;
	const cJSON *ctl = cJSON_GetObjectItemCaseSensitive(o, "controls"), *k;
	unsigned bits = 0;
	char text[64];
	int rc;

	memset(&f, 0, sizeof(f));
	rc = str(o, "id", f.id, sizeof(f.id), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "kind", text, sizeof(text), 1, "finding", d);
	if (rc)
		return rc;
	f.kind = (enum ep_finding_kind)ep_nchecks;
	for (size_t i = 0; i < ep_nchecks; i++)
		if (strcmp(text, ep_finding_kind_name(ep_checks[i].kind)) == 0)
			f.kind = ep_checks[i].kind;
	if ((size_t)f.kind == ep_nchecks)
		return ep_diag_set(d, EP_EPARSE, 0, 0, "finding record: \"kind\" '%s' unknown",
		                   text);
	rc = str(o, "severity", text, sizeof(text), 1, "finding", d);
	if (rc == 0 && ep_severity_parse(text, &f.severity))
		rc = ep_diag_set(d, EP_EPARSE, 0, 0, "finding record: \"severity\" '%s' unknown",
		                 text);
	if (rc == 0)
		rc = str(o, "account", f.account, sizeof(f.account), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "region", f.region, sizeof(f.region), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "address", f.address, sizeof(f.address), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "interface", f.interface, sizeof(f.interface), 0, "finding", d);
	if (rc == 0)
		rc = str(o, "owner", f.owner, sizeof(f.owner), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "proto", text, sizeof(text), 1, "finding", d);
	if (rc == 0 && proto(text, &f.proto))
		rc = ep_diag_set(d, EP_EPARSE, 0, 0,
		                 "finding record: \"proto\" '%s' is not tcp or udp", text);
	if (rc == 0)
		rc = ports(&f, o, d);
	if (rc == 0)
		rc = str(o, "rule", f.rule, sizeof(f.rule), 0, "finding", d);
	if (rc == 0)
		rc = str(o, "message", f.message, sizeof(f.message), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "evidence", f.evidence, sizeof(f.evidence), 1, "finding", d);
	if (rc == 0)
		rc = str(o, "first_seen", f.first_seen, sizeof(f.first_seen), 0, "finding", d);
	if (rc == 0)
		rc = str(o, "last_seen", f.last_seen, sizeof(f.last_seen), 0, "finding", d);
	if (rc)
		return rc;
	if (ctl && !cJSON_IsArray(ctl))
		return ep_diag_set(d, EP_EPARSE, 0, 0,
		                   "finding record: \"controls\" is not an array");
	cJSON_ArrayForEach(k, ctl)
	{
		int i = cJSON_IsString(k) ? ep_control_find(k->valuestring) : -1;

		if (i < 0)
			return ep_diag_set(
			    d, EP_EPARSE, 0, 0,
			    "finding record: \"controls\" holds an unknown control (see "
			    "ecsprobe checks)");
		bits |= 1u << i;
	}
	return ep_collect_finding(c, &f, bits);
}

int ep_ndjson_read_line(struct ep_collect *c, struct ep_html_meta *m, const char *line, size_t len,
                        struct ep_diag *d)
{
	cJSON *o;
	const cJSON *type;
	int rc = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;
	if (len > EP_NDJSON_LINE_MAX)
		return ep_diag_set(d, EP_EPARSE, 0, 0, "line longer than %u bytes",
		                   EP_NDJSON_LINE_MAX);
	o = cJSON_ParseWithLength(line, len);
	if (o == NULL)
		return ep_diag_set(d, EP_EPARSE, 0, 0, "not a JSON object");
	type = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsObject(o) || !cJSON_IsString(type)) {
		rc = ep_diag_set(d, EP_EPARSE, 0, 0, "record without a string \"type\"");
	} else if (strcmp(type->valuestring, "result") == 0) {
		rc = result(c, o, d);
	} else if (strcmp(type->valuestring, "finding") == 0) {
		rc = finding(c, o, d);
	} else if (strcmp(type->valuestring, "header") == 0) {
		rc = str(o, "scan_id", m->scan_id, sizeof(m->scan_id), 1, "header", d);
		if (rc == 0)
			rc = str(o, "started", m->started, sizeof(m->started), 0, "header", d);
		if (rc == 0)
			rc = str(o, "mode", m->mode, sizeof(m->mode), 0, "header", d);
		if (rc == 0)
			rc = str(o, "version", m->version, sizeof(m->version), 0, "header", d);
	} else if (strcmp(type->valuestring, "summary") == 0) {
		m->complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "complete"));
	}
	cJSON_Delete(o);
	return rc;
}
