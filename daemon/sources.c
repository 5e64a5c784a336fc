/* Tally sources (see sources.h). Each listener is a socket in the daemon's
 * own loop; packets are decoded by core/tsl.c. A bad packet changes
 * nothing and is counted; the log says so at most once per 10 s a source. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/loop.h"
#include "../core/truth.h"
#include "../core/tsl.h"
#include "../core/jsontext.h"
#include "running.h"
#include "source_obs.h"
#include "sources.h"

#define SOURCE_DISPLAYS 128	/* indexes remembered per source */
#define SOURCE_PEERS 4		/* TCP senders at once */
#define BAD_LOG_MS 10000

struct display_seen {
	uint16_t index;
	enum tsl_tally tally;
	char text[TSL_TEXT_MAX];
	int64_t at;			/* monotonic; 0 = slot unused */
};

struct peer {
	int fd;
	struct loop_watch *watch;
	struct tsl5_stream stream;
	struct source *src;
};

struct source {
	struct source_conf conf;	/* its own copy: a reload frees the config */
	int fd;
	struct loop_watch *watch;
	struct peer peer[SOURCE_PEERS];
	struct display_seen seen[SOURCE_DISPLAYS];
	uint64_t packets, bad;
	uint64_t bad_unlogged;
	int64_t bad_logged_mono;
	char last_error[160];
	bool heard;
	int64_t heard_mono;		/* the last good packet */
	struct loop_timer *silence;	/* source.silence: a switcher that stops talking */
	struct obs_source *obs;		/* type = obs */
};

/* A change of the truth, written after the outputs (outputs first,
 * storage after). */
struct truth_note {
	char what[24], detail[160];
	struct onair_time at;
};
#define TRUTH_NOTES 8

static struct {
	struct source *src[CONF_MAX_SOURCES];	/* each allocated: callbacks hold it */
	int n;
	struct truth truth;
	int64_t truth_next;		/* the grace's end: the overlay's deadline */
	struct truth_note note[TRUTH_NOTES];
	int nnotes;
} s;

static void bad_packet(struct source *src, const char *why)
{
	int64_t now = time_mono_ms();

	src->bad++;
	src->bad_unlogged++;
	str_copy(src->last_error, why, sizeof(src->last_error));
	if (now - src->bad_logged_mono >= BAD_LOG_MS) {
		log_warnx("source %s: %llu bad packet%s (last: %s)", src->conf.name,
			  (unsigned long long)src->bad_unlogged, src->bad_unlogged == 1 ? "" : "s", why);
		src->bad_logged_mono = now;
		src->bad_unlogged = 0;
	}
}

static enum cue_camera tsl_camera(enum tsl_tally t)
{
	switch (t) {
	case TSL_PROGRAM:
	case TSL_BOTH:
		return CUE_CAMERA_PROGRAM;
	case TSL_PREVIEW:
		return CUE_CAMERA_PREVIEW;
	case TSL_OFF:
		break;
	}
	return CUE_CAMERA_OFF;
}

/* The camera this box is on, as the switcher last said. */
static enum cue_camera camera_state(const struct source *src)
{
	if (src->obs)
		return obs_source_camera(src->obs, src->conf.camera);
	for (int i = 0; i < SOURCE_DISPLAYS; i++)
		if (src->seen[i].at && src->seen[i].index == src->conf.camera)
			return tsl_camera(src->seen[i].tally);
	return CUE_CAMERA_UNKNOWN;
}

/* The stream as the first source that tells it (OBS) says. */
static enum stream_fact stream_now(void)
{
	for (int i = 0; i < s.n; i++)
		if (s.src[i]->obs)
			return obs_source_stream(s.src[i]->obs);
	return STREAM_NONE;
}

static void note(const char *what, const char *detail, struct onair_time now)
{
	if (s.nnotes < TRUTH_NOTES) {
		str_copy(s.note[s.nnotes].what, what, sizeof(s.note[0].what));
		str_copy(s.note[s.nnotes].detail, detail, sizeof(s.note[0].detail));
		s.note[s.nnotes++].at = now;
	}
}

static void truth_now(struct onair_time now)
{
	static const char *const meaning[] = {
		"", "the show is live and the stream is not", "the stream is live and the show is not",
	};
	struct truth_change ch;
	enum show_phase phase = running.show.phase;

	s.truth_next = truth_update(&s.truth, &running.conf->truth, stream_now(), phase, now.mono, &ch);
	if (ch.ended != AGREE)
		note("disagreement_end", disagreement_name(ch.ended), now);
	if (ch.began != AGREE) {
		note("disagreement", disagreement_name(ch.began), now);
		log_warnx("stream: %s (%s)", meaning[ch.began], disagreement_name(ch.began));
	}
	if (ch.outage_began)
		note("outage", stream_fact_name(s.truth.stream), now);
	if (ch.outage_ended)
		note("outage_end", phase == SHOW_LIVE || phase == SHOW_HOLD ? "stream back" : "show off the air", now);
}

/* What the sources lay over the show: the stream's truth on ON AIR and
 * the cue light, then a camera box's tally. */
static void sources_overlay(struct cue_output *out, struct onair_time now)
{
	truth_now(now);
	truth_apply(out, &s.truth, &running.conf->truth, running.show.phase, &running.conf->cue, now);
	if (s.truth_next < out->next)
		out->next = s.truth_next;
	for (int i = 0; i < s.n; i++)
		if (s.src[i]->conf.camera >= 0) {
			cue_apply_camera(out, camera_state(s.src[i]), &running.conf->cue, now);
			return;
		}
}

/* After the outputs: the truth's changes to the logs. */
static void sources_updated(struct onair_time now)
{
	if (!s.n)
		return;
	truth_now(now);
	for (int i = 0; i < s.nnotes; i++) {
		if (strcmp(s.note[i].what, "disagreement_end") == 0 || strcmp(s.note[i].what, "outage_end") == 0)
			log_info("stream: %s (%s)", s.note[i].what, s.note[i].detail);
		else if (strcmp(s.note[i].what, "outage") == 0)
			log_warnx("stream: outage begins: the show is on the air and the stream is %s",
				  s.note[i].detail);
		if (running.log.fd >= 0 &&
		    showlog_note(&running.log, s.note[i].what, s.note[i].detail, s.note[i].at) < 0)
			log_warn("showlog: write %s", running.log.path);
	}
	s.nnotes = 0;
}

static void obs_changed(void *ctx)
{
	(void)ctx;
	/* Outputs first (the overlay brings the truth up to date), then the
	 * studio's state, then the logs (the update hook). */
	running_publish();
}



static void display_seen(void *ctx, const struct tsl_display *d)
{
	struct source *src = ctx;
	struct display_seen *slot = NULL, *oldest = &src->seen[0];
	bool changed;

	for (int i = 0; i < SOURCE_DISPLAYS && !slot; i++) {
		if (src->seen[i].at && src->seen[i].index == d->index)
			slot = &src->seen[i];
		else if (src->seen[i].at < oldest->at)
			oldest = &src->seen[i];
	}
	if (!slot) {
		slot = oldest;	/* an unused slot has at 0: the oldest */
		slot->at = 0;
	}
	changed = !slot->at || slot->tally != d->tally;
	slot->index = d->index;
	slot->tally = d->tally;
	str_copy(slot->text, d->text, sizeof(slot->text));
	slot->at = time_mono_ms();
	if (changed) {
		log_debug("source %s: %u %s \"%s\"", src->conf.name, d->index, tsl_tally_name(d->tally), d->text);
		/* This box's lamp, and every camera box through the studio's state. */
		running_publish();
	}
}

/* The switcher is gone (silent past source.silence): every camera it
 * spoke of is unknown, never off. */
static void switcher_gone(struct source *src, const char *why)
{
	if (!src->heard)
		return;
	log_warnx("source %s: %s: its cameras are unknown", src->conf.name, why);
	src->heard = false;
	for (int i = 0; i < SOURCE_DISPLAYS; i++)
		src->seen[i].at = 0;
	running_publish();
}

static void silence_expired(void *data)
{
	struct source *src = data;

	if (src->heard && time_mono_ms() - src->heard_mono >= src->conf.silence_ms)
		switcher_gone(src, "the switcher fell silent");
}

static void heard_now(struct source *src)
{
	src->heard_mono = time_mono_ms();
	if (src->silence)
		loop_timer_arm(src->silence, src->heard_mono + src->conf.silence_ms);
	if (!src->heard) {
		src->heard = true;
		log_info("source %s: the switcher is heard", src->conf.name);
		running_redraw();
	}
}

static void packet(struct source *src, const uint8_t *buf, size_t len)
{
	struct tsl_display d;
	char err[160];

	src->packets++;
	if (src->conf.type == SOURCE_TSL31) {
		if (tsl31_parse(buf, len, src->conf.program_bit, src->conf.preview_bit, &d, err, sizeof(err)) < 0) {
			bad_packet(src, err);
			return;
		}
		display_seen(src, &d);
	} else if (tsl5_parse(buf, len, display_seen, src, err, sizeof(err)) < 0) {
		bad_packet(src, err);
		return;
	}
	heard_now(src);
}

static void udp_ready(int fd, uint32_t events, void *data)
{
	struct source *src = data;
	uint8_t buf[TSL5_PACKET_MAX * 2 + 4];

	(void)events;
	/* A bounded batch: a flood of datagrams cannot keep the loop here. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0)
			return;
		if ((size_t)n > sizeof(buf)) {
			bad_packet(src, "a datagram over 4 KiB");
			continue;
		}
		packet(src, buf, (size_t)n);
	}
}

static void peer_close(struct peer *p)
{
	loop_watch_remove(p->watch);
	close(p->fd);
	p->fd = -1;
	p->watch = NULL;
}


static void peer_ready(int fd, uint32_t events, void *data)
{
	struct peer *p = data;
	uint8_t buf[4096];
	char err[160];
	ssize_t n = read(fd, buf, sizeof(buf));
	int bad;

	(void)events;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Not "gone": senders such as tsl-umd-v5 connect once a packet.
		 * source.silence decides that. */
		peer_close(p);
		return;
	}
	p->src->packets++;
	bad = tsl5_stream_feed(&p->stream, buf, (size_t)n, display_seen, p->src, err, sizeof(err));
	if (bad)
		bad_packet(p->src, err);
	if (bad == 0)
		heard_now(p->src);
}

static void tcp_accept(int fd, uint32_t events, void *data)
{
	struct source *src = data;
	struct peer *p = NULL;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (c < 0)
		return;
	for (int i = 0; i < SOURCE_PEERS && !p; i++)
		if (src->peer[i].fd < 0)
			p = &src->peer[i];
	if (!p) {
		bad_packet(src, "more than 4 senders connected at once");
		close(c);
		return;
	}
	p->fd = c;
	p->src = src;
	tsl5_stream_init(&p->stream);
	p->watch = loop_watch_add(c, EPOLLIN, peer_ready, p);
}

static int listen_on(struct source *src)
{
	const struct source_conf *c = &src->conf;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = c->tcp ? SOCK_STREAM : SOCK_DGRAM }, *ai;
	char port[8];
	int fd, one = 1, rc;

	snprintf(port, sizeof(port), "%d", c->port);
	if ((rc = getaddrinfo(c->host, port, &hints, &ai)) != 0) {
		log_warnx("source %s: listen %s:%d: %s", c->name, c->host, c->port, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (c->tcp && listen(fd, 8) < 0)) {
		log_warn("source %s: listen on %s:%s:%d", c->name, c->tcp ? "tcp" : "udp", c->host, c->port);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	src->fd = fd;
	src->watch = loop_watch_add(fd, EPOLLIN, c->tcp ? tcp_accept : udp_ready, src);
	log_info("source %s: %s on %s:%s:%d%s", c->name, source_type_name(c->type), c->tcp ? "tcp" : "udp",
		 c->host, c->port, c->camera >= 0 ? " (this box's tally follows its camera)" : "");
	return 0;
}

static bool source_open(struct source *src)
{
	src->fd = -1;
	for (int p = 0; p < SOURCE_PEERS; p++)
		src->peer[p].fd = -1;
	if (src->conf.type == SOURCE_OBS)
		return (src->obs = obs_source_open(&src->conf, obs_changed, src)) != NULL;
	if (listen_on(src) < 0)
		return false;
	if (src->conf.silence_ms > 0)
		src->silence = loop_timer_add(silence_expired, src);
	return true;
}

static void source_close(struct source *src)
{
	if (src->obs) {
		obs_source_close(src->obs);
		src->obs = NULL;
		return;
	}
	if (src->silence)
		loop_timer_remove(src->silence);
	src->silence = NULL;
	for (int p = 0; p < SOURCE_PEERS; p++)
		if (src->peer[p].fd >= 0)
			peer_close(&src->peer[p]);
	loop_watch_remove(src->watch);
	close(src->fd);
}

/* A source of this config, opened, or NULL (logged) when it cannot be. */
static struct source *source_new(const struct source_conf *c)
{
	struct source *src = calloc(1, sizeof(*src));

	if (!src) {
		log_warnx("source %s: out of memory", c->name);
		return NULL;
	}
	src->conf = *c;
	if (!source_open(src)) {
		free(src);
		return NULL;
	}
	return src;
}

static void hooks_follow_sources(void)
{
	running_set_sources(s.n ? sources_overlay : NULL);
}

/* Unchanged when everything but where it was written is the same. */
static bool same_source(const struct source_conf *a, const struct source_conf *b)
{
	struct source_conf x = *a, y = *b;

	x.line = y.line = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* After a reload: unchanged sources keep their connections and what they
 * heard; changed and removed ones close, changed and new ones open. */
static void sources_reloaded(struct onair_time now)
{
	const struct conf *c = running.conf;
	bool kept[CONF_MAX_SOURCES] = { false };
	int n = 0, opened = 0, closed = 0;

	(void)now;
	for (int i = 0; i < s.n; i++) {
		struct source *src = s.src[i];
		int k;

		for (k = 0; k < c->nsources; k++)
			if (!kept[k] && same_source(&c->source[k], &src->conf))
				break;
		if (k < c->nsources) {
			kept[k] = true;
			s.src[n++] = src;
			continue;
		}
		log_info("reload: source %s %s", src->conf.name, "closed (changed or removed)");
		source_close(src);
		free(src);
		closed++;
	}
	s.n = n;
	for (int k = 0; k < c->nsources; k++) {
		struct source *src;

		if (kept[k] || !(src = source_new(&c->source[k])))
			continue;
		s.src[s.n++] = src;
		opened++;
	}
	if (opened || closed)
		log_info("reload: %d source%s kept, %d opened, %d closed", s.n - opened, s.n - opened == 1 ? "" : "s",
			 opened, closed);
	hooks_follow_sources();	/* the reload redraws every output next */
}

void sources_init(void)
{
	truth_init(&s.truth);
	s.nnotes = 0;
	s.n = 0;
	for (int i = 0; i < running.conf->nsources; i++) {
		struct source *src = source_new(&running.conf->source[i]);

		if (src)
			s.src[s.n++] = src;
	}
	hooks_follow_sources();
	running_observe(RUNNING_UPDATED, sources_updated);
	running_observe(RUNNING_RELOADED, sources_reloaded);
}

void sources_fini(void)
{
	running_set_sources(NULL);
	running_unobserve(RUNNING_UPDATED, sources_updated);
	running_unobserve(RUNNING_RELOADED, sources_reloaded);
	for (int i = 0; i < s.n; i++) {
		source_close(s.src[i]);
		free(s.src[i]);
	}
	s.n = 0;
}

static void stream_json(cJSON *o)
{
	cJSON *st;

	if (stream_now() == STREAM_NONE)
		return;
	st = cJSON_AddObjectToObject(o, "stream");
	json_add_text(st, "onair", onair_mode_name(running.conf->truth.mode));
	json_add_text(st, "state", stream_fact_name(s.truth.stream));
	json_add_text(st, "disagreement", disagreement_name(s.truth.shown));
	cJSON_AddBoolToObject(st, "outage", s.truth.outage_since != 0);
}

/* One camera into "cameras", unless a source before has named it or the
 * object is full. */
static void camera_entry(cJSON *cams, int *n, int max, size_t label_max, long long index,
			 enum cue_camera tally, const char *label)
{
	char key[24], cut[256];
	cJSON *cam;

	snprintf(key, sizeof(key), "%lld", index);
	if (*n >= max || cJSON_HasObjectItem(cams, key))
		return;
	cam = cJSON_AddObjectToObject(cams, key);
	json_add_text(cam, "tally", cue_camera_name(tally));
	if (label && *label && (tally == CUE_CAMERA_PROGRAM || tally == CUE_CAMERA_PREVIEW)) {
		text_copy(cut, label, label_max < sizeof(cut) ? label_max : sizeof(cut));
		json_add_text(cam, "label", cut);
	}
	(*n)++;
}

void sources_state_json(cJSON *o, int max_cameras, size_t label_max)
{
	cJSON *cams = cJSON_AddObjectToObject(o, "cameras");
	int n = 0;

	stream_json(o);
	for (int i = 0; i < s.n; i++) {
		const struct source *src = s.src[i];

		if (src->obs) {
			for (int k = 0; k < src->conf.nscenes; k++) {
				long long cam = src->conf.scene[k].camera;

				camera_entry(cams, &n, max_cameras, label_max, cam,
					     obs_source_camera(src->obs, cam), src->conf.scene[k].name);
			}
			continue;
		}
		for (int d = 0; d < SOURCE_DISPLAYS; d++)
			if (src->seen[d].at)
				camera_entry(cams, &n, max_cameras, label_max, src->seen[d].index,
					     tsl_camera(src->seen[d].tally), src->seen[d].text);
	}
}

void sources_status_json(cJSON *o)
{
	cJSON *list = cJSON_AddArrayToObject(o, "sources");

	stream_json(o);
	for (int i = 0; i < s.n; i++) {
		const struct source *src = s.src[i];
		cJSON *j, *tally;
		char listen[96], key[8];

		if (src->obs) {
			j = cJSON_CreateObject();
			json_add_text(j, "name", src->conf.name);
			json_add_text(j, "type", "obs");
			obs_source_status(src->obs, j);
			if (src->conf.camera >= 0) {
				cJSON_AddNumberToObject(j, "camera", (double)src->conf.camera);
				json_add_text(j, "camera_tally", cue_camera_name(camera_state(src)));
			}
			cJSON_AddItemToArray(list, j);
			continue;
		}
		j = cJSON_CreateObject();
		tally = cJSON_AddObjectToObject(j, "tally");

		snprintf(listen, sizeof(listen), "%s:%s:%d", src->conf.tcp ? "tcp" : "udp", src->conf.host,
			 src->conf.port);
		json_add_text(j, "name", src->conf.name);
		json_add_text(j, "type", source_type_name(src->conf.type));
		json_add_text(j, "listen", listen);
		cJSON_AddBoolToObject(j, "present", src->heard);
		for (int d = 0; d < SOURCE_DISPLAYS; d++)
			if (src->seen[d].at) {
				snprintf(key, sizeof(key), "%u", src->seen[d].index);
				json_add_text(tally, key, tsl_tally_name(src->seen[d].tally));
			}
		if (src->conf.camera >= 0) {
			cJSON_AddNumberToObject(j, "camera", (double)src->conf.camera);
			json_add_text(j, "camera_tally", cue_camera_name(camera_state(src)));
		}
		cJSON_AddNumberToObject(j, "packets", (double)src->packets);
		cJSON_AddNumberToObject(j, "bad_packets", (double)src->bad);
		if (*src->last_error)
			json_add_text(j, "last_error", src->last_error);
		cJSON_AddItemToArray(list, j);
	}
}

void sources_camera_json(cJSON *o)
{
	for (int i = 0; i < s.n; i++) {
		const struct source *src = s.src[i];
		cJSON *cam;

		if (src->conf.camera < 0)
			continue;
		cam = cJSON_AddObjectToObject(o, "camera");
		cJSON_AddNumberToObject(cam, "index", (double)src->conf.camera);
		json_add_text(cam, "tally", cue_camera_name(camera_state(src)));
		if (src->obs) {
			for (int k = 0; k < src->conf.nscenes; k++)
				if (src->conf.scene[k].camera == src->conf.camera) {
					json_add_text(cam, "text", src->conf.scene[k].name);
					break;
				}
		} else {
			for (int d = 0; d < SOURCE_DISPLAYS; d++)
				if (src->seen[d].at && src->seen[d].index == src->conf.camera && *src->seen[d].text) {
					json_add_text(cam, "text", src->seen[d].text);
					break;
				}
		}
		return;
	}
}
