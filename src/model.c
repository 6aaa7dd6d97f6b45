// SPDX-License-Identifier: GPL-2.0
/*
 * Model files (JSON, json-c): load, validate, write. Format documented in docs/model.md.
 * Every error is one line "ORIGIN: FIELD: problem". Array sizes are checked against the format's
 * limits before anything is allocated; the file itself is bounded by SM_MODEL_MAX_BYTES.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "model.h"
#include "util.h"

#define SM_MODEL_MAX_BYTES (4u << 20)

_printf_(5, 6)
static int model_err(char *err, size_t errlen, const char *origin, const char *field,
		     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s: %s%s", origin ? origin : "model", field ? field : "",
		     field && *field ? ": " : "");
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line: field names and quoted values may hold control bytes (json-c accepts a raw
	 * newline inside a key). Found by tests/fuzz/fuzz_model (regress/model/newline-in-key). */
	for (char *c = err; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -EINVAL;
}

void sm_model_free(struct sm_model *m)
{
	if (!m)
		return;
	free(m->nodes);
	for (uint32_t i = 0; i < SM_MLP_MAX_LAYERS; i++) {
		free(m->layer[i].w);
		free(m->layer[i].b);
	}
	free(m->name);
	free(m->description);
	free(m->provenance_json);
	free(m);
}

/* ---- validation of the in-memory model ---- */

static int validate_tree(const struct sm_model *m, const char *origin, char *err, size_t errlen)
{
	char f[64];
	int r = 0;

	if (!m->n_nodes || m->n_nodes > SM_TREE_MAX_NODES || !m->nodes)
		return model_err(err, errlen, origin, "tree.nodes", "%u nodes (must be 1..%d)",
				 m->n_nodes, SM_TREE_MAX_NODES);
	for (uint32_t i = 0; i < m->n_nodes; i++) {
		const struct sm_tree_node *n = &m->nodes[i];
		if (n->feature < 0) {
			if (n->value < 0 || n->value > SM_SCORE_MAX) {
				snprintf(f, sizeof(f), "tree.nodes[%u].leaf", i);
				return model_err(err, errlen, origin, f, "%d out of range (0..%d)", n->value,
						 SM_SCORE_MAX);
			}
			continue;
		}
		if ((uint32_t)n->feature >= m->n_inputs) {
			snprintf(f, sizeof(f), "tree.nodes[%u].feature", i);
			return model_err(err, errlen, origin, f, "index %d out of range (0..%u)", n->feature,
					 m->n_inputs - 1);
		}
		if (n->left < 0 || (uint32_t)n->left >= m->n_nodes) {
			snprintf(f, sizeof(f), "tree.nodes[%u].left", i);
			return model_err(err, errlen, origin, f, "index %d out of range (0..%u)", n->left,
					 m->n_nodes - 1);
		}
		if (n->right < 0 || (uint32_t)n->right >= m->n_nodes) {
			snprintf(f, sizeof(f), "tree.nodes[%u].right", i);
			return model_err(err, errlen, origin, f, "index %d out of range (0..%u)", n->right,
					 m->n_nodes - 1);
		}
	}
	/* Walk from the root: every node reached exactly once (no cycle, no sharing), depth bounded. */
	uint8_t *seen = calloc(m->n_nodes, 1);
	uint32_t *stack = calloc(m->n_nodes + 1, sizeof(uint32_t));
	uint32_t *depth = calloc(m->n_nodes, sizeof(uint32_t));
	uint32_t sp = 0;

	if (!seen || !stack || !depth) {
		r = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", origin);
		goto out;
	}
	stack[sp++] = 0;
	seen[0] = 1;
	while (sp) {
		uint32_t i = stack[--sp];
		const struct sm_tree_node *n = &m->nodes[i];
		if (n->feature < 0)
			continue;
		if (depth[i] + 1 > SM_TREE_MAX_DEPTH) {
			snprintf(f, sizeof(f), "tree.nodes[%u]", i);
			r = model_err(err, errlen, origin, f, "tree deeper than %d levels", SM_TREE_MAX_DEPTH);
			goto out;
		}
		int32_t kids[2] = { n->left, n->right };
		for (int k = 0; k < 2; k++) {
			uint32_t c = (uint32_t)kids[k];
			if (seen[c]) {
				snprintf(f, sizeof(f), "tree.nodes[%u].%s", i, k ? "right" : "left");
				r = model_err(err, errlen, origin, f,
					      "node %u is reached twice (cycle or shared subtree)", c);
				goto out;
			}
			seen[c] = 1;
			depth[c] = depth[i] + 1;
			stack[sp++] = c;
		}
	}
	for (uint32_t i = 0; i < m->n_nodes; i++) {
		if (!seen[i]) {
			snprintf(f, sizeof(f), "tree.nodes[%u]", i);
			r = model_err(err, errlen, origin, f, "unreachable from the root (node 0)");
			goto out;
		}
	}
out:
	free(seen);
	free(stack);
	free(depth);
	return r;
}

static int validate_mlp(const struct sm_model *m, const char *origin, char *err, size_t errlen)
{
	char f[64];
	uint32_t n_in = m->n_inputs;

	if (m->frac_bits > 14)
		return model_err(err, errlen, origin, "mlp.frac_bits", "%u out of range (0..14)",
				 m->frac_bits);
	if (m->in_shift > 31)
		return model_err(err, errlen, origin, "mlp.input.shift", "%u out of range (0..31)",
				 m->in_shift);
	if (!m->n_layers || m->n_layers > SM_MLP_MAX_LAYERS)
		return model_err(err, errlen, origin, "mlp.layers",
				 "%u layers (must be 1..%d: up to %d hidden plus the output layer)",
				 m->n_layers, SM_MLP_MAX_LAYERS, SM_MLP_MAX_LAYERS - 1);
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const struct sm_mlp_layer *L = &m->layer[l];
		snprintf(f, sizeof(f), "mlp.layers[%u].weights", l);
		if (L->n_in != n_in)
			return model_err(err, errlen, origin, f, "rows have %u inputs, expected %u", L->n_in,
					 n_in);
		if (!L->n_out || L->n_out > SM_MLP_MAX_WIDTH)
			return model_err(err, errlen, origin, f, "%u rows (must be 1..%d)", L->n_out,
					 SM_MLP_MAX_WIDTH);
		if (l == m->n_layers - 1 && L->n_out != 1)
			return model_err(err, errlen, origin, f,
					 "output layer has %u outputs, expected 1 (the logit)", L->n_out);
		if (!L->w || !L->b)
			return model_err(err, errlen, origin, f, "missing");
		n_in = L->n_out;
	}
	return 0;
}

static int validate(const struct sm_model *m, const char *origin, char *err, size_t errlen)
{
	bool used[SM_NR_FEATURES] = { false };

	if (!m->n_inputs || m->n_inputs > SM_NR_FEATURES)
		return model_err(err, errlen, origin, "features", "%u features (must be 1..%d)",
				 m->n_inputs, SM_NR_FEATURES);
	for (uint32_t i = 0; i < m->n_inputs; i++) {
		char f[32];
		snprintf(f, sizeof(f), "features[%u]", i);
		if (m->input[i] >= SM_NR_FEATURES)
			return model_err(err, errlen, origin, f, "feature id %u unknown", m->input[i]);
		if (used[m->input[i]])
			return model_err(err, errlen, origin, f, "'%s' listed twice",
					 sm_feature_table[m->input[i]].name);
		used[m->input[i]] = true;
	}
	switch (m->kind) {
	case SM_MODEL_TREE:
		return validate_tree(m, origin, err, errlen);
	case SM_MODEL_MLP:
		return validate_mlp(m, origin, err, errlen);
	default:
		return model_err(err, errlen, origin, "kind", "unknown model kind %d", (int)m->kind);
	}
}

int sm_model_validate(const struct sm_model *m, char *err, size_t errlen)
{
	if (!m)
		return model_err(err, errlen, "model", "", "no model");
	return validate(m, m->name ? m->name : "model", err, errlen);
}

/* ---- parsing ---- */

struct pctx {
	const char *origin;
	char *err;
	size_t errlen;
};

static int check_keys(struct pctx *c, json_object *o, const char *field, const char *const *allowed)
{
	json_object_object_foreach(o, key, val) {
		bool ok = false;
		(void)val;
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, key))
				ok = true;
		if (!ok) {
			char f[128];
			snprintf(f, sizeof(f), "%s%s%s", field, *field ? "." : "", key);
			return model_err(c->err, c->errlen, c->origin, f, "unknown key");
		}
	}
	return 0;
}

static const char *type_name(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number with a fraction";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

static int get_member(struct pctx *c, json_object *o, const char *key, const char *field,
		      json_type type, bool required, json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return model_err(c->err, c->errlen, c->origin, field, "missing");
		return 0;
	}
	if (!json_object_is_type(v, type)) {
		const char *want = type == json_type_int ? "an integer" : type == json_type_string ? "a string"
				 : type == json_type_array ? "an array" : type == json_type_object ? "an object" : "?";
		return model_err(c->err, c->errlen, c->origin, field, "must be %s, got %s", want,
				 type_name(v));
	}
	*out = v;
	return 0;
}

static int int_value(struct pctx *c, json_object *v, const char *field, int64_t min, int64_t max,
		     int64_t *out)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int)) {
		if (json_object_is_type(v, json_type_double))
			return model_err(c->err, c->errlen, c->origin, field,
					 "must be an integer, got %s (fixed-point models take integers only)",
					 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return model_err(c->err, c->errlen, c->origin, field, "must be an integer, got %s",
				 type_name(v));
	}
	errno = 0;
	x = json_object_get_int64(v);
	if (errno == ERANGE || x < min || x > max)
		return model_err(c->err, c->errlen, c->origin, field, "%s out of range (%" PRId64 "..%" PRId64 ")",
				 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), min, max);
	*out = x;
	return 0;
}

static int get_int(struct pctx *c, json_object *o, const char *key, const char *field, int64_t min,
		   int64_t max, bool required, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return model_err(c->err, c->errlen, c->origin, field, "missing");
		return 1;
	}
	return int_value(c, v, field, min, max, out);
}

static int get_array(struct pctx *c, json_object *o, const char *key, const char *field,
		     size_t min, size_t max, json_object **out, size_t *len)
{
	int r = get_member(c, o, key, field, json_type_array, true, out);

	if (r < 0)
		return r;
	*len = json_object_array_length(*out);
	if (min == max && *len != min)
		return model_err(c->err, c->errlen, c->origin, field, "%zu entries, expected %zu", *len, min);
	if (*len < min || *len > max)
		return model_err(c->err, c->errlen, c->origin, field, "%zu entries (must be %zu..%zu)", *len,
				 min, max);
	return 0;
}

static int parse_features(struct pctx *c, json_object *root, struct sm_model *m)
{
	json_object *arr;
	size_t n;
	int r = get_array(c, root, "features", "features", 1, SM_NR_FEATURES, &arr, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		char f[32];
		int id;

		snprintf(f, sizeof(f), "features[%zu]", i);
		if (!json_object_is_type(v, json_type_string))
			return model_err(c->err, c->errlen, c->origin, f, "must be a feature name, got %s",
					 type_name(v));
		id = sm_feature_lookup(json_object_get_string(v));
		if (id < 0)
			return model_err(c->err, c->errlen, c->origin, f, "unknown feature '%s'",
					 json_object_get_string(v));
		for (size_t k = 0; k < i; k++)
			if (m->input[k] == id)
				return model_err(c->err, c->errlen, c->origin, f, "'%s' listed twice",
						 json_object_get_string(v));
		m->input[i] = (uint8_t)id;
	}
	m->n_inputs = (uint32_t)n;
	return 0;
}

static int parse_output(struct pctx *c, json_object *root)
{
	static const char *const keys[] = { "meaning", "range", NULL };
	json_object *o, *v, *arr;
	size_t n;
	int64_t lo, hi;
	int r;

	if ((r = get_member(c, root, "output", "output", json_type_object, true, &o)) < 0)
		return r;
	if ((r = check_keys(c, o, "output", keys)) < 0)
		return r;
	if ((r = get_member(c, o, "meaning", "output.meaning", json_type_string, true, &v)) < 0)
		return r;
	if (strcmp(json_object_get_string(v), "latency_criticality"))
		return model_err(c->err, c->errlen, c->origin, "output.meaning",
				 "'%s' unsupported (only \"latency_criticality\")", json_object_get_string(v));
	if ((r = get_array(c, o, "range", "output.range", 2, 2, &arr, &n)) < 0)
		return r;
	if ((r = int_value(c, json_object_array_get_idx(arr, 0), "output.range[0]", 0, 0, &lo)) < 0 ||
	    (r = int_value(c, json_object_array_get_idx(arr, 1), "output.range[1]", SM_SCORE_MAX,
			   SM_SCORE_MAX, &hi)) < 0)
		return r;
	return 0;
}

static int parse_tree(struct pctx *c, json_object *root, struct sm_model *m)
{
	static const char *const tkeys[] = { "nodes", NULL };
	static const char *const nkeys[] = { "feature", "threshold", "left", "right", "leaf", NULL };
	json_object *tree, *arr;
	size_t n;
	int r;

	if ((r = get_member(c, root, "tree", "tree", json_type_object, true, &tree)) < 0)
		return r;
	if ((r = check_keys(c, tree, "tree", tkeys)) < 0)
		return r;
	if ((r = get_array(c, tree, "nodes", "tree.nodes", 1, SM_TREE_MAX_NODES, &arr, &n)) < 0)
		return r;
	m->nodes = calloc(n, sizeof(*m->nodes));
	if (!m->nodes)
		return -ENOMEM;
	m->n_nodes = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *leaf;
		struct sm_tree_node *nd = &m->nodes[i];
		char f[64], g[80];
		int64_t v = 0;

		snprintf(f, sizeof(f), "tree.nodes[%zu]", i);
		if (!json_object_is_type(o, json_type_object))
			return model_err(c->err, c->errlen, c->origin, f, "must be an object, got %s",
					 type_name(o));
		if ((r = check_keys(c, o, f, nkeys)) < 0)
			return r;
		if (json_object_object_get_ex(o, "leaf", &leaf)) {
			if (json_object_object_length(o) != 1)
				return model_err(c->err, c->errlen, c->origin, f,
						 "a leaf has only \"leaf\" (no feature/threshold/children)");
			snprintf(g, sizeof(g), "%s.leaf", f);
			if ((r = int_value(c, leaf, g, 0, SM_SCORE_MAX, &v)) < 0)
				return r;
			nd->feature = -1;
			nd->value = (int32_t)v;
			nd->left = nd->right = -1;
			continue;
		}
		snprintf(g, sizeof(g), "%s.feature", f);
		if ((r = get_int(c, o, "feature", g, 0, (int64_t)m->n_inputs - 1, true, &v)) < 0)
			return r;
		nd->feature = (int32_t)v;
		snprintf(g, sizeof(g), "%s.threshold", f);
		if ((r = get_int(c, o, "threshold", g, INT32_MIN, INT32_MAX, true, &v)) < 0)
			return r;
		nd->threshold = (int32_t)v;
		snprintf(g, sizeof(g), "%s.left", f);
		if ((r = get_int(c, o, "left", g, 0, (int64_t)n - 1, true, &v)) < 0)
			return r;
		nd->left = (int32_t)v;
		snprintf(g, sizeof(g), "%s.right", f);
		if ((r = get_int(c, o, "right", g, 0, (int64_t)n - 1, true, &v)) < 0)
			return r;
		nd->right = (int32_t)v;
	}
	return 0;
}

static int parse_int_vec(struct pctx *c, json_object *o, const char *key, const char *field,
			 size_t want, int64_t min, int64_t max, int32_t *out)
{
	json_object *arr;
	size_t n;
	int r;

	if ((r = get_array(c, o, key, field, want, want, &arr, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char f[96];
		int64_t v = 0;
		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if ((r = int_value(c, json_object_array_get_idx(arr, i), f, min, max, &v)) < 0)
			return r;
		out[i] = (int32_t)v;
	}
	return 0;
}

static int parse_mlp(struct pctx *c, json_object *root, struct sm_model *m)
{
	static const char *const mkeys[] = { "frac_bits", "input", "layers", NULL };
	static const char *const ikeys[] = { "offset", "mul", "shift", NULL };
	static const char *const lkeys[] = { "weights", "bias", NULL };
	json_object *mlp, *in, *layers;
	size_t nl;
	int64_t v;
	int r;

	if ((r = get_member(c, root, "mlp", "mlp", json_type_object, true, &mlp)) < 0)
		return r;
	if ((r = check_keys(c, mlp, "mlp", mkeys)) < 0)
		return r;
	if ((r = get_int(c, mlp, "frac_bits", "mlp.frac_bits", 0, 14, true, &v)) < 0)
		return r;
	m->frac_bits = (uint32_t)v;
	if ((r = get_member(c, mlp, "input", "mlp.input", json_type_object, true, &in)) < 0)
		return r;
	if ((r = check_keys(c, in, "mlp.input", ikeys)) < 0)
		return r;
	if ((r = parse_int_vec(c, in, "offset", "mlp.input.offset", m->n_inputs, INT32_MIN, INT32_MAX,
			       m->in_off)) < 0)
		return r;
	if ((r = parse_int_vec(c, in, "mul", "mlp.input.mul", m->n_inputs, INT32_MIN, INT32_MAX,
			       m->in_mul)) < 0)
		return r;
	if ((r = get_int(c, in, "shift", "mlp.input.shift", 0, 31, true, &v)) < 0)
		return r;
	m->in_shift = (uint32_t)v;
	if ((r = get_array(c, mlp, "layers", "mlp.layers", 1, SM_MLP_MAX_LAYERS, &layers, &nl)) < 0)
		return r;
	uint32_t n_in = m->n_inputs;
	for (size_t l = 0; l < nl; l++) {
		json_object *lo = json_object_array_get_idx(layers, l), *w;
		struct sm_mlp_layer *L = &m->layer[l];
		char f[64], g[128];
		size_t rows;

		snprintf(f, sizeof(f), "mlp.layers[%zu]", l);
		if (!json_object_is_type(lo, json_type_object))
			return model_err(c->err, c->errlen, c->origin, f, "must be an object, got %s",
					 type_name(lo));
		if ((r = check_keys(c, lo, f, lkeys)) < 0)
			return r;
		snprintf(g, sizeof(g), "%s.weights", f);
		if ((r = get_array(c, lo, "weights", g, 1, SM_MLP_MAX_WIDTH, &w, &rows)) < 0)
			return r;
		if (l == nl - 1 && rows != 1)
			return model_err(c->err, c->errlen, c->origin, g,
					 "output layer has %zu rows, expected 1 (the logit)", rows);
		L->n_in = n_in;
		L->n_out = (uint32_t)rows;
		L->w = calloc((size_t)rows * n_in, sizeof(*L->w));
		L->b = calloc(rows, sizeof(*L->b));
		if (!L->w || !L->b)
			return -ENOMEM;
		m->n_layers = (uint32_t)l + 1;
		for (size_t j = 0; j < rows; j++) {
			json_object *row = json_object_array_get_idx(w, j);
			char h[160];
			snprintf(h, sizeof(h), "%s[%zu]", g, j);
			if (!json_object_is_type(row, json_type_array))
				return model_err(c->err, c->errlen, c->origin, h, "must be an array, got %s",
						 type_name(row));
			if (json_object_array_length(row) != n_in)
				return model_err(c->err, c->errlen, c->origin, h,
						 "%zu weights, expected %u (the previous layer's width)",
						 json_object_array_length(row), n_in);
			for (size_t k = 0; k < n_in; k++) {
				char e[192];
				snprintf(e, sizeof(e), "%s[%zu]", h, k);
				if ((r = int_value(c, json_object_array_get_idx(row, k), e, INT16_MIN, INT16_MAX,
						   &v)) < 0)
					return r;
				L->w[j * n_in + k] = (int16_t)v;
			}
		}
		snprintf(g, sizeof(g), "%s.bias", f);
		if ((r = parse_int_vec(c, lo, "bias", g, rows, INT32_MIN, INT32_MAX, L->b)) < 0)
			return r;
		n_in = (uint32_t)rows;
	}
	return 0;
}

int sm_model_load_string(const char *json, const char *origin, struct sm_model **out, char *err,
			 size_t errlen)
{
	static const char *const keys[] = { "format_version", "kind", "name", "description", "features",
					    "output", "provenance", "tree", "mlp", NULL };
	struct pctx c = { origin ? origin : "model", err, errlen };
	struct json_tokener *tok = NULL;
	json_object *root = NULL, *v;
	struct sm_model *m = NULL;
	size_t len;
	int64_t ver;
	int r;

	if (!json)
		return model_err(err, errlen, c.origin, "", "no model text");
	len = strlen(json);
	if (len > SM_MODEL_MAX_BYTES)
		return model_err(err, errlen, c.origin, "", "%zu bytes (at most %u)", len,
				 SM_MODEL_MAX_BYTES);
	tok = json_tokener_new_ex(64);
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		int line = 1;
		for (size_t i = 0; i < json_tokener_get_parse_end(tok) && i < len; i++)
			line += json[i] == '\n';
		r = model_err(err, errlen, c.origin, "", "invalid JSON at line %d: %s", line,
			      je == json_tokener_continue ? "unexpected end of input"
							  : json_tokener_error_desc(je));
		goto out;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (json[i] != ' ' && json[i] != '\n' && json[i] != '\t' && json[i] != '\r') {
			r = model_err(err, errlen, c.origin, "", "invalid JSON: trailing data after the object");
			goto out;
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		r = model_err(err, errlen, c.origin, "", "must be a JSON object, got %s", type_name(root));
		goto out;
	}
	if ((r = check_keys(&c, root, "", keys)) < 0)
		goto out;
	if ((r = get_int(&c, root, "format_version", "format_version", INT64_MIN, INT64_MAX, true, &ver)) < 0)
		goto out;
	if (ver != SM_MODEL_FORMAT_VERSION) {
		r = model_err(err, errlen, c.origin, "format_version", "%" PRId64 " unsupported (this schedml reads %d)",
			      ver, SM_MODEL_FORMAT_VERSION);
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = get_member(&c, root, "kind", "kind", json_type_string, true, &v)) < 0)
		goto out;
	if (!strcmp(json_object_get_string(v), "tree")) {
		m->kind = SM_MODEL_TREE;
	} else if (!strcmp(json_object_get_string(v), "mlp")) {
		m->kind = SM_MODEL_MLP;
	} else {
		r = model_err(err, errlen, c.origin, "kind", "'%s' unknown (\"tree\" or \"mlp\")",
			      json_object_get_string(v));
		goto out;
	}
	if ((r = get_member(&c, root, "name", "name", json_type_string, true, &v)) < 0)
		goto out;
	m->name = strdup(json_object_get_string(v));
	if ((r = get_member(&c, root, "description", "description", json_type_string, false, &v)) < 0)
		goto out;
	m->description = strdup(v ? json_object_get_string(v) : "");
	if ((r = get_member(&c, root, "provenance", "provenance", json_type_object, false, &v)) < 0)
		goto out;
	m->provenance_json = strdup(v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "{}");
	if (!m->name || !m->description || !m->provenance_json) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = parse_features(&c, root, m)) < 0 || (r = parse_output(&c, root)) < 0)
		goto out;
	if (m->kind == SM_MODEL_TREE) {
		if (json_object_object_get_ex(root, "mlp", &v)) {
			r = model_err(err, errlen, c.origin, "mlp", "not allowed in a \"tree\" model");
			goto out;
		}
		r = parse_tree(&c, root, m);
	} else {
		if (json_object_object_get_ex(root, "tree", &v)) {
			r = model_err(err, errlen, c.origin, "tree", "not allowed in an \"mlp\" model");
			goto out;
		}
		r = parse_mlp(&c, root, m);
	}
	if (r == -ENOMEM)
		model_err(err, errlen, c.origin, "", "out of memory");
	if (r < 0)
		goto out;
	if ((r = validate(m, c.origin, err, errlen)) < 0)
		goto out;
	*out = TAKE_PTR(m);
	r = 0;
out:
	sm_model_free(m);
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}

int sm_model_load_file(const char *path, struct sm_model **out, char *err, size_t errlen)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len;
	int r;

	if (stat(path, &st) < 0) {
		r = -errno;
		model_err(err, errlen, path, "", "cannot read: %s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode))
		return model_err(err, errlen, path, "", "not a regular file");
	if ((uint64_t)st.st_size > SM_MODEL_MAX_BYTES)
		return model_err(err, errlen, path, "", "%" PRIu64 " bytes (at most %u)",
				 (uint64_t)st.st_size, SM_MODEL_MAX_BYTES);
	r = sm_read_file(path, &buf, &len);
	if (r < 0) {
		model_err(err, errlen, path, "", "cannot read: %s", strerror(-r));
		return r;
	}
	if (strlen(buf) != len)
		return model_err(err, errlen, path, "", "contains a NUL byte");
	return sm_model_load_string(buf, path, out, err, errlen);
}

/* ---- writing ---- */

static json_object *int_array(const int32_t *v, size_t n)
{
	json_object *a = json_object_new_array_ext((int)n);

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_int64(v[i]));
	return a;
}

static json_object *model_to_obj(const struct sm_model *m)
{
	json_object *root = json_object_new_object(), *a, *o, *prov = NULL;

	if (!root)
		return NULL;
	json_object_object_add(root, "format_version", json_object_new_int(SM_MODEL_FORMAT_VERSION));
	json_object_object_add(root, "kind",
			       json_object_new_string(m->kind == SM_MODEL_TREE ? "tree" : "mlp"));
	json_object_object_add(root, "name", json_object_new_string(m->name ? m->name : "unnamed"));
	json_object_object_add(root, "description",
			       json_object_new_string(m->description ? m->description : ""));
	a = json_object_new_array();
	for (uint32_t i = 0; i < m->n_inputs; i++)
		json_object_array_add(a, json_object_new_string(sm_feature_table[m->input[i]].name));
	json_object_object_add(root, "features", a);
	o = json_object_new_object();
	json_object_object_add(o, "meaning", json_object_new_string("latency_criticality"));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_int(0));
	json_object_array_add(a, json_object_new_int(SM_SCORE_MAX));
	json_object_object_add(o, "range", a);
	json_object_object_add(root, "output", o);
	if (m->provenance_json)
		prov = json_tokener_parse(m->provenance_json);
	if (!prov || !json_object_is_type(prov, json_type_object)) {
		json_object_put(prov);
		prov = json_object_new_object();
	}
	json_object_object_add(root, "provenance", prov);
	if (m->kind == SM_MODEL_TREE) {
		json_object *tree = json_object_new_object(), *nodes = json_object_new_array();
		for (uint32_t i = 0; i < m->n_nodes; i++) {
			const struct sm_tree_node *n = &m->nodes[i];
			json_object *no = json_object_new_object();
			if (n->feature < 0) {
				json_object_object_add(no, "leaf", json_object_new_int(n->value));
			} else {
				json_object_object_add(no, "feature", json_object_new_int(n->feature));
				json_object_object_add(no, "threshold", json_object_new_int(n->threshold));
				json_object_object_add(no, "left", json_object_new_int(n->left));
				json_object_object_add(no, "right", json_object_new_int(n->right));
			}
			json_object_array_add(nodes, no);
		}
		json_object_object_add(tree, "nodes", nodes);
		json_object_object_add(root, "tree", tree);
	} else {
		json_object *mlp = json_object_new_object(), *in = json_object_new_object();
		json_object *layers = json_object_new_array();
		json_object_object_add(mlp, "frac_bits", json_object_new_int((int)m->frac_bits));
		json_object_object_add(in, "offset", int_array(m->in_off, m->n_inputs));
		json_object_object_add(in, "mul", int_array(m->in_mul, m->n_inputs));
		json_object_object_add(in, "shift", json_object_new_int((int)m->in_shift));
		json_object_object_add(mlp, "input", in);
		for (uint32_t l = 0; l < m->n_layers; l++) {
			const struct sm_mlp_layer *L = &m->layer[l];
			json_object *lo = json_object_new_object(), *w = json_object_new_array();
			for (uint32_t j = 0; j < L->n_out; j++) {
				json_object *row = json_object_new_array();
				for (uint32_t k = 0; k < L->n_in; k++)
					json_object_array_add(row, json_object_new_int(L->w[j * L->n_in + k]));
				json_object_array_add(w, row);
			}
			json_object_object_add(lo, "weights", w);
			json_object_object_add(lo, "bias", int_array(L->b, L->n_out));
			json_object_array_add(layers, lo);
		}
		json_object_object_add(mlp, "layers", layers);
		json_object_object_add(root, "mlp", mlp);
	}
	return root;
}

char *sm_model_to_json(const struct sm_model *m)
{
	json_object *root;
	char *s = NULL;

	if (!m)
		return NULL;
	root = model_to_obj(m);
	if (!root)
		return NULL;
	const char *txt = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt && asprintf(&s, "%s\n", txt) < 0)
		s = NULL;
	json_object_put(root);
	return s;
}

int sm_model_write_file(const struct sm_model *m, const char *path)
{
	_cleanup_free_ char *s = NULL, *tmp = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	char err[256];
	int r;

	if (!m || !path)
		return -EINVAL;
	if (sm_model_validate(m, err, sizeof(err)) < 0)
		return -EINVAL;
	s = sm_model_to_json(m);
	if (!s)
		return -ENOMEM;
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fputs(s, f) < 0 || fflush(f) != 0) {
		r = -errno;
		unlink(tmp);
		return r ? r : -EIO;
	}
	r = fclose(TAKE_PTR(f)) ? -errno : 0;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}
