/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by every file: cleanup attributes, checked parsing, logging, time. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

static inline void freep(void *p) { free(*(void **)p); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p) ({ typeof(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

/* Checked number parsing: whole string must parse, in range; returns 0 or -EINVAL/-ERANGE. */
int sm_parse_u64(const char *s, uint64_t *out);
int sm_parse_u32(const char *s, uint32_t *out);
int sm_parse_i32(const char *s, int32_t *out);
int sm_parse_i64(const char *s, int64_t *out);
/* "1.5", "250ms", "2s", "10m", "100us": parsed to nanoseconds; bare numbers are seconds. */
int sm_parse_duration_ns(const char *s, uint64_t *out);
/* "8M", "64k", "4096": bytes. */
int sm_parse_size(const char *s, uint64_t *out);

/* Logging: stderr, or the journal when running under systemd (sm_log_init decides). */
enum sm_log_level { SM_LOG_ERR = 3, SM_LOG_WARNING = 4, SM_LOG_NOTICE = 5, SM_LOG_INFO = 6, SM_LOG_DEBUG = 7 };
void sm_log_init(const char *ident, int max_level, bool force_stderr);
int sm_log_level(void);
void sm_log_set_level(int max_level);
bool sm_log_to_journal(void);
void sm_log(int level, const char *fmt, ...) _printf_(2, 3);
#define log_err(...) sm_log(SM_LOG_ERR, __VA_ARGS__)
#define log_warn(...) sm_log(SM_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) sm_log(SM_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) sm_log(SM_LOG_INFO, __VA_ARGS__)
#define log_debug(...) sm_log(SM_LOG_DEBUG, __VA_ARGS__)

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() uses. */
uint64_t sm_now_ns(void);

/* Read a whole (small, /proc or /sys) file, NUL-terminated; *len excludes the NUL. -errno. */
int sm_read_file(const char *path, char **out, size_t *len);
/* Read a file into buf (truncating), NUL-terminated, trailing newline stripped. Returns length or -errno. */
ssize_t sm_read_small(const char *path, char *buf, size_t size);
/* Write a string to an existing file (cgroup/proc knobs). -errno. */
int sm_write_str(const char *path, const char *s);

/* Format a usage error "schedml CMD: ..." and return 2 (the usage exit code). */
int sm_usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);
