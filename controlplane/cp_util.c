/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared open-addressing index and indexed timer heap of the state machines; see cp_util.h
 * for the design. */
#include "cp_util.h"

#include <errno.h>
#include <stdlib.h>

/* ---- index ----------------------------------------------------------------------------- */

int dmm_cp_index_init(struct dmm_cp_index *x, uint32_t capacity)
{
	x->slots = NULL;
	x->mask = 0;
	if (capacity == 0 || capacity > DMM_CP_MAX_CAPACITY)
		return -EINVAL;
	uint64_t size = 1;
	while (size < 2ull * capacity)
		size <<= 1;
	x->slots = calloc(size, sizeof(*x->slots));
	if (!x->slots)
		return -ENOMEM;
	x->mask = (uint32_t)(size - 1);
	return 0;
}

void dmm_cp_index_fini(struct dmm_cp_index *x)
{
	free(x->slots);
	x->slots = NULL;
	x->mask = 0;
}

void dmm_cp_index_insert(struct dmm_cp_index *x, uint32_t idx, uint32_t tag)
{
	uint32_t i = tag & x->mask;

	while (x->slots[i].idx1)
		i = (i + 1) & x->mask;
	x->slots[i] = (struct dmm_cp_slot){.idx1 = idx + 1, .tag = tag};
}

/* Backward-shift deletion: after emptying slot i, every later entry of the cluster whose home
 * is not cyclically in (i, j] moves back into the hole, so each entry stays reachable from its
 * home by an unbroken run of occupied slots, without tombstones. */
static void slot_remove(struct dmm_cp_index *x, uint32_t i)
{
	struct dmm_cp_slot *t = x->slots;
	uint32_t j = i;

	for (;;) {
		j = (j + 1) & x->mask;
		if (!t[j].idx1)
			break;
		uint32_t k = t[j].tag & x->mask; /* home of the entry at j */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		t[i] = t[j];
		i = j;
	}
	t[i] = (struct dmm_cp_slot){0};
}

bool dmm_cp_index_remove(struct dmm_cp_index *x, uint32_t idx, uint32_t tag)
{
	/* The entry is in the table once, on its tag's chain: match the index, not the key. */
	for (uint32_t i = tag & x->mask;; i = (i + 1) & x->mask) {
		if (!x->slots[i].idx1)
			return false;
		if (x->slots[i].idx1 == idx + 1) {
			slot_remove(x, i);
			return true;
		}
	}
}

/* ---- timer heap ------------------------------------------------------------------------ */

static inline uint64_t key_of(const struct dmm_cp_heap *hp, uint32_t idx)
{
	return *(const uint64_t *)(hp->base + (size_t)idx * hp->stride + hp->key_off);
}

static inline uint32_t *pos_of(const struct dmm_cp_heap *hp, uint32_t idx)
{
	return (uint32_t *)(hp->base + (size_t)idx * hp->stride + hp->pos_off);
}

int dmm_cp_heap_init(struct dmm_cp_heap *hp, void *base, uint32_t cap, size_t stride,
		     size_t key_off, size_t pos_off)
{
	*hp = (struct dmm_cp_heap){0};
	if (!base || cap == 0 || cap > DMM_CP_MAX_CAPACITY || key_off + sizeof(uint64_t) > stride ||
	    pos_off + sizeof(uint32_t) > stride)
		return -EINVAL;
	hp->h = calloc(cap, sizeof(*hp->h));
	if (!hp->h)
		return -ENOMEM;
	hp->cap = cap;
	hp->base = base;
	hp->stride = stride;
	hp->key_off = key_off;
	hp->pos_off = pos_off;
	for (uint32_t i = 0; i < cap; i++)
		*pos_of(hp, i) = DMM_CP_NONE;
	return 0;
}

void dmm_cp_heap_fini(struct dmm_cp_heap *hp)
{
	free(hp->h);
	*hp = (struct dmm_cp_heap){0};
}

static inline void heap_set(struct dmm_cp_heap *hp, uint32_t pos, uint32_t idx)
{
	hp->h[pos] = idx;
	*pos_of(hp, idx) = pos;
}

/* A parent wins ties (<=) going up, a child must be strictly smaller going down: equal keys
 * never swap, so the order among them depends only on the sequence of operations. */
static void heap_up(struct dmm_cp_heap *hp, uint32_t pos)
{
	uint32_t idx = hp->h[pos];
	uint64_t d = key_of(hp, idx);

	while (pos > 0) {
		uint32_t p = (pos - 1) / 2;
		if (key_of(hp, hp->h[p]) <= d)
			break;
		heap_set(hp, pos, hp->h[p]);
		pos = p;
	}
	heap_set(hp, pos, idx);
}

static void heap_down(struct dmm_cp_heap *hp, uint32_t pos)
{
	uint32_t idx = hp->h[pos];
	uint64_t d = key_of(hp, idx);

	for (;;) {
		uint32_t l = 2 * pos + 1, c = pos;
		uint64_t cd = d;
		if (l < hp->n && key_of(hp, hp->h[l]) < cd)
			c = l, cd = key_of(hp, hp->h[l]);
		if (l + 1 < hp->n && key_of(hp, hp->h[l + 1]) < cd)
			c = l + 1;
		if (c == pos)
			break;
		heap_set(hp, pos, hp->h[c]);
		pos = c;
	}
	heap_set(hp, pos, idx);
}

void dmm_cp_heap_update(struct dmm_cp_heap *hp, uint32_t idx)
{
	uint32_t pos = *pos_of(hp, idx);

	if (pos == DMM_CP_NONE) {
		/* n < cap: each of the cap entries is in the heap at most once */
		pos = hp->n++;
		hp->h[pos] = idx;
		heap_up(hp, pos);
	} else {
		heap_up(hp, pos);
		heap_down(hp, *pos_of(hp, idx));
	}
}

void dmm_cp_heap_remove(struct dmm_cp_heap *hp, uint32_t idx)
{
	uint32_t pos = *pos_of(hp, idx);

	if (pos == DMM_CP_NONE)
		return;
	*pos_of(hp, idx) = DMM_CP_NONE;
	uint32_t last = hp->h[--hp->n];
	if (pos == hp->n)
		return;
	heap_set(hp, pos, last);
	heap_up(hp, pos);
	heap_down(hp, *pos_of(hp, last));
}
