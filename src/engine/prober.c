/* Prober registry, generated from probers.def. */
#include <string.h>

#include "engine/prober.h"

#define EP_PROBER(sym) extern const struct ep_prober_ops sym;
#include "engine/probers.def"
#undef EP_PROBER

static const struct ep_prober_ops *const probers[] = {
#define EP_PROBER(sym) &sym,
#include "engine/probers.def"
#undef EP_PROBER
};

const struct ep_prober_ops *ep_prober_find(const char *name)
{
	for (size_t i = 0; i < sizeof(probers) / sizeof(probers[0]); i++)
		if (strcmp(probers[i]->name, name) == 0)
			return probers[i];
	return NULL;
}
