/* The `scan` command: options -> targets -> engine -> sinks. */
#ifndef EP_SCAN_H
#define EP_SCAN_H

#include <stddef.h>

#include "config/options.h"
#include "engine/engine.h"
#include "model/targets.h"

int ep_cmd_scan(int argc, char **argv);
/* Runs a scan of t with cfg's speed and output settings (both borrowed);
 * every result also goes to tap (worker threads, serialised).  Returns the
 * scan's exit status (0, 2, 3 or 4) and fills sum and scan_id. */
int ep_scan_targets(const struct ep_config *cfg, const struct ep_targets *t, ep_result_cb tap,
                    void *arg, struct ep_summary *sum, char *scan_id, size_t idlen);

#endif
