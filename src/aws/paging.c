/* Pagination for the inventory readers: Query APIs (NextToken, or ELBv2's
 * Marker) and JSON APIs (nextToken), each page appended to a document array
 * before the next is asked for; and the stable ordering of arrays that
 * parallel calls fill. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/inv_internal.h"
#include "aws/xmljson.h"
#include "base/buf.h"

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

/* ---- loop guard ---- */

/* The tokens a list has been given, as 64-bit FNV-1a hashes: a token seen
 * before means the service is walking in a circle.  Bounded by the page cap;
 * the linear search costs O(pages) per page, 10^8 compares at the default
 * cap of 10,000, paid only by a list that long. */
struct token_guard {
	uint64_t *h;
	size_t n, cap;
	unsigned pages;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* 0: ask for the page of token.  Else records why the list stops there (an
 * error: the document is incomplete) and returns -1. */
static int guard_next(struct token_guard *g, struct ep_inv_region *r, const char *service,
                      const char *api, const char *token)
{
	uint64_t h = fnv1a(token);
	char who[100], msg[200];

	snprintf(who, sizeof(who), "%s:%s", service, api);
	if (++g->pages >= ep_inv_max_pages(r)) {
		snprintf(msg, sizeof(msg), "more than %u pages (--max-pages); the rest is missing",
		         ep_inv_max_pages(r));
		ep_inv_error(r, who, "TooManyPages", msg);
		return -1;
	}
	for (size_t i = 0; i < g->n; i++)
		if (g->h[i] == h) {
			snprintf(msg, sizeof(msg),
			         "page %u repeats an earlier NextToken; paging stopped", g->pages);
			ep_inv_error(r, who, "RepeatedToken", msg);
			return -1;
		}
	if (ep_array_reserve((void **)&g->h, &g->cap, g->n + 1, sizeof(*g->h))) {
		ep_inv_error(r, who, "LocalError", "out of memory");
		return -1;
	}
	g->h[g->n++] = h;
	return 0;
}

/* ---- Query API pagination ---- */

struct qlist {
	char service[32], api[64], list_elem[64];
	char *params;
	cJSON *dest;
	void (*after)(struct ep_inv_region *r, cJSON *dest);
	struct token_guard guard;
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
	if (token && guard_next(&q->guard, r, q->service, q->api, token) == 0) {
		qlist_send(r, q, token);
		return;
	}
	if (q->after)
		q->after(r, q->dest);
	free(q->guard.h);
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
	struct token_guard guard;
};

static void jlist_page(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply);

static void jlist_send(struct ep_inv_region *r, struct jlist *j)
{
	char *body = cJSON_PrintUnformatted(j->req);

	ep_inv_call(r, j->service, j->api, body ? body : "{}", jlist_page, j);
	cJSON_free(body);
}

/* A JSON answer of the wrong shape is an error naming the API and the field,
 * not a list that quietly ends. */
static void bad_field(struct ep_inv_region *r, const struct jlist *j, const char *field,
                      const char *want)
{
	char who[100], msg[200];

	snprintf(who, sizeof(who), "%s:%s", j->service, j->api);
	snprintf(msg, sizeof(msg), "field '%s' is not %s", field, want);
	ep_inv_error(r, who, "MalformedAnswer", msg);
}

static void jlist_page(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	struct jlist *j = ctx;
	const cJSON *tok = NULL;
	const char *key = "nextToken";

	if (reply && !cJSON_IsObject(reply->json)) {
		bad_field(r, j, "(the answer)", "a JSON object");
		reply = NULL;
	}
	if (reply) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(reply->json, j->list_key);
		const cJSON *it;

		/* absent is an empty page (AWS leaves out empty lists); null, an
		 * object or a string is not a list */
		if (list != NULL && !cJSON_IsArray(list))
			bad_field(r, j, j->list_key, "an array");
		else
			cJSON_ArrayForEach(it, list)
			{
				if (!cJSON_IsString(it) && !cJSON_IsObject(it)) {
					bad_field(r, j, j->list_key,
					          "an array of strings or objects");
					continue;
				}
				cJSON_AddItemToArray(j->dest, cJSON_Duplicate(it, 1));
			}
		tok = cJSON_GetObjectItemCaseSensitive(reply->json, key);
		if (tok == NULL) {
			key = "NextToken";
			tok = cJSON_GetObjectItemCaseSensitive(reply->json, key);
		}
		if (tok && !cJSON_IsString(tok) && !cJSON_IsNull(tok)) {
			bad_field(r, j, key, "a string");
			tok = NULL;
		}
	}
	if (cJSON_IsString(tok) && tok->valuestring[0] &&
	    guard_next(&j->guard, r, j->service, j->api, tok->valuestring) == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(j->req, key);
		cJSON_AddStringToObject(j->req, key, tok->valuestring);
		jlist_send(r, j);
		return;
	}
	if (j->after)
		j->after(r, j->dest, j->ctx);
	free(j->guard.h);
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
