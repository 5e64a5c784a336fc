/* The audio watch's ears (see watch.h). Loudness is libebur128's (Debian's
 * libebur128-dev, the reference the EBU tools are checked against): the
 * filter and gating of BS.1770 are not ours to rewrite. */
#include <ebur128.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch.h"

/* AES17: a full-scale sine reads 0 dBFS RMS (audio.c does the same). */
#define AES17_DB 3.0103
#define CHUNK 1024
#define LOUDNESS_BLOCKS 5	/* the slow readings each 500 ms */

struct watch_ears {
	ebur128_state *show, *segment;
};

static const char *const alarm_names[WATCH_ALARMS][2] = {
	[WATCH_SILENCE] = { "silence", "silence_end" },
	[WATCH_CLIPPING] = { "clipping", "clipping_end" },
	[WATCH_DEAD_CHANNEL] = { "dead_channel", "dead_channel_end" },
	[WATCH_DC] = { "dc_offset", "dc_offset_end" },
	[WATCH_LOUDNESS_LOW] = { "loudness_low", "loudness_low_end" },
	[WATCH_LOUDNESS_HIGH] = { "loudness_high", "loudness_high_end" },
};

const char *watch_alarm_name(enum watch_alarm a)
{
	return alarm_names[a][0];
}

const char *watch_alarm_end_name(enum watch_alarm a)
{
	return alarm_names[a][1];
}

void watch_limits_defaults(struct watch_limits *l)
{
	/* Radio's silence sensors: about -50 dBFS for a few seconds. The band
	 * is AES TD1004's for streaming, -20 to -16 LUFS. */
	*l = (struct watch_limits){
		.silence_dbfs = -50, .silence_ms = 5000, .release_ms = 1000, .clip_dbfs = -1,
		.dead_db = 20, .dc_max = 0.02, .low_lufs = -20, .high_lufs = -16, .loudness_ms = 10000,
	};
}

static double dbfs(double linear)
{
	return linear > 0 ? 20 * log10(linear) : -INFINITY;
}

/* One of libebur128's readings, -INFINITY while it has none. Below
 * BS.1770's absolute gate (-70 LUFS) is silence: the filters' decay after
 * digital zero otherwise reads as -2000 LUFS. */
static double loudness(int (*reading)(ebur128_state *, double *), ebur128_state *st)
{
	double v;

	return reading(st, &v) == EBUR128_SUCCESS && isfinite(v) && v >= -70 ? v : -INFINITY;
}

static ebur128_state *ears_open(int rate, int channels, int mode)
{
	return ebur128_init((unsigned)channels, (unsigned long)rate, mode | EBUR128_MODE_HISTOGRAM);
}

int watch_init(struct watch *w, const struct watch_limits *lim, int rate, int channels)
{
	memset(w, 0, sizeof(*w));
	if (channels < 1 || channels > AUDIO_MAX_CHANNELS || rate < 8000)
		return -1;
	w->lim = *lim;
	w->rate = rate;
	w->channels = channels;
	w->block_frames = (int64_t)rate * WATCH_BLOCK_MS / 1000;
	w->ears = calloc(1, sizeof(*w->ears));
	if (!w->ears)
		return -1;
	/* The histogram keeps integrated loudness at a fixed size however
	 * long the show runs. */
	w->ears->show = ears_open(rate, channels, EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
	w->ears->segment = ears_open(rate, channels, EBUR128_MODE_I);
	if (!w->ears->show || !w->ears->segment) {
		watch_fini(w);
		return -1;
	}
	for (int c = 0; c < AUDIO_MAX_CHANNELS; c++)
		w->level_dbfs[c] = -INFINITY;
	w->peak_dbfs = w->momentary_lufs = w->shortterm_lufs = w->integrated_lufs = -INFINITY;
	w->true_peak_dbtp = w->segment_lufs = -INFINITY;
	return 0;
}

void watch_fini(struct watch *w)
{
	if (w->ears) {
		ebur128_destroy(&w->ears->show);
		ebur128_destroy(&w->ears->segment);
		free(w->ears);
		w->ears = NULL;
	}
}

static void say(struct watch *w, enum watch_alarm a, bool raised, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct watch *w, enum watch_alarm a, bool raised, const char *fmt, ...)
{
	struct watch_event *e;
	va_list ap;

	if (w->nevents == WATCH_EVENTS) {
		w->events_dropped++;
		return;
	}
	e = &w->event[w->nevents++];
	e->alarm = a;
	e->raised = raised;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

static double seconds(const struct watch *w, uint64_t frames)
{
	return (double)frames / w->rate;
}

/* How long an alarm's condition must last before it is said. Clipping is
 * said at its first clipped second and ends after five clean ones: a burst
 * is one alarm, not one a second. */
static int64_t after_ms(const struct watch *w, enum watch_alarm a)
{
	switch (a) {
	case WATCH_SILENCE:
	case WATCH_DEAD_CHANNEL:
	case WATCH_DC:
		return w->lim.silence_ms;
	case WATCH_LOUDNESS_LOW:
	case WATCH_LOUDNESS_HIGH:
		return w->lim.loudness_ms;
	default:
		return 0;
	}
}

static int64_t release_ms(const struct watch *w, enum watch_alarm a)
{
	return a == WATCH_CLIPPING ? 5000 : w->lim.release_ms;
}

static void end_alarm(struct watch *w, enum watch_alarm a, const char *why)
{
	double lasted = seconds(w, w->frames - (uint64_t)w->since_frames[a]);

	w->on[a] = false;
	w->bad_ms[a] = w->good_ms[a] = 0;
	say(w, a, false, "after %.1f s%s%s", lasted, *why ? ": " : "", why);
}

/* One step of an alarm: bad says whether its condition held for step_ms;
 * detail is what is said when it rises. */
static void judge(struct watch *w, enum watch_alarm a, bool bad, int64_t step_ms, const char *detail)
{
	if (!w->armed)
		return;
	if (bad) {
		w->good_ms[a] = 0;
		w->bad_ms[a] += step_ms;
		if (!w->on[a] && w->bad_ms[a] >= after_ms(w, a)) {
			w->on[a] = true;
			/* It began when its condition did, not when it was said. */
			w->since_frames[a] = (int64_t)w->frames - w->bad_ms[a] * w->rate / 1000;
			say(w, a, true, "%s", detail);
		}
	} else {
		w->bad_ms[a] = 0;
		w->good_ms[a] += step_ms;
		if (w->on[a] && w->good_ms[a] >= release_ms(w, a))
			end_alarm(w, a, "");
	}
}

static void end_block(struct watch *w)
{
	double loudest = -INFINITY, tp;
	char detail[120];
	bool silent, was_silent, heavy;

	for (int c = 0; c < w->channels; c++) {
		w->level_dbfs[c] = dbfs(sqrt(w->sum_sq[c] / (double)w->filled)) + AES17_DB;
		if (w->level_dbfs[c] > loudest)
			loudest = w->level_dbfs[c];
		w->sec_sum_sq[c] += w->sum_sq[c];
		w->sec_sum[c] += w->sum[c];
		if (w->peak[c] > w->sec_peak)
			w->sec_peak = w->peak[c];
	}
	w->momentary_lufs = loudness(ebur128_loudness_momentary, w->ears->show);
	/* The slow readings (a 3 s window, the gated histograms) each half
	 * second: they are what a block costs most, and the loop waits. */
	heavy = w->blocks_in_second % LOUDNESS_BLOCKS == LOUDNESS_BLOCKS - 1;
	if (heavy) {
		/* Short-term is a 3 s window: before 3 s it would read a part of one. */
		w->shortterm_lufs = w->frames >= (uint64_t)w->rate * 3 ?
			loudness(ebur128_loudness_shortterm, w->ears->show) : -INFINITY;
		w->integrated_lufs = loudness(ebur128_loudness_global, w->ears->show);
		w->segment_lufs = loudness(ebur128_loudness_global, w->ears->segment);
		w->true_peak_dbtp = -INFINITY;
		for (int c = 0; c < w->channels; c++)
			if (ebur128_true_peak(w->ears->show, (unsigned)c, &tp) == EBUR128_SUCCESS &&
			    dbfs(tp) > w->true_peak_dbtp)
				w->true_peak_dbtp = dbfs(tp);
	}

	silent = loudest < w->lim.silence_dbfs;
	if (isfinite(loudest))
		snprintf(detail, sizeof(detail), "loudest channel %.1f dBFS for %.1f s (below %.0f)", loudest,
			 (double)(w->bad_ms[WATCH_SILENCE] + WATCH_BLOCK_MS) / 1000, w->lim.silence_dbfs);
	else
		snprintf(detail, sizeof(detail), "digital zero (nothing at all) for %.1f s",
			 (double)(w->bad_ms[WATCH_SILENCE] + WATCH_BLOCK_MS) / 1000);
	was_silent = w->on[WATCH_SILENCE];
	judge(w, WATCH_SILENCE, silent, WATCH_BLOCK_MS, detail);
	/* The review counts a silence from its first silent block; a word in
	 * it, before the release, is not silence. */
	if (w->on[WATCH_SILENCE] && silent) {
		int64_t add = was_silent ? WATCH_BLOCK_MS : w->bad_ms[WATCH_SILENCE];

		w->silence_ms_total += add;
		w->segment_silence_ms += add;
	}
	/* Silence is its own alarm: a silent room is not also "too quiet". */
	if (heavy) {
		int64_t step = WATCH_BLOCK_MS * LOUDNESS_BLOCKS;

		snprintf(detail, sizeof(detail), "short-term %.1f LUFS for %.0f s (band %.0f to %.0f)",
			 w->shortterm_lufs, (double)(w->bad_ms[WATCH_LOUDNESS_LOW] + step) / 1000, w->lim.low_lufs,
			 w->lim.high_lufs);
		judge(w, WATCH_LOUDNESS_LOW,
		      !silent && isfinite(w->shortterm_lufs) && w->shortterm_lufs < w->lim.low_lufs, step, detail);
		snprintf(detail, sizeof(detail), "short-term %.1f LUFS for %.0f s (band %.0f to %.0f)",
			 w->shortterm_lufs, (double)(w->bad_ms[WATCH_LOUDNESS_HIGH] + step) / 1000, w->lim.low_lufs,
			 w->lim.high_lufs);
		judge(w, WATCH_LOUDNESS_HIGH, isfinite(w->shortterm_lufs) && w->shortterm_lufs > w->lim.high_lufs,
		      step, detail);
	}

	w->clipped_second += w->clipped_block;
	w->filled = 0;
	w->clipped_block = 0;
	memset(w->sum_sq, 0, sizeof(w->sum_sq));
	memset(w->sum, 0, sizeof(w->sum));
	memset(w->peak, 0, sizeof(w->peak));
	if (++w->blocks_in_second < 1000 / WATCH_BLOCK_MS)
		return;

	/* A whole second: clips, a dead channel, DC. */
	{
		double level[AUDIO_MAX_CHANNELS], sec_loudest = -INFINITY, n = (double)w->block_frames * w->blocks_in_second;
		int loudest_ch = 0, dead = -1, dc = -1;

		for (int c = 0; c < w->channels; c++) {
			level[c] = dbfs(sqrt(w->sec_sum_sq[c] / n)) + AES17_DB;
			if (level[c] > sec_loudest) {
				sec_loudest = level[c];
				loudest_ch = c;
			}
		}
		for (int c = 0; c < w->channels; c++) {
			if (dead < 0 && w->channels > 1 && sec_loudest >= w->lim.silence_dbfs &&
			    level[c] < sec_loudest - w->lim.dead_db)
				dead = c;
			if (dc < 0 && fabs(w->sec_sum[c] / n) > w->lim.dc_max)
				dc = c;
		}
		snprintf(detail, sizeof(detail), "%llu samples at or above %.1f dBFS in 1 s",
			 (unsigned long long)w->clipped_second, w->lim.clip_dbfs);
		judge(w, WATCH_CLIPPING, w->clipped_second > 0, 1000, detail);
		if (dead >= 0)
			snprintf(detail, sizeof(detail), "channel %d at %.1f dBFS, %.1f dB below channel %d", dead + 1,
				 isfinite(level[dead]) ? level[dead] : -144.0,
				 sec_loudest - (isfinite(level[dead]) ? level[dead] : -144.0), loudest_ch + 1);
		judge(w, WATCH_DEAD_CHANNEL, dead >= 0, 1000, detail);
		if (dc >= 0)
			snprintf(detail, sizeof(detail), "channel %d mean %.1f %% of full scale", dc + 1,
				 100 * w->sec_sum[dc] / n);
		judge(w, WATCH_DC, dc >= 0, 1000, detail);
	}
	w->peak_dbfs = dbfs(w->sec_peak);
	w->sec_peak = 0;
	w->blocks_in_second = 0;
	w->clipped_second = 0;
	memset(w->sec_sum_sq, 0, sizeof(w->sec_sum_sq));
	memset(w->sec_sum, 0, sizeof(w->sec_sum));
}

void watch_feed(struct watch *w, enum audio_format f, const void *buf, size_t frames)
{
	float chunk[CHUNK * AUDIO_MAX_CHANNELS];
	double clip = pow(10, w->lim.clip_dbfs / 20);
	size_t done = 0;

	while (done < frames) {
		size_t n = frames - done, left = (size_t)(w->block_frames - w->filled);

		if (n > left)
			n = left;
		if (n > CHUNK)
			n = CHUNK;
		for (size_t i = 0; i < n; i++) {
			for (int c = 0; c < w->channels; c++) {
				size_t k = (done + i) * (size_t)w->channels + (size_t)c;
				float v = audio_sample(f, buf, k);
				double a = fabs((double)v);

				chunk[i * (size_t)w->channels + (size_t)c] = v;
				w->sum_sq[c] += (double)v * v;
				w->sum[c] += v;
				if (a > w->peak[c])
					w->peak[c] = a;
				if (a >= clip)
					w->clipped_block++;
			}
		}
		ebur128_add_frames_float(w->ears->show, chunk, n);
		ebur128_add_frames_float(w->ears->segment, chunk, n);
		w->filled += (int64_t)n;
		w->frames += n;
		w->segment_frames += (int64_t)n;
		done += n;
		if (w->filled == w->block_frames) {
			w->clipped += w->clipped_block;
			w->segment_clipped += w->clipped_block;
			end_block(w);
		}
	}
}

void watch_arm(struct watch *w, bool armed)
{
	if (w->armed == armed)
		return;
	for (int a = 0; a < WATCH_ALARMS; a++) {
		if (w->on[a])
			end_alarm(w, (enum watch_alarm)a, "the show is not live");
		w->bad_ms[a] = w->good_ms[a] = 0;
	}
	w->armed = armed;
}

void watch_segment(struct watch *w)
{
	ebur128_state *fresh = ears_open(w->rate, w->channels, EBUR128_MODE_I);

	/* Without memory for a new one, the segment's figure runs on. */
	if (fresh) {
		ebur128_destroy(&w->ears->segment);
		w->ears->segment = fresh;
	}
	w->segment_lufs = -INFINITY;
	w->segment_silence_ms = 0;
	w->segment_clipped = 0;
	w->segment_frames = 0;
}
