/* SPDX-License-Identifier: BSD-3-Clause */
/* dmm-maar [EAL args] -- --config FILE.yaml [--idle-sleep-us N]
 * dmm-maar --check-config FILE.yaml
 *
 * Main lcore = control lcore; every other lcore of the EAL core list is a worker. The
 * config is parsed and validated before EAL starts, so a bad file never touches a port. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dmm_config.h"
#include "dmm_log.h"
#include "dp.h"
#include "dp_ctl.h"
#include "dp_port.h"

/* Ops per worker ring: enough for the static config of a typical node in one go; larger
 * updates flow through the producer's backlog (back-pressure, never loss). */
#define OP_RING_MIN 1024u
#define OP_RING_MAX 65536u

static struct dmm_dp g_dp;

/* ---------------------------------------------------------------- logging */

static const char *const log_modules[] = {"main", "cfg", "dp", "ctl", "ops", "port", "tel", "sig"};
static int log_types[RTE_DIM(log_modules)];

static int log_type(const char *module)
{
	for (unsigned i = 0; i < RTE_DIM(log_modules); i++)
		if (strcmp(module, log_modules[i]) == 0)
			return log_types[i];
	return RTE_LOGTYPE_USER1;
}

static int rte_log_filter(const char *module, enum dmm_log_level level)
{
	return rte_log_can_log((uint32_t)log_type(module), (uint32_t)level);
}

static void rte_log_backend(const char *module, enum dmm_log_level level, const char *fmt,
			    va_list ap)
{
	char buf[768];
	int type = log_type(module);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	rte_log((uint32_t)level, (uint32_t)type, "dmm.%s: %s\n", module, buf);
}

static void log_init(void)
{
	char name[32];
	for (unsigned i = 0; i < RTE_DIM(log_modules); i++) {
		snprintf(name, sizeof(name), "dmm.%s", log_modules[i]);
		log_types[i] = rte_log_register_type_and_pick_level(name, RTE_LOG_INFO);
		if (log_types[i] < 0)
			log_types[i] = RTE_LOGTYPE_USER1;
	}
	dmm_log_set_backend(rte_log_backend);
	dmm_log_set_filter(rte_log_filter);
}

/* ---------------------------------------------------------------- options */

struct opts {
	const char *config;
	unsigned idle_sleep_us;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: dmm-maar [EAL options] -- --config FILE.yaml [--idle-sleep-us N]\n"
		   "       dmm-maar --check-config FILE.yaml\n"
		   "\n"
		   "  --config FILE        MAAR configuration (see config/maar-example.yaml)\n"
		   "  --idle-sleep-us N    sleep N us after a run of empty polls (default 0:\n"
		   "                       busy polling); lets several instances share cores\n"
		   "  --check-config FILE  validate FILE and exit (no EAL, no ports)\n");
}

static int parse_app_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"idle-sleep-us", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'i': {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] == '-' || v > 1000000) {
				fprintf(stderr, "dmm-maar: --idle-sleep-us: 0..1000000 expected\n");
				return -EINVAL;
			}
			o->idle_sleep_us = (unsigned)v;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || o->config == NULL) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The app args are after "--"; find them before EAL so the config can be checked first. */
static int find_app_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&g_dp.quit, true, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- setup */

static uint32_t pow2_clamp(uint64_t n, uint32_t lo, uint32_t hi)
{
	uint32_t r = lo;
	while (r < n && r < hi)
		r <<= 1;
	return r;
}

static int workers_create(struct dmm_dp *dp)
{
	const struct dmm_config *cfg = dp->cfg;
	struct dmm_tables_limits lim = {
	    .bindings = cfg->limits.bindings,
	    .tunnels = cfg->limits.tunnels,
	    .routes = cfg->limits.routes,
	    .neighbours = cfg->limits.neighbours,
	};
	uint64_t total =
	    (uint64_t)cfg->n_bindings + cfg->n_tunnels + cfg->n_routes + cfg->n_neighbours + 64;
	uint32_t ring = pow2_clamp(total, OP_RING_MIN, OP_RING_MAX);
	unsigned lcore, i = 0;
	char name[32];
	int rc;

	rc = dmm_opq_init(&dp->opq, "maar", dp->n_workers, ring, (int)rte_socket_id());
	if (rc < 0)
		return DMM_LOG_RET(rc, "main", "op rings: %s", strerror(-rc));
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct dmm_worker *w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
							  (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return DMM_LOG_RET(-ENOMEM, "main", "worker %u: out of memory", i);
		w->idx = i;
		w->lcore_id = lcore;
		snprintf(name, sizeof(name), "w%u", i);
		rc = dmm_tables_init(&w->tables, name, &lim, (int)rte_lcore_to_socket_id(lcore));
		if (rc < 0)
			return DMM_LOG_RET(rc, "main",
					   "worker %u: cannot allocate tables for %u bindings, %u "
					   "routes: %s (raise -m or use hugepages)",
					   i, lim.bindings, lim.routes, strerror(-rc));
		w->opring = dp->opq.ring[i];
		snprintf(name, sizeof(name), "exc_w%u", i);
		w->excring = rte_ring_create(name, dmm_dp_exc_ring_size(),
					     (int)rte_lcore_to_socket_id(lcore),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->excring == NULL)
			return DMM_LOG_RET(-ENOMEM, "main", "worker %u: exception ring", i);
		dmm_opq_set_applied(&dp->opq, i, &w->applied_seq);
		dp->workers[i++] = w;
	}
	dmm_log("main", DMM_LOG_INFO,
		"%u workers, op rings of %u, tables: %u bindings, %u tunnels, "
		"%u routes, %u neighbours",
		dp->n_workers, ring, lim.bindings, lim.tunnels, lim.routes, lim.neighbours);
	return 0;
}

static void workers_free(struct dmm_dp *dp)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dmm_worker *w = dp->workers[i];
		if (w == NULL)
			continue;
		void *m = NULL;
		while (w->excring && rte_ring_dequeue(w->excring, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->excring);
		dmm_tables_free(&w->tables);
		rte_free(w);
	}
	dmm_opq_free(&dp->opq);
}

/* Push the static config and wait until every worker applied it. The control lcore moves
 * back-pressured ops along while it waits. */
static int install_static(struct dmm_dp *dp, struct dmm_ctl **ctl)
{
	uint64_t seq;
	int rc = dmm_ctl_init(dp, ctl, &seq);
	if (rc < 0)
		return DMM_LOG_RET(rc, "main", "static config: %s", strerror(-rc));
	uint64_t t0 = rte_rdtsc();
	while (!dmm_opq_in_force(&dp->opq, seq)) {
		if (dp->quit)
			return -EINTR;
		dmm_opq_flush(&dp->opq);
		rte_pause();
	}
	dmm_log("main", DMM_LOG_INFO, "static config in force on %u workers (%llu ops, %.1f ms)",
		dp->n_workers, (unsigned long long)seq,
		(double)(rte_rdtsc() - t0) * 1000.0 / (double)dp->tsc_hz);
	return 0;
}

int main(int argc, char **argv)
{
	static struct dmm_config cfg;
	struct dmm_dp *dp = &g_dp;
	struct dmm_ctl *ctl = NULL;
	struct opts o = {0};
	int rc, sep, ret = 1;

	if (argc == 3 && strcmp(argv[1], "--check-config") == 0) {
		rc = dmm_config_load(argv[2], &cfg, stderr);
		if (rc == 0)
			printf("%s: ok\n", argv[2]);
		dmm_config_free(&cfg);
		return rc == 0 ? 0 : 1;
	}
	sep = find_app_args(argc, argv);
	if (sep < 0) {
		usage(stderr);
		return 2;
	}
	if (parse_app_args(argc - sep, argv + sep, &o) < 0)
		return 2;
	if (dmm_config_load(o.config, &cfg, stderr) < 0)
		return 1;

	rc = rte_eal_init(sep, argv);
	if (rc < 0) {
		fprintf(stderr, "dmm-maar: EAL init failed: %s\n", rte_strerror(rte_errno));
		dmm_config_free(&cfg);
		return 1;
	}
	log_init();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	dp->cfg = &cfg;
	dp->idle_sleep_us = o.idle_sleep_us;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->start_tsc = rte_rdtsc();
	dp->n_workers = rte_lcore_count() - 1;
	if (dp->n_workers == 0 || dp->n_workers > DMM_MAX_WORKERS) {
		dmm_log("main", DMM_LOG_ERR,
			"need 1..%d worker lcores besides the main one (e.g. -l 0,1)",
			DMM_MAX_WORKERS);
		goto out;
	}
	dp->fwd.tunnel_hop_limit = cfg.tunnel_hop_limit;
	dp->fwd.n_pools = cfg.n_pools;
	memcpy(dp->fwd.pools, cfg.pools, sizeof(cfg.pools[0]) * cfg.n_pools);

	if (dmm_exc_meta_register() < 0 || dmm_mempool_create(dp) < 0 || workers_create(dp) < 0 ||
	    dmm_ports_init(dp) < 0)
		goto out;
	if (dmm_telemetry_register(dp) < 0)
		dmm_log("main", DMM_LOG_WARNING, "telemetry unavailable");

	static struct dmm_worker_arg args[DMM_MAX_WORKERS];
	for (unsigned i = 0; i < dp->n_workers; i++) {
		args[i] = (struct dmm_worker_arg){.dp = dp, .w = dp->workers[i]};
		rte_eal_remote_launch(dmm_worker_main, &args[i], dp->workers[i]->lcore_id);
	}
	if (install_static(dp, &ctl) == 0) {
		__atomic_store_n(&dp->ready, true, __ATOMIC_RELEASE);
		dmm_log("main", DMM_LOG_NOTICE, "%s ready: %u ports, %u workers", cfg.name,
			dp->n_ports, dp->n_workers);
		dmm_ctl_run(ctl);
		ret = 0;
	}
	__atomic_store_n(&dp->quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	/* Hand the last exceptions to the control lcore before the final counters. */
	if (ctl != NULL)
		dmm_ctl_poll(ctl);
	dmm_dp_stats_print(dp, stdout);
	fflush(stdout);
out:
	/* Telemetry threads may be inside a dmm telemetry callback: wait for them before freeing.
	 */
	dmm_telemetry_detach();
	dmm_ctl_free(ctl);
	dmm_ports_close(dp);
	workers_free(dp);
	rte_mempool_free(dp->pool);
	rte_eal_cleanup();
	dmm_config_free(&cfg);
	return ret;
}
