// SPDX-License-Identifier: GPL-2.0
/*
 * sleepers: N threads that mostly sleep and wake now and then (a busy server's idle thread pool).
 * Used for the scale benchmark (10,000 tracked tasks) and the soak. Prints "ready threads=N" once
 * every thread exists, then exits after --seconds.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static uint64_t wake_ns = 2000000000ull, deadline_ns;

static void *sleeper(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	volatile uint64_t x = 0;

	while (sm_now_ns() < deadline_ns) {
		/* sleep 0.5x..1.5x the mean, then a few microseconds of work */
		uint64_t ns = wake_ns / 2 + (uint64_t)rand_r(&seed) % (wake_ns ? wake_ns : 1);
		struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull) };

		nanosleep(&ts, NULL);
		for (int i = 0; i < 2000; i++)
			x += (uint64_t)i;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint32_t n = 1000;
	uint64_t dur_ns = 30000000000ull;
	pthread_attr_t attr;
	int c, made = 0;

	while ((c = getopt(argc, argv, "n:d:w:h")) != -1) {
		switch (c) {
		case 'n':
			if (sm_parse_u32(optarg, &n) < 0 || !n || n > 100000)
				return fprintf(stderr, "sleepers: bad -n '%s'\n", optarg), 2;
			break;
		case 'd':
			if (sm_parse_duration_ns(optarg, &dur_ns) < 0)
				return fprintf(stderr, "sleepers: bad -d '%s'\n", optarg), 2;
			break;
		case 'w':
			if (sm_parse_duration_ns(optarg, &wake_ns) < 0 || !wake_ns)
				return fprintf(stderr, "sleepers: bad -w '%s'\n", optarg), 2;
			break;
		case 'h':
			printf("Usage: sleepers [-n THREADS] [-d SECONDS] [-w MEAN_SLEEP]\n"
			       "Spawn THREADS threads that sleep ~MEAN_SLEEP (default 2s) and wake briefly.\n"
			       "Example: sleepers -n 10000 -d 30\n");
			return 0;
		default:
			return 2;
		}
	}
	deadline_ns = sm_now_ns() + dur_ns;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (uint32_t i = 0; i < n; i++) {
		pthread_t t;
		int r = pthread_create(&t, &attr, sleeper, (void *)(uintptr_t)(i * 7919u + 1));

		if (r) {
			fprintf(stderr, "sleepers: pthread_create #%u: %s\n", i, strerror(r));
			break;
		}
		pthread_detach(t);
		made++;
	}
	printf("ready threads=%d\n", made);
	fflush(stdout);
	while (sm_now_ns() < deadline_ns)
		usleep(100000);
	return made == (int)n ? 0 : 1;
}
