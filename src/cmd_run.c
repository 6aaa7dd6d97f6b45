// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the daemon lands; replaced by its owner. */
#include <stdio.h>
#include "commands.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "schedml %s: not built yet\n", argv[0]);
	return 1;
}

int cmd_check(int argc, char **argv)
{
	return cmd_run(argc, argv);
}
