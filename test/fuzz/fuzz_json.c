/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: dmmctl's JSON reader parses what a telemetry socket sends. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmm_json_doc *doc = NULL;
	if (dmm_json_parse((const char *)data, size, &doc, NULL) == 0)
		dmm_json_free(doc);
	return 0;
}
