/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by src/cmd_train.c and src/cmd_eval.c (src/train_common.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "train.h"

/* Progress line on stderr when it is a terminal (an sm_progress_fn). */
void sm_cli_progress(void *ctx, const char *stage, uint64_t done, uint64_t total);
/* A trace's header as a JSON object (NULL with errno and err "FILE:LINE: ..." on error). */
json_object *sm_trace_header_json(const char *path, char *err, size_t errlen);
/* Replay traces into d; if files is a JSON array, append {file, header, interactive, batch}. */
int sm_cli_load_traces(struct sm_dataset *d, char **paths, int n, const struct sm_fconfig *fcfg,
		       bool quiet, json_object *files, char *err, size_t errlen);
/* A double printed with a fixed number of decimals (stable bytes). */
json_object *sm_json_num(double v, int decimals);
/* {vectors, accuracy, per_class.{batch,interactive}.{precision,recall,support},
 *  confusion.<true>.<predicted>, quantised_agreement} */
json_object *sm_confusion_json(const struct sm_confusion *c);
