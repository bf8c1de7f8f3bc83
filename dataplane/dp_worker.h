/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker internals shared with the benchmark. */
#ifndef DMM_DP_WORKER_H
#define DMM_DP_WORKER_H

#include "dp.h"

/* Classify and dispatch n packets received on in_port (internal port index). */
void dmm_worker_burst(struct dmm_dp *dp, struct dmm_worker *w, uint16_t in_port,
		      struct rte_mbuf **pkts, uint16_t n);
/* One iteration of the worker loop: apply a bounded batch of table ops (small while
 * packets flow, larger when idle; *last_rx carries the previous pass's packet count), then
 * one RX pass. Returns ops + packets handled. */
unsigned dmm_worker_step(struct dmm_dp *dp, struct dmm_worker *w, unsigned *last_rx);
/* One RX pass over the worker's queues; returns packets handled. */
unsigned dmm_worker_poll(struct dmm_dp *dp, struct dmm_worker *w);

#endif
