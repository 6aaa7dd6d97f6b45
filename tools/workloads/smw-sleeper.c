// SPDX-License-Identifier: GPL-2.0
/* Periodic sleeper (latency-critical): wakes every PERIOD_US, works WORK_US (+-50% jitter).
 * Usage: smw-sleeper PERIOD_US WORK_US [NAME] */
#include "common.h"

int main(int argc, char **argv)
{
	uint64_t period, work, t, seed = (uint64_t)getpid() * 2654435761u;

	if (argc < 3) {
		fprintf(stderr, "usage: %s PERIOD_US WORK_US [NAME]\n", argv[0]);
		return 2;
	}
	period = (uint64_t)arg_num(argv[1], "period") * 1000;
	work = (uint64_t)arg_num(argv[2], "work");
	set_name(argc > 3 ? argv[3] : NULL);
	t = now_ns();
	for (;;) {
		t += period;
		sleep_until(t);
		burn_us(work / 2 + rnd(&seed) % (work + 1));
		if (now_ns() > t + 10 * period)
			t = now_ns(); /* badly late (overload): don't burst to catch up */
	}
}
