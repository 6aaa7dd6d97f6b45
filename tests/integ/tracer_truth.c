// SPDX-License-Identifier: GPL-2.0
/*
 * Known workload for t_tracer_truth.sh: three processes pinned to CPU 0 (a spinner, a
 * 2 ms-on/2 ms-off duty cycler, a 1 ms sleeper). Each records CLOCK_MONOTONIC and its own
 * /proc/thread-self/schedstat at start and end, and the sleeper counts its sleeps:
 *   ROLE PID T0_NS T1_NS RUN0_NS RUN1_NS SLEEPS
 * Usage: tracer_truth SECONDS OUTFILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t run_ns(void)
{
	char buf[128];
	FILE *f = fopen("/proc/thread-self/schedstat", "re");
	unsigned long long v = 0;

	if (!f || !fgets(buf, sizeof(buf), f) || sscanf(buf, "%llu", &v) != 1) {
		perror("schedstat");
		exit(1);
	}
	fclose(f);
	return v;
}

static void spin_until(uint64_t t)
{
	while (now_ns() < t)
		for (volatile int i = 0; i < 1000; i++)
			;
}

static void child(const char *role, double secs, int startfd, const char *out)
{
	struct timespec one_ms = { 0, 1000000 };
	uint64_t t0, t1, r0, r1, end, sleeps = 0;
	char c, line[256];
	cpu_set_t set;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		perror("sched_setaffinity");
		exit(1);
	}
	snprintf(line, sizeof(line), "truth-%s", role);
	prctl(PR_SET_NAME, line);
	if (read(startfd, &c, 1) != 0) /* released when the parent closes the pipe */
		exit(1);
	t0 = now_ns();
	r0 = run_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	if (!strcmp(role, "spin")) {
		spin_until(end);
	} else if (!strcmp(role, "duty")) {
		while (now_ns() < end) {
			spin_until(now_ns() + 2000000);
			nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
		}
	} else {
		while (now_ns() < end) {
			nanosleep(&one_ms, NULL);
			sleeps++;
		}
	}
	t1 = now_ns();
	r1 = run_ns();
	snprintf(line, sizeof(line), "%s %d %llu %llu %llu %llu %llu\n", role, getpid(),
		 (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)r0,
		 (unsigned long long)r1, (unsigned long long)sleeps);
	fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		exit(1);
	exit(0);
}

int main(int argc, char **argv)
{
	static const char *roles[] = { "spin", "duty", "sleep" };
	int p[2], status, rc = 0;
	double secs;

	if (argc != 3 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: tracer_truth SECONDS OUTFILE\n");
		return 2;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(p[1]);
			child(roles[i], secs, p[0], argv[2]);
		}
	}
	close(p[0]);
	usleep(100000);
	close(p[1]); /* go */
	for (int i = 0; i < 3; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
	return rc;
}
