/* SPDX-License-Identifier: BSD-3-Clause */
/* Telemetry commands on DPDK's socket (<runtime dir>/dpdk_telemetry.v2, read by dmmctl and
 * dpdk-telemetry.py). Replies, as JSON values of {"<cmd>": value}:
 *
 * /dmm/stats[,FIRST]
 *   {"n_workers": N,
 *    "total":   {"rx": u64, ..., "exc_<reason>": u64, ..., "drop_<reason>": u64, ...},
 *    "control": {"exc_rx": u64, ..., "opq_pushed", "opq_ring_full", "opq_backlog_max",
 *                "uptime_s"},
 *    "workers": {"<idx>": {"worker": idx, "lcore": id, <every counter of "total">}, ...},
 *    "next_worker": K}
 * /dmm/tables[,FIRST]
 *   {"op_seq": u64, "ops_pending": u64, "n_workers": N,
 *    "workers": {"<idx>": {"worker", "lcore", "bindings", "bindings_max", "tunnels",
 *                          "tunnels_max", "routes", "routes_max", "neighbours",
 *                          "neighbours_max", "local_addrs", "applied_seq"}, ...},
 *    "next_worker": K}
 * /dmm/ports
 *   {"n_ports": N,
 *    "ports": {"<port id>": {"port_id", "device": str, "role": str, "driver": str,
 *                            "mac": str, "mtu", "rx_queues", "tx_queues", "tx_shared" (0/1),
 *                            "ipackets", "opackets", "ibytes", "obytes", "imissed",
 *                            "ierrors", "oerrors", "rx_nombuf"}, ...}}
 *   (the ethdev counters are absent when rte_eth_stats_get fails)
 *
 * Constraints of DPDK 22.11 telemetry that shape this:
 *  - a reply is at most 16 KiB and entries that do not fit are dropped silently, so the
 *    per-worker sections are paged: a reply holds workers FIRST..K-1 and the client asks
 *    again with ",K" until next_worker == n_workers (a page holds 15 to 25 workers);
 *  - arrays cannot hold dicts, hence "workers" and "ports" are dicts keyed by number;
 *  - dict keys may only contain [A-Za-z0-9_/], so PCI names ("0000:01:00.0") cannot be
 *    keys: ports are keyed by port id and carry their name in "device";
 *  - containers attached to the reply are freed by the library after sending, but not when
 *    the callback fails: failures free them here.
 * Counters are read without locks: each has one writer and 64-bit loads do not tear. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rwlock.h>
#include <rte_telemetry.h>

#include "dp.h"

/* MAX_OUTPUT_LEN of lib/telemetry in 22.11 (the greeting's max_output_len); the margin
 * covers the "{"<cmd>":" prefix, the entries written after the paged section and closing
 * braces. */
#define TEL_OUTPUT_MAX 16384
#define TEL_BUDGET     (TEL_OUTPUT_MAX - 512)

/* Callbacks run on DPDK's telemetry threads (one per client) for the life of the process;
 * the lock lets dmm_telemetry_detach() take dp away before it is freed. */
static rte_rwlock_t tel_lock = RTE_RWLOCK_INITIALIZER;
static struct dmm_dp *tel_dp;

struct tel_ctx {
	const struct dmm_dp *dp;
	/* Every container allocated for this reply, to free them if the callback fails. */
	struct rte_tel_data *alloc[DMM_MAX_WORKERS + DMM_MAX_PORTS + 4];
	unsigned n_alloc;
	size_t used; /* estimated JSON bytes of the reply so far */
	/* /dmm/stats: every worker's counters read once, [worker][field], so that "total" is
	 * the exact sum of the worker columns of the same reply. */
	uint64_t *snap;
};

static struct rte_tel_data *tel_new_dict(struct tel_ctx *c)
{
	struct rte_tel_data *d;

	if (c->n_alloc == RTE_DIM(c->alloc))
		return NULL;
	d = rte_tel_data_alloc();
	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	c->alloc[c->n_alloc++] = d;
	return d;
}

/* Free the most recent container: it was not attached (it did not fit in the reply). */
static void tel_drop_last(struct tel_ctx *c)
{
	rte_tel_data_free(c->alloc[--c->n_alloc]);
}

static void tel_free_all(struct tel_ctx *c)
{
	while (c->n_alloc > 0)
		tel_drop_last(c);
}

static size_t u64_digits(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* The add helpers also add the entry's JSON size ("name":value,) to *cost. */
static int put_u64(struct rte_tel_data *d, size_t *cost, const char *name, uint64_t v)
{
	*cost += strlen(name) + 4 + u64_digits(v);
	return RTE_MIN(rte_tel_data_add_dict_u64(d, name, v), 0);
}

static int put_str(struct rte_tel_data *d, size_t *cost, const char *name, const char *v)
{
	*cost += strlen(name) + strlen(v) + 6;
	/* A positive E2BIG only means a value was cut to 127 bytes. */
	return RTE_MIN(rte_tel_data_add_dict_string(d, name, v), 0);
}

static int put_dict(struct rte_tel_data *d, size_t *cost, const char *name, struct rte_tel_data *v,
		    size_t v_cost)
{
	*cost += strlen(name) + 4 + v_cost;
	return RTE_MIN(rte_tel_data_add_dict_container(d, name, v, 0), 0);
}

static uint64_t rd64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t rd32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* FIRST parameter of the paged commands: a worker index, default 0. */
static int parse_first(const char *params, unsigned n_workers, unsigned *first)
{
	char *end;
	unsigned long v;

	*first = 0;
	if (params == NULL || params[0] == '\0')
		return 0;
	if (params[0] < '0' || params[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(params, &end, 10);
	if (errno != 0 || *end != '\0' || v >= RTE_MAX(n_workers, 1u))
		return -EINVAL;
	*first = (unsigned)v;
	return 0;
}

/* Adds the "workers" dict with workers first.. while the reply stays within TEL_BUDGET
 * (always at least one, so a client paging through always advances), then "next_worker".
 * fill() puts worker i's entries into its dict. */
static int put_workers(struct tel_ctx *c, struct rte_tel_data *d, unsigned first,
		       int (*fill)(const struct tel_ctx *c, unsigned i, struct rte_tel_data *wd,
				   size_t *cost))
{
	const struct dmm_dp *dp = c->dp;
	struct rte_tel_data *all = tel_new_dict(c);
	size_t all_cost = 2;
	unsigned i;
	int rc;

	if (all == NULL)
		return -ENOMEM;
	for (i = first; i < dp->n_workers; i++) {
		const struct dmm_worker *w = dp->workers[i];
		struct rte_tel_data *wd;
		size_t wcost = 2;
		char key[16];

		if (w == NULL)
			continue;
		wd = tel_new_dict(c);
		if (wd == NULL)
			return -ENOMEM;
		rc = put_u64(wd, &wcost, "worker", i);
		if (rc == 0)
			rc = put_u64(wd, &wcost, "lcore", w->lcore_id);
		if (rc == 0)
			rc = fill(c, i, wd, &wcost);
		if (rc < 0)
			return rc;
		snprintf(key, sizeof(key), "%u", i);
		if (i > first && c->used + all_cost + strlen(key) + 4 + wcost > TEL_BUDGET) {
			tel_drop_last(c);
			break;
		}
		rc = put_dict(all, &all_cost, key, wd, wcost);
		if (rc < 0)
			return rc;
	}
	rc = put_dict(d, &c->used, "workers", all, all_cost);
	if (rc == 0)
		rc = put_u64(d, &c->used, "next_worker", i);
	return rc;
}

static int fill_worker_stats(const struct tel_ctx *c, unsigned w, struct rte_tel_data *wd,
			     size_t *cost)
{
	const uint64_t *v = &c->snap[(size_t)w * dmm_wstats_n_fields];

	for (unsigned i = 0; i < dmm_wstats_n_fields; i++) {
		int rc = put_u64(wd, cost, dmm_wstats_fields[i].name, v[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static int stats_fill(struct tel_ctx *c, const char *params, struct rte_tel_data *d)
{
	const struct dmm_dp *dp = c->dp;
	struct rte_tel_data *tot, *ctl;
	size_t tcost = 2, ccost = 2;
	uint64_t uptime = 0;
	unsigned first;
	int rc;

	rc = parse_first(params, dp->n_workers, &first);
	if (rc < 0)
		return rc;
	rte_tel_data_start_dict(d);
	rc = put_u64(d, &c->used, "n_workers", dp->n_workers);
	if (rc < 0)
		return rc;

	c->snap =
	    calloc((size_t)RTE_MAX(dp->n_workers, 1u) * dmm_wstats_n_fields, sizeof(*c->snap));
	tot = tel_new_dict(c);
	if (c->snap == NULL || tot == NULL)
		return -ENOMEM;
	for (unsigned w = 0; w < dp->n_workers; w++)
		for (unsigned i = 0; i < dmm_wstats_n_fields && dp->workers[w] != NULL; i++)
			c->snap[(size_t)w * dmm_wstats_n_fields + i] =
			    dmm_stat_get(&dp->workers[w]->st, &dmm_wstats_fields[i]);
	for (unsigned i = 0; i < dmm_wstats_n_fields; i++) {
		uint64_t sum = 0;

		for (unsigned w = 0; w < dp->n_workers; w++)
			sum += c->snap[(size_t)w * dmm_wstats_n_fields + i];
		rc = put_u64(tot, &tcost, dmm_wstats_fields[i].name, sum);
		if (rc < 0)
			return rc;
	}
	rc = put_dict(d, &c->used, "total", tot, tcost);
	if (rc < 0)
		return rc;

	ctl = tel_new_dict(c);
	if (ctl == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < dmm_ctl_n_fields; i++) {
		rc = put_u64(ctl, &ccost, dmm_ctl_fields[i].name,
			     dmm_stat_get(&dp->ctl, &dmm_ctl_fields[i]));
		if (rc < 0)
			return rc;
	}
	if (dp->tsc_hz != 0)
		uptime = (rte_rdtsc() - dp->start_tsc) / dp->tsc_hz;
	rc = put_u64(ctl, &ccost, "opq_pushed", rd64(&dp->opq.pushed));
	if (rc == 0)
		rc = put_u64(ctl, &ccost, "opq_ring_full", rd64(&dp->opq.ring_full));
	if (rc == 0)
		rc = put_u64(ctl, &ccost, "opq_backlog_max", rd64(&dp->opq.backlog_max));
	if (rc == 0)
		rc = put_u64(ctl, &ccost, "uptime_s", uptime);
	if (rc == 0)
		rc = put_dict(d, &c->used, "control", ctl, ccost);
	if (rc < 0)
		return rc;

	return put_workers(c, d, first, fill_worker_stats);
}

static int fill_worker_tables(const struct tel_ctx *c, unsigned i, struct rte_tel_data *wd,
			      size_t *cost)
{
	const struct dmm_worker *w = c->dp->workers[i];
	const struct dmm_tables *t = &w->tables;
	/* Acquire, before the counts: they then include at least the ops it says applied
	 * (initialiser expressions below are not ordered, hence the separate read). */
	uint64_t applied = __atomic_load_n(&w->applied_seq, __ATOMIC_ACQUIRE);
	const struct {
		const char *name;
		uint64_t v;
	} e[] = {
	    {"bindings", rd32(&t->n_bind)},	{"bindings_max", t->max_bind},
	    {"tunnels", rd32(&t->n_tun)},	{"tunnels_max", t->max_tun},
	    {"routes", rd32(&t->n_routes)},	{"routes_max", t->max_routes},
	    {"neighbours", rd32(&t->n_nh)},	{"neighbours_max", t->max_nh},
	    {"local_addrs", rd32(&t->n_local)}, {"applied_seq", applied},
	};

	for (unsigned k = 0; k < RTE_DIM(e); k++) {
		int rc = put_u64(wd, cost, e[k].name, e[k].v);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static int tables_fill(struct tel_ctx *c, const char *params, struct rte_tel_data *d)
{
	const struct dmm_dp *dp = c->dp;
	uint64_t pending = 0;
	unsigned first;
	int rc;

	rc = parse_first(params, dp->n_workers, &first);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < dp->opq.n_workers && i < DMM_MAX_WORKERS; i++)
		pending += rd32(&dp->opq.bl_len[i]);

	rte_tel_data_start_dict(d);
	rc = put_u64(d, &c->used, "op_seq", rd64(&dp->opq.next_seq));
	if (rc == 0)
		rc = put_u64(d, &c->used, "ops_pending", pending);
	if (rc == 0)
		rc = put_u64(d, &c->used, "n_workers", dp->n_workers);
	if (rc < 0)
		return rc;
	return put_workers(c, d, first, fill_worker_tables);
}

static int fill_port(const struct dmm_port *p, struct rte_tel_data *pd, size_t *cost)
{
	struct rte_eth_stats st;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	const uint8_t *b = p->mac.addr_bytes;
	int rc;

	/* Lower case, as ip(8) prints it (rte_ether_format_addr uses upper case). */
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5]);
	rc = put_u64(pd, cost, "port_id", p->port_id);
	if (rc == 0)
		rc = put_str(pd, cost, "device", p->device);
	if (rc == 0)
		rc = put_str(pd, cost, "role", dmm_role_name(p->role));
	if (rc == 0)
		rc = put_str(pd, cost, "driver", p->driver);
	if (rc == 0)
		rc = put_str(pd, cost, "mac", mac);
	if (rc == 0)
		rc = put_u64(pd, cost, "mtu", p->mtu);
	if (rc == 0)
		rc = put_u64(pd, cost, "rx_queues", p->n_rxq);
	if (rc == 0)
		rc = put_u64(pd, cost, "tx_queues", p->n_txq);
	if (rc == 0)
		rc = put_u64(pd, cost, "tx_shared", p->tx_shared);
	if (rc < 0 || rte_eth_stats_get(p->port_id, &st) != 0)
		return rc;

	const struct {
		const char *name;
		uint64_t v;
	} e[] = {
	    {"ipackets", st.ipackets}, {"opackets", st.opackets},   {"ibytes", st.ibytes},
	    {"obytes", st.obytes},     {"imissed", st.imissed},	    {"ierrors", st.ierrors},
	    {"oerrors", st.oerrors},   {"rx_nombuf", st.rx_nombuf},
	};
	for (unsigned i = 0; i < RTE_DIM(e) && rc == 0; i++)
		rc = put_u64(pd, cost, e[i].name, e[i].v);
	return rc;
}

static int ports_fill(struct tel_ctx *c, const char *params, struct rte_tel_data *d)
{
	const struct dmm_dp *dp = c->dp;
	struct rte_tel_data *all;
	size_t all_cost = 2;
	int rc;

	if (params != NULL && params[0] != '\0')
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rc = put_u64(d, &c->used, "n_ports", dp->n_ports);
	if (rc < 0)
		return rc;
	all = tel_new_dict(c);
	if (all == NULL)
		return -ENOMEM;
	/* At most DMM_MAX_PORTS of a few hundred bytes each: always fits, no paging. */
	for (unsigned i = 0; i < dp->n_ports && i < DMM_MAX_PORTS; i++) {
		const struct dmm_port *p = &dp->ports[i];
		struct rte_tel_data *pd = tel_new_dict(c);
		size_t pcost = 2;
		char key[16];

		if (pd == NULL)
			return -ENOMEM;
		rc = fill_port(p, pd, &pcost);
		if (rc < 0)
			return rc;
		snprintf(key, sizeof(key), "%u", p->port_id);
		rc = put_dict(all, &all_cost, key, pd, pcost);
		if (rc < 0)
			return rc;
	}
	return put_dict(d, &c->used, "ports", all, all_cost);
}

static int tel_run(int (*fill)(struct tel_ctx *, const char *, struct rte_tel_data *),
		   const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tel_ctx c = {.used = strlen(cmd) + 6};
	int rc;

	rte_rwlock_read_lock(&tel_lock);
	c.dp = tel_dp;
	rc = c.dp == NULL ? -ENODEV : fill(&c, params, d);
	rte_rwlock_read_unlock(&tel_lock);
	free(c.snap);
	if (rc < 0)
		tel_free_all(&c); /* the library sends null and ignores d */
	return rc < 0 ? rc : 0;
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_run(stats_fill, cmd, params, d);
}

static int tel_tables(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_run(tables_fill, cmd, params, d);
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_run(ports_fill, cmd, params, d);
}

int dmm_telemetry_register(struct dmm_dp *dp)
{
	/* Help texts must stay under 64 bytes (MAX_HELP_LEN) or registration fails. */
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
	    {"/dmm/stats", tel_stats, "dmm counters: total, control, per worker. Param: worker"},
	    {"/dmm/ports", tel_ports, "dmm ports: role, driver, MAC, queues, ethdev counters"},
	    {"/dmm/tables", tel_tables, "dmm replica fill levels per worker. Param: worker"},
	};
	static bool done[RTE_DIM(cmds)];

	rte_rwlock_write_lock(&tel_lock);
	tel_dp = dp;
	rte_rwlock_write_unlock(&tel_lock);

	/* Registering twice would list a command twice: remember what is registered. */
	for (unsigned i = 0; i < RTE_DIM(cmds); i++) {
		int rc;

		if (done[i])
			continue;
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc < 0)
			return rc;
		done[i] = true;
	}
	return 0;
}

void dmm_telemetry_detach(void)
{
	/* Taking the write lock waits for callbacks still reading dp. */
	rte_rwlock_write_lock(&tel_lock);
	tel_dp = NULL;
	rte_rwlock_write_unlock(&tel_lock);
}
