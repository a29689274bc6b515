/* backend: the private contract between the loop core and an I/O
 * multiplexer. A backend keeps only its system-call state; the core owns
 * callbacks, masks and the stale-event guard. */
#ifndef PARLEY_LOOP_BACKEND_H
#define PARLEY_LOOP_BACKEND_H

/* One ready descriptor as reported by a backend. */
struct loop_fired {
	int fd;
	unsigned events; /* LOOP_READ / LOOP_WRITE; errors report both */
	unsigned gen;    /* filled in by the core, not the backend */
};

struct backend {
	const char *name;
	const char *wait_call; /* the system call that waits, for --trace */
	int fd_limit; /* first fd the backend cannot handle */
	/* Returns backend state, or NULL with errno set. */
	void *(*create)(void);
	void (*destroy)(void *state);
	/* Moves `fd` from interest `old_mask` to `new_mask`; 0 or -errno. */
	int (*set)(void *state, int fd, unsigned old_mask, unsigned new_mask);
	/* Waits up to `timeout_ms` (-1 = forever); fills at most `max` entries.
	 * Returns the count, 0 on timeout or EINTR, or a negative errno. */
	int (*poll)(void *state, struct loop_fired *fired, int max, int timeout_ms);
};

extern const struct backend backend_epoll;
extern const struct backend backend_poll;
extern const struct backend backend_select;

#endif
