/* SPDX-License-Identifier: BSD-3-Clause */
/* Port bring-up: any ethdev (PCI NIC or vdev) with a role from the config. Each worker
 * gets one RX queue per port (RSS spreads flows when the device has several) and one TX
 * queue per port; the control lcore gets its own TX queue when the device has enough. */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dmm_log.h"
#include "dp.h"
#include "dp_port.h"

#define MBUF_CACHE 256
#define EXC_RING_SIZE 1024

unsigned dmm_dp_exc_ring_size(void)
{
	return EXC_RING_SIZE;
}

int dmm_mempool_create(struct dmm_dp *dp)
{
	const struct dmm_config *cfg = dp->cfg;
	uint64_t n = 0;
	unsigned users = dp->n_workers + 1;

	/* Every descriptor can hold an mbuf, every worker can have a burst in flight per
	 * port, every exception ring can be full, and each lcore's cache can hold some. */
	for (unsigned i = 0; i < cfg->n_ports; i++)
		n += (uint64_t)cfg->ports[i].rx_desc * dp->n_workers +
		     (uint64_t)cfg->ports[i].tx_desc * users;
	n += (uint64_t)dp->n_workers * (DMM_BURST * (DMM_MAX_PORTS + 2) + EXC_RING_SIZE);
	n += (uint64_t)users * MBUF_CACHE * 2 + 4096;
	/* Mempools are most memory-efficient at 2^k - 1 elements. */
	uint64_t sz = 1;
	while (sz - 1 < n)
		sz <<= 1;
	dp->pool = rte_pktmbuf_pool_create("dmm_mbufs", (unsigned)(sz - 1), MBUF_CACHE,
					   0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->pool == NULL)
		return DMM_LOG_RET(-ENOMEM, "port", "cannot create mempool of %llu mbufs: %s",
				   (unsigned long long)(sz - 1), rte_strerror(rte_errno));
	dmm_log("port", DMM_LOG_INFO, "mempool: %llu mbufs", (unsigned long long)(sz - 1));
	return 0;
}

static int port_configure(struct dmm_dp *dp, unsigned idx)
{
	const struct dmm_cfg_port *pc = &dp->cfg->ports[idx];
	struct dmm_port *p = &dp->ports[idx];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t rxd = pc->rx_desc, txd = pc->tx_desc, pid;
	int rc;

	if (rte_eth_dev_get_port_by_name(pc->device, &pid) != 0)
		return DMM_LOG_RET(-ENODEV, "port",
				   "port %s: no such ethdev (pass it to EAL with --vdev or -a)",
				   pc->device);
	p->port_id = pid;
	/* Count the port as soon as it exists, so a failure closes only real ports. */
	dp->n_ports = (uint16_t)(idx + 1);
	p->role = pc->role;
	snprintf(p->device, sizeof(p->device), "%s", pc->device);
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		return DMM_LOG_RET(rc, "port", "port %s: info: %s", pc->device, rte_strerror(-rc));
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);

	p->n_rxq = RTE_MIN((uint16_t)dp->n_workers, info.max_rx_queues);
	p->n_txq = RTE_MIN((uint16_t)(dp->n_workers + 1), info.max_tx_queues);
	if (p->n_rxq == 0 || p->n_txq == 0)
		return DMM_LOG_RET(-ENOTSUP, "port", "port %s: device has no queues", pc->device);
	p->n_rxq = RTE_MIN(p->n_rxq, DMM_MAX_QUEUES);
	p->n_txq = RTE_MIN(p->n_txq, DMM_MAX_QUEUES);
	p->tx_shared = p->n_txq < dp->n_workers + 1;
	for (unsigned q = 0; q < DMM_MAX_QUEUES; q++)
		rte_spinlock_init(&p->txlock[q]);

	memset(&conf, 0, sizeof(conf));
	if (p->n_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		/* Hash on the outer IPv6 header: the outer flow label we set from the inner
		 * flow (RFC 6438) makes tunnels spread too. */
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
			 RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_IPV6_EX) &
			info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(pid, p->n_rxq, p->n_txq, &conf);
	if (rc != 0)
		return DMM_LOG_RET(rc, "port", "port %s: configure %u rx/%u tx queues: %s",
				   pc->device, p->n_rxq, p->n_txq, rte_strerror(-rc));
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
	if (rc != 0)
		return DMM_LOG_RET(rc, "port", "port %s: descriptors: %s", pc->device,
				   rte_strerror(-rc));
	int sock = rte_eth_dev_socket_id(pid);
	if (sock < 0)
		sock = (int)rte_socket_id();
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, rxd, (unsigned)sock, NULL, dp->pool);
		if (rc != 0)
			return DMM_LOG_RET(rc, "port", "port %s: rx queue %u: %s", pc->device, q,
					   rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, txd, (unsigned)sock, NULL);
		if (rc != 0)
			return DMM_LOG_RET(rc, "port", "port %s: tx queue %u: %s", pc->device, q,
					   rte_strerror(-rc));
	}

	p->mtu = pc->mtu;
	rc = rte_eth_dev_set_mtu(pid, pc->mtu);
	if (rc != 0 && rc != -ENOTSUP)
		dmm_log("port", DMM_LOG_WARNING, "port %s: set mtu %u: %s (using it anyway)",
			pc->device, pc->mtu, rte_strerror(-rc));

	rc = rte_eth_dev_start(pid);
	if (rc != 0)
		return DMM_LOG_RET(rc, "port", "port %s: start: %s", pc->device, rte_strerror(-rc));
	if (pc->promiscuous) {
		rc = rte_eth_promiscuous_enable(pid);
		if (rc != 0 && rc != -ENOTSUP)
			dmm_log("port", DMM_LOG_WARNING, "port %s: promiscuous: %s", pc->device,
				rte_strerror(-rc));
	}
	/* Neighbour Discovery uses solicited-node and all-routers multicast (RFC 4861). */
	rc = rte_eth_allmulticast_enable(pid);
	if (rc != 0 && rc != -ENOTSUP)
		dmm_log("port", DMM_LOG_WARNING, "port %s: allmulticast: %s", pc->device,
			rte_strerror(-rc));
	rte_eth_macaddr_get(pid, &p->mac);

	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	dmm_log("port", DMM_LOG_INFO, "port %s (%s, id %u): %s mac %s mtu %u, %u rx / %u tx queues%s",
		pc->device, p->driver, pid, dmm_role_name(pc->role), mac, pc->mtu, p->n_rxq,
		p->n_txq, p->tx_shared ? " (shared tx)" : "");
	return 0;
}

int dmm_ports_init(struct dmm_dp *dp)
{
	const struct dmm_config *cfg = dp->cfg;
	int rc;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		rc = port_configure(dp, i);
		if (rc != 0)
			return rc;
		dp->fwd.role[i] = (uint8_t)cfg->ports[i].role;
		dp->fwd.mac[i] = dp->ports[i].mac;
		dp->fwd.mtu[i] = cfg->ports[i].mtu;
		if (cfg->ports[i].role == DMM_ROLE_CORE)
			dp->core_port = (uint16_t)i;
	}
	dp->n_ports = (uint16_t)cfg->n_ports;
	dp->fwd.n_ports = dp->n_ports;
	dp->fwd.core_port = dp->core_port;

	/* Queue ownership: worker w polls RX queue w (if the device has it) and sends on TX
	 * queue w; the control lcore sends on the queue after the workers'. */
	for (unsigned w = 0; w < dp->n_workers; w++)
		for (uint16_t i = 0; i < dp->n_ports; i++) {
			struct dmm_port *p = &dp->ports[i];
			dp->workers[w]->rxq[i] = w < p->n_rxq ? (uint16_t)w : DMM_RXQ_NONE;
			dp->workers[w]->txq[i] = (uint16_t)(w % p->n_txq);
		}
	for (uint16_t i = 0; i < dp->n_ports; i++)
		dp->ctl_txq[i] = (uint16_t)(dp->n_workers % dp->ports[i].n_txq);
	return 0;
}

void dmm_ports_close(struct dmm_dp *dp)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		/* Stopping flushes what the PMD holds (net_pcap writes its file on close). */
		rte_eth_dev_stop(dp->ports[i].port_id);
		rte_eth_dev_close(dp->ports[i].port_id);
	}
}
