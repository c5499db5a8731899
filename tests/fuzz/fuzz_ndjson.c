/* Fuzz harness: `ecsprobe report`'s NDJSON reader (report/ndjson_read.h),
 * every line of the input into one gatherer, then the HTML page rendered
 * from it into memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/ndjson_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_collect c;
	struct ep_html_meta m;
	struct ep_export x;
	struct ep_diag d;
	size_t at = 0;

	memset(&m, 0, sizeof(m));
	ep_collect_init(&c, 64);
	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;

		memset(&d, 0, sizeof(d));
		if (ep_ndjson_read_line(&c, &m, (const char *)data + at, len, &d) == EP_ENOMEM)
			break;
		at += len + 1;
	}
	/* the page into /dev/null: exercises escaping and the picture */
	if (ep_export_open(&x, "fuzz", "/dev/null", &d) == 0) {
		ep_html_report_write(&x, &m, &c);
		ep_export_close(&x);
	}
	ep_collect_free(&c);
	return 0;
}
