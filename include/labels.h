/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --label` rules (CLASS=comm:REGEX, CLASS=pid:N, CLASS=cgroup:PATH) and the small
 * u32-keyed hash table the recorder and `trace` use to track tasks.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schedml.h"

/* ---- u32 -> fixed-size value, open addressing (linear probing, backward-shift delete) ---- */
struct sm_idmap {
	uint32_t *keys;
	uint8_t *used;
	char *vals;
	size_t val_size, cap, len;
};

int sm_idmap_init(struct sm_idmap *m, size_t val_size);
void sm_idmap_free(struct sm_idmap *m); /* accepts a zeroed map */
void *sm_idmap_get(const struct sm_idmap *m, uint32_t key);
/* The value slot for key, created zeroed if absent (*created says which). NULL: -ENOMEM. */
void *sm_idmap_put(struct sm_idmap *m, uint32_t key, bool *created);
void sm_idmap_del(struct sm_idmap *m, uint32_t key);
/* Iterate: *iter starts at 0; returns the next value (and its key) or NULL at the end. */
void *sm_idmap_next(const struct sm_idmap *m, size_t *iter, uint32_t *key);

/* ---- label rules ---- */
struct sm_labels;

/* Parse one "CLASS=comm:REGEX" / "CLASS=pid:N" / "CLASS=cgroup:PATH" rule (PATH: the cgroup
 * path or a prefix of it, as in /proc/PID/cgroup). err gets "what is wrong" on -EINVAL. */
int sm_labels_add(struct sm_labels **l, const char *spec, char *err, size_t errlen);
void sm_labels_free(struct sm_labels *l); /* accepts NULL */
size_t sm_labels_count(const struct sm_labels *l);
/* The class of the first rule a task matches (its comm, its tgid, its cgroup), or SM_CLASS_NONE. */
int sm_labels_match(const struct sm_labels *l, const struct sm_taskinfo *ti);
