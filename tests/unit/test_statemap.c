/* The state map: four bits a planned probe, every state in both nibbles,
 * the same address planned twice (one entry, the union of its ports),
 * results outside the plan counted as stray, IPv4 and IPv6 apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "results/statemap.h"

static void put(struct ep_statemap *m, const char *addr, enum ep_proto proto, uint16_t port,
                enum ep_state st, int want)
{
	struct ep_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(ep_addr_parse(addr, &r.t.addr), 0);
	r.t.proto = proto;
	r.t.port = port;
	r.state = st;
	assert_int_equal(ep_statemap_put(m, &r), want);
}

static void test_states(void **state)
{
	struct ep_statemap m;
	struct ep_portset a[EP_PROTO_COUNT], b[EP_PROTO_COUNT];
	struct ep_addr x, y;
	size_t ix, ix2, iy;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(ep_portspec_parse("20-23,U:53", a, NULL), 0);
	assert_int_equal(ep_portspec_parse("23-25,8080", b, NULL), 0);
	ep_addr_parse("10.0.0.1", &x);
	ep_addr_parse("::ffff:10.0.0.1", &y);
	assert_int_equal(ep_statemap_add(&m, &x, a, &ix), 0);
	assert_int_equal(ep_statemap_add(&m, &y, b, &iy), 0);
	assert_int_equal(ep_statemap_add(&m, &x, b, &ix2), 0); /* same address: the union */
	assert_int_equal(ix, ix2);
	assert_int_not_equal(ix, iy);
	assert_int_equal(m.n, 2);
	assert_int_equal(ep_statemap_seal(&m), 0);
	assert_int_equal(m.planned, 7 + 1 + 4); /* 20-25,8080 + udp 53; 23-25,8080 */
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 20), -1);
	put(&m, "10.0.0.1", EP_PROTO_TCP, 20, EP_STATE_OPEN, 0);
	put(&m, "10.0.0.1", EP_PROTO_TCP, 21, EP_STATE_CLOSED, 0);
	put(&m, "10.0.0.1", EP_PROTO_TCP, 22, EP_STATE_FILTERED, 0);
	put(&m, "10.0.0.1", EP_PROTO_UDP, 53, EP_STATE_OPEN_FILTERED, 0);
	put(&m, "10.0.0.1", EP_PROTO_TCP, 8080, EP_STATE_OPEN, 0);
	put(&m, "10.0.0.1", EP_PROTO_TCP, 8080, EP_STATE_CLOSED, 0); /* the last one wins */
	put(&m, "10.0.0.1", EP_PROTO_UDP, 54, EP_STATE_OPEN, EP_ENOENT);
	put(&m, "10.0.0.2", EP_PROTO_TCP, 20, EP_STATE_OPEN, EP_ENOENT);
	put(&m, "::ffff:10.0.0.1", EP_PROTO_TCP, 25, EP_STATE_FILTERED, 0);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 20), EP_STATE_OPEN);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 21), EP_STATE_CLOSED);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 22), EP_STATE_FILTERED);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 23), -1);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_UDP, 53), EP_STATE_OPEN_FILTERED);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 8080), EP_STATE_CLOSED);
	assert_int_equal(ep_statemap_get(&m, ix, EP_PROTO_TCP, 8081), -1);
	assert_int_equal(ep_statemap_get(&m, iy, EP_PROTO_TCP, 25), EP_STATE_FILTERED);
	assert_int_equal(ep_statemap_get(&m, iy, EP_PROTO_TCP, 20), -1);
	assert_int_equal(m.measured, 6);
	assert_int_equal(m.stray, 2);
	for (int k = 0; k < EP_PROTO_COUNT; k++) {
		ep_portset_free(&a[k]);
		ep_portset_free(&b[k]);
	}
	ep_statemap_free(&m);
}

/* Many addresses: the index grows and every one is found again. */
static void test_many(void **state)
{
	struct ep_statemap m;
	struct ep_portset p[EP_PROTO_COUNT];

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(ep_portspec_parse("1-3", p, NULL), 0);
	for (uint32_t i = 0; i < 5000; i++) {
		struct ep_addr a;
		size_t ix;

		ep_addr_from_u128(4, (ep_u128)0x0a000000u + i, &a);
		assert_int_equal(ep_statemap_add(&m, &a, p, &ix), 0);
		assert_int_equal(ix, i);
	}
	assert_int_equal(ep_statemap_seal(&m), 0);
	for (uint32_t i = 0; i < 5000; i++) {
		struct ep_addr a;

		ep_addr_from_u128(4, (ep_u128)0x0a000000u + i, &a);
		assert_int_equal(ep_statemap_find(&m, &a), i);
	}
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
	ep_statemap_free(&m);
}

/* Runs read eight bytes at a time agree with a nibble-by-nibble walk, for
 * every start position and limit, over runs of every length and alignment. */
static void test_runs(void **state)
{
	struct ep_statemap m;
	struct ep_portset p[EP_PROTO_COUNT];
	struct ep_addr a;
	size_t ix;
	uint32_t seed = 7, i = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(ep_portspec_parse("1-700", p, NULL), 0);
	ep_addr_parse("10.0.0.9", &a);
	assert_int_equal(ep_statemap_add(&m, &a, p, &ix), 0);
	assert_int_equal(ep_statemap_seal(&m), 0);
	while (i < 700) { /* runs of 1 to 80, some left unmeasured */
		uint32_t len, conflict;
		int st;

		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 9) % 80;
		st = (int)((seed >> 4) % 5) - 1;
		if (len > 700 - i)
			len = 700 - i;
		if (st >= 0)
			assert_int_equal(ep_statemap_fill(&m, ix, EP_PROTO_TCP, i, len,
			                                  (enum ep_state)st, &conflict),
			                 0);
		i += len;
	}
	for (uint32_t from = 0; from < 700; from++)
		for (uint32_t limit = 1; limit <= 700 - from; limit += 1 + limit / 3) {
			int st, want = ep_statemap_at(&m, ix, EP_PROTO_TCP, from);
			uint32_t n = ep_statemap_run(&m, ix, EP_PROTO_TCP, from, limit, &st), k = 1;

			while (k < limit && ep_statemap_at(&m, ix, EP_PROTO_TCP, from + k) == want)
				k++;
			if (st != want || n != k)
				fail_msg("from %u limit %u: run %u of %d, want %u of %d", from,
				         limit, n, st, k, want);
		}
	ep_portset_free(&p[0]);
	ep_portset_free(&p[1]);
	ep_statemap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
