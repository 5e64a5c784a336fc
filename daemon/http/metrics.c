/* /metrics (see metrics.h): the status answer, read once, written in
 * Prometheus's text exposition format (version 0.0.4) by hand: Debian
 * packages no C client library. Names follow Prometheus's conventions:
 * the onair_ prefix, base units (seconds, bytes), _total for counters,
 * a state as one series per state with the current one at 1. A value
 * status does not have (no segment running, no source) is left out, not
 * written as 0: an absent series is not a lamp that lies. */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/show.h"
#include "metrics.h"
#include "../../core/version.h"

struct out {
	FILE *f;
	const char *family;	/* the last family given HELP and TYPE */
};

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f), fputc(*v, f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	if (o->family && strcmp(o->family, name) == 0)
		return;
	fprintf(o->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	o->family = name;
}

/* One sample; labels as "key", "value" pairs ending in NULL. */
static void sample(struct out *o, const char *name, double value, ...)
{
	va_list ap;
	const char *k;
	bool first = true;

	fputs(name, o->f);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		fprintf(o->f, "%s%s=\"", first ? "{" : ",", k);
		label_value(o->f, va_arg(ap, const char *));
		fputc('"', o->f);
		first = false;
	}
	va_end(ap);
	if (!first)
		fputc('}', o->f);
	if (value == floor(value) && fabs(value) < 1e15)
		fprintf(o->f, " %.0f\n", value);
	else
		fprintf(o->f, " %.3f\n", value);
}

static double number(const cJSON *o, const char *key, bool *has)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*has = cJSON_IsNumber(v) || cJSON_IsBool(v);
	return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsTrue(v) ? 1 : 0;
}

static const char *text(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A plain number from status, when it has it. */
static void gauge_of(struct out *o, const cJSON *from, const char *key, const char *name, const char *type,
		     const char *help, double scale)
{
	bool has;
	double v = number(from, key, &has);

	if (!has)
		return;
	family(o, name, type, help);
	sample(o, name, v * scale, NULL);
}

/* One series per state, the current one at 1. */
static void state_set(struct out *o, const char *name, const char *help, const char *label, const char *now,
		      const char *const *states, size_t n)
{
	family(o, name, "gauge", help);
	for (size_t i = 0; i < n; i++)
		sample(o, name, strcmp(states[i], now) == 0 ? 1 : 0, label, states[i], NULL);
}

static void show_metrics(struct out *o, const cJSON *s)
{
	static const char *const phases[] = { "standby", "preroll", "live", "hold", "ended" };
	bool has;
	double remaining = number(s, "remaining_ms", &has);

	state_set(o, "onair_show_state", "The show's phase (1 for the current one).", "state", text(s, "state"),
		  phases, sizeof(phases) / sizeof(phases[0]));
	gauge_of(o, s, "segment", "onair_show_segment", "gauge", "The running segment, 1 the first (0 before).", 1);
	gauge_of(o, s, "segments", "onair_show_segments", "gauge", "Segments in the rundown.", 1);
	if (has) {
		family(o, "onair_segment_remaining_seconds", "gauge",
		       "Seconds left in the running segment (negative past its end).");
		sample(o, "onair_segment_remaining_seconds", remaining / 1000, NULL);
		family(o, "onair_segment_overrun_seconds", "gauge", "Seconds the running segment is past its end.");
		sample(o, "onair_segment_overrun_seconds", remaining < 0 ? -remaining / 1000 : 0, NULL);
	}
	gauge_of(o, s, "offset_ms", "onair_show_offset_seconds", "gauge",
		 "The show against its plan: positive when late.", 0.001);
	gauge_of(o, s, "onair", "onair_onair_lamp", "gauge", "1 while the ON AIR lamp is lit.", 1);
}

static void command_metrics(struct out *o, const cJSON *s)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(s, "commands"), *one;

	family(o, "onair_commands_total", "counter", "Show commands since start, by where they came from.");
	cJSON_ArrayForEach(one, all) {
		bool has;

		sample(o, "onair_commands_total", number(one, "done", &has), "source", one->string, "result", "done",
		       NULL);
		sample(o, "onair_commands_total", number(one, "refused", &has), "source", one->string, "result",
		       "refused", NULL);
	}
}

static void device_metrics(struct out *o, const cJSON *s)
{
	const cJSON *d;

	family(o, "onair_device_present", "gauge", "1 while the device is there and working.");
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(s, "devices")) {
		bool has;

		sample(o, "onair_device_present", number(d, "present", &has), "device", text(d, "name"), "driver",
		       text(d, "driver"), NULL);
	}
}

static void source_metrics(struct out *o, const cJSON *s)
{
	static const char *const tallies[] = { "program", "preview", "off", "unknown" };
	static const char *const streams[] = { "live", "down", "unknown" };
	const cJSON *src, *cam, *stream = cJSON_GetObjectItemCaseSensitive(s, "stream");
	const cJSON *sources = cJSON_GetObjectItemCaseSensitive(s, "sources");

	if (cJSON_GetArraySize(sources)) {
		family(o, "onair_source_present", "gauge", "1 while the tally source hears its switcher.");
		cJSON_ArrayForEach(src, sources) {
			bool has;

			sample(o, "onair_source_present", number(src, "present", &has), "source", text(src, "name"),
			       "type", text(src, "type"), NULL);
		}
	}
	/* One family at a time: a second OBS source must not repeat its HELP. */
	cJSON_ArrayForEach(src, sources) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(src, "health");
		bool has;

		if (!h)
			continue;
		family(o, "onair_stream_struggling", "gauge",
		       "1 while the stream a source sends is struggling (frames dropped, congestion, reconnecting).");
		sample(o, "onair_stream_struggling", number(h, "struggling", &has), "source", text(src, "name"), NULL);
	}
	cJSON_ArrayForEach(src, sources) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(src, "health");
		bool has;

		if (!h)
			continue;
		family(o, "onair_stream_dropped_ratio", "gauge", "Share of frames the stream dropped over the last 10 s.");
		sample(o, "onair_stream_dropped_ratio", number(h, "dropped_pct", &has) / 100, "source", text(src, "name"),
		       NULL);
	}
	cam = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s, "tally"), "cameras");
	if (cJSON_GetArraySize(cam)) {
		const cJSON *c;

		family(o, "onair_camera_tally", "gauge", "A camera's tally as the lamps show it (1 for the current one).");
		cJSON_ArrayForEach(c, cam)
			for (size_t i = 0; i < sizeof(tallies) / sizeof(tallies[0]); i++)
				sample(o, "onair_camera_tally", strcmp(text(c, "tally"), tallies[i]) == 0 ? 1 : 0, "camera",
				       c->string, "tally", tallies[i], NULL);
	}
	if (stream) {
		bool has;

		state_set(o, "onair_stream_state", "The stream as its source tells it (1 for the current one).",
			  "state", text(stream, "state"), streams, sizeof(streams) / sizeof(streams[0]));
		family(o, "onair_stream_outage", "gauge", "1 while the show is on the air and the stream is not.");
		sample(o, "onair_stream_outage", number(stream, "outage", &has), NULL);
	}
}

/* The audio watch (docs/watch.md): an alarm rule reads these, not words. */
static void watch_metrics(struct out *o, const cJSON *s)
{
	static const char *const inputs[] = { "ok", "lost", "paused" };
	static const char *const alarms[] = { "silence", "clipping", "dead_channel", "dc_offset", "loudness_low",
					      "loudness_high" };
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(s, "audio_watch"), *on;

	if (!w)
		return;
	on = cJSON_GetObjectItemCaseSensitive(w, "alarms");
	state_set(o, "onair_audio_input", "The watched audio input (1 for its state now).", "state", text(w, "input"),
		  inputs, sizeof(inputs) / sizeof(inputs[0]));
	family(o, "onair_audio_alarm", "gauge", "1 while the audio watch raises this alarm.");
	for (size_t i = 0; i < sizeof(alarms) / sizeof(alarms[0]); i++) {
		const cJSON *a;
		int raised = 0;

		cJSON_ArrayForEach(a, on)
			raised |= cJSON_IsString(a) && strcmp(a->valuestring, alarms[i]) == 0;
		sample(o, "onair_audio_alarm", raised, "alarm", alarms[i], NULL);
	}
	gauge_of(o, w, "shortterm_lufs", "onair_audio_shortterm_lufs", "gauge",
		 "Short-term loudness (BS.1770, 3 s) of the watched input, LUFS.", 1);
	gauge_of(o, w, "integrated_lufs", "onair_audio_integrated_lufs", "gauge",
		 "Integrated loudness since the watch began, LUFS.", 1);
	gauge_of(o, w, "silence_s", "onair_audio_silence_seconds_total", "counter",
		 "Seconds of silence the watch has said.", 1);
	gauge_of(o, w, "clipped", "onair_audio_clipped_samples_total", "counter",
		 "Samples at or above the clip level.", 1);
	gauge_of(o, w, "xruns", "onair_audio_overruns_total", "counter", "Capture overruns (audio lost).", 1);
}

static void link_metrics(struct out *o, const cJSON *s)
{
	static const char *const links[] = { "ok", "stale", "lost" };
	const cJSON *node = cJSON_GetObjectItemCaseSensitive(s, "node");

	if (!node)
		return;
	gauge_of(o, node, "connected", "onair_mqtt_connected", "gauge", "1 while connected to the studio's broker.", 1);
	state_set(o, "onair_link_state", "The studio link as this box sees it (1 for the current one).", "state",
		  text(node, "link"), links, sizeof(links) / sizeof(links[0]));
	gauge_of(o, node, "sent", "onair_mqtt_sent_total", "counter", "Messages sent to the studio.", 1);
	gauge_of(o, node, "received", "onair_mqtt_received_total", "counter", "Messages taken from the studio.", 1);
	gauge_of(o, node, "rejected", "onair_mqtt_rejected_total", "counter", "Messages from the studio refused.", 1);
	gauge_of(o, node, "state_bytes", "onair_mqtt_state_bytes", "gauge", "The size of the last studio state sent.",
		 1);
}

static void storage_metrics(struct out *o, const cJSON *s)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "storage");

	gauge_of(o, st, "recording", "onair_storage_recording", "gauge", "1 while the show's records reach the disk.",
		 1);
	gauge_of(o, st, "syncs", "onair_storage_syncs_total", "counter", "fsyncs of the show's records.", 1);
	gauge_of(o, st, "bytes", "onair_storage_written_bytes_total", "counter", "Bytes of the show's records written.",
		 1);
	gauge_of(o, st, "pending", "onair_storage_pending_records", "gauge", "Records not yet durable.", 1);
	gauge_of(o, st, "held", "onair_storage_held_records", "gauge", "Records held in memory while the disk fails.",
		 1);
	gauge_of(o, st, "dropped", "onair_storage_dropped_records_total", "counter",
		 "Records lost because the disk failed too long.", 1);
}

static void web_metrics(struct out *o, const cJSON *s)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(s, "web");

	gauge_of(o, w, "connections", "onair_web_connections", "gauge", "Open connections to the pages.", 1);
	gauge_of(o, w, "closed_slow", "onair_web_closed_slow_total", "counter",
		 "Connections closed for a request slower than 10 s.", 1);
	gauge_of(o, w, "closed_for_room", "onair_web_closed_for_room_total", "counter",
		 "Connections closed to make room for others.", 1);
}

/* A floor's alerts (docs/floor.md): what stands, and each robot's deliveries. */
static void alert_metrics(struct out *o, const cJSON *s)
{
	static const char *const results[] = { "sent", "refused", "dropped" };
	const cJSON *al = cJSON_GetObjectItemCaseSensitive(s, "alerts"), *k;

	if (!al)
		return;
	family(o, "onair_floor_alerts_active", "gauge", "Alerts said and not yet resolved.");
	sample(o, "onair_floor_alerts_active", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(al, "active")), NULL);
	gauge_of(o, al, "fired", "onair_floor_alerts_fired_total", "counter", "Alerts said since start.", 1);
	if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(al, "sinks")))
		return;
	family(o, "onair_alert_messages_total", "counter",
	       "Messages to each group robot: sent, refused for good, or dropped (an hour unsent, a full queue).");
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(al, "sinks"))
		for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
			bool has;

			sample(o, "onair_alert_messages_total", number(k, results[i], &has), "sink", text(k, "name"),
			       "result", results[i], NULL);
		}
	family(o, "onair_alert_retries_total", "counter", "Tries at a group robot that failed and will be made again.");
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(al, "sinks")) {
		bool has;

		sample(o, "onair_alert_retries_total", number(k, "retries", &has), "sink", text(k, "name"), NULL);
	}
	family(o, "onair_alert_queue", "gauge", "Messages waiting for a group robot.");
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(al, "sinks")) {
		bool has;

		sample(o, "onair_alert_queue", number(k, "queued", &has), "sink", text(k, "name"), NULL);
	}
}

char *metrics_text(const cJSON *s, size_t *len)
{
	struct out o = { NULL, NULL };
	char *buf = NULL;
	bool has;

	if (!s || !(o.f = open_memstream(&buf, len)))
		return NULL;
	family(&o, "onair_build_info", "gauge", "The onaird that answers.");
	sample(&o, "onair_build_info", 1, "version", ONAIR_VERSION, NULL);
	show_metrics(&o, s);
	command_metrics(&o, s);
	device_metrics(&o, s);
	source_metrics(&o, s);
	watch_metrics(&o, s);
	link_metrics(&o, s);
	storage_metrics(&o, s);
	web_metrics(&o, s);
	alert_metrics(&o, s);
	family(&o, "onair_loop_wakeups_total", "counter", "Wake-ups of the daemon's loop since start.");
	sample(&o, "onair_loop_wakeups_total", number(s, "wakeups", &has), NULL);
	if (fclose(o.f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
