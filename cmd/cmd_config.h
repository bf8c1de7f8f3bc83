/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-cmd configuration (YAML). Parsed with libyaml's document API and fully validated before
 * the daemon opens any socket; every problem is reported, one line each, as
 * "file:line:col: key: problem". See config/cmd-example.yaml for every key. */
#ifndef CMD_CONFIG_H
#define CMD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dmm_ip6.h"

#define CMD_CFG_MAX_MAARS      4096
#define CMD_CFG_MAX_MNS	       (16u * 1024 * 1024)
#define CMD_CFG_SOCK_PATH_MAX  108    /* sizeof(sockaddr_un.sun_path) */
#define CMD_CFG_LIFETIME_MAX_S 262140 /* 0xffff units of 4 s (RFC 6275 §6.1.7) */

/* Per-MAAR prefix pools (M28, RFC 8885 §3.1): at most this many prefixes per MAAR and in all
 * (the overlap check compares every pair). */
#define CMD_CFG_MAX_POOL_PER_MAAR 64
#define CMD_CFG_MAX_POOL_TOTAL	  16384
#define CMD_CFG_POOL_LEN_MIN	  1
#define CMD_CFG_POOL_LEN_MAX	  64 /* a pool holds at least one /64 */

/* Defaults (PROTOCOL.md §3.6). */
#define CMD_CFG_DEF_LIFETIME_MAX_S 86400
#define CMD_CFG_DEF_RELAY_AGG_MS   1000	 /* relay PBA collection timeout; 0 = wait for all */
#define CMD_CFG_DEF_BCE_DELETE_MS  10000 /* MinDelayBeforeBCEDelete, RFC 5213 §9.1 */
#define CMD_CFG_DEF_TS_WINDOW_MS   300	 /* TimestampValidityWindow, RFC 5213 §9.1 */
#define CMD_CFG_DEF_MNS		   65536
/* Forwarded-PBU retransmission and pacing (RFC 6275 §12, RFC 8885 §3.6). */
#define CMD_CFG_DEF_INITIAL_BINDACK_MS 1000  /* INITIAL_BINDACK_TIMEOUT */
#define CMD_CFG_DEF_MAX_BINDACK_MS     32000 /* MAX_BINDACK_TIMEOUT */
#define CMD_CFG_BINDACK_MIN_MS	       10
#define CMD_CFG_INITIAL_BINDACK_MAX_MS 60000
#define CMD_CFG_MAX_BINDACK_MAX_MS     3600000
#define CMD_CFG_DEF_MAX_UPDATE_RATE    3 /* MAX_UPDATE_RATE: PBUs/s per destination */
#define CMD_CFG_MAX_UPDATE_RATE	       8 /* = DMM_CMD_MAX_UPDATE_RATE (checked by the engine) */
#define CMD_CFG_DEF_PACED	       65536
#define CMD_CFG_MAX_PACED	       (16u * 1024 * 1024)
#define CMD_CFG_DEF_SOCKET	       "/run/dmm-cmd.sock"
/* Heartbeat (RFC 5847 §5): HEARTBEAT_INTERVAL 60 s, SHOULD NOT be < 30 s or > 3600 s;
 * MISSING_HEARTBEATS_ALLOWED 3. */
#define CMD_CFG_DEF_HB_INTERVAL_S 60
#define CMD_CFG_HB_INTERVAL_MIN_S 30
#define CMD_CFG_HB_INTERVAL_MAX_S 3600
#define CMD_CFG_DEF_HB_MISSING	  3
#define CMD_CFG_HB_MISSING_MAX	  1000
#define CMD_CFG_PATH_MAX	  256
#define CMD_CFG_DEF_RESTART_FILE  "/var/lib/dmm/cmd.restart"

/* Subscribers (RFC 5213 §5.3.1 steps 7-8, M6/M7): NAIs in allow + proxy_disabled, at most. */
#define CMD_CFG_MAX_SUBSCRIBERS (1u << 20)

enum cmd_subscriber_policy {
	CMD_SUBS_ANY = 0,  /* every MN-ID is served (default) */
	CMD_SUBS_LIST = 1, /* only MN-IDs in allow or proxy_disabled are known (else 153) */
};

/* RFC 8885 §3.2-3.4. */
enum cmd_mode {
	CMD_MODE_RELAY = 1,
	CMD_MODE_LOCATOR = 2,
	CMD_MODE_PROXY = 3,
};

struct cmd_config {
	char file[256];
	struct dmm_ip6 address; /* the CMD's own address: the raw socket binds to it */
	enum cmd_mode mode;
	struct dmm_ip6 *maars; /* allowed MAARs (unique); PBUs from anyone else are dropped */
	unsigned n_maars;
	/* Prefix pool of maars[i]: pool[pool_first[i] .. pool_first[i] + pool_n[i]); pool_n[i] = 0
	 * means any prefix. Pools of different MAARs never overlap (RFC 8885 §3.1). */
	unsigned *pool_first, *pool_n; /* parallel to maars */
	/* maars[i] may send PBUs (RFC 5213 §5.3.1 step 6); false: its PBUs get 154 (M5). */
	bool *proxy_reg; /* parallel to maars */
	struct dmm_prefix *pool;
	unsigned n_pool;
	/* subscribers: policy, allow, proxy_disabled (M6/M7). The NAIs are malloc'd strings of
	 * 1..254 octets without NUL; no NAI is listed twice, in one list or across both. */
	enum cmd_subscriber_policy subs_policy;
	char **subs_allow;
	unsigned n_subs_allow;
	char **subs_disabled; /* proxy_disabled: 152 for these MN-IDs, under either policy */
	unsigned n_subs_disabled;
	uint32_t lifetime_max_s; /* granted lifetime = min(requested, this) */
	uint32_t relay_aggregation_ms;
	uint32_t min_delay_before_bce_delete_ms;
	uint32_t timestamp_window_ms;
	uint32_t initial_bindack_ms; /* first retransmission of a forwarded PBU */
	uint32_t max_bindack_ms;     /* back-off cap, >= initial_bindack_ms */
	uint32_t max_update_rate;    /* PBUs per second per destination; 0 = unlimited */
	uint32_t max_mns;	     /* limits.mns: binding cache capacity */
	uint32_t max_paced;	     /* limits.paced: PBUs held back by pacing, at most */
	char control_socket[CMD_CFG_SOCK_PATH_MAX];
	/* heartbeat: RFC 5847 with every configured MAAR */
	uint32_t hb_interval_s;			/* HEARTBEAT_INTERVAL */
	uint32_t hb_missing_allowed;		/* MISSING_HEARTBEATS_ALLOWED */
	bool hb_allow_short;			/* lab only: interval_s below 30 accepted */
	char hb_restart_file[CMD_CFG_PATH_MAX]; /* Restart Counter of the last start */
};

/* Parse and validate path. On error returns a negative errno and writes one line per problem
 * to err (stderr if NULL); *cfg is then empty (safe to free). */
int cmd_config_load(const char *path, struct cmd_config *cfg, FILE *err);
/* The same from memory; name is used in messages. */
int cmd_config_load_buf(const char *name, const char *buf, size_t len, struct cmd_config *cfg,
			FILE *err);
void cmd_config_free(struct cmd_config *cfg);

const char *cmd_mode_name(enum cmd_mode m);
/* Index of a in cfg->maars, or -1 (linear scan: the MAAR list of a domain is small). */
int cmd_config_maar_index(const struct cmd_config *cfg, const struct dmm_ip6 *a);

#endif
