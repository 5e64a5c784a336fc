/* What a USB foot pedal's input report says, as a pure function of its
 * bytes: which of up to three pedals are down. One format per model, and a
 * generic one built from the config. Fuzzed (tests/fuzz/fuzz_hid.c). */
#ifndef ONAIR_PEDALREPORT_H
#define ONAIR_PEDALREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEDAL_MAX 3
/* The longest report read: HID allows long ones (Elgato's HID reference
 * allows input reports of up to 512 bytes on the Stream Deck family). */
#define PEDAL_REPORT_MAX 1024

enum pedalreport_kind {
	PEDALREPORT_BYTES,	/* a pedal is down when its byte (and bit, if given) is set */
	PEDALREPORT_KEYS,	/* keyboard report: a pedal is down when its key code is held */
};

struct pedalreport_format {
	enum pedalreport_kind kind;
	int report_id;		/* first byte must be this; -1: the device has no report ids */
	int length;		/* the report's length, report id included */
	int max_length;		/* longer is malformed; above length is padding */
	int pedals;
	int byte[PEDAL_MAX];	/* BYTES: offset in the report, id included */
	int bit[PEDAL_MAX];	/* BYTES: 0..7, or -1 for "byte non-zero" */
	uint8_t key[PEDAL_MAX];	/* KEYS: HID usage; 0 = any key */
};

/* The built-in models: "streamdeck", "infinity", "pcsensor"; NULL if none. */
const struct pedalreport_format *pedalreport_model(const char *name);
/* Parse "4" (byte non-zero) or "0.2" (byte 0, bit 2) for the generic format. */
bool pedalreport_position(const char *text, int length, int *byte, int *bit);
/* The longest input report a HID report descriptor declares, in bytes,
 * its report id included; 0 when it declares none or cannot be read. It
 * sizes the read, so a report longer than one USB packet arrives whole. */
int pedalreport_longest_input(const uint8_t *desc, size_t len);
/* How much one interrupt read asks for. A transfer ends at a short packet
 * or when its buffer is full, so a report longer than a packet arrives
 * whole only if the read is its length: the descriptor's longest input
 * report (desc may be NULL: none could be read). At least one packet
 * (wMaxPacketSize, with its high-bandwidth multiplier), at least the
 * format's length, at most PEDAL_REPORT_MAX; *capped says the device's
 * reports are longer than that. */
int pedalreport_read_length(const uint8_t *desc, size_t len, int max_packet_size,
			    const struct pedalreport_format *f, bool *capped);
/* 1 and down[] when the report is one of the format's; 0 for a report that
 * is not about pedals (another report id, or a zero-length packet, which
 * ends a transfer of whole packets); -1 and why for a malformed one. */
int pedalreport_parse(const struct pedalreport_format *f, const uint8_t *buf, size_t len,
		      bool down[PEDAL_MAX], char *why, size_t whylen);

#endif
