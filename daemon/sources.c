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
#include "../core/tsl.h"
#include "running.h"
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
	const struct source_conf *conf;
	int fd;
	struct loop_watch *watch;
	struct peer peer[SOURCE_PEERS];
	struct display_seen seen[SOURCE_DISPLAYS];
	uint64_t packets, bad;
	uint64_t bad_unlogged;
	int64_t bad_logged_mono;
	char last_error[160];
	bool heard;
};

static struct {
	struct source src[CONF_MAX_SOURCES];
	int n;
} s;

static void bad_packet(struct source *src, const char *why)
{
	int64_t now = time_mono_ms();

	src->bad++;
	src->bad_unlogged++;
	str_copy(src->last_error, why, sizeof(src->last_error));
	if (now - src->bad_logged_mono >= BAD_LOG_MS) {
		log_warnx("source %s: %llu bad packet%s (last: %s)", src->conf->name,
			  (unsigned long long)src->bad_unlogged, src->bad_unlogged == 1 ? "" : "s", why);
		src->bad_logged_mono = now;
		src->bad_unlogged = 0;
	}
}

/* The camera this box is on, as the switcher last said. */
static enum cue_camera camera_state(const struct source *src)
{
	for (int i = 0; i < SOURCE_DISPLAYS; i++)
		if (src->seen[i].at && src->seen[i].index == src->conf->camera) {
			switch (src->seen[i].tally) {
			case TSL_PROGRAM:
			case TSL_BOTH:
				return CUE_CAMERA_PROGRAM;
			case TSL_PREVIEW:
				return CUE_CAMERA_PREVIEW;
			case TSL_OFF:
				return CUE_CAMERA_OFF;
			}
		}
	return CUE_CAMERA_UNKNOWN;
}

static void camera_overlay(struct cue_output *out, struct onair_time now)
{
	for (int i = 0; i < s.n; i++)
		if (s.src[i].conf->camera >= 0) {
			cue_apply_camera(out, camera_state(&s.src[i]), &running.conf->cue, now);
			return;
		}
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
		log_debug("source %s: %u %s \"%s\"", src->conf->name, d->index, tsl_tally_name(d->tally), d->text);
		/* This box's lamp, and every camera box through the studio's state. */
		running_publish();
	}
}

static void packet(struct source *src, const uint8_t *buf, size_t len)
{
	struct tsl_display d;
	char err[160];

	src->packets++;
	if (src->conf->type == SOURCE_TSL31) {
		if (tsl31_parse(buf, len, src->conf->program_bit, src->conf->preview_bit, &d, err, sizeof(err)) < 0) {
			bad_packet(src, err);
			return;
		}
		display_seen(src, &d);
	} else if (tsl5_parse(buf, len, display_seen, src, err, sizeof(err)) < 0) {
		bad_packet(src, err);
		return;
	}
	if (!src->heard) {
		src->heard = true;
		log_info("source %s: the switcher is heard", src->conf->name);
		running_redraw();
	}
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
		peer_close(p);
		return;
	}
	p->src->packets++;
	bad = tsl5_stream_feed(&p->stream, buf, (size_t)n, display_seen, p->src, err, sizeof(err));
	if (bad)
		bad_packet(p->src, err);
	if (!p->src->heard && bad == 0) {
		p->src->heard = true;
		log_info("source %s: the switcher is heard", p->src->conf->name);
		running_redraw();
	}
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
	const struct source_conf *c = src->conf;
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

void sources_init(void)
{
	bool camera = false;

	for (int i = 0; i < running.conf->nsources; i++) {
		struct source *src = &s.src[s.n];

		memset(src, 0, sizeof(*src));
		src->conf = &running.conf->source[i];
		src->fd = -1;
		for (int p = 0; p < SOURCE_PEERS; p++)
			src->peer[p].fd = -1;
		if (listen_on(src) == 0) {
			camera |= src->conf->camera >= 0;
			s.n++;
		}
	}
	if (camera)
		running_set_camera(camera_overlay);
}

void sources_fini(void)
{
	running_set_camera(NULL);
	for (int i = 0; i < s.n; i++) {
		for (int p = 0; p < SOURCE_PEERS; p++)
			if (s.src[i].peer[p].fd >= 0)
				peer_close(&s.src[i].peer[p]);
		loop_watch_remove(s.src[i].watch);
		close(s.src[i].fd);
	}
	s.n = 0;
}

void sources_status_json(cJSON *o)
{
	cJSON *list = cJSON_AddArrayToObject(o, "sources");

	for (int i = 0; i < s.n; i++) {
		const struct source *src = &s.src[i];
		cJSON *j = cJSON_CreateObject(), *tally = cJSON_AddObjectToObject(j, "tally");
		char listen[96], key[8];

		snprintf(listen, sizeof(listen), "%s:%s:%d", src->conf->tcp ? "tcp" : "udp", src->conf->host,
			 src->conf->port);
		cJSON_AddStringToObject(j, "name", src->conf->name);
		cJSON_AddStringToObject(j, "type", source_type_name(src->conf->type));
		cJSON_AddStringToObject(j, "listen", listen);
		cJSON_AddBoolToObject(j, "present", src->heard);
		for (int d = 0; d < SOURCE_DISPLAYS; d++)
			if (src->seen[d].at) {
				snprintf(key, sizeof(key), "%u", src->seen[d].index);
				cJSON_AddStringToObject(tally, key, tsl_tally_name(src->seen[d].tally));
			}
		if (src->conf->camera >= 0) {
			cJSON_AddNumberToObject(j, "camera", (double)src->conf->camera);
			cJSON_AddStringToObject(j, "camera_tally", cue_camera_name(camera_state(src)));
		}
		cJSON_AddNumberToObject(j, "packets", (double)src->packets);
		cJSON_AddNumberToObject(j, "bad_packets", (double)src->bad);
		if (*src->last_error)
			cJSON_AddStringToObject(j, "last_error", src->last_error);
		cJSON_AddItemToArray(list, j);
	}
}
