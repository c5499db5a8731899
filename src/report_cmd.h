/* The `report` command: the HTML report of a run from its NDJSON output. */
#ifndef EP_REPORT_CMD_H
#define EP_REPORT_CMD_H

#include "config/opt.h"

int ep_cmd_report(int argc, char **argv);
extern const struct ep_cmdline ep_report_cmdline;

#endif
