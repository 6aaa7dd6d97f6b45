/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Training: a labelled dataset of feature vectors built from replayed traces (the daemon's own
 * extractor), a CART decision tree and a small MLP, both producing a fixed-point struct sm_model.
 * Binary task: class SM_CLASS_INTERACTIVE (positive, score -> SM_SCORE_MAX) vs SM_CLASS_BATCH.
 * Everything here is deterministic: same data, options and seed -> same model, bit for bit.
 * No I/O: progress goes through a callback; errors are -errno with a message in err.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature.h"
#include "model.h"

struct sm_replay;

/* ---- dataset ---------------------------------------------------------------------------- */

struct sm_dataset {
	size_t n, cap;
	int32_t *x;        /* n x SM_NR_FEATURES, fixed-point feature values (struct sm_fvec layout) */
	uint8_t *y;        /* enum sm_class: SM_CLASS_INTERACTIVE or SM_CLASS_BATCH */
	uint32_t *group;   /* index into groups[]: the program (comm) the vector came from */
	char **groups;
	size_t n_groups, groups_cap;
	uint64_t count[SM_NR_CLASSES]; /* vectors per class */
	/* sm_dataset_add_tick: skip processes first seen less than this before the tick (their
	 * window is mostly empty: a process that lived 50 ms says little about its class). */
	uint64_t min_age_ns;
	uint64_t skipped_young;        /* vectors skipped for that */
};

void sm_dataset_init(struct sm_dataset *d);
void sm_dataset_fini(struct sm_dataset *d); /* accepts a zeroed dataset */
/* Append one vector. cls must be SM_CLASS_INTERACTIVE or SM_CLASS_BATCH. -errno. */
int sm_dataset_add(struct sm_dataset *d, const struct sm_fvec *fv, int cls, const char *group);
/* Replay tick hook: add every labelled process entity of ft that had activity since the
 * previous tick. Returns vectors added or -errno. */
int sm_dataset_add_tick(struct sm_dataset *d, const struct sm_replay *rp, const struct sm_ftable *ft,
			uint64_t now_ns);
/* Replay one trace file into d (default feature config). err gets "FILE:LINE: problem". */
int sm_dataset_load_trace(struct sm_dataset *d, const char *path, const struct sm_fconfig *fcfg,
			  char *err, size_t errlen);
static inline bool sm_dataset_positive(const struct sm_dataset *d, size_t i)
{
	return d->y[i] == SM_CLASS_INTERACTIVE;
}

/* ---- common ----------------------------------------------------------------------------- */

/* Small deterministic PRNG (splitmix64 seeding, xoshiro256** output). */
struct sm_rng {
	uint64_t s[4];
};
void sm_rng_seed(struct sm_rng *r, uint64_t seed);
uint64_t sm_rng_next(struct sm_rng *r);
double sm_rng_uniform(struct sm_rng *r);       /* [0, 1) */
double sm_rng_normal(struct sm_rng *r);        /* N(0, 1) */
void sm_rng_shuffle(struct sm_rng *r, size_t *a, size_t n);

/* Which features a model reads (its "inputs"). */
struct sm_inputs {
	uint32_t n;
	uint8_t idx[SM_NR_FEATURES];
};
/* Default inputs: features describing the task's own behaviour: cpu_share(_ewma), run bursts,
 * sleep_mean, wait_freq, vol_ratio. Left out: nice/policy (schedml changes them itself: a
 * feedback loop), system-wide context and run-queue latency (they describe the host's load and
 * the scheduler's treatment of the task, which schedml changes, not the task), wake_freq (the
 * waker of an interrupt-driven wakeup is whoever was running: pure CPU hogs score high), thread
 * count and kthread (constant within most programs: they identify programs, not behaviour). */
void sm_inputs_default(struct sm_inputs *in);
/* "cpu_share,vol_ratio,..." or "all" or "default". -EINVAL/-ENOENT with err naming the feature. */
int sm_inputs_parse(const char *s, struct sm_inputs *in, char *err, size_t errlen);

typedef void (*sm_progress_fn)(void *ctx, const char *stage, uint64_t done, uint64_t total);

/* Per-sample training weights, indexed by dataset row (rows not in idx get 0): class weights
 * (balanced: n / (2 * n_class)) times an optional per-group balance (each program within its
 * class gets the same total weight), normalised so the weights of idx sum to n. */
int sm_sample_weights(const struct sm_dataset *d, const size_t *idx, size_t n, bool balance_classes,
		      bool balance_groups, double **out);

/* ---- CART decision tree ----------------------------------------------------------------- */

enum sm_criterion { SM_CRIT_GINI = 0, SM_CRIT_ENTROPY = 1 };

struct sm_tree_opts {
	enum sm_criterion criterion;
	uint32_t max_depth;       /* 1..SM_TREE_MAX_DEPTH (default 6) */
	uint32_t min_leaf;        /* samples per leaf at least (default 20) */
	double min_gain;          /* weighted impurity decrease per unit weight to split (default 1e-7) */
	sm_progress_fn progress;
	void *progress_ctx;
};
void sm_tree_opts_default(struct sm_tree_opts *o);

/*
 * Train on the samples idx[0..n) of d with weights w indexed by dataset row (NULL: all 1). Thresholds are integers in
 * the feature's fixed-point units (go left when x <= threshold); leaf value = weighted share of
 * interactive samples * SM_SCORE_MAX, rounded. Ties between equally good splits go to the lower
 * input index, then the lower threshold. -errno.
 */
int sm_train_tree(const struct sm_dataset *d, const size_t *idx, size_t n, const double *w,
		  const struct sm_inputs *in, const struct sm_tree_opts *o, struct sm_model **out,
		  char *err, size_t errlen);

/* ---- MLP -------------------------------------------------------------------------------- */

struct sm_mlp_opts {
	uint32_t n_hidden;                 /* hidden layers, 1..SM_MLP_MAX_LAYERS-1 (default 2) */
	uint32_t hidden[SM_MLP_MAX_LAYERS]; /* widths, each 1..SM_MLP_MAX_WIDTH (default 16,16) */
	uint32_t epochs;                   /* at most (default 60) */
	uint32_t batch;                    /* mini-batch size (default 64) */
	uint32_t patience;                 /* early stopping: epochs without val improvement (default 8) */
	double lr;                         /* Adam learning rate (default 3e-3) */
	double l2;                         /* weight decay (default 1e-4) */
	uint64_t seed;
	uint32_t frac_bits;                /* fixed point of weights/activations (default 10) */
	sm_progress_fn progress;
	void *progress_ctx;
};
void sm_mlp_opts_default(struct sm_mlp_opts *o);

struct sm_mlp_report {
	uint32_t epochs_run, best_epoch;
	double train_loss, val_loss;      /* weighted BCE at the best epoch */
	double float_train_acc, float_val_acc;
	uint64_t agree, compared;         /* float vs quantised (sm_score) class agreement, all samples */
	int32_t max_score_diff;           /* largest |float score - sm_score| seen */
};

/*
 * Train on train_idx with early stopping on val_idx (may be empty: then the last epoch is kept),
 * weights w indexed by dataset row (NULL: all 1). Inputs are standardised with a robust
 * mean/std (winsorised at the 1st/99th percentile) that maps exactly onto the model's
 * in_off/in_mul/in_shift; the float network is trained on the exact quantised inputs, then
 * weights are quantised to int16 Q(frac_bits) and checked against sm_score().
 */
int sm_train_mlp(const struct sm_dataset *d, const size_t *train_idx, size_t n_train,
		 const size_t *val_idx, size_t n_val, const double *w, const struct sm_inputs *in,
		 const struct sm_mlp_opts *o, struct sm_model **out, struct sm_mlp_report *rep,
		 char *err, size_t errlen);

/* ---- evaluation helpers ----------------------------------------------------------------- */

/* Confusion matrix of a model on samples: cm[true][pred], class 0 = batch, 1 = interactive,
 * predicted interactive when sm_score >= SM_SCORE_MAX / 2. Also counts sm_score vs
 * sm_score_ref class agreement. */
struct sm_confusion {
	uint64_t cm[2][2];
	uint64_t agree, compared;
};
void sm_model_confusion(const struct sm_model *m, const struct sm_dataset *d, const size_t *idx,
			size_t n, struct sm_confusion *c);
double sm_confusion_accuracy(const struct sm_confusion *c);
