/* fuzz: what every target in tests/fuzz shares. Each fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput(); clang links it with libFuzzer (make fuzz), any
 * compiler links it with replay.c to run a corpus as a regression test
 * (make fuzz-regress). FUZZ_CHECK turns a broken invariant into an abort,
 * which libFuzzer reports as a crash and saves the input for. */
#ifndef PARLEY_TESTS_FUZZ_H
#define PARLEY_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer entry point: runs one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static inline void fuzz_fail(const char *what, const char *file,
							 int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

#define FUZZ_CHECK(cond)                                          \
	do {                                                      \
		if (!(cond))                                      \
			fuzz_fail(#cond, __FILE__, __LINE__);     \
	} while (0)

/* Deterministic pseudo-random numbers (xorshift64*) for chunking input. */
static inline uint64_t fuzz_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif
