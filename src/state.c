// SPDX-License-Identifier: GPL-2.0
/* The state file: JSON (json-c), written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "state.h"
#include "util.h"

static void put_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void put_i64(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void put_bool(json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static void put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *proc_json(const struct sm_act_proc *p)
{
	json_object *o = json_object_new_object(), *ths = json_object_new_array();

	put_u64(o, "tgid", p->tgid);
	put_u64(o, "start_time", p->start_time);
	put_str(o, "comm", p->comm);
	put_bool(o, "cg_moved", p->cg_moved);
	put_str(o, "o_cgroup", p->o_cgroup);
	put_bool(o, "ag_set", p->ag_set);
	put_i64(o, "o_ag_nice", p->o_ag_nice);
	put_i64(o, "s_ag_nice", p->s_ag_nice);
	put_bool(o, "unit_set", p->unit_set);
	put_str(o, "unit", p->unit);
	put_u64(o, "o_unit_weight", p->o_unit_weight);
	put_u64(o, "s_unit_weight", p->s_unit_weight);
	for (size_t i = 0; i < p->n; i++) {
		const struct sm_act_thread *t = &p->t[i];
		json_object *j;

		if (!t->applied && !t->slack_set)
			continue;
		j = json_object_new_object();
		put_u64(j, "tid", t->tid);
		put_u64(j, "start_time", t->start_time);
		put_u64(j, "o_policy", t->o_policy);
		put_i64(j, "o_nice", t->o_nice);
		put_u64(j, "o_runtime", t->o_runtime);
		put_u64(j, "o_slack", t->o_slack);
		put_bool(j, "applied", t->applied);
		put_u64(j, "s_policy", t->s_policy);
		put_i64(j, "s_nice", t->s_nice);
		put_u64(j, "s_runtime", t->s_runtime);
		put_bool(j, "slack_set", t->slack_set);
		put_u64(j, "s_slack", t->s_slack);
		json_object_array_add(ths, j);
	}
	json_object_object_add(o, "threads", ths);
	return o;
}

int sm_state_write(const char *path, const struct sm_levers *lv, struct sm_act_proc *const *procs, size_t n)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array(), *cg;
	char tmp[4200];
	const char *txt;
	size_t len;
	int fd, r = 0;

	if (!root || !arr)
		return -ENOMEM;
	put_u64(root, "version", SM_STATE_VERSION);
	put_u64(root, "pid", (uint64_t)getpid());
	cg = json_object_new_object();
	put_str(cg, "mount", lv->cg_mount);
	put_str(cg, "batch", lv->cg_batch);
	put_str(cg, "batch_rel", lv->cg_batch_rel);
	put_u64(cg, "default_slice_ns", lv->default_slice_ns);
	json_object_object_add(root, "levers", cg);
	for (size_t i = 0; i < n; i++)
		if (procs[i] && sm_act_proc_active(procs[i]))
			json_object_array_add(arr, proc_json(procs[i]));
	json_object_object_add(root, "procs", arr);
	txt = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	len = strlen(txt);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, txt + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (r == 0 && (write(fd, "\n", 1) != 1 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
out:
	json_object_put(root);
	return r;
}

static int get_u64(json_object *o, const char *k, uint64_t *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int))
		return -EINVAL;
	*v = json_object_get_uint64(x);
	return 0;
}

static int get_i32(json_object *o, const char *k, int32_t *v)
{
	json_object *x;
	int64_t i;

	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int))
		return -EINVAL;
	i = json_object_get_int64(x);
	if (i < -20 || i > 19)
		return -EINVAL;
	*v = (int32_t)i;
	return 0;
}

static int get_bool(json_object *o, const char *k, bool *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_boolean))
		return -EINVAL;
	*v = json_object_get_boolean(x);
	return 0;
}

static int get_strn(json_object *o, const char *k, char *buf, size_t len)
{
	json_object *x;

	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_string) ||
	    strlen(json_object_get_string(x)) >= len)
		return -EINVAL;
	snprintf(buf, len, "%s", json_object_get_string(x));
	return 0;
}

static int parse_thread(json_object *j, struct sm_act_thread *t)
{
	uint64_t v;

	memset(t, 0, sizeof(*t));
	if (get_u64(j, "tid", &v) < 0 || v == 0 || v > UINT32_MAX)
		return -EINVAL;
	t->tid = (uint32_t)v;
	if (get_u64(j, "start_time", &t->start_time) < 0 || get_u64(j, "o_policy", &v) < 0 || v > 6)
		return -EINVAL;
	t->o_policy = (uint32_t)v;
	if (get_u64(j, "s_policy", &v) < 0 || v > 6)
		return -EINVAL;
	t->s_policy = (uint32_t)v;
	if (get_i32(j, "o_nice", &t->o_nice) < 0 || get_i32(j, "s_nice", &t->s_nice) < 0 ||
	    get_u64(j, "o_runtime", &t->o_runtime) < 0 || get_u64(j, "s_runtime", &t->s_runtime) < 0 ||
	    get_u64(j, "o_slack", &t->o_slack) < 0 || get_u64(j, "s_slack", &t->s_slack) < 0 ||
	    get_bool(j, "applied", &t->applied) < 0 || get_bool(j, "slack_set", &t->slack_set) < 0)
		return -EINVAL;
	return 0;
}

static int parse_proc(json_object *o, struct sm_act_proc *p)
{
	json_object *ths;
	uint64_t v;

	memset(p, 0, sizeof(*p));
	p->pidfd = -1;
	if (get_u64(o, "tgid", &v) < 0 || v <= 1 || v > UINT32_MAX)
		return -EINVAL;
	p->tgid = (uint32_t)v;
	if (get_u64(o, "start_time", &p->start_time) < 0 || get_strn(o, "comm", p->comm, sizeof(p->comm)) < 0 ||
	    get_bool(o, "cg_moved", &p->cg_moved) < 0 ||
	    get_strn(o, "o_cgroup", p->o_cgroup, sizeof(p->o_cgroup)) < 0 ||
	    get_bool(o, "ag_set", &p->ag_set) < 0 || get_i32(o, "o_ag_nice", &p->o_ag_nice) < 0 ||
	    get_i32(o, "s_ag_nice", &p->s_ag_nice) < 0)
		return -EINVAL;
	if (p->cg_moved && (p->o_cgroup[0] != '/' || strstr(p->o_cgroup, "/..")))
		return -EINVAL;
	/* systemd unit lever (optional keys) */
	if (json_object_object_get_ex(o, "unit_set", NULL) &&
	    (get_bool(o, "unit_set", &p->unit_set) < 0 || get_strn(o, "unit", p->unit, sizeof(p->unit)) < 0 ||
	     get_u64(o, "o_unit_weight", &p->o_unit_weight) < 0 ||
	     get_u64(o, "s_unit_weight", &p->s_unit_weight) < 0))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "threads", &ths) || !json_object_is_type(ths, json_type_array))
		return -EINVAL;
	p->n = p->cap = json_object_array_length(ths);
	if (p->n) {
		p->t = calloc(p->n, sizeof(*p->t));
		if (!p->t)
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		int r = parse_thread(json_object_array_get_idx(ths, i), &p->t[i]);

		if (r < 0)
			return r;
	}
	if (p->n) {
		p->o_policy = p->t[0].o_policy;
		p->o_nice = p->t[0].o_nice;
		p->o_runtime = p->t[0].o_runtime;
		p->o_slack = p->t[0].o_slack;
		p->have_ref = true;
	}
	return 0;
}

int sm_state_read(const char *path, struct sm_levers *lv, struct sm_act_proc **procs, size_t *n, char *err,
		  size_t errlen)
{
	_cleanup_free_ char *buf = NULL;
	json_object *root, *arr, *cg;
	struct sm_act_proc *ps = NULL;
	size_t np = 0;
	uint64_t ver;
	int r;

	*procs = NULL;
	*n = 0;
	r = sm_read_file(path, &buf, NULL);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	root = json_tokener_parse(buf);
	if (!root) {
		snprintf(err, errlen, "%s: not valid JSON", path);
		return -EINVAL;
	}
	r = -EINVAL;
	if (get_u64(root, "version", &ver) < 0 || ver != SM_STATE_VERSION) {
		snprintf(err, errlen, "%s: version: unsupported", path);
		goto out;
	}
	if (json_object_object_get_ex(root, "levers", &cg) && json_object_is_type(cg, json_type_object)) {
		char mount[sizeof(lv->cg_mount)], batch[sizeof(lv->cg_batch)], rel[sizeof(lv->cg_batch_rel)];

		if (get_strn(cg, "mount", mount, sizeof(mount)) == 0 && get_strn(cg, "batch", batch, sizeof(batch)) == 0 &&
		    get_strn(cg, "batch_rel", rel, sizeof(rel)) == 0 && mount[0] == '/') {
			memcpy(lv->cg_mount, mount, sizeof(mount));
			memcpy(lv->cg_batch, batch, sizeof(batch));
			memcpy(lv->cg_batch_rel, rel, sizeof(rel));
		}
	}
	if (!json_object_object_get_ex(root, "procs", &arr) || !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "%s: procs: missing or not an array", path);
		goto out;
	}
	np = json_object_array_length(arr);
	ps = calloc(np ? np : 1, sizeof(*ps));
	if (!ps) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		r = parse_proc(json_object_array_get_idx(arr, i), &ps[i]);
		if (r < 0) {
			snprintf(err, errlen, "%s: procs[%zu]: malformed entry", path, i);
			sm_state_free(ps, i + 1);
			ps = NULL;
			goto out;
		}
	}
	*procs = ps;
	*n = np;
	r = 0;
out:
	json_object_put(root);
	return r;
}

void sm_state_free(struct sm_act_proc *procs, size_t n)
{
	if (!procs)
		return;
	for (size_t i = 0; i < n; i++)
		sm_act_proc_close(&procs[i]);
	free(procs);
}
