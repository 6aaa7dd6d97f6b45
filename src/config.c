// SPDX-License-Identifier: GPL-2.0
/* The daemon's JSON configuration (json-c): defaults, parsing with key checks, CLI overrides. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "config.h"
#include "util.h"


void sm_config_init(struct sm_config *c)
{
	*c = (struct sm_config){
		.interval_ns = 250000000ull,
		.window_ticks = 4,
		.source = SM_SOURCE_AUTO,
		.ringbuf_bytes = 8u << 20,
		.max_tasks = 16384,
		.levers = { true, true, true, true, true, true, true },
		.cgroup_weight = 1,
		.cgroup_shares = 2,
		.cgroup_idle = false,
		.state_required = true,
	};
	sm_policy_cfg_default(&c->policy);
	c->origin = strdup("(defaults)");
	c->model_path = strdup(SM_MODEL_DEFAULT_PATH);
	c->cgroup_name = strdup("schedml.batch");
	c->state_file = strdup(SM_RUNTIME_DIR "/state.json");
	c->socket_path = strdup(SM_RUNTIME_DIR "/schedml.sock");
}

void sm_config_free(struct sm_config *c)
{
	if (!c)
		return;
	free(c->origin);
	free(c->model_path);
	free(c->cgroup_name);
	free(c->state_file);
	free(c->socket_path);
	sm_scope_clear(&c->scope);
	sm_exclude_clear(&c->exclude);
	memset(c, 0, sizeof(*c));
}

struct pctx {
	const char *origin;
	char *err;
	size_t errlen;
};

static int perr(struct pctx *p, const char *key, const char *fmt, ...) _printf_(3, 4);
static int perr(struct pctx *p, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s: %s: %s", p->origin, key, msg);
	/* One line: quoted values and keys may hold control bytes (json-c accepts a raw newline
	 * inside a string). Found by tests/fuzz/fuzz_config (regress/config/newline-in-value). */
	for (char *c = p->err; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -EINVAL;
}

/* Every key of obj must be in keys[]; "section" prefixes the name in the error. */
static int check_keys(struct pctx *p, json_object *obj, const char *section, const char *const *keys)
{
	json_object_object_foreach(obj, k, v) {
		bool known = false;

		(void)v;
		for (size_t i = 0; keys[i]; i++)
			if (!strcmp(k, keys[i]))
				known = true;
		if (!known) {
			char full[160];

			snprintf(full, sizeof(full), "%s%s%s", section, *section ? "." : "", k);
			return perr(p, full, "unknown key");
		}
	}
	return 0;
}

static int get_obj(struct pctx *p, json_object *o, const char *k, json_object **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return perr(p, k, "must be an object");
	*out = v;
	return 0;
}

static int get_bool(struct pctx *p, json_object *o, const char *sec, const char *k, bool *dst)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		char full[96];

		snprintf(full, sizeof(full), "%s.%s", sec, k);
		return perr(p, full, "must be true or false");
	}
	*dst = json_object_get_boolean(v);
	return 0;
}

static int get_int(struct pctx *p, json_object *o, const char *sec, const char *k, int64_t lo, int64_t hi,
		   int64_t *dst)
{
	json_object *v;
	char full[96];
	int64_t x;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return 0;
	snprintf(full, sizeof(full), "%s%s%s", sec, *sec ? "." : "", k);
	if (!json_object_is_type(v, json_type_int))
		return perr(p, full, "must be an integer");
	errno = 0;
	x = json_object_get_int64(v);
	if (errno == ERANGE || x < lo || x > hi)
		return perr(p, full, "out of range [%lld, %lld]", (long long)lo, (long long)hi);
	*dst = x;
	return 0;
}

#define GET_INT(p, o, sec, k, lo, hi, dst)                                    \
	({                                                                    \
		int64_t _v = (dst);                                           \
		int _r = get_int(p, o, sec, k, lo, hi, &_v);                  \
		if (_r == 0)                                                  \
			(dst) = (typeof(dst))_v;                              \
		_r;                                                           \
	})

static int get_str(struct pctx *p, json_object *o, const char *sec, const char *k, bool allow_empty,
		   char **dst)
{
	json_object *v;
	char full[96];
	char *s;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return 0;
	snprintf(full, sizeof(full), "%s%s%s", sec, *sec ? "." : "", k);
	if (!json_object_is_type(v, json_type_string))
		return perr(p, full, "must be a string");
	if (!allow_empty && !*json_object_get_string(v))
		return perr(p, full, "must not be empty");
	s = strdup(json_object_get_string(v));
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* A duration: a string with a unit ("250ms", "3s") or a number of seconds. */
static int get_dur(struct pctx *p, json_object *o, const char *sec, const char *k, uint64_t lo, uint64_t hi,
		   uint64_t *dst)
{
	json_object *v;
	char full[96];
	uint64_t ns;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return 0;
	snprintf(full, sizeof(full), "%s%s%s", sec, *sec ? "." : "", k);
	if (json_object_is_type(v, json_type_string)) {
		if (sm_parse_duration_ns(json_object_get_string(v), &ns) < 0)
			return perr(p, full, "bad duration '%s' (e.g. \"250ms\", \"3s\")",
				    json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);

		if (!(d >= 0) || d > 1e9)
			return perr(p, full, "bad duration");
		ns = (uint64_t)llround(d * 1e9);
	} else {
		return perr(p, full, "must be a duration string or a number of seconds");
	}
	if (ns < lo || ns > hi)
		return perr(p, full, "out of range [%llu ns, %llu ns]", (unsigned long long)lo,
			    (unsigned long long)hi);
	*dst = ns;
	return 0;
}

static int get_strarr(struct pctx *p, json_object *o, const char *full, const char *k, json_object **arr)
{
	json_object *v;

	*arr = NULL;
	if (!o || !json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return perr(p, full, "must be an array");
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return perr(p, full, "element %zu must be a string", i);
	*arr = v;
	return 0;
}

static int parse_policy_name(const char *s)
{
	if (!strcmp(s, "idle"))
		return SCHED_IDLE;
	if (!strcmp(s, "batch"))
		return SCHED_BATCH;
	if (!strcmp(s, "other") || !strcmp(s, "normal"))
		return SCHED_OTHER;
	return -EINVAL;
}

static int parse_root(struct pctx *p, json_object *root, struct sm_config *c)
{
	static const char *const top[] = { "interval", "window_ticks", "model", "source", "ringbuf_size",
					   "max_tasks", "scope", "exclude", "policy", "levers", "batch",
					   "latency", "bounds", "state", "status_socket", NULL };
	static const char *const k_excl[] = { "comm", "exe", "uid", "cgroup", NULL };
	static const char *const k_pol[] = { "batch_enter", "batch_leave", "latency_enter", "latency_leave",
					     "confirm_ticks", "min_dwell", "min_cpu_share", "min_age",
					     "max_changes_per_interval", NULL };
	static const char *const k_lev[] = { "cgroup", "systemd_unit", "policy", "nice", "autogroup",
					     "slice", "timer_slack", NULL };
	static const char *const k_batch[] = { "policy", "nice", "cgroup_name", "cgroup_weight",
					       "cgroup_shares", "cgroup_idle", NULL };
	static const char *const k_lat[] = { "enabled", "slice", "timer_slack", "allow_boost", "boost_nice", NULL };
	static const char *const k_bounds[] = { "min_nice", "max_nice", NULL };
	static const char *const k_state[] = { "file", "required", NULL };
	struct sm_policy_cfg *pc = &c->policy;
	json_object *o, *arr, *v;
	char *s = NULL;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return perr(p, "(top level)", "must be a JSON object");
	if ((r = check_keys(p, root, "", top)) < 0)
		return r;
	if ((r = get_dur(p, root, "", "interval", 10000000ull, 10000000000ull, &c->interval_ns)) < 0 ||
	    (r = GET_INT(p, root, "", "window_ticks", 1, 64, c->window_ticks)) < 0 ||
	    (r = get_str(p, root, "", "model", false, &c->model_path)) < 0 ||
	    (r = GET_INT(p, root, "", "max_tasks", 64, 1 << 22, c->max_tasks)) < 0 ||
	    (r = get_str(p, root, "", "status_socket", true, &c->socket_path)) < 0)
		return r;
	if (json_object_object_get_ex(root, "source", &v)) {
		int m = json_object_is_type(v, json_type_string) ?
				sm_source_mode_parse(json_object_get_string(v)) : -EINVAL;

		if (m < 0)
			return perr(p, "source", "must be \"auto\", \"bpf\" or \"proc\"");
		c->source = (enum sm_source_mode)m;
	}
	if (json_object_object_get_ex(root, "ringbuf_size", &v)) {
		uint64_t b = 0;

		if (json_object_is_type(v, json_type_int))
			b = (uint64_t)json_object_get_int64(v);
		else if (!json_object_is_type(v, json_type_string) ||
			 sm_parse_size(json_object_get_string(v), &b) < 0)
			return perr(p, "ringbuf_size", "must be a size (\"8M\") or a number of bytes");
		if (!sm_ringbuf_size_ok(b))
			return perr(p, "ringbuf_size", "must be a power of 2 between 4k and 1G");
		c->ringbuf_bytes = b;
	}
	if ((r = get_strarr(p, root, "scope", "scope", &arr)) < 0)
		return r;
	if (arr) {
		sm_scope_clear(&c->scope);
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			const char *sp = json_object_get_string(json_object_array_get_idx(arr, i));

			if ((r = sm_scope_add(&c->scope, sp)) < 0)
				return r == -ENOMEM ? r : perr(p, "scope", "bad rule '%s' (pid:N, cgroup:/PATH, uid:N)", sp);
		}
	}

	if ((r = get_obj(p, root, "exclude", &o)) < 0)
		return r;
	if (o) {
		if ((r = check_keys(p, o, "exclude", k_excl)) < 0)
			return r;
		if ((r = get_strarr(p, o, "exclude.comm", "comm", &arr)) < 0)
			return r;
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			const char *re = json_object_get_string(json_object_array_get_idx(arr, i));

			if ((r = sm_exclude_add_comm(&c->exclude, re)) < 0)
				return r == -ENOMEM ? r : perr(p, "exclude.comm", "bad regex '%s'", re);
		}
		if ((r = get_strarr(p, o, "exclude.exe", "exe", &arr)) < 0)
			return r;
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(arr, i));

			if ((r = sm_exclude_add_exe(&c->exclude, e)) < 0)
				return r == -ENOMEM ? r : perr(p, "exclude.exe", "'%s' is not an absolute path", e);
		}
		if ((r = get_strarr(p, o, "exclude.cgroup", "cgroup", &arr)) < 0)
			return r;
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(arr, i));

			if ((r = sm_exclude_add_cgroup(&c->exclude, e)) < 0)
				return r == -ENOMEM ? r : perr(p, "exclude.cgroup", "'%s' must start with /", e);
		}
		if (json_object_object_get_ex(o, "uid", &arr)) {
			if (!json_object_is_type(arr, json_type_array))
				return perr(p, "exclude.uid", "must be an array of integers");
			for (size_t i = 0; i < json_object_array_length(arr); i++) {
				json_object *e = json_object_array_get_idx(arr, i);
				int64_t u = json_object_get_int64(e);

				if (!json_object_is_type(e, json_type_int) || u < 0 || u > UINT32_MAX)
					return perr(p, "exclude.uid", "element %zu must be a uid", i);
				if ((r = sm_exclude_add_uid(&c->exclude, (uint32_t)u)) < 0)
					return r;
			}
		}
	}

	if ((r = get_obj(p, root, "policy", &o)) < 0)
		return r;
	if (o) {
		if ((r = check_keys(p, o, "policy", k_pol)) < 0 ||
		    (r = GET_INT(p, o, "policy", "batch_enter", 0, 1000, pc->batch_enter)) < 0 ||
		    (r = GET_INT(p, o, "policy", "batch_leave", 0, 1000, pc->batch_leave)) < 0 ||
		    (r = GET_INT(p, o, "policy", "latency_enter", 0, 1000, pc->latency_enter)) < 0 ||
		    (r = GET_INT(p, o, "policy", "latency_leave", 0, 1000, pc->latency_leave)) < 0 ||
		    (r = GET_INT(p, o, "policy", "confirm_ticks", 1, 1000, pc->confirm_ticks)) < 0 ||
		    (r = GET_INT(p, o, "policy", "max_changes_per_interval", 1, 100000, pc->max_changes)) < 0 ||
		    (r = get_dur(p, o, "policy", "min_dwell", 0, 3600000000000ull, &pc->min_dwell_ns)) < 0 ||
		    (r = get_dur(p, o, "policy", "min_age", 0, 3600000000000ull, &pc->min_age_ns)) < 0)
			return r;
		if (json_object_object_get_ex(o, "min_cpu_share", &v)) {
			double d = json_object_get_double(v);

			if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
			    !(d >= 0) || d > 4096)
				return perr(p, "policy.min_cpu_share", "must be a number of CPUs (e.g. 0.2)");
			pc->min_cpu_share = (uint32_t)llround(d * 1000);
		}
	}

	if ((r = get_obj(p, root, "levers", &o)) < 0)
		return r;
	if (o && ((r = check_keys(p, o, "levers", k_lev)) < 0 ||
		  (r = get_bool(p, o, "levers", "cgroup", &c->levers.cgroup)) < 0 ||
		  (r = get_bool(p, o, "levers", "systemd_unit", &c->levers.systemd_unit)) < 0 ||
		  (r = get_bool(p, o, "levers", "policy", &c->levers.policy)) < 0 ||
		  (r = get_bool(p, o, "levers", "nice", &c->levers.nice)) < 0 ||
		  (r = get_bool(p, o, "levers", "autogroup", &c->levers.autogroup)) < 0 ||
		  (r = get_bool(p, o, "levers", "slice", &c->levers.slice)) < 0 ||
		  (r = get_bool(p, o, "levers", "timer_slack", &c->levers.timer_slack)) < 0))
		return r;

	if ((r = get_obj(p, root, "batch", &o)) < 0)
		return r;
	if (o) {
		if ((r = check_keys(p, o, "batch", k_batch)) < 0 ||
		    (r = GET_INT(p, o, "batch", "nice", -20, 19, pc->batch_nice)) < 0 ||
		    (r = get_str(p, o, "batch", "cgroup_name", false, &c->cgroup_name)) < 0 ||
		    (r = GET_INT(p, o, "batch", "cgroup_weight", 1, 10000, c->cgroup_weight)) < 0 ||
		    (r = GET_INT(p, o, "batch", "cgroup_shares", 2, 262144, c->cgroup_shares)) < 0 ||
		    (r = get_bool(p, o, "batch", "cgroup_idle", &c->cgroup_idle)) < 0)
			return r;
		if (strlen(c->cgroup_name) > 50 || strchr(c->cgroup_name, '/') || !strcmp(c->cgroup_name, ".") || !strcmp(c->cgroup_name, ".."))
			return perr(p, "batch.cgroup_name", "must be a single directory name");
		if ((r = get_str(p, o, "batch", "policy", false, &s)) < 0)
			return r;
		if (s) {
			int pol = parse_policy_name(s);

			free(s);
			if (pol < 0)
				return perr(p, "batch.policy", "must be \"idle\", \"batch\" or \"other\"");
			pc->batch_policy = (uint32_t)pol;
		}
	}

	if ((r = get_obj(p, root, "latency", &o)) < 0)
		return r;
	if (o && ((r = check_keys(p, o, "latency", k_lat)) < 0 ||
		  (r = get_bool(p, o, "latency", "enabled", &pc->latency_enabled)) < 0 ||
		  (r = get_dur(p, o, "latency", "slice", 100000, 100000000, &pc->latency_slice_ns)) < 0 ||
		  (r = get_dur(p, o, "latency", "timer_slack", 1, 1000000000, &pc->latency_slack_ns)) < 0 ||
		  (r = get_bool(p, o, "latency", "allow_boost", &pc->allow_boost)) < 0 ||
		  (r = GET_INT(p, o, "latency", "boost_nice", -20, 19, pc->boost_nice)) < 0))
		return r;

	if ((r = get_obj(p, root, "bounds", &o)) < 0)
		return r;
	if (o && ((r = check_keys(p, o, "bounds", k_bounds)) < 0 ||
		  (r = GET_INT(p, o, "bounds", "min_nice", -20, 19, pc->min_nice)) < 0 ||
		  (r = GET_INT(p, o, "bounds", "max_nice", -20, 19, pc->max_nice)) < 0))
		return r;

	if ((r = get_obj(p, root, "state", &o)) < 0)
		return r;
	if (o && ((r = check_keys(p, o, "state", k_state)) < 0 ||
		  (r = get_str(p, o, "state", "file", false, &c->state_file)) < 0 ||
		  (r = get_bool(p, o, "state", "required", &c->state_required)) < 0))
		return r;
	if (c->state_file[0] != '/')
		return perr(p, "state.file", "must be an absolute path");
	if (c->socket_path[0] && c->socket_path[0] != '/')
		return perr(p, "status_socket", "must be an absolute path (or \"\" for none)");
	if (strlen(c->socket_path) >= 108)
		return perr(p, "status_socket", "path too long for a unix socket");
	return 0;
}

/* Fold the lever switches into the policy's targets and check the result. */
static int finish(struct pctx *p, struct sm_config *c)
{
	struct sm_policy_cfg *pc = &c->policy;
	const char *field = NULL;

	pc->batch_cgroup = c->levers.cgroup || c->levers.systemd_unit;
	pc->batch_set_policy = c->levers.policy;
	pc->batch_set_nice = c->levers.nice;
	pc->batch_autogroup = c->levers.autogroup && c->levers.nice;
	if (!c->levers.slice)
		pc->latency_slice_ns = 0;
	if (!c->levers.timer_slack)
		pc->latency_slack_ns = 0;
	if (!pc->latency_slice_ns && !pc->latency_slack_ns && !(pc->allow_boost && c->levers.nice))
		pc->latency_enabled = false;
	if (sm_policy_cfg_validate(pc, &field) < 0)
		return perr(p, field, "invalid value (thresholds must satisfy batch_enter < batch_leave < "
				      "latency_enter, batch_enter < latency_leave < latency_enter; "
				      "min_nice <= max_nice)");
	return 0;
}

int sm_config_parse(const char *json, const char *origin, struct sm_config *c, char *err, size_t errlen)
{
	struct pctx p = { origin, err, errlen };
	struct json_tokener *tok = json_tokener_new();
	json_object *root;
	int r;

	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)strlen(json) + 1);
	if (!root) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		size_t off = json_tokener_get_parse_end(tok);
		unsigned line = 1;

		for (size_t i = 0; i < off && json[i]; i++)
			line += json[i] == '\n';
		snprintf(err, errlen, "%s:%u: not valid JSON: %s", origin, line, json_tokener_error_desc(je));
		json_tokener_free(tok);
		return -EINVAL;
	}
	json_tokener_free(tok);
	r = parse_root(&p, root, c);
	json_object_put(root);
	if (r == 0)
		r = finish(&p, c);
	if (r == 0) {
		char *o = strdup(origin);

		if (!o)
			return -ENOMEM;
		free(c->origin);
		c->origin = o;
	}
	return r;
}

int sm_config_load(const char *path, struct sm_config *c, char *err, size_t errlen)
{
	_cleanup_free_ char *buf = NULL;
	int r = sm_read_file(path, &buf, NULL);

	if (r < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
		return r;
	}
	return sm_config_parse(buf, path, c, err, errlen);
}

static int set_str(char **dst, const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s%s", a, b ? b : "") < 0)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int sm_config_apply_overrides(struct sm_config *c, const struct sm_config_overrides *o, char *err,
			      size_t errlen)
{
	int r = 0;

	if (o->model_path)
		r = r ?: set_str(&c->model_path, o->model_path, NULL);
	if (o->runtime_dir) {
		r = r ?: set_str(&c->state_file, o->runtime_dir, "/state.json");
		r = r ?: set_str(&c->socket_path, o->runtime_dir, "/schedml.sock");
	}
	if (o->state_file)
		r = r ?: set_str(&c->state_file, o->state_file, NULL);
	if (o->socket_path)
		r = r ?: set_str(&c->socket_path, o->socket_path, NULL);
	if (o->interval_ns)
		c->interval_ns = o->interval_ns;
	if (o->source >= 0)
		c->source = (enum sm_source_mode)o->source;
	if (r)
		return r;
	if (o->scope.n) {
		sm_scope_clear(&c->scope);
		r = sm_scope_copy(&c->scope, &o->scope);
	}
	if (strlen(c->socket_path) >= 108) {
		snprintf(err, errlen, "status socket path too long: %s", c->socket_path);
		return -EINVAL;
	}
	return r;
}
