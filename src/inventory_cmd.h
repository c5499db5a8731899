/* The `inventory` command: pull AWS inventory, write the JSON document. */
#ifndef EP_INVENTORY_CMD_H
#define EP_INVENTORY_CMD_H

int ep_cmd_inventory(int argc, char **argv);
extern const char ep_inventory_usage[];

#endif
