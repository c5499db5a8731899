/* The `flush` command: sends what network outputs left in a --spool
 * directory to their receivers, oldest first. */
#ifndef EP_FLUSH_CMD_H
#define EP_FLUSH_CMD_H

int ep_cmd_flush(int argc, char **argv);
extern const char ep_flush_usage[];

#endif
