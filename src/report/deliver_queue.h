/* The delivery thread's queue of events (deliver.c): singly linked lists
 * of items, each one allocation holding its event. */
#ifndef EP_DELIVER_QUEUE_H
#define EP_DELIVER_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "report/deliver.h"

struct item {
	struct item *next;
	uint64_t sent_ns;    /* when send() took it (settling) */
	int seg;             /* index in dl->segs it was read from, or -1: memory */
	uint64_t seg_end;    /* the segment's offset after its record */
	uint64_t sendno;     /* which send() took it (ops->acked) */
	int early;           /* read from a segment whose offset is already past it */
	struct ep_event *ev; /* right after this struct, same allocation */
};

struct list {
	struct item *head, *tail;
	size_t n;
};

void ep_dq_push(struct list *l, struct item *it);
struct item *ep_dq_pop(struct list *l);
/* Puts all of a in front of b; a ends empty. */
void ep_dq_prepend(struct list *b, struct list *a);
/* An item holding a copy of the event (id of idlen bytes, data of len);
 * NULL when out of memory.  One free() releases both. */
struct item *ep_dq_item_new(const char *id, size_t idlen, const void *data, size_t len);

#endif
