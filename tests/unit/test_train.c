// SPDX-License-Identifier: GPL-2.0
/* Trainers on synthetic data: accuracy, determinism, quantisation agreement, tie-breaking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "model.h"
#include "train.h"
#include "util.h"

/* Interactive: low CPU share, mostly voluntary switches, short bursts, ms sleeps.
 * Batch: high CPU share, involuntary switches, long bursts. Noise features are random in both. */
static void make_data(struct sm_dataset *d, size_t n, uint64_t seed, double flip)
{
	struct sm_rng r;

	sm_dataset_init(d);
	sm_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		struct sm_fvec fv = { 0 };
		bool inter = sm_rng_uniform(&r) < 0.4;
		int cls;

		fv.v[SM_F_CPU_SHARE] = inter ? (int32_t)(sm_rng_uniform(&r) * 300) : 250 + (int32_t)(sm_rng_uniform(&r) * 750);
		fv.v[SM_F_CPU_SHARE_EWMA] = fv.v[SM_F_CPU_SHARE] + (int32_t)(sm_rng_normal(&r) * 30);
		fv.v[SM_F_VOL_RATIO] = inter ? 700 + (int32_t)(sm_rng_uniform(&r) * 300) : (int32_t)(sm_rng_uniform(&r) * 400);
		fv.v[SM_F_RUN_MEAN] = inter ? 20 + (int32_t)(sm_rng_uniform(&r) * 2000) : 1500 + (int32_t)(sm_rng_uniform(&r) * 200000);
		fv.v[SM_F_RUN_P90] = fv.v[SM_F_RUN_MEAN] * 2;
		fv.v[SM_F_SLEEP_MEAN] = inter ? 500 + (int32_t)(sm_rng_uniform(&r) * 50000) : (int32_t)(sm_rng_uniform(&r) * 100);
		fv.v[SM_F_WAIT_FREQ] = (int32_t)(sm_rng_uniform(&r) * 5000);
		fv.v[SM_F_RQLAT_MEAN] = (int32_t)(sm_rng_uniform(&r) * 3000);
		fv.v[SM_F_SYS_CPUS] = 2;
		cls = inter ? SM_CLASS_INTERACTIVE : SM_CLASS_BATCH;
		if (sm_rng_uniform(&r) < flip)
			cls = inter ? SM_CLASS_BATCH : SM_CLASS_INTERACTIVE;
		assert_int_equal(sm_dataset_add(d, &fv, cls, inter ? "sleeper" : "spinner"), 0);
	}
}

static size_t *iota(size_t n)
{
	size_t *ix = malloc(n * sizeof(*ix));

	assert_non_null(ix);
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	return ix;
}

static double accuracy(const struct sm_model *m, const struct sm_dataset *d)
{
	_cleanup_free_ size_t *ix = iota(d->n);
	struct sm_confusion c;

	sm_model_confusion(m, d, ix, d->n, &c);
	assert_int_equal(c.compared, d->n);
	return sm_confusion_accuracy(&c);
}

static void test_dataset(void **state)
{
	struct sm_dataset d;
	struct sm_fvec fv = { 0 };

	(void)state;
	sm_dataset_init(&d);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(sm_dataset_add(&d, &fv, i % 3 ? SM_CLASS_BATCH : SM_CLASS_INTERACTIVE,
						i % 2 ? "a" : "b"), 0);
	assert_int_equal(sm_dataset_add(&d, &fv, SM_CLASS_NONE, "a"), -EINVAL);
	assert_int_equal(d.n, 3000);
	assert_int_equal(d.n_groups, 2);
	assert_int_equal(d.count[SM_CLASS_INTERACTIVE], 1000);
	assert_int_equal(d.count[SM_CLASS_BATCH], 2000);
	{
		_cleanup_free_ size_t *ix = iota(d.n);
		_cleanup_free_ double *w = NULL;
		double s[SM_NR_CLASSES] = { 0 };

		assert_int_equal(sm_sample_weights(&d, ix, d.n, true, true, &w), 0);
		for (size_t i = 0; i < d.n; i++)
			s[d.y[i]] += w[i];
		assert_float_equal(s[SM_CLASS_INTERACTIVE], 1500, 1e-6);
		assert_float_equal(s[SM_CLASS_BATCH], 1500, 1e-6);
	}
	sm_dataset_fini(&d);
	sm_dataset_fini(&d); /* idempotent */
}

static void test_inputs(void **state)
{
	struct sm_inputs in;
	char err[128];

	(void)state;
	assert_int_equal(sm_inputs_parse("cpu_share,vol_ratio", &in, err, sizeof(err)), 0);
	assert_int_equal(in.n, 2);
	assert_int_equal(in.idx[1], SM_F_VOL_RATIO);
	assert_int_equal(sm_inputs_parse("cpu_share,bogus", &in, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(sm_inputs_parse("cpu_share,cpu_share", &in, err, sizeof(err)), -EINVAL);
	assert_int_equal(sm_inputs_parse("all", &in, err, sizeof(err)), 0);
	assert_int_equal(in.n, SM_NR_FEATURES);
	sm_inputs_default(&in);
	for (uint32_t i = 0; i < in.n; i++)
		assert_true(in.idx[i] != SM_F_NICE && in.idx[i] != SM_F_SYS_LOAD);
}

static void test_rng(void **state)
{
	struct sm_rng a, b;
	double s = 0;

	(void)state;
	sm_rng_seed(&a, 42);
	sm_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(sm_rng_next(&a), sm_rng_next(&b));
	for (int i = 0; i < 10000; i++)
		s += sm_rng_normal(&a);
	assert_true(s / 10000 > -0.05 && s / 10000 < 0.05);
}

static void test_tree(void **state)
{
	struct sm_dataset tr, te;
	struct sm_inputs in;
	struct sm_tree_opts o;
	struct sm_model *m1 = NULL, *m2 = NULL;
	_cleanup_free_ size_t *ix = NULL;
	_cleanup_free_ char *j1 = NULL, *j2 = NULL;
	char err[256];

	(void)state;
	make_data(&tr, 4000, 1, 0.0);
	make_data(&te, 2000, 2, 0.0);
	ix = iota(tr.n);
	sm_inputs_default(&in);
	sm_tree_opts_default(&o);
	assert_int_equal(sm_train_tree(&tr, ix, tr.n, NULL, &in, &o, &m1, err, sizeof(err)), 0);
	assert_int_equal(sm_model_validate(m1, err, sizeof(err)), 0);
	assert_true(m1->n_nodes >= 3);
	for (uint32_t k = 0; k < m1->n_nodes; k++) {
		assert_true(m1->nodes[k].value >= 0 && m1->nodes[k].value <= SM_SCORE_MAX);
		if (m1->nodes[k].feature >= 0)
			assert_true(m1->nodes[k].left > (int32_t)k && m1->nodes[k].right > (int32_t)k);
	}
	assert_true(accuracy(m1, &tr) >= 0.99);
	assert_true(accuracy(m1, &te) >= 0.97);
	/* Same data, same options: same bytes. */
	assert_int_equal(sm_train_tree(&tr, ix, tr.n, NULL, &in, &o, &m2, err, sizeof(err)), 0);
	j1 = sm_model_to_json(m1);
	j2 = sm_model_to_json(m2);
	assert_non_null(j1);
	assert_string_equal(j1, j2);
	sm_model_free(m2);
	m2 = NULL;
	/* Entropy, depth 1: a stump on the first best input. */
	o.criterion = SM_CRIT_ENTROPY;
	o.max_depth = 1;
	assert_int_equal(sm_train_tree(&tr, ix, tr.n, NULL, &in, &o, &m2, err, sizeof(err)), 0);
	assert_int_equal(m2->n_nodes, 3);
	assert_true(accuracy(m2, &te) >= 0.9);
	sm_model_free(m1);
	sm_model_free(m2);
	/* Bad options. */
	o.max_depth = 0;
	assert_int_equal(sm_train_tree(&tr, ix, tr.n, NULL, &in, &o, &m1, err, sizeof(err)), -EINVAL);
	o.max_depth = 4;
	assert_int_equal(sm_train_tree(&tr, ix, 0, NULL, &in, &o, &m1, err, sizeof(err)), -EINVAL);
	sm_dataset_fini(&tr);
	sm_dataset_fini(&te);
}

/* Two identical columns: the tie must go to the lower input index, every time. */
static void test_tree_ties(void **state)
{
	struct sm_dataset d;
	struct sm_inputs in = { .n = 2, .idx = { SM_F_VOL_RATIO, SM_F_CPU_SHARE } };
	struct sm_tree_opts o;
	struct sm_model *m = NULL;
	_cleanup_free_ size_t *ix = NULL;
	char err[256];

	(void)state;
	sm_dataset_init(&d);
	for (int i = 0; i < 200; i++) {
		struct sm_fvec fv = { 0 };

		fv.v[SM_F_CPU_SHARE] = fv.v[SM_F_VOL_RATIO] = i < 100 ? i : 1000 + i;
		assert_int_equal(sm_dataset_add(&d, &fv, i < 100 ? SM_CLASS_BATCH : SM_CLASS_INTERACTIVE, "x"), 0);
	}
	ix = iota(d.n);
	sm_tree_opts_default(&o);
	o.min_leaf = 1;
	assert_int_equal(sm_train_tree(&d, ix, d.n, NULL, &in, &o, &m, err, sizeof(err)), 0);
	assert_int_equal(m->n_nodes, 3);
	assert_int_equal(m->nodes[0].feature, 0);
	assert_int_equal(m->input[0], SM_F_VOL_RATIO);
	assert_int_equal(m->nodes[0].threshold, (99 + 1100) / 2);
	assert_int_equal(m->nodes[m->nodes[0].left].value, 0);
	assert_int_equal(m->nodes[m->nodes[0].right].value, SM_SCORE_MAX);
	sm_model_free(m);
	sm_dataset_fini(&d);
}

static void test_tree_weights(void **state)
{
	struct sm_dataset d;
	struct sm_inputs in = { .n = 1, .idx = { SM_F_CPU_SHARE } };
	struct sm_tree_opts o;
	struct sm_model *m = NULL;
	_cleanup_free_ size_t *ix = NULL;
	_cleanup_free_ double *w = NULL;
	char err[256];

	(void)state;
	/* One indistinguishable point, 90 batch and 10 interactive: the leaf's probability follows
	 * the class weights. */
	sm_dataset_init(&d);
	for (int i = 0; i < 100; i++) {
		struct sm_fvec fv = { 0 };

		assert_int_equal(sm_dataset_add(&d, &fv, i < 90 ? SM_CLASS_BATCH : SM_CLASS_INTERACTIVE, "x"), 0);
	}
	ix = iota(d.n);
	sm_tree_opts_default(&o);
	assert_int_equal(sm_train_tree(&d, ix, d.n, NULL, &in, &o, &m, err, sizeof(err)), 0);
	assert_int_equal(m->n_nodes, 1);
	assert_int_equal(m->nodes[0].value, 100);
	sm_model_free(m);
	assert_int_equal(sm_sample_weights(&d, ix, d.n, true, false, &w), 0);
	assert_int_equal(sm_train_tree(&d, ix, d.n, w, &in, &o, &m, err, sizeof(err)), 0);
	assert_int_equal(m->nodes[0].value, 500);
	sm_model_free(m);
	sm_dataset_fini(&d);
}

static void test_mlp(void **state)
{
	struct sm_dataset tr, te;
	struct sm_inputs in;
	struct sm_mlp_opts o;
	struct sm_mlp_report rep;
	struct sm_model *m1 = NULL, *m2 = NULL;
	_cleanup_free_ size_t *ix = NULL;
	_cleanup_free_ char *j1 = NULL, *j2 = NULL;
	char err[256];

	(void)state;
	make_data(&tr, 4000, 3, 0.01);
	make_data(&te, 2000, 4, 0.0);
	ix = iota(tr.n);
	sm_inputs_default(&in);
	sm_mlp_opts_default(&o);
	o.epochs = 25;
	o.seed = 7;
	/* last 20% as validation */
	assert_int_equal(sm_train_mlp(&tr, ix, 3200, ix + 3200, 800, NULL, &in, &o, &m1, &rep, err,
				      sizeof(err)), 0);
	assert_int_equal(sm_model_validate(m1, err, sizeof(err)), 0);
	assert_true(rep.epochs_run >= 1 && rep.best_epoch <= rep.epochs_run);
	assert_int_equal(rep.compared, 4000);
	assert_true((double)rep.agree / rep.compared >= 0.995);
	assert_true(rep.float_val_acc >= 0.95);
	assert_true(accuracy(m1, &te) >= 0.97);
	assert_int_equal(sm_train_mlp(&tr, ix, 3200, ix + 3200, 800, NULL, &in, &o, &m2, &rep, err,
				      sizeof(err)), 0);
	j1 = sm_model_to_json(m1);
	j2 = sm_model_to_json(m2);
	assert_non_null(j1);
	assert_string_equal(j1, j2);
	sm_model_free(m2);
	/* A different seed gives a different (but still good) model. */
	o.seed = 8;
	assert_int_equal(sm_train_mlp(&tr, ix, 3200, ix + 3200, 800, NULL, &in, &o, &m2, &rep, err,
				      sizeof(err)), 0);
	free(j2);
	j2 = sm_model_to_json(m2);
	assert_string_not_equal(j1, j2);
	assert_true(accuracy(m2, &te) >= 0.97);
	sm_model_free(m1);
	sm_model_free(m2);
	/* Bad options. */
	o.n_hidden = 0;
	assert_int_equal(sm_train_mlp(&tr, ix, 3200, NULL, 0, NULL, &in, &o, &m1, &rep, err, sizeof(err)),
			 -EINVAL);
	sm_dataset_fini(&tr);
	sm_dataset_fini(&te);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dataset),
		cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_tree_ties),
		cmocka_unit_test(test_tree_weights),
		cmocka_unit_test(test_mlp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
