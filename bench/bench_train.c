// SPDX-License-Identifier: GPL-2.0
/*
 * Training cost: wall time and peak RSS of `schedml train`'s work (replay + tree, replay + MLP)
 * on the committed corpus, and of the trainers on a synthetic dataset of a million vectors.
 * Each case runs in a child process so that its peak RSS (wait4 ru_maxrss) is its own.
 *
 * Usage: bench_train [-n VECTORS] [TRACE...]   (default: artifacts/corpus/t-*, 1000000)
 * Run from the source tree (make bench does).
 */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "train.h"
#include "util.h"

static double now_s(void)
{
	return (double)sm_now_ns() / 1e9;
}

/* Synthetic vectors shaped like the corpus: two overlapping behaviour families, 3% label noise. */
static int make_synthetic(struct sm_dataset *d, size_t n)
{
	struct sm_rng r;

	sm_rng_seed(&r, 12345);
	for (size_t i = 0; i < n; i++) {
		struct sm_fvec fv = { 0 };
		bool inter = sm_rng_uniform(&r) < 0.4;
		int cls = inter ^ (sm_rng_uniform(&r) < 0.03) ? SM_CLASS_INTERACTIVE : SM_CLASS_BATCH;
		char g[16];
		int ret;

		fv.v[SM_F_CPU_SHARE] = (int32_t)(inter ? sm_rng_uniform(&r) * 350 : 200 + sm_rng_uniform(&r) * 800);
		fv.v[SM_F_CPU_SHARE_EWMA] = fv.v[SM_F_CPU_SHARE] + (int32_t)(sm_rng_normal(&r) * 40);
		fv.v[SM_F_RUN_MEAN] = (int32_t)(inter ? 10 + sm_rng_uniform(&r) * 3000 : 800 + sm_rng_uniform(&r) * 100000);
		fv.v[SM_F_RUN_P90] = fv.v[SM_F_RUN_MEAN] * 2;
		fv.v[SM_F_SLEEP_MEAN] = (int32_t)(inter ? 300 + sm_rng_uniform(&r) * 40000 : sm_rng_uniform(&r) * 2000);
		fv.v[SM_F_WAIT_FREQ] = (int32_t)(inter ? sm_rng_uniform(&r) * 20000 : sm_rng_uniform(&r) * 500);
		fv.v[SM_F_WAKE_FREQ] = (int32_t)(sm_rng_uniform(&r) * 3000);
		fv.v[SM_F_VOL_RATIO] = (int32_t)(inter ? 600 + sm_rng_uniform(&r) * 400 : sm_rng_uniform(&r) * 500);
		fv.v[SM_F_RQLAT_MEAN] = (int32_t)(sm_rng_uniform(&r) * 5000);
		fv.v[SM_F_RQLAT_P99] = fv.v[SM_F_RQLAT_MEAN] * 3;
		snprintf(g, sizeof(g), "prog%d", (int)(sm_rng_next(&r) % 40));
		if ((ret = sm_dataset_add(d, &fv, cls, g)) < 0)
			return ret;
	}
	return 0;
}

/* One case: build the dataset, train, print one line. Runs in a child. */
static int run_case(const char *kind, char **traces, int n_traces, size_t n_syn)
{
	struct sm_dataset d;
	struct sm_inputs in;
	struct sm_model *m = NULL;
	struct sm_confusion c;
	_cleanup_free_ size_t *ix = NULL;
	_cleanup_free_ double *w = NULL;
	char err[512] = "";
	double t0 = now_s(), t1, t2;
	size_t n_tr, n_va;
	int r;

	sm_dataset_init(&d);
	if (traces) {
		struct sm_fconfig fc;

		sm_fconfig_default(&fc);
		d.min_age_ns = fc.tick_ns; /* as schedml train does by default */
		for (int i = 0; i < n_traces; i++) {
			r = sm_dataset_load_trace(&d, traces[i], NULL, err, sizeof(err));
			if (r < 0) {
				fprintf(stderr, "bench_train: %s\n", err);
				return 1;
			}
		}
	} else if (make_synthetic(&d, n_syn) < 0) {
		fprintf(stderr, "bench_train: out of memory\n");
		return 1;
	}
	t1 = now_s();
	ix = malloc(d.n * sizeof(*ix));
	if (!ix || !d.n)
		return 1;
	for (size_t i = 0; i < d.n; i++)
		ix[i] = i;
	n_va = d.n / 5;
	n_tr = d.n - n_va;
	sm_inputs_default(&in);
	if (sm_sample_weights(&d, ix, d.n, true, true, &w) < 0)
		return 1;
	if (!strcmp(kind, "tree")) {
		struct sm_tree_opts o;

		sm_tree_opts_default(&o);
		r = sm_train_tree(&d, ix, n_tr, w, &in, &o, &m, err, sizeof(err));
	} else {
		struct sm_mlp_opts o;
		struct sm_mlp_report rep;

		sm_mlp_opts_default(&o);
		if (!traces)
			o.epochs = 10; /* a million vectors: ten passes are plenty */
		/* rows are in generation order, which is random: the last 20% validate */
		r = sm_train_mlp(&d, ix, n_tr, ix + n_tr, n_va, w, &in, &o, &m, &rep, err, sizeof(err));
	}
	if (r < 0) {
		fprintf(stderr, "bench_train: %s\n", err);
		return 1;
	}
	t2 = now_s();
	sm_model_confusion(m, &d, ix + n_tr, n_va, &c);
	printf("%-5s %-28s vectors=%zu dataset_s=%.2f train_s=%.2f total_s=%.2f val_accuracy=%.4f",
	       kind, traces ? "corpus (replay + train)" : "synthetic", d.n, t1 - t0, t2 - t1, t2 - t0,
	       sm_confusion_accuracy(&c));
	fflush(stdout);
	sm_model_free(m);
	sm_dataset_fini(&d);
	return 0;
}

static int fork_case(const char *kind, char **traces, int n_traces, size_t n_syn, double *rss_mb)
{
	struct rusage ru;
	int status;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0)
		_exit(run_case(kind, traces, n_traces, n_syn));
	if (wait4(p, &status, 0, &ru) < 0)
		return -errno;
	*rss_mb = (double)ru.ru_maxrss / 1024.0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO;
	printf(" peak_rss_mb=%.1f\n", *rss_mb);
	return 0;
}

int main(int argc, char **argv)
{
	glob_t g = { 0 };
	char **traces;
	int n_traces, opt, rc = 0;
	size_t n_syn = 1000000;
	double rss;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		uint64_t v;

		if (opt != 'n' || sm_parse_u64(optarg, &v) < 0 || v < 100) {
			fprintf(stderr, "usage: %s [-n VECTORS] [TRACE...]\n", argv[0]);
			return 2;
		}
		n_syn = v;
	}
	if (optind < argc) {
		traces = argv + optind;
		n_traces = argc - optind;
	} else {
		if (glob("artifacts/corpus/t-*/scheduling_events.log.gz", 0, NULL, &g) != 0) {
			fprintf(stderr, "bench_train: no corpus under artifacts/corpus (run from the source tree)\n");
			return 1;
		}
		traces = g.gl_pathv;
		n_traces = (int)g.gl_pathc;
	}
	printf("bench_train: %d corpus trace(s); synthetic %zu vectors; targets: < 60 s and < 500 MB\n",
	       n_traces, n_syn);
	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "mlp" : "tree";

		if (fork_case(kind, traces, n_traces, 0, &rss) < 0) {
			printf(" FAILED\n");
			rc = 1;
		}
		if (fork_case(kind, NULL, 0, n_syn, &rss) < 0) {
			printf(" FAILED\n");
			rc = 1;
		}
	}
	globfree(&g);
	return rc;
}
