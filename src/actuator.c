// SPDX-License-Identifier: GPL-2.0
/*
 * The actuator: the only file that changes tasks and cgroups (sched_setattr, setpriority,
 * /proc/<pid>/timerslack_ns, /proc/<pid>/autogroup, cgroup.procs, cpu.weight/cpu.shares/cpu.idle).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

#include "actuator.h"
#include "procfs.h"
#include "util.h"

#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif

struct sm_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static int sys_getattr(uint32_t tid, struct sm_sched_attr *a)
{
	memset(a, 0, sizeof(*a));
	if (syscall(SYS_sched_getattr, (pid_t)tid, a, sizeof(*a), 0) < 0)
		return -errno;
	return 0;
}

static int sys_setattr(uint32_t tid, uint32_t policy, int32_t nice, uint64_t runtime, uint64_t flags)
{
	struct sm_sched_attr a = {
		.size = sizeof(a),
		.sched_policy = policy,
		.sched_flags = flags,
		.sched_nice = nice,
		.sched_runtime = runtime,
	};

	if (syscall(SYS_sched_setattr, (pid_t)tid, &a, 0) < 0)
		return -errno;
	return 0;
}

static int sys_setnice(uint32_t tid, int32_t nice)
{
	if (setpriority(PRIO_PROCESS, (id_t)tid, nice) < 0)
		return -errno;
	return 0;
}

static int pidfd_alive(int pidfd)
{
	if (pidfd < 0)
		return 0;
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* Still the process we opened: its pidfd, or when unpinned (state file, no pidfd_open) its
 * start time. 0, -ESRCH or -errno. */
static int proc_alive(const struct sm_act_proc *p)
{
	uint64_t st;
	int r;

	if (p->pidfd >= 0)
		return pidfd_alive(p->pidfd);
	r = sm_act_start_time(p->tgid, &st);
	if (r == 0 && st != p->start_time)
		r = -ESRCH;
	return r;
}

int sm_act_read_sched(uint32_t tid, uint32_t *policy, int32_t *nice, uint64_t *runtime)
{
	struct sm_sched_attr a;
	int r = sys_getattr(tid, &a);

	if (r < 0)
		return r;
	if (policy)
		*policy = a.sched_policy;
	if (nice)
		*nice = a.sched_nice;
	if (runtime)
		*runtime = a.sched_runtime;
	return 0;
}

static int stat_start(const char *path, uint64_t *start_time)
{
	char buf[1024];
	struct sm_proc_stat st;
	ssize_t n = sm_read_small(path, buf, sizeof(buf));

	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	if (sm_proc_parse_stat(buf, &st) < 0)
		return -EINVAL;
	*start_time = st.starttime;
	return 0;
}

int sm_act_start_time(uint32_t pid, uint64_t *start_time)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	return stat_start(path, start_time);
}

static int thread_start_time(uint32_t tgid, uint32_t tid, uint64_t *start_time)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	return stat_start(path, start_time);
}

static int read_u64_file(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n = sm_read_small(path, buf, sizeof(buf));

	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	return sm_parse_u64(buf, v);
}

static int read_slack(uint32_t tid, uint64_t *v)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/timerslack_ns", tid);
	return read_u64_file(path, v);
}

static int write_slack(uint32_t tid, uint64_t v)
{
	char path[64], val[32];
	int r;

	snprintf(path, sizeof(path), "/proc/%u/timerslack_ns", tid);
	snprintf(val, sizeof(val), "%" PRIu64, v);
	r = sm_write_str(path, val);
	return r == -ENOENT ? -ESRCH : r;
}

/* "/autogroup-13 nice 0" */
static int read_autogroup(uint32_t pid, int32_t *nice)
{
	char path[64], buf[128];
	const char *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/autogroup", pid);
	n = sm_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	p = strstr(buf, " nice ");
	if (!p)
		return -EINVAL;
	return sm_parse_i32(p + 6, nice);
}

static int write_autogroup(uint32_t pid, int32_t nice)
{
	char path[64], val[16];
	int r;

	snprintf(path, sizeof(path), "/proc/%u/autogroup", pid);
	snprintf(val, sizeof(val), "%" PRId32, nice);
	r = sm_write_str(path, val);
	return r == -ENOENT ? -ESRCH : r;
}

static int read_cgroup(uint32_t tgid, char *path, size_t len)
{
	char p[64];
	_cleanup_free_ char *buf = NULL;
	int r;

	snprintf(p, sizeof(p), "/proc/%u/cgroup", tgid);
	r = sm_read_file(p, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	return sm_proc_parse_cgroup(buf, path, len);
}

static int move_to_cgroup(const char *dir, uint32_t tgid)
{
	char path[PATH_MAX + SM_CGROUP_LEN + 32], val[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(val, sizeof(val), "%u", tgid);
	return sm_write_str(path, val);
}

int sm_act_cgroup_setup(const struct sm_act_ctx *a)
{
	const struct sm_levers *lv = a->lv;
	char path[PATH_MAX + 32], val[32];
	int r;

	if (lv->cg_mode == SM_CG_NONE)
		return -EOPNOTSUPP;
	if (lv->cg_mode == SM_CG_V2 && lv->cg_enable_cpu) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", lv->cg_mount);
		r = sm_write_str(path, "+cpu");
		if (r < 0)
			return r;
	}
	if (mkdir(lv->cg_batch, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (a->cg_idle) {
		snprintf(path, sizeof(path), "%s/cpu.idle", lv->cg_batch);
		return sm_write_str(path, "1");
	}
	if (lv->cg_mode == SM_CG_V2) {
		snprintf(path, sizeof(path), "%s/cpu.weight", lv->cg_batch);
		snprintf(val, sizeof(val), "%u", a->cg_weight);
	} else {
		snprintf(path, sizeof(path), "%s/cpu.shares", lv->cg_batch);
		snprintf(val, sizeof(val), "%u", a->cg_shares);
	}
	return sm_write_str(path, val);
}

int sm_act_cgroup_teardown(const struct sm_act_ctx *a)
{
	if (a->lv->cg_mode == SM_CG_NONE || !a->lv->cg_batch[0])
		return 0;
	if (rmdir(a->lv->cg_batch) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int sm_act_proc_open(struct sm_act_proc *p, uint32_t tgid, uint64_t start_time, const char *comm)
{
	uint64_t st = 0;
	int fd, r;

	memset(p, 0, sizeof(*p));
	p->pidfd = -1;
	p->tgid = tgid;
	p->start_time = start_time;
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	/* Last line of defence, whatever the caller checked: never PID 1, ourselves or a kernel thread. */
	if (tgid <= 1 || tgid == (uint32_t)getpid())
		return -EPERM;
	{
		char path[64], buf[1024];
		struct sm_proc_stat ps;

		snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
		if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_stat(buf, &ps) < 0)
			return -ESRCH;
		if (ps.flags & 0x00200000u) /* PF_KTHREAD */
			return -EPERM;
	}
	fd = (int)syscall(SYS_pidfd_open, (pid_t)tgid, 0);
	/* No pidfd_open (kernel < 5.3, a seccomp filter, valgrind): unpinned, like a process
	 * restored from the state file; every later step then re-checks the start time. */
	if (fd < 0 && errno != ENOSYS)
		return -errno;
	/* The pidfd pins this process; the start time proves it is the one we were told about. */
	r = sm_act_start_time(tgid, &st);
	if (r == 0 && st != start_time)
		r = -ESRCH;
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* pidfds are O_CLOEXEC by default. */
	p->pidfd = fd;
	return 0;
}

void sm_act_proc_close(struct sm_act_proc *p)
{
	if (!p)
		return;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	free(p->t);
	p->t = NULL;
	p->n = p->cap = 0;
}

bool sm_act_proc_active(const struct sm_act_proc *p)
{
	if (p->cg_moved || p->ag_set || p->unit_set)
		return true;
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].applied)
			return true;
	return false;
}

static struct sm_act_thread *find_thread(struct sm_act_proc *p, uint32_t tid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].tid == tid)
			return &p->t[i];
	return NULL;
}

static struct sm_act_thread *add_thread(struct sm_act_proc *p, uint32_t tid)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 8;
		struct sm_act_thread *nt = realloc(p->t, nc * sizeof(*nt));

		if (!nt)
			return NULL;
		p->t = nt;
		p->cap = nc;
	}
	memset(&p->t[p->n], 0, sizeof(p->t[0]));
	p->t[p->n].tid = tid;
	return &p->t[p->n++];
}

static void drop_thread(struct sm_act_proc *p, struct sm_act_thread *th)
{
	size_t i = (size_t)(th - p->t);

	p->t[i] = p->t[--p->n];
}

/* A custom slice reads back as its value; no custom slice reads as the default slice. */
static uint64_t norm_runtime(const struct sm_act_ctx *a, uint32_t policy, uint64_t rt)
{
	if (!a->lv->slice || (policy != SCHED_OTHER && policy != SCHED_BATCH))
		return 0;
	return rt == a->lv->default_slice_ns ? 0 : rt;
}

/* Desired values of a thread under target t. */
static void desired(const struct sm_act_ctx *a, const struct sm_act_thread *th, const struct sm_target *t,
		    uint32_t *pol, int32_t *nice, uint64_t *rt, bool *slack_on, uint64_t *slack)
{
	*pol = t->set_policy ? t->policy : th->o_policy;
	*nice = t->set_nice ? t->nice : th->o_nice;
	if (*pol == SCHED_IDLE)
		*rt = 0;
	else
		*rt = (t->set_slice && a->use_slice) ? t->slice_ns : th->o_runtime;
	*slack_on = t->set_slack && a->use_slack;
	*slack = *slack_on ? t->slack_ns : th->o_slack;
}

/* Bring one thread to (pol, nice, rt); returns changes made or -errno. */
static int set_thread(const struct sm_act_ctx *a, uint32_t tid, uint32_t cur_pol, int32_t cur_nice,
		      uint64_t cur_rt, uint32_t pol, int32_t nice, uint64_t rt, bool reset_on_fork)
{
	int changes = 0, r;

	if (cur_pol != pol || cur_rt != rt) {
		/* sched_setattr carries the nice for fair policies; SCHED_IDLE ignores it (setpriority below). */
		r = sys_setattr(tid, pol, nice, a->lv->slice ? rt : 0,
				reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0);
		if (r < 0)
			return r;
		changes++;
		r = sm_act_read_sched(tid, NULL, &cur_nice, NULL);
		if (r < 0)
			return r;
	}
	if (cur_nice != nice) {
		r = sys_setnice(tid, nice);
		if (r < 0)
			return r;
		changes++;
	}
	return changes;
}

/* ---- systemd unit lever: CPUWeight= through org.freedesktop.systemd1 (sd-bus) ---- */

static const char *unit_iface(const char *unit)
{
	const char *dot = strrchr(unit, '.');

	if (dot && !strcmp(dot, ".service"))
		return "org.freedesktop.systemd1.Service";
	if (dot && !strcmp(dot, ".scope"))
		return "org.freedesktop.systemd1.Scope";
	return NULL;
}

static int unit_weight_get(sd_bus *bus, const char *unit, uint64_t *w)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "GetUnit", &err, &reply, "s", unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", path, unit_iface(unit),
						"CPUWeight", &err, 't', w);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	return r < 0 ? r : 0;
}

static int unit_weight_set(sd_bus *bus, const char *unit, uint64_t w)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int r;

	/* runtime=true: gone at reboot, like everything else schedml does */
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "SetUnitProperties", &err, NULL, "sba(sv)",
			       unit, 1, 1, "CPUWeight", "t", w);
	sd_bus_error_free(&err);
	return r < 0 ? r : 0;
}

/* Whether the process is the only one in its unit's cgroup (then the unit's weight is its own). */
static bool alone_in_cgroup(const struct sm_act_ctx *a, uint32_t tgid)
{
	char cur[SM_CGROUP_LEN], path[PATH_MAX + SM_CGROUP_LEN + 32];
	_cleanup_free_ char *procs = NULL;
	char *nl;

	if (read_cgroup(tgid, cur, sizeof(cur)) < 0)
		return false;
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", a->lv->cg_mount, cur);
	if (sm_read_file(path, &procs, NULL) < 0)
		return false;
	nl = strchr(procs, '\n');
	return nl && nl[1] == '\0' && (uint32_t)strtoul(procs, NULL, 10) == tgid;
}

/* 1 if the unit lever demoted (or restored) the process, 0 if it does not apply, -errno. */
static int apply_unit(const struct sm_act_ctx *a, struct sm_act_proc *p, bool demote)
{
	sd_bus *bus = a->bus;
	char *unit = NULL;
	uint64_t w;
	int r;

	if (!bus)
		return 0;
	if (demote && !p->unit_set) {
		if (sd_pid_get_unit((pid_t)p->tgid, &unit) < 0 || !unit_iface(unit) || !alone_in_cgroup(a, p->tgid)) {
			free(unit);
			return 0;
		}
		snprintf(p->unit, sizeof(p->unit), "%s", unit);
		free(unit);
		r = unit_weight_get(bus, p->unit, &w);
		if (r < 0)
			return 0; /* fall back to moving it */
		r = unit_weight_set(bus, p->unit, a->cg_weight);
		if (r < 0)
			return 0;
		p->o_unit_weight = w;
		p->s_unit_weight = a->cg_weight;
		p->unit_set = true;
		return 1;
	}
	if (!demote && p->unit_set) {
		p->unit_set = false;
		if (unit_weight_get(bus, p->unit, &w) < 0 || w != p->s_unit_weight)
			return 0; /* gone, or someone else set it since */
		r = unit_weight_set(bus, p->unit, p->o_unit_weight);
		return r < 0 ? r : 1;
	}
	return 0;
}

static int apply_cgroup(const struct sm_act_ctx *a, struct sm_act_proc *p, bool demote)
{
	const struct sm_levers *lv = a->lv;
	char cur[SM_CGROUP_LEN], dir[PATH_MAX + SM_CGROUP_LEN];
	int r;

	r = apply_unit(a, p, demote);
	if (r != 0 || p->unit_set)
		return r;
	if (demote && !p->cg_moved) {
		if (!a->use_cgroup || lv->cg_mode == SM_CG_NONE)
			return 0;
		r = read_cgroup(p->tgid, cur, sizeof(cur));
		if (r < 0)
			return r;
		if (!strcmp(cur, lv->cg_batch_rel))
			snprintf(cur, sizeof(cur), "/"); /* already there without a record: root is the best guess */
		r = move_to_cgroup(lv->cg_batch, p->tgid);
		if (r < 0)
			return r == -ENOENT ? -ESRCH : r;
		snprintf(p->o_cgroup, sizeof(p->o_cgroup), "%s", cur);
		p->cg_moved = true;
		return 1;
	}
	if (!demote && p->cg_moved) {
		r = read_cgroup(p->tgid, cur, sizeof(cur));
		if (r < 0)
			return r;
		p->cg_moved = false;
		if (strcmp(cur, lv->cg_batch_rel))
			return 0; /* moved by someone else since: theirs */
		snprintf(dir, sizeof(dir), "%s%s", lv->cg_mount, strcmp(p->o_cgroup, "/") ? p->o_cgroup : "");
		r = move_to_cgroup(dir, p->tgid);
		if (r == -ENOENT) /* the original cgroup is gone: the hierarchy's root */
			r = move_to_cgroup(lv->cg_mount, p->tgid);
		if (r < 0) {
			p->cg_moved = r != -ESRCH;
			return r;
		}
		return 1;
	}
	return 0;
}

static int apply_autogroup(const struct sm_act_ctx *a, struct sm_act_proc *p, const struct sm_target *t)
{
	bool want = t->set_nice && t->autogroup && a->use_autogroup && a->lv->autogroup;
	int32_t cur;
	int r;

	if (want && !p->ag_set) {
		/* Only when the process leads its own session, hence its own autogroup. */
		if (getsid((pid_t)p->tgid) != (pid_t)p->tgid)
			return 0;
		r = read_autogroup(p->tgid, &cur);
		if (r < 0)
			return r;
		if (cur >= t->nice)
			return 0;
		r = write_autogroup(p->tgid, t->nice);
		if (r < 0)
			return r;
		p->o_ag_nice = cur;
		p->s_ag_nice = t->nice;
		p->ag_set = true;
		return 1;
	}
	if (!want && p->ag_set) {
		p->ag_set = false;
		r = read_autogroup(p->tgid, &cur);
		if (r < 0)
			return r;
		if (cur != p->s_ag_nice)
			return 0;
		r = write_autogroup(p->tgid, p->o_ag_nice);
		return r < 0 ? r : 1;
	}
	return 0;
}

/* Walk /proc/<tgid>/task and bring every thread to target t. */
static int apply_threads(const struct sm_act_ctx *a, struct sm_act_proc *p, const struct sm_target *t,
			 bool restoring)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int changes = 0, err = 0;

	snprintf(path, sizeof(path), "/proc/%u/task", p->tgid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	for (size_t i = 0; i < p->n; i++)
		p->t[i].seen = false;
	while ((de = readdir(d))) {
		struct sm_act_thread *th;
		uint32_t tid, cur_pol, pol;
		int32_t cur_nice, nice;
		uint64_t cur_rt, rt, cur_slack = 0, slack, st = 0;
		bool slack_on;
		int r;

		if (de->d_name[0] == '.' || sm_parse_u32(de->d_name, &tid) < 0)
			continue;
		r = sm_act_read_sched(tid, &cur_pol, &cur_nice, &cur_rt);
		if (r < 0)
			continue;
		cur_rt = norm_runtime(a, cur_pol, cur_rt);
		th = find_thread(p, tid);
		if (th && thread_start_time(p->tgid, tid, &st) == 0 && st != th->start_time) {
			drop_thread(p, th); /* tid reused within the process */
			th = NULL;
		}
		if (!th) {
			if (restoring)
				continue; /* never touched it: nothing to restore */
			th = add_thread(p, tid);
			if (!th) {
				err = -ENOMEM;
				break;
			}
			if (thread_start_time(p->tgid, tid, &th->start_time) < 0 ||
			    read_slack(tid, &cur_slack) < 0) {
				drop_thread(p, th);
				continue;
			}
			if (p->have_ref && sm_act_proc_active(p) && cur_pol == (p->target.set_policy ? p->target.policy : p->o_policy) &&
			    cur_nice == (p->target.set_nice ? p->target.nice : p->o_nice)) {
				/* Born from a thread schedml had changed: it inherited our values. */
				th->o_policy = p->o_policy;
				th->o_nice = p->o_nice;
				th->o_runtime = p->o_runtime;
				th->o_slack = p->o_slack;
			} else {
				th->o_policy = cur_pol;
				th->o_nice = cur_nice;
				th->o_runtime = cur_rt;
				th->o_slack = cur_slack;
			}
			if (!p->have_ref || tid == p->tgid) {
				p->o_policy = th->o_policy;
				p->o_nice = th->o_nice;
				p->o_runtime = th->o_runtime;
				p->o_slack = th->o_slack;
				p->have_ref = true;
			}
		}
		th->seen = true;
		if (restoring && !th->applied && !th->slack_set)
			continue; /* schedml never changed this thread */
		if (th->o_policy != SCHED_OTHER && th->o_policy != SCHED_BATCH && th->o_policy != SCHED_IDLE)
			continue; /* a real-time or deadline thread is never touched */
		desired(a, th, t, &pol, &nice, &rt, &slack_on, &slack);
		if (restoring || th->applied) {
			/* Restore or change only what is still as schedml set it. */
			if (th->applied) {
				if (cur_pol != th->s_policy)
					pol = cur_pol;
				if (cur_nice != th->s_nice)
					nice = cur_nice;
				if (cur_rt != th->s_runtime)
					rt = cur_rt;
			}
		}
		/* Children must not inherit a demotion's policy or a custom slice silently: reset on
		 * fork (a demoted process's children are adopted by the daemon instead). */
		r = set_thread(a, tid, cur_pol, cur_nice, cur_rt, pol, nice, rt,
			       (t->set_policy && pol == SCHED_IDLE) || (t->set_slice && rt && rt == t->slice_ns));
		if (r >= 0 && (slack_on || th->slack_set)) {
			int r2 = read_slack(tid, &cur_slack);

			if (r2 == 0 && cur_slack != slack && (!th->slack_set || cur_slack == th->s_slack)) {
				r2 = write_slack(tid, slack);
				if (r2 == 0)
					r++;
			}
			if (r2 < 0 && r2 != -ESRCH)
				r = r2;
		}
		if (r == -ESRCH) {
			drop_thread(p, th);
			continue;
		}
		if (r < 0) {
			err = r;
			break;
		}
		changes += r;
		th->s_policy = pol;
		th->s_nice = nice;
		th->s_runtime = rt;
		th->slack_set = slack_on;
		th->s_slack = slack;
		th->applied = !restoring && (t->set_policy || t->set_nice || t->set_slice || slack_on);
	}
	closedir(d);
	/* Threads that are gone are forgotten. */
	for (size_t i = 0; i < p->n;)
		if (!p->t[i].seen && !err)
			drop_thread(p, &p->t[i]);
		else
			i++;
	return err ? err : changes;
}

static bool target_empty(const struct sm_target *t)
{
	return !t->set_nice && !t->set_policy && !t->set_slice && !t->set_slack && !t->cgroup_demote;
}

int sm_act_apply(const struct sm_act_ctx *a, struct sm_act_proc *p, const struct sm_target *t)
{
	int r, changes = 0;

	if (target_empty(t))
		return sm_act_restore(a, p);
	r = proc_alive(p);
	if (r < 0)
		return r;
	r = apply_cgroup(a, p, t->cgroup_demote);
	if (r < 0)
		return r;
	changes += r;
	r = apply_threads(a, p, t, false);
	if (r < 0)
		return r;
	changes += r;
	r = apply_autogroup(a, p, t);
	if (r < 0)
		return r;
	changes += r;
	p->target = *t;
	return changes;
}

int sm_act_restore(const struct sm_act_ctx *a, struct sm_act_proc *p)
{
	struct sm_target none = { 0 };
	int r, changes = 0, err = 0;

	r = proc_alive(p); /* unpinned (state file, no pidfd_open): the start time proves identity */
	if (r < 0)
		goto out;
	r = apply_cgroup(a, p, false);
	if (r < 0)
		err = err ?: r;
	else
		changes += r;
	r = apply_threads(a, p, &none, true);
	if (r < 0)
		err = err ?: r;
	else
		changes += r;
	r = apply_autogroup(a, p, &none);
	if (r < 0)
		err = err ?: r;
	else
		changes += r;
	r = err;
out:
	/* Forget the thread records: a later change records fresh originals. */
	p->target = none;
	p->n = 0;
	p->have_ref = false;
	p->cg_moved = false;
	p->ag_set = false;
	p->unit_set = false;
	if (r == -ESRCH)
		return r;
	return r < 0 ? r : changes;
}

int sm_act_adopt(const struct sm_act_ctx *a, struct sm_act_proc *child, const struct sm_act_proc *parent)
{
	const struct sm_target *pt = &parent->target;
	char path[64], cur[SM_CGROUP_LEN];
	struct dirent *de;
	int adopted = 0, r;
	DIR *d;

	if (!parent->have_ref)
		return 0;
	r = proc_alive(child);
	if (r < 0)
		return r;
	if (parent->cg_moved && read_cgroup(child->tgid, cur, sizeof(cur)) == 0 &&
	    !strcmp(cur, a->lv->cg_batch_rel)) {
		child->cg_moved = true;
		snprintf(child->o_cgroup, sizeof(child->o_cgroup), "%s", parent->o_cgroup);
		adopted++;
	}
	snprintf(path, sizeof(path), "/proc/%u/task", child->tgid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		struct sm_act_thread *th;
		uint32_t tid, pol;
		int32_t nice;
		uint64_t rt, slack = 0;
		bool inh_sched, inh_slack;

		if (de->d_name[0] == '.' || sm_parse_u32(de->d_name, &tid) < 0 || find_thread(child, tid))
			continue;
		if (sm_act_read_sched(tid, &pol, &nice, &rt) < 0 || read_slack(tid, &slack) < 0)
			continue;
		rt = norm_runtime(a, pol, rt);
		inh_sched = (pt->set_policy || pt->set_nice) &&
			    pol == (pt->set_policy ? pt->policy : parent->o_policy) &&
			    nice == (pt->set_nice ? pt->nice : parent->o_nice);
		inh_slack = pt->set_slack && a->use_slack && slack == pt->slack_ns;
		if (!inh_sched && !inh_slack)
			continue;
		th = add_thread(child, tid);
		if (!th) {
			closedir(d);
			return -ENOMEM;
		}
		if (thread_start_time(child->tgid, tid, &th->start_time) < 0) {
			drop_thread(child, th);
			continue;
		}
		th->o_policy = inh_sched ? parent->o_policy : pol;
		th->o_nice = inh_sched ? parent->o_nice : nice;
		th->o_runtime = rt;
		th->o_slack = inh_slack ? parent->o_slack : slack;
		th->applied = inh_sched;
		th->s_policy = pol;
		th->s_nice = nice;
		th->s_runtime = rt;
		th->slack_set = inh_slack;
		th->s_slack = slack;
		adopted++;
	}
	closedir(d);
	if (adopted) {
		child->o_policy = parent->o_policy;
		child->o_nice = parent->o_nice;
		child->o_runtime = parent->o_runtime;
		child->o_slack = parent->o_slack;
		child->have_ref = true;
		child->target = *pt;
		child->target.set_slice = false; /* reset on fork: a child never inherits the slice */
	}
	return adopted;
}

int sm_act_check(const struct sm_act_ctx *a, const struct sm_act_proc *p, char *what, size_t len)
{
	char cur[SM_CGROUP_LEN];
	int r;

	r = proc_alive(p);
	if (r < 0)
		return r;
	if (p->cg_moved) {
		r = read_cgroup(p->tgid, cur, sizeof(cur));
		if (r < 0)
			return r;
		if (strcmp(cur, a->lv->cg_batch_rel)) {
			snprintf(what, len, "cgroup is now %s", cur);
			return 1;
		}
	}
	if (p->unit_set && a->bus) {
		uint64_t w;

		if (unit_weight_get(a->bus, p->unit, &w) == 0 && w != p->s_unit_weight) {
			snprintf(what, len, "unit %s CPUWeight is now %" PRIu64, p->unit, w);
			return 1;
		}
	}
	if (p->ag_set) {
		int32_t n;

		if (read_autogroup(p->tgid, &n) == 0 && n != p->s_ag_nice) {
			snprintf(what, len, "autogroup nice is now %d (schedml set %d)", n, p->s_ag_nice);
			return 1;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct sm_act_thread *th = &p->t[i];
		uint32_t pol;
		int32_t nice;
		uint64_t rt, slack;

		if (!th->applied)
			continue;
		if (sm_act_read_sched(th->tid, &pol, &nice, &rt) < 0)
			continue; /* thread gone */
		rt = norm_runtime(a, pol, rt);
		if (pol != th->s_policy) {
			snprintf(what, len, "thread %u policy is now %u (schedml set %u)", th->tid, pol, th->s_policy);
			return 1;
		}
		if (nice != th->s_nice) {
			snprintf(what, len, "thread %u nice is now %d (schedml set %d)", th->tid, nice, th->s_nice);
			return 1;
		}
		if (a->lv->slice && rt != th->s_runtime) {
			snprintf(what, len, "thread %u slice is now %" PRIu64 " ns", th->tid, rt);
			return 1;
		}
		if (th->slack_set && read_slack(th->tid, &slack) == 0 && slack != th->s_slack) {
			snprintf(what, len, "thread %u timer slack is now %" PRIu64 " ns", th->tid, slack);
			return 1;
		}
	}
	return 0;
}

int sm_act_probe_slice(bool *supported, uint64_t *default_slice_ns)
{
	const uint64_t probe = 1234000; /* 1.234 ms: not a default anyone uses */
	uint32_t pol;
	int32_t nice;
	uint64_t rt0, rt1;
	int r;

	*supported = false;
	*default_slice_ns = 0;
	r = sm_act_read_sched(0, &pol, &nice, &rt0);
	if (r < 0)
		return r;
	if (pol != SCHED_OTHER && pol != SCHED_BATCH)
		return -EOPNOTSUPP;
	*default_slice_ns = rt0;
	r = sys_setattr(0, pol, nice, probe, 0);
	if (r < 0)
		return r == -EINVAL ? 0 : r;
	r = sm_act_read_sched(0, NULL, NULL, &rt1);
	*supported = r == 0 && rt1 == probe;
	/* Back to no custom slice. */
	sys_setattr(0, pol, nice, 0, 0);
	return 0;
}
