/* payload: letter-nibble header plus letter padding; see payload.h. */
#include "payload.h"

#include <string.h>

#define ONES 0x0101010101010101ull

static void put_nibbles(char *out, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		out[i] = (char)('a' + (v & 15u));
		v >>= 4;
	}
}

static char pad_char(size_t offset)
{
	return (char)('a' + offset % 26u);
}

void payload_stamp(char *out, const struct payload_hdr *h)
{
	put_nibbles(out, h->pub, 8);
	put_nibbles(out + 8, h->seq, 8);
	put_nibbles(out + 16, h->sent_ns, 16);
}

void payload_encode(char *out, size_t size, const struct payload_hdr *h)
{
	payload_stamp(out, h);
	for (size_t i = PAYLOAD_MIN; i < size; i++)
		out[i] = pad_char(i);
}

/* Decodes 8 letter digits at p (first = most significant) into 32 bits.
 * Subtracting 'a' from every byte leaves each valid digit in 0..15; any
 * byte outside 'a'..'p' leaves a high nibble set (a borrow from a byte
 * below 'a' only disturbs bytes that are themselves flagged or above). */
static inline bool get8(const char *p, uint32_t *out)
{
	uint64_t v;
	memcpy(&v, p, 8);
	uint64_t d = v - 'a' * ONES;
	if ((d & 0xF0 * ONES) != 0 || (v & 0x80 * ONES) != 0)
		return false;
	/* Little-endian load: byte 0 (most significant digit) is lowest. */
	d = ((d & 0x000F000F000F000Full) << 4) | ((d >> 8) & 0x000F000F000F000Full);
	d = ((d & 0x000000FF000000FFull) << 8) | ((d >> 16) & 0x000000FF000000FFull);
	*out = (uint32_t)(((d & 0xFFFFu) << 16) | ((d >> 32) & 0xFFFFu));
	return true;
}

bool payload_decode(const char *p, size_t len, struct payload_hdr *out)
{
	if (len < PAYLOAD_MIN)
		return false;
	if (len > PAYLOAD_MIN && p[len - 1] != pad_char(len - 1))
		return false;
	uint32_t hi, lo;
	if (!get8(p, &out->pub) || !get8(p + 8, &out->seq) || !get8(p + 16, &hi) ||
	    !get8(p + 24, &lo))
		return false;
	out->sent_ns = (uint64_t)hi << 32 | lo;
	return true;
}
