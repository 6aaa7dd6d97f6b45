// SPDX-License-Identifier: GPL-2.0
/*
 * latprobe: a periodic task that measures how late it wakes up.
 *
 * Every period it sleeps to an absolute CLOCK_MONOTONIC deadline (clock_nanosleep TIMER_ABSTIME),
 * records how late it woke, then optionally burns W us of its own CPU time (CLOCK_THREAD_CPUTIME_ID,
 * so preemption stretches the work as it would a real periodic job). A deadline already in the past
 * when the probe is ready to sleep again is a missed period: it is counted and skipped.
 *
 * Prints key=value figures (microseconds) for the whole run and for the steady state (samples whose
 * deadline is at least --warmup after the start), and can dump every raw sample.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include "util.h"

struct sample {
	uint64_t t_ns;    /* deadline, relative to the start */
	uint64_t late_ns; /* wake-up time minus deadline */
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static uint64_t ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void burn_cpu_ns(uint64_t ns)
{
	uint64_t end = ts_ns(CLOCK_THREAD_CPUTIME_ID) + ns;
	volatile uint64_t x = 0;

	while (ts_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		for (int i = 0; i < 200; i++)
			x += (uint64_t)i * 2654435761u;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct_us(const uint64_t *v, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1000.0;
}

static void report(const char *prefix, const struct sample *s, size_t n, uint64_t from_ns,
		   uint64_t missed, uint64_t periods)
{
	_cleanup_free_ uint64_t *v = calloc(n ? n : 1, sizeof(*v));
	size_t m = 0;

	if (!v) {
		fprintf(stderr, "latprobe: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		if (s[i].t_ns >= from_ns)
			v[m++] = s[i].late_ns;
	qsort(v, m, sizeof(*v), cmp_u64);
	printf("%ssamples=%zu %sp50=%.1f %sp99=%.1f %sp999=%.1f %smax=%.1f %smissed=%" PRIu64
	       " %speriods=%" PRIu64 " %smissed_pct=%.3f\n",
	       prefix, m, prefix, pct_us(v, m, 50), prefix, pct_us(v, m, 99), prefix, pct_us(v, m, 99.9),
	       prefix, m ? (double)v[m - 1] / 1000.0 : 0.0, prefix, missed, prefix, periods, prefix,
	       periods ? 100.0 * (double)missed / (double)periods : 0.0);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: latprobe [OPTIONS]\n"
		"Sleep to an absolute deadline every period, record wake-up lateness, print percentiles (us).\n\n"
		"  -p, --period US     period in microseconds (default 1000)\n"
		"  -w, --work US       CPU work per period in microseconds of thread CPU time (default 0)\n"
		"  -d, --duration S    run time in seconds, fractions allowed (default 10)\n"
		"  -s, --warmup S      steady state starts S seconds in (default 2)\n"
		"  -o, --dump FILE     write raw samples: deadline_us lateness_us (one per line)\n"
		"  -S, --slack NS      set own timer slack (default: leave it, normally 50 us)\n"
		"  -h, --help\n\n"
		"Examples:\n"
		"  latprobe -d 20                      1 kHz sleep-only probe for 20 s\n"
		"  latprobe -p 2000 -w 500 -o raw.txt  0.5 ms of work every 2 ms, raw samples to raw.txt\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' }, { "work", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' }, { "warmup", required_argument, NULL, 's' },
		{ "dump", required_argument, NULL, 'o' }, { "slack", required_argument, NULL, 'S' }, { "help", no_argument, NULL, 'h' }, {}
	};
	uint32_t period_us = 1000, work_us = 0;
	uint64_t dur_ns = 10000000000ull, warm_ns = 2000000000ull;
	const char *dump = NULL;
	uint64_t slack_ns = 0;
	int c;

	while ((c = getopt_long(argc, argv, "p:w:d:s:o:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (sm_parse_u32(optarg, &period_us) < 0 || period_us < 10 || period_us > 10000000) {
				fprintf(stderr, "latprobe: bad --period '%s' (10..10000000 us)\n", optarg);
				return 2;
			}
			break;
		case 'w':
			if (sm_parse_u32(optarg, &work_us) < 0 || work_us > 10000000) {
				fprintf(stderr, "latprobe: bad --work '%s'\n", optarg);
				return 2;
			}
			break;
		case 'd':
			if (sm_parse_duration_ns(optarg, &dur_ns) < 0 || dur_ns == 0) {
				fprintf(stderr, "latprobe: bad --duration '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (sm_parse_duration_ns(optarg, &warm_ns) < 0) {
				fprintf(stderr, "latprobe: bad --warmup '%s'\n", optarg);
				return 2;
			}
			break;
		case 'o':
			dump = optarg;
			break;
		case 'S':
			if (sm_parse_u64(optarg, &slack_ns) < 0 || slack_ns == 0) {
				fprintf(stderr, "latprobe: bad --slack '%s' (ns, > 0)\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "latprobe: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (work_us >= period_us) {
		fprintf(stderr, "latprobe: --work must be shorter than --period\n");
		return 2;
	}

	uint64_t period_ns = (uint64_t)period_us * 1000, work_ns = (uint64_t)work_us * 1000;
	size_t cap = (size_t)(dur_ns / period_ns) + 2;
	_cleanup_free_ struct sample *s = calloc(cap, sizeof(*s));
	size_t n = 0;
	uint64_t missed = 0, missed_ss = 0, periods = 0, periods_ss = 0;

	if (!s) {
		fprintf(stderr, "latprobe: out of memory for %zu samples\n", cap);
		return 1;
	}
	memset(s, 0, cap * sizeof(*s)); /* fault every page in before measuring */
	mlockall(MCL_CURRENT | MCL_FUTURE); /* best effort */
	if (slack_ns && prctl(PR_SET_TIMERSLACK, (unsigned long)slack_ns, 0, 0, 0) < 0) {
		fprintf(stderr, "latprobe: PR_SET_TIMERSLACK: %m\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	uint64_t start = ts_ns(CLOCK_MONOTONIC), next = start + period_ns, end = start + dur_ns;

	while (!stop && next <= end && n < cap) {
		struct timespec dl = { .tv_sec = (time_t)(next / 1000000000ull),
				       .tv_nsec = (long)(next % 1000000000ull) };
		int r;

		do
			r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL);
		while (r == EINTR && !stop);
		if (r && r != EINTR) {
			fprintf(stderr, "latprobe: clock_nanosleep: %s\n", strerror(r));
			return 1;
		}
		uint64_t now = ts_ns(CLOCK_MONOTONIC);

		s[n].t_ns = next - start;
		s[n].late_ns = now > next ? now - next : 0;
		n++;
		periods++;
		if (next - start >= warm_ns)
			periods_ss++;
		if (work_ns)
			burn_cpu_ns(work_ns);
		now = ts_ns(CLOCK_MONOTONIC);
		next += period_ns;
		/* Deadlines already past: those periods are lost. */
		while (next < now && next <= end) {
			missed++;
			periods++;
			if (next - start >= warm_ns) {
				missed_ss++;
				periods_ss++;
			}
			next += period_ns;
		}
	}

	printf("period_us=%u work_us=%u duration_s=%.3f warmup_s=%.3f\n", period_us, work_us,
	       (double)(ts_ns(CLOCK_MONOTONIC) - start) / 1e9, (double)warm_ns / 1e9);
	report("", s, n, 0, missed, periods);
	report("ss_", s, n, warm_ns, missed_ss, periods_ss);

	if (dump) {
		_cleanup_fclose_ FILE *f = fopen(dump, "we");

		if (!f) {
			fprintf(stderr, "latprobe: cannot write %s: %m\n", dump);
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%.1f %.1f\n", (double)s[i].t_ns / 1000.0, (double)s[i].late_ns / 1000.0);
		if (fflush(f) != 0 || ferror(f)) {
			fprintf(stderr, "latprobe: writing %s failed: %m\n", dump);
			return 1;
		}
	}
	return 0;
}
