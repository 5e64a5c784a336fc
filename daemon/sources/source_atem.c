/* A tally source that is a Blackmagic ATEM switcher, over its UDP
 * protocol (core/atem.c keeps the session and reads the state): tally by
 * source as the switcher's own tally outputs show it, or program/preview
 * of one mix effect (me =), input names as labels, streaming and
 * recording where the model reports them. One socket in the daemon's loop
 * and one timer for the handshake, the backoff and liveness: a switcher
 * silent for SILENT_MS (it reboots, the cable is pulled) leaves its
 * cameras unknown, never off, and a new session is asked for. An ATEM
 * accepts only a handful of control connections: one box of a studio
 * holds the session and the others follow it over MQTT. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/atem.h"
#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "source_map.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define REFUSED_RETRY_MS 10000	/* a full client table frees slowly */
#define HELLO_EVERY_MS 1000	/* the opening resent while unanswered */
#define HELLO_TRIES 5
/* Nothing from the switcher this long: gone (atem-connection's figure). */
#define SILENT_MS 5000

enum { ON_STREAMING = 1, ON_RECORDING = 2 };

struct atem_opts {
	char host[64];
	int port;
	int me;				/* 0: tally by source; N: mix effect N's buses */
	unsigned on_air;
	struct source_maps maps;	/* input = CAMERA | SOURCE or NAME; none: camera N is source N */
};

struct atem_source_inst {
	const struct source_conf *conf;	/* the registry's copy, outlives this */
	struct atem_opts opts;
	void (*changed)(void *ctx);
	void *ctx;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *timer;
	struct atem a;
	int hello_tries;
	int64_t backoff_ms, deadline, last_heard;
	uint64_t connects, sessions;
	bool told_stream;		/* the model reported streaming once: unknown, not none, when gone */
	char last_error[200], logged_error[200];
};

static void set_error(struct atem_source_inst *s, const char *why)
{
	str_copy(s->last_error, why, sizeof(s->last_error));
	if (strcmp(s->logged_error, why) != 0) {
		log_warnx("source %s: %s", s->conf->name, why);
		str_copy(s->logged_error, why, sizeof(s->logged_error));
	}
}

static void told_malformed(void *ctx, const char *why)
{
	set_error(ctx, why);
}

static bool atem_present(const struct atem_source_inst *s)
{
	return s->a.state == ATEM_OPEN && s->a.init_complete && s->a.have_tally;
}

static void close_socket(struct atem_source_inst *s)
{
	if (s->watch)
		loop_watch_remove(s->watch);
	if (s->fd >= 0)
		close(s->fd);
	s->watch = NULL;
	s->fd = -1;
}

static void give_up(struct atem_source_inst *s, const char *why, int64_t retry_ms)
{
	bool was = atem_present(s);
	uint8_t bye[20];
	size_t n;

	set_error(s, why);
	/* Said goodbye, so the switcher frees our place in its client table. */
	if (s->fd >= 0 && (n = atem_goodbye(&s->a, bye)) > 0)
		(void)send(s->fd, bye, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close_socket(s);
	atem_reset(&s->a);
	s->deadline = time_mono_ms() + retry_ms;
	loop_timer_arm(s->timer, s->deadline);
	if (was) {
		log_warnx("source %s: the ATEM is gone: its cameras are unknown", s->conf->name);
		s->changed(s->ctx);
	}
}

static void fail(struct atem_source_inst *s, const char *why)
{
	give_up(s, why, s->backoff_ms);
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static void send_hello(struct atem_source_inst *s)
{
	uint8_t hello[20];
	uint16_t id = 0;
	size_t n;

	if (s->a.state != ATEM_SYN_SENT && getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)time_mono_ms();
	n = atem_hello(&s->a, s->a.state == ATEM_SYN_SENT ? s->a.client_session : id, hello);
	if (send(s->fd, hello, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)n) {
		char why[200];

		snprintf(why, sizeof(why), "cannot reach the ATEM at %s:%d: %s", s->opts.host, s->opts.port,
			 strerror(errno));
		fail(s, why);
		return;
	}
	s->hello_tries++;
	s->deadline = time_mono_ms() + HELLO_EVERY_MS;
	loop_timer_arm(s->timer, s->deadline);
}

static void readable(int fd, uint32_t events, void *data)
{
	struct atem_source_inst *s = data;
	uint8_t buf[ATEM_PACKET_MAX + 1], reply[ATEM_HEADER + 8];
	size_t reply_len;
	bool was = atem_present(s), told = false;
	char why[200];

	(void)fd;
	(void)events;
	for (int i = 0; i < 64 && s->fd >= 0; i++) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		int what;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			/* ICMP port unreachable on the connected socket: no switcher there. */
			snprintf(why, sizeof(why), "cannot reach the ATEM at %s:%d: %s", s->opts.host, s->opts.port,
				 strerror(errno));
			fail(s, why);
			return;
		}
		what = atem_datagram(&s->a, buf, (size_t)n, reply, &reply_len);
		s->last_heard = time_mono_ms();
		if (reply_len)
			(void)send(s->fd, reply, reply_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (what & ATEM_REFUSED) {
			give_up(s, "the ATEM refused the connection: its table of control connections is full "
				"(an ATEM takes about five: close ATEM Software Control, a companion or another "
				"box's session)", REFUSED_RETRY_MS);
			return;
		}
		if (what & ATEM_ENDED) {
			fail(s, "the ATEM closed the session");
			return;
		}
		if (what & ATEM_OPENED) {
			s->sessions++;
			s->deadline = s->last_heard + SILENT_MS;
			loop_timer_arm(s->timer, s->deadline);
		}
		told |= (what & ATEM_CHANGED) != 0;
	}
	if (s->a.stream_status >= 0)
		s->told_stream = true;
	if (!was && atem_present(s)) {
		s->backoff_ms = BACKOFF_MIN_MS;
		s->last_error[0] = s->logged_error[0] = '\0';
		log_info("source %s: ATEM found (%s, protocol %u.%u, %d sources)", s->conf->name,
			 *s->a.product ? s->a.product : "model not told", s->a.ver_major, s->a.ver_minor,
			 s->a.nsources);
	}
	if (told || was != atem_present(s))
		s->changed(s->ctx);
}

static void connect_now(struct atem_source_inst *s)
{
	char why[160], said[200];

	s->connects++;
	atem_reset(&s->a);
	s->hello_tries = 0;
	if ((s->fd = net_connect_start(s->opts.host, s->opts.port, SOCK_DGRAM, why, sizeof(why))) < 0) {
		snprintf(said, sizeof(said), "cannot reach the ATEM at %s:%d: %s", s->opts.host, s->opts.port, why);
		fail(s, said);
		return;
	}
	s->watch = loop_watch_add(s->fd, EPOLLIN, readable, s);
	send_hello(s);
}

static void tick(void *data)
{
	struct atem_source_inst *s = data;
	int64_t now = time_mono_ms();
	char why[200];

	if (now < s->deadline) {
		loop_timer_arm(s->timer, s->deadline);
		return;
	}
	if (s->fd < 0) {
		connect_now(s);
	} else if (s->a.state == ATEM_SYN_SENT) {
		if (s->hello_tries >= HELLO_TRIES) {
			snprintf(why, sizeof(why), "the ATEM at %s:%d did not answer (is it on, and is the "
				 "address its own?)", s->opts.host, s->opts.port);
			fail(s, why);
		} else {
			send_hello(s);
		}
	} else if (now - s->last_heard >= SILENT_MS) {
		snprintf(why, sizeof(why), "the ATEM went silent (nothing for %d s)", SILENT_MS / 1000);
		fail(s, why);
	} else {
		s->deadline = s->last_heard + SILENT_MS;
		loop_timer_arm(s->timer, s->deadline);
	}
}

#define BAD(...) do { if (d) diag_add(d, path, line, __VA_ARGS__); rc = -1; } while (0)

static int atem_parse(const struct source_conf *c, struct atem_opts *o, const char *path, struct diag *d)
{
	int rc = 0, line = c->line;

	memset(o, 0, sizeof(*o));
	o->port = ATEM_PORT;
	o->on_air = ON_STREAMING;
	for (int i = 0; i < c->nkeys; i++) {
		const char *k = c->kv[i].key, *v = c->kv[i].value;

		line = c->kv[i].line;
		if (strcmp(k, "connect") == 0) {
			/* ADDRESS, or ADDRESS:PORT ([::1]:9910 for IPv6). */
			if (!strchr(v, ':') || (*v != '[' && strchr(v, ':') != strrchr(v, ':')))
				str_copy(o->host, v, sizeof(o->host));
			else if (!hostport_parse(v, o->host, sizeof(o->host), &o->port))
				BAD("[source.%s] connect \"%s\" must be ADDRESS or ADDRESS:PORT (192.168.10.240)",
				    c->name, v);
		} else if (strcmp(k, "me") == 0) {
			long long me;

			if (!int_parse(v, 1, ATEM_MES, &me))
				BAD("[source.%s] me must be a mix effect 1 to %d (leave it out for the switcher's "
				    "own tally)", c->name, ATEM_MES);
			else
				o->me = (int)me;
		} else if (strcmp(k, "on_air") == 0) {
			if (strcmp(v, "streaming") == 0)
				o->on_air = ON_STREAMING;
			else if (strcmp(v, "recording") == 0)
				o->on_air = ON_RECORDING;
			else if (strcmp(v, "streaming recording") == 0 || strcmp(v, "streaming, recording") == 0)
				o->on_air = ON_STREAMING | ON_RECORDING;
			else if (strcmp(v, "none") == 0)
				o->on_air = 0;
			else
				BAD("[source.%s] on_air \"%s\": say streaming, recording, both or none", c->name, v);
		} else if (strcmp(k, "input") == 0) {
			char why[160];

			if (source_map_add(&o->maps, v, 0, 65535, ATEM_NAME_MAX, why, sizeof(why)) < 0)
				BAD("[source.%s] input \"%s\": %s", c->name, v, why);
		}
	}
	if (!*o->host) {
		line = c->line;
		BAD("[source.%s] needs connect = the switcher's address (ATEM Setup shows it)", c->name);
	}
	return rc;
}

static void atem_check(const struct source_conf *c, const struct board *board, const char *path, struct diag *d)
{
	struct atem_opts o;

	(void)board;
	atem_parse(c, &o, path, d);
}

static void atem_dump(const struct source_conf *c, FILE *f)
{
	static const char *const on_air[] = { "none", "streaming", "recording", "streaming recording" };
	struct atem_opts o;
	char where[96];

	atem_parse(c, &o, NULL, NULL);
	hostport_format(where, sizeof(where), o.host, o.port);
	fprintf(f, "connect = %s\non_air = %s\n", where, on_air[o.on_air & 3]);
	if (o.me)
		fprintf(f, "me = %d\n", o.me);
	source_map_dump(&o.maps, f);
}

/* The source a mapping names now (a name is looked up in the switcher's
 * input names), or -1. */
static int mapped_source(const struct atem_source_inst *s, int k)
{
	const struct atem_source *src;

	if (s->opts.maps.map[k].number >= 0)
		return (int)s->opts.maps.map[k].number;
	src = atem_source_named(&s->a, s->opts.maps.map[k].name);
	return src ? src->id : -1;
}

static enum cue_camera source_tally(const struct atem_source_inst *s, int id)
{
	const struct atem_source *src;

	if (id < 0)
		return CUE_CAMERA_UNKNOWN;
	if (s->opts.me) {
		int32_t pgm = s->a.program[s->opts.me - 1], pvw = s->a.preview[s->opts.me - 1];

		if (pgm < 0)
			return CUE_CAMERA_UNKNOWN;
		return id == pgm ? CUE_CAMERA_PROGRAM : id == pvw ? CUE_CAMERA_PREVIEW : CUE_CAMERA_OFF;
	}
	if (!(src = atem_source_find(&s->a, (uint16_t)id)) || src->tally == ATEM_TALLY_UNKNOWN)
		return CUE_CAMERA_UNKNOWN;
	return src->tally & 1 ? CUE_CAMERA_PROGRAM : src->tally & 2 ? CUE_CAMERA_PREVIEW : CUE_CAMERA_OFF;
}

static enum cue_camera atem_camera(const struct atem_source_inst *s, long long camera)
{
	enum cue_camera best = CUE_CAMERA_UNKNOWN;

	if (!atem_present(s))
		return CUE_CAMERA_UNKNOWN;
	if (!s->opts.maps.n)
		return camera >= 1 && camera <= 65535 ? source_tally(s, (int)camera) : CUE_CAMERA_UNKNOWN;
	for (int k = 0; k < s->opts.maps.n; k++)
		if (s->opts.maps.map[k].camera == camera)
			best = source_camera_combine(best, source_tally(s, mapped_source(s, k)));
	return best;
}

static const char *atem_label(const struct atem_source_inst *s, long long camera)
{
	const struct atem_source *src;

	if (!s->opts.maps.n)
		return camera >= 0 && camera <= 65535 && (src = atem_source_find(&s->a, (uint16_t)camera)) ? src->name
													     : "";
	for (int k = 0; k < s->opts.maps.n; k++)
		if (s->opts.maps.map[k].camera == camera) {
			int id = mapped_source(s, k);

			src = id >= 0 ? atem_source_find(&s->a, (uint16_t)id) : NULL;
			return src && *src->name ? src->name : s->opts.maps.map[k].name;
		}
	return "";
}

struct each {
	const struct atem_source_inst *s;
	source_camera_fn fn;
	void *ctx;
};

static void mapped_camera(void *ctx, long long camera)
{
	struct each *e = ctx;

	e->fn(e->ctx, camera, atem_camera(e->s, camera), atem_label(e->s, camera));
}

/* Cameras are the switcher's inputs (sources 1 to 999: not colours, bars,
 * media players or outputs) unless mapped. */
static void atem_each_camera(const struct atem_source_inst *s, source_camera_fn fn, void *ctx)
{
	struct each e = { s, fn, ctx };

	if (!s->opts.maps.n) {
		for (int i = 0; i < s->a.nsources; i++)
			if (s->a.source[i].id >= 1 && s->a.source[i].id < 1000)
				fn(ctx, s->a.source[i].id, atem_camera(s, s->a.source[i].id), s->a.source[i].name);
		return;
	}
	source_map_each_camera(&s->opts.maps, mapped_camera, &e);
}

static enum stream_fact atem_stream(const struct atem_source_inst *s)
{
	bool live = false;

	if (!s->opts.on_air || !s->told_stream)
		return STREAM_NONE;	/* a model that does not stream tells nothing */
	if (!atem_present(s))
		return STREAM_UNKNOWN;
	if (s->opts.on_air & ON_STREAMING) {
		if (s->a.stream_status < 0)
			return STREAM_UNKNOWN;
		live |= (s->a.stream_status & 0x04) != 0;	/* StreamingStatus.Streaming */
	}
	if (s->opts.on_air & ON_RECORDING) {
		if (s->a.record_status < 0)
			return STREAM_UNKNOWN;
		live |= (s->a.record_status & 0x01) != 0;	/* RecordingStatus.Recording */
	}
	return live ? STREAM_LIVE : STREAM_DOWN;
}

static void ops_each_camera(const struct source_inst *s, source_camera_fn fn, void *ctx);

static void atem_status(const struct atem_source_inst *s, cJSON *j)
{
	char connect[96];

	hostport_format(connect, sizeof(connect), s->opts.host, s->opts.port);
	json_add_text(j, "connect", connect);
	cJSON_AddBoolToObject(j, "present", atem_present(s));
	if (atem_stream(s) != STREAM_NONE)
		json_add_text(j, "stream", stream_fact_name(atem_stream(s)));
	if (atem_present(s)) {
		char version[24];

		json_add_text(j, "product", s->a.product);
		snprintf(version, sizeof(version), "%u.%u", s->a.ver_major, s->a.ver_minor);
		json_add_text(j, "protocol", version);
		cJSON_AddNumberToObject(j, "sources", s->a.nsources);
		if (s->opts.me) {
			cJSON_AddNumberToObject(j, "me", s->opts.me);
			cJSON_AddNumberToObject(j, "program_source", s->a.program[s->opts.me - 1]);
			cJSON_AddNumberToObject(j, "preview_source", s->a.preview[s->opts.me - 1]);
		}
		if (s->a.stream_status >= 0)
			cJSON_AddBoolToObject(j, "streaming", (s->a.stream_status & 0x04) != 0);
		if (s->a.record_status >= 0)
			cJSON_AddBoolToObject(j, "recording", (s->a.record_status & 0x01) != 0);
	}
	source_tally_json(j, (const struct source_inst *)s, ops_each_camera);
	cJSON_AddNumberToObject(j, "connects", (double)s->connects);
	cJSON_AddNumberToObject(j, "sessions", (double)s->sessions);
	cJSON_AddNumberToObject(j, "packets", (double)s->a.packets);
	cJSON_AddNumberToObject(j, "bad_packets", (double)s->a.bad_packets);
	cJSON_AddNumberToObject(j, "duplicates", (double)s->a.duplicates);
	cJSON_AddNumberToObject(j, "out_of_order", (double)s->a.out_of_order);
	if (*s->last_error)
		json_add_text(j, "last_error", s->last_error);
}

static struct atem_source_inst *atem_open(const struct source_conf *c, void (*changed)(void *ctx), void *ctx)
{
	struct atem_source_inst *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->conf = c;
	atem_parse(c, &s->opts, NULL, NULL);
	atem_reset(&s->a);
	s->a.malformed = told_malformed;
	s->a.ctx = s;
	s->changed = changed;
	s->ctx = ctx;
	s->fd = -1;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->timer = loop_timer_add(tick, s);
	log_info("source %s: ATEM at %s:%d%s", c->name, s->opts.host, s->opts.port,
		 c->camera >= 0 ? " (this box's tally follows its camera)" : "");
	connect_now(s);
	return s;
}

static void atem_close(struct atem_source_inst *s)
{
	uint8_t bye[20];
	size_t n;

	if (!s)
		return;
	if (s->fd >= 0 && (n = atem_goodbye(&s->a, bye)) > 0)
		(void)send(s->fd, bye, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close_socket(s);
	loop_timer_remove(s->timer);
	free(s);
}

/* The interface's signatures, on this kind's own struct. */
#define S(inst) ((struct atem_source_inst *)(inst))
#define CS(inst) ((const struct atem_source_inst *)(inst))
static struct source_inst *ops_open(const struct source_conf *c, const struct board *board,
				    void (*changed)(void *), void *ctx)
{
	(void)board;
	return (struct source_inst *)atem_open(c, changed, ctx);
}
static void ops_close(struct source_inst *s) { atem_close(S(s)); }
static bool ops_present(const struct source_inst *s) { return atem_present(CS(s)); }
static enum stream_fact ops_stream(const struct source_inst *s) { return atem_stream(CS(s)); }
static enum cue_camera ops_camera(const struct source_inst *s, long long c) { return atem_camera(CS(s), c); }
static const char *ops_label(const struct source_inst *s, long long c) { return atem_label(CS(s), c); }
static void ops_each_camera(const struct source_inst *s, source_camera_fn fn, void *ctx)
{
	atem_each_camera(CS(s), fn, ctx);
}
static void ops_status(const struct source_inst *s, cJSON *j) { atem_status(CS(s), j); }

static const char *const atem_keys[] = { "connect", "me", "on_air", "input", NULL };
static const char *const atem_repeatable[] = { "input", NULL };

const struct source_ops source_atem_ops = {
	"atem", atem_keys, atem_repeatable, atem_check, atem_dump, ops_open, ops_close, ops_present, ops_stream,
	ops_camera, ops_label, ops_each_camera, ops_status, NULL,
};
