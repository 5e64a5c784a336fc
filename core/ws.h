/* The client half of WebSocket (RFC 6455) that a tally source needs:
 * the opening handshake, masked frames out, and a bounded decoder for
 * the server's frames in. Pure: the caller owns the socket, the clock and
 * the random mask keys. No extensions and no subprotocol beyond JSON text
 * are offered, so none can be agreed. */
#ifndef ONAIR_WS_H
#define ONAIR_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode { WS_CONT = 0x0, WS_TEXT = 0x1, WS_BINARY = 0x2, WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xA };

#define WS_KEY_LEN 24		/* base64 of 16 random bytes */
#define WS_MESSAGE_MAX (256 * 1024)
#define WS_CLOSE_NONE 0		/* a close frame without a code */

/* The key of one handshake from 16 random bytes. */
void ws_key(const uint8_t random16[16], char key[WS_KEY_LEN + 1]);
/* The upgrade request for host:port and path; its length, or -1 when it
 * does not fit. */
int ws_request(char *buf, size_t len, const char *host, int port, const char *path,
	       const char *key, const char *protocol);
/* The server's answer so far: 0 while its header is incomplete, the
 * header's length once it is a valid 101 for key, -1 and why when not. */
int ws_response(const char *buf, size_t len, const char *key, char *err, size_t errlen);

/* One client frame (always masked, always final); its length, or -1. */
int ws_frame(uint8_t *out, size_t cap, enum ws_opcode op, const void *payload, size_t len,
	     const uint8_t mask[4]);

/* The server's frames, fed as they arrive. A message (fragments joined)
 * or control frame goes to cb; anything that breaks the protocol stops the
 * decoder with why (the caller closes). */
typedef void (*ws_message_cb)(void *ctx, enum ws_opcode op, const uint8_t *data, size_t len);

struct ws_reader {
	uint8_t head[14];
	size_t head_len;
	uint64_t payload_len, got;
	enum ws_opcode op;		/* this frame's */
	bool fin;
	uint8_t control[125];		/* a control frame's payload */
	uint8_t *message;		/* a data message being joined */
	size_t message_len;
	enum ws_opcode message_op;
	bool in_message;
	bool failed;
};

void ws_reader_init(struct ws_reader *r);
void ws_reader_free(struct ws_reader *r);
/* 0, or -1 and why once the stream is broken (every later call too). */
int ws_reader_feed(struct ws_reader *r, const uint8_t *data, size_t len, ws_message_cb cb, void *ctx,
		   char *err, size_t errlen);
/* The status code a close frame carries (WS_CLOSE_NONE when none). */
int ws_close_code(const uint8_t *data, size_t len);

#endif
