/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared set-up for data-plane unit tests: an EAL without hugepages or devices, so
 * rte_hash, rte_lpm6, rte_ring and mbufs are the real ones. */
#ifndef DMM_DP_TEST_ENV_H
#define DMM_DP_TEST_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

static inline int dmm_test_eal_init(const char *name)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s%d", name, (int)getpid());
	char *argv[] = {(char *)"test", (char *)"--no-huge", (char *)"-m", (char *)"256",
			(char *)"--no-pci", prefix, (char *)"-l", (char *)"0",
			(char *)"--log-level=lib.*:error", (char *)"--no-telemetry"};
	int rc = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
	if (rc < 0) {
		fprintf(stderr, "EAL init failed (run as root?)\n");
		exit(1);
	}
	return 0;
}

#endif
