/* The judge: one outcome per (address, protocol, port), from a table.
 * A pure function of the port's facts (does a rule admit the vantage, does
 * an ACL or route block it, is it declared, intended, permitted or denied,
 * is the admitting rule world-open) and what the probe observed.  The table
 * is data: `ecsprobe help outcomes` prints it, the README and the man page
 * carry the same text (a test compares them), and the unit tests walk it. */
#ifndef EP_JUDGE_H
#define EP_JUDGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compare/findings.h"
#include "results/result.h"

/* How the vantage reaches the port on paper. */
enum ep_reach {
	EP_REACH_NONE,     /* no security-group rule admits the vantage */
	EP_REACH_BLOCKED,  /* a rule admits it; a network ACL or route table blocks it */
	EP_REACH_ADMITTED, /* a rule admits it and nothing on the path blocks it */
	EP_REACH_COUNT
};

/* What the declarations and the intent say of the port (deny wins, then a
 * declaration or an intent rule, then a tag or a live exception). */
enum ep_expect {
	EP_EXPECT_NONE,      /* nothing declares or allows it (an expired exception included) */
	EP_EXPECT_PERMITTED, /* an ecsprobe:allow tag or a live exception allows it */
	EP_EXPECT_REQUIRED,  /* a task, binding or listener declares it, or an intent rule allows it
	                      */
	EP_EXPECT_DENIED,    /* an intent rule denies it */
	EP_EXPECT_COUNT
};

struct ep_port_facts {
	enum ep_reach reach;
	enum ep_expect expect;
	int world; /* a world-open rule (0.0.0.0/0, ::/0) of the address's family admits it */
};

enum ep_verdict_kind {
	EP_VERDICT_OK,          /* no finding */
	EP_VERDICT_UNCONFIRMED, /* no finding; counted: a required UDP port that stayed
	                           open|filtered */
	EP_VERDICT_FINDING
};

struct ep_outcome {
	enum ep_verdict_kind verdict;
	enum ep_finding_kind kind; /* EP_VERDICT_FINDING */
	enum ep_severity severity;
	unsigned row; /* 1-based row of the table that decided */
};

struct ep_judge_row {
	unsigned states;  /* bits of enum ep_state */
	unsigned reaches; /* bits of enum ep_reach */
	unsigned expects; /* bits of enum ep_expect */
	enum ep_verdict_kind verdict;
	enum ep_finding_kind kind;
	enum ep_severity severity,
	    raised;      /* raised: a world-open rule admits it, or it is denied */
	const char *why; /* the row's meaning, for people */
};

extern const struct ep_judge_row ep_judge_table[];
extern const size_t ep_judge_rows;

/* The outcome for one port.  Every combination of state, reach and expect
 * matches exactly one row (the unit tests check it). */
struct ep_outcome ep_judge_port(const struct ep_port_facts *f, enum ep_state state);
/* The table as the README carries it (Markdown), or as the man page does
 * (roff: one .TP entry a row). */
enum ep_judge_format { EP_JUDGE_MARKDOWN, EP_JUDGE_ROFF };
void ep_judge_table_print(FILE *out, enum ep_judge_format fmt);

#endif
