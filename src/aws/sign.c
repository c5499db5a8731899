/* AWS Signature Version 4 signer (header form) on OpenSSL libcrypto.
 * Behaviour follows the AWS SigV4 documentation and, where it is silent,
 * botocore's SigV4Auth, which the botocore aws4_testsuite vectors pin. */
#include "aws/sign.h"

#include "base/err.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define SHA256_LEN 32
#define ALGORITHM  "AWS4-HMAC-SHA256"
/* 9999-12-31T23:59:59Z: the last second an 8-digit date can name. */
#define MAX_UNIX_TIME INT64_C(253402300799)

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/* The signer owns these; a caller copy would be signed twice or disagree. */
static const char *const reserved_headers[] = {"host", "x-amz-date", "x-amz-security-token",
                                               "authorization"};

/* RFC 3986 unreserved: the only bytes SigV4 leaves unencoded. */
static int is_unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

/* RFC 9110 token character: header names and methods. */
static int is_tchar(unsigned char ch)
{
	return is_unreserved(ch) || (ch != '\0' && strchr("!#$%&'*+^`|", ch) != NULL);
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t';
}

static unsigned char ascii_lower(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch - 'A' + 'a') : ch;
}

static int hex_value(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Length of s if it is 1..max bytes of tokens, else 0. */
static size_t token_len(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if (n >= max || !is_tchar((unsigned char)s[n]))
			return 0;
	return n;
}

/* Length of s if it is 1..max visible ASCII bytes (no space), else 0:
 * hosts and session tokens go verbatim into header lines. */
static size_t visible_len(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if (n >= max || (unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return 0;
	return n;
}

/* A header value may hold HTAB and bytes >= 0x80 but no other control
 * byte: a CR or LF would let a value inject headers of its own. */
static int value_ok(const char *v)
{
	for (; *v != '\0'; v++) {
		unsigned char ch = (unsigned char)*v;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* Region and service names appear in the credential scope, where '/' would
 * shift its fields. */
static int scope_part_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (n >= 64 || !(is_unreserved(ch) && ch != '~'))
			return 0;
	}
	return n > 0;
}

static int name_ieq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* libcrypto fails here only when it cannot allocate or no provider offers
 * SHA-256; both are reported as EP_ENOMEM. */
static int sha256_hex(const void *p, size_t n, char hex[2 * SHA256_LEN + 1])
{
	unsigned char md[SHA256_LEN];
	unsigned int mdlen = 0;

	if (EVP_Digest(n ? p : "", n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != SHA256_LEN)
		return EP_ENOMEM;
	to_hex(md, SHA256_LEN, hex);
	return 0;
}

static int hmac(const void *key, size_t klen, const void *msg, size_t mlen,
                unsigned char out[SHA256_LEN])
{
	unsigned int olen = 0;

	if (HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &olen) == NULL || olen != SHA256_LEN)
		return EP_ENOMEM;
	return 0;
}

static void put_digits(char *p, unsigned width, int64_t v)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Unix seconds to "YYYYMMDDTHHMMSSZ" without gmtime (whose time_t range and
 * locking vary): Howard Hinnant's days-to-civil algorithm, valid for t >= 0. */
static int format_amz_date(int64_t t, char out[17])
{
	int64_t z, era, doe, yoe, doy, mp, y, m, d, s;

	if (t < 0 || t > MAX_UNIX_TIME)
		return EP_ERANGE;
	s = t % 86400;
	z = t / 86400 + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	put_digits(out, 4, y);
	put_digits(out + 4, 2, m);
	put_digits(out + 6, 2, d);
	out[8] = 'T';
	put_digits(out + 9, 2, s / 3600);
	put_digits(out + 11, 2, s / 60 % 60);
	put_digits(out + 13, 2, s % 60);
	out[15] = 'Z';
	out[16] = '\0';
	return 0;
}

static int add_pct_byte(struct ep_buf *b, unsigned char ch)
{
	char esc[3] = {'%', hex_upper[ch >> 4], hex_upper[ch & 15]};

	if (is_unreserved(ch))
		return ep_buf_addc(b, (char)ch);
	return ep_buf_add(b, esc, sizeof(esc));
}

/* Canonical URI: botocore's remove_dot_segments (RFC 3986 5.2.4 plus
 * collapsing empty segments, a trailing '/' kept when anything is left), then
 * each byte but '/' and unreserved ones percent-encoded.  O(n); one copy. */
static int add_canonical_uri(struct ep_buf *b, const char *path, size_t n)
{
	const char *p = path, *end = path + n;
	size_t len = 0;
	char *tmp;
	int rc = 0;

	/* output is "/seg" per kept input "/seg", plus maybe one trailing '/' */
	tmp = malloc(n + 2);
	if (tmp == NULL)
		return EP_ENOMEM;
	while (p < end) {
		const char *seg = p;
		size_t sl;

		while (p < end && *p != '/')
			p++;
		sl = (size_t)(p - seg);
		if (p < end)
			p++;
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && tmp[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		tmp[len++] = '/';
		memcpy(tmp + len, seg, sl);
		len += sl;
	}
	if (len == 0 || path[n - 1] == '/')
		tmp[len++] = '/';
	for (size_t i = 0; i < len && rc == 0; i++)
		rc = tmp[i] == '/' ? ep_buf_addc(b, '/') : add_pct_byte(b, (unsigned char)tmp[i]);
	free(tmp);
	return rc;
}

/* Decodes p[0..n) ('+' is a space, as form decoding and botocore's parse_qsl
 * do; a '%' not followed by two hex digits stays literal) and re-encodes it. */
static int add_reencoded(struct ep_buf *b, const char *p, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%' && i + 2 < n && hex_value((unsigned char)p[i + 1]) >= 0 &&
		           hex_value((unsigned char)p[i + 2]) >= 0) {
			ch = (unsigned char)(hex_value((unsigned char)p[i + 1]) << 4 |
			                     hex_value((unsigned char)p[i + 2]));
			i += 2;
		}
		rc = add_pct_byte(b, ch);
	}
	return rc;
}

struct qparam {
	size_t noff, nlen, voff, vlen; /* offsets: the scratch buffer may move */
	const char *base;
};

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

/* By encoded name, then encoded value, byte-wise: "Param" < "Param-3". */
static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	/* base is NULL when every name and value is empty: no pointer arithmetic */
	const char *bx = x->base ? x->base : "", *by = y->base ? y->base : "";
	int c = bytes_cmp(bx + x->noff, x->nlen, by + y->noff, y->nlen);

	if (c != 0)
		return c;
	return bytes_cmp(bx + x->voff, x->vlen, by + y->voff, y->vlen);
}

/* Canonical query string: split on '&' (empty pieces dropped), each side of
 * the first '=' decoded and re-encoded, sorted, a missing value written as
 * "name=".  O(n log n) in parameters; scratch is at most 3x the query. */
static int add_canonical_query(struct ep_buf *b, const char *q, size_t n)
{
	struct ep_buf scratch;
	struct qparam *qp;
	size_t count = 1, k = 0;
	const char *p = q, *end = q + n;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		count += q[i] == '&';
	qp = calloc(count, sizeof(*qp));
	if (qp == NULL)
		return EP_ENOMEM;
	ep_buf_init(&scratch, 3 * n + 1);
	while (p < end && rc == 0) {
		const char *item = p, *eq;

		while (p < end && *p != '&')
			p++;
		if (p == item) {
			p++;
			continue;
		}
		eq = memchr(item, '=', (size_t)(p - item));
		if (eq == NULL)
			eq = p;
		qp[k].noff = scratch.len;
		rc = add_reencoded(&scratch, item, (size_t)(eq - item));
		qp[k].nlen = scratch.len - qp[k].noff;
		qp[k].voff = scratch.len;
		if (rc == 0 && eq < p)
			rc = add_reencoded(&scratch, eq + 1, (size_t)(p - eq - 1));
		qp[k].vlen = scratch.len - qp[k].voff;
		k++;
		if (p < end)
			p++;
	}
	if (rc == 0 && k > 0) {
		for (size_t i = 0; i < k; i++)
			qp[i].base = scratch.data;
		qsort(qp, k, sizeof(*qp), qparam_cmp);
	}
	for (size_t i = 0; i < k && rc == 0; i++) {
		if (i > 0)
			rc = ep_buf_addc(b, '&');
		if (rc == 0 && qp[i].nlen > 0)
			rc = ep_buf_add(b, qp[i].base + qp[i].noff, qp[i].nlen);
		if (rc == 0)
			rc = ep_buf_addc(b, '=');
		if (rc == 0 && qp[i].vlen > 0)
			rc = ep_buf_add(b, qp[i].base + qp[i].voff, qp[i].vlen);
	}
	ep_buf_free(&scratch);
	free(qp);
	return rc;
}

struct hdr {
	const char *name;
	const char *value;
	size_t order; /* position given, so equal names keep their value order */
};

/* By the full lower-case name, byte-wise ("x-amz-date" < "x-amz-date-x"),
 * then by position. */
static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->name;
	const unsigned char *q = (const unsigned char *)y->name;

	for (;; p++, q++) {
		unsigned char cp = ascii_lower(*p), cq = ascii_lower(*q);

		if (cp != cq)
			return cp < cq ? -1 : 1;
		if (cp == '\0')
			break;
	}
	return x->order < y->order ? -1 : x->order > y->order;
}

static int add_lower(struct ep_buf *b, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++)
		rc = ep_buf_addc(b, (char)ascii_lower((unsigned char)*s));
	return rc;
}

/* Value trimmed of leading/trailing SP/HTAB, inner runs collapsed to one SP. */
static int add_header_value(struct ep_buf *b, const char *v)
{
	const char *end = v + strlen(v);
	int gap = 0, rc = 0;

	while (v < end && is_ws(*v))
		v++;
	while (end > v && is_ws(end[-1]))
		end--;
	for (; v < end && rc == 0; v++) {
		if (is_ws(*v)) {
			gap = 1;
			continue;
		}
		if (gap)
			rc = ep_buf_addc(b, ' ');
		gap = 0;
		if (rc == 0)
			rc = ep_buf_addc(b, *v);
	}
	return rc;
}

/* Canonical header lines onto creq and the ';'-joined names onto signed_h;
 * repeated names become one line with values joined by ',' in given order. */
static int add_canonical_headers(struct ep_buf *creq, struct ep_buf *signed_h, struct hdr *h,
                                 size_t n)
{
	int rc = 0;

	qsort(h, n, sizeof(*h), hdr_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		int same = i > 0 && name_ieq(h[i - 1].name, h[i].name);

		if (same) {
			rc = ep_buf_addc(creq, ',');
		} else {
			if (i > 0)
				rc = ep_buf_addc(creq, '\n');
			if (rc == 0 && i > 0)
				rc = ep_buf_addc(signed_h, ';');
			if (rc == 0)
				rc = add_lower(signed_h, h[i].name);
			if (rc == 0)
				rc = add_lower(creq, h[i].name);
			if (rc == 0)
				rc = ep_buf_addc(creq, ':');
		}
		if (rc == 0)
			rc = add_header_value(creq, h[i].value);
	}
	if (rc == 0 && n > 0)
		rc = ep_buf_addc(creq, '\n');
	return rc;
}

/* S3's signed path: unreserved bytes, '/' and well-formed %XX escapes only,
 * so what is signed is what goes on the request line. */
static int raw_path_ok(const char *p)
{
	for (; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '%' && hex_value((unsigned char)p[1]) >= 0 &&
		    hex_value((unsigned char)p[2]) >= 0)
			p += 2;
		else if (ch != '/' && !is_unreserved(ch))
			return 0;
	}
	return 1;
}

/* A payload hash is 64 lower-case hex digits or the literal S3 accepts. */
static int payload_hash_ok(const char *h)
{
	size_t n = 0;

	if (strcmp(h, "UNSIGNED-PAYLOAD") == 0)
		return 1;
	for (; h[n] != '\0'; n++)
		if (n >= 2 * SHA256_LEN || !strchr(hex_lower, h[n]))
			return 0;
	return n == 2 * SHA256_LEN;
}

static int check_request(const struct ep_sigv4_req *r, const struct ep_aws_creds *c)
{
	const size_t akid_max = sizeof(c->access_key) - 1;

	if (token_len(r->method, 32) == 0 || visible_len(r->host, 1024) == 0 ||
	    !scope_part_ok(r->region) || !scope_part_ok(r->service))
		return EP_EINVAL;
	if (r->path != NULL && r->path[0] != '\0' && (r->path[0] != '/' || !value_ok(r->path)))
		return EP_EINVAL;
	if ((r->headers == NULL && r->nheaders > 0) || (r->body == NULL && r->body_len > 0))
		return EP_EINVAL;
	if ((r->raw_path && r->path != NULL && !raw_path_ok(r->path)) ||
	    (r->payload_hash != NULL && !payload_hash_ok(r->payload_hash)))
		return EP_EINVAL;
	if (memchr(c->access_key, '\0', sizeof(c->access_key)) == NULL ||
	    memchr(c->secret_key, '\0', sizeof(c->secret_key)) == NULL ||
	    token_len(c->access_key, akid_max) == 0 || strchr(c->access_key, '/') != NULL ||
	    c->secret_key[0] == '\0')
		return EP_EINVAL;
	if (r->path != NULL && strlen(r->path) > EP_SIGV4_MAX_PATH)
		return EP_ERANGE;
	if (r->query != NULL && strlen(r->query) > EP_SIGV4_MAX_QUERY)
		return EP_ERANGE;
	if (r->nheaders > EP_SIGV4_MAX_HEADERS)
		return EP_ERANGE;
	if (c->session_token != NULL && c->session_token[0] != '\0' &&
	    visible_len(c->session_token, EP_SIGV4_MAX_TOKEN) == 0)
		return strlen(c->session_token) > EP_SIGV4_MAX_TOKEN ? EP_ERANGE : EP_EINVAL;
	for (size_t i = 0; i < r->nheaders; i++) {
		const struct ep_http_header *h = &r->headers[i];

		if (token_len(h->name, 256) == 0 || h->value == NULL || !value_ok(h->value))
			return EP_EINVAL;
		for (size_t j = 0; j < sizeof(reserved_headers) / sizeof(reserved_headers[0]); j++)
			if (name_ieq(h->name, reserved_headers[j]))
				return EP_EINVAL;
	}
	return 0;
}

/* The key chain: HMAC("AWS4"+secret, date) -> region -> service ->
 * "aws4_request", then the signature over the string to sign.  Key material
 * on the stack is wiped before returning. */
static int compute_signature(const struct ep_aws_creds *c, const char *date8, const char *region,
                             const char *service, const struct ep_buf *sts,
                             char sig_hex[2 * SHA256_LEN + 1])
{
	unsigned char ksecret[4 + sizeof(c->secret_key)];
	unsigned char k1[SHA256_LEN], k2[SHA256_LEN];
	size_t slen = strlen(c->secret_key);
	int rc;

	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, c->secret_key, slen);
	rc = hmac(ksecret, 4 + slen, date8, 8, k1);
	if (rc == 0)
		rc = hmac(k1, SHA256_LEN, region, strlen(region), k2);
	if (rc == 0)
		rc = hmac(k2, SHA256_LEN, service, strlen(service), k1);
	if (rc == 0)
		rc = hmac(k1, SHA256_LEN, "aws4_request", 12, k2);
	if (rc == 0)
		rc = hmac(k2, SHA256_LEN, sts->data, sts->len, k1);
	if (rc == 0)
		to_hex(k1, SHA256_LEN, sig_hex);
	OPENSSL_cleanse(ksecret, sizeof(ksecret));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	return rc;
}

int ep_sigv4_sign(const struct ep_sigv4_req *r, const struct ep_aws_creds *c,
                  struct ep_sigv4_out *out)
{
	struct ep_buf signed_h, scope, auth;
	struct ep_buf *creq, *sts;
	struct hdr *h = NULL;
	const char *token, *path;
	char body_hex[2 * SHA256_LEN + 1], creq_hex[2 * SHA256_LEN + 1],
	    sig_hex[2 * SHA256_LEN + 1];
	char date8[9];
	size_t nh = 0;
	int rc;

	if (out == NULL)
		return EP_EINVAL;
	memset(out, 0, sizeof(*out));
	ep_buf_init(&out->canonical_request, EP_SIGV4_MAX_CREQ);
	ep_buf_init(&out->string_to_sign, 1024);
	creq = &out->canonical_request;
	sts = &out->string_to_sign;
	ep_buf_init(&signed_h, 4096);
	ep_buf_init(&scope, 256);
	ep_buf_init(&auth, sizeof(out->authorization) - 1);
	if (r == NULL || c == NULL)
		return EP_EINVAL;
	rc = check_request(r, c);
	if (rc)
		goto out;
	rc = format_amz_date(r->now, out->amz_date);
	if (rc)
		goto out;
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';
	token = (c->session_token != NULL && c->session_token[0] != '\0') ? c->session_token : NULL;
	path = (r->path != NULL && r->path[0] != '\0') ? r->path : "/";

	h = calloc(r->nheaders + 3, sizeof(*h));
	if (h == NULL) {
		rc = EP_ENOMEM;
		goto out;
	}
	for (; nh < r->nheaders; nh++)
		h[nh] = (struct hdr){r->headers[nh].name, r->headers[nh].value, nh};
	h[nh++] = (struct hdr){"host", r->host, r->nheaders};
	h[nh++] = (struct hdr){"x-amz-date", out->amz_date, r->nheaders + 1};
	/* Signed, not appended afterwards: botocore's behaviour and what STS,
	 * EC2 and ECS accept (vector post-sts-header-before). */
	if (token != NULL)
		h[nh++] = (struct hdr){"x-amz-security-token", token, r->nheaders + 2};

	rc = ep_buf_printf(creq, "%s\n", r->method);
	if (rc == 0)
		rc = r->raw_path ? ep_buf_adds(creq, path)
		                 : add_canonical_uri(creq, path, strlen(path));
	if (rc == 0)
		rc = ep_buf_addc(creq, '\n');
	if (rc == 0 && r->query != NULL)
		rc = add_canonical_query(creq, r->query, strlen(r->query));
	if (rc == 0)
		rc = ep_buf_addc(creq, '\n');
	if (rc == 0)
		rc = add_canonical_headers(creq, &signed_h, h, nh);
	if (rc == 0 && r->payload_hash != NULL)
		memcpy(body_hex, r->payload_hash, strlen(r->payload_hash) + 1);
	else if (rc == 0)
		rc = sha256_hex(r->body, r->body_len, body_hex);
	if (rc == 0)
		rc = ep_buf_printf(creq, "\n%s\n%s", signed_h.data, body_hex);
	if (rc)
		goto out;

	rc = ep_buf_printf(&scope, "%s/%s/%s/aws4_request", date8, r->region, r->service);
	if (rc == 0)
		rc = sha256_hex(creq->data, creq->len, creq_hex);
	if (rc == 0)
		rc = ep_buf_printf(sts, ALGORITHM "\n%s\n%s\n%s", out->amz_date, scope.data,
		                   creq_hex);
	if (rc == 0)
		rc = compute_signature(c, date8, r->region, r->service, sts, sig_hex);
	if (rc == 0)
		rc = ep_buf_printf(&auth,
		                   ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		                   c->access_key, scope.data, signed_h.data, sig_hex);
	if (rc)
		goto out;
	memcpy(out->authorization, auth.data, auth.len + 1);

	out->headers[out->nheaders++] = (struct ep_http_header){"X-Amz-Date", out->amz_date};
	if (token != NULL)
		out->headers[out->nheaders++] =
		    (struct ep_http_header){"X-Amz-Security-Token", token};
	out->headers[out->nheaders++] =
	    (struct ep_http_header){"Authorization", out->authorization};
out:
	free(h);
	ep_buf_free(&signed_h);
	ep_buf_free(&scope);
	ep_buf_free(&auth);
	if (rc) {
		ep_sigv4_out_free(out);
		out->amz_date[0] = '\0';
	}
	return rc;
}

void ep_sigv4_out_free(struct ep_sigv4_out *o)
{
	ep_buf_free(&o->canonical_request);
	ep_buf_free(&o->string_to_sign);
	o->nheaders = 0;
	o->authorization[0] = '\0';
}
