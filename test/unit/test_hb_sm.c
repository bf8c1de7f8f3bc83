/* SPDX-License-Identifier: BSD-3-Clause */
/* Heartbeat state machine (controlplane/hb_sm.[ch], RFC 5847): PROTOCOL.md §6.7 H1-H9 and the
 * robustness cases. Every message the machine emits is also encoded with dmm_mh_build and
 * parsed back, so the wire form is checked, not only the struct. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmm_mh.h"
#include "hb_sm.h"

#define T0    1000000u /* arbitrary start of the caller's clock */
#define IVL   30000u   /* the smallest interval allowed without allow_short */
#define MAXOK 3u

static struct dmm_hb_actions out; /* large: static */

static struct dmm_ip6 addr(const char *s)
{
	struct dmm_ip6 a;

	assert_int_equal(dmm_ip6_parse(s, &a), 0);
	return a;
}

static struct dmm_hb *mk(uint32_t restart_counter)
{
	struct dmm_hb_config c;
	struct dmm_hb *hb;
	int err = 1;

	dmm_hb_config_default(&c);
	c.addr = addr("2001:db8:ff::100");
	c.interval_ms = IVL;
	c.missing_allowed = MAXOK;
	c.restart_counter = restart_counter;
	hb = dmm_hb_new(&c, &err);
	assert_non_null(hb);
	assert_int_equal(err, 0);
	return hb;
}

static unsigned count(enum dmm_hb_action_type t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < out.n; i++)
		n += out.a[i].type == t;
	return n;
}

static const struct dmm_hb_action *first(enum dmm_hb_action_type t)
{
	for (unsigned i = 0; i < out.n; i++)
		if (out.a[i].type == t)
			return &out.a[i];
	return NULL;
}

/* Encode, check the length, parse back. */
static void wire(const struct dmm_mh_msg *m, size_t want_len, struct dmm_mh_msg *back)
{
	uint8_t buf[DMM_MH_MAX_LEN];
	size_t len = 0;

	assert_int_equal(dmm_mh_build(m, NULL, NULL, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, want_len);
	assert_int_equal(buf[2], DMM_MH_HB); /* MH type 13 */
	assert_int_equal(dmm_mh_parse(buf, len, NULL, NULL, back), 0);
}

static void response(struct dmm_mh_msg *m, uint32_t seq, bool has_rc, uint32_t rc)
{
	dmm_hb_make_response(m, seq, false, rc);
	m->opt.has_restart = has_rc;
}

/* Tick at the peer's due time and return the request it sends (asserting there is one). */
static uint32_t tick_request(struct dmm_hb *hb, uint64_t now)
{
	const struct dmm_hb_action *a;

	assert_int_equal(dmm_hb_tick(hb, now, &out), DMM_HB_DONE);
	a = first(DMM_HB_ACT_SEND);
	assert_non_null(a);
	assert_int_equal(a->msg.hb.flags, 0);
	return a->msg.hb.seq;
}

static void H1_request_is_16_octets_R0_U0_no_option(void **state)
{
	struct dmm_hb *hb = mk(5);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_mh_msg back;
	const struct dmm_hb_action *a;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	assert_int_equal(dmm_hb_next_due(hb), T0 + IVL);
	assert_int_equal(dmm_hb_tick(hb, T0 + IVL - 1, &out), DMM_HB_DONE);
	assert_int_equal(count(DMM_HB_ACT_SEND), 0); /* not due yet */
	assert_int_equal(dmm_hb_tick(hb, T0 + IVL, &out), DMM_HB_DONE);
	assert_int_equal(count(DMM_HB_ACT_SEND), 1);
	a = first(DMM_HB_ACT_SEND);
	assert_memory_equal(&a->peer, &p, sizeof(p));
	wire(&a->msg, 16, &back);
	assert_int_equal(back.hb.flags, 0);
	assert_false(back.opt.has_restart);
	uint32_t s1 = back.hb.seq;
	/* the ARM is for the next interval, and the next request has the next number */
	assert_int_equal(first(DMM_HB_ACT_ARM)->at_ms, T0 + 2 * IVL);
	assert_int_equal(tick_request(hb, T0 + 2 * IVL), s1 + 1);
	dmm_hb_free(hb);
}

static void H2_request_from_peer_without_binding_answered(void **state)
{
	struct dmm_hb *hb = mk(42);
	struct dmm_ip6 p = addr("2001:db8:ff::1"), stranger = addr("2001:db8:ff::9");
	struct dmm_mh_msg req, back;
	const struct dmm_hb_action *a;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0); /* inactive: no binding */
	dmm_hb_make_request(&req, 0xdeadbeef);
	for (int i = 0; i < 2; i++) { /* a peer, then an address that is not one */
		const struct dmm_ip6 *src = i == 0 ? &p : &stranger;

		assert_int_equal(dmm_hb_input(hb, T0, src, &req, &out), DMM_HB_DONE);
		assert_int_equal(out.n, 1);
		a = &out.a[0];
		assert_int_equal(a->type, DMM_HB_ACT_SEND);
		assert_memory_equal(&a->peer, src, sizeof(*src));
		wire(&a->msg, 24, &back);
		assert_int_equal(back.hb.flags, DMM_MH_HB_R);
		assert_int_equal(back.hb.seq, 0xdeadbeef);
		assert_true(back.opt.has_restart);
		assert_int_equal(back.opt.restart, 42);
	}
	assert_int_equal(dmm_hb_get_stats(hb)->tx_resp, 2);
	dmm_hb_free(hb);
}

static void H3_no_request_to_peer_without_binding(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1"), q = addr("2001:db8:ff::2");

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_peer_add(hb, T0, &q), 0);
	assert_int_equal(dmm_hb_set_active(hb, &q, true), 0);
	for (unsigned k = 1; k <= 3; k++) {
		assert_int_equal(dmm_hb_tick(hb, T0 + k * IVL, &out), DMM_HB_DONE);
		assert_int_equal(count(DMM_HB_ACT_SEND), 1);
		assert_memory_equal(&first(DMM_HB_ACT_SEND)->peer, &q, sizeof(q));
		assert_int_equal(first(DMM_HB_ACT_ARM)->at_ms, T0 + (k + 1) * IVL);
	}
	/* p gets bindings: requests from its next due time on; q loses its last one: none */
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	assert_int_equal(dmm_hb_set_active(hb, &q, false), 0);
	assert_int_equal(dmm_hb_tick(hb, T0 + 4 * IVL, &out), DMM_HB_DONE);
	assert_int_equal(count(DMM_HB_ACT_SEND), 1);
	assert_memory_equal(&first(DMM_HB_ACT_SEND)->peer, &p, sizeof(p));
	struct dmm_ip6 r = addr("2001:db8:ff::3");
	assert_int_equal(dmm_hb_set_active(hb, &r, true), -ENOENT);
	dmm_hb_free(hb);
}

static void H4_unreachable_after_4_unanswered_then_reachable(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;
	struct dmm_mh_msg m;
	uint32_t seq = 0;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	/* requests 1..4 unanswered: MISSING_HEARTBEAT reaches 3 before the 4th goes out */
	for (unsigned k = 1; k <= 4; k++) {
		seq = tick_request(hb, T0 + k * IVL);
		assert_int_equal(count(DMM_HB_ACT_UNREACHABLE), 0);
	}
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_int_equal(pi.missed, 3);
	assert_int_equal(pi.state, DMM_HB_UP);
	/* before the 5th: the 4th unanswered makes 4 > 3 → unreachable, and probing goes on */
	assert_int_equal(dmm_hb_tick(hb, T0 + 5 * IVL, &out), DMM_HB_DONE);
	assert_int_equal(count(DMM_HB_ACT_UNREACHABLE), 1);
	assert_int_equal(out.a[0].type, DMM_HB_ACT_UNREACHABLE); /* before the request */
	assert_memory_equal(&out.a[0].peer, &p, sizeof(p));
	assert_int_equal(count(DMM_HB_ACT_SEND), 1);
	seq = first(DMM_HB_ACT_SEND)->msg.hb.seq;
	/* declared once only */
	assert_int_equal(dmm_hb_tick(hb, T0 + 6 * IVL, &out), DMM_HB_DONE);
	assert_int_equal(count(DMM_HB_ACT_UNREACHABLE), 0);
	seq = first(DMM_HB_ACT_SEND)->msg.hb.seq;
	/* the answer to the last request: reachable again, counter reset */
	response(&m, seq, true, 0);
	assert_int_equal(dmm_hb_input(hb, T0 + 6 * IVL + 5, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(count(DMM_HB_ACT_REACHABLE), 1);
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_int_equal(pi.state, DMM_HB_UP);
	assert_int_equal(pi.missed, 0);
	assert_false(pi.awaiting);
	assert_int_equal(dmm_hb_get_stats(hb)->unreachable, 1);
	assert_int_equal(dmm_hb_get_stats(hb)->reachable, 1);
	dmm_hb_free(hb);
}

static void H4_answered_requests_never_unreachable(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_mh_msg m;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	for (unsigned k = 1; k <= 20; k++) {
		/* every other request answered: never 4 missed in a row */
		uint32_t seq = tick_request(hb, T0 + k * IVL);

		assert_int_equal(count(DMM_HB_ACT_UNREACHABLE), 0);
		if (k % 2 == 0) {
			response(&m, seq, true, 0);
			assert_int_equal(dmm_hb_input(hb, T0 + k * IVL + 1, &p, &m, &out),
					 DMM_HB_DONE);
		}
	}
	dmm_hb_free(hb);
}

static void H4_late_answer_counts_stale_one_does_not(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;
	struct dmm_mh_msg m;
	uint32_t s1, s2;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	s1 = tick_request(hb, T0 + IVL);
	response(&m, s1, true, 9);
	assert_int_equal(dmm_hb_input(hb, T0 + IVL + 1, &p, &m, &out), DMM_HB_DONE);
	s2 = tick_request(hb, T0 + 2 * IVL);
	tick_request(hb, T0 + 3 * IVL); /* s2 unanswered: missed 1 */
	/* s1 was answered already: a second answer to it is stale, ignored entirely (its
	 * counter 10 would otherwise look like a restart) */
	response(&m, s1, true, 10);
	assert_int_equal(dmm_hb_input(hb, T0 + 3 * IVL + 1, &p, &m, &out), DMM_HB_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_hb_get_stats(hb)->rx_resp_unmatched, 1);
	/* a never-sent number: ignored */
	response(&m, s2 + 100, true, 9);
	assert_int_equal(dmm_hb_input(hb, T0 + 3 * IVL + 2, &p, &m, &out), DMM_HB_IGNORED);
	/* the late answer to s2 proves reachability: missed reset */
	response(&m, s2, true, 9);
	assert_int_equal(dmm_hb_input(hb, T0 + 3 * IVL + 3, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_int_equal(pi.missed, 0);
	assert_false(pi.awaiting);
	assert_int_equal(pi.rc, 9);
	dmm_hb_free(hb);
}

static void H5_restart_counter_change_is_a_restart(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;
	const struct dmm_hb_action *a;
	struct dmm_mh_msg m;
	static const uint32_t rc[] = {7, 7, 8, 8};
	static const unsigned events[] = {0, 0, 1, 0}; /* the first value is only stored */

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	for (unsigned k = 0; k < 4; k++) {
		uint32_t seq = tick_request(hb, T0 + (k + 1) * IVL);

		response(&m, seq, true, rc[k]);
		assert_int_equal(dmm_hb_input(hb, T0 + (k + 1) * IVL + 1, &p, &m, &out),
				 DMM_HB_DONE);
		assert_int_equal(count(DMM_HB_ACT_RESTARTED), events[k]);
		assert_int_equal(count(DMM_HB_ACT_SEND), 0); /* a response is not answered */
		if (events[k]) {
			a = first(DMM_HB_ACT_RESTARTED);
			assert_memory_equal(&a->peer, &p, sizeof(p));
			assert_int_equal(a->old_rc, 7);
			assert_int_equal(a->new_rc, 8);
		}
		assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
		assert_true(pi.rc_known);
		assert_int_equal(pi.rc, rc[k]);
	}
	/* a response without the option is liveness only: the stored value stays */
	uint32_t seq = tick_request(hb, T0 + 5 * IVL);
	response(&m, seq, false, 0);
	assert_int_equal(dmm_hb_input(hb, T0 + 5 * IVL + 1, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_int_equal(pi.rc, 8);
	assert_int_equal(dmm_hb_get_stats(hb)->rx_resp_no_counter, 1);
	assert_int_equal(dmm_hb_get_stats(hb)->restarted, 1);
	dmm_hb_free(hb);
}

static void H6_announce_unsolicited_to_every_peer(void **state)
{
	enum { NP = DMM_HB_MAX_ACTIONS + 5 }; /* more than one call's worth */
	struct dmm_hb *hb = mk(3);
	unsigned cursor = 0, seen[NP] = {0}, calls = 0;
	struct dmm_mh_msg back;
	int rc;

	(void)state;
	for (unsigned i = 0; i < NP; i++) {
		char s[64];

		struct dmm_ip6 a;

		snprintf(s, sizeof(s), "2001:db8:ff::%x", i + 1);
		a = addr(s);
		assert_int_equal(dmm_hb_peer_add(hb, T0, &a), 0);
	}
	do {
		rc = dmm_hb_announce(hb, &cursor, &out);
		assert_true(rc == DMM_HB_DONE || rc == DMM_HB_MORE);
		calls++;
		for (unsigned i = 0; i < out.n; i++) {
			const struct dmm_hb_action *a = &out.a[i];
			unsigned idx = ((unsigned)a->peer.a[14] << 8 | a->peer.a[15]) - 1;

			assert_int_equal(a->type, DMM_HB_ACT_SEND);
			assert_true(idx < NP);
			seen[idx]++;
			wire(&a->msg, 24, &back);
			assert_int_equal(back.hb.flags, DMM_MH_HB_U | DMM_MH_HB_R);
			assert_true(back.opt.has_restart);
			assert_int_equal(back.opt.restart, 3);
		}
	} while (rc == DMM_HB_MORE);
	assert_int_equal(calls, 2);
	for (unsigned i = 0; i < NP; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(dmm_hb_get_stats(hb)->tx_unsolicited, NP);
	dmm_hb_free(hb);
}

static void H6_unsolicited_received_not_answered_counter_processed(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;
	struct dmm_mh_msg m;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	/* An unsolicited response announces a restart even when no counter was known (RFC 5847
	 * §3.2: it lets peers "quickly discover the restart"): RESTARTED with old_rc 0, no reply
	 * (the peer is not even active). */
	dmm_hb_make_response(&m, 12345, true, 1);
	assert_int_equal(dmm_hb_input(hb, T0, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.a[0].type, DMM_HB_ACT_RESTARTED);
	assert_int_equal(out.a[0].old_rc, 0);
	assert_int_equal(out.a[0].new_rc, 1);
	/* A duplicate (same counter) is no new restart. */
	assert_int_equal(dmm_hb_input(hb, T0, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(out.n, 0);
	/* the peer restarted again: counter 2, any sequence number */
	dmm_hb_make_response(&m, 0, true, 2);
	assert_int_equal(dmm_hb_input(hb, T0 + 1, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.a[0].type, DMM_HB_ACT_RESTARTED);
	assert_int_equal(out.a[0].old_rc, 1);
	assert_int_equal(out.a[0].new_rc, 2);
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_int_equal(pi.rc, 2);
	assert_int_equal(dmm_hb_get_stats(hb)->rx_unsolicited, 3);
	dmm_hb_free(hb);
}

static void H7_binding_error_2_stops_heartbeats(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;
	struct dmm_mh_msg be;

	(void)state;
	memset(&be, 0, sizeof(be));
	be.type = DMM_MH_BE;
	be.be.status = DMM_MH_BE_UNKNOWN_MH_TYPE;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	/* no request outstanding: the error answers something else */
	assert_int_equal(dmm_hb_input(hb, T0, &p, &be, &out), DMM_HB_IGNORED);
	tick_request(hb, T0 + IVL);
	/* status 1 is not "unknown MH type" */
	be.be.status = DMM_MH_BE_UNKNOWN_HAO;
	assert_int_equal(dmm_hb_input(hb, T0 + IVL + 1, &p, &be, &out), DMM_HB_IGNORED);
	be.be.status = DMM_MH_BE_UNKNOWN_MH_TYPE;
	assert_int_equal(dmm_hb_input(hb, T0 + IVL + 2, &p, &be, &out), DMM_HB_DONE);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.a[0].type, DMM_HB_ACT_DISABLED);
	for (unsigned k = 2; k <= 10; k++) {
		assert_int_equal(dmm_hb_tick(hb, T0 + k * IVL, &out), DMM_HB_DONE);
		assert_int_equal(count(DMM_HB_ACT_SEND), 0);
		assert_int_equal(count(DMM_HB_ACT_UNREACHABLE), 0);
	}
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_true(pi.disabled);
	assert_int_equal(dmm_hb_get_stats(hb)->rx_be_ignored, 2);
	dmm_hb_free(hb);
}

static void H8_interval_outside_30_3600_s_refused(void **state)
{
	static const struct {
		uint32_t ms;
		bool allow_short;
		bool ok;
	} cases[] = {
	    {29999, false, false},   {30000, false, true},   {3600000, false, true},
	    {3600001, false, false}, {1000, true, true},     {100, true, true},
	    {99, true, false},	     {3600001, true, false}, {0, true, false},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmm_hb_config c;
		struct dmm_hb *hb;
		int err = 1;

		dmm_hb_config_default(&c);
		assert_int_equal(c.interval_ms, 60000);
		assert_int_equal(c.missing_allowed, 3);
		c.interval_ms = cases[i].ms;
		c.allow_short = cases[i].allow_short;
		hb = dmm_hb_new(&c, &err);
		if ((hb != NULL) != cases[i].ok) {
			print_error("interval %u ms allow_short %d: expected %s, got %s\n",
				    cases[i].ms, cases[i].allow_short,
				    cases[i].ok ? "accepted" : "refused",
				    hb != NULL ? "accepted" : "refused");
			fail();
		}
		assert_int_equal(err, cases[i].ok ? 0 : -EINVAL);
		dmm_hb_free(hb);
	}
}

static void H9_restart_counter_in_request_ignored(void **state)
{
	struct dmm_hb *hb = mk(11);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;
	struct dmm_mh_msg req, back;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	dmm_hb_make_request(&req, 77);
	req.opt.has_restart = true;
	req.opt.restart = 99;
	for (int k = 0; k < 2; k++) { /* a different value the second time: still no event */
		req.opt.restart += (uint32_t)k;
		assert_int_equal(dmm_hb_input(hb, T0, &p, &req, &out), DMM_HB_DONE);
		assert_int_equal(out.n, 1);
		assert_int_equal(out.a[0].type, DMM_HB_ACT_SEND);
		wire(&out.a[0].msg, 24, &back);
		assert_int_equal(back.hb.seq, 77);
		assert_int_equal(back.opt.restart, 11); /* ours, not an echo */
	}
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_false(pi.rc_known);
	dmm_hb_free(hb);
}

static void response_from_unknown_peer_and_bad_flags_ignored(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1"), x = addr("2001:db8:ff::9");
	struct dmm_mh_msg m;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	dmm_hb_make_response(&m, 1, false, 5);
	assert_int_equal(dmm_hb_input(hb, T0, &x, &m, &out), DMM_HB_IGNORED);
	dmm_hb_make_response(&m, 1, true, 5);
	assert_int_equal(dmm_hb_input(hb, T0, &x, &m, &out), DMM_HB_IGNORED);
	assert_int_equal(dmm_hb_get_stats(hb)->rx_resp_unknown_peer, 2);
	/* U without R, and a message that is neither Heartbeat nor Binding Error */
	dmm_hb_make_request(&m, 1);
	m.hb.flags = DMM_MH_HB_U;
	assert_int_equal(dmm_hb_input(hb, T0, &p, &m, &out), DMM_HB_IGNORED);
	m.type = DMM_MH_BU;
	assert_int_equal(dmm_hb_input(hb, T0, &p, &m, &out), DMM_HB_IGNORED);
	assert_int_equal(out.n, 0);
	assert_int_equal(dmm_hb_get_stats(hb)->rx_bad, 2);
	/* reserved flag bits are ignored: still a request */
	dmm_hb_make_request(&m, 4);
	m.hb.flags = 0x8000;
	assert_int_equal(dmm_hb_input(hb, T0, &p, &m, &out), DMM_HB_DONE);
	assert_int_equal(out.a[0].msg.hb.seq, 4);
	assert_int_equal(dmm_hb_input(NULL, T0, &p, &m, &out), -EINVAL);
	dmm_hb_free(hb);
}

static void deactivated_peer_forgets_outstanding_request(void **state)
{
	struct dmm_hb *hb = mk(0);
	struct dmm_ip6 p = addr("2001:db8:ff::1");
	struct dmm_hb_peer_info pi;

	(void)state;
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	tick_request(hb, T0 + IVL);
	tick_request(hb, T0 + 2 * IVL);
	tick_request(hb, T0 + 3 * IVL);
	assert_int_equal(dmm_hb_set_active(hb, &p, false), 0);
	assert_int_equal(dmm_hb_peer_get(hb, &p, &pi), 0);
	assert_int_equal(pi.missed, 0);
	assert_false(pi.awaiting);
	/* reactivated: counting starts afresh, 4 more unanswered needed */
	assert_int_equal(dmm_hb_set_active(hb, &p, true), 0);
	for (unsigned k = 4; k <= 8; k++) {
		assert_int_equal(dmm_hb_tick(hb, T0 + k * IVL, &out), DMM_HB_DONE);
		assert_int_equal(count(DMM_HB_ACT_UNREACHABLE), k == 8 ? 1 : 0);
	}
	dmm_hb_free(hb);
}

static void tick_pages_many_peers_and_no_catch_up_burst(void **state)
{
	enum { NP = 100 };
	struct dmm_hb *hb = mk(0);
	unsigned sends = 0, calls = 0;
	int rc;

	(void)state;
	for (unsigned i = 0; i < NP; i++) {
		struct dmm_ip6 a = addr("2001:db8:ff::");

		a.a[14] = (uint8_t)(i >> 8);
		a.a[15] = (uint8_t)(i + 1);
		assert_int_equal(dmm_hb_peer_add(hb, T0, &a), 0);
		assert_int_equal(dmm_hb_set_active(hb, &a, true), 0);
	}
	do {
		rc = dmm_hb_tick(hb, T0 + IVL, &out);
		calls++;
		sends += count(DMM_HB_ACT_SEND);
		assert_true(out.n <= DMM_HB_MAX_ACTIONS);
		if (rc == DMM_HB_MORE)
			assert_int_equal(out.a[out.n - 1].at_ms, T0 + IVL); /* ARM now */
	} while (rc == DMM_HB_MORE && calls < 100);
	assert_int_equal(sends, NP);
	assert_true(calls > 1);
	/* the node slept 10 intervals: one request each, not ten */
	sends = 0;
	do {
		rc = dmm_hb_tick(hb, T0 + 11 * IVL, &out);
		sends += count(DMM_HB_ACT_SEND);
	} while (rc == DMM_HB_MORE);
	assert_int_equal(sends, NP);
	assert_int_equal(dmm_hb_next_due(hb), T0 + 12 * IVL);
	dmm_hb_free(hb);
}

static void peer_add_remove_limits(void **state)
{
	struct dmm_hb_config c;
	struct dmm_hb *hb;
	struct dmm_ip6 p = addr("2001:db8:ff::1"), q = addr("2001:db8:ff::2");
	int err;

	(void)state;
	dmm_hb_config_default(&c);
	c.max_peers = 1;
	hb = dmm_hb_new(&c, &err);
	assert_non_null(hb);
	assert_int_equal(dmm_hb_next_due(hb), 0);
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), 0);
	assert_int_equal(dmm_hb_peer_add(hb, T0, &p), -EEXIST);
	assert_int_equal(dmm_hb_peer_add(hb, T0, &q), -ENOSPC);
	assert_int_equal(dmm_hb_peer_remove(hb, &q), -ENOENT);
	assert_int_equal(dmm_hb_peer_remove(hb, &p), 0);
	assert_int_equal(dmm_hb_peer_count(hb), 0);
	assert_int_equal(dmm_hb_peer_add(hb, T0, &q), 0);
	assert_int_equal(dmm_hb_peer_count(hb), 1);
	dmm_hb_free(hb);
	c.max_peers = 0;
	assert_null(dmm_hb_new(&c, &err));
	assert_int_equal(err, -EINVAL);
	c.max_peers = 1;
	c.missing_allowed = DMM_HB_MISSING_MAX + 1;
	assert_null(dmm_hb_new(&c, &err));
	assert_int_equal(err, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(H1_request_is_16_octets_R0_U0_no_option),
	    cmocka_unit_test(H2_request_from_peer_without_binding_answered),
	    cmocka_unit_test(H3_no_request_to_peer_without_binding),
	    cmocka_unit_test(H4_unreachable_after_4_unanswered_then_reachable),
	    cmocka_unit_test(H4_answered_requests_never_unreachable),
	    cmocka_unit_test(H4_late_answer_counts_stale_one_does_not),
	    cmocka_unit_test(H5_restart_counter_change_is_a_restart),
	    cmocka_unit_test(H6_announce_unsolicited_to_every_peer),
	    cmocka_unit_test(H6_unsolicited_received_not_answered_counter_processed),
	    cmocka_unit_test(H7_binding_error_2_stops_heartbeats),
	    cmocka_unit_test(H8_interval_outside_30_3600_s_refused),
	    cmocka_unit_test(H9_restart_counter_in_request_ignored),
	    cmocka_unit_test(response_from_unknown_peer_and_bad_flags_ignored),
	    cmocka_unit_test(deactivated_peer_forgets_outstanding_request),
	    cmocka_unit_test(tick_pages_many_peers_and_no_catch_up_burst),
	    cmocka_unit_test(peer_add_remove_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
