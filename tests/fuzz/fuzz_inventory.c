/* Fuzz harness: a saved inventory document (JSON) read as scan targets, and
 * built into the exposure model that verify and plan judge by, with every
 * interface address evaluated from a vantage (groups, ACL, routes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "model/exposure.h"
#include "model/invtargets.h"

static void model(const uint8_t *data, size_t size)
{
	cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
	struct ep_exposure x;
	struct ep_vantage v = {0};
	struct ep_diag d = {0};

	if (doc == NULL)
		return;
	ep_addr_parse("10.0.0.1", &v.src[0]);
	ep_addr_parse("2001:db8::1", &v.src[1]);
	v.has[0] = v.has[1] = 1;
	v.groups[v.ngroups++] = "sg-1";
	if (ep_exposure_build(&x, doc, &d) == 0) {
		for (size_t i = 0; i < x.nifaces; i++)
			for (size_t k = 0; k < x.ifaces[i].naddrs; k++) {
				const struct ep_xaddr *a = &x.ifaces[i].addrs[k];
				struct ep_admissions adm = {0};
				char why[256];

				(void)ep_exposure_admissions(&x.ifaces[i], &v, a->addr.family, &adm);
				(void)ep_admissions_find(&adm, EP_PROTO_UDP, 53);
				(void)ep_nacl_admits(x.ifaces[i].acl, &v.src[a->addr.family == 4 ? 0 : 1],
				                     EP_PROTO_TCP, 443, why, sizeof(why));
				(void)ep_routes_internet_ok(x.ifaces[i].rt, a->addr.family, why,
				                            sizeof(why));
				(void)ep_declared_find(x.ifaces[i].decl, x.ifaces[i].ndecl,
				                       EP_PROTO_TCP, 80);
				ep_admissions_free(&adm);
			}
		ep_exposure_free(&x);
	}
	cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/ep_fuzz_inv_XXXXXX";
	int fd = mkstemp(path);
	struct ep_target_list l;
	struct ep_diag d = {0};

	model(data, size);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		ep_target_list_init(&l);
		(void)ep_invtargets_load(&l, path, &d);
		ep_target_list_free(&l);
	}
	close(fd);
	unlink(path);
	return 0;
}
