/* Fuzz harness: the spool segment reader.  The input is a spool file; it is
 * opened like a leftover segment (validation, torn-tail cut, pending count)
 * and read back record by record.  Invariants: the valid end lies inside
 * the file and the file is cut to it; reading from the consumed offset
 * yields exactly `pending` records, each within the caps. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "report/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("spool", 0);
	char path[64], key[EP_SPOOL_MAX_KEY + 1];
	struct ep_spool_seg s;
	struct ep_diag d = {0};
	struct ep_spool_rec r;
	struct stat st;
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t n = 0, consumed;

	ep_log_set_level(EP_LOG_ERROR); /* torn tails are expected here */
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	/* the pure header parser agrees with the file reader */
	if (ep_spool_parse_hdr(data, size, key, &consumed) > (int)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ep_spool_seg_open(&s, path, NULL, key, &d) == 0) {
		if (s.hdr > s.end || s.off > s.end || s.rd != s.off || fstat(fd, &st) ||
		    (uint64_t)st.st_size != s.end)
			abort();
		while (ep_spool_seg_read(&s, &buf, &cap, &r) == 1) {
			if (r.idlen > EP_SPOOL_MAX_ID || r.len > EP_SPOOL_MAX_RECORD ||
			    r.size != EP_SPOOL_REC_OVER + r.idlen + r.len)
				abort();
			n++;
		}
		if (n != s.pending || s.rd != s.end)
			abort();
		s.pending = 1; /* keep the fd's file alone on close */
		ep_spool_seg_close(&s);
	} else if (d.msg[0] == '\0') {
		abort();
	}
	free(buf);
	close(fd);
	return 0;
}
