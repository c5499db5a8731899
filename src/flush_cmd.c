/* `ecsprobe flush --spool DIR [-o FORMAT:DEST]...`: opens each destination
 * with nothing new to send, so its delivery replays the spool, waits for
 * it, and reports what is left.  Exit 0 only when the spool is empty. */
#include "flush_cmd.h"

#include "cmdutil.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/options.h"
#include "report/sink.h"
#include "report/spool.h"

const char ep_flush_usage[] =
    "Usage: ecsprobe flush --spool DIR [-o FORMAT:DEST]... [--wait MS]\n"
    "\n"
    "Send the events that network outputs (syslog, hec...) of earlier runs could not\n"
    "deliver and kept in the spool, oldest first, each with its original event id.\n"
    "Without -o every destination found in DIR is used as named there (e.g.\n"
    "syslog+tcp://HOST:PORT); give -o FORMAT:DEST for options the name does not\n"
    "carry (a TLS CA or client certificate, a HEC token file).\n"
    "\n"
    "      --spool DIR   the directory given to scan or verify --spool\n"
    "  -o, --output FMT:DEST  a destination to flush (repeatable)\n"
    "      --wait MS     how long to keep trying each receiver (default 10000)\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 the spool is empty, 2 usage error (DIR missing, or not of this user\n"
    "and mode 0700), 4 events remain in the spool or a spool file could not be read.\n";

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
	static const struct option opts[] = {
	    {"spool", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"wait", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char keys[EP_MAX_SINKS][EP_SPOOL_MAX_KEY + 1];
	const char *outputs[EP_MAX_SINKS];
	struct ep_sink_netopts net;
	struct ep_sinks sinks;
	struct ep_scan_info info;
	struct ep_summary sum;
	struct ep_diag d = {0};
	uint64_t before, after, wait = 10000;
	int opt, nout = 0, nkeys;
	unsigned unread;

	memset(&net, 0, sizeof(net));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			net.deliver.spool_dir = optarg;
			break;
		case 'o':
			if (nout == EP_MAX_SINKS) {
				fprintf(stderr, "ecsprobe: flush: at most %d -o\n", EP_MAX_SINKS);
				return 2;
			}
			outputs[nout++] = optarg;
			break;
		case 'w': {
			char *end;

			wait = strtoull(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || wait < 1 || wait > 3600000) {
				fprintf(stderr,
				        "ecsprobe: flush: --wait '%s': milliseconds, "
				        "1-3600000\n",
				        optarg);
				return 2;
			}
			break;
		}
		case 'h':
			fputs(ep_flush_usage, stdout);
			return 0;
		default:
			return ep_cmd_bad_option(opt, argv, "flush");
		}
	}
	if (net.deliver.spool_dir == NULL || optind < argc) {
		fprintf(stderr, "ecsprobe: flush: %s (see ecsprobe flush --help)\n",
		        optind < argc ? "unexpected argument" : "--spool DIR is required");
		return 2;
	}
	net.deliver.close_wait_ms = (unsigned)wait;
	net.replay_only = 1;
	/* a typo must not read as "nothing to send"; a directory others can
	 * write to must not feed their events to the receivers */
	if (ep_spool_dir_check(net.deliver.spool_dir, &d)) {
		fprintf(stderr, "ecsprobe: flush: %s\n", d.msg);
		return 2;
	}
	before = survey(net.deliver.spool_dir, keys, EP_MAX_SINKS, &nkeys, &unread, 0);
	if (nout == 0)
		for (int k = 0; k < nkeys; k++)
			outputs[nout++] = keys[k];
	memset(&info, 0, sizeof(info));
	snprintf(info.scan_id, sizeof(info.scan_id), "flush");
	snprintf(info.mode, sizeof(info.mode), "flush");
	info.started_ns = (uint64_t)time(NULL) * 1000000000u;
	memset(&sinks, 0, sizeof(sinks));
	sinks.net = &net;
	for (int i = 0; i < nout; i++) {
		char line[600];

		memset(&d, 0, sizeof(d));
		if (ep_sinks_open(&sinks, outputs[i], &info, &d) == 0)
			continue;
		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: flush: %s: %s%s\n", outputs[i], line,
		        nout == nkeys ? " (give it with -o and its options)" : "");
	}
	memset(&sum, 0, sizeof(sum));
	sum.info = &info;
	ep_sinks_close(&sinks, &sum); /* waits for each delivery, up to --wait */
	after = survey(net.deliver.spool_dir, keys, EP_MAX_SINKS, &nkeys, &unread, 1);
	fprintf(stderr, "ecsprobe: flush: %s: %llu event%s delivered, %llu left",
	        net.deliver.spool_dir, (unsigned long long)(before > after ? before - after : 0),
	        before - after == 1 ? "" : "s", (unsigned long long)after);
	if (unread)
		fprintf(stderr, ", and %u spool file%s not read (see above; kept as they are)",
		        unread, unread == 1 ? "" : "s");
	fputc('\n', stderr);
	return after || unread ? 4 : 0;
}
