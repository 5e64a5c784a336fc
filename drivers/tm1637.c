/* TM1637: 4-digit display with a colon, two-wire bus bit-banged over GPIO
 * (not I2C: no address; LSB first; the chip acknowledges each byte on a
 * ninth clock). Both lines are open-drain: modules pull them up to their
 * own supply, so a released line never puts the module's 5 V on the Pi.
 * The acknowledgement is read on each byte's ninth clock: a display that
 * does not answer (unplugged, unpowered) is reported not present. */
#include "display.h"

enum { CLK, DIO };

static const char *const tm1637_lines[] = { "clk", "dio" };
static const char *const tm1637_keys[] = { "clk", "dio", DISPLAY_KEYS, NULL };

#define TM1637_DATA_AUTO 0x40	/* write display registers, address auto-increment */
#define TM1637_ADDRESS 0xC0	/* digit 0 */
#define TM1637_DISPLAY_ON 0x88	/* | brightness 0..7 */
#define TM1637_DISPLAY_OFF 0x80

static void bus_start(struct sevenseg_wire *w)
{
	sevenseg_wire_add(w, DIO, 1);
	sevenseg_wire_add(w, CLK, 1);
	sevenseg_wire_add(w, DIO, 0);
	sevenseg_wire_add(w, CLK, 0);
}

static void bus_stop(struct sevenseg_wire *w)
{
	sevenseg_wire_add(w, DIO, 0);
	sevenseg_wire_add(w, CLK, 1);
	sevenseg_wire_add(w, DIO, 1);
}

static void bus_byte(struct sevenseg_wire *w, uint8_t b)
{
	for (int i = 0; i < 8; i++) {
		sevenseg_wire_add(w, DIO, (b >> i) & 1);
		sevenseg_wire_add(w, CLK, 1);
		sevenseg_wire_add(w, CLK, 0);
	}
	/* Ninth clock: DIO released; the chip pulls it low to acknowledge. */
	sevenseg_wire_add(w, DIO, 1);
	sevenseg_wire_add(w, CLK, 1);
	sevenseg_wire_sample(w, DIO);
	sevenseg_wire_add(w, CLK, 0);
}

static void command(struct sevenseg_wire *w, uint8_t cmd)
{
	bus_start(w);
	bus_byte(w, cmd);
	bus_stop(w);
}

static void tm1637_frame(struct sevenseg_wire *w, const uint8_t *seg, int brightness, bool init)
{
	(void)init;	/* every frame is whole: the chip keeps no mode worth sparing */
	command(w, TM1637_DATA_AUTO);
	bus_start(w);
	bus_byte(w, TM1637_ADDRESS);
	for (int i = 0; i < 4; i++)
		bus_byte(w, seg[i]);	/* the colon is digit 1's bit 7 on clock modules */
	bus_stop(w);
	command(w, (uint8_t)(TM1637_DISPLAY_ON | brightness));
}

static void tm1637_off(struct sevenseg_wire *w)
{
	command(w, TM1637_DISPLAY_OFF);
}

static const struct display_protocol tm1637 = {
	.name = "tm1637",
	.line_keys = tm1637_lines,
	.nlines = 2,
	.mode = GPIOLINE_OPEN_DRAIN,
	.width = 4,
	.max_brightness = 7,
	.default_brightness = 4,
	.frame = tm1637_frame,
	.off = tm1637_off,
};

static int tm1637_check(const struct conf_device *dev, const struct board *board,
			const char *path, struct diag *d)
{
	return display_check(&tm1637, dev, board, path, d);
}

static struct drv *tm1637_open(const struct conf_device *dev, struct drv_host *host,
			       struct diag *d)
{
	return display_open(&tm1637, dev, host, d);
}

const struct drv_ops tm1637_driver_ops = {
	.name = "tm1637",
	.keys = tm1637_keys,
	.line_keys = tm1637_lines,
	.nline_keys = ARRAY_SIZE(tm1637_lines),
	.check = tm1637_check,
	.open = tm1637_open,
	.render = display_render,
	.safe = display_safe,
	.describe = display_describe,
	.test = display_test,
	.close = display_close,
};
