/* ALSA (alsa-lib 1.2.8) for the self-test, see audio_alsa.h. Devices are
 * opened non-blocking and waited on with poll() against a deadline. */
#include <alloca.h>
#include <alsa/asoundlib.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio_alsa.h"
#include "../core/util.h"

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

static const snd_pcm_format_t alsa_formats[] = {
	[AUDIO_S16_LE] = SND_PCM_FORMAT_S16_LE,
	[AUDIO_S32_LE] = SND_PCM_FORMAT_S32_LE,
	[AUDIO_FLOAT_LE] = SND_PCM_FORMAT_FLOAT_LE,
};

/* alsa-lib prints its own errors to stderr; ours name the device instead. */
static void quiet(const char *file, int line, const char *function, int err, const char *fmt, ...)
{
	(void)file, (void)line, (void)function, (void)err, (void)fmt;
}

static int open_pcm(snd_pcm_t **pcm, const char *device, snd_pcm_stream_t stream,
		    const struct audio_params *p, char *err, size_t errlen)
{
	int rc;

	snd_lib_error_set_handler(quiet);
	rc = snd_pcm_open(pcm, device, stream, SND_PCM_NONBLOCK);
	if (rc < 0) {
		snprintf(err, errlen, "open %s %s: %s", stream == SND_PCM_STREAM_CAPTURE ? "capture" : "playback",
			 device, snd_strerror(rc));
		return -1;
	}
	/* No resampling: the check is of the device as configured. */
	rc = snd_pcm_set_params(*pcm, alsa_formats[p->format], SND_PCM_ACCESS_RW_INTERLEAVED,
				(unsigned)p->channels, (unsigned)p->rate, 0, 100000);
	if (rc < 0) {
		snprintf(err, errlen, "%s does not take %d Hz, %d channels, %s: %s", device, p->rate,
			 p->channels, audio_format_name(p->format), snd_strerror(rc));
		snd_pcm_close(*pcm);
		*pcm = NULL;
		return -1;
	}
	return 0;
}

/* Wait until pcm is ready or the deadline passes; 0 ready, -1 timed out. */
static int wait_pcm(snd_pcm_t *pcm, int64_t deadline)
{
	int n = snd_pcm_poll_descriptors_count(pcm), left = (int)(deadline - time_mono_ms());
	struct pollfd *fds;

	if (n <= 0 || left <= 0)
		return left <= 0 ? -1 : 0;
	fds = alloca(sizeof(*fds) * (size_t)n);
	snd_pcm_poll_descriptors(pcm, fds, (unsigned)n);
	return poll(fds, (nfds_t)n, left > 50 ? 50 : left) < 0 && errno != EINTR ? -1 : 0;
}

/* Read what is there; frames read, 0 for none yet, -1 on error. */
static long read_some(snd_pcm_t *pcm, void *buf, long frames, char *err, size_t errlen)
{
	snd_pcm_sframes_t n = snd_pcm_readi(pcm, buf, (snd_pcm_uframes_t)frames);

	if (n == -EAGAIN)
		return 0;
	if (n < 0 && snd_pcm_recover(pcm, (int)n, 1) == 0)
		return 0;	/* an overrun: lose a little, keep measuring */
	if (n < 0) {
		snprintf(err, errlen, "read: %s", snd_strerror((int)n));
		return -1;
	}
	return n;
}

int audio_capture(const char *device, const struct audio_params *p, int64_t window_ms,
		  struct audio_levels *levels, char *err, size_t errlen)
{
	size_t frame = audio_sample_size(p->format) * (size_t)p->channels;
	long want = (long)(p->rate * window_ms / 1000), got = 0;
	int64_t deadline = time_mono_ms() + window_ms + 2000;
	snd_pcm_t *pcm = NULL;
	void *buf = NULL;
	int rc = -1;

	audio_levels_init(levels, p->channels);
	if (open_pcm(&pcm, device, SND_PCM_STREAM_CAPTURE, p, err, errlen) < 0)
		return -1;
	buf = malloc(frame * 4096);
	if (!buf)
		BAD("out of memory");
	snd_pcm_start(pcm);
	while (got < want) {
		long n = read_some(pcm, buf, want - got < 4096 ? want - got : 4096, err, errlen);

		if (n < 0)
			goto out;
		if (n == 0 && wait_pcm(pcm, deadline) < 0)
			BAD("%s delivered %ld of %ld frames before the timeout", device, got, want);
		audio_levels_add(levels, p->format, buf, (size_t)n);
		got += n;
	}
	rc = 0;
out:
	free(buf);
	snd_pcm_close(pcm);
	return rc;
}

int audio_tone(const char *playback, const char *capture, const struct audio_params *p,
	       double level_dbfs, int64_t ms, double *tone_dbfs, double *latency_ms, char *err,
	       size_t errlen)
{
	size_t sample = audio_sample_size(p->format), frame = sample * (size_t)p->channels;
	long total = (long)(p->rate * ms / 1000), played = 0, recorded = 0, base = -1;
	double amplitude = pow(10, level_dbfs / 20);
	int64_t deadline = time_mono_ms() + ms + 3000;
	snd_pcm_t *out_pcm = NULL, *in_pcm = NULL;
	uint8_t *obuf = NULL, *ibuf = NULL;
	float *mono = NULL;
	int rc = -1;

	*tone_dbfs = -INFINITY;
	*latency_ms = -1;
	if (open_pcm(&out_pcm, playback, SND_PCM_STREAM_PLAYBACK, p, err, errlen) < 0)
		return -1;
	if (capture && open_pcm(&in_pcm, capture, SND_PCM_STREAM_CAPTURE, p, err, errlen) < 0)
		goto out;
	obuf = calloc(1024, frame);
	ibuf = calloc(1024, frame);
	mono = calloc((size_t)total + 1024, sizeof(float));
	if (!obuf || !ibuf || !mono)
		BAD("out of memory");
	if (in_pcm)
		snd_pcm_start(in_pcm);
	while (played < total || (in_pcm && recorded < total)) {
		long progress = 0;

		if (played < total) {
			long n = total - played < 1024 ? total - played : 1024;
			snd_pcm_sframes_t w;

			for (long i = 0; i < n; i++) {
				double v = amplitude * sin(2 * M_PI * 1000 * (double)(played + i) / p->rate);

				for (int c = 0; c < p->channels; c++) {
					uint8_t *s = obuf + ((size_t)i * (size_t)p->channels + (size_t)c) * sample;

					if (p->format == AUDIO_S16_LE) {
						int16_t x = (int16_t)lrint(v * 32767);

						memcpy(s, &x, 2);
					} else if (p->format == AUDIO_S32_LE) {
						int32_t x = (int32_t)llrint(v * 2147483647.0);

						memcpy(s, &x, 4);
					} else {
						float x = (float)v;

						memcpy(s, &x, 4);
					}
				}
			}
			w = snd_pcm_writei(out_pcm, obuf, (snd_pcm_uframes_t)n);
			if (w == -EAGAIN)
				w = 0;
			else if (w < 0 && snd_pcm_recover(out_pcm, (int)w, 1) == 0)
				w = 0;
			if (w < 0)
				BAD("write to %s: %s", playback, snd_strerror((int)w));
			if (w > 0 && base < 0)
				base = recorded;	/* the tone starts after what was recorded so far */
			played += w;
			progress += w;
		}
		if (in_pcm && recorded < total) {
			long n = read_some(in_pcm, ibuf, total - recorded < 1024 ? total - recorded : 1024,
					   err, errlen);

			if (n < 0)
				goto out;
			for (long i = 0; i < n; i++)
				mono[recorded + i] = audio_sample(p->format, ibuf, (size_t)(i * p->channels));
			recorded += n;
			progress += n;
		}
		if (!progress && wait_pcm(in_pcm ? in_pcm : out_pcm, deadline) < 0)
			BAD("timed out: played %ld and recorded %ld of %ld frames", played, recorded, total);
	}
	if (in_pcm) {
		long onset = audio_onset(mono, (size_t)recorded, amplitude / 2);

		if (onset >= 0) {
			*latency_ms = (double)(onset - (base < 0 ? 0 : base)) * 1000 / p->rate;
			*tone_dbfs = audio_tone_dbfs(mono + onset, (size_t)(recorded - onset), p->rate, 1000);
		}
	}
	rc = 0;
out:
	if (out_pcm) {
		snd_pcm_drop(out_pcm);
		snd_pcm_close(out_pcm);
	}
	if (in_pcm)
		snd_pcm_close(in_pcm);
	free(obuf);
	free(ibuf);
	free(mono);
	return rc;
}
