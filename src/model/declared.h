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

#include "config/portspec.h"

struct ep_declared {
	char eni[32];
	enum ep_proto proto;
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

/* Collects the declarations of one inventory region object, sorted by
 * (interface, protocol, port) so one interface's are a contiguous slice.
 * Declarations without a string interface id or a port in 1-65535 are
 * left out (nothing to probe). */
int ep_declared_collect(const cJSON *region, struct ep_declared_set *out);
void ep_declared_free(struct ep_declared_set *s);
/* The slice of s declared on interface eni: *first and the count. */
size_t ep_declared_slice(const struct ep_declared_set *s, const char *eni,
                         const struct ep_declared **first);
/* The declaration of (proto, port) in a slice, or NULL.  O(log n). */
const struct ep_declared *ep_declared_find(const struct ep_declared *d, size_t n,
                                           enum ep_proto proto, uint16_t port);
/* The ENI of an awsvpc task (attachments[].details), or NULL. */
const char *ep_declared_task_eni(const cJSON *task);

#endif
