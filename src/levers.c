// SPDX-License-Identifier: GPL-2.0
/* Lever detection: what this host's kernel and init system actually honour. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "actuator.h"
#include "levers.h"
#include "util.h"

static bool has_token(const char *list, const char *tok, char sep)
{
	size_t l = strlen(tok);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, sep);
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == l && !strncmp(p, tok, l))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[512];

	if (sm_read_small(path, buf, sizeof(buf)) < 0)
		return false;
	return has_token(buf, word, ' ');
}

int sm_levers_parse_mountinfo(const char *mi, const char *cg_name, struct sm_levers *l)
{
	char v1[256] = "", v2[256] = "";
	char v1root[200] = "/", v2root[200] = "/";

	for (const char *line = mi; line && *line;) {
		const char *nl = strchr(line, '\n');
		char buf[4096], root[200], mnt[256], fstype[64], src[256], opts[1024];
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *dash;

		if (n < sizeof(buf)) {
			memcpy(buf, line, n);
			buf[n] = '\0';
			dash = strstr(buf, " - ");
			if (dash && sscanf(buf, "%*s %*s %*s %199s %255s", root, mnt) == 2 &&
			    sscanf(dash + 3, "%63s %255s %1023s", fstype, src, opts) == 3) {
				if (!strcmp(fstype, "cgroup2") && !v2[0]) {
					snprintf(v2, sizeof(v2), "%s", mnt);
					snprintf(v2root, sizeof(v2root), "%s", root);
				} else if (!strcmp(fstype, "cgroup") && has_token(opts, "cpu", ',') && !v1[0]) {
					snprintf(v1, sizeof(v1), "%s", mnt);
					snprintf(v1root, sizeof(v1root), "%s", root);
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	l->cg_mode = SM_CG_NONE;
	l->cg_mount[0] = l->cg_batch[0] = l->cg_batch_rel[0] = '\0';
	/* v2 only counts when its root offers the cpu controller (the caller checks the files). */
	if (v2[0]) {
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/cgroup.controllers", v2);
		if (file_has_word(p, "cpu")) {
			l->cg_mode = SM_CG_V2;
			snprintf(l->cg_mount, sizeof(l->cg_mount), "%s", v2);
			snprintf(p, sizeof(p), "%s/cgroup.subtree_control", v2);
			l->cg_enable_cpu = !file_has_word(p, "cpu");
			snprintf(l->why_cg, sizeof(l->why_cg), "v2 cpu.weight at %.100s", v2);
			if (strcmp(v2root, "/"))
				snprintf(l->cg_batch_rel, sizeof(l->cg_batch_rel), "%s/%.50s", v2root, cg_name);
		}
	}
	if (l->cg_mode == SM_CG_NONE && v1[0]) {
		l->cg_mode = SM_CG_V1;
		snprintf(l->cg_mount, sizeof(l->cg_mount), "%s", v1);
		snprintf(l->why_cg, sizeof(l->why_cg), "v1 cpu.shares at %.100s%s", v1,
			 v2[0] ? " (the v2 tree has no cpu controller)" : "");
		if (strcmp(v1root, "/"))
			snprintf(l->cg_batch_rel, sizeof(l->cg_batch_rel), "%s/%.50s", v1root, cg_name);
	}
	if (l->cg_mode == SM_CG_NONE) {
		snprintf(l->why_cg, sizeof(l->why_cg), "no cgroup hierarchy with the cpu controller");
		return 0;
	}
	snprintf(l->cg_batch, sizeof(l->cg_batch), "%.256s/%.255s", l->cg_mount, cg_name);
	if (!l->cg_batch_rel[0])
		snprintf(l->cg_batch_rel, sizeof(l->cg_batch_rel), "/%.250s", cg_name);
	return 0;
}

static void detect_systemd(struct sm_levers *l)
{
	char comm[32] = "";
	sd_bus *bus = NULL;
	int r;

	l->systemd = false;
	sm_read_small("/proc/1/comm", comm, sizeof(comm));
	if (sd_booted() <= 0 || strcmp(comm, "systemd")) {
		snprintf(l->why_systemd, sizeof(l->why_systemd), "PID 1 is %s, not systemd: unit lever off",
			 comm[0] ? comm : "unknown");
		return;
	}
	r = sd_bus_open_system(&bus);
	if (r < 0) {
		snprintf(l->why_systemd, sizeof(l->why_systemd), "system bus unreachable (%s): unit lever off",
			 strerror(-r));
		return;
	}
	sd_bus_unref(bus);
	l->systemd = true;
	snprintf(l->why_systemd, sizeof(l->why_systemd),
		 "systemd is PID 1 with a system bus: a process alone in its unit gets the unit's "
		 "CPUWeight=, others are moved");
}

int sm_levers_detect(struct sm_levers *l, const char *cg_name)
{
	_cleanup_free_ char *mi = NULL;
	char buf[32];
	uint64_t v;
	int r;

	memset(l, 0, sizeof(*l));
	r = sm_read_file("/proc/self/mountinfo", &mi, NULL);
	if (r == 0)
		sm_levers_parse_mountinfo(mi, cg_name, l);
	else
		snprintf(l->why_cg, sizeof(l->why_cg), "cannot read mountinfo: %s", strerror(-r));
	detect_systemd(l);
	l->autogroup = sm_read_small("/proc/sys/kernel/sched_autogroup_enabled", buf, sizeof(buf)) > 0 &&
		       !strcmp(buf, "1");
	r = sm_act_probe_slice(&l->slice, &l->default_slice_ns);
	if (r < 0)
		snprintf(l->why_slice, sizeof(l->why_slice), "probe failed: %s", strerror(-r));
	else if (l->slice)
		snprintf(l->why_slice, sizeof(l->why_slice), "custom slice honoured (default %llu us)",
			 (unsigned long long)(l->default_slice_ns / 1000));
	else
		snprintf(l->why_slice, sizeof(l->why_slice), "sched_runtime on SCHED_OTHER not honoured");
	l->timer_slack = access("/proc/self/timerslack_ns", W_OK) == 0 &&
			 sm_read_small("/proc/self/timerslack_ns", buf, sizeof(buf)) > 0 &&
			 sm_parse_u64(buf, &v) == 0;
	return 0;
}

size_t sm_levers_format(const struct sm_levers *l, char *buf, size_t len)
{
	int n = snprintf(buf, len, "cgroup=%s%s%s systemd=%s autogroup=%s slice=%s timer_slack=%s",
			 l->cg_mode == SM_CG_V2 ? "v2:" : l->cg_mode == SM_CG_V1 ? "v1:" : "none",
			 l->cg_mode ? l->cg_batch : "", "", l->systemd ? "yes" : "no",
			 l->autogroup ? "yes" : "no", l->slice ? "yes" : "no", l->timer_slack ? "yes" : "no");

	return n < 0 ? 0 : (size_t)n;
}
