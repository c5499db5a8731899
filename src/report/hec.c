/* Splunk HEC without the network: the -o hec: destination and its options,
 * the token (environment or file, never echoed), each result or finding in
 * HEC's JSON envelope, and gzip.  hec_send.c posts them. */
#include "report/hec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "compare/findings.h"
#include "config/cidr.h"
#include "config/portspec.h"
#include "report/export.h"
#include "results/result.h"

/* ---- destination ---- */

static int copy_opt(char *dst, size_t dstlen, const char *val, size_t vlen, const char *key,
                    struct ep_diag *d)
{
	if (vlen == 0 || vlen >= dstlen)
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "-o hec: option '%s' needs a value (at most %zu bytes)", key,
		                   dstlen - 1);
	memcpy(dst, val, vlen);
	dst[vlen] = '\0';
	return 0;
}

static int parse_ms(const char *key, const char *val, size_t vlen, long *out, struct ep_diag *d)
{
	char tmp[16], *end;
	long v;

	if (vlen == 0 || vlen >= sizeof(tmp))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "-o hec: %s=MS expects milliseconds", key);
	memcpy(tmp, val, vlen);
	tmp[vlen] = '\0';
	v = strtol(tmp, &end, 10);
	if (*end || v < 100 || v > 3600000)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "-o hec: %s=%s: milliseconds, 100-3600000",
		                   key, tmp);
	*out = v;
	return 0;
}

/* One "key[=value]" of the option list. */
static int parse_option(struct ep_hec_opts *o, const char *s, size_t len, struct ep_diag *d)
{
	const char *eq = memchr(s, '=', len);
	size_t klen = eq ? (size_t)(eq - s) : len;
	const char *val = eq ? eq + 1 : "";
	size_t vlen = eq ? len - klen - 1 : 0;
	char key[24];

	if (klen == 0 || klen >= sizeof(key))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "-o hec: empty or overlong option");
	memcpy(key, s, klen);
	key[klen] = '\0';
	if (strcmp(key, "token-file") == 0)
		return copy_opt(o->token_file, sizeof(o->token_file), val, vlen, key, d);
	if (strcmp(key, "ca") == 0)
		return copy_opt(o->ca, sizeof(o->ca), val, vlen, key, d);
	if (strcmp(key, "index") == 0)
		return copy_opt(o->index, sizeof(o->index), val, vlen, key, d);
	if (strcmp(key, "host") == 0)
		return copy_opt(o->host, sizeof(o->host), val, vlen, key, d);
	if (strcmp(key, "timeout") == 0)
		return parse_ms(key, val, vlen, &o->timeout_ms, d);
	if (strcmp(key, "ack-timeout") == 0)
		return parse_ms(key, val, vlen, &o->ack_timeout_ms, d);
	if (strcmp(key, "insecure") == 0 && eq == NULL) {
		o->insecure = 1;
		return 0;
	}
	if (strcmp(key, "ack") == 0 && eq == NULL) {
		o->ack = 1;
		return 0;
	}
	if (strcmp(key, "token") == 0)
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "-o hec: a token on the command line would show in ps; set "
		                   "ECSPROBE_HEC_TOKEN or use token-file=FILE");
	return ep_diag_set(
	    d, EP_EINVAL, 0, 0,
	    "-o hec: unknown option '%s' (token-file=, ca=, index=, host=, insecure, "
	    "ack, timeout=, ack-timeout=)",
	    key);
}

int ep_hec_parse_dest(const char *dest, struct ep_hec_opts *o, struct ep_diag *d)
{
	const char *q, *hostp, *path;
	size_t ulen, olen;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = 10000;
	o->ack_timeout_ms = 60000;
	if (dest == NULL || *dest == '\0')
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "-o hec needs a URL: hec:https://HOST:8088[?OPTIONS]");
	if (strncmp(dest, "https://", 8) == 0)
		hostp = dest + 8;
	else if (strncmp(dest, "http://", 7) == 0)
		hostp = dest + 7;
	else
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "-o hec:%s: the URL must start with https://", dest);
	q = strchr(dest, '?');
	ulen = q ? (size_t)(q - dest) : strlen(dest);
	path = memchr(hostp, '/', ulen - (size_t)(hostp - dest));
	if ((path ? path : dest + ulen) == hostp)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "-o hec:%s: no host in the URL", dest);
	for (const char *p = dest; p < dest + ulen; p++)
		if ((unsigned char)*p <= ' ' || *p == '#' || *p == '@')
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "-o hec: the URL may not hold spaces, '#' or user@");
	olen = path ? (size_t)(path - dest) : ulen; /* scheme://host:port */
	if (ulen + sizeof(EP_HEC_PATH) > sizeof(o->url))
		return ep_diag_set(d, EP_ERANGE, 0, 0, "-o hec: URL too long");
	if (path == NULL || (size_t)(dest + ulen - path) == 1)
		snprintf(o->url, sizeof(o->url), "%.*s%s", (int)olen, dest, EP_HEC_PATH);
	else
		snprintf(o->url, sizeof(o->url), "%.*s", (int)ulen, dest);
	snprintf(o->ack_url, sizeof(o->ack_url), "%.*s/services/collector/ack", (int)olen, dest);
	while (q && *q) {
		size_t len;

		q++;
		len = strcspn(q, "&");
		if (len) {
			int rc = parse_option(o, q, len, d);

			if (rc)
				return rc;
		}
		q += len;
	}
	return 0;
}

/* ---- token ---- */

static int token_ok(const char *t)
{
	if (*t == '\0')
		return 0;
	for (; *t; t++)
		if ((unsigned char)*t < 0x21 || (unsigned char)*t == 0x7f)
			return 0;
	return 1;
}

int ep_hec_load_token(const struct ep_hec_opts *o, char *out, size_t outlen, struct ep_diag *d)
{
	size_t len = 0;

	out[0] = '\0';
	if (o->token_file[0]) {
		int fd = open(o->token_file, O_RDONLY | O_CLOEXEC);
		struct stat sb;
		ssize_t r;

		if (fd < 0)
			return ep_diag_set(d, EP_EIO, 0, 0, "hec token file %s: %s", o->token_file,
			                   strerror(errno));
		if (fstat(fd, &sb) == 0 && (sb.st_mode & 0077))
			fprintf(stderr,
			        "ecsprobe: warning: hec: token file %s is readable by others "
			        "(chmod 600 it)\n",
			        o->token_file);
		while (len + 1 < outlen) {
			r = read(fd, out + len, outlen - 1 - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
		close(fd);
		if (len + 1 >= outlen) {
			explicit_bzero(out, outlen);
			return ep_diag_set(d, EP_ERANGE, 0, 0,
			                   "hec token file %s: longer than %zu bytes",
			                   o->token_file, outlen - 2);
		}
		out[len] = '\0';
		while (len && (out[len - 1] == '\n' || out[len - 1] == '\r' || out[len - 1] == ' '))
			out[--len] = '\0';
	} else {
		const char *env = getenv("ECSPROBE_HEC_TOKEN");

		if (env == NULL || *env == '\0')
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "-o hec needs a token: set ECSPROBE_HEC_TOKEN or give "
			                   "token-file=FILE");
		len = strlen(env);
		if (len + 1 > outlen)
			return ep_diag_set(d, EP_ERANGE, 0, 0,
			                   "ECSPROBE_HEC_TOKEN: longer than %zu bytes", outlen - 1);
		memcpy(out, env, len + 1);
	}
	if (!token_ok(out)) {
		explicit_bzero(out, outlen);
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "hec token (%s): empty, or holds spaces or control characters",
		                   o->token_file[0] ? o->token_file : "ECSPROBE_HEC_TOKEN");
	}
	return 0;
}

/* ---- events ---- */

static int envelope(struct ep_buf *b, const struct ep_hec_meta *m, uint64_t ns,
                    const char *sourcetype, const char *id)
{
	ep_buf_adds(b, "{\"time\":");
	ep_buf_addu(b, ns / 1000000000u);
	ep_buf_addc(b, '.');
	ep_buf_addu_pad(b, ns % 1000000000u / 1000000u, 3);
	ep_buf_adds(b, ",\"host\":");
	ep_buf_json_str(b, m->host);
	ep_buf_adds(b, ",\"source\":\"ecsprobe\",\"sourcetype\":\"");
	ep_buf_adds(b, sourcetype);
	ep_buf_adds(b, "\"");
	if (m->index && *m->index) {
		ep_buf_adds(b, ",\"index\":");
		ep_buf_json_str(b, m->index);
	}
	ep_buf_adds(b, ",\"fields\":{\"ecsprobe_id\":\"");
	ep_buf_adds(b, id);
	ep_buf_adds(b, "\",\"scan_id\":");
	return ep_buf_json_str(b, m->scan_id);
}

int ep_hec_render_result(struct ep_buf *b, const struct ep_hec_meta *m, const struct ep_result *r,
                         char id[65])
{
	char ts[40];
	size_t start = b->len;
	int rc;

	ep_export_result_id(m->scan_id, r, id); /* the id the other outputs give it */
	ep_time_format(r->ts_ns, ts, sizeof(ts));
	envelope(b, m, r->ts_ns, "ecsprobe:result", id);
	ep_buf_adds(b, ",\"state\":\"");
	ep_buf_adds(b, ep_state_name(r->state));
	ep_buf_adds(
	    b, "\"},\"event\":{\"type\":\"result\",\"schema\":\"ecsprobe.result/1\",\"id\":\"");
	ep_buf_adds(b, id);
	ep_buf_adds(b, "\",\"scan_id\":");
	ep_buf_json_str(b, m->scan_id);
	ep_buf_adds(b, ",\"ts\":\"");
	ep_buf_adds(b, ts);
	ep_buf_adds(b, "\",");
	ep_result_json_fields(b, r);
	rc = ep_buf_adds(b, "}}");
	if (rc) { /* never leave half an event behind */
		b->len = start;
		if (b->data)
			b->data[start] = '\0';
	}
	return rc;
}

int ep_hec_render_finding(struct ep_buf *b, const struct ep_hec_meta *m, const struct ep_finding *f,
                          uint64_t now_ns, char id[65])
{
	size_t start = b->len;
	int rc;

	snprintf(id, 65, "%s", f->id);
	envelope(b, m, now_ns, "ecsprobe:finding", id);
	ep_buf_adds(b, ",\"kind\":\"");
	ep_buf_adds(b, ep_finding_kind_name(f->kind));
	ep_buf_adds(b, "\",\"severity\":\"");
	ep_buf_adds(b, ep_severity_name(f->severity));
	ep_buf_adds(b, "\"},\"event\":");
	rc = ep_finding_json_buf(b, f, m->scan_id);
	if (rc == 0 && b->len > start && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0'; /* the NDJSON line's newline */
	if (rc == 0)
		rc = ep_buf_addc(b, '}');
	if (rc) {
		b->len = start;
		if (b->data)
			b->data[start] = '\0';
	}
	return rc;
}

/* ---- gzip ---- */

int ep_hec_gzip(const void *in, size_t len, struct ep_buf *out)
{
	z_stream z;
	unsigned char chunk[16384];
	int zrc, rc = 0;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer rather than zlib's; level 1 because
	 * JSON compresses about 8:1 even so, and the sender thread is the cost */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return EP_ENOMEM;
	z.next_in = (unsigned char *)(uintptr_t)in;
	do {
		size_t chunk_in = len > (1u << 30) ? (1u << 30) : len;

		z.avail_in = (uInt)chunk_in;
		len -= chunk_in;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			zrc = deflate(&z, len == 0 ? Z_FINISH : Z_NO_FLUSH);
			if (zrc == Z_STREAM_ERROR) {
				rc = EP_EIO;
				break;
			}
			rc = ep_buf_add(out, chunk, sizeof(chunk) - z.avail_out);
		} while (rc == 0 && z.avail_out == 0);
	} while (rc == 0 && len > 0);
	deflateEnd(&z);
	return rc;
}
