/* verify's inputs from outside: the inventory (read or pulled live), a
 * steady-state check for --wait-stable, the --baseline file, port lists. */
#include "verify/verify.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/text.h"

/* --wait-stable: is every matching service in a steady state?  One
 * PRIMARY deployment (rolloutState COMPLETED when ECS reports it) and as many
 * tasks running as desired.  why gets the first one that is not. */
int ep_verify_services_steady(const cJSON *doc, const char *cluster, const char *service, char *why,
                              size_t len)
{
	const cJSON *acct, *reg, *cl, *svc, *dep;
	int found = 0;

	cJSON_ArrayForEach(acct, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	    cJSON_ArrayForEach(reg, cJSON_GetObjectItemCaseSensitive(acct, "regions"))
	        cJSON_ArrayForEach(cl,
	                           cJSON_GetObjectItemCaseSensitive(
	                               cJSON_GetObjectItemCaseSensitive(reg, "ecs"), "clusters"))
	{
		const char *carn = ep_json_str(cl, "clusterArn");
		const char *cname = carn && strrchr(carn, '/') ? strrchr(carn, '/') + 1 : "";

		if (cluster && strcmp(cluster, cname) != 0)
			continue;
		cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(cl, "services"))
		{
			const char *name = ep_json_str(svc, "serviceName");
			const cJSON *run = cJSON_GetObjectItemCaseSensitive(svc, "runningCount");
			const cJSON *want = cJSON_GetObjectItemCaseSensitive(svc, "desiredCount");
			int deployments = 0, rolling = 0;

			if (name == NULL || (service && strcmp(service, name) != 0))
				continue;
			found = 1;
			cJSON_ArrayForEach(dep,
			                   cJSON_GetObjectItemCaseSensitive(svc, "deployments"))
			{
				const char *rs = ep_json_str(dep, "rolloutState");

				deployments++;
				rolling |= rs && strcmp(rs, "COMPLETED") != 0;
			}
			if (deployments > 1 || rolling ||
			    (cJSON_IsNumber(run) && cJSON_IsNumber(want) &&
			     run->valueint != want->valueint)) {
				snprintf(why, len,
				         "service %s/%s: %d of %d tasks running, %d deployment%s%s",
				         cname, name, cJSON_IsNumber(run) ? run->valueint : -1,
				         cJSON_IsNumber(want) ? want->valueint : -1, deployments,
				         deployments == 1 ? "" : "s",
				         rolling ? ", rollout in progress" : "");
				return 0;
			}
		}
	}
	if (!found) {
		snprintf(why, len, "no service %s%s%s in the inventory", cluster ? cluster : "",
		         cluster ? "/" : "", service ? service : "");
		return 0;
	}
	return 1;
}

struct pulled {
	cJSON *doc;
	int rc;
};

static void on_pulled(void *arg, int rc, cJSON *doc, const char *err)
{
	struct pulled *p = arg;

	p->doc = doc;
	p->rc = rc;
	if (rc && err && *err)
		fprintf(stderr, "ecsprobe: inventory: %s\n", err);
}

/* No --inventory: pull it now (same options as `ecsprobe inventory`).  A
 * partial pull still verifies what it has, but the exit status says 3. */
cJSON *ep_verify_pull_live(struct ep_inventory_opts *o, int *status)
{
	struct pulled p = {NULL, 0};
	uv_loop_t loop;

	if (o->aws.timeout_ms == 0)
		o->aws.timeout_ms = 30000;
	if (uv_loop_init(&loop)) {
		*status = 3;
		return NULL;
	}
	if (ep_inventory_pull(&loop, o, on_pulled, &p, NULL) == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (p.doc == NULL || p.rc)
		*status = 3;
	return p.doc;
}

/* --baseline: a previous verify's NDJSON; finding id -> first_seen.  Lines
 * that are not findings are skipped unparsed. */
int ep_verify_load_baseline(const char *path, cJSON **out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;

	*out = cJSON_CreateObject();
	if (f == NULL) {
		fprintf(stderr, "ecsprobe: --baseline %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *j;
		const char *id, *first, *ts;

		lineno++;
		if (strstr(line, "\"type\":\"finding\"") == NULL)
			continue;
		j = cJSON_ParseWithLength(line, (size_t)n);
		if (j && ep_utf8_fix_json(j) < 0) { /* the boundary for a baseline */
			cJSON_Delete(j);
			j = NULL;
		}
		id = ep_json_str(j, "id");
		first = ep_json_str(j, "first_seen");
		ts = ep_json_str(j, "last_seen");
		if (j == NULL || id == NULL) {
			fprintf(stderr, "ecsprobe: %s:%u: not a finding record\n", path, lineno);
			cJSON_Delete(j);
			free(line);
			fclose(f);
			return -1;
		}
		if (!cJSON_GetObjectItemCaseSensitive(*out, id))
			cJSON_AddStringToObject(*out, id, first ? first : ts ? ts : "");
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return 0;
}

/* first seen: as the baseline says, or now; new and gone are counted */
void ep_verify_apply_baseline(struct verify *vf, const cJSON *baseline, const char *path,
                              FILE *human)
{
	char now_text[40];
	size_t gone = 0, fresh = 0;
	const cJSON *it;

	ep_time_format((uint64_t)vf->now * 1000000000u, now_text, sizeof(now_text));
	for (size_t i = 0; i < vf->findings.n; i++) {
		struct ep_finding *f = &vf->findings.f[i];
		const char *first = ep_json_str(baseline, f->id);

		fresh += first == NULL;
		snprintf(f->first_seen, sizeof(f->first_seen), "%s",
		         first && *first ? first : now_text);
		snprintf(f->last_seen, sizeof(f->last_seen), "%s", now_text);
	}
	cJSON_ArrayForEach(it, baseline)
	{
		size_t k;

		for (k = 0; k < vf->findings.n; k++)
			if (strcmp(vf->findings.f[k].id, it->string) == 0)
				break;
		gone += k == vf->findings.n;
	}
	fprintf(human, "baseline %s: %zu new finding%s, %zu gone\n", path, fresh,
	        fresh == 1 ? "" : "s", gone);
}

/* --extra-ports @FILE: ports or ranges one per line, '#' comments, joined
 * into a port spec.  The caller frees it. */
char *ep_verify_read_port_list(const char *path)
{
	FILE *f = fopen(path, "r");
	struct ep_buf b;
	char line[256];

	if (f == NULL) {
		fprintf(stderr, "ecsprobe: --extra-ports @%s: %s\n", path, strerror(errno));
		return NULL;
	}
	ep_buf_init(&b, 1 << 20);
	ep_buf_adds(&b, "");
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		size_t n;

		p[strcspn(p, "#\r\n")] = '\0';
		n = strcspn(p, " \t");
		if (n == 0)
			continue;
		if (b.len)
			ep_buf_addc(&b, ',');
		ep_buf_add(&b, p, n);
	}
	fclose(f);
	return b.data; /* owned by the caller now */
}
