/* The permutation visits every index of [0, n) exactly once, for many n and
 * seeds, and the seed makes the order reproducible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/permute.h"

static void check_exactly_once(uint64_t n, uint64_t seed)
{
	struct ep_permute pm;
	uint8_t *seen = calloc(n, 1);
	uint64_t v, count = 0;

	assert_non_null(seen);
	assert_int_equal(ep_permute_init(&pm, n, seed), 0);
	while (ep_permute_next(&pm, &v) == 0) {
		assert_true(v < n);
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
		count++;
	}
	assert_int_equal(count, n);
	free(seen);
}

static void test_small_sizes(void **state)
{
	(void)state;
	for (uint64_t n = 1; n <= 600; n++)
		check_exactly_once(n, n * 7919);
}

static void test_larger_sizes(void **state)
{
	static const uint64_t sizes[] = {1021, 1024, 4096, 65535, 65536, 100003, 1048560, 2000000};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (uint64_t seed = 0; seed < 3; seed++)
			check_exactly_once(sizes[i], seed);
}

static void test_seed_reproducible(void **state)
{
	struct ep_permute a, b, c;
	uint64_t x, y, z;
	int differs = 0;

	(void)state;
	ep_permute_init(&a, 10000, 42);
	ep_permute_init(&b, 10000, 42);
	ep_permute_init(&c, 10000, 43);
	while (ep_permute_next(&a, &x) == 0) {
		assert_int_equal(ep_permute_next(&b, &y), 0);
		assert_int_equal(x, y);
		assert_int_equal(ep_permute_next(&c, &z), 0);
		differs |= x != z;
	}
	assert_true(differs);
}

static void test_not_sequential(void **state)
{
	struct ep_permute pm;
	uint64_t v, prev = 0, adjacent = 0, count = 0;

	(void)state;
	/* consecutive outputs should rarely be neighbours */
	ep_permute_init(&pm, 100000, 9);
	while (ep_permute_next(&pm, &v) == 0) {
		if (count && (v == prev + 1 || v + 1 == prev))
			adjacent++;
		prev = v;
		count++;
	}
	assert_true(adjacent < count / 100);
}

/* Shards are disjoint and together cover every index exactly once. */
static void test_shards_partition(void **state)
{
	static const uint64_t sizes[] = {1, 2, 7, 100, 4096, 65537};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = sizes[i];

		for (uint64_t count = 1; count <= 7; count++) {
			uint8_t *seen = calloc(n, 1);
			uint64_t total = 0, v;

			for (uint64_t k = 0; k < count; k++) {
				struct ep_permute pm;

				assert_int_equal(ep_permute_init(&pm, n, 77), 0);
				assert_int_equal(ep_permute_shard(&pm, k, count), 0);
				while (ep_permute_next(&pm, &v) == 0) {
					assert_true(v < n);
					assert_int_equal(seen[v], 0);
					seen[v] = 1;
					total++;
				}
			}
			assert_int_equal(total, n);
			free(seen);
		}
	}
	assert_int_not_equal(ep_permute_shard(&(struct ep_permute){.p = 3}, 2, 2), 0);
}

static void test_primality(void **state)
{
	(void)state;
	assert_true(ep_permute_is_prime(2));
	assert_true(ep_permute_is_prime(1048573));
	assert_false(ep_permute_is_prime(1048575));
	assert_true(ep_permute_is_prime(281474976710677ULL)); /* next prime after 2^48 */
	assert_false(ep_permute_is_prime(3215031751ULL));     /* strong pseudoprime to 2,3,5,7 */
	assert_int_not_equal(ep_permute_init(&(struct ep_permute){0}, 0, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_sizes),       cmocka_unit_test(test_larger_sizes),
	    cmocka_unit_test(test_seed_reproducible), cmocka_unit_test(test_not_sequential),
	    cmocka_unit_test(test_shards_partition), cmocka_unit_test(test_primality),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
