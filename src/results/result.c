/* Names for states and reasons, and timestamp formatting. */
#include "results/result.h"

#include <stdio.h>
#include <time.h>

const char *ep_state_name(enum ep_state s)
{
	static const char *const names[] = {
#define EP_STATE_NAME(n, s) s,
	    EP_STATE_MAP(EP_STATE_NAME)
#undef EP_STATE_NAME
	};
	return (unsigned)s < EP_STATE_COUNT ? names[s] : "unknown";
}

const char *ep_reason_name(enum ep_reason r)
{
	static const char *const names[] = {
#define EP_REASON_NAME(n, s) s,
	    EP_REASON_MAP(EP_REASON_NAME)
#undef EP_REASON_NAME
	};
	return (unsigned)r < EP_REASON_COUNT ? names[r] : "unknown";
}

void ep_time_format(uint64_t ns, char *out, size_t outlen)
{
	time_t secs = (time_t)(ns / 1000000000u);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)(ns % 1000000000u / 1000u));
}
