/* Route tables, compiled once: for each table its subnets and whether it
 * routes IPv4 and IPv6 defaults to an internet gateway, the only way a
 * public address is reached from outside the VPC. */
#ifndef EP_ROUTES_H
#define EP_ROUTES_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Owns its array. */
struct ep_route_table {
	char id[32], vpc[32];
	int is_main;
	char (*subnets)[32];
	size_t nsubnets;
	int igw[2]; /* [0] 0.0.0.0/0, [1] ::/0 to an active igw- */
};

int ep_routes_compile(const cJSON *table, struct ep_route_table *out);
void ep_routes_free(struct ep_route_table *t);
/* The table associated with the subnet, else the VPC's main table, else NULL. */
const struct ep_route_table *ep_routes_for(const struct ep_route_table *t, size_t n,
                                           const char *subnet, const char *vpc);
/* 1 when a public address of `family` in a subnet using t is reached from
 * the internet; t NULL (no data) counts as reachable.  why may be NULL. */
int ep_routes_internet_ok(const struct ep_route_table *t, uint8_t family, char *why, size_t len);

#endif
