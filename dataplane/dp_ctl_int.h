/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-lcore internals shared by dp_ctl.c (exception path, ND, ICMPv6) and dp_sig.c
 * (the MAAR state machine adapter). Not an API: both files run on the control lcore only. */
#ifndef DMM_DP_CTL_INT_H
#define DMM_DP_CTL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "dmm_mh.h"
#include "dp.h"

struct dmm_sig;

struct neigh {
	struct dmm_ip6 addr;
	struct rte_ether_addr mac;
	bool resolved;
	bool is_static;
	uint64_t next_ns; /* tsc */
};

struct dmm_ctl {
	struct dmm_dp *dp;
	struct neigh *nb; /* index == next-hop id */
	uint32_t n_nb, max_nb;
	/* ICMPv6 error token bucket (RFC 4443 §2.4(f)), in tokens * tsc_hz. */
	uint64_t tokens, last_refill, bucket_max, per_token;
	uint64_t next_timer;
	/* The control lcore's own copy of the addresses it installed: it never reads a
	 * worker's replica. */
	struct dmm_mh_msg mh; /* the last Mobility Header parsed (too big for the stack) */
	struct dmm_ip6 local[DMM_MAX_LOCAL_ADDRS];
	uint16_t local_port[DMM_MAX_LOCAL_ADDRS];
	unsigned n_local;
	struct dmm_sig *sig; /* PBU/PBA session logic, NULL without signalling: */
};

/* Queue a table op for every worker; *seq (optional) gets its sequence number. */
int dmm_ctl_push(struct dmm_ctl *c, struct dmm_op *op, uint64_t *seq);
/* Next-hop id for a neighbour on the core link, created (and solicited) on first use. */
int dmm_ctl_neigh_get(struct dmm_ctl *c, const struct dmm_ip6 *a, uint32_t *id);
/* The core next hop towards remote: longest static route, else the gateway, else remote. */
struct dmm_ip6 dmm_ctl_via(const struct dmm_config *cfg, const struct dmm_ip6 *remote);
/* Ethernet + IPv6 header (next header ICMPv6, payload len) in a new mbuf; NULL if none. */
struct rte_mbuf *dmm_ctl_frame_new(struct rte_mempool *mp, const struct rte_ether_addr *dmac,
				   const struct rte_ether_addr *smac, const uint8_t *sip,
				   const uint8_t *dip, uint8_t hop_limit, uint32_t len);
/* Send m on port from the control lcore's TX queue (m is consumed either way). */
void dmm_ctl_tx(struct dmm_ctl *c, uint16_t port, struct rte_mbuf *m);

/* dp_sig.c */
int dmm_sig_init(struct dmm_ctl *c);
void dmm_sig_free(struct dmm_ctl *c);
/* A valid Mobility Header (checksum checked) from src to one of our addresses. */
void dmm_sig_input(struct dmm_ctl *c, const struct dmm_ip6 *src, const struct dmm_mh_msg *msg);
/* An ND message (RS, NS, NA) received on an access port: true when the access link took it
 * (RFC 4861 / RFC 8885 §3.7 DLIF), false to let the control lcore's own ND handle it. */
bool dmm_sig_access_nd(struct dmm_ctl *c, const struct rte_mbuf *m);
/* A frame from an unknown source on an access port (DMM_EXC_UNKNOWN_SRC): attach evidence. */
void dmm_sig_unknown_src(struct dmm_ctl *c, const struct rte_mbuf *m, uint16_t port);
/* Timers, held messages, the control socket. Returns work done. */
unsigned dmm_sig_poll(struct dmm_ctl *c);

#endif
