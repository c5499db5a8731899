/* Probe payload files (probes/NAME.probe): a line-based text format, one
 * `probe ... end` block per payload, parsed into a read-only set; payload
 * choice and reply matching.  The format is documented in probes/README.md;
 * every rejection names file:line:col.  Directory loading: payloads_dir.c. */
#include "probe/payloads.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE   4096
#define MAX_PROBES 1024
#define MAX_NAME   64

struct parser {
	struct ep_payloads *s;
	struct ep_diag *d;
	const char *file; /* basename, for messages */
	const char *lbuf; /* the current line, for columns */
	unsigned line;
	int open; /* inside probe ... end */
	unsigned open_line;
	char name[MAX_NAME + 1];
	enum ep_proto proto;
	int has_proto, has_ports, has_rarity, has_payload, has_match, has_mask, generic;
	struct ep_portset ports;
	unsigned rarity;
	uint8_t data[EP_PAYLOAD_MAX];
	size_t len;
	uint8_t match[EP_PAYLOAD_MAX], mask[EP_PAYLOAD_MAX];
	size_t match_len, match_offset;
};

/* Fills d with "file:line:col: message" (col from `at` within the line, or 1). */
static int fail(struct parser *ps, unsigned line, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct parser *ps, unsigned line, const char *at, const char *fmt, ...)
{
	va_list ap;

	snprintf(ps->d->file, sizeof(ps->d->file), "%s", ps->file);
	ps->d->line = line;
	ps->d->col = at && ps->lbuf ? (unsigned)(at - ps->lbuf) + 1 : 1;
	va_start(ap, fmt);
	vsnprintf(ps->d->msg, sizeof(ps->d->msg), fmt, ap);
	va_end(ap);
	return EP_EPARSE;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t token_len(const char *p)
{
	return strcspn(p, " \t");
}

/* A token's length for "%.*s" in messages: at most 40 bytes of it. */
static int clip(size_t n)
{
	return n > 40 ? 40 : (int)n;
}

/* Nothing but blanks may follow a directive's arguments. */
static int eol(struct parser *ps, const char *p, const char *dir)
{
	p = skip_ws(p);
	if (*p)
		return fail(ps, ps->line, p, "unexpected '%.*s' after '%s'", clip(token_len(p)), p,
		            dir);
	return 0;
}

static int number(struct parser *ps, const char **pp, unsigned long lo, unsigned long hi,
                  const char *what, unsigned long *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return fail(ps, ps->line, p, "expected a number for '%s'", what);
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 999999)
			v = 999999; /* clamp; reported as out of range below */
		p++;
	}
	if (v < lo || v > hi)
		return fail(ps, ps->line, *pp, "%s %lu out of range %lu-%lu", what, v, lo, hi);
	*pp = p;
	*out = v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the quoted string at *pp, appending to out[*len] (capacity cap). */
static int string(struct parser *ps, const char **pp, uint8_t *out, size_t *len, size_t cap,
                  const char *what)
{
	const char *p = *pp, *q = p;

	if (*p != '"')
		return fail(ps, ps->line, p, "expected a quoted string for '%s'", what);
	for (p++; *p != '"'; p++) {
		int c = (unsigned char)*p, h, l;

		q = p;
		if (c == '\0')
			return fail(ps, ps->line, *pp, "unterminated string (no closing '\"')");
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'x':
				h = hexval(p[1]);
				l = h < 0 ? -1 : hexval(p[2]);
				if (l < 0)
					return fail(ps, ps->line, q,
					            "bad escape: '\\x' takes two hex digits");
				c = h * 16 + l;
				p += 2;
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case '\\':
			case '"':
				c = *p;
				break;
			case '0':
				if (p[1] >= '0' && p[1] <= '9')
					return fail(
					    ps, ps->line, q,
					    "bad escape: '\\0' followed by a digit (not octal: "
					    "write \\x00)");
				c = 0;
				break;
			case '\0':
				return fail(ps, ps->line, *pp,
				            "unterminated string (no closing '\"')");
			default:
				if (*p > ' ' && *p < 0x7f)
					return fail(ps, ps->line, q, "bad escape '\\%c'", *p);
				return fail(ps, ps->line, q, "bad escape: '\\' before byte 0x%02x",
				            (unsigned char)*p);
			}
		} else if (c < ' ' || c > '~') {
			return fail(ps, ps->line, q, "byte 0x%02x in a string: write it as \\x%02x",
			            (unsigned)c, (unsigned)c);
		}
		if (*len >= cap)
			return fail(ps, ps->line, q, "%s longer than %zu bytes", what, cap);
		out[(*len)++] = (uint8_t)c;
	}
	*pp = p + 1;
	return 0;
}

static int d_probe(struct parser *ps, const char *p)
{
	size_t n = token_len(p);
	int rc;

	if (ps->open)
		return fail(ps, ps->line, p, "'probe' before the 'end' of probe '%s' (line %u)",
		            ps->name, ps->open_line);
	if (n == 0)
		return fail(ps, ps->line, p, "'probe' needs a name");
	if (n > MAX_NAME || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                              "0123456789._-") < n)
		return fail(ps, ps->line, p,
		            "bad probe name '%.*s' (at most %d letters, digits, '.', '_', '-')",
		            clip(n), p, MAX_NAME);
	rc = eol(ps, p + n, "probe");
	if (rc)
		return rc;
	memcpy(ps->name, p, n);
	ps->name[n] = '\0';
	for (size_t i = 0; i < ps->s->n; i++)
		if (strcmp(ps->s->p[i].name, ps->name) == 0)
			return fail(ps, ps->line, p, "duplicate probe name '%s' (first in %s:%u)",
			            ps->name, ps->s->p[i].file, ps->s->p[i].line);
	if (ps->s->n >= MAX_PROBES)
		return fail(ps, ps->line, p, "more than %d probes", MAX_PROBES);
	ps->open = 1;
	ps->open_line = ps->line;
	ps->proto = EP_PROTO_UDP;
	ps->rarity = 5;
	return 0;
}

static int d_proto(struct parser *ps, const char *p)
{
	size_t n = token_len(p);

	if (ps->has_proto)
		return fail(ps, ps->line, p, "second 'proto' in probe '%s'", ps->name);
	if (ps->has_ports)
		return fail(ps, ps->line, p, "'proto' must come before 'ports'");
	if (n == 3 && strncmp(p, "udp", 3) == 0)
		ps->proto = EP_PROTO_UDP;
	else if (n == 3 && strncmp(p, "tcp", 3) == 0)
		ps->proto = EP_PROTO_TCP;
	else
		return fail(ps, ps->line, p, "'proto' is udp or tcp, not '%.*s'", clip(n), p);
	ps->has_proto = 1;
	return eol(ps, p + n, "proto");
}

static int d_ports(struct parser *ps, const char *p)
{
	struct ep_portset sets[EP_PROTO_COUNT];
	struct ep_diag pd = {0};
	char spec[MAX_LINE + 3];
	size_t n = strlen(p), skip = 0;
	enum ep_proto other = ps->proto == EP_PROTO_UDP ? EP_PROTO_TCP : EP_PROTO_UDP;
	int rc;

	if (ps->has_ports)
		return fail(ps, ps->line, p, "second 'ports' in probe '%s'", ps->name);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return fail(ps, ps->line, p, "'ports' needs a port list or '*'");
	if (n == 1 && p[0] == '*') {
		if (ps->s->generic)
			return fail(ps, ps->line, p,
			            "second generic probe ('ports *'): '%s' in %s is already "
			            "generic",
			            ps->s->generic->name, ps->s->generic->file);
		ps->generic = 1;
		ps->has_ports = 1;
		return 0;
	}
	/* Unprefixed ports belong to the probe's protocol, not to TCP. */
	if (!(strchr("TtUu", p[0]) && p[1] == ':')) {
		spec[0] = ps->proto == EP_PROTO_UDP ? 'U' : 'T';
		spec[1] = ':';
		skip = 2;
	}
	memcpy(spec + skip, p, n);
	spec[skip + n] = '\0';
	rc = ep_portspec_parse(spec, sets, &pd);
	if (rc) {
		size_t col = pd.col > skip ? pd.col - skip - 1 : 0;

		return fail(ps, ps->line, p + (col < n ? col : 0), "bad port list: %s", pd.msg);
	}
	if (sets[other].count) {
		ep_portset_free(&sets[EP_PROTO_TCP]);
		ep_portset_free(&sets[EP_PROTO_UDP]);
		return fail(ps, ps->line, p, "bad port list: %s ports in a %s probe",
		            ep_proto_name(other), ep_proto_name(ps->proto));
	}
	ps->ports = sets[ps->proto];
	ps->has_ports = 1;
	return 0;
}

static int d_rarity(struct parser *ps, const char *p)
{
	unsigned long v;
	int rc;

	if (ps->has_rarity)
		return fail(ps, ps->line, p, "second 'rarity' in probe '%s'", ps->name);
	rc = number(ps, &p, 1, 9, "rarity", &v);
	if (rc)
		return rc;
	ps->rarity = (unsigned)v;
	ps->has_rarity = 1;
	return eol(ps, p, "rarity");
}

static int d_payload(struct parser *ps, const char *p)
{
	int rc;

	do {
		rc = string(ps, &p, ps->data, &ps->len, EP_PAYLOAD_MAX, "payload");
		if (rc)
			return rc;
		p = skip_ws(p);
	} while (*p == '"');
	ps->has_payload = 1;
	return eol(ps, p, "payload");
}

static int d_pad(struct parser *ps, const char *p)
{
	unsigned long v;
	const char *at = p;
	int rc = number(ps, &p, 0, EP_PAYLOAD_MAX, "pad", &v);

	if (rc)
		return rc;
	if (v < ps->len)
		return fail(ps, ps->line, at,
		            "pad %lu is shorter than the payload so far (%zu bytes)", v, ps->len);
	memset(ps->data + ps->len, 0, v - ps->len);
	ps->len = v;
	ps->has_payload = 1;
	return eol(ps, p, "pad");
}

/* match [offset N] [mask "M"] "BYTES" */
static int d_match(struct parser *ps, const char *p)
{
	const char *at = p;
	size_t mlen = 0;
	unsigned long v;
	int rc;

	if (ps->has_match)
		return fail(ps, ps->line, p, "second 'match' in probe '%s' (one per probe)",
		            ps->name);
	ps->match_offset = 0;
	if (strncmp(p, "offset", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
		p = skip_ws(p + 6);
		rc = number(ps, &p, 0, 65535, "offset", &v);
		if (rc)
			return rc;
		ps->match_offset = v;
		p = skip_ws(p);
	}
	if (strncmp(p, "mask", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
		p = skip_ws(p + 4);
		rc = string(ps, &p, ps->mask, &mlen, EP_PAYLOAD_MAX, "mask");
		if (rc)
			return rc;
		ps->has_mask = 1;
		p = skip_ws(p);
	}
	at = p;
	rc = string(ps, &p, ps->match, &ps->match_len, EP_PAYLOAD_MAX, "match");
	if (rc)
		return rc;
	if (ps->match_len == 0)
		return fail(ps, ps->line, at, "empty 'match' string");
	if (ps->has_mask && mlen != ps->match_len)
		return fail(ps, ps->line, at, "mask is %zu bytes but the match is %zu", mlen,
		            ps->match_len);
	for (size_t i = 0; ps->has_mask && i < mlen; i++)
		if (ps->match[i] & ~ps->mask[i])
			return fail(ps, ps->line, at, "match byte %zu has bits outside its mask",
			            i + 1);
	ps->has_match = 1;
	return eol(ps, p, "match");
}

static void payload_free(struct ep_payload *p)
{
	free(p->name);
	free(p->file);
	free(p->data);
	free(p->match);
	free(p->match_mask);
	ep_portset_free(&p->ports);
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
	uint8_t *o = malloc(n ? n : 1);

	if (o && n)
		memcpy(o, b, n);
	return o;
}

/* Capacity for n rows: 0, then powers of two from 8 (no cap field needed). */
static size_t rows_cap(size_t n)
{
	size_t c = 8;

	if (n == 0)
		return 0;
	while (c < n)
		c *= 2;
	return c;
}

/* Appends the finished block; moves ps->ports into the set.  May reallocate. */
static int commit(struct parser *ps)
{
	struct ep_payloads *s = ps->s;
	struct ep_payload *p;
	size_t gi = s->generic ? (size_t)(s->generic - s->p) : 0;

	if (s->n + 1 > rows_cap(s->n)) {
		struct ep_payload *np = realloc(s->p, rows_cap(s->n + 1) * sizeof(*np));

		if (np == NULL)
			return ep_diag_set(ps->d, EP_ENOMEM, 0, 0, "out of memory");
		if (s->generic)
			s->generic = np + gi;
		s->p = np;
	}
	p = &s->p[s->n];
	memset(p, 0, sizeof(*p));
	p->name = strdup(ps->name);
	p->file = strdup(ps->file);
	p->data = dup_bytes(ps->data, ps->len);
	if (ps->has_match) {
		p->match = dup_bytes(ps->match, ps->match_len);
		if (ps->has_mask)
			p->match_mask = dup_bytes(ps->mask, ps->match_len);
	}
	if (!p->name || !p->file || !p->data || (ps->has_match && !p->match) ||
	    (ps->has_mask && !p->match_mask)) {
		payload_free(p);
		return ep_diag_set(ps->d, EP_ENOMEM, 0, 0, "out of memory");
	}
	p->proto = ps->proto;
	p->ports = ps->ports;
	memset(&ps->ports, 0, sizeof(ps->ports));
	p->len = ps->len;
	p->match_len = ps->has_match ? ps->match_len : 0;
	p->match_offset = ps->match_offset;
	p->rarity = ps->rarity;
	p->line = ps->open_line;
	if (ps->generic)
		s->generic = p;
	s->n++;
	return 0;
}

static int d_end(struct parser *ps, const char *p)
{
	int rc = eol(ps, p, "end");

	if (rc)
		return rc;
	if (!ps->has_ports)
		return fail(ps, ps->open_line, NULL, "probe '%s' has no 'ports'", ps->name);
	if (!ps->has_payload)
		return fail(ps, ps->open_line, NULL, "probe '%s' has no 'payload'", ps->name);
	rc = commit(ps);
	if (rc)
		return rc;
	ps->open = 0;
	ps->has_proto = ps->has_ports = ps->has_rarity = ps->has_payload = 0;
	ps->has_match = ps->has_mask = ps->generic = 0;
	ps->len = ps->match_len = ps->match_offset = 0;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct parser *ps, const char *args);
} directives[] = {
    {"probe", d_probe},     {"proto", d_proto}, {"ports", d_ports}, {"rarity", d_rarity},
    {"payload", d_payload}, {"pad", d_pad},     {"match", d_match}, {"end", d_end},
};

static int parse_line(struct parser *ps, const char *line)
{
	const char *p = skip_ws(line);
	size_t n = token_len(p);

	if (*p == '\0' || *p == '#')
		return 0;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		if (strlen(directives[i].name) != n || strncmp(directives[i].name, p, n) != 0)
			continue;
		if (!ps->open && strcmp(directives[i].name, "probe") != 0)
			return fail(ps, ps->line, p,
			            "'%s' outside a probe block (no 'probe NAME' "
			            "before it)",
			            directives[i].name);
		return directives[i].fn(ps, skip_ws(p + n));
	}
	return fail(ps, ps->line, p, "unknown directive '%.*s'", clip(n), p);
}

void ep_payloads_truncate(struct ep_payloads *s, size_t n0)
{
	if (s->generic && (size_t)(s->generic - s->p) >= n0)
		s->generic = NULL;
	while (s->n > n0)
		payload_free(&s->p[--s->n]);
	if (s->n == 0) {
		free(s->p);
		s->p = NULL;
	}
}

int ep_payloads_parse(struct ep_payloads *s, const char *name, const char *text, size_t len,
                      struct ep_diag *d)
{
	struct ep_diag scratch = {0};
	struct parser *ps = calloc(1, sizeof(*ps));
	char *line = malloc(MAX_LINE + 1);
	const char *slash = strrchr(name, '/');
	size_t pos = 0, n0 = s->n;
	int rc = 0;

	if (ps == NULL || line == NULL) {
		free(ps);
		free(line);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	ps->s = s;
	ps->d = d ? d : &scratch;
	ps->file = slash ? slash + 1 : name;
	while (rc == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t raw = nl ? (size_t)(nl - (text + pos)) : len - pos, ll = raw;

		ps->line++;
		ps->lbuf = NULL;
		if (ll && text[pos + ll - 1] == '\r')
			ll--;
		if (ll > MAX_LINE)
			rc = fail(ps, ps->line, NULL, "line longer than %d bytes", MAX_LINE);
		else if (memchr(text + pos, '\0', ll))
			rc = fail(ps, ps->line, NULL, "NUL byte in the file");
		if (rc)
			break;
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		ps->lbuf = line;
		rc = parse_line(ps, line);
		pos += raw + (nl ? 1 : 0);
	}
	ps->lbuf = NULL;
	if (rc == 0 && ps->open)
		rc = fail(ps, ps->open_line, NULL, "probe '%s' has no 'end'", ps->name);
	if (rc) {
		snprintf(ps->d->file, sizeof(ps->d->file), "%s", ps->file);
		ep_payloads_truncate(s, n0);
	}
	ep_portset_free(&ps->ports);
	free(ps);
	free(line);
	return rc;
}

void ep_payloads_free(struct ep_payloads *s)
{
	ep_payloads_truncate(s, 0);
	free(s->p);
	memset(s, 0, sizeof(*s));
}

/* O(n * ranges): callers on a hot path cache the answer per port. */
const struct ep_payload *ep_payloads_for(const struct ep_payloads *s, enum ep_proto proto,
                                         uint16_t port)
{
	const struct ep_payload *best = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct ep_payload *p = &s->p[i];

		if (p == s->generic || p->proto != proto || !ep_portset_has(&p->ports, port))
			continue;
		if (best == NULL || p->rarity < best->rarity)
			best = p;
	}
	if (best == NULL && s->generic && s->generic->proto == proto)
		best = s->generic;
	return best;
}

int ep_payload_matches(const struct ep_payload *p, const uint8_t *resp, size_t len)
{
	if (p->match_len == 0)
		return 1;
	if (len < p->match_offset || len - p->match_offset < p->match_len)
		return 0;
	for (size_t i = 0; i < p->match_len; i++) {
		uint8_t b = resp[p->match_offset + i];

		if (p->match_mask)
			b &= p->match_mask[i];
		if (b != p->match[i])
			return 0;
	}
	return 1;
}
