/* SPDX-License-Identifier: BSD-3-Clause */
/* The two data structures every sans-I/O machine (cmd_sm.c, maar_sm.c, access_sm.c) keeps over
 * its entry pool, written once:
 *
 * - dmm_cp_index: open addressing with linear probing over 8-byte slots {entry index + 1,
 *   32-bit hash tag}, a power-of-two table >= 2 x capacity (load factor <= 0.5), backward-shift
 *   deletion (no tombstones, so probe chains never lengthen with churn).
 * - dmm_cp_heap: a binary min-heap of entry indices keyed by a uint64_t deadline stored in the
 *   entry, with the entry's position in the heap stored in the entry too (O(log n) update and
 *   removal of any entry).
 *
 * Design (why not callbacks, why not a macro per entry type):
 * - The index knows nothing about keys. A lookup is the caller's loop over
 *   dmm_cp_index_next(), which returns only the entries whose 32-bit tag equals the hash, in
 *   probe order; the caller compares its key (NAI, MAC, prefix) itself. So the tag compare
 *   still comes before any key compare, the key compare is the caller's own inline code (no
 *   function pointer, no extra load), and dmm_cp_index_next() is static inline: the lookup
 *   path compiles to the loop each machine had before. Insertion and removal need no key at
 *   all: removal looks for the slot holding the entry's index along the chain of its tag.
 * - The heap reaches an entry's deadline and heap position by byte offsets into the caller's
 *   entry array (offsetof), fixed at dmm_cp_heap_init(). The key and position therefore stay
 *   in the entry, where they were (no parallel array, no key copies in the heap: memory per
 *   MN is unchanged, 4 B of heap array per entry), and one compiled copy serves all three
 *   machines instead of a macro stamping out one per entry type. The price is a multiply by a
 *   stride held in memory instead of a constant; heap operations are off the lookup path and
 *   happen once per event (dmm-cmd-bench measured no difference, controlplane/README.md).
 *
 * No allocation after init; nothing here knows time, messages or I/O.
 */
#ifndef DMM_CP_UTIL_H
#define DMM_CP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMM_CP_NONE UINT32_MAX /* "no entry", "not in the heap" */

/* Largest capacity an index or heap accepts: a table of 2 x capacity slots must keep a
 * 32-bit mask. */
#define DMM_CP_MAX_CAPACITY (1u << 30)

/* ---- hashing --------------------------------------------------------------------------- */

#define DMM_CP_FNV_OFFSET 0xcbf29ce484222325ull

/* FNV-1a 64 over n octets, continuing from h (start with DMM_CP_FNV_OFFSET ^ seed). */
static inline uint64_t dmm_cp_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- index ----------------------------------------------------------------------------- */

struct dmm_cp_slot {
	uint32_t idx1; /* entry index + 1; 0 = empty */
	uint32_t tag;  /* the entry's 32-bit hash: home slot = tag & mask */
};

struct dmm_cp_index {
	struct dmm_cp_slot *slots;
	uint32_t mask; /* slots - 1 */
};

/* A table for up to `capacity` entries: the next power of two >= 2 x capacity slots, all
 * empty. 0, -EINVAL (capacity 0 or above DMM_CP_MAX_CAPACITY), -ENOMEM. */
int dmm_cp_index_init(struct dmm_cp_index *x, uint32_t capacity);
void dmm_cp_index_fini(struct dmm_cp_index *x);

/* Adds entry idx under tag. The caller keeps at most `capacity` entries in the table (it
 * indexes a pool of that size), so a free slot always exists and probing ends. */
void dmm_cp_index_insert(struct dmm_cp_index *x, uint32_t idx, uint32_t tag);

/* Removes entry idx, inserted under tag, by backward shift. false if it was not there. */
bool dmm_cp_index_remove(struct dmm_cp_index *x, uint32_t idx, uint32_t tag);

/* Lookup: the entries whose tag is `tag`, in probe order, one per call; DMM_CP_NONE at the
 * end of the chain. Start with *cursor = dmm_cp_index_home(x, tag):
 *
 *     for (uint32_t cur = dmm_cp_index_home(x, h), i;
 *          (i = dmm_cp_index_next(x, h, &cur)) != DMM_CP_NONE;)
 *             if (key_of(&ent[i]) equals key)
 *                     return &ent[i];
 *     return NULL;
 */
static inline uint32_t dmm_cp_index_home(const struct dmm_cp_index *x, uint32_t tag)
{
	return tag & x->mask;
}

static inline uint32_t dmm_cp_index_next(const struct dmm_cp_index *x, uint32_t tag,
					 uint32_t *cursor)
{
	for (uint32_t i = *cursor;; i = (i + 1) & x->mask) {
		const struct dmm_cp_slot *s = &x->slots[i];
		if (!s->idx1)
			return DMM_CP_NONE;
		if (s->tag == tag) {
			*cursor = (i + 1) & x->mask;
			return s->idx1 - 1;
		}
	}
}

/* ---- timer heap ------------------------------------------------------------------------ */

struct dmm_cp_heap {
	uint32_t *h; /* entry indices; h[0] has the smallest key */
	uint32_t n;
	uint32_t cap;
	unsigned char *base; /* the caller's entry array */
	size_t stride;	     /* sizeof one entry */
	size_t key_off;	     /* offsetof the entry's uint64_t key */
	size_t pos_off;	     /* offsetof the entry's uint32_t heap position */
};

/* A heap over entries[0 .. cap-1] (entries = base, each `stride` octets, the key a uint64_t at
 * key_off, the position a uint32_t at pos_off). Sets every entry's position to DMM_CP_NONE.
 * 0, -EINVAL, -ENOMEM. */
int dmm_cp_heap_init(struct dmm_cp_heap *hp, void *base, uint32_t cap, size_t stride,
		     size_t key_off, size_t pos_off);
void dmm_cp_heap_fini(struct dmm_cp_heap *hp);

/* Call after changing entry idx's key: inserts it if it is not in the heap, else moves it. */
void dmm_cp_heap_update(struct dmm_cp_heap *hp, uint32_t idx);

/* Takes entry idx out (its position becomes DMM_CP_NONE); nothing if it is not in. */
void dmm_cp_heap_remove(struct dmm_cp_heap *hp, uint32_t idx);

/* The entry with the smallest key, DMM_CP_NONE when empty. Among equal keys, whichever the
 * sift order left on top (deterministic for a given sequence of operations). */
static inline uint32_t dmm_cp_heap_top(const struct dmm_cp_heap *hp)
{
	return hp->n ? hp->h[0] : DMM_CP_NONE;
}

#endif /* DMM_CP_UTIL_H */
