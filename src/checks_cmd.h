/* The `checks` command: the catalogue of finding kinds and the public
 * controls they map to (compare/checks.h). */
#ifndef EP_CHECKS_CMD_H
#define EP_CHECKS_CMD_H

int ep_cmd_checks(int argc, char **argv);
extern const char ep_checks_usage[];

#endif
