// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon: event loop, control step, guard rails, state file, status socket, sd_notify.
 * Nothing in here changes a task or a cgroup directly: that is src/actuator.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "actuator.h"
#include "daemon.h"
#include "feature.h"
#include "levers.h"
#include "model.h"
#include "policy.h"
#include "privs.h"
#include "procfs.h"
#include "scope.h"
#include "state.h"
#include "tracer.h"
#include "util.h"

#define NBUCKETS 4096

struct dproc {
	struct dproc *next;
	uint32_t tgid;
	uint64_t start_time;
	uint64_t seen_tick;
	char comm[SM_COMM_LEN];
	int8_t eligible;          /* -1 unknown, 0 never touch, 1 in scope */
	const char *why_not;      /* static guard reason or points into why_buf */
	char why_buf[96];
	struct sm_pstate ps;
	int32_t score;
	uint32_t cpu_share;
	enum sm_decision_class cls; /* in force (or would be, in a dry run) */
	char reason[224];
	bool act_open;
	struct sm_act_proc act;
	bool backed_off;          /* someone else changed it after us: never again */
	bool failed;              /* EPERM/EINVAL: permanent */
};

struct daemon {
	const struct sm_daemon_opts *o;
	struct sm_config cfg;
	struct sm_model *model;
	struct sm_levers lv;
	struct sm_act_ctx act;
	struct sm_policy_cfg pol;   /* cfg.policy masked by the detected levers */
	struct sm_ftable *ft;
	struct sm_tracer *tr;
	sd_bus *bus;                /* system bus, for the systemd unit lever (NULL: off) */
	int epfd, tfd, sfd, lfd;
	bool cg_ready;
	bool state_ok;              /* state file writable */
	bool state_dirty;
	bool paused;
	bool state_blocked;         /* state.required and the state file can't be written: not acting */
	uint64_t drops_reported, drops_reported_ns; /* ring buffer drops last logged, and when */
	bool quit;
	uint32_t self;
	uint64_t tick;
	uint64_t start_ns;
	uint64_t wd_usec, last_wd_ns;
	struct dproc *tab[NBUCKETS];
	size_t nprocs;
	/* counters */
	uint64_t actions, errors, backoffs, decisions, restores, reloads;
};

/* ---------- small helpers ---------- */

static struct dproc *dp_find(struct daemon *d, uint32_t tgid)
{
	for (struct dproc *p = d->tab[tgid % NBUCKETS]; p; p = p->next)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

static struct dproc *dp_new(struct daemon *d, uint32_t tgid, uint64_t start_time)
{
	struct dproc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->tgid = tgid;
	p->start_time = start_time;
	p->eligible = -1;
	p->score = -1;
	p->act.pidfd = -1;
	p->next = d->tab[tgid % NBUCKETS];
	d->tab[tgid % NBUCKETS] = p;
	d->nprocs++;
	return p;
}

static void dp_free(struct daemon *d, struct dproc *p)
{
	struct dproc **pp = &d->tab[p->tgid % NBUCKETS];

	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
	sm_act_proc_close(&p->act);
	free(p);
	d->nprocs--;
}

#define for_each_dp(d, p, tmp)                                                     \
	for (size_t _b = 0; _b < NBUCKETS; _b++)                                   \
		for (struct dproc *p = (d)->tab[_b], *tmp = p ? p->next : NULL; p; \
		     p = tmp, tmp = p ? p->next : NULL)

static int get_ppid(void *ctx, uint32_t pid, uint32_t *ppid)
{
	char path[64], buf[1024];
	struct sm_proc_stat st;

	(void)ctx;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_stat(buf, &st) < 0)
		return -ESRCH;
	*ppid = st.ppid;
	return 0;
}

static void notify(const char *fmt, ...) _printf_(1, 2);
static void notify(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!getenv("NOTIFY_SOCKET"))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
}

/* ---------- config, model, levers ---------- */

int sm_daemon_load(const struct sm_daemon_opts *o, struct sm_config *cfg, struct sm_model **model,
		   char *err, size_t errlen)
{
	const char *path = o->config_path;
	int r;

	sm_config_init(cfg);
	*model = NULL;
	if (!path && access(SM_CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = SM_CONFIG_DEFAULT_PATH;
	if (path) {
		r = sm_config_load(path, cfg, err, errlen);
		if (r < 0)
			return r;
	}
	r = sm_config_apply_overrides(cfg, &o->ov, err, errlen);
	if (r < 0)
		return r;
	r = sm_model_load_file(cfg->model_path, model, err, errlen);
	if (r < 0) {
		*model = NULL;
		if (!err[0])
			snprintf(err, errlen, "%s: cannot load model: %s", cfg->model_path, strerror(-r));
	}
	return r;
}

/* The policy the levers allow: a lever the host lacks is off. */
static void derive(struct daemon *d)
{
	const struct sm_config *c = &d->cfg;

	d->act = (struct sm_act_ctx){
		.lv = &d->lv,
		.use_cgroup = c->levers.cgroup && d->cg_ready,
		.use_autogroup = c->levers.autogroup && d->lv.autogroup,
		.use_slice = c->levers.slice && d->lv.slice,
		.use_slack = c->levers.timer_slack && d->lv.timer_slack,
		.cg_weight = c->cgroup_weight,
		.cg_shares = c->cgroup_shares,
		.cg_idle = c->cgroup_idle,
		.bus = c->levers.systemd_unit ? d->bus : NULL,
	};
	d->pol = c->policy;
	d->pol.batch_cgroup = d->act.use_cgroup || d->act.bus;
	d->pol.batch_autogroup = d->pol.batch_autogroup && d->act.use_autogroup;
	if (!d->act.use_slice)
		d->pol.latency_slice_ns = 0;
	if (!d->act.use_slack)
		d->pol.latency_slack_ns = 0;
	if (!d->pol.latency_slice_ns && !d->pol.latency_slack_ns && !(d->pol.allow_boost && d->pol.batch_set_nice))
		d->pol.latency_enabled = false;
}

static void log_levers(struct daemon *d)
{
	const struct sm_config *c = &d->cfg;

	log_info("lever cgroup: %s%s", d->lv.why_cg,
		 !c->levers.cgroup ? " (off in config)" : d->cg_ready ? "" : " (unavailable)");
	log_info("lever systemd unit: %s%s", d->lv.why_systemd, c->levers.systemd_unit ? "" : " (off in config)");
	log_info("lever policy: %s", c->levers.policy ? (c->policy.batch_policy == SCHED_IDLE ? "SCHED_IDLE" :
			c->policy.batch_policy == SCHED_BATCH ? "SCHED_BATCH" : "SCHED_OTHER") : "off in config");
	log_info("lever nice: %s (batch nice %d, bounds [%d, %d], boost %s)", c->levers.nice ? "on" : "off in config",
		 c->policy.batch_nice, c->policy.min_nice, c->policy.max_nice,
		 c->policy.allow_boost ? "allowed" : "not allowed");
	log_info("lever autogroup: %s%s", d->lv.autogroup ? "autogroup on (nice applies within an autogroup; "
				"session leaders get their autogroup reniced)" : "autogroup off",
		 c->levers.autogroup ? "" : " (off in config)");
	log_info("lever slice: %s%s", d->lv.why_slice, c->levers.slice ? "" : " (off in config)");
	log_info("lever timer slack: %s%s", d->lv.timer_slack ? "writable" : "unavailable",
		 c->levers.timer_slack ? "" : " (off in config)");
}

/* ---------- state file ---------- */

static void restore_all(struct daemon *d);

static void save_state(struct daemon *d)
{
	struct sm_act_proc **list;
	size_t n = 0;
	int r;

	if (!d->state_ok || d->o->dry_run) {
		d->state_dirty = false;
		return;
	}
	list = calloc(d->nprocs ? d->nprocs : 1, sizeof(*list));
	if (!list)
		return;
	for_each_dp(d, p, tmp) {
		(void)tmp;
		if (p->act_open && sm_act_proc_active(&p->act))
			list[n++] = &p->act;
	}
	r = sm_state_write(d->cfg.state_file, &d->lv, list, n);
	free(list);
	if (r < 0) {
		/* Disk full, /run read-only...: logged once, never every tick
		 * (tests/integ/t_fault_runtime_dir.sh). */
		if (!d->cfg.state_required) {
			d->errors++;
			log_warn("Failed to write state file %s: %s; state.required is false: acting on "
				 "without crash recovery", d->cfg.state_file, strerror(-r));
			d->state_ok = false;
			d->state_dirty = false;
		} else if (!d->state_blocked) {
			d->errors++;
			log_err("Failed to write state file %s: %s; state.required: every change restored, "
				"acting again once it can be written", d->cfg.state_file, strerror(-r));
			d->state_blocked = true;
			restore_all(d); /* leaves state_dirty set: retried every tick */
		}
	} else {
		d->state_dirty = false;
		if (d->state_blocked) {
			log_notice("State file %s written again: acting again", d->cfg.state_file);
			d->state_blocked = false;
		}
	}
}

/* A state file left by a dead instance: restore what it lists, before anything else. */
static int restore_dead_instance(struct daemon *d)
{
	struct sm_act_proc *procs = NULL;
	struct sm_levers lv = d->lv;
	struct sm_act_ctx a = { .lv = &lv, .use_cgroup = true, .use_autogroup = true, .use_slice = true,
				.use_slack = true, .bus = d->bus };
	char err[512] = "", comm[32];
	size_t n = 0;
	unsigned ok = 0, gone = 0, failed = 0;
	int r;
	json_object *root = json_object_from_file(d->cfg.state_file), *pidj;

	if (!root && access(d->cfg.state_file, F_OK) < 0)
		return 0;
	/* Another live schedml owns this state file: refuse to fight it. */
	if (root && json_object_object_get_ex(root, "pid", &pidj)) {
		uint32_t pid = (uint32_t)json_object_get_int64(pidj);
		char path[64];

		snprintf(path, sizeof(path), "/proc/%u/comm", pid);
		if (pid && pid != d->self && sm_read_small(path, comm, sizeof(comm)) > 0 &&
		    !strcmp(comm, "schedml")) {
			json_object_put(root);
			log_err("Another schedml (pid %u) is running with state file %s", pid, d->cfg.state_file);
			return -EBUSY;
		}
	}
	json_object_put(root);
	r = sm_state_read(d->cfg.state_file, &lv, &procs, &n, err, sizeof(err));
	if (r < 0) {
		log_err("Failed to read the previous instance's state: %s; removing it", err);
		unlink(d->cfg.state_file);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		r = sm_act_restore(&a, &procs[i]);
		if (r >= 0)
			ok++;
		else if (r == -ESRCH)
			gone++;
		else {
			failed++;
			log_warn("Failed to restore pid %u (%s) from the state file: %s", procs[i].tgid,
				 procs[i].comm, strerror(-r));
		}
	}
	log_notice("Restored %u process(es) changed by a previous instance (%u gone, %u failed) from %s", ok,
		   gone, failed, d->cfg.state_file);
	sm_state_free(procs, n);
	unlink(d->cfg.state_file);
	return 0;
}

static int prepare_runtime_dir(struct daemon *d)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s", d->cfg.state_file);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) /* state file and socket: root only */
		r = -errno;
	if (r == 0 && access(dir, W_OK) < 0)
		r = -errno;
	if (r < 0) {
		if (d->cfg.state_required && !d->o->dry_run) {
			log_err("Failed to use state directory %s: %s (set state.required=false to run without "
				"crash recovery)", dir, strerror(-r));
			return r;
		}
		log_warn("State directory %s unusable (%s): continuing without a state file", dir, strerror(-r));
		d->state_ok = false;
		return 0;
	}
	d->state_ok = true;
	return 0;
}

/* ---------- acting ---------- */

static void log_decision(struct daemon *d, const struct sm_entity *e, struct dproc *p,
			 enum sm_decision_class from, const struct sm_decision *dec)
{
	char act[160];

	sm_target_format(&dec->target, act, sizeof(act));
	log_info("%spid %u (%s): %s -> %s, score %d, cpu %u.%03u: %s; action: %s",
		 d->o->dry_run ? "dry-run: would change " : "", p->tgid, p->comm, sm_decision_name(from),
		 sm_decision_name(dec->cls), p->score, p->cpu_share / 1000, p->cpu_share % 1000, dec->reason, act);
	if (d->o->verbose >= 1 && e) {
		char fv[1024], ex[1024];

		sm_fvec_format(&e->fv, fv, sizeof(fv));
		sm_explain(d->model, &e->fv, ex, sizeof(ex));
		log_info("  pid %u features: %s", p->tgid, fv);
		log_info("  pid %u explain: %s", p->tgid, ex);
	}
}

static void act_error(struct daemon *d, struct dproc *p, int r, const char *what)
{
	if (r == -ESRCH)
		return; /* gone: forgotten at the next tick */
	d->errors++;
	if (r == -EPERM || r == -EINVAL || r == -EACCES) {
		p->failed = true;
		log_warn("Failed to %s pid %u (%s): %s; leaving it alone from now on", what, p->tgid, p->comm,
			 strerror(-r));
	} else {
		log_warn("Failed to %s pid %u (%s): %s", what, p->tgid, p->comm, strerror(-r));
	}
}

static void restore_proc(struct daemon *d, struct dproc *p)
{
	int r;

	if (!p->act_open || !sm_act_proc_active(&p->act))
		return;
	r = sm_act_restore(&d->act, &p->act);
	if (r > 0) {
		d->actions += (uint64_t)r;
		d->restores++;
	}
	if (r < 0)
		act_error(d, p, r, "restore");
	d->state_dirty = true;
}

static void restore_all(struct daemon *d)
{
	for_each_dp(d, p, tmp) {
		(void)tmp;
		restore_proc(d, p);
		p->cls = SM_DEC_NEUTRAL;
		p->ps = (struct sm_pstate){ 0 };
	}
}

static int apply(struct daemon *d, struct dproc *p, const struct sm_target *t)
{
	int r;

	if (!p->act_open) {
		r = sm_act_proc_open(&p->act, p->tgid, p->start_time, p->comm);
		if (r < 0)
			return r;
		p->act_open = true;
	}
	r = sm_act_apply(&d->act, &p->act, t);
	if (r > 0)
		d->actions += (uint64_t)r;
	d->state_dirty = true;
	return r;
}

/* The operator changed something schedml set: back off from this process for good. */
static void check_operator(struct daemon *d, struct dproc *p)
{
	char what[160] = "";
	int r;

	if (!p->act_open || !sm_act_proc_active(&p->act) || p->backed_off)
		return;
	r = sm_act_check(&d->act, &p->act, what, sizeof(what));
	if (r == 1) {
		d->backoffs++;
		p->backed_off = true;
		log_notice("pid %u (%s): %s; someone else manages it now: backing off for good", p->tgid,
			   p->comm, what);
		/* Put back whatever else schedml changed, never the operator's value. */
		restore_proc(d, p);
		p->cls = SM_DEC_NEUTRAL;
		snprintf(p->reason, sizeof(p->reason), "backed off: %s", what);
	} else if (r == 0 && p->cls != SM_DEC_NEUTRAL) {
		/* Threads born since the last tick get the process's target. */
		r = sm_act_apply(&d->act, &p->act, &p->act.target);
		if (r > 0) {
			d->actions += (uint64_t)r;
			d->state_dirty = true;
			log_debug("pid %u (%s): applied to %d new thread change(s)", p->tgid, p->comm, r);
		} else if (r < 0) {
			act_error(d, p, r, "re-apply to");
		}
	}
}

/* A new child of a process schedml changed inherited those changes: track them as schedml's. */
static void adopt(struct daemon *d, struct dproc *p, struct dproc *parent)
{
	int r;

	if (!parent || parent == p || !parent->act_open || parent->cls == SM_DEC_NEUTRAL ||
	    !sm_act_proc_active(&parent->act))
		return;
	r = sm_act_proc_open(&p->act, p->tgid, p->start_time, p->comm);
	if (r < 0)
		return;
	p->act_open = true;
	r = sm_act_adopt(&d->act, &p->act, &parent->act);
	if (r <= 0) {
		sm_act_proc_close(&p->act);
		p->act_open = false;
		return;
	}
	p->cls = parent->cls;
	/* No dwell: schedml did not decide this class for the child, its behaviour decides next. */
	p->ps = (struct sm_pstate){ .cls = parent->cls, .pending = parent->cls, .since_ns = 0 };
	snprintf(p->reason, sizeof(p->reason), "inherited %s from parent %u", sm_decision_name(p->cls),
		 parent->tgid);
	d->state_dirty = true;
	log_info("pid %u (%s): child of %u (%s), inherited its %s treatment: tracked, restored with it",
		 p->tgid, p->comm, parent->tgid, parent->comm, sm_decision_name(p->cls));
}

static bool eligible(struct daemon *d, struct dproc *p, const struct sm_taskinfo *ti)
{
	const char *why;

	if (p->eligible >= 0)
		return p->eligible;
	why = sm_guard_reason(ti, d->self);
	if (!why && !sm_scope_match(&d->cfg.scope, ti, get_ppid, NULL))
		why = "outside --scope";
	if (!why) {
		char exe[PATH_MAX] = "", path[64];
		ssize_t n = -1;

		if (d->cfg.exclude.n_exe) {
			snprintf(path, sizeof(path), "/proc/%u/exe", p->tgid);
			n = readlink(path, exe, sizeof(exe) - 1);
			exe[n > 0 ? n : 0] = '\0';
			/* Fail safe: an exe rule we cannot check (EACCES without CAP_SYS_PTRACE, e.g. a
			 * unit without it) must not let an excluded task be changed. */
			if (n < 0 && (errno == EACCES || errno == EPERM))
				why = "exclude.exe: /proc/<pid>/exe unreadable (CAP_SYS_PTRACE missing?)";
		}
		if (!why)
			why = sm_exclude_match(&d->cfg.exclude, ti, n > 0 ? exe : NULL, p->why_buf,
					       sizeof(p->why_buf));
	}
	p->why_not = why;
	p->eligible = why ? 0 : 1;
	if (why && d->o->verbose >= 2)
		log_debug("pid %u (%s): not touched: %s", p->tgid, ti->comm, why);
	return p->eligible;
}

static void control_step(struct daemon *d)
{
	const struct sm_entity *e;
	struct sm_sysctx sys = { 0 };
	uint64_t now = sm_now_ns();
	uint32_t budget = d->pol.max_changes;
	size_t it = 0;
	int r;

	if (sm_tracer_mode(d->tr) == SM_SOURCE_PROC)
		r = sm_tracer_sample(d->tr);
	else
		r = sm_tracer_consume(d->tr);
	if (r < 0 && r != -EINTR)
		log_debug("tracer: %s", strerror(-r));
	sm_proc_sysctx("/proc", &sys);
	sys.ts_ns = now;
	sm_ftable_tick(d->ft, now, &sys);
	sm_proc_refresh_stale(d->ft, "/proc");
	d->tick++;

	while ((e = sm_ftable_next_proc(d->ft, &it))) {
		const struct sm_taskinfo *ti = e->info;
		struct dproc *p;
		struct sm_pinput in;
		struct sm_decision dec;
		enum sm_decision_class from;
		bool is_new;

		if (!ti || !ti->pid || e->tgid <= 1)
			continue;
		p = dp_find(d, e->tgid);
		if (p && ti->start_time && ti->pid == ti->tgid && p->start_time != ti->start_time) {
			dp_free(d, p); /* PID reused */
			p = NULL;
		}
		is_new = !p;
		if (!p) {
			uint64_t st;

			if (sm_act_start_time(e->tgid, &st) < 0)
				continue;
			p = dp_new(d, e->tgid, st);
			if (!p)
				continue;
		}
		p->seen_tick = d->tick;
		if (strncmp(p->comm, ti->comm, sizeof(p->comm))) {
			if (p->comm[0])
				p->eligible = -1; /* exec or rename: re-check the exclude list */
			memcpy(p->comm, ti->comm, sizeof(p->comm));
			p->comm[SM_COMM_LEN - 1] = '\0';
		}
		if (is_new && !d->o->dry_run)
			adopt(d, p, dp_find(d, ti->ppid));
		if (!eligible(d, p, ti)) {
			/* After a reload narrowed the scope or the exclude list: put it back. */
			if (p->act_open && sm_act_proc_active(&p->act)) {
				log_notice("pid %u (%s): no longer eligible (%s): restoring", p->tgid, p->comm,
					   p->why_not ? p->why_not : "?");
				restore_proc(d, p);
				p->cls = SM_DEC_NEUTRAL;
				p->ps = (struct sm_pstate){ 0 };
			}
			continue;
		}
		p->score = sm_score(d->model, &e->fv);
		p->cpu_share = e->fv.v[SM_F_CPU_SHARE] > 0 ? (uint32_t)e->fv.v[SM_F_CPU_SHARE] : 0;
		if (d->o->verbose >= 2)
			log_debug("pid %u (%s) score %d cpu %u.%03u class %s", p->tgid, p->comm, p->score,
				  p->cpu_share / 1000, p->cpu_share % 1000, sm_decision_name(p->cls));
		if (d->paused || d->state_blocked || p->backed_off || p->failed)
			continue;
		if (!d->o->dry_run)
			check_operator(d, p);
		if (p->backed_off || p->failed)
			continue;
		in = (struct sm_pinput){
			.score = p->score,
			.cpu_share = p->cpu_share,
			.vol_ratio = e->fv.v[SM_F_VOL_RATIO],
			.child_cpu_share = e->fv.v[SM_F_CHILD_CPU_SHARE] > 0 ?
						   (uint32_t)e->fv.v[SM_F_CHILD_CPU_SHARE] : 0,
			.age_ns = now > e->first_seen_ns ? now - e->first_seen_ns : 0,
			.orig_nice = (p->act_open && p->act.have_ref) ? p->act.o_nice : ti->nice,
			.now_ns = now,
			.budget = budget,
		};
		from = p->cls;
		sm_policy_decide(&d->pol, &in, &p->ps, &dec);
		snprintf(p->reason, sizeof(p->reason), "%s", dec.reason);
		if (!dec.changed)
			continue;
		budget--;
		d->decisions++;
		p->cls = dec.cls;
		log_decision(d, e, p, from, &dec);
		if (d->o->dry_run)
			continue;
		r = apply(d, p, &dec.target);
		if (r < 0) {
			act_error(d, p, r, "change");
			if (r != -ESRCH && p->act_open)
				restore_proc(d, p);
			p->cls = SM_DEC_NEUTRAL;
		}
	}

	/* Processes that left the feature table: forget (restore first if still alive). */
	for_each_dp(d, p, tmp) {
		(void)tmp;
		if (p->seen_tick + 2 < d->tick) {
			restore_proc(d, p);
			dp_free(d, p);
		}
	}
	if (d->state_dirty)
		save_state(d);
}

/* ---------- status socket ---------- */

static json_object *status_json(struct daemon *d)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object(), *tasks = json_object_new_array();
	struct sm_tracer_stats ts = { 0 };
	struct sm_fstats fs = { 0 };
	char buf[512];
	size_t in_force = 0, shown = 0;

	sm_tracer_stats(d->tr, &ts);
	sm_ftable_stats(d->ft, &fs);
	json_object_object_add(o, "version", json_object_new_string(SCHEDML_VERSION));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "mode", json_object_new_string(d->o->dry_run ? "dry-run" : "run"));
	json_object_object_add(o, "paused", json_object_new_boolean(d->paused));
	json_object_object_add(o, "source", json_object_new_string(sm_tracer_mode_name(d->tr)));
	json_object_object_add(o, "config", json_object_new_string(d->cfg.origin));
	json_object_object_add(o, "model", json_object_new_string(d->cfg.model_path));
	json_object_object_add(o, "model_name", json_object_new_string(d->model->name ? d->model->name : ""));
	sm_levers_format(&d->lv, buf, sizeof(buf));
	json_object_object_add(o, "levers", json_object_new_string(buf));
	sm_scope_format(&d->cfg.scope, buf, sizeof(buf));
	json_object_object_add(o, "scope", json_object_new_string(buf));
	json_object_object_add(o, "interval_ms", json_object_new_int64((int64_t)(d->cfg.interval_ns / 1000000)));
	json_object_object_add(o, "uptime_s", json_object_new_int64((int64_t)((sm_now_ns() - d->start_ns) / 1000000000)));
	json_object_object_add(c, "ticks", json_object_new_uint64(d->tick));
	json_object_object_add(c, "events", json_object_new_uint64(fs.events));
	json_object_object_add(c, "drops", json_object_new_uint64(ts.dropped));
	json_object_object_add(c, "threads_tracked", json_object_new_uint64(fs.tasks));
	json_object_object_add(c, "processes_tracked", json_object_new_uint64(fs.procs));
	json_object_object_add(c, "decisions", json_object_new_uint64(d->decisions));
	json_object_object_add(c, "actions", json_object_new_uint64(d->actions));
	json_object_object_add(c, "restores", json_object_new_uint64(d->restores));
	json_object_object_add(c, "backoffs", json_object_new_uint64(d->backoffs));
	json_object_object_add(c, "errors", json_object_new_uint64(d->errors));
	json_object_object_add(c, "reloads", json_object_new_uint64(d->reloads));
	for_each_dp(d, p, tmp) {
		json_object *t;

		(void)tmp;
		if (p->eligible != 1)
			continue;
		if (p->cls != SM_DEC_NEUTRAL)
			in_force++;
		if (shown >= 1000 || (p->cls == SM_DEC_NEUTRAL && p->score < 0))
			continue;
		shown++;
		t = json_object_new_object();
		json_object_object_add(t, "pid", json_object_new_int64(p->tgid));
		json_object_object_add(t, "comm", json_object_new_string(p->comm));
		json_object_object_add(t, "score", json_object_new_int(p->score));
		json_object_object_add(t, "cpu_share", json_object_new_double(p->cpu_share / 1000.0));
		json_object_object_add(t, "class", json_object_new_string(sm_decision_name(p->cls)));
		json_object_object_add(t, "applied", json_object_new_boolean(p->act_open && sm_act_proc_active(&p->act)));
		json_object_object_add(t, "backed_off", json_object_new_boolean(p->backed_off));
		json_object_object_add(t, "failed", json_object_new_boolean(p->failed));
		json_object_object_add(t, "reason", json_object_new_string(p->reason));
		json_object_array_add(tasks, t);
	}
	json_object_object_add(c, "decisions_in_force", json_object_new_uint64(in_force));
	json_object_object_add(o, "counters", c);
	json_object_object_add(o, "tasks", tasks);
	return o;
}

static int listen_socket(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (!d->cfg.socket_path[0])
		return 0;
	if (strlen(d->cfg.socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->cfg.socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* A live daemon answers (a dry run must not steal its socket); a stale file does not. */
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		r = c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (c >= 0)
			close(c);
		if (r) {
			close(fd);
			return -EADDRINUSE;
		}
		unlink(sa.sun_path);
	}
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 8) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	d->lfd = fd;
	return 0;
}

static void serve_client(struct daemon *d)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char req[128];
	const char *reply;
	json_object *o = NULL;
	ssize_t n;
	size_t len = 0;
	uint64_t deadline;
	int fd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || (cred.uid != 0 && cred.uid != geteuid())) {
		static const char denied[] = "{\"ok\":false,\"error\":\"permission denied: the status socket is root-only\"}\n";

		log_warn("status socket: refused a client with uid %u", cl == sizeof(cred) ? cred.uid : (unsigned)-1);
		/* Consume what it sent: closing with unread data resets the connection, and the
		 * client would see ECONNRESET instead of the reason. */
		(void)recv(fd, req, sizeof(req), MSG_DONTWAIT);
		if (write(fd, denied, sizeof(denied) - 1) < 0)
			log_debug("status socket: refused client went away");
		close(fd);
		return;
	}
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* 200 ms for the whole request, not per read: a client dripping a byte at a time must not
	 * hold the control loop (t_status_socket_perms.sh). */
	deadline = sm_now_ns() + 200000000ull;
	while (len < sizeof(req) - 1) {
		uint64_t now = sm_now_ns();

		if (now >= deadline)
			break;
		tv.tv_sec = 0;
		tv.tv_usec = (suseconds_t)((deadline - now) / 1000) ?: 1;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = read(fd, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(req, '\n', len))
			break;
	}
	req[len] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	if (!strcmp(req, "status")) {
		o = status_json(d);
	} else if (!strcmp(req, "pause") || !strcmp(req, "resume")) {
		bool pause = req[0] == 'p';

		if (pause && !d->paused) {
			restore_all(d);
			save_state(d);
			log_notice("Paused: original values restored; tracing and scoring go on");
		} else if (!pause && d->paused) {
			log_notice("Resumed");
		}
		d->paused = pause;
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(true));
		json_object_object_add(o, "paused", json_object_new_boolean(d->paused));
	} else {
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(false));
		json_object_object_add(o, "error", json_object_new_string("unknown request (status, pause, resume)"));
	}
	reply = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (write(fd, reply, strlen(reply)) < 0 || write(fd, "\n", 1) < 0)
		log_debug("status socket: client went away");
	json_object_put(o);
	close(fd);
}

char *sm_status_request(const char *socket_path, const char *cmd, int *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd;

	*err = 0;
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	{
		char line[64];
		int n = snprintf(line, sizeof(line), "%s\n", cmd);

		/* No SIGPIPE: a daemon that refuses us (peer credentials) answers and closes
		 * without reading; its answer is still there to read. */
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    (send(fd, line, (size_t)n, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)) {
			*err = n < 0 || (size_t)n >= sizeof(line) ? -EINVAL : -errno;
			close(fd);
			return NULL;
		}
	}
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				*err = -ENOMEM;
				break;
			}
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (*err || !buf) {
		free(buf);
		if (!*err)
			*err = -EIO;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* ---------- reload ---------- */

static int arm_timer(struct daemon *d)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(d->cfg.interval_ns / 1000000000ull),
				 .tv_nsec = (long)(d->cfg.interval_ns % 1000000000ull) },
	};

	its.it_value = its.it_interval;
	return timerfd_settime(d->tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

static void reload(struct daemon *d)
{
	struct sm_config nc;
	struct sm_model *nm = NULL;
	char err[512] = "";
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	       (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
	if (sm_daemon_load(d->o, &nc, &nm, err, sizeof(err)) < 0) {
		log_err("Reload rejected, keeping the running config and model: %s", err);
		sm_config_free(&nc);
		sm_model_free(nm);
		d->errors++;
		notify("READY=1");
		return;
	}
	if (nc.source != d->cfg.source || nc.ringbuf_bytes != d->cfg.ringbuf_bytes ||
	    strcmp(nc.state_file, d->cfg.state_file) || strcmp(nc.socket_path, d->cfg.socket_path) ||
	    strcmp(nc.cgroup_name, d->cfg.cgroup_name) || nc.window_ticks != d->cfg.window_ticks ||
	    nc.max_tasks != d->cfg.max_tasks || nc.interval_ns != d->cfg.interval_ns)
		log_notice("Reload: source, ringbuf_size, window_ticks, max_tasks, interval, state.file, "
			   "status_socket and batch.cgroup_name changes take effect at the next restart");
	/* Keep what needs a restart; take the rest. */
	free(nc.state_file);
	nc.state_file = strdup(d->cfg.state_file);
	free(nc.socket_path);
	nc.socket_path = strdup(d->cfg.socket_path);
	free(nc.cgroup_name);
	nc.cgroup_name = strdup(d->cfg.cgroup_name);
	nc.interval_ns = d->cfg.interval_ns;
	nc.window_ticks = d->cfg.window_ticks;
	if (!nc.state_file || !nc.socket_path || !nc.cgroup_name) {
		log_err("Reload failed: out of memory");
		sm_config_free(&nc);
		sm_model_free(nm);
		notify("READY=1");
		return;
	}
	sm_config_free(&d->cfg);
	d->cfg = nc;
	sm_model_free(d->model);
	d->model = nm;
	/* New weight for the batch cgroup; or the cgroup lever switched on since the start. */
	if (!d->o->dry_run && d->lv.cg_mode != SM_CG_NONE && (d->cg_ready || d->cfg.levers.cgroup)) {
		int r = sm_act_cgroup_setup(&(struct sm_act_ctx){ .lv = &d->lv, .cg_weight = d->cfg.cgroup_weight,
								  .cg_shares = d->cfg.cgroup_shares,
								  .cg_idle = d->cfg.cgroup_idle });

		if (r < 0)
			log_warn("Failed to set up the batch cgroup %s: %s", d->lv.cg_batch, strerror(-r));
		d->cg_ready = d->cg_ready || r == 0;
	}
	derive(d);
	/* Scope and exclusions may have changed: re-check everyone; restore who fell out. */
	for_each_dp(d, p, tmp) {
		(void)tmp;
		p->eligible = -1;
	}
	d->reloads++;
	log_notice("Reloaded config %s and model %s (%s)", d->cfg.origin, d->cfg.model_path,
		   d->model->name ? d->model->name : "unnamed");
	notify("READY=1\nSTATUS=reloaded");
}

/* ---------- main ---------- */

static int ev_cb(void *ctx, const struct sm_event *e)
{
	sm_ftable_event(((struct daemon *)ctx)->ft, e);
	return 0;
}

static void snap_cb(void *ctx, const struct sm_snapdelta *sd)
{
	sm_ftable_snapshot(((struct daemon *)ctx)->ft, sd);
}

static void gone_cb(void *ctx, uint32_t pid, uint32_t tgid)
{
	(void)tgid;
	sm_ftable_forget(((struct daemon *)ctx)->ft, pid);
}

/* Ring buffer overflow: a warning when drops start, then at most one a minute while they go on
 * (tests/integ/t_fault_ringbuf_storm.sh). */
static void report_drops(struct daemon *d, const struct sm_tracer_stats *ts)
{
	uint64_t now = sm_now_ns();

	if (ts->dropped <= d->drops_reported)
		return;
	if (d->drops_reported_ns && now - d->drops_reported_ns < 60000000000ull)
		return;
	log_warn("Ring buffer full: %" PRIu64 " events dropped (%" PRIu64 " in total); features are "
		 "approximate until it drains (a larger ringbuf_size helps)",
		 ts->dropped - d->drops_reported, ts->dropped);
	d->drops_reported = ts->dropped;
	d->drops_reported_ns = now;
}

static void update_status(struct daemon *d)
{
	struct sm_tracer_stats ts = { 0 };
	size_t in_force = 0, elig = 0;

	sm_tracer_stats(d->tr, &ts);
	report_drops(d, &ts);
	if (!getenv("NOTIFY_SOCKET"))
		return;
	for_each_dp(d, p, tmp) {
		(void)tmp;
		elig += p->eligible == 1;
		in_force += p->cls != SM_DEC_NEUTRAL;
	}
	notify("STATUS=%s%zu processes tracked (%zu in scope), %zu decisions in force, %" PRIu64
	       " actions, %" PRIu64 " drops", d->paused ? "paused; " : d->o->dry_run ? "dry-run; " : "",
	       d->nprocs, elig, in_force, d->actions, ts.dropped);
}

static int add_fd(struct daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int setup(struct daemon *d)
{
	struct sm_tracer_opts to;
	struct sm_fconfig fc;
	struct sm_privs_opts po = { 0 };
	char buf[512], err[512] = "";
	sigset_t mask;
	int r;

	/* config and model first: a bad one must fail before anything changes */
	r = sm_daemon_load(d->o, &d->cfg, &d->model, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		return r;
	}
	sm_levers_detect(&d->lv, d->cfg.cgroup_name);
	r = prepare_runtime_dir(d);
	if (r < 0)
		return r;
	if (d->lv.systemd && d->cfg.levers.systemd_unit && !d->o->dry_run) {
		r = sd_bus_open_system(&d->bus);
		if (r < 0) {
			log_warn("Failed to connect to the system bus: %s; systemd unit lever off", strerror(-r));
			d->bus = NULL;
		}
	}
	/* what a dead instance left behind is restored before anything else */
	if (!d->o->dry_run) {
		r = restore_dead_instance(d);
		if (r < 0)
			return r;
	}
	if (!d->o->dry_run && d->cfg.levers.cgroup && d->lv.cg_mode != SM_CG_NONE) {
		r = sm_act_cgroup_setup(&(struct sm_act_ctx){ .lv = &d->lv, .cg_weight = d->cfg.cgroup_weight,
							     .cg_shares = d->cfg.cgroup_shares,
							     .cg_idle = d->cfg.cgroup_idle });
		if (r < 0)
			log_warn("Failed to set up the batch cgroup %s: %s; cgroup lever off", d->lv.cg_batch,
				 strerror(-r));
		d->cg_ready = r == 0;
	} else if (d->o->dry_run) {
		d->cg_ready = d->cfg.levers.cgroup && d->lv.cg_mode != SM_CG_NONE; /* would be */
	}
	derive(d);
	log_levers(d);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sfd < 0 || d->tfd < 0 || d->epfd < 0) {
		log_err("Failed to create the event loop: %m");
		return -errno;
	}

	sm_fconfig_default(&fc);
	fc.tick_ns = d->cfg.interval_ns;
	fc.window_ticks = d->cfg.window_ticks;
	fc.max_tasks = d->cfg.max_tasks;
	r = sm_ftable_new(&fc, &d->ft);
	if (r < 0) {
		log_err("Failed to create the feature table: %s", strerror(-r));
		return r;
	}
	sm_tracer_opts_default(&to);
	to.mode = d->cfg.source;
	to.ringbuf_bytes = d->cfg.ringbuf_bytes;
	to.proc_interval_ns = d->cfg.interval_ns;
	to.ignore_tgid = d->self;
	r = sm_tracer_new(&to, ev_cb, snap_cb, gone_cb, d, &d->tr);
	if (r < 0) {
		const char *why = sm_tracer_reason(NULL);

		log_err("Failed to start the tracer (source %s): %s%s%s", sm_source_name(d->cfg.source),
			strerror(-r), why ? ": " : "", why ? why : "");
		return r;
	}
	if (sm_tracer_mode(d->tr) == SM_SOURCE_PROC && d->cfg.source != SM_SOURCE_PROC)
		log_warn("BPF unavailable (%s): using /proc snapshots (lower fidelity)",
			 sm_tracer_reason(d->tr) ? sm_tracer_reason(d->tr) : "unknown");
	r = listen_socket(d);
	if (r < 0) {
		log_err("Failed to listen on %s: %s", d->cfg.socket_path, strerror(-r));
		return r;
	}
	if ((sm_tracer_fd(d->tr) >= 0 && add_fd(d, sm_tracer_fd(d->tr)) < 0) || add_fd(d, d->tfd) < 0 ||
	    add_fd(d, d->sfd) < 0 || (d->lfd >= 0 && add_fd(d, d->lfd) < 0)) {
		log_err("Failed to set up epoll: %m");
		return -errno;
	}
	r = arm_timer(d);
	if (r < 0) {
		log_err("Failed to arm the control timer: %s", strerror(-r));
		return r;
	}

	/* Everything that needs privilege is open: keep only what acting needs. */
	if (geteuid() == 0) {
		po.dac_override = sm_privs_dir_needs_override(d->lv.cg_mount) || d->cfg.levers.autogroup;
		po.sys_ptrace = d->cfg.exclude.n_exe > 0;
		r = sm_drop_privileges(&po);
		if (r < 0)
			log_warn("Failed to drop privileges: %s", strerror(-r));
		else {
			sm_privs_format(sm_privs_keep_mask(&po), buf, sizeof(buf));
			log_debug("privileges dropped; kept %s", buf);
		}
	}
	sm_scope_format(&d->cfg.scope, buf, sizeof(buf));
	log_notice("schedml %s started: %s%s, source %s, model %s (%s), scope %s, interval %" PRIu64 " ms",
		   SCHEDML_VERSION, d->o->dry_run ? "dry-run" : "acting", d->state_ok ? "" : " without state file",
		   sm_tracer_mode_name(d->tr), d->cfg.model_path, d->model->name ? d->model->name : "unnamed",
		   buf, d->cfg.interval_ns / 1000000);
	notify("READY=1\nSTATUS=started");
	if (sd_watchdog_enabled(0, &d->wd_usec) <= 0)
		d->wd_usec = 0;
	return 0;
}

static void teardown(struct daemon *d)
{
	bool leftover = false;

	if (d->ft && d->tr) {
		restore_all(d);
		for_each_dp(d, p, tmp) {
			(void)tmp;
			leftover |= p->act_open && sm_act_proc_active(&p->act);
		}
	}
	if (d->state_ok && !d->o->dry_run) {
		if (leftover)
			save_state(d);
		else
			unlink(d->cfg.state_file);
	}
	if (d->cg_ready && !d->o->dry_run) {
		int r = sm_act_cgroup_teardown(&d->act);

		if (r < 0 && r != -EBUSY)
			log_debug("batch cgroup not removed: %s", strerror(-r));
	}
	if (d->lfd >= 0) {
		close(d->lfd);
		unlink(d->cfg.socket_path);
	}
	for_each_dp(d, p, tmp) {
		(void)tmp;
		dp_free(d, p);
	}
	sm_tracer_free(d->tr);
	sm_ftable_free(d->ft);
	sd_bus_flush_close_unref(d->bus);
	sm_model_free(d->model);
	sm_config_free(&d->cfg);
	if (d->tfd >= 0)
		close(d->tfd);
	if (d->sfd >= 0)
		close(d->sfd);
	if (d->epfd >= 0)
		close(d->epfd);
}

int sm_daemon_run(const struct sm_daemon_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	uint64_t deadline;
	int r, rc = 0;

	if (!d) {
		log_err("Out of memory");
		return 1;
	}
	d->o = o;
	d->epfd = d->tfd = d->sfd = d->lfd = -1;
	d->self = (uint32_t)getpid();
	d->start_ns = sm_now_ns();
	d->last_wd_ns = d->start_ns;
	r = setup(d);
	if (r < 0) {
		teardown(d);
		free(d);
		return 1;
	}
	deadline = o->duration_ns ? sm_now_ns() + o->duration_ns : 0;
	while (!d->quit) {
		struct epoll_event evs[8];
		int timeout = -1, n;

		if (d->wd_usec)
			timeout = (int)(d->wd_usec / 2000);
		n = epoll_wait(d->epfd, evs, ARRAY_SIZE(evs), timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %m");
			rc = 1;
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d->tfd) {
				uint64_t exp;

				if (read(d->tfd, &exp, sizeof(exp)) > 0) {
					control_step(d);
					update_status(d);
				}
			} else if (fd == d->sfd) {
				struct signalfd_siginfo si;

				while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload(d);
					} else {
						log_notice("Received %s: restoring original values and exiting",
							   strsignal((int)si.ssi_signo));
						notify("STOPPING=1");
						d->quit = true;
					}
				}
			} else if (fd == d->lfd) {
				serve_client(d);
			} else {
				sm_tracer_consume(d->tr); /* ring buffer readable: drain */
			}
		}
		if (d->wd_usec && sm_now_ns() - d->last_wd_ns >= d->wd_usec * 500ull) {
			notify("WATCHDOG=1");
			d->last_wd_ns = sm_now_ns();
		}
		if (deadline && sm_now_ns() >= deadline)
			d->quit = true;
	}
	teardown(d);
	free(d);
	return rc;
}
