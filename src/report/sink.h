/* The output-sink interface: one file per format, registered in sinks.def.
 * Sinks get results as they arrive and the summary at the end; each owns the
 * state its open() returns.  Called from loop callbacks only. */
#ifndef EP_SINK_H
#define EP_SINK_H

#include "base/err.h"
#include "report/deliver.h"
#include "results/result.h"

struct ep_finding;
struct ep_banner;

/* What the network outputs share, from the command line (--spool DIR,
 * --spool-max SIZE); owned by the command's config.  Zeroes mean defaults. */
struct ep_sink_netopts {
	struct ep_deliver_opts deliver;
	int replay_only; /* `ecsprobe flush`: send what the spool holds, nothing new */
};

struct ep_sink_args {
	const char *dest; /* text after "name:"; NULL when none was given */
	const struct ep_scan_info *info;
	const struct ep_sink_netopts *net; /* never NULL (all defaults when not set) */
};

struct ep_sink_ops {
	const char *name;
	const char *help;
	/* the destination is a receiver (a URL, an API), never a file or stdout */
	int network;
	int (*open)(const struct ep_sink_args *a, void **state, struct ep_diag *d);
	int (*result)(void *state, const struct ep_result *r); /* may be NULL */
	/* verify's findings, after the scan, before close; may be NULL */
	int (*finding)(void *state, const struct ep_finding *f);
	/* --banners: what an open TCP port said (main thread); may be NULL */
	int (*banner)(void *state, const struct ep_banner *b);
	int (*flush)(void *state); /* may be NULL */
	int (*close)(void *state, const struct ep_summary *s);
};

#define EP_MAX_SINKS 16

struct ep_sink_threads;

/* A set of open sinks; owns their states (and their threads, once started). */
struct ep_sinks {
	const struct ep_sink_ops *ops[EP_MAX_SINKS];
	void *state[EP_MAX_SINKS];
	int n;
	int failed;                        /* some sink reported an error: output is incomplete */
	const struct ep_sink_netopts *net; /* set before opening; NULL: defaults */
	struct ep_sink_threads *threads;   /* NULL: results are formatted by the caller */
};

const struct ep_sink_ops *ep_sink_find(const char *name);
/* Lists "name  help" lines of every sink into the FILE *. */
void ep_sink_list(void *file);
/* Whether the output spec ("name[:destination]") writes to this process's
 * standard output: no destination, "-", or a path naming the same file. */
int ep_sink_spec_is_stdout(const char *spec);
/* spec is "name[:destination]". */
int ep_sinks_open(struct ep_sinks *s, const char *spec, const struct ep_scan_info *info,
                  struct ep_diag *d);
/* From here on every sink that takes results formats them on a thread of
 * its own (report/writer.h), behind a bounded ring: ep_sinks_result only
 * stages a copy, so one slow format holds up neither probing nor the other
 * outputs, and the sinks use every core there is.  Staged results reach the
 * threads in batches, at the latest on ep_sinks_flush.  Call after the last
 * ep_sinks_open, from the thread that will deliver results. */
int ep_sinks_start_threads(struct ep_sinks *s);
/* Hands every staged result over, waits until each sink has formatted all
 * it was given, and joins the threads; later calls format directly again.
 * ep_sinks_finding and ep_sinks_close do this first; no-op when not started. */
void ep_sinks_stop_threads(struct ep_sinks *s);
/* Calls to ep_sinks_result, _banner and _flush come from one thread at a
 * time (the caller's lock); with threads started that stays true. */
void ep_sinks_result(struct ep_sinks *s, const struct ep_result *r);
void ep_sinks_finding(struct ep_sinks *s, const struct ep_finding *f);
void ep_sinks_banner(struct ep_sinks *s, const struct ep_banner *b);
void ep_sinks_flush(struct ep_sinks *s);
/* Closes every sink; returns nonzero if any sink failed at any point. */
int ep_sinks_close(struct ep_sinks *s, const struct ep_summary *sum);

#endif
