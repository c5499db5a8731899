/* What cJSON accepts but a policy file must not hold: invalid UTF-8, a NUL
 * written as \u0000 (cJSON's strings end there: "web\u0000x" would match
 * "web"), and duplicate member names (cJSON keeps the first, jq and Python
 * the last).  One pass over the text, before or after cJSON_Parse. */
#ifndef EP_JSONSCAN_H
#define EP_JSONSCAN_H

#include <stddef.h>

/* 0 when text[0..len) has none of those; else EP_EPARSE with *at the byte
 * offset of the culprit and why[] one line ("duplicate key \"rules\"").
 * Duplicates are looked for in objects of up to 64 members and 64 levels
 * (names compared as written, escapes not decoded); larger ones are left
 * to the caller's checks of which keys it knows.  O(len). */
int ep_json_scan(const char *text, size_t len, size_t *at, char *why, size_t whylen);

#endif
