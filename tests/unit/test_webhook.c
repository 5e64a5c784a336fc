/* What the group robots are sent: each service's text shape, its mention
 * of everyone, its signature (the expected ones made with Python's hmac
 * and base64, not this code), text cut to WeCom's 2048 bytes on a
 * character boundary, and what each answer means. */
#include "helpers.h"
#include "../../core/util.h"
#include "../../core/webhook.h"

static cJSON *parse(char *body)
{
	cJSON *o;

	assert_non_null(body);
	o = cJSON_Parse(body);
	free(body);
	assert_non_null(o);
	return o;
}

static const char *at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_GetStringValue(v);
}

static void test_shapes(void **state)
{
	cJSON *o;

	(void)state;
	o = parse(webhook_body(WEBHOOK_WECOM, "直播间 room-3: 推流中断", true, NULL, "", 0));
	assert_string_equal(at(o, "msgtype", NULL), "text");
	assert_string_equal(at(o, "text", "content"), "直播间 room-3: 推流中断");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "text"), "mentioned_list"), 0)),
		"@all");
	cJSON_Delete(o);
	o = parse(webhook_body(WEBHOOK_WECOM, "x", false, NULL, "", 0));
	assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "text"), "mentioned_list"));
	cJSON_Delete(o);

	o = parse(webhook_body(WEBHOOK_DINGTALK, "麦克风无声", true, NULL, "SECabc", 0));
	assert_string_equal(at(o, "msgtype", NULL), "text");
	assert_string_equal(at(o, "text", "content"), "麦克风无声");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "at"),
								   "isAtAll")));
	cJSON_Delete(o);

	o = parse(webhook_body(WEBHOOK_FEISHU, "推流卡顿", false, NULL, "", 0));
	assert_string_equal(at(o, "msg_type", NULL), "text");
	assert_string_equal(at(o, "content", "text"), "推流卡顿");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "sign"));
	cJSON_Delete(o);
	o = parse(webhook_body(WEBHOOK_FEISHU, "推流卡顿", true, NULL, "", 0));
	assert_non_null(strstr(at(o, "content", "text"), "<at user_id=\"all\">"));
	cJSON_Delete(o);

	{
		cJSON *detail = cJSON_Parse("[{\"room\":\"r1\",\"rule\":\"stream\"}]");

		o = parse(webhook_body(WEBHOOK_JSON, "t", false, detail, "", 0));
		assert_string_equal(at(o, "source", NULL), "onair");
		assert_string_equal(at(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "alerts"), 0), "room",
				       NULL), "r1");
		cJSON_Delete(detail);
		cJSON_Delete(o);
	}
}

static void test_signatures(void **state)
{
	char url[512];
	cJSON *o;

	(void)state;
	/* DingTalk: HMAC-SHA256 keyed by the secret over "ms\nsecret". */
	assert_true(webhook_url(WEBHOOK_DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=T", "SECabc123",
				1733400000000LL, url, sizeof(url)));
	assert_string_equal(url, "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1733400000000"
				 "&sign=5eS87%2FXqPcvwAfEqKBSxzJhwU6TrG%2F040PcSwYvWJj8%3D");
	/* Unsigned, or another service: the address as it is. */
	assert_true(webhook_url(WEBHOOK_DINGTALK, "https://x/send?access_token=T", "", 1, url, sizeof(url)));
	assert_string_equal(url, "https://x/send?access_token=T");
	assert_true(webhook_url(WEBHOOK_WECOM, "https://q/send?key=K", "s", 1, url, sizeof(url)));
	assert_string_equal(url, "https://q/send?key=K");
	assert_false(webhook_url(WEBHOOK_DINGTALK, "https://x/send", "s", 1, url, 20));

	/* Feishu: HMAC-SHA256 keyed by "s\nsecret" over nothing, in the body. */
	o = parse(webhook_body(WEBHOOK_FEISHU, "t", false, NULL, "feishu-secret", 1733400000999LL));
	assert_string_equal(at(o, "timestamp", NULL), "1733400000");
	assert_string_equal(at(o, "sign", NULL), "7dg6kSvN2rk86JxtIiOY1yyQzAfXSb4wIhrNzaE3/fQ=");
	cJSON_Delete(o);
}

static void test_cut_on_a_character(void **state)
{
	char text[3000];
	cJSON *o;
	const char *content;

	(void)state;
	/* 1000 three-byte characters after one ASCII byte: 2048 falls inside one. */
	text[0] = 'x';
	for (int i = 0; i < 999; i++)
		memcpy(text + 1 + 3 * i, "直", 3);
	text[1 + 3 * 999] = '\0';
	o = parse(webhook_body(WEBHOOK_WECOM, text, false, NULL, "", 0));
	content = at(o, "text", "content");
	assert_true(strlen(content) <= 2048);
	assert_true(strlen(content) >= 2045);
	assert_true(utf8_valid(content, strlen(content)));
	cJSON_Delete(o);
	/* Four-byte characters (𝄞, U+1D11E) at every offset of the limit. */
	for (int lead = 0; lead < 4; lead++) {
		memset(text, 'x', (size_t)lead);
		for (int i = 0; i < 600; i++)
			memcpy(text + lead + 4 * i, "\xF0\x9D\x84\x9E", 4);
		text[lead + 4 * 600] = '\0';
		o = parse(webhook_body(WEBHOOK_DINGTALK, text, false, NULL, "", 0));
		content = at(o, "text", "content");
		assert_true(strlen(content) <= 2048 && strlen(content) > 2044);
		assert_true(utf8_valid(content, strlen(content)));
		assert_int_equal((strlen(content) - (size_t)lead) % 4, 0);
		cJSON_Delete(o);
	}
}

static void test_answers(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(webhook_answer(WEBHOOK_WECOM, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", 27, why, sizeof(why)),
			 WEBHOOK_DELIVERED);
	assert_int_equal(webhook_answer(WEBHOOK_WECOM, 200, "{\"errcode\":45009,\"errmsg\":\"freq\"}", 33, why,
					sizeof(why)), WEBHOOK_RETRY);
	assert_int_equal(webhook_answer(WEBHOOK_WECOM, 200, "{\"errcode\":93000}", 17, why, sizeof(why)),
			 WEBHOOK_REFUSED);
	assert_int_equal(webhook_answer(WEBHOOK_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}",
					44, why, sizeof(why)), WEBHOOK_REFUSED);
	assert_non_null(strstr(why, "310000"));
	assert_int_equal(webhook_answer(WEBHOOK_DINGTALK, 200, "{\"errcode\":130101}", 18, why, sizeof(why)),
			 WEBHOOK_RETRY);
	assert_int_equal(webhook_answer(WEBHOOK_FEISHU, 200, "{\"code\":0,\"msg\":\"success\"}", 26, why, sizeof(why)),
			 WEBHOOK_DELIVERED);
	assert_int_equal(webhook_answer(WEBHOOK_FEISHU, 200, "{\"StatusCode\":0}", 16, why, sizeof(why)),
			 WEBHOOK_DELIVERED);
	assert_int_equal(webhook_answer(WEBHOOK_FEISHU, 200, "{\"code\":19021,\"msg\":\"sign match fail\"}", 38, why,
					sizeof(why)), WEBHOOK_REFUSED);
	/* An unknown code is tried again; its words are the service's. */
	assert_int_equal(webhook_answer(WEBHOOK_FEISHU, 200, "{\"code\":777,\"msg\":\"odd\"}", 24, why, sizeof(why)),
			 WEBHOOK_RETRY);
	assert_non_null(strstr(why, "odd"));
	/* A proxy's page, a dead service, a limit, a wrong address. */
	assert_int_equal(webhook_answer(WEBHOOK_WECOM, 200, "<html>", 6, why, sizeof(why)), WEBHOOK_RETRY);
	assert_int_equal(webhook_answer(WEBHOOK_WECOM, 0, NULL, 0, why, sizeof(why)), WEBHOOK_RETRY);
	assert_int_equal(webhook_answer(WEBHOOK_JSON, 503, "", 0, why, sizeof(why)), WEBHOOK_RETRY);
	assert_int_equal(webhook_answer(WEBHOOK_JSON, 429, "", 0, why, sizeof(why)), WEBHOOK_RETRY);
	assert_int_equal(webhook_answer(WEBHOOK_JSON, 404, "", 0, why, sizeof(why)), WEBHOOK_REFUSED);
	assert_int_equal(webhook_answer(WEBHOOK_JSON, 204, "", 0, why, sizeof(why)), WEBHOOK_DELIVERED);
	/* A code too large to be one. */
	assert_int_equal(webhook_answer(WEBHOOK_WECOM, 200, "{\"errcode\":1e300}", 17, why, sizeof(why)),
			 WEBHOOK_RETRY);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(webhook_kind_parse("wecom"), WEBHOOK_WECOM);
	assert_int_equal(webhook_kind_parse("feishu"), WEBHOOK_FEISHU);
	assert_int_equal(webhook_kind_parse("slack"), -1);
	assert_string_equal(webhook_kind_name(WEBHOOK_DINGTALK), "dingtalk");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_cut_on_a_character),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
