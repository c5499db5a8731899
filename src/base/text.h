/* Untrusted text (AWS answers, the intent file, a baseline, banners) on its
 * way into the program and out of it, in one place for every sink.
 *
 * Two rules.  At the boundary, where a string enters from AWS JSON/XML, the
 * intent or a baseline, invalid UTF-8 is replaced (U+FFFD), so everything
 * inside is valid UTF-8 and every JSON output stays valid.  On the way out
 * to a human (the text table, findings, CEF, syslog, the plan table) control
 * characters and what is still not UTF-8 are escaped, so a value cannot move
 * the cursor, recolour the terminal or start a new line; for GitHub Actions
 * workflow commands the same with GitHub's own %-escapes.
 *
 * Sinks added later (csv, nmap-xml, html...) take their escaping from here.
 * Everything is pure and thread-safe; the ep_buf functions may reallocate
 * the buffer and return 0 or EP_ENOMEM (the buffer's cap). */
#ifndef EP_TEXT_H
#define EP_TEXT_H

#include <stddef.h>

#include "base/buf.h"

struct cJSON;

/* Length (1-4) of the valid UTF-8 sequence at s, or 0 when it is not one:
 * a stray continuation byte, an overlong form, a surrogate, past U+10FFFF,
 * or cut short by the string's NUL.  s must be NUL-terminated. */
size_t ep_utf8_len(const unsigned char *s);
/* 1 when s is entirely valid UTF-8. */
int ep_utf8_valid(const char *s);

/* Replaces each invalid byte of *s with U+FFFD ("\xEF\xBF\xBD"), in place
 * (realloc'd: *s is a malloc'd string, as cJSON's are).  Returns the number
 * of replacements, or EP_ENOMEM (then *s is unchanged). */
int ep_utf8_fix(char **s);
/* The same for every string value and member name of a cJSON tree (the
 * boundary for AWS answers, the intent, a baseline, a saved inventory).
 * Returns the number of replacements, or EP_ENOMEM.  O(size of the text). */
int ep_utf8_fix_json(struct cJSON *j);

/* For a human: appends s with \\ as "\\\\", \n \r \t as "\\n" "\\r" "\\t",
 * other C0 controls, DEL and C1 controls (U+0080-U+009F) as "\\xNN" (C1 by
 * their code point), and each byte of invalid UTF-8 as "\\xNN".  Valid
 * printable UTF-8 passes as is. */
int ep_text_escape(struct ep_buf *b, const char *s);
/* 1 when ep_text_escape would change nothing (fast path). */
int ep_text_is_plain(const char *s);
/* ep_text_escape into a caller's array for printf ("%s"), truncated at a
 * character boundary to fit; s itself when it is plain. */
const char *ep_text_safe(const char *s, char *tmp, size_t cap);

/* A GitHub Actions workflow command's message (data: '%', CR and LF as
 * %25 %0D %0A) or property value (also ':' and ',' as %3A %2C), with the
 * other controls as for a human (ep_text_escape), so that no value can end
 * the command's line and start a forged one (::error, ::stop-commands::). */
int ep_text_gh_data(struct ep_buf *b, const char *s);
int ep_text_gh_property(struct ep_buf *b, const char *s);

#endif
