/* The verify command's internals, shared by the files of src/verify: the
 * probed addresses (one per interface address of the exposure model), the
 * comparison, the vantage and the inputs from outside.  The verify struct
 * owns everything it points to; addresses point into its model. */
#ifndef EP_VERIFY_H
#define EP_VERIFY_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/inventory.h"
#include "compare/findings.h"
#include "compare/judge.h"
#include "config/opt.h"
#include "config/portspec.h"
#include "config/targetfile.h"
#include "model/exposure.h"
#include "model/intent.h"
#include "model/reach.h"
#include "results/statemap.h"

/* One probed address and what is known about it. */
struct vaddr {
	const struct ep_xiface *iface;
	const struct ep_xaddr *xa;
	struct ep_admissions adm;
	struct ep_portset ports[EP_PROTO_COUNT]; /* probed, per protocol */
	int route_ok; /* a public address needs an internet gateway on its route */
	size_t state; /* its entry in verify's state map */
};

/* Counts the summary gives beside the findings. */
struct verify_counts {
	uint64_t unconfirmed;   /* required UDP ports that stayed open|filtered */
	uint64_t open_filtered; /* every UDP port that stayed open|filtered */
	uint64_t unmeasured;    /* probes without a result (interrupted) */
};

struct verify {
	FILE *summary; /* the GitHub step summary, opened before probing; or NULL */
	struct ep_vantage v;
	struct ep_intent intent;
	int64_t now;
	struct ep_portset extra[EP_PROTO_COUNT];
	struct ep_exposure model;
	struct vaddr *a;
	size_t n, cap;
	struct ep_statemap states;
	struct ep_findings findings;
	struct verify_counts counts;
	int judged;                    /* the merge judged while it read; nothing left to judge */
	const char *cluster, *service; /* --cluster / --service: only their interfaces */
};

/* Scratch for an intent subject (a network interface holds at most 16
 * groups; more are left out of matching). */
struct verify_subject {
	struct ep_intent_subject s;
	struct ep_intent_group g[64];
};

#define EP_VERIFY_MAX_STATES 4096

/* --save-states and --states: verify split over machines (borrowed strings) */
struct ep_verify_split {
	const char *save;                  /* where this run's measured states go */
	FILE *save_f;                      /* opened before probing: privileges drop */
	struct ep_output *save_out;        /* its destination (a file or an S3 object) */
	char *files[EP_VERIFY_MAX_STATES]; /* the shards' states to merge, as given */
	int nfiles;
	char **urls; /* what they name (an S3 prefix names its objects); heap */
	size_t nurls;
};

struct ep_config;
struct ep_awsopts;
struct ep_output;
struct ep_targets;
struct ep_scan_outputs;

/* cmdline.c: what verify's own options set; the rest goes to cfg */
struct ep_verify_opts {
	struct verify *vf;
	struct ep_config *cfg;
	struct ep_verify_split *split;
	enum ep_severity fail_on;
	const char *inventory, *extra, *intent, *baseline;
	int auto_vantage, all_ports;
	long wait_stable;
};
extern const struct ep_optgroup ep_verify_group;
extern const struct ep_cmdline ep_verify_cmdline;
/* Parses verify's command line into o (whose vf, cfg and split are set,
 * cfg initialised) and aws. */
int ep_verify_parse(struct ep_verify_opts *o, struct ep_awsopts *aws, int argc, char **argv,
                    struct ep_diag *d);

/* scope.c: 0, or EP_EINVAL after one line naming the unknown --cluster or
 * --service, the nearest name and those the inventory has. */
int ep_verify_check_scope(const struct verify *vf);

/* addresses.c */
int ep_verify_build(struct verify *vf, struct ep_target_list *tl);
void ep_verify_subject_of(const struct vaddr *a, struct verify_subject *out);
void ep_verify_on_result(void *arg, const struct ep_result *r); /* scan workers, serialised */
void ep_verify_free(struct verify *vf);

/* compare.c: judges one address; view is scratch space.  EP_ENOMEM only. */
int ep_verify_compare(struct verify *vf, const struct vaddr *a, struct ep_intent_view *view);

/* states.c: what was measured, saved by a shard and merged from all of them */
/* Writes to f (the caller opened path, and closes it). */
int ep_verify_save_states(const struct verify *vf, FILE *f, const char *path,
                          const struct ep_scan_info *info, const struct ep_summary *sum,
                          struct ep_diag *d);
/* Reads every shard's states and judges each address as its states come
 * in (vf->states sealed lazily: one address's bits at a time); findings go
 * to vf->findings.  Refuses another plan or seed, a missing, duplicated or
 * unfinished shard, and a probe measured twice or by none. */
int ep_verify_merge_states(struct verify *vf, const char *plan, char *const *files, size_t n,
                           uint64_t *seed, unsigned *nshards, struct ep_diag *d);

/* budget.c: why the plan exceeds --max-probes, and how shards would cover it */
void ep_verify_budget_report(const struct verify *vf, uint64_t total, uint64_t max, double rate,
                             unsigned shards);

/* run.c: the stages after the plan */
void ep_verify_print_plan(const struct verify *vf, uint64_t total);
/* Probes the plan (this machine's shard), or merges the shards' states;
 * saves what was measured with sp->save.  0 or 4 with out open, or 2/3
 * after one line on stderr. */
int ep_verify_measure(struct verify *vf, const struct ep_config *cfg, const struct ep_targets *t,
                      const struct ep_verify_split *sp, struct ep_summary *sum,
                      struct ep_scan_outputs *out, char *scan_id, size_t idlen);
/* Judges every address, prints and hands the findings to every output,
 * closes the outputs; returns the exit status given the measuring's. */
int ep_verify_judge(struct verify *vf, const struct ep_config *cfg, enum ep_severity fail_on,
                    const cJSON *baseline, const char *baseline_path, const struct ep_summary *sum,
                    struct ep_scan_outputs *out, int status);

/* This machine's part of the plan for --shard index/count (0-based):
 * whole addresses, balanced by probe count; out is the caller's.  The state
 * map must be sealed lazily: the part's addresses are held. */
int ep_verify_shard_targets(struct verify *vf, unsigned index, unsigned count,
                            const struct ep_rangelist *exclude, struct ep_targets *out,
                            struct ep_diag *d);

/* vantage.c */
void ep_verify_detect_sources(const struct ep_exposure *x, struct ep_vantage *v);
int ep_verify_vantage_auto(const struct ep_exposure *x, struct ep_vantage *v, char groups[][32]);

/* live.c */
cJSON *ep_verify_pull_live(struct ep_inventory_opts *o, int *status);
int ep_verify_services_steady(const cJSON *doc, const char *cluster, const char *service, char *why,
                              size_t len);
int ep_verify_load_baseline(const char *path, cJSON **out);
void ep_verify_apply_baseline(struct verify *vf, const cJSON *baseline, const char *path,
                              FILE *human);
char *ep_verify_read_port_list(const char *path);

#endif
