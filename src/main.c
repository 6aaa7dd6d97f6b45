// SPDX-License-Identifier: GPL-2.0
/* schedml: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "schedml.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "watch, score and re-prioritise tasks (the daemon)" },
	{ "check", cmd_check, "validate a config and a model, then exit" },
	{ "status", cmd_status, "show a running daemon's tasks, decisions and counters" },
	{ "pause", cmd_status, "stop acting and restore original priorities (tracing goes on)" },
	{ "resume", cmd_status, "start acting again after pause" },
	{ "trace", cmd_trace, "print the live scheduling event stream" },
	{ "record", cmd_record, "record events and /proc snapshots to an artifacts directory" },
	{ "score", cmd_score, "score every task once (live or from a recorded trace)" },
	{ "train", cmd_train, "train a model from recorded traces" },
	{ "eval", cmd_eval, "evaluate a model on a labelled trace and against the kernel" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: schedml COMMAND [OPTIONS]\n\n"
		   "Learns which tasks are latency-critical and which are batch work, and\n"
		   "re-prioritises them with nice, sched_setattr and cgroup CPU weights.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nExamples:\n"
		   "  schedml run --foreground --dry-run --debug   show what it would change, and why\n"
		   "  schedml trace --duration 5 --comm stress     live events of matching tasks\n"
		   "  schedml record --duration 30 --out artifacts/run1 --label batch=comm:^xz$\n"
		   "  schedml COMMAND --help                      options of one command\n");
}

int main(int argc, char **argv)
{
	sm_log_init("schedml", SM_LOG_INFO, false);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("schedml %s\n", SCHEDML_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "schedml: unknown command '%s' (see 'schedml --help')\n", argv[1]);
	return 2;
}
