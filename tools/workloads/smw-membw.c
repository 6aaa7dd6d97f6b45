// SPDX-License-Identifier: GPL-2.0
/* Memory-bound loop (batch): strided read-modify-write over MB megabytes.
 * Usage: smw-membw MB [NAME] */
#include "common.h"

int main(int argc, char **argv)
{
	size_t n, i = 0;
	uint64_t *a, seed = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MB [NAME]\n", argv[0]);
		return 2;
	}
	n = (size_t)arg_num(argv[1], "size") << 17; /* MB * 2^20 / 8 */
	set_name(argc > 2 ? argv[2] : NULL);
	a = calloc(n ? n : 1, sizeof(*a));
	if (!a)
		return 1;
	for (;;) {
		/* 64-byte lines in a pseudo-random order: cache and TLB misses dominate. */
		i = (i + 8 * (1 + rnd(&seed) % 4096)) % n;
		a[i] += i;
	}
}
