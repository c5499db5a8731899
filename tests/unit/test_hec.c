/* Splunk HEC: destination, token, event JSON, gzip round trips, and the
 * transport against a scripted HTTP server on 127.0.0.1 (success, 503, a
 * refused token, a malformed event, acknowledgement, size splits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <zlib.h>

#include "compare/findings.h"
#include "report/export.h"
#include "report/hec.h"
#include "results/result.h"

#define TOKEN "0f9e8d7c-6b5a-4321-8765-fedcba987654"

/* ---- pure parts ---- */

static void test_dest(void **state)
{
	struct ep_hec_opts o;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_hec_parse_dest("https://splunk.example:8088", &o, &d), 0);
	assert_string_equal(o.url, "https://splunk.example:8088/services/collector/event");
	assert_string_equal(o.ack_url, "https://splunk.example:8088/services/collector/ack");
	assert_int_equal(o.ack, 0);
	assert_int_equal(o.insecure, 0);
	assert_int_equal(
	    ep_hec_parse_dest("http://127.0.0.1:9/services/collector?ack&index=sec&ca=/etc/ca.pem"
	                      "&timeout=2500&host=probe-1",
	                      &o, &d),
	    0);
	assert_string_equal(o.url, "http://127.0.0.1:9/services/collector");
	assert_string_equal(o.ack_url, "http://127.0.0.1:9/services/collector/ack");
	assert_int_equal(o.ack, 1);
	assert_string_equal(o.index, "sec");
	assert_string_equal(o.ca, "/etc/ca.pem");
	assert_string_equal(o.host, "probe-1");
	assert_int_equal(o.timeout_ms, 2500);
	assert_int_equal(ep_hec_parse_dest("https://h:1/", &o, &d), 0);
	assert_string_equal(o.url, "https://h:1/services/collector/event");
	/* refused: no scheme, no host, a token in argv, unknown options, bad values */
	assert_int_equal(ep_hec_parse_dest("splunk:8088", &o, &d), EP_EINVAL);
	assert_int_equal(ep_hec_parse_dest("https:///x", &o, &d), EP_EINVAL);
	assert_int_equal(ep_hec_parse_dest("https://h:1?token=abc", &o, &d), EP_EINVAL);
	assert_non_null(strstr(d.msg, "ECSPROBE_HEC_TOKEN"));
	assert_null(strstr(d.msg, "abc"));
	assert_int_equal(ep_hec_parse_dest("https://h:1?gzip=0", &o, &d), EP_EINVAL);
	assert_int_equal(ep_hec_parse_dest("https://h:1?timeout=5", &o, &d), EP_ERANGE);
	assert_int_equal(ep_hec_parse_dest("https://user@h:1", &o, &d), EP_EINVAL);
	assert_int_equal(ep_hec_parse_dest(NULL, &o, &d), EP_EINVAL);
}

static void test_token(void **state)
{
	struct ep_hec_opts o;
	struct ep_diag d = {0};
	char tok[EP_HEC_TOKEN_MAX], path[] = "/tmp/ep_hec_tok_XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	memset(&o, 0, sizeof(o));
	setenv("ECSPROBE_HEC_TOKEN", TOKEN, 1);
	assert_int_equal(ep_hec_load_token(&o, tok, sizeof(tok), &d), 0);
	assert_string_equal(tok, TOKEN);
	unsetenv("ECSPROBE_HEC_TOKEN");
	assert_int_equal(ep_hec_load_token(&o, tok, sizeof(tok), &d), EP_EINVAL);
	/* a file: the trailing newline goes; the file wins over the variable */
	setenv("ECSPROBE_HEC_TOKEN", "from-env", 1);
	assert_true(write(fd, "file-token-123\n", 15) == 15);
	close(fd);
	snprintf(o.token_file, sizeof(o.token_file), "%s", path);
	assert_int_equal(ep_hec_load_token(&o, tok, sizeof(tok), &d), 0);
	assert_string_equal(tok, "file-token-123");
	/* a token with a space (header injection) is refused, and not echoed */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(write(fd, "bad token\r\nX: y", 15) == 15);
	close(fd);
	assert_int_equal(ep_hec_load_token(&o, tok, sizeof(tok), &d), EP_EINVAL);
	assert_null(strstr(d.msg, "bad"));
	assert_string_equal(tok, "");
	unlink(path);
	assert_int_equal(ep_hec_load_token(&o, tok, sizeof(tok), &d), EP_EIO);
	unsetenv("ECSPROBE_HEC_TOKEN");
}

static struct ep_result result(const char *addr, uint16_t port, enum ep_state st)
{
	struct ep_result r;

	memset(&r, 0, sizeof(r));
	ep_addr_parse(addr, &r.t.addr);
	r.t.proto = EP_PROTO_TCP;
	r.t.port = port;
	r.state = st;
	r.reason = st == EP_STATE_OPEN ? EP_REASON_SYN_ACK : EP_REASON_CONN_REFUSED;
	r.rtt_ns = st == EP_STATE_OPEN ? 1500000 : 0;
	r.ts_ns = 1700000000123456789ULL;
	r.attempts = 1;
	return r;
}

static const struct ep_hec_meta meta = {"probe \"1\"", "security",
                                        "00000000-0000-4000-8000-000000000001"};

static void test_render_result(void **state)
{
	struct ep_buf b;
	struct ep_result r = result("fd00:ec5::1", 443, EP_STATE_OPEN);
	char id[65], want[17];
	cJSON *j, *ev, *f;

	(void)state;
	ep_buf_init(&b, 8192);
	assert_int_equal(ep_hec_render_result(&b, &meta, &r, id), 0);
	ep_export_result_id(meta.scan_id, &r, want);
	assert_string_equal(id, want);
	assert_int_not_equal(b.data[b.len - 1], '\n');
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	assert_true(cJSON_GetObjectItem(j, "time")->valuedouble == 1700000000.123);
	assert_string_equal(cJSON_GetObjectItem(j, "host")->valuestring, "probe \"1\"");
	assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "ecsprobe");
	assert_string_equal(cJSON_GetObjectItem(j, "sourcetype")->valuestring, "ecsprobe:result");
	assert_string_equal(cJSON_GetObjectItem(j, "index")->valuestring, "security");
	f = cJSON_GetObjectItem(j, "fields");
	assert_string_equal(cJSON_GetObjectItem(f, "ecsprobe_id")->valuestring, id);
	assert_string_equal(cJSON_GetObjectItem(f, "state")->valuestring, "open");
	ev = cJSON_GetObjectItem(j, "event");
	assert_string_equal(cJSON_GetObjectItem(ev, "id")->valuestring, id);
	assert_string_equal(cJSON_GetObjectItem(ev, "address")->valuestring, "fd00:ec5::1");
	assert_int_equal(cJSON_GetObjectItem(ev, "port")->valueint, 443);
	assert_string_equal(cJSON_GetObjectItem(ev, "ts")->valuestring,
	                    "2023-11-14T22:13:20.123456Z");
	assert_true(cJSON_GetObjectItem(ev, "rtt_ms")->valuedouble == 1.5);
	cJSON_Delete(j);
	/* no index: no "index" key; a full buffer leaves b as it was */
	{
		struct ep_hec_meta m2 = {"h", "", meta.scan_id};

		ep_buf_reset(&b);
		assert_int_equal(ep_hec_render_result(&b, &m2, &r, id), 0);
		j = cJSON_Parse(b.data);
		assert_null(cJSON_GetObjectItem(j, "index"));
		cJSON_Delete(j);
	}
	ep_buf_free(&b);
	ep_buf_init(&b, 100);
	ep_buf_adds(&b, "[");
	assert_int_not_equal(ep_hec_render_result(&b, &meta, &r, id), 0);
	assert_int_equal(b.len, 1);
	ep_buf_free(&b);
}

static void test_render_finding(void **state)
{
	struct ep_finding f;
	struct ep_buf b;
	char id[65];
	cJSON *j, *ev;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.kind = EP_FINDING_UNEXPECTED_OPEN;
	f.severity = EP_SEV_CRITICAL;
	snprintf(f.account, sizeof(f.account), "111111111111");
	snprintf(f.region, sizeof(f.region), "us-east-1");
	snprintf(f.address, sizeof(f.address), "127.0.10.4");
	snprintf(f.owner, sizeof(f.owner), "lb/front");
	snprintf(f.message, sizeof(f.message), "open: \"nothing\" declares it\n");
	f.proto = EP_PROTO_TCP;
	ep_finding_set_ports(&f, 8443, 8443);
	ep_finding_make_id(&f);
	ep_buf_init(&b, 8192);
	assert_int_equal(ep_hec_render_finding(&b, &meta, &f, 1700000001000000000ULL, id), 0);
	assert_string_equal(id, f.id);
	assert_int_equal(strlen(id), 16);
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	assert_true(cJSON_GetObjectItem(j, "time")->valuedouble == 1700000001.0);
	assert_string_equal(cJSON_GetObjectItem(j, "sourcetype")->valuestring, "ecsprobe:finding");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "fields"), "severity")->valuestring,
	    "critical");
	ev = cJSON_GetObjectItem(j, "event");
	assert_string_equal(cJSON_GetObjectItem(ev, "type")->valuestring, "finding");
	assert_string_equal(cJSON_GetObjectItem(ev, "id")->valuestring, f.id);
	assert_string_equal(cJSON_GetObjectItem(ev, "message")->valuestring, f.message);
	assert_int_equal(cJSON_GetObjectItem(ev, "port_from")->valueint, 8443);
	cJSON_Delete(j);
	ep_buf_free(&b);
}

static void gunzip(const struct ep_buf *gz, struct ep_buf *out)
{
	z_stream z;
	unsigned char chunk[4096];
	int rc;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK); /* gzip only, not zlib */
	z.next_in = (unsigned char *)gz->data;
	z.avail_in = (uInt)gz->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
		assert_int_equal(ep_buf_add(out, chunk, sizeof(chunk) - z.avail_out), 0);
	} while (rc != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);
	inflateEnd(&z);
}

static void test_gzip(void **state)
{
	size_t sizes[] = {0, 1, 100, 16384, 3 * 1000 * 1000 + 7};
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct ep_buf in, gz, back;

		ep_buf_init(&in, 8u << 20);
		ep_buf_init(&gz, 8u << 20);
		ep_buf_init(&back, 8u << 20);
		for (size_t i = 0; i < sizes[k]; i++) {
			/* half text, half noise: both paths of deflate */
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			ep_buf_addc(&in, i % 2 ? (char)('a' + i % 26) : (char)x);
		}
		assert_int_equal(ep_hec_gzip(in.data, in.len, &gz), 0);
		assert_true(gz.len >= 18); /* header + trailer */
		assert_int_equal((unsigned char)gz.data[0], 0x1f);
		assert_int_equal((unsigned char)gz.data[1], 0x8b);
		gunzip(&gz, &back);
		assert_int_equal(back.len, in.len);
		if (in.len)
			assert_memory_equal(back.data, in.data, in.len);
		ep_buf_free(&in);
		ep_buf_free(&gz);
		ep_buf_free(&back);
	}
}

/* ---- the transport against a scripted server ---- */

struct reply {
	int status;
	const char *body;
};

struct req_seen {
	char path[128];
	char headers[2048];
	struct ep_buf body;
};

struct server {
	int fd, port;
	const struct reply *script;
	int nscript;
	atomic_int served; /* counted before the answer goes out: no race with the client */
	struct req_seen seen[16];
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	for (int k = 0; k < s->nscript; k++) {
		int c = accept(s->fd, NULL, NULL);
		char buf[65536], out[1024];
		size_t have = 0, clen = 0, hlen;
		char *eoh = NULL, *cl;
		struct req_seen *q = &s->seen[k];

		if (c < 0)
			break;
		while (eoh == NULL && have < sizeof(buf) - 1) {
			ssize_t r = read(c, buf + have, sizeof(buf) - 1 - have);

			if (r <= 0)
				break;
			have += (size_t)r;
			buf[have] = '\0';
			eoh = strstr(buf, "\r\n\r\n");
		}
		if (eoh == NULL) {
			close(c);
			break;
		}
		hlen = (size_t)(eoh + 4 - buf);
		cl = strcasestr(buf, "Content-Length:");
		if (cl && cl < eoh)
			clen = strtoul(cl + 15, NULL, 10);
		sscanf(buf, "POST %127s", q->path);
		snprintf(q->headers, sizeof(q->headers), "%.*s", (int)hlen, buf);
		ep_buf_init(&q->body, 1u << 22);
		ep_buf_add(&q->body, buf + hlen, have - hlen);
		while (q->body.len < clen) {
			ssize_t r = read(c, buf, sizeof(buf));

			if (r <= 0)
				break;
			ep_buf_add(&q->body, buf, (size_t)r);
		}
		atomic_store(&s->served, k + 1);
		snprintf(out, sizeof(out),
		         "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
		         "%zu\r\nConnection: close\r\n\r\n%s",
		         s->script[k].status, strlen(s->script[k].body), s->script[k].body);
		assert_true(write(c, out, strlen(out)) > 0);
		close(c);
	}
	return NULL;
}

static void server_start(struct server *s, const struct reply *script, int n)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->script = script;
	s->nscript = n;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	getsockname(s->fd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->thread, NULL, serve, s);
}

static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
	for (int k = 0; k < 16; k++)
		ep_buf_free(&s->seen[k].body);
}

/* A transport to s with events ev[0..n) "{\"event\":{\"n\":K}}". */
static void *transport(const struct server *s, const char *extra, struct ep_hec_status *st)
{
	struct ep_hec_opts o;
	struct ep_diag d = {0};
	char dest[128];
	void *t = NULL;

	snprintf(dest, sizeof(dest), "http://127.0.0.1:%d%s", s->port, extra);
	assert_int_equal(ep_hec_parse_dest(dest, &o, &d), 0);
	o.timeout_ms = 3000;
	memset(st, 0, sizeof(*st));
	assert_int_equal(ep_hec_transport_new(&t, &o, TOKEN, st, &d), 0);
	return t;
}

static struct ep_event **events(size_t n, size_t pad)
{
	struct ep_event **ev = calloc(n, sizeof(*ev));

	for (size_t i = 0; i < n; i++) {
		ev[i] = calloc(1, sizeof(**ev) + pad + 64);
		snprintf(ev[i]->id, sizeof(ev[i]->id), "ev-%zu", i);
		ev[i]->len =
		    (size_t)snprintf(ev[i]->data, pad + 64,
		                     "{\"event\":{\"n\":%zu,\"pad\":\"%*s\"}}", i, (int)pad, "");
	}
	return ev;
}

static void events_free(struct ep_event **ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i]);
	free(ev);
}

static int count_events(const struct ep_buf *gz)
{
	struct ep_buf plain;
	int n = 0;

	ep_buf_init(&plain, 1u << 24);
	gunzip(gz, &plain);
	for (const char *p = plain.data; p && (p = strstr(p, "{\"event\":")) != NULL; p++)
		n++;
	ep_buf_free(&plain);
	return n;
}

static void test_send_ok_and_retry(void **state)
{
	static const struct reply script[] = {
	    {200, "{\"text\":\"Success\",\"code\":0}"},
	    {503, "{\"text\":\"Server is busy\",\"code\":9}"},
	};
	struct server s;
	struct ep_hec_status st;
	struct ep_event **ev = events(5, 0);
	size_t acc = 99;
	void *t;

	(void)state;
	server_start(&s, script, 2);
	t = transport(&s, "", &st);
	assert_int_equal(ep_hec_transport.send(t, ev, 5, &acc), 0);
	assert_int_equal(acc, 5);
	assert_string_equal(s.seen[0].path, "/services/collector/event");
	assert_non_null(strstr(s.seen[0].headers, "Authorization: Splunk " TOKEN "\r\n"));
	assert_non_null(strstr(s.seen[0].headers, "Content-Encoding: gzip\r\n"));
	assert_non_null(strstr(s.seen[0].headers, "X-Splunk-Request-Channel: "));
	assert_int_equal(count_events(&s.seen[0].body), 5);
	/* 503: nothing taken, try again later; not a configuration error */
	assert_int_equal(ep_hec_transport.send(t, ev, 5, &acc), EP_EAGAIN);
	assert_int_equal(acc, 0);
	assert_int_equal(atomic_load(&st.fatal), 0);
	ep_hec_transport.close(t);
	server_stop(&s);
	events_free(ev, 5);
}

static void test_send_bad_token(void **state)
{
	static const struct reply script[] = {
	    {403, "{\"text\":\"Invalid token\",\"code\":4}"},
	};
	struct server s;
	struct ep_hec_status st;
	struct ep_event **ev = events(3, 0);
	size_t acc = 99;
	void *t;

	(void)state;
	server_start(&s, script, 1);
	t = transport(&s, "", &st);
	assert_int_equal(ep_hec_transport.send(t, ev, 3, &acc), EP_EPERM);
	assert_int_equal(acc, 0);
	assert_int_equal(atomic_load(&st.fatal), EP_EPERM);
	assert_non_null(strstr(st.why, "HEC code 4 \"Invalid token\""));
	assert_null(strstr(st.why, TOKEN));
	/* no second request: the server would not answer one */
	assert_int_equal(ep_hec_transport.send(t, ev, 3, &acc), EP_EPERM);
	assert_int_equal(s.served, 1);
	ep_hec_transport.close(t);
	server_stop(&s);
	events_free(ev, 3);
}

static void test_send_bad_event(void **state)
{
	static const struct reply script[] = {
	    {400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":1}"},
	    {200, "{\"text\":\"Success\",\"code\":0}"},
	};
	struct server s;
	struct ep_hec_status st;
	struct ep_event **ev = events(3, 0);
	size_t acc = 99;
	void *t;

	(void)state;
	server_start(&s, script, 2);
	t = transport(&s, "", &st);
	/* event 0 was indexed, event 1 is dropped, event 2 goes again alone */
	assert_int_equal(ep_hec_transport.send(t, ev, 3, &acc), 0);
	assert_int_equal(acc, 3);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(count_events(&s.seen[1].body), 1);
	assert_int_equal(atomic_load(&st.fatal), 0);
	ep_hec_transport.close(t);
	server_stop(&s);
	events_free(ev, 3);
}

static void test_send_ack(void **state)
{
	static const struct reply script[] = {
	    {200, "{\"text\":\"Success\",\"code\":0,\"ackId\":7}"},
	    {200, "{\"acks\":{\"7\":false}}"},
	    {200, "{\"acks\":{\"7\":true}}"},
	};
	struct server s;
	struct ep_hec_status st;
	struct ep_event **ev = events(4, 0);
	size_t acc = 99;
	void *t;

	(void)state;
	server_start(&s, script, 3);
	t = transport(&s, "?ack", &st);
	/* posted: the delivery holds them (settling) until the check says 0 */
	assert_int_equal(ep_hec_transport_ack.send(t, ev, 4, &acc), 0);
	assert_int_equal(acc, 4);
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), 0); /* none old enough */
	assert_int_equal(s.served, 1);
	usleep((EP_HEC_ACK_SETTLE_MS + 20) * 1000);
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), EP_EAGAIN);
	assert_int_equal(s.served, 2);
	assert_string_equal(s.seen[1].path, "/services/collector/ack");
	assert_string_equal(s.seen[1].body.data, "{\"acks\":[7]}");
	assert_non_null(strstr(s.seen[1].headers, "X-Splunk-Request-Channel: "));
	assert_null(strstr(s.seen[1].headers, "Content-Encoding"));
	/* polls are rate-limited */
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), EP_EAGAIN);
	assert_int_equal(s.served, 2);
	usleep(300 * 1000);
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), 0);
	assert_int_equal(s.served, 3);
	ep_hec_transport.close(t);
	server_stop(&s);
	events_free(ev, 4);
}

static void test_send_ack_timeout(void **state)
{
	static const struct reply script[] = {
	    {200, "{\"text\":\"Success\",\"code\":0,\"ackId\":0}"},
	    {200, "{\"acks\":{\"0\":false}}"},
	    {200, "{\"acks\":{\"0\":false}}"},
	};
	struct server s;
	struct ep_hec_status st;
	struct ep_event **ev = events(2, 0);
	size_t acc = 99;
	void *t;

	(void)state;
	server_start(&s, script, 3);
	t = transport(&s, "?ack&ack-timeout=400", &st);
	assert_int_equal(ep_hec_transport_ack.send(t, ev, 2, &acc), 0);
	usleep((EP_HEC_ACK_SETTLE_MS + 20) * 1000);
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), EP_EAGAIN);
	usleep(400 * 1000);
	/* never acknowledged: the delivery is told to send them again */
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), EP_EIO);
	assert_int_equal(ep_hec_transport_ack.send(t, NULL, 0, &acc), 0);
	assert_int_equal(atomic_load(&st.fatal), 0);
	ep_hec_transport.close(t);
	server_stop(&s);
	events_free(ev, 2);
}

static void test_send_split(void **state)
{
	static const struct reply script[] = {
	    {200, "{\"text\":\"Success\",\"code\":0}"},
	    {200, "{\"text\":\"Success\",\"code\":0}"},
	    {200, "{\"text\":\"Success\",\"code\":0}"},
	};
	struct server s;
	struct ep_hec_status st;
	size_t n = 3 * (EP_HEC_REQUEST_MAX / 100100), acc = 0; /* 3 requests of ~100 kB events */
	struct ep_event **ev = events(n, 100000);
	int total = 0;
	void *t;

	(void)state;
	server_start(&s, script, 3);
	t = transport(&s, "", &st);
	assert_int_equal(ep_hec_transport.send(t, ev, n, &acc), 0);
	assert_int_equal(acc, n);
	assert_int_equal(s.served, 3);
	for (int k = 0; k < 3; k++)
		total += count_events(&s.seen[k].body);
	assert_int_equal(total, (int)n);
	ep_hec_transport.close(t);
	server_stop(&s);
	events_free(ev, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dest),           cmocka_unit_test(test_token),
	    cmocka_unit_test(test_render_result),  cmocka_unit_test(test_render_finding),
	    cmocka_unit_test(test_gzip),           cmocka_unit_test(test_send_ok_and_retry),
	    cmocka_unit_test(test_send_bad_token), cmocka_unit_test(test_send_bad_event),
	    cmocka_unit_test(test_send_ack),       cmocka_unit_test(test_send_ack_timeout),
	    cmocka_unit_test(test_send_split),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
