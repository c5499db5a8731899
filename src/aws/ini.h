/* AWS shared config and credentials files (INI): sections of key = value,
 * '#' and ';' comments.  Parsed whole into memory (files are capped at 1 MiB). */
#ifndef EP_INI_H
#define EP_INI_H

#include "base/err.h"

struct ep_ini_entry {
	char *section; /* as written between the brackets, trimmed */
	char *key;
	char *value;
};

/* Owns every string. */
struct ep_ini {
	struct ep_ini_entry *e;
	size_t n, cap;
};

/* A missing file is not an error (empty ini); a malformed one fills d. */
int ep_ini_load(struct ep_ini *ini, const char *path, struct ep_diag *d);
int ep_ini_parse(struct ep_ini *ini, const char *text, size_t len, struct ep_diag *d);
void ep_ini_free(struct ep_ini *ini);
const char *ep_ini_get(const struct ep_ini *ini, const char *section, const char *key);
int ep_ini_has_section(const struct ep_ini *ini, const char *section);

#endif
