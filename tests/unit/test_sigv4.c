/* SigV4 signer: every botocore aws4_testsuite vector byte for byte, the ECS
 * JSON + session-token example, and the edge cases those vectors miss.
 * Vector files are read from $EP_TESTDATA (default tests/data). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "aws/sign.h"
#include "base/err.h"

#define VECTOR_TIME   INT64_C(1440938160) /* 20150830T123600Z */
#define ECS_TIME      INT64_C(1795954891) /* 20261129T122131Z */
#define MAX_FILE      (1u << 20)
#define MAX_HEADERS   32
#define BOTOCORE      "sigv4/botocore"
#define EXAMPLE_TOKEN "AQoDYXdzEPT//////////wEXAMPLE"

/* Every vector of the botocore suite, as a path under BOTOCORE. */
static const char *const vectors[] = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-value",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "normalize-path/get-relative",
    "normalize-path/get-relative-relative",
    "normalize-path/get-slash",
    "normalize-path/get-slash-dot-slash",
    "normalize-path/get-slash-pointless-dot",
    "normalize-path/get-slashes",
    "normalize-path/get-space",
    "normalize-path/get-special-character",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-token/post-sts-header-after",
    "post-sts-token/post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static const char *testdata(void)
{
	const char *d = getenv("EP_TESTDATA");

	return (d != NULL && d[0] != '\0') ? d : "tests/data";
}

/* Whole file, NUL-terminated, capped at MAX_FILE; *len excludes the NUL. */
static char *read_data(const char *rel, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	size_t n;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", testdata(), rel) < sizeof(path));
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run from the source tree or set EP_TESTDATA)", path);
	buf = malloc(MAX_FILE + 1);
	assert_non_null(buf);
	n = fread(buf, 1, MAX_FILE + 1, f);
	fclose(f);
	assert_true(n <= MAX_FILE);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static char *dup_range(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void example_creds(struct ep_aws_creds *c, char *token)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->access_key, "AKIDEXAMPLE", sizeof("AKIDEXAMPLE"));
	memcpy(c->secret_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	       sizeof("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
	c->session_token = token;
}

/* A .req file: request line, header lines (obs-fold continuation lines joined
 * with one space, RFC 9112 5.2), blank line, body.  Header values are heap
 * copies; the rest points into text. */
struct parsed_req {
	char *text;
	const char *method, *target, *query, *host;
	char *names[MAX_HEADERS], *values[MAX_HEADERS];
	size_t n;
	const char *body;
	size_t body_len;
};

static char *next_line(char **cur, char *end)
{
	char *line = *cur, *nl = memchr(line, '\n', (size_t)(end - line));

	if (nl != NULL) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = end;
	}
	if (nl != NULL && nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	return line;
}

static void parse_req(struct parsed_req *p, char *text, size_t len)
{
	char *cur = text, *end = text + len, *line, *sp1, *sp2, *q;

	memset(p, 0, sizeof(*p));
	p->text = text;
	line = next_line(&cur, end);
	sp1 = strchr(line, ' ');
	sp2 = strrchr(line, ' ');
	/* the target may hold spaces (get-space): the version is after the last */
	assert_true(sp1 != NULL && sp2 > sp1 && strncmp(sp2 + 1, "HTTP/", 5) == 0);
	*sp1 = '\0';
	*sp2 = '\0';
	p->method = line;
	p->target = sp1 + 1;
	q = strchr(sp1 + 1, '?');
	if (q != NULL) {
		*q = '\0';
		p->query = q + 1;
	}
	while (cur < end) {
		char *colon;

		line = next_line(&cur, end);
		if (line[0] == '\0') {
			p->body = cur;
			p->body_len = (size_t)(end - cur);
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			size_t old, add;

			assert_true(p->n > 0);
			line += strspn(line, " \t");
			old = strlen(p->values[p->n - 1]);
			add = strlen(line);
			p->values[p->n - 1] = realloc(p->values[p->n - 1], old + add + 2);
			assert_non_null(p->values[p->n - 1]);
			p->values[p->n - 1][old] = ' ';
			memcpy(p->values[p->n - 1] + old + 1, line, add + 1);
			continue;
		}
		colon = strchr(line, ':');
		assert_non_null(colon);
		assert_true(p->n < MAX_HEADERS);
		p->names[p->n] = dup_range(line, (size_t)(colon - line));
		p->values[p->n] = dup_range(colon + 1, strlen(colon + 1));
		p->n++;
	}
}

static void free_req(struct parsed_req *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->names[i]);
		free(p->values[i]);
	}
	free(p->text);
}

/* Turns the parsed headers into a signer request.  The vectors carry the
 * headers the signer itself adds; they are handled as botocore's
 * SigV4Auth.add_auth does: Host becomes r->host, X-Amz-Date is dropped and
 * replaced by the signer's own (the same time here), X-Amz-Security-Token is
 * dropped and re-added from the credentials. */
static size_t to_sign_req(const struct parsed_req *p, struct ep_sigv4_req *r,
                          struct ep_http_header *h)
{
	size_t k = 0;

	memset(r, 0, sizeof(*r));
	r->method = p->method;
	r->path = p->target;
	r->query = p->query;
	r->body = p->body_len ? p->body : NULL;
	r->body_len = p->body_len;
	r->region = "us-east-1";
	r->service = "service";
	r->now = VECTOR_TIME;
	for (size_t i = 0; i < p->n; i++) {
		if (strcasecmp(p->names[i], "host") == 0)
			r->host = p->values[i] + strspn(p->values[i], " \t");
		else if (strcasecmp(p->names[i], "x-amz-date") != 0 &&
		         strcasecmp(p->names[i], "x-amz-security-token") != 0)
			h[k++] = (struct ep_http_header){p->names[i], p->values[i]};
	}
	r->headers = h;
	r->nheaders = k;
	return k;
}

/* botocore's test takes the token from the expected canonical request; so do
 * we.  post-sts-header-after therefore signs without one: that vector adds the
 * token after signing, which ecsprobe never does. */
static char *token_from_creq(const char *creq)
{
	const char *t = strstr(creq, "\nx-amz-security-token:");
	size_t n;

	if (t == NULL)
		return NULL;
	t += strlen("\nx-amz-security-token:");
	n = strcspn(t, "\n");
	return dup_range(t, n);
}

static char *read_vector_file(const char *rel, const char *ext, size_t *len)
{
	const char *base = strrchr(rel, '/');
	char path[1024];

	base = base ? base + 1 : rel;
	assert_true((size_t)snprintf(path, sizeof(path), BOTOCORE "/%s/%s.%s", rel, base, ext) <
	            sizeof(path));
	return read_data(path, len);
}

static void test_vector(void **state)
{
	const char *rel = *state;
	struct parsed_req p;
	struct ep_sigv4_req r;
	struct ep_http_header h[MAX_HEADERS];
	struct ep_aws_creds c;
	struct ep_sigv4_out out;
	size_t len;
	char *req = read_vector_file(rel, "req", &len);
	char *creq = read_vector_file(rel, "creq", NULL);
	char *sts = read_vector_file(rel, "sts", NULL);
	char *authz = read_vector_file(rel, "authz", NULL);
	char *token = token_from_creq(creq);

	parse_req(&p, req, len);
	to_sign_req(&p, &r, h);
	example_creds(&c, token);
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	assert_string_equal(out.canonical_request.data, creq);
	assert_string_equal(out.string_to_sign.data, sts);
	assert_string_equal(out.authorization, authz);
	assert_string_equal(out.amz_date, "20150830T123600Z");
	ep_sigv4_out_free(&out);
	free_req(&p);
	free(creq);
	free(sts);
	free(authz);
	free(token);
}

static int listed(const char *rel)
{
	for (size_t i = 0; i < NVECTORS; i++)
		if (strcmp(vectors[i], rel) == 0)
			return 1;
	return 0;
}

/* Counts directories under BOTOCORE holding a .req file, failing on any the
 * table above does not list, so a vector added to tests/data is never
 * silently skipped. */
static size_t walk(const char *rel, int depth)
{
	char dir[4096], sub[1024];
	struct dirent *de;
	size_t found = 0;
	DIR *d;

	assert_true((size_t)snprintf(dir, sizeof(dir), "%s/" BOTOCORE "%s%s", testdata(),
	                             rel[0] ? "/" : "", rel) < sizeof(dir));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (n > 4 && strcmp(de->d_name + n - 4, ".req") == 0) {
			if (!listed(rel))
				fail_msg("vector %s is not in the table", rel);
			found++;
		} else if (depth < 2 && strchr(de->d_name, '.') == NULL &&
		           strcmp(de->d_name, "LICENSE") != 0 &&
		           strcmp(de->d_name, "NOTICE") != 0) {
			assert_true((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel,
			                             rel[0] ? "/" : "", de->d_name) < sizeof(sub));
			found += walk(sub, depth + 1);
		}
	}
	closedir(d);
	return found;
}

static void test_every_vector_listed(void **state)
{
	(void)state;
	assert_int_equal(walk("", 0), NVECTORS);
}

/* Returns the text between the line after `start` and `stop` (exclusive). */
static char *section(const char *text, const char *start, const char *stop)
{
	const char *s = strstr(text, start), *e;

	assert_non_null(s);
	s = strchr(s, '\n');
	assert_non_null(s);
	s++;
	e = stop ? strstr(s, stop) : s + strlen(s);
	assert_non_null(e);
	return dup_range(s, (size_t)(e - s));
}

static const char *header_of(const struct parsed_req *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcasecmp(p->names[i], name) == 0)
			return p->values[i] + strspn(p->values[i], " \t");
	fail_msg("no %s header", name);
	return NULL;
}

/* ECS ListTasks as ecsprobe sends it: JSON 1.1, X-Amz-Target, session token,
 * an endpoint with a port.  Accept and Content-Length are sent but not signed. */
static void test_ecs_json_token(void **state)
{
	char *file = read_data("sigv4/example-ecs-json-token.txt", NULL);
	char *sent = section(file, "=== request as sent", "\n=== botocore canonical");
	char *creq = section(file, "=== botocore canonical request", "\n\n=== botocore string");
	char *sts = section(file, "=== botocore string to sign", NULL);
	size_t sent_len = strlen(sent), body_len;
	char *text = malloc(sent_len + 32);
	struct parsed_req p;
	struct ep_sigv4_req r;
	struct ep_http_header h[2];
	struct ep_aws_creds c;
	struct ep_sigv4_out out;
	char *token;

	(void)state;
	/* the section is headers only; give it a request line to reuse parse_req */
	assert_non_null(text);
	memcpy(text, "POST / HTTP/1.1\n", 16);
	memcpy(text + 16, sent, sent_len + 1);
	parse_req(&p, text, 16 + sent_len);
	body_len = (size_t)strtoul(header_of(&p, "Content-Length"), NULL, 10);
	assert_true(body_len <= p.body_len);
	/* the file ends with a newline the string to sign does not have */
	assert_true(strlen(sts) > 0 && sts[strlen(sts) - 1] == '\n');
	sts[strlen(sts) - 1] = '\0';

	memset(&r, 0, sizeof(r));
	h[0] = (struct ep_http_header){"Content-Type", header_of(&p, "Content-Type")};
	h[1] = (struct ep_http_header){"X-Amz-Target", header_of(&p, "X-Amz-Target")};
	r.method = "POST";
	r.host = header_of(&p, "Host");
	r.path = "/";
	r.headers = h;
	r.nheaders = 2;
	r.body = p.body;
	r.body_len = body_len;
	r.region = "us-east-1";
	r.service = "ecs";
	r.now = ECS_TIME;
	token = dup_range(header_of(&p, "X-Amz-Security-Token"),
	                  strlen(header_of(&p, "X-Amz-Security-Token")));
	example_creds(&c, token);
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	assert_string_equal(out.amz_date, header_of(&p, "X-Amz-Date"));
	assert_string_equal(out.canonical_request.data, creq);
	assert_string_equal(out.string_to_sign.data, sts);
	assert_string_equal(out.authorization, header_of(&p, "Authorization"));
	assert_int_equal(out.nheaders, 3);
	assert_string_equal(out.headers[1].name, "X-Amz-Security-Token");
	assert_ptr_equal(out.headers[1].value, token);
	ep_sigv4_out_free(&out);
	free_req(&p);
	free(token);
	free(file);
	free(sent);
	free(creq);
	free(sts);
}

static void base_req(struct ep_sigv4_req *r)
{
	memset(r, 0, sizeof(*r));
	r->method = "POST";
	r->host = "ec2.us-east-1.amazonaws.com";
	r->path = "/";
	r->region = "us-east-1";
	r->service = "ec2";
	r->now = VECTOR_TIME;
}

/* The EC2/STS/ELBv2 shape: form body plus a session token (no official
 * vector has both).  The token is signed; x-amz-content-sha256 is not added;
 * the payload hash covers every body byte, NULs included. */
static void test_form_body_with_token(void **state)
{
	static const char form[] = "Action=DescribeInstances&Version=2016-11-15";
	const struct ep_http_header h[] = {
	    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
	struct ep_sigv4_req r;
	struct ep_aws_creds c;
	struct ep_sigv4_out out;
	unsigned char md[32];
	char hex[65];
	char *big;
	char token[] = EXAMPLE_TOKEN;

	(void)state;
	base_req(&r);
	r.headers = h;
	r.nheaders = 1;
	r.body = form;
	r.body_len = sizeof(form) - 1;
	example_creds(&c, token);
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	assert_non_null(strstr(out.canonical_request.data,
	                       "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
	                       "host:ec2.us-east-1.amazonaws.com\n"
	                       "x-amz-date:20150830T123600Z\n"
	                       "x-amz-security-token:" EXAMPLE_TOKEN "\n\n"
	                       "content-type;host;x-amz-date;x-amz-security-token\n"));
	assert_null(strstr(out.canonical_request.data, "x-amz-content-sha256"));
	assert_int_equal(out.nheaders, 3);
	assert_string_equal(out.headers[0].name, "X-Amz-Date");
	assert_string_equal(out.headers[0].value, "20150830T123600Z");
	assert_string_equal(out.headers[1].value, EXAMPLE_TOKEN);
	assert_string_equal(out.headers[2].name, "Authorization");
	assert_ptr_equal(out.headers[2].value, out.authorization);
	assert_non_null(strstr(out.authorization, "Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/"
	                                          "aws4_request, SignedHeaders=content-type;host;"
	                                          "x-amz-date;x-amz-security-token, Signature="));
	assert_null(strstr(out.string_to_sign.data, c.secret_key));
	ep_sigv4_out_free(&out);

	big = malloc(100000);
	assert_non_null(big);
	for (size_t i = 0; i < 100000; i++)
		big[i] = (char)(i * 7);
	r.body = big;
	r.body_len = 100000;
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	assert_int_equal(EVP_Digest(big, 100000, md, NULL, EVP_sha256(), NULL), 1);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(out.canonical_request.data + out.canonical_request.len - 64, hex);
	ep_sigv4_out_free(&out);
	ep_sigv4_out_free(&out); /* twice is safe */
	free(big);
}

/* Names sorted whole: a prefix comes first, though '-' < ':' would put
 * "x-amz-target-extra:" before "x-amz-target:" in a sort of whole lines. */
static void test_header_prefix_order(void **state)
{
	const struct ep_http_header h[] = {
	    {"X-Amz-Target-Extra", "1"}, {"X-Amz-Target", " 2 "}, {"X-Amz-Date-Note", "a\t\tb"}};
	struct ep_sigv4_req r;
	struct ep_aws_creds c;
	struct ep_sigv4_out out;

	(void)state;
	base_req(&r);
	r.host = "127.0.0.1:5001";
	r.headers = h;
	r.nheaders = 3;
	example_creds(&c, NULL);
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	assert_non_null(
	    strstr(out.canonical_request.data,
	           "\nhost:127.0.0.1:5001\n"
	           "x-amz-date:20150830T123600Z\n"
	           "x-amz-date-note:a b\n"
	           "x-amz-target:2\n"
	           "x-amz-target-extra:1\n\n"
	           "host;x-amz-date;x-amz-date-note;x-amz-target;x-amz-target-extra\n"));
	assert_int_equal(out.nheaders, 2);
	ep_sigv4_out_free(&out);
}

static void check_line(const char *path, const char *query, const char *want_uri,
                       const char *want_query)
{
	struct ep_sigv4_req r;
	struct ep_aws_creds c;
	struct ep_sigv4_out out;
	char want[512];

	base_req(&r);
	r.method = "GET";
	r.path = path;
	r.query = query;
	example_creds(&c, NULL);
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	snprintf(want, sizeof(want), "GET\n%s\n%s\nhost:", want_uri, want_query);
	assert_memory_equal(out.canonical_request.data, want, strlen(want));
	ep_sigv4_out_free(&out);
}

static void test_uri_and_query(void **state)
{
	(void)state;
	check_line(NULL, NULL, "/", "");
	check_line("", "", "/", "");
	check_line("/a/./b/../c//d/", NULL, "/a/c/d/", "");
	check_line("/..", NULL, "/", "");
	check_line("/a/.", NULL, "/a", ""); /* as botocore: no trailing '/' */
	/* the wire form is encoded again for non-S3 services */
	check_line("/x%20y", NULL, "/x%2520y", "");
	check_line("/federation/credentials", "role_name=r&account_id=1", "/federation/credentials",
	           "account_id=1&role_name=r");
	check_line("/", "b=2&a=1&a=&c&&k=%7e+x%2f&%zz=%", "/",
	           "%25zz=%25&a=&a=1&b=2&c=&k=~%20x%2F");
	check_line("/", "=&=", "/", "=&="); /* empty names and values (found by fuzzing) */
}

static int sign_rc(const struct ep_sigv4_req *r, char *token)
{
	struct ep_aws_creds c;
	struct ep_sigv4_out out;
	int rc;

	example_creds(&c, token);
	rc = ep_sigv4_sign(r, &c, &out);
	if (rc)
		assert_int_equal(out.nheaders, 0);
	ep_sigv4_out_free(&out);
	return rc;
}

static void test_refused(void **state)
{
	static const char *const reserved[] = {"HOST", "X-Amz-Date", "x-amz-security-token",
	                                       "Authorization"};
	struct ep_http_header h[EP_SIGV4_MAX_HEADERS + 1];
	struct ep_sigv4_req r;
	char token_bad[] = "abc\r\nX-Evil: 1";
	char *path;

	(void)state;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		base_req(&r);
		h[0] = (struct ep_http_header){reserved[i], "x"};
		r.headers = h;
		r.nheaders = 1;
		assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);
	}
	h[0] = (struct ep_http_header){"X-Ok", "a\r\nX-Evil: 1"};
	assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);
	h[0] = (struct ep_http_header){"Bad Name", "1"};
	assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);
	base_req(&r);
	assert_int_equal(sign_rc(&r, token_bad), EP_EINVAL);
	r.path = "relative";
	assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);
	base_req(&r);
	r.region = "us-east-1/x";
	assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);
	base_req(&r);
	r.host = "a b";
	assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);
	base_req(&r);
	r.body_len = 1;
	assert_int_equal(sign_rc(&r, NULL), EP_EINVAL);

	base_req(&r);
	for (size_t i = 0; i <= EP_SIGV4_MAX_HEADERS; i++)
		h[i] = (struct ep_http_header){"X-Many", "1"};
	r.headers = h;
	r.nheaders = EP_SIGV4_MAX_HEADERS + 1;
	assert_int_equal(sign_rc(&r, NULL), EP_ERANGE);
	r.nheaders = EP_SIGV4_MAX_HEADERS;
	assert_int_equal(sign_rc(&r, NULL), 0);
	base_req(&r);
	path = malloc(EP_SIGV4_MAX_PATH + 2);
	assert_non_null(path);
	memset(path, 'a', EP_SIGV4_MAX_PATH + 1);
	path[0] = '/';
	path[EP_SIGV4_MAX_PATH + 1] = '\0';
	r.path = path;
	assert_int_equal(sign_rc(&r, NULL), EP_ERANGE);
	free(path);
	base_req(&r);
	r.now = -1;
	assert_int_equal(sign_rc(&r, NULL), EP_ERANGE);
	r.now = INT64_C(253402300800);
	assert_int_equal(sign_rc(&r, NULL), EP_ERANGE);
	assert_int_equal(ep_sigv4_sign(&r, NULL, NULL), EP_EINVAL);
}

static void check_date(int64_t t, const char *want)
{
	struct ep_sigv4_req r;
	struct ep_aws_creds c;
	struct ep_sigv4_out out;

	base_req(&r);
	r.now = t;
	example_creds(&c, NULL);
	assert_int_equal(ep_sigv4_sign(&r, &c, &out), 0);
	assert_string_equal(out.amz_date, want);
	ep_sigv4_out_free(&out);
}

static void test_dates(void **state)
{
	(void)state;
	check_date(0, "19700101T000000Z");
	check_date(951782400, "20000229T000000Z");
	check_date(1709251199, "20240229T235959Z");
	check_date(4107542400, "21000301T000000Z");
	check_date(INT64_C(253402300799), "99991231T235959Z");
}

int main(void)
{
	struct CMUnitTest tests[NVECTORS + 7];
	const struct CMUnitTest own[] = {
	    cmocka_unit_test(test_every_vector_listed),
	    cmocka_unit_test(test_ecs_json_token),
	    cmocka_unit_test(test_form_body_with_token),
	    cmocka_unit_test(test_header_prefix_order),
	    cmocka_unit_test(test_uri_and_query),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_dates),
	};
	size_t n = 0;

	/* one cmocka test per vector, named after it */
	for (size_t i = 0; i < NVECTORS; i++) {
		memset(&tests[n], 0, sizeof(tests[n]));
		tests[n].name = vectors[i];
		tests[n].test_func = test_vector;
		tests[n].initial_state = (void *)(uintptr_t)vectors[i];
		n++;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		tests[n++] = own[i];
	/* the array is filled at run time, so not cmocka_run_group_tests (sizeof) */
	return _cmocka_run_group_tests("sigv4", tests, n, NULL, NULL);
}
