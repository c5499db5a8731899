/* Tag sets: linear lookups (AWS allows 50 tags a resource). */
#include "model/tags.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static const cJSON *member(const cJSON *o, const char *lower, const char *upper)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, lower);

	return v ? v : cJSON_GetObjectItemCaseSensitive(o, upper);
}

int ep_tags_parse(const cJSON *arr, struct ep_tags *out)
{
	const cJSON *it;
	int max = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;

	memset(out, 0, sizeof(*out));
	if (max <= 0)
		return 0;
	out->t = calloc((size_t)max, sizeof(*out->t));
	if (out->t == NULL)
		return EP_ENOMEM;
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *k = member(it, "key", "Key");
		const cJSON *v = member(it, "value", "Value");
		struct ep_tag *t = &out->t[out->n];

		if (!cJSON_IsString(k) || out->n == (size_t)max)
			continue;
		t->key = strdup(k->valuestring);
		t->value = strdup(cJSON_IsString(v) ? v->valuestring : "");
		out->n++;
		if (t->key == NULL || t->value == NULL) {
			ep_tags_free(out);
			return EP_ENOMEM;
		}
	}
	return 0;
}

void ep_tags_free(struct ep_tags *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->t[i].key);
		free(t->t[i].value);
	}
	free(t->t);
	memset(t, 0, sizeof(*t));
}

const char *ep_tags_get(const struct ep_tags *t, const char *key)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (strcmp(t->t[i].key, key) == 0)
			return t->t[i].value;
	return NULL;
}
