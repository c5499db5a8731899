/* Network ACLs: stateless, ordered by rule number, first match wins, and the
 * reply must be allowed out too.  Evaluated from the inventory (EC2 field
 * names) for one subnet, one source and one (protocol, port). */
#ifndef EP_NACL_H
#define EP_NACL_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"

/* The ephemeral port assumed for the reply leg (Linux's range starts here). */
#define EP_NACL_REPLY_PORT 32768

/* 1 when the subnet's ACL lets (proto, port) in from src and the reply back
 * out to src's ephemeral port; 0 when it blocks, with why naming the ACL and
 * the rule ("acl-1 inbound rule 110: deny tcp 22 from 10.0.0.0/8").  No
 * ACL data for the subnet: allowed (why says so). */
int ep_nacl_admits(const cJSON *acls, const char *subnet, const char *vpc,
                   const struct ep_addr *src, int proto, uint16_t port, char *why, size_t len);

#endif
