// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the config loader (src/config.c, sm_config_parse + overrides).
 * Any input: no crash, no leak, no UB; a rejected config gets a one-line error that starts with
 * the file name; sm_config_free() leaves a config that can be freed again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define ORIGIN "/etc/schedml/fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_config c;
	char err[512];
	char *json = malloc(size + 1);
	int r;

	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	sm_config_init(&c);
	err[0] = '\0';
	r = sm_config_parse(json, ORIGIN, &c, err, sizeof(err));
	if (r < 0) {
		if (r != -ENOMEM && strncmp(err, ORIGIN, strlen(ORIGIN)) != 0)
			abort(); /* the error names the file */
		if (strchr(err, '\n'))
			abort(); /* one line */
	} else {
		struct sm_config_overrides o = { .source = -1, .runtime_dir = "/run/schedml-fuzz",
						 .interval_ns = 100000000ull };

		err[0] = '\0';
		(void)sm_config_apply_overrides(&c, &o, err, sizeof(err));
	}
	sm_config_free(&c);
	sm_config_free(&c);
	free(json);
	return 0;
}
