/* SPDX-License-Identifier: BSD-3-Clause */
#include "dmm_ip6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int dmm_ip6_parse(const char *s, struct dmm_ip6 *out)
{
	if (s == NULL || inet_pton(AF_INET6, s, out->a) != 1)
		return -EINVAL;
	return 0;
}

int dmm_prefix_parse(const char *s, struct dmm_prefix *out)
{
	char buf[DMM_PFX_STRLEN];
	const char *slash;
	char *end;
	long len;
	size_t n;

	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (dmm_ip6_parse(buf, &out->addr) < 0)
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0 || len > 128 || slash[1] == '-' ||
	    slash[1] == '+')
		return -EINVAL;
	out->len = (uint8_t)len;
	struct dmm_ip6 m = out->addr;
	dmm_ip6_mask(&m, out->len);
	if (!dmm_ip6_eq(&m, &out->addr))
		return -EDOM;
	return 0;
}

int dmm_mac_parse(const char *s, struct dmm_mac *out)
{
	unsigned v[DMM_MAC_LEN];
	char tail;

	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < DMM_MAC_LEN; i++) {
		if (s[i * 3] == '-' || s[i * 3] == '+' || s[i * 3] == ' ')
			return -EINVAL;
		out->a[i] = (uint8_t)v[i];
	}
	return 0;
}

const char *dmm_ip6_fmt(const struct dmm_ip6 *a, char buf[DMM_IP6_STRLEN])
{
	if (inet_ntop(AF_INET6, a->a, buf, DMM_IP6_STRLEN) == NULL)
		snprintf(buf, DMM_IP6_STRLEN, "?");
	return buf;
}

const char *dmm_prefix_fmt(const struct dmm_prefix *p, char buf[DMM_PFX_STRLEN])
{
	char a[DMM_IP6_STRLEN];
	snprintf(buf, DMM_PFX_STRLEN, "%s/%u", dmm_ip6_fmt(&p->addr, a), p->len);
	return buf;
}

const char *dmm_mac_fmt(const struct dmm_mac *m, char buf[DMM_MAC_STRLEN])
{
	snprintf(buf, DMM_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->a[0], m->a[1], m->a[2],
		 m->a[3], m->a[4], m->a[5]);
	return buf;
}

void dmm_ip6_mask(struct dmm_ip6 *a, unsigned len)
{
	for (unsigned i = 0; i < DMM_IP6_LEN; i++) {
		unsigned bit = i * 8;
		if (bit >= len)
			a->a[i] = 0;
		else if (len - bit < 8)
			a->a[i] &= (uint8_t)(0xff << (8 - (len - bit)));
	}
}

bool dmm_prefix_contains(const struct dmm_prefix *p, const struct dmm_ip6 *a)
{
	struct dmm_ip6 m = *a;
	dmm_ip6_mask(&m, p->len);
	return dmm_ip6_eq(&m, &p->addr);
}

bool dmm_prefix_overlap(const struct dmm_prefix *x, const struct dmm_prefix *y)
{
	/* Two prefixes overlap iff the shorter one contains the other's address. */
	return x->len <= y->len ? dmm_prefix_contains(x, &y->addr)
				: dmm_prefix_contains(y, &x->addr);
}

void dmm_ip6_linklocal_from_mac(const struct dmm_mac *m, struct dmm_ip6 *out)
{
	memset(out, 0, sizeof(*out));
	out->a[0] = 0xfe;
	out->a[1] = 0x80;
	out->a[8] = m->a[0] ^ 0x02;
	out->a[9] = m->a[1];
	out->a[10] = m->a[2];
	out->a[11] = 0xff;
	out->a[12] = 0xfe;
	out->a[13] = m->a[3];
	out->a[14] = m->a[4];
	out->a[15] = m->a[5];
}

void dmm_ip6_solicited_node(const struct dmm_ip6 *a, struct dmm_ip6 *out)
{
	static const uint8_t base[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	memcpy(out->a, base, sizeof(base));
	memcpy(out->a + 13, a->a + 13, 3);
}

void dmm_mac_from_ip6_multicast(const struct dmm_ip6 *a, struct dmm_mac *out)
{
	out->a[0] = 0x33;
	out->a[1] = 0x33;
	memcpy(out->a + 2, a->a + 12, 4);
}

static uint64_t sum16(uint64_t s, const uint8_t *p, size_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (n != 0)
		s += (uint32_t)p[0] << 8;
	return s;
}

uint16_t dmm_ip6_cksum(const struct dmm_ip6 *src, const struct dmm_ip6 *dst, uint8_t next_header,
		       const uint8_t *data, size_t len)
{
	uint64_t s = 0;

	s = sum16(s, src->a, DMM_IP6_LEN);
	s = sum16(s, dst->a, DMM_IP6_LEN);
	s += (uint64_t)len >> 16;
	s += (uint64_t)len & 0xffff;
	s += next_header;
	s = sum16(s, data, len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
