/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the Neighbour Discovery parser must reject, never crash, and whatever it
 * accepts must survive a round trip: parse -> build -> parse gives the same message (but for the
 * skipped/ignored counters, which only describe the input), and building that again gives the
 * same octets. Any difference abort()s.
 *
 * Input: one selector octet, then the ICMPv6 message. The selector's low 2 bits pick the IPv6
 * source and destination (so the address rules of RFC 4861 are exercised: RA from a link-local
 * source, NS from :: to a solicited-node address, NA to unicast or multicast); bit 7 picks Hop
 * Limit 64 instead of 255. test/fuzz/gen_nd_corpus.py writes seeds in this format. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmm_nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	struct dmm_ip6 src, dst;
} pairs[4] = {
    /* fe80::1 -> ff02::1 */
    {{{0xfe, 0x80, [15] = 1}}, {{0xff, 0x02, [15] = 1}}},
    /* fe80::1 -> fe80::2 */
    {{{0xfe, 0x80, [15] = 1}}, {{0xfe, 0x80, [15] = 2}}},
    /* :: -> ff02::1:ff00:2 */
    {{{0}}, {{0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2}}},
    /* 2001:db8::1 -> 2001:db8::2 */
    {{{0x20, 0x01, 0x0d, 0xb8, [15] = 1}}, {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}}},
};

/* m2 must equal m1 except for the counters, which a rebuilt message no longer has. */
static void check_same(const struct dmm_nd_msg *m1, const struct dmm_nd_msg *m2)
{
	static struct dmm_nd_msg c;

	if (m2->n_skipped != 0 || m2->n_ignored != 0)
		abort();
	memcpy(&c, m1, sizeof(c));
	c.n_skipped = 0;
	c.n_ignored = 0;
	if (memcmp(&c, m2, sizeof(c)) != 0)
		abort();
}

static void round_trip(const struct dmm_nd_msg *m1, const struct dmm_ip6 *src,
		       const struct dmm_ip6 *dst)
{
	static struct dmm_nd_msg m2;
	static uint8_t b1[DMM_ND_BUILD_MAX], b2[DMM_ND_BUILD_MAX];
	size_t l1, l2;

	if (dmm_nd_build(m1, src, dst, b1, sizeof(b1), &l1) != 0)
		abort();
	if (dmm_nd_parse(b1, l1, src, dst, DMM_ND_HOP_LIMIT, &m2) != 0)
		abort();
	check_same(m1, &m2);
	if (dmm_nd_build(&m2, src, dst, b2, sizeof(b2), &l2) != 0 || l2 != l1 ||
	    memcmp(b1, b2, l1) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmm_nd_msg m;
	static char line[8192];
	const struct dmm_ip6 *src, *dst;
	uint8_t hl;
	int rc;

	if (size < 1)
		return 0;
	src = &pairs[data[0] & 3].src;
	dst = &pairs[data[0] & 3].dst;
	hl = data[0] & 0x80 ? 64 : DMM_ND_HOP_LIMIT;
	data++;
	size--;

	/* without addresses: as if the kernel had verified the checksum */
	rc = dmm_nd_parse(data, size, NULL, NULL, hl, &m);
	if (strcmp(dmm_nd_strerror(rc), "unknown error") == 0)
		abort();
	if (rc == 0) {
		if (dmm_nd_format(&m, line, sizeof(line)) <= 0)
			abort();
		round_trip(&m, NULL, NULL);
	}
	/* with addresses: checksum and address rules */
	rc = dmm_nd_parse(data, size, src, dst, hl, &m);
	if (strcmp(dmm_nd_strerror(rc), "unknown error") == 0)
		abort();
	if (rc == 0)
		round_trip(&m, src, dst);
	return 0;
}
