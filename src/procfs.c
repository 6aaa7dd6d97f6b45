// SPDX-License-Identifier: GPL-2.0
/* /proc parsers (pure, tested on fixtures) and readers (take a proc root, "/proc" normally). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "feature.h"
#include "procfs.h"
#include "util.h"

#define PF_KTHREAD 0x00200000u

/* Strict unsigned decimal token [s, s+n). */
static int dec_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int dec_i64(const char *s, size_t n, int64_t *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t v = 0;
	int r = dec_u64(s + neg, n - neg, &v);

	if (r < 0)
		return r;
	if (v > (uint64_t)INT64_MAX)
		return -ERANGE;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* Split the space-separated text after comm into fields. Returns the number found. */
static size_t split_fields(const char *p, const char **f, size_t *len, size_t max)
{
	size_t n = 0;

	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		f[n] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		len[n] = (size_t)(p - f[n]);
		n++;
	}
	return n;
}

int sm_proc_parse_stat(const char *buf, struct sm_proc_stat *st)
{
	/* Field numbers (1-based) from proc(5). Fields after comm start at 3. */
	enum { F_STATE = 3, F_PPID = 4, F_FLAGS = 9, F_UTIME = 14, F_STIME = 15, F_NICE = 19,
	       F_THREADS = 20, F_START = 22, F_PROCESSOR = 39, F_POLICY = 41, F_MAX = 52 };
	const char *open, *close, *f[F_MAX];
	size_t len[F_MAX], n, clen;
	uint64_t v = 0;
	int64_t iv;
	int r;

	memset(st, 0, sizeof(*st));
	open = strchr(buf, '(');
	close = strrchr(buf, ')'); /* comm may contain ')' and spaces: take the last one */
	if (!open || !close || close < open)
		return -EINVAL;
	if (open == buf || open[-1] != ' ')
		return -EINVAL;
	if ((r = dec_u64(buf, (size_t)(open - buf - 1), &v)) < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	st->pid = (uint32_t)v;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';

	n = split_fields(close + 1, f, len, F_MAX);
	/* f[0] is field 3. */
#define FIELD(num) f[(num) - 3], len[(num) - 3]
	if (n < F_START - 2)
		return -EINVAL;
	if (len[0] != 1)
		return -EINVAL;
	st->state = f[0][0];
	if ((r = dec_u64(FIELD(F_PPID), &v)) < 0 || v > UINT32_MAX)
		return r < 0 ? r : -ERANGE;
	st->ppid = (uint32_t)v;
	if ((r = dec_u64(FIELD(F_FLAGS), &v)) < 0 || v > UINT32_MAX)
		return r < 0 ? r : -ERANGE;
	st->flags = (uint32_t)v;
	if ((r = dec_u64(FIELD(F_UTIME), &st->utime)) < 0 ||
	    (r = dec_u64(FIELD(F_STIME), &st->stime)) < 0)
		return r;
	if ((r = dec_i64(FIELD(F_NICE), &iv)) < 0)
		return r;
	if (iv < -20 || iv > 19)
		return -ERANGE;
	st->nice = (int32_t)iv;
	if ((r = dec_u64(FIELD(F_THREADS), &v)) < 0 || v > UINT32_MAX)
		return r < 0 ? r : -ERANGE;
	st->num_threads = (uint32_t)v;
	if ((r = dec_u64(FIELD(F_START), &st->starttime)) < 0)
		return r;
	/* processor and policy exist since 2.5.x/2.6; tolerate short lines from odd sources. */
	if (n >= F_PROCESSOR - 2) {
		if ((r = dec_u64(FIELD(F_PROCESSOR), &v)) < 0 || v > UINT32_MAX)
			return r < 0 ? r : -ERANGE;
		st->processor = (uint32_t)v;
	}
	if (n >= F_POLICY - 2) {
		if ((r = dec_u64(FIELD(F_POLICY), &v)) < 0 || v > UINT32_MAX)
			return r < 0 ? r : -ERANGE;
		st->policy = (uint32_t)v;
	}
#undef FIELD
	return 0;
}

int sm_proc_parse_schedstat(const char *buf, struct sm_proc_schedstat *ss)
{
	const char *f[4];
	size_t len[4];
	int r;

	if (split_fields(buf, f, len, 4) != 3)
		return -EINVAL;
	if ((r = dec_u64(f[0], len[0], &ss->run_ns)) < 0 ||
	    (r = dec_u64(f[1], len[1], &ss->wait_ns)) < 0 ||
	    (r = dec_u64(f[2], len[2], &ss->slices)) < 0)
		return r;
	return 0;
}

/* Value of "Key:\t..." in /proc/<pid>/status: the first whitespace-separated token. */
static int status_u64(const char *line, size_t keylen, uint64_t *out)
{
	const char *p = line + keylen, *s;

	while (*p == ' ' || *p == '\t')
		p++;
	s = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	return dec_u64(s, (size_t)(p - s), out);
}

int sm_proc_parse_status(const char *buf, struct sm_proc_status *st)
{
	static const struct {
		const char *key;
		size_t off;
		bool hex, u32;
	} keys[] = {
		{ "Tgid:", offsetof(struct sm_proc_status, tgid), false, true },
		{ "Uid:", offsetof(struct sm_proc_status, uid), false, true },
		{ "Threads:", offsetof(struct sm_proc_status, threads), false, true },
		{ "voluntary_ctxt_switches:", offsetof(struct sm_proc_status, vol_switches), false, false },
		{ "nonvoluntary_ctxt_switches:", offsetof(struct sm_proc_status, invol_switches), false, false },
		{ "VmRSS:", offsetof(struct sm_proc_status, vm_rss_kb), false, false },
		{ "CapEff:", offsetof(struct sm_proc_status, cap_eff), true, false },
	};
	bool have_tgid = false;

	memset(st, 0, sizeof(*st));
	for (const char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			size_t kl = strlen(keys[i].key);
			uint64_t v;
			int r;

			if (strncmp(line, keys[i].key, kl) != 0)
				continue;
			if (keys[i].hex) {
				char *end;
				const char *p = line + kl;

				while (*p == ' ' || *p == '\t')
					p++;
				if (!isxdigit((unsigned char)*p))
					return -EINVAL;
				errno = 0;
				v = strtoull(p, &end, 16);
				if (errno || (*end && *end != '\n'))
					return -EINVAL;
			} else if ((r = status_u64(line, kl, &v)) < 0) {
				return r;
			}
			if (keys[i].u32) {
				if (v > UINT32_MAX)
					return -ERANGE;
				*(uint32_t *)((char *)st + keys[i].off) = (uint32_t)v;
			} else {
				*(uint64_t *)((char *)st + keys[i].off) = v;
			}
			if (i == 0)
				have_tgid = true;
			break;
		}
	}
	return have_tgid ? 0 : -EINVAL;
}

int sm_proc_parse_cgroup(const char *buf, char *path, size_t len)
{
	const char *v2 = NULL, *v1 = NULL;
	size_t v2len = 0, v1len = 0;

	if (len == 0)
		return -EINVAL;
	for (const char *line = buf; line && *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

		if (c1 && c2) {
			const char *ctl = c1 + 1;
			size_t ctllen = (size_t)(c2 - ctl);

			if (ctllen == 0 && c1 - line == 1 && line[0] == '0') {
				v2 = c2 + 1;
				v2len = (size_t)(end - v2);
			} else {
				/* "cpu,cpuacct" or "cpu": look for the exact "cpu" controller. */
				for (const char *p = ctl; p < c2;) {
					const char *comma = memchr(p, ',', (size_t)(c2 - p));
					const char *pe = comma ? comma : c2;

					if (pe - p == 3 && !strncmp(p, "cpu", 3)) {
						v1 = c2 + 1;
						v1len = (size_t)(end - v1);
					}
					p = pe + 1;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!v1 && !v2)
		return -ENOENT;
	if (!v1) {
		v1 = v2;
		v1len = v2len;
	}
	if (v1len >= len)
		return -ENAMETOOLONG;
	memcpy(path, v1, v1len);
	path[v1len] = '\0';
	return 0;
}

static ssize_t read_task_file(const char *proc_root, uint32_t tgid, uint32_t tid, const char *name,
			      char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%u/task/%u/%s", proc_root, tgid, tid, name);
	return sm_read_small(path, buf, size);
}

int sm_proc_taskinfo(const char *proc_root, uint32_t tgid, uint32_t tid, struct sm_taskinfo *ti)
{
	char buf[4096];
	struct sm_proc_stat st;
	struct sm_proc_status ss;
	ssize_t n;
	int r;

	memset(ti, 0, sizeof(*ti));
	n = read_task_file(proc_root, tgid, tid, "stat", buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	r = sm_proc_parse_stat(buf, &st);
	if (r < 0)
		return r;
	ti->pid = tid;
	ti->tgid = tgid;
	ti->ppid = st.ppid;
	ti->nice = st.nice;
	ti->policy = st.policy;
	ti->nr_threads = st.num_threads;
	ti->kthread = st.flags & PF_KTHREAD;
	ti->start_time = st.starttime;
	memcpy(ti->comm, st.comm, sizeof(ti->comm));

	n = read_task_file(proc_root, tgid, tid, "status", buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	r = sm_proc_parse_status(buf, &ss);
	if (r < 0)
		return r;
	ti->uid = ss.uid;

	n = read_task_file(proc_root, tgid, tid, "cgroup", buf, sizeof(buf));
	if (n >= 0 && sm_proc_parse_cgroup(buf, ti->cgroup, sizeof(ti->cgroup)) < 0)
		ti->cgroup[0] = '\0';
	return 0;
}

int sm_proc_sysctx(const char *proc_root, struct sm_sysctx *sys)
{
	char path[256], *buf = NULL;
	char small[256];
	bool have_running = false;
	uint32_t cpus = 0;
	int r;

	memset(sys, 0, sizeof(*sys));
	sys->ts_ns = sm_now_ns();
	snprintf(path, sizeof(path), "%s/stat", proc_root);
	r = sm_read_file(path, &buf, NULL);
	if (r < 0)
		return r;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (!strncmp(line, "cpu", 3) && isdigit((unsigned char)line[3])) {
			cpus++;
		} else if (!strncmp(line, "procs_running ", 14)) {
			uint64_t v;

			if (dec_u64(line + 14, strlen(line + 14), &v) == 0 && v <= UINT32_MAX) {
				sys->nr_running = (uint32_t)v;
				have_running = true;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	if (!cpus || !have_running)
		return -EINVAL;
	sys->nr_cpus = cpus;

	snprintf(path, sizeof(path), "%s/loadavg", proc_root);
	r = (int)sm_read_small(path, small, sizeof(small));
	if (r < 0)
		return r;
	{
		/* "0.52 0.58 0.59 1/1234 5678": load1 as fixed point x100. */
		const char *dot = strchr(small, '.'), *sp = strchr(small, ' ');
		uint64_t ip, fp;

		if (!dot || !sp || dot > sp || sp - dot != 3 ||
		    dec_u64(small, (size_t)(dot - small), &ip) < 0 || dec_u64(dot + 1, 2, &fp) < 0 ||
		    ip > 40000000)
			return -EINVAL;
		sys->load1_x100 = (uint32_t)(ip * 100 + fp);
	}
	return 0;
}

static bool all_digits(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (dec_u64(s, strlen(s), &v) < 0 || v == 0 || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int sm_proc_for_each_task(const char *proc_root, sm_proc_task_fn fn, void *ctx)
{
	DIR *d = opendir(proc_root);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[256];
		uint32_t tgid, tid;
		struct dirent *te;
		DIR *td;

		if (!all_digits(de->d_name, &tgid))
			continue;
		snprintf(path, sizeof(path), "%s/%u/task", proc_root, tgid);
		td = opendir(path);
		if (!td)
			continue; /* exited meanwhile */
		while ((te = readdir(td))) {
			if (!all_digits(te->d_name, &tid))
				continue;
			r = fn(ctx, tgid, tid);
			if (r < 0)
				break;
		}
		closedir(td);
		if (r < 0)
			break;
	}
	closedir(d);
	return r < 0 ? r : 0;
}

size_t sm_proc_refresh_stale(struct sm_ftable *ft, const char *proc_root)
{
	const struct sm_entity *e;
	uint32_t want[4096][2];
	size_t it = 0, n = 0, done = 0;

	/* Collect first: sm_ftable_taskinfo and sm_ftable_forget reorder the thread list. */
	while (n < ARRAY_SIZE(want) && (e = sm_ftable_next_thread(ft, &it)))
		if (e->info_stale) {
			want[n][0] = e->tgid;
			want[n][1] = e->id;
			n++;
		}
	for (size_t i = 0; i < n; i++) {
		struct sm_taskinfo ti;
		int r = sm_proc_taskinfo(proc_root, want[i][0], want[i][1], &ti);

		if (r == 0) {
			sm_ftable_taskinfo(ft, &ti);
			done++;
		} else if (r == -ENOENT || r == -ESRCH) {
			sm_ftable_forget(ft, want[i][1]);
		}
	}
	return done;
}
