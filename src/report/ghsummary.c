/* GitHub step summaries in Markdown (GitHub Flavored Markdown tables). */
#include "report/ghsummary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

FILE *ep_ghsummary_open(const char *option, int *failed)
{
	const char *gha = getenv("GITHUB_ACTIONS"), *path = getenv("GITHUB_STEP_SUMMARY");
	FILE *out;

	*failed = 0;
	if (option)
		path = strcmp(option, "none") == 0 ? NULL : option;
	else if (!(gha && strcmp(gha, "true") == 0))
		path = NULL;
	if (path == NULL || *path == '\0')
		return NULL;
	out = fopen(path, "a");
	if (out == NULL) {
		fprintf(stderr, "ecsprobe: --github-summary %s: %s\n", path, strerror(errno));
		*failed = 1;
	}
	return out;
}

/* A table cell: pipes escaped, markup characters as entities, control
 * characters (a newline ends a table row) as spaces. */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '|')
			fputs("\\|", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '`' || c == '*' || c == '_' || c == '[' || c == ']' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fputc(' ', out);
		else
			fputc(c, out);
	}
}

int ep_ghsummary_write(FILE *out, const char *command, const struct ep_summary *sum,
                       const struct ep_findings *fs, enum ep_severity fail_on)
{
	int failing = 0;

	for (size_t i = 0; fs && i < fs->n; i++)
		failing += fs->f[i].severity >= fail_on;
	fprintf(out, "### ecsprobe %s: %s\n\n", command,
	        fs == NULL ? "scan"
	        : failing  ? "findings to fix"
	                   : "clean");
	fprintf(out, "%llu probes: %llu open, %llu closed, %llu filtered%s.\n\n",
	        (unsigned long long)sum->results, (unsigned long long)sum->counts[EP_STATE_OPEN],
	        (unsigned long long)sum->counts[EP_STATE_CLOSED],
	        (unsigned long long)sum->counts[EP_STATE_FILTERED],
	        sum->complete ? "" : " (incomplete)");
	if (fs) {
		fprintf(out, "%zu finding%s, %d at or above %s.\n\n", fs->n, fs->n == 1 ? "" : "s",
		        failing, ep_severity_name(fail_on));
		if (fs->n)
			fprintf(out, "| severity | finding | address | port | owner | evidence |\n"
			             "|---|---|---|---|---|---|\n");
		for (size_t i = 0; i < fs->n && i < 500; i++) {
			const struct ep_finding *f = &fs->f[i];
			char ports[128];

			ep_finding_ports_text(f, ports, sizeof(ports));
			fprintf(out, "| %s | %s | ", ep_severity_name(f->severity),
			        ep_finding_kind_name(f->kind));
			cell(out, f->address);
			fprintf(out, " | %s/", ep_finding_proto_name(f));
			cell(out, ports);
			fputs(" | ", out);
			cell(out, f->owner);
			fputs(" | ", out);
			cell(out, f->evidence);
			fputs(" |\n", out);
		}
		if (fs->n > 500)
			fprintf(out, "\n... and %zu more (see the outputs).\n", fs->n - 500);
	}
	fputc('\n', out);
	if (ferror(out) | fclose(out)) {
		fprintf(stderr, "ecsprobe: --github-summary: cannot write the summary: %s\n",
		        strerror(errno));
		return -1;
	}
	return 0;
}
