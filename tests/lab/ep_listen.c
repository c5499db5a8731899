/*
 * ep_listen - tiny TCP listener farm for the ecsprobe test lab.
 *
 * usage: ep_listen [-r READYFILE] SPECFILE
 *
 * SPECFILE holds lines "ADDRESS PORT" (IPv4 or IPv6; '#' starts a comment,
 * blank lines are ignored).  One nonblocking TCP listener is bound on each
 * pair (SO_REUSEADDR, IPV6_V6ONLY for IPv6, backlog 4096).  When every
 * listener is up, READYFILE is created (or "ready" is printed on stdout).
 * Then every incoming connection is accepted and closed at once, so the
 * accept queues never fill up.  SIGTERM / SIGINT end the program cleanly
 * (exit 0).  A bind/listen failure prints one line naming ADDRESS:PORT and
 * exits with status 2.
 *
 * libc only, C11 + POSIX/Linux APIs (epoll, signalfd, accept4).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define EP_BACKLOG 4096
#define EP_MAXEVENTS 256

struct ep_addr {
	int family;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;
	char text[INET6_ADDRSTRLEN + 16]; /* "addr:port" or "[addr]:port" */
};

static const char *prog = "ep_listen";

static void usage(void)
{
	fprintf(stderr, "usage: %s [-r READYFILE] SPECFILE\n", prog);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Parse one "ADDRESS PORT" pair.  Returns 0 on success. */
static int parse_pair(const char *addr, const char *port, struct ep_addr *out,
		      char *err, size_t errlen)
{
	char *end = NULL;
	long p;

	memset(out, 0, sizeof(*out));
	errno = 0;
	p = strtol(port, &end, 10);
	if (errno != 0 || end == port || *end != '\0' || p < 1 || p > 65535) {
		snprintf(err, errlen, "bad port '%s'", port);
		return -1;
	}
	if (inet_pton(AF_INET, addr, &out->sa.v4.sin_addr) == 1) {
		out->family = AF_INET;
		out->sa.v4.sin_family = AF_INET;
		out->sa.v4.sin_port = htons((unsigned short)p);
		snprintf(out->text, sizeof(out->text), "%s:%ld", addr, p);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &out->sa.v6.sin6_addr) == 1) {
		out->family = AF_INET6;
		out->sa.v6.sin6_family = AF_INET6;
		out->sa.v6.sin6_port = htons((unsigned short)p);
		snprintf(out->text, sizeof(out->text), "[%s]:%ld", addr, p);
		return 0;
	}
	snprintf(err, errlen, "bad address '%s'", addr);
	return -1;
}

/* Read the spec file.  Returns number of entries, or -1 (message printed). */
static long read_spec(const char *path, struct ep_addr **list)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	long n = 0, cap = 0, lineno = 0;
	struct ep_addr *v = NULL;

	if (fp == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *hash, *save = NULL, *a, *p, *extra;
		char err[128];

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			fprintf(stderr, "%s: %s:%ld: line too long\n", prog,
				path, lineno);
			goto fail;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		a = strtok_r(line, " \t\r\n", &save);
		if (a == NULL)
			continue;
		p = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		if (p == NULL || extra != NULL) {
			fprintf(stderr,
				"%s: %s:%ld: expected 'ADDRESS PORT'\n", prog,
				path, lineno);
			goto fail;
		}
		if (n == cap) {
			long ncap = cap ? cap * 2 : 64;
			struct ep_addr *nv =
				realloc(v, (size_t)ncap * sizeof(*v));
			if (nv == NULL) {
				fprintf(stderr, "%s: out of memory\n", prog);
				goto fail;
			}
			v = nv;
			cap = ncap;
		}
		if (parse_pair(a, p, &v[n], err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s:%ld: %s\n", prog, path, lineno,
				err);
			goto fail;
		}
		n++;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: %s: read error\n", prog, path);
		goto fail;
	}
	fclose(fp);
	*list = v;
	return n;
fail:
	fclose(fp);
	free(v);
	return -1;
}

static int open_listener(const struct ep_addr *a)
{
	int fd, one = 1;
	socklen_t len;
	const struct sockaddr *sa;

	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket for %s: %s\n", prog, a->text,
			strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
		fprintf(stderr, "%s: SO_REUSEADDR on %s: %s\n", prog, a->text,
			strerror(errno));
		close(fd);
		return -1;
	}
	if (a->family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) != 0) {
			fprintf(stderr, "%s: IPV6_V6ONLY on %s: %s\n", prog,
				a->text, strerror(errno));
			close(fd);
			return -1;
		}
		sa = (const struct sockaddr *)&a->sa.v6;
		len = sizeof(a->sa.v6);
	} else {
		sa = (const struct sockaddr *)&a->sa.v4;
		len = sizeof(a->sa.v4);
	}
	if (bind(fd, sa, len) != 0) {
		fprintf(stderr, "%s: cannot bind %s: %s\n", prog, a->text,
			strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, EP_BACKLOG) != 0) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", prog, a->text,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_ready(const char *readyfile)
{
	if (readyfile == NULL) {
		if (printf("ready\n") < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "%s: cannot write to stdout\n", prog);
			return -1;
		}
		return 0;
	}
	{
		char buf[64];
		int n, fd = open(readyfile,
				 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, readyfile,
				strerror(errno));
			return -1;
		}
		n = snprintf(buf, sizeof(buf), "ready %ld\n", (long)getpid());
		if (n < 0 || write(fd, buf, (size_t)n) != (ssize_t)n) {
			fprintf(stderr, "%s: %s: write failed\n", prog,
				readyfile);
			close(fd);
			return -1;
		}
		if (close(fd) != 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, readyfile,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Accept until EAGAIN, closing each connection.  Returns -1 on fatal error. */
static int drain(int lfd, int *spare)
{
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0) {
			close(c);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return 0;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case ENETDOWN:
		case ENOPROTOOPT:
		case EHOSTDOWN:
		case ENONET:
		case EHOSTUNREACH:
		case EOPNOTSUPP:
		case ENETUNREACH:
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Out of descriptors: use the spare one to take the
			 * connection off the queue, so level-triggered epoll
			 * does not spin forever. */
			if (*spare >= 0) {
				close(*spare);
				*spare = -1;
				c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0)
					close(c);
				*spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
				if (c >= 0)
					continue;
			}
			return 0;
		default:
			fprintf(stderr, "%s: accept: %s\n", prog,
				strerror(errno));
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	const char *readyfile = NULL, *specfile = NULL;
	struct ep_addr *addrs = NULL;
	int *fds = NULL;
	long n, i;
	int ep = -1, sfd = -1, spare = -1, rc = 1, opt;
	sigset_t mask;
	struct epoll_event ev;

	if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
		const char *slash = strrchr(argv[0], '/');
		prog = slash != NULL ? slash + 1 : argv[0];
	}
	while ((opt = getopt(argc, argv, "r:h")) != -1) {
		switch (opt) {
		case 'r':
			readyfile = optarg;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	specfile = argv[optind];

	raise_nofile();

	/* Signals are taken through a signalfd; reset dispositions first so
	 * that a SIGINT ignored by a non-interactive parent shell still
	 * reaches us. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0) {
		fprintf(stderr, "%s: sigprocmask: %s\n", prog, strerror(errno));
		return 1;
	}
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(errno));
		return 1;
	}

	n = read_spec(specfile, &addrs);
	if (n < 0) {
		rc = 2;
		goto out;
	}

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		fprintf(stderr, "%s: epoll_create1: %s\n", prog,
			strerror(errno));
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) != 0) {
		fprintf(stderr, "%s: epoll_ctl: %s\n", prog, strerror(errno));
		goto out;
	}

	fds = calloc((size_t)(n > 0 ? n : 1), sizeof(*fds));
	if (fds == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		fds[i] = open_listener(&addrs[i]);
		if (fds[i] < 0) {
			rc = 2;
			goto out;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fds[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) {
			fprintf(stderr, "%s: epoll_ctl %s: %s\n", prog,
				addrs[i].text, strerror(errno));
			goto out;
		}
	}
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (write_ready(readyfile) != 0)
		goto out;

	for (;;) {
		struct epoll_event evs[EP_MAXEVENTS];
		int k, got = epoll_wait(ep, evs, EP_MAXEVENTS, -1);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: epoll_wait: %s\n", prog,
				strerror(errno));
			goto out;
		}
		for (k = 0; k < got; k++) {
			if (evs[k].data.fd == sfd) {
				struct signalfd_siginfo si;
				ssize_t r = read(sfd, &si, sizeof(si));
				if (r == (ssize_t)sizeof(si) ||
				    (r < 0 && errno != EAGAIN)) {
					rc = 0;
					goto out;
				}
				continue;
			}
			if (drain(evs[k].data.fd, &spare) != 0)
				goto out;
		}
	}

out:
	if (fds != NULL) {
		for (i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	if (spare >= 0)
		close(spare);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	free(fds);
	free(addrs);
	return rc;
}
