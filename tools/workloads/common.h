/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the corpus workloads (tools/workloads/smw-*.c): naming, timing, busy work. */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Set comm (what `schedml record --label CLASS=comm:REGEX` matches). */
static inline void set_name(const char *name)
{
	if (name && *name)
		prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* Busy work for about us microseconds (a little arithmetic the compiler can't remove). */
static volatile uint64_t sink;
static inline void burn_us(uint64_t us)
{
	uint64_t end = now_ns() + us * 1000, x = sink | 1;

	while (now_ns() < end)
		for (int i = 0; i < 200; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull), .tv_nsec = (long)(t % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Small xorshift PRNG for jitter; seeded from the pid so siblings differ. */
static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s ? *s : 88172645463325252ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Die with the parent (children must never outlive the timeout that bounds the parent). */
static inline void die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static inline long arg_num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}
