// SPDX-License-Identifier: GPL-2.0
/* sm_drop_privileges(): each drop runs in a forked child, which checks /proc/self/status (parsed
 * here independently of privs.c) and what it can still do, and reports through its exit code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "privs.h"
#include "util.h"

#define BIT(c) (UINT64_C(1) << (c))

static uint64_t status_hex(const char *key)
{
	char buf[8192], *p;
	uint64_t v = UINT64_MAX;

	if (sm_read_small("/proc/self/status", buf, sizeof(buf)) < 0)
		return UINT64_MAX;
	p = strstr(buf, key);
	if (!p)
		return UINT64_MAX;
	p += strlen(key);
	if (sscanf(p, " %" SCNx64, &v) != 1)
		return UINT64_MAX;
	return v;
}

static uint64_t status_dec(const char *key)
{
	char buf[8192], *p;
	uint64_t v = UINT64_MAX;

	if (sm_read_small("/proc/self/status", buf, sizeof(buf)) < 0)
		return UINT64_MAX;
	p = strstr(buf, key);
	if (!p)
		return UINT64_MAX;
	if (sscanf(p + strlen(key), " %" SCNu64, &v) != 1)
		return UINT64_MAX;
	return v;
}

/* A process owned by nobody (only when we are root): the target of "other user's task" checks. */
static pid_t start_nobody(void)
{
	int fds[2];
	char c = 0;
	pid_t p;

	if (geteuid() != 0 || pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	p = fork();
	if (p == 0) {
		close(fds[0]);
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		/* Tell the parent the uid switch is done: checks against us must not race it. */
		if (write(fds[1], "u", 1) != 1)
			_exit(1);
		close(fds[1]);
		alarm(60);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (p > 0 && read(fds[0], &c, 1) != 1) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		p = -1;
	}
	close(fds[0]);
	return p;
}

static void stop(pid_t p)
{
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "child check failed: %s (line %d)\n", #cond, __LINE__); \
			_exit(10);                                                               \
		}                                                                                \
	} while (0)

/* In the child: drop with o, then check every set and what can and cannot be done. */
static void child_drop_and_check(const struct sm_privs_opts *o, pid_t nobody, const char *ro_dir)
{
	uint64_t prm_before = status_hex("CapPrm:");
	uint64_t eff_before = status_hex("CapEff:");
	uint64_t bnd_before = status_hex("CapBnd:");
	uint64_t want = sm_privs_keep_mask(o) & prm_before;
	char sub[512];
	int r;

	r = sm_drop_privileges(o);
	if (r < 0) {
		fprintf(stderr, "sm_drop_privileges: %s\n", strerror(-r));
		_exit(11);
	}
	CHECK(status_hex("CapEff:") == want);
	CHECK(status_hex("CapPrm:") == want);
	CHECK(status_hex("CapInh:") == 0);
	CHECK(status_hex("CapAmb:") == 0);
	CHECK(status_dec("NoNewPrivs:") == 1);
	if (eff_before & BIT(CAP_SETPCAP))
		CHECK(status_hex("CapBnd:") == want);
	else
		CHECK(status_hex("CapBnd:") == bnd_before);
	/* A second drop is harmless and keeps the same set. */
	CHECK(sm_drop_privileges(o) == 0);
	CHECK(status_hex("CapEff:") == want);

	if (nobody > 0) {
		/* CAP_SYS_NICE: another user's task, up and back down (lowering needs the cap). */
		if (want & BIT(CAP_SYS_NICE)) {
			CHECK(setpriority(PRIO_PROCESS, (id_t)nobody, 5) == 0);
			CHECK(setpriority(PRIO_PROCESS, (id_t)nobody, 0) == 0);
		}
		/* CAP_KILL is gone. */
		CHECK(kill(nobody, 0) < 0 && errno == EPERM);
	}
	if (ro_dir && (prm_before & BIT(CAP_DAC_OVERRIDE))) {
		snprintf(sub, sizeof(sub), "%s/sub", ro_dir);
		r = mkdir(sub, 0700);
		if (want & BIT(CAP_DAC_OVERRIDE)) {
			CHECK(r == 0);
			CHECK(rmdir(sub) == 0);
		} else {
			CHECK(r < 0 && errno == EACCES);
		}
	}
	_exit(0);
}

static void run_case(const struct sm_privs_opts *o)
{
	char ro_dir[] = "/tmp/schedml-privs.XXXXXX";
	pid_t nobody, child;
	int st = -1;

	assert_non_null(mkdtemp(ro_dir));
	assert_int_equal(chmod(ro_dir, 0555), 0);
	nobody = start_nobody();
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		child_drop_and_check(o, nobody, ro_dir);
	assert_int_equal(waitpid(child, &st, 0), child);
	stop(nobody);
	rmdir(ro_dir);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_keep_mask(void **state)
{
	struct sm_privs_opts o = { 0 };

	(void)state;
	assert_int_equal(sm_privs_keep_mask(NULL), BIT(CAP_SYS_NICE));
	assert_int_equal(sm_privs_keep_mask(&o), BIT(CAP_SYS_NICE));
	o.dac_override = true;
	assert_int_equal(sm_privs_keep_mask(&o), BIT(CAP_SYS_NICE) | BIT(CAP_DAC_OVERRIDE));
	o.sys_ptrace = true;
	assert_int_equal(sm_privs_keep_mask(&o),
			 BIT(CAP_SYS_NICE) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_SYS_PTRACE));
}

static void test_format(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(sm_privs_format(0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "none");
	sm_privs_format(BIT(CAP_SYS_NICE) | BIT(CAP_DAC_OVERRIDE), buf, sizeof(buf));
	assert_string_equal(buf, "dac_override,sys_nice");
	sm_privs_format(BIT(39) | BIT(38) | BIT(50), buf, sizeof(buf));
	assert_string_equal(buf, "perfmon,bpf,cap_50");
	/* Truncation stays NUL-terminated and in bounds. */
	assert_int_equal(sm_privs_format(UINT64_MAX, buf, 10), 9);
	assert_int_equal(strlen(buf), 9);
}

static void test_drop_default(void **state)
{
	(void)state;
	run_case(NULL);
}

static void test_drop_dac_override(void **state)
{
	struct sm_privs_opts o = { .dac_override = true };

	(void)state;
	run_case(&o);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void test_drop_refuses_threads(void **state)
{
	pid_t child;
	int st = -1;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pthread_t t;
		uint64_t eff = status_hex("CapEff:");

		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			_exit(20);
		if (sm_drop_privileges(NULL) != -EBUSY)
			_exit(21);
		if (status_hex("CapEff:") != eff)
			_exit(22); /* nothing was dropped */
		_exit(0);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_dir_needs_override(void **state)
{
	char dir[] = "/tmp/schedml-privs.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_false(sm_privs_dir_needs_override(dir));
	assert_int_equal(chmod(dir, 0555), 0);
	assert_true(sm_privs_dir_needs_override(dir));
	assert_int_equal(rmdir(dir), 0);
	assert_false(sm_privs_dir_needs_override("/nonexistent/schedml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_mask),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_drop_default),
		cmocka_unit_test(test_drop_dac_override),
		cmocka_unit_test(test_drop_refuses_threads),
		cmocka_unit_test(test_dir_needs_override),
	};
	return cmocka_run_group_tests_name("privs", tests, NULL, NULL);
}
