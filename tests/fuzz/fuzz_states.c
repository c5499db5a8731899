/* Fuzz harness: a verify states file (--states, the merge of shards) read
 * against a small fixed plan: two addresses, TCP and UDP ports. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ep_fuzz_states_XXXXXX";
	int fd = mkstemp(path);
	struct verify *vf = calloc(1, sizeof(*vf));
	struct ep_portset ports[EP_PROTO_COUNT];
	struct ep_diag d = {0};
	struct ep_addr a;
	char *files[1] = {path};
	uint64_t seed;
	unsigned n;
	size_t ix;

	if (fd < 0 || vf == NULL || ep_portspec_parse("1-100,443,U:53,161", ports, NULL)) {
		if (fd >= 0)
			close(fd);
		free(vf);
		return 0;
	}
	ep_addr_parse("10.0.0.1", &a);
	ep_statemap_add(&vf->states, &a, ports, &ix);
	ep_addr_parse("2001:db8::1", &a);
	ep_statemap_add(&vf->states, &a, ports, &ix);
	if (write(fd, data, size) == (ssize_t)size)
		(void)ep_verify_merge_states(vf, "0123456789abcdef", files, 1, &seed, &n, &d);
	close(fd);
	unlink(path);
	ep_portset_free(&ports[EP_PROTO_TCP]);
	ep_portset_free(&ports[EP_PROTO_UDP]);
	ep_verify_free(vf);
	free(vf);
	return 0;
}
