/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm_nd: the Neighbour Discovery codec. The octets of every message type against vectors
 * produced by scapy (test/fuzz/gen_nd_corpus.py --vectors), the checksum against an independent
 * computation, round trips, RFC 4191 Route Information lengths, PIO flags and lifetimes, option
 * framing, and one negative test per RFC 4861 validity rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmm_nd.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers */

static struct dmm_ip6 ip(const char *s)
{
	struct dmm_ip6 a;

	assert_int_equal(dmm_ip6_parse(s, &a), 0);
	return a;
}

static struct dmm_prefix pfx(const char *s)
{
	struct dmm_prefix p;

	assert_int_equal(dmm_prefix_parse(s, &p), 0);
	return p;
}

static struct dmm_nd_lladdr mac(const char *s)
{
	struct dmm_nd_lladdr l = {.len = DMM_MAC_LEN};
	struct dmm_mac m;

	assert_int_equal(dmm_mac_parse(s, &m), 0);
	memcpy(l.a, m.a, DMM_MAC_LEN);
	return l;
}

#define assert_rc(got, want)                                                                       \
	do {                                                                                       \
		int g_ = (got), w_ = (want);                                                       \
		if (g_ != w_)                                                                      \
			fail_msg("expected %d (%s), got %d (%s)", w_, dmm_nd_strerror(w_), g_,     \
				 dmm_nd_strerror(g_));                                             \
	} while (0)

/* A zeroed message of one type (static storage: the structs are ~1 KiB). */
static struct dmm_nd_msg *msg(uint8_t type)
{
	static struct dmm_nd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	return &m;
}

/* Two messages are equal when their one-line descriptions are (dmm_nd_format shows every
 * field); cmocka prints both lines on a mismatch. */
static void assert_msg_equal(const struct dmm_nd_msg *want, const struct dmm_nd_msg *got)
{
	static char a[8192], b[8192];
	int na = dmm_nd_format(want, a, sizeof(a)), nb = dmm_nd_format(got, b, sizeof(b));

	assert_true(na > 0 && (size_t)na < sizeof(a) && nb > 0 && (size_t)nb < sizeof(b));
	assert_string_equal(b, a);
}

static void assert_bytes_equal(const uint8_t *got, size_t got_len, const uint8_t *want,
			       size_t want_len)
{
	assert_int_equal(got_len, want_len);
	for (size_t i = 0; i < want_len; i++)
		if (got[i] != want[i])
			fail_msg("octet %zu: expected 0x%02x, got 0x%02x", i, want[i], got[i]);
}

/* Independent checksum (RFC 1071 / RFC 8200 §8.1): one buffer holding the pseudo-header and the
 * message with its Checksum field zeroed, summed as 16-bit words with end-around carry. */
static uint16_t ref_checksum(const struct dmm_ip6 *s, const struct dmm_ip6 *d, const uint8_t *m,
			     size_t len)
{
	static uint8_t b[40 + 4096 + 1];
	uint32_t sum = 0;

	assert_true(len <= 4096);
	memset(b, 0, sizeof(b));
	memcpy(b, s->a, 16);
	memcpy(b + 16, d->a, 16);
	b[32] = (uint8_t)(len >> 24);
	b[33] = (uint8_t)(len >> 16);
	b[34] = (uint8_t)(len >> 8);
	b[35] = (uint8_t)len;
	b[39] = 58;
	memcpy(b + 40, m, len);
	if (len >= 4)
		b[40 + 2] = b[40 + 3] = 0;
	for (size_t i = 0; i < 40 + len; i += 2) {
		sum += (uint32_t)(b[i] << 8 | b[i + 1]); /* odd length: b[40 + len] is 0 */
		if (sum > 0xffff)
			sum -= 0xffff;
	}
	return (uint16_t)~sum;
}

/* Store the reference checksum in a hand-crafted message. */
static void fix_checksum(uint8_t *m, size_t len, const struct dmm_ip6 *s, const struct dmm_ip6 *d)
{
	uint16_t c = ref_checksum(s, d, m, len);

	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
}

/* Build with addresses, then parse with the same addresses and hop limit 255: same struct. */
static size_t round_trip(const struct dmm_nd_msg *m, const char *src, const char *dst, uint8_t *buf,
			 size_t cap)
{
	static struct dmm_nd_msg got;
	struct dmm_ip6 s = ip(src), d = ip(dst);
	size_t len = 0;

	assert_rc(dmm_nd_build(m, &s, &d, buf, cap, &len), 0);
	assert_int_equal(ref_checksum(&s, &d, buf, len), buf[2] << 8 | buf[3]);
	assert_rc(dmm_nd_parse(buf, len, &s, &d, 255, &got), 0);
	assert_msg_equal(m, &got);
	/* and without addresses (checksum and address rules skipped): still the same */
	assert_rc(dmm_nd_parse(buf, len, NULL, NULL, 255, &got), 0);
	assert_msg_equal(m, &got);
	return len;
}

static int parse_raw(const uint8_t *b, size_t len, const char *src, const char *dst,
		     struct dmm_nd_msg *m)
{
	struct dmm_ip6 s = ip(src), d = ip(dst);
	static uint8_t c[4096];

	assert_true(len <= sizeof(c));
	memcpy(c, b, len);
	fix_checksum(c, len, &s, &d);
	return dmm_nd_parse(c, len, &s, &d, 255, m);
}

/* ------------------------------------------------------------------------------------------ */
/* Vectors from scapy 2.5 (Debian 12 /usr/bin/python3), printed by
 * `python3 test/fuzz/gen_nd_corpus.py --vectors`: bytes(pkt[IPv6].payload). */

/* IPv6(src="fe80::1", dst="ff02::1")/ICMPv6ND_RA(chlim=64, M=1, prf=1, routerlifetime=1800,
 * reachabletime=30000, retranstimer=1000)/ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01")/
 * ICMPv6NDOptMTU(mtu=1500)/ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, L=1,
 * A=1, validlifetime=86400, preferredlifetime=14400)/ICMPv6NDOptRouteInfo(len=2,
 * prefix="2001:db8:2::", plen=48, prf=3, rtlifetime=600)/ICMPv6NDOptRouteInfo(len=1,
 * prefix="::", plen=0, rtlifetime=0xffffffff)/ICMPv6NDOptRouteInfo(len=3,
 * prefix="2001:db8:3::1", plen=128, prf=1, rtlifetime=60) */
static const uint8_t scapy_ra[] = {
    0x86, 0x00, 0x5b, 0xd4, 0x40, 0x88, 0x07, 0x08, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8,
    0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
    0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x18, 0x02, 0x30, 0x18, 0x00, 0x00, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
    0x18, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x18, 0x03, 0x80, 0x08, 0x00, 0x00, 0x00, 0x3c,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

/* The same RA with scapy's default RIO Length (3 for every prefix length). */
static const uint8_t scapy_ra_rio3[] = {
    0x86, 0x00, 0x5b, 0xb9, 0x40, 0x88, 0x07, 0x08, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8,
    0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
    0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x18, 0x03, 0x30, 0x18, 0x00, 0x00, 0x02, 0x58, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x03, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x18, 0x03, 0x80, 0x08, 0x00, 0x00, 0x00, 0x3c, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

/* IPv6(src="::", dst="ff02::1:ff00:2")/ICMPv6ND_NS(tgt="2001:db8:1::2") */
static const uint8_t scapy_ns_dad[] = {0x87, 0x00, 0x4c, 0xea, 0x00, 0x00, 0x00, 0x00,
				       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};

/* IPv6(src="fe80::1", dst="fe80::2")/ICMPv6ND_NA(R=1, S=1, O=1, tgt="fe80::1")/
 * ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:01") */
static const uint8_t scapy_na[] = {0x88, 0x00, 0x98, 0x1b, 0xe0, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00,
				   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x01, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* IPv6(src="fe80::2", dst="ff02::2")/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:02")
 */
static const uint8_t scapy_rs[] = {0x85, 0x00, 0x7a, 0x2a, 0x00, 0x00, 0x00, 0x00,
				   0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

/* IPv6(src="fe80::1", dst="2001:db8:1::2")/ICMPv6ND_Redirect(tgt="fe80::9", dst="2001:db8:5::5")/
 * ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:09") */
static const uint8_t scapy_redirect[] = {
    0x89, 0x00, 0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x09};

/* The struct of scapy_ra. */
static struct dmm_nd_msg *ra_example(void)
{
	struct dmm_nd_msg *m = msg(DMM_ND_RA);

	m->ra.cur_hop_limit = 64;
	m->ra.flags = DMM_ND_RA_M | DMM_ND_PRF_HIGH << DMM_ND_RA_PRF_SHIFT;
	m->ra.router_lifetime_s = 1800;
	m->ra.reachable_ms = 30000;
	m->ra.retrans_ms = 1000;
	m->has_slla = true;
	m->slla = mac("02:00:00:00:00:01");
	m->has_mtu = true;
	m->mtu = 1500;
	m->n_pio = 1;
	m->pio[0] =
	    (struct dmm_nd_pio){pfx("2001:db8:1::/64"), DMM_ND_PIO_L | DMM_ND_PIO_A, 86400, 14400};
	m->n_rio = 3;
	m->rio[0] = (struct dmm_nd_rio){pfx("2001:db8:2::/48"), DMM_ND_PRF_LOW, 600};
	m->rio[1] = (struct dmm_nd_rio){pfx("::/0"), DMM_ND_PRF_MEDIUM, DMM_ND_INFINITE};
	m->rio[2] = (struct dmm_nd_rio){pfx("2001:db8:3::1/128"), DMM_ND_PRF_HIGH, 60};
	return m;
}

/* ------------------------------------------------------------------------------------------ */
/* Octets: builder output equals scapy's; parser reads scapy's */

static void test_ra_octets_match_scapy(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_ip6 s = ip("fe80::1"), d = ip("ff02::1");
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;

	(void)state;
	assert_rc(dmm_nd_build(ra_example(), &s, &d, b, sizeof(b), &len), 0);
	assert_bytes_equal(b, len, scapy_ra, sizeof(scapy_ra));
	assert_rc(dmm_nd_parse(scapy_ra, sizeof(scapy_ra), &s, &d, 255, &got), 0);
	assert_msg_equal(ra_example(), &got);
}

static void test_rio_length_3_for_short_prefixes_is_accepted_rfc4191_2_3(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_ip6 s = ip("fe80::1"), d = ip("ff02::1");

	(void)state;
	/* "If Prefix Length is zero, then Length must be 1, 2, or 3": scapy's 3 is legal. */
	assert_rc(dmm_nd_parse(scapy_ra_rio3, sizeof(scapy_ra_rio3), &s, &d, 255, &got), 0);
	assert_int_equal(got.n_ignored, 0);
	assert_msg_equal(ra_example(), &got);
}

static void test_ns_dad_octets_match_scapy(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_nd_msg *m = msg(DMM_ND_NS);
	struct dmm_ip6 s = ip("::"), d = ip("ff02::1:ff00:2");
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;

	(void)state;
	m->target = ip("2001:db8:1::2");
	assert_rc(dmm_nd_build(m, &s, &d, b, sizeof(b), &len), 0);
	assert_bytes_equal(b, len, scapy_ns_dad, sizeof(scapy_ns_dad));
	assert_rc(dmm_nd_parse(scapy_ns_dad, sizeof(scapy_ns_dad), &s, &d, 255, &got), 0);
	assert_msg_equal(m, &got);
}

static void test_na_octets_match_scapy(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_nd_msg *m = msg(DMM_ND_NA);
	struct dmm_ip6 s = ip("fe80::1"), d = ip("fe80::2");
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;

	(void)state;
	m->na_flags = DMM_ND_NA_R | DMM_ND_NA_S | DMM_ND_NA_O;
	m->target = ip("fe80::1");
	m->has_tlla = true;
	m->tlla = mac("02:00:00:00:00:01");
	assert_rc(dmm_nd_build(m, &s, &d, b, sizeof(b), &len), 0);
	assert_bytes_equal(b, len, scapy_na, sizeof(scapy_na));
	assert_rc(dmm_nd_parse(scapy_na, sizeof(scapy_na), &s, &d, 255, &got), 0);
	assert_msg_equal(m, &got);
}

static void test_rs_octets_match_scapy(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_nd_msg *m = msg(DMM_ND_RS);
	struct dmm_ip6 s = ip("fe80::2"), d = ip("ff02::2");
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;

	(void)state;
	m->has_slla = true;
	m->slla = mac("02:00:00:00:00:02");
	assert_rc(dmm_nd_build(m, &s, &d, b, sizeof(b), &len), 0);
	assert_bytes_equal(b, len, scapy_rs, sizeof(scapy_rs));
	assert_rc(dmm_nd_parse(scapy_rs, sizeof(scapy_rs), &s, &d, 255, &got), 0);
	assert_msg_equal(m, &got);
}

static void test_redirect_octets_match_scapy(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_nd_msg *m = msg(DMM_ND_REDIRECT);
	struct dmm_ip6 s = ip("fe80::1"), d = ip("2001:db8:1::2");
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;

	(void)state;
	m->target = ip("fe80::9");
	m->dest = ip("2001:db8:5::5");
	m->has_tlla = true;
	m->tlla = mac("02:00:00:00:00:09");
	assert_rc(dmm_nd_build(m, &s, &d, b, sizeof(b), &len), 0);
	assert_bytes_equal(b, len, scapy_redirect, sizeof(scapy_redirect));
	assert_rc(dmm_nd_parse(scapy_redirect, sizeof(scapy_redirect), &s, &d, 255, &got), 0);
	assert_msg_equal(m, &got);
}

/* ------------------------------------------------------------------------------------------ */
/* Checksum */

static void test_checksum_matches_independent_sum(void **state)
{
	struct dmm_ip6 s = ip("fe80::1234:5678:9abc:def0"), d = ip("ff02::1");
	uint8_t b[64];

	(void)state;
	/* odd and even lengths, arbitrary content: pseudo-header next header 58, 32-bit length */
	for (size_t len = 0; len <= sizeof(b); len++) {
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)(i * 37 + len);
		if (len >= 4)
			b[2] = b[3] = 0;
		assert_int_equal(dmm_nd_checksum(&s, &d, b, len), ref_checksum(&s, &d, b, len));
	}
}

static void test_checksum_verifies_to_zero_and_detects_one_flipped_bit(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_ip6 s = ip("fe80::1"), d = ip("ff02::1");
	uint8_t b[DMM_ND_BUILD_MAX];

	(void)state;
	memcpy(b, scapy_ra, sizeof(scapy_ra));
	assert_int_equal(dmm_nd_checksum(&s, &d, b, sizeof(scapy_ra)), 0);
	for (size_t bit = 0; bit < sizeof(scapy_ra) * 8; bit += 7) {
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		/* The type octet changes the verdict before the checksum is looked at. */
		if (bit / 8 != 0)
			assert_rc(dmm_nd_parse(b, sizeof(scapy_ra), &s, &d, 255, &got),
				  bit / 8 == 1 ? DMM_ND_E_BAD_CODE : DMM_ND_E_BAD_CHECKSUM);
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* a different pseudo-header (another destination) fails too */
	d = ip("ff02::2");
	assert_rc(dmm_nd_parse(b, sizeof(scapy_ra), &s, &d, 255, &got), DMM_ND_E_BAD_CHECKSUM);
	/* without addresses the checksum is not checked (the kernel did it) */
	b[2] ^= 0xff;
	assert_rc(dmm_nd_parse(b, sizeof(scapy_ra), NULL, NULL, 255, &got), 0);
}

static void test_build_without_addresses_leaves_checksum_zero(void **state)
{
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;

	(void)state;
	assert_rc(dmm_nd_build(ra_example(), NULL, NULL, b, sizeof(b), &len), 0);
	assert_int_equal(b[2] << 8 | b[3], 0);
	assert_bytes_equal(b + 4, len - 4, scapy_ra + 4, sizeof(scapy_ra) - 4);
}

/* ------------------------------------------------------------------------------------------ */
/* Round trips */

static void test_every_type_round_trips(void **state)
{
	uint8_t b[DMM_ND_BUILD_MAX];
	struct dmm_nd_msg *m;

	(void)state;
	m = msg(DMM_ND_RS);
	assert_int_equal(round_trip(m, "fe80::2", "ff02::2", b, sizeof(b)), 8);
	m = msg(DMM_ND_RS);
	assert_int_equal(round_trip(m, "::", "ff02::2", b, sizeof(b)), 8);

	m = msg(DMM_ND_NS);
	m->target = ip("fe80::1");
	m->has_slla = true;
	m->slla = mac("02:aa:bb:cc:dd:ee");
	assert_int_equal(round_trip(m, "2001:db8:1::2", "ff02::1:ff00:1", b, sizeof(b)), 32);

	m = msg(DMM_ND_NA);
	m->na_flags = DMM_ND_NA_O;
	m->target = ip("2001:db8:1::1");
	m->has_tlla = true;
	m->tlla = mac("02:00:00:00:00:01");
	assert_int_equal(round_trip(m, "fe80::1", "ff02::1", b, sizeof(b)), 32);

	m = msg(DMM_ND_REDIRECT);
	m->target = ip("2001:db8:7::7");
	m->dest = ip("2001:db8:7::7"); /* target == destination: the destination is on-link */
	assert_int_equal(round_trip(m, "fe80::1", "2001:db8:1::2", b, sizeof(b)), 40);

	m = ra_example();
	assert_int_equal(round_trip(m, "fe80::1", "ff02::1", b, sizeof(b)), sizeof(scapy_ra));
}

static void test_largest_ra_round_trips_and_fits_build_max(void **state)
{
	struct dmm_nd_msg *m = msg(DMM_ND_RA);
	uint8_t b[DMM_ND_BUILD_MAX];
	char s[64];

	(void)state;
	m->ra.router_lifetime_s = 9000;
	m->has_slla = true;
	m->slla.len = DMM_ND_LLADDR_MAX;
	for (unsigned i = 0; i < DMM_ND_LLADDR_MAX; i++)
		m->slla.a[i] = (uint8_t)(0xa0 + i);
	m->has_mtu = true;
	m->mtu = 1400;
	m->n_pio = DMM_ND_MAX_PIO;
	m->n_rio = DMM_ND_MAX_RIO;
	for (unsigned i = 0; i < DMM_ND_MAX_PIO; i++) {
		snprintf(s, sizeof(s), "2001:db8:%x::/64", i);
		m->pio[i] = (struct dmm_nd_pio){pfx(s), DMM_ND_PIO_L, 1000 + i, i};
		snprintf(s, sizeof(s), "2001:db8:%x::/%u", i * 0x100, 65 + i * 4);
		m->rio[i] = (struct dmm_nd_rio){pfx(s), DMM_ND_PRF_LOW, 7 * i};
	}
	assert_int_equal(round_trip(m, "fe80::1", "ff02::1", b, sizeof(b)), DMM_ND_BUILD_MAX);
}

/* RFC 8885 §3.7 (PROTOCOL.md D1, codec part): the RA a P-MAAR's DLIF sends deprecates that
 * anchor's prefix with Preferred Lifetime 0 and Valid Lifetime > 0, from the DLIF's LMAC. */
static void test_D1_dlif_ra_with_deprecated_prefix_round_trips(void **state)
{
	struct dmm_nd_msg *m = msg(DMM_ND_RA);
	uint8_t b[DMM_ND_BUILD_MAX];

	(void)state;
	m->ra.router_lifetime_s = 1800;
	m->has_slla = true;
	m->slla = mac("02:dd:00:00:00:01");
	m->n_pio = 1;
	m->pio[0] =
	    (struct dmm_nd_pio){pfx("2001:db8:1::/64"), DMM_ND_PIO_L | DMM_ND_PIO_A, 3600, 0};
	assert_int_equal(round_trip(m, "fe80::dd:1", "fe80::2", b, sizeof(b)), 16 + 8 + 32);
	assert_int_equal(b[16 + 8 + 0], DMM_ND_OPT_PIO);
	assert_int_equal(
	    b[16 + 8 + 8] << 24 | b[16 + 8 + 9] << 16 | b[16 + 8 + 10] << 8 | b[16 + 8 + 11], 0);
}

/* RFC 8885 §3.7 (PROTOCOL.md D3, codec part): a local network behind an anchor is advertised
 * as an RFC 4191 Route Information Option. */
static void test_D3_rio_for_local_prefix_round_trips(void **state)
{
	struct dmm_nd_msg *m = msg(DMM_ND_RA);
	uint8_t b[DMM_ND_BUILD_MAX];

	(void)state;
	m->ra.router_lifetime_s = 0; /* not a default router: only the more-specific route */
	m->n_rio = 1;
	m->rio[0] = (struct dmm_nd_rio){pfx("2001:db8:100::/56"), DMM_ND_PRF_HIGH, 3600};
	assert_int_equal(round_trip(m, "fe80::dd:1", "fe80::2", b, sizeof(b)), 16 + 16);
	assert_int_equal(b[16], DMM_ND_OPT_RIO);
	assert_int_equal(b[16 + 2], 56);
	assert_int_equal(b[16 + 3], 0x08); /* Prf 01 in bits 3-4 */
}

/* ------------------------------------------------------------------------------------------ */
/* RFC 4191 §2.3 Route Information lengths */

static void test_rio_built_with_shortest_length_1_2_3(void **state)
{
	static const struct {
		const char *p;
		uint8_t units;
	} t[] = {{"::/0", 1},	       {"8000::/1", 2},	     {"2001:db8::/32", 2},
		 {"2001:db8::/64", 2}, {"2001:db8::/65", 3}, {"2001:db8::1/128", 3}};
	uint8_t b[DMM_ND_BUILD_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dmm_nd_msg *m = msg(DMM_ND_RA);
		size_t len;

		m->ra.router_lifetime_s = 60;
		m->n_rio = 1;
		m->rio[0] = (struct dmm_nd_rio){pfx(t[i].p), DMM_ND_PRF_MEDIUM, 60};
		len = round_trip(m, "fe80::1", "ff02::1", b, sizeof(b));
		if (b[17] != t[i].units || len != 16 + t[i].units * 8u)
			fail_msg("%s: expected Length %u (%u octets), got Length %u (%zu octets)",
				 t[i].p, t[i].units, 16 + t[i].units * 8, b[17], len);
	}
}

/* An RA whose only option is one RIO of Length units, Prefix Length plen, Prf prf. */
static size_t rio_ra(uint8_t *b, uint8_t units, uint8_t plen, uint8_t prf)
{
	memset(b, 0, 16 + units * 8u);
	b[0] = DMM_ND_RA;
	b[6] = 0x07; /* router lifetime 1800 */
	b[7] = 0x08;
	b[16] = DMM_ND_OPT_RIO;
	b[17] = units;
	b[18] = plen;
	b[19] = (uint8_t)(prf << 3);
	b[23] = 60;
	if (units > 1)
		b[24] = 0x20; /* 2000::/3-ish prefix octets */
	return 16 + units * 8u;
}

static size_t pio_ra(uint8_t *b, uint8_t flags, uint32_t valid, uint32_t pref, uint8_t plen);

static void test_rio_with_length_wrong_for_prefix_is_ignored_not_an_error_rfc4191_2_3(void **state)
{
	static const struct {
		uint8_t units, plen;
		bool ok;
	} t[] = {{1, 0, true},	 {2, 0, true},	 {3, 0, true},	 {1, 1, false},
		 {1, 64, false}, {2, 64, true},	 {3, 64, true},	 {2, 65, false},
		 {3, 65, true},	 {3, 128, true}, {4, 64, false}, {4, 128, false}};
	static struct dmm_nd_msg got;
	uint8_t b[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = rio_ra(b, t[i].units, t[i].plen, DMM_ND_PRF_LOW);

		assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
		if (got.n_rio != (t[i].ok ? 1 : 0) || got.n_ignored != (t[i].ok ? 0 : 1))
			fail_msg("Length %u /%u: expected %s, got n_rio=%u n_ignored=%u",
				 t[i].units, t[i].plen, t[i].ok ? "accepted" : "ignored", got.n_rio,
				 got.n_ignored);
		if (t[i].ok) {
			assert_int_equal(got.rio[0].prefix.len, t[i].plen);
			assert_int_equal(got.rio[0].prf, DMM_ND_PRF_LOW);
			assert_int_equal(got.rio[0].lifetime_s, 60);
		}
	}
}

static void test_rio_with_reserved_preference_is_ignored_rfc4191_2_3(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = rio_ra(b, 2, 48, DMM_ND_PRF_RESERVED);

	(void)state;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_rio, 0);
	assert_int_equal(got.n_ignored, 1);
	/* and the builder never sends it (RFC 4191 §2.1 "MUST NOT be sent") */
	got.n_rio = 1;
	got.rio[0] = (struct dmm_nd_rio){pfx("2001:db8::/48"), DMM_ND_PRF_RESERVED, 60};
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_PRF);
}

static void test_rio_and_pio_host_bits_cleared_rfc4861_4_6_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = rio_ra(b, 2, 4, DMM_ND_PRF_HIGH);
	char s[DMM_PFX_STRLEN];

	(void)state;
	b[24] = 0x2f; /* only the top 4 bits count */
	b[31] = 0xff;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_rio, 1);
	assert_string_equal(dmm_prefix_fmt(&got.rio[0].prefix, s), "2000::/4");
	len = pio_ra(b, 0, 10, 5, 16); /* prefix 2001:: */
	b[34] = 0xff;
	b[47] = 0x01;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_pio, 1);
	assert_string_equal(dmm_prefix_fmt(&got.pio[0].prefix, s), "2001::/16");
}

/* ------------------------------------------------------------------------------------------ */
/* PIO */

static void test_pio_flags_and_lifetimes_round_trip(void **state)
{
	struct dmm_nd_msg *m = msg(DMM_ND_RA);
	uint8_t b[DMM_ND_BUILD_MAX];

	(void)state;
	m->ra.router_lifetime_s = 1800;
	m->n_pio = 5;
	m->pio[0] = (struct dmm_nd_pio){pfx("2001:db8:a::/64"), DMM_ND_PIO_L, DMM_ND_INFINITE,
					DMM_ND_INFINITE};
	m->pio[1] = (struct dmm_nd_pio){pfx("2001:db8:b::/64"), DMM_ND_PIO_A, 7200, 3600};
	m->pio[2] = (struct dmm_nd_pio){pfx("2001:db8:c::/48"), 0, 0, 0};
	m->pio[3] =
	    (struct dmm_nd_pio){pfx("2001:db8:d::1/128"), DMM_ND_PIO_R | DMM_ND_PIO_L, 100, 100};
	m->pio[4] = (struct dmm_nd_pio){pfx("::/0"), DMM_ND_PIO_L | DMM_ND_PIO_A | DMM_ND_PIO_R,
					DMM_ND_INFINITE, 1};
	assert_int_equal(round_trip(m, "fe80::1", "ff02::1", b, sizeof(b)), 16 + 5 * 32);
	/* wire layout of the second PIO (RFC 4861 §4.6.2): Length 4, A = 0x40, lifetimes */
	assert_int_equal(b[48 + 1], 4);
	assert_int_equal(b[48 + 2], 64);
	assert_int_equal(b[48 + 3], 0x40);
	assert_int_equal(b[48 + 4] << 24 | b[48 + 5] << 16 | b[48 + 6] << 8 | b[48 + 7], 7200);
	assert_int_equal(b[48 + 8] << 24 | b[48 + 9] << 16 | b[48 + 10] << 8 | b[48 + 11], 3600);
}

/* An RA with one PIO: flags, valid, preferred, prefix length. */
static size_t pio_ra(uint8_t *b, uint8_t flags, uint32_t valid, uint32_t pref, uint8_t plen)
{
	memset(b, 0, 48);
	b[0] = DMM_ND_RA;
	b[16] = DMM_ND_OPT_PIO;
	b[17] = 4;
	b[18] = plen;
	b[19] = flags;
	for (int i = 0; i < 4; i++) {
		b[20 + i] = (uint8_t)(valid >> (24 - 8 * i));
		b[24 + i] = (uint8_t)(pref >> (24 - 8 * i));
	}
	b[32] = 0x20;
	b[33] = 0x01;
	return 48;
}

static void test_pio_reserved_flag_bits_ignored_rfc4861_4_6_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = pio_ra(b, 0xdf, 10, 5, 64);

	(void)state;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_pio, 1);
	assert_int_equal(got.pio[0].flags, DMM_ND_PIO_L | DMM_ND_PIO_A);
}

static void
test_pio_preferred_over_valid_ignored_on_parse_refused_on_build_rfc4862_5_5_3c(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = pio_ra(b, DMM_ND_PIO_A, 100, 101, 64);

	(void)state;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_pio, 0);
	assert_int_equal(got.n_ignored, 1);
	got.n_pio = 1;
	got.pio[0] = (struct dmm_nd_pio){pfx("2001:db8::/64"), DMM_ND_PIO_A, 100, 101};
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_LIFETIMES);
	got.pio[0].preferred_s = 100; /* equal is fine */
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), 0);
}

static void test_pio_wrong_length_is_malformed_rfc4861_4_6_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = pio_ra(b, 0, 10, 5, 64);

	(void)state;
	b[17] = 3; /* 24 octets: then 24 octets of an unknown option 0x00... would follow */
	b[40] = 200;
	b[41] = 1;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), DMM_ND_E_OPT_BAD_LEN);
}

static void test_prefix_length_over_128_rejected_rfc4861_4_6_2_rfc4191_2_3(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = pio_ra(b, 0, 10, 5, 129);

	(void)state;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), DMM_ND_E_BAD_PREFIX_LEN);
	len = rio_ra(b, 3, 129, DMM_ND_PRF_MEDIUM);
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), DMM_ND_E_BAD_PREFIX_LEN);
	/* and the builder refuses both */
	memset(&got, 0, sizeof(got));
	got.type = DMM_ND_RA;
	got.n_pio = 1;
	got.pio[0].prefix.len = 129;
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_PREFIX_LEN);
	got.n_pio = 0;
	got.n_rio = 1;
	got.rio[0].prefix.len = 200;
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_PREFIX_LEN);
}

static void test_more_pio_or_rio_than_max_rejected(void **state)
{
	static struct dmm_nd_msg got;
	static uint8_t b[16 + 32 * (DMM_ND_MAX_PIO + 1)];
	size_t len = 16;

	(void)state;
	memset(b, 0, sizeof(b));
	b[0] = DMM_ND_RA;
	for (unsigned i = 0; i <= DMM_ND_MAX_PIO; i++, len += 32) {
		b[len] = DMM_ND_OPT_PIO;
		b[len + 1] = 4;
		b[len + 2] = 64;
	}
	assert_rc(parse_raw(b, len - 32, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_pio, DMM_ND_MAX_PIO);
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), DMM_ND_E_TOO_MANY);

	len = 16;
	memset(b, 0, sizeof(b));
	b[0] = DMM_ND_RA;
	for (unsigned i = 0; i <= DMM_ND_MAX_RIO; i++, len += 8) {
		b[len] = DMM_ND_OPT_RIO;
		b[len + 1] = 1;
	}
	assert_rc(parse_raw(b, len - 8, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_rio, DMM_ND_MAX_RIO);
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), DMM_ND_E_TOO_MANY);
}

/* ------------------------------------------------------------------------------------------ */
/* RA header: RFC 4191 §2.2 preference */

static void test_ra_reserved_preference_read_as_medium_rfc4191_2_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = rio_ra(b, 1, 0, 0);

	(void)state;
	b[5] = DMM_ND_RA_O | DMM_ND_PRF_RESERVED << 3 | 0x03; /* + both reserved bits */
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.ra.flags, DMM_ND_RA_O);
	assert_int_equal(dmm_nd_ra_prf(&got.ra), DMM_ND_PRF_MEDIUM);
	got.ra.flags |= DMM_ND_PRF_RESERVED << DMM_ND_RA_PRF_SHIFT;
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_PRF);
}

static void test_ra_preference_ignored_with_router_lifetime_0_rfc4191_2_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[64];
	size_t len = rio_ra(b, 1, 0, 0);

	(void)state;
	b[5] = DMM_ND_RA_M | DMM_ND_PRF_HIGH << 3;
	b[6] = b[7] = 0;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.ra.flags, DMM_ND_RA_M);
	got.ra.flags |= DMM_ND_PRF_HIGH << DMM_ND_RA_PRF_SHIFT;
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_PRF);
	got.ra.router_lifetime_s = 1;
	assert_rc(dmm_nd_build(&got, NULL, NULL, b, sizeof(b), &len), 0);
	assert_int_equal(b[5], DMM_ND_RA_M | DMM_ND_PRF_HIGH << 3);
}

/* ------------------------------------------------------------------------------------------ */
/* Validity rules, in the parser's order (RFC 4861 §6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1) */

static void test_shorter_than_type_minimum_rejected_rfc4861_6_1_7_1_8_1(void **state)
{
	static const struct {
		uint8_t type;
		size_t min;
	} t[] = {{DMM_ND_RS, 8},
		 {DMM_ND_RA, 16},
		 {DMM_ND_NS, 24},
		 {DMM_ND_NA, 24},
		 {DMM_ND_REDIRECT, 40}};
	static struct dmm_nd_msg got;
	uint8_t b[40] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		b[0] = t[i].type;
		memset(b + 8, 0, sizeof(b) - 8);
		b[8] = 0xfe; /* link-local targets, so the minimum length alone parses */
		b[9] = 0x80;
		b[24] = 0xfe;
		b[25] = 0x80;
		for (size_t len = 0; len < t[i].min; len++)
			assert_rc(dmm_nd_parse(b, len, NULL, NULL, 255, &got), DMM_ND_E_TRUNCATED);
		assert_rc(dmm_nd_parse(b, t[i].min, NULL, NULL, 255, &got), 0);
		assert_int_equal(got.type, t[i].type);
	}
}

static void test_non_nd_type_reported_with_its_type(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[24] = {128}; /* Echo Request */

	(void)state;
	assert_rc(dmm_nd_parse(b, sizeof(b), NULL, NULL, 255, &got), DMM_ND_E_UNKNOWN_TYPE);
	assert_int_equal(got.type, 128);
	b[0] = 138;
	assert_rc(dmm_nd_parse(b, sizeof(b), NULL, NULL, 255, &got), DMM_ND_E_UNKNOWN_TYPE);
	assert_int_equal(got.type, 138);
}

static void test_code_not_0_rejected_rfc4861_6_1_1(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[16];

	(void)state;
	memcpy(b, scapy_rs, sizeof(b));
	b[1] = 1;
	assert_rc(parse_raw(b, sizeof(b), "fe80::2", "ff02::2", &got), DMM_ND_E_BAD_CODE);
}

static void test_hop_limit_not_255_rejected_rfc4861_6_1_1(void **state)
{
	static struct dmm_nd_msg got;
	struct dmm_ip6 s = ip("fe80::2"), d = ip("ff02::2");

	(void)state;
	for (unsigned hl = 0; hl < 255; hl += 17)
		assert_rc(dmm_nd_parse(scapy_rs, sizeof(scapy_rs), &s, &d, (uint8_t)hl, &got),
			  DMM_ND_E_HOP_LIMIT);
	assert_rc(dmm_nd_parse(scapy_rs, sizeof(scapy_rs), &s, &d, 254, &got), DMM_ND_E_HOP_LIMIT);
	assert_rc(dmm_nd_parse(scapy_rs, sizeof(scapy_rs), &s, &d, 255, &got), 0);
}

static void test_option_length_0_rejected_rfc4861_6_1_1(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[24] = {DMM_ND_RS};

	(void)state;
	b[8] = 99; /* an unknown option of Length 0: would loop forever if accepted */
	b[9] = 0;
	assert_rc(parse_raw(b, 16, "fe80::2", "ff02::2", &got), DMM_ND_E_OPT_ZERO_LEN);
	b[9] = 1; /* one good option, then a zero-length one */
	b[16] = DMM_ND_OPT_SLLA;
	assert_rc(parse_raw(b, 24, "fe80::2", "ff02::2", &got), DMM_ND_E_OPT_ZERO_LEN);
}

static void test_truncated_options_rejected_rfc4861_6_1_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[40] = {DMM_ND_RA};

	(void)state;
	b[16] = DMM_ND_OPT_PIO;
	b[17] = 4;
	assert_rc(parse_raw(b, 40, "fe80::1", "ff02::1", &got), DMM_ND_E_OPT_TRUNCATED);
	b[16] = 99;
	b[17] = 1;
	assert_rc(parse_raw(b, 25, "fe80::1", "ff02::1", &got), DMM_ND_E_OPT_TRUNCATED);
	assert_rc(parse_raw(b, 24, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_skipped, 1);
}

static void test_ns_nd_target_multicast_rejected_rfc4861_7_1_1_7_1_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[24];

	(void)state;
	memcpy(b, scapy_ns_dad, sizeof(b));
	b[8] = 0xff;
	b[9] = 0x02;
	assert_rc(parse_raw(b, 24, "fe80::2", "ff02::1:ff00:2", &got), DMM_ND_E_TARGET_MULTICAST);
	b[0] = DMM_ND_NA;
	assert_rc(parse_raw(b, 24, "fe80::2", "fe80::1", &got), DMM_ND_E_TARGET_MULTICAST);
}

static void test_dad_ns_must_go_to_solicited_node_rfc4861_7_1_1(void **state)
{
	static struct dmm_nd_msg got;

	(void)state;
	assert_rc(parse_raw(scapy_ns_dad, 24, "::", "ff02::1", &got), DMM_ND_E_DAD_DST);
	assert_rc(parse_raw(scapy_ns_dad, 24, "::", "2001:db8:1::2", &got), DMM_ND_E_DAD_DST);
	assert_rc(parse_raw(scapy_ns_dad, 24, "::", "ff02::1:ff12:3456", &got), 0);
	/* from a real address, any destination is fine (unicast NUD) */
	assert_rc(parse_raw(scapy_ns_dad, 24, "fe80::3", "2001:db8:1::2", &got), 0);
}

static void test_unspecified_source_carries_no_slla_rfc4861_6_1_1_7_1_1(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[32];
	size_t len;
	struct dmm_ip6 s = ip("::"), d = ip("ff02::2");

	(void)state;
	assert_rc(parse_raw(scapy_rs, sizeof(scapy_rs), "::", "ff02::2", &got),
		  DMM_ND_E_UNSPEC_SLLA);
	memcpy(b, scapy_ns_dad, 24);
	memcpy(b + 24, scapy_rs + 8, 8); /* + SLLA */
	assert_rc(parse_raw(b, 32, "::", "ff02::1:ff00:2", &got), DMM_ND_E_UNSPEC_SLLA);
	assert_rc(parse_raw(b, 32, "fe80::5", "ff02::1:ff00:2", &got), 0);
	/* the builder refuses it as well */
	got.type = DMM_ND_RS;
	assert_rc(dmm_nd_build(&got, &s, &d, b, sizeof(b), &len), DMM_ND_E_UNSPEC_SLLA);
}

static void test_na_to_multicast_must_not_be_solicited_rfc4861_7_1_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[32];
	size_t len;
	struct dmm_ip6 s = ip("fe80::1"), d = ip("ff02::1");

	(void)state;
	assert_rc(parse_raw(scapy_na, 32, "fe80::1", "ff02::1", &got), DMM_ND_E_SOLICITED_MCAST);
	memcpy(b, scapy_na, 32);
	b[4] = DMM_ND_NA_R | DMM_ND_NA_O; /* unsolicited: fine */
	assert_rc(parse_raw(b, 32, "fe80::1", "ff02::1", &got), 0);
	got.na_flags |= DMM_ND_NA_S;
	assert_rc(dmm_nd_build(&got, &s, &d, b, sizeof(b), &len), DMM_ND_E_SOLICITED_MCAST);
}

static void test_na_reserved_bits_ignored_rfc4861_4_4(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[32];

	(void)state;
	memcpy(b, scapy_na, 32);
	b[4] |= 0x1f;
	b[5] = b[6] = b[7] = 0xff;
	assert_rc(parse_raw(b, 32, "fe80::1", "fe80::2", &got), 0);
	assert_int_equal(got.na_flags, DMM_ND_NA_R | DMM_ND_NA_S | DMM_ND_NA_O);
}

static void test_ra_source_must_be_link_local_rfc4861_6_1_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;
	struct dmm_ip6 s = ip("2001:db8::1"), d = ip("ff02::1");

	(void)state;
	assert_rc(parse_raw(scapy_ra, sizeof(scapy_ra), "2001:db8::1", "ff02::1", &got),
		  DMM_ND_E_SRC_NOT_LL);
	assert_rc(parse_raw(scapy_ra, sizeof(scapy_ra), "::", "ff02::1", &got),
		  DMM_ND_E_SRC_NOT_LL);
	assert_rc(dmm_nd_build(ra_example(), &s, &d, b, sizeof(b), &len), DMM_ND_E_SRC_NOT_LL);
}

static void test_redirect_rules_rfc4861_8_1(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[48];

	(void)state;
	assert_rc(parse_raw(scapy_redirect, 48, "2001:db8::1", "2001:db8:1::2", &got),
		  DMM_ND_E_SRC_NOT_LL);
	memcpy(b, scapy_redirect, 48);
	b[8] = 0x20; /* target 2001:... global and != destination */
	b[9] = 0x01;
	assert_rc(parse_raw(b, 48, "fe80::1", "2001:db8:1::2", &got), DMM_ND_E_REDIRECT_TARGET);
	b[8] = 0xff; /* multicast target */
	assert_rc(parse_raw(b, 48, "fe80::1", "2001:db8:1::2", &got), DMM_ND_E_TARGET_MULTICAST);
	memcpy(b, scapy_redirect, 48);
	b[24] = 0xff; /* multicast destination */
	assert_rc(parse_raw(b, 48, "fe80::1", "2001:db8:1::2", &got), DMM_ND_E_REDIRECT_DST);
}

static void test_redirected_header_and_unknown_options_skipped_rfc4861_4_5(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[80];

	(void)state;
	memcpy(b, scapy_redirect, 48);
	memset(b + 48, 0, 32);
	b[48] = DMM_ND_OPT_RH; /* Redirected Header with 8 octets of "packet" */
	b[49] = 2;
	b[64] = 200; /* an unknown option */
	b[65] = 2;
	assert_rc(parse_raw(b, 80, "fe80::1", "2001:db8:1::2", &got), 0);
	assert_int_equal(got.n_skipped, 2);
	assert_true(got.has_tlla);
}

static void test_unknown_and_misplaced_options_skipped_rfc4861_4_2(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len = sizeof(scapy_ra);

	(void)state;
	memcpy(b, scapy_ra, len);
	/* RDNSS (25, RFC 8106: unknown here), a TLLA (not an RA option) and a Nonce (14) */
	memset(b + len, 0, 24 + 8 + 8);
	b[len] = 25;
	b[len + 1] = 3;
	b[len + 24] = DMM_ND_OPT_TLLA;
	b[len + 25] = 1;
	b[len + 32] = 14;
	b[len + 33] = 1;
	len += 40;
	assert_rc(parse_raw(b, len, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.n_skipped, 3);
	assert_false(got.has_tlla);
	got.n_skipped = 0;
	assert_msg_equal(ra_example(), &got);

	/* a PIO in an NS is not an NS option: skipped */
	memcpy(b, scapy_ns_dad, 24);
	memset(b + 24, 0, 32);
	b[24] = DMM_ND_OPT_PIO;
	b[25] = 4;
	assert_rc(parse_raw(b, 56, "fe80::3", "2001:db8:1::2", &got), 0);
	assert_int_equal(got.n_skipped, 1);
	assert_int_equal(got.n_pio, 0);
}

static void test_duplicate_singleton_options_rejected(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[DMM_ND_BUILD_MAX];

	(void)state;
	memcpy(b, scapy_rs, 16);
	memcpy(b + 16, scapy_rs + 8, 8);
	assert_rc(parse_raw(b, 24, "fe80::2", "ff02::2", &got), DMM_ND_E_OPT_DUPLICATE);
	memcpy(b, scapy_ra, sizeof(scapy_ra));
	memcpy(b + sizeof(scapy_ra), scapy_ra + 24, 8); /* a second MTU option */
	assert_rc(parse_raw(b, sizeof(scapy_ra) + 8, "fe80::1", "ff02::1", &got),
		  DMM_ND_E_OPT_DUPLICATE);
}

static void test_fixed_size_options_with_wrong_length_rejected_rfc4861_4_6(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[DMM_ND_BUILD_MAX] = {0};

	(void)state;
	b[0] = DMM_ND_RA;
	b[16] = DMM_ND_OPT_MTU; /* MTU, Length 2 */
	b[17] = 2;
	assert_rc(parse_raw(b, 32, "fe80::1", "ff02::1", &got), DMM_ND_E_OPT_BAD_LEN);
	b[16] = DMM_ND_OPT_SLLA; /* SLLA, Length 4: no known link layer */
	b[17] = 4;
	assert_rc(parse_raw(b, 48, "fe80::1", "ff02::1", &got), DMM_ND_E_OPT_BAD_LEN);
	b[17] = 2; /* Length 2: 14 octets (e.g. RFC 4944's EUI-64 + padding) */
	assert_rc(parse_raw(b, 32, "fe80::1", "ff02::1", &got), 0);
	assert_int_equal(got.slla.len, 14);
}

/* ------------------------------------------------------------------------------------------ */
/* Build arguments */

static void test_build_reports_needed_length_when_buffer_too_small(void **state)
{
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len = 0;
	struct dmm_ip6 s = ip("fe80::1"), d = ip("ff02::1");

	(void)state;
	assert_rc(dmm_nd_build(ra_example(), &s, &d, b, sizeof(scapy_ra) - 1, &len),
		  DMM_ND_E_NOSPACE);
	assert_int_equal(len, sizeof(scapy_ra));
	assert_rc(dmm_nd_build(ra_example(), &s, &d, NULL, 0, &len), DMM_ND_E_NOSPACE);
	assert_int_equal(len, sizeof(scapy_ra));
	assert_rc(dmm_nd_build(ra_example(), &s, &d, b, sizeof(scapy_ra), &len), 0);
}

static void test_build_refuses_options_the_type_does_not_carry(void **state)
{
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;
	struct dmm_nd_msg *m;

	(void)state;
	m = msg(DMM_ND_NS);
	m->target = ip("fe80::1");
	m->has_tlla = true;
	m->tlla = mac("02:00:00:00:00:01");
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_OPT);
	m = msg(DMM_ND_NA);
	m->has_slla = true;
	m->slla = mac("02:00:00:00:00:01");
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_OPT);
	m = msg(DMM_ND_RS);
	m->n_pio = 1;
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_BAD_OPT);
	m = msg(DMM_ND_RS);
	m->has_slla = true; /* length 0 */
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_OPT_BAD_LEN);
	m = msg(DMM_ND_RA);
	m->n_pio = DMM_ND_MAX_PIO + 1;
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_TOO_MANY);
	m = msg(DMM_ND_NS);
	m->target = ip("ff02::1");
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), DMM_ND_E_TARGET_MULTICAST);
}

static void test_build_and_parse_want_both_addresses_or_neither(void **state)
{
	static struct dmm_nd_msg got;
	uint8_t b[DMM_ND_BUILD_MAX];
	size_t len;
	struct dmm_ip6 s = ip("fe80::1");

	(void)state;
	assert_rc(dmm_nd_build(ra_example(), &s, NULL, b, sizeof(b), &len), DMM_ND_E_INVALID);
	assert_rc(dmm_nd_build(ra_example(), NULL, &s, b, sizeof(b), &len), DMM_ND_E_INVALID);
	assert_rc(dmm_nd_build(msg(7), NULL, NULL, b, sizeof(b), &len), DMM_ND_E_INVALID);
	assert_rc(dmm_nd_parse(scapy_ra, sizeof(scapy_ra), &s, NULL, 255, &got), DMM_ND_E_INVALID);
	assert_rc(dmm_nd_parse(NULL, 4, NULL, NULL, 255, &got), DMM_ND_E_INVALID);
}

static void test_lladdr_padded_to_8_octet_units_rfc4861_4_6_1(void **state)
{
	uint8_t b[DMM_ND_BUILD_MAX];
	struct dmm_nd_msg *m = msg(DMM_ND_RS);
	size_t len;

	(void)state;
	m->has_slla = true;
	m->slla.len = 8; /* EUI-64: 2 + 8 = 10 octets -> Length 2, 6 octets of padding */
	memset(m->slla.a, 0xab, 8);
	assert_rc(dmm_nd_build(m, NULL, NULL, b, sizeof(b), &len), 0);
	assert_int_equal(len, 8 + 16);
	assert_int_equal(b[9], 2);
	for (size_t i = 18; i < 24; i++)
		assert_int_equal(b[i], 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Text */

static void test_format_shows_every_field(void **state)
{
	char s[1024];
	struct dmm_nd_msg *m = ra_example();
	int n;

	(void)state;
	m->n_skipped = 2;
	n = dmm_nd_format(m, s, sizeof(s));
	assert_int_equal(n, (int)strlen(s));
	assert_string_equal(s,
			    "RA hl=64 flags=M prf=high lifetime=1800s reachable=30000ms "
			    "retrans=1000ms slla=02:00:00:00:00:01 mtu=1500 "
			    "pio=2001:db8:1::/64(L,A valid=86400 pref=14400) "
			    "rio=2001:db8:2::/48(low lifetime=600) rio=::/0(medium lifetime=inf) "
			    "rio=2001:db8:3::1/128(high lifetime=60) skipped=2");
	/* truncation still terminates and reports the full length */
	assert_int_equal(dmm_nd_format(m, s, 10), n);
	assert_int_equal(strlen(s), 9);
	m = msg(DMM_ND_NA);
	m->target = ip("fe80::1");
	dmm_nd_format(m, s, sizeof(s));
	assert_string_equal(s, "NA target=fe80::1 flags=-");
}

static void test_every_error_has_its_own_message(void **state)
{
	(void)state;
	for (int e = DMM_ND_E_INVALID; e <= DMM_ND_E_TRUNCATED; e++) {
		const char *s = dmm_nd_strerror(e);
		if (strcmp(s, "unknown error") == 0)
			fail_msg("code %d has no message", e);
		for (int f = e + 1; f <= DMM_ND_E_TRUNCATED; f++)
			if (strcmp(s, dmm_nd_strerror(f)) == 0)
				fail_msg("codes %d and %d share \"%s\"", e, f, s);
	}
	assert_string_equal(dmm_nd_strerror(-1), "unknown error");
}

static void test_solicited_node_prefix_is_ff02_1_ff00_104(void **state)
{
	struct dmm_ip6 a = ip("2001:db8::12:3456"), sn;

	(void)state;
	dmm_ip6_solicited_node(&a, &sn);
	assert_true(dmm_nd_is_solicited_node(&sn));
	assert_false(dmm_nd_is_solicited_node(&(struct dmm_ip6){{0xff, 0x02, [15] = 1}}));
	assert_false(
	    dmm_nd_is_solicited_node(&(struct dmm_ip6){{0xff, 0x05, [11] = 1, [12] = 0xff}}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ra_octets_match_scapy),
	    cmocka_unit_test(test_rio_length_3_for_short_prefixes_is_accepted_rfc4191_2_3),
	    cmocka_unit_test(test_ns_dad_octets_match_scapy),
	    cmocka_unit_test(test_na_octets_match_scapy),
	    cmocka_unit_test(test_rs_octets_match_scapy),
	    cmocka_unit_test(test_redirect_octets_match_scapy),
	    cmocka_unit_test(test_checksum_matches_independent_sum),
	    cmocka_unit_test(test_checksum_verifies_to_zero_and_detects_one_flipped_bit),
	    cmocka_unit_test(test_build_without_addresses_leaves_checksum_zero),
	    cmocka_unit_test(test_every_type_round_trips),
	    cmocka_unit_test(test_largest_ra_round_trips_and_fits_build_max),
	    cmocka_unit_test(test_D1_dlif_ra_with_deprecated_prefix_round_trips),
	    cmocka_unit_test(test_D3_rio_for_local_prefix_round_trips),
	    cmocka_unit_test(test_rio_built_with_shortest_length_1_2_3),
	    cmocka_unit_test(
		test_rio_with_length_wrong_for_prefix_is_ignored_not_an_error_rfc4191_2_3),
	    cmocka_unit_test(test_rio_with_reserved_preference_is_ignored_rfc4191_2_3),
	    cmocka_unit_test(test_rio_and_pio_host_bits_cleared_rfc4861_4_6_2),
	    cmocka_unit_test(test_pio_flags_and_lifetimes_round_trip),
	    cmocka_unit_test(test_pio_reserved_flag_bits_ignored_rfc4861_4_6_2),
	    cmocka_unit_test(
		test_pio_preferred_over_valid_ignored_on_parse_refused_on_build_rfc4862_5_5_3c),
	    cmocka_unit_test(test_pio_wrong_length_is_malformed_rfc4861_4_6_2),
	    cmocka_unit_test(test_prefix_length_over_128_rejected_rfc4861_4_6_2_rfc4191_2_3),
	    cmocka_unit_test(test_more_pio_or_rio_than_max_rejected),
	    cmocka_unit_test(test_ra_reserved_preference_read_as_medium_rfc4191_2_2),
	    cmocka_unit_test(test_ra_preference_ignored_with_router_lifetime_0_rfc4191_2_2),
	    cmocka_unit_test(test_shorter_than_type_minimum_rejected_rfc4861_6_1_7_1_8_1),
	    cmocka_unit_test(test_non_nd_type_reported_with_its_type),
	    cmocka_unit_test(test_code_not_0_rejected_rfc4861_6_1_1),
	    cmocka_unit_test(test_hop_limit_not_255_rejected_rfc4861_6_1_1),
	    cmocka_unit_test(test_option_length_0_rejected_rfc4861_6_1_1),
	    cmocka_unit_test(test_truncated_options_rejected_rfc4861_6_1_2),
	    cmocka_unit_test(test_ns_nd_target_multicast_rejected_rfc4861_7_1_1_7_1_2),
	    cmocka_unit_test(test_dad_ns_must_go_to_solicited_node_rfc4861_7_1_1),
	    cmocka_unit_test(test_unspecified_source_carries_no_slla_rfc4861_6_1_1_7_1_1),
	    cmocka_unit_test(test_na_to_multicast_must_not_be_solicited_rfc4861_7_1_2),
	    cmocka_unit_test(test_na_reserved_bits_ignored_rfc4861_4_4),
	    cmocka_unit_test(test_ra_source_must_be_link_local_rfc4861_6_1_2),
	    cmocka_unit_test(test_redirect_rules_rfc4861_8_1),
	    cmocka_unit_test(test_redirected_header_and_unknown_options_skipped_rfc4861_4_5),
	    cmocka_unit_test(test_unknown_and_misplaced_options_skipped_rfc4861_4_2),
	    cmocka_unit_test(test_duplicate_singleton_options_rejected),
	    cmocka_unit_test(test_fixed_size_options_with_wrong_length_rejected_rfc4861_4_6),
	    cmocka_unit_test(test_build_reports_needed_length_when_buffer_too_small),
	    cmocka_unit_test(test_build_refuses_options_the_type_does_not_carry),
	    cmocka_unit_test(test_build_and_parse_want_both_addresses_or_neither),
	    cmocka_unit_test(test_lladdr_padded_to_8_octet_units_rfc4861_4_6_1),
	    cmocka_unit_test(test_format_shows_every_field),
	    cmocka_unit_test(test_every_error_has_its_own_message),
	    cmocka_unit_test(test_solicited_node_prefix_is_ff02_1_ff00_104),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
