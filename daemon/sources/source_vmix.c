/* A tally source that is vMix, through its TCP API (core/vmix.c parses
 * it): SUBSCRIBE TALLY gives each input's program/preview as it changes,
 * SUBSCRIBE ACTS streaming, recording and external output; the XML state,
 * read again every few seconds, gives the inputs' titles (the camera's
 * label, and a camera mapped by title). One socket in the daemon's loop
 * and one timer for the backoff, the request pacing and liveness: vMix
 * asks for one request at a time, and a reply that does not come within
 * REPLY_MS means vMix is gone (its cameras unknown, never off). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/vmix.h"
#include "source_map.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define CONNECT_MS 5000
#define POLL_MS 1000		/* TALLY asked when idle: vMix's liveness */
#define XML_EVERY_MS 5000	/* titles change rarely; the XML is the big reply */
#define REPLY_MS 3000		/* a request unanswered this long: vMix is gone */
#define QUEUE_MAX 8

enum vmix_state { VMIX_WAITING, VMIX_CONNECTING, VMIX_OPEN };

/* Which activators mean "on the air" (on_air =). */
enum { ON_STREAMING = 1 << VMIX_STREAMING, ON_RECORDING = 1 << VMIX_RECORDING, ON_EXTERNAL = 1 << VMIX_EXTERNAL };

struct vmix_opts {
	char host[64];
	int port;
	unsigned on_air;		/* ON_* bits; 0: vMix does not tell the stream */
	struct source_maps maps;	/* input = CAMERA | NUMBER or TITLE; none: camera N is input N */
};

struct vmix_source {
	const struct source_conf *conf;	/* the registry's copy, outlives this */
	struct vmix_opts opts;
	void (*changed)(void *ctx);
	void *ctx;
	enum vmix_state state;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *timer;
	struct vmix v;
	const char *queue[QUEUE_MAX];
	int nqueue;
	int64_t backoff_ms, deadline, sent_at, next_poll, next_xml;
	uint64_t connects;
	char last_error[200], logged_error[200];
};

static void set_error(struct vmix_source *s, const char *why)
{
	str_copy(s->last_error, why, sizeof(s->last_error));
	if (strcmp(s->logged_error, why) != 0) {
		log_warnx("source %s: %s", s->conf->name, why);
		str_copy(s->logged_error, why, sizeof(s->logged_error));
	}
}

/* Each malformed thing vMix sent, said once while it repeats. */
static void told_malformed(void *ctx, const char *why)
{
	set_error(ctx, why);
}

static bool vmix_source_present(const struct vmix_source *s)
{
	return s->state == VMIX_OPEN && s->v.have_tally;
}

static void arm(struct vmix_source *s)
{
	int64_t at = s->deadline;

	if (s->state == VMIX_OPEN) {
		at = *s->v.awaiting ? s->sent_at + REPLY_MS : s->next_poll;
		if (!*s->v.awaiting && s->next_xml < at)
			at = s->next_xml;
	}
	loop_timer_arm(s->timer, at);
}

static void disconnect(struct vmix_source *s, int64_t retry_ms)
{
	bool was_present = vmix_source_present(s);

	if (s->watch)
		loop_watch_remove(s->watch);
	if (s->fd >= 0)
		close(s->fd);
	s->watch = NULL;
	s->fd = -1;
	s->state = VMIX_WAITING;
	s->nqueue = 0;
	vmix_reset(&s->v);
	s->deadline = time_mono_ms() + retry_ms;
	arm(s);
	if (was_present) {
		log_warnx("source %s: vMix is gone: its cameras are unknown", s->conf->name);
		s->changed(s->ctx);
	}
}

static void fail(struct vmix_source *s, const char *why)
{
	set_error(s, why);
	disconnect(s, s->backoff_ms);
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* The next queued request, when none is awaited. */
static void send_next(struct vmix_source *s)
{
	char line[64];
	int n;

	if (s->state != VMIX_OPEN || *s->v.awaiting || !s->nqueue)
		return;
	n = snprintf(line, sizeof(line), "%s\r\n", s->queue[0]);
	/* A short request on an idle socket: a short write means vMix is not reading. */
	if (send(s->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		fail(s, "could not send to vMix");
		return;
	}
	vmix_sent(&s->v, s->queue[0]);
	s->sent_at = time_mono_ms();
	memmove(s->queue, s->queue + 1, (size_t)--s->nqueue * sizeof(s->queue[0]));
	arm(s);
}

static void ask(struct vmix_source *s, const char *command)
{
	if (s->nqueue < QUEUE_MAX)
		s->queue[s->nqueue++] = command;
}

static void read_open(struct vmix_source *s)
{
	char buf[16384], err[200];
	ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	bool was = vmix_source_present(s);
	int changed;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fail(s, n == 0 ? "vMix closed the connection" : "the connection to vMix broke");
		return;
	}
	changed = vmix_feed(&s->v, buf, (size_t)n, err, sizeof(err));
	if (!was && vmix_source_present(s)) {
		s->backoff_ms = BACKOFF_MIN_MS;
		s->last_error[0] = s->logged_error[0] = '\0';
		log_info("source %s: vMix found (%s, %d inputs)", s->conf->name,
			 *s->v.version ? s->v.version : "version not told", s->v.ninputs);
	}
	send_next(s);
	arm(s);
	if (changed || was != vmix_source_present(s))
		s->changed(s->ctx);
}

static void unreachable(struct vmix_source *s, const char *error)
{
	char why[200];

	snprintf(why, sizeof(why), "cannot reach vMix at %s:%d: %s (is vMix running, with its TCP API "
		 "on port 8099?)", s->opts.host, s->opts.port, error);
	fail(s, why);
}

static void opened(struct vmix_source *s)
{
	int soerr = tcp_connect_result(s->fd);

	if (soerr) {
		unreachable(s, strerror(soerr));
		return;
	}
	s->state = VMIX_OPEN;
	loop_watch_modify(s->watch, EPOLLIN);
	/* Subscriptions first: a change between them and the reads below is
	 * then told by an event. */
	ask(s, "SUBSCRIBE TALLY");
	ask(s, "SUBSCRIBE ACTS");
	ask(s, "TALLY");
	for (int a = 0; a < VMIX_NACTS; a++)
		if (s->opts.on_air & (1u << a))
			ask(s, a == VMIX_STREAMING ? "ACTS Streaming" : a == VMIX_RECORDING ? "ACTS Recording"
												 : "ACTS External");
	ask(s, "XML");
	s->next_poll = time_mono_ms() + POLL_MS;
	s->next_xml = time_mono_ms() + XML_EVERY_MS;
	send_next(s);
}

static void ready(int fd, uint32_t events, void *data)
{
	struct vmix_source *s = data;

	(void)fd;
	if (s->state == VMIX_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		opened(s);
	else if (s->state == VMIX_OPEN)
		read_open(s);
}

static void connect_now(struct vmix_source *s)
{
	char why[160];

	s->connects++;
	if ((s->fd = net_connect_start(s->opts.host, s->opts.port, SOCK_STREAM, why, sizeof(why))) < 0) {
		unreachable(s, why);
		return;
	}
	s->state = VMIX_CONNECTING;
	s->watch = loop_watch_add(s->fd, EPOLLOUT, ready, s);
	s->deadline = time_mono_ms() + CONNECT_MS;
	arm(s);
}

static void tick(void *data)
{
	struct vmix_source *s = data;
	int64_t now = time_mono_ms();
	char why[200];

	switch (s->state) {
	case VMIX_WAITING:
		if (now >= s->deadline)
			connect_now(s);
		else
			arm(s);
		return;
	case VMIX_CONNECTING:
		if (now >= s->deadline) {
			snprintf(why, sizeof(why), "vMix at %s:%d did not answer within %d s", s->opts.host,
				 s->opts.port, CONNECT_MS / 1000);
			fail(s, why);
		} else {
			arm(s);
		}
		return;
	case VMIX_OPEN:
		if (*s->v.awaiting) {
			if (now - s->sent_at >= REPLY_MS) {
				snprintf(why, sizeof(why), "vMix went silent (no answer to %s for %d s)",
					 s->v.awaiting, REPLY_MS / 1000);
				fail(s, why);
				return;
			}
		} else if (now >= s->next_xml) {
			ask(s, "XML");
			s->next_xml = now + XML_EVERY_MS;
			s->next_poll = now + POLL_MS;
		} else if (now >= s->next_poll) {
			ask(s, "TALLY");
			s->next_poll = now + POLL_MS;
		}
		send_next(s);
		arm(s);
		return;
	}
}

#define BAD(...) do { if (d) diag_add(d, path, line, __VA_ARGS__); rc = -1; } while (0)

static int vmix_parse(const struct source_conf *c, struct vmix_opts *o, const char *path, struct diag *d)
{
	int rc = 0, line = c->line;

	memset(o, 0, sizeof(*o));
	str_copy(o->host, "127.0.0.1", sizeof(o->host));
	o->port = 8099;		/* vMix's TCP API, fixed in vMix */
	o->on_air = ON_STREAMING;
	if (c->camera > VMIX_INPUTS_MAX) {
		line = c->line;
		BAD("[source.%s] camera %lld: vMix has inputs 1 to %d", c->name, c->camera, VMIX_INPUTS_MAX);
	}
	for (int i = 0; i < c->nkeys; i++) {
		const char *k = c->kv[i].key, *v = c->kv[i].value;

		line = c->kv[i].line;
		if (strcmp(k, "connect") == 0) {
			if (!hostport_parse(v, o->host, sizeof(o->host), &o->port))
				BAD("[source.%s] connect \"%s\" must be ADDRESS:PORT (192.168.1.20:8099)", c->name, v);
		} else if (strcmp(k, "on_air") == 0) {
			static const char *const words[] = { "streaming", "recording", "external" };
			char list[256], *save = NULL;

			o->on_air = 0;
			str_copy(list, v, sizeof(list));
			if (strcmp(str_trim(list), "none") == 0)
				continue;
			for (char *w = strtok_r(list, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
				int a = str_index(words, ARRAY_SIZE(words), w);

				if (a < 0)
					BAD("[source.%s] on_air \"%s\": say streaming, recording, external (one "
					    "or more) or none", c->name, w);
				else
					o->on_air |= 1u << a;
			}
		} else if (strcmp(k, "input") == 0) {
			char why[160];

			if (source_map_add(&o->maps, v, 1, VMIX_INPUTS_MAX, VMIX_TITLE_MAX, why, sizeof(why)) < 0)
				BAD("[source.%s] input \"%s\": %s", c->name, v, why);
		}
	}
	return rc;
}

static void vmix_check(const struct source_conf *c, const struct board *board, const char *path, struct diag *d)
{
	struct vmix_opts o;

	(void)board;
	vmix_parse(c, &o, path, d);
}

static void vmix_dump(const struct source_conf *c, FILE *f)
{
	struct vmix_opts o;
	char where[96];
	bool first = true;

	vmix_parse(c, &o, NULL, NULL);
	hostport_format(where, sizeof(where), o.host, o.port);
	fprintf(f, "connect = %s\non_air =", where);
	for (int a = 0; a < VMIX_NACTS; a++)
		if (o.on_air & (1u << a)) {
			fprintf(f, "%s%s", first ? " " : ", ", a == VMIX_STREAMING ? "streaming"
							       : a == VMIX_RECORDING ? "recording" : "external");
			first = false;
		}
	fprintf(f, "%s\n", first ? " none" : "");
	source_map_dump(&o.maps, f);
}

/* The input a mapping names now (a title is looked up in the last XML), or 0. */
static int mapped_input(const struct vmix_source *s, int k)
{
	return s->opts.maps.map[k].number >= 0 ? (int)s->opts.maps.map[k].number
					       : vmix_input_numbered(&s->v, s->opts.maps.map[k].name);
}

static enum cue_camera digit_camera(char d)
{
	return d == '1' ? CUE_CAMERA_PROGRAM : d == '2' ? CUE_CAMERA_PREVIEW : d == '0' ? CUE_CAMERA_OFF
											 : CUE_CAMERA_UNKNOWN;
}

static enum cue_camera vmix_source_camera(const struct vmix_source *s, long long camera)
{
	enum cue_camera best = CUE_CAMERA_UNKNOWN;

	if (!vmix_source_present(s))
		return CUE_CAMERA_UNKNOWN;
	if (!s->opts.maps.n)
		return camera >= 1 && camera <= VMIX_INPUTS_MAX ? digit_camera(vmix_input_tally(&s->v, (int)camera))
								 : CUE_CAMERA_UNKNOWN;
	/* A camera on several inputs: its shot, a picture-in-picture. */
	for (int k = 0; k < s->opts.maps.n; k++)
		if (s->opts.maps.map[k].camera == camera)
			best = source_camera_combine(best, digit_camera(vmix_input_tally(&s->v, mapped_input(s, k))));
	return best;
}

static const char *input_title(const struct vmix_source *s, int input)
{
	return input >= 1 && input <= s->v.ntitles ? s->v.title[input - 1] : "";
}

static const char *vmix_label(const struct vmix_source *s, long long camera)
{
	if (!s->opts.maps.n)
		return camera >= 1 && camera <= VMIX_INPUTS_MAX ? input_title(s, (int)camera) : "";
	for (int k = 0; k < s->opts.maps.n; k++)
		if (s->opts.maps.map[k].camera == camera) {
			const char *t = input_title(s, mapped_input(s, k));

			return *t ? t : s->opts.maps.map[k].name;
		}
	return "";
}

struct each {
	const struct vmix_source *s;
	source_camera_fn fn;
	void *ctx;
};

static void mapped_camera(void *ctx, long long camera)
{
	struct each *e = ctx;

	e->fn(e->ctx, camera, vmix_source_camera(e->s, camera), vmix_label(e->s, camera));
}

static void vmix_each_camera(const struct vmix_source *s, source_camera_fn fn, void *ctx)
{
	struct each e = { s, fn, ctx };

	if (!s->opts.maps.n) {
		for (int n = 1; n <= s->v.ninputs; n++)
			fn(ctx, n, vmix_source_camera(s, n), input_title(s, n));
		return;
	}
	source_map_each_camera(&s->opts.maps, mapped_camera, &e);
}

static enum stream_fact vmix_source_stream(const struct vmix_source *s)
{
	bool any = false;

	if (!s->opts.on_air)
		return STREAM_NONE;
	if (!vmix_source_present(s))
		return STREAM_UNKNOWN;
	for (int a = 0; a < VMIX_NACTS; a++) {
		if (!(s->opts.on_air & (1u << a)))
			continue;
		if (s->v.act[a] < 0)
			return STREAM_UNKNOWN;
		any |= s->v.act[a] == 1;
	}
	return any ? STREAM_LIVE : STREAM_DOWN;
}

static void ops_each_camera(const struct source_inst *s, source_camera_fn fn, void *ctx);

static void vmix_source_status(const struct vmix_source *s, cJSON *j)
{
	char connect[96];

	hostport_format(connect, sizeof(connect), s->opts.host, s->opts.port);
	json_add_text(j, "connect", connect);
	cJSON_AddBoolToObject(j, "present", vmix_source_present(s));
	if (s->opts.on_air)
		json_add_text(j, "stream", stream_fact_name(vmix_source_stream(s)));
	if (vmix_source_present(s)) {
		if (*s->v.version)
			json_add_text(j, "version", s->v.version);
		cJSON_AddNumberToObject(j, "inputs", s->v.ninputs);
		for (int a = 0; a < VMIX_NACTS; a++)
			if (s->v.act[a] >= 0) {
				char name[16];

				str_copy(name, vmix_act_name(a), sizeof(name));
				name[0] = (char)(name[0] - 'A' + 'a');
				cJSON_AddBoolToObject(j, name, s->v.act[a] == 1);
			}
	}
	/* Off ones left out: vMix may have a thousand inputs. */
	source_tally_json(j, (const struct source_inst *)s, ops_each_camera);
	cJSON_AddNumberToObject(j, "connects", (double)s->connects);
	cJSON_AddNumberToObject(j, "bad_lines", (double)s->v.bad_lines);
	if (*s->last_error)
		json_add_text(j, "last_error", s->last_error);
}

static struct vmix_source *vmix_source_open(const struct source_conf *c, void (*changed)(void *ctx), void *ctx)
{
	struct vmix_source *s = calloc(1, sizeof(*s));

	if (!s || vmix_init(&s->v) < 0) {
		free(s);
		return NULL;
	}
	s->conf = c;
	s->v.malformed = told_malformed;
	s->v.ctx = s;
	vmix_parse(c, &s->opts, NULL, NULL);
	s->changed = changed;
	s->ctx = ctx;
	s->fd = -1;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->timer = loop_timer_add(tick, s);
	log_info("source %s: vMix at %s:%d%s", c->name, s->opts.host, s->opts.port,
		 c->camera >= 0 ? " (this box's tally follows its camera's input)" : "");
	connect_now(s);
	return s;
}

static void vmix_source_close(struct vmix_source *s)
{
	if (!s)
		return;
	if (s->watch)
		loop_watch_remove(s->watch);
	if (s->fd >= 0)
		close(s->fd);
	loop_timer_remove(s->timer);
	vmix_free(&s->v);
	free(s);
}

/* The interface's signatures, on this kind's own struct. */
#define S(inst) ((struct vmix_source *)(inst))
#define CS(inst) ((const struct vmix_source *)(inst))
static struct source_inst *ops_open(const struct source_conf *c, const struct board *board,
				    void (*changed)(void *), void *ctx)
{
	(void)board;
	return (struct source_inst *)vmix_source_open(c, changed, ctx);
}
static void ops_close(struct source_inst *s) { vmix_source_close(S(s)); }
static bool ops_present(const struct source_inst *s) { return vmix_source_present(CS(s)); }
static enum stream_fact ops_stream(const struct source_inst *s) { return vmix_source_stream(CS(s)); }
static enum cue_camera ops_camera(const struct source_inst *s, long long c) { return vmix_source_camera(CS(s), c); }
static const char *ops_label(const struct source_inst *s, long long c) { return vmix_label(CS(s), c); }
static void ops_each_camera(const struct source_inst *s, source_camera_fn fn, void *ctx)
{
	vmix_each_camera(CS(s), fn, ctx);
}
static void ops_status(const struct source_inst *s, cJSON *j) { vmix_source_status(CS(s), j); }

static const char *const vmix_keys[] = { "connect", "on_air", "input", NULL };
static const char *const vmix_repeatable[] = { "input", NULL };

const struct source_ops source_vmix_ops = {
	"vmix", vmix_keys, vmix_repeatable, vmix_check, vmix_dump, ops_open, ops_close, ops_present, ops_stream,
	ops_camera, ops_label, ops_each_camera, ops_status, NULL,
};
