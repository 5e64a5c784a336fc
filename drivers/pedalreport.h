/* What a USB foot pedal's input report says, as a pure function of its
 * bytes: which of up to three pedals are down. One format per model, and a
 * generic one built from the config. Fuzzed (tests/fuzz/fuzz_hid.c). */
#ifndef ONAIR_PEDALREPORT_H
#define ONAIR_PEDALREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEDAL_MAX 3
#define PEDAL_REPORT_MAX 64

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
/* 1 and down[] when the report is one of the format's; 0 for a report that
 * is not about pedals (another report id); -1 and why for a malformed one. */
int pedalreport_parse(const struct pedalreport_format *f, const uint8_t *buf, size_t len,
		      bool down[PEDAL_MAX], char *why, size_t whylen);

#endif
