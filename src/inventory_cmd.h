/* The `inventory` command: pull AWS inventory, write the JSON document. */
#ifndef EP_INVENTORY_CMD_H
#define EP_INVENTORY_CMD_H

#include "config/opt.h"

int ep_cmd_inventory(int argc, char **argv);
extern const struct ep_cmdline ep_inventory_cmdline;

#endif
