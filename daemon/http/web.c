/* The web server (see web.h). libmicrohttpd runs inside the daemon's own
 * loop: started with MHD_USE_EPOLL and no threads of its own, its epoll fd
 * is one more watch and its timeout one more timer, so a browser never
 * makes a lamp wait. Pages come from a fixed table of files in web.root
 * (no path from a request ever reaches the file system). /events is
 * Server-Sent Events: a connection with nothing to send is suspended and
 * resumed when the view changes, one JSON text per change for every client.
 * Debian ships libmicrohttpd in both releases (0.9.75 in 12, 1.0.1 in 13);
 * its epoll mode and suspend/resume are in both. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "../../core/cmd.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/rhythm.h"
#include "../../core/jsontext.h"
#include "../link/link.h"
#include "../show/running.h"
#include "../signal/audiowatch.h"
#include "../selftest/checkrun.h"
#include "../tally/sources.h"
#include "../config/secrets.h"
#include "../selftest/selftest.h"
#include "../show/store.h"
#include "../show/viewjson.h"
#include "../floor/floor.h"
#include "metrics.h"
#include "web.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define WEB_BODY_MAX 1024		/* a command line, as on the control socket */
#define WEB_PAGE_MAX (256 * 1024)
#define WEB_CLIENT_BUFFER_MAX (256 * 1024)	/* a reader that fell this far behind is dropped */
#define WEB_BEAT_MS 1000		/* the pages call a view stale after 3 s of silence */
#define WEB_FAILS_TRACKED 16
#define WEB_TRUSTED 8			/* addresses the right token came from, remembered */
#define WEB_FAILS_ALLOWED 5		/* wrong tokens per address per minute */
/* Strangers holding connections must not keep the anchor's screen from
 * loading: each address gets a quarter of the table, a request must be
 * whole within WEB_REQUEST_MS (MHD's own timeout counts only silence, so
 * a byte every few seconds would live for ever), and past WEB_ROOM_AT the
 * request that has been arriving the longest gives way to a new one. */
#define WEB_CONNECTIONS 128
#define WEB_PER_ADDRESS 32
#define WEB_ROOM_AT 112
#define WEB_REQUEST_MS 10000

struct sse_client {
	struct MHD_Connection *conn;
	char *buf;
	size_t len, off, cap;
	bool suspended, dropped;
	struct sse_client *next;
};

/* A command that was applied waits, its connection suspended, until its
 * change is durable: "ok" from the ops page means what it means from
 * onairctl and MQTT. */
enum request_phase { REQ_BODY, REQ_WAITING, REQ_DURABLE, REQ_STOPPING };

struct request {
	char body[WEB_BODY_MAX + 1];
	size_t len;
	bool too_big;
	enum request_phase phase;
	bool recorded;
};

/* The storage's callback holds this, not the request: the request may be
 * gone (the server stopped) by the time the disk answers. */
struct web_wait {
	struct MHD_Connection *conn;
	struct request *req;	/* NULL: nobody waits any more */
	struct web_wait *next;
};

/* One open connection. arriving_since: when the request it is sending
 * began; 0 once it is whole (being answered, an event stream, a command
 * waiting for the disk), which no deadline cuts. */
struct web_conn {
	struct MHD_Connection *conn;
	int fd;
	int64_t arriving_since;
};

struct token_fail {
	char addr[INET6_ADDRSTRLEN];
	int count;
	int64_t window_start;
};

static struct {
	struct MHD_Daemon *mhd;
	struct loop_watch *watch;
	struct loop_timer *timer, *beat;
	struct sse_client *clients;
	int nclients;
	char token[WEB_TOKEN_MAX];
	char listen[128];		/* where it listens: a reload does not move it */
	char failed[256];		/* why it does not serve, "" when it does */
	web_status_fn status;
	char *signature;		/* what the last change sent looked like */
	int64_t last_sent_mono;
	bool in_mhd;			/* inside MHD_run: its callbacks may not run it again */
	struct web_wait *waits;
	struct token_fail fails[WEB_FAILS_TRACKED];
	int global_fails;		/* wrong tokens this minute, every address */
	int64_t global_window;
	struct {
		char addr[INET6_ADDRSTRLEN];
		int64_t at;
	} trusted[WEB_TRUSTED];		/* where the right token came from lately */
	int64_t fail_logged_mono;
	int fails_unlogged;
	struct web_conn conns[WEB_CONNECTIONS];
	int nconns;
	struct loop_timer *deadline;
	unsigned long closed_slow, closed_for_room;
} w;

static void web_kick(void);
static void web_run(void);
static struct web_conn *conn_of(struct MHD_Connection *c);
static void conn_arriving(struct web_conn *wc, int64_t now);
static void conn_whole(struct MHD_Connection *c);

/* --- replies --- */

static MHD_RESULT reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
			size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_RESULT rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* The pages load only what the box serves: no CDN, no inline script. */
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static MHD_RESULT reply_json(struct MHD_Connection *c, unsigned status, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	MHD_RESULT rc = text ? reply(c, status, "application/json; charset=utf-8", text, strlen(text))
			     : MHD_NO;

	free(text);
	cJSON_Delete(o);
	return rc;
}

static MHD_RESULT reply_error(struct MHD_Connection *c, unsigned status, const char *error)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", 0);
	json_add_text(o, "error", error);
	return reply_json(c, status, o);
}

/* --- the view as the pages read it --- */

/* The snapshot the pages draw from: status's fields (the same names as
 * onairctl status --json and the MQTT state) and the wall-clock anchors
 * in milliseconds, from which a page counts its seconds itself. */
static cJSON *view_json(const struct show_view *v)
{
	const struct conf *c = running.conf;
	cJSON *o = cJSON_CreateObject(), *canned;

	viewjson_status(o, v);
	cJSON_AddNumberToObject(o, "now_ms", (double)v->at.wall);
	cJSON_AddNumberToObject(o, "segment_end_ms", (double)v->segment_end_wall);
	cJSON_AddNumberToObject(o, "aux_end_ms", v->aux ? (double)(v->at.wall + v->aux_remaining_ms) : 0);
	cJSON_AddNumberToObject(o, "preroll_end_ms",
				v->phase == SHOW_PREROLL ? (double)(v->at.wall + v->preroll_ms) : 0);
	{
		int seg = v->segment - 1;
		int own = seg >= 0 && seg < c->rundown.count ? c->rundown.seg[seg].overrun_count : RUNDOWN_INHERIT;

		/* Whether the display counts past zero, so the page does too. */
		cJSON_AddBoolToObject(o, "counts_negative", own == RUNDOWN_INHERIT ? c->cue.overrun_count : own);
		/* The running segment's wrap-up and danger marks: the page colours
		 * its digits on the second it counts, as the cue light turns. */
		cJSON_AddNumberToObject(o, "wrapup_ms", (double)rhythm_wrapup(&c->rundown, &c->show, seg));
		cJSON_AddNumberToObject(o, "danger_ms", (double)rhythm_danger(&c->rundown, &c->show, seg));
	}
	json_add_text(o, "language", c->web.language);
	cJSON_AddBoolToObject(o, "anchor_ack", c->web.anchor_ack);
	cJSON_AddBoolToObject(o, "ops_token", *w.token != '\0');
	canned = cJSON_AddArrayToObject(o, "canned");
	for (int i = 0; i < c->web.ncanned; i++) {
		cJSON *m = cJSON_CreateObject();

		json_add_text(m, "key", c->web.canned[i].key);
		json_add_text(m, "text", c->web.canned[i].text);
		cJSON_AddItemToArray(canned, m);
	}
	viewjson_devices(o, false);
	sources_camera_json(o);
	audiowatch_alarms_json(o);
	sources_alarms_json(cJSON_GetObjectItemCaseSensitive(o, "alarms"));
	link_alarms_json(cJSON_GetObjectItemCaseSensitive(o, "alarms"));
	link_status_json(o);
	return o;
}

/* What a person sees change on a screen, decided from the view the pages
 * get, not from a list of fields kept beside it: the same JSON without the
 * fields that move by themselves (the pages count the seconds from the
 * anchors, wall times read now jitter by a millisecond, the link's
 * counters tick with every heartbeat). A field added to the view pushes
 * when it changes unless it is named here. */
static char *view_signature(const cJSON *view, const struct show_view *v)
{
	static const char *const moving[] = {
		"now", "now_ms", "remaining_ms", "elapsed_ms", "segment_end", "segment_end_ms", "expected_end",
		"aux_end_ms", "preroll_end_ms",
	};
	static const char *const counters[] = { "sent", "received", "rejected", "state_bytes", "state_bytes_max" };
	cJSON *o = cJSON_Duplicate(view, true), *x;
	char *text;

	if (!o)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(moving); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(o, moving[i]);
	if (v->out.counting) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "display");
		cJSON_DeleteItemFromObjectCaseSensitive(o, "countdown");
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(o, "offset_ms")) && cJSON_IsNumber(x))
		cJSON_SetNumberValue(x, (double)(v->offset_ms / 1000));
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "interaction"), "since_ms");
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "message"), "expires");
	for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "node"), counters[i]);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* --- Server-Sent Events --- */

static void client_put(struct sse_client *cl, const char *text, size_t len)
{
	if (cl->dropped)
		return;
	if (cl->len - cl->off + len > WEB_CLIENT_BUFFER_MAX) {
		cl->dropped = true;	/* it stopped reading: end it rather than hold memory */
	} else {
		if (cl->off && cl->off == cl->len)
			cl->off = cl->len = 0;
		if (cl->len + len > cl->cap) {
			size_t cap = (cl->len + len) * 2;
			char *grown = realloc(cl->buf, cap);

			if (grown) {
				cl->buf = grown;
				cl->cap = cap;
			}
		}
		if (cl->len + len <= cl->cap) {
			memcpy(cl->buf + cl->len, text, len);
			cl->len += len;
		} else {
			cl->dropped = true;	/* out of memory: this page reconnects */
		}
	}
	if (cl->suspended) {
		cl->suspended = false;
		MHD_resume_connection(cl->conn);
	}
}

static void broadcast(const char *event, const char *data)
{
	char *frame;
	int n = asprintf(&frame, "event: %s\ndata: %s\n\n", event, data);

	if (n < 0)
		return;
	for (struct sse_client *cl = w.clients; cl; cl = cl->next)
		client_put(cl, frame, (size_t)n);
	free(frame);
	w.last_sent_mono = time_mono_ms();
	web_kick();
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *cl = cls;
	size_t n;

	(void)pos;
	if (cl->dropped)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (cl->off == cl->len) {
		/* Nothing to send: off MHD's loop until the view changes. */
		cl->suspended = true;
		MHD_suspend_connection(cl->conn);
		return 0;
	}
	n = cl->len - cl->off < max ? cl->len - cl->off : max;
	memcpy(buf, cl->buf + cl->off, n);
	cl->off += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse_client *cl = cls;

	for (struct sse_client **p = &w.clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	w.nclients--;
	free(cl->buf);
	free(cl);
	if (!w.nclients && w.beat)
		loop_timer_arm(w.beat, NEVER);
}

static void beat_fired(void *data);

static MHD_RESULT events(struct MHD_Connection *c)
{
	struct sse_client *cl = calloc(1, sizeof(*cl));
	struct MHD_Response *r;
	struct show_view v;
	cJSON *o;
	char *text;
	MHD_RESULT rc;

	if (!cl)
		return MHD_NO;
	cl->conn = c;
	running_view_at(time_now(), &v);
	o = view_json(&v);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text) {
		char *frame;
		int n = asprintf(&frame, "retry: 1000\nevent: view\ndata: %s\n\n", text);

		if (n > 0) {
			client_put(cl, frame, (size_t)n);
			free(frame);
		}
		free(text);
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, cl, sse_free);
	if (!r) {
		free(cl->buf);
		free(cl);
		return MHD_NO;
	}
	cl->next = w.clients;
	w.clients = cl;
	if (w.nclients++ == 0)
		beat_fired(NULL);
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* A beat each second while a page listens, so a page that hears nothing
 * for 3 s knows it is cut off. While the show counts, the beat rides on
 * the wake-ups the display needs anyway. */
static void send_beat(void)
{
	char data[64];

	snprintf(data, sizeof(data), "{\"now_ms\":%lld}", (long long)time_now().wall);
	broadcast("beat", data);
}

static void beat_fired(void *data)
{
	(void)data;
	if (!w.nclients)
		return;
	if (time_mono_ms() - w.last_sent_mono >= WEB_BEAT_MS - 50)
		send_beat();
	loop_timer_arm(w.beat, w.last_sent_mono + WEB_BEAT_MS);
}

/* Every snapshot the outputs got: a change a person would see goes to
 * every page, once, as one JSON text. */
static void web_viewed(const struct show_view *v)
{
	cJSON *o;
	char *text, *sig;

	if (!w.nclients)
		return;
	o = view_json(v);
	sig = view_signature(o, v);
	if (sig && w.signature && strcmp(sig, w.signature) == 0) {
		free(sig);
		cJSON_Delete(o);
		if (time_mono_ms() - w.last_sent_mono >= WEB_BEAT_MS - 50)
			send_beat();
		return;
	}
	free(w.signature);
	w.signature = sig;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text)
		broadcast("view", text);
	free(text);
}

/* --- commands --- */

/* Equal in time independent of where they differ. */
static bool token_equal(const char *given, const char *want)
{
	size_t a = strlen(given), b = strlen(want);
	unsigned char diff = (unsigned char)(a != b);

	for (size_t i = 0; i < WEB_TOKEN_MAX; i++)
		diff |= (unsigned char)((i < a ? given[i] : 0) ^ (i < b ? want[i] : 0));
	return diff == 0;
}

static void client_address(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	str_copy(buf, "?", len);
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)len);
}

static struct token_fail *fails_of(const char *addr, bool create)
{
	struct token_fail *oldest = &w.fails[0];
	int64_t now = time_mono_ms();

	for (int i = 0; i < WEB_FAILS_TRACKED; i++) {
		if (strcmp(w.fails[i].addr, addr) == 0) {
			if (now - w.fails[i].window_start > 60000) {
				w.fails[i].count = 0;
				w.fails[i].window_start = now;
			}
			return &w.fails[i];
		}
		if (w.fails[i].window_start < oldest->window_start)
			oldest = &w.fails[i];
	}
	if (!create)
		return NULL;
	str_copy(oldest->addr, addr, sizeof(oldest->addr));
	oldest->count = 0;
	oldest->window_start = now;
	return oldest;
}

/* Wrong tokens from every address together: past this in a minute only
 * the addresses the right token came from lately are heard, so guessing
 * from many addresses is as slow as from one, and the operator's phone
 * still gets in. */
#define WEB_FAILS_GLOBAL 30
#define WEB_TRUSTED_MS (12LL * 3600 * 1000)

static bool trusted_address(const char *addr, int64_t now)
{
	for (int i = 0; i < WEB_TRUSTED; i++)
		if (strcmp(w.trusted[i].addr, addr) == 0 && now - w.trusted[i].at < WEB_TRUSTED_MS)
			return true;
	return false;
}

static void trust_address(const char *addr, int64_t now)
{
	int slot = 0;

	for (int i = 0; i < WEB_TRUSTED; i++) {
		if (strcmp(w.trusted[i].addr, addr) == 0) {
			slot = i;
			break;
		}
		if (w.trusted[i].at < w.trusted[slot].at)
			slot = i;
	}
	str_copy(w.trusted[slot].addr, addr, sizeof(w.trusted[slot].addr));
	w.trusted[slot].at = now;
}

/* 0 allowed; else the HTTP status that refuses it. A request without a
 * token is not a guess (a page open on the phone, a link followed): it is
 * refused, not counted. */
static unsigned check_token(struct MHD_Connection *c, const char *addr)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	struct token_fail *f = fails_of(addr, false);
	int64_t now = time_mono_ms();

	if (!*w.token)
		return MHD_HTTP_FORBIDDEN;
	if (!auth || !*auth)
		return MHD_HTTP_UNAUTHORIZED;
	if (f && f->count >= WEB_FAILS_ALLOWED)
		return MHD_HTTP_TOO_MANY_REQUESTS;
	if (now - w.global_window > 60000) {
		w.global_window = now;
		w.global_fails = 0;
	}
	if (w.global_fails >= WEB_FAILS_GLOBAL && !trusted_address(addr, now))
		return MHD_HTTP_TOO_MANY_REQUESTS;
	if (strncmp(auth, "Bearer ", 7) == 0 && token_equal(auth + 7, w.token)) {
		trust_address(addr, now);
		return 0;
	}
	f = fails_of(addr, true);
	f->count++;
	if (++w.global_fails == WEB_FAILS_GLOBAL)
		log_warnx("web: %d wrong ops tokens within a minute from several addresses: until the minute "
			  "ends only addresses the right token came from are heard", WEB_FAILS_GLOBAL);
	/* Logged, but a flood of wrong tokens makes one line per 10 s. */
	w.fails_unlogged++;
	if (now - w.fail_logged_mono >= 10000) {
		log_warnx("web: %d wrong ops token%s (last from %s)", w.fails_unlogged,
			  w.fails_unlogged == 1 ? "" : "s", addr);
		w.fail_logged_mono = now;
		w.fails_unlogged = 0;
	}
	return MHD_HTTP_UNAUTHORIZED;
}

/* A page of another site may make the operator's browser send a request
 * here (a form, a fetch): its Origin (or Sec-Fetch-Site) says so, and it
 * is refused before anything else, token or not. */
static bool cross_site(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *p;

	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return true;
	if (!origin)
		return false;	/* curl, onair's own tools, an old browser's GET */
	p = strstr(origin, "://");
	return !p || !host || strcmp(p + 3, host) != 0;
}

static MHD_RESULT count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct { const char *name; int n; } *want = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, want->name) == 0)
		want->n++;
	return MHD_YES;
}

/* Shapes a proxy and this server could read two ways are refused: two
 * Content-Length headers, Content-Length beside Transfer-Encoding, no Host
 * (HTTP/1.1 requires one). NULL when the request is plain. */
static const char *ambiguous(struct MHD_Connection *c, const char *version)
{
	struct { const char *name; int n; } length = { "Content-Length", 0 }, chunked = { "Transfer-Encoding", 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &length);
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &chunked);
	if (length.n > 1)
		return "two Content-Length headers";
	if (length.n && chunked.n)
		return "Content-Length and Transfer-Encoding together";
	if (strcmp(version, "HTTP/1.0") != 0 && !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"))
		return "no Host header";
	return NULL;
}

static void command_durable(void *data, bool recorded)
{
	struct web_wait *wait = data, **p;

	for (p = &w.waits; *p; p = &(*p)->next)
		if (*p == wait) {
			*p = wait->next;
			break;
		}
	if (wait->req) {
		wait->req->phase = REQ_DURABLE;
		wait->req->recorded = recorded;
		MHD_resume_connection(wait->conn);
		web_kick();
	}
	free(wait);
}

static MHD_RESULT post_cmd(struct MHD_Connection *c, struct request *req, bool anchor_tap)
{
	char addr[INET6_ADDRSTRLEN], who[96], err[256];
	struct show_cmd cmd;
	struct web_wait *wait;
	unsigned refused;
	const char *failed;
	cJSON *o;

	client_address(c, addr, sizeof(addr));
	if (req->too_big)
		return reply_error(c, 413, "a command is at most 1024 bytes");
	if (anchor_tap) {
		if (!running.conf->web.anchor_ack)
			return reply_error(c, MHD_HTTP_FORBIDDEN, "acknowledging by a tap is off (web.anchor_ack)");
		cmd = (struct show_cmd){ .kind = SHOW_CMD_ACK, .source = SHOW_SRC_WEB };
		snprintf(who, sizeof(who), "anchor view %s", addr);
	} else {
		if ((refused = check_token(c, addr)))
			return reply_error(c, refused, refused == MHD_HTTP_FORBIDDEN
				? "the ops page may only look: no web.token_file is set"
				: refused == MHD_HTTP_TOO_MANY_REQUESTS
				? "too many wrong tokens from this address: wait a minute"
				: "wrong or missing token (Authorization: Bearer TOKEN)");
		if (web_parse_command(req->body, req->len, &cmd, err, sizeof(err)) < 0)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, err);
		snprintf(who, sizeof(who), "ops page %s", addr);
	}
	failed = running_command(&cmd, who, err, sizeof(err));
	if (failed)
		return reply_error(c, MHD_HTTP_CONFLICT, failed);
	if (!(wait = calloc(1, sizeof(*wait)))) {
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", 1);
		return reply_json(c, MHD_HTTP_OK, o);
	}
	wait->conn = c;
	wait->req = req;
	wait->next = w.waits;
	w.waits = wait;
	req->phase = REQ_WAITING;
	MHD_suspend_connection(c);
	store_when_durable(store_last(), command_durable, wait);
	return MHD_YES;
}

/* The answer to a command once it is on disk (or the disk failed). */
static MHD_RESULT command_answer(struct MHD_Connection *c, const struct request *req)
{
	cJSON *o;

	if (req->phase == REQ_STOPPING)
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "onaird is stopping: see its status");
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	if (!req->recorded) {
		cJSON_AddBoolToObject(o, "recorded", 0);
		json_add_text(o, "warning", "applied, but not recorded: the box cannot write its show log "
			      "(see its status)");
	}
	return reply_json(c, MHD_HTTP_OK, o);
}

int web_parse_command(const char *body, size_t len, struct show_cmd *cmd, char *err, size_t errlen)
{
	char line[WEB_BODY_MAX + 1];

	if (len > WEB_BODY_MAX) {
		snprintf(err, errlen, "a command is at most %d bytes", WEB_BODY_MAX);
		return -1;
	}
	/* A form's or a terminal's line ending is not part of the command. */
	while (len && (body[len - 1] == '\n' || body[len - 1] == '\r'))
		len--;
	if (memchr(body, '\0', len)) {
		snprintf(err, errlen, "a NUL byte in the command");
		return -1;
	}
	memcpy(line, body, len);
	line[len] = '\0';
	return cmd_parse_show(line, SHOW_SRC_WEB, cmd, err, errlen);
}

/* --- pages --- */

static MHD_RESULT page(struct MHD_Connection *c, const char *file, const char *type)
{
	char path[PATH_MAX], *text;
	size_t len;
	MHD_RESULT rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", running.conf->web.root, file) >= sizeof(path) ||
	    !(text = file_read(path, WEB_PAGE_MAX, &len))) {
		log_warnx("web: cannot read %s (web.root)", path);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the page folder (web.root) is missing a file");
	}
	rc = reply(c, MHD_HTTP_OK, type, text, len);
	free(text);
	return rc;
}

enum route_kind { ROUTE_PAGE, ROUTE_VIEW, ROUTE_EVENTS, ROUTE_CMD, ROUTE_ACK, ROUTE_METRICS, ROUTE_FLOOR };

static const struct route {
	const char *method, *path;
	enum route_kind kind;
	const char *file, *type;
} routes[] = {
	{ "GET", "/", ROUTE_PAGE, "anchor.html", "text/html; charset=utf-8" },
	{ "GET", "/ops", ROUTE_PAGE, "ops.html", "text/html; charset=utf-8" },
	{ "GET", "/onair.css", ROUTE_PAGE, "onair.css", "text/css; charset=utf-8" },
	{ "GET", "/onair.js", ROUTE_PAGE, "onair.js", "text/javascript; charset=utf-8" },
	{ "GET", "/anchor.js", ROUTE_PAGE, "anchor.js", "text/javascript; charset=utf-8" },
	{ "GET", "/ops.js", ROUTE_PAGE, "ops.js", "text/javascript; charset=utf-8" },
	{ "GET", "/floor", ROUTE_PAGE, "floor.html", "text/html; charset=utf-8" },
	{ "GET", "/floor.js", ROUTE_PAGE, "floor.js", "text/javascript; charset=utf-8" },
	{ "GET", "/floor.json", ROUTE_FLOOR, NULL, NULL },
	{ "GET", "/view.json", ROUTE_VIEW, NULL, NULL },
	{ "GET", "/events", ROUTE_EVENTS, NULL, NULL },
	/* Read-only, like the view: what a Prometheus on the studio's network scrapes. */
	{ "GET", "/metrics", ROUTE_METRICS, NULL, NULL },
	{ "POST", "/cmd", ROUTE_CMD, NULL, NULL },
	{ "POST", "/ack", ROUTE_ACK, NULL, NULL },
};

static MHD_RESULT handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			 const char *version, const char *upload, size_t *upload_size, void **state)
{
	const struct route *route = NULL;
	bool path_known = false;
	struct request *req = *state;
	struct show_view v;

	(void)cls;
	(void)upload;
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++)
		if (strcmp(routes[i].path, url) == 0) {
			path_known = true;
			if (strcmp(routes[i].method, method) == 0)
				route = &routes[i];
		}
	if (!req) {
		const char *why = ambiguous(c, version);

		if (why)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, why);
	}
	/* Whole, unless a command's body is still coming. */
	if (!(route && (route->kind == ROUTE_CMD || route->kind == ROUTE_ACK) &&
	      (!req || (req->phase == REQ_BODY && *upload_size))))
		conn_whole(c);
	if (!route && !req)
		return path_known ? reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed")
				  : reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	if (!req && strcmp(method, "POST") == 0 && cross_site(c))
		return reply_error(c, MHD_HTTP_FORBIDDEN, "a request from another site's page is refused");
	if (route->kind == ROUTE_CMD || route->kind == ROUTE_ACK) {
		/* The body comes in pieces: gather it, then act once. */
		if (!req) {
			if (!(req = calloc(1, sizeof(*req))))
				return MHD_NO;
			*state = req;
			return MHD_YES;
		}
		if (req->phase != REQ_BODY)
			return command_answer(c, req);
		if (*upload_size) {
			if (req->len + *upload_size > WEB_BODY_MAX)
				req->too_big = true;
			else
				memcpy(req->body + req->len, upload, *upload_size), req->len += *upload_size;
			*upload_size = 0;
			return MHD_YES;
		}
		return post_cmd(c, req, route->kind == ROUTE_ACK);
	}
	switch (route->kind) {
	case ROUTE_PAGE:
		return page(c, route->file, route->type);
	case ROUTE_VIEW: {
		cJSON *o, *segs;

		running_view_at(time_now(), &v);
		o = view_json(&v);
		/* The whole rundown for the ops page, once: not on every change. */
		segs = cJSON_AddArrayToObject(o, "rundown");
		for (int i = 0; i < running.conf->rundown.count; i++) {
			const struct rundown_segment *sg = &running.conf->rundown.seg[i];
			cJSON *seg = cJSON_CreateObject();

			json_add_text(seg, "title", sg->title);
			json_add_text(seg, "kind", sg->kind);
			cJSON_AddNumberToObject(seg, "planned_ms", (double)sg->planned_ms);
			cJSON_AddItemToArray(segs, seg);
		}
		return reply_json(c, MHD_HTTP_OK, o);
	}
	case ROUTE_EVENTS:
		return events(c);
	case ROUTE_FLOOR:
		return reply_json(c, MHD_HTTP_OK, floor_json());
	case ROUTE_METRICS: {
		size_t len;
		cJSON *status = w.status ? w.status() : NULL;
		char *text = metrics_text(status, &len);
		MHD_RESULT rc;

		cJSON_Delete(status);

		if (!text)
			return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		rc = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len);
		free(text);
		return rc;
	}
	default:
		return MHD_NO;
	}
}

static void request_done(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode code)
{
	struct web_conn *wc = conn_of(c);

	(void)cls;
	(void)code;
	/* A kept-alive connection's next request has the same deadline. */
	if (wc && code == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		conn_arriving(wc, time_mono_ms());
	free(*state);
	*state = NULL;
}

/* --- connections --- */

static struct web_conn *conn_of(struct MHD_Connection *c)
{
	for (int i = 0; i < w.nconns; i++)
		if (w.conns[i].conn == c)
			return &w.conns[i];
	return NULL;
}

static void deadline_arm(void)
{
	int64_t first = NEVER;

	for (int i = 0; i < w.nconns; i++)
		if (w.conns[i].arriving_since && w.conns[i].arriving_since + WEB_REQUEST_MS < first)
			first = w.conns[i].arriving_since + WEB_REQUEST_MS;
	if (w.deadline)
		loop_timer_arm(w.deadline, first);
}

static void conn_arriving(struct web_conn *wc, int64_t now)
{
	wc->arriving_since = now;
	deadline_arm();
}

static void conn_whole(struct MHD_Connection *c)
{
	struct web_conn *wc = conn_of(c);

	if (wc)
		wc->arriving_since = 0;
}

/* Closed under MHD: its next run sees the end of the socket and frees the
 * connection (and says so through connection_notified). */
static void conn_close(struct web_conn *wc)
{
	shutdown(wc->fd, SHUT_RDWR);
	wc->arriving_since = 0;
}

static void connection_notified(void *cls, struct MHD_Connection *c, void **socket_context,
				enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *info;
	int64_t now = time_mono_ms();

	(void)cls;
	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct web_conn *wc = conn_of(c);

		if (wc)
			*wc = w.conns[--w.nconns];
		return;
	}
	if (w.nconns == WEB_CONNECTIONS || !(info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)))
		return;	/* MHD's own limit keeps the table's size */
	w.conns[w.nconns++] = (struct web_conn){ .conn = c, .fd = info->connect_fd, .arriving_since = now };
	if (w.nconns > WEB_ROOM_AT) {
		struct web_conn *slowest = NULL;

		for (int i = 0; i < w.nconns - 1; i++)
			if (w.conns[i].arriving_since &&
			    (!slowest || w.conns[i].arriving_since < slowest->arriving_since))
				slowest = &w.conns[i];
		if (slowest) {
			conn_close(slowest);
			w.closed_for_room++;
		}
	}
	deadline_arm();
}

static void deadline_passed(void *data)
{
	int64_t now = time_mono_ms();
	unsigned long before = w.closed_slow;

	(void)data;
	for (int i = 0; i < w.nconns; i++)
		if (w.conns[i].arriving_since && now - w.conns[i].arriving_since >= WEB_REQUEST_MS) {
			conn_close(&w.conns[i]);
			w.closed_slow++;
		}
	if (w.closed_slow != before)
		log_debug("web: %lu request(s) not whole within %d s closed", w.closed_slow - before,
			  WEB_REQUEST_MS / 1000);
	deadline_arm();
	web_kick();
}

/* --- the loop --- */

static void web_run(void)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	w.in_mhd = true;
	MHD_run(w.mhd);
	w.in_mhd = false;
	if (MHD_get_timeout(w.mhd, &timeout) == MHD_YES)
		loop_timer_arm(w.timer, time_mono_ms() + (int64_t)timeout);
	else
		loop_timer_arm(w.timer, NEVER);
}

static void web_ready(int fd, uint32_t events, void *data)
{
	(void)fd;
	(void)events;
	(void)data;
	web_run();
}

static void web_timer(void *data)
{
	(void)data;
	web_run();
}

/* Resumed connections are served on MHD's next run: now, unless this is
 * one of MHD's own callbacks (a command from the ops page), then at once
 * after it, without a wake-up of its own. */
static void web_kick(void)
{
	if (w.in_mhd)
		loop_timer_arm(w.timer, time_mono_ms());
	else
		web_run();
}

static int read_token(const char *path)
{
	char why[PATH_MAX + 96], warn[PATH_MAX + 96], *text;

	w.token[0] = '\0';
	if (!*path)
		return 0;
	if (!(text = secret_load(path, WEB_TOKEN_MIN, sizeof(w.token), why, sizeof(why), warn, sizeof(warn)))) {
		log_warnx("web: token_file: %s; the ops page may only look", why);
		return -1;
	}
	if (*warn)
		log_warnx("web: %s", warn);
	str_copy(w.token, text, sizeof(w.token));
	explicit_bzero(text, strlen(text));
	free(text);
	return 0;
}

/* A reload re-reads the token (a changed or revoked one takes effect at
 * once); where the server listens changes at the next start. */
static void web_reloaded(struct onair_time now)
{
	char before[WEB_TOKEN_MAX];

	(void)now;
	str_copy(before, w.token, sizeof(before));
	read_token(running.conf->web.token_file);
	if (strcmp(before, w.token) != 0)
		log_info("reload: web: the ops token %s", !*w.token ? "is gone: the ops page may only look"
							 : *before ? "changed" : "is set");
	if (strcmp(w.listen, running.conf->web.listen) != 0)
		log_warnx("reload: web.listen takes effect at the next start (still %s)", w.listen);
	explicit_bzero(before, sizeof(before));
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("web: %s", msg);
}

static void web_check(struct selftest *t)
{
	if (!*running.conf->web.listen)
		return;
	if (w.mhd)
		selftest_add(t, "web", SELFTEST_PASS, "", "the anchor view on http://%s/", w.listen);
	else
		selftest_add(t, "web", SELFTEST_FAIL, "free the port or set web.listen to a free one, then restart onaird",
			     "not serving: %s", *w.failed ? w.failed : "web.listen is not in effect");
}

int web_init(web_status_fn status)
{
	const struct conf *c = running.conf;
	char host[128], port[8];
	int port_number;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *ai;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	int rc;

	w.status = status;
	checkrun_add_check(web_check);
	if (!*c->web.listen)
		return 0;
	if (!hostport_parse(c->web.listen, host, sizeof(host), &port_number))
		return -1;	/* refused by the config's check already */
	snprintf(port, sizeof(port), "%d", port_number);
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(w.failed, sizeof(w.failed), "listen %s: %s", c->web.listen, gai_strerror(rc));
		log_warnx("web: %s: the anchor view and the ops page are NOT served", w.failed);
		return -1;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	read_token(c->web.token_file);
	w.mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
				 MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				 MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
				 MHD_OPTION_NOTIFY_CONNECTION, connection_notified, NULL,
				 /* A phone, a tablet, a TV, dashboards: plenty; a flood is cut. */
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONNECTIONS,
				 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_PER_ADDRESS,
				 /* silence; a request that trickles meets the deadline above */
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(WEB_REQUEST_MS / 1000),
				 /* each connection's memory; headers over it are refused (431) */
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
				 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				 MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!w.mhd) {
		int e = errno;

		snprintf(w.failed, sizeof(w.failed), "cannot listen on %s: %s%s", c->web.listen, strerror(e),
			 e == EADDRINUSE ? " (another program has the port: ss -ltnp shows which; set web.listen "
					   "to a free one)" : "");
		log_warnx("web: %s: the anchor view and the ops page are NOT served", w.failed);
		return -1;
	}
	info = MHD_get_daemon_info(w.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	w.watch = loop_watch_add(info->epoll_fd, EPOLLIN, web_ready, NULL);
	w.timer = loop_timer_add(web_timer, NULL);
	w.beat = loop_timer_add(beat_fired, NULL);
	w.deadline = loop_timer_add(deadline_passed, NULL);
	running_set_viewed(web_viewed);
	running_observe(RUNNING_RELOADED, web_reloaded);
	str_copy(w.listen, c->web.listen, sizeof(w.listen));
	log_info("web: the anchor view on http://%s/ and the ops page on /ops%s", c->web.listen,
		 *w.token ? "" : " (look only: no token)");
	web_run();
	return 0;
}

void web_fini(void)
{
	if (!w.mhd)
		return;
	running_set_viewed(NULL);
	running_unobserve(RUNNING_RELOADED, web_reloaded);
	/* Commands still waiting for the disk are told the daemon stops; the
	 * storage's callback, which comes later, finds nobody waiting. */
	for (struct web_wait *wait = w.waits; wait; wait = wait->next)
		if (wait->req) {
			wait->req->phase = REQ_STOPPING;
			wait->req = NULL;
			MHD_resume_connection(wait->conn);
		}
	for (struct sse_client *cl = w.clients; cl; cl = cl->next) {
		cl->dropped = true;
		if (cl->suspended) {
			cl->suspended = false;
			MHD_resume_connection(cl->conn);
		}
	}
	MHD_run(w.mhd);
	/* Stopping frees the event streams (sse_free) before the timers go. */
	MHD_stop_daemon(w.mhd);
	w.mhd = NULL;
	free(w.signature);
	w.signature = NULL;
	loop_watch_remove(w.watch);
	loop_timer_remove(w.timer);
	loop_timer_remove(w.beat);
	loop_timer_remove(w.deadline);
	w.beat = w.timer = w.deadline = NULL;
	w.nconns = 0;
}

void web_status_json(cJSON *o)
{
	const char *listen = w.mhd ? w.listen : running.conf->web.listen;
	cJSON *j;

	if (!*listen)
		return;
	j = cJSON_AddObjectToObject(o, "web");
	json_add_text(j, "listen", listen);
	cJSON_AddBoolToObject(j, "serving", w.mhd != NULL);
	if (!w.mhd && *w.failed)
		json_add_text(j, "error", w.failed);
	cJSON_AddBoolToObject(j, "ops_token", *w.token != '\0');
	if (w.mhd) {
		cJSON_AddNumberToObject(j, "connections", w.nconns);
		cJSON_AddNumberToObject(j, "closed_slow", (double)w.closed_slow);
		cJSON_AddNumberToObject(j, "closed_for_room", (double)w.closed_for_room);
	}
}


int web_root_complete(const char *root, char *why, size_t whylen)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		if (!routes[i].file)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, routes[i].file);
		if (access(path, R_OK) < 0) {
			snprintf(why, whylen, "web.root %s has no %s (%s): the pages would answer 500", root,
				 routes[i].file, strerror(errno));
			return -1;
		}
	}
	return 0;
}
