/* Small cJSON accessors shared by the readers of the inventory document. */
#ifndef EP_JSON_H
#define EP_JSON_H

#include <cJSON.h>

/* The string member key of o, or NULL when absent or not a string. */
static inline const char *ep_json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#endif
