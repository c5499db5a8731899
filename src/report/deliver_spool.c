/* The delivery thread's spooling: the memory queue to this run's own
 * segment of the spool (deliver_internal.h). */
#include "report/deliver_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

int ep_deliver_ensure_own(struct ep_deliver *dl)
{
	struct ep_spool_seg *ns;
	struct ep_diag d = {0};

	if (dl->own >= 0)
		return 0;
	ns = realloc(dl->segs, (dl->nseg + 1) * sizeof(*ns));
	if (ns == NULL)
		return EP_ENOMEM;
	dl->segs = ns;
	if (ep_spool_seg_create(&ns[dl->nseg], dl->o.spool_dir, dl->key, &d)) {
		ep_log(EP_LOG_ERROR, "output", "%s: cannot spool: %s", dl->key, d.msg);
		return EP_EIO;
	}
	dl->spool_bytes += ns[dl->nseg].hdr;
	dl->own = (int)dl->nseg++;
	return 0;
}

void ep_deliver_spool_mem(struct ep_deliver *dl)
{
	struct list l;
	struct item *it;

	uv_mutex_lock(&dl->mu);
	l = dl->mem;
	memset(&dl->mem, 0, sizeof(dl->mem));
	uv_mutex_unlock(&dl->mu);
	if (dl->spool_ok && ep_deliver_ensure_own(dl))
		dl->spool_ok = 0;
	while (l.head) {
		const char *ids[128];
		const void *data[128];
		size_t lens[128], n = 0, bytes = 0,
		                  max = dl->o.batch_max < 128 ? dl->o.batch_max : 128;
		struct item *batch[128];
		uint64_t dropped = 0;

		while (n < max && (it = ep_dq_pop(&l)) != NULL) {
			size_t size = EP_SPOOL_REC_OVER + strlen(it->ev->id) + it->ev->len;

			if (!dl->spool_ok || dl->spool_bytes + bytes + size > dl->o.spool_max) {
				dropped++;
				free(it);
				continue;
			}
			ids[n] = it->ev->id;
			data[n] = it->ev->data;
			lens[n] = it->ev->len;
			batch[n++] = it;
			bytes += size;
		}
		if (n && ep_spool_seg_append(&dl->segs[dl->own], ids, data, lens, n) == 0) {
			dl->st.spooled += n;
			dl->spool_bytes += bytes;
		} else if (n) {
			ep_log(EP_LOG_ERROR, "output", "%s: writing the spool %s failed", dl->key,
			       dl->segs[dl->own].path);
			dl->spool_ok = 0;
			dropped += n;
		}
		for (size_t i = 0; i < n; i++)
			free(batch[i]);
		if (dropped) {
			uv_mutex_lock(&dl->mu);
			dl->dropped += dropped;
			uv_mutex_unlock(&dl->mu);
		}
	}
}
