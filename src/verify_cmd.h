/* The `verify` command: declared vs reachable, as findings with evidence. */
#ifndef EP_VERIFY_CMD_H
#define EP_VERIFY_CMD_H

#include "config/opt.h"

int ep_cmd_verify(int argc, char **argv);
extern const struct ep_cmdline ep_verify_cmdline;

#endif
