/* libFuzzer: the INI config parser (inih behind our line reader). */
#include <stdint.h>
#include <stdlib.h>

#include "../../daemon/config/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c;
	struct diag d = { 0 };

	conf_defaults(&c);
	conf_parse_text(&c, "fuzz.conf", (const char *)data, size, &d);
	diag_free(&d);
	return 0;
}
