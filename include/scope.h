/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which tasks the daemon may touch: the operator's scope (--scope / "scope"), the exclude list
 * ("exclude": comm regex, exe path, uid, cgroup prefix) and the built-in guard rails (kernel
 * threads, PID 1, schedml itself, real-time and deadline tasks). Matching is pure: the ancestry
 * walk for pid: rules goes through a caller-supplied lookup.
 */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schedml.h"

enum sm_scope_kind {
	SM_SCOPE_PID = 1,    /* pid:N   N and its descendants */
	SM_SCOPE_CGROUP = 2, /* cgroup:PATH  tasks whose cpu cgroup is PATH or below it */
	SM_SCOPE_UID = 3,    /* uid:N   tasks of that user */
};

struct sm_scope_rule {
	enum sm_scope_kind kind;
	uint32_t id;
	char *path;
};

/* Empty scope = every task (minus excludes and guard rails). */
struct sm_scope {
	struct sm_scope_rule *rules;
	size_t n;
};

/* Parse and append "pid:N", "cgroup:/PATH" or "uid:N". -EINVAL on a bad spec, -ENOMEM. */
int sm_scope_add(struct sm_scope *s, const char *spec);
void sm_scope_clear(struct sm_scope *s);
int sm_scope_copy(struct sm_scope *dst, const struct sm_scope *src);
/* Parent of pid (0 when unknown or at the root). <0 if pid is gone. */
typedef int (*sm_ppid_fn)(void *ctx, uint32_t pid, uint32_t *ppid);
/* Whether ti (a process's main thread) is inside the scope. */
bool sm_scope_match(const struct sm_scope *s, const struct sm_taskinfo *ti, sm_ppid_fn ppid, void *ctx);
/* "pid:123,uid:1000" or "all". Returns length. */
size_t sm_scope_format(const struct sm_scope *s, char *buf, size_t len);

struct sm_exclude {
	char **comm_src;   /* POSIX extended regexes, as written */
	regex_t *comm;
	size_t n_comm;
	char **exe;        /* exact executable paths */
	size_t n_exe;
	uint32_t *uid;
	size_t n_uid;
	char **cgroup;     /* cgroup path prefixes (component-wise) */
	size_t n_cgroup;
};

int sm_exclude_add_comm(struct sm_exclude *x, const char *regex); /* -EINVAL: bad regex */
int sm_exclude_add_exe(struct sm_exclude *x, const char *path);   /* -EINVAL: not absolute */
int sm_exclude_add_uid(struct sm_exclude *x, uint32_t uid);
int sm_exclude_add_cgroup(struct sm_exclude *x, const char *prefix);
void sm_exclude_clear(struct sm_exclude *x);
/* Reason ("exclude.comm ^sshd$") if the task is excluded, else NULL. exe may be NULL (unknown). */
const char *sm_exclude_match(const struct sm_exclude *x, const struct sm_taskinfo *ti, const char *exe,
			     char *buf, size_t len);

/* Built-in guard rails: a static reason string if the task must never be touched, else NULL. */
const char *sm_guard_reason(const struct sm_taskinfo *ti, uint32_t self_tgid);

/* Whether path equals prefix or lies below it ("/a" covers "/a" and "/a/b", not "/ab"). */
bool sm_path_under(const char *path, const char *prefix);
