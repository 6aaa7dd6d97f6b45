// SPDX-License-Identifier: GPL-2.0
/*
 * What `schedml train` and `schedml eval` share: loading labelled traces into a dataset with
 * terminal progress, reading trace headers, classification metrics as JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "trace_io.h"
#include "train.h"
#include "train_cli.h"
#include "util.h"

void sm_cli_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K  %s %" PRIu64 "/%" PRIu64, stage, done, total);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

json_object *sm_trace_header_json(const char *path, char *err, size_t errlen)
{
	struct sm_trace_reader *r = NULL;
	json_object *h;
	int ret = sm_trace_open(path, &r, err, errlen);

	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	h = json_tokener_parse(sm_trace_header(r));
	sm_trace_close(r);
	if (!h) {
		snprintf(err, errlen, "%s:1: header: not a JSON object", path);
		errno = EINVAL;
	}
	return h;
}

int sm_cli_load_traces(struct sm_dataset *d, char **paths, int n, const struct sm_fconfig *fcfg,
		       bool quiet, json_object *files, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		uint64_t before[SM_NR_CLASSES];
		json_object *h, *f;
		int r;

		if (!quiet)
			sm_cli_progress(NULL, "replaying traces:", (uint64_t)i, (uint64_t)n);
		memcpy(before, d->count, sizeof(before));
		h = sm_trace_header_json(paths[i], err, errlen);
		if (!h)
			return -errno;
		r = sm_dataset_load_trace(d, paths[i], fcfg, err, errlen);
		if (r < 0) {
			json_object_put(h);
			return r;
		}
		if (!files) {
			json_object_put(h);
			continue;
		}
		f = json_object_new_object();
		json_object_object_add(f, "file", json_object_new_string(paths[i]));
		json_object_object_add(f, "header", h);
		json_object_object_add(f, "interactive", json_object_new_int64(
			(int64_t)(d->count[SM_CLASS_INTERACTIVE] - before[SM_CLASS_INTERACTIVE])));
		json_object_object_add(f, "batch", json_object_new_int64(
			(int64_t)(d->count[SM_CLASS_BATCH] - before[SM_CLASS_BATCH])));
		json_object_array_add(files, f);
	}
	if (!quiet)
		sm_cli_progress(NULL, "replaying traces:", (uint64_t)n, (uint64_t)n);
	return 0;
}

json_object *sm_json_num(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

json_object *sm_confusion_json(const struct sm_confusion *c)
{
	static const char *const names[2] = { "batch", "interactive" };
	json_object *o = json_object_new_object(), *pc = json_object_new_object();
	json_object *cm = json_object_new_object();
	uint64_t n = c->cm[0][0] + c->cm[0][1] + c->cm[1][0] + c->cm[1][1];

	json_object_object_add(o, "vectors", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "accuracy", sm_json_num(sm_confusion_accuracy(c), 4));
	for (int k = 0; k < 2; k++) {
		json_object *e = json_object_new_object(), *row = json_object_new_object();
		uint64_t tp = c->cm[k][k], support = c->cm[k][0] + c->cm[k][1];
		uint64_t predicted = c->cm[0][k] + c->cm[1][k];

		json_object_object_add(e, "precision", sm_json_num(ratio(tp, predicted), 4));
		json_object_object_add(e, "recall", sm_json_num(ratio(tp, support), 4));
		json_object_object_add(e, "support", json_object_new_int64((int64_t)support));
		json_object_object_add(pc, names[k], e);
		for (int p = 0; p < 2; p++)
			json_object_object_add(row, names[p], json_object_new_int64((int64_t)c->cm[k][p]));
		json_object_object_add(cm, names[k], row);
	}
	json_object_object_add(o, "per_class", pc);
	json_object_object_add(o, "confusion", cm);
	json_object_object_add(o, "quantised_agreement", sm_json_num(ratio(c->agree, c->compared), 4));
	return o;
}
