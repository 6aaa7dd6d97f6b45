// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-point scorer against the double reference: identical tree decisions and MLP scores
 * within SCORE_ERR_BOUND on random vectors and on vectors replayed from a recorded trace;
 * explanations; the shipped model's ranking of a sleeper and a hog.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "feature.h"
#include "model.h"
#include "replay.h"
#include "unit/model_gen.h"
#include "util.h"

/* Documented in docs/model.md: |sm_score - sm_score_ref| <= 3 (of 1000) for frac_bits >= 8
 * with inputs scaled to a few units; the measured maximum is printed. */
#define SCORE_ERR_BOUND 3.0
#define TRACE_FIXTURE "tests/fixtures/traces/stress_cyclictest.log.gz"

struct vecs {
	struct sm_fvec *v;
	size_t n, cap;
};

static int collect_tick(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft,
			uint64_t now_ns)
{
	struct vecs *vs = ctx;
	const struct sm_entity *e;
	size_t it = 0;

	(void)rp;
	(void)now_ns;
	while ((e = sm_ftable_next_thread(ft, &it))) {
		if (vs->n == vs->cap) {
			vs->cap = vs->cap ? vs->cap * 2 : 4096;
			vs->v = realloc(vs->v, vs->cap * sizeof(*vs->v));
			assert_non_null(vs->v);
		}
		vs->v[vs->n++] = e->fv;
	}
	return 0;
}

/* Feature vectors of every thread at every tick of the recorded trace. */
static struct vecs recorded(void)
{
	struct vecs vs = { 0 };
	struct sm_replay_opts o = { .on_tick = collect_tick, .ctx = &vs };
	char err[256];

	sm_fconfig_default(&o.fcfg);
	assert_int_equal(sm_replay_file(TRACE_FIXTURE, &o, err, sizeof(err)), 0);
	assert_true(vs.n >= 1000);
	return vs;
}

static void test_tree_matches_ref(void **state)
{
	uint64_t seed = 0x5eed1234;
	struct vecs rec = recorded();
	size_t checked = 0;

	(void)state;
	for (int t = 0; t < 10; t++) {
		struct sm_model *m = gen_tree(&seed, SM_NR_FEATURES, 10);
		char err[256];
		assert_int_equal(sm_model_validate(m, err, sizeof(err)), 0);
		for (int i = 0; i < 2000; i++) {
			struct sm_fvec fv;
			gen_fvec(&seed, &fv);
			assert_int_equal(sm_score(m, &fv), (int32_t)sm_score_ref(m, &fv));
			checked++;
		}
		for (size_t i = 0; i < rec.n; i++) {
			assert_int_equal(sm_score(m, &rec.v[i]), (int32_t)sm_score_ref(m, &rec.v[i]));
			checked++;
		}
		sm_model_free(m);
	}
	print_message("tree: %zu vectors (%zu recorded per model), identical decisions\n", checked, rec.n);
	free(rec.v);
}

static void test_mlp_matches_ref(void **state)
{
	static const uint32_t shapes[][3] = { { 32, 32, 0 }, { 8, 0, 0 }, { 64, 16, 8 } };
	static const uint32_t nh[] = { 2, 1, 3 };
	uint64_t seed = 42;
	struct vecs rec = recorded();
	double worst = 0;
	size_t checked = 0;

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
		for (uint32_t F = 8; F <= 12; F += 4) {
			struct sm_model *m = gen_mlp(&seed, 16, shapes[s], nh[s], F);
			char err[256];
			assert_int_equal(sm_model_validate(m, err, sizeof(err)), 0);
			for (int i = 0; i < 10000 + (int)rec.n; i++) {
				struct sm_fvec fv;
				if (i < 10000)
					gen_fvec(&seed, &fv);
				else
					fv = rec.v[i - 10000];
				int32_t q = sm_score(m, &fv);
				double r = sm_score_ref(m, &fv);
				assert_true(q >= 0 && q <= SM_SCORE_MAX);
				double d = fabs(q - r);
				if (d > worst)
					worst = d;
				if (d > SCORE_ERR_BOUND)
					fail_msg("shape %zu F=%u vector %d: fixed %d, reference %.3f", s, F, i, q, r);
				checked++;
			}
			sm_model_free(m);
		}
	}
	print_message("mlp: %zu vectors, max |fixed - reference| = %.3f (bound %.1f)\n", checked, worst,
		      SCORE_ERR_BOUND);
	free(rec.v);
}

/* The fixed-point sigmoid alone: logit sweeps over [-10, 10] with a 1-layer identity MLP. */
static void test_sigmoid(void **state)
{
	struct sm_model m = { .kind = SM_MODEL_MLP, .n_inputs = 1, .n_layers = 1, .frac_bits = 12 };
	int16_t w = 1 << 12;
	int32_t b = 0;
	struct sm_fvec fv = { 0 };
	double worst = 0;
	int32_t prev = -1;

	(void)state;
	m.input[0] = SM_F_NICE;
	m.in_mul[0] = 1;
	m.in_shift = 0;
	m.layer[0] = (struct sm_mlp_layer){ .n_in = 1, .n_out = 1, .w = &w, .b = &b };
	for (int32_t x = -32767; x <= 32767; x += 7) { /* q = x: logit x / 4096 in [-8, 8] */
		fv.v[SM_F_NICE] = x;
		int32_t s = sm_score(&m, &fv);
		double r = sm_score_ref(&m, &fv);
		assert_true(s >= prev);
		prev = s;
		if (fabs(s - r) > worst)
			worst = fabs(s - r);
	}
	print_message("sigmoid table: max error %.3f of 1000\n", worst);
	assert_true(worst <= 0.6);
	fv.v[SM_F_NICE] = 0;
	assert_int_equal(sm_score(&m, &fv), 500);
}

static struct sm_model *load(const char *path)
{
	struct sm_model *m = NULL;
	char err[512];

	if (sm_model_load_file(path, &m, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return m;
}

/* The hand-written starter tree (the first models/default.json, kept as a fixture): exact
 * scores and explanations in real units. */
static void test_handwritten_model(void **state)
{
	struct sm_model *m = load("tests/fixtures/models/handwritten_tree.json");
	struct sm_fvec hog = { 0 }, sleeper = { 0 }, idle = { 0 };
	char buf[512];

	(void)state;
	hog.v[SM_F_CPU_SHARE] = 950;
	hog.v[SM_F_VOL_RATIO] = 20;
	hog.v[SM_F_RUN_P90] = 4000;
	sleeper.v[SM_F_CPU_SHARE] = 20;
	sleeper.v[SM_F_VOL_RATIO] = 998;
	sleeper.v[SM_F_WAIT_FREQ] = 10000;
	sleeper.v[SM_F_RUN_P90] = 30;
	idle.v[SM_F_VOL_RATIO] = 1000;
	assert_int_equal(sm_score(m, &hog), 100);
	assert_int_equal(sm_score(m, &sleeper), 850);
	assert_int_equal(sm_score(m, &idle), 550);
	sm_explain(m, &hog, buf, sizeof(buf));
	assert_string_equal(buf, "vol_ratio=0.020 <= 0.300, cpu_share=0.950 CPUs > 0.050 CPUs, "
				 "run_burst_p90=4000us > 500us -> 100");
	sm_explain(m, &sleeper, buf, sizeof(buf));
	assert_string_equal(buf, "vol_ratio=0.998 > 0.300, vol_ratio=0.998 > 0.600, "
				 "wait_freq=1000.0/s > 5.0/s, run_burst_p90=30us <= 4000us, "
				 "cpu_share=0.020 CPUs <= 0.600 CPUs -> 850");
	/* Truncation is safe and returns the full length. */
	size_t n = sm_explain(m, &sleeper, buf, 10);
	assert_true(n > 10);
	assert_int_equal(strlen(buf), 9);
	sm_model_free(m);
}

/* Whatever model ships (hand-written or trained): it loads, and it ranks a periodic sleeper
 * (cyclictest -i 1000-like) above a CPU hog (stress-ng --cpu worker-like), by the features the
 * extractor computes for them (values as measured by t_score_live). */
static void test_shipped_models(void **state)
{
	const char *models[] = { "models/default.json", "models/default-mlp.json" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
		struct sm_model *m = NULL;
		struct sm_fvec hog = { 0 }, sleeper = { 0 };
		char err[512], buf[512];

		if (access(models[i], R_OK) != 0 && i > 0)
			continue; /* only default.json is required */
		if (sm_model_load_file(models[i], &m, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		for (int f = 0; f < SM_NR_FEATURES; f++)
			sleeper.v[f] = hog.v[f] = 0;
		hog.v[SM_F_CPU_SHARE] = hog.v[SM_F_CPU_SHARE_EWMA] = 950;
		hog.v[SM_F_RUN_MEAN] = 900;
		hog.v[SM_F_RUN_P90] = 960;
		hog.v[SM_F_VOL_RATIO] = 0;
		hog.v[SM_F_RQLAT_MEAN] = 500;
		hog.v[SM_F_RQLAT_P99] = 3840;
		sleeper.v[SM_F_CPU_SHARE] = sleeper.v[SM_F_CPU_SHARE_EWMA] = 10;
		sleeper.v[SM_F_RUN_MEAN] = 12;
		sleeper.v[SM_F_RUN_P90] = 18;
		sleeper.v[SM_F_SLEEP_MEAN] = 980;
		sleeper.v[SM_F_WAIT_FREQ] = 9600;
		sleeper.v[SM_F_VOL_RATIO] = 1000;
		sleeper.v[SM_F_RQLAT_MEAN] = 40;
		sleeper.v[SM_F_RQLAT_P99] = 2816;
		for (int k = 0; k < 2; k++) {
			struct sm_fvec *v = k ? &sleeper : &hog;
			v->v[SM_F_NR_THREADS] = k ? 2 : 1;
			v->v[SM_F_SYS_LOAD] = 300;
			v->v[SM_F_SYS_RUNNABLE] = 3;
			v->v[SM_F_SYS_CPUS] = 2;
		}
		int32_t h = sm_score(m, &hog), sl = sm_score(m, &sleeper);
		sm_explain(m, &sleeper, buf, sizeof(buf));
		print_message("%s (%s): sleeper %d > hog %d; %s\n", models[i], m->name, sl, h, buf);
		assert_true(sl > h);
		assert_non_null(strstr(buf, "-> "));
		sm_model_free(m);
	}
}

static void test_mlp_explain(void **state)
{
	struct sm_model *m = load("tests/fixtures/models/valid_mlp.json");
	struct sm_fvec fv = { 0 };
	char buf[512];

	(void)state;
	fv.v[SM_F_CPU_SHARE] = 900;
	fv.v[SM_F_WAIT_FREQ] = 20;
	sm_explain(m, &fv, buf, sizeof(buf));
	/* Both inputs, with signed contributions, then the score and logit. */
	assert_non_null(strstr(buf, "cpu_share=0.900 CPUs ("));
	assert_non_null(strstr(buf, "wait_freq=2.0/s ("));
	char want[32];
	snprintf(want, sizeof(want), "-> %d (logit", sm_score(m, &fv));
	assert_non_null(strstr(buf, want));
	print_message("mlp explanation: %s\n", buf);
	sm_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_matches_ref),
		cmocka_unit_test(test_mlp_matches_ref),
		cmocka_unit_test(test_sigmoid),
		cmocka_unit_test(test_handwritten_model),
		cmocka_unit_test(test_shipped_models),
		cmocka_unit_test(test_mlp_explain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
