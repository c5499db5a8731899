/* Growable byte buffer with a hard cap (curl's dynbuf idea): appends past the
 * cap fail with EP_ERANGE instead of growing without bound.
 * The buffer owns data; ep_buf_free releases it.  Appends may reallocate. */
#ifndef EP_BUF_H
#define EP_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ep_buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len */
};

void ep_buf_init(struct ep_buf *b, size_t max);
void ep_buf_free(struct ep_buf *b);
void ep_buf_reset(struct ep_buf *b);
/* Grows the buffer, then appends (the slow path of ep_buf_add). */
int ep_buf_add_grow(struct ep_buf *b, const void *p, size_t n);

/* Inline: the output formats call these a few dozen times per result, and
 * a call that only checks the room cost a fifth of their time. */
static inline int ep_buf_add(struct ep_buf *b, const void *p, size_t n)
{
	if (n < b->cap - b->len) { /* room for n bytes and the NUL; cap is 0 when data is NULL */
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return ep_buf_add_grow(b, p, n);
}

static inline int ep_buf_addc(struct ep_buf *b, char c)
{
	return ep_buf_add(b, &c, 1);
}

static inline int ep_buf_adds(struct ep_buf *b, const char *s)
{
	return ep_buf_add(b, s, strlen(s));
}
int ep_buf_printf(struct ep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, without printf (hot paths). */
int ep_buf_addu(struct ep_buf *b, uint64_t v);
/* Appends v in decimal, zero-padded to at least width digits. */
int ep_buf_addu_pad(struct ep_buf *b, uint64_t v, unsigned width);
/* Appends v / 10^decimals with exactly `decimals` digits after the point. */
int ep_buf_addfixed(struct ep_buf *b, uint64_t v, unsigned decimals);
/* Appends s as a JSON string literal, quotes included, escaping per RFC 8259. */
int ep_buf_json_str(struct ep_buf *b, const char *s);

/* Makes room for `need` elements of `size` bytes in the array *items of
 * capacity *cap, doubling (from 8); may reallocate.  EP_ENOMEM on overflow
 * or allocation failure, leaving the array as it was. */
int ep_array_reserve(void **items, size_t *cap, size_t need, size_t size);

#endif
