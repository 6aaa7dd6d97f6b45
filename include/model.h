/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Models and the fixed-point scorer. A model maps a feature vector to a latency-criticality
 * score in [0, SM_SCORE_MAX]: SM_SCORE_MAX = surely interactive, 0 = surely batch.
 * sm_score() is pure: no floating point, no allocation, no I/O, no globals.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "feature.h"

#define SM_MODEL_FORMAT_VERSION 1
#define SM_SCORE_MAX 1000
#define SM_TREE_MAX_NODES 8191
#define SM_TREE_MAX_DEPTH 24
#define SM_MLP_MAX_LAYERS 4     /* up to 3 hidden layers + the output layer */
#define SM_MLP_MAX_WIDTH 64

enum sm_model_kind {
	SM_MODEL_TREE = 1,
	SM_MODEL_MLP = 2,
};

struct sm_tree_node {
	int32_t feature;   /* model input index (0..n_inputs-1); -1 for a leaf */
	int32_t threshold; /* go left when x <= threshold (feature's fixed-point units) */
	int32_t left;      /* node index */
	int32_t right;     /* node index */
	int32_t value;     /* leaf: score 0..SM_SCORE_MAX */
};

struct sm_mlp_layer {
	uint32_t n_in, n_out;
	int16_t *w;        /* n_out x n_in, row-major, Q(frac_bits) */
	int32_t *b;        /* n_out, Q(frac_bits) */
};

struct sm_model {
	enum sm_model_kind kind;
	uint32_t n_inputs;
	uint8_t input[SM_NR_FEATURES];   /* model input i reads fv->v[input[i]] */
	/* MLP input normalisation: q_i = sat16(((x_i - in_off[i]) * in_mul[i]) >> in_shift), Q(frac_bits) */
	int32_t in_off[SM_NR_FEATURES];
	int32_t in_mul[SM_NR_FEATURES];
	uint32_t in_shift;
	uint32_t frac_bits;              /* MLP fixed point: weights, biases, activations */
	/* tree */
	uint32_t n_nodes;
	struct sm_tree_node *nodes;
	/* mlp: hidden layers ReLU; last layer has one output, a logit; score = sigmoid(logit) * 1000 */
	uint32_t n_layers;
	struct sm_mlp_layer layer[SM_MLP_MAX_LAYERS];
	/* metadata, kept verbatim and written back */
	char *name;
	char *description;
	char *provenance_json;           /* JSON object text */
};

/* Load and validate. On error returns -errno and writes one line "FILE: FIELD: problem" to err. */
int sm_model_load_file(const char *path, struct sm_model **out, char *err, size_t errlen);
int sm_model_load_string(const char *json, const char *origin, struct sm_model **out, char *err,
			 size_t errlen);
/* Validate an in-memory model (the trainer calls this before writing). */
int sm_model_validate(const struct sm_model *m, char *err, size_t errlen);
/* Deterministic JSON (same model -> same bytes). -errno. */
int sm_model_write_file(const struct sm_model *m, const char *path);
char *sm_model_to_json(const struct sm_model *m); /* malloc'd; NULL on ENOMEM */
void sm_model_free(struct sm_model *m); /* accepts NULL */

/* The fixed-point scorer: pure, no FP, no malloc. */
int32_t sm_score(const struct sm_model *m, const struct sm_fvec *fv);
/* Floating-point reference (tests, trainer): same semantics computed in double. */
double sm_score_ref(const struct sm_model *m, const struct sm_fvec *fv);
/* Explanation: decision path for a tree, top contributing inputs for an MLP. Returns length. */
size_t sm_explain(const struct sm_model *m, const struct sm_fvec *fv, char *buf, size_t len);
