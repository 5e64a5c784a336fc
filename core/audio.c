/* Audio analysis (see audio.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audio.h"

#define AES17_DB 3.0103	/* 20·log10(√2): a sine's peak over its RMS */

static const char *const format_names[] = { "S16_LE", "S32_LE", "FLOAT_LE" };

const char *audio_format_name(enum audio_format f)
{
	return format_names[f];
}

int audio_format_parse(const char *name)
{
	for (int i = 0; i < AUDIO_FORMAT_COUNT; i++)
		if (strcmp(name, format_names[i]) == 0)
			return i;
	return -1;
}

size_t audio_sample_size(enum audio_format f)
{
	return f == AUDIO_S16_LE ? 2 : 4;
}

void audio_limits_defaults(struct audio_limits *l)
{
	*l = (struct audio_limits){ -60, -40, -1, 0.02, 20 };
}

void audio_levels_init(struct audio_levels *l, int channels)
{
	memset(l, 0, sizeof(*l));
	l->channels = channels < 1 ? 1 : channels > AUDIO_MAX_CHANNELS ? AUDIO_MAX_CHANNELS : channels;
}

float audio_sample(enum audio_format f, const void *buf, size_t index)
{
	const uint8_t *p = (const uint8_t *)buf + index * audio_sample_size(f);

	switch (f) {
	case AUDIO_S16_LE:
		return (float)(int16_t)(p[0] | p[1] << 8) / 32768.0f;
	case AUDIO_S32_LE:
		return (float)((double)(int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
						 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24) /
			       2147483648.0);
	default: {
		uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				(uint32_t)p[3] << 24;
		float v;

		memcpy(&v, &bits, sizeof(v));
		return isfinite(v) ? v : 0.0f;
	}
	}
}

void audio_levels_add(struct audio_levels *l, enum audio_format f, const void *buf, size_t frames)
{
	for (size_t i = 0; i < frames; i++) {
		for (int c = 0; c < l->channels; c++) {
			double v = audio_sample(f, buf, i * (size_t)l->channels + (size_t)c);

			if (fabs(v) > l->peak[c])
				l->peak[c] = fabs(v);
			l->sum_sq[c] += v * v;
			l->sum[c] += v;
		}
	}
	l->frames += frames;
}

static double dbfs(double linear)
{
	return linear > 0 ? 20 * log10(linear) : -INFINITY;
}

void audio_channel_get(const struct audio_levels *l, int ch, struct audio_channel *out)
{
	double n = l->frames ? (double)l->frames : 1;

	out->peak_dbfs = dbfs(l->peak[ch]);
	out->rms_dbfs = dbfs(sqrt(l->sum_sq[ch] / n)) + AES17_DB;
	out->dc = l->sum[ch] / n;
}

enum audio_finding audio_judge(const struct audio_levels *l, const struct audio_limits *lim,
			       char *reason, size_t len)
{
	struct audio_channel ch[AUDIO_MAX_CHANNELS];
	enum audio_finding worst = AUDIO_OK;
	double loudest = -INFINITY;
	int all_silent = 1;

	snprintf(reason, len, "levels fine");
	for (int c = 0; c < l->channels; c++) {
		audio_channel_get(l, c, &ch[c]);
		if (ch[c].rms_dbfs > loudest)
			loudest = ch[c].rms_dbfs;
		if (ch[c].rms_dbfs >= lim->silence_dbfs)
			all_silent = 0;
	}
	if (all_silent) {
		snprintf(reason, len, "silence: loudest channel %.1f dBFS RMS (below %.0f)", loudest,
			 lim->silence_dbfs);
		return AUDIO_SILENT;
	}
	/* Worst first: clipping, then a dead channel, DC, low level. */
	for (int c = 0; c < l->channels; c++) {
		enum audio_finding f = AUDIO_OK;
		char why[120];

		if (ch[c].peak_dbfs >= lim->clip_dbfs) {
			f = AUDIO_CLIPPING;
			snprintf(why, sizeof(why), "channel %d clipping: peak %.1f dBFS", c + 1, ch[c].peak_dbfs);
		} else if (l->channels > 1 && ch[c].rms_dbfs < loudest - lim->weak_db) {
			f = AUDIO_WEAK_CHANNEL;
			snprintf(why, sizeof(why), "channel %d dead or much weaker: %.1f dBFS against %.1f",
				 c + 1, ch[c].rms_dbfs, loudest);
		} else if (fabs(ch[c].dc) > lim->dc_max) {
			f = AUDIO_DC;
			snprintf(why, sizeof(why), "channel %d DC offset %.1f %% of full scale", c + 1,
				 ch[c].dc * 100);
		} else if (ch[c].rms_dbfs < lim->low_dbfs) {
			f = AUDIO_LOW;
			snprintf(why, sizeof(why), "channel %d too low: %.1f dBFS RMS (below %.0f)", c + 1,
				 ch[c].rms_dbfs, lim->low_dbfs);
		}
		if (f > worst) {
			worst = f;
			snprintf(reason, len, "%s", why);
		}
	}
	return worst;
}

double audio_tone_dbfs(const float *x, size_t n, double rate, double freq)
{
	double w = 2 * M_PI * freq / rate, coeff = 2 * cos(w), s1 = 0, s2 = 0, power, amplitude;

	if (n == 0)
		return -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double s = x[i] + coeff * s1 - s2;

		s2 = s1;
		s1 = s;
	}
	power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	amplitude = 2 * sqrt(power > 0 ? power : 0) / (double)n;
	/* AES17: a sine of peak amplitude A reads 20·log10(A) dBFS. */
	return dbfs(amplitude);
}

long audio_onset(const float *x, size_t n, double threshold)
{
	for (size_t i = 0; i < n; i++)
		if (fabs(x[i]) >= threshold)
			return (long)i;
	return -1;
}
