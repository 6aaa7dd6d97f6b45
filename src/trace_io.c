// SPDX-License-Identifier: GPL-2.0
/*
 * scheduling_events.log.gz: one record per line, gzip (zlib); plain text is read too.
 *
 *   # schedml-trace 1 {header JSON}
 *   S|W|N|X TS CPU PID TGID PREV_PID PREV_TGID PREV_RUN_NS RQ_LAT_NS PREV_STATE FLAGS COMM
 *   T PID TGID PPID UID NICE POLICY NR_THREADS KTHREAD START_TIME CGROUP COMM
 *   L TGID CLASS
 *   Y TS NR_CPUS NR_RUNNING LOAD1_X100
 *   K TS
 *
 * Fields are separated by exactly one space; numbers are plain decimal (NICE may be negative).
 * COMM is the rest of the line (it may contain spaces); CGROUP is one token ("-" when unknown).
 * In both, '\\', control bytes, bytes >= 0x7f (and, in CGROUP, spaces) are written as \xHH.
 * Lines starting with '#' after the header, and empty lines, are comments. See docs/tracer.md.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <json-c/json.h>

#include "trace_io.h"
#include "util.h"

#define TRACE_MAGIC "# schedml-trace 1 "
#define LINE_MAX_LEN 4096

struct sm_trace_reader {
	gzFile gz;
	char *path;
	char *header;
	uint64_t lineno;
	char line[LINE_MAX_LEN];
};

struct sm_trace_writer {
	gzFile gz;
	int err;
	char line[LINE_MAX_LEN];
};

/* ---- formatting ---- */

struct obuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void ob_putc(struct obuf *o, char c)
{
	if (o->len + 1 < o->cap)
		o->p[o->len++] = c;
	else
		o->overflow = true;
}

static void ob_u64(struct obuf *o, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	size_t n = 0;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(tmp + sizeof(tmp) - p);
	if (o->len + n >= o->cap) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void ob_i64(struct obuf *o, int64_t v)
{
	if (v < 0) {
		ob_putc(o, '-');
		ob_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		ob_u64(o, (uint64_t)v);
	}
}

static void ob_sp_u64(struct obuf *o, uint64_t v)
{
	ob_putc(o, ' ');
	ob_u64(o, v);
}

static void ob_escaped(struct obuf *o, const char *s, size_t max, bool esc_space)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || (esc_space && c == ' ')) {
			ob_putc(o, '\\');
			ob_putc(o, 'x');
			ob_putc(o, hex[c >> 4]);
			ob_putc(o, hex[c & 15]);
		} else {
			ob_putc(o, (char)c);
		}
	}
}

static char event_letter(uint32_t type)
{
	switch (type) {
	case SM_EV_SWITCH: return 'S';
	case SM_EV_WAKEUP: return 'W';
	case SM_EV_WAKEUP_NEW: return 'N';
	case SM_EV_EXIT: return 'X';
	default: return 0;
	}
}

int sm_trace_format_line(const struct sm_trace_rec *rec, char *buf, size_t len)
{
	struct obuf o = { .p = buf, .cap = len };

	if (!buf || len == 0)
		return -EINVAL;
	switch (rec->kind) {
	case SM_REC_EVENT: {
		const struct sm_event *e = &rec->ev;
		char c = event_letter(e->type);

		if (!c)
			return -EINVAL;
		ob_putc(&o, c);
		ob_sp_u64(&o, e->ts_ns);
		ob_sp_u64(&o, e->cpu);
		ob_sp_u64(&o, e->pid);
		ob_sp_u64(&o, e->tgid);
		ob_sp_u64(&o, e->prev_pid);
		ob_sp_u64(&o, e->prev_tgid);
		ob_sp_u64(&o, e->prev_run_ns);
		ob_sp_u64(&o, e->rq_lat_ns);
		ob_sp_u64(&o, e->prev_state);
		ob_sp_u64(&o, e->flags);
		ob_putc(&o, ' ');
		ob_escaped(&o, e->comm, sizeof(e->comm) - 1, false); /* always NUL-terminated in the kernel */
		break;
	}
	case SM_REC_TASK: {
		const struct sm_taskinfo *t = &rec->task;

		ob_putc(&o, 'T');
		ob_sp_u64(&o, t->pid);
		ob_sp_u64(&o, t->tgid);
		ob_sp_u64(&o, t->ppid);
		ob_sp_u64(&o, t->uid);
		ob_putc(&o, ' ');
		ob_i64(&o, t->nice);
		ob_sp_u64(&o, t->policy);
		ob_sp_u64(&o, t->nr_threads);
		ob_sp_u64(&o, t->kthread ? 1 : 0);
		ob_sp_u64(&o, t->start_time);
		ob_putc(&o, ' ');
		if (t->cgroup[0])
			ob_escaped(&o, t->cgroup, sizeof(t->cgroup) - 1, true);
		else
			ob_putc(&o, '-');
		ob_putc(&o, ' ');
		ob_escaped(&o, t->comm, sizeof(t->comm) - 1, false);
		break;
	}
	case SM_REC_LABEL: {
		const char *name;

		if (rec->label.cls <= SM_CLASS_NONE || rec->label.cls >= SM_NR_CLASSES)
			return -EINVAL;
		name = sm_class_name(rec->label.cls);
		ob_putc(&o, 'L');
		ob_sp_u64(&o, rec->label.tgid);
		ob_putc(&o, ' ');
		while (*name)
			ob_putc(&o, *name++);
		break;
	}
	case SM_REC_SYS:
		ob_putc(&o, 'Y');
		ob_sp_u64(&o, rec->sys.ts_ns);
		ob_sp_u64(&o, rec->sys.nr_cpus);
		ob_sp_u64(&o, rec->sys.nr_running);
		ob_sp_u64(&o, rec->sys.load1_x100);
		break;
	case SM_REC_TICK:
		ob_putc(&o, 'K');
		ob_sp_u64(&o, rec->tick_ns);
		break;
	default:
		return -EINVAL;
	}
	if (o.overflow) {
		buf[0] = '\0';
		return -ENOBUFS;
	}
	buf[o.len] = '\0';
	return (int)o.len;
}

/* ---- parsing ---- */

struct tok {
	const char *p;    /* next unread char */
	char *err;
	size_t errlen;
};

_printf_(2, 3) static int perr(struct tok *t, const char *fmt, ...)
{
	va_list ap;

	if (t->err && t->errlen) {
		va_start(ap, fmt);
		vsnprintf(t->err, t->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Next space-delimited token: [*s, *e). Exactly one space separates fields. */
static int next_tok(struct tok *t, const char *field, const char **s, size_t *n)
{
	const char *p = t->p;

	if (*p != ' ')
		return *p ? perr(t, "field %s: expected one space before it", field)
			  : perr(t, "field %s: missing (line ends early)", field);
	p++;
	*s = p;
	while (*p && *p != ' ')
		p++;
	*n = (size_t)(p - *s);
	if (*n == 0)
		return perr(t, "field %s: empty", field);
	t->p = p;
	return 0;
}

/* Strict decimal: digits only, no leading zeros (except "0"), no sign. */
static int parse_dec(struct tok *t, const char *field, const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return perr(t, "field %s: empty number", field);
	if (n > 1 && s[0] == '0')
		return perr(t, "field %s: leading zero in '%.*s'", field, (int)(n > 24 ? 24 : n), s);
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return perr(t, "field %s: not a decimal number: '%.*s'", field,
				    (int)(n > 24 ? 24 : n), s);
		if (v > (UINT64_MAX - d) / 10)
			return perr(t, "field %s: number out of range", field);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int tok_u64(struct tok *t, const char *field, uint64_t max, uint64_t *out)
{
	const char *s = NULL;
	size_t n = 0;
	uint64_t v = 0;
	int r = next_tok(t, field, &s, &n);

	if (r < 0 || (r = parse_dec(t, field, s, n, &v)) < 0)
		return r;
	if (v > max)
		return perr(t, "field %s: %" PRIu64 " out of range (max %" PRIu64 ")", field, v, max);
	*out = v;
	return 0;
}

static int tok_ull(struct tok *t, const char *field, __u64 *out)
{
	uint64_t v = 0;
	int r = tok_u64(t, field, UINT64_MAX, &v);

	if (r == 0)
		*out = v;
	return r;
}

static int tok_u32(struct tok *t, const char *field, uint32_t *out)
{
	uint64_t v = 0;
	int r = tok_u64(t, field, UINT32_MAX, &v);

	if (r == 0)
		*out = (uint32_t)v;
	return r;
}

static int tok_i32(struct tok *t, const char *field, int32_t min, int32_t max, int32_t *out)
{
	const char *s = NULL;
	size_t n = 0;
	uint64_t v = 0;
	int64_t sv;
	bool neg;
	int r = next_tok(t, field, &s, &n);

	if (r < 0)
		return r;
	neg = s[0] == '-';
	if (neg && n > 1 && s[1] == '0')
		return perr(t, "field %s: '-0...' is not a canonical number", field);
	if ((r = parse_dec(t, field, s + neg, n - neg, &v)) < 0)
		return r;
	if (v > (uint64_t)INT32_MAX + 1)
		return perr(t, "field %s: number out of range", field);
	sv = neg ? -(int64_t)v : (int64_t)v;
	if (sv < min || sv > max)
		return perr(t, "field %s: %" PRId64 " out of range [%d, %d]", field, sv, min, max);
	*out = (int32_t)sv;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescape [s, s+n) into out (size cap, NUL-terminated). */
static int unescape(struct tok *t, const char *field, const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\') {
			int hi, lo;

			if (i + 3 >= n)
				return perr(t, "field %s: truncated escape", field);
			if (s[i + 1] != 'x' || (hi = hexval(s[i + 2])) < 0 || (lo = hexval(s[i + 3])) < 0)
				return perr(t, "field %s: bad escape (expected \\xHH)", field);
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0)
				return perr(t, "field %s: NUL byte", field);
			i += 3;
		} else if (c < 0x20 || c == 0x7f) {
			return perr(t, "field %s: unescaped control byte 0x%02x", field, c);
		}
		if (o + 1 >= cap)
			return perr(t, "field %s: longer than %zu bytes", field, cap - 1);
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* The rest of the line after one space: COMM. */
static int tok_rest(struct tok *t, const char *field, char *out, size_t cap)
{
	const char *s = NULL;

	if (*t->p != ' ')
		return *t->p ? perr(t, "field %s: expected one space before it", field)
			     : perr(t, "field %s: missing (line ends early)", field);
	s = t->p + 1;
	t->p = s + strlen(s);
	return unescape(t, field, s, strlen(s), out, cap);
}

static int tok_end(struct tok *t)
{
	if (*t->p)
		return perr(t, "trailing data after the last field: '%.24s'", t->p);
	return 0;
}

int sm_trace_parse_line(const char *line, struct sm_trace_rec *rec, char *err, size_t errlen)
{
	struct tok t = { .p = line + 1, .err = err, .errlen = errlen };
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!line || !rec)
		return -EINVAL;
	memset(rec, 0, sizeof(*rec));
	switch (line[0]) {
	case 'S': case 'W': case 'N': case 'X': {
		struct sm_event *e = &rec->ev;

		rec->kind = SM_REC_EVENT;
		e->type = line[0] == 'S' ? SM_EV_SWITCH : line[0] == 'W' ? SM_EV_WAKEUP :
			  line[0] == 'N' ? SM_EV_WAKEUP_NEW : SM_EV_EXIT;
		if ((r = tok_ull(&t, "ts", &e->ts_ns)) < 0 ||
		    (r = tok_u32(&t, "cpu", &e->cpu)) < 0 ||
		    (r = tok_u32(&t, "pid", &e->pid)) < 0 ||
		    (r = tok_u32(&t, "tgid", &e->tgid)) < 0 ||
		    (r = tok_u32(&t, "prev_pid", &e->prev_pid)) < 0 ||
		    (r = tok_u32(&t, "prev_tgid", &e->prev_tgid)) < 0 ||
		    (r = tok_ull(&t, "prev_run_ns", &e->prev_run_ns)) < 0 ||
		    (r = tok_ull(&t, "rq_lat_ns", &e->rq_lat_ns)) < 0 ||
		    (r = tok_u32(&t, "prev_state", &e->prev_state)) < 0 ||
		    (r = tok_u32(&t, "flags", &e->flags)) < 0 ||
		    (r = tok_rest(&t, "comm", e->comm, sizeof(e->comm))) < 0)
			return r;
		return 0;
	}
	case 'T': {
		struct sm_taskinfo *ti = &rec->task;
		uint32_t kthread = 0;
		const char *s = NULL;
		size_t n = 0;

		rec->kind = SM_REC_TASK;
		if ((r = tok_u32(&t, "pid", &ti->pid)) < 0 ||
		    (r = tok_u32(&t, "tgid", &ti->tgid)) < 0 ||
		    (r = tok_u32(&t, "ppid", &ti->ppid)) < 0 ||
		    (r = tok_u32(&t, "uid", &ti->uid)) < 0 ||
		    (r = tok_i32(&t, "nice", -20, 19, &ti->nice)) < 0 ||
		    (r = tok_u32(&t, "policy", &ti->policy)) < 0 ||
		    (r = tok_u32(&t, "nr_threads", &ti->nr_threads)) < 0 ||
		    (r = tok_u32(&t, "kthread", &kthread)) < 0 ||
		    (r = tok_u64(&t, "start_time", UINT64_MAX, &ti->start_time)) < 0)
			return r;
		if (kthread > 1)
			return perr(&t, "field kthread: must be 0 or 1");
		ti->kthread = kthread;
		if ((r = next_tok(&t, "cgroup", &s, &n)) < 0)
			return r;
		if (!(n == 1 && s[0] == '-')) {
			if (s[0] != '/')
				return perr(&t, "field cgroup: must be '-' or start with '/'");
			if ((r = unescape(&t, "cgroup", s, n, ti->cgroup, sizeof(ti->cgroup))) < 0)
				return r;
		}
		return tok_rest(&t, "comm", ti->comm, sizeof(ti->comm));
	}
	case 'L': {
		const char *s = NULL;
		size_t n = 0;
		char name[16];
		int cls;

		rec->kind = SM_REC_LABEL;
		if ((r = tok_u32(&t, "tgid", &rec->label.tgid)) < 0 ||
		    (r = next_tok(&t, "class", &s, &n)) < 0)
			return r;
		if (n >= sizeof(name))
			return perr(&t, "field class: unknown class");
		memcpy(name, s, n);
		name[n] = '\0';
		cls = sm_class_parse(name);
		if (cls <= SM_CLASS_NONE)
			return perr(&t, "field class: unknown class '%s' (interactive or batch)", name);
		rec->label.cls = cls;
		return tok_end(&t);
	}
	case 'Y':
		rec->kind = SM_REC_SYS;
		if ((r = tok_u64(&t, "ts", UINT64_MAX, &rec->sys.ts_ns)) < 0 ||
		    (r = tok_u32(&t, "nr_cpus", &rec->sys.nr_cpus)) < 0 ||
		    (r = tok_u32(&t, "nr_running", &rec->sys.nr_running)) < 0 ||
		    (r = tok_u32(&t, "load1_x100", &rec->sys.load1_x100)) < 0)
			return r;
		return tok_end(&t);
	case 'K':
		rec->kind = SM_REC_TICK;
		if ((r = tok_u64(&t, "ts", UINT64_MAX, &rec->tick_ns)) < 0)
			return r;
		return tok_end(&t);
	case '\0':
		return perr(&t, "empty line");
	default:
		return perr(&t, "field kind: unknown record kind '%c' (expected S W N X T L Y K)",
			    (line[0] >= 0x20 && line[0] < 0x7f) ? line[0] : '?');
	}
}

/* ---- reader ---- */

static int open_gz(const char *path, int flags, const char *mode, gzFile *out)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	gzFile gz;

	if (fd < 0)
		return -errno;
	gz = gzdopen(fd, mode);
	if (!gz) {
		close(fd);
		return -ENOMEM;
	}
	*out = gz;
	return 0;
}

/* Read one line into r->line without the newline. 1: line, 0: EOF, <0 error. */
static int read_line(struct sm_trace_reader *r, char *err, size_t errlen)
{
	size_t n = 0;
	int zerr;

	if (!gzgets(r->gz, r->line, sizeof(r->line))) {
		const char *msg = gzerror(r->gz, &zerr);

		if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
			snprintf(err, errlen, "%s:%" PRIu64 ": read error: %s", r->path, r->lineno + 1,
				 zerr == Z_ERRNO ? strerror(errno) : msg);
			return -EIO;
		}
		if (zerr == Z_BUF_ERROR) {
			snprintf(err, errlen, "%s:%" PRIu64 ": truncated gzip stream", r->path,
				 r->lineno + 1);
			return -EIO;
		}
		return 0;
	}
	r->lineno++;
	n = strlen(r->line);
	if (n > 0 && r->line[n - 1] == '\n') {
		r->line[--n] = '\0';
	} else if (!gzeof(r->gz)) {
		/* Too long: skip the rest of it and report. */
		snprintf(err, errlen, "%s:%" PRIu64 ": line longer than %d bytes or with a NUL byte",
			 r->path, r->lineno, LINE_MAX_LEN - 2);
		return -EINVAL;
	}
	return 1;
}

int sm_trace_open(const char *path, struct sm_trace_reader **out, char *err, size_t errlen)
{
	struct sm_trace_reader *r;
	json_object *obj;
	const char *json;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->path = strdup(path);
	if (!r->path) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = open_gz(path, O_RDONLY, "rb", &r->gz);
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	gzbuffer(r->gz, 256 * 1024);
	ret = read_line(r, err, errlen);
	if (ret <= 0) {
		if (ret == 0) {
			snprintf(err, errlen, "%s:1: empty file (no schedml-trace header)", path);
			ret = -EINVAL;
		}
		goto fail;
	}
	if (strncmp(r->line, TRACE_MAGIC, strlen(TRACE_MAGIC)) != 0) {
		snprintf(err, errlen, "%s:1: header: not a schedml trace (expected '%s{...}')", path,
			 TRACE_MAGIC);
		ret = -EINVAL;
		goto fail;
	}
	json = r->line + strlen(TRACE_MAGIC);
	obj = json_tokener_parse(json);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		snprintf(err, errlen, "%s:1: header: not a JSON object", path);
		ret = -EINVAL;
		goto fail;
	}
	json_object_put(obj);
	r->header = strdup(json);
	if (!r->header) {
		ret = -ENOMEM;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	sm_trace_close(r);
	return ret;
}

const char *sm_trace_header(const struct sm_trace_reader *r)
{
	return r ? r->header : NULL;
}

int sm_trace_next(struct sm_trace_reader *r, struct sm_trace_rec *rec, char *err, size_t errlen)
{
	char perr_buf[256];
	int ret;

	if (err && errlen)
		err[0] = '\0';
	for (;;) {
		ret = read_line(r, err, errlen);
		if (ret <= 0)
			return ret;
		if (r->line[0] == '\0' || r->line[0] == '#')
			continue;
		ret = sm_trace_parse_line(r->line, rec, perr_buf, sizeof(perr_buf));
		if (ret < 0) {
			snprintf(err, errlen, "%s:%" PRIu64 ": %s", r->path, r->lineno, perr_buf);
			return ret;
		}
		return 1;
	}
}

void sm_trace_close(struct sm_trace_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	free(r->path);
	free(r->header);
	free(r);
}

/* ---- writer ---- */

static int gz_errno(gzFile gz)
{
	int zerr;

	gzerror(gz, &zerr);
	if (zerr == Z_ERRNO)
		return errno ? -errno : -EIO;
	return zerr == Z_MEM_ERROR ? -ENOMEM : -EIO;
}

int sm_trace_writer_open(const char *path, const char *header_json, struct sm_trace_writer **out)
{
	struct sm_trace_writer *w;
	int r;

	if (!header_json || strchr(header_json, '\n'))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	/* Level 1: a busy host produces tens of MB/s of text; speed beats ratio here. */
	r = open_gz(path, O_WRONLY | O_CREAT | O_TRUNC, "wb1", &w->gz);
	if (r < 0) {
		free(w);
		return r;
	}
	gzbuffer(w->gz, 256 * 1024);
	if (gzprintf(w->gz, "%s%s\n", TRACE_MAGIC, header_json) <= 0) {
		r = gz_errno(w->gz);
		gzclose(w->gz);
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

int sm_trace_write(struct sm_trace_writer *w, const struct sm_trace_rec *rec)
{
	int n = sm_trace_format_line(rec, w->line, sizeof(w->line) - 1);

	if (n < 0)
		return n;
	w->line[n++] = '\n';
	if (gzwrite(w->gz, w->line, (unsigned)n) != n) {
		if (!w->err)
			w->err = gz_errno(w->gz);
		return w->err;
	}
	return 0;
}

int sm_trace_writer_close(struct sm_trace_writer *w)
{
	int r, err;

	if (!w)
		return 0;
	err = w->err;
	r = gzclose(w->gz);
	if (r != Z_OK && !err)
		err = r == Z_ERRNO ? (errno ? -errno : -EIO) : -EIO;
	free(w);
	return err;
}
