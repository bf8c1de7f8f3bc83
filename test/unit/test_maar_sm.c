/* SPDX-License-Identifier: BSD-3-Clause */
/* MAAR state machine (controlplane/maar_sm.c): serving side (attach, registration, PBA
 * handling, retransmission and pacing, refresh, expiry, detach grace, de-registration),
 * anchoring side (forwarded PBUs, variants 1 and 2, locator-mode direct PBAs), the prefix pool,
 * DLIF derivation, malformed input, and an in-process domain (two MAARs and a real dmm_cmd)
 * whose forwarding tables are rebuilt from the actions and checked. Tests implementing a
 * PROTOCOL.md §6.4/§6.5 case carry its id (S1.., P1..). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_sm.h"
#include "maar_sm.h"

#define T0   1700000000000ull
#define LIFE 900 /* 3600 s in 4 s units */
#define NAI  "mn1@example.net"
#define NAI2 "mn2@example.net"

static struct dmm_maar_actions out; /* large: not on the stack */

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
#define POOL1 pfx("2001:db8:1::/48")
#define POOL2 pfx("2001:db8:2::/48")
#define P1_0  pfx("2001:db8:1::/64") /* first /64 of POOL1 */
#define P1_1  pfx("2001:db8:1:1::/64")
#define P2_0  pfx("2001:db8:2::/64")
#define P3_0  pfx("2001:db8:3::/64")

static const uint8_t LL[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};

static bool pfx_eq(struct dmm_prefix a, struct dmm_prefix b)
{
	return a.len == b.len && dmm_ip6_eq(&a.addr, &b.addr);
}

static void assert_ip(struct dmm_ip6 a, struct dmm_ip6 b)
{
	if (!dmm_ip6_eq(&a, &b)) {
		char x[DMM_IP6_STRLEN], y[DMM_IP6_STRLEN];
		print_error("address: got %s, expected %s\n", dmm_ip6_fmt(&a, x),
			    dmm_ip6_fmt(&b, y));
		fail();
	}
}

static void assert_pfx(struct dmm_prefix a, struct dmm_prefix b)
{
	if (!pfx_eq(a, b)) {
		char x[DMM_PFX_STRLEN], y[DMM_PFX_STRLEN];
		print_error("prefix: got %s, expected %s\n", dmm_prefix_fmt(&a, x),
			    dmm_prefix_fmt(&b, y));
		fail();
	}
}

struct mcfg {
	struct dmm_ip6 addr;
	struct dmm_prefix pool;
	enum dmm_maar_cmd_mode mode;
	uint8_t variant;
	uint8_t rate;
	uint32_t max_mns;
	const struct dmm_prefix *local; /* Local Prefixes (P5) */
	unsigned n_local;
};

static struct dmm_ip6 peers_all[3];

static struct dmm_maar *new_maar_x(struct mcfg x)
{
	struct dmm_maar_config cfg;
	int err;

	peers_all[0] = MAAR1, peers_all[1] = MAAR2, peers_all[2] = MAAR3;
	dmm_maar_config_default(&cfg);
	cfg.addr = x.addr;
	cfg.cmd = CMD;
	cfg.pool = &x.pool;
	cfg.n_pool = 1;
	cfg.cmd_mode = x.mode;
	cfg.peers = peers_all;
	cfg.n_peers = 3;
	cfg.dereg_variant = x.variant ? x.variant : 1;
	cfg.max_update_rate = x.rate;
	if (x.max_mns)
		cfg.max_mns = x.max_mns;
	cfg.local = x.local;
	cfg.n_local = x.n_local;
	struct dmm_maar *m = dmm_maar_new(&cfg, &err);
	assert_non_null(m);
	assert_int_equal(err, 0);
	return m;
}

static struct dmm_maar *new_maar(void)
{
	return new_maar_x((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3});
}

/* ---- action helpers ---------------------------------------------------------------------- */

static int count_type(enum dmm_maar_action_type t)
{
	int n = 0;

	for (unsigned i = 0; i < out.n; i++)
		n += out.a[i].type == t;
	return n;
}

/* Index of the k-th (0-based) action of type t, or -1. */
static int idx_of(enum dmm_maar_action_type t, int k)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == t && k-- == 0)
			return (int)i;
	return -1;
}

static const struct dmm_maar_action *act(enum dmm_maar_action_type t, int k)
{
	int i = idx_of(t, k);

	if (i < 0) {
		print_error("no action #%d of type %d among %u actions\n", k, t, out.n);
		fail();
	}
	return &out.a[i];
}

static bool has_event(enum dmm_maar_event e)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == DMM_MAAR_ACT_EVENT && out.a[i].event == e)
			return true;
	return false;
}

static uint64_t arm_at(void)
{
	uint64_t at = 0;

	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == DMM_MAAR_ACT_ARM)
			at = out.a[i].at_ms;
	return at;
}

/* The one PBU sent in out (asserts there is exactly one). */
static struct dmm_mh_msg sent_pbu(void)
{
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 1);
	const struct dmm_maar_action *a = act(DMM_MAAR_ACT_SEND, 0);
	assert_ip(a->dst, CMD);
	assert_int_equal(a->msg.type, DMM_MH_BU);
	return a->msg;
}

/* The CMD's answer as RFC 5213 §5.3.6 builds it: options echoed. */
static struct dmm_mh_msg pba_for(const struct dmm_mh_msg *pbu, uint8_t status, uint16_t life)
{
	struct dmm_mh_msg m = *pbu;

	m.type = DMM_MH_BA;
	m.ba.status = status;
	m.ba.flags = DMM_MH_BA_P | DMM_MH_BA_D;
	m.ba.seq = pbu->bu.seq;
	m.ba.lifetime = life;
	return m;
}

static void add_pmaar(struct dmm_mh_msg *m, struct dmm_ip6 a, struct dmm_prefix p, bool dlif)
{
	struct dmm_mh_pmaar *o = &m->opt.pmaar[m->opt.n_pmaar++];

	memset(o, 0, sizeof(*o));
	o->addr = a;
	o->hnp = p;
	if (dlif) {
		o->has_dlif_lla = true;
		o->dlif_lla = ip("fe80::99");
		o->has_dlif_l2 = true;
		o->dlif_l2 = (struct dmm_mh_lladdr){.len = 6, .a = {2, 9, 9, 9, 9, 9}};
	}
}

/* The CMD's PBU forwarded to a P-MAAR (cmd_sm.c send_fwd_pbu): Serving MAAR + Anchored Prefix. */
static struct dmm_mh_msg fwd_pbu(const char *nai, struct dmm_ip6 smaar, struct dmm_prefix anchored,
				 struct dmm_prefix smaar_pfx, uint16_t seq, uint64_t ts_ms,
				 uint16_t life)
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
	m.opt.hnp[0] = smaar_pfx;
	m.opt.has_hi = true;
	m.opt.hi = DMM_MH_HI_NEW_IFACE;
	m.opt.has_att = true;
	m.opt.att = DMM_MH_ATT_IEEE8023;
	m.opt.has_ts = true;
	m.opt.ts = ts_of(ts_ms);
	m.opt.has_smaar = true;
	m.opt.smaar = smaar;
	m.opt.n_anchored = 1;
	m.opt.anchored[0] = anchored;
	return m;
}

static int in(struct dmm_maar *m, uint64_t now, struct dmm_ip6 src, const struct dmm_mh_msg *msg)
{
	return dmm_maar_input(m, now, &src, msg, &out);
}

static struct dmm_maar_session sess(struct dmm_maar *m, const char *nai)
{
	struct dmm_maar_session s;

	assert_int_equal(dmm_maar_lookup(m, nai, &s), 0);
	return s;
}

/* Attach NAI at now and answer its PBU with status 0 (optionally with P-MAARs). */
static struct dmm_mh_msg register_mn(struct dmm_maar *m, uint64_t now, const char *nai)
{
	assert_int_equal(dmm_maar_attach(m, now, nai, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, now, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(sess(m, nai).state, DMM_MAAR_S_SERVING);
	return p;
}

/* Tick until nothing more is due at now (handles MORE). */
static void tick_all(struct dmm_maar *m, uint64_t now)
{
	int rc, guard = 0;

	while ((rc = dmm_maar_tick(m, now, &out)) == DMM_MAAR_MORE)
		assert_true(++guard < 100000);
	assert_int_equal(rc, DMM_MAAR_DONE);
}

/* ---- S: serving side ---------------------------------------------------------------------- */

static void S1_first_attach_sends_pbu_with_pool_prefix(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	assert_false(act(DMM_MAAR_ACT_SEND, 0)->sync);
	assert_int_equal(p.bu.flags, DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D);
	assert_int_equal(p.bu.lifetime, LIFE);
	assert_true(p.opt.has_mnid);
	assert_string_equal(p.opt.nai, NAI);
	assert_int_equal(p.opt.n_hnp, 1);
	assert_pfx(p.opt.hnp[0], P1_0);
	assert_true(p.opt.has_hi);
	assert_int_equal(p.opt.hi, DMM_MH_HI_NEW_IFACE);
	assert_true(p.opt.has_att);
	assert_int_equal(p.opt.att, DMM_MH_ATT_IEEE8023);
	assert_true(p.opt.has_ts);
	assert_int_equal(p.opt.ts, ts_of(T0));
	assert_true(p.opt.has_mn_llid);
	assert_int_equal(p.opt.mn_llid.len, 6);
	assert_memory_equal(p.opt.mn_llid.a, LL, 6);
	assert_false(p.opt.has_smaar);
	assert_int_equal(p.opt.n_pmaar + p.opt.n_anchored, 0);
	assert_int_equal(arm_at(), T0 + 1000); /* INITIAL_BINDACK_TIMEOUT */
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_REGISTERING);
	assert_int_equal(s.last_seq, p.bu.seq);
	assert_true(s.pbu_outstanding);
	assert_int_equal(dmm_maar_pool_used(m), 1);
	/* a second MN: the next /64 and the next sequence number, no MN-LL-ID without ll_id */
	assert_int_equal(dmm_maar_attach(m, T0, NAI2, NULL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg q = sent_pbu();
	assert_pfx(q.opt.hnp[0], P1_1);
	assert_int_equal(q.bu.seq, (uint16_t)(p.bu.seq + 1));
	assert_false(q.opt.has_mn_llid);
	dmm_maar_free(m);
}

static void S2_no_forwarding_or_advertise_before_accepting_pba(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 0);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET), 0);
	/* attaching again before the PBA changes nothing and sends nothing */
	assert_int_equal(dmm_maar_attach(m, T0 + 10, NAI, LL, &out), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND) + count_type(DMM_MAAR_ACT_ADVERTISE), 0);

	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 50, CMD, &a), DMM_MAAR_DONE);
	const struct dmm_maar_action *b = act(DMM_MAAR_ACT_BIND_SET, 0);
	assert_pfx(b->prefix, P1_0);
	assert_int_equal(b->flags, DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED);
	assert_true(b->has_ll_id);
	assert_memory_equal(b->ll_id, LL, 6);
	const struct dmm_maar_action *ad = act(DMM_MAAR_ACT_ADVERTISE, 0);
	assert_pfx(ad->prefix, P1_0);
	assert_int_equal(ad->valid_s, 3600);
	assert_int_equal(ad->preferred_s, 3600);
	struct dmm_maar_dlif d;
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR1}, NAI, &d);
	assert_memory_equal(ad->dlif.mac, d.mac, 6);
	assert_ip(ad->dlif.lla, d.lla);
	assert_true(idx_of(DMM_MAAR_ACT_BIND_SET, 0) < idx_of(DMM_MAAR_ACT_ADVERTISE, 0));
	assert_true(has_event(DMM_MAAR_EV_REGISTERED));
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_SERVING);
	assert_false(s.pbu_outstanding);
	assert_int_equal(s.expire_ms, T0 + 50 + 3600000);
	assert_int_equal(s.refresh_ms, T0 + 50 + 2700000); /* 3/4 of the lifetime */
	assert_int_equal(arm_at(), T0 + 50 + 2700000);
	assert_int_equal(dmm_maar_get_stats(m)->registrations, 1);
	dmm_maar_free(m);
}

static void S3_rejected_registration_not_advertised_prefix_back_at_once(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, DMM_MH_ST_INSUFFICIENT_RESOURCES, 0);
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
	const struct dmm_maar_action *e = act(DMM_MAAR_ACT_EVENT, 0);
	assert_int_equal(e->event, DMM_MAAR_EV_REJECTED);
	assert_int_equal(e->status, DMM_MH_ST_INSUFFICIENT_RESOURCES);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE) + count_type(DMM_MAAR_ACT_BIND_SET) +
			     count_type(DMM_MAAR_ACT_SEND),
			 0);
	struct dmm_maar_session s;
	assert_int_equal(dmm_maar_lookup(m, NAI, &s), -ENOENT);
	assert_int_equal(dmm_maar_pool_used(m), 0); /* never advertised: released at once */
	assert_int_equal(dmm_maar_get_stats(m)->rejections, 1);
	/* nothing retransmitted later */
	tick_all(m, T0 + 100000);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	/* the same /64 is handed out again */
	assert_int_equal(dmm_maar_attach(m, T0 + 100000, NAI2, NULL, &out), DMM_MAAR_DONE);
	assert_pfx(sent_pbu().opt.hnp[0], P1_0);
	dmm_maar_free(m);
}

static void S3_rejected_refresh_tears_down_with_delayed_release(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	register_mn(m, T0, NAI);
	tick_all(m, T0 + 2700000);
	struct dmm_mh_msg r = sent_pbu();
	struct dmm_mh_msg a = pba_for(&r, DMM_MH_ST_ADMIN_PROHIBITED, 0);
	assert_int_equal(in(m, T0 + 2700010, CMD, &a), DMM_MAAR_DONE);
	assert_true(has_event(DMM_MAAR_EV_REJECTED));
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P1_0);
	assert_pfx(act(DMM_MAAR_ACT_WITHDRAW, 0)->prefix, P1_0);
	assert_int_equal(dmm_maar_count(m), 0);
	assert_int_equal(dmm_maar_pool_used(m), 1); /* advertised: held MinDelayBeforeBCEDelete */
	tick_all(m, T0 + 2700010 + 9999);
	assert_int_equal(dmm_maar_pool_used(m), 1);
	tick_all(m, T0 + 2700010 + 10000);
	assert_int_equal(dmm_maar_pool_used(m), 0);
	dmm_maar_free(m);
}

static void S3_status_157_reregisters_at_once_156_after_backoff(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED, 0);
	assert_int_equal(in(m, T0 + 5, CMD, &a), DMM_MAAR_DONE);
	assert_true(has_event(DMM_MAAR_EV_REJECTED));
	struct dmm_mh_msg q = sent_pbu(); /* at once */
	assert_true(q.opt.ts > p.opt.ts);
	assert_int_not_equal(q.bu.seq, p.bu.seq);
	assert_pfx(q.opt.hnp[0], P1_0);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 0);

	a = pba_for(&q, DMM_MH_ST_TIMESTAMP_MISMATCH, 0);
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0); /* not at once */
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_REGISTERING);
	tick_all(m, T0 + 5 + 999);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	tick_all(m, T0 + 5 + 1000); /* the current back-off */
	struct dmm_mh_msg r = sent_pbu();
	assert_int_equal(r.bu.seq, q.bu.seq);
	assert_true(r.opt.ts > q.opt.ts);
	dmm_maar_free(m);
}

static void S4_pba_echo_mismatch_ignored_and_no_more_retransmissions(void **state)
{
	(void)state;
	static const struct {
		int what;
	} cases[] = {{0}, {1}, {2}};

	for (unsigned c = 0; c < 3; c++) {
		struct dmm_maar *m = new_maar();
		assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
		struct dmm_mh_msg p = sent_pbu();
		struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
		if (cases[c].what == 0)
			a.opt.hi = DMM_MH_HI_NOT_CHANGED;
		else if (cases[c].what == 1)
			a.opt.att = DMM_MH_ATT_IEEE80211;
		else
			a.opt.mn_llid.a[5] ^= 1;
		assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
		assert_true(has_event(DMM_MAAR_EV_GIVE_UP));
		assert_int_equal(
		    count_type(DMM_MAAR_ACT_ADVERTISE) + count_type(DMM_MAAR_ACT_BIND_SET), 0);
		assert_int_equal(dmm_maar_get_stats(m)->drop_pba_mismatch, 1);
		assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_REGISTERING);
		tick_all(m, T0 + 200000);
		assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
		assert_int_equal(dmm_maar_get_stats(m)->pbu_sent, 1);
		dmm_maar_free(m);
	}
}

static void S5_unmatched_pba_ignored(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	a.ba.seq++;
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_IGNORED);
	assert_int_equal(out.n, 0);
	a = pba_for(&p, 0, LIFE);
	strcpy(a.opt.nai, "other@example.net");
	a.opt.nai_len = (uint8_t)strlen(a.opt.nai);
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_IGNORED);
	assert_int_equal(dmm_maar_get_stats(m)->drop_pba_unmatched, 2);
	/* relay/proxy mode: a PBA from another MAAR is not believed */
	a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 10, MAAR2, &a), DMM_MAAR_IGNORED);
	assert_int_equal(dmm_maar_get_stats(m)->drop_unknown_src, 1);
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_REGISTERING);
	assert_true(s.pbu_outstanding);
	dmm_maar_free(m);
}

static void S6_two_previous_maar_options_two_tunnels_and_deprecated_prefixes(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x((struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3});

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	add_pmaar(&a, MAAR1, P1_0, true);
	add_pmaar(&a, MAAR3, P3_0, false);
	assert_int_equal(in(m, T0 + 20, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_ADD), 2);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET), 3);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 3);
	struct dmm_ip6 peers[2] = {MAAR1, MAAR3};
	struct dmm_prefix pf[2] = {P1_0, P3_0};
	for (int k = 0; k < 2; k++) {
		const struct dmm_maar_action *t = act(DMM_MAAR_ACT_TUNNEL_ADD, k);
		assert_ip(t->peer, peers[k]);
		const struct dmm_maar_action *b = act(DMM_MAAR_ACT_BIND_SET, k + 1);
		assert_pfx(b->prefix, pf[k]);
		assert_int_equal(b->flags, DMM_MAAR_BIND_ATTACHED);
		assert_ip(b->peer, peers[k]);
		assert_true(b->has_ll_id);
		assert_true(idx_of(DMM_MAAR_ACT_TUNNEL_ADD, k) <
			    idx_of(DMM_MAAR_ACT_BIND_SET, k + 1));
		const struct dmm_maar_action *ad = act(DMM_MAAR_ACT_ADVERTISE, k + 1);
		assert_pfx(ad->prefix, pf[k]);
		assert_int_equal(ad->preferred_s, 0); /* RFC 8885 §3.7 */
		assert_int_equal(ad->valid_s, 3600);
		assert_ip(ad->peer, peers[k]);
	}
	/* DLIF: from options 69/70 for MAAR1, derived for MAAR3 */
	const struct dmm_maar_action *ad1 = act(DMM_MAAR_ACT_ADVERTISE, 1);
	assert_ip(ad1->dlif.lla, ip("fe80::99"));
	uint8_t mac1[6] = {2, 9, 9, 9, 9, 9};
	assert_memory_equal(ad1->dlif.mac, mac1, 6);
	struct dmm_maar_dlif d3, d2;
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR3}, NAI, &d3);
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR2}, NAI, &d2);
	assert_memory_equal(act(DMM_MAAR_ACT_ADVERTISE, 2)->dlif.mac, d3.mac, 6);
	assert_memory_equal(act(DMM_MAAR_ACT_ADVERTISE, 0)->dlif.mac, d2.mac, 6);
	assert_int_equal(act(DMM_MAAR_ACT_ADVERTISE, 0)->preferred_s, 3600);
	assert_true(has_event(DMM_MAAR_EV_HANDOVER_DONE));
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.n_remote, 2);
	assert_ip(s.remote[0].addr, MAAR1);
	assert_pfx(s.remote[1].pfx, P3_0);
	assert_int_equal(dmm_maar_get_stats(m)->remote_anchors_added, 2);
	dmm_maar_free(m);
}

static void S7_several_pbas_for_one_pbu_only_add(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x((struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3});

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	add_pmaar(&a, MAAR1, P1_0, false);
	assert_int_equal(in(m, T0 + 20, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(sess(m, NAI).n_remote, 1);
	/* the late PBA of the relay collection: the other P-MAAR only */
	struct dmm_mh_msg b = pba_for(&p, 0, LIFE);
	add_pmaar(&b, MAAR3, P3_0, false);
	assert_int_equal(in(m, T0 + 1020, CMD, &b), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_ADD), 1);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR3);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL) + count_type(DMM_MAAR_ACT_WITHDRAW) +
			     count_type(DMM_MAAR_ACT_TUNNEL_DEL),
			 0);
	assert_int_equal(sess(m, NAI).n_remote, 2);
	/* the same PBA again: nothing new */
	assert_int_equal(in(m, T0 + 1030, CMD, &b), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_ADD) + count_type(DMM_MAAR_ACT_BIND_SET),
			 0);
	assert_int_equal(sess(m, NAI).n_remote, 2);
	assert_int_equal(dmm_maar_get_stats(m)->handovers, 1);
	/* after the refresh PBU went out, a PBA for the old seq no longer matches */
	tick_all(m, T0 + 20 + 2700000);
	sent_pbu();
	assert_int_equal(in(m, T0 + 20 + 2700010, CMD, &b), DMM_MAAR_IGNORED);
	dmm_maar_free(m);
}

static void S8_retransmission_backoff_1_2_4_to_32_then_32(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	static const uint64_t gaps[] = {1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000};

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	uint64_t now = T0, last_ts = p.opt.ts;
	for (unsigned i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		uint64_t at = arm_at();
		if (at != now + gaps[i]) {
			print_error("retransmission %u: armed at +%llu ms, expected +%llu\n", i + 1,
				    (unsigned long long)(at - now), (unsigned long long)gaps[i]);
			fail();
		}
		tick_all(m, at - 1);
		assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
		tick_all(m, at);
		struct dmm_mh_msg r = sent_pbu();
		assert_int_equal(r.bu.seq, p.bu.seq); /* [choice] same seq */
		assert_true(r.opt.ts > last_ts);      /* fresh Timestamp */
		assert_int_equal(r.opt.ts, ts_of(at));
		assert_int_equal(r.opt.hi, DMM_MH_HI_NEW_IFACE);
		last_ts = r.opt.ts;
		now = at;
	}
	assert_int_equal(dmm_maar_get_stats(m)->pbu_retx, 8);
	/* the MN left: no more retries (RFC 5213 §6.9.4) */
	assert_int_equal(dmm_maar_detach(m, now + 10, NAI, &out), DMM_MAAR_DONE);
	tick_all(m, now + 4000);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	assert_false(sess(m, NAI).pbu_outstanding);
	tick_all(m, now + 32000);
	/* only the grace end's de-registration may follow, with lifetime 0 */
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == DMM_MAAR_ACT_SEND)
			assert_int_equal(out.a[i].msg.bu.lifetime, 0);
	dmm_maar_free(m);
}

static void S8_at_most_3_pbus_per_second_to_the_cmd(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	enum { N = 40 };
	uint64_t sent_at[2 * N];
	unsigned n_sent = 0;
	char nai[32];
	uint64_t armed = 0; /* ARM is emitted only when the time changes: remember it */

	for (int i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn%d@x", i);
		assert_int_equal(dmm_maar_attach(m, T0, nai, NULL, &out), DMM_MAAR_DONE);
		for (int k = 0; k < count_type(DMM_MAAR_ACT_SEND); k++)
			sent_at[n_sent++] = T0;
		if (arm_at())
			armed = arm_at();
	}
	assert_int_equal(n_sent, 3);
	const struct dmm_maar_stats *st = dmm_maar_get_stats(m);
	uint64_t now = T0;
	int guard = 0;
	/* follow the timer until every MN's first PBU left (retransmissions compete too) */
	while (st->pbu_sent - st->pbu_retx < (uint64_t)N && ++guard < 1000) {
		assert_true(armed > now);
		now = armed;
		tick_all(m, now);
		if (arm_at())
			armed = arm_at();
		for (int k = 0; k < count_type(DMM_MAAR_ACT_SEND); k++)
			if (n_sent < 2 * N)
				sent_at[n_sent++] = now;
	}
	assert_int_equal(st->pbu_sent - st->pbu_retx, N);
	for (unsigned i = 0; i + 3 < n_sent; i++)
		if (sent_at[i + 3] < sent_at[i] + 1000) {
			print_error("PBUs %u..%u within %llu ms (expected >= 1000)\n", i, i + 3,
				    (unsigned long long)(sent_at[i + 3] - sent_at[i]));
			fail();
		}
	assert_true(st->pbu_paced >= (uint64_t)N - 3);
	/* the limiter let 3 go per second: 40 first PBUs + retransmissions take > 13 s */
	assert_true(now - T0 >= 13000);
	dmm_maar_free(m);
}

static void S9_refresh_is_hi5_new_seq_same_options(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	struct dmm_mh_msg p = register_mn(m, T0, NAI);
	tick_all(m, T0 + 2700000 - 1);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	tick_all(m, T0 + 2700000);
	struct dmm_mh_msg r = sent_pbu();
	assert_int_equal(r.opt.hi, DMM_MH_HI_NOT_CHANGED);
	assert_int_not_equal(r.bu.seq, p.bu.seq);
	assert_int_equal(r.bu.lifetime, LIFE);
	assert_pfx(r.opt.hnp[0], p.opt.hnp[0]);
	assert_int_equal(r.opt.att, p.opt.att);
	assert_true(r.opt.has_mn_llid);
	assert_int_equal(r.opt.ts, ts_of(T0 + 2700000));
	struct dmm_mh_msg a = pba_for(&r, 0, LIFE);
	assert_int_equal(in(m, T0 + 2700100, CMD, &a), DMM_MAAR_DONE);
	assert_true(has_event(DMM_MAAR_EV_REFRESHED));
	assert_int_equal(sess(m, NAI).expire_ms, T0 + 2700100 + 3600000);
	assert_int_equal(dmm_maar_get_stats(m)->refreshes, 1);
	dmm_maar_free(m);
}

static void S9_unanswered_refresh_expires_the_session(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	register_mn(m, T0, NAI);
	uint64_t now = T0 + 2700000;
	int guard = 0;
	tick_all(m, now);
	while (dmm_maar_count(m) && ++guard < 100) {
		uint64_t at = arm_at();
		assert_true(at > now && at <= T0 + 3600000);
		now = at;
		tick_all(m, now);
	}
	assert_int_equal(now, T0 + 3600000);
	assert_true(has_event(DMM_MAAR_EV_DEREGISTERED));
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0); /* no lifetime-0 PBU */
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P1_0);
	assert_pfx(act(DMM_MAAR_ACT_WITHDRAW, 0)->prefix, P1_0);
	assert_int_equal(dmm_maar_get_stats(m)->expirations, 1);
	dmm_maar_free(m);
}

static void S10_deregistration_after_grace(void **state)
{
	(void)state;
	/* The unanswered case (S10's INITIAL_BINDACK_TIMEOUT, extended by F2) is
	 * F2_deregistration_retransmitted_three_times_then_removed. */
	{
		struct dmm_maar *m =
		    new_maar_x((struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3});
		assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
		struct dmm_mh_msg p = sent_pbu();
		struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
		add_pmaar(&a, MAAR1, P1_0, false);
		assert_int_equal(in(m, T0, CMD, &a), DMM_MAAR_DONE);

		assert_int_equal(dmm_maar_detach(m, T0 + 1000, NAI, &out), DMM_MAAR_DONE);
		assert_int_equal(count_type(DMM_MAAR_ACT_SEND) + count_type(DMM_MAAR_ACT_BIND_DEL),
				 0);
		assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_DETACHED);
		assert_int_equal(arm_at(), T0 + 6000);
		tick_all(m, T0 + 5999);
		assert_int_equal(out.n, 0);
		tick_all(m, T0 + 6000);
		struct dmm_mh_msg d = sent_pbu();
		assert_int_equal(d.bu.lifetime, 0);
		assert_int_equal(d.opt.hi, DMM_MH_HI_UNKNOWN);
		assert_pfx(d.opt.hnp[0], P2_0);
		assert_true(d.opt.has_mn_llid);
		assert_true(d.opt.ts > p.opt.ts);
		/* forwarding state gone at once, BIND_DEL before the TUNNEL_DEL it frees */
		assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL), 2);
		assert_int_equal(count_type(DMM_MAAR_ACT_WITHDRAW), 2);
		assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_DEL), 1);
		assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR1);
		assert_true(idx_of(DMM_MAAR_ACT_BIND_DEL, 0) < idx_of(DMM_MAAR_ACT_TUNNEL_DEL, 0));
		assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_DEREGISTERING);
		struct dmm_mh_msg b = pba_for(&d, 0, 0);
		assert_int_equal(in(m, T0 + 6100, CMD, &b), DMM_MAAR_DONE);
		uint64_t gone_at = T0 + 6100;
		assert_true(has_event(DMM_MAAR_EV_DEREGISTERED));
		assert_int_equal(dmm_maar_count(m), 0);
		assert_int_equal(dmm_maar_pool_used(m), 1);
		tick_all(m, gone_at + 10000);
		assert_int_equal(dmm_maar_pool_used(m), 0);
		dmm_maar_free(m);
	}
}

/* ---- P: anchoring side --------------------------------------------------------------------- */

/* MAAR1 serves NAI on P1_0 (optionally with a remote anchor MAAR3/P3_0). */
static struct dmm_maar *serving_maar1(struct mcfg x, bool remote)
{
	struct dmm_maar *m = new_maar_x(x);

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	if (remote)
		add_pmaar(&a, MAAR3, P3_0, false);
	assert_int_equal(in(m, T0, CMD, &a), DMM_MAAR_DONE);
	return m;
}

static void P1_forwarded_pbu_tunnels_prefix_to_serving_maar_option(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, true);
	assert_int_equal(dmm_maar_detach(m, T0 + 10, NAI, &out), DMM_MAAR_DONE);

	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 77, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	/* stop serving: the remote anchor goes, BIND_DEL before its TUNNEL_DEL */
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P3_0);
	assert_pfx(act(DMM_MAAR_ACT_WITHDRAW, 0)->prefix, P3_0);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR3);
	assert_true(idx_of(DMM_MAAR_ACT_BIND_DEL, 0) < idx_of(DMM_MAAR_ACT_TUNNEL_DEL, 0));
	/* G12: the tunnel goes to the Serving MAAR option, not the IPv6 source (the CMD) */
	const struct dmm_maar_action *t = act(DMM_MAAR_ACT_TUNNEL_ADD, 0);
	assert_ip(t->peer, MAAR2);
	const struct dmm_maar_action *b = act(DMM_MAAR_ACT_BIND_SET, 0);
	assert_pfx(b->prefix, P1_0);
	assert_int_equal(b->flags, DMM_MAAR_BIND_ANCHORED);
	assert_ip(b->peer, MAAR2);
	assert_true(idx_of(DMM_MAAR_ACT_TUNNEL_ADD, 0) < idx_of(DMM_MAAR_ACT_BIND_SET, 0));
	assert_true(has_event(DMM_MAAR_EV_ANCHOR_MOVED));
	/* PBA to the CMD, after the table actions and sync */
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 1);
	const struct dmm_maar_action *s = act(DMM_MAAR_ACT_SEND, 0);
	assert_true(idx_of(DMM_MAAR_ACT_BIND_SET, 0) < idx_of(DMM_MAAR_ACT_SEND, 0));
	assert_true(s->sync);
	assert_ip(s->dst, CMD);
	const struct dmm_mh_msg *r = &s->msg;
	assert_int_equal(r->type, DMM_MH_BA);
	assert_int_equal(r->ba.status, 0);
	assert_int_equal(r->ba.flags, DMM_MH_BA_P | DMM_MH_BA_D);
	assert_int_equal(r->ba.seq, 77);
	assert_int_equal(r->ba.lifetime, LIFE);
	assert_int_equal(r->opt.ts, ts_of(T0 + 20));
	assert_string_equal(r->opt.nai, NAI);
	assert_int_equal(r->opt.n_hnp, 1);
	assert_pfx(r->opt.hnp[0], P1_0);
	assert_int_equal(r->opt.hi, f.opt.hi);
	assert_int_equal(r->opt.att, f.opt.att);
	assert_true(r->opt.has_smaar);
	assert_ip(r->opt.smaar, MAAR2);
	struct dmm_maar_session ss = sess(m, NAI);
	assert_int_equal(ss.state, DMM_MAAR_S_ANCHOR);
	assert_ip(ss.smaar, MAAR2);
	assert_int_equal(ss.n_remote, 0);
	assert_int_equal(ss.grace_ms, 0);
	/* a second move: new tunnel, then the old one goes (after the BIND_SET) */
	f = fwd_pbu(NAI, MAAR3, P1_0, P3_0, 78, T0 + 30, LIFE);
	assert_int_equal(in(m, T0 + 30, CMD, &f), DMM_MAAR_DONE);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR3);
	assert_ip(act(DMM_MAAR_ACT_BIND_SET, 0)->peer, MAAR3);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR2);
	assert_true(idx_of(DMM_MAAR_ACT_BIND_SET, 0) < idx_of(DMM_MAAR_ACT_TUNNEL_DEL, 0));
	/* Serving MAAR = this MAAR: stale, answered, nothing changes */
	f = fwd_pbu(NAI, MAAR1, P1_0, P1_0, 79, T0 + 40, LIFE);
	assert_int_equal(in(m, T0 + 40, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(out.n - (unsigned)count_type(DMM_MAAR_ACT_ARM), 1);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.ba.status, 0);
	assert_ip(sess(m, NAI).smaar, MAAR3);
	assert_int_equal(dmm_maar_get_stats(m)->anchor_moves, 2);
	dmm_maar_free(m);
}

static void P2_variant1_anchor_timer_stops(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(sess(m, NAI).expire_ms, 0);
	/* far past the lifetime, the grace and every retransmission: nothing at all */
	tick_all(m, T0 + 100ull * 3600000);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_ANCHOR);
	dmm_maar_free(m);
}

static void P3_variant2_expiry_asks_cmd_renews_or_removes(void **state)
{
	(void)state;
	for (int mode = 0; mode < 3; mode++) { /* 0: renew then remove, 1: lifetime 0, 2: silence */
		struct dmm_maar *m = serving_maar1(
		    (struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .variant = 2}, false);
		struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, 100);
		assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
		uint64_t exp = T0 + 20 + 400000;
		assert_int_equal(sess(m, NAI).expire_ms, exp);
		tick_all(m, exp - 1);
		assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
		tick_all(m, exp);
		struct dmm_mh_msg d = sent_pbu();
		assert_int_equal(d.bu.lifetime, 0);
		assert_int_equal(d.opt.hi, DMM_MH_HI_UNKNOWN);
		assert_pfx(d.opt.hnp[0], P1_0);
		assert_string_equal(d.opt.nai, NAI);
		assert_true(d.opt.has_ts);
		assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_ANCHOR_DEREG);
		uint64_t now = exp;
		if (mode == 0) {
			struct dmm_mh_msg a = pba_for(&d, 0, 50); /* still in the domain */
			assert_int_equal(in(m, exp + 10, CMD, &a), DMM_MAAR_DONE);
			assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL), 0);
			struct dmm_maar_session s = sess(m, NAI);
			assert_int_equal(s.state, DMM_MAAR_S_ANCHOR);
			assert_int_equal(s.expire_ms, exp + 10 + 200000);
			now = exp + 10 + 200000;
			tick_all(m, now);
			d = sent_pbu();
			assert_int_equal(d.bu.lifetime, 0);
			mode = 1; /* and now the CMD says lifetime 0 */
		}
		if (mode == 1) {
			struct dmm_mh_msg a = pba_for(&d, 0, 0);
			assert_int_equal(in(m, now + 10, CMD, &a), DMM_MAAR_DONE);
		} else {
			static const uint64_t gaps[] = {1000, 2000, 4000};
			for (int i = 0; i < 3; i++) {
				now += gaps[i];
				tick_all(m, now);
				assert_int_equal(sent_pbu().bu.seq, d.bu.seq);
			}
			now += 8000;
			tick_all(m, now - 1);
			assert_int_equal(dmm_maar_count(m), 1);
			tick_all(m, now);
			assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
		}
		assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P1_0);
		assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR2);
		assert_true(has_event(DMM_MAAR_EV_DEREGISTERED));
		assert_int_equal(dmm_maar_count(m), 0);
		dmm_maar_free(m);
	}
}

static void P4_locator_mode_pba_also_goes_straight_to_serving_maar(void **state)
{
	(void)state;
	struct dmm_maar *m = serving_maar1(
	    (struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .mode = DMM_MAAR_CMD_LOCATOR},
	    false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 9, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 2);
	const struct dmm_maar_action *d = act(DMM_MAAR_ACT_SEND, 1);
	assert_ip(d->dst, MAAR2);
	assert_true(d->sync);
	assert_int_equal(d->msg.type, DMM_MH_BA);
	assert_int_equal(d->msg.ba.status, 0);
	assert_int_equal(d->msg.ba.seq, 9);
	assert_pfx(d->msg.opt.hnp[0], P1_0);
	assert_false(d->msg.opt.has_smaar || d->msg.opt.has_dlif_lla || d->msg.opt.has_dlif_l2);
	assert_int_equal(d->msg.opt.n_pmaar + d->msg.opt.n_anchored + d->msg.opt.n_local, 0);
	assert_int_equal(dmm_maar_get_stats(m)->pba_direct_sent, 1);
	dmm_maar_free(m);
}

static void P4_locator_serving_side_accepts_direct_pba_before_cmd_pba(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x(
	    (struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3, .mode = DMM_MAAR_CMD_LOCATOR});
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	/* MAAR1's direct PBA: the forwarded PBU kept our seq; HNP = its prefix */
	struct dmm_mh_msg d = pba_for(&p, 0, LIFE);
	d.opt.hnp[0] = P1_0;
	assert_int_equal(in(m, T0 + 5, MAAR1, &d), DMM_MAAR_DONE);
	assert_true(has_event(DMM_MAAR_EV_ANCHOR_ADDED));
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET) + count_type(DMM_MAAR_ACT_ADVERTISE), 0);
	assert_int_equal(sess(m, NAI).n_remote, 1);
	/* a PBA from a MAAR that is not a configured peer is not believed */
	d.opt.hnp[0] = P3_0;
	struct dmm_ip6 stranger = ip("2001:db8::77");
	assert_int_equal(in(m, T0 + 6, stranger, &d), DMM_MAAR_IGNORED);
	assert_int_equal(dmm_maar_get_stats(m)->drop_unknown_src, 1);
	/* the CMD's own PBA (G2: base options only): everything goes live */
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR1);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET), 2);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 2);
	assert_int_equal(act(DMM_MAAR_ACT_ADVERTISE, 1)->preferred_s, 0);
	dmm_maar_free(m);
}

static void P6_pba_carries_dlif_of_this_anchor(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	const struct dmm_mh_msg *r = &act(DMM_MAAR_ACT_SEND, 0)->msg;
	struct dmm_maar_dlif d;
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR1}, NAI, &d);
	assert_true(r->opt.has_dlif_lla);
	assert_ip(r->opt.dlif_lla, d.lla);
	assert_true(r->opt.has_dlif_l2);
	assert_int_equal(r->opt.dlif_l2.len, 6);
	assert_memory_equal(r->opt.dlif_l2.a, d.mac, 6);
	dmm_maar_free(m);
}

/* ---- Local Prefix (RFC 8885 §3.7, §4.4: P5, D3) -------------------------------------------- */

#define LOC1 pfx("2001:db8:900::/40")
#define LOC2 pfx("fd00:1::/32")
#define LOC3 pfx("2001:db8:ff::77/128")

static const struct dmm_prefix loc12[2] = {{.len = 40, .addr = {{0x20, 0x01, 0x0d, 0xb8, 0x09}}},
					   {.len = 32, .addr = {{0xfd, 0x00, 0x00, 0x01}}}};

static void P5_anchor_pba_carries_one_local_prefix_option_per_configured_prefix(void **state)
{
	(void)state;
	assert_pfx(loc12[0], LOC1);
	assert_pfx(loc12[1], LOC2);
	struct dmm_maar *m = serving_maar1(
	    (struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .local = loc12, .n_local = 2},
	    false);
	/* the MAAR's own registration PBU carries none: 66 is for anchors (P5) */
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 1);
	const struct dmm_mh_msg *r = &act(DMM_MAAR_ACT_SEND, 0)->msg;
	assert_int_equal(r->type, DMM_MH_BA);
	assert_int_equal(r->ba.status, 0);
	assert_true(r->ba.flags & DMM_MH_BA_D); /* RFC 8885 §4.4: only with D=1 */
	assert_int_equal(r->opt.n_local, 2);
	assert_pfx(r->opt.local[0], LOC1);
	assert_pfx(r->opt.local[1], LOC2);
	assert_int_equal(r->opt.n_pmaar, 0); /* message-level: this MAAR's own (G4) */
	/* a lifetime-0 notice (G7) is answered without them: nothing is anchored any more */
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 6, T0 + 30, 0);
	assert_int_equal(in(m, T0 + 30, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.opt.n_local, 0);
	dmm_maar_free(m);
	/* a MAAR without local networks sends none */
	m = serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.opt.n_local, 0);
	dmm_maar_free(m);
}

static void P5_locator_direct_pba_carries_the_local_prefixes(void **state)
{
	(void)state;
	struct dmm_maar *m = serving_maar1((struct mcfg){.addr = MAAR1,
							 .pool = POOL1,
							 .rate = 3,
							 .mode = DMM_MAAR_CMD_LOCATOR,
							 .local = loc12,
							 .n_local = 1},
					   false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 9, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 2);
	for (int k = 0; k < 2; k++) { /* to the CMD and straight to the S-MAAR */
		const struct dmm_mh_msg *r = &act(DMM_MAAR_ACT_SEND, k)->msg;
		assert_true(r->ba.flags & DMM_MH_BA_D);
		assert_int_equal(r->opt.n_local, 1);
		assert_pfx(r->opt.local[0], LOC1);
	}
	assert_ip(act(DMM_MAAR_ACT_SEND, 1)->dst, MAAR2);
	dmm_maar_free(m);
}

static void P5_new_refuses_bad_local_prefixes(void **state)
{
	(void)state;
	struct dmm_maar_config cfg;
	struct dmm_prefix pool = POOL1, bad[DMM_MAAR_MAX_LOCAL + 1];
	int err = 0;

	for (unsigned i = 0; i < DMM_MAAR_MAX_LOCAL + 1; i++)
		bad[i] = LOC2;
	dmm_maar_config_default(&cfg);
	cfg.addr = MAAR1;
	cfg.cmd = CMD;
	cfg.pool = &pool;
	cfg.n_pool = 1;
	cfg.local = bad;
	cfg.n_local = DMM_MAAR_MAX_LOCAL; /* the limit is fine */
	struct dmm_maar *m = dmm_maar_new(&cfg, &err);
	assert_non_null(m);
	dmm_maar_free(m);
	cfg.n_local = DMM_MAAR_MAX_LOCAL + 1;
	assert_null(dmm_maar_new(&cfg, &err));
	assert_int_equal(err, -EINVAL);
	cfg.n_local = 1;
	bad[0] = pfx("fd00:1::/32");
	bad[0].addr.a[15] = 1; /* host bits */
	assert_null(dmm_maar_new(&cfg, &err));
	bad[0] = pfx("fd00:1::/32");
	bad[0].len = 0; /* a default route is no local network */
	assert_null(dmm_maar_new(&cfg, &err));
	cfg.local = NULL;
	assert_null(dmm_maar_new(&cfg, &err));
}

/* The index of the ADVERTISE for prefix p in out, or -1. */
static int adv_of(struct dmm_prefix p)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == DMM_MAAR_ACT_ADVERTISE && pfx_eq(out.a[i].prefix, p))
			return (int)i;
	return -1;
}

static void assert_adv_local(struct dmm_prefix p, bool set, unsigned n, const struct dmm_prefix *l)
{
	int i = adv_of(p);

	if (i < 0) {
		char b[DMM_PFX_STRLEN];
		print_error("no ADVERTISE for %s\n", dmm_prefix_fmt(&p, b));
		fail();
	}
	const struct dmm_maar_action *a = &out.a[i];
	if (a->local_set != set) {
		print_error("ADVERTISE local_set: expected %d, got %d\n", set, a->local_set);
		fail();
	}
	assert_int_equal(a->n_local, n);
	for (unsigned k = 0; k < n; k++)
		assert_pfx(a->local[k], l[k]);
}

static void D3_serving_maar_advertises_previous_maars_local_prefixes_on_its_dlif(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x((struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3});
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	add_pmaar(&a, MAAR1, P1_0, true);
	a.opt.pmaar[0].n_local = 1;
	a.opt.pmaar[0].local[0] = LOC1;
	add_pmaar(&a, MAAR3, P3_0, false); /* no local network there */
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
	/* the own DLIF carries no routes; MAAR1's DLIF gets LOC1, MAAR3's none */
	assert_adv_local(P2_0, false, 0, NULL);
	assert_adv_local(P1_0, true, 1, (struct dmm_prefix[]){LOC1});
	assert_ip(out.a[adv_of(P1_0)].peer, MAAR1);
	assert_adv_local(P3_0, false, 0, NULL);
	struct dmm_maar_session ss = sess(m, NAI);
	assert_int_equal(ss.n_remote, 2);
	assert_int_equal(ss.remote[0].n_local, 1);
	assert_pfx(ss.remote[0].local[0], LOC1);
	assert_int_equal(ss.remote[1].n_local, 0);

	/* a later PBA for the same PBU (S7: a relay late PBA, a proxy follow-up) with a new set
	 * for MAAR1 and one for MAAR3: one ADVERTISE each, the complete new set */
	a.opt.pmaar[0].n_local = 2;
	a.opt.pmaar[0].local[1] = LOC2;
	a.opt.pmaar[1].n_local = 1;
	a.opt.pmaar[1].local[0] = LOC3;
	assert_int_equal(in(m, T0 + 20, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 2);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET) + count_type(DMM_MAAR_ACT_TUNNEL_ADD),
			 0);
	assert_adv_local(P1_0, true, 2, (struct dmm_prefix[]){LOC1, LOC2});
	assert_adv_local(P3_0, true, 1, (struct dmm_prefix[]){LOC3});
	assert_int_equal(dmm_maar_get_stats(m)->local_updates, 2);
	/* the same sets again: nothing to do */
	assert_int_equal(in(m, T0 + 30, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 0);
	/* MAAR1 no longer reports any: its routes are withdrawn (an empty set) */
	a.opt.pmaar[0].n_local = 0;
	assert_int_equal(in(m, T0 + 40, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 1);
	assert_adv_local(P1_0, true, 0, NULL);
	/* the refresh re-advertises with the stored sets, not marked as new */
	tick_all(m, T0 + 40 + 2700 * 1000);
	p = sent_pbu();
	assert_int_equal(p.opt.n_local, 0); /* an S-MAAR's PBU carries none */
	a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 2701 * 1000, CMD, &a), DMM_MAAR_DONE);
	assert_adv_local(P3_0, false, 1, (struct dmm_prefix[]){LOC3});
	assert_adv_local(P1_0, false, 0, NULL);
	dmm_maar_free(m);
}

static void D3_locator_serving_side_learns_local_prefixes_from_direct_pba(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x(
	    (struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3, .mode = DMM_MAAR_CMD_LOCATOR});
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg d = pba_for(&p, 0, LIFE);
	d.opt.hnp[0] = P1_0;
	d.opt.n_local = 1; /* message-level: MAAR1's own */
	d.opt.local[0] = LOC1;
	assert_int_equal(in(m, T0 + 5, MAAR1, &d), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_ADVERTISE), 0); /* S2: not before the CMD's */
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
	assert_adv_local(P1_0, true, 1, (struct dmm_prefix[]){LOC1});
	/* a repeated direct PBA with another set replaces it */
	d.opt.local[0] = LOC2;
	assert_int_equal(in(m, T0 + 20, MAAR1, &d), DMM_MAAR_DONE);
	assert_adv_local(P1_0, true, 1, (struct dmm_prefix[]){LOC2});
	/* more than DMM_MAAR_MAX_LOCAL: the first ones are kept, the rest counted */
	d.opt.n_local = DMM_MAAR_MAX_LOCAL + 2;
	for (unsigned k = 0; k < d.opt.n_local; k++) {
		d.opt.local[k] = LOC2;
		d.opt.local[k].addr.a[4] = (uint8_t)k;
	}
	assert_int_equal(in(m, T0 + 30, MAAR1, &d), DMM_MAAR_DONE);
	assert_int_equal(act(DMM_MAAR_ACT_ADVERTISE, 0)->n_local, DMM_MAAR_MAX_LOCAL);
	assert_int_equal(dmm_maar_get_stats(m)->local_dropped, 2);
	dmm_maar_free(m);
}

static void dlif_derive_is_deterministic_local_unicast_and_distinct(void **state)
{
	(void)state;
	struct dmm_maar_dlif a, b, c, e;

	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR1}, NAI, &a);
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR1}, NAI, &b);
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR2}, NAI, &c);
	dmm_maar_dlif_derive((struct dmm_ip6[]){MAAR1}, NAI2, &e);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.mac[0], 0x02); /* locally administered, unicast */
	assert_memory_not_equal(a.mac, c.mac, 6);
	assert_memory_not_equal(a.mac, e.mac, 6);
	struct dmm_mac mac;
	struct dmm_ip6 lla;
	memcpy(mac.a, a.mac, 6);
	dmm_ip6_linklocal_from_mac(&mac, &lla);
	assert_ip(a.lla, lla);
	assert_int_equal(a.lla.a[0], 0xfe);
	assert_int_equal(a.lla.a[8], 0x00); /* 0x02 ^ the U/L bit */
}

static void P7_detach_at_pmaar_sends_nothing(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_detach(m, T0 + 30, NAI, &out), DMM_MAAR_IGNORED);
	assert_int_equal(out.n, 0);
	tick_all(m, T0 + 24ull * 3600000);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	assert_int_equal(dmm_maar_get_stats(m)->pbu_sent, 1);
	dmm_maar_free(m);
}

static void P9_forwarded_pbu_for_unknown_mn_gets_128(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0, LIFE);

	assert_int_equal(in(m, T0, CMD, &f), DMM_MAAR_DONE);
	const struct dmm_maar_action *s = act(DMM_MAAR_ACT_SEND, 0);
	assert_ip(s->dst, CMD);
	assert_int_equal(s->msg.type, DMM_MH_BA);
	assert_int_equal(s->msg.ba.status, DMM_MH_ST_REASON_UNSPECIFIED);
	assert_int_equal(s->msg.ba.seq, 5);
	assert_string_equal(s->msg.opt.nai, NAI);
	assert_pfx(s->msg.opt.hnp[0], P2_0);
	assert_int_equal(s->msg.opt.hi, f.opt.hi);
	assert_int_equal(s->msg.opt.att, f.opt.att);
	assert_int_equal(s->msg.opt.ts, f.opt.ts);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET) + count_type(DMM_MAAR_ACT_TUNNEL_ADD),
			 0);
	assert_int_equal(dmm_maar_get_stats(m)->pbu_no_session, 1);
	assert_int_equal(dmm_maar_count(m), 0);
	/* lifetime 0 for an unknown MN: ignored (RFC 5213 §5.3.5) */
	f.bu.lifetime = 0;
	assert_int_equal(in(m, T0, CMD, &f), DMM_MAAR_IGNORED);
	dmm_maar_free(m);
}

static void anchored_prefix_not_ours_gets_155(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_1, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.ba.status,
			 DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET), 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_SERVING);
	dmm_maar_free(m);
}

static void G7_cmd_cleanup_lifetime0_removes_anchor(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 6, T0 + 30, 0);
	assert_int_equal(in(m, T0 + 30, CMD, &f), DMM_MAAR_DONE);
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P1_0);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR2);
	const struct dmm_maar_action *s = act(DMM_MAAR_ACT_SEND, 0);
	assert_true(s->sync);
	assert_int_equal(s->msg.ba.status, 0);
	assert_int_equal(s->msg.ba.lifetime, 0);
	assert_true(idx_of(DMM_MAAR_ACT_TUNNEL_DEL, 0) < idx_of(DMM_MAAR_ACT_SEND, 0));
	assert_int_equal(dmm_maar_count(m), 0);
	assert_int_equal(dmm_maar_pool_used(m), 1);
	tick_all(m, T0 + 30 + 10000);
	assert_int_equal(dmm_maar_pool_used(m), 0);
	dmm_maar_free(m);
}

/* ---- pool, return, grace ------------------------------------------------------------------ */

static void pool_exhaustion_no_prefix_twice_release_after_delay(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    new_maar_x((struct mcfg){.addr = MAAR1, .pool = pfx("2001:db8:1::/62"), .rate = 0});
	struct dmm_prefix got[4];
	char nai[16];

	assert_int_equal(dmm_maar_pool_free(m), 4);
	for (int i = 0; i < 4; i++) {
		snprintf(nai, sizeof(nai), "mn%d", i);
		register_mn(m, T0, nai);
		got[i] = sess(m, nai).pfx;
		for (int j = 0; j < i; j++)
			assert_false(pfx_eq(got[i], got[j]));
	}
	assert_int_equal(dmm_maar_attach(m, T0, "mn4", NULL, &out), -ENOSPC);
	assert_true(has_event(DMM_MAAR_EV_POOL_EMPTY));
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	assert_int_equal(dmm_maar_get_stats(m)->attach_refused_pool, 1);
	/* mn1 leaves the domain */
	assert_int_equal(dmm_maar_detach(m, T0, "mn1", &out), DMM_MAAR_DONE);
	tick_all(m, T0 + 5000);
	struct dmm_mh_msg d = sent_pbu();
	struct dmm_mh_msg a = pba_for(&d, 0, 0);
	assert_int_equal(in(m, T0 + 5000, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_count(m), 3);
	assert_int_equal(dmm_maar_attach(m, T0 + 5000, "mn4", NULL, &out), -ENOSPC);
	tick_all(m, T0 + 14999);
	assert_int_equal(dmm_maar_attach(m, T0 + 14999, "mn4", NULL, &out), -ENOSPC);
	tick_all(m, T0 + 15000);
	assert_int_equal(dmm_maar_pool_free(m), 1);
	assert_int_equal(dmm_maar_attach(m, T0 + 15000, "mn4", NULL, &out), DMM_MAAR_DONE);
	assert_pfx(sent_pbu().opt.hnp[0], got[1]);
	assert_int_equal(dmm_maar_get_stats(m)->attach_refused_pool, 3);
	dmm_maar_free(m);

	m = new_maar_x((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .max_mns = 1});
	assert_int_equal(dmm_maar_attach(m, T0, NAI, NULL, &out), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_attach(m, T0, NAI2, NULL, &out), -ENOSPC);
	assert_true(has_event(DMM_MAAR_EV_TABLE_FULL));
	assert_int_equal(dmm_maar_get_stats(m)->attach_refused_full, 1);
	assert_int_equal(dmm_maar_pool_used(m), 1);
	dmm_maar_free(m);
}

static void returning_mn_anchor_to_serving_with_hi3_same_prefix(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);

	assert_int_equal(dmm_maar_attach(m, T0 + 1000, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	assert_int_equal(p.opt.hi, DMM_MH_HI_MAG_CHANGE);
	assert_pfx(p.opt.hnp[0], P1_0);
	/* the tunnel to the old S-MAAR stays until the PBA */
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET) + count_type(DMM_MAAR_ACT_TUNNEL_DEL),
			 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_REGISTERING);
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	add_pmaar(&a, MAAR2, P2_0, false);
	assert_int_equal(in(m, T0 + 1010, CMD, &a), DMM_MAAR_DONE);
	const struct dmm_maar_action *b = act(DMM_MAAR_ACT_BIND_SET, 0);
	assert_pfx(b->prefix, P1_0);
	assert_int_equal(b->flags, DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED);
	/* the tunnel to MAAR2 now carries the remote anchor P2_0: kept, not removed and re-added */
	assert_true(has_event(DMM_MAAR_EV_HANDOVER_DONE));
	assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_ADD) + count_type(DMM_MAAR_ACT_TUNNEL_DEL),
			 0);
	const struct dmm_maar_action *rb = act(DMM_MAAR_ACT_BIND_SET, 1);
	assert_pfx(rb->prefix, P2_0);
	assert_ip(rb->peer, MAAR2);
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_SERVING);
	assert_pfx(s.pfx, P1_0);
	assert_int_equal(s.n_remote, 1);
	assert_int_equal(dmm_maar_pool_used(m), 1);
	dmm_maar_free(m);
}

static void returning_mn_without_remote_releases_old_tunnel(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_attach(m, T0 + 1000, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 1010, CMD, &a), DMM_MAAR_DONE);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR2);
	assert_true(idx_of(DMM_MAAR_ACT_BIND_SET, 0) < idx_of(DMM_MAAR_ACT_TUNNEL_DEL, 0));
	assert_true(has_event(DMM_MAAR_EV_HANDOVER_DONE));
	dmm_maar_free(m);
}

static void detach_grace_cancelled_by_reattach(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	register_mn(m, T0, NAI);
	assert_int_equal(dmm_maar_detach(m, T0 + 100, NAI, &out), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_attach(m, T0 + 2000, NAI, LL, &out), DMM_MAAR_DONE);
	/* F4: the CMD is told (HI=3, new seq): the MN may have registered elsewhere meanwhile */
	struct dmm_mh_msg rp = sent_pbu();
	assert_int_equal(rp.opt.hi, DMM_MH_HI_MAG_CHANGE);
	assert_int_equal(rp.bu.lifetime, LIFE);
	assert_pfx(rp.opt.hnp[0], P1_0);
	const struct dmm_maar_action *ad = act(DMM_MAAR_ACT_ADVERTISE, 0);
	assert_pfx(ad->prefix, P1_0);
	assert_int_equal(ad->valid_s, 3598); /* what is left of the lifetime */
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_SERVING);
	assert_int_equal(s.grace_ms, 0);
	struct dmm_mh_msg ra = pba_for(&rp, 0, LIFE);
	assert_int_equal(in(m, T0 + 2010, CMD, &ra), DMM_MAAR_DONE);
	tick_all(m, T0 + 100 + 5000);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND) + count_type(DMM_MAAR_ACT_BIND_DEL), 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_SERVING);
	/* a new link-layer id on re-attach re-binds with it */
	uint8_t ll2[6] = {2, 2, 2, 2, 2, 2};
	assert_int_equal(dmm_maar_attach(m, T0 + 6000, NAI, ll2, &out), DMM_MAAR_DONE);
	assert_memory_equal(act(DMM_MAAR_ACT_BIND_SET, 0)->ll_id, ll2, 6);
	dmm_maar_free(m);
}

static void cmd_restarted_reregisters_every_served_mn_paced(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    new_maar_x((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 1, .max_mns = 8});

	register_mn(m, T0, NAI);
	register_mn(m, T0 + 1000, NAI2);
	assert_int_equal(dmm_maar_cmd_restarted(m, T0 + 5000, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	assert_int_equal(p.opt.hi, DMM_MH_HI_NEW_IFACE);
	assert_int_equal(arm_at(), T0 + 6000);
	tick_all(m, T0 + 6000);
	struct dmm_mh_msg q = sent_pbu();
	assert_int_equal(q.opt.hi, DMM_MH_HI_NEW_IFACE);
	assert_string_not_equal(p.opt.nai, q.opt.nai);
	assert_int_equal(q.opt.ts, ts_of(T0 + 6000)); /* built when it leaves */
	dmm_maar_free(m);
}

static void tick_overflow_returns_more_with_arm_now_and_loses_nothing(void **state)
{
	(void)state;
	enum { N = 100 };
	struct dmm_maar *m =
	    new_maar_x((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 0, .max_mns = 256});
	char nai[32];

	for (int i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn%d", i);
		register_mn(m, T0, nai);
		assert_int_equal(dmm_maar_detach(m, T0, nai, &out), DMM_MAAR_DONE);
	}
	/* grace over for all at once: 100 x (BIND_DEL + WITHDRAW + PBU) does not fit one list */
	int rc, calls = 0, pbus = 0;
	do {
		rc = dmm_maar_tick(m, T0 + 5000, &out);
		assert_true(out.n <= DMM_MAAR_MAX_ACTIONS);
		if (rc == DMM_MAAR_MORE) {
			assert_int_equal(out.a[out.n - 1].type, DMM_MAAR_ACT_ARM);
			assert_int_equal(out.a[out.n - 1].at_ms, T0 + 5000);
		}
		pbus += count_type(DMM_MAAR_ACT_SEND);
		assert_true(++calls < 1000);
	} while (rc == DMM_MAAR_MORE);
	assert_true(calls > 1);
	assert_int_equal(pbus, N);
	for (int i = 0; i < N; i++) {
		snprintf(nai, sizeof(nai), "mn%d", i);
		assert_int_equal(sess(m, nai).state, DMM_MAAR_S_DEREGISTERING);
	}
	dmm_maar_free(m);
}

static void mismatching_pba_to_deregistration_does_not_stop_removal(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();

	register_mn(m, T0, NAI);
	assert_int_equal(dmm_maar_detach(m, T0, NAI, &out), DMM_MAAR_DONE);
	tick_all(m, T0 + 5000);
	struct dmm_mh_msg d = sent_pbu();
	struct dmm_mh_msg a = pba_for(&d, 0, 0);
	a.opt.hi = DMM_MH_HI_NEW_IFACE;
	assert_int_equal(in(m, T0 + 5010, CMD, &a), DMM_MAAR_IGNORED);
	assert_int_equal(dmm_maar_get_stats(m)->drop_pba_mismatch, 1);
	/* F2: retransmitted at +1, +2, +4 s, removed 8 s after the last one */
	tick_all(m, T0 + 6000);
	tick_all(m, T0 + 8000);
	tick_all(m, T0 + 12000);
	assert_int_equal(dmm_maar_get_stats(m)->pbu_retx, 3);
	tick_all(m, T0 + 19999);
	assert_int_equal(dmm_maar_count(m), 1);
	tick_all(m, T0 + 20000);
	assert_int_equal(dmm_maar_count(m), 0);
	dmm_maar_free(m);
}

/* ---- F: findings of the domain simulation (test/sim/README.md) ------------------------------ */

/* MAAR1 serves NAI on P1_0 (registered at T0), the MN detaches at T0 + 100: the grace (5 s)
 * ends at T0 + 5100 with the de-registration, returned. */
static struct dmm_mh_msg detach_and_dereg(struct dmm_maar *m)
{
	assert_int_equal(dmm_maar_detach(m, T0 + 100, NAI, &out), DMM_MAAR_DONE);
	tick_all(m, T0 + 5100);
	struct dmm_mh_msg d = sent_pbu();
	assert_int_equal(d.bu.lifetime, 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_DEREGISTERING);
	return d;
}

static void F1_dereg_pba_with_lifetime_renews_anchor(void **state)
{
	(void)state;
	for (int variant = 1; variant <= 2; variant++) {
		struct dmm_maar *m = serving_maar1(
		    (struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .variant = variant},
		    false);
		struct dmm_mh_msg d = detach_and_dereg(m);
		/* RFC 8885 §3.5 variant 2 answer: the CMD lists MAAR1 as a P-MAAR already */
		struct dmm_mh_msg a = pba_for(&d, 0, 50);
		assert_int_equal(in(m, T0 + 5110, CMD, &a), DMM_MAAR_DONE);
		assert_false(has_event(DMM_MAAR_EV_DEREGISTERED));
		assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL) + count_type(DMM_MAAR_ACT_SEND),
				 0);
		struct dmm_maar_session s = sess(m, NAI);
		assert_int_equal(s.state, DMM_MAAR_S_ANCHOR);
		assert_pfx(s.pfx, P1_0);
		/* no tunnel target yet: the granted lifetime bounds the wait, both variants */
		assert_int_equal(s.expire_ms, T0 + 5110 + 200000);
		assert_int_equal(dmm_maar_pool_used(m), 1);
		assert_int_equal(dmm_maar_get_stats(m)->dereg_renewed, 1);
		/* the late forwarded PBU names the S-MAAR: anchored there, not refused with 128 */
		struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 9, T0 + 3000, LIFE);
		assert_int_equal(in(m, T0 + 5200, CMD, &f), DMM_MAAR_DONE);
		assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR2);
		const struct dmm_maar_action *b = act(DMM_MAAR_ACT_BIND_SET, 0);
		assert_pfx(b->prefix, P1_0);
		assert_int_equal(b->flags, DMM_MAAR_BIND_ANCHORED);
		assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.ba.status, 0);
		s = sess(m, NAI);
		assert_int_equal(s.state, DMM_MAAR_S_ANCHOR);
		assert_ip(s.smaar, MAAR2);
		assert_int_equal(s.expire_ms, variant == 1 ? 0 : T0 + 5200 + 3600000);
		assert_int_equal(dmm_maar_get_stats(m)->pbu_no_session, 0);
		dmm_maar_free(m);
	}
}

static void F1_renewal_after_a_returning_mn_left_keeps_its_tunnel(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
	/* the MN comes back and leaves again before its HI=3 PBU is answered */
	assert_int_equal(dmm_maar_attach(m, T0 + 1000, NAI, LL, &out), DMM_MAAR_DONE);
	assert_int_equal(sent_pbu().opt.hi, DMM_MH_HI_MAG_CHANGE);
	assert_int_equal(dmm_maar_detach(m, T0 + 1100, NAI, &out), DMM_MAAR_DONE);
	tick_all(m, T0 + 6100);
	struct dmm_mh_msg d = sent_pbu();
	assert_int_equal(d.bu.lifetime, 0);
	/* to the CMD this MAAR may still be the P-MAAR: the tunnelled binding stays */
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL) + count_type(DMM_MAAR_ACT_TUNNEL_DEL),
			 0);
	struct dmm_mh_msg a = pba_for(&d, 0, 50);
	assert_int_equal(in(m, T0 + 6110, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(out.n - (unsigned)count_type(DMM_MAAR_ACT_ARM), 0);
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_ANCHOR);
	assert_ip(s.smaar, MAAR2);
	assert_int_equal(s.expire_ms, 0); /* variant 1, target known: P2 */
	dmm_maar_free(m);
}

static void F1_renewal_applies_the_forwarded_pbu_refused_while_attached(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x(
	    (struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .mode = DMM_MAAR_CMD_LOCATOR});
	register_mn(m, T0, NAI);
	/* a bounce: back within the grace, its HI=3 PBU is still unanswered */
	assert_int_equal(dmm_maar_detach(m, T0 + 100, NAI, &out), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_attach(m, T0 + 400, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	/* the CMD's PBU for MAAR2's registration during the bounce (TS newer than the one it
	 * accepted from MAAR1) is refused as stale while MAAR1's own PBU is out */
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 7, T0 + 300, LIFE);
	assert_int_equal(in(m, T0 + 410, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_SET) + count_type(DMM_MAAR_ACT_TUNNEL_ADD),
			 0);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.ba.status, 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_SERVING);
	/* MAAR1's PBU is lost; the MN leaves; the grace ends; the CMD answers as to a P-MAAR */
	assert_int_equal(dmm_maar_detach(m, T0 + 500, NAI, &out), DMM_MAAR_DONE);
	tick_all(m, T0 + 5500);
	struct dmm_mh_msg d = sent_pbu();
	assert_int_equal(d.bu.lifetime, 0);
	assert_true(d.bu.seq != p.bu.seq);
	struct dmm_mh_msg a = pba_for(&d, 0, 50);
	assert_int_equal(in(m, T0 + 5510, CMD, &a), DMM_MAAR_DONE);
	/* anchored as the refused PBU said; locator mode: MAAR2 hears it directly */
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR2);
	assert_ip(act(DMM_MAAR_ACT_BIND_SET, 0)->peer, MAAR2);
	const struct dmm_maar_action *s = act(DMM_MAAR_ACT_SEND, 0);
	assert_ip(s->dst, MAAR2);
	assert_int_equal(s->msg.ba.seq, 7);
	assert_pfx(s->msg.opt.hnp[0], P1_0);
	assert_ip(sess(m, NAI).smaar, MAAR2);
	dmm_maar_free(m);
}

static void F2_deregistration_retransmitted_three_times_then_removed(void **state)
{
	(void)state;
	for (int answer_late = 0; answer_late < 2; answer_late++) {
		struct dmm_maar *m =
		    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, false);
		struct dmm_mh_msg d = detach_and_dereg(m);
		static const uint64_t at[] = {1000, 3000, 7000}; /* after the first: 1, 2, 4 s */
		for (int i = 0; i < 3; i++) {
			tick_all(m, T0 + 5100 + at[i] - 1);
			assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
			tick_all(m, T0 + 5100 + at[i]);
			struct dmm_mh_msg r = sent_pbu();
			assert_int_equal(r.bu.seq, d.bu.seq); /* a late PBA to any copy matches */
			assert_int_equal(r.bu.lifetime, 0);
			assert_int_equal(r.opt.hi, DMM_MH_HI_UNKNOWN);
			assert_true(r.opt.ts > d.opt.ts); /* fresh Timestamp */
			if (answer_late && i == 1) {
				struct dmm_mh_msg a = pba_for(&r, 0, 0);
				assert_int_equal(in(m, T0 + 5100 + at[i] + 5, CMD, &a),
						 DMM_MAAR_DONE);
				assert_true(has_event(DMM_MAAR_EV_DEREGISTERED));
				break;
			}
		}
		if (!answer_late) {
			tick_all(m, T0 + 5100 + 7000 + 8000 - 1);
			assert_int_equal(dmm_maar_count(m), 1);
			tick_all(m, T0 + 5100 + 7000 + 8000);
			assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
			assert_true(has_event(DMM_MAAR_EV_DEREGISTERED));
		}
		assert_int_equal(dmm_maar_count(m), 0);
		assert_int_equal(dmm_maar_pool_used(m), 1); /* quarantined */
		dmm_maar_free(m);
	}
}

static void F4_forwarded_pbu_older_than_own_registration_changes_nothing(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	register_mn(m, T0 + 1000, NAI);
	/* an older handover (paced, duplicated, reordered): answered 0, nothing changes */
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 4, T0 + 500, LIFE);
	assert_int_equal(in(m, T0 + 1100, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(out.n - (unsigned)count_type(DMM_MAAR_ACT_ARM), 1);
	const struct dmm_maar_action *s = act(DMM_MAAR_ACT_SEND, 0);
	assert_int_equal(s->msg.type, DMM_MH_BA);
	assert_int_equal(s->msg.ba.status, 0);
	assert_int_equal(s->msg.ba.seq, 4);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_SERVING);
	assert_int_equal(dmm_maar_get_stats(m)->pbu_stale, 1);
	/* a newer one is a real move (detach not seen yet): anchored */
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 2000, LIFE);
	assert_int_equal(in(m, T0 + 2010, CMD, &f), DMM_MAAR_DONE);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR2);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_ANCHOR);
	/* anchoring: a copy of an older move (to MAAR3) does not undo the newer one */
	f = fwd_pbu(NAI, MAAR3, P1_0, P3_0, 3, T0 + 1500, LIFE);
	assert_int_equal(in(m, T0 + 2020, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_ADD) + count_type(DMM_MAAR_ACT_BIND_SET),
			 0);
	assert_ip(sess(m, NAI).smaar, MAAR2);
	/* nor does a late de-registration notice from before it */
	f = fwd_pbu(NAI, MAAR3, P1_0, P3_0, 3, T0 + 1600, 0);
	assert_int_equal(in(m, T0 + 2030, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL), 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_ANCHOR);
	assert_int_equal(dmm_maar_get_stats(m)->pbu_stale, 3);
	dmm_maar_free(m);
}

static void F4_forwarded_pbu_while_own_registration_unanswered_changes_nothing(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	/* a CMD retry carries the CMD's clock: newer than the attach, still about the past */
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 4, T0 + 50, LIFE);
	assert_int_equal(in(m, T0 + 60, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.ba.status, 0);
	assert_int_equal(count_type(DMM_MAAR_ACT_TUNNEL_ADD) + count_type(DMM_MAAR_ACT_BIND_SET),
			 0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_REGISTERING);
	/* the answer to our own PBU still registers the MN */
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 70, CMD, &a), DMM_MAAR_DONE);
	assert_true(has_event(DMM_MAAR_EV_REGISTERED));
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_SERVING);
	dmm_maar_free(m);
}

static void F4_cmd_cleanup_newer_than_own_registration_reregisters(void **state)
{
	(void)state;
	struct dmm_maar *m =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, true);
	/* another MAAR registered (and de-registered) the MN after MAAR1's registration: the
	 * CMD's lifetime-0 notice reaches MAAR1, where the MN is attached */
	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 8, T0 + 3000, 0);
	assert_int_equal(in(m, T0 + 3010, CMD, &f), DMM_MAAR_DONE);
	/* the remote anchor (MAAR3) was told to go as well: dropped here */
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P3_0);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_DEL, 0)->peer, MAAR3);
	/* PBA 0 to the notice, then a new registration of the same prefix */
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 2);
	assert_int_equal(act(DMM_MAAR_ACT_SEND, 0)->msg.type, DMM_MH_BA);
	const struct dmm_mh_msg *r = &act(DMM_MAAR_ACT_SEND, 1)->msg;
	assert_int_equal(r->type, DMM_MH_BU);
	assert_int_equal(r->opt.hi, DMM_MH_HI_MAG_CHANGE);
	assert_int_equal(r->bu.lifetime, LIFE);
	assert_pfx(r->opt.hnp[0], P1_0);
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_SERVING);
	assert_int_equal(s.n_remote, 0);
	/* an old copy (older than the accepted registration) changes nothing */
	struct dmm_maar *m2 =
	    serving_maar1((struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3}, true);
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 8, T0 - 10, 0);
	assert_int_equal(in(m2, T0 + 3010, CMD, &f), DMM_MAAR_DONE);
	assert_int_equal(out.n - (unsigned)count_type(DMM_MAAR_ACT_ARM), 1);
	assert_int_equal(sess(m2, NAI).n_remote, 1);
	dmm_maar_free(m2);
	dmm_maar_free(m);
}

static void F5_refresh_time_during_grace_deregisters(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, 2); /* 8 s: refresh at 6 s */
	assert_int_equal(in(m, T0, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_detach(m, T0 + 4000, NAI, &out), DMM_MAAR_DONE);
	tick_all(m, T0 + 5999);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	tick_all(m, T0 + 6000); /* before the grace end (T0 + 9000) */
	struct dmm_mh_msg d = sent_pbu();
	assert_int_equal(d.bu.lifetime, 0);
	assert_int_equal(d.opt.hi, DMM_MH_HI_UNKNOWN);
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P1_0);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_DEREGISTERING);
	assert_int_equal(dmm_maar_get_stats(m)->expirations, 0);
	dmm_maar_free(m);
}

static void F6_155_to_registration_retries_another_prefix_bounded(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	assert_pfx(p.opt.hnp[0], P1_0);
	const char *want[] = {"2001:db8:1:1::/64", "2001:db8:1:2::/64", "2001:db8:1:3::/64"};
	for (int i = 0; i < 3; i++) {
		struct dmm_mh_msg a =
		    pba_for(&p, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0);
		assert_int_equal(in(m, T0 + 500 * (i + 1), CMD, &a),
				 DMM_MAAR_DONE); /* paced: 3/s */
		assert_true(has_event(DMM_MAAR_EV_REJECTED));
		struct dmm_mh_msg n = sent_pbu();
		assert_pfx(n.opt.hnp[0], pfx(want[i])); /* never the refused prefix again */
		assert_true(n.bu.seq != p.bu.seq);
		assert_int_equal(n.opt.hi, DMM_MH_HI_NEW_IFACE);
		assert_int_equal(n.bu.lifetime, LIFE);
		assert_int_equal(
		    count_type(DMM_MAAR_ACT_BIND_SET) + count_type(DMM_MAAR_ACT_ADVERTISE), 0);
		assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_REGISTERING);
		assert_int_equal(dmm_maar_pool_used(m), 1); /* never advertised: back at once */
		p = n;
	}
	assert_int_equal(dmm_maar_get_stats(m)->prefix_retried, 3);
	/* the fourth refusal ends it */
	struct dmm_mh_msg a = pba_for(&p, DMM_MH_ST_NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX, 0);
	assert_int_equal(in(m, T0 + 2000, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(count_type(DMM_MAAR_ACT_SEND), 0);
	struct dmm_maar_session s;
	assert_int_equal(dmm_maar_lookup(m, NAI, &s), -ENOENT);
	assert_int_equal(dmm_maar_pool_used(m), 0);
	dmm_maar_free(m);
}

static void F7_anchor_dereg_refused_157_or_156_is_retried_not_removed(void **state)
{
	(void)state;
	static const uint8_t st[] = {DMM_MH_ST_TIMESTAMP_LOWER_THAN_PREV_ACCEPTED,
				     DMM_MH_ST_TIMESTAMP_MISMATCH};
	for (int k = 0; k < 2; k++) {
		struct dmm_maar *m = serving_maar1(
		    (struct mcfg){.addr = MAAR1, .pool = POOL1, .rate = 3, .variant = 2}, false);
		struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0 + 20, 10);
		assert_int_equal(in(m, T0 + 20, CMD, &f), DMM_MAAR_DONE);
		uint64_t exp = T0 + 20 + 40000;
		tick_all(m, exp);
		struct dmm_mh_msg d = sent_pbu();
		assert_int_equal(d.bu.lifetime, 0);
		struct dmm_mh_msg a = pba_for(&d, st[k], 0);
		assert_int_equal(in(m, exp + 10, CMD, &a), DMM_MAAR_DONE);
		assert_int_equal(count_type(DMM_MAAR_ACT_BIND_DEL), 0);
		assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_ANCHOR_DEREG);
		/* retried on the back-off with a fresh Timestamp */
		tick_all(m, exp + 1000);
		struct dmm_mh_msg r = sent_pbu();
		assert_int_equal(r.bu.seq, d.bu.seq);
		assert_true(r.opt.ts > d.opt.ts);
		a = pba_for(&r, 0, 25); /* renewed */
		assert_int_equal(in(m, exp + 1010, CMD, &a), DMM_MAAR_DONE);
		struct dmm_maar_session s = sess(m, NAI);
		assert_int_equal(s.state, DMM_MAAR_S_ANCHOR);
		assert_int_equal(s.expire_ms, exp + 1010 + 100000);
		dmm_maar_free(m);
	}
}

static void registration_pba_after_detach_is_taken_and_grace_deregisters(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	assert_int_equal(dmm_maar_detach(m, T0 + 5, NAI, &out), DMM_MAAR_DONE);
	/* the CMD registered the MN: the answer is taken (the grace must end it properly) */
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 20, CMD, &a), DMM_MAAR_DONE);
	assert_true(has_event(DMM_MAAR_EV_REGISTERED));
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_DETACHED);
	tick_all(m, T0 + 5005);
	struct dmm_mh_msg d = sent_pbu();
	assert_int_equal(d.bu.lifetime, 0);
	assert_pfx(act(DMM_MAAR_ACT_BIND_DEL, 0)->prefix, P1_0);
	dmm_maar_free(m);
}

static void locator_direct_pba_during_grace_is_kept(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar_x(
	    (struct mcfg){.addr = MAAR2, .pool = POOL2, .rate = 3, .mode = DMM_MAAR_CMD_LOCATOR});
	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 10, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(dmm_maar_detach(m, T0 + 20, NAI, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg d = pba_for(&p, 0, LIFE);
	d.opt.hnp[0] = P1_0;
	assert_int_equal(in(m, T0 + 30, MAAR1, &d), DMM_MAAR_DONE);
	assert_ip(act(DMM_MAAR_ACT_TUNNEL_ADD, 0)->peer, MAAR1);
	assert_int_equal(sess(m, NAI).n_remote, 1);
	dmm_maar_free(m);
}

/* ---- malformed input --------------------------------------------------------------------- */

static void malformed_inputs_ignored_and_counted(void **state)
{
	(void)state;
	struct dmm_maar *m = new_maar();
	const struct dmm_maar_stats *st = dmm_maar_get_stats(m);

	assert_int_equal(dmm_maar_attach(m, T0, NAI, LL, &out), DMM_MAAR_DONE);
	struct dmm_mh_msg p = sent_pbu();
	char longnai[300];
	memset(longnai, 'a', sizeof(longnai) - 1);
	longnai[299] = 0;
	assert_int_equal(dmm_maar_attach(m, T0, longnai, NULL, &out), -EINVAL);
	assert_int_equal(dmm_maar_attach(m, T0, "", NULL, &out), -EINVAL);
	assert_int_equal(st->drop_malformed, 2);

	struct dmm_mh_msg a = pba_for(&p, 0, LIFE);
	a.opt.has_mnid = false;
	assert_int_equal(in(m, T0, CMD, &a), DMM_MAAR_IGNORED);
	assert_int_equal(st->drop_malformed, 3);
	a = pba_for(&p, 0, LIFE);
	a.opt.n_hnp = 0;
	assert_int_equal(in(m, T0, CMD, &a), DMM_MAAR_IGNORED);
	assert_int_equal(st->drop_malformed, 4);
	a = pba_for(&p, 0, LIFE);
	a.opt.hnp[0].len = 48;
	assert_int_equal(in(m, T0, CMD, &a), DMM_MAAR_IGNORED);
	assert_int_equal(st->drop_malformed, 5);

	struct dmm_mh_msg f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0, LIFE);
	f.opt.has_smaar = false;
	assert_int_equal(in(m, T0, CMD, &f), DMM_MAAR_IGNORED);
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0, LIFE);
	f.opt.has_mnid = false;
	assert_int_equal(in(m, T0, CMD, &f), DMM_MAAR_IGNORED);
	assert_int_equal(st->drop_malformed, 7);
	f = fwd_pbu(NAI, MAAR2, P1_0, P2_0, 5, T0, LIFE);
	assert_int_equal(in(m, T0, MAAR2, &f), DMM_MAAR_IGNORED); /* PBU not from the CMD */
	assert_int_equal(st->drop_unknown_src, 1);

	struct dmm_mh_msg hb;
	memset(&hb, 0, sizeof(hb));
	hb.type = DMM_MH_HB;
	assert_int_equal(in(m, T0, CMD, &hb), DMM_MAAR_IGNORED);
	hb.type = DMM_MH_BE;
	assert_int_equal(in(m, T0, CMD, &hb), DMM_MAAR_IGNORED);
	assert_int_equal(st->rx_other, 2);
	assert_int_equal(dmm_maar_detach(m, T0, "nobody", &out), DMM_MAAR_IGNORED);

	/* nothing was lost: the real PBA still completes the registration */
	struct dmm_maar_session s = sess(m, NAI);
	assert_int_equal(s.state, DMM_MAAR_S_REGISTERING);
	assert_true(s.pbu_outstanding);
	a = pba_for(&p, 0, LIFE);
	assert_int_equal(in(m, T0 + 1, CMD, &a), DMM_MAAR_DONE);
	assert_int_equal(sess(m, NAI).state, DMM_MAAR_S_SERVING);
	dmm_maar_free(m);
}

static void config_validation(void **state)
{
	(void)state;
	struct dmm_maar_config cfg;
	struct dmm_prefix pools[2] = {POOL1, pfx("2001:db8:1:8000::/49")};
	int err;

	dmm_maar_config_default(&cfg);
	cfg.cmd = CMD;
	assert_null(dmm_maar_new(&cfg, &err)); /* no address */
	assert_int_equal(err, -EINVAL);
	cfg.addr = MAAR1;
	cfg.pool = pools;
	cfg.n_pool = 2;
	assert_null(dmm_maar_new(&cfg, &err)); /* overlap */
	pools[1] = pfx("2001:db8:1:1::/65");
	cfg.n_pool = 1;
	cfg.pool = &pools[1];
	assert_null(dmm_maar_new(&cfg, &err)); /* longer than /64 */
	cfg.pool = pools;
	cfg.dereg_variant = 3;
	assert_null(dmm_maar_new(&cfg, &err));
	cfg.dereg_variant = 2;
	cfg.cmd_mode = DMM_MAAR_CMD_LOCATOR;
	assert_null(dmm_maar_new(&cfg, &err)); /* locator without peers */
	cfg.cmd_mode = DMM_MAAR_CMD_PROXY;
	struct dmm_maar *m = dmm_maar_new(&cfg, &err);
	assert_non_null(m);
	assert_int_equal(err, 0);
	assert_int_equal(dmm_maar_pool_free(m), 1ull << 16);
	dmm_maar_free(m);
}

/* ---- in-process domain: two MAARs and a real CMD ------------------------------------------- */

#define TAB_MAX 64
struct table {
	struct {
		bool used;
		struct dmm_prefix p;
		uint8_t flags;
		struct dmm_ip6 peer;
	} b[TAB_MAX];
	struct {
		bool used;
		struct dmm_ip6 peer;
	} t[TAB_MAX];
	int adv, wd;
	/* D3: the last Local Prefix set handed to the access link, and for which anchor */
	int local_sets;
	struct dmm_ip6 local_anchor;
	uint8_t n_local;
	struct dmm_prefix local[DMM_MAAR_MAX_LOCAL];
};

struct node {
	struct dmm_ip6 addr;
	struct dmm_maar *m; /* or */
	struct dmm_cmd *c;
	struct table tab;
};

static struct node nodes[3];
static int n_nodes;
static const struct dmm_prefix *dom_local1; /* MAAR1's Local Prefixes in domain_setup */
static unsigned dom_n_local1;
static uint64_t g_now;
static bool tables_on = true;

static int bind_find(struct table *t, struct dmm_prefix p)
{
	for (int i = 0; i < TAB_MAX; i++)
		if (t->b[i].used && pfx_eq(t->b[i].p, p))
			return i;
	return -1;
}

static int tun_find(struct table *t, struct dmm_ip6 a)
{
	for (int i = 0; i < TAB_MAX; i++)
		if (t->t[i].used && dmm_ip6_eq(&t->t[i].peer, &a))
			return i;
	return -1;
}

/* Apply actions literally, as an adapter would; any order violation fails the test. */
static void apply(struct table *t, const struct dmm_maar_action *a)
{
	int i;

	switch (a->type) {
	case DMM_MAAR_ACT_TUNNEL_ADD:
		assert_int_equal(tun_find(t, a->peer), -1);
		for (i = 0; t->t[i].used; i++)
			;
		t->t[i].used = true;
		t->t[i].peer = a->peer;
		break;
	case DMM_MAAR_ACT_TUNNEL_DEL:
		i = tun_find(t, a->peer);
		assert_int_not_equal(i, -1);
		for (int k = 0; k < TAB_MAX; k++)
			if (t->b[k].used && t->b[k].flags != 3)
				assert_false(dmm_ip6_eq(&t->b[k].peer, &a->peer));
		t->t[i].used = false;
		break;
	case DMM_MAAR_ACT_BIND_SET:
		if (a->flags != 3)
			assert_int_not_equal(tun_find(t, a->peer), -1);
		i = bind_find(t, a->prefix);
		if (i < 0)
			for (i = 0; t->b[i].used; i++)
				;
		t->b[i].used = true;
		t->b[i].p = a->prefix;
		t->b[i].flags = a->flags;
		t->b[i].peer = a->peer;
		break;
	case DMM_MAAR_ACT_BIND_DEL:
		i = bind_find(t, a->prefix);
		assert_int_not_equal(i, -1);
		t->b[i].used = false;
		break;
	case DMM_MAAR_ACT_ADVERTISE:
		t->adv++;
		if (a->local_set) {
			t->local_sets++;
			t->local_anchor = a->peer;
			t->n_local = a->n_local;
			memcpy(t->local, a->local, sizeof(t->local));
		}
		break;
	case DMM_MAAR_ACT_WITHDRAW:
		t->wd++;
		break;
	default:
		break;
	}
}

static struct node *node_of(struct dmm_ip6 a)
{
	for (int i = 0; i < n_nodes; i++)
		if (dmm_ip6_eq(&nodes[i].addr, &a))
			return &nodes[i];
	return NULL;
}

static void deliver(struct dmm_ip6 src, struct dmm_ip6 dst, const struct dmm_mh_msg *msg);

static void maar_outputs(struct node *n, const struct dmm_maar_actions *o)
{
	for (unsigned i = 0; i < o->n; i++) {
		if (tables_on)
			apply(&n->tab, &o->a[i]);
		if (o->a[i].type == DMM_MAAR_ACT_SEND)
			deliver(n->addr, o->a[i].dst, &o->a[i].msg);
	}
}

static void deliver(struct dmm_ip6 src, struct dmm_ip6 dst, const struct dmm_mh_msg *msg)
{
	struct node *n = node_of(dst);

	assert_non_null(n);
	if (n->m) {
		struct dmm_maar_actions *o = malloc(sizeof(*o));
		assert_non_null(o);
		int rc = dmm_maar_input(n->m, g_now, &src, msg, o);
		assert_true(rc >= 0);
		maar_outputs(n, o);
		free(o);
	} else {
		struct dmm_cmd_actions *o = malloc(sizeof(*o));
		assert_non_null(o);
		int rc = dmm_cmd_input(n->c, g_now, &src, msg, o);
		assert_true(rc >= 0);
		for (unsigned i = 0; i < o->n; i++)
			if (o->a[i].type == DMM_CMD_ACT_SEND)
				deliver(n->addr, o->a[i].dst, &o->a[i].msg);
		free(o);
	}
}

static void node_attach(struct node *n, const char *nai, const uint8_t *ll)
{
	struct dmm_maar_actions *o = malloc(sizeof(*o));

	assert_int_equal(dmm_maar_attach(n->m, g_now, nai, ll, o), DMM_MAAR_DONE);
	maar_outputs(n, o);
	free(o);
}

static void node_detach(struct node *n, const char *nai)
{
	struct dmm_maar_actions *o = malloc(sizeof(*o));

	assert_int_equal(dmm_maar_detach(n->m, g_now, nai, o), DMM_MAAR_DONE);
	maar_outputs(n, o);
	free(o);
}

static void node_tick(struct node *n)
{
	struct dmm_maar_actions *o = malloc(sizeof(*o));
	int rc;

	if (n->m) {
		do {
			rc = dmm_maar_tick(n->m, g_now, o);
			assert_true(rc >= 0);
			maar_outputs(n, o);
		} while (rc == DMM_MAAR_MORE);
	} else {
		struct dmm_cmd_actions *co = malloc(sizeof(*co));
		do {
			rc = dmm_cmd_tick(n->c, g_now, co);
			assert_true(rc >= 0);
			for (unsigned i = 0; i < co->n; i++)
				if (co->a[i].type == DMM_CMD_ACT_SEND)
					deliver(n->addr, co->a[i].dst, &co->a[i].msg);
		} while (rc == DMM_CMD_MORE);
		free(co);
	}
	free(o);
}

static void domain_setup(enum dmm_cmd_mode mode, uint8_t rate, uint32_t max_mns)
{
	struct dmm_cmd_peer cp[2] = {{MAAR1, true}, {MAAR2, true}};
	struct dmm_cmd_config cc;
	int err;

	memset(nodes, 0, sizeof(nodes));
	dmm_cmd_config_default(&cc);
	cc.addr = CMD;
	cc.mode = mode;
	cc.peers = cp;
	cc.n_peers = 2;
	cc.max_mns = max_mns;
	cc.max_update_rate = rate;
	nodes[0].addr = CMD;
	nodes[0].c = dmm_cmd_new(&cc, &err);
	assert_non_null(nodes[0].c);
	enum dmm_maar_cmd_mode mm = mode == DMM_CMD_MODE_LOCATOR ? DMM_MAAR_CMD_LOCATOR
				    : mode == DMM_CMD_MODE_PROXY ? DMM_MAAR_CMD_PROXY
								 : DMM_MAAR_CMD_RELAY;
	nodes[1].addr = MAAR1;
	nodes[1].m = new_maar_x((struct mcfg){.addr = MAAR1,
					      .pool = POOL1,
					      .mode = mm,
					      .rate = rate,
					      .max_mns = max_mns,
					      .local = dom_local1,
					      .n_local = dom_n_local1});
	nodes[2].addr = MAAR2;
	nodes[2].m = new_maar_x((struct mcfg){
	    .addr = MAAR2, .pool = POOL2, .mode = mm, .rate = rate, .max_mns = max_mns});
	n_nodes = 3;
	g_now = T0;
}

static void domain_teardown(void)
{
	dmm_cmd_free(nodes[0].c);
	dmm_maar_free(nodes[1].m);
	dmm_maar_free(nodes[2].m);
}

static void expect_bind(struct table *t, struct dmm_prefix p, uint8_t flags,
			const struct dmm_ip6 *peer)
{
	int i = bind_find(t, p);

	if (i < 0) {
		char b[DMM_PFX_STRLEN];
		print_error("no binding for %s\n", dmm_prefix_fmt(&p, b));
		fail();
	}
	assert_int_equal(t->b[i].flags, flags);
	if (peer)
		assert_ip(t->b[i].peer, *peer);
}

static int count_binds(struct table *t)
{
	int n = 0;

	for (int i = 0; i < TAB_MAX; i++)
		n += t->b[i].used;
	return n;
}

static int count_tuns(struct table *t)
{
	int n = 0;

	for (int i = 0; i < TAB_MAX; i++)
		n += t->t[i].used;
	return n;
}

static void domain_handover_and_return(enum dmm_cmd_mode mode)
{
	domain_setup(mode, 3, 64);
	struct node *cmd = &nodes[0], *m1 = &nodes[1], *m2 = &nodes[2];
	struct dmm_ip6 a1 = MAAR1, a2 = MAAR2;

	/* initial registration at MAAR1 */
	node_attach(m1, NAI, LL);
	assert_int_equal(sess(m1->m, NAI).state, DMM_MAAR_S_SERVING);
	expect_bind(&m1->tab, P1_0, 3, NULL);

	/* the MN moves to MAAR2 */
	g_now += 500;
	node_detach(m1, NAI);
	g_now += 500;
	node_attach(m2, NAI, LL);
	g_now += 1000;
	node_tick(cmd); /* relay collection / paced PBUs, if any */
	node_tick(m1);
	node_tick(m2);
	struct dmm_maar_session s1 = sess(m1->m, NAI), s2 = sess(m2->m, NAI);
	assert_int_equal(s1.state, DMM_MAAR_S_ANCHOR);
	assert_ip(s1.smaar, a2);
	assert_int_equal(s2.state, DMM_MAAR_S_SERVING);
	assert_int_equal(s2.n_remote, 1);
	assert_ip(s2.remote[0].addr, a1);
	assert_pfx(s2.remote[0].pfx, P1_0);
	expect_bind(&m1->tab, P1_0, DMM_MAAR_BIND_ANCHORED, &a2);
	assert_int_equal(count_binds(&m1->tab), 1);
	assert_int_equal(count_tuns(&m1->tab), 1);
	expect_bind(&m2->tab, P2_0, 3, NULL);
	expect_bind(&m2->tab, P1_0, DMM_MAAR_BIND_ATTACHED, &a1);
	assert_int_equal(count_binds(&m2->tab), 2);
	assert_int_equal(count_tuns(&m2->tab), 1);
	/* the MAAR1 DLIF the MN sees at MAAR2 is the one MAAR1 derived (D4) */
	struct dmm_maar_dlif d;
	dmm_maar_dlif_derive(&a1, NAI, &d);
	assert_memory_equal(s2.remote[0].dlif.mac, d.mac, 6);
	struct dmm_cmd_binding b;
	assert_int_equal(dmm_cmd_lookup(cmd->c, NAI, &b), 0);
	assert_ip(b.smaar, a2);
	assert_int_equal(b.n_pmaar, 1);

	/* the grace at MAAR1 ends without a de-registration: it anchors now (P7) */
	g_now += 10000;
	node_tick(m1);
	assert_int_equal(sess(m1->m, NAI).state, DMM_MAAR_S_ANCHOR);

	/* back to MAAR1 */
	node_detach(m2, NAI);
	g_now += 100;
	node_attach(m1, NAI, LL);
	g_now += 1000;
	node_tick(cmd);
	node_tick(m1);
	node_tick(m2);
	s1 = sess(m1->m, NAI);
	s2 = sess(m2->m, NAI);
	assert_int_equal(s1.state, DMM_MAAR_S_SERVING);
	assert_pfx(s1.pfx, P1_0);
	assert_int_equal(s2.state, DMM_MAAR_S_ANCHOR);
	assert_ip(s2.smaar, a1);
	expect_bind(&m1->tab, P1_0, 3, NULL);
	expect_bind(&m2->tab, P2_0, DMM_MAAR_BIND_ANCHORED, &a1);
	assert_int_equal(count_binds(&m2->tab), 1); /* P1's remote binding is gone */
	assert_int_equal(count_tuns(&m2->tab), 1);
	expect_bind(&m1->tab, P2_0, DMM_MAAR_BIND_ATTACHED, &a2);
	assert_int_equal(count_binds(&m1->tab), 2);
	assert_int_equal(count_tuns(&m1->tab), 1);
	assert_int_equal(s1.n_remote, 1);

	/* the MN leaves the domain at MAAR1: de-registration, CMD cleanup of MAAR2 (G7) */
	node_detach(m1, NAI);
	g_now += 5000;
	node_tick(m1);
	g_now += 2000;
	node_tick(cmd);
	node_tick(m1);
	node_tick(m2);
	assert_int_equal(dmm_maar_count(m1->m), 0);
	assert_int_equal(dmm_maar_count(m2->m), 0);
	assert_int_equal(count_binds(&m1->tab) + count_binds(&m2->tab), 0);
	assert_int_equal(count_tuns(&m1->tab) + count_tuns(&m2->tab), 0);
	g_now += 20000;
	node_tick(m1);
	node_tick(m2);
	node_tick(cmd);
	assert_int_equal(dmm_maar_pool_used(m1->m) + dmm_maar_pool_used(m2->m), 0);
	assert_int_equal(dmm_cmd_count(cmd->c), 0);
	domain_teardown();
}

static void domain_relay_registration_handover_return_leave(void **state)
{
	(void)state;
	domain_handover_and_return(DMM_CMD_MODE_RELAY);
}

static void domain_proxy_registration_handover_return_leave(void **state)
{
	(void)state;
	domain_handover_and_return(DMM_CMD_MODE_PROXY);
}

static void domain_locator_registration_handover_return_leave(void **state)
{
	(void)state;
	domain_handover_and_return(DMM_CMD_MODE_LOCATOR);
}

/* P5 + D3 end to end with a real CMD: MAAR1 has a local network; the MN moves to MAAR2, which
 * learns MAAR1's Local Prefixes (relay: in the merged PBA; proxy: in the CMD's follow-up PBA;
 * locator: from MAAR1's direct PBA) and hands them to the access link for MAAR1's DLIF. The CMD
 * keeps them in the P-MAAR entry, so the refresh PBA repeats them. */
static void domain_local_prefix(enum dmm_cmd_mode mode)
{
	dom_local1 = loc12;
	dom_n_local1 = 2;
	domain_setup(mode, 3, 64);
	dom_local1 = NULL;
	dom_n_local1 = 0;
	struct node *cmd = &nodes[0], *m1 = &nodes[1], *m2 = &nodes[2];
	struct dmm_ip6 a1 = MAAR1;

	node_attach(m1, NAI, LL);
	assert_int_equal(m1->tab.local_sets, 0); /* MAAR1's own DLIF: no routes */
	g_now += 500;
	node_detach(m1, NAI);
	g_now += 500;
	node_attach(m2, NAI, LL);
	g_now += 1000;
	node_tick(cmd);
	node_tick(m1);
	node_tick(m2);
	struct dmm_maar_session s2 = sess(m2->m, NAI);
	assert_int_equal(s2.state, DMM_MAAR_S_SERVING);
	assert_int_equal(s2.n_remote, 1);
	assert_int_equal(s2.remote[0].n_local, 2);
	assert_pfx(s2.remote[0].local[0], LOC1);
	assert_pfx(s2.remote[0].local[1], LOC2);
	assert_int_equal(m2->tab.local_sets, 1);
	assert_ip(m2->tab.local_anchor, a1);
	assert_int_equal(m2->tab.n_local, 2);
	assert_pfx(m2->tab.local[0], LOC1);
	assert_pfx(m2->tab.local[1], LOC2);
	struct dmm_cmd_binding b;
	assert_int_equal(dmm_cmd_lookup(cmd->c, NAI, &b), 0);
	assert_int_equal(b.n_pmaar, 1);
	assert_int_equal(b.pmaar[0].n_local, 2);
	assert_pfx(b.pmaar[0].local[1], LOC2);
	assert_int_equal(dmm_cmd_get_stats(cmd->c)->local_followups,
			 mode == DMM_CMD_MODE_PROXY ? 1 : 0);
	/* the refresh (3/4 of the lifetime): the set is unchanged, nothing new for the link */
	g_now += 2700 * 1000;
	node_tick(m2);
	node_tick(cmd);
	node_tick(m2);
	assert_int_equal(m2->tab.local_sets, 1);
	assert_int_equal(sess(m2->m, NAI).remote[0].n_local, 2);
	assert_true(sess(m2->m, NAI).refresh_ms > g_now);
	domain_teardown();
}

static void P5_D3_domain_relay_local_prefix_reaches_serving_maar(void **state)
{
	(void)state;
	domain_local_prefix(DMM_CMD_MODE_RELAY);
}

static void P5_D3_domain_proxy_local_prefix_reaches_serving_maar(void **state)
{
	(void)state;
	domain_local_prefix(DMM_CMD_MODE_PROXY);
}

static void P5_D3_domain_locator_local_prefix_reaches_serving_maar(void **state)
{
	(void)state;
	domain_local_prefix(DMM_CMD_MODE_LOCATOR);
}

static void churn_10k_attach_detach_ends_empty(void **state)
{
	(void)state;
	enum { N = 10000 };
	char nai[32];

	domain_setup(DMM_CMD_MODE_RELAY, 0, 16384);
	tables_on = false; /* 10k bindings: the model table is small; order is checked above */
	struct node *m1 = &nodes[1];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			snprintf(nai, sizeof(nai), "mn%d@churn", i);
			node_attach(m1, nai, NULL);
		}
		assert_int_equal(dmm_maar_count(m1->m), N);
		assert_int_equal(dmm_maar_get_stats(m1->m)->registrations,
				 (uint64_t)N * (round + 1));
		assert_int_equal(dmm_maar_pool_used(m1->m), N);
		for (int i = 0; i < N; i++) {
			snprintf(nai, sizeof(nai), "mn%d@churn", i);
			node_detach(m1, nai);
		}
		g_now += 5000;
		node_tick(m1); /* grace over: N de-registrations, answered at once */
		assert_int_equal(dmm_maar_count(m1->m), 0);
		g_now += 10000;
		node_tick(m1);
		node_tick(&nodes[0]);
		assert_int_equal(dmm_maar_pool_used(m1->m), 0);
		assert_int_equal(dmm_cmd_count(nodes[0].c), 0);
	}
	assert_int_equal(dmm_maar_get_stats(m1->m)->deregistrations, 2 * N);
	tables_on = true;
	domain_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(S1_first_attach_sends_pbu_with_pool_prefix),
	    cmocka_unit_test(S2_no_forwarding_or_advertise_before_accepting_pba),
	    cmocka_unit_test(S3_rejected_registration_not_advertised_prefix_back_at_once),
	    cmocka_unit_test(S3_rejected_refresh_tears_down_with_delayed_release),
	    cmocka_unit_test(S3_status_157_reregisters_at_once_156_after_backoff),
	    cmocka_unit_test(S4_pba_echo_mismatch_ignored_and_no_more_retransmissions),
	    cmocka_unit_test(S5_unmatched_pba_ignored),
	    cmocka_unit_test(S6_two_previous_maar_options_two_tunnels_and_deprecated_prefixes),
	    cmocka_unit_test(S7_several_pbas_for_one_pbu_only_add),
	    cmocka_unit_test(S8_retransmission_backoff_1_2_4_to_32_then_32),
	    cmocka_unit_test(S8_at_most_3_pbus_per_second_to_the_cmd),
	    cmocka_unit_test(S9_refresh_is_hi5_new_seq_same_options),
	    cmocka_unit_test(S9_unanswered_refresh_expires_the_session),
	    cmocka_unit_test(S10_deregistration_after_grace),
	    cmocka_unit_test(P1_forwarded_pbu_tunnels_prefix_to_serving_maar_option),
	    cmocka_unit_test(P2_variant1_anchor_timer_stops),
	    cmocka_unit_test(P3_variant2_expiry_asks_cmd_renews_or_removes),
	    cmocka_unit_test(P4_locator_mode_pba_also_goes_straight_to_serving_maar),
	    cmocka_unit_test(P4_locator_serving_side_accepts_direct_pba_before_cmd_pba),
	    cmocka_unit_test(P6_pba_carries_dlif_of_this_anchor),
	    cmocka_unit_test(P5_anchor_pba_carries_one_local_prefix_option_per_configured_prefix),
	    cmocka_unit_test(P5_locator_direct_pba_carries_the_local_prefixes),
	    cmocka_unit_test(P5_new_refuses_bad_local_prefixes),
	    cmocka_unit_test(D3_serving_maar_advertises_previous_maars_local_prefixes_on_its_dlif),
	    cmocka_unit_test(D3_locator_serving_side_learns_local_prefixes_from_direct_pba),
	    cmocka_unit_test(dlif_derive_is_deterministic_local_unicast_and_distinct),
	    cmocka_unit_test(P7_detach_at_pmaar_sends_nothing),
	    cmocka_unit_test(P9_forwarded_pbu_for_unknown_mn_gets_128),
	    cmocka_unit_test(anchored_prefix_not_ours_gets_155),
	    cmocka_unit_test(G7_cmd_cleanup_lifetime0_removes_anchor),
	    cmocka_unit_test(pool_exhaustion_no_prefix_twice_release_after_delay),
	    cmocka_unit_test(returning_mn_anchor_to_serving_with_hi3_same_prefix),
	    cmocka_unit_test(returning_mn_without_remote_releases_old_tunnel),
	    cmocka_unit_test(detach_grace_cancelled_by_reattach),
	    cmocka_unit_test(cmd_restarted_reregisters_every_served_mn_paced),
	    cmocka_unit_test(tick_overflow_returns_more_with_arm_now_and_loses_nothing),
	    cmocka_unit_test(mismatching_pba_to_deregistration_does_not_stop_removal),
	    cmocka_unit_test(F1_dereg_pba_with_lifetime_renews_anchor),
	    cmocka_unit_test(F1_renewal_after_a_returning_mn_left_keeps_its_tunnel),
	    cmocka_unit_test(F1_renewal_applies_the_forwarded_pbu_refused_while_attached),
	    cmocka_unit_test(F2_deregistration_retransmitted_three_times_then_removed),
	    cmocka_unit_test(F4_forwarded_pbu_older_than_own_registration_changes_nothing),
	    cmocka_unit_test(F4_forwarded_pbu_while_own_registration_unanswered_changes_nothing),
	    cmocka_unit_test(F4_cmd_cleanup_newer_than_own_registration_reregisters),
	    cmocka_unit_test(F5_refresh_time_during_grace_deregisters),
	    cmocka_unit_test(F6_155_to_registration_retries_another_prefix_bounded),
	    cmocka_unit_test(F7_anchor_dereg_refused_157_or_156_is_retried_not_removed),
	    cmocka_unit_test(registration_pba_after_detach_is_taken_and_grace_deregisters),
	    cmocka_unit_test(locator_direct_pba_during_grace_is_kept),
	    cmocka_unit_test(malformed_inputs_ignored_and_counted),
	    cmocka_unit_test(config_validation),
	    cmocka_unit_test(domain_relay_registration_handover_return_leave),
	    cmocka_unit_test(domain_proxy_registration_handover_return_leave),
	    cmocka_unit_test(domain_locator_registration_handover_return_leave),
	    cmocka_unit_test(P5_D3_domain_relay_local_prefix_reaches_serving_maar),
	    cmocka_unit_test(P5_D3_domain_proxy_local_prefix_reaches_serving_maar),
	    cmocka_unit_test(P5_D3_domain_locator_local_prefix_reaches_serving_maar),
	    cmocka_unit_test(churn_10k_attach_detach_ends_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
