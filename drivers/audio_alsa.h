/* The ALSA seam for the self-test: capture a window of audio, and play a
 * test tone (optionally recording it back through a loopback). Bounded by
 * deadlines: a device that never delivers is a failure, never a hang. */
#ifndef ONAIR_AUDIO_ALSA_H
#define ONAIR_AUDIO_ALSA_H

#include "../core/audio.h"

struct audio_params {
	int rate, channels;
	enum audio_format format;
};

/* Record window_ms from device into levels; -1 and a reason. */
int audio_capture(const char *device, const struct audio_params *p, int64_t window_ms,
		  struct audio_levels *levels, char *err, size_t errlen);
/* Play a 1 kHz tone at level_dbfs for ms on playback. With capture set,
 * record at the same time: *tone_dbfs is the tone's level there and
 * *latency_ms when it arrived (-1 when it did not). -1 and a reason. */
int audio_tone(const char *playback, const char *capture, const struct audio_params *p,
	       double level_dbfs, int64_t ms, double *tone_dbfs, double *latency_ms, char *err,
	       size_t errlen);

#endif
