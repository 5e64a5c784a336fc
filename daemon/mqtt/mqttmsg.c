/* MQTT payloads (see mqttmsg.h). Commands reuse the control protocol's
 * words and argument checks, so a pedal, onairctl and an MQTT tool say the
 * same things. */
#define _GNU_SOURCE
#include <ctype.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/cmd.h"
#include "../../core/jsontext.h"
#include "mqttmsg.h"
#include "../show/persist.h"
#include "../show/viewjson.h"

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

static bool get_string(const cJSON *o, const char *key, char *buf, size_t len, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return false;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= len) {
		*bad = true;
		return false;
	}
	str_copy(buf, v->valuestring, len);
	return true;
}

/* JSON allows tab, newline and carriage return between tokens (a file sent
 * with mosquitto_pub -f ends in one; Node-RED pretty-prints); any other
 * control character is not JSON. */
static bool json_controls_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
			return false;
	}
	return true;
}

/* Two members of one name: a JavaScript dashboard reads the last, cJSON
 * the first, so the same message would mean two things. */
static const char *duplicate_key(const cJSON *o)
{
	for (const cJSON *a = o->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0)
				return a->string;
	return NULL;
}

/* Every payload passes the same gate: size, UTF-8, one JSON object and
 * nothing after it, no name twice, no NUL inside a string. */
static cJSON *parse_sized(const char *payload, size_t len, size_t max, const char *what, char *err,
			  size_t errlen)
{
	const char *end = NULL, *dup;
	cJSON *o;

	if (len > max) {
		snprintf(err, errlen, "payload of %zu bytes is over the %zu-byte limit", len, max);
		return NULL;
	}
	if (!json_controls_ok(payload, len)) {
		snprintf(err, errlen, "payload has a control character that JSON does not allow");
		return NULL;
	}
	if (!utf8_wellformed(payload, len)) {
		snprintf(err, errlen, "payload is not valid UTF-8");
		return NULL;
	}
	if (memmem(payload, len, "\\u0000", 6)) {
		snprintf(err, errlen, "a string contains \\u0000 (NUL)");
		return NULL;
	}
	o = cJSON_ParseWithLengthOpts(payload, len, &end, false);
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "%s is not a JSON object", what);
		cJSON_Delete(o);
		return NULL;
	}
	while (end && end < payload + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end && end < payload + len) {
		snprintf(err, errlen, "%s has data after its JSON object (one object a message)", what);
		cJSON_Delete(o);
		return NULL;
	}
	if ((dup = duplicate_key(o))) {
		snprintf(err, errlen, "%s has \"%.32s\" twice", what, dup);
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *parse_object(const char *payload, size_t len, const char *what, char *err, size_t errlen)
{
	return parse_sized(payload, len, MQTTMSG_MAX, what, err, errlen);
}

int mqttmsg_parse_cmd(const char *payload, size_t len, int64_t now_wall, int64_t max_age_ms,
		      struct mqttmsg_cmd *out, char *err, size_t errlen)
{
	cJSON *o = NULL;
	const cJSON *arg, *sent;
	char line[CMD_LINE_MAX], text[SHOW_TEXT_MAX + 32];
	bool bad = false;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!(o = parse_object(payload, len, "payload", err, errlen)))
		goto out;
	if (!get_string(o, "cmd", out->word, sizeof(out->word), &bad))
		BAD("\"cmd\" must be a command word such as \"next\"");
	get_string(o, "from", out->from, sizeof(out->from), &bad);
	get_string(o, "id", out->id, sizeof(out->id), &bad);
	if (bad)
		BAD("\"from\" and \"id\" must be short strings");
	/* They go into the show log and the report's lines: no line breaks. */
	if (!utf8_valid(out->from, strlen(out->from)) || !utf8_valid(out->id, strlen(out->id)))
		BAD("\"from\" and \"id\" must be printable text (no control characters)");
	arg = cJSON_GetObjectItemCaseSensitive(o, "arg");
	if (!arg)
		text[0] = '\0';
	else if (cJSON_IsString(arg) && strlen(arg->valuestring) < sizeof(text) - 1)
		snprintf(text, sizeof(text), " %s", arg->valuestring);
	/* The range first: a double outside long long's cannot be cast. */
	else if (cJSON_IsNumber(arg) && arg->valuedouble > -1e9 && arg->valuedouble < 1e9 &&
		 arg->valuedouble == (double)(long long)arg->valuedouble)
		snprintf(text, sizeof(text), " %lld", (long long)arg->valuedouble);
	else
		BAD("\"arg\" must be a short string or a whole number");
	snprintf(line, sizeof(line), "%s%s", out->word, text);
	if (cmd_parse_show(line, SHOW_SRC_MQTT, &out->cmd, err, errlen) < 0)
		goto out;
	sent = cJSON_GetObjectItemCaseSensitive(o, "sent_wall");
	if (sent && (!cJSON_IsNumber(sent) || sent->valuedouble < 0 || sent->valuedouble > 1e15))
		BAD("\"sent_wall\" must be milliseconds since 1970");
	if (sent) {
		out->sent_wall = (int64_t)sent->valuedouble;
		if (now_wall - out->sent_wall > max_age_ms) {
			snprintf(err, errlen, "stale: sent %lld ms ago (limit %lld ms)",
				 (long long)(now_wall - out->sent_wall), (long long)max_age_ms);
			rc = -2;
			goto out;
		}
		/* From the future by more than the allowed age: a wrong clock,
		 * or a message kept to be replayed; never applied. */
		if (out->sent_wall - now_wall > max_age_ms) {
			snprintf(err, errlen, "sent %lld ms in the future by the sender's clock (limit %lld ms)",
				 (long long)(out->sent_wall - now_wall), (long long)max_age_ms);
			rc = -2;
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static char *print(cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return text;
}

char *mqttmsg_cmd_encode(const struct show_cmd *cmd, const char *from, const char *id,
			 int64_t sent_wall)
{
	cJSON *o = cJSON_CreateObject();
	char line[SHOW_TEXT_MAX + 64], *space;

	cmd_text(cmd, line, sizeof(line));
	space = strchr(line, ' ');
	if (space)
		*space++ = '\0';
	json_add_text(o, "cmd", line);
	if (space)
		json_add_text(o, "arg", space);
	json_add_text(o, "from", from);
	json_add_text(o, "id", id);
	cJSON_AddNumberToObject(o, "sent_wall", (double)sent_wall);
	return print(o);
}

char *mqttmsg_state_encode(const struct show_state *s, const struct show_view *v, const char *leader,
			   const char *boot_id, uint32_t rundown_hash, const cJSON *facts)
{
	cJSON *o = cJSON_CreateObject();

	persist_fields(o, s, v->at, boot_id, rundown_hash, PERSIST_RUNS_CURRENT);
	cJSON_AddNumberToObject(o, "schema", MQTTMSG_STATE_SCHEMA);
	json_add_text(o, "leader", leader);
	json_add_text(o, "show", v->show_title);
	viewjson_words(o, v);
	cJSON_AddNumberToObject(o, "planned_ms", (double)v->planned_ms);
	cJSON_AddNumberToObject(o, "sent_wall", (double)v->at.wall);
	/* For a floor's alert on a failed self-test before a start. */
	cJSON_AddNumberToObject(o, "scheduled_start_wall", (double)v->scheduled_start_wall);
	/* For dashboards only: followers use the anchors above. */
	if (v->segment_end_wall) {
		cJSON_AddNumberToObject(o, "remaining_ms", (double)v->remaining_ms);
		viewjson_time(o, "segment_end", v->segment_end_wall);
	} else {
		cJSON_AddNullToObject(o, "remaining_ms");
		cJSON_AddNullToObject(o, "segment_end");
	}
	/* The switcher's tally and the stream as the leader hears them, for
	 * the camera boxes and every follower's ON AIR. */
	for (const char *const *key = (const char *const[]){ "cameras", "stream", "alarms", NULL }; *key; key++) {
		const cJSON *fact = cJSON_GetObjectItemCaseSensitive(facts, *key);

		if (fact && !((cJSON_IsObject(fact) || cJSON_IsArray(fact)) && cJSON_GetArraySize(fact) == 0))
			cJSON_AddItemToObject(o, *key, cJSON_Duplicate(fact, true));
	}
	return print(o);
}

/* What the leader's sources say of one camera and its label: "cameras"
 * (schema 2), or the first source that knows it in a schema 1 leader's
 * "sources". */
static enum cue_camera camera_in(const cJSON *o, long long camera, char *label, size_t labellen)
{
	const cJSON *src, *cam, *t = NULL;
	char key[24];

	label[0] = '\0';
	snprintf(key, sizeof(key), "%lld", camera);
	cam = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "cameras"), key);
	if (cam) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(cam, "label");

		t = cJSON_GetObjectItemCaseSensitive(cam, "tally");
		if (cJSON_IsString(l))
			text_copy(label, l->valuestring, labellen);
	} else {
		cJSON_ArrayForEach(src, cJSON_GetObjectItemCaseSensitive(o, "sources")) {
			t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(src, "tally"), key);
			if (cJSON_IsString(t))
				break;
		}
	}
	if (!cJSON_IsString(t))
		return CUE_CAMERA_UNKNOWN;
	if (strcmp(t->valuestring, "program") == 0 || strcmp(t->valuestring, "both") == 0)
		return CUE_CAMERA_PROGRAM;
	if (strcmp(t->valuestring, "preview") == 0)
		return CUE_CAMERA_PREVIEW;
	if (strcmp(t->valuestring, "off") == 0)
		return CUE_CAMERA_OFF;
	return CUE_CAMERA_UNKNOWN;
}

bool mqttmsg_ha_object_id(char *buf, size_t len, const char *studio, const char *node)
{
	char raw[160];
	size_t o = 0;
	bool encoded = false;

	snprintf(raw, sizeof(raw), "onair_%s_%s", studio, node);
	for (const unsigned char *p = (const unsigned char *)raw; *p && o + 3 < len; p++) {
		if ((*p < 0x80 && isalnum(*p)) || *p == '_' || *p == '-') {
			buf[o++] = (char)*p;
		} else {
			o += (size_t)snprintf(buf + o, len - o, "%02x", *p);
			encoded = true;
		}
	}
	buf[o] = '\0';
	return encoded;
}

static void ha_component(cJSON *cmps, const char *id, const char *platform, const char *name,
			 const char *node, const char *studio)
{
	cJSON *c = cJSON_AddObjectToObject(cmps, id);
	char uid[200];

	snprintf(uid, sizeof(uid), "onair_%s_%s_%s", studio, node, id);
	json_add_text(c, "p", platform);
	json_add_text(c, "name", name);
	json_add_text(c, "unique_id", uid);
}

char *mqttmsg_ha_discovery(const char *prefix, const char *studio, const char *node,
			   const char *version)
{
	cJSON *o = cJSON_CreateObject(), *dev, *origin, *cmps, *c, *ids;
	char topic[256], ident[160];

	snprintf(ident, sizeof(ident), "onair_%s_%s", studio, node);
	dev = cJSON_AddObjectToObject(o, "dev");
	ids = cJSON_AddArrayToObject(dev, "ids");
	cJSON_AddItemToArray(ids, json_text(ident));
	snprintf(topic, sizeof(topic), "onair %s", studio);
	json_add_text(dev, "name", topic);
	json_add_text(dev, "mf", "onair");
	json_add_text(dev, "sw", version);
	origin = cJSON_AddObjectToObject(o, "o");
	json_add_text(origin, "name", "onair");
	json_add_text(origin, "sw", version);
	snprintf(topic, sizeof(topic), "%sstate", prefix);
	json_add_text(o, "state_topic", topic);
	snprintf(topic, sizeof(topic), "%snode/%s/status", prefix, node);
	json_add_text(o, "availability_topic", topic);
	json_add_text(o, "availability_template", "{{ value_json.status }}");
	json_add_text(o, "payload_available", "online");
	json_add_text(o, "payload_not_available", "offline");
	cmps = cJSON_AddObjectToObject(o, "cmps");
	ha_component(cmps, "tally", "binary_sensor", "Tally", node, studio);
	c = cJSON_GetObjectItem(cmps, "tally");
	json_add_text(c, "value_template",
				"{{ 'ON' if value_json.phase in ['live', 'hold'] else 'OFF' }}");
	ha_component(cmps, "segment", "sensor", "Segment", node, studio);
	json_add_text(cJSON_GetObjectItem(cmps, "segment"), "value_template",
				"{{ value_json.segment + 1 if value_json.phase in ['live', 'hold'] else 0 }}");
	ha_component(cmps, "title", "sensor", "Segment title", node, studio);
	json_add_text(cJSON_GetObjectItem(cmps, "title"), "value_template",
				"{{ value_json.title }}");
	ha_component(cmps, "segment_end", "sensor", "Segment ends", node, studio);
	c = cJSON_GetObjectItem(cmps, "segment_end");
	json_add_text(c, "device_class", "timestamp");
	json_add_text(c, "value_template", "{{ value_json.segment_end or None }}");
	snprintf(topic, sizeof(topic), "%scmd", prefix);
	ha_component(cmps, "next", "button", "Next segment", node, studio);
	c = cJSON_GetObjectItem(cmps, "next");
	json_add_text(c, "command_topic", topic);
	json_add_text(c, "payload_press", "{\"cmd\":\"next\",\"from\":\"homeassistant\"}");
	ha_component(cmps, "hold", "button", "Hold / resume", node, studio);
	c = cJSON_GetObjectItem(cmps, "hold");
	json_add_text(c, "command_topic", topic);
	json_add_text(c, "payload_press",
				"{\"cmd\":\"hold-toggle\",\"from\":\"homeassistant\"}");
	return print(o);
}

int mqttmsg_state_peek(const char *payload, size_t len, char *leader, size_t leader_len,
		       char *boot_id, size_t boot_len, uint64_t *seq, char *err, size_t errlen)
{
	cJSON *o = NULL;
	const cJSON *s;
	bool bad = false;
	int rc = -1;

	if (!(o = parse_sized(payload, len, MQTTMSG_STATE_MAX, "state", err, errlen)))
		goto out;
	if (!get_string(o, "leader", leader, leader_len, &bad) ||
	    !get_string(o, "boot_id", boot_id, boot_len, &bad) || bad)
		BAD("state without \"leader\" and \"boot_id\"");
	s = cJSON_GetObjectItemCaseSensitive(o, "seq");
	if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > 9e15)
		BAD("state without a \"seq\"");
	*seq = (uint64_t)s->valuedouble;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int mqttmsg_state_decode(const char *payload, size_t len, struct onair_time now, const char *boot_id,
			 long long camera, struct mqttmsg_state *st, char *err, size_t errlen)
{
	cJSON *o = NULL;
	const cJSON *s;
	bool bad = false;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (!(o = parse_sized(payload, len, MQTTMSG_STATE_MAX, "state", err, errlen)))
		goto out;
	if (!get_string(o, "leader", st->leader, sizeof(st->leader), &bad) ||
	    !get_string(o, "boot_id", st->boot_id, sizeof(st->boot_id), &bad) || bad)
		BAD("state without \"leader\" and \"boot_id\"");
	s = cJSON_GetObjectItemCaseSensitive(o, "seq");
	if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > 9e15)
		BAD("state without a \"seq\"");
	st->seq = (uint64_t)s->valuedouble;
	if (persist_read(o, &st->show, now, boot_id, &st->rundown_hash, err, errlen) < 0)
		goto out;
	st->camera_tally = camera >= 0 ? camera_in(o, camera, st->camera_label, sizeof(st->camera_label))
				       : CUE_CAMERA_UNKNOWN;
	s = cJSON_GetObjectItemCaseSensitive(o, "stream");
	if (cJSON_IsObject(s)) {
		int fact = stream_fact_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "state")));
		int dis = disagreement_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "disagreement")));

		/* A stream the follower cannot read is one it does not know. */
		st->stream = fact > STREAM_NONE ? (enum stream_fact)fact : STREAM_UNKNOWN;
		st->disagreement = dis > 0 ? (enum disagreement)dis : AGREE;
	}
	/* Names only, a few: no flood either. */
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "alarms")) {
		const char *name = cJSON_GetStringValue(s);

		if (st->nalarms < MQTTMSG_ALARMS && mqttmsg_alarm_name_ok(name))
			str_copy(st->alarm[st->nalarms++], name, MQTTMSG_ALARM_MAX);
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

bool mqttmsg_alarm_name_ok(const char *name)
{
	size_t n = name ? strspn(name, "abcdefghijklmnopqrstuvwxyz_") : 0;

	return n > 0 && n < MQTTMSG_ALARM_MAX && !name[n];
}

char *mqttmsg_ok_encode(const char *id, bool recorded)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", true);
	if (id && *id)
		json_add_text(o, "id", id);
	if (!recorded) {
		cJSON_AddBoolToObject(o, "recorded", false);
		json_add_text(o, "warning", "applied, but not recorded: the box cannot write its "
					"show log (see its status)");
	}
	return print(o);
}

char *mqttmsg_error_encode(const char *node, const char *reason, const char *topic, const char *id)
{
	cJSON *o = cJSON_CreateObject();

	/* As the control protocol answers a refusal: a tool checks "ok". */
	cJSON_AddBoolToObject(o, "ok", false);
	json_add_text(o, "node", node);
	json_add_text(o, "error", reason);
	json_add_text(o, "topic", topic);
	if (id && *id)
		json_add_text(o, "id", id);
	return print(o);
}

int mqttmsg_status_peek(const char *payload, size_t len, char *status, size_t slen, char *role,
			size_t rlen)
{
	char err[96];
	cJSON *o = parse_object(payload, len, "status", err, sizeof(err));
	bool bad = false;
	int rc;

	role[0] = '\0';
	rc = o && get_string(o, "status", status, slen, &bad) && !bad ? 0 : -1;
	if (rc == 0)
		get_string(o, "role", role, rlen, &bad);
	cJSON_Delete(o);
	return rc;
}
