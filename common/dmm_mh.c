/* SPDX-License-Identifier: BSD-3-Clause */
/* Mobility Header codec; the wire rules and the choices made are described in dmm_mh.h. */
#include "dmm_mh.h"
#include "dmm_wr.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FIXED_LEN    12 /* MH header (6) + BU/BA/Heartbeat fixed fields (6) */
#define FIXED_LEN_BE 24 /* MH header (6) + Status, Reserved, Home Address (18) */

/* ---------------------------------------------------------------------------------------- */
/* Checksum */

uint16_t dmm_mh_checksum(const struct dmm_ip6 *src, const struct dmm_ip6 *dst, const uint8_t *mh,
			 size_t len)
{
	return dmm_ip6_cksum(src, dst, DMM_MH_IPPROTO, mh, len);
}

/* ---------------------------------------------------------------------------------------- */
/* Validation shared by build and parse */

static unsigned min_header_len(uint8_t type)
{
	switch (type) {
	case DMM_MH_BU:
	case DMM_MH_BA:
	case DMM_MH_HB:
		return 1; /* 12 fixed octets: 16 with padding (RFC 6275 §9.2 minimum) */
	case DMM_MH_BE:
		return 2; /* 24 fixed octets */
	default:
		return 0; /* unknown */
	}
}

/* An empty identifier is how RFC 5213 §5.3.6 answers a PBU without MN-ID (status 160); it is
 * accepted in any rejecting PBA and nowhere else. */
static bool empty_nai_ok(const struct dmm_mh_msg *m)
{
	return m->type == DMM_MH_BA && !dmm_mh_status_accepted(m->ba.status);
}

static int check_lladdr(const struct dmm_mh_lladdr *l)
{
	return l->len == 0 || l->len > DMM_MH_LLADDR_MAX ? DMM_MH_E_OPT_BAD_LEN : 0;
}

static int check_prefixes(const struct dmm_prefix *p, unsigned n, unsigned max)
{
	if (n > max)
		return DMM_MH_E_TOO_MANY;
	for (unsigned i = 0; i < n; i++)
		if (p[i].len > 128)
			return DMM_MH_E_BAD_PREFIX_LEN;
	return 0;
}

static int validate(const struct dmm_mh_msg *m)
{
	const struct dmm_mh_opts *o = &m->opt;
	int rc;

	if (min_header_len(m->type) == 0)
		return DMM_MH_E_UNKNOWN_TYPE;
	if ((rc = check_prefixes(o->hnp, o->n_hnp, DMM_MH_MAX_HNP)) < 0 ||
	    (rc = check_prefixes(o->anchored, o->n_anchored, DMM_MH_MAX_PFX)) < 0 ||
	    (rc = check_prefixes(o->local, o->n_local, DMM_MH_MAX_PFX)) < 0)
		return rc;
	if (o->n_pmaar > DMM_MH_MAX_PMAAR)
		return DMM_MH_E_TOO_MANY;
	for (unsigned i = 0; i < o->n_pmaar; i++) {
		const struct dmm_mh_pmaar *p = &o->pmaar[i];
		if (p->hnp.len > 128)
			return DMM_MH_E_BAD_PREFIX_LEN;
		if (p->has_dlif_l2 && (rc = check_lladdr(&p->dlif_l2)) < 0)
			return rc;
		if ((rc = check_prefixes(p->local, p->n_local, DMM_MH_MAX_PMAAR_LOCAL)) < 0)
			return rc;
	}
	if (o->has_mnid) {
		if (o->nai_len > DMM_MH_NAI_MAX)
			return DMM_MH_E_OPT_BAD_LEN;
		if (o->nai_len == 0 && !empty_nai_ok(m))
			return DMM_MH_E_MNID_EMPTY;
		if (memchr(o->nai, '\0', o->nai_len) != NULL)
			return DMM_MH_E_MNID_NUL;
	}
	if (o->has_mn_llid && (rc = check_lladdr(&o->mn_llid)) < 0)
		return rc;
	if (o->has_dlif_l2 && (rc = check_lladdr(&o->dlif_l2)) < 0)
		return rc;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Build */

/* n octets of padding: Pad1 for one, else one PadN (RFC 6275 §6.2.2-6.2.3). */
static void pad(struct dmm_wr *w, size_t n)
{
	static const uint8_t zero[8];

	if (n == 0)
		return;
	if (n == 1) {
		dmm_wr_u8(w, DMM_MH_OPT_PAD1);
		return;
	}
	dmm_wr_u8(w, DMM_MH_OPT_PADN);
	dmm_wr_u8(w, (uint8_t)(n - 2));
	dmm_wr_put(w, zero, n - 2);
}

/* Pad so that the next octet sits at xn+y from the start of the MH. */
static void align(struct dmm_wr *w, unsigned x, unsigned y)
{
	if (x > 1)
		pad(w, (y + x - w->off % x) % x);
}

static void opt(struct dmm_wr *w, uint8_t type, unsigned x, unsigned y, const void *data, size_t n)
{
	align(w, x, y);
	dmm_wr_u8(w, type);
	dmm_wr_u8(w, (uint8_t)n);
	dmm_wr_put(w, data, n);
}

static void opt_addr(struct dmm_wr *w, uint8_t type, const struct dmm_ip6 *a)
{
	opt(w, type, 8, 6, a->a, DMM_IP6_LEN); /* every 16-octet address option is 8n+6 */
}

/* Reserved, Prefix Length, prefix: HNP (22), Anchored Prefix (65), Local Prefix (66). */
static void opt_prefix(struct dmm_wr *w, uint8_t type, const struct dmm_prefix *p)
{
	uint8_t d[2 + DMM_IP6_LEN] = {0, p->len};
	struct dmm_ip6 a = p->addr;

	dmm_ip6_mask(&a, p->len);
	memcpy(d + 2, a.a, DMM_IP6_LEN);
	opt(w, type, 8, 4, d, sizeof(d));
}

/* Reserved (2 octets), link-layer address: MN-LL-ID (25), DLIF Link-Layer Address (70). */
static void opt_lladdr(struct dmm_wr *w, uint8_t type, const struct dmm_mh_lladdr *l)
{
	uint8_t d[2 + DMM_MH_LLADDR_MAX] = {0};

	memcpy(d + 2, l->a, l->len);
	opt(w, type, 1, 0, d, 2u + l->len);
}

static void opt_u8(struct dmm_wr *w, uint8_t type, uint8_t v)
{
	uint8_t d[2] = {0, v}; /* Reserved, value: HI (23), ATT (24) */
	opt(w, type, 1, 0, d, sizeof(d));
}

static void opt_pmaar(struct dmm_wr *w, const struct dmm_mh_pmaar *p)
{
	uint8_t d[2 + 2 * DMM_IP6_LEN] = {0, p->hnp.len};
	struct dmm_ip6 a = p->hnp.addr;

	dmm_ip6_mask(&a, p->hnp.len);
	memcpy(d + 2, p->addr.a, DMM_IP6_LEN);
	memcpy(d + 2 + DMM_IP6_LEN, a.a, DMM_IP6_LEN);
	opt(w, DMM_MH_OPT_PREV_MAAR, 8, 4, d, sizeof(d));
	if (p->has_dlif_lla)
		opt_addr(w, DMM_MH_OPT_DLIF_LLA, &p->dlif_lla);
	if (p->has_dlif_l2)
		opt_lladdr(w, DMM_MH_OPT_DLIF_L2, &p->dlif_l2);
	for (unsigned i = 0; i < p->n_local; i++)
		opt_prefix(w, DMM_MH_OPT_LOCAL_PFX, &p->local[i]);
}

static void put_fixed(struct dmm_wr *w, const struct dmm_mh_msg *m)
{
	dmm_wr_u8(w, DMM_MH_PAYLOAD_PROTO);
	dmm_wr_u8(w, 0); /* Header Len, set at the end */
	dmm_wr_u8(w, m->type);
	dmm_wr_u8(w, 0);  /* Reserved */
	dmm_wr_u16(w, 0); /* Checksum */
	switch (m->type) {
	case DMM_MH_BU:
		dmm_wr_u16(w, m->bu.seq);
		dmm_wr_u16(w, m->bu.flags & (uint16_t)~DMM_MH_BU_RESERVED);
		dmm_wr_u16(w, m->bu.lifetime);
		break;
	case DMM_MH_BA:
		dmm_wr_u8(w, m->ba.status);
		dmm_wr_u8(w, m->ba.flags & (uint8_t)~DMM_MH_BA_RESERVED);
		dmm_wr_u16(w, m->ba.seq);
		dmm_wr_u16(w, m->ba.lifetime);
		break;
	case DMM_MH_BE:
		dmm_wr_u8(w, m->be.status);
		dmm_wr_u8(w, 0);
		dmm_wr_put(w, m->be.hoa.a, DMM_IP6_LEN);
		break;
	case DMM_MH_HB:
		dmm_wr_u16(w, m->hb.flags & (uint16_t)~DMM_MH_HB_RESERVED);
		dmm_wr_u32(w, m->hb.seq);
		break;
	}
}

static void put_options(struct dmm_wr *w, const struct dmm_mh_msg *m)
{
	const struct dmm_mh_opts *o = &m->opt;

	for (unsigned i = 0; i < o->n_hnp; i++)
		opt_prefix(w, DMM_MH_OPT_HNP, &o->hnp[i]);
	if (o->has_ts) {
		uint8_t d[8];
		for (int i = 0; i < 8; i++)
			d[i] = (uint8_t)(o->ts >> (56 - 8 * i));
		opt(w, DMM_MH_OPT_TIMESTAMP, 8, 2, d, sizeof(d));
	}
	if (o->has_hi)
		opt_u8(w, DMM_MH_OPT_HI, o->hi);
	if (o->has_att)
		opt_u8(w, DMM_MH_OPT_ATT, o->att);
	if (o->has_mnid) {
		uint8_t d[1 + DMM_MH_NAI_MAX] = {DMM_MH_MNID_NAI};
		memcpy(d + 1, o->nai, o->nai_len);
		opt(w, DMM_MH_OPT_MNID, 1, 0, d, 1u + o->nai_len);
	}
	if (o->has_mn_llid)
		opt_lladdr(w, DMM_MH_OPT_MN_LLID, &o->mn_llid);
	if (o->has_lla)
		opt_addr(w, DMM_MH_OPT_LLA, &o->lla);
	if (o->has_acoa)
		opt_addr(w, DMM_MH_OPT_ACOA, &o->acoa);
	if (o->has_smaar)
		opt_addr(w, DMM_MH_OPT_SERVING_MAAR, &o->smaar);
	if (o->has_dlif_lla)
		opt_addr(w, DMM_MH_OPT_DLIF_LLA, &o->dlif_lla);
	if (o->has_dlif_l2)
		opt_lladdr(w, DMM_MH_OPT_DLIF_L2, &o->dlif_l2);
	/* Message-level 66s before the first 67: after it they would be that P-MAAR's (b). */
	for (unsigned i = 0; i < o->n_local; i++)
		opt_prefix(w, DMM_MH_OPT_LOCAL_PFX, &o->local[i]);
	for (unsigned i = 0; i < o->n_pmaar; i++)
		opt_pmaar(w, &o->pmaar[i]);
	for (unsigned i = 0; i < o->n_anchored; i++)
		opt_prefix(w, DMM_MH_OPT_ANCHORED_PFX, &o->anchored[i]);
	if (o->has_restart) {
		uint8_t d[4] = {(uint8_t)(o->restart >> 24), (uint8_t)(o->restart >> 16),
				(uint8_t)(o->restart >> 8), (uint8_t)o->restart};
		opt(w, DMM_MH_OPT_RESTART, 4, 2, d, sizeof(d));
	}
	align(w, 8, 0);
}

int dmm_mh_build(const struct dmm_mh_msg *m, const struct dmm_ip6 *src, const struct dmm_ip6 *dst,
		 uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t b[DMM_MH_MAX_LEN];
	struct dmm_wr w = {.b = b, .cap = sizeof(b)};
	int rc;

	if (m == NULL || len == NULL || (buf == NULL && cap != 0) || (src == NULL) != (dst == NULL))
		return DMM_MH_E_INVALID;
	if ((rc = validate(m)) < 0)
		return rc;
	put_fixed(&w, m);
	put_options(&w, m);
	if (w.off > w.cap)
		return DMM_MH_E_TOO_BIG;
	*len = w.off;
	if (w.off > cap)
		return DMM_MH_E_NOSPACE;
	b[1] = (uint8_t)(w.off / 8 - 1);
	if (src != NULL) {
		uint16_t c = dmm_mh_checksum(src, dst, b, w.off);
		b[DMM_MH_CKSUM_OFF] = (uint8_t)(c >> 8);
		b[DMM_MH_CKSUM_OFF + 1] = (uint8_t)c;
	}
	memcpy(buf, b, w.off);
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

/* Marks a singleton seen; fails if it was already. */
static int once(bool *has)
{
	if (*has)
		return DMM_MH_E_OPT_DUPLICATE;
	*has = true;
	return 0;
}

/* Each get_* checks the option's Length first, then that a singleton is new, then the data. */

/* Reserved (2 octets), link-layer address: MN-LL-ID (25), DLIF Link-Layer Address (70). */
static int get_lladdr(const uint8_t *d, uint8_t l, bool *has, struct dmm_mh_lladdr *out)
{
	int rc;

	if (l < 3 || l - 2 > DMM_MH_LLADDR_MAX)
		return DMM_MH_E_OPT_BAD_LEN;
	if ((rc = once(has)) < 0)
		return rc;
	out->len = (uint8_t)(l - 2);
	memcpy(out->a, d + 2, out->len);
	return 0;
}

/* A 16-octet address: 3, 26, 68, 69. */
static int get_addr(const uint8_t *d, uint8_t l, bool *has, struct dmm_ip6 *out)
{
	int rc;

	if (l != DMM_IP6_LEN)
		return DMM_MH_E_OPT_BAD_LEN;
	if ((rc = once(has)) < 0)
		return rc;
	memcpy(out->a, d, DMM_IP6_LEN);
	return 0;
}

/* Reserved, value: HI (23), ATT (24). */
static int get_u8(const uint8_t *d, uint8_t l, bool *has, uint8_t *out)
{
	int rc;

	if (l != 2)
		return DMM_MH_E_OPT_BAD_LEN;
	if ((rc = once(has)) < 0)
		return rc;
	*out = d[1];
	return 0;
}

/* Prefix Length and 16 octets; bits past Prefix Length MUST be ignored: they are cleared. */
static int get_prefix(uint8_t plen, const uint8_t *addr, struct dmm_prefix *out)
{
	if (plen > 128)
		return DMM_MH_E_BAD_PREFIX_LEN;
	out->len = plen;
	memcpy(out->addr.a, addr, DMM_IP6_LEN);
	dmm_ip6_mask(&out->addr, out->len);
	return 0;
}

/* Reserved, Prefix Length, prefix, appended to arr[*n]: HNP (22), 65, 66. */
static int add_prefix(const uint8_t *d, uint8_t l, struct dmm_prefix *arr, uint8_t *n, unsigned max)
{
	int rc;

	if (l != 2 + DMM_IP6_LEN)
		return DMM_MH_E_OPT_BAD_LEN;
	if (*n >= max)
		return DMM_MH_E_TOO_MANY;
	if ((rc = get_prefix(d[1], d + 2, &arr[*n])) < 0)
		return rc;
	(*n)++;
	return 0;
}

/* Reserved, Prefix Length, P-MAAR address, prefix. It opens the scope of later 69/70/66 options. */
static int add_pmaar(const uint8_t *d, uint8_t l, struct dmm_mh_opts *o,
		     struct dmm_mh_pmaar **scope)
{
	struct dmm_mh_pmaar *p;
	int rc;

	if (l != 2 + 2 * DMM_IP6_LEN)
		return DMM_MH_E_OPT_BAD_LEN;
	if (o->n_pmaar >= DMM_MH_MAX_PMAAR)
		return DMM_MH_E_TOO_MANY;
	p = &o->pmaar[o->n_pmaar];
	memcpy(p->addr.a, d + 2, DMM_IP6_LEN);
	if ((rc = get_prefix(d[1], d + 2 + DMM_IP6_LEN, &p->hnp)) < 0)
		return rc;
	o->n_pmaar++;
	*scope = p;
	return 0;
}

static int get_mnid(const uint8_t *d, uint8_t l, struct dmm_mh_msg *m)
{
	struct dmm_mh_opts *o = &m->opt;
	int rc;

	if (l < 1)
		return DMM_MH_E_OPT_BAD_LEN;
	if ((rc = once(&o->has_mnid)) < 0)
		return rc;
	if (d[0] != DMM_MH_MNID_NAI)
		return DMM_MH_E_MNID_SUBTYPE;
	if (l == 1 && !empty_nai_ok(m))
		return DMM_MH_E_MNID_EMPTY;
	if (memchr(d + 1, '\0', l - 1u) != NULL)
		return DMM_MH_E_MNID_NUL;
	o->nai_len = (uint8_t)(l - 1);
	memcpy(o->nai, d + 1, o->nai_len);
	o->nai[o->nai_len] = '\0';
	return 0;
}

/* One option: type t, data d of length l (already checked to fit in the MH). */
static int parse_opt(struct dmm_mh_msg *m, struct dmm_mh_pmaar **scope, uint8_t t, const uint8_t *d,
		     uint8_t l)
{
	struct dmm_mh_opts *o = &m->opt;
	struct dmm_mh_pmaar *p = *scope;
	int rc;

	switch (t) {
	case DMM_MH_OPT_MNID:
		return get_mnid(d, l, m);
	case DMM_MH_OPT_HI:
		return get_u8(d, l, &o->has_hi, &o->hi);
	case DMM_MH_OPT_ATT:
		return get_u8(d, l, &o->has_att, &o->att);
	case DMM_MH_OPT_MN_LLID:
		return get_lladdr(d, l, &o->has_mn_llid, &o->mn_llid);
	case DMM_MH_OPT_LLA:
		return get_addr(d, l, &o->has_lla, &o->lla);
	case DMM_MH_OPT_ACOA:
		return get_addr(d, l, &o->has_acoa, &o->acoa);
	case DMM_MH_OPT_SERVING_MAAR:
		return get_addr(d, l, &o->has_smaar, &o->smaar);
	case DMM_MH_OPT_DLIF_LLA:
		if (p != NULL)
			return get_addr(d, l, &p->has_dlif_lla, &p->dlif_lla);
		return get_addr(d, l, &o->has_dlif_lla, &o->dlif_lla);
	case DMM_MH_OPT_DLIF_L2:
		if (p != NULL)
			return get_lladdr(d, l, &p->has_dlif_l2, &p->dlif_l2);
		return get_lladdr(d, l, &o->has_dlif_l2, &o->dlif_l2);
	case DMM_MH_OPT_TIMESTAMP:
		if (l != 8)
			return DMM_MH_E_OPT_BAD_LEN;
		if ((rc = once(&o->has_ts)) < 0)
			return rc;
		o->ts = (uint64_t)get32(d) << 32 | get32(d + 4);
		return 0;
	case DMM_MH_OPT_RESTART:
		if (l != 4)
			return DMM_MH_E_OPT_BAD_LEN;
		if ((rc = once(&o->has_restart)) < 0)
			return rc;
		o->restart = get32(d);
		return 0;
	case DMM_MH_OPT_HNP:
		return add_prefix(d, l, o->hnp, &o->n_hnp, DMM_MH_MAX_HNP);
	case DMM_MH_OPT_ANCHORED_PFX:
		return add_prefix(d, l, o->anchored, &o->n_anchored, DMM_MH_MAX_PFX);
	case DMM_MH_OPT_LOCAL_PFX:
		if (p != NULL) /* G4 convention (b): that P-MAAR's local network */
			return add_prefix(d, l, p->local, &p->n_local, DMM_MH_MAX_PMAAR_LOCAL);
		return add_prefix(d, l, o->local, &o->n_local, DMM_MH_MAX_PFX);
	case DMM_MH_OPT_PREV_MAAR:
		return add_pmaar(d, l, o, scope);
	default:
		return 0; /* PadN and unknown options: skipped by Length (RFC 6275 §6.2.1) */
	}
}

static int parse_options(const uint8_t *b, size_t off, size_t end, struct dmm_mh_msg *m)
{
	struct dmm_mh_pmaar *scope = NULL;

	while (off < end) {
		uint8_t t = b[off], l;
		int rc;

		if (t == DMM_MH_OPT_PAD1) {
			off++;
			continue;
		}
		if (end - off < 2)
			return DMM_MH_E_OPT_TRUNCATED;
		l = b[off + 1];
		if (l > end - off - 2)
			return DMM_MH_E_OPT_TRUNCATED;
		if ((rc = parse_opt(m, &scope, t, b + off + 2, l)) < 0)
			return rc;
		off += 2u + l;
	}
	return 0;
}

int dmm_mh_parse(const uint8_t *buf, size_t len, const struct dmm_ip6 *src,
		 const struct dmm_ip6 *dst, struct dmm_mh_msg *m)
{
	unsigned min;

	if (m == NULL || (buf == NULL && len != 0) || (src == NULL) != (dst == NULL))
		return DMM_MH_E_INVALID;
	memset(m, 0, sizeof(*m));
	if (len < 8)
		return DMM_MH_E_TRUNCATED;
	if (((size_t)buf[1] + 1) * 8 != len)
		return DMM_MH_E_BAD_LEN;
	/* RFC 6275 §9.2 order: checksum, MH type, Payload Proto, Header Len. */
	if (src != NULL && dmm_mh_checksum(src, dst, buf, len) != 0)
		return DMM_MH_E_BAD_CHECKSUM;
	m->type = buf[2];
	min = min_header_len(m->type);
	if (min == 0)
		return DMM_MH_E_UNKNOWN_TYPE;
	if (buf[0] != DMM_MH_PAYLOAD_PROTO)
		return DMM_MH_E_BAD_PROTO;
	if (buf[1] < min)
		return DMM_MH_E_HDRLEN_SHORT;
	switch (m->type) {
	case DMM_MH_BU:
		m->bu.seq = get16(buf + 6);
		m->bu.flags = get16(buf + 8) & (uint16_t)~DMM_MH_BU_RESERVED;
		m->bu.lifetime = get16(buf + 10);
		break;
	case DMM_MH_BA:
		m->ba.status = buf[6];
		m->ba.flags = buf[7] & (uint8_t)~DMM_MH_BA_RESERVED;
		m->ba.seq = get16(buf + 8);
		m->ba.lifetime = get16(buf + 10);
		break;
	case DMM_MH_BE:
		m->be.status = buf[6];
		memcpy(m->be.hoa.a, buf + 8, DMM_IP6_LEN);
		return parse_options(buf, FIXED_LEN_BE, len, m);
	case DMM_MH_HB:
		m->hb.flags = get16(buf + 6) & (uint16_t)~DMM_MH_HB_RESERVED;
		m->hb.seq = get32(buf + 8);
		break;
	}
	return parse_options(buf, FIXED_LEN, len, m);
}

/* ---------------------------------------------------------------------------------------- */
/* Text */

const char *dmm_mh_strerror(int err)
{
	switch (err) {
	case DMM_MH_OK:
		return "success";
	case DMM_MH_E_TRUNCATED:
		return "truncated mobility header";
	case DMM_MH_E_BAD_LEN:
		return "header length does not match the message length";
	case DMM_MH_E_BAD_CHECKSUM:
		return "bad checksum";
	case DMM_MH_E_UNKNOWN_TYPE:
		return "unknown MH type";
	case DMM_MH_E_BAD_PROTO:
		return "payload proto is not 59";
	case DMM_MH_E_HDRLEN_SHORT:
		return "header length too small for the MH type";
	case DMM_MH_E_OPT_TRUNCATED:
		return "mobility option runs past the end of the message";
	case DMM_MH_E_OPT_BAD_LEN:
		return "mobility option has a bad length";
	case DMM_MH_E_OPT_DUPLICATE:
		return "mobility option appears more than once";
	case DMM_MH_E_TOO_MANY:
		return "too many repeated mobility options";
	case DMM_MH_E_BAD_PREFIX_LEN:
		return "prefix length above 128";
	case DMM_MH_E_MNID_SUBTYPE:
		return "MN-ID subtype is not NAI";
	case DMM_MH_E_MNID_EMPTY:
		return "empty MN-ID";
	case DMM_MH_E_MNID_NUL:
		return "NUL octet in MN-ID";
	case DMM_MH_E_NOSPACE:
		return "buffer too small";
	case DMM_MH_E_TOO_BIG:
		return "message exceeds the maximum mobility header length";
	case DMM_MH_E_INVALID:
		return "invalid argument";
	default:
		return "unknown error";
	}
}

const char *dmm_mh_status_name(uint8_t status)
{
	switch (status) {
	case DMM_MH_ST_ACCEPTED:
		return "ACCEPTED";
	case DMM_MH_ST_REASON_UNSPECIFIED:
		return "REASON_UNSPECIFIED";
	case DMM_MH_ST_ADMIN_PROHIBITED:
		return "ADMINISTRATIVELY_PROHIBITED";
	case DMM_MH_ST_INSUFFICIENT_RESOURCES:
		return "INSUFFICIENT_RESOURCES";
	case DMM_MH_ST_SEQ_OUT_OF_WINDOW:
		return "SEQUENCE_NUMBER_OUT_OF_WINDOW";
	case DMM_MH_ST_REG_TYPE_CHANGE_DISALLOWED:
		return "REGISTRATION_TYPE_CHANGE_DISALLOWED";
	case DMM_MH_ST_PROXY_REG_NOT_ENABLED:
		return "PROXY_REG_NOT_ENABLED";
	case DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE:
		return "NOT_LMA_FOR_THIS_MOBILE_NODE";
	case DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG:
		return "MAG_NOT_AUTHORIZED_FOR_PROXY_REG";
	case DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX:
		return "NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX";
	case DMM_MH_ST_TIMESTAMP_MISMATCH:
		return "TIMESTAMP_MISMATCH";
	case DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED:
		return "TIMESTAMP_LOWER_THAN_PREV_ACCEPTED";
	case DMM_MH_ST_MISSING_HOME_NETWORK_PREFIX_OPTION:
		return "MISSING_HOME_NETWORK_PREFIX_OPTION";
	case DMM_MH_ST_BCE_PBU_PREFIX_SET_DO_NOT_MATCH:
		return "BCE_PBU_PREFIX_SET_DO_NOT_MATCH";
	case DMM_MH_ST_MISSING_MN_IDENTIFIER_OPTION:
		return "MISSING_MN_IDENTIFIER_OPTION";
	case DMM_MH_ST_MISSING_HANDOFF_INDICATOR_OPTION:
		return "MISSING_HANDOFF_INDICATOR_OPTION";
	case DMM_MH_ST_MISSING_ACCESS_TECH_TYPE_OPTION:
		return "MISSING_ACCESS_TECH_TYPE_OPTION";
	case DMM_MH_ST_INVALID_COA:
		return "INVALID_CARE_OF_ADDRESS";
	default:
		return NULL;
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

static void out_flags(struct out *o, unsigned v, const char *const names[], unsigned nbits)
{
	const char *sep = "";

	out(o, " flags=");
	if (v == 0) {
		out(o, "-");
		return;
	}
	for (unsigned i = 0; i < nbits; i++) {
		unsigned bit = 1u << (nbits - 1 - i);
		if (!(v & bit))
			continue;
		if (names[i] != NULL)
			out(o, "%s%s", sep, names[i]);
		else
			out(o, "%s0x%x", sep, bit);
		sep = ",";
	}
}

static void out_lladdr(struct out *o, const char *key, const struct dmm_mh_lladdr *l)
{
	out(o, "%s", key);
	for (unsigned i = 0; i < l->len && i < DMM_MH_LLADDR_MAX; i++)
		out(o, i ? ":%02x" : "%02x", l->a[i]);
}

static void out_addr(struct out *o, const char *key, const struct dmm_ip6 *a)
{
	char s[DMM_IP6_STRLEN];

	out(o, "%s%s", key, dmm_ip6_fmt(a, s));
}

static void out_prefix(struct out *o, const char *key, const struct dmm_prefix *p)
{
	char s[DMM_PFX_STRLEN];

	out(o, "%s%s", key, dmm_prefix_fmt(p, s));
}

static void out_opts(struct out *o, const struct dmm_mh_opts *p)
{
	for (unsigned i = 0; i < p->n_hnp && i < DMM_MH_MAX_HNP; i++)
		out_prefix(o, " hnp=", &p->hnp[i]);
	if (p->has_ts)
		out(o, " ts=%" PRIu64 ".%09" PRIu32, dmm_mh_ts_sec(p->ts), dmm_mh_ts_nsec(p->ts));
	if (p->has_hi)
		out(o, " hi=%u", p->hi);
	if (p->has_att)
		out(o, " att=%u", p->att);
	if (p->has_mnid) {
		out(o, " mnid=\"");
		for (unsigned i = 0; i < p->nai_len && i < DMM_MH_NAI_MAX; i++) {
			unsigned char c = (unsigned char)p->nai[i];
			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
				out(o, "%c", c);
			else
				out(o, "\\x%02x", c);
		}
		out(o, "\"");
	}
	if (p->has_mn_llid)
		out_lladdr(o, " mn-llid=", &p->mn_llid);
	if (p->has_lla)
		out_addr(o, " lla=", &p->lla);
	if (p->has_acoa)
		out_addr(o, " acoa=", &p->acoa);
	if (p->has_smaar)
		out_addr(o, " smaar=", &p->smaar);
	if (p->has_dlif_lla)
		out_addr(o, " dlif-lla=", &p->dlif_lla);
	if (p->has_dlif_l2)
		out_lladdr(o, " dlif-l2=", &p->dlif_l2);
	for (unsigned i = 0; i < p->n_pmaar && i < DMM_MH_MAX_PMAAR; i++) {
		const struct dmm_mh_pmaar *m = &p->pmaar[i];
		out_addr(o, " pmaar=", &m->addr);
		out_prefix(o, ",", &m->hnp);
		if (m->has_dlif_lla)
			out_addr(o, ",dlif-lla=", &m->dlif_lla);
		if (m->has_dlif_l2)
			out_lladdr(o, ",dlif-l2=", &m->dlif_l2);
		for (unsigned k = 0; k < m->n_local && k < DMM_MH_MAX_PMAAR_LOCAL; k++)
			out_prefix(o, ",local=", &m->local[k]);
	}
	for (unsigned i = 0; i < p->n_anchored && i < DMM_MH_MAX_PFX; i++)
		out_prefix(o, " anchored=", &p->anchored[i]);
	for (unsigned i = 0; i < p->n_local && i < DMM_MH_MAX_PFX; i++)
		out_prefix(o, " local=", &p->local[i]);
	if (p->has_restart)
		out(o, " restart=%" PRIu32, p->restart);
}

int dmm_mh_format(const struct dmm_mh_msg *m, char *buf, size_t cap)
{
	static const char *const bu_flags[16] = {"A", "H", "L", "K", "M",  "R",	 "P",  "F",
						 "T", "B", "S", "D", NULL, NULL, NULL, NULL};
	static const char *const ba_flags[8] = {"K", "R", "P", "T", "B", "S", "D", NULL};
	static const char *const hb_flags[16] = {[14] = "U", [15] = "R"};
	struct out o = {buf, cap, 0};
	const char *name;

	if (cap > 0)
		buf[0] = '\0';
	switch (m->type) {
	case DMM_MH_BU:
		out(&o, "PBU seq=%u", m->bu.seq);
		out_flags(&o, m->bu.flags, bu_flags, 16);
		out(&o, " lifetime=%u(%" PRIu32 "s)", m->bu.lifetime,
		    dmm_mh_lifetime_secs(m->bu.lifetime));
		break;
	case DMM_MH_BA:
		name = dmm_mh_status_name(m->ba.status);
		out(&o, "PBA status=%u(%s) seq=%u", m->ba.status, name != NULL ? name : "?",
		    m->ba.seq);
		out_flags(&o, m->ba.flags, ba_flags, 8);
		out(&o, " lifetime=%u(%" PRIu32 "s)", m->ba.lifetime,
		    dmm_mh_lifetime_secs(m->ba.lifetime));
		break;
	case DMM_MH_BE:
		out(&o, "BE status=%u", m->be.status);
		out_addr(&o, " hoa=", &m->be.hoa);
		break;
	case DMM_MH_HB:
		out(&o, "HB seq=%" PRIu32, m->hb.seq);
		out_flags(&o, m->hb.flags, hb_flags, 16);
		break;
	default:
		out(&o, "MH type=%u", m->type);
		break;
	}
	out_opts(&o, &m->opt);
	return o.n > INT32_MAX ? INT32_MAX : (int)o.n;
}
