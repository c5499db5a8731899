/* verify's measured states on disk, so verify splits over machines: each
 * shard (--shard I/N --save-states DEST) writes what it measured, and a
 * merge (--states FILE...) reads every shard back into one state map and
 * judges it as one machine would.  Format (NDJSON, "ecsprobe.states/1"):
 *   {"type":"header", "plan", "seed", "shard":"I/N", "probes_total", ...}
 *   {"type":"states", "address", "proto", "count", "runs":"c20o1c300-5"}
 *   {"type":"summary", "complete", "interrupted", "measured"}
 * A states line covers one address and protocol: its planned ports in
 * order, run-length encoded (o open, c closed, f filtered, x open|filtered,
 * - not measured here), so a closed range costs a few bytes, not a record
 * a probe.  The merge refuses shards of another plan or seed, a missing or
 * duplicated shard, an interrupted one, and a probe measured twice. */
#include "verify/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "report/objects.h"

#define STATES_SCHEMA "ecsprobe.states/1"
#define MAX_SHARDS    65536

static const char state_letter[] = {'o', 'c', 'f', 'x'};

/* One address and protocol as a states line into b. */
static void states_line(struct ep_buf *b, const struct ep_statemap *m, size_t e, enum ep_proto p)
{
	uint32_t count = m->a[e].ports[p].count;
	char addr[EP_ADDRSTRLEN];
	int cur = -2;
	uint32_t run = 0;

	ep_addr_format(&m->a[e].addr, addr, sizeof(addr));
	ep_buf_printf(b,
	              "{\"type\":\"states\",\"schema\":\"" STATES_SCHEMA
	              "\",\"address\":\"%s\",\"proto\":\"%s\",\"count\":%u,\"runs\":\"",
	              addr, ep_proto_name(p), count);
	for (uint32_t i = 0; i <= count; i++) {
		int st = i < count ? ep_statemap_at(m, e, p, i) : -3;

		if (st == cur) {
			run++;
			continue;
		}
		if (run)
			ep_buf_printf(b, "%c%u", cur < 0 ? '-' : state_letter[cur], run);
		cur = st;
		run = 1;
	}
	ep_buf_adds(b, "\"}\n");
}

int ep_verify_save_states(const struct verify *vf, FILE *f, const char *path,
                          const struct ep_scan_info *info, const struct ep_summary *sum,
                          struct ep_diag *d)
{
	const struct ep_statemap *m = &vf->states;
	struct ep_buf b;
	int rc = 0;

	ep_buf_init(&b, 64u << 20);
	ep_buf_printf(&b,
	              "{\"type\":\"header\",\"schema\":\"" STATES_SCHEMA
	              "\",\"scan_id\":\"%s\",\"plan\":\"%s\",\"seed\":%llu,\"shard\":\"%u/%u\","
	              "\"probes_total\":%llu,\"addresses\":%zu}\n",
	              info->scan_id, info->plan, (unsigned long long)info->seed,
	              info->shard_count > 1 ? info->shard_index + 1 : 1,
	              info->shard_count > 1 ? info->shard_count : 1, (unsigned long long)m->planned,
	              m->n);
	for (size_t e = 0; rc == 0 && e < m->n; e++)
		for (int p = 0; p < EP_PROTO_COUNT; p++) {
			if (m->a[e].ports[p].count == 0)
				continue;
			states_line(&b, m, e, (enum ep_proto)p);
			if (b.data == NULL) {
				rc =
				    ep_diag_set(d, EP_ENOMEM, 0, 0, "--save-states: out of memory");
				break;
			}
			if (b.len > (1u << 20)) {
				if (fwrite(b.data, 1, b.len, f) != b.len)
					rc = EP_EIO;
				b.len = 0;
			}
		}
	ep_buf_printf(&b,
	              "{\"type\":\"summary\",\"schema\":\"" STATES_SCHEMA
	              "\",\"complete\":%s,\"interrupted\":%s,\"measured\":%llu}\n",
	              sum->complete && !sum->interrupted ? "true" : "false",
	              sum->interrupted ? "true" : "false", (unsigned long long)m->measured);
	if (rc == 0 && (b.data == NULL || fwrite(b.data, 1, b.len, f) != b.len))
		rc = EP_EIO;
	ep_buf_free(&b);
	if (fflush(f) && rc == 0)
		rc = EP_EIO;
	if (rc == EP_EIO)
		ep_diag_set(d, rc, 0, 0, "--save-states %s: write failed: %s", path,
		            strerror(errno));
	return rc;
}

/* ---- the merge ---- */

struct shard_seen {
	char *file; /* the file that held it, for messages */
};

struct merge {
	struct verify *vf;
	const char *plan;
	uint64_t seed;
	int have_seed;
	unsigned nshards;
	struct shard_seen *seen; /* [nshards] */
	struct ep_diag *d;
};

/* Decodes runs over entry e's planned ports of proto p into the map. */
static int apply_runs(struct merge *mg, unsigned line, size_t e, enum ep_proto p, const char *runs,
                      uint32_t count)
{
	struct ep_statemap *m = &mg->vf->states;
	uint32_t at = 0, twice;
	const char *s = runs;

	while (*s) {
		char c = *s++;
		char *end;
		unsigned long n = strtoul(s, &end, 10);
		const char *hit = strchr("ocfx-", c);
		int st;

		if (hit == NULL || c == '\0' || end == s || n == 0 || n > count - at)
			return ep_diag_set(mg->d, EP_EPARSE, line, 0, "bad runs near '%.12s'",
			                   s - 1);
		s = end;
		st = c == '-' ? -1 : (int)(hit - "ocfx-");
		if (st >= 0 &&
		    ep_statemap_fill(m, e, p, at, (uint32_t)n, (enum ep_state)st, &twice)) {
			char addr[EP_ADDRSTRLEN];

			ep_addr_format(&m->a[e].addr, addr, sizeof(addr));
			return ep_diag_set(mg->d, EP_EINVAL, line, 0,
			                   "%s %s/%u measured by two shards (a shard given twice?)",
			                   addr, ep_proto_name(p),
			                   ep_portset_at(&m->a[e].ports[p], twice));
		}
		at += (uint32_t)n;
	}
	if (at != count)
		return ep_diag_set(mg->d, EP_EPARSE, line, 0, "runs cover %u of %u ports", at,
		                   count);
	return 0;
}

static int on_header(struct merge *mg, const char *file, const cJSON *j)
{
	const char *plan = ep_json_str(j, "plan"), *shard = ep_json_str(j, "shard");
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(j, "seed");
	unsigned i = 0, n = 0;
	char extra;

	if (plan == NULL || shard == NULL || !cJSON_IsNumber(seed) ||
	    sscanf(shard, "%u/%u%c", &i, &n, &extra) != 2 || n == 0 || n > MAX_SHARDS || i < 1 ||
	    i > n)
		return ep_diag_set(mg->d, EP_EPARSE, 1, 0, "not an %s header", STATES_SCHEMA);
	if (strcmp(plan, mg->plan) != 0)
		return ep_diag_set(mg->d, EP_EINVAL, 0, 0,
		                   "states of another plan (%s; this one is %s): the inventory, "
		                   "vantage, intent, ports or exclusions differ",
		                   plan, mg->plan);
	if (mg->have_seed && ((uint64_t)seed->valuedouble != mg->seed || n != mg->nshards))
		return ep_diag_set(mg->d, EP_EINVAL, 0, 0,
		                   "shard %u/%u of seed %.0f, but the others are of %u shards, "
		                   "seed %llu",
		                   i, n, seed->valuedouble, mg->nshards,
		                   (unsigned long long)mg->seed);
	if (!mg->have_seed) {
		mg->have_seed = 1;
		mg->seed = (uint64_t)seed->valuedouble;
		mg->nshards = n;
		mg->seen = calloc(n, sizeof(*mg->seen));
		if (mg->seen == NULL)
			return ep_diag_set(mg->d, EP_ENOMEM, 0, 0, "out of memory");
	}
	if (mg->seen[i - 1].file)
		return ep_diag_set(mg->d, EP_EINVAL, 0, 0, "shard %u/%u given twice (%s and %s)", i,
		                   n, mg->seen[i - 1].file, file);
	mg->seen[i - 1].file = strdup(file);
	return mg->seen[i - 1].file ? 0 : ep_diag_set(mg->d, EP_ENOMEM, 0, 0, "out of memory");
}

/* One states file, read a line at a time in step with the others. */
struct reader {
	const char *file;
	FILE *f;
	char *line;
	size_t cap;
	unsigned lineno;
	cJSON *cur; /* the current line, NULL at the end */
};

static int next_line(struct merge *mg, struct reader *r)
{
	ssize_t len;
	const char *schema;

	cJSON_Delete(r->cur);
	r->cur = NULL;
	snprintf(mg->d->file, sizeof(mg->d->file), "%s", r->file);
	len = getline(&r->line, &r->cap, r->f);
	if (len <= 0)
		return 0;
	r->lineno++;
	r->cur = cJSON_ParseWithLength(r->line, (size_t)len);
	schema = ep_json_str(r->cur, "schema");
	if (ep_json_str(r->cur, "type") == NULL || schema == NULL ||
	    strcmp(schema, STATES_SCHEMA) != 0)
		return ep_diag_set(mg->d, EP_EPARSE, r->lineno, 0, "not an %s line", STATES_SCHEMA);
	return 0;
}

static int is_type(const struct reader *r, const char *type)
{
	const char *t = ep_json_str(r->cur, "type");

	return t && strcmp(t, type) == 0;
}

/* The current line must be entry e's states for proto p; applies it. */
static int take_states(struct merge *mg, struct reader *r, size_t e, enum ep_proto p)
{
	const struct ep_statemap *m = &mg->vf->states;
	const char *addr = ep_json_str(r->cur, "address"), *proto = ep_json_str(r->cur, "proto");
	const char *runs = ep_json_str(r->cur, "runs");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(r->cur, "count");
	char want[EP_ADDRSTRLEN];
	struct ep_addr a;
	int rc;

	ep_addr_format(&m->a[e].addr, want, sizeof(want));
	if (r->cur == NULL)
		return ep_diag_set(mg->d, EP_EPARSE, r->lineno, 0,
		                   "ends before the states of %s %s (cut short?)", want,
		                   ep_proto_name(p));
	if (!is_type(r, "states") || addr == NULL || proto == NULL || runs == NULL ||
	    !cJSON_IsNumber(count) || ep_addr_parse(addr, &a))
		return ep_diag_set(mg->d, EP_EPARSE, r->lineno, 0,
		                   "expected the states of %s %s (address, proto, count, runs)",
		                   want, ep_proto_name(p));
	if (ep_addr_cmp(&a, &m->a[e].addr) != 0 || strcmp(proto, ep_proto_name(p)) != 0 ||
	    count->valuedouble != (double)m->a[e].ports[p].count)
		return ep_diag_set(mg->d, EP_EINVAL, r->lineno, 0,
		                   "%s %s where this plan has %s %s (%u ports): states of another "
		                   "plan?",
		                   addr, proto, want, ep_proto_name(p), m->a[e].ports[p].count);
	rc = apply_runs(mg, r->lineno, e, p, runs, m->a[e].ports[p].count);
	return rc ? rc : next_line(mg, r);
}

/* Judges every planned address of entry e once its states are in. */
static int judge_entry(struct verify *vf, const size_t *first, const size_t *next, size_t e,
                       struct ep_intent_view *view)
{
	int rc = 0;

	for (size_t i = first[e]; rc == 0 && i != SIZE_MAX; i = next[i])
		rc = ep_verify_compare(vf, &vf->a[i], view);
	return rc;
}

/* Streams the entries: each address's states from every shard, judged and
 * dropped before the next, so memory follows one address, not the plan. */
static int stream(struct merge *mg, struct reader *rd, size_t n)
{
	struct verify *vf = mg->vf;
	struct ep_statemap *m = &vf->states;
	struct ep_intent_view *view = malloc(sizeof(*view));
	size_t *first = malloc((m->n ? m->n : 1) * sizeof(*first));
	size_t *next = malloc((vf->n ? vf->n : 1) * sizeof(*next));
	int rc = view && first && next ? 0 : ep_diag_set(mg->d, EP_ENOMEM, 0, 0, "out of memory");

	for (size_t e = 0; rc == 0 && e < m->n; e++)
		first[e] = SIZE_MAX;
	for (size_t i = vf->n; rc == 0 && i-- > 0;) { /* lists in address order */
		next[i] = first[vf->a[i].state];
		first[vf->a[i].state] = i;
	}
	for (size_t e = 0; rc == 0 && e < m->n; e++) {
		uint64_t before = m->measured;
		uint64_t want = (uint64_t)m->a[e].ports[0].count + m->a[e].ports[1].count;

		rc = ep_statemap_hold(m, e);
		for (size_t k = 0; rc == 0 && k < n; k++)
			for (int p = 0; rc == 0 && p < EP_PROTO_COUNT; p++)
				if (m->a[e].ports[p].count)
					rc = take_states(mg, &rd[k], e, (enum ep_proto)p);
		if (rc == 0 && m->measured - before != want) {
			char addr[EP_ADDRSTRLEN];

			mg->d->file[0] = '\0';
			rc = ep_diag_set(mg->d, EP_EINVAL, 0, 0,
			                 "%llu planned probes of %s were measured by no shard",
			                 (unsigned long long)(want - (m->measured - before)),
			                 ep_addr_format(&m->a[e].addr, addr, sizeof(addr)));
		}
		if (rc == 0 && judge_entry(vf, first, next, e, view))
			rc = ep_diag_set(mg->d, EP_ENOMEM, 0, 0, "out of memory while judging");
		ep_statemap_release(m, e);
	}
	free(view);
	free(first);
	free(next);
	return rc;
}

/* After the last entry: a summary that says the shard finished, and nothing more. */
static int finish(struct merge *mg, struct reader *r)
{
	if (r->cur == NULL)
		return ep_diag_set(mg->d, EP_EPARSE, r->lineno, 0, "no summary line (cut short?)");
	if (!is_type(r, "summary"))
		return ep_diag_set(mg->d, EP_EINVAL, r->lineno, 0,
		                   "more states than this plan holds: states of another plan?");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->cur, "complete")))
		return ep_diag_set(
		    mg->d, EP_EINVAL, r->lineno, 0,
		    "that shard did not finish (interrupted or an output failed): run "
		    "it again");
	return 0;
}

int ep_verify_merge_states(struct verify *vf, const char *plan, char *const *files, size_t n,
                           uint64_t *seed, unsigned *nshards, struct ep_diag *d)
{
	struct reader *rd = calloc(n ? n : 1, sizeof(*rd));
	struct merge mg;
	int rc = rd ? 0 : ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");

	memset(&mg, 0, sizeof(mg));
	mg.vf = vf;
	mg.plan = plan;
	mg.d = d;
	/* every header first: the set of shards is checked before any work */
	for (size_t k = 0; rc == 0 && k < n; k++) {
		rd[k].file = files[k];
		snprintf(d->file, sizeof(d->file), "%s", files[k]);
		rd[k].f = ep_input_open(files[k], d); /* a local file or an S3 object */
		if (rd[k].f == NULL)
			rc = EP_EIO;
		if (rc == 0)
			rc = next_line(&mg, &rd[k]);
		if (rc == 0 && (rd[k].cur == NULL || !is_type(&rd[k], "header")))
			rc = ep_diag_set(d, EP_EPARSE, 1, 0,
			                 "no header (empty, or not a states file)");
		if (rc == 0)
			rc = on_header(&mg, files[k], rd[k].cur);
		if (rc == 0)
			rc = next_line(&mg, &rd[k]);
	}
	if (rc == 0)
		d->file[0] = '\0'; /* what follows is about the set, not one file */
	for (unsigned i = 0; rc == 0 && i < mg.nshards; i++)
		if (mg.seen[i].file == NULL)
			rc = ep_diag_set(d, EP_EINVAL, 0, 0,
			                 "shard %u/%u is missing: every shard's states are needed",
			                 i + 1, mg.nshards);
	if (rc == 0 && ep_statemap_seal_lazy(&vf->states))
		rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	if (rc == 0)
		rc = stream(&mg, rd, n);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		snprintf(d->file, sizeof(d->file), "%s", rd[k].file);
		rc = finish(&mg, &rd[k]);
	}
	*seed = mg.seed;
	*nshards = mg.nshards;
	for (size_t k = 0; rd && k < n; k++) {
		cJSON_Delete(rd[k].cur);
		free(rd[k].line);
		if (rd[k].f)
			fclose(rd[k].f);
	}
	free(rd);
	for (unsigned i = 0; i < mg.nshards && mg.seen; i++)
		free(mg.seen[i].file);
	free(mg.seen);
	return rc;
}
