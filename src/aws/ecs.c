/* ECS reader: clusters -> services (described 10 at a time) and tasks
 * (100 at a time) -> the task definitions they use (each once) and the
 * container instances behind bridge/host tasks (100 at a time).  Kept in
 * ECS's own JSON shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/inv_internal.h"

struct batch {
	cJSON *cluster; /* the cluster object in the document */
	const char *out_key;
	const char *api;
};

/* ECS's answer had field of the wrong type (or null): an error, so the
 * pull ends in exit 3 and says which API and field, never a quiet gap. */
static void bad_field(struct ep_inv_region *r, const char *api, const char *field, const char *want)
{
	char who[64], msg[200];

	snprintf(who, sizeof(who), "ecs:%s", api);
	snprintf(msg, sizeof(msg), "field '%s' is not %s", field, want);
	ep_inv_error(r, who, "MalformedAnswer", msg);
}

/* item[key] when it is a string; absent is NULL; any other type is an error. */
static const char *string_field(struct ep_inv_region *r, const char *api, const cJSON *item,
                                const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);

	if (v == NULL)
		return NULL;
	if (!cJSON_IsString(v)) {
		bad_field(r, api, key, "a string");
		return NULL;
	}
	return v->valuestring;
}

static cJSON *ecs_obj(struct ep_inv_region *r)
{
	return cJSON_GetObjectItemCaseSensitive(r->obj, "ecs");
}

/* True the first time key is seen in set (a scratch object). */
static int first_time(struct ep_inv_region *r, const char *set, const char *key)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(r->scratch, set);

	if (s == NULL)
		s = cJSON_AddObjectToObject(r->scratch, set);
	if (cJSON_GetObjectItemCaseSensitive(s, key))
		return 0;
	cJSON_AddTrueToObject(s, key);
	return 1;
}

static void on_taskdef(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	cJSON *td;

	(void)ctx;
	if (reply == NULL)
		return;
	td = cJSON_GetObjectItemCaseSensitive(reply->json, "taskDefinition");
	if (!cJSON_IsObject(td))
		bad_field(r, "DescribeTaskDefinition", "taskDefinition", "an object");
	else
		cJSON_AddItemToArray(
		    cJSON_GetObjectItemCaseSensitive(ecs_obj(r), "task_definitions"),
		    cJSON_Duplicate(td, 1));
}

static void describe_taskdef(struct ep_inv_region *r, const char *arn)
{
	cJSON *req;
	char *body;

	if (!first_time(r, "taskdefs", arn))
		return;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "taskDefinition", arn);
	body = cJSON_PrintUnformatted(req);
	ep_inv_call(r, "ecs", "DescribeTaskDefinition", body ? body : "{}", on_taskdef, NULL);
	cJSON_free(body);
	cJSON_Delete(req);
}

static void on_described(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply);

/* Sends DescribeX for arns in batches of max, into cluster[out_key]. */
static void describe_batches(struct ep_inv_region *r, cJSON *cluster, const char *api,
                             const char *arg_key, const cJSON *arns, int max, const char *out_key)
{
	const cJSON *clusterArn = cJSON_GetObjectItemCaseSensitive(cluster, "clusterArn");
	int n = cJSON_GetArraySize(arns);

	for (int i = 0; i < n; i += max) {
		cJSON *req = cJSON_CreateObject();
		cJSON *list = cJSON_AddArrayToObject(req, arg_key);
		struct batch *b = calloc(1, sizeof(*b));
		char *body;

		if (b == NULL) {
			cJSON_Delete(req);
			ep_inv_error(r, api, "LocalError", "out of memory");
			return;
		}
		b->cluster = cluster;
		b->out_key = out_key;
		b->api = api;
		cJSON_AddStringToObject(req, "cluster", clusterArn->valuestring);
		for (int k = i; k < n && k < i + max; k++) {
			const cJSON *arn = cJSON_GetArrayItem(arns, k);

			if (cJSON_IsString(arn))
				cJSON_AddItemToArray(list, cJSON_Duplicate(arn, 0));
			else
				bad_field(r,
				          strcmp(api, "DescribeTasks") == 0      ? "ListTasks"
				          : strcmp(api, "DescribeServices") == 0 ? "ListServices"
				                                                 : api,
				          arg_key, "a list of strings");
		}
		if (strcmp(api, "DescribeTasks") == 0 || strcmp(api, "DescribeServices") == 0) {
			cJSON *inc = cJSON_AddArrayToObject(req, "include");

			cJSON_AddItemToArray(inc, cJSON_CreateString("TAGS"));
		}
		body = cJSON_PrintUnformatted(req);
		ep_inv_call(r, "ecs", api, body ? body : "{}", on_described, b);
		cJSON_free(body);
		cJSON_Delete(req);
	}
}

static void on_described(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	struct batch *b = ctx;
	cJSON *out = cJSON_GetObjectItemCaseSensitive(b->cluster, b->out_key);
	const cJSON *items, *it, *fails;
	cJSON *cis = cJSON_CreateArray();

	if (reply == NULL)
		goto out;
	if (!cJSON_IsObject(reply->json)) {
		bad_field(r, b->api, "(the answer)", "a JSON object");
		goto out;
	}
	items = cJSON_GetObjectItemCaseSensitive(reply->json, b->out_key);
	if (items && !cJSON_IsArray(items)) {
		bad_field(r, b->api, b->out_key, "an array");
		items = NULL;
	}
	cJSON_ArrayForEach(it, items)
	{
		const char *td, *ci;

		if (!cJSON_IsObject(it)) {
			bad_field(r, b->api, b->out_key, "an array of objects");
			continue;
		}
		td = string_field(r, b->api, it, "taskDefinitionArn");
		if (td == NULL)
			td = string_field(r, b->api, it, "taskDefinition");
		ci = string_field(r, b->api, it, "containerInstanceArn");
		if (td)
			describe_taskdef(r, td);
		if (ci && first_time(r, "instances", ci))
			cJSON_AddItemToArray(cis, cJSON_CreateString(ci));
		cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
	}
	fails = cJSON_GetObjectItemCaseSensitive(reply->json, "failures");
	if (fails && !cJSON_IsArray(fails)) {
		bad_field(r, b->api, "failures", "an array");
		fails = NULL;
	}
	cJSON_ArrayForEach(it, fails)
	{
		const cJSON *arn = cJSON_GetObjectItemCaseSensitive(it, "arn");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(it, "reason");
		const char *reason = cJSON_IsString(why) ? why->valuestring : "unknown";
		char api[64], msg[512];

		snprintf(api, sizeof(api), "ecs:%s", b->api);
		snprintf(msg, sizeof(msg), "%s: %s", cJSON_IsString(arn) ? arn->valuestring : "?",
		         reason);
		/* MISSING is the normal race with a task or service that ended
		 * between List and Describe: noted, not an error */
		if (strcmp(reason, "MISSING") == 0)
			ep_inv_note(r, api, msg);
		else
			ep_inv_error(r, api, "Failure", msg);
	}
	if (cJSON_GetArraySize(cis))
		describe_batches(r, b->cluster, "DescribeContainerInstances", "containerInstances",
		                 cis, 100, "containerInstances");
out:
	cJSON_Delete(cis);
	free(b);
}

static void after_services(struct ep_inv_region *r, cJSON *arns, void *ctx)
{
	describe_batches(r, ctx, "DescribeServices", "services", arns, 10, "services");
	cJSON_Delete(arns);
}

static void after_tasks(struct ep_inv_region *r, cJSON *arns, void *ctx)
{
	describe_batches(r, ctx, "DescribeTasks", "tasks", arns, 100, "tasks");
	cJSON_Delete(arns);
}

static void after_clusters(struct ep_inv_region *r, cJSON *arns, void *ctx)
{
	cJSON *clusters = cJSON_GetObjectItemCaseSensitive(ecs_obj(r), "clusters");
	const cJSON *arn;

	(void)ctx;
	cJSON_ArrayForEach(arn, arns)
	{
		cJSON *c = cJSON_CreateObject();
		cJSON *req;

		if (!cJSON_IsString(arn)) {
			bad_field(r, "ListClusters", "clusterArns", "a list of strings");
			cJSON_Delete(c);
			continue;
		}
		cJSON_AddStringToObject(c, "clusterArn", arn->valuestring);
		cJSON_AddArrayToObject(c, "services");
		cJSON_AddArrayToObject(c, "tasks");
		cJSON_AddArrayToObject(c, "containerInstances");
		cJSON_AddItemToArray(clusters, c);

		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "cluster", arn->valuestring);
		cJSON_AddNumberToObject(req, "maxResults", 100);
		ep_inv_json_list(r, "ecs", "ListServices", req, "serviceArns", cJSON_CreateArray(),
		                 c, after_services);
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "cluster", arn->valuestring);
		cJSON_AddNumberToObject(req, "maxResults", 100);
		ep_inv_json_list(r, "ecs", "ListTasks", req, "taskArns", cJSON_CreateArray(), c,
		                 after_tasks);
	}
	cJSON_Delete(arns);
}

static void ecs_start(struct ep_inv_region *r)
{
	cJSON *ecs = cJSON_AddObjectToObject(r->obj, "ecs");
	cJSON *req = cJSON_CreateObject();

	cJSON_AddArrayToObject(ecs, "clusters");
	cJSON_AddArrayToObject(ecs, "task_definitions");
	cJSON_AddNumberToObject(req, "maxResults", 100);
	ep_inv_json_list(r, "ecs", "ListClusters", req, "clusterArns", cJSON_CreateArray(), NULL,
	                 after_clusters);
}

/* Services, tasks and task definitions arrive in parallel batches. */
static void ecs_finish(struct ep_inv_region *r)
{
	cJSON *ecs = ecs_obj(r), *c;

	ep_json_sort_by(cJSON_GetObjectItemCaseSensitive(ecs, "task_definitions"),
	                "taskDefinitionArn");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(ecs, "clusters"))
	{
		ep_json_sort_by(cJSON_GetObjectItemCaseSensitive(c, "services"), "serviceArn");
		ep_json_sort_by(cJSON_GetObjectItemCaseSensitive(c, "tasks"), "taskArn");
		ep_json_sort_by(cJSON_GetObjectItemCaseSensitive(c, "containerInstances"),
		                "containerInstanceArn");
	}
}

const struct ep_inv_service ep_inv_ecs = {"ecs", ecs_start, ecs_finish};
