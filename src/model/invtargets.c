/* Inventory document -> target list.  The document is read whole (capped at
 * 512 MiB) and parsed with cJSON; addresses are added one by one, so a large
 * estate costs one entry per address (merged later by the target builder). */
#include "model/invtargets.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DOC (512u << 20)

static int add_addr(struct ep_target_list *l, const cJSON *s, const char *eni, struct ep_diag *d)
{
	char origin[64];
	struct ep_diag ad = {0};

	if (!cJSON_IsString(s) || s->valuestring[0] == '\0')
		return 0;
	snprintf(origin, sizeof(origin), "inventory:%.40s", eni);
	if (strchr(s->valuestring, ' ') || strchr(s->valuestring, '/'))
		return ep_diag_set(d, EP_EPARSE, 0, 0, "interface %s: '%.60s' is not an address",
		                   eni, s->valuestring);
	if (ep_target_list_add(l, s->valuestring, origin, &ad))
		return ep_diag_set(d, EP_EPARSE, 0, 0, "interface %s: %s", eni, ad.msg);
	return 0;
}

static int add_interface(struct ep_target_list *l, const cJSON *eni, struct ep_diag *d)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(eni, "networkInterfaceId");
	const char *name = cJSON_IsString(id) ? id->valuestring : "?";
	const cJSON *it;
	int rc;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(eni, "privateIpAddressesSet"))
	{
		rc = add_addr(l, cJSON_GetObjectItemCaseSensitive(it, "privateIpAddress"), name, d);
		if (rc == 0)
			rc = add_addr(
			    l,
			    cJSON_GetObjectItemCaseSensitive(
			        cJSON_GetObjectItemCaseSensitive(it, "association"), "publicIp"),
			    name, d);
		if (rc)
			return rc;
	}
	rc = add_addr(l, cJSON_GetObjectItemCaseSensitive(eni, "privateIpAddress"), name, d);
	if (rc == 0)
		rc = add_addr(l,
		              cJSON_GetObjectItemCaseSensitive(
		                  cJSON_GetObjectItemCaseSensitive(eni, "association"), "publicIp"),
		              name, d);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(eni, "ipv6AddressesSet"))
	{
		if (rc == 0)
			rc = add_addr(l, cJSON_GetObjectItemCaseSensitive(it, "ipv6Address"), name,
			              d);
	}
	return rc;
}

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
	FILE *f = fopen(path, "rb");
	char *text;
	size_t n;
	long size;
	cJSON *doc;
	const cJSON *schema;
	const char *end = NULL;

	*out = NULL;
	snprintf(d->file, sizeof(d->file), "%s", path);
	if (f == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot open: %s", strerror(errno));
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
	cJSON *doc;
	const cJSON *acct, *reg, *eni;
	int rc = ep_inventory_read(path, &doc, d);

	if (rc)
		return rc;
	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	        cJSON_ArrayForEach(
	            eni, cJSON_GetObjectItemCaseSensitive(
	                     cJSON_GetObjectItemCaseSensitive(reg, "ec2"), "network_interfaces"))
	{
		if (rc == 0)
			rc = add_interface(l, eni, d);
	}
	cJSON_Delete(doc);
	return rc;
}
