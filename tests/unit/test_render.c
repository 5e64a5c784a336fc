/* The render paths of the GPIO drivers, through a recording stand-in for
 * the GPIO seam: what a lamp line, an RGB cue light, a TM1637 and a
 * MAX7219 would have been given for one show view, decoded from the
 * levels written (bus framing included), not from the driver's opinion. */
#include "helpers.h"
#include "../../core/loop.h"
#include "../../core/view.h"
#include "../../drivers/driver.h"
#include "fake_gpioline.h"
#include "../../drivers/sevenseg.h"

static struct conf_device dev;
static struct drv_host host;

static void host_command(struct drv_host *h, const struct show_cmd *cmd, const char *who)
{
	(void)h, (void)cmd, (void)who;
}

static void host_presence(struct drv_host *h, const char *device, bool present)
{
	(void)h, (void)device, (void)present;
}

static void section(const char *name, const char *driver)
{
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.name, sizeof(dev.name), "%s", name);
	snprintf(dev.driver, sizeof(dev.driver), "%s", driver);
	dev.line = 1;
}

static void key(const char *k, const char *v)
{
	snprintf(dev.kv[dev.nkeys].key, sizeof(dev.kv[0].key), "%s", k);
	snprintf(dev.kv[dev.nkeys].value, sizeof(dev.kv[0].value), "%s", v);
	dev.kv[dev.nkeys].line = dev.nkeys + 2;
	dev.nkeys++;
}

static int setup(void **state)
{
	(void)state;
	fake_nwrites = 0;
	host = (struct drv_host){ host_command, host_presence, "test.conf", NULL };
	return loop_init();
}

static int teardown(void **state)
{
	(void)state;
	loop_fini();
	return 0;
}

static struct show_view view_of(enum cue_pattern tally, enum cue_colour cue_colour, bool cue_lit,
				 const char *countdown, int segment)
{
	struct show_view v;

	memset(&v, 0, sizeof(v));
	v.out.lamp[CUE_LAMP_TALLY] = (struct cue_lamp){ tally, CUE_RED, tally != CUE_OFF };
	v.out.lamp[CUE_LAMP_CUE] = (struct cue_lamp){ CUE_ON, cue_colour, cue_lit };
	snprintf(v.out.countdown, sizeof(v.out.countdown), "%s", countdown);
	v.out.counting = true;
	v.segment = segment;
	v.segments = 9;
	return v;
}

static void test_gpio_lamps_and_rgb_cue(void **state)
{
	struct show_view v;
	struct drv *g;
	struct diag d = { 0 };

	(void)state;
	section("lamps", "gpio");
	key("chip", "fake");
	key("tally", "T");
	key("cue_red", "R");
	key("cue_green", "G");
	key("cue_blue", "B");
	g = gpio_driver_ops.open(&dev, &host, &d);
	assert_non_null(g);
	/* Every output is requested off. */
	assert_int_equal(fake_level("T"), 0);
	assert_int_equal(fake_level("R"), 0);
	v = view_of(CUE_ON, CUE_AMBER, true, "00:42", 1);
	gpio_driver_ops.render(g, &v);
	assert_int_equal(fake_level("T"), 1);
	/* Amber without an amber lamp is red and green together. */
	assert_int_equal(fake_level("R"), 1);
	assert_int_equal(fake_level("G"), 1);
	assert_int_equal(fake_level("B"), 0);
	v = view_of(CUE_ON, CUE_CYAN, true, "00:41", 1);
	gpio_driver_ops.render(g, &v);
	assert_int_equal(fake_level("R"), 0);
	assert_int_equal(fake_level("G"), 1);
	assert_int_equal(fake_level("B"), 1);
	/* The dark half of a flash: the cue light goes dark, the tally stays. */
	v = view_of(CUE_ON, CUE_CYAN, false, "00:41", 1);
	gpio_driver_ops.render(g, &v);
	assert_int_equal(fake_level("G"), 0);
	assert_int_equal(fake_level("B"), 0);
	assert_int_equal(fake_level("T"), 1);
	gpio_driver_ops.safe(g);
	assert_int_equal(fake_level("T"), 0);
	gpio_driver_ops.close(g);
	diag_free(&d);
}

static void quit(void *data)
{
	(void)data;
	loop_quit(0);
}

/* Let the loop write every queued slice of a frame. */
static void drain(void)
{
	struct loop_timer *t = loop_timer_add(quit, NULL);

	loop_timer_arm(t, time_mono_ms() + 300);
	loop_run();
	loop_timer_remove(t);
}

/* A = bit0 … G = bit6, point bit7: the wire's own order for a TM1637. */
static uint8_t glyph(char c)
{
	static const uint8_t digits[10] = { 0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F };

	return c >= '0' && c <= '9' ? digits[c - '0'] : c == '-' ? 0x40 : 0;
}

/* TM1637: a start is DIO falling while CLK is high, a stop DIO rising
 * while CLK is high; bits LSB first on CLK's rising edge, nine clocks a
 * byte (the ninth for the acknowledgement). Returns the digits of the
 * last data write (address 0xC0 and four bytes). */
static int tm1637_decode(uint8_t digits[4])
{
	int clk = 1, dio = 1, nbits = 0, nbytes = 0, found = 0;
	uint8_t bytes[16];
	unsigned bits = 0;

	for (int i = 0; i < fake_nwrites; i++) {
		int v = fake_writes[i].value;

		if (strcmp(fake_writes[i].line, "C") == 0) {
			if (v && !clk) {
				bits |= (unsigned)dio << nbits;
				if (++nbits == 9) {
					if (nbytes < 16)
						bytes[nbytes++] = (uint8_t)(bits & 0xFF);
					nbits = 0;
					bits = 0;
				}
			}
			clk = v;
		} else {
			if (clk && dio && !v) {		/* start */
				nbits = nbytes = 0;
				bits = 0;
			} else if (clk && !dio && v) {	/* stop */
				if (nbytes == 5 && bytes[0] == 0xC0) {
					memcpy(digits, bytes + 1, 4);
					found = 1;
				}
			}
			dio = v;
		}
	}
	return found;
}

static void test_tm1637_frame_on_the_wire(void **state)
{
	struct show_view v;
	struct drv *disp;
	struct diag d = { 0 };
	uint8_t digits[4];

	(void)state;
	section("countdown", "tm1637");
	key("chip", "fake");
	key("clk", "C");
	key("dio", "D");
	disp = tm1637_driver_ops.open(&dev, &host, &d);
	assert_non_null(disp);
	drain();
	v = view_of(CUE_ON, CUE_GREEN, true, "04:59", 2);
	tm1637_driver_ops.render(disp, &v);
	drain();
	assert_true(tm1637_decode(digits));
	assert_int_equal(digits[0], glyph('0'));
	assert_int_equal(digits[1], glyph('4') | 0x80);	/* the colon */
	assert_int_equal(digits[2], glyph('5'));
	assert_int_equal(digits[3], glyph('9'));
	v = view_of(CUE_FAST, CUE_RED, true, "-0:12", 2);
	tm1637_driver_ops.render(disp, &v);
	drain();
	assert_true(tm1637_decode(digits));
	assert_int_equal(digits[0], glyph('-'));
	assert_int_equal(digits[1], glyph('0') | 0x80);
	assert_int_equal(digits[2], glyph('1'));
	assert_int_equal(digits[3], glyph('2'));
	tm1637_driver_ops.safe(disp);
	tm1637_driver_ops.close(disp);
	diag_free(&d);
}

/* The TM1637 acknowledges each byte by pulling DIO low on the ninth clock
 * (gpio-sim cannot model a released open-drain line that nobody pulls
 * low, so this is checked here at the GPIO seam, not on the bench). */
static void test_tm1637_that_does_not_answer(void **state)
{
	struct show_view v;
	struct drv *disp;
	struct diag d = { 0 };
	char desc[256];
	bool present;

	(void)state;
	section("countdown", "tm1637");
	key("chip", "fake");
	key("clk", "C");
	key("dio", "D");
	fake_answering_line = "D";
	disp = tm1637_driver_ops.open(&dev, &host, &d);
	assert_non_null(disp);
	v = view_of(CUE_ON, CUE_GREEN, true, "04:59", 2);
	tm1637_driver_ops.render(disp, &v);
	drain();
	tm1637_driver_ops.describe(disp, desc, sizeof(desc), &present);
	assert_true(present);
	assert_int_equal(tm1637_driver_ops.test(disp, true), 0);
	fake_answering_line = NULL;	/* unplugged: DIO stays high */
	v = view_of(CUE_ON, CUE_GREEN, true, "04:58", 2);
	tm1637_driver_ops.render(disp, &v);
	drain();
	tm1637_driver_ops.describe(disp, desc, sizeof(desc), &present);
	assert_false(present);
	assert_non_null(strstr(desc, "NOT ANSWERING"));
	assert_int_equal(tm1637_driver_ops.test(disp, true), -1);
	fake_answering_line = "D";	/* plugged back: the next frame sees it */
	v = view_of(CUE_ON, CUE_GREEN, true, "04:57", 2);
	tm1637_driver_ops.render(disp, &v);
	drain();
	tm1637_driver_ops.describe(disp, desc, sizeof(desc), &present);
	assert_true(present);
	fake_answering_line = NULL;
	tm1637_driver_ops.close(disp);
	diag_free(&d);
}

/* MAX7219: 16-bit words, MSB first on CLK's rising edge, latched when
 * LOAD rises; register in bits 11..8. Segment bits run DP, A … G from
 * bit 7 down (the datasheet's no-decode table). */
static void max7219_decode(uint8_t reg[16])
{
	int clk = 0, din = 0, load = 1;
	unsigned word = 0;

	memset(reg, 0xEE, 16);
	for (int i = 0; i < fake_nwrites; i++) {
		const char *l = fake_writes[i].line;
		int v = fake_writes[i].value;

		if (strcmp(l, "K") == 0) {
			if (v && !clk)
				word = (word << 1 | (unsigned)din) & 0xFFFF;
			clk = v;
		} else if (strcmp(l, "I") == 0) {
			din = v;
		} else {
			if (v && !load)
				reg[(word >> 8) & 0x0F] = (uint8_t)word;
			load = v;
		}
	}
}

static uint8_t max7219_bits(char c, bool point)
{
	uint8_t g = glyph(c), out = point ? 0x80 : 0;

	for (int i = 0; i < 7; i++)
		if (g & (1 << i))
			out |= (uint8_t)(1 << (6 - i));
	return out;
}

static void test_max7219_segment_and_countdown(void **state)
{
	struct show_view v;
	struct drv *disp;
	struct diag d = { 0 };
	uint8_t reg[16];

	(void)state;
	section("big", "max7219");
	key("chip", "fake");
	key("din", "I");
	key("clk", "K");
	key("load", "L");
	key("brightness", "5");
	disp = max7219_driver_ops.open(&dev, &host, &d);
	assert_non_null(disp);
	drain();
	v = view_of(CUE_ON, CUE_GREEN, true, "05:00", 3);
	max7219_driver_ops.render(disp, &v);
	drain();
	max7219_decode(reg);
	/* "03 05.00": register 8 is the leftmost digit. */
	assert_int_equal(reg[8], max7219_bits('0', false));
	assert_int_equal(reg[7], max7219_bits('3', false));
	assert_int_equal(reg[6], 0);
	assert_int_equal(reg[5], 0);
	assert_int_equal(reg[4], max7219_bits('0', false));
	assert_int_equal(reg[3], max7219_bits('5', true));
	assert_int_equal(reg[2], max7219_bits('0', false));
	assert_int_equal(reg[1], max7219_bits('0', false));
	assert_int_equal(reg[0x0A], 5);		/* intensity */
	assert_int_equal(reg[0x0C], 1);		/* running, not shut down */
	max7219_driver_ops.safe(disp);
	drain();
	max7219_decode(reg);
	assert_int_equal(reg[0x0C], 0);		/* dark on exit */
	max7219_driver_ops.close(disp);
	diag_free(&d);
}

/* The promotion count after "promo said" on four digits: " P2.3". */
static void test_promo_count_on_four_digits(void **state)
{
	uint8_t seg[4];

	(void)state;
	sevenseg_layout("P2.3", 4, seg);
	assert_int_equal(seg[0], 0x00);
	assert_int_equal(seg[1], 0x73);
	assert_int_equal(seg[2], 0x5B | SEVENSEG_POINT);
	assert_int_equal(seg[3], 0x4F);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gpio_lamps_and_rgb_cue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tm1637_frame_on_the_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tm1637_that_does_not_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max7219_segment_and_countdown, setup, teardown),
		cmocka_unit_test(test_promo_count_on_four_digits),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
