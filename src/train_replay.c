// SPDX-License-Identifier: GPL-2.0
/*
 * Glue between replayed traces and the trainers: labelled vectors from the daemon's own feature
 * table at each tick, and a model's confusion matrix on a dataset.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"
#include "train.h"
#include "util.h"

int sm_dataset_add_tick(struct sm_dataset *d, const struct sm_replay *rp, const struct sm_ftable *ft,
			uint64_t now_ns)
{
	const struct sm_entity *e;
	size_t it = 0;
	int added = 0;

	while ((e = sm_ftable_next_proc(ft, &it))) {
		int cls, r;

		if (!e->changed)
			continue;
		cls = sm_replay_label(rp, e->tgid);
		if (cls != SM_CLASS_INTERACTIVE && cls != SM_CLASS_BATCH)
			continue;
		if (now_ns < e->first_seen_ns + d->min_age_ns) {
			d->skipped_young++;
			continue;
		}
		r = sm_dataset_add(d, &e->fv, cls, e->info ? e->info->comm : "?");
		if (r < 0)
			return r;
		added++;
	}
	return added;
}

static int on_tick(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft, uint64_t now_ns)
{
	int r = sm_dataset_add_tick(ctx, rp, ft, now_ns);

	return r < 0 ? r : 0;
}

int sm_dataset_load_trace(struct sm_dataset *d, const char *path, const struct sm_fconfig *fcfg,
			  char *err, size_t errlen)
{
	struct sm_replay_opts o = { .on_tick = on_tick, .ctx = d };
	int r;

	if (fcfg)
		o.fcfg = *fcfg;
	else
		sm_fconfig_default(&o.fcfg);
	r = sm_replay_file(path, &o, err, errlen);
	if (r == -ENOMEM && !*err)
		snprintf(err, errlen, "%s: out of memory", path);
	return r;
}

void sm_model_confusion(const struct sm_model *m, const struct sm_dataset *d, const size_t *idx,
			size_t n, struct sm_confusion *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t k = 0; k < n; k++) {
		size_t i = idx[k];
		struct sm_fvec fv;
		int32_t q;
		double f;
		bool pq, pf;

		memcpy(fv.v, d->x + i * SM_NR_FEATURES, sizeof(fv.v));
		q = sm_score(m, &fv);
		f = sm_score_ref(m, &fv);
		pq = q >= SM_SCORE_MAX / 2;
		pf = f >= SM_SCORE_MAX / 2;
		c->cm[sm_dataset_positive(d, i)][pq]++;
		c->agree += pq == pf;
		c->compared++;
	}
}

double sm_confusion_accuracy(const struct sm_confusion *c)
{
	uint64_t t = c->cm[0][0] + c->cm[0][1] + c->cm[1][0] + c->cm[1][1];

	return t ? (double)(c->cm[0][0] + c->cm[1][1]) / t : 0;
}
