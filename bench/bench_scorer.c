// SPDX-License-Identifier: GPL-2.0
/*
 * bench_scorer: per-task cost of the fixed-point scorer (depth-10 tree, 16-input 2x32 MLP) beside
 * the double reference, and the feature table's cost per event beside a baseline loop that only
 * reads the same events. Vectors and events come from a recorded trace (replayed through the
 * feature table); the models are random (seeded). Fixed and reference runs are interleaved, and
 * the median of the rounds is printed with the ratio. No result is hard-coded.
 *
 *   build/bench/bench_scorer [--trace FILE] [--rounds N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feature.h"
#include "model.h"
#include "replay.h"
#include "trace_io.h"
#include "util.h"
#include "../tests/unit/model_gen.h"

#define DEFAULT_TRACE "tests/fixtures/traces/stress_cyclictest.log.gz"
#define MAX_ROUNDS 51

static volatile int64_t sink;

struct vecs {
	struct sm_fvec *v;
	size_t n, cap;
};

static int grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 4096;
	void *q = realloc(*p, c * sz);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int on_tick(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft, uint64_t now)
{
	struct vecs *vs = ctx;
	const struct sm_entity *e;
	size_t it = 0;

	(void)rp;
	(void)now;
	while ((e = sm_ftable_next_thread(ft, &it))) {
		if (grow((void **)&vs->v, &vs->cap, vs->n, sizeof(*vs->v)) < 0)
			return -ENOMEM;
		vs->v[vs->n++] = e->fv;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double ns_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e9 + (double)(b.tv_nsec - a->tv_nsec);
}

/* ns per vector for sm_score (ref = false) or sm_score_ref (ref = true), over reps passes. */
static double time_score(const struct sm_model *m, const struct vecs *vs, int reps, bool ref)
{
	struct timespec t0;
	int64_t acc = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < vs->n; i++)
			acc += ref ? (int64_t)sm_score_ref(m, &vs->v[i]) : sm_score(m, &vs->v[i]);
	double ns = ns_since(&t0);
	sink += acc;
	return ns / ((double)reps * (double)vs->n);
}

static double time_events(const struct sm_event *ev, size_t n, int reps, bool baseline)
{
	struct sm_fconfig cfg;
	struct sm_ftable *ft = NULL;
	struct timespec t0;
	int64_t acc = 0;
	double ns;

	sm_fconfig_default(&cfg);
	if (sm_ftable_new(&cfg, &ft) < 0)
		return -1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (int r = 0; r < reps; r++) {
		if (baseline) {
			/* The same loop reading each event's fields, without the table. */
			for (size_t i = 0; i < n; i++)
				acc += (int64_t)(ev[i].pid ^ ev[i].prev_pid) + (int64_t)ev[i].prev_run_ns +
				       (int64_t)ev[i].rq_lat_ns + ev[i].type;
			sink += acc;
		} else {
			for (size_t i = 0; i < n; i++)
				sm_ftable_event(ft, &ev[i]);
		}
	}
	ns = ns_since(&t0);
	sm_ftable_free(ft);
	return ns / ((double)reps * (double)n);
}

/* CPU time of one tick over n threads (4 per process, 1/8 of them active per tick). */
static double time_tick(uint32_t n, int ticks)
{
	struct sm_fconfig cfg;
	struct sm_ftable *ft = NULL;
	uint64_t ts = 1000000000ull;
	double total = 0;
	int counted = 0;

	sm_fconfig_default(&cfg);
	if (sm_ftable_new(&cfg, &ft) < 0)
		return -1;
	for (int k = 0; k < ticks + 2; k++) {
		for (uint32_t i = 0; i < n; i++) {
			if ((i + (uint32_t)k) % 8)
				continue;
			struct sm_event in = { .ts_ns = ts, .type = SM_EV_SWITCH, .cpu = i % 2,
					       .pid = 100000 + i, .tgid = 100000 + i / 4 * 4,
					       .rq_lat_ns = 1000ull * (i % 50) };
			struct sm_event out = { .ts_ns = ts + 50000, .type = SM_EV_SWITCH, .cpu = i % 2,
						.prev_pid = 100000 + i, .prev_tgid = 100000 + i / 4 * 4,
						.prev_run_ns = 50000 + i, .prev_state = 1 };
			sm_ftable_event(ft, &in);
			sm_ftable_event(ft, &out);
			ts += 1000;
		}
		ts += 250000000ull;
		struct timespec t0;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		sm_ftable_tick(ft, ts, NULL);
		double ns = ns_since(&t0);
		if (k >= 2) { /* after every thread exists */
			total += ns;
			counted++;
		}
	}
	sm_ftable_free(ft);
	return total / counted;
}

static void row(const char *what, double fixed, double ref, const char *refname, double target)
{
	printf("%-28s %10.1f %12.1f  %-22s %7.2fx   < %.0f ns  %s\n", what, fixed, ref, refname,
	       fixed > 0 ? ref / fixed : 0, target, fixed < target ? "ok" : "OVER");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *trace = DEFAULT_TRACE;
	uint32_t rounds = 7;
	struct vecs vs = { 0 };
	struct sm_event *ev = NULL;
	size_t nev = 0, evcap = 0;
	char err[256];
	int o;

	while ((o = getopt_long(argc, argv, "t:r:h", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			trace = optarg;
			break;
		case 'r':
			if (sm_parse_u32(optarg, &rounds) < 0 || !rounds || rounds > MAX_ROUNDS) {
				fprintf(stderr, "bench_scorer: --rounds: 1..%d\n", MAX_ROUNDS);
				return 2;
			}
			break;
		case 'h':
			printf("Usage: bench_scorer [--trace FILE] [--rounds N]\n"
			       "  Scorer cost per task (tree depth 10, MLP 16-32-32-1) against the double\n"
			       "  reference, and feature-table cost per event against a read-only loop.\n"
			       "  Default trace: %s (run from the source tree).\n", DEFAULT_TRACE);
			return 0;
		default:
			return 2;
		}
	}

	/* Recorded events and the feature vectors the replay produces from them. */
	struct sm_replay_opts ro = { .on_tick = on_tick, .ctx = &vs };
	sm_fconfig_default(&ro.fcfg);
	if (sm_replay_file(trace, &ro, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_scorer: %s\n", err);
		return 1;
	}
	struct sm_trace_reader *rd = NULL;
	struct sm_trace_rec rec;
	int r;
	if (sm_trace_open(trace, &rd, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_scorer: %s\n", err);
		return 1;
	}
	while ((r = sm_trace_next(rd, &rec, err, sizeof(err))) > 0) {
		if (rec.kind != SM_REC_EVENT)
			continue;
		if (grow((void **)&ev, &evcap, nev, sizeof(*ev)) < 0)
			return 1;
		ev[nev++] = rec.ev;
	}
	sm_trace_close(rd);
	if (r < 0 || !nev || !vs.n) {
		fprintf(stderr, "bench_scorer: %s: %s\n", trace, r < 0 ? err : "no events/vectors");
		return 1;
	}

	uint64_t seed = 0xbe7c4;
	static const uint32_t hidden[] = { 32, 32 };
	struct sm_model *tree = gen_tree(&seed, SM_NR_FEATURES, 10);
	struct sm_model *mlp = gen_mlp(&seed, 16, hidden, 2, 8);
	if (sm_model_validate(tree, err, sizeof(err)) < 0 || sm_model_validate(mlp, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_scorer: %s\n", err);
		return 1;
	}

	/* Repetitions so that one measurement lasts ~20-50 ms. */
	int tree_reps = (int)(2000000 / vs.n) + 1, mlp_reps = (int)(200000 / vs.n) + 1;
	int ev_reps = (int)(1000000 / nev) + 1;
	double tf[MAX_ROUNDS], tr[MAX_ROUNDS], mf[MAX_ROUNDS], mr[MAX_ROUNDS], ef[MAX_ROUNDS], eb[MAX_ROUNDS];

	time_score(tree, &vs, 1, false); /* warm up */
	time_score(mlp, &vs, 1, true);
	time_events(ev, nev, 1, false);
	for (uint32_t i = 0; i < rounds; i++) {
		tf[i] = time_score(tree, &vs, tree_reps, false);
		tr[i] = time_score(tree, &vs, tree_reps, true);
		mf[i] = time_score(mlp, &vs, mlp_reps, false);
		mr[i] = time_score(mlp, &vs, mlp_reps, true);
		ef[i] = time_events(ev, nev, ev_reps, false);
		eb[i] = time_events(ev, nev, ev_reps, true);
	}
	printf("bench_scorer: %zu recorded vectors and %zu events from %s; %u interleaved rounds, median\n",
	       vs.n, nev, trace, rounds);
	printf("%-28s %10s %12s  %-22s %8s   %-9s\n", "measure", "ns/op", "baseline ns", "baseline", "ratio",
	       "target");
	row("tree depth 10 (per task)", median(tf, (int)rounds), median(tr, (int)rounds), "double reference", 50);
	row("mlp 16-32-32-1 (per task)", median(mf, (int)rounds), median(mr, (int)rounds), "double reference", 500);
	row("feature update (per event)", median(ef, (int)rounds), median(eb, (int)rounds), "read-only event loop", 100);
	printf("ratio = baseline / fixed-point (for the event row: how many read-only loops one update costs is 1/ratio)\n");
	double tk[MAX_ROUNDS];
	for (uint32_t i = 0; i < rounds; i++)
		tk[i] = time_tick(10000, 8);
	double tm = median(tk, (int)rounds);
	printf("tick over 10000 threads in 2500 processes: %.2f ms CPU (%.0f ns per thread), %.2f%% of one CPU at the 250 ms default\n",
	       tm / 1e6, tm / 10000, tm / 250e6 * 100);
	sm_model_free(tree);
	sm_model_free(mlp);
	free(vs.v);
	free(ev);
	return 0;
}
