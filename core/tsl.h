/* TSL UMD: how a vision switcher tells each camera's tally (and a short
 * text) by number. Pure decoders of protocol 3.1 (one 18-byte packet per
 * display, over UDP) and 5.0 (packets of display messages over UDP, or a
 * TCP stream framed with DLE/STX), from TSL Products' published
 * "TSL UMD Protocol" documents (V3.1 and V5.0). */
#ifndef ONAIR_TSL_H
#define ONAIR_TSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tsl_tally { TSL_OFF, TSL_PROGRAM, TSL_PREVIEW, TSL_BOTH };

#define TSL_TEXT_MAX 64

struct tsl_display {
	uint16_t index;		/* 3.1: the address, 0–126; 5.0: the 16-bit index */
	enum tsl_tally tally;
	char text[TSL_TEXT_MAX];	/* UTF-8; control characters left out */
};

/* A 3.1 packet. Which of its tally bits 1–4 mean program and preview
 * differs between switchers (most send program on 1, preview on 2).
 * 0 and the display, or -1 and why. */
int tsl31_parse(const uint8_t *buf, size_t len, int program_bit, int preview_bit,
		struct tsl_display *out, char *err, size_t errlen);

typedef void (*tsl_display_cb)(void *ctx, const struct tsl_display *d);

/* A 5.0 packet (a UDP datagram, or one unframed from TCP; a DLE/STX
 * wrapper on a datagram is taken off too, as some senders add it). Every
 * display message goes to cb; a malformed packet reports none: -1 and why. */
int tsl5_parse(const uint8_t *buf, size_t len, tsl_display_cb cb, void *ctx, char *err, size_t errlen);

#define TSL5_PACKET_MAX 2048

/* 5.0 over TCP: bytes in, packets out (DLE STX starts one, DLE DLE is a
 * DLE inside it). */
struct tsl5_stream {
	uint8_t buf[TSL5_PACKET_MAX];
	size_t len;
	bool in_packet, dle, overflow;
};

void tsl5_stream_init(struct tsl5_stream *s);
/* Feed what a read gave; each whole packet goes to tsl5_parse. Returns how
 * many packets were malformed (the last reason in err). */
int tsl5_stream_feed(struct tsl5_stream *s, const uint8_t *data, size_t len, tsl_display_cb cb,
		     void *ctx, char *err, size_t errlen);

const char *tsl_tally_name(enum tsl_tally t);

/* Encoders, for onair as a tally hub (an [output.NAME]). */
#define TSL31_TEXT 16
/* An 18-byte 3.1 packet: address 0–126, program on tally bit program_bit
 * and preview on preview_bit (1–4), brightness full; text is ASCII only
 * (3.1 has no other): text with anything else is replaced by fallback.
 * Returns 18, or 0 when the address is out of range. */
size_t tsl31_build(uint8_t out[18], int address, int program_bit, int preview_bit, enum tsl_tally tally,
		   const char *text, const char *fallback);
/* A 5.0 packet with one display message: index, the tally on all three
 * lamps (red program, green preview, amber both), brightness full, the
 * text in ASCII or, when it has other characters, in UTF-16LE (the
 * packet's unicode flag). framed: wrapped in DLE/STX with DLE stuffed,
 * as over TCP. Returns its length, 0 when size is short. */
size_t tsl5_build(uint8_t *out, size_t size, uint16_t screen, uint16_t index, enum tsl_tally tally,
		  const char *text, bool framed);

#endif
