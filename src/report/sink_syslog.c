/* -o syslog://HOST:PORT (UDP), syslog+tcp:// (octet counting), syslog+tls://
 * (RFC 5425): findings, and open ports (or every result, or none), as RFC
 * 5424 messages through the delivery queue and spool (deliver.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "compare/findings.h"
#include "report/deliver.h"
#include "report/sink.h"
#include "report/syslog_fmt.h"
#include "report/syslog_net.h"

enum { RESULTS_NONE, RESULTS_OPEN, RESULTS_ALL };

struct sl_dest {
	char host[256], port[8];
	char ca[512], cert[512], key[512], name[256], spool[512], hostname[256];
	int results;
	int facility;
};

struct syslog_sink {
	struct ep_deliver *dl;
	struct ep_syslog_meta meta;
	char key[320], hostname[256], scan_id[40], spool[512];
	int results;
	struct ep_buf rbuf; /* results: worker threads, serialised by the pool lock */
	struct ep_buf fbuf; /* findings: main thread */
	uint64_t lost;
};

static int copy_val(char *out, size_t outlen, const char *v, size_t vlen, const char *k,
                    struct ep_diag *d)
{
	if (vlen == 0 || vlen >= outlen)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "syslog: %s= is empty or too long", k);
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return 0;
}

static int set_param(struct sl_dest *o, const char *k, size_t klen, const char *v, size_t vlen,
                     struct ep_diag *d)
{
	char val[512];
	int rc;

#define IS(name) (klen == strlen(name) && strncmp(k, name, klen) == 0)
	if (IS("ca"))
		return copy_val(o->ca, sizeof(o->ca), v, vlen, "ca", d);
	if (IS("cert"))
		return copy_val(o->cert, sizeof(o->cert), v, vlen, "cert", d);
	if (IS("key"))
		return copy_val(o->key, sizeof(o->key), v, vlen, "key", d);
	if (IS("name"))
		return copy_val(o->name, sizeof(o->name), v, vlen, "name", d);
	if (IS("spool"))
		return copy_val(o->spool, sizeof(o->spool), v, vlen, "spool", d);
	if (IS("hostname"))
		return copy_val(o->hostname, sizeof(o->hostname), v, vlen, "hostname", d);
	rc = copy_val(val, sizeof(val), v, vlen, "value", d);
	if (rc)
		return rc;
	if (IS("results")) {
		o->results = strcmp(val, "all") == 0    ? RESULTS_ALL
		             : strcmp(val, "open") == 0 ? RESULTS_OPEN
		             : strcmp(val, "none") == 0 ? RESULTS_NONE
		                                        : -1;
		if (o->results < 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "syslog: results=%s: open, all or none", val);
		return 0;
	}
	if (IS("facility")) {
		o->facility = ep_syslog_facility(val);
		if (o->facility < 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "syslog: facility=%s: a name (local0-7, auth, audit, "
			                   "daemon, user...) or 0-23",
			                   val);
		return 0;
	}
#undef IS
	return ep_diag_set(d, EP_EINVAL, 0, 0,
	                   "syslog: unknown option '%.*s' (ca, cert, key, name, results, "
	                   "facility, hostname, spool)",
	                   (int)klen, k);
}

/* "//HOST[:PORT][?k=v&k=v]" (the "//" optional; HOST may be [IPv6]) */
static int parse_dest(const char *dest, enum ep_syslog_proto proto, struct sl_dest *o,
                      struct ep_diag *d)
{
	const char *p = dest, *h, *q;
	size_t hlen;

	memset(o, 0, sizeof(*o));
	o->results = RESULTS_OPEN;
	o->facility = 16; /* local0 */
	snprintf(o->port, sizeof(o->port), "%s", proto == EP_SYSLOG_TLS ? "6514" : "514");
	if (p == NULL || *p == '\0')
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "syslog: needs a destination, e.g. -o syslog+tcp://HOST:PORT");
	if (strncmp(p, "//", 2) == 0)
		p += 2;
	if (*p == '[') {
		h = p + 1;
		q = strchr(h, ']');
		if (q == NULL)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "syslog: '%s': missing ']'", dest);
		hlen = (size_t)(q - h);
		p = q + 1;
	} else {
		h = p;
		hlen = strcspn(p, ":?/");
		p += hlen;
	}
	if (hlen == 0 || hlen >= sizeof(o->host))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "syslog: '%s': no host", dest);
	memcpy(o->host, h, hlen);
	o->host[hlen] = '\0';
	if (*p == ':') {
		size_t plen = strspn(p + 1, "0123456789");
		long port = strtol(p + 1, NULL, 10);

		if (plen == 0 || plen > 5 || port < 1 || port > 65535)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "syslog: '%s': bad port", dest);
		snprintf(o->port, sizeof(o->port), "%ld", port);
		p += 1 + plen;
	}
	if (*p == '/')
		p++;
	if (*p != '\0' && *p != '?')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "syslog: '%s': unexpected '%s'", dest, p);
	while (*p == '?' || *p == '&') {
		size_t len = strcspn(++p, "&"), klen = strcspn(p, "=");
		int rc;

		if (len == 0)
			continue;
		if (klen >= len)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "syslog: '%.*s': expected KEY=VALUE",
			                   (int)len, p);
		rc = set_param(o, p, klen, p + klen + 1, len - klen - 1, d);
		if (rc)
			return rc;
		p += len;
	}
	if (proto != EP_SYSLOG_TLS && (o->ca[0] || o->cert[0] || o->key[0] || o->name[0]))
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "syslog: ca=, cert=, key= and name= are "
		                   "for syslog+tls:// only");
	return 0;
}

static const char *scheme(enum ep_syslog_proto p)
{
	return p == EP_SYSLOG_TLS ? "syslog+tls" : p == EP_SYSLOG_TCP ? "syslog+tcp" : "syslog";
}

/* HOSTNAME is PRINTUSASCII (RFC 5424 6.2.4): anything else becomes '-' */
static void clean_hostname(char *h)
{
	for (; *h; h++)
		if (*h <= ' ' || *h > '~')
			*h = '-';
}

static int sl_open_proto(const struct ep_sink_args *a, void **state, struct ep_diag *d,
                         enum ep_syslog_proto proto)
{
	struct syslog_sink *s;
	struct sl_dest o;
	struct ep_syslog_net_opts no;
	struct ep_deliver_opts dopts = a->net->deliver;
	void *t = NULL;
	int v6, rc;

	rc = parse_dest(a->dest, proto, &o, d);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return EP_ENOMEM;
	v6 = strchr(o.host, ':') != NULL;
	/* the spool key names the destination only: options may change between runs */
	snprintf(s->key, sizeof(s->key), "%s://%s%s%s:%s", scheme(proto), v6 ? "[" : "", o.host,
	         v6 ? "]" : "", o.port);
	memset(&no, 0, sizeof(no));
	no.proto = proto;
	no.host = o.host;
	no.port = o.port;
	no.label = s->key;
	no.ca = o.ca[0] ? o.ca : NULL;
	no.cert = o.cert[0] ? o.cert : NULL;
	no.key = o.key[0] ? o.key : NULL;
	no.name = o.name[0] ? o.name : NULL;
	rc = ep_syslog_net_new(&t, &no, d);
	if (rc) {
		free(s);
		return rc;
	}
	if (o.hostname[0])
		snprintf(s->hostname, sizeof(s->hostname), "%s", o.hostname);
	else if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0)
		s->hostname[0] = '\0';
	clean_hostname(s->hostname);
	snprintf(s->scan_id, sizeof(s->scan_id), "%s", a->info->scan_id);
	s->meta.facility = o.facility;
	s->meta.hostname = s->hostname;
	s->meta.pid = (unsigned)getpid();
	ep_syslog_meta_init(&s->meta, s->scan_id);
	s->results = o.results;
	if (o.spool[0] || dopts.spool_dir) {
		snprintf(s->spool, sizeof(s->spool), "%s", o.spool[0] ? o.spool : dopts.spool_dir);
		dopts.spool_dir = s->spool;
	}
	ep_buf_init(&s->rbuf, 1u << 16);
	ep_buf_init(&s->fbuf, 1u << 16);
	rc = ep_deliver_open(&s->dl, s->key, &ep_syslog_transport, t, &dopts, d);
	if (rc) {
		ep_buf_free(&s->rbuf);
		ep_buf_free(&s->fbuf);
		free(s);
		return rc;
	}
	*state = s;
	return 0;
}

static int push(struct syslog_sink *s, struct ep_buf *b, int rc, const char *id)
{
	if (rc == 0)
		rc = ep_deliver_push(s->dl, id, b->data, b->len);
	if (rc)
		s->lost++; /* counted by the queue too; reported at close */
	return 0;
}

static int sl_result(void *state, const struct ep_result *r)
{
	struct syslog_sink *s = state;
	char id[65];
	int rc;

	if (s->results == RESULTS_NONE || (s->results == RESULTS_OPEN && r->state != EP_STATE_OPEN))
		return 0;
	ep_buf_reset(&s->rbuf);
	rc = ep_syslog_result(&s->rbuf, &s->meta, r, id);
	return push(s, &s->rbuf, rc, id);
}

static int sl_finding(void *state, const struct ep_finding *f)
{
	struct syslog_sink *s = state;
	struct timespec ts;
	char id[65];
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	ep_buf_reset(&s->fbuf);
	rc = ep_syslog_finding(&s->fbuf, &s->meta, f,
	                       (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, id);
	return push(s, &s->fbuf, rc, id);
}

/* Waits for the queue (up to the delivery's close wait), then says what was
 * not delivered: spooled events make the run incomplete, so do drops. */
static int sl_close(void *state, const struct ep_summary *sum)
{
	static const struct ep_deliver_words words = {"syslog", "events", "delivered", "sends"};
	struct syslog_sink *s = state;
	struct ep_deliver_stats st;
	int rc;

	(void)sum;
	rc = ep_deliver_close_report(s->dl, &words, s->key, s->spool, &st);
	ep_buf_free(&s->rbuf);
	ep_buf_free(&s->fbuf);
	free(s);
	return rc;
}

static int sl_open_udp(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return sl_open_proto(a, state, d, EP_SYSLOG_UDP);
}

static int sl_open_tcp(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return sl_open_proto(a, state, d, EP_SYSLOG_TCP);
}

static int sl_open_tls(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	return sl_open_proto(a, state, d, EP_SYSLOG_TLS);
}

const struct ep_sink_ops ep_sink_syslog = {
    .name = "syslog",
    .network = 1,
    .help = "RFC 5424 over UDP (syslog://HOST[:514][?OPTIONS]): findings, and open "
            "ports (results=open|all|none); best effort, UDP has no acknowledgement",
    .open = sl_open_udp,
    .result = sl_result,
    .finding = sl_finding,
    .close = sl_close,
};

const struct ep_sink_ops ep_sink_syslog_tcp = {
    .name = "syslog+tcp",
    .network = 1,
    .help = "RFC 5424 over TCP, octet-counted (syslog+tcp://HOST[:514][?OPTIONS]); "
            "spooled when the receiver is down (--spool DIR)",
    .open = sl_open_tcp,
    .result = sl_result,
    .finding = sl_finding,
    .close = sl_close,
};

const struct ep_sink_ops ep_sink_syslog_tls = {
    .name = "syslog+tls",
    .network = 1,
    .help = "RFC 5425 syslog over TLS (syslog+tls://HOST[:6514][?ca=FILE&cert=FILE&"
            "key=FILE&name=NAME]); the server certificate is verified",
    .open = sl_open_tls,
    .result = sl_result,
    .finding = sl_finding,
    .close = sl_close,
};
