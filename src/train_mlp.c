// SPDX-License-Identifier: GPL-2.0
/*
 * Small MLP: ReLU hidden layers, one logit output, weighted binary cross-entropy, Adam on
 * mini-batches, early stopping on a validation set, deterministic (own PRNG, fixed order of
 * every floating-point reduction). The network is trained on the model's exact fixed-point
 * input normalisation, then quantised to int16 Q(frac_bits) and checked against sm_score().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"
#include "util.h"

#define IN_SHIFT 16

void sm_mlp_opts_default(struct sm_mlp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->n_hidden = 2;
	o->hidden[0] = 16;
	o->hidden[1] = 16;
	o->epochs = 60;
	o->batch = 64;
	o->patience = 8;
	o->lr = 3e-3;
	o->l2 = 1e-4;
	o->seed = 1;
	o->frac_bits = 10;
}

struct net {
	uint32_t n_layers;
	uint32_t n_in[SM_MLP_MAX_LAYERS], n_out[SM_MLP_MAX_LAYERS];
	double *w[SM_MLP_MAX_LAYERS], *b[SM_MLP_MAX_LAYERS];
	size_t n_params;
	double *params; /* every w and b, contiguous: the views above point into it */
};

static void net_free(struct net *nt)
{
	free(nt->params);
}

static int net_alloc(struct net *nt, uint32_t n_inputs, const struct sm_mlp_opts *o)
{
	size_t off = 0;

	memset(nt, 0, sizeof(*nt));
	nt->n_layers = o->n_hidden + 1;
	for (uint32_t l = 0; l < nt->n_layers; l++) {
		nt->n_in[l] = l ? o->hidden[l - 1] : n_inputs;
		nt->n_out[l] = l < o->n_hidden ? o->hidden[l] : 1;
		nt->n_params += (size_t)nt->n_in[l] * nt->n_out[l] + nt->n_out[l];
	}
	nt->params = calloc(nt->n_params, sizeof(double));
	if (!nt->params)
		return -ENOMEM;
	for (uint32_t l = 0; l < nt->n_layers; l++) {
		nt->w[l] = nt->params + off;
		off += (size_t)nt->n_in[l] * nt->n_out[l];
		nt->b[l] = nt->params + off;
		off += nt->n_out[l];
	}
	return 0;
}

/* Forward pass; act[l] holds layer l's output (act[-1] is the input). Returns the logit. */
static double net_forward(const struct net *nt, const double *x, double act[][SM_MLP_MAX_WIDTH])
{
	const double *a = x;

	for (uint32_t l = 0; l < nt->n_layers; l++) {
		bool last = l + 1 == nt->n_layers;

		for (uint32_t j = 0; j < nt->n_out[l]; j++) {
			const double *wr = nt->w[l] + (size_t)j * nt->n_in[l];
			double s = nt->b[l][j];

			for (uint32_t i = 0; i < nt->n_in[l]; i++)
				s += wr[i] * a[i];
			act[l][j] = last || s > 0 ? s : 0;
		}
		a = act[l];
	}
	return act[nt->n_layers - 1][0];
}

static double sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* Weighted BCE from a logit, stable. */
static double bce(double z, int y)
{
	double l = log1p(exp(-fabs(z))) + (z > 0 ? z : 0);

	return l - (y ? z : 0);
}

/* The scorer's input normalisation, bit for bit: q = sat16(((x - off) * mul) >> shift). */
static double norm_input(int32_t x, int32_t off, int32_t mul, uint32_t frac_bits)
{
	int64_t q = (((int64_t)x - off) * mul) >> IN_SHIFT;

	if (q > INT16_MAX)
		q = INT16_MAX;
	if (q < INT16_MIN)
		q = INT16_MIN;
	return (double)q / (double)(1u << frac_bits);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Robust standardisation of one input: mean/std of values winsorised at p1/p99, over at most
 * 65536 evenly spaced training samples. */
static int fit_input(const struct sm_dataset *d, const size_t *idx, size_t n, uint32_t feat,
		     uint32_t frac_bits, int32_t *off, int32_t *mul)
{
	size_t m = n < 65536 ? n : 65536;
	_cleanup_free_ int32_t *v = malloc((m ? m : 1) * sizeof(int32_t));
	double lo, hi, mean = 0, var = 0, sd, mf;

	if (!v)
		return -ENOMEM;
	for (size_t k = 0; k < m; k++)
		v[k] = d->x[idx[(size_t)((double)k * n / m)] * SM_NR_FEATURES + feat];
	qsort(v, m, sizeof(*v), cmp_i32);
	lo = v[(size_t)(0.01 * (m - 1))];
	hi = v[(size_t)(0.99 * (m - 1))];
	for (size_t k = 0; k < m; k++)
		mean += fmin(fmax(v[k], lo), hi);
	mean /= m;
	for (size_t k = 0; k < m; k++) {
		double t = fmin(fmax(v[k], lo), hi) - mean;

		var += t * t;
	}
	sd = sqrt(var / m);
	if (sd < 1)
		sd = 1; /* features are integers: one unit is the finest step */
	*off = (int32_t)lround(mean);
	mf = ldexp(1.0, (int)(frac_bits + IN_SHIFT)) / sd;
	*mul = mf > INT32_MAX ? INT32_MAX : mf < 1 ? 1 : (int32_t)lround(mf);
	return 0;
}

int sm_train_mlp(const struct sm_dataset *d, const size_t *train_idx, size_t n_train,
		 const size_t *val_idx, size_t n_val, const double *w, const struct sm_inputs *in,
		 const struct sm_mlp_opts *o, struct sm_model **out, struct sm_mlp_report *rep,
		 char *err, size_t errlen)
{
	const uint32_t F = in->n;
	const double wmax = (double)INT16_MAX / (1u << o->frac_bits);
	struct net nt = { 0 }, best = { 0 };
	_cleanup_free_ double *z = NULL;     /* normalised inputs, indexed by dataset row */
	_cleanup_free_ size_t *order = NULL;
	_cleanup_free_ double *grad = NULL, *m1 = NULL, *m2 = NULL;
	int32_t off[SM_NR_FEATURES], mul[SM_NR_FEATURES];
	double act[SM_MLP_MAX_LAYERS][SM_MLP_MAX_WIDTH], delta[SM_MLP_MAX_LAYERS][SM_MLP_MAX_WIDTH];
	double best_loss = INFINITY, b1t = 1, b2t = 1;
	struct sm_model *m = NULL;
	struct sm_rng rng;
	uint32_t bad_epochs = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (n_train == 0 || F == 0 || F > SM_NR_FEATURES) {
		snprintf(err, errlen, n_train ? "bad input set" : "no training samples");
		return -EINVAL;
	}
	if (o->n_hidden < 1 || o->n_hidden >= SM_MLP_MAX_LAYERS || o->batch < 1 || o->epochs < 1 ||
	    o->frac_bits < 4 || o->frac_bits > 14 || F > SM_MLP_MAX_WIDTH) {
		snprintf(err, errlen, "hidden layers must be 1..%d, batch/epochs >= 1, frac bits 4..14",
			 SM_MLP_MAX_LAYERS - 1);
		return -EINVAL;
	}
	for (uint32_t l = 0; l < o->n_hidden; l++) {
		if (o->hidden[l] < 1 || o->hidden[l] > SM_MLP_MAX_WIDTH) {
			snprintf(err, errlen, "hidden layer width must be 1..%d", SM_MLP_MAX_WIDTH);
			return -EINVAL;
		}
	}

	for (uint32_t f = 0; f < F; f++) {
		r = fit_input(d, train_idx, n_train, in->idx[f], o->frac_bits, &off[f], &mul[f]);
		if (r < 0)
			return r;
	}
	z = malloc(d->n * F * sizeof(*z));
	order = malloc(n_train * sizeof(*order));
	if (!z || !order)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		for (uint32_t f = 0; f < F; f++)
			z[i * F + f] = norm_input(d->x[i * SM_NR_FEATURES + in->idx[f]], off[f], mul[f],
						  o->frac_bits);

	r = net_alloc(&nt, F, o);
	if (r < 0)
		goto out;
	r = net_alloc(&best, F, o);
	if (r < 0)
		goto out;
	grad = calloc(nt.n_params, sizeof(double));
	m1 = calloc(nt.n_params, sizeof(double));
	m2 = calloc(nt.n_params, sizeof(double));
	if (!grad || !m1 || !m2) {
		r = -ENOMEM;
		goto out;
	}
	sm_rng_seed(&rng, o->seed);
	for (uint32_t l = 0; l < nt.n_layers; l++) { /* He initialisation */
		double sd = sqrt(2.0 / nt.n_in[l]);

		for (size_t k = 0; k < (size_t)nt.n_in[l] * nt.n_out[l]; k++)
			nt.w[l][k] = sd * sm_rng_normal(&rng);
		for (uint32_t j = 0; j < nt.n_out[l]; j++)
			nt.b[l][j] = l + 1 < nt.n_layers ? 0.01 : 0;
	}
	memcpy(best.params, nt.params, nt.n_params * sizeof(double));
	memcpy(order, train_idx, n_train * sizeof(*order));

	for (uint32_t ep = 0; ep < o->epochs; ep++) {
		double tloss = 0, twsum = 0, vloss = 0, vwsum = 0;

		sm_rng_shuffle(&rng, order, n_train);
		for (size_t b0 = 0; b0 < n_train; b0 += o->batch) {
			size_t b1 = b0 + o->batch < n_train ? b0 + o->batch : n_train;
			double bw = 0;

			memset(grad, 0, nt.n_params * sizeof(double));
			for (size_t k = b0; k < b1; k++) {
				size_t i = order[k];
				const double *x = z + i * F;
				double sw = w ? w[i] : 1.0, logit = net_forward(&nt, x, act);
				int y = sm_dataset_positive(d, i);

				tloss += sw * bce(logit, y);
				twsum += sw;
				bw += sw;
				delta[nt.n_layers - 1][0] = sw * (sigmoid(logit) - y);
				for (uint32_t l = nt.n_layers; l-- > 0;) {
					const double *a = l ? act[l - 1] : x;
					double *gw = grad + (nt.w[l] - nt.params);
					double *gb = grad + (nt.b[l] - nt.params);

					for (uint32_t j = 0; j < nt.n_out[l]; j++) {
						double dj = delta[l][j];

						if (dj == 0)
							continue;
						gb[j] += dj;
						for (uint32_t q = 0; q < nt.n_in[l]; q++)
							gw[(size_t)j * nt.n_in[l] + q] += dj * a[q];
					}
					if (l == 0)
						break;
					for (uint32_t q = 0; q < nt.n_in[l]; q++) {
						double s = 0;

						if (act[l - 1][q] <= 0) {
							delta[l - 1][q] = 0;
							continue;
						}
						for (uint32_t j = 0; j < nt.n_out[l]; j++)
							s += nt.w[l][(size_t)j * nt.n_in[l] + q] * delta[l][j];
						delta[l - 1][q] = s;
					}
				}
			}
			if (bw <= 0)
				continue;
			/* Adam step on the weighted-mean gradient plus L2 on weights (not biases). */
			b1t *= 0.9;
			b2t *= 0.999;
			for (uint32_t l = 0; l < nt.n_layers; l++) {
				size_t ws = nt.w[l] - nt.params, nw = (size_t)nt.n_in[l] * nt.n_out[l];

				for (size_t k = ws; k < ws + nw; k++)
					grad[k] = grad[k] / bw + o->l2 * nt.params[k];
				for (size_t k = ws + nw; k < ws + nw + nt.n_out[l]; k++)
					grad[k] /= bw;
			}
			for (size_t k = 0; k < nt.n_params; k++) {
				double mh, vh;

				m1[k] = 0.9 * m1[k] + 0.1 * grad[k];
				m2[k] = 0.999 * m2[k] + 0.001 * grad[k] * grad[k];
				mh = m1[k] / (1 - b1t);
				vh = m2[k] / (1 - b2t);
				nt.params[k] -= o->lr * mh / (sqrt(vh) + 1e-8);
			}
			/* Keep weights representable in int16 Q(frac_bits). */
			for (uint32_t l = 0; l < nt.n_layers; l++)
				for (size_t k = 0; k < (size_t)nt.n_in[l] * nt.n_out[l]; k++)
					nt.w[l][k] = fmin(fmax(nt.w[l][k], -wmax), wmax);
		}
		for (size_t k = 0; k < n_val; k++) {
			size_t i = val_idx[k];
			double sw = w ? w[i] : 1.0;

			vloss += sw * bce(net_forward(&nt, z + i * F, act), sm_dataset_positive(d, i));
			vwsum += sw;
		}
		tloss = twsum > 0 ? tloss / twsum : 0;
		vloss = n_val ? (vwsum > 0 ? vloss / vwsum : 0) : tloss;
		rep->epochs_run = ep + 1;
		if (vloss < best_loss - 1e-6 || ep == 0) {
			best_loss = vloss;
			rep->best_epoch = ep + 1;
			rep->train_loss = tloss;
			rep->val_loss = vloss;
			memcpy(best.params, nt.params, nt.n_params * sizeof(double));
			bad_epochs = 0;
		} else if (n_val && ++bad_epochs >= o->patience) {
			break;
		}
		if (o->progress)
			o->progress(o->progress_ctx, "mlp: epochs", ep + 1, o->epochs);
	}
	if (!n_val) { /* no validation set: keep the last epoch */
		memcpy(best.params, nt.params, nt.n_params * sizeof(double));
		rep->best_epoch = rep->epochs_run;
	}

	/* Quantise. */
	m = calloc(1, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	m->kind = SM_MODEL_MLP;
	m->n_inputs = F;
	memcpy(m->input, in->idx, F);
	memcpy(m->in_off, off, F * sizeof(*off));
	memcpy(m->in_mul, mul, F * sizeof(*mul));
	m->in_shift = IN_SHIFT;
	m->frac_bits = o->frac_bits;
	m->n_layers = best.n_layers;
	for (uint32_t l = 0; l < best.n_layers; l++) {
		struct sm_mlp_layer *L = &m->layer[l];
		size_t nw = (size_t)best.n_in[l] * best.n_out[l];
		double sc = (double)(1u << o->frac_bits);

		L->n_in = best.n_in[l];
		L->n_out = best.n_out[l];
		L->w = malloc(nw * sizeof(*L->w));
		L->b = malloc(L->n_out * sizeof(*L->b));
		if (!L->w || !L->b) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < nw; k++)
			L->w[k] = (int16_t)fmin(fmax(lround(best.w[l][k] * sc), INT16_MIN), INT16_MAX);
		for (uint32_t j = 0; j < L->n_out; j++)
			L->b[j] = (int32_t)fmin(fmax(lround(best.b[l][j] * sc), -(1 << 30)), 1 << 30);
	}

	/* Float vs quantised agreement, and float accuracy, over train and validation samples. */
	for (int part = 0; part < 2; part++) {
		const size_t *ix = part ? val_idx : train_idx;
		size_t nn = part ? n_val : n_train;
		uint64_t correct = 0;

		for (size_t k = 0; k < nn; k++) {
			size_t i = ix[k];
			double p = sigmoid(net_forward(&best, z + i * F, act));
			struct sm_fvec fv;
			int32_t q, fs = (int32_t)lround(p * SM_SCORE_MAX), diff;
			bool pf = fs >= SM_SCORE_MAX / 2;

			memcpy(fv.v, d->x + i * SM_NR_FEATURES, sizeof(fv.v));
			q = sm_score(m, &fv);
			diff = q > fs ? q - fs : fs - q;
			if (diff > rep->max_score_diff)
				rep->max_score_diff = diff;
			rep->agree += pf == (q >= SM_SCORE_MAX / 2);
			rep->compared++;
			correct += pf == sm_dataset_positive(d, i);
		}
		if (part)
			rep->float_val_acc = nn ? (double)correct / nn : 0;
		else
			rep->float_train_acc = (double)correct / nn;
	}
	*out = TAKE_PTR(m);
	r = 0;
out:
	sm_model_free(m);
	net_free(&nt);
	net_free(&best);
	return r;
}
