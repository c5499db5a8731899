/* NDJSON sink: one JSON object per line (schema data/schema/result.schema.json):
 * a header, one record per result as it arrives, a summary.  Lines are only
 * ever written whole (own buffer, flushed at line boundaries with write(2)),
 * so a killed scan leaves a file of valid lines.  PATH may be an S3 object
 * (report/objects.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "config/cidr.h"
#include "compare/findings.h"
#include "probe/banner.h"
#include "report/objects.h"
#include "report/sink.h"

#define FLUSH_AT (64 * 1024)
#define SCHEMA   "ecsprobe.result/1"

struct ndjson {
	char prefix[128]; /* {"type":"result",...,"scan_id":"..." */
	size_t prefix_len;
	uint64_t ts_sec;  /* second whose text is cached in ts_text */
	char ts_text[32]; /* "2026-11-29T13:40:22." */
	int fd;
	int failed;
	struct ep_output out;
	struct ep_buf buf;
	const struct ep_scan_info *info;
};

static int flush_buf(struct ndjson *n)
{
	if (!n->failed && ep_output_write(&n->out, n->buf.data, n->buf.len))
		n->failed = 1;
	ep_buf_reset(&n->buf);
	return n->failed ? EP_EIO : 0;
}

static void line_start(struct ndjson *n, const char *type)
{
	ep_buf_printf(&n->buf, "{\"type\":\"%s\",\"schema\":\"%s\",\"scan_id\":\"%s\"", type,
	              SCHEMA, n->info->scan_id);
}

static int line_end(struct ndjson *n)
{
	int rc = ep_buf_add(&n->buf, "}\n", 2);

	if (rc == 0 && n->buf.len >= FLUSH_AT)
		rc = flush_buf(n);
	return rc;
}

static int nd_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	const struct ep_scan_info *i = a->info;
	struct ndjson *n = calloc(1, sizeof(*n));
	char ts[40];
	int rc;

	if (n == NULL)
		return EP_ENOMEM;
	n->info = i;
	ep_buf_init(&n->buf, 4 * FLUSH_AT);
	rc = ep_output_open(&n->out, "ndjson", a->dest, d);
	if (rc) {
		free(n);
		return rc;
	}
	n->fd = n->out.fd;
	snprintf(n->prefix, sizeof(n->prefix),
	         "{\"type\":\"result\",\"schema\":\"%s\",\"scan_id\":\"%s\"", SCHEMA, i->scan_id);
	n->prefix_len = strlen(n->prefix);
	ep_time_format(i->started_ns, ts, sizeof(ts));
	line_start(n, "header");
	ep_buf_printf(&n->buf,
	              ",\"version\":\"%s\",\"started\":\"%s\",\"mode\":\"%s\",\"seed\":%llu,"
	              "\"rate\":%.0f,\"probes_total\":%llu,\"hosts\":%llu,\"timeout_ms\":%u,\"min_"
	              "timeout_ms\":%u,"
	              "\"retries\":%u,\"max_inflight\":%u",
	              PACKAGE_VERSION, ts, i->mode, (unsigned long long)i->seed, i->rate,
	              (unsigned long long)i->probes_total, (unsigned long long)i->nhosts,
	              i->timeout_ms, i->min_timeout_ms, i->retries, i->max_inflight);
	ep_buf_printf(&n->buf, ",\"plan\":\"%s\"", i->plan);
	if (i->shard_count > 1)
		ep_buf_printf(&n->buf, ",\"shard\":\"%u/%u\"", i->shard_index + 1, i->shard_count);
	line_end(n);
	n->out.quiet = 1; /* a failure here is the open's one-line error */
	if (flush_buf(n)) {
		rc = ep_diag_set(d, EP_EIO, 0, 0, "-o ndjson:%s: write failed: %s",
		                 a->dest ? a->dest : "-", strerror(n->out.err));
		ep_output_discard(&n->out);
		ep_buf_free(&n->buf);
		free(n);
		return rc;
	}
	n->out.quiet = 0;
	*state = n;
	return 0;
}

/* Result lines are the hot path (one per probe): built without printf, with
 * the constant prefix and the timestamp's seconds cached. */
static int nd_result(void *state, const struct ep_result *r)
{
	struct ndjson *n = state;
	struct ep_buf *b = &n->buf;
	uint64_t sec = r->ts_ns / 1000000000u;

	if (sec != n->ts_sec || n->ts_text[0] == '\0') {
		ep_time_format(sec * 1000000000u, n->ts_text, sizeof(n->ts_text));
		n->ts_text[20] = '\0'; /* keep "YYYY-MM-DDTHH:MM:SS." */
		n->ts_sec = sec;
	}
	ep_buf_add(b, n->prefix, n->prefix_len);
	ep_buf_adds(b, ",\"ts\":\"");
	ep_buf_adds(b, n->ts_text);
	ep_buf_addu_pad(b, r->ts_ns % 1000000000u / 1000u, 6);
	ep_buf_adds(b, "Z\",");
	ep_result_json_fields(b, r);
	return line_end(n) || n->failed ? EP_EIO : 0;
}

static int nd_finding(void *state, const struct ep_finding *f)
{
	struct ndjson *n = state;

	ep_finding_json_buf(&n->buf, f, n->info->scan_id);
	return flush_buf(n) || n->failed ? EP_EIO : 0;
}

/* Banner bytes as a JSON string: printable ASCII kept, the rest escaped
 * (\u00XX), so binary protocols stay readable and valid UTF-8. */
static int nd_banner(void *state, const struct ep_banner *bn)
{
	struct ndjson *n = state;
	struct ep_buf *b = &n->buf;
	char addr[EP_ADDRSTRLEN], esc[8];

	line_start(n, "banner");
	ep_buf_adds(b, ",\"address\":\"");
	ep_buf_adds(b, ep_addr_format(&bn->t.addr, addr, sizeof(addr)));
	ep_buf_adds(b, "\",\"proto\":\"tcp\",\"port\":");
	ep_buf_addu(b, bn->t.port);
	ep_buf_adds(b, ",\"service\":\"");
	ep_buf_adds(b, bn->service);
	ep_buf_adds(b, "\",\"sent\":");
	if (bn->sent) {
		ep_buf_adds(b, "\"");
		ep_buf_adds(b, bn->sent);
		ep_buf_adds(b, "\"");
	} else {
		ep_buf_adds(b, "null");
	}
	ep_buf_adds(b, ",\"bytes\":");
	ep_buf_addu(b, bn->len);
	ep_buf_adds(b, ",\"banner\":\"");
	for (size_t i = 0; i < bn->len; i++) {
		uint8_t c = bn->data[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			ep_buf_add(b, esc, 2);
		} else if (c >= 0x20 && c < 0x7f) {
			ep_buf_add(b, (const char *)&c, 1);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			ep_buf_add(b, esc, 6);
		}
	}
	ep_buf_adds(b, "\"");
	return line_end(n) || flush_buf(n) || n->failed ? EP_EIO : 0;
}

static int nd_flush(void *state)
{
	return flush_buf(state);
}

/* "loss": rate = lost / tries over targets that answered (engine/loss.h) */
static void nd_loss(struct ep_buf *b, const struct ep_loss_report *l)
{
	char net[EP_ADDRSTRLEN];

	ep_buf_printf(b,
	              ",\"loss\":{\"rate\":%.6f,\"tries\":%llu,\"lost\":%llu,"
	              "\"extra_retries\":%llu,\"slowdowns\":%llu,\"networks\":[",
	              l->tries ? (double)l->lost / (double)l->tries : 0.0,
	              (unsigned long long)l->tries, (unsigned long long)l->lost,
	              (unsigned long long)l->extra, (unsigned long long)l->slowdowns);
	for (unsigned i = 0; i < l->nnets; i++) {
		ep_addr_format(&l->net[i].net, net, sizeof(net));
		ep_buf_printf(
		    b, "%s{\"network\":\"%s/%u\",\"rate\":%.6f,\"tries\":%llu,\"lost\":%llu}",
		    i ? "," : "", net, l->net[i].prefix,
		    (double)l->net[i].lost / (double)l->net[i].tries,
		    (unsigned long long)l->net[i].tries, (unsigned long long)l->net[i].lost);
	}
	ep_buf_adds(b, "]}");
}

static int nd_close(void *state, const struct ep_summary *s)
{
	struct ndjson *n = state;
	char ts[40];
	int rc;

	ep_time_format(s->info->started_ns + (uint64_t)(s->duration_s * 1e9), ts, sizeof(ts));
	line_start(n, "summary");
	ep_buf_printf(
	    &n->buf,
	    ",\"ts\":\"%s\",\"seed\":%llu,\"rate\":%.0f,\"probes_total\":%llu,"
	    "\"probes_sent\":%llu,\"results\":%llu,"
	    "\"counts\":{\"open\":%llu,\"closed\":%llu,\"filtered\":%llu,"
	    "\"open|filtered\":%llu},"
	    "\"unfinished\":%llu,\"backoffs\":%llu,\"duration_s\":%.3f,\"sending_s\":%.3f,"
	    "\"wait_ms\":%.1f,"
	    "\"complete\":%s,\"interrupted\":%s",
	    ts, (unsigned long long)s->info->seed, s->info->rate,
	    (unsigned long long)s->info->probes_total, (unsigned long long)s->probes_sent,
	    (unsigned long long)s->results, (unsigned long long)s->counts[EP_STATE_OPEN],
	    (unsigned long long)s->counts[EP_STATE_CLOSED],
	    (unsigned long long)s->counts[EP_STATE_FILTERED],
	    (unsigned long long)s->counts[EP_STATE_OPEN_FILTERED],
	    (unsigned long long)s->unfinished, (unsigned long long)s->backoffs, s->duration_s,
	    s->sending_s, s->wait_ms, s->complete ? "true" : "false",
	    s->interrupted ? "true" : "false");
	nd_loss(&n->buf, &s->loss);
	if (s->has_capture)
		ep_buf_printf(
		    &n->buf,
		    ",\"capture\":{\"received\":%llu,\"dropped\":%llu,\"if_dropped\":%llu},"
		    "\"reserved_bytes\":%llu",
		    (unsigned long long)s->cap_received, (unsigned long long)s->cap_dropped,
		    (unsigned long long)s->cap_ifdropped, (unsigned long long)s->reserved_bytes);
	if (s->has_capture || s->invalid || s->late)
		ep_buf_printf(&n->buf, ",\"invalid_replies\":%llu,\"late_replies\":%llu",
		              (unsigned long long)s->invalid, (unsigned long long)s->late);
	line_end(n);
	rc = flush_buf(n);
	if (ep_output_close(&n->out, rc == 0))
		rc = EP_EIO;
	ep_buf_free(&n->buf);
	free(n);
	return rc;
}

const struct ep_sink_ops ep_sink_ndjson = {
    .name = "ndjson",
    .help = "one JSON object per line: header, every result as it arrives, summary "
            "(verify: every finding too) (ndjson:PATH, - for stdout)",
    .open = nd_open,
    .result = nd_result,
    .finding = nd_finding,
    .banner = nd_banner,
    .flush = nd_flush,
    .close = nd_close,
};
