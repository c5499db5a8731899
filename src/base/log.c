/* Logging.  The level is the one piece of process state outside the config:
 * it is written once at start-up, before the loop runs. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum ep_log_level max_level = EP_LOG_WARN;

void ep_log_set_level(enum ep_log_level level)
{
	max_level = level;
}

void ep_log(enum ep_log_level level, const char *subsystem, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	va_list ap;

	if (level > max_level)
		return;
	fprintf(stderr, "ecsprobe: %s: %s: ", names[level], subsystem);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
