/* -o securityhub (verify --securityhub): each finding's ASFF document
 * imported into AWS Security Hub, 100 a call, in its account and region,
 * through the delivery queue and spool; FailedFindings retried or reported. */
#include <cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/securityhub.h"
#include "base/log.h"
#include "compare/findings.h"
#include "report/asff.h"
#include "report/deliver.h"
#include "report/sink.h"

#define ROUNDS 3 /* imports of a batch's retryable FailedFindings, the first included */

/* Shared by the sink (main thread) and its transport (delivery thread);
 * owned by the sink, read after the delivery thread is gone. */
struct sh_status {
	atomic_int fatal;
	char why[400];
	uint64_t imported, rejected, calls;
};

struct sh_transport {
	struct ep_sechub *hub;
	struct sh_status *st;
};

struct sh_sink {
	struct ep_deliver *dl;
	struct sh_status st;
	struct ep_buf doc;
	char scan_id[40];
	char now[40];     /* UpdatedAt: one time for the whole report */
	char spool[512];  /* --spool DIR, for the messages */
	uint64_t skipped; /* findings without an account or region */
};

/* "arn:PART:securityhub:REGION:ACCOUNT:product/..." -> REGION */
static int region_of(const struct ep_event *ev, char *out, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(ev->data, ev->len);
	const cJSON *arn = cJSON_GetObjectItemCaseSensitive(j, "ProductArn");
	const char *p = cJSON_IsString(arn) ? arn->valuestring : "";
	int field = 0, rc = EP_EPARSE;

	for (const char *s = p; *s && rc; s++)
		if (*s == ':' && ++field == 3) {
			size_t n = strcspn(s + 1, ":");

			if (n > 0 && n < len) {
				memcpy(out, s + 1, n);
				out[n] = '\0';
				rc = 0;
			}
		}
	cJSON_Delete(j);
	return rc;
}

static void set_fatal(struct sh_status *st, int err, const char *msg)
{
	int expect = 0;

	if (atomic_compare_exchange_strong(&st->fatal, &expect, err)) {
		snprintf(st->why, sizeof(st->why), "%s", msg);
		ep_log(EP_LOG_ERROR, "securityhub", "%s; not retrying", msg);
	}
}

/* Imports ev[0..n) (one region, n <= 100), re-sending the retryable
 * FailedFindings; 0 when every finding was imported or refused for good. */
static int import_run(struct sh_transport *t, const char *region, struct ep_event *const *ev,
                      size_t n)
{
	const char *docs[EP_SECHUB_MAX_BATCH];
	size_t lens[EP_SECHUB_MAX_BATCH], nf = 0;
	struct ep_sechub_failed failed[EP_SECHUB_MAX_BATCH];
	struct ep_diag d = {0};

	for (size_t i = 0; i < n; i++) {
		docs[i] = ev[i]->data;
		lens[i] = ev[i]->len;
	}
	for (int round = 0; round < ROUNDS && n; round++) {
		const char *next[EP_SECHUB_MAX_BATCH];
		size_t nlens[EP_SECHUB_MAX_BATCH], again = 0;
		int rc = ep_sechub_import(t->hub, region, docs, lens, n, failed, &nf, &d);

		t->st->calls++;
		if (rc == EP_EAGAIN || rc == EP_EIO || rc == EP_ENOMEM) {
			ep_log(EP_LOG_WARN, "securityhub", "%s; will retry", d.msg);
			return EP_EAGAIN;
		}
		if (rc) {
			set_fatal(t->st, rc, d.msg);
			return rc;
		}
		/* AWS kept failing some: the whole run goes again, later */
		for (size_t k = 0; round + 1 == ROUNDS && k < nf; k++)
			if (failed[k].retryable)
				return EP_EAGAIN;
		t->st->imported += n - nf;
		for (size_t k = 0; k < nf; k++) {
			if (failed[k].retryable && failed[k].index < n) {
				next[again] = docs[failed[k].index];
				nlens[again++] = lens[failed[k].index];
				continue;
			}
			ep_log(EP_LOG_ERROR, "securityhub", "finding %s not imported: %s: %s",
			       failed[k].id, failed[k].code, failed[k].msg);
			t->st->rejected++;
		}
		memcpy(docs, next, again * sizeof(next[0]));
		memcpy(lens, nlens, again * sizeof(nlens[0]));
		n = again;
	}
	return 0;
}

/* Delivery thread: runs of the same region, at most 100 a call. */
static int sh_send(void *tstate, struct ep_event *const *ev, size_t n, size_t *accepted)
{
	struct sh_transport *t = tstate;
	size_t i = 0;
	int fatal = atomic_load(&t->st->fatal);

	*accepted = 0;
	if (fatal)
		return fatal;
	while (i < n) {
		char region[32], r2[32];
		size_t j = i + 1;
		int rc;

		if (region_of(ev[i], region, sizeof(region))) {
			ep_log(EP_LOG_ERROR, "securityhub",
			       "finding %s: no region in its ProductArn; "
			       "dropped",
			       ev[i]->id);
			t->st->rejected++;
			*accepted = ++i;
			continue;
		}
		while (j < n && j - i < EP_SECHUB_MAX_BATCH &&
		       region_of(ev[j], r2, sizeof(r2)) == 0 && strcmp(r2, region) == 0)
			j++;
		rc = import_run(t, region, ev + i, j - i);
		if (rc)
			return rc;
		*accepted = i = j;
	}
	return 0;
}

static void sh_tclose(void *tstate)
{
	struct sh_transport *t = tstate;

	ep_sechub_free(t->hub);
	free(t);
}

static const struct ep_transport_ops sh_transport = {
    .name = "securityhub",
    .send = sh_send,
    .close = sh_tclose,
};

static int sh_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct sh_sink *s = calloc(1, sizeof(*s));
	struct sh_transport *t = calloc(1, sizeof(*t));
	struct ep_sechub_opts o;
	struct ep_deliver_opts dopts;
	int rc = 0;

	if (s == NULL || t == NULL) {
		free(s);
		free(t);
		return EP_ENOMEM;
	}
	if (a->dest && *a->dest)
		rc =
		    ep_diag_set(d, EP_EINVAL, 0, 0,
		                "-o securityhub takes no destination: each finding goes to its own "
		                "account and region (credentials from the AWS chain)");
	memset(&o, 0, sizeof(o));
	if (rc == 0)
		rc = ep_sechub_new(&t->hub, &o, d);
	if (rc) {
		free(t);
		free(s);
		return rc;
	}
	t->st = &s->st;
	snprintf(s->scan_id, sizeof(s->scan_id), "%s", a->info->scan_id);
	ep_buf_init(&s->doc, 1u << 20);
	dopts = a->net->deliver;
	dopts.batch_max = EP_SECHUB_MAX_BATCH;
	snprintf(s->spool, sizeof(s->spool), "%s", dopts.spool_dir ? dopts.spool_dir : "");
	rc = ep_deliver_open(&s->dl, "securityhub", &sh_transport, t, &dopts, d);
	if (rc) {
		ep_buf_free(&s->doc);
		free(s);
		return rc;
	}
	*state = s;
	return 0;
}

static int sh_finding(void *state, const struct ep_finding *f)
{
	struct sh_sink *s = state;
	char id[96];
	int rc;

	if (f->account[0] == '\0' || f->region[0] == '\0') {
		ep_log(EP_LOG_WARN, "securityhub",
		       "finding %s has no AWS account or region (not from the inventory); not "
		       "imported",
		       f->id);
		s->skipped++;
		return 0;
	}
	if (s->now[0] == '\0') {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ep_time_format((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, s->now,
		               sizeof(s->now));
	}
	ep_buf_reset(&s->doc);
	rc = ep_asff_finding_buf(&s->doc, f, s->scan_id, s->now);
	ep_asff_id(f, id, sizeof(id));
	if (strlen(id) > 64)
		snprintf(id, sizeof(id), "%s", f->id); /* the event id has room for 64 */
	if (rc == 0)
		rc = ep_deliver_push(s->dl, id, s->doc.data, s->doc.len);
	return rc; /* the delivery counts what it could not take */
}

/* Main thread: waits for the delivery, then reports; findings refused,
 * kept in the spool or dropped make the run incomplete. */
static int sh_close(void *state, const struct ep_summary *sum)
{
	static const struct ep_deliver_words words = {"securityhub", "findings", "imported",
	                                              "imports"};
	struct sh_sink *s = state;
	struct ep_deliver_stats ds;
	int rc, fatal;

	(void)sum;
	rc = ep_deliver_close_report(s->dl, &words, NULL, s->spool, &ds);
	fatal = atomic_load(&s->st.fatal);
	if (fatal)
		ep_log(EP_LOG_ERROR, "securityhub", "%s", s->st.why);
	ep_log(s->st.rejected || s->skipped ? EP_LOG_WARN : EP_LOG_INFO, "securityhub",
	       "%llu findings imported in %llu BatchImportFindings calls; %llu refused, %llu "
	       "without an account or region",
	       (unsigned long long)s->st.imported, (unsigned long long)s->st.calls,
	       (unsigned long long)s->st.rejected, (unsigned long long)s->skipped);
	if (fatal)
		rc = fatal;
	else if (rc == 0 && (s->st.rejected || s->skipped))
		rc = EP_EIO;
	ep_buf_free(&s->doc);
	free(s);
	return rc;
}

const struct ep_sink_ops ep_sink_securityhub = {
    .name = "securityhub",
    .network = 1,
    .help = "AWS Security Hub: verify's findings as ASFF, imported with BatchImportFindings "
            "(100 a call, signed SigV4) into each finding's account and region",
    .open = sh_open,
    .finding = sh_finding,
    .close = sh_close,
};
