/* The in-flight table: every probe added is found by its hash and target
 * (colliding hashes included) until deleted, across the doublings of the
 * bucket array, which stop at the size max_inflight asks for; deleting a
 * probe that is not in the table changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/inflight.h"

#define N 50000

static uint32_t hash_of(unsigned i)
{
	return i % 7 == 0 ? 42u : i * 2654435761u; /* every 7th collides */
}

static struct ep_probe *probe(unsigned char *mem, size_t size, unsigned i)
{
	return (struct ep_probe *)(void *)(mem + i * size);
}

static void test_find_across_growth(void **state)
{
	size_t size = sizeof(struct ep_probe) + sizeof(struct ep_inflight_link) + 16;
	unsigned char *mem = calloc(N, size);
	struct ep_inflight h;

	(void)state;
	assert_non_null(mem);
	assert_int_equal(ep_inflight_init(&h, N), 0);
	assert_true(h.mask + 1 < (size_t)N); /* starts small */
	for (unsigned i = 0; i < N; i++) {
		struct ep_probe *p = probe(mem, size, i);

		p->t.addr.family = 4;
		memcpy(p->t.addr.b, &i, 4);
		p->t.port = (uint16_t)i;
		ep_inflight_add(&h, p, hash_of(i));
	}
	assert_true(h.mask + 1 >= (size_t)N); /* grew */
	assert_true(h.mask + 1 <= h.most);
	assert_int_equal(ep_inflight_reserved(&h), h.most * sizeof(void *));
	for (unsigned i = 0; i < N; i++) {
		struct ep_probe *p = probe(mem, size, i);

		assert_ptr_equal(ep_inflight_find(&h, hash_of(i), &p->t.addr, p->t.port), p);
	}
	for (unsigned i = 0; i < N; i += 2)
		ep_inflight_del(&h, probe(mem, size, i));
	ep_inflight_del(&h, probe(mem, size, 0)); /* not in the table any more */
	assert_int_equal(h.n, N / 2);
	for (unsigned i = 0; i < N; i++) {
		struct ep_probe *p = probe(mem, size, i);

		assert_ptr_equal(ep_inflight_find(&h, hash_of(i), &p->t.addr, p->t.port),
		                 i % 2 ? p : NULL);
	}
	ep_inflight_free(&h);
	free(mem);
}

/* The bucket array never passes what max_inflight allows. */
static void test_growth_is_bounded(void **state)
{
	size_t size = sizeof(struct ep_probe) + sizeof(struct ep_inflight_link) + 16;
	unsigned char *mem = calloc(N, size);
	struct ep_inflight h;

	(void)state;
	assert_non_null(mem);
	assert_int_equal(ep_inflight_init(&h, 1000), 0);
	for (unsigned i = 0; i < N; i++)
		ep_inflight_add(&h, probe(mem, size, i), hash_of(i));
	assert_int_equal(h.mask + 1, h.most);
	assert_int_equal(h.most, 2048);
	ep_inflight_free(&h);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_across_growth),
	    cmocka_unit_test(test_growth_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
