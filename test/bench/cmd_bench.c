/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-cmd-bench: PBU processing by the CMD state machine with 1 M MNs (BENCHMARKS.md, "CMD: PBU
 * processing with 1 M MNs"). Not a timed test. No DPDK, no sockets, one core.
 *
 *   dmm-cmd-bench [--mns N] [--maars M] [--chunk K] [--repeat R]
 *
 * Per message, the timed work is what dmm-cmd does minus the socket: dmm_mh_parse() of the
 * received MH bytes (checksum left to the kernel, as with IPV6_CHECKSUM), dmm_cmd_input(), and
 * dmm_mh_build() of every message it sends. Input bytes are prebuilt outside the timed section
 * in chunks of K MNs. Phases, each over every MN, each on its own virtual clock second (the
 * PBU Timestamps are that clock, inside TimestampValidityWindow):
 *   register  initial PBU (HI=1) at MAAR (i mod M), one /64 from that MAAR's /48 pool
 *   refresh   PBU HI=5 from the same S-MAAR
 *   handover  PBU (HI=3) from MAAR (i+1 mod M) with a new /64, then the P-MAAR's PBA to the
 *             forwarded PBU (so no retransmission state is left): per mode relay, locator,
 *             proxy, each with its own CMD filled with N MNs
 * Ceiling of the same run: dmm_mh_parse of a registration PBU + dmm_mh_build of its PBA, no
 * state machine. Memory per MN: mallinfo2 (allocated, incl. the pool calloc'd for max_mns)
 * and RSS (touched) deltas over the fill, divided by N; again after the handover (P-MAAR list).
 * Everything runs R times (the lab VM's 2 vCPUs are shared): each row shows the best and the
 * median of the R runs.
 * MAX_UPDATE_RATE pacing is off (max_update_rate 0): at 3 PBUs/s per MAAR it would cap the
 * fan-out at 3 x M PBUs/s by design, which is a protocol limit, not a cost. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_sm.h"
#include "dmm_mh.h"

#define T0 1700000000000ull

static unsigned n_mns = 1000000, n_maars = 64, chunk = 65536, repeats = 3;
static struct dmm_cmd_actions out;
static volatile size_t sink; /* keeps the builds alive */

struct inbuf {
	uint8_t *b;
	size_t *off, *len;
	struct dmm_ip6 *src;
	unsigned n;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static struct dmm_ip6 maar_addr(unsigned k)
{
	struct dmm_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};

	a.a[13] = 1;
	a.a[14] = (uint8_t)(k >> 8);
	a.a[15] = (uint8_t)k;
	return a;
}

/* MAAR k's pool is 2001:db8:kk00::/40 (k < 256); MN i's /64 at round r: 2001:db8:kk:r.jjjj. */
static struct dmm_prefix mn_prefix(unsigned k, unsigned i, unsigned round)
{
	struct dmm_prefix p = {.addr = {{0x20, 0x01, 0x0d, 0xb8}}, .len = 64};
	unsigned j = i / n_maars;

	p.addr.a[4] = (uint8_t)k;
	p.addr.a[5] = (uint8_t)round;
	p.addr.a[6] = (uint8_t)(j >> 8);
	p.addr.a[7] = (uint8_t)j;
	return p;
}

static void nai_of(unsigned i, struct dmm_mh_opts *o)
{
	o->has_mnid = true;
	o->nai_len = (uint8_t)snprintf(o->nai, sizeof(o->nai), "mn-%07u@operator.example", i);
}

static void mk_pbu(struct dmm_mh_msg *m, unsigned i, struct dmm_prefix hnp, uint8_t hi,
		   uint64_t now, uint16_t seq)
{
	memset(m, 0, sizeof(*m));
	m->type = DMM_MH_BU;
	m->bu.seq = seq;
	m->bu.flags = DMM_MH_BU_A | DMM_MH_BU_P | DMM_MH_BU_D;
	m->bu.lifetime = 900;
	nai_of(i, &m->opt);
	m->opt.n_hnp = 1;
	m->opt.hnp[0] = hnp;
	m->opt.has_hi = true;
	m->opt.hi = hi;
	m->opt.has_att = true;
	m->opt.att = DMM_MH_ATT_IEEE80211;
	m->opt.has_ts = true;
	m->opt.ts = dmm_mh_ts_make(now / 1000, (uint32_t)(now % 1000) * 1000000u);
}

/* The P-MAAR's PBA to the PBU the CMD forwarded for pbu (same seq, its anchored prefix). */
static void mk_pmaar_pba(struct dmm_mh_msg *a, const struct dmm_mh_msg *pbu,
			 struct dmm_prefix anchored)
{
	memset(a, 0, sizeof(*a));
	a->type = DMM_MH_BA;
	a->ba.flags = DMM_MH_BA_P | DMM_MH_BA_D;
	a->ba.seq = pbu->bu.seq;
	a->ba.lifetime = pbu->bu.lifetime;
	a->opt = pbu->opt;
	a->opt.hnp[0] = anchored;
}

static void in_add(struct inbuf *ib, const struct dmm_mh_msg *m, struct dmm_ip6 src)
{
	size_t off = ib->n ? ib->off[ib->n - 1] + ib->len[ib->n - 1] : 0, len;
	int rc = dmm_mh_build(m, NULL, NULL, ib->b + off, DMM_MH_MAX_LEN, &len);

	if (rc || off + len > (size_t)chunk * 2 * 256) {
		fprintf(stderr, "dmm_mh_build: %s\n", dmm_mh_strerror(rc));
		exit(1);
	}
	ib->off[ib->n] = off;
	ib->len[ib->n] = len;
	ib->src[ib->n] = src;
	ib->n++;
}

/* The timed per-message work of dmm-cmd. Returns the messages sent. */
static unsigned process(struct dmm_cmd *c, uint64_t now, const struct inbuf *ib)
{
	static struct dmm_mh_msg m;
	uint8_t buf[DMM_MH_MAX_LEN];
	unsigned sent = 0;

	for (unsigned i = 0; i < ib->n; i++) {
		if (dmm_mh_parse(ib->b + ib->off[i], ib->len[i], NULL, NULL, &m))
			abort();
		if (dmm_cmd_input(c, now, &ib->src[i], &m, &out) < 0)
			abort();
		for (unsigned k = 0; k < out.n; k++) {
			size_t len;
			if (out.a[k].type != DMM_CMD_ACT_SEND)
				continue;
			if (out.a[k].msg.type == DMM_MH_BA && out.a[k].msg.ba.status != 0) {
				fprintf(stderr, "unexpected PBA status %u\n",
					out.a[k].msg.ba.status);
				exit(1);
			}
			if (dmm_mh_build(&out.a[k].msg, NULL, NULL, buf, sizeof(buf), &len))
				abort();
			sink += len;
			sent++;
		}
	}
	return sent;
}

enum phase { REGISTER, REFRESH, HANDOVER };

struct result {
	double secs;
	unsigned long in, sent;
};

/* One phase over every MN, chunk by chunk: build the input (untimed), then process it. */
static struct result run_phase(struct dmm_cmd *c, enum phase ph, uint64_t now, struct inbuf *ib)
{
	static struct dmm_mh_msg m, a;
	struct result r = {0};

	for (unsigned base = 0; base < n_mns; base += chunk) {
		unsigned end = base + chunk < n_mns ? base + chunk : n_mns;
		ib->n = 0;
		for (unsigned i = base; i < end; i++) {
			unsigned k = i % n_maars, k2 = (k + 1) % n_maars;
			switch (ph) {
			case REGISTER:
				mk_pbu(&m, i, mn_prefix(k, i, 0), DMM_MH_HI_NEW_IFACE, now, 1);
				in_add(ib, &m, maar_addr(k));
				break;
			case REFRESH:
				mk_pbu(&m, i, mn_prefix(k, i, 0), DMM_MH_HI_NOT_CHANGED, now, 2);
				in_add(ib, &m, maar_addr(k));
				break;
			case HANDOVER:
				mk_pbu(&m, i, mn_prefix(k2, i, 1), DMM_MH_HI_MAG_CHANGE, now, 3);
				in_add(ib, &m, maar_addr(k2));
				mk_pmaar_pba(&a, &m, mn_prefix(k, i, 0));
				in_add(ib, &a, maar_addr(k));
				break;
			}
		}
		double t = now_s();
		r.sent += process(c, now, ib);
		r.secs += now_s() - t;
		r.in += ib->n;
	}
	return r;
}

/* Ceiling: parse a registration PBU, build its PBA (what any answer costs in codec work). */
static struct result run_ceiling(struct inbuf *ib)
{
	static struct dmm_mh_msg m, a;
	uint8_t buf[DMM_MH_MAX_LEN];
	struct result r = {0};

	for (unsigned base = 0; base < n_mns; base += chunk) {
		unsigned end = base + chunk < n_mns ? base + chunk : n_mns;
		ib->n = 0;
		for (unsigned i = base; i < end; i++) {
			mk_pbu(&m, i, mn_prefix(i % n_maars, i, 0), 1, T0, 1);
			in_add(ib, &m, maar_addr(i % n_maars));
		}
		double t = now_s();
		for (unsigned i = 0; i < ib->n; i++) {
			size_t len;
			if (dmm_mh_parse(ib->b + ib->off[i], ib->len[i], NULL, NULL, &m))
				abort();
			mk_pmaar_pba(&a, &m, m.opt.hnp[0]); /* a PBA with the base options */
			if (dmm_mh_build(&a, NULL, NULL, buf, sizeof(buf), &len))
				abort();
			sink += len;
		}
		r.secs += now_s() - t;
		r.in += ib->n;
		r.sent += ib->n;
	}
	return r;
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static size_t rss_bytes(void)
{
	unsigned long size, res;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	if (f)
		fclose(f);
	return res * (size_t)sysconf(_SC_PAGESIZE);
}

#define MAX_ROWS 16
#define MAX_REP	 15
static struct {
	char what[64];
	const char *note;
	unsigned long in, sent, per; /* per: messages in per reported unit */
	double secs[MAX_REP];
	unsigned n;
} rows[MAX_ROWS];
static unsigned n_rows;

static void row(const char *what, struct result r, const char *note, unsigned per)
{
	unsigned i;

	for (i = 0; i < n_rows && strcmp(rows[i].what, what); i++)
		;
	if (i == n_rows) {
		snprintf(rows[n_rows].what, sizeof(rows[0].what), "%s", what);
		rows[n_rows].note = note;
		rows[n_rows].in = r.in;
		rows[n_rows].sent = r.sent;
		rows[n_rows].per = per;
		n_rows++;
	}
	rows[i].secs[rows[i].n++] = r.secs;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_rows(void)
{
	printf("| %-28s | %8s | %8s | %9s | %7s | %9s | %7s | %s |\n", "phase", "msgs in",
	       "msgs out", "best /s", "best ns", "median /s", "med. ns", "unit");
	printf("|------------------------------|----------|----------|-----------|---------|"
	       "-----------|---------|------|\n");
	for (unsigned i = 0; i < n_rows; i++) {
		qsort(rows[i].secs, rows[i].n, sizeof(double), dcmp);
		double best = rows[i].secs[0], med = rows[i].secs[rows[i].n / 2];
		double units = (double)rows[i].in / rows[i].per;
		printf("| %-28s | %8lu | %8lu | %9.0f | %7.0f | %9.0f | %7.0f | %s |\n",
		       rows[i].what, rows[i].in, rows[i].sent, units / best, best * 1e9 / units,
		       units / med, med * 1e9 / units, rows[i].note);
	}
}

static struct dmm_cmd *new_cmd(enum dmm_cmd_mode mode, struct dmm_cmd_peer *peers)
{
	struct dmm_cmd_config cfg;
	int err;

	dmm_cmd_config_default(&cfg);
	cfg.addr = (struct dmm_ip6){{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0c}};
	cfg.mode = mode;
	cfg.peers = peers;
	cfg.n_peers = n_maars;
	cfg.max_mns = n_mns;
	cfg.max_update_rate = 0;
	struct dmm_cmd *c = dmm_cmd_new(&cfg, &err);
	if (!c) {
		fprintf(stderr, "dmm_cmd_new: %s\n", strerror(-err));
		exit(1);
	}
	return c;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"mns", required_argument, NULL, 'n'},
					   {"maars", required_argument, NULL, 'm'},
					   {"chunk", required_argument, NULL, 'k'},
					   {"repeat", required_argument, NULL, 'r'},
					   {NULL, 0, NULL, 0}};
	int o;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		unsigned long v = optarg ? strtoul(optarg, NULL, 10) : 0;
		if (o == 'n')
			n_mns = (unsigned)v;
		else if (o == 'm')
			n_maars = (unsigned)v;
		else if (o == 'k')
			chunk = (unsigned)v;
		else if (o == 'r')
			repeats = (unsigned)v;
		else {
			fprintf(
			    stderr,
			    "usage: %s [--mns N] [--maars M (2..256)] [--chunk K] [--repeat R]\n",
			    argv[0]);
			return 2;
		}
	}
	if (n_mns == 0 || n_maars < 2 || n_maars > 256 || chunk == 0 || repeats == 0 ||
	    repeats > MAX_REP || n_mns / n_maars >= 65536) {
		fprintf(stderr, "bad arguments (N / M must stay below 65536)\n");
		return 2;
	}

	struct inbuf ib = {
	    .b = malloc((size_t)chunk * 2 * 256 + DMM_MH_MAX_LEN), /* ~100 B per message */
	    .off = calloc((size_t)chunk * 2, sizeof(size_t)),
	    .len = calloc((size_t)chunk * 2, sizeof(size_t)),
	    .src = calloc((size_t)chunk * 2, sizeof(struct dmm_ip6)),
	};
	struct dmm_cmd_peer *peers = calloc(n_maars, sizeof(*peers));
	struct dmm_prefix *pools = calloc(n_maars, sizeof(*pools));
	if (!ib.b || !ib.off || !ib.len || !ib.src || !peers || !pools)
		return 1;
	for (unsigned k = 0; k < n_maars; k++) { /* M28: each MAAR's /40 pool is checked */
		pools[k] =
		    (struct dmm_prefix){.addr = {{0x20, 0x01, 0x0d, 0xb8, (uint8_t)k}}, .len = 40};
		peers[k] = (struct dmm_cmd_peer){maar_addr(k), true, &pools[k], 1};
	}

	printf("dmm-cmd-bench: %u MNs, %u MAARs, chunks of %u, pacing off, one core, %u runs\n\n",
	       n_mns, n_maars, chunk, repeats);

	static const enum dmm_cmd_mode modes[] = {DMM_CMD_MODE_RELAY, DMM_CMD_MODE_LOCATOR,
						  DMM_CMD_MODE_PROXY};
	double heap_mn = 0, rss_mn = 0, heap_mn2 = 0, rss_mn2 = 0;
	for (unsigned rep = 0; rep < repeats; rep++) {
		row("ceiling: parse PBU+build PBA", run_ceiling(&ib), "message (codec only)", 1);
		for (unsigned k = 0; k < 3; k++) {
			const char *mn = dmm_cmd_mode_name(modes[k]);
			char what[64];
			size_t h0 = heap_bytes(), r0 = rss_bytes();
			struct dmm_cmd *c = new_cmd(modes[k], peers);
			struct result r = run_phase(c, REGISTER, T0, &ib);
			if (dmm_cmd_count(c) != n_mns) {
				fprintf(stderr, "%u MNs registered, expected %u\n",
					dmm_cmd_count(c), n_mns);
				return 1;
			}
			snprintf(what, sizeof(what), "register (%s CMD)", mn);
			row(what, r, "PBU (in: PBU, out: PBA)", 1);
			if (k == 0) {
				if (rep == 0) {
					heap_mn = (double)(heap_bytes() - h0) / n_mns;
					rss_mn = (double)(rss_bytes() - r0) / n_mns;
				}
				row("refresh HI=5", run_phase(c, REFRESH, T0 + 10000, &ib),
				    "PBU (in: PBU, out: PBA)", 1);
			}
			r = run_phase(c, HANDOVER, T0 + 20000, &ib);
			snprintf(what, sizeof(what), "handover %s", mn);
			row(what, r,
			    modes[k] == DMM_CMD_MODE_RELAY
				? "handover (in: PBU + P-MAAR PBA, out: fwd PBU + merged PBA)"
				: "handover (in: PBU + P-MAAR PBA, out: PBA + fwd PBU)",
			    2);
			if (k == 0 && rep == 0) {
				heap_mn2 = (double)(heap_bytes() - h0) / n_mns;
				rss_mn2 = (double)(rss_bytes() - r0) / n_mns;
			}
			const struct dmm_cmd_stats *s = dmm_cmd_get_stats(c);
			if (s->handovers != n_mns || s->retransmits || dmm_cmd_count(c) != n_mns) {
				fprintf(stderr,
					"%s: %" PRIu64 " handovers, %" PRIu64 " retransmits\n", mn,
					s->handovers, s->retransmits);
				return 1;
			}
			dmm_cmd_free(c);
		}
	}
	print_rows();
	printf("\nmemory per MN (NAI of 25 octets; the pools are sized for max_mns = N):\n");
	printf("  after registration: %.0f B allocated (mallinfo2), %.0f B resident (RSS)\n",
	       heap_mn, rss_mn);
	printf("  after one handover: %.0f B allocated, %.0f B resident (P-MAAR list added)\n",
	       heap_mn2, rss_mn2);
	printf("(sink %zu)\n", (size_t)sink);
	free(ib.b);
	free(ib.off);
	free(ib.len);
	free(ib.src);
	free(peers);
	free(pools);
	return 0;
}
