/* Fuzz harness: the intent policy parser and its matching. */
#include <stdint.h>
#include <string.h>

#include "model/intent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_intent in;
	struct ep_diag d = {0};

	if (ep_intent_parse(&in, (const char *)data, size, "fuzz", 1796000000, &d) == 0) {
		struct ep_intent_subject s;
		struct ep_addr a;
		char why[256];

		memset(&s, 0, sizeof(s));
		ep_addr_parse("10.0.0.1", &a);
		s.account = "1";
		s.service = "web";
		s.addr = &a;
		(void)ep_intent_check(&in, &s, 6, 443, 1796000000, why, sizeof(why));
		ep_intent_free(&in);
	}
	return 0;
}
