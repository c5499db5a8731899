/* Findings: ids, names, ordering and output. */
#include "compare/findings.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"

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

/* The address is left out on purpose: a task that moves to a new address
 * keeps its findings' ids. */
void ep_finding_make_id(struct ep_finding *f)
{
	char key[600];
	unsigned char md[SHA256_DIGEST_LENGTH];
	int n = snprintf(key, sizeof(key), "%s|%s|%s|%d|%u-%u|%s", f->account, f->region, f->owner,
	                 f->proto, f->lo, f->hi, ep_finding_kind_name(f->kind));

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

static const char *pname(int proto)
{
	return proto == 17 ? "udp" : "tcp";
}

void ep_finding_print(FILE *out, const struct ep_finding *f)
{
	char ports[16];

	if (f->lo == f->hi)
		snprintf(ports, sizeof(ports), "%u", f->lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", f->lo, f->hi);
	fprintf(out,
	        "%-8s %-20s %s %s/%s %s\n         evidence: %s\n         id %s, owner %s, %s %s\n",
	        ep_severity_name(f->severity), ep_finding_kind_name(f->kind), f->address,
	        pname(f->proto), ports, f->message, f->evidence, f->id, f->owner, f->account,
	        f->region);
}

int ep_finding_json_buf(struct ep_buf *b, const struct ep_finding *f, const char *scan_id)
{
	ep_buf_printf(b,
	              "{\"type\":\"finding\",\"schema\":\"ecsprobe.finding/1\",\"scan_id\":\"%s\","
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
	ep_buf_printf(b, ",\"proto\":\"%s\",\"port_from\":%u,\"port_to\":%u,\"message\":",
	              pname(f->proto), f->lo, f->hi);
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

/* Workflow-command escaping: %, CR and LF always; ':' and ',' too in
 * property values. */
static void gh_escape(FILE *out, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

void ep_finding_github(FILE *out, const struct ep_finding *f, int error)
{
	char title[96], ports[16];

	snprintf(title, sizeof(title), "ecsprobe %s (%s)", ep_finding_kind_name(f->kind),
	         ep_severity_name(f->severity));
	if (f->lo == f->hi)
		snprintf(ports, sizeof(ports), "%u", f->lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", f->lo, f->hi);
	fprintf(out, "::%s title=", error ? "error" : "warning");
	gh_escape(out, title, 1);
	fputs("::", out);
	gh_escape(out, f->address, 0);
	fprintf(out, " %s/%s ", pname(f->proto), ports);
	gh_escape(out, f->message, 0);
	fputs(" (", out);
	gh_escape(out, f->evidence, 0);
	fprintf(out, "; id %s)\n", f->id);
}
