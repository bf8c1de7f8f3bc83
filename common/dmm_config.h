/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-maar configuration: YAML (libyaml) parsed and validated into these structs before any
 * lcore starts. Every error is reported as "file:line:col: key: problem". The reference for
 * every key is config/maar-example.yaml and the README's configuration section. */
#ifndef DMM_CONFIG_H
#define DMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dmm_ip6.h"

#define DMM_CFG_MAX_PORTS      8
#define DMM_CFG_MAX_PORT_ADDRS 8
#define DMM_CFG_MAX_POOLS      16
#define DMM_CFG_NAME_LEN       64
#define DMM_CFG_DEV_LEN	       128

enum dmm_port_role {
	DMM_ROLE_ACCESS = 0,
	DMM_ROLE_CORE = 1,
};

struct dmm_cfg_port {
	char device[DMM_CFG_DEV_LEN]; /* ethdev name: vdev name ("net_pcap0") or PCI address */
	enum dmm_port_role role;
	/* Own addresses on this link (besides the link-local one derived from the MAC, which is
	 * always added). On the core port the node address is added automatically. */
	struct dmm_ip6 addrs[DMM_CFG_MAX_PORT_ADDRS];
	unsigned n_addrs;
	uint16_t mtu;	  /* L3 MTU of the link, default 1500 */
	uint16_t rx_desc; /* default 1024 */
	uint16_t tx_desc; /* default 1024 */
	bool promiscuous; /* default: true on access (DLIF MACs), false on core */
	bool has_gateway; /* core only: default route via gateway */
	struct dmm_ip6 gateway;
};

/* Statically configured forwarding state ("static:" section): the fast path as a static
 * tunnel router, and the same ops the signalling will produce later. */
struct dmm_cfg_tunnel {
	struct dmm_ip6 remote; /* peer MAAR: ip6ip6 endpoint, and an accepted decap source */
	uint16_t mtu;	       /* 0 = tunnel.mtu */
};

#define DMM_CFG_LOCAL_PEER UINT32_MAX /* "local": this MAAR */

struct dmm_cfg_binding {
	struct dmm_prefix prefix; /* always a /64 */
	uint32_t anchor;	  /* DMM_CFG_LOCAL_PEER or index into static tunnels */
	uint32_t serving;	  /* DMM_CFG_LOCAL_PEER or index into static tunnels */
	struct dmm_mac mac;	  /* MN link-layer address, required when serving is local */
	struct dmm_mac dlif_mac;  /* optional, serving local: source MAC of delivered frames */
	uint32_t port;		  /* access port (ports[] index); UINT32_MAX if serving remote */
};

struct dmm_cfg_route {
	struct dmm_prefix prefix;
	struct dmm_ip6 via; /* next hop on the core link */
};

struct dmm_cfg_neighbour {
	struct dmm_ip6 addr; /* static neighbour on the core link: overrides NDP */
	struct dmm_mac mac;
};

struct dmm_cfg_limits {
	uint32_t bindings;   /* MN /64 prefixes, default 65536, 1..16777216 */
	uint32_t tunnels;    /* peer MAARs, default 1024, 1..65536 */
	uint32_t routes;     /* lpm6 routes, default 1024, 1..1048576 */
	uint32_t neighbours; /* next hops, default 256, 1..65536 */
};

struct dmm_cfg_icmp {
	uint32_t rate;	/* ICMPv6 errors per second, default 100, 0 = never send */
	uint32_t burst; /* token bucket depth, default 10 */
};

#define DMM_CFG_MAX_SIG_PEERS 64
#define DMM_CFG_MAX_LOCAL_PFX 4 /* = DMM_MH_MAX_PMAAR_LOCAL: what a merged PBA carries per P-MAAR  \
				 */
#define DMM_CFG_PATH_LEN 256

/* The CMD's mode as the MAAR sees it (RFC 8885 §3.2-3.4); values of enum dmm_maar_cmd_mode. */
enum dmm_cfg_cmd_mode {
	DMM_CFG_CMD_RELAY = 0,
	DMM_CFG_CMD_LOCATOR = 1,
	DMM_CFG_CMD_PROXY = 2,
};

/* Heartbeat with the CMD (RFC 5847). */
struct dmm_cfg_heartbeat {
	bool enabled;		  /* default true when signalling is on */
	uint32_t interval_s;	  /* HEARTBEAT_INTERVAL, default 60, 30..3600 (RFC 5847 §5) */
	uint32_t missing_allowed; /* MISSING_HEARTBEATS_ALLOWED, default 3 */
	bool allow_short;	  /* lab only: interval_s may be 1..29 */
	char restart_counter_file[DMM_CFG_PATH_LEN]; /* "" = not persisted */
};

/* "access:" — who may attach on the access ports and how the MAAR talks to them (RFC 4861
 * RA/NUD, RFC 8885 §3.7 DLIF). Used only with signalling. */
enum dmm_cfg_access_policy {
	DMM_CFG_ACCESS_ANY = 0,	      /* every unicast MAC; MN-ID derived from it */
	DMM_CFG_ACCESS_ALLOWLIST = 1, /* only allow[]; MN-ID derived */
	DMM_CFG_ACCESS_TABLE = 2,     /* only mns[]; MN-ID from the table */
};

struct dmm_cfg_access_mn {
	struct dmm_mac mac;
	char nai[255]; /* 1..254 octets (RFC 4283 MN-ID, RFC 7542 NAI) */
};

#define DMM_CFG_MAX_ACCESS_MNS 65536

struct dmm_cfg_access {
	enum dmm_cfg_access_policy policy;
	struct dmm_mac *allow; /* ALLOWLIST */
	unsigned n_allow;
	struct dmm_cfg_access_mn *mns; /* TABLE */
	unsigned n_mns;
	char nai_realm[128];	    /* derived MN-IDs: <12 hex digits of the MAC>@realm */
	uint32_t router_lifetime_s; /* own DLIF, default 1800 */
	uint32_t ra_interval_ms;    /* unsolicited RA round per MN, default 60000 */
	uint32_t ra_min_delay_ms;   /* between two RAs of one DLIF, default 3000 */
	uint32_t nud_reachable_ms;  /* quiet this long -> NUD probe, default 30000 */
	uint32_t nud_retrans_ms;    /* between probes, default 1000 */
	uint32_t nud_max_probes;    /* default 3 */
};

/* "signalling:" — PBU/PBA with the CMD (RFC 8885 §3). Absent: the MAAR forwards only what the
 * static: section configures. */
struct dmm_cfg_signalling {
	bool enabled;
	struct dmm_ip6 cmd;
	enum dmm_cfg_cmd_mode mode;
	struct dmm_ip6 peers[DMM_CFG_MAX_SIG_PEERS]; /* MAARs allowed to send direct PBAs */
	unsigned n_peers;
	uint32_t lifetime_s;		  /* default 3600 */
	uint32_t dereg_variant;		  /* RFC 8885 §3.5: 1 (default) or 2 */
	uint32_t detach_grace_ms;	  /* default 5000 */
	uint32_t initial_bindack_ms;	  /* default 1000 */
	uint32_t max_bindack_ms;	  /* default 32000 */
	uint32_t max_update_rate;	  /* PBUs/s per destination, default 3, 0 = no limit */
	uint32_t min_delay_bce_delete_ms; /* default 10000 */
	uint32_t max_mns;		  /* default 65536 */
	uint32_t att;			  /* Access Technology Type, default 3 (IEEE 802.3) */
	/* RFC 8885 §3.7/§4.4: local-only networks reached through this MAAR (3GPP-LIPA-like),
	 * sent as Local Prefix options (66) in this MAAR's PBAs as an anchor (P5). */
	struct dmm_prefix local_prefixes[DMM_CFG_MAX_LOCAL_PFX];
	unsigned n_local_prefixes;
	struct dmm_cfg_heartbeat heartbeat;
	struct dmm_cfg_access access;
};

struct dmm_config {
	char file[256]; /* for messages */
	char name[DMM_CFG_NAME_LEN];
	struct dmm_ip6 address; /* the MAAR's global address: tunnel endpoint, PBU source */

	struct dmm_cfg_port ports[DMM_CFG_MAX_PORTS];
	unsigned n_ports;

	uint8_t tunnel_hop_limit; /* outer hop limit, default 64 */
	uint16_t tunnel_mtu;	  /* default: core port mtu - 40 (RFC 2473 §7) */

	struct dmm_prefix pools[DMM_CFG_MAX_POOLS];
	unsigned n_pools;

	struct dmm_cfg_limits limits;
	struct dmm_cfg_icmp icmp;
	struct dmm_cfg_signalling sig;
	/* dmm-maar's control socket (dmmctl mn/sessions/sig); "" = /run/dmm-maar.<name>.sock */
	char control_socket[108];

	struct dmm_cfg_tunnel *tunnels;
	unsigned n_tunnels;
	struct dmm_cfg_binding *bindings;
	unsigned n_bindings;
	struct dmm_cfg_route *routes;
	unsigned n_routes;
	struct dmm_cfg_neighbour *neighbours;
	unsigned n_neighbours;
};

/* Parse and validate path. On error returns a negative errno and writes one line per
 * problem, "file:line:col: key: problem", to err (stderr if NULL); *cfg is then empty. */
int dmm_config_load(const char *path, struct dmm_config *cfg, FILE *err);
/* The same from a memory buffer; name is used in messages. */
int dmm_config_load_buf(const char *name, const char *buf, size_t len, struct dmm_config *cfg,
			FILE *err);
void dmm_config_free(struct dmm_config *cfg);

/* Index of the core port (validation guarantees exactly one). */
unsigned dmm_config_core_port(const struct dmm_config *cfg);

const char *dmm_role_name(enum dmm_port_role r);
const char *dmm_cfg_cmd_mode_name(enum dmm_cfg_cmd_mode m);

#endif
