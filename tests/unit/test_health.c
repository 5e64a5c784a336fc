/* The stream's health over a window: a well stream and a single dropped
 * frame raise nothing; 10 % dropped is said as the window passes 2 %, over
 * only after the release; high congestion and reconnecting are said;
 * counters that go back (a new output) start a new window. */
#include "helpers.h"
#include "../../core/health.h"

static struct health h;
static struct health_sample at;

static void start(void)
{
	struct health_limits l;

	health_limits_defaults(&l);
	health_init(&h, &l);
	at = (struct health_sample){ .at_ms = 1000 };
}

/* seconds of stream at 10 fps, a sample every 2 s, dropping pct of its frames. */
static int run(double seconds, double pct, double congestion, int *changes)
{
	int n = 0;

	for (double t = 0; t < seconds; t += 2) {
		at.at_ms += 2000;
		at.total += 20;
		at.dropped += (uint64_t)(20 * pct / 100 + 0.5);
		at.congestion = congestion;
		n += health_feed(&h, &at);
	}
	if (changes)
		*changes = n;
	return h.struggling;
}

static void test_well_and_one_drop(void **state)
{
	int changes;

	(void)state;
	start();
	assert_false(run(60, 0, 0.05, &changes));
	at.dropped += 1;
	assert_false(run(20, 0, 0.1, &changes));
	assert_int_equal(changes, 0);
}

static void test_drops_said_and_released(void **state)
{
	int changes;

	(void)state;
	start();
	run(10, 0, 0, NULL);
	/* 10 % dropped: 2 of the window's 100 frames is not over 2 %, 4 is. */
	assert_false(run(2, 10, 0, NULL));
	assert_true(run(2, 10, 0, &changes));
	assert_int_equal(changes, 1);
	assert_non_null(strstr(h.why, "% of frames dropped"));
	/* Well again: the window holds the drops for 8 s (down to 2 %, not
	 * over it), then 10 s of well. */
	assert_true(run(12, 0, 0, NULL));
	assert_true(run(4, 0, 0, NULL));
	assert_false(run(2, 0, 0, &changes));
	assert_int_equal(changes, 1);
}

static void test_congestion_and_reconnecting(void **state)
{
	(void)state;
	start();
	/* Not on one sample: half a window of them. */
	assert_false(run(6, 0, 0.9, NULL));
	assert_true(run(2, 0, 0.9, NULL));
	assert_non_null(strstr(h.why, "congestion"));
	start();
	at.reconnecting = true;
	assert_true(run(2, 0, 0, NULL));
	assert_string_equal(h.why, "the output is reconnecting");
}

static void test_a_new_output_is_a_new_window(void **state)
{
	(void)state;
	start();
	run(20, 1, 0, NULL);
	/* Restarted: its counters are small, not a negative drop. */
	at.total = 0;
	at.dropped = 0;
	assert_false(run(20, 0, 0, NULL));
	assert_true(h.window_dropped_pct == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_and_one_drop),
		cmocka_unit_test(test_drops_said_and_released),
		cmocka_unit_test(test_congestion_and_reconnecting),
		cmocka_unit_test(test_a_new_output_is_a_new_window),
	};

	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
