/* The parsed `scan` configuration.  Owned by main; read-only once parsed. */
#ifndef EP_OPTIONS_H
#define EP_OPTIONS_H

#include <stdint.h>

#include "config/cidr.h"
#include "config/portspec.h"
#include "config/targetfile.h"
#include "report/sink.h"

struct ep_payloads;

struct ep_config {
	struct ep_target_list targets;
	struct ep_portset ports[EP_PROTO_COUNT];
	int have_ports;
	struct ep_rangelist exclude;
	double rate;
	unsigned max_inflight;
	int inflight_set; /* --max-inflight given (else raw modes size it from rate x timeout) */
	unsigned timeout_ms;
	unsigned min_timeout_ms; /* adaptive wait floor; 0: always timeout_ms */
	unsigned retries;
	int retries_set;  /* --retries given: fixed, no loss-driven retries */
	unsigned threads; /* engines, one per thread, each on a shard */
	unsigned shard_index,
	    shard_count; /* --shard I/N: this machine's part (0-based), 0/0 whole */
	uint64_t seed;
	int seed_set;
	uint64_t max_probes;
	int dry_run;
	int quiet;
	int progress;                /* -1 auto (stderr is a TTY), 0 off, 1 on */
	char mode[16];               /* auto, syn or connect: how TCP ports are probed */
	char interface[16];          /* --interface, "" to follow the routes */
	struct ep_addr source_ip[2]; /* --source-ip, [0] IPv4, [1] IPv6; family 0 unset */
	const char *user;            /* --user: drop to this user after opening raw sockets */
	const char *probes_dir;      /* --probes-dir, NULL for the default */
	const char *resume;          /* --resume FILE: an interrupted run's NDJSON */
	int banners;                 /* --banners: read what open TCP ports say */
	const struct ep_payloads *payloads; /* UDP payloads, loaded by the command */
	const char *outputs[EP_MAX_SINKS];
	int noutputs;
	int help;
	struct ep_sink_netopts net; /* --spool, --spool-max: for the network outputs */
	/* set by a command whose run is one part of a larger plan (verify
	 * --shard splits by address): what the outputs' header says; the
	 * engine walks the targets it is given whole */
	struct {
		char plan[17];
		unsigned index, count; /* 0-based index; count 0: not a part */
	} part;
};

#define EP_DEFAULT_RATE           1000
#define EP_DEFAULT_INFLIGHT       1024
#define EP_DEFAULT_TIMEOUT_MS     1000
#define EP_DEFAULT_MIN_TIMEOUT_MS 100
#define EP_DEFAULT_RETRIES        1
#define EP_DEFAULT_MAX_PROBES     10000000ULL

/* Parses `scan` arguments (argv[0] is "scan").  Fills d on error. */
int ep_config_parse(struct ep_config *c, int argc, char **argv, struct ep_diag *d);
/* The same options for a command whose targets come from elsewhere (verify's
 * plan): targets, ports and positional arguments are refused. */
int ep_config_parse_run(struct ep_config *c, int argc, char **argv, struct ep_diag *d);
void ep_config_free(struct ep_config *c);
/* "4096", "64k", "256M", "2G" (powers of 1024) -> bytes; fills d on error. */
int ep_parse_size(const char *opt, const char *s, uint64_t *out, struct ep_diag *d);
extern const char ep_scan_usage[];

#endif
