/* Audio levels for the pre-live check, as pure functions of sample
 * buffers: per-channel peak and RMS in dBFS, DC offset, and the level of a
 * test tone (Goertzel). RMS follows AES17: a full-scale sine reads 0 dBFS
 * (plain RMS + 3.01 dB), as broadcast meters do. */
#ifndef ONAIR_AUDIO_H
#define ONAIR_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIO_MAX_CHANNELS 8

enum audio_format { AUDIO_S16_LE, AUDIO_S32_LE, AUDIO_FLOAT_LE, AUDIO_FORMAT_COUNT };

struct audio_levels {
	int channels;
	uint64_t frames;
	double peak[AUDIO_MAX_CHANNELS];	/* |sample|, full scale = 1 */
	double sum_sq[AUDIO_MAX_CHANNELS];
	double sum[AUDIO_MAX_CHANNELS];
};

struct audio_channel {
	double peak_dbfs, rms_dbfs;	/* -INFINITY for digital silence */
	double dc;			/* mean, full scale = 1 */
};

/* What the technician's room is judged by. */
struct audio_limits {
	double silence_dbfs;	/* RMS below: muted or unplugged (-60) */
	double low_dbfs;	/* RMS below: too quiet to air (-40) */
	double clip_dbfs;	/* peak at or above: clipping (-1) */
	double dc_max;		/* |mean| above: DC offset (0.02 = 2 % of full scale) */
	double weak_db;		/* a channel this much below the loudest: dead or much weaker (20) */
};

enum audio_finding { AUDIO_OK, AUDIO_LOW, AUDIO_DC, AUDIO_WEAK_CHANNEL, AUDIO_CLIPPING, AUDIO_SILENT };

void audio_limits_defaults(struct audio_limits *l);
void audio_levels_init(struct audio_levels *l, int channels);
/* Add interleaved frames in the given format. */
void audio_levels_add(struct audio_levels *l, enum audio_format f, const void *buf, size_t frames);
void audio_channel_get(const struct audio_levels *l, int ch, struct audio_channel *out);
/* The worst finding, and a one-line reason naming the channel and figures. */
enum audio_finding audio_judge(const struct audio_levels *l, const struct audio_limits *lim,
			       char *reason, size_t len);
/* Level of freq in a mono float signal (Goertzel), as the dBFS (AES17) a
 * sine of that amplitude reads; -INFINITY if absent. */
double audio_tone_dbfs(const float *x, size_t n, double rate, double freq);
/* First frame whose absolute value reaches threshold (linear), or -1. */
long audio_onset(const float *x, size_t n, double threshold);
/* One sample of any format as a float, full scale = 1. */
float audio_sample(enum audio_format f, const void *buf, size_t index);
size_t audio_sample_size(enum audio_format f);
const char *audio_format_name(enum audio_format f);
/* "S16_LE" → AUDIO_S16_LE; -1 if not one we read. */
int audio_format_parse(const char *name);

#endif
