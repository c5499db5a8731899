/* Target and exclusion file parsing, with file:line:col diagnostics. */
#include "config/targetfile.h"

#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE    4096
#define MAX_ENTRIES (16u << 20)

void ep_target_list_init(struct ep_target_list *l)
{
	memset(l, 0, sizeof(*l));
}

void ep_target_list_free(struct ep_target_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		for (int p = 0; p < EP_PROTO_COUNT; p++)
			ep_portset_free(&l->e[i].ports[p]);
	free(l->e);
	ep_target_list_init(l);
}

static int push(struct ep_target_list *l, const struct ep_target_entry *e)
{
	if (l->n >= MAX_ENTRIES)
		return EP_ERANGE;
	if (ep_array_reserve((void **)&l->e, &l->cap, l->n + 1, sizeof(*l->e)))
		return EP_ENOMEM;
	l->e[l->n++] = *e;
	return 0;
}

/* Splits "ADDR [PORTS]" at whitespace; col offsets are kept for messages. */
int ep_target_list_add(struct ep_target_list *l, const char *text, const char *origin,
                       struct ep_diag *d)
{
	struct ep_target_entry e;
	char addr[128];
	size_t alen = strcspn(text, " \t");
	const char *rest = text + alen;
	int rc;

	memset(&e, 0, sizeof(e));
	snprintf(e.origin, sizeof(e.origin), "%s", origin);
	if (alen == 0 || alen >= sizeof(addr))
		return ep_diag_set(d, EP_EPARSE, 0, 1, "'%.40s' is not an address, CIDR or range",
		                   text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	rc = ep_iprange_parse(addr, &e.range, d);
	if (rc)
		return rc;
	rest += strspn(rest, " \t");
	if (*rest) {
		struct ep_diag pd = {0};

		rc = ep_portspec_parse(rest, e.ports, &pd);
		if (rc) {
			d->col = (unsigned)(rest - text) + pd.col;
			snprintf(d->msg, sizeof(d->msg), "%s", pd.msg);
			return rc;
		}
		e.has_ports = 1;
	}
	rc = push(l, &e);
	if (rc) {
		for (int p = 0; p < EP_PROTO_COUNT; p++)
			ep_portset_free(&e.ports[p]);
		return ep_diag_set(d, rc, 0, 0, "too many targets");
	}
	return 0;
}

int ep_target_list_add_sets(struct ep_target_list *l, const struct ep_addr *a,
                            const struct ep_portset ports[EP_PROTO_COUNT], const char *origin)
{
	struct ep_target_entry e;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	snprintf(e.origin, sizeof(e.origin), "%s", origin);
	e.range.family = a->family;
	e.range.lo = e.range.hi = ep_addr_to_u128(a);
	e.has_ports = 1;
	for (int p = 0; rc == 0 && p < EP_PROTO_COUNT; p++)
		rc = ep_portset_copy(&e.ports[p], &ports[p]);
	if (rc == 0)
		rc = push(l, &e);
	if (rc)
		for (int p = 0; p < EP_PROTO_COUNT; p++)
			ep_portset_free(&e.ports[p]);
	return rc;
}

/* Calls fn for each meaningful line (comments and blanks stripped). */
static int each_line(const char *path, struct ep_diag *d,
                     int (*fn)(void *arg, const char *line, unsigned lineno, struct ep_diag *d),
                     void *arg)
{
	char line[MAX_LINE + 2];
	unsigned lineno = 0;
	int rc = 0;
	FILE *f = fopen(path, "r");

	snprintf(d->file, sizeof(d->file), "%s", path);
	if (f == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot open: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *s = line, *hash;

		lineno++;
		if (len > MAX_LINE) {
			rc = ep_diag_set(d, EP_EPARSE, lineno, 1, "line longer than %d bytes",
			                 MAX_LINE);
			break;
		}
		hash = strchr(s, '#');
		if (hash)
			*hash = '\0';
		len = strlen(s);
		while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
		               s[len - 1] == '\t'))
			s[--len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			continue;
		rc = fn(arg, s, lineno, d);
		if (rc) {
			d->line = lineno;
			d->col += (unsigned)(s - line);
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = ep_diag_set(d, EP_EIO, 0, 0, "read error");
	fclose(f);
	return rc;
}

static int target_line(void *arg, const char *line, unsigned lineno, struct ep_diag *d)
{
	char origin[64];

	snprintf(origin, sizeof(origin), "%.50s:%u", d->file, lineno);
	return ep_target_list_add(arg, line, origin, d);
}

int ep_target_list_load(struct ep_target_list *l, const char *path, struct ep_diag *d)
{
	return each_line(path, d, target_line, l);
}

static int exclude_line(void *arg, const char *line, unsigned lineno, struct ep_diag *d)
{
	struct ep_iprange r;
	int rc;

	(void)lineno;
	rc = ep_iprange_parse(line, &r, d);
	if (rc)
		return rc;
	rc = ep_rangelist_add_aliased(arg, &r);
	return rc ? ep_diag_set(d, rc, 0, 0, "out of memory") : 0;
}

int ep_exclude_load(struct ep_rangelist *ex, const char *path, struct ep_diag *d)
{
	return each_line(path, d, exclude_line, ex);
}
