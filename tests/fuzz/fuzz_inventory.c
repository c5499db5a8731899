/* Fuzz harness: a saved inventory document (JSON) read as scan targets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "model/invtargets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ep_fuzz_inv_XXXXXX";
	int fd = mkstemp(path);
	struct ep_target_list l;
	struct ep_diag d = {0};

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		ep_target_list_init(&l);
		(void)ep_invtargets_load(&l, path, &d);
		ep_target_list_free(&l);
	}
	close(fd);
	unlink(path);
	return 0;
}
