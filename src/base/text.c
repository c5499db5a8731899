/* Untrusted text: UTF-8 validation and repair at the boundary, escaping for
 * human outputs and GitHub workflow commands (see text.h). */
#include "base/text.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

size_t ep_utf8_len(const unsigned char *s)
{
	unsigned c = s[0], cp;
	size_t n;

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
			return 0; /* the NUL ends it here too */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int ep_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : ep_utf8_len(p);

		if (n == 0)
			return 0;
		p += n;
	}
	return 1;
}

int ep_utf8_fix(char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t bad = 0, len = 0;
	char *out, *o;

	for (; p[len]; len += ep_utf8_len(p + len) ? ep_utf8_len(p + len) : 1)
		bad += ep_utf8_len(p + len) == 0;
	if (bad == 0)
		return 0;
	out = malloc(len + bad * 2 + 1); /* each bad byte becomes 3 */
	if (out == NULL)
		return EP_ENOMEM;
	o = out;
	for (size_t i = 0; i < len;) {
		size_t n = ep_utf8_len(p + i);

		if (n == 0) {
			memcpy(o, REPLACEMENT, 3);
			o += 3;
			i++;
		} else {
			memcpy(o, p + i, n);
			o += n;
			i += n;
		}
	}
	*o = '\0';
	free(*s);
	*s = out;
	return (int)(bad > 0x7fffffff ? 0x7fffffff : bad);
}

int ep_utf8_fix_json(struct cJSON *j)
{
	int total = 0, k;

	/* iterative over siblings, recursive over depth: cJSON caps nesting at
	 * CJSON_NESTING_LIMIT (1000), so the stack stays bounded */
	for (; j; j = j->next) {
		if (j->string && !(j->type & cJSON_StringIsConst)) {
			k = ep_utf8_fix(&j->string);
			if (k < 0)
				return k;
			total += k;
		}
		if (cJSON_IsString(j) && j->valuestring) {
			k = ep_utf8_fix(&j->valuestring);
			if (k < 0)
				return k;
			total += k;
		}
		if (j->child) {
			k = ep_utf8_fix_json(j->child);
			if (k < 0)
				return k;
			total += k;
		}
	}
	return total;
}

/* The escape of the character at p (n bytes, 0 = an invalid byte) for a
 * human, or NULL when it prints as itself. */
static const char *human_escape(const unsigned char *p, size_t n, char tmp[8])
{
	static const char hex[] = "0123456789abcdef";
	unsigned c = p[0];

	if (n == 1 && c >= 0x20 && c < 0x7f && c != '\\')
		return NULL;
	if (n > 2 || (n == 2 && !(c == 0xc2 && p[1] < 0xa0)))
		return NULL; /* printable beyond ASCII (C1 is U+0080-U+009F: C2 80-9F) */
	if (c == '\\')
		return "\\\\";
	if (c == '\n')
		return "\\n";
	if (c == '\r')
		return "\\r";
	if (c == '\t')
		return "\\t";
	if (n == 2)
		c = p[1]; /* a C1 control by its code point */
	tmp[0] = '\\';
	tmp[1] = 'x';
	tmp[2] = hex[c >> 4];
	tmp[3] = hex[c & 15];
	tmp[4] = '\0';
	return tmp;
}

int ep_text_is_plain(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[8];

	while (*p) {
		size_t n = ep_utf8_len(p);

		if (human_escape(p, n, tmp))
			return 0;
		p += n;
	}
	return 1;
}

int ep_text_escape(struct ep_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	int rc = 0;

	while (*p && rc == 0) {
		size_t n = ep_utf8_len(p);
		char tmp[8];
		const char *esc = human_escape(p, n, tmp);

		if (esc == NULL) {
			p += n;
			continue;
		}
		rc = ep_buf_add(b, run, (size_t)(p - run));
		if (rc == 0)
			rc = ep_buf_adds(b, esc);
		p += n ? n : 1;
		run = p;
	}
	return rc ? rc : ep_buf_add(b, run, (size_t)(p - run));
}

const char *ep_text_safe(const char *s, char *tmp, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;

	if (ep_text_is_plain(s) || cap == 0)
		return s;
	while (*p) {
		size_t n = ep_utf8_len(p), k;
		char e[8];
		const char *esc = human_escape(p, n, e);

		k = esc ? strlen(esc) : n;
		if (used + k >= cap)
			break; /* whole characters and escapes only */
		memcpy(tmp + used, esc ? esc : (const char *)p, k);
		used += k;
		p += n ? n : 1;
	}
	tmp[used] = '\0';
	return tmp;
}

static int gh_escape(struct ep_buf *b, const char *s, int property)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	while (*p && rc == 0) {
		size_t n = ep_utf8_len(p);
		char tmp[8];
		const char *esc = NULL;

		if (*p == '%')
			esc = "%25";
		else if (*p == '\r')
			esc = "%0D";
		else if (*p == '\n')
			esc = "%0A";
		else if (property && *p == ':')
			esc = "%3A";
		else if (property && *p == ',')
			esc = "%2C";
		else if (*p != '\\')
			esc = human_escape(p, n, tmp);
		rc = esc ? ep_buf_adds(b, esc) : ep_buf_add(b, p, n ? n : 1);
		p += n ? n : 1;
	}
	return rc;
}

int ep_text_gh_data(struct ep_buf *b, const char *s)
{
	return gh_escape(b, s, 0);
}

int ep_text_gh_property(struct ep_buf *b, const char *s)
{
	return gh_escape(b, s, 1);
}
