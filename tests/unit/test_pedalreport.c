/* Pedal reports: every model's layout, the generic one, and malformed
 * reports named, never taken as a press. */
#include "helpers.h"
#include "../../drivers/pedalreport.h"

static bool down[PEDAL_MAX];
static char why[96];

static int parse(const char *model, const uint8_t *buf, size_t len)
{
	return pedalreport_parse(pedalreport_model(model), buf, len, down, why, sizeof(why));
}

static void test_streamdeck(void **state)
{
	const uint8_t right[7] = { 1, 0, 0, 0, 0, 0, 1 }, left_mid[8] = { 1, 0, 0, 0, 1, 1, 0, 0 };
	const uint8_t other_id[7] = { 2, 0, 0, 0, 1, 1, 1 };

	(void)state;
	assert_int_equal(parse("streamdeck", right, sizeof(right)), 1);
	assert_false(down[0]);
	assert_false(down[1]);
	assert_true(down[2]);
	/* Padding after the seven bytes is allowed. */
	assert_int_equal(parse("streamdeck", left_mid, sizeof(left_mid)), 1);
	assert_true(down[0] && down[1] && !down[2]);
	assert_int_equal(parse("streamdeck", other_id, sizeof(other_id)), 0);
	assert_int_equal(parse("streamdeck", right, 5), -1);
	assert_string_equal(why, "short report: 5 bytes, expected 7");
}

static void test_infinity(void **state)
{
	const uint8_t all[2] = { 7, 0 }, middle[2] = { 2, 0 }, five[5] = { 4, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(parse("infinity", all, 2), 1);
	assert_true(down[0] && down[1] && down[2]);
	assert_int_equal(parse("infinity", middle, 2), 1);
	assert_true(!down[0] && down[1] && !down[2]);
	assert_int_equal(parse("infinity", five, 5), -1);
	assert_string_equal(why, "oversized report: 5 bytes, expected 2");
	assert_int_equal(parse("infinity", five, 1), -1);
	/* A zero-length packet (after a report of whole packets) is no report. */
	assert_int_equal(parse("infinity", five, 0), 0);
	assert_int_equal(parse("streamdeck", five, 0), 0);
}

/* A Stream Deck-family report of 512 bytes arrives whole (more than one
 * 64-byte packet) only if the read is sized from the descriptor. */
static void test_longest_input_report(void **state)
{
	/* Vendor page, report id 1 with 6 bytes, id 2 with 511: 512 with its id. */
	const uint8_t long_one[] = { 0x06, 0x00, 0xff, 0x09, 0x01, 0xa1, 0x01, 0x85, 0x01, 0x75, 0x08, 0x95,
				     0x06, 0x81, 0x02, 0x85, 0x02, 0x96, 0xff, 0x01, 0x81, 0x02, 0xc0 };
	/* No ids: 3 one-bit buttons, 5 bits of padding, a byte: 2 bytes. */
	const uint8_t infinity[] = { 0x05, 0x0c, 0x09, 0x01, 0xa1, 0x01, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
				     0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x03, 0x81, 0x02, 0x75, 0x05,
				     0x95, 0x01, 0x81, 0x03, 0x75, 0x08, 0x95, 0x01, 0x81, 0x03, 0xc0 };
	/* Push and Pop keep the globals; a feature report is not an input. */
	const uint8_t pushed[] = { 0x75, 0x08, 0x95, 0x04, 0xa4, 0x95, 0x40, 0xb1, 0x02, 0xb4, 0x81, 0x02 };
	const uint8_t truncated[] = { 0x75, 0x08, 0x96, 0xff };
	uint8_t big[PEDAL_REPORT_MAX + 1];

	(void)state;
	assert_int_equal(pedalreport_longest_input(long_one, sizeof(long_one)), 512);
	assert_int_equal(pedalreport_longest_input(infinity, sizeof(infinity)), 2);
	assert_int_equal(pedalreport_longest_input(pushed, sizeof(pushed)), 4);
	assert_int_equal(pedalreport_longest_input(truncated, sizeof(truncated)), 0);
	assert_int_equal(pedalreport_longest_input(NULL, 0), 0);
	/* The read: the longest report when it spans packets, else a packet
	 * (a longer one-packet report is seen whole and refused), never below
	 * the format's length, capped and said. */
	{
		const struct pedalreport_format *deck = pedalreport_model("streamdeck");
		bool capped;

		assert_int_equal(pedalreport_read_length(long_one, sizeof(long_one), 64, deck, &capped), 512);
		assert_false(capped);
		assert_int_equal(pedalreport_read_length(infinity, sizeof(infinity), 8, deck, &capped), 8);
		assert_int_equal(pedalreport_read_length(NULL, 0, 4, deck, &capped), 7);
		/* 512 bytes a packet, two transactions a microframe (bits 11-12). */
		assert_int_equal(pedalreport_read_length(NULL, 0, 0x0800 | 512, deck, &capped), 1024);
		assert_false(capped);
		assert_int_equal(pedalreport_read_length(NULL, 0, 0x1400, deck, &capped), PEDAL_REPORT_MAX);
		assert_true(capped);
	}
	memset(big, 0, sizeof(big));
	big[0] = 1;
	big[6] = 1;
	assert_int_equal(parse("streamdeck", big, 512), 1);
	assert_true(down[2] && !down[0]);
	assert_int_equal(parse("streamdeck", big, PEDAL_REPORT_MAX + 1), -1);
}

static void test_pcsensor_keys(void **state)
{
	const uint8_t b[9] = { 1, 0, 0, 5, 0, 0, 0, 0, 0 }, up[9] = { 1 }, shift[9] = { 1, 2 };
	const uint8_t mouse[5] = { 2, 1, 0, 0, 0 };
	struct pedalreport_format f = *pedalreport_model("pcsensor");

	(void)state;
	assert_int_equal(parse("pcsensor", b, 9), 1);
	assert_true(down[0]);
	assert_int_equal(parse("pcsensor", up, 9), 1);
	assert_false(down[0]);
	assert_int_equal(parse("pcsensor", shift, 9), 1);
	assert_true(down[0]);
	assert_int_equal(parse("pcsensor", mouse, 5), 0);
	/* Three pedals programmed as a, b and c. */
	f.pedals = 3;
	f.key[0] = 4, f.key[1] = 5, f.key[2] = 6;
	assert_int_equal(pedalreport_parse(&f, b, 9, down, why, sizeof(why)), 1);
	assert_true(!down[0] && down[1] && !down[2]);
}

static void test_generic_positions(void **state)
{
	struct pedalreport_format f = { .kind = PEDALREPORT_BYTES, .report_id = 3, .length = 4,
					.max_length = 4, .pedals = 2 };
	const uint8_t r[4] = { 3, 0, 0x10, 9 };
	int byte, bit;

	(void)state;
	assert_true(pedalreport_position("2.4", 4, &byte, &bit));
	assert_int_equal(byte, 2);
	assert_int_equal(bit, 4);
	f.byte[0] = byte, f.bit[0] = bit;
	assert_true(pedalreport_position("3", 4, &byte, &bit));
	assert_int_equal(bit, -1);
	f.byte[1] = byte, f.bit[1] = bit;
	assert_int_equal(pedalreport_parse(&f, r, 4, down, why, sizeof(why)), 1);
	assert_true(down[0] && down[1]);
	assert_false(pedalreport_position("4", 4, &byte, &bit));
	assert_false(pedalreport_position("1.8", 4, &byte, &bit));
	assert_false(pedalreport_position("1.", 4, &byte, &bit));
	assert_false(pedalreport_position("x", 4, &byte, &bit));
	assert_null(pedalreport_model("footpedal9000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streamdeck),
		cmocka_unit_test(test_infinity),
		cmocka_unit_test(test_longest_input_report),
		cmocka_unit_test(test_pcsensor_keys),
		cmocka_unit_test(test_generic_positions),
	};

	return cmocka_run_group_tests_name("pedalreport", tests, NULL, NULL);
}
