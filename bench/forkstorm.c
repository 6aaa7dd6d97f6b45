// SPDX-License-Identifier: GPL-2.0
/*
 * forkstorm: a make -j like fork storm. Keeps J jobs running; each job is a fresh process (fork +
 * exec) that, like a compiler, touches a few MiB of memory and burns a random 5..60 ms of CPU, then
 * exits. Prints the jobs completed and jobs/s at the end: the storm's throughput.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int job(uint32_t ms)
{
	size_t sz = 4u << 20;
	unsigned char *m = malloc(sz);
	uint64_t end = cpu_ns() + (uint64_t)ms * 1000000ull;
	volatile uint64_t x = 0;

	if (!m)
		return 1;
	memset(m, 1, sz);
	while (cpu_ns() < end)
		for (size_t i = 0; i < sz; i += 4096)
			x += m[i] * i;
	free(m);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t jobs = 2, min_ms = 5, max_ms = 60, ms;
	uint64_t dur_ns = 10000000000ull, done = 0, start;
	const char *exe = "/proc/self/exe";
	char self[4096];
	ssize_t len;
	int c;

	if (argc == 3 && !strcmp(argv[1], "--job"))
		return sm_parse_u32(argv[2], &ms) < 0 ? 2 : job(ms);
	while ((c = getopt(argc, argv, "j:d:m:M:h")) != -1) {
		switch (c) {
		case 'j':
			if (sm_parse_u32(optarg, &jobs) < 0 || !jobs || jobs > 256)
				return fprintf(stderr, "forkstorm: bad -j '%s'\n", optarg), 2;
			break;
		case 'd':
			if (sm_parse_duration_ns(optarg, &dur_ns) < 0)
				return fprintf(stderr, "forkstorm: bad -d '%s'\n", optarg), 2;
			break;
		case 'm':
			if (sm_parse_u32(optarg, &min_ms) < 0)
				return fprintf(stderr, "forkstorm: bad -m '%s'\n", optarg), 2;
			break;
		case 'M':
			if (sm_parse_u32(optarg, &max_ms) < 0)
				return fprintf(stderr, "forkstorm: bad -M '%s'\n", optarg), 2;
			break;
		case 'h':
			printf("Usage: forkstorm [-j JOBS] [-d SECONDS] [-m MIN_MS] [-M MAX_MS]\n"
			       "Run JOBS short-lived CPU-bound processes at a time, like make -j.\n"
			       "Example: forkstorm -j 4 -d 20\n");
			return 0;
		default:
			return 2;
		}
	}
	if (max_ms < min_ms)
		max_ms = min_ms;
	len = readlink(exe, self, sizeof(self) - 1);
	if (len < 0)
		return fprintf(stderr, "forkstorm: readlink %s: %m\n", exe), 1;
	self[len] = 0;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	srand((unsigned)getpid());
	start = sm_now_ns();
	uint32_t running = 0;

	while (!stop || running) {
		while (!stop && running < jobs && sm_now_ns() - start < dur_ns) {
			char arg[16];
			pid_t p;

			snprintf(arg, sizeof(arg), "%u", min_ms + (uint32_t)rand() % (max_ms - min_ms + 1));
			p = fork();
			if (p < 0)
				break;
			if (p == 0) {
				execl(self, "cc1", "--job", arg, (char *)NULL);
				_exit(127);
			}
			running++;
		}
		if (!running)
			break;
		int st;
		pid_t w = wait(&st);

		if (w > 0) {
			running--;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				done++;
		}
		if (sm_now_ns() - start >= dur_ns)
			stop = 1;
	}
	double secs = (double)(sm_now_ns() - start) / 1e9;

	printf("jobs=%" PRIu64 " seconds=%.3f jobs_per_s=%.2f\n", done, secs, secs > 0 ? (double)done / secs : 0);
	return 0;
}
