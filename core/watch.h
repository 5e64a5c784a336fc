/* The audio watch's ears: what a stream of samples says while the show
 * runs, judged in 100 ms blocks of sample time (not wall time, so a test
 * file read faster than real time is judged the same as a live card).
 * Silence with a release (a pause in speech raises nothing), clipping
 * counted per second, a dead channel, DC offset, and loudness per ITU-R
 * BS.1770 / EBU R128 through libebur128 (momentary, short-term, integrated,
 * true peak) against a target band. It knows nothing of ALSA or the show:
 * audiowatch.c feeds it and records what it says. */
#ifndef ONAIR_WATCH_H
#define ONAIR_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio.h"

#define WATCH_BLOCK_MS 100
#define WATCH_EVENTS 16

struct watch_limits {
	double silence_dbfs;		/* every channel's RMS below: silence */
	int64_t silence_ms;		/* for this long before it is said */
	int64_t release_ms;		/* sound this long before silence (or any alarm) ends */
	double clip_dbfs;		/* a sample at or above: clipped */
	double dead_db;			/* a channel this far below the loudest: dead */
	double dc_max;			/* |mean| above (full scale = 1): DC offset */
	double low_lufs, high_lufs;	/* the short-term target band */
	int64_t loudness_ms;		/* outside the band this long before it is said */
};

enum watch_alarm {
	WATCH_SILENCE, WATCH_CLIPPING, WATCH_DEAD_CHANNEL, WATCH_DC, WATCH_LOUDNESS_LOW,
	WATCH_LOUDNESS_HIGH, WATCH_ALARMS
};

struct watch_event {
	enum watch_alarm alarm;
	bool raised;			/* false: it ended */
	char detail[120];
};

struct watch_ears;			/* libebur128's states */

struct watch {
	struct watch_limits lim;
	int rate, channels;
	bool armed;			/* alarms are judged (the show is live) */
	struct watch_ears *ears;
	/* The block being filled. */
	int64_t block_frames, filled;
	double sum_sq[AUDIO_MAX_CHANNELS], sum[AUDIO_MAX_CHANNELS], peak[AUDIO_MAX_CHANNELS];
	uint64_t clipped_block;
	/* The last whole second (ten blocks), for clips, DC and a dead channel. */
	int blocks_in_second;
	double sec_sum_sq[AUDIO_MAX_CHANNELS], sec_sum[AUDIO_MAX_CHANNELS], sec_peak;
	uint64_t clipped_second;
	/* Each alarm: on, and how long the condition (or its absence) has run. */
	bool on[WATCH_ALARMS];
	int64_t bad_ms[WATCH_ALARMS], good_ms[WATCH_ALARMS];
	int64_t since_frames[WATCH_ALARMS];	/* when it was raised */
	/* What a meter shows. */
	double level_dbfs[AUDIO_MAX_CHANNELS];	/* RMS of the last block (AES17) */
	double peak_dbfs;			/* of the last second */
	double momentary_lufs, shortterm_lufs, integrated_lufs, true_peak_dbtp;
	double segment_lufs;			/* integrated since watch_segment() */
	/* Counters since the watch began (the review's figures). */
	uint64_t frames, clipped;
	int64_t silence_ms_total, segment_silence_ms;
	uint64_t segment_clipped;
	int64_t segment_frames;
	struct watch_event event[WATCH_EVENTS];
	int nevents;
	uint64_t events_dropped;
};

void watch_limits_defaults(struct watch_limits *l);
/* 0, or -1 when libebur128 cannot take rate and channels. */
int watch_init(struct watch *w, const struct watch_limits *lim, int rate, int channels);
void watch_fini(struct watch *w);
/* Interleaved frames of f. Alarms raised or ended land in w->event. */
void watch_feed(struct watch *w, enum audio_format f, const void *buf, size_t frames);
/* Judge alarms or not; disarming ends every alarm that is on. */
void watch_arm(struct watch *w, bool armed);
/* A new segment: the per-segment figures start again. */
void watch_segment(struct watch *w);
const char *watch_alarm_name(enum watch_alarm a);
/* "silence" → "silence_end" as the show log writes the end. */
const char *watch_alarm_end_name(enum watch_alarm a);

#endif
