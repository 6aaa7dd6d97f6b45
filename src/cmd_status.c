// SPDX-License-Identifier: GPL-2.0
/* schedml status / pause / resume: talk to the running daemon over its unix socket. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "util.h"

static void usage(FILE *f, const char *cmd)
{
	fprintf(f,
		"Usage: schedml %s [OPTIONS]\n\n"
		"%s\n\n"
		"Options:\n"
		"      --socket PATH      daemon's status socket (default " SM_RUNTIME_DIR "/schedml.sock)\n"
		"      --runtime-dir DIR  the daemon's --runtime-dir (socket DIR/schedml.sock)\n"
		"  -j, --json             print the daemon's JSON reply as is\n"
		"  -h, --help\n\n"
		"Examples:\n"
		"  schedml status\n"
		"  schedml status --json | jq '.tasks[] | select(.class != \"neutral\")'\n"
		"  schedml pause && schedml resume\n",
		cmd,
		!strcmp(cmd, "status") ? "Show the running daemon's tracked tasks, decisions with reasons, counters and model."
		: !strcmp(cmd, "pause") ? "Stop acting and restore every original value; tracing and scoring go on."
					: "Start acting again after 'schedml pause'.");
}

static void print_human(json_object *o)
{
	json_object *c, *tasks, *v;

#define S(obj, k) (json_object_object_get_ex(obj, k, &v) ? json_object_get_string(v) : "?")
	printf("schedml %s (pid %s): %s%s, source %s\n", S(o, "version"), S(o, "pid"), S(o, "mode"),
	       json_object_object_get_ex(o, "paused", &v) && json_object_get_boolean(v) ? ", PAUSED" : "",
	       S(o, "source"));
	printf("model: %s (%s)\nconfig: %s\nscope: %s\nlevers: %s\n", S(o, "model"), S(o, "model_name"),
	       S(o, "config"), S(o, "scope"), S(o, "levers"));
	if (json_object_object_get_ex(o, "counters", &c)) {
		printf("counters:");
		json_object_object_foreach(c, k, val)
			printf(" %s=%s", k, json_object_get_string(val));
		printf("\n");
	}
	if (json_object_object_get_ex(o, "tasks", &tasks) && json_object_array_length(tasks)) {
		printf("\n%8s %-16s %6s %6s %-8s %s\n", "PID", "COMM", "SCORE", "CPU", "CLASS", "REASON");
		for (size_t i = 0; i < json_object_array_length(tasks); i++) {
			json_object *t = json_object_array_get_idx(tasks, i);
			json_object *bo, *fl;
			double cpu = json_object_object_get_ex(t, "cpu_share", &v) ? json_object_get_double(v) : 0;

			json_object_object_get_ex(t, "backed_off", &bo);
			json_object_object_get_ex(t, "failed", &fl);
			printf("%8s %-16s %6s %6.2f %-8s %s%s%s\n", S(t, "pid"), S(t, "comm"), S(t, "score"), cpu,
			       S(t, "class"), json_object_get_boolean(bo) ? "[backed off] " : "",
			       json_object_get_boolean(fl) ? "[failed] " : "", S(t, "reason"));
		}
	}
#undef S
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *cmd = argv[0], *sock = SM_RUNTIME_DIR "/schedml.sock";
	char path[256];
	bool json = false;
	json_object *o, *v;
	char *reply;
	int c, err, rc = 0;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'r':
			snprintf(path, sizeof(path), "%s/schedml.sock", optarg);
			sock = path;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout, cmd);
			return 0;
		default:
			return sm_usage_error(cmd, "unknown option or missing argument '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sm_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	reply = sm_status_request(sock, cmd, &err);
	if (!reply) {
		fprintf(stderr, "schedml %s: cannot reach the daemon at %s: %s\n", cmd, sock, strerror(-err));
		return 1;
	}
	o = json_tokener_parse(reply);
	if (!o) {
		fprintf(stderr, "schedml %s: malformed reply from %s\n", cmd, sock);
		free(reply);
		return 1;
	}
	if (json_object_object_get_ex(o, "ok", &v) && !json_object_get_boolean(v)) {
		fprintf(stderr, "schedml %s: daemon refused: %s\n", cmd,
			json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : "?");
		rc = 1;
	} else if (json) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	} else if (!strcmp(cmd, "status")) {
		print_human(o);
	} else {
		printf("schedml: %s\n", json_object_object_get_ex(o, "paused", &v) && json_object_get_boolean(v)
						? "paused (original values restored)" : "acting");
	}
	json_object_put(o);
	free(reply);
	return rc;
}
