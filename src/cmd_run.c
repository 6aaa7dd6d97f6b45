// SPDX-License-Identifier: GPL-2.0
/* schedml run (the daemon) and schedml check (validate config and model). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "model.h"
#include "util.h"

static void usage(FILE *f, const char *cmd)
{
	fprintf(f,
		"Usage: schedml %s [OPTIONS]\n\n"
		"%s\n\n"
		"Options:\n"
		"  -c, --config FILE      JSON config (default " SM_CONFIG_DEFAULT_PATH " if present,\n"
		"                         else built-in defaults; see docs/daemon.md)\n"
		"  -m, --model FILE       model (overrides the config's \"model\")\n"
		"  -s, --scope SPEC       only touch pid:N (and descendants), cgroup:/PATH or uid:N;\n"
		"                         repeatable; replaces the config's \"scope\"\n"
		"      --dry-run          decide and log every change, apply none\n"
		"  -f, --foreground       log to stderr even under systemd\n"
		"  -d, --debug            foreground, every score each tick, features and explanations\n"
		"  -v, --verbose          more detail per decision (repeatable)\n"
		"  -i, --interval DUR     control interval (default 250ms)\n"
		"      --source MODE      auto, bpf or proc\n"
		"      --runtime-dir DIR  state file and status socket under DIR (default /run/schedml)\n"
		"      --state-file FILE  state file (crash recovery)\n"
		"      --socket PATH      status socket\n"
		"      --duration DUR     stop (and restore) after DUR\n"
		"  -n, --check            validate config and model, then exit (same as 'schedml check')\n"
		"  -h, --help\n\n"
		"Examples:\n"
		"  schedml run --foreground --dry-run --debug --model models/default.json\n"
		"  schedml run --foreground --scope pid:$$ --runtime-dir /tmp/sm\n"
		"  schedml check -c /etc/schedml/config.json\n",
		cmd,
		!strcmp(cmd, "check") ? "Validate a config and a model, then exit 0 (valid) or 1."
				      : "Watch, score and re-prioritise tasks. SIGTERM/SIGINT restore every original value;\n"
					"SIGHUP reloads the config and the model (a bad one is rejected, the old one stays).");
}

enum { OPT_DRY = 256, OPT_SOURCE, OPT_RUNDIR, OPT_STATE, OPT_SOCKET, OPT_DURATION };

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "model", required_argument, NULL, 'm' },
	{ "scope", required_argument, NULL, 's' },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "foreground", no_argument, NULL, 'f' },
	{ "debug", no_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "interval", required_argument, NULL, 'i' },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "runtime-dir", required_argument, NULL, OPT_RUNDIR },
	{ "state-file", required_argument, NULL, OPT_STATE },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "check", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static int check(const struct sm_daemon_opts *o)
{
	struct sm_config cfg;
	struct sm_model *m = NULL;
	char err[512] = "";
	int r = sm_daemon_load(o, &cfg, &m, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "schedml check: %s\n", err);
	} else {
		printf("config %s: ok\nmodel %s: ok (%s, %s, %u inputs)\n", cfg.origin, cfg.model_path,
		       m->name ? m->name : "unnamed", m->kind == SM_MODEL_TREE ? "tree" : "mlp", m->n_inputs);
	}
	sm_model_free(m);
	sm_config_free(&cfg);
	return r < 0 ? 1 : 0;
}

static int run_or_check(int argc, char **argv, bool check_only)
{
	const char *cmd = check_only ? "check" : "run";
	struct sm_daemon_opts o = { .ov.source = -1 };
	bool debug = false;
	int c, rc;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "c:m:s:fdvi:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'm':
			o.ov.model_path = optarg;
			break;
		case 's':
			if (sm_scope_add(&o.ov.scope, optarg) < 0) {
				sm_scope_clear(&o.ov.scope);
				return sm_usage_error(cmd, "bad --scope '%s' (pid:N, cgroup:/PATH or uid:N)", optarg);
			}
			break;
		case OPT_DRY:
			o.dry_run = true;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'd':
			debug = true;
			o.foreground = true;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'i':
			if (sm_parse_duration_ns(optarg, &o.ov.interval_ns) < 0 || o.ov.interval_ns < 10000000ull ||
			    o.ov.interval_ns > 10000000000ull) {
				sm_scope_clear(&o.ov.scope);
				return sm_usage_error(cmd, "bad --interval '%s' (10ms..10s)", optarg);
			}
			break;
		case OPT_SOURCE:
			if (!strcmp(optarg, "auto"))
				o.ov.source = SM_SOURCE_AUTO;
			else if (!strcmp(optarg, "bpf"))
				o.ov.source = SM_SOURCE_BPF;
			else if (!strcmp(optarg, "proc"))
				o.ov.source = SM_SOURCE_PROC;
			else {
				sm_scope_clear(&o.ov.scope);
				return sm_usage_error(cmd, "bad --source '%s' (auto, bpf, proc)", optarg);
			}
			break;
		case OPT_RUNDIR:
			if (optarg[0] != '/') {
				sm_scope_clear(&o.ov.scope);
				return sm_usage_error(cmd, "--runtime-dir must be an absolute path");
			}
			o.ov.runtime_dir = optarg;
			break;
		case OPT_STATE:
			if (optarg[0] != '/') {
				sm_scope_clear(&o.ov.scope);
				return sm_usage_error(cmd, "--state-file must be an absolute path");
			}
			o.ov.state_file = optarg;
			break;
		case OPT_SOCKET:
			o.ov.socket_path = optarg;
			break;
		case OPT_DURATION:
			if (sm_parse_duration_ns(optarg, &o.duration_ns) < 0 || !o.duration_ns) {
				sm_scope_clear(&o.ov.scope);
				return sm_usage_error(cmd, "bad --duration '%s'", optarg);
			}
			break;
		case 'n':
			check_only = true;
			break;
		case 'h':
			usage(stdout, cmd);
			sm_scope_clear(&o.ov.scope);
			return 0;
		default:
			sm_scope_clear(&o.ov.scope);
			return sm_usage_error(cmd, "unknown option or missing argument '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		sm_scope_clear(&o.ov.scope);
		return sm_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	}
	if (check_only) {
		rc = check(&o);
	} else {
		if (debug && o.verbose < 2)
			o.verbose = 2;
		sm_log_init("schedml", o.verbose >= 2 ? SM_LOG_DEBUG : SM_LOG_INFO, o.foreground);
		rc = sm_daemon_run(&o);
	}
	sm_scope_clear(&o.ov.scope);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	return run_or_check(argc, argv, false);
}

int cmd_check(int argc, char **argv)
{
	return run_or_check(argc, argv, true);
}
