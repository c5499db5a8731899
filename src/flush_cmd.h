/* The `flush` command: sends what network outputs left in a --spool
 * directory to their receivers, oldest first. */
#ifndef EP_FLUSH_CMD_H
#define EP_FLUSH_CMD_H

#include "config/opt.h"

int ep_cmd_flush(int argc, char **argv);
extern const struct ep_cmdline ep_flush_cmdline;

#endif
