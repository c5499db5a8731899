/* Inventory document -> target list.  The document is read whole (capped at
 * 512 MiB) and parsed with cJSON; the addresses are the exposure model's
 * (model/exposure: the one reader of interfaces), added one by one, so a
 * large estate costs one entry per address (merged by the target builder). */
#include "model/invtargets.h"

#include "base/text.h"
#include "model/exposure.h"
#include "report/objects.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DOC (512u << 20)

/* line:col of a byte offset, for JSON errors */
static void locate(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int ep_inventory_read(const char *path, cJSON **out, struct ep_diag *d)
{
	FILE *f = ep_input_open(path, d); /* a file or an s3:// object */
	char *text;
	size_t n;
	long size;
	cJSON *doc;
	const cJSON *schema;
	const char *end = NULL;

	*out = NULL;
	if (f == NULL) /* d says why; S3 refused or failed: an AWS error */
		return errno == EREMOTEIO ? EP_EREMOTE : EP_EIO;
	snprintf(d->file, sizeof(d->file), "%s", path);
	/* the buffer is sized by the file, capped */
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot read: %s", strerror(errno));
	}
	if ((unsigned long)size > MAX_DOC) {
		fclose(f);
		return ep_diag_set(d, EP_ERANGE, 0, 0, "inventory larger than 512 MiB");
	}
	text = malloc((size_t)size + 1);
	if (text == NULL) {
		fclose(f);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	n = fread(text, 1, (size_t)size, f);
	fclose(f);
	text[n] = '\0';
	doc = cJSON_ParseWithLengthOpts(text, n, &end, 0);
	if (doc == NULL) {
		unsigned line, col;

		locate(text, end ? (size_t)(end - text) : 0, &line, &col);
		free(text);
		return ep_diag_set(d, EP_EPARSE, line, col, "malformed JSON in inventory");
	}
	free(text);
	/* a saved inventory is as untrusted as the answers it was made from */
	if (ep_utf8_fix_json(doc) < 0) {
		cJSON_Delete(doc);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "ecsprobe.inventory/1") != 0) {
		cJSON_Delete(doc);
		return ep_diag_set(
		    d, EP_EPARSE, 0, 0,
		    "not an ecsprobe inventory (\"schema\" is not \"ecsprobe.inventory/1\")");
	}
	*out = doc;
	return 0;
}

int ep_invtargets_load(struct ep_target_list *l, const char *path, struct ep_diag *d)
{
	struct ep_exposure x;
	cJSON *doc;
	int rc = ep_inventory_read(path, &doc, d);

	if (rc)
		return rc;
	rc = ep_exposure_build(&x, doc, d);
	cJSON_Delete(doc);
	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < x.nifaces; i++) {
		const struct ep_xiface *f = &x.ifaces[i];
		char origin[64];

		/* a scan must not silently lose a target the inventory names */
		if (f->nbad) {
			rc = ep_diag_set(d, EP_EPARSE, 0, 0, "interface %s: '%s' is not an address",
			                 f->id, f->bad_addr);
			break;
		}
		snprintf(origin, sizeof(origin), "inventory:%.40s", f->id);
		for (size_t k = 0; rc == 0 && k < f->naddrs; k++) {
			struct ep_diag ad = {0};

			if (ep_target_list_add(l, f->addrs[k].text, origin, &ad))
				rc = ep_diag_set(d, EP_EPARSE, 0, 0, "interface %s: %s", f->id,
				                 ad.msg);
		}
	}
	ep_exposure_free(&x);
	return rc;
}
