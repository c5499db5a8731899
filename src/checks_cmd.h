/* The `checks` command: the catalogue of finding kinds and the public
 * controls they map to (compare/checks.h). */
#ifndef EP_CHECKS_CMD_H
#define EP_CHECKS_CMD_H

#include "config/opt.h"

int ep_cmd_checks(int argc, char **argv);
extern const struct ep_cmdline ep_checks_cmdline;

#endif
