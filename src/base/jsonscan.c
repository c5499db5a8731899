/* JSON text checks cJSON does not make (see jsonscan.h). */
#include "base/jsonscan.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"

#define MAX_DEPTH 64
#define MAX_KEYS  64

struct level {
	int object;     /* else an array */
	int expect_key; /* in an object: the next string is a member name */
	unsigned nkeys; /* names seen, up to MAX_KEYS (then no more checks) */
	size_t key_off[MAX_KEYS], key_len[MAX_KEYS];
};

/* End of the string starting at text[i] == '"' (the offset of its closing
 * quote, or len), or an error for a \u0000 escape or invalid UTF-8. */
static int scan_string(const char *text, size_t len, size_t i, size_t *close, size_t *at, char *why,
                       size_t whylen)
{
	for (i++; i < len && text[i] != '"';) {
		if (text[i] == '\\') {
			if (i + 5 < len && text[i + 1] == 'u' &&
			    memcmp(text + i + 2, "0000", 4) == 0) {
				*at = i;
				snprintf(why, whylen, "a NUL character (\\u0000) in a string");
				return EP_EPARSE;
			}
			i += 2;
			continue;
		}
		i++;
	}
	*close = i;
	return 0;
}

int ep_json_scan(const char *text, size_t len, size_t *at, char *why, size_t whylen)
{
	static struct level none;
	struct level st[MAX_DEPTH];
	int depth = 0; /* levels open; beyond MAX_DEPTH only counted */
	size_t i = 0;

	/* invalid UTF-8 anywhere (a NUL byte included: the text is a C string
	 * to every later step) */
	for (i = 0; i < len;) {
		size_t n = text[i] ? ep_utf8_len((const unsigned char *)text + i) : 0;

		if (n == 0 || i + n > len) {
			*at = i;
			snprintf(why, whylen, "%s", text[i] ? "not valid UTF-8" : "a NUL byte");
			return EP_EPARSE;
		}
		i += n;
	}
	for (i = 0; i < len; i++) {
		char c = text[i];
		struct level *top = depth > 0 && depth <= MAX_DEPTH ? &st[depth - 1] : &none;

		if (c == '{' || c == '[') {
			if (depth < MAX_DEPTH) {
				st[depth].object = c == '{';
				st[depth].expect_key = c == '{';
				st[depth].nkeys = 0;
			}
			depth++;
		} else if (c == '}' || c == ']') {
			depth -= depth > 0;
		} else if (c == ',') {
			top->expect_key = top->object;
		} else if (c == '"') {
			size_t close, klen;
			int rc = scan_string(text, len, i, &close, at, why, whylen);

			if (rc)
				return rc;
			klen = close - i - 1;
			if (top != &none && top->object && top->expect_key) {
				for (unsigned k = 0; k < top->nkeys && k < MAX_KEYS; k++)
					if (top->key_len[k] == klen &&
					    memcmp(text + top->key_off[k], text + i + 1, klen) ==
					        0) {
						*at = i;
						snprintf(
						    why, whylen,
						    "duplicate key \"%.*s\" (an earlier one has "
						    "it in the same object)",
						    (int)(klen > 60 ? 60 : klen), text + i + 1);
						return EP_EPARSE;
					}
				if (top->nkeys < MAX_KEYS) {
					top->key_off[top->nkeys] = i + 1;
					top->key_len[top->nkeys] = klen;
				}
				top->nkeys++;
				top->expect_key = 0;
			}
			i = close;
		}
	}
	return 0;
}
