/* The subnets an ACL or a route table is associated with (associationSet[]
 * .subnetId), shared by both compilers. */
#ifndef EP_ASSOC_H
#define EP_ASSOC_H

#include <cJSON.h>
#include <stddef.h>

/* *out is malloc'd (NULL when there are none); EP_ENOMEM on failure. */
int ep_assoc_subnets(const cJSON *obj, char (**out)[32], size_t *n);
int ep_assoc_has(const char (*subnets)[32], size_t n, const char *subnet);

#endif
