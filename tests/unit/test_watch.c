/* The audio watch on generated signals in float: EBU Tech 3341's 1 kHz
 * sine at -23 dBFS reads -23.0 LUFS; a pause shorter than the silence
 * threshold raises nothing, a longer one is said at the threshold and ends
 * after the release; a clipped burst is one alarm; a dead channel, DC
 * offset and a quiet programme each raise their own; nothing is said while
 * the watch is not armed. */
#include <math.h>

#include "helpers.h"
#include "../../core/watch.h"

#define RATE 48000

struct sig {
	double left, right;	/* sine amplitude per channel, full scale 1 */
	double dc;		/* added to the left */
	bool clip;		/* the left runs into full scale */
};

static uint64_t phase;

/* Feed seconds of sig in 10 ms pieces, as a card's periods would come. */
static void feed(struct watch *w, struct sig s, double secs)
{
	static float buf[480 * 2];
	long pieces = lround(secs * 100);

	for (long p = 0; p < pieces; p++) {
		for (int i = 0; i < 480; i++, phase++) {
			double x = sin(2 * M_PI * 1000 * (double)phase / RATE);
			double l = s.left * x + s.dc;

			if (s.clip && l > 1)
				l = 1;
			buf[2 * i] = (float)l;
			buf[2 * i + 1] = (float)(s.right * x);
		}
		watch_feed(w, AUDIO_FLOAT_LE, buf, 480);
	}
}

static double amp(double dbfs)
{
	return pow(10, dbfs / 20);
}

static void start(struct watch *w)
{
	struct watch_limits lim;

	watch_limits_defaults(&lim);
	assert_int_equal(watch_init(w, &lim, RATE, 2), 0);
	watch_arm(w, true);
	phase = 0;
}

/* The events so far, as "silence silence_end", emptied. */
static const char *events(struct watch *w)
{
	static char out[512];
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < w->nevents; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "",
				      w->event[i].raised ? watch_alarm_name(w->event[i].alarm)
							 : watch_alarm_end_name(w->event[i].alarm));
	w->nevents = 0;
	return out;
}

static void test_ebu_sine_reads_minus_23(void **state)
{
	struct watch w;

	(void)state;
	start(&w);
	feed(&w, (struct sig){ amp(-23), amp(-23), 0, false }, 20);
	assert_true(fabs(w.integrated_lufs + 23) < 0.1);
	assert_true(fabs(w.shortterm_lufs + 23) < 0.1);
	assert_true(fabs(w.momentary_lufs + 23) < 0.1);
	assert_true(fabs(w.segment_lufs + 23) < 0.1);
	/* A sine's true peak is its amplitude, within the oversampling's error. */
	assert_true(fabs(w.true_peak_dbtp + 23) < 0.2);
	assert_true(fabs(w.level_dbfs[0] + 23) < 0.05);
	/* -23 LUFS is below the streaming band: said after its 10 s. */
	assert_string_equal(events(&w), "loudness_low");
	feed(&w, (struct sig){ amp(-18), amp(-18), 0, false }, 4.5);
	assert_string_equal(events(&w), "loudness_low_end");
	watch_segment(&w);
	assert_true(isinf(w.segment_lufs));
	feed(&w, (struct sig){ amp(-18), amp(-18), 0, false }, 5);
	assert_true(fabs(w.segment_lufs + 18) < 0.1);
	watch_fini(&w);
}

/* EBU Tech 3341's second level: the same sine at -33 dBFS reads -33.0. */
static void test_ebu_sine_reads_minus_33(void **state)
{
	struct watch w;

	(void)state;
	start(&w);
	feed(&w, (struct sig){ amp(-33), amp(-33), 0, false }, 20);
	assert_true(fabs(w.integrated_lufs + 33) < 0.1);
	assert_true(fabs(w.shortterm_lufs + 33) < 0.1);
	/* Quiet, not silent: too quiet is said, silence is not. */
	assert_string_equal(events(&w), "loudness_low");
	watch_fini(&w);
}

static void test_a_pause_is_not_silence(void **state)
{
	struct watch w;
	struct sig talk = { amp(-18), amp(-18), 0, false }, quiet = { 0, 0, 0, false };

	(void)state;
	start(&w);
	feed(&w, talk, 2);
	feed(&w, quiet, 4.9);
	feed(&w, talk, 2);
	assert_string_equal(events(&w), "");
	assert_int_equal(w.silence_ms_total, 0);
	/* 5 s is said at 5 s, from the first silent block. */
	feed(&w, quiet, 4.9);
	assert_string_equal(events(&w), "");
	feed(&w, quiet, 0.1);
	assert_string_equal(events(&w), "silence");
	assert_true(strstr(w.event[0].detail, "5.0 s") != NULL);
	/* A word in the silence is not the end: the release is 1 s. */
	feed(&w, talk, 0.5);
	feed(&w, quiet, 1);
	assert_string_equal(events(&w), "");
	feed(&w, talk, 0.9);
	assert_string_equal(events(&w), "");
	feed(&w, talk, 0.1);
	assert_string_equal(events(&w), "silence_end");
	assert_int_equal(w.silence_ms_total, 6000);
	watch_fini(&w);
}

static void test_a_clipped_burst_is_one_alarm(void **state)
{
	struct watch w;
	struct sig talk = { amp(-18), amp(-18), 0, false }, hot = { 1.5, amp(-18), 0, true };

	(void)state;
	start(&w);
	feed(&w, talk, 2);
	for (int i = 0; i < 3; i++) {
		feed(&w, hot, 0.3);
		feed(&w, talk, 1);
	}
	assert_string_equal(events(&w), "clipping");
	assert_true(w.clipped > 1000);
	feed(&w, talk, 6);
	assert_string_equal(events(&w), "clipping_end");
	watch_fini(&w);
}

static void test_a_dead_channel_and_dc(void **state)
{
	struct watch w;

	(void)state;
	start(&w);
	feed(&w, (struct sig){ amp(-18), 0, 0, false }, 6);
	assert_string_equal(events(&w), "dead_channel");
	assert_true(strstr(w.event[0].detail, "channel 2") == w.event[0].detail);
	feed(&w, (struct sig){ amp(-18), amp(-18), 0, false }, 2);
	assert_string_equal(events(&w), "dead_channel_end");
	feed(&w, (struct sig){ amp(-18), amp(-18), 0.05, false }, 6);
	assert_string_equal(events(&w), "dc_offset");
	watch_fini(&w);
}

static void test_nothing_is_said_unarmed(void **state)
{
	struct watch w;

	(void)state;
	start(&w);
	watch_arm(&w, false);
	feed(&w, (struct sig){ 0, 0, 0, false }, 8);
	assert_string_equal(events(&w), "");
	/* Armed in the middle of a silence: its 5 s begin then. */
	watch_arm(&w, true);
	feed(&w, (struct sig){ 0, 0, 0, false }, 4.9);
	assert_string_equal(events(&w), "");
	feed(&w, (struct sig){ 0, 0, 0, false }, 0.2);
	assert_string_equal(events(&w), "silence");
	watch_arm(&w, false);
	assert_string_equal(events(&w), "silence_end");
	watch_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ebu_sine_reads_minus_23),
		cmocka_unit_test(test_ebu_sine_reads_minus_33),
		cmocka_unit_test(test_a_pause_is_not_silence),
		cmocka_unit_test(test_a_clipped_burst_is_one_alarm),
		cmocka_unit_test(test_a_dead_channel_and_dc),
		cmocka_unit_test(test_nothing_is_said_unarmed),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
