/* `ecsprobe report FILE.ndjson -o report.html`: the HTML report
 * (report/htmlreport.h) of a run, from the NDJSON it wrote.  Reads the file
 * (or an s3:// object) a line at a time; sends nothing. */
#include "report_cmd.h"

#include "cmdutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/collect.h"
#include "report/htmlreport.h"
#include "report/ndjson_read.h"
#include "report/objects.h"

enum { RP_OUTPUT = 1 };

static const struct ep_opt report_opts[] = {
    {"output", 'o', 1, RP_OUTPUT, "PATH",
     "where to write the page (html:PATH also accepted; - for stdout; s3://BUCKET/KEY "
     "uploads it)",
     "file"},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	const char **out = ctx;

	(void)id;
	(void)d;
	*out = strncmp(val, "html:", 5) == 0 ? val + 5 : val;
	return 0;
}

static const struct ep_optgroup report_group = {
    "Report", report_opts, sizeof(report_opts) / sizeof(report_opts[0]), apply};

const struct ep_cmdline ep_report_cmdline = {
    "report",
    "FILE.ndjson -o REPORT.html",
    "Write the HTML report of a scan or verify run from the NDJSON it wrote\n"
    "(-o ndjson:FILE): one self-contained page (no script, nothing fetched) with\n"
    "the findings by severity and their evidence, a table per account, cluster\n"
    "and service, and a picture of services x ports coloured by what is declared,\n"
    "admitted and observed.  FILE may be s3://BUCKET/KEY; - reads stdin.\n",
    "FILE",
    {&report_group, &ep_common_group, NULL},
    "Exit status: 0 done, 2 usage or input error (file:line: what is wrong).\n",
};

static int read_all(FILE *f, const char *name, struct ep_collect *c, struct ep_html_meta *m)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		struct ep_diag d;

		memset(&d, 0, sizeof(d));
		lineno++;
		rc = ep_ndjson_read_line(c, m, line, (size_t)n, &d);
		if (rc)
			fprintf(stderr, "ecsprobe: report: %s:%u: %s\n", name, lineno,
			        rc == EP_ENOMEM ? "out of memory" : d.msg);
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "ecsprobe: report: %s: read error\n", name);
		rc = EP_EIO;
	}
	free(line);
	return rc;
}

int ep_cmd_report(int argc, char **argv)
{
	const char *out = NULL, *in;
	struct ep_collect c;
	struct ep_html_meta m;
	struct ep_export x;
	struct ep_diag d;
	FILE *f;
	int rc;

	{
		struct ep_common_opts common = {0};
		void *ctx[] = {&out, &common};
		const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
		int npos = 0;

		if (pos == NULL) {
			fprintf(stderr, "ecsprobe: report: out of memory\n");
			return 3;
		}
		rc = ep_cmd_parse(&ep_report_cmdline, ctx, &common, argc, argv, pos, &npos);
		in = npos == 1 ? pos[0] : NULL;
		free(pos);
		if (rc >= 0)
			return rc;
		if (in == NULL || out == NULL || out[0] == '\0') {
			fprintf(stderr,
			        "ecsprobe report: expected one NDJSON file and -o REPORT.html "
			        "(see ecsprobe report --help)\n");
			return 2;
		}
	}
	memset(&d, 0, sizeof(d));
	f = strcmp(in, "-") == 0 ? stdin : ep_input_open(in, &d);
	if (f == NULL) {
		fprintf(stderr, "ecsprobe: report: %s: %s\n", in, d.msg[0] ? d.msg : "cannot open");
		return 2;
	}
	memset(&m, 0, sizeof(m));
	m.complete = -1;
	ep_collect_init(&c, 1u << 20);
	rc = read_all(f, in, &c, &m);
	if (f != stdin)
		fclose(f);
	if (rc == 0 && m.scan_id[0] == '\0') {
		fprintf(stderr,
		        "ecsprobe: report: %s: no header record (is it ecsprobe's -o ndjson "
		        "output?)\n",
		        in);
		rc = EP_EPARSE;
	}
	if (rc == 0) {
		rc = ep_export_open(&x, "report", strcmp(out, "-") == 0 ? NULL : out, &d);
		if (rc)
			fprintf(stderr, "ecsprobe: report: %s\n", d.msg);
		else if (ep_html_report_write(&x, &m, &c) | ep_export_close(&x))
			fprintf(stderr, "ecsprobe: report: %s: cannot write\n", out), rc = EP_EIO;
	}
	ep_collect_free(&c);
	return rc ? 2 : 0;
}
