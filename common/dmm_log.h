/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging for code that must not depend on DPDK (common/, controlplane/, dmm-cmd).
 * The backend is pluggable: dmm-maar routes it to rte_log with one dynamic log type per
 * module ("dmm.cfg", "dmm.ctl", ...); everything else writes to stderr. */
#ifndef DMM_LOG_H
#define DMM_LOG_H

#include <stdarg.h>

enum dmm_log_level {
	DMM_LOG_ERR = 4, /* same numbers as RTE_LOG_* so the DPDK backend maps 1:1 */
	DMM_LOG_WARNING = 5,
	DMM_LOG_NOTICE = 6,
	DMM_LOG_INFO = 7,
	DMM_LOG_DEBUG = 8,
};

typedef void (*dmm_log_backend_t)(const char *module, enum dmm_log_level level, const char *fmt,
				  va_list ap);

typedef int (*dmm_log_filter_t)(const char *module, enum dmm_log_level level);

void dmm_log_set_backend(dmm_log_backend_t fn);
/* With a backend, whether a message would be written (to skip formatting costly ones): the
 * filter decides; without a filter every level is enabled. */
void dmm_log_set_filter(dmm_log_filter_t fn);
int dmm_log_enabled(const char *module, enum dmm_log_level level);
/* stderr backend: messages at or below this level are written (default INFO). */
void dmm_log_set_level(enum dmm_log_level level);

__attribute__((format(printf, 3, 4))) void dmm_log(const char *module, enum dmm_log_level level,
						   const char *fmt, ...);

/* Log at ERR and return err (a negative errno): `return DMM_LOG_RET(-EINVAL, "cfg", ...)`. */
#define DMM_LOG_RET(err, module, ...) (dmm_log(module, DMM_LOG_ERR, __VA_ARGS__), (err))

#endif
