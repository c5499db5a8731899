/* Privilege drop.  See privdrop.h.  Written against the raw capset(2) and
 * prctl(2) interfaces: four calls do not justify a libcap dependency. */
#include "base/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"

/* The kernel's own answer (capget), not /proc/self/status: after the drop
 * that file may be unreadable (a root directory the new user cannot enter,
 * a non-dumpable process), and a failed read must not pass for capabilities
 * left.  0 with *eff and *prm set, or -1 with errno. */
static int caps_now(unsigned long long *eff, unsigned long long *prm)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	*eff = (unsigned long long)d[1].effective << 32 | d[0].effective;
	*prm = (unsigned long long)d[1].permitted << 32 | d[0].permitted;
	return 0;
}

unsigned long long ep_privdrop_capeff(void)
{
	unsigned long long eff, prm;

	return caps_now(&eff, &prm) == 0 ? eff : ~0ULL;
}

int ep_privdrop_nocore(void)
{
	struct rlimit none = {0, 0};

	/* a core or a ptrace attach would show the AWS secret and tokens */
	if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		ep_log(EP_LOG_ERROR, "privdrop", "cannot forbid core dumps: %s", strerror(errno));
		return EP_EPERM;
	}
	return 0;
}

static int clear_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

static int lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user);
	char *end;
	unsigned long v;

	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	v = strtoul(user, &end, 10);
	if (*user && *end == '\0' && v > 0 && v < 0xfffffffful) {
		*uid = (uid_t)v;
		*gid = (gid_t)v;
		return 0;
	}
	return EP_ENOENT;
}

int ep_privdrop(const char *user)
{
	unsigned long long eff, prm;
	uid_t uid;
	gid_t gid;

	if (geteuid() == 0) {
		if (lookup(user, &uid, &gid) != 0) {
			ep_log(EP_LOG_ERROR, "privdrop", "--user %s: no such user", user);
			return EP_ENOENT;
		}
		if (uid == 0) {
			ep_log(EP_LOG_ERROR, "privdrop", "--user %s: refusing to probe as root",
			       user);
			return EP_EPERM;
		}
		/* the bounding set needs CAP_SETPCAP, which only root still has */
		for (int cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
				break;
		if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0) {
			ep_log(EP_LOG_ERROR, "privdrop", "cannot become %s: %s", user,
			       strerror(errno));
			return EP_EPERM;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (clear_caps() != 0 && errno != EPERM) {
		ep_log(EP_LOG_ERROR, "privdrop", "capset: %s", strerror(errno));
		return EP_EPERM;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (caps_now(&eff, &prm) != 0) {
		ep_log(EP_LOG_ERROR, "privdrop", "capget after the drop: %s", strerror(errno));
		return EP_EPERM;
	}
	if (eff != 0 || prm != 0) {
		ep_log(EP_LOG_ERROR, "privdrop",
		       "capabilities remain after the drop (effective %llx, permitted %llx)", eff,
		       prm);
		return EP_EPERM;
	}
	ep_log(EP_LOG_DEBUG, "privdrop", "running as uid %u with no capabilities",
	       (unsigned)getuid());
	return 0;
}
