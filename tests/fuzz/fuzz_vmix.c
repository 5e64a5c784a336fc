/* libFuzzer: what vMix sends on its TCP API, cut into reads the input's
 * first byte chooses: lines, lengths and the XML behind them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "../../core/vmix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmix v;
	static bool ready;
	char err[200];
	size_t step;

	if (!ready) {
		if (vmix_init(&v) < 0)
			abort();
		ready = true;
	}
	vmix_reset(&v);
	if (size == 0)
		return 0;
	step = (size_t)data[0] % 13 + 1;
	for (size_t at = 1; at < size; at += step)
		vmix_feed(&v, (const char *)data + at, size - at < step ? size - at : step, err, sizeof(err));
	/* Whatever came in: the tally is digits 0 to 2, titles are text a
	 * page may show, the counts stay in their bounds. */
	if (v.ninputs < 0 || v.ninputs > VMIX_INPUTS_MAX || strspn(v.tally, "012") != (size_t)v.ninputs ||
	    v.ntitles < 0 || v.ntitles > VMIX_INPUTS_MAX || v.len > VMIX_LINE_MAX)
		abort();
	for (int n = 0; n < v.ntitles; n++)
		if (!utf8_valid(v.title[n], strlen(v.title[n])))
			abort();
	if (!utf8_valid(v.last_error, strlen(v.last_error)) || !utf8_valid(v.version, strlen(v.version)))
		abort();
	return 0;
}
