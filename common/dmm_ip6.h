/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 address and prefix helpers shared by every layer (no DPDK, no sockets). */
#ifndef DMM_IP6_H
#define DMM_IP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DMM_IP6_LEN    16
#define DMM_MAC_LEN    6
#define DMM_IP6_STRLEN 46 /* INET6_ADDRSTRLEN */
#define DMM_PFX_STRLEN 50 /* address + "/128" */
#define DMM_MAC_STRLEN 18

struct dmm_ip6 {
	uint8_t a[DMM_IP6_LEN];
};

struct dmm_prefix {
	struct dmm_ip6 addr; /* bits past len are always zero */
	uint8_t len;
};

struct dmm_mac {
	uint8_t a[DMM_MAC_LEN];
};

/* Parse "2001:db8::1". Returns 0 or -EINVAL. */
int dmm_ip6_parse(const char *s, struct dmm_ip6 *out);
/* Parse "2001:db8::/48". Host bits set past the length are an error (-EDOM): a
 * prefix written with host bits is almost always a typo in a config. */
int dmm_prefix_parse(const char *s, struct dmm_prefix *out);
/* Parse "02:00:00:00:00:01". */
int dmm_mac_parse(const char *s, struct dmm_mac *out);

const char *dmm_ip6_fmt(const struct dmm_ip6 *a, char buf[DMM_IP6_STRLEN]);
const char *dmm_prefix_fmt(const struct dmm_prefix *p, char buf[DMM_PFX_STRLEN]);
const char *dmm_mac_fmt(const struct dmm_mac *m, char buf[DMM_MAC_STRLEN]);

/* Zero the bits of a past len. */
void dmm_ip6_mask(struct dmm_ip6 *a, unsigned len);
/* True if a lies inside p. */
bool dmm_prefix_contains(const struct dmm_prefix *p, const struct dmm_ip6 *a);
/* True if the two prefixes share any address. */
bool dmm_prefix_overlap(const struct dmm_prefix *x, const struct dmm_prefix *y);

static inline bool dmm_ip6_eq(const struct dmm_ip6 *x, const struct dmm_ip6 *y)
{
	return memcmp(x->a, y->a, DMM_IP6_LEN) == 0;
}
static inline bool dmm_ip6_is_zero(const struct dmm_ip6 *x)
{
	static const struct dmm_ip6 zero;
	return dmm_ip6_eq(x, &zero);
}
static inline bool dmm_ip6_is_multicast(const struct dmm_ip6 *x)
{
	return x->a[0] == 0xff;
}
static inline bool dmm_ip6_is_linklocal(const struct dmm_ip6 *x)
{
	return x->a[0] == 0xfe && (x->a[1] & 0xc0) == 0x80;
}
static inline bool dmm_mac_is_zero(const struct dmm_mac *m)
{
	return (m->a[0] | m->a[1] | m->a[2] | m->a[3] | m->a[4] | m->a[5]) == 0;
}
static inline bool dmm_mac_is_multicast(const struct dmm_mac *m)
{
	return m->a[0] & 1;
}

/* The upper 64 bits of an address, host order: the key of every /64 MN prefix table. */
static inline uint64_t dmm_ip6_hi64(const uint8_t a[DMM_IP6_LEN])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | a[i];
	return v;
}

/* fe80::/64 + modified EUI-64 of mac (RFC 4291 appendix A). */
void dmm_ip6_linklocal_from_mac(const struct dmm_mac *m, struct dmm_ip6 *out);
/* ff02::1:ffXX:XXXX, RFC 4291 §2.7.1. */
/* Internet checksum (RFC 1071) of the IPv6 pseudo-header (RFC 8200 §8.1: source,
 * destination, 32-bit upper-layer length, next header) followed by the len octets at data as
 * they are. With the checksum field zeroed this is the value to store; over a received
 * message with its checksum in place it is 0 iff valid. Shared by the MH (135) and ICMPv6 (58)
 * codecs. */
uint16_t dmm_ip6_cksum(const struct dmm_ip6 *src, const struct dmm_ip6 *dst, uint8_t next_header,
		       const uint8_t *data, size_t len);

void dmm_ip6_solicited_node(const struct dmm_ip6 *a, struct dmm_ip6 *out);
/* 33:33 + low 32 bits, RFC 2464 §7. */
void dmm_mac_from_ip6_multicast(const struct dmm_ip6 *a, struct dmm_mac *out);

#endif
