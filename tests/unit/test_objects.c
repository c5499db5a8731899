/* Inputs and outputs that may be S3 objects, without a network: local paths
 * go through unchanged, and what can be refused before any S3 call is
 * (bad URLs, prefixes where an object is wanted, a bad part size, no
 * credentials).  The S3 round trips are tests/e2e/s3.sh's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/objects.h"

static void no_credentials(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void test_local_inputs(void **state)
{
	struct ep_diag d = {0};
	char **urls, path[] = "/tmp/ep-objects-XXXXXX", buf[16];
	size_t n;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(ep_input_list("some/file.ndjson", &urls, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_string_equal(urls[0], "some/file.ndjson");
	ep_input_list_free(urls, n);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	f = ep_input_open(path, &d);
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), 5);
	fclose(f);
	unlink(path);
	errno = 0;
	assert_null(ep_input_open(path, &d));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(d.file, path);
	assert_non_null(strstr(d.msg, "cannot open"));
}

static void test_s3_inputs_refused(void **state)
{
	struct ep_diag d = {0};
	char **urls = (char **)&d;
	size_t n = 7;

	(void)state;
	assert_int_equal(ep_input_list("s3://Bad_Bucket/x", &urls, &n, &d), EP_EINVAL);
	assert_null(urls);
	assert_int_equal(n, 0);
	assert_string_equal(d.file, "s3://Bad_Bucket/x");
	errno = 0;
	assert_null(ep_input_open("s3://bucket/run-1/", &d));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(d.msg, "prefix"));
	no_credentials();
	errno = 0;
	assert_null(ep_input_open("s3://bucket/run-1/a.ndjson", &d));
	assert_int_equal(errno, EREMOTEIO);
	assert_non_null(strstr(d.msg, "no AWS credentials"));
}

static void test_local_output(void **state)
{
	struct ep_output o;
	struct ep_diag d = {0};
	char path[] = "/tmp/ep-objects-XXXXXX", buf[16] = "";
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ep_output_open(&o, "ndjson", path, &d), 0);
	assert_true(o.own_fd);
	assert_int_equal(write(o.fd, "line\n", 5), 5);
	assert_int_equal(ep_output_close(&o, 1), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "line\n");
	unlink(path);
	assert_int_equal(ep_output_open(&o, "ndjson", "-", &d), 0);
	assert_int_equal(o.fd, STDOUT_FILENO);
	assert_false(o.own_fd);
	assert_int_equal(ep_output_close(&o, 1), 0);
	assert_int_equal(ep_output_open(&o, "sarif", "/nonexistent/dir/x", &d), EP_EIO);
	assert_non_null(strstr(d.msg, "-o sarif:/nonexistent/dir/x: "));
}

static void test_s3_outputs_refused(void **state)
{
	struct ep_output o;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bucket/run-1/", &d), EP_EINVAL);
	assert_non_null(strstr(d.msg, "-o ndjson:s3://bucket/run-1/ names a prefix"));
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bucket", &d), EP_EINVAL);
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bu/k", &d), EP_EINVAL);
	assert_non_null(strstr(d.msg, "3 to 63"));
	setenv("ECSPROBE_S3_PART_SIZE", "12", 1);
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bucket/k", &d), EP_EINVAL);
	assert_non_null(strstr(d.msg, "ECSPROBE_S3_PART_SIZE"));
	setenv("ECSPROBE_S3_PART_SIZE", "6G", 1);
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bucket/k", &d), EP_EINVAL);
	setenv("ECSPROBE_S3_PART_SIZE", "8x", 1);
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bucket/k", &d), EP_EINVAL);
	setenv("ECSPROBE_S3_PART_SIZE", "16K", 1);
	no_credentials();
	assert_int_equal(ep_output_open(&o, "ndjson", "s3://bucket/k", &d), EP_EPERM);
	assert_non_null(strstr(d.msg, "no AWS credentials"));
	unsetenv("ECSPROBE_S3_PART_SIZE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_local_inputs),
	    cmocka_unit_test(test_s3_inputs_refused),
	    cmocka_unit_test(test_local_output),
	    cmocka_unit_test(test_s3_outputs_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
