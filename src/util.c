// SPDX-License-Identifier: GPL-2.0

#include "util.h"
#include "schedml.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <systemd/sd-journal.h>

static const char *const class_names[SM_NR_CLASSES] = {
	[SM_CLASS_NONE] = "none",
	[SM_CLASS_INTERACTIVE] = "interactive",
	[SM_CLASS_BATCH] = "batch",
};

const char *sm_class_name(enum sm_class c)
{
	if ((unsigned)c >= SM_NR_CLASSES)
		return "?";
	return class_names[c];
}

int sm_class_parse(const char *s)
{
	for (int i = 0; i < SM_NR_CLASSES; i++)
		if (s && strcmp(s, class_names[i]) == 0)
			return i;
	return -EINVAL;
}

int sm_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int sm_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int sm_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int r = sm_parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int sm_parse_i32(const char *s, int32_t *out)
{
	int64_t v;
	int r = sm_parse_i64(s, &v);

	if (r < 0)
		return r;
	if (v < INT32_MIN || v > INT32_MAX)
		return -ERANGE;
	*out = (int32_t)v;
	return 0;
}

/* Parse "<number>[suffix]" where number may have a fraction; suffix is returned. */
static int parse_scaled(const char *s, double *num, const char **suffix)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*num = strtod(s, &end);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	*suffix = end;
	return 0;
}

int sm_parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct { const char *sfx; double mul; } units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
		{ "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
	};
	const char *sfx;
	double v;
	int r = parse_scaled(s, &v, &sfx);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(sfx, units[i].sfx) == 0) {
			double ns = v * units[i].mul;
			if (!(ns >= 0) || ns > 1e18)
				return -ERANGE;
			*out = (uint64_t)ns;
			return 0;
		}
	}
	return -EINVAL;
}

int sm_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *sfx; double mul; } units[] = {
		{ "", 1 }, { "k", 1024 }, { "K", 1024 }, { "M", 1 << 20 }, { "G", 1 << 30 },
	};
	const char *sfx;
	double v;
	int r = parse_scaled(s, &v, &sfx);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(sfx, units[i].sfx) == 0) {
			double b = v * units[i].mul;
			/* Range first: converting inf or NaN to an integer is undefined
			 * ("1e308k", found by tests/fuzz/fuzz_config). */
			if (b != b)
				return -EINVAL;
			if (b < 0 || b > 1e15)
				return -ERANGE;
			if (b != (double)(uint64_t)b)
				return -EINVAL;
			*out = (uint64_t)b;
			return 0;
		}
	}
	return -EINVAL;
}

static struct {
	const char *ident;
	int max_level;
	bool journal;
} log_state = { "schedml", SM_LOG_INFO, false };

void sm_log_init(const char *ident, int max_level, bool force_stderr)
{
	log_state.ident = ident;
	log_state.max_level = max_level;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
	log_state.journal = !force_stderr && getenv("JOURNAL_STREAM") && getenv("INVOCATION_ID");
}

int sm_log_level(void) { return log_state.max_level; }
void sm_log_set_level(int max_level) { log_state.max_level = max_level; }
bool sm_log_to_journal(void) { return log_state.journal; }

void sm_log(int level, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	if (level > log_state.max_level)
		return;
	va_start(ap, fmt);
	if (log_state.journal) {
		errno = saved_errno; /* for %m */
		sd_journal_printv(level, fmt, ap);
	} else {
		static const char *const pfx[8] = { "", "", "", "error: ", "warning: ", "", "", "debug: " };
		char buf[1024];

		errno = saved_errno;
		vsnprintf(buf, sizeof(buf), fmt, ap);
		fprintf(stderr, "%s: %s%s\n", log_state.ident, pfx[level & 7], buf);
	}
	va_end(ap);
	errno = saved_errno;
}

uint64_t sm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int sm_read_file(const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, n = 0;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;

			if (cap > (64u << 20))
				return -EFBIG;
			nb = realloc(buf, cap * 2);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

ssize_t sm_read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

int sm_write_str(const char *path, const char *s)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, s, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int sm_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "schedml %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'schedml %s --help')\n", cmd);
	return 2;
}
