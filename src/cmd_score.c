// SPDX-License-Identifier: GPL-2.0
/*
 * schedml score: trace for a while (or replay a recorded trace), then print every process (or
 * thread) with its key features, score, class and the model's explanation, sorted by score.
 * Read-only: it changes no task.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "feature.h"
#include "model.h"
#include "procfs.h"
#include "replay.h"
#include "tracer.h"
#include "util.h"

#define CMD "score"

struct row {
	uint32_t id, tgid;
	char comm[SM_COMM_LEN];
	char cgroup[SM_CGROUP_LEN];
	struct sm_fvec fv;
	uint32_t nr_tasks;
	uint64_t run_ns;
	int32_t score;
};

struct score_ctx {
	const struct sm_model *model;
	bool threads, all;
	uint32_t self;
	struct row *rows;
	size_t nrows, cap;
	struct sm_ftable *ft;
	uint64_t ticks;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: schedml score [--duration S | --trace FILE] [--model FILE] [--json] [--top N]\n"
		"                     [--threads] [--all] [--interactive-min N] [--batch-max N]\n\n"
		"Score every process once: trace the scheduler for S seconds (BPF, or /proc if BPF is\n"
		"unavailable), or replay a recorded scheduling_events.log.gz, then print the processes\n"
		"sorted by latency-criticality score (0 = batch .. 1000 = interactive) with their key\n"
		"features and the model's explanation. Changes nothing.\n\n"
		"Options:\n"
		"  -d, --duration S        trace for S seconds (default 5; accepts 500ms, 2s, ...)\n"
		"  -t, --trace FILE        replay a recorded trace instead of tracing live\n"
		"  -m, --model FILE        model (default %s,\n"
		"                          else models/default.json)\n"
		"  -j, --json              machine-readable output (stable keys)\n"
		"  -n, --top N             show the N highest-scoring entities (default 20; 0 = all)\n"
		"      --threads           show threads instead of processes\n"
		"  -a, --all               include entities that did not run in the last window\n"
		"      --interactive-min N class 'interactive' at score >= N (default 600)\n"
		"      --batch-max N       class 'batch' at score <= N (default 400)\n"
		"      --source MODE       live source: auto (default), bpf or proc\n"
		"  -h, --help              this help\n\n"
		"Examples:\n"
		"  schedml score --duration 3                      top 20 processes after 3 s\n"
		"  schedml score --duration 3 --json --top 0       everything, as JSON\n"
		"  schedml score --trace artifacts/run1/scheduling_events.log.gz --model models/x.json\n",
		SM_MODEL_DEFAULT_PATH);
}

static int add_row(struct score_ctx *c, const struct sm_entity *e)
{
	struct row *r;

	if (e->tgid == c->self)
		return 0;
	if (!c->all && !e->run_ns_window)
		return 0;
	if (c->nrows == c->cap) {
		size_t n = c->cap ? c->cap * 2 : 256;
		struct row *nr = realloc(c->rows, n * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		c->rows = nr;
		c->cap = n;
	}
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof(*r));
	r->id = e->id;
	r->tgid = e->tgid;
	if (e->info)
		snprintf(r->comm, sizeof(r->comm), "%s", e->info->comm);
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", e->cgroup ? e->cgroup : "");
	r->fv = e->fv;
	r->nr_tasks = e->nr_tasks;
	r->run_ns = e->run_ns_window;
	r->score = sm_score(c->model, &e->fv);
	return 0;
}

static int collect(struct score_ctx *c, const struct sm_ftable *ft)
{
	const struct sm_entity *e;
	size_t it = 0;
	int r;

	c->nrows = 0;
	while ((e = c->threads ? sm_ftable_next_thread(ft, &it) : sm_ftable_next_proc(ft, &it)))
		if ((r = add_row(c, e)) < 0)
			return r;
	return 0;
}

static int replay_tick(void *ctx, const struct sm_replay *rp, const struct sm_ftable *ft,
		       uint64_t now_ns)
{
	struct score_ctx *c = ctx;

	(void)rp;
	(void)now_ns;
	c->ticks++;
	return collect(c, ft);
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->run_ns != y->run_ns)
		return x->run_ns < y->run_ns ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const char *class_of(int32_t s, int32_t imin, int32_t bmax)
{
	return s >= imin ? "interactive" : s <= bmax ? "batch" : "neutral";
}

/* Live: feed tracer events to the table, tick every tick_ns, refresh /proc info of new tasks. */
static int on_event(void *ctx, const struct sm_event *e)
{
	sm_ftable_event(ctx, e);
	return 0;
}
static void on_snap(void *ctx, const struct sm_snapdelta *d) { sm_ftable_snapshot(ctx, d); }
static void on_gone(void *ctx, uint32_t pid, uint32_t tgid)
{
	(void)tgid;
	sm_ftable_forget(ctx, pid);
}

static void sys_tick(struct sm_ftable *ft)
{
	struct sm_sysctx sys;
	bool have = sm_proc_sysctx("/proc", &sys) == 0;

	sm_ftable_tick(ft, sm_now_ns(), have ? &sys : NULL);
}

static int run_live(struct score_ctx *c, const struct sm_fconfig *fcfg, enum sm_source_mode mode,
		    uint64_t duration_ns, const char **source)
{
	struct sm_tracer_opts to;
	struct sm_tracer *tr = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t start, end, next_tick;
	int r;

	r = sm_ftable_new(fcfg, &c->ft);
	if (r < 0) {
		errno = -r;
		log_err("Failed to create the feature table: %m");
		return r;
	}
	sm_tracer_opts_default(&to);
	to.mode = mode;
	to.ignore_tgid = c->self;
	r = sm_tracer_new(&to, on_event, on_snap, on_gone, c->ft, &tr);
	if (r < 0) {
		const char *why = sm_tracer_reason(NULL);
		errno = -r;
		log_err("Failed to start tracing: %m%s%s", why ? ": " : "", why ? why : "");
		return r;
	}
	*source = sm_tracer_mode_name(tr);
	if (sm_tracer_reason(tr))
		log_warn("schedml score: using /proc snapshots (low fidelity): %s", sm_tracer_reason(tr));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = sm_now_ns();
	end = start + duration_ns;
	next_tick = start + fcfg->tick_ns;
	while (!stop) {
		uint64_t now = sm_now_ns();
		if (now >= end)
			break;
		if (now >= next_tick) {
			sys_tick(c->ft);
			sm_proc_refresh_stale(c->ft, "/proc");
			next_tick += fcfg->tick_ns;
			continue;
		}
		uint64_t until = next_tick < end ? next_tick : end;
		int ms = (int)((until - now + 999999) / 1000000);
		r = sm_tracer_poll(tr, ms);
		if (r < 0 && r != -EINTR) {
			errno = -r;
			log_err("Failed to read events: %m");
			sm_tracer_free(tr);
			return r;
		}
	}
	sm_tracer_consume(tr);
	sm_tracer_free(tr);
	/* Final view: a last tick after /proc info of the latest tasks is in. */
	sm_proc_refresh_stale(c->ft, "/proc");
	sys_tick(c->ft);
	return collect(c, c->ft);
}

static void print_table(const struct score_ctx *c, size_t n, int32_t imin, int32_t bmax)
{
	printf("%7s %-16s %8s %9s %9s %6s %9s %5s %-11s %s\n", "PID", "COMM", "CPU", "RUN_P90",
	       "WAIT/s", "VOL", "RQ_P99", "SCORE", "CLASS", "EXPLANATION");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &c->rows[i];
		char cpu[32], p90[32], wf[32], vol[32], rq[32], ex[512];
		sm_feature_value_str(SM_F_CPU_SHARE, r->fv.v[SM_F_CPU_SHARE], cpu, sizeof(cpu));
		sm_feature_value_str(SM_F_RUN_P90, r->fv.v[SM_F_RUN_P90], p90, sizeof(p90));
		sm_feature_value_str(SM_F_WAIT_FREQ, r->fv.v[SM_F_WAIT_FREQ], wf, sizeof(wf));
		sm_feature_value_str(SM_F_VOL_RATIO, r->fv.v[SM_F_VOL_RATIO], vol, sizeof(vol));
		sm_feature_value_str(SM_F_RQLAT_P99, r->fv.v[SM_F_RQLAT_P99], rq, sizeof(rq));
		/* Drop the unit suffixes in the table: the header says it. */
		cpu[strcspn(cpu, " ")] = 0;
		wf[strcspn(wf, "/")] = 0;
		sm_explain(c->model, &r->fv, ex, sizeof(ex));
		printf("%7u %-16s %8s %9s %9s %6s %9s %5d %-11s %s\n", r->id, r->comm[0] ? r->comm : "?",
		       cpu, p90, wf, vol, rq, r->score, class_of(r->score, imin, bmax), ex);
	}
}

static int print_json(const struct score_ctx *c, size_t n, int32_t imin, int32_t bmax,
		      const char *source, uint64_t duration_ns, const char *model_path)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();

	if (!root || !arr)
		return -ENOMEM;
	json_object_object_add(root, "source", json_object_new_string(source));
	json_object_object_add(root, "duration_s", json_object_new_double((double)duration_ns / 1e9));
	json_object_object_add(root, "model", json_object_new_string(c->model->name ? c->model->name : ""));
	json_object_object_add(root, "model_path", json_object_new_string(model_path));
	json_object_object_add(root, "entity", json_object_new_string(c->threads ? "thread" : "process"));
	json_object_object_add(root, "interactive_min", json_object_new_int(imin));
	json_object_object_add(root, "batch_max", json_object_new_int(bmax));
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &c->rows[i];
		json_object *o = json_object_new_object(), *f = json_object_new_object();
		char ex[512];

		json_object_object_add(o, "pid", json_object_new_int64(r->id));
		json_object_object_add(o, "tgid", json_object_new_int64(r->tgid));
		json_object_object_add(o, "comm", json_object_new_string(r->comm));
		json_object_object_add(o, "cgroup", json_object_new_string(r->cgroup));
		json_object_object_add(o, "threads_tracked", json_object_new_int64(r->nr_tasks));
		json_object_object_add(o, "score", json_object_new_int(r->score));
		json_object_object_add(o, "class", json_object_new_string(class_of(r->score, imin, bmax)));
		sm_explain(c->model, &r->fv, ex, sizeof(ex));
		json_object_object_add(o, "explanation", json_object_new_string(ex));
		/* Features in real units (value / scale), keyed by the feature table's names. */
		for (int k = 0; k < SM_NR_FEATURES; k++) {
			const struct sm_feature_desc *d = &sm_feature_table[k];
			char num[32];
			if (d->scale > 1) {
				snprintf(num, sizeof(num), "%.3f", (double)r->fv.v[k] / d->scale);
				json_object_object_add(f, d->name,
						       json_object_new_double_s((double)r->fv.v[k] / d->scale, num));
			} else {
				json_object_object_add(f, d->name, json_object_new_int(r->fv.v[k]));
			}
		}
		json_object_object_add(o, "features", f);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "entities", arr);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

int cmd_score(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "trace", required_argument, NULL, 't' },
		{ "model", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "top", required_argument, NULL, 'n' },
		{ "threads", no_argument, NULL, 'T' },
		{ "all", no_argument, NULL, 'a' },
		{ "interactive-min", required_argument, NULL, 'I' },
		{ "batch-max", required_argument, NULL, 'B' },
		{ "source", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct score_ctx c = { .self = (uint32_t)getpid() };
	struct sm_model *model = NULL;
	struct sm_fconfig fcfg;
	enum sm_source_mode mode = SM_SOURCE_AUTO;
	const char *trace = NULL, *model_path = NULL, *source = "trace";
	uint64_t duration_ns = 5000000000ull;
	uint32_t top = 20;
	int32_t imin = 600, bmax = 400;
	bool json = false, have_duration = false;
	char err[512];
	int o, r, ret = 1;

	sm_fconfig_default(&fcfg);
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":d:t:m:jn:ah", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			if (sm_parse_duration_ns(optarg, &duration_ns) < 0 || !duration_ns)
				return sm_usage_error(CMD, "--duration: '%s' is not a positive duration", optarg);
			have_duration = true;
			break;
		case 't':
			trace = optarg;
			break;
		case 'm':
			model_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			if (sm_parse_u32(optarg, &top) < 0)
				return sm_usage_error(CMD, "--top: '%s' is not a count", optarg);
			break;
		case 'T':
			c.threads = true;
			break;
		case 'a':
			c.all = true;
			break;
		case 'I':
			if (sm_parse_i32(optarg, &imin) < 0 || imin < 0 || imin > SM_SCORE_MAX)
				return sm_usage_error(CMD, "--interactive-min: '%s' is not a score 0..1000", optarg);
			break;
		case 'B':
			if (sm_parse_i32(optarg, &bmax) < 0 || bmax < 0 || bmax > SM_SCORE_MAX)
				return sm_usage_error(CMD, "--batch-max: '%s' is not a score 0..1000", optarg);
			break;
		case 'S':
			if ((r = sm_source_mode_parse(optarg)) < 0)
				return sm_usage_error(CMD, "--source: '%s' is not auto, bpf or proc", optarg);
			mode = (enum sm_source_mode)r;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return sm_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return sm_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sm_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (trace && have_duration)
		return sm_usage_error(CMD, "--duration and --trace exclude each other");
	if (bmax >= imin)
		return sm_usage_error(CMD, "--batch-max (%d) must be below --interactive-min (%d)", bmax, imin);
	if (!model_path)
		model_path = access(SM_MODEL_DEFAULT_PATH, R_OK) == 0 ? SM_MODEL_DEFAULT_PATH
								     : "models/default.json";
	r = sm_model_load_file(model_path, &model, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "schedml score: %s\n", err);
		return 1;
	}
	c.model = model;

	if (trace) {
		struct sm_replay_opts ro = { .fcfg = fcfg, .on_tick = replay_tick, .ctx = &c };
		r = sm_replay_file(trace, &ro, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "schedml score: %s\n", err);
			goto out;
		}
		if (!c.ticks) {
			fprintf(stderr, "schedml score: %s: no events to score\n", trace);
			goto out;
		}
		duration_ns = c.ticks * fcfg.tick_ns;
	} else {
		r = run_live(&c, &fcfg, mode, duration_ns, &source);
		if (r < 0)
			goto out;
	}
	qsort(c.rows, c.nrows, sizeof(*c.rows), row_cmp);
	size_t n = top && top < c.nrows ? top : c.nrows;
	if (json)
		r = print_json(&c, n, imin, bmax, source, duration_ns, model_path);
	else
		print_table(&c, n, imin, bmax);
	ret = r < 0 ? 1 : 0;
out:
	sm_ftable_free(c.ft);
	sm_model_free(model);
	free(c.rows);
	return ret;
}
