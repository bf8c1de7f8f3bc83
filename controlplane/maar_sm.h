/* SPDX-License-Identifier: BSD-3-Clause */
/* The MAAR (Mobility Anchor and Access Router, RFC 8885 §3) session logic as a sans-I/O state
 * machine: a pure function of (state, event, now) that returns actions. No sockets, no clock,
 * no DPDK. dmm-maar's control lcore feeds it MN attach/detach events and parsed Mobility
 * Headers and performs the actions (send a message, change forwarding state, advertise or
 * withdraw a prefix, arm the one timer); the domain simulation (test/sim) runs the same code.
 *
 * One session per MN (keyed by MN-ID, an NAI). A MAAR plays up to two roles for an MN:
 *
 *   serving (S-MAAR)   the MN is attached here. The MAAR anchors one prefix for it, taken from
 *                      its pool at the first attach (or the prefix it already anchors for the MN,
 *                      when the MN comes back), registers it with the CMD (PBU HI=1, or HI=3 for
 *                      a returning MN), refreshes it (HI=5) while the MN stays, and keeps one
 *                      "remote anchor" per P-MAAR {address, prefix, DLIF} learned from Previous
 *                      MAAR options (relay, proxy) or from P-MAARs' direct PBAs (locator).
 *   anchoring (P-MAAR) the MN moved on: a PBU from the CMD with a Serving MAAR option names the
 *                      new S-MAAR; the prefix is tunnelled there (G12: the endpoint comes from
 *                      the option, not from the IPv6 source, which is the CMD).
 *
 * Forwarding state is described by actions on /64 bindings and on tunnels to peer MAARs, with
 * the flags of dataplane/dp_tables.h: ANCHORED|ATTACHED (plain router), ANCHORED + tunnel peer
 * (downlink tunnelled to the S-MAAR), ATTACHED + tunnel peer (prefix of a P-MAAR: uplink
 * reverse-tunnelled to it). Tunnels are reference counted here: TUNNEL_ADD when the first
 * binding needs a peer, TUNNEL_DEL after the last one stopped using it (its BIND actions come
 * first). The adapter maps a peer address to its own tunnel ids.
 *
 * A SEND with .sync = true must not leave before every earlier table action of this MAAR is in
 * force on every worker (dmm_opq_in_force): that is how a P-MAAR acknowledges a handover only
 * once its tunnel really carries the prefix (issue 3, "PBA only after the ops are in force").
 *
 * All times are milliseconds on the caller's clock, which must be the clock the Timestamp
 * option uses (ms since 1970-01-01 UTC, RFC 5213 §8.8) for the CMD's checks to pass.
 *
 * Gap choices (PROTOCOL.md §5) and MAAR-side choices are listed in controlplane/README.md and
 * marked [Gn] / [choice] at the code that makes them.
 */
#ifndef DMM_MAAR_SM_H
#define DMM_MAAR_SM_H

#include <stdbool.h>
#include <stdint.h>

#include "dmm_ip6.h"
#include "dmm_mh.h"

/* What the MAAR expects of the CMD (RFC 8885 §3.2-3.4). The MAAR needs it for one thing: in
 * locator mode a P-MAAR also sends its PBA straight to the S-MAAR (§3.3), and an S-MAAR accepts
 * such direct PBAs from configured peers. Relay and proxy behave the same at the MAAR. */
enum dmm_maar_cmd_mode {
	DMM_MAAR_CMD_RELAY = 0,
	DMM_MAAR_CMD_LOCATOR = 1,
	DMM_MAAR_CMD_PROXY = 2,
};

#define DMM_MAAR_MAX_POOL  64 /* pool prefixes */
#define DMM_MAAR_MAX_PEERS 4096
/* Local Prefixes (RFC 8885 §4.4) per anchor: what a merged PBA can tie to one Previous MAAR
 * option (dmm_mh.h convention (b)). */
#define DMM_MAAR_MAX_LOCAL DMM_MH_MAX_PMAAR_LOCAL

struct dmm_maar_config {
	struct dmm_ip6 addr; /* this MAAR's global address: MH source, tunnel endpoint */
	struct dmm_ip6 cmd;  /* the CMD */
	enum dmm_maar_cmd_mode cmd_mode;
	/* Other MAARs allowed to send PBAs directly (locator mode, RFC 8885 §3.3 and §6: security
	 * associations between MAARs are REQUIRED, so only listed peers are believed). Copied. */
	const struct dmm_ip6 *peers;
	unsigned n_peers;
	/* The prefix pool (RFC 8885 §3.1), each of length <= 64, split into /64s. Copied. Pools
	 * must not overlap (dmm_maar_new refuses it). */
	const struct dmm_prefix *pool;
	unsigned n_pool;
	/* Local-only networks reached through this MAAR (RFC 8885 §3.7, 3GPP-LIPA-like): one Local
	 * Prefix option (66) each in every accepting PBA this MAAR sends as an anchor (P5), so
	 * that the S-MAAR advertises them on this MAAR's DLIF (D3). At most DMM_MAAR_MAX_LOCAL,
	 * length 1..128, no host bits. Copied. */
	const struct dmm_prefix *local;
	unsigned n_local;
	uint32_t lifetime_s;	     /* requested in every PBU (default 3600) */
	uint8_t dereg_variant;	     /* RFC 8885 §3.5: 1 (default) or 2 */
	uint32_t detach_grace_ms;    /* after an L2 detach of an MN served here, how long to wait
				      * for it to show up at another MAAR before de-registering
				      * (RFC 8885 §3.5: detach alone never de-registers); default
				      * 5000 */
	uint32_t initial_bindack_ms; /* INITIAL_BINDACK_TIMEOUT, RFC 6275 §12 (1000) */
	uint32_t max_bindack_ms;     /* MAX_BINDACK_TIMEOUT (32000) */
	uint8_t max_update_rate;     /* PBUs per second per destination node (RFC 8885 §3.6,
				      * RFC 6275 MAX_UPDATE_RATE = 3); 0 = no limit */
	uint32_t min_delay_bce_delete_ms; /* a released prefix stays out of the pool this long
					   * (MinDelayBeforeBCEDelete, RFC 5213 §9.1: 10000) */
	uint32_t max_mns;		  /* sessions (serving + anchoring); default 65536 */
	uint8_t att;			  /* Access Technology Type sent (default 3, 802.3) */
	uint64_t hash_seed;
};

/* Defaults as listed above; addr, cmd, pool and peers are left empty. */
void dmm_maar_config_default(struct dmm_maar_config *cfg);

/* ---- actions ---------------------------------------------------------------------------- */

enum dmm_maar_action_type {
	DMM_MAAR_ACT_SEND = 1,	 /* send msg from cfg.addr to dst (sync: see above) */
	DMM_MAAR_ACT_ARM,	 /* (re)arm the single timer: call dmm_maar_tick() at at_ms */
	DMM_MAAR_ACT_TUNNEL_ADD, /* first user of a tunnel to peer */
	DMM_MAAR_ACT_TUNNEL_DEL, /* last user of the tunnel to peer gone */
	DMM_MAAR_ACT_BIND_SET,	 /* add or replace the /64 binding of prefix */
	DMM_MAAR_ACT_BIND_DEL,	 /* remove the /64 binding of prefix */
	DMM_MAAR_ACT_ADVERTISE,	 /* (serving) offer prefix to the MN: RA on the DLIF of the
				  * prefix's anchor (issue 4); also carries that anchor's
				  * complete Local Prefix set (n_local, local: D3) */
	DMM_MAAR_ACT_WITHDRAW,	 /* (serving) final RA with lifetime 0 for prefix */
	DMM_MAAR_ACT_EVENT,	 /* something an operator wants in the log/timeline: event */
};

/* Binding flags, the same values as dataplane/dp_tables.h DMM_BIND_*. */
#define DMM_MAAR_BIND_ANCHORED 0x01
#define DMM_MAAR_BIND_ATTACHED 0x02

/* A DLIF identity (RFC 8885 §3.7): the logical router one anchoring MAAR is for one MN. */
struct dmm_maar_dlif {
	uint8_t mac[6];	    /* locally administered, unicast */
	struct dmm_ip6 lla; /* fe80::/64 + modified EUI-64 of mac */
};

/* Operator-visible events (DMM_MAAR_ACT_EVENT). */
enum dmm_maar_event {
	DMM_MAAR_EV_REGISTERED = 1, /* PBA 0 for an initial registration */
	DMM_MAAR_EV_HANDOVER_DONE,  /* PBA 0 for a PBU after a move (serving side) */
	DMM_MAAR_EV_REFRESHED,
	DMM_MAAR_EV_REJECTED,	  /* PBA status >= 128: status in .status */
	DMM_MAAR_EV_ANCHOR_MOVED, /* anchoring side: prefix now tunnelled to .peer */
	DMM_MAAR_EV_ANCHOR_ADDED, /* serving side: remote anchor .peer / .prefix */
	DMM_MAAR_EV_DEREGISTERED, /* session gone (de-registration, expiry, CMD cleanup) */
	DMM_MAAR_EV_POOL_EMPTY,	  /* attach refused: no free prefix */
	DMM_MAAR_EV_TABLE_FULL,	  /* attach refused: max_mns sessions */
	DMM_MAAR_EV_GIVE_UP,	  /* PBA echo mismatch (RFC 5213 §6.9.1.2): no more retries */
};

struct dmm_maar_action {
	enum dmm_maar_action_type type;
	char nai[DMM_MH_NAI_MAX + 1]; /* the MN concerned (all but ARM and TUNNEL_*) */
	struct dmm_ip6 dst;	      /* SEND */
	bool sync;		      /* SEND: only after earlier table actions are in force */
	uint64_t at_ms;		      /* ARM */
	struct dmm_ip6 peer;	      /* TUNNEL_*, BIND_SET with a tunnel, ADVERTISE/EVENT anchor */
	struct dmm_prefix prefix;     /* BIND_*, ADVERTISE, WITHDRAW, EVENT */
	uint8_t flags;		      /* BIND_SET: DMM_MAAR_BIND_*; tunnel via peer unless both */
	bool has_ll_id;		      /* BIND_SET with ATTACHED: MN link-layer address known */
	uint8_t ll_id[6];
	/* ADVERTISE: lifetimes for the Prefix Information option and the DLIF to send it from. */
	uint32_t valid_s, preferred_s; /* preferred 0 for a P-MAAR's prefix (RFC 8885 §3.7) */
	struct dmm_maar_dlif dlif;
	/* ADVERTISE: the Local Prefixes (66) the anchor reported, to become RFC 4191 Route
	 * Information options on its DLIF (dmm_access_local_prefixes, which replaces the set:
	 * an empty set removes routes sent before). Always 0 for this MAAR's own DLIF.
	 * local_set: the set is new to the access link (the anchor's first ADVERTISE with a
	 * non-empty set, or the set changed): the adapter passes it on after the ADVERTISE. A
	 * re-ADVERTISE (refresh, return within the grace) leaves it false: unchanged. */
	bool local_set;
	uint8_t n_local;
	struct dmm_prefix local[DMM_MAAR_MAX_LOCAL];
	enum dmm_maar_event event; /* EVENT */
	uint8_t status;		   /* EVENT REJECTED */
	struct dmm_mh_msg msg;	   /* SEND */
};

#define DMM_MAAR_MAX_ACTIONS 64

struct dmm_maar_actions {
	unsigned n;
	struct dmm_maar_action a[DMM_MAAR_MAX_ACTIONS];
};

enum dmm_maar_result {
	DMM_MAAR_DONE = 0,
	DMM_MAAR_IGNORED = 1, /* dropped and counted, no actions */
	DMM_MAAR_MORE = 2,    /* dmm_maar_tick(): more timers are due; call again */
};

struct dmm_maar_stats {
	uint64_t attach, detach, attach_refused_pool, attach_refused_full;
	uint64_t pbu_sent, pbu_retx, pbu_paced, pba_sent, pba_direct_sent;
	uint64_t rx_pba, rx_pbu, rx_other;
	uint64_t drop_unknown_src;   /* not the CMD, not a listed peer */
	uint64_t drop_pba_unmatched; /* PBA matching no outstanding PBU (RFC 5213 §6.9.1.2) */
	uint64_t drop_pba_mismatch;  /* echoed MN-ID/HI/ATT differ (S4) */
	uint64_t pbu_no_session;     /* PBU with Serving MAAR for an unknown MN: 128 sent (P9) */
	uint64_t registrations, handovers, refreshes, rejections;
	uint64_t anchor_moves, remote_anchors_added, deregistrations, expirations;
	uint64_t prefixes_allocated, prefixes_released;
	/* Added with the implementation (maar_sm.c). */
	uint64_t drop_malformed;     /* missing MN-ID / HNP, prefix length != 64, bad echo ... */
	uint64_t drop_dereg_unknown; /* lifetime-0 PBU from the CMD for an unknown MN: ignored */
	uint64_t remote_skipped;     /* Previous MAAR option not usable (own address, not a /64,
				      * remote list or peer table full) */
	uint64_t events_dropped;     /* ANCHOR_ADDED events left out for lack of action room */
	uint64_t pba_rejected_sent;  /* PBAs >= 128 sent (P9 128, 155) */
	/* Added with the simulation fixes (F1-F7, controlplane/README.md "MAAR choices"). */
	uint64_t pbu_stale;	 /* forwarded PBU not newer than what this MAAR knows: PBA 0,
				  * nothing changed (F4) */
	uint64_t dereg_renewed;	 /* de-registration answered 0 with a lifetime: kept as an
				  * anchor (F1) */
	uint64_t prefix_retried; /* 155 to a registration: another prefix tried (F6) */
	/* Local Prefix (66, P5/D3). */
	uint64_t local_updates; /* a known remote anchor's Local Prefix set changed */
	uint64_t local_dropped; /* 66s beyond DMM_MAAR_MAX_LOCAL in a direct PBA: left out */
};

/* ---- the state machine ------------------------------------------------------------------ */

struct dmm_maar;

/* NULL with *err = -EINVAL (bad config: no address, pool prefix longer than /64 or overlapping
 * another, dereg_variant not 1 or 2, locator mode without peers, a bad or surplus local prefix)
 * or -ENOMEM. */
struct dmm_maar *dmm_maar_new(const struct dmm_maar_config *cfg, int *err);
void dmm_maar_free(struct dmm_maar *m);

/* The MN nai (NUL-terminated) appeared on the access link (RS, first frame, or dmmctl mn
 * attach). ll_id: its link-layer address (6 octets) or NULL. Starts or resumes serving it.
 * Returns DONE, or -ENOSPC (pool empty / table full: refused, counted, EVENT emitted). */
int dmm_maar_attach(struct dmm_maar *m, uint64_t now_ms, const char *nai, const uint8_t *ll_id,
		    struct dmm_maar_actions *out);
/* The MN left the access link (NUD failure, dmmctl mn detach). Starts the detach grace; the
 * session is de-registered when it ends unless the CMD reports a new S-MAAR first.
 * IGNORED for an MN not served here. */
int dmm_maar_detach(struct dmm_maar *m, uint64_t now_ms, const char *nai,
		    struct dmm_maar_actions *out);
/* One parsed MH from src (already checksum-verified). */
int dmm_maar_input(struct dmm_maar *m, uint64_t now_ms, const struct dmm_ip6 *src,
		   const struct dmm_mh_msg *msg, struct dmm_maar_actions *out);
/* Timers due at now_ms: retransmissions, paced PBUs, refreshes, detach grace, expiry, prefix
 * release. DONE or MORE. */
int dmm_maar_tick(struct dmm_maar *m, uint64_t now_ms, struct dmm_maar_actions *out);
/* The CMD restarted and lost its binding cache (Heartbeat Restart Counter changed, RFC 5847
 * §5.2): re-register every session served here (the PBUs go out paced, via tick). */
int dmm_maar_cmd_restarted(struct dmm_maar *m, uint64_t now_ms, struct dmm_maar_actions *out);

/* The DLIF identity of anchoring MAAR anchor for MN nai: a pure function of both, so every
 * MAAR computes the same one and the MN sees the same router for that anchor wherever it goes
 * (RFC 8885 §3.7 "by other means"; also what options 69/70 carry). */
void dmm_maar_dlif_derive(const struct dmm_ip6 *anchor, const char *nai, struct dmm_maar_dlif *out);

/* ---- inspection (dmmctl, tests, simulation) --------------------------------------------- */

enum dmm_maar_sess_state {
	DMM_MAAR_S_REGISTERING = 1, /* serving: PBU sent, no accepting PBA yet */
	DMM_MAAR_S_SERVING,	    /* serving: registered */
	DMM_MAAR_S_DETACHED,	    /* serving: MN gone, in detach grace */
	DMM_MAAR_S_DEREGISTERING,   /* serving: lifetime-0 PBU sent */
	DMM_MAAR_S_ANCHOR,	    /* anchoring only: prefix tunnelled to the S-MAAR */
	DMM_MAAR_S_ANCHOR_DEREG,    /* anchoring, variant 2: lifetime-0 PBU sent */
};

#define DMM_MAAR_MAX_REMOTE DMM_MH_MAX_PMAAR

struct dmm_maar_remote {
	struct dmm_ip6 addr;   /* the P-MAAR */
	struct dmm_prefix pfx; /* the MN's prefix it anchors */
	struct dmm_maar_dlif dlif;
	uint8_t n_local; /* its Local Prefixes (66), as last reported */
	struct dmm_prefix local[DMM_MAAR_MAX_LOCAL];
};

struct dmm_maar_session {
	char nai[DMM_MH_NAI_MAX + 1];
	enum dmm_maar_sess_state state;
	struct dmm_prefix pfx; /* the prefix anchored here */
	bool has_ll_id;
	uint8_t ll_id[6];
	struct dmm_ip6 smaar; /* ANCHOR*: where the prefix is tunnelled */
	uint8_t n_remote;     /* serving: P-MAARs' prefixes, oldest first */
	struct dmm_maar_remote remote[DMM_MAAR_MAX_REMOTE];
	uint64_t expire_ms; /* binding lifetime end (0 = no timer: variant 1 anchor) */
	uint16_t last_seq;
	bool pbu_outstanding;
	uint32_t retx_ms; /* current retransmission timeout */
	/* Added with the implementation: the session's other deadlines (0 = none). */
	uint64_t refresh_ms; /* SERVING: next HI=5 refresh */
	uint64_t grace_ms;   /* DETACHED: end of the detach grace */
	uint64_t retx_at_ms; /* outstanding PBU: next retransmission (DEREGISTERING: removal) */
	bool pbu_queued;     /* a PBU waits in the MAX_UPDATE_RATE queue */
};

int dmm_maar_lookup(const struct dmm_maar *m, const char *nai, struct dmm_maar_session *s);
int dmm_maar_foreach(const struct dmm_maar *m,
		     int (*fn)(const struct dmm_maar_session *s, void *arg), void *arg);
uint32_t dmm_maar_count(const struct dmm_maar *m);
/* /64s currently allocated (in use or waiting MinDelayBeforeBCEDelete) and still free. */
uint64_t dmm_maar_pool_used(const struct dmm_maar *m);
/* /64s that can still be allocated now (never used, or released and past the delay). */
uint64_t dmm_maar_pool_free(const struct dmm_maar *m);
const struct dmm_maar_stats *dmm_maar_get_stats(const struct dmm_maar *m);

const char *dmm_maar_event_name(enum dmm_maar_event e);
const char *dmm_maar_state_name(enum dmm_maar_sess_state s);

#endif
