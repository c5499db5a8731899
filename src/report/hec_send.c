/* The HEC transport on the delivery thread: gzip'd batches over one curl
 * easy handle; answers sorted into retry, drop one event, or configuration
 * error; with indexer acknowledgement, ackIds polled while batches stream. */
#include "report/hec.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

/* Answers: 429, 5xx and network errors are retried later; 400 with
 * invalid-event-number drops that one event; 401/403/404, TLS verification
 * failures and other 400s are configuration errors no retry can fix.  With
 * indexer acknowledgement the delivery's settling (deliver.h, settle_ms)
 * keeps every posted event until its request's ackId is reported indexed:
 * a 200 alone only means queued. */

#define RESP_MAX (64u * 1024u) /* bytes of an answer kept */

struct hec {
	CURL *easy;
	struct curl_slist *ev_hdrs;  /* auth, channel, JSON, gzip */
	struct curl_slist *ack_hdrs; /* auth, channel, JSON */
	struct ep_hec_opts o;
	struct ep_hec_status *st;
	char channel[40];
	int ack_off;       /* the token has acknowledgement disabled: warned once */
	size_t req_max;    /* uncompressed bytes per POST; halved on 413 */
	struct pend *pend; /* requests waiting for their ack, oldest first */
	size_t npend, cappend;
	uint64_t last_poll; /* monotonic ns of the last /ack request */
	struct ep_buf body, gz, resp;
	char err[CURL_ERROR_SIZE];
};

/* a POST whose events wait for indexer acknowledgement */
struct pend {
	uint64_t ack_id;
	uint64_t sent; /* monotonic ns */
};

#define POLL_EVERY_NS (250 * 1000000ULL) /* /ack at most this often */
#define ACKS_PER_POLL 1000

enum verdict { V_OK, V_RETRY, V_REJECT, V_FATAL };

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ep_buf *b = arg;
	size_t n = size * nmemb;

	return ep_buf_add(b, p, n) ? 0 : n; /* over the cap: curl aborts */
}

/* Wipes the Authorization value inside curl's copies before freeing. */
static void slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static void make_channel(char out[40])
{
	unsigned char b[16];
	FILE *f = fopen("/dev/urandom", "rb");

	if (f == NULL || fread(b, 1, sizeof(b), f) != sizeof(b)) {
		uint64_t v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);

		for (int i = 0; i < 16; i++, v = v * 6364136223846793005ULL + 1)
			b[i] = (unsigned char)(v >> 56);
	}
	if (f)
		fclose(f);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
}

static void hec_free(struct hec *t)
{
	if (t == NULL)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	slist_wipe_free(t->ev_hdrs);
	slist_wipe_free(t->ack_hdrs);
	ep_buf_free(&t->body);
	ep_buf_free(&t->gz);
	ep_buf_free(&t->resp);
	free(t->pend);
	free(t);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ep_hec_transport_new(void **tstate, const struct ep_hec_opts *o, const char *token,
                         struct ep_hec_status *st, struct ep_diag *d)
{
	struct hec *t = calloc(1, sizeof(*t));
	char line[EP_HEC_TOKEN_MAX + 32];
	struct curl_slist *l;
	int ok = 1;

	if (t == NULL)
		return EP_ENOMEM;
	t->o = *o;
	t->st = st;
	t->req_max = EP_HEC_REQUEST_MAX;
	ep_buf_init(&t->body, EP_HEC_REQUEST_MAX + 65536);
	ep_buf_init(&t->gz, EP_HEC_REQUEST_MAX + 65536);
	ep_buf_init(&t->resp, RESP_MAX);
	make_channel(t->channel);
	t->easy = curl_easy_init();
	snprintf(line, sizeof(line), "Authorization: Splunk %s", token);
	for (int k = 0; k < 2 && ok; k++) {
		char chan[80];

		snprintf(chan, sizeof(chan), "X-Splunk-Request-Channel: %s", t->channel);
		l = curl_slist_append(NULL, line);
		ok = l != NULL;
		ok = ok && curl_slist_append(l, chan) != NULL;
		ok = ok && curl_slist_append(l, "Content-Type: application/json") != NULL;
		ok = ok && curl_slist_append(l, "Expect:") != NULL;
		if (k == 0)
			ok = ok && curl_slist_append(l, "Content-Encoding: gzip") != NULL;
		if (k == 0)
			t->ev_hdrs = l;
		else
			t->ack_hdrs = l;
	}
	explicit_bzero(line, sizeof(line));
	if (!ok || t->easy == NULL) {
		hec_free(t);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "hec: cannot set up libcurl");
	}
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L); /* the token stays with its host */
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "ecsprobe/" PACKAGE_VERSION);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->err);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, &t->resp);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
	                 o->timeout_ms < 5000 ? o->timeout_ms : 5000L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	if (o->ca[0])
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, o->ca);
	*tstate = t;
	return 0;
}

static int tls_config_error(CURLcode c)
{
	return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
	       c == CURLE_SSL_CERTPROBLEM || c == CURLE_UNSUPPORTED_PROTOCOL ||
	       c == CURLE_URL_MALFORMAT || c == CURLE_SSL_ISSUER_ERROR;
}

/* One POST; fills *status (0 on a transport failure) and t->resp. */
static CURLcode post(struct hec *t, const char *url, struct curl_slist *hdrs, const void *body,
                     size_t len, long *status)
{
	CURLcode c;

	ep_buf_reset(&t->resp);
	t->err[0] = '\0';
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, len ? body : "");
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	c = curl_easy_perform(t->easy);
	*status = 0;
	if (c == CURLE_OK)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, status);
	return c;
}

/* {"text":"...","code":N,...}: the HEC status, -1 when absent. */
static long hec_code(const struct ep_buf *resp, char *text, size_t textlen, long *invalid_ev,
                     long long *ack_id)
{
	cJSON *j = resp->len ? cJSON_ParseWithLength(resp->data, resp->len) : NULL;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *tx = cJSON_GetObjectItemCaseSensitive(j, "text");
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(j, "invalid-event-number");
	const cJSON *ak = cJSON_GetObjectItemCaseSensitive(j, "ackId");
	long code = cJSON_IsNumber(c) ? (long)c->valuedouble : -1;

	snprintf(text, textlen, "%s", cJSON_IsString(tx) ? tx->valuestring : "");
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (invalid_ev)
		*invalid_ev = cJSON_IsNumber(iv) ? (long)iv->valuedouble : -1;
	if (ack_id)
		*ack_id =
		    cJSON_IsNumber(ak) && ak->valuedouble >= 0 ? (long long)ak->valuedouble : -1;
	cJSON_Delete(j);
	return code;
}

/* Records the first configuration error (what close reports) and logs it. */
static int set_fatal(struct hec *t, int err, const char *msg)
{
	int expect = 0;

	if (atomic_compare_exchange_strong(&t->st->fatal, &expect, err)) {
		snprintf(t->st->why, sizeof(t->st->why), "%s", msg);
		ep_log(EP_LOG_ERROR, "hec", "%s; not retrying", msg);
	}
	return err;
}

/* Sorts an answer (c, status, t->resp) to an event POST into a verdict. */
static enum verdict judge(struct hec *t, CURLcode c, long status, long *invalid_ev,
                          long long *ack_id)
{
	char text[160], msg[400];
	long code;

	*invalid_ev = -1;
	*ack_id = -1;
	if (c != CURLE_OK) {
		if (tls_config_error(c)) {
			snprintf(msg, sizeof(msg), "%.200s: %.150s", t->o.url,
			         t->err[0] ? t->err : curl_easy_strerror(c));
			set_fatal(t, EP_EPERM, msg);
			return V_FATAL;
		}
		ep_log(EP_LOG_DEBUG, "hec", "%.200s: %.150s", t->o.url,
		       t->err[0] ? t->err : curl_easy_strerror(c));
		return V_RETRY;
	}
	code = hec_code(&t->resp, text, sizeof(text), invalid_ev, ack_id);
	if (status >= 200 && status < 300)
		return V_OK;
	if (status == 429 || status == 408 || status >= 500) {
		ep_log(EP_LOG_DEBUG, "hec", "%s: HTTP %ld code %ld %s: will retry", t->o.url,
		       status, code, text);
		return V_RETRY;
	}
	if (status == 413 && t->req_max > 16384) {
		t->req_max /= 2;
		return V_RETRY;
	}
	/* 6 invalid data format, 12/13 event field missing or blank, 15 bad
	 * indexed fields: this batch's content, not the configuration */
	if (status == 400 && (code == 6 || code == 12 || code == 13 || code == 15)) {
		ep_log(EP_LOG_ERROR, "hec", "%s: HTTP 400 code %ld \"%s\" (event %ld of the batch)",
		       t->o.url, code, text, *invalid_ev);
		return V_REJECT;
	}
	if (status == 401 || status == 403)
		snprintf(msg, sizeof(msg),
		         "%.200s refused the token: HTTP %ld, HEC code %ld \"%.100s\"", t->o.url,
		         status, code, text);
	else
		snprintf(msg, sizeof(msg), "%.200s: HTTP %ld, HEC code %ld \"%.100s\"", t->o.url,
		         status, code, text);
	set_fatal(t, status == 401 || status == 403 ? EP_EPERM : EP_EINVAL, msg);
	return V_FATAL;
}

/* Asks /services/collector/ack about the waiting requests (the oldest
 * ACKS_PER_POLL) and forgets those reported indexed. */
static void poll_acks(struct hec *t)
{
	size_t n = t->npend < ACKS_PER_POLL ? t->npend : ACKS_PER_POLL, keep = 0;
	long status, code;
	char text[160];
	CURLcode c;
	cJSON *j, *acks;

	ep_buf_reset(&t->body);
	ep_buf_adds(&t->body, "{\"acks\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ep_buf_addc(&t->body, ',');
		ep_buf_addu(&t->body, t->pend[i].ack_id);
	}
	ep_buf_adds(&t->body, "]}");
	c = post(t, t->o.ack_url, t->ack_hdrs, t->body.data, t->body.len, &status);
	t->last_poll = mono_ns();
	code = c == CURLE_OK ? hec_code(&t->resp, text, sizeof(text), NULL, NULL) : -1;
	if (c == CURLE_OK && status == 400 && code == 14) {
		ep_log(EP_LOG_WARN, "hec",
		       "indexer acknowledgement is disabled for this token; "
		       "a 200 now only means queued");
		t->ack_off = 1;
		t->npend = 0;
		return;
	}
	if (c == CURLE_OK && (status == 401 || status == 403)) {
		char msg[400];

		snprintf(msg, sizeof(msg),
		         "%.200s refused the token: HTTP %ld, HEC code %ld \"%.100s\"",
		         t->o.ack_url, status, code, text);
		set_fatal(t, EP_EPERM, msg);
		return;
	}
	if (c != CURLE_OK || status != 200)
		return; /* asked again later; the ack timeout bounds the wait */
	j = cJSON_ParseWithLength(t->resp.data, t->resp.len);
	acks = cJSON_GetObjectItemCaseSensitive(j, "acks");
	for (size_t i = 0; i < t->npend; i++) {
		char key[24];

		snprintf(key, sizeof(key), "%llu", (unsigned long long)t->pend[i].ack_id);
		if (i >= n || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(acks, key)))
			t->pend[keep++] = t->pend[i];
	}
	t->npend = keep;
	cJSON_Delete(j);
}

/* The delivery's settling check (send(NULL, 0)): 0 when every request
 * posted more than settle_ms ago is indexed, so the delivery may release
 * the events it has held that long; EP_EAGAIN not yet; EP_EIO when one
 * waited past the ack timeout (the delivery then sends everything it still
 * holds again: at-least-once, the ids de-duplicate). */
static int ack_check(struct hec *t)
{
	uint64_t now = mono_ns(), settle = (uint64_t)ep_hec_transport_ack.settle_ms * 1000000u;
	int fatal = atomic_load(&t->st->fatal);

	if (fatal)
		return fatal;
	if (t->npend == 0 || t->pend[0].sent + settle > now)
		return 0;
	if (now - t->last_poll >= POLL_EVERY_NS)
		poll_acks(t);
	fatal = atomic_load(&t->st->fatal);
	if (fatal)
		return fatal;
	if (t->npend == 0 || t->pend[0].sent + settle > now)
		return 0;
	if (now - t->pend[0].sent >= (uint64_t)t->o.ack_timeout_ms * 1000000u) {
		ep_log(EP_LOG_WARN, "hec",
		       "%zu request(s) not acknowledged after %ld ms; their events go again",
		       t->npend, t->o.ack_timeout_ms);
		t->npend = 0;
		return EP_EIO;
	}
	return EP_EAGAIN;
}

static int pend_add(struct hec *t, long long ack_id)
{
	if (ack_id < 0) {
		if (!t->ack_off)
			ep_log(EP_LOG_WARN, "hec",
			       "%s gave no ackId: indexer acknowledgement is off for this token; a "
			       "200 only means queued",
			       t->o.url);
		t->ack_off = 1;
		return 0;
	}
	if (ep_array_reserve((void **)&t->pend, &t->cappend, t->npend + 1, sizeof(*t->pend)))
		return EP_ENOMEM;
	t->pend[t->npend].ack_id = (uint64_t)ack_id;
	t->pend[t->npend++].sent = mono_ns();
	return 0;
}

/* Delivery thread: posts ev[0..n) in requests of at most req_max bytes;
 * ev NULL: the settling check (acknowledgement only). */
static int hec_send(void *tstate, struct ep_event *const *ev, size_t n, size_t *accepted)
{
	struct hec *t = tstate;
	size_t i = 0;
	int rc = 0, fatal = atomic_load(&t->st->fatal);

	*accepted = 0;
	if (fatal)
		return fatal;
	if (ev == NULL)
		return ack_check(t);
	while (i < n && rc == 0) {
		size_t j = i;
		long status, invalid_ev;
		long long ack_id;
		CURLcode c;

		ep_buf_reset(&t->body);
		ep_buf_reset(&t->gz);
		do {
			if (ep_buf_add(&t->body, ev[j]->data, ev[j]->len) ||
			    ep_buf_addc(&t->body, '\n'))
				break;
			j++;
		} while (j < n && t->body.len + ev[j]->len + 1 <= t->req_max);
		if (j == i || ep_hec_gzip(t->body.data, t->body.len, &t->gz)) {
			/* one event larger than a request: it can never be sent */
			ep_log(EP_LOG_ERROR, "hec", "event %s (%zu bytes) too large; dropped",
			       ev[i]->id, ev[i]->len);
			t->st->rejected++;
			*accepted = ++i;
			continue;
		}
		c = post(t, t->o.url, t->ev_hdrs, t->gz.data, t->gz.len, &status);
		switch (judge(t, c, status, &invalid_ev, &ack_id)) {
		case V_OK:
			if (t->o.ack && !t->ack_off)
				rc = pend_add(t, ack_id);
			if (rc == 0)
				*accepted = i = j;
			break;
		case V_REJECT:
			/* events before the bad one were taken; the bad one is dropped */
			if (invalid_ev >= 0 && (size_t)invalid_ev < j - i)
				i += (size_t)invalid_ev;
			ep_log(EP_LOG_ERROR, "hec", "event %s dropped: the receiver refused it",
			       ev[i]->id);
			t->st->rejected++;
			*accepted = ++i;
			break;
		case V_RETRY:
			rc = EP_EAGAIN;
			break;
		case V_FATAL:
			rc = atomic_load(&t->st->fatal);
			break;
		}
	}
	return rc;
}

int ep_hec_preflight(void *tstate, struct ep_diag *d)
{
	struct hec *t = tstate;
	long status, code;
	char text[160];
	CURLcode c;

	/* an empty POST: Splunk answers 400 "No data" (code 5) to a good token
	 * and 401/403 to a bad one, and indexes nothing; at most 3 s before
	 * the scan, whatever the receiver does */
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
	                 t->o.timeout_ms < 3000 ? t->o.timeout_ms : 3000L);
	c = post(t, t->o.url, t->ack_hdrs, "", 0, &status);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, t->o.timeout_ms);
	if (c != CURLE_OK) {
		if (tls_config_error(c))
			return ep_diag_set(d, EP_EPERM, 0, 0,
			                   "-o hec: %s: %s (trust its CA with ca=FILE)", t->o.url,
			                   t->err[0] ? t->err : curl_easy_strerror(c));
		ep_log(EP_LOG_WARN, "hec", "%s: %s; events are queued until it answers", t->o.url,
		       t->err[0] ? t->err : curl_easy_strerror(c));
		return 0;
	}
	code = hec_code(&t->resp, text, sizeof(text), NULL, NULL);
	if (status == 401 || status == 403)
		return ep_diag_set(d, EP_EPERM, 0, 0,
		                   "-o hec: %s refused the token: HTTP %ld, HEC code %ld \"%s\"",
		                   t->o.url, status, code, text);
	if (status == 404)
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "-o hec: no HTTP Event Collector at %s (HTTP 404)", t->o.url);
	if (status == 429 || status >= 500)
		ep_log(EP_LOG_WARN, "hec", "%s: busy (HTTP %ld \"%s\"); events are queued",
		       t->o.url, status, text);
	return 0;
}

static void hec_close(void *tstate)
{
	hec_free(tstate);
}

const struct ep_transport_ops ep_hec_transport = {
    .name = "hec",
    .send = hec_send,
    .close = hec_close,
};

const struct ep_transport_ops ep_hec_transport_ack = {
    .name = "hec",
    .send = hec_send,
    .close = hec_close,
    .settle_ms = EP_HEC_ACK_SETTLE_MS,
};
