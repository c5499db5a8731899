/* The end of a scan, for people. */
#include "scan_epilogue.h"

#include <string.h>

#include "report/ghsummary.h"
#include "report/sink.h"

int ep_scan_epilogue(const struct ep_config *c, FILE **summary, const struct ep_summary *last,
                     uint64_t total, int status)
{
	const char *resumable = NULL;

	if (last->interrupted) {
		/* --resume reads an NDJSON file this run wrote */
		for (int i = 0; i < c->noutputs; i++)
			if (strncmp(c->outputs[i], "ndjson:", 7) == 0 &&
			    !ep_sink_spec_is_stdout(c->outputs[i]))
				resumable = c->outputs[i] + 7;
		if (resumable)
			fprintf(
			    stderr,
			    "ecsprobe scan: interrupted after %llu of %llu probes; to continue, "
			    "run the same command with -o ndjson:NEW --resume %s\n",
			    (unsigned long long)last->results, (unsigned long long)total,
			    resumable);
		else
			fprintf(
			    stderr,
			    "ecsprobe scan: interrupted after %llu of %llu probes; a scan written "
			    "with -o ndjson:FILE can be continued with --resume FILE\n",
			    (unsigned long long)last->results, (unsigned long long)total);
	}
	if (*summary) {
		int failed = ep_ghsummary_write(*summary, "scan", last, NULL, EP_SEV_LOW);

		*summary = NULL; /* closed */
		if (failed && status == 0)
			status = 4;
	}
	return status;
}
