/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker forwarding replica (DESIGN.md §4). Only the owning worker reads or writes a
 * replica, so nothing here needs RCU or locks; the control lcore changes it by sending
 * table ops (dp_ops.h) that the worker applies between bursts. Lookup results are
 * indexes into plain arrays, never pointers. */
#ifndef DMM_DP_TABLES_H
#define DMM_DP_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>

#include "dmm_ip6.h"

struct rte_hash;
struct rte_lpm6;

#define DMM_MAX_LOCAL_ADDRS 32
#define DMM_NH_NONE UINT32_MAX
#define DMM_TUNNEL_NONE UINT32_MAX

/* Binding flags. */
#define DMM_BIND_ANCHORED 0x01 /* the prefix is anchored here (from this MAAR's pool) */
#define DMM_BIND_ATTACHED 0x02 /* the MN is attached here (this MAAR serves it) */

/* One MN /64 prefix. The three meaningful combinations (DESIGN.md §3):
 *   ANCHORED|ATTACHED  plain router for the MN: deliver / route natively;
 *   ANCHORED           the MN moved on: tunnel = serving MAAR, encap downlink;
 *   ATTACHED           prefix from a previous MAAR: tunnel = anchor, reverse-tunnel uplink. */
struct dmm_binding {
	uint8_t flags;
	uint8_t _pad;
	uint16_t port;		   /* access port of the MN when ATTACHED */
	uint32_t tunnel;	   /* see above, DMM_TUNNEL_NONE when local */
	struct rte_ether_addr mac; /* MN link-layer address when ATTACHED */
	/* When ATTACHED: Ethernet source of every frame delivered to the MN for this prefix,
	 * i.e. the MAC of the DLIF (logical router) of the prefix's anchor (RFC 8885 §3.7: the
	 * MN sees one router per anchoring MAAR). All-zero: the access port's own MAC. */
	struct rte_ether_addr dlif_mac;
};

struct dmm_tunnel {
	uint8_t local[16];  /* outer source: this MAAR */
	uint8_t remote[16]; /* outer destination: the peer MAAR */
	uint16_t mtu;	    /* largest inner packet that fits (RFC 2473 §7) */
	uint8_t valid;
	uint8_t _pad;
	uint32_t nh; /* next hop towards remote, resolved by the control lcore */
};

struct dmm_nexthop {
	struct rte_ether_addr mac; /* neighbour's MAC; zero until resolved */
	uint16_t port;
	uint8_t valid;
	uint8_t resolved;
};

/* The binding table: open addressing with linear probing, at most half full. A slot holds
 * the key and the binding together, two slots per cache line, so a lookup at millions of
 * bindings costs one random cache line (rte_hash costs four: two buckets, the key slot and
 * the value). Deletion shifts the cluster back, so there are no tombstones to age. */
struct dmm_bind_slot {
	uint64_t key; /* upper 64 bits of the prefix, raw bytes */
	struct dmm_binding b; /* b.flags == 0: empty */
	uint32_t _pad;
} __attribute__((aligned(32)));

/* Two slots per 64-byte line, never one straddling two lines: a lookup stays one cache line
 * (and the bulk prefetch one line per packet). Growing the binding past 24 bytes breaks it. */
_Static_assert(sizeof(struct dmm_binding) == 20, "binding layout: 8 + 6 + 6 octets");
_Static_assert(sizeof(struct dmm_bind_slot) == 32, "a binding slot is half a cache line");

struct dmm_tables {
	struct dmm_bind_slot *bslot;
	uint64_t bmask; /* slots - 1 (a power of two >= 2 * max_bind) */
	struct rte_hash *peer; /* key: 16-byte peer address -> tunnel id */
	uint32_t *peer_tun;    /* indexed by rte_hash key position */
	struct rte_lpm6 *lpm;  /* variable-length routes -> next hop id */
	struct dmm_tunnel *tun;
	struct dmm_nexthop *nh;
	uint32_t max_bind, max_tun, max_routes, max_nh;
	uint32_t n_bind, n_tun, n_routes, n_nh;
	/* Own addresses: few, so a linear scan beats a hash lookup. */
	uint8_t local_addr[DMM_MAX_LOCAL_ADDRS][16];
	uint16_t local_port[DMM_MAX_LOCAL_ADDRS];
	uint32_t n_local;
};

struct dmm_tables_limits {
	uint32_t bindings, tunnels, routes, neighbours;
};

/* name must be unique per process (rte_hash / rte_lpm6 names are global). */
int dmm_tables_init(struct dmm_tables *t, const char *name, const struct dmm_tables_limits *lim,
		    int socket);
void dmm_tables_free(struct dmm_tables *t);

struct dmm_op;
/* Apply one op; 0 or a negative errno (the op is then counted as failed, never retried). */
int dmm_tables_apply(struct dmm_tables *t, const struct dmm_op *op);

/* Lookups used by the fast path (and by the unit tests). */
static inline uint64_t dmm_bind_key(const uint8_t *addr)
{
	uint64_t k;
	__builtin_memcpy(&k, addr, sizeof(k));
	return k;
}
static inline uint64_t dmm_bind_home(const struct dmm_tables *t, uint64_t key)
{
	return rte_hash_crc_8byte(key, 0x9e3779b9) & t->bmask;
}

static inline const struct dmm_binding *dmm_bind_find(const struct dmm_tables *t, uint64_t key,
						      uint64_t i)
{
	/* Terminates: the table is never more than half full. */
	for (;;) {
		const struct dmm_bind_slot *s = &t->bslot[i];
		if (s->b.flags == 0)
			return NULL;
		if (s->key == key)
			return &s->b;
		i = (i + 1) & t->bmask;
	}
}

/* Binding for the /64 of addr or NULL. */
const struct dmm_binding *dmm_tables_binding(const struct dmm_tables *t, const uint8_t *addr);
/* Tunnel id for a peer address or DMM_TUNNEL_NONE. */
uint32_t dmm_tables_peer(const struct dmm_tables *t, const uint8_t *addr);
/* Next hop id of the longest matching route or DMM_NH_NONE. */
uint32_t dmm_tables_route(const struct dmm_tables *t, const uint8_t *addr);
/* Index of an own address or -1. */
static inline int dmm_tables_local(const struct dmm_tables *t, const uint8_t *addr)
{
	for (uint32_t i = 0; i < t->n_local; i++)
		if (__builtin_memcmp(t->local_addr[i], addr, 16) == 0)
			return (int)i;
	return -1;
}

#endif
