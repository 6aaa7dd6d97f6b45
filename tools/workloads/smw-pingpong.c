// SPDX-License-Identifier: GPL-2.0
/* Request/response (latency-critical): a client sends a small request RATE times a second
 * (+-50% jitter), a server computes WORK_US and answers, then does POST_US of bookkeeping
 * (logging, cache updates: the woken client usually preempts it there); the client then does
 * WORK_US/4 with the answer. Transport: pipe, unix (socketpair) or tcp (127.0.0.1, ephemeral).
 * Usage: smw-pingpong pipe|unix|tcp RATE_HZ WORK_US [NAME [POST_US]]  (server is NAME-srv) */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common.h"

static void xfer(int fd, char *buf, size_t n, int wr)
{
	while (n) {
		ssize_t r = wr ? write(fd, buf, n) : read(fd, buf, n);

		if (r <= 0)
			exit(r == 0 ? 0 : 1);
		buf += r;
		n -= (size_t)r;
	}
}

static void tcp_pair(int *cfd, int *sfd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &al))
		exit(1);
	*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&a, sizeof(a)))
		exit(1);
	*sfd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*sfd < 0)
		exit(1);
	setsockopt(*cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
}

int main(int argc, char **argv)
{
	int c2s[2], s2c[2]; /* [0] read end, [1] write end, from each side's view below */
	int cr, cw, sr, sw;
	uint64_t rate, work, post = 0, seed = (uint64_t)getpid() * 2654435761u, t;
	char name[16], buf[64] = "request";
	pid_t p;

	if (argc < 4) {
		fprintf(stderr, "usage: %s pipe|unix|tcp RATE_HZ WORK_US [NAME [POST_US]]\n", argv[0]);
		return 2;
	}
	rate = (uint64_t)arg_num(argv[2], "rate");
	work = (uint64_t)arg_num(argv[3], "work");
	if (argc > 5)
		post = (uint64_t)arg_num(argv[5], "post");
	if (!rate)
		return 2;
	if (!strcmp(argv[1], "pipe")) {
		if (pipe2(c2s, O_CLOEXEC) || pipe2(s2c, O_CLOEXEC))
			return 1;
		cr = s2c[0], cw = c2s[1], sr = c2s[0], sw = s2c[1];
	} else if (!strcmp(argv[1], "unix")) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			return 1;
		cr = cw = sv[0];
		sr = sw = sv[1];
	} else if (!strcmp(argv[1], "tcp")) {
		int c, s;

		tcp_pair(&c, &s);
		cr = cw = c;
		sr = sw = s;
	} else {
		fprintf(stderr, "unknown transport '%s'\n", argv[1]);
		return 2;
	}
	snprintf(name, sizeof(name), "%.11s-srv", argc > 4 ? argv[4] : "smw-pp");
	p = fork();
	if (p < 0)
		return 1;
	if (p == 0) { /* server */
		die_with_parent();
		set_name(name);
		for (;;) {
			xfer(sr, buf, sizeof(buf), 0);
			burn_us(work / 2 + rnd(&seed) % (work + 1));
			xfer(sw, buf, sizeof(buf), 1);
			if (post)
				burn_us(post / 2 + rnd(&seed) % (post + 1));
		}
	}
	set_name(argc > 4 ? argv[4] : NULL);
	t = now_ns();
	for (;;) {
		uint64_t period = 1000000000ull / rate;

		t += period / 2 + rnd(&seed) % (period + 1);
		sleep_until(t);
		xfer(cw, buf, sizeof(buf), 1);
		xfer(cr, buf, sizeof(buf), 0);
		burn_us(work / 4);
		if (now_ns() > t + 10 * period)
			t = now_ns();
	}
}
