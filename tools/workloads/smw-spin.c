// SPDX-License-Identifier: GPL-2.0
/* CPU spinner (batch). Usage: smw-spin [NAME] */
#include "common.h"

int main(int argc, char **argv)
{
	set_name(argc > 1 ? argv[1] : NULL);
	for (;;)
		burn_us(1000000);
}
