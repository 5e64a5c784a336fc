/* The checks (see checks.h). Every check is a FAIL with its reason when it
 * cannot run, never a crash or a hang. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "../../drivers/audio_alsa.h"
#include "checks.h"
#include "../mqtt/mosq.h"
#include "../../core/log.h"

static int64_t since(int64_t start)
{
	return time_mono_ms() - start;
}

static void pause_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void check_state_dir(const struct conf *c, struct selftest *t)
{
	char probe[PATH_MAX + 32];
	struct statvfs vfs;
	struct selftest_check *k;
	double free_mb;

	snprintf(probe, sizeof(probe), "%s/.selftest-probe", c->state_dir);
	if (file_write_atomic(probe, "probe\n", 6) < 0) {
		selftest_add(t, "state_dir", SELFTEST_FAIL,
			     "check the folder's owner (the onair user) and that the disk is mounted read-write",
			     "%s is not writable: %s", c->state_dir, strerror(errno));
		return;
	}
	unlink(probe);
	if (statvfs(c->state_dir, &vfs) < 0) {
		selftest_add(t, "state_dir", SELFTEST_FAIL, "", "statvfs %s: %s", c->state_dir, strerror(errno));
		return;
	}
	free_mb = (double)vfs.f_bavail * (double)vfs.f_frsize / 1048576.0;
	k = selftest_add(t, "state_dir",
			 free_mb < (double)c->selftest.min_free_mb / 10 ? SELFTEST_FAIL
			 : free_mb < (double)c->selftest.min_free_mb  ? SELFTEST_WARN
								       : SELFTEST_PASS,
			 "free space on the card: old show logs are in state_dir/shows",
			 "%s writable, %.0f MB free (want %lld)", c->state_dir, free_mb,
			 (long long)c->selftest.min_free_mb);
	selftest_number(k, "free_mb", round(free_mb), "MB");
}

static void check_clock(const struct conf *c, struct selftest *t)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);
	bool networked = c->role != NODE_STANDALONE;
	struct selftest_check *k;

	if (state < 0) {
		k = selftest_add(t, "clock", SELFTEST_WARN,
				 "allow adjtimex in the service's system call filter",
				 "cannot read the clock's sync state: %s", strerror(errno));
	} else if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		k = selftest_add(t, "clock", networked ? SELFTEST_FAIL : SELFTEST_WARN,
				 "start time sync (systemd-timesyncd or chrony) and wait for it to sync",
				 "system clock is not synchronised%s",
				 networked ? ": followers' countdowns would disagree" : "");
	} else if (tx.esterror / 1000 > c->selftest.clock_max_error_ms) {
		k = selftest_add(t, "clock", SELFTEST_WARN, "check the time server is reachable",
				 "synchronised, but estimated error %ld ms (want under %lld)", tx.esterror / 1000,
				 (long long)c->selftest.clock_max_error_ms);
	} else {
		k = selftest_add(t, "clock", SELFTEST_PASS, "", "synchronised, estimated error %ld ms",
				 tx.esterror / 1000);
	}
	selftest_number(k, "esterror_ms", (double)tx.esterror / 1000, "ms");
}

struct selftest_check *checks_device(struct selftest *t, const char *name, const struct drv_ops *ops,
				     struct drv *drv, int64_t walk_ms, bool on_air)
{
	char desc[512];
	bool present;
	int rc = 0;

	ops->describe(drv, desc, sizeof(desc), &present);
	if (!present)
		return selftest_add(t, name, SELFTEST_FAIL, "plug it in (or check the USB cable and port)",
				    "%s", desc);
	if (ops->test && walk_ms && !on_air) {
		/* Lamp walk: each device lit in turn, so a person sees every lamp work. */
		rc = ops->test(drv, true);
		pause_ms(walk_ms);
		rc |= ops->test(drv, false);
	}
	return selftest_add(t, name, rc ? SELFTEST_FAIL : SELFTEST_PASS, "a write failed: check the wiring",
			    "%s%s", desc, !ops->test || !walk_ms ? ""
					  : on_air	       ? "; test pattern skipped: on air"
							       : "; test pattern shown");
}

static void check_devices(const struct conf *c, struct drv_host *host, struct selftest *t)
{
	for (int i = 0; i < c->ndevices; i++) {
		const struct conf_device *dev = &c->device[i];
		struct diag diag = { 0 };
		char name[64], why[160];
		const struct drv_ops *ops = drv_find(dev->driver, why, sizeof(why));
		int64_t start = time_mono_ms();
		struct selftest_check *k;
		struct drv *drv;

		/* The console is this terminal, not studio hardware. */
		if (ops == &console_driver_ops)
			continue;
		snprintf(name, sizeof(name), "device.%s", dev->name);
		drv = ops ? ops->open(dev, host, &diag) : NULL;
		if (!drv) {
			const char *line = diag.count ? strstr(diag.lines[0], ": ") : NULL;

			selftest_add(t, name, SELFTEST_FAIL,
				     "check the wiring and the config; see the board file for line names",
				     "%s", !ops ? why : line ? line + 2 : "cannot open");
			diag_free(&diag);
			continue;
		}
		diag_free(&diag);
		k = checks_device(t, name, ops, drv, c->selftest.lamp_walk_ms, false);
		if (k)
			k->took_ms = (double)since(start);
		ops->safe(drv);
		ops->close(drv);
	}
}

static void levels_values(struct selftest_check *k, const struct audio_levels *l)
{
	for (int ch = 0; ch < l->channels; ch++) {
		struct audio_channel a;
		char name[32];

		audio_channel_get(l, ch, &a);
		snprintf(name, sizeof(name), "peak_dbfs_ch%d", ch + 1);
		selftest_number(k, name, round(a.peak_dbfs * 10) / 10, "dBFS");
		snprintf(name, sizeof(name), "rms_dbfs_ch%d", ch + 1);
		selftest_number(k, name, round(a.rms_dbfs * 10) / 10, "dBFS");
		snprintf(name, sizeof(name), "dc_ch%d", ch + 1);
		selftest_number(k, name, round(a.dc * 10000) / 10000, "");
	}
}

static void check_audio(const struct conf *c, struct selftest *t)
{
	static const char *const hints[] = {
		[AUDIO_OK] = "",
		[AUDIO_LOW] = "raise the microphone or mixer gain",
		[AUDIO_DC] = "check the interface's input (a faulty preamp or cable)",
		[AUDIO_WEAK_CHANNEL] = "check the cable and the mixer's routing for that channel",
		[AUDIO_CLIPPING] = "lower the input gain until the peaks stay below -1 dBFS",
		[AUDIO_SILENT] = "unmute the microphone, check it is plugged in and the mixer sends to this input",
	};
	struct audio_params p = { (int)c->audio.rate, (int)c->audio.channels,
				  (enum audio_format)audio_format_parse(c->audio.format) };
	struct audio_limits lim = { (double)c->audio.silence_dbfs, (double)c->audio.low_dbfs,
				    (double)c->audio.clip_dbfs, 0.02, 20 };
	struct audio_levels levels;
	struct selftest_check *k;
	char err[200], why[160];
	int64_t start;

	/* Said, so a technician knows the microphone was not heard: a WARN
	 * does not close the gate. */
	if (!*c->audio.capture && !*c->audio.playback) {
		selftest_add(t, "audio", SELFTEST_WARN,
			     "set audio.capture to the microphone's input (arecord -l lists the cards) to have it checked",
			     "not configured, not checked");
		return;
	}
	if (*c->audio.capture && !c->audio.loopback) {
		start = time_mono_ms();
		if (audio_capture(c->audio.capture, &p, c->audio.window_ms, &levels, err, sizeof(err)) < 0) {
			k = selftest_add(t, "audio.capture", SELFTEST_FAIL,
					 "check audio.capture (arecord -l lists the cards) and that nothing else holds it",
					 "%s", err);
		} else {
			enum audio_finding f = audio_judge(&levels, &lim, why, sizeof(why));

			k = selftest_add(t, "audio.capture",
					 f == AUDIO_OK	      ? SELFTEST_PASS
					 : f == AUDIO_LOW || f == AUDIO_DC ? SELFTEST_WARN
									: SELFTEST_FAIL,
					 hints[f], "%s: %s over %.1f s", c->audio.capture, why,
					 (double)c->audio.window_ms / 1000);
			levels_values(k, &levels);
		}
		if (k)
			k->took_ms = (double)since(start);
	}
	if (*c->audio.playback) {
		double level, latency;
		const char *name = c->audio.loopback ? "audio.loopback" : "audio.playback";

		start = time_mono_ms();
		if (audio_tone(c->audio.playback, c->audio.loopback ? c->audio.capture : NULL, &p,
			       (double)c->audio.tone_dbfs, c->audio.window_ms, &level, &latency, err,
			       sizeof(err)) < 0) {
			k = selftest_add(t, name, SELFTEST_FAIL, "check audio.playback (aplay -l lists the cards)",
					 "%s", err);
		} else if (!c->audio.loopback) {
			k = selftest_add(t, name, SELFTEST_PASS, "", "1 kHz at %lld dBFS played on %s for %.1f s",
					 (long long)c->audio.tone_dbfs, c->audio.playback,
					 (double)c->audio.window_ms / 1000);
		} else if (latency < 0) {
			k = selftest_add(t, name, SELFTEST_FAIL,
					 "check the cable from the output back to the input, and both gains",
					 "the 1 kHz tone played on %s never arrived on %s", c->audio.playback,
					 c->audio.capture);
		} else {
			double loss = (double)c->audio.tone_dbfs - level;

			k = selftest_add(t, name, fabs(loss) > 6 ? SELFTEST_WARN : SELFTEST_PASS,
					 "the loop loses or adds level: check the gains along it",
					 "1 kHz tone arrived at %.1f dBFS (sent %lld) after %.1f ms", level,
					 (long long)c->audio.tone_dbfs, latency);
			selftest_number(k, "tone_dbfs", round(level * 10) / 10, "dBFS");
			selftest_number(k, "latency_ms", round(latency * 10) / 10, "ms");
		}
		if (k)
			k->took_ms = (double)since(start);
	}
}

struct probe {
	bool connected, echoed, state;
	int rc;
	char echo_topic[256];
};

static void probe_connect(struct mosquitto *m, void *data, int rc)
{
	struct probe *pr = data;

	(void)m;
	pr->rc = rc;
	pr->connected = rc == 0;
}

static void probe_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
	struct probe *pr = data;

	(void)m;
	if (strcmp(msg->topic, pr->echo_topic) == 0)
		pr->echoed = true;
	else if (msg->payloadlen > 0)
		pr->state = true;
}

static bool pump(struct mosquitto *m, bool *flag, int64_t deadline)
{
	while (!*flag && time_mono_ms() < deadline)
		if (mosq.loop(m, 50, 1) != MOSQ_ERR_SUCCESS && !*flag)
			pause_ms(50);
	return *flag;
}

/* The broker as the daemon will meet it: reachable, TLS and credentials
 * accepted, a message through it and back, and a leader there. */
static void check_mqtt(const struct conf *c, struct selftest *t, const char *report)
{
	struct probe pr = { 0 };
	char prefix[160], topic[256];
	struct mosquitto *m;
	struct selftest_check *k;
	int64_t start = time_mono_ms(), sent;

	if (c->role == NODE_STANDALONE)
		return;
	mosq_prefix(c, prefix, sizeof(prefix));
	snprintf(pr.echo_topic, sizeof(pr.echo_topic), "%sselftest/%s/echo", prefix, c->node_name);
	if (!(m = mosq_client(&c->mqtt, NULL, &pr, topic, sizeof(topic)))) {
		selftest_add(t, "mqtt", SELFTEST_FAIL,
			     mosq_load(prefix, sizeof(prefix)) < 0 ? "install libmosquitto1"
								   : "check mqtt.username, password_file and the TLS files",
			     "%s", topic);
		return;
	}
	mosq.connect_callback_set(m, probe_connect);
	mosq.message_callback_set(m, probe_message);
	if (mosq.connect_async(m, c->mqtt.host, (int)c->mqtt.port, 10) != MOSQ_ERR_SUCCESS ||
	    !pump(m, &pr.connected, start + 3000)) {
		selftest_add(t, "mqtt", SELFTEST_FAIL,
			     "check mqtt.host and port, that the broker runs, and the network cable",
			     "no connection to %s:%lld%s%s within 3 s", c->mqtt.host, (long long)c->mqtt.port,
			     pr.rc ? ": " : "", pr.rc ? mosq.connack_string(pr.rc) : "");
		goto out;
	}
	mosq.subscribe(m, NULL, pr.echo_topic, 1);
	snprintf(topic, sizeof(topic), "%sstate", prefix);
	mosq.subscribe(m, NULL, topic, 1);
	sent = time_mono_ms();
	mosq.publish(m, NULL, pr.echo_topic, 4, "echo", 1, false);
	if (!pump(m, &pr.echoed, sent + 2000)) {
		selftest_add(t, "mqtt", SELFTEST_FAIL, "the broker's ACL may not let this user read its own topics",
			     "connected to %s, but a message to itself did not come back in 2 s", c->mqtt.host);
		goto out;
	}
	k = selftest_add(t, "mqtt", SELFTEST_PASS, "", "%s:%lld%s, round trip %lld ms", c->mqtt.host,
			 (long long)c->mqtt.port, c->mqtt.tls ? " over TLS" : "",
			 (long long)(time_mono_ms() - sent));
	selftest_number(k, "round_trip_ms", (double)(time_mono_ms() - sent), "ms");
	k->took_ms = (double)since(start);
	if (c->role == NODE_FOLLOWER) {
		pump(m, &pr.state, time_mono_ms() + 2000);
		selftest_add(t, "mqtt.leader", pr.state ? SELFTEST_PASS : SELFTEST_FAIL,
			     "start the studio's leader box (node.role = leader) on the same broker and studio",
			     pr.state ? "the leader's state is on the broker" : "no leader for studio %s",
			     c->studio);
	}
	if (report) {
		snprintf(topic, sizeof(topic), "%sselftest/%s", prefix, c->node_name);
		mosq.publish(m, NULL, topic, (int)strlen(report), report, 1, true);
		for (int i = 0; i < 10; i++)
			mosq.loop(m, 20, 1);
	}
out:
	mosq.disconnect(m);
	mosq.destroy(m);
	mosq.lib_cleanup();
}

void checks_system(const struct conf *c, struct selftest *t)
{
	selftest_add(t, "config", SELFTEST_PASS, "", "%s valid: %d segments, %d device%s", c->path,
		     c->rundown.count, c->ndevices, c->ndevices == 1 ? "" : "s");
	check_state_dir(c, t);
	check_clock(c, t);
	check_mqtt(c, t, NULL);
	check_audio(c, t);
}

void checks_run(const struct conf *c, struct drv_host *host, struct selftest *t)
{
	checks_system(c, t);
	check_devices(c, host, t);
}

void checks_publish(const struct conf *c, const char *report)
{
	struct selftest scratch = { 0 };

	if (c->role != NODE_STANDALONE)
		check_mqtt(c, &scratch, report);
}
