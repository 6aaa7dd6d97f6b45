// SPDX-License-Identifier: GPL-2.0
/* Least privilege: drop every capability the daemon no longer needs (see include/privs.h). */
#include "privs.h"
#include "util.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

#define CAPBIT(c) (UINT64_C(1) << (c))

static int capget_raw(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	memset(d, 0, 2 * sizeof(*d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	return 0;
}

static uint64_t join(uint32_t lo, uint32_t hi)
{
	return (uint64_t)lo | ((uint64_t)hi << 32);
}

int sm_privs_get(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable)
{
	struct __user_cap_data_struct d[2];
	int r = capget_raw(d);

	if (r < 0)
		return r;
	if (effective)
		*effective = join(d[0].effective, d[1].effective);
	if (permitted)
		*permitted = join(d[0].permitted, d[1].permitted);
	if (inheritable)
		*inheritable = join(d[0].inheritable, d[1].inheritable);
	return 0;
}

uint64_t sm_privs_keep_mask(const struct sm_privs_opts *o)
{
	uint64_t keep = CAPBIT(CAP_SYS_NICE);

	if (o && o->dac_override)
		keep |= CAPBIT(CAP_DAC_OVERRIDE);
	if (o && o->sys_ptrace)
		keep |= CAPBIT(CAP_SYS_PTRACE);
	return keep;
}

/* Highest capability the kernel knows; CAP_LAST_CAP of our headers if /proc is unreadable. */
static int last_cap(void)
{
	char buf[32];
	int32_t v;

	if (sm_read_small("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) > 0 &&
	    sm_parse_i32(buf, &v) == 0 && v > 0 && v < 64)
		return v;
	return CAP_LAST_CAP;
}

static int nr_threads(void)
{
	char buf[4096], *p;
	int32_t v;

	if (sm_read_small("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nThreads:");
	if (!p)
		return -1;
	p += strlen("\nThreads:");
	while (*p == ' ' || *p == '\t')
		p++;
	p[strcspn(p, "\n")] = '\0';
	if (sm_parse_i32(p, &v) < 0)
		return -1;
	return v;
}

int sm_drop_privileges(const struct sm_privs_opts *o)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	uint64_t eff, prm, keep, got_eff, got_prm, got_inh;
	int r, last = last_cap();

	if (nr_threads() > 1)
		return -EBUSY;
	r = sm_privs_get(&eff, &prm, NULL);
	if (r < 0)
		return r;
	keep = sm_privs_keep_mask(o) & prm;

	/* The bounding set first: dropping from it needs CAP_SETPCAP, which capset() removes below.
	 * Without CAP_SETPCAP (e.g. a unit's CapabilityBoundingSet= already trimmed it) the set is
	 * left as is: with an empty permitted set and no_new_privs nothing can be regained anyway. */
	if (eff & CAPBIT(CAP_SETPCAP)) {
		for (int c = 0; c <= last; c++) {
			if (keep & CAPBIT(c))
				continue;
			r = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
			if (r <= 0)
				continue; /* not in the set, or unknown to this kernel */
			if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0)
				return -errno;
		}
		/* uid 0 gets no capabilities from execve() (there is none, but a bug must not gain
		 * any), and none of this can be undone. */
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
				  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
			  0, 0, 0) < 0)
			return -errno;
	}

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	/* inheritable: 0 */
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;

	r = sm_privs_get(&got_eff, &got_prm, &got_inh);
	if (r < 0)
		return r;
	if (got_eff != keep || got_prm != keep || got_inh != 0)
		return -EPERM;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return -EPERM;
	return 0;
}

bool sm_privs_dir_needs_override(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return false;
	if (st.st_uid != geteuid())
		return true;
	return (st.st_mode & (S_IWUSR | S_IXUSR)) != (S_IWUSR | S_IXUSR);
}

size_t sm_privs_format(uint64_t mask, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (!mask)
		return (size_t)snprintf(buf, len, "none");
	for (int c = 0; c < 64; c++) {
		char num[16];
		const char *name;
		int w;

		if (!(mask & CAPBIT(c)))
			continue;
		if ((size_t)c < ARRAY_SIZE(cap_names)) {
			name = cap_names[c];
		} else {
			snprintf(num, sizeof(num), "cap_%d", c);
			name = num;
		}
		w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", name);
		if (w < 0)
			break;
		n += (size_t)w;
		if (n >= len) {
			n = len - 1;
			break;
		}
	}
	return n;
}
