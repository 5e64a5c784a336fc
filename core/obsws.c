/* obs-websocket 5 client logic (see obsws.h). JSON is cJSON's, SHA-256 and
 * base64 nettle's. */
#include <cJSON.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obsws.h"
#include "util.h"

/* WebSocketOpCode */
enum { OP_HELLO = 0, OP_IDENTIFY = 1, OP_IDENTIFIED = 2, OP_EVENT = 5, OP_REQUEST = 6, OP_RESPONSE = 7 };
/* EventSubscription: General (1 << 0), Scenes (1 << 2), Outputs (1 << 6). */
#define SUBSCRIPTIONS (1 | 1 << 2 | 1 << 6)

static const char *const output_names[] = { "unknown", "stopped", "starting", "active", "reconnecting",
					     "stopping" };

const char *obsws_output_name(enum obsws_output s)
{
	return output_names[s];
}

void obsws_init(struct obsws *o)
{
	memset(o, 0, sizeof(*o));
}

void obsws_free(struct obsws *o)
{
	for (int i = 0; i < o->nout; i++)
		free(o->out[i]);
	obsws_init(o);
}

bool obsws_streaming(const struct obsws *o)
{
	return o->identified && o->stream == OBSWS_ACTIVE;
}

static void sha256_b64(const char *a, const char *b, char out[45])
{
	struct sha256_ctx sha;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&sha);
	sha256_update(&sha, strlen(a), (const uint8_t *)a);
	sha256_update(&sha, strlen(b), (const uint8_t *)b);
	sha256_digest(&sha, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[44] = '\0';
}

void obsws_auth(const char *password, const char *salt, const char *challenge, char *out, size_t len)
{
	char secret[45], auth[45];

	sha256_b64(password, salt, secret);
	sha256_b64(secret, challenge, auth);
	str_copy(out, auth, len);
}

static void send_json(struct obsws *o, cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);

	cJSON_Delete(msg);
	if (!text)
		return;
	if (o->nout >= OBSWS_OUT_MAX) {
		free(text);
		return;
	}
	o->out[o->nout++] = text;
}

static void request(struct obsws *o, const char *type)
{
	cJSON *msg = cJSON_CreateObject(), *d = cJSON_AddObjectToObject(msg, "d");

	cJSON_AddNumberToObject(msg, "op", OP_REQUEST);
	cJSON_AddStringToObject(d, "requestType", type);
	cJSON_AddStringToObject(d, "requestId", type);
	send_json(o, msg);
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int bool_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
}

void obsws_ask_stream_status(struct obsws *o)
{
	if (o->identified)
		request(o, "GetStreamStatus");
}

/* A counter from OBS: whole, not negative, within a double's integers. */
static uint64_t count_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9007199254740992.0
		       ? (uint64_t)v->valuedouble : 0;
}

static void take_stats(struct obsws *o, const cJSON *data)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(data, "outputCongestion");

	o->stats.dropped = count_of(data, "outputSkippedFrames");
	o->stats.total = count_of(data, "outputTotalFrames");
	o->stats.bytes = count_of(data, "outputBytes");
	o->stats.congestion = cJSON_IsNumber(c) && c->valuedouble >= 0 && c->valuedouble <= 1 ? c->valuedouble : 0;
	o->stats.reconnecting = bool_of(data, "outputReconnecting") == 1;
	o->stats_seq++;
}

static bool set_name(char *dst, const char *src)
{
	char clean[OBSWS_NAME_MAX];

	/* A scene name is shown, logged and sent to every box: whole
	 * characters only, no control characters. */
	text_copy(clean, src, sizeof(clean));
	if (strcmp(dst, clean) == 0)
		return false;
	strcpy(dst, clean);
	return true;
}

static bool set_output(enum obsws_output *dst, enum obsws_output v)
{
	bool changed = *dst != v;

	*dst = v;
	return changed;
}

/* StreamStateChanged / RecordStateChanged: outputState names the step. */
static enum obsws_output output_state(const cJSON *data, enum obsws_output was)
{
	static const struct {
		const char *name;
		enum obsws_output state;
	} states[] = {
		{ "OBS_WEBSOCKET_OUTPUT_STARTING", OBSWS_STARTING },
		{ "OBS_WEBSOCKET_OUTPUT_STARTED", OBSWS_ACTIVE },
		{ "OBS_WEBSOCKET_OUTPUT_RECONNECTING", OBSWS_RECONNECTING },
		{ "OBS_WEBSOCKET_OUTPUT_RECONNECTED", OBSWS_ACTIVE },
		{ "OBS_WEBSOCKET_OUTPUT_PAUSED", OBSWS_ACTIVE },
		{ "OBS_WEBSOCKET_OUTPUT_RESUMED", OBSWS_ACTIVE },
		{ "OBS_WEBSOCKET_OUTPUT_STOPPING", OBSWS_STOPPING },
		{ "OBS_WEBSOCKET_OUTPUT_STOPPED", OBSWS_STOPPED },
	};
	const char *s = str_of(data, "outputState");
	int active = bool_of(data, "outputActive");

	for (size_t i = 0; s && i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(s, states[i].name) == 0)
			return states[i].state;
	/* A state this version does not name: trust outputActive. */
	return active < 0 ? was : active ? OBSWS_ACTIVE : OBSWS_STOPPED;
}

static int hello(struct obsws *o, const cJSON *d, const char *password, char *err, size_t errlen)
{
	const cJSON *auth = cJSON_GetObjectItemCaseSensitive(d, "authentication");
	const char *version = str_of(d, "obsWebSocketVersion");
	cJSON *msg = cJSON_CreateObject(), *id = cJSON_AddObjectToObject(msg, "d");

	str_copy(o->version, version ? version : "?", sizeof(o->version));
	cJSON_AddNumberToObject(msg, "op", OP_IDENTIFY);
	cJSON_AddNumberToObject(id, "rpcVersion", 1);
	cJSON_AddNumberToObject(id, "eventSubscriptions", SUBSCRIPTIONS);
	if (cJSON_IsObject(auth)) {
		const char *salt = str_of(auth, "salt"), *challenge = str_of(auth, "challenge");
		char answer[64];

		if (!password || !*password) {
			cJSON_Delete(msg);
			snprintf(err, errlen, "OBS asks for a password and none is configured (password_file)");
			return -1;
		}
		if (!salt || !challenge) {
			cJSON_Delete(msg);
			snprintf(err, errlen, "a Hello whose authentication has no salt or challenge");
			return -1;
		}
		obsws_auth(password, salt, challenge, answer, sizeof(answer));
		cJSON_AddStringToObject(id, "authentication", answer);
	}
	send_json(o, msg);
	return 0;
}

static bool response(struct obsws *o, const cJSON *d)
{
	const char *type = str_of(d, "requestType");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(d, "requestStatus");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(d, "responseData");
	const char *name;
	int active;

	if (!type || bool_of(status, "result") != 1 || !cJSON_IsObject(data))
		return false;
	if (strcmp(type, "GetStreamStatus") == 0 && (active = bool_of(data, "outputActive")) >= 0) {
		if (active)
			take_stats(o, data);
		return set_output(&o->stream, !active ? OBSWS_STOPPED :
				  bool_of(data, "outputReconnecting") == 1 ? OBSWS_RECONNECTING : OBSWS_ACTIVE);
	}
	if (strcmp(type, "GetRecordStatus") == 0 && (active = bool_of(data, "outputActive")) >= 0)
		return set_output(&o->record, active ? OBSWS_ACTIVE : OBSWS_STOPPED);
	/* 5.0-5.x name it currentProgramSceneName; later ones add sceneName. */
	if (strcmp(type, "GetCurrentProgramScene") == 0 &&
	    ((name = str_of(data, "currentProgramSceneName")) || (name = str_of(data, "sceneName"))))
		return set_name(o->program_scene, name);
	if (strcmp(type, "GetCurrentPreviewScene") == 0 &&
	    ((name = str_of(data, "currentPreviewSceneName")) || (name = str_of(data, "sceneName"))))
		return set_name(o->preview_scene, name);
	return false;
}

static bool event(struct obsws *o, const cJSON *d)
{
	const char *type = str_of(d, "eventType"), *name;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(d, "eventData");
	int on;

	if (!type)
		return false;
	if (!cJSON_IsObject(data))
		return false;
	if (strcmp(type, "StreamStateChanged") == 0)
		return set_output(&o->stream, output_state(data, o->stream));
	if (strcmp(type, "RecordStateChanged") == 0)
		return set_output(&o->record, output_state(data, o->record));
	if (strcmp(type, "CurrentProgramSceneChanged") == 0 && (name = str_of(data, "sceneName")))
		return set_name(o->program_scene, name);
	if (strcmp(type, "CurrentPreviewSceneChanged") == 0 && (name = str_of(data, "sceneName")))
		return set_name(o->preview_scene, name);
	if (strcmp(type, "StudioModeStateChanged") == 0 && (on = bool_of(data, "studioModeEnabled")) >= 0) {
		if (on) {
			request(o, "GetCurrentPreviewScene");
			return false;
		}
		return set_name(o->preview_scene, "");
	}
	if (strcmp(type, "SceneNameChanged") == 0) {
		const char *old = str_of(data, "oldSceneName");
		bool changed = false;

		if (!old || !(name = str_of(data, "sceneName")))
			return false;
		if (strcmp(o->program_scene, old) == 0)
			changed |= set_name(o->program_scene, name);
		if (strcmp(o->preview_scene, old) == 0)
			changed |= set_name(o->preview_scene, name);
		return changed;
	}
	return false;
}

int obsws_message(struct obsws *o, const char *text, size_t len, const char *password, char *err,
		  size_t errlen)
{
	cJSON *msg = cJSON_ParseWithLength(text, len);
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(msg, "op");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(msg, "d");
	int rc = 0;

	if (!msg || !cJSON_IsNumber(op) || !cJSON_IsObject(d)) {
		snprintf(err, errlen, "a message that is not obs-websocket's (no \"op\" and \"d\")");
		cJSON_Delete(msg);
		return -1;
	}
	switch (op->valueint) {
	case OP_HELLO:
		if (o->identified) {
			snprintf(err, errlen, "a second Hello");
			rc = -1;
		} else {
			rc = hello(o, d, password, err, errlen);
		}
		break;
	case OP_IDENTIFIED:
		o->identified = true;
		request(o, "GetStreamStatus");
		request(o, "GetRecordStatus");
		request(o, "GetCurrentProgramScene");
		/* Fails outside studio mode, which is the answer too. */
		request(o, "GetCurrentPreviewScene");
		rc = 1;
		break;
	case OP_EVENT:
		rc = o->identified && event(o, d);
		break;
	case OP_RESPONSE:
		rc = o->identified && response(o, d);
		break;
	default:
		break;		/* batch answers and later opcodes: nothing we asked for */
	}
	cJSON_Delete(msg);
	return rc;
}
