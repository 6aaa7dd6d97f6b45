// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the model loader (src/model.c) and the scorer on what it accepts.
 * Any input: no crash, leak or UB. Rejected: a one-line error naming the file. Accepted: the
 * model validates, scores every probe vector (all-zero, extremes, vectors taken from the input)
 * inside [0, SM_SCORE_MAX], explains them within the buffer, and its JSON (sm_model_to_json)
 * loads again into a model whose JSON is byte-identical (deterministic writer round trip) and
 * whose scores are the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define ORIGIN "/usr/local/share/schedml/models/fuzz.json"

static void probe(const struct sm_model *m, const struct sm_model *m2, const struct sm_fvec *fv)
{
	char buf[1024];
	int32_t s = sm_score(m, fv);
	size_t n;

	if (s < 0 || s > SM_SCORE_MAX) {
		fprintf(stderr, "score %d out of range\n", s);
		abort();
	}
	if (m2 && sm_score(m2, fv) != s)
		abort(); /* the written model scores the same */
	n = sm_explain(m, fv, buf, sizeof(buf));
	if (n >= sizeof(buf) || strlen(buf) != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_model *m = NULL, *m2 = NULL;
	char err[512], *json, *out1 = NULL, *out2 = NULL;
	struct sm_fvec fv;
	int r;

	json = malloc(size + 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	err[0] = '\0';
	r = sm_model_load_string(json, ORIGIN, &m, err, sizeof(err));
	free(json);
	if (r < 0) {
		if (m)
			abort(); /* nothing handed out on failure */
		if (r != -ENOMEM && strncmp(err, ORIGIN, strlen(ORIGIN)) != 0)
			abort();
		if (strchr(err, '\n'))
			abort();
		return 0;
	}
	if (!m || sm_model_validate(m, err, sizeof(err)) != 0)
		abort();

	out1 = sm_model_to_json(m);
	if (out1) {
		err[0] = '\0';
		if (sm_model_load_string(out1, "(written)", &m2, err, sizeof(err)) < 0) {
			fprintf(stderr, "written model does not load: %s\n", err);
			abort();
		}
		out2 = sm_model_to_json(m2);
		if (out2 && strcmp(out1, out2) != 0)
			abort();
	}

	memset(&fv, 0, sizeof(fv));
	probe(m, m2, &fv);
	for (int i = 0; i < SM_NR_FEATURES; i++)
		fv.v[i] = INT32_MAX;
	probe(m, m2, &fv);
	for (int i = 0; i < SM_NR_FEATURES; i++)
		fv.v[i] = INT32_MIN;
	probe(m, m2, &fv);
	/* Vectors from the input bytes: whatever values a corrupted feature table could produce. */
	for (size_t off = 0; off + sizeof(fv.v) <= size && off < 64 * sizeof(fv.v); off += sizeof(fv.v)) {
		memcpy(fv.v, data + off, sizeof(fv.v));
		probe(m, m2, &fv);
	}

	free(out1);
	free(out2);
	sm_model_free(m2);
	sm_model_free(m);
	return 0;
}
