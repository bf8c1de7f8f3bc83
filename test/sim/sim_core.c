/* SPDX-License-Identifier: BSD-3-Clause */
/* PRNG, event heap and trace buffer of the domain simulation. Everything here is deterministic:
 * the PRNG is ours (not rand()), and heap ties are broken by insertion order, so one seed always
 * produces one trace. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman & Vigna). */
uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	uint64_t span = hi - lo + 1;
	/* span == 0 only for the full 64-bit range; the modulo bias is irrelevant here */
	return span ? lo + sim_rng_next(r) % span : sim_rng_next(r);
}

bool sim_rng_chance(struct sim_rng *r, double p)
{
	if (p <= 0)
		return false;
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53 < p;
}

static bool ev_less(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

int sim_heap_push(struct sim_heap *h, const struct sim_ev *e)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct sim_ev *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	size_t i = h->n++;
	struct sim_ev x = *e;
	x.seq = h->next_seq++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ev_less(&x, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = x;
	return 0;
}

bool sim_heap_pop(struct sim_heap *h, struct sim_ev *e)
{
	if (!h->n)
		return false;
	*e = h->v[0];
	struct sim_ev x = h->v[--h->n];
	size_t i = 0, n = h->n;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l >= n)
			break;
		m = l;
		if (l + 1 < n && ev_less(&h->v[l + 1], &h->v[l]))
			m = l + 1;
		if (!ev_less(&h->v[m], &x))
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	if (n)
		h->v[i] = x;
	return true;
}

void sim_heap_free(struct sim_heap *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

void sim_buf_vprintf(struct sim_buf *b, const char *fmt, va_list ap)
{
	for (;;) {
		va_list aq;
		size_t room = b->cap - b->len;
		va_copy(aq, ap);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, aq);
		va_end(aq);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 65536;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
}

void sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sim_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void sim_buf_reset(struct sim_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void sim_buf_free(struct sim_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}
