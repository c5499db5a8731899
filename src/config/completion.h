/* Shell completion scripts generated from the commands' option tables. */
#ifndef EP_COMPLETION_H
#define EP_COMPLETION_H

#include <stddef.h>
#include <stdio.h>

#include "config/opt.h"

/* n commands, each with its one-line summary.  0, or -1 on a write error. */
int ep_completion_bash(FILE *out, const struct ep_cmdline *const *cls, const char *const *summaries,
                       size_t n);
int ep_completion_zsh(FILE *out, const struct ep_cmdline *const *cls, const char *const *summaries,
                      size_t n);

#endif
