/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker internals shared with the benchmark. */
#ifndef DMM_DP_WORKER_H
#define DMM_DP_WORKER_H

#include "dp.h"

/* Classify and dispatch n packets received on in_port (internal port index). */
void dmm_worker_burst(struct dmm_dp *dp, struct dmm_worker *w, uint16_t in_port,
		      struct rte_mbuf **pkts, uint16_t n);
/* One RX pass over the worker's queues; returns packets handled. */
unsigned dmm_worker_poll(struct dmm_dp *dp, struct dmm_worker *w);

#endif
