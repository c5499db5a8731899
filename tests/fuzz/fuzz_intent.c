/* Fuzz harness: the intent policy parser and its matching, and the same
 * bytes as an ecsprobe:allow tag value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/intent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_intent in;
	struct ep_diag d = {0};
	char *tag = malloc(size + 1);

	if (tag) {
		struct ep_portset sets[EP_PROTO_COUNT];

		memcpy(tag, data, size);
		tag[size] = '\0';
		if (ep_intent_parse_tag(tag, sets) == 0) {
			ep_portset_free(&sets[EP_PROTO_TCP]);
			ep_portset_free(&sets[EP_PROTO_UDP]);
		}
		free(tag);
	}

	if (ep_intent_parse(&in, (const char *)data, size, "fuzz", 1796000000, &d) == 0) {
		struct ep_intent_subject s;
		struct ep_intent_decision dec;
		struct ep_addr a;

		memset(&s, 0, sizeof(s));
		ep_addr_parse("10.0.0.1", &a);
		s.account = "1";
		s.service = "web";
		s.addr = &a;
		(void)ep_intent_check(&in, &s, EP_PROTO_TCP, 443, 1796000000, &dec);
		(void)ep_intent_check(&in, &s, EP_PROTO_UDP, 53, 1796000000, &dec);
		ep_intent_free(&in);
	}
	return 0;
}
