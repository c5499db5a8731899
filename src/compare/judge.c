/* The outcome table and its printer.  Rows are disjoint (a unit test walks
 * every combination), so their order carries no meaning. */
#include "compare/judge.h"

#define S(x)      (1u << EP_STATE_##x)
#define R(x)      (1u << EP_REACH_##x)
#define E(x)      (1u << EP_EXPECT_##x)
#define ANY_REACH (R(NONE) | R(BLOCKED) | R(ADMITTED))
#define ANY_EXP   (E(NONE) | E(PERMITTED) | E(REQUIRED) | E(DENIED))
#define FIND(k)   EP_VERDICT_FINDING, EP_FINDING_##k

const struct ep_judge_row ep_judge_table[] = {
    {S(OPEN), R(NONE) | R(BLOCKED), ANY_EXP, FIND(UNEXPLAINED_OPEN), EP_SEV_HIGH, EP_SEV_CRITICAL,
     "it answers although nothing on paper lets this vantage in: a stale inventory or "
     "another path; the evidence says whether anything declares it"},
    {S(OPEN), R(ADMITTED), E(NONE) | E(DENIED), FIND(UNEXPECTED_OPEN), EP_SEV_HIGH, EP_SEV_CRITICAL,
     "exposed and answering, and nothing declares or allows it (or the intent denies it)"},
    {S(OPEN), R(ADMITTED), E(PERMITTED) | E(REQUIRED), EP_VERDICT_OK, 0, 0, 0,
     "as declared or allowed"},
    {S(CLOSED) | S(FILTERED), R(ADMITTED), E(REQUIRED), FIND(DECLARED_UNREACHABLE), EP_SEV_HIGH,
     EP_SEV_HIGH, "a declared or intended service does not answer where it should"},
    {S(CLOSED) | S(FILTERED), R(ADMITTED), E(NONE) | E(DENIED), FIND(LATENT_EXPOSURE), EP_SEV_LOW,
     EP_SEV_MEDIUM,
     "a rule admits a port nothing uses: gathered per deciding rule into exact ranges"},
    {S(CLOSED) | S(FILTERED), R(ADMITTED), E(PERMITTED), EP_VERDICT_OK, 0, 0, 0,
     "a tag or an exception permits it; it need not answer"},
    {S(CLOSED) | S(FILTERED), R(NONE) | R(BLOCKED), ANY_EXP, EP_VERDICT_OK, 0, 0, 0,
     "not reachable from here, and it does not answer"},
    {S(OPEN_FILTERED), R(ADMITTED), E(REQUIRED), EP_VERDICT_UNCONFIRMED, 0, 0, 0,
     "UDP silence is neither open nor closed: the summary counts it as unconfirmed"},
    {S(OPEN_FILTERED), R(ADMITTED), E(NONE) | E(PERMITTED) | E(DENIED), EP_VERDICT_OK, 0, 0, 0,
     "UDP silence proves nothing; never reported as open or closed"},
    {S(OPEN_FILTERED), R(NONE) | R(BLOCKED), ANY_EXP, EP_VERDICT_OK, 0, 0, 0,
     "not reachable from here, and silent"},
};
const size_t ep_judge_rows = sizeof(ep_judge_table) / sizeof(ep_judge_table[0]);

struct ep_outcome ep_judge_port(const struct ep_port_facts *f, enum ep_state state)
{
	struct ep_outcome o = {EP_VERDICT_OK, 0, 0, 0};

	for (size_t i = 0; i < ep_judge_rows; i++) {
		const struct ep_judge_row *r = &ep_judge_table[i];

		if (!(r->states & (1u << state)) || !(r->reaches & (1u << f->reach)) ||
		    !(r->expects & (1u << f->expect)))
			continue;
		o.verdict = r->verdict;
		o.kind = r->kind;
		o.severity = f->world || f->expect == EP_EXPECT_DENIED ? r->raised : r->severity;
		o.row = (unsigned)i + 1;
		break;
	}
	return o;
}

static const char *const state_text[] = {"open", "closed", "filtered", "open|filtered"};
static const char *const reach_text[] = {"not admitted", "admitted, but an ACL or route blocks",
                                         "admitted"};
static const char *const expect_text[] = {"nothing", "permitted (tag, exception)",
                                          "declared or intended", "denied"};

/* Markdown needs "|" escaped inside a cell; roff needs "\" escaped. */
static void text(FILE *out, const char *s, enum ep_judge_format fmt)
{
	for (; *s; s++) {
		if (*s == '|' && fmt == EP_JUDGE_MARKDOWN)
			fputs("\\|", out);
		else if (*s == '\\' && fmt == EP_JUDGE_ROFF)
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void cell(FILE *out, unsigned bits, const char *const *names, unsigned n,
                 enum ep_judge_format fmt)
{
	const char *sep = "";

	if (bits == (1u << n) - 1) {
		fputs("any", out);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (bits & (1u << i)) {
			fputs(sep, out);
			text(out, names[i], fmt);
			sep = " or ";
		}
}

static void outcome(FILE *out, const struct ep_judge_row *r, enum ep_judge_format fmt)
{
	const char *on = fmt == EP_JUDGE_MARKDOWN ? "`" : "\\fB";
	const char *off = fmt == EP_JUDGE_MARKDOWN ? "`" : "\\fR";

	if (r->verdict == EP_VERDICT_FINDING) {
		fprintf(out, "%s%s%s, %s", on, ep_finding_kind_name(r->kind), off,
		        ep_severity_name(r->severity));
		if (r->raised != r->severity)
			fprintf(out, "; %s if a world-open rule admits it or the intent denies it",
			        ep_severity_name(r->raised));
	} else if (r->verdict == EP_VERDICT_UNCONFIRMED) {
		fputs("no finding; counted as unconfirmed in the summary", out);
	} else {
		fputs("no finding", out);
	}
}

void ep_judge_table_print(FILE *out, enum ep_judge_format fmt)
{
	if (fmt == EP_JUDGE_MARKDOWN)
		fputs(
		    "| # | observed | security groups, ACL, routes | declared / intent | outcome | "
		    "why |\n|---|---|---|---|---|---|\n",
		    out);
	for (size_t i = 0; i < ep_judge_rows; i++) {
		const struct ep_judge_row *r = &ep_judge_table[i];
		const char *sep = fmt == EP_JUDGE_MARKDOWN ? " | " : "; ";

		fputs(fmt == EP_JUDGE_MARKDOWN ? "| " : ".TP\n", out);
		fprintf(out, "%zu%s", i + 1, fmt == EP_JUDGE_MARKDOWN ? " | " : ". ");
		cell(out, r->states, state_text, EP_STATE_COUNT, fmt);
		fputs(sep, out);
		cell(out, r->reaches, reach_text, EP_REACH_COUNT, fmt);
		fputs(sep, out);
		cell(out, r->expects, expect_text, EP_EXPECT_COUNT, fmt);
		fputs(fmt == EP_JUDGE_MARKDOWN ? " | " : "\n", out);
		outcome(out, r, fmt);
		fputs(fmt == EP_JUDGE_MARKDOWN ? " | " : ": ", out);
		text(out, r->why, fmt);
		fputs(fmt == EP_JUDGE_MARKDOWN ? " |\n" : "\n", out);
	}
}
