/* Spool segment files (format in spool.h): create, validate, append with
 * fdatasync, read back, commit the consumed offset, list oldest first. */
#include "report/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"

#define MAGIC      "EPSPOOL1"
#define HDR_FIXED  22u /* magic 8, consumed 8, crc 4, keylen 2 */
#define OFF_FIELD  8u  /* where the consumed offset sits in the header */
#define WRITE_SPAN (1u << 20)

/* CRC-32 (IEEE, reflected), four bits at a time: 16-entry table, no
 * initialisation, about 2 table lookups per byte. */
uint32_t ep_spool_crc32(uint32_t crc, const void *p, size_t n)
{
	static const uint32_t t[16] = {
	    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	    0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const uint8_t *b = p;

	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		crc = (crc >> 4) ^ t[crc & 15];
		crc = (crc >> 4) ^ t[crc & 15];
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int ep_spool_parse_rec(const uint8_t *p, size_t n, struct ep_spool_rec *r)
{
	size_t len, idlen, size;

	if (n < 5)
		return 0;
	len = get32(p);
	idlen = p[4];
	if (len > EP_SPOOL_MAX_RECORD || idlen > EP_SPOOL_MAX_ID)
		return EP_EPARSE;
	size = EP_SPOOL_REC_OVER + idlen + len;
	if (n < size)
		return 0;
	if (get32(p + size - 4) != ep_spool_crc32(0, p, size - 4))
		return EP_EPARSE;
	for (size_t i = 0; i < idlen; i++)
		if (p[5 + i] <= ' ' || p[5 + i] > '~')
			return EP_EPARSE; /* ids are printable ASCII */
	r->id = (const char *)p + 5;
	r->idlen = idlen;
	r->data = p + 5 + idlen;
	r->len = len;
	r->size = size;
	return 1;
}

int ep_spool_parse_hdr(const uint8_t *p, size_t n, char *key, uint64_t *consumed)
{
	size_t klen;

	if (n < HDR_FIXED || memcmp(p, MAGIC, 8) != 0)
		return EP_EPARSE;
	klen = (size_t)p[20] | (size_t)p[21] << 8;
	if (klen == 0 || klen > EP_SPOOL_MAX_KEY || n < HDR_FIXED + klen)
		return EP_EPARSE;
	if (memchr(p + HDR_FIXED, '\0', klen))
		return EP_EPARSE;
	memcpy(key, p + HDR_FIXED, klen);
	key[klen] = '\0';
	*consumed = get64(p + 8);
	if (get32(p + 16) != ep_spool_crc32(0, p + 8, 8))
		*consumed = 0; /* torn: replay all (at-least-once) */
	return (int)(HDR_FIXED + klen);
}

static int pread_all(int fd, void *buf, size_t n, uint64_t pos, size_t *got)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = pread(fd, (char *)buf + off, n - off, (off_t)(pos + off));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return EP_EIO;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	*got = off;
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t pos)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = pwrite(fd, (const char *)buf + off, n - off, (off_t)(pos + off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EP_EIO;
		off += (size_t)w;
	}
	return 0;
}

/* The record at pos into *buf: 1, 0 at a clean end, EP_EPARSE (corrupt or
 * torn), EP_EIO, EP_ENOMEM. */
static int read_at(int fd, uint64_t pos, uint8_t **buf, size_t *cap, struct ep_spool_rec *r)
{
	uint8_t head[5];
	size_t got, size;
	int rc;

	rc = pread_all(fd, head, sizeof(head), pos, &got);
	if (rc || got == 0)
		return rc ? rc : 0;
	if (got < sizeof(head))
		return EP_EPARSE;
	if (get32(head) > EP_SPOOL_MAX_RECORD || head[4] > EP_SPOOL_MAX_ID)
		return EP_EPARSE;
	size = EP_SPOOL_REC_OVER + head[4] + get32(head);
	if (size > *cap) {
		uint8_t *nb = realloc(*buf, size);

		if (nb == NULL)
			return EP_ENOMEM;
		*buf = nb;
		*cap = size;
	}
	rc = pread_all(fd, *buf, size, pos, &got);
	if (rc)
		return rc;
	if (got < size)
		return EP_EPARSE;
	return ep_spool_parse_rec(*buf, size, r) == 1 ? 1 : EP_EPARSE;
}

/* Events replayed from a file anyone could have written are events anyone
 * could inject into the SIEM: only regular files of this user, writable by
 * no one else, are read. */
static int owned_file(int fd, const char *path, struct ep_diag *d)
{
	struct stat st;

	if (fstat(fd, &st))
		return ep_diag_set(d, EP_EIO, 0, 0, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ep_diag_set(d, EP_EPERM, 0, 0, "%s: not a regular file", path);
	if (st.st_uid != geteuid())
		return ep_diag_set(d, EP_EPERM, 0, 0, "%s: owned by uid %u, not by this user (%u)",
		                   path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ep_diag_set(d, EP_EPERM, 0, 0, "%s: writable by others (mode %04o)", path,
		                   (unsigned)(st.st_mode & 07777));
	return 0;
}

int ep_spool_dir_check(const char *dir, struct ep_diag *d)
{
	struct stat st;

	if (lstat(dir, &st))
		return ep_diag_set(d, errno == ENOENT ? EP_ENOENT : EP_EIO, 0, 0, "--spool %s: %s",
		                   dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ep_diag_set(d, EP_EINVAL, 0, 0, "--spool %s: not a directory%s", dir,
		                   S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return ep_diag_set(d, EP_EPERM, 0, 0,
		                   "--spool %s: owned by uid %u, not by this user (%u) or root",
		                   dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ep_diag_set(d, EP_EPERM, 0, 0,
		                   "--spool %s: writable by others (mode %04o): anyone could add "
		                   "events to it; use a directory of mode 0700",
		                   dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

int ep_spool_seg_open(struct ep_spool_seg *s, const char *path, const char *key, char *key_out,
                      struct ep_diag *d)
{
	uint8_t hdr[HDR_FIXED + EP_SPOOL_MAX_KEY], *buf = NULL;
	char fkey[EP_SPOOL_MAX_KEY + 1];
	size_t got, cap = 0;
	uint64_t consumed, pos, boundary;
	struct ep_spool_rec r;
	struct stat st;
	int rc, hl;

	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (s->fd < 0)
		return ep_diag_set(d, errno == ENOENT ? EP_ENOENT : EP_EIO, 0, 0, "%s: %s", path,
		                   strerror(errno));
	rc = owned_file(s->fd, path, d);
	if (rc) {
		close(s->fd);
		s->fd = -1;
		return rc;
	}
	if (flock(s->fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? EP_EAGAIN : EP_EIO;
		close(s->fd);
		s->fd = -1;
		return ep_diag_set(d, rc, 0, 0, "%s: in use by another ecsprobe", path);
	}
	rc = pread_all(s->fd, hdr, sizeof(hdr), 0, &got);
	if (rc == 0 && got == 0) {
		/* emptied by a run that could not remove it (it had given up root),
		 * or created by one that died at once: nothing in it */
		if (key_out)
			key_out[0] = '\0';
		s->path = strdup(path);
		return s->path ? 0 : EP_ENOMEM;
	}
	hl = rc ? rc : ep_spool_parse_hdr(hdr, got, fkey, &consumed);
	if (hl < 0 || (key && strcmp(key, fkey) != 0)) {
		close(s->fd);
		s->fd = -1;
		return ep_diag_set(d, EP_EPARSE, 0, 0, "%s: not a spool file for '%s'", path,
		                   key ? key : "any output");
	}
	if (key_out)
		snprintf(key_out, EP_SPOOL_MAX_KEY + 1, "%s", fkey);
	s->hdr = s->end = boundary = (uint64_t)hl;
	/* walk the records: the valid end, and how many lie past the offset */
	for (pos = s->hdr;; pos += r.size) {
		rc = read_at(s->fd, pos, &buf, &cap, &r);
		if (rc != 1)
			break;
		if (pos < consumed)
			boundary = pos + r.size;
		else
			s->pending++;
		s->end = pos + r.size;
	}
	free(buf);
	if (rc == EP_EIO || rc == EP_ENOMEM) {
		close(s->fd);
		s->fd = -1;
		return ep_diag_set(d, rc, 0, 0, "%s: cannot read", path);
	}
	/* a consumed offset inside a record replays that record */
	s->off = s->rd = consumed > s->end ? s->end : boundary;
	if (consumed > s->end)
		s->pending = 0;
	if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size > s->end) {
		ep_log(EP_LOG_WARN, "spool",
		       "%s: %llu bytes after offset %llu are torn or corrupt; "
		       "cut off",
		       path, (unsigned long long)((uint64_t)st.st_size - s->end),
		       (unsigned long long)s->end);
		if (ftruncate(s->fd, (off_t)s->end) || fdatasync(s->fd))
			ep_log(EP_LOG_WARN, "spool", "%s: cannot truncate: %s", path,
			       strerror(errno));
	}
	s->path = strdup(path);
	if (s->path == NULL) {
		close(s->fd);
		s->fd = -1;
		return EP_ENOMEM;
	}
	return 0;
}

void ep_spool_stem(const char *key, char *out, size_t outlen)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	char readable[41];
	size_t k = 0;

	for (const char *p = key; *p; p++) {
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
		if (k < sizeof(readable) - 1) {
			int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			         (*p >= '0' && *p <= '9') || *p == '-' || *p == '+';

			readable[k++] = ok ? *p : '_';
		}
	}
	readable[k] = '\0';
	snprintf(out, outlen, "%s-%016llx", readable, (unsigned long long)h);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return EP_EIO;
	if (fsync(fd))
		rc = EP_EIO;
	close(fd);
	return rc;
}

int ep_spool_seg_create(struct ep_spool_seg *s, const char *dir, const char *key, struct ep_diag *d)
{
	uint8_t hdr[HDR_FIXED + EP_SPOOL_MAX_KEY];
	size_t klen = strlen(key), plen;
	char stem[96];
	struct timespec ts;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (klen == 0 || klen > EP_SPOOL_MAX_KEY)
		return ep_diag_set(d, EP_EINVAL, 0, 0, "spool key too long");
	ep_spool_stem(key, stem, sizeof(stem));
	clock_gettime(CLOCK_REALTIME, &ts);
	plen = strlen(dir) + sizeof(stem) + 48;
	s->path = malloc(plen);
	if (s->path == NULL)
		return EP_ENOMEM;
	/* zero-padded nanoseconds: names sort oldest first */
	snprintf(s->path, plen, "%s/%s.%020llu.%d.spool", dir, stem,
	         (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec,
	         (int)getpid());
	s->fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (s->fd < 0 || flock(s->fd, LOCK_EX | LOCK_NB))
		goto fail;
	memcpy(hdr, MAGIC, 8);
	s->hdr = HDR_FIXED + klen;
	put64(hdr + 8, s->hdr);
	put32(hdr + 16, ep_spool_crc32(0, hdr + 8, 8));
	hdr[20] = (uint8_t)klen;
	hdr[21] = (uint8_t)(klen >> 8);
	memcpy(hdr + HDR_FIXED, key, klen);
	if (pwrite_all(s->fd, hdr, (size_t)s->hdr, 0) || fdatasync(s->fd) || sync_dir(dir))
		goto fail;
	s->off = s->rd = s->end = s->hdr;
	s->own = 1;
	return 0;
fail:
	ep_diag_set(d, EP_EIO, 0, 0, "spool %s: %s", s->path, strerror(errno));
	if (s->fd >= 0) {
		unlink(s->path);
		close(s->fd);
	}
	s->fd = -1;
	free(s->path);
	s->path = NULL;
	return EP_EIO;
}

int ep_spool_seg_append(struct ep_spool_seg *s, const char *const *ids, const void *const *data,
                        const size_t *lens, size_t n)
{
	uint8_t *buf = NULL;
	size_t used = 0, cap = 0;
	uint64_t pos = s->end;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t idlen = strlen(ids[i]), size = EP_SPOOL_REC_OVER + idlen + lens[i];
		uint8_t *p;

		if (idlen > EP_SPOOL_MAX_ID || lens[i] > EP_SPOOL_MAX_RECORD) {
			rc = EP_EINVAL;
			break;
		}
		if (used + size > cap) {
			/* write out what is gathered, keep one buffer of about WRITE_SPAN */
			if (used) {
				rc = pwrite_all(s->fd, buf, used, pos);
				pos += used;
				used = 0;
			}
			if (rc == 0 && size > cap) {
				size_t ncap = size > WRITE_SPAN ? size : WRITE_SPAN;
				uint8_t *nb = realloc(buf, ncap);

				if (nb == NULL) {
					rc = EP_ENOMEM;
					break;
				}
				buf = nb;
				cap = ncap;
			}
		}
		p = buf + used;
		put32(p, (uint32_t)lens[i]);
		p[4] = (uint8_t)idlen;
		memcpy(p + 5, ids[i], idlen);
		memcpy(p + 5 + idlen, data[i], lens[i]);
		put32(p + size - 4, ep_spool_crc32(0, p, size - 4));
		used += size;
	}
	if (rc == 0 && used) {
		rc = pwrite_all(s->fd, buf, used, pos);
		pos += used;
	}
	free(buf);
	if (rc == 0 && fdatasync(s->fd))
		rc = EP_EIO;
	if (rc) {
		/* leave no partial batch behind */
		if (ftruncate(s->fd, (off_t)s->end) == 0)
			(void)fdatasync(s->fd);
		return EP_EIO;
	}
	s->end = pos;
	s->pending += n;
	return 0;
}

int ep_spool_seg_read(struct ep_spool_seg *s, uint8_t **buf, size_t *cap, struct ep_spool_rec *r)
{
	int rc;

	if (s->fd < 0 || s->rd >= s->end)
		return 0;
	rc = read_at(s->fd, s->rd, buf, cap, r);
	if (rc != 1)
		return EP_EIO; /* it was valid when opened: the file changed under us */
	s->rd += r->size;
	return 1;
}

int ep_spool_seg_commit(struct ep_spool_seg *s, uint64_t off, uint64_t nrec)
{
	uint8_t f[12];

	put64(f, off);
	put32(f + 8, ep_spool_crc32(0, f, 8));
	s->off = off;
	s->pending = nrec > s->pending ? 0 : s->pending - nrec;
	if (pwrite_all(s->fd, f, sizeof(f), OFF_FIELD) || fdatasync(s->fd))
		return EP_EIO;
	return 0;
}

int ep_spool_seg_reset(struct ep_spool_seg *s)
{
	/* truncate first: a crash in between leaves an offset past the end,
	 * which reads as "all consumed" */
	if (ftruncate(s->fd, (off_t)s->hdr))
		return EP_EIO;
	s->end = s->rd = s->hdr;
	return ep_spool_seg_commit(s, s->hdr, s->pending);
}

void ep_spool_seg_close(struct ep_spool_seg *s)
{
	if (s->fd >= 0) {
		/* a process that gave up root may not remove it: empty it instead */
		if (s->pending == 0 && !s->keep && s->path && unlink(s->path) != 0 &&
		    ftruncate(s->fd, 0) != 0)
			ep_log(EP_LOG_WARN, "spool", "%s: cannot remove or empty it", s->path);
		close(s->fd);
	}
	s->fd = -1;
	free(s->path);
	s->path = NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ep_spool_list(const char *dir, const char *key, char ***paths, size_t *n)
{
	char stem[96];
	size_t slen = 0, cap = 0;
	DIR *dh = opendir(dir);
	struct dirent *de;
	int rc = 0;

	*paths = NULL;
	*n = 0;
	if (dh == NULL)
		return errno == ENOENT ? 0 : EP_EIO;
	if (key) {
		ep_spool_stem(key, stem, sizeof(stem));
		slen = strlen(stem);
	}
	while (rc == 0 && (de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name), plen;
		char *p;

		if (len < 7 || strcmp(de->d_name + len - 6, ".spool") != 0)
			continue;
		if (key && (strncmp(de->d_name, stem, slen) != 0 || de->d_name[slen] != '.'))
			continue;
		rc = ep_array_reserve((void **)paths, &cap, *n + 1, sizeof(char *));
		if (rc)
			break;
		plen = strlen(dir) + len + 2;
		p = malloc(plen);
		if (p == NULL) {
			rc = EP_ENOMEM;
			break;
		}
		snprintf(p, plen, "%s/%s", dir, de->d_name);
		(*paths)[(*n)++] = p;
	}
	closedir(dh);
	if (rc) {
		ep_spool_list_free(*paths, *n);
		*paths = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*paths, *n, sizeof(char *), cmp_str);
	return 0;
}

void ep_spool_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int ep_spool_open_key(const char *dir, const char *key, struct ep_spool_seg **segs, size_t *n,
                      uint64_t *bytes, struct ep_diag *d)
{
	char **paths = NULL;
	size_t npaths = 0;
	int rc;

	*segs = NULL;
	*n = 0;
	*bytes = 0;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ep_diag_set(d, EP_EIO, 0, 0, "--spool %s: %s", dir, strerror(errno));
	rc = ep_spool_dir_check(dir, d);
	if (rc)
		return rc;
	if (ep_spool_list(dir, key, &paths, &npaths))
		return ep_diag_set(d, EP_EIO, 0, 0, "--spool %s: cannot list it", dir);
	if (npaths && (*segs = calloc(npaths, sizeof(**segs))) == NULL) {
		ep_spool_list_free(paths, npaths);
		return ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < npaths; i++) {
		struct ep_diag sd = {0};
		struct ep_spool_seg *s = &(*segs)[*n];
		struct stat st;

		if (ep_spool_seg_open(s, paths[i], key, NULL, &sd)) {
			ep_log(EP_LOG_WARN, "spool", "%s: skipping %s", key, sd.msg);
			continue;
		}
		if (fstat(s->fd, &st) == 0)
			*bytes += (uint64_t)st.st_size;
		(*n)++;
		if (s->pending)
			ep_log(EP_LOG_INFO, "spool", "%s: %llu spooled events to send first (%s)",
			       key, (unsigned long long)s->pending, s->path);
	}
	ep_spool_list_free(paths, npaths);
	return 0;
}
