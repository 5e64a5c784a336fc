/* Config parsing. Debian's libinih gives the handler no line number and
 * cuts lines at 199 bytes, so a reader of our own counts lines, flags long
 * and malformed ones, strips indentation (which inih would otherwise read as
 * a continuation of the previous value) and lets the handler know the line. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "../../core/audio.h"
#include "../sources/source.h"
#include "../../core/webhook.h"
#include "../../core/alertrule.h"
#include "../../core/inifile.h"
#include "../../core/log.h"
#include "../../core/rhythm.h"

#define CONF_FILE_MAX (256 * 1024)

enum conf_type {
	T_STRING, T_PATH, T_SOCKET, T_DURATION, T_DURATION_MS, T_BOOL, T_LOGLEVEL, T_LOOK,
	T_START, T_OVERRUN, T_SEGMENT, T_INT, T_ROLE, T_NAME, T_WINDOW, T_PROMO, T_TIME_OF_DAY,
	T_REQUIRED, T_CANNED, T_ONAIR, T_UNKNOWN
};

struct conf_key {
	const char *section;
	const char *name;
	enum conf_type type;
	size_t offset;
	size_t size;
	int64_t min_ms, max_ms;		/* durations */
};

#define K(sec, key, type, field, lo, hi) \
	{ sec, key, type, offsetof(struct conf, field), sizeof(((struct conf *)0)->field), lo, hi }
#define LOOK(key, field) K("looks", key, T_LOOK, field, 0, 0)

static const struct conf_key conf_keys[] = {
	K("daemon", "socket", T_SOCKET, socket, 0, 0),
	K("daemon", "state_dir", T_PATH, state_dir, 0, 0),
	K("daemon", "log_level", T_LOGLEVEL, log_level, 0, 0),
	K("daemon", "board", T_PATH, board_name, 0, 0),
	K("daemon", "board_dir", T_PATH, board_dir, 0, 0),
	K("show", "title", T_STRING, title, 0, 0),
	K("show", "rundown", T_PATH, rundown_path, 0, 0),
	K("show", "segment", T_SEGMENT, rundown, 0, 0),
	K("show", "start", T_START, start, 0, 0),
	K("show", "auto_start", T_BOOL, show.auto_start, 0, 0),
	K("show", "preroll", T_DURATION, show.preroll_ms, 0, 3600000),
	K("show", "go_time", T_DURATION, show.go_ms, 1000, 60000),
	K("show", "attention_time", T_DURATION, show.attention_ms, 1000, 600000),
	K("show", "message_time", T_DURATION, show.message_ms, 5000, 3600000),
	K("show", "end", T_TIME_OF_DAY, end, 0, 0),
	K("show", "onair", T_ONAIR, truth.mode, 0, 0),
	K("show", "stream_grace", T_DURATION, truth.grace_ms, 0, 600000),
	K("show", "onair_unknown", T_UNKNOWN, truth.unknown_dark, 0, 0),
	K("cue", "wrapup", T_DURATION, show.wrapup_ms, 0, 3600000),
	K("cue", "danger", T_DURATION, show.danger_ms, 0, 3600000),
	K("cue", "interaction", T_WINDOW, show.interaction_open_ms, 0, 24 * 3600000LL),
	K("cue", "promo", T_PROMO, show.promo_min, 0, 24 * 3600000LL),
	K("cue", "promo_spacing", T_DURATION, show.promo_spacing_ms, 0, 600000),
	K("cue", "push", T_DURATION, show.push_ms, 0, 24 * 3600000LL),
	K("cue", "reminder_time", T_DURATION, show.reminder_ms, 1000, 600000),
	K("cue", "overrun", T_OVERRUN, cue.overrun_count, 0, 0),
	K("cue", "slow_flash_ms", T_DURATION_MS, cue.slow_half_ms, 50, 5000),
	K("cue", "fast_flash_ms", T_DURATION_MS, cue.fast_half_ms, 20, 5000),
	LOOK("idle", cue.cue_look[CUE_COND_IDLE]),
	LOOK("scheduled", cue.cue_look[CUE_COND_SCHEDULED]),
	LOOK("late", cue.cue_look[CUE_COND_LATE]),
	LOOK("preroll", cue.cue_look[CUE_COND_PREROLL]),
	LOOK("live", cue.cue_look[CUE_COND_LIVE]),
	LOOK("promo", cue.cue_look[CUE_COND_PROMO]),
	LOOK("interaction", cue.cue_look[CUE_COND_INTERACTION]),
	LOOK("interaction_closing", cue.cue_look[CUE_COND_INTERACTION_CLOSING]),
	LOOK("push", cue.cue_look[CUE_COND_PUSH]),
	LOOK("message", cue.cue_look[CUE_COND_MESSAGE]),
	LOOK("wrapup", cue.cue_look[CUE_COND_WRAPUP]),
	LOOK("danger", cue.cue_look[CUE_COND_DANGER]),
	LOOK("overrun", cue.cue_look[CUE_COND_OVERRUN]),
	LOOK("hold", cue.cue_look[CUE_COND_HOLD]),
	LOOK("standby", cue.cue_look[CUE_COND_STANDBY]),
	LOOK("acked", cue.cue_look[CUE_COND_ACKED]),
	LOOK("go", cue.cue_look[CUE_COND_GO]),
	LOOK("attention", cue.cue_look[CUE_COND_ATTENTION]),
	LOOK("ended", cue.cue_look[CUE_COND_ENDED]),
	LOOK("link_lost", cue.cue_look[CUE_COND_LINK_LOST]),
	LOOK("stale", cue.cue_look[CUE_COND_STALE]),
	LOOK("refused", cue.cue_look[CUE_COND_REFUSED]),
	LOOK("storage", cue.cue_look[CUE_COND_STORAGE]),
	LOOK("stream_down", cue.cue_look[CUE_COND_STREAM_DOWN]),
	LOOK("stream_live", cue.cue_look[CUE_COND_STREAM_LIVE]),
	LOOK("stream_unknown", cue.cue_look[CUE_COND_STREAM_UNKNOWN]),
	LOOK("tally_standby", cue.tally_look[SHOW_STANDBY]),
	LOOK("tally_preroll", cue.tally_look[SHOW_PREROLL]),
	LOOK("tally_live", cue.tally_look[SHOW_LIVE]),
	LOOK("tally_hold", cue.tally_look[SHOW_HOLD]),
	LOOK("tally_ended", cue.tally_look[SHOW_ENDED]),
	LOOK("tally_stale", cue.stale_tally),
	LOOK("tally_camera_off", cue.camera_tally[CUE_CAMERA_OFF]),
	LOOK("tally_program", cue.camera_tally[CUE_CAMERA_PROGRAM]),
	LOOK("tally_preview", cue.camera_tally[CUE_CAMERA_PREVIEW]),
	LOOK("tally_unknown", cue.camera_tally[CUE_CAMERA_UNKNOWN]),
	K("node", "name", T_NAME, node_name, 0, 0),
	K("node", "studio", T_NAME, studio, 0, 0),
	K("node", "role", T_ROLE, role, 0, 0),
	K("node", "camera", T_INT, camera, -1, 65535),
	K("mqtt", "host", T_STRING, mqtt.host, 0, 0),
	K("mqtt", "port", T_INT, mqtt.port, 1, 65535),
	K("mqtt", "prefix", T_STRING, mqtt.prefix, 0, 0),
	K("mqtt", "username", T_STRING, mqtt.username, 0, 0),
	K("mqtt", "password_file", T_PATH, mqtt.password_file, 0, 0),
	K("mqtt", "tls", T_BOOL, mqtt.tls, 0, 0),
	K("mqtt", "ca_file", T_PATH, mqtt.ca_file, 0, 0),
	K("mqtt", "cert_file", T_PATH, mqtt.cert_file, 0, 0),
	K("mqtt", "key_file", T_PATH, mqtt.key_file, 0, 0),
	K("mqtt", "keepalive", T_DURATION, mqtt.keepalive_ms, 5000, 600000),
	K("mqtt", "heartbeat", T_DURATION, mqtt.heartbeat_ms, 1000, 60000),
	K("mqtt", "lease", T_DURATION, mqtt.lease_ms, 2000, 600000),
	K("mqtt", "link_lost_after", T_DURATION, mqtt.link_lost_ms, 0, 60000),
	K("mqtt", "max_command_age_ms", T_DURATION_MS, mqtt.max_age_ms, 100, 60000),
	K("mqtt", "homeassistant", T_BOOL, mqtt.homeassistant, 0, 0),
	K("mqtt", "leader", T_NAME, mqtt.leader, 0, 0),
	K("audio", "capture", T_STRING, audio.capture, 0, 0),
	K("audio", "playback", T_STRING, audio.playback, 0, 0),
	K("audio", "rate", T_INT, audio.rate, 8000, 192000),
	K("audio", "channels", T_INT, audio.channels, 1, 8),
	K("audio", "format", T_STRING, audio.format, 0, 0),
	K("audio", "window", T_DURATION, audio.window_ms, 1000, 60000),
	K("audio", "loopback", T_BOOL, audio.loopback, 0, 0),
	K("audio", "tone_dbfs", T_INT, audio.tone_dbfs, -60, 0),
	K("audio", "silence_dbfs", T_INT, audio.silence_dbfs, -120, 0),
	K("audio", "low_dbfs", T_INT, audio.low_dbfs, -120, 0),
	K("audio", "clip_dbfs", T_INT, audio.clip_dbfs, -20, 0),
	K("audio", "watch", T_REQUIRED, audio.watch, 0, 0),
	K("audio", "watch_silence_dbfs", T_INT, audio.watch_silence_dbfs, -120, 0),
	K("audio", "watch_silence_after", T_DURATION, audio.watch_silence_ms, 1000, 600000),
	K("audio", "watch_release", T_DURATION, audio.watch_release_ms, 100, 60000),
	K("audio", "watch_clip_dbfs", T_INT, audio.watch_clip_dbfs, -20, 0),
	K("audio", "watch_dead_db", T_INT, audio.watch_dead_db, 6, 120),
	K("audio", "watch_loudness_low", T_INT, audio.watch_loudness_low, -70, 0),
	K("audio", "watch_loudness_high", T_INT, audio.watch_loudness_high, -70, 0),
	K("audio", "watch_loudness_after", T_DURATION, audio.watch_loudness_ms, 1000, 600000),
	K("selftest", "lamp_walk_ms", T_DURATION_MS, selftest.lamp_walk_ms, 0, 10000),
	K("selftest", "min_free_mb", T_INT, selftest.min_free_mb, 0, 1000000),
	K("selftest", "clock_max_error_ms", T_INT, selftest.clock_max_error_ms, 1, 60000),
	K("selftest", "before_start", T_DURATION, selftest.before_start_ms, 0, 24 * 3600000LL),
	K("selftest", "required", T_REQUIRED, selftest.required, 0, 0),
	K("selftest", "max_age", T_DURATION, selftest.max_age_ms, 60000, 24 * 3600000LL),
	K("mqtt", "discovery_prefix", T_NAME, mqtt.discovery_prefix, 0, 0),
	K("floor", "vanish_after", T_DURATION, floor.vanish_after_ms, 2000, 600000),
	K("floor", "alert_after", T_DURATION, floor.alert_after_ms, 0, 3600000),
	K("floor", "alert_overrun", T_DURATION, floor.alert_overrun_ms, 0, 3600000),
	K("floor", "alert_message_after", T_DURATION, floor.alert_message_ms, 0, 3600000),
	K("floor", "alert_selftest_window", T_DURATION, floor.alert_selftest_window_ms, 0, 24 * 3600000LL),
	K("floor", "alert_resolve_after", T_DURATION, floor.alert_resolve_ms, 0, 3600000),
	K("floor", "alert_escalate_after", T_DURATION, floor.alert_escalate_ms, 0, 24 * 3600000LL),
	K("tally", "rule", T_STRING, tally.rule, 0, 0),
	K("tally", "order", T_STRING, tally.order, 0, 0),
	K("web", "listen", T_STRING, web.listen, 0, 0),
	K("web", "token_file", T_PATH, web.token_file, 0, 0),
	K("web", "root", T_PATH, web.root, 0, 0),
	K("web", "anchor_ack", T_BOOL, web.anchor_ack, 0, 0),
	K("web", "language", T_NAME, web.language, 0, 0),
	K("web", "message", T_CANNED, web, 0, 0),
};

static const char *const conf_sections[] = { "daemon", "show", "cue", "looks", "node", "mqtt",
					     "audio", "selftest", "web", "tally", "floor", "device.NAME", "source.NAME",
					     "output.NAME", "alert.NAME" };

struct conf_ctx {
	struct inifile in;	/* first: the line reader is handed this struct */
	struct conf *c;
	char reported_section[64];	/* unknown section already reported */
	/* which keys were set, and where, to catch duplicates */
	int seen[ARRAY_SIZE(conf_keys)];
	bool override;
	bool rundown_from_ini;
};

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	str_copy(c->socket, "/run/onair/onaird.sock", sizeof(c->socket));
	str_copy(c->state_dir, "/var/lib/onair", sizeof(c->state_dir));
	str_copy(c->board_dir, DATADIR "/onair/boards", sizeof(c->board_dir));
	if (gethostname(c->node_name, sizeof(c->node_name) - 1) < 0 || !*c->node_name)
		str_copy(c->node_name, "onair", sizeof(c->node_name));
	c->node_name[strcspn(c->node_name, "./+# ")] = '\0';
	str_copy(c->studio, "studio", sizeof(c->studio));
	c->camera = -1;
	str_copy(c->tally.rule, "any", sizeof(c->tally.rule));
	c->floor.vanish_after_ms = 10000;
	/* As the issue's floor manager asked: the stream down 10 s, a segment
	 * a minute over, a message two minutes unread, a failed self-test in
	 * the quarter hour before a start; a manager hears of what stands
	 * five minutes. */
	c->floor.alert_after_ms = 10000;
	c->floor.alert_overrun_ms = 60000;
	c->floor.alert_message_ms = 120000;
	c->floor.alert_selftest_window_ms = 900000;
	c->floor.alert_resolve_ms = 10000;
	c->floor.alert_escalate_ms = 300000;
	c->mqtt.port = 1883;
	c->mqtt.keepalive_ms = 10000;
	c->mqtt.heartbeat_ms = 3000;
	c->mqtt.lease_ms = 10000;
	c->mqtt.link_lost_ms = 3000;
	c->mqtt.max_age_ms = 2000;
	str_copy(c->mqtt.discovery_prefix, "homeassistant", sizeof(c->mqtt.discovery_prefix));
	c->audio.rate = 48000;
	c->audio.channels = 2;
	str_copy(c->audio.format, "S16_LE", sizeof(c->audio.format));
	c->audio.window_ms = 2000;
	c->audio.tone_dbfs = -20;
	c->audio.silence_dbfs = -60;
	c->audio.low_dbfs = -40;
	c->audio.clip_dbfs = -1;
	c->audio.watch = -1;
	c->audio.watch_silence_dbfs = -50;
	c->audio.watch_silence_ms = 5000;
	c->audio.watch_release_ms = 1000;
	c->audio.watch_clip_dbfs = -1;
	c->audio.watch_dead_db = 20;
	c->audio.watch_loudness_low = -20;
	c->audio.watch_loudness_high = -16;
	c->audio.watch_loudness_ms = 10000;
	c->selftest.lamp_walk_ms = 500;
	c->selftest.min_free_mb = 100;
	c->selftest.clock_max_error_ms = 100;
	c->selftest.before_start_ms = 600000;
	c->selftest.required = -1;
	c->selftest.max_age_ms = 30 * 60000;
	c->log_level = LOG_LEVEL_INFO;
	str_copy(c->title, "onair show", sizeof(c->title));
	c->show.preroll_ms = 10000;
	c->show.go_ms = 3000;
	c->show.attention_ms = 5000;
	c->show.auto_start = false;
	c->show.wrapup_ms = 60000;
	c->show.danger_ms = 15000;
	c->show.reminder_ms = 20000;
	c->show.promo_spacing_ms = 30000;
	c->show.message_ms = 120000;
	c->truth.grace_ms = 5000;
	str_copy(c->web.root, DATADIR "/onair/web", sizeof(c->web.root));
	str_copy(c->web.language, "both", sizeof(c->web.language));
	cue_conf_defaults(&c->cue);
}

static const struct conf_key *conf_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0 && strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

static void suggest_key(struct conf_ctx *x, const char *section, const char *name,
			const char *const *extra)
{
	struct nearest near = NEAREST(name);

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0)
			nearest_offer(&near, conf_keys[i].name);
	for (int i = 0; extra && extra[i]; i++)
		nearest_offer(&near, extra[i]);
	if (near.best)
		diag_add(x->in.d, x->in.path, x->in.line, "unknown key \"%s\" in [%s]; did you mean \"%s\"?",
			 name, section, near.best);
	else
		diag_add(x->in.d, x->in.path, x->in.line, "unknown key \"%s\" in [%s]", name, section);
}

/* Each type of value: how it is read from the file and how it is written
 * back (--dump-config), side by side, so the two cannot drift apart. A
 * problem goes to the file's diag as path:line. */
static const char *const node_role_names[] = { "standalone", "leader", "follower", "floor" };

static void parse_text(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	if (!utf8_valid(value, strlen(value))) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s is not valid UTF-8", k->section, k->name);
		return;
	}
	if (strlen(value) >= k->size) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s is longer than %zu bytes", k->section,
			 k->name, k->size - 1);
		return;
	}
	if (k->type != T_STRING && !*value) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s is empty", k->section, k->name);
		return;
	}
	str_copy(field, value, k->size);
	if (field == x->c->board_name)
		x->c->board_line = x->in.line;
}

/* Text, a path, a time: written as it is; unset, not at all. */
static void print_text(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	if (*(const char *)field)
		fprintf(f, "%s = %s\n", k->name, (const char *)field);
}

static void parse_milliseconds(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	long long v;

	if (!int_parse(value, k->min_ms, k->max_ms, &v)) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s must be %lld to %lld milliseconds",
			 k->section, k->name, (long long)k->min_ms, (long long)k->max_ms);
		return;
	}
	*(int64_t *)field = v;
}

static void print_number(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	fprintf(f, "%s = %lld\n", k->name, (long long)*(const int64_t *)field);
}

static void parse_duration(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	int64_t ms;

	if (!duration_parse(value, false, &ms) || ms < k->min_ms || ms > k->max_ms) {
		char lo[32], hi[32];

		duration_format(k->min_ms, lo, sizeof(lo));
		duration_format(k->max_ms, hi, sizeof(hi));
		diag_add(x->in.d, x->in.path, x->in.line,
			 "%s.%s \"%s\" must be a duration from %s to %s (m:ss, h:mm:ss or seconds)",
			 k->section, k->name, value, lo, hi);
		return;
	}
	*(int64_t *)field = ms;
}

static void print_seconds(FILE *f, const char *key, int64_t ms)
{
	fprintf(f, "%s = %lld\n", key, (long long)(ms / 1000));
}

static void print_duration(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	print_seconds(f, k->name, *(const int64_t *)field);
}

static void parse_bool(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	bool b;

	if (!bool_parse(value, &b)) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s must be yes or no", k->section, k->name);
		return;
	}
	*(bool *)field = b;
}

static void print_bool(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->name, *(const bool *)field ? "yes" : "no");
}

static void parse_log_level(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	int level;

	(void)k;
	level = log_level_parse(value);
	if (level < 0) {
		diag_add(x->in.d, x->in.path, x->in.line, "log_level must be error, warn, info or debug");
		return;
	}
	*(int *)field = level;
}

static void print_log_level(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	(void)c;
	fprintf(f, "%s = %s\n", k->name, names[*(const int *)field]);
}

static void parse_look(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	(void)k;
	if (!cue_look_parse(value, field))
		diag_add(x->in.d, x->in.path, x->in.line,
			 "look \"%s\" must be a pattern (off, on, slow, fast) and an optional "
			 "colour (red, green, amber, blue, white, cyan, magenta, yellow)", value);
}

static void print_look(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	const struct cue_look *look = field;

	(void)c;
	fprintf(f, "%s = %s %s\n", k->name, cue_pattern_name(look->pattern), cue_colour_name(look->colour));
}

static void parse_start(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	int secs;
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (*value && !time_of_day_parse(value, &secs)) {
		const char *end = strptime(value, "%Y-%m-%d %H:%M", &tm);

		if (!end || (*end && (*end != ':' || !strptime(end, ":%S", &tm)))) {
			diag_add(x->in.d, x->in.path, x->in.line,
				 "show.start \"%s\" must be HH:MM, HH:MM:SS or YYYY-MM-DD HH:MM", value);
			return;
		}
		/* A date is a show this year or next, not a typo's century. */
		{
			time_t now = time(NULL);
			struct tm today;

			localtime_r(&now, &today);
			if (tm.tm_year < today.tm_year - 1 || tm.tm_year > today.tm_year + 1) {
				diag_add(x->in.d, x->in.path, x->in.line,
					 "show.start \"%s\": the date is not within a year of today", value);
				return;
			}
		}
	}
	str_copy(field, value, k->size);
}

static void parse_time_of_day(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	int secs;

	if (*value && !time_of_day_parse(value, &secs)) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s \"%s\" must be HH:MM or HH:MM:SS",
			 k->section, k->name, value);
		return;
	}
	str_copy(field, value, k->size);
}

static void parse_window(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	struct show_conf *sc = &x->c->show;

	(void)k;
	(void)field;
	if (!rundown_window_parse(value, 0, &sc->interaction_open_ms, &sc->interaction_close_ms))
		diag_add(x->in.d, x->in.path, x->in.line, "cue.interaction \"%s\" must be a window "
			 "(10:00-15:00), a moment (12:00: a reminder that long after the last "
			 "interaction) or 0 (off)", value);
}

static void print_window(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)field;
	if (c->show.interaction_close_ms > c->show.interaction_open_ms)
		fprintf(f, "%s = %lld-%lld\n", k->name, (long long)(c->show.interaction_open_ms / 1000),
			(long long)(c->show.interaction_close_ms / 1000));
	else
		print_seconds(f, k->name, c->show.interaction_open_ms);
}

static void parse_promo(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	int64_t ms;
	struct show_conf *sc = &x->c->show;

	(void)field;
	/* m:ss keeps the older meaning, a reminder every so long. */
	if (strchr(value, ':')) {
		if (!duration_parse(value, false, &ms) || ms > k->max_ms)
			diag_add(x->in.d, x->in.path, x->in.line, "cue.promo \"%s\" is not an "
				 "interval (m:ss)", value);
		else
			sc->promo_every_ms = ms, sc->promo_min = sc->promo_max = 0;
	} else if (!rundown_quota_parse(value, &sc->promo_min, &sc->promo_max)) {
		diag_add(x->in.d, x->in.path, x->in.line, "cue.promo \"%s\" must be how many "
			 "calls per product (3 or 3-5), an interval (m:ss) or 0", value);
	} else {
		sc->promo_every_ms = 0;
	}
}

static void print_promo(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	char every[32];

	(void)field;
	duration_format(c->show.promo_every_ms, every, sizeof(every));
	if (c->show.promo_every_ms)
		fprintf(f, "%s = %s\n", k->name, every);
	else if (c->show.promo_max > c->show.promo_min)
		fprintf(f, "%s = %d-%d\n", k->name, c->show.promo_min, c->show.promo_max);
	else
		fprintf(f, "%s = %d\n", k->name, c->show.promo_min);
}

static void parse_canned(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	struct web_conf *w = &x->c->web;
	const char *bar = strchr(value, '|');
	char key[64];

	(void)k;
	(void)field;
	if (!bar || (size_t)(bar - value) >= sizeof(key)) {
		diag_add(x->in.d, x->in.path, x->in.line, "web.message must be \"KEY | TEXT\" "
			 "(speed_up | 加快节奏 Speed up)");
		return;
	}
	memcpy(key, value, (size_t)(bar - value));
	key[bar - value] = '\0';
	str_trim(key);
	if (!*key || strlen(key) >= sizeof(w->canned[0].key) || strpbrk(key, " \t") ||
	    conf_canned(x->c, key)) {
		diag_add(x->in.d, x->in.path, x->in.line, "web.message key \"%s\" must be one new "
			 "word under %zu bytes", key, sizeof(w->canned[0].key));
		return;
	}
	bar++;
	while (*bar == ' ' || *bar == '\t')
		bar++;
	if (!*bar || strlen(bar) >= sizeof(w->canned[0].text) || !utf8_valid(bar, strlen(bar))) {
		diag_add(x->in.d, x->in.path, x->in.line, "web.message %s: the text must be 1 to %zu "
			 "bytes of UTF-8", key, sizeof(w->canned[0].text) - 1);
		return;
	}
	if (w->ncanned >= WEB_CANNED_MAX) {
		diag_add(x->in.d, x->in.path, x->in.line, "at most %d web.message lines", WEB_CANNED_MAX);
		return;
	}
	str_copy(w->canned[w->ncanned].key, key, sizeof(w->canned[0].key));
	str_copy(w->canned[w->ncanned].text, bar, sizeof(w->canned[0].text));
	w->ncanned++;
}

static void print_canned(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)field;
	for (int m = 0; m < c->web.ncanned; m++)
		fprintf(f, "%s = %s | %s\n", k->name, c->web.canned[m].key, c->web.canned[m].text);
}

static void parse_required(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	bool b;

	if (strcasecmp(value, "auto") == 0)
		*(int *)field = -1;
	else if (bool_parse(value, &b))
		*(int *)field = b;
	else
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s must be yes, no or auto",
			 k->section, k->name);
}

static void print_required(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	int v = *(const int *)field;

	(void)c;
	fprintf(f, "%s = %s\n", k->name, v < 0 ? "auto" : v ? "yes" : "no");
}

static void parse_onair(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	int m = onair_mode_parse(value);

	(void)k;
	if (m < 0)
		diag_add(x->in.d, x->in.path, x->in.line, "show.onair must be show, stream or both");
	else
		*(enum onair_mode *)field = (enum onair_mode)m;
}

static void print_onair(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->name, onair_mode_name(*(const enum onair_mode *)field));
}

static void parse_onair_unknown(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	(void)k;
	if (strcmp(value, "off") == 0 || strcmp(value, "show") == 0)
		*(bool *)field = value[0] == 'o';
	else
		diag_add(x->in.d, x->in.path, x->in.line, "show.onair_unknown must be show or off");
}

static void print_onair_unknown(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->name, *(const bool *)field ? "off" : "show");
}

static void parse_overrun(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	(void)k;
	if (strcasecmp(value, "count") == 0)
		*(bool *)field = true;
	else if (strcasecmp(value, "stop") == 0)
		*(bool *)field = false;
	else
		diag_add(x->in.d, x->in.path, x->in.line, "cue.overrun must be \"count\" or \"stop\"");
}

static void print_overrun(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->name, *(const bool *)field ? "count" : "stop");
}

static void parse_segment(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	(void)k;
	(void)field;
	x->rundown_from_ini = true;
	rundown_parse_segment(&x->c->rundown, value, x->in.path, x->in.line, x->in.d);
}

/* The rundown written in the config (segment = lines); one from a file is
 * the file's. */
static void print_segment(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)k;
	(void)field;
	if (*c->rundown_path)
		return;
	for (int s = 0; s < c->rundown.count; s++) {
		const struct rundown_segment *seg = &c->rundown.seg[s];
		char dur[32];

		duration_format(seg->planned_ms, dur, sizeof(dur));
		fprintf(f, "segment = %s | %s", dur, seg->title);
		if (seg->wrapup_ms != RUNDOWN_INHERIT)
			fprintf(f, " | wrapup=%lld", (long long)(seg->wrapup_ms / 1000));
		if (seg->danger_ms != RUNDOWN_INHERIT)
			fprintf(f, " | danger=%lld", (long long)(seg->danger_ms / 1000));
		if (seg->interaction_open_ms != RUNDOWN_INHERIT && seg->interaction_close_ms > seg->interaction_open_ms)
			fprintf(f, " | interaction=%lld-%lld", (long long)(seg->interaction_open_ms / 1000),
				(long long)(seg->interaction_close_ms / 1000));
		else if (seg->interaction_open_ms != RUNDOWN_INHERIT)
			fprintf(f, " | interaction=%lld", (long long)(seg->interaction_open_ms / 1000));
		if (seg->promo_min != RUNDOWN_INHERIT && seg->promo_max > seg->promo_min)
			fprintf(f, " | promo=%d-%d", seg->promo_min, seg->promo_max);
		else if (seg->promo_min != RUNDOWN_INHERIT && !seg->promo_ms)
			fprintf(f, " | promo=%d", seg->promo_min);
		else if (seg->promo_ms != RUNDOWN_INHERIT) {
			duration_format(seg->promo_ms, dur, sizeof(dur));
			fprintf(f, " | promo=%s", dur);
		}
		if (seg->overrun_count != RUNDOWN_INHERIT)
			fprintf(f, " | overrun=%s", seg->overrun_count ? "count" : "stop");
		if (*seg->kind)
			fprintf(f, " | kind=%s", seg->kind);
		fputc('\n', f);
	}
}

static void parse_integer(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	long long v;

	if (!int_parse(value, k->min_ms, k->max_ms, &v)) {
		diag_add(x->in.d, x->in.path, x->in.line, "%s.%s must be %lld to %lld", k->section,
			 k->name, (long long)k->min_ms, (long long)k->max_ms);
		return;
	}
	*(int64_t *)field = v;
}

static void parse_role(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	(void)k;
	for (size_t i = 0; i < ARRAY_SIZE(node_role_names); i++) {
		if (strcmp(value, node_role_names[i]) == 0) {
			*(enum node_role *)field = (enum node_role)i;
			return;
		}
	}
	diag_add(x->in.d, x->in.path, x->in.line, "node.role must be standalone, leader, follower or floor");
}

static void print_role(FILE *f, const struct conf_key *k, const struct conf *c, const void *field)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->name, node_role_names[*(const enum node_role *)field]);
}

static void parse_topic_name(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value)
{
	/* Part of MQTT topics: no separators or wildcards. */
	if (!*value || strlen(value) >= k->size || strpbrk(value, "/+# ") ||
	    !utf8_valid(value, strlen(value))) {
		diag_add(x->in.d, x->in.path, x->in.line,
			 "%s.%s must be 1 to %zu bytes without '/', '+', '#' or spaces", k->section,
			 k->name, k->size - 1);
		return;
	}
	str_copy(field, value, k->size);
}

static const struct conf_type_ops {
	void (*parse)(struct conf_ctx *x, const struct conf_key *k, void *field, const char *value);
	void (*print)(FILE *f, const struct conf_key *k, const struct conf *c, const void *field);
} conf_types[] = {
	[T_STRING] = { parse_text, print_text },
	[T_PATH] = { parse_text, print_text },
	[T_SOCKET] = { parse_text, print_text },
	[T_DURATION] = { parse_duration, print_duration },
	[T_DURATION_MS] = { parse_milliseconds, print_number },
	[T_BOOL] = { parse_bool, print_bool },
	[T_LOGLEVEL] = { parse_log_level, print_log_level },
	[T_LOOK] = { parse_look, print_look },
	[T_START] = { parse_start, print_text },
	[T_OVERRUN] = { parse_overrun, print_overrun },
	[T_SEGMENT] = { parse_segment, print_segment },
	[T_INT] = { parse_integer, print_number },
	[T_ROLE] = { parse_role, print_role },
	[T_NAME] = { parse_topic_name, print_text },
	[T_WINDOW] = { parse_window, print_window },
	[T_PROMO] = { parse_promo, print_promo },
	[T_TIME_OF_DAY] = { parse_time_of_day, print_text },
	[T_REQUIRED] = { parse_required, print_required },
	[T_CANNED] = { parse_canned, print_canned },
	[T_ONAIR] = { parse_onair, print_onair },
	[T_UNKNOWN] = { parse_onair_unknown, print_onair_unknown },
};

static void set_value(struct conf_ctx *x, const struct conf_key *k, const char *value)
{
	conf_types[k->type].parse(x, k, (char *)x->c + k->offset, value);
}

static struct conf_device *device_section(struct conf_ctx *x, const char *name)
{
	struct conf *c = x->c;

	for (int i = 0; i < c->ndevices; i++)
		if (strcmp(c->device[i].name, name) == 0)
			return &c->device[i];
	if (!*name || strlen(name) >= DRV_NAME_MAX) {
		diag_add(x->in.d, x->in.path, x->in.line, "device name must be 1 to %d bytes", DRV_NAME_MAX - 1);
		return NULL;
	}
	if (c->ndevices >= CONF_MAX_DEVICES) {
		diag_add(x->in.d, x->in.path, x->in.line, "too many devices (at most %d)", CONF_MAX_DEVICES);
		return NULL;
	}
	c->device[c->ndevices].line = x->in.section_line ? x->in.section_line : x->in.line;
	str_copy(c->device[c->ndevices].name, name, DRV_NAME_MAX);
	return &c->device[c->ndevices++];
}

static void device_key(struct conf_ctx *x, struct conf_device *dev, const char *name,
		       const char *value)
{
	int i;

	if (strcmp(name, "driver") == 0) {
		if (*dev->driver && !x->override)
			diag_add(x->in.d, x->in.path, x->in.line, "duplicate key \"driver\" in [device.%s]", dev->name);
		str_copy(dev->driver, value, sizeof(dev->driver));
		dev->driver_line = x->in.line;
		return;
	}
	for (i = 0; i < dev->nkeys; i++)
		if (strcmp(dev->kv[i].key, name) == 0)
			break;
	if (i < dev->nkeys && !x->override) {
		diag_add(x->in.d, x->in.path, x->in.line, "duplicate key \"%s\" in [device.%s] (first on line %d)",
			 name, dev->name, dev->kv[i].line);
		return;
	}
	if (i == dev->nkeys) {
		if (dev->nkeys >= DRV_MAX_KEYS) {
			diag_add(x->in.d, x->in.path, x->in.line, "too many keys in [device.%s]", dev->name);
			return;
		}
		dev->nkeys++;
	}
	if (strlen(name) >= DRV_NAME_MAX || strlen(value) >= DRV_VALUE_MAX) {
		diag_add(x->in.d, x->in.path, x->in.line, "key or value too long in [device.%s]", dev->name);
		dev->nkeys -= i == dev->nkeys - 1;
		return;
	}
	str_copy(dev->kv[i].key, name, DRV_NAME_MAX);
	str_copy(dev->kv[i].value, value, DRV_VALUE_MAX);
	dev->kv[i].line = x->in.line;
}

static struct source_conf *source_section(struct conf_ctx *x, const char *name)
{
	struct conf *c = x->c;

	for (int i = 0; i < c->nsources; i++)
		if (strcmp(c->source[i].name, name) == 0)
			return &c->source[i];
	if (!*name || strlen(name) >= sizeof(c->source[0].name) || strpbrk(name, " /+#")) {
		diag_add(x->in.d, x->in.path, x->in.line, "source name must be 1 to %zu bytes without "
			 "spaces, '/', '+' or '#'", sizeof(c->source[0].name) - 1);
		return NULL;
	}
	if (c->nsources >= CONF_MAX_SOURCES) {
		diag_add(x->in.d, x->in.path, x->in.line, "too many sources (at most %d)", CONF_MAX_SOURCES);
		return NULL;
	}
	c->source[c->nsources] = (struct source_conf){ .camera = -1,
						       .line = x->in.section_line ? x->in.section_line : x->in.line };
	str_copy(c->source[c->nsources].name, name, sizeof(c->source[0].name));
	return &c->source[c->nsources++];
}

/* The registry's keys here; the rest kept as written for the kind, in
 * order: source_settle leaves one of each key but the kind's repeatable
 * ones (scene = lines accumulate; a key written again wins, as does -o
 * over the file). */
static void source_key(struct conf_ctx *x, struct source_conf *src, const char *name, const char *value)
{
	long long v;
	int i = src->nkeys;

	if (strcmp(name, "type") == 0) {
		/* Kept even when wrong, so the section is not also said to have
		 * no type. */
		if (strlen(value) >= sizeof(src->type) || !source_kind(value))
			diag_add(x->in.d, x->in.path, x->in.line, "[source.%s] type must be %s", src->name,
				 source_kind_names());
		str_copy(src->type, value, sizeof(src->type));
		return;
	}
	if (strcmp(name, "camera") == 0) {
		if (!int_parse(value, 0, 65535, &v))
			diag_add(x->in.d, x->in.path, x->in.line, "[source.%s] camera must be the tally "
				 "index 0 to 65535 (3.1: 0 to 126)", src->name);
		else
			src->camera = v;
		return;
	}
	if (strlen(name) >= sizeof(src->kv[0].key) || strlen(value) >= sizeof(src->kv[0].value)) {
		diag_add(x->in.d, x->in.path, x->in.line, "[source.%s] %.32s: the value is over %zu bytes",
			 src->name, name, sizeof(src->kv[0].value) - 1);
		return;
	}
	if (src->nkeys >= SOURCE_KEYS_MAX) {
		diag_add(x->in.d, x->in.path, x->in.line, "too many keys in [source.%s]", src->name);
		return;
	}
	src->nkeys++;
	str_copy(src->kv[i].key, name, sizeof(src->kv[i].key));
	str_copy(src->kv[i].value, value, sizeof(src->kv[i].value));
	src->kv[i].line = x->in.line;
}

/* One of each key the kind does not repeat: the last written. */
static void source_settle(struct source_conf *src, const struct source_ops *kind)
{
	int n = 0;

	for (int i = 0; i < src->nkeys; i++) {
		bool repeatable = false, later = false;

		for (int j = 0; kind->repeatable && kind->repeatable[j]; j++)
			repeatable |= strcmp(kind->repeatable[j], src->kv[i].key) == 0;
		for (int j = i + 1; j < src->nkeys && !repeatable; j++)
			later |= strcmp(src->kv[j].key, src->kv[i].key) == 0;
		if (!later)
			src->kv[n++] = src->kv[i];
	}
	src->nkeys = n;
}

static struct output_conf *output_section(struct conf_ctx *x, const char *name)
{
	struct conf *c = x->c;

	for (int i = 0; i < c->noutputs; i++)
		if (strcmp(c->output[i].name, name) == 0)
			return &c->output[i];
	if (!*name || strlen(name) >= sizeof(c->output[0].name) || strpbrk(name, " /+#")) {
		diag_add(x->in.d, x->in.path, x->in.line, "output name must be 1 to %zu bytes without "
			 "spaces, '/', '+' or '#'", sizeof(c->output[0].name) - 1);
		return NULL;
	}
	if (c->noutputs >= CONF_MAX_OUTPUTS) {
		diag_add(x->in.d, x->in.path, x->in.line, "too many outputs (at most %d)", CONF_MAX_OUTPUTS);
		return NULL;
	}
	c->output[c->noutputs] = (struct output_conf){ .refresh_ms = 2000, .program_bit = 1, .preview_bit = 2,
						       .line = x->in.section_line ? x->in.section_line : x->in.line };
	str_copy(c->output[c->noutputs].name, name, sizeof(c->output[0].name));
	return &c->output[c->noutputs++];
}

static void output_key(struct conf_ctx *x, struct output_conf *o, const char *name, const char *value)
{
	static const char *const keys[] = { "type", "send", "refresh", "screen", "program_tally",
					    "preview_tally", NULL };
	int64_t ms;
	char section[48];

	if (strcmp(name, "type") == 0) {
		if (strcmp(value, "tsl31") != 0 && strcmp(value, "tsl5") != 0)
			diag_add(x->in.d, x->in.path, x->in.line, "[output.%s] type must be tsl31 or tsl5", o->name);
		str_copy(o->type, value, sizeof(o->type));
	} else if (strcmp(name, "send") == 0) {
		o->tcp = strncmp(value, "tcp:", 4) == 0;
		if ((strncmp(value, "udp:", 4) != 0 && !o->tcp) ||
		    !hostport_parse(value + 4, o->host, sizeof(o->host), &o->port) || o->port == 0) {
			diag_add(x->in.d, x->in.path, x->in.line, "[output.%s] send \"%s\" must be "
				 "udp:ADDRESS:PORT or tcp:ADDRESS:PORT", o->name, value);
			o->port = 0;
		}
	} else if (strcmp(name, "refresh") == 0) {
		if (!duration_parse(value, false, &ms) || ms > 3600000)
			diag_add(x->in.d, x->in.path, x->in.line, "[output.%s] refresh \"%s\" must be a "
				 "duration up to 1:00:00 (0: changes only)", o->name, value);
		else
			o->refresh_ms = ms;
	} else if (strcmp(name, "screen") == 0) {
		if (!int_parse(value, 0, 65534, &o->screen))
			diag_add(x->in.d, x->in.path, x->in.line, "[output.%s] screen must be 0 to 65534", o->name);
	} else if (strcmp(name, "program_tally") == 0 || strcmp(name, "preview_tally") == 0) {
		if (!int_parse(value, 1, 4, name[1] == 'r' && name[2] == 'o' ? &o->program_bit : &o->preview_bit))
			diag_add(x->in.d, x->in.path, x->in.line, "[output.%s] %s must be a tally bit 1 to 4",
				 o->name, name);
	} else {
		snprintf(section, sizeof(section), "output.%s", o->name);
		suggest_key(x, section, name, keys);
	}
}

static struct alert_conf *alert_section(struct conf_ctx *x, const char *name)
{
	struct conf *c = x->c;

	for (int i = 0; i < c->nalerts; i++)
		if (strcmp(c->alert[i].name, name) == 0)
			return &c->alert[i];
	if (!*name || strlen(name) >= sizeof(c->alert[0].name) || strpbrk(name, " /+#")) {
		diag_add(x->in.d, x->in.path, x->in.line, "alert name must be 1 to %zu bytes without "
			 "spaces, '/', '+' or '#'", sizeof(c->alert[0].name) - 1);
		return NULL;
	}
	if (c->nalerts >= CONF_MAX_ALERTS) {
		diag_add(x->in.d, x->in.path, x->in.line, "too many alerts (at most %d)", CONF_MAX_ALERTS);
		return NULL;
	}
	c->alert[c->nalerts] = (struct alert_conf){ .kind = -1, .mention = "escalations",
						    .line = x->in.section_line ? x->in.section_line : x->in.line };
	str_copy(c->alert[c->nalerts].name, name, sizeof(c->alert[0].name));
	return &c->alert[c->nalerts++];
}

static void alert_rules(struct conf_ctx *x, struct alert_conf *a, const char *value)
{
	char list[512], *save = NULL;

	a->nrules = 0;
	str_copy(list, value, sizeof(list));
	if (strcmp(str_trim(list), "all") == 0)
		return;
	for (char *w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int rule = alert_rule_find(w);

		if (rule < 0)
			diag_add(x->in.d, x->in.path, x->in.line, "[alert.%s] rule \"%s\" is not one of: all, %s",
				 a->name, w, alert_rule_names());
		else if (a->nrules < ALERT_RULES_MAX)
			a->rule[a->nrules++] = rule;
	}
}

static void alert_key(struct conf_ctx *x, struct alert_conf *a, const char *name, const char *value)
{
	static const char *const keys[] = { "type", "url_file", "secret_file", "rules", "send", "mention", NULL };
	char section[48];

	if (strcmp(name, "type") == 0) {
		if ((a->kind = webhook_kind_parse(value)) < 0)
			diag_add(x->in.d, x->in.path, x->in.line, "[alert.%s] type must be wecom, dingtalk, feishu or json",
				 a->name);
	} else if (strcmp(name, "url_file") == 0 || strcmp(name, "secret_file") == 0) {
		char *into = name[0] == 'u' ? a->url_file : a->secret_file;

		str_copy(into, value, PATH_MAX);
	} else if (strcmp(name, "rules") == 0) {
		alert_rules(x, a, value);
	} else if (strcmp(name, "send") == 0) {
		if (strcmp(value, "all") != 0 && strcmp(value, "escalations") != 0)
			diag_add(x->in.d, x->in.path, x->in.line, "[alert.%s] send must be all or escalations", a->name);
		a->escalations_only = strcmp(value, "escalations") == 0;
	} else if (strcmp(name, "mention") == 0) {
		if (strcmp(value, "escalations") != 0 && strcmp(value, "always") != 0 && strcmp(value, "never") != 0)
			diag_add(x->in.d, x->in.path, x->in.line, "[alert.%s] mention must be escalations, always or "
				 "never", a->name);
		else
			str_copy(a->mention, value, sizeof(a->mention));
	} else {
		snprintf(section, sizeof(section), "alert.%s", a->name);
		suggest_key(x, section, name, keys);
	}
}

static void check_alerts(const struct conf *c, const char *path, struct diag *d)
{
	for (int i = 0; i < c->nalerts; i++) {
		const struct alert_conf *a = &c->alert[i];

		if (a->kind < 0)
			diag_add(d, path, a->line, "[alert.%s] has no type (wecom, dingtalk, feishu or json)", a->name);
		if (!*a->url_file)
			diag_add(d, path, a->line, "[alert.%s] needs url_file = FILE: the robot's webhook address, "
				 "which holds its key", a->name);
		if (*a->secret_file && a->kind != WEBHOOK_DINGTALK && a->kind != WEBHOOK_FEISHU)
			diag_add(d, path, a->line, "[alert.%s] secret_file signs DingTalk and Feishu messages only",
				 a->name);
	}
	if (c->nalerts && c->role != NODE_FLOOR)
		diag_add(d, path, c->alert[0].line, "[alert.%s] is a floor's: set node.role = floor on the box that "
			 "watches the base's rooms (docs/floor.md)", c->alert[0].name);
}

/* The whole section: a type, where to send, and 3.1 only over UDP. */
static void check_outputs(const struct conf *c, const char *path, struct diag *d)
{
	for (int i = 0; i < c->noutputs; i++) {
		const struct output_conf *o = &c->output[i];

		if (!*o->type)
			diag_add(d, path, o->line, "[output.%s] has no type (tsl31 or tsl5)", o->name);
		if (!o->port)
			diag_add(d, path, o->line, "[output.%s] needs send = udp:ADDRESS:PORT (or tcp: for "
				 "tsl5)", o->name);
		if (strcmp(o->type, "tsl31") == 0 && o->tcp)
			diag_add(d, path, o->line, "[output.%s] TSL 3.1 is UDP only", o->name);
	}
}

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_ctx *x = user;
	const struct conf_key *k;

	if (strncmp(section, "device.", 7) == 0) {
		struct conf_device *dev = device_section(x, section + 7);

		if (dev)
			device_key(x, dev, name, value);
		return 1;
	}
	if (strncmp(section, "output.", 7) == 0) {
		struct output_conf *out = output_section(x, section + 7);

		if (out)
			output_key(x, out, name, value);
		return 1;
	}
	if (strncmp(section, "alert.", 6) == 0) {
		struct alert_conf *a = alert_section(x, section + 6);

		if (a)
			alert_key(x, a, name, value);
		return 1;
	}
	if (strncmp(section, "source.", 7) == 0) {
		struct source_conf *src = source_section(x, section + 7);

		if (src)
			source_key(x, src, name, value);
		return 1;
	}
	k = conf_key_find(section, name);
	if (!k) {
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(conf_sections); i++)
			known |= strcmp(conf_sections[i], section) == 0;
		if (known) {
			suggest_key(x, section, name, NULL);
		} else if (*section && strcmp(x->reported_section, section) == 0) {
			/* one message per unknown section, not one per key */
		} else {
			int line = x->in.line;
			struct nearest near = NEAREST(section);

			for (size_t i = 0; i < ARRAY_SIZE(conf_sections); i++)
				nearest_offer(&near, conf_sections[i]);
			if (*section && x->in.section_line)
				line = x->in.section_line;
			str_copy(x->reported_section, section, sizeof(x->reported_section));
			if (!*section)
				diag_add(x->in.d, x->in.path, line, "key \"%s\" is outside any [section]", name);
			else if (near.best)
				diag_add(x->in.d, x->in.path, line, "unknown section [%s]; did you mean [%s]?",
					 section, near.best);
			else
				diag_add(x->in.d, x->in.path, line, "unknown section [%s]", section);
		}
		return 1;
	}
	if (k->type != T_SEGMENT && k->type != T_CANNED && !x->override) {
		size_t idx = (size_t)(k - conf_keys);

		if (x->seen[idx]) {
			diag_add(x->in.d, x->in.path, x->in.line, "duplicate key \"%s\" in [%s] (first on line %d)",
				 name, section, x->seen[idx]);
			return 1;
		}
		x->seen[idx] = x->in.line;
	}
	set_value(x, k, value);
	return 1;
}

int conf_parse_text(struct conf *c, const char *path, const char *text, size_t len, struct diag *d)
{
	struct conf_ctx x = { .in = { .path = path, .d = d, .p = text, .end = text + len }, .c = c };
	size_t before = d->count;

	ini_parse_stream(inifile_reader, &x, conf_handler, &x);
	if (x.rundown_from_ini && *c->rundown_path)
		diag_add(d, path, 0, "both show.rundown and show.segment are set: use one");
	return d->count == before ? 0 : -1;
}

static int conf_override(struct conf *c, const char *text, struct diag *d)
{
	char buf[512], where[600];
	char *eq, *dot;
	struct conf_ctx x = { .in = { .path = where, .d = d }, .c = c, .override = true };

	snprintf(where, sizeof(where), "-o %s", text);
	str_copy(buf, text, sizeof(buf));
	eq = strchr(buf, '=');
	if (!eq) {
		diag_add(d, where, 0, "expected section.key=value");
		return -1;
	}
	*eq = '\0';
	dot = strrchr(buf, '.');
	if (!dot || dot == buf) {
		diag_add(d, where, 0, "expected section.key=value");
		return -1;
	}
	*dot = '\0';
	conf_handler(&x, str_trim(buf), str_trim(dot + 1), str_trim(eq + 1));
	return 0;
}

/* A relative rundown path is relative to the config file that names it. */
static void resolve_relative(char *path, size_t size, const char *config_path)
{
	char joined[PATH_MAX];
	const char *slash = strrchr(config_path, '/');

	if (path[0] == '/' || !slash)
		return;
	snprintf(joined, sizeof(joined), "%.*s/%s", (int)(slash - config_path), config_path, path);
	str_copy(path, joined, size);
}

static void conf_check_devices(struct conf *c, struct diag *d)
{
	for (int i = 0; i < c->ndevices; i++) {
		struct conf_device *dev = &c->device[i];
		const struct drv_ops *ops;
		char why[128];

		if (!*dev->driver) {
			/* [device.console] needs no "driver = console". */
			if (!drv_find(dev->name, why, sizeof(why))) {
				diag_add(d, c->path, dev->line, "[device.%s] has no \"driver\" key", dev->name);
				continue;
			}
			str_copy(dev->driver, dev->name, sizeof(dev->driver));
		}
		ops = drv_find(dev->driver, why, sizeof(why));
		if (!ops) {
			diag_add(d, c->path, dev->driver_line, "[device.%s]: %s", dev->name, why);
			continue;
		}
		for (int k = 0; k < dev->nkeys; k++) {
			bool known = false;

			for (int j = 0; ops->keys && ops->keys[j]; j++)
				known |= strcmp(ops->keys[j], dev->kv[k].key) == 0;
			if (!known) {
				struct conf_ctx x = { .in = { .path = c->path, .d = d, .line = dev->kv[k].line }, .c = c };
				char section[64];

				snprintf(section, sizeof(section), "device.%s", dev->name);
				suggest_key(&x, section, dev->kv[k].key, ops->keys);
			}
		}
		if (ops->check)
			ops->check(dev, *c->board.path ? &c->board : NULL, c->path, d);
	}
}

/* A board that is not there: say where it was set, where it was looked
 * for and which boards are there, so the fix is one edit. */
static void board_missing(struct conf *c, const char *path, struct diag *d)
{
	char names[512] = "";
	size_t used = 0;
	int e = errno;
	DIR *dir;

	if (strchr(c->board_name, '/')) {
		diag_add(d, c->path, c->board_line, "daemon.board = %s: cannot read %s (%s); a name with '/' is a "
			 "file, relative to this config's folder", c->board_name, path, strerror(e));
		return;
	}
	if ((dir = opendir(c->board_dir))) {
		struct dirent *de;

		while ((de = readdir(dir))) {
			size_t n = strlen(de->d_name);

			if (n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0 && used + n < sizeof(names) - 8)
				used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%.*s", used ? ", " : "",
							 (int)(n - 5), de->d_name);
		}
		closedir(dir);
	}
	diag_add(d, c->path, c->board_line, "daemon.board = %s: no board file %s (%s); the boards in "
		 "daemon.board_dir %s: %s%s", c->board_name, path, strerror(e), c->board_dir,
		 *names ? names : "none", strcmp(c->board_dir, DATADIR "/onair/boards") == 0
		 ? " (from a source tree: -o daemon.board_dir=boards)" : "");
}

/* "rpi4" is looked up in board_dir; a name with a slash is a file,
 * relative to the config's folder. */
static void conf_load_board(struct conf *c, struct diag *d)
{
	char path[PATH_MAX];

	size_t n = strlen(c->board_name);
	bool file_name = n > 5 && strcmp(c->board_name + n - 5, ".conf") == 0;

	/* "rpi4" names a board in board_dir; "rpi4.conf" is the same board
	 * written as its file's name; a path with '/' is a file of one's own. */
	if (strchr(c->board_name, '/')) {
		str_copy(path, c->board_name, sizeof(path));
		resolve_relative(path, sizeof(path), c->path);
	} else if ((size_t)snprintf(path, sizeof(path), "%s/%.*s.conf", c->board_dir,
				    (int)(file_name ? n - 5 : n), c->board_name) >= sizeof(path)) {
		diag_add(d, c->path, 0, "board path is too long");
		return;
	}
	if (access(path, R_OK) < 0) {
		board_missing(c, path, d);
		return;
	}
	board_load(&c->board, path, d);
}

/* [tally]: a rule the registry knows, and an order of sources that exist. */
static void check_tally(const struct conf *c, const char *path, struct diag *d)
{
	char order[sizeof(c->tally.order)], *save = NULL;

	if (strcmp(c->tally.rule, "any") != 0 && strcmp(c->tally.rule, "priority") != 0)
		diag_add(d, path, 0, "tally.rule \"%s\" must be any (program if any source says so) or "
			 "priority (the first source in tally.order that knows the camera)", c->tally.rule);
	str_copy(order, c->tally.order, sizeof(order));
	for (char *name = strtok_r(order, " ,", &save); name; name = strtok_r(NULL, " ,", &save)) {
		int i;

		for (i = 0; i < c->nsources && strcmp(c->source[i].name, name) != 0; i++)
			;
		if (i == c->nsources)
			diag_add(d, path, 0, "tally.order names \"%s\", which is no [source.NAME]", name);
	}
}

int conf_load(struct conf *c, const char *path, const char *const *overrides, int noverrides,
	      struct diag *d)
{
	size_t len, before = d->count;
	char *text;

	conf_defaults(c);
	str_copy(c->path, path, sizeof(c->path));
	text = file_read(path, CONF_FILE_MAX, &len);
	if (!text) {
		diag_add(d, path, 0, "cannot read config: %s", strerror(errno));
		return -1;
	}
	conf_parse_text(c, path, text, len, d);
	free(text);
	for (int i = 0; i < noverrides; i++)
		conf_override(c, overrides[i], d);
	if (*c->rundown_path) {
		resolve_relative(c->rundown_path, sizeof(c->rundown_path), path);
		rundown_load_csv(&c->rundown, c->rundown_path, d);
	}
	if (c->rundown.count == 0 && d->count == before)
		diag_add(d, path, 0, "no rundown: set show.rundown = FILE.csv or add show.segment lines");
	if (*c->board_name)
		conf_load_board(c, d);
	if (c->role != NODE_STANDALONE && !*c->mqtt.host)
		diag_add(d, path, 0, "node.role = %s needs mqtt.host (%s)",
			 c->role == NODE_LEADER ? "leader" : c->role == NODE_FOLLOWER ? "follower" : "floor",
			 c->role == NODE_FLOOR ? "the base's central broker" : "the studio's broker");
	if (c->role == NODE_STANDALONE && *c->mqtt.host)
		diag_add(d, path, 0, "mqtt.host is set but node.role is standalone: set leader or follower");
	if (*c->mqtt.leader && c->role == NODE_LEADER && strcmp(c->mqtt.leader, c->node_name) != 0)
		diag_add(d, path, 0, "node.role = leader but mqtt.leader names %s, not this box (%s): "
			 "the studio's boxes must agree on one leader", c->mqtt.leader, c->node_name);
	if (*c->mqtt.leader && c->role == NODE_FOLLOWER && strcmp(c->mqtt.leader, c->node_name) == 0)
		diag_add(d, path, 0, "node.role = follower but mqtt.leader names this box (%s)", c->node_name);
	if (audio_format_parse(c->audio.format) < 0)
		diag_add(d, path, 0, "audio.format \"%s\" must be S16_LE, S32_LE or FLOAT_LE",
			 c->audio.format);
	if (c->audio.loopback && (!*c->audio.capture || !*c->audio.playback))
		diag_add(d, path, 0, "audio.loopback needs both audio.capture and audio.playback");
	if (c->audio.watch == 1 && !*c->audio.capture)
		diag_add(d, path, 0, "audio.watch = yes needs audio.capture (the input the watch listens to)");
	if (c->audio.watch_loudness_low >= c->audio.watch_loudness_high)
		diag_add(d, path, 0, "audio.watch_loudness_low (%lld) must be below audio.watch_loudness_high (%lld)",
			 (long long)c->audio.watch_loudness_low, (long long)c->audio.watch_loudness_high);
	if (c->mqtt.lease_ms <= c->mqtt.heartbeat_ms)
		diag_add(d, path, 0, "mqtt.lease must be longer than mqtt.heartbeat");
	/* The prefix starts every topic the box publishes: a wildcard there
	 * is a topic no broker accepts (the daemon would not link up). */
	if (strpbrk(c->mqtt.prefix, "+#") ||
	    (*c->mqtt.prefix && c->mqtt.prefix[strlen(c->mqtt.prefix) - 1] != '/'))
		diag_add(d, path, 0, "mqtt.prefix \"%s\" must end in '/' and have no '+' or '#' "
			 "(they are MQTT wildcards)", c->mqtt.prefix);
	for (int i = 0; i < c->nsources; i++) {
		struct source_conf *src = &c->source[i];
		const struct source_ops *kind = source_kind(src->type);
		const char *const *keys = kind ? kind->keys : source_all_keys();

		if (kind)
			source_settle(src, kind);
		if (!*src->type)
			diag_add(d, path, src->line, "[source.%s] has no type (%s)", src->name, source_kind_names());
		for (int k = 0; k < src->nkeys; k++) {
			bool known = false;

			for (int j = 0; keys[j]; j++)
				known |= strcmp(keys[j], src->kv[k].key) == 0;
			if (!known) {
				struct conf_ctx x = { .in = { .path = path, .d = d, .line = src->kv[k].line }, .c = c };
				char section[64];

				snprintf(section, sizeof(section), "source.%s", src->name);
				suggest_key(&x, section, src->kv[k].key, keys);
			}
		}
		if (kind)
			kind->check(src, *c->board.path ? &c->board : NULL, path, d);
	}
	check_tally(c, path, d);
	check_outputs(c, path, d);
	check_alerts(c, path, d);
	if (*c->web.listen) {
		char host[128];
		int port;

		unsigned char addr[16];

		if (!hostport_parse(c->web.listen, host, sizeof(host), &port))
			diag_add(d, path, 0, "web.listen \"%s\" must be ADDRESS:PORT (127.0.0.1:8080, "
				 "0.0.0.0:8080, [::]:8080)", c->web.listen);
		/* As the server reads it: numbers only, a resolver would hold
		 * the loop (and the lamps) while it waits. */
		else if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
			diag_add(d, path, 0, "web.listen \"%s\": the address must be numeric (127.0.0.1, 0.0.0.0, "
				 "[::]): onaird looks up no names", c->web.listen);
	}
	if (strcmp(c->web.language, "zh") != 0 && strcmp(c->web.language, "en") != 0 &&
	    strcmp(c->web.language, "both") != 0)
		diag_add(d, path, 0, "web.language must be zh, en or both");
	if (c->ndevices == 0) {
		/* The embedded default: a show runs and can be seen with no hardware. */
		str_copy(c->device[0].name, "console", DRV_NAME_MAX);
		str_copy(c->device[0].driver, "console", DRV_NAME_MAX);
		c->ndevices = 1;
	}
	conf_check_devices(c, d);
	return d->count == before ? 0 : -1;
}

int64_t conf_schedule(const struct conf *c, int64_t now_wall)
{
	time_t now = (time_t)(now_wall / 1000), at;
	struct tm tm;
	int secs;

	if (!*c->start)
		return 0;
	localtime_r(&now, &tm);
	if (time_of_day_parse(c->start, &secs)) {
		tm.tm_hour = secs / 3600;
		tm.tm_min = secs / 60 % 60;
		tm.tm_sec = secs % 60;
		tm.tm_isdst = -1;
		at = mktime(&tm);
		/* More than six hours past: it means tomorrow's show. */
		if ((int64_t)at * 1000 < now_wall - 6 * 3600 * 1000LL) {
			tm.tm_mday++;
			tm.tm_isdst = -1;
			at = mktime(&tm);
		}
	} else {
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(c->start, "%Y-%m-%d %H:%M", &tm);

		if (end && *end == ':')
			strptime(end, ":%S", &tm);
		tm.tm_isdst = -1;
		at = mktime(&tm);
	}
	return (int64_t)at * 1000;
}

int64_t conf_show_end(const struct conf *c, int64_t from_wall)
{
	time_t from = (time_t)(from_wall / 1000), at;
	struct tm tm;
	int secs;

	if (!*c->end || !time_of_day_parse(c->end, &secs))
		return 0;
	localtime_r(&from, &tm);
	tm.tm_hour = secs / 3600;
	tm.tm_min = secs / 60 % 60;
	tm.tm_sec = secs % 60;
	tm.tm_isdst = -1;
	at = mktime(&tm);
	/* An end before the start is past midnight. */
	if ((int64_t)at * 1000 <= from_wall) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		at = mktime(&tm);
	}
	return (int64_t)at * 1000;
}

static void rhythm_warning(void *ctx, int line, const char *text)
{
	struct diag *w = ((void **)ctx)[0];
	const struct conf *c = ((void **)ctx)[1];

	diag_add(w, line ? (*c->rundown_path ? c->rundown_path : c->path) : c->path, line, "%s", text);
}

void conf_warnings(const struct conf *c, struct diag *w)
{
	void *ctx[2] = { w, (void *)c };

	rhythm_check(&c->rundown, &c->show, rhythm_warning, ctx);
}

const char *conf_canned(const struct conf *c, const char *key)
{
	for (int i = 0; i < c->web.ncanned; i++)
		if (strcmp(c->web.canned[i].key, key) == 0)
			return c->web.canned[i].text;
	return NULL;
}

bool conf_audio_watch(const struct conf *c)
{
	return c->audio.watch >= 0 ? c->audio.watch : *c->audio.capture != '\0';
}

bool conf_selftest_required(const struct conf *c)
{
	if (c->selftest.required >= 0)
		return c->selftest.required;
	/* Something to check: a sound card, or any device beyond the console. */
	if (*c->audio.capture || *c->audio.playback)
		return true;
	for (int i = 0; i < c->ndevices; i++)
		if (strcmp(c->device[i].driver, "console") != 0)
			return true;
	return false;
}

void conf_dump(const struct conf *c, FILE *f)
{
	const char *section = "";

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];
		const void *field = (const char *)c + k->offset;

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
		}
		conf_types[k->type].print(f, k, c, field);
	}
	for (int i = 0; i < c->nsources; i++) {
		const struct source_conf *src = &c->source[i];
		const struct source_ops *kind = source_kind(src->type);

		fprintf(f, "\n[source.%s]\ntype = %s\n", src->name, src->type);
		if (kind)
			kind->dump(src, f);
		if (src->camera >= 0)
			fprintf(f, "camera = %lld\n", src->camera);
	}
	for (int i = 0; i < c->noutputs; i++) {
		const struct output_conf *o = &c->output[i];
		char where[96];

		hostport_format(where, sizeof(where), o->host, o->port);
		fprintf(f, "\n[output.%s]\ntype = %s\nsend = %s:%s\n", o->name, o->type, o->tcp ? "tcp" : "udp",
			where);
		print_seconds(f, "refresh", o->refresh_ms);
		if (strcmp(o->type, "tsl5") == 0)
			fprintf(f, "screen = %lld\n", o->screen);
		else
			fprintf(f, "program_tally = %lld\npreview_tally = %lld\n", o->program_bit, o->preview_bit);
	}
	for (int i = 0; i < c->nalerts; i++) {
		const struct alert_conf *a = &c->alert[i];

		fprintf(f, "\n[alert.%s]\ntype = %s\nurl_file = %s\n", a->name,
			a->kind >= 0 ? webhook_kind_name(a->kind) : "", a->url_file);
		if (*a->secret_file)
			fprintf(f, "secret_file = %s\n", a->secret_file);
		fputs("rules = ", f);
		for (int r = 0; r < a->nrules; r++)
			fprintf(f, "%s%s", r ? ", " : "", alert_rule_name(a->rule[r]));
		fprintf(f, "%s\nsend = %s\nmention = %s\n", a->nrules ? "" : "all",
			a->escalations_only ? "escalations" : "all", a->mention);
	}
	for (int i = 0; i < c->ndevices; i++) {
		const struct conf_device *dev = &c->device[i];

		fprintf(f, "\n[device.%s]\ndriver = %s\n", dev->name, dev->driver);
		for (int k = 0; k < dev->nkeys; k++)
			fprintf(f, "%s = %s\n", dev->kv[k].key, dev->kv[k].value);
	}
}
