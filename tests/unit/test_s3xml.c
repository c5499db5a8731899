/* What S3 answers, read as hostile input: ListObjectsV2 pages (well-formed,
 * truncated, with entities, DOCTYPEs, wrong types, too long keys, too many
 * objects), error bodies, the upload id, CompleteMultipartUpload's 200 with
 * an <Error>, and response header values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/s3.h"
#include "base/buf.h"
#include "base/err.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define LBR  "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"

static int parse(const char *xml, struct ep_s3_listing *l, struct ep_diag *d)
{
	memset(d, 0, sizeof(*d));
	return ep_s3_list_parse(xml, strlen(xml), l, d);
}

static void test_list_pages(void **state)
{
	struct ep_s3_listing l;
	struct ep_diag d;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(parse(HEAD LBR "<Prefix>run/</Prefix><KeyCount>2</KeyCount>"
	                                "<IsTruncated>true</IsTruncated>"
	                                "<Contents><Key>run/a b.ndjson</Key><Size>12</Size>"
	                                "<ETag>&quot;x&quot;</ETag></Contents>"
	                                "<Contents><Key>run/&#xFC;&amp;&lt;.ndjson</Key>"
	                                "<Size>18446744073709551615</Size></Contents>"
	                                "<NextContinuationToken>t/1+=</NextContinuationToken>"
	                                "</ListBucketResult>",
	                           &l, &d),
	                 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.objs[0].key, "run/a b.ndjson");
	assert_int_equal(l.objs[0].size, 12);
	assert_string_equal(l.objs[1].key, "run/\xc3\xbc&<.ndjson");
	assert_true(l.objs[1].size == UINT64_MAX);
	assert_true(l.truncated);
	assert_string_equal(l.token, "t/1+=");
	/* the next page appends; a last page has no token */
	assert_int_equal(parse(HEAD LBR "<IsTruncated>false</IsTruncated>"
	                                "<Contents><Key>run/c</Key><Size>0</Size></Contents>"
	                                "<CommonPrefixes><Prefix>run/x/</Prefix></CommonPrefixes>"
	                                "</ListBucketResult>",
	                           &l, &d),
	                 0);
	assert_int_equal(l.n, 3);
	assert_false(l.truncated);
	assert_string_equal(l.token, "");
	ep_s3_listing_free(&l);
	assert_null(l.objs);
	/* empty */
	assert_int_equal(parse(HEAD LBR "<KeyCount>0</KeyCount></ListBucketResult>", &l, &d), 0);
	assert_int_equal(l.n, 0);
	ep_s3_listing_free(&l);
}

static void list_bad(const char *xml, int want, const char *why)
{
	struct ep_s3_listing l;
	struct ep_diag d;

	memset(&l, 0, sizeof(l));
	assert_int_equal(parse(xml, &l, &d), want);
	if (strstr(d.msg, why) == NULL)
		fail_msg("'%.60s': '%s' does not say '%s'", xml, d.msg, why);
	ep_s3_listing_free(&l);
}

static void test_list_hostile(void **state)
{
	struct ep_buf b;
	char key[1100];

	(void)state;
	list_bad("", EP_EPARSE, "malformed XML");
	list_bad(HEAD LBR "<Contents><Key>a</Key><Size>1</Size></Cont", EP_EPARSE, "malformed");
	list_bad("\x00\xff<<<garbage", EP_EPARSE, "malformed");
	list_bad(HEAD "<Error><Code>NoSuchBucket</Code></Error>", EP_EPARSE, "<Error> instead");
	list_bad(HEAD LBR "<Contents><Size>1</Size></Contents></ListBucketResult>", EP_EPARSE,
	         "with no key");
	list_bad(HEAD LBR "<Contents><Key></Key><Size>1</Size></Contents></ListBucketResult>",
	         EP_EPARSE, "with no key");
	list_bad(HEAD LBR "<Contents><Key>k</Key></Contents></ListBucketResult>", EP_EPARSE,
	         "bad Size");
	list_bad(HEAD LBR "<Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
	         EP_EPARSE, "bad Size");
	list_bad(HEAD LBR "<Contents><Key>k</Key><Size>1e9</Size></Contents></ListBucketResult>",
	         EP_EPARSE, "bad Size");
	list_bad(HEAD LBR "<Contents><Key>k</Key><Size>18446744073709551616</Size></Contents>"
	                  "</ListBucketResult>",
	         EP_EPARSE, "bad Size");
	list_bad(HEAD LBR "<Contents><Key>a&#x9;b</Key><Size>1</Size></Contents>"
	                  "</ListBucketResult>",
	         EP_EPARSE, "control character");
	list_bad(HEAD LBR "<IsTruncated>true</IsTruncated></ListBucketResult>", EP_EPARSE,
	         "no continuation token");
	list_bad(HEAD "<!DOCTYPE ListBucketResult [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" LBR
	              "<Contents><Key>&x;</Key><Size>1</Size></Contents></ListBucketResult>",
	         EP_EPARSE, "DOCTYPE");
	list_bad(HEAD "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">"
	              "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;\">]>" LBR
	              "<Contents><Key>&c;</Key><Size>1</Size></Contents></ListBucketResult>",
	         EP_EPARSE, "XML");
	memset(key, 'k', sizeof(key));
	key[1025] = '\0';
	ep_buf_init(&b, 1u << 20);
	ep_buf_printf(&b, HEAD LBR "<Contents><Key>%s</Key><Size>1</Size></Contents>"
	                           "</ListBucketResult>", key);
	list_bad(b.data, EP_EPARSE, "too long key");
	ep_buf_reset(&b);
	ep_buf_printf(&b, HEAD LBR "<IsTruncated>true</IsTruncated><NextContinuationToken>%s"
	                           "</NextContinuationToken></ListBucketResult>", key);
	list_bad(b.data, EP_EPARSE, "too long continuation token");
	/* nesting deeper than libxml2 allows */
	ep_buf_reset(&b);
	ep_buf_adds(&b, HEAD LBR);
	for (int i = 0; i < 5000; i++)
		ep_buf_adds(&b, "<Contents>");
	list_bad(b.data, EP_EPARSE, "malformed");
	ep_buf_free(&b);
}

/* More objects than the cap, over pages: refused, not grown without end. */
static void test_list_cap(void **state)
{
	struct ep_s3_listing l;
	struct ep_diag d;
	struct ep_buf b;

	(void)state;
	ep_buf_init(&b, 64u << 20);
	ep_buf_adds(&b, HEAD LBR);
	for (int i = 0; i < EP_S3_MAX_OBJECTS / 2; i++)
		ep_buf_printf(&b, "<Contents><Key>k%d</Key><Size>1</Size></Contents>", i);
	ep_buf_adds(&b, "</ListBucketResult>");
	memset(&l, 0, sizeof(l));
	assert_int_equal(parse(b.data, &l, &d), 0);
	assert_int_equal(parse(b.data, &l, &d), 0);
	assert_int_equal(l.n, EP_S3_MAX_OBJECTS);
	assert_int_equal(parse(b.data, &l, &d), EP_ERANGE);
	assert_non_null(strstr(d.msg, "more than"));
	ep_s3_listing_free(&l);
	/* a page over the size cap is refused before parsing */
	assert_int_equal(ep_s3_list_parse(b.data, EP_S3_MAX_LIST_XML + 1, &l, &d), EP_ERANGE);
	ep_buf_free(&b);
}

static void test_errors(void **state)
{
	const char *body = HEAD "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the "
	                        "region\n'us-east-1' is wrong;\texpecting 'eu-west-1'</Message>"
	                        "<Region>eu-west-1</Region><RequestId>X</RequestId></Error>";
	const char *umlauts = HEAD "<Error><Message>\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	                           "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	                           "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc</Message></Error>";
	char code[64], msg[32], region[32];

	(void)state;
	ep_s3_error_parse(body, strlen(body), 400, code, sizeof(code), msg, sizeof(msg), region,
	                  sizeof(region));
	assert_string_equal(code, "AuthorizationHeaderMalformed");
	assert_string_equal(msg, "the region 'us-east-1' is wrong"); /* one line, cut */
	assert_string_equal(region, "eu-west-1");
	ep_s3_error_parse("", 0, 404, code, sizeof(code), msg, sizeof(msg), region,
	                  sizeof(region));
	assert_string_equal(code, "NotFound");
	assert_string_equal(msg, "");
	assert_string_equal(region, "");
	ep_s3_error_parse("<html>proxy", 11, 502, code, sizeof(code), msg, sizeof(msg), NULL, 0);
	assert_string_equal(code, "HTTP502");
	ep_s3_error_parse(umlauts, strlen(umlauts), 403, code, sizeof(code), msg, sizeof(msg),
	                  NULL, 0);
	assert_string_equal(code, "Forbidden");
	assert_int_equal(strlen(msg), 30); /* cut between characters, not inside one */
}

static void test_multipart_answers(void **state)
{
	char id[64], code[64], msg[64];
	const char *ok = HEAD "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
	                      "<UploadId>VXBsb2Fk-1</UploadId></InitiateMultipartUploadResult>";
	const char *done = HEAD "<CompleteMultipartUploadResult><ETag>\"e-2\"</ETag>"
	                        "</CompleteMultipartUploadResult>";
	const char *spaced = "<InitiateMultipartUploadResult><UploadId>a b</UploadId>"
	                     "</InitiateMultipartUploadResult>";
	const char *err = HEAD "\n\n<Error><Code>InternalError</Code><Message>We encountered an "
	                       "internal error.</Message></Error>";

	(void)state;
	assert_int_equal(ep_s3_upload_id_parse(ok, strlen(ok), id, sizeof(id)), 0);
	assert_string_equal(id, "VXBsb2Fk-1");
	assert_int_equal(ep_s3_upload_id_parse(ok, strlen(ok), id, 5), EP_EPARSE);
	assert_int_equal(ep_s3_upload_id_parse(spaced, strlen(spaced), id, sizeof(id)), EP_EPARSE);
	assert_int_equal(ep_s3_upload_id_parse(err, strlen(err), id, sizeof(id)), EP_EPARSE);
	assert_int_equal(
	    ep_s3_complete_parse(done, strlen(done), code, sizeof(code), msg, sizeof(msg)), 0);
	assert_int_equal(
	    ep_s3_complete_parse(err, strlen(err), code, sizeof(code), msg, sizeof(msg)), EP_EIO);
	assert_string_equal(code, "InternalError");
	assert_int_equal(ep_s3_complete_parse("<Comp", 5, code, sizeof(code), msg, sizeof(msg)),
	                 EP_EIO);
	assert_string_equal(code, "ParseError");
}

static void test_headers(void **state)
{
	const char *h = "HTTP/1.1 200 OK\r\nETag:  \"abc\" \r\nx-amz-bucket-region: eu-west-1\r\n"
	                "Content-Length: 0\r\n\r\n";
	char v[8];

	(void)state;
	assert_int_equal(ep_s3_header(h, strlen(h), "etag", v, sizeof(v)), 0);
	assert_string_equal(v, "\"abc\"");
	assert_int_equal(ep_s3_header(h, strlen(h), "X-Amz-Bucket-Region", v, sizeof(v)), 0);
	assert_string_equal(v, "eu-west"); /* cut to the room given */
	assert_int_equal(ep_s3_header(h, strlen(h), "Content-Type", v, sizeof(v)), EP_ENOENT);
	assert_int_equal(ep_s3_header(h, strlen(h), "ETa", v, sizeof(v)), EP_ENOENT);
	assert_int_equal(ep_s3_header("ETag", 4, "ETag", v, sizeof(v)), EP_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_pages),        cmocka_unit_test(test_list_hostile),
	    cmocka_unit_test(test_list_cap),          cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_multipart_answers), cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
