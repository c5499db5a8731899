/* s3:// URLs and where their requests go: S3's bucket naming rules, key
 * encoding as S3 signs it (once, '/' kept), and the request URL, Host and
 * signed path for path-style and virtual-hosted addressing.  Pure. */
#include "aws/s3.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Four dot-separated decimal numbers: S3 refuses names shaped like an IPv4
 * address, whatever their values. */
static int looks_like_ipv4(const char *s)
{
	int parts = 0, digits = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			digits++;
			continue;
		}
		if (digits == 0 || (*s != '.' && *s != '\0'))
			return 0;
		parts++;
		digits = 0;
		if (*s == '\0')
			return parts == 4;
	}
}

const char *ep_s3_bucket_problem(const char *name)
{
	static const char *const bad_prefix[] = {"xn--", "sthree-", "amzn-s3-demo-"};
	static const char *const bad_suffix[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
	                                         "--table-s3"};
	size_t n = strnlen(name, 64);

	if (n < 3 || n > 63)
		return "a bucket name has 3 to 63 characters";
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!is_lower_digit(c) && c != '-' && c != '.')
			return "a bucket name has only lower-case letters, digits, '-' and '.'";
		if (c == '.' && i > 0 && name[i - 1] == '.')
			return "a bucket name has no two dots in a row";
	}
	if (!is_lower_digit(name[0]) || !is_lower_digit(name[n - 1]))
		return "a bucket name begins and ends with a letter or digit";
	if (looks_like_ipv4(name))
		return "a bucket name is not an IP address";
	for (size_t i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++)
		if (strncmp(name, bad_prefix[i], strlen(bad_prefix[i])) == 0)
			return "a bucket name does not begin with xn--, sthree- or amzn-s3-demo-";
	for (size_t i = 0; i < sizeof(bad_suffix) / sizeof(bad_suffix[0]); i++)
		if (ends_with(name, n, bad_suffix[i]))
			return "a bucket name does not end with a suffix S3 reserves (-s3alias, "
			       "--ol-s3, .mrap, --x-s3, --table-s3)";
	return NULL;
}

/* Length of the UTF-8 sequence at p (1..4), or 0 if it is not one: S3 keys
 * are UTF-8, and a stray byte would be refused by S3 only after a scan. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	unsigned min;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		min = 0x80;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		min = 0x800;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		min = 0x10000;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int ep_s3_url_is(const char *s)
{
	return s != NULL && strncmp(s, "s3://", 5) == 0;
}

int ep_s3_url_parse(const char *url, struct ep_s3_url *u, struct ep_diag *d)
{
	const char *b, *slash, *why;
	size_t bl, kl;

	memset(u, 0, sizeof(*u));
	if (!ep_s3_url_is(url))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "'%.200s' is not an s3://BUCKET/KEY URL",
		                   url ? url : "");
	b = url + 5;
	slash = strchr(b, '/');
	bl = slash ? (size_t)(slash - b) : strlen(b);
	if (bl == 0)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%.200s: no bucket name", url);
	if (bl >= sizeof(u->bucket))
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "%.200s: a bucket name has 3 to 63 characters", url);
	memcpy(u->bucket, b, bl);
	why = ep_s3_bucket_problem(u->bucket);
	if (why)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%.200s: bucket '%s': %s", url, u->bucket,
		                   why);
	if (slash == NULL)
		return 0;
	kl = strlen(slash + 1);
	if (kl > EP_S3_MAX_KEY)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%.120s...: a key has at most %d bytes", url,
		                   EP_S3_MAX_KEY);
	for (size_t i = 0; i < kl;) {
		const unsigned char *p = (const unsigned char *)slash + 1 + i;
		size_t n = utf8_len(p);

		if (n == 0 || *p < 0x20 || *p == 0x7f)
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "%.200s: byte %zu of the key is not printable UTF-8",
			                   url, i + 1);
		i += n;
	}
	memcpy(u->key, slash + 1, kl + 1);
	return 0;
}

int ep_s3_key_encode(struct ep_buf *b, const char *key)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *key && rc == 0; key++) {
		unsigned char c = (unsigned char)*key;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
			rc = ep_buf_addc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			rc = ep_buf_add(b, e, 3);
		}
	}
	return rc;
}

const char *ep_s3_endpoint_env(void)
{
	const char *v = getenv("AWS_ENDPOINT_URL_S3");

	if (v == NULL || *v == '\0')
		v = getenv("AWS_ENDPOINT_URL");
	return v && *v ? v : NULL;
}

/* Regions go into host names: letters, digits and '-' only. */
static int region_ok(const char *r)
{
	size_t n = 0;

	for (; r[n]; n++)
		if (n >= 32 || !(is_lower_digit(r[n]) || r[n] == '-'))
			return 0;
	return n > 0;
}

/* Splits an endpoint override into scheme, authority and base path, and
 * builds the Host header: curl leaves out :80 for http and :443 for https. */
static int split_endpoint(struct ep_s3_where *w, const char *ep, size_t *scheme_len,
                          const char **auth, size_t *auth_len, const char **base)
{
	const char *p, *end;
	int https;

	if (strncasecmp(ep, "http://", 7) == 0) {
		*scheme_len = 7;
		https = 0;
	} else if (strncasecmp(ep, "https://", 8) == 0) {
		*scheme_len = 8;
		https = 1;
	} else {
		return EP_EINVAL;
	}
	p = ep + *scheme_len;
	end = p + strcspn(p, "/?#");
	if (end == p || memchr(p, '@', (size_t)(end - p)) || strpbrk(end, "?#"))
		return EP_EINVAL;
	*auth = p;
	*auth_len = (size_t)(end - p);
	*base = end;
	if (*auth_len >= sizeof(w->host))
		return EP_EINVAL;
	memcpy(w->host, p, *auth_len);
	w->host[*auth_len] = '\0';
	if ((https && ends_with(w->host, *auth_len, ":443")) ||
	    (!https && ends_with(w->host, *auth_len, ":80")))
		w->host[strrchr(w->host, ':') - w->host] = '\0';
	return 0;
}

int ep_s3_where(struct ep_s3_where *w, const char *endpoint, const char *region, const char *bucket,
                const char *key, const char *query)
{
	int rc = 0;

	ep_buf_init(&w->url, 64 * 1024);
	ep_buf_init(&w->path, 16 * 1024);
	w->host[0] = '\0';
	if (!region_ok(region) || ep_s3_bucket_problem(bucket) != NULL)
		return EP_EINVAL;
	if (endpoint != NULL) {
		const char *auth, *base;
		size_t sl, al, bl;

		rc = split_endpoint(w, endpoint, &sl, &auth, &al, &base);
		if (rc)
			return rc;
		bl = strlen(base);
		while (bl > 0 && base[bl - 1] == '/')
			bl--;
		rc = ep_buf_add(&w->path, base, bl);
		if (rc == 0)
			rc = ep_buf_printf(&w->path, "/%s", bucket);
		if (rc == 0)
			rc = ep_buf_add(&w->url, endpoint, sl + al);
	} else if (strchr(bucket, '.') != NULL) {
		snprintf(w->host, sizeof(w->host), "s3.%s.amazonaws.com%s", region,
		         strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
		rc = ep_buf_printf(&w->path, "/%s", bucket);
		if (rc == 0)
			rc = ep_buf_printf(&w->url, "https://%s", w->host);
	} else {
		snprintf(w->host, sizeof(w->host), "%s.s3.%s.amazonaws.com%s", bucket, region,
		         strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
		rc = ep_buf_printf(&w->url, "https://%s", w->host);
	}
	/* a bucket-level request (a listing) has no trailing '/' in path style,
	 * as botocore sends it; virtual-hosted style always has a path */
	if (rc == 0 && (key[0] != '\0' || w->path.len == 0))
		rc = ep_buf_addc(&w->path, '/');
	if (rc == 0)
		rc = ep_s3_key_encode(&w->path, key);
	if (rc == 0)
		rc = ep_buf_add(&w->url, w->path.data, w->path.len);
	if (rc == 0 && query != NULL && *query != '\0')
		rc = ep_buf_printf(&w->url, "?%s", query);
	return rc;
}

void ep_s3_where_free(struct ep_s3_where *w)
{
	ep_buf_free(&w->url);
	ep_buf_free(&w->path);
}
