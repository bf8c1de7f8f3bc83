/* SPDX-License-Identifier: BSD-3-Clause */
/* The fast path's decisions (DESIGN.md §3). One function per case keeps each rewrite
 * next to the rule that asks for it. */
#include "dp_fwd.h"

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf_dyn.h>

#define ETH_LEN ((uint32_t)sizeof(struct rte_ether_hdr))
#define IP6_LEN ((uint32_t)sizeof(struct rte_ipv6_hdr))
#define PROTO_IPV6 41	/* RFC 2473 ip6ip6 */
#define PROTO_ICMPV6 58
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_SCTP 132

int dmm_exc_meta_offset = -1;

/* Addresses a router never forwards to or from: link-local and multicast (as a source). */
static inline bool dmm_link_local_or_mcast(const uint8_t *a)
{
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

int dmm_exc_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "dmm_exc_meta",
		.size = sizeof(struct dmm_exc_meta),
		.align = __alignof__(struct dmm_exc_meta),
	};
	int off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return off;
	dmm_exc_meta_offset = off;
	return 0;
}

static inline enum dmm_verdict drop(uint16_t *out, enum dmm_drop_reason r)
{
	*out = (uint16_t)r;
	return DMM_V_DROP;
}

static inline enum dmm_verdict punt(struct rte_mbuf *m, uint16_t *out, enum dmm_exc_reason r,
				    uint16_t mtu)
{
	/* The dynfield is not cleared by the PMD: write all of it. */
	*dmm_exc_meta(m) =
	    (struct dmm_exc_meta){.reason = (uint8_t)r, .mtu = mtu, .port = DMM_EXC_PORT_NONE};
	*out = (uint16_t)r;
	return DMM_V_EXC;
}

/* Attachment detection hook (issue 4): the control lcore learns that a link-layer address
 * it may not know sent from a source no MN attached here owns. The worker rate-limits these
 * (dp_worker.c, DMM_UNKNOWN_SRC_RATE). */
static enum dmm_verdict punt_unknown_src(struct rte_mbuf *m, uint16_t *out, uint16_t in_port,
					 const struct dmm_binding *b)
{
	*dmm_exc_meta(m) = (struct dmm_exc_meta){
	    .reason = DMM_EXC_UNKNOWN_SRC, .bind_flags = b != NULL ? b->flags : 0, .port = in_port};
	*out = DMM_EXC_UNKNOWN_SRC;
	return DMM_V_EXC;
}

static inline bool is_unspecified(const uint8_t *a)
{
	uint64_t w[2];
	memcpy(w, a, sizeof(w));
	return (w[0] | w[1]) == 0;
}

static inline struct rte_ipv6_hdr *ip6(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);
}

static inline uint32_t ip6_total(const struct rte_ipv6_hdr *ip)
{
	return IP6_LEN + rte_be_to_cpu_16(ip->payload_len);
}

static inline bool in_pools(const struct dmm_fwd_ctx *ctx, const uint8_t *a)
{
	if (ctx->n_pools == 0)
		return true; /* no pool configured: any destination may be one of our MNs */
	for (uint32_t i = 0; i < ctx->n_pools; i++)
		if (dmm_prefix_contains(&ctx->pools[i], (const struct dmm_ip6 *)a))
			return true;
	return false;
}

static inline const struct dmm_binding *bind_lookup(const struct dmm_tables *t,
						   const struct dmm_fwd_hint *h, const uint8_t *a)
{
	if (h != NULL && dmm_bind_key(a) == h->key)
		return h->b;
	return dmm_tables_binding(t, a);
}

bool dmm_fwd_primary_key(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
			 const struct rte_mbuf *m, uint16_t in_port, uint64_t *key)
{
	const struct rte_ipv6_hdr *ip;

	if (unlikely(rte_pktmbuf_data_len(m) < ETH_LEN + IP6_LEN))
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);
	if (ctx->role[in_port] == DMM_ROLE_ACCESS) {
		*key = dmm_bind_key(ip->src_addr);
		return true;
	}
	if (ip->proto == PROTO_IPV6 && rte_pktmbuf_data_len(m) >= ETH_LEN + 2 * IP6_LEN &&
	    dmm_tables_local(t, ip->dst_addr) >= 0) {
		*key = dmm_bind_key(((const struct rte_ipv6_hdr *)(ip + 1))->dst_addr);
		return true;
	}
	*key = dmm_bind_key(ip->dst_addr);
	return true;
}

uint32_t dmm_fwd_flow_label(const struct rte_mbuf *m, uint32_t l3_off)
{
	const struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3_off);
	uint32_t fl = rte_be_to_cpu_32(ip->vtc_flow) & 0xfffff;
	uint64_t addrs[4]; /* aligned copy: rte_hash_crc loads 8 bytes at a time */
	memcpy(addrs, ip->src_addr, sizeof(addrs));
	uint32_t h = rte_hash_crc(addrs, sizeof(addrs), ip->proto);

	/* RFC 6438 §3: use the inner flow label when the source set one (RFC 6437), else
	 * the 5-tuple, so one inner flow always maps to one outer label. */
	if (fl != 0) {
		h = rte_hash_crc_4byte(fl, h);
	} else if ((ip->proto == PROTO_TCP || ip->proto == PROTO_UDP || ip->proto == PROTO_SCTP) &&
		   rte_pktmbuf_data_len(m) >= l3_off + IP6_LEN + 4) {
		uint32_t ports;
		memcpy(&ports, (const uint8_t *)(ip + 1), 4);
		h = rte_hash_crc_4byte(ports, h);
	}
	h = (h ^ (h >> 20)) & 0xfffff;
	return h ? h : 1; /* 0 means "no label" */
}

int dmm_fwd_ecn_decap(uint8_t outer, uint8_t inner)
{
	/* RFC 6040 §4.2, Figure 4. ECN codepoints: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE. */
	if (outer == 3)
		return inner == 0 ? -1 : 3;
	if (outer == 1 && inner == 2)
		return 1;
	return inner;
}

/* RFC 4443 §3.3: Time Exceeded is for a packet the router would forward, so the hop limit is
 * checked where a forwarding decision has been made, never before it: a spoofed source, an
 * unrouted destination or a tunnel mismatch is dropped for that reason, not answered. */
static inline bool hop_limit_exhausted(const struct rte_ipv6_hdr *ip)
{
	return ip->hop_limits <= 1;
}

static inline void l2_set(struct rte_mbuf *m, const struct rte_ether_addr *dst,
			  const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
}

/* Deliver to an MN on its access port. The source MAC is the DLIF of the prefix's anchor
 * when the binding names one (RFC 8885 §3.7: each anchoring MAAR appears to the MN as its
 * own router), else the port's MAC. */
static enum dmm_verdict deliver(const struct dmm_fwd_ctx *ctx, struct dmm_wstats *st,
				struct rte_mbuf *m, const struct dmm_binding *b, uint16_t *out)
{
	struct rte_ipv6_hdr *ip = ip6(m);
	if (unlikely(hop_limit_exhausted(ip)))
		return punt(m, out, DMM_EXC_HOP_LIMIT, 0);
	if (unlikely(ip6_total(ip) > ctx->mtu[b->port]))
		return punt(m, out, DMM_EXC_TOO_BIG, ctx->mtu[b->port]);
	ip->hop_limits--;
	l2_set(m, &b->mac,
	       rte_is_zero_ether_addr(&b->dlif_mac) ? &ctx->mac[b->port] : &b->dlif_mac);
	st->delivered++;
	*out = b->port;
	return DMM_V_TX;
}

/* Route natively by the longest matching route. */
static enum dmm_verdict route(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
			      struct dmm_wstats *st, struct rte_mbuf *m, uint16_t *out)
{
	struct rte_ipv6_hdr *ip = ip6(m);
	uint32_t id = dmm_tables_route(t, ip->dst_addr);
	const struct dmm_nexthop *nh;

	if (unlikely(id >= t->max_nh || !t->nh[id].valid))
		return drop(out, DMM_DROP_NO_ROUTE);
	nh = &t->nh[id];
	if (unlikely(hop_limit_exhausted(ip)))
		return punt(m, out, DMM_EXC_HOP_LIMIT, 0);
	if (unlikely(!nh->resolved))
		return drop(out, DMM_DROP_NO_NEIGHBOUR);
	if (unlikely(ip6_total(ip) > ctx->mtu[nh->port]))
		return punt(m, out, DMM_EXC_TOO_BIG, ctx->mtu[nh->port]);
	ip->hop_limits--;
	l2_set(m, &nh->mac, &ctx->mac[nh->port]);
	st->routed++;
	*out = nh->port;
	return DMM_V_TX;
}

/* ip6ip6 to a peer MAAR (RFC 2473). */
static enum dmm_verdict encap(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
			      struct dmm_wstats *st, struct rte_mbuf *m, uint32_t tid,
			      uint16_t *out)
{
	struct rte_ipv6_hdr *in = ip6(m), *outer;
	const struct dmm_tunnel *tu;
	const struct dmm_nexthop *nh;
	struct rte_ether_hdr *eth;
	uint32_t len = ip6_total(in), vtc, fl;

	if (unlikely(tid >= t->max_tun || !t->tun[tid].valid))
		return drop(out, DMM_DROP_NO_ROUTE);
	tu = &t->tun[tid];
	if (unlikely(tu->nh >= t->max_nh || !t->nh[tu->nh].valid))
		return drop(out, DMM_DROP_NO_ROUTE);
	nh = &t->nh[tu->nh];
	if (unlikely(hop_limit_exhausted(in)))
		return punt(m, out, DMM_EXC_HOP_LIMIT, 0);
	if (unlikely(!nh->resolved))
		return drop(out, DMM_DROP_NO_NEIGHBOUR);
	/* RFC 2473 §7: the tunnel entry point reports the tunnel MTU to the source. */
	if (unlikely(len > tu->mtu))
		return punt(m, out, DMM_EXC_TOO_BIG, tu->mtu);

	/* The MAAR forwards the inner packet: one hop (RFC 2473 §3.1 treats the tunnel as
	 * a link). */
	in->hop_limits--;
	fl = dmm_fwd_flow_label(m, ETH_LEN);
	vtc = rte_be_to_cpu_32(in->vtc_flow);

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, IP6_LEN);
	if (unlikely(eth == NULL)) {
		in->hop_limits++;
		return drop(out, DMM_DROP_NO_MBUF);
	}
	outer = (struct rte_ipv6_hdr *)(eth + 1);
	/* RFC 6040 §4.1 normal mode: copy the whole traffic class (DSCP and ECN) outward. */
	outer->vtc_flow = rte_cpu_to_be_32((6u << 28) | (vtc & 0x0ff00000) | fl);
	outer->payload_len = rte_cpu_to_be_16((uint16_t)len);
	outer->proto = PROTO_IPV6;
	outer->hop_limits = ctx->tunnel_hop_limit;
	memcpy(outer->src_addr, tu->local, 16);
	memcpy(outer->dst_addr, tu->remote, 16);
	rte_ether_addr_copy(&nh->mac, &eth->dst_addr);
	rte_ether_addr_copy(&ctx->mac[nh->port], &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	st->encap++;
	*out = nh->port;
	return DMM_V_TX;
}

/* Uplink from an MN on an access port. */
static enum dmm_verdict from_access(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
				    struct dmm_wstats *st, struct rte_mbuf *m, uint16_t in_port,
				    const struct dmm_fwd_hint *h, uint16_t *out)
{
	struct rte_ipv6_hdr *ip = ip6(m);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct dmm_binding *b = bind_lookup(t, h, ip->src_addr), *d;

	/* A source /64 that no MN attached here owns (no binding, or one anchored here whose MN
	 * is served elsewhere and may be coming back) is never forwarded (RFC 5213 §6.10.5: only
	 * with an established binding), but it may be the first frame of an MN that just
	 * attached (issue 4): hand it to the control lcore. The
	 * unspecified address is never a sender's (RFC 4291 §2.5.2; DAD NS goes the ND way). */
	if (unlikely(b == NULL || !(b->flags & DMM_BIND_ATTACHED))) {
		if (unlikely(is_unspecified(ip->src_addr)))
			return drop(out, DMM_DROP_SPOOFED_SRC);
		return punt_unknown_src(m, out, in_port, b);
	}
	/* Anti-spoofing: a prefix delegated to an MN attached here is accepted only from that
	 * MN's link-layer address on its port; another host using it is dropped, not punted. */
	if (unlikely(b->port != in_port || !rte_is_same_ether_addr(&b->mac, &eth->src_addr)))
		return drop(out, DMM_DROP_SPOOFED_SRC);
	if (!(b->flags & DMM_BIND_ANCHORED))
		return encap(ctx, t, st, m, b->tunnel, out); /* reverse tunnel to the anchor */

	if (in_pools(ctx, ip->dst_addr)) {
		d = bind_lookup(t, h, ip->dst_addr);
		if (d != NULL && (d->flags & DMM_BIND_ATTACHED))
			return deliver(ctx, st, m, d, out); /* MN to MN on this MAAR */
		if (d != NULL && (d->flags & DMM_BIND_ANCHORED))
			return encap(ctx, t, st, m, d->tunnel, out); /* it moved on */
		if (ctx->n_pools > 0)
			return drop(out, DMM_DROP_NO_ROUTE); /* unallocated prefix of ours */
	}
	return route(ctx, t, st, m, out);
}

/* Downlink arriving natively on the core port. */
static enum dmm_verdict from_core(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
				  struct dmm_wstats *st, struct rte_mbuf *m,
				  const struct dmm_fwd_hint *h, uint16_t *out)
{
	const struct dmm_binding *d = bind_lookup(t, h, ip6(m)->dst_addr);

	/* Only prefixes anchored here are routed to us natively; anything else arriving on
	 * the core is not ours to forward (we are not a transit router). */
	if (unlikely(d == NULL || !(d->flags & DMM_BIND_ANCHORED)))
		return drop(out, DMM_DROP_NO_ROUTE);
	if (d->flags & DMM_BIND_ATTACHED)
		return deliver(ctx, st, m, d, out);
	return encap(ctx, t, st, m, d->tunnel, out); /* to the serving MAAR */
}

/* ip6ip6 addressed to this MAAR. */
static enum dmm_verdict decap(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
			      struct dmm_wstats *st, struct rte_mbuf *m,
			      const struct dmm_fwd_hint *h, uint16_t *out)
{
	struct rte_ipv6_hdr *ip = ip6(m), *in;
	const struct dmm_binding *b;
	struct rte_ether_hdr eth;
	uint32_t tid, ovtc, ivtc;
	int ecn;
	bool down;

	/* No open relay: only configured or signalled peers are decapsulated. */
	tid = dmm_tables_peer(t, ip->src_addr);
	if (unlikely(tid == DMM_TUNNEL_NONE))
		return drop(out, DMM_DROP_UNKNOWN_PEER);
	if (unlikely(rte_pktmbuf_data_len(m) < ETH_LEN + 2 * IP6_LEN))
		return drop(out, DMM_DROP_BAD_INNER);
	in = ip + 1;
	ivtc = rte_be_to_cpu_32(in->vtc_flow);
	if (unlikely((ivtc >> 28) != 6 || ip6_total(in) != rte_be_to_cpu_16(ip->payload_len)))
		return drop(out, DMM_DROP_BAD_INNER);

	/* The inner addresses must belong to this peer: downlink to an MN attached here whose
	 * prefix that peer anchors, or uplink reverse-tunnelled from an MN that peer serves
	 * with a prefix anchored here. */
	b = bind_lookup(t, h, in->dst_addr);
	down = b != NULL && b->flags == DMM_BIND_ATTACHED && b->tunnel == tid;
	if (!down) {
		const struct dmm_binding *s = bind_lookup(t, h, in->src_addr);
		if (unlikely(s == NULL || s->flags != DMM_BIND_ANCHORED || s->tunnel != tid))
			return drop(out, DMM_DROP_TUNNEL_MISMATCH);
	}
	if (unlikely(dmm_link_local_or_mcast(in->dst_addr)))
		return drop(out, DMM_DROP_TUNNEL_MISMATCH);
	/* Inner hop limit is checked here rather than punted: the Time Exceeded would have
	 * to be tunnelled back, and the peer already spent a hop on it. */
	if (unlikely(in->hop_limits <= 1))
		return drop(out, DMM_DROP_HOP_LIMIT);
	ovtc = rte_be_to_cpu_32(ip->vtc_flow);
	ecn = dmm_fwd_ecn_decap((ovtc >> 20) & 3, (ivtc >> 20) & 3);
	if (unlikely(ecn < 0))
		return drop(out, DMM_DROP_ECN);
	in->vtc_flow = rte_cpu_to_be_32((ivtc & ~(3u << 20)) | ((uint32_t)ecn << 20));

	memcpy(&eth, rte_pktmbuf_mtod(m, void *), ETH_LEN);
	rte_pktmbuf_adj(m, IP6_LEN);
	memcpy(rte_pktmbuf_mtod(m, void *), &eth, ETH_LEN);
	st->decap++;

	if (down)
		return deliver(ctx, st, m, b, out);
	if (in_pools(ctx, in->dst_addr)) {
		const struct dmm_binding *d = bind_lookup(t, h, ip6(m)->dst_addr);
		if (d != NULL && d->flags == (DMM_BIND_ANCHORED | DMM_BIND_ATTACHED))
			return deliver(ctx, st, m, d, out);
	}
	return route(ctx, t, st, m, out);
}

enum dmm_verdict dmm_fwd_packet(const struct dmm_fwd_ctx *ctx, const struct dmm_tables *t,
				struct dmm_wstats *st, struct rte_mbuf *m, uint16_t in_port,
				const struct dmm_fwd_hint *h, uint16_t *out)
{
	const struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	uint32_t plen = rte_pktmbuf_pkt_len(m), ilen;

	if (unlikely(rte_pktmbuf_data_len(m) < ETH_LEN))
		return drop(out, DMM_DROP_TRUNCATED);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))) {
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) ||
		    eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ))
			return drop(out, DMM_DROP_VLAN);
		return drop(out, DMM_DROP_NOT_IPV6);
	}
	/* Headers must be in the first segment; a chained mbuf with a split header is as
	 * unusable as a short frame. */
	if (unlikely(rte_pktmbuf_data_len(m) < ETH_LEN + IP6_LEN))
		return drop(out, DMM_DROP_TRUNCATED);
	ip = ip6(m);
	if (unlikely((ip->vtc_flow & rte_cpu_to_be_32(0xf0000000)) != rte_cpu_to_be_32(0x60000000)))
		return drop(out, DMM_DROP_BAD_VERSION);
	ilen = ip6_total(ip);
	if (unlikely(ETH_LEN + ilen > plen))
		return drop(out, DMM_DROP_BAD_LENGTH);
	if (unlikely(ETH_LEN + ilen < plen)) {
		/* Link padding past the IPv6 packet (RFC 8200 §3: Payload Length is the
		 * packet's length); never forward it. */
		rte_pktmbuf_trim(m, (uint16_t)(plen - ETH_LEN - ilen));
		st->trimmed++;
	}

	if (unlikely(ip->dst_addr[0] == 0xff)) {
		if (ip->proto == PROTO_ICMPV6 && ilen > IP6_LEN &&
		    rte_pktmbuf_data_len(m) > ETH_LEN + IP6_LEN) {
			uint8_t type = *((const uint8_t *)(ip + 1));
			if (type >= 133 && type <= 137) /* RS RA NS NA Redirect, RFC 4861 */
				return punt(m, out, DMM_EXC_ND, 0);
		}
		return drop(out, DMM_DROP_MULTICAST);
	}

	if (unlikely(dmm_tables_local(t, ip->dst_addr) >= 0)) {
		if (ip->proto == PROTO_IPV6 && ctx->role[in_port] == DMM_ROLE_CORE)
			return decap(ctx, t, st, m, h, out);
		if (ip->proto == PROTO_ICMPV6 && ilen > IP6_LEN &&
		    rte_pktmbuf_data_len(m) > ETH_LEN + IP6_LEN) {
			uint8_t type = *((const uint8_t *)(ip + 1));
			if (type >= 133 && type <= 137)
				return punt(m, out, DMM_EXC_ND, 0);
		}
		return punt(m, out, DMM_EXC_LOCAL, 0);
	}
	/* RFC 4291 §2.5.6: routers never forward link-local sources or destinations. */
	if (unlikely(dmm_link_local_or_mcast(ip->dst_addr) ||
		     dmm_link_local_or_mcast(ip->src_addr))) {
		/* Except unicast ND to a DLIF's link-local address (RFC 8885 §3.7): the MN's NA
		 * answering our NUD probe and its own NUD of its default router (RFC 4861 §7.3)
		 * are addressed to an address no table holds; the access link answers them. */
		if (ctx->role[in_port] == DMM_ROLE_ACCESS && ip->dst_addr[0] == 0xfe &&
		    (ip->dst_addr[1] & 0xc0) == 0x80 && ip->proto == PROTO_ICMPV6 &&
		    ilen > IP6_LEN && rte_pktmbuf_data_len(m) > ETH_LEN + IP6_LEN) {
			uint8_t type = *((const uint8_t *)(ip + 1));
			if (type == 135 || type == 136) /* NS, NA */
				return punt(m, out, DMM_EXC_ND, 0);
		}
		return drop(out, DMM_DROP_LINK_LOCAL);
	}

	if (ctx->role[in_port] == DMM_ROLE_ACCESS)
		return from_access(ctx, t, st, m, in_port, h, out);
	return from_core(ctx, t, st, m, h, out);
}
