/* SPDX-License-Identifier: BSD-3-Clause */
/* The control lcore of dmm-maar. It never blocks: it polls the workers' exception rings,
 * answers what needs answering, moves back-pressured table ops along, resolves next hops,
 * and sleeps only when there is nothing to do. */
#include "dp_ctl.h"
#include "dp_ctl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dmm_log.h"
#include "dmm_mh.h"

#define ETH_LEN	     14u
#define IP6_LEN	     40u
#define ICMP6_HDR    8u
#define PROTO_ICMPV6 58
#define PROTO_MH     135

#define ICMP6_DST_UNREACH    1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_PARAM_PROB     4
#define ICMP6_ECHO_REQUEST   128
#define ICMP6_ECHO_REPLY     129
#define ND_RS		     133
#define ND_RA		     134
#define ND_NS		     135
#define ND_NA		     136
#define ND_OPT_SLLA	     1
#define ND_OPT_TLLA	     2
#define NA_FLAG_ROUTER	     0x80000000u
#define NA_FLAG_SOLICITED    0x40000000u
#define NA_FLAG_OVERRIDE     0x20000000u

/* RFC 4443 §2.4(c): an error carries as much of the invoking packet as fits in the
 * minimum IPv6 MTU. */
#define ICMP6_ERR_MAX_BODY (1280u - IP6_LEN - ICMP6_HDR)
/* RFC 4861 §10: RetransTimer 1 s between solicitations of an unresolved neighbour. */
#define NS_RETRANS_MS 1000
/* Resolved core neighbours are re-solicited at this period so a replaced router is
 * noticed even if it sends no unsolicited NA. */
#define NS_REFRESH_MS 30000
#define CTL_BURST     32

/* ---------------------------------------------------------------- table ops */

int dmm_ctl_push(struct dmm_ctl *c, struct dmm_op *op, uint64_t *seq)
{
	int64_t s = dmm_opq_push(&c->dp->opq, op);
	if (s < 0)
		return (int)s;
	c->dp->ctl.ops_pushed++;
	if (seq != NULL)
		*seq = (uint64_t)s;
	return 0;
}

static int push_nh(struct dmm_ctl *c, uint32_t id)
{
	struct dmm_op op = {.type = DMM_OP_NH_SET, .port = c->dp->core_port, .id = id};
	op.u.nh.mac = c->nb[id].mac;
	op.u.nh.resolved = c->nb[id].resolved;
	return dmm_ctl_push(c, &op, NULL);
}

/* Next-hop id for a neighbour on the core link, created on first use. */
int dmm_ctl_neigh_get(struct dmm_ctl *c, const struct dmm_ip6 *a, uint32_t *id)
{
	for (uint32_t i = 0; i < c->n_nb; i++)
		if (dmm_ip6_eq(&c->nb[i].addr, a)) {
			*id = i;
			return 0;
		}
	if (c->n_nb >= c->max_nb)
		return -ENOSPC;
	struct neigh *n = &c->nb[c->n_nb];
	memset(n, 0, sizeof(*n));
	n->addr = *a;
	for (unsigned k = 0; k < c->dp->cfg->n_neighbours; k++)
		if (dmm_ip6_eq(&c->dp->cfg->neighbours[k].addr, a)) {
			memcpy(n->mac.addr_bytes, c->dp->cfg->neighbours[k].mac.a, 6);
			n->resolved = n->is_static = true;
		}
	*id = c->n_nb++;
	return push_nh(c, *id);
}

/* The core next hop towards a tunnel remote: the longest static route covering it, else
 * the gateway, else the remote itself (on-link peer). */
struct dmm_ip6 dmm_ctl_via(const struct dmm_config *cfg, const struct dmm_ip6 *remote)
{
	const struct dmm_cfg_route *best = NULL;
	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (dmm_prefix_contains(&cfg->routes[i].prefix, remote) &&
		    (best == NULL || cfg->routes[i].prefix.len > best->prefix.len))
			best = &cfg->routes[i];
	if (best != NULL)
		return best->via;
	const struct dmm_cfg_port *core = &cfg->ports[dmm_config_core_port(cfg)];
	if (core->has_gateway)
		return core->gateway;
	return *remote;
}

static int add_addr(struct dmm_ctl *c, uint16_t port, const struct dmm_ip6 *a)
{
	struct dmm_op op = {.type = DMM_OP_ADDR_ADD, .port = port};
	for (unsigned i = 0; i < c->n_local; i++)
		if (dmm_ip6_eq(&c->local[i], a))
			return 0;
	if (c->n_local >= DMM_MAX_LOCAL_ADDRS)
		return -ENOSPC;
	c->local[c->n_local] = *a;
	c->local_port[c->n_local++] = port;
	memcpy(op.u.addr.addr, a->a, 16);
	return dmm_ctl_push(c, &op, NULL);
}

static int push_static(struct dmm_ctl *c, uint64_t *last)
{
	struct dmm_dp *dp = c->dp;
	const struct dmm_config *cfg = dp->cfg;
	struct dmm_op op;
	uint32_t id;
	int rc;

	for (uint16_t p = 0; p < dp->n_ports; p++) {
		struct dmm_ip6 ll;
		dmm_ip6_linklocal_from_mac((const struct dmm_mac *)dp->ports[p].mac.addr_bytes,
					   &ll);
		if ((rc = add_addr(c, p, &ll)) < 0)
			return rc;
		for (unsigned k = 0; k < cfg->ports[p].n_addrs; k++)
			if ((rc = add_addr(c, p, &cfg->ports[p].addrs[k])) < 0)
				return rc;
	}
	if ((rc = add_addr(c, dp->core_port, &cfg->address)) < 0)
		return rc;

	const struct dmm_cfg_port *core = &cfg->ports[dp->core_port];
	if (core->has_gateway) {
		if ((rc = dmm_ctl_neigh_get(c, &core->gateway, &id)) < 0)
			return rc;
		memset(&op, 0, sizeof(op));
		op.type = DMM_OP_ROUTE_ADD;
		op.u.route.len = 0;
		op.u.route.nh = id;
		if ((rc = dmm_ctl_push(c, &op, NULL)) < 0)
			return rc;
	}
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		if ((rc = dmm_ctl_neigh_get(c, &cfg->routes[i].via, &id)) < 0)
			return rc;
		memset(&op, 0, sizeof(op));
		op.type = DMM_OP_ROUTE_ADD;
		memcpy(op.u.route.prefix, cfg->routes[i].prefix.addr.a, 16);
		op.u.route.len = cfg->routes[i].prefix.len;
		op.u.route.nh = id;
		if ((rc = dmm_ctl_push(c, &op, NULL)) < 0)
			return rc;
	}
	for (unsigned i = 0; i < cfg->n_tunnels; i++) {
		struct dmm_ip6 via = dmm_ctl_via(cfg, &cfg->tunnels[i].remote);
		if ((rc = dmm_ctl_neigh_get(c, &via, &id)) < 0)
			return rc;
		memset(&op, 0, sizeof(op));
		op.type = DMM_OP_TUNNEL_SET;
		op.id = i;
		memcpy(op.u.tunnel.local, cfg->address.a, 16);
		memcpy(op.u.tunnel.remote, cfg->tunnels[i].remote.a, 16);
		op.u.tunnel.mtu = cfg->tunnels[i].mtu ? cfg->tunnels[i].mtu : cfg->tunnel_mtu;
		op.u.tunnel.nh = id;
		if ((rc = dmm_ctl_push(c, &op, NULL)) < 0)
			return rc;
	}
	for (unsigned i = 0; i < cfg->n_bindings; i++) {
		const struct dmm_cfg_binding *b = &cfg->bindings[i];
		memset(&op, 0, sizeof(op));
		op.type = DMM_OP_BIND_SET;
		memcpy(op.u.bind.prefix, b->prefix.addr.a, 8);
		op.u.bind.tunnel = DMM_TUNNEL_NONE;
		if (b->anchor == DMM_CFG_LOCAL_PEER)
			op.u.bind.flags |= DMM_BIND_ANCHORED;
		else
			op.u.bind.tunnel = b->anchor;
		if (b->serving == DMM_CFG_LOCAL_PEER) {
			op.u.bind.flags |= DMM_BIND_ATTACHED;
			op.port = (uint16_t)b->port;
			memcpy(op.u.bind.mac.addr_bytes, b->mac.a, 6);
			memcpy(op.u.bind.dlif_mac.addr_bytes, b->dlif_mac.a, 6);
		} else {
			op.u.bind.tunnel = b->serving;
		}
		if ((rc = dmm_ctl_push(c, &op, NULL)) < 0)
			return rc;
	}
	/* A barrier so the caller can wait for everything above with one seq. */
	memset(&op, 0, sizeof(op));
	op.type = DMM_OP_NOP;
	return dmm_ctl_push(c, &op, last);
}

/* ---------------------------------------------------------------- packet building */

static uint64_t ms_to_tsc(const struct dmm_ctl *c, uint64_t ms)
{
	return c->dp->tsc_hz * ms / 1000;
}

/* Start a frame: Ethernet + IPv6 header with payload_len for an ICMPv6 body of len. */
struct rte_mbuf *dmm_ctl_frame_new(struct rte_mempool *mp, const struct rte_ether_addr *dmac,
				   const struct rte_ether_addr *smac, const uint8_t *sip,
				   const uint8_t *dip, uint8_t hop_limit, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	char *p = rte_pktmbuf_append(m, (uint16_t)(ETH_LEN + IP6_LEN + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	rte_ether_addr_copy(dmac, &eth->dst_addr);
	rte_ether_addr_copy(smac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip->proto = PROTO_ICMPV6;
	ip->hop_limits = hop_limit;
	memcpy(ip->src_addr, sip, 16);
	memcpy(ip->dst_addr, dip, 16);
	return m;
}

/* RFC 4443 §2.3: the checksum covers the pseudo-header and the whole ICMPv6 message; a
 * correct message sums to 0xffff. */
static bool icmp_cksum_ok(const struct rte_ipv6_hdr *ip, const void *icmp)
{
	uint32_t sum = rte_ipv6_phdr_cksum(ip, 0);
	sum += rte_raw_cksum(icmp, rte_be_to_cpu_16(ip->payload_len));
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void icmp_finish(struct rte_mbuf *m)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	icmp[2] = icmp[3] = 0;
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
}

struct rte_mbuf *dmm_ctl_icmp_error(struct rte_mempool *mp, const struct rte_mbuf *m,
				    const struct rte_ether_addr *src_mac, const uint8_t *src_ip,
				    uint8_t type, uint8_t code, uint32_t param)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);
	uint32_t body = rte_pktmbuf_pkt_len(m) - ETH_LEN;
	if (body > ICMP6_ERR_MAX_BODY)
		body = ICMP6_ERR_MAX_BODY;
	/* Back to the source, first hop = whoever handed us the frame. */
	struct rte_mbuf *r = dmm_ctl_frame_new(mp, &eth->src_addr, src_mac, src_ip, ip->src_addr,
					       64, ICMP6_HDR + body);
	if (r == NULL)
		return NULL;
	uint8_t *icmp = rte_pktmbuf_mtod_offset(r, uint8_t *, ETH_LEN + IP6_LEN);
	icmp[0] = type;
	icmp[1] = code;
	uint32_t p = rte_cpu_to_be_32(param);
	memcpy(icmp + 4, &p, 4);
	if (rte_pktmbuf_read(m, ETH_LEN, body, icmp + ICMP6_HDR) != icmp + ICMP6_HDR)
		rte_memcpy(icmp + ICMP6_HDR, rte_pktmbuf_mtod_offset(m, void *, ETH_LEN), body);
	icmp_finish(r);
	return r;
}

void dmm_ctl_tx(struct dmm_ctl *c, uint16_t port, struct rte_mbuf *m)
{
	struct dmm_dp *dp = c->dp;
	if (dmm_port_tx(&dp->ports[port], dp->ctl_txq[port], &m, 1) != 1) {
		dp->ctl.tx_fail++;
		rte_pktmbuf_free(m);
	}
}

/* The address we source ICMPv6 errors from on a port: its first global address, else
 * the node address (RFC 4443 §2.2 allows any of the router's addresses). */
static const uint8_t *port_src_addr(const struct dmm_ctl *c, uint16_t port)
{
	const struct dmm_cfg_port *pc = &c->dp->cfg->ports[port];
	for (unsigned k = 0; k < pc->n_addrs; k++)
		if (!dmm_ip6_is_linklocal(&pc->addrs[k]))
			return pc->addrs[k].a;
	return c->dp->cfg->address.a;
}

static bool icmp_allowed(struct dmm_ctl *c)
{
	uint64_t now = rte_rdtsc();
	if (c->per_token == 0) {
		c->dp->ctl.icmp_ratelimited++;
		return false;
	}
	c->tokens += (now - c->last_refill);
	c->last_refill = now;
	if (c->tokens > c->bucket_max)
		c->tokens = c->bucket_max;
	if (c->tokens < c->per_token) {
		c->dp->ctl.icmp_ratelimited++;
		return false;
	}
	c->tokens -= c->per_token;
	return true;
}

static void send_icmp_error(struct dmm_ctl *c, struct rte_mbuf *m, uint8_t type, uint32_t param)
{
	uint16_t port = m->port;
	const struct rte_ipv6_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);

	/* RFC 4443 §2.4(e): never in reply to an ICMPv6 error or to a multicast/unspecified
	 * source. */
	if (ip->src_addr[0] == 0xff || dmm_ip6_is_zero((const struct dmm_ip6 *)ip->src_addr))
		return;
	if (ip->proto == PROTO_ICMPV6 && rte_pktmbuf_data_len(m) > ETH_LEN + IP6_LEN &&
	    *((const uint8_t *)(ip + 1)) < 128)
		return;
	if (!icmp_allowed(c))
		return;
	struct rte_mbuf *r = dmm_ctl_icmp_error(c->dp->pool, m, &c->dp->ports[port].mac,
						port_src_addr(c, port), type, 0, param);
	if (r == NULL)
		return;
	if (type == ICMP6_PACKET_TOO_BIG)
		c->dp->ctl.icmp_too_big++;
	else if (type == ICMP6_PARAM_PROB)
		c->dp->ctl.icmp_param_problem++;
	else
		c->dp->ctl.icmp_time_exceeded++;
	dmm_ctl_tx(c, port, r);
}

/* ---------------------------------------------------------------- neighbour discovery */

static void send_ns(struct dmm_ctl *c, const struct dmm_ip6 *target)
{
	struct dmm_dp *dp = c->dp;
	uint16_t port = dp->core_port;
	struct dmm_ip6 sn;
	struct dmm_mac mmac;
	dmm_ip6_solicited_node(target, &sn);
	dmm_mac_from_ip6_multicast(&sn, &mmac);
	/* RFC 4861 §7.2.2: hop limit 255, SLLA option, solicited-node destination. */
	struct rte_mbuf *m =
	    dmm_ctl_frame_new(dp->pool, (const struct rte_ether_addr *)mmac.a, &dp->ports[port].mac,
			      dp->cfg->address.a, sn.a, 255, ICMP6_HDR + 16 + 8);
	if (m == NULL)
		return;
	uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_LEN + IP6_LEN);
	memset(icmp, 0, ICMP6_HDR + 24);
	icmp[0] = ND_NS;
	memcpy(icmp + 8, target->a, 16);
	icmp[24] = ND_OPT_SLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, dp->ports[port].mac.addr_bytes, 6);
	icmp_finish(m);
	dp->ctl.ns_sent++;
	dmm_ctl_tx(c, port, m);
}

static void learn_neighbour(struct dmm_ctl *c, const uint8_t *addr, const uint8_t *mac,
			    bool override)
{
	for (uint32_t i = 0; i < c->n_nb; i++) {
		struct neigh *n = &c->nb[i];
		if (memcmp(n->addr.a, addr, 16) != 0 || n->is_static)
			continue;
		if (n->resolved && (!override || memcmp(n->mac.addr_bytes, mac, 6) == 0)) {
			n->next_ns = rte_rdtsc() + ms_to_tsc(c, NS_REFRESH_MS);
			return;
		}
		memcpy(n->mac.addr_bytes, mac, 6);
		n->resolved = true;
		n->next_ns = rte_rdtsc() + ms_to_tsc(c, NS_REFRESH_MS);
		c->dp->ctl.na_learned++;
		char a[DMM_IP6_STRLEN], mm[DMM_MAC_STRLEN];
		dmm_log("ctl", DMM_LOG_INFO, "neighbour %s is at %s", dmm_ip6_fmt(&n->addr, a),
			dmm_mac_fmt((const struct dmm_mac *)mac, mm));
		push_nh(c, i);
		return;
	}
}

/* Find a link-layer address option of the given type in ND options. */
static const uint8_t *nd_lla(const uint8_t *opt, uint32_t len, uint8_t type, bool *bad)
{
	const uint8_t *found = NULL;
	while (len >= 2) {
		uint32_t olen = (uint32_t)opt[1] * 8;
		/* RFC 4861 §4.6: a zero-length option invalidates the whole message. */
		if (olen == 0 || olen > len) {
			*bad = true;
			return NULL;
		}
		if (opt[0] == type && olen >= 8)
			found = opt + 2;
		opt += olen;
		len -= olen;
	}
	return found;
}

static void handle_nd(struct dmm_ctl *c, struct rte_mbuf *m)
{
	struct dmm_dp *dp = c->dp;
	uint16_t port = m->port;
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);
	uint32_t len = rte_be_to_cpu_16(ip->payload_len);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);
	bool bad = false;

	/* RFC 4861 §7.1: hop limit 255 (not forwarded), code 0, valid checksum, length. */
	if (rte_pktmbuf_data_len(m) < ETH_LEN + IP6_LEN + len || len < ICMP6_HDR ||
	    ip->hop_limits != 255 || icmp[1] != 0 || !icmp_cksum_ok(ip, icmp)) {
		dp->ctl.malformed++;
		return;
	}
	switch (icmp[0]) {
	case ND_NS: {
		if (len < 24) {
			dp->ctl.malformed++;
			return;
		}
		const uint8_t *target = icmp + 8;
		const uint8_t *slla = nd_lla(icmp + 24, len - 24, ND_OPT_SLLA, &bad);
		bool dad = dmm_ip6_is_zero((const struct dmm_ip6 *)ip->src_addr);
		if (bad || target[0] == 0xff || (dad && slla != NULL)) {
			dp->ctl.malformed++;
			return;
		}
		if (slla != NULL && port == dp->core_port)
			learn_neighbour(c, ip->src_addr, slla, false);
		/* Answer only for addresses of the link the NS came in on. */
		int li = -1;
		for (unsigned k = 0; k < c->n_local; k++)
			if (memcmp(c->local[k].a, target, 16) == 0)
				li = (int)k;
		if (li < 0 || c->local_port[li] != port) {
			dp->ctl.ignored++;
			return;
		}
		struct dmm_ip6 dst;
		struct rte_ether_addr dmac;
		uint32_t flags = NA_FLAG_ROUTER | NA_FLAG_OVERRIDE;
		if (dad) {
			/* RFC 4861 §7.2.4: reply to all-nodes when the source is unspecified. */
			static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
			memcpy(dst.a, all_nodes, 16);
			dmm_mac_from_ip6_multicast(&dst, (struct dmm_mac *)dmac.addr_bytes);
		} else {
			memcpy(dst.a, ip->src_addr, 16);
			const struct rte_ether_hdr *eth =
			    rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
			dmac = slla ? *(const struct rte_ether_addr *)slla : eth->src_addr;
			flags |= NA_FLAG_SOLICITED;
		}
		struct rte_mbuf *r = dmm_ctl_frame_new(dp->pool, &dmac, &dp->ports[port].mac,
						       target, dst.a, 255, ICMP6_HDR + 16 + 8);
		if (r == NULL)
			return;
		uint8_t *na = rte_pktmbuf_mtod_offset(r, uint8_t *, ETH_LEN + IP6_LEN);
		memset(na, 0, ICMP6_HDR + 24);
		na[0] = ND_NA;
		uint32_t f = rte_cpu_to_be_32(flags);
		memcpy(na + 4, &f, 4);
		memcpy(na + 8, target, 16);
		na[24] = ND_OPT_TLLA;
		na[25] = 1;
		memcpy(na + 26, dp->ports[port].mac.addr_bytes, 6);
		icmp_finish(r);
		dp->ctl.na_sent++;
		dmm_ctl_tx(c, port, r);
		return;
	}
	case ND_NA: {
		if (len < 24) {
			dp->ctl.malformed++;
			return;
		}
		uint32_t flags;
		memcpy(&flags, icmp + 4, 4);
		flags = rte_be_to_cpu_32(flags);
		const uint8_t *tlla = nd_lla(icmp + 24, len - 24, ND_OPT_TLLA, &bad);
		if (bad) {
			dp->ctl.malformed++;
			return;
		}
		if (port != dp->core_port) {
			dp->ctl.ignored++;
			return;
		}
		/* Without a TLLA the sender's frame source is its link-layer address. */
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		learn_neighbour(c, icmp + 8, tlla ? tlla : eth->src_addr.addr_bytes,
				(flags & NA_FLAG_OVERRIDE) != 0);
		return;
	}
	case ND_RS:
		/* Router Advertisements to MNs arrive with the access-link issue. */
		dp->ctl.rs_rx++;
		return;
	default:
		dp->ctl.ignored++;
		return;
	}
}

/* A Mobility Header addressed to us. Every MH is validated (checksum included: nothing below
 * us checked it) and counted; a valid one goes to the MAAR state machine (dp_sig.c) when
 * signalling is configured, and an unknown MH type gets the Binding Error RFC 6275 §9.2 asks
 * for. */
static void handle_mh(struct dmm_ctl *c, struct rte_mbuf *m)
{
	struct dmm_dp *dp = c->dp;
	const struct rte_ipv6_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);
	uint32_t len = rte_be_to_cpu_16(ip->payload_len);
	const struct dmm_ip6 *src = (const struct dmm_ip6 *)ip->src_addr;
	const struct dmm_ip6 *dst = (const struct dmm_ip6 *)ip->dst_addr;

	if (rte_pktmbuf_data_len(m) < ETH_LEN + IP6_LEN + len) {
		dp->ctl.mh_bad++;
		return;
	}
	int rc = dmm_mh_parse((const uint8_t *)(ip + 1), len, src, dst, &c->mh);
	if (rc == 0) {
		dp->ctl.mh_rx++;
		if (c->sig != NULL)
			dmm_sig_input(c, src, &c->mh);
		return;
	}
	if (rc == DMM_MH_E_BAD_PROTO || rc == DMM_MH_E_HDRLEN_SHORT) {
		/* RFC 6275 §9.2: SHOULD answer ICMPv6 Parameter Problem, code 0 (erroneous header
		 * field), pointing at Payload Proto (MH octet 0) or Header Len (octet 1); the MH
		 * follows the IPv6 header directly (the workers punt next header 135 only). */
		dp->ctl.mh_bad++;
		send_icmp_error(c, m, ICMP6_PARAM_PROB,
				IP6_LEN + (rc == DMM_MH_E_BAD_PROTO ? 0u : 1u));
		return;
	}
	if (rc != DMM_MH_E_UNKNOWN_TYPE) {
		dp->ctl.mh_bad++;
		char a[DMM_IP6_STRLEN];
		dmm_log("ctl", DMM_LOG_DEBUG, "MH from %s dropped: %s", dmm_ip6_fmt(src, a),
			dmm_mh_strerror(rc));
		return;
	}
	/* RFC 6275 §9.2 / §9.3.3: Binding Error status 2 to the packet's source, rate-limited like
	 * ICMPv6 errors (one shared bucket), never to a multicast source. */
	dp->ctl.mh_bad++;
	if (src->a[0] == 0xff || dmm_ip6_is_zero(src) || !icmp_allowed(c))
		return;
	struct dmm_mh_msg be;
	memset(&be, 0, sizeof(be));
	be.type = DMM_MH_BE;
	be.be.status = DMM_MH_BE_UNKNOWN_MH_TYPE;
	uint8_t buf[64];
	size_t blen;
	if (dmm_mh_build(&be, dst, src, buf, sizeof(buf), &blen) != 0)
		return;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_mbuf *r = dmm_ctl_frame_new(dp->pool, &eth->src_addr, &dp->ports[m->port].mac,
					       dst->a, src->a, 64, (uint32_t)blen);
	if (r == NULL)
		return;
	struct rte_ipv6_hdr *rip = rte_pktmbuf_mtod_offset(r, struct rte_ipv6_hdr *, ETH_LEN);
	rip->proto = PROTO_MH;
	memcpy(rip + 1, buf, blen);
	dp->ctl.mh_be_sent++;
	dmm_ctl_tx(c, m->port, r);
}

/* Returns true when m itself was sent (then the caller must not free it). */
static bool handle_local(struct dmm_ctl *c, struct rte_mbuf *m)
{
	struct dmm_dp *dp = c->dp;
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);
	uint32_t len = rte_be_to_cpu_16(ip->payload_len);

	if (ip->proto == PROTO_MH) {
		handle_mh(c, m);
		return false;
	}
	if (ip->proto != PROTO_ICMPV6 || len < ICMP6_HDR ||
	    rte_pktmbuf_data_len(m) < ETH_LEN + IP6_LEN + len) {
		dp->ctl.ignored++;
		return false;
	}
	uint8_t *icmp = (uint8_t *)(ip + 1);
	if (icmp[0] != ICMP6_ECHO_REQUEST) {
		dp->ctl.ignored++;
		return false;
	}
	if (!icmp_cksum_ok(ip, icmp)) {
		dp->ctl.malformed++;
		return false;
	}
	/* Turn the request around in place (RFC 4443 §4.2). */
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr tmac = eth->src_addr;
	uint8_t tip[16];
	eth->src_addr = dp->ports[m->port].mac;
	eth->dst_addr = tmac;
	memcpy(tip, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, tip, 16);
	ip->hop_limits = 64;
	icmp[0] = ICMP6_ECHO_REPLY;
	icmp_finish(m);
	dp->ctl.echo_replies++;
	dmm_ctl_tx(c, m->port, m);
	return true;
}

static void handle_exception(struct dmm_ctl *c, struct rte_mbuf *m)
{
	struct dmm_exc_meta *meta = dmm_exc_meta(m);
	c->dp->ctl.exc_rx++;
	switch (meta->reason) {
	case DMM_EXC_ND:
		/* On an access port with signalling, RS/NS/NA belong to the access link (MN
		 * attachment, DLIF addresses, NUD) unless they concern the port's own address. */
		if (!(c->sig != NULL && dmm_sig_access_nd(c, m)))
			handle_nd(c, m);
		break;
	case DMM_EXC_UNKNOWN_SRC:
		/* First frames of an MN the fast path does not know: attachment evidence. */
		if (c->sig != NULL)
			dmm_sig_unknown_src(c, m, meta->port);
		else
			c->dp->ctl.ignored++;
		break;
	case DMM_EXC_LOCAL:
		if (handle_local(c, m))
			return;
		break;
	case DMM_EXC_HOP_LIMIT:
		send_icmp_error(c, m, ICMP6_TIME_EXCEEDED, 0);
		break;
	case DMM_EXC_TOO_BIG:
		send_icmp_error(c, m, ICMP6_PACKET_TOO_BIG, meta->mtu);
		break;
	default:
		c->dp->ctl.ignored++;
	}
	rte_pktmbuf_free(m);
}

/* ---------------------------------------------------------------- loop */

static void timers(struct dmm_ctl *c, uint64_t now)
{
	for (uint32_t i = 0; i < c->n_nb; i++) {
		struct neigh *n = &c->nb[i];
		if (n->is_static || now < n->next_ns)
			continue;
		send_ns(c, &n->addr);
		n->next_ns = now + ms_to_tsc(c, n->resolved ? NS_REFRESH_MS : NS_RETRANS_MS);
	}
}

unsigned dmm_ctl_poll(struct dmm_ctl *c)
{
	struct dmm_dp *dp = c->dp;
	struct rte_mbuf *pkts[CTL_BURST];
	unsigned work = 0;

	for (unsigned w = 0; w < dp->n_workers; w++) {
		unsigned n = rte_ring_sc_dequeue_burst(dp->workers[w]->excring, (void **)pkts,
						       CTL_BURST, NULL);
		for (unsigned i = 0; i < n; i++)
			handle_exception(c, pkts[i]);
		work += n;
	}
	uint64_t before = dp->opq.ring_full;
	if (dmm_opq_flush(&dp->opq) > 0)
		work++;
	dp->ctl.ops_backlogged += dp->opq.ring_full - before;

	if (c->sig != NULL)
		work += dmm_sig_poll(c);

	uint64_t now = rte_rdtsc();
	if (now >= c->next_timer) {
		timers(c, now);
		c->next_timer = now + ms_to_tsc(c, 100);
	}
	return work;
}

void dmm_ctl_run(struct dmm_ctl *c)
{
	struct dmm_dp *dp = c->dp;
	unsigned idle = 0;

	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		if (dmm_ctl_poll(c) != 0) {
			idle = 0;
			continue;
		}
		/* The control lcore is not on the fast path: when idle it always yields the
		 * CPU, sooner with --idle-sleep-us. */
		if (++idle > 64)
			usleep(dp->idle_sleep_us ? dp->idle_sleep_us : 100);
	}
}

int dmm_ctl_init(struct dmm_dp *dp, struct dmm_ctl **out, uint64_t *last_seq)
{
	struct dmm_ctl *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->dp = dp;
	c->max_nb = dp->cfg->limits.neighbours;
	c->nb = calloc(c->max_nb, sizeof(*c->nb));
	if (c->nb == NULL) {
		free(c);
		return -ENOMEM;
	}
	if (dp->cfg->icmp.rate > 0) {
		c->per_token = dp->tsc_hz / dp->cfg->icmp.rate;
		c->bucket_max = c->per_token * dp->cfg->icmp.burst;
		c->tokens = c->bucket_max;
	}
	c->last_refill = rte_rdtsc();
	int rc = push_static(c, last_seq);
	if (rc == 0 && dp->cfg->sig.enabled)
		rc = dmm_sig_init(c);
	if (rc < 0) {
		dmm_ctl_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void dmm_ctl_free(struct dmm_ctl *c)
{
	if (c == NULL)
		return;
	dmm_sig_free(c);
	free(c->nb);
	free(c);
}
