// SPDX-License-Identifier: GPL-2.0
/* Test client for the status socket (t_status_socket_perms.sh): misbehaving on purpose.
 *   sockpoke PATH send         send stdin as is, half-close, print the reply (exit 0)
 *   sockpoke PATH hold SECS    connect, send nothing, hold the connection SECS seconds
 *   sockpoke PATH drip SECS    send one byte every 100 ms for SECS seconds, then read
 * Exit 3 with "connect: <strerror>" when the connection is refused. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc < 3)
		return 2;
	signal(SIGPIPE, SIG_IGN); /* the daemon may close before we are done writing */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("connect: %s\n", strerror(errno));
		return 3;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!strcmp(argv[2], "send")) {
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)n) < 0)
				break; /* the daemon may close early: that is fine */
		shutdown(fd, SHUT_WR);
	} else if (!strcmp(argv[2], "hold") && argc > 3) {
		sleep((unsigned)atoi(argv[3]));
	} else if (!strcmp(argv[2], "drip") && argc > 3) {
		struct timespec ts = { 0, 100000000 };

		for (int i = 0; i < atoi(argv[3]) * 10; i++) {
			if (write(fd, "x", 1) < 0)
				break;
			nanosleep(&ts, NULL);
		}
	} else {
		return 2;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}
