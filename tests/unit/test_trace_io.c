// SPDX-License-Identifier: GPL-2.0
/* Trace lines: format/parse round trip, gzip writer/reader, and a clear error for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>
#include <cmocka.h>

#include "trace_io.h"
#include "util.h"

static struct sm_trace_rec ev(uint32_t type, const char *comm)
{
	struct sm_trace_rec r = { .kind = SM_REC_EVENT };

	r.ev.ts_ns = 18446744073709551615ull;
	r.ev.type = type;
	r.ev.cpu = 1;
	r.ev.pid = 4294967295u;
	r.ev.tgid = 77;
	r.ev.prev_pid = 0;
	r.ev.prev_tgid = 0;
	r.ev.prev_run_ns = 123456789;
	r.ev.rq_lat_ns = 42;
	r.ev.prev_state = 1;
	r.ev.flags = SM_EVF_KTHREAD;
	memcpy(r.ev.comm, comm, strnlen(comm, sizeof(r.ev.comm)));
	return r;
}

static void roundtrip(const struct sm_trace_rec *in)
{
	char line[1024], err[256];
	struct sm_trace_rec out;

	assert_true(sm_trace_format_line(in, line, sizeof(line)) > 0);
	if (sm_trace_parse_line(line, &out, err, sizeof(err)) != 0)
		fail_msg("parse '%s': %s", line, err);
	assert_int_equal(out.kind, in->kind);
	switch (in->kind) {
	case SM_REC_EVENT:
		assert_memory_equal(&out.ev, &in->ev, offsetof(struct sm_event, comm));
		assert_memory_equal(out.ev.comm, in->ev.comm, strnlen(in->ev.comm, SM_TASK_COMM_LEN));
		break;
	case SM_REC_TASK:
		assert_int_equal(out.task.pid, in->task.pid);
		assert_int_equal(out.task.tgid, in->task.tgid);
		assert_int_equal(out.task.ppid, in->task.ppid);
		assert_int_equal(out.task.uid, in->task.uid);
		assert_int_equal(out.task.nice, in->task.nice);
		assert_int_equal(out.task.policy, in->task.policy);
		assert_int_equal(out.task.nr_threads, in->task.nr_threads);
		assert_int_equal(out.task.kthread, in->task.kthread);
		assert_int_equal(out.task.start_time, in->task.start_time);
		assert_string_equal(out.task.comm, in->task.comm);
		assert_string_equal(out.task.cgroup, in->task.cgroup);
		break;
	case SM_REC_LABEL:
		assert_int_equal(out.label.tgid, in->label.tgid);
		assert_int_equal(out.label.cls, in->label.cls);
		break;
	case SM_REC_SYS:
		assert_memory_equal(&out.sys, &in->sys, sizeof(in->sys));
		break;
	case SM_REC_TICK:
		assert_int_equal(out.tick_ns, in->tick_ns);
		break;
	}
}

static void test_roundtrip(void **state)
{
	struct sm_trace_rec r;

	(void)state;
	r = ev(SM_EV_SWITCH, "bash");
	roundtrip(&r);
	r = ev(SM_EV_WAKEUP, "Web Content"); /* spaces */
	roundtrip(&r);
	r = ev(SM_EV_WAKEUP_NEW, "a\\b\nc\x7f\xe9"); /* escapes */
	roundtrip(&r);
	r = ev(SM_EV_EXIT, ""); /* empty comm */
	roundtrip(&r);
	r = ev(SM_EV_SWITCH, " lead trail ");
	roundtrip(&r);
	{
		/* 16 bytes without a NUL (never from the kernel): written as the first 15. */
		char line[256], err[256];
		struct sm_trace_rec out;

		r = ev(SM_EV_SWITCH, "0123456789abcdef");
		assert_true(sm_trace_format_line(&r, line, sizeof(line)) > 0);
		assert_int_equal(sm_trace_parse_line(line, &out, err, sizeof(err)), 0);
		assert_string_equal(out.ev.comm, "0123456789abcde");
	}

	memset(&r, 0, sizeof(r));
	r.kind = SM_REC_TASK;
	r.task = (struct sm_taskinfo){ .pid = 5, .tgid = 4, .ppid = 1, .uid = 1000, .nice = -20,
				       .policy = 3, .nr_threads = 9, .kthread = true, .start_time = 99 };
	strcpy(r.task.comm, "my (odd) comm");
	strcpy(r.task.cgroup, "/user.slice/a b\\c");
	roundtrip(&r);
	r.task.cgroup[0] = '\0';
	r.task.nice = 19;
	roundtrip(&r);

	r = (struct sm_trace_rec){ .kind = SM_REC_LABEL, .label = { 1234, SM_CLASS_BATCH } };
	roundtrip(&r);
	r = (struct sm_trace_rec){ .kind = SM_REC_SYS, .sys = { 5, 2, 3, 157 } };
	roundtrip(&r);
	r = (struct sm_trace_rec){ .kind = SM_REC_TICK, .tick_ns = 0 };
	roundtrip(&r);
}

static void test_format_exact(void **state)
{
	char line[256];
	struct sm_trace_rec r = ev(SM_EV_SWITCH, "a b");

	(void)state;
	r.ev.ts_ns = 100;
	r.ev.pid = 2;
	assert_true(sm_trace_format_line(&r, line, sizeof(line)) > 0);
	assert_string_equal(line, "S 100 1 2 77 0 0 123456789 42 1 2 a b");
	assert_int_equal(sm_trace_format_line(&r, line, 10), -ENOBUFS);
	r.kind = SM_REC_LABEL;
	r.label.cls = SM_CLASS_NONE;
	assert_int_equal(sm_trace_format_line(&r, line, sizeof(line)), -EINVAL);
}

/* Every malformed line is rejected with a message naming the field (or the problem). */
static void test_malformed(void **state)
{
	static const struct { const char *line, *want; } bad[] = {
		{ "", "empty line" },
		{ "Q 1 2", "unknown record kind" },
		{ "S", "field ts: missing" },
		{ "S 1 2 3 4 5 6 7 8 9", "field flags: missing" },
		{ "S 1 2 3 4 5 6 7 8 9 10", "field comm: missing" },
		{ "S x 2 3 4 5 6 7 8 9 10 c", "field ts: not a decimal" },
		{ "S 1 2 -3 4 5 6 7 8 9 10 c", "field pid: not a decimal" },
		{ "S 1 2 4294967296 4 5 6 7 8 9 10 c", "field pid: 4294967296 out of range" },
		{ "S 99999999999999999999 2 3 4 5 6 7 8 9 10 c", "field ts: number out of range" },
		{ "S 01 2 3 4 5 6 7 8 9 10 c", "field ts: leading zero" },
		{ "S 1  2 3 4 5 6 7 8 9 10 c", "field cpu: empty" },
		{ "S 1 2 3 4 5 6 7 8 9 10 a\\x", "field comm: truncated escape" },
		{ "S 1 2 3 4 5 6 7 8 9 10 a\\q00", "field comm: bad escape" },
		{ "S 1 2 3 4 5 6 7 8 9 10 a\\x00", "field comm: NUL byte" },
		{ "S 1 2 3 4 5 6 7 8 9 10 a\tb", "field comm: unescaped control" },
		{ "S 1 2 3 4 5 6 7 8 9 10 0123456789abcdefX", "field comm: longer than 15" },
		{ "T 1 2 3 4 -21 0 1 0 5 / c", "field nice: -21 out of range" },
		{ "T 1 2 3 4 -0 0 1 0 5 / c", "field nice:" },
		{ "T 1 2 3 4 - 0 1 0 5 / c", "field nice: empty number" },
		{ "T 1 2 3 4 0 0 1 2 5 / c", "field kthread: must be 0 or 1" },
		{ "T 1 2 3 4 0 0 1 0 5 relative c", "field cgroup: must be '-' or start with '/'" },
		{ "T 1 2 3 4 0 0 1 0 5 /x", "field comm: missing" },
		{ "L 5 sleepy", "field class: unknown class 'sleepy'" },
		{ "L 5 none", "field class: unknown class 'none'" },
		{ "L 5 batch extra", "trailing data" },
		{ "Y 1 2 3", "field load1_x100: missing" },
		{ "Y 1 2 3 4 5", "trailing data" },
		{ "K", "field ts: missing" },
		{ "K 5 ", "trailing data" },
		{ "K 18446744073709551616", "field ts: number out of range" },
	};
	struct sm_trace_rec r;
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = sm_trace_parse_line(bad[i].line, &r, err, sizeof(err));

		if (ret != -EINVAL || !strstr(err, bad[i].want))
			fail_msg("'%s': got %d '%s', want '%s'", bad[i].line, ret, err, bad[i].want);
	}
	/* A too-small error buffer is fine. */
	assert_int_equal(sm_trace_parse_line("K x", &r, err, 4), -EINVAL);
	assert_int_equal(sm_trace_parse_line("K x", &r, NULL, 0), -EINVAL);
}

static void test_gzip_roundtrip(void **state)
{
	char path[] = "/tmp/schedml-trace-XXXXXX", err[256];
	struct sm_trace_writer *w;
	struct sm_trace_reader *rd;
	struct sm_trace_rec r, in;
	int fd = mkstemp(path), n = 0, ret;
	gzFile gz;
	char magic[2];

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sm_trace_writer_open(path, "{\"host\":\"h\"}", &w), 0);
	for (int i = 0; i < 10000; i++) {
		in = ev(i % 4 + 1, "worker");
		in.ev.ts_ns = (uint64_t)i;
		assert_int_equal(sm_trace_write(w, &in), 0);
	}
	in = (struct sm_trace_rec){ .kind = SM_REC_TICK, .tick_ns = 424242 };
	assert_int_equal(sm_trace_write(w, &in), 0);
	assert_int_equal(sm_trace_writer_close(w), 0);

	/* It really is gzip. */
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	assert_int_equal(gzdirect(gz), 0);
	gzclose(gz);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, magic, 2), 2);
	close(fd);
	assert_int_equal((unsigned char)magic[0], 0x1f);
	assert_int_equal((unsigned char)magic[1], 0x8b);

	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), 0);
	assert_string_equal(sm_trace_header(rd), "{\"host\":\"h\"}");
	while ((ret = sm_trace_next(rd, &r, err, sizeof(err))) == 1) {
		if (n < 10000) {
			assert_int_equal(r.kind, SM_REC_EVENT);
			assert_int_equal(r.ev.ts_ns, (uint64_t)n);
			assert_int_equal(r.ev.type, (uint32_t)(n % 4 + 1));
			assert_string_equal(r.ev.comm, "worker");
		} else {
			assert_int_equal(r.kind, SM_REC_TICK);
			assert_int_equal(r.tick_ns, 424242);
		}
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, 10001);
	sm_trace_close(rd);
	unlink(path);
}

static int write_plain(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	return 0;
}

static void test_plain_and_errors(void **state)
{
	char path[] = "/tmp/schedml-trace-XXXXXX", err[256];
	struct sm_trace_reader *rd;
	struct sm_trace_rec r;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* Plain text works; comments and blank lines are skipped; errors carry FILE:LINE. */
	assert_int_equal(write_plain(path, "# schedml-trace 1 {}\n# comment\n\nK 5\nK nope\n"), 0);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), 0);
	assert_int_equal(sm_trace_next(rd, &r, err, sizeof(err)), 1);
	assert_int_equal(r.tick_ns, 5);
	assert_int_equal(sm_trace_next(rd, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":5: field ts: not a decimal number"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	sm_trace_close(rd);

	assert_int_equal(write_plain(path, ""), 0);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: empty file"));
	assert_int_equal(write_plain(path, "hello\n"), 0);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: header: not a schedml trace"));
	assert_int_equal(write_plain(path, "# schedml-trace 1 [1,2]\n"), 0);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: header: not a JSON object"));
	assert_int_equal(write_plain(path, "# schedml-trace 1 {}\nK 1"), 0); /* no final newline */
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), 0);
	assert_int_equal(sm_trace_next(rd, &r, err, sizeof(err)), 1);
	assert_int_equal(sm_trace_next(rd, &r, err, sizeof(err)), 0);
	sm_trace_close(rd);
	assert_int_equal(sm_trace_open("/nonexistent/x.gz", &rd, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.gz"));
	sm_trace_close(NULL);
	assert_int_equal(sm_trace_writer_close(NULL), 0);
	assert_int_equal(sm_trace_writer_open("/nonexistent/dir/x.gz", "{}", &(struct sm_trace_writer *){ 0 }), -ENOENT);
	unlink(path);
}

static void test_truncated_gzip(void **state)
{
	char path[] = "/tmp/schedml-trace-XXXXXX", err[256];
	struct sm_trace_writer *w;
	struct sm_trace_reader *rd;
	struct sm_trace_rec r;
	int fd = mkstemp(path), ret, n = 0;
	struct stat st;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sm_trace_writer_open(path, "{}", &w), 0);
	for (int i = 0; i < 50000; i++) {
		struct sm_trace_rec in = ev(SM_EV_SWITCH, "x");

		in.ev.ts_ns = (uint64_t)i * 7919;
		assert_int_equal(sm_trace_write(w, &in), 0);
	}
	assert_int_equal(sm_trace_writer_close(w), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), 0);
	while ((ret = sm_trace_next(rd, &r, err, sizeof(err))) == 1)
		n++;
	/* A cut-off file ends in an error naming the file, never a crash or a silent success. */
	assert_true(ret < 0);
	assert_non_null(strstr(err, path));
	assert_true(n > 0 && n < 50000);
	sm_trace_close(rd);
	unlink(path);
}

static void test_long_and_nul_lines(void **state)
{
	char path[] = "/tmp/schedml-trace-XXXXXX", err[256];
	struct sm_trace_reader *rd;
	struct sm_trace_rec r;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# schedml-trace 1 {}\nK 1\nS 1 2 3 4 5 6 7 8 9 10 ", f);
	for (int i = 0; i < 10000; i++)
		fputc('a', f);
	fputs("\nK 2\n", f);
	fclose(f);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), 0);
	assert_int_equal(sm_trace_next(rd, &r, err, sizeof(err)), 1);
	assert_int_equal(sm_trace_next(rd, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: line longer than"));
	sm_trace_close(rd);

	f = fopen(path, "we");
	fputs("# schedml-trace 1 {}\nK 1", f);
	fputc('\0', f);
	fputs("5\n", f);
	fclose(f);
	assert_int_equal(sm_trace_open(path, &rd, err, sizeof(err)), 0);
	/* "K 1\0" then "5": never a silent misread as K 15 */
	while (sm_trace_next(rd, &r, err, sizeof(err)) == 1)
		assert_true(r.kind != SM_REC_TICK || r.tick_ns != 15);
	sm_trace_close(rd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_gzip_roundtrip),
		cmocka_unit_test(test_plain_and_errors),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_long_and_nul_lines),
	};
	return cmocka_run_group_tests_name("trace_io", tests, NULL, NULL);
}
