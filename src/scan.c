/* The `scan` command.  Owns the config, the targets, the loop, the engine
 * and the sinks for the length of one scan; returns the exit status. */

#include "scan.h"

#include "report/ghsummary.h"
#include "scan_epilogue.h"
#include "scan_setup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "base/log.h"
#include "base/privdrop.h"
#include "config/options.h"
#include "engine/pool.h"
#include "model/targets.h"
#include "net/source.h"
#include "probe/banner.h"
#include "probe/payloads.h"
#include "results/losstally.h"
#include "results/resume.h"
#include "report/progress.h"
#include "report/sink.h"

#define FD_RESERVE       64     /* descriptors kept for outputs, the loop and libraries */
#define RAW_INFLIGHT_MAX 131072 /* raw modes: probes in flight at most, all engines */

struct scan {
	FILE *summary; /* the GitHub step summary, opened before probing; or NULL */
	struct ep_config cfg;
	struct ep_targets targets;
	struct ep_scan_info info;
	struct ep_sinks sinks;
	struct ep_pool *pool;
	struct ep_progress progress;
	uv_loop_t loop;
	uv_timer_t flush_timer;
	uv_signal_t sigint, sigterm, sighup;
	int progress_on;
	int stopping;     /* signals seen */
	ep_result_cb tap; /* optional: every result also goes here (writer thread, lock held) */
	void *tap_arg;
	struct ep_summary last;      /* the summary, for callers of ep_scan_targets */
	struct ep_payloads payloads; /* UDP payloads, when UDP ports are scanned */
	int drop_privs;              /* give up root once the probers are open */
	struct ep_resume resume;     /* --resume: targets already measured */
	int keep_sinks;              /* ep_scan_targets_keep: the caller closes them */
	uint64_t replayed, replayed_counts[EP_STATE_COUNT];
	struct ep_banners *banners;          /* --banners */
	struct ep_banner_notes banner_notes; /* what they said, for the caller (verify) */
	/* written by the pool's writer thread under the pool lock */
	uint64_t done;
	uint64_t open;
	struct ep_loss_tally loss;
};

static void print_diag(const struct ep_diag *d)
{
	char line[600];

	ep_diag_format(d, line, sizeof(line));
	fprintf(stderr, "ecsprobe scan: %s\n", line);
}

/* The pool's writer thread, pool lock held (or the main thread before the
 * workers start). */
static void on_result(void *arg, const struct ep_result *r)
{
	struct scan *s = arg;

	s->done++;
	if (r->state == EP_STATE_OPEN)
		s->open++;
	ep_loss_tally_add(&s->loss, r);
	ep_sinks_result(&s->sinks, r);
	if (s->tap)
		s->tap(s->tap_arg, r);
	if (s->banners && r->state == EP_STATE_OPEN && r->t.proto == EP_PROTO_TCP)
		ep_banners_push(s->banners, &r->t);
}

/* Main loop: a banner came back (workers may still be delivering results). */
static void on_banner(void *arg, const struct ep_banner *b)
{
	struct scan *s = arg;

	ep_pool_lock(s->pool);
	ep_sinks_banner(&s->sinks, b);
	ep_pool_unlock(s->pool);
	if (s->keep_sinks)
		ep_banner_notes_add(&s->banner_notes, b);
}

static void read_progress(void *arg, struct ep_progress_snapshot *out)
{
	struct scan *s = arg;

	ep_pool_lock(s->pool);
	out->done = s->done;
	out->open = s->open;
	out->loss_tries = s->loss.tries;
	out->loss_lost = s->loss.lost;
	ep_pool_unlock(s->pool);
	out->stopping = s->stopping;
}

static void on_flush(uv_timer_t *t)
{
	struct scan *s = t->data;

	ep_pool_lock(s->pool);
	ep_sinks_flush(&s->sinks);
	ep_pool_unlock(s->pool);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct scan *s = h->data;

	ep_log(EP_LOG_WARN, "scan", "%s: %s",
	       signum == SIGINT   ? "SIGINT"
	       : signum == SIGHUP ? "SIGHUP"
	                          : "SIGTERM",
	       s->stopping ? "abandoning probes in flight" : "stopping; draining probes in flight");
	s->stopping++;
	ep_pool_stop(s->pool, s->stopping > 1);
}

/* Every worker has finished: close the main loop's handles so uv_run returns. */
static void on_pool_done(void *arg)
{
	struct scan *s = arg;

	uv_close((uv_handle_t *)&s->flush_timer, NULL);
	if (s->banners) /* the last grabs end within their timeout, then it goes */
		ep_banners_finish(s->banners, NULL, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
	uv_close((uv_handle_t *)&s->sighup, NULL);
	if (s->progress_on)
		ep_progress_stop(&s->progress);
}

static int build(struct scan *s, struct ep_diag *d)
{
	unsigned protos = (1u << EP_PROTO_TCP) | (1u << EP_PROTO_UDP);
	int rc;

	rc = ep_targets_build(&s->targets, &s->cfg.targets, s->cfg.have_ports ? s->cfg.ports : NULL,
	                      &s->cfg.exclude, protos, d);
	if (rc)
		return rc;
	if (s->targets.total == 0)
		return ep_diag_set(d, EP_ESCOPE, 0, 0,
		                   "empty scope: every target is excluded or has no port; "
		                   "nothing to probe");
	if (s->targets.total > s->cfg.max_probes)
		return ep_diag_set(
		    d, EP_ESCOPE, 0, 0,
		    "scope of %llu probes exceeds --max-probes %llu; narrow the targets "
		    "or raise --max-probes",
		    (unsigned long long)s->targets.total, (unsigned long long)s->cfg.max_probes);
	return 0;
}

static int has_text_output(const struct ep_config *c)
{
	for (int i = 0; i < c->noutputs; i++)
		if (ep_output_is_text(c->outputs[i]))
			return 1;
	return 0;
}

/* Every prober is open (raw sockets, captures): give up root before any
 * packet leaves.  Runs on the main thread before the workers exist. */
static int on_pool_ready(void *arg)
{
	struct scan *s = arg;

	/* every mode: after start-up a connect or UDP scan needs no root either */
	if (!s->drop_privs)
		return 0;
	return ep_privdrop(s->cfg.user);
}

/* Loads the UDP payloads when UDP ports are in scope. */
static int load_payloads(struct scan *s, struct ep_diag *d)
{
	const char *dir = s->cfg.probes_dir ? s->cfg.probes_dir : ep_payloads_default_dir();
	int rc;

	if (!ep_targets_has_proto(&s->targets, EP_PROTO_UDP))
		return 0;
	rc = ep_payloads_load_dir(&s->payloads, dir, d);
	if (rc == 0)
		s->cfg.payloads = &s->payloads;
	return rc;
}

/* --resume: results of the interrupted run, before any worker exists. */
static void on_replayed(void *arg, const struct ep_result *r)
{
	struct scan *s = arg;

	s->replayed++;
	s->replayed_counts[r->state]++;
	on_result(s, r);
}

static int run(struct scan *s, struct ep_diag *d)
{
	const struct ep_prober_ops *ops[EP_PROTO_COUNT] = {NULL, NULL};
	struct ep_engine_opts eo;
	struct ep_summary sum;
	unsigned long nofile = ep_scan_raise_nofile();
	int rc, failed, engine_rc, raw, internal = 0;

	rc = ep_scan_resolve_mode(&s->cfg, d);
	if (rc == 0)
		rc = load_payloads(s, d);
	if (rc == 0 && s->cfg.resume)
		rc = ep_scan_resume_is_output(&s->cfg, d);
	if (rc == 0 && s->cfg.resume)
		rc = ep_resume_load(&s->resume, s->cfg.resume, &s->targets, d);
	if (rc)
		return 2;
	snprintf(s->info.mode, sizeof(s->info.mode), "%s%s",
	         ep_targets_has_proto(&s->targets, EP_PROTO_TCP) ? s->cfg.mode : "",
	         !ep_targets_has_proto(&s->targets, EP_PROTO_UDP)  ? ""
	         : ep_targets_has_proto(&s->targets, EP_PROTO_TCP) ? "+udp"
	                                                           : "udp");
	if (ep_targets_has_proto(&s->targets, EP_PROTO_TCP))
		ops[EP_PROTO_TCP] = ep_prober_find(s->cfg.mode);
	if (ep_targets_has_proto(&s->targets, EP_PROTO_UDP))
		ops[EP_PROTO_UDP] = ep_prober_find("udp");
	/* raw and UDP probes hold no descriptor: in flight is bounded by memory
	 * only, and a rate needs rate x timeout slots to keep up with silence */
	raw = ops[EP_PROTO_TCP] == NULL || strcmp(s->cfg.mode, "syn") == 0;

	memset(&eo, 0, sizeof(eo));
	eo.rate = s->cfg.rate;
	eo.max_inflight = s->cfg.max_inflight;
	if (raw && !s->cfg.inflight_set) {
		double need = s->cfg.rate * s->cfg.timeout_ms / 1000.0 * 1.5;

		/* capped, so memory does not follow the rate: ~170 bytes a slot
		 * (slot, retry items, reply table) makes the cap ~22 MiB; it
		 * binds only when more than RAW_INFLIGHT_MAX probes wait in
		 * silence at once (cap / timeout probes a second of silence) */
		if (need > eo.max_inflight)
			eo.max_inflight =
			    need > RAW_INFLIGHT_MAX ? RAW_INFLIGHT_MAX : (unsigned)need;
	}
	if (!raw && nofile > FD_RESERVE && eo.max_inflight > nofile - FD_RESERVE) {
		eo.max_inflight = (unsigned)(nofile - FD_RESERVE);
		ep_log(EP_LOG_WARN, "scan", "--max-inflight lowered to %u (descriptor limit %llu)",
		       eo.max_inflight, (unsigned long long)nofile);
	}
	eo.timeout_ms = s->cfg.timeout_ms;
	eo.min_timeout_ms = s->cfg.min_timeout_ms;
	eo.retries = s->cfg.retries;
	eo.retries_max = s->cfg.retries_set ? s->cfg.retries : EP_LOSS_MAX_RETRIES;
	eo.seed = s->info.seed;
	eo.shard_index = s->cfg.shard_index;
	eo.shard_count = s->cfg.shard_count;
	eo.skip = s->resume.done;
	s->info.max_inflight = eo.max_inflight;

	if (ep_loss_tally_init(&s->loss))
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory for the loss tally");
	rc = uv_loop_init(&s->loop);
	if (rc) {
		ep_diag_set(d, EP_EIO, 0, 0, "cannot create the event loop: %s", uv_strerror(rc));
		return 3; /* a resource limit (ulimit -n), not the input */
	}
	s->sinks.net = &s->cfg.net; /* --spool and friends, for the network outputs */
	for (int i = 0; i < s->cfg.noutputs; i++) {
		rc = ep_sinks_open(&s->sinks, s->cfg.outputs[i], &s->info, d);
		if (rc)
			goto fail_sinks;
	}
	if (s->cfg.noutputs == 0 && !s->cfg.quiet) {
		rc = ep_sinks_open(&s->sinks, "text", &s->info, d);
		if (rc)
			goto fail_sinks;
	}
	rc = ep_sinks_start_threads(&s->sinks);
	if (rc) {
		ep_diag_set(d, rc, 0, 0, "cannot start the outputs' threads: %s", ep_strerror(rc));
		internal = 1;
		goto fail_sinks;
	}
	if (s->cfg.banners && ep_targets_has_proto(&s->targets, EP_PROTO_TCP)) {
		rc = ep_banners_new(&s->banners, &s->loop, 3000, 64, on_banner, s);
		if (rc) {
			ep_diag_set(d, rc, 0, 0, "--banners: %s", ep_strerror(rc));
			goto fail_sinks;
		}
	}
	if (s->cfg.resume) {
		ep_resume_replay(&s->resume, s->cfg.resume, &s->targets, on_replayed, s);
		ep_log(EP_LOG_INFO, "scan", "--resume %s: %llu targets already measured",
		       s->cfg.resume, (unsigned long long)s->replayed);
	}
	rc = ep_pool_start(&s->pool, &s->loop, s->cfg.threads, &eo, &s->targets, ops, &s->cfg,
	                   on_result, s, on_pool_done, on_pool_ready);
	if (rc) {
		ep_diag_set(d, rc, 0, 0, "cannot start probing: %s (see the message above)",
		            ep_strerror(rc));
		/* what the command line asked for and cannot be (a send path the
		 * route refuses, raw sockets without the privilege) is the user's
		 * to change: exit 2; anything else failed here: exit 3 */
		internal =
		    rc != EP_EUNSUPPORTED && rc != EP_EPERM && rc != EP_EINVAL && rc != EP_ENOENT;
		goto fail_sinks;
	}
	uv_timer_init(&s->loop, &s->flush_timer);
	s->flush_timer.data = s;
	uv_timer_start(&s->flush_timer, on_flush, 200, 200);
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sigterm);
	uv_signal_init(&s->loop, &s->sighup);
	s->sigint.data = s->sigterm.data = s->sighup.data = s;
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	/* a closed terminal or session ends the scan as SIGTERM does: summary,
	 * outputs closed, exit 4, not 129 with nothing written */
	uv_signal_start(&s->sighup, on_signal, SIGHUP);
	s->progress_on = s->cfg.progress == 1 || (s->cfg.progress == -1 && isatty(STDERR_FILENO));
	if (s->progress_on)
		ep_progress_start(&s->progress, &s->loop, s->targets.total, read_progress, s,
		                  stderr);
	uv_run(&s->loop, UV_RUN_DEFAULT);

	ep_pool_free(s->pool, &sum, &engine_rc);
	s->pool = NULL;
	ep_sinks_stop_threads(&s->sinks); /* every result formatted before the summary */
	sum.results += s->replayed;
	for (int k = 0; k < EP_STATE_COUNT; k++)
		sum.counts[k] += s->replayed_counts[k];
	sum.info = &s->info;
	sum.interrupted = s->stopping > 0;
	ep_loss_tally_report(&s->loss, &sum.loss);
	if (s->cfg.shard_count > 1) {
		/* this machine's part: complete when every worker walked all of it */
		sum.complete = sum.complete && engine_rc == 0 && !sum.interrupted;
		sum.unfinished = sum.complete ? 0 : 1;
	} else {
		sum.unfinished =
		    s->targets.total > sum.results ? s->targets.total - sum.results : 0;
		sum.complete = sum.unfinished == 0 && engine_rc == 0;
	}
	s->last = sum;
	s->last.info = &s->info;
	failed = s->keep_sinks ? 0 : ep_sinks_close(&s->sinks, &sum);
	if (uv_loop_close(&s->loop))
		ep_log(EP_LOG_WARN, "scan", "event loop closed with handles still open");
	if (s->cfg.quiet == 0 && s->cfg.noutputs > 0 && !has_text_output(&s->cfg)) {
		char loss[32];

		ep_loss_format(sum.loss.tries, sum.loss.lost, loss, sizeof(loss));
		fprintf(stderr,
		        "ecsprobe: %llu results (%llu open, %llu closed, %llu filtered) in %.2f s, "
		        "loss %s\n",
		        (unsigned long long)sum.results,
		        (unsigned long long)sum.counts[EP_STATE_OPEN],
		        (unsigned long long)sum.counts[EP_STATE_CLOSED],
		        (unsigned long long)sum.counts[EP_STATE_FILTERED], sum.duration_s, loss);
	}
	if (sum.interrupted || !sum.complete || failed)
		return 4;
	return 0;

fail_sinks:
	/* the banner grabber's handles would keep the loop below alive forever */
	if (s->banners)
		ep_banners_finish(s->banners, NULL, NULL);
	s->banners = NULL;
	memset(&sum, 0, sizeof(sum));
	sum.info = &s->info;
	ep_sinks_close(&s->sinks, &sum);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
	return internal || rc == EP_ENOMEM ? 3 : 2;
}

static void fill_info(struct scan *s)
{
	struct timespec ts;

	ep_scan_make_id(s->info.scan_id, sizeof(s->info.scan_id));
	s->info.seed = s->cfg.seed_set ? s->cfg.seed : ep_scan_random_u64();
	s->info.rate = s->cfg.rate;
	s->info.probes_total = s->targets.total;
	s->info.nhosts = s->targets.nhosts;
	s->info.timeout_ms = s->cfg.timeout_ms;
	s->info.min_timeout_ms = s->cfg.min_timeout_ms;
	s->info.retries = s->cfg.retries;
	s->info.max_inflight = s->cfg.max_inflight;
	s->info.shard_index = s->cfg.shard_index;
	s->info.shard_count = s->cfg.shard_count;
	ep_targets_fingerprint(&s->targets, s->info.plan);
	if (s->cfg.part.count > 1) { /* one part of a larger plan: name the whole */
		snprintf(s->info.plan, sizeof(s->info.plan), "%s", s->cfg.part.plan);
		s->info.shard_index = s->cfg.part.index;
		s->info.shard_count = s->cfg.part.count;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	s->info.started_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int scan_targets(const struct ep_config *cfg, const struct ep_targets *t, ep_result_cb tap,
                        void *arg, struct ep_summary *sum, char *scan_id, size_t idlen,
                        struct scan **keep)
{
	struct scan *s = calloc(1, sizeof(*s));
	struct ep_diag d;
	int status;

	if (s == NULL)
		return 3;
	memset(&d, 0, sizeof(d));
	s->cfg = *cfg;   /* borrowed: not freed here */
	s->targets = *t; /* borrowed too */
	s->tap = tap;
	s->tap_arg = arg;
	s->keep_sinks = keep != NULL;
	s->drop_privs = 1;
	fill_info(s);
	snprintf(scan_id, idlen, "%s", s->info.scan_id);
	status = run(s, &d);
	if (status == 2 || status == 3)
		print_diag(&d);
	*sum = s->last;
	sum->info = NULL;
	ep_payloads_free(&s->payloads);
	ep_resume_free(&s->resume);
	ep_loss_tally_free(&s->loss);
	if (keep) {
		*keep = s;
		return status;
	}
	free(s);
	return status;
}

int ep_scan_targets(const struct ep_config *cfg, const struct ep_targets *t, ep_result_cb tap,
                    void *arg, struct ep_summary *sum, char *scan_id, size_t idlen)
{
	return scan_targets(cfg, t, tap, arg, sum, scan_id, idlen, NULL);
}

int ep_scan_targets_keep(const struct ep_config *cfg, const struct ep_targets *t, ep_result_cb tap,
                         void *arg, struct ep_summary *sum, char *scan_id, size_t idlen,
                         struct ep_scan_outputs *out)
{
	out->s = NULL;
	return scan_targets(cfg, t, tap, arg, sum, scan_id, idlen, &out->s);
}

int ep_scan_outputs_open(const struct ep_config *cfg, const struct ep_targets *t,
                         const struct ep_summary *sum, struct ep_scan_outputs *out, char *scan_id,
                         size_t idlen)
{
	struct scan *s = calloc(1, sizeof(*s));
	struct ep_diag d;
	int rc = 0;

	out->s = NULL;
	if (s == NULL)
		return 3;
	memset(&d, 0, sizeof(d));
	s->cfg = *cfg;
	s->targets = *t;
	fill_info(s);
	snprintf(s->info.mode, sizeof(s->info.mode), "merge");
	snprintf(scan_id, idlen, "%s", s->info.scan_id);
	s->sinks.net = &s->cfg.net;
	for (int i = 0; rc == 0 && i < s->cfg.noutputs; i++)
		rc = ep_sinks_open(&s->sinks, s->cfg.outputs[i], &s->info, &d);
	if (rc == 0 && s->cfg.noutputs == 0 && !s->cfg.quiet)
		rc = ep_sinks_open(&s->sinks, "text", &s->info, &d);
	s->last = *sum;
	s->last.info = &s->info;
	out->s = s;
	if (rc) {
		print_diag(&d);
		return rc == EP_ENOMEM ? 3 : 2;
	}
	return 0;
}

void ep_scan_outputs_finding(struct ep_scan_outputs *out, const struct ep_finding *f)
{
	if (out->s)
		ep_sinks_finding(&out->s->sinks, f);
}

const struct ep_scan_info *ep_scan_outputs_info(const struct ep_scan_outputs *out)
{
	return out->s ? &out->s->info : NULL;
}

const char *ep_scan_outputs_banner(const struct ep_scan_outputs *out, const struct ep_addr *a,
                                   uint16_t port)
{
	return out->s ? ep_banner_notes_find(&out->s->banner_notes, a, port) : NULL;
}

int ep_scan_outputs_close(struct ep_scan_outputs *out)
{
	int failed = 0;

	if (out->s) {
		failed = ep_sinks_close(&out->s->sinks, &out->s->last);
		ep_banner_notes_free(&out->s->banner_notes);
		free(out->s);
		out->s = NULL;
	}
	return failed;
}

int ep_cmd_scan(int argc, char **argv)
{
	struct scan *s = calloc(1, sizeof(*s));
	struct ep_diag d;
	int rc, status = 2;

	if (s == NULL) {
		fprintf(stderr, "ecsprobe: out of memory\n");
		return 3;
	}
	memset(&d, 0, sizeof(d));
	rc = ep_config_parse(&s->cfg, argc, argv, &d);
	if (rc == 0 && s->cfg.common.help) {
		ep_cmdline_help(&ep_scan_cmdline, stdout);
		status = 0;
		goto out;
	}
	if (rc == 0) {
		memset(&d, 0, sizeof(d));
		rc = build(s, &d);
	}
	if (rc) {
		print_diag(&d);
		if (rc == EP_EREMOTE) /* --inventory s3://: S3 refused or failed */
			status = 3;
		goto out;
	}
	s->drop_privs = 1;
	fill_info(s);
	if (s->cfg.dry_run) {
		ep_scan_print_plan(&s->targets, &s->cfg, s->info.seed);
		status = 0;
		goto out;
	}
	{
		int failed;

		/* opened before probing drops privileges */
		s->summary = ep_ghsummary_open(s->cfg.github_summary, &failed);
		if (failed)
			goto out;
	}
	status = run(s, &d);
	if (status == 2 || status == 3)
		print_diag(&d);
	else
		status = ep_scan_epilogue(&s->cfg, &s->summary, &s->last, s->targets.total, status);
out:
	if (s->summary)
		fclose(s->summary);
	ep_targets_free(&s->targets);
	ep_payloads_free(&s->payloads);
	ep_resume_free(&s->resume);
	ep_loss_tally_free(&s->loss);
	ep_config_free(&s->cfg);
	free(s);
	return status;
}
