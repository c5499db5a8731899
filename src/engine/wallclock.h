/* Wall-clock time of a monotonic reading, without a clock read per result:
 * the offset between CLOCK_REALTIME and the monotonic clock (uv_hrtime) is
 * read again every EP_WALLCLOCK_EVERY conversions, so a step of the wall
 * clock shows within that many results.  One per engine (not shared). */
#ifndef EP_WALLCLOCK_H
#define EP_WALLCLOCK_H

#include <stdint.h>

#define EP_WALLCLOCK_EVERY 1024

struct ep_wallclock {
	int64_t offset; /* realtime - monotonic, ns */
	unsigned left;  /* conversions before the offset is read again */
};

/* mono_ns: a uv_hrtime() reading; returns CLOCK_REALTIME nanoseconds. */
uint64_t ep_wallclock_at(struct ep_wallclock *w, uint64_t mono_ns);

#endif
