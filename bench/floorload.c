// SPDX-License-Identifier: GPL-2.0
/*
 * floorload: load and attach build/bench/floor.bpf.o (the count-only floor reference) without a
 * skeleton, print "ready mode=tp_btf|raw_tp", hold it attached until SIGINT/SIGTERM (or --seconds),
 * then print the event counts it saw.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("FLOOR_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Open, load with only the programs of one family (prefix "tp_btf/" or "raw_tp/"), attach all. */
static int load(const char *path, bool raw, struct bpf_object **objp)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	int err;

	err = libbpf_get_error(obj);
	if (err)
		return err;
	bpf_object__for_each_program(p, obj) {
		bool is_raw = !strncmp(bpf_program__section_name(p), "raw_tp/", 7);

		bpf_program__set_autoload(p, is_raw == raw);
	}
	err = bpf_object__load(obj);
	if (err)
		goto fail;
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		struct bpf_link *l = bpf_program__attach(p);

		err = libbpf_get_error(l);
		if (err)
			goto fail; /* links are freed with the object */
	}
	*objp = obj;
	return 0;
fail:
	bpf_object__close(obj);
	return err;
}

int main(int argc, char **argv)
{
	const char *path = "build/bench/floor.bpf.o";
	uint64_t secs_ns = 0;
	struct bpf_object *obj = NULL;
	bool raw = false;
	int c, err;

	while ((c = getopt(argc, argv, "o:t:h")) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 't':
			if (sm_parse_duration_ns(optarg, &secs_ns) < 0)
				return fprintf(stderr, "floorload: bad -t '%s'\n", optarg), 2;
			break;
		case 'h':
			printf("Usage: floorload [-o OBJ] [-t SECONDS]\n"
			       "Attach the count-only floor BPF programs until signalled; print counts.\n"
			       "Example: floorload -o build/bench/floor.bpf.o -t 5\n");
			return 0;
		default: return 2;
		}
	}
	libbpf_set_print(silent);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = load(path, false, &obj);
	if (err) {
		raw = true;
		err = load(path, true, &obj);
	}
	if (err) {
		fprintf(stderr, "floorload: failed to load/attach %s: %s\n", path, strerror(-err));
		return 1;
	}
	printf("ready mode=%s\n", raw ? "raw_tp" : "tp_btf");
	fflush(stdout);
	uint64_t end = secs_ns ? sm_now_ns() + secs_ns : 0;
	while (!stop && (!end || sm_now_ns() < end))
		usleep(50000);

	int fd = bpf_object__find_map_fd_by_name(obj, "floor_counts");
	int ncpu = libbpf_num_possible_cpus();
	const char *names[4] = { "switch", "wakeup", "wakeup_new", "exit" };
	uint64_t vals[1024];

	for (uint32_t k = 0; k < 4 && fd >= 0 && ncpu > 0 && ncpu <= 1024; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &k, vals) == 0)
			for (int i = 0; i < ncpu; i++)
				sum += vals[i];
		printf("%s=%" PRIu64 "%s", names[k], sum, k == 3 ? "\n" : " ");
	}
	bpf_object__close(obj);
	return 0;
}
