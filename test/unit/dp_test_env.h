/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared set-up for data-plane unit tests: an EAL without hugepages or devices, so
 * rte_hash, rte_lpm6, rte_ring and mbufs are the real ones. */
#ifndef DMM_DP_TEST_ENV_H
#define DMM_DP_TEST_ENV_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

/* The EAL leaves its runtime directory (/var/run/dpdk/<prefix>: config, fbarray files) behind;
 * each test run has its own prefix, so remove it at exit rather than litter the machine. */
static char dmm_test_rundir[PATH_MAX];

static inline void dmm_test_eal_rm_rundir(void)
{
	DIR *d;
	struct dirent *e;
	char f[PATH_MAX + 256];

	if (dmm_test_rundir[0] == '\0' || (d = opendir(dmm_test_rundir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(f, sizeof(f), "%s/%s", dmm_test_rundir, e->d_name);
		unlink(f);
	}
	closedir(d);
	rmdir(dmm_test_rundir);
}

static inline int dmm_test_eal_init(const char *name)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s%d", name, (int)getpid());
	char *argv[] = {(char *)"test",
			(char *)"--no-huge",
			(char *)"-m",
			(char *)"256",
			(char *)"--no-pci",
			prefix,
			(char *)"-l",
			(char *)"0",
			(char *)"--log-level=lib.*:error",
			(char *)"--no-telemetry"};
	int rc = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
	if (rc < 0) {
		fprintf(stderr, "EAL init failed (run as root?)\n");
		exit(1);
	}
	snprintf(dmm_test_rundir, sizeof(dmm_test_rundir), "%s", rte_eal_get_runtime_dir());
	atexit(dmm_test_eal_rm_rundir);
	return 0;
}

#endif
