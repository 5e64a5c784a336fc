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
	assert_int_equal(parse("infinity", five, 0), -1);
	assert_string_equal(why, "empty report");
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
		cmocka_unit_test(test_pcsensor_keys),
		cmocka_unit_test(test_generic_positions),
	};

	return cmocka_run_group_tests_name("pedalreport", tests, NULL, NULL);
}
