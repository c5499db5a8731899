/* Pagination for the inventory readers: Query APIs (NextToken, or ELBv2's
 * Marker) and JSON APIs (nextToken), each page appended to a document array
 * before the next is asked for; and the stable ordering of arrays that
 * parallel calls fill. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/inv_internal.h"
#include "aws/xmljson.h"

/* ---- ordering ---- */

static int by_key(const void *pa, const void *pb, void *key)
{
	const cJSON *a = *(const cJSON *const *)pa, *b = *(const cJSON *const *)pb;
	const cJSON *ka = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *kb = cJSON_GetObjectItemCaseSensitive(b, key);

	return strcmp(cJSON_IsString(ka) ? ka->valuestring : "",
	              cJSON_IsString(kb) ? kb->valuestring : "");
}

void ep_json_sort_by(cJSON *array, const char *key)
{
	int n = cJSON_GetArraySize(array);
	cJSON **items;

	if (n < 2)
		return;
	items = malloc(sizeof(*items) * (size_t)n);
	if (items == NULL)
		return; /* unsorted is still correct */
	for (int i = 0; i < n; i++)
		items[i] = cJSON_DetachItemFromArray(array, 0);
	qsort_r(items, (size_t)n, sizeof(*items), by_key, (void *)key);
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(array, items[i]);
	free(items);
}

/* ---- Query API pagination ---- */

struct qlist {
	char service[32], api[64], list_elem[64];
	char *params;
	cJSON *dest;
	void (*after)(struct ep_inv_region *r, cJSON *dest);
};

static void qlist_page(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply);

static void qlist_send(struct ep_inv_region *r, struct qlist *q, const char *token)
{
	struct ep_buf b;

	ep_buf_init(&b, 256 << 10);
	ep_buf_adds(&b, q->params);
	if (token) {
		/* ELBv2 pages with Marker, the others with NextToken */
		ep_buf_adds(&b, strcmp(q->service, "elasticloadbalancing") == 0 ? "&Marker="
		                                                                : "&NextToken=");
		ep_aws_urlencode(&b, token);
	}
	ep_inv_call(r, q->service, q->api, b.data ? b.data : "", qlist_page, q);
	ep_buf_free(&b);
}

static void qlist_page(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	struct qlist *q = ctx;
	xmlNodePtr root, list, tok = NULL;
	const char *token = NULL;

	if (reply) {
		root = xmlDocGetRootElement(reply->xml);
		list = ep_xml_find(root, q->list_elem);
		ep_xml_items_to_json(list, q->dest);
		for (xmlNodePtr n = root ? root->children : NULL; n && !tok; n = n->next)
			if (n->type == XML_ELEMENT_NODE &&
			    (strcmp((const char *)n->name, "nextToken") == 0))
				tok = n;
		if (tok == NULL) /* ELBv2: <XResult><NextMarker> */
			tok = ep_xml_find(root, "NextMarker");
		if (tok && tok->children && tok->children->content && tok->children->content[0])
			token = (const char *)tok->children->content;
	}
	if (token) {
		qlist_send(r, q, token);
		return;
	}
	if (q->after)
		q->after(r, q->dest);
	free(q->params);
	free(q);
}

void ep_inv_query_list(struct ep_inv_region *r, const char *service, const char *api,
                       const char *params, const char *list_elem, cJSON *dest,
                       void (*after)(struct ep_inv_region *r, cJSON *dest))
{
	struct qlist *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->params = strdup(params ? params : "")) == NULL) {
		free(q);
		ep_inv_error(r, api, "LocalError", "out of memory");
		return;
	}
	snprintf(q->service, sizeof(q->service), "%s", service);
	snprintf(q->api, sizeof(q->api), "%s", api);
	snprintf(q->list_elem, sizeof(q->list_elem), "%s", list_elem);
	q->dest = dest;
	q->after = after;
	qlist_send(r, q, NULL);
}

/* ---- JSON API pagination ---- */

struct jlist {
	char service[32], api[64], list_key[64];
	cJSON *req;
	cJSON *dest;
	void *ctx;
	void (*after)(struct ep_inv_region *r, cJSON *dest, void *ctx);
};

static void jlist_page(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply);

static void jlist_send(struct ep_inv_region *r, struct jlist *j)
{
	char *body = cJSON_PrintUnformatted(j->req);

	ep_inv_call(r, j->service, j->api, body ? body : "{}", jlist_page, j);
	cJSON_free(body);
}

static void jlist_page(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	struct jlist *j = ctx;
	const cJSON *tok = NULL;

	if (reply) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(reply->json, j->list_key);
		const cJSON *it;

		cJSON_ArrayForEach(it, list) cJSON_AddItemToArray(j->dest, cJSON_Duplicate(it, 1));
		tok = cJSON_GetObjectItemCaseSensitive(reply->json, "nextToken");
		if (tok == NULL)
			tok = cJSON_GetObjectItemCaseSensitive(reply->json, "NextToken");
	}
	if (cJSON_IsString(tok) && tok->valuestring[0]) {
		const char *key = cJSON_GetObjectItemCaseSensitive(reply->json, "nextToken")
		                      ? "nextToken"
		                      : "NextToken";

		cJSON_DeleteItemFromObjectCaseSensitive(j->req, key);
		cJSON_AddStringToObject(j->req, key, tok->valuestring);
		jlist_send(r, j);
		return;
	}
	if (j->after)
		j->after(r, j->dest, j->ctx);
	cJSON_Delete(j->req);
	free(j);
}

void ep_inv_json_list(struct ep_inv_region *r, const char *service, const char *api, cJSON *req,
                      const char *list_key, cJSON *dest, void *ctx,
                      void (*after)(struct ep_inv_region *r, cJSON *dest, void *ctx))
{
	struct jlist *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		cJSON_Delete(req);
		ep_inv_error(r, api, "LocalError", "out of memory");
		return;
	}
	snprintf(j->service, sizeof(j->service), "%s", service);
	snprintf(j->api, sizeof(j->api), "%s", api);
	snprintf(j->list_key, sizeof(j->list_key), "%s", list_key);
	j->req = req ? req : cJSON_CreateObject();
	j->dest = dest;
	j->ctx = ctx;
	j->after = after;
	jlist_send(r, j);
}
