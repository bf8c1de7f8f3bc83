/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker fast-path counters. Each worker writes only its own cache-aligned block;
 * telemetry and the final report read them (64-bit loads are atomic on every target). */
#ifndef DMM_DP_STATS_H
#define DMM_DP_STATS_H

#include <stdint.h>

#include <rte_common.h>

/* Why a packet was dropped: every lost packet is explained by exactly one of these. */
#define DMM_DROP_REASONS(X)                                                                \
	X(NOT_IPV6, "not_ipv6")		    /* ethertype is not 0x86dd */                     \
	X(VLAN, "vlan")			    /* 802.1Q/802.1ad tagged frame: not supported */  \
	X(TRUNCATED, "truncated")	    /* frame shorter than the IPv6 header */          \
	X(BAD_VERSION, "bad_version")	    /* IP version field is not 6 */                   \
	X(BAD_LENGTH, "bad_length")	    /* payload length runs past the frame */          \
	X(HOP_LIMIT, "hop_limit")	    /* hop limit exhausted (ICMPv6 sent if allowed) */\
	X(SPOOFED_SRC, "spoofed_src")	    /* access source not delegated to this MN */      \
	X(UNKNOWN_SRC_RATELIMITED, "unknown_src_ratelimited") /* over the unknown_src bucket */ \
	X(UNKNOWN_PEER, "unknown_peer")	    /* ip6ip6 from an outer source we do not know */  \
	X(BAD_INNER, "bad_inner")	    /* ip6ip6 whose inner header is short/inconsistent */\
	X(TUNNEL_MISMATCH, "tunnel_mismatch") /* inner addresses not bound to this peer */    \
	X(ECN, "ecn")			    /* RFC 6040: CE outer over Not-ECT inner */       \
	X(NO_ROUTE, "no_route")		    /* no binding and no route for the destination */ \
	X(NO_NEIGHBOUR, "no_neighbour")	    /* next hop link-layer address not resolved */    \
	X(MULTICAST, "multicast")	    /* multicast we do not route (MLD, ...) */        \
	X(LINK_LOCAL, "link_local")	    /* link-local destination that is not ours */     \
	X(EXC_RING_FULL, "exc_ring_full")   /* control lcore busy: exception ring full */     \
	X(TX_FULL, "tx_full")		    /* TX queue did not take the packet */            \
	X(NO_MBUF, "no_mbuf")		    /* could not grow the packet headroom */

#define DMM_X_ENUM(e, s) DMM_DROP_##e,
enum dmm_drop_reason { DMM_DROP_REASONS(DMM_X_ENUM) DMM_DROP_MAX };
#undef DMM_X_ENUM

/* Why a packet went to the control lcore. */
#define DMM_EXC_REASONS(X)                                                                 \
	X(ND, "nd")		/* ICMPv6 RS/RA/NS/NA/Redirect (RFC 4861) */                   \
	X(LOCAL, "local")	/* addressed to the MAAR itself: MH, echo, ... */              \
	X(HOP_LIMIT, "hop_limit") /* hop limit exhausted: Time Exceeded (RFC 4443 §3.3) */     \
	X(TOO_BIG, "too_big")	/* larger than the tunnel MTU: Packet Too Big (RFC 2473 §7) */  \
	X(UNKNOWN_SRC, "unknown_src") /* access source no MN here owns: attach detection */

#define DMM_X_ENUM(e, s) DMM_EXC_##e,
enum dmm_exc_reason { DMM_EXC_REASONS(DMM_X_ENUM) DMM_EXC_MAX };
#undef DMM_X_ENUM

struct dmm_wstats {
	uint64_t rx;	     /* packets received */
	uint64_t tx;	     /* packets handed to a TX queue and accepted */
	uint64_t routed;     /* natively routed (uplink to core, access hairpin) */
	uint64_t delivered;  /* delivered to an MN on an access port */
	uint64_t encap;	     /* ip6ip6 encapsulated */
	uint64_t decap;	     /* ip6ip6 decapsulated */
	uint64_t trimmed;    /* frames longer than the IPv6 packet (padding removed) */
	uint64_t exception;  /* handed to the control lcore */
	uint64_t exc[DMM_EXC_MAX];
	uint64_t drop[DMM_DROP_MAX];
	uint64_t ops_applied;	/* table ops applied to this replica */
	uint64_t ops_failed;	/* ops the replica rejected (table full): logged */
	uint64_t idle_sleeps;	/* --idle-sleep-us sleeps taken */
	uint64_t busy_cycles;	/* TSC cycles spent on non-empty bursts */
} __rte_cache_aligned;

extern const char *const dmm_drop_names[DMM_DROP_MAX];
extern const char *const dmm_exc_names[DMM_EXC_MAX];

#endif
