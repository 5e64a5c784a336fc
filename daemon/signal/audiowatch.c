/* The audio watch in the running daemon (see audiowatch.h). Read in the
 * loop, one read per wake, so a lamp's event waits behind at most one. */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/util.h"
#include "audiowatch.h"
#include "../show/running.h"
#include "../../core/watch.h"

#define MAX_FDS 4
/* A read is the most a lamp's event can wait behind: about 5 ms of audio
 * at 48 kHz, under a third of a millisecond of arithmetic on amd64. A card
 * with more ready wakes the loop again at once, after the other events. */
#define READ_FRAMES 256
#define RETRY_MS 2000
/* A card that has said nothing this long has stopped delivering. */
#define STALL_MS 2000
/* A device read on a timer (never a card: alsa-lib's file and null
 * plugins) gets eight reads each 10 ms, about four times real time. */
#define POLL_MS 10
#define READS_PER_POLL 8

enum input { INPUT_OFF, INPUT_OK, INPUT_LOST, INPUT_PAUSED };
static const char *const input_names[] = { "off", "ok", "lost", "paused" };

static struct {
	bool on;
	struct audio_conf conf;		/* our copy: a reload merges into it */
	enum audio_format format;
	snd_pcm_t *pcm;
	struct pollfd pfd[MAX_FDS];
	struct loop_watch *fdw[MAX_FDS];
	int nfds;
	void *buf;
	struct watch w;
	bool ready;			/* w is initialised */
	enum input input;
	char why[160];
	struct loop_timer *tick, *publish, *poll;
	int64_t last_frames_mono;	/* when audio last arrived */
	uint64_t xruns, reopened;
	int segment;			/* the show's segment the figures are of */
} aw = { .segment = -1 };

static void quiet(const char *file, int line, const char *function, int err, const char *fmt, ...)
{
	(void)file, (void)line, (void)function, (void)err, (void)fmt;
}

static void note(const char *what, const char *detail)
{
	if (running.log.fd >= 0 && showlog_note(&running.log, what, detail, time_now()) < 0)
		log_warn("showlog: write %s", running.log.path);
}

/* What the watch said, to the daemon's log and the show log. */
static bool drain(void)
{
	bool any = aw.w.nevents > 0;

	for (int i = 0; i < aw.w.nevents; i++) {
		const struct watch_event *e = &aw.w.event[i];
		const char *name = e->raised ? watch_alarm_name(e->alarm) : watch_alarm_end_name(e->alarm);

		if (e->raised)
			log_warnx("audio watch: %s: %s", name, e->detail);
		else
			log_info("audio watch: %s: %s", name, e->detail);
		note(name, e->detail);
	}
	aw.w.nevents = 0;
	return any;
}

static void close_input(void)
{
	for (int i = 0; i < aw.nfds; i++)
		loop_watch_remove(aw.fdw[i]);
	aw.nfds = 0;
	if (aw.poll)
		loop_timer_arm(aw.poll, NEVER);
	if (aw.pcm)
		snd_pcm_close(aw.pcm);
	aw.pcm = NULL;
}

/* The input is gone (or never came): said once, retried by the tick. */
static void lose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void lose(const char *fmt, ...)
{
	va_list ap;
	char why[sizeof(aw.why)];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	close_input();
	if (aw.input != INPUT_LOST) {
		log_warnx("audio watch: %s: %s; trying again every %d s", aw.conf.capture, why, RETRY_MS / 1000);
		note("audio_lost", why);
		aw.input = INPUT_LOST;
		str_copy(aw.why, why, sizeof(aw.why));
		loop_timer_arm(aw.publish, time_mono_ms());
	}
	loop_timer_arm(aw.tick, time_mono_ms() + RETRY_MS);
}

static void readable(int fd, uint32_t events, void *data);
static void poll_timer(void *data);

static void open_input(void)
{
	int n, rc;

	snd_lib_error_set_handler(quiet);
	rc = snd_pcm_open(&aw.pcm, aw.conf.capture, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
	if (rc < 0) {
		aw.pcm = NULL;
		lose("open: %s", snd_strerror(rc));
		return;
	}
	/* ALSA's plug layer may convert: the watch hears what the card gives
	 * in the format it reads. */
	rc = snd_pcm_set_params(aw.pcm, (snd_pcm_format_t[]){ [AUDIO_S16_LE] = SND_PCM_FORMAT_S16_LE,
							      [AUDIO_S32_LE] = SND_PCM_FORMAT_S32_LE,
							      [AUDIO_FLOAT_LE] = SND_PCM_FORMAT_FLOAT_LE }[aw.format],
				SND_PCM_ACCESS_RW_INTERLEAVED, (unsigned)aw.conf.channels, (unsigned)aw.conf.rate, 1,
				200000);
	if (rc < 0) {
		lose("%lld Hz, %lld channels, %s: %s", (long long)aw.conf.rate, (long long)aw.conf.channels,
		     audio_format_name(aw.format), snd_strerror(rc));
		return;
	}
	n = snd_pcm_poll_descriptors(aw.pcm, aw.pfd, MAX_FDS);
	if (n <= 0 || (rc = snd_pcm_start(aw.pcm)) < 0) {
		lose("start: %s", n <= 0 ? "no descriptors to wait on" : snd_strerror(rc));
		return;
	}
	for (int i = 0; i < n; i++) {
		aw.fdw[i] = loop_watch_add(aw.pfd[i].fd, aw.pfd[i].events, readable, NULL);
		if (!aw.fdw[i]) {
			/* epoll refuses what is always ready (alsa-lib's null and
			 * file plugins wait on /dev/null): such a device is read
			 * on a timer instead. */
			for (int k = 0; k < i; k++)
				loop_watch_remove(aw.fdw[k]);
			n = 0;
			loop_timer_arm(aw.poll, time_mono_ms() + POLL_MS);
			break;
		}
	}
	aw.nfds = n;
	aw.last_frames_mono = time_mono_ms();
	if (aw.input == INPUT_LOST) {
		aw.reopened++;
		log_info("audio watch: %s is back", aw.conf.capture);
		note("audio_back", aw.conf.capture);
	}
	aw.input = INPUT_OK;
	aw.why[0] = '\0';
	loop_timer_arm(aw.tick, time_mono_ms() + STALL_MS);
	loop_timer_arm(aw.publish, time_mono_ms());
}

static void read_some(int reads)
{
	bool said = false;

	for (int k = 0; k < reads; k++) {
		snd_pcm_sframes_t r = snd_pcm_readi(aw.pcm, aw.buf, READ_FRAMES);

		if (r > 0) {
			watch_feed(&aw.w, aw.format, aw.buf, (size_t)r);
			aw.last_frames_mono = time_mono_ms();
			said |= drain();
			continue;
		}
		if (r == -EAGAIN)
			break;
		if (r == -EPIPE) {
			/* An overrun loses a moment of audio, not the watch. */
			if (aw.xruns++ % 100 == 0)
				log_warnx("audio watch: %s overran (%llu so far)", aw.conf.capture,
					  (unsigned long long)aw.xruns);
			if (snd_pcm_prepare(aw.pcm) < 0 || snd_pcm_start(aw.pcm) < 0)
				lose("overran and cannot start again");
			break;
		}
		/* Ready and nothing to read: a card (or a file) that ended. */
		lose(r == 0 ? "it delivers nothing" : "read: %s", snd_strerror((int)r));
		return;
	}
	if (said)
		running_publish();
}

static void readable(int fd, uint32_t events, void *data)
{
	unsigned short revents = 0;

	(void)data;
	for (int i = 0; i < aw.nfds; i++)
		aw.pfd[i].revents = aw.pfd[i].fd == fd ? (short)events : 0;
	if (snd_pcm_poll_descriptors_revents(aw.pcm, aw.pfd, (unsigned)aw.nfds, &revents) < 0) {
		lose("its descriptors went bad");
		return;
	}
	read_some(1);
}

static void poll_timer(void *data)
{
	(void)data;
	if (!aw.pcm)
		return;
	read_some(READS_PER_POLL);
	if (aw.pcm && !aw.nfds)
		loop_timer_arm(aw.poll, time_mono_ms() + POLL_MS);
}

static void tick(void *data)
{
	(void)data;
	if (aw.input == INPUT_PAUSED || !aw.on)
		return;
	if (!aw.pcm) {
		open_input();
		return;
	}
	if (time_mono_ms() - aw.last_frames_mono >= STALL_MS) {
		lose("no audio for %d s", STALL_MS / 1000);
		return;
	}
	loop_timer_arm(aw.tick, aw.last_frames_mono + STALL_MS);
}

static void publish_now(void *data)
{
	(void)data;
	running_publish();
}

/* The segment's figures into the show log, for the review. */
static void segment_done(void)
{
	char detail[160];

	if (aw.segment < 0 || aw.w.segment_frames == 0)
		return;
	if (isfinite(aw.w.segment_lufs))
		snprintf(detail, sizeof(detail), "segment %d: %.1f LUFS integrated, %.1f s silent, %llu clipped samples",
			 aw.segment + 1, aw.w.segment_lufs, (double)aw.w.segment_silence_ms / 1000,
			 (unsigned long long)aw.w.segment_clipped);
	else
		snprintf(detail, sizeof(detail), "segment %d: no loudness (silent), %.1f s silent, %llu clipped samples",
			 aw.segment + 1, (double)aw.w.segment_silence_ms / 1000,
			 (unsigned long long)aw.w.segment_clipped);
	note("audio_segment", detail);
}

static void updated(struct onair_time now)
{
	enum show_phase p = running.show.phase;
	bool armed = p == SHOW_LIVE || p == SHOW_HOLD;
	int seg = p == SHOW_STANDBY || p == SHOW_ENDED ? -1 : running.show.seg;

	(void)now;
	if (!aw.ready)
		return;
	/* An input lost before the show began is in its log from the start. */
	if (aw.segment < 0 && seg >= 0 && aw.input == INPUT_LOST)
		note("audio_lost", aw.why);
	/* A segment's figures end with it, or with the show. */
	if (seg != aw.segment) {
		segment_done();
		watch_segment(&aw.w);
		aw.segment = seg;
	}
	if (armed != aw.w.armed) {
		watch_arm(&aw.w, armed);
		/* The screens learn it after this update, not inside it. */
		if (drain())
			loop_timer_arm(aw.publish, time_mono_ms());
	}
}

static void start(const struct conf *c)
{
	struct watch_limits lim;
	int f = audio_format_parse(c->audio.format);

	aw.on = conf_audio_watch(c) && f >= 0;
	aw.conf = c->audio;
	if (!aw.on) {
		aw.input = INPUT_OFF;
		return;
	}
	aw.format = (enum audio_format)f;
	watch_limits_defaults(&lim);
	lim.silence_dbfs = (double)c->audio.watch_silence_dbfs;
	lim.silence_ms = c->audio.watch_silence_ms;
	lim.release_ms = c->audio.watch_release_ms;
	lim.clip_dbfs = (double)c->audio.watch_clip_dbfs;
	lim.dead_db = (double)c->audio.watch_dead_db;
	lim.low_lufs = (double)c->audio.watch_loudness_low;
	lim.high_lufs = (double)c->audio.watch_loudness_high;
	lim.loudness_ms = c->audio.watch_loudness_ms;
	aw.buf = malloc((size_t)READ_FRAMES * (size_t)c->audio.channels * audio_sample_size(aw.format));
	if (!aw.buf || watch_init(&aw.w, &lim, (int)c->audio.rate, (int)c->audio.channels) < 0) {
		log_warnx("audio watch: cannot measure %lld Hz, %lld channels", (long long)c->audio.rate,
			  (long long)c->audio.channels);
		free(aw.buf);
		aw.buf = NULL;
		aw.on = false;
		aw.input = INPUT_OFF;
		return;
	}
	aw.ready = true;
	aw.segment = -1;
	aw.input = INPUT_OK;
	open_input();
	updated(time_now());
}

static void stop(void)
{
	close_input();
	if (aw.ready)
		watch_fini(&aw.w);
	aw.ready = false;
	free(aw.buf);
	aw.buf = NULL;
	aw.on = false;
}

/* A reload that changes nothing of [audio] leaves the watch listening. */
static void reloaded(struct onair_time now)
{
	(void)now;
	if (memcmp(&aw.conf, &running.conf->audio, sizeof(aw.conf)) == 0 &&
	    aw.on == conf_audio_watch(running.conf))
		return;
	log_info("audio watch: [audio] changed: listening again");
	stop();
	start(running.conf);
}

void audiowatch_init(void)
{
	aw.tick = loop_timer_add(tick, NULL);
	aw.publish = loop_timer_add(publish_now, NULL);
	aw.poll = loop_timer_add(poll_timer, NULL);
	running_observe(RUNNING_UPDATED, updated);
	running_observe(RUNNING_RELOADED, reloaded);
	start(running.conf);
}

void audiowatch_fini(void)
{
	running_unobserve(RUNNING_UPDATED, updated);
	running_unobserve(RUNNING_RELOADED, reloaded);
	stop();
	loop_timer_remove(aw.tick);
	loop_timer_remove(aw.publish);
	loop_timer_remove(aw.poll);
	aw.tick = aw.publish = aw.poll = NULL;
}

void audiowatch_pause(void)
{
	if (!aw.on)
		return;
	close_input();
	aw.input = INPUT_PAUSED;
	loop_timer_arm(aw.tick, NEVER);
}

void audiowatch_resume(void)
{
	if (!aw.on || aw.input != INPUT_PAUSED)
		return;
	aw.input = INPUT_OK;
	open_input();
}

static void number(cJSON *o, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, round(v * 10) / 10);
	else
		cJSON_AddNullToObject(o, name);
}

void audiowatch_alarms_json(cJSON *o)
{
	cJSON *a = cJSON_AddArrayToObject(o, "alarms");

	if (!aw.on)
		return;
	if (aw.input == INPUT_LOST)
		cJSON_AddItemToArray(a, cJSON_CreateString("audio_lost"));
	for (int i = 0; i < WATCH_ALARMS; i++)
		if (aw.w.on[i])
			cJSON_AddItemToArray(a, cJSON_CreateString(watch_alarm_name((enum watch_alarm)i)));
}

void audiowatch_status_json(cJSON *o)
{
	cJSON *j, *levels;

	if (!aw.on)
		return;
	j = cJSON_AddObjectToObject(o, "audio_watch");
	json_add_text(j, "input", input_names[aw.input]);
	json_add_text(j, "device", aw.conf.capture);
	if (*aw.why)
		json_add_text(j, "why", aw.why);
	cJSON_AddBoolToObject(j, "armed", aw.w.armed);
	levels = cJSON_AddArrayToObject(j, "level_dbfs");
	for (int c = 0; c < aw.w.channels; c++)
		cJSON_AddItemToArray(levels, isfinite(aw.w.level_dbfs[c]) ?
					     cJSON_CreateNumber(round(aw.w.level_dbfs[c] * 10) / 10) : cJSON_CreateNull());
	number(j, "peak_dbfs", aw.w.peak_dbfs);
	number(j, "momentary_lufs", aw.w.momentary_lufs);
	number(j, "shortterm_lufs", aw.w.shortterm_lufs);
	number(j, "integrated_lufs", aw.w.integrated_lufs);
	number(j, "segment_lufs", aw.w.segment_lufs);
	number(j, "true_peak_dbtp", aw.w.true_peak_dbtp);
	audiowatch_alarms_json(j);
	cJSON_AddNumberToObject(j, "silence_s", (double)aw.w.silence_ms_total / 1000);
	cJSON_AddNumberToObject(j, "clipped", (double)aw.w.clipped);
	cJSON_AddNumberToObject(j, "heard_s", round((double)aw.w.frames / aw.w.rate * 10) / 10);
	cJSON_AddNumberToObject(j, "xruns", (double)aw.xruns);
	cJSON_AddNumberToObject(j, "reopened", (double)aw.reopened);
}
