/* SPDX-License-Identifier: BSD-3-Clause */
/* Neighbour Discovery codec; the wire rules and the choices made are described in dmm_nd.h. */
#include "dmm_nd.h"
#include "dmm_wr.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Checksum */

uint16_t dmm_nd_checksum(const struct dmm_ip6 *src, const struct dmm_ip6 *dst, const uint8_t *msg,
			 size_t len)
{
	return dmm_ip6_cksum(src, dst, DMM_ND_IPPROTO, msg, len);
}

bool dmm_nd_is_solicited_node(const struct dmm_ip6 *a)
{
	static const uint8_t pfx[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	return memcmp(a->a, pfx, sizeof(pfx)) == 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Rules shared by build and parse */

/* Fixed part (ICMPv6 header included) of each type, RFC 4861 §4.1-4.5; 0 = not ND. */
static size_t min_len(uint8_t type)
{
	switch (type) {
	case DMM_ND_RS:
		return 8;
	case DMM_ND_RA:
		return 16;
	case DMM_ND_NS:
	case DMM_ND_NA:
		return 24;
	case DMM_ND_REDIRECT:
		return 40;
	default:
		return 0;
	}
}

/* Option types each message defines (RFC 4861 §4.1-4.5, RFC 4191 §2.3 for the RIO). */
static bool opt_allowed(uint8_t type, uint8_t opt)
{
	switch (opt) {
	case DMM_ND_OPT_SLLA:
		return type == DMM_ND_RS || type == DMM_ND_RA || type == DMM_ND_NS;
	case DMM_ND_OPT_TLLA:
		return type == DMM_ND_NA || type == DMM_ND_REDIRECT;
	case DMM_ND_OPT_PIO:
	case DMM_ND_OPT_MTU:
	case DMM_ND_OPT_RIO:
		return type == DMM_ND_RA;
	default:
		return false;
	}
}

/* Step 7 of the header comment: rules on the fixed fields and the IPv6 addresses. */
static int check_fixed(const struct dmm_nd_msg *m, const struct dmm_ip6 *src,
		       const struct dmm_ip6 *dst)
{
	switch (m->type) {
	case DMM_ND_RA:
		/* RFC 4861 §6.1.2: routers send RAs from their link-local address. */
		if (src != NULL && !dmm_ip6_is_linklocal(src))
			return DMM_ND_E_SRC_NOT_LL;
		break;
	case DMM_ND_NS:
		/* RFC 4861 §7.1.1. */
		if (dmm_ip6_is_multicast(&m->target))
			return DMM_ND_E_TARGET_MULTICAST;
		if (src != NULL && dmm_ip6_is_zero(src) && !dmm_nd_is_solicited_node(dst))
			return DMM_ND_E_DAD_DST;
		break;
	case DMM_ND_NA:
		/* RFC 4861 §7.1.2. */
		if (dmm_ip6_is_multicast(&m->target))
			return DMM_ND_E_TARGET_MULTICAST;
		if (dst != NULL && dmm_ip6_is_multicast(dst) && (m->na_flags & DMM_ND_NA_S))
			return DMM_ND_E_SOLICITED_MCAST;
		break;
	case DMM_ND_REDIRECT:
		/* RFC 4861 §8.1. */
		if (src != NULL && !dmm_ip6_is_linklocal(src))
			return DMM_ND_E_SRC_NOT_LL;
		if (dmm_ip6_is_multicast(&m->target))
			return DMM_ND_E_TARGET_MULTICAST;
		if (!dmm_ip6_is_linklocal(&m->target) && !dmm_ip6_eq(&m->target, &m->dest))
			return DMM_ND_E_REDIRECT_TARGET;
		if (dmm_ip6_is_multicast(&m->dest))
			return DMM_ND_E_REDIRECT_DST;
		break;
	default:
		break;
	}
	return 0;
}

/* Step 8's rules that depend on options: RFC 4861 §6.1.1 (RS) and §7.1.1 (NS). */
static int check_unspec_src(const struct dmm_nd_msg *m, const struct dmm_ip6 *src)
{
	if (src != NULL && dmm_ip6_is_zero(src) && m->has_slla &&
	    (m->type == DMM_ND_RS || m->type == DMM_ND_NS))
		return DMM_ND_E_UNSPEC_SLLA;
	return 0;
}

/* Everything the parser would refuse, normalise or ignore is refused here, so that a message
 * that builds parses back to the same struct. */
static int validate(const struct dmm_nd_msg *m, const struct dmm_ip6 *src,
		    const struct dmm_ip6 *dst)
{
	int rc;

	if (min_len(m->type) == 0)
		return DMM_ND_E_INVALID;
	if ((m->has_slla && !opt_allowed(m->type, DMM_ND_OPT_SLLA)) ||
	    (m->has_tlla && !opt_allowed(m->type, DMM_ND_OPT_TLLA)) ||
	    ((m->has_mtu || m->n_pio != 0 || m->n_rio != 0) && m->type != DMM_ND_RA))
		return DMM_ND_E_BAD_OPT;
	if ((m->has_slla && (m->slla.len == 0 || m->slla.len > DMM_ND_LLADDR_MAX)) ||
	    (m->has_tlla && (m->tlla.len == 0 || m->tlla.len > DMM_ND_LLADDR_MAX)))
		return DMM_ND_E_OPT_BAD_LEN;
	if (m->n_pio > DMM_ND_MAX_PIO || m->n_rio > DMM_ND_MAX_RIO)
		return DMM_ND_E_TOO_MANY;
	for (unsigned i = 0; i < m->n_pio; i++) {
		if (m->pio[i].prefix.len > 128)
			return DMM_ND_E_BAD_PREFIX_LEN;
		/* RFC 4861 §4.6.2 + RFC 4862 §5.5.3 c: a receiver ignores such a PIO. */
		if (m->pio[i].preferred_s > m->pio[i].valid_s)
			return DMM_ND_E_LIFETIMES;
	}
	for (unsigned i = 0; i < m->n_rio; i++) {
		if (m->rio[i].prefix.len > 128)
			return DMM_ND_E_BAD_PREFIX_LEN;
		if (m->rio[i].prf > 3 || m->rio[i].prf == DMM_ND_PRF_RESERVED)
			return DMM_ND_E_BAD_PRF; /* RFC 4191 §2.1: MUST NOT be sent */
	}
	if (m->type == DMM_ND_RA) {
		uint8_t prf = dmm_nd_ra_prf(&m->ra);
		/* RFC 4191 §2.2: Prf 10 MUST NOT be sent; with lifetime 0 it MUST be 00. */
		if (prf == DMM_ND_PRF_RESERVED || (prf != 0 && m->ra.router_lifetime_s == 0))
			return DMM_ND_E_BAD_PRF;
	}
	if ((rc = check_fixed(m, src, dst)) < 0)
		return rc;
	return check_unspec_src(m, src);
}

/* ---------------------------------------------------------------------------------------- */
/* Build */

static void zeros(struct dmm_wr *w, size_t n)
{
	static const uint8_t z[DMM_ND_LLADDR_MAX];

	dmm_wr_put(w, z, n);
}

/* Link-layer address option (RFC 4861 §4.6.1): the address, zero-padded to 8-octet units. */
static void put_lladdr(struct dmm_wr *w, uint8_t type, const struct dmm_nd_lladdr *l)
{
	size_t units = (2u + l->len + 7) / 8;

	dmm_wr_u8(w, type);
	dmm_wr_u8(w, (uint8_t)units);
	dmm_wr_put(w, l->a, l->len);
	zeros(w, units * 8 - 2 - l->len);
}

static void put_prefix(struct dmm_wr *w, const struct dmm_prefix *p, size_t octets)
{
	struct dmm_ip6 a = p->addr;

	dmm_ip6_mask(&a, p->len); /* RFC 4861 §4.6.2: bits past the length are sent as 0 */
	dmm_wr_put(w, a.a, octets);
}

static void put_pio(struct dmm_wr *w, const struct dmm_nd_pio *p)
{
	dmm_wr_u8(w, DMM_ND_OPT_PIO);
	dmm_wr_u8(w, 4);
	dmm_wr_u8(w, p->prefix.len);
	dmm_wr_u8(w, p->flags & (uint8_t)~DMM_ND_PIO_RESERVED);
	dmm_wr_u32(w, p->valid_s);
	dmm_wr_u32(w, p->preferred_s);
	dmm_wr_u32(w, 0); /* Reserved2 */
	put_prefix(w, &p->prefix, DMM_IP6_LEN);
}

/* RFC 4191 §2.3: the shortest Length that holds the prefix: 1 for ::/0, 2 up to /64, else 3. */
static uint8_t rio_units(uint8_t plen)
{
	return plen == 0 ? 1 : plen <= 64 ? 2 : 3;
}

static void put_rio(struct dmm_wr *w, const struct dmm_nd_rio *r)
{
	uint8_t units = rio_units(r->prefix.len);

	dmm_wr_u8(w, DMM_ND_OPT_RIO);
	dmm_wr_u8(w, units);
	dmm_wr_u8(w, r->prefix.len);
	dmm_wr_u8(w, (uint8_t)(r->prf << DMM_ND_RA_PRF_SHIFT)); /* same bit position as in the RA */
	dmm_wr_u32(w, r->lifetime_s);
	put_prefix(w, &r->prefix, (units - 1u) * 8);
}

int dmm_nd_build(const struct dmm_nd_msg *m, const struct dmm_ip6 *src, const struct dmm_ip6 *dst,
		 uint8_t *buf, size_t cap, size_t *len)
{
	struct dmm_wr w = {.b = buf, .cap = cap};
	int rc;

	if (m == NULL || len == NULL || (buf == NULL && cap != 0) || (src == NULL) != (dst == NULL))
		return DMM_ND_E_INVALID;
	if ((rc = validate(m, src, dst)) < 0)
		return rc;
	dmm_wr_u8(&w, m->type);
	dmm_wr_u8(&w, 0);  /* Code */
	dmm_wr_u16(&w, 0); /* Checksum, filled below */
	switch (m->type) {
	case DMM_ND_RS:
		dmm_wr_u32(&w, 0);
		break;
	case DMM_ND_RA:
		dmm_wr_u8(&w, m->ra.cur_hop_limit);
		dmm_wr_u8(&w, m->ra.flags & (uint8_t)~DMM_ND_RA_RESERVED);
		dmm_wr_u16(&w, m->ra.router_lifetime_s);
		dmm_wr_u32(&w, m->ra.reachable_ms);
		dmm_wr_u32(&w, m->ra.retrans_ms);
		break;
	case DMM_ND_NS:
		dmm_wr_u32(&w, 0);
		dmm_wr_put(&w, m->target.a, DMM_IP6_LEN);
		break;
	case DMM_ND_NA:
		dmm_wr_u8(&w, m->na_flags & (uint8_t)~DMM_ND_NA_RESERVED);
		zeros(&w, 3);
		dmm_wr_put(&w, m->target.a, DMM_IP6_LEN);
		break;
	case DMM_ND_REDIRECT:
		dmm_wr_u32(&w, 0);
		dmm_wr_put(&w, m->target.a, DMM_IP6_LEN);
		dmm_wr_put(&w, m->dest.a, DMM_IP6_LEN);
		break;
	}
	if (m->has_slla)
		put_lladdr(&w, DMM_ND_OPT_SLLA, &m->slla);
	if (m->has_tlla)
		put_lladdr(&w, DMM_ND_OPT_TLLA, &m->tlla);
	if (m->has_mtu) {
		dmm_wr_u8(&w, DMM_ND_OPT_MTU);
		dmm_wr_u8(&w, 1);
		dmm_wr_u16(&w, 0);
		dmm_wr_u32(&w, m->mtu);
	}
	for (unsigned i = 0; i < m->n_pio; i++)
		put_pio(&w, &m->pio[i]);
	for (unsigned i = 0; i < m->n_rio; i++)
		put_rio(&w, &m->rio[i]);
	*len = w.off;
	if (w.off > cap)
		return DMM_ND_E_NOSPACE;
	if (src != NULL) {
		uint16_t c = dmm_nd_checksum(src, dst, buf, w.off);
		buf[DMM_ND_CKSUM_OFF] = (uint8_t)(c >> 8);
		buf[DMM_ND_CKSUM_OFF + 1] = (uint8_t)c;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Parse */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Step 6: every option has Length > 0 and lies inside the message (RFC 4861 §6.1, §7.1). */
static int check_framing(const uint8_t *b, size_t off, size_t end)
{
	while (off < end) {
		size_t l;

		if (end - off < 2)
			return DMM_ND_E_OPT_TRUNCATED;
		l = (size_t)b[off + 1] * 8;
		if (l == 0)
			return DMM_ND_E_OPT_ZERO_LEN;
		if (l > end - off)
			return DMM_ND_E_OPT_TRUNCATED;
		off += l;
	}
	return 0;
}

static int get_lladdr(const uint8_t *o, size_t l, bool *has, struct dmm_nd_lladdr *out)
{
	if (l > 3 * 8)
		return DMM_ND_E_OPT_BAD_LEN;
	if (*has)
		return DMM_ND_E_OPT_DUPLICATE;
	*has = true;
	out->len = (uint8_t)(l - 2);
	memcpy(out->a, o + 2, out->len);
	return 0;
}

/* Prefix Length and as many prefix octets as the option carries; bits past the Prefix Length
 * MUST be ignored (RFC 4861 §4.6.2, RFC 4191 §2.3): they are cleared. */
static void get_prefix(uint8_t plen, const uint8_t *p, size_t octets, struct dmm_prefix *out)
{
	out->len = plen;
	memcpy(out->addr.a, p, octets);
	dmm_ip6_mask(&out->addr, plen);
}

static int get_pio(const uint8_t *o, size_t l, struct dmm_nd_msg *m)
{
	struct dmm_nd_pio *p;
	uint32_t valid, preferred;

	if (l != 32)
		return DMM_ND_E_OPT_BAD_LEN;
	valid = get32(o + 4);
	preferred = get32(o + 8);
	if (o[2] > 128)
		return DMM_ND_E_BAD_PREFIX_LEN;
	if (preferred > valid) {
		m->n_ignored++; /* RFC 4862 §5.5.3 c: "silently ignore" */
		return 0;
	}
	if (m->n_pio >= DMM_ND_MAX_PIO)
		return DMM_ND_E_TOO_MANY;
	p = &m->pio[m->n_pio++];
	p->flags = o[3] & (uint8_t)~DMM_ND_PIO_RESERVED;
	p->valid_s = valid;
	p->preferred_s = preferred;
	get_prefix(o[2], o + 16, DMM_IP6_LEN, &p->prefix);
	return 0;
}

static int get_rio(const uint8_t *o, size_t l, struct dmm_nd_msg *m)
{
	size_t units = l / 8;
	uint8_t plen = o[2], prf = (o[3] & DMM_ND_RA_PRF_MASK) >> DMM_ND_RA_PRF_SHIFT;
	struct dmm_nd_rio *r;

	if (plen > 128)
		return DMM_ND_E_BAD_PREFIX_LEN;
	/* RFC 4191 §2.3: Length 1..3; 3 when the prefix is longer than 64, at least 2 when > 0.
	 * Prf 10: "the Route Information Option MUST be ignored". */
	if (units > 3 || (plen > 64 && units < 3) || (plen > 0 && units < 2) ||
	    prf == DMM_ND_PRF_RESERVED) {
		m->n_ignored++;
		return 0;
	}
	if (m->n_rio >= DMM_ND_MAX_RIO)
		return DMM_ND_E_TOO_MANY;
	r = &m->rio[m->n_rio++];
	r->prf = prf;
	r->lifetime_s = get32(o + 4);
	get_prefix(plen, o + 8, (units - 1) * 8, &r->prefix);
	return 0;
}

/* One option of l octets (Type and Length included), already framed. */
static int parse_opt(const uint8_t *o, size_t l, struct dmm_nd_msg *m)
{
	if (!opt_allowed(m->type, o[0])) {
		m->n_skipped++; /* RFC 4861 §4.1-4.5: ignore what is not recognised */
		return 0;
	}
	switch (o[0]) {
	case DMM_ND_OPT_SLLA:
		return get_lladdr(o, l, &m->has_slla, &m->slla);
	case DMM_ND_OPT_TLLA:
		return get_lladdr(o, l, &m->has_tlla, &m->tlla);
	case DMM_ND_OPT_MTU:
		if (l != 8)
			return DMM_ND_E_OPT_BAD_LEN;
		if (m->has_mtu)
			return DMM_ND_E_OPT_DUPLICATE;
		m->has_mtu = true;
		m->mtu = get32(o + 4);
		return 0;
	case DMM_ND_OPT_PIO:
		return get_pio(o, l, m);
	case DMM_ND_OPT_RIO:
		return get_rio(o, l, m);
	default:
		return 0; /* not reached: opt_allowed() knows only the types above */
	}
}

int dmm_nd_parse(const uint8_t *buf, size_t len, const struct dmm_ip6 *src,
		 const struct dmm_ip6 *dst, uint8_t hop_limit, struct dmm_nd_msg *m)
{
	size_t min, off;
	int rc;

	if (m == NULL || (buf == NULL && len != 0) || (src == NULL) != (dst == NULL))
		return DMM_ND_E_INVALID;
	memset(m, 0, sizeof(*m));
	if (len < 4)
		return DMM_ND_E_TRUNCATED;
	m->type = buf[0];
	min = min_len(m->type);
	if (min == 0)
		return DMM_ND_E_UNKNOWN_TYPE;
	if (len < min)
		return DMM_ND_E_TRUNCATED;
	if (buf[1] != 0)
		return DMM_ND_E_BAD_CODE;
	if (src != NULL && dmm_nd_checksum(src, dst, buf, len) != 0)
		return DMM_ND_E_BAD_CHECKSUM;
	if (hop_limit != DMM_ND_HOP_LIMIT)
		return DMM_ND_E_HOP_LIMIT;
	if ((rc = check_framing(buf, min, len)) < 0)
		return rc;

	switch (m->type) {
	case DMM_ND_RA:
		m->ra.cur_hop_limit = buf[4];
		m->ra.flags = buf[5] & (uint8_t)~DMM_ND_RA_RESERVED;
		m->ra.router_lifetime_s = get16(buf + 6);
		m->ra.reachable_ms = get32(buf + 8);
		m->ra.retrans_ms = get32(buf + 12);
		/* RFC 4191 §2.2: Prf 10 is read as 00, and ignored when the lifetime is 0. */
		if (dmm_nd_ra_prf(&m->ra) == DMM_ND_PRF_RESERVED || m->ra.router_lifetime_s == 0)
			m->ra.flags &= (uint8_t)~DMM_ND_RA_PRF_MASK;
		break;
	case DMM_ND_NA:
		m->na_flags = buf[4] & (uint8_t)~DMM_ND_NA_RESERVED;
		/* fallthrough */
	case DMM_ND_NS:
		memcpy(m->target.a, buf + 8, DMM_IP6_LEN);
		break;
	case DMM_ND_REDIRECT:
		memcpy(m->target.a, buf + 8, DMM_IP6_LEN);
		memcpy(m->dest.a, buf + 24, DMM_IP6_LEN);
		break;
	default:
		break;
	}
	if ((rc = check_fixed(m, src, dst)) < 0)
		return rc;
	for (off = min; off < len; off += (size_t)buf[off + 1] * 8)
		if ((rc = parse_opt(buf + off, (size_t)buf[off + 1] * 8, m)) < 0)
			return rc;
	return check_unspec_src(m, src);
}

/* ---------------------------------------------------------------------------------------- */
/* Text */

const char *dmm_nd_strerror(int err)
{
	switch (err) {
	case DMM_ND_OK:
		return "ok";
	case DMM_ND_E_TRUNCATED:
		return "shorter than the type's minimum";
	case DMM_ND_E_UNKNOWN_TYPE:
		return "not a neighbour discovery type";
	case DMM_ND_E_BAD_CODE:
		return "code not 0";
	case DMM_ND_E_BAD_CHECKSUM:
		return "bad checksum";
	case DMM_ND_E_HOP_LIMIT:
		return "hop limit not 255";
	case DMM_ND_E_OPT_ZERO_LEN:
		return "option with length 0";
	case DMM_ND_E_OPT_TRUNCATED:
		return "option past the end of the message";
	case DMM_ND_E_TARGET_MULTICAST:
		return "multicast target address";
	case DMM_ND_E_DAD_DST:
		return "solicitation from :: not to a solicited-node address";
	case DMM_ND_E_UNSPEC_SLLA:
		return "source link-layer address option from ::";
	case DMM_ND_E_SOLICITED_MCAST:
		return "solicited advertisement to a multicast address";
	case DMM_ND_E_SRC_NOT_LL:
		return "source not link-local";
	case DMM_ND_E_REDIRECT_TARGET:
		return "redirect target neither link-local nor the destination";
	case DMM_ND_E_REDIRECT_DST:
		return "redirect destination is multicast";
	case DMM_ND_E_OPT_BAD_LEN:
		return "wrong option length";
	case DMM_ND_E_OPT_DUPLICATE:
		return "duplicate option";
	case DMM_ND_E_BAD_PREFIX_LEN:
		return "prefix length over 128";
	case DMM_ND_E_TOO_MANY:
		return "too many prefix or route options";
	case DMM_ND_E_NOSPACE:
		return "buffer too small";
	case DMM_ND_E_LIFETIMES:
		return "preferred lifetime over valid lifetime";
	case DMM_ND_E_BAD_PRF:
		return "reserved or meaningless preference";
	case DMM_ND_E_BAD_OPT:
		return "option not defined for this message type";
	case DMM_ND_E_INVALID:
		return "invalid argument";
	default:
		return "unknown error";
	}
}

struct out {
	char *buf;
	size_t cap;
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void out(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(o->n < o->cap ? o->buf + o->n : NULL, o->n < o->cap ? o->cap - o->n : 0, fmt,
		      ap);
	va_end(ap);
	if (r > 0)
		o->n += (size_t)r;
}

static void out_flags(struct out *o, const char *key, unsigned v, const char *const names[8])
{
	const char *sep = "";

	out(o, "%s", key);
	for (unsigned i = 0; i < 8; i++) {
		if (!(v & (0x80u >> i)) || names[i] == NULL)
			continue;
		out(o, "%s%s", sep, names[i]);
		sep = ",";
	}
	if (*sep == '\0')
		out(o, "-");
}

static void out_lladdr(struct out *o, const char *key, const struct dmm_nd_lladdr *l)
{
	out(o, "%s", key);
	for (unsigned i = 0; i < l->len && i < DMM_ND_LLADDR_MAX; i++)
		out(o, i ? ":%02x" : "%02x", l->a[i]);
}

static void out_addr(struct out *o, const char *key, const struct dmm_ip6 *a)
{
	char s[DMM_IP6_STRLEN];

	out(o, "%s%s", key, dmm_ip6_fmt(a, s));
}

static void out_lifetime(struct out *o, const char *key, uint32_t v)
{
	if (v == DMM_ND_INFINITE)
		out(o, "%sinf", key);
	else
		out(o, "%s%" PRIu32, key, v);
}

static const char *prf_name(uint8_t prf)
{
	static const char *const names[4] = {"medium", "high", "reserved", "low"};

	return names[prf & 3];
}

int dmm_nd_format(const struct dmm_nd_msg *m, char *buf, size_t cap)
{
	static const char *const ra_flags[8] = {"M", "O", "H", NULL, NULL, "P", NULL, NULL};
	static const char *const na_flags[8] = {"R", "S", "O"};
	static const char *const pio_flags[8] = {"L", "A", "R"};
	struct out o = {buf, cap, 0};
	char s[DMM_PFX_STRLEN];

	if (cap > 0)
		buf[0] = '\0';
	switch (m->type) {
	case DMM_ND_RS:
		out(&o, "RS");
		break;
	case DMM_ND_RA:
		out(&o, "RA hl=%u", m->ra.cur_hop_limit);
		out_flags(&o, " flags=", m->ra.flags, ra_flags);
		out(&o, " prf=%s lifetime=%us reachable=%" PRIu32 "ms retrans=%" PRIu32 "ms",
		    prf_name(dmm_nd_ra_prf(&m->ra)), m->ra.router_lifetime_s, m->ra.reachable_ms,
		    m->ra.retrans_ms);
		break;
	case DMM_ND_NS:
		out_addr(&o, "NS target=", &m->target);
		break;
	case DMM_ND_NA:
		out_addr(&o, "NA target=", &m->target);
		out_flags(&o, " flags=", m->na_flags, na_flags);
		break;
	case DMM_ND_REDIRECT:
		out_addr(&o, "Redirect target=", &m->target);
		out_addr(&o, " dest=", &m->dest);
		break;
	default:
		out(&o, "ICMPv6 type=%u", m->type);
		break;
	}
	if (m->has_slla)
		out_lladdr(&o, " slla=", &m->slla);
	if (m->has_tlla)
		out_lladdr(&o, " tlla=", &m->tlla);
	if (m->has_mtu)
		out(&o, " mtu=%" PRIu32, m->mtu);
	for (unsigned i = 0; i < m->n_pio && i < DMM_ND_MAX_PIO; i++) {
		const struct dmm_nd_pio *p = &m->pio[i];
		out(&o, " pio=%s(", dmm_prefix_fmt(&p->prefix, s));
		out_flags(&o, "", p->flags, pio_flags);
		out_lifetime(&o, " valid=", p->valid_s);
		out_lifetime(&o, " pref=", p->preferred_s);
		out(&o, ")");
	}
	for (unsigned i = 0; i < m->n_rio && i < DMM_ND_MAX_RIO; i++) {
		const struct dmm_nd_rio *r = &m->rio[i];
		out(&o, " rio=%s(%s", dmm_prefix_fmt(&r->prefix, s), prf_name(r->prf));
		out_lifetime(&o, " lifetime=", r->lifetime_s);
		out(&o, ")");
	}
	if (m->n_skipped != 0)
		out(&o, " skipped=%u", m->n_skipped);
	if (m->n_ignored != 0)
		out(&o, " ignored=%u", m->n_ignored);
	return o.n > INT32_MAX ? INT32_MAX : (int)o.n;
}
