/* Fuzz harness: the AWS shared config/credentials parser. */
#include <stdint.h>

#include "aws/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_ini ini;
	struct ep_diag d = {0};

	if (ep_ini_parse(&ini, (const char *)data, size, &d) == 0) {
		(void)ep_ini_get(&ini, "default", "aws_access_key_id");
		(void)ep_ini_get(&ini, "profile prod", "role_arn");
		ep_ini_free(&ini);
	}
	return 0;
}
