/* The `probes` command: lists the UDP probe payloads loaded from probes/. */
#ifndef EP_PROBES_CMD_H
#define EP_PROBES_CMD_H

#include "config/opt.h"

int ep_cmd_probes(int argc, char **argv);
extern const struct ep_cmdline ep_probes_cmdline;

#endif
