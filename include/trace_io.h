/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recorded traces: artifacts/<run>/scheduling_events.log.gz (one record per line, gzip) and
 * process_data.json.gz (JSON lines of /proc snapshots). Format documented in README.md.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "feature.h"
#include "schedml.h"

enum sm_rec_kind {
	SM_REC_EVENT = 1, /* 'S', 'W', 'N', 'X' lines: a struct sm_event */
	SM_REC_TASK,      /* 'T' line: struct sm_taskinfo from /proc */
	SM_REC_LABEL,     /* 'L' line: tgid -> class stamped by `record --label` */
	SM_REC_SYS,       /* 'Y' line: struct sm_sysctx */
	SM_REC_TICK,      /* 'K' line: the recorder's control tick at ts_ns */
};

struct sm_trace_rec {
	enum sm_rec_kind kind;
	union {
		struct sm_event ev;
		struct sm_taskinfo task;
		struct {
			uint32_t tgid;
			int32_t cls; /* enum sm_class */
		} label;
		struct sm_sysctx sys;
		uint64_t tick_ns;
	};
};

struct sm_trace_reader;
struct sm_trace_writer;

/* Open a (gzip or plain) trace; header must be valid. err gets "FILE:LINE: problem". */
int sm_trace_open(const char *path, struct sm_trace_reader **out, char *err, size_t errlen);
/* The header's JSON text (host, kernel, start time, version, workload). */
const char *sm_trace_header(const struct sm_trace_reader *r);
/* 1: a record, 0: end of file, -errno: error described in err ("FILE:LINE: FIELD ..."). */
int sm_trace_next(struct sm_trace_reader *r, struct sm_trace_rec *rec, char *err, size_t errlen);
void sm_trace_close(struct sm_trace_reader *r); /* accepts NULL */

/* header_json: a JSON object text written as the first line. */
int sm_trace_writer_open(const char *path, const char *header_json, struct sm_trace_writer **out);
int sm_trace_write(struct sm_trace_writer *w, const struct sm_trace_rec *rec);
/* Flush and close; returns -errno of any write error seen. Accepts NULL. */
int sm_trace_writer_close(struct sm_trace_writer *w);

/* Format/parse one line (no newline); exposed for tests and the fuzzer. */
int sm_trace_format_line(const struct sm_trace_rec *rec, char *buf, size_t len);
int sm_trace_parse_line(const char *line, struct sm_trace_rec *rec, char *err, size_t errlen);
