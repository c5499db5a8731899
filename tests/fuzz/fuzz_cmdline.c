/* Fuzz harness: the command-line parser over typed option tables (argv is
 * the input split at newlines).  The tables are the test's own, so no input
 * can make the harness open a file or reach the network; what is fuzzed is
 * the parser: clusters, "=", "--", values, hints and did-you-mean. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/opt.h"

static const struct ep_opt opts[] = {
    {"ports", 'p', 1, 1, "SPEC", "ports", NULL},
    {"output", 'o', 1, 2, "FMT", "outputs (repeatable)", NULL},
    {"quiet", 'q', 0, 3, NULL, "quiet", NULL},
    {"dry-run", 'n', 0, 4, NULL, "dry run", NULL},
    {"rate", 0, 1, 5, "PPS", "rate", "1 2"},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	unsigned *seen = ctx;

	*seen |= 1u << id;
	if (val && strcmp(val, "bad") == 0)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is bad", val);
	return 0;
}

static const struct ep_optgroup group = {"Test", opts, sizeof(opts) / sizeof(opts[0]), apply};
static const struct ep_cmdline with_pos = {"scan", "", "", "TARGET", {&group, &ep_common_group, NULL},
                                           NULL};
static const struct ep_cmdline without_pos = {"plan", "", "", NULL, {&group, &ep_common_group, NULL},
                                              NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *argv[65];
	const char *pos[65];
	struct ep_common_opts common = {0};
	unsigned seen = 0;
	void *ctx[] = {&seen, &common};
	int argc = 1, npos;
	struct ep_diag d = {0};

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	argv[0] = "cmd";
	for (char *s = text; argc < 64;) {
		char *nl = strchr(s, '\n');

		argv[argc++] = s;
		if (nl == NULL)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	argv[argc] = NULL;
	ep_cmdline_parse(size % 2 ? &with_pos : &without_pos, ctx, argc, argv, pos, &npos, &d);
	if (npos > argc)
		abort();
	(void)ep_did_you_mean(argv[argc - 1], (const char *const *)argv, (size_t)argc);
	free(text);
	return 0;
}
