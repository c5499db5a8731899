/* The `scan` command: options -> targets -> engine -> sinks. */
#ifndef EP_SCAN_H
#define EP_SCAN_H

int ep_cmd_scan(int argc, char **argv);

#endif
