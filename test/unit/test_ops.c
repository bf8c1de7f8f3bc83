/* SPDX-License-Identifier: BSD-3-Clause */
/* Table ops (dataplane/dp_ops.c, dp_tables.c): application, ordering, sequence
 * publication and back-pressure through real rte_rings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ring.h>

#include "dp_ops.h"
#include "dp_stats.h"
#include "dp_tables.h"
#include "dp_test_env.h"

#define NW 2

static struct dmm_opq q;
static struct dmm_tables tbl[NW];
static uint64_t applied[NW];
static struct dmm_wstats st[NW];

static int setup(void **state)
{
	(void)state;
	static unsigned gen;
	char name[32];
	struct dmm_tables_limits lim = {.bindings = 4096, .tunnels = 8, .routes = 64,
					.neighbours = 8};
	snprintf(name, sizeof(name), "q%u", gen);
	assert_int_equal(dmm_opq_init(&q, name, NW, 64, 0), 0);
	for (unsigned i = 0; i < NW; i++) {
		snprintf(name, sizeof(name), "t%u_%u", gen, i);
		assert_int_equal(dmm_tables_init(&tbl[i], name, &lim, 0), 0);
		applied[i] = 0;
		memset(&st[i], 0, sizeof(st[i]));
		dmm_opq_set_applied(&q, i, &applied[i]);
	}
	gen++;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dmm_opq_free(&q);
	for (unsigned i = 0; i < NW; i++)
		dmm_tables_free(&tbl[i]);
	return 0;
}

static struct dmm_op bind_op(uint32_t n, uint8_t type, uint32_t tunnel)
{
	struct dmm_op op = {.type = type};
	op.u.bind.prefix[0] = 0x20;
	op.u.bind.prefix[1] = 0x01;
	op.u.bind.prefix[4] = (uint8_t)(n >> 16);
	op.u.bind.prefix[5] = (uint8_t)(n >> 8);
	op.u.bind.prefix[6] = (uint8_t)n;
	op.u.bind.flags = DMM_BIND_ANCHORED | DMM_BIND_ATTACHED;
	op.u.bind.tunnel = tunnel;
	return op;
}

static void drain_all(void)
{
	for (unsigned i = 0; i < NW; i++)
		dmm_opq_drain(q.ring[i], &tbl[i], &applied[i], &st[i], 1u << 30);
}

static const struct dmm_binding *lookup(unsigned w, uint32_t n)
{
	struct dmm_op op = bind_op(n, 0, 0);
	uint8_t a[16] = {0};
	memcpy(a, op.u.bind.prefix, 8);
	return dmm_tables_binding(&tbl[w], a);
}

static void ops_are_applied_in_order_on_every_worker(void **state)
{
	(void)state;
	/* set, delete, set again with another value: only order makes the last one win. */
	struct dmm_op a = bind_op(7, DMM_OP_BIND_SET, 1);
	struct dmm_op d = bind_op(7, DMM_OP_BIND_DEL, 0);
	struct dmm_op b = bind_op(7, DMM_OP_BIND_SET, 2);
	b.u.bind.flags = DMM_BIND_ANCHORED;
	assert_true(dmm_opq_push(&q, &a) > 0);
	assert_true(dmm_opq_push(&q, &d) > 0);
	int64_t last = dmm_opq_push(&q, &b);
	assert_int_equal(last, 3);
	assert_false(dmm_opq_in_force(&q, (uint64_t)last));
	drain_all();
	assert_true(dmm_opq_in_force(&q, (uint64_t)last));
	for (unsigned w = 0; w < NW; w++) {
		const struct dmm_binding *x = lookup(w, 7);
		assert_non_null(x);
		assert_int_equal(x->flags, DMM_BIND_ANCHORED);
		assert_int_equal(x->tunnel, 2);
		assert_int_equal(tbl[w].n_bind, 1);
		assert_int_equal(applied[w], 3);
	}
}

/* RFC 8885 §3.7: the DLIF MAC of a binding travels with the op to every replica, is
 * replaced with the binding, and all-zero stays zero (the port MAC is used). */
static void bind_set_carries_the_dlif_mac_to_every_replica(void **state)
{
	(void)state;
	static const struct rte_ether_addr dlif = {{0x02, 0xd1, 0x1f, 0, 0, 0x45}},
					   mn = {{0x02, 0, 0, 0, 1, 1}};
	struct dmm_op a = bind_op(9, DMM_OP_BIND_SET, 0);
	a.u.bind.mac = mn;
	a.u.bind.dlif_mac = dlif;
	struct dmm_op b = bind_op(10, DMM_OP_BIND_SET, 0); /* no DLIF MAC */
	assert_true(dmm_opq_push(&q, &a) > 0);
	assert_true(dmm_opq_push(&q, &b) > 0);
	drain_all();
	for (unsigned w = 0; w < NW; w++) {
		const struct dmm_binding *x = lookup(w, 9), *y = lookup(w, 10);
		assert_non_null(x);
		assert_non_null(y);
		if (!rte_is_same_ether_addr(&x->dlif_mac, &dlif) ||
		    !rte_is_same_ether_addr(&x->mac, &mn))
			fail_msg("worker %u: expected dlif 02:d1:1f:00:00:45 mn ..:01:01, got dlif "
				 "%02x:%02x:..:%02x mn ..:%02x:%02x",
				 w, x->dlif_mac.addr_bytes[0], x->dlif_mac.addr_bytes[1],
				 x->dlif_mac.addr_bytes[5], x->mac.addr_bytes[4], x->mac.addr_bytes[5]);
		if (!rte_is_zero_ether_addr(&y->dlif_mac))
			fail_msg("worker %u: expected a zero DLIF MAC, got ..:%02x", w,
				 y->dlif_mac.addr_bytes[5]);
	}
	/* Replacing the binding (the MN's anchor changed its DLIF) replaces the MAC too. */
	a.u.bind.dlif_mac.addr_bytes[5] = 0x46;
	assert_true(dmm_opq_push(&q, &a) > 0);
	drain_all();
	for (unsigned w = 0; w < NW; w++)
		assert_int_equal(lookup(w, 9)->dlif_mac.addr_bytes[5], 0x46);
}

static void applied_seq_tracks_the_slowest_worker(void **state)
{
	(void)state;
	struct dmm_op op = {.type = DMM_OP_NOP};
	for (int i = 0; i < 10; i++)
		dmm_opq_push(&q, &op);
	dmm_opq_drain(q.ring[0], &tbl[0], &applied[0], &st[0], 100);
	dmm_opq_drain(q.ring[1], &tbl[1], &applied[1], &st[1], 4);
	assert_int_equal(applied[0], 10);
	assert_int_equal(applied[1], 4);
	assert_int_equal(dmm_opq_min_applied(&q), 4);
	assert_true(dmm_opq_in_force(&q, 4));
	assert_false(dmm_opq_in_force(&q, 5));
}

static void full_ring_backlogs_ops_and_never_drops_them(void **state)
{
	(void)state;
	const uint32_t n = 3000; /* ring holds 63 */
	for (uint32_t i = 0; i < n; i++) {
		struct dmm_op op = bind_op(i, DMM_OP_BIND_SET, 0);
		assert_true(dmm_opq_push(&q, &op) > 0);
	}
	assert_true(q.ring_full > 0);
	assert_true(q.backlog_max >= n - 64);
	/* Worker 1 is stalled; worker 0 drains while the producer flushes. */
	uint64_t rounds = 0;
	while (dmm_opq_min_applied(&q) < n) {
		dmm_opq_drain(q.ring[0], &tbl[0], &applied[0], &st[0], 16);
		if (rounds++ > 100)
			dmm_opq_drain(q.ring[1], &tbl[1], &applied[1], &st[1], 16);
		dmm_opq_flush(&q);
		if (rounds > 100000)
			fail_msg("expected all %u ops applied, got %llu", n,
				 (unsigned long long)dmm_opq_min_applied(&q));
	}
	for (unsigned w = 0; w < NW; w++) {
		assert_int_equal(tbl[w].n_bind, n);
		assert_int_equal(st[w].ops_applied, n);
		assert_int_equal(st[w].ops_failed, 0);
		for (uint32_t i = 0; i < n; i += 97)
			assert_non_null(lookup(w, i));
	}
	assert_int_equal(dmm_opq_flush(&q), 0);
}

static void table_limits_reject_ops_without_corrupting_state(void **state)
{
	(void)state;
	struct dmm_tables small;
	struct dmm_tables_limits lim = {.bindings = 4, .tunnels = 2, .routes = 2, .neighbours = 2};
	assert_int_equal(dmm_tables_init(&small, "small", &lim, 0), 0);
	for (uint32_t i = 0; i < 4; i++) {
		struct dmm_op op = bind_op(i, DMM_OP_BIND_SET, 0);
		assert_int_equal(dmm_tables_apply(&small, &op), 0);
	}
	struct dmm_op op = bind_op(99, DMM_OP_BIND_SET, 0);
	assert_int_equal(dmm_tables_apply(&small, &op), -ENOSPC);
	op = bind_op(2, DMM_OP_BIND_SET, 0); /* replacing an existing one still works */
	assert_int_equal(dmm_tables_apply(&small, &op), 0);
	assert_int_equal(small.n_bind, 4);
	/* A remote-only binding needs a valid tunnel id. */
	op = bind_op(2, DMM_OP_BIND_SET, 7);
	op.u.bind.flags = DMM_BIND_ANCHORED;
	assert_int_equal(dmm_tables_apply(&small, &op), -EINVAL);

	struct dmm_op r = {.type = DMM_OP_ROUTE_ADD};
	r.u.route.len = 16;
	r.u.route.prefix[0] = 0x20;
	assert_int_equal(dmm_tables_apply(&small, &r), 0);
	r.u.route.prefix[1] = 1;
	assert_int_equal(dmm_tables_apply(&small, &r), 0);
	r.u.route.prefix[1] = 2;
	assert_int_equal(dmm_tables_apply(&small, &r), -ENOSPC);
	r.u.route.prefix[1] = 1;
	r.u.route.nh = 1; /* replace: not a new route */
	assert_int_equal(dmm_tables_apply(&small, &r), 0);
	assert_int_equal(small.n_routes, 2);
	r.type = DMM_OP_ROUTE_DEL;
	assert_int_equal(dmm_tables_apply(&small, &r), 0);
	assert_int_equal(small.n_routes, 1);
	r.u.route.nh = 9; /* next hop out of range */
	r.type = DMM_OP_ROUTE_ADD;
	assert_int_equal(dmm_tables_apply(&small, &r), -EINVAL);
	dmm_tables_free(&small);
}

static void tunnel_remote_change_forgets_the_old_peer(void **state)
{
	(void)state;
	struct dmm_op t = {.type = DMM_OP_TUNNEL_SET, .id = 1};
	t.u.tunnel.remote[0] = 0x20;
	t.u.tunnel.remote[15] = 2;
	t.u.tunnel.mtu = 1460;
	assert_int_equal(dmm_tables_apply(&tbl[0], &t), 0);
	assert_int_equal(dmm_tables_peer(&tbl[0], t.u.tunnel.remote), 1);
	uint8_t old[16];
	memcpy(old, t.u.tunnel.remote, 16);
	t.u.tunnel.remote[15] = 3;
	assert_int_equal(dmm_tables_apply(&tbl[0], &t), 0);
	assert_int_equal(dmm_tables_peer(&tbl[0], old), DMM_TUNNEL_NONE);
	assert_int_equal(dmm_tables_peer(&tbl[0], t.u.tunnel.remote), 1);
	assert_int_equal(tbl[0].n_tun, 1);
	t.type = DMM_OP_TUNNEL_DEL;
	assert_int_equal(dmm_tables_apply(&tbl[0], &t), 0);
	assert_int_equal(dmm_tables_peer(&tbl[0], t.u.tunnel.remote), DMM_TUNNEL_NONE);
	assert_int_equal(tbl[0].n_tun, 0);
	assert_int_equal(dmm_tables_apply(&tbl[0], &t), -ENOENT);
}

static void local_addresses_add_and_remove(void **state)
{
	(void)state;
	struct dmm_op a = {.type = DMM_OP_ADDR_ADD, .port = 1};
	a.u.addr.addr[0] = 0xfe;
	a.u.addr.addr[1] = 0x80;
	a.u.addr.addr[15] = 1;
	assert_int_equal(dmm_tables_apply(&tbl[0], &a), 0);
	assert_int_equal(dmm_tables_apply(&tbl[0], &a), 0); /* idempotent */
	assert_int_equal(tbl[0].n_local, 1);
	assert_int_equal(dmm_tables_local(&tbl[0], a.u.addr.addr), 0);
	a.type = DMM_OP_ADDR_DEL;
	assert_int_equal(dmm_tables_apply(&tbl[0], &a), 0);
	assert_int_equal(dmm_tables_local(&tbl[0], a.u.addr.addr), -1);
}

static void unknown_op_type_is_rejected_and_counted(void **state)
{
	(void)state;
	struct dmm_op op = {.type = DMM_OP_MAX + 5};
	assert_true(dmm_opq_push(&q, &op) > 0);
	drain_all();
	assert_int_equal(st[0].ops_failed, 1);
	assert_int_equal(applied[0], 1); /* a rejected op still advances the sequence */
}

/* The binding table against a plain reference model under random churn: every insert,
 * replace and delete (backward-shift deletion included) keeps every other key findable. */
static void binding_table_survives_random_churn(void **state)
{
	(void)state;
	enum { MAXB = 512, KEYS = 1500, STEPS = 200000 };
	static uint8_t ref[KEYS]; /* 0 absent, else the tunnel id + 1 */
	struct dmm_tables small;
	struct dmm_tables_limits lim = {.bindings = MAXB, .tunnels = 256, .routes = 4,
					.neighbours = 4};
	uint32_t present = 0, x = 12345;

	memset(ref, 0, sizeof(ref));
	assert_int_equal(dmm_tables_init(&small, "churn", &lim, 0), 0);
	for (uint32_t step = 0; step < STEPS; step++) {
		x = x * 1103515245u + 12345u;
		uint32_t k = (x >> 8) % KEYS;
		bool del = (x >> 4) & 1;
		struct dmm_op op = bind_op(k, del ? DMM_OP_BIND_DEL : DMM_OP_BIND_SET,
					   (x >> 20) % 200);
		op.u.bind.flags = DMM_BIND_ANCHORED;
		/* A DLIF MAC naming its key: backward-shift deletion must move it with the key. */
		op.u.bind.dlif_mac.addr_bytes[4] = (uint8_t)(k >> 8);
		op.u.bind.dlif_mac.addr_bytes[5] = (uint8_t)k;
		int rc = dmm_tables_apply(&small, &op);
		if (del) {
			assert_int_equal(rc, ref[k] ? 0 : -ENOENT);
			if (ref[k])
				present--;
			ref[k] = 0;
		} else if (!ref[k] && present == MAXB) {
			assert_int_equal(rc, -ENOSPC);
		} else {
			assert_int_equal(rc, 0);
			if (!ref[k])
				present++;
			ref[k] = (uint8_t)(op.u.bind.tunnel + 1);
		}
		if (step % 997 == 0 || step == STEPS - 1) {
			assert_int_equal(small.n_bind, present);
			for (uint32_t i = 0; i < KEYS; i++) {
				struct dmm_op q = bind_op(i, 0, 0);
				uint8_t a[16] = {0};
				memcpy(a, q.u.bind.prefix, 8);
				const struct dmm_binding *b = dmm_tables_binding(&small, a);
				if ((b != NULL) != (ref[i] != 0) || (b && b->tunnel + 1 != ref[i]))
					fail_msg("step %u key %u: expected %s tunnel %d, got %s %d", step,
						 i, ref[i] ? "present" : "absent", ref[i] - 1,
						 b ? "present" : "absent", b ? (int)b->tunnel : -1);
				if (b && (b->dlif_mac.addr_bytes[4] != (uint8_t)(i >> 8) ||
					  b->dlif_mac.addr_bytes[5] != (uint8_t)i))
					fail_msg("step %u key %u: expected DLIF MAC ..:%02x:%02x, got "
						 "..:%02x:%02x",
						 step, i, (uint8_t)(i >> 8), (uint8_t)i,
						 b->dlif_mac.addr_bytes[4], b->dlif_mac.addr_bytes[5]);
			}
		}
	}
	dmm_tables_free(&small);
}

int main(void)
{
	dmm_test_eal_init("uops");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ops_are_applied_in_order_on_every_worker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bind_set_carries_the_dlif_mac_to_every_replica,
						setup, teardown),
		cmocka_unit_test_setup_teardown(applied_seq_tracks_the_slowest_worker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(full_ring_backlogs_ops_and_never_drops_them, setup,
						teardown),
		cmocka_unit_test_setup_teardown(table_limits_reject_ops_without_corrupting_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(tunnel_remote_change_forgets_the_old_peer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(local_addresses_add_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_op_type_is_rejected_and_counted, setup,
						teardown),
		cmocka_unit_test(binding_table_survives_random_churn),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
