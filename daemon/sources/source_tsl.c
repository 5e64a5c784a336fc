/* A switcher speaking TSL UMD: 3.1 over UDP, 5.0 over UDP or TCP. Each
 * listener is a socket in the daemon's own loop; packets are decoded by
 * core/tsl.c. A bad packet changes nothing and is counted; the log says so
 * at most once per 10 s a source. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
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
#include "source.h"

#define SOURCE_DISPLAYS 128	/* indexes remembered per source */
#define SOURCE_PEERS 4		/* TCP senders at once */
#define BAD_LOG_MS 10000
/* A TCP peer that has sent nothing this long is closed: four idle
 * connections must not keep the switcher out. When every slot is taken,
 * the peer quiet the longest gives way to the new one. */
#define PEER_SILENT_MS 10000

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
	int64_t since_mono, heard_mono;	/* connected; the last byte (0: none yet) */
};

/* A section's own keys, parsed once. */
struct tsl_opts {
	bool v31;			/* TSL 3.1 (else 5.0) */
	bool tcp;			/* listen = tcp:… (5.0 only) */
	char host[64];
	int port;
	int program_bit, preview_bit;	/* 3.1: which tally bit (1–4) means what */
	int64_t silence_ms;		/* no packet this long = the switcher is gone; 0 never */
};

struct source {
	const struct source_conf *conf;	/* the registry's copy, outlives this */
	struct tsl_opts opts;
	void (*changed)(void *ctx);
	void *ctx;
	int fd;
	struct loop_watch *watch;
	struct peer peer[SOURCE_PEERS];
	struct display_seen seen[SOURCE_DISPLAYS];
	uint64_t packets, bad, peers_closed;
	uint64_t bad_unlogged;
	int64_t bad_logged_mono;
	char last_error[160];
	bool heard;
	int64_t heard_mono;		/* the last good packet */
	struct loop_timer *silence;	/* source.silence: a switcher that stops talking */
	struct loop_timer *sweep;	/* TCP: peers that never speak */
};

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
	/* A label matters where it is shown: this box's camera, and a camera
	 * on program or preview (the studio's state carries those). Other
	 * displays' texts change often and nobody sees them. */
	changed = !slot->at || slot->tally != d->tally ||
		  ((d->index == src->conf->camera || d->tally != TSL_OFF) && strcmp(slot->text, d->text) != 0);
	slot->index = d->index;
	slot->tally = d->tally;
	str_copy(slot->text, d->text, sizeof(slot->text));
	slot->at = time_mono_ms();
	if (changed) {
		log_debug("source %s: %u %s \"%s\"", src->conf->name, d->index, tsl_tally_name(d->tally), d->text);
		/* This box's lamp, and every camera box through the studio's state. */
		src->changed(src->ctx);
	}
}

/* The switcher is gone (silent past source.silence): every camera it
 * spoke of is unknown, never off. */
static void switcher_gone(struct source *src, const char *why)
{
	if (!src->heard)
		return;
	log_warnx("source %s: %s: its cameras are unknown", src->conf->name, why);
	src->heard = false;
	for (int i = 0; i < SOURCE_DISPLAYS; i++)
		src->seen[i].at = 0;
	src->changed(src->ctx);
}

static void silence_expired(void *data)
{
	struct source *src = data;

	if (src->heard && time_mono_ms() - src->heard_mono >= src->opts.silence_ms)
		switcher_gone(src, "the switcher fell silent");
}

static void heard_now(struct source *src)
{
	src->heard_mono = time_mono_ms();
	if (src->silence)
		loop_timer_arm(src->silence, src->heard_mono + src->opts.silence_ms);
	if (!src->heard) {
		src->heard = true;
		log_info("source %s: the switcher is heard", src->conf->name);
		src->changed(src->ctx);
	}
}

static void packet(struct source *src, const uint8_t *buf, size_t len)
{
	struct tsl_display d;
	char err[160];

	src->packets++;
	if (src->opts.v31) {
		if (tsl31_parse(buf, len, src->opts.program_bit, src->opts.preview_bit, &d, err, sizeof(err)) < 0) {
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
	p->heard_mono = time_mono_ms();
	p->src->packets++;
	bad = tsl5_stream_feed(&p->stream, buf, (size_t)n, display_seen, p->src, err, sizeof(err));
	if (bad)
		bad_packet(p->src, err);
	if (bad == 0)
		heard_now(p->src);
}

/* Peers connected this long without a byte are closed. */
static void sweep(void *data)
{
	struct source *src = data;
	int64_t now = time_mono_ms(), next = NEVER;

	for (int i = 0; i < SOURCE_PEERS; i++) {
		struct peer *p = &src->peer[i];

		if (p->fd < 0 || p->heard_mono)
			continue;
		if (now - p->since_mono >= PEER_SILENT_MS) {
			peer_close(p);
			src->peers_closed++;
			bad_packet(src, "a TCP sender connected and sent nothing for 10 s: closed");
		} else if (p->since_mono + PEER_SILENT_MS < next) {
			next = p->since_mono + PEER_SILENT_MS;
		}
	}
	loop_timer_arm(src->sweep, next);
}

static void tcp_accept(int fd, uint32_t events, void *data)
{
	struct source *src = data;
	struct peer *p = NULL, *quietest = &src->peer[0];
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (c < 0)
		return;
	for (int i = 0; i < SOURCE_PEERS && !p; i++) {
		struct peer *q = &src->peer[i];
		int64_t last = q->heard_mono ? q->heard_mono : q->since_mono;

		if (q->fd < 0)
			p = q;
		else if (last < (quietest->heard_mono ? quietest->heard_mono : quietest->since_mono))
			quietest = q;
	}
	if (!p) {
		/* Every slot taken: the quietest gives way, so idle strangers
		 * cannot keep the switcher out. */
		peer_close(quietest);
		src->peers_closed++;
		bad_packet(src, "more than 4 senders connected at once: the quietest was closed");
		p = quietest;
	}
	p->fd = c;
	p->src = src;
	p->since_mono = time_mono_ms();
	p->heard_mono = 0;
	tsl5_stream_init(&p->stream);
	p->watch = loop_watch_add(c, EPOLLIN, peer_ready, p);
	sweep(src);	/* arms the earliest deadline, the new peer's included */
}

static int listen_on(struct source *src)
{
	const struct source_conf *c = src->conf;
	const struct tsl_opts *o = &src->opts;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = o->tcp ? SOCK_STREAM : SOCK_DGRAM }, *ai;
	char port[8];
	int fd, one = 1, rc;

	snprintf(port, sizeof(port), "%d", o->port);
	if ((rc = getaddrinfo(o->host, port, &hints, &ai)) != 0) {
		log_warnx("source %s: listen %s:%d: %s", c->name, o->host, o->port, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (o->tcp && listen(fd, 8) < 0)) {
		log_warn("source %s: listen on %s:%s:%d", c->name, o->tcp ? "tcp" : "udp", o->host, o->port);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	src->fd = fd;
	src->watch = loop_watch_add(fd, EPOLLIN, o->tcp ? tcp_accept : udp_ready, src);
	log_info("source %s: %s on %s:%s:%d%s", c->name, c->type, o->tcp ? "tcp" : "udp",
		 o->host, o->port, c->camera >= 0 ? " (this box's tally follows its camera)" : "");
	return 0;
}


#define BAD(...) do { if (d) diag_add(d, path, line, __VA_ARGS__); rc = -1; } while (0)

/* The section's keys into o: 0, or -1 with every problem in d (d NULL:
 * checked before, at the load). */
static int tsl_parse(const struct source_conf *c, struct tsl_opts *o, const char *path, struct diag *d)
{
	int rc = 0, line = c->line;

	*o = (struct tsl_opts){ .v31 = strcmp(c->type, "tsl31") == 0, .program_bit = 1, .preview_bit = 2 };
	/* The listener binds where configured; loopback unless told. */
	str_copy(o->host, "127.0.0.1", sizeof(o->host));
	o->port = o->v31 ? 8900 : 8901;
	for (int i = 0; i < c->nkeys; i++) {
		const char *k = c->kv[i].key, *v = c->kv[i].value;
		long long n;
		int64_t ms;

		line = c->kv[i].line;
		if (strcmp(k, "listen") == 0) {
			if ((strncmp(v, "udp:", 4) != 0 && strncmp(v, "tcp:", 4) != 0) ||
			    !hostport_parse(v + 4, o->host, sizeof(o->host), &o->port))
				BAD("[source.%s] listen \"%s\" must be udp:ADDRESS:PORT or tcp:ADDRESS:PORT", c->name, v);
			else
				o->tcp = v[0] == 't';
		} else if (strcmp(k, "silence") == 0) {
			if (!duration_parse(v, false, &ms) || ms < 0 || ms > 3600000)
				BAD("[source.%s] silence \"%s\" must be a duration up to 1:00:00 (0: never)", c->name, v);
			else
				o->silence_ms = ms;
		} else if (strcmp(k, "program_tally") == 0 || strcmp(k, "preview_tally") == 0) {
			if (!o->v31)
				BAD("[source.%s] %s is for TSL 3.1 (5.0 says program and preview itself)", c->name, k);
			else if (!int_parse(v, 1, 4, &n))
				BAD("[source.%s] %s must be 1 to 4", c->name, k);
			else if (strcmp(k, "program_tally") == 0)
				o->program_bit = (int)n;
			else
				o->preview_bit = (int)n;
		}
	}
	line = c->line;
	if (o->v31 && o->tcp)
		BAD("[source.%s]: TSL 3.1 is UDP only", c->name);
	if (o->v31 && c->camera > 126)
		BAD("[source.%s]: a 3.1 address is 0 to 126", c->name);
	return rc;
}

static void tsl_check(const struct source_conf *c, const struct board *board, const char *path,
		      struct diag *d)
{
	struct tsl_opts o;

	(void)board;
	tsl_parse(c, &o, path, d);
}

static void tsl_dump(const struct source_conf *c, FILE *f)
{
	struct tsl_opts o;
	char where[96];

	tsl_parse(c, &o, NULL, NULL);
	hostport_format(where, sizeof(where), o.host, o.port);
	fprintf(f, "listen = %s:%s\n", o.tcp ? "tcp" : "udp", where);
	if (o.silence_ms)
		fprintf(f, "silence = %lld\n", (long long)(o.silence_ms / 1000));
	if (o.v31)
		fprintf(f, "program_tally = %d\npreview_tally = %d\n", o.program_bit, o.preview_bit);
}

static struct source_inst *tsl_open(const struct source_conf *c, const struct board *board,
				    void (*changed)(void *ctx), void *ctx)
{
	struct source *src = calloc(1, sizeof(*src));

	(void)board;
	if (!src) {
		log_warnx("source %s: out of memory", c->name);
		return NULL;
	}
	src->conf = c;
	if (tsl_parse(c, &src->opts, NULL, NULL) < 0) {
		free(src);
		return NULL;
	}
	src->changed = changed;
	src->ctx = ctx;
	src->fd = -1;
	for (int p = 0; p < SOURCE_PEERS; p++)
		src->peer[p].fd = -1;
	if (listen_on(src) < 0) {
		free(src);
		return NULL;
	}
	if (src->opts.silence_ms > 0)
		src->silence = loop_timer_add(silence_expired, src);
	if (src->opts.tcp)
		src->sweep = loop_timer_add(sweep, src);
	return (struct source_inst *)src;
}

static void tsl_close(struct source_inst *inst)
{
	struct source *src = (struct source *)inst;

	if (src->silence)
		loop_timer_remove(src->silence);
	if (src->sweep)
		loop_timer_remove(src->sweep);
	for (int p = 0; p < SOURCE_PEERS; p++)
		if (src->peer[p].fd >= 0)
			peer_close(&src->peer[p]);
	loop_watch_remove(src->watch);
	close(src->fd);
	free(src);
}

static bool tsl_present(const struct source_inst *inst)
{
	return ((const struct source *)inst)->heard;
}

static enum stream_fact tsl_stream(const struct source_inst *inst)
{
	(void)inst;
	return STREAM_NONE;
}

static const struct display_seen *display(const struct source *src, long long camera)
{
	for (int i = 0; i < SOURCE_DISPLAYS; i++)
		if (src->seen[i].at && src->seen[i].index == camera)
			return &src->seen[i];
	return NULL;
}

static enum cue_camera tsl_camera_of(const struct source_inst *inst, long long camera)
{
	const struct display_seen *d = display((const struct source *)inst, camera);

	return d ? tsl_camera(d->tally) : CUE_CAMERA_UNKNOWN;
}

static const char *tsl_label(const struct source_inst *inst, long long camera)
{
	const struct display_seen *d = display((const struct source *)inst, camera);

	return d ? d->text : "";
}

static void tsl_each_camera(const struct source_inst *inst, source_camera_fn fn, void *ctx)
{
	const struct source *src = (const struct source *)inst;

	for (int i = 0; i < SOURCE_DISPLAYS; i++)
		if (src->seen[i].at)
			fn(ctx, src->seen[i].index, tsl_camera(src->seen[i].tally), src->seen[i].text);
}

static void tsl_status(const struct source_inst *inst, cJSON *j)
{
	const struct source *src = (const struct source *)inst;
	cJSON *tally = cJSON_AddObjectToObject(j, "tally");
	char listen[104], where[96], key[8];

	hostport_format(where, sizeof(where), src->opts.host, src->opts.port);
	snprintf(listen, sizeof(listen), "%s:%s", src->opts.tcp ? "tcp" : "udp", where);
	json_add_text(j, "listen", listen);
	cJSON_AddBoolToObject(j, "present", src->heard);
	for (int d = 0; d < SOURCE_DISPLAYS; d++)
		if (src->seen[d].at) {
			snprintf(key, sizeof(key), "%u", src->seen[d].index);
			json_add_text(tally, key, tsl_tally_name(src->seen[d].tally));
		}
	cJSON_AddNumberToObject(j, "packets", (double)src->packets);
	cJSON_AddNumberToObject(j, "bad_packets", (double)src->bad);
	if (src->opts.tcp)
		cJSON_AddNumberToObject(j, "peers_closed", (double)src->peers_closed);
	if (*src->last_error)
		json_add_text(j, "last_error", src->last_error);
}

static const char *const tsl_keys[] = { "listen", "silence", "program_tally", "preview_tally", NULL };

const struct source_ops source_tsl31_ops = {
	"tsl31", tsl_keys, NULL, tsl_check, tsl_dump, tsl_open, tsl_close, tsl_present, tsl_stream, tsl_camera_of, tsl_label,
	tsl_each_camera, tsl_status, NULL,
};
const struct source_ops source_tsl5_ops = {
	"tsl5", tsl_keys, NULL, tsl_check, tsl_dump, tsl_open, tsl_close, tsl_present, tsl_stream, tsl_camera_of, tsl_label,
	tsl_each_camera, tsl_status, NULL,
};
