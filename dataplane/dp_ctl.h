/* SPDX-License-Identifier: BSD-3-Clause */
/* Control lcore (DESIGN.md §5): exception path, Neighbour Discovery for own addresses and
 * next hops, ICMPv6 errors, and the producer of every table op. */
#ifndef DMM_DP_CTL_H
#define DMM_DP_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"

struct dmm_ctl;

/* Allocate the control state and queue the ops that install the static config (own
 * addresses, next hops, routes, tunnels, bindings). Returns the seq of the last op. */
int dmm_ctl_init(struct dmm_dp *dp, struct dmm_ctl **out, uint64_t *last_seq);
void dmm_ctl_free(struct dmm_ctl *c);
/* One pass of the control loop: exceptions, op backlog, timers. Returns work done. */
unsigned dmm_ctl_poll(struct dmm_ctl *c);
/* Run until dp->quit. */
void dmm_ctl_run(struct dmm_ctl *c);

/* Build helpers exposed for unit tests: ICMPv6 error (RFC 4443 §2.4) in reply to the
 * packet in m (Ethernet frame), from src; returns a new mbuf or NULL. */
struct rte_mbuf *dmm_ctl_icmp_error(struct rte_mempool *mp, const struct rte_mbuf *m,
				    const struct rte_ether_addr *src_mac, const uint8_t *src_ip,
				    uint8_t type, uint8_t code, uint32_t param);

#endif
