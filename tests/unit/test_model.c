// SPDX-License-Identifier: GPL-2.0
/* Model loader: valid models, malformed ones (one clear error naming the field), writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "util.h"

#define FIX "tests/fixtures/models/"

static void test_valid(void **state)
{
	struct sm_model *m = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(sm_model_load_file(FIX "valid_tree.json", &m, err, sizeof(err)), 0);
	assert_int_equal(m->kind, SM_MODEL_TREE);
	assert_int_equal(m->n_inputs, 2);
	assert_int_equal(m->input[0], SM_F_CPU_SHARE);
	assert_int_equal(m->input[1], SM_F_WAIT_FREQ);
	assert_int_equal(m->n_nodes, 5);
	assert_int_equal(m->nodes[1].feature, -1);
	assert_int_equal(m->nodes[1].value, 800);
	assert_int_equal(m->nodes[2].threshold, 30);
	assert_string_equal(m->name, "fixture-tree");
	assert_non_null(strstr(m->provenance_json, "\"accuracy\""));
	assert_int_equal(sm_model_validate(m, err, sizeof(err)), 0);
	sm_model_free(m);

	m = NULL;
	assert_int_equal(sm_model_load_file(FIX "valid_mlp.json", &m, err, sizeof(err)), 0);
	assert_int_equal(m->kind, SM_MODEL_MLP);
	assert_int_equal(m->n_layers, 2);
	assert_int_equal(m->layer[0].n_in, 2);
	assert_int_equal(m->layer[0].n_out, 3);
	assert_int_equal(m->layer[1].n_out, 1);
	assert_int_equal(m->layer[0].w[0], -256);
	assert_int_equal(m->layer[0].w[3], -50);
	assert_int_equal(m->layer[1].b[0], -10);
	assert_int_equal(m->frac_bits, 8);
	assert_int_equal(m->in_off[1], 100);
	assert_int_equal(m->in_shift, 8);
	sm_model_free(m);

	m = NULL;
	assert_int_equal(sm_model_load_file("models/default.json", &m, err, sizeof(err)), 0);
	assert_int_equal(m->kind, SM_MODEL_TREE);
	sm_model_free(m);
	sm_model_free(NULL);
}

static const struct {
	const char *file;
	const char *expect; /* the whole message after "FILE: " */
} bad[] = {
	{ "bad_json.json", "invalid JSON at line 2: unexpected end of input" },
	{ "bad_trailing_garbage.json", "invalid JSON: trailing data after the object" },
	{ "bad_not_object.json", "must be a JSON object, got an array" },
	{ "bad_wrong_version.json", "format_version: 2 unsupported (this schedml reads 1)" },
	{ "bad_wrong_kind.json", "kind: 'forest' unknown (\"tree\" or \"mlp\")" },
	{ "bad_unknown_feature.json", "features[1]: unknown feature 'wait_frequency'" },
	{ "bad_duplicate_feature.json", "features[1]: 'cpu_share' listed twice" },
	{ "bad_missing_features.json", "features: missing" },
	{ "bad_unknown_key.json", "colour: unknown key" },
	{ "bad_unknown_node_key.json", "tree.nodes[1].weight: unknown key" },
	{ "bad_output.json", "output.meaning: 'probability' unsupported (only \"latency_criticality\")" },
	{ "bad_child_out_of_range.json", "tree.nodes[0].left: 99 out of range (0..4)" },
	{ "bad_feature_index_out_of_range.json", "tree.nodes[0].feature: 5 out of range (0..1)" },
	{ "bad_cycle.json", "tree.nodes[2].left: node 0 is reached twice (cycle or shared subtree)" },
	{ "bad_too_deep.json", "tree.nodes[48]: tree deeper than 24 levels" },
	{ "bad_unreachable.json", "tree.nodes[5]: unreachable from the root (node 0)" },
	{ "bad_leaf_out_of_range.json", "tree.nodes[1].leaf: 1001 out of range (0..1000)" },
	{ "bad_float_threshold.json",
	  "tree.nodes[0].threshold: must be an integer, got 1.5 (fixed-point models take integers only)" },
	{ "bad_huge_array.json", "tree.nodes: 9000 entries (must be 1..8191)" },
	{ "bad_mlp_in_tree.json", "mlp: not allowed in a \"tree\" model" },
	{ "bad_mlp_row_width.json",
	  "mlp.layers[0].weights[1]: 3 weights, expected 2 (the previous layer's width)" },
	{ "bad_mlp_output_width.json",
	  "mlp.layers[1].weights: output layer has 2 rows, expected 1 (the logit)" },
	{ "bad_mlp_float_weight.json",
	  "mlp.layers[0].weights[0][0]: must be an integer, got 0.5 (fixed-point models take integers only)" },
	{ "bad_mlp_weight_range.json", "mlp.layers[0].weights[2][1]: 40000 out of range (-32768..32767)" },
	{ "bad_mlp_too_many_layers.json", "mlp.layers: 5 entries (must be 1..4)" },
	{ "bad_mlp_too_wide.json", "mlp.layers[0].weights: 65 entries (must be 1..64)" },
	{ "bad_mlp_input_length.json", "mlp.input.offset: 1 entries, expected 2" },
	{ "bad_mlp_bias_length.json", "mlp.layers[0].bias: 2 entries, expected 3" },
	{ "bad_mlp_frac_bits.json", "mlp.frac_bits: 20 out of range (0..14)" },
};

static void test_malformed(void **state)
{
	(void)state;
	assert_true(ARRAY_SIZE(bad) >= 15);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct sm_model *m = NULL;
		char path[256], err[512], want[768];

		snprintf(path, sizeof(path), FIX "%s", bad[i].file);
		snprintf(want, sizeof(want), "%s: %s", path, bad[i].expect);
		memset(err, 0, sizeof(err));
		int r = sm_model_load_file(path, &m, err, sizeof(err));
		if (r != -EINVAL || strcmp(err, want))
			fail_msg("%s: r=%d\n  got:  %s\n  want: %s", bad[i].file, r, err, want);
		assert_null(m);
		assert_null(strchr(err, '\n'));
	}
}

static void test_limits(void **state)
{
	struct sm_model *m = NULL;
	char err[512];
	size_t n = (4u << 20) + 16;
	char *big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = 0;
	assert_int_equal(sm_model_load_string(big, "big.json", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "big.json: "));
	assert_non_null(strstr(err, "at most 4194304"));
	free(big);
	assert_true(sm_model_load_file(FIX "does_not_exist.json", &m, err, sizeof(err)) == -ENOENT);
	assert_non_null(strstr(err, "does_not_exist.json: cannot read"));
	assert_int_equal(sm_model_load_string("", "empty", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty: invalid JSON"));
	/* Huge integers, nested junk, wrong types. */
	assert_int_equal(sm_model_load_string("{\"format_version\": 99999999999999999999999}", "x", &m,
					      err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "x: format_version"));
	assert_int_equal(sm_model_load_string("{\"format_version\": \"1\"}", "x", &m, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "x: format_version: must be an integer, got a string");
}

/* Deterministic writer: load -> write -> load -> write gives identical bytes; the shipped
 * models are already in canonical form. */
static void test_write_roundtrip(void **state)
{
	const char *files[] = { FIX "valid_tree.json", FIX "valid_mlp.json", FIX "handwritten_tree.json",
				"models/default.json" };
	char tmpl[] = "/tmp/test_model.XXXXXX";
	char *dir = mkdtemp(tmpl);

	(void)state;
	assert_non_null(dir);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct sm_model *a = NULL, *b = NULL;
		char err[512], p1[300], p2[300];
		char *s1 = NULL, *s2 = NULL;
		size_t l1, l2;

		snprintf(p1, sizeof(p1), "%s/a.json", dir);
		snprintf(p2, sizeof(p2), "%s/b.json", dir);
		assert_int_equal(sm_model_load_file(files[i], &a, err, sizeof(err)), 0);
		assert_int_equal(sm_model_write_file(a, p1), 0);
		assert_int_equal(sm_model_load_file(p1, &b, err, sizeof(err)), 0);
		assert_int_equal(sm_model_write_file(b, p2), 0);
		assert_int_equal(sm_read_file(p1, &s1, &l1), 0);
		assert_int_equal(sm_read_file(p2, &s2, &l2), 0);
		assert_int_equal(l1, l2);
		assert_memory_equal(s1, s2, l1);
		char *again = sm_model_to_json(b);
		assert_string_equal(again, s1);
		free(again);
		if (i >= 2) { /* files written by sm_model_write_file are in canonical form */
			char *orig = NULL;
			size_t lo;
			assert_int_equal(sm_read_file(files[i], &orig, &lo), 0);
			assert_string_equal(orig, s1);
			free(orig);
		}
		/* Integers stay integers. */
		assert_null(strstr(s1, ".0,"));
		free(s1);
		free(s2);
		sm_model_free(a);
		sm_model_free(b);
		unlink(p1);
		unlink(p2);
	}
	rmdir(dir);
}

/* The trainer builds models in memory: validate() catches the same structural errors. */
static void test_validate_in_memory(void **state)
{
	struct sm_tree_node nodes[3] = {
		{ .feature = 0, .threshold = 10, .left = 1, .right = 2 },
		{ .feature = -1, .value = 900 },
		{ .feature = -1, .value = 100 },
	};
	struct sm_model m = { .kind = SM_MODEL_TREE, .n_inputs = 1, .n_nodes = 3, .nodes = nodes };
	char err[512];

	(void)state;
	m.input[0] = SM_F_RUN_P90;
	assert_int_equal(sm_model_validate(&m, err, sizeof(err)), 0);
	nodes[0].right = 0;
	assert_int_equal(sm_model_validate(&m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tree.nodes[0].right: node 0 is reached twice"));
	nodes[0].right = 2;
	nodes[2].value = -1;
	assert_int_equal(sm_model_validate(&m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tree.nodes[2].leaf: -1 out of range"));
	nodes[2].value = 100;
	m.input[0] = SM_NR_FEATURES;
	assert_int_equal(sm_model_validate(&m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "features[0]"));
	m.input[0] = SM_F_RUN_P90;
	m.kind = 7;
	assert_int_equal(sm_model_validate(&m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "kind"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_validate_in_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
