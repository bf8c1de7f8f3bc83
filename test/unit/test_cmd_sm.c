/* SPDX-License-Identifier: BSD-3-Clause */
/* CMD state machine (controlplane/cmd_sm.c): RFC 5213 §5.3.1 validation order and status codes,
 * initial registration, handovers in relay / locator / proxy mode (RFC 8885 §3.2-3.4) with every
 * action's message checked, relay collection timeout with a late PBA, refresh,
 * de-registration with MinDelayBeforeBCEDelete, expiry, and a 100k-MN binding cache.
 * Tests implementing a PROTOCOL.md §6.3 conformance case carry its id (M1, M2, ...). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_sm.h"

#define T0   1700000000000ull /* ms since 1970: the CMD's clock and the MAARs' */
#define LIFE 900	      /* 3600 s in 4 s units */
#define NAI  "mn1@example.net"
#define ATT  DMM_MH_ATT_IEEE80211

static struct dmm_cmd_actions out; /* ~52 kB: not on the stack */

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

static uint64_t ts_of(uint64_t ms)
{
	return dmm_mh_ts_make(ms / 1000, (uint32_t)(ms % 1000) * 1000000u);
}

#define CMD   ip("2001:db8::c")
#define MAAR1 ip("2001:db8::1")
#define MAAR2 ip("2001:db8::2")
#define MAAR3 ip("2001:db8::3")
#define MAAR4 ip("2001:db8::4")
#define MAAR9 ip("2001:db8::9") /* allowed peer, not authorised for proxy registration */
#define PREF1 pfx("2001:db8:1:1::/64")
#define PREF2 pfx("2001:db8:2:1::/64")
#define PREF3 pfx("2001:db8:3:1::/64")
#define PREF4 pfx("2001:db8:4:1::/64")

/* The test CMD: MAAR1-4 and MAAR9 (no proxy_reg), RFC defaults; tweak (if any) edits the config
 * last. */
static struct dmm_cmd *new_cmd_x(enum dmm_cmd_mode mode, uint32_t relay_timeout_ms,
				 uint32_t max_mns, void (*tweak)(struct dmm_cmd_config *))
{
	struct dmm_cmd_peer peers[5] = {
	    {MAAR1, true}, {MAAR2, true}, {MAAR3, true}, {MAAR4, true}, {MAAR9, false},
	};
	struct dmm_cmd_config cfg;
	int err;

	dmm_cmd_config_default(&cfg);
	cfg.addr = CMD;
	cfg.mode = mode;
	cfg.peers = peers;
	cfg.n_peers = 5;
	cfg.relay_timeout_ms = relay_timeout_ms;
	cfg.max_mns = max_mns;
	if (tweak)
		tweak(&cfg);
	struct dmm_cmd *c = dmm_cmd_new(&cfg, &err);
	assert_non_null(c);
	assert_int_equal(err, 0);
	return c;
}

static struct dmm_cmd *new_cmd(enum dmm_cmd_mode mode, uint32_t relay_timeout_ms, uint32_t max_mns)
{
	return new_cmd_x(mode, relay_timeout_ms, max_mns, NULL);
}

static void no_retransmission(struct dmm_cmd_config *cfg)
{
	cfg->initial_bindack_ms = 0;
}

/* 2001:db8:0:<maar>:<i>::/64 style: a distinct /64 per (MAAR, MN), inside 2001:db8:<maar>::/48
 * only for the byte layout 2001:0db8:00mm:iiii. */
static struct dmm_prefix pfx_n(unsigned maar, unsigned i)
{
	struct dmm_prefix p = {.len = 64};

	p.addr.a[0] = 0x20, p.addr.a[1] = 0x01, p.addr.a[2] = 0x0d, p.addr.a[3] = 0xb8;
	p.addr.a[5] = (uint8_t)maar;
	p.addr.a[6] = (uint8_t)(i >> 8), p.addr.a[7] = (uint8_t)i;
	return p;
}

/* PBU{A,P,D; MN-ID, HNP, HI, ATT, TS} as a MAAR sends it. */
static struct dmm_mh_msg pbu(const char *nai, struct dmm_prefix hnp, uint8_t hi, uint64_t ts_ms,
			     uint16_t seq, uint16_t life)
{
	struct dmm_mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DMM_MH_BU;
	m.bu.seq = seq;
	m.bu.flags = DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D;
	m.bu.lifetime = life;
	m.opt.has_mnid = true;
	m.opt.nai_len = (uint8_t)strlen(nai);
	memcpy(m.opt.nai, nai, m.opt.nai_len);
	m.opt.n_hnp = 1;
	m.opt.hnp[0] = hnp;
	m.opt.has_hi = true;
	m.opt.hi = hi;
	m.opt.has_att = true;
	m.opt.att = ATT;
	m.opt.has_ts = true;
	m.opt.ts = ts_of(ts_ms);
	return m;
}

/* A P-MAAR's PBA to a forwarded PBU. */
static struct dmm_mh_msg pmaar_pba(const struct dmm_mh_msg *fwd, struct dmm_prefix anchored,
				   uint8_t status, bool dlif)
{
	struct dmm_mh_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DMM_MH_BA;
	m.ba.status = status;
	m.ba.flags = DMM_MH_BA_P | DMM_MH_BA_D;
	m.ba.seq = fwd->bu.seq;
	m.ba.lifetime = fwd->bu.lifetime;
	m.opt = fwd->opt;
	m.opt.n_hnp = 1;
	m.opt.hnp[0] = anchored;
	m.opt.n_anchored = 0;
	if (dlif) {
		m.opt.has_dlif_lla = true;
		m.opt.dlif_lla = ip("fe80::1:1");
		m.opt.has_dlif_l2 = true;
		m.opt.dlif_l2 = (struct dmm_mh_lladdr){.len = 6, .a = {2, 0, 0, 0, 1, 1}};
	}
	return m;
}

static int in(struct dmm_cmd *c, uint64_t now, struct dmm_ip6 src, const struct dmm_mh_msg *m)
{
	return dmm_cmd_input(c, now, &src, m, &out);
}

static bool pfx_eq(struct dmm_prefix a, struct dmm_prefix b)
{
	return a.len == b.len && dmm_ip6_eq(&a.addr, &b.addr);
}

static void assert_ip(struct dmm_ip6 a, struct dmm_ip6 b)
{
	assert_memory_equal(a.a, b.a, DMM_IP6_LEN);
}

static void assert_arm(unsigned i, uint64_t at)
{
	assert_true(i < out.n);
	assert_int_equal(out.a[i].type, DMM_CMD_ACT_ARM);
	assert_int_equal(out.a[i].at_ms, at);
}

/* Action i is a PBA from the CMD to dst answering p with status/lifetime, and the RFC 5213
 * §5.3.6 base options; returns it for the caller's further checks. */
static const struct dmm_mh_msg *assert_pba(unsigned i, struct dmm_ip6 dst,
					   const struct dmm_mh_msg *p, uint8_t status,
					   uint16_t life)
{
	assert_true(i < out.n);
	const struct dmm_cmd_action *a = &out.a[i];
	const struct dmm_mh_msg *m = &a->msg;
	assert_int_equal(a->type, DMM_CMD_ACT_SEND);
	assert_ip(a->src, CMD);
	assert_ip(a->dst, dst);
	assert_int_equal(m->type, DMM_MH_BA);
	assert_int_equal(m->ba.status, status);
	assert_int_equal(m->ba.flags, DMM_MH_BA_P | DMM_MH_BA_D);
	assert_int_equal(m->ba.lifetime, life);
	assert_true(m->opt.has_mnid);
	assert_int_equal(m->opt.nai_len, p->opt.has_mnid ? p->opt.nai_len : 0);
	assert_memory_equal(m->opt.nai, p->opt.nai, m->opt.nai_len);
	assert_true(m->opt.has_hi);
	assert_int_equal(m->opt.hi, p->opt.has_hi ? p->opt.hi : 0);
	assert_true(m->opt.has_att);
	assert_int_equal(m->opt.att, p->opt.has_att ? p->opt.att : 0);
	assert_int_equal(m->opt.n_hnp, 1);
	if (p->opt.n_hnp)
		assert_true(pfx_eq(m->opt.hnp[0], p->opt.hnp[0]));
	else
		assert_true(dmm_ip6_is_zero(&m->opt.hnp[0].addr) && m->opt.hnp[0].len == 0);
	/* never RFC 8885 options other than Previous MAAR (checked by callers) */
	assert_false(m->opt.has_smaar);
	assert_int_equal(m->opt.n_anchored, 0);
	assert_int_equal(m->opt.n_local, 0);
	assert_false(m->opt.has_dlif_lla);
	assert_false(m->opt.has_dlif_l2);
	return m;
}

/* An accepting PBA echoes seq and Timestamp. */
static const struct dmm_mh_msg *assert_pba_ok(unsigned i, struct dmm_ip6 dst,
					      const struct dmm_mh_msg *p, uint16_t life)
{
	const struct dmm_mh_msg *m = assert_pba(i, dst, p, 0, life);

	assert_int_equal(m->ba.seq, p->bu.seq);
	assert_true(m->opt.has_ts);
	assert_int_equal(m->opt.ts, p->opt.ts);
	return m;
}

/* Action i is the S-MAAR's PBU p forwarded to a P-MAAR {to, anchored} with Serving MAAR. */
static const struct dmm_mh_msg *assert_fwd(unsigned i, struct dmm_ip6 to,
					   struct dmm_prefix anchored, const struct dmm_mh_msg *p,
					   struct dmm_ip6 smaar, uint16_t life)
{
	assert_true(i < out.n);
	const struct dmm_cmd_action *a = &out.a[i];
	const struct dmm_mh_msg *m = &a->msg;
	assert_int_equal(a->type, DMM_CMD_ACT_SEND);
	assert_ip(a->src, CMD);
	assert_ip(a->dst, to);
	assert_int_equal(m->type, DMM_MH_BU);
	assert_int_equal(m->bu.flags, DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D);
	assert_int_equal(m->bu.seq, p->bu.seq);
	assert_int_equal(m->bu.lifetime, life);
	assert_int_equal(m->opt.nai_len, p->opt.nai_len);
	assert_memory_equal(m->opt.nai, p->opt.nai, m->opt.nai_len);
	assert_int_equal(m->opt.n_hnp, 1);
	assert_true(pfx_eq(m->opt.hnp[0], p->opt.hnp[0]));
	assert_true(m->opt.has_hi && m->opt.hi == p->opt.hi);
	assert_true(m->opt.has_att && m->opt.att == p->opt.att);
	assert_true(m->opt.has_ts && m->opt.ts == p->opt.ts);
	assert_true(m->opt.has_smaar);
	assert_ip(m->opt.smaar, smaar);
	assert_int_equal(m->opt.n_anchored, 1);
	assert_true(pfx_eq(m->opt.anchored[0], anchored));
	assert_int_equal(m->opt.n_pmaar, 0);
	assert_int_equal(m->opt.n_local, 0);
	assert_false(m->opt.has_dlif_lla || m->opt.has_dlif_l2);
	return m;
}

static void assert_prev(const struct dmm_mh_msg *m, unsigned k, struct dmm_ip6 a,
			struct dmm_prefix p, bool dlif)
{
	assert_true(k < m->opt.n_pmaar);
	assert_ip(m->opt.pmaar[k].addr, a);
	assert_true(pfx_eq(m->opt.pmaar[k].hnp, p));
	assert_int_equal(m->opt.pmaar[k].has_dlif_lla, dlif);
	assert_int_equal(m->opt.pmaar[k].has_dlif_l2, dlif);
	if (dlif) {
		assert_ip(m->opt.pmaar[k].dlif_lla, ip("fe80::1:1"));
		assert_int_equal(m->opt.pmaar[k].dlif_l2.len, 6);
	}
}

static int count_sends(void)
{
	int n = 0;

	for (unsigned i = 0; i < out.n; i++)
		n += out.a[i].type == DMM_CMD_ACT_SEND;
	return n;
}

/* Initial registration at MAAR1 at T0 (checked in M1). */
static struct dmm_mh_msg register_at_maar1(struct dmm_cmd *c)
{
	struct dmm_mh_msg p = pbu(NAI, PREF1, DMM_MH_HI_NEW_IFACE, T0, 1, LIFE);

	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	return p;
}

static struct dmm_cmd_binding binding(struct dmm_cmd *c)
{
	struct dmm_cmd_binding b;

	assert_int_equal(dmm_cmd_lookup(c, NAI, &b), 0);
	return b;
}

/* ---- validation -------------------------------------------------------------------------- */

static void M1_initial_registration_creates_bce_and_accepts_with_p_d(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 1000);
	struct dmm_mh_msg p = pbu(NAI, PREF1, DMM_MH_HI_NEW_IFACE, T0, 7, LIFE);

	assert_int_equal(in(c, T0 + 100, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR1, &p, LIFE);
	assert_int_equal(m->opt.n_pmaar, 0); /* no history: no RFC 8885 option */
	assert_false(m->opt.has_lla || m->opt.has_mn_llid);
	assert_arm(1, T0 + 100 + LIFE * 4000ull);

	struct dmm_cmd_binding b = binding(c);
	assert_int_equal(b.state, DMM_CMD_BCE_ACTIVE);
	assert_ip(b.smaar, MAAR1);
	assert_true(pfx_eq(b.hnp, PREF1));
	assert_int_equal(b.n_pmaar, 0);
	assert_int_equal(b.expire_ms, T0 + 100 + LIFE * 4000ull);
	assert_true(b.has_ts);
	assert_int_equal(b.last_ts, p.opt.ts);
	assert_int_equal(dmm_cmd_count(c), 1);
	assert_int_equal(dmm_cmd_get_stats(c)->registrations, 1);
	dmm_cmd_free(c);
}

static void lifetime_is_capped_at_max_lifetime(void **state)
{
	(void)state;
	struct dmm_cmd_peer peer = {MAAR1, true};
	struct dmm_cmd_config cfg;
	dmm_cmd_config_default(&cfg);
	cfg.addr = CMD;
	cfg.peers = &peer;
	cfg.n_peers = 1;
	cfg.max_mns = 10;
	cfg.max_lifetime_s = 600;
	struct dmm_cmd *c = dmm_cmd_new(&cfg, NULL);
	assert_non_null(c);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR1, &p, 150);
	dmm_cmd_free(c);
}

static void unknown_sender_is_dropped_silently_and_counted(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);
	struct dmm_ip6 stranger = ip("2001:db8::66");

	assert_false(dmm_cmd_peer_allowed(c, &stranger));
	struct dmm_ip6 known = MAAR2;
	assert_true(dmm_cmd_peer_allowed(c, &known));
	assert_int_equal(in(c, T0, stranger, &p), DMM_CMD_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_get_stats(c)->drop_unknown_peer, 1);
	assert_int_equal(dmm_cmd_count(c), 0);
	dmm_cmd_free(c);
}

static void M2_missing_mnid_is_rejected_160_with_empty_mnid(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	p.opt.has_mnid = false;
	p.opt.nai_len = 0;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	const struct dmm_mh_msg *m =
	    assert_pba(0, MAAR1, &p, DMM_MH_ST_MISSING_MN_IDENTIFIER_OPTION, 0);
	assert_int_equal(m->opt.nai_len, 0);
	assert_int_equal(m->ba.seq, 1);
	assert_int_equal(dmm_cmd_count(c), 0);
	dmm_cmd_free(c);
}

static void M14_missing_mnid_and_hi_gives_160_first(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	p.opt.has_mnid = false;
	p.opt.nai_len = 0;
	p.opt.has_hi = false;
	p.opt.n_hnp = 0;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_MISSING_MN_IDENTIFIER_OPTION, 0);
	dmm_cmd_free(c);
}

static void M5_maar_not_authorized_is_rejected_154(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	assert_int_equal(DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG, 154);
	assert_int_equal(in(c, T0, MAAR9, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	assert_pba(0, MAAR9, &p, DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	dmm_cmd_free(c);
}

/* ---- subscriber policy (RFC 5213 §5.3.1 steps 7-8) -------------------------------------- */

#define NAI_OK	 "ok@example.net"
#define NAI_OFF	 "off@example.net"
#define NAI_NONE "nobody@example.net"

static const char *const subs_allow[] = {"zz@example.net", NAI_OK, NAI};
static const char *const subs_off[] = {NAI_OFF};

static void subs_list(struct dmm_cmd_config *cfg)
{
	cfg->subscriber_policy = DMM_CMD_SUBS_LIST;
	cfg->allow = subs_allow;
	cfg->n_allow = 3;
	cfg->proxy_disabled = subs_off;
	cfg->n_proxy_disabled = 1;
}

static void subs_any_with_disabled(struct dmm_cmd_config *cfg)
{
	cfg->proxy_disabled = subs_off;
	cfg->n_proxy_disabled = 1;
}

static void M6_unknown_mn_id_is_rejected_153_under_the_list_policy(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_RELAY, 1000, 100, subs_list);
	struct dmm_mh_msg p = pbu(NAI_NONE, PREF1, 1, T0, 1, LIFE);

	assert_int_equal(DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE, 153);
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	/* a prefix of the name is not the name */
	p = pbu("ok@example.ne", PREF1, 1, T0, 2, LIFE);
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE);
	/* listed MN-IDs are served (first, middle and last of the sorted table) */
	const char *ok[] = {NAI_OK, NAI, "zz@example.net"};
	for (int i = 0; i < 3; i++) {
		p = pbu(ok[i], pfx_n(1, (unsigned)i), 1, T0, (uint16_t)(3 + i), LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
		assert_pba_ok(0, MAAR1, &p, LIFE);
	}
	assert_int_equal(dmm_cmd_count(c), 3);
	assert_int_equal(dmm_cmd_get_stats(c)->rejected[DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE], 2);
	dmm_cmd_free(c);
	/* the default policy serves any MN-ID */
	c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	p = pbu(NAI_NONE, PREF1, 1, T0, 1, LIFE);
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR1, &p, LIFE);
	dmm_cmd_free(c);
}

static void M7_mn_not_enabled_for_proxy_mobility_is_rejected_152(void **state)
{
	(void)state;
	void (*tweaks[2])(struct dmm_cmd_config *) = {subs_list, subs_any_with_disabled};

	assert_int_equal(DMM_MH_ST_PROXY_REG_NOT_ENABLED, 152);
	for (int k = 0; k < 2; k++) { /* under both policies */
		struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_RELAY, 1000, 100, tweaks[k]);
		struct dmm_mh_msg p = pbu(NAI_OFF, PREF1, 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
		assert_int_equal(out.n, 1);
		assert_pba(0, MAAR1, &p, DMM_MH_ST_PROXY_REG_NOT_ENABLED, 0);
		/* a de-registration too: no BCE is looked at */
		p = pbu(NAI_OFF, PREF1, 1, T0, 2, 0);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
		assert_pba(0, MAAR1, &p, DMM_MH_ST_PROXY_REG_NOT_ENABLED, 0);
		assert_int_equal(dmm_cmd_count(c), 0);
		dmm_cmd_free(c);
	}
}

/* RFC 5213 §5.3.1 order: 160 (step 4), 154 (step 6), 153 (step 7), 152 (step 8), then the
 * Timestamp / sequence checks (step 9) and the option checks (10-12). */
static void M5_M6_M7_status_order_follows_rfc5213_5_3_1(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_RELAY, 1000, 100, subs_list);
	struct dmm_mh_msg p = pbu(NAI_NONE, PREF1, 1, T0, 1, LIFE);

	/* unknown MN from an unauthorised MAAR: 154 first */
	assert_int_equal(in(c, T0, MAAR9, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG);
	p = pbu(NAI_OFF, PREF1, 1, T0, 1, LIFE);
	assert_int_equal(in(c, T0, MAAR9, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_MAG_NOT_AUTHORIZED_FOR_PROXY_REG);
	/* 153 / 152 before a Timestamp outside the window (156) and a missing HNP (158) */
	p = pbu(NAI_NONE, PREF1, 1, T0 + 60000, 1, LIFE);
	p.opt.n_hnp = 0;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE);
	p = pbu(NAI_OFF, PREF1, 1, T0 + 60000, 1, LIFE);
	p.opt.n_hnp = 0;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_PROXY_REG_NOT_ENABLED);
	/* ... and after a missing MN-ID (160) */
	p.opt.has_mnid = false;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_MISSING_MN_IDENTIFIER_OPTION);
	dmm_cmd_free(c);
}

static void subscriber_lists_are_validated_by_new(void **state)
{
	(void)state;
	struct dmm_cmd_config cfg;
	const char *dup[] = {"a@x", "b@x", "a@x"}, *empty[] = {""}, *cross[] = {"b@x"};
	char long_nai[DMM_MH_NAI_MAX + 2];
	const char *too_long[] = {long_nai};
	int err = 0;

	memset(long_nai, 'a', sizeof(long_nai) - 1);
	long_nai[sizeof(long_nai) - 1] = '\0';
	dmm_cmd_config_default(&cfg);
	cfg.addr = CMD;
	cfg.max_mns = 16;
	cfg.subscriber_policy = DMM_CMD_SUBS_LIST;
	cfg.allow = dup;
	cfg.n_allow = 2;
	struct dmm_cmd *c = dmm_cmd_new(&cfg, &err);
	assert_non_null(c);
	dmm_cmd_free(c);
	cfg.n_allow = 3; /* a@x twice */
	assert_null(dmm_cmd_new(&cfg, &err));
	assert_int_equal(err, -EINVAL);
	cfg.n_allow = 2;
	cfg.proxy_disabled = cross; /* b@x in both lists */
	cfg.n_proxy_disabled = 1;
	assert_null(dmm_cmd_new(&cfg, &err));
	assert_int_equal(err, -EINVAL);
	cfg.proxy_disabled = empty;
	assert_null(dmm_cmd_new(&cfg, &err));
	cfg.proxy_disabled = too_long;
	assert_null(dmm_cmd_new(&cfg, &err));
	long_nai[DMM_MH_NAI_MAX] = '\0'; /* 254 octets: the longest NAI an MN-ID option holds */
	assert_non_null(c = dmm_cmd_new(&cfg, &err));
	dmm_cmd_free(c);
	cfg.proxy_disabled = NULL;
	assert_null(dmm_cmd_new(&cfg, &err));
	cfg.n_proxy_disabled = 0;
	cfg.subscriber_policy = 2;
	assert_null(dmm_cmd_new(&cfg, &err));
}

static void missing_d_or_p_flag_is_rejected_129(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	p.bu.flags &= (uint16_t)~DMM_MH_BU_D;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_ADMIN_PROHIBITED, 0);
	p = pbu(NAI, PREF1, 1, T0, 1, LIFE);
	p.bu.flags &= (uint16_t)~DMM_MH_BU_P;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_ADMIN_PROHIBITED);
	assert_int_equal(out.a[0].msg.ba.flags, DMM_MH_BA_D); /* P only echoed when sent */
	assert_int_equal(dmm_cmd_count(c), 0);
	assert_int_equal(dmm_cmd_get_stats(c)->rejected[DMM_MH_ST_ADMIN_PROHIBITED], 2);
	dmm_cmd_free(c);
}

static void M3_missing_hnp_is_rejected_158_with_all_zero_hnp(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	p.opt.n_hnp = 0;
	p.opt.has_hi = false; /* 158 comes before 161 */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_MISSING_HOME_NETWORK_PREFIX_OPTION, 0);
	dmm_cmd_free(c);
}

static void M4_missing_hi_is_rejected_161_and_missing_att_162(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	p.opt.has_hi = false;
	p.opt.has_att = false; /* 161 comes before 162 */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	const struct dmm_mh_msg *m =
	    assert_pba(0, MAAR1, &p, DMM_MH_ST_MISSING_HANDOFF_INDICATOR_OPTION, 0);
	assert_int_equal(m->opt.hi, 0);
	assert_int_equal(m->opt.att, 0);

	p = pbu(NAI, PREF1, 1, T0, 1, LIFE);
	p.opt.has_att = false;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	m = assert_pba(0, MAAR1, &p, DMM_MH_ST_MISSING_ACCESS_TECH_TYPE_OPTION, 0);
	assert_int_equal(m->opt.hi, 1);
	assert_int_equal(m->opt.att, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	dmm_cmd_free(c);
}

static void M27_all_zero_hnp_is_rejected_129(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, (struct dmm_prefix){0}, 1, T0, 1, LIFE);

	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_ADMIN_PROHIBITED, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	dmm_cmd_free(c);
}

static void M8_timestamp_lower_than_accepted_is_rejected_157_with_cmd_time(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 5, T0 - 100, 2, LIFE);

	/* T0-100 is inside the 300 ms window: only stale */
	assert_int_equal(in(c, T0 + 50, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	const struct dmm_mh_msg *m =
	    assert_pba(0, MAAR1, &p, DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED, 0);
	assert_true(m->opt.has_ts);
	assert_int_equal(m->opt.ts, ts_of(T0 + 50));
	dmm_cmd_free(c);
}

static void M9_timestamp_outside_window_is_rejected_156_with_cmd_time(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0 + 301, 1, LIFE);

	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	const struct dmm_mh_msg *m = assert_pba(0, MAAR1, &p, DMM_MH_ST_TIMESTAMP_MISMATCH, 0);
	assert_int_equal(m->opt.ts, ts_of(T0));
	p = pbu(NAI, PREF1, 1, T0 - 301, 1, LIFE);
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_TIMESTAMP_MISMATCH);
	p = pbu(NAI, PREF1, 1, T0 + 300, 1, LIFE); /* the window's edge is inside */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, 0);
	dmm_cmd_free(c);
}

static void M10_timestamp_equal_to_accepted_is_rejected_156(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = register_at_maar1(c);

	assert_int_equal(in(c, T0 + 10, MAAR1, &p), DMM_CMD_DONE);
	const struct dmm_mh_msg *m = assert_pba(0, MAAR1, &p, DMM_MH_ST_TIMESTAMP_MISMATCH, 0);
	assert_int_equal(m->opt.ts, ts_of(T0 + 10));
	dmm_cmd_free(c);
}

static void M11_M12_sequence_scheme_without_timestamp(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 65530, LIFE);

	p.opt.has_ts = false;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, 0);
	assert_false(out.a[0].msg.opt.has_ts);
	p.bu.seq = 65530; /* not newer: 135 carrying the last accepted seq */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_SEQ_OUT_OF_WINDOW, 0);
	assert_int_equal(out.a[0].msg.ba.seq, 65530);
	p.bu.seq = 3; /* M12: newer modulo 2^16 */
	p.opt.hi = 5;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, 0);
	assert_int_equal(binding(c).last_seq, 3);
	dmm_cmd_free(c);
}

static void M13_with_timestamp_seq_is_ignored_for_ordering_but_echoed(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 100, LIFE);

	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	p = pbu(NAI, PREF1, DMM_MH_HI_NOT_CHANGED, T0 + 1000, 5, LIFE); /* older seq, newer TS */
	assert_int_equal(in(c, T0 + 1000, MAAR1, &p), DMM_CMD_DONE);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR1, &p, LIFE);
	assert_int_equal(m->ba.seq, 5);
	assert_int_equal(binding(c).last_seq, 5);
	p = pbu(NAI, PREF1, DMM_MH_HI_NOT_CHANGED, T0 + 900, 6, LIFE); /* newer seq, older TS */
	assert_int_equal(in(c, T0 + 1000, MAAR1, &p), DMM_CMD_DONE);
	m = assert_pba(0, MAAR1, &p, DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED, 0);
	assert_int_equal(m->ba.seq, 6);
	dmm_cmd_free(c);
}

/* [G6/G8 choice] Anchored / Local Prefix options in a PBU with D=0: the message is refused (129,
 * no BCE) by the D check; with D=1 from a MAAR they are ignored (the CMD never echoes them). */
static void M29_anchored_or_local_prefix_with_d0_is_refused_129_ignored_with_d1(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, LIFE);

	p.bu.flags &= (uint16_t)~DMM_MH_BU_D;
	p.opt.n_anchored = 1;
	p.opt.anchored[0] = PREF3;
	p.opt.n_local = 1;
	p.opt.local[0] = PREF4;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_ADMIN_PROHIBITED, 0); /* no 65/66 echoed */
	assert_int_equal(dmm_cmd_count(c), 0);
	p.bu.flags |= DMM_MH_BU_D;
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR1, &p, LIFE);
	assert_true(pfx_eq(binding(c).hnp, PREF1));
	dmm_cmd_free(c);
}

/* ---- handovers ---------------------------------------------------------------------------- */

static void M15_M16_M17_relay_handover_forwards_pbu_with_serving_maar_and_merges_pba(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, DMM_MH_HI_MAG_CHANGE, T0 + 5000, 1, LIFE);

	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	struct dmm_mh_msg fwd = *assert_fwd(0, MAAR1, PREF1, &p, MAAR2, LIFE);
	assert_arm(1, T0 + 6000); /* the relay collection timeout */
	struct dmm_cmd_binding b = binding(c);
	assert_ip(b.smaar, MAAR2); /* M16: Proxy-CoA updated at once */
	assert_true(pfx_eq(b.hnp, PREF2));
	assert_int_equal(b.n_pmaar, 1);
	assert_ip(b.pmaar[0].addr, MAAR1);
	assert_true(pfx_eq(b.pmaar[0].pfx, PREF1));
	assert_true(b.relay_pending);
	assert_int_equal(dmm_cmd_count(c), 1); /* M15: same session, not a new one */

	/* M17: MAAR1's PBA (with DLIF options) gives the merged PBA to MAAR2. */
	struct dmm_mh_msg a = pmaar_pba(&fwd, PREF1, 0, true);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &p, LIFE);
	assert_int_equal(m->opt.n_pmaar, 1);
	assert_prev(m, 0, MAAR1, PREF1, true);
	assert_arm(1, T0 + 5000 + LIFE * 4000ull);
	assert_false(binding(c).relay_pending);

	/* A duplicate of that PBA now matches nothing. */
	assert_int_equal(in(c, T0 + 5200, MAAR1, &a), DMM_CMD_IGNORED);
	assert_int_equal(dmm_cmd_get_stats(c)->drop_pba_unmatched, 1);
	dmm_cmd_free(c);
}

static void M18_relay_second_handover_fans_out_to_every_pmaar_and_merges(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg a = pmaar_pba(&out.a[0].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);

	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 9000, 9, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p3), DMM_CMD_DONE);
	assert_int_equal(out.n, 3);
	struct dmm_mh_msg f1 = *assert_fwd(0, MAAR1, PREF1, &p3, MAAR3, LIFE);
	struct dmm_mh_msg f2 = *assert_fwd(1, MAAR2, PREF2, &p3, MAAR3, LIFE);
	assert_arm(2, T0 + 10000);
	struct dmm_cmd_binding b = binding(c);
	assert_ip(b.smaar, MAAR3);
	assert_int_equal(b.n_pmaar, 2);
	assert_ip(b.pmaar[0].addr, MAAR1);
	assert_ip(b.pmaar[1].addr, MAAR2);
	assert_true(pfx_eq(b.pmaar[1].pfx, PREF2));

	/* Answers in reverse order: nothing until both, then one PBA in P-MAAR list order. */
	a = pmaar_pba(&f2, PREF2, 0, true);
	assert_int_equal(in(c, T0 + 9050, MAAR2, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	a = pmaar_pba(&f1, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 9060, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR3, &p3, LIFE);
	assert_int_equal(m->opt.n_pmaar, 2);
	assert_prev(m, 0, MAAR1, PREF1, false);
	assert_prev(m, 1, MAAR2, PREF2, true);
	assert_arm(1, T0 + 9000 + LIFE * 4000ull);
	dmm_cmd_free(c);
}

static void M19_relay_timeout_sends_collected_pba_and_late_one_follows(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 500, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg a1 = pmaar_pba(&out.a[0].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a1), DMM_CMD_DONE);

	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p3), DMM_CMD_DONE);
	struct dmm_mh_msg f1 = out.a[0].msg, f2 = out.a[1].msg;
	assert_arm(2, T0 + 9500);
	struct dmm_mh_msg a = pmaar_pba(&f2, PREF2, 0, false); /* MAAR2 is quick */
	assert_int_equal(in(c, T0 + 9100, MAAR2, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);

	assert_int_equal(dmm_cmd_tick(c, T0 + 9499, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 9500, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR3, &p3, LIFE);
	assert_int_equal(m->opt.n_pmaar, 1);
	assert_prev(m, 0, MAAR2, PREF2, false);
	assert_arm(1, T0 + 10000); /* MAAR1's retransmission (M22) */
	assert_int_equal(dmm_cmd_get_stats(c)->relay_timeouts, 1);

	a = pmaar_pba(&f1, PREF1, 0, true); /* MAAR1 is late */
	assert_int_equal(in(c, T0 + 9800, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	m = assert_pba_ok(0, MAAR3, &p3, LIFE);
	assert_int_equal(m->opt.n_pmaar, 1);
	assert_prev(m, 0, MAAR1, PREF1, true);
	assert_arm(1, T0 + 9000 + LIFE * 4000ull); /* every PBA in: no retransmission left */
	assert_false(binding(c).relay_pending);
	assert_int_equal(dmm_cmd_get_stats(c)->relay_late_pbas, 1);
	dmm_cmd_free(c);
}

static void relay_refusing_pmaar_is_left_out_and_forgotten(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg a =
	    pmaar_pba(&out.a[0].msg, PREF1, DMM_MH_ST_NOT_LMA_FOR_THIS_MOBILE_NODE, false);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &p2, LIFE);
	assert_int_equal(m->opt.n_pmaar, 0);
	assert_int_equal(binding(c).n_pmaar, 0);
	dmm_cmd_free(c);
}

static void M21_locator_handovers_forward_pbus_and_ack_without_previous_maar(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_LOCATOR, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);

	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	assert_int_equal(out.n, 3); /* PBU to MAAR1, then PBA to MAAR2 */
	struct dmm_mh_msg f = *assert_fwd(0, MAAR1, PREF1, &p2, MAAR2, LIFE);
	const struct dmm_mh_msg *m = assert_pba_ok(1, MAAR2, &p2, LIFE);
	assert_arm(2, T0 + 6000); /* retransmission to MAAR1 (M22) */
	assert_int_equal(m->opt.n_pmaar, 0);
	assert_false(binding(c).relay_pending);
	/* MAAR1's PBA to the CMD is consumed: no message; its retransmission stops. */
	struct dmm_mh_msg a = pmaar_pba(&f, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	assert_arm(0, T0 + 5000 + LIFE * 4000ull);

	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p3), DMM_CMD_DONE);
	assert_int_equal(out.n, 4);
	assert_fwd(0, MAAR1, PREF1, &p3, MAAR3, LIFE);
	assert_fwd(1, MAAR2, PREF2, &p3, MAAR3, LIFE);
	m = assert_pba_ok(2, MAAR3, &p3, LIFE);
	assert_int_equal(m->opt.n_pmaar, 0);
	assert_arm(3, T0 + 10000);
	struct dmm_cmd_binding b = binding(c);
	assert_ip(b.smaar, MAAR3);
	assert_int_equal(b.n_pmaar, 2);
	dmm_cmd_free(c);
}

/* dmm_cmd_foreach: three MNs (one moved MAAR1 -> MAAR2, one plain, one de-registered), every
 * field of the public view, early stop, and no stale entry after a deletion. */
struct seen {
	unsigned n, stop_after;
	struct dmm_cmd_binding b[4];
};

static int collect(const struct dmm_cmd_binding *b, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 4);
	s->b[s->n++] = *b;
	return s->stop_after && s->n == s->stop_after ? 42 : 0;
}

static const struct dmm_cmd_binding *seen_find(const struct seen *s, const char *nai)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->b[i].nai, nai) == 0)
			return &s->b[i];
	fail_msg("%s not listed", nai);
	return NULL;
}

static void foreach_lists_every_binding_and_stops_early(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_LOCATOR, 1000, 100);
	struct seen s = {0};

	assert_int_equal(dmm_cmd_foreach(c, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(dmm_cmd_foreach(NULL, collect, &s), -EINVAL);
	assert_int_equal(dmm_cmd_foreach(c, NULL, &s), -EINVAL);

	register_at_maar1(c); /* mn1 at MAAR1, then handover to MAAR2 */
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	p = pbu("mn2@example.net", PREF3, DMM_MH_HI_NEW_IFACE, T0 + 6000, 9, 10);
	assert_int_equal(in(c, T0 + 6000, MAAR3, &p), DMM_CMD_DONE);
	p = pbu("mn3@example.net", PREF4, DMM_MH_HI_NEW_IFACE, T0 + 6000, 1, LIFE);
	assert_int_equal(in(c, T0 + 6000, MAAR4, &p), DMM_CMD_DONE);
	p = pbu("mn3@example.net", PREF4, DMM_MH_HI_UNKNOWN, T0 + 7000, 2, 0);
	assert_int_equal(in(c, T0 + 7000, MAAR4, &p), DMM_CMD_DONE);

	assert_int_equal(dmm_cmd_foreach(c, collect, &s), 0);
	assert_int_equal(s.n, 3);
	const struct dmm_cmd_binding *b = seen_find(&s, NAI);
	assert_int_equal(b->nai_len, strlen(NAI));
	assert_int_equal(b->state, DMM_CMD_BCE_ACTIVE);
	assert_ip(b->smaar, MAAR2);
	assert_true(pfx_eq(b->hnp, PREF2));
	assert_int_equal(b->n_pmaar, 1);
	assert_ip(b->pmaar[0].addr, MAAR1);
	assert_true(pfx_eq(b->pmaar[0].pfx, PREF1));
	assert_int_equal(b->expire_ms, T0 + 5000 + LIFE * 4000ull);
	assert_true(b->has_ts);
	assert_int_equal(b->last_seq, 1);
	/* The same view as dmm_cmd_lookup(). */
	struct dmm_cmd_binding l = binding(c);
	assert_memory_equal(&l, b, sizeof(l));

	b = seen_find(&s, "mn2@example.net");
	assert_int_equal(b->state, DMM_CMD_BCE_ACTIVE);
	assert_ip(b->smaar, MAAR3);
	assert_true(pfx_eq(b->hnp, PREF3));
	assert_int_equal(b->n_pmaar, 0);
	assert_int_equal(b->expire_ms, T0 + 6000 + 10 * 4000ull);
	assert_int_equal(b->last_seq, 9);

	b = seen_find(&s, "mn3@example.net");
	assert_int_equal(b->state, DMM_CMD_BCE_DEREG);
	assert_ip(b->smaar, MAAR4);
	assert_true(pfx_eq(b->hnp, PREF4));
	assert_int_equal(b->delete_ms, T0 + 7000 + 10000);

	/* A non-zero return stops the walk and is passed back. */
	s = (struct seen){.stop_after = 2};
	assert_int_equal(dmm_cmd_foreach(c, collect, &s), 42);
	assert_int_equal(s.n, 2);

	/* mn3 deleted after MinDelayBeforeBCEDelete: no longer listed. */
	while (dmm_cmd_tick(c, T0 + 17000, &out) == DMM_CMD_MORE)
		;
	s = (struct seen){0};
	assert_int_equal(dmm_cmd_foreach(c, collect, &s), 0);
	assert_int_equal(s.n, 2);
	for (unsigned i = 0; i < s.n; i++)
		assert_string_not_equal(s.b[i].nai, "mn3@example.net");
	dmm_cmd_free(c);
}

static void M20_proxy_handovers_answer_at_once_then_update_pmaars(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);

	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	assert_int_equal(out.n, 3);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &p2, LIFE); /* PBA first */
	assert_int_equal(m->opt.n_pmaar, 1);
	assert_prev(m, 0, MAAR1, PREF1, false);
	assert_fwd(1, MAAR1, PREF1, &p2, MAAR2, LIFE);
	assert_arm(2, T0 + 6000); /* retransmission to MAAR1 (M22) */

	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p3), DMM_CMD_DONE);
	assert_int_equal(out.n, 4);
	m = assert_pba_ok(0, MAAR3, &p3, LIFE);
	assert_int_equal(m->opt.n_pmaar, 2);
	assert_prev(m, 0, MAAR1, PREF1, false);
	assert_prev(m, 1, MAAR2, PREF2, false);
	struct dmm_mh_msg f2 = *assert_fwd(2, MAAR2, PREF2, &p3, MAAR3, LIFE);
	assert_fwd(1, MAAR1, PREF1, &p3, MAAR3, LIFE);
	assert_arm(3, T0 + 10000);
	struct dmm_mh_msg a = pmaar_pba(&f2, PREF2, 0, false);
	assert_int_equal(in(c, T0 + 9100, MAAR2, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	dmm_cmd_free(c);
}

/* ---- Local Prefix (RFC 8885 §3.7, §4.4: P5, D3) -------------------------------------------- */

#define LOC1 pfx("2001:db8:900::/40")
#define LOC2 pfx("fd00:1::/32")

static void assert_local(const struct dmm_mh_pmaar *p, unsigned n, const struct dmm_prefix *l)
{
	assert_int_equal(p->n_local, n);
	for (unsigned k = 0; k < n; k++)
		if (!pfx_eq(p->local[k], l[k])) {
			char a[DMM_PFX_STRLEN], b[DMM_PFX_STRLEN];
			fail_msg("local[%u]: expected %s, got %s", k, dmm_prefix_fmt(&l[k], a),
				 dmm_prefix_fmt(&p->local[k], b));
		}
}

/* Relay: each P-MAAR's 66s (message-level in its PBA) follow its own Previous MAAR option in
 * the merged PBA (G4 convention), survive the wire, and are repeated in refresh PBAs. */
static void P5_D3_relay_merged_pba_ties_local_prefixes_to_their_pmaar(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg a = pmaar_pba(&out.a[0].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE); /* MAAR1: no local net */
	assert_int_equal(assert_pba_ok(0, MAAR2, &p2, LIFE)->opt.pmaar[0].n_local, 0);

	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 9000, 9, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p3), DMM_CMD_DONE);
	struct dmm_mh_msg f1 = *assert_fwd(0, MAAR1, PREF1, &p3, MAAR3, LIFE); /* no 66 in PBUs */
	struct dmm_mh_msg f2 = *assert_fwd(1, MAAR2, PREF2, &p3, MAAR3, LIFE);
	a = pmaar_pba(&f2, PREF2, 0, true);
	a.opt.n_local = 2;
	a.opt.local[0] = LOC1;
	a.opt.local[1] = LOC2;
	assert_int_equal(in(c, T0 + 9050, MAAR2, &a), DMM_CMD_DONE);
	a = pmaar_pba(&f1, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 9060, MAAR1, &a), DMM_CMD_DONE);
	struct dmm_mh_msg m = *assert_pba_ok(0, MAAR3, &p3, LIFE);
	assert_int_equal(m.opt.n_pmaar, 2);
	assert_prev(&m, 0, MAAR1, PREF1, false);
	assert_prev(&m, 1, MAAR2, PREF2, true);
	assert_local(&m.opt.pmaar[0], 0, NULL);
	assert_local(&m.opt.pmaar[1], 2, (struct dmm_prefix[]){LOC1, LOC2});
	/* on the wire: built and parsed back, each 66 still in MAAR2's scope */
	uint8_t b[DMM_MH_MAX_LEN];
	size_t len;
	struct dmm_mh_msg got;
	assert_int_equal(dmm_mh_build(&m, NULL, NULL, b, sizeof(b), &len), 0);
	assert_int_equal(dmm_mh_parse(b, len, NULL, NULL, &got), 0);
	assert_int_equal(got.opt.n_local, 0);
	assert_local(&got.opt.pmaar[0], 0, NULL);
	assert_local(&got.opt.pmaar[1], 2, (struct dmm_prefix[]){LOC1, LOC2});
	/* kept in the BCE's P-MAAR entry */
	struct dmm_cmd_binding bc = binding(c);
	assert_int_equal(bc.pmaar[0].n_local, 0);
	assert_int_equal(bc.pmaar[1].n_local, 2);
	assert_true(pfx_eq(bc.pmaar[1].local[1], LOC2));
	/* the S-MAAR's refresh PBA repeats the list with them */
	struct dmm_mh_msg r = pbu(NAI, PREF3, DMM_MH_HI_NOT_CHANGED, T0 + 60000, 10, LIFE);
	assert_int_equal(in(c, T0 + 60000, MAAR3, &r), DMM_CMD_DONE);
	m = *assert_pba_ok(0, MAAR3, &r, LIFE);
	assert_int_equal(m.opt.n_pmaar, 2);
	assert_local(&m.opt.pmaar[1], 2, (struct dmm_prefix[]){LOC1, LOC2});
	dmm_cmd_free(c);
}

/* Proxy: the PBA to the S-MAAR leaves before the P-MAARs answer (§3.4). A P-MAAR whose PBA
 * reports Local Prefixes the S-MAAR was not given gets a follow-up PBA (one Previous MAAR option,
 * the handover PBU's seq); known ones are in the next handover's immediate PBA. */
static void D3_proxy_local_prefixes_follow_in_a_pba_and_are_kept_for_later_answers(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	assert_int_equal(assert_pba_ok(0, MAAR2, &p2, LIFE)->opt.pmaar[0].n_local, 0);
	struct dmm_mh_msg f = out.a[1].msg;
	struct dmm_mh_msg a = pmaar_pba(&f, PREF1, 0, true);
	a.opt.n_local = 1;
	a.opt.local[0] = LOC1;
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 2); /* the follow-up PBA and the ARM (retries stopped) */
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &p2, LIFE);
	assert_int_equal(m->opt.n_pmaar, 1);
	assert_prev(m, 0, MAAR1, PREF1, true);
	assert_local(&m->opt.pmaar[0], 1, (struct dmm_prefix[]){LOC1});
	assert_int_equal(dmm_cmd_get_stats(c)->local_followups, 1);

	/* next handover: MAAR1's set is known and in the immediate PBA; MAAR2 reports the same
	 * (none) as the CMD holds: no follow-up */
	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p3), DMM_CMD_DONE);
	m = assert_pba_ok(0, MAAR3, &p3, LIFE);
	assert_int_equal(m->opt.n_pmaar, 2);
	assert_local(&m->opt.pmaar[0], 1, (struct dmm_prefix[]){LOC1});
	assert_local(&m->opt.pmaar[1], 0, NULL);
	struct dmm_mh_msg f1 = out.a[1].msg, f2 = out.a[2].msg;
	a = pmaar_pba(&f2, PREF2, 0, false);
	assert_int_equal(in(c, T0 + 9100, MAAR2, &a), DMM_CMD_DONE);
	assert_int_equal(count_sends(), 0);
	a = pmaar_pba(&f1, PREF1, 0, false);
	a.opt.n_local = 1;
	a.opt.local[0] = LOC1;
	assert_int_equal(in(c, T0 + 9100, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(count_sends(), 0);
	assert_int_equal(dmm_cmd_get_stats(c)->local_followups, 1);
	dmm_cmd_free(c);
}

/* Locator: the P-MAARs tell the S-MAAR themselves (P5 direct PBA); the CMD only keeps them. A
 * refusing PBA's options are not kept, and more than DMM_MH_MAX_PMAAR_LOCAL are cut. */
static void P5_locator_cmd_keeps_local_prefixes_without_follow_up(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_LOCATOR, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg f = out.a[0].msg;
	assert_int_equal(f.type, DMM_MH_BU);
	struct dmm_mh_msg a = pmaar_pba(&f, PREF1, 0, false);
	a.opt.n_local = DMM_MH_MAX_PMAAR_LOCAL + 1;
	for (unsigned k = 0; k < a.opt.n_local; k++) {
		a.opt.local[k] = LOC2;
		a.opt.local[k].addr.a[4] = (uint8_t)k;
	}
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(count_sends(), 0);
	struct dmm_cmd_binding bc = binding(c);
	assert_int_equal(bc.pmaar[0].n_local, DMM_MH_MAX_PMAAR_LOCAL);
	assert_int_equal(bc.pmaar[0].local[DMM_MH_MAX_PMAAR_LOCAL - 1].addr.a[4],
			 DMM_MH_MAX_PMAAR_LOCAL - 1);
	assert_int_equal(dmm_cmd_get_stats(c)->local_dropped, 1);
	assert_int_equal(dmm_cmd_get_stats(c)->local_followups, 0);
	dmm_cmd_free(c);
}

static void return_to_a_previous_maar_drops_it_from_the_pmaar_list(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	p = pbu(NAI, PREF4, 3, T0 + 9000, 2, LIFE); /* back at MAAR1, new prefix */
	assert_int_equal(in(c, T0 + 9000, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 3);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR1, &p, LIFE);
	assert_int_equal(m->opt.n_pmaar, 1);
	assert_prev(m, 0, MAAR2, PREF2, false);
	assert_fwd(1, MAAR2, PREF2, &p, MAAR1, LIFE);
	struct dmm_cmd_binding b = binding(c);
	assert_ip(b.smaar, MAAR1);
	assert_int_equal(b.n_pmaar, 1);
	dmm_cmd_free(c);
}

/* ---- refresh, de-registration, expiry ------------------------------------------------------ */

static void M26_refresh_from_serving_maar_extends_lifetime(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF1, DMM_MH_HI_NOT_CHANGED, T0 + 60000, 2, 100);

	assert_int_equal(in(c, T0 + 60000, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR1, &p, 100);
	assert_int_equal(m->opt.n_pmaar, 0);
	assert_arm(1, T0 + 60000 + 400000);
	assert_int_equal(binding(c).expire_ms, T0 + 60000 + 400000);
	assert_int_equal(dmm_cmd_get_stats(c)->refreshes, 1);

	/* A different prefix from the same S-MAAR: 159, nothing changes. */
	p = pbu(NAI, PREF4, DMM_MH_HI_NOT_CHANGED, T0 + 61000, 3, LIFE);
	assert_int_equal(in(c, T0 + 61000, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_BCE_PBU_PREFIX_SET_DO_NOT_MATCH, 0);
	assert_int_equal(binding(c).expire_ms, T0 + 60000 + 400000);
	dmm_cmd_free(c);
}

static void M23_deregistration_keeps_bce_for_min_delay_then_deletes_and_tells_pmaars(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);

	struct dmm_mh_msg d = pbu(NAI, PREF2, DMM_MH_HI_UNKNOWN, T0 + 20000, 2, 0);
	assert_int_equal(in(c, T0 + 20000, MAAR2, &d), DMM_CMD_DONE);
	assert_int_equal(out.n, 3);
	assert_pba_ok(0, MAAR2, &d, 0);
	assert_fwd(1, MAAR1, PREF1, &d, MAAR2, 0);
	assert_arm(2, T0 + 21000); /* retransmission to MAAR1 (M22) */
	struct dmm_cmd_binding b = binding(c);
	assert_int_equal(b.state, DMM_CMD_BCE_DEREG);
	assert_int_equal(b.delete_ms, T0 + 30000);
	assert_int_equal(b.n_pmaar, 0);

	/* A retransmitted de-registration: same answer, no fan-out, same timer. */
	d.opt.ts = ts_of(T0 + 21000);
	assert_int_equal(in(c, T0 + 21000, MAAR2, &d), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	assert_pba_ok(0, MAAR2, &d, 0);

	assert_int_equal(dmm_cmd_tick(c, T0 + 29999, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 1);
	assert_int_equal(dmm_cmd_tick(c, T0 + 30000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	struct dmm_cmd_binding x;
	assert_int_equal(dmm_cmd_lookup(c, NAI, &x), -ENOENT);
	assert_int_equal(dmm_cmd_get_stats(c)->deleted, 1);
	dmm_cmd_free(c);
}

static void M23_registration_within_min_delay_cancels_deletion(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg d = pbu(NAI, PREF1, DMM_MH_HI_UNKNOWN, T0 + 1000, 2, 0);
	assert_int_equal(in(c, T0 + 1000, MAAR1, &d), DMM_CMD_DONE);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0 + 3000, 3, LIFE);
	assert_int_equal(in(c, T0 + 3000, MAAR1, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR1, &p, LIFE);
	assert_int_equal(binding(c).state, DMM_CMD_BCE_ACTIVE);
	assert_int_equal(dmm_cmd_tick(c, T0 + 20000, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 1);
	dmm_cmd_free(c);
}

static void M24_M25_lifetime_zero_from_pmaar_renewed_stranger_and_unknown_ignored(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	struct dmm_mh_msg d = pbu(NAI, PREF1, 4, T0, 1, 0);

	assert_int_equal(in(c, T0, MAAR1, &d), DMM_CMD_IGNORED); /* M25 */
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_get_stats(c)->drop_dereg_unknown, 1);

	register_at_maar1(c); /* ts T0 */
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 2, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	/* M24 variant 2: MAAR1 (a P-MAAR) de-registers; the MN is still here. */
	d = pbu(NAI, PREF1, 4, T0 + 6000, 3, 0);
	assert_int_equal(in(c, T0 + 6000, MAAR1, &d), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	uint16_t left = (uint16_t)((LIFE * 4000ull - 1000 + 3999) / 4000);
	assert_pba_ok(0, MAAR1, &d, left);
	assert_int_equal(binding(c).state, DMM_CMD_BCE_ACTIVE);
	/* A MAAR that never served the MN. */
	d = pbu(NAI, PREF3, 4, T0 + 7000, 4, 0);
	assert_int_equal(in(c, T0 + 7000, MAAR3, &d), DMM_CMD_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_get_stats(c)->drop_dereg_stranger, 1);
	dmm_cmd_free(c);
}

static void lifetime_expiry_removes_the_entry(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, 10); /* 40 s */

	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_arm(1, T0 + 40000);
	assert_int_equal(dmm_cmd_tick(c, T0 + 39999, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 1);
	assert_int_equal(dmm_cmd_tick(c, T0 + 40000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	assert_int_equal(dmm_cmd_get_stats(c)->expired, 1);
	dmm_cmd_free(c);
}

static void tick_reports_more_when_due_timers_exceed_the_action_array(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 500, 100);
	char nai[32];

	for (int i = 0; i < 50; i++) { /* 50 relay handovers timing out together */
		snprintf(nai, sizeof(nai), "mn%d@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(1, (unsigned)i), 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
		p = pbu(nai, pfx_n(2, (unsigned)i), 3, T0 + 1, 2, LIFE);
		assert_int_equal(in(c, T0 + 1, MAAR2, &p), DMM_CMD_DONE);
	}
	unsigned pbas = 0, rounds = 0;
	int rc;
	do {
		rc = dmm_cmd_tick(c, T0 + 501, &out);
		assert_true(rc == DMM_CMD_DONE || rc == DMM_CMD_MORE);
		for (unsigned i = 0; i < out.n; i++)
			pbas += out.a[i].type == DMM_CMD_ACT_SEND;
		rounds++;
	} while (rc == DMM_CMD_MORE);
	assert_int_equal(pbas, 50);
	assert_true(rounds > 1);
	dmm_cmd_free(c);
}

static void X4_M18_fanout_is_paced_to_max_update_rate_per_destination(void **state)
{
	(void)state;
	/* default rate 3/s; retransmissions off: their pacing is checked in M22_X4_... */
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_PROXY, 1000, 100, no_retransmission);
	struct dmm_mh_msg h[7];
	char nai[32];

	for (int i = 0; i < 7; i++) {
		snprintf(nai, sizeof(nai), "mn%d@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(1, (unsigned)i), 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	}
	/* Seven MNs move MAAR1 -> MAAR2 at once: seven PBUs for MAAR1. */
	for (int i = 0; i < 7; i++) {
		snprintf(nai, sizeof(nai), "mn%d@x", i);
		h[i] = pbu(nai, pfx_n(2, (unsigned)i), 3, T0 + 1000, 2, LIFE);
		assert_int_equal(in(c, T0 + 1000, MAAR2, &h[i]), DMM_CMD_DONE);
		const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &h[i], LIFE);
		assert_prev(m, 0, MAAR1, pfx_n(1, (unsigned)i), false);
		if (i < 3) {
			assert_fwd(1, MAAR1, pfx_n(1, (unsigned)i), &h[i], MAAR2, LIFE);
			assert_int_equal(out.n, 2); /* earliest timer: the others' expiry */
		} else {			    /* over 3/s: queued */
			if (i == 3) {
				assert_int_equal(out.n, 2);
				assert_arm(1, T0 + 2000);
			} else {
				assert_int_equal(out.n, 1);
			}
		}
	}
	assert_int_equal(dmm_cmd_get_stats(c)->paced, 4);
	assert_int_equal(dmm_cmd_tick(c, T0 + 1999, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 2000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 4);
	for (int i = 3; i < 6; i++)
		assert_fwd((unsigned)i - 3, MAAR1, pfx_n(1, (unsigned)i), &h[i], MAAR2, LIFE);
	assert_arm(3, T0 + 3000);
	assert_int_equal(dmm_cmd_tick(c, T0 + 3000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	assert_fwd(0, MAAR1, pfx_n(1, 6), &h[6], MAAR2, LIFE);
	assert_arm(1, T0 + 1000 + LIFE * 4000ull);

	/* Other destinations are not held back by MAAR1's queue. */
	struct dmm_mh_msg p = pbu("other@x", PREF3, 1, T0 + 3000, 1, LIFE);
	assert_int_equal(in(c, T0 + 3000, MAAR3, &p), DMM_CMD_DONE);
	p = pbu("other@x", PREF4, 3, T0 + 3001, 2, LIFE);
	assert_int_equal(in(c, T0 + 3001, MAAR4, &p), DMM_CMD_DONE);
	assert_fwd(1, MAAR3, PREF3, &p, MAAR4, LIFE);
	dmm_cmd_free(c);
}

/* ---- retransmission of forwarded PBUs (M22) ----------------------------------------------- */

/* The SEND actions of out to dst, in order; *n set. */
static unsigned sends_to(struct dmm_ip6 dst, const struct dmm_mh_msg **m, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < out.n && n < max; i++)
		if (out.a[i].type == DMM_CMD_ACT_SEND && dmm_ip6_eq(&out.a[i].dst, &dst))
			m[n++] = &out.a[i].msg;
	return n;
}

/* G7 / sim finding F2: the S-MAAR goes silent (crashed, or its lifetime-0 PBU was lost). At
 * lifetime expiry the CMD tells every P-MAAR with the de-registration form of PBU (lifetime 0,
 * Serving MAAR, Anchored Prefix, HI=4, fresh Timestamp, a new seq), retries the unanswered
 * ones, and deletes the entry MinDelayBeforeBCEDelete later. */
static void G7_expiry_with_pmaars_sends_them_lifetime_zero_pbus_then_deletes(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	struct dmm_mh_msg p = pbu(NAI, PREF1, 1, T0, 1, 10); /* 40 s */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	p = pbu(NAI, PREF2, 3, T0 + 5000, 2, 10);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	struct dmm_mh_msg a = pmaar_pba(&out.a[1].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5001, MAAR1, &a), DMM_CMD_DONE);
	p = pbu(NAI, PREF3, 3, T0 + 9000, 7, 10); /* expires at T0 + 49000 */
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p), DMM_CMD_DONE);
	struct dmm_mh_msg late = pmaar_pba(&out.a[2].msg, PREF2, 0, false); /* held back */
	a = pmaar_pba(&out.a[1].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 9001, MAAR1, &a), DMM_CMD_DONE);

	assert_int_equal(dmm_cmd_tick(c, T0 + 48999, &out), DMM_CMD_DONE);
	assert_int_equal(binding(c).state, DMM_CMD_BCE_ACTIVE);
	assert_int_equal(dmm_cmd_tick(c, T0 + 49000, &out), DMM_CMD_DONE);
	/* What the S-MAAR would have sent (RFC 5213 §6.9.1.4): seq 7 + 1, now as Timestamp. */
	struct dmm_mh_msg want = pbu(NAI, PREF3, DMM_MH_HI_UNKNOWN, T0 + 49000, 8, 0);
	assert_int_equal(out.n, 3);
	struct dmm_mh_msg n1 = *assert_fwd(0, MAAR1, PREF1, &want, MAAR3, 0);
	struct dmm_mh_msg n2 = *assert_fwd(1, MAAR2, PREF2, &want, MAAR3, 0);
	assert_arm(2, T0 + 50000); /* first retry; deletion at T0 + 59000 */
	uint8_t buf[1500];
	size_t len;
	struct dmm_ip6 cmd = CMD, maar1 = MAAR1, maar2 = MAAR2;
	assert_int_equal(dmm_mh_build(&n1, &cmd, &maar1, buf, sizeof(buf), &len), 0);
	assert_int_equal(dmm_mh_build(&n2, &cmd, &maar2, buf, sizeof(buf), &len), 0);
	struct dmm_cmd_binding b = binding(c);
	assert_int_equal(b.state, DMM_CMD_BCE_DEREG);
	assert_int_equal(b.n_pmaar, 0);
	assert_int_equal(b.delete_ms, T0 + 59000);
	assert_int_equal(b.fwd_unanswered, 2);
	assert_int_equal(dmm_cmd_get_stats(c)->expired, 1);
	assert_int_equal(dmm_cmd_get_stats(c)->expiry_notices, 2);

	/* MAAR1 answers the notice; MAAR2's late PBA to the handover (seq 7) does not count. */
	a = pmaar_pba(&n1, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 49100, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(in(c, T0 + 49100, MAAR2, &late), DMM_CMD_IGNORED);
	assert_int_equal(binding(c).fwd_unanswered, 1);
	assert_int_equal(dmm_cmd_tick(c, T0 + 50000, &out), DMM_CMD_DONE);
	const struct dmm_mh_msg *m[2];
	assert_int_equal(sends_to(MAAR1, m, 2), 0);
	assert_int_equal(sends_to(MAAR2, m, 2), 1);
	assert_int_equal(m[0]->bu.lifetime, 0);
	assert_int_equal(m[0]->bu.seq, n2.bu.seq);
	assert_int_equal(m[0]->opt.ts, ts_of(T0 + 50000)); /* restamped retry */
	a = pmaar_pba(m[0], PREF2, 0, false);
	assert_int_equal(in(c, T0 + 50100, MAAR2, &a), DMM_CMD_DONE);
	assert_int_equal(binding(c).fwd_unanswered, 0);

	assert_int_equal(dmm_cmd_tick(c, T0 + 58999, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 1);
	assert_int_equal(dmm_cmd_tick(c, T0 + 59000, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 0);
	assert_int_equal(dmm_cmd_get_stats(c)->deleted, 1);
	dmm_cmd_free(c);
}

/* Many bindings with P-MAARs expiring together: one notice per P-MAAR per MN, none lost; without
 * pacing they come out over several ticks (MORE), with MAX_UPDATE_RATE they are paced. */
static void no_retx_no_pacing(struct dmm_cmd_config *cfg)
{
	cfg->initial_bindack_ms = 0;
	cfg->max_update_rate = 0;
}

static void mass_expiry(bool paced)
{
	struct dmm_cmd *c =
	    new_cmd_x(DMM_CMD_MODE_PROXY, 1000, 100, paced ? no_retransmission : no_retx_no_pacing);
	struct dmm_ip6 maar1 = MAAR1, maar2 = MAAR2;
	enum { N = 40 };
	char nai[32];

	for (unsigned i = 0; i < N; i++) { /* MAAR1 -> MAAR2 -> MAAR3: two P-MAARs each */
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		for (unsigned k = 1; k <= 3; k++) {
			struct dmm_mh_msg p =
			    pbu(nai, pfx_n(k, i), k == 1 ? 1 : 3, T0 + k, (uint16_t)k, 10);
			struct dmm_ip6 src = k == 1 ? MAAR1 : k == 2 ? MAAR2 : MAAR3;
			assert_int_equal(in(c, T0 + k, src, &p), DMM_CMD_DONE);
		}
	}
	unsigned to1 = 0, to2 = 0, more = 0;
	uint64_t first = 0, last = 0;
	/* Every binding expires at T0 + 3 + 40 s; the handover PBUs go out (paced) before. */
	for (uint64_t now = T0 + 4; now < T0 + 80000; now++) {
		int rc;
		do {
			rc = dmm_cmd_tick(c, now, &out);
			more += rc == DMM_CMD_MORE;
			for (unsigned i = 0; i < out.n; i++) {
				const struct dmm_cmd_action *x = &out.a[i];
				if (x->type != DMM_CMD_ACT_SEND || x->msg.bu.lifetime != 0)
					continue;
				assert_true(now >= T0 + 40003);
				to1 += dmm_ip6_eq(&x->dst, &maar1);
				to2 += dmm_ip6_eq(&x->dst, &maar2);
				first = first ? first : now;
				last = now;
			}
		} while (rc == DMM_CMD_MORE);
	}
	assert_int_equal(to1, N);
	assert_int_equal(to2, N);
	assert_int_equal(first, T0 + 40003);
	if (paced) { /* 3 per second per destination: the 40th leaves 13 s after the first */
		assert_int_equal(last, T0 + 40003 + 13000);
	} else { /* 80 notices, at most 19 per output: several rounds at the same time */
		assert_int_equal(last, T0 + 40003);
		assert_true(more >= 4);
	}
	assert_int_equal(dmm_cmd_get_stats(c)->expiry_notices, 2 * N);
	assert_int_equal(dmm_cmd_get_stats(c)->expired, N);
	assert_int_equal(dmm_cmd_count(c), 0); /* deleted 10 s after expiry */
	dmm_cmd_free(c);
}

static void G7_mass_expiry_notices_are_paged_and_paced(void **state)
{
	(void)state;
	mass_expiry(false);
	mass_expiry(true);
}

static void M22_relay_forwarded_pbu_is_retried_at_1_2_4_8_16_32_32_s_until_a_pba(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 0, 100); /* collect without timeout */
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg fwd = *assert_fwd(0, MAAR1, PREF1, &p2, MAAR2, LIFE);
	assert_arm(1, T0 + 6000);
	assert_int_equal(binding(c).fwd_unanswered, 1);

	/* Intervals 1, 2, 4, 8, 16, 32, 32 s after each transmission (RFC 8885 §3.6). */
	static const uint64_t gap[] = {1000, 2000, 4000, 8000, 16000, 32000, 32000};
	uint64_t t = T0 + 5000;
	for (unsigned k = 0; k < sizeof(gap) / sizeof(gap[0]); k++) {
		const struct dmm_mh_msg *m[4];
		t += gap[k];
		assert_int_equal(dmm_cmd_tick(c, t - 1, &out), DMM_CMD_DONE);
		assert_int_equal(sends_to(MAAR1, m, 4), 0);
		assert_int_equal(dmm_cmd_tick(c, t, &out), DMM_CMD_DONE);
		if (sends_to(MAAR1, m, 4) != 1)
			fail_msg("retry %u: expected one PBU to MAAR1 at +%llu ms, got %u", k + 1,
				 (unsigned long long)(t - T0 - 5000), sends_to(MAAR1, m, 4));
		/* same seq and content, fresh Timestamp = the CMD's clock */
		struct dmm_mh_msg want = fwd;
		want.opt.ts = ts_of(t);
		assert_int_equal(m[0]->bu.seq, p2.bu.seq);
		assert_int_equal(m[0]->opt.ts, ts_of(t));
		assert_memory_equal(&m[0]->opt, &want.opt, sizeof(want.opt));
		uint64_t next = t + (k + 1 < sizeof(gap) / sizeof(gap[0]) ? gap[k + 1] : 32000);
		assert_arm(out.n - 1, next);
	}
	assert_int_equal(dmm_cmd_get_stats(c)->retransmits, 7);

	/* MAAR1 answers (the seq of every copy): the merged PBA goes, the retries stop. */
	struct dmm_mh_msg a = pmaar_pba(&fwd, PREF1, 0, false);
	assert_int_equal(in(c, t + 10, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(out.n, 2);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &p2, LIFE);
	assert_prev(m, 0, MAAR1, PREF1, false);
	assert_arm(1, T0 + 5000 + LIFE * 4000ull);
	assert_int_equal(binding(c).fwd_unanswered, 0);
	assert_int_equal(dmm_cmd_tick(c, t + 200000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_get_stats(c)->retransmits, 7);
	dmm_cmd_free(c);
}

static void M22_locator_proxy_and_deregistration_fanouts_are_retried_until_answered(void **state)
{
	(void)state;
	enum dmm_cmd_mode modes[] = {DMM_CMD_MODE_LOCATOR, DMM_CMD_MODE_PROXY};
	const struct dmm_mh_msg *m[4];

	for (unsigned k = 0; k < 2; k++) {
		struct dmm_cmd *c = new_cmd(modes[k], 1000, 100);
		register_at_maar1(c);
		struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
		assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
		assert_int_equal(sends_to(MAAR1, m, 4), 1);
		struct dmm_mh_msg fwd = *m[0];
		assert_int_equal(dmm_cmd_tick(c, T0 + 6000, &out), DMM_CMD_DONE);
		if (sends_to(MAAR1, m, 4) != 1)
			fail_msg("%s: no retry to MAAR1 at +1 s", dmm_cmd_mode_name(modes[k]));
		assert_int_equal(m[0]->bu.seq, 1);
		assert_int_equal(m[0]->bu.lifetime, LIFE);
		assert_int_equal(m[0]->opt.ts, ts_of(T0 + 6000));
		struct dmm_mh_msg a = pmaar_pba(&fwd, PREF1, 0, false);
		assert_int_equal(in(c, T0 + 6100, MAAR1, &a), DMM_CMD_DONE);
		assert_int_equal(dmm_cmd_tick(c, T0 + 60000, &out), DMM_CMD_DONE);
		assert_int_equal(sends_to(MAAR1, m, 4), 0);

		/* De-registration by MAAR2: the lifetime-0 PBU to MAAR1 is retried too, and
		 * MAAR1's PBA (to a DEREG entry) stops it. */
		struct dmm_mh_msg d = pbu(NAI, PREF2, DMM_MH_HI_UNKNOWN, T0 + 60000, 2, 0);
		assert_int_equal(in(c, T0 + 60000, MAAR2, &d), DMM_CMD_DONE);
		assert_int_equal(sends_to(MAAR1, m, 4), 1);
		fwd = *m[0];
		assert_int_equal(fwd.bu.lifetime, 0);
		assert_int_equal(dmm_cmd_tick(c, T0 + 61000, &out), DMM_CMD_DONE);
		assert_int_equal(sends_to(MAAR1, m, 4), 1);
		assert_int_equal(m[0]->bu.lifetime, 0);
		assert_int_equal(m[0]->bu.seq, 2);
		assert_int_equal(m[0]->opt.ts, ts_of(T0 + 61000));
		a = pmaar_pba(&fwd, PREF1, 0, false);
		a.ba.lifetime = 0;
		assert_int_equal(in(c, T0 + 61100, MAAR1, &a), DMM_CMD_DONE);
		assert_int_equal(binding(c).fwd_unanswered, 0);
		assert_int_equal(dmm_cmd_tick(c, T0 + 69000, &out), DMM_CMD_DONE);
		assert_int_equal(sends_to(MAAR1, m, 4), 0);
		assert_int_equal(dmm_cmd_get_stats(c)->retransmits, 2);
		dmm_cmd_free(c);
	}
}

static void M22_retries_stop_when_superseded_by_a_newer_handover_or_bce_removal(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	const struct dmm_mh_msg *m[4];
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	p = pbu(NAI, PREF3, 3, T0 + 5500, 2, 10); /* 40 s */
	assert_int_equal(in(c, T0 + 5500, MAAR3, &p), DMM_CMD_DONE);
	assert_arm(out.n - 1, T0 + 6500); /* not T0 + 6000 */
	/* The seq-1 PBU to MAAR1 is not retried at +1 s; the seq-2 ones are at 6500. */
	assert_int_equal(dmm_cmd_tick(c, T0 + 6000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 6500, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1);
	assert_int_equal(m[0]->bu.seq, 2);
	assert_int_equal(sends_to(MAAR2, m, 4), 1);
	assert_int_equal(m[0]->bu.seq, 2);
	/* Expiry at T0+45500 replaces the seq-2 retries by lifetime-0 notices (G7, F2), whose
	 * retries stop when the BCE is removed 10 s later. */
	assert_int_equal(dmm_cmd_tick(c, T0 + 45500, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1);
	assert_int_equal(m[0]->bu.lifetime, 0);
	assert_int_equal(m[0]->bu.seq, 3);
	assert_int_equal(sends_to(MAAR2, m, 4), 1);
	assert_int_equal(m[0]->bu.lifetime, 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 55500, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 200000, &out), DMM_CMD_DONE);
	assert_int_equal(out.n, 0);
	dmm_cmd_free(c);
}

/* Drive c like the daemon: tick at every armed time up to until; record each PBU to dst. */
struct sent {
	unsigned n;
	uint64_t at[4096];
	uint64_t ts[4096];
	char nai[4096][16];
};

static void record(struct sent *r, uint64_t now, struct dmm_ip6 dst)
{
	for (unsigned i = 0; i < out.n; i++) {
		const struct dmm_cmd_action *a = &out.a[i];
		if (a->type != DMM_CMD_ACT_SEND || a->msg.type != DMM_MH_BU ||
		    !dmm_ip6_eq(&a->dst, &dst))
			continue;
		assert_true(r->n < 4096);
		r->at[r->n] = now;
		r->ts[r->n] = a->msg.opt.ts;
		snprintf(r->nai[r->n], sizeof(r->nai[0]), "%.15s", a->msg.opt.nai); /* test NAIs are short */
		r->n++;
	}
}

static uint64_t armed_in_out(uint64_t prev)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == DMM_CMD_ACT_ARM)
			prev = out.a[i].at_ms;
	return prev;
}

static void M22_X4_retries_keep_max_update_rate_with_many_mns(void **state)
{
	(void)state;
	enum { N = 40 };
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	static struct sent r;
	uint64_t armed = 0;
	char nai[16];

	memset(&r, 0, sizeof(r));
	for (unsigned i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(1, i), 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
		armed = armed_in_out(armed);
	}
	for (unsigned i = 0; i < N; i++) { /* all move to MAAR2; MAAR1 never answers */
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(2, i), 3, T0 + 1000, 2, LIFE);
		assert_int_equal(in(c, T0 + 1000, MAAR2, &p), DMM_CMD_DONE);
		record(&r, T0 + 1000, MAAR1);
		armed = armed_in_out(armed);
	}
	while (armed && armed <= T0 + 200000) {
		uint64_t now = armed;
		int rc = dmm_cmd_tick(c, now, &out);
		assert_true(rc == DMM_CMD_DONE || rc == DMM_CMD_MORE);
		record(&r, now, MAAR1);
		armed = armed_in_out(armed);
		if (rc == DMM_CMD_DONE && armed == now)
			fail_msg("ARM did not move past %llu", (unsigned long long)now);
	}
	/* Never more than 3 PBUs to MAAR1 in any 1 s window. */
	for (unsigned i = 0; i + 3 < r.n; i++)
		if (r.at[i + 3] < r.at[i] + 1000)
			fail_msg("4 PBUs to MAAR1 within %llu ms (#%u at %llu)",
				 (unsigned long long)(r.at[i + 3] - r.at[i]), i,
				 (unsigned long long)(r.at[i] - T0));
	/* Every MN's PBU was retried (at least 5 copies in 200 s) and every copy after the
	 * first carries the time it left. */
	for (unsigned i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		unsigned copies = 0;
		for (unsigned k = 0; k < r.n; k++) {
			if (strcmp(r.nai[k], nai))
				continue;
			if (copies++ == 0)
				assert_int_equal(r.ts[k], ts_of(T0 + 1000));
			else
				assert_int_equal(r.ts[k], ts_of(r.at[k]));
		}
		if (copies < 5)
			fail_msg("%s: %u copies to MAAR1 in 200 s, expected >= 5", nai, copies);
	}
	assert_true(dmm_cmd_get_stats(c)->retransmits >= 4 * N);
	assert_true(dmm_cmd_get_stats(c)->paced > 0);
	dmm_cmd_free(c);
}

/* ---- refresh answers, eviction, prefix authorisation, HI=4, paced cap ---------------------- */

static void refresh_answer_lists_every_pmaar_in_relay_and_proxy_not_locator(void **state)
{
	(void)state;
	enum dmm_cmd_mode modes[] = {DMM_CMD_MODE_RELAY, DMM_CMD_MODE_PROXY, DMM_CMD_MODE_LOCATOR};

	for (unsigned k = 0; k < 3; k++) {
		struct dmm_cmd *c = new_cmd(modes[k], 1000, 100);
		register_at_maar1(c);
		struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
		assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
		p = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
		assert_int_equal(in(c, T0 + 9000, MAAR3, &p), DMM_CMD_DONE);
		/* the relay collection times out with nobody answering */
		assert_int_equal(dmm_cmd_tick(c, T0 + 10000, &out), DMM_CMD_DONE);

		p = pbu(NAI, PREF3, DMM_MH_HI_NOT_CHANGED, T0 + 20000, 3, LIFE);
		assert_int_equal(in(c, T0 + 20000, MAAR3, &p), DMM_CMD_DONE);
		const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR3, &p, LIFE);
		if (modes[k] == DMM_CMD_MODE_LOCATOR) {
			assert_int_equal(m->opt.n_pmaar, 0);
		} else {
			if (m->opt.n_pmaar != 2)
				fail_msg("%s: %u Previous MAAR options, expected 2",
					 dmm_cmd_mode_name(modes[k]), m->opt.n_pmaar);
			assert_prev(m, 0, MAAR1, PREF1, false);
			assert_prev(m, 1, MAAR2, PREF2, false);
		}
		assert_int_equal(dmm_cmd_get_stats(c)->refreshes, 1);
		dmm_cmd_free(c);
	}
}

static void relay_smaar_retransmission_is_absorbed_by_the_pending_merged_pba(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg fwd = out.a[0].msg;
	/* MAAR2 retransmits its handover PBU (fresh Timestamp, new seq): no answer yet. */
	struct dmm_mh_msg r = pbu(NAI, PREF2, 3, T0 + 5500, 2, LIFE);
	assert_int_equal(in(c, T0 + 5500, MAAR2, &r), DMM_CMD_DONE);
	for (unsigned i = 0; i < out.n; i++)
		assert_int_equal(out.a[i].type, DMM_CMD_ACT_ARM);
	assert_int_equal(dmm_cmd_get_stats(c)->refresh_absorbed, 1);
	/* MAAR1's PBA: one merged PBA, answering the latest PBU (seq 2, its Timestamp). */
	struct dmm_mh_msg a = pmaar_pba(&fwd, PREF1, 0, true);
	assert_int_equal(in(c, T0 + 5600, MAAR1, &a), DMM_CMD_DONE);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &r, LIFE);
	assert_prev(m, 0, MAAR1, PREF1, true);
	/* After the collection, a retransmission is answered with the list at once. */
	r = pbu(NAI, PREF2, 3, T0 + 5700, 3, LIFE);
	assert_int_equal(in(c, T0 + 5700, MAAR2, &r), DMM_CMD_DONE);
	m = assert_pba_ok(0, MAAR2, &r, LIFE);
	assert_prev(m, 0, MAAR1, PREF1, false);
	dmm_cmd_free(c);
}

static void cap_two_pmaars(struct dmm_cmd_config *cfg)
{
	cfg->max_pmaar = 2;
}

static void X3_oldest_pmaar_evicted_at_the_cap_gets_a_lifetime_zero_pbu(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_PROXY, 1000, 100, cap_two_pmaars);
	const struct dmm_mh_msg *m[4];
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	p = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_get_stats(c)->pmaar_evicted, 0);
	p = pbu(NAI, PREF4, 3, T0 + 13000, 3, LIFE); /* third move: MAAR1 is dropped */
	assert_int_equal(in(c, T0 + 13000, MAAR4, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 5);
	const struct dmm_mh_msg *a = assert_pba_ok(0, MAAR4, &p, LIFE);
	assert_int_equal(a->opt.n_pmaar, 2);
	assert_prev(a, 0, MAAR2, PREF2, false);
	assert_prev(a, 1, MAAR3, PREF3, false);
	assert_fwd(1, MAAR2, PREF2, &p, MAAR4, LIFE);
	assert_fwd(2, MAAR3, PREF3, &p, MAAR4, LIFE);
	struct dmm_mh_msg ev = *assert_fwd(3, MAAR1, PREF1, &p, MAAR4, 0); /* the notice */
	assert_int_equal(dmm_cmd_get_stats(c)->pmaar_evicted, 1);
	struct dmm_cmd_binding b = binding(c);
	assert_int_equal(b.n_pmaar, 2);
	assert_ip(b.pmaar[0].addr, MAAR2);
	/* The notice is retried like any forwarded PBU, until MAAR1 answers. */
	assert_int_equal(dmm_cmd_tick(c, T0 + 14000, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1);
	assert_int_equal(m[0]->bu.lifetime, 0);
	struct dmm_mh_msg ack = pmaar_pba(&ev, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 14100, MAAR1, &ack), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_tick(c, T0 + 16000, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 0);
	assert_int_equal(sends_to(MAAR2, m, 4), 1); /* the others still unanswered */
	dmm_cmd_free(c);
}

/* [choice] A lifetime-0 PBU nobody answers (an anchor that already let go ignores it, RFC 5213
 * §5.3.5) is retried 1, 2, 4, 8, 16, 32 s after each copy and then given up. */
static void M22_unanswered_lifetime_zero_notice_is_given_up_after_the_32_s_retry(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_PROXY, 1000, 100, cap_two_pmaars);
	const struct dmm_mh_msg *m[4];
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	struct dmm_mh_msg a = pmaar_pba(&out.a[1].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5001, MAAR1, &a), DMM_CMD_DONE);
	p = pbu(NAI, PREF3, 3, T0 + 9000, 2, LIFE);
	assert_int_equal(in(c, T0 + 9000, MAAR3, &p), DMM_CMD_DONE);
	for (unsigned k = 1; k <= 2; k++) {
		a = pmaar_pba(&out.a[k].msg, k == 1 ? PREF1 : PREF2, 0, false);
		assert_int_equal(in(c, T0 + 9001, out.a[k].dst, &a), DMM_CMD_DONE);
	}
	p = pbu(NAI, PREF4, 3, T0 + 13000, 3, LIFE); /* MAAR1 evicted, told with lifetime 0 */
	assert_int_equal(in(c, T0 + 13000, MAAR4, &p), DMM_CMD_DONE);
	struct dmm_mh_msg f2 = out.a[1].msg, f3 = out.a[2].msg;
	a = pmaar_pba(&f2, PREF2, 0, false);
	assert_int_equal(in(c, T0 + 13001, MAAR2, &a), DMM_CMD_DONE);
	a = pmaar_pba(&f3, PREF3, 0, false);
	assert_int_equal(in(c, T0 + 13001, MAAR3, &a), DMM_CMD_DONE);

	static const uint64_t want[] = {14000, 16000, 20000, 28000, 44000, 76000};
	unsigned n = 0;
	for (uint64_t now = T0 + 13100; now < T0 + 400000; now += 100) {
		assert_int_equal(dmm_cmd_tick(c, now, &out), DMM_CMD_DONE);
		unsigned k = sends_to(MAAR1, m, 4);
		if (!k)
			continue;
		if (n >= 6)
			fail_msg("a 7th copy to MAAR1 at +%llu ms", (unsigned long long)(now - T0));
		assert_int_equal(now, T0 + want[n]);
		assert_int_equal(m[0]->bu.lifetime, 0);
		n += k;
	}
	assert_int_equal(n, 6);
	assert_int_equal(dmm_cmd_get_stats(c)->retx_given_up, 1);
	assert_int_equal(binding(c).fwd_unanswered, 0);
	dmm_cmd_free(c);
}

/* 18 MAARs; one MN visits them all: the P-MAAR list grows 2 -> 4 -> 8 -> 16 slots, keeps its
 * order, and at the 16-entry cap the 17th move evicts the oldest with a notice; the largest
 * output (16 forwarded PBUs + notice + PBA + ARM) fits DMM_CMD_MAX_ACTIONS. */
static void X3_history_of_16_pmaars_fits_one_output_and_evicts_the_oldest(void **state)
{
	(void)state;
	enum { M = 18 };
	struct dmm_cmd_peer peers[M];
	struct dmm_ip6 a[M];
	struct dmm_cmd_config cfg;

	for (unsigned k = 0; k < M; k++) {
		a[k] = MAAR1;
		a[k].a[14] = (uint8_t)(k + 1);
		peers[k] = (struct dmm_cmd_peer){a[k], true, NULL, 0};
	}
	dmm_cmd_config_default(&cfg);
	cfg.addr = CMD;
	cfg.mode = DMM_CMD_MODE_PROXY;
	cfg.peers = peers;
	cfg.n_peers = M;
	cfg.max_mns = 10;
	struct dmm_cmd *c = dmm_cmd_new(&cfg, NULL);
	assert_non_null(c);
	for (unsigned k = 0; k < M; k++) {
		uint64_t t = T0 + 2000ull * k;
		struct dmm_mh_msg p = pbu(NAI, pfx_n(k + 1, 1), k ? 3 : 1, t, (uint16_t)k, LIFE);
		assert_int_equal(in(c, t, a[k], &p), DMM_CMD_DONE);
		const struct dmm_mh_msg *m = assert_pba_ok(0, a[k], &p, LIFE);
		unsigned want = k < 16 ? k : 16, first = k - want; /* oldest listed MAAR */
		assert_int_equal(m->opt.n_pmaar, want);
		struct dmm_cmd_binding b = binding(c);
		assert_int_equal(b.n_pmaar, want);
		for (unsigned i = 0; i < want; i++) {
			assert_ip(b.pmaar[i].addr, a[first + i]);
			assert_true(pfx_eq(b.pmaar[i].pfx, pfx_n(first + i + 1, 1)));
			assert_prev(m, i, a[first + i], pfx_n(first + i + 1, 1), false);
			assert_fwd(1 + i, a[first + i], pfx_n(first + i + 1, 1), &p, a[k], LIFE);
		}
		unsigned n = 1 + want + (k >= 17) + 1;
		assert_int_equal(out.n, n);
		if (k >= 17) /* the notice to the MAAR that fell off the list */
			assert_fwd(1 + want, a[k - 17], pfx_n(k - 17 + 1, 1), &p, a[k], 0);
		assert_true(out.n <= DMM_CMD_MAX_ACTIONS);
	}
	assert_int_equal(dmm_cmd_get_stats(c)->pmaar_evicted, 1);
	dmm_cmd_free(c);
}

static void M28_prefix_outside_the_sending_maars_pool_is_rejected_155(void **state)
{
	(void)state;
	struct dmm_prefix pool1[] = {pfx("2001:db8:1::/48")}, pool2[] = {pfx("2001:db8:2::/48")};
	struct dmm_cmd_peer peers[] = {
	    {MAAR1, true, pool1, 1}, {MAAR2, true, pool2, 1}, {MAAR3, true, NULL, 0}};
	struct dmm_cmd_config cfg;
	dmm_cmd_config_default(&cfg);
	cfg.addr = CMD;
	cfg.mode = DMM_CMD_MODE_PROXY;
	cfg.peers = peers;
	cfg.n_peers = 3;
	cfg.max_mns = 10;
	struct dmm_cmd *c = dmm_cmd_new(&cfg, NULL);
	assert_non_null(c);
	memset(pool1, 0, sizeof(pool1)); /* the CMD holds its own copy */
	memset(pool2, 0, sizeof(pool2));

	assert_int_equal(DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 155);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 1, T0, 1, LIFE); /* MAAR2's prefix from MAAR1 */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0);
	assert_int_equal(dmm_cmd_count(c), 0);
	p.opt.has_att = false; /* the RFC 5213 option checks come first */
	assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_MISSING_ACCESS_TECH_TYPE_OPTION);
	register_at_maar1(c);			    /* PREF1 is MAAR1's */
	p = pbu(NAI, PREF3, 3, T0 + 5000, 2, LIFE); /* handover to MAAR2 naming a foreign /64 */
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	assert_int_equal(out.n, 1);
	assert_pba(0, MAAR2, &p, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0);
	assert_ip(binding(c).smaar, MAAR1);
	p = pbu(NAI, PREF2, 3, T0 + 6000, 3, LIFE);
	assert_int_equal(in(c, T0 + 6000, MAAR2, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR2, &p, LIFE);
	p = pbu(NAI, PREF4, 3, T0 + 7000, 4, LIFE); /* a peer without a pool: anything */
	assert_int_equal(in(c, T0 + 7000, MAAR3, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR3, &p, LIFE);
	dmm_cmd_free(c);
}

static void prefix_of_another_mns_bce_is_rejected_155(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c); /* mn1: PREF1 */
	struct dmm_mh_msg p = pbu("mn2@x", PREF1, 1, T0 + 100, 1, LIFE);
	assert_int_equal(in(c, T0 + 100, MAAR1, &p), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &p, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0);
	assert_int_equal(in(c, T0 + 100, MAAR2, &p), DMM_CMD_DONE); /* by any MAAR */
	assert_pba(0, MAAR2, &p, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0);
	assert_int_equal(dmm_cmd_count(c), 1);
	/* mn1 moves to MAAR2/PREF2: PREF2 is now taken, PREF1 is no longer an HNP. */
	p = pbu(NAI, PREF2, 3, T0 + 5000, 2, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	p = pbu("mn2@x", PREF2, 1, T0 + 5100, 1, LIFE);
	assert_int_equal(in(c, T0 + 5100, MAAR2, &p), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
	p = pbu("mn2@x", PREF3, 1, T0 + 5200, 1, LIFE);
	assert_int_equal(in(c, T0 + 5200, MAAR3, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR3, &p, LIFE);
	/* Once mn1's BCE is gone its prefix is free again. */
	struct dmm_mh_msg d = pbu(NAI, PREF2, DMM_MH_HI_UNKNOWN, T0 + 6000, 3, 0);
	assert_int_equal(in(c, T0 + 6000, MAAR2, &d), DMM_CMD_DONE);
	while (dmm_cmd_tick(c, T0 + 16000, &out) == DMM_CMD_MORE)
		;
	p = pbu("mn3@x", PREF2, 1, T0 + 16000, 1, LIFE);
	assert_int_equal(in(c, T0 + 16000, MAAR2, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR2, &p, LIFE);
	dmm_cmd_free(c);
}

static void hi_unknown_from_another_maar_is_a_handover_at_once(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, DMM_MH_HI_UNKNOWN, T0 + 5000, 2, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	const struct dmm_mh_msg *m = assert_pba_ok(0, MAAR2, &p, LIFE); /* no wait */
	assert_int_equal(m->opt.hi, DMM_MH_HI_UNKNOWN);
	assert_prev(m, 0, MAAR1, PREF1, false);
	assert_fwd(1, MAAR1, PREF1, &p, MAAR2, LIFE);
	assert_ip(binding(c).smaar, MAAR2);
	assert_int_equal(dmm_cmd_get_stats(c)->handovers, 1);
	dmm_cmd_free(c);
}

static void paced_two(struct dmm_cmd_config *cfg)
{
	cfg->max_paced = 2;
}

static void handover_over_the_paced_queue_cap_is_refused_130_unchanged(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_PROXY, 1000, 100, paced_two);
	char nai[16];

	for (unsigned i = 0; i < 7; i++) {
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(1, i), 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	}
	/* 3 PBUs to MAAR1 leave at once, 2 are queued, the 6th would make 3 queued. */
	for (unsigned i = 0; i < 6; i++) {
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(2, i), 3, T0 + 1000, 2, LIFE);
		assert_int_equal(in(c, T0 + 1000, MAAR2, &p), DMM_CMD_DONE);
		if (i < 5) {
			assert_pba_ok(0, MAAR2, &p, LIFE);
			continue;
		}
		assert_int_equal(out.n, 1);
		assert_pba(0, MAAR2, &p, DMM_MH_ST_INSUFFICIENT_RESOURCES, 0);
		struct dmm_cmd_binding b;
		assert_int_equal(dmm_cmd_lookup(c, nai, &b), 0);
		assert_ip(b.smaar, MAAR1);
		assert_int_equal(b.n_pmaar, 0);
		assert_int_equal(b.last_seq, 1);
	}
	assert_int_equal(dmm_cmd_get_stats(c)->paced, 2);
	assert_int_equal(dmm_cmd_get_stats(c)->paced_overflow, 1);
	/* A de-registration fan-out with the queue full is not refused: its PBU is left to the
	 * retransmission timer. */
	struct dmm_mh_msg d = pbu("mn0@x", pfx_n(2, 0), DMM_MH_HI_UNKNOWN, T0 + 1100, 3, 0);
	assert_int_equal(in(c, T0 + 1100, MAAR2, &d), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR2, &d, 0);
	assert_int_equal(dmm_cmd_get_stats(c)->paced_full, 1);
	struct dmm_cmd_binding b;
	assert_int_equal(dmm_cmd_lookup(c, "mn0@x", &b), 0);
	assert_int_equal(b.fwd_unanswered, 1);
	/* Once the queue drains, the refused MN's handover goes through. */
	while (dmm_cmd_tick(c, T0 + 2000, &out) == DMM_CMD_MORE)
		;
	struct dmm_mh_msg p = pbu("mn5@x", pfx_n(2, 5), 3, T0 + 2000, 4, LIFE);
	assert_int_equal(in(c, T0 + 2000, MAAR2, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR2, &p, LIFE);
	dmm_cmd_free(c);
}

/* RFC 5213 §5.3.5 re-registration during MinDelayBeforeBCEDelete [choice]: from another MAAR
 * or with another prefix it starts a fresh session (no P-MAAR, no forwarded PBU), and the
 * de-registration notice to the old P-MAAR keeps being retried. */
static void registration_in_dereg_window_starts_afresh_from_any_maar(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	const struct dmm_mh_msg *m[4];
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	struct dmm_mh_msg a = pmaar_pba(&out.a[1].msg, PREF1, 0, false);
	assert_int_equal(in(c, T0 + 5100, MAAR1, &a), DMM_CMD_DONE);
	struct dmm_mh_msg d = pbu(NAI, PREF2, DMM_MH_HI_UNKNOWN, T0 + 20000, 2, 0);
	assert_int_equal(in(c, T0 + 20000, MAAR2, &d), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1); /* the lifetime-0 notice */

	p = pbu(NAI, PREF3, DMM_MH_HI_NEW_IFACE, T0 + 22000, 3, LIFE);
	assert_int_equal(in(c, T0 + 22000, MAAR3, &p), DMM_CMD_DONE);
	const struct dmm_mh_msg *r = assert_pba_ok(0, MAAR3, &p, LIFE);
	assert_int_equal(r->opt.n_pmaar, 0);
	assert_int_equal(sends_to(MAAR2, m, 4), 0); /* the de-registered S-MAAR is not a P-MAAR */
	struct dmm_cmd_binding b = binding(c);
	assert_int_equal(b.state, DMM_CMD_BCE_ACTIVE);
	assert_ip(b.smaar, MAAR3);
	assert_true(pfx_eq(b.hnp, PREF3));
	assert_int_equal(b.n_pmaar, 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 22000, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1);
	assert_int_equal(m[0]->bu.lifetime, 0);
	assert_int_equal(m[0]->bu.seq, 2);
	assert_int_equal(dmm_cmd_tick(c, T0 + 40000, &out), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_count(c), 1); /* not deleted */

	/* De-registered again at MAAR3; the same MAAR comes back with another prefix. */
	d = pbu(NAI, PREF3, DMM_MH_HI_UNKNOWN, T0 + 41000, 4, 0);
	assert_int_equal(in(c, T0 + 41000, MAAR3, &d), DMM_CMD_DONE);
	p = pbu(NAI, pfx("2001:db8:3:2::/64"), DMM_MH_HI_NEW_IFACE, T0 + 42000, 5, LIFE);
	assert_int_equal(in(c, T0 + 42000, MAAR3, &p), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR3, &p, LIFE);
	assert_true(pfx_eq(binding(c).hnp, p.opt.hnp[0]));
	dmm_cmd_free(c);
}

static void queued_handover_pbu_to_the_new_serving_maar_is_dropped(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_PROXY, 1000, 100, no_retransmission);
	const struct dmm_mh_msg *m[4];
	char nai[16];

	for (unsigned i = 0; i < 5; i++) {
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(1, i), 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
	}
	for (unsigned i = 0; i < 5; i++) { /* mn3's and mn4's PBUs to MAAR1 wait until +2 s */
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(2, i), 3, T0 + 1000, 2, LIFE);
		assert_int_equal(in(c, T0 + 1000, MAAR2, &p), DMM_CMD_DONE);
	}
	assert_int_equal(dmm_cmd_get_stats(c)->paced, 2);
	/* mn3 is back at MAAR1 before its queued PBU left */
	struct dmm_mh_msg p = pbu("mn3@x", pfx_n(1, 103), 3, T0 + 1500, 3, LIFE);
	assert_int_equal(in(c, T0 + 1500, MAAR1, &p), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_tick(c, T0 + 2000, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1); /* mn4's only */
	assert_string_equal(m[0]->opt.nai, "mn4@x");
	assert_int_equal(dmm_cmd_get_stats(c)->paced_stale, 1);
	dmm_cmd_free(c);
}

/* Sim finding F8: each S-MAAR numbers its own PBUs, so MAAR2's and then MAAR3's handover PBU of
 * one MN may both carry seq 5. MAAR1's (late) PBA to the replaced forwarded PBU echoes seq 5
 * but Serving MAAR = MAAR2 and MAAR2's Timestamp: it must not be taken for its answer to MAAR3's
 * (which would stop the retries and list MAAR1 to MAAR3 while it tunnels to MAAR2). */
static void F8_pba_to_a_replaced_fanout_with_the_same_seq_is_not_an_answer(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 0, 100); /* collect without timeout */
	const struct dmm_mh_msg *m[4];
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 1000, 5, LIFE);
	assert_int_equal(in(c, T0 + 1000, MAAR2, &p2), DMM_CMD_DONE);
	struct dmm_mh_msg old = *assert_fwd(0, MAAR1, PREF1, &p2, MAAR2, LIFE);
	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 1100, 5, LIFE);
	assert_int_equal(in(c, T0 + 1100, MAAR3, &p3), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 1);
	struct dmm_mh_msg new1 = *m[0];
	assert_int_equal(sends_to(MAAR2, m, 4), 1);
	struct dmm_mh_msg new2 = *m[0];
	assert_int_equal(binding(c).fwd_unanswered, 2);

	/* the accepting answer to MAAR2's handover (Serving MAAR = MAAR2) */
	struct dmm_mh_msg a = pmaar_pba(&old, PREF1, 0, true);
	assert_int_equal(in(c, T0 + 1110, MAAR1, &a), DMM_CMD_IGNORED);
	assert_int_equal(out.n, 0);
	/* a refusal carries no Serving MAAR: its echoed Timestamp (MAAR2's) tells it apart */
	a = pmaar_pba(&old, PREF1, DMM_MH_ST_REASON_UNSPECIFIED, false);
	a.opt.has_smaar = false;
	assert_int_equal(in(c, T0 + 1120, MAAR1, &a), DMM_CMD_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_cmd_get_stats(c)->drop_pba_unmatched, 2);
	struct dmm_cmd_binding b = binding(c);
	assert_int_equal(b.fwd_unanswered, 2);
	assert_true(b.relay_pending);
	assert_int_equal(b.n_pmaar, 2);

	/* the real answers to MAAR3's handover are matched and merged */
	a = pmaar_pba(&new2, PREF2, 0, true);
	assert_int_equal(in(c, T0 + 1130, MAAR2, &a), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR3, m, 4), 0);
	a = pmaar_pba(&new1, PREF1, 0, true);
	assert_int_equal(in(c, T0 + 1140, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR3, m, 4), 1);
	assert_int_equal(m[0]->opt.n_pmaar, 2);
	assert_int_equal(binding(c).fwd_unanswered, 0);
	dmm_cmd_free(c);
}

/* F8: a PBA matches a forwarded PBU when it echoes the Timestamp of one of its copies, the
 * original or a retry (stamped with the CMD's clock); a Timestamp no copy carried does not. */
static void F8_pba_echoing_a_retry_timestamp_answers_other_timestamps_do_not(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	const struct dmm_mh_msg *m[4];
	register_at_maar1(c);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p2), DMM_CMD_DONE);
	assert_int_equal(dmm_cmd_tick(c, T0 + 6000, &out), DMM_CMD_DONE); /* retry 1 */
	assert_int_equal(sends_to(MAAR1, m, 4), 1);
	struct dmm_mh_msg retry = *m[0];
	assert_int_equal(retry.opt.ts, ts_of(T0 + 6000));

	struct dmm_mh_msg a = pmaar_pba(&retry, PREF1, 0, true);
	a.opt.ts = ts_of(T0 + 5500); /* between the original and the retry: never sent */
	assert_int_equal(in(c, T0 + 6010, MAAR1, &a), DMM_CMD_DONE); /* proxy: consumed... */
	assert_int_equal(binding(c).fwd_unanswered, 1);		     /* ...but no answer */
	a.opt.ts = retry.opt.ts;
	assert_int_equal(in(c, T0 + 6020, MAAR1, &a), DMM_CMD_DONE);
	assert_int_equal(binding(c).fwd_unanswered, 0);
	assert_int_equal(dmm_cmd_tick(c, T0 + 60000, &out), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 0); /* retries stopped */
	dmm_cmd_free(c);
}

/* F8: a paced PBU of a handover that a newer handover of the MN replaced is dropped when due
 * (otherwise it reaches the P-MAAR after, or instead of, the newer one and makes it tunnel to
 * the old S-MAAR); the newer one still goes. dmm_cmd_paced_pending() counts the queue. */
static void F8_queued_pbu_of_a_replaced_handover_is_dropped_when_due(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd_x(DMM_CMD_MODE_RELAY, 1000, 100, no_retransmission);
	const struct dmm_mh_msg *m[4];
	char nai[16];

	for (unsigned i = 0; i < 3; i++) { /* three PBUs to MAAR1 at +1 s: its rate is used up */
		snprintf(nai, sizeof(nai), "mn%u@x", i);
		struct dmm_mh_msg p = pbu(nai, pfx_n(1, 10 + i), 1, T0, 1, LIFE);
		assert_int_equal(in(c, T0, MAAR1, &p), DMM_CMD_DONE);
		p = pbu(nai, pfx_n(2, 10 + i), 3, T0 + 1000, 2, LIFE);
		assert_int_equal(in(c, T0 + 1000, MAAR2, &p), DMM_CMD_DONE);
	}
	struct dmm_mh_msg p1 = pbu(NAI, PREF1, 1, T0, 1, LIFE);
	assert_int_equal(in(c, T0, MAAR1, &p1), DMM_CMD_DONE);
	struct dmm_mh_msg p2 = pbu(NAI, PREF2, 3, T0 + 1100, 5, LIFE);
	assert_int_equal(in(c, T0 + 1100, MAAR2, &p2), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 0);
	assert_int_equal(dmm_cmd_paced_pending(c), 1);
	struct dmm_mh_msg p3 = pbu(NAI, PREF3, 3, T0 + 1200, 5, LIFE);
	assert_int_equal(in(c, T0 + 1200, MAAR3, &p3), DMM_CMD_DONE);
	assert_int_equal(sends_to(MAAR1, m, 4), 0);
	assert_int_equal(dmm_cmd_paced_pending(c), 2);

	assert_int_equal(dmm_cmd_tick(c, T0 + 2000, &out), DMM_CMD_DONE);
	unsigned n = sends_to(MAAR1, m, 4);
	if (n != 1)
		fail_msg("expected one PBU to MAAR1 (MAAR3's handover), got %u", n);
	assert_fwd((unsigned)(m[0] - &out.a[0].msg), MAAR1, PREF1, &p3, MAAR3, LIFE);
	assert_int_equal(dmm_cmd_get_stats(c)->paced_stale, 1);
	assert_int_equal(dmm_cmd_paced_pending(c), 0);
	dmm_cmd_free(c);
}

static void pmaar_deregistration_is_ordered_apart_from_the_smaar_timestamps(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_PROXY, 1000, 100);
	register_at_maar1(c);
	struct dmm_mh_msg p = pbu(NAI, PREF2, 3, T0 + 5000, 1, LIFE);
	assert_int_equal(in(c, T0 + 5000, MAAR2, &p), DMM_CMD_DONE);
	/* MAAR1's clock is 100 ms behind MAAR2's: older than the last accepted, not 157 */
	struct dmm_mh_msg d = pbu(NAI, PREF1, DMM_MH_HI_UNKNOWN, T0 + 4900, 7, 0);
	assert_int_equal(in(c, T0 + 5000, MAAR1, &d), DMM_CMD_DONE);
	assert_pba_ok(0, MAAR1, &d, LIFE);
	assert_int_equal(binding(c).last_ts, p.opt.ts); /* unchanged */
	assert_int_equal(binding(c).last_seq, 1);
	d.opt.ts = ts_of(T0 + 4000); /* the window still applies */
	assert_int_equal(in(c, T0 + 5000, MAAR1, &d), DMM_CMD_DONE);
	assert_pba(0, MAAR1, &d, DMM_MH_ST_TIMESTAMP_MISMATCH, 0);
	dmm_cmd_free(c);
}

static void binding_cache_holds_100k_mns(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, N);
	char nai[64];
	struct dmm_cmd_binding b;

	for (uint32_t i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn-%u@operator.example", i);
		struct dmm_prefix p = PREF1;
		p.addr.a[4] = (uint8_t)(i >> 16), p.addr.a[5] = (uint8_t)(i >> 8),
		p.addr.a[6] = (uint8_t)i;
		struct dmm_mh_msg m = pbu(nai, p, 1, T0, 1, (uint16_t)(10 + i % 2));
		assert_int_equal(in(c, T0, MAAR1, &m), DMM_CMD_DONE);
		assert_int_equal(out.a[0].msg.ba.status, 0);
	}
	assert_int_equal(dmm_cmd_count(c), N);
	/* Full: one more MN gets 130. */
	struct dmm_mh_msg m = pbu("one-too-many@x", pfx("2001:db8:ff00:1::/64"), 1, T0, 1, LIFE);
	assert_int_equal(in(c, T0, MAAR1, &m), DMM_CMD_DONE);
	assert_int_equal(out.a[0].msg.ba.status, DMM_MH_ST_INSUFFICIENT_RESOURCES);
	for (uint32_t i = 0; i < N; i += 997) {
		snprintf(nai, sizeof(nai), "mn-%u@operator.example", i);
		assert_int_equal(dmm_cmd_lookup(c, nai, &b), 0);
		assert_int_equal(b.hnp.addr.a[6], (uint8_t)i);
	}
	/* Half expire at 40 s (backward-shift deletion), the rest stay findable. */
	int rc;
	do
		rc = dmm_cmd_tick(c, T0 + 40000, &out);
	while (rc == DMM_CMD_MORE);
	assert_int_equal(dmm_cmd_count(c), N / 2);
	for (uint32_t i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn-%u@operator.example", i);
		assert_int_equal(dmm_cmd_lookup(c, nai, &b), i % 2 ? 0 : -ENOENT);
	}
	assert_arm(out.n - 1, T0 + 44000);
	do
		rc = dmm_cmd_tick(c, T0 + 44000, &out);
	while (rc == DMM_CMD_MORE);
	assert_int_equal(dmm_cmd_count(c), 0);
	dmm_cmd_free(c);
}

static void non_pbu_pba_messages_and_bad_arguments(void **state)
{
	(void)state;
	struct dmm_cmd *c = new_cmd(DMM_CMD_MODE_RELAY, 1000, 100);
	struct dmm_mh_msg hb = {.type = DMM_MH_HB};
	struct dmm_ip6 a = MAAR1;

	assert_int_equal(in(c, T0, MAAR1, &hb), DMM_CMD_IGNORED);
	assert_int_equal(dmm_cmd_get_stats(c)->drop_not_pbu_pba, 1);
	assert_int_equal(dmm_cmd_input(c, T0, NULL, &hb, &out), -EINVAL);
	assert_int_equal(dmm_cmd_input(c, T0, &a, NULL, &out), -EINVAL);
	assert_int_equal(dmm_cmd_tick(NULL, T0, &out), -EINVAL);
	struct dmm_cmd_config cfg;
	int err;
	dmm_cmd_config_default(&cfg);
	cfg.max_pmaar = DMM_MH_MAX_PMAAR + 1;
	assert_null(dmm_cmd_new(&cfg, &err));
	assert_int_equal(err, -EINVAL);
	dmm_cmd_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(M1_initial_registration_creates_bce_and_accepts_with_p_d),
	    cmocka_unit_test(lifetime_is_capped_at_max_lifetime),
	    cmocka_unit_test(unknown_sender_is_dropped_silently_and_counted),
	    cmocka_unit_test(M2_missing_mnid_is_rejected_160_with_empty_mnid),
	    cmocka_unit_test(M14_missing_mnid_and_hi_gives_160_first),
	    cmocka_unit_test(M5_maar_not_authorized_is_rejected_154),
	    cmocka_unit_test(M6_unknown_mn_id_is_rejected_153_under_the_list_policy),
	    cmocka_unit_test(M7_mn_not_enabled_for_proxy_mobility_is_rejected_152),
	    cmocka_unit_test(M5_M6_M7_status_order_follows_rfc5213_5_3_1),
	    cmocka_unit_test(subscriber_lists_are_validated_by_new),
	    cmocka_unit_test(missing_d_or_p_flag_is_rejected_129),
	    cmocka_unit_test(M3_missing_hnp_is_rejected_158_with_all_zero_hnp),
	    cmocka_unit_test(M4_missing_hi_is_rejected_161_and_missing_att_162),
	    cmocka_unit_test(M27_all_zero_hnp_is_rejected_129),
	    cmocka_unit_test(M8_timestamp_lower_than_accepted_is_rejected_157_with_cmd_time),
	    cmocka_unit_test(M9_timestamp_outside_window_is_rejected_156_with_cmd_time),
	    cmocka_unit_test(M10_timestamp_equal_to_accepted_is_rejected_156),
	    cmocka_unit_test(M11_M12_sequence_scheme_without_timestamp),
	    cmocka_unit_test(M13_with_timestamp_seq_is_ignored_for_ordering_but_echoed),
	    cmocka_unit_test(M29_anchored_or_local_prefix_with_d0_is_refused_129_ignored_with_d1),
	    cmocka_unit_test(
		M15_M16_M17_relay_handover_forwards_pbu_with_serving_maar_and_merges_pba),
	    cmocka_unit_test(M18_relay_second_handover_fans_out_to_every_pmaar_and_merges),
	    cmocka_unit_test(M19_relay_timeout_sends_collected_pba_and_late_one_follows),
	    cmocka_unit_test(relay_refusing_pmaar_is_left_out_and_forgotten),
	    cmocka_unit_test(M21_locator_handovers_forward_pbus_and_ack_without_previous_maar),
	    cmocka_unit_test(M20_proxy_handovers_answer_at_once_then_update_pmaars),
	    cmocka_unit_test(P5_D3_relay_merged_pba_ties_local_prefixes_to_their_pmaar),
	    cmocka_unit_test(
		D3_proxy_local_prefixes_follow_in_a_pba_and_are_kept_for_later_answers),
	    cmocka_unit_test(P5_locator_cmd_keeps_local_prefixes_without_follow_up),
	    cmocka_unit_test(foreach_lists_every_binding_and_stops_early),
	    cmocka_unit_test(return_to_a_previous_maar_drops_it_from_the_pmaar_list),
	    cmocka_unit_test(M26_refresh_from_serving_maar_extends_lifetime),
	    cmocka_unit_test(
		M23_deregistration_keeps_bce_for_min_delay_then_deletes_and_tells_pmaars),
	    cmocka_unit_test(M23_registration_within_min_delay_cancels_deletion),
	    cmocka_unit_test(M24_M25_lifetime_zero_from_pmaar_renewed_stranger_and_unknown_ignored),
	    cmocka_unit_test(lifetime_expiry_removes_the_entry),
	    cmocka_unit_test(G7_expiry_with_pmaars_sends_them_lifetime_zero_pbus_then_deletes),
	    cmocka_unit_test(G7_mass_expiry_notices_are_paged_and_paced),
	    cmocka_unit_test(tick_reports_more_when_due_timers_exceed_the_action_array),
	    cmocka_unit_test(X4_M18_fanout_is_paced_to_max_update_rate_per_destination),
	    cmocka_unit_test(M22_relay_forwarded_pbu_is_retried_at_1_2_4_8_16_32_32_s_until_a_pba),
	    cmocka_unit_test(
		M22_locator_proxy_and_deregistration_fanouts_are_retried_until_answered),
	    cmocka_unit_test(M22_retries_stop_when_superseded_by_a_newer_handover_or_bce_removal),
	    cmocka_unit_test(M22_X4_retries_keep_max_update_rate_with_many_mns),
	    cmocka_unit_test(refresh_answer_lists_every_pmaar_in_relay_and_proxy_not_locator),
	    cmocka_unit_test(relay_smaar_retransmission_is_absorbed_by_the_pending_merged_pba),
	    cmocka_unit_test(X3_oldest_pmaar_evicted_at_the_cap_gets_a_lifetime_zero_pbu),
	    cmocka_unit_test(M22_unanswered_lifetime_zero_notice_is_given_up_after_the_32_s_retry),
	    cmocka_unit_test(X3_history_of_16_pmaars_fits_one_output_and_evicts_the_oldest),
	    cmocka_unit_test(M28_prefix_outside_the_sending_maars_pool_is_rejected_155),
	    cmocka_unit_test(prefix_of_another_mns_bce_is_rejected_155),
	    cmocka_unit_test(hi_unknown_from_another_maar_is_a_handover_at_once),
	    cmocka_unit_test(handover_over_the_paced_queue_cap_is_refused_130_unchanged),
	    cmocka_unit_test(registration_in_dereg_window_starts_afresh_from_any_maar),
	    cmocka_unit_test(queued_handover_pbu_to_the_new_serving_maar_is_dropped),
	    cmocka_unit_test(F8_pba_to_a_replaced_fanout_with_the_same_seq_is_not_an_answer),
	    cmocka_unit_test(F8_pba_echoing_a_retry_timestamp_answers_other_timestamps_do_not),
	    cmocka_unit_test(F8_queued_pbu_of_a_replaced_handover_is_dropped_when_due),
	    cmocka_unit_test(pmaar_deregistration_is_ordered_apart_from_the_smaar_timestamps),
	    cmocka_unit_test(binding_cache_holds_100k_mns),
	    cmocka_unit_test(non_pbu_pba_messages_and_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
