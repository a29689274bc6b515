/* parley: the terminal client for parleyd. main() parses the command line,
 * connects, and hands the socket to one of two modes: interactive (tty.c)
 * when standard input is a terminal, filter (filter.c) otherwise. It is the
 * only place that decides the exit status. */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "connect.h"
#include "filter.h"
#include "options.h"
#include "tty.h"
#include "loop/loop.h"
#include "tls/tls.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* A closed 0, 1 or 2 would be handed to the socket and then read or
 * written by mistake; park /dev/null there instead. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

static int parse(int argc, char **argv, struct options *opt)
{
	char err[256];
	switch (options_parse(argc, argv, opt, err, sizeof(err))) {
	case OPT_HELP:
		options_help(stdout);
		return 0;
	case OPT_USAGE:
		fprintf(stderr, "parley: %s\n", err);
		options_usage(stderr);
		return EXIT_USAGE;
	case OPT_RUN:
		break;
	}
	return -1;
}

/* A trust store that cannot be read is a usage error, said before
 * connecting (the session loads its own copy). */
static bool tls_usable(const struct options *opt)
{
	if (!opt->tls)
		return true;
	struct tls_client_config tc = {opt->ca_file, opt->host, opt->insecure};
	char err[512];
	struct tls_client *c = tls_client_create(&tc, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "parley: %s\n", err);
		return false;
	}
	tls_client_destroy(c);
	return true;
}

static int run(struct loop *loop, const struct options *opt)
{
	char err[256];
	if (!tls_usable(opt))
		return EXIT_USAGE;
	int fd = connect_tcp(loop, opt->host, opt->port, opt->connect_ms, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "parley: %s\n", err);
		return EXIT_FAIL;
	}
	if (isatty(0))
		return tty_run(loop, opt, fd);
	return filter_run(loop, opt, fd);
}

int main(int argc, char **argv)
{
	struct options opt;
	int status = parse(argc, argv, &opt);
	if (status >= 0)
		return status;
	ensure_std_fds();
	setlocale(LC_ALL, ""); /* readline needs the locale for multibyte input */
	char err[256];
	/* The client runs on epoll; the loop makes it a one-word choice. */
	struct loop *loop = loop_create("epoll", err, sizeof(err));
	if (!loop) {
		fprintf(stderr, "parley: %s\n", err);
		return EXIT_FAIL;
	}
	status = run(loop, &opt);
	loop_destroy(loop);
	return status;
}
