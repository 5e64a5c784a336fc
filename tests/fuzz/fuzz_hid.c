/* libFuzzer: HID reports from a pedal, against every model's format, the
 * generic format's BYTE.BIT positions, and report descriptors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/pedalreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const models[] = { "streamdeck", "infinity", "pcsensor" };
	bool down[PEDAL_MAX];
	char why[96], *text;
	int byte, bit;
	bool capped;

	pedalreport_longest_input(data, size);
	if (size >= 2)
		pedalreport_read_length(data + 2, size - 2, data[0] | data[1] << 8, pedalreport_model("streamdeck"),
					&capped);
	for (size_t i = 0; i < 3; i++)
		pedalreport_parse(pedalreport_model(models[i]), data, size, down, why, sizeof(why));
	text = strndup((const char *)data, size);
	if (text && size) {
		struct pedalreport_format f = { .kind = PEDALREPORT_BYTES, .report_id = data[0] & 1 ? -1 : 1,
						.length = 1 + data[0] % PEDAL_REPORT_MAX,
						.max_length = PEDAL_REPORT_MAX, .pedals = 1 };

		if (pedalreport_position(text, f.length, &byte, &bit)) {
			f.byte[0] = byte;
			f.bit[0] = bit;
			pedalreport_parse(&f, data, size, down, why, sizeof(why));
		}
	}
	free(text);
	return 0;
}
