/* Error strings and diagnostics. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ep_strerror(int err)
{
	switch (err) {
	case EP_OK:
		return "success";
#define EP_ERR_CASE(name, msg) \
	case EP_E##name:       \
		return msg;
		EP_ERRNO_MAP(EP_ERR_CASE)
#undef EP_ERR_CASE
	default:
		return "unknown error";
	}
}

int ep_diag_set(struct ep_diag *d, int err, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return err;
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return err;
}

void ep_diag_format(const struct ep_diag *d, char *out, size_t outlen)
{
	if (d->file[0] && d->line)
		snprintf(out, outlen, "%s:%u:%u: %s", d->file, d->line, d->col ? d->col : 1,
		         d->msg);
	else if (d->file[0])
		snprintf(out, outlen, "%s: %s", d->file, d->msg);
	else
		snprintf(out, outlen, "%s", d->msg);
}

void ep_diag_prefix(struct ep_diag *d, const char *prefix)
{
	size_t pl = strlen(prefix), ml = strlen(d->msg);

	if (pl > sizeof(d->msg) - 1)
		pl = sizeof(d->msg) - 1;
	if (pl + ml > sizeof(d->msg) - 1)
		ml = sizeof(d->msg) - 1 - pl;
	memmove(d->msg + pl, d->msg, ml);
	memcpy(d->msg, prefix, pl);
	d->msg[pl + ml] = '\0';
}
