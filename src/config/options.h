/* The parsed `scan` configuration.  Owned by main; read-only once parsed. */
#ifndef EP_OPTIONS_H
#define EP_OPTIONS_H

#include <stdint.h>

#include "config/cidr.h"
#include "config/portspec.h"
#include "config/targetfile.h"
#include "report/sink.h"

struct ep_config {
	struct ep_target_list targets;
	struct ep_portset ports[EP_PROTO_COUNT];
	int have_ports;
	struct ep_rangelist exclude;
	double rate;
	unsigned max_inflight;
	unsigned timeout_ms;
	unsigned retries;
	unsigned threads; /* engines, one per thread, each on a shard */
	unsigned shard_index,
	    shard_count; /* --shard I/N: this machine's part (0-based), 0/0 whole */
	uint64_t seed;
	int seed_set;
	uint64_t max_probes;
	int dry_run;
	int quiet;
	int progress; /* -1 auto (stderr is a TTY), 0 off, 1 on */
	char mode[16];
	const char *outputs[EP_MAX_SINKS];
	int noutputs;
	int help;
};

#define EP_DEFAULT_RATE       1000
#define EP_DEFAULT_INFLIGHT   1024
#define EP_DEFAULT_TIMEOUT_MS 1000
#define EP_DEFAULT_RETRIES    1
#define EP_DEFAULT_MAX_PROBES 10000000ULL

/* Parses `scan` arguments (argv[0] is "scan").  Fills d on error. */
int ep_config_parse(struct ep_config *c, int argc, char **argv, struct ep_diag *d);
void ep_config_free(struct ep_config *c);
extern const char ep_scan_usage[];

#endif
