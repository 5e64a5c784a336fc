/* MAX7219: 8-digit display, 16-bit words (register in bits 11..8, data in
 * 7..0) shifted MSB first on CLK and latched on LOAD's rising edge. Shows
 * the segment number and the countdown ("03 05.00"). No-decode mode with
 * our own glyphs, since its segment bits run DP,A..G from bit 7 down. */
#include "display.h"

enum { DIN, CLK, LOAD };

static const char *const max7219_lines[] = { "din", "clk", "load" };
static const char *const max7219_keys[] = { "din", "clk", "load", DISPLAY_KEYS, NULL };

#define MAX7219_DIGIT0 0x01	/* the rightmost digit */
#define MAX7219_DECODE 0x09
#define MAX7219_INTENSITY 0x0A
#define MAX7219_SCAN_LIMIT 0x0B
#define MAX7219_SHUTDOWN 0x0C	/* 0 = shut down, 1 = normal */
#define MAX7219_TEST 0x0F

static void word(struct sevenseg_wire *w, uint8_t reg, uint8_t data)
{
	uint16_t v = (uint16_t)(reg << 8 | data);

	sevenseg_wire_add(w, LOAD, 0);
	for (int i = 15; i >= 0; i--) {
		sevenseg_wire_add(w, DIN, (v >> i) & 1);
		sevenseg_wire_add(w, CLK, 1);
		sevenseg_wire_add(w, CLK, 0);
	}
	sevenseg_wire_add(w, LOAD, 1);
}

/* A = bit0 … G = bit6, DP = bit7 → DP = D7, A = D6 … G = D0. */
static uint8_t max7219_bits(uint8_t seg)
{
	uint8_t out = seg & 0x80;

	for (int i = 0; i < 7; i++)
		if (seg & (1 << i))
			out |= (uint8_t)(1 << (6 - i));
	return out;
}

static void max7219_frame(struct sevenseg_wire *w, const uint8_t *seg, int brightness, bool init)
{
	/* At power-up the chip is shut down, one digit, minimum intensity. */
	if (init) {
		word(w, MAX7219_TEST, 0);
		word(w, MAX7219_DECODE, 0);
		word(w, MAX7219_SCAN_LIMIT, 7);
	}
	word(w, MAX7219_INTENSITY, (uint8_t)brightness);
	for (int i = 0; i < 8; i++)
		word(w, (uint8_t)(MAX7219_DIGIT0 + 7 - i), max7219_bits(seg[i]));
	word(w, MAX7219_SHUTDOWN, 1);
}

static void max7219_off(struct sevenseg_wire *w)
{
	word(w, MAX7219_SHUTDOWN, 0);
}

static const struct display_protocol max7219 = {
	.name = "max7219",
	.line_keys = max7219_lines,
	.nlines = 3,
	.mode = GPIOLINE_OUTPUT,
	.width = 8,
	.max_brightness = 15,
	.default_brightness = 8,
	.segment_number = true,
	.frame = max7219_frame,
	.off = max7219_off,
};

static int max7219_check(const struct conf_device *dev, const struct board *board,
			 const char *path, struct diag *d)
{
	return display_check(&max7219, dev, board, path, d);
}

static struct drv *max7219_open(const struct conf_device *dev, struct drv_host *host,
				struct diag *d)
{
	return display_open(&max7219, dev, host, d);
}

const struct drv_ops max7219_driver_ops = {
	.name = "max7219",
	.keys = max7219_keys,
	.line_keys = max7219_lines,
	.nline_keys = ARRAY_SIZE(max7219_lines),
	.check = max7219_check,
	.open = max7219_open,
	.render = display_render,
	.safe = display_safe,
	.describe = display_describe,
	.test = display_test,
	.close = display_close,
};
