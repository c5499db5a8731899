/* The delivery queue's lists and items (deliver_queue.h). */
#include "report/deliver_queue.h"

#include <stdlib.h>
#include <string.h>

void ep_dq_push(struct list *l, struct item *it)
{
	it->next = NULL;
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	l->n++;
}

struct item *ep_dq_pop(struct list *l)
{
	struct item *it = l->head;

	if (it) {
		l->head = it->next;
		if (l->head == NULL)
			l->tail = NULL;
		l->n--;
		it->next = NULL;
	}
	return it;
}

void ep_dq_prepend(struct list *b, struct list *a)
{
	if (a->head == NULL)
		return;
	a->tail->next = b->head;
	if (b->tail == NULL)
		b->tail = a->tail;
	b->head = a->head;
	b->n += a->n;
	memset(a, 0, sizeof(*a));
}

struct item *ep_dq_item_new(const char *id, size_t idlen, const void *data, size_t len)
{
	struct item *it = malloc(sizeof(*it) + sizeof(struct ep_event) + len);

	if (it == NULL)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->seg = -1;
	it->ev = (struct ep_event *)(it + 1);
	memcpy(it->ev->id, id, idlen);
	it->ev->id[idlen] = '\0';
	it->ev->len = len;
	memcpy(it->ev->data, data, len);
	return it;
}
