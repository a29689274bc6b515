/* payload: the bytes every published message carries. Printable ASCII only
 * (valid UTF-8 with no control bytes, so the chat protocol accepts it as
 * message text byte for byte):
 *
 *   PPPPPPPP SSSSSSSS TTTTTTTTTTTTTTTT abcdefgh...
 *   publisher  seq    send time (ns)   letters up to the requested size
 *
 * Each field is big-endian base 16 written with the letters 'a'..'p' (nibble
 * 0..15), no separators. Fixed 8-byte-aligned fields let the receiver decode
 * and validate 8 digits with a few word operations (the generator decodes
 * millions of these per second, so this matters). The padding repeats a-z by
 * offset, so a truncated or shifted payload fails the last-byte check.
 * Pure functions: no I/O, no allocation. */
#ifndef PARLEY_BENCH_PAYLOAD_H
#define PARLEY_BENCH_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	PAYLOAD_MIN = 32,           /* the three fields */
	PAYLOAD_MAX = 1 << 20,
	PAYLOAD_MAX_PUBLISHERS = 1 << 24,
};

struct payload_hdr {
	uint32_t pub;
	uint32_t seq;
	uint64_t sent_ns;
};

/* Writes a whole payload of `size` (>= PAYLOAD_MIN) bytes, padding included. */
void payload_encode(char *out, size_t size, const struct payload_hdr *h);

/* Rewrites only the header fields of a payload already padded by
 * payload_encode() (the cheap path for repeated sends). */
void payload_stamp(char *out, const struct payload_hdr *h);

/* Parses a payload of exactly `len` bytes; false if it is malformed. */
bool payload_decode(const char *p, size_t len, struct payload_hdr *out);

#endif
