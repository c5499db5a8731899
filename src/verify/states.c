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

static int on_states(struct merge *mg, unsigned line, const cJSON *j)
{
	const char *addr = ep_json_str(j, "address"), *proto = ep_json_str(j, "proto");
	const char *runs = ep_json_str(j, "runs");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(j, "count");
	struct ep_addr a;
	enum ep_proto p;
	int64_t e;

	if (addr == NULL || proto == NULL || runs == NULL || !cJSON_IsNumber(count) ||
	    ep_addr_parse(addr, &a) || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
		return ep_diag_set(mg->d, EP_EPARSE, line, 0,
		                   "a states line needs address, "
		                   "proto, count and runs");
	p = proto[0] == 'u' ? EP_PROTO_UDP : EP_PROTO_TCP;
	e = ep_statemap_find(&mg->vf->states, &a);
	if (e < 0 || (double)mg->vf->states.a[e].ports[p].count != count->valuedouble)
		return ep_diag_set(mg->d, EP_EINVAL, line, 0,
		                   "%s %s is not in this plan (states of another plan?)", addr,
		                   proto);
	return apply_runs(mg, line, (size_t)e, p, runs, mg->vf->states.a[e].ports[p].count);
}

/* One states file: header first, then states lines, then a summary. */
static int merge_file(struct merge *mg, const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0, summary = 0;

	snprintf(mg->d->file, sizeof(mg->d->file), "%s", file);
	if (f == NULL)
		return ep_diag_set(mg->d, EP_EIO, 0, 0, "cannot open: %s", strerror(errno));
	while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
		cJSON *j = cJSON_ParseWithLength(line, (size_t)len);
		const char *type = ep_json_str(j, "type"), *schema = ep_json_str(j, "schema");

		lineno++;
		if (type == NULL || schema == NULL || strcmp(schema, STATES_SCHEMA) != 0)
			rc = ep_diag_set(mg->d, EP_EPARSE, lineno, 0, "not an %s line",
			                 STATES_SCHEMA);
		else if (lineno == 1 && strcmp(type, "header") != 0)
			rc = ep_diag_set(mg->d, EP_EPARSE, lineno, 0, "no header");
		else if (strcmp(type, "header") == 0)
			rc = lineno == 1
			         ? on_header(mg, file, j)
			         : ep_diag_set(mg->d, EP_EPARSE, lineno, 0, "a second header");
		else if (strcmp(type, "states") == 0)
			rc = on_states(mg, lineno, j);
		else if (strcmp(type, "summary") == 0) {
			summary = 1;
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "complete")))
				rc = ep_diag_set(mg->d, EP_EINVAL, lineno, 0,
				                 "that shard did not finish (interrupted or an "
				                 "output failed): run it again");
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	if (rc == 0 && lineno == 0)
		rc = ep_diag_set(mg->d, EP_EPARSE, 0, 0, "empty");
	if (rc == 0 && !summary)
		rc = ep_diag_set(mg->d, EP_EPARSE, lineno, 0, "no summary line (cut short?)");
	return rc;
}

int ep_verify_load_states(struct verify *vf, const char *plan, char *const *files, size_t n,
                          uint64_t *seed, unsigned *nshards, struct ep_diag *d)
{
	struct merge mg;
	int rc = 0;

	memset(&mg, 0, sizeof(mg));
	mg.vf = vf;
	mg.plan = plan;
	mg.d = d;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = merge_file(&mg, files[i]);
	if (rc == 0)
		d->file[0] = '\0'; /* what follows is about the set, not one file */
	for (unsigned i = 0; rc == 0 && i < mg.nshards; i++)
		if (mg.seen[i].file == NULL)
			rc = ep_diag_set(d, EP_EINVAL, 0, 0,
			                 "shard %u/%u is missing: every shard's states are needed",
			                 i + 1, mg.nshards);
	if (rc == 0 && vf->states.measured != vf->states.planned)
		rc = ep_diag_set(d, EP_EINVAL, 0, 0,
		                 "%llu of %llu planned probes were measured by no shard",
		                 (unsigned long long)(vf->states.planned - vf->states.measured),
		                 (unsigned long long)vf->states.planned);
	*seed = mg.seed;
	*nshards = mg.nshards;
	for (unsigned i = 0; i < mg.nshards && mg.seen; i++)
		free(mg.seen[i].file);
	free(mg.seen);
	return rc;
}
