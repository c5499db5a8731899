/* The scan option groups (targets, scope limits, speed, outputs) and the
 * `scan` command line built from them. */
#include "config/options.h"

#include "model/invtargets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_TARGETS = 1,
	OPT_PORTS,
	OPT_INVENTORY,
	OPT_SOURCE_IP,
	OPT_RESUME,
	OPT_INTENT,
	OPT_EXCLUDE,
	OPT_EXCLUDE_FILE,
	OPT_MAX_PROBES,
	OPT_SHARD,
	OPT_RATE,
	OPT_INFLIGHT,
	OPT_TIMEOUT,
	OPT_MIN_TIMEOUT,
	OPT_RETRIES,
	OPT_SEED,
	OPT_THREADS,
	OPT_MODE,
	OPT_INTERFACE,
	OPT_SEND_PATH,
	OPT_USER,
	OPT_PROBES_DIR,
	OPT_BANNERS,
	OPT_OUTPUT,
	OPT_QUIET,
	OPT_NO_PROGRESS,
	OPT_PROGRESS,
	OPT_DRY_RUN,
	OPT_SPOOL,
	OPT_SPOOL_MAX,
	OPT_GITHUB_SUMMARY,
};

static const struct ep_opt target_opts[] = {
    {"targets", 't', 1, OPT_TARGETS, "FILE",
     "read targets, one per line: ADDRESS|CIDR|RANGE|NAME [PORTSPEC] ('#' starts a "
     "comment; a PORTSPEC there replaces -p)",
     "file"},
    {"inventory", 0, 1, OPT_INVENTORY, "FILE",
     "add every address of every network interface in a saved 'ecsprobe inventory' "
     "document (a path or s3://BUCKET/KEY)",
     "file"},
    {"ports", 'p', 1, OPT_PORTS, "SPEC",
     "ports: 22,80,8000-8100; T:1-1024,U:53; '-' for 1-65535 (default: TCP 1-1024 and "
     "commonly exposed services, " EP_DEFAULT_PORTS_COUNT_TEXT " ports)",
     NULL},
    {"source-ip", 0, 1, OPT_SOURCE_IP, "ADDR", "syn mode: send from ADDR (once per address family)",
     NULL},
    {"resume", 0, 1, OPT_RESUME, "FILE",
     "continue an interrupted scan: FILE is its -o ndjson output; targets it has results "
     "for are not probed again and its results are repeated in this run's outputs",
     "file"},
    {"intent", 0, 1, OPT_INTENT, "FILE",
     "compare with an intent policy: runs 'ecsprobe verify' over the inventory (see "
     "'ecsprobe help verify')",
     "file"},
};

static const struct ep_opt limit_opts[] = {
    {"exclude", 0, 1, OPT_EXCLUDE, "CIDR",
     "never probe these addresses, under any spelling (IPv4-mapped IPv6 included; "
     "repeatable, comma lists)",
     NULL},
    {"exclude-file", 0, 1, OPT_EXCLUDE_FILE, "FILE", "exclusions, one ADDRESS|CIDR|RANGE per line",
     "file"},
    {"max-probes", 0, 1, OPT_MAX_PROBES, "N",
     "refuse scopes larger than N probes (default 10000000)", NULL},
    {"shard", 0, 1, OPT_SHARD, "I/N",
     "probe only part I of N (1-based), for splitting the work across machines; 'auto' "
     "reads JOB_COMPLETION_INDEX and ECSPROBE_SHARDS (Kubernetes Indexed Jobs) or "
     "AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE",
     NULL},
};

static const struct ep_opt run_opts[] = {
    {"rate", 0, 1, OPT_RATE, "PPS", "probes per second (default 1000; 10k works)", NULL},
    {"max-inflight", 0, 1, OPT_INFLIGHT, "N", "probes awaiting an answer at once (default 1024)",
     NULL},
    {"timeout", 0, 1, OPT_TIMEOUT, "MS",
     "wait at most this long for an answer (default 1000; '2s' works)", NULL},
    {"min-timeout", 0, 1, OPT_MIN_TIMEOUT, "MS",
     "once answers have been timed, wait srtt + 4 rttvar as TCP does (RFC 6298), but no "
     "less than MS (default 100); 0: always wait --timeout",
     NULL},
    {"retries", 0, 1, OPT_RETRIES, "N",
     "exactly N extra attempts for probes with no answer (default: 1, and more while "
     "measured loss says a silent port on a host that answers may have answered, up to 15)",
     NULL},
    {"seed", 0, 1, OPT_SEED, "N", "fix the pseudo-random probe order", NULL},
    {"threads", 0, 1, OPT_THREADS, "N", "probe engines, one per thread (default: CPUs, at most 4)",
     NULL},
    {"mode", 0, 1, OPT_MODE, "MODE",
     "how TCP ports are probed: syn (raw SYN, needs CAP_NET_RAW), connect (the kernel's "
     "connect()), auto (default: syn when allowed, else connect); UDP ports (U:) always "
     "get protocol payloads from the probes directory",
     "auto syn connect"},
    {"send-path", 0, 1, OPT_SEND_PATH, "PATH",
     "syn mode: packet (AF_PACKET frames on Ethernet and loopback links), raw (raw IP "
     "sockets), auto (default: packet where the route allows, else raw)",
     "auto packet raw"},
    {"interface", 0, 1, OPT_INTERFACE, "IF",
     "syn mode: capture on IF instead of the routes' interface", NULL},
    {"user", 0, 1, OPT_USER, "USER",
     "after opening sockets as root, run as USER with no capabilities (default nobody)", NULL},
    {"probes-dir", 0, 1, OPT_PROBES_DIR, "DIR",
     "UDP payload files (default: the installed probes/)", "dir"},
    {"banners", 0, 0, OPT_BANNERS, NULL,
     "connect again to every open TCP port and record what it says first (HTTP and TLS "
     "ports get a minimal request): at most 512 bytes and 3 s each, 64 at a time",
     NULL},
};

static const struct ep_opt output_opts[] = {
    {"output", 'o', 1, OPT_OUTPUT, "FMT[:DEST]",
     "write results (and verify's findings) as FMT to DEST, a path, - for stdout, or "
     "s3://BUCKET/KEY; repeatable.  FMT: text (the table, the default), ndjson (or json), "
     "csv, nmap-xml, html, ocsf, elastic, cef, sarif, asff, syslog, hec... (see 'ecsprobe "
     "help outputs').  When an output is stdout, the human summary goes to stderr",
     NULL},
    {"quiet", 'q', 0, OPT_QUIET, NULL, "no table on stdout unless asked with -o text", NULL},
    {"no-progress", 0, 0, OPT_NO_PROGRESS, NULL, "no live progress line on stderr", NULL},
    {"progress", 0, 0, OPT_PROGRESS, NULL, "progress line even when stderr is not a terminal",
     NULL},
    {"dry-run", 'n', 0, OPT_DRY_RUN, NULL, "print the plan and send nothing", NULL},
    {"spool", 0, 1, OPT_SPOOL, "DIR",
     "network outputs (syslog, hec...): what the receiver does not take in time waits "
     "here (fsync'd) and is sent first by the next run or 'ecsprobe flush'; without it, "
     "it is dropped",
     "dir"},
    {"spool-max", 0, 1, OPT_SPOOL_MAX, "SIZE",
     "bound on the spool per destination (default 256M; k/M/G)", NULL},
    {"github-summary", 0, 1, OPT_GITHUB_SUMMARY, "FILE",
     "append a Markdown summary to FILE (default under GitHub Actions: "
     "$GITHUB_STEP_SUMMARY; 'none' for none)",
     "file"},
};

static int apply_targets(void *ctx, int id, const char *val, struct ep_diag *d);
static int apply_limits(void *ctx, int id, const char *val, struct ep_diag *d);
static int apply_run(void *ctx, int id, const char *val, struct ep_diag *d);
static int apply_output(void *ctx, int id, const char *val, struct ep_diag *d);

#define GROUP(title, opts, fn)                                  \
	{                                                       \
		title, opts, sizeof(opts) / sizeof(opts[0]), fn \
	}
const struct ep_optgroup ep_targets_group = GROUP("Targets", target_opts, apply_targets);
const struct ep_optgroup ep_limits_group = GROUP("Scope limits", limit_opts, apply_limits);
const struct ep_optgroup ep_run_group = GROUP("Speed and accuracy", run_opts, apply_run);
const struct ep_optgroup ep_output_group = GROUP("Output", output_opts, apply_output);

const struct ep_cmdline ep_scan_cmdline = {
    "scan",
    "[OPTIONS] [TARGET...]",
    "Probe every target address on every listed port and report each as open,\n"
    "closed or filtered.  TARGET is an address, a CIDR block, a range\n"
    "(10.0.0.1-10.0.0.9, or 10.0.0.1-9) or a host name (every address it has);\n"
    "IPv4 and IPv6.\n",
    "TARGET",
    {&ep_targets_group, &ep_limits_group, &ep_run_group, &ep_output_group, &ep_common_group, NULL},
    "Exit status: 0 done, 2 usage or input error, 3 AWS or internal error,\n"
    "4 interrupted or incomplete (--resume continues it).\n",
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
		rc = ep_rangelist_add_aliased(&c->exclude, &r);
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

static int add_output(struct ep_config *c, const char *spec, struct ep_diag *d)
{
	if (c->noutputs == EP_MAX_SINKS)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d outputs", EP_MAX_SINKS);
	c->outputs[c->noutputs++] = spec;
	return 0;
}

static int apply_targets(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct ep_config *c = ctx;
	struct ep_addr a;

	switch (id) {
	case OPT_TARGETS:
		return ep_target_list_load(&c->targets, val, d);
	case OPT_INVENTORY:
		return ep_invtargets_load(&c->targets, val, d);
	case OPT_PORTS:
		return set_ports(c, val, d);
	case OPT_SOURCE_IP:
		if (ep_addr_parse(val, &a) != 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is not an IP address", val);
		c->source_ip[a.family == 6] = a;
		return 0;
	case OPT_RESUME:
		c->resume = val;
		return 0;
	case OPT_INTENT:
		/* main.c routes `scan --intent` to verify before any parsing */
		return ep_diag_set(d, EP_EINVAL, 0, 0, "use 'ecsprobe verify --intent %s'", val);
	}
	return EP_EINVAL;
}

static int apply_limits(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct ep_config *c = ctx;

	switch (id) {
	case OPT_EXCLUDE:
		return add_excludes(c, val, d);
	case OPT_EXCLUDE_FILE:
		return ep_exclude_load(&c->exclude, val, d);
	case OPT_MAX_PROBES:
		return parse_u64("--max-probes", val, 1, 1ULL << 48, 1, &c->max_probes, d);
	case OPT_SHARD:
		return parse_shard(c, val, d);
	}
	return EP_EINVAL;
}

static int apply_run(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct ep_config *c = ctx;
	uint64_t v;
	int rc = 0;

	switch (id) {
	case OPT_RATE:
		rc = parse_u64("--rate", val, 1, 100000000, 1, &v, d);
		c->rate = (double)v;
		break;
	case OPT_INFLIGHT:
		rc = parse_u64("--max-inflight", val, 1, 1000000, 1, &v, d);
		c->max_inflight = (unsigned)v;
		c->inflight_set = 1;
		break;
	case OPT_TIMEOUT:
		rc = parse_ms(val, &c->timeout_ms, d);
		break;
	case OPT_MIN_TIMEOUT:
		rc = parse_u64("--min-timeout", val, 0, 600000, 0, &v, d);
		c->min_timeout_ms = (unsigned)v;
		break;
	case OPT_RETRIES:
		rc = parse_u64("--retries", val, 0, 20, 0, &v, d);
		c->retries = (unsigned)v;
		c->retries_set = 1;
		break;
	case OPT_SEED:
		rc = parse_u64("--seed", val, 0, UINT64_MAX, 0, &c->seed, d);
		c->seed_set = 1;
		break;
	case OPT_THREADS:
		rc = parse_u64("--threads", val, 1, 64, 0, &v, d);
		c->threads = (unsigned)v;
		break;
	case OPT_MODE:
		if (strcmp(val, "connect") != 0 && strcmp(val, "syn") != 0 &&
		    strcmp(val, "auto") != 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "--mode: '%s' is not a mode (syn, connect or auto)",
			                   val);
		snprintf(c->mode, sizeof(c->mode), "%s", val);
		break;
	case OPT_INTERFACE:
		if (strlen(val) >= sizeof(c->interface) || val[0] == '\0')
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is not an interface name",
			                   val);
		snprintf(c->interface, sizeof(c->interface), "%s", val);
		break;
	case OPT_SEND_PATH:
		c->send_path = strcmp(val, "packet") == 0 ? EP_SEND_PACKET
		               : strcmp(val, "raw") == 0  ? EP_SEND_RAW
		               : strcmp(val, "auto") == 0 ? EP_SEND_AUTO
		                                          : -1;
		if (c->send_path < 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is not packet, raw or auto",
			                   val);
		break;
	case OPT_USER:
		c->user = val;
		break;
	case OPT_PROBES_DIR:
		c->probes_dir = val;
		break;
	case OPT_BANNERS:
		c->banners = 1;
		break;
	default:
		return EP_EINVAL;
	}
	return rc;
}

static int apply_output(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct ep_config *c = ctx;

	switch (id) {
	case OPT_OUTPUT:
		return add_output(c, val, d);
	case OPT_QUIET:
		c->quiet = 1;
		return 0;
	case OPT_NO_PROGRESS:
		c->progress = 0;
		return 0;
	case OPT_PROGRESS:
		c->progress = 1;
		return 0;
	case OPT_DRY_RUN:
		c->dry_run = 1;
		return 0;
	case OPT_SPOOL:
		if (val[0] == '\0')
			return ep_diag_set(d, EP_EINVAL, 0, 0, "--spool: give a directory");
		c->net.deliver.spool_dir = val;
		return 0;
	case OPT_SPOOL_MAX:
		return ep_parse_size("--spool-max", val, &c->net.deliver.spool_max, d);
	case OPT_GITHUB_SUMMARY:
		c->github_summary = val;
		return 0;
	}
	return EP_EINVAL;
}

int ep_config_add_output(struct ep_config *c, const char *spec, struct ep_diag *d)
{
	return add_output(c, spec, d);
}

void ep_config_init(struct ep_config *c)
{
	defaults(c);
}

/* The ports probed when none are given: nmap probes its top 1000; these are
 * TCP 1-1024 and the commonly exposed services above them, the same list
 * verify probes everywhere (data/extra-ports.txt). */
static int default_ports(struct ep_config *c, struct ep_diag *d)
{
	int rc = set_ports(c, "1-1024," EP_COMMON_TCP_PORTS, d);

	c->default_ports = rc == 0;
	return rc;
}

int ep_config_finish(struct ep_config *c, int run_only, const char **pos, int npos,
                     struct ep_diag *d)
{
	int rc = 0;

	if (run_only && (npos || c->targets.n || c->have_ports))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: %s",
		                   npos           ? pos[0]
		                   : c->targets.n ? "--targets"
		                                  : "-p",
		                   "the targets and ports come from the inventory here");
	for (int i = 0; rc == 0 && i < npos; i++) {
		rc = ep_target_list_add(&c->targets, pos[i], "command line", d);
		if (rc) {
			char prefix[128];

			snprintf(prefix, sizeof(prefix), "target '%.80s': ", pos[i]);
			ep_diag_prefix(d, prefix);
			d->col = 0;
		}
	}
	if (rc == 0 && c->shard_count > 1 && !c->seed_set)
		rc = ep_diag_set(d, EP_EINVAL, 0, 0,
		                 "--shard needs --seed: every machine must walk the same order");
	if (rc == 0 && !run_only && !c->have_ports)
		rc = default_ports(c, d);
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
	void *ctx[] = {c, c, c, c, &c->common};
	const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int npos = 0, rc;

	defaults(c);
	if (pos == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	rc = ep_cmdline_parse(&ep_scan_cmdline, ctx, argc, argv, pos, &npos, d);
	if (rc == 0 && !c->common.help)
		rc = ep_config_finish(c, 0, pos, npos, d);
	free(pos);
	return rc;
}

void ep_config_free(struct ep_config *c)
{
	ep_target_list_free(&c->targets);
	for (int i = 0; i < EP_PROTO_COUNT; i++)
		ep_portset_free(&c->ports[i]);
	ep_rangelist_free(&c->exclude);
}

int ep_output_is_text(const char *spec)
{
	return strncmp(spec, "text", 4) == 0 || strncmp(spec, "table", 5) == 0;
}

FILE *ep_config_human(const struct ep_config *c)
{
	for (int i = 0; i < c->noutputs; i++)
		if (!ep_output_is_text(c->outputs[i]) && ep_sink_spec_is_stdout(c->outputs[i]))
			return stderr;
	return stdout;
}
