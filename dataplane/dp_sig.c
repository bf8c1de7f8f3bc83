/* SPDX-License-Identifier: BSD-3-Clause */
/* The MAAR state machine (controlplane/maar_sm.h) on the control lcore of dmm-maar.
 *
 * Inputs: valid Mobility Headers the workers punt to the control lcore (dp_ctl.c calls
 * dmm_sig_input), the state machine's own timer, and operator requests on the control socket
 * (`dmmctl mn attach|detach`, until the access link detects MNs itself).
 * Outputs: Mobility Headers sent in-band on the core port from the MAAR's address, and table
 * ops for every worker: tunnels to peer MAARs (ids after the static ones, reference counted by
 * the state machine), /64 bindings.
 *
 * A SEND the state machine marks sync (a P-MAAR's PBA) is held until every op pushed before it
 * is in force on every worker (dmm_opq_in_force): the P-MAAR acknowledges a handover only when
 * its tunnel really carries the prefix. A message whose next hop is not resolved yet waits for
 * NDP the same way. Held messages are bounded; past the bound they are dropped and counted,
 * and the PBU retransmission of the sender recovers (RFC 8885 §3.6).
 *
 * The control socket is a UNIX stream socket polled without blocking from the control loop:
 * one request line per connection, one JSON answer, then close (the dmm-cmd protocol).
 *   mn attach <NAI> [<MAC>]   mn detach <NAI>
 *   sessions [<offset> [<limit>]]   sig
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dmm_log.h"
#include "dp_ctl_int.h"
#include "access_sm.h"
#include "dmm_nd.h"
#include "hb_sm.h"
#include "maar_sm.h"

#define ETH_LEN		  14u
#define IP6_LEN		  40u
#define PROTO_MH	  135
#define HOLD_MAX	  65536 /* held messages (sync or unresolved next hop) */
#define SIG_CLIENTS	  8
#define SIG_REQ_MAX	  1024
#define SIG_SOCK_POLL_MS  10
#define SESSIONS_PAGE	  1000
#define SESSIONS_PAGE_MAX 10000

struct held {
	struct held *next;
	struct dmm_ip6 dst;
	uint64_t after_seq; /* 0: only waiting for the next hop */
	uint16_t len;
	uint8_t buf[];
};

struct sig_tunnel {
	struct dmm_ip6 peer;
	bool used;
	bool is_static; /* configured under static.tunnels: reused, never deleted */
};

struct sig_client {
	int fd;
	size_t in_len;
	char in[SIG_REQ_MAX];
	char *out;
	size_t out_len, out_off;
};

struct sig_stats {
	uint64_t mh_sent, mh_send_fail, held, held_dropped, held_sync;
	uint64_t tunnels_added, tunnels_deleted, binds_set, binds_deleted;
	uint64_t advertise, withdraw, events, ops_failed;
	uint64_t ctl_requests;
};

#define SIG_DEPTH 3  /* nesting of state machine calls (access -> MAAR -> access) */
#define SIG_WATCH 64 /* forwarding changes whose installation time is being measured */

/* A registration, handover or anchor move whose table ops are not in force everywhere yet:
 * when they are, the install time is logged (the handover timeline of the lab benchmark). */
struct watch {
	char nai[DMM_MH_NAI_MAX + 1];
	const char *what;
	uint64_t seq;
	uint64_t t_us; /* when the state machine decided */
};

struct dmm_sig {
	struct dmm_maar *sm;
	/* Action buffers, one per nesting level: an access ATTACH calls the MAAR machine, whose
	 * ADVERTISE calls the access machine again, while the outer list is still being run. */
	struct dmm_maar_actions *mout[SIG_DEPTH];
	unsigned mdepth;
	struct dmm_access *acc; /* the access link (RFC 4861, RFC 8885 §3.7 DLIF) */
	struct dmm_access_actions *aout[SIG_DEPTH];
	unsigned adepth;
	uint64_t acc_next_ms;
	uint64_t acc_tx, acc_tx_fail;
	uint8_t ndbuf[DMM_ND_BUILD_MAX];
	struct watch watch[SIG_WATCH];
	unsigned n_watch;
	struct dmm_hb *hb; /* Heartbeat with the CMD (RFC 5847), NULL if disabled */
	struct dmm_hb_actions *hb_out;
	uint64_t hb_next_ms; /* UINT64_MAX: not armed */
	bool cmd_active;     /* the CMD has been told we have bindings with it */
	uint32_t restart_counter;
	bool announce; /* restarted: send unsolicited responses (RFC 5847 §3.2) */
	uint64_t cmd_restarts, cmd_unreachable;
	uint64_t next_tick_ms; /* UINT64_MAX: not armed */
	uint64_t last_seq;     /* seq of the last op pushed for the state machine */
	uint16_t access_port;  /* where attached MNs are (first access port) */
	struct held *hold_head, **hold_tail;
	uint32_t n_held;
	struct sig_tunnel *tun; /* index == tunnel id */
	uint32_t n_tun_max;
	int lsock;
	char sock_path[108];
	uint64_t next_sock_poll_ms;
	struct sig_client cl[SIG_CLIENTS];
	struct sig_stats st;
	uint8_t mhbuf[DMM_MH_MAX_LEN];
};

static uint16_t mn_port(const struct dmm_sig *s, const char *nai);

/* The action buffer for a call made at the current nesting level. */
#define MOUT(s) ((s)->mout[(s)->mdepth < SIG_DEPTH ? (s)->mdepth : SIG_DEPTH - 1])
#define AOUT(s) ((s)->aout[(s)->adepth < SIG_DEPTH ? (s)->adepth : SIG_DEPTH - 1])

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	/* The Timestamp option counts from 1970 (RFC 5213 §8.8): the state machine's clock must be
	 * wall-clock time, the same the CMD reads. */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---------------------------------------------------------------- sending */

static bool try_send(struct dmm_ctl *c, const struct dmm_ip6 *dst, const uint8_t *buf, uint16_t len)
{
	struct dmm_dp *dp = c->dp;
	struct dmm_sig *s = c->sig;
	struct dmm_ip6 via = dmm_ctl_via(dp->cfg, dst);
	uint32_t id;

	if (dmm_ctl_neigh_get(c, &via, &id) < 0 || !c->nb[id].resolved)
		return false;
	struct rte_mbuf *m =
	    dmm_ctl_frame_new(dp->pool, &c->nb[id].mac, &dp->ports[dp->core_port].mac,
			      dp->cfg->address.a, dst->a, 64, len);
	if (m == NULL) {
		s->st.mh_send_fail++;
		return true; /* no mbuf: drop, the retransmission timers recover */
	}
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);
	ip->proto = PROTO_MH;
	memcpy(ip + 1, buf, len);
	s->st.mh_sent++;
	dmm_ctl_tx(c, dp->core_port, m);
	return true;
}

static void hold(struct dmm_ctl *c, const struct dmm_ip6 *dst, const uint8_t *buf, uint16_t len,
		 uint64_t after_seq)
{
	struct dmm_sig *s = c->sig;
	if (s->n_held >= HOLD_MAX) {
		s->st.held_dropped++;
		return;
	}
	struct held *h = malloc(sizeof(*h) + len);
	if (h == NULL) {
		s->st.held_dropped++;
		return;
	}
	h->next = NULL;
	h->dst = *dst;
	h->after_seq = after_seq;
	h->len = len;
	memcpy(h->buf, buf, len);
	*s->hold_tail = h;
	s->hold_tail = &h->next;
	s->n_held++;
	s->st.held++;
}

/* Held messages leave in order: a message never overtakes an earlier one to the same node. */
static unsigned flush_held(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	unsigned sent = 0;

	while (s->hold_head != NULL) {
		struct held *h = s->hold_head;
		if (h->after_seq != 0 && !dmm_opq_in_force(&c->dp->opq, h->after_seq))
			break;
		if (!try_send(c, &h->dst, h->buf, h->len))
			break;
		s->hold_head = h->next;
		if (s->hold_head == NULL)
			s->hold_tail = &s->hold_head;
		s->n_held--;
		free(h);
		sent++;
	}
	return sent;
}

static void do_send(struct dmm_ctl *c, const struct dmm_maar_action *a)
{
	struct dmm_sig *s = c->sig;
	size_t len;
	char line[512];
	int rc =
	    dmm_mh_build(&a->msg, &c->dp->cfg->address, &a->dst, s->mhbuf, sizeof(s->mhbuf), &len);
	if (rc != 0) {
		s->st.mh_send_fail++;
		dmm_log("sig", DMM_LOG_ERR, "cannot encode a message for %s: %s", a->nai,
			dmm_mh_strerror(rc));
		return;
	}
	if (dmm_log_enabled("sig", DMM_LOG_DEBUG)) {
		char d[DMM_IP6_STRLEN];
		dmm_mh_format(&a->msg, line, sizeof(line));
		dmm_log("sig", DMM_LOG_DEBUG, "-> %s %s", dmm_ip6_fmt(&a->dst, d), line);
	}
	uint64_t after = a->sync ? s->last_seq : 0;
	if (after != 0 && !dmm_opq_in_force(&c->dp->opq, after))
		s->st.held_sync++;
	else
		after = 0;
	/* Behind held messages, or waiting itself: keep the order. */
	if (after != 0 || s->hold_head != NULL || !try_send(c, &a->dst, s->mhbuf, (uint16_t)len))
		hold(c, &a->dst, s->mhbuf, (uint16_t)len, after);
}

/* ---------------------------------------------------------------- table ops */

static int push(struct dmm_ctl *c, struct dmm_op *op)
{
	uint64_t seq;
	int rc = dmm_ctl_push(c, op, &seq);
	if (rc < 0) {
		c->sig->st.ops_failed++;
		return rc;
	}
	c->sig->last_seq = seq;
	return 0;
}

static int32_t tunnel_find(const struct dmm_sig *s, const struct dmm_ip6 *peer)
{
	for (uint32_t i = 0; i < s->n_tun_max; i++)
		if (s->tun[i].used && dmm_ip6_eq(&s->tun[i].peer, peer))
			return (int32_t)i;
	return -1;
}

static void tunnel_add(struct dmm_ctl *c, const struct dmm_ip6 *peer)
{
	struct dmm_sig *s = c->sig;
	const struct dmm_config *cfg = c->dp->cfg;
	char p[DMM_IP6_STRLEN];

	if (tunnel_find(s, peer) >= 0)
		return; /* a static tunnel to the same peer: reuse it */
	uint32_t id;
	for (id = 0; id < s->n_tun_max; id++)
		if (!s->tun[id].used)
			break;
	if (id == s->n_tun_max) {
		s->st.ops_failed++;
		dmm_log("sig", DMM_LOG_ERR, "no tunnel id left for %s (limits.tunnels)",
			dmm_ip6_fmt(peer, p));
		return;
	}
	struct dmm_ip6 via = dmm_ctl_via(cfg, peer);
	uint32_t nh;
	if (dmm_ctl_neigh_get(c, &via, &nh) < 0) {
		s->st.ops_failed++;
		return;
	}
	struct dmm_op op = {.type = DMM_OP_TUNNEL_SET, .id = id};
	memcpy(op.u.tunnel.local, cfg->address.a, 16);
	memcpy(op.u.tunnel.remote, peer->a, 16);
	op.u.tunnel.mtu = cfg->tunnel_mtu;
	op.u.tunnel.nh = nh;
	if (push(c, &op) < 0)
		return;
	s->tun[id].used = true;
	s->tun[id].peer = *peer;
	s->st.tunnels_added++;
	dmm_log("sig", DMM_LOG_INFO, "tunnel %u to %s up", id, dmm_ip6_fmt(peer, p));
}

static void tunnel_del(struct dmm_ctl *c, const struct dmm_ip6 *peer)
{
	struct dmm_sig *s = c->sig;
	char p[DMM_IP6_STRLEN];
	int32_t id = tunnel_find(s, peer);

	if (id < 0 || s->tun[id].is_static)
		return;
	struct dmm_op op = {.type = DMM_OP_TUNNEL_DEL, .id = (uint32_t)id};
	if (push(c, &op) < 0)
		return;
	s->tun[id].used = false;
	s->st.tunnels_deleted++;
	dmm_log("sig", DMM_LOG_INFO, "tunnel %d to %s down", id, dmm_ip6_fmt(peer, p));
}

static void bind_set(struct dmm_ctl *c, const struct dmm_maar_action *a)
{
	struct dmm_sig *s = c->sig;
	struct dmm_op op = {.type = DMM_OP_BIND_SET};
	uint8_t both = DMM_MAAR_BIND_ANCHORED | DMM_MAAR_BIND_ATTACHED;

	memcpy(op.u.bind.prefix, a->prefix.addr.a, 8);
	op.u.bind.flags = a->flags;
	op.u.bind.tunnel = DMM_TUNNEL_NONE;
	if ((a->flags & both) != both) {
		int32_t id = tunnel_find(s, &a->peer);
		if (id < 0) {
			s->st.ops_failed++;
			return; /* the state machine always adds the tunnel first */
		}
		op.u.bind.tunnel = (uint32_t)id;
	}
	if (a->flags & DMM_MAAR_BIND_ATTACHED) {
		/* RFC 8885 §3.7: frames to the MN come from the DLIF of the prefix's anchor, an
		 * identity every MAAR derives alike from (anchor, MN-ID) (gap G5). */
		struct dmm_maar_dlif dlif;
		dmm_maar_dlif_derive((a->flags & DMM_MAAR_BIND_ANCHORED) ? &c->dp->cfg->address
									 : &a->peer,
				     a->nai, &dlif);
		memcpy(op.u.bind.dlif_mac.addr_bytes, dlif.mac, 6);
		op.port = mn_port(s, a->nai);
		if (a->has_ll_id)
			memcpy(op.u.bind.mac.addr_bytes, a->ll_id, 6);
	}
	if (push(c, &op) == 0)
		s->st.binds_set++;
}

static void bind_del(struct dmm_ctl *c, const struct dmm_maar_action *a)
{
	struct dmm_op op = {.type = DMM_OP_BIND_DEL};
	memcpy(op.u.bind.prefix, a->prefix.addr.a, 8);
	if (push(c, &op) == 0)
		c->sig->st.binds_deleted++;
}

/* ---------------------------------------------------------------- access link */

static void run_actions(struct dmm_ctl *c);
static void acc_run(struct dmm_ctl *c);

/* Call an access-machine function that fills AOUT(s), then perform its actions. */
#define acc_call(c, expr)                                                                          \
	do {                                                                                       \
		(void)(expr);                                                                      \
		acc_run(c);                                                                        \
	} while (0)

static void acc_send(struct dmm_ctl *c, uint16_t port, const struct dmm_nd_msg *m,
		     const uint8_t *dmac, const uint8_t *smac, const struct dmm_ip6 *src,
		     const struct dmm_ip6 *dst)
{
	struct dmm_sig *s = c->sig;
	struct dmm_dp *dp = c->dp;
	size_t len;
	int rc = dmm_nd_build(m, src, dst, s->ndbuf, sizeof(s->ndbuf), &len);

	if (rc != 0 || port >= dp->n_ports) {
		s->acc_tx_fail++;
		dmm_log("sig", DMM_LOG_ERR, "cannot build ND type %u: %s", m->type,
			dmm_nd_strerror(rc));
		return;
	}
	/* RFC 4861 §6.1.2, §7.1: every ND message leaves with hop limit 255. */
	struct rte_mbuf *f = dmm_ctl_frame_new(dp->pool, (const struct rte_ether_addr *)dmac,
					       (const struct rte_ether_addr *)smac, src->a, dst->a,
					       DMM_ND_HOP_LIMIT, (uint32_t)len);
	if (f == NULL) {
		s->acc_tx_fail++;
		return;
	}
	memcpy(rte_pktmbuf_mtod_offset(f, uint8_t *, ETH_LEN + IP6_LEN), s->ndbuf, len);
	s->acc_tx++;
	dmm_ctl_tx(c, port, f);
}

static void acc_send_ra(struct dmm_ctl *c, const struct dmm_access_ra *ra)
{
	struct dmm_nd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DMM_ND_RA;
	m.ra.cur_hop_limit = ra->cur_hop_limit;
	m.ra.router_lifetime_s = ra->router_lifetime_s;
	/* RFC 4191 §2.2: the preference must be 0 (medium) when the router lifetime is 0. */
	if (ra->router_lifetime_s != 0)
		m.ra.flags = (uint8_t)((unsigned)ra->prf << DMM_ND_RA_PRF_SHIFT);
	m.ra.reachable_ms = ra->reachable_ms;
	m.ra.retrans_ms = ra->retrans_ms;
	m.has_slla = true; /* RFC 4861 §4.2: the DLIF's link-layer address */
	m.slla.len = 6;
	memcpy(m.slla.a, ra->src_mac, 6);
	if (ra->mtu != 0) {
		m.has_mtu = true;
		m.mtu = ra->mtu;
	}
	for (unsigned i = 0; i < ra->n_pio && i < DMM_ND_MAX_PIO; i++) {
		m.pio[i].prefix = ra->pio[i].prefix;
		m.pio[i].flags = (uint8_t)((ra->pio[i].l ? DMM_ND_PIO_L : 0) |
					   (ra->pio[i].a ? DMM_ND_PIO_A : 0));
		m.pio[i].valid_s = ra->pio[i].valid_s;
		m.pio[i].preferred_s = ra->pio[i].preferred_s;
		m.n_pio++;
	}
	for (unsigned i = 0; i < ra->n_rio && i < DMM_ND_MAX_RIO; i++) {
		m.rio[i].prefix = ra->rio[i].prefix;
		m.rio[i].prf = (uint8_t)ra->rio[i].prf;
		m.rio[i].lifetime_s = ra->rio[i].lifetime_s;
		m.n_rio++;
	}
	acc_send(c, ra->port, &m, ra->dst_mac, ra->src_mac, &ra->src, &ra->dst);
}

static void acc_send_na(struct dmm_ctl *c, const struct dmm_access_na *na)
{
	struct dmm_nd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DMM_ND_NA;
	m.na_flags = na->flags;
	m.target = na->target;
	m.has_tlla = true;
	m.tlla.len = 6;
	memcpy(m.tlla.a, na->tlla, 6);
	acc_send(c, na->port, &m, na->dst_mac, na->src_mac, &na->src, &na->dst);
}

static void acc_send_ns(struct dmm_ctl *c, const struct dmm_access_ns *ns)
{
	struct dmm_nd_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DMM_ND_NS;
	m.target = ns->target;
	m.has_slla = true;
	m.slla.len = 6;
	memcpy(m.slla.a, ns->src_mac, 6);
	acc_send(c, ns->port, &m, ns->dst_mac, ns->src_mac, &ns->src, &ns->dst);
}

static void acc_run(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	char mac[DMM_MAC_STRLEN], a1[DMM_IP6_STRLEN], a2[DMM_IP6_STRLEN];

	if (s->adepth >= SIG_DEPTH) {
		dmm_log("sig", DMM_LOG_ERR, "access calls nested too deep: actions dropped");
		return;
	}
	struct dmm_access_actions *out = s->aout[s->adepth++];
	for (unsigned i = 0; i < out->n; i++) {
		const struct dmm_access_action *a = &out->a[i];
		switch (a->type) {
		case DMM_ACCESS_ACT_ATTACH: {
			int rc = dmm_maar_attach(s->sm, now_ms(), a->nai, a->mac, MOUT(s));
			run_actions(c);
			if (rc < 0) /* pool empty or table full: counted and logged by the MAAR */
				acc_call(c, dmm_access_forget(s->acc, now_ms(), a->nai, AOUT(s)));
			break;
		}
		case DMM_ACCESS_ACT_DETACH:
			/* NUD failed (RFC 4861 §7.3.3): RFC 8885 §3.5's grace starts at the MAAR.
			 */
			dmm_maar_detach(s->sm, now_ms(), a->nai, MOUT(s));
			run_actions(c);
			break;
		case DMM_ACCESS_ACT_SEND_RA:
			acc_send_ra(c, &a->ra);
			break;
		case DMM_ACCESS_ACT_SEND_NA:
			acc_send_na(c, &a->na);
			break;
		case DMM_ACCESS_ACT_SEND_NS:
			acc_send_ns(c, &a->ns);
			break;
		case DMM_ACCESS_ACT_ARM:
			s->acc_next_ms = a->at_ms;
			break;
		case DMM_ACCESS_ACT_EVENT:
			if (a->event == DMM_ACCESS_EV_REFUSED)
				dmm_log("sig", DMM_LOG_NOTICE,
					"access: attach of %s refused (%s, %u more not logged)",
					dmm_mac_fmt((const struct dmm_mac *)a->mac, mac),
					dmm_access_refuse_name(a->reason), a->suppressed);
			else if (a->event == DMM_ACCESS_EV_DLIF_ADDED ||
				 a->event == DMM_ACCESS_EV_DLIF_REMOVED)
				dmm_log("sig", DMM_LOG_INFO, "mn %s: %s for anchor %s: %s %s",
					a->nai, dmm_access_event_name(a->event),
					dmm_ip6_fmt(&a->anchor, a1),
					dmm_mac_fmt((const struct dmm_mac *)a->dlif.mac, mac),
					dmm_ip6_fmt(&a->dlif.lla, a2));
			else
				dmm_log("sig", DMM_LOG_INFO, "mn %s: %s (%s, port %u) t=%" PRIu64,
					a->nai, dmm_access_event_name(a->event),
					dmm_mac_fmt((const struct dmm_mac *)a->mac, mac), a->port,
					now_us());
			break;
		}
	}
	out->n = 0;
	s->adepth--;
}

/* The port an MN is on, as the access link knows it; the first access port otherwise. */
static uint16_t mn_port(const struct dmm_sig *s, const char *nai)
{
	struct dmm_access_mn mn;

	if (s->acc != NULL && dmm_access_lookup(s->acc, nai, &mn) == 0)
		return mn.port;
	return s->access_port;
}

bool dmm_sig_access_nd(struct dmm_ctl *c, const struct rte_mbuf *m)
{
	struct dmm_sig *s = c->sig;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);
	uint32_t len = rte_be_to_cpu_16(ip->payload_len);
	const struct dmm_ip6 *src = (const struct dmm_ip6 *)ip->src_addr;
	const struct dmm_ip6 *dst = (const struct dmm_ip6 *)ip->dst_addr;
	uint16_t port = m->port;
	struct dmm_nd_msg nd;
	uint64_t now = now_ms();

	if (s == NULL || s->acc == NULL || c->dp->cfg->ports[port].role != DMM_ROLE_ACCESS ||
	    rte_pktmbuf_data_len(m) < ETH_LEN + IP6_LEN + len)
		return false;
	if (dmm_nd_parse((const uint8_t *)(ip + 1), len, src, dst, ip->hop_limits, &nd) != 0)
		return false; /* the ND code counts it as malformed */
	const uint8_t *mac = eth->src_addr.addr_bytes;
	switch (nd.type) {
	case DMM_ND_RS:
		acc_call(c, dmm_access_rx_rs(s->acc, now, port, mac, src, AOUT(s)));
		return true;
	case DMM_ND_NS:
		/* Addresses of the port itself are answered by the control lcore's own ND. */
		for (unsigned k = 0; k < c->n_local; k++)
			if (dmm_ip6_eq(&c->local[k], &nd.target) && c->local_port[k] == port)
				return false;
		acc_call(c, dmm_access_rx_ns(s->acc, now, port, mac, src, &nd.target, AOUT(s)));
		return true;
	case DMM_ND_NA:
		acc_call(
		    c, dmm_access_rx_na(s->acc, now, port, mac, &nd.target, nd.na_flags, AOUT(s)));
		return true;
	default:
		return false;
	}
}

void dmm_sig_unknown_src(struct dmm_ctl *c, const struct rte_mbuf *m, uint16_t port)
{
	struct dmm_sig *s = c->sig;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);

	if (s == NULL || s->acc == NULL || port >= c->dp->n_ports)
		return;
	acc_call(c, dmm_access_rx_unknown_src(s->acc, now_ms(), port, eth->src_addr.addr_bytes,
					      (const struct dmm_ip6 *)ip->src_addr, AOUT(s)));
}

static unsigned acc_poll(struct dmm_ctl *c, uint64_t now)
{
	struct dmm_sig *s = c->sig;
	unsigned work = 0;

	if (s->acc == NULL || now < s->acc_next_ms)
		return 0;
	s->acc_next_ms = UINT64_MAX;
	for (int i = 0; i < 16; i++) {
		int rc = dmm_access_tick(s->acc, now, AOUT(s));
		acc_run(c);
		work++;
		if (rc != DMM_ACCESS_MORE)
			break;
	}
	return work;
}

static int acc_init(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	const struct dmm_config *cfg = c->dp->cfg;
	const struct dmm_cfg_access *ac = &cfg->sig.access;
	struct dmm_access_table_entry *tab = NULL;
	struct dmm_access_config a;
	int rc = 0;

	s->acc_next_ms = UINT64_MAX;
	dmm_access_config_default(&a);
	a.policy = ac->policy == DMM_CFG_ACCESS_ALLOWLIST ? DMM_ACCESS_POLICY_ALLOWLIST
		   : ac->policy == DMM_CFG_ACCESS_TABLE	  ? DMM_ACCESS_POLICY_TABLE
							  : DMM_ACCESS_POLICY_ANY;
	a.allow = (const uint8_t(*)[6])ac->allow;
	a.n_allow = ac->n_allow;
	if (ac->n_mns > 0) {
		tab = calloc(ac->n_mns, sizeof(*tab));
		if (tab == NULL)
			return -ENOMEM;
		for (unsigned i = 0; i < ac->n_mns; i++) {
			memcpy(tab[i].mac, ac->mns[i].mac.a, 6);
			tab[i].nai = ac->mns[i].nai;
		}
	}
	a.table = tab;
	a.n_table = ac->n_mns;
	a.nai_realm = ac->nai_realm;
	a.addr = cfg->address;
	a.max_mns = cfg->sig.max_mns;
	a.router_lifetime_s = ac->router_lifetime_s;
	a.ra_interval_ms = ac->ra_interval_ms;
	a.ra_min_delay_ms = ac->ra_min_delay_ms;
	/* RFC 5213 §6.9.2: the MN's packets from any of its prefixes may be tunnelled. */
	a.link_mtu = cfg->tunnel_mtu;
	a.nud_reachable_ms = ac->nud_reachable_ms;
	a.nud_retrans_ms = ac->nud_retrans_ms;
	a.nud_max_probes = (uint8_t)ac->nud_max_probes;
	a.hash_seed = rte_rdtsc();
	s->acc = dmm_access_new(&a, &rc); /* copies the table */
	free(tab);
	return s->acc == NULL ? rc : 0;
}

/* ---------------------------------------------------------------- actions */

static void run_actions(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	char p[DMM_PFX_STRLEN], q[DMM_IP6_STRLEN], m[DMM_MAC_STRLEN], l[DMM_IP6_STRLEN];

	if (s->mdepth >= SIG_DEPTH) {
		dmm_log("sig", DMM_LOG_ERR, "state machine calls nested too deep: actions dropped");
		return;
	}
	struct dmm_maar_actions *out = s->mout[s->mdepth++];
	uint64_t t_decided = now_us();
	/* The MN moved on (or was refused): the access link forgets it first, so the WITHDRAWs
	 * of this list send no final RA to a link the MN has left (access_sm.h). */
	for (unsigned i = 0; s->acc != NULL && i < out->n; i++)
		if (out->a[i].type == DMM_MAAR_ACT_EVENT &&
		    out->a[i].event == DMM_MAAR_EV_ANCHOR_MOVED)
			acc_call(c, dmm_access_forget(s->acc, now_ms(), out->a[i].nai, AOUT(s)));
	for (unsigned i = 0; i < out->n; i++) {
		const struct dmm_maar_action *a = &out->a[i];
		switch (a->type) {
		case DMM_MAAR_ACT_SEND:
			do_send(c, a);
			break;
		case DMM_MAAR_ACT_ARM:
			s->next_tick_ms = a->at_ms;
			break;
		case DMM_MAAR_ACT_TUNNEL_ADD:
			tunnel_add(c, &a->peer);
			break;
		case DMM_MAAR_ACT_TUNNEL_DEL:
			tunnel_del(c, &a->peer);
			break;
		case DMM_MAAR_ACT_BIND_SET:
			bind_set(c, a);
			break;
		case DMM_MAAR_ACT_BIND_DEL:
			bind_del(c, a);
			break;
		case DMM_MAAR_ACT_ADVERTISE:
			/* RFC 8885 §3.7: the access link sends it from the anchor's DLIF. */
			s->st.advertise++;
			if (s->acc != NULL)
				acc_call(c,
					 dmm_access_advertise(
					     s->acc, now_ms(), a->nai, &a->prefix, a->valid_s,
					     a->preferred_s, &a->peer, &a->dlif,
					     dmm_ip6_eq(&a->peer, &c->dp->cfg->address), AOUT(s)));
			/* D3, RFC 8885 §3.7: the anchor's Local Prefixes (66) as RFC 4191 routes
			 * on its DLIF, which the ADVERTISE just created or refreshed. */
			if (s->acc != NULL && a->local_set)
				acc_call(c, dmm_access_local_prefixes(s->acc, now_ms(), a->nai,
								      &a->peer, a->local, a->n_local,
								      AOUT(s)));
			dmm_log(
			    "sig", DMM_LOG_INFO,
			    "mn %s: advertise %s (anchor %s, preferred %us, valid %us) from DLIF "
			    "%s %s",
			    a->nai, dmm_prefix_fmt(&a->prefix, p), dmm_ip6_fmt(&a->peer, q),
			    a->preferred_s, a->valid_s,
			    dmm_mac_fmt((const struct dmm_mac *)a->dlif.mac, m),
			    dmm_ip6_fmt(&a->dlif.lla, l));
			break;
		case DMM_MAAR_ACT_WITHDRAW:
			s->st.withdraw++;
			if (s->acc != NULL)
				acc_call(c, dmm_access_withdraw(s->acc, now_ms(), a->nai,
								&a->prefix, AOUT(s)));
			dmm_log("sig", DMM_LOG_INFO, "mn %s: withdraw %s", a->nai,
				dmm_prefix_fmt(&a->prefix, p));
			break;
		case DMM_MAAR_ACT_EVENT:
			s->st.events++;
			dmm_log("sig", DMM_LOG_INFO, "mn %s: %s%s%s%s%s status %u t=%" PRIu64,
				a->nai, dmm_maar_event_name(a->event), a->prefix.len ? " " : "",
				a->prefix.len ? dmm_prefix_fmt(&a->prefix, p) : "",
				dmm_ip6_is_zero(&a->peer) ? "" : " peer ",
				dmm_ip6_is_zero(&a->peer) ? "" : dmm_ip6_fmt(&a->peer, q),
				a->status, now_us());
			break;
		}
	}
	/* Watch the ops of a registration, handover or anchor move until they are in force. */
	for (unsigned i = 0; i < out->n; i++) {
		const struct dmm_maar_action *a = &out->a[i];
		if (a->type != DMM_MAAR_ACT_EVENT ||
		    (a->event != DMM_MAAR_EV_REGISTERED && a->event != DMM_MAAR_EV_HANDOVER_DONE &&
		     a->event != DMM_MAAR_EV_ANCHOR_MOVED) ||
		    s->n_watch == SIG_WATCH || s->last_seq == 0)
			continue;
		struct watch *w = &s->watch[s->n_watch++];
		snprintf(w->nai, sizeof(w->nai), "%s", a->nai);
		w->what = dmm_maar_event_name(a->event);
		w->seq = s->last_seq;
		w->t_us = t_decided;
	}
	out->n = 0;
	s->mdepth--;
}

/* ---------------------------------------------------------------- heartbeat */

static void hb_run(struct dmm_ctl *c, uint64_t now)
{
	struct dmm_sig *s = c->sig;
	char a[DMM_IP6_STRLEN];

	for (unsigned i = 0; i < s->hb_out->n; i++) {
		const struct dmm_hb_action *h = &s->hb_out->a[i];
		switch (h->type) {
		case DMM_HB_ACT_SEND: {
			struct dmm_maar_action m = {.type = DMM_MAAR_ACT_SEND, .dst = h->peer};
			m.msg = h->msg;
			do_send(c, &m);
			break;
		}
		case DMM_HB_ACT_ARM:
			s->hb_next_ms = h->at_ms;
			break;
		case DMM_HB_ACT_RESTARTED:
			/* RFC 5847 §3.2: the CMD lost its binding cache; our sessions are only
			 * valid again once re-registered. */
			s->cmd_restarts++;
			dmm_log("sig", DMM_LOG_WARNING,
				"CMD %s restarted (Restart Counter %u -> %u): re-registering every "
				"session served here",
				dmm_ip6_fmt(&h->peer, a), h->old_rc, h->new_rc);
			dmm_maar_cmd_restarted(s->sm, now, MOUT(s));
			run_actions(c);
			break;
		case DMM_HB_ACT_UNREACHABLE:
			s->cmd_unreachable++;
			dmm_log("sig", DMM_LOG_WARNING, "CMD %s unreachable (missed heartbeats)",
				dmm_ip6_fmt(&h->peer, a));
			break;
		case DMM_HB_ACT_REACHABLE:
			dmm_log("sig", DMM_LOG_NOTICE, "CMD %s reachable again",
				dmm_ip6_fmt(&h->peer, a));
			break;
		case DMM_HB_ACT_DISABLED:
			dmm_log("sig", DMM_LOG_WARNING,
				"CMD %s does not implement Heartbeat (Binding Error 2): no more "
				"requests",
				dmm_ip6_fmt(&h->peer, a));
			break;
		}
	}
	s->hb_out->n = 0;
}

/* RFC 5847 §3 (H3): requests only while we hold at least one binding with the CMD. */
static void hb_activity(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	bool active = dmm_maar_count(s->sm) > 0;

	if (s->hb == NULL || active == s->cmd_active)
		return;
	s->cmd_active = active;
	dmm_hb_set_active(s->hb, &c->dp->cfg->sig.cmd, active);
}

static unsigned hb_poll(struct dmm_ctl *c, uint64_t now)
{
	struct dmm_sig *s = c->sig;
	unsigned work = 0;

	if (s->hb == NULL)
		return 0;
	if (s->announce) {
		unsigned cursor = 0;
		while (dmm_hb_announce(s->hb, &cursor, s->hb_out) == DMM_HB_MORE)
			hb_run(c, now);
		hb_run(c, now);
		s->announce = false;
		work++;
	}
	if (now >= s->hb_next_ms) {
		s->hb_next_ms = UINT64_MAX;
		for (int i = 0; i < 16; i++) {
			int rc = dmm_hb_tick(s->hb, now, s->hb_out);
			hb_run(c, now);
			work++;
			if (rc != DMM_HB_MORE)
				break;
		}
	}
	return work;
}

/* The Restart Counter survives restarts in a file (RFC 5847 §3.2): read it, add one (every
 * start of dmm-maar loses its sessions), write it back atomically. First start: 1, no
 * announcement. */
static int restart_counter(const char *path, uint32_t *out, bool *restarted)
{
	unsigned long v = 0;
	char tmp[DMM_CFG_PATH_LEN + 8];
	FILE *f;

	*restarted = false;
	if (path[0] == '\0') {
		*out = 1;
		return 0;
	}
	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%lu", &v) == 1)
			*restarted = true;
		fclose(f);
	}
	*out = (uint32_t)(v + 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "%u\n", *out);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		int rc = -errno;
		fclose(f);
		return rc;
	}
	fclose(f);
	return rename(tmp, path) < 0 ? -errno : 0;
}

static int hb_init(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	const struct dmm_cfg_signalling *sc = &c->dp->cfg->sig;
	struct dmm_hb_config hc;
	int rc;

	s->hb_next_ms = UINT64_MAX;
	if (!sc->heartbeat.enabled)
		return 0;
	rc = restart_counter(sc->heartbeat.restart_counter_file, &s->restart_counter, &s->announce);
	if (rc < 0) {
		dmm_log("sig", DMM_LOG_ERR, "restart counter file %s: %s",
			sc->heartbeat.restart_counter_file, strerror(-rc));
		return rc;
	}
	dmm_hb_config_default(&hc);
	hc.addr = c->dp->cfg->address;
	hc.interval_ms = sc->heartbeat.interval_s * 1000u;
	hc.allow_short = sc->heartbeat.allow_short;
	hc.missing_allowed = sc->heartbeat.missing_allowed;
	hc.restart_counter = s->restart_counter;
	hc.max_peers = 1;
	s->hb_out = calloc(1, sizeof(*s->hb_out));
	if (s->hb_out == NULL)
		return -ENOMEM;
	s->hb = dmm_hb_new(&hc, &rc);
	if (s->hb == NULL)
		return rc;
	rc = dmm_hb_peer_add(s->hb, now_ms(), &sc->cmd);
	if (rc < 0)
		return rc;
	s->hb_next_ms = dmm_hb_next_due(s->hb);
	return 0;
}

/* ---------------------------------------------------------------- inputs */

void dmm_sig_input(struct dmm_ctl *c, const struct dmm_ip6 *src, const struct dmm_mh_msg *msg)
{
	struct dmm_sig *s = c->sig;
	uint64_t now = now_ms();
	if (dmm_log_enabled("sig", DMM_LOG_DEBUG)) {
		char line[512], a[DMM_IP6_STRLEN];
		dmm_mh_format(msg, line, sizeof(line));
		dmm_log("sig", DMM_LOG_DEBUG, "<- %s %s", dmm_ip6_fmt(src, a), line);
	}
	if (msg->type == DMM_MH_HB || msg->type == DMM_MH_BE) {
		/* Heartbeats only from the CMD (as PBUs: the sender is authenticated by address,
		 * RFC 5213 §4 stands in for IPsec); a Binding Error may answer a heartbeat. */
		if (s->hb != NULL && dmm_ip6_eq(src, &c->dp->cfg->sig.cmd)) {
			dmm_hb_input(s->hb, now, src, msg, s->hb_out);
			hb_run(c, now);
		}
		return;
	}
	dmm_maar_input(s->sm, now, src, msg, MOUT(s));
	run_actions(c);
	hb_activity(c);
}

static unsigned tick(struct dmm_ctl *c, uint64_t now)
{
	struct dmm_sig *s = c->sig;
	unsigned work = 0;

	if (now < s->next_tick_ms)
		return 0;
	s->next_tick_ms = UINT64_MAX;
	/* Bounded: a burst of due timers is spread over several control loops. */
	for (int i = 0; i < 16; i++) {
		int rc = dmm_maar_tick(s->sm, now, MOUT(s));
		run_actions(c);
		work++;
		if (rc != DMM_MAAR_MORE)
			break;
	}
	return work;
}

/* ---------------------------------------------------------------- control socket */

static void client_close(struct sig_client *cl)
{
	close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

static const char *errstr(int rc)
{
	switch (rc) {
	case -ENOSPC:
		return "refused: prefix pool empty or session table full";
	case -EINVAL:
		return "invalid argument";
	case -ENAMETOOLONG:
		return "MN-ID longer than 254 octets";
	default:
		return strerror(-rc);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

struct page {
	FILE *f;
	uint32_t skip, limit, seen, written;
};

static int session_json(const struct dmm_maar_session *ss, void *arg)
{
	struct page *pg = arg;
	char p[DMM_PFX_STRLEN], a[DMM_IP6_STRLEN], m[DMM_MAC_STRLEN];

	if (pg->seen++ < pg->skip)
		return 0;
	if (pg->written == pg->limit)
		return 1;
	FILE *f = pg->f;
	fprintf(f, "%s{\"mn\":", pg->written++ ? "," : "");
	json_str(f, ss->nai);
	fprintf(f, ",\"state\":\"%s\",\"prefix\":\"%s\"", dmm_maar_state_name(ss->state),
		dmm_prefix_fmt(&ss->pfx, p));
	if (ss->has_ll_id)
		fprintf(f, ",\"ll_id\":\"%s\"", dmm_mac_fmt((const struct dmm_mac *)ss->ll_id, m));
	if (ss->state == DMM_MAAR_S_ANCHOR || ss->state == DMM_MAAR_S_ANCHOR_DEREG)
		fprintf(f, ",\"serving\":\"%s\"", dmm_ip6_fmt(&ss->smaar, a));
	fputs(",\"anchors\":[", f);
	for (unsigned i = 0; i < ss->n_remote; i++) {
		char q[DMM_PFX_STRLEN];
		fprintf(f, "%s{\"maar\":\"%s\",\"prefix\":\"%s\"}", i ? "," : "",
			dmm_ip6_fmt(&ss->remote[i].addr, a), dmm_prefix_fmt(&ss->remote[i].pfx, q));
	}
	fprintf(f, "],\"expire_ms\":%" PRIu64 ",\"last_seq\":%u,\"pbu_outstanding\":%s}",
		ss->expire_ms, ss->last_seq, ss->pbu_outstanding ? "true" : "false");
	return 0;
}

static void write_sig_stats(struct dmm_ctl *c, FILE *f)
{
	struct dmm_sig *s = c->sig;
	const struct dmm_maar_stats *m = dmm_maar_get_stats(s->sm);
	const struct dmm_config *cfg = c->dp->cfg;
	char a[DMM_IP6_STRLEN];

#define U(name, v) fprintf(f, ",\"%s\":%" PRIu64, name, (uint64_t)(v))
	fprintf(f, "{\"cmd\":\"%s\",\"mode\":\"%s\"", dmm_ip6_fmt(&cfg->sig.cmd, a),
		dmm_cfg_cmd_mode_name(cfg->sig.mode));
	U("sessions", dmm_maar_count(s->sm));
	U("pool_used", dmm_maar_pool_used(s->sm));
	U("held_now", s->n_held);
	U("mh_sent", s->st.mh_sent);
	U("mh_send_fail", s->st.mh_send_fail);
	U("held", s->st.held);
	U("held_sync", s->st.held_sync);
	U("held_dropped", s->st.held_dropped);
	U("tunnels_added", s->st.tunnels_added);
	U("tunnels_deleted", s->st.tunnels_deleted);
	U("binds_set", s->st.binds_set);
	U("binds_deleted", s->st.binds_deleted);
	U("advertise", s->st.advertise);
	U("withdraw", s->st.withdraw);
	U("ops_failed", s->st.ops_failed);
	if (s->acc != NULL) {
		const struct dmm_access_stats *x = dmm_access_get_stats(s->acc);
		U("access_mns", dmm_access_count(s->acc));
		U("access_rx_rs", x->rx_rs);
		U("access_rx_ns", x->rx_ns);
		U("access_rx_na", x->rx_na);
		U("access_rx_unknown_src", x->rx_unknown_src);
		U("access_attach", x->attach);
		U("access_reattach", x->reattach);
		U("access_refused", x->refused[0] + x->refused[1] + x->refused[2] + x->refused[3]);
		U("access_nud_failed", x->nud_failed);
		U("access_ra_sent", x->ra_sent);
		U("access_ra_final", x->ra_final);
		U("access_na_sent", x->na_sent);
		U("access_ns_sent", x->ns_sent);
		U("access_dlif_added", x->dlif_added);
		U("access_dlif_removed", x->dlif_removed);
		U("access_tx", s->acc_tx);
		U("access_tx_fail", s->acc_tx_fail);
	}
	U("restart_counter", s->restart_counter);
	U("cmd_restarts", s->cmd_restarts);
	U("cmd_unreachable", s->cmd_unreachable);
	if (s->hb != NULL) {
		const struct dmm_hb_stats *h = dmm_hb_get_stats(s->hb);
		U("hb_tx_req", h->tx_req);
		U("hb_tx_resp", h->tx_resp);
		U("hb_rx_req", h->rx_req);
		U("hb_rx_resp", h->rx_resp);
		U("hb_rx_unsolicited", h->rx_unsolicited);
	}
	U("attach", m->attach);
	U("detach", m->detach);
	U("attach_refused_pool", m->attach_refused_pool);
	U("attach_refused_full", m->attach_refused_full);
	U("pbu_sent", m->pbu_sent);
	U("pbu_retx", m->pbu_retx);
	U("pbu_paced", m->pbu_paced);
	U("pba_sent", m->pba_sent);
	U("pba_direct_sent", m->pba_direct_sent);
	U("rx_pba", m->rx_pba);
	U("rx_pbu", m->rx_pbu);
	U("rx_other", m->rx_other);
	U("drop_unknown_src", m->drop_unknown_src);
	U("drop_pba_unmatched", m->drop_pba_unmatched);
	U("drop_pba_mismatch", m->drop_pba_mismatch);
	U("pbu_no_session", m->pbu_no_session);
	U("registrations", m->registrations);
	U("handovers", m->handovers);
	U("refreshes", m->refreshes);
	U("rejections", m->rejections);
	U("anchor_moves", m->anchor_moves);
	U("remote_anchors_added", m->remote_anchors_added);
	U("deregistrations", m->deregistrations);
	U("expirations", m->expirations);
	U("prefixes_allocated", m->prefixes_allocated);
	U("prefixes_released", m->prefixes_released);
#undef U
	fputs("}\n", f);
}

static void answer(struct dmm_ctl *c, char *req, FILE *f)
{
	struct dmm_sig *s = c->sig;
	char *save = NULL;
	char *w[5] = {0};
	int n = 0;

	for (char *t = strtok_r(req, " \t", &save); t != NULL && n < 5;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	s->st.ctl_requests++;
	if (n >= 3 && strcmp(w[0], "mn") == 0 && strcmp(w[1], "attach") == 0 && n <= 4) {
		struct dmm_mac mac;
		if (n == 4 && (dmm_mac_parse(w[3], &mac) < 0 || dmm_mac_is_zero(&mac) ||
			       dmm_mac_is_multicast(&mac))) {
			fputs("{\"error\":\"not a unicast MAC address\"}\n", f);
			return;
		}
		if (strlen(w[2]) > DMM_MH_NAI_MAX) {
			fprintf(f, "{\"error\":\"%s\"}\n", errstr(-ENAMETOOLONG));
			return;
		}
		/* The access link learns the MN first, so the RAs of the ADVERTISEs find it. */
		if (n == 4 && s->acc != NULL)
			acc_call(c, dmm_access_add_mn(s->acc, now_ms(), s->access_port, mac.a, w[2],
						      AOUT(s)));
		int rc = dmm_maar_attach(s->sm, now_ms(), w[2], n == 4 ? mac.a : NULL, MOUT(s));
		run_actions(c);
		if (rc < 0 && s->acc != NULL)
			acc_call(c, dmm_access_forget(s->acc, now_ms(), w[2], AOUT(s)));
		hb_activity(c);
		if (rc < 0)
			fprintf(f, "{\"error\":\"%s\"}\n", errstr(rc));
		else
			fputs("{\"result\":\"attached\"}\n", f);
		dmm_log("sig", DMM_LOG_INFO, "control: mn attach %s%s%s: %s", w[2],
			n == 4 ? " " : "", n == 4 ? w[3] : "", rc < 0 ? errstr(rc) : "ok");
	} else if (n == 3 && strcmp(w[0], "mn") == 0 && strcmp(w[1], "detach") == 0) {
		int rc = dmm_maar_detach(s->sm, now_ms(), w[2], MOUT(s));
		run_actions(c);
		if (rc == DMM_MAAR_IGNORED)
			fputs("{\"error\":\"no MN with this MN-ID is served here\"}\n", f);
		else if (rc < 0)
			fprintf(f, "{\"error\":\"%s\"}\n", errstr(rc));
		else
			fputs("{\"result\":\"detached\"}\n", f);
		dmm_log("sig", DMM_LOG_INFO, "control: mn detach %s: %s", w[2],
			rc == DMM_MAAR_IGNORED ? "not served here"
			: rc < 0	       ? errstr(rc)
					       : "ok");
	} else if (n >= 1 && n <= 3 && strcmp(w[0], "sessions") == 0) {
		struct page pg = {.f = f, .limit = SESSIONS_PAGE};
		char *end;
		if (n >= 2) {
			unsigned long v = strtoul(w[1], &end, 10);
			if (*end != '\0' || v > UINT32_MAX) {
				fputs("{\"error\":\"offset: not a number\"}\n", f);
				return;
			}
			pg.skip = (uint32_t)v;
		}
		if (n == 3) {
			unsigned long v = strtoul(w[2], &end, 10);
			if (*end != '\0' || v == 0 || v > SESSIONS_PAGE_MAX) {
				fprintf(f, "{\"error\":\"limit: 1..%d\"}\n", SESSIONS_PAGE_MAX);
				return;
			}
			pg.limit = (uint32_t)v;
		}
		fprintf(f, "{\"count\":%u,\"offset\":%u,\"sessions\":[", dmm_maar_count(s->sm),
			pg.skip);
		int more = dmm_maar_foreach(s->sm, session_json, &pg);
		if (more > 0)
			fprintf(f, "],\"next\":%u}\n", pg.skip + pg.written);
		else
			fputs("],\"next\":null}\n", f);
	} else if (n == 1 && strcmp(w[0], "sig") == 0) {
		write_sig_stats(c, f);
	} else {
		fputs("{\"error\":\"unknown request; try: mn attach NAI [MAC], mn detach NAI, "
		      "sessions [OFFSET [LIMIT]], sig\"}\n",
		      f);
	}
}

static void client_io(struct dmm_ctl *c, struct sig_client *cl)
{
	if (cl->out != NULL) {
		while (cl->out_off < cl->out_len) {
			ssize_t k = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (k <= 0)
				break;
			cl->out_off += (size_t)k;
		}
		client_close(cl);
		return;
	}
	for (;;) {
		ssize_t k = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - 1 - cl->in_len,
				 MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (k <= 0 && cl->in_len == 0) {
			client_close(cl);
			return;
		}
		if (k > 0)
			cl->in_len += (size_t)k;
		bool line = memchr(cl->in, '\n', cl->in_len) != NULL;
		if (!line && k > 0 && cl->in_len < sizeof(cl->in) - 1)
			continue;
		cl->in[cl->in_len] = '\0';
		cl->in[strcspn(cl->in, "\r\n")] = '\0';
		FILE *f = open_memstream(&cl->out, &cl->out_len);
		if (f == NULL) {
			client_close(cl);
			return;
		}
		if (!line && cl->in_len == sizeof(cl->in) - 1)
			fputs("{\"error\":\"request line too long\"}\n", f);
		else
			answer(c, cl->in, f);
		fclose(f);
		cl->out_off = 0;
		client_io(c, cl);
		return;
	}
}

static unsigned sock_poll(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	unsigned work = 0;

	if (s->lsock < 0)
		return 0;
	for (;;) {
		int fd = accept4(s->lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		int slot = -1;
		for (int i = 0; i < SIG_CLIENTS; i++)
			if (s->cl[i].fd < 0) {
				slot = i;
				break;
			}
		if (slot < 0) {
			close(fd); /* busy: the client sees EOF */
			continue;
		}
		s->cl[slot].fd = fd;
		work++;
	}
	for (int i = 0; i < SIG_CLIENTS; i++)
		if (s->cl[i].fd >= 0) {
			client_io(c, &s->cl[i]);
			work++;
		}
	return work;
}

static int sock_open(struct dmm_sig *s, const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(s->sock_path, sizeof(s->sock_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	mode_t old = umask(0077); /* the socket changes forwarding state: root only */
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	s->lsock = fd;
	return 0;
}

/* ---------------------------------------------------------------- life cycle */

unsigned dmm_sig_poll(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	unsigned work = 0;
	uint64_t now = now_ms();

	if (s->hold_head != NULL)
		work += flush_held(c);
	for (unsigned i = 0; i < s->n_watch;) {
		struct watch *w = &s->watch[i];
		if (!dmm_opq_in_force(&c->dp->opq, w->seq)) {
			i++;
			continue;
		}
		uint64_t t = now_us();
		dmm_log("sig", DMM_LOG_INFO,
			"mn %s: %s in force on every worker after %" PRIu64 " us t=%" PRIu64,
			w->nai, w->what, t - w->t_us, t);
		*w = s->watch[--s->n_watch];
		work++;
	}
	work += tick(c, now);
	hb_activity(c);
	work += hb_poll(c, now);
	work += acc_poll(c, now);
	if (now >= s->next_sock_poll_ms) {
		s->next_sock_poll_ms = now + SIG_SOCK_POLL_MS;
		work += sock_poll(c);
	}
	return work;
}

int dmm_sig_init(struct dmm_ctl *c)
{
	const struct dmm_config *cfg = c->dp->cfg;
	const struct dmm_cfg_signalling *sc = &cfg->sig;
	struct dmm_maar_config mc;
	int rc = 0;

	struct dmm_sig *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->lsock = -1;
	for (int i = 0; i < SIG_CLIENTS; i++)
		s->cl[i].fd = -1;
	s->hold_tail = &s->hold_head;
	s->next_tick_ms = UINT64_MAX;
	s->n_tun_max = cfg->limits.tunnels;
	s->tun = calloc(s->n_tun_max, sizeof(*s->tun));
	if (s->tun == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < SIG_DEPTH; i++) {
		s->mout[i] = calloc(1, sizeof(*s->mout[i]));
		s->aout[i] = calloc(1, sizeof(*s->aout[i]));
		if (s->mout[i] == NULL || s->aout[i] == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	/* Static tunnels keep their ids (0..n-1); the state machine reuses one to the same peer. */
	for (unsigned i = 0; i < cfg->n_tunnels && i < s->n_tun_max; i++) {
		s->tun[i].used = s->tun[i].is_static = true;
		s->tun[i].peer = cfg->tunnels[i].remote;
	}
	for (uint16_t p = 0; p < c->dp->n_ports; p++)
		if (cfg->ports[p].role == DMM_ROLE_ACCESS) {
			s->access_port = p;
			break;
		}

	dmm_maar_config_default(&mc);
	mc.addr = cfg->address;
	mc.cmd = sc->cmd;
	mc.cmd_mode = (enum dmm_maar_cmd_mode)sc->mode;
	mc.peers = sc->peers;
	mc.n_peers = sc->n_peers;
	mc.pool = cfg->pools;
	mc.n_pool = cfg->n_pools;
	mc.local = sc->local_prefixes; /* P5: Local Prefix options in our anchor PBAs */
	mc.n_local = sc->n_local_prefixes;
	mc.lifetime_s = sc->lifetime_s;
	mc.dereg_variant = (uint8_t)sc->dereg_variant;
	mc.detach_grace_ms = sc->detach_grace_ms;
	mc.initial_bindack_ms = sc->initial_bindack_ms;
	mc.max_bindack_ms = sc->max_bindack_ms;
	mc.max_update_rate = (uint8_t)(sc->max_update_rate > 255 ? 255 : sc->max_update_rate);
	mc.min_delay_bce_delete_ms = sc->min_delay_bce_delete_ms;
	mc.max_mns = sc->max_mns;
	mc.att = (uint8_t)sc->att;
	mc.hash_seed = rte_rdtsc();
	s->sm = dmm_maar_new(&mc, &rc);
	if (s->sm == NULL)
		goto fail;

	char path[108];
	if (cfg->control_socket[0] != '\0')
		snprintf(path, sizeof(path), "%s", cfg->control_socket);
	else
		snprintf(path, sizeof(path), "/run/dmm-maar.%s.sock", cfg->name);
	c->sig = s;
	rc = hb_init(c);
	if (rc == 0) {
		rc = acc_init(c);
		if (rc < 0)
			dmm_log("sig", DMM_LOG_ERR, "access link: %s", strerror(-rc));
	}
	c->sig = NULL;
	if (rc < 0) {
		dmm_log("sig", DMM_LOG_ERR, "heartbeat: %s", strerror(-rc));
		goto fail;
	}
	rc = sock_open(s, path);
	if (rc < 0) {
		dmm_log("sig", DMM_LOG_ERR, "control socket %s: %s", path, strerror(-rc));
		goto fail;
	}
	c->sig = s;
	char a[DMM_IP6_STRLEN];
	dmm_log("sig", DMM_LOG_INFO, "signalling with CMD %s (%s mode), control socket %s",
		dmm_ip6_fmt(&sc->cmd, a), dmm_cfg_cmd_mode_name(sc->mode), path);
	return 0;
fail:
	dmm_access_free(s->acc);
	dmm_hb_free(s->hb);
	free(s->hb_out);
	dmm_maar_free(s->sm);
	for (unsigned i = 0; i < SIG_DEPTH; i++) {
		free(s->mout[i]);
		free(s->aout[i]);
	}
	free(s->tun);
	free(s);
	return rc;
}

void dmm_sig_free(struct dmm_ctl *c)
{
	struct dmm_sig *s = c->sig;
	if (s == NULL)
		return;
	for (int i = 0; i < SIG_CLIENTS; i++)
		if (s->cl[i].fd >= 0)
			client_close(&s->cl[i]);
	if (s->lsock >= 0) {
		close(s->lsock);
		unlink(s->sock_path);
	}
	while (s->hold_head != NULL) {
		struct held *h = s->hold_head;
		s->hold_head = h->next;
		free(h);
	}
	dmm_access_free(s->acc);
	dmm_hb_free(s->hb);
	free(s->hb_out);
	dmm_maar_free(s->sm);
	for (unsigned i = 0; i < SIG_DEPTH; i++) {
		free(s->mout[i]);
		free(s->aout[i]);
	}
	free(s->tun);
	free(s);
	c->sig = NULL;
}
