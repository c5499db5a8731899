/* --cluster and --service name something the inventory holds: a typo must
 * not become "nothing to probe" (or worse, a clean pass). */
#include "verify/verify.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "config/opt.h"

/* Adds name to the set (names, n) unless it is there; the set is bounded,
 * its strings point into the model. */
static void add(const char **names, size_t *n, size_t cap, const char *name)
{
	if (name == NULL || name[0] == '\0')
		return;
	for (size_t k = 0; k < *n; k++)
		if (strcmp(names[k], name) == 0)
			return;
	if (*n < cap)
		names[(*n)++] = name;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One line: what was asked, the nearest name, and the names there are. */
static void unknown(const char *what, const char *asked, const char *within, const char **names,
                    size_t n)
{
	const char *near = ep_did_you_mean(asked, names, n);
	struct ep_buf b;

	ep_buf_init(&b, 4096);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t k = 0; k < n && k < 20; k++)
		ep_buf_printf(&b, "%s%s", k ? ", " : "", names[k]);
	if (n > 20)
		ep_buf_printf(&b, " and %zu more", n - 20);
	fprintf(stderr, "ecsprobe verify: --%s '%s': no such ECS %s in the inventory%s%s%s", what,
	        asked, what, within ? " (cluster " : "", within ? within : "", within ? ")" : "");
	if (near)
		fprintf(stderr, "; did you mean '%s'?", near);
	if (n)
		fprintf(stderr, " (there are: %s)\n", b.data ? b.data : "");
	else
		fprintf(stderr, " (it has none)\n");
	ep_buf_free(&b);
}

int ep_verify_check_scope(const struct verify *vf)
{
	enum { CAP = 4096 };
	const char **names = malloc(CAP * sizeof(*names));
	const struct ep_exposure *x = &vf->model;
	size_t n = 0;
	int rc = 0;

	if (vf->cluster == NULL && vf->service == NULL) {
		free(names);
		return 0;
	}
	if (names == NULL)
		return EP_ENOMEM;
	if (vf->cluster) {
		for (size_t r = 0; r < x->nregions; r++)
			for (size_t s = 0; s < x->regions[r].nservices; s++)
				add(names, &n, CAP, x->regions[r].services[s].cluster);
		for (size_t i = 0; i < x->nifaces; i++)
			add(names, &n, CAP, x->ifaces[i].cluster);
		for (size_t k = 0; k < n; k++)
			if (strcmp(names[k], vf->cluster) == 0)
				goto cluster_ok;
		unknown("cluster", vf->cluster, NULL, names, n);
		rc = EP_EINVAL;
	}
cluster_ok:
	if (rc == 0 && vf->service) {
		n = 0;
		for (size_t r = 0; r < x->nregions; r++)
			for (size_t s = 0; s < x->regions[r].nservices; s++) {
				const struct ep_xservice *sv = &x->regions[r].services[s];

				if (vf->cluster == NULL || strcmp(sv->cluster, vf->cluster) == 0)
					add(names, &n, CAP, sv->name);
			}
		for (size_t i = 0; i < x->nifaces; i++)
			if (vf->cluster == NULL || strcmp(x->ifaces[i].cluster, vf->cluster) == 0)
				add(names, &n, CAP, x->ifaces[i].service);
		for (size_t k = 0; k < n; k++)
			if (strcmp(names[k], vf->service) == 0)
				goto done;
		unknown("service", vf->service, vf->cluster, names, n);
		rc = EP_EINVAL;
	}
done:
	free(names);
	return rc;
}
