/* A CEF reader for the tests, written from the CEF spec independently of the
 * writer in src/report/export.c: header fields split on unescaped pipes, an
 * extension key is the word before an unescaped '='.  Include after cmocka.h. */
#ifndef EP_TEST_CEF_READER_H
#define EP_TEST_CEF_READER_H

#include <string.h>

/* Splits the 7 header fields (unescaping \\ and \|); returns the extension. */
static const char *cef_header(const char *line, char fields[7][400])
{
	const char *p = line;

	for (int k = 0; k < 7; k++) {
		size_t n = 0;

		for (; *p && *p != '|'; p++) {
			if (*p == '\\' && (p[1] == '\\' || p[1] == '|'))
				p++;
			assert_true(n < 399);
			fields[k][n++] = *p;
		}
		fields[k][n] = '\0';
		assert_int_equal(*p, '|');
		p++;
	}
	return p;
}

/* The unescaped value of key in the extension, into out; 0 if found.  A key
 * is the word before an unescaped '='; its value runs to the space before
 * the next key. */
static int cef_get(const char *ext, const char *key, char *out, size_t outlen)
{
	size_t len = strlen(ext), klen = strlen(key);
	size_t eqs[64], neq = 0;

	for (size_t i = 0; i < len && neq < 64; i++) {
		if (ext[i] == '\\') {
			i++;
			continue;
		}
		if (ext[i] == '=')
			eqs[neq++] = i;
	}
	for (size_t k = 0; k < neq; k++) {
		size_t ks = eqs[k], end = k + 1 < neq ? eqs[k + 1] : len, n = 0;

		while (ks > 0 && ext[ks - 1] != ' ')
			ks--;
		if (eqs[k] - ks != klen || strncmp(ext + ks, key, klen) != 0)
			continue;
		if (k + 1 < neq) {
			while (end > 0 && ext[end - 1] != ' ')
				end--;
			end--; /* the space before the next key */
		}
		for (size_t i = eqs[k] + 1; i < end && n + 1 < outlen; i++) {
			char c = ext[i];

			if (c == '\\') {
				c = ext[++i];
				c = c == 'n' ? '\n' : c == 'r' ? '\r' : c;
			}
			out[n++] = c;
		}
		out[n] = '\0';
		return 0;
	}
	return -1;
}

#endif
