// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the recorded-trace reader (src/trace_io.c).
 *  1. Every line of the input through sm_trace_parse_line(); a line that parses must format
 *     (sm_trace_format_line) into a canonical line that parses back to the same record, and
 *     formatting that record again must give the same bytes.
 *  2. The whole input as a trace file (plain or gzip) through sm_trace_open()/sm_trace_next(),
 *     read through a memfd so nothing touches the disk: never a crash, a leak or an error
 *     message without the file name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace_io.h"

static void check_line(const char *line)
{
	struct sm_trace_rec a, b;
	char err[256], f1[4096], f2[4096];
	int n1, n2;

	if (sm_trace_parse_line(line, &a, err, sizeof(err)) < 0) {
		if (!err[0])
			abort(); /* an error always says why */
		return;
	}
	n1 = sm_trace_format_line(&a, f1, sizeof(f1));
	if (n1 < 0)
		abort(); /* whatever parses can be written */
	if (sm_trace_parse_line(f1, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "canonical line does not parse: '%s': %s\n", f1, err);
		abort();
	}
	if (memcmp(&a, &b, sizeof(a)) != 0) {
		fprintf(stderr, "round trip changed the record: '%s' -> '%s'\n", line, f1);
		abort();
	}
	n2 = sm_trace_format_line(&b, f2, sizeof(f2));
	if (n2 != n1 || memcmp(f1, f2, (size_t)n1) != 0)
		abort();
}

static void read_file(const uint8_t *data, size_t size)
{
	struct sm_trace_reader *r = NULL;
	struct sm_trace_rec rec;
	char path[64], err[512];
	int fd, ret, errors = 0;

	fd = memfd_create("fuzz-trace", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = sm_trace_open(path, &r, err, sizeof(err));
	if (ret < 0) {
		if (strncmp(err, path, strlen(path)) != 0)
			abort(); /* errors name the file */
		close(fd);
		return;
	}
	(void)sm_trace_header(r);
	/* Keep reading after a bad line (a lenient caller may); stop at EOF, I/O errors, or a
	 * bound that keeps one input fast. */
	for (int i = 0; i < 100000; i++) {
		ret = sm_trace_next(r, &rec, err, sizeof(err));
		if (ret == 0)
			break;
		if (ret < 0) {
			if (strncmp(err, path, strlen(path)) != 0)
				abort();
			if (ret == -EIO || ++errors > 64)
				break;
		}
	}
	sm_trace_close(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *line, *save = NULL;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		check_line(line);
	free(copy);
	read_file(data, size);
	return 0;
}
