/* SARIF 2.1.0 sink for CI code-scanning uploads: one document, one rule per
 * finding kind, one result per finding.  Probe results are not results in
 * SARIF's sense (they are measurements, not problems): the run's invocation
 * carries their counts instead.  Findings stream out as they come (results
 * first, tool and invocation last: JSON objects are unordered), so memory
 * stays flat however many there are. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/findings.h"
#include "report/export.h"
#include "report/sink.h"

#define SARIF_SCHEMA                                                          \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/" \
	"sarif-schema-2.1.0.json"
#define NKINDS 4

struct sarif {
	struct ep_export x;
	const struct ep_scan_info *info;
	uint64_t n;
	int seen[NKINDS];
	enum ep_severity worst[NKINDS];
};

/* GitHub reads a rule's security-severity (0-10) to rank its alerts. */
static const char *const sec_sev[] = {"3.0", "5.5", "8.0", "9.5"};
static const char *const rule_names[NKINDS] = {"UnexpectedOpenPort", "UnexplainedOpenPort",
                                               "DeclaredPortUnreachable", "LatentExposure"};
static const char *const rule_short[NKINDS] = {
    "Port open that nothing declares", "Port open that no security-group rule admits",
    "Declared port does not answer", "Security group admits undeclared ports"};
static const enum ep_severity rule_default[NKINDS] = {EP_SEV_HIGH, EP_SEV_HIGH, EP_SEV_HIGH,
                                                      EP_SEV_MEDIUM};

static int sa_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct sarif *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&s->x, "sarif", a->dest, d);
	if (rc) {
		free(s);
		return rc;
	}
	s->info = a->info;
	ep_buf_adds(&s->x.buf, "{\"$schema\":\"" SARIF_SCHEMA "\",\"version\":\"2.1.0\","
	                       "\"runs\":[{\"results\":[");
	*state = s;
	return 0;
}

static void kv(struct ep_buf *b, const char *key, const char *val)
{
	ep_export_kv(b, key, val);
}

/* Percent-encodes what a URI path segment may not hold as is. */
static void uri_part(struct ep_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c)) {
			ep_buf_addc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			ep_buf_add(b, e, 3);
		}
	}
}

/* No source file holds the problem: the location is the resource, as a
 * relative URI (aws/ACCOUNT/REGION/OWNER) and a logical location. */
static void location(struct ep_buf *b, const struct ep_finding *f)
{
	char fq[300];
	struct ep_owner ow;

	ep_export_owner(f->owner, &ow);
	ep_buf_adds(b,
	            ",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"aws/");
	uri_part(b, f->account);
	ep_buf_addc(b, '/');
	uri_part(b, f->region);
	ep_buf_addc(b, '/');
	uri_part(b, f->owner);
	ep_buf_adds(b, "\"},\"region\":{\"startLine\":1}},\"logicalLocations\":[{");
	kv(b, "name", ow.kind == EP_OWNER_ECS ? ow.service : ow.name);
	snprintf(fq, sizeof(fq), "%s/%s/%s", f->account, f->region, f->owner);
	ep_buf_adds(b, ",");
	kv(b, "fullyQualifiedName", fq);
	ep_buf_printf(b, ",\"kind\":\"%s\"}]}]",
	              ow.kind == EP_OWNER_ECS  ? "service"
	              : ow.kind == EP_OWNER_LB ? "loadBalancer"
	                                       : "networkInterface");
}

static int sa_finding(void *state, const struct ep_finding *f)
{
	struct sarif *s = state;
	struct ep_buf *b = &s->x.buf;
	char ports[EP_FINDING_PORTS_LEN], text[1400];

	if (s->seen[f->kind] == 0 || f->severity > s->worst[f->kind])
		s->worst[f->kind] = f->severity;
	s->seen[f->kind] = 1;
	ep_finding_ports_text(f, ports, sizeof(ports));
	snprintf(text, sizeof(text), "%s %s/%s (%s): %s. Evidence: %s.", f->address,
	         ep_finding_proto_name(f), ports, f->owner, f->message, f->evidence);
	if (s->n++)
		ep_buf_addc(b, ',');
	ep_buf_printf(b,
	              "{\"ruleId\":\"%s\",\"ruleIndex\":%d,\"kind\":\"fail\",\"level\":\"%s\","
	              "\"message\":{",
	              ep_finding_kind_name(f->kind), (int)f->kind,
	              ep_export_sev_sarif(f->severity));
	kv(b, "text", text);
	ep_buf_adds(b, "}");
	location(b, f);
	ep_buf_printf(b,
	              ",\"partialFingerprints\":{\"ecsprobeFindingId/v1\":\"%s\"},\"properties\":{",
	              f->id);
	ep_buf_printf(b, "\"severity\":\"%s\",\"security-severity\":\"%s\",",
	              ep_severity_name(f->severity), sec_sev[f->severity]);
	kv(b, "account", f->account);
	ep_buf_adds(b, ",");
	kv(b, "region", f->region);
	ep_buf_adds(b, ",");
	kv(b, "address", f->address);
	ep_buf_adds(b, ",");
	kv(b, "interface", f->interface);
	ep_buf_adds(b, ",");
	kv(b, "owner", f->owner);
	ep_buf_printf(b, ",\"proto\":\"%s\"", ep_finding_proto_name(f));
	/* portFrom/portTo claim one contiguous range; ports has the whole list */
	if (f->nranges == 1)
		ep_buf_printf(b, ",\"portFrom\":%u,\"portTo\":%u", f->lo, f->hi);
	ep_buf_printf(b, ",\"ports\":\"%s\",\"portCount\":%u,", ports, f->nports);
	if (f->rule[0]) {
		kv(b, "rule", f->rule);
		ep_buf_addc(b, ',');
	}
	kv(b, "evidence", f->evidence);
	ep_buf_printf(b, ",\"scanId\":\"%s\"", s->info->scan_id);
	if (f->first_seen[0]) {
		ep_buf_adds(b, ",");
		kv(b, "firstSeen", f->first_seen);
		ep_buf_adds(b, ",");
		kv(b, "lastSeen", f->last_seen);
	}
	if (ep_buf_adds(b, "}}"))
		return EP_EIO;
	return ep_export_end(&s->x);
}

static void rules(struct sarif *s, struct ep_buf *b)
{
	ep_buf_adds(b, "\"rules\":[");
	for (int k = 0; k < NKINDS; k++) {
		enum ep_severity sev = s->seen[k] ? s->worst[k] : rule_default[k];

		ep_buf_printf(
		    b,
		    "%s{\"id\":\"%s\",\"name\":\"%s\",\"shortDescription\":{\"text\":\"%s\"},"
		    "\"fullDescription\":{",
		    k ? "," : "", ep_finding_kind_name((enum ep_finding_kind)k), rule_names[k],
		    rule_short[k]);
		kv(b, "text", ep_export_kind_text((enum ep_finding_kind)k));
		ep_buf_adds(b, "},\"help\":{");
		kv(b, "text", ep_export_kind_fix((enum ep_finding_kind)k));
		ep_buf_printf(
		    b,
		    "},\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{"
		    "\"tags\":[\"security\",\"network\",\"aws-ecs\"],\"precision\":\"high\","
		    "\"security-severity\":\"%s\"}}",
		    ep_export_sev_sarif(sev), sec_sev[sev]);
	}
	ep_buf_adds(b, "]");
}

static void invocation(struct sarif *s, struct ep_buf *b, const struct ep_summary *sum)
{
	char t0[40], t1[40];
	int ok = sum->complete && !sum->interrupted;

	ep_time_format(s->info->started_ns, t0, sizeof(t0));
	ep_time_format(s->info->started_ns + (uint64_t)(sum->duration_s * 1e9), t1, sizeof(t1));
	ep_buf_printf(b,
	              ",\"invocations\":[{\"executionSuccessful\":%s,\"startTimeUtc\":\"%s\","
	              "\"endTimeUtc\":\"%s\"",
	              ok ? "true" : "false", t0, t1);
	if (!ok)
		ep_buf_printf(
		    b,
		    ",\"toolExecutionNotifications\":[{\"level\":\"warning\",\"message\":{"
		    "\"text\":\"the scan is %s: %llu targets were not measured, so some "
		    "findings may be missing\"}}]",
		    sum->interrupted ? "interrupted" : "incomplete",
		    (unsigned long long)sum->unfinished);
	ep_buf_printf(
	    b,
	    ",\"properties\":{\"scanId\":\"%s\",\"mode\":\"%s\",\"probesSent\":%llu,"
	    "\"results\":%llu,\"open\":%llu,\"closed\":%llu,\"filtered\":%llu,"
	    "\"openFiltered\":%llu,\"findings\":%llu}}]",
	    s->info->scan_id, s->info->mode, (unsigned long long)sum->probes_sent,
	    (unsigned long long)sum->results, (unsigned long long)sum->counts[EP_STATE_OPEN],
	    (unsigned long long)sum->counts[EP_STATE_CLOSED],
	    (unsigned long long)sum->counts[EP_STATE_FILTERED],
	    (unsigned long long)sum->counts[EP_STATE_OPEN_FILTERED], (unsigned long long)s->n);
}

/* automationDetails.id "ecsprobe/SCAN_ID": code scanning's category is the
 * part before the last slash, the same for every run, so a new upload
 * replaces the last one's alerts (fixed ones close). */
static int sa_close(void *state, const struct ep_summary *sum)
{
	struct sarif *s = state;
	struct ep_buf *b;
	int rc;

	if (s == NULL)
		return 0;
	b = &s->x.buf;
	ep_buf_adds(b,
	            "],\"tool\":{\"driver\":{\"name\":\"ecsprobe\",\"version\":\"" PACKAGE_VERSION
	            "\",\"semanticVersion\":\"" PACKAGE_VERSION "\",");
	rules(s, b);
	ep_buf_adds(b, "}}");
	invocation(s, b, sum);
	ep_buf_printf(b,
	              ",\"automationDetails\":{\"id\":\"ecsprobe/%s\"},"
	              "\"columnKind\":\"unicodeCodePoints\"}]}\n",
	              s->info->scan_id);
	rc = ep_export_close(&s->x);
	free(s);
	return rc;
}

const struct ep_sink_ops ep_sink_sarif = {
    .name = "sarif",
    .help = "SARIF 2.1.0 for code-scanning uploads: one rule per finding kind, one result "
            "per finding; probe counts in the invocation (sarif:PATH, - for stdout)",
    .open = sa_open,
    .result = NULL,
    .finding = sa_finding,
    .flush = ep_export_sink_flush,
    .close = sa_close,
};
