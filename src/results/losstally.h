/* Loss as the results show it, for the progress line and the summary: every
 * result says on which attempt its target answered, so the tally needs no
 * access to the engines' threads.  Whoever feeds results owns the tally
 * (the scan, under the pool lock); it owns its network table. */
#ifndef EP_LOSSTALLY_H
#define EP_LOSSTALLY_H

#include <stdint.h>

#include "results/result.h"

struct ep_loss_tally {
	uint64_t tries, lost;
	struct ep_loss_net *nets; /* direct-mapped by network; a collision merges into "other" */
	uint32_t mask;
	uint64_t other_tries, other_lost;
};

int ep_loss_tally_init(struct ep_loss_tally *t);
void ep_loss_tally_free(struct ep_loss_tally *t);
/* O(1).  Silent targets (no answer) say nothing about loss and are skipped. */
void ep_loss_tally_add(struct ep_loss_tally *t, const struct ep_result *r);
/* Fills r's tries, lost and its lossiest networks (those with at least 100
 * tries, worst first); leaves extra and slowdowns alone.  O(table size). */
void ep_loss_tally_report(const struct ep_loss_tally *t, struct ep_loss_report *r);
/* "3.96%" style, or "-" before any answer. */
void ep_loss_format(uint64_t tries, uint64_t lost, char *out, size_t outlen);

#endif
