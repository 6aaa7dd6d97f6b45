// SPDX-License-Identifier: GPL-2.0
/* `record --label` rules and a small u32-keyed hash table. */
#include <regex.h>
#include <string.h>

#include "labels.h"
#include "util.h"

static size_t slot_of(uint32_t key, size_t cap)
{
	return (size_t)((key * 2654435761u) & (cap - 1));
}

int sm_idmap_init(struct sm_idmap *m, size_t val_size)
{
	memset(m, 0, sizeof(*m));
	m->val_size = val_size;
	m->cap = 1024;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->used = calloc(m->cap, 1);
	m->vals = calloc(m->cap, val_size);
	if (!m->keys || !m->used || !m->vals) {
		sm_idmap_free(m);
		return -ENOMEM;
	}
	return 0;
}

void sm_idmap_free(struct sm_idmap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->used);
	free(m->vals);
	m->keys = NULL;
	m->used = NULL;
	m->vals = NULL;
	m->cap = m->len = 0;
}

static bool find(const struct sm_idmap *m, uint32_t key, size_t *pos)
{
	size_t i = slot_of(key, m->cap);

	while (m->used[i]) {
		if (m->keys[i] == key) {
			*pos = i;
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	*pos = i;
	return false;
}

void *sm_idmap_get(const struct sm_idmap *m, uint32_t key)
{
	size_t i;

	if (!m->cap || !find(m, key, &i))
		return NULL;
	return m->vals + i * m->val_size;
}

static int grow(struct sm_idmap *m)
{
	struct sm_idmap n = { .val_size = m->val_size, .cap = m->cap * 2 };

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.used = calloc(n.cap, 1);
	n.vals = calloc(n.cap, n.val_size);
	if (!n.keys || !n.used || !n.vals) {
		sm_idmap_free(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->used[i])
			continue;
		find(&n, m->keys[i], &j);
		n.used[j] = 1;
		n.keys[j] = m->keys[i];
		memcpy(n.vals + j * n.val_size, m->vals + i * m->val_size, m->val_size);
		n.len++;
	}
	sm_idmap_free(m);
	*m = n;
	return 0;
}

void *sm_idmap_put(struct sm_idmap *m, uint32_t key, bool *created)
{
	size_t i;

	if (!m->cap)
		return NULL;
	if (find(m, key, &i)) {
		if (created)
			*created = false;
		return m->vals + i * m->val_size;
	}
	if ((m->len + 1) * 4 > m->cap * 3) {
		if (grow(m) < 0)
			return NULL;
		find(m, key, &i);
	}
	m->used[i] = 1;
	m->keys[i] = key;
	memset(m->vals + i * m->val_size, 0, m->val_size);
	m->len++;
	if (created)
		*created = true;
	return m->vals + i * m->val_size;
}

void sm_idmap_del(struct sm_idmap *m, uint32_t key)
{
	size_t i, j;

	if (!m->cap || !find(m, key, &i))
		return;
	/* Backward-shift deletion keeps probe chains intact without tombstones. */
	j = i;
	for (;;) {
		size_t k;

		j = (j + 1) & (m->cap - 1);
		if (!m->used[j])
			break;
		k = slot_of(m->keys[j], m->cap);
		/* Move j back to i unless its home k lies cyclically in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->keys[i] = m->keys[j];
		memcpy(m->vals + i * m->val_size, m->vals + j * m->val_size, m->val_size);
		i = j;
	}
	m->used[i] = 0;
	m->len--;
}

void *sm_idmap_next(const struct sm_idmap *m, size_t *iter, uint32_t *key)
{
	while (*iter < m->cap) {
		size_t i = (*iter)++;

		if (m->used[i]) {
			if (key)
				*key = m->keys[i];
			return m->vals + i * m->val_size;
		}
	}
	return NULL;
}

enum rule_kind { RULE_COMM, RULE_PID, RULE_CGROUP };

struct rule {
	int cls;
	enum rule_kind kind;
	regex_t re;
	uint32_t pid;
	char cgroup[SM_CGROUP_LEN];
};

struct sm_labels {
	size_t n;
	struct rule r[];
};

int sm_labels_add(struct sm_labels **l, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '='), *colon, *arg;
	struct sm_labels *nl;
	struct rule ru = { 0 };
	char cls[32];
	size_t n = *l ? (*l)->n : 0;
	int r;

	if (!eq || (size_t)(eq - spec) >= sizeof(cls)) {
		snprintf(err, errlen, "'%s': expected CLASS=comm:REGEX, CLASS=pid:N or CLASS=cgroup:PATH", spec);
		return -EINVAL;
	}
	memcpy(cls, spec, (size_t)(eq - spec));
	cls[eq - spec] = '\0';
	r = sm_class_parse(cls);
	if (r <= SM_CLASS_NONE) {
		snprintf(err, errlen, "'%s': unknown class '%s' (interactive or batch)", spec, cls);
		return -EINVAL;
	}
	ru.cls = r;
	colon = strchr(eq + 1, ':');
	if (!colon) {
		snprintf(err, errlen, "'%s': expected comm:REGEX, pid:N or cgroup:PATH after '='", spec);
		return -EINVAL;
	}
	arg = colon + 1;
	if (colon - eq - 1 == 4 && !strncmp(eq + 1, "comm", 4)) {
		ru.kind = RULE_COMM;
		r = regcomp(&ru.re, arg, REG_EXTENDED | REG_NOSUB);
		if (r) {
			char msg[128];

			regerror(r, &ru.re, msg, sizeof(msg));
			snprintf(err, errlen, "'%s': bad regular expression: %s", spec, msg);
			return -EINVAL;
		}
	} else if (colon - eq - 1 == 3 && !strncmp(eq + 1, "pid", 3)) {
		ru.kind = RULE_PID;
		if (sm_parse_u32(arg, &ru.pid) < 0 || ru.pid == 0) {
			snprintf(err, errlen, "'%s': bad pid '%s'", spec, arg);
			return -EINVAL;
		}
	} else if (colon - eq - 1 == 6 && !strncmp(eq + 1, "cgroup", 6)) {
		ru.kind = RULE_CGROUP;
		if (arg[0] != '/' || strlen(arg) >= sizeof(ru.cgroup)) {
			snprintf(err, errlen, "'%s': cgroup path must start with '/' (as in /proc/PID/cgroup)", spec);
			return -EINVAL;
		}
		strcpy(ru.cgroup, arg);
	} else {
		snprintf(err, errlen, "'%s': unknown rule kind '%.*s' (comm, pid or cgroup)", spec,
			 (int)(colon - eq - 1), eq + 1);
		return -EINVAL;
	}
	nl = realloc(*l, sizeof(*nl) + (n + 1) * sizeof(nl->r[0]));
	if (!nl) {
		if (ru.kind == RULE_COMM)
			regfree(&ru.re);
		return -ENOMEM;
	}
	nl->n = n + 1;
	nl->r[n] = ru;
	*l = nl;
	return 0;
}

void sm_labels_free(struct sm_labels *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->r[i].kind == RULE_COMM)
			regfree(&l->r[i].re);
	free(l);
}

size_t sm_labels_count(const struct sm_labels *l)
{
	return l ? l->n : 0;
}

static bool cgroup_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n > 1 && prefix[n - 1] == '/')
		n--;
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/' || n == 1);
}

int sm_labels_match(const struct sm_labels *l, const struct sm_taskinfo *ti)
{
	if (!l)
		return SM_CLASS_NONE;
	for (size_t i = 0; i < l->n; i++) {
		const struct rule *ru = &l->r[i];

		switch (ru->kind) {
		case RULE_COMM:
			if (regexec(&ru->re, ti->comm, 0, NULL, 0) == 0)
				return ru->cls;
			break;
		case RULE_PID:
			if (ti->tgid == ru->pid)
				return ru->cls;
			break;
		case RULE_CGROUP:
			if (ti->cgroup[0] && cgroup_under(ti->cgroup, ru->cgroup))
				return ru->cls;
			break;
		}
	}
	return SM_CLASS_NONE;
}
