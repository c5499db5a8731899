/* `scan` option table and parsing (GNU getopt_long). */
#include "config/options.h"

#include "model/invtargets.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char ep_scan_usage[] =
    "Usage: ecsprobe scan [OPTIONS] [TARGET...]\n"
    "\n"
    "Probe every target address on every listed port and report each as open,\n"
    "closed or filtered.  TARGET is an address, a CIDR block or a range\n"
    "(10.0.0.1-10.0.0.9, or 10.0.0.1-9); IPv4 and IPv6.\n"
    "\n"
    "Scope:\n"
    "  -t, --targets FILE      read targets, one per line: ADDRESS|CIDR|RANGE [PORTSPEC]\n"
    "      --inventory FILE    add every address of every network interface in a saved\n"
    "                          'ecsprobe inventory' document\n"
    "                          ('#' starts a comment; a PORTSPEC there replaces -p)\n"
    "  -p, --ports SPEC        ports: 22,80,8000-8100; T:1-1024,U:53; '-' for 1-65535\n"
    "      --exclude CIDR      never probe these addresses (repeatable, comma lists)\n"
    "      --exclude-file FILE exclusions, one ADDRESS|CIDR|RANGE per line\n"
    "      --max-probes N      refuse scopes larger than N probes (default 10000000)\n"
    "\n"
    "Speed and accuracy:\n"
    "      --rate PPS          probes per second (default 1000)\n"
    "      --max-inflight N    probes awaiting an answer at once (default 1024)\n"
    "      --timeout MS        wait at most this long for an answer (default 1000; '2s'\n"
    "                          works)\n"
    "      --min-timeout MS    once answers have been timed, wait srtt + 4 rttvar as TCP\n"
    "                          does (RFC 6298), but no less than MS (default 100); 0: always\n"
    "                          wait --timeout\n"
    "      --retries N         exactly N extra attempts for probes with no answer (default:\n"
    "                          1, and more while measured loss says a silent port on a\n"
    "                          host that answers may have answered, up to 15)\n"
    "      --seed N            fix the pseudo-random probe order\n"
    "      --threads N         probe engines, one per thread (default: CPUs, at most 4)\n"
    "      --mode MODE         how TCP ports are probed: syn (raw SYN, needs CAP_NET_RAW),\n"
    "                          connect (the kernel's connect()), auto (default: syn when\n"
    "                          allowed, else connect).  UDP ports (U:) always get\n"
    "                          protocol payloads from the probes directory\n"
    "      --interface IF      syn mode: capture on IF instead of the routes' interface\n"
    "      --source-ip ADDR    syn mode: send from ADDR (once per address family)\n"
    "      --user USER         after opening raw sockets as root, run as USER with no\n"
    "                          capabilities (default nobody)\n"
    "      --probes-dir DIR    UDP payload files (default: the installed probes/)\n"
    "      --shard I/N         probe only part I of N (1-based) of the scan, for splitting\n"
    "                          it across machines; 'auto' reads JOB_COMPLETION_INDEX and\n"
    "                          ECSPROBE_SHARDS (Kubernetes Indexed Jobs) or\n"
    "                          AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE\n"
    "\n"
    "Output:\n"
    "  -o, --output FMT[:DEST] text (the table, default) or ndjson; DEST a path or -\n"
    "                          (repeatable; see 'ecsprobe help outputs')\n"
    "      --securityhub       verify: import the findings into AWS Security Hub\n"
    "                          (BatchImportFindings; the same as -o securityhub)\n"
    "  -q, --quiet             no table on stdout unless asked with -o text\n"
    "      --no-progress       no live progress line on stderr\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "  -n, --dry-run           print the plan and send nothing\n"
    "      --banners           connect again to every open TCP port and record what it\n"
    "                          says first (HTTP and TLS ports get a minimal request):\n"
    "                          at most 512 bytes and 3 s each, 64 at a time\n"
    "      --resume FILE       continue an interrupted scan: FILE is its -o ndjson output;\n"
    "                          targets it has results for are not probed again and its\n"
    "                          results are repeated in this run's outputs\n"
    "      --spool DIR         network outputs (syslog, hec...): what the receiver does not\n"
    "                          take in time waits here (fsync'd) and is sent first by the\n"
    "                          next run or 'ecsprobe flush'; without it, it is dropped\n"
    "      --spool-max SIZE    bound on the spool per destination (default 256M; k/M/G)\n"
    "      --intent FILE       compare with an intent policy: runs 'ecsprobe verify'\n"
    "                          over the inventory (see 'ecsprobe help verify')\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 done, 2 usage or input error, 4 interrupted or incomplete.\n";

enum {
	OPT_EXCLUDE = 256,
	OPT_EXCLUDE_FILE,
	OPT_MAX_PROBES,
	OPT_RATE,
	OPT_INFLIGHT,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_SEED,
	OPT_NO_PROGRESS,
	OPT_PROGRESS,
	OPT_MODE,
	OPT_THREADS,
	OPT_INVENTORY,
	OPT_SHARD,
	OPT_INTERFACE,
	OPT_SOURCE_IP,
	OPT_USER,
	OPT_PROBES_DIR,
	OPT_RESUME,
	OPT_SPOOL,
	OPT_SPOOL_MAX,
	OPT_BANNERS,
	OPT_SECURITYHUB,
	OPT_MIN_TIMEOUT,
};

static const struct option long_opts[] = {
    {"targets", required_argument, NULL, 't'},
    {"ports", required_argument, NULL, 'p'},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE},
    {"max-probes", required_argument, NULL, OPT_MAX_PROBES},
    {"rate", required_argument, NULL, OPT_RATE},
    {"max-inflight", required_argument, NULL, OPT_INFLIGHT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"dry-run", no_argument, NULL, 'n'},
    {"mode", required_argument, NULL, OPT_MODE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"inventory", required_argument, NULL, OPT_INVENTORY},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"interface", required_argument, NULL, OPT_INTERFACE},
    {"source-ip", required_argument, NULL, OPT_SOURCE_IP},
    {"user", required_argument, NULL, OPT_USER},
    {"probes-dir", required_argument, NULL, OPT_PROBES_DIR},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"spool-max", required_argument, NULL, OPT_SPOOL_MAX},
    {"banners", no_argument, NULL, OPT_BANNERS},
    {"min-timeout", required_argument, NULL, OPT_MIN_TIMEOUT},
    {"securityhub", no_argument, NULL, OPT_SECURITYHUB},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Whole unsigned number in [lo, hi]; suffix k/m accepted when allow_suffix. */
static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, int allow_suffix,
                     uint64_t *out, struct ep_diag *d)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: '%s' is not a whole number", opt, s);
	v = strtoull(s, &end, 10);
	if (allow_suffix && (*end == 'k' || *end == 'K') && end[1] == '\0') {
		v *= 1000;
		end++;
	} else if (allow_suffix && (*end == 'm' || *end == 'M') && end[1] == '\0') {
		v *= 1000000;
		end++;
	}
	if (*end != '\0')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: '%s' is not a whole number", opt, s);
	if (v < lo || v > hi)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "%s: %llu is out of range %llu-%llu", opt, v,
		                   (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 0;
}

/* "1500", "1500ms", "2s" -> milliseconds */
static int parse_ms(const char *s, unsigned *out, struct ep_diag *d)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "--timeout: '%s' is not a duration", s);
	v = strtoull(s, &end, 10);
	if (strcmp(end, "s") == 0)
		v *= 1000;
	else if (*end != '\0' && strcmp(end, "ms") != 0)
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "--timeout: '%s' is not a duration (ms or s)", s);
	if (v < 1 || v > 600000)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "--timeout: %s is out of range 1ms-600s", s);
	*out = (unsigned)v;
	return 0;
}

int ep_parse_size(const char *opt, const char *s, uint64_t *out, struct ep_diag *d)
{
	char *end;
	unsigned long long v, mul = 1;

	if (*s < '0' || *s > '9')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: '%s' is not a size", opt, s);
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		mul = 1ULL << 10;
	else if (*end == 'm' || *end == 'M')
		mul = 1ULL << 20;
	else if (*end == 'g' || *end == 'G')
		mul = 1ULL << 30;
	if (mul > 1)
		end++;
	if (*end != '\0' || v == 0 || v > (1ULL << 50) / mul)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: '%s': a size like 64k, 256M or 2G", opt,
		                   s);
	*out = v * mul;
	return 0;
}

static int add_excludes(struct ep_config *c, const char *list, struct ep_diag *d)
{
	char item[128];

	while (*list) {
		size_t len = strcspn(list, ",");
		struct ep_iprange r;
		int rc;

		if (len == 0 || len >= sizeof(item))
			return ep_diag_set(d, EP_EINVAL, 0, 0, "--exclude: empty or overlong item");
		memcpy(item, list, len);
		item[len] = '\0';
		rc = ep_iprange_parse(item, &r, d);
		if (rc) {
			ep_diag_prefix(d, "--exclude: ");
			d->col = 0;
			return rc;
		}
		rc = ep_rangelist_add(&c->exclude, &r);
		if (rc)
			return ep_diag_set(d, rc, 0, 0, "out of memory");
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

static int set_ports(struct ep_config *c, const char *spec, struct ep_diag *d)
{
	struct ep_portset sets[EP_PROTO_COUNT];
	int rc = ep_portspec_parse(spec, sets, d);

	if (rc) {
		char prefix[128];

		snprintf(prefix, sizeof(prefix), "--ports '%.60s' column %u: ", spec, d->col);
		ep_diag_prefix(d, prefix);
		d->col = 0;
		return rc;
	}
	for (int i = 0; i < EP_PROTO_COUNT; i++) {
		ep_portset_free(&c->ports[i]);
		c->ports[i] = sets[i];
	}
	c->have_ports = 1;
	return 0;
}

/* --shard I/N (1-based) or auto: Kubernetes Indexed Jobs give the index in
 * JOB_COMPLETION_INDEX (0-based; the count comes from ECSPROBE_SHARDS, set
 * from .spec.completions), AWS Batch array jobs in AWS_BATCH_JOB_ARRAY_INDEX
 * with AWS_BATCH_JOB_ARRAY_SIZE. */
static int parse_shard(struct ep_config *c, const char *s, struct ep_diag *d)
{
	unsigned long i, n;
	char *end;

	if (strcmp(s, "auto") == 0) {
		const char *ki = getenv("JOB_COMPLETION_INDEX"), *kn = getenv("ECSPROBE_SHARDS");
		const char *bi = getenv("AWS_BATCH_JOB_ARRAY_INDEX");
		const char *bn = getenv("AWS_BATCH_JOB_ARRAY_SIZE");
		const char *is = ki ? ki : bi, *ns = ki ? kn : bn;

		if (is == NULL || ns == NULL)
			return ep_diag_set(
			    d, EP_EINVAL, 0, 0,
			    "--shard auto: set JOB_COMPLETION_INDEX and ECSPROBE_SHARDS, or "
			    "AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE");
		i = strtoul(is, &end, 10);
		if (*is == '\0' || *end)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "--shard auto: bad index '%s'", is);
		n = strtoul(ns, &end, 10);
		if (*ns == '\0' || *end || n < 1 || n > 65536 || i >= n)
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "--shard auto: index %lu of '%s' shards", i, ns);
		c->shard_index = (unsigned)i;
		c->shard_count = (unsigned)n;
		return 0;
	}
	i = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "--shard '%s': expected I/N, e.g. 1/3", s);
	s = end + 1;
	n = strtoul(s, &end, 10);
	if (*s == '\0' || *end || n < 1 || n > 65536 || i < 1 || i > n)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "--shard: I must be 1-N and N 1-65536");
	c->shard_index = (unsigned)(i - 1);
	c->shard_count = (unsigned)n;
	return 0;
}

static void defaults(struct ep_config *c)
{
	memset(c, 0, sizeof(*c));
	ep_target_list_init(&c->targets);
	ep_rangelist_init(&c->exclude);
	c->rate = EP_DEFAULT_RATE;
	c->max_inflight = EP_DEFAULT_INFLIGHT;
	c->timeout_ms = EP_DEFAULT_TIMEOUT_MS;
	c->min_timeout_ms = EP_DEFAULT_MIN_TIMEOUT_MS;
	c->retries = EP_DEFAULT_RETRIES;
	c->max_probes = EP_DEFAULT_MAX_PROBES;
	c->progress = -1;
	{
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		c->threads = cpus < 1 ? 1 : cpus > 4 ? 4 : (unsigned)cpus;
	}
	snprintf(c->mode, sizeof(c->mode), "auto");
	c->user = "nobody";
}

static int parse(struct ep_config *c, int argc, char **argv, int run_only, struct ep_diag *d)
{
	uint64_t v;
	int opt, rc = 0;

	defaults(c);
	optind = 1;
	opterr = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, ":t:p:o:qnh", long_opts, NULL)) != -1) {
		memset(d, 0, sizeof(*d)); /* no file name left over from an earlier option */
		switch (opt) {
		case 't':
			rc = ep_target_list_load(&c->targets, optarg, d);
			break;
		case 'p':
			rc = set_ports(c, optarg, d);
			break;
		case OPT_EXCLUDE:
			rc = add_excludes(c, optarg, d);
			break;
		case OPT_EXCLUDE_FILE:
			rc = ep_exclude_load(&c->exclude, optarg, d);
			break;
		case OPT_MAX_PROBES:
			rc = parse_u64("--max-probes", optarg, 1, 1ULL << 48, 1, &c->max_probes, d);
			break;
		case OPT_RATE:
			rc = parse_u64("--rate", optarg, 1, 100000000, 1, &v, d);
			c->rate = (double)v;
			break;
		case OPT_INFLIGHT:
			rc = parse_u64("--max-inflight", optarg, 1, 1000000, 1, &v, d);
			c->max_inflight = (unsigned)v;
			c->inflight_set = 1;
			break;
		case OPT_TIMEOUT:
			rc = parse_ms(optarg, &c->timeout_ms, d);
			break;
		case OPT_RETRIES:
			rc = parse_u64("--retries", optarg, 0, 20, 0, &v, d);
			c->retries = (unsigned)v;
			c->retries_set = 1;
			break;
		case OPT_SHARD:
			rc = parse_shard(c, optarg, d);
			break;
		case OPT_INVENTORY:
			rc = ep_invtargets_load(&c->targets, optarg, d);
			break;
		case OPT_THREADS:
			rc = parse_u64("--threads", optarg, 1, 64, 0, &v, d);
			c->threads = (unsigned)v;
			break;
		case OPT_SEED:
			rc = parse_u64("--seed", optarg, 0, UINT64_MAX, 0, &c->seed, d);
			c->seed_set = 1;
			break;
		case 'o':
			if (c->noutputs == EP_MAX_SINKS)
				rc = ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d -o outputs",
				                 EP_MAX_SINKS);
			else
				c->outputs[c->noutputs++] = optarg;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'n':
			c->dry_run = 1;
			break;
		case OPT_NO_PROGRESS:
			c->progress = 0;
			break;
		case OPT_PROGRESS:
			c->progress = 1;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "connect") != 0 && strcmp(optarg, "syn") != 0 &&
			    strcmp(optarg, "auto") != 0)
				rc = ep_diag_set(
				    d, EP_EINVAL, 0, 0,
				    "--mode: '%s' is not a mode (syn, connect or auto)", optarg);
			else
				snprintf(c->mode, sizeof(c->mode), "%s", optarg);
			break;
		case OPT_INTERFACE:
			if (strlen(optarg) >= sizeof(c->interface) || optarg[0] == '\0')
				rc = ep_diag_set(d, EP_EINVAL, 0, 0,
				                 "--interface: '%s' is not an interface name",
				                 optarg);
			else
				snprintf(c->interface, sizeof(c->interface), "%s", optarg);
			break;
		case OPT_SOURCE_IP: {
			struct ep_addr a;

			if (ep_addr_parse(optarg, &a) != 0)
				rc = ep_diag_set(d, EP_EINVAL, 0, 0,
				                 "--source-ip: '%s' is not an IP address", optarg);
			else
				c->source_ip[a.family == 6] = a;
			break;
		}
		case OPT_USER:
			c->user = optarg;
			break;
		case OPT_PROBES_DIR:
			c->probes_dir = optarg;
			break;
		case OPT_RESUME:
			c->resume = optarg;
			break;
		case OPT_SPOOL:
			if (optarg[0] == '\0')
				rc = ep_diag_set(d, EP_EINVAL, 0, 0, "--spool: give a directory");
			c->net.deliver.spool_dir = optarg;
			break;
		case OPT_SPOOL_MAX:
			rc = ep_parse_size("--spool-max", optarg, &c->net.deliver.spool_max, d);
			break;
		case OPT_SECURITYHUB:
			if (c->noutputs == EP_MAX_SINKS)
				rc = ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d -o outputs",
				                 EP_MAX_SINKS);
			else
				c->outputs[c->noutputs++] = "securityhub";
			break;
		case OPT_BANNERS:
			c->banners = 1;
			break;
		case OPT_MIN_TIMEOUT:
			rc = parse_u64("--min-timeout", optarg, 0, 600000, 0, &v, d);
			c->min_timeout_ms = (unsigned)v;
			break;
		case 'h':
			c->help = 1;
			return 0;
		case ':':
			rc = ep_diag_set(d, EP_EINVAL, 0, 0, "option '%s' needs a value",
			                 argv[optind - 1]);
			break;
		default:
			rc = ep_diag_set(d, EP_EINVAL, 0, 0,
			                 "unknown option '%s' (see ecsprobe scan --help)",
			                 argv[optind - 1]);
			break;
		}
	}
	if (rc == 0 && run_only && (optind < argc || c->targets.n || c->have_ports))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: %s",
		                   optind < argc  ? argv[optind]
		                   : c->targets.n ? "--targets"
		                                  : "-p",
		                   "the targets and ports come from the inventory here");
	for (int i = optind; rc == 0 && i < argc; i++) {
		rc = ep_target_list_add(&c->targets, argv[i], "command line", d);
		if (rc) {
			char prefix[128];

			snprintf(prefix, sizeof(prefix), "target '%.80s': ", argv[i]);
			ep_diag_prefix(d, prefix);
			d->col = 0;
		}
	}
	if (rc == 0 && c->shard_count > 1 && !c->seed_set)
		rc = ep_diag_set(d, EP_EINVAL, 0, 0,
		                 "--shard needs --seed: every machine must walk the same order");
	if (rc == 0) {
		ep_rangelist_normalize(&c->exclude);
		if (c->targets.n == 0 && !run_only)
			rc = ep_diag_set(
			    d, EP_ESCOPE, 0, 0,
			    "no targets: give addresses or --targets FILE (see --help)");
	}
	return rc;
}

int ep_config_parse(struct ep_config *c, int argc, char **argv, struct ep_diag *d)
{
	return parse(c, argc, argv, 0, d);
}

int ep_config_parse_run(struct ep_config *c, int argc, char **argv, struct ep_diag *d)
{
	return parse(c, argc, argv, 1, d);
}

void ep_config_free(struct ep_config *c)
{
	ep_target_list_free(&c->targets);
	for (int i = 0; i < EP_PROTO_COUNT; i++)
		ep_portset_free(&c->ports[i]);
	ep_rangelist_free(&c->exclude);
}
