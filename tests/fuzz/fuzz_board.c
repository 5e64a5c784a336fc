/* libFuzzer: the board file parser and the GPIO line spec of device keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/board.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board b;
	struct board_spec spec;
	struct diag d = { 0 };
	char err[160], *text;

	board_parse_text(&b, "fuzz.conf", (const char *)data, size, &d);
	text = strndup((const char *)data, size);
	if (text) {
		board_resolve(&b, NULL, text, &spec, err, sizeof(err));
		board_resolve(NULL, "chip", text, &spec, err, sizeof(err));
		board_spec_format(&spec, err, sizeof(err));
	}
	free(text);
	diag_free(&d);
	return 0;
}
