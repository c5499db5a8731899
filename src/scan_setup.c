/* The scan's preparations (scan_setup.h). */
#include "scan_setup.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/source.h"

uint64_t ep_scan_random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return v;
}

void ep_scan_make_id(char *out, size_t outlen)
{
	uint8_t b[16];

	for (int i = 0; i < 2; i++) {
		uint64_t v = ep_scan_random_u64();

		memcpy(b + 8 * i, &v, 8);
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* UUID version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, outlen,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	         b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	         b[15]);
}

/* Raises the descriptor limit as far as allowed; returns the soft limit. */
unsigned long ep_scan_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (unsigned long)rl.rlim_cur;
}

void ep_scan_print_plan(const struct ep_targets *t, const struct ep_config *c, uint64_t seed)
{
	double secs = (double)t->total / c->rate + c->timeout_ms / 1000.0;

	printf("Plan (dry run, nothing sent):\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct ep_target_group *g = &t->g[i];
		char ports[256], range[2 * EP_ADDRSTRLEN + 2];

		ep_portset_format(&g->ports, ports, sizeof(ports));
		printf("  %s ports %s%s on %llu address%s:\n", ep_proto_name(g->proto), ports,
		       strlen(ports) == sizeof(ports) - 1 ? "..." : "",
		       (unsigned long long)g->nhosts, g->nhosts == 1 ? "" : "es");
		for (size_t k = 0; k < g->addrs.n && k < 20; k++) {
			ep_iprange_format(&g->addrs.r[k], range, sizeof(range));
			printf("    %s\n", range);
		}
		if (g->addrs.n > 20)
			printf("    ... and %zu more ranges\n", g->addrs.n - 20);
	}
	if (c->default_ports)
		printf("Ports: none given, so TCP 1-1024 and commonly exposed services "
		       "(" EP_DEFAULT_PORTS_COUNT_TEXT "; -p to choose)\n");
	printf("Probes: %llu to %llu host%s (%llu excluded range%s applied)\n",
	       (unsigned long long)t->total, (unsigned long long)t->nhosts,
	       t->nhosts == 1 ? "" : "s", (unsigned long long)c->exclude.n,
	       c->exclude.n == 1 ? "" : "s");
	printf("Rate: %.0f probes/s, at most %u in flight, timeout %u ms, %u retr%s, %u thread%s\n",
	       c->rate, c->max_inflight, c->timeout_ms, c->retries, c->retries == 1 ? "y" : "ies",
	       c->threads, c->threads == 1 ? "" : "s");
	printf("Estimated time: %.1f s (seed %llu)\n", secs, (unsigned long long)seed);
}

int ep_targets_has_proto(const struct ep_targets *t, enum ep_proto p)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->g[i].proto == p && t->g[i].count)
			return 1;
	return 0;
}

/* auto -> syn when raw sockets can be opened, else connect */
int ep_scan_resolve_mode(struct ep_config *c, struct ep_diag *d)
{
	int raw = ep_source_can_raw();

	if (strcmp(c->mode, "auto") == 0)
		snprintf(c->mode, sizeof(c->mode), "%s", raw ? "syn" : "connect");
	else if (strcmp(c->mode, "syn") == 0 && !raw)
		return ep_diag_set(d, EP_EPERM, 0, 0,
		                   "--mode syn needs CAP_NET_RAW: run as root, or give the binary "
		                   "the capability (setcap cap_net_raw+ep), or use --mode connect");
	return 0;
}

/* Writing to the file being resumed would truncate it before it is read. */
int ep_scan_resume_is_output(const struct ep_config *c, struct ep_diag *d)
{
	struct stat a, b;

	if (stat(c->resume, &a) != 0)
		return 0;
	for (int i = 0; i < c->noutputs; i++) {
		const char *dest = strchr(c->outputs[i], ':');

		if (dest && stat(dest + 1, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "--resume %s is also an output (-o %s): write this run "
			                   "to a new file",
			                   c->resume, c->outputs[i]);
	}
	return 0;
}
