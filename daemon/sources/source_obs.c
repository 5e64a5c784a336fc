/* A tally source that is OBS Studio, through obs-websocket 5: it reports
 * facts (streaming, recording, the program and preview scenes) and the
 * registry and the truth engine decide what the lamps show. The socket is one more
 * watch in the daemon's loop and one timer serves the backoff, the
 * handshake's deadline and the liveness ping: nothing here blocks the
 * lamps. The WebSocket framing is core/ws.c, the protocol core/obsws.c.
 * Written here rather than on libwebsockets: the client needs one
 * connection, text frames and ping, inside a loop that is not lws's, and
 * every byte it parses is ours to bound and fuzz (tests/fuzz/fuzz_obs.c).
 * obs-websocket 5 offers no TLS of its own, so none is spoken. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/health.h"
#include "../../core/obsws.h"
#include "../../core/ws.h"
#include "../../core/jsontext.h"
#include "../../core/util.h"
#include "source.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define AUTH_RETRY_MS 60000	/* a wrong password is not fixed by hammering */
#define HANDSHAKE_MS 5000
#define PING_MS 1000
#define SILENT_MS 3000		/* nothing from OBS this long: it is gone */
#define ANSWER_MAX 4096
/* The stream's counters while it runs: modest, a few hundred bytes. */
#define STATS_MS 2000

enum obs_state { OBS_WAITING, OBS_CONNECTING, OBS_UPGRADING, OBS_OPEN };

#define OBS_SCENES_MAX 16
/* A section's own keys, parsed once. */
struct obs_opts {
	char host[64];
	int port;
	char password_file[256];	/* the obs-websocket password */
	int nscenes;			/* scene = N | NAME: camera N is on air in NAME */
	struct {
		long long camera;
		char name[128];
	} scene[OBS_SCENES_MAX];
};

struct obs_source {
	const struct source_conf *conf;	/* the registry's copy, outlives this */
	struct obs_opts opts;
	void (*changed)(void *ctx);
	void *ctx;
	enum obs_state state;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *timer;
	char key[WS_KEY_LEN + 1];
	char answer[ANSWER_MAX];
	size_t answer_len;
	struct ws_reader reader;
	struct obsws ws;
	char *password;
	int64_t backoff_ms, deadline, last_heard, next_ping;
	uint64_t connects;		/* attempts, for status: a loop would show */
	char last_error[200], logged_error[200];
	bool stop;		/* OBS asked not to come back (session kicked) */
	/* A failure met inside the frame decoder, acted on when it returns
	 * (the decoder must not be freed under itself). */
	char pending[200];
	int64_t pending_retry_ms;	/* -1: the backoff */
	/* The stream's health from its counters (docs/watch.md). */
	struct health health;
	uint64_t stats_seen;
	int64_t next_stats;
	uint64_t last_bytes;
	int64_t last_bytes_at;
	double kbps;
};

static void arm(struct obs_source *o)
{
	int64_t at = o->deadline;

	if (o->state == OBS_OPEN && o->next_ping < at)
		at = o->next_ping;
	if (o->state == OBS_OPEN && o->next_stats && o->next_stats < at)
		at = o->next_stats;
	loop_timer_arm(o->timer, at);
}

/* Said once per distinct reason: a switched-off OBS is not a log flood. */
static void set_error(struct obs_source *o, const char *why)
{
	str_copy(o->last_error, why, sizeof(o->last_error));
	if (strcmp(o->logged_error, why) != 0) {
		log_warnx("source %s: %s", o->conf->name, why);
		str_copy(o->logged_error, why, sizeof(o->logged_error));
	}
}

static void disconnect(struct obs_source *o, int64_t retry_ms)
{
	bool was_present = o->ws.identified;

	if (o->watch)
		loop_watch_remove(o->watch);
	if (o->fd >= 0)
		close(o->fd);
	o->watch = NULL;
	o->fd = -1;
	ws_reader_free(&o->reader);
	obsws_free(&o->ws);
	health_reset(&o->health);
	o->health.struggling = false;
	o->next_stats = 0;
	o->state = OBS_WAITING;
	o->deadline = o->stop ? NEVER : time_mono_ms() + retry_ms;
	arm(o);
	if (was_present) {
		log_warnx("source %s: OBS is gone: the stream is unknown", o->conf->name);
		o->changed(o->ctx);
	}
}

static void fail(struct obs_source *o, const char *why)
{
	set_error(o, why);
	disconnect(o, o->backoff_ms);
	o->backoff_ms = o->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : o->backoff_ms * 2;
}

static void later(struct obs_source *o, const char *why, int64_t retry_ms);

static int send_frame(struct obs_source *o, enum ws_opcode op, const void *data, size_t len)
{
	uint8_t frame[8192], mask[4];
	int n;

	if (getrandom(mask, sizeof(mask), 0) != sizeof(mask))
		return -1;
	n = ws_frame(frame, sizeof(frame), op, data, len, mask);
	if (n < 0)
		return -1;
	/* Small frames on an idle socket: a short write means OBS is not reading. */
	return send(o->fd, frame, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n ? 0 : -1;
}

static int flush_out(struct obs_source *o)
{
	for (int i = 0; i < o->ws.nout; i++) {
		if (send_frame(o, WS_TEXT, o->ws.out[i], strlen(o->ws.out[i])) < 0) {
			later(o, "could not send to OBS", -1);
			return -1;
		}
		free(o->ws.out[i]);
		o->ws.out[i] = NULL;
	}
	o->ws.nout = 0;
	return 0;
}

static void later(struct obs_source *o, const char *why, int64_t retry_ms)
{
	if (*o->pending)
		return;
	str_copy(o->pending, why, sizeof(o->pending));
	o->pending_retry_ms = retry_ms;
}

static void act_on_pending(struct obs_source *o)
{
	if (!*o->pending)
		return;
	if (o->pending_retry_ms < 0) {
		fail(o, o->pending);
	} else {
		set_error(o, o->pending);
		disconnect(o, o->pending_retry_ms);
	}
	o->pending[0] = '\0';
}

/* The stream's counters, polled while it runs; 1 when struggling began
 * or ended. A stopped stream is not struggling. */
static int take_health(struct obs_source *o)
{
	int64_t now = time_mono_ms();
	bool running = o->ws.stream == OBSWS_ACTIVE || o->ws.stream == OBSWS_RECONNECTING;
	struct health_sample sample;

	if (!running) {
		bool was = o->health.struggling;

		health_reset(&o->health);
		o->health.struggling = false;
		o->next_stats = 0;
		o->kbps = 0;
		return was;
	}
	if (!o->next_stats)
		o->next_stats = now + STATS_MS;
	if (o->ws.stats_seq == o->stats_seen)
		return 0;
	o->stats_seen = o->ws.stats_seq;
	if (o->last_bytes_at && o->ws.stats.bytes >= o->last_bytes && now > o->last_bytes_at)
		o->kbps = (double)(o->ws.stats.bytes - o->last_bytes) * 8 / (double)(now - o->last_bytes_at);
	o->last_bytes = o->ws.stats.bytes;
	o->last_bytes_at = now;
	sample = (struct health_sample){ .at_ms = now, .dropped = o->ws.stats.dropped, .total = o->ws.stats.total,
					 .congestion = o->ws.stats.congestion,
					 .reconnecting = o->ws.stats.reconnecting ||
							 o->ws.stream == OBSWS_RECONNECTING };
	return health_feed(&o->health, &sample);
}

static void on_message(void *ctx, enum ws_opcode op, const uint8_t *data, size_t len)
{
	struct obs_source *o = ctx;
	char err[200];
	bool was = o->ws.identified;
	int rc;

	if (*o->pending)
		return;		/* a failure earlier in this read: it closes */
	switch (op) {
	case WS_PING:
		if (send_frame(o, WS_PONG, data, len) < 0)
			later(o, "could not answer OBS's ping", -1);
		return;
	case WS_PONG:
		return;
	case WS_CLOSE: {
		int code = ws_close_code(data, len);

		if (code == OBSWS_AUTH_FAILED) {
			later(o, "OBS refused the password (obs-websocket close code 4009): check "
			      "password_file against Tools > WebSocket Server Settings", AUTH_RETRY_MS);
		} else if (code == OBSWS_SESSION_INVALIDATED) {
			o->stop = true;
			later(o, "OBS closed this session from its session list (4011): not reconnecting "
			      "until onaird is reloaded", 0);
		} else {
			snprintf(err, sizeof(err), "OBS closed the connection (code %d)", code);
			later(o, err, -1);
		}
		return;
	}
	case WS_BINARY:
		later(o, "OBS sent a binary message (MessagePack was not asked for)", -1);
		return;
	default:
		break;
	}
	rc = obsws_message(&o->ws, (const char *)data, len, o->password, err, sizeof(err));
	if (rc < 0) {
		later(o, err, -1);
		return;
	}
	if (flush_out(o) < 0)
		return;
	if (!was && o->ws.identified) {
		o->backoff_ms = BACKOFF_MIN_MS;
		o->last_error[0] = o->logged_error[0] = '\0';
		log_info("source %s: OBS found (obs-websocket %s)", o->conf->name, o->ws.version);
	}
	rc |= take_health(o);
	if (rc > 0)
		o->changed(o->ctx);
}

static void read_open(struct obs_source *o)
{
	uint8_t buf[16384];
	char err[200];
	ssize_t n = recv(o->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fail(o, n == 0 ? "OBS closed the connection" : "the connection to OBS broke");
		return;
	}
	o->last_heard = time_mono_ms();
	if (ws_reader_feed(&o->reader, buf, (size_t)n, on_message, o, err, sizeof(err)) < 0) {
		char why[240];

		snprintf(why, sizeof(why), "a broken WebSocket stream from OBS: %s", err);
		later(o, why, -1);
	}
	act_on_pending(o);
}

static void read_answer(struct obs_source *o)
{
	char err[200];
	ssize_t n = recv(o->fd, o->answer + o->answer_len, sizeof(o->answer) - o->answer_len, MSG_DONTWAIT);
	int header;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fail(o, "the connection closed during the WebSocket handshake");
		return;
	}
	o->answer_len += (size_t)n;
	header = ws_response(o->answer, o->answer_len, o->key, err, sizeof(err));
	if (header == 0)
		return;
	if (header < 0) {
		fail(o, err);
		return;
	}
	o->state = OBS_OPEN;
	o->last_heard = time_mono_ms();
	o->next_ping = o->last_heard + PING_MS;
	o->deadline = o->last_heard + HANDSHAKE_MS;	/* until Identified */
	arm(o);
	ws_reader_init(&o->reader);
	obsws_init(&o->ws);
	/* Hello may have come in the same read as the 101. */
	if ((size_t)header < o->answer_len &&
	    ws_reader_feed(&o->reader, (const uint8_t *)o->answer + header, o->answer_len - (size_t)header,
			   on_message, o, err, sizeof(err)) < 0)
		later(o, err, -1);
	act_on_pending(o);
}

static void upgrade(struct obs_source *o)
{
	uint8_t random16[16];
	char request[512];
	int n, soerr = tcp_connect_result(o->fd);

	if (soerr) {
		char why[200];

		snprintf(why, sizeof(why), "cannot reach OBS at %s:%d: %s", o->opts.host, o->opts.port,
			 strerror(soerr));
		fail(o, why);
		return;
	}
	if (getrandom(random16, sizeof(random16), 0) != sizeof(random16)) {
		fail(o, "no random bytes for the WebSocket key");
		return;
	}
	ws_key(random16, o->key);
	n = ws_request(request, sizeof(request), o->opts.host, o->opts.port, "/", o->key, "obswebsocket.json");
	if (n < 0 || send(o->fd, request, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		fail(o, "could not send the WebSocket handshake");
		return;
	}
	o->state = OBS_UPGRADING;
	o->answer_len = 0;
	loop_watch_modify(o->watch, EPOLLIN);
}

static void ready(int fd, uint32_t events, void *data)
{
	struct obs_source *o = data;

	(void)fd;
	if (o->state == OBS_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		upgrade(o);
	else if (o->state == OBS_UPGRADING)
		read_answer(o);
	else if (o->state == OBS_OPEN)
		read_open(o);
}

static void connect_now(struct obs_source *o)
{
	char why[200];

	free(o->password);
	o->password = NULL;
	if (*o->opts.password_file) {
		char warn[PATH_MAX + 96], bad[PATH_MAX + 96];

		if (!(o->password = secret_load(o->opts.password_file, 1, 4096, bad, sizeof(bad), warn,
						sizeof(warn)))) {
			snprintf(why, sizeof(why), "password_file: %s", bad);
			fail(o, why);
			return;
		}
		if (*warn)
			log_warnx("source %s: %s", o->conf->name, warn);
	}
	o->connects++;
	if ((o->fd = net_connect_start(o->opts.host, o->opts.port, SOCK_STREAM, why, sizeof(why))) < 0) {
		char said[240];

		snprintf(said, sizeof(said), "cannot reach OBS at %s:%d: %s", o->opts.host, o->opts.port, why);
		fail(o, said);
		return;
	}
	o->state = OBS_CONNECTING;
	o->watch = loop_watch_add(o->fd, EPOLLOUT, ready, o);
	o->deadline = time_mono_ms() + HANDSHAKE_MS;
	arm(o);
}

static void tick(void *data)
{
	struct obs_source *o = data;
	int64_t now = time_mono_ms();

	switch (o->state) {
	case OBS_WAITING:
		if (now >= o->deadline)
			connect_now(o);
		else
			arm(o);
		return;
	case OBS_CONNECTING:
	case OBS_UPGRADING:
		if (now >= o->deadline) {
			char why[200];

			snprintf(why, sizeof(why), "OBS at %s:%d did not answer within %d s", o->opts.host,
				 o->opts.port, HANDSHAKE_MS / 1000);
			fail(o, why);
		} else {
			arm(o);
		}
		return;
	case OBS_OPEN:
		if (!o->ws.identified && now >= o->deadline) {
			fail(o, "OBS did not identify this client within 5 s");
			return;
		}
		if (now - o->last_heard >= SILENT_MS) {
			fail(o, "OBS went silent (no answer to a ping for 3 s)");
			return;
		}
		if (now >= o->next_ping) {
			if (send_frame(o, WS_PING, "onair", 5) < 0) {
				fail(o, "could not ping OBS");
				return;
			}
			o->next_ping = now + PING_MS;
		}
		if (o->next_stats && now >= o->next_stats) {
			obsws_ask_stream_status(&o->ws);
			if (flush_out(o) < 0) {
				act_on_pending(o);
				return;
			}
			o->next_stats = now + STATS_MS;
		}
		if (o->ws.identified)
			o->deadline = NEVER;
		arm(o);
		return;
	}
}

#define BAD(...) do { if (d) diag_add(d, path, line, __VA_ARGS__); rc = -1; } while (0)

/* The section's keys into o: 0, or -1 with every problem in d (d NULL:
 * checked before, at the load). */
static int obs_parse(const struct source_conf *c, struct obs_opts *o, const char *path, struct diag *d)
{
	int rc = 0, line = c->line;

	memset(o, 0, sizeof(*o));
	/* 4455 is obs-websocket 5's own default. */
	str_copy(o->host, "127.0.0.1", sizeof(o->host));
	o->port = 4455;
	for (int i = 0; i < c->nkeys; i++) {
		const char *k = c->kv[i].key, *v = c->kv[i].value;

		line = c->kv[i].line;
		if (strcmp(k, "connect") == 0) {
			/* "ws://ADDR:PORT", as OBS's own dialog shows it, or "ADDR:PORT". */
			if (!hostport_parse(strncmp(v, "ws://", 5) == 0 ? v + 5 : v, o->host, sizeof(o->host), &o->port))
				BAD("[source.%s] connect \"%s\" must be ADDRESS:PORT (127.0.0.1:4455)", c->name, v);
		} else if (strcmp(k, "password_file") == 0) {
			str_copy(o->password_file, v, sizeof(o->password_file));
		} else if (strcmp(k, "scene") == 0) {
			const char *bar = strchr(v, '|');
			char num[24], name[256];
			long long cam;

			if (!bar || (size_t)(bar - v) >= sizeof(num)) {
				BAD("[source.%s] scene \"%s\" must be CAMERA | SCENE NAME (1 | Camera 1)", c->name, v);
				continue;
			}
			memcpy(num, v, (size_t)(bar - v));
			num[bar - v] = '\0';
			str_copy(name, bar + 1, sizeof(name));
			if (!int_parse(str_trim(num), 0, 65535, &cam) || !*str_trim(name) ||
			    strlen(str_trim(name)) >= sizeof(o->scene[0].name))
				BAD("[source.%s] scene \"%s\": the camera is 0 to 65535 and the scene's name 1 to "
				    "127 bytes", c->name, v);
			else if (o->nscenes >= OBS_SCENES_MAX)
				BAD("[source.%s]: at most %d scenes", c->name, OBS_SCENES_MAX);
			else {
				o->scene[o->nscenes].camera = cam;
				str_copy(o->scene[o->nscenes++].name, str_trim(name), sizeof(o->scene[0].name));
			}
		}
	}
	return rc;
}

static void obs_check(const struct source_conf *c, const struct board *board, const char *path,
		      struct diag *d)
{
	struct obs_opts o;

	(void)board;
	obs_parse(c, &o, path, d);
}

static void obs_dump(const struct source_conf *c, FILE *f)
{
	struct obs_opts o;
	char where[96];

	obs_parse(c, &o, NULL, NULL);
	hostport_format(where, sizeof(where), o.host, o.port);
	fprintf(f, "connect = %s\n", where);
	if (*o.password_file)
		fprintf(f, "password_file = %s\n", o.password_file);
	for (int k = 0; k < o.nscenes; k++)
		fprintf(f, "scene = %lld | %s\n", o.scene[k].camera, o.scene[k].name);
}

static struct obs_source *obs_source_open(const struct source_conf *c, void (*changed)(void *ctx), void *ctx)
{
	struct obs_source *o = calloc(1, sizeof(*o));
	struct health_limits lim;

	if (!o)
		return NULL;
	o->conf = c;
	obs_parse(c, &o->opts, NULL, NULL);
	o->changed = changed;
	o->ctx = ctx;
	o->fd = -1;
	o->backoff_ms = BACKOFF_MIN_MS;
	o->timer = loop_timer_add(tick, o);
	health_limits_defaults(&lim);
	health_init(&o->health, &lim);
	ws_reader_init(&o->reader);
	obsws_init(&o->ws);
	log_info("source %s: OBS at ws://%s:%d%s", c->name, o->opts.host, o->opts.port,
		 c->camera >= 0 ? " (this box's tally follows its camera's scene)" : "");
	o->deadline = time_mono_ms();
	connect_now(o);
	return o;
}

static void obs_source_close(struct obs_source *o)
{
	if (!o)
		return;
	o->changed = NULL;
	if (o->watch)
		loop_watch_remove(o->watch);
	if (o->fd >= 0)
		close(o->fd);
	loop_timer_remove(o->timer);
	ws_reader_free(&o->reader);
	obsws_free(&o->ws);
	free(o->password);
	free(o);
}

/* Present once OBS has answered what it was asked at connection: the
 * stream's state and the program scene (OBS always has one). */
static bool obs_source_present(const struct obs_source *o)
{
	return o->ws.identified && o->ws.stream != OBSWS_UNKNOWN && *o->ws.program_scene;
}

static enum stream_fact obs_source_stream(const struct obs_source *o)
{
	if (!obs_source_present(o))
		return STREAM_UNKNOWN;
	return obsws_streaming(&o->ws) ? STREAM_LIVE : STREAM_DOWN;
}

static enum cue_camera obs_source_camera(const struct obs_source *o, long long camera)
{
	bool mapped = false;

	if (!o->ws.identified || !*o->ws.program_scene)
		return CUE_CAMERA_UNKNOWN;
	for (int i = 0; i < o->opts.nscenes; i++) {
		if (o->opts.scene[i].camera != camera)
			continue;
		mapped = true;
		if (strcmp(o->opts.scene[i].name, o->ws.program_scene) == 0)
			return CUE_CAMERA_PROGRAM;
	}
	for (int i = 0; i < o->opts.nscenes; i++)
		if (o->opts.scene[i].camera == camera && strcmp(o->opts.scene[i].name, o->ws.preview_scene) == 0)
			return CUE_CAMERA_PREVIEW;
	return mapped ? CUE_CAMERA_OFF : CUE_CAMERA_UNKNOWN;
}

static void obs_source_status(const struct obs_source *o, cJSON *j)
{
	cJSON *tally = cJSON_AddObjectToObject(j, "tally");
	char connect[96], key[24];

	hostport_format(connect, sizeof(connect), o->opts.host, o->opts.port);
	json_add_text(j, "connect", connect);
	cJSON_AddBoolToObject(j, "present", obs_source_present(o));
	json_add_text(j, "stream", stream_fact_name(obs_source_stream(o)));
	if (obs_source_present(o)) {
		cJSON_AddBoolToObject(j, "streaming", obsws_streaming(&o->ws));
		json_add_text(j, "stream_output", obsws_output_name(o->ws.stream));
		cJSON_AddBoolToObject(j, "recording", o->ws.record == OBSWS_ACTIVE);
		json_add_text(j, "program_scene", o->ws.program_scene);
		if (*o->ws.preview_scene)
			json_add_text(j, "preview_scene", o->ws.preview_scene);
		if (o->next_stats) {
			cJSON *h = cJSON_AddObjectToObject(j, "health");

			cJSON_AddBoolToObject(h, "struggling", o->health.struggling);
			if (o->health.struggling)
				json_add_text(h, "why", o->health.why);
			cJSON_AddNumberToObject(h, "dropped_pct", round(o->health.window_dropped_pct * 100) / 100);
			cJSON_AddNumberToObject(h, "congestion", round(o->health.window_congestion * 1000) / 1000);
			cJSON_AddNumberToObject(h, "kbps", round(o->kbps));
			cJSON_AddNumberToObject(h, "dropped_frames", (double)o->ws.stats.dropped);
			cJSON_AddNumberToObject(h, "total_frames", (double)o->ws.stats.total);
		}
	}
	/* Every mapped camera, as a TSL source writes its indexes: a camera
	 * box following this studio reads the same object. */
	for (int i = 0; i < o->opts.nscenes; i++) {
		enum cue_camera cam = obs_source_camera(o, o->opts.scene[i].camera);

		snprintf(key, sizeof(key), "%lld", o->opts.scene[i].camera);
		if (cam != CUE_CAMERA_UNKNOWN && !cJSON_GetObjectItemCaseSensitive(tally, key))
			json_add_text(tally, key, cue_camera_name(cam));
	}
	cJSON_AddNumberToObject(j, "connects", (double)o->connects);
	if (*o->last_error)
		json_add_text(j, "last_error", o->last_error);
}

static const char *obs_label(const struct obs_source *o, long long camera)
{
	for (int k = 0; k < o->opts.nscenes; k++)
		if (o->opts.scene[k].camera == camera)
			return o->opts.scene[k].name;
	return "";
}

static void obs_each_camera(const struct obs_source *o, source_camera_fn fn, void *ctx)
{
	for (int k = 0; k < o->opts.nscenes; k++) {
		long long cam = o->opts.scene[k].camera;

		fn(ctx, cam, obs_source_camera(o, cam), o->opts.scene[k].name);
	}
}

/* The interface's signatures, on this kind's own struct. */
#define O(inst) ((struct obs_source *)(inst))
#define CO(inst) ((const struct obs_source *)(inst))
static struct source_inst *ops_open(const struct source_conf *c, const struct board *board,
				    void (*changed)(void *), void *ctx)
{
	(void)board;
	return (struct source_inst *)obs_source_open(c, changed, ctx);
}
static void ops_close(struct source_inst *s) { obs_source_close(O(s)); }
static bool ops_present(const struct source_inst *s) { return obs_source_present(CO(s)); }
static enum stream_fact ops_stream(const struct source_inst *s) { return obs_source_stream(CO(s)); }
static enum cue_camera ops_camera(const struct source_inst *s, long long c) { return obs_source_camera(CO(s), c); }
static const char *ops_label(const struct source_inst *s, long long c) { return obs_label(CO(s), c); }
static void ops_each_camera(const struct source_inst *s, source_camera_fn fn, void *ctx)
{
	obs_each_camera(CO(s), fn, ctx);
}
static void ops_status(const struct source_inst *s, cJSON *j) { obs_source_status(CO(s), j); }
static bool ops_struggling(const struct source_inst *s, char *why, size_t len)
{
	str_copy(why, CO(s)->health.struggling ? CO(s)->health.why : "", len);
	return CO(s)->health.struggling;
}

static const char *const obs_keys[] = { "connect", "password_file", "scene", NULL };
static const char *const obs_repeatable[] = { "scene", NULL };

const struct source_ops source_obs_ops = {
	"obs", obs_keys, obs_repeatable, obs_check, obs_dump, ops_open, ops_close, ops_present, ops_stream, ops_camera, ops_label, ops_each_camera,
	ops_status, ops_struggling,
};
