/* Audio analysis on generated buffers, in every sample format the code
 * reads: silence, a -20 dBFS sine, a clipped sine, DC offset, one dead
 * channel; the 1 kHz tone level and onset for the loopback check. */
#include <math.h>

#include "helpers.h"
#include "../../core/audio.h"

#define RATE 48000
#define FRAMES 4800

static uint8_t buf[FRAMES * 2 * 4];

/* Write v (full scale 1, clipped) as sample index i in format f. */
static void put(enum audio_format f, size_t i, double v)
{
	uint8_t *p = buf + i * audio_sample_size(f);

	v = v > 1 ? 1 : v < -1 ? -1 : v;
	if (f == AUDIO_S16_LE) {
		int16_t s = (int16_t)lrint(v * 32767);

		p[0] = (uint8_t)s, p[1] = (uint8_t)((uint16_t)s >> 8);
	} else if (f == AUDIO_S32_LE) {
		int32_t s = (int32_t)llrint(v * 2147483647.0);

		for (int b = 0; b < 4; b++)
			p[b] = (uint8_t)((uint32_t)s >> (8 * b));
	} else {
		float x = (float)v;
		uint32_t bits;

		memcpy(&bits, &x, 4);
		for (int b = 0; b < 4; b++)
			p[b] = (uint8_t)(bits >> (8 * b));
	}
}

/* Stereo: left = a·sin + dc_left, right = b·sin. */
static void fill(enum audio_format f, double a, double dc_left, double b)
{
	for (size_t i = 0; i < FRAMES; i++) {
		double s = sin(2 * M_PI * 1000 * (double)i / RATE);

		put(f, 2 * i, a * s + dc_left);
		put(f, 2 * i + 1, b * s);
	}
}

static enum audio_finding judge(enum audio_format f, struct audio_levels *l, char *why)
{
	struct audio_limits lim;

	audio_limits_defaults(&lim);
	audio_levels_init(l, 2);
	audio_levels_add(l, f, buf, FRAMES);
	return audio_judge(l, &lim, why, 160);
}

static void test_every_format(void **state)
{
	struct audio_levels l;
	struct audio_channel ch;
	char why[160];

	(void)state;
	for (int f = 0; f < AUDIO_FORMAT_COUNT; f++) {
		print_message("format %s\n", audio_format_name((enum audio_format)f));
		fill((enum audio_format)f, 0, 0, 0);
		assert_int_equal(judge((enum audio_format)f, &l, why), AUDIO_SILENT);
		assert_non_null(strstr(why, "silence"));

		/* -20 dBFS sine: peak and AES17 RMS both read -20. */
		fill((enum audio_format)f, 0.1, 0, 0.1);
		assert_int_equal(judge((enum audio_format)f, &l, why), AUDIO_OK);
		audio_channel_get(&l, 0, &ch);
		assert_true(fabs(ch.peak_dbfs + 20) < 0.05);
		assert_true(fabs(ch.rms_dbfs + 20) < 0.05);
		assert_true(fabs(ch.dc) < 0.001);

		fill((enum audio_format)f, 1.5, 0, 0.1);
		assert_int_equal(judge((enum audio_format)f, &l, why), AUDIO_CLIPPING);
		assert_non_null(strstr(why, "channel 1 clipping"));

		fill((enum audio_format)f, 0.1, 0.1, 0.1);
		assert_int_equal(judge((enum audio_format)f, &l, why), AUDIO_DC);
		assert_non_null(strstr(why, "channel 1 DC offset 10.0 %"));

		fill((enum audio_format)f, 0.1, 0, 0);
		assert_int_equal(judge((enum audio_format)f, &l, why), AUDIO_WEAK_CHANNEL);
		assert_non_null(strstr(why, "channel 2 dead or much weaker"));

		fill((enum audio_format)f, 0.003, 0, 0.003);	/* about -50 dBFS */
		assert_int_equal(judge((enum audio_format)f, &l, why), AUDIO_LOW);
		assert_non_null(strstr(why, "too low"));
	}
}

static void test_tone_level_and_onset(void **state)
{
	static float x[RATE / 2];
	size_t start = 1234;

	(void)state;
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = i < start ? 0 : (float)(0.1 * sin(2 * M_PI * 1000 * (double)(i - start) / RATE));
	assert_int_equal(audio_onset(x, sizeof(x) / sizeof(x[0]), 0.05), (long)start + 4);
	assert_true(fabs(audio_tone_dbfs(x + start, RATE / 4, RATE, 1000) + 20) < 0.2);
	/* No 440 Hz in a 1 kHz tone. */
	assert_true(audio_tone_dbfs(x + start, RATE / 4, RATE, 440) < -60);
	assert_int_equal(audio_onset(x, start, 0.05), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_format),
		cmocka_unit_test(test_tone_level_and_onset),
	};

	return cmocka_run_group_tests_name("audio", tests, NULL, NULL);
}
