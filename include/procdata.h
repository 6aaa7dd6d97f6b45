/* SPDX-License-Identifier: GPL-2.0 */
/*
 * process_data.json.gz: JSON lines (json-c), gzip. Line 1 is a header object; then one object
 * per process per snapshot round (keys in docs/tracer.md).
 */
#pragma once

#include <stdint.h>

struct sm_procdata;

/* header_json: a JSON object text written as the first line. -errno. */
int sm_procdata_open(const char *path, const char *header_json, struct sm_procdata **out);
/* The class stamped on a process (enum sm_class), SM_CLASS_NONE if none. */
typedef int (*sm_procdata_label_fn)(void *ctx, uint32_t pid);
/* One object per process under proc_root (skip_pid excluded; label may be NULL).
 * Returns the number of processes written, or -errno on a write error. */
int sm_procdata_snapshot(struct sm_procdata *w, const char *proc_root, uint64_t ts_ns,
			 uint32_t skip_pid, sm_procdata_label_fn label, void *ctx);
/* Flush and close; -errno of any write error seen. Accepts NULL. */
int sm_procdata_close(struct sm_procdata *w);
