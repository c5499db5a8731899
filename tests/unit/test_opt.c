/* The command-line parser, help and man page writers over option tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/completion.h"
#include "config/opt.h"
#include "config/options.h"
#include "verify/verify.h"

struct seen {
	int quiet, dry, n_out;
	const char *ports, *out[4], *rate;
};

enum { T_PORTS = 1, T_OUTPUT, T_QUIET, T_DRY, T_RATE };

static const struct ep_opt opts[] = {
    {"ports", 'p', 1, T_PORTS, "SPEC", "ports", NULL},
    {"output", 'o', 1, T_OUTPUT, "FMT", "outputs (repeatable)", NULL},
    {"quiet", 'q', 0, T_QUIET, NULL, "quiet", NULL},
    {"dry-run", 'n', 0, T_DRY, NULL, "dry run", NULL},
    {"rate", 0, 1, T_RATE, "PPS", "rate", NULL},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct seen *s = ctx;

	switch (id) {
	case T_PORTS:
		s->ports = val;
		break;
	case T_OUTPUT:
		s->out[s->n_out++ & 3] = val;
		break;
	case T_QUIET:
		s->quiet = 1;
		break;
	case T_DRY:
		s->dry = 1;
		break;
	case T_RATE:
		if (strcmp(val, "fast") == 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is not a whole number", val);
		s->rate = val;
		break;
	}
	return 0;
}

static const struct ep_optgroup group = {"Test", opts, sizeof(opts) / sizeof(opts[0]), apply};
static const struct ep_cmdline cl = {"scan", "[OPTIONS]", "About.\n", "TARGET",
                                     {&group, &ep_common_group, NULL}, "Exit.\n"};
static const struct ep_cmdline no_pos = {"plan", "", "", NULL, {&group, &ep_common_group, NULL},
                                         NULL};

static int parse(const struct ep_cmdline *c, struct seen *s, struct ep_common_opts *common,
                 int argc, char **argv, const char **pos, int *npos, struct ep_diag *d)
{
	void *ctx[] = {s, common};

	memset(s, 0, sizeof(*s));
	memset(common, 0, sizeof(*common));
	memset(d, 0, sizeof(*d));
	return ep_cmdline_parse(c, ctx, argc, argv, pos, npos, d);
}

static void test_spellings(void **state)
{
	char *argv[] = {"scan", "-qn", "-p22", "10.0.0.1", "--rate=5k", "-o", "ndjson:-",
	                "--output", "text", "--", "-weird", NULL};
	const char *pos[12];
	struct seen s;
	struct ep_common_opts common;
	struct ep_diag d;
	int npos;

	(void)state;
	assert_int_equal(parse(&cl, &s, &common, 11, argv, pos, &npos, &d), 0);
	assert_true(s.quiet && s.dry);
	assert_string_equal(s.ports, "22");
	assert_string_equal(s.rate, "5k");
	assert_int_equal(s.n_out, 2);
	assert_string_equal(s.out[0], "ndjson:-");
	assert_string_equal(s.out[1], "text");
	assert_int_equal(npos, 2);
	assert_string_equal(pos[0], "10.0.0.1");
	assert_string_equal(pos[1], "-weird");
}

static void test_errors_name_the_argument(void **state)
{
	char *t4[] = {"scan", "127.0.0.1", "-p", "22", "-T4", NULL};
	char *il[] = {"scan", "-iL", "t.txt", NULL};
	char *ox[] = {"scan", "-oX", "f.xml", NULL};
	char *rat[] = {"scan", "--rat", "5", NULL};
	char *miss[] = {"scan", "-p", NULL};
	char *flag[] = {"scan", "--quiet=yes", NULL};
	char *bad[] = {"scan", "--rate", "fast", NULL};
	char *stray[] = {"plan", "extra", NULL};
	const char *pos[8];
	struct seen s;
	struct ep_common_opts common;
	struct ep_diag d;
	int npos;

	(void)state;
	assert_int_not_equal(parse(&cl, &s, &common, 5, t4, pos, &npos, &d), 0);
	assert_non_null(strstr(d.msg, "-T4: unknown option; nmap's timing"));
	assert_int_not_equal(parse(&cl, &s, &common, 3, il, pos, &npos, &d), 0);
	assert_non_null(strstr(d.msg, "-iL: unknown option; nmap's target list: use -t FILE"));
	/* -oX is nmap's XML, not "-o X" */
	assert_int_not_equal(parse(&cl, &s, &common, 3, ox, pos, &npos, &d), 0);
	assert_non_null(strstr(d.msg, "-oX: unknown option; nmap's XML output: use -o nmap-xml"));
	assert_int_not_equal(parse(&cl, &s, &common, 3, rat, pos, &npos, &d), 0);
	assert_string_equal(d.msg, "--rat: unknown option; did you mean --rate?");
	assert_int_not_equal(parse(&cl, &s, &common, 2, miss, pos, &npos, &d), 0);
	assert_string_equal(d.msg, "-p needs a value (SPEC)");
	assert_int_not_equal(parse(&cl, &s, &common, 2, flag, pos, &npos, &d), 0);
	assert_string_equal(d.msg, "--quiet takes no value");
	assert_int_not_equal(parse(&cl, &s, &common, 3, bad, pos, &npos, &d), 0);
	assert_string_equal(d.msg, "--rate: 'fast' is not a whole number");
	assert_int_not_equal(parse(&no_pos, &s, &common, 2, stray, pos, &npos, &d), 0);
	assert_non_null(strstr(d.msg, "'extra': unexpected argument"));
}

static void test_common_group(void **state)
{
	char *argv[] = {"scan", "-v", "--debug", "-h", NULL};
	const char *pos[4];
	struct seen s;
	struct ep_common_opts common;
	struct ep_diag d;
	int npos;

	(void)state;
	assert_int_equal(parse(&cl, &s, &common, 4, argv, pos, &npos, &d), 0);
	assert_true(common.verbose && common.debug && common.help);
}

static void test_did_you_mean(void **state)
{
	const char *cmds[] = {"scan", "inventory", "plan", "verify", "flush"};

	(void)state;
	assert_string_equal(ep_did_you_mean("scna", cmds, 5), "scan");
	assert_string_equal(ep_did_you_mean("inventroy", cmds, 5), "inventory");
	assert_string_equal(ep_did_you_mean("verfy", cmds, 5), "verify");
	assert_null(ep_did_you_mean("zzzzzz", cmds, 5));
	assert_null(ep_did_you_mean("x", cmds, 5));
}

/* Every line of every real command's --help fits 79 columns, and every
 * option appears in its help, its man page entries and both completions. */
static void test_real_tables(void **state)
{
	const struct ep_cmdline *cls[] = {&ep_scan_cmdline, &ep_verify_cmdline};
	const char *summaries[] = {"s", "v"};

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		char *help = NULL, *roff = NULL, *bash = NULL, *zsh = NULL, *line;
		size_t hlen = 0, rlen = 0, blen = 0, zlen = 0;
		FILE *h = open_memstream(&help, &hlen), *r = open_memstream(&roff, &rlen);
		FILE *b = open_memstream(&bash, &blen), *z = open_memstream(&zsh, &zlen);

		ep_cmdline_help(cls[c], h);
		ep_cmdline_roff(cls[c], r);
		assert_int_equal(ep_completion_bash(b, cls, summaries, 2), 0);
		assert_int_equal(ep_completion_zsh(z, cls, summaries, 2), 0);
		fclose(h);
		fclose(r);
		fclose(b);
		fclose(z);
		for (line = help; line && *line;) {
			size_t len = strcspn(line, "\n");

			assert_true(len <= 79);
			line += len + (line[len] == '\n');
		}
		for (size_t g = 0; cls[c]->groups[g]; g++)
			for (size_t k = 0; k < cls[c]->groups[g]->n; k++) {
				const char *name = cls[c]->groups[g]->opts[k].name;
				char want[80], man[160], *p = man;

				snprintf(want, sizeof(want), "--%s", name);
				assert_non_null(strstr(help, want));
				assert_non_null(strstr(bash, want));
				assert_non_null(strstr(zsh, want));
				p += snprintf(p, 8, "\\-\\-");
				for (const char *n = name; *n; n++)
					p += *n == '-' ? snprintf(p, 4, "\\-") : snprintf(p, 2, "%c", *n);
				if (cls[c]->groups[g] != &ep_common_group)
					assert_non_null(strstr(roff, man));
			}
		free(help);
		free(roff);
		free(bash);
		free(zsh);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spellings),
	    cmocka_unit_test(test_errors_name_the_argument),
	    cmocka_unit_test(test_common_group),
	    cmocka_unit_test(test_did_you_mean),
	    cmocka_unit_test(test_real_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
