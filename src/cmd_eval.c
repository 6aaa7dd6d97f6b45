// SPDX-License-Identifier: GPL-2.0
/* Placeholder until this command lands; replaced by its owner. */
#include <stdio.h>
#include "commands.h"

int cmd_eval(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "schedml %s: not built yet\n", argv[0]);
	return 1;
}
