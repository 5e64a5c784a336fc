/* libFuzzer: the CSV rundown parser and the INI segment line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/rundown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rundown r;
	struct diag d = { 0 };
	char *line;

	memset(&r, 0, sizeof(r));
	rundown_parse_csv(&r, "fuzz.csv", (const char *)data, size, &d);
	line = strndup((const char *)data, size);
	if (line)
		rundown_parse_segment(&r, line, "fuzz.conf", 1, &d);
	free(line);
	diag_free(&d);
	return 0;
}
