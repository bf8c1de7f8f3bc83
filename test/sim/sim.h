/* SPDX-License-Identifier: BSD-3-Clause */
/* Domain simulation internals shared by dmm_sim.c (runs, invariants, scenarios) and
 * sim_core.c (PRNG, event heap, trace buffer). Not a library: test code only. */
#ifndef DMM_SIM_H
#define DMM_SIM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- PRNG: xoshiro256** seeded through splitmix64, so a run is a function of its seed ---- */

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [lo, hi] (inclusive); hi < lo returns lo. */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);
/* True with probability p (0..1). */
bool sim_rng_chance(struct sim_rng *r, double p);

/* ---- event queue: binary min-heap by (time, insertion order) ---------------------------- */

struct sim_ev {
	uint64_t t;   /* virtual ms */
	uint64_t seq; /* insertion order: breaks ties so equal-time events stay FIFO */
	int type;
	int node;
	uint64_t gen; /* timer generation (a later ARM makes an earlier tick stale) */
	void *p;      /* owned payload (packet, table op), freed by the consumer */
};

struct sim_heap {
	struct sim_ev *v;
	size_t n, cap;
	uint64_t next_seq;
};

int sim_heap_push(struct sim_heap *h, const struct sim_ev *e);
/* Removes the earliest event into *e; false when empty. */
bool sim_heap_pop(struct sim_heap *h, struct sim_ev *e);
static inline const struct sim_ev *sim_heap_top(const struct sim_heap *h)
{
	return h->n ? &h->v[0] : NULL;
}
void sim_heap_free(struct sim_heap *h);

/* ---- growable text buffer (the trace) ---------------------------------------------------- */

struct sim_buf {
	char *s;
	size_t len, cap;
};

void sim_buf_printf(struct sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_buf_vprintf(struct sim_buf *b, const char *fmt, va_list ap);
void sim_buf_reset(struct sim_buf *b);
void sim_buf_free(struct sim_buf *b);

#endif
