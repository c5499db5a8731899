/* The command-line parser and printers over typed option tables (opt.h).
 * Hand-written rather than getopt_long: getopt permutes argv and reports
 * the argument after the one at fault, it cannot say "did you mean", and
 * its table carries no help text, so --help and the man page drifted from
 * what the parser accepted. */
#include "config/opt.h"

#include <string.h>

#include "base/log.h"

enum { COMMON_HELP, COMMON_VERBOSE, COMMON_DEBUG };

static const struct ep_opt common_opts[] = {
    {"verbose", 'v', 0, COMMON_VERBOSE, NULL, "say more on stderr: what is pulled and planned",
     NULL},
    {"debug", 0, 0, COMMON_DEBUG, NULL,
     "log every AWS call, every probe decision and every output write on stderr (never "
     "credentials)",
     NULL},
    {"help", 'h', 0, COMMON_HELP, NULL, "this text", NULL},
};

static int common_apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct ep_common_opts *c = ctx;

	(void)val;
	(void)d;
	switch (id) {
	case COMMON_HELP:
		c->help = 1;
		break;
	case COMMON_VERBOSE:
		c->verbose = 1;
		if (!c->debug)
			ep_log_set_level(EP_LOG_INFO);
		break;
	case COMMON_DEBUG:
		c->debug = 1;
		ep_log_set_level(EP_LOG_DEBUG);
		break;
	}
	return 0;
}

const struct ep_optgroup ep_common_group = {
    "General", common_opts, sizeof(common_opts) / sizeof(common_opts[0]), common_apply};

/* nmap's and masscan's spellings of what ecsprobe does differently */
static const struct {
	const char *flag; /* matched exactly, or as a prefix when it ends in '*' */
	const char *hint;
} hints[] = {
    {"-T*", "nmap's timing templates: ecsprobe paces by --rate N (probes per second; "
            "-T4 is roughly --rate 5000) and --timeout MS"},
    {"-sS", "nmap's SYN scan: use --mode syn (needs CAP_NET_RAW)"},
    {"-sT", "nmap's connect scan: use --mode connect"},
    {"-sU", "nmap's UDP scan: list UDP ports with U:, e.g. -p U:53,U:161 (they get "
            "protocol payloads)"},
    {"-sV", "nmap's version detection: use --banners (what each open TCP port says)"},
    {"-sn", "ecsprobe has no ping sweep: it probes ports (give -p)"},
    {"-Pn", "ecsprobe never pings before probing: drop -Pn"},
    {"-PS*", "ecsprobe never pings before probing: drop it"},
    {"-iL", "nmap's target list: use -t FILE (--targets FILE)"},
    {"-oX", "nmap's XML output: use -o nmap-xml:FILE"},
    {"-oN", "nmap's normal output: use -o text:FILE"},
    {"-oG", "grepable output: use -o csv:FILE or -o ndjson:FILE"},
    {"-oA", "repeat -o: -o text:F.txt -o nmap-xml:F.xml -o ndjson:F.ndjson"},
    {"-oJ", "masscan's JSON: use -o ndjson:FILE (one JSON object per line)"},
    {"-oL", "masscan's list output: use -o csv:FILE"},
    {"-F", "without -p ecsprobe probes its default ports (1-1024 and common services)"},
    {"-A", "ecsprobe does no OS detection; --banners records what open ports say"},
    {"-O", "ecsprobe does no OS detection"},
    {"-e", "use --interface IF"},
    {"-S", "use --source-ip ADDR"},
    {"--top-ports", "without -p ecsprobe probes its default ports (1-1024 and common "
                    "services); -p lists others"},
    {"--max-rate", "use --rate N"},
    {"--min-rate", "use --rate N (ecsprobe holds the rate it is given)"},
    {"--max-retries", "use --retries N"},
    {"--excludefile", "use --exclude-file FILE"},
    {"--adapter", "masscan's --adapter: use --interface IF"},
    {"--adapter-ip", "masscan's --adapter-ip: use --source-ip ADDR"},
    {"--open", "the text table lists open ports first; -o csv/ndjson keep every state"},
};

const char *ep_nmap_hint(const char *arg)
{
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		size_t len = strlen(hints[i].flag);

		if (hints[i].flag[len - 1] == '*' ? strncmp(arg, hints[i].flag, len - 1) == 0
		                                  : strcmp(arg, hints[i].flag) == 0)
			return hints[i].hint;
	}
	return NULL;
}

/* Optimal string alignment distance, bounded: words are short (< 64). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[64][64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *ep_did_you_mean(const char *s, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(s), limit = len / 3 > 1 ? len / 3 : 1;

	for (size_t i = 0; i < n; i++) {
		size_t dd = distance(s, words[i]);

		/* "--inventory-file" for "--inventory": a prefix is a likely slip too */
		if (dd > limit && len >= 4 && strncmp(words[i], s, len) == 0)
			dd = limit;
		if (dd < best_d) {
			best_d = dd;
			best = words[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

/* The option called name (long when shrt is 0), its group's index in *g. */
static const struct ep_opt *find(const struct ep_cmdline *cl, const char *name, size_t namelen,
                                 char shrt, size_t *g)
{
	for (size_t i = 0; i < EP_CMD_MAX_GROUPS && cl->groups[i]; i++)
		for (size_t k = 0; k < cl->groups[i]->n; k++) {
			const struct ep_opt *o = &cl->groups[i]->opts[k];

			if (shrt ? o->short_name == shrt
			         : strlen(o->name) == namelen &&
			               strncmp(o->name, name, namelen) == 0) {
				*g = i;
				return o;
			}
		}
	return NULL;
}

static int unknown(const struct ep_cmdline *cl, const char *arg, struct ep_diag *d)
{
	const char *words[128], *hint = ep_nmap_hint(arg), *near;
	char names[128][40];
	size_t n = 0;

	if (hint)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: unknown option; %s", arg, hint);
	for (size_t i = 0; i < EP_CMD_MAX_GROUPS && cl->groups[i]; i++)
		for (size_t k = 0; k < cl->groups[i]->n && n < 128; k++, n++) {
			snprintf(names[n], sizeof(names[n]), "--%s", cl->groups[i]->opts[k].name);
			words[n] = names[n];
		}
	{
		char bare[64];

		/* "--inventory=x" is compared as "--inventory" */
		snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(arg, "="), arg);
		near = bare[1] == '-' ? ep_did_you_mean(bare, words, n) : NULL;
	}
	if (near)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: unknown option; did you mean %s?", arg,
		                   near);
	return ep_diag_set(d, EP_EINVAL, 0, 0, "%s: unknown option (see ecsprobe %s --help)", arg,
	                   cl->command);
}

static int apply(const struct ep_cmdline *cl, void *const ctx[], size_t g, const struct ep_opt *o,
                 const char *spelled, const char *val, struct ep_diag *d)
{
	int rc;

	memset(d, 0, sizeof(*d)); /* no file name left over from an earlier option */
	rc = cl->groups[g]->apply(ctx[g], o->id, val, d);
	if (rc && strncmp(d->msg, spelled, strlen(spelled)) != 0 && d->file[0] == '\0') {
		/* every error names the argument at fault, once */
		char prefix[80];

		snprintf(prefix, sizeof(prefix), "%s: ", spelled);
		ep_diag_prefix(d, prefix);
	}
	if (rc && d->msg[0] == '\0')
		ep_diag_set(d, rc, 0, 0, "%s '%s': invalid", spelled, val ? val : "");
	return rc;
}

int ep_cmdline_parse(const struct ep_cmdline *cl, void *const ctx[], int argc, char **argv,
                     const char **pos, int *npos, struct ep_diag *d)
{
	int only_positional = 0;

	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const struct ep_opt *o;
		size_t g;
		int rc;

		if (only_positional || arg[0] != '-' || arg[1] == '\0') {
			if (cl->positional == NULL)
				return ep_diag_set(d, EP_EINVAL, 0, 0,
				                   "'%s': unexpected argument (ecsprobe %s takes "
				                   "options only; see --help)",
				                   arg, cl->command);
			pos[(*npos)++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_positional = 1;
			continue;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			char spelled[72];

			o = find(cl, name, len, 0, &g);
			if (o == NULL)
				return unknown(cl, arg, d);
			snprintf(spelled, sizeof(spelled), "--%s", o->name);
			if (!o->has_arg && eq)
				return ep_diag_set(d, EP_EINVAL, 0, 0, "%s takes no value",
				                   spelled);
			if (o->has_arg && !eq && i + 1 >= argc)
				return ep_diag_set(d, EP_EINVAL, 0, 0, "%s needs a value (%s)",
				                   spelled, o->meta ? o->meta : "a value");
			rc = apply(cl, ctx, g, o, spelled,
			           o->has_arg ? (eq ? eq + 1 : argv[++i]) : NULL, d);
			if (rc)
				return rc;
			continue;
		}
		/* a cluster of short options: -qn, -p22, -p 22 */
		/* nmap's two-letter flags first: -oX is not "-o X" */
		if (ep_nmap_hint(arg))
			return unknown(cl, arg, d);
		for (const char *c = arg + 1; *c; c++) {
			char spelled[4] = {'-', *c, '\0', '\0'};

			o = find(cl, NULL, 0, *c, &g);
			if (o == NULL)
				return unknown(cl, c == arg + 1 ? arg : spelled, d);
			if (o->has_arg) {
				const char *val = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);

				if (val == NULL)
					return ep_diag_set(d, EP_EINVAL, 0, 0,
					                   "-%c needs a value (%s)", *c,
					                   o->meta ? o->meta : "a value");
				rc = apply(cl, ctx, g, o, spelled, val, d);
				if (rc)
					return rc;
				break;
			}
			rc = apply(cl, ctx, g, o, spelled, NULL, d);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Writes text from column col, wrapped at 79, continuing lines at indent. */
static void wrap(FILE *out, const char *text, int col, int indent)
{
	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > indent && col + 1 + (int)word > 79) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, word, out);
		col += (int)word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

void ep_cmdline_help(const struct ep_cmdline *cl, FILE *out)
{
	fprintf(out, "Usage: ecsprobe %s%s%s\n\n%s", cl->command, cl->synopsis[0] ? " " : "",
	        cl->synopsis, cl->about);
	for (size_t i = 0; i < EP_CMD_MAX_GROUPS && cl->groups[i]; i++) {
		const struct ep_optgroup *grp = cl->groups[i];

		fprintf(out, "\n%s:\n", grp->title);
		for (size_t k = 0; k < grp->n; k++) {
			const struct ep_opt *o = &grp->opts[k];
			char left[64];
			int len;

			if (o->short_name)
				len = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->short_name,
				               o->name, o->meta ? " " : "", o->meta ? o->meta : "");
			else
				len = snprintf(left, sizeof(left), "      --%s%s%s", o->name,
				               o->meta ? " " : "", o->meta ? o->meta : "");
			fputs(left, out);
			if (len > 24) {
				fprintf(out, "\n%26s", "");
				len = 26;
			} else {
				fprintf(out, "%*s", 26 - len, "");
				len = 26;
			}
			wrap(out, o->help, len, 26);
		}
	}
	if (cl->epilog)
		fprintf(out, "\n%s", cl->epilog);
}

/* roff: a backslash is \e, a dash in an option is \-, and a line must not
 * start with a dot or a quote */
static void roff_text(FILE *out, const char *s, int dashes)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-' && dashes)
			fputs("\\-", out);
		else
			fputc(*s, out);
}

void ep_cmdline_roff(const struct ep_cmdline *cl, FILE *out)
{
	for (size_t i = 0; i < EP_CMD_MAX_GROUPS && cl->groups[i]; i++) {
		const struct ep_optgroup *grp = cl->groups[i];

		/* the page lists the general options once, not under every command */
		if (grp == &ep_common_group && (i > 0 || cl->groups[1]))
			continue;
		if (grp != &ep_common_group)
			fprintf(out, ".SS \"%s: %s\"\n", cl->command, grp->title);
		for (size_t k = 0; k < grp->n; k++) {
			const struct ep_opt *o = &grp->opts[k];

			fputs(".TP\n", out);
			if (o->short_name)
				fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
			fputs("\\fB\\-\\-", out);
			roff_text(out, o->name, 1);
			fputs("\\fR", out);
			if (o->meta) {
				fputs(" \\fI", out);
				roff_text(out, o->meta, 1);
				fputs("\\fR", out);
			}
			fputc('\n', out);
			roff_text(out, o->help, 0);
			fputc('\n', out);
		}
	}
}
