/* What a group robot is sent and what its answer means: WeCom (企业微信),
 * DingTalk (钉钉) and Feishu (飞书) text messages with the signing each
 * requires, and a plain JSON webhook. Pure: no network, no clock of its own
 * (the caller gives the moment a signature is made for), so every byte is
 * unit-tested and the answer parser is fuzzed.
 *
 * The formats, from each service's public robot documentation:
 *   WeCom    POST {"msgtype":"text","text":{"content":…,"mentioned_list":["@all"]}},
 *            content at most 2048 bytes; the key is in the URL.
 *            https://developer.work.weixin.qq.com/document/path/91770
 *   DingTalk POST {"msgtype":"text","text":{"content":…},"at":{"isAtAll":…}};
 *            signed: &timestamp=MS&sign=urlencode(base64(HMAC-SHA256(key=secret,
 *            "MS\nsecret"))) on the URL, refused when an hour old.
 *            https://open.dingtalk.com/document/robots/customize-robot-security-settings
 *   Feishu   POST {"msg_type":"text","content":{"text":…}}; signed: "timestamp"
 *            (seconds) and "sign" = base64(HMAC-SHA256(key="S\nsecret", "")) in
 *            the body. https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 * Each answers HTTP 200 with a code in its JSON: 0 is delivered. */
#ifndef ONAIR_WEBHOOK_H
#define ONAIR_WEBHOOK_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum webhook_kind { WEBHOOK_JSON, WEBHOOK_WECOM, WEBHOOK_DINGTALK, WEBHOOK_FEISHU, WEBHOOK_KINDS };

/* "json", "wecom", "dingtalk", "feishu"; -1 when none of them. */
int webhook_kind_parse(const char *name);
const char *webhook_kind_name(enum webhook_kind kind);
/* The most text a message carries in bytes (WeCom's 2048), cut on a
 * character boundary by webhook_body. */
size_t webhook_text_max(enum webhook_kind kind);

/* The request body (malloc'd JSON): text, with everyone mentioned when
 * mention_all, and for the plain webhook the structured detail too (may be
 * NULL). Feishu's signature goes in the body when secret is not "". */
char *webhook_body(enum webhook_kind kind, const char *text, bool mention_all, const cJSON *detail,
		   const char *secret, int64_t now_wall_ms);
/* The URL to post to: DingTalk's signature appended when secret is not "".
 * False when it does not fit. */
bool webhook_url(enum webhook_kind kind, const char *url, const char *secret, int64_t now_wall_ms, char *out,
		 size_t outlen);

/* HMAC-SHA256 of msg under key, in base64 (44 characters and a NUL). */
void webhook_hmac_b64(const char *key, size_t keylen, const char *msg, size_t msglen, char out[45]);

enum webhook_verdict {
	WEBHOOK_DELIVERED,
	WEBHOOK_RETRY,		/* the service is down, busy or limiting: later */
	WEBHOOK_REFUSED,	/* it will never take this one (a bad key, signature, keyword) */
};

/* What the answer means: the HTTP status (0: no answer at all) and the
 * body as received (need not be JSON, need not end in NUL). why says it in
 * words for the log. */
enum webhook_verdict webhook_answer(enum webhook_kind kind, long http_status, const char *body, size_t len,
				    char *why, size_t whylen);

#endif
