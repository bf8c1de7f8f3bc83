/* SPDX-License-Identifier: BSD-3-Clause */
/* The dmm-maar data plane: ports, workers, rings and the control lcore's view of them. */
#ifndef DMM_DP_H
#define DMM_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_spinlock.h>

#include "dmm_config.h"
#include "dp_fwd.h"
#include "dp_ops.h"
#include "dp_stats.h"
#include "dp_tables.h"

#define DMM_BURST 32
#define DMM_MAX_QUEUES 128
#define DMM_RXQ_NONE UINT16_MAX

struct rte_mempool;
struct rte_ring;

struct dmm_port {
	uint16_t port_id;
	enum dmm_port_role role;
	char device[DMM_CFG_DEV_LEN];
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint16_t n_rxq, n_txq;
	/* When the device has fewer TX queues than users (workers + control lcore), queues
	 * are shared and taken under this lock; with enough queues nobody locks. */
	bool tx_shared;
	rte_spinlock_t txlock[DMM_MAX_QUEUES];
	char driver[64];
};

/* Control-lcore counters (written by the control lcore only). */
struct dmm_ctl_stats {
	uint64_t exc_rx;	 /* packets taken from exception rings */
	uint64_t na_sent;	 /* Neighbor Advertisements for own addresses */
	uint64_t ns_sent;	 /* Neighbor Solicitations for next hops */
	uint64_t na_learned;	 /* next-hop MACs learned from NA */
	uint64_t echo_replies;	 /* ICMPv6 echo replies to own addresses */
	uint64_t icmp_time_exceeded;
	uint64_t icmp_param_problem; /* malformed MH: Payload Proto, Header Len (RFC 6275 §9.2) */
	uint64_t icmp_too_big;
	uint64_t icmp_ratelimited; /* errors not sent because of the token bucket */
	uint64_t mh_rx;		 /* valid Mobility Headers to this node */
	uint64_t mh_bad;	 /* Mobility Headers dropped: bad checksum, length, options */
	uint64_t mh_be_sent;	 /* Binding Errors sent (unknown MH type, RFC 6275 §9.2) */
	uint64_t rs_rx;		 /* Router Solicitations */
	uint64_t ignored;	 /* exceptions that need no answer */
	uint64_t malformed;	 /* exceptions too short/invalid to answer */
	uint64_t tx_fail;	 /* control packets the TX queue refused */
	uint64_t ops_pushed;
	uint64_t ops_backlogged;
} __rte_cache_aligned;

struct dmm_worker {
	unsigned idx;	   /* 0..n_workers-1 */
	unsigned lcore_id;
	struct dmm_tables tables;
	struct rte_ring *opring;  /* control -> worker, struct dmm_op elements */
	struct rte_ring *excring; /* worker -> control, mbuf pointers */
	uint16_t rxq[DMM_MAX_PORTS]; /* RX queue this worker polls, DMM_RXQ_NONE if none */
	uint16_t txq[DMM_MAX_PORTS]; /* TX queue this worker sends on */
	uint64_t applied_seq __rte_cache_aligned; /* written by the worker (release) */
	struct dmm_wstats st;
};

struct dmm_dp {
	const struct dmm_config *cfg;
	struct dmm_fwd_ctx fwd;
	/* Internal port index = position in the config; every table and verdict uses it,
	 * ports[i].port_id is the DPDK port id. */
	struct dmm_port ports[DMM_MAX_PORTS];
	uint16_t n_ports;
	uint16_t core_port; /* internal index */
	struct rte_mempool *pool;
	unsigned n_workers;
	struct dmm_worker *workers[DMM_MAX_WORKERS];
	struct dmm_opq opq;
	uint16_t ctl_txq[DMM_MAX_PORTS];
	struct dmm_ctl_stats ctl;
	unsigned idle_sleep_us; /* 0 = busy poll */
	volatile bool ready;	/* static state in force: workers may poll RX */
	volatile bool quit;
	uint64_t tsc_hz;
	uint64_t start_tsc;
};

/* Send on port from the given TX queue, taking the queue lock when it is shared. Returns
 * the number sent; the caller frees the rest. */
uint16_t dmm_port_tx(struct dmm_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n);

/* Worker main loop (rte_eal_remote_launch). */
int dmm_worker_main(void *arg);
struct dmm_worker_arg {
	struct dmm_dp *dp;
	struct dmm_worker *w;
};

/* Telemetry: registers /dmm/stats, /dmm/ports, /dmm/tables (dp_telemetry.c). */
int dmm_telemetry_register(struct dmm_dp *dp);
/* DPDK cannot unregister commands and its socket thread lives until exit: call this before
 * freeing workers or ports. It waits for running callbacks; later ones answer null. */
void dmm_telemetry_detach(void);

/* Sum of all workers' counters into out. */
void dmm_dp_stats_sum(const struct dmm_dp *dp, struct dmm_wstats *out);
/* Final report at shutdown: non-zero worker counters per worker and in total, then the
 * control lcore's counters. */
void dmm_dp_stats_print(const struct dmm_dp *dp, FILE *f);

/* Every uint64_t counter of a stats block by name and offset, in struct order, so reports
 * (telemetry, the shutdown print) never list fields by hand. Worker names are "rx", ...,
 * "exc_<reason>", "drop_<reason>", ...; control names are the struct field names. */
struct dmm_stat_field {
	const char *name;
	uint32_t off;
};
extern const struct dmm_stat_field dmm_wstats_fields[];
extern const unsigned dmm_wstats_n_fields;
extern const struct dmm_stat_field dmm_ctl_fields[];
extern const unsigned dmm_ctl_n_fields;
/* Lock-free read of one counter of block (its owner may be writing it). */
uint64_t dmm_stat_get(const void *block, const struct dmm_stat_field *f);

#endif
