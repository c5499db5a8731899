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
struct scan;
struct ep_finding;

/* A finished scan whose outputs are still open (ep_scan_targets_keep). */
struct ep_scan_outputs {
	struct scan *s;
};

int ep_scan_targets(const struct ep_config *cfg, const struct ep_targets *t, ep_result_cb tap,
                    void *arg, struct ep_summary *sum, char *scan_id, size_t idlen);
/* The same, but the outputs stay open afterwards, for the caller to add
 * findings (verify) before closing them with ep_scan_outputs_close, which
 * must be called whatever the status (it frees the scan). */
int ep_scan_targets_keep(const struct ep_config *cfg, const struct ep_targets *t, ep_result_cb tap,
                         void *arg, struct ep_summary *sum, char *scan_id, size_t idlen,
                         struct ep_scan_outputs *out);
/* The outputs of a run that happened elsewhere (verify's merge of shard
 * states): opened for t's scope with sum as their summary; then findings
 * and ep_scan_outputs_close as after ep_scan_targets_keep.  Returns 0, or
 * the exit status after one line on stderr (out still needs closing). */
int ep_scan_outputs_open(const struct ep_config *cfg, const struct ep_targets *t,
                         const struct ep_summary *sum, struct ep_scan_outputs *out, char *scan_id,
                         size_t idlen);
void ep_scan_outputs_finding(struct ep_scan_outputs *out, const struct ep_finding *f);
/* The run's fixed facts (scan id, seed, plan, shard), or NULL. */
const struct ep_scan_info *ep_scan_outputs_info(const struct ep_scan_outputs *out);
/* --banners: what a.port said ("ssh: SSH-2.0-..."), or NULL. */
const char *ep_scan_outputs_banner(const struct ep_scan_outputs *out, const struct ep_addr *a,
                                   uint16_t port);
/* Closes the outputs; returns nonzero if any output failed. */
int ep_scan_outputs_close(struct ep_scan_outputs *out);

#endif
