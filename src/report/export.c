/* Shared plumbing of the export sinks (see export.h): writer, owner parsing,
 * result ids, timestamps and severity scales. */
#include "report/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "compare/checks.h"
#include "net/cookie.h"

#define FLUSH_AT (64 * 1024)
/* A record is at most a few KiB; the cap only guards against a runaway. */
#define BUF_MAX (16 * 1024 * 1024)

int ep_export_open(struct ep_export *x, const char *format, const char *dest, struct ep_diag *d)
{
	int rc;

	memset(x, 0, sizeof(*x));
	ep_buf_init(&x->buf, BUF_MAX);
	rc = ep_output_open(&x->out, format, dest, d);
	x->fd = x->out.fd;
	return rc;
}

int ep_export_flush(struct ep_export *x)
{
	if (!x->failed && ep_output_write(&x->out, x->buf.data, x->buf.len))
		x->failed = 1;
	ep_buf_reset(&x->buf);
	return x->failed ? EP_EIO : 0;
}

int ep_export_end(struct ep_export *x)
{
	if (x->buf.len >= FLUSH_AT)
		return ep_export_flush(x);
	return x->failed ? EP_EIO : 0;
}

int ep_export_close(struct ep_export *x)
{
	int rc = ep_export_flush(x);

	if (ep_output_close(&x->out, rc == 0))
		rc = EP_EIO;
	ep_buf_free(&x->buf);
	return rc;
}

int ep_export_sink_flush(void *state)
{
	return ep_export_flush(state); /* the export is the state's first member */
}

int ep_export_sink_close(void *state, const struct ep_summary *s)
{
	int rc;

	(void)s;
	if (state == NULL)
		return 0;
	rc = ep_export_close(state);
	free(state);
	return rc;
}

static void copy_part(char *out, size_t len, const char *s, size_t n)
{
	snprintf(out, len, "%.*s", (int)n, s);
}

void ep_export_owner(const char *owner, struct ep_owner *o)
{
	const char *s1 = strchr(owner, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	memset(o, 0, sizeof(*o));
	if (s1 == NULL) {
		o->kind = EP_OWNER_ENI;
		snprintf(o->name, sizeof(o->name), "%s", owner);
	} else if (s2 == NULL && strncmp(owner, "lb/", 3) == 0) {
		o->kind = EP_OWNER_LB;
		snprintf(o->name, sizeof(o->name), "%s", owner + 3);
	} else {
		o->kind = EP_OWNER_ECS;
		copy_part(o->cluster, sizeof(o->cluster), owner, (size_t)(s1 - owner));
		if (s2) {
			copy_part(o->service, sizeof(o->service), s1 + 1, (size_t)(s2 - s1 - 1));
			snprintf(o->container, sizeof(o->container), "%s", s2 + 1);
		} else {
			snprintf(o->service, sizeof(o->service), "%s", s1 + 1);
		}
	}
}

int ep_export_addr(struct ep_buf *b, const struct ep_addr *a)
{
	char text[EP_ADDRSTRLEN];

	return ep_buf_adds(b, ep_addr_format(a, text, sizeof(text)));
}

/* a fixed public key: the id only has to be stable and well spread */
static const struct ep_cookie_key result_id_key = {0x65637370726f6265ULL, 0x726573756c742d31ULL};

void ep_result_ids_init(struct ep_result_ids *ids, const char *scan_id)
{
	ep_siphash_prefix_init(&ids->pre, &result_id_key, scan_id, strnlen(scan_id, 64));
}

void ep_result_ids_make(const struct ep_result_ids *ids, const struct ep_result *r, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char m[1 + 16 + 3];
	size_t n = 0;
	uint64_t h;

	m[n++] = r->t.addr.family;
	memcpy(m + n, r->t.addr.b, r->t.addr.family == 6 ? 16 : 4);
	n += r->t.addr.family == 6 ? 16 : 4;
	m[n++] = (unsigned char)r->t.proto;
	m[n++] = (unsigned char)(r->t.port >> 8);
	m[n++] = (unsigned char)r->t.port;
	h = ep_siphash_prefix_sum(&ids->pre, m, n);
	for (int i = 15; i >= 0; i--) {
		out[i] = hex[h & 15];
		h >>= 4;
	}
	out[16] = '\0';
}

void ep_export_result_id(const char *scan_id, const struct ep_result *r, char out[17])
{
	struct ep_result_ids ids;

	ep_result_ids_init(&ids, scan_id);
	ep_result_ids_make(&ids, r, out);
}

uint64_t ep_export_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return EP_EPARSE;
		v = v * 10 + (**s - '0');
	}
	*out = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return EP_EPARSE;
	(*s)++;
	return 0;
}

int ep_export_time_parse(const char *s, uint64_t *ns)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	uint64_t frac = 0, scale = 1000000000u;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) || expect(&s, '-') ||
	    digits(&s, 2, &d) || expect(&s, 'T') || digits(&s, 2, &h) || expect(&s, ':') ||
	    digits(&s, 2, &mi) || expect(&s, ':') || digits(&s, 2, &se))
		return EP_EPARSE;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
	}
	if (strcmp(s, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || y < 1970)
		return EP_EPARSE;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t < 0)
		return EP_EPARSE;
	*ns = (uint64_t)t * 1000000000u + frac;
	return 0;
}

int ep_export_ts(struct ep_buf *b, struct ep_tscache *c, uint64_t ns, unsigned digits)
{
	uint64_t sec = ns / 1000000000u;
	char full[40];
	int rc;

	if (sec != c->sec || c->text[0] == '\0') {
		ep_time_format(sec * 1000000000u, full, sizeof(full));
		memcpy(c->text, full, 20); /* "YYYY-MM-DDTHH:MM:SS." */
		c->text[20] = '\0';
		c->sec = sec;
	}
	rc = ep_buf_add(b, c->text, 20);
	if (rc == 0)
		rc = digits == 3 ? ep_buf_addu_pad(b, ns % 1000000000u / 1000000u, 3)
		                 : ep_buf_addu_pad(b, ns % 1000000000u / 1000u, 6);
	return rc ? rc : ep_buf_addc(b, 'Z');
}

const char *ep_export_partition(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

int ep_export_json_str(struct ep_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	int rc = ep_buf_addc(b, '"');

	for (; rc == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6];
		size_t n = 6;

		if (c >= 0x80) {
			/* valid UTF-8 runs on; an invalid byte becomes U+FFFD, so no
			 * JSON line is ever invalid (the same as ep_buf_json_str) */
			size_t u = ep_utf8_len((const unsigned char *)s);

			if (u) {
				s += u - 1;
				continue;
			}
			rc = ep_buf_add(b, run, (size_t)(s - run));
			if (rc == 0)
				rc = ep_buf_add(b, "\\ufffd", 6);
			run = s + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		esc[0] = '\\';
		esc[1] = 'u';
		esc[2] = esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
			n = 2;
		}
		rc = ep_buf_add(b, run, (size_t)(s - run));
		if (rc == 0)
			rc = ep_buf_add(b, esc, n);
		run = s + 1;
	}
	if (rc == 0)
		rc = ep_buf_add(b, run, (size_t)(s - run));
	return rc ? rc : ep_buf_addc(b, '"');
}

int ep_export_kv(struct ep_buf *b, const char *key, const char *val)
{
	ep_buf_addc(b, '"');
	ep_buf_adds(b, key);
	ep_buf_add(b, "\":", 2);
	return ep_export_json_str(b, val);
}

static int cef_escape(struct ep_buf *b, const char *s, int header)
{
	int rc = 0;
	const char *run = s;

	/* copy runs of plain bytes at once: values are mostly plain */
	for (; rc == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = NULL;

		if (c == '\\')
			esc = "\\\\";
		else if (c == '|' && header)
			esc = "\\|";
		else if (c == '=' && !header)
			esc = "\\=";
		else if (c == '\n' && !header)
			esc = "\\n";
		else if (c == '\r' && !header)
			esc = "\\r";
		else if (c < 0x20 || c == 0x7f)
			esc = " ";
		if (esc == NULL)
			continue;
		rc = ep_buf_add(b, run, (size_t)(s - run));
		if (rc == 0)
			rc = ep_buf_adds(b, esc);
		run = s + 1;
	}
	return rc ? rc : ep_buf_add(b, run, (size_t)(s - run));
}

int ep_export_cef_header(struct ep_buf *b, const char *s)
{
	return cef_escape(b, s, 1);
}

int ep_export_cef_value(struct ep_buf *b, const char *s)
{
	return cef_escape(b, s, 0);
}

int ep_export_sev_ocsf(enum ep_severity s)
{
	return (int)s + 2;
}

int ep_export_sev_cef(enum ep_severity s)
{
	static const int v[] = {3, 5, 8, 10};

	return v[s];
}

int ep_export_sev_ecs(enum ep_severity s)
{
	static const int v[] = {21, 47, 73, 99};

	return v[s];
}

const char *ep_export_sev_sarif(enum ep_severity s)
{
	static const char *const v[] = {"note", "warning", "error", "error"};

	return v[s];
}

const char *ep_export_sev_asff(enum ep_severity s)
{
	static const char *const v[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};

	return v[s];
}

const char *ep_export_sev_title(enum ep_severity s)
{
	static const char *const v[] = {"Low", "Medium", "High", "Critical"};

	return v[s];
}

const char *ep_export_kind_text(enum ep_finding_kind k)
{
	return ep_check_of(k)->meaning;
}

const char *ep_export_kind_fix(enum ep_finding_kind k)
{
	return ep_check_of(k)->fix;
}
