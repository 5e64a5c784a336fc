/* onair as a tally hub (see tally_out.h): each [output.NAME] sends every
 * camera's verdict (sources.c) as TSL UMD to a multiviewer, an
 * under-monitor display or another tally box: a camera whose state or
 * label changed at once, after each update of the studio, and every
 * camera again every `refresh` (receivers that started late, or a lost
 * datagram). TSL has no "unknown": a camera no source knows any more is
 * sent off, never left red. Encoding is core/tsl.c's. */
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
#include "../../core/tsl.h"
#include "../show/running.h"
#include "sources.h"
#include "tally_out.h"

#define OUT_CAMERAS 128
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define CONNECT_MS 5000

struct sent_camera {
	long long camera;
	enum tsl_tally tally;
	char label[TSL_TEXT_MAX];
	bool present;			/* in this update's verdicts */
};

struct tally_out {
	struct output_conf conf;	/* its own copy: a reload frees the config */
	int fd;
	bool connected;
	struct loop_watch *watch;
	struct loop_timer *timer;
	int64_t backoff_ms, retry_at, refresh_at, connect_deadline;
	struct sent_camera cam[OUT_CAMERAS];
	int ncam;
	uint64_t packets, errors, connects;
	char last_error[200], logged_error[200];
	bool skipped_logged;
};

static struct {
	struct tally_out *out[CONF_MAX_OUTPUTS];
	int n;
} outs;

static void set_error(struct tally_out *t, const char *why)
{
	t->errors++;
	str_copy(t->last_error, why, sizeof(t->last_error));
	if (strcmp(t->logged_error, why) != 0) {
		log_warnx("output %s: %s", t->conf.name, why);
		str_copy(t->logged_error, why, sizeof(t->logged_error));
	}
}

static void arm(struct tally_out *t)
{
	int64_t at = t->conf.refresh_ms ? t->refresh_at : NEVER;

	if (t->fd < 0 && t->retry_at < at)
		at = t->retry_at;
	if (t->fd >= 0 && !t->connected && t->connect_deadline < at)
		at = t->connect_deadline;
	loop_timer_arm(t->timer, at);
}

static void drop(struct tally_out *t, const char *why)
{
	set_error(t, why);
	if (t->watch)
		loop_watch_remove(t->watch);
	if (t->fd >= 0)
		close(t->fd);
	t->watch = NULL;
	t->fd = -1;
	t->connected = false;
	t->retry_at = time_mono_ms() + t->backoff_ms;
	t->backoff_ms = t->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : t->backoff_ms * 2;
	arm(t);
}

static enum tsl_tally tsl_of(enum cue_camera c)
{
	return c == CUE_CAMERA_PROGRAM ? TSL_PROGRAM : c == CUE_CAMERA_PREVIEW ? TSL_PREVIEW : TSL_OFF;
}

static void send_camera(struct tally_out *t, const struct sent_camera *c)
{
	uint8_t packet[TSL5_PACKET_MAX];
	char fallback[24];
	size_t n;

	if (!t->connected)
		return;
	if (strcmp(t->conf.type, "tsl31") == 0) {
		snprintf(fallback, sizeof(fallback), "CAM %lld", c->camera);
		n = tsl31_build(packet, (int)c->camera, (int)t->conf.program_bit, (int)t->conf.preview_bit, c->tally,
				c->label, fallback);
	} else {
		n = tsl5_build(packet, sizeof(packet), (uint16_t)t->conf.screen, (uint16_t)c->camera, c->tally,
			       c->label, t->conf.tcp);
	}
	if (!n)
		return;
	/* A datagram, or a short packet on a socket that drains: a short
	 * write means the receiver stopped reading. */
	if (send(t->fd, packet, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n) {
		char why[200];

		snprintf(why, sizeof(why), "cannot send to %s:%d: %s", t->conf.host, t->conf.port,
			 strerror(errno));
		if (t->conf.tcp)
			drop(t, why);
		else
			set_error(t, why);	/* UDP: the receiver may come back; keep sending */
		return;
	}
	t->packets++;
}

static void send_all(struct tally_out *t)
{
	for (int i = 0; i < t->ncam && t->connected; i++)
		send_camera(t, &t->cam[i]);
	t->refresh_at = time_mono_ms() + t->conf.refresh_ms;
	arm(t);
}

/* A camera's verdict: sent when it is new or changed. */
static void verdict_seen(void *ctx, long long camera, enum cue_camera tally, const char *label)
{
	struct tally_out *t = ctx;
	long long max = strcmp(t->conf.type, "tsl31") == 0 ? 126 : 65534;
	struct sent_camera now = { camera, tsl_of(tally), "", true };
	int i;

	if (camera < 0 || camera > max) {
		if (!t->skipped_logged)
			log_warnx("output %s: camera %lld is not sent (TSL %s indexes go to %lld)", t->conf.name,
				  camera, max == 126 ? "3.1" : "5.0", max);
		t->skipped_logged = true;
		return;
	}
	text_copy(now.label, label, sizeof(now.label));
	for (i = 0; i < t->ncam && t->cam[i].camera != camera; i++)
		;
	if (i == t->ncam) {
		if (t->ncam >= OUT_CAMERAS)
			return;
		t->ncam++;
	} else if (t->cam[i].tally == now.tally && strcmp(t->cam[i].label, now.label) == 0) {
		t->cam[i].present = true;
		return;
	}
	t->cam[i] = now;
	send_camera(t, &t->cam[i]);
}

static void update_one(struct tally_out *t)
{
	for (int i = 0; i < t->ncam; i++)
		t->cam[i].present = false;
	sources_each_verdict(verdict_seen, t);
	/* No source knows it any more: off, not left as it was. */
	for (int i = 0; i < t->ncam; i++)
		if (!t->cam[i].present && t->cam[i].tally != TSL_OFF) {
			t->cam[i].tally = TSL_OFF;
			send_camera(t, &t->cam[i]);
		}
}

static void outputs_updated(struct onair_time now)
{
	(void)now;
	for (int i = 0; i < outs.n; i++)
		update_one(outs.out[i]);
}

static void ready(int fd, uint32_t events, void *data)
{
	struct tally_out *t = data;
	char sink[512];
	int soerr;

	(void)fd;
	if (!t->connected) {
		if ((soerr = tcp_connect_result(t->fd)) != 0) {
			char why[200];

			snprintf(why, sizeof(why), "cannot reach %s:%d: %s", t->conf.host, t->conf.port,
				 strerror(soerr));
			drop(t, why);
			return;
		}
		t->connected = true;
		t->backoff_ms = BACKOFF_MIN_MS;
		t->logged_error[0] = '\0';
		loop_watch_modify(t->watch, EPOLLIN);
		log_info("output %s: connected to %s:%d", t->conf.name, t->conf.host, t->conf.port);
		send_all(t);
		return;
	}
	/* A receiver has nothing to say; its close is what matters. */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		ssize_t n = recv(t->fd, sink, sizeof(sink), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			drop(t, "the receiver closed the connection");
	}
}

static void open_socket(struct tally_out *t)
{
	char why[160], said[200];

	t->connects++;
	t->fd = net_connect_start(t->conf.host, t->conf.port, t->conf.tcp ? SOCK_STREAM : SOCK_DGRAM, why,
				  sizeof(why));
	if (t->fd < 0) {
		snprintf(said, sizeof(said), "cannot reach %s:%d: %s", t->conf.host, t->conf.port, why);
		drop(t, said);
		return;
	}
	if (!t->conf.tcp) {
		t->connected = true;
		send_all(t);
		return;
	}
	t->watch = loop_watch_add(t->fd, EPOLLOUT, ready, t);
	t->connect_deadline = time_mono_ms() + CONNECT_MS;
	arm(t);
}

static void tick(void *data)
{
	struct tally_out *t = data;
	int64_t now = time_mono_ms();

	if (t->fd < 0 && now >= t->retry_at) {
		open_socket(t);
		return;
	}
	if (t->fd >= 0 && !t->connected && now >= t->connect_deadline) {
		char why[200];

		snprintf(why, sizeof(why), "%s:%d did not answer within %d s", t->conf.host, t->conf.port,
			 CONNECT_MS / 1000);
		drop(t, why);
		return;
	}
	if (t->connected && t->conf.refresh_ms && now >= t->refresh_at) {
		send_all(t);
		return;
	}
	arm(t);
}

static struct tally_out *output_new(const struct output_conf *c)
{
	struct tally_out *t = calloc(1, sizeof(*t));

	if (!t) {
		log_warnx("output %s: out of memory", c->name);
		return NULL;
	}
	t->conf = *c;
	t->fd = -1;
	t->backoff_ms = BACKOFF_MIN_MS;
	t->timer = loop_timer_add(tick, t);
	log_info("output %s: TSL %s to %s:%s:%d", c->name, strcmp(c->type, "tsl31") == 0 ? "3.1" : "5.0",
		 c->tcp ? "tcp" : "udp", c->host, c->port);
	open_socket(t);
	update_one(t);
	return t;
}

static void output_free(struct tally_out *t)
{
	if (t->watch)
		loop_watch_remove(t->watch);
	if (t->fd >= 0)
		close(t->fd);
	loop_timer_remove(t->timer);
	free(t);
}

static bool same_output(const struct output_conf *a, const struct output_conf *b)
{
	struct output_conf x = *a, y = *b;

	x.line = y.line = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* After a reload: unchanged outputs keep their connection and what they
 * sent; changed and removed ones close, changed and new ones open. */
static void outputs_reloaded(struct onair_time now)
{
	const struct conf *c = running.conf;
	bool kept[CONF_MAX_OUTPUTS] = { false };
	int n = 0;

	(void)now;
	for (int i = 0; i < outs.n; i++) {
		int k;

		for (k = 0; k < c->noutputs; k++)
			if (!kept[k] && same_output(&c->output[k], &outs.out[i]->conf))
				break;
		if (k < c->noutputs) {
			kept[k] = true;
			outs.out[n++] = outs.out[i];
		} else {
			log_info("reload: output %s closed (changed or removed)", outs.out[i]->conf.name);
			output_free(outs.out[i]);
		}
	}
	outs.n = n;
	for (int k = 0; k < c->noutputs; k++) {
		struct tally_out *t;

		if (!kept[k] && (t = output_new(&c->output[k])))
			outs.out[outs.n++] = t;
	}
}

void tally_out_init(void)
{
	outs.n = 0;
	for (int i = 0; i < running.conf->noutputs; i++) {
		struct tally_out *t = output_new(&running.conf->output[i]);

		if (t)
			outs.out[outs.n++] = t;
	}
	running_observe(RUNNING_UPDATED, outputs_updated);
	running_observe(RUNNING_RELOADED, outputs_reloaded);
}

void tally_out_fini(void)
{
	running_unobserve(RUNNING_UPDATED, outputs_updated);
	running_unobserve(RUNNING_RELOADED, outputs_reloaded);
	for (int i = 0; i < outs.n; i++)
		output_free(outs.out[i]);
	outs.n = 0;
}

void tally_out_status_json(cJSON *o)
{
	cJSON *list;

	if (!outs.n)
		return;
	list = cJSON_AddArrayToObject(o, "outputs");
	for (int i = 0; i < outs.n; i++) {
		const struct tally_out *t = outs.out[i];
		cJSON *j = cJSON_CreateObject();
		char where[96], send_to[104];

		hostport_format(where, sizeof(where), t->conf.host, t->conf.port);
		snprintf(send_to, sizeof(send_to), "%s:%s", t->conf.tcp ? "tcp" : "udp", where);
		json_add_text(j, "name", t->conf.name);
		json_add_text(j, "type", t->conf.type);
		json_add_text(j, "send", send_to);
		cJSON_AddBoolToObject(j, "connected", t->connected);
		cJSON_AddNumberToObject(j, "cameras", t->ncam);
		cJSON_AddNumberToObject(j, "packets", (double)t->packets);
		cJSON_AddNumberToObject(j, "errors", (double)t->errors);
		if (*t->last_error)
			json_add_text(j, "last_error", t->last_error);
		cJSON_AddItemToArray(list, j);
	}
}
