/* Command lines from typed option tables.  Every command is a list of option
 * groups (scan's scope, the probe run, outputs, AWS, verify's own, the
 * common -h/-v/--debug); one table per group feeds the parser, --help, the
 * man page (generated at build time by `ecsprobe help --roff`) and the shell
 * completions, so none of them can list an option the others lack. */
#ifndef EP_OPT_H
#define EP_OPT_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

struct ep_opt {
	const char *name;     /* long name, without "--" */
	char short_name;      /* 'p' for -p; 0: none */
	char has_arg;         /* 0: a flag; 1: takes a value */
	short id;             /* the group's own number, given to its apply() */
	const char *meta;     /* the value's name in help ("FILE"); NULL for a flag */
	const char *help;     /* one paragraph, wrapped by the printers */
	const char *complete; /* what the value completes to: "file", "dir", or a
	                       * space-separated word list; NULL: nothing */
};

/* Applies one parsed option to the group's context.  val is NULL for a
 * flag.  Returns 0, or an EP_E* code with d filled (the parser prefixes
 * the option's name, so the message need not repeat it). */
typedef int (*ep_opt_apply_fn)(void *ctx, int id, const char *val, struct ep_diag *d);

struct ep_optgroup {
	const char *title; /* "Scope", "AWS"... */
	const struct ep_opt *opts;
	size_t n;
	ep_opt_apply_fn apply;
};

#define EP_CMD_MAX_GROUPS 8

struct ep_cmdline {
	const char *command;    /* "scan" */
	const char *synopsis;   /* after "ecsprobe scan ": "[OPTIONS] [TARGET...]" */
	const char *about;      /* paragraphs, already wrapped */
	const char *positional; /* e.g. "TARGET"; NULL: none accepted */
	const struct ep_optgroup *groups[EP_CMD_MAX_GROUPS]; /* NULL-terminated */
	const char *epilog; /* exit status and notes, already wrapped */
};

/* The common group every command has: -h/--help, -v/--verbose, --debug. */
struct ep_common_opts {
	int help;
	int verbose;
	int debug;
};
extern const struct ep_optgroup ep_common_group;

/* Parses argv[1..argc-1] (argv[0] is the command's name).  ctx[i] is the
 * context of cl->groups[i]; the common group must be one of them.  The
 * positional arguments are stored in pos (argc entries are enough) and
 * counted in *npos.  On error fills d with a message that names the
 * argument at fault (and a "did you mean" or an nmap hint) and returns an
 * EP_E* code. */
int ep_cmdline_parse(const struct ep_cmdline *cl, void *const ctx[], int argc, char **argv,
                     const char **pos, int *npos, struct ep_diag *d);

/* --help text. */
void ep_cmdline_help(const struct ep_cmdline *cl, FILE *out);
/* The options as man page .TP entries, one .SS per group. */
void ep_cmdline_roff(const struct ep_cmdline *cl, FILE *out);

/* The closest of n candidate words to s, or NULL when none is close
 * (Damerau-Levenshtein distance at most a third of the length, at least 1). */
const char *ep_did_you_mean(const char *s, const char *const *words, size_t n);

/* A one-line translation of a common nmap or masscan flag, or NULL. */
const char *ep_nmap_hint(const char *arg);

#endif
