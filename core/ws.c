/* WebSocket client pieces (see ws.h), after RFC 6455 sections 4.1-4.2
 * (handshake) and 5 (framing). SHA-1 and base64 are nettle's. */
#include <ctype.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ws.h"

/* RFC 6455 4.2.2: the GUID every server appends to the key. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

#define HEADER_MAX 4096

void ws_key(const uint8_t random16[16], char key[WS_KEY_LEN + 1])
{
	base64_encode_raw(key, 16, random16);
	key[WS_KEY_LEN] = '\0';
}

int ws_request(char *buf, size_t len, const char *host, int port, const char *path,
	       const char *key, const char *protocol)
{
	bool v6 = strchr(host, ':') != NULL;
	int n = snprintf(buf, len,
			 "GET %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
			 "%s%s%s\r\n",
			 path, v6 ? "[" : "", host, v6 ? "]" : "", port, key,
			 protocol ? "Sec-WebSocket-Protocol: " : "", protocol ? protocol : "", protocol ? "\r\n" : "");

	return n < 0 || (size_t)n >= len ? -1 : n;
}

static void expected_accept(const char *key, char out[29])
{
	struct sha1_ctx sha;
	uint8_t digest[SHA1_DIGEST_SIZE];

	sha1_init(&sha);
	sha1_update(&sha, strlen(key), (const uint8_t *)key);
	sha1_update(&sha, sizeof(ws_guid) - 1, (const uint8_t *)ws_guid);
	sha1_digest(&sha, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[28] = '\0';
}

/* Does a comma-separated header value hold token (case-insensitive)? */
static bool has_token(const char *value, size_t len, const char *token)
{
	size_t tlen = strlen(token), i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
			i++;
		start = i;
		while (i < len && value[i] != ',')
			i++;
		end = i;
		while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
			end--;
		if (end - start == tlen && strncasecmp(value + start, token, tlen) == 0)
			return true;
	}
	return false;
}

int ws_response(const char *buf, size_t len, const char *key, char *err, size_t errlen)
{
	const char *end = NULL, *line, *next;
	bool upgrade = false, connection = false, accept = false;
	char want[29];
	size_t header_len;

	for (size_t i = 0; i + 3 < len && i < HEADER_MAX; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i;
			break;
		}
	if (!end) {
		if (len >= HEADER_MAX) {
			snprintf(err, errlen, "the answer's header is over %d bytes", HEADER_MAX);
			return -1;
		}
		return 0;
	}
	header_len = (size_t)(end - buf) + 4;
	if (len < 12 || memcmp(buf, "HTTP/1.1 101", 12) != 0) {
		const char *cr = memchr(buf, '\r', header_len);
		size_t n = cr ? (size_t)(cr - buf) : 0;

		if (n > 60)
			n = 60;
		snprintf(err, errlen, "not a WebSocket server (it answered \"%.*s\")", (int)n, buf);
		for (char *p = err; *p; p++)
			if (!isprint((unsigned char)*p))
				*p = '?';
		return -1;
	}
	expected_accept(key, want);
	for (line = (const char *)memchr(buf, '\n', header_len) + 1; line < end; line = next + 1) {
		const char *colon, *value;
		size_t name_len, value_len;

		next = memchr(line, '\n', (size_t)(end + 2 - line));
		if (!next)
			break;
		colon = memchr(line, ':', (size_t)(next - line));
		if (!colon)
			continue;
		name_len = (size_t)(colon - line);
		value = colon + 1;
		while (value < next && (*value == ' ' || *value == '\t'))
			value++;
		value_len = (size_t)(next - value);
		while (value_len && (value[value_len - 1] == '\r' || value[value_len - 1] == ' '))
			value_len--;
		if (name_len == 7 && strncasecmp(line, "Upgrade", 7) == 0)
			upgrade |= has_token(value, value_len, "websocket");
		else if (name_len == 10 && strncasecmp(line, "Connection", 10) == 0)
			connection |= has_token(value, value_len, "upgrade");
		else if (name_len == 20 && strncasecmp(line, "Sec-WebSocket-Accept", 20) == 0)
			accept = value_len == 28 && memcmp(value, want, 28) == 0;
		else if (name_len == 24 && strncasecmp(line, "Sec-WebSocket-Extensions", 24) == 0) {
			snprintf(err, errlen, "the server chose an extension that was not offered");
			return -1;
		}
	}
	if (!upgrade || !connection || !accept) {
		snprintf(err, errlen, "a 101 answer without %s", !upgrade ? "\"Upgrade: websocket\"" :
			 !connection ? "\"Connection: Upgrade\"" : "the right Sec-WebSocket-Accept");
		return -1;
	}
	return (int)header_len;
}

int ws_frame(uint8_t *out, size_t cap, enum ws_opcode op, const void *payload, size_t len,
	     const uint8_t mask[4])
{
	const uint8_t *p = payload;
	size_t head = len < 126 ? 2 : len <= 0xffff ? 4 : 10;

	if (cap < head + 4 || len > cap - head - 4)
		return -1;
	out[0] = (uint8_t)(0x80 | op);
	if (len < 126) {
		out[1] = (uint8_t)(0x80 | len);
	} else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	memcpy(out + head, mask, 4);
	for (size_t i = 0; i < len; i++)
		out[head + 4 + i] = p[i] ^ mask[i % 4];
	return (int)(head + 4 + len);
}

void ws_reader_init(struct ws_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void ws_reader_free(struct ws_reader *r)
{
	free(r->message);
	ws_reader_init(r);
}

static int fail(struct ws_reader *r, char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	r->failed = true;
	return -1;
}

static size_t head_needed(const struct ws_reader *r)
{
	if (r->head_len < 2)
		return 2;
	switch (r->head[1] & 0x7f) {
	case 126: return 4;
	case 127: return 10;
	default: return 2;
	}
}

/* A whole frame header is in: check it and get ready for its payload. */
static int frame_begins(struct ws_reader *r, char *err, size_t errlen)
{
	uint8_t len7 = r->head[1] & 0x7f;

	r->fin = r->head[0] & 0x80;
	r->op = (enum ws_opcode)(r->head[0] & 0x0f);
	r->got = 0;
	if (r->head[0] & 0x70)
		return fail(r, err, errlen, "a frame with reserved bits set (no extension was agreed)");
	if (r->head[1] & 0x80)
		return fail(r, err, errlen, "a masked frame from the server");
	if (len7 < 126) {
		r->payload_len = len7;
	} else if (len7 == 126) {
		r->payload_len = (uint64_t)r->head[2] << 8 | r->head[3];
	} else {
		r->payload_len = 0;
		for (int i = 0; i < 8; i++)
			r->payload_len = r->payload_len << 8 | r->head[2 + i];
		if (r->payload_len >> 63)
			return fail(r, err, errlen, "a frame length with its top bit set");
	}
	switch (r->op) {
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
		if (!r->fin || r->payload_len > sizeof(r->control))
			return fail(r, err, errlen, "a fragmented or oversized control frame");
		return 0;
	case WS_TEXT:
	case WS_BINARY:
		if (r->in_message)
			return fail(r, err, errlen, "a new message inside a fragmented one");
		r->in_message = true;
		r->message_op = r->op;
		r->message_len = 0;
		break;
	case WS_CONT:
		if (!r->in_message)
			return fail(r, err, errlen, "a continuation with no message begun");
		break;
	default:
		return fail(r, err, errlen, "a frame with an unknown opcode");
	}
	if (r->payload_len > WS_MESSAGE_MAX - r->message_len)
		return fail(r, err, errlen, "a message over 256 KiB");
	if (!r->message && !(r->message = malloc(WS_MESSAGE_MAX)))
		return fail(r, err, errlen, "out of memory");
	return 0;
}

static void frame_ends(struct ws_reader *r, ws_message_cb cb, void *ctx)
{
	r->head_len = 0;
	if (r->op >= WS_CLOSE) {
		cb(ctx, r->op, r->control, (size_t)r->payload_len);
		return;
	}
	if (!r->fin)
		return;
	r->in_message = false;
	cb(ctx, r->message_op, r->message, r->message_len);
}

int ws_reader_feed(struct ws_reader *r, const uint8_t *data, size_t len, ws_message_cb cb, void *ctx,
		   char *err, size_t errlen)
{
	size_t i = 0;

	if (r->failed)
		return fail(r, err, errlen, "the stream broke earlier");
	while (i < len) {
		size_t need = head_needed(r);

		if (r->head_len < need) {
			r->head[r->head_len++] = data[i++];
			if (r->head_len == need && head_needed(r) == need) {
				if (frame_begins(r, err, errlen) < 0)
					return -1;
				if (r->payload_len == 0)
					frame_ends(r, cb, ctx);
			}
			continue;
		}
		/* Payload bytes of the current frame. */
		{
			size_t take = len - i;

			if (take > r->payload_len - r->got)
				take = (size_t)(r->payload_len - r->got);
			if (r->op >= WS_CLOSE) {
				memcpy(r->control + r->got, data + i, take);
			} else {
				memcpy(r->message + r->message_len, data + i, take);
				r->message_len += take;
			}
			r->got += take;
			i += take;
			if (r->got == r->payload_len)
				frame_ends(r, cb, ctx);
		}
	}
	return 0;
}

int ws_close_code(const uint8_t *data, size_t len)
{
	return len >= 2 ? data[0] << 8 | data[1] : WS_CLOSE_NONE;
}
