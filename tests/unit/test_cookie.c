/* SipHash-2-4 against the reference vectors, and the probe cookie's
 * sensitivity to every field of the flow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/cookie.h"

/* The 64 SipHash-2-4 outputs of the reference implementation (vectors.h,
 * vectors_sip64, read as little-endian integers) for key 00..0f and message
 * 00..(n-1), n = 0..63. */
static const uint64_t sip64[64] = {
    0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL,
    0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL, 0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL,
    0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
    0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL, 0xa129ca6149be45e5ULL,
    0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL, 0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
    0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
    0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL,
    0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL, 0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL,
    0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
    0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
    0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL, 0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL,
    0xf935451de4f21df2ULL, 0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
    0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL, 0xa192d576b245165aULL,
    0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL, 0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL,
    0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
    0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};

static void test_siphash_vectors(void **state)
{
	/* key bytes 00..0f as two little-endian words */
	const struct ep_cookie_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	uint8_t msg[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* the lengths named in the paper's edge cases first, for clearer failures */
	assert_true(ep_siphash24(&k, msg, 0) == sip64[0]);
	assert_true(ep_siphash24(&k, msg, 7) == sip64[7]);
	assert_true(ep_siphash24(&k, msg, 8) == sip64[8]);
	assert_true(ep_siphash24(&k, msg, 15) == sip64[15]);
	assert_true(ep_siphash24(&k, msg, 63) == sip64[63]);
	for (size_t n = 0; n < 64; n++)
		assert_true(ep_siphash24(&k, msg, n) == sip64[n]);
	/* the paper's appendix A example: 15-byte message, a129ca6149be45e5 */
	assert_true(ep_siphash24(&k, msg, 15) == 0xa129ca6149be45e5ULL);
}

/* Every split of every vector between prefix and data gives the vector's
 * hash: the prefix's blocks, its tail and the data's bytes join at any
 * offset. */
static void test_prefix_vectors(void **state)
{
	const struct ep_cookie_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	uint8_t msg[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t n = 0; n < 64; n++) {
		for (size_t cut = 0; cut <= n; cut++) {
			struct ep_siphash_prefix pre;

			ep_siphash_prefix_init(&pre, &k, msg, cut);
			assert_true(ep_siphash_prefix_sum(&pre, msg + cut, n - cut) == sip64[n]);
		}
	}
}

static void test_keys(void **state)
{
	struct ep_cookie_key a, b, c;

	(void)state;
	ep_cookie_key_from_seed(&a, 42);
	ep_cookie_key_from_seed(&b, 42);
	ep_cookie_key_from_seed(&c, 43);
	assert_true(a.k0 == b.k0 && a.k1 == b.k1);
	assert_true(a.k0 != c.k0 && a.k1 != c.k1);
	assert_true(a.k0 != a.k1);
	/* splitmix64 of seed 0: the generator's published first two outputs */
	ep_cookie_key_from_seed(&a, 0);
	assert_true(a.k0 == 0xe220a8397b1dcdafULL);
	assert_true(a.k1 == 0x6e789e6aa1b965f4ULL);

	assert_int_equal(ep_cookie_key_random(&a), 0);
	assert_int_equal(ep_cookie_key_random(&b), 0);
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
}

static struct ep_addr A(uint8_t family, uint8_t fill, uint8_t last) {
	struct ep_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	memset(a.b, fill, family == 6 ? 16 : 4);
	a.b[family == 6 ? 15 : 3] = last;
	return a;
}

static void
test_cookie_fields(void **state)
{
	struct ep_cookie_key k, k2;
	struct ep_addr s4 = A(4, 10, 1), d4 = A(4, 10, 2), s6 = A(6, 0xfd, 1), d6 = A(6, 0xfd, 2);
	struct ep_addr s4b = A(4, 10, 3), d6b = A(6, 0xfd, 3);
	uint32_t base4, base6;

	(void)state;
	ep_cookie_key_from_seed(&k, 7);
	ep_cookie_key_from_seed(&k2, 8);
	base4 = ep_cookie(&k, &s4, &d4, 40000, 80, 6);
	base6 = ep_cookie(&k, &s6, &d6, 40000, 80, 6);
	/* stable for the same key and flow */
	assert_int_equal(ep_cookie(&k, &s4, &d4, 40000, 80, 6), base4);
	assert_int_equal(ep_cookie(&k, &s6, &d6, 40000, 80, 6), base6);
	/* any field changes it */
	assert_int_not_equal(ep_cookie(&k2, &s4, &d4, 40000, 80, 6), base4);
	assert_int_not_equal(ep_cookie(&k, &s4b, &d4, 40000, 80, 6), base4);
	assert_int_not_equal(ep_cookie(&k, &s4, &s4b, 40000, 80, 6), base4);
	assert_int_not_equal(ep_cookie(&k, &d4, &s4, 40000, 80, 6), base4); /* direction */
	assert_int_not_equal(ep_cookie(&k, &s4, &d4, 40001, 80, 6), base4);
	assert_int_not_equal(ep_cookie(&k, &s4, &d4, 40000, 81, 6), base4);
	assert_int_not_equal(ep_cookie(&k, &s4, &d4, 80, 40000, 6), base4); /* port swap */
	assert_int_not_equal(ep_cookie(&k, &s4, &d4, 40000, 80, 17), base4);
	assert_int_not_equal(ep_cookie(&k, &s6, &d6b, 40000, 80, 6), base6);
	assert_int_not_equal(ep_cookie(&k, &s6, &d6, 40000, 80, 17), base6);
	/* an IPv6 flow whose leading bytes equal an IPv4 flow's */
	s6 = A(6, 0, 0);
	d6 = A(6, 0, 0);
	memcpy(s6.b, s4.b, 4);
	memcpy(d6.b, d4.b, 4);
	assert_int_not_equal(ep_cookie(&k, &s6, &d6, 40000, 80, 6), base4);
}

/* Cookies of consecutive ports are spread: no collisions in a small window
 * and roughly half the bits differ between neighbours. */
static void test_cookie_spread(void **state)
{
	struct ep_cookie_key k;
	struct ep_addr s = A(4, 10, 1), d = A(4, 10, 2);
	uint32_t c[1024];
	unsigned bits = 0;

	(void)state;
	ep_cookie_key_from_seed(&k, 1);
	for (unsigned p = 0; p < 1024; p++)
		c[p] = ep_cookie(&k, &s, &d, 40000, (uint16_t)p, 6);
	for (unsigned i = 0; i < 1024; i++)
		for (unsigned j = i + 1; j < 1024; j++)
			assert_int_not_equal(c[i], c[j]);
	for (unsigned p = 1; p < 1024; p++)
		bits += (unsigned)__builtin_popcount(c[p] ^ c[p - 1]);
	assert_true(bits > 1023 * 14 && bits < 1023 * 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_siphash_vectors),
	    cmocka_unit_test(test_prefix_vectors),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_cookie_fields),
	    cmocka_unit_test(test_cookie_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
