/* -o hec:URL: every result and finding as a Splunk HEC event, through the
 * delivery queue and spool (report/deliver.h), so a slow or dead receiver
 * never slows probing.  The transport is hec_send.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "compare/findings.h"
#include "report/deliver.h"
#include "report/hec.h"
#include "report/sink.h"

struct hec_sink {
	struct ep_deliver *dl;
	struct ep_hec_status st; /* read after the delivery thread is gone */
	struct ep_hec_meta meta;
	char url[512];
	char host[256];
	char index[80];
	char scan_id[40];
	char spool[512];  /* --spool DIR, for the messages */
	struct ep_buf ev; /* one event being rendered (results: serialised) */
};

static int hs_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct hec_sink *h = calloc(1, sizeof(*h));
	struct ep_hec_opts o;
	struct ep_deliver_opts dopts;
	char token[EP_HEC_TOKEN_MAX], key[600];
	void *t = NULL;
	int rc;

	if (h == NULL)
		return EP_ENOMEM;
	rc = ep_hec_parse_dest(a->dest, &o, d);
	if (rc == 0)
		rc = ep_hec_load_token(&o, token, sizeof(token), d);
	if (rc == 0)
		rc = ep_hec_transport_new(&t, &o, token, &h->st, d);
	explicit_bzero(token, sizeof(token));
	if (rc == 0)
		rc = ep_hec_preflight(t, d);
	if (rc) {
		if (t)
			ep_hec_transport.close(t);
		free(h);
		return rc;
	}
	if (o.insecure)
		ep_log(EP_LOG_WARN, "hec", "TLS verification is off for %s", o.url);
	if (o.host[0])
		snprintf(h->host, sizeof(h->host), "%s", o.host);
	else if (gethostname(h->host, sizeof(h->host) - 1) != 0)
		snprintf(h->host, sizeof(h->host), "ecsprobe");
	snprintf(h->index, sizeof(h->index), "%s", o.index);
	snprintf(h->url, sizeof(h->url), "%s", o.url);
	snprintf(h->scan_id, sizeof(h->scan_id), "%s", a->info->scan_id);
	h->meta.host = h->host;
	h->meta.index = h->index;
	h->meta.scan_id = h->scan_id;
	ep_buf_init(&h->ev, 1u << 20);
	dopts = a->net->deliver; /* --spool DIR, --spool-max */
	snprintf(h->spool, sizeof(h->spool), "%s", dopts.spool_dir ? dopts.spool_dir : "");
	dopts.batch_max = 256; /* split into requests of EP_HEC_REQUEST_MAX bytes */
	snprintf(key, sizeof(key), "hec:%s", o.url); /* an -o spec: flush reopens it */
	rc = ep_deliver_open(&h->dl, key, o.ack ? &ep_hec_transport_ack : &ep_hec_transport, t,
	                     &dopts, d);
	if (rc) {
		ep_buf_free(&h->ev);
		free(h);
		return rc;
	}
	*state = h;
	return 0;
}

/* Queues h->ev; never blocks.  After a configuration error (a refused
 * token) events still go to the queue, hence the spool, but the output
 * reports its failure at once. */
static int push(struct hec_sink *h, const char *id)
{
	int rc = ep_deliver_push(h->dl, id, h->ev.data, h->ev.len);

	if (rc == 0 && atomic_load(&h->st.fatal))
		rc = EP_EIO;
	return rc;
}

/* Worker threads, serialised by the engine pool: renders into h->ev. */
static int hs_result(void *state, const struct ep_result *r)
{
	struct hec_sink *h = state;
	char id[65];

	ep_buf_reset(&h->ev);
	if (ep_hec_render_result(&h->ev, &h->meta, r, id))
		return EP_ENOMEM;
	return push(h, id);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int hs_finding(void *state, const struct ep_finding *f)
{
	struct hec_sink *h = state;
	char id[65];

	ep_buf_reset(&h->ev);
	if (ep_hec_render_finding(&h->ev, &h->meta, f, now_ns(), id))
		return EP_ENOMEM;
	return push(h, id);
}

/* Main thread, after the scan: waits for the delivery (up to its close
 * wait), then says what was not delivered.  Events kept in the spool or
 * dropped make the run incomplete (as for every network output). */
static int hs_close(void *state, const struct ep_summary *s)
{
	static const struct ep_deliver_words words = {"hec", "events", "delivered", "sends"};
	struct hec_sink *h = state;
	struct ep_deliver_stats ds;
	int rc, fatal;

	(void)s;
	rc = ep_deliver_close_report(h->dl, &words, h->url, h->spool, &ds);
	fatal = atomic_load(&h->st.fatal);
	if (fatal)
		ep_log(EP_LOG_ERROR, "hec", "%s", h->st.why);
	if (h->st.rejected)
		ep_log(EP_LOG_ERROR, "hec", "%s refused %llu malformed event(s)", h->url,
		       (unsigned long long)h->st.rejected);
	if (fatal)
		rc = fatal;
	else if (rc == 0 && h->st.rejected)
		rc = EP_EIO;
	ep_buf_free(&h->ev);
	free(h);
	return rc;
}

const struct ep_sink_ops ep_sink_hec = {
    .name = "hec",
    .network = 1,
    .help = "Splunk HTTP Event Collector: every result and finding as an event, gzip'd, "
            "batched, spooled when the receiver is down (hec:https://HOST:8088[?OPTIONS]; "
            "token in $ECSPROBE_HEC_TOKEN or token-file=FILE)",
    .open = hs_open,
    .result = hs_result,
    .finding = hs_finding,
    .close = hs_close,
};
