/* Bench helper, run inside the VM: plays a known signal on an ALSA device
 * (48 kHz, S16_LE, stereo) for the self-test to judge on the other side of
 * snd-aloop. Prints the wall clock (ms) of its first write, for the watch's
 * bench. Usage: tone DEVICE silence|sine|clipped|dc|dead-right SECONDS [PEAK_DBFS]
 * (the sine's peak, -20 dBFS unless given: EBU Tech 3341's -23 reads -23 LUFS). */
#include <alsa/asoundlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	static int16_t buf[480 * 2];
	snd_pcm_t *pcm;
	const char *kind;
	long periods;
	double amplitude = 0.1;

	if (argc != 4 && argc != 5)
		return 2;
	if (argc == 5)
		amplitude = pow(10, atof(argv[4]) / 20);
	kind = argv[2];
	periods = atol(argv[3]) * 100;
	if (snd_pcm_open(&pcm, argv[1], SND_PCM_STREAM_PLAYBACK, 0) < 0 ||
	    snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 2, 48000, 0,
			       100000) < 0) {
		fprintf(stderr, "tone: cannot open %s\n", argv[1]);
		return 1;
	}
	for (long p = 0, n = 0; p < periods; p++) {
		for (int i = 0; i < 480; i++, n++) {
			double s = amplitude * sin(2 * M_PI * 1000 * (double)n / 48000), l = s, r = s;

			if (strcmp(kind, "silence") == 0)
				l = r = 0;
			else if (strcmp(kind, "clipped") == 0)
				l = r = fmax(-1, fmin(1, 15 * s));
			else if (strcmp(kind, "dc") == 0)
				l = s + 0.1;
			else if (strcmp(kind, "dead-right") == 0)
				r = 0;
			buf[2 * i] = (int16_t)lrint(fmax(-1, fmin(1, l)) * 32767);
			buf[2 * i + 1] = (int16_t)lrint(fmax(-1, fmin(1, r)) * 32767);
		}
		if (snd_pcm_writei(pcm, buf, 480) < 0)
			snd_pcm_prepare(pcm);
		if (p == 0) {
			struct timespec now;

			clock_gettime(CLOCK_REALTIME, &now);
			printf("%lld\n", (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
			fflush(stdout);
		}
	}
	snd_pcm_drain(pcm);
	snd_pcm_close(pcm);
	return 0;
}
