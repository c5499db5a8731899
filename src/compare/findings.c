/* Findings: ids, names, ordering and output. */
#include "compare/findings.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "base/err.h"
#include "compare/checks.h"

const char *ep_finding_kind_name(enum ep_finding_kind k)
{
	static const char *const names[] = {
#define EP_FK_NAME(n, s) s,
	    EP_FINDING_KINDS(EP_FK_NAME)
#undef EP_FK_NAME
	};
	return names[k];
}

const char *ep_severity_name(enum ep_severity s)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};

	return names[s];
}

int ep_severity_parse(const char *s, enum ep_severity *out)
{
	for (int i = EP_SEV_LOW; i <= EP_SEV_CRITICAL; i++)
		if (strcmp(s, ep_severity_name((enum ep_severity)i)) == 0) {
			*out = (enum ep_severity)i;
			return 0;
		}
	return EP_EINVAL;
}

void ep_finding_set_ports(struct ep_finding *f, uint16_t lo, uint16_t hi)
{
	f->lo = f->ranges[0].lo = lo;
	f->hi = f->ranges[0].hi = hi;
	f->nranges = 1;
	f->nports = (uint32_t)hi - lo + 1;
}

int ep_finding_add_range(struct ep_finding *f, uint16_t lo, uint16_t hi)
{
	if (f->nranges && (uint32_t)f->ranges[f->nranges - 1].hi + 1 == lo) {
		f->ranges[f->nranges - 1].hi = hi;
	} else {
		if (f->nranges == EP_FINDING_MAX_RANGES)
			return -1;
		f->ranges[f->nranges].lo = lo;
		f->ranges[f->nranges].hi = hi;
		if (f->nranges++ == 0)
			f->lo = lo;
	}
	f->hi = hi;
	f->nports += (uint32_t)hi - lo + 1;
	return 0;
}

_Static_assert(sizeof("65535-65535,") - 1 <= EP_FINDING_PORTS_LEN / EP_FINDING_MAX_RANGES,
               "EP_FINDING_PORTS_LEN holds a full ranges[] without truncation");

void ep_finding_ports_text(const struct ep_finding *f, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < f->nranges && used < len; i++) {
		const struct ep_port_span *r = &f->ranges[i];
		int n =
		    r->lo == r->hi
		        ? snprintf(out + used, len - used, "%s%u", i ? "," : "", r->lo)
		        : snprintf(out + used, len - used, "%s%u-%u", i ? "," : "", r->lo, r->hi);

		if (n < 0 || (size_t)n >= len - used) {
			if (len >= 4)
				memcpy(out + len - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}

/* The address is left out on purpose: a task that moves to a new address
 * keeps its findings' ids.  A latent exposure is named by its rule, not by
 * its ports, which change as services open and close them.  Without a rule,
 * several ranges are named by their list: "lo-hi" would also name the one
 * range lo-hi (and one range keeps the key version 1 gave it). */
void ep_finding_make_id(struct ep_finding *f)
{
	char key[1000], ports[EP_FINDING_PORTS_LEN];
	unsigned char md[SHA256_DIGEST_LENGTH];
	int n;

	if (f->rule[0])
		snprintf(ports, sizeof(ports), "%s", f->rule);
	else if (f->nranges > 1)
		ep_finding_ports_text(f, ports, sizeof(ports));
	else
		snprintf(ports, sizeof(ports), "%u-%u", f->lo, f->hi);
	n = snprintf(key, sizeof(key), "%s|%s|%s|%d|%s|%s", f->account, f->region, f->owner,
	             ep_proto_iana(f->proto), ports, ep_finding_kind_name(f->kind));

	SHA256((const unsigned char *)key, (size_t)(n > 0 ? n : 0), md);
	for (int i = 0; i < 8; i++)
		snprintf(f->id + 2 * i, 3, "%02x", md[i]);
}

int ep_findings_add(struct ep_findings *fs, const struct ep_finding *f)
{
	if (ep_array_reserve((void **)&fs->f, &fs->cap, fs->n + 1, sizeof(*fs->f)))
		return EP_ENOMEM;
	fs->f[fs->n++] = *f;
	return 0;
}

void ep_findings_free(struct ep_findings *fs)
{
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

static int cmp(const void *pa, const void *pb)
{
	const struct ep_finding *a = pa, *b = pb;
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	c = strcmp(a->address, b->address);
	if (c)
		return c;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (int)a->kind - (int)b->kind;
}

void ep_findings_sort(struct ep_findings *fs)
{
	if (fs->n > 1)
		qsort(fs->f, fs->n, sizeof(*fs->f), cmp);
}

static const char *pname(enum ep_proto proto)
{
	return ep_proto_name(proto);
}

void ep_finding_print(FILE *out, const struct ep_finding *f)
{
	char ports[EP_FINDING_PORTS_LEN], m[1024], e[1024], o[512], a[128], r[128];

	/* values from AWS, the intent or a baseline: no control character may
	 * reach a terminal or start a line (a GitHub workflow command) */
	ep_finding_ports_text(f, ports, sizeof(ports));
	fprintf(
	    out, "%-8s %-20s %s %s/%s %s\n         evidence: %s\n         id %s, owner %s, %s %s\n",
	    ep_severity_name(f->severity), ep_finding_kind_name(f->kind), f->address,
	    pname(f->proto), ports, ep_text_safe(f->message, m, sizeof(m)),
	    ep_text_safe(f->evidence, e, sizeof(e)), f->id, ep_text_safe(f->owner, o, sizeof(o)),
	    ep_text_safe(f->account, a, sizeof(a)), ep_text_safe(f->region, r, sizeof(r)));
}

/* ,"controls":["aws-fsbp/EC2.18",...]: the public controls the finding
 * fails (compare/checks.h); left out when none. */
static void controls_json(struct ep_buf *b, const struct ep_finding *f)
{
	unsigned bits = ep_checks_control_bits(f);
	const char *sep = ",\"controls\":[";

	if (bits == 0)
		return;
	for (size_t c = 0; c < ep_ncontrols; c++)
		if (bits & (1u << c)) {
			ep_buf_adds(b, sep);
			ep_buf_json_str(b, ep_controls[c].key);
			sep = ",";
		}
	ep_buf_adds(b, "]");
}

int ep_finding_json_buf(struct ep_buf *b, const struct ep_finding *f, const char *scan_id)
{
	ep_buf_printf(b,
	              "{\"type\":\"finding\",\"schema\":\"ecsprobe.finding/2\",\"scan_id\":\"%s\","
	              "\"id\":\"%s\",\"kind\":\"%s\",\"severity\":\"%s\",\"account\":",
	              scan_id, f->id, ep_finding_kind_name(f->kind), ep_severity_name(f->severity));
	ep_buf_json_str(b, f->account);
	ep_buf_adds(b, ",\"region\":");
	ep_buf_json_str(b, f->region);
	ep_buf_adds(b, ",\"address\":");
	ep_buf_json_str(b, f->address);
	ep_buf_adds(b, ",\"interface\":");
	ep_buf_json_str(b, f->interface);
	ep_buf_adds(b, ",\"owner\":");
	ep_buf_json_str(b, f->owner);
	ep_buf_printf(b, ",\"proto\":\"%s\"", pname(f->proto));
	if (f->nranges == 1)
		ep_buf_printf(b, ",\"port_from\":%u,\"port_to\":%u", f->lo, f->hi);
	ep_buf_adds(b, ",\"ports\":[");
	for (unsigned i = 0; i < f->nranges; i++)
		ep_buf_printf(b, "%s[%u,%u]", i ? "," : "", f->ranges[i].lo, f->ranges[i].hi);
	ep_buf_printf(b, "],\"port_count\":%u", f->nports);
	if (f->rule[0]) {
		ep_buf_adds(b, ",\"rule\":");
		ep_buf_json_str(b, f->rule);
	}
	controls_json(b, f);
	ep_buf_adds(b, ",\"message\":");
	ep_buf_json_str(b, f->message);
	ep_buf_adds(b, ",\"evidence\":");
	ep_buf_json_str(b, f->evidence);
	if (f->first_seen[0]) {
		ep_buf_adds(b, ",\"first_seen\":");
		ep_buf_json_str(b, f->first_seen);
		ep_buf_adds(b, ",\"last_seen\":");
		ep_buf_json_str(b, f->last_seen);
	}
	return ep_buf_adds(b, "}\n");
}

const char *ep_finding_proto_name(const struct ep_finding *f)
{
	return pname(f->proto);
}

void ep_finding_json(FILE *out, const struct ep_finding *f, const char *scan_id)
{
	struct ep_buf b;

	ep_buf_init(&b, 8192);
	ep_finding_json_buf(&b, f, scan_id);
	if (b.data)
		fputs(b.data, out);
	ep_buf_free(&b);
}

void ep_finding_github(FILE *out, const struct ep_finding *f, int error)
{
	char title[96], ports[EP_FINDING_PORTS_LEN];
	struct ep_buf b;

	snprintf(title, sizeof(title), "ecsprobe %s (%s)", ep_finding_kind_name(f->kind),
	         ep_severity_name(f->severity));
	ep_finding_ports_text(f, ports, sizeof(ports));
	/* one line, whatever the values hold: escaped per GitHub's rules */
	ep_buf_init(&b, 64 << 10);
	ep_buf_printf(&b, "::%s title=", error ? "error" : "warning");
	ep_text_gh_property(&b, title);
	ep_buf_adds(&b, "::");
	ep_text_gh_data(&b, f->address);
	ep_buf_printf(&b, " %s/%s ", pname(f->proto), ports);
	ep_text_gh_data(&b, f->message);
	ep_buf_adds(&b, " (");
	ep_text_gh_data(&b, f->evidence);
	ep_buf_adds(&b, "; id ");
	ep_text_gh_data(&b, f->id);
	ep_buf_adds(&b, ")\n");
	if (b.data)
		fputs(b.data, out);
	ep_buf_free(&b);
}
