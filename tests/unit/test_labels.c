// SPDX-License-Identifier: GPL-2.0
/* --label rules and the u32 hash table used by record/trace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "labels.h"
#include "util.h"

static void test_rules(void **state)
{
	struct sm_labels *l = NULL;
	struct sm_taskinfo ti = { .pid = 10, .tgid = 10 };
	char err[256];

	(void)state;
	assert_int_equal(sm_labels_add(&l, "batch=comm:^(xz|gzip)$", err, sizeof(err)), 0);
	assert_int_equal(sm_labels_add(&l, "interactive=pid:4242", err, sizeof(err)), 0);
	assert_int_equal(sm_labels_add(&l, "batch=cgroup:/system.slice/backup.service", err, sizeof(err)), 0);
	assert_int_equal(sm_labels_count(l), 3);

	strcpy(ti.comm, "xz");
	assert_int_equal(sm_labels_match(l, &ti), SM_CLASS_BATCH);
	strcpy(ti.comm, "xzcat");
	assert_int_equal(sm_labels_match(l, &ti), SM_CLASS_NONE);
	ti.tgid = 4242; /* a thread of process 4242 */
	assert_int_equal(sm_labels_match(l, &ti), SM_CLASS_INTERACTIVE);
	ti.tgid = 11;
	strcpy(ti.cgroup, "/system.slice/backup.service");
	assert_int_equal(sm_labels_match(l, &ti), SM_CLASS_BATCH);
	strcpy(ti.cgroup, "/system.slice/backup.service/sub");
	assert_int_equal(sm_labels_match(l, &ti), SM_CLASS_BATCH);
	strcpy(ti.cgroup, "/system.slice/backup.services"); /* prefix, but not a parent */
	assert_int_equal(sm_labels_match(l, &ti), SM_CLASS_NONE);
	sm_labels_free(l);
	assert_int_equal(sm_labels_match(NULL, &ti), SM_CLASS_NONE);
}

static void test_bad_rules(void **state)
{
	static const struct { const char *spec, *want; } bad[] = {
		{ "batch", "expected CLASS=" },
		{ "slow=comm:x", "unknown class 'slow'" },
		{ "none=comm:x", "unknown class 'none'" },
		{ "batch=comm", "expected comm:REGEX" },
		{ "batch=comm:(", "bad regular expression" },
		{ "batch=pid:0", "bad pid" },
		{ "batch=pid:12x", "bad pid" },
		{ "batch=cgroup:relative", "must start with '/'" },
		{ "batch=uid:5", "unknown rule kind 'uid'" },
	};
	struct sm_labels *l = NULL;
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		if (sm_labels_add(&l, bad[i].spec, err, sizeof(err)) != -EINVAL || !strstr(err, bad[i].want))
			fail_msg("'%s': got '%s', want '%s'", bad[i].spec, err, bad[i].want);
	}
	assert_null(l);
}

static void test_idmap(void **state)
{
	enum { N = 20000 };
	struct sm_idmap m;
	static uint8_t ref[N];
	uint32_t seed = 12345, key;
	size_t it = 0, count = 0;
	uint64_t *v;
	bool created;

	(void)state;
	assert_int_equal(sm_idmap_init(&m, sizeof(uint64_t)), 0);
	/* Random puts and deletes checked against a reference set (grows, wraps, backward shift). */
	for (int i = 0; i < 200000; i++) {
		uint32_t k;

		seed = seed * 1103515245 + 12345;
		k = (seed >> 8) % N;
		if ((seed >> 4) & 1) {
			v = sm_idmap_put(&m, k, &created);
			assert_non_null(v);
			assert_int_equal(created, !ref[k]);
			*v = k * 3ull;
			ref[k] = 1;
		} else {
			sm_idmap_del(&m, k);
			ref[k] = 0;
		}
	}
	for (uint32_t k = 0; k < N; k++) {
		v = sm_idmap_get(&m, k);
		if (ref[k]) {
			assert_non_null(v);
			assert_int_equal(*v, k * 3ull);
			count++;
		} else {
			assert_null(v);
		}
	}
	assert_int_equal(m.len, count);
	count = 0;
	while ((v = sm_idmap_next(&m, &it, &key))) {
		assert_true(ref[key]);
		assert_int_equal(*v, key * 3ull);
		count++;
	}
	assert_int_equal(count, m.len);
	assert_non_null(sm_idmap_put(&m, 0, &created)); /* key 0 (idle) is an ordinary key */
	assert_non_null(sm_idmap_get(&m, 0));
	sm_idmap_free(&m);
	sm_idmap_free(&m); /* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_idmap),
	};
	return cmocka_run_group_tests_name("labels", tests, NULL, NULL);
}
