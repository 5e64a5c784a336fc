/* Gestures: bouncing contacts, long and double presses, on a fake clock. */
#include "helpers.h"
#include "../../core/gesture.h"

static struct gesture_state g;
static struct gesture_conf c;
static enum gesture_kind out[GESTURE_MAX];

static int setup(void **state)
{
	(void)state;
	c = (struct gesture_conf){ .debounce_ms = 20 };
	gesture_init(&g, 0);
	return 0;
}

static void test_press_reported_on_first_edge_despite_bounce(void **state)
{
	(void)state;
	assert_int_equal(gesture_edge(&g, &c, true, 1000, out), 1);
	assert_int_equal(out[0], GESTURE_PRESS);
	/* Contact bounce: no further presses. */
	assert_int_equal(gesture_edge(&g, &c, false, 1002, out), 0);
	assert_int_equal(gesture_edge(&g, &c, true, 1004, out), 0);
	assert_int_equal(gesture_edge(&g, &c, false, 1150, out), 0);
	assert_int_equal(gesture_edge(&g, &c, true, 1500, out), 1);
}

static void test_bounced_release_is_not_lost(void **state)
{
	(void)state;
	gesture_edge(&g, &c, true, 1000, out);
	/* Released 10 ms later, inside the debounce interval. */
	assert_int_equal(gesture_edge(&g, &c, false, 1010, out), 0);
	assert_int_equal(gesture_next_deadline(&g, &c), 1020);
	assert_int_equal(gesture_tick(&g, &c, 1020, out), 0);
	assert_false(g.stable);
	assert_int_equal(gesture_edge(&g, &c, true, 1100, out), 1);
}

static void test_button_held_at_start_is_no_gesture(void **state)
{
	(void)state;
	/* Even with long and double mapped, neither the hold nor its release
	 * counts; the next real press does. */
	c.long_ms = 800;
	c.double_ms = 400;
	gesture_init_held(&g, 1000);
	assert_true(g.stable);
	assert_int_equal(gesture_tick(&g, &c, 5000, out), 0);
	/* The release is seen (the button is up now) but is not a tap. */
	assert_int_equal(gesture_edge(&g, &c, false, 5000, out), 0);
	assert_false(g.stable);
	assert_false(g.tap_pending);
	assert_int_equal(gesture_tick(&g, &c, 6000, out), 0);
	assert_int_equal(gesture_next_deadline(&g, &c), INT64_MAX);
	assert_int_equal(gesture_edge(&g, &c, true, 7000, out), 0);
	assert_int_equal(gesture_edge(&g, &c, false, 7100, out), 0);
	assert_int_equal(gesture_tick(&g, &c, 7501, out), 1);
	assert_int_equal(out[0], GESTURE_PRESS);
}

static void test_long_press(void **state)
{
	(void)state;
	c.long_ms = 800;
	assert_int_equal(gesture_edge(&g, &c, true, 0 + 5000, out), 0);
	assert_int_equal(gesture_next_deadline(&g, &c), 5800);
	assert_int_equal(gesture_tick(&g, &c, 5799, out), 0);
	assert_int_equal(gesture_tick(&g, &c, 5800, out), 1);
	assert_int_equal(out[0], GESTURE_LONG);
	assert_int_equal(gesture_edge(&g, &c, false, 7000, out), 0);
	/* A short one is a press, reported on release. */
	assert_int_equal(gesture_edge(&g, &c, true, 8000, out), 0);
	assert_int_equal(gesture_edge(&g, &c, false, 8200, out), 1);
	assert_int_equal(out[0], GESTURE_PRESS);
}

static void test_double_press(void **state)
{
	(void)state;
	c.double_ms = 350;
	gesture_edge(&g, &c, true, 1000, out);
	assert_int_equal(gesture_edge(&g, &c, false, 1100, out), 0);
	gesture_edge(&g, &c, true, 1300, out);
	assert_int_equal(gesture_edge(&g, &c, false, 1400, out), 1);
	assert_int_equal(out[0], GESTURE_DOUBLE);
	/* A lone tap is confirmed as a press once the window has passed. */
	gesture_edge(&g, &c, true, 3000, out);
	gesture_edge(&g, &c, false, 3100, out);
	assert_int_equal(gesture_next_deadline(&g, &c), 3451);
	assert_int_equal(gesture_tick(&g, &c, 3450, out), 0);
	assert_int_equal(gesture_tick(&g, &c, 3451, out), 1);
	assert_int_equal(out[0], GESTURE_PRESS);
	assert_int_equal(gesture_next_deadline(&g, &c), INT64_MAX);
}

static void test_every_press_of_a_fast_operator_counts(void **state)
{
	int presses = 0;

	(void)state;
	/* Ten presses, 60 ms apart, each with 3 ms of bounce on both edges. */
	for (int i = 0; i < 10; i++) {
		int64_t t = 10000 + i * 60;

		presses += gesture_edge(&g, &c, true, t, out);
		gesture_edge(&g, &c, false, t + 1, out);
		gesture_edge(&g, &c, true, t + 3, out);
		gesture_edge(&g, &c, false, t + 30, out);
		gesture_edge(&g, &c, true, t + 31, out);
		gesture_edge(&g, &c, false, t + 33, out);
		gesture_tick(&g, &c, t + 55, out);
	}
	assert_int_equal(presses, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_press_reported_on_first_edge_despite_bounce, setup),
		cmocka_unit_test_setup(test_bounced_release_is_not_lost, setup),
		cmocka_unit_test_setup(test_button_held_at_start_is_no_gesture, setup),
		cmocka_unit_test_setup(test_long_press, setup),
		cmocka_unit_test_setup(test_double_press, setup),
		cmocka_unit_test_setup(test_every_press_of_a_fast_operator_counts, setup),
	};

	return cmocka_run_group_tests_name("gesture", tests, NULL, NULL);
}
