/* Disk spool for network outputs: append-only segment files of length-
 * prefixed, checksummed records, each with a consumed offset in its header,
 * replayed oldest first.  Used by deliver.c (its thread only) and by flush.
 *
 * File: "EPSPOOL1" | u64 consumed | u32 crc32(consumed) | u16 keylen | key
 * Record: u32 datalen | u8 idlen | id | data | u32 crc32(all before it)
 * (integers little-endian).  A torn tail (crash mid-append) fails its
 * checksum and is cut off when the segment is next opened; a torn consumed
 * offset reads as 0, so the whole segment is sent again (at-least-once). */
#ifndef EP_SPOOL_H
#define EP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define EP_SPOOL_MAX_KEY    1024
#define EP_SPOOL_MAX_ID     64
#define EP_SPOOL_MAX_RECORD (1u << 20) /* bytes of data in one record */
#define EP_SPOOL_REC_OVER   9u         /* record bytes besides id and data */

/* One segment file, held open and locked (flock) by its user. */
struct ep_spool_seg {
	char *path;       /* owned */
	int fd;           /* -1 when closed */
	uint64_t hdr;     /* header length: where records start */
	uint64_t off;     /* consumed: records before this were delivered (committed) */
	uint64_t rd;      /* read cursor (>= off): records before it are in memory */
	uint64_t end;     /* end of the last valid record (append position) */
	uint64_t pending; /* records in [off, end) */
	int own;          /* created by this run (appended to), else an old one */
	int keep;         /* never remove the file (found unreadable mid-run) */
};

/* One record read back; id and data point into the caller's buffer. */
struct ep_spool_rec {
	const char *id;
	size_t idlen;
	const uint8_t *data;
	size_t len;
	size_t size; /* bytes the record takes in the file */
};

/* Parses the record at p[0..n): returns 1 and fills r, 0 when n is too short
 * for it, or EP_EPARSE when it is corrupt (bad length or checksum).  Pure. */
int ep_spool_parse_rec(const uint8_t *p, size_t n, struct ep_spool_rec *r);
/* Parses a header: returns its length (> 0), or EP_EPARSE; copies the key
 * (NUL-terminated) into key[EP_SPOOL_MAX_KEY + 1] and the consumed offset
 * (0 when its checksum fails). */
int ep_spool_parse_hdr(const uint8_t *p, size_t n, char *key, uint64_t *consumed);

/* Opens and locks an existing segment (LOCK_NB: EP_EAGAIN when another
 * process holds it; EP_EPERM when it is not a regular file of this user
 * writable by no one else, or a symbolic link), checks its key (NULL: any), walks its records to
 * find the valid end (cutting off a torn tail when writable) and counts pending ones.  key_out,
 * when not NULL, receives the key.  Blocking I/O. */
int ep_spool_seg_open(struct ep_spool_seg *s, const char *path, const char *key, char *key_out,
                      struct ep_diag *d);
/* Creates this run's segment for key in dir (mode 0600, locked, fsync'd with
 * its directory). */
int ep_spool_seg_create(struct ep_spool_seg *s, const char *dir, const char *key,
                        struct ep_diag *d);
/* Appends records and fdatasyncs once; on failure the segment is cut back to
 * where it was.  Returns 0 or EP_EIO. */
int ep_spool_seg_append(struct ep_spool_seg *s, const char *const *ids, const void *const *data,
                        const size_t *lens, size_t n);
/* Reads the record at s->rd into *buf (grown as needed, capped by
 * EP_SPOOL_MAX_RECORD) and advances rd.  1 read, 0 at end, EP_EIO. */
int ep_spool_seg_read(struct ep_spool_seg *s, uint8_t **buf, size_t *cap, struct ep_spool_rec *r);
/* Marks records up to off (a record boundary) delivered: writes the header
 * offset and fdatasyncs.  nrec: how many records that covers. */
int ep_spool_seg_commit(struct ep_spool_seg *s, uint64_t off, uint64_t nrec);
/* Own segment fully consumed: truncates it back to its header. */
int ep_spool_seg_reset(struct ep_spool_seg *s);
/* Closes; removes the file when nothing is pending in it (and !keep), or
 * empties it when it cannot (an empty file is an empty segment). */
void ep_spool_seg_close(struct ep_spool_seg *s);

/* A spool directory must be a directory (not a link) of this user or root,
 * writable by no one else: 0, or an error naming it (EP_ENOENT missing,
 * EP_EPERM owner or mode, EP_EINVAL not a directory). */
int ep_spool_dir_check(const char *dir, struct ep_diag *d);
/* Creates dir (0700) when missing, checks it (ep_spool_dir_check), then opens and locks every
 * segment of key in it, oldest first; ones held by another ecsprobe, or not readable, are skipped
 * with a warning.  *segs is malloc'd (the caller closes each and frees it); *bytes is their total
 * size.  Blocking I/O. */
int ep_spool_open_key(const char *dir, const char *key, struct ep_spool_seg **segs, size_t *n,
                      uint64_t *bytes, struct ep_diag *d);
/* The segments of key in dir (all keys when key is NULL), oldest first:
 * *paths is a malloc'd array of malloc'd strings (free with
 * ep_spool_list_free).  A missing dir is an empty list. */
int ep_spool_list(const char *dir, const char *key, char ***paths, size_t *n);
void ep_spool_list_free(char **paths, size_t n);
/* File-name stem for key: "<readable>-<16 hex>" into out[96]. */
void ep_spool_stem(const char *key, char *out, size_t outlen);
uint32_t ep_spool_crc32(uint32_t crc, const void *p, size_t n);

#endif
