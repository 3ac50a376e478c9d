/*
 * smtp_sink.c - a minimal SMTP server for the digest benchmark: accepts
 * everything, keeps nothing, counts messages. One thread, poll(), many
 * connections; answers EHLO/HELO, MAIL, RCPT, RSET, NOOP, QUIT and DATA.
 *   pb-smtp-sink PORTFILE      (binds 127.0.0.1 on a free port, writes it)
 * SIGTERM prints "N messages" and exits.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 256

struct conn {
	int fd;
	int in_data;
	char line[8192];
	size_t len;
	char tail[5];
};

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t k = write(fd, s, n);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pb-smtp-sink PORTFILE\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 128) || getsockname(ls, (struct sockaddr *)&a, &al)) {
		perror("pb-smtp-sink");
		return 1;
	}
	FILE *pf = fopen(argv[1], "w");
	if (!pf)
		return 1;
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	static struct conn c[MAXC];
	struct pollfd p[MAXC + 1];
	int n = 0;
	unsigned long messages = 0;
	while (!stop) {
		p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
		for (int i = 0; i < n; i++)
			p[i + 1] = (struct pollfd){ .fd = c[i].fd, .events = POLLIN };
		if (poll(p, (nfds_t)n + 1, 200) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && n < MAXC) {
			int fd = accept(ls, NULL, NULL);
			if (fd >= 0) {
				c[n] = (struct conn){ .fd = fd };
				n++;
				say(fd, "220 sink ESMTP\r\n");
			}
		}
		for (int i = 0; i < n; i++) {
			if (!(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[65536];
			ssize_t k = read(c[i].fd, buf, sizeof(buf));
			if (k <= 0) {
				close(c[i].fd);
				c[i] = c[--n];
				p[i + 1] = p[n + 1];
				i--;
				continue;
			}
			for (ssize_t j = 0; j < k; j++) {
				char ch = buf[j];
				if (c[i].in_data) {
					memmove(c[i].tail, c[i].tail + 1, 4);
					c[i].tail[4] = ch;
					if (!memcmp(c[i].tail, "\r\n.\r\n", 5)) {
						c[i].in_data = 0;
						messages++;
						say(c[i].fd, "250 OK\r\n");
					}
					continue;
				}
				if (c[i].len < sizeof(c[i].line) - 1)
					c[i].line[c[i].len++] = ch;
				if (ch != '\n')
					continue;
				c[i].line[c[i].len] = '\0';
				c[i].len = 0;
				const char *l = c[i].line;
				if (!strncasecmp(l, "EHLO", 4))
					say(c[i].fd, "250-sink\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n");
				else if (!strncasecmp(l, "DATA", 4)) {
					c[i].in_data = 1;
					memcpy(c[i].tail, "\0\0\0\r\n", 5);
					say(c[i].fd, "354 go ahead\r\n");
				} else if (!strncasecmp(l, "QUIT", 4)) {
					say(c[i].fd, "221 bye\r\n");
				} else {
					say(c[i].fd, "250 OK\r\n");
				}
			}
		}
	}
	printf("%lu messages\n", messages);
	return 0;
}
