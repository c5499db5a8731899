/* Fuzz harness: the captured-frame parser.  The first byte picks the link
 * type, the rest is the frame; any success must point inside the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {1, 113, 276, 12, 101, 0, 108};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_pkt_info info;
	uint8_t *frame;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	/* an exact-size copy, so a read past caplen is an ASan error */
	frame = malloc(n ? n : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 1, n);
	rc = ep_pkt_parse(dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))], frame, n, &info);
	if (rc != 0 && rc != EP_EINVAL)
		abort();
	if (rc != 0 && info.kind != EP_PKT_OTHER)
		abort();
	if (info.kind == EP_PKT_UDP && (info.payload < frame || info.payload_len > n ||
	                                (size_t)(info.payload - frame) > n - info.payload_len))
		abort();
	if (info.kind != EP_PKT_OTHER && info.family != 4 && info.family != 6)
		abort();
	if (info.kind == EP_PKT_ICMP_ERR &&
	    (info.flow.src.family != info.family || info.from.family != info.family))
		abort();
	free(frame);
	return 0;
}
