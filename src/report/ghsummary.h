/* The Markdown summary of a GitHub Actions step ($GITHUB_STEP_SUMMARY):
 * the counts, and verify's findings as a table, every cell escaped so that
 * names from AWS cannot break the table or inject markup. */
#ifndef EP_GHSUMMARY_H
#define EP_GHSUMMARY_H

#include <stdio.h>

#include "compare/findings.h"
#include "results/result.h"

/* Opens where the summary goes, before privileges are dropped: --github-
 * summary FILE, or "none" for nowhere; without it, $GITHUB_STEP_SUMMARY
 * when GITHUB_ACTIONS is "true".  NULL with *failed 0: no summary; NULL
 * with *failed 1: after one line on stderr naming the file and the error. */
FILE *ep_ghsummary_open(const char *option, int *failed);
/* Appends the summary of a scan, or of verify's findings (fs non-NULL),
 * and closes out.  0, or -1 after one line on stderr. */
int ep_ghsummary_write(FILE *out, const char *command, const struct ep_summary *sum,
                       const struct ep_findings *fs, enum ep_severity fail_on);

#endif
