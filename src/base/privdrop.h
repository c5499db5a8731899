/* Giving up privileges once raw sockets and captures are open: switch to an
 * unprivileged user, empty every capability set (bounding set included) and
 * forbid regaining any (no_new_privs).  Called on the main thread before any
 * worker thread exists. */
#ifndef EP_PRIVDROP_H
#define EP_PRIVDROP_H

/* As root: become user (a name or a numeric uid) with its primary group and
 * no supplementary groups.  Not root: only drop capabilities (a binary with
 * file capabilities).  Verifies with capget(2) that no capability is left;
 * returns 0 or EP_EPERM / EP_ENOENT (unknown user), logging why. */
int ep_privdrop(const char *user);
/* Effective capability mask (for tests and logs); ~0 if it cannot be read. */
unsigned long long ep_privdrop_capeff(void);
/* No core file and no ptrace by other users (RLIMIT_CORE 0, not dumpable):
 * called by main before any command loads credentials or tokens.  0 or
 * EP_EPERM, logging why. */
int ep_privdrop_nocore(void);

#endif
