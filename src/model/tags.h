/* Resource tags (EC2 tagSet, ECS tags), copied out of the inventory once so
 * the intent matches on plain strings. */
#ifndef EP_TAGS_H
#define EP_TAGS_H

#include <cJSON.h>
#include <stddef.h>

struct ep_tag {
	char *key, *value; /* one allocation each, owned by the set */
};

/* Owns its tags. */
struct ep_tags {
	struct ep_tag *t;
	size_t n;
};

/* From an array of {"key","value"} (EC2) or {"Key","Value"} / {"key","value"}
 * (ECS); entries without a string key are skipped, a missing value is "".
 * EP_ENOMEM is the only failure. */
int ep_tags_parse(const cJSON *arr, struct ep_tags *out);
void ep_tags_free(struct ep_tags *t);
/* The value of key, or NULL. */
const char *ep_tags_get(const struct ep_tags *t, const char *key);

#endif
