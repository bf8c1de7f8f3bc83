/* SPDX-License-Identifier: BSD-3-Clause */
/* The access link of one MAAR as a sans-I/O state machine (issue 4): which MNs are on the
 * access ports, their DLIFs (RFC 8885 §3.7), the Router Advertisements each DLIF sends, the
 * Neighbour Advertisements answering an MN that resolves a DLIF address, and NUD of the MNs
 * (RFC 4861 §7.3). A pure function of (state, event, now) returning actions: no sockets, no
 * clock, no DPDK, no packet encoding (the adapter builds the ND/RA packets from the action
 * structs).
 *
 * It sits next to the MAAR session machine (maar_sm.h). The adapter wires them together:
 *
 *   access ATTACH {nai, mac, port}      -> dmm_maar_attach(nai, mac)
 *   access DETACH {nai}                 -> dmm_maar_detach(nai)       (NUD failure, RFC 8885 §3.5)
 *   maar ADVERTISE                      -> dmm_access_advertise(nai, prefix, valid, preferred,
 *                                                               anchor, dlif, anchor == own addr)
 *   maar WITHDRAW                       -> dmm_access_withdraw(nai, prefix)
 *   maar EVENT ANCHOR_MOVED (the MN is now served elsewhere), or an attach the MAAR machine
 *   refused                             -> dmm_access_forget(nai), BEFORE the WITHDRAWs of the
 *                                          same action list (so no final RA goes to a link the
 *                                          MN has left; the WITHDRAWs are then ignored)
 *
 * One instance per MAAR covers every access port; an MN is on one port (the last it was heard
 * on). All times are ms on the caller's clock (any monotonic clock; the machine never reads
 * one). Choices are marked [choice] here and listed in controlplane/README.md "Access link".
 */
#ifndef DMM_ACCESS_SM_H
#define DMM_ACCESS_SM_H

#include <stdbool.h>
#include <stdint.h>

#include "dmm_ip6.h"
#include "dmm_mh.h"
#include "maar_sm.h"

/* Who may attach. */
enum dmm_access_policy {
	DMM_ACCESS_POLICY_ANY = 0,   /* every unicast link-layer address; NAI derived */
	DMM_ACCESS_POLICY_ALLOWLIST, /* only cfg.allow[]; NAI derived */
	DMM_ACCESS_POLICY_TABLE,     /* only cfg.table[]; NAI from the table */
};

struct dmm_access_table_entry {
	uint8_t mac[6];
	const char *nai; /* 1..DMM_MH_NAI_MAX octets; copied */
};

#define DMM_ACCESS_MAX_DLIF (DMM_MAAR_MAX_REMOTE + 1) /* one per anchor: 16 P-MAARs + own */
#define DMM_ACCESS_MAX_PIO  4			      /* prefixes per DLIF (one in practice) */
#define DMM_ACCESS_MAX_RIO  8			      /* Local Prefixes per DLIF (RFC 4191 RIO) */

/* RFC 4191 §2.1 preference values (2-bit signed field). */
enum dmm_access_prf {
	DMM_ACCESS_PRF_MEDIUM = 0,
	DMM_ACCESS_PRF_HIGH = 1,
	DMM_ACCESS_PRF_LOW = 3,
};

struct dmm_access_config {
	enum dmm_access_policy policy;
	const uint8_t (*allow)[6]; /* ALLOWLIST: n_allow MACs, copied */
	unsigned n_allow;
	const struct dmm_access_table_entry *table; /* TABLE: copied; MACs and NAIs unique */
	unsigned n_table;
	/* [choice] derived MN-ID: 12 lowercase hex digits of the MAC "@" nai_realm, e.g.
	 * "020000000101@mn.example" (RFC 7542 NAI; one stable identity per MAC). Copied. */
	const char *nai_realm; /* default "mn.invalid" */
	/* Own MAAR address: the own DLIF identity (dmm_maar_dlif_derive) is the source of NUD
	 * probes to an MN that has no DLIF yet (RFC 5213 §6.9.2: no RA before the PBA, but the
	 * MAAR must still know whether the MN is there). Zero: such MNs are not probed. */
	struct dmm_ip6 addr;
	uint32_t max_mns;	    /* default 65536, at most 1 << 24 */
	uint32_t router_lifetime_s; /* own DLIF (default 1800, RFC 4861 §6.2.1 AdvDefaultLifetime
				     * = 3 x MaxRtrAdvInterval); 0 or ra_interval..9000 s */
	uint32_t pmaar_router_lifetime_s; /* P-MAAR DLIFs (default 1800: the MN keeps them as
					   * routers, with preference low) */
	uint32_t ra_interval_ms;	  /* unsolicited RA round per MN (default 60000) */
	uint8_t ra_jitter_pct;		  /* each round 0..pct % early, from a seeded hash of the
					   * MAC and round number (default 10; 0 = exact) */
	uint32_t ra_min_delay_ms;	  /* between two RAs of one DLIF to its MN (default 3000,
					   * RFC 4861 MIN_DELAY_BETWEEN_RAS); later ones wait */
	uint16_t link_mtu;		  /* MTU option (default 1460 = 1500 - 40, the tunnel MTU:
					   * RFC 5213 §6.9.2); 0 = no option */
	uint8_t cur_hop_limit;		  /* RA Cur Hop Limit (default 64) */
	uint32_t adv_reachable_ms;	  /* RA Reachable Time (default 0 = unspecified) */
	uint32_t adv_retrans_ms;	  /* RA Retrans Timer (default 0 = unspecified) */
	uint32_t nud_reachable_ms;	  /* REACHABLE_TIME (30000): quiet this long -> probe */
	uint32_t nud_retrans_ms;	  /* RETRANS_TIMER (1000) between probes */
	uint8_t nud_max_probes;		  /* MAX_UNICAST_SOLICIT (3) */
	uint32_t refuse_log_ms;		  /* at most one REFUSED event per reason per this (1000) */
	uint64_t hash_seed;		  /* index hashing and RA jitter */
};

void dmm_access_config_default(struct dmm_access_config *cfg);

/* ---- actions ---------------------------------------------------------------------------- */

enum dmm_access_action_type {
	DMM_ACCESS_ACT_ATTACH = 1, /* nai, mac, port: call dmm_maar_attach(nai, mac) */
	DMM_ACCESS_ACT_DETACH,	   /* nai: NUD failed, call dmm_maar_detach(nai) */
	DMM_ACCESS_ACT_SEND_RA,	   /* ra */
	DMM_ACCESS_ACT_SEND_NA,	   /* na */
	DMM_ACCESS_ACT_SEND_NS,	   /* ns (NUD probe) */
	DMM_ACCESS_ACT_ARM,	   /* call dmm_access_tick() at at_ms (one timer, replaces) */
	DMM_ACCESS_ACT_EVENT,	   /* event for the log/timeline */
};

enum dmm_access_event {
	DMM_ACCESS_EV_ATTACHED = 1, /* new MN admitted */
	DMM_ACCESS_EV_REATTACHED,   /* an MN detached by NUD spoke again */
	DMM_ACCESS_EV_PORT_CHANGED, /* heard on another access port: ATTACH repeated */
	DMM_ACCESS_EV_NUD_FAILED,   /* no answer to nud_max_probes probes: DETACH */
	DMM_ACCESS_EV_REFUSED,	    /* attach refused: reason, suppressed */
	DMM_ACCESS_EV_DLIF_ADDED,   /* anchor, dlif */
	DMM_ACCESS_EV_DLIF_REMOVED, /* anchor, dlif */
	DMM_ACCESS_EV_FORGOTTEN,    /* dmm_access_forget, or all DLIFs of a detached MN gone */
};

enum dmm_access_refuse {
	DMM_ACCESS_REFUSE_POLICY = 0, /* not in the allowlist / table */
	DMM_ACCESS_REFUSE_FULL,	      /* max_mns */
	DMM_ACCESS_REFUSE_BAD_MAC,    /* multicast or zero source MAC */
	DMM_ACCESS_REFUSE_NOMEM,
	DMM_ACCESS_REFUSE_N,
};

#define DMM_ACCESS_NA_R 0x80 /* RFC 4861 §4.4 flags, as in the NA's first octet */
#define DMM_ACCESS_NA_S 0x40
#define DMM_ACCESS_NA_O 0x20

struct dmm_access_pio {
	struct dmm_prefix prefix; /* /64 */
	bool l, a;		  /* on-link, autonomous: both set */
	uint32_t valid_s, preferred_s;
};

struct dmm_access_rio {
	struct dmm_prefix prefix;
	uint32_t lifetime_s;
	enum dmm_access_prf prf;
};

struct dmm_access_ra {
	uint16_t port;
	uint8_t dst_mac[6];    /* always the MN's: unicast at L2 */
	struct dmm_ip6 dst;    /* the MN's link-local, else ff02::1 */
	uint8_t src_mac[6];    /* the DLIF's MAC (also the Source Link-Layer Address option) */
	struct dmm_ip6 src;    /* the DLIF's link-local */
	struct dmm_ip6 anchor; /* which anchor's DLIF (for logs) */
	bool is_own;
	bool final; /* the last RA of a withdrawn prefix / removed DLIF */
	uint8_t cur_hop_limit;
	uint16_t router_lifetime_s;
	enum dmm_access_prf prf; /* Default Router Preference (RFC 4191 §2.2) */
	uint32_t reachable_ms, retrans_ms;
	uint16_t mtu; /* 0 = no MTU option */
	uint8_t n_pio, n_rio;
	struct dmm_access_pio pio[DMM_ACCESS_MAX_PIO];
	struct dmm_access_rio rio[2 * DMM_ACCESS_MAX_RIO]; /* live, then withdrawn (lifetime 0) */
};

struct dmm_access_na {
	uint16_t port;
	uint8_t dst_mac[6];
	struct dmm_ip6 dst; /* the NS's source */
	uint8_t src_mac[6]; /* the DLIF's MAC, also the Target Link-Layer Address option */
	struct dmm_ip6 src; /* the DLIF's link-local (= target) */
	struct dmm_ip6 target;
	uint8_t tlla[6];
	uint8_t flags; /* DMM_ACCESS_NA_R | S | O */
};

struct dmm_access_ns {
	uint16_t port;
	uint8_t dst_mac[6]; /* the MN's MAC (unicast probe, RFC 4861 §7.3.3) */
	struct dmm_ip6 dst; /* the MN's link-local */
	uint8_t src_mac[6]; /* a DLIF of the MN (own first), also the SLLA option */
	struct dmm_ip6 src;
	struct dmm_ip6 target; /* = dst */
	uint8_t probe;	       /* 1..nud_max_probes */
};

struct dmm_access_action {
	enum dmm_access_action_type type;
	char nai[DMM_MH_NAI_MAX + 1];  /* ATTACH, DETACH, SEND_*, EVENT (empty if no MN) */
	uint8_t mac[6];		       /* ATTACH, EVENT: the MN's MAC */
	uint16_t port;		       /* ATTACH, EVENT */
	uint64_t at_ms;		       /* ARM */
	enum dmm_access_event event;   /* EVENT */
	enum dmm_access_refuse reason; /* EVENT REFUSED */
	uint32_t suppressed;	       /* EVENT REFUSED: refusals not reported since the last */
	struct dmm_ip6 anchor;	       /* EVENT DLIF_* */
	struct dmm_maar_dlif dlif;     /* EVENT DLIF_* */
	union {
		struct dmm_access_ra ra;
		struct dmm_access_na na;
		struct dmm_access_ns ns;
	};
};

#define DMM_ACCESS_MAX_ACTIONS 64

struct dmm_access_actions {
	unsigned n;
	struct dmm_access_action a[DMM_ACCESS_MAX_ACTIONS];
};

enum dmm_access_result {
	DMM_ACCESS_DONE = 0,
	DMM_ACCESS_IGNORED = 1, /* nothing to do (unknown MN / prefix, DAD, ...): counted */
	DMM_ACCESS_MORE = 2,	/* tick: more is due, call again (ARM now was emitted) */
	DMM_ACCESS_REFUSED = 3, /* attach refused by policy or capacity: counted */
};

struct dmm_access_stats {
	uint64_t rx_rs, rx_ns, rx_na, rx_unknown_src, rx_traffic;
	uint64_t ns_dad_ignored; /* NS from :: (DAD of an MN address) */
	uint64_t ns_not_dlif;	 /* NS for a target that is none of the MN's DLIFs */
	uint64_t rx_unknown_mn;	 /* NA/traffic from an unknown MAC: not attach evidence */
	uint64_t attach, reattach, port_changes, nud_failed, forgotten;
	uint64_t refused[DMM_ACCESS_REFUSE_N];
	uint64_t events_suppressed; /* REFUSED events left out by refuse_log_ms */
	uint64_t ra_sent, ra_solicited, ra_changed, ra_periodic, ra_final, ra_delayed;
	uint64_t na_sent, ns_sent;
	uint64_t dlif_added, dlif_removed;
	uint64_t adv_unknown_mn;   /* ADVERTISE / local prefixes for an MN not on the link */
	uint64_t withdraw_unknown; /* WITHDRAW of an unknown MN or prefix */
	uint64_t dlif_full, pio_full, rio_full;
	uint64_t bad_input; /* malformed arguments (NAI length, prefix, ...) */
};

/* ---- the state machine ------------------------------------------------------------------ */

struct dmm_access;

/* NULL with *err = -EINVAL (bad config) or -ENOMEM. */
struct dmm_access *dmm_access_new(const struct dmm_access_config *cfg, int *err);
void dmm_access_free(struct dmm_access *a);

/* Every function below resets out->n and returns DONE, IGNORED, REFUSED, MORE (tick) or
 * -EINVAL (NULL arguments). mac is 6 octets. */

/* Router Solicitation from mac (src :: or the MN's link-local): attach evidence, then one RA
 * per DLIF of the MN (RFC 4861 §6.2.6, unicast). */
int dmm_access_rx_rs(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		     const struct dmm_ip6 *src, struct dmm_access_actions *out);
/* First frame from a link-layer address the fast path does not know (punted). src: its IPv6
 * source or NULL; a link-local one is learnt as the MN's address. Attach evidence. */
int dmm_access_rx_unknown_src(struct dmm_access *a, uint64_t now_ms, uint16_t port,
			      const uint8_t *mac, const struct dmm_ip6 *src,
			      struct dmm_access_actions *out);
/* Neighbour Solicitation from mac. src :: (DAD) is ignored; otherwise attach evidence, and a
 * target that is one of the MN's DLIF link-locals is answered (NA R|S|O, TLLA = DLIF MAC). */
int dmm_access_rx_ns(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		     const struct dmm_ip6 *src, const struct dmm_ip6 *target,
		     struct dmm_access_actions *out);
/* Neighbour Advertisement from mac: confirms reachability of a known MN (any NA counts). */
int dmm_access_rx_na(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		     const struct dmm_ip6 *target, uint8_t flags, struct dmm_access_actions *out);
/* Optional hint: the fast path saw traffic from mac (reachability confirmation, RFC 4861
 * §7.3.1 upper-layer hint). Never attaches. */
int dmm_access_rx_traffic(struct dmm_access *a, uint64_t now_ms, const uint8_t *mac,
			  struct dmm_access_actions *out);
/* The operator attached an MN by hand (dmmctl mn attach --ll-id): known from now on, without
 * policy and without an ATTACH action (the adapter already called dmm_maar_attach). */
int dmm_access_add_mn(struct dmm_access *a, uint64_t now_ms, uint16_t port, const uint8_t *mac,
		      const char *nai, struct dmm_access_actions *out);

/* From the MAAR machine's ADVERTISE: prefix offered to MN nai on the DLIF of anchor (its
 * identity dlif); is_own = the anchor is this MAAR. Creates the DLIF at its first prefix;
 * RA now (rate-limited per DLIF). */
int dmm_access_advertise(struct dmm_access *a, uint64_t now_ms, const char *nai,
			 const struct dmm_prefix *prefix, uint32_t valid_s, uint32_t preferred_s,
			 const struct dmm_ip6 *anchor, const struct dmm_maar_dlif *dlif,
			 bool is_own, struct dmm_access_actions *out);
/* From WITHDRAW: final RA (PIO 0/0, router lifetime 0 when the DLIF has nothing left), then the
 * prefix and an empty DLIF go. */
int dmm_access_withdraw(struct dmm_access *a, uint64_t now_ms, const char *nai,
			const struct dmm_prefix *prefix, struct dmm_access_actions *out);
/* RFC 8885 §3.7 / D3: the Local Prefixes (option 66) of anchor for MN nai become RFC 4191 Route
 * Information options on that anchor's DLIF (replacing the previous set; routes no longer
 * listed are sent once with lifetime 0). The DLIF must exist (after the ADVERTISE). */
int dmm_access_local_prefixes(struct dmm_access *a, uint64_t now_ms, const char *nai,
			      const struct dmm_ip6 *anchor, const struct dmm_prefix *prefixes,
			      unsigned n, struct dmm_access_actions *out);
/* The MN is served elsewhere now (or the MAAR machine refused it): forget it, no RA. */
int dmm_access_forget(struct dmm_access *a, uint64_t now_ms, const char *nai,
		      struct dmm_access_actions *out);
/* Timers due at now_ms: RAs (periodic, delayed), NUD probes and failures. DONE or MORE. */
int dmm_access_tick(struct dmm_access *a, uint64_t now_ms, struct dmm_access_actions *out);

/* The MN-ID the policy gives mac (derived or from the table) into buf (DMM_MH_NAI_MAX + 1).
 * 0, or -EPERM when the policy refuses mac. */
int dmm_access_nai_for(const struct dmm_access *a, const uint8_t *mac, char *buf);

/* ---- inspection --------------------------------------------------------------------------- */

enum dmm_access_mn_state {
	DMM_ACCESS_MN_REACHABLE = 1, /* heard within nud_reachable_ms */
	DMM_ACCESS_MN_PROBE,	     /* NUD probes out */
	DMM_ACCESS_MN_DETACHED,	     /* NUD failed; DLIFs kept until withdrawn, no RA */
};

struct dmm_access_dlif_info {
	struct dmm_ip6 anchor;
	struct dmm_maar_dlif id;
	bool is_own;
	uint8_t n_pfx, n_rio;
	struct dmm_prefix pfx[DMM_ACCESS_MAX_PIO];
	uint64_t valid_until_ms[DMM_ACCESS_MAX_PIO], preferred_until_ms[DMM_ACCESS_MAX_PIO];
	struct dmm_prefix rio[DMM_ACCESS_MAX_RIO];
	uint64_t last_ra_ms;
};

struct dmm_access_mn {
	char nai[DMM_MH_NAI_MAX + 1];
	uint8_t mac[6];
	uint16_t port;
	enum dmm_access_mn_state state;
	bool has_lla;
	struct dmm_ip6 lla;
	uint8_t probes; /* PROBE: probes sent */
	uint64_t last_heard_ms, next_ra_ms;
	uint8_t n_dlif;
	struct dmm_access_dlif_info dlif[DMM_ACCESS_MAX_DLIF];
};

/* 0 or -ENOENT. */
int dmm_access_lookup(const struct dmm_access *a, const char *nai, struct dmm_access_mn *mn);
int dmm_access_lookup_mac(const struct dmm_access *a, const uint8_t *mac, struct dmm_access_mn *mn);
uint32_t dmm_access_count(const struct dmm_access *a);
const struct dmm_access_stats *dmm_access_get_stats(const struct dmm_access *a);
const char *dmm_access_event_name(enum dmm_access_event e);
const char *dmm_access_refuse_name(enum dmm_access_refuse r);

#endif
