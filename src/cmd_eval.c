// SPDX-License-Identifier: GPL-2.0
/*
 * schedml eval: a model's classification quality on labelled traces (accuracy, per-class
 * precision/recall, confusion, fixed-point vs floating-point agreement, per-program accuracy),
 * and, with --kernel, how often the model's favourite runnable task is the one the kernel ran.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "commands.h"
#include "model.h"
#include "replay.h"
#include "train.h"
#include "train_cli.h"
#include "util.h"

static const char *const CMD = "eval";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: schedml eval --model MODEL.json [OPTIONS] TRACE...\n\n"
		"Evaluate a model on traces recorded with 'schedml record --label': every labelled\n"
		"process that ran in a control tick is one vector; predicted interactive when the\n"
		"fixed-point score is >= %d.\n\n"
		"Options:\n"
		"  -m, --model FILE   model to evaluate (required)\n"
		"  -j, --json         one JSON object on stdout with stable keys: accuracy,\n"
		"                     per_class.<class>.{precision,recall,support}, confusion.<true>.<pred>,\n"
		"                     quantised_agreement, majority_baseline, programs, kernel.*\n"
		"  -k, --kernel       also replay every context switch and compare the model's ranking of\n"
		"                     the runnable tasks with the task the kernel picked (top-1, top-3)\n"
		"      --kernel-scope labelled|all  runnable tasks compared: labelled processes only\n"
		"                     (default; right for traces reduced to labelled processes) or all\n"
		"      --csv FILE     also write every vector: class, program, features, score\n"
		"      --min-age DURATION  skip processes first seen less than this before a tick\n"
		"                     (default: one tick)\n"
		"      --tick DURATION  feature tick when a trace has no K lines (default 250ms)\n"
		"  -h, --help\n\n"
		"Examples:\n"
		"  schedml eval --model models/default.json artifacts/corpus/h-*/scheduling_events.log.gz\n"
		"  schedml eval --model m.json --json --kernel run1/scheduling_events.log.gz | jq .accuracy\n",
		SM_SCORE_MAX / 2);
}

/* ---- agreement with the kernel ---------------------------------------------------------- */

struct waiter {
	uint32_t pid, tgid;
	uint64_t since_ns;
};

#define WAIT_EXPIRE_NS (5ull * 1000000000ull) /* forget waiters whose switch-in we never saw */

struct kstate {
	const struct sm_model *m;
	const struct sm_ftable *ft; /* as of the last tick */
	struct waiter *w;
	size_t n, cap;
	uint64_t decisions, skipped_unknown;
	double top1, top3;          /* model: expected hits (ties broken uniformly at random) */
	double rnd1, rnd3;          /* uniform random pick: expected hits */
	double old1, old3;          /* oldest waiter first */
	double cand_sum;
	struct sm_dataset *d;       /* classification vectors, collected on the same replay */
	bool labelled_only;         /* candidates: labelled processes only (default) or every task */
	uint32_t running[1024];     /* pid on each CPU (0: idle or unknown) */
	uint32_t nr_cpus;           /* highest CPU seen + 1 */
};

static ssize_t waiter_find(const struct kstate *k, uint32_t pid)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->w[i].pid == pid)
			return (ssize_t)i;
	return -1;
}

static void waiter_del(struct kstate *k, size_t i)
{
	k->w[i] = k->w[--k->n];
}

static int waiter_add(struct kstate *k, uint32_t pid, uint32_t tgid, uint64_t ts)
{
	if (pid == 0 || waiter_find(k, pid) >= 0)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct waiter *w = realloc(k->w, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		k->w = w;
		k->cap = cap;
	}
	k->w[k->n++] = (struct waiter){ .pid = pid, .tgid = tgid, .since_ns = ts };
	return 0;
}

static int32_t cand_score(const struct kstate *k, uint32_t tgid)
{
	const struct sm_entity *e = sm_ftable_proc(k->ft, tgid);

	return e ? sm_score(k->m, &e->fv) : SM_SCORE_MAX / 2;
}

/* Probability that an item with `above` strictly better and `tied` equal (itself included)
 * lands in the top k under a uniformly random order of the ties. */
static double topk(size_t above, size_t tied, size_t kk)
{
	if (above >= kk)
		return 0;
	if (above + tied <= kk)
		return 1;
	return (double)(kk - above) / (double)tied;
}

static void decide(struct kstate *k, const struct sm_event *e)
{
	ssize_t ni = waiter_find(k, e->pid);
	size_t above = 0, tied = 0, older = 0, m;
	int32_t s;

	if (ni < 0) {
		if (e->pid)
			k->skipped_unknown++;
		return;
	}
	/* Expire waiters whose switch-in was lost (ring buffer drops, trace start). */
	for (size_t i = 0; i < k->n;) {
		if (e->ts_ns > k->w[i].since_ns + WAIT_EXPIRE_NS && k->w[i].pid != e->pid)
			waiter_del(k, i);
		else
			i++;
	}
	ni = waiter_find(k, e->pid);
	m = k->n;
	if (m >= 2 && k->ft) {
		s = cand_score(k, k->w[ni].tgid);
		for (size_t i = 0; i < m; i++) {
			int32_t si;

			if ((ssize_t)i == ni)
				continue;
			si = cand_score(k, k->w[i].tgid);
			above += si > s;
			tied += si == s;
			older += k->w[i].since_ns < k->w[ni].since_ns;
		}
		tied++;
		k->decisions++;
		k->top1 += topk(above, tied, 1);
		k->top3 += topk(above, tied, 3);
		k->rnd1 += 1.0 / m;
		k->rnd3 += (m < 3 ? m : 3) / (double)m;
		k->old1 += older < 1;
		k->old3 += older < 3;
		k->cand_sum += m;
	}
	waiter_del(k, (size_t)ni);
}

static int on_event(void *ctx, const struct sm_replay *rp, const struct sm_event *e)
{
	struct kstate *k = ctx;

	switch (e->type) {
	case SM_EV_WAKEUP:
	case SM_EV_WAKEUP_NEW:
		/* A wakeup of a task still on a CPU (it had not slept yet) queues nothing. */
		for (size_t c = 0; c < k->nr_cpus; c++)
			if (k->running[c] == e->pid && e->pid)
				return 0;
		if (k->labelled_only && sm_replay_label(rp, e->tgid) <= SM_CLASS_NONE)
			return 0;
		return waiter_add(k, e->pid, e->tgid, e->ts_ns);
	case SM_EV_SWITCH: {
		ssize_t pi = waiter_find(k, e->prev_pid);

		if (e->cpu < ARRAY_SIZE(k->running)) {
			k->running[e->cpu] = e->pid;
			if (e->cpu >= k->nr_cpus)
				k->nr_cpus = e->cpu + 1;
		}
		if (pi >= 0 && e->prev_pid) /* stale (woken while running): re-queued below if preempted */
			waiter_del(k, (size_t)pi);
		decide(k, e);
		if (e->prev_state == SM_PREV_PREEMPTED && e->prev_pid &&
		    (!k->labelled_only || sm_replay_label(rp, e->prev_tgid) > SM_CLASS_NONE))
			return waiter_add(k, e->prev_pid, e->prev_tgid, e->ts_ns);
		return 0;
	}
	case SM_EV_EXIT: {
		ssize_t i = waiter_find(k, e->pid);

		if (i >= 0)
			waiter_del(k, (size_t)i);
		return 0;
	}
	default:
		return 0;
	}
}

static int on_tick(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft, uint64_t now_ns)
{
	struct kstate *k = ctx;
	int r;

	k->ft = ft;
	r = sm_dataset_add_tick(k->d, rp, ft, now_ns);
	return r < 0 ? r : 0;
}

/* ---- command ---------------------------------------------------------------------------- */

static int write_csv(const char *path, const struct sm_model *m, const struct sm_dataset *d)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "class,program");
	for (int k = 0; k < SM_NR_FEATURES; k++)
		fprintf(f, ",%s", sm_feature_table[k].name);
	fprintf(f, ",score\n");
	for (size_t i = 0; i < d->n; i++) {
		struct sm_fvec fv;

		memcpy(fv.v, d->x + i * SM_NR_FEATURES, sizeof(fv.v));
		fprintf(f, "%s,%s", sm_class_name(d->y[i]), d->groups[d->group[i]]);
		for (int k = 0; k < SM_NR_FEATURES; k++)
			fprintf(f, ",%d", fv.v[k]);
		fprintf(f, ",%d\n", sm_score(m, &fv));
	}
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "tick", required_argument, NULL, 'T' },
		{ "min-age", required_argument, NULL, 'A' },
		{ "csv", required_argument, NULL, 'C' },
		{ "kernel-scope", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *model_path = NULL, *csv = NULL;
	bool json = false, kernel = false;
	struct sm_fconfig fcfg;
	struct sm_model *m = NULL;
	struct sm_dataset d;
	struct sm_confusion cf;
	struct kstate ks = { 0 };
	_cleanup_free_ size_t *ix = NULL;
	json_object *o = NULL, *progs;
	char err[512] = "";
	int c, r, ret = 1;
	uint64_t maj, min_age = UINT64_MAX;

	sm_fconfig_default(&fcfg);
	ks.labelled_only = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:jkh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': model_path = optarg; break;
		case 'j': json = true; break;
		case 'k': kernel = true; break;
		case 'A':
			if (sm_parse_duration_ns(optarg, &min_age) < 0)
				return sm_usage_error(CMD, "--min-age: '%s' is not a duration", optarg);
			break;
		case 'T':
			if (sm_parse_duration_ns(optarg, &fcfg.tick_ns) < 0 || fcfg.tick_ns < 1000000)
				return sm_usage_error(CMD, "--tick: '%s' is not a duration >= 1ms", optarg);
			break;
		case 'C': csv = optarg; break;
		case 'K':
			if (strcmp(optarg, "labelled") && strcmp(optarg, "all"))
				return sm_usage_error(CMD, "--kernel-scope: '%s' is not labelled or all", optarg);
			ks.labelled_only = !strcmp(optarg, "labelled");
			break;
		case 'h': usage(stdout); return 0;
		default: return sm_usage_error(CMD, "unknown option");
		}
	}
	if (!model_path)
		return sm_usage_error(CMD, "--model is required");
	if (optind >= argc)
		return sm_usage_error(CMD, "no trace files given");
	r = sm_model_load_file(model_path, &m, err, sizeof(err));
	if (r < 0) {
		log_err("Failed to load model: %s", err);
		return 1;
	}
	sm_dataset_init(&d);
	d.min_age_ns = min_age == UINT64_MAX ? fcfg.tick_ns : min_age;
	if (!kernel) {
		r = sm_cli_load_traces(&d, argv + optind, argc - optind, &fcfg, json, NULL, err, sizeof(err));
	} else {
		struct sm_replay_opts ro = { .fcfg = fcfg, .on_tick = on_tick, .on_event = on_event, .ctx = &ks };

		ks.m = m;
		ks.d = &d;
		for (int i = optind; i < argc; i++) {
			if (!json)
				sm_cli_progress(NULL, "replaying traces:", (uint64_t)(i - optind), (uint64_t)(argc - optind));
			ks.ft = NULL; /* each trace has its own feature table and runnable set */
			ks.n = 0;
			memset(ks.running, 0, sizeof(ks.running));
			ks.nr_cpus = 0;
			r = sm_replay_file(argv[i], &ro, err, sizeof(err));
			if (r < 0)
				break;
		}
		if (!json && r >= 0)
			sm_cli_progress(NULL, "replaying traces:", (uint64_t)(argc - optind), (uint64_t)(argc - optind));
	}
	if (r < 0) {
		log_err("Failed to read trace: %s", err[0] ? err : strerror(-r));
		goto out;
	}
	if (d.n == 0 && !kernel) {
		log_err("Failed to evaluate: no labelled vectors in the traces (record with --label)");
		goto out;
	}
	ix = malloc((d.n ? d.n : 1) * sizeof(*ix));
	if (!ix) {
		log_err("Failed to evaluate: out of memory");
		goto out;
	}
	for (size_t i = 0; i < d.n; i++)
		ix[i] = i;
	sm_model_confusion(m, &d, ix, d.n, &cf);
	if (csv && write_csv(csv, m, &d) < 0) {
		log_err("Failed to write %s: %m", csv);
		goto out;
	}
	maj = d.count[SM_CLASS_INTERACTIVE] > d.count[SM_CLASS_BATCH] ? d.count[SM_CLASS_INTERACTIVE]
								       : d.count[SM_CLASS_BATCH];

	o = sm_confusion_json(&cf);
	json_object_object_add(o, "model", json_object_new_string(model_path));
	json_object_object_add(o, "skipped_young", json_object_new_int64((int64_t)d.skipped_young));
	json_object_object_add(o, "majority_baseline", sm_json_num(d.n ? (double)maj / d.n : 0, 4));
	progs = json_object_new_object();
	for (size_t g = 0; g < d.n_groups; g++) {
		for (int k = SM_CLASS_INTERACTIVE; k <= SM_CLASS_BATCH; k++) {
			uint64_t n = 0, ok = 0;
			json_object *p;
			char key[64];

			for (size_t i = 0; i < d.n; i++) {
				struct sm_fvec fv;

				if (d.group[i] != g || d.y[i] != k)
					continue;
				memcpy(fv.v, d.x + i * SM_NR_FEATURES, sizeof(fv.v));
				n++;
				ok += (sm_score(m, &fv) >= SM_SCORE_MAX / 2) == (k == SM_CLASS_INTERACTIVE);
			}
			if (!n)
				continue;
			p = json_object_new_object();
			snprintf(key, sizeof(key), "%s:%s", sm_class_name(k), d.groups[g]);
			json_object_object_add(p, "vectors", json_object_new_int64((int64_t)n));
			json_object_object_add(p, "accuracy", sm_json_num((double)ok / n, 4));
			json_object_object_add(progs, key, p);
		}
	}
	json_object_object_add(o, "programs", progs);
	if (kernel) {
		json_object *k = json_object_new_object();
		double n = ks.decisions ? (double)ks.decisions : 1;

		json_object_object_add(k, "runnable_set", json_object_new_string(
			ks.labelled_only ? "global, labelled processes" : "global, all tasks"));
		json_object_object_add(k, "decisions", json_object_new_int64((int64_t)ks.decisions));
		json_object_object_add(k, "mean_candidates", sm_json_num(ks.cand_sum / n, 2));
		json_object_object_add(k, "top1", sm_json_num(ks.top1 / n, 4));
		json_object_object_add(k, "top3", sm_json_num(ks.top3 / n, 4));
		json_object_object_add(k, "random_top1", sm_json_num(ks.rnd1 / n, 4));
		json_object_object_add(k, "random_top3", sm_json_num(ks.rnd3 / n, 4));
		json_object_object_add(k, "oldest_top1", sm_json_num(ks.old1 / n, 4));
		json_object_object_add(k, "oldest_top3", sm_json_num(ks.old3 / n, 4));
		json_object_object_add(k, "unmatched_switches", json_object_new_int64((int64_t)ks.skipped_unknown));
		json_object_object_add(o, "kernel", k);
	}

	if (json) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		uint64_t ti = cf.cm[1][0] + cf.cm[1][1], tb = cf.cm[0][0] + cf.cm[0][1];
		uint64_t pi = cf.cm[0][1] + cf.cm[1][1], pb = cf.cm[0][0] + cf.cm[1][0];
		json_object_iter it;

		printf("model %s on %d trace(s): %zu vectors (%" PRIu64 " interactive, %" PRIu64 " batch)\n",
		       model_path, argc - optind, d.n, ti, tb);
		if (d.n == 0)
			printf("no labelled vectors: classification metrics skipped\n");
		else {
		printf("accuracy            %.4f   (majority-class baseline %.4f)\n",
		       sm_confusion_accuracy(&cf), (double)maj / d.n);
		printf("interactive         precision %.4f  recall %.4f\n", pi ? (double)cf.cm[1][1] / pi : 0,
		       ti ? (double)cf.cm[1][1] / ti : 0);
		printf("batch               precision %.4f  recall %.4f\n", pb ? (double)cf.cm[0][0] / pb : 0,
		       tb ? (double)cf.cm[0][0] / tb : 0);
		printf("confusion (rows: true, columns: predicted)\n");
		printf("                    %12s %12s\n", "interactive", "batch");
		printf("  interactive       %12" PRIu64 " %12" PRIu64 "\n", cf.cm[1][1], cf.cm[1][0]);
		printf("  batch             %12" PRIu64 " %12" PRIu64 "\n", cf.cm[0][1], cf.cm[0][0]);
		printf("fixed vs float      %.4f agreement (%" PRIu64 " vectors)\n",
		       cf.compared ? (double)cf.agree / cf.compared : 0, cf.compared);
		printf("per program (class:comm  vectors  accuracy)\n");
		json_object_object_foreachC(progs, it) {
			printf("  %-32s %8" PRId64 "  %.4f\n", it.key,
			       json_object_get_int64(json_object_object_get(it.val, "vectors")),
			       json_object_get_double(json_object_object_get(it.val, "accuracy")));
		}
		}
		if (kernel) {
			double n = ks.decisions ? (double)ks.decisions : 1;

			printf("kernel agreement over %" PRIu64 " switch-ins with >= 2 runnable tasks"
			       " (global runnable set of %s, mean %.2f candidates)\n", ks.decisions,
			       ks.labelled_only ? "labelled processes" : "all tasks", ks.cand_sum / n);
			printf("  model          top-1 %.4f  top-3 %.4f\n", ks.top1 / n, ks.top3 / n);
			printf("  random pick    top-1 %.4f  top-3 %.4f\n", ks.rnd1 / n, ks.rnd3 / n);
			printf("  oldest waiter  top-1 %.4f  top-3 %.4f\n", ks.old1 / n, ks.old3 / n);
			if (!ks.decisions && ks.labelled_only)
				printf("  (no labelled runnable tasks: --kernel-scope all ranks every task)\n");
		}
	}
	ret = 0;
out:
	json_object_put(o);
	free(ks.w);
	sm_model_free(m);
	sm_dataset_fini(&d);
	return ret;
}
