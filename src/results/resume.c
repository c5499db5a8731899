/* --resume: see resume.h.  O(file) time; memory is one bit per target plus
 * one line buffer. */
#include "results/resume.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"

#define MAX_LINE (64u << 10)

struct line_reader {
	FILE *f;
	char *buf;
	unsigned lineno;
	int complete; /* the line ended with a newline */
};

static int reader_open(struct line_reader *lr, const char *path)
{
	memset(lr, 0, sizeof(*lr));
	lr->f = fopen(path, "r");
	if (lr->f == NULL)
		return EP_EIO;
	lr->buf = malloc(MAX_LINE + 2);
	if (lr->buf == NULL) {
		fclose(lr->f);
		return EP_ENOMEM;
	}
	return 0;
}

/* 1: a line, 0: end of file, EP_ERANGE: overlong line. */
static int reader_next(struct line_reader *lr)
{
	size_t len;

	if (fgets(lr->buf, MAX_LINE + 2, lr->f) == NULL)
		return 0;
	lr->lineno++;
	len = strlen(lr->buf);
	lr->complete = len && lr->buf[len - 1] == '\n';
	if (!lr->complete && len > MAX_LINE)
		return EP_ERANGE;
	if (lr->complete)
		lr->buf[len - 1] = '\0';
	return 1;
}

static void reader_close(struct line_reader *lr)
{
	if (lr->f)
		fclose(lr->f);
	free(lr->buf);
}

static int parse_enum(const char *s, const char *(*name)(int), int count)
{
	for (int i = 0; s && i < count; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return -1;
}

static const char *state_name(int i)
{
	return ep_state_name((enum ep_state)i);
}

static const char *reason_name(int i)
{
	return ep_reason_name((enum ep_reason)i);
}

/* Parses a result object into res; 0 or a message. */
static const char *parse_result(const cJSON *o, struct ep_result *res)
{
	const char *addr = ep_json_str(o, "address"), *proto = ep_json_str(o, "proto");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(o, "port");
	const cJSON *att = cJSON_GetObjectItemCaseSensitive(o, "attempts");
	const cJSON *rtt = cJSON_GetObjectItemCaseSensitive(o, "rtt_ms");
	int st = parse_enum(ep_json_str(o, "state"), state_name, EP_STATE_COUNT);
	int why = parse_enum(ep_json_str(o, "reason"), reason_name, EP_REASON_COUNT);

	memset(res, 0, sizeof(*res));
	if (addr == NULL || ep_addr_parse(addr, &res->t.addr) != 0)
		return "\"address\" missing or not an IP address";
	if (proto && strcmp(proto, "tcp") == 0)
		res->t.proto = EP_PROTO_TCP;
	else if (proto && strcmp(proto, "udp") == 0)
		res->t.proto = EP_PROTO_UDP;
	else
		return "\"proto\" must be tcp or udp";
	if (!cJSON_IsNumber(port) || port->valuedouble < 1 || port->valuedouble > 65535)
		return "\"port\" must be 1-65535";
	res->t.port = (uint16_t)port->valuedouble;
	if (st < 0 || why < 0)
		return "unknown \"state\" or \"reason\"";
	res->state = (enum ep_state)st;
	res->reason = (enum ep_reason)why;
	res->attempts = cJSON_IsNumber(att) && att->valuedouble >= 0 && att->valuedouble < 100
	                    ? (unsigned)att->valuedouble
	                    : 1;
	if (cJSON_IsNumber(rtt) && rtt->valuedouble > 0 && rtt->valuedouble < 1e9)
		res->rtt_ns = (uint64_t)(rtt->valuedouble * 1e6);
	return NULL;
}

static int walk(struct ep_resume *r, const char *path, const struct ep_targets *t,
                struct ep_diag *d, void (*cb)(void *, const struct ep_result *), void *arg)
{
	struct line_reader lr;
	uint8_t *seen = NULL;
	int rc, have_header = 0;

	rc = reader_open(&lr, path);
	if (rc)
		return ep_diag_set(d, rc, 0, 0, "--resume %s: %s", path,
		                   rc == EP_EIO ? strerror(errno) : "out of memory");
	if (cb) {
		seen = calloc(t->total / 8 + 1, 1);
		if (seen == NULL) {
			reader_close(&lr);
			return EP_ENOMEM;
		}
	}
	snprintf(d->file, sizeof(d->file), "%s", path);
	while ((rc = reader_next(&lr)) == 1) {
		cJSON *o;
		const char *type, *why;
		struct ep_result res;
		int64_t idx;

		if (lr.buf[0] == '\0')
			continue;
		o = cJSON_Parse(lr.buf);
		if (o == NULL && !lr.complete) {
			rc = 0; /* the write the interruption cut short: skipped */
			break;
		}
		if (o == NULL) {
			rc = ep_diag_set(d, EP_EPARSE, lr.lineno, 0, "not a JSON object");
			break;
		}
		type = ep_json_str(o, "type");
		if (type && strcmp(type, "header") == 0) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "probes_total");

			if (!cJSON_IsNumber(n) || (uint64_t)n->valuedouble != t->total) {
				rc = ep_diag_set(d, EP_EINVAL, lr.lineno, 0,
				                 "that scan had %.0f probes, this one has %llu: "
				                 "not the same targets and ports",
				                 cJSON_IsNumber(n) ? n->valuedouble : -1.0,
				                 (unsigned long long)t->total);
				cJSON_Delete(o);
				break;
			}
			have_header = 1;
		} else if (type && strcmp(type, "result") == 0) {
			why = parse_result(o, &res);
			idx = why ? -1 : ep_targets_find(t, &res.t);
			if (why == NULL && idx < 0)
				why = "this target is not part of this scan";
			if (why) {
				rc = ep_diag_set(d, EP_EPARSE, lr.lineno, 0, "%s", why);
				cJSON_Delete(o);
				break;
			}
			if (cb == NULL && !ep_resume_is_done(r->done, (uint64_t)idx)) {
				r->done[idx >> 3] |= (uint8_t)(1u << (idx & 7));
				r->ndone++;
			} else if (cb && !ep_resume_is_done(seen, (uint64_t)idx)) {
				const char *probe = ep_json_str(o, "probe");

				seen[idx >> 3] |= (uint8_t)(1u << (idx & 7));
				res.ts_ns = (uint64_t)time(NULL) * 1000000000u;
				for (size_t i = 0; probe && i < r->nnames; i++)
					if (strcmp(r->names[i], probe) == 0)
						res.probe = r->names[i];
				if (probe && res.probe == NULL) {
					char **n = realloc(r->names, (r->nnames + 1) * sizeof(*n));

					if (n) {
						r->names = n;
						n[r->nnames] = strdup(probe);
						res.probe = n[r->nnames];
						r->nnames += res.probe != NULL;
					}
				}
				cb(arg, &res);
			}
		}
		cJSON_Delete(o);
	}
	if (rc == EP_ERANGE)
		rc = ep_diag_set(d, EP_EPARSE, lr.lineno, 0, "line longer than %u bytes", MAX_LINE);
	if (rc == 0 && !have_header)
		rc = ep_diag_set(d, EP_EPARSE, 1, 0,
		                 "no header line: not an 'ecsprobe scan -o ndjson' output");
	reader_close(&lr);
	free(seen);
	return rc;
}

int ep_resume_load(struct ep_resume *r, const char *path, const struct ep_targets *t,
                   struct ep_diag *d)
{
	memset(r, 0, sizeof(*r));
	r->total = t->total;
	r->done = calloc(t->total / 8 + 1, 1);
	if (r->done == NULL)
		return EP_ENOMEM;
	return walk(r, path, t, d, NULL, NULL);
}

int ep_resume_replay(struct ep_resume *r, const char *path, const struct ep_targets *t,
                     void (*cb)(void *arg, const struct ep_result *res), void *arg)
{
	struct ep_diag d;

	memset(&d, 0, sizeof(d));
	return walk(r, path, t, &d, cb, arg);
}

void ep_resume_free(struct ep_resume *r)
{
	free(r->done);
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	memset(r, 0, sizeof(*r));
}
