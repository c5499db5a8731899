/* The `verify` command: declared vs reachable, as findings with evidence. */
#ifndef EP_VERIFY_CMD_H
#define EP_VERIFY_CMD_H

int ep_cmd_verify(int argc, char **argv);
extern const char ep_verify_usage[];

#endif
