/* Inputs and file outputs that may be S3 objects: "s3://BUCKET/KEY" wherever
 * a command reads a saved file or writes a file output, so that jobs on
 * different machines share them.  An output is written to a local
 * temporary file as usual (memory does not grow with it) and uploaded when
 * it closes; a failed upload keeps the file and says how to send it. */
#ifndef EP_REPORT_OBJECTS_H
#define EP_REPORT_OBJECTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

#define EP_INPUT_MAX_BYTES (4ull << 30) /* an S3 input larger than this is refused */

struct ep_s3;
struct ep_s3_url;

/* What arg names, in order: a local path names itself (unchecked: opening
 * it says what is wrong); "s3://bucket/key" names that object when it
 * exists, else every object under that prefix ("s3://bucket/run-1/" lists a
 * run's shard files), sorted by key, folder markers (keys ending in '/')
 * left out; none there is EP_ENOENT.  On success *urls is a heap array of
 * *n heap strings ("s3://bucket/key"), the caller's: free them with
 * ep_input_list_free.  Errors fill d (one line) and leave *urls NULL.
 * Blocks (ListObjectsV2, every page; at most EP_S3_MAX_OBJECTS objects). */
int ep_input_list(const char *arg, char ***urls, size_t *n, struct ep_diag *d);
void ep_input_list_free(char **urls, size_t n);

/* A local file opened with fopen("rb"), or an S3 object fetched (streamed)
 * into a tmpfile() and rewound; the caller fcloses it either way.  NULL on
 * failure, with d->file the url, d->msg one line (for S3: the operation,
 * the URL and AWS's code and message) and errno set: fopen's for a local
 * file; for S3 ENOENT (no such bucket or object), EINVAL (not a valid
 * s3:// URL), EFBIG (over EP_INPUT_MAX_BYTES), EREMOTEIO (S3 refused or
 * failed: access denied, bad credentials, throttling or errors through
 * every retry, unreachable) or ENOMEM.  Blocks. */
FILE *ep_input_open(const char *url, struct ep_diag *d);

/* A file output's destination: stdout ("-", NULL or ""), a local path
 * (truncated), or an S3 object.  Embedded in the sink's state; owns fd
 * while own_fd is set (a FILE * made with fdopen may take it over: clear
 * own_fd then) and, for S3, the client and the local file.  That file is
 * anonymous (O_TMPFILE, or unlinked at once), read back through keep_fd:
 * nothing is left behind, even when the scan gave up root meanwhile,
 * unless the upload fails. */
struct ep_output {
	int fd;
	int own_fd;
	char label[64];        /* "-o FORMAT:" for messages */
	const char *dest;      /* borrowed from the command line */
	struct ep_s3 *s3;      /* S3 only: resolved credentials, endpoint, region */
	struct ep_s3_url *url; /* S3 only, heap */
	int keep_fd;           /* S3 only: the local file, for reading it back */
	char format[24];       /* S3 only: names the kept file */
	uint64_t part_size;    /* S3 only: ECSPROBE_S3_PART_SIZE or the default */
	const char *content_type;
	int err;   /* errno of the first failed write, reported once */
	int quiet; /* record a failure without logging it (the caller says it) */
};

/* Opens dest for format (which names it in messages: "-o FORMAT:DEST", or
 * "--OPTION DEST" when format is an option's name).  A symbolic link at
 * dest is refused (O_NOFOLLOW), so a link planted in a shared directory
 * cannot aim the truncation elsewhere.  For S3: checks the
 * URL (it must name an object, not a prefix), resolves credentials and
 * makes the local file in $TMPDIR (or /tmp), so a bad URL, a bad
 * ECSPROBE_S3_PART_SIZE or missing credentials fail before a scan starts.
 * 0, or an error with d->msg one line.  Blocks (credentials). */
int ep_output_open(struct ep_output *o, const char *format, const char *dest, struct ep_diag *d);
/* Writes all of p (EINTR retried).  The first failure logs one line naming
 * the destination and errno ("-o ndjson:out.json: write failed: No space
 * left on device"), later ones stay quiet; EP_EIO.  For sinks with a FILE *
 * on fd: ep_output_failed(o, errno) says the same once. */
int ep_output_write(struct ep_output *o, const void *p, size_t n);
void ep_output_failed(struct ep_output *o, int err);
/* Closes fd if still owned; for S3, uploads the local file when ok (the
 * sink wrote everything), or else, and when the upload fails, copies it to
 * $TMPDIR/ecsprobe-FORMAT-XXXXXX and logs one line saying where it is and
 * the `aws s3 cp` that sends it.  0, or EP_EIO when the output is
 * incomplete (not uploaded, or closing failed): the run is then incomplete,
 * exit status 4.  Blocks (the upload). */
int ep_output_close(struct ep_output *o, int ok);
/* For a sink that fails to open after ep_output_open: closes everything,
 * uploads and keeps nothing. */
void ep_output_discard(struct ep_output *o);

#endif
