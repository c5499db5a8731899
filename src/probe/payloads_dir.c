/* Loading the probe payload files: every *.probe file of a directory, in
 * name order, each capped at 1 MiB; and where that directory is by default. */
#include "probe/payloads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"

#ifndef EP_DATADIR
#define EP_DATADIR "/usr/local/share/ecsprobe"
#endif

#define MAX_FILE  (1u << 20)
#define MAX_FILES 4096

/* Reads path (at most MAX_FILE bytes) into buf. */
static int read_file(const char *path, const char *base, char *buf, size_t *len, struct ep_diag *d)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO (or a device) planted in the directory
	 * must not wait forever for a writer; it is refused below */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	FILE *f;
	int rc = 0;

	snprintf(d->file, sizeof(d->file), "%s", base);
	if (fd < 0)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return ep_diag_set(d, EP_EIO, 0, 0, "not a regular file");
	}
	f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	if (rc == 0) {
		*len = fread(buf, 1, MAX_FILE + 1, f);
		if (ferror(f))
			rc = ep_diag_set(d, EP_EIO, 0, 0, "read error");
		else if (*len > MAX_FILE)
			rc = ep_diag_set(d, EP_EPARSE, 0, 0, "larger than %u bytes", MAX_FILE);
	}
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ep_payloads_load_dir(struct ep_payloads *s, const char *dir, struct ep_diag *d)
{
	struct ep_diag scratch;
	DIR *dh;
	struct dirent *de;
	char **names = NULL, *buf = NULL;
	size_t n = 0, cap = 0, n0 = s->n;
	int rc = 0;

	if (d == NULL)
		d = &scratch;
	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", dir);
	dh = opendir(dir);
	if (dh == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot open the probes directory: %s",
		                   strerror(errno));
	while (rc == 0 && (de = readdir(dh)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l <= 6 || strcmp(de->d_name + l - 6, ".probe") != 0)
			continue;
		if (n >= MAX_FILES)
			rc = ep_diag_set(d, EP_EPARSE, 0, 0, "more than %d probe files", MAX_FILES);
		else if (ep_array_reserve((void **)&names, &cap, n + 1, sizeof(*names)) ||
		         (names[n] = strdup(de->d_name)) == NULL)
			rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
		else
			n++;
	}
	closedir(dh);
	if (rc == 0 && n) {
		qsort(names, n, sizeof(*names), cmp_str);
		buf = malloc(MAX_FILE + 1);
		if (buf == NULL)
			rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char path[4096];
		size_t len = 0;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
			rc = ep_diag_set(d, EP_EIO, 0, 0, "path too long");
			break;
		}
		rc = read_file(path, names[i], buf, &len, d);
		if (rc == 0)
			rc = ep_payloads_parse(s, names[i], buf, len, d);
	}
	if (rc)
		ep_payloads_truncate(s, n0);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(buf);
	return rc;
}

const char *ep_payloads_default_dir(void)
{
	const char *env = getenv("ECSPROBE_PROBES_DIR");
	struct stat st;

	if (env && *env)
		return env;
	if (stat(EP_DATADIR "/probes", &st) == 0 && S_ISDIR(st.st_mode))
		return EP_DATADIR "/probes";
#ifdef EP_SRCDIR
	if (stat(EP_SRCDIR "/probes", &st) == 0 && S_ISDIR(st.st_mode))
		return EP_SRCDIR "/probes";
#endif
	return EP_DATADIR "/probes";
}
