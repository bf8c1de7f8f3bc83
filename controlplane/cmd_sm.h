/* SPDX-License-Identifier: BSD-3-Clause */
/* The CMD (Central Mobility Database, RFC 8885 §3) as a sans-I/O state machine: a pure function
 * of (state, event, now) that returns actions. No sockets, no clock, no DPDK: the daemon
 * (dmm-cmd) feeds it parsed Mobility Header messages and timer ticks, and performs the actions
 * (send a message to an address, arm the one timer). The same code runs in the in-process
 * domain simulation.
 *
 * Binding cache: keyed by MN-ID (NAI), one entry per MN with the current Proxy-CoA (the S-MAAR),
 * the prefix it anchors, the P-MAAR list {address, prefix}, the lifetime expiry and the last
 * accepted timestamp / sequence number. Sized at creation (cfg.max_mns); lookups never allocate.
 *
 * All times are milliseconds on the caller's clock, which must be the same clock as the PBU
 * Timestamp option (ms since 1970-01-01 UTC) for the RFC 5213 §5.5 checks to mean anything.
 *
 * Gap choices (PROTOCOL.md §5) are listed in controlplane/README.md and at the code that makes
 * them.
 */
#ifndef DMM_CMD_SM_H
#define DMM_CMD_SM_H

#include <stdbool.h>
#include <stdint.h>

#include "dmm_ip6.h"
#include "dmm_mh.h"

enum dmm_cmd_mode {
	DMM_CMD_MODE_RELAY = 0,	  /* RFC 8885 §3.2: forward PBUs, collect and merge PBAs */
	DMM_CMD_MODE_LOCATOR = 1, /* RFC 8885 §3.3: forward PBUs, P-MAARs answer the S-MAAR */
	DMM_CMD_MODE_PROXY = 2, /* RFC 8885 §3.4: answer at once from the BCE, update in parallel */
};

/* One MAAR allowed to talk to the CMD. A source address not in the list is dropped silently and
 * counted (RFC 5213 §5.3.1 step 1 stands in for IPsec). A listed peer without proxy_reg gets
 * 154 MAG_NOT_AUTHORIZED_FOR_PROXY_REG for its PBUs. With a non-empty pool, a PBU (lifetime > 0)
 * whose HNP is not inside one of the pool prefixes gets 155 NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX
 * (PROTOCOL.md §3.4: in DMM the sending MAAR owns the prefix; M28). */
struct dmm_cmd_peer {
	struct dmm_ip6 addr;
	bool proxy_reg;
	const struct dmm_prefix *pool; /* copied by dmm_cmd_new(); NULL/0 = any prefix */
	unsigned n_pool;
};

#define DMM_CMD_MAX_PEERS	4096
#define DMM_CMD_MAX_SUBSCRIBERS (16u * 1024 * 1024) /* allow + proxy_disabled entries */

/* Subscriber policy (RFC 5213 §5.3.1 steps 7-8). ANY: every MN-ID is served (no subscriber
 * database). LIST: only MN-IDs listed in allow or proxy_disabled are known; a PBU for any other
 * gets 153 NOT_LMA_FOR_THIS_MOBILE_NODE (M6). Under both, an MN-ID in proxy_disabled gets 152
 * PROXY_REG_NOT_ENABLED (M7). */
enum dmm_cmd_subscriber_policy {
	DMM_CMD_SUBS_ANY = 0,
	DMM_CMD_SUBS_LIST = 1,
};
#define DMM_CMD_MAX_UPDATE_RATE 8 /* upper bound of cfg.max_update_rate */

struct dmm_cmd_config {
	struct dmm_ip6 addr; /* the CMD's own address: source of everything it sends */
	enum dmm_cmd_mode mode;
	const struct dmm_cmd_peer *peers; /* copied by dmm_cmd_new() */
	unsigned n_peers;
	uint32_t max_lifetime_s;	  /* granted = min(requested, this); 0 is invalid */
	uint32_t relay_timeout_ms;	  /* relay PBA collection timeout; 0 = wait for all */
	uint32_t min_delay_bce_delete_ms; /* MinDelayBeforeBCEDelete, RFC 5213 §9.1 (10000) */
	uint32_t ts_window_ms;		  /* TimestampValidityWindow, RFC 5213 §9.1 (300) */
	uint32_t max_mns;		  /* binding cache capacity; a new MN beyond it gets 130 */
	uint8_t max_pmaar;		  /* P-MAAR list cap, 1..DMM_MH_MAX_PMAAR (RFC 8885 §6) */
	uint64_t hash_seed;		  /* seeds the MN-ID hash */
	uint8_t max_update_rate;	  /* PBUs per second per destination (RFC 6275
					   * MAX_UPDATE_RATE, 3); 0 = no pacing */
	uint32_t initial_bindack_ms;	  /* INITIAL_BINDACK_TIMEOUT (RFC 6275 §12, 1000): first
					   * retransmission of a forwarded PBU; 0 = never retransmit */
	uint32_t max_bindack_ms; /* MAX_BINDACK_TIMEOUT (32000): back-off cap, >= initial */
	uint32_t max_paced;	 /* PBUs held back by pacing, at most (65536, >= 1) */
	/* Subscribers (M6/M7): NUL-terminated NAIs of 1..DMM_MH_NAI_MAX octets, copied and sorted
	 * by dmm_cmd_new(); an NAI in both lists, or twice in one, is -EINVAL. */
	enum dmm_cmd_subscriber_policy subscriber_policy;
	const char *const *allow;
	unsigned n_allow;
	const char *const *proxy_disabled;
	unsigned n_proxy_disabled;
};

/* RFC defaults: relay mode, 10 s MinDelayBeforeBCEDelete, 300 ms window, 65535*4 s max
 * lifetime, 1 s relay timeout, 1M MNs, 16 P-MAARs, 3 PBUs/s per destination, retransmission
 * after 1 s doubling up to 32 s, 65536 paced PBUs. addr and peers are left empty. */
void dmm_cmd_config_default(struct dmm_cmd_config *cfg);

/* ---- actions ---------------------------------------------------------------------------- */

enum dmm_cmd_action_type {
	DMM_CMD_ACT_SEND = 1, /* send msg from src to dst */
	DMM_CMD_ACT_ARM = 2,  /* (re)arm the CMD's single timer: call dmm_cmd_tick() at at_ms.
			       * Replaces any earlier arming. Emitted only when the time changes. */
};

struct dmm_cmd_action {
	enum dmm_cmd_action_type type;
	struct dmm_ip6 src; /* SEND: the CMD's address */
	struct dmm_ip6 dst; /* SEND: destination */
	uint64_t at_ms;	    /* ARM */
	struct dmm_mh_msg msg;
};

/* One input can produce at most max_pmaar PBUs + 1 eviction notice + 1 PBA + 1 ARM (PBUs over
 * MAX_UPDATE_RATE are queued inside the CMD and come out of dmm_cmd_tick()). */
#define DMM_CMD_MAX_ACTIONS (DMM_MH_MAX_PMAAR + 4)

struct dmm_cmd_actions {
	unsigned n;
	struct dmm_cmd_action a[DMM_CMD_MAX_ACTIONS];
};

/* ---- results and counters --------------------------------------------------------------- */

enum dmm_cmd_result {
	DMM_CMD_DONE = 0,    /* processed; see the actions */
	DMM_CMD_IGNORED = 1, /* dropped silently and counted (no actions) */
	DMM_CMD_MORE = 2,    /* dmm_cmd_tick(): more timers are due, call again (an ARM at now
			      * is also emitted) */
};

struct dmm_cmd_stats {
	uint64_t rx_pbu, rx_pba, rx_other;
	uint64_t drop_unknown_peer;   /* source not in the allowed MAAR list */
	uint64_t drop_not_pbu_pba;    /* BE, HB, a PBU without... anything but PBU/PBA */
	uint64_t drop_dereg_unknown;  /* lifetime 0, no BCE (RFC 5213 §5.3.5) */
	uint64_t drop_dereg_stranger; /* lifetime 0 from neither the S-MAAR nor a P-MAAR */
	uint64_t drop_pba_unmatched;  /* PBA matching no outstanding forwarded PBU */
	uint64_t rejected[256];	      /* PBAs sent, by status (accepted ones too) */
	uint64_t registrations, handovers, refreshes, deregistrations, renewals;
	uint64_t expired, deleted; /* lifetime expiry; removal after MinDelayBeforeBCEDelete (after
				    * a de-registration, or an expiry with P-MAARs to tell) */
	uint64_t relay_timeouts, relay_late_pbas, relay_superseded;
	uint64_t pmaar_evicted;	   /* oldest P-MAAR dropped at the max_pmaar cap (and told so) */
	uint64_t paced;		   /* PBUs deferred by MAX_UPDATE_RATE pacing */
	uint64_t retransmits;	   /* forwarded PBUs re-sent for want of a PBA (RFC 8885 §3.6) */
	uint64_t retx_given_up;	   /* lifetime-0 PBUs no longer retried (after the 32 s one) */
	uint64_t paced_full;	   /* PBUs not queued (paced queue at max_paced): left to the
				    * retransmission timer */
	uint64_t paced_overflow;   /* handovers refused with 130: fan-out over max_paced */
	uint64_t refresh_absorbed; /* relay: S-MAAR PBU answered by the pending merged PBA */
	uint64_t paced_stale;	   /* queued PBUs dropped: fan-out replaced or answered, or their
				    * destination serves the MN now */
	uint64_t expiry_notices;   /* lifetime-0 PBUs to P-MAARs after an ACTIVE entry's lifetime
				    * expired (G7, F2; first copies, retries are retransmits) */
	uint64_t local_followups;  /* proxy: PBAs sent to the S-MAAR after a P-MAAR's PBA
				    * reported Local Prefixes the first PBA did not carry (D3) */
	uint64_t local_dropped;	   /* Local Prefix options beyond DMM_MH_MAX_PMAAR_LOCAL in a
				    * P-MAAR's PBA: not relayed */
};

/* ---- the state machine ------------------------------------------------------------------ */

struct dmm_cmd;

/* NULL with *err = -EINVAL (bad config) or -ENOMEM. */
struct dmm_cmd *dmm_cmd_new(const struct dmm_cmd_config *cfg, int *err);
void dmm_cmd_free(struct dmm_cmd *c);

/* True if src is in the allowed MAAR list (the daemon may call it before parsing). */
bool dmm_cmd_peer_allowed(const struct dmm_cmd *c, const struct dmm_ip6 *src);

/* One parsed MH message from src. out->n is reset. Returns an enum dmm_cmd_result, or -EINVAL
 * (NULL argument), or -ENOSPC if the actions would not fit (never happens with
 * DMM_CMD_MAX_ACTIONS; checked before any state changes). */
int dmm_cmd_input(struct dmm_cmd *c, uint64_t now_ms, const struct dmm_ip6 *src,
		  const struct dmm_mh_msg *msg, struct dmm_cmd_actions *out);

/* Timers due at now_ms: paced PBUs, relay collection timeouts, lifetime expiry, deletion after
 * MinDelayBeforeBCEDelete. out->n is reset. Returns DMM_CMD_DONE, or DMM_CMD_MORE when out
 * filled up before every due timer was handled. */
int dmm_cmd_tick(struct dmm_cmd *c, uint64_t now_ms, struct dmm_cmd_actions *out);

/* ---- inspection (dmmctl, tests) --------------------------------------------------------- */

enum dmm_cmd_bce_state {
	DMM_CMD_BCE_ACTIVE = 1,
	DMM_CMD_BCE_DEREG = 2, /* lifetime-0 accepted, or lifetime expired with P-MAARs to tell
				* (G7): waiting MinDelayBeforeBCEDelete */
};

struct dmm_cmd_pmaar {
	struct dmm_ip6 addr;
	struct dmm_prefix pfx;
	/* RFC 8885 §4.4: the Local Prefixes (66) this P-MAAR reported in its last accepting PBA
	 * for the MN (P5), repeated after its Previous MAAR option in every PBA to the S-MAAR
	 * (merged, proxy, refresh: the G4 convention of dmm_mh.h). */
	uint8_t n_local;
	struct dmm_prefix local[DMM_MH_MAX_PMAAR_LOCAL];
};

struct dmm_cmd_binding {
	uint8_t nai_len;
	char nai[DMM_MH_NAI_MAX + 1]; /* MN-ID (NAI), NUL-terminated; holds no other NUL */
	enum dmm_cmd_bce_state state;
	struct dmm_ip6 smaar; /* Proxy-CoA */
	struct dmm_prefix hnp;
	uint8_t n_pmaar; /* oldest first */
	struct dmm_cmd_pmaar pmaar[DMM_MH_MAX_PMAAR];
	uint64_t expire_ms; /* ACTIVE: lifetime expiry */
	uint64_t delete_ms; /* DEREG: removal time */
	bool has_ts;
	uint64_t last_ts;	/* last accepted Timestamp option */
	uint16_t last_seq;	/* last accepted sequence number */
	bool relay_pending;	/* a relay PBA collection is outstanding */
	uint8_t fwd_unanswered; /* forwarded PBUs still waiting for a P-MAAR's PBA (retried) */
};

/* Copy the binding for nai (NUL-terminated) into *b. 0, or -ENOENT. */
int dmm_cmd_lookup(const struct dmm_cmd *c, const char *nai, struct dmm_cmd_binding *b);
/* Call fn for every binding cache entry (ACTIVE and DEREG), in no particular order, with a
 * copy of it (b is valid during the call only). Stops at the first non-zero return of fn and
 * returns that value; 0 when every entry was visited; -EINVAL for a NULL c or fn. fn must not
 * change the CMD (no dmm_cmd_input/tick/free from inside it). Cost: one pass over the entry
 * pool up to its high-water mark (the most MNs ever registered at once, not cfg.max_mns). */
int dmm_cmd_foreach(const struct dmm_cmd *c, int (*fn)(const struct dmm_cmd_binding *b, void *arg),
		    void *arg);
uint32_t dmm_cmd_count(const struct dmm_cmd *c);
/* PBUs waiting in the MAX_UPDATE_RATE queue (they leave from dmm_cmd_tick()): signalling still
 * to come, e.g. for a test that waits until the domain is quiet. 0 for a NULL c. */
uint32_t dmm_cmd_paced_pending(const struct dmm_cmd *c);
const struct dmm_cmd_stats *dmm_cmd_get_stats(const struct dmm_cmd *c);

const char *dmm_cmd_mode_name(enum dmm_cmd_mode m);

#endif
