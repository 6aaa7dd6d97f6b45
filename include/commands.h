/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands of the schedml binary: each returns the process exit code (0 ok, 1 failure, 2 usage). */
#pragma once

int cmd_trace(int argc, char **argv);  /* src/cmd_trace.c */
int cmd_record(int argc, char **argv); /* src/cmd_record.c */
int cmd_score(int argc, char **argv);  /* src/cmd_score.c */
int cmd_train(int argc, char **argv);  /* src/cmd_train.c */
int cmd_eval(int argc, char **argv);   /* src/cmd_eval.c */
int cmd_run(int argc, char **argv);    /* src/cmd_run.c */
int cmd_check(int argc, char **argv);  /* src/cmd_run.c */
int cmd_status(int argc, char **argv); /* src/cmd_status.c: status, pause, resume */
