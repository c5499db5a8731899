/* Privilege drop.  See privdrop.h.  Written against the raw capset(2) and
 * prctl(2) interfaces: four calls do not justify a libcap dependency. */
#include "base/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"

static unsigned long long status_hex(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t klen = strlen(key);
	unsigned long long v = ~0ULL;

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

unsigned long long ep_privdrop_capeff(void)
{
	return status_hex("CapEff");
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
	if (status_hex("CapEff") != 0 || status_hex("CapPrm") != 0) {
		ep_log(EP_LOG_ERROR, "privdrop", "capabilities remain after the drop");
		return EP_EPERM;
	}
	ep_log(EP_LOG_DEBUG, "privdrop", "running as uid %u with no capabilities",
	       (unsigned)getuid());
	return 0;
}
