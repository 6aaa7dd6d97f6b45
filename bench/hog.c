// SPDX-License-Identifier: GPL-2.0
/*
 * hog: a CPU hog that reports when it started. Its first action is to read CLOCK_MONOTONIC and
 * print "start_ns=<ns> pid=<pid>", so a watcher can time how long schedml takes to demote it.
 * Then it spins until --seconds elapse or it is signalled.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	uint64_t start = sm_now_ns(); /* the first thing the hog does */
	uint64_t dur_ns = 10000000000ull;
	volatile uint64_t x = 0;
	int c;

	while ((c = getopt(argc, argv, "t:h")) != -1) {
		switch (c) {
		case 't':
			if (sm_parse_duration_ns(optarg, &dur_ns) < 0) {
				fprintf(stderr, "hog: bad -t '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			printf("Usage: hog [-t SECONDS]\nSpin on one CPU; print start_ns=<CLOCK_MONOTONIC ns> first.\n"
			       "Example: hog -t 5\n");
			return 0;
		default:
			return 2;
		}
	}
	printf("start_ns=%" PRIu64 " pid=%d\n", start, (int)getpid());
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop && sm_now_ns() - start < dur_ns)
		for (int i = 0; i < 100000; i++)
			x += (uint64_t)i * 2654435761u;
	return 0;
}
