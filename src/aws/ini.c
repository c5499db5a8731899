/* INI parser for ~/.aws/config and ~/.aws/credentials.  Nested (indented)
 * sub-keys, as used for s3 settings, are skipped: ecsprobe needs none. */
#include "aws/ini.h"

#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1u << 20)

void ep_ini_free(struct ep_ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->e[i].section);
		free(ini->e[i].key);
		free(ini->e[i].value);
	}
	free(ini->e);
	memset(ini, 0, sizeof(*ini));
}

static char *dup_trim(const char *s, size_t len)
{
	char *out;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	return out;
}

static int add(struct ep_ini *ini, const char *section, const char *k, size_t kl, const char *v,
               size_t vl)
{
	struct ep_ini_entry *e;

	if (ep_array_reserve((void **)&ini->e, &ini->cap, ini->n + 1, sizeof(*ini->e)))
		return EP_ENOMEM;
	e = &ini->e[ini->n];
	e->section = dup_trim(section, strlen(section));
	e->key = dup_trim(k, kl);
	e->value = dup_trim(v, vl);
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return EP_ENOMEM;
	}
	ini->n++;
	return 0;
}

static int parse(struct ep_ini *ini, const char *text, size_t len, struct ep_diag *d);

/* On error nothing is left allocated. */
int ep_ini_parse(struct ep_ini *ini, const char *text, size_t len, struct ep_diag *d)
{
	int rc = parse(ini, text, len, d);

	if (rc)
		ep_ini_free(ini);
	return rc;
}

static int parse(struct ep_ini *ini, const char *text, size_t len, struct ep_diag *d)
{
	char section[256] = "";
	int have_section = 0;
	unsigned lineno = 0;
	size_t pos = 0;

	memset(ini, 0, sizeof(*ini));
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		size_t i = 0;
		int rc;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (memchr(line, '\0', ll))
			return ep_diag_set(d, EP_EPARSE, lineno, 1, "NUL byte in file");
		while (i < ll && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i == ll || line[i] == '#' || line[i] == ';')
			continue;
		if (i > 0 && have_section)
			continue; /* nested sub-key */
		if (line[i] == '[') {
			const char *end = memchr(line + i, ']', ll - i);
			size_t sl;

			if (end == NULL)
				return ep_diag_set(d, EP_EPARSE, lineno, (unsigned)i + 1,
				                   "section header without ']'");
			sl = (size_t)(end - (line + i + 1));
			if (sl >= sizeof(section))
				return ep_diag_set(d, EP_EPARSE, lineno, (unsigned)i + 1,
				                   "section name too long");
			memcpy(section, line + i + 1, sl);
			section[sl] = '\0';
			{
				char *t = dup_trim(section, sl);

				if (t == NULL)
					return EP_ENOMEM;
				snprintf(section, sizeof(section), "%s", t);
				free(t);
			}
			have_section = 1;
			continue;
		}
		{
			const char *eq = memchr(line + i, '=', ll - i);

			if (!have_section)
				return ep_diag_set(d, EP_EPARSE, lineno, (unsigned)i + 1,
				                   "setting outside any [section]");
			if (eq == NULL)
				return ep_diag_set(d, EP_EPARSE, lineno, (unsigned)i + 1,
				                   "expected 'key = value'");
			rc = add(ini, section, line + i, (size_t)(eq - (line + i)), eq + 1,
			         (size_t)(line + ll - (eq + 1)));
			if (rc)
				return ep_diag_set(d, rc, lineno, 1, "out of memory");
		}
	}
	return 0;
}

int ep_ini_load(struct ep_ini *ini, const char *path, struct ep_diag *d)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	memset(ini, 0, sizeof(*ini));
	if (d)
		snprintf(d->file, sizeof(d->file), "%s", path);
	if (f == NULL)
		return errno == ENOENT ? 0 : ep_diag_set(d, EP_EIO, 0, 0, "%s", strerror(errno));
	buf = malloc(MAX_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		return EP_ENOMEM;
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	fclose(f);
	if (n > MAX_FILE) {
		free(buf);
		return ep_diag_set(d, EP_ERANGE, 0, 0, "larger than 1 MiB");
	}
	rc = ep_ini_parse(ini, buf, n, d);
	free(buf);
	return rc;
}

const char *ep_ini_get(const struct ep_ini *ini, const char *section, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0 && strcmp(ini->e[i].key, key) == 0)
			v = ini->e[i].value; /* the last one wins */
	return v;
}

int ep_ini_has_section(const struct ep_ini *ini, const char *section)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0)
			return 1;
	return 0;
}
