/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared index and timer heap of the state machines (controlplane/cp_util.[ch]): insert,
 * find and delete with colliding tags and chains that wrap around the end of the table,
 * backward-shift deletion checked against a reference model under random operations, and heap
 * order and positions under random updates and removals. Random sequences come from a fixed
 * seed (reproducible); a failure prints the seed, the step and expected vs got. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cp_util.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, good enough to shuffle operations */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- index ----------------------------------------------------------------------------- */

/* A caller's entry: a key (here a number) and the tag it was indexed under. */
struct kent {
	uint32_t key;
	uint32_t tag;
	bool in;
};

/* The caller-side lookup the machines write: tag first (in dmm_cp_index_next), then key. */
static uint32_t find(const struct dmm_cp_index *x, const struct kent *ent, uint32_t key,
		     uint32_t tag)
{
	for (uint32_t cur = dmm_cp_index_home(x, tag), i;
	     (i = dmm_cp_index_next(x, tag, &cur)) != DMM_CP_NONE;)
		if (ent[i].key == key)
			return i;
	return DMM_CP_NONE;
}

static uint32_t slot_of(const struct dmm_cp_index *x, uint32_t idx)
{
	for (uint32_t i = 0; i <= x->mask; i++)
		if (x->slots[i].idx1 == idx + 1)
			return i;
	return DMM_CP_NONE;
}

/* Linear-probing invariant: every entry sits at its home or after it with no empty slot in
 * between (cyclically), so a lookup that stops at the first empty slot finds it. Returns the
 * number of occupied slots; fails with the slot that breaks it. */
static uint32_t check_chains(const struct dmm_cp_index *x)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i <= x->mask; i++) {
		if (!x->slots[i].idx1)
			continue;
		used++;
		for (uint32_t j = x->slots[i].tag & x->mask; j != i; j = (j + 1) & x->mask)
			if (!x->slots[j].idx1) {
				print_error(
				    "slot %u (entry %u, home %u): empty slot %u on its chain\n", i,
				    x->slots[i].idx1 - 1, x->slots[i].tag & x->mask, j);
				fail();
			}
	}
	return used;
}

static void index_table_is_power_of_two_at_least_twice_capacity(void **state)
{
	static const uint32_t caps[] = {1, 2, 3, 5, 8, 9, 1000};
	static const uint32_t want[] = {2, 4, 8, 16, 16, 32, 2048};
	struct dmm_cp_index x;

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		assert_int_equal(dmm_cp_index_init(&x, caps[i]), 0);
		assert_int_equal(x.mask + 1, want[i]);
		for (uint32_t s = 0; s <= x.mask; s++)
			assert_int_equal(x.slots[s].idx1, 0);
		dmm_cp_index_fini(&x);
		assert_null(x.slots);
	}
	assert_int_equal(dmm_cp_index_init(&x, 0), -EINVAL);
	assert_int_equal(dmm_cp_index_init(&x, DMM_CP_MAX_CAPACITY + 1), -EINVAL);
	dmm_cp_index_fini(&x); /* harmless after a failed init */
}

/* 16 slots; four entries whose tags all have home 14 (two with the very same tag, told apart
 * by the key only), so the chain runs 14, 15, 0, 1; one entry at home 0 lands behind them. */
static void index_collisions_and_wrap_around(void **state)
{
	struct dmm_cp_index x;
	struct kent ent[5] = {
	    {.key = 100, .tag = 0x10e}, /* home 14 */
	    {.key = 101, .tag = 0x20e}, /* home 14 */
	    {.key = 102, .tag = 0x10e}, /* home 14, same tag as entry 0 */
	    {.key = 103, .tag = 0x30e}, /* home 14 */
	    {.key = 104, .tag = 0x400}, /* home 0, pushed to 2 by the wrapped chain */
	};

	(void)state;
	assert_int_equal(dmm_cp_index_init(&x, 8), 0);
	assert_int_equal(x.mask, 15);
	for (uint32_t i = 0; i < 5; i++)
		dmm_cp_index_insert(&x, i, ent[i].tag);
	static const uint32_t where[] = {14, 15, 0, 1, 2};
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(slot_of(&x, i), where[i]);
		assert_int_equal(find(&x, ent, ent[i].key, ent[i].tag), i);
	}
	assert_int_equal(check_chains(&x), 5);
	/* same tag, other key; other tag with the same home; empty home */
	assert_int_equal(find(&x, ent, 999, 0x10e), DMM_CP_NONE);
	assert_int_equal(find(&x, ent, 100, 0x50e), DMM_CP_NONE);
	assert_int_equal(find(&x, ent, 100, 0x105), DMM_CP_NONE);

	/* Delete entry 1 (slot 15): 2 and 3 (home 14) shift back across the wrap, and 4 (home 0)
	 * moves to slot 1; nothing is left at 2. */
	assert_true(dmm_cp_index_remove(&x, 1, ent[1].tag));
	assert_int_equal(find(&x, ent, 101, ent[1].tag), DMM_CP_NONE);
	static const uint32_t after[] = {14, DMM_CP_NONE, 15, 0, 1};
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(slot_of(&x, i), after[i]);
	assert_int_equal(x.slots[2].idx1, 0);
	assert_int_equal(check_chains(&x), 4);
	for (uint32_t i = 0; i < 5; i++)
		if (i != 1)
			assert_int_equal(find(&x, ent, ent[i].key, ent[i].tag), i);

	/* Delete entry 0 (slot 14): entry 2 has the same tag and must still be found by key. */
	assert_true(dmm_cp_index_remove(&x, 0, ent[0].tag));
	assert_int_equal(find(&x, ent, 100, ent[0].tag), DMM_CP_NONE);
	assert_int_equal(find(&x, ent, 102, ent[2].tag), 2);
	assert_int_equal(slot_of(&x, 2), 14);
	assert_int_equal(slot_of(&x, 4), 0); /* home 0 reached again */
	assert_int_equal(check_chains(&x), 3);

	/* Removing what is not there changes nothing. */
	assert_false(dmm_cp_index_remove(&x, 0, ent[0].tag));
	assert_false(dmm_cp_index_remove(&x, 7, 0x0e));
	assert_int_equal(check_chains(&x), 3);
	dmm_cp_index_fini(&x);
}

/* A full table (capacity entries, load 0.5) with tags crowded into a few homes, then random
 * inserts and removals; after each step the index agrees with a reference model (a plain
 * array of which keys are in) for every key, and the chain invariant holds. */
static void index_backward_shift_matches_reference_model(void **state)
{
	enum { CAP = 256, KEYS = 2 * CAP, STEPS = 20000 };
	static struct kent ent[KEYS]; /* entry index == key slot in the model */
	struct dmm_cp_index x;
	uint32_t n_in = 0;

	(void)state;
	rng_state = 0x5eed1234abcdull;
	assert_int_equal(dmm_cp_index_init(&x, CAP), 0);
	for (uint32_t k = 0; k < KEYS; k++) {
		/* Tags from 48 values whose homes fall in 24 slots near the end (wrap-around),
		 * so chains are long and many tags are equal. */
		uint32_t home = (x.mask - 11 + (uint32_t)(rnd() % 24)) & x.mask;
		ent[k] = (struct kent){.key = k * 7 + 3, .tag = home | (uint32_t)(rnd() % 2) << 16};
	}
	/* The entries live in a pool of KEYS; the table must never hold more than CAP. */
	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t k = (uint32_t)(rnd() % KEYS);
		if (ent[k].in) {
			if (!dmm_cp_index_remove(&x, k, ent[k].tag)) {
				print_error(
				    "step %u: remove of entry %u: expected true, got false\n", step,
				    k);
				fail();
			}
			ent[k].in = false;
			n_in--;
		} else if (n_in < CAP) {
			dmm_cp_index_insert(&x, k, ent[k].tag);
			ent[k].in = true;
			n_in++;
		} else {
			continue;
		}
		if (step % 97 != 0 && step < STEPS - 1)
			continue; /* the full check is O(table); run it often, not always */
		assert_int_equal(check_chains(&x), n_in);
		for (uint32_t j = 0; j < KEYS; j++) {
			uint32_t got = find(&x, ent, ent[j].key, ent[j].tag);
			uint32_t want = ent[j].in ? j : DMM_CP_NONE;
			if (got != want) {
				print_error(
				    "step %u: lookup of key %u (entry %u): expected %u, got %u\n",
				    step, ent[j].key, j, want, got);
				fail();
			}
		}
	}
	dmm_cp_index_fini(&x);
}

/* ---- heap ------------------------------------------------------------------------------ */

/* A caller's entry with the key and position at arbitrary offsets (not first). */
struct tent {
	char pad[3];
	uint32_t heap_pos;
	uint16_t other;
	uint64_t deadline;
	bool in; /* the model */
};

static void check_heap(const struct dmm_cp_heap *hp, const struct tent *e, uint32_t n_ent)
{
	uint32_t n_in = 0;

	for (uint32_t i = 0; i < n_ent; i++) {
		if (!e[i].in) {
			assert_int_equal(e[i].heap_pos, DMM_CP_NONE);
			continue;
		}
		n_in++;
		assert_true(e[i].heap_pos < hp->n);
		assert_int_equal(hp->h[e[i].heap_pos], i);
	}
	assert_int_equal(hp->n, n_in);
	for (uint32_t p = 1; p < hp->n; p++) {
		uint64_t parent = e[hp->h[(p - 1) / 2]].deadline, child = e[hp->h[p]].deadline;
		if (parent > child) {
			print_error("heap order at %u: parent %llu > child %llu\n", p,
				    (unsigned long long)parent, (unsigned long long)child);
			fail();
		}
	}
}

static void heap_init_checks_layout_and_clears_positions(void **state)
{
	struct tent e[4];
	struct dmm_cp_heap hp;

	(void)state;
	memset(e, 0, sizeof(e));
	assert_int_equal(dmm_cp_heap_init(&hp, e, 4, sizeof(e[0]), offsetof(struct tent, deadline),
					  offsetof(struct tent, heap_pos)),
			 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(e[i].heap_pos, DMM_CP_NONE);
	assert_int_equal(dmm_cp_heap_top(&hp), DMM_CP_NONE);
	dmm_cp_heap_remove(&hp, 2); /* not in: nothing happens */
	assert_int_equal(hp.n, 0);
	dmm_cp_heap_fini(&hp);
	assert_int_equal(dmm_cp_heap_init(&hp, e, 0, sizeof(e[0]), 0, 8), -EINVAL);
	assert_int_equal(dmm_cp_heap_init(&hp, NULL, 4, sizeof(e[0]), 0, 8), -EINVAL);
	assert_int_equal(dmm_cp_heap_init(&hp, e, 4, sizeof(e[0]), sizeof(e[0]) - 4, 0), -EINVAL);
	dmm_cp_heap_fini(&hp);
}

/* Random key changes (up, down, unchanged), insertions and removals of any entry; after each
 * step the heap order holds, positions agree both ways, and the top has the smallest key of
 * the model. Then draining by top yields non-decreasing keys and every entry once. */
static void heap_order_under_random_updates_and_removals(void **state)
{
	enum { N = 300, STEPS = 20000 };
	static struct tent e[N];
	struct dmm_cp_heap hp;

	(void)state;
	rng_state = 0xdeadbeefcafeull;
	memset(e, 0, sizeof(e));
	assert_int_equal(dmm_cp_heap_init(&hp, e, N, sizeof(e[0]), offsetof(struct tent, deadline),
					  offsetof(struct tent, heap_pos)),
			 0);
	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t i = (uint32_t)(rnd() % N);
		uint64_t r = rnd();
		if (e[i].in && r % 4 == 0) {
			dmm_cp_heap_remove(&hp, i);
			e[i].in = false;
		} else {
			/* few distinct keys: many ties */
			if (r % 8 != 1)
				e[i].deadline = (r >> 8) % 64;
			dmm_cp_heap_update(&hp, i);
			e[i].in = true;
		}
		check_heap(&hp, e, N);
		uint64_t min = UINT64_MAX;
		for (uint32_t k = 0; k < N; k++)
			if (e[k].in && e[k].deadline < min)
				min = e[k].deadline;
		uint32_t top = dmm_cp_heap_top(&hp);
		if (min == UINT64_MAX) {
			assert_int_equal(top, DMM_CP_NONE);
		} else if (top == DMM_CP_NONE || e[top].deadline != min) {
			print_error("step %u: top key expected %llu, got entry %u\n", step,
				    (unsigned long long)min, top);
			fail();
		}
	}
	uint64_t prev = 0;
	uint32_t drained = 0, want = hp.n;
	for (uint32_t top; (top = dmm_cp_heap_top(&hp)) != DMM_CP_NONE; drained++) {
		assert_true(e[top].deadline >= prev);
		prev = e[top].deadline;
		dmm_cp_heap_remove(&hp, top);
		assert_int_equal(e[top].heap_pos, DMM_CP_NONE);
		e[top].in = false;
	}
	assert_int_equal(drained, want);
	check_heap(&hp, e, N);
	dmm_cp_heap_fini(&hp);
}

/* The machines' FNV-1a is the published one: continuing a hash equals hashing the
 * concatenation, and the empty input gives the offset basis. */
static void fnv1a_matches_reference_vectors(void **state)
{
	(void)state;
	/* FNV-1a 64 test vectors (draft-eastlake-fnv): "" and "a", "foobar" */
	assert_true(dmm_cp_fnv1a(DMM_CP_FNV_OFFSET, "", 0) == 0xcbf29ce484222325ull);
	assert_true(dmm_cp_fnv1a(DMM_CP_FNV_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(dmm_cp_fnv1a(DMM_CP_FNV_OFFSET, "foobar", 6) == 0x85944171f73967e8ull);
	assert_true(dmm_cp_fnv1a(dmm_cp_fnv1a(DMM_CP_FNV_OFFSET, "foo", 3), "bar", 3) ==
		    0x85944171f73967e8ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(index_table_is_power_of_two_at_least_twice_capacity),
	    cmocka_unit_test(index_collisions_and_wrap_around),
	    cmocka_unit_test(index_backward_shift_matches_reference_model),
	    cmocka_unit_test(heap_init_checks_layout_and_clears_positions),
	    cmocka_unit_test(heap_order_under_random_updates_and_removals),
	    cmocka_unit_test(fnv1a_matches_reference_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
