// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-point scorer (pure: no floating point, no allocation, no I/O, no globals other than a
 * constant table), its floating-point reference (tests and trainer only) and the explanation.
 *
 * Tree: walk from node 0, left when x <= threshold.
 * MLP:  q_i = sat16(((x_i - off_i) * mul_i) >> shift)                 (Q frac_bits)
 *       a_j = sat32(((sum_k w_jk * a_k) >> frac_bits) + b_j), ReLU on hidden layers
 *       (the layer shift rounds to nearest: + 2^(F-1) before >> F; int64 sums)
 * The reference computes the same integer inputs, then the layers in double and the real sigmoid.
 *       score = sigmoid(logit / 2^frac_bits) * 1000 via a 257-entry table over [-8, 8] with
 *       linear interpolation (table error < 0.05 permille; see docs/model.md for the bound).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* sigmoid(k/16 - 8) * 1000 * 256, k = 0..256 (generated with
 * python3 -c 'import math; print([round(256000/(1+math.exp(-(k/16-8)))) for k in range(257)])'). */
static const int32_t sigmoid_lut[257] = {
	86, 91, 97, 104, 110, 117, 125, 133,
	142, 151, 160, 171, 182, 193, 206, 219,
	233, 248, 264, 281, 299, 319, 339, 361,
	384, 409, 435, 463, 493, 525, 559, 595,
	633, 674, 717, 763, 812, 864, 920, 979,
	1042, 1109, 1180, 1256, 1336, 1422, 1513, 1610,
	1713, 1823, 1940, 2064, 2196, 2336, 2485, 2644,
	2813, 2992, 3183, 3385, 3600, 3829, 4072, 4330,
	4604, 4896, 5205, 5534, 5882, 6252, 6645, 7062,
	7504, 7973, 8470, 8997, 9556, 10148, 10774, 11438,
	12141, 12885, 13671, 14503, 15382, 16311, 17292, 18327,
	19420, 20572, 21785, 23064, 24409, 25825, 27313, 28876,
	30516, 32236, 34039, 35926, 37900, 39963, 42116, 44362,
	46701, 49135, 51664, 54290, 57011, 59829, 62742, 65749,
	68849, 72040, 75319, 78684, 82130, 85655, 89253, 92920,
	96650, 100438, 104277, 108161, 112083, 116035, 120010, 124001,
	128000, 131999, 135990, 139965, 143917, 147839, 151723, 155562,
	159350, 163080, 166747, 170345, 173870, 177316, 180681, 183960,
	187151, 190251, 193258, 196171, 198989, 201710, 204336, 206865,
	209299, 211638, 213884, 216037, 218100, 220074, 221961, 223764,
	225484, 227124, 228687, 230175, 231591, 232936, 234215, 235428,
	236580, 237673, 238708, 239689, 240618, 241497, 242329, 243115,
	243859, 244562, 245226, 245852, 246444, 247003, 247530, 248027,
	248496, 248938, 249355, 249748, 250118, 250466, 250795, 251104,
	251396, 251670, 251928, 252171, 252400, 252615, 252817, 253008,
	253187, 253356, 253515, 253664, 253804, 253936, 254060, 254177,
	254287, 254390, 254487, 254578, 254664, 254744, 254820, 254891,
	254958, 255021, 255080, 255136, 255188, 255237, 255283, 255326,
	255367, 255405, 255441, 255475, 255507, 255537, 255565, 255591,
	255616, 255639, 255661, 255681, 255701, 255719, 255736, 255752,
	255767, 255781, 255794, 255807, 255818, 255829, 255840, 255849,
	255858, 255867, 255875, 255883, 255890, 255896, 255903, 255909,
	255914,
};

static inline int32_t sat16(int64_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int32_t)v;
}

static inline int32_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* Score in 0..1000 of a Q(frac) logit. */
static int32_t sigmoid_fx(int32_t logit, uint32_t frac)
{
	int64_t z = frac >= 12 ? (int64_t)logit >> (frac - 12) : (int64_t)logit * ((int64_t)1 << (12 - frac)); /* Q12; a multiply: << of a negative is UB (fuzz_model) */
	int64_t idx, part, v;

	if (z <= -(8 << 12))
		return (sigmoid_lut[0] + 128) >> 8;
	if (z >= (8 << 12))
		return (sigmoid_lut[256] + 128) >> 8;
	z += 8 << 12;                     /* 0 .. 65535 */
	idx = z >> 8;                     /* table step 1/16 = 256 in Q12 */
	part = z & 255;
	v = sigmoid_lut[idx] + (((int64_t)(sigmoid_lut[idx + 1] - sigmoid_lut[idx]) * part) >> 8);
	v = (v + 128) >> 8;
	return (int32_t)(v < 0 ? 0 : v > SM_SCORE_MAX ? SM_SCORE_MAX : v);
}

/*
 * One output's weighted sum, int16 weights x int32 activations in int64: the MLP's hot loop.
 * Built twice (AVX2 and baseline x86-64, chosen at load time by the dynamic loader) because the
 * widening multiply only vectorises with AVX2; elsewhere the attribute is a no-op.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
static int64_t dot_w16_a32(const int16_t *w, const int32_t *a, uint32_t n)
{
	int64_t acc = 0;

	for (uint32_t k = 0; k < n; k++)
		acc += (int64_t)w[k] * a[k];
	return acc;
}

/* The model's integer input i (part of the model's definition, shared with the reference):
 * sat16(((x - off) * mul) >> shift), an arithmetic (flooring) shift, as the trainer assumes. */
static inline int32_t quant_input(const struct sm_model *m, const struct sm_fvec *fv, uint32_t i)
{
	int64_t x = ((int64_t)fv->v[m->input[i]] - m->in_off[i]) * m->in_mul[i];

	return sat16(x >> m->in_shift);
}

/* Run the MLP in fixed point; act0 gets the quantised inputs, hid the hidden activations. */
static int32_t mlp_forward(const struct sm_model *m, const struct sm_fvec *fv, int32_t *act0,
			   int32_t hid[][SM_MLP_MAX_WIDTH])
{
	int32_t a[SM_MLP_MAX_WIDTH], b[SM_MLP_MAX_WIDTH];
	uint32_t n = m->n_inputs, F = m->frac_bits;
	/* Layers round to nearest rather than floor: halves the error and removes its bias. */
	int64_t half = F ? (int64_t)1 << (F - 1) : 0;

	for (uint32_t i = 0; i < n; i++) {
		a[i] = quant_input(m, fv, i);
		if (act0)
			act0[i] = a[i];
	}
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const struct sm_mlp_layer *L = &m->layer[l];
		bool hidden = l + 1 < m->n_layers;
		for (uint32_t j = 0; j < L->n_out; j++) {
			int64_t acc = dot_w16_a32(&L->w[j * L->n_in], a, L->n_in);
			int32_t v = sat32(((acc + half) >> F) + L->b[j]);
			b[j] = hidden && v < 0 ? 0 : v;
		}
		memcpy(a, b, sizeof(int32_t) * L->n_out);
		if (hid && hidden)
			memcpy(hid[l], a, sizeof(int32_t) * L->n_out);
	}
	return a[0];
}

int32_t sm_score(const struct sm_model *m, const struct sm_fvec *fv)
{
	if (m->kind == SM_MODEL_TREE) {
		uint32_t i = 0;
		/* Bounded even for an unvalidated model. */
		for (int d = 0; d <= SM_TREE_MAX_DEPTH && i < m->n_nodes; d++) {
			const struct sm_tree_node *n = &m->nodes[i];
			if (n->feature < 0)
				return n->value;
			i = (uint32_t)(fv->v[m->input[n->feature]] <= n->threshold ? n->left : n->right);
		}
		return SM_SCORE_MAX / 2;
	}
	return sigmoid_fx(mlp_forward(m, fv, NULL, NULL), m->frac_bits);
}

double sm_score_ref(const struct sm_model *m, const struct sm_fvec *fv)
{
	if (m->kind == SM_MODEL_TREE) {
		uint32_t i = 0;
		for (int d = 0; d <= SM_TREE_MAX_DEPTH && i < m->n_nodes; d++) {
			const struct sm_tree_node *n = &m->nodes[i];
			if (n->feature < 0)
				return n->value;
			double x = fv->v[m->input[n->feature]];
			i = (uint32_t)(x <= (double)n->threshold ? n->left : n->right);
		}
		return SM_SCORE_MAX / 2;
	}
	double a[SM_MLP_MAX_WIDTH], b[SM_MLP_MAX_WIDTH], scale = ldexp(1.0, (int)m->frac_bits);
	for (uint32_t i = 0; i < m->n_inputs; i++) {
		a[i] = quant_input(m, fv, i) / scale; /* the model's integer input, as a real value */
	}
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const struct sm_mlp_layer *L = &m->layer[l];
		for (uint32_t j = 0; j < L->n_out; j++) {
			double acc = L->b[j] / scale;
			for (uint32_t k = 0; k < L->n_in; k++)
				acc += L->w[j * L->n_in + k] / scale * a[k];
			b[j] = l + 1 < m->n_layers && acc < 0 ? 0 : acc;
		}
		memcpy(a, b, sizeof(double) * L->n_out);
	}
	return SM_SCORE_MAX / (1.0 + exp(-a[0]));
}

static size_t append(char *buf, size_t len, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + (off < len ? off : len), off < len ? len - off : 0, fmt, ap);
	va_end(ap);
	return n > 0 ? off + (size_t)n : off;
}

static size_t explain_tree(const struct sm_model *m, const struct sm_fvec *fv, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t i = 0;

	for (int d = 0; d <= SM_TREE_MAX_DEPTH && i < m->n_nodes; d++) {
		const struct sm_tree_node *n = &m->nodes[i];
		char xs[48], ts[48];
		if (n->feature < 0)
			return append(buf, len, off, "%s-> %d", off ? " " : "", n->value);
		int f = m->input[n->feature];
		int32_t x = fv->v[f];
		bool left = x <= n->threshold;
		sm_feature_value_str(f, x, xs, sizeof(xs));
		sm_feature_value_str(f, n->threshold, ts, sizeof(ts));
		off = append(buf, len, off, "%s%s=%s %s %s", off ? ", " : "", sm_feature_table[f].name, xs,
			     left ? "<=" : ">", ts);
		i = (uint32_t)(left ? n->left : n->right);
	}
	return append(buf, len, off, " -> ?");
}

/*
 * MLP: contribution of input i = q_i * d(logit)/d(q_i), the exact gradient of the piecewise-linear
 * network at this point (active ReLUs fixed), in logit units. Gradient x input: the contributions
 * plus the bias path sum to the logit. Top 3 by magnitude.
 */
static size_t explain_mlp(const struct sm_model *m, const struct sm_fvec *fv, char *buf, size_t len)
{
	int32_t act0[SM_MLP_MAX_WIDTH], hid[SM_MLP_MAX_LAYERS][SM_MLP_MAX_WIDTH];
	double g[SM_MLP_MAX_WIDTH], gn[SM_MLP_MAX_WIDTH], contrib[SM_NR_FEATURES];
	double scale = ldexp(1.0, (int)m->frac_bits);
	int32_t logit = mlp_forward(m, fv, act0, hid);
	size_t off = 0;
	bool used[SM_NR_FEATURES] = { false };

	g[0] = 1.0;
	for (int l = (int)m->n_layers - 1; l >= 0; l--) {
		const struct sm_mlp_layer *L = &m->layer[l];
		for (uint32_t k = 0; k < L->n_in; k++) {
			double s = 0;
			if (l > 0 && hid[l - 1][k] <= 0) {
				gn[k] = 0; /* inactive ReLU */
				continue;
			}
			for (uint32_t j = 0; j < L->n_out; j++)
				s += g[j] * L->w[j * L->n_in + k] / scale;
			gn[k] = s;
		}
		memcpy(g, gn, sizeof(double) * L->n_in);
	}
	for (uint32_t i = 0; i < m->n_inputs; i++)
		contrib[i] = g[i] * act0[i] / scale;
	for (int t = 0; t < 3 && t < (int)m->n_inputs; t++) {
		int best = -1;
		for (uint32_t i = 0; i < m->n_inputs; i++)
			if (!used[i] && (best < 0 || fabs(contrib[i]) > fabs(contrib[best])))
				best = (int)i;
		used[best] = true;
		char xs[48];
		int f = m->input[best];
		sm_feature_value_str(f, fv->v[f], xs, sizeof(xs));
		off = append(buf, len, off, "%s%s=%s (%+.2f)", t ? ", " : "", sm_feature_table[f].name, xs,
			     contrib[best]);
	}
	return append(buf, len, off, " -> %d (logit %.2f)", sigmoid_fx(logit, m->frac_bits),
		      logit / scale);
}

size_t sm_explain(const struct sm_model *m, const struct sm_fvec *fv, char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
	if (!m || !fv)
		return 0;
	return m->kind == SM_MODEL_TREE ? explain_tree(m, fv, buf, len) : explain_mlp(m, fv, buf, len);
}
