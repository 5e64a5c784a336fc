/* A floor's alerts (see alerts.h). Each second the floor's tiles say what
 * troubles each room has; an alert is one room's one rule. It fires when
 * it has stood its rule's time, once; it is escalated once when it stands
 * on; it is resolved when it has been gone alerts' resolve time. Alerts are
 * kept by room and rule, not by message, so a state the bridge or the
 * central broker hands out again changes nothing that was already said.
 * All the alerts of one kind that a second brings are one message per
 * robot: a base whose network fails is one message, not fifty, and stays
 * under the robots' 20 messages a minute. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "../../core/alertrule.h"
#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/webhook.h"
#include "../../core/util.h"
#include "alerts.h"
#include "floor.h"
#include "../show/running.h"
#include "../../core/version.h"

#define TICK_MS 1000
#define ALERTS_MAX 512
#define QUEUE_MAX 32
#define BACKOFF_MIN_MS 2000
#define BACKOFF_MAX_MS 300000
#define GIVE_UP_MS 3600000	/* a message an hour old is news no more */
#define REQUEST_MS 10000
#define ANSWER_MAX 4096

struct alert {
	char room[64];
	int rule;
	int64_t seen_mono, seen_wall;	/* standing since */
	int64_t gone_mono;		/* cleared at; 0 while standing */
	int64_t fired_mono;
	bool fired, escalated, present;
	char title[96];			/* the room's segment when it fired */
};

enum event { EV_FIRE, EV_ESCALATE, EV_RESOLVE, EVENTS };

struct message {
	char *text;
	char *detail;			/* the plain webhook's alerts, JSON */
	bool mention_all;
	int64_t made_mono;
	int attempts;
};

struct sink {
	struct alert_conf conf;		/* its own copy: a reload frees the config */
	char *url, *secret;		/* read from their files; NULL when they cannot be */
	char load_error[256];
	struct message queue[QUEUE_MAX];
	int head, count;
	CURL *easy;			/* the delivery in flight, NULL when none */
	struct curl_slist *headers;
	char *body;
	char answer[ANSWER_MAX + 1];
	size_t answer_len;
	int64_t next_try_mono, backoff_ms;
	uint64_t sent, refused, dropped, retries;
	char last_error[256];
	int64_t last_sent_wall;
};

static struct {
	bool on;
	struct alert alert[ALERTS_MAX];
	int n;
	bool full_said;
	struct sink *sink[CONF_MAX_ALERTS];
	int nsinks;
	CURLM *multi;			/* NULL until libcurl is loaded */
	char load_error[200];
	struct loop_timer *tick, *curl_timer;
	uint64_t fired, resolved, escalated;
} a;

/* libcurl, loaded when a floor first has a robot to send to. Linked
 * directly it would bring OpenSSL, nghttp2, ssh and LDAP libraries into
 * every box (a standalone box went from 6.4 to 9.8 MiB resident): as
 * libmosquitto is (mosq.h), it is loaded only where it is used. */
#define CURL_LIBRARY "libcurl.so.4"
#define CURL_FUNCTIONS                                                                           \
	F(global_init) F(global_cleanup) F(multi_init) F(multi_cleanup) F(multi_setopt)        \
	F(multi_socket_action) F(multi_info_read) F(multi_add_handle) F(multi_remove_handle)   \
	F(multi_assign) F(easy_init) F(easy_cleanup) F(easy_setopt) F(easy_getinfo)            \
	F(easy_strerror) F(slist_append) F(slist_free_all)

static struct {
#define F(name) __typeof__(curl_##name) *name;
	CURL_FUNCTIONS
#undef F
} curl;

static int curl_load(char *err, size_t errlen)
{
	static void *lib;
	const char *missing = NULL;

	if (lib)
		return 0;
	if (!(lib = dlopen(CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, errlen, "cannot load %s (package libcurl4t64, libcurl4 before Debian 13): %s",
			 CURL_LIBRARY, dlerror());
		return -1;
	}
#define F(name)                                                                  \
	if (!(*(void **)&curl.name = dlsym(lib, "curl_" #name)) && !missing)    \
		missing = "curl_" #name;
	CURL_FUNCTIONS
#undef F
	if (missing) {
		snprintf(err, errlen, "%s has no %s: too old", CURL_LIBRARY, missing);
		dlclose(lib);
		lib = NULL;
		return -1;
	}
	return 0;
}

static bool curl_ready(void);

/* ---- delivery ---- */

static void sink_error(struct sink *s, const char *why)
{
	if (strcmp(s->last_error, why) != 0)
		log_warnx("alert %s: %s", s->conf.name, why);
	str_copy(s->last_error, why, sizeof(s->last_error));
}

static void message_free(struct message *m)
{
	free(m->text);
	free(m->detail);
	memset(m, 0, sizeof(*m));
}

static void queue_pop(struct sink *s)
{
	message_free(&s->queue[s->head]);
	s->head = (s->head + 1) % QUEUE_MAX;
	s->count--;
}

static void queue_push(struct sink *s, char *text, char *detail, bool mention_all)
{
	struct message *m;

	if (s->count == QUEUE_MAX) {
		/* The oldest not in flight is dropped, never the newest: a
		 * resolve that follows says what matters now. */
		int first = s->easy ? 1 : 0;

		s->dropped++;
		sink_error(s, "too many messages waiting: the oldest not yet sent was dropped");
		message_free(&s->queue[(s->head + first) % QUEUE_MAX]);
		for (int k = first; k < s->count - 1; k++)
			s->queue[(s->head + k) % QUEUE_MAX] = s->queue[(s->head + k + 1) % QUEUE_MAX];
		memset(&s->queue[(s->head + s->count - 1) % QUEUE_MAX], 0, sizeof(struct message));
		s->count--;
	}
	m = &s->queue[(s->head + s->count) % QUEUE_MAX];
	*m = (struct message){ .text = text, .detail = detail, .mention_all = mention_all,
			       .made_mono = time_mono_ms() };
	s->count++;
}

static size_t on_answer(char *data, size_t size, size_t n, void *user)
{
	struct sink *s = user;
	size_t len = size * n, room = ANSWER_MAX - s->answer_len;

	memcpy(s->answer + s->answer_len, data, len < room ? len : room);
	s->answer_len += len < room ? len : room;
	return len;
}

static void request_end(struct sink *s)
{
	if (s->easy) {
		curl.multi_remove_handle(a.multi, s->easy);
		curl.easy_cleanup(s->easy);
	}
	if (s->headers)
		curl.slist_free_all(s->headers);
	free(s->body);
	s->easy = NULL;
	s->headers = NULL;
	s->body = NULL;
}

static void try_send(struct sink *s, int64_t now)
{
	struct message *m;
	struct onair_time t = time_now();
	char url[4096];

	if (s->easy || !s->count || now < s->next_try_mono)
		return;
	if (!curl_ready()) {
		str_copy(s->last_error, a.load_error, sizeof(s->last_error));
		return;
	}
	m = &s->queue[s->head];
	if (now - m->made_mono > GIVE_UP_MS) {
		s->dropped++;
		sink_error(s, "a message could not be sent for an hour and was dropped");
		queue_pop(s);
		try_send(s, now);
		return;
	}
	if (!s->url)
		return;
	/* Signed at each try: the services refuse a signature an hour old. */
	{
		cJSON *detail = s->conf.kind == WEBHOOK_JSON && m->detail ? cJSON_Parse(m->detail) : NULL;
		const char *secret = s->secret ? s->secret : "";

		if (webhook_url(s->conf.kind, s->url, secret, t.wall, url, sizeof(url)))
			s->body = webhook_body(s->conf.kind, m->text, m->mention_all, detail, secret, t.wall);
		cJSON_Delete(detail);
	}
	if (!s->body) {
		sink_error(s, "the message could not be made (address too long or no memory)");
		s->dropped++;
		queue_pop(s);
		return;
	}
	s->answer_len = 0;
	s->easy = curl.easy_init();
	s->headers = curl.slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	if (!s->easy || !s->headers) {
		request_end(s);
		return;
	}
	curl.easy_setopt(s->easy, CURLOPT_URL, url);
	curl.easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(s->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl.easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (long)REQUEST_MS);
	curl.easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)REQUEST_MS / 2);
	curl.easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl.easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	curl.easy_setopt(s->easy, CURLOPT_USERAGENT, "onaird/" ONAIR_VERSION);
	curl.easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_answer);
	curl.easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl.easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	m->attempts++;
	if (curl.multi_add_handle(a.multi, s->easy) != CURLM_OK)
		request_end(s);
}

static void request_done(struct sink *s, CURLcode result)
{
	long status = 0;
	char why[300];
	enum webhook_verdict v;

	if (result == CURLE_OK)
		curl.easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	v = webhook_answer(s->conf.kind, status, s->answer, s->answer_len, why, sizeof(why));
	if (result != CURLE_OK)
		snprintf(why, sizeof(why), "%s", curl.easy_strerror(result));
	request_end(s);
	if (v == WEBHOOK_DELIVERED) {
		s->sent++;
		s->backoff_ms = 0;
		s->last_sent_wall = time_now().wall;
		if (*s->last_error)
			log_info("alert %s: delivered again", s->conf.name);
		s->last_error[0] = '\0';
		queue_pop(s);
	} else if (v == WEBHOOK_REFUSED) {
		char said[300];

		s->refused++;
		snprintf(said, sizeof(said), "refused for good: %s", why);
		sink_error(s, said);
		queue_pop(s);
	} else {
		char said[340];

		s->retries++;
		s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (s->backoff_ms > BACKOFF_MAX_MS)
			s->backoff_ms = BACKOFF_MAX_MS;
		s->next_try_mono = time_mono_ms() + s->backoff_ms;
		snprintf(said, sizeof(said), "%s: trying again in %lld s", why, (long long)s->backoff_ms / 1000);
		sink_error(s, said);
	}
}

static void curl_progress(void)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl.multi_info_read(a.multi, &left)))
		if (msg->msg == CURLMSG_DONE) {
			struct sink *s = NULL;

			curl.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			if (s)
				request_done(s, msg->data.result);
		}
	/* The next waiting message goes now; one in backoff at a tick. */
	for (int i = 0; i < a.nsinks; i++)
		try_send(a.sink[i], time_mono_ms());
}

static void on_curl_fd(int fd, uint32_t events, void *data)
{
	int running_handles, flags = 0;

	(void)data;
	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl.multi_socket_action(a.multi, fd, flags, &running_handles);
	curl_progress();
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *user, void *socketp)
{
	struct loop_watch *w = socketp;
	uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);

	(void)easy;
	(void)user;
	if (what == CURL_POLL_REMOVE) {
		if (w)
			loop_watch_remove(w);
		curl.multi_assign(a.multi, fd, NULL);
	} else if (!w) {
		w = loop_watch_add(fd, events, on_curl_fd, NULL);
		curl.multi_assign(a.multi, fd, w);
	} else {
		loop_watch_modify(w, events);
	}
	return 0;
}

static int on_curl_timeout(CURLM *multi, long timeout_ms, void *user)
{
	(void)multi;
	(void)user;
	loop_timer_arm(a.curl_timer, timeout_ms < 0 ? NEVER : time_mono_ms() + timeout_ms);
	return 0;
}

static void curl_timer_fired(void *data)
{
	int running_handles;

	(void)data;
	curl.multi_socket_action(a.multi, CURL_SOCKET_TIMEOUT, 0, &running_handles);
	curl_progress();
}

/* libcurl and its multi handle, the first time a robot has something
 * to send; a box without libcurl judges and shows alerts all the same. */
static bool curl_ready(void)
{
	char err[sizeof(a.load_error)];

	if (a.multi)
		return true;
	if (curl_load(err, sizeof(err)) < 0) {
		if (!*a.load_error)
			log_warnx("alerts: %s: nothing is sent to the robots", err);
		str_copy(a.load_error, err, sizeof(a.load_error));
		return false;
	}
	curl.global_init(CURL_GLOBAL_DEFAULT);
	if (!(a.multi = curl.multi_init())) {
		str_copy(a.load_error, "libcurl: cannot make a multi handle", sizeof(a.load_error));
		return false;
	}
	curl.multi_setopt(a.multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl.multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, on_curl_timeout);
	return true;
}

/* ---- the sinks, their copies, a reload ---- */

static void sink_load(struct sink *s)
{
	char warn[PATH_MAX + 96];

	free(s->url);
	free(s->secret);
	s->url = s->secret = NULL;
	s->load_error[0] = '\0';
	if (!(s->url = secret_load(s->conf.url_file, 8, 2048, s->load_error, sizeof(s->load_error), warn,
				   sizeof(warn))))
		log_warnx("alert %s: url_file: %s: nothing is sent to it", s->conf.name, s->load_error);
	else if (*warn)
		log_warnx("alert %s: url_file: %s", s->conf.name, warn);
	if (s->url && strncmp(s->url, "https://", 8) != 0 && strncmp(s->url, "http://", 7) != 0) {
		snprintf(s->load_error, sizeof(s->load_error), "%s does not hold an http:// or https:// address",
			 s->conf.url_file);
		log_warnx("alert %s: %s: nothing is sent to it", s->conf.name, s->load_error);
		free(s->url);
		s->url = NULL;
	}
	if (s->url && *s->conf.secret_file &&
	    !(s->secret = secret_load(s->conf.secret_file, 1, 4096, s->load_error, sizeof(s->load_error), warn,
				      sizeof(warn)))) {
		log_warnx("alert %s: secret_file: %s: nothing is sent to it", s->conf.name, s->load_error);
		free(s->url);
		s->url = NULL;
	} else if (s->secret && *warn) {
		log_warnx("alert %s: secret_file: %s", s->conf.name, warn);
	}
	if (*s->load_error)
		str_copy(s->last_error, s->load_error, sizeof(s->last_error));
}

static struct sink *sink_new(const struct alert_conf *c)
{
	struct sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->conf = *c;
	sink_load(s);
	return s;
}

static void sink_free(struct sink *s)
{
	if (s->count)
		log_warnx("alert %s: removed with %d messages not sent", s->conf.name, s->count);
	request_end(s);
	while (s->count)
		queue_pop(s);
	free(s->url);
	free(s->secret);
	free(s);
}

static bool same_conf(const struct alert_conf *x, const struct alert_conf *y)
{
	struct alert_conf p = *x, q = *y;

	p.line = q.line = 0;
	return memcmp(&p, &q, sizeof(p)) == 0;
}

/* A reload merges: a robot whose section is unchanged keeps its queue and
 * its delivery in flight (its files are read again: a new key takes at
 * once); a changed or new one starts afresh; a removed one is dropped.
 * The alerts themselves are the rooms', and stand across it. */
static void alerts_reloaded(struct onair_time now)
{
	const struct conf *c = running.conf;
	struct sink *next[CONF_MAX_ALERTS] = { NULL };
	int n = 0;

	(void)now;
	for (int k = 0; k < c->nalerts; k++) {
		struct sink *s = NULL;

		for (int i = 0; i < a.nsinks; i++)
			if (a.sink[i] && same_conf(&a.sink[i]->conf, &c->alert[k])) {
				s = a.sink[i];
				a.sink[i] = NULL;
				s->conf = c->alert[k];
				sink_load(s);
				break;
			}
		if (!s)
			s = sink_new(&c->alert[k]);
		if (s)
			next[n++] = s;
	}
	for (int i = 0; i < a.nsinks; i++)
		if (a.sink[i])
			sink_free(a.sink[i]);
	memcpy(a.sink, next, sizeof(next));
	a.nsinks = n;
}

/* ---- judging the rooms ---- */

static bool sink_takes(const struct sink *s, int rule)
{
	if (!s->conf.nrules)
		return true;
	for (int i = 0; i < s->conf.nrules; i++)
		if (s->conf.rule[i] == rule)
			return true;
	return false;
}

static struct alert *alert_of(const char *room, int rule, int64_t now_mono, int64_t now_wall)
{
	for (int i = 0; i < a.n; i++)
		if (a.alert[i].rule == rule && strcmp(a.alert[i].room, room) == 0)
			return &a.alert[i];
	if (a.n >= ALERTS_MAX) {
		if (!a.full_said)
			log_warnx("floor: more than %d troubles at once: later ones are not alerted", ALERTS_MAX);
		a.full_said = true;
		return NULL;
	}
	a.alert[a.n] = (struct alert){ .rule = rule, .seen_mono = now_mono, .seen_wall = now_wall };
	str_copy(a.alert[a.n].room, room, sizeof(a.alert[0].room));
	return &a.alert[a.n++];
}

static const char *text_of(const cJSON *o, const char *key)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return t ? t : "";
}

/* Does this room's trouble of this rule stand, as the alert rules count it. */
static bool counts(int rule, const cJSON *tile, int64_t now_wall)
{
	const struct conf *c = running.conf;
	const char *phase = text_of(tile, "phase");
	bool on_air = strcmp(phase, "live") == 0 || strcmp(phase, "hold") == 0 || strcmp(phase, "preroll") == 0;

	switch (alert_rule_hold(rule)) {
	case ALERT_HOLD_OVERRUN: {
		const cJSON *over = cJSON_GetObjectItemCaseSensitive(tile, "overrun_s");

		return cJSON_IsNumber(over) && over->valuedouble * 1000 >= (double)c->floor.alert_overrun_ms;
	}
	case ALERT_HOLD_SELFTEST: {
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(tile, "scheduled_start_wall");
		double from_start = cJSON_IsNumber(at) && at->valuedouble > 0 ? (double)now_wall - at->valuedouble : 1e18;

		/* A failed check matters while the room is on the air and in
		 * the quarter hour around its start. */
		return on_air || (from_start >= -(double)c->floor.alert_selftest_window_ms &&
				  from_start <= (double)c->floor.alert_selftest_window_ms);
	}
	default:
		return true;
	}
}

static int64_t hold_ms(int rule)
{
	const struct conf *c = running.conf;

	switch (alert_rule_hold(rule)) {
	case ALERT_HOLD_AFTER:
		return c->floor.alert_after_ms;
	case ALERT_HOLD_MESSAGE:
		return c->floor.alert_message_ms;
	default:
		return 0;
	}
}

static void judge_room(const cJSON *tile, int64_t now_mono, int64_t now_wall)
{
	const char *room = text_of(tile, "studio");
	const cJSON *t;
	bool unreachable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tile, "unreachable"));

	/* What a room said before it fell silent is not known to have
	 * cleared: its alerts stand until it speaks again. */
	if (unreachable)
		for (int i = 0; i < a.n; i++)
			if (strcmp(a.alert[i].room, room) == 0)
				a.alert[i].present = true;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(tile, "trouble")) {
		int rule = alert_rule_find(cJSON_GetStringValue(t) ? t->valuestring : "");
		struct alert *al;

		if (rule < 0 || !counts(rule, tile, now_wall) || !(al = alert_of(room, rule, now_mono, now_wall)))
			continue;
		if (!al->present && !al->fired)
			text_copy(al->title, text_of(tile, "title"), sizeof(al->title));
		al->present = true;
	}
}

struct batch {
	char *text;
	size_t len, cap;
	int lines, left_out;
	cJSON *detail;
	bool mention;
};

static void clock_of(int64_t wall, char *buf, size_t len)
{
	time_t secs = (time_t)(wall / 1000);
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void batch_add(struct batch *b, const struct alert *al, enum event ev, int64_t now_mono,
		      const struct sink *s)
{
	char line[512], since[16], lasted[32];
	size_t room = webhook_text_max(s->conf.kind) - 64;
	cJSON *d;

	clock_of(al->seen_wall, since, sizeof(since));
	duration_format(now_mono - al->seen_mono, lasted, sizeof(lasted));
	if (ev == EV_RESOLVE)
		snprintf(line, sizeof(line), "\n%s: %s — %s %s", al->room, alert_rule_words(al->rule),
			 "lasted", lasted);
	else
		snprintf(line, sizeof(line), "\n%s: %s%s%s — since %s", al->room, alert_rule_words(al->rule),
			 *al->title ? " · " : "", al->title, since);
	if (b->len + strlen(line) >= room) {
		b->left_out++;
	} else {
		memcpy(b->text + b->len, line, strlen(line) + 1);
		b->len += strlen(line);
	}
	b->lines++;
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "event", ev == EV_FIRE ? "alert" : ev == EV_ESCALATE ? "escalated" : "resolved");
	json_add_text(d, "room", al->room);
	cJSON_AddStringToObject(d, "rule", alert_rule_name(al->rule));
	cJSON_AddStringToObject(d, "words", alert_rule_words(al->rule));
	json_add_text(d, "title", al->title);
	cJSON_AddNumberToObject(d, "since_wall", (double)al->seen_wall);
	cJSON_AddNumberToObject(d, "standing_s", (double)(now_mono - al->seen_mono) / 1000);
	cJSON_AddItemToArray(b->detail, d);
}

static void batch_send(struct sink *s, struct batch *b, enum event ev)
{
	static const char *const heads[EVENTS] = { "【onair 告警 ALERT】", "【onair 升级 ESCALATED】",
						   "【onair 恢复 RESOLVED】" };
	char *text, *detail;
	size_t len;

	if (!b->lines) {
		cJSON_Delete(b->detail);
		return;
	}
	len = b->len + 256;
	if ((text = malloc(len))) {
		int n = snprintf(text, len, "%s%s (%d)%s", heads[ev], running.conf->studio, b->lines, b->text);

		if (b->left_out && n > 0 && (size_t)n < len)
			snprintf(text + n, len - (size_t)n, "\n… %d more on the floor page", b->left_out);
	}
	detail = cJSON_PrintUnformatted(b->detail);
	cJSON_Delete(b->detail);
	if (!text) {
		free(detail);
		return;
	}
	queue_push(s, text, detail, b->mention);
}

static void judge(void *data)
{
	struct onair_time now = time_now();
	cJSON *fl, *tile;
	bool event_seen[EVENTS] = { false };
	const struct conf *c = running.conf;

	(void)data;
	loop_timer_arm(a.tick, now.mono + TICK_MS);
	for (int i = 0; i < a.n; i++)
		a.alert[i].present = false;
	fl = floor_json();
	cJSON_ArrayForEach(tile, cJSON_GetObjectItemCaseSensitive(fl, "rooms"))
		judge_room(tile, now.mono, now.wall);
	cJSON_Delete(fl);

	/* What each alert does this second: fire, escalate, resolve, or
	 * nothing; then one message per kind per robot. */
	enum event what[ALERTS_MAX];
	bool does[ALERTS_MAX];

	for (int i = 0; i < a.n; i++) {
		struct alert *al = &a.alert[i];

		does[i] = false;
		if (al->present) {
			al->gone_mono = 0;
			if (!al->fired && now.mono - al->seen_mono >= hold_ms(al->rule)) {
				al->fired = true;
				al->fired_mono = now.mono;
				what[i] = EV_FIRE;
				does[i] = true;
				a.fired++;
				log_warnx("alert: %s: %s", al->room, alert_rule_name(al->rule));
			} else if (al->fired && !al->escalated && c->floor.alert_escalate_ms &&
				   now.mono - al->fired_mono >= c->floor.alert_escalate_ms) {
				al->escalated = true;
				what[i] = EV_ESCALATE;
				does[i] = true;
				a.escalated++;
				log_warnx("alert: %s: %s escalated", al->room, alert_rule_name(al->rule));
			}
		} else if (!al->fired) {
			al->rule = -1;		/* never said: gone at once */
		} else {
			if (!al->gone_mono)
				al->gone_mono = now.mono;
			if (now.mono - al->gone_mono >= c->floor.alert_resolve_ms) {
				what[i] = EV_RESOLVE;
				does[i] = true;
				a.resolved++;
				log_info("alert: %s: %s resolved", al->room, alert_rule_name(al->rule));
			}
		}
		if (does[i])
			event_seen[what[i]] = true;
	}
	for (int k = 0; k < a.nsinks; k++) {
		struct sink *s = a.sink[k];

		for (enum event ev = EV_FIRE; ev < EVENTS; ev++) {
			struct batch b = { .detail = cJSON_CreateArray() };

			if (!event_seen[ev] || !(b.text = calloc(1, webhook_text_max(s->conf.kind)))) {
				cJSON_Delete(b.detail);
				continue;
			}
			b.mention = strcmp(s->conf.mention, "always") == 0 ||
				    (ev == EV_ESCALATE && strcmp(s->conf.mention, "escalations") == 0);
			for (int i = 0; i < a.n; i++) {
				const struct alert *al = &a.alert[i];

				if (!does[i] || what[i] != ev || al->rule < 0 || !sink_takes(s, al->rule))
					continue;
				/* A manager's group hears of what was escalated,
				 * and of its end. */
				if (s->conf.escalations_only && (ev == EV_FIRE || (ev == EV_RESOLVE && !al->escalated)))
					continue;
				batch_add(&b, al, ev, now.mono, s);
			}
			batch_send(s, &b, ev);
			free(b.text);
		}
	}
	/* Resolved and never-said alerts leave the table. */
	{
		int j = 0;

		for (int i = 0; i < a.n; i++)
			if (a.alert[i].rule >= 0 && !(does[i] && what[i] == EV_RESOLVE))
				a.alert[j++] = a.alert[i];
		a.n = j;
	}
	for (int k = 0; k < a.nsinks; k++)
		try_send(a.sink[k], now.mono);
}

/* ---- the module ---- */

void alerts_init(void)
{
	if (running.role != NODE_FLOOR)
		return;
	a.on = true;
	a.tick = loop_timer_add(judge, NULL);
	a.curl_timer = loop_timer_add(curl_timer_fired, NULL);
	alerts_reloaded(time_now());
	running_observe(RUNNING_RELOADED, alerts_reloaded);
	loop_timer_arm(a.tick, time_mono_ms() + TICK_MS);
}

void alerts_fini(void)
{
	if (!a.on)
		return;
	running_unobserve(RUNNING_RELOADED, alerts_reloaded);
	for (int i = 0; i < a.nsinks; i++)
		sink_free(a.sink[i]);
	a.nsinks = 0;
	if (a.multi) {
		curl.multi_cleanup(a.multi);
		curl.global_cleanup();
	}
	a.multi = NULL;
	loop_timer_remove(a.tick);
	loop_timer_remove(a.curl_timer);
	a.on = false;
}

void alerts_status_json(cJSON *o)
{
	cJSON *j, *active, *sinks;

	if (!a.on)
		return;
	j = cJSON_AddObjectToObject(o, "alerts");
	cJSON_AddNumberToObject(j, "fired", (double)a.fired);
	cJSON_AddNumberToObject(j, "escalated", (double)a.escalated);
	cJSON_AddNumberToObject(j, "resolved", (double)a.resolved);
	active = cJSON_AddArrayToObject(j, "active");
	for (int i = 0; i < a.n; i++) {
		const struct alert *al = &a.alert[i];
		cJSON *x;

		if (!al->fired)
			continue;
		x = cJSON_CreateObject();
		json_add_text(x, "room", al->room);
		cJSON_AddStringToObject(x, "rule", alert_rule_name(al->rule));
		cJSON_AddNumberToObject(x, "since_wall", (double)al->seen_wall);
		cJSON_AddBoolToObject(x, "escalated", al->escalated);
		cJSON_AddBoolToObject(x, "clearing", al->gone_mono != 0);
		cJSON_AddItemToArray(active, x);
	}
	sinks = cJSON_AddArrayToObject(j, "sinks");
	for (int i = 0; i < a.nsinks; i++) {
		const struct sink *s = a.sink[i];
		cJSON *x = cJSON_CreateObject();

		json_add_text(x, "name", s->conf.name);
		cJSON_AddStringToObject(x, "type", webhook_kind_name(s->conf.kind));
		cJSON_AddBoolToObject(x, "ready", s->url != NULL);
		cJSON_AddNumberToObject(x, "queued", s->count);
		cJSON_AddNumberToObject(x, "sent", (double)s->sent);
		cJSON_AddNumberToObject(x, "refused", (double)s->refused);
		cJSON_AddNumberToObject(x, "dropped", (double)s->dropped);
		cJSON_AddNumberToObject(x, "retries", (double)s->retries);
		json_add_text(x, "last_error", s->last_error);
		cJSON_AddItemToArray(sinks, x);
	}
}
