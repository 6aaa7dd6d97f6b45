/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random models and feature vectors for the scorer tests and bench/bench_scorer.c
 * (header-only, deterministic: xorshift64* seeded by the caller).
 */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "model.h"

static inline uint64_t gen_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static inline int64_t gen_range(uint64_t *s, int64_t lo, int64_t hi) /* inclusive */
{
	return lo + (int64_t)(gen_next(s) % (uint64_t)(hi - lo + 1));
}

/* A plausible range for each feature's fixed-point value. */
static inline void gen_feature_range(int f, int32_t *lo, int32_t *hi)
{
	static const int32_t r[SM_NR_FEATURES][2] = {
		[SM_F_CPU_SHARE] = { 0, 2000 },     [SM_F_CPU_SHARE_EWMA] = { 0, 2000 },
		[SM_F_RUN_MEAN] = { 0, 200000 },    [SM_F_RUN_P90] = { 0, 400000 },
		[SM_F_SLEEP_MEAN] = { 0, 2000000 }, [SM_F_WAIT_FREQ] = { 0, 50000 },
		[SM_F_WAKE_FREQ] = { 0, 50000 },    [SM_F_VOL_RATIO] = { 0, 1000 },
		[SM_F_RQLAT_MEAN] = { 0, 50000 },   [SM_F_RQLAT_P99] = { 0, 200000 },
		[SM_F_NR_THREADS] = { 1, 512 },     [SM_F_KTHREAD] = { 0, 1 },
		[SM_F_NICE] = { -20, 19 },          [SM_F_POLICY] = { 0, 7 },
		[SM_F_SYS_LOAD] = { 0, 3200 },      [SM_F_SYS_RUNNABLE] = { 0, 64 },
		[SM_F_SYS_CPUS] = { 1, 256 },
	};
	*lo = r[f][0];
	*hi = r[f][1];
}

static inline void gen_fvec(uint64_t *s, struct sm_fvec *fv)
{
	for (int f = 0; f < SM_NR_FEATURES; f++) {
		int32_t lo, hi;
		gen_feature_range(f, &lo, &hi);
		/* Half the draws near the low end, where the interesting thresholds live. */
		if (gen_next(s) & 1)
			hi = lo + (hi - lo) / 64;
		fv->v[f] = (int32_t)gen_range(s, lo, hi);
	}
}

static int gen_tree_node(uint64_t *s, struct sm_model *m, uint32_t depth, uint32_t max_depth)
{
	uint32_t i = m->n_nodes++;
	struct sm_tree_node *n = &m->nodes[i];

	if (depth == max_depth) {
		n->feature = -1;
		n->value = (int32_t)gen_range(s, 0, SM_SCORE_MAX);
		return (int)i;
	}
	n->feature = (int32_t)gen_range(s, 0, m->n_inputs - 1);
	int32_t lo, hi;
	gen_feature_range(m->input[n->feature], &lo, &hi);
	if (gen_next(s) & 1)
		hi = lo + (hi - lo) / 64;
	n->threshold = (int32_t)gen_range(s, lo, hi);
	int l = gen_tree_node(s, m, depth + 1, max_depth);
	int r = gen_tree_node(s, m, depth + 1, max_depth);
	m->nodes[i].left = l;
	m->nodes[i].right = r;
	return (int)i;
}

/* A full binary tree of the given depth over the first n_inputs features. */
static inline struct sm_model *gen_tree(uint64_t *s, uint32_t n_inputs, uint32_t depth)
{
	struct sm_model *m = calloc(1, sizeof(*m));

	m->kind = SM_MODEL_TREE;
	m->n_inputs = n_inputs;
	for (uint32_t i = 0; i < n_inputs; i++)
		m->input[i] = (uint8_t)i;
	m->nodes = calloc((2u << depth) - 1, sizeof(*m->nodes));
	gen_tree_node(s, m, 0, depth);
	m->name = strdup("random-tree");
	return m;
}

/* n_inputs -> hidden[0] -> ... -> 1, frac_bits F, inputs scaled to about +-4.0. */
static inline struct sm_model *gen_mlp(uint64_t *s, uint32_t n_inputs, const uint32_t *hidden,
				       uint32_t n_hidden, uint32_t F)
{
	struct sm_model *m = calloc(1, sizeof(*m));
	uint32_t n_in = n_inputs;

	m->kind = SM_MODEL_MLP;
	m->n_inputs = n_inputs;
	m->frac_bits = F;
	m->in_shift = 16;
	for (uint32_t i = 0; i < n_inputs; i++) {
		int32_t lo, hi;
		m->input[i] = (uint8_t)i;
		gen_feature_range(i, &lo, &hi);
		m->in_off[i] = lo + (hi - lo) / 128;
		/* (x - off) * mul >> 16 spans about 4 << F over the range's low 64th. */
		int64_t span = (hi - lo) / 64 + 1;
		m->in_mul[i] = (int32_t)(((int64_t)4 << F << 16) / span);
	}
	m->n_layers = n_hidden + 1;
	for (uint32_t l = 0; l <= n_hidden; l++) {
		struct sm_mlp_layer *L = &m->layer[l];
		uint32_t n_out = l < n_hidden ? hidden[l] : 1;
		int32_t wmax = (int32_t)((1 << F) * 2 / (n_in < 4 ? 2 : n_in / 2)); /* ~ 2/sqrt-ish */
		L->n_in = n_in;
		L->n_out = n_out;
		L->w = calloc((size_t)n_in * n_out, sizeof(*L->w));
		L->b = calloc(n_out, sizeof(*L->b));
		for (uint32_t k = 0; k < n_in * n_out; k++)
			L->w[k] = (int16_t)gen_range(s, -wmax, wmax);
		for (uint32_t j = 0; j < n_out; j++)
			L->b[j] = (int32_t)gen_range(s, -(1 << F) / 2, (1 << F) / 2);
		n_in = n_out;
	}
	m->name = strdup("random-mlp");
	return m;
}
