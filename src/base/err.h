/* Error codes shared by every module, and the diagnostic record parsers fill
 * so that main.c can print one line saying exactly where input went wrong. */
#ifndef EP_ERR_H
#define EP_ERR_H

#include <stddef.h>

/* X-macro: one list generates the enum and the message table. */
#define EP_ERRNO_MAP(X)                              \
	X(NOMEM, "out of memory")                    \
	X(INVAL, "invalid argument")                 \
	X(RANGE, "value out of range")               \
	X(PARSE, "parse error")                      \
	X(IO, "input/output error")                  \
	X(SCOPE, "scope refused")                    \
	X(AGAIN, "resource temporarily unavailable") \
	X(STOPPED, "stopped")                        \
	X(UNSUPPORTED, "not supported")              \
	X(NOENT, "not found")                        \
	X(PERM, "permission denied")                 \
	X(REMOTE, "remote service failed")

enum {
	EP_OK = 0,
#define EP_ERR_ENUM(name, msg) EP_E##name,
	EP_E_BASE = -1000,
	EP_ERRNO_MAP(EP_ERR_ENUM)
#undef EP_ERR_ENUM
	    EP_E_LAST
};

const char *ep_strerror(int err);

/* Where and why input was rejected.  Filled by parsers; printed by main.c as
 * "file:line:col: message" (file/line/col omitted when unknown). */
struct ep_diag {
	char file[256];
	unsigned line;
	unsigned col;
	char msg[256];
};

/* Formats msg and returns err, so parsers can write `return ep_diag_set(...)`. */
int ep_diag_set(struct ep_diag *d, int err, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Puts prefix in front of d->msg (truncating the end if needed). */
void ep_diag_prefix(struct ep_diag *d, const char *prefix);
/* Renders "file:line:col: msg" (or the parts that are known) into out. */
void ep_diag_format(const struct ep_diag *d, char *out, size_t outlen);

#endif
