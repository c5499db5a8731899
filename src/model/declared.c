/* Declarations from ECS and ELBv2 data.  O(tasks x containers) plus a scan
 * of the interfaces per task for bridge/host mode; then one sort, so
 * lookups are binary searches over one interface's slice. */
#include "model/declared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"

static int num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(v))
		return v->valueint;
	if (cJSON_IsString(v))
		return (int)strtol(v->valuestring, NULL, 10);
	return -1;
}

/* A string member, or "?" when absent or not a string (untrusted input). */
static const char *str(const cJSON *o, const char *key)
{
	const char *s = ep_json_str(o, key);

	return s ? s : "?";
}

/* Last path element of an ARN ("...:task-definition/web:7" -> "web:7"). */
static const char *tail(const char *arn)
{
	const char *s = arn ? strrchr(arn, '/') : NULL;

	return s ? s + 1 : (arn ? arn : "?");
}

static int add(struct ep_declared_set *s, const char *eni, enum ep_proto proto, int port,
               const char *owner, const char *evidence, int owns)
{
	struct ep_declared *d;

	if (eni == NULL || eni[0] == '\0' || port < 1 || port > 65535)
		return 0;
	if (ep_array_reserve((void **)&s->d, &s->cap, s->n + 1, sizeof(*s->d)))
		return EP_ENOMEM;
	d = &s->d[s->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->eni, sizeof(d->eni), "%s", eni);
	d->proto = proto;
	d->port = (uint16_t)port;
	snprintf(d->owner, sizeof(d->owner), "%s", owner);
	snprintf(d->evidence, sizeof(d->evidence), "%s", evidence);
	d->owns_interface = owns;
	return 0;
}

static const cJSON *find_by(const cJSON *arr, const char *key, const char *value)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		const char *v = ep_json_str(it, key);

		if (v && value && strcmp(v, value) == 0)
			return it;
	}
	return NULL;
}

/* ECS says "tcp" or "udp"; absent is tcp. */
static enum ep_proto ecs_proto(const cJSON *mapping)
{
	const char *p = ep_json_str(mapping, "protocol");

	return p && strcmp(p, "udp") == 0 ? EP_PROTO_UDP : EP_PROTO_TCP;
}

const char *ep_declared_task_eni(const cJSON *task)
{
	const cJSON *att, *det;

	cJSON_ArrayForEach(att, cJSON_GetObjectItemCaseSensitive(task, "attachments"))
	    cJSON_ArrayForEach(det, cJSON_GetObjectItemCaseSensitive(att, "details"))
	{
		const char *name = ep_json_str(det, "name");

		if (name && strcmp(name, "networkInterfaceId") == 0)
			return ep_json_str(det, "value");
	}
	return NULL;
}

/* The primary interface of an EC2 instance (attachment.instanceId). */
static const char *instance_eni(const cJSON *enis, const char *instance)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, enis)
	{
		const cJSON *att = cJSON_GetObjectItemCaseSensitive(e, "attachment");
		const char *id = ep_json_str(att, "instanceId");
		const char *idx = ep_json_str(att, "deviceIndex");

		if (id && instance && strcmp(id, instance) == 0 &&
		    (idx == NULL || strcmp(idx, "0") == 0))
			return ep_json_str(e, "networkInterfaceId");
	}
	return NULL;
}

static int collect_task(struct ep_declared_set *out, const cJSON *region, const cJSON *cluster,
                        const cJSON *task)
{
	const cJSON *ecs = cJSON_GetObjectItemCaseSensitive(region, "ecs");
	const cJSON *enis = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(region, "ec2"), "network_interfaces");
	const char *tdarn = ep_json_str(task, "taskDefinitionArn");
	const cJSON *td = find_by(cJSON_GetObjectItemCaseSensitive(ecs, "task_definitions"),
	                          "taskDefinitionArn", tdarn);
	const char *mode = ep_json_str(td, "networkMode");
	const char *group = ep_json_str(task, "group");
	const char *service = group && strncmp(group, "service:", 8) == 0 ? group + 8 : "-";
	const char *cname = tail(ep_json_str(cluster, "clusterArn"));
	const cJSON *c, *m;
	int rc = 0;

	if (mode && strcmp(mode, "awsvpc") == 0) {
		const char *eni = ep_declared_task_eni(task);

		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions"))
		    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(c, "portMappings"))
		{
			char owner[192], ev[256];

			snprintf(owner, sizeof(owner), "%s/%s/%s", cname, service, str(c, "name"));
			snprintf(ev, sizeof(ev),
			         "task definition %s, container %s, portMapping %s/%d", tail(tdarn),
			         str(c, "name"),
			         ep_json_str(m, "protocol") ? ep_json_str(m, "protocol") : "tcp",
			         num(m, "containerPort"));
			if (rc == 0)
				rc = add(out, eni, ecs_proto(m), num(m, "containerPort"), owner, ev,
				         1);
		}
		return rc;
	}
	/* bridge / host: the bindings the agent reports, on the instance's interface */
	{
		const cJSON *ci = NULL, *cl;

		cJSON_ArrayForEach(cl, cJSON_GetObjectItemCaseSensitive(ecs, "clusters")) if (ci ==
		                                                                              NULL)
		    ci = find_by(cJSON_GetObjectItemCaseSensitive(cl, "containerInstances"),
		                 "containerInstanceArn", ep_json_str(task, "containerInstanceArn"));
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(task, "containers"))
		    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(c, "networkBindings"))
		{
			char owner[192], ev[256];
			const char *eni = instance_eni(enis, ep_json_str(ci, "ec2InstanceId"));

			snprintf(owner, sizeof(owner), "%s/%s/%s", cname, service, str(c, "name"));
			snprintf(ev, sizeof(ev),
			         "task %s (%s mode), container %s, networkBinding hostPort %s/%d "
			         "-> %d on %s",
			         tail(ep_json_str(task, "taskArn")), mode ? mode : "bridge",
			         str(c, "name"),
			         ep_json_str(m, "protocol") ? ep_json_str(m, "protocol") : "tcp",
			         num(m, "hostPort"), num(m, "containerPort"),
			         str(ci, "ec2InstanceId"));
			if (rc == 0)
				rc = add(out, eni, ecs_proto(m), num(m, "hostPort"), owner, ev, 0);
		}
	}
	return rc;
}

/* Load balancers: "ELB app/NAME/ID" or "ELB net/NAME/ID" interface descriptions. */
static int collect_lbs(struct ep_declared_set *out, const cJSON *region)
{
	const cJSON *enis = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(region, "ec2"), "network_interfaces");
	const cJSON *lbs = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(region, "elbv2"), "load_balancers");
	const cJSON *e, *lb, *l;
	int rc = 0;

	cJSON_ArrayForEach(e, enis)
	{
		const char *desc = ep_json_str(e, "description");
		char name[128];
		const char *p;

		if (desc == NULL || strncmp(desc, "ELB ", 4) != 0 ||
		    (p = strchr(desc, '/')) == NULL)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(p + 1, "/"), p + 1);
		lb = find_by(lbs, "LoadBalancerName", name);
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(lb, "Listeners"))
		{
			char owner[192], ev[256];
			const char *proto = ep_json_str(l, "Protocol");

			snprintf(owner, sizeof(owner), "lb/%s", name);
			snprintf(ev, sizeof(ev), "listener %s:%d of load balancer %s",
			         proto ? proto : "?", num(l, "Port"), name);
			/* UDP and TCP_UDP listeners take UDP; every other protocol is TCP */
			if (rc == 0 && proto && strstr(proto, "UDP"))
				rc = add(out, ep_json_str(e, "networkInterfaceId"), EP_PROTO_UDP,
				         num(l, "Port"), owner, ev, 1);
			if (rc == 0 && !(proto && strcmp(proto, "UDP") == 0))
				rc = add(out, ep_json_str(e, "networkInterfaceId"), EP_PROTO_TCP,
				         num(l, "Port"), owner, ev, 1);
		}
	}
	return rc;
}

static int by_key(const void *pa, const void *pb)
{
	const struct ep_declared *a = pa, *b = pb;
	int c = strcmp(a->eni, b->eni);

	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	/* an interface's own (awsvpc, balancer) declaration before a binding */
	return b->owns_interface - a->owns_interface;
}

int ep_declared_collect(const cJSON *region, struct ep_declared_set *out)
{
	const cJSON *cl, *t;
	int rc = 0;

	cJSON_ArrayForEach(cl, cJSON_GetObjectItemCaseSensitive(
	                           cJSON_GetObjectItemCaseSensitive(region, "ecs"), "clusters"))
	    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(cl, "tasks"))
	{
		if (rc == 0)
			rc = collect_task(out, region, cl, t);
	}
	if (rc == 0)
		rc = collect_lbs(out, region);
	if (rc == 0 && out->n > 1)
		qsort(out->d, out->n, sizeof(*out->d), by_key);
	return rc;
}

void ep_declared_free(struct ep_declared_set *s)
{
	free(s->d);
	memset(s, 0, sizeof(*s));
}

size_t ep_declared_slice(const struct ep_declared_set *s, const char *eni,
                         const struct ep_declared **first)
{
	size_t lo = 0, hi = s->n, end;

	*first = NULL;
	if (eni == NULL)
		return 0;
	while (lo < hi) { /* the first entry not below eni */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->d[mid].eni, eni) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < s->n && strcmp(s->d[end].eni, eni) == 0; end++)
		;
	if (end == lo)
		return 0;
	*first = &s->d[lo];
	return end - lo;
}

const struct ep_declared *ep_declared_find(const struct ep_declared *d, size_t n,
                                           enum ep_proto proto, uint16_t port)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d[mid].proto < proto || (d[mid].proto == proto && d[mid].port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && d[lo].proto == proto && d[lo].port == port ? &d[lo] : NULL;
}
