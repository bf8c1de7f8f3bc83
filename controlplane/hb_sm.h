/* SPDX-License-Identifier: BSD-3-Clause */
/* Heartbeat (RFC 5847) as a sans-I/O state machine: one instance per node, a pure function of
 * (state, event, now) that returns actions. No sockets, no clock. dmm-cmd runs one with the
 * configured MAARs as peers; dmm-maar runs one with the CMD as its peer.
 *
 * What it does (PROTOCOL.md §3.7, conformance ids H1-H9 of §6.7):
 *   - every interval_ms, a Heartbeat Request (R=0, U=0, no option: 16 octets, H1) to each
 *     peer that is active (the node has at least one binding with it, H3) and not disabled;
 *   - before each request, a missed counter is incremented if the previous one went
 *     unanswered; when it exceeds missing_allowed the peer is declared unreachable (RFC 5847
 *     §3.1, H4); probing continues, and a matching response declares it reachable again;
 *   - every request is answered (R=1, same sequence number, Restart Counter option), whoever
 *     sent it and whether or not there is a binding with it (RFC 5847 §3, H2); a Restart
 *     Counter option in a request is ignored (§3.4, H9). Acceptance of the sender is the
 *     daemon's business (dmm-cmd talks to configured MAARs only, as for PBUs);
 *   - a response's Restart Counter is stored per peer; a changed value means the peer
 *     restarted and lost its state (RFC 5847 §3.2, H5); the first value of a solicited
 *     response is just stored, an unsolicited response (U=1) reports a restart even then;
 *   - an unsolicited response (U=1, R=1) is not answered and its sequence number is ignored,
 *     but its Restart Counter is processed (§3.2, H6);
 *   - a Binding Error status 2 from a peer with a request outstanding means the peer does not
 *     implement Heartbeat: no more requests to it, ever (RFC 5847 §3, H7);
 *   - dmm_hb_announce() builds the unsolicited responses a node sends to every remembered
 *     peer after a restart that lost its session state (RFC 5847 §3.2, H6).
 *
 * Timing: each peer has its own due time, first interval_ms after dmm_hb_peer_add(), then
 * every interval_ms; it keeps running while the peer is inactive (then nothing is sent), so
 * activating a peer never causes a burst and peers added together wake the node together.
 *
 * Choices (see controlplane/README.md, "Heartbeat"):
 *   - a solicited response counts as an answer if its sequence number is one of the requests
 *     sent since the last answered one (a late answer proves reachability as well as a prompt
 *     one); any other solicited response is ignored entirely, Restart Counter included, so a
 *     stale or replayed response cannot fake a restart;
 *   - a peer that becomes inactive forgets its outstanding request and missed count (it is not
 *     probed, so silence means nothing); its UP/UNREACHABLE state and restart counter stay;
 *   - a Binding Error status 2 without an outstanding request is ignored: it answers some
 *     other message type (RFC 6275 §6.1.9 does not say which).
 *
 * All times are milliseconds on the caller's clock (monotonic is best: only differences
 * matter).
 */
#ifndef DMM_HB_SM_H
#define DMM_HB_SM_H

#include <stdbool.h>
#include <stdint.h>

#include "dmm_ip6.h"
#include "dmm_mh.h"

/* HEARTBEAT_INTERVAL bounds (RFC 5847 §5: SHOULD NOT be < 30 s or > 3600 s) and default. */
#define DMM_HB_INTERVAL_MIN_MS	   30000u
#define DMM_HB_INTERVAL_MAX_MS	   3600000u
#define DMM_HB_INTERVAL_DEF_MS	   60000u
#define DMM_HB_INTERVAL_LAB_MIN_MS 100u /* lowest interval with allow_short */
#define DMM_HB_MISSING_DEF	   3u	/* MISSING_HEARTBEATS_ALLOWED default */
#define DMM_HB_MISSING_MAX	   1000u
#define DMM_HB_MAX_PEERS	   4096u

struct dmm_hb_config {
	struct dmm_ip6 addr;	  /* own address: source of everything sent */
	uint32_t interval_ms;	  /* HEARTBEAT_INTERVAL */
	bool allow_short;	  /* lab/test only: accept interval_ms down to 100 ms */
	uint32_t missing_allowed; /* MISSING_HEARTBEATS_ALLOWED, 0..DMM_HB_MISSING_MAX */
	uint32_t restart_counter; /* own Restart Counter (the daemon persists it) */
	uint32_t max_peers;	  /* 1..DMM_HB_MAX_PEERS */
};

/* 60 s, 3 missed, restart counter 0, DMM_HB_MAX_PEERS peers, allow_short off; addr empty. */
void dmm_hb_config_default(struct dmm_hb_config *cfg);

enum dmm_hb_action_type {
	DMM_HB_ACT_SEND = 1,	    /* send msg from the own address to peer */
	DMM_HB_ACT_ARM = 2,	    /* call dmm_hb_tick() at at_ms (replaces earlier arming) */
	DMM_HB_ACT_UNREACHABLE = 3, /* peer: missed count exceeded missing_allowed (H4) */
	DMM_HB_ACT_REACHABLE = 4,   /* peer answered again after UNREACHABLE */
	DMM_HB_ACT_RESTARTED = 5,   /* peer's Restart Counter changed: old_rc -> new_rc (H5) */
	DMM_HB_ACT_DISABLED = 6,    /* peer answered a request with Binding Error 2 (H7) */
};

struct dmm_hb_action {
	enum dmm_hb_action_type type;
	struct dmm_ip6 peer; /* SEND: destination; events: the peer */
	uint64_t at_ms;	     /* ARM */
	uint32_t old_rc, new_rc;
	struct dmm_mh_msg msg; /* SEND */
};

/* One input yields at most 3 actions; a tick stops before the buffer is full and returns
 * DMM_HB_MORE (an ARM at now is the last action then). */
#define DMM_HB_MAX_ACTIONS 32

struct dmm_hb_actions {
	unsigned n;
	struct dmm_hb_action a[DMM_HB_MAX_ACTIONS];
};

enum dmm_hb_result {
	DMM_HB_DONE = 0,
	DMM_HB_IGNORED = 1, /* dropped and counted, no action */
	DMM_HB_MORE = 2,    /* tick / announce: call again, more is due */
};

enum dmm_hb_peer_state {
	DMM_HB_UP = 1,
	DMM_HB_UNREACHABLE = 2,
};

/* A copy of one peer's state (inspection, tests). */
struct dmm_hb_peer_info {
	struct dmm_ip6 addr;
	bool active;   /* at least one binding with it: requests are sent */
	bool disabled; /* Binding Error 2 seen: never again (H7) */
	bool awaiting; /* a request is outstanding */
	enum dmm_hb_peer_state state;
	uint32_t next_seq; /* sequence number of the next request */
	uint32_t last_seq; /* the outstanding (last sent) request */
	uint32_t missed;   /* MISSING_HEARTBEAT */
	bool rc_known;	   /* a Restart Counter has been received */
	uint32_t rc;	   /* the last one */
	uint64_t due_ms;   /* next request time */
};

struct dmm_hb_stats {
	uint64_t rx_req, rx_resp, rx_unsolicited;
	uint64_t rx_resp_unmatched;    /* solicited response with a sequence number not sent */
	uint64_t rx_resp_unknown_peer; /* response from an address that is not a peer */
	uint64_t rx_resp_no_counter;   /* response without a Restart Counter option */
	uint64_t rx_bad;	       /* U=1 without R, or not a Heartbeat/Binding Error */
	uint64_t rx_be, rx_be_ignored; /* Binding Errors; those not taken as H7 */
	uint64_t tx_req, tx_resp, tx_unsolicited;
	uint64_t unreachable, reachable, restarted, disabled; /* events emitted */
};

struct dmm_hb;

/* NULL with *err = -EINVAL (interval out of range, bad limits) or -ENOMEM. */
struct dmm_hb *dmm_hb_new(const struct dmm_hb_config *cfg, int *err);
void dmm_hb_free(struct dmm_hb *hb);

/* Start watching peer addr: first request due at now_ms + interval (if active by then).
 * 0, -EEXIST, -ENOSPC (max_peers), -EINVAL. Call dmm_hb_next_due() to (re)arm. */
int dmm_hb_peer_add(struct dmm_hb *hb, uint64_t now_ms, const struct dmm_ip6 *addr);
/* 0 or -ENOENT. */
int dmm_hb_peer_remove(struct dmm_hb *hb, const struct dmm_ip6 *addr);
/* The node has (active) or no longer has any binding with addr (H3). 0 or -ENOENT. */
int dmm_hb_set_active(struct dmm_hb *hb, const struct dmm_ip6 *addr, bool active);

/* One parsed Heartbeat or Binding Error message from src. out->n is reset. Returns DONE,
 * IGNORED, or -EINVAL (NULL argument). */
int dmm_hb_input(struct dmm_hb *hb, uint64_t now_ms, const struct dmm_ip6 *src,
		 const struct dmm_mh_msg *msg, struct dmm_hb_actions *out);
/* Requests due at now_ms. out->n is reset; ends with ARM at the next due time (if any peer).
 * DONE or MORE. */
int dmm_hb_tick(struct dmm_hb *hb, uint64_t now_ms, struct dmm_hb_actions *out);
/* Unsolicited responses (U=1, R=1, own Restart Counter, sequence number 0) to every peer,
 * for the start-up after a restart that lost session state (H6). *cursor starts at 0; returns
 * MORE (call again with the same cursor) until every peer has one, then DONE. */
int dmm_hb_announce(struct dmm_hb *hb, unsigned *cursor, struct dmm_hb_actions *out);

/* Earliest due time over all peers, 0 when there is none. */
uint64_t dmm_hb_next_due(const struct dmm_hb *hb);
/* 0 or -ENOENT. */
int dmm_hb_peer_get(const struct dmm_hb *hb, const struct dmm_ip6 *addr,
		    struct dmm_hb_peer_info *info);
unsigned dmm_hb_peer_count(const struct dmm_hb *hb);
const struct dmm_hb_stats *dmm_hb_get_stats(const struct dmm_hb *hb);

/* A request (H1) or a response carrying restart_counter; helpers for callers and tests. */
void dmm_hb_make_request(struct dmm_mh_msg *m, uint32_t seq);
void dmm_hb_make_response(struct dmm_mh_msg *m, uint32_t seq, bool unsolicited,
			  uint32_t restart_counter);

#endif
