/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-bench: the fast-path benchmark (DESIGN.md §7.6, BENCHMARKS.md). Not a timed test.
 *
 *   dmm-bench [EAL options] -- [options]      (test/bench/run.sh sets everything up)
 *
 * It builds a struct dmm_dp in-process the way dp_main.c does (mempool, one worker with
 * its replica and op ring, forwarding context with an access and a core port) whose TX
 * ports are real ethdevs (net_null0 = access, net_null1 = core: their TX frees the mbufs)
 * and whose RX sources are net_ring ports (rte_eth_from_rings): a ring pre-filled with
 * prebuilt mbufs outside the timed section, then the timed loop is exactly the worker's
 * per-poll work, rte_eth_rx_burst + dmm_worker_burst, timed with rte_rdtsc.
 *
 * Part 1, per path x frame size x installed bindings: Mpps and TSC cycles/packet, and the
 * same loop without processing (ring RX -> net_null TX, io forward) as the in-process
 * ceiling of the same run; optionally the dpdk-testpmd io ceiling measured by run.sh.
 * Part 2, with two lcores: the main lcore produces table ops through dmm_opq_push (the
 * control lcore's path) while the worker lcore runs the worker loop itself,
 * dmm_worker_step (its bounded op batch, then dmm_worker_poll over the ports), and
 * forwards: ops/s applied per worker and the forwarding rate while churning, with zero
 * packet loss checked. There the ports are the net_ring ones for RX and TX (net_null has
 * nothing to receive); the main lcore feeds their RX rings and frees what they send. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <rte_version.h>

#include "dmm_ip6.h"
#include "dp.h"
#include "dp_worker.h"

enum { P_ACCESS = 0, P_CORE = 1, N_PORTS = 2 };
enum { NH_GW = 1, NH_PEER = 2 };
enum { T_PEER = 1 };
#define TUNNEL_MTU 1460
#define TUNNEL_HOP_LIMIT 64
#define HOP_IN 64 /* hop limit of generated packets */

/* Address plan. A binding's /64 is 2001:db8:PPii:iiii::/64, PP = pool, i = 24-bit index. */
enum { POOL_OWN = 0x01, POOL_PEER = 0x02, POOL_EXTRA = 0x03 };
static const uint8_t NODE[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t PEER[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t CN[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xcc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
static const struct rte_ether_addr MAC_ACC = {{0x02, 0, 0, 0, 0xaa, 1}},
				   MAC_CORE = {{0x02, 0, 0, 0, 0xcc, 1}},
				   MAC_GW = {{0x02, 0, 0, 0, 0xfe, 0xfe}},
				   MAC_PEER = {{0x02, 0, 0, 0, 0xff, 2}},
				   MAC_UPSTREAM = {{0x02, 0, 0, 0, 0xee, 0xee}};

/* Binding kinds, by index modulo 3: a MAAR holds all three at once. */
enum { K_LOCAL = 0, K_AWAY = 1, K_VISIT = 2, N_KINDS = 3 };

enum path { PATH_DOWN, PATH_UP, PATH_ENCAP, PATH_DECAP, PATH_UPENCAP, N_PATHS };
static const char *const path_name[N_PATHS] = {
	"local route: core->access (deliver)",
	"local route: access->core (uplink)",
	"encap: core->MN moved (ip6ip6 to serving peer)",
	"decap: ip6ip6 from peer -> visiting MN",
	"uplink encap: visiting MN -> ip6ip6 to anchor",
};
static const char *const path_key[N_PATHS] = {"local_down", "local_up", "encap", "decap",
					      "uplink_encap"};

#define MAX_LIST 8

struct opts {
	uint64_t packets;	/* per (path, size, bindings) */
	uint32_t bindings[MAX_LIST];
	unsigned n_bindings;
	unsigned sizes[MAX_LIST];
	unsigned n_sizes;
	unsigned round;		/* packets pre-filled per round */
	unsigned rxd;		/* RX ring depth in part 2 (like NIC descriptors) */
	uint64_t ops;		/* part 2 closed-loop ops */
	double churn_seconds;	/* part 2 open-loop duration */
	double churn_ops_rate;	/* part 2 open-loop offered ops/s */
	double churn_pps;	/* part 2 open-loop offered packets/s, 0 = auto */
	double testpmd_mpps[MAX_LIST]; /* per size index, 0 = not given */
	unsigned tp_size[MAX_LIST];    /* --testpmd as given, mapped to sizes after parsing */
	double tp_mpps[MAX_LIST];
	unsigned n_tp;
	const char *json;
	bool skip_paths, skip_churn;
	unsigned attempts;     /* re-measure a disturbed row up to this many times */
	uint64_t max_preempt;  /* more involuntary context switches = disturbed */
};

static struct opts o = {
	.packets = 20000000,
	.bindings = {1000, 100000, 1000000},
	.n_bindings = 3,
	.sizes = {78, 512},
	.n_sizes = 2,
	.round = 4096,
	.rxd = 4096,
	.ops = 2000000,
	.churn_seconds = 3.0,
	.churn_ops_rate = 1e6,
	.attempts = 3,
	.max_preempt = 100,
};

static struct dmm_dp dp;
static struct dmm_worker *w;
static uint16_t null_pid[N_PORTS]; /* TX: net_null0 (access), net_null1 (core) */
static uint16_t ring_pid[N_PORTS]; /* RX: net_ring ports fed by the generator */
static struct rte_ring *rx_ring[N_PORTS];
static struct rte_ring *tx_ring[N_PORTS]; /* part 2: what the ring ports send */
#define TX_RING_SIZE 65536
static uint64_t tsc_hz;
static unsigned bench_lcore; /* lcore that plays the worker */
static int failures;

#define FAIL(...)                                                                      \
	do {                                                                           \
		fprintf(stderr, "FAIL: " __VA_ARGS__);                                 \
		fputc('\n', stderr);                                                   \
		failures++;                                                            \
	} while (0)

static void die(const char *what)
{
	fprintf(stderr, "dmm-bench: %s: %s\n", what, rte_strerror(rte_errno));
	exit(1);
}

/* ------------------------------------------------------------------ addresses */

static inline uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline void pfx(uint8_t *a, uint8_t pool, uint32_t i)
{
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[4] = pool;
	a[5] = (uint8_t)(i >> 16);
	a[6] = (uint8_t)(i >> 8);
	a[7] = (uint8_t)i;
}

static inline void mn_mac(struct rte_ether_addr *m, uint8_t pool, uint32_t i)
{
	m->addr_bytes[0] = 0x02;
	m->addr_bytes[1] = pool;
	m->addr_bytes[2] = (uint8_t)(i >> 16);
	m->addr_bytes[3] = (uint8_t)(i >> 8);
	m->addr_bytes[4] = (uint8_t)i;
	m->addr_bytes[5] = 0x01;
}

static inline uint8_t kind_pool(unsigned kind)
{
	return kind == K_VISIT ? POOL_PEER : POOL_OWN;
}

/* A uniformly random binding index of the given kind among n bindings. */
static inline uint32_t pick(uint64_t *s, uint32_t n, unsigned kind)
{
	uint32_t cnt = (n - kind + N_KINDS - 1) / N_KINDS;
	return (uint32_t)(rnd(s) % cnt) * N_KINDS + kind;
}

/* ------------------------------------------------------------------ table ops */

static void op_bind(struct dmm_op *op, uint8_t pool, uint32_t i, unsigned kind)
{
	memset(op, 0, sizeof(*op));
	op->type = DMM_OP_BIND_SET;
	op->port = P_ACCESS;
	pfx(op->u.bind.prefix, pool, i);
	switch (kind) {
	case K_LOCAL:
		op->u.bind.flags = DMM_BIND_ANCHORED | DMM_BIND_ATTACHED;
		op->u.bind.tunnel = DMM_TUNNEL_NONE;
		mn_mac(&op->u.bind.mac, pool, i);
		break;
	case K_AWAY:
		op->u.bind.flags = DMM_BIND_ANCHORED;
		op->u.bind.tunnel = T_PEER;
		break;
	default:
		op->u.bind.flags = DMM_BIND_ATTACHED;
		op->u.bind.tunnel = T_PEER;
		mn_mac(&op->u.bind.mac, pool, i);
		break;
	}
}

/* The static state: own address, next hops, default route, tunnel to the peer. */
static unsigned static_ops(struct dmm_op ops[8])
{
	unsigned n = 0;
	struct dmm_op *op;

	op = &ops[n++];
	memset(op, 0, sizeof(*op));
	op->type = DMM_OP_ADDR_ADD;
	op->port = P_CORE;
	memcpy(op->u.addr.addr, NODE, 16);

	op = &ops[n++];
	memset(op, 0, sizeof(*op));
	op->type = DMM_OP_NH_SET;
	op->port = P_CORE;
	op->id = NH_GW;
	op->u.nh.mac = MAC_GW;
	op->u.nh.resolved = 1;

	op = &ops[n++];
	memset(op, 0, sizeof(*op));
	op->type = DMM_OP_NH_SET;
	op->port = P_CORE;
	op->id = NH_PEER;
	op->u.nh.mac = MAC_PEER;
	op->u.nh.resolved = 1;

	op = &ops[n++];
	memset(op, 0, sizeof(*op));
	op->type = DMM_OP_ROUTE_ADD;
	op->u.route.len = 0;
	op->u.route.nh = NH_GW;

	op = &ops[n++];
	memset(op, 0, sizeof(*op));
	op->type = DMM_OP_TUNNEL_SET;
	op->id = T_PEER;
	memcpy(op->u.tunnel.local, NODE, 16);
	memcpy(op->u.tunnel.remote, PEER, 16);
	op->u.tunnel.mtu = TUNNEL_MTU;
	op->u.tunnel.nh = NH_PEER;
	return n;
}

static void tables_create(uint32_t bindings)
{
	static unsigned gen;
	struct dmm_tables_limits lim = {
		.bindings = bindings, .tunnels = 16, .routes = 16, .neighbours = 16};
	char name[32];

	snprintf(name, sizeof(name), "bench%u", gen++);
	if (dmm_tables_init(&w->tables, name, &lim, (int)rte_socket_id()) < 0) {
		fprintf(stderr, "dmm-bench: cannot allocate tables for %u bindings "
				"(hugepages reserved?)\n",
			bindings);
		exit(1);
	}
}

/* Install the static state and n bindings directly (dmm_tables_apply, as the worker does
 * for each op it drains). Returns TSC cycles spent on the bindings. */
static uint64_t install_direct(uint32_t n)
{
	struct dmm_op ops[8], op;
	unsigned ns = static_ops(ops);

	for (unsigned i = 0; i < ns; i++)
		if (dmm_tables_apply(&w->tables, &ops[i]) != 0) {
			fprintf(stderr, "dmm-bench: static op %u rejected\n", i);
			exit(1);
		}
	uint64_t t0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		unsigned kind = i % N_KINDS;
		op_bind(&op, kind_pool(kind), i, kind);
		int rc = dmm_tables_apply(&w->tables, &op);
		if (rc != 0) {
			fprintf(stderr, "dmm-bench: binding %u of %u rejected: %s\n", i, n,
				strerror(-rc));
			exit(1);
		}
	}
	return rte_rdtsc() - t0;
}

/* ------------------------------------------------------------------ packets */

struct tmpl {
	enum path path;
	unsigned size; /* native frame size; decap input is size + 40 */
	uint16_t in_port;
	uint16_t len; /* bytes of the input frame */
	uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	uint32_t off_addr; /* offset of the address to patch with the binding prefix */
	bool patch_src_mac;
	unsigned kind;
	uint32_t n;	    /* bindings installed */
};

static uint8_t *put_ip6(uint8_t *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			uint16_t payload, uint32_t flow)
{
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)p;
	h->vtc_flow = rte_cpu_to_be_32((6u << 28) | flow);
	h->payload_len = rte_cpu_to_be_16(payload);
	h->proto = proto;
	h->hop_limits = HOP_IN;
	memcpy(h->src_addr, src, 16);
	memcpy(h->dst_addr, dst, 16);
	return p + sizeof(*h);
}

static uint8_t *put_udp(uint8_t *p, uint16_t len)
{
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)p;
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16(len);
	u->dgram_cksum = 0; /* not checked by a router */
	for (uint16_t i = 8; i < len; i++)
		p[i] = (uint8_t)i;
	return p + len;
}

static void tmpl_build(struct tmpl *t, enum path path, unsigned size, uint32_t n)
{
	uint8_t mn[16] = {0}, *p = t->buf;
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)p;
	uint16_t l4 = (uint16_t)(size - 14 - 40);

	memset(t, 0, sizeof(*t));
	t->path = path;
	t->size = size;
	t->n = n;
	mn[15] = 0x10;
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	p += sizeof(*e);
	switch (path) {
	case PATH_DOWN:
	case PATH_ENCAP:
		t->kind = path == PATH_DOWN ? K_LOCAL : K_AWAY;
		t->in_port = P_CORE;
		e->dst_addr = MAC_CORE;
		e->src_addr = MAC_UPSTREAM;
		t->off_addr = 14 + offsetof(struct rte_ipv6_hdr, dst_addr);
		put_udp(put_ip6(p, CN, mn, 17, l4, 0), l4);
		t->len = (uint16_t)size;
		break;
	case PATH_UP:
	case PATH_UPENCAP:
		t->kind = path == PATH_UP ? K_LOCAL : K_VISIT;
		t->in_port = P_ACCESS;
		e->dst_addr = MAC_ACC;
		t->patch_src_mac = true;
		t->off_addr = 14 + offsetof(struct rte_ipv6_hdr, src_addr);
		put_udp(put_ip6(p, mn, CN, 17, l4, 0), l4);
		t->len = (uint16_t)size;
		break;
	case PATH_DECAP:
		t->kind = K_VISIT;
		t->in_port = P_CORE;
		e->dst_addr = MAC_CORE;
		e->src_addr = MAC_PEER;
		t->off_addr = 14 + 40 + offsetof(struct rte_ipv6_hdr, dst_addr);
		p = put_ip6(p, PEER, NODE, 41, (uint16_t)(40 + l4), 0x12345);
		put_udp(put_ip6(p, CN, mn, 17, l4, 0), l4);
		t->len = (uint16_t)(size + 40);
		break;
	default:
		abort();
	}
}

/* Write one packet for binding idx into m. */
static inline void pkt_write(const struct tmpl *t, struct rte_mbuf *m, uint32_t idx)
{
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, t->len);
	rte_memcpy(d, t->buf, t->len);
	pfx(d + t->off_addr, kind_pool(t->kind), idx);
	if (t->patch_src_mac)
		mn_mac((struct rte_ether_addr *)(d + 6), kind_pool(t->kind), idx);
}

/* Allocate, write and enqueue n packets (n <= free ring space); returns packets queued. */
static unsigned ring_fill(struct rte_ring *r, const struct tmpl *t, unsigned n, uint64_t *seed)
{
	struct rte_mbuf *mb[256];
	unsigned done = 0;

	while (done < n) {
		unsigned k = RTE_MIN(n - done, (unsigned)RTE_DIM(mb));
		if (rte_pktmbuf_alloc_bulk(dp.pool, mb, k) != 0) {
			fprintf(stderr, "dmm-bench: mempool exhausted\n");
			exit(1);
		}
		for (unsigned i = 0; i < k; i++)
			pkt_write(t, mb[i], pick(seed, t->n, t->kind));
		unsigned q = rte_ring_sp_enqueue_burst(r, (void **)mb, k, NULL);
		if (q != k) {
			fprintf(stderr, "dmm-bench: RX ring full while filling\n");
			exit(1);
		}
		done += k;
	}
	return done;
}

/* Check what the fast path makes of a sample: dmm_fwd_packet, the function
 * dmm_worker_burst calls per packet, on a few packets, field by field. */
static void verify_sample(const struct tmpl *t)
{
	struct dmm_wstats st;
	uint64_t seed = 0x5eed;
	char what[64];

	memset(&st, 0, sizeof(st));
	snprintf(what, sizeof(what), "%s %uB %u bindings", path_key[t->path], t->size, t->n);
	for (unsigned k = 0; k < 64; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
		uint32_t idx = pick(&seed, t->n, t->kind);
		struct rte_ether_addr mac;
		uint8_t a[16];
		uint16_t out = 0;

		if (m == NULL)
			die("sample mbuf");
		pkt_write(t, m, idx);
		enum dmm_verdict v =
			dmm_fwd_packet(&dp.fwd, &w->tables, &st, m, t->in_port, NULL, &out);
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		const struct rte_ether_hdr *e = (const struct rte_ether_hdr *)d;
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + 14);
		bool ok = v == DMM_V_TX;
		pfx(a, kind_pool(t->kind), idx);
		mn_mac(&mac, kind_pool(t->kind), idx);
		if (ok) {
			switch (t->path) {
			case PATH_DOWN:
			case PATH_DECAP:
				ok = out == P_ACCESS && rte_pktmbuf_pkt_len(m) == t->size &&
				     rte_is_same_ether_addr(&e->dst_addr, &mac) &&
				     rte_is_same_ether_addr(&e->src_addr, &MAC_ACC) &&
				     ip->proto == 17 && ip->hop_limits == HOP_IN - 1 &&
				     memcmp(ip->dst_addr, a, 8) == 0 &&
				     memcmp(ip->src_addr, CN, 16) == 0;
				break;
			case PATH_UP:
				ok = out == P_CORE && rte_pktmbuf_pkt_len(m) == t->size &&
				     rte_is_same_ether_addr(&e->dst_addr, &MAC_GW) &&
				     rte_is_same_ether_addr(&e->src_addr, &MAC_CORE) &&
				     ip->hop_limits == HOP_IN - 1 &&
				     memcmp(ip->src_addr, a, 8) == 0;
				break;
			case PATH_ENCAP:
			case PATH_UPENCAP: {
				const struct rte_ipv6_hdr *in = ip + 1;
				ok = out == P_CORE && rte_pktmbuf_pkt_len(m) == t->size + 40 &&
				     rte_is_same_ether_addr(&e->dst_addr, &MAC_PEER) &&
				     rte_is_same_ether_addr(&e->src_addr, &MAC_CORE) &&
				     e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
				     ip->proto == 41 && ip->hop_limits == TUNNEL_HOP_LIMIT &&
				     rte_be_to_cpu_16(ip->payload_len) == t->size - 14 &&
				     memcmp(ip->src_addr, NODE, 16) == 0 &&
				     memcmp(ip->dst_addr, PEER, 16) == 0 &&
				     (rte_be_to_cpu_32(ip->vtc_flow) & 0xfffff) != 0 &&
				     in->hop_limits == HOP_IN - 1 &&
				     memcmp(t->path == PATH_ENCAP ? in->dst_addr : in->src_addr, a,
					    8) == 0;
				break;
			}
			default:
				ok = false;
			}
		}
		if (!ok) {
			FAIL("%s: sample packet %u (binding %u): verdict %d out %u, output not "
			     "as expected",
			     what, k, idx, (int)v, out);
			rte_pktmbuf_free(m);
			return;
		}
		rte_pktmbuf_free(m);
	}
}

/* ------------------------------------------------------------------ memory probe */

/* What a cache miss costs here: a pointer chase over a buffer of the 1 M-binding table's
 * size (rte_malloc: hugepages), one dependent chain (latency) and 32 independent chains
 * (what a burst-wide bulk lookup can overlap at best). Cycles per access. */
static double probe_dep_cpa, probe_par_cpa, probe_l2_cpa;
static size_t probe_bytes;

static double chase(uint32_t *next, uint32_t lines, unsigned chains, uint64_t steps)
{
	uint32_t pos[32];
	for (unsigned c = 0; c < chains; c++)
		pos[c] = (uint32_t)((uint64_t)c * lines / chains);
	uint64_t t0 = rte_rdtsc();
	for (uint64_t i = 0; i < steps; i++)
		for (unsigned c = 0; c < chains; c++)
			pos[c] = next[(size_t)pos[c] * 16];
	uint64_t dt = rte_rdtsc() - t0;
	uint32_t sink = 0;
	for (unsigned c = 0; c < chains; c++)
		sink ^= pos[c];
	__asm__ volatile("" : : "r"(sink));
	return (double)dt / (double)(steps * chains);
}

static void memory_probe(void)
{
	uint32_t lines = 1u << 20; /* 64 MiB of cache lines: about the 1 M table's footprint */
	uint64_t seed = 3;

	probe_bytes = (size_t)lines * 64;
	uint32_t *next = rte_malloc(NULL, probe_bytes, 64);
	if (next == NULL)
		return;
	/* Sattolo: one random cycle through every line (16 uint32 per line). */
	uint32_t *perm = malloc(sizeof(uint32_t) * lines);
	if (perm == NULL) {
		rte_free(next);
		return;
	}
	for (uint32_t i = 0; i < lines; i++)
		perm[i] = i;
	for (uint32_t i = lines - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd(&seed) % i), x = perm[i];
		perm[i] = perm[j];
		perm[j] = x;
	}
	for (uint32_t i = 0; i < lines; i++)
		next[(size_t)perm[i] * 16] = perm[(i + 1) % lines];
	free(perm);
	chase(next, lines, 1, 100000); /* warm the TLB / page tables a little */
	probe_dep_cpa = chase(next, lines, 1, 2000000);
	probe_par_cpa = chase(next, lines, 32, 200000);
	/* The same over 4096 lines (256 KiB: cache resident) for reference. */
	for (uint32_t i = 0; i < 4096; i++)
		next[(size_t)i * 16] = (uint32_t)((i * 2654435761u + 1) % 4096);
	chase(next, 4096, 1, 100000);
	probe_l2_cpa = chase(next, 4096, 1, 2000000);
	rte_free(next);
	fprintf(stderr, "memory probe: %zu MiB, dependent miss %.0f cycles, 32 in parallel %.1f "
			"cycles/access, cache-resident %.1f cycles\n",
		probe_bytes >> 20, probe_dep_cpa, probe_par_cpa, probe_l2_cpa);
}

/* ------------------------------------------------------------------ part 1 */

struct result {
	enum path path;
	unsigned size;
	uint32_t bindings;
	uint64_t pkts, cycles;
	double mpps, cpp;
	double cpp_med;	   /* median over rounds: robust against preemption */
	uint64_t preempt; /* involuntary context switches of the measuring thread */
	uint64_t steal;	  /* hypervisor steal ticks of its CPU */
	unsigned attempts;
	bool loss;
};

#define MAX_RESULTS (N_PATHS * MAX_LIST * MAX_LIST)
static struct result results[MAX_RESULTS];
static unsigned n_results;

/* In-process ceiling: per size, one sample per bindings block. */
static double ceil_cpp[MAX_LIST][MAX_LIST], ceil_cpp_rmed[MAX_LIST][MAX_LIST];
static uint64_t ceil_preempt[MAX_LIST][MAX_LIST];
static double ceil_mpps_med[MAX_LIST], ceil_cpp_med[MAX_LIST], ceil_cpp_min[MAX_LIST],
	ceil_cpp_max[MAX_LIST];
static double install_rate[MAX_LIST]; /* direct apply, ops/s */

/* Involuntary context switches of a thread (0 = the caller): another process took its
 * CPU. */
static uint64_t preemptions_of(pid_t tid)
{
	char path[64];
	if (tid == 0)
		snprintf(path, sizeof(path), "/proc/thread-self/status");
	else
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	FILE *f = fopen(path, "r");
	char line[128];
	uint64_t v = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

static uint64_t preemptions(void)
{
	return preemptions_of(0);
}

/* Hypervisor steal time of a CPU, in USER_HZ ticks (/proc/stat): the vCPU was not running
 * at all, which no context-switch count shows. */
static uint64_t steal_ticks(int cpu)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[256], want[16];
	uint64_t v[8] = {0};
	if (f == NULL || cpu < 0) {
		if (f)
			fclose(f);
		return 0;
	}
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, want, strlen(want)) == 0) {
			sscanf(line + strlen(want),
			       "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			       " %" SCNu64 " %" SCNu64,
			       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
			break;
		}
	fclose(f);
	return v[7];
}

static double *round_cpp; /* per-round cycles/packet of the current measurement */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double cpp_of(uint64_t cycles, uint64_t pkts)
{
	return pkts ? (double)cycles / (double)pkts : 0;
}

static double mpps_of(uint64_t cycles, uint64_t pkts)
{
	return cycles ? (double)pkts * (double)tsc_hz / (double)cycles / 1e6 : 0;
}

/* The io-forward loop of the ceiling: ring RX -> net_null TX, no processing. */
static void measure_ceiling_once(unsigned si, unsigned bi, uint32_t n)
{
	struct tmpl *t = rte_malloc(NULL, sizeof(*t), 64);
	struct rte_mbuf *pkts[DMM_BURST];
	uint64_t seed = 42, done = 0, cyc = 0, sent = 0;
	uint16_t rxp = ring_pid[P_CORE], txp = null_pid[P_ACCESS];

	unsigned nr = 0;
	uint64_t pre0 = preemptions(), steal0 = steal_ticks(sched_getcpu());
	tmpl_build(t, PATH_DOWN, o.sizes[si], n);
	for (int warm = 1; done < o.packets; warm = 0) {
		unsigned k = ring_fill(rx_ring[P_CORE], t, o.round, &seed);
		uint64_t t0 = rte_rdtsc(), s = 0;
		for (;;) {
			uint16_t got = rte_eth_rx_burst(rxp, 0, pkts, DMM_BURST);
			if (got == 0)
				break;
			uint16_t tx = rte_eth_tx_burst(txp, 0, pkts, got);
			s += tx;
			if (unlikely(tx < got))
				rte_pktmbuf_free_bulk(&pkts[tx], got - tx);
		}
		uint64_t dt = rte_rdtsc() - t0;
		if (warm)
			continue; /* first round: caches, branch predictors */
		cyc += dt;
		done += k;
		sent += s;
		round_cpp[nr++] = cpp_of(dt, k);
	}
	ceil_preempt[si][bi] = preemptions() - pre0 + 1000 * (steal_ticks(sched_getcpu()) - steal0);
	ceil_cpp_rmed[si][bi] = median(round_cpp, nr);
	if (sent != done)
		FAIL("ceiling %uB: %" PRIu64 " of %" PRIu64 " packets sent", o.sizes[si], sent, done);
	ceil_cpp[si][bi] = cpp_of(cyc, done);
	rte_free(t);
}

static void measure_ceiling(unsigned si, unsigned bi, uint32_t n)
{
	double cpp = 0, rmed = 0;
	uint64_t pre = UINT64_MAX;
	for (unsigned a = 0; a < o.attempts; a++) {
		measure_ceiling_once(si, bi, n);
		if (ceil_preempt[si][bi] < pre) {
			cpp = ceil_cpp[si][bi];
			rmed = ceil_cpp_rmed[si][bi];
			pre = ceil_preempt[si][bi];
		}
		if (pre <= o.max_preempt)
			break;
		fprintf(stderr, "  ceiling %uB: disturbed (%" PRIu64 " preemptions), again\n",
			o.sizes[si], ceil_preempt[si][bi]);
	}
	ceil_cpp[si][bi] = cpp;
	ceil_cpp_rmed[si][bi] = rmed;
	ceil_preempt[si][bi] = pre;
}

static void measure_path_once(enum path path, unsigned si, uint32_t n, struct result *r)
{
	struct tmpl *t = rte_malloc(NULL, sizeof(*t), 64);
	struct rte_mbuf *pkts[DMM_BURST];
	uint64_t seed = 0x1234 + path, done = 0, cyc = 0;
	const uint64_t *cnt;

	tmpl_build(t, path, o.sizes[si], n);
	verify_sample(t);
	uint16_t rxp = ring_pid[t->in_port];
	unsigned nr = 0;
	uint64_t pre0 = preemptions(), steal0 = steal_ticks(sched_getcpu());
	for (int warm = 1; done < o.packets; warm = 0) {
		unsigned k = ring_fill(rx_ring[t->in_port], t, o.round, &seed);
		if (warm)
			memset(&w->st, 0, sizeof(w->st));
		uint64_t t0 = rte_rdtsc();
		for (;;) {
			uint16_t got = rte_eth_rx_burst(rxp, 0, pkts, DMM_BURST);
			if (got == 0)
				break;
			dmm_worker_burst(&dp, w, t->in_port, pkts, got);
		}
		uint64_t dt = rte_rdtsc() - t0;
		if (warm) {
			memset(&w->st, 0, sizeof(w->st));
			continue;
		}
		cyc += dt;
		done += k;
		round_cpp[nr++] = cpp_of(dt, k);
	}
	r->preempt = preemptions() - pre0;
	r->steal = steal_ticks(sched_getcpu()) - steal0;
	r->cpp_med = median(round_cpp, nr);

	/* Zero loss and the right verdict for every packet. */
	const struct dmm_wstats *st = &w->st;
	uint64_t drops = 0;
	for (unsigned i = 0; i < DMM_DROP_MAX; i++) {
		drops += st->drop[i];
		if (st->drop[i])
			FAIL("%s %uB %u bindings: %" PRIu64 " drops (%s)", path_key[path],
			     o.sizes[si], n, st->drop[i], dmm_drop_names[i]);
	}
	switch (path) {
	case PATH_DOWN:
		cnt = &st->delivered;
		break;
	case PATH_UP:
		cnt = &st->routed;
		break;
	case PATH_DECAP:
		cnt = &st->decap;
		if (st->delivered != done)
			FAIL("decap: delivered %" PRIu64 " != %" PRIu64, st->delivered, done);
		break;
	default:
		cnt = &st->encap;
		break;
	}
	r->path = path;
	r->size = o.sizes[si];
	r->bindings = n;
	r->pkts = done;
	r->cycles = cyc;
	r->cpp = cpp_of(cyc, done);
	r->mpps = mpps_of(cyc, done);
	r->loss = st->rx != done || st->tx != done || drops || st->exception || *cnt != done;
	if (r->loss)
		FAIL("%s %uB %u bindings: rx %" PRIu64 " tx %" PRIu64 " path counter %" PRIu64
		     " exceptions %" PRIu64 " for %" PRIu64 " packets",
		     path_key[path], o.sizes[si], n, st->rx, st->tx, *cnt, st->exception, done);
	fprintf(stderr,
		"  %-13s %4uB %8u bindings: %7.2f Mpps %7.1f cycles/packet (median of rounds "
		"%.1f, %" PRIu64 " preemptions, %" PRIu64 " steal)\n",
		path_key[path], o.sizes[si], n, r->mpps, r->cpp, r->cpp_med, r->preempt, r->steal);
	rte_free(t);
}

/* Re-measure a row another process disturbed; keep the least disturbed attempt. */
static void measure_path(enum path path, unsigned si, uint32_t n)
{
	struct result *best = &results[n_results++], r;
	for (unsigned a = 0; a < o.attempts; a++) {
		memset(&r, 0, sizeof(r));
		measure_path_once(path, si, n, &r);
		r.attempts = a + 1;
		if (a == 0 || r.preempt + 1000 * r.steal < best->preempt + 1000 * best->steal)
			*best = r;
		if (r.preempt <= o.max_preempt && r.steal == 0)
			break;
	}
}

static int part1(void *arg)
{
	(void)arg;
	round_cpp = malloc(sizeof(double) * (o.packets / o.round + 2));
	if (round_cpp == NULL)
		return -ENOMEM;
	memory_probe();
	for (unsigned bi = 0; bi < o.n_bindings; bi++) {
		uint32_t n = o.bindings[bi];
		tables_create(n);
		uint64_t c = install_direct(n);
		install_rate[bi] = c ? (double)n * (double)tsc_hz / (double)c : 0;
		fprintf(stderr, "%u bindings installed (%.2f M ops/s, direct apply)\n", n,
			install_rate[bi] / 1e6);
		for (unsigned si = 0; si < o.n_sizes; si++) {
			measure_ceiling(si, bi, n);
			fprintf(stderr,
				"  %-13s %4uB: %7.1f cycles/packet (median of rounds %.1f, %" PRIu64
				" preemptions)\n",
				"ceiling", o.sizes[si], ceil_cpp[si][bi], ceil_cpp_rmed[si][bi],
				ceil_preempt[si][bi]);
			for (unsigned p = 0; p < N_PATHS; p++)
				measure_path((enum path)p, si, n);
		}
		dmm_tables_free(&w->tables);
	}
	for (unsigned si = 0; si < o.n_sizes; si++) {
		double v[MAX_LIST];
		for (unsigned bi = 0; bi < o.n_bindings; bi++) {
			v[bi] = ceil_cpp[si][bi];
			for (unsigned j = bi; j > 0 && v[j - 1] > v[j]; j--) {
				double x = v[j];
				v[j] = v[j - 1];
				v[j - 1] = x;
			}
		}
		ceil_cpp_min[si] = v[0];
		ceil_cpp_max[si] = v[o.n_bindings - 1];
		ceil_cpp_med[si] = o.n_bindings % 2 ? v[o.n_bindings / 2]
						    : (v[o.n_bindings / 2 - 1] + v[o.n_bindings / 2]) / 2;
		ceil_mpps_med[si] = ceil_cpp_med[si] > 0 ? (double)tsc_hz / ceil_cpp_med[si] / 1e6 : 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ part 2 */

/* Extra keys churned in and out: a sliding window of W attached MNs. */
#define CHURN_WINDOW 65536u

static bool wk_quit;
static pid_t wk_tid;
static int wk_cpu;
/* Worker loop gaps: a pass longer than this means the worker thread or its vCPU was
 * descheduled (a pass of dmm_worker_step takes ~5 us busy, ~40 us applying 256 ops idle;
 * at 10 Mpps a 4096-descriptor RX ring holds ~400 us). */
#define WK_STALL_US 200
static uint64_t wk_stalls, wk_gap_max; /* written by the worker */
static uint64_t wk_pass_tsc;		/* start of the worker's current pass */
/* Worker stall intervals [start, end) in TSC, logged by the worker, read after a run. */
#define STALL_LOG 4096
static struct {
	uint64_t start, end;
} wk_stall_log[STALL_LOG];
static bool wk_gap_reset;
static uint64_t wk_polls, wk_empty_core; /* written by the worker only */

static inline void bump(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

/* dmm_worker_main's loop: dmm_worker_step until told to stop, plus the bench's watch on
 * how long each pass takes (a pass far longer than its work means the thread or its vCPU
 * was descheduled). */
static int churn_worker(void *arg)
{
	unsigned last_rx = 0;
	(void)arg;

	uint64_t prev = rte_rdtsc(), stall = (uint64_t)WK_STALL_US * tsc_hz / 1000000;

	wk_cpu = sched_getcpu();
	__atomic_store_n(&wk_tid, gettid(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&wk_quit, __ATOMIC_RELAXED)) {
		uint64_t now = rte_rdtsc(), gap = now - prev;
		prev = now;
		__atomic_store_n(&wk_pass_tsc, now, __ATOMIC_RELAXED);
		if (unlikely(__atomic_load_n(&wk_gap_reset, __ATOMIC_ACQUIRE))) {
			__atomic_store_n(&wk_gap_max, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&wk_gap_reset, false, __ATOMIC_RELEASE);
		} else if (unlikely(gap > wk_gap_max)) {
			__atomic_store_n(&wk_gap_max, gap, __ATOMIC_RELAXED);
		}
		if (unlikely(gap > stall)) {
			uint64_t i = wk_stalls % STALL_LOG;
			wk_stall_log[i].start = now - gap;
			wk_stall_log[i].end = now;
			__atomic_store_n(&wk_stalls, wk_stalls + 1, __ATOMIC_RELEASE);
		}
		dmm_worker_step(&dp, w, &last_rx);
		if (__atomic_load_n(&dp.ready, __ATOMIC_RELAXED)) {
			if (last_rx == 0)
				bump(&wk_empty_core);
			bump(&wk_polls);
		}
	}
	return 0;
}

/* The main lcore frees what the worker sent (the ring ports' TX rings). */
static void tx_reap(void)
{
	void *m[512];
	for (unsigned p = 0; p < N_PORTS; p++) {
		unsigned n;
		while ((n = rte_ring_sc_dequeue_burst(tx_ring[p], m, RTE_DIM(m), NULL)) > 0)
			rte_pktmbuf_free_bulk((struct rte_mbuf **)m, n);
	}
}

/* k-th churn op: even k = handover of a random anchored binding (LOCAL <-> AWAY: the
 * downlink traffic keeps flowing, delivered or tunnelled); odd k = an MN attaching
 * (BIND_SET of a new key) or detaching (BIND_DEL of the oldest one), so the number of
 * extra bindings stays about CHURN_WINDOW. */
static void churn_op(struct dmm_op *op, uint64_t k, uint32_t n, uint64_t *seed)
{
	if ((k & 1) == 0) {
		uint32_t i = pick(seed, n, (unsigned)(rnd(seed) & 1));
		op_bind(op, POOL_OWN, i, rnd(seed) & 1 ? K_AWAY : K_LOCAL);
		return;
	}
	uint64_t e = k >> 1, f;
	if (e < CHURN_WINDOW) {
		op_bind(op, POOL_EXTRA, (uint32_t)e, K_LOCAL);
		return;
	}
	f = e - CHURN_WINDOW;
	if ((f & 1) == 0) {
		op_bind(op, POOL_EXTRA, (uint32_t)(f >> 1), K_LOCAL);
		op->type = DMM_OP_BIND_DEL;
	} else {
		op_bind(op, POOL_EXTRA, (uint32_t)(CHURN_WINDOW + (f >> 1)), K_LOCAL);
	}
}

/* Downlink traffic to anchored bindings: LOCAL or AWAY when installed, either after the
 * handovers; both forward (deliver or encap), so nothing may be lost. */
struct churn_gen {
	struct tmpl down, away;
	uint64_t seed;
	uint64_t generated;
};

static void churn_fill(struct churn_gen *g, unsigned n)
{
	struct rte_mbuf *mb[64];
	unsigned done = 0;

	while (done < n) {
		unsigned k = RTE_MIN(n - done, (unsigned)RTE_DIM(mb));
		if (rte_pktmbuf_alloc_bulk(dp.pool, mb, k) != 0) {
			fprintf(stderr, "dmm-bench: mempool exhausted\n");
			exit(1);
		}
		for (unsigned i = 0; i < k; i++) {
			const struct tmpl *t = rnd(&g->seed) & 1 ? &g->down : &g->away;
			pkt_write(t, mb[i], pick(&g->seed, t->n, t->kind));
		}
		if (rte_ring_sp_enqueue_burst(rx_ring[P_CORE], (void **)mb, k, NULL) != k) {
			fprintf(stderr, "dmm-bench: RX ring full\n");
			exit(1);
		}
		done += k;
	}
	g->generated += n;
}

struct churn_result {
	const char *name;
	uint64_t ops;
	double seconds;		/* op window */
	double ops_rate;	/* applied per second, from applied_seq timestamps */
	double fwd_mpps;	/* forwarded during the op window */
	double offered_pps;	/* open loop: offered packets/s (0 = closed loop) */
	double offered_ops;	/* open loop: offered ops/s */
	uint64_t generated, missed, rx, tx, drops, exceptions, fwd_ok, ops_failed;
	double gen_paused_ms; /* open loop: generator clock stopped while descheduled */
	uint64_t missed_stalled; /* RX overflow during a worker stall or its recovery */
	uint64_t backlog_max;
	double lag_p50_us, lag_p99_us, lag_max_us;
	double empty_poll_pct;
	double gen_stall_us;	/* longest gap between two generator iterations */
	uint64_t gen_preempt;	/* involuntary context switches of the generator (main) */
	uint64_t wk_preempt;	/* ... of the worker */
	uint64_t wk_stalls;	/* worker passes longer than WK_STALL_US */
	double wk_gap_max_us;	/* longest worker pass */
	uint64_t steal;		/* steal ticks of both CPUs */
	unsigned attempts;
	bool loss;
};
#define MAX_LOADS 2
#define MAX_ATTEMPTS 5
static struct churn_result churn_res[1 + MAX_LOADS * MAX_ATTEMPTS];
static unsigned n_churn;
static double bulk_install_rate, churn_cap;
static uint32_t churn_n;

static void wait_applied(uint64_t seq)
{
	while (!dmm_opq_in_force(&dp.opq, seq))
		if (dmm_opq_flush(&dp.opq) == 0)
			rte_pause();
}

static uint64_t st_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The worker counters a run checks (read while it runs: 64-bit loads). */
struct snap {
	uint64_t rx, tx, drops, exc, fwd_ok, ops_failed, polls, empty;
};
static void snap_take(struct snap *s)
{
	s->rx = st_get(&w->st.rx);
	s->tx = st_get(&w->st.tx);
	s->exc = st_get(&w->st.exception);
	s->fwd_ok = st_get(&w->st.delivered) + st_get(&w->st.encap);
	s->ops_failed = st_get(&w->st.ops_failed);
	s->drops = 0;
	for (unsigned i = 0; i < DMM_DROP_MAX; i++)
		s->drops += st_get(&w->st.drop[i]);
	s->polls = st_get(&wk_polls);
	s->empty = st_get(&wk_empty_core);
}

/* Wait until the worker has finished with everything generated (rx is counted when a
 * burst starts, tx when it is sent). */
static void drain_traffic(const struct churn_gen *g)
{
	uint64_t t0 = rte_rdtsc();
	struct snap s;
	for (;;) {
		snap_take(&s);
		if (s.tx + s.drops + s.exc >= g->generated)
			break;
		tx_reap();
		rte_pause();
		if (rte_rdtsc() - t0 > 10 * tsc_hz) {
			FAIL("churn: worker stopped taking packets");
			return;
		}
	}
	tx_reap();
}

/* Fill in and check a run's packet accounting: s0 before, s1 after its traffic drained. */
static void churn_account(struct churn_result *r, const struct snap *s0, const struct snap *s1,
			  uint64_t generated)
{
	r->generated = generated;
	r->rx = s1->rx - s0->rx;
	r->tx = s1->tx - s0->tx;
	r->drops = s1->drops - s0->drops;
	r->exceptions = s1->exc - s0->exc;
	r->fwd_ok = s1->fwd_ok - s0->fwd_ok;
	r->ops_failed = s1->ops_failed - s0->ops_failed;
	r->loss = r->missed || r->drops || r->exceptions || r->rx != generated || r->tx != r->rx ||
		  r->fwd_ok != r->rx;
}

static void churn_check(const struct churn_result *r)
{
	if (r->loss)
		FAIL("churn (%s): generated %" PRIu64 " missed %" PRIu64 " rx %" PRIu64
		     " tx %" PRIu64 " delivered+encap %" PRIu64 " drops %" PRIu64
		     " exceptions %" PRIu64,
		     r->name, r->generated, r->missed, r->rx, r->tx, r->fwd_ok, r->drops,
		     r->exceptions);
	if (r->ops_failed)
		FAIL("churn (%s): %" PRIu64 " ops rejected", r->name, r->ops_failed);
}

/* Another process or the hypervisor took a CPU from the run: the generator stalled, the
 * worker was descheduled, or the vCPUs lost time. */
static bool churn_disturbed(const struct churn_result *r)
{
	return r->gen_preempt + r->wk_preempt > o.max_preempt || r->gen_paused_ms > 0 ||
	       r->wk_stalls > 0 || r->steal > 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* How much other tasks and the hypervisor took from a run; never how much it lost. */
static double disturbance(const struct churn_result *r)
{
	return 1000.0 * (double)(r->wk_stalls + r->steal) + 100.0 * r->gen_paused_ms +
	       (double)(r->gen_preempt + r->wk_preempt);
}

/* The attempt to report: the least disturbed one. */
static bool churn_better(const struct churn_result *a, const struct churn_result *b)
{
	if (churn_disturbed(a) != churn_disturbed(b))
		return !churn_disturbed(a);
	return disturbance(a) < disturbance(b);
}

static void gap_reset(void)
{
	__atomic_store_n(&wk_gap_reset, true, __ATOMIC_RELEASE);
	while (__atomic_load_n(&wk_gap_reset, __ATOMIC_ACQUIRE))
		rte_pause();
}

/* Forwarding capacity of this set-up with no ops: the generator on the other core keeps
 * the RX ring backlogged (its packets reach the worker through another core's cache,
 * unlike part 1 where they were written on the worker's core). Packets/s. */
static double churn_capacity(struct churn_gen *g, double secs)
{
	struct snap s0, s1;
	uint64_t t0, t1, end;

	t0 = rte_rdtsc();
	end = t0 + (uint64_t)(secs * (double)tsc_hz);
	snap_take(&s0);
	while (rte_rdtsc() < end) {
		unsigned room = o.rxd - rte_ring_count(rx_ring[P_CORE]);
		tx_reap();
		if (room >= o.rxd / 2)
			churn_fill(g, room);
	}
	snap_take(&s1);
	t1 = rte_rdtsc();
	drain_traffic(g);
	return (double)(s1.tx - s0.tx) * (double)tsc_hz / (double)(t1 - t0);
}

/* Closed loop: ops pushed as fast as the ring takes them (the producer keeps the op ring
 * full), the RX ring kept backlogged: the most ops the worker applies while forwarding,
 * and what forwarding gets meanwhile. */
static void churn_closed(struct churn_gen *g, uint64_t *seed, uint64_t *k,
			 struct churn_result *r)
{
	struct dmm_op op;
	struct snap s0, s1, s2;
	uint64_t last = 0, t_first = 0, pushed = 0, gen0 = g->generated;

	r->name = "closed loop: op ring kept full, RX kept backlogged";
	dp.opq.backlog_max = 0;
	uint64_t pre0 = preemptions(), prev = rte_rdtsc(), stall = 0;
	uint64_t wpre0 = preemptions_of(wk_tid), ws0 = st_get(&wk_stalls);
	uint64_t steal0 = steal_ticks(wk_cpu) + steal_ticks(sched_getcpu());
	gap_reset();
	snap_take(&s0);
	while (pushed < o.ops || !dmm_opq_in_force(&dp.opq, last)) {
		uint64_t now = rte_rdtsc();
		if (now - prev > stall)
			stall = now - prev;
		prev = now;
		unsigned room = o.rxd - rte_ring_count(rx_ring[P_CORE]);
		tx_reap();
		if (room >= o.rxd / 2)
			churn_fill(g, room);
		if (dmm_opq_flush(&dp.opq) == 0)
			for (unsigned i = 0; i < 64 && pushed < o.ops; i++) {
				churn_op(&op, (*k)++, churn_n, seed);
				int64_t seq = dmm_opq_push(&dp.opq, &op);
				if (seq < 0) {
					FAIL("churn: push failed");
					return;
				}
				if (pushed++ == 0)
					t_first = rte_rdtsc();
				last = (uint64_t)seq;
			}
	}
	uint64_t t_last = rte_rdtsc();
	snap_take(&s1);
	drain_traffic(g);
	snap_take(&s2);

	r->gen_preempt = preemptions() - pre0;
	r->wk_preempt = preemptions_of(wk_tid) - wpre0;
	r->wk_stalls = st_get(&wk_stalls) - ws0;
	r->wk_gap_max_us = (double)st_get(&wk_gap_max) * 1e6 / (double)tsc_hz;
	r->steal = steal_ticks(wk_cpu) + steal_ticks(sched_getcpu()) - steal0;
	r->gen_stall_us = (double)stall * 1e6 / (double)tsc_hz;
	r->ops = pushed;
	r->seconds = (double)(t_last - t_first) / (double)tsc_hz;
	r->ops_rate = (double)pushed / r->seconds;
	r->fwd_mpps = (double)(s1.tx - s0.tx) / r->seconds / 1e6;
	r->backlog_max = dp.opq.backlog_max;
	r->empty_poll_pct =
		s1.polls > s0.polls ? 100.0 * (double)(s1.empty - s0.empty) / (double)(s1.polls - s0.polls) : 0;
	churn_account(r, &s0, &s2, g->generated - gen0);
}

/* Open loop: packets offered at a fixed rate into an RX ring of rxd descriptors (what does
 * not fit is missed, as a NIC would miss it) and ops offered at a fixed rate; every op's
 * lag from push to applied (seen through applied_seq) is recorded. */
static void churn_open(struct churn_gen *g, uint64_t *seed, uint64_t *k, double pps,
		       double ops_rate, double secs, struct churn_result *r)
{
	uint64_t n_ops = (uint64_t)(ops_rate * secs);
	uint64_t *push_t = malloc(sizeof(uint64_t) * (n_ops + 1));
	uint64_t *lag = malloc(sizeof(uint64_t) * (n_ops + 1));
	uint64_t offered = 0, missed = 0, pushed = 0, first = 0, last = 0, acked = 0;
	/* Every RX ring overflow (time, packets), classified after the run. */
	size_t n_miss = 0, cap_miss = 1u << 20;
	struct miss_ev {
		uint64_t t, n;
	} *miss_log = malloc(sizeof(*miss_log) * cap_miss);
	/* A quarter of the RX ring's worth of arrivals: a longer gap is a generator stall. */
	uint64_t stall_limit = (uint64_t)((double)o.rxd / 4 / pps * (double)tsc_hz), paused = 0;
	uint64_t gen0 = g->generated;
	struct dmm_op op;
	struct snap s0, s1, s2;
	/* BENCH_DEBUG=1: print the circumstances of the first RX ring overflows. */
	const bool debug = getenv("BENCH_DEBUG") != NULL;

	r->name = "open loop: ops and packets offered at fixed rates";
	r->offered_pps = pps;
	r->offered_ops = ops_rate;
	if (push_t == NULL || lag == NULL || miss_log == NULL || n_ops == 0) {
		FAIL("churn: out of memory");
		free(push_t);
		free(lag);
		free(miss_log);
		return;
	}
	dp.opq.backlog_max = 0;
	uint64_t pre0 = preemptions(), stall = 0, wpre0 = preemptions_of(wk_tid);
	uint64_t ws0 = st_get(&wk_stalls);
	uint64_t steal0 = steal_ticks(wk_cpu) + steal_ticks(sched_getcpu());
	gap_reset();
	snap_take(&s0);
	uint64_t t0 = rte_rdtsc(), dur = (uint64_t)(secs * (double)tsc_hz), prev = t0;
	for (;;) {
		uint64_t now = rte_rdtsc(), gap = now - prev;
		if (gap > stall)
			stall = gap;
		prev = now;
		tx_reap();
		/* A NIC and a control plane produce continuously; this generator only when it
		 * runs. While it was descheduled its clock stops: no catch-up burst of packets
		 * or ops that no real source would send (the paused time is reported). */
		if (gap > stall_limit) {
			t0 += gap;
			paused += gap;
		}
		uint64_t el = now - t0;
		if (el >= dur && pushed == n_ops)
			break;
		if (el < dur) {
			uint64_t due = (uint64_t)((double)el * pps / (double)tsc_hz);
			if (due > offered) {
				unsigned room = o.rxd - rte_ring_count(rx_ring[P_CORE]);
				uint64_t want = due - offered;
				unsigned put = (unsigned)RTE_MIN(want, (uint64_t)room);
				churn_fill(g, put);
				if (want > put) {
					if (unlikely(debug) && n_miss < 30)
						fprintf(stderr,
							"debug: RX ring full at %.3f s: %" PRIu64
							" packets missed, %u queued, generator gap %.1f us, "
							"worker pass started %.1f us ago\n",
							(double)el / (double)tsc_hz, want - put,
							rte_ring_count(rx_ring[P_CORE]),
							(double)gap * 1e6 / (double)tsc_hz,
							(double)(now - __atomic_load_n(&wk_pass_tsc,
										       __ATOMIC_RELAXED)) *
								1e6 / (double)tsc_hz);
					missed += want - put;
					if (n_miss < cap_miss)
						miss_log[n_miss++] = (struct miss_ev){now, want - put};
				}
				offered = due;
			}
		}
		uint64_t due_ops =
			RTE_MIN(n_ops, (uint64_t)((double)el * ops_rate / (double)tsc_hz));
		dmm_opq_flush(&dp.opq);
		while (pushed < due_ops) {
			churn_op(&op, (*k)++, churn_n, seed);
			int64_t seq = dmm_opq_push(&dp.opq, &op);
			if (seq < 0) {
				FAIL("churn: push failed");
				goto out;
			}
			if (pushed == 0)
				first = (uint64_t)seq;
			last = (uint64_t)seq;
			push_t[pushed++] = rte_rdtsc();
		}
		uint64_t a = dmm_opq_min_applied(&dp.opq);
		if (pushed > 0 && a >= first) {
			uint64_t upto = RTE_MIN(a - first + 1, pushed);
			if (upto > acked) {
				uint64_t tn = rte_rdtsc();
				for (; acked < upto; acked++)
					lag[acked] = tn - push_t[acked];
			}
		}
	}
	wait_applied(last);
	uint64_t t_end = rte_rdtsc();
	for (; acked < pushed; acked++)
		lag[acked] = t_end - push_t[acked];
	snap_take(&s1);
	drain_traffic(g);
	snap_take(&s2);

	r->gen_preempt = preemptions() - pre0;
	r->wk_preempt = preemptions_of(wk_tid) - wpre0;
	r->wk_stalls = st_get(&wk_stalls) - ws0;
	r->wk_gap_max_us = (double)st_get(&wk_gap_max) * 1e6 / (double)tsc_hz;
	r->steal = steal_ticks(wk_cpu) + steal_ticks(sched_getcpu()) - steal0;
	r->gen_stall_us = (double)stall * 1e6 / (double)tsc_hz;
	r->ops = pushed;
	r->seconds = (double)(t_end - push_t[0]) / (double)tsc_hz;
	r->ops_rate = (double)pushed / r->seconds;
	/* t0 moved forward by the paused time: the rate while offering */
	r->fwd_mpps = (double)(s1.tx - s0.tx) / ((double)(t_end - t0) / (double)tsc_hz) / 1e6;
	/* Which overflows fall in a worker stall or its recovery (stall end + its length +
	 * 1 ms: the ops and packets queued meanwhile being worked off)? */
	uint64_t ws1 = st_get(&wk_stalls), ms = tsc_hz / 1000, in_stall = 0;
	for (size_t i = 0; i < n_miss; i++) {
		bool hit = false;
		for (uint64_t j = ws0; j < ws1 && j < ws0 + STALL_LOG && !hit; j++) {
			uint64_t a = wk_stall_log[j % STALL_LOG].start, b = wk_stall_log[j % STALL_LOG].end;
			hit = miss_log[i].t >= a && miss_log[i].t <= b + (b - a) + ms;
		}
		if (hit)
			in_stall += miss_log[i].n;
	}
	r->missed = missed - in_stall;
	r->missed_stalled = in_stall;
	r->gen_paused_ms = (double)paused * 1e3 / (double)tsc_hz;
	r->backlog_max = dp.opq.backlog_max;
	r->empty_poll_pct =
		s1.polls > s0.polls ? 100.0 * (double)(s1.empty - s0.empty) / (double)(s1.polls - s0.polls) : 0;
	qsort(lag, pushed, sizeof(lag[0]), cmp_u64);
	double us = 1e6 / (double)tsc_hz;
	r->lag_p50_us = (double)lag[pushed / 2] * us;
	r->lag_p99_us = (double)lag[pushed * 99 / 100] * us;
	r->lag_max_us = (double)lag[pushed - 1] * us;
	churn_account(r, &s0, &s2, g->generated - gen0);
out:
	free(push_t);
	free(lag);
	free(miss_log);
}

/* loads: open-loop offered packets/s, one run each. */
static void part2(uint32_t n, double *loads, unsigned n_loads)
{
	struct dmm_op ops[8], op;
	uint64_t seed = 77, k = 0, last = 0;
	struct churn_gen *g = rte_zmalloc(NULL, sizeof(*g), 64);

	if (g == NULL)
		die("churn generator");
	churn_n = n;
	tables_create(n + CHURN_WINDOW + 64);
	memset(&w->st, 0, sizeof(w->st));
	w->applied_seq = 0;
	dp.opq.next_seq = 0;
	wk_quit = false;
	wk_tid = 0;
	/* The worker receives and sends on the ring ports now (dmm_worker_poll polls the
	 * ports it sends on); not ready until the static state is in force, as in dp_main. */
	__atomic_store_n(&dp.ready, false, __ATOMIC_RELEASE);
	for (unsigned p = 0; p < N_PORTS; p++) {
		dp.ports[p].port_id = ring_pid[p];
		w->rxq[p] = 0;
		w->txq[p] = 0;
	}
	if (rte_eal_remote_launch(churn_worker, NULL, bench_lcore) != 0) {
		FAIL("churn: cannot launch the worker");
		return;
	}

	/* Static state and n bindings through the op ring, as dmm-maar installs its config:
	 * the bulk install rate with no traffic. */
	unsigned ns = static_ops(ops);
	for (unsigned i = 0; i < ns; i++)
		dmm_opq_push(&dp.opq, &ops[i]);
	uint64_t t0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		unsigned kind = i % N_KINDS;
		op_bind(&op, kind_pool(kind), i, kind);
		int64_t seq = dmm_opq_push(&dp.opq, &op);
		if (seq < 0) {
			FAIL("install: push failed");
			goto out;
		}
		last = (uint64_t)seq;
		if ((i & 1023) == 0)
			while (dmm_opq_flush(&dp.opq) > 4096)
				rte_pause();
	}
	wait_applied(last);
	bulk_install_rate = (double)n * (double)tsc_hz / (double)(rte_rdtsc() - t0);
	fprintf(stderr, "churn: %u bindings installed through the op ring at %.2f M ops/s\n", n,
		bulk_install_rate / 1e6);
	if (w->st.ops_failed)
		FAIL("install: %" PRIu64 " ops rejected", w->st.ops_failed);

	tmpl_build(&g->down, PATH_DOWN, 78, n);
	tmpl_build(&g->away, PATH_ENCAP, 78, n);
	g->seed = 99;
	__atomic_store_n(&dp.ready, true, __ATOMIC_RELEASE);

	while (__atomic_load_n(&wk_tid, __ATOMIC_ACQUIRE) == 0)
		rte_pause();
	churn_cap = churn_capacity(g, 1.0);
	fprintf(stderr, "churn: forwarding capacity without ops %.2f Mpps\n", churn_cap / 1e6);
	if (n_loads > 1 && loads[1] == 0) {
		/* busy: half the capacity, the other half for the ops */
		loads[1] = churn_cap / 2;
		if (loads[1] <= loads[0])
			n_loads = 1;
	}
	/* Closed loop (a maximum rate, loss is not its question but still checked in every
	 * attempt): a run another process disturbed is repeated, the least disturbed one is
	 * reported. */
	struct churn_result r;
	for (unsigned a = 0; a < o.attempts; a++) {
		memset(&r, 0, sizeof(r));
		churn_closed(g, &seed, &k, &r);
		r.attempts = a + 1;
		fprintf(stderr, "churn: closed loop %.2f M ops/s applied, %.2f Mpps forwarded "
				"(%" PRIu64 "+%" PRIu64 " preemptions, %" PRIu64
				" worker stalls, longest pass %.0f us, steal %" PRIu64 ")\n",
			r.ops_rate / 1e6, r.fwd_mpps, r.gen_preempt, r.wk_preempt, r.wk_stalls,
			r.wk_gap_max_us, r.steal);
		churn_check(&r);
		if (a == 0 || churn_better(&r, &churn_res[0]))
			churn_res[0] = r;
		if (!churn_disturbed(&r))
			break;
	}
	n_churn = 1;
	/* Open loop: every attempt is reported (a disturbed one is repeated, never hidden). */
	for (unsigned li = 0; li < n_loads; li++) {
		struct churn_result *best = NULL;
		for (unsigned a = 0; a < o.attempts; a++) {
			struct churn_result *cur = &churn_res[n_churn++];
			memset(&r, 0, sizeof(r));
			churn_open(g, &seed, &k, loads[li], o.churn_ops_rate, o.churn_seconds, &r);
			r.attempts = a + 1;
			*cur = r;
			churn_check(cur);
			fprintf(stderr, "churn: open loop %.2f Mpps attempt %u: %" PRIu64
					" missed (+%" PRIu64 " in worker stalls or their recovery), generator "
					"paused %.1f ms, %" PRIu64 "+%" PRIu64 " preemptions, %" PRIu64
					" worker stalls, longest pass %.0f us, steal %" PRIu64 "\n",
				loads[li] / 1e6, a + 1, r.missed, r.missed_stalled, r.gen_paused_ms,
				r.gen_preempt, r.wk_preempt, r.wk_stalls, r.wk_gap_max_us, r.steal);
			if (best == NULL || churn_better(cur, best))
				best = cur;
			if (!churn_disturbed(&r))
				break;
		}
		fprintf(stderr, "churn: open loop %.2f M ops/s applied (lag p99 %.1f us), %.2f Mpps "
				"forwarded of %.2f offered, %" PRIu64 " missed\n",
			best->ops_rate / 1e6, best->lag_p99_us, best->fwd_mpps, loads[li] / 1e6,
			best->missed);
	}
out:
	__atomic_store_n(&wk_quit, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(bench_lcore);
	tx_reap();
	for (unsigned p = 0; p < N_PORTS; p++) {
		dp.ports[p].port_id = null_pid[p];
		w->rxq[p] = DMM_RXQ_NONE;
	}
	rte_free(g);
	dmm_tables_free(&w->tables);
}

/* ------------------------------------------------------------------ setup */

static uint16_t port_by_name(const char *name)
{
	uint16_t pid;
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		fprintf(stderr, "dmm-bench: no ethdev %s (pass --vdev %s to EAL)\n", name, name);
		exit(1);
	}
	return pid;
}

static void port_start(uint16_t pid)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(pid, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(pid, 0, 1024, rte_socket_id(), NULL, dp.pool) != 0 ||
	    rte_eth_tx_queue_setup(pid, 0, 1024, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(pid) != 0) {
		fprintf(stderr, "dmm-bench: cannot start port %u\n", pid);
		exit(1);
	}
}

static void setup(void)
{
	static const char *const rx_names[N_PORTS] = {"bench_rx_access", "bench_rx_core"};
	static const struct rte_ether_addr *const macs[N_PORTS] = {&MAC_ACC, &MAC_CORE};
	unsigned ring_sz = rte_align32pow2(RTE_MAX(o.round, o.rxd) + 1);
	int sock = (int)rte_socket_id();

	if (dmm_exc_meta_register() < 0)
		die("dynfield");
	/* Sized like dmm-maar's pool (dp_port.c: two ports of 1024 descriptors give 16383),
	 * not larger: a ring mempool hands its mbufs out in FIFO order, so every mbuf of the
	 * pool is in the working set and an oversized pool makes headroom and headers cold
	 * (measured: +80 cycles/packet on encap with 262143 mbufs). A round in part 1, the RX
	 * ring plus what the TX rings hold between two reaps in part 2, and the caches fit. */
	unsigned nmb = rte_align32pow2(RTE_MAX(o.round, 2 * o.rxd) + 4096) - 1;
	if (nmb < 16383)
		nmb = 16383;
	dp.pool = rte_pktmbuf_pool_create("bench_mbufs", nmb, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  sock);
	if (dp.pool == NULL)
		die("mempool");

	dp.n_ports = N_PORTS;
	dp.core_port = P_CORE;
	dp.n_workers = 1;
	dp.tsc_hz = tsc_hz;
	dp.ready = true; /* part 1 calls dmm_worker_burst directly; part 2 sets it itself */
	dp.fwd.n_ports = N_PORTS;
	dp.fwd.core_port = P_CORE;
	dp.fwd.tunnel_hop_limit = TUNNEL_HOP_LIMIT;
	dp.fwd.n_pools = 1;
	if (dmm_prefix_parse("2001:db8:100::/40", &dp.fwd.pools[0]) != 0)
		abort();
	null_pid[P_ACCESS] = port_by_name("net_null0");
	null_pid[P_CORE] = port_by_name("net_null1");
	for (unsigned p = 0; p < N_PORTS; p++) {
		struct dmm_port *pt = &dp.ports[p];
		port_start(null_pid[p]);
		pt->port_id = null_pid[p];
		pt->role = p == P_CORE ? DMM_ROLE_CORE : DMM_ROLE_ACCESS;
		snprintf(pt->device, sizeof(pt->device), "net_null%u", p);
		pt->mac = *macs[p];
		pt->mtu = 1500;
		pt->n_rxq = pt->n_txq = 1;
		pt->tx_shared = false;
		dp.fwd.role[p] = (uint8_t)pt->role;
		dp.fwd.mac[p] = pt->mac;
		dp.fwd.mtu[p] = pt->mtu;

		char rn[32];
		snprintf(rn, sizeof(rn), "brx%u", p);
		rx_ring[p] = rte_ring_create(rn, ring_sz, sock, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "btx%u", p);
		tx_ring[p] = rte_ring_create(rn, TX_RING_SIZE, sock, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rx_ring[p] == NULL || tx_ring[p] == NULL)
			die("rings");
		int pid = rte_eth_from_rings(rx_names[p], &rx_ring[p], 1, &tx_ring[p], 1,
					     (unsigned)sock);
		if (pid < 0)
			die("rte_eth_from_rings");
		ring_pid[p] = (uint16_t)pid;
		port_start(ring_pid[p]);
	}

	w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, sock);
	if (w == NULL)
		die("worker");
	w->idx = 0;
	w->lcore_id = bench_lcore;
	if (dmm_opq_init(&dp.opq, "bench", 1, 65536, sock) < 0)
		die("op ring");
	w->opring = dp.opq.ring[0];
	w->excring = rte_ring_create("bench_exc", 1024, sock, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->excring == NULL)
		die("exception ring");
	dmm_opq_set_applied(&dp.opq, 0, &w->applied_seq);
	for (unsigned p = 0; p < N_PORTS; p++) {
		w->rxq[p] = DMM_RXQ_NONE;
		w->txq[p] = 0;
	}
	dp.workers[0] = w;
}

/* ------------------------------------------------------------------ report */

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');
			if (c) {
				c += 2;
				c[strcspn(c, "\n")] = 0;
				snprintf(buf, len, "%s", c);
			}
			break;
		}
	fclose(f);
}

static double testpmd_cpp(unsigned si)
{
	return o.testpmd_mpps[si] > 0 ? (double)tsc_hz / (o.testpmd_mpps[si] * 1e6) : 0;
}

static void fmt_delta(char *buf, size_t len, double v, double ref)
{
	if (ref > 0)
		snprintf(buf, len, "%+.1f", v - ref);
	else
		snprintf(buf, len, "n/a");
}

static void report_md(void)
{
	char cpu[128];
	struct utsname u;
	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	printf("## dmm-bench\n\n");
	printf("CPU: %s, TSC %.3f GHz, kernel %s, %s; %" PRIu64 " packets per row, rounds of "
	       "%u, worker lcore %u\n\n",
	       cpu, (double)tsc_hz / 1e9, u.release, rte_version(), o.packets, o.round,
	       bench_lcore);

	if (!o.skip_paths) {
		printf("### Ceilings (io forward, no processing; cycles are TSC cycles)\n\n");
		printf("| frame | in-process ring->net_null Mpps | cycles/pkt (median, min-max of "
		       "%u runs) | preempted | testpmd io net_null Mpps | testpmd cycles/pkt |\n",
		       o.n_bindings);
		printf("|---|---|---|---|---|---|\n");
		for (unsigned si = 0; si < o.n_sizes; si++) {
			uint64_t pre = 0;
			for (unsigned bi = 0; bi < o.n_bindings; bi++)
				pre += ceil_preempt[si][bi];
			printf("| %u B | %.2f | %.1f (%.1f-%.1f) | %" PRIu64 " | ", o.sizes[si],
			       ceil_mpps_med[si], ceil_cpp_med[si], ceil_cpp_min[si], ceil_cpp_max[si],
			       pre);
			if (o.testpmd_mpps[si] > 0)
				printf("%.2f | %.1f |\n", o.testpmd_mpps[si], testpmd_cpp(si));
			else
				printf("n/a | n/a |\n");
		}
		printf("\n### Paths (one worker, 32-packet bursts, addresses uniform over the "
		       "installed bindings)\n\n");
		printf("| path | frame | bindings | Mpps | cycles/pkt | median of rounds | "
		       "Δ in-process ceiling | Δ testpmd ceiling | preempted / steal | loss |\n");
		printf("|---|---|---|---|---|---|---|---|---|---|\n");
		for (unsigned p = 0; p < N_PATHS; p++)
			for (unsigned si = 0; si < o.n_sizes; si++)
				for (unsigned i = 0; i < n_results; i++) {
					struct result *r = &results[i];
					char d1[32], d2[32];
					if (r->path != p || r->size != o.sizes[si])
						continue;
					fmt_delta(d1, sizeof(d1), r->cpp, ceil_cpp_med[si]);
					fmt_delta(d2, sizeof(d2), r->cpp, testpmd_cpp(si));
					printf("| %s | %u B | %u | %.2f | %.1f | %.1f | %s | %s | %" PRIu64
					       " / %" PRIu64 "%s | %s |\n",
					       path_name[p], r->size, r->bindings, r->mpps, r->cpp,
					       r->cpp_med, d1, d2, r->preempt, r->steal,
					       r->attempts > 1 ? " (retried)" : "",
					       r->loss ? "**LOSS**" : "0");
				}
		printf("\nMemory probe (pointer chase over %zu MiB of hugepage memory on the worker "
		       "lcore): one dependent random access %.0f cycles; 32 independent chains %.1f "
		       "cycles per access; cache-resident %.1f cycles.\n",
		       probe_bytes >> 20, probe_dep_cpa, probe_par_cpa, probe_l2_cpa);
		printf("\nBinding install, direct dmm_tables_apply, no traffic:");
		for (unsigned bi = 0; bi < o.n_bindings; bi++)
			printf(" %u: %.2f M ops/s%s", o.bindings[bi], install_rate[bi] / 1e6,
			       bi + 1 < o.n_bindings ? ";" : "\n");
	}
	if (!o.skip_churn && n_churn) {
		printf("\n### Table ops while forwarding (%u bindings + a window of %u churned, "
		       "78 B downlink traffic, worker loop dmm_worker_step)\n\n",
		       churn_n, CHURN_WINDOW);
		printf("Bulk install through the op ring, no traffic: %.2f M ops/s. Forwarding "
		       "capacity of this set-up without ops (generator on the other core, RX ring "
		       "of %u kept backlogged): %.2f Mpps.\n\n",
		       bulk_install_rate / 1e6, o.rxd, churn_cap / 1e6);
		printf("| run | ops | ops/s applied | forwarded Mpps | offered pps | RX missed: steady "
		       "state / in a worker stall or its recovery | "
		       "drops | no loss outside worker stalls | op lag p50 / p99 / max (µs) | max backlog | RX empty "
		       "polls | longest worker pass (µs) / passes > 200 µs | generator stall max (µs) / paused (ms) | preempted (generator + worker) / steal ticks | attempt |\n");
		printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
		for (unsigned i = 0; i < n_churn; i++) {
			struct churn_result *r = &churn_res[i];
			char off[32], lag[64];
			if (r->offered_pps > 0)
				snprintf(off, sizeof(off), "%.2f M", r->offered_pps / 1e6);
			else
				snprintf(off, sizeof(off), "backlogged");
			if (r->offered_ops > 0)
				snprintf(lag, sizeof(lag), "%.1f / %.1f / %.1f", r->lag_p50_us,
					 r->lag_p99_us, r->lag_max_us);
			else
				snprintf(lag, sizeof(lag), "n/a (queue kept full)");
			printf("| %s | %" PRIu64 " | %.2f M | %.2f | %s | %" PRIu64 " / %" PRIu64
			       " | %" PRIu64
			       " | %s | %s | %" PRIu64 " | %.1f %% | %.0f / %" PRIu64 " | %.0f / %.1f"
			       " | %" PRIu64 " + %" PRIu64 " / %" PRIu64 " | %u |\n",
			       r->name, r->ops, r->ops_rate / 1e6, r->fwd_mpps, off, r->missed,
			       r->missed_stalled, r->drops, r->loss ? "**no**" : "yes", lag, r->backlog_max,
			       r->empty_poll_pct, r->wk_gap_max_us, r->wk_stalls, r->gen_stall_us,
			       r->gen_paused_ms, r->gen_preempt, r->wk_preempt, r->steal, r->attempts);
		}
	}
	printf("\n%s\n", failures ? "RESULT: FAILED (see stderr)" : "RESULT: ok (no loss, "
								  "every output verified)");
}

static void report_json(const char *file)
{
	FILE *f = fopen(file, "w");
	if (f == NULL) {
		perror(file);
		failures++;
		return;
	}
	fprintf(f, "{\n  \"tsc_hz\": %" PRIu64 ",\n  \"dpdk\": \"%s\",\n  \"packets\": %" PRIu64
		   ",\n  \"round\": %u,\n",
		tsc_hz, rte_version(), o.packets, o.round);
	fprintf(f, "  \"memory_probe\": {\"bytes\": %zu, \"dependent_cpa\": %.1f, "
		   "\"parallel32_cpa\": %.2f, \"resident_cpa\": %.2f},\n",
		probe_bytes, probe_dep_cpa, probe_par_cpa, probe_l2_cpa);
	fprintf(f, "  \"ceilings\": [");
	for (unsigned si = 0; si < o.n_sizes && !o.skip_paths; si++)
		fprintf(f, "%s\n    {\"size\": %u, \"inproc_cpp\": %.2f, \"inproc_cpp_min\": %.2f, "
			   "\"inproc_cpp_max\": %.2f, \"inproc_mpps\": %.3f, \"testpmd_mpps\": %.3f, "
			   "\"testpmd_cpp\": %.2f}",
			si ? "," : "", o.sizes[si], ceil_cpp_med[si], ceil_cpp_min[si],
			ceil_cpp_max[si], ceil_mpps_med[si], o.testpmd_mpps[si], testpmd_cpp(si));
	fprintf(f, "\n  ],\n  \"paths\": [");
	for (unsigned i = 0; i < n_results; i++) {
		struct result *r = &results[i];
		unsigned si = 0;
		while (o.sizes[si] != r->size)
			si++;
		fprintf(f, "%s\n    {\"path\": \"%s\", \"size\": %u, \"bindings\": %u, \"packets\": "
			   "%" PRIu64 ", \"mpps\": %.3f, \"cpp\": %.2f, \"cpp_round_median\": %.2f, "
			   "\"delta_inproc\": %.2f, \"delta_testpmd\": %.2f, \"preempted\": %" PRIu64
			   ", \"loss\": %s}",
			i ? "," : "", path_key[r->path], r->size, r->bindings, r->pkts, r->mpps, r->cpp,
			r->cpp_med, r->cpp - ceil_cpp_med[si],
			testpmd_cpp(si) > 0 ? r->cpp - testpmd_cpp(si) : 0, r->preempt,
			r->loss ? "true" : "false");
	}
	fprintf(f, "\n  ],\n  \"churn\": {\"bindings\": %u, "
		   "\"rxd\": %u, \"bulk_install_ops\": %.0f, \"capacity_pps\": %.0f, \"runs\": [",
		churn_n, o.rxd, bulk_install_rate, churn_cap);
	for (unsigned i = 0; i < n_churn; i++) {
		struct churn_result *r = &churn_res[i];
		fprintf(f, "%s\n    {\"name\": \"%s\", \"ops\": %" PRIu64 ", \"ops_per_s\": %.0f, "
			   "\"fwd_mpps\": %.3f, \"offered_pps\": %.0f, \"offered_ops\": %.0f, "
			   "\"missed\": %" PRIu64 ", \"missed_worker_descheduled\": %" PRIu64
			   ", \"drops\": %" PRIu64 ", \"lag_p50_us\": %.2f, "
			   "\"lag_p99_us\": %.2f, \"lag_max_us\": %.2f, \"backlog_max\": %" PRIu64
			   ", \"gen_stall_us\": %.1f, \"gen_preempted\": %" PRIu64 ", \"gen_paused_ms\": %.2f"
			   ", \"worker_preempted\": %" PRIu64 ", \"worker_stalls\": %" PRIu64
			   ", \"worker_longest_pass_us\": %.0f, \"steal_ticks\": %" PRIu64
			   ", \"attempts\": %u, \"loss\": %s}",
			i ? "," : "", r->name, r->ops, r->ops_rate, r->fwd_mpps, r->offered_pps,
			r->offered_ops, r->missed, r->missed_stalled, r->drops, r->lag_p50_us, r->lag_p99_us,
			r->lag_max_us, r->backlog_max, r->gen_stall_us, r->gen_preempt, r->gen_paused_ms,
			r->wk_preempt, r->wk_stalls, r->wk_gap_max_us, r->steal, r->attempts,
			r->loss ? "true" : "false");
	}
	fprintf(f, "\n  ]},\n  \"failures\": %d\n}\n", failures);
	fclose(f);
}

/* ------------------------------------------------------------------ options */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmm-bench [EAL options] -- [options]\n"
		"  EAL needs --vdev net_null0 --vdev net_null1 and two lcores (-l 0,1).\n"
		"  --packets N          packets per path x size x bindings (default 20000000)\n"
		"  --bindings A,B,..    installed bindings (default 1000,100000,1000000)\n"
		"  --sizes A,B          native frame sizes in bytes (default 78,512)\n"
		"  --round N            packets pre-filled per untimed refill (default 4096)\n"
		"  --ops N              closed-loop churn ops (default 2000000)\n"
		"  --rxd N              part 2 RX ring depth, like NIC descriptors (default 4096)\n"
		"  --churn-seconds S    open-loop churn duration (default 3)\n"
		"  --churn-ops-rate R   open-loop offered ops/s (default 1000000)\n"
		"  --churn-pps P        open-loop offered packets/s (default: two runs, 2 Mpps\n"
		"                       and half the forwarding capacity measured without ops)\n"
		"  --testpmd S=MPPS,..  testpmd io ceiling per frame size (from run.sh)\n"
		"  --json FILE          also write the results as JSON\n"
		"  --attempts N         measure a disturbed row up to N times (default 3,\n"
		"                       at most 5)\n"
		"  --max-preempt N      involuntary context switches that make a row\n"
		"                       disturbed (default 100)\n"
		"  --skip-paths / --skip-churn\n"
		"  Environment: BENCH_DEBUG=1 prints the circumstances of the first RX ring\n"
		"  overflows of each open-loop run.\n");
}

static unsigned parse_list(const char *s, uint64_t *out, unsigned max)
{
	unsigned n = 0;
	char *end;
	while (*s && n < max) {
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (errno || end == s || v == 0)
			return 0;
		out[n++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return 0;
	}
	return *s ? 0 : n;
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"packets", required_argument, NULL, 'p'},
		{"bindings", required_argument, NULL, 'b'},
		{"sizes", required_argument, NULL, 's'},
		{"round", required_argument, NULL, 'r'},
		{"ops", required_argument, NULL, 'o'},
		{"churn-seconds", required_argument, NULL, 'S'},
		{"churn-ops-rate", required_argument, NULL, 'R'},
		{"churn-pps", required_argument, NULL, 'P'},
		{"testpmd", required_argument, NULL, 't'},
		{"json", required_argument, NULL, 'j'},
		{"skip-paths", no_argument, NULL, 'x'},
		{"skip-churn", no_argument, NULL, 'y'},
		{"attempts", required_argument, NULL, 'a'},
		{"rxd", required_argument, NULL, 'D'},
		{"max-preempt", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v[MAX_LIST];
	int c;
	unsigned n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_list(optarg, v, 1) != 1)
				return -1;
			o.packets = v[0];
			break;
		case 'b':
			if ((n = parse_list(optarg, v, MAX_LIST)) == 0)
				return -1;
			for (unsigned i = 0; i < n; i++) {
				if (v[i] < N_KINDS || v[i] > (1u << 24))
					return -1;
				o.bindings[i] = (uint32_t)v[i];
			}
			o.n_bindings = n;
			break;
		case 's':
			if ((n = parse_list(optarg, v, MAX_LIST)) == 0)
				return -1;
			for (unsigned i = 0; i < n; i++) {
				if (v[i] < 78 || v[i] > 1514)
					return -1;
				o.sizes[i] = (unsigned)v[i];
			}
			o.n_sizes = n;
			break;
		case 'r':
			if (parse_list(optarg, v, 1) != 1 || v[0] < DMM_BURST || v[0] > (1u << 20))
				return -1;
			o.round = (unsigned)v[0];
			break;
		case 'o':
			if (parse_list(optarg, v, 1) != 1)
				return -1;
			o.ops = v[0];
			break;
		case 'S':
			o.churn_seconds = atof(optarg);
			if (o.churn_seconds <= 0)
				return -1;
			break;
		case 'R':
			o.churn_ops_rate = atof(optarg);
			if (o.churn_ops_rate <= 0)
				return -1;
			break;
		case 'P':
			o.churn_pps = atof(optarg);
			if (o.churn_pps <= 0)
				return -1;
			break;
		case 't': {
			char *s = optarg;
			while (*s) {
				char *end;
				unsigned long sz = strtoul(s, &end, 10);
				if (*end != '=')
					return -1;
				double mpps = strtod(end + 1, &end);
				if (o.n_tp == MAX_LIST || mpps <= 0)
					return -1;
				o.tp_size[o.n_tp] = (unsigned)sz;
				o.tp_mpps[o.n_tp++] = mpps;
				if (*end == ',')
					end++;
				else if (*end)
					return -1;
				s = end;
			}
			break;
		}
		case 'j':
			o.json = optarg;
			break;
		case 'x':
			o.skip_paths = true;
			break;
		case 'D':
			if (parse_list(optarg, v, 1) != 1 || v[0] < 2 * DMM_BURST || v[0] > (1u << 20))
				return -1;
			o.rxd = (unsigned)v[0];
			break;
		case 'a':
			if (parse_list(optarg, v, 1) != 1 || v[0] > MAX_ATTEMPTS)
				return -1;
			o.attempts = (unsigned)v[0];
			break;
		case 'm':
			if (parse_list(optarg, v, 1) != 1)
				return -1;
			o.max_preempt = v[0];
			break;
		case 'y':
			o.skip_churn = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	for (unsigned i = 0; i < o.n_tp; i++)
		for (unsigned si = 0; si < o.n_sizes; si++)
			if (o.sizes[si] == o.tp_size[i])
				o.testpmd_mpps[si] = o.tp_mpps[i];
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	int sep = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (parse_args(argc - sep, argv + sep) < 0) {
		usage(stderr);
		return 2;
	}
	if (rte_eal_init(sep, argv) < 0)
		die("EAL init");
	tsc_hz = rte_get_tsc_hz();
	bench_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (bench_lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "dmm-bench: needs two lcores (-l 0,1)\n");
		return 2;
	}
	setup();

	if (!o.skip_paths) {
		fprintf(stderr, "part 1: paths on lcore %u\n", bench_lcore);
		rte_eal_remote_launch(part1, NULL, bench_lcore);
		while (rte_eal_get_lcore_state(bench_lcore) == RUNNING)
			usleep(20000);
		rte_eal_wait_lcore(bench_lcore);
	}
	if (!o.skip_churn) {
		uint32_t n = 0;
		double loads[MAX_LOADS];
		unsigned n_loads = 0;
		for (unsigned i = 0; i < o.n_bindings; i++)
			n = RTE_MAX(n, o.bindings[i]);
		/* Open-loop offered loads: --churn-pps, or a light 2 Mpps and a busy one, half of
		 * what the worker forwards in this set-up without ops (0 = measured in part 2),
		 * so the ops have the other half of the core. */
		if (o.churn_pps > 0) {
			loads[n_loads++] = o.churn_pps;
		} else {
			loads[n_loads++] = 2e6;
			loads[n_loads++] = 0;
		}
		fprintf(stderr, "part 2: churn with %u bindings, worker on lcore %u\n", n,
			bench_lcore);
		part2(n, loads, n_loads);
	}

	report_md();
	if (o.json)
		report_json(o.json);
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
