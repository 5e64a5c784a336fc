/* libFuzzer: a POST /cmd body as the web server reads it, and the command
 * it makes written back as text and read again (what a follower forwards). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/cmd.h"
#include "../../daemon/http/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct show_cmd cmd, again;
	char err[256], line[CMD_LINE_MAX];

	if (web_parse_command((const char *)data, size, &cmd, err, sizeof(err)) < 0)
		return 0;
	cmd_text(&cmd, line, sizeof(line));
	if (cmd_parse_show(line, SHOW_SRC_MQTT, &again, err, sizeof(err)) < 0 || again.kind != cmd.kind ||
	    again.arg != cmd.arg || strcmp(again.text, cmd.text) != 0)
		abort();	/* what was taken once must read back the same */
	return 0;
}
