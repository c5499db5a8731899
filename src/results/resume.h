/* --resume FILE: continue an interrupted scan.  FILE is the NDJSON that the
 * interrupted run wrote (-o ndjson:FILE); every target it has a result for
 * is marked done, so the engine skips it, and its results are replayed into
 * this run's outputs so the new report is complete.  The scope must be the
 * same (probes_total in the header is checked; every result must be a target
 * of this scan).  Owns its bitmap and the strings results point to. */
#ifndef EP_RESUME_H
#define EP_RESUME_H

#include <stdint.h>

#include "base/err.h"
#include "model/targets.h"
#include "results/result.h"

struct ep_resume {
	uint8_t *done; /* one bit per target index */
	uint64_t total;
	uint64_t ndone;
	char **names; /* interned probe names */
	size_t nnames;
};

/* Reads path, checks it against t and marks its targets done.  Errors name
 * file:line (exit 2).  A last line cut short by the interruption is ignored. */
int ep_resume_load(struct ep_resume *r, const char *path, const struct ep_targets *t,
                   struct ep_diag *d);
/* Calls cb for every result of the file (first result per target only). */
int ep_resume_replay(struct ep_resume *r, const char *path, const struct ep_targets *t,
                     void (*cb)(void *arg, const struct ep_result *res), void *arg);
static inline int ep_resume_is_done(const uint8_t *done, uint64_t index)
{
	return done && (done[index >> 3] >> (index & 7)) & 1;
}
void ep_resume_free(struct ep_resume *r);

#endif
