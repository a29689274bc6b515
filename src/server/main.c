/* main: parleyd's entry point — parse options, run the server, exit. The
 * only place in the server that exits. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>

#include <string.h>

#include "server/options.h"
#include "server/redis_tls.h"
#include "server/server.h"
#include "cluster/store_redis.h"
#include "store/admin.h"

/* Connections are descriptors: use all the kernel lets us have. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* `parleyd [options] account ...`: the options before the word, then the
 * subcommand on the data directory, or on the accounts in Redis. */
static int run_account(int argc, char **argv, int at)
{
	static struct options opt;
	char err[512];
	if (options_parse(at, argv, &opt, err, sizeof(err)) == OPTIONS_BAD) {
		fprintf(stderr, "parleyd: %s\n", err);
		return 2;
	}
	if (opt.redis_port && opt.data_dir) {
		fprintf(stderr, "parleyd: account takes --data-dir DIR or --redis HOST:PORT, "
				"not both\n");
		return 2;
	}
	if (opt.redis_port) {
		/* A write to a Redis that hung up (a TLS one refusing us after
		 * the handshake) must fail with a reason, not kill us. */
		signal(SIGPIPE, SIG_IGN);
		struct redis_tls tls;
		if (!redis_tls_open(&tls, &opt, err, sizeof(err))) {
			fprintf(stderr, "parleyd: %s\n", err);
			return 2;
		}
		struct store_redis_config cfg = {
			.host = opt.redis_host,
			.port = opt.redis_port,
			.password = opt.redis_password,
			.transport = redis_tls_transport(&tls, false),
		};
		int rc = store_redis_admin(&cfg, argc - at - 1, argv + at + 1, stdin, stdout,
					   stderr);
		redis_tls_close(&tls);
		return rc;
	}
	if (!opt.data_dir) {
		fprintf(stderr, "parleyd: account needs --data-dir DIR or --redis HOST:PORT\n");
		return 2;
	}
	return store_admin_run(opt.data_dir, argc - at - 1, argv + at + 1, stdin, stdout, stderr);
}

int main(int argc, char **argv)
{
	static struct options opt;
	static struct server server;
	char err[512];
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "account") == 0)
			return run_account(argc, argv, i);
	switch (options_parse(argc, argv, &opt, err, sizeof(err))) {
	case OPTIONS_HELP:
		options_usage(stdout);
		return 0;
	case OPTIONS_BAD:
		/* One line and a pointer, as `parley` does: the full help
		 * would bury the error. */
		fprintf(stderr, "parleyd: %s\nTry 'parleyd --help' for more information.\n", err);
		return 2;
	case OPTIONS_RUN:
		break;
	}
	raise_fd_limit();
	bool ok = server_init(&server, &opt, err, sizeof(err));
	int rc = ok ? server_run(&server) : 0;
	server_fini(&server);
	if (!ok) {
		fprintf(stderr, "parleyd: %s\n", err);
		return server.bad_config ? 2 : 1;
	}
	return rc < 0 ? 1 : 0;
}
