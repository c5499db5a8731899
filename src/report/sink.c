/* Sink registry (sinks.def) and fan-out to the open sinks. */
#include "report/sink.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "report/sink_threads.h"

#define EP_SINK(sym) extern const struct ep_sink_ops sym;
#include "report/sinks.def"
#undef EP_SINK

static const struct ep_sink_ops *const sinks[] = {
#define EP_SINK(sym) &sym,
#include "report/sinks.def"
#undef EP_SINK
};

const struct ep_sink_ops *ep_sink_find(const char *name)
{
	if (strcmp(name, "table") == 0)
		name = "text";
	else if (strcmp(name, "json") == 0) /* what people type for NDJSON */
		name = "ndjson";
	for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
		if (strcmp(sinks[i]->name, name) == 0)
			return sinks[i];
	return NULL;
}

void ep_sink_list(void *file)
{
	for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
		fprintf(file, "  %-10s %s\n", sinks[i]->name, sinks[i]->help);
}

int ep_sinks_open(struct ep_sinks *s, const char *spec, const struct ep_scan_info *info,
                  struct ep_diag *d)
{
	static const struct ep_sink_netopts no_netopts;
	char name[32];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	const struct ep_sink_ops *ops;
	struct ep_sink_args a;
	int rc;

	memset(d, 0, sizeof(*d)); /* no file name left over from what was read before */
	if (s->n == EP_MAX_SINKS)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d outputs", EP_MAX_SINKS);
	if (len == 0 || len >= sizeof(name))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "-o '%s': expected FORMAT[:DESTINATION]",
		                   spec);
	memcpy(name, spec, len);
	name[len] = '\0';
	ops = ep_sink_find(name);
	if (ops == NULL)
		return ep_diag_set(
		    d, EP_EINVAL, 0, 0,
		    "-o '%s': unknown output format '%s' (try: ecsprobe help outputs)", spec, name);
	a.dest = colon ? colon + 1 : NULL;
	a.info = info;
	a.net = s->net ? s->net : &no_netopts;
	rc = ops->open(&a, &s->state[s->n], d);
	if (rc)
		return rc;
	s->ops[s->n++] = ops;
	return 0;
}

int ep_sink_spec_is_stdout(const char *spec)
{
	const char *colon = strchr(spec, ':'), *dest = colon ? colon + 1 : NULL;
	char name[32];
	const struct ep_sink_ops *ops;
	struct stat a, b;

	snprintf(name, sizeof(name), "%.*s", (int)(colon ? colon - spec : (long)strlen(spec)),
	         spec);
	ops = ep_sink_find(name);
	if (ops == NULL || ops->network)
		return 0;
	if (dest == NULL || dest[0] == '\0' || strcmp(dest, "-") == 0)
		return 1;
	/* /dev/stdout, /proc/self/fd/1, or the file stdout was redirected to */
	return stat(dest, &a) == 0 && fstat(STDOUT_FILENO, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

void ep_sinks_result(struct ep_sinks *s, const struct ep_result *r)
{
	if (s->threads != NULL) {
		ep_sink_threads_stage(s->threads, r);
		return;
	}
	for (int i = 0; i < s->n; i++) {
		if (s->ops[i]->result == NULL || s->state[i] == NULL)
			continue;
		if (s->ops[i]->result(s->state[i], r) && !s->failed) {
			s->failed = 1;
			ep_log(EP_LOG_ERROR, "output",
			       "%s output failed; its results are incomplete", s->ops[i]->name);
		}
	}
}

void ep_sinks_finding(struct ep_sinks *s, const struct ep_finding *f)
{
	ep_sinks_stop_threads(s); /* findings follow every result */
	for (int i = 0; i < s->n; i++) {
		if (s->ops[i]->finding == NULL || s->state[i] == NULL)
			continue;
		if (s->ops[i]->finding(s->state[i], f) && !s->failed) {
			s->failed = 1;
			ep_log(EP_LOG_ERROR, "output",
			       "%s output failed; its findings are incomplete", s->ops[i]->name);
		}
	}
}

void ep_sinks_banner(struct ep_sinks *s, const struct ep_banner *b)
{
	for (int i = 0; i < s->n; i++) {
		if (s->ops[i]->banner == NULL || s->state[i] == NULL)
			continue;
		/* after the port's result, which its thread may still hold */
		if (s->threads)
			ep_sink_threads_hold(s->threads, i, 1);
		if (s->ops[i]->banner(s->state[i], b))
			s->failed = 1;
		if (s->threads)
			ep_sink_threads_release(s->threads, i);
	}
}

void ep_sinks_flush(struct ep_sinks *s)
{
	if (s->threads)
		ep_sink_threads_hand_over(s->threads);
	for (int i = 0; i < s->n; i++) {
		if (s->ops[i]->flush == NULL || s->state[i] == NULL)
			continue;
		if (s->threads)
			ep_sink_threads_hold(s->threads, i, 0);
		if (s->ops[i]->flush(s->state[i]))
			s->failed = 1;
		if (s->threads)
			ep_sink_threads_release(s->threads, i);
	}
}

int ep_sinks_close(struct ep_sinks *s, const struct ep_summary *sum)
{
	ep_sinks_stop_threads(s);
	for (int i = 0; i < s->n; i++) {
		if (s->ops[i]->close(s->state[i], sum))
			s->failed = 1;
		s->state[i] = NULL;
	}
	s->n = 0;
	return s->failed;
}
