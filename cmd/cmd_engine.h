/* SPDX-License-Identifier: BSD-3-Clause */
/* What the dmm-cmd I/O shell (cmd_main.c) needs from the CMD logic, and nothing more: feed it
 * valid Mobility Header messages and clock ticks, execute the actions it returns. The shell
 * owns every socket and the timerfd; an engine never does I/O (DESIGN.md §2).
 *
 * Implementation: cmd_engine_sm.c wraps the sans-I/O CMD state machine of
 * controlplane/cmd_sm.[ch]; the interface keeps the shell testable apart from it.
 *
 * Time: now_ms is CLOCK_REALTIME in milliseconds since 1970, the clock of the PBU Timestamp
 * option (RFC 5213 §5.5), and the timerfd runs on the same clock. Timer: the engine has one;
 * an ARM action (re)sets it to at_ms, replacing any earlier one. When it fires the shell
 * forgets it and calls cmd_engine_tick(), again while that returns true (more due). */
#ifndef CMD_ENGINE_H
#define CMD_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd_config.h"
#include "dmm_mh.h"

#define CMD_ENGINE_MAX_ACTIONS 64

enum cmd_action_kind {
	CMD_ACT_SEND = 1, /* send msg to dst (built with dmm_mh_build, kernel checksum) */
	CMD_ACT_ARM = 2,  /* (re)set the one timer: cmd_engine_tick() at or after at_ms */
};

struct cmd_action {
	enum cmd_action_kind kind;
	uint64_t at_ms;
	struct dmm_ip6 dst;
	struct dmm_mh_msg msg;
};

struct cmd_actions {
	unsigned n;
	unsigned dropped; /* actions that did not fit: counted by the shell as tx_errors */
	struct cmd_action a[CMD_ENGINE_MAX_ACTIONS];
};

struct cmd_engine;

/* NULL on failure (logged). cfg must outlive the engine. */
struct cmd_engine *cmd_engine_create(const struct cmd_config *cfg, uint64_t now_ms);
void cmd_engine_destroy(struct cmd_engine *e);
/* Name of the implementation, shown in stats ("cmd_sm"). */
const char *cmd_engine_name(void);

/* One valid message msg from src (already checked against cfg->maars) to dst. Actions are
 * appended to out (the caller zeroes out->n first). */
void cmd_engine_input(struct cmd_engine *e, uint64_t now_ms, const struct dmm_ip6 *src,
		      const struct dmm_ip6 *dst, const struct dmm_mh_msg *msg,
		      struct cmd_actions *out);
/* Returns true if more timers are due: call again. */
bool cmd_engine_tick(struct cmd_engine *e, uint64_t now_ms, struct cmd_actions *out);

/* Engine counters as JSON members, each preceded by a comma (",\"engine_rx_pbu\":1,..."). */
void cmd_engine_stats_json(const struct cmd_engine *e, FILE *out);
/* The binding cache as a JSON array, one object per MN, in no particular order; "[]" if the
 * engine keeps none or cannot list it:
 *   {"mn_id":"mn1@example.net","state":"active","serving":"2001:db8::2",
 *    "hnp":"2001:db8:2::/64","lifetime_s":3595,
 *    "p_maars":[{"address":"2001:db8::1","prefix":"2001:db8:1::/64"}]}
 * state is "active" or "dereg" (lifetime 0 accepted, kept MinDelayBeforeBCEDelete);
 * lifetime_s is the remaining lifetime at now_ms, rounded up (0 for "dereg"); p_maars is
 * oldest first. The whole listing is written (no cap): the shell buffers it and sends it as
 * the socket allows. */
void cmd_engine_bce_json(const struct cmd_engine *e, uint64_t now_ms, FILE *out);
/* One page of that listing: an array of at most limit entries starting at the offset-th one in
 * walk order (the order is stable while the cache does not change; entries added or removed
 * between pages may shift the rest by one). Returns the offset of the next page, or -1 when
 * this page holds the last entry. Cost: a walk over offset + limit + 1 entries, so a listing
 * fetched page by page visits O(N^2 / limit) entries in all (controlplane/cmd_sm.h has no
 * cursor to resume from). */
long long cmd_engine_bce_page_json(const struct cmd_engine *e, uint64_t now_ms,
				   unsigned long long offset, unsigned limit, FILE *out);
/* Heartbeat peer activity (RFC 5847 §3: requests only to peers with a binding): active[i] =
 * cfg->maars[i] is the serving MAAR or a previous MAAR of at least one active BCE. One walk
 * over the binding cache (stopped early once every MAAR is marked), one binary search per
 * address seen. Returns the number of active MAARs. */
unsigned cmd_engine_maar_activity(const struct cmd_engine *e, bool *active);

#endif
