/* Pedal report formats (see pedalreport.h). Where each layout comes from:
 * Stream Deck Pedal: report id 1, pedals in bytes 4..6, as both public
 *   libraries read it (python-elgato-streamdeck,
 *   src/StreamDeck/Devices/StreamDeckPedal.py; node-elgato-stream-deck,
 *   packages/core/src/models/pedal.ts);
 * Infinity IN-USB (05f3:00ff): two bytes, no report id, bits 0..2 of byte
 *   0 left, middle, right (its entry in Linux's drivers/hid/hid-ids.h, and
 *   the evtest captures of georgemck/vec-footpedal-hid-linux);
 * PCsensor FootSwitch: a boot keyboard with report id 1 (rgerganov/
 *   footswitch, src/footswitch.c, and udev-hid-bpf merge request 102). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pedalreport.h"

static const struct {
	const char *name;
	struct pedalreport_format f;
} models[] = {
	/* Elgato Stream Deck Pedal: id 1, three header bytes, then one byte a
	 * pedal; its libraries read 7 bytes, so longer is taken as padding. */
	{ "streamdeck", { PEDALREPORT_BYTES, 1, 7, PEDAL_REPORT_MAX, 3, { 4, 5, 6 }, { -1, -1, -1 }, { 0 } } },
	/* Infinity IN-USB-1/2: no report id, two bytes, bits 0..2 of byte 0. */
	{ "infinity", { PEDALREPORT_BYTES, -1, 2, 2, 3, { 0, 0, 0 }, { 0, 1, 2 }, { 0 } } },
	/* PCsensor/iKKEGOL: a keyboard with report id 1 (modifier, reserved,
	 * six keys); as shipped one pedal, sending any key. */
	{ "pcsensor", { PEDALREPORT_KEYS, 1, 9, 9, 1, { 0 }, { 0 }, { 0 } } },
};

const struct pedalreport_format *pedalreport_model(const char *name)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (strcmp(models[i].name, name) == 0)
			return &models[i].f;
	return NULL;
}

bool pedalreport_position(const char *text, int length, int *byte, int *bit)
{
	char *end;
	long b = strtol(text, &end, 10), t = -1;

	if (end == text || b < 0 || b >= length)
		return false;
	if (*end == '.') {
		const char *p = end + 1;

		t = strtol(p, &end, 10);
		if (end == p || t < 0 || t > 7)
			return false;
	}
	if (*end)
		return false;
	*byte = (int)b;
	*bit = (int)t;
	return true;
}

int pedalreport_parse(const struct pedalreport_format *f, const uint8_t *buf, size_t len,
		      bool down[PEDAL_MAX], char *why, size_t whylen)
{
	if (len == 0)
		return 0;
	if (f->report_id >= 0 && buf[0] != f->report_id)
		return 0;
	if (len < (size_t)f->length) {
		snprintf(why, whylen, "short report: %zu bytes, expected %d", len, f->length);
		return -1;
	}
	if (len > (size_t)f->max_length) {
		snprintf(why, whylen, "oversized report: %zu bytes, expected %d", len, f->length);
		return -1;
	}
	memset(down, 0, sizeof(bool) * PEDAL_MAX);
	if (f->kind == PEDALREPORT_BYTES) {
		for (int i = 0; i < f->pedals; i++)
			down[i] = f->bit[i] < 0 ? buf[f->byte[i]] != 0
						: (buf[f->byte[i]] >> f->bit[i]) & 1;
		return 1;
	}
	/* Keys: bytes 3..8 hold up to six key codes after id, modifier, reserved. */
	for (size_t k = 3; k < len; k++) {
		if (!buf[k])
			continue;
		for (int i = 0; i < f->pedals; i++)
			down[i] |= f->key[i] == 0 || f->key[i] == buf[k];
	}
	if (f->pedals > 0 && f->key[0] == 0 && buf[1])
		down[0] = true;	/* a pedal programmed as a bare modifier */
	return 1;
}

/* Only what sizes an input report is read: Report Size, Report Count and
 * Report ID (global items, kept across Push/Pop) and Input (main items);
 * long items are skipped (HID 1.11, 6.2.2). Written here because the
 * Debian libraries that parse descriptors do it inside a device stack
 * (the kernel's hid-core, hidapi's platform code), not as a function. */
int pedalreport_longest_input(const uint8_t *desc, size_t len)
{
	struct globals {
		uint32_t size, count, id;
	} g = { 0, 0, 0 }, stack[4];
	uint64_t bits[256] = { 0 }, longest = 0;
	int depth = 0;
	bool ids = false;

	for (size_t i = 0; i < len;) {
		uint8_t prefix = desc[i];
		size_t n = (prefix & 3) == 3 ? 4 : prefix & 3;
		uint32_t v = 0;

		if (prefix == 0xfe) {	/* long item: size, tag, data */
			if (i + 1 >= len)
				return 0;
			i += 3 + (size_t)desc[i + 1];
			continue;
		}
		if (i + 1 + n > len)
			return 0;
		for (size_t k = 0; k < n; k++)
			v |= (uint32_t)desc[i + 1 + k] << (8 * k);
		i += 1 + n;
		switch (prefix & 0xfc) {
		case 0x74: g.size = v; break;
		case 0x94: g.count = v; break;
		case 0x84:
			g.id = v & 0xff;
			ids = true;
			break;
		case 0xa4:
			if (depth < 4)
				stack[depth++] = g;
			break;
		case 0xb4:
			if (depth > 0)
				g = stack[--depth];
			break;
		case 0x80:
			/* Bounded, so hostile sizes cannot wrap the sum. */
			bits[g.id] += (uint64_t)g.size * g.count;
			if (bits[g.id] > UINT32_MAX)
				bits[g.id] = UINT32_MAX;
			if (bits[g.id] > longest)
				longest = bits[g.id];
			break;
		default:
			break;
		}
	}
	if (!longest)
		return 0;
	longest = (longest + 7) / 8 + (ids ? 1 : 0);
	return longest > 65535 ? 65535 : (int)longest;
}

int pedalreport_read_length(const uint8_t *desc, size_t len, int max_packet_size,
			    const struct pedalreport_format *f, bool *capped)
{
	int packet = (max_packet_size & 0x7ff) * (1 + ((max_packet_size >> 11) & 3));
	int longest = desc ? pedalreport_longest_input(desc, len) : 0;

	if (longest < packet)
		longest = packet;
	if (longest < f->length)
		longest = f->length;
	*capped = longest > PEDAL_REPORT_MAX;
	return *capped ? PEDAL_REPORT_MAX : longest;
}
