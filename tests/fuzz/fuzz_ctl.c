/* libFuzzer: the control socket's request parser. */
#include <stdint.h>
#include <stdlib.h>

#include "../../daemon/control/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_request req;
	char err[160];

	cmd_parse((const char *)data, size, &req, err, sizeof(err));
	return 0;
}
