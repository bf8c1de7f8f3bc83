/* SPDX-License-Identifier: BSD-3-Clause */
/* Table ops: the only way forwarding state changes (DESIGN.md §4).
 *
 * The control lcore is the single producer. dmm_opq_push() gives every op the next
 * sequence number and enqueues a copy on each worker's SPSC ring (elements by value, so no
 * op ever points at memory the producer could free). Each worker drains its ring between
 * bursts, applies the ops to its own replica and publishes the last sequence applied.
 * A full ring is back-pressure: the op waits in that worker's backlog and is moved to the
 * ring by dmm_opq_flush() on the next control loop; an op is never dropped and the control
 * lcore never spins on a ring. */
#ifndef DMM_DP_OPS_H
#define DMM_DP_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

enum dmm_op_type {
	DMM_OP_NOP = 0,	     /* barrier: only advances applied_seq */
	DMM_OP_BIND_SET,     /* add or replace a /64 binding */
	DMM_OP_BIND_DEL,
	DMM_OP_TUNNEL_SET,   /* add or replace tunnel id (and its peer entry) */
	DMM_OP_TUNNEL_DEL,
	DMM_OP_ROUTE_ADD,    /* add or replace prefix/len -> next hop */
	DMM_OP_ROUTE_DEL,
	DMM_OP_NH_SET,	     /* add or replace next hop id (port, MAC, resolved) */
	DMM_OP_NH_DEL,
	DMM_OP_ADDR_ADD,     /* own address on a port */
	DMM_OP_ADDR_DEL,
	DMM_OP_MAX
};

struct dmm_op {
	uint64_t seq;  /* set by dmm_opq_push */
	uint16_t type; /* enum dmm_op_type */
	uint16_t port;
	uint32_t id; /* tunnel or next-hop id */
	union {
		struct {
			uint8_t prefix[8]; /* upper 64 bits of the /64 */
			uint8_t flags;	   /* DMM_BIND_* */
			uint8_t _pad;
			struct rte_ether_addr mac; /* MN link-layer address (ATTACHED) */
			uint32_t tunnel;
			/* ATTACHED: source MAC of frames delivered to the MN, the anchor's DLIF
			 * (RFC 8885 §3.7); zero = the access port's MAC. */
			struct rte_ether_addr dlif_mac;
		} bind;
		struct {
			uint8_t local[16];
			uint8_t remote[16];
			uint16_t mtu;
			uint16_t _pad;
			uint32_t nh;
		} tunnel;
		struct {
			uint8_t prefix[16];
			uint8_t len;
			uint8_t _pad[3];
			uint32_t nh;
		} route;
		struct {
			struct rte_ether_addr mac;
			uint8_t resolved;
		} nh;
		struct {
			uint8_t addr[16];
		} addr;
	} u;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct dmm_op) == 64, "a table op is one cache line");

struct rte_ring;

#define DMM_MAX_WORKERS 64

/* Producer side, owned by the control lcore. */
struct dmm_opq {
	unsigned n_workers;
	struct rte_ring *ring[DMM_MAX_WORKERS];
	const uint64_t *applied[DMM_MAX_WORKERS]; /* each worker's published applied seq */
	/* Per-worker FIFO of ops that did not fit in the ring (back-pressure). */
	struct dmm_op *backlog[DMM_MAX_WORKERS];
	uint32_t bl_head[DMM_MAX_WORKERS], bl_len[DMM_MAX_WORKERS], bl_cap[DMM_MAX_WORKERS];
	uint64_t next_seq;     /* last seq handed out */
	uint64_t pushed;       /* ops pushed */
	uint64_t ring_full;    /* times an op had to wait in a backlog */
	uint64_t backlog_max;  /* deepest backlog seen */
};

/* ring_size: elements per worker ring (power of two). */
int dmm_opq_init(struct dmm_opq *q, const char *name, unsigned n_workers, uint32_t ring_size,
		 int socket);
void dmm_opq_free(struct dmm_opq *q);
/* Attach worker i's published applied-seq word. */
void dmm_opq_set_applied(struct dmm_opq *q, unsigned i, const uint64_t *applied);
/* Stamp op with the next seq and queue it for every worker; returns the seq (> 0) or a
 * negative errno if memory for the backlog ran out (the op is then not queued anywhere). */
int64_t dmm_opq_push(struct dmm_opq *q, struct dmm_op *op);
/* Move backlogged ops into rings that have room; returns ops still waiting. */
uint64_t dmm_opq_flush(struct dmm_opq *q);
/* True once every worker has applied seq. */
bool dmm_opq_in_force(const struct dmm_opq *q, uint64_t seq);
/* Lowest applied seq over all workers. */
uint64_t dmm_opq_min_applied(const struct dmm_opq *q);

/* Consumer side, called by worker i between bursts: dequeue up to max ops, apply them to
 * t, publish the last seq with release semantics. Returns ops applied. */
struct dmm_tables;
struct dmm_wstats;
unsigned dmm_opq_drain(struct rte_ring *ring, struct dmm_tables *t, uint64_t *applied,
		       struct dmm_wstats *st, unsigned max);

#endif
