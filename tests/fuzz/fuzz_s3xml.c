/* Fuzz harness: S3's answers (ListObjectsV2 pages, error bodies, the upload
 * id, CompleteMultipartUpload results, header blocks) through the parsers
 * that read them, and the same bytes as an s3:// URL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct ep_s3_listing l;
	struct ep_s3_url u;
	struct ep_diag d = {0};
	char code[64], msg[256], region[32], id[1025], etag[160];
	char *text = malloc(size + 6);

	memset(&l, 0, sizeof(l));
	/* twice: the second page appends to the first */
	if (ep_s3_list_parse(p, size, &l, &d) == 0)
		(void)ep_s3_list_parse(p, size, &l, &d);
	for (size_t i = 0; i < l.n; i++)
		if (l.objs[i].key == NULL || strlen(l.objs[i].key) > EP_S3_MAX_KEY)
			abort();
	ep_s3_listing_free(&l);
	ep_s3_error_parse(p, size, 403, code, sizeof(code), msg, sizeof(msg), region,
	                  sizeof(region));
	for (const char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20)
			abort(); /* the message is one line */
	(void)ep_s3_upload_id_parse(p, size, id, sizeof(id));
	(void)ep_s3_complete_parse(p, size, code, sizeof(code), msg, sizeof(msg));
	(void)ep_s3_header(p, size, "ETag", etag, sizeof(etag));
	if (text) {
		memcpy(text, "s3://", 5);
		memcpy(text + 5, data, size);
		text[size + 5] = '\0';
		(void)ep_s3_url_parse(text, &u, &d);
		free(text);
	}
	return 0;
}
