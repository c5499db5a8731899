/* ep_objects: ep_input_list and ep_input_open from the shell, for
 * tests/e2e/s3.sh.  `ep_objects list ARG` prints what ARG names, one per
 * line; `ep_objects cat URL` copies an input to stdout.  Errors: one line,
 * exit 2 (missing or invalid) or 3 (S3 refused or failed). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/objects.h"

static int fail(const struct ep_diag *d, int remote)
{
	char line[600];

	ep_diag_format(d, line, sizeof(line));
	fprintf(stderr, "ep_objects: %s\n", line);
	return remote ? 3 : 2;
}

int main(int argc, char **argv)
{
	struct ep_diag d = {0};
	int status = 0;

	if (argc != 3 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "cat") != 0)) {
		fprintf(stderr, "usage: ep_objects list ARG | ep_objects cat URL\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(argv[1], "list") == 0) {
		char **urls;
		size_t n;
		int rc = ep_input_list(argv[2], &urls, &n, &d);

		if (rc) {
			status = fail(&d, rc != EP_ENOENT && rc != EP_EINVAL);
		} else {
			for (size_t i = 0; i < n; i++)
				printf("%s\n", urls[i]);
			ep_input_list_free(urls, n);
		}
	} else {
		FILE *f = ep_input_open(argv[2], &d);
		char buf[65536];
		size_t got;

		if (f == NULL) {
			status = fail(&d, errno == EREMOTEIO);
		} else {
			while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
				if (fwrite(buf, 1, got, stdout) != got)
					status = 1;
			fclose(f);
		}
	}
	curl_global_cleanup();
	return status;
}
