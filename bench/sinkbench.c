/* Sink throughput: feeds N synthetic results or findings through one output
 * format (the real sink code, via ep_sinks_*) into a file and prints
 * "FORMAT KIND N SECONDS EVENTS_PER_S BYTES_PER_EVENT".  bench/sinks.sh runs it.
 * usage: sinkbench FORMAT results|findings N PATH */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "compare/findings.h"
#include "config/cidr.h"
#include "report/sink.h"

#define NFIND 4096 /* distinct findings, cycled (ids cost a SHA-256 each) */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_findings(struct ep_finding *f, size_t n)
{
	static const char *const ev[] = {
	    "security group sg-0a1b2c3d (rule 2: tcp 8400-8499 from 0.0.0.0/0) exposes it",
	    "no security-group rule admits it either",
	    "task definition api:2, container api, portMapping tcp/9000; admitted by sg-api rule 1",
	    "security group sg-ops rule 1: tcp 7000-7010 from 10.0.0.0/8"};

	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		uint16_t lo;

		f[i].kind = (enum ep_finding_kind)(i % 4);
		f[i].severity = (enum ep_severity)(i % 4);
		snprintf(f[i].account, sizeof(f[i].account), "111122223333");
		snprintf(f[i].region, sizeof(f[i].region), "eu-west-1");
		snprintf(f[i].address, sizeof(f[i].address), "10.%zu.%zu.%zu", i >> 16 & 255,
		         i >> 8 & 255, i & 255);
		snprintf(f[i].interface, sizeof(f[i].interface), "eni-%017zx", i);
		if (i % 3 == 0)
			snprintf(f[i].owner, sizeof(f[i].owner), "lb/front-%zu", i);
		else
			snprintf(f[i].owner, sizeof(f[i].owner), "prod-%zu/service-%zu/app", i % 7,
			         i);
		f[i].proto = i % 5 ? EP_PROTO_TCP : EP_PROTO_UDP;
		lo = (uint16_t)(1024 + i % 60000);
		if (i % 4 == 3) { /* a latent exposure: its rule's ports around two open ones */
			snprintf(f[i].rule, sizeof(f[i].rule), "sg-0a1b2c3d#%zu", i % 9);
			ep_finding_set_ports(&f[i], lo, (uint16_t)(lo + 9));
			ep_finding_add_range(&f[i], (uint16_t)(lo + 11), (uint16_t)(lo + 49));
			ep_finding_add_range(&f[i], (uint16_t)(lo + 51), (uint16_t)(lo + 99));
		} else {
			ep_finding_set_ports(&f[i], lo, lo);
		}
		snprintf(f[i].message, sizeof(f[i].message),
		         "open: no task port mapping, listener or intent declares it");
		snprintf(f[i].evidence, sizeof(f[i].evidence), "%s", ev[i % 4]);
		ep_finding_make_id(&f[i]);
	}
}

int main(int argc, char **argv)
{
	struct ep_scan_info info;
	struct ep_sinks s;
	struct ep_summary sum;
	struct ep_diag d;
	struct ep_finding *f = NULL;
	struct stat st;
	char spec[512];
	unsigned long long n;
	int findings;
	double t0, t1;

	if (argc != 5 || (strcmp(argv[2], "results") && strcmp(argv[2], "findings"))) {
		fprintf(stderr, "usage: sinkbench FORMAT results|findings N PATH\n");
		return 2;
	}
	findings = strcmp(argv[2], "findings") == 0;
	n = strtoull(argv[3], NULL, 10);
	memset(&info, 0, sizeof(info));
	memset(&s, 0, sizeof(s));
	memset(&sum, 0, sizeof(sum));
	memset(&d, 0, sizeof(d));
	snprintf(info.scan_id, sizeof(info.scan_id), "6b3dedc1-5d24-4c2a-b269-02dfb7a4c5ec");
	snprintf(info.mode, sizeof(info.mode), "syn");
	info.started_ns = 1795969601000000000ULL;
	if (findings) {
		f = calloc(NFIND, sizeof(*f));
		if (f == NULL)
			return 3;
		make_findings(f, NFIND);
	}
	snprintf(spec, sizeof(spec), "%s:%s", argv[1], argv[4]);
	t0 = now_s();
	if (ep_sinks_open(&s, spec, &info, &d)) {
		fprintf(stderr, "sinkbench: %s\n", d.msg);
		return 2;
	}
	for (unsigned long long i = 0; i < n; i++) {
		if (findings) {
			ep_sinks_finding(&s, &f[i % NFIND]);
		} else {
			struct ep_result r;

			memset(&r, 0, sizeof(r));
			r.t.addr.family = 4;
			r.t.addr.b[0] = 10;
			r.t.addr.b[1] = (uint8_t)(i >> 24);
			r.t.addr.b[2] = (uint8_t)(i >> 16);
			r.t.addr.b[3] = (uint8_t)(i >> 8);
			r.t.proto = EP_PROTO_TCP;
			r.t.port = (uint16_t)(1 + i % 65535);
			r.state = i % 100 == 0 ? EP_STATE_OPEN : EP_STATE_CLOSED;
			r.reason = r.state == EP_STATE_OPEN ? EP_REASON_SYN_ACK : EP_REASON_RST;
			r.rtt_ns = 80000 + i % 1000;
			r.ts_ns = info.started_ns + i * 2000; /* 500k results/s */
			r.attempts = 1;
			ep_sinks_result(&s, &r);
		}
		if (i % 65536 == 65535)
			ep_sinks_flush(&s); /* the scan's 200 ms timer, roughly */
	}
	sum.info = &info;
	sum.results = findings ? 0 : n;
	sum.complete = 1;
	if (ep_sinks_close(&s, &sum)) {
		fprintf(stderr, "sinkbench: %s output failed\n", argv[1]);
		return 1;
	}
	t1 = now_s();
	if (stat(argv[4], &st))
		st.st_size = 0;
	printf("%s %s %llu %.3f %.0f %.0f\n", argv[1], argv[2], n, t1 - t0, (double)n / (t1 - t0),
	       n ? (double)st.st_size / (double)n : 0.0);
	free(f);
	return 0;
}
