// SPDX-License-Identifier: GPL-2.0
/*
 * CART decision tree, grown breadth first. Each input is sorted once (by value, then by sample
 * position, so the order is total and deterministic); every level then costs one linear scan
 * per input over all samples, updating each frontier node's running left-side statistics
 * (the SLIQ scheme). O(inputs * n log n + depth * inputs * n) time, O(inputs * n) memory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"
#include "util.h"

void sm_tree_opts_default(struct sm_tree_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->criterion = SM_CRIT_GINI;
	o->max_depth = 6;
	o->min_leaf = 20;
	o->min_gain = 1e-7;
}

struct node_stat {
	double w[2];        /* weight per class (0 batch, 1 interactive) */
	uint64_t cnt;
	uint32_t depth;
	bool open;          /* on the frontier and worth trying to split */
	/* best split found this level */
	double best_gain;
	int32_t best_f;
	int32_t best_thr;
	/* running left side during a scan */
	double lw[2];
	uint64_t lcnt;
	int32_t last;
	bool has_last;
};

static double impurity(enum sm_criterion c, double w0, double w1)
{
	double t = w0 + w1, p0, p1;

	if (t <= 0)
		return 0;
	p0 = w0 / t;
	p1 = w1 / t;
	if (c == SM_CRIT_ENTROPY) {
		double h = 0;

		if (p0 > 0)
			h -= p0 * log2(p0);
		if (p1 > 0)
			h -= p1 * log2(p1);
		return h;
	}
	return 1.0 - p0 * p0 - p1 * p1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int32_t leaf_value(const struct node_stat *s)
{
	double t = s->w[0] + s->w[1];

	if (t <= 0)
		return SM_SCORE_MAX / 2;
	return (int32_t)lround(SM_SCORE_MAX * s->w[1] / t);
}

int sm_train_tree(const struct sm_dataset *d, const size_t *idx, size_t n, const double *w,
		  const struct sm_inputs *in, const struct sm_tree_opts *o, struct sm_model **out,
		  char *err, size_t errlen)
{
	const uint32_t F = in->n, max_nodes = SM_TREE_MAX_NODES;
	_cleanup_free_ uint32_t *sorted = NULL; /* F x n sample positions */
	_cleanup_free_ int32_t *node_of = NULL;  /* per position: open node, or -1 */
	_cleanup_free_ int64_t *keys = NULL;
	_cleanup_free_ struct node_stat *st = NULL;
	_cleanup_free_ struct sm_tree_node *nodes = NULL;
	struct sm_model *m;
	uint32_t n_nodes = 1, level_first = 0, level_end = 1;
	double wroot;

	if (n == 0 || n > UINT32_MAX || F == 0 || F > SM_NR_FEATURES) {
		snprintf(err, errlen, n == 0 ? "no training samples" : "bad input set");
		return -EINVAL;
	}
	if (o->max_depth < 1 || o->max_depth > SM_TREE_MAX_DEPTH || o->min_leaf < 1) {
		snprintf(err, errlen, "max depth must be 1..%d and min leaf >= 1", SM_TREE_MAX_DEPTH);
		return -EINVAL;
	}
	sorted = malloc((size_t)F * n * sizeof(*sorted));
	node_of = calloc(n, sizeof(*node_of));
	keys = malloc(n * sizeof(*keys));
	st = calloc(max_nodes, sizeof(*st));
	nodes = calloc(max_nodes, sizeof(*nodes));
	if (!sorted || !node_of || !keys || !st || !nodes)
		return -ENOMEM;

#define X(pos, f) (d->x[idx[pos] * SM_NR_FEATURES + in->idx[f]])
#define W(pos) (w ? w[idx[pos]] : 1.0)
#define Y(pos) (d->y[idx[pos]] == SM_CLASS_INTERACTIVE)

	for (uint32_t f = 0; f < F; f++) {
		for (size_t p = 0; p < n; p++)
			keys[p] = (int64_t)X(p, f) * ((int64_t)1 << 32) + (int64_t)p;
		qsort(keys, n, sizeof(*keys), cmp_i64);
		for (size_t p = 0; p < n; p++)
			sorted[(size_t)f * n + p] = (uint32_t)(keys[p] & 0xffffffffu);
		if (o->progress)
			o->progress(o->progress_ctx, "tree: sorting", f + 1, F);
	}
	free(TAKE_PTR(keys));

	for (size_t p = 0; p < n; p++) {
		st[0].w[Y(p)] += W(p);
		st[0].cnt++;
	}
	wroot = st[0].w[0] + st[0].w[1];
	if (wroot <= 0) {
		snprintf(err, errlen, "all sample weights are zero");
		return -EINVAL;
	}

	for (uint32_t depth = 0;; depth++) {
		uint32_t n_open = 0, split_any = 0;

		for (uint32_t k = level_first; k < level_end; k++) {
			struct node_stat *s = &st[k];

			s->depth = depth;
			s->open = depth < o->max_depth && s->cnt >= 2ull * o->min_leaf && s->w[0] > 0 &&
				  s->w[1] > 0;
			s->best_gain = 0;
			s->best_f = -1;
			n_open += s->open;
		}
		if (n_open == 0)
			break;
		for (uint32_t f = 0; f < F; f++) {
			const uint32_t *sf = sorted + (size_t)f * n;

			for (uint32_t k = level_first; k < level_end; k++) {
				st[k].lw[0] = st[k].lw[1] = 0;
				st[k].lcnt = 0;
				st[k].has_last = false;
			}
			for (size_t q = 0; q < n; q++) {
				uint32_t p = sf[q];
				int32_t nd = node_of[p], v;
				struct node_stat *s;

				if (nd < 0 || !st[nd].open)
					continue;
				s = &st[nd];
				v = X(p, f);
				if (s->has_last && v != s->last && s->lcnt >= o->min_leaf &&
				    s->cnt - s->lcnt >= o->min_leaf) {
					double r0 = s->w[0] - s->lw[0], r1 = s->w[1] - s->lw[1];
					double lt = s->lw[0] + s->lw[1], rt = r0 + r1;
					double gain = (lt + rt) * impurity(o->criterion, s->w[0], s->w[1]) -
						      lt * impurity(o->criterion, s->lw[0], s->lw[1]) -
						      rt * impurity(o->criterion, r0, r1);

					if (gain > s->best_gain) {
						s->best_gain = gain;
						s->best_f = (int32_t)f;
						/* floor midpoint: last <= thr < v */
						s->best_thr = (int32_t)(((int64_t)s->last + (int64_t)v) >> 1);
					}
				}
				s->lw[Y(p)] += W(p);
				s->lcnt++;
				s->last = v;
				s->has_last = true;
			}
		}
		/* Split the nodes whose best gain is worth it, while node slots last. */
		for (uint32_t k = level_first; k < level_end; k++) {
			struct node_stat *s = &st[k];

			nodes[k].feature = -1;
			if (!s->open || s->best_f < 0 || s->best_gain <= o->min_gain * wroot ||
			    n_nodes + 2 > max_nodes) {
				s->open = false;
				continue;
			}
			nodes[k].feature = s->best_f;
			nodes[k].threshold = s->best_thr;
			nodes[k].left = (int32_t)n_nodes;
			nodes[k].right = (int32_t)n_nodes + 1;
			memset(&st[n_nodes], 0, 2 * sizeof(*st));
			n_nodes += 2;
			split_any = 1;
		}
		if (!split_any)
			break;
		for (size_t p = 0; p < n; p++) {
			int32_t nd = node_of[p], c;

			if (nd < 0)
				continue;
			if (!st[nd].open) {
				node_of[p] = -1; /* settled in a leaf */
				continue;
			}
			c = X(p, nodes[nd].feature) <= nodes[nd].threshold ? nodes[nd].left : nodes[nd].right;
			node_of[p] = c;
			st[c].w[Y(p)] += W(p);
			st[c].cnt++;
		}
		level_first = level_end;
		level_end = n_nodes;
		if (o->progress)
			o->progress(o->progress_ctx, "tree: levels", depth + 1, o->max_depth);
	}
#undef X
#undef W
#undef Y

	for (uint32_t k = 0; k < n_nodes; k++) {
		if (k >= level_first && k < level_end && nodes[k].left == 0)
			nodes[k].feature = -1; /* last level: never examined */
		nodes[k].value = leaf_value(&st[k]);
		if (nodes[k].feature < 0) {
			nodes[k].threshold = 0;
			nodes[k].left = nodes[k].right = -1;
		}
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->kind = SM_MODEL_TREE;
	m->n_inputs = F;
	memcpy(m->input, in->idx, F);
	m->n_nodes = n_nodes;
	m->nodes = realloc(TAKE_PTR(nodes), n_nodes * sizeof(*m->nodes));
	if (!m->nodes) {
		sm_model_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}
