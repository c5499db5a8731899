/* The parsed `scan` configuration.  Owned by main; read-only once parsed. */
#ifndef EP_OPTIONS_H
#define EP_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "config/cidr.h"
#include "config/opt.h"
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
	int send_path;               /* --send-path: EP_SEND_AUTO, EP_SEND_PACKET or EP_SEND_RAW */
	struct ep_addr source_ip[2]; /* --source-ip, [0] IPv4, [1] IPv6; family 0 unset */
	const char *user;            /* --user: drop to this user after opening raw sockets */
	const char *probes_dir;      /* --probes-dir, NULL for the default */
	const char *resume;          /* --resume FILE: an interrupted run's NDJSON */
	int banners;                 /* --banners: read what open TCP ports say */
	const struct ep_payloads *payloads; /* UDP payloads, loaded by the command */
	const char *outputs[EP_MAX_SINKS];
	int noutputs;
	struct ep_common_opts common; /* -h, -v, --debug */
	int default_ports;            /* no -p: TCP 1-1024 and EP_COMMON_TCP_PORTS */
	const char *github_summary;   /* --github-summary FILE|none; NULL: the default */
	struct ep_sink_netopts net;   /* --spool, --spool-max: for the network outputs */
	/* set by a command whose run is one part of a larger plan (verify
	 * --shard splits by address): what the outputs' header says; the
	 * engine walks the targets it is given whole */
	struct {
		char plan[17];
		unsigned index, count; /* 0-based index; count 0: not a part */
	} part;
};

/* How raw probes leave (syn mode): AF_PACKET frames when the link allows,
 * or raw IP sockets (see net/packet_tx.h). */
enum { EP_SEND_AUTO = 0, EP_SEND_PACKET, EP_SEND_RAW };

#define EP_DEFAULT_RATE           1000
#define EP_DEFAULT_INFLIGHT       1024
#define EP_DEFAULT_TIMEOUT_MS     1000
#define EP_DEFAULT_MIN_TIMEOUT_MS 100
#define EP_DEFAULT_RETRIES        1
#define EP_DEFAULT_MAX_PROBES     10000000ULL

/* Ports commonly left open by accident (databases, caches, admin consoles,
 * remote access) above 1023, and the UDP ports scanners of the Internet
 * find open most.  scan probes 1-1024 and the TCP list when given no -p;
 * verify probes both everywhere (data/extra-ports.txt, kept equal by a
 * test). */
#define EP_COMMON_TCP_PORTS                                                                        \
	"21,22,23,25,53,80,110,111,135,139,143,389,443,445,993,995,1433,1521,2049,2375,2376,2379," \
	"3000,3306,3389,4369,5000,5432,5601,5672,5900,5984,6379,6443,7001,8000,8080,8081,8443,"    \
	"8888,9000,9042,9090,9092,9200,9300,10250,11211,15672,27017"
#define EP_COMMON_UDP_PORTS         "U:53,U:123,U:161,U:500,U:1900,U:5353,U:11211"
#define EP_DEFAULT_PORTS_COUNT_TEXT "1,058" /* test_options counts it */

/* The option groups, shared by every command that runs probes. */
extern const struct ep_optgroup ep_targets_group; /* scan's own: -t, -p, --inventory... */
extern const struct ep_optgroup ep_limits_group;  /* --exclude, --max-probes, --shard */
extern const struct ep_optgroup ep_run_group;     /* --rate, --timeout, --mode... */
extern const struct ep_optgroup ep_output_group;  /* -o, -q, --spool... */
extern const struct ep_cmdline ep_scan_cmdline;

/* Parses `scan` arguments (argv[0] is "scan").  Fills d on error. */
int ep_config_parse(struct ep_config *c, int argc, char **argv, struct ep_diag *d);
/* Defaults, for a command that parses the groups into c itself. */
void ep_config_init(struct ep_config *c);
/* After parsing: the positional targets, the default ports, cross-option
 * checks.  run_only: the targets and ports come from elsewhere (verify's
 * plan), so targets, ports and positional arguments are refused. */
int ep_config_finish(struct ep_config *c, int run_only, const char **pos, int npos,
                     struct ep_diag *d);
int ep_config_add_output(struct ep_config *c, const char *spec, struct ep_diag *d);
void ep_config_free(struct ep_config *c);
/* Whether the output spec is the table for people (text, or its alias table). */
int ep_output_is_text(const char *spec);
/* Where words for people go: stdout, unless a machine-readable output
 * writes there (then stderr, so `-o ndjson:- | jq` reads only JSON). */
FILE *ep_config_human(const struct ep_config *c);
/* "4096", "64k", "256M", "2G" (powers of 1024) -> bytes; fills d on error. */
int ep_parse_size(const char *opt, const char *s, uint64_t *out, struct ep_diag *d);

#endif
