/* Human-readable table: open ports grouped by host, with per-host counts of
 * what is not shown, and a summary line.  Printed when the scan ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "config/cidr.h"
#include "probe/banner.h"
#include "report/hosttable.h"
#include "results/losstally.h"
#include "report/objects.h"
#include "report/sink.h"

#define MAX_HOSTS (1u << 20) /* 40 MiB worst case; beyond, per-host counts stop */

struct text {
	FILE *out;
	int own;
	struct ep_output dest; /* a path or s3:// object behind out (report/objects.h) */
	struct ep_hosttable hosts;
	struct ep_banner_notes banners; /* --banners: shown under their port */
};

static int text_banner(void *state, const struct ep_banner *b)
{
	struct text *t = state;

	return ep_banner_notes_add(&t->banners, b);
}

static const char *banner_of(struct text *t, const struct ep_open_port *o)
{
	return o->proto == EP_PROTO_TCP ? ep_banner_notes_find(&t->banners, &o->addr, o->port)
	                                : NULL;
}

static int text_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct text *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return EP_ENOMEM;
	t->out = stdout;
	t->dest.dest = "-";
	snprintf(t->dest.label, sizeof(t->dest.label), "-o text:");
	if (a->dest && strcmp(a->dest, "-") != 0) {
		int rc = ep_output_open(&t->dest, "text", a->dest, d);

		if (rc == 0) {
			t->out = fdopen(t->dest.fd, "w");
			if (t->out == NULL) {
				ep_output_discard(&t->dest);
				rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "-o text:%s: out of memory",
				                 a->dest);
			}
		}
		if (rc) {
			free(t);
			return rc;
		}
		t->dest.own_fd = 0; /* fclose closes it */
		t->own = 1;
	}
	ep_hosttable_init(&t->hosts, MAX_HOSTS);
	*state = t;
	return 0;
}

static int text_result(void *state, const struct ep_result *r)
{
	struct text *t = state;

	return ep_hosttable_add(&t->hosts, r) ? EP_ENOMEM : 0;
}

static void not_shown(FILE *out, const uint64_t *counts)
{
	if (counts[EP_STATE_CLOSED] + counts[EP_STATE_FILTERED] == 0)
		return;
	fprintf(out, "%-40s (not shown: %llu closed, %llu filtered)\n", "",
	        (unsigned long long)counts[EP_STATE_CLOSED],
	        (unsigned long long)counts[EP_STATE_FILTERED]);
}

/* Measured loss, and what it cost: the extra retries and rate cuts. */
static void text_loss(FILE *out, const struct ep_loss_report *l)
{
	char rate[32], net[EP_ADDRSTRLEN];

	if (l->tries == 0)
		return;
	ep_loss_format(l->tries, l->lost, rate, sizeof(rate));
	fprintf(out,
	        "Loss: %s of attempts to targets that answered went unanswered (%llu of %llu); "
	        "%llu extra retr%s, %llu slowdown%s\n",
	        rate, (unsigned long long)l->lost, (unsigned long long)l->tries,
	        (unsigned long long)l->extra, l->extra == 1 ? "y" : "ies",
	        (unsigned long long)l->slowdowns, l->slowdowns == 1 ? "" : "s");
	for (unsigned i = 0; i < l->nnets && l->nnets > 1; i++) {
		ep_addr_format(&l->net[i].net, net, sizeof(net));
		ep_loss_format(l->net[i].tries, l->net[i].lost, rate, sizeof(rate));
		fprintf(out, "  %s/%u: %s (%llu of %llu)\n", net, l->net[i].prefix, rate,
		        (unsigned long long)l->net[i].lost, (unsigned long long)l->net[i].tries);
	}
}

static int text_close(void *state, const struct ep_summary *s)
{
	struct text *t = state;
	struct ep_hosttable *h = &t->hosts;
	uint64_t quiet_hosts = 0, quiet[EP_STATE_COUNT] = {0};
	int rc = 0;

	ep_hosttable_sort(h);
	if (h->nopen)
		fprintf(t->out, "%-40s %-10s %-6s %-12s %s\n", "HOST", "PORT", "STATE", "REASON",
		        "RTT");
	for (size_t i = 0; i < h->nopen; i++) {
		const struct ep_open_port *o = &h->open[i];
		int first = i == 0 || ep_addr_cmp(&h->open[i - 1].addr, &o->addr) != 0;
		int last = i + 1 == h->nopen || ep_addr_cmp(&h->open[i + 1].addr, &o->addr) != 0;
		char addr[EP_ADDRSTRLEN] = "", port[16];

		if (first)
			ep_addr_format(&o->addr, addr, sizeof(addr));
		snprintf(port, sizeof(port), "%u/%s", o->port, ep_proto_name(o->proto));
		const char *banner = banner_of(t, o);
		char note[512];

		/* a banner is the peer's bytes: escaped, never raw to a terminal */
		if (o->probe || banner)
			banner = ep_text_safe(o->probe ? o->probe : banner, note, sizeof(note));
		fprintf(t->out, "%-40s %-10s %-6s %-12s %.2f ms%s%s\n", addr, port, "open",
		        ep_reason_name(o->reason), (double)o->rtt_ns / 1e6, banner ? "  " : "",
		        banner ? banner : "");
		if (last) {
			const struct ep_host *host = ep_hosttable_get(h, &o->addr);

			if (host)
				not_shown(t->out, host->counts);
		}
	}
	for (size_t i = 0; i < h->cap; i++) {
		if (!h->slots[i].used || h->slots[i].counts[EP_STATE_OPEN])
			continue;
		quiet_hosts++;
		for (int k = 0; k < EP_STATE_COUNT; k++)
			quiet[k] += h->slots[i].counts[k];
	}
	if (quiet_hosts)
		fprintf(t->out, "%llu host%s with no open port (%llu closed, %llu filtered)\n",
		        (unsigned long long)quiet_hosts, quiet_hosts == 1 ? "" : "s",
		        (unsigned long long)quiet[EP_STATE_CLOSED],
		        (unsigned long long)quiet[EP_STATE_FILTERED]);
	if (h->dropped_hosts)
		fprintf(t->out, "(per-host counts kept for the first %zu hosts only)\n",
		        h->max_hosts);
	fprintf(t->out,
	        "\n%s: %llu probes sent in %.2f s (%.0f probes/s): %llu open, %llu closed, "
	        "%llu filtered%s\n",
	        s->interrupted ? "Interrupted" : (s->complete ? "Done" : "Incomplete"),
	        (unsigned long long)s->probes_sent, s->duration_s,
	        s->duration_s > 0 ? (double)s->probes_sent / s->duration_s : 0.0,
	        (unsigned long long)s->counts[EP_STATE_OPEN],
	        (unsigned long long)s->counts[EP_STATE_CLOSED],
	        (unsigned long long)s->counts[EP_STATE_FILTERED], s->unfinished ? "" : "");
	if (s->counts[EP_STATE_OPEN_FILTERED])
		fprintf(t->out, "%llu UDP ports open|filtered (no answer, no ICMP error)\n",
		        (unsigned long long)s->counts[EP_STATE_OPEN_FILTERED]);
	text_loss(t->out, &s->loss);
	if (s->has_capture && (s->cap_dropped || s->cap_ifdropped))
		fprintf(t->out, "warning: the capture lost %llu packets; lower --rate\n",
		        (unsigned long long)(s->cap_dropped + s->cap_ifdropped));
	if (s->unfinished)
		fprintf(t->out, "%llu of %llu targets were not measured\n",
		        (unsigned long long)s->unfinished,
		        (unsigned long long)s->info->probes_total);
	errno = 0;
	if (fflush(t->out) || ferror(t->out)) {
		ep_output_failed(&t->dest, errno);
		rc = EP_EIO;
	}
	if (t->own && fclose(t->out) && rc == 0) {
		ep_output_failed(&t->dest, errno);
		rc = EP_EIO;
	}
	if (t->own && ep_output_close(&t->dest, rc == 0))
		rc = EP_EIO;
	ep_hosttable_free(h);
	ep_banner_notes_free(&t->banners);
	free(t);
	return rc;
}

const struct ep_sink_ops ep_sink_text = {
    .name = "text",
    .help = "human-readable table of open ports by host, printed at the end (text[:PATH])",
    .open = text_open,
    .result = text_result,
    .flush = NULL,
    .close = text_close,
    .banner = text_banner,
};
