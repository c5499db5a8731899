/* Target and exclusion file parsing, with file:line:col diagnostics. */
#include "config/targetfile.h"

#include "base/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
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

/* A DNS name as nmap takes one: letters, digits, '-' and '.', with a letter
 * (so a mistyped address is reported as one, not looked up). */
static int host_name(const char *s)
{
	int letter = 0;

	for (const char *p = s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			letter = 1;
		else if (!(*p >= '0' && *p <= '9') && *p != '-' && *p != '.')
			return 0;
	}
	return letter && s[0] != '-' && s[0] != '.';
}

/* Every address the name has (nmap --resolve-all), at most max. */
static int resolve(const char *name, struct ep_iprange *out, size_t max, size_t *n,
                   struct ep_diag *d)
{
	struct addrinfo hints, *res = NULL;
	int gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(name, NULL, &hints, &res);
	if (gai != 0)
		return ep_diag_set(d, EP_EPARSE, 0, 1,
		                   "'%s' is not an address, and resolving it "
		                   "failed: %s",
		                   name, gai_strerror(gai));
	*n = 0;
	for (struct addrinfo *ai = res; ai && *n < max; ai = ai->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *a =
		    ai->ai_family == AF_INET
		        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		struct ep_iprange r;
		size_t k;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    inet_ntop(ai->ai_family, a, text, sizeof(text)) == NULL ||
		    ep_iprange_parse(text, &r, d) != 0)
			continue;
		for (k = 0; k < *n && memcmp(&out[k], &r, sizeof(r)) != 0; k++)
			;
		if (k == *n)
			out[(*n)++] = r;
	}
	freeaddrinfo(res);
	if (*n == 0)
		return ep_diag_set(d, EP_EPARSE, 0, 1, "'%s' has no IPv4 or IPv6 address", name);
	memset(d, 0, sizeof(*d));
	return 0;
}

/* Splits "ADDR [PORTS]" at whitespace; col offsets are kept for messages. */
int ep_target_list_add(struct ep_target_list *l, const char *text, const char *origin,
                       struct ep_diag *d)
{
	struct ep_target_entry e;
	struct ep_iprange names[32];
	size_t nnames = 0;
	char addr[256];
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
	if (rc && host_name(addr))
		rc = resolve(addr, names, sizeof(names) / sizeof(names[0]), &nnames, d);
	else
		names[nnames++] = e.range;
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
	/* a name with several addresses: one entry each, with its own ports */
	for (size_t k = 0; rc == 0 && k < nnames; k++) {
		struct ep_target_entry c = e;

		c.range = names[k];
		for (int p = 0; rc == 0 && p < EP_PROTO_COUNT; p++)
			rc = k + 1 < nnames ? ep_portset_copy(&c.ports[p], &e.ports[p]) : 0;
		if (rc == 0)
			rc = push(l, &c);
		if (rc && k + 1 < nnames)
			for (int p = 0; p < EP_PROTO_COUNT; p++)
				ep_portset_free(&c.ports[p]);
	}
	if (rc) {
		for (int p = 0; p < EP_PROTO_COUNT; p++)
			ep_portset_free(&e.ports[p]);
		return ep_diag_set(d, rc, 0, 0,
		                   rc == EP_ENOMEM ? "out of memory" : "too many targets");
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

/* Reads one line (without its '\n') into line[MAX_LINE + 1]: its length,
 * -1 at end of file, -2 when longer than MAX_LINE (the rest is skipped).
 * getc, not fgets: a NUL byte must be seen, not end the line silently. */
static long read_line(FILE *f, char *line)
{
	long len = 0;
	int c, over = 0;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (len < MAX_LINE)
			line[len++] = (char)c;
		else
			over = 1;
	}
	if (c == EOF && len == 0 && !over)
		return -1;
	line[len] = '\0';
	return over ? -2 : len;
}

/* Calls fn for each meaningful line (comments and blanks stripped). */
static int each_line(const char *path, struct ep_diag *d,
                     int (*fn)(void *arg, const char *line, unsigned lineno, struct ep_diag *d),
                     void *arg)
{
	char line[MAX_LINE + 1];
	unsigned lineno = 0;
	int rc = 0;
	long got;
	FILE *f = fopen(path, "r");

	snprintf(d->file, sizeof(d->file), "%s", path);
	if (f == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot open: %s", strerror(errno));
	while ((got = read_line(f, line)) != -1) {
		size_t len = (size_t)got;
		char *s = line, *hash, *nul;

		lineno++;
		if (got == -2) {
			rc = ep_diag_set(d, EP_EPARSE, lineno, 1, "line longer than %d bytes",
			                 MAX_LINE);
			break;
		}
		/* a NUL would hide the rest of the line (an address after "# " and
		 * a NUL looks like a comment to a reader but not to strchr) */
		nul = memchr(line, '\0', len);
		if (nul) {
			rc = ep_diag_set(d, EP_EPARSE, lineno, (unsigned)(nul - line) + 1,
			                 "NUL byte in a text file");
			break;
		}
		hash = strchr(s, '#');
		if (hash)
			*hash = '\0';
		len = strlen(s);
		while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
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
		rc = ep_diag_set(d, EP_EIO, 0, 0, "read error: %s", strerror(errno));
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
