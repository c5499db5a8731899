/* `ecsprobe flush --spool DIR [-o FORMAT:DEST]...`: opens each destination
 * with nothing new to send, so its delivery replays the spool, waits for
 * it, and reports what is left.  Exit 0 only when the spool is empty. */
#include "flush_cmd.h"

#include "cmdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/options.h"
#include "report/sink.h"
#include "report/spool.h"

struct flush_opts {
	struct ep_sink_netopts net;
	const char *outputs[EP_MAX_SINKS];
	int nout;
	uint64_t wait;
};

enum { FL_SPOOL = 1, FL_OUTPUT, FL_WAIT };

static const struct ep_opt flush_opts[] = {
    {"spool", 0, 1, FL_SPOOL, "DIR", "the directory given to scan or verify --spool", "dir"},
    {"output", 'o', 1, FL_OUTPUT, "FMT:DEST", "a destination to flush (repeatable)", NULL},
    {"wait", 0, 1, FL_WAIT, "MS", "how long to keep trying each receiver (default 10000)", NULL},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct flush_opts *o = ctx;
	char *end;

	switch (id) {
	case FL_SPOOL:
		o->net.deliver.spool_dir = val;
		return 0;
	case FL_OUTPUT:
		if (o->nout == EP_MAX_SINKS)
			return ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d outputs", EP_MAX_SINKS);
		o->outputs[o->nout++] = val;
		return 0;
	case FL_WAIT:
		o->wait = strtoull(val, &end, 10);
		if (*val < '0' || *val > '9' || *end || o->wait < 1 || o->wait > 3600000)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': milliseconds, 1-3600000",
			                   val);
		return 0;
	}
	return EP_EINVAL;
}

static const struct ep_optgroup flush_group = {"Flush", flush_opts,
                                               sizeof(flush_opts) / sizeof(flush_opts[0]), apply};

const struct ep_cmdline ep_flush_cmdline = {
    "flush",
    "--spool DIR [-o FORMAT:DEST]... [--wait MS]",
    "Send the events that network outputs (syslog, hec...) of earlier runs could not\n"
    "deliver and kept in the spool, oldest first, each with its original event id.\n"
    "Without -o every destination found in DIR is used as named there (e.g.\n"
    "syslog+tcp://HOST:PORT); give -o FORMAT:DEST for options the name does not\n"
    "carry (a TLS CA or client certificate, a HEC token file).\n",
    NULL,
    {&flush_group, &ep_common_group, NULL},
    "Exit status: 0 the spool is empty, 2 usage error (DIR missing, or not of this user\n"
    "and mode 0700), 4 events remain in the spool or a spool file could not be read.\n",
};

/* Events still pending in DIR (every key), and up to max distinct keys.
 * Segments held by a running ecsprobe count as one pending event each.
 * *unread counts files that could not be read (corrupt, not ours): what
 * they hold is unknown, so the spool is not empty. */
static uint64_t survey(const char *dir, char keys[][EP_SPOOL_MAX_KEY + 1], int max, int *nkeys,
                       unsigned *unread, int quiet)
{
	char **paths;
	size_t n;
	uint64_t pending = 0;

	*nkeys = 0;
	*unread = 0;
	if (ep_spool_list(dir, NULL, &paths, &n)) {
		fprintf(stderr, "ecsprobe: flush: cannot list %s: %s\n", dir, strerror(errno));
		*unread = 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct ep_spool_seg s;
		struct ep_diag d = {0};
		char key[EP_SPOOL_MAX_KEY + 1];
		int rc = ep_spool_seg_open(&s, paths[i], NULL, key, &d), k;

		if (rc == EP_EAGAIN) {
			if (!quiet)
				fprintf(stderr, "ecsprobe: flush: %s\n", d.msg);
			pending++;
			continue;
		}
		if (rc) {
			if (!quiet)
				fprintf(stderr, "ecsprobe: flush: skipping %s\n", d.msg);
			(*unread)++;
			continue;
		}
		pending += s.pending;
		for (k = 0; k < *nkeys && strcmp(keys[k], key) != 0; k++)
			;
		if (k == *nkeys && k < max && s.pending)
			snprintf(keys[(*nkeys)++], EP_SPOOL_MAX_KEY + 1, "%s", key);
		ep_spool_seg_close(&s); /* removes it when fully delivered */
	}
	ep_spool_list_free(paths, n);
	return pending;
}

int ep_cmd_flush(int argc, char **argv)
{
	char keys[EP_MAX_SINKS][EP_SPOOL_MAX_KEY + 1];
	struct flush_opts *fo = calloc(1, sizeof(*fo));
	struct ep_common_opts common = {0};
	struct ep_sinks sinks;
	struct ep_scan_info info;
	struct ep_summary sum;
	struct ep_diag d = {0};
	uint64_t before, after;
	int npos, nkeys, status;
	unsigned unread;
	void *ctx[] = {fo, &common};

	if (fo == NULL) {
		fprintf(stderr, "ecsprobe: flush: out of memory\n");
		return 3;
	}
	fo->wait = 10000;
	status = ep_cmd_parse(&ep_flush_cmdline, ctx, &common, argc, argv, NULL, &npos);
	if (status >= 0) {
		free(fo);
		return status;
	}
	if (fo->net.deliver.spool_dir == NULL) {
		fprintf(stderr,
		        "ecsprobe flush: --spool DIR is required (see ecsprobe flush --help)\n");
		free(fo);
		return 2;
	}
	fo->net.deliver.close_wait_ms = (unsigned)fo->wait;
	fo->net.replay_only = 1;
	/* a typo must not read as "nothing to send"; a directory others can
	 * write to must not feed their events to the receivers */
	if (ep_spool_dir_check(fo->net.deliver.spool_dir, &d)) {
		fprintf(stderr, "ecsprobe: flush: %s\n", d.msg);
		free(fo);
		return 2;
	}
	before = survey(fo->net.deliver.spool_dir, keys, EP_MAX_SINKS, &nkeys, &unread, 0);
	if (fo->nout == 0)
		for (int k = 0; k < nkeys; k++)
			fo->outputs[fo->nout++] = keys[k];
	memset(&info, 0, sizeof(info));
	snprintf(info.scan_id, sizeof(info.scan_id), "flush");
	snprintf(info.mode, sizeof(info.mode), "flush");
	info.started_ns = (uint64_t)time(NULL) * 1000000000u;
	memset(&sinks, 0, sizeof(sinks));
	sinks.net = &fo->net;
	for (int i = 0; i < fo->nout; i++) {
		char line[600];

		memset(&d, 0, sizeof(d));
		if (ep_sinks_open(&sinks, fo->outputs[i], &info, &d) == 0)
			continue;
		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: flush: %s: %s%s\n", fo->outputs[i], line,
		        fo->nout == nkeys ? " (give it with -o and its options)" : "");
	}
	memset(&sum, 0, sizeof(sum));
	sum.info = &info;
	ep_sinks_close(&sinks, &sum); /* waits for each delivery, up to --wait */
	after = survey(fo->net.deliver.spool_dir, keys, EP_MAX_SINKS, &nkeys, &unread, 1);
	fprintf(stderr, "ecsprobe: flush: %s: %llu event%s delivered, %llu left",
	        fo->net.deliver.spool_dir,
	        (unsigned long long)(before > after ? before - after : 0),
	        before - after == 1 ? "" : "s", (unsigned long long)after);
	if (unread)
		fprintf(stderr, ", and %u spool file%s not read (see above; kept as they are)",
		        unread, unread == 1 ? "" : "s");
	fputc('\n', stderr);
	status = after || unread ? 4 : 0;
	free(fo);
	return status;
}
