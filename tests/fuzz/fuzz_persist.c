/* libFuzzer: the saved show state and the show log (report, summary) readers. */
#include <stdint.h>
#include <stdlib.h>

#include "../../daemon/show/persist.h"
#include "../../daemon/show/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct show_state s;
	struct onair_time now = { 5000000, 1795300000000LL };
	uint32_t hash;
	char err[160];
	struct report_summary sum;

	persist_decode((const char *)data, size, &s, now, "fuzz-boot", &hash, err, sizeof(err));
	free(report_build((const char *)data, size, (enum report_format)(size % 3)));
	report_summarize((const char *)data, size, &sum);
	return 0;
}
