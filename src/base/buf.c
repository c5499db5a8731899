/* Growable byte buffer with a hard cap. */
#include "base/buf.h"
#include "base/text.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ep_buf_init(struct ep_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void ep_buf_free(struct ep_buf *b)
{
	free(b->data);
	ep_buf_init(b, b->max);
}

void ep_buf_reset(struct ep_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int grow(struct ep_buf *b, size_t need)
{
	size_t want;
	char *p;

	if (need > b->max || need + 1 < need)
		return EP_ERANGE;
	if (need + 1 <= b->cap)
		return 0;
	want = b->cap ? b->cap : 256;
	while (want < need + 1)
		want *= 2;
	if (want > b->max + 1)
		want = b->max + 1;
	p = realloc(b->data, want);
	if (p == NULL)
		return EP_ENOMEM;
	b->data = p;
	b->cap = want;
	return 0;
}

int ep_buf_add_grow(struct ep_buf *b, const void *p, size_t n)
{
	int rc = grow(b, b->len + n);

	if (rc)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ep_buf_printf(struct ep_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return EP_EINVAL;
	rc = grow(b, b->len + (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int ep_buf_json_str(struct ep_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int rc = ep_buf_addc(b, '"');

	for (; rc == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c == '"' || c == '\\') {
			char pair[2] = {'\\', (char)c};
			rc = ep_buf_add(b, pair, 2);
		} else if (c == '\n') {
			rc = ep_buf_add(b, "\\n", 2);
		} else if (c == '\t') {
			rc = ep_buf_add(b, "\\t", 2);
		} else if (c == '\r') {
			rc = ep_buf_add(b, "\\r", 2);
		} else if (c < 0x20 || c == 0x7f) {
			rc = ep_buf_add(b, esc, sizeof(esc));
		} else if (c >= 0x80) {
			/* a JSON line with invalid UTF-8 is no JSON: U+FFFD instead */
			size_t n = ep_utf8_len((const unsigned char *)s);

			rc = n ? ep_buf_add(b, s, n) : ep_buf_add(b, "\\ufffd", 6);
			s += n ? n - 1 : 0;
		} else {
			rc = ep_buf_addc(b, (char)c);
		}
	}
	return rc ? rc : ep_buf_addc(b, '"');
}

/* Two digits per division: the formats write a port, a time and counts per
 * result, and this was their single most costly function. */
int ep_buf_addu_pad(struct ep_buf *b, uint64_t v, unsigned width)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
	                            "25262728293031323334353637383940414243444546474849"
	                            "50515253545556575859606162636465666768697071727374"
	                            "75767778798081828384858687888990919293949596979899";
	char tmp[24];
	size_t i = sizeof(tmp);

	if (width > 20)
		width = 20;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		tmp[--i] = pairs[d + 1];
		tmp[--i] = pairs[d];
	}
	if (v >= 10) {
		tmp[--i] = pairs[v * 2 + 1];
		tmp[--i] = pairs[v * 2];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	while (sizeof(tmp) - i < width)
		tmp[--i] = '0';
	return ep_buf_add(b, tmp + i, sizeof(tmp) - i);
}

int ep_buf_addu(struct ep_buf *b, uint64_t v)
{
	return ep_buf_addu_pad(b, v, 1);
}

int ep_buf_addfixed(struct ep_buf *b, uint64_t v, unsigned decimals)
{
	uint64_t scale = 1;
	int rc;

	if (decimals > 18)
		decimals = 18;
	for (unsigned d = 0; d < decimals; d++)
		scale *= 10;
	rc = ep_buf_addu(b, v / scale);
	if (rc == 0 && decimals) {
		rc = ep_buf_addc(b, '.');
		if (rc == 0)
			rc = ep_buf_addu_pad(b, v % scale, decimals);
	}
	return rc;
}

int ep_array_reserve(void **items, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return EP_ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		return EP_ENOMEM;
	p = realloc(*items, ncap * size);
	if (p == NULL)
		return EP_ENOMEM;
	*items = p;
	*cap = ncap;
	return 0;
}
