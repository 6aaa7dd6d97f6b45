// SPDX-License-Identifier: GPL-2.0
/* Compile-like fork/exec storm (batch): keeps JOBS children in flight; each child re-executes
 * this binary as a worker ("cc1") that computes for MIN..MAX ms and exits. The controller only
 * waits (it is not a worker: name it apart and leave it unlabelled).
 * Usage: smw-forkstorm JOBS MIN_MS MAX_MS [WORKER_NAME] */
#include <sys/wait.h>

#include "common.h"

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)getpid() * 2654435761u;
	long jobs, lo, hi, running = 0;
	const char *wname;

	if (argc >= 3 && !strcmp(argv[1], "--worker")) {
		set_name(argv[3]);
		die_with_parent();
		burn_us((uint64_t)arg_num(argv[2], "ms") * 1000);
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: %s JOBS MIN_MS MAX_MS [WORKER_NAME]\n", argv[0]);
		return 2;
	}
	jobs = arg_num(argv[1], "jobs");
	lo = arg_num(argv[2], "min");
	hi = arg_num(argv[3], "max");
	wname = argc > 4 ? argv[4] : "smw-storm";
	set_name("smw-storm-ctl");
	for (;;) {
		while (running < jobs) {
			char ms[32];
			pid_t p;

			snprintf(ms, sizeof(ms), "%ld", lo + (long)(rnd(&seed) % (uint64_t)(hi - lo + 1)));
			p = fork();
			if (p == 0) {
				execl("/proc/self/exe", argv[0], "--worker", ms, wname, (char *)NULL);
				_exit(127);
			}
			if (p > 0)
				running++;
			else
				sleep_ns(10000000);
		}
		if (wait(NULL) > 0)
			running--;
	}
}
