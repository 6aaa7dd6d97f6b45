// SPDX-License-Identifier: GPL-2.0
/*
 * Training dataset (growable arrays of fixed-point vectors, labels and program groups), the
 * trainers' deterministic PRNG, model input selection and sample weighting. Pure: no I/O.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"
#include "util.h"

void sm_dataset_init(struct sm_dataset *d)
{
	memset(d, 0, sizeof(*d));
}

void sm_dataset_fini(struct sm_dataset *d)
{
	if (!d)
		return;
	free(d->x);
	free(d->y);
	free(d->group);
	for (size_t i = 0; i < d->n_groups; i++)
		free(d->groups[i]);
	free(d->groups);
	memset(d, 0, sizeof(*d));
}

static int group_index(struct sm_dataset *d, const char *name, uint32_t *out)
{
	char *copy;

	/* Most adds repeat the previous group or one of few programs: a linear scan is enough. */
	for (size_t i = d->n_groups; i-- > 0;) {
		if (strcmp(d->groups[i], name) == 0) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	if (d->n_groups == d->groups_cap) {
		size_t cap = d->groups_cap ? d->groups_cap * 2 : 16;
		char **g = realloc(d->groups, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		d->groups = g;
		d->groups_cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	d->groups[d->n_groups] = copy;
	*out = (uint32_t)d->n_groups++;
	return 0;
}

int sm_dataset_add(struct sm_dataset *d, const struct sm_fvec *fv, int cls, const char *group)
{
	uint32_t g;
	int r;

	if (cls != SM_CLASS_INTERACTIVE && cls != SM_CLASS_BATCH)
		return -EINVAL;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		int32_t *x = realloc(d->x, cap * SM_NR_FEATURES * sizeof(*x));
		uint8_t *y;
		uint32_t *gr;

		if (!x)
			return -ENOMEM;
		d->x = x;
		y = realloc(d->y, cap * sizeof(*y));
		if (!y)
			return -ENOMEM;
		d->y = y;
		gr = realloc(d->group, cap * sizeof(*gr));
		if (!gr)
			return -ENOMEM;
		d->group = gr;
		d->cap = cap;
	}
	r = group_index(d, group && *group ? group : "?", &g);
	if (r < 0)
		return r;
	memcpy(d->x + d->n * SM_NR_FEATURES, fv->v, sizeof(fv->v));
	d->y[d->n] = (uint8_t)cls;
	d->group[d->n] = g;
	d->count[cls]++;
	d->n++;
	return 0;
}

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sm_rng_seed(struct sm_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sm_rng_next(struct sm_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double sm_rng_uniform(struct sm_rng *r)
{
	return (double)(sm_rng_next(r) >> 11) * 0x1.0p-53;
}

double sm_rng_normal(struct sm_rng *r)
{
	double u1 = sm_rng_uniform(r), u2 = sm_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void sm_rng_shuffle(struct sm_rng *r, size_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(sm_rng_next(r) % i), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- model inputs ----------------------------------------------------------------------- */

void sm_inputs_default(struct sm_inputs *in)
{
	static const uint8_t def[] = {
		SM_F_CPU_SHARE, SM_F_CPU_SHARE_EWMA, SM_F_RUN_MEAN, SM_F_RUN_P90, SM_F_SLEEP_MEAN,
		SM_F_WAIT_FREQ, SM_F_VOL_RATIO,
	};

	in->n = ARRAY_SIZE(def);
	memcpy(in->idx, def, sizeof(def));
}

int sm_inputs_parse(const char *s, struct sm_inputs *in, char *err, size_t errlen)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, *tok;

	if (!s || !strcmp(s, "default")) {
		sm_inputs_default(in);
		return 0;
	}
	if (!strcmp(s, "all")) {
		in->n = SM_NR_FEATURES;
		for (int i = 0; i < SM_NR_FEATURES; i++)
			in->idx[i] = (uint8_t)i;
		return 0;
	}
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	in->n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int f = sm_feature_lookup(tok);

		if (f < 0) {
			snprintf(err, errlen, "unknown feature '%s'", tok);
			return -ENOENT;
		}
		for (uint32_t i = 0; i < in->n; i++) {
			if (in->idx[i] == f) {
				snprintf(err, errlen, "feature '%s' given twice", tok);
				return -EINVAL;
			}
		}
		in->idx[in->n++] = (uint8_t)f;
	}
	if (in->n == 0) {
		snprintf(err, errlen, "no features given");
		return -EINVAL;
	}
	return 0;
}

/* ---- sample weights --------------------------------------------------------------------- */

int sm_sample_weights(const struct sm_dataset *d, const size_t *idx, size_t n, bool balance_classes,
		      bool balance_groups, double **out)
{
	_cleanup_free_ double *w = NULL;
	_cleanup_free_ double *gsum = NULL; /* per (group, class) count */
	double csum[SM_NR_CLASSES] = { 0 }, ngroups[SM_NR_CLASSES] = { 0 }, total = 0;

	w = calloc(d->n ? d->n : 1, sizeof(*w));
	gsum = calloc(d->n_groups * SM_NR_CLASSES + 1, sizeof(*gsum));
	if (!w || !gsum)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		size_t i = idx[k];

		csum[d->y[i]] += 1;
		gsum[d->group[i] * SM_NR_CLASSES + d->y[i]] += 1;
	}
	for (size_t g = 0; g < d->n_groups; g++)
		for (int c = 0; c < SM_NR_CLASSES; c++)
			if (gsum[g * SM_NR_CLASSES + c] > 0)
				ngroups[c] += 1;
	for (size_t k = 0; k < n; k++) {
		size_t i = idx[k];
		int c = d->y[i];
		double v = 1.0;

		if (balance_groups) /* each (group, class) gets csum[c] / ngroups[c] in total */
			v = csum[c] / (ngroups[c] * gsum[d->group[i] * SM_NR_CLASSES + c]);
		if (balance_classes) /* each class gets n / 2 in total */
			v *= (double)n / (2.0 * csum[c]);
		w[i] = v;
		total += v;
	}
	/* Normalise to mean 1 so that min_leaf/min_gain and learning rates keep their meaning. */
	for (size_t k = 0; k < n && total > 0; k++)
		w[idx[k]] *= (double)n / total;
	*out = TAKE_PTR(w);
	return 0;
}
