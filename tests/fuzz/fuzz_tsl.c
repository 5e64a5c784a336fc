/* libFuzzer: TSL UMD 3.1 packets, 5.0 packets (with and without DLE/STX)
 * and the 5.0 TCP stream cut into pieces the input's first byte chooses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/tsl.h"
#include "../../core/util.h"

static void seen(void *ctx, const struct tsl_display *d)
{
	/* Whatever came in, the text is UTF-8 a log line may carry. */
	if (!utf8_valid(d->text, strlen(d->text)) || d->tally > TSL_BOTH)
		abort();
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tsl5_stream s;
	struct tsl_display d;
	char err[160];
	size_t step;

	if (tsl31_parse(data, size, 1, 2, &d, err, sizeof(err)) == 0)
		seen(NULL, &d);
	tsl5_parse(data, size, seen, NULL, err, sizeof(err));
	if (size == 0)
		return 0;
	step = (size_t)data[0] % 7 + 1;
	tsl5_stream_init(&s);
	for (size_t at = 1; at < size; at += step)
		tsl5_stream_feed(&s, data + at, size - at < step ? size - at : step, seen, NULL, err, sizeof(err));
	return 0;
}
