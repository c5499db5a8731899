/* Fuzz harness: the port specification parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_portset sets[EP_PROTO_COUNT];
	struct ep_diag d;
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&d, 0, sizeof(d));
	if (ep_portspec_parse(s, sets, &d) == 0) {
		for (int p = 0; p < EP_PROTO_COUNT; p++) {
			/* every index maps into the set */
			for (uint32_t i = 0; i < sets[p].count; i += 97)
				if (!ep_portset_has(&sets[p], ep_portset_at(&sets[p], i)))
					abort();
			ep_portset_free(&sets[p]);
		}
	}
	free(s);
	return 0;
}
