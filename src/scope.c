// SPDX-License-Identifier: GPL-2.0
/* Scope, exclude list and guard rails: which tasks schedml may touch. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"
#include "util.h"

#define SM_MAX_ANCESTRY 4096

int sm_scope_add(struct sm_scope *s, const char *spec)
{
	struct sm_scope_rule r = { 0 }, *nr;
	const char *arg;

	if (!spec)
		return -EINVAL;
	if (!strncmp(spec, "pid:", 4)) {
		r.kind = SM_SCOPE_PID;
		arg = spec + 4;
		if (sm_parse_u32(arg, &r.id) < 0 || r.id == 0)
			return -EINVAL;
	} else if (!strncmp(spec, "uid:", 4)) {
		r.kind = SM_SCOPE_UID;
		arg = spec + 4;
		if (sm_parse_u32(arg, &r.id) < 0)
			return -EINVAL;
	} else if (!strncmp(spec, "cgroup:", 7)) {
		size_t l;

		r.kind = SM_SCOPE_CGROUP;
		arg = spec + 7;
		if (arg[0] != '/' || strlen(arg) >= SM_CGROUP_LEN)
			return -EINVAL;
		r.path = strdup(arg);
		if (!r.path)
			return -ENOMEM;
		l = strlen(r.path);
		while (l > 1 && r.path[l - 1] == '/')
			r.path[--l] = '\0';
	} else {
		return -EINVAL;
	}
	nr = realloc(s->rules, (s->n + 1) * sizeof(*nr));
	if (!nr) {
		free(r.path);
		return -ENOMEM;
	}
	s->rules = nr;
	s->rules[s->n++] = r;
	return 0;
}

void sm_scope_clear(struct sm_scope *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->rules[i].path);
	free(s->rules);
	s->rules = NULL;
	s->n = 0;
}

int sm_scope_copy(struct sm_scope *dst, const struct sm_scope *src)
{
	char buf[SM_CGROUP_LEN + 16];

	dst->rules = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++) {
		const struct sm_scope_rule *r = &src->rules[i];
		int e;

		if (r->kind == SM_SCOPE_CGROUP)
			snprintf(buf, sizeof(buf), "cgroup:%s", r->path);
		else
			snprintf(buf, sizeof(buf), "%s:%u", r->kind == SM_SCOPE_PID ? "pid" : "uid", r->id);
		e = sm_scope_add(dst, buf);
		if (e < 0) {
			sm_scope_clear(dst);
			return e;
		}
	}
	return 0;
}

bool sm_path_under(const char *path, const char *prefix)
{
	size_t l = strlen(prefix);

	if (l == 1 && prefix[0] == '/')
		return path[0] == '/';
	while (l > 1 && prefix[l - 1] == '/')
		l--;
	return !strncmp(path, prefix, l) && (path[l] == '\0' || path[l] == '/');
}

static bool descends_from(uint32_t pid, uint32_t ancestor, uint32_t first_ppid, sm_ppid_fn ppid, void *ctx)
{
	uint32_t p = first_ppid;

	if (pid == ancestor)
		return true;
	for (int i = 0; i < SM_MAX_ANCESTRY && p > 0; i++) {
		if (p == ancestor)
			return true;
		if (p == 1 || !ppid || ppid(ctx, p, &p) < 0)
			return false;
	}
	return false;
}

bool sm_scope_match(const struct sm_scope *s, const struct sm_taskinfo *ti, sm_ppid_fn ppid, void *ctx)
{
	if (!s || s->n == 0)
		return true;
	for (size_t i = 0; i < s->n; i++) {
		const struct sm_scope_rule *r = &s->rules[i];

		switch (r->kind) {
		case SM_SCOPE_PID:
			if (descends_from(ti->tgid, r->id, ti->ppid, ppid, ctx))
				return true;
			break;
		case SM_SCOPE_UID:
			if (ti->uid == r->id)
				return true;
			break;
		case SM_SCOPE_CGROUP:
			if (ti->cgroup[0] && sm_path_under(ti->cgroup, r->path))
				return true;
			break;
		}
	}
	return false;
}

size_t sm_scope_format(const struct sm_scope *s, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!s || !s->n)
		return (size_t)snprintf(buf, len, "all");
	for (size_t i = 0; i < s->n && n < len; i++) {
		const struct sm_scope_rule *r = &s->rules[i];
		int w;

		if (r->kind == SM_SCOPE_CGROUP)
			w = snprintf(buf + n, len - n, "%scgroup:%s", i ? "," : "", r->path);
		else
			w = snprintf(buf + n, len - n, "%s%s:%u", i ? "," : "",
				     r->kind == SM_SCOPE_PID ? "pid" : "uid", r->id);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return n;
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(char *));

	if (!na)
		return -ENOMEM;
	*arr = na;
	na[*n] = strdup(s);
	if (!na[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/*
 * glibc's regcomp() copies the parse tree for every '+' and {n,m} bound, so stacked or nested
 * repetitions ("o+++++...", "((a{1,99}){1,99}){1,99}") take gigabytes and minutes: a config
 * (or a SIGHUP reload) could take the daemon down. A comm has 15 bytes and needs none of that:
 * refuse a rule longer than 256 bytes or whose product of repetition factors (an upper bound of
 * the copies, whatever the nesting) exceeds 4096. Found by tests/fuzz/fuzz_config.
 */
static bool regex_too_costly(const char *re)
{
	uint64_t cost = 1;

	if (strlen(re) > 256)
		return true;
	for (const char *p = re; *p; p++) {
		switch (*p) {
		case '\\':
			if (p[1])
				p++;
			break;
		case '[': /* bracket expression: its '+' and '{' are literals */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
					char close = p[1];
					const char *q = p + 2;

					while (*q && !(q[0] == close && q[1] == ']'))
						q++;
					if (!*q)
						return false; /* unterminated: regcomp() rejects it */
					p = q + 2;
				} else {
					p++;
				}
			}
			if (!*p)
				return false;
			break;
		case '+':
			cost *= 2;
			break;
		case '{': {
			uint64_t v = 0, max = 0;

			for (p++; *p && *p != '}'; p++) {
				if (*p >= '0' && *p <= '9') {
					v = v * 10 + (uint64_t)(*p - '0');
					if (v > 100000)
						return true;
				} else {
					v = 0;
				}
				if (v > max)
					max = v;
			}
			if (!*p)
				return false;
			cost *= max + 1;
			break;
		}
		}
		if (cost > 4096)
			return true;
	}
	return false;
}

int sm_exclude_add_comm(struct sm_exclude *x, const char *re)
{
	regex_t *nr;
	int e;

	if (regex_too_costly(re))
		return -EINVAL;
	nr = realloc(x->comm, (x->n_comm + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	x->comm = nr;
	if (regcomp(&x->comm[x->n_comm], re, REG_EXTENDED | REG_NOSUB) != 0)
		return -EINVAL;
	{
		size_t n = x->n_comm;

		e = push_str(&x->comm_src, &n, re);
		if (e < 0) {
			regfree(&x->comm[x->n_comm]);
			return e;
		}
	}
	x->n_comm++;
	return 0;
}

int sm_exclude_add_exe(struct sm_exclude *x, const char *path)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	return push_str(&x->exe, &x->n_exe, path);
}

int sm_exclude_add_uid(struct sm_exclude *x, uint32_t uid)
{
	uint32_t *nu = realloc(x->uid, (x->n_uid + 1) * sizeof(*nu));

	if (!nu)
		return -ENOMEM;
	x->uid = nu;
	nu[x->n_uid++] = uid;
	return 0;
}

int sm_exclude_add_cgroup(struct sm_exclude *x, const char *prefix)
{
	if (!prefix || prefix[0] != '/')
		return -EINVAL;
	return push_str(&x->cgroup, &x->n_cgroup, prefix);
}

void sm_exclude_clear(struct sm_exclude *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_comm; i++) {
		regfree(&x->comm[i]);
		free(x->comm_src[i]);
	}
	for (size_t i = 0; i < x->n_exe; i++)
		free(x->exe[i]);
	for (size_t i = 0; i < x->n_cgroup; i++)
		free(x->cgroup[i]);
	free(x->comm);
	free(x->comm_src);
	free(x->exe);
	free(x->uid);
	free(x->cgroup);
	*x = (struct sm_exclude){ 0 };
}

const char *sm_exclude_match(const struct sm_exclude *x, const struct sm_taskinfo *ti, const char *exe,
			     char *buf, size_t len)
{
	for (size_t i = 0; i < x->n_comm; i++)
		if (regexec(&x->comm[i], ti->comm, 0, NULL, 0) == 0) {
			snprintf(buf, len, "exclude.comm %s", x->comm_src[i]);
			return buf;
		}
	for (size_t i = 0; exe && i < x->n_exe; i++)
		if (!strcmp(exe, x->exe[i])) {
			snprintf(buf, len, "exclude.exe %s", x->exe[i]);
			return buf;
		}
	for (size_t i = 0; i < x->n_uid; i++)
		if (ti->uid == x->uid[i]) {
			snprintf(buf, len, "exclude.uid %u", x->uid[i]);
			return buf;
		}
	for (size_t i = 0; i < x->n_cgroup; i++)
		if (ti->cgroup[0] && sm_path_under(ti->cgroup, x->cgroup[i])) {
			snprintf(buf, len, "exclude.cgroup %s", x->cgroup[i]);
			return buf;
		}
	return NULL;
}

const char *sm_guard_reason(const struct sm_taskinfo *ti, uint32_t self_tgid)
{
	if (ti->kthread || ti->tgid == 2 || ti->ppid == 2)
		return "kernel thread";
	if (ti->tgid == 1 || ti->pid == 1)
		return "PID 1";
	if (ti->tgid == self_tgid)
		return "schedml itself";
	if (ti->policy == SCHED_FIFO || ti->policy == SCHED_RR || ti->policy == SCHED_DEADLINE)
		return "real-time or deadline policy";
	if (ti->tgid == 0)
		return "idle task";
	return NULL;
}
