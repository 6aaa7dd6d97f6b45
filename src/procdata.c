// SPDX-License-Identifier: GPL-2.0
/* process_data.json.gz writer: periodic per-process /proc snapshots as JSON lines. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <zlib.h>
#include <json-c/json.h>

#include "procdata.h"
#include "procfs.h"
#include "schedml.h"
#include "util.h"

#define PF_KTHREAD 0x00200000u

struct sm_procdata {
	gzFile gz;
	int err;
};

static int put_line(struct sm_procdata *w, const char *s)
{
	size_t n = strlen(s);

	if (gzwrite(w->gz, s, (unsigned)n) != (int)n || gzputc(w->gz, '\n') != '\n') {
		int zerr;

		gzerror(w->gz, &zerr);
		if (!w->err)
			w->err = zerr == Z_ERRNO && errno ? -errno : -EIO;
		return w->err;
	}
	return 0;
}

int sm_procdata_open(const char *path, const char *header_json, struct sm_procdata **out)
{
	struct sm_procdata *w;
	int fd, r;

	if (!header_json || strchr(header_json, '\n'))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		free(w);
		return r;
	}
	w->gz = gzdopen(fd, "wb6");
	if (!w->gz) {
		close(fd);
		free(w);
		return -ENOMEM;
	}
	r = put_line(w, header_json);
	if (r < 0) {
		sm_procdata_close(w);
		return r;
	}
	*out = w;
	return 0;
}

struct psum {
	uint64_t run_ns, wait_ns, slices, vol, invol;
};

static void sum_threads(const char *proc_root, uint32_t pid, struct psum *ps)
{
	char path[512], buf[4096];
	struct dirent *de;
	DIR *d;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "%s/%u/task", proc_root, pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct sm_proc_schedstat ss;
		struct sm_proc_status st;
		uint32_t tid;

		if (sm_parse_u32(de->d_name, &tid) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%u/task/%u/schedstat", proc_root, pid, tid);
		if (sm_read_small(path, buf, sizeof(buf)) >= 0 && sm_proc_parse_schedstat(buf, &ss) == 0) {
			ps->run_ns += ss.run_ns;
			ps->wait_ns += ss.wait_ns;
			ps->slices += ss.slices;
		}
		snprintf(path, sizeof(path), "%s/%u/task/%u/status", proc_root, pid, tid);
		if (sm_read_small(path, buf, sizeof(buf)) >= 0 && sm_proc_parse_status(buf, &st) == 0) {
			ps->vol += st.vol_switches;
			ps->invol += st.invol_switches;
		}
	}
	closedir(d);
}

int sm_procdata_snapshot(struct sm_procdata *w, const char *proc_root, uint64_t ts_ns,
			 uint32_t skip_pid, sm_procdata_label_fn label, void *ctx)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (w->err)
		return w->err;
	d = opendir(proc_root);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[512], buf[4096], cg[SM_CGROUP_LEN] = "";
		struct sm_proc_stat st;
		struct sm_proc_status ss;
		struct psum ps;
		uint32_t pid;
		json_object *o;
		int cls, r;

		if (sm_parse_u32(de->d_name, &pid) < 0 || pid == 0 || pid == skip_pid)
			continue;
		snprintf(path, sizeof(path), "%s/%u/stat", proc_root, pid);
		if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_stat(buf, &st) < 0)
			continue; /* exited meanwhile */
		snprintf(path, sizeof(path), "%s/%u/status", proc_root, pid);
		if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_status(buf, &ss) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
		if (sm_read_small(path, buf, sizeof(buf)) < 0 || sm_proc_parse_cgroup(buf, cg, sizeof(cg)) < 0)
			cg[0] = '\0';
		sum_threads(proc_root, pid, &ps);

		o = json_object_new_object();
		if (!o)
			continue;
		json_object_object_add(o, "ts_ns", json_object_new_uint64(ts_ns));
		json_object_object_add(o, "pid", json_object_new_int64(pid));
		json_object_object_add(o, "ppid", json_object_new_int64(st.ppid));
		json_object_object_add(o, "comm", json_object_new_string(st.comm));
		json_object_object_add(o, "state", json_object_new_string_len(&st.state, 1));
		json_object_object_add(o, "uid", json_object_new_int64(ss.uid));
		json_object_object_add(o, "kthread", json_object_new_boolean(st.flags & PF_KTHREAD));
		json_object_object_add(o, "utime", json_object_new_uint64(st.utime));
		json_object_object_add(o, "stime", json_object_new_uint64(st.stime));
		json_object_object_add(o, "run_ns", json_object_new_uint64(ps.run_ns));
		json_object_object_add(o, "wait_ns", json_object_new_uint64(ps.wait_ns));
		json_object_object_add(o, "slices", json_object_new_uint64(ps.slices));
		json_object_object_add(o, "vol_switches", json_object_new_uint64(ps.vol));
		json_object_object_add(o, "invol_switches", json_object_new_uint64(ps.invol));
		json_object_object_add(o, "nice", json_object_new_int(st.nice));
		json_object_object_add(o, "policy", json_object_new_int64(st.policy));
		json_object_object_add(o, "threads", json_object_new_int64(st.num_threads));
		json_object_object_add(o, "rss_kb", json_object_new_uint64(ss.vm_rss_kb));
		json_object_object_add(o, "start_time", json_object_new_uint64(st.starttime));
		json_object_object_add(o, "cgroup", json_object_new_string(cg));
		cls = label ? label(ctx, pid) : SM_CLASS_NONE;
		if (cls > SM_CLASS_NONE && cls < SM_NR_CLASSES)
			json_object_object_add(o, "label", json_object_new_string(sm_class_name(cls)));
		r = put_line(w, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		if (r < 0) {
			closedir(d);
			return r;
		}
		n++;
	}
	closedir(d);
	return n;
}

int sm_procdata_close(struct sm_procdata *w)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (gzclose(w->gz) != Z_OK && !err)
		err = -EIO;
	free(w);
	return err;
}
