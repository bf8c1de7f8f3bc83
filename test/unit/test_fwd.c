/* SPDX-License-Identifier: BSD-3-Clause */
/* Classification and rewrite (dataplane/dp_fwd.c) on crafted mbufs: every row of
 * DESIGN.md §3, the tunnel header rules, and every drop reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_fwd.h"
#include "dp_ops.h"
#include "dp_tables.h"
#include "dp_test_env.h"

enum { P_ACCESS = 0, P_CORE = 1 };
enum { T_PEER = 3 };	     /* tunnel id of the peer MAAR */
enum { NH_GW = 1, NH_PEER = 2, NH_UNRES = 5 };

static struct rte_mempool *mp;
static struct dmm_tables tbl;
static struct dmm_fwd_ctx ctx;
static struct dmm_wstats st;

static const char *NODE = "2001:db8:ff::1", *PEER = "2001:db8:ff::2",
		  *UNKNOWN = "2001:db8:ff::99", *CN = "2001:db8:cc::10",
		  *MN1 = "2001:db8:100:1::10",	 /* anchored + attached here */
	*MN2 = "2001:db8:100:2::10",		 /* anchored + attached here */
	*MN_AWAY = "2001:db8:100:3::10",	 /* anchored here, served by PEER */
	*MN_VISIT = "2001:db8:200:1::10",	 /* anchored at PEER, attached here */
	*UNRES_NET = "2001:db8:dd::1";		 /* route via an unresolved next hop */
static const struct rte_ether_addr MAC_ACC = {{0x02, 0, 0, 0, 0xaa, 1}},
				   MAC_CORE = {{0x02, 0, 0, 0, 0xcc, 1}},
				   MAC_MN1 = {{0x02, 0, 0, 0, 1, 1}}, MAC_MN2 = {{0x02, 0, 0, 0, 1, 2}},
				   MAC_VISIT = {{0x02, 0, 0, 0, 2, 1}},
				   MAC_GW = {{0x02, 0, 0, 0, 0xfe, 0xfe}},
				   MAC_PEER = {{0x02, 0, 0, 0, 0xff, 2}};

static void ip(const char *s, uint8_t out[16])
{
	struct dmm_ip6 a;
	assert_int_equal(dmm_ip6_parse(s, &a), 0);
	memcpy(out, a.a, 16);
}

static void apply(struct dmm_op *op)
{
	int rc = dmm_tables_apply(&tbl, op);
	if (rc != 0)
		fail_msg("op type %u: expected 0, got %d", op->type, rc);
}

static void add_binding(const char *addr, uint8_t flags, uint32_t tunnel, const struct rte_ether_addr *mac)
{
	struct dmm_op op = {.type = DMM_OP_BIND_SET, .port = P_ACCESS};
	uint8_t a[16];
	ip(addr, a);
	memcpy(op.u.bind.prefix, a, 8);
	op.u.bind.flags = flags;
	op.u.bind.tunnel = tunnel;
	if (mac)
		op.u.bind.mac = *mac;
	apply(&op);
}

static void del_binding(const char *addr)
{
	struct dmm_op op = {.type = DMM_OP_BIND_DEL};
	uint8_t a[16];
	ip(addr, a);
	memcpy(op.u.bind.prefix, a, 8);
	apply(&op);
}

static void nh(uint32_t id, const struct rte_ether_addr *mac, uint8_t resolved)
{
	struct dmm_op op = {.type = DMM_OP_NH_SET, .port = P_CORE, .id = id};
	op.u.nh.mac = *mac;
	op.u.nh.resolved = resolved;
	apply(&op);
}

static int setup(void **state)
{
	(void)state;
	struct dmm_tables_limits lim = {.bindings = 1024, .tunnels = 16, .routes = 64,
					.neighbours = 16};
	struct dmm_op op;

	memset(&st, 0, sizeof(st));
	assert_int_equal(dmm_tables_init(&tbl, "fwd", &lim, 0), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.n_ports = 2;
	ctx.role[P_ACCESS] = DMM_ROLE_ACCESS;
	ctx.role[P_CORE] = DMM_ROLE_CORE;
	ctx.mac[P_ACCESS] = MAC_ACC;
	ctx.mac[P_CORE] = MAC_CORE;
	ctx.mtu[P_ACCESS] = ctx.mtu[P_CORE] = 1500;
	ctx.core_port = P_CORE;
	ctx.tunnel_hop_limit = 50;
	ctx.n_pools = 1;
	assert_int_equal(dmm_prefix_parse("2001:db8:100::/48", &ctx.pools[0]), 0);

	memset(&op, 0, sizeof(op));
	op.type = DMM_OP_ADDR_ADD;
	op.port = P_CORE;
	ip(NODE, op.u.addr.addr);
	apply(&op);

	nh(NH_GW, &MAC_GW, 1);
	nh(NH_PEER, &MAC_PEER, 1);
	nh(NH_UNRES, &MAC_GW, 0);
	memset(&op, 0, sizeof(op));
	op.type = DMM_OP_ROUTE_ADD;
	op.u.route.len = 0;
	op.u.route.nh = NH_GW;
	apply(&op);
	memset(&op, 0, sizeof(op));
	op.type = DMM_OP_ROUTE_ADD;
	ip(UNRES_NET, op.u.route.prefix);
	op.u.route.len = 64;
	op.u.route.prefix[8] = op.u.route.prefix[15] = 0;
	op.u.route.nh = NH_UNRES;
	apply(&op);

	memset(&op, 0, sizeof(op));
	op.type = DMM_OP_TUNNEL_SET;
	op.id = T_PEER;
	ip(NODE, op.u.tunnel.local);
	ip(PEER, op.u.tunnel.remote);
	op.u.tunnel.mtu = 1400;
	op.u.tunnel.nh = NH_PEER;
	apply(&op);

	add_binding(MN1, DMM_BIND_ANCHORED | DMM_BIND_ATTACHED, DMM_TUNNEL_NONE, &MAC_MN1);
	add_binding(MN2, DMM_BIND_ANCHORED | DMM_BIND_ATTACHED, DMM_TUNNEL_NONE, &MAC_MN2);
	add_binding(MN_AWAY, DMM_BIND_ANCHORED, T_PEER, NULL);
	add_binding(MN_VISIT, DMM_BIND_ATTACHED, T_PEER, &MAC_VISIT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dmm_tables_free(&tbl);
	return 0;
}

/* ------------------------------------------------------------ packet builders */

struct pkt_spec {
	const struct rte_ether_addr *src_mac;
	const char *src, *dst;
	uint8_t proto, hop_limit, tc;
	uint32_t flow;
	uint16_t payload; /* bytes after the IPv6 header */
	uint16_t ethertype;
};

static const uint8_t PAY_BYTE = 0x5a;

static uint8_t *put_ip6(uint8_t *p, const struct pkt_spec *s)
{
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)p;
	h->vtc_flow = rte_cpu_to_be_32((6u << 28) | ((uint32_t)s->tc << 20) | s->flow);
	h->payload_len = rte_cpu_to_be_16(s->payload);
	h->proto = s->proto;
	h->hop_limits = s->hop_limit;
	ip(s->src, h->src_addr);
	ip(s->dst, h->dst_addr);
	return p + sizeof(*h);
}

static struct rte_mbuf *mk(const struct pkt_spec *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	assert_non_null(m);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + 40 + s->payload));
	assert_non_null(p);
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)p;
	e->dst_addr = MAC_ACC;
	e->src_addr = *s->src_mac;
	e->ether_type = rte_cpu_to_be_16(s->ethertype ? s->ethertype : RTE_ETHER_TYPE_IPV6);
	p = put_ip6(p + 14, s);
	for (uint16_t i = 0; i < s->payload; i++)
		p[i] = (uint8_t)(PAY_BYTE + i);
	return m;
}

/* An ip6ip6 frame from outer_src to the node carrying inner. */
static struct rte_mbuf *mk_tun(const char *outer_src, uint8_t outer_tc, const struct pkt_spec *in)
{
	struct pkt_spec o = {.src_mac = &MAC_PEER, .src = outer_src, .dst = NODE, .proto = 41,
			     .hop_limit = 60, .tc = outer_tc, .flow = 0x12345,
			     .payload = (uint16_t)(40 + in->payload)};
	struct rte_mbuf *m = mk(&o);
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 40);
	p = put_ip6(p, in);
	for (uint16_t i = 0; i < in->payload; i++)
		p[i] = (uint8_t)(PAY_BYTE + i);
	return m;
}

static struct rte_ipv6_hdr *iph(struct rte_mbuf *m, unsigned off)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14 + off);
}

static void assert_addr(const uint8_t *got, const char *want)
{
	uint8_t w[16];
	char g[DMM_IP6_STRLEN];
	ip(want, w);
	if (memcmp(got, w, 16) != 0)
		fail_msg("address: expected %s, got %s", want,
			 dmm_ip6_fmt((const struct dmm_ip6 *)got, g));
}

static void assert_mac(const struct rte_ether_addr *got, const struct rte_ether_addr *want)
{
	if (!rte_is_same_ether_addr(got, want))
		fail_msg("mac: expected %02x:..:%02x:%02x, got %02x:..:%02x:%02x", want->addr_bytes[0],
			 want->addr_bytes[4], want->addr_bytes[5], got->addr_bytes[0],
			 got->addr_bytes[4], got->addr_bytes[5]);
}

static void assert_payload(struct rte_mbuf *m, unsigned off, uint16_t n)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	for (uint16_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(PAY_BYTE + i))
			fail_msg("payload byte %u: expected %u, got %u", i, (uint8_t)(PAY_BYTE + i),
				 p[i]);
}

static enum dmm_verdict run(struct rte_mbuf *m, uint16_t in, uint16_t *out)
{
	/* Half the calls go through the bulk-lookup hint, as the worker does, so both the hinted
	 * and the plain lookup are exercised on every case. */
	static unsigned n;
	uint64_t key;
	struct dmm_fwd_hint h;
	if ((n++ & 1) && dmm_fwd_primary_key(&ctx, &tbl, m, in, &key)) {
		h.key = key;
		h.b = dmm_tables_binding(&tbl, (const uint8_t *)&key);
		return dmm_fwd_packet(&ctx, &tbl, &st, m, in, &h, out);
	}
	return dmm_fwd_packet(&ctx, &tbl, &st, m, in, NULL, out);
}

static void expect_drop(struct rte_mbuf *m, uint16_t in, enum dmm_drop_reason r)
{
	uint16_t out;
	enum dmm_verdict v = run(m, in, &out);
	if (v != DMM_V_DROP || out != r)
		fail_msg("expected drop %s, got verdict %d reason/port %u (%s)", dmm_drop_names[r], v,
			 out, v == DMM_V_DROP && out < DMM_DROP_MAX ? dmm_drop_names[out] : "-");
	rte_pktmbuf_free(m);
}

static void expect_exc(struct rte_mbuf *m, uint16_t in, enum dmm_exc_reason r)
{
	uint16_t out;
	enum dmm_verdict v = run(m, in, &out);
	if (v != DMM_V_EXC || out != r)
		fail_msg("expected exception %s, got verdict %d code %u", dmm_exc_names[r], v, out);
	assert_int_equal(dmm_exc_meta(m)->reason, r);
}

/* ------------------------------------------------------------ forwarding rows */

static void fwd_core_to_attached_mn_is_delivered_on_access(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_GW, .src = CN, .dst = MN1, .proto = 17,
			     .hop_limit = 64, .payload = 100};
	struct rte_mbuf *m = mk(&s);
	uint16_t out;
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_mac(&e->dst_addr, &MAC_MN1);
	assert_mac(&e->src_addr, &MAC_ACC);
	assert_int_equal(iph(m, 0)->hop_limits, 63);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + 100);
	assert_payload(m, 54, 100);
	rte_pktmbuf_free(m);
}

static void fwd_core_to_moved_mn_is_encapsulated_to_serving_maar(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_GW, .src = CN, .dst = MN_AWAY, .proto = 17,
			     .hop_limit = 64, .tc = 0xb9 /* DSCP 46, ECT(1) */, .payload = 64};
	struct rte_mbuf *m = mk(&s);
	uint16_t out;
	uint64_t encap = st.encap;
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_CORE);
	assert_int_equal(st.encap, encap + 1);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + 40 + 64);
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_mac(&e->dst_addr, &MAC_PEER);
	assert_mac(&e->src_addr, &MAC_CORE);
	assert_int_equal(rte_be_to_cpu_16(e->ether_type), RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *o = iph(m, 0), *i = iph(m, 40);
	uint32_t ovtc = rte_be_to_cpu_32(o->vtc_flow);
	assert_int_equal(ovtc >> 28, 6);
	assert_int_equal((ovtc >> 20) & 0xff, 0xb9); /* RFC 6040 normal mode: copied */
	assert_int_not_equal(ovtc & 0xfffff, 0);     /* RFC 6438 */
	assert_int_equal(rte_be_to_cpu_16(o->payload_len), 40 + 64);
	assert_int_equal(o->proto, 41);
	assert_int_equal(o->hop_limits, 50);
	assert_addr(o->src_addr, NODE);
	assert_addr(o->dst_addr, PEER);
	assert_int_equal(i->hop_limits, 63);
	assert_addr(i->src_addr, CN);
	assert_addr(i->dst_addr, MN_AWAY);
	assert_int_equal((rte_be_to_cpu_32(i->vtc_flow) >> 20) & 0xff, 0xb9);
	assert_payload(m, 14 + 80, 64);
	rte_pktmbuf_free(m);
}

static uint32_t outer_label(const char *src, uint8_t proto, uint16_t sport, uint32_t inner_fl)
{
	struct pkt_spec s = {.src_mac = &MAC_GW, .src = src, .dst = MN_AWAY, .proto = proto,
			     .hop_limit = 64, .flow = inner_fl, .payload = 20};
	struct rte_mbuf *m = mk(&s);
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, 54);
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	uint16_t out;
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	uint32_t fl = rte_be_to_cpu_32(iph(m, 0)->vtc_flow) & 0xfffff;
	rte_pktmbuf_free(m);
	return fl;
}

static void fwd_outer_flow_label_follows_inner_flow(void **state)
{
	(void)state;
	uint32_t a1 = outer_label(CN, 6, 1000, 0), a2 = outer_label(CN, 6, 1000, 0);
	assert_int_equal(a1, a2); /* same flow, same label: no reordering across paths */
	unsigned differ = 0;
	for (uint16_t p = 1001; p < 1033; p++)
		differ += outer_label(CN, 6, p, 0) != a1;
	if (differ < 30)
		fail_msg("expected >= 30 of 32 flows with another label, got %u", differ);
	/* An inner flow label is the flow identity (RFC 6438 §3). */
	assert_int_equal(outer_label(CN, 6, 1, 0xabcde), outer_label(CN, 6, 2, 0xabcde));
	assert_int_not_equal(outer_label(CN, 6, 1, 0xabcde), outer_label(CN, 6, 1, 0x12345));
}

static void fwd_decap_from_anchor_is_delivered_to_visiting_mn(void **state)
{
	(void)state;
	struct pkt_spec in = {.src_mac = &MAC_PEER, .src = CN, .dst = MN_VISIT, .proto = 17,
			      .hop_limit = 30, .tc = 0x02 /* ECT(0) */, .payload = 77};
	struct rte_mbuf *m = mk_tun(PEER, 0x03 /* CE */, &in);
	uint16_t out;
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + 77);
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_mac(&e->dst_addr, &MAC_VISIT);
	assert_mac(&e->src_addr, &MAC_ACC);
	assert_int_equal(rte_be_to_cpu_16(e->ether_type), RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *i = iph(m, 0);
	assert_addr(i->src_addr, CN);
	assert_addr(i->dst_addr, MN_VISIT);
	assert_int_equal(i->hop_limits, 29);
	assert_int_equal((rte_be_to_cpu_32(i->vtc_flow) >> 20) & 3, 3); /* CE propagated */
	assert_int_equal(rte_be_to_cpu_16(i->payload_len), 77);
	assert_payload(m, 54, 77);
	rte_pktmbuf_free(m);
}

static void fwd_decap_reverse_tunnelled_uplink_is_routed_to_core(void **state)
{
	(void)state;
	struct pkt_spec in = {.src_mac = &MAC_PEER, .src = MN_AWAY, .dst = CN, .proto = 6,
			      .hop_limit = 63, .payload = 40};
	struct rte_mbuf *m = mk_tun(PEER, 0, &in);
	uint16_t out;
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_CORE);
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_mac(&e->dst_addr, &MAC_GW);
	assert_mac(&e->src_addr, &MAC_CORE);
	assert_addr(iph(m, 0)->src_addr, MN_AWAY);
	assert_int_equal(iph(m, 0)->hop_limits, 62);
	assert_payload(m, 54, 40);
	rte_pktmbuf_free(m);
}

static void fwd_access_uplink_from_local_prefix_is_routed(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_MN1, .src = MN1, .dst = CN, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	struct rte_mbuf *m = mk(&s);
	uint16_t out;
	assert_int_equal(run(m, P_ACCESS, &out), DMM_V_TX);
	assert_int_equal(out, P_CORE);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &MAC_GW);
	assert_int_equal(iph(m, 0)->hop_limits, 63);
	rte_pktmbuf_free(m);
}

static void fwd_access_to_local_mn_hairpins(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_MN1, .src = MN1, .dst = MN2, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	struct rte_mbuf *m = mk(&s);
	uint16_t out;
	assert_int_equal(run(m, P_ACCESS, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &MAC_MN2);
	rte_pktmbuf_free(m);
}

static void fwd_access_uplink_from_remote_anchor_is_reverse_tunnelled(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_VISIT, .src = MN_VISIT, .dst = CN, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	struct rte_mbuf *m = mk(&s);
	uint16_t out;
	assert_int_equal(run(m, P_ACCESS, &out), DMM_V_TX);
	assert_int_equal(out, P_CORE);
	assert_addr(iph(m, 0)->dst_addr, PEER);
	assert_addr(iph(m, 0)->src_addr, NODE);
	assert_addr(iph(m, 40)->src_addr, MN_VISIT);
	assert_int_equal(iph(m, 40)->hop_limits, 63);
	rte_pktmbuf_free(m);
}

/* ------------------------------------------------------------ exceptions */

static void fwd_exceptions_reach_the_control_lcore(void **state)
{
	(void)state;
	struct pkt_spec ns = {.src_mac = &MAC_GW, .src = "fe80::1", .dst = "ff02::1:ff00:1",
			      .proto = 58, .hop_limit = 255, .payload = 32};
	struct rte_mbuf *m = mk(&ns);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 54)[0] = 135;
	expect_exc(m, P_CORE, DMM_EXC_ND);
	rte_pktmbuf_free(m);

	struct pkt_spec mh = {.src_mac = &MAC_GW, .src = "2001:db8:ff::50", .dst = NODE,
			      .proto = 135, .hop_limit = 64, .payload = 16};
	m = mk(&mh);
	expect_exc(m, P_CORE, DMM_EXC_LOCAL);
	rte_pktmbuf_free(m);

	struct pkt_spec hl = {.src_mac = &MAC_GW, .src = CN, .dst = MN1, .proto = 17,
			      .hop_limit = 1, .payload = 8};
	m = mk(&hl);
	expect_exc(m, P_CORE, DMM_EXC_HOP_LIMIT);
	rte_pktmbuf_free(m);

	struct pkt_spec big = {.src_mac = &MAC_GW, .src = CN, .dst = MN_AWAY, .proto = 17,
			       .hop_limit = 64, .payload = 1400 - 40 + 1};
	m = mk(&big);
	expect_exc(m, P_CORE, DMM_EXC_TOO_BIG);
	assert_int_equal(dmm_exc_meta(m)->mtu, 1400);
	/* The punted packet is untouched, so the ICMPv6 error quotes what the source sent. */
	assert_int_equal(iph(m, 0)->hop_limits, 64);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 1401);
	rte_pktmbuf_free(m);
}

/* ------------------------------------------------------------ drops */

static void fwd_drops_every_malformed_frame_with_its_reason(void **state)
{
	(void)state;
	struct pkt_spec ok = {.src_mac = &MAC_GW, .src = CN, .dst = MN1, .proto = 17,
			      .hop_limit = 64, .payload = 20};
	struct rte_mbuf *m;

	ok.ethertype = RTE_ETHER_TYPE_ARP;
	expect_drop(mk(&ok), P_CORE, DMM_DROP_NOT_IPV6);
	ok.ethertype = RTE_ETHER_TYPE_VLAN;
	expect_drop(mk(&ok), P_CORE, DMM_DROP_VLAN);
	ok.ethertype = 0;

	m = mk(&ok);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 14 - 20));
	expect_drop(m, P_CORE, DMM_DROP_TRUNCATED);

	m = mk(&ok);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 10));
	expect_drop(m, P_CORE, DMM_DROP_TRUNCATED);

	m = mk(&ok);
	iph(m, 0)->vtc_flow = rte_cpu_to_be_32(4u << 28);
	expect_drop(m, P_CORE, DMM_DROP_BAD_VERSION);

	m = mk(&ok);
	iph(m, 0)->payload_len = rte_cpu_to_be_16(21);
	expect_drop(m, P_CORE, DMM_DROP_BAD_LENGTH);
}

static void fwd_trims_link_padding_past_payload_length(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_GW, .src = CN, .dst = MN1, .proto = 17,
			     .hop_limit = 64, .payload = 20};
	struct rte_mbuf *m = mk(&s);
	uint64_t trimmed = st.trimmed;
	iph(m, 0)->payload_len = rte_cpu_to_be_16(6);
	uint16_t out;
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + 6);
	assert_int_equal(st.trimmed, trimmed + 1);
	rte_pktmbuf_free(m);
}

/* An MN that uses another attached MN's prefix gets nothing through: dropped as spoofed,
 * not punted (the prefix has an owner here, so this is no attachment). */
static void fwd_access_spoofing_is_dropped(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_MN1, .src = MN2, .dst = CN, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	expect_drop(mk(&s), P_ACCESS, DMM_DROP_SPOOFED_SRC); /* MN1 using MN2's prefix */
	s.dst = MN1;
	expect_drop(mk(&s), P_ACCESS, DMM_DROP_SPOOFED_SRC); /* ... even to hairpin */
	s.src = MN_VISIT;
	expect_drop(mk(&s), P_ACCESS, DMM_DROP_SPOOFED_SRC); /* a visiting MN's prefix */
	s.src_mac = &MAC_GW;
	s.src = MN1;
	s.dst = CN;
	expect_drop(mk(&s), P_ACCESS, DMM_DROP_SPOOFED_SRC); /* a host that is nobody's MN */
	s.hop_limit = 1;
	expect_drop(mk(&s), P_ACCESS, DMM_DROP_SPOOFED_SRC); /* no Time Exceeded for it */
	s.hop_limit = 64;
	/* The right MAC on another access port than the MN's. */
	s.src_mac = &MAC_MN1;
	ctx.role[2] = DMM_ROLE_ACCESS;
	ctx.mac[2] = MAC_ACC;
	ctx.mtu[2] = 1500;
	expect_drop(mk(&s), 2, DMM_DROP_SPOOFED_SRC);
	ctx.role[2] = 0;
	/* The unspecified address is nobody's source (RFC 4291 §2.5.2): not an attachment. */
	s.src = "::";
	expect_drop(mk(&s), P_ACCESS, DMM_DROP_SPOOFED_SRC);
}

/* Issue 4 groundwork: a source /64 that no MN attached here owns is handed to the control
 * lcore (attachment detection), untouched, with its port and what the table knows of it. */
static void fwd_access_unknown_source_is_punted_for_attachment_detection(void **state)
{
	(void)state;
	const struct {
		const char *src;
		uint8_t hop_limit;
		uint8_t bind_flags;
	} rows[] = {
		{"2001:db8:100:77::1", 64, 0},		/* in our pool, not allocated */
		{"2001:db8:cc::5", 64, 0},		/* not an MN prefix of ours */
		{"2001:db8:200:7::1", 1, 0},		/* hop limit 1: still an attachment */
		{MN_AWAY, 64, DMM_BIND_ANCHORED},	/* anchored here, MN served elsewhere */
	};
	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		struct pkt_spec s = {.src_mac = &MAC_GW, .src = rows[i].src, .dst = CN,
				     .proto = 17, .hop_limit = rows[i].hop_limit, .payload = 10};
		struct rte_mbuf *m = mk(&s);
		/* Stale metadata from an earlier use of the mbuf must not leak through. */
		memset(dmm_exc_meta(m), 0xa5, sizeof(struct dmm_exc_meta));
		uint16_t out;
		enum dmm_verdict v = run(m, P_ACCESS, &out);
		if (v != DMM_V_EXC || out != DMM_EXC_UNKNOWN_SRC)
			fail_msg("row %u (%s): expected exception unknown_src, got verdict %d code %u",
				 i, rows[i].src, v, out);
		const struct dmm_exc_meta *meta = dmm_exc_meta(m);
		assert_int_equal(meta->reason, DMM_EXC_UNKNOWN_SRC);
		assert_int_equal(meta->port, P_ACCESS);
		assert_int_equal(meta->bind_flags, rows[i].bind_flags);
		assert_int_equal(meta->mtu, 0);
		/* Untouched: the control lcore reads the sender's MAC and address as sent. */
		assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &MAC_GW);
		assert_addr(iph(m, 0)->src_addr, rows[i].src);
		assert_int_equal(iph(m, 0)->hop_limits, rows[i].hop_limit);
		assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 40 + 10);
		rte_pktmbuf_free(m);
	}
	/* Other exceptions say they carry no port of their own. */
	struct pkt_spec mh = {.src_mac = &MAC_GW, .src = CN, .dst = NODE, .proto = 135,
			      .hop_limit = 64, .payload = 16};
	struct rte_mbuf *m = mk(&mh);
	memset(dmm_exc_meta(m), 0xa5, sizeof(struct dmm_exc_meta));
	expect_exc(m, P_CORE, DMM_EXC_LOCAL);
	assert_int_equal(dmm_exc_meta(m)->port, DMM_EXC_PORT_NONE);
	assert_int_equal(dmm_exc_meta(m)->bind_flags, 0);
	rte_pktmbuf_free(m);
	/* The same unknown source on the core port is no attachment: not ours to route. */
	struct pkt_spec c = {.src_mac = &MAC_GW, .src = "2001:db8:100:77::1", .dst = CN,
			     .proto = 17, .hop_limit = 64, .payload = 10};
	expect_drop(mk(&c), P_CORE, DMM_DROP_NO_ROUTE);
}

static struct rte_mbuf *mk_icmp(const struct rte_ether_addr *mac, const char *src,
				const char *dst, uint8_t type)
{
	struct pkt_spec s = {.src_mac = mac, .src = src, .dst = dst, .proto = 58,
			     .hop_limit = 255, .payload = 24};
	struct rte_mbuf *m = mk(&s);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 54)[0] = type;
	return m;
}

/* S12 (RFC 5213 §6.10.5): link-local sources from an MN are never forwarded and never taken
 * for an attachment; ND from them (RS, NS incl. DAD, NA) still reaches the control lcore. */
static void S12_link_local_source_is_not_forwarded_but_nd_reaches_control(void **state)
{
	(void)state;
	static const struct rte_ether_addr stranger = {{0x02, 0, 0, 0, 0x77, 0x77}};
	struct rte_mbuf *m;

	m = mk_icmp(&stranger, "fe80::1", "ff02::2", 133); /* RS */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);
	m = mk_icmp(&stranger, "::", "ff02::1:ff00:10", 135); /* DAD NS */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);
	m = mk_icmp(&stranger, "fe80::1", "ff02::1", 136); /* unsolicited NA */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);
	m = mk_icmp(&stranger, "fe80::1", NODE, 135); /* NS for an own address */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);

	struct pkt_spec u = {.src_mac = &stranger, .src = "fe80::1", .dst = CN, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_LINK_LOCAL);
	u.src_mac = &MAC_MN1; /* a known MN gets no exception either */
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_LINK_LOCAL);
	expect_drop(mk_icmp(&stranger, "fe80::1", CN, 128), P_ACCESS, DMM_DROP_LINK_LOCAL);
	u.dst = "ff02::1"; /* not ND: multicast we do not route */
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_MULTICAST);
}

/* D3 (RFC 4861 §7.3, RFC 8885 §3.7): an MN's unicast NS / NA to a DLIF's link-local address
 * (not an address of the MAAR: no table holds it) reaches the control lcore on an access port
 * (NUD of the MN and of its default router); elsewhere, and for other types, still dropped. */
static void D3_unicast_nd_to_dlif_link_local_reaches_control(void **state)
{
	(void)state;
	static const struct rte_ether_addr stranger = {{0x02, 0, 0, 0, 0x77, 0x77}};
	const char *dlif = "fe80::38:58ff:fefa:37dc";
	struct rte_mbuf *m;

	m = mk_icmp(&MAC_MN1, "fe80::dd:ff:fe00:10", dlif, 136); /* NA answering a probe */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);
	m = mk_icmp(&MAC_MN1, "fe80::dd:ff:fe00:10", dlif, 135); /* NUD of its router */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);
	m = mk_icmp(&stranger, "2001:db8:100::10", dlif, 135); /* global source: still ND */
	expect_exc(m, P_ACCESS, DMM_EXC_ND);
	rte_pktmbuf_free(m);
	expect_drop(mk_icmp(&MAC_MN1, "fe80::dd:ff:fe00:10", dlif, 128), P_ACCESS,
		    DMM_DROP_LINK_LOCAL); /* echo request: not ND */
	expect_drop(mk_icmp(&MAC_MN1, "fe80::dd:ff:fe00:10", dlif, 134), P_ACCESS,
		    DMM_DROP_LINK_LOCAL); /* an RA from a host: not for us */
	expect_drop(mk_icmp(&MAC_MN1, "fe80::dd:ff:fe00:10", dlif, 136), P_CORE,
		    DMM_DROP_LINK_LOCAL); /* core port: no DLIF there */
}

/* The per-worker bucket that bounds unknown_src exceptions: starts full, refills at the
 * rate, never holds more than the burst, survives a long idle period and TSC values near
 * the top of the range. */
static void fwd_unknown_src_token_bucket_bounds_rate_and_burst(void **state)
{
	(void)state;
	struct dmm_tb tb;
	const uint64_t hz = 2000000000ull, t0 = UINT64_MAX - 5 * hz; /* wraps during the test */
	const uint64_t per = hz / 1000;
	unsigned n;

	dmm_tb_init(&tb, hz, 1000, 8, t0);
	for (n = 0; dmm_tb_take(&tb, t0); n++)
		if (n > 100)
			break;
	assert_int_equal(n, 8); /* the burst, back to back */
	if (dmm_tb_take(&tb, t0 + per - 1))
		fail_msg("expected no token 1 cycle before the refill, got one");
	if (!dmm_tb_take(&tb, t0 + per))
		fail_msg("expected one token after 1/rate s, got none");
	if (dmm_tb_take(&tb, t0 + per))
		fail_msg("expected exactly one token after 1/rate s, got two");
	/* 3.5 intervals later: three tokens, and the half is kept for later. */
	uint64_t t = t0 + per + 3 * per + per / 2;
	for (n = 0; dmm_tb_take(&tb, t); n++)
		if (n > 100)
			break;
	assert_int_equal(n, 3);
	if (!dmm_tb_take(&tb, t + per / 2))
		fail_msg("expected the kept half interval to complete a token, got none");
	/* An idle period far longer than the burst refills the burst only (the TSC wraps). */
	t += 4 * hz;
	for (n = 0; dmm_tb_take(&tb, t); n++)
		if (n > 100)
			break;
	assert_int_equal(n, 8);
	/* Over one second of steady offered load, about rate frames pass. */
	dmm_tb_init(&tb, hz, DMM_UNKNOWN_SRC_RATE, DMM_UNKNOWN_SRC_BURST, 0);
	for (n = 0; dmm_tb_take(&tb, 0); n++)
		;
	assert_int_equal(n, DMM_UNKNOWN_SRC_BURST);
	unsigned passed = 0;
	for (uint64_t c = 0; c < hz; c += hz / (4 * DMM_UNKNOWN_SRC_RATE))
		passed += dmm_tb_take(&tb, c);
	if (passed < DMM_UNKNOWN_SRC_RATE - 1 || passed > DMM_UNKNOWN_SRC_RATE)
		fail_msg("expected %d frames in 1 s at 4x the rate, got %u", DMM_UNKNOWN_SRC_RATE,
			 passed);
}

/* RFC 8885 §3.7: frames delivered to an MN for a prefix come from the DLIF of that prefix's
 * anchor (its own MAC), on every delivery path; a binding without one uses the port MAC. */
static void fwd_dlif_mac_is_the_source_of_frames_delivered_to_the_mn(void **state)
{
	(void)state;
	static const struct rte_ether_addr MAC_MN9 = {{0x02, 0, 0, 0, 1, 9}},
					   MAC_MN8 = {{0x02, 0, 0, 0, 2, 8}},
					   DLIF_HERE = {{0x02, 0xd1, 0, 0, 0, 1}},
					   DLIF_PEER = {{0x02, 0xd1, 0, 0, 0, 2}};
	const char *MN9 = "2001:db8:100:9::10", *MN8 = "2001:db8:200:8::10";
	struct dmm_op op = {.type = DMM_OP_BIND_SET, .port = P_ACCESS};
	uint8_t a[16];
	struct rte_mbuf *m;
	uint16_t out;

	ip(MN9, a);
	memcpy(op.u.bind.prefix, a, 8);
	op.u.bind.flags = DMM_BIND_ANCHORED | DMM_BIND_ATTACHED;
	op.u.bind.tunnel = DMM_TUNNEL_NONE;
	op.u.bind.mac = MAC_MN9;
	op.u.bind.dlif_mac = DLIF_HERE;
	apply(&op);
	ip(MN8, a);
	memcpy(op.u.bind.prefix, a, 8);
	op.u.bind.flags = DMM_BIND_ATTACHED; /* anchored at PEER */
	op.u.bind.tunnel = T_PEER;
	op.u.bind.mac = MAC_MN8;
	op.u.bind.dlif_mac = DLIF_PEER;
	apply(&op);

	/* Native downlink from the core. */
	struct pkt_spec d = {.src_mac = &MAC_GW, .src = CN, .dst = MN9, .proto = 17,
			     .hop_limit = 64, .payload = 30};
	m = mk(&d);
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &DLIF_HERE);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &MAC_MN9);
	rte_pktmbuf_free(m);
	/* Decapsulated downlink from the anchor. */
	struct pkt_spec in = {.src_mac = &MAC_PEER, .src = CN, .dst = MN8, .proto = 17,
			      .hop_limit = 30, .payload = 20};
	m = mk_tun(PEER, 0, &in);
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &DLIF_PEER);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &MAC_MN8);
	rte_pktmbuf_free(m);
	/* Decapsulated, reverse-tunnelled uplink of an MN served by PEER to an MN here. */
	struct pkt_spec rv = {.src_mac = &MAC_PEER, .src = MN_AWAY, .dst = MN9, .proto = 17,
			      .hop_limit = 30, .payload = 20};
	m = mk_tun(PEER, 0, &rv);
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &DLIF_HERE);
	rte_pktmbuf_free(m);
	/* Hairpin from another MN on this MAAR. */
	struct pkt_spec h = {.src_mac = &MAC_MN1, .src = MN1, .dst = MN9, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	m = mk(&h);
	assert_int_equal(run(m, P_ACCESS, &out), DMM_V_TX);
	assert_int_equal(out, P_ACCESS);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &DLIF_HERE);
	rte_pktmbuf_free(m);
	/* Uplink from that MN is unaffected: it leaves with the core port's MAC. */
	struct pkt_spec u = {.src_mac = &MAC_MN8, .src = MN8, .dst = CN, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	m = mk(&u);
	assert_int_equal(run(m, P_ACCESS, &out), DMM_V_TX);
	assert_int_equal(out, P_CORE);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &MAC_CORE);
	rte_pktmbuf_free(m);
	/* A binding without a DLIF MAC keeps the port's MAC (static configs are unchanged). */
	d.dst = MN1;
	m = mk(&d);
	assert_int_equal(run(m, P_CORE, &out), DMM_V_TX);
	assert_mac(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &MAC_ACC);
	rte_pktmbuf_free(m);

	del_binding(MN9);
	del_binding(MN8);
}

static void fwd_tunnel_rules_are_enforced_on_decap(void **state)
{
	(void)state;
	struct pkt_spec in = {.src_mac = &MAC_PEER, .src = CN, .dst = MN_VISIT, .proto = 17,
			      .hop_limit = 30, .payload = 20};
	/* Never an open relay. */
	expect_drop(mk_tun(UNKNOWN, 0, &in), P_CORE, DMM_DROP_UNKNOWN_PEER);
	/* Known peer, but MN1 is not anchored there. */
	in.dst = MN1;
	expect_drop(mk_tun(PEER, 0, &in), P_CORE, DMM_DROP_TUNNEL_MISMATCH);
	in.dst = MN_VISIT;
	/* RFC 6040: CE on a Not-ECT inner packet cannot be delivered. */
	expect_drop(mk_tun(PEER, 3, &in), P_CORE, DMM_DROP_ECN);
	/* Inner hop limit exhausted. */
	in.hop_limit = 1;
	expect_drop(mk_tun(PEER, 0, &in), P_CORE, DMM_DROP_HOP_LIMIT);
	in.hop_limit = 30;
	/* Inconsistent inner length. */
	struct rte_mbuf *m = mk_tun(PEER, 0, &in);
	iph(m, 40)->payload_len = rte_cpu_to_be_16(21);
	expect_drop(m, P_CORE, DMM_DROP_BAD_INNER);
	/* Truncated inner header. */
	struct pkt_spec o = {.src_mac = &MAC_PEER, .src = PEER, .dst = NODE, .proto = 41,
			     .hop_limit = 60, .payload = 20};
	expect_drop(mk(&o), P_CORE, DMM_DROP_BAD_INNER);
	/* Inner version not 6. */
	m = mk_tun(PEER, 0, &in);
	iph(m, 40)->vtc_flow = rte_cpu_to_be_32(4u << 28);
	expect_drop(m, P_CORE, DMM_DROP_BAD_INNER);
}

static void fwd_unroutable_traffic_is_dropped_with_reason(void **state)
{
	(void)state;
	struct pkt_spec s = {.src_mac = &MAC_GW, .src = CN, .dst = "2001:db8:300::1", .proto = 17,
			     .hop_limit = 64, .payload = 10};
	expect_drop(mk(&s), P_CORE, DMM_DROP_NO_ROUTE); /* not ours */
	s.dst = MN_VISIT; /* anchored elsewhere: must come through the tunnel */
	expect_drop(mk(&s), P_CORE, DMM_DROP_NO_ROUTE);
	struct pkt_spec u = {.src_mac = &MAC_MN1, .src = MN1, .dst = UNRES_NET, .proto = 17,
			     .hop_limit = 64, .payload = 10};
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_NO_NEIGHBOUR);
	u.dst = "2001:db8:100:99::1"; /* in our pool, no such MN */
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_NO_ROUTE);
	u.dst = "ff02::16";
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_MULTICAST);
	u.dst = "fe80::99";
	expect_drop(mk(&u), P_ACCESS, DMM_DROP_LINK_LOCAL);
}

static void fwd_ecn_decap_table_matches_rfc6040(void **state)
{
	(void)state;
	/* RFC 6040 Figure 4, indexed by codepoint: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE. */
	static const int want[4][4] = {
		/* outer:   Not-ECT ECT(1) ECT(0) CE */
		/* Not-ECT */ {0, 0, 0, -1},
		/* ECT(1)  */ {1, 1, 1, 3},
		/* ECT(0)  */ {2, 1, 2, 3},
		/* CE      */ {3, 3, 3, 3},
	};
	for (int inner = 0; inner < 4; inner++)
		for (int outer = 0; outer < 4; outer++) {
			int got = dmm_fwd_ecn_decap((uint8_t)outer, (uint8_t)inner);
			if (got != want[inner][outer])
				fail_msg("inner %d outer %d: expected %d, got %d", inner, outer,
					 want[inner][outer], got);
		}
}

int main(void)
{
	dmm_test_eal_init("ufwd");
	assert_int_equal(dmm_exc_meta_register(), 0);
	mp = rte_pktmbuf_pool_create("ufwd", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(mp);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fwd_core_to_attached_mn_is_delivered_on_access),
		cmocka_unit_test(fwd_core_to_moved_mn_is_encapsulated_to_serving_maar),
		cmocka_unit_test(fwd_outer_flow_label_follows_inner_flow),
		cmocka_unit_test(fwd_decap_from_anchor_is_delivered_to_visiting_mn),
		cmocka_unit_test(fwd_decap_reverse_tunnelled_uplink_is_routed_to_core),
		cmocka_unit_test(fwd_access_uplink_from_local_prefix_is_routed),
		cmocka_unit_test(fwd_access_to_local_mn_hairpins),
		cmocka_unit_test(fwd_access_uplink_from_remote_anchor_is_reverse_tunnelled),
		cmocka_unit_test(fwd_exceptions_reach_the_control_lcore),
		cmocka_unit_test(fwd_drops_every_malformed_frame_with_its_reason),
		cmocka_unit_test(fwd_trims_link_padding_past_payload_length),
		cmocka_unit_test(fwd_access_spoofing_is_dropped),
		cmocka_unit_test(fwd_access_unknown_source_is_punted_for_attachment_detection),
		cmocka_unit_test(S12_link_local_source_is_not_forwarded_but_nd_reaches_control),
		cmocka_unit_test(D3_unicast_nd_to_dlif_link_local_reaches_control),
		cmocka_unit_test(fwd_unknown_src_token_bucket_bounds_rate_and_burst),
		cmocka_unit_test(fwd_dlif_mac_is_the_source_of_frames_delivered_to_the_mn),
		cmocka_unit_test(fwd_tunnel_rules_are_enforced_on_decap),
		cmocka_unit_test(fwd_unroutable_traffic_is_dropped_with_reason),
		cmocka_unit_test(fwd_ecn_decap_table_matches_rfc6040),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc;
}
