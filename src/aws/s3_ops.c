/* S3 operations on the client core (s3.c): a file to an object (PutObject,
 * or a multipart upload that only ever shows the whole object), an object
 * into a file (GetObject, streamed), and a prefix's objects
 * (ListObjectsV2, every page). */
#include "aws/s3_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/call.h"
#include "base/log.h"

#define S3_NS     "http://s3.amazonaws.com/doc/2006-03-01/"
#define MAX_PAGES 100000

/* Reads exactly n bytes of fd at off (pread: the file position is the
 * writer's business). */
static int read_at(int fd, char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return EP_EIO;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int put_one(struct ep_s3 *s, const struct ep_s3_url *u, int fd, uint64_t size,
                   const char *content_type, struct ep_diag *d)
{
	struct ep_s3_req r = {.op = "PutObject",
	                      .method = "PUT",
	                      .bucket = u->bucket,
	                      .key = u->key,
	                      .content_type = content_type};
	struct ep_s3_answer a;
	char *buf = malloc(size ? (size_t)size : 1);
	int rc;

	if (buf == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "PutObject: out of memory for %llu bytes",
		                   (unsigned long long)size);
	rc = read_at(fd, buf, (size_t)size, 0);
	if (rc) {
		free(buf);
		return ep_diag_set(d, rc, 0, 0, "PutObject: cannot read the local file: %s",
		                   strerror(errno));
	}
	r.body = buf;
	r.body_len = (size_t)size;
	rc = ep_s3_request(s, &r, &a, d);
	free(buf);
	return rc;
}

/* Appends s with XML's five special characters escaped. */
static int add_xml_text(struct ep_buf *b, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		switch (*s) {
		case '&':
			rc = ep_buf_adds(b, "&amp;");
			break;
		case '<':
			rc = ep_buf_adds(b, "&lt;");
			break;
		case '>':
			rc = ep_buf_adds(b, "&gt;");
			break;
		case '"':
			rc = ep_buf_adds(b, "&quot;");
			break;
		case '\'':
			rc = ep_buf_adds(b, "&apos;");
			break;
		default:
			rc = ep_buf_addc(b, *s);
		}
	}
	return rc;
}

struct mpu {
	struct ep_s3 *s;
	const struct ep_s3_url *u;
	char id[1025];
	struct ep_buf enc_id;   /* the upload id, URL-encoded */
	struct ep_buf complete; /* the CompleteMultipartUpload body, part by part */
	struct ep_buf query;
};

static int mpu_create(struct mpu *m, const char *content_type, struct ep_diag *d)
{
	struct ep_s3_req r = {.op = "CreateMultipartUpload",
	                      .method = "POST",
	                      .bucket = m->u->bucket,
	                      .key = m->u->key,
	                      .query = "uploads",
	                      .content_type = content_type};
	struct ep_s3_answer a;
	int rc = ep_s3_request(m->s, &r, &a, d);

	if (rc)
		return rc;
	if (ep_s3_upload_id_parse(a.body, a.len, m->id, sizeof(m->id)))
		return ep_diag_set(
		    d, EP_EIO, 0, 0,
		    "CreateMultipartUpload s3://%s/%.100s: no upload id in the answer",
		    m->u->bucket, m->u->key);
	rc = ep_aws_urlencode(&m->enc_id, m->id);
	if (rc == 0)
		rc = ep_buf_adds(&m->complete, "<CompleteMultipartUpload xmlns=\"" S3_NS "\">");
	return rc ? ep_diag_set(d, rc, 0, 0, "out of memory") : 0;
}

static int mpu_part(struct mpu *m, unsigned number, const char *data, size_t len, struct ep_diag *d)
{
	struct ep_s3_req r = {.op = "UploadPart",
	                      .method = "PUT",
	                      .bucket = m->u->bucket,
	                      .key = m->u->key,
	                      .body = data,
	                      .body_len = len};
	struct ep_s3_answer a;
	char etag[160];
	int rc;

	ep_buf_reset(&m->query);
	rc = ep_buf_printf(&m->query, "partNumber=%u&uploadId=%s", number, m->enc_id.data);
	if (rc)
		return ep_diag_set(d, rc, 0, 0, "out of memory");
	r.query = m->query.data;
	rc = ep_s3_request(m->s, &r, &a, d);
	if (rc)
		return rc;
	if (ep_s3_header(a.head, a.head_len, "ETag", etag, sizeof(etag)) || etag[0] == '\0' ||
	    strlen(etag) >= sizeof(etag) - 1)
		return ep_diag_set(d, EP_EIO, 0, 0, "UploadPart %u of s3://%s/%.100s: no ETag",
		                   number, m->u->bucket, m->u->key);
	rc = ep_buf_printf(&m->complete, "<Part><PartNumber>%u</PartNumber><ETag>", number);
	if (rc == 0)
		rc = add_xml_text(&m->complete, etag);
	if (rc == 0)
		rc = ep_buf_adds(&m->complete, "</ETag></Part>");
	return rc ? ep_diag_set(d, rc, 0, 0, "out of memory") : 0;
}

static int mpu_complete(struct mpu *m, struct ep_diag *d)
{
	struct ep_s3_req r = {.op = "CompleteMultipartUpload",
	                      .method = "POST",
	                      .bucket = m->u->bucket,
	                      .key = m->u->key,
	                      .content_type = "application/xml",
	                      .error_in_200 = 1};
	struct ep_s3_answer a;
	int rc = ep_buf_adds(&m->complete, "</CompleteMultipartUpload>");

	ep_buf_reset(&m->query);
	if (rc == 0)
		rc = ep_buf_printf(&m->query, "uploadId=%s", m->enc_id.data);
	if (rc)
		return ep_diag_set(d, rc, 0, 0, "out of memory");
	r.query = m->query.data;
	r.body = m->complete.data;
	r.body_len = m->complete.len;
	return ep_s3_request(m->s, &r, &a, d);
}

/* Best effort: the parts of a failed upload cost storage until aborted (or
 * until a bucket lifecycle rule removes them). */
static void mpu_abort(struct mpu *m)
{
	struct ep_s3_req r = {.op = "AbortMultipartUpload",
	                      .method = "DELETE",
	                      .bucket = m->u->bucket,
	                      .key = m->u->key};
	struct ep_s3_answer a;
	struct ep_diag d = {0};

	ep_buf_reset(&m->query);
	if (ep_buf_printf(&m->query, "uploadId=%s", m->enc_id.data))
		return;
	r.query = m->query.data;
	if (ep_s3_request(m->s, &r, &a, &d))
		ep_log(EP_LOG_WARN, "s3",
		       "%s (the upload's parts stay until a lifecycle rule "
		       "removes them)",
		       d.msg);
}

static int put_parts(struct ep_s3 *s, const struct ep_s3_url *u, int fd, uint64_t size,
                     uint64_t part, const char *content_type, struct ep_diag *d)
{
	struct mpu m = {.s = s, .u = u};
	uint64_t nparts = (size + part - 1) / part;
	char *buf = malloc((size_t)part);
	int rc;

	if (buf == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "s3: out of memory for a %llu-byte part",
		                   (unsigned long long)part);
	ep_buf_init(&m.enc_id, 4096);
	ep_buf_init(&m.complete, 2u << 20); /* 10000 parts of ~120 bytes */
	ep_buf_init(&m.query, 8192);
	rc = mpu_create(&m, content_type, d);
	for (uint64_t i = 0; rc == 0 && i < nparts; i++) {
		uint64_t off = i * part;
		size_t len = (size_t)(size - off < part ? size - off : part);

		rc = read_at(fd, buf, len, off);
		if (rc)
			rc = ep_diag_set(d, rc, 0, 0, "UploadPart: cannot read the local file: %s",
			                 strerror(errno));
		else
			rc = mpu_part(&m, (unsigned)(i + 1), buf, len, d);
	}
	if (rc == 0)
		rc = mpu_complete(&m, d);
	if (rc && m.id[0])
		mpu_abort(&m);
	free(buf);
	ep_buf_free(&m.enc_id);
	ep_buf_free(&m.complete);
	ep_buf_free(&m.query);
	return rc;
}

int ep_s3_put_file(struct ep_s3 *s, const struct ep_s3_url *u, int fd, uint64_t size,
                   uint64_t part_size, const char *content_type, struct ep_diag *d)
{
	uint64_t part = part_size ? part_size : EP_S3_DEFAULT_PART;

	if (u->key[0] == '\0' || u->key[strlen(u->key) - 1] == '/')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "s3://%s/%.100s names no object", u->bucket,
		                   u->key);
	if (size > EP_S3_MAX_OBJECT)
		return ep_diag_set(d, EP_ERANGE, 0, 0,
		                   "s3://%s/%.100s: %llu bytes is over S3's 5 TiB", u->bucket,
		                   u->key, (unsigned long long)size);
	if (part < EP_S3_MIN_PART)
		part = EP_S3_MIN_PART;
	if (part > EP_S3_MAX_PART)
		part = EP_S3_MAX_PART;
	if (size <= part)
		return put_one(s, u, fd, size, content_type, d);
	/* S3 takes at most 10000 parts: larger parts for a larger file */
	if (size / EP_S3_MAX_PARTS >= part)
		part = (size + EP_S3_MAX_PARTS - 1) / EP_S3_MAX_PARTS;
	return put_parts(s, u, fd, size, part, content_type, d);
}

int ep_s3_get_file(struct ep_s3 *s, const struct ep_s3_url *u, FILE *out, uint64_t max,
                   struct ep_diag *d)
{
	struct ep_s3_req r = {.op = "GetObject",
	                      .method = "GET",
	                      .bucket = u->bucket,
	                      .key = u->key,
	                      .sink = out,
	                      .max_body = max};
	struct ep_s3_answer a;
	int rc;

	if (u->key[0] == '\0')
		return ep_diag_set(d, EP_EINVAL, 0, 0, "s3://%s names no object", u->bucket);
	rc = ep_s3_request(s, &r, &a, d);
	if (rc == EP_ERANGE && max % (1u << 20) == 0)
		return ep_diag_set(d, rc, 0, 0,
		                   "GetObject s3://%s/%.100s: larger than the %llu MiB cap",
		                   u->bucket, u->key, (unsigned long long)(max >> 20));
	if (rc == EP_ERANGE)
		return ep_diag_set(d, rc, 0, 0,
		                   "GetObject s3://%s/%.100s: larger than the %llu-byte cap",
		                   u->bucket, u->key, (unsigned long long)max);
	if (rc == 0 && (fflush(out) || ferror(out)))
		rc = ep_diag_set(d, EP_EIO, 0, 0, "GetObject s3://%s/%.100s: cannot write: %s",
		                 u->bucket, u->key, strerror(errno));
	return rc;
}

int ep_s3_list(struct ep_s3 *s, const char *bucket, const char *prefix, int first_page,
               struct ep_s3_listing *l, struct ep_diag *d)
{
	struct ep_s3_req r = {.op = "ListObjectsV2", .method = "GET", .bucket = bucket, .key = ""};
	struct ep_buf q;
	char last[sizeof(l->token)] = "";
	int rc = 0;

	ep_buf_init(&q, 16384);
	for (unsigned page = 0; rc == 0; page++) {
		struct ep_s3_answer a;

		ep_buf_reset(&q);
		rc = ep_buf_adds(&q, "list-type=2&prefix=");
		if (rc == 0)
			rc = ep_aws_urlencode(&q, prefix);
		if (rc == 0 && last[0]) {
			rc = ep_buf_adds(&q, "&continuation-token=");
			if (rc == 0)
				rc = ep_aws_urlencode(&q, last);
		}
		if (rc) {
			rc = ep_diag_set(d, rc, 0, 0, "out of memory");
			break;
		}
		r.query = q.data;
		r.max_body = EP_S3_MAX_LIST_XML;
		rc = ep_s3_request(s, &r, &a, d);
		if (rc == 0 && ep_s3_list_parse(a.body, a.len, l, d)) {
			char where[200];

			snprintf(where, sizeof(where), "ListObjectsV2 %.160s: ", a.url);
			ep_diag_prefix(d, where);
			rc = EP_EPARSE;
		}
		if (rc || !l->truncated || first_page)
			break;
		/* the same token twice, or no end in sight: a server going round */
		if (strcmp(l->token, last) == 0 || page + 1 >= MAX_PAGES) {
			rc = ep_diag_set(d, EP_EIO, 0, 0,
			                 "ListObjectsV2 %.160s: the listing does not end (a "
			                 "continuation token came back)",
			                 a.url);
			break;
		}
		memcpy(last, l->token, sizeof(last));
	}
	ep_buf_free(&q);
	return rc;
}
