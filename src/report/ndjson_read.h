/* Reads back what `-o ndjson` wrote (header, results, findings, summary;
 * data/schema/result.schema.json and finding.schema.json) into a
 * report/collect.h gatherer, for `ecsprobe report`.  One line at a time;
 * banner and unknown record types are skipped, a malformed record is an
 * error naming the field. */
#ifndef EP_NDJSON_READ_H
#define EP_NDJSON_READ_H

#include <stddef.h>

#include "base/err.h"
#include "report/collect.h"
#include "report/htmlreport.h"

/* Lines longer than this are refused (a finding is under 4 KiB). */
#define EP_NDJSON_LINE_MAX (1u << 20)

/* One line (without its newline).  Errors: EP_EPARSE with d->msg naming
 * the record type and field (the caller adds file and line), EP_ENOMEM. */
int ep_ndjson_read_line(struct ep_collect *c, struct ep_html_meta *m, const char *line, size_t len,
                        struct ep_diag *d);

#endif
