// SPDX-License-Identifier: GPL-2.0
/*
 * schedml train: replay labelled traces through the daemon's feature extractor, train a CART
 * tree or an MLP, quantise, check, and write the model JSON with its provenance. The output
 * depends only on the traces and the options (dates come from the trace headers), so the same
 * command gives the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "commands.h"
#include "model.h"
#include "train.h"
#include "train_cli.h"
#include "util.h"

static const char *const CMD = "train";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: schedml train --out MODEL.json [OPTIONS] TRACE...\n\n"
		"Train a model from traces recorded with 'schedml record --label'. Every labelled\n"
		"process that ran in a control tick gives one feature vector (the daemon's extractor).\n\n"
		"Options:\n"
		"  -o, --out FILE           model to write (required)\n"
		"  -k, --kind tree|mlp      model kind (default tree)\n"
		"      --features LIST      inputs: comma-separated feature names, 'default' or 'all'\n"
		"                           (default: the task's own behaviour, no nice/policy/system load)\n"
		"      --criterion gini|entropy   tree split criterion (default gini)\n"
		"      --max-depth N        tree depth (default 6)\n"
		"      --min-leaf N         tree: samples per leaf at least (default 20)\n"
		"      --hidden W[,W[,W]]   MLP hidden layer widths (default 16,16)\n"
		"      --epochs N           MLP epochs at most (default 60)\n"
		"      --batch N            MLP mini-batch (default 64)\n"
		"      --lr F               MLP Adam learning rate (default 0.003)\n"
		"      --patience N         MLP early stopping patience in epochs (default 8)\n"
		"      --frac-bits N        MLP fixed-point fraction bits (default 10)\n"
		"      --seed N             random seed: split, initialisation, batches (default 1)\n"
		"      --val-split F        share of vectors held out for validation (default 0.2)\n"
		"      --class-weight balanced|none   (default balanced)\n"
		"      --group-weight balanced|none   every program equal weight within its class\n"
		"                           (default balanced)\n"
		"      --min-age DURATION   skip processes first seen less than this before a tick\n"
		"                           (default: one tick)\n"
		"      --tick DURATION      feature tick when a trace has no K lines (default 250ms)\n"
		"      --name NAME          model name (default schedml-KIND)\n"
		"      --cv                 also leave-one-program-out cross-validation: for every program\n"
		"                           (comm), train without it and test on it (metrics in provenance)\n"
		"  -q, --quiet              no progress or summary\n"
		"  -h, --help\n\n"
		"Examples:\n"
		"  schedml train --out models/mine.json artifacts/corpus/*/scheduling_events.log.gz\n"
		"  schedml train --kind mlp --hidden 16,16 --seed 3 --out m.json run1/scheduling_events.log.gz\n"
		"  schedml eval --model m.json other/scheduling_events.log.gz\n");
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_hidden(const char *s, struct sm_mlp_opts *o)
{
	char buf[128], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	o->n_hidden = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		if (o->n_hidden >= SM_MLP_MAX_LAYERS - 1 || sm_parse_u32(tok, &v) < 0 || v < 1 ||
		    v > SM_MLP_MAX_WIDTH)
			return -EINVAL;
		o->hidden[o->n_hidden++] = v;
	}
	return o->n_hidden ? 0 : -EINVAL;
}

/* The newest recording start among the trace headers, as an ISO date: the model's date (taken
 * from the data, not the clock, so that the same command gives the same bytes). */
static void traces_date(json_object *files, char *buf, size_t len)
{
	int64_t best = -1;

	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *h = json_object_object_get(json_object_array_get_idx(files, i), "header");
		json_object *v = json_object_object_get(h, "start_realtime_ns");

		if (v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > best)
			best = json_object_get_int64(v);
	}
	if (best >= 0) {
		time_t t = (time_t)(best / 1000000000);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

static void print_metrics(const char *what, const struct sm_confusion *c)
{
	uint64_t ti = c->cm[1][0] + c->cm[1][1], tb = c->cm[0][0] + c->cm[0][1];

	printf("  %-10s accuracy %.4f  recall interactive %.4f batch %.4f  (%" PRIu64 " vectors)\n",
	       what, sm_confusion_accuracy(c), ti ? (double)c->cm[1][1] / ti : 0,
	       tb ? (double)c->cm[0][0] / tb : 0, ti + tb);
}

struct fitopts {
	enum sm_model_kind kind;
	const struct sm_inputs *in;
	const struct sm_tree_opts *topt;
	const struct sm_mlp_opts *mopt;
	bool class_bal, group_bal;
	double val_split;
	uint64_t seed;
};

/* Train on rows[0..n): a seeded split into training and validation rows (row order kept),
 * sample weights, then the tree or the MLP. tr_out and va_out get malloc'd arrays. */
static int fit(const struct sm_dataset *d, const size_t *rows, size_t n, const struct fitopts *fo,
	       struct sm_model **m, struct sm_mlp_report *rep, size_t **tr_out, size_t *n_tr,
	       size_t **va_out, size_t *n_va, char *err, size_t errlen)
{
	_cleanup_free_ size_t *order = malloc((n ? n : 1) * sizeof(size_t));
	_cleanup_free_ size_t *tr = malloc((n ? n : 1) * sizeof(size_t));
	_cleanup_free_ size_t *va = malloc((n ? n : 1) * sizeof(size_t));
	_cleanup_free_ uint8_t *is_val = calloc(n ? n : 1, 1);
	_cleanup_free_ double *w = NULL;
	size_t nv = (size_t)(fo->val_split * (double)n), ntr = 0, nva = 0;
	struct sm_rng rng;
	int r;

	if (!order || !tr || !va || !is_val)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	sm_rng_seed(&rng, fo->seed ^ 0x5eed5011ull);
	sm_rng_shuffle(&rng, order, n);
	for (size_t k = 0; k < nv; k++)
		is_val[order[k]] = 1;
	for (size_t k = 0; k < n; k++) {
		if (is_val[k])
			va[nva++] = rows[k];
		else
			tr[ntr++] = rows[k];
	}
	r = sm_sample_weights(d, tr, ntr, fo->class_bal, fo->group_bal, &w);
	if (r < 0)
		return r;
	if (nva) { /* validation rows (early stopping loss) weighted by the same scheme */
		_cleanup_free_ double *wv = NULL;

		r = sm_sample_weights(d, va, nva, fo->class_bal, fo->group_bal, &wv);
		if (r < 0)
			return r;
		for (size_t k = 0; k < nva; k++)
			w[va[k]] = wv[va[k]];
	}
	memset(rep, 0, sizeof(*rep));
	if (fo->kind == SM_MODEL_TREE)
		r = sm_train_tree(d, tr, ntr, w, fo->in, fo->topt, m, err, errlen);
	else
		r = sm_train_mlp(d, tr, ntr, va, nva, w, fo->in, fo->mopt, m, rep, err, errlen);
	if (r < 0)
		return r;
	if (tr_out) {
		*tr_out = TAKE_PTR(tr);
		*n_tr = ntr;
	}
	if (va_out) {
		*va_out = TAKE_PTR(va);
		*n_va = nva;
	}
	return 0;
}

/* Leave one program (comm) out: train without it, test on it; pooled confusion. */
static int cross_validate(const struct sm_dataset *d, const struct fitopts *fo0, bool quiet,
			  struct sm_confusion *pooled, json_object **progs, char *err, size_t errlen)
{
	_cleanup_free_ size_t *in = malloc((d->n ? d->n : 1) * sizeof(size_t));
	_cleanup_free_ size_t *outr = malloc((d->n ? d->n : 1) * sizeof(size_t));
	struct sm_tree_opts topt = *fo0->topt;
	struct sm_mlp_opts mopt = *fo0->mopt;
	struct fitopts fo = *fo0;

	if (!in || !outr)
		return -ENOMEM;
	topt.progress = NULL;
	mopt.progress = NULL;
	fo.topt = &topt;
	fo.mopt = &mopt;
	memset(pooled, 0, sizeof(*pooled));
	*progs = json_object_new_object();
	for (size_t g = 0; g < d->n_groups; g++) {
		struct sm_model *m = NULL;
		struct sm_mlp_report rep;
		struct sm_confusion c;
		uint64_t cnt[SM_NR_CLASSES] = { 0 };
		size_t ni = 0, no = 0;
		int r;

		for (size_t i = 0; i < d->n; i++) {
			if (d->group[i] == g)
				outr[no++] = i;
			else {
				in[ni++] = i;
				cnt[d->y[i]]++;
			}
		}
		if (!no || !cnt[SM_CLASS_INTERACTIVE] || !cnt[SM_CLASS_BATCH])
			continue;
		if (!quiet)
			sm_cli_progress(NULL, "cross-validation: programs", g + 1, d->n_groups);
		r = fit(d, in, ni, &fo, &m, &rep, NULL, NULL, NULL, NULL, err, errlen);
		if (r < 0)
			return r;
		sm_model_confusion(m, d, outr, no, &c);
		sm_model_free(m);
		for (int a = 0; a < 2; a++)
			for (int b = 0; b < 2; b++)
				pooled->cm[a][b] += c.cm[a][b];
		pooled->agree += c.agree;
		pooled->compared += c.compared;
		json_object_object_add(*progs, d->groups[g], sm_json_num(sm_confusion_accuracy(&c), 4));
	}
	if (!quiet)
		sm_cli_progress(NULL, "cross-validation: programs", d->n_groups, d->n_groups);
	return 0;
}

int cmd_train(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "features", required_argument, NULL, 'F' },
		{ "criterion", required_argument, NULL, 'C' },
		{ "max-depth", required_argument, NULL, 'D' },
		{ "min-leaf", required_argument, NULL, 'L' },
		{ "hidden", required_argument, NULL, 'H' },
		{ "epochs", required_argument, NULL, 'E' },
		{ "batch", required_argument, NULL, 'B' },
		{ "lr", required_argument, NULL, 'R' },
		{ "patience", required_argument, NULL, 'P' },
		{ "frac-bits", required_argument, NULL, 'Q' },
		{ "seed", required_argument, NULL, 'S' },
		{ "val-split", required_argument, NULL, 'V' },
		{ "class-weight", required_argument, NULL, 'W' },
		{ "group-weight", required_argument, NULL, 'G' },
		{ "tick", required_argument, NULL, 'T' },
		{ "min-age", required_argument, NULL, 'A' },
		{ "name", required_argument, NULL, 'N' },
		{ "cv", no_argument, NULL, 'X' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *out = NULL, *name = NULL, *features = "default";
	enum sm_model_kind kind = SM_MODEL_TREE;
	struct sm_tree_opts topt;
	struct sm_mlp_opts mopt;
	struct sm_mlp_report rep = { 0 };
	struct sm_fconfig fcfg;
	struct sm_inputs in;
	struct sm_dataset d;
	struct sm_confusion ctrain, cval;
	struct sm_model *m = NULL;
	_cleanup_free_ size_t *all = NULL, *tr = NULL, *va = NULL;
	struct fitopts fo;
	struct sm_confusion ccv = { 0 };
	json_object *cvprogs = NULL;
	bool cv = false;
	json_object *prov = NULL, *files = NULL, *hp, *met;
	bool class_bal = true, group_bal = true, quiet = false;
	double val_split = 0.2;
	size_t n_tr = 0, n_va = 0;
	char err[512] = "", desc[256];
	uint64_t seed = 1, min_age = UINT64_MAX;
	int c, r, ret = 1;

	sm_tree_opts_default(&topt);
	sm_mlp_opts_default(&mopt);
	sm_fconfig_default(&fcfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:k:qh", opts, NULL)) != -1) {
		uint32_t u;

		switch (c) {
		case 'o': out = optarg; break;
		case 'k':
			if (!strcmp(optarg, "tree"))
				kind = SM_MODEL_TREE;
			else if (!strcmp(optarg, "mlp"))
				kind = SM_MODEL_MLP;
			else
				return sm_usage_error(CMD, "--kind: '%s' is not tree or mlp", optarg);
			break;
		case 'F': features = optarg; break;
		case 'C':
			if (!strcmp(optarg, "gini"))
				topt.criterion = SM_CRIT_GINI;
			else if (!strcmp(optarg, "entropy"))
				topt.criterion = SM_CRIT_ENTROPY;
			else
				return sm_usage_error(CMD, "--criterion: '%s' is not gini or entropy", optarg);
			break;
		case 'D':
			if (sm_parse_u32(optarg, &u) < 0 || u < 1 || u > SM_TREE_MAX_DEPTH)
				return sm_usage_error(CMD, "--max-depth: '%s' is not 1..%d", optarg, SM_TREE_MAX_DEPTH);
			topt.max_depth = u;
			break;
		case 'L':
			if (sm_parse_u32(optarg, &u) < 0 || u < 1)
				return sm_usage_error(CMD, "--min-leaf: '%s' is not a positive integer", optarg);
			topt.min_leaf = u;
			break;
		case 'H':
			if (parse_hidden(optarg, &mopt) < 0)
				return sm_usage_error(CMD, "--hidden: '%s' is not 1 to %d widths of 1..%d", optarg,
						      SM_MLP_MAX_LAYERS - 1, SM_MLP_MAX_WIDTH);
			break;
		case 'E':
			if (sm_parse_u32(optarg, &u) < 0 || u < 1 || u > 100000)
				return sm_usage_error(CMD, "--epochs: '%s' is not 1..100000", optarg);
			mopt.epochs = u;
			break;
		case 'B':
			if (sm_parse_u32(optarg, &u) < 0 || u < 1 || u > 1000000)
				return sm_usage_error(CMD, "--batch: '%s' is not 1..1000000", optarg);
			mopt.batch = u;
			break;
		case 'R':
			if (parse_double(optarg, 1e-7, 1.0, &mopt.lr) < 0)
				return sm_usage_error(CMD, "--lr: '%s' is not a number in [1e-7, 1]", optarg);
			break;
		case 'P':
			if (sm_parse_u32(optarg, &u) < 0 || u < 1)
				return sm_usage_error(CMD, "--patience: '%s' is not a positive integer", optarg);
			mopt.patience = u;
			break;
		case 'Q':
			if (sm_parse_u32(optarg, &u) < 0 || u < 4 || u > 14)
				return sm_usage_error(CMD, "--frac-bits: '%s' is not 4..14", optarg);
			mopt.frac_bits = u;
			break;
		case 'S':
			if (sm_parse_u64(optarg, &seed) < 0)
				return sm_usage_error(CMD, "--seed: '%s' is not an unsigned integer", optarg);
			break;
		case 'V':
			if (parse_double(optarg, 0, 0.9, &val_split) < 0)
				return sm_usage_error(CMD, "--val-split: '%s' is not a number in [0, 0.9]", optarg);
			break;
		case 'W':
		case 'G':
			if (strcmp(optarg, "balanced") && strcmp(optarg, "none"))
				return sm_usage_error(CMD, "--%s-weight: '%s' is not balanced or none",
						      c == 'W' ? "class" : "group", optarg);
			*(c == 'W' ? &class_bal : &group_bal) = !strcmp(optarg, "balanced");
			break;
		case 'A':
			if (sm_parse_duration_ns(optarg, &min_age) < 0)
				return sm_usage_error(CMD, "--min-age: '%s' is not a duration", optarg);
			break;
		case 'T':
			if (sm_parse_duration_ns(optarg, &fcfg.tick_ns) < 0 || fcfg.tick_ns < 1000000)
				return sm_usage_error(CMD, "--tick: '%s' is not a duration >= 1ms", optarg);
			break;
		case 'N': name = optarg; break;
		case 'X': cv = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: return sm_usage_error(CMD, "unknown option");
		}
	}
	if (!out)
		return sm_usage_error(CMD, "--out is required");
	if (optind >= argc)
		return sm_usage_error(CMD, "no trace files given");
	if (sm_inputs_parse(features, &in, err, sizeof(err)) < 0)
		return sm_usage_error(CMD, "--features: %s", err);
	mopt.seed = seed;
	if (!quiet) {
		topt.progress = mopt.progress = sm_cli_progress;
	}

	sm_dataset_init(&d);
	d.min_age_ns = min_age == UINT64_MAX ? fcfg.tick_ns : min_age;
	files = json_object_new_array();
	r = sm_cli_load_traces(&d, argv + optind, argc - optind, &fcfg, quiet, files, err, sizeof(err));
	if (r < 0) {
		log_err("Failed to read trace: %s", err[0] ? err : strerror(-r));
		goto out;
	}
	if (!d.count[SM_CLASS_INTERACTIVE] || !d.count[SM_CLASS_BATCH]) {
		log_err("Failed to train: the traces hold %" PRIu64 " interactive and %" PRIu64
			" batch vectors; both classes are needed (record with --label)",
			d.count[SM_CLASS_INTERACTIVE], d.count[SM_CLASS_BATCH]);
		goto out;
	}

	fo = (struct fitopts){ .kind = kind, .in = &in, .topt = &topt, .mopt = &mopt, .class_bal = class_bal,
			       .group_bal = group_bal, .val_split = val_split, .seed = seed };
	if (cv) {
		r = cross_validate(&d, &fo, quiet, &ccv, &cvprogs, err, sizeof(err));
		if (r < 0) {
			log_err("Failed to cross-validate: %s", err[0] ? err : strerror(-r));
			goto out;
		}
	}
	all = malloc(d.n * sizeof(*all));
	if (!all) {
		log_err("Failed to train: out of memory");
		goto out;
	}
	for (size_t i = 0; i < d.n; i++)
		all[i] = i;
	r = fit(&d, all, d.n, &fo, &m, &rep, &tr, &n_tr, &va, &n_va, err, sizeof(err));
	if (r < 0) {
		log_err("Failed to train: %s", err[0] ? err : strerror(-r));
		goto out;
	}
	sm_model_confusion(m, &d, tr, n_tr, &ctrain);
	sm_model_confusion(m, &d, va, n_va, &cval);

	/* Provenance. */
	prov = json_object_new_object();
	json_object_object_add(prov, "trainer", json_object_new_string("schedml train " SCHEDML_VERSION));
	{
		char date[32];

		traces_date(files, date, sizeof(date));
		json_object_object_add(prov, "date", date[0] ? json_object_new_string(date) : NULL);
	}
	json_object_object_add(prov, "traces", json_object_get(files));
	{
		json_object *cnt = json_object_new_object(), *progs = json_object_new_object();
		_cleanup_free_ uint64_t *per = calloc(d.n_groups * SM_NR_CLASSES + 1, sizeof(uint64_t));

		json_object_object_add(cnt, "interactive", json_object_new_int64((int64_t)d.count[SM_CLASS_INTERACTIVE]));
		json_object_object_add(cnt, "batch", json_object_new_int64((int64_t)d.count[SM_CLASS_BATCH]));
		json_object_object_add(prov, "vectors", cnt);
		if (per) {
			for (size_t i = 0; i < d.n; i++)
				per[d.group[i] * SM_NR_CLASSES + d.y[i]]++;
			for (size_t g = 0; g < d.n_groups; g++) {
				for (int k = SM_CLASS_INTERACTIVE; k <= SM_CLASS_BATCH; k++) {
					char key[64];

					if (!per[g * SM_NR_CLASSES + k])
						continue;
					snprintf(key, sizeof(key), "%s:%s", sm_class_name(k), d.groups[g]);
					json_object_object_add(progs, key,
							       json_object_new_int64((int64_t)per[g * SM_NR_CLASSES + k]));
				}
			}
		}
		json_object_object_add(prov, "programs", progs);
	}
	hp = json_object_new_object();
	json_object_object_add(hp, "kind", json_object_new_string(kind == SM_MODEL_TREE ? "tree" : "mlp"));
	{
		json_object *fa = json_object_new_array();

		for (uint32_t i = 0; i < in.n; i++)
			json_object_array_add(fa, json_object_new_string(sm_feature_table[in.idx[i]].name));
		json_object_object_add(hp, "features", fa);
	}
	json_object_object_add(hp, "seed", json_object_new_uint64(seed));
	json_object_object_add(hp, "val_split", sm_json_num(val_split, 3));
	json_object_object_add(hp, "class_weight", json_object_new_string(class_bal ? "balanced" : "none"));
	json_object_object_add(hp, "group_weight", json_object_new_string(group_bal ? "balanced" : "none"));
	json_object_object_add(hp, "tick_ns", json_object_new_uint64(fcfg.tick_ns));
	json_object_object_add(hp, "window_ticks", json_object_new_int64(fcfg.window_ticks));
	json_object_object_add(hp, "min_age_ns", json_object_new_uint64(d.min_age_ns));
	if (kind == SM_MODEL_TREE) {
		json_object_object_add(hp, "criterion", json_object_new_string(topt.criterion == SM_CRIT_GINI ? "gini" : "entropy"));
		json_object_object_add(hp, "max_depth", json_object_new_int64(topt.max_depth));
		json_object_object_add(hp, "min_leaf", json_object_new_int64(topt.min_leaf));
	} else {
		json_object *ha = json_object_new_array();

		for (uint32_t l = 0; l < mopt.n_hidden; l++)
			json_object_array_add(ha, json_object_new_int64(mopt.hidden[l]));
		json_object_object_add(hp, "hidden", ha);
		json_object_object_add(hp, "epochs", json_object_new_int64(mopt.epochs));
		json_object_object_add(hp, "batch", json_object_new_int64(mopt.batch));
		json_object_object_add(hp, "lr", sm_json_num(mopt.lr, 6));
		json_object_object_add(hp, "l2", sm_json_num(mopt.l2, 6));
		json_object_object_add(hp, "patience", json_object_new_int64(mopt.patience));
		json_object_object_add(hp, "frac_bits", json_object_new_int64(mopt.frac_bits));
	}
	json_object_object_add(prov, "hyperparameters", hp);
	met = json_object_new_object();
	json_object_object_add(met, "train", sm_confusion_json(&ctrain));
	json_object_object_add(met, "validation", sm_confusion_json(&cval));
	if (cv) {
		json_object *cvo = sm_confusion_json(&ccv);

		json_object_object_add(cvo, "programs", json_object_get(cvprogs));
		json_object_object_add(met, "leave_one_program_out", cvo);
	}
	if (kind == SM_MODEL_MLP) {
		json_object *q = json_object_new_object();

		json_object_object_add(q, "epochs_run", json_object_new_int64(rep.epochs_run));
		json_object_object_add(q, "best_epoch", json_object_new_int64(rep.best_epoch));
		json_object_object_add(q, "train_loss", sm_json_num(rep.train_loss, 5));
		json_object_object_add(q, "val_loss", sm_json_num(rep.val_loss, 5));
		json_object_object_add(q, "float_train_accuracy", sm_json_num(rep.float_train_acc, 4));
		json_object_object_add(q, "float_val_accuracy", sm_json_num(rep.float_val_acc, 4));
		json_object_object_add(q, "float_vs_quantised_agreement",
				       sm_json_num(rep.compared ? (double)rep.agree / rep.compared : 0, 5));
		json_object_object_add(q, "max_score_diff", json_object_new_int64(rep.max_score_diff));
		json_object_object_add(met, "mlp", q);
	} else {
		/* Tree thresholds are the features' own integers: quantisation is exact. */
		json_object_object_add(met, "float_vs_quantised_agreement", sm_json_num(1.0, 5));
	}
	json_object_object_add(prov, "metrics", met);

	m->provenance_json = strdup(json_object_to_json_string_ext(prov, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	m->name = strdup(name ? name : kind == SM_MODEL_TREE ? "schedml-tree" : "schedml-mlp");
	snprintf(desc, sizeof(desc), "%s trained by schedml train on %zu vectors (%" PRIu64
		 " interactive, %" PRIu64 " batch) from %d trace(s)",
		 kind == SM_MODEL_TREE ? "decision tree" : "MLP", d.n, d.count[SM_CLASS_INTERACTIVE],
		 d.count[SM_CLASS_BATCH], argc - optind);
	m->description = strdup(desc);
	if (!m->provenance_json || !m->name || !m->description) {
		log_err("Failed to train: out of memory");
		goto out;
	}
	r = sm_model_validate(m, err, sizeof(err));
	if (r < 0) {
		log_err("Failed to validate the trained model (a trainer bug): %s", err);
		goto out;
	}
	r = sm_model_write_file(m, out);
	if (r < 0) {
		errno = -r;
		log_err("Failed to write %s: %m", out);
		goto out;
	}
	if (!quiet) {
		printf("%s: %s, %zu vectors (%" PRIu64 " interactive, %" PRIu64 " batch, %zu programs)\n",
		       out, kind == SM_MODEL_TREE ? "tree" : "mlp", d.n, d.count[SM_CLASS_INTERACTIVE],
		       d.count[SM_CLASS_BATCH], d.n_groups);
		if (kind == SM_MODEL_TREE)
			printf("  %u nodes\n", m->n_nodes);
		else
			printf("  %u epochs (best %u), float vs quantised agreement %.5f, max score diff %d\n",
			       rep.epochs_run, rep.best_epoch, rep.compared ? (double)rep.agree / rep.compared : 0,
			       rep.max_score_diff);
		print_metrics("train", &ctrain);
		if (n_va)
			print_metrics("validation", &cval);
		if (cv)
			print_metrics("cv (leave one program out)", &ccv);
	}
	ret = 0;
out:
	json_object_put(prov);
	json_object_put(files);
	json_object_put(cvprogs);
	sm_model_free(m);
	sm_dataset_fini(&d);
	return ret;
}
