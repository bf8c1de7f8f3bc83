/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DMM_DP_PORT_H
#define DMM_DP_PORT_H

#include "dp.h"

/* Size the mbuf pool from the configured ports, queues and rings; needs dp->n_workers. */
int dmm_mempool_create(struct dmm_dp *dp);
/* Configure and start every configured port; needs dp->workers[] allocated. */
int dmm_ports_init(struct dmm_dp *dp);
void dmm_ports_close(struct dmm_dp *dp);
unsigned dmm_dp_exc_ring_size(void);

#endif
