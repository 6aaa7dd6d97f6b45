// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static int parse(const char *json, struct sm_config *c, char *err)
{
	sm_config_init(c);
	return sm_config_parse(json, "test.json", c, err, 256);
}

static void test_defaults(void **state)
{
	struct sm_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{}", &c, err), 0);
	assert_int_equal(c.interval_ns, 250000000ull);
	assert_int_equal(c.policy.batch_enter, 350);
	assert_int_equal(c.policy.batch_leave, 550);
	assert_int_equal(c.policy.confirm_ticks, 2);
	assert_int_equal(c.policy.min_dwell_ns, 3000000000ull);
	assert_int_equal(c.policy.min_cpu_share, 200);
	assert_int_equal(c.policy.batch_policy, SCHED_IDLE);
	assert_int_equal(c.policy.batch_nice, 19);
	assert_int_equal(c.policy.min_nice, -5);
	assert_false(c.policy.allow_boost);
	assert_true(c.policy.batch_cgroup);
	assert_true(c.state_required);
	assert_string_equal(c.state_file, "/run/schedml/state.json");
	assert_string_equal(c.origin, "test.json");
	sm_config_free(&c);
}

/* The shipped, documented config parses and equals the built-in defaults where it should. */
static void test_shipped_config(void **state)
{
	struct sm_config c, d;
	char err[256] = "";

	(void)state;
	sm_config_init(&c);
	if (sm_config_load("systemd/config.json", &c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	sm_config_init(&d);
	assert_int_equal(c.interval_ns, d.interval_ns);
	assert_memory_equal(&c.policy, &d.policy, sizeof(c.policy));
	assert_int_equal(c.ringbuf_bytes, d.ringbuf_bytes);
	assert_string_equal(c.model_path, d.model_path);
	assert_int_equal(c.exclude.n_comm, 1);
	sm_config_free(&c);
	sm_config_free(&d);
}

static void test_values(void **state)
{
	struct sm_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"interval\":\"100ms\",\"scope\":[\"pid:42\",\"uid:7\"],"
			       "\"policy\":{\"min_cpu_share\":0.5,\"min_dwell\":1.5},"
			       "\"batch\":{\"policy\":\"batch\",\"nice\":10},"
			       "\"levers\":{\"slice\":false,\"timer_slack\":false},"
			       "\"exclude\":{\"uid\":[33],\"comm\":[\"^a\"]},"
			       "\"ringbuf_size\":\"1M\",\"source\":\"proc\"}", &c, err), 0);
	assert_int_equal(c.interval_ns, 100000000ull);
	assert_int_equal(c.scope.n, 2);
	assert_int_equal(c.policy.min_cpu_share, 500);
	assert_int_equal(c.policy.min_dwell_ns, 1500000000ull);
	assert_int_equal(c.policy.batch_policy, SCHED_BATCH);
	assert_int_equal(c.policy.batch_nice, 10);
	assert_int_equal(c.policy.latency_slice_ns, 0);
	assert_false(c.policy.latency_enabled); /* no latency lever left */
	assert_int_equal(c.exclude.n_uid, 1);
	assert_int_equal(c.ringbuf_bytes, 1u << 20);
	assert_int_equal(c.source, SM_SOURCE_PROC);
	sm_config_free(&c);
}

static void expect_err(const char *json, const char *needle)
{
	struct sm_config c;
	char err[256] = "";

	assert_int_equal(parse(json, &c, err), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not contain '%s'", err, needle);
	sm_config_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("{\"intervall\":1}", "test.json: intervall: unknown key");
	expect_err("{\"policy\":{\"batch_entr\":1}}", "test.json: policy.batch_entr: unknown key");
	expect_err("{\"policy\":{\"batch_enter\":\"x\"}}", "policy.batch_enter: must be an integer");
	expect_err("{\"policy\":{\"batch_enter\":5000}}", "policy.batch_enter: out of range");
	expect_err("{\"policy\":{\"batch_enter\":600}}", "policy.batch_leave: invalid");
	expect_err("{\"interval\":\"fast\"}", "interval: bad duration");
	expect_err("{\"interval\":\"1ms\"}", "interval: out of range");
	expect_err("{\"scope\":[\"pid:abc\"]}", "scope: bad rule 'pid:abc'");
	expect_err("{\"scope\":\"pid:1\"}", "scope: must be an array");
	expect_err("{\"exclude\":{\"comm\":[\"(\"]}}", "exclude.comm: bad regex");
	expect_err("{\"exclude\":{\"exe\":[\"rel\"]}}", "exclude.exe");
	expect_err("{\"batch\":{\"policy\":\"fifo\"}}", "batch.policy");
	expect_err("{\"batch\":{\"cgroup_name\":\"a/b\"}}", "batch.cgroup_name");
	expect_err("{\"levers\":{\"nice\":1}}", "levers.nice: must be true or false");
	expect_err("{\"bounds\":{\"min_nice\":5,\"max_nice\":0}}", "bounds.max_nice");
	expect_err("{\"ringbuf_size\":\"3M\"}", "ringbuf_size: must be a power of 2");
	expect_err("{\"source\":\"kprobe\"}", "source: must be");
	expect_err("{\"state\":{\"file\":\"rel\"}}", "state.file: must be an absolute path");
	expect_err("[1]", "must be a JSON object");
	expect_err("{\n\"interval\": \n", "test.json:3: not valid JSON");
}

static void test_overrides(void **state)
{
	struct sm_config c;
	struct sm_config_overrides o = { .source = -1 };
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"scope\":[\"uid:5\"]}", &c, err), 0);
	o.runtime_dir = "/tmp/x";
	o.model_path = "m.json";
	assert_int_equal(sm_scope_add(&o.scope, "pid:99"), 0);
	assert_int_equal(sm_config_apply_overrides(&c, &o, err, sizeof(err)), 0);
	assert_string_equal(c.state_file, "/tmp/x/state.json");
	assert_string_equal(c.socket_path, "/tmp/x/schedml.sock");
	assert_string_equal(c.model_path, "m.json");
	assert_int_equal(c.scope.n, 1);
	assert_int_equal(c.scope.rules[0].id, 99);
	sm_scope_clear(&o.scope);
	sm_config_free(&c);
	sm_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_overrides),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
