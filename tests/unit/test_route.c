/* Route lookup over rtnetlink for loopback destinations (asks the kernel
 * only; nothing is sent on any wire). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/route.h"

static struct ep_addr addr(const char *s)
{
	struct ep_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(ep_addr_parse(s, &a), 0);
	return a;
}

static int ipv6_disabled(void)
{
	FILE *f = fopen("/proc/sys/net/ipv6/conf/all/disable_ipv6", "r");
	int c;

	if (f == NULL)
		return 1; /* no IPv6 in this kernel */
	c = fgetc(f);
	fclose(f);
	return c == '1';
}

static void test_loopback_v4(void **state)
{
	struct ep_addr dst = addr("127.0.0.1"), other = addr("127.0.0.42");
	struct ep_route r;

	(void)state;
	assert_int_equal(ep_route_get(&dst, &r), 0);
	assert_string_equal(r.ifname, "lo");
	assert_true(r.ifindex > 0);
	assert_true(r.is_local);
	assert_int_equal(r.gateway.family, 0);
	assert_int_equal(r.src.family, 4);
	assert_int_equal(ep_addr_cmp(&r.src, &dst), 0);
	/* all of 127/8 is local */
	assert_int_equal(ep_route_get(&other, &r), 0);
	assert_string_equal(r.ifname, "lo");
	assert_true(r.is_local);
}

static void test_loopback_v6(void **state)
{
	struct ep_addr dst = addr("::1");
	struct ep_route r;

	(void)state;
	if (ipv6_disabled())
		skip();
	assert_int_equal(ep_route_get(&dst, &r), 0);
	assert_string_equal(r.ifname, "lo");
	assert_true(r.is_local);
	assert_int_equal(r.gateway.family, 0);
}

static void test_bad_family(void **state)
{
	struct ep_addr dst;
	struct ep_route r;

	(void)state;
	memset(&dst, 0, sizeof(dst));
	assert_int_equal(ep_route_get(&dst, &r), EP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loopback_v4),
	    cmocka_unit_test(test_loopback_v6),
	    cmocka_unit_test(test_bad_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
