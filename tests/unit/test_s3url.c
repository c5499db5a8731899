/* S3 addressing and signing: s3:// URL parsing and S3's bucket naming rules,
 * keys encoded once as S3 signs them, where a request goes (path-style and
 * virtual-hosted), and the signer's S3 mode against the AWS documentation's
 * S3 examples and the aws-c-auth vectors that sign S3-style (unnormalised
 * paths, a signed payload hash).  Vectors are read from $EP_TESTDATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "aws/s3.h"
#include "aws/sign.h"
#include "base/err.h"

#define MAX_FILE    (1u << 20)
#define MAX_HEADERS 16

static const char *const vectors[] = {
    "sigv4/s3-docs/get-object-range",
    "sigv4/s3-docs/put-object",
    "sigv4/s3-docs/list-objects",
    "sigv4/aws-c-auth/get-space-unnormalized",
    "sigv4/aws-c-auth/get-slash-dot-slash-unnormalized",
    "sigv4/aws-c-auth/get-slashes-unnormalized",
    "sigv4/aws-c-auth/get-relative-relative-unnormalized",
    "sigv4/aws-c-auth/get-relative-unnormalized",
    "sigv4/aws-c-auth/get-slash-unnormalized",
    "sigv4/aws-c-auth/get-slash-pointless-dot-unnormalized",
    "sigv4/aws-c-auth/get-utf8",
    "sigv4/aws-c-auth/get-unreserved",
    "sigv4/aws-c-auth/post-x-www-form-urlencoded",
    "sigv4/aws-c-auth/post-x-www-form-urlencoded-parameters",
};

static char *read_data(const char *dir, const char *name, size_t *len)
{
	const char *d = getenv("EP_TESTDATA");
	char path[4096];
	FILE *f;
	char *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", d && *d ? d : "tests/data", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run from the source tree or set EP_TESTDATA)", path);
	buf = malloc(MAX_FILE + 1);
	assert_non_null(buf);
	n = fread(buf, 1, MAX_FILE, f);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* "2015-08-30T12:36:00Z" to unix seconds */
static int64_t parse_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
	                 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(n ? p : "", n, md, &len, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* One vector, signed as an S3 request is: the target path encoded once
 * with ep_s3_key_encode and signed as it is (raw_path), the payload hash
 * given (the request's x-amz-content-sha256, or the body's when the vector
 * signs the body and so sends that header). */
static void sign_vector(const char *dir)
{
	char *ctx_text = read_data(dir, "context.json", NULL), *req, *creq, *sts, *sig;
	cJSON *ctx = cJSON_Parse(ctx_text);
	const cJSON *cr = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
	struct ep_http_header h[MAX_HEADERS];
	char *names[MAX_HEADERS], *vals[MAX_HEADERS], hash[65] = "", *line, *cur, *body, *target;
	char *query = NULL, *sp;
	struct ep_buf path;
	struct ep_aws_creds c;
	struct ep_sigv4_req r;
	struct ep_sigv4_out o;
	size_t n = 0, k = 0, len;

	assert_non_null(ctx);
	memset(&c, 0, sizeof(c));
	snprintf(c.access_key, sizeof(c.access_key), "%s",
	         cJSON_GetObjectItemCaseSensitive(cr, "access_key_id")->valuestring);
	snprintf(c.secret_key, sizeof(c.secret_key), "%s",
	         cJSON_GetObjectItemCaseSensitive(cr, "secret_access_key")->valuestring);
	req = read_data(dir, "request.txt", &len);
	body = strstr(req, "\n\n");
	if (body) {
		*body = '\0';
		body += 2;
	} else {
		body = req + len;
	}
	cur = req;
	line = strsep(&cur, "\n");
	sp = strrchr(line, ' '); /* "METHOD TARGET HTTP/1.1": the target may hold spaces */
	assert_non_null(sp);
	*sp = '\0';
	target = strchr(line, ' ');
	assert_non_null(target);
	*target++ = '\0';
	if (strchr(target, '?')) {
		query = strchr(target, '?') + 1;
		query[-1] = '\0';
	}
	while ((line = strsep(&cur, "\n")) != NULL && *line) {
		char *colon = strchr(line, ':');

		assert_non_null(colon);
		*colon = '\0';
		assert_true(n < MAX_HEADERS - 1);
		names[n] = line;
		vals[n] = colon + 1;
		if (strcasecmp(line, "x-amz-content-sha256") == 0)
			snprintf(hash, sizeof(hash), "%s", colon + 1);
		n++;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "sign_body"))) {
		sha256_hex(body, strlen(body), hash);
		names[n] = "x-amz-content-sha256";
		vals[n++] = hash;
	}
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(names[i], "host") == 0)
			r.host = vals[i];
		else
			h[k++] = (struct ep_http_header){names[i], vals[i]};
	ep_buf_init(&path, 16384);
	assert_int_equal(ep_s3_key_encode(&path, target), 0);
	r.method = req;
	r.path = path.data;
	r.query = query;
	r.headers = h;
	r.nheaders = k;
	r.body = body;
	r.body_len = strlen(body);
	r.region = cJSON_GetObjectItemCaseSensitive(ctx, "region")->valuestring;
	r.service = cJSON_GetObjectItemCaseSensitive(ctx, "service")->valuestring;
	r.now = parse_time(cJSON_GetObjectItemCaseSensitive(ctx, "timestamp")->valuestring);
	r.raw_path = 1;
	r.payload_hash = hash[0] ? hash : NULL;
	assert_int_equal(ep_sigv4_sign(&r, &c, &o), 0);
	creq = read_data(dir, "header-canonical-request.txt", NULL);
	sts = read_data(dir, "header-string-to-sign.txt", NULL);
	sig = read_data(dir, "header-signature.txt", NULL);
	assert_string_equal(o.canonical_request.data, creq);
	assert_string_equal(o.string_to_sign.data, sts);
	assert_non_null(strstr(o.authorization, sig));
	ep_sigv4_out_free(&o);
	ep_buf_free(&path);
	free(creq);
	free(sts);
	free(sig);
	free(req);
	free(ctx_text);
	cJSON_Delete(ctx);
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		print_message("# %s\n", vectors[i]);
		sign_vector(vectors[i]);
	}
}

/* The S3 mode refuses a path that is not encoded, or a bad payload hash. */
static void test_sign_refused(void **state)
{
	struct ep_aws_creds c;
	struct ep_sigv4_req r;
	struct ep_sigv4_out o;

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(c.access_key, sizeof(c.access_key), "AKIDEXAMPLE");
	snprintf(c.secret_key, sizeof(c.secret_key), "secret");
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.host = "b.s3.us-east-1.amazonaws.com";
	r.region = "us-east-1";
	r.service = "s3";
	r.now = 1369353600;
	r.raw_path = 1;
	r.payload_hash = "UNSIGNED-PAYLOAD";
	r.path = "/a b";
	assert_int_equal(ep_sigv4_sign(&r, &c, &o), EP_EINVAL);
	ep_sigv4_out_free(&o);
	r.path = "/a%2";
	assert_int_equal(ep_sigv4_sign(&r, &c, &o), EP_EINVAL);
	ep_sigv4_out_free(&o);
	r.path = "/a%20b/%C3%BC";
	assert_int_equal(ep_sigv4_sign(&r, &c, &o), 0);
	assert_non_null(strstr(o.canonical_request.data, "\n/a%20b/%C3%BC\n"));
	assert_non_null(strstr(o.canonical_request.data, "\nUNSIGNED-PAYLOAD"));
	ep_sigv4_out_free(&o);
	r.payload_hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
	assert_int_equal(ep_sigv4_sign(&r, &c, &o), EP_EINVAL);
	ep_sigv4_out_free(&o);
	r.payload_hash = "abc";
	assert_int_equal(ep_sigv4_sign(&r, &c, &o), EP_EINVAL);
	ep_sigv4_out_free(&o);
}

static void url_ok(const char *url, const char *bucket, const char *key)
{
	struct ep_s3_url u;
	struct ep_diag d = {0};

	assert_int_equal(ep_s3_url_parse(url, &u, &d), 0);
	assert_string_equal(u.bucket, bucket);
	assert_string_equal(u.key, key);
}

static void url_bad(const char *url, const char *why)
{
	struct ep_s3_url u;
	struct ep_diag d = {0};

	assert_int_equal(ep_s3_url_parse(url, &u, &d), EP_EINVAL);
	if (strstr(d.msg, why) == NULL)
		fail_msg("%s: '%s' does not say '%s'", url, d.msg, why);
}

static void test_url_parse(void **state)
{
	char long_key[1100];

	(void)state;
	url_ok("s3://bucket/key", "bucket", "key");
	url_ok("s3://my.bucket-1/run-1/", "my.bucket-1", "run-1/");
	url_ok("s3://abc", "abc", "");
	url_ok("s3://abc/", "abc", "");
	url_ok("s3://b-1/a b/ü c+d%20.ndjson", "b-1", "a b/ü c+d%20.ndjson");
	url_ok("s3://b-1/k//x/../y", "b-1", "k//x/../y"); /* keys are not paths */
	assert_true(ep_s3_url_is("s3://x"));
	assert_false(ep_s3_url_is("S3://x"));
	assert_false(ep_s3_url_is("/tmp/s3://x"));
	url_bad("/tmp/x", "not an s3://");
	url_bad("s3://", "no bucket");
	url_bad("s3:///key", "no bucket");
	url_bad("s3://ab/k", "3 to 63");
	url_bad("s3://a234567890123456789012345678901234567890123456789012345678901234/k", "3 to 63");
	url_bad("s3://My-Bucket/k", "lower-case");
	url_bad("s3://my_bucket/k", "lower-case");
	url_bad("s3://-bucket/k", "begins and ends");
	url_bad("s3://bucket-/k", "begins and ends");
	url_bad("s3://my..bucket/k", "two dots");
	url_bad("s3://192.168.5.4/k", "IP address");
	url_bad("s3://xn--bucket/k", "xn--");
	url_bad("s3://bucket-s3alias/k", "reserves");
	url_bad("s3://bucket--ol-s3/k", "reserves");
	url_bad("s3://bucket/a\nb", "printable UTF-8");
	url_bad("s3://bucket/a\x7f", "printable UTF-8");
	url_bad("s3://bucket/\xc3", "printable UTF-8");
	url_bad("s3://bucket/\xc0\xaf", "printable UTF-8");         /* overlong '/' */
	url_bad("s3://bucket/\xed\xa0\x80", "printable UTF-8");     /* a surrogate */
	memset(long_key, 'k', sizeof(long_key));
	memcpy(long_key, "s3://bucket/", 12);
	long_key[12 + 1024] = '\0';
	url_ok(long_key, "bucket", long_key + 12);
	long_key[12 + 1024] = 'k';
	long_key[12 + 1025] = '\0';
	url_bad(long_key, "at most 1024");
	assert_null(ep_s3_bucket_problem("1.2.3.4a"));
	assert_non_null(ep_s3_bucket_problem("1.2.3.4"));
}

static void test_key_encode(void **state)
{
	struct ep_buf b;

	(void)state;
	ep_buf_init(&b, 4096);
	assert_int_equal(ep_s3_key_encode(&b, "run 1/ü+x~y_z-.ndjson*$%&=?#"), 0);
	assert_string_equal(b.data, "run%201/%C3%BC%2Bx~y_z-.ndjson%2A%24%25%26%3D%3F%23");
	ep_buf_reset(&b);
	/* already-encoded text is data: S3 encodes it again, once */
	assert_int_equal(ep_s3_key_encode(&b, "a%20b//./"), 0);
	assert_string_equal(b.data, "a%2520b//./");
	ep_buf_free(&b);
}

static void where(const char *ep, const char *region, const char *bucket, const char *key,
                  const char *query, const char *url, const char *host, const char *path)
{
	struct ep_s3_where w;

	assert_int_equal(ep_s3_where(&w, ep, region, bucket, key, query), 0);
	assert_string_equal(w.url.data, url);
	assert_string_equal(w.host, host);
	assert_string_equal(w.path.data, path);
	ep_s3_where_free(&w);
}

static void test_where(void **state)
{
	struct ep_s3_where w;

	(void)state;
	where("http://127.0.0.1:9000", "us-east-1", "bkt", "run 1/a.ndjson", NULL,
	      "http://127.0.0.1:9000/bkt/run%201/a.ndjson", "127.0.0.1:9000",
	      "/bkt/run%201/a.ndjson");
	where("http://127.0.0.1:9000/", "us-east-1", "bkt", "", "list-type=2&prefix=a%2F",
	      "http://127.0.0.1:9000/bkt?list-type=2&prefix=a%2F", "127.0.0.1:9000", "/bkt");
	where("https://minio.example:443/base//", "eu-west-1", "bkt", "k", NULL,
	      "https://minio.example:443/base/bkt/k", "minio.example", "/base/bkt/k");
	where("http://s3.local:80", "eu-west-1", "bkt", "k", NULL, "http://s3.local:80/bkt/k",
	      "s3.local", "/bkt/k");
	where("http://[::1]:9000", "us-east-1", "bkt", "k", NULL, "http://[::1]:9000/bkt/k",
	      "[::1]:9000", "/bkt/k");
	where(NULL, "eu-west-1", "bkt", "run/ü.ndjson", NULL,
	      "https://bkt.s3.eu-west-1.amazonaws.com/run/%C3%BC.ndjson",
	      "bkt.s3.eu-west-1.amazonaws.com", "/run/%C3%BC.ndjson");
	where(NULL, "eu-west-1", "bkt", "", "list-type=2",
	      "https://bkt.s3.eu-west-1.amazonaws.com/?list-type=2",
	      "bkt.s3.eu-west-1.amazonaws.com", "/");
	/* dots: no wildcard certificate covers the name, so path-style */
	where(NULL, "us-west-2", "my.bkt", "k", NULL, "https://s3.us-west-2.amazonaws.com/my.bkt/k",
	      "s3.us-west-2.amazonaws.com", "/my.bkt/k");
	where(NULL, "cn-north-1", "bkt", "k", NULL, "https://bkt.s3.cn-north-1.amazonaws.com.cn/k",
	      "bkt.s3.cn-north-1.amazonaws.com.cn", "/k");
	assert_int_equal(ep_s3_where(&w, "ftp://h", "us-east-1", "bkt", "k", NULL), EP_EINVAL);
	ep_s3_where_free(&w);
	assert_int_equal(ep_s3_where(&w, "http://u:p@h", "us-east-1", "bkt", "k", NULL), EP_EINVAL);
	ep_s3_where_free(&w);
	assert_int_equal(ep_s3_where(&w, "http://h/?x=1", "us-east-1", "bkt", "k", NULL), EP_EINVAL);
	ep_s3_where_free(&w);
	assert_int_equal(ep_s3_where(&w, "http://", "us-east-1", "bkt", "k", NULL), EP_EINVAL);
	ep_s3_where_free(&w);
	assert_int_equal(ep_s3_where(&w, NULL, "us-east-1.evil.com/", "bkt", "k", NULL), EP_EINVAL);
	ep_s3_where_free(&w);
	assert_int_equal(ep_s3_where(&w, NULL, "us-east-1", "Bad_Bucket", "k", NULL), EP_EINVAL);
	ep_s3_where_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),  cmocka_unit_test(test_sign_refused),
	    cmocka_unit_test(test_url_parse), cmocka_unit_test(test_key_encode),
	    cmocka_unit_test(test_where),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
