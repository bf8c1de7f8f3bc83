/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the Mobility Header parser must reject, never crash, and whatever it
 * accepts must survive a round trip: parse -> build -> parse gives the same message, and
 * building that again gives the same octets. Any difference abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmm_mh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The addresses the seed corpus checksums are computed for (test/fuzz/gen_mh_corpus.py). */
static const struct dmm_ip6 src = {{0x20, 0x01, 0x0d, 0xb8, 0, 0xff, [15] = 0x0c}}; /* ff::c */
static const struct dmm_ip6 dst = {{0x20, 0x01, 0x0d, 0xb8, 0, 0x02, [15] = 0x01}}; /* 2::1 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmm_mh_msg m1, m2;
	static uint8_t b1[DMM_MH_MAX_LEN], b2[DMM_MH_MAX_LEN];
	static char line[16384];
	size_t l1, l2;
	int rc;

	/* with addresses: the checksum is verified */
	rc = dmm_mh_parse(data, size, &src, &dst, &m1);
	if (dmm_mh_strerror(rc) == NULL)
		abort();
	/* without: as if the kernel had verified it */
	rc = dmm_mh_parse(data, size, NULL, NULL, &m1);
	if (rc < 0)
		return 0;
	if (dmm_mh_format(&m1, line, sizeof(line)) <= 0)
		abort();

	rc = dmm_mh_build(&m1, &src, &dst, b1, sizeof(b1), &l1);
	/* The parser accepts options at any alignment; re-padding a tightly packed 2048-octet
	 * input can legitimately exceed the maximum. */
	if (rc == DMM_MH_E_TOO_BIG)
		return 0;
	if (rc != 0 || l1 % 8 != 0)
		abort();
	if (dmm_mh_parse(b1, l1, &src, &dst, &m2) != 0)
		abort();
	if (memcmp(&m1, &m2, sizeof(m1)) != 0)
		abort();
	if (dmm_mh_build(&m2, &src, &dst, b2, sizeof(b2), &l2) != 0 || l2 != l1 ||
	    memcmp(b1, b2, l1) != 0)
		abort();
	return 0;
}
