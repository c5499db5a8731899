/* RFC 5424 formatting of findings and results (syslog_fmt.h):
 * <PRI>1 TIMESTAMP HOSTNAME ecsprobe PROCID MSGID [ecsprobe@32473 ...] MSG */
#include "report/syslog_fmt.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/findings.h"
#include "config/cidr.h"
#include "config/portspec.h"

/* syslog severities (RFC 5424 table 2) */
enum { SEV_CRIT = 2, SEV_ERR = 3, SEV_WARNING = 4, SEV_NOTICE = 5, SEV_INFO = 6, SEV_DEBUG = 7 };

int ep_syslog_facility(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} names[] = {
	    {"kern", 0},    {"user", 1},    {"daemon", 3},  {"auth", 4},    {"authpriv", 10},
	    {"audit", 13},  {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19},
	    {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
	};
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].code;
	if (*name < '0' || *name > '9')
		return -1;
	v = strtol(name, &end, 10);
	return *end == '\0' && v >= 0 && v <= 23 ? (int)v : -1;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Appends s with controls and invalid UTF-8 as '?', escaping SD specials
 * when sd; *non_ascii set when valid multi-byte characters were kept. */
static int add_clean(struct ep_buf *b, const char *s, int sd, int *non_ascii)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	while (*p && rc == 0) {
		size_t n = 0;

		/* runs of plain ASCII in one append: this is the hot path */
		while (p[n] >= 0x20 && p[n] < 0x7f &&
		       !(sd && (p[n] == '"' || p[n] == '\\' || p[n] == ']')))
			n++;
		if (n) {
			rc = ep_buf_add(b, p, n);
			p += n;
			continue;
		}
		n = utf8_len(p);

		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			rc = ep_buf_addc(b, '?');
			p++;
			continue;
		}
		if (n > 1 && non_ascii)
			*non_ascii = 1;
		if (sd && (*p == '"' || *p == '\\' || *p == ']'))
			ep_buf_addc(b, '\\');
		rc = ep_buf_add(b, p, n);
		p += n;
	}
	return rc;
}

int ep_syslog_sd_value(struct ep_buf *b, const char *s)
{
	return add_clean(b, s, 1, NULL);
}

int ep_syslog_msg(struct ep_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int non_ascii = 0;

	for (; *p; p++)
		if (*p >= 0x80) {
			size_t n = utf8_len(p);

			if (n > 1) {
				non_ascii = 1;
				break;
			}
		}
	if (non_ascii)
		ep_buf_add(b, "\xef\xbb\xbf", 3); /* MSG-UTF8 starts with the BOM */
	return add_clean(b, s, 0, NULL);
}

static void param(struct ep_buf *b, const char *name, const char *value)
{
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, name);
	ep_buf_adds(b, "=\"");
	ep_syslog_sd_value(b, value);
	ep_buf_addc(b, '"');
}

static void param_u(struct ep_buf *b, const char *name, uint64_t v)
{
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, name);
	ep_buf_adds(b, "=\"");
	ep_buf_addu(b, v);
	ep_buf_addc(b, '"');
}

static void hex64(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
}

void ep_syslog_meta_init(struct ep_syslog_meta *m, const char *scan_id)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	uint64_t v = 0;

	m->scan_id = scan_id;
	SHA256((const unsigned char *)scan_id, strlen(scan_id), md);
	for (int i = 0; i < 8; i++)
		v = v << 8 | md[i];
	hex64(m->scan_key, v);
	m->scan_key[16] = '\0';
}

/* FNV-1a with murmur3's finaliser: 64 well-mixed bits for a target */
static uint64_t hash_target(const struct ep_target *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const uint8_t *a = t->addr.b;
	uint8_t tail[4] = {(uint8_t)t->proto, (uint8_t)(t->port >> 8), (uint8_t)t->port,
	                   (uint8_t)t->addr.family};

	for (size_t i = 0; i < sizeof(t->addr.b); i++)
		h = (h ^ a[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < sizeof(tail); i++)
		h = (h ^ tail[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb93fe53aa6e3ULL;
	return h ^ (h >> 33);
}

/* <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then the SD-ELEMENT's
 * opening with eventID and scanID */
static void header(struct ep_buf *b, const struct ep_syslog_meta *m, int sev, uint64_t ts_ns,
                   const char *msgid, const char *id)
{
	char ts[40];

	ep_time_format(ts_ns, ts, sizeof(ts));
	ep_buf_addc(b, '<');
	ep_buf_addu(b, (uint64_t)(m->facility * 8 + sev));
	ep_buf_adds(b, ">1 ");
	ep_buf_adds(b, ts);
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, m->hostname && m->hostname[0] ? m->hostname : "-");
	ep_buf_adds(b, " ecsprobe ");
	ep_buf_addu(b, m->pid);
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, msgid);
	ep_buf_adds(b, " [" EP_SYSLOG_SDID " eventID=\"");
	ep_buf_add(b, id, 32);
	ep_buf_addc(b, '"');
	param(b, "scanID", m->scan_id);
}

static int severity_of(enum ep_severity s)
{
	switch (s) {
	case EP_SEV_CRITICAL:
		return SEV_CRIT;
	case EP_SEV_HIGH:
		return SEV_ERR;
	case EP_SEV_MEDIUM:
		return SEV_WARNING;
	default:
		return SEV_NOTICE;
	}
}

int ep_syslog_finding(struct ep_buf *b, const struct ep_syslog_meta *m, const struct ep_finding *f,
                      uint64_t now_ns, char id[65])
{
	char ports[EP_FINDING_PORTS_LEN], text[1024];

	/* the scan's key, then the finding's own (stable) id */
	memcpy(id, m->scan_key, 16);
	snprintf(id + 16, 17, "%.16s", f->id);
	for (size_t i = strlen(id); i < 32; i++)
		id[i] = '0';
	id[32] = '\0';
	ep_finding_ports_text(f, ports, sizeof(ports));
	header(b, m, severity_of(f->severity), now_ns, "finding", id);
	param(b, "kind", ep_finding_kind_name(f->kind));
	param(b, "severity", ep_severity_name(f->severity));
	param(b, "id", f->id);
	param(b, "account", f->account);
	param(b, "region", f->region);
	param(b, "address", f->address);
	/* port ("22" or "8400-8499") names one contiguous range: only a
	 * finding with one has it; ports is the whole list, always */
	if (f->nranges == 1)
		param(b, "port", ports);
	param(b, "proto", ep_finding_proto_name(f));
	param(b, "ports", ports);
	param_u(b, "portCount", f->nports);
	if (f->rule[0])
		param(b, "rule", f->rule);
	param(b, "owner", f->owner);
	if (f->interface[0])
		param(b, "interface", f->interface);
	param(b, "evidence", f->evidence);
	if (f->first_seen[0]) {
		param(b, "firstSeen", f->first_seen);
		param(b, "lastSeen", f->last_seen);
	}
	ep_buf_adds(b, "] ");
	snprintf(text, sizeof(text), "%s %s %s %s/%s %s: %s", ep_severity_name(f->severity),
	         ep_finding_kind_name(f->kind), f->address, ep_finding_proto_name(f), ports,
	         f->owner, f->message);
	return ep_syslog_msg(b, text);
}

int ep_syslog_result(struct ep_buf *b, const struct ep_syslog_meta *m, const struct ep_result *r,
                     char id[65])
{
	char addr[EP_ADDRSTRLEN];
	const char *proto = ep_proto_name(r->t.proto);

	ep_addr_format(&r->t.addr, addr, sizeof(addr));
	memcpy(id, m->scan_key, 16);
	hex64(id + 16, hash_target(&r->t));
	id[32] = '\0';
	header(b, m, r->state == EP_STATE_OPEN ? SEV_INFO : SEV_DEBUG, r->ts_ns, "result", id);
	param(b, "address", addr);
	param_u(b, "port", r->t.port);
	param(b, "proto", proto);
	param(b, "state", ep_state_name(r->state));
	param(b, "reason", ep_reason_name(r->reason));
	if (r->rtt_ns) {
		ep_buf_adds(b, " rttMs=\"");
		ep_buf_addfixed(b, (r->rtt_ns + 500) / 1000, 3);
		ep_buf_addc(b, '"');
	}
	param_u(b, "attempts", r->attempts);
	if (r->probe)
		param(b, "probe", r->probe);
	ep_buf_adds(b, "] ");
	ep_buf_adds(b, addr);
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, proto);
	ep_buf_addc(b, '/');
	ep_buf_addu(b, r->t.port);
	ep_buf_addc(b, ' ');
	ep_buf_adds(b, ep_state_name(r->state));
	ep_buf_adds(b, " (");
	ep_buf_adds(b, ep_reason_name(r->reason));
	return ep_buf_addc(b, ')');
}
