/* ws: the WebSocket frame codec (RFC 6455), pure. The decoder reads a
 * client's frames and enforces what a server must: masking, no reserved
 * bits (no extension is negotiated), known opcodes, short unfragmented
 * control frames, continuation frames only inside a fragmented message,
 * and a message size limit checked from the headers, before any payload is
 * buffered. The encoder writes a server's (unmasked) frame headers. Also
 * the handshake's Sec-WebSocket-Accept computation (SHA-1 + base64). */
#ifndef PARLEY_CODEC_WS_H
#define PARLEY_CODEC_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_CONTINUATION = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xA,
};

/* Close codes used here. */
enum {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_NO_STATUS = 1005, /* never sent: a close frame without a code */
	WS_CLOSE_BAD_DATA = 1007,  /* text not UTF-8 */
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
};

enum { WS_HEADER_MAX = 10, WS_CONTROL_MAX = 125, WS_ACCEPT_LEN = 28 };

enum ws_status {
	WS_FRAME,     /* a whole frame is at p[0..used) */
	WS_NEED_MORE, /* wait for more bytes; nothing consumed */
	WS_FAIL,      /* the peer broke the protocol: close with `code` */
};

struct ws_decoder {
	uint64_t max_message; /* largest data message (all fragments), inclusive */
	bool in_message;      /* a fragmented data message is under way */
	uint8_t message_opcode; /* WS_TEXT or WS_BINARY while in_message */
	uint64_t message_len;   /* payload bytes of that message so far */
};

struct ws_frame {
	uint8_t opcode;          /* as sent; WS_CONTINUATION for later fragments */
	uint8_t message_opcode;  /* data frames: WS_TEXT or WS_BINARY of the message */
	bool fin;
	bool message_done;       /* data frames: this frame ends its message */
	uint8_t key[4];          /* masking key */
	const char *payload;     /* masked payload, inside the input */
	size_t len;
	size_t used;             /* header + payload */
	uint16_t code;           /* WS_FAIL: the close code to send */
};

/* Decodes the next client frame of p[0..n) and advances the fragmentation
 * state. A limit or protocol failure is reported as soon as the header
 * shows it, whether or not the payload has arrived. */
enum ws_status ws_decode(struct ws_decoder *d, const char *p, size_t n, struct ws_frame *f);

/* Unmasks `len` bytes of `src` into `dst` (they may be the same). */
void ws_unmask(char *dst, const char *src, size_t len, const uint8_t key[4]);

/* Writes a server frame header (FIN set, no mask); returns its length. */
size_t ws_header(uint8_t opcode, uint64_t len, char out[WS_HEADER_MAX]);

/* True if a peer may send `code` in a close frame. */
bool ws_close_code_valid(uint16_t code);

/* Checks a close frame's payload: empty, or a valid code and UTF-8 reason.
 * Sets *code to the code (WS_CLOSE_NO_STATUS when empty) or to the close
 * code to answer with when the payload is bad; returns validity. */
bool ws_close_payload(const char *p, size_t len, uint16_t *code);

/* Sec-WebSocket-Accept for the client's key: base64(SHA-1(key + GUID)),
 * NUL-terminated. */
void ws_accept_key(const char *key, size_t len, char out[WS_ACCEPT_LEN + 1]);

/* SHA-1 of p[0..len) (for the handshake only: not for security). */
void ws_sha1(const void *p, size_t len, uint8_t digest[20]);

#endif
