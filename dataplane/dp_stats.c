/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names and the reports built on them: the shutdown print here, telemetry in
 * dp_telemetry.c. Both walk the field tables below, so a new counter needs one line here
 * and nothing else. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "dp.h"

#define DMM_X_NAME(e, s) [DMM_DROP_##e] = s,
const char *const dmm_drop_names[DMM_DROP_MAX] = {DMM_DROP_REASONS(DMM_X_NAME)};
#undef DMM_X_NAME

#define DMM_X_NAME(e, s) [DMM_EXC_##e] = s,
const char *const dmm_exc_names[DMM_EXC_MAX] = {DMM_EXC_REASONS(DMM_X_NAME)};
#undef DMM_X_NAME

/* clang-format off */
#define W_FIELD(f) {#f, offsetof(struct dmm_wstats, f)},
#define W_EXC(e, s) {"exc_" s, offsetof(struct dmm_wstats, exc[DMM_EXC_##e])},
#define W_DROP(e, s) {"drop_" s, offsetof(struct dmm_wstats, drop[DMM_DROP_##e])},
const struct dmm_stat_field dmm_wstats_fields[] = {
	W_FIELD(rx) W_FIELD(tx) W_FIELD(routed) W_FIELD(delivered) W_FIELD(encap)
	W_FIELD(decap) W_FIELD(trimmed) W_FIELD(exception)
	DMM_EXC_REASONS(W_EXC)
	DMM_DROP_REASONS(W_DROP)
	W_FIELD(ops_applied) W_FIELD(ops_failed) W_FIELD(idle_sleeps) W_FIELD(busy_cycles)
};
/* clang-format on */
const unsigned dmm_wstats_n_fields = RTE_DIM(dmm_wstats_fields);

/* The struct is all uint64_t: a counter added to it without a line above breaks one of
 * these (unless it hides in the cache-line padding after busy_cycles: keep that last). */
_Static_assert(offsetof(struct dmm_wstats, busy_cycles) + sizeof(uint64_t) ==
		   RTE_DIM(dmm_wstats_fields) * sizeof(uint64_t),
	       "dmm_wstats_fields must list every counter of struct dmm_wstats");
_Static_assert(RTE_ALIGN_CEIL(RTE_DIM(dmm_wstats_fields) * sizeof(uint64_t), RTE_CACHE_LINE_SIZE) ==
		   sizeof(struct dmm_wstats),
	       "dmm_wstats_fields must list every counter of struct dmm_wstats");

/* clang-format off */
#define C_FIELD(f) {#f, offsetof(struct dmm_ctl_stats, f)},
const struct dmm_stat_field dmm_ctl_fields[] = {
	C_FIELD(exc_rx) C_FIELD(na_sent) C_FIELD(ns_sent) C_FIELD(na_learned)
	C_FIELD(echo_replies) C_FIELD(icmp_time_exceeded) C_FIELD(icmp_too_big)
	    C_FIELD(icmp_param_problem)
	C_FIELD(icmp_ratelimited) C_FIELD(mh_rx) C_FIELD(mh_bad) C_FIELD(mh_be_sent) C_FIELD(rs_rx) C_FIELD(ignored)
	C_FIELD(malformed) C_FIELD(tx_fail) C_FIELD(ops_pushed) C_FIELD(ops_backlogged)
};
/* clang-format on */
const unsigned dmm_ctl_n_fields = RTE_DIM(dmm_ctl_fields);

_Static_assert(offsetof(struct dmm_ctl_stats, ops_backlogged) + sizeof(uint64_t) ==
		   RTE_DIM(dmm_ctl_fields) * sizeof(uint64_t),
	       "dmm_ctl_fields must list every counter of struct dmm_ctl_stats");
_Static_assert(RTE_ALIGN_CEIL(RTE_DIM(dmm_ctl_fields) * sizeof(uint64_t), RTE_CACHE_LINE_SIZE) ==
		   sizeof(struct dmm_ctl_stats),
	       "dmm_ctl_fields must list every counter of struct dmm_ctl_stats");

uint64_t dmm_stat_get(const void *block, const struct dmm_stat_field *f)
{
	/* Relaxed: each counter has one writer and readers only need a torn-free value. */
	return __atomic_load_n((const uint64_t *)((const char *)block + f->off), __ATOMIC_RELAXED);
}

void dmm_dp_stats_sum(const struct dmm_dp *dp, struct dmm_wstats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned w = 0; w < dp->n_workers; w++) {
		if (dp->workers[w] == NULL)
			continue;
		for (unsigned i = 0; i < dmm_wstats_n_fields; i++) {
			const struct dmm_stat_field *f = &dmm_wstats_fields[i];
			*(uint64_t *)((char *)out + f->off) += dmm_stat_get(&dp->workers[w]->st, f);
		}
	}
}

/* Worker columns per block: keeps lines readable with many workers. */
#define PRINT_COLS 6

static int u64_width(uint64_t v)
{
	int n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static bool row_nonzero(const struct dmm_dp *dp, const struct dmm_wstats *tot,
			const struct dmm_stat_field *f)
{
	if (dmm_stat_get(tot, f) != 0)
		return true;
	for (unsigned w = 0; w < dp->n_workers; w++)
		if (dp->workers[w] != NULL && dmm_stat_get(&dp->workers[w]->st, f) != 0)
			return true;
	return false;
}

static void print_block(const struct dmm_dp *dp, const struct dmm_wstats *tot, FILE *f,
			unsigned first, unsigned last, bool with_total)
{
	char hdr[32];
	int width = 5; /* "total" */

	/* One width for the whole block: the widest header or value shown in it. */
	for (unsigned w = first; w < last; w++) {
		if (dp->workers[w] == NULL)
			continue;
		width = RTE_MAX(
		    width, snprintf(hdr, sizeof(hdr), "w%u/lc%u", w, dp->workers[w]->lcore_id));
		for (unsigned i = 0; i < dmm_wstats_n_fields; i++)
			width = RTE_MAX(width, u64_width(dmm_stat_get(&dp->workers[w]->st,
								      &dmm_wstats_fields[i])));
	}
	if (with_total)
		for (unsigned i = 0; i < dmm_wstats_n_fields; i++)
			width = RTE_MAX(width, u64_width(dmm_stat_get(tot, &dmm_wstats_fields[i])));

	fprintf(f, "  %-22s", "counter");
	for (unsigned w = first; w < last; w++) {
		if (dp->workers[w] == NULL)
			continue;
		snprintf(hdr, sizeof(hdr), "w%u/lc%u", w, dp->workers[w]->lcore_id);
		fprintf(f, " %*s", width, hdr);
	}
	if (with_total)
		fprintf(f, " %*s", width, "total");
	fputc('\n', f);

	for (unsigned i = 0; i < dmm_wstats_n_fields; i++) {
		const struct dmm_stat_field *fl = &dmm_wstats_fields[i];

		if (!row_nonzero(dp, tot, fl))
			continue;
		fprintf(f, "  %-22s", fl->name);
		for (unsigned w = first; w < last; w++)
			if (dp->workers[w] != NULL)
				fprintf(f, " %*" PRIu64, width,
					dmm_stat_get(&dp->workers[w]->st, fl));
		if (with_total)
			fprintf(f, " %*" PRIu64, width, dmm_stat_get(tot, fl));
		fputc('\n', f);
	}
}

void dmm_dp_stats_print(const struct dmm_dp *dp, FILE *f)
{
	struct dmm_wstats tot;
	bool any = false;
	double uptime = 0;

	dmm_dp_stats_sum(dp, &tot);
	if (dp->tsc_hz != 0)
		uptime = (double)(rte_rdtsc() - dp->start_tsc) / (double)dp->tsc_hz;

	fprintf(f, "dmm-maar statistics after %.1f s, %u worker(s)\n", uptime, dp->n_workers);
	for (unsigned i = 0; i < dmm_wstats_n_fields && !any; i++)
		any = row_nonzero(dp, &tot, &dmm_wstats_fields[i]);
	if (!any) {
		fprintf(f, "  all worker counters are zero\n");
	} else {
		for (unsigned first = 0; first < dp->n_workers; first += PRINT_COLS) {
			unsigned last = RTE_MIN(first + PRINT_COLS, dp->n_workers);

			if (first != 0)
				fputc('\n', f);
			print_block(dp, &tot, f, first, last, last == dp->n_workers);
		}
	}

	fprintf(f, "control lcore:\n");
	any = false;
	for (unsigned i = 0; i < dmm_ctl_n_fields; i++) {
		uint64_t v = dmm_stat_get(&dp->ctl, &dmm_ctl_fields[i]);

		if (v == 0)
			continue;
		fprintf(f, "  %-22s %" PRIu64 "\n", dmm_ctl_fields[i].name, v);
		any = true;
	}
	if (!any)
		fprintf(f, "  all control counters are zero\n");
	fprintf(f,
		"  table ops: last seq %" PRIu64 ", pushed %" PRIu64 ", ring full %" PRIu64
		", deepest backlog %" PRIu64 "\n",
		dp->opq.next_seq, dp->opq.pushed, dp->opq.ring_full, dp->opq.backlog_max);
}
