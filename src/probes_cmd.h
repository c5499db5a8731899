/* The `probes` command: lists the UDP probe payloads loaded from probes/. */
#ifndef EP_PROBES_CMD_H
#define EP_PROBES_CMD_H

int ep_cmd_probes(int argc, char **argv);
extern const char ep_probes_usage[];

#endif
