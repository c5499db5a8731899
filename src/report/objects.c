/* Local files and S3 objects behind one interface (objects.h): listing and
 * opening inputs, and file outputs that go to a local temporary file first
 * and to S3 when they close, so an upload that fails loses nothing. */
#include "report/objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/s3.h"
#include "base/buf.h"
#include "base/log.h"

/* ---- inputs ---- */

static int new_client(struct ep_s3 **s, struct ep_diag *d)
{
	struct ep_s3_opts o;

	memset(&o, 0, sizeof(o));
	return ep_s3_new(s, &o, d);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing's objects as sorted "s3://bucket/key" strings; folder markers
 * (keys ending in '/') are not inputs. */
static int listing_urls(const char *bucket, const struct ep_s3_listing *l, char ***urls, size_t *n,
                        struct ep_diag *d)
{
	char **v = calloc(l->n ? l->n : 1, sizeof(*v));
	size_t k = 0;

	if (v == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		const char *key = l->objs[i].key;
		size_t len = strlen(key);
		char *u;

		if (key[len - 1] == '/')
			continue;
		u = malloc(5 + strlen(bucket) + 1 + len + 1);
		if (u == NULL) {
			ep_input_list_free(v, k);
			return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
		}
		memcpy(u, "s3://", 5);
		memcpy(u + 5, bucket, strlen(bucket));
		u[5 + strlen(bucket)] = '/';
		memcpy(u + 6 + strlen(bucket), key, len + 1);
		v[k++] = u;
	}
	/* S3 lists in UTF-8 byte order already; a server that does not must
	 * not change the order in which shards are read */
	qsort(v, k, sizeof(*v), by_key);
	*urls = v;
	*n = k;
	return 0;
}

int ep_input_list(const char *arg, char ***urls, size_t *n, struct ep_diag *d)
{
	struct ep_s3_url u;
	struct ep_s3_listing l;
	struct ep_s3 *s = NULL;
	size_t kl;
	int rc;

	*urls = NULL;
	*n = 0;
	snprintf(d->file, sizeof(d->file), "%s", arg);
	if (!ep_s3_url_is(arg)) {
		char **v = calloc(1, sizeof(*v));

		if (v == NULL || (v[0] = strdup(arg)) == NULL) {
			free(v);
			return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
		}
		*urls = v;
		*n = 1;
		return 0;
	}
	rc = ep_s3_url_parse(arg, &u, d);
	if (rc == 0)
		rc = new_client(&s, d);
	if (rc)
		return rc;
	memset(&l, 0, sizeof(l));
	kl = strlen(u.key);
	/* an exact key sorts before everything under it: the first page says */
	if (kl > 0 && u.key[kl - 1] != '/') {
		rc = ep_s3_list(s, u.bucket, u.key, 1, &l, d);
		if (rc == 0 && l.n > 0 && strcmp(l.objs[0].key, u.key) == 0) {
			for (size_t i = 1; i < l.n; i++)
				free(l.objs[i].key);
			l.n = 1;
			goto done;
		}
		if (rc == 0 && l.truncated) {
			ep_s3_listing_free(&l);
			rc = ep_s3_list(s, u.bucket, u.key, 0, &l, d);
		}
	} else {
		rc = ep_s3_list(s, u.bucket, u.key, 0, &l, d);
	}
done:
	if (rc == 0)
		rc = listing_urls(u.bucket, &l, urls, n, d);
	if (rc == 0 && *n == 0) {
		ep_input_list_free(*urls, 0);
		*urls = NULL;
		rc = ep_diag_set(d, EP_ENOENT, 0, 0, "no such object, and no object under it");
	}
	ep_s3_listing_free(&l);
	ep_s3_free(s);
	return rc;
}

void ep_input_list_free(char **urls, size_t n)
{
	for (size_t i = 0; urls && i < n; i++)
		free(urls[i]);
	free(urls);
}

/* A lower cap for tests (ECSPROBE_S3_MAX_INPUT, bytes); never a higher one. */
static uint64_t input_cap(void)
{
	const char *v = getenv("ECSPROBE_S3_MAX_INPUT");
	char *end = NULL;
	unsigned long long x;

	if (v == NULL || *v == '\0')
		return EP_INPUT_MAX_BYTES;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end != '\0' || x == 0 || x > EP_INPUT_MAX_BYTES)
		return EP_INPUT_MAX_BYTES;
	return x;
}

static int errno_of(int rc)
{
	switch (rc) {
	case EP_ENOENT:
		return ENOENT;
	case EP_EINVAL:
		return EINVAL;
	case EP_ERANGE:
		return EFBIG;
	case EP_ENOMEM:
		return ENOMEM;
	default:
		return EREMOTEIO;
	}
}

FILE *ep_input_open(const char *url, struct ep_diag *d)
{
	struct ep_s3_url u;
	struct ep_s3 *s = NULL;
	FILE *f;
	int rc;

	snprintf(d->file, sizeof(d->file), "%s", url);
	if (!ep_s3_url_is(url)) {
		f = fopen(url, "rb");
		if (f == NULL) {
			int e = errno;

			ep_diag_set(d, EP_EIO, 0, 0, "cannot open: %s", strerror(e));
			errno = e;
		}
		return f;
	}
	rc = ep_s3_url_parse(url, &u, d);
	if (rc == 0 && (u.key[0] == '\0' || u.key[strlen(u.key) - 1] == '/'))
		rc = ep_diag_set(d, EP_EINVAL, 0, 0, "names a prefix, not an object");
	if (rc == 0)
		rc = new_client(&s, d);
	if (rc) {
		errno = errno_of(rc);
		return NULL;
	}
	f = tmpfile();
	if (f == NULL) {
		int e = errno;

		ep_diag_set(d, EP_EIO, 0, 0, "cannot make a temporary file: %s", strerror(e));
		ep_s3_free(s);
		errno = e;
		return NULL;
	}
	rc = ep_s3_get_file(s, &u, f, input_cap(), d);
	ep_s3_free(s);
	if (rc == 0 && fseek(f, 0, SEEK_SET))
		rc = ep_diag_set(d, EP_EIO, 0, 0, "cannot rewind the temporary file");
	if (rc) {
		fclose(f);
		errno = errno_of(rc);
		return NULL;
	}
	return f;
}

/* ---- outputs ---- */

static const char *content_type(const char *format)
{
	static const char *const types[][2] = {
	    {"ndjson", "application/x-ndjson"},       {"elastic", "application/x-ndjson"},
	    {"elastic-bulk", "application/x-ndjson"}, {"ocsf", "application/x-ndjson"},
	    {"sarif", "application/sarif+json"},      {"asff", "application/json"},
	    {"inventory", "application/json"},        {"cef", "text/plain; charset=utf-8"},
	    {"text", "text/plain; charset=utf-8"}};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(format, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* ECSPROBE_S3_PART_SIZE: bytes, or with a K, M or G suffix (powers of 1024).
 * Below 5 MiB only S3-compatible stores that allow it (and the tests' fake)
 * accept the parts. */
static int part_size(uint64_t *out, struct ep_diag *d)
{
	const char *v = getenv("ECSPROBE_S3_PART_SIZE");
	char *end = NULL;
	unsigned long long x;
	unsigned shift = 0;

	*out = EP_S3_DEFAULT_PART;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (end && (*end == 'K' || *end == 'k'))
		shift = 10;
	else if (end && (*end == 'M' || *end == 'm'))
		shift = 20;
	else if (end && (*end == 'G' || *end == 'g'))
		shift = 30;
	if (shift)
		end++;
	if (errno || end == v || *end != '\0' || v[0] == '-' || x > (EP_S3_MAX_PART >> shift) ||
	    (x << shift) < EP_S3_MIN_PART)
		return ep_diag_set(d, EP_EINVAL, 0, 0,
		                   "ECSPROBE_S3_PART_SIZE '%.40s': a size from 1K to 5G", v);
	*out = (uint64_t)x << shift;
	return 0;
}

/* The local file: anonymous, so that nothing is left behind and nothing
 * needs removing later (a scan may give up root before the output closes). */
static int local_file(const char *dir, const char *format, struct ep_diag *d)
{
	struct ep_buf path;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	/* a file system without O_TMPFILE: a named file, unlinked at once */
	ep_buf_init(&path, 4096);
	if (ep_buf_printf(&path, "%s/ecsprobe-%s-XXXXXX", dir, format) == 0) {
		fd = mkostemp(path.data, O_CLOEXEC);
		if (fd >= 0)
			unlink(path.data);
	}
	if (fd < 0)
		ep_diag_set(d, EP_EIO, 0, 0, "cannot make a local file in %s: %s", dir,
		            strerror(errno));
	ep_buf_free(&path);
	return fd;
}

static const char *tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

static int open_s3(struct ep_output *o, const char *format, struct ep_diag *d)
{
	int rc;

	o->url = calloc(1, sizeof(*o->url));
	if (o->url == NULL)
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	rc = ep_s3_url_parse(o->dest, o->url, d);
	if (rc == 0 && (o->url->key[0] == '\0' || o->url->key[strlen(o->url->key) - 1] == '/'))
		rc = ep_diag_set(d, EP_EINVAL, 0, 0, "%s names a prefix; add the object's name",
		                 o->dest);
	if (rc == 0)
		rc = part_size(&o->part_size, d);
	if (rc == 0)
		rc = new_client(&o->s3, d);
	if (rc)
		return rc;
	o->content_type = content_type(format);
	snprintf(o->format, sizeof(o->format), "%s", format);
	o->fd = local_file(tmp_dir(), format, d);
	if (o->fd < 0)
		return EP_EIO;
	o->own_fd = 1;
	o->keep_fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 0);
	if (o->keep_fd < 0)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot keep the local file: %s",
		                   strerror(errno));
	return 0;
}

static void release(struct ep_output *o)
{
	if (o->own_fd)
		close(o->fd);
	o->own_fd = 0;
	if (o->keep_fd >= 0)
		close(o->keep_fd);
	o->keep_fd = -1;
	if (o->s3)
		ep_s3_free(o->s3);
	free(o->url);
	o->s3 = NULL;
	o->url = NULL;
}

/* 1 for /dev/stdout, /dev/fd/1 or /proc/self/fd/1, 2 for stderr; else -1 */
static int std_fd(const char *dest)
{
	static const char *const names[][3] = {
	    {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"},
	    {"/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"},
	};

	for (int f = 0; f < 2; f++)
		for (int k = 0; k < 3; k++)
			if (strcmp(dest, names[f][k]) == 0)
				return f + 1;
	return -1;
}

int ep_output_open(struct ep_output *o, const char *format, const char *dest, struct ep_diag *d)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->keep_fd = -1;
	o->dest = dest;
	/* an option's own name ("--targets-out") labels its messages as given */
	if (format[0] == '-')
		snprintf(o->label, sizeof(o->label), "%s ", format);
	else
		snprintf(o->label, sizeof(o->label), "-o %s:", format);
	if (dest == NULL || dest[0] == '\0' || strcmp(dest, "-") == 0) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	{
		/* the process's own descriptors by name (a container's log is
		 * /dev/stdout): symbolic links the system made, written as such */
		int fd = std_fd(dest);

		if (fd >= 0) {
			o->fd = fd;
			return 0;
		}
	}
	if (ep_s3_url_is(dest)) {
		rc = open_s3(o, format, d);
		if (rc) {
			ep_diag_prefix(d, o->label);
			release(o);
		}
		return rc;
	}
	/* O_NOFOLLOW: a symbolic link planted where a root scan writes would
	 * otherwise aim the truncation at any file of the attacker's choice */
	o->fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (o->fd < 0 && errno == ELOOP)
		return ep_diag_set(d, EP_EIO, 0, 0,
		                   "%s%s: is a symbolic link; not following it (name the file "
		                   "it points to)",
		                   o->label, dest);
	if (o->fd < 0)
		return ep_diag_set(d, EP_EIO, 0, 0, "%s%s: %s", o->label, dest, strerror(errno));
	o->own_fd = 1;
	return 0;
}

void ep_output_failed(struct ep_output *o, int err)
{
	const char *dest = o->dest && o->dest[0] && strcmp(o->dest, "-") != 0 ? o->dest : "-";

	if (o->err)
		return;
	o->err = err ? err : EIO;
	if (!o->quiet)
		ep_log(EP_LOG_ERROR, "output", "%s%s%s: write failed: %s", o->label, dest,
		       strcmp(dest, "-") == 0 ? " (standard output)" : "", strerror(o->err));
}

int ep_output_write(struct ep_output *o, const void *p, size_t n)
{
	size_t off = 0;

	if (o->err)
		return EP_EIO;
	while (off < n) {
		ssize_t w = write(o->fd, (const char *)p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ep_output_failed(o, w < 0 ? errno : EIO);
			return EP_EIO;
		}
		off += (size_t)w;
	}
	return 0;
}

/* s quoted for a POSIX shell when it needs it, for the line to paste. */
static void add_shell_word(struct ep_buf *b, const char *s)
{
	if (s[strspn(s,
	             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._:=@%+-")] ==
	    '\0') {
		ep_buf_adds(b, s);
		return;
	}
	ep_buf_addc(b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			ep_buf_adds(b, "'\\''");
		else
			ep_buf_addc(b, *s);
	ep_buf_addc(b, '\'');
}

/* Copies the local file to a named one for the user; its path, or NULL. */
static char *keep_copy(const struct ep_output *o, const struct stat *st)
{
	struct ep_buf path;
	char buf[65536];
	uint64_t off = 0;
	int fd, rc = 0;

	ep_buf_init(&path, 4096);
	if (ep_buf_printf(&path, "%s/ecsprobe-%s-XXXXXX", tmp_dir(), o->format))
		return NULL;
	fd = mkostemp(path.data, O_CLOEXEC);
	if (fd < 0) {
		ep_buf_free(&path);
		return NULL;
	}
	while (rc == 0 && off < (uint64_t)st->st_size) {
		ssize_t r = pread(o->keep_fd, buf, sizeof(buf), (off_t)off);
		size_t done = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			rc = EP_EIO;
		while (rc == 0 && done < (size_t)r) {
			ssize_t w = write(fd, buf + done, (size_t)r - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				rc = EP_EIO;
			else
				done += (size_t)w;
		}
		off += done;
	}
	if (close(fd) || rc) {
		unlink(path.data);
		ep_buf_free(&path);
		return NULL;
	}
	return path.data; /* the buffer's heap string is the caller's now */
}

static void report_kept(const struct ep_output *o, const char *why)
{
	struct ep_buf hint;
	struct stat st;
	char *kept = fstat(o->keep_fd, &st) == 0 ? keep_copy(o, &st) : NULL;

	if (kept == NULL) {
		ep_log(EP_LOG_ERROR, "output",
		       "%s%s not uploaded: %s; keeping the output in %s "
		       "failed too: %s",
		       o->label, o->dest, why, tmp_dir(), strerror(errno));
		return;
	}
	ep_buf_init(&hint, 16384);
	ep_buf_adds(&hint, "aws s3 cp ");
	add_shell_word(&hint, kept);
	ep_buf_addc(&hint, ' ');
	add_shell_word(&hint, o->dest);
	ep_log(EP_LOG_ERROR, "output",
	       "%s%s not uploaded: %s; the output is kept in %s (upload it with: %s)", o->label,
	       o->dest, why, kept, hint.data ? hint.data : "aws s3 cp");
	ep_buf_free(&hint);
	free(kept);
}

static int upload(struct ep_output *o)
{
	struct ep_diag d = {0};
	struct stat st;
	int rc;

	if (fstat(o->keep_fd, &st))
		rc = ep_diag_set(&d, EP_EIO, 0, 0, "cannot read the local file: %s",
		                 strerror(errno));
	else
		rc = ep_s3_put_file(o->s3, o->url, o->keep_fd, (uint64_t)st.st_size, o->part_size,
		                    o->content_type, &d);
	if (rc) {
		report_kept(o, d.msg);
		return EP_EIO;
	}
	ep_log(EP_LOG_INFO, "output", "%s%s: uploaded %lld bytes", o->label, o->dest,
	       (long long)st.st_size);
	return 0;
}

int ep_output_close(struct ep_output *o, int ok)
{
	int rc = 0;

	if (o->own_fd && close(o->fd)) {
		ep_output_failed(o, errno); /* NFS and full quotas report here */
		ok = 0;
		rc = EP_EIO;
	}
	o->own_fd = 0;
	if (o->s3 != NULL) {
		if (ok) {
			rc = upload(o);
		} else {
			report_kept(o, "writing the local file failed, so it is incomplete");
			rc = EP_EIO;
		}
	}
	release(o);
	return rc;
}

void ep_output_discard(struct ep_output *o)
{
	release(o);
}
