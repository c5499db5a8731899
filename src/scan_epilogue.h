/* What a finished (or interrupted) scan tells people besides its outputs:
 * how to continue it, and the GitHub step summary. */
#ifndef EP_SCAN_EPILOGUE_H
#define EP_SCAN_EPILOGUE_H

#include <stdint.h>
#include <stdio.h>

#include "config/options.h"
#include "results/result.h"

/* Prints the resume hint of an interrupted run, writes and closes *summary
 * (setting it NULL); returns status, or 4 when the summary was lost. */
int ep_scan_epilogue(const struct ep_config *c, FILE **summary, const struct ep_summary *last,
                     uint64_t total, int status);

#endif
