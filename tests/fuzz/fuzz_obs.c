/* libFuzzer: what OBS sends, byte by byte: the WebSocket handshake's
 * answer, the frame decoder (the input cut into reads its first byte
 * chooses), and each whole text message through obs-websocket 5's logic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/obsws.h"
#include "../../core/util.h"
#include "../../core/ws.h"

static struct obsws o;

static void message(void *ctx, enum ws_opcode op, const uint8_t *data, size_t len)
{
	char err[200];

	(void)ctx;
	if (op == WS_TEXT) {
		obsws_message(&o, (const char *)data, len, "pw", err, sizeof(err));
		/* Whatever came in, a scene name is a printable string. */
		for (const char *p = o.program_scene; *p; p++)
			if ((unsigned char)*p < 0x20)
				abort();
		if (o.nout > OBSWS_OUT_MAX)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_reader r;
	char err[200];
	size_t step;

	ws_response((const char *)data, size, "dGhlIHNhbXBsZSBub25jZQ==", err, sizeof(err));
	if (size == 0)
		return 0;
	step = (size_t)data[0] % 7 + 1;
	obsws_init(&o);
	ws_reader_init(&r);
	for (size_t i = 1; i < size; i += step)
		if (ws_reader_feed(&r, data + i, size - i < step ? size - i : step, message, NULL, err, sizeof(err)) < 0)
			break;
	ws_reader_free(&r);
	obsws_free(&o);
	return 0;
}
