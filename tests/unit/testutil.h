/* testutil: header-only helpers shared by the unit tests (each test file is
 * its own program, so everything here is static inline).
 *
 * guarded: a buffer whose last usable byte is followed by a PROT_NONE page.
 * Placing a parser's input at the very end of it turns any read past the
 * input into an immediate SIGSEGV instead of a silent pass. */
#ifndef PARLEY_TESTS_TESTUTIL_H
#define PARLEY_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct guarded {
	char *base;    /* start of the mapping */
	size_t usable; /* bytes before the guard page */
	size_t page;
};

/* Maps room for inputs of up to `max_len` bytes plus one guard page;
 * aborts if the system refuses (a test cannot run without it). */
static inline void guarded_init(struct guarded *g, size_t max_len)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (max_len + g->page - 1) / g->page;
	if (pages == 0)
		pages = 1;
	g->usable = pages * g->page;
	void *p = mmap(NULL, g->usable + g->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort();
	g->base = p;
	if (mprotect(g->base + g->usable, g->page, PROT_NONE) != 0)
		abort();
}

/* Copies `n` bytes so that they end exactly at the guard page and returns
 * their new address. */
static inline char *guarded_put(struct guarded *g, const void *data, size_t n)
{
	if (n > g->usable)
		abort();
	char *dst = g->base + g->usable - n;
	if (n)
		memmove(dst, data, n);
	return dst;
}

static inline void guarded_free(struct guarded *g)
{
	munmap(g->base, g->usable + g->page);
	g->base = NULL;
}

/* Defines the file's `guard` and the cmocka group `setup`/`teardown` that
 * map it for inputs of up to `max_len` bytes and unmap it afterwards. */
#define GUARDED_GROUP(max_len)                                 \
	static struct guarded guard;                           \
	static int setup(void **state)                         \
	{                                                      \
		(void)state;                                   \
		guarded_init(&guard, (max_len));               \
		return 0;                                      \
	}                                                      \
	static int teardown(void **state)                      \
	{                                                      \
		(void)state;                                   \
		guarded_free(&guard);                          \
		return 0;                                      \
	}

/* Deterministic pseudo-random numbers (xorshift64*), so that "random"
 * tests replay identically. */
static inline unsigned long long test_rand(unsigned long long *state)
{
	unsigned long long x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif
