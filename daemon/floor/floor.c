/* A floor box (see floor.h): every room's retained state, its boxes'
 * statuses and self-tests, read from the base's central broker (each
 * room's own broker bridges them there: configs/mosquitto/bridge.conf).
 * A room is a copy of what it last said and when; its tile is worked out
 * when asked, so a room that stops speaking turns unreachable by the
 * clock, not by a message that may never come. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/jsontext.h"
#include "../../core/log.h"
#include "../../core/loop.h"
#include "floor.h"
#include "../mqtt/mqttmsg.h"
#include "../show/running.h"

#define FLOOR_ROOMS 128
#define FLOOR_BOXES 8
#define STATE_MAX (64 * 1024)	/* as followers take it */

struct room {
	char studio[64];
	cJSON *state;			/* its last state, NULL before one came */
	int64_t heard_mono;		/* that state's arrival */
	struct {
		char name[64];
		bool online;
		int missing;		/* devices not present */
		char selftest[8];	/* its last self-test's verdict, "" none */
	} box[FLOOR_BOXES];
	int nboxes;
};

static struct {
	struct room room[FLOOR_ROOMS];
	int n;
	uint64_t messages, rejected;
	bool full_said;
} f;

static struct room *room_of(const char *studio, size_t len)
{
	char name[64];

	if (len == 0 || len >= sizeof(name))
		return NULL;
	memcpy(name, studio, len);
	name[len] = '\0';
	if (!utf8_valid(name, len))
		return NULL;
	for (int i = 0; i < f.n; i++)
		if (strcmp(f.room[i].studio, name) == 0)
			return &f.room[i];
	if (f.n >= FLOOR_ROOMS) {
		if (!f.full_said)
			log_warnx("floor: more than %d rooms: room %s and later ones are not shown", FLOOR_ROOMS, name);
		f.full_said = true;
		return NULL;
	}
	memset(&f.room[f.n], 0, sizeof(f.room[0]));
	str_copy(f.room[f.n].studio, name, sizeof(f.room[0].studio));
	return &f.room[f.n++];
}

static void take_state(struct room *r, const char *payload, size_t len)
{
	cJSON *s;

	if (len == 0) {			/* the room's retained state was cleared */
		cJSON_Delete(r->state);
		r->state = NULL;
		return;
	}
	if (len > STATE_MAX || !(s = cJSON_ParseWithLength(payload, len))) {
		f.rejected++;
		return;
	}
	if (!cJSON_IsObject(s)) {
		cJSON_Delete(s);
		f.rejected++;
		return;
	}
	cJSON_Delete(r->state);
	r->state = s;
	r->heard_mono = time_mono_ms();
	/* A state handed out again (the centre's retained copy after the
	 * floor reconnects, a bridge's replay) is as old as its room said:
	 * a room that vanished must not look alive for vanish_after and then
	 * vanish again, a second alert. Rooms and floor keep NTP time (the
	 * self-test checks it); a room's clock ahead is taken as now. */
	{
		const cJSON *sent = cJSON_GetObjectItemCaseSensitive(s, "sent_wall");
		double age = cJSON_IsNumber(sent) ? (double)time_now().wall - sent->valuedouble : 0;

		if (age > 1000)
			r->heard_mono -= age < 86400000.0 ? (int64_t)age : 86400000;
	}
}

/* The room's box of that name, made when there is room; NULL when not. */
static int box_of(struct room *r, const char *node, size_t node_len)
{
	int i;

	if (node_len == 0 || node_len >= sizeof(r->box[0].name))
		return -1;
	for (i = 0; i < r->nboxes; i++)
		if (strlen(r->box[i].name) == node_len && memcmp(r->box[i].name, node, node_len) == 0)
			return i;
	if (r->nboxes >= FLOOR_BOXES)
		return -1;
	memset(&r->box[i], 0, sizeof(r->box[0]));
	{
		char raw[sizeof(r->box[0].name)];

		memcpy(raw, node, node_len);
		raw[node_len] = '\0';
		text_copy(r->box[i].name, raw, sizeof(r->box[i].name));
	}
	r->nboxes++;
	return i;
}

static void take_status(struct room *r, int i, const char *payload, size_t len)
{
	cJSON *s = len <= 8192 ? cJSON_ParseWithLength(payload, len) : NULL, *d;
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(s, "status");

	if (!s) {
		f.rejected++;
		return;
	}
	r->box[i].online = cJSON_IsString(status) && strcmp(status->valuestring, "online") == 0;
	r->box[i].missing = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(s, "devices"))
		r->box[i].missing += cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d, "present"));
	cJSON_Delete(s);
}

static void take_selftest(struct room *r, int i, const char *payload, size_t len)
{
	cJSON *s = len <= 256 * 1024 ? cJSON_ParseWithLength(payload, len) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "verdict");

	if (cJSON_IsString(v) && (strcmp(v->valuestring, "PASS") == 0 || strcmp(v->valuestring, "WARN") == 0 ||
				  strcmp(v->valuestring, "FAIL") == 0))
		str_copy(r->box[i].selftest, v->valuestring, sizeof(r->box[i].selftest));
	else
		f.rejected++;
	cJSON_Delete(s);
}

void floor_message(const char *topic, const char *payload, size_t len)
{
	/* onair/<studio>/state, onair/<studio>/node/<name>/status,
	 * onair/<studio>/selftest/<name> */
	const char *studio = strchr(topic, '/'), *rest;
	struct room *r;

	f.messages++;
	if (!studio || !(rest = strchr(++studio, '/')) || !(r = room_of(studio, (size_t)(rest - studio))))
		return;
	rest++;
	if (strcmp(rest, "state") == 0) {
		take_state(r, payload, len);
	} else if (strncmp(rest, "node/", 5) == 0) {
		const char *node = rest + 5, *end = strchr(node, '/');
		int i;

		if (end && strcmp(end, "/status") == 0 && (i = box_of(r, node, (size_t)(end - node))) >= 0)
			take_status(r, i, payload, len);
	} else if (strncmp(rest, "selftest/", 9) == 0 && strcmp(rest + 9, "run") != 0) {
		int i = box_of(r, rest + 9, strlen(rest + 9));

		if (i >= 0)
			take_selftest(r, i, payload, len);
	}
}

void floor_topics(void (*subscribe)(const char *topic))
{
	subscribe("onair/+/state");
	subscribe("onair/+/node/+/status");
	subscribe("onair/+/selftest/+");
}

static const char *text_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double number_of(const cJSON *o, const char *key, bool *has)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*has = cJSON_IsNumber(v);
	return *has ? v->valuedouble : 0;
}

/* A room's tile: what the floor shows of it, and how much trouble. */
static cJSON *tile(const struct room *r, int64_t now_mono, int64_t now_wall, int *score)
{
	cJSON *t = cJSON_CreateObject(), *trouble = cJSON_CreateArray();
	const cJSON *s = r->state, *stream = cJSON_GetObjectItemCaseSensitive(s, "stream");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(s, "message");
	const char *phase = s ? text_of(s, "phase") : "";
	bool on_air = strcmp(phase, "live") == 0 || strcmp(phase, "hold") == 0 || strcmp(phase, "preroll") == 0;
	bool has, leader_offline = false;
	int64_t silent = r->state ? now_mono - r->heard_mono : -1;
	double remaining = number_of(s, "remaining_ms", &has), sent;
	const char *selftest = "";
	int offline = 0;

	*score = 0;
	json_add_text(t, "studio", r->studio);
	if (s) {
		json_add_text(t, "show", text_of(s, "show"));
		json_add_text(t, "phase", phase);
		json_add_text(t, "title", text_of(s, "title"));
		json_add_text(t, "display", text_of(s, "display"));
		json_add_text(t, "cue", text_of(s, "cue"));
		json_add_text(t, "leader", text_of(s, "leader"));
	}
	if (number_of(s, "scheduled_start_wall", &has) > 0)
		cJSON_AddNumberToObject(t, "scheduled_start_wall", number_of(s, "scheduled_start_wall", &has));
	/* The countdown as of now: the room said it at sent_wall. */
	sent = number_of(s, "sent_wall", &has);
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, "remaining_ms")) && sent > 0) {
		double now_left = remaining - ((double)now_wall - sent);

		cJSON_AddNumberToObject(t, "remaining_ms", now_left);
		if (now_left < 0 && strcmp(phase, "live") == 0) {
			cJSON_AddNumberToObject(t, "overrun_s", -now_left / 1000);
			cJSON_AddItemToArray(trouble, cJSON_CreateString("overrun"));
			*score += 40;
		}
	}
	for (int i = 0; i < r->nboxes; i++)
		if (!r->box[i].online) {
			offline++;
			leader_offline |= strcmp(r->box[i].name, text_of(s, "leader")) == 0;
		}
	if (silent < 0 || silent > running.conf->floor.vanish_after_ms || leader_offline) {
		cJSON_AddBoolToObject(t, "unreachable", true);
		cJSON_AddItemToArray(trouble, cJSON_CreateString("unreachable"));
		*score += 100;
	}
	if (silent >= 0)
		cJSON_AddNumberToObject(t, "last_heard_s", (double)silent / 1000);
	if (cJSON_IsObject(stream)) {
		json_add_text(t, "stream", text_of(stream, "state"));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(stream, "outage"))) {
			cJSON_AddItemToArray(trouble, cJSON_CreateString("stream"));
			*score += 90;
		}
	}
	/* The room's audio and stream alarms (docs/watch.md), by name as a
	 * follower takes them: a-z and _, a few. */
	{
		const cJSON *a;
		int n = 0;

		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(s, "alarms")) {
			const char *name = cJSON_GetStringValue(a);

			if (n >= MQTTMSG_ALARMS || !mqttmsg_alarm_name_ok(name))
				continue;
			n++;
			cJSON_AddItemToArray(trouble, cJSON_CreateString(name));
			/* A dead microphone or a choking stream is viewers leaving. */
			*score += strcmp(name, "silence") == 0 || strcmp(name, "audio_lost") == 0 ||
					  strcmp(name, "stream_struggling") == 0 ? 80 : 30;
		}
	}
	if (cJSON_IsObject(msg) && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "acked"))) {
		json_add_text(t, "message", text_of(msg, "text"));
		cJSON_AddItemToArray(trouble, cJSON_CreateString("message"));
		*score += 20;
	}
	cJSON_AddNumberToObject(t, "boxes", r->nboxes);
	cJSON_AddNumberToObject(t, "boxes_offline", offline);
	if (offline && on_air) {
		cJSON_AddItemToArray(trouble, cJSON_CreateString("box_offline"));
		*score += 60;
	}
	for (int i = 0; i < r->nboxes; i++)
		if (r->box[i].missing && on_air) {
			cJSON_AddItemToArray(trouble, cJSON_CreateString("device_missing"));
			*score += 50;
			break;
		}
	/* The room's self-test: the worst of its boxes' last ones. */
	for (int i = 0; i < r->nboxes; i++)
		if (strcmp(r->box[i].selftest, "FAIL") == 0 ||
		    (strcmp(r->box[i].selftest, "WARN") == 0 && strcmp(selftest, "FAIL") != 0) ||
		    (*r->box[i].selftest && !*selftest))
			selftest = r->box[i].selftest;
	if (*selftest) {
		json_add_text(t, "selftest", selftest);
		if (strcmp(selftest, "FAIL") == 0) {
			cJSON_AddItemToArray(trouble, cJSON_CreateString("selftest"));
			*score += 30;
		}
	}
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(s, "cameras")))
		cJSON_AddItemToObject(t, "cameras", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(s, "cameras"), 1));
	if (on_air)
		*score += 1;	/* among rooms without trouble, the live ones first */
	cJSON_AddItemToObject(t, "trouble", trouble);
	return t;
}

struct ranked {
	cJSON *tile;
	int score;
	const char *studio;
};

static int by_trouble(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	return strcmp(x->studio, y->studio);
}

cJSON *floor_json(void)
{
	cJSON *o = cJSON_CreateObject(), *rooms;
	struct ranked *rank = calloc((size_t)f.n + 1, sizeof(*rank));
	struct onair_time now = time_now();

	cJSON_AddNumberToObject(o, "now_wall", (double)now.wall);
	cJSON_AddNumberToObject(o, "vanish_after_s", (double)running.conf->floor.vanish_after_ms / 1000);
	rooms = cJSON_AddArrayToObject(o, "rooms");
	if (!rank)
		return o;
	for (int i = 0; i < f.n; i++) {
		rank[i].tile = tile(&f.room[i], now.mono, now.wall, &rank[i].score);
		rank[i].studio = f.room[i].studio;
	}
	qsort(rank, (size_t)f.n, sizeof(*rank), by_trouble);
	for (int i = 0; i < f.n; i++)
		cJSON_AddItemToArray(rooms, rank[i].tile);
	free(rank);
	return o;
}

void floor_status_json(cJSON *o)
{
	cJSON *j;

	if (running.role != NODE_FLOOR)
		return;
	j = cJSON_AddObjectToObject(o, "floor");
	cJSON_AddNumberToObject(j, "rooms", f.n);
	cJSON_AddNumberToObject(j, "messages", (double)f.messages);
	cJSON_AddNumberToObject(j, "rejected", (double)f.rejected);
}

void floor_fini(void)
{
	for (int i = 0; i < f.n; i++)
		cJSON_Delete(f.room[i].state);
	f.n = 0;
}
