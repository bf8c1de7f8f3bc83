/* SPDX-License-Identifier: BSD-3-Clause */
/* Access-link state machine (controlplane/access_sm.[ch], issue 4): attachment and policies,
 * DLIF Router Advertisements (PROTOCOL.md §6.6 D1, D2, D3, D5), NA for DLIF addresses, NUD,
 * withdrawal, capacity and churn. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access_sm.h"
#include "maar_sm.h"

#define T0 1000000u /* arbitrary start of the caller's clock */

static struct dmm_access_actions out; /* large: static */

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

/* 02:00:00:00:hi:lo */
static const uint8_t *mac(unsigned n)
{
	static uint8_t m[8][6];
	static unsigned k;
	uint8_t *r = m[k++ % 8];

	r[0] = 0x02, r[1] = 0, r[2] = 0, r[3] = (uint8_t)(n >> 16), r[4] = (uint8_t)(n >> 8);
	r[5] = (uint8_t)n;
	return r;
}

static void cfg_test(struct dmm_access_config *c)
{
	dmm_access_config_default(c);
	c->nai_realm = "mn.example";
	c->addr = ip("2001:db8:ff::2"); /* this MAAR */
	c->ra_jitter_pct = 0;		/* exact times unless a test wants jitter */
}

static struct dmm_access *mk_cfg(const struct dmm_access_config *c)
{
	int err = 1;
	struct dmm_access *a = dmm_access_new(c, &err);

	assert_non_null(a);
	assert_int_equal(err, 0);
	return a;
}

static struct dmm_access *mk(void)
{
	struct dmm_access_config c;

	cfg_test(&c);
	return mk_cfg(&c);
}

/* RAs only: NUD off, so only RA timers are due. */
static struct dmm_access *mk_nonud(void)
{
	struct dmm_access_config c;

	cfg_test(&c);
	c.nud_reachable_ms = 0;
	return mk_cfg(&c);
}

static unsigned count(enum dmm_access_action_type t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < out.n; i++)
		n += out.a[i].type == t;
	return n;
}

static const struct dmm_access_action *nth(enum dmm_access_action_type t, unsigned k)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == t && k-- == 0)
			return &out.a[i];
	return NULL;
}

static const struct dmm_access_action *event(enum dmm_access_event e)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == DMM_ACCESS_ACT_EVENT && out.a[i].event == e)
			return &out.a[i];
	return NULL;
}

static void assert_ip(const struct dmm_ip6 *exp, const struct dmm_ip6 *got)
{
	if (!dmm_ip6_eq(exp, got)) {
		char e[DMM_IP6_STRLEN], g[DMM_IP6_STRLEN];
		print_error("address: expected %s, got %s\n", dmm_ip6_fmt(exp, e),
			    dmm_ip6_fmt(got, g));
		fail();
	}
}

static void assert_mac(const uint8_t *exp, const uint8_t *got)
{
	if (memcmp(exp, got, 6)) {
		print_error("MAC: expected %02x:%02x:%02x:%02x:%02x:%02x, got "
			    "%02x:%02x:%02x:%02x:%02x:%02x\n",
			    exp[0], exp[1], exp[2], exp[3], exp[4], exp[5], got[0], got[1], got[2],
			    got[3], got[4], got[5]);
		fail();
	}
}

/* The NAI the default (ANY) policy derives for mac(n). */
static const char *nai_of(unsigned n)
{
	static char b[4][64];
	static unsigned k;
	const uint8_t *m = mac(n);
	char *r = b[k++ % 4];

	snprintf(r, 64, "%02x%02x%02x%02x%02x%02x@mn.example", m[0], m[1], m[2], m[3], m[4], m[5]);
	return r;
}

static struct dmm_ip6 lla_of(unsigned n)
{
	struct dmm_mac m;
	struct dmm_ip6 l;

	memcpy(m.a, mac(n), 6);
	dmm_ip6_linklocal_from_mac(&m, &l);
	return l;
}

/* MN n attaches by RS from its EUI-64 link-local on port 1. */
static void attach(struct dmm_access *a, uint64_t now, unsigned n)
{
	struct dmm_ip6 l = lla_of(n);

	assert_int_equal(dmm_access_rx_rs(a, now, 1, mac(n), &l, &out), DMM_ACCESS_DONE);
}

static const struct dmm_ip6 *own_addr(void)
{
	static struct dmm_ip6 x;

	x = ip("2001:db8:ff::2");
	return &x;
}

/* ADVERTISE as the MAAR machine emits it: the DLIF identity derived for (anchor, MN). */
static int adv(struct dmm_access *a, uint64_t now, unsigned n, const char *p, const char *anchor,
	       uint32_t valid, uint32_t pref)
{
	struct dmm_ip6 an = ip(anchor);
	struct dmm_prefix pp = pfx(p);
	struct dmm_maar_dlif d;

	dmm_maar_dlif_derive(&an, nai_of(n), &d);
	return dmm_access_advertise(a, now, nai_of(n), &pp, valid, pref, &an, &d,
				    dmm_ip6_eq(&an, own_addr()), &out);
}

static struct dmm_maar_dlif dlif_of(unsigned n, const char *anchor)
{
	struct dmm_ip6 an = ip(anchor);
	struct dmm_maar_dlif d;

	dmm_maar_dlif_derive(&an, nai_of(n), &d);
	return d;
}

/* ---- attachment and policies --------------------------------------------------------------- */

static void attach_by_rs_reports_attach_once(void **state)
{
	(void)state;
	struct dmm_access *a = mk();

	attach(a, T0, 1);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
	const struct dmm_access_action *x = nth(DMM_ACCESS_ACT_ATTACH, 0);
	assert_string_equal(x->nai, "020000000001@mn.example");
	assert_mac(mac(1), x->mac);
	assert_int_equal(x->port, 1);
	assert_non_null(event(DMM_ACCESS_EV_ATTACHED));
	/* No DLIF before the MAAR machine advertises (RFC 5213 §6.9.2, S2): no RA yet. */
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	/* A known MN does not attach again, whatever it sends. */
	attach(a, T0 + 10, 1);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 0);
	struct dmm_ip6 l = lla_of(1);
	assert_int_equal(dmm_access_rx_unknown_src(a, T0 + 20, 1, mac(1), &l, &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 0);
	assert_int_equal(dmm_access_count(a), 1);
	assert_int_equal(dmm_access_get_stats(a)->attach, 1);
	dmm_access_free(a);
}

static void attach_by_unknown_source_learns_link_local(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_ip6 l = ip("fe80::1234:5678:9abc:def0"); /* stable private IID, not EUI-64 */
	struct dmm_access_mn mn;

	assert_int_equal(dmm_access_rx_unknown_src(a, T0, 3, mac(7), &l, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
	assert_int_equal(nth(DMM_ACCESS_ACT_ATTACH, 0)->port, 3);
	assert_int_equal(dmm_access_lookup(a, nai_of(7), &mn), 0);
	assert_true(mn.has_lla);
	assert_ip(&l, &mn.lla);
	assert_int_equal(mn.port, 3);
	/* RAs to it go to that address. */
	adv(a, T0 + 1, 7, "2001:db8:2::/64", "2001:db8:ff::2", 3600, 3600);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 1);
	assert_ip(&l, &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.dst);
	dmm_access_free(a);
}

static void policy_any_derives_nai_from_mac(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	char nai[DMM_MH_NAI_MAX + 1];
	const uint8_t m[6] = {0x02, 0xAB, 0xcd, 0x00, 0x01, 0xfe};

	assert_int_equal(dmm_access_nai_for(a, m, nai), 0);
	assert_string_equal(nai, "02abcd0001fe@mn.example");
	/* A multicast or zero source is never an MN. */
	const uint8_t mc[6] = {0x33, 0x33, 0, 0, 0, 1}, z[6] = {0};
	assert_int_equal(dmm_access_nai_for(a, mc, nai), -EPERM);
	assert_int_equal(dmm_access_rx_rs(a, T0, 1, mc, NULL, &out), DMM_ACCESS_REFUSED);
	assert_int_equal(dmm_access_rx_rs(a, T0, 1, z, NULL, &out), DMM_ACCESS_REFUSED);
	assert_int_equal(dmm_access_get_stats(a)->refused[DMM_ACCESS_REFUSE_BAD_MAC], 2);
	assert_int_equal(dmm_access_count(a), 0);
	dmm_access_free(a);
}

static void policy_allowlist_refuses_others_and_limits_log(void **state)
{
	(void)state;
	struct dmm_access_config c;
	uint8_t allow[2][6];

	cfg_test(&c);
	memcpy(allow[0], mac(2), 6);
	memcpy(allow[1], mac(1), 6);
	c.policy = DMM_ACCESS_POLICY_ALLOWLIST;
	c.allow = (const uint8_t(*)[6])allow;
	c.n_allow = 2;
	struct dmm_access *a = mk_cfg(&c);

	attach(a, T0, 1);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
	assert_string_equal(nth(DMM_ACCESS_ACT_ATTACH, 0)->nai, nai_of(1));
	/* mac(3) is not listed: refused, counted, one EVENT per refuse_log_ms. */
	assert_int_equal(dmm_access_rx_rs(a, T0, 1, mac(3), NULL, &out), DMM_ACCESS_REFUSED);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 0);
	const struct dmm_access_action *x = event(DMM_ACCESS_EV_REFUSED);
	assert_non_null(x);
	assert_int_equal(x->reason, DMM_ACCESS_REFUSE_POLICY);
	assert_mac(mac(3), x->mac);
	for (unsigned i = 1; i <= 5; i++) {
		assert_int_equal(dmm_access_rx_unknown_src(a, T0 + i, 1, mac(3), NULL, &out),
				 DMM_ACCESS_REFUSED);
		assert_int_equal(out.n, 0);
	}
	assert_int_equal(dmm_access_rx_rs(a, T0 + c.refuse_log_ms, 1, mac(4), NULL, &out),
			 DMM_ACCESS_REFUSED);
	x = event(DMM_ACCESS_EV_REFUSED);
	assert_non_null(x);
	assert_int_equal(x->suppressed, 5);
	assert_int_equal(dmm_access_get_stats(a)->refused[DMM_ACCESS_REFUSE_POLICY], 7);
	assert_int_equal(dmm_access_get_stats(a)->events_suppressed, 5);
	assert_int_equal(dmm_access_count(a), 1);
	dmm_access_free(a);
}

static void policy_table_maps_mac_to_nai(void **state)
{
	(void)state;
	struct dmm_access_config c;
	struct dmm_access_table_entry t[2];

	cfg_test(&c);
	memcpy(t[0].mac, mac(5), 6);
	t[0].nai = "alice@operator.example";
	memcpy(t[1].mac, mac(6), 6);
	t[1].nai = "bob@operator.example";
	c.policy = DMM_ACCESS_POLICY_TABLE;
	c.table = t;
	c.n_table = 2;
	struct dmm_access *a = mk_cfg(&c);

	assert_int_equal(dmm_access_rx_rs(a, T0, 2, mac(6), NULL, &out), DMM_ACCESS_DONE);
	assert_string_equal(nth(DMM_ACCESS_ACT_ATTACH, 0)->nai, "bob@operator.example");
	assert_int_equal(dmm_access_rx_rs(a, T0, 2, mac(1), NULL, &out), DMM_ACCESS_REFUSED);
	struct dmm_access_mn mn;
	assert_int_equal(dmm_access_lookup(a, "bob@operator.example", &mn), 0);
	assert_mac(mac(6), mn.mac);
	assert_int_equal(dmm_access_lookup_mac(a, mac(6), &mn), 0);
	assert_string_equal(mn.nai, "bob@operator.example");
	dmm_access_free(a);

	/* The same NAI for two MACs is one MN claimed twice: refused at creation. */
	t[1].nai = "alice@operator.example";
	int err = 0;
	assert_null(dmm_access_new(&c, &err));
	assert_int_equal(err, -EINVAL);
}

static void config_validation(void **state)
{
	(void)state;
	struct dmm_access_config c;
	int err = 0;

	cfg_test(&c);
	c.router_lifetime_s = 9001; /* RFC 4861 §6.2.1 maximum 9000 */
	assert_null(dmm_access_new(&c, &err));
	assert_int_equal(err, -EINVAL);
	cfg_test(&c);
	c.router_lifetime_s = 30; /* below MaxRtrAdvInterval (60 s) */
	assert_null(dmm_access_new(&c, &err));
	cfg_test(&c);
	c.link_mtu = 1000;
	assert_null(dmm_access_new(&c, &err));
	cfg_test(&c);
	c.nai_realm = "bad@realm";
	assert_null(dmm_access_new(&c, &err));
	cfg_test(&c);
	c.max_mns = 0;
	assert_null(dmm_access_new(&c, &err));
	cfg_test(&c);
	c.router_lifetime_s = 0; /* allowed: never a default router */
	struct dmm_access *a = dmm_access_new(&c, &err);
	assert_non_null(a);
	dmm_access_free(a);
}

/* ---- Router Advertisements ----------------------------------------------------------------- */

static void D2_own_dlif_ra_contents(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_maar_dlif d = dlif_of(1, "2001:db8:ff::2");
	struct dmm_prefix p = pfx("2001:db8:2:1::/64");
	struct dmm_ip6 l = lla_of(1);

	attach(a, T0, 1);
	assert_int_equal(adv(a, T0 + 5, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 1);
	assert_non_null(event(DMM_ACCESS_EV_DLIF_ADDED));
	const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra;
	assert_int_equal(ra->port, 1);
	assert_mac(mac(1), ra->dst_mac); /* unicast at L2 */
	assert_ip(&l, &ra->dst);
	assert_mac(d.mac, ra->src_mac); /* source = the DLIF */
	assert_ip(&d.lla, &ra->src);
	assert_true(ra->is_own);
	assert_false(ra->final);
	assert_int_equal(ra->router_lifetime_s, 1800);
	assert_int_equal(ra->prf, DMM_ACCESS_PRF_MEDIUM);
	assert_int_equal(ra->mtu, 1460);
	assert_int_equal(ra->cur_hop_limit, 64);
	assert_int_equal(ra->reachable_ms, 0);
	assert_int_equal(ra->retrans_ms, 0);
	assert_int_equal(ra->n_pio, 1);
	assert_int_equal(ra->n_rio, 0);
	assert_true(ra->pio[0].l);
	assert_true(ra->pio[0].a);
	assert_ip(&p.addr, &ra->pio[0].prefix.addr);
	assert_int_equal(ra->pio[0].prefix.len, 64);
	assert_int_equal(ra->pio[0].valid_s, 3600);
	assert_int_equal(ra->pio[0].preferred_s, 3600);
	dmm_access_free(a);
}

static void D1_pmaar_dlif_ra_deprecates_prefix(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_maar_dlif d = dlif_of(1, "2001:db8:ff::1");

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	/* Even a caller passing preferred > 0 gets preferred 0 on a P-MAAR's DLIF. */
	assert_int_equal(adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3000, 3000),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 1);
	const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra;
	assert_mac(d.mac, ra->src_mac);
	assert_ip(&d.lla, &ra->src);
	assert_false(ra->is_own);
	assert_int_equal(ra->n_pio, 1);
	assert_int_equal(ra->pio[0].valid_s, 3000);
	assert_int_equal(ra->pio[0].preferred_s, 0);
	/* Still a router for the MN (its routes stay valid), but not the preferred one. */
	assert_true(ra->router_lifetime_s > 0);
	assert_int_equal(ra->prf, DMM_ACCESS_PRF_LOW);
	assert_int_equal(ra->mtu, 1460);
	/* Each DLIF carries only its own anchor's prefix. */
	struct dmm_prefix p1 = pfx("2001:db8:1:1::/64");
	assert_ip(&p1.addr, &ra->pio[0].prefix.addr);
	dmm_access_free(a);
}

static void D5_dlifs_of_two_mns_use_distinct_macs(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	uint8_t m1[6];

	attach(a, T0, 1);
	attach(a, T0, 2);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	memcpy(m1, nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.src_mac, 6);
	adv(a, T0, 2, "2001:db8:1:2::/64", "2001:db8:ff::1", 3600, 0);
	const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra;
	if (!memcmp(m1, ra->src_mac, 6)) {
		print_error("same anchor, two MNs: DLIF MACs must differ, both are %02x:..:%02x\n",
			    m1[0], m1[5]);
		fail();
	}
	assert_mac(mac(2), ra->dst_mac);
	/* An MN cannot resolve the other MN's DLIF: no NA. */
	struct dmm_maar_dlif d1 = dlif_of(1, "2001:db8:ff::1");
	struct dmm_ip6 l2 = lla_of(2);
	assert_int_equal(dmm_access_rx_ns(a, T0 + 1, 1, mac(2), &l2, &d1.lla, &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NA), 0);
	assert_int_equal(dmm_access_get_stats(a)->ns_not_dlif, 1);
	dmm_access_free(a);
}

/* On two serving MAARs (two instances), MAAR1's DLIF for the MN has the same MAC and
 * link-local: the MN sees no new router for Pref1 wherever it goes. */
static void D4_pmaar_dlif_identity_same_on_every_serving_maar(void **state)
{
	(void)state;
	struct dmm_access *m2 = mk(), *m3 = mk();
	uint8_t mac2[6];
	struct dmm_ip6 lla2;

	attach(m2, T0, 1);
	adv(m2, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	memcpy(mac2, nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.src_mac, 6);
	lla2 = nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.src;
	attach(m3, T0 + 1000, 1);
	adv(m3, T0 + 1000, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	assert_mac(mac2, nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.src_mac);
	assert_ip(&lla2, &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.src);
	dmm_access_free(m2);
	dmm_access_free(m3);
}

static void D3_local_prefixes_become_rio_on_anchor_dlif(void **state)
{
	(void)state;
	struct dmm_access *a = mk_nonud();
	struct dmm_ip6 an = ip("2001:db8:ff::1");
	struct dmm_prefix lp[2] = {pfx("2001:db8:100::/48"), pfx("2001:db8:200::/56")};

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 2000, 0);
	assert_int_equal(dmm_access_local_prefixes(a, T0 + 5000, nai_of(1), &an, lp, 2, &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 1);
	const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra;
	struct dmm_maar_dlif d = dlif_of(1, "2001:db8:ff::1");
	assert_mac(d.mac, ra->src_mac); /* on MAAR1's DLIF (RFC 8885 §3.7) */
	assert_int_equal(ra->n_rio, 2);
	assert_ip(&lp[0].addr, &ra->rio[0].prefix.addr);
	assert_int_equal(ra->rio[0].prefix.len, 48);
	assert_int_equal(ra->rio[1].prefix.len, 56);
	/* The route lives as long as the anchor's prefix: 2000 s advertised 5 s ago. */
	assert_int_equal(ra->rio[0].lifetime_s, 1995);
	/* The own DLIF carries no RIO: periodic round at T0 + 60 s. */
	assert_int_equal(dmm_access_tick(a, T0 + 60000, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 2);
	for (unsigned i = 0; i < 2; i++) {
		ra = &nth(DMM_ACCESS_ACT_SEND_RA, i)->ra;
		assert_int_equal(ra->n_rio, ra->is_own ? 0 : 2);
	}
	/* A route no longer listed is sent once with lifetime 0, then dropped. */
	assert_int_equal(dmm_access_local_prefixes(a, T0 + 70000, nai_of(1), &an, lp, 1, &out),
			 DMM_ACCESS_DONE);
	ra = &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra;
	assert_int_equal(ra->n_rio, 2);
	assert_int_equal(ra->rio[1].prefix.len, 56);
	assert_int_equal(ra->rio[1].lifetime_s, 0);
	assert_true(ra->rio[0].lifetime_s > 0);
	assert_int_equal(dmm_access_tick(a, T0 + 120000, &out), DMM_ACCESS_DONE);
	for (unsigned i = 0; i < 2; i++) {
		ra = &nth(DMM_ACCESS_ACT_SEND_RA, i)->ra;
		assert_int_equal(ra->n_rio, ra->is_own ? 0 : 1);
	}
	/* Unknown anchor: ignored, counted. */
	struct dmm_ip6 other = ip("2001:db8:ff::9");
	assert_int_equal(dmm_access_local_prefixes(a, T0, nai_of(1), &other, lp, 1, &out),
			 DMM_ACCESS_IGNORED);
	dmm_access_free(a);
}

static void rs_answered_by_every_dlif_and_rate_limited(void **state)
{
	(void)state;
	struct dmm_access *a = mk();

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	adv(a, T0, 1, "2001:db8:3:1::/64", "2001:db8:ff::3", 3600, 0);
	/* Each ADVERTISE sent its DLIF's RA at once (per-DLIF limit, not per MN). */
	attach(a, T0 + 5000, 1);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 3);
	uint8_t seen = 0;
	for (unsigned i = 0; i < 3; i++) {
		const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, i)->ra;
		assert_int_equal(ra->n_pio, 1);
		seen |= (uint8_t)(1u << ra->pio[0].prefix.addr.a[5]); /* 2001:db8:N:: */
	}
	assert_int_equal(seen, 0x0e);
	/* A second RS within ra_min_delay_ms: the RAs wait, then leave together. */
	attach(a, T0 + 6000, 1);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	const struct dmm_access_action *arm = nth(DMM_ACCESS_ACT_ARM, 0);
	assert_non_null(arm);
	assert_int_equal(arm->at_ms, T0 + 8000);
	assert_int_equal(dmm_access_tick(a, T0 + 7999, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	assert_int_equal(dmm_access_tick(a, T0 + 8000, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 3);
	assert_int_equal(dmm_access_get_stats(a)->ra_delayed, 3);
	dmm_access_free(a);
}

static void periodic_ras_before_lifetimes_run_out(void **state)
{
	(void)state;
	struct dmm_access *a = mk_nonud();

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	assert_int_equal(dmm_access_tick(a, T0 + 59999, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	assert_int_equal(dmm_access_tick(a, T0 + 60000, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, i)->ra;
		/* Lifetimes count down: 3600 s advertised 60 s ago. */
		assert_int_equal(ra->pio[0].valid_s, 3540);
		assert_int_equal(ra->pio[0].preferred_s, ra->is_own ? 3540 : 0);
		/* The next round comes long before the router lifetime runs out. */
		assert_true(ra->router_lifetime_s * 1000u > 60000u);
	}
	assert_int_equal(nth(DMM_ACCESS_ACT_ARM, 0)->at_ms, T0 + 120000); /* the next round */
	assert_int_equal(dmm_access_tick(a, T0 + 120000, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 2);
	assert_int_equal(dmm_access_get_stats(a)->ra_periodic, 4);
	dmm_access_free(a);
}

static void periodic_ra_jitter_is_bounded_and_deterministic(void **state)
{
	(void)state;
	struct dmm_access_config c;
	uint64_t first[2] = {0, 0};

	cfg_test(&c);
	c.ra_jitter_pct = 10;
	c.nud_reachable_ms = 0; /* RAs only */
	for (int run = 0; run < 2; run++) {
		struct dmm_access *a = mk_cfg(&c);
		unsigned distinct = 0;
		uint64_t prev = 0;
		for (unsigned n = 1; n <= 20; n++) {
			attach(a, T0, n);
			adv(a, T0, n, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
			struct dmm_access_mn mn;
			assert_int_equal(dmm_access_lookup(a, nai_of(n), &mn), 0);
			if (mn.next_ra_ms < T0 + 54000 || mn.next_ra_ms > T0 + 60000) {
				print_error("next RA at +%llu ms, expected 54000..60000\n",
					    (unsigned long long)(mn.next_ra_ms - T0));
				fail();
			}
			distinct += mn.next_ra_ms != prev;
			prev = mn.next_ra_ms;
			if (n == 1)
				first[run] = mn.next_ra_ms;
		}
		assert_true(distinct > 10); /* spread, not lock-step */
		dmm_access_free(a);
	}
	assert_int_equal(first[0], first[1]); /* same seed, same schedule */
}

/* ---- NS / NA ------------------------------------------------------------------------------- */

static void ns_for_dlif_link_local_answered_with_dlif_mac(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_maar_dlif d = dlif_of(1, "2001:db8:ff::1");
	struct dmm_ip6 l = lla_of(1);

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	assert_int_equal(dmm_access_rx_ns(a, T0 + 1, 1, mac(1), &l, &d.lla, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NA), 1);
	const struct dmm_access_na *na = &nth(DMM_ACCESS_ACT_SEND_NA, 0)->na;
	assert_ip(&d.lla, &na->target);
	assert_ip(&d.lla, &na->src);
	assert_mac(d.mac, na->tlla);
	assert_mac(d.mac, na->src_mac);
	assert_mac(mac(1), na->dst_mac);
	assert_ip(&l, &na->dst);
	assert_int_equal(na->flags, DMM_ACCESS_NA_R | DMM_ACCESS_NA_S | DMM_ACCESS_NA_O);
	assert_int_equal(na->port, 1);
	/* Any other target: no answer. */
	struct dmm_ip6 t = ip("fe80::99");
	assert_int_equal(dmm_access_rx_ns(a, T0 + 2, 1, mac(1), &l, &t, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NA), 0);
	dmm_access_free(a);
}

static void dad_ns_ignored(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_ip6 any = ip("::"), t = ip("2001:db8:2:1::5");
	struct dmm_maar_dlif d = dlif_of(1, "2001:db8:ff::2");

	/* From an unknown MN: no attach. */
	assert_int_equal(dmm_access_rx_ns(a, T0, 1, mac(1), &any, &t, &out), DMM_ACCESS_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_access_count(a), 0);
	/* From a known MN, even for its DLIF's address: nothing. */
	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	assert_int_equal(dmm_access_rx_ns(a, T0 + 1, 1, mac(1), &any, &d.lla, &out),
			 DMM_ACCESS_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_access_get_stats(a)->ns_dad_ignored, 2);
	dmm_access_free(a);
}

/* ---- withdraw, forget ------------------------------------------------------------------------ */

static void withdraw_sends_final_ra_and_removes_dlif(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_prefix p1 = pfx("2001:db8:1:1::/64");
	struct dmm_ip6 an = ip("2001:db8:ff::1");
	struct dmm_maar_dlif d = dlif_of(1, "2001:db8:ff::1");
	struct dmm_access_mn mn;

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	struct dmm_prefix lp = pfx("2001:db8:100::/48");
	dmm_access_local_prefixes(a, T0, nai_of(1), &an, &lp, 1, &out);
	/* Final RA at once, even within ra_min_delay_ms of the last one. */
	assert_int_equal(dmm_access_withdraw(a, T0 + 100, nai_of(1), &p1, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 1);
	const struct dmm_access_ra *ra = &nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra;
	assert_true(ra->final);
	assert_mac(d.mac, ra->src_mac);
	assert_int_equal(ra->router_lifetime_s, 0);
	assert_int_equal(ra->prf, DMM_ACCESS_PRF_MEDIUM);
	assert_int_equal(ra->n_pio, 1);
	assert_ip(&p1.addr, &ra->pio[0].prefix.addr);
	assert_int_equal(ra->pio[0].valid_s, 0);
	assert_int_equal(ra->pio[0].preferred_s, 0);
	assert_int_equal(ra->n_rio, 1);
	assert_int_equal(ra->rio[0].lifetime_s, 0);
	assert_non_null(event(DMM_ACCESS_EV_DLIF_REMOVED));
	assert_int_equal(dmm_access_lookup(a, nai_of(1), &mn), 0);
	assert_int_equal(mn.n_dlif, 1);
	assert_true(mn.dlif[0].is_own);
	/* The DLIF is gone: its address is not answered any more, the RS gets one RA. */
	struct dmm_ip6 l = lla_of(1);
	dmm_access_rx_ns(a, T0 + 200, 1, mac(1), &l, &d.lla, &out);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NA), 0);
	/* A second withdraw of the same prefix is unknown. */
	assert_int_equal(dmm_access_withdraw(a, T0 + 300, nai_of(1), &p1, &out),
			 DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_get_stats(a)->withdraw_unknown, 1);
	dmm_access_free(a);
}

static void forget_after_move_sends_nothing(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_prefix p2 = pfx("2001:db8:2:1::/64");

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	assert_int_equal(dmm_access_forget(a, T0 + 10, nai_of(1), &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	assert_non_null(event(DMM_ACCESS_EV_FORGOTTEN));
	assert_int_equal(dmm_access_count(a), 0);
	/* The WITHDRAWs of the same MAAR action list are then ignored. */
	assert_int_equal(dmm_access_withdraw(a, T0 + 10, nai_of(1), &p2, &out), DMM_ACCESS_IGNORED);
	/* And no timer of it remains. */
	assert_int_equal(dmm_access_tick(a, T0 + 600000, &out), DMM_ACCESS_DONE);
	assert_int_equal(out.n, 0);
	dmm_access_free(a);
}

/* A forgotten MN's DLIFs count as removed: dlif_added - dlif_removed is the number alive, also
 * after many moves (each move away forgets the MN at the old MAAR). */
static void forget_counts_the_mns_dlifs_as_removed(void **state)
{
	(void)state;
	struct dmm_access *a = mk();

	for (unsigned i = 0; i < 5; i++) {
		attach(a, T0 + i, 1);
		adv(a, T0 + i, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
		adv(a, T0 + i, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
		assert_int_equal(dmm_access_forget(a, T0 + i, nai_of(1), &out), DMM_ACCESS_DONE);
	}
	attach(a, T0 + 9, 2);
	adv(a, T0 + 9, 2, "2001:db8:2:2::/64", "2001:db8:ff::2", 3600, 3600);
	const struct dmm_access_stats *st = dmm_access_get_stats(a);
	assert_int_equal(st->dlif_added, 11);
	assert_int_equal(st->dlif_added - st->dlif_removed, 1); /* MN 2's own DLIF */
	dmm_access_free(a);
}

/* ---- NUD ------------------------------------------------------------------------------------ */

static void nud_quiet_mn_probed_three_times_then_detached(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_maar_dlif own = dlif_of(1, "2001:db8:ff::2");
	struct dmm_ip6 l = lla_of(1);

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	adv(a, T0, 1, "2001:db8:1:1::/64", "2001:db8:ff::1", 3600, 0);
	assert_int_equal(dmm_access_tick(a, T0 + 29999, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NS), 0);
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(dmm_access_tick(a, T0 + 30000 + 1000 * k, &out), DMM_ACCESS_DONE);
		assert_int_equal(count(DMM_ACCESS_ACT_SEND_NS), 1);
		assert_int_equal(count(DMM_ACCESS_ACT_DETACH), 0);
		const struct dmm_access_ns *ns = &nth(DMM_ACCESS_ACT_SEND_NS, 0)->ns;
		assert_int_equal(ns->probe, k + 1);
		assert_mac(mac(1), ns->dst_mac); /* unicast probe (RFC 4861 §7.3.3) */
		assert_ip(&l, &ns->dst);
		assert_ip(&l, &ns->target);
		assert_mac(own.mac, ns->src_mac); /* from the own DLIF */
		assert_ip(&own.lla, &ns->src);
	}
	assert_int_equal(dmm_access_tick(a, T0 + 32999, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_DETACH), 0);
	assert_int_equal(dmm_access_tick(a, T0 + 33000, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_DETACH), 1);
	assert_string_equal(nth(DMM_ACCESS_ACT_DETACH, 0)->nai, nai_of(1));
	assert_non_null(event(DMM_ACCESS_EV_NUD_FAILED));
	/* DLIFs kept until the MAAR machine withdraws; no RA, no probe to a detached MN. */
	struct dmm_access_mn mn;
	assert_int_equal(dmm_access_lookup(a, nai_of(1), &mn), 0);
	assert_int_equal(mn.state, DMM_ACCESS_MN_DETACHED);
	assert_int_equal(mn.n_dlif, 2);
	assert_int_equal(dmm_access_tick(a, T0 + 600000, &out), DMM_ACCESS_DONE);
	assert_int_equal(out.n, 0);
	/* Its withdrawals send nothing; when the last DLIF goes, the MN is forgotten. */
	struct dmm_prefix p1 = pfx("2001:db8:1:1::/64"), p2 = pfx("2001:db8:2:1::/64");
	assert_int_equal(dmm_access_withdraw(a, T0 + 600001, nai_of(1), &p1, &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	assert_int_equal(dmm_access_withdraw(a, T0 + 600002, nai_of(1), &p2, &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 0);
	assert_non_null(event(DMM_ACCESS_EV_FORGOTTEN));
	assert_int_equal(dmm_access_count(a), 0);
	dmm_access_free(a);
}

static void nud_answer_between_probes_keeps_mn(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_ip6 l = lla_of(1);

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	dmm_access_tick(a, T0 + 30000, &out);
	dmm_access_tick(a, T0 + 31000, &out);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NS), 1);
	/* The MN answers the second probe: reachable for another 30 s. */
	assert_int_equal(dmm_access_rx_na(a, T0 + 31500, 1, mac(1), &l, DMM_ACCESS_NA_S, &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 0);
	struct dmm_access_mn mn;
	assert_int_equal(dmm_access_lookup(a, nai_of(1), &mn), 0);
	assert_int_equal(mn.state, DMM_ACCESS_MN_REACHABLE);
	for (uint64_t t = T0 + 32000; t < T0 + 61500; t += 500) {
		dmm_access_tick(a, t, &out);
		assert_int_equal(count(DMM_ACCESS_ACT_SEND_NS), 0);
		assert_int_equal(count(DMM_ACCESS_ACT_DETACH), 0);
	}
	assert_int_equal(dmm_access_tick(a, T0 + 61500, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_NS), 1);
	assert_int_equal(nth(DMM_ACCESS_ACT_SEND_NS, 0)->ns.probe, 1);
	assert_int_equal(dmm_access_get_stats(a)->nud_failed, 0);
	dmm_access_free(a);
}

static void reattach_after_nud_failure(void **state)
{
	(void)state;
	struct dmm_access *a = mk();

	attach(a, T0, 1);
	adv(a, T0, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	for (uint64_t t = T0 + 30000; t <= T0 + 33000; t += 1000)
		dmm_access_tick(a, t, &out);
	assert_int_equal(count(DMM_ACCESS_ACT_DETACH), 1);
	/* An RS from it: ATTACH again, and its DLIF advertises at once. */
	attach(a, T0 + 40000, 1);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
	assert_string_equal(nth(DMM_ACCESS_ACT_ATTACH, 0)->nai, nai_of(1));
	assert_non_null(event(DMM_ACCESS_EV_REATTACHED));
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), 1);
	assert_int_equal(nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.pio[0].valid_s, 3560);
	assert_int_equal(dmm_access_get_stats(a)->reattach, 1);
	/* An MN with no DLIF at its NUD failure is forgotten at once. */
	attach(a, T0 + 40000, 2);
	for (uint64_t t = T0 + 70000; t <= T0 + 73000; t += 1000)
		dmm_access_tick(a, t, &out);
	assert_int_equal(dmm_access_count(a), 1);
	/* ... and attaches as new when it speaks again. */
	attach(a, T0 + 80000, 2);
	assert_non_null(event(DMM_ACCESS_EV_ATTACHED));
	assert_int_equal(dmm_access_get_stats(a)->attach, 3);
	dmm_access_free(a);
}

static void port_change_repeats_attach(void **state)
{
	(void)state;
	struct dmm_access *a = mk();

	attach(a, T0, 1);
	assert_int_equal(dmm_access_rx_rs(a, T0 + 1, 4, mac(1), NULL, &out), DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
	assert_int_equal(nth(DMM_ACCESS_ACT_ATTACH, 0)->port, 4);
	assert_non_null(event(DMM_ACCESS_EV_PORT_CHANGED));
	adv(a, T0 + 2, 1, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600);
	assert_int_equal(nth(DMM_ACCESS_ACT_SEND_RA, 0)->ra.port, 4);
	dmm_access_free(a);
}

/* ---- capacity, robustness, scale ----------------------------------------------------------- */

static void capacity_refused_cleanly(void **state)
{
	(void)state;
	struct dmm_access_config c;

	cfg_test(&c);
	c.max_mns = 2;
	struct dmm_access *a = mk_cfg(&c);
	attach(a, T0, 1);
	attach(a, T0, 2);
	assert_int_equal(dmm_access_rx_rs(a, T0, 1, mac(3), NULL, &out), DMM_ACCESS_REFUSED);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 0);
	assert_int_equal(event(DMM_ACCESS_EV_REFUSED)->reason, DMM_ACCESS_REFUSE_FULL);
	assert_int_equal(dmm_access_get_stats(a)->refused[DMM_ACCESS_REFUSE_FULL], 1);
	/* Room again after one leaves. */
	dmm_access_forget(a, T0 + 1, nai_of(1), &out);
	attach(a, T0 + 2, 3);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
	/* Too many DLIFs for one MN: refused, the others intact. */
	char anchor[64];
	for (unsigned i = 0; i < DMM_ACCESS_MAX_DLIF; i++) {
		char p[64];
		snprintf(anchor, sizeof(anchor), "2001:db8:ff::%x", i + 1);
		snprintf(p, sizeof(p), "2001:db8:%x:3::/64", i + 1);
		assert_int_equal(adv(a, T0 + 3, 3, p, anchor, 3600, 0), DMM_ACCESS_DONE);
	}
	assert_int_equal(adv(a, T0 + 3, 3, "2001:db8:99:3::/64", "2001:db8:ff::99", 3600, 0),
			 DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_get_stats(a)->dlif_full, 1);
	/* An RS is answered by all of them in one action list. */
	attach(a, T0 + 10000, 3);
	assert_int_equal(count(DMM_ACCESS_ACT_SEND_RA), DMM_ACCESS_MAX_DLIF);
	dmm_access_free(a);
}

static void unknown_mns_and_bad_input_ignored(void **state)
{
	(void)state;
	struct dmm_access *a = mk();
	struct dmm_prefix p = pfx("2001:db8:2:1::/64");

	assert_int_equal(adv(a, T0, 9, "2001:db8:2:1::/64", "2001:db8:ff::2", 3600, 3600),
			 DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_withdraw(a, T0, nai_of(9), &p, &out), DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_forget(a, T0, nai_of(9), &out), DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_rx_traffic(a, T0, mac(9), &out), DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_withdraw(a, T0, "", &p, &out), DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_count(a), 0);
	attach(a, T0, 1);
	/* Not a /64: no PIO with A=1 for it. */
	assert_int_equal(adv(a, T0, 1, "2001:db8:2::/48", "2001:db8:ff::2", 3600, 3600),
			 DMM_ACCESS_IGNORED);
	assert_int_equal(dmm_access_get_stats(a)->bad_input, 1);
	assert_int_equal(dmm_access_get_stats(a)->adv_unknown_mn, 1);
	assert_int_equal(dmm_access_rx_rs(NULL, T0, 1, mac(1), NULL, &out), -EINVAL);
	assert_int_equal(dmm_access_rx_rs(a, T0, 1, NULL, NULL, &out), -EINVAL);
	assert_int_equal(dmm_access_tick(a, T0, NULL), -EINVAL);
	/* An operator-added MN (dmmctl mn attach) is known without ATTACH. */
	assert_int_equal(dmm_access_add_mn(a, T0, 2, mac(20), "op@x.example", &out),
			 DMM_ACCESS_DONE);
	assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 0);
	assert_int_equal(dmm_access_add_mn(a, T0, 2, mac(1), "op@x.example", &out), -EEXIST);
	dmm_access_free(a);
}

static void churn_10k_mns(void **state)
{
	(void)state;
	struct dmm_access_config c;
	enum { N = 10000 };

	cfg_test(&c);
	c.max_mns = N;
	struct dmm_access *a = mk_cfg(&c);
	uint64_t t = T0;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned n = 1; n <= N; n++) {
			attach(a, t, n);
			if (round == 0 || n % 2 == 0)
				assert_int_equal(count(DMM_ACCESS_ACT_ATTACH), 1);
			char p[64];
			snprintf(p, sizeof(p), "2001:db8:%x:%x::/64", round + 1, n);
			assert_int_equal(adv(a, t, n, p, "2001:db8:ff::2", 3600, 3600),
					 DMM_ACCESS_DONE);
		}
		assert_int_equal(dmm_access_count(a), N);
		/* Half leave (forgotten), the other half stays. */
		for (unsigned n = 2; n <= N; n += 2)
			assert_int_equal(dmm_access_forget(a, t, nai_of(n), &out), DMM_ACCESS_DONE);
		assert_int_equal(dmm_access_count(a), N / 2);
		for (unsigned n = 1; n <= N; n++) {
			struct dmm_access_mn mn;
			int rc = dmm_access_lookup_mac(a, mac(n), &mn);
			assert_int_equal(rc, n % 2 ? 0 : -ENOENT);
			if (!rc)
				assert_string_equal(mn.nai, nai_of(n));
		}
		t += 1000;
	}
	/* Every tick completes: pages of at most DMM_ACCESS_MAX_ACTIONS, MORE until done. */
	unsigned more = 0;
	for (int guard = 0; guard < 100000; guard++) {
		int rc = dmm_access_tick(a, t + 30000, &out);
		if (rc == DMM_ACCESS_DONE)
			break;
		assert_int_equal(rc, DMM_ACCESS_MORE);
		assert_int_equal(out.a[out.n - 1].type, DMM_ACCESS_ACT_ARM);
		more++;
	}
	assert_true(more > 0);
	assert_int_equal(dmm_access_get_stats(a)->ns_sent, N / 2);
	/* Capacity is back to N after the churn. */
	assert_int_equal(dmm_access_count(a), N / 2);
	dmm_access_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(attach_by_rs_reports_attach_once),
	    cmocka_unit_test(attach_by_unknown_source_learns_link_local),
	    cmocka_unit_test(policy_any_derives_nai_from_mac),
	    cmocka_unit_test(policy_allowlist_refuses_others_and_limits_log),
	    cmocka_unit_test(policy_table_maps_mac_to_nai),
	    cmocka_unit_test(config_validation),
	    cmocka_unit_test(D2_own_dlif_ra_contents),
	    cmocka_unit_test(D1_pmaar_dlif_ra_deprecates_prefix),
	    cmocka_unit_test(D5_dlifs_of_two_mns_use_distinct_macs),
	    cmocka_unit_test(D4_pmaar_dlif_identity_same_on_every_serving_maar),
	    cmocka_unit_test(D3_local_prefixes_become_rio_on_anchor_dlif),
	    cmocka_unit_test(rs_answered_by_every_dlif_and_rate_limited),
	    cmocka_unit_test(periodic_ras_before_lifetimes_run_out),
	    cmocka_unit_test(periodic_ra_jitter_is_bounded_and_deterministic),
	    cmocka_unit_test(ns_for_dlif_link_local_answered_with_dlif_mac),
	    cmocka_unit_test(dad_ns_ignored),
	    cmocka_unit_test(withdraw_sends_final_ra_and_removes_dlif),
	    cmocka_unit_test(forget_after_move_sends_nothing),
	    cmocka_unit_test(forget_counts_the_mns_dlifs_as_removed),
	    cmocka_unit_test(nud_quiet_mn_probed_three_times_then_detached),
	    cmocka_unit_test(nud_answer_between_probes_keeps_mn),
	    cmocka_unit_test(reattach_after_nud_failure),
	    cmocka_unit_test(port_change_repeats_attach),
	    cmocka_unit_test(capacity_refused_cleanly),
	    cmocka_unit_test(unknown_mns_and_bad_input_ignored),
	    cmocka_unit_test(churn_10k_mns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
