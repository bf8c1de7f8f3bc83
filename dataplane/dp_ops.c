/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dmm_log.h"
#include "dp_stats.h"
#include "dp_tables.h"

int dmm_opq_init(struct dmm_opq *q, const char *name, unsigned n_workers, uint32_t ring_size,
		 int socket)
{
	char n[RTE_RING_NAMESIZE];

	memset(q, 0, sizeof(*q));
	if (n_workers == 0 || n_workers > DMM_MAX_WORKERS)
		return -EINVAL;
	q->n_workers = n_workers;
	for (unsigned i = 0; i < n_workers; i++) {
		snprintf(n, sizeof(n), "ops_%s_%u", name, i);
		/* Ops travel by value (64-byte elements): the worker never reads memory the
		 * control lcore could reuse. */
		q->ring[i] = rte_ring_create_elem(n, sizeof(struct dmm_op), ring_size, socket,
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (q->ring[i] == NULL) {
			dmm_opq_free(q);
			return -ENOMEM;
		}
	}
	return 0;
}

void dmm_opq_free(struct dmm_opq *q)
{
	for (unsigned i = 0; i < DMM_MAX_WORKERS; i++) {
		rte_ring_free(q->ring[i]);
		free(q->backlog[i]);
	}
	memset(q, 0, sizeof(*q));
}

void dmm_opq_set_applied(struct dmm_opq *q, unsigned i, const uint64_t *applied)
{
	q->applied[i] = applied;
}

static int backlog_put(struct dmm_opq *q, unsigned i, const struct dmm_op *op)
{
	if (q->bl_len[i] == q->bl_cap[i]) {
		/* Grow, unrolling the circular buffer into the new one. */
		uint32_t cap = q->bl_cap[i] ? q->bl_cap[i] * 2 : 1024;
		struct dmm_op *nb = malloc(sizeof(*nb) * cap);
		if (nb == NULL)
			return -ENOMEM;
		for (uint32_t k = 0; k < q->bl_len[i]; k++)
			nb[k] = q->backlog[i][(q->bl_head[i] + k) % q->bl_cap[i]];
		free(q->backlog[i]);
		q->backlog[i] = nb;
		q->bl_head[i] = 0;
		q->bl_cap[i] = cap;
	}
	q->backlog[i][(q->bl_head[i] + q->bl_len[i]) % q->bl_cap[i]] = *op;
	q->bl_len[i]++;
	if (q->bl_len[i] > q->backlog_max)
		q->backlog_max = q->bl_len[i];
	return 0;
}

static void backlog_flush_one(struct dmm_opq *q, unsigned i)
{
	while (q->bl_len[i] > 0) {
		/* Enqueue the contiguous run up to the end of the circular buffer. */
		uint32_t run = q->bl_cap[i] - q->bl_head[i];
		if (run > q->bl_len[i])
			run = q->bl_len[i];
		unsigned n = rte_ring_sp_enqueue_burst_elem(q->ring[i], &q->backlog[i][q->bl_head[i]],
							    sizeof(struct dmm_op), run, NULL);
		q->bl_head[i] = (q->bl_head[i] + n) % q->bl_cap[i];
		q->bl_len[i] -= n;
		if (n < run)
			return;
	}
}

int64_t dmm_opq_push(struct dmm_opq *q, struct dmm_op *op)
{
	op->seq = ++q->next_seq;
	q->pushed++;
	for (unsigned i = 0; i < q->n_workers; i++) {
		/* Keep order: once a worker has a backlog, everything goes behind it. */
		if (q->bl_len[i] == 0 &&
		    rte_ring_sp_enqueue_elem(q->ring[i], op, sizeof(*op)) == 0)
			continue;
		q->ring_full++;
		if (backlog_put(q, i, op) < 0) {
			/* Out of memory mid-fan-out: the op is partly queued. Nothing sane can
			 * follow; report it loudly (malloc failing here means the host is
			 * out of memory). */
			dmm_log("ops", DMM_LOG_ERR, "op %llu: backlog allocation failed",
				(unsigned long long)op->seq);
			return -ENOMEM;
		}
	}
	return (int64_t)op->seq;
}

uint64_t dmm_opq_flush(struct dmm_opq *q)
{
	uint64_t left = 0;
	for (unsigned i = 0; i < q->n_workers; i++) {
		backlog_flush_one(q, i);
		left += q->bl_len[i];
	}
	return left;
}

uint64_t dmm_opq_min_applied(const struct dmm_opq *q)
{
	uint64_t m = UINT64_MAX;
	for (unsigned i = 0; i < q->n_workers; i++) {
		uint64_t a = q->applied[i] ? __atomic_load_n(q->applied[i], __ATOMIC_ACQUIRE) : 0;
		if (a < m)
			m = a;
	}
	return q->n_workers ? m : 0;
}

bool dmm_opq_in_force(const struct dmm_opq *q, uint64_t seq)
{
	return dmm_opq_min_applied(q) >= seq;
}

unsigned dmm_opq_drain(struct rte_ring *ring, struct dmm_tables *t, uint64_t *applied,
		       struct dmm_wstats *st, unsigned max)
{
	struct dmm_op ops[32];
	unsigned total = 0;

	while (total < max) {
		unsigned want = max - total < 32 ? max - total : 32;
		unsigned n = rte_ring_sc_dequeue_burst_elem(ring, ops, sizeof(ops[0]), want, NULL);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			int rc = dmm_tables_apply(t, &ops[i]);
			if (unlikely(rc < 0)) {
				st->ops_failed++;
				dmm_log("ops", DMM_LOG_WARNING, "op %llu type %u rejected: %s",
					(unsigned long long)ops[i].seq, ops[i].type, strerror(-rc));
			}
		}
		st->ops_applied += n;
		total += n;
		/* Publish after the replica is updated: whoever sees seq sees its effect. */
		__atomic_store_n(applied, ops[n - 1].seq, __ATOMIC_RELEASE);
	}
	return total;
}
