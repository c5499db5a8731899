/* What the inventory declares reachable, per network interface: ECS awsvpc
 * task port mappings (on the task's interface), bridge/host network
 * bindings incl. dynamic host ports (on the container instance's interface),
 * and load-balancer listeners (on the balancer's interfaces).  Each
 * declaration names its owner (stable across task churn) and its evidence. */
#ifndef EP_DECLARED_H
#define EP_DECLARED_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct ep_declared {
	char eni[32];
	int proto; /* 6 or 17 */
	uint16_t port;
	char owner[192];    /* "cluster/service/container" or "lb/NAME" */
	char evidence[256]; /* "task definition web:7, container nginx, portMapping tcp/80" */
	int owns_interface; /* awsvpc task or balancer: the interface is theirs */
};

/* Owns its array. */
struct ep_declared_set {
	struct ep_declared *d;
	size_t n, cap;
};

/* Collects the declarations of one inventory region object. */
int ep_declared_collect(const cJSON *region, struct ep_declared_set *out);
void ep_declared_free(struct ep_declared_set *s);
/* The declaration of (eni, proto, port), or NULL. */
const struct ep_declared *ep_declared_find(const struct ep_declared_set *s, const char *eni,
                                           int proto, uint16_t port);
/* The owner of an interface when a task or balancer owns it ("" if none). */
const char *ep_declared_owner_of(const struct ep_declared_set *s, const char *eni);

/* The awsvpc task whose interface eni is, and its cluster; NULL if none. */
const cJSON *ep_declared_task_of(const cJSON *region, const char *eni, const cJSON **cluster);

#endif
