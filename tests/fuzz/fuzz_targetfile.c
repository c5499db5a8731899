/* Fuzz harness: the targets file parser and the index space built from it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "model/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ep_fuzz_targets_XXXXXX";
	int fd = mkstemp(path);
	struct ep_target_list l;
	struct ep_diag d = {0};

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	ep_target_list_init(&l);
	if (ep_target_list_load(&l, path, &d) == 0) {
		struct ep_portset ports[EP_PROTO_COUNT];
		struct ep_rangelist ex;
		struct ep_targets t;

		ep_rangelist_init(&ex);
		ep_portspec_parse("80", ports, NULL);
		if (ep_targets_build(&t, &l, ports, &ex, 3, &d) == 0) {
			for (uint64_t i = 0; i < t.total && i < 1000; i++) {
				struct ep_target x;

				ep_targets_get(&t, t.total - 1 - i, &x);
			}
			ep_targets_free(&t);
		}
		ep_portset_free(&ports[0]);
		ep_portset_free(&ports[1]);
	}
	ep_target_list_free(&l);
	unlink(path);
	return 0;
}
