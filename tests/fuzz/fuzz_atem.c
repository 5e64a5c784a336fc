/* libFuzzer: what an ATEM sends. The input is cut into datagrams (each
 * chunk's first byte says how long it is): each goes in raw, and again as
 * the payload of the session's next packet, so the commands inside are
 * reached without the fuzzer having to guess headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/atem.h"
#include "../../core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct atem a;
	uint8_t hello[20], reply[ATEM_HEADER + 8], p[ATEM_PACKET_MAX];
	const uint8_t accept[20] = { 0x10, 20, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 5 };
	size_t reply_len;

	atem_reset(&a);
	atem_hello(&a, 0x1234, hello);
	if (atem_datagram(&a, accept, sizeof(accept), reply, &reply_len) != ATEM_OPENED)
		abort();
	for (size_t at = 0; at < size;) {
		size_t n = data[at++] * 8u;

		if (n > size - at)
			n = size - at;
		atem_datagram(&a, data + at, n, reply, &reply_len);
		if (n <= ATEM_PACKET_MAX - ATEM_HEADER - 1 && a.state == ATEM_OPEN) {
			size_t len = ATEM_HEADER + n;
			uint16_t next = (uint16_t)((a.last_remote + 1) & 0x7FFF);

			memset(p, 0, ATEM_HEADER);
			p[0] = (uint8_t)(0x08 | len >> 8);
			p[1] = (uint8_t)len;
			p[2] = (uint8_t)(a.session >> 8);
			p[3] = (uint8_t)a.session;
			p[10] = (uint8_t)(next >> 8);
			p[11] = (uint8_t)next;
			memcpy(p + ATEM_HEADER, data + at, n);
			atem_datagram(&a, p, len, reply, &reply_len);
		}
		if (reply_len > sizeof(reply) || a.nsources > ATEM_SOURCES_MAX)
			abort();
		at += n;
	}
	for (int i = 0; i < a.nsources; i++)
		if (!utf8_valid(a.source[i].name, strlen(a.source[i].name)) ||
		    (a.source[i].tally > 3 && a.source[i].tally != ATEM_TALLY_UNKNOWN))
			abort();
	if (!utf8_valid(a.product, strlen(a.product)) || !utf8_valid(a.last_error, strlen(a.last_error)))
		abort();
	return 0;
}
