/* Group robots' message formats and answers (see webhook.h). The HMAC and
 * base64 are nettle's, as obs-websocket's authentication already uses. */
#include <inttypes.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "util.h"
#include "webhook.h"

static const char *const kind_names[WEBHOOK_KINDS] = { "json", "wecom", "dingtalk", "feishu" };

int webhook_kind_parse(const char *name)
{
	return str_index(kind_names, WEBHOOK_KINDS, name);
}

const char *webhook_kind_name(enum webhook_kind kind)
{
	return kind < WEBHOOK_KINDS ? kind_names[kind] : "?";
}

size_t webhook_text_max(enum webhook_kind kind)
{
	/* WeCom refuses content over 2048 bytes; the others take more, but a
	 * phone shows a screenful, and one size keeps the groups alike. */
	(void)kind;
	return 2048;
}

void webhook_hmac_b64(const char *key, size_t keylen, const char *msg, size_t msglen, char out[45])
{
	struct hmac_sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, keylen, (const uint8_t *)key);
	hmac_sha256_update(&ctx, msglen, (const uint8_t *)msg);
	hmac_sha256_digest(&ctx, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[44] = '\0';
}

char *webhook_body(enum webhook_kind kind, const char *text, bool mention_all, const cJSON *detail,
		   const char *secret, int64_t now_wall_ms)
{
	cJSON *o = cJSON_CreateObject(), *inner;
	char *cut = malloc(webhook_text_max(kind) + 1), *body;

	if (!o || !cut) {
		cJSON_Delete(o);
		free(cut);
		return NULL;
	}
	utf8_copy(cut, text, webhook_text_max(kind) + 1);
	switch (kind) {
	case WEBHOOK_WECOM:
		cJSON_AddStringToObject(o, "msgtype", "text");
		inner = cJSON_AddObjectToObject(o, "text");
		json_add_text(inner, "content", cut);
		if (mention_all)
			cJSON_AddItemToObject(inner, "mentioned_list",
					      cJSON_CreateStringArray((const char *const[]){ "@all" }, 1));
		break;
	case WEBHOOK_DINGTALK:
		cJSON_AddStringToObject(o, "msgtype", "text");
		json_add_text(cJSON_AddObjectToObject(o, "text"), "content", cut);
		cJSON_AddBoolToObject(cJSON_AddObjectToObject(o, "at"), "isAtAll", mention_all);
		break;
	case WEBHOOK_FEISHU:
		if (secret && *secret) {
			char ts[24], key[24 + 4096], sign[45];
			int n;

			snprintf(ts, sizeof(ts), "%" PRId64, now_wall_ms / 1000);
			n = snprintf(key, sizeof(key), "%s\n%s", ts, secret);
			webhook_hmac_b64(key, n < (int)sizeof(key) ? (size_t)n : sizeof(key) - 1, "", 0, sign);
			cJSON_AddStringToObject(o, "timestamp", ts);
			cJSON_AddStringToObject(o, "sign", sign);
		}
		cJSON_AddStringToObject(o, "msg_type", "text");
		/* Feishu mentions everyone with its own tag inside the text. */
		if (mention_all) {
			size_t len = strlen(cut) + 64;
			char *with = malloc(len);

			if (with) {
				snprintf(with, len, "<at user_id=\"all\">所有人</at> %s", cut);
				json_add_text(cJSON_AddObjectToObject(o, "content"), "text", with);
				free(with);
			}
		} else {
			json_add_text(cJSON_AddObjectToObject(o, "content"), "text", cut);
		}
		break;
	default:
		cJSON_AddStringToObject(o, "source", "onair");
		json_add_text(o, "text", cut);
		cJSON_AddBoolToObject(o, "mention_all", mention_all);
		if (detail)
			cJSON_AddItemToObject(o, "alerts", cJSON_Duplicate(detail, true));
		break;
	}
	free(cut);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return body;
}

/* RFC 3986's unreserved characters stay; the rest as %XX. */
static bool url_encode(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t j = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			if (j + 1 >= outlen)
				return false;
			out[j++] = (char)*p;
		} else {
			if (j + 3 >= outlen)
				return false;
			out[j++] = '%';
			out[j++] = hex[*p >> 4];
			out[j++] = hex[*p & 15];
		}
	}
	if (j >= outlen)
		return false;
	out[j] = '\0';
	return true;
}

bool webhook_url(enum webhook_kind kind, const char *url, const char *secret, int64_t now_wall_ms, char *out,
		 size_t outlen)
{
	int n;

	if (kind == WEBHOOK_DINGTALK && secret && *secret) {
		char ts[24], *msg, sign[45], esc[3 * sizeof(sign)];
		size_t len = strlen(secret) + sizeof(ts) + 2;

		snprintf(ts, sizeof(ts), "%" PRId64, now_wall_ms);
		if (!(msg = malloc(len)))
			return false;
		n = snprintf(msg, len, "%s\n%s", ts, secret);
		webhook_hmac_b64(secret, strlen(secret), msg, (size_t)n, sign);
		free(msg);
		if (!url_encode(sign, esc, sizeof(esc)))
			return false;
		n = snprintf(out, outlen, "%s%ctimestamp=%s&sign=%s", url, strchr(url, '?') ? '&' : '?', ts, esc);
	} else {
		n = snprintf(out, outlen, "%s", url);
	}
	return n > 0 && (size_t)n < outlen;
}

/* The services' codes that say "later" (rate limits) and "never" (the
 * robot's key, signature, keyword or IP list refuse it); any other code is
 * tried again a bounded number of times by the caller. */
struct code {
	enum webhook_kind kind;
	long code;
	enum webhook_verdict verdict;
	const char *words;
};

static const struct code codes[] = {
	{ WEBHOOK_WECOM, 45009, WEBHOOK_RETRY, "sending too often" },
	{ WEBHOOK_WECOM, 93000, WEBHOOK_REFUSED, "the webhook key is not valid" },
	{ WEBHOOK_WECOM, 40058, WEBHOOK_REFUSED, "the message is not one WeCom takes" },
	{ WEBHOOK_DINGTALK, 130101, WEBHOOK_RETRY, "sending too often" },
	{ WEBHOOK_DINGTALK, 310000, WEBHOOK_REFUSED,
	  "the robot's security setting refuses it (keyword, signature or IP list)" },
	{ WEBHOOK_DINGTALK, 300001, WEBHOOK_REFUSED, "the access token is not valid" },
	{ WEBHOOK_FEISHU, 11232, WEBHOOK_RETRY, "sending too often" },
	{ WEBHOOK_FEISHU, 19021, WEBHOOK_REFUSED, "the signature does not match (secret or clock)" },
	{ WEBHOOK_FEISHU, 19024, WEBHOOK_REFUSED, "the robot's keyword is not in the message" },
	{ WEBHOOK_FEISHU, 19022, WEBHOOK_REFUSED, "the robot's IP list refuses this box" },
};

enum webhook_verdict webhook_answer(enum webhook_kind kind, long http_status, const char *body, size_t len,
				    char *why, size_t whylen)
{
	cJSON *o;
	const cJSON *code, *msg;
	long value;

	if (http_status == 0) {
		snprintf(why, whylen, "no answer");
		return WEBHOOK_RETRY;
	}
	if (http_status == 429 || http_status == 408 || http_status >= 500) {
		snprintf(why, whylen, "HTTP %ld", http_status);
		return WEBHOOK_RETRY;
	}
	if (http_status < 200 || http_status >= 300) {
		snprintf(why, whylen, "HTTP %ld: the address or its key is refused", http_status);
		return WEBHOOK_REFUSED;
	}
	if (kind == WEBHOOK_JSON) {
		snprintf(why, whylen, "HTTP %ld", http_status);
		return WEBHOOK_DELIVERED;
	}
	o = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	code = cJSON_GetObjectItemCaseSensitive(o, kind == WEBHOOK_FEISHU ? "code" : "errcode");
	if (!code && kind == WEBHOOK_FEISHU)	/* Feishu's older answer */
		code = cJSON_GetObjectItemCaseSensitive(o, "StatusCode");
	msg = cJSON_GetObjectItemCaseSensitive(o, kind == WEBHOOK_FEISHU ? "msg" : "errmsg");
	if (!cJSON_IsNumber(code) || code->valuedouble < -1e15 || code->valuedouble > 1e15) {
		cJSON_Delete(o);
		snprintf(why, whylen, "HTTP %ld without the %s answer", http_status, webhook_kind_name(kind));
		return WEBHOOK_RETRY;
	}
	value = (long)code->valuedouble;
	if (value == 0) {
		cJSON_Delete(o);
		snprintf(why, whylen, "HTTP %ld, code 0", http_status);
		return WEBHOOK_DELIVERED;
	}
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i].kind == kind && codes[i].code == value) {
			snprintf(why, whylen, "%s code %ld: %s", webhook_kind_name(kind), value, codes[i].words);
			cJSON_Delete(o);
			return codes[i].verdict;
		}
	{
		char said[128] = "";

		if (cJSON_IsString(msg))
			text_copy(said, msg->valuestring, sizeof(said));
		snprintf(why, whylen, "%s code %ld: %s", webhook_kind_name(kind), value, *said ? said : "(no words)");
	}
	cJSON_Delete(o);
	return WEBHOOK_RETRY;
}
