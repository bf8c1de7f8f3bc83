/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the YAML config loader must reject, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dmm_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct dmm_config cfg;

	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	if (dmm_config_load_buf("fuzz.yaml", (const char *)data, size, &cfg, sink) == 0)
		dmm_config_free(&cfg);
	return 0;
}
