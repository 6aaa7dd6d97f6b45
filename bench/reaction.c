// SPDX-License-Identifier: GPL-2.0
/*
 * reaction: how long schedml takes to demote a CPU hog it has never seen.
 *
 * Starts --count hogs (bench/hog, which prints its CLOCK_MONOTONIC start time as its first act) at
 * random times over --spread seconds, and polls each live hog's nice, policy, cgroup and autogroup
 * nice from /proc every --poll-ms. The first poll that differs from this process's own values (the
 * hog inherits them) is the demotion; latency = that poll's time - the hog's start time.
 * Prints one line per hog and a summary: demoted, median_ms, max_ms.
 */
#include <fcntl.h>
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

#define MAX_HOGS 1000

struct hog {
	pid_t pid;
	int out;             /* read end of the hog's stdout */
	uint64_t due_ns;     /* when to start it */
	uint64_t start_ns;   /* its own first CLOCK_MONOTONIC reading */
	uint64_t demote_ns;  /* first poll that saw it demoted */
	uint64_t kill_ns;
	char how[64];
	bool started, done;
};

struct sched_state {
	int nice;
	unsigned policy;
	char cgroup[1024];
	char autogroup[128];
};

/* -errno, or 0 with *s filled. */
static int read_state(pid_t pid, struct sched_state *s)
{
	char path[64], buf[2048], *p;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	r = sm_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return (int)r;
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	/* fields from 3 (state): nice is field 19, policy field 41 */
	p += 2;
	long f[64] = { 0 };
	int i = 3;
	for (char *tok = strtok(p, " "); tok && i < 45; tok = strtok(NULL, " "), i++)
		f[i] = strtol(tok, NULL, 10);
	if (i <= 41)
		return -EINVAL;
	s->nice = (int)f[19];
	s->policy = (unsigned)f[41];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	r = sm_read_small(path, s->cgroup, sizeof(s->cgroup));
	if (r < 0)
		return (int)r;
	snprintf(path, sizeof(path), "/proc/%d/autogroup", (int)pid);
	if (sm_read_small(path, s->autogroup, sizeof(s->autogroup)) < 0)
		s->autogroup[0] = 0;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: reaction --hog PATH [--count N] [--spread S] [--hog-seconds S] [--poll-ms MS] [--seed N]\n"
		   "Start N hogs at random times over S seconds; time each one's demotion (nice, policy,\n"
		   "cgroup or autogroup nice changed) from its first instruction.\n"
		   "Example: reaction --hog build/bench/hog --count 20 --spread 30\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hog", required_argument, NULL, 'H' }, { "count", required_argument, NULL, 'n' },
		{ "spread", required_argument, NULL, 's' }, { "hog-seconds", required_argument, NULL, 't' },
		{ "poll-ms", required_argument, NULL, 'p' }, { "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' }, {}
	};
	const char *hogpath = NULL;
	uint32_t count = 20, poll_ms = 5, seed = (uint32_t)getpid();
	uint64_t spread_ns = 30000000000ull, life_ns = 4000000000ull, after_ns = 100000000ull;
	static struct hog h[MAX_HOGS];
	struct sched_state self;
	int c;

	while ((c = getopt_long(argc, argv, "H:n:s:t:p:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': hogpath = optarg; break;
		case 'n':
			if (sm_parse_u32(optarg, &count) < 0 || !count || count > MAX_HOGS)
				return fprintf(stderr, "reaction: bad --count '%s'\n", optarg), 2;
			break;
		case 's':
			if (sm_parse_duration_ns(optarg, &spread_ns) < 0)
				return fprintf(stderr, "reaction: bad --spread '%s'\n", optarg), 2;
			break;
		case 't':
			if (sm_parse_duration_ns(optarg, &life_ns) < 0 || !life_ns)
				return fprintf(stderr, "reaction: bad --hog-seconds '%s'\n", optarg), 2;
			break;
		case 'p':
			if (sm_parse_u32(optarg, &poll_ms) < 0 || !poll_ms)
				return fprintf(stderr, "reaction: bad --poll-ms '%s'\n", optarg), 2;
			break;
		case 'S':
			if (sm_parse_u32(optarg, &seed) < 0)
				return fprintf(stderr, "reaction: bad --seed '%s'\n", optarg), 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!hogpath) {
		usage(stderr);
		return 2;
	}
	if (read_state(getpid(), &self) < 0)
		return fprintf(stderr, "reaction: cannot read own /proc state: %m\n"), 1;
	signal(SIGPIPE, SIG_IGN);
	srand(seed);
	uint64_t t0 = sm_now_ns();
	for (uint32_t i = 0; i < count; i++) {
		h[i].due_ns = t0 + (spread_ns ? (uint64_t)(((double)rand() / RAND_MAX) * (double)spread_ns) : 0);
		h[i].out = -1;
	}

	uint32_t finished = 0;
	while (finished < count) {
		uint64_t now = sm_now_ns();

		for (uint32_t i = 0; i < count; i++) {
			struct hog *g = &h[i];

			if (!g->started && now >= g->due_ns) {
				int pfd[2];
				char secs[32];

				if (pipe2(pfd, O_CLOEXEC) < 0)
					return fprintf(stderr, "reaction: pipe: %m\n"), 1;
				snprintf(secs, sizeof(secs), "%.3f", (double)life_ns / 1e9 + 1);
				g->pid = fork();
				if (g->pid < 0)
					return fprintf(stderr, "reaction: fork: %m\n"), 1;
				if (g->pid == 0) {
					dup2(pfd[1], 1);
					execl(hogpath, hogpath, "-t", secs, (char *)NULL);
					_exit(127);
				}
				close(pfd[1]);
				g->out = pfd[0];
				g->started = true;
				g->kill_ns = now + life_ns;
				char line[128] = "";
				ssize_t r = read(g->out, line, sizeof(line) - 1); /* first line: start_ns= */
				if (r > 0) {
					line[r] = 0;
					sscanf(line, "start_ns=%" SCNu64, &g->start_ns);
				}
				if (!g->start_ns)
					return fprintf(stderr, "reaction: hog %s printed no start time\n", hogpath), 1;
			}
			if (g->started && !g->done) {
				struct sched_state s;

				if (!g->demote_ns && read_state(g->pid, &s) == 0) {
					const char *how = NULL;

					if (s.nice != self.nice)
						how = "nice";
					else if (s.policy != self.policy)
						how = "policy";
					else if (strcmp(s.cgroup, self.cgroup))
						how = "cgroup";
					else if (strcmp(s.autogroup, self.autogroup))
						how = "autogroup";
					if (how) {
						g->demote_ns = now;
						snprintf(g->how, sizeof(g->how), "%s", how);
						if (g->kill_ns > now + after_ns)
							g->kill_ns = now + after_ns;
					}
				}
				if (now >= g->kill_ns) {
					kill(g->pid, SIGKILL);
					waitpid(g->pid, NULL, 0);
					close(g->out);
					g->done = true;
					finished++;
					/* A hog forked by a process schedml already demoted (the fork-storm
					 * rule) is demoted at birth: seen before its first reading, 0 ms. */
					double ms = g->demote_ns ? (g->demote_ns > g->start_ns ?
						(double)(g->demote_ns - g->start_ns) / 1e6 : 0) : -1;
					printf("hog=%u pid=%d demoted=%d latency_ms=%.1f how=%s\n", i, (int)g->pid,
					       g->demote_ns != 0, ms, g->demote_ns ? g->how : "-");
					fflush(stdout);
				}
			}
		}
		struct timespec ts = { 0, (long)poll_ms * 1000000L };
		nanosleep(&ts, NULL);
	}

	uint64_t lat[MAX_HOGS];
	uint32_t n = 0, at_birth = 0;
	for (uint32_t i = 0; i < count; i++)
		if (h[i].demote_ns) {
			at_birth += h[i].demote_ns <= h[i].start_ns;
			lat[n++] = h[i].demote_ns > h[i].start_ns ? h[i].demote_ns - h[i].start_ns : 0;
		}
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	double med = n ? (n % 2 ? (double)lat[n / 2] : ((double)lat[n / 2 - 1] + (double)lat[n / 2]) / 2) / 1e6 : -1;
	printf("count=%u demoted=%u median_ms=%.1f max_ms=%.1f min_ms=%.1f at_birth=%u\n", count, n, med,
	       n ? (double)lat[n - 1] / 1e6 : -1, n ? (double)lat[0] / 1e6 : -1, at_birth);
	return 0;
}
