// SPDX-License-Identifier: GPL-2.0
/* Interactive-like loop: a feeder process "types" at human-ish rates (RATE keys/s on average,
 * exponential gaps, bursts and pauses) into a pipe; the reader wakes on each key and "renders"
 * for WORK_US. Usage: smw-typist RATE WORK_US [NAME]  (the feeder is named smw-feeder) */
#include <fcntl.h>
#include <math.h>

#include "common.h"

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)getpid() * 2654435761u, work;
	double rate;
	int fd[2];
	char c;
	pid_t p;

	if (argc < 3) {
		fprintf(stderr, "usage: %s RATE WORK_US [NAME]\n", argv[0]);
		return 2;
	}
	rate = (double)arg_num(argv[1], "rate");
	work = (uint64_t)arg_num(argv[2], "work");
	if (rate <= 0 || pipe2(fd, O_CLOEXEC))
		return 2;
	p = fork();
	if (p < 0)
		return 1;
	if (p == 0) {
		die_with_parent();
		set_name("smw-feeder");
		for (uint64_t k = 0;; k++) {
			double u = (double)(rnd(&seed) % 1000000 + 1) / 1000001.0;
			double gap = -log(u) / rate;

			if (k % 40 == 39)
				gap += 1.0; /* a pause to think */
			sleep_ns((uint64_t)(gap * 1e9));
			if (write(fd[1], "k", 1) != 1)
				_exit(0);
		}
	}
	set_name(argc > 3 ? argv[3] : NULL);
	close(fd[1]);
	while (read(fd[0], &c, 1) == 1)
		burn_us(work / 2 + rnd(&seed) % (work + 1));
	return 0;
}
