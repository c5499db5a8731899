/* The `plan` command: from a saved inventory and a vantage point, what the
 * security groups admit, per interface address, with the rule that says so. */
#ifndef EP_PLAN_CMD_H
#define EP_PLAN_CMD_H

#include "config/opt.h"

int ep_cmd_plan(int argc, char **argv);
extern const struct ep_cmdline ep_plan_cmdline;

#endif
