/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker lcore: poll every port's RX queue this worker owns, classify, send, and apply
 * table ops between bursts (DESIGN.md §3-4). The worker is the only writer of its replica
 * and its counters. */
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp.h"
#include "dp_worker.h"
#include "dmm_log.h"

/* Ops applied per pass. While packets flow the batch stays small (one op per packet of a
 * burst) so a flood of updates cannot starve RX; when RX is idle it grows so a large update
 * (a restart, a static config of millions of bindings) is in force quickly. The benchmark
 * measured 32 ops per busy poll at > 4 M ops/s applied while forwarding. */
#define OPS_PER_BUSY_POLL DMM_BURST
#define OPS_PER_IDLE_POLL 256
/* Empty polls before --idle-sleep-us starts sleeping (adaptive: busy traffic never
 * sleeps). */
#define IDLE_POLLS_BEFORE_SLEEP 64
#define PREFETCH_AHEAD 4

/* Per-worker unknown-source token bucket (dp_fwd.h, DMM_UNKNOWN_SRC_RATE). Kept here rather
 * than in struct dmm_worker so the fast path's own state stays in the fast path's files;
 * each entry has its own cache line and is touched only by its worker. */
static struct dmm_worker_rl {
	struct dmm_tb unknown_src;
} __rte_cache_aligned worker_rl[DMM_MAX_WORKERS];

/* An unknown-source exception may go to the control lcore only within the bucket. */
static inline bool unknown_src_allowed(const struct dmm_worker *w)
{
	struct dmm_tb *tb = &worker_rl[w->idx % DMM_MAX_WORKERS].unknown_src;
	uint64_t now = rte_rdtsc();

	if (unlikely(tb->cost == 0)) /* first use: start with a full bucket */
		dmm_tb_init(tb, rte_get_tsc_hz(), DMM_UNKNOWN_SRC_RATE, DMM_UNKNOWN_SRC_BURST, now);
	return dmm_tb_take(tb, now);
}

uint16_t dmm_port_tx(struct dmm_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	if (likely(!p->tx_shared))
		return rte_eth_tx_burst(p->port_id, q, pkts, n);
	rte_spinlock_lock(&p->txlock[q]);
	sent = rte_eth_tx_burst(p->port_id, q, pkts, n);
	rte_spinlock_unlock(&p->txlock[q]);
	return sent;
}

void dmm_worker_burst(struct dmm_dp *dp, struct dmm_worker *w, uint16_t in_port,
		      struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *tx[DMM_MAX_PORTS][DMM_BURST];
	uint16_t ntx[DMM_MAX_PORTS] = {0};
	struct rte_mbuf *exc[DMM_BURST];
	uint16_t nexc = 0, out, i;
	struct dmm_wstats *st = &w->st;

	struct dmm_fwd_hint hint[DMM_BURST];
	uint64_t slot[DMM_BURST];
	bool hinted[DMM_BURST];
	const struct dmm_tables *t = &w->tables;

	st->rx += n;
	/* Pass 1: find each packet's first binding key and prefetch its table line; pass 2
	 * resolves them once the whole burst's misses are in flight. This overlap is what
	 * keeps a table of millions of bindings near line rate. */
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		hinted[i] = dmm_fwd_primary_key(&dp->fwd, t, pkts[i], in_port, &hint[i].key);
		if (hinted[i]) {
			slot[i] = dmm_bind_home(t, hint[i].key);
			rte_prefetch0(&t->bslot[slot[i]]);
		}
	}
	for (i = 0; i < n; i++)
		if (hinted[i])
			hint[i].b = dmm_bind_find(t, hint[i].key, slot[i]);
	/* Pass 2: decide and rewrite. */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		switch (dmm_fwd_packet(&dp->fwd, t, st, m, in_port, hinted[i] ? &hint[i] : NULL,
				       &out)) {
		case DMM_V_TX:
			tx[out][ntx[out]++] = m;
			break;
		case DMM_V_EXC:
			if (unlikely(out == DMM_EXC_UNKNOWN_SRC) && !unknown_src_allowed(w)) {
				st->drop[DMM_DROP_UNKNOWN_SRC_RATELIMITED]++;
				rte_pktmbuf_free(m);
				break;
			}
			exc[nexc++] = m;
			break;
		case DMM_V_DROP:
			st->drop[out]++;
			rte_pktmbuf_free(m);
			break;
		}
	}
	for (uint16_t p = 0; p < dp->n_ports; p++) {
		if (ntx[p] == 0)
			continue;
		uint16_t sent = dmm_port_tx(&dp->ports[p], w->txq[p], tx[p], ntx[p]);
		st->tx += sent;
		if (unlikely(sent < ntx[p])) {
			st->drop[DMM_DROP_TX_FULL] += ntx[p] - sent;
			rte_pktmbuf_free_bulk(&tx[p][sent], ntx[p] - sent);
		}
	}
	if (nexc > 0) {
		unsigned q = rte_ring_sp_enqueue_burst(w->excring, (void **)exc, nexc, NULL);
		for (unsigned k = 0; k < q; k++)
			st->exc[dmm_exc_meta(exc[k])->reason]++;
		st->exception += q;
		if (unlikely(q < nexc)) {
			st->drop[DMM_DROP_EXC_RING_FULL] += nexc - q;
			rte_pktmbuf_free_bulk(&exc[q], nexc - q);
		}
	}
}

unsigned dmm_worker_poll(struct dmm_dp *dp, struct dmm_worker *w)
{
	struct rte_mbuf *pkts[DMM_BURST];
	unsigned got = 0;

	for (uint16_t p = 0; p < dp->n_ports; p++) {
		if (w->rxq[p] == DMM_RXQ_NONE)
			continue;
		uint16_t n = rte_eth_rx_burst(dp->ports[p].port_id, w->rxq[p], pkts, DMM_BURST);
		if (n == 0)
			continue;
		uint64_t t0 = rte_rdtsc();
		dmm_worker_burst(dp, w, p, pkts, n);
		w->st.busy_cycles += rte_rdtsc() - t0;
		got += n;
	}
	return got;
}

unsigned dmm_worker_step(struct dmm_dp *dp, struct dmm_worker *w, unsigned *last_rx)
{
	unsigned ops = dmm_opq_drain(w->opring, &w->tables, &w->applied_seq, &w->st,
				     *last_rx ? OPS_PER_BUSY_POLL : OPS_PER_IDLE_POLL);
	/* Until the static state is in force every packet would be a miss: leave them in
	 * the RX queue. */
	*last_rx = 0;
	if (likely(__atomic_load_n(&dp->ready, __ATOMIC_ACQUIRE)))
		*last_rx = dmm_worker_poll(dp, w);
	return ops + *last_rx;
}

int dmm_worker_main(void *arg)
{
	struct dmm_worker_arg *a = arg;
	struct dmm_dp *dp = a->dp;
	struct dmm_worker *w = a->w;
	unsigned idle = 0, last_rx = 0;

	dmm_log("dp", DMM_LOG_INFO, "worker %u on lcore %u started", w->idx, rte_lcore_id());
	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		if (dmm_worker_step(dp, w, &last_rx) != 0) {
			idle = 0;
		} else if (dp->idle_sleep_us != 0 && ++idle > IDLE_POLLS_BEFORE_SLEEP) {
			usleep(dp->idle_sleep_us);
			w->st.idle_sleeps++;
		} else if (!dp->ready) {
			rte_pause();
		}
	}
	dmm_log("dp", DMM_LOG_INFO, "worker %u stopped", w->idx);
	return 0;
}
