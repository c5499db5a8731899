/* The `report` command: the HTML report of a run from its NDJSON output. */
#ifndef EP_REPORT_CMD_H
#define EP_REPORT_CMD_H

int ep_cmd_report(int argc, char **argv);
extern const char ep_report_usage[];

#endif
