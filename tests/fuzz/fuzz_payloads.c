/* Fuzz harness: the probe payload file parser, payload choice and matchers.
 * Checks the invariants the loader promises: a failed parse leaves the set
 * as it was, every payload fits EP_PAYLOAD_MAX, and a diagnostic names the
 * file and a line inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/payloads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] = "probe base\nports 7\npayload \"base\"\nend\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_payloads s = {0};
	struct ep_diag d = {0};
	size_t lines = 1;
	int rc;

	if (ep_payloads_parse(&s, "base.probe", base, sizeof(base) - 1, &d))
		abort();
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	rc = ep_payloads_parse(&s, "dir/fuzz.probe", (const char *)data, size, &d);
	if (rc) {
		if (s.n != 1 || strcmp(d.file, "fuzz.probe") != 0 || d.msg[0] == '\0' ||
		    d.line > lines)
			abort();
	} else {
		for (size_t i = 0; i < s.n; i++) {
			const struct ep_payload *p = &s.p[i];

			if (p->len > EP_PAYLOAD_MAX || p->match_len > EP_PAYLOAD_MAX ||
			    p->rarity < 1 || p->rarity > 9)
				abort();
			/* a reply equal to the payload exercises the matcher */
			(void)ep_payload_matches(p, p->data, p->len);
		}
		for (unsigned port = 1; port < 65536; port += 997)
			(void)ep_payloads_for(&s, EP_PROTO_UDP, (uint16_t)port);
	}
	ep_payloads_free(&s);
	return 0;
}
