/* Route tables: a public address (an Elastic/public IPv4 or an IPv6 address)
 * is reachable from outside only when its subnet's route table (or the VPC's
 * main table) sends the default route to an internet gateway. */
#ifndef EP_ROUTES_H
#define EP_ROUTES_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* 1 when the subnet routes 0.0.0.0/0 (family 4) or ::/0 (family 6) to an
 * igw-; 0 otherwise, with why naming the table; 1 with "no route table data"
 * when the inventory has none for the subnet's VPC. */
int ep_routes_internet_ok(const cJSON *tables, const char *subnet, const char *vpc, uint8_t family,
                          char *why, size_t len);

#endif
