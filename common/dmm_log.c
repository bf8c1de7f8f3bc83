/* SPDX-License-Identifier: BSD-3-Clause */
#include "dmm_log.h"

#include <stdio.h>

static dmm_log_backend_t backend;
static dmm_log_filter_t filter;
static enum dmm_log_level stderr_level = DMM_LOG_INFO;

void dmm_log_set_filter(dmm_log_filter_t fn)
{
	filter = fn;
}

int dmm_log_enabled(const char *module, enum dmm_log_level level)
{
	if (backend == NULL)
		return level <= stderr_level;
	return filter == NULL || filter(module, level);
}

void dmm_log_set_backend(dmm_log_backend_t fn)
{
	backend = fn;
}

void dmm_log_set_level(enum dmm_log_level level)
{
	stderr_level = level;
}

void dmm_log(const char *module, enum dmm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (backend != NULL) {
		backend(module, level, fmt, ap);
	} else if (level <= stderr_level) {
		fprintf(stderr, "dmm.%s: ", module);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
