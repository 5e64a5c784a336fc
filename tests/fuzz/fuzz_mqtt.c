/* libFuzzer: every MQTT payload the daemon reads: commands, states, node
 * statuses, and what a floor box takes from every room (its topic too:
 * the input's first line). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/floor/floor.h"

#include "../../daemon/mqtt/mqttmsg.h"
#include "../../daemon/show/persist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct mqttmsg_cmd m;
	struct show_state s;
	char err[200], a[64], b[64];
	uint64_t seq;
	uint32_t hash;
	struct onair_time now = { 1000000, 1795300000000LL };

	mqttmsg_parse_cmd(text, size, now.wall, 2000, &m, err, sizeof(err));
	mqttmsg_state_peek(text, size, a, sizeof(a), b, sizeof(b), &seq, err, sizeof(err));
	persist_decode(text, size, &s, now, "fuzz-boot", &hash, err, sizeof(err));
	mqttmsg_status_peek(text, size, a, sizeof(a), b, sizeof(b));
	{
		static struct mqttmsg_state st;

		/* The follower's one parse of a state, its camera's tally too. */
		mqttmsg_state_decode(text, size, now, "fuzz-boot", 3, &st, err, sizeof(err));
	}
	{
		static const char *const topics[] = { "onair/a/state", "onair/b/node/desk/status",
						      "onair/c/selftest/cam1" };
		const char *nl = memchr(text, '\n', size < 200 ? size : 200);
		char topic[256];

		for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
			floor_message(topics[i], text, size);
		if (nl) {
			memcpy(topic, text, (size_t)(nl - text));
			topic[nl - text] = '\0';
			floor_message(topic, nl + 1, size - (size_t)(nl - text) - 1);
		}
	}
	return 0;
}
