// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util.h"
#include "schedml.h"

static void test_parse_numbers(void **state)
{
	uint64_t u;
	uint32_t u32;
	int32_t i;

	(void)state;
	assert_int_equal(sm_parse_u64("42", &u), 0);
	assert_int_equal(u, 42);
	assert_int_equal(sm_parse_u64("0x10", &u), 0);
	assert_int_equal(u, 16);
	assert_int_equal(sm_parse_u64("", &u), -EINVAL);
	assert_int_equal(sm_parse_u64("12a", &u), -EINVAL);
	assert_int_equal(sm_parse_u64("-1", &u), -EINVAL);
	assert_int_equal(sm_parse_u64(" 1", &u), -EINVAL);
	assert_int_equal(sm_parse_u64("99999999999999999999999", &u), -ERANGE);
	assert_int_equal(sm_parse_u32("4294967296", &u32), -ERANGE);
	assert_int_equal(sm_parse_i32("-5", &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(sm_parse_i32("2147483648", &i), -ERANGE);
}

static void test_parse_duration_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sm_parse_duration_ns("2", &v), 0);
	assert_int_equal(v, 2000000000ull);
	assert_int_equal(sm_parse_duration_ns("250ms", &v), 0);
	assert_int_equal(v, 250000000ull);
	assert_int_equal(sm_parse_duration_ns("1.5s", &v), 0);
	assert_int_equal(v, 1500000000ull);
	assert_int_equal(sm_parse_duration_ns("100us", &v), 0);
	assert_int_equal(v, 100000ull);
	assert_int_equal(sm_parse_duration_ns("3 s", &v), -EINVAL);
	assert_int_equal(sm_parse_duration_ns("-1", &v), -EINVAL);
	assert_int_equal(sm_parse_duration_ns("5parsecs", &v), -EINVAL);
	assert_int_equal(sm_parse_size("8M", &v), 0);
	assert_int_equal(v, 8u << 20);
	assert_int_equal(sm_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(sm_parse_size("1.5", &v), -EINVAL);
}

static void test_classes(void **state)
{
	(void)state;
	assert_int_equal(sm_class_parse("batch"), SM_CLASS_BATCH);
	assert_int_equal(sm_class_parse("interactive"), SM_CLASS_INTERACTIVE);
	assert_int_equal(sm_class_parse("Batch"), -EINVAL);
	assert_string_equal(sm_class_name(SM_CLASS_BATCH), "batch");
}

static void test_read_write_file(void **state)
{
	char path[] = "/tmp/schedml-util-XXXXXX";
	char buf[8];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sm_write_str(path, "hello world\n"), 0);
	assert_int_equal(sm_read_small(path, buf, sizeof(buf)), 7); /* truncated to fit */
	assert_string_equal(buf, "hello w");
	assert_int_equal(sm_read_small("/nonexistent/x", buf, sizeof(buf)), -ENOENT);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_duration_size),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_read_write_file),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
