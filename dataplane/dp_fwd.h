/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet classification and rewrite: every case of DESIGN.md §3. Pure functions of
 * (context, replica, packet): no I/O, so unit tests call them on crafted mbufs and the
 * worker loop and the benchmark call the same code. */
#ifndef DMM_DP_FWD_H
#define DMM_DP_FWD_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dmm_config.h"
#include "dp_stats.h"
#include "dp_tables.h"

#define DMM_MAX_PORTS DMM_CFG_MAX_PORTS
#define DMM_MAX_POOLS DMM_CFG_MAX_POOLS

/* Read-only forwarding parameters shared by all workers (set before they start). */
struct dmm_fwd_ctx {
	uint16_t n_ports;
	uint8_t role[DMM_MAX_PORTS]; /* enum dmm_port_role, indexed by DPDK port id */
	struct rte_ether_addr mac[DMM_MAX_PORTS];
	uint16_t mtu[DMM_MAX_PORTS];
	uint16_t core_port;
	uint8_t tunnel_hop_limit;
	/* This MAAR's pools: a destination inside one may be an MN of ours (hairpin). */
	uint32_t n_pools;
	struct dmm_prefix pools[DMM_MAX_POOLS];
};

enum dmm_verdict {
	DMM_V_TX = 0, /* send on *out (a port id) */
	DMM_V_EXC,    /* to the control lcore, *out = enum dmm_exc_reason */
	DMM_V_DROP,   /* free, *out = enum dmm_drop_reason */
};

/* A binding looked up ahead of time (bulk, with prefetch) for the /64 whose key is key;
 * b is NULL when the lookup missed. */
struct dmm_fwd_hint {
	uint64_t key;
	const struct dmm_binding *b;
};

/* Classify m, received on in_port, and rewrite it in place for its output. Counts routed,
 * delivered, encap, decap, trimmed in st; the caller counts tx, drops and exceptions from
 * the verdict (so a TX or ring failure is never counted twice). hint may be NULL. */
enum dmm_verdict dmm_fwd_packet(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
				struct dmm_wstats *st, struct rte_mbuf *m, uint16_t in_port,
				const struct dmm_fwd_hint *hint, uint16_t *out);

/* The /64 the fast path will look up first for m (source on access, destination on core,
 * inner destination for ip6ip6 to us), so a burst's lookups can be done in bulk before
 * dmm_fwd_packet runs. Returns false if the frame is too short to say. */
bool dmm_fwd_primary_key(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
			 const struct rte_mbuf *m, uint16_t in_port, uint64_t *key);

/* RFC 6438 §3: a 20-bit, non-zero flow label from the inner flow. */
uint32_t dmm_fwd_flow_label(const struct rte_mbuf *m, uint32_t l3_off);

/* RFC 6040 §4.2 decapsulation: the inner ECN field to use, or -1 to drop. */
int dmm_fwd_ecn_decap(uint8_t outer_ecn, uint8_t inner_ecn);

/* Per-mbuf exception metadata (a dynfield), written by the worker, read by the control
 * lcore. Every field is written for every exception. */
#define DMM_EXC_PORT_NONE UINT16_MAX
struct dmm_exc_meta {
	uint8_t reason;	    /* enum dmm_exc_reason */
	uint8_t bind_flags; /* UNKNOWN_SRC: DMM_BIND_* of the source /64's binding, 0 = none */
	uint16_t mtu;	    /* TOO_BIG: the MTU to report */
	uint16_t port;	    /* UNKNOWN_SRC: internal index of the access port it came in on;
			     * DMM_EXC_PORT_NONE for the other reasons (they use m->port) */
	uint16_t _pad;
};
int dmm_exc_meta_register(void);
extern int dmm_exc_meta_offset;
static inline struct dmm_exc_meta *dmm_exc_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, dmm_exc_meta_offset, struct dmm_exc_meta *);
}

/* Attachment detection (issue 4): frames from an access source that no MN attached here
 * owns go to the control lcore as DMM_EXC_UNKNOWN_SRC, at most RATE per second and BURST
 * back to back per worker; the rest are dropped as drop_unknown_src_ratelimited. The burst
 * is a quarter of the exception ring (1024), so a flood of forged sources can never fill the
 * ring that ND, MH and ICMPv6 errors share; the rate lets a MAAR that restarts re-detect
 * 65536 MNs (which keep sending) in about 16 s per worker, while costing the control lcore
 * a negligible share of its time. */
#define DMM_UNKNOWN_SRC_RATE 4096 /* frames per second per worker */
#define DMM_UNKNOWN_SRC_BURST 256

/* Token bucket in TSC cycles: one frame costs hz / rate cycles of credit, the credit is
 * capped at burst frames and starts full. Owned by one worker: no atomics. */
struct dmm_tb {
	uint64_t credit, cost, cap, last;
};

static inline void dmm_tb_init(struct dmm_tb *tb, uint64_t hz, uint32_t rate, uint32_t burst,
			       uint64_t now)
{
	tb->cost = rate ? hz / rate : 0;
	if (tb->cost == 0)
		tb->cost = 1;
	tb->cap = tb->cost * burst;
	tb->credit = tb->cap;
	tb->last = now;
}

/* True if a frame may pass at time now (TSC), taking its token. */
static inline bool dmm_tb_take(struct dmm_tb *tb, uint64_t now)
{
	uint64_t dt = now - tb->last, c;

	/* Compare before adding so a long idle period cannot overflow the sum. */
	c = dt >= tb->cap - tb->credit ? tb->cap : tb->credit + dt;
	tb->last = now;
	if (c < tb->cost) {
		tb->credit = c;
		return false;
	}
	tb->credit = c - tb->cost;
	return true;
}

#endif
