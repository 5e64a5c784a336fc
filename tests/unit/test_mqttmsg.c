/* MQTT payloads: commands parsed like onairctl's, stale ones told apart,
 * and every malformed payload named. */
#include "helpers.h"
#include "../../core/view.h"
#include "../../daemon/mqtt/mqttmsg.h"

#define NOW 1795300000000LL

static struct mqttmsg_cmd m;
static char err[200];

static int parse(const char *text)
{
	return mqttmsg_parse_cmd(text, strlen(text), NOW, 2000, &m, err, sizeof(err));
}

static void test_commands(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"cmd\":\"next\"}"), 0);
	assert_int_equal(m.cmd.kind, SHOW_CMD_NEXT);
	assert_int_equal(m.cmd.source, SHOW_SRC_MQTT);
	assert_int_equal(parse("{\"cmd\":\"extend\",\"arg\":\"+30\",\"from\":\"desk\",\"id\":\"7\"}"), 0);
	assert_int_equal(m.cmd.kind, SHOW_CMD_EXTEND);
	assert_int_equal(m.cmd.arg, 30000);
	assert_string_equal(m.from, "desk");
	assert_string_equal(m.id, "7");
	assert_int_equal(parse("{\"cmd\":\"goto\",\"arg\":3}"), 0);
	assert_int_equal(m.cmd.arg, 3);
	assert_int_equal(parse("{\"cmd\":\"hold-toggle\",\"sent_wall\":1795299999000}"), 0);
	assert_int_equal(m.sent_wall, 1795299999000LL);
}

static void test_stale(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"cmd\":\"next\",\"sent_wall\":1795299990000}"), -2);
	assert_string_equal(err, "stale: sent 10000 ms ago (limit 2000 ms)");
	assert_string_equal(m.word, "next");
}

static void test_malformed(void **state)
{
	static const struct {
		const char *payload, *reason;
	} bad[] = {
		{ "next", "not a JSON object" },
		{ "[1]", "not a JSON object" },
		{ "{\"cmd\":5}", "\"cmd\" must be" },
		{ "{\"cmd\":\"fly\"}", "unknown command \"fly\"" },
		{ "{\"cmd\":\"status\"}", "is not a show command" },
		{ "{\"cmd\":\"goto\",\"arg\":1.5}", "\"arg\" must be" },
		{ "{\"cmd\":\"goto\",\"arg\":[1]}", "\"arg\" must be" },
		{ "{\"cmd\":\"goto\"}", "usage: goto N" },
		{ "{\"cmd\":\"next\",\"from\":7}", "\"from\" and \"id\"" },
		{ "{\"cmd\":\"next\",\"sent_wall\":\"now\"}", "\"sent_wall\" must be" },
		{ "{\"cmd\":\"next\xff\"}", "not valid UTF-8" },
		{ "{\"cmd\":\"next\"}{\"cmd\":\"end\"}", "data after its JSON object" },
		{ "{\"cmd\":\"next\",\"cmd\":\"end\"}", "\"cmd\" twice" },
		{ "{\"cmd\":\"next\\u0000end\"}", "NUL" },
		{ "{\"cmd\":\"next\",\"from\":\"cam\\n12:00 pedal next\"}", "no control characters" },
		{ "{\"cmd\":\"next\"\x01}", "control character" },
		{ "{\"cmd\":\"goto\",\"arg\":1e19}", "\"arg\" must be" },
	};
	char big[MQTTMSG_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].payload), -1);
		if (!strstr(err, bad[i].reason))
			fail_msg("%s: \"%s\", wanted \"%s\"", bad[i].payload, err, bad[i].reason);
	}
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big), -1);
	assert_non_null(strstr(err, "over the 8192-byte limit"));
}

/* A refusal reads as the control protocol's does: "ok" false, and why. */
static void test_refusal_says_ok_false(void **state)
{
	char *e = mqttmsg_error_encode("desk", "no segment is running", "onair/s/cmd", "c-1");

	(void)state;
	assert_string_equal(e, "{\"ok\":false,\"node\":\"desk\",\"error\":\"no segment is running\","
			       "\"topic\":\"onair/s/cmd\",\"id\":\"c-1\"}");
	free(e);
}

/* JSON's own whitespace is JSON: a file sent with mosquitto_pub -f, a
 * Windows line end, Node-RED's pretty printing. */
static void test_whitespace_is_json(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"cmd\":\"next\"}\n"), 0);
	assert_int_equal(parse("{\"cmd\":\"next\"}\r\n"), 0);
	assert_int_equal(parse("{\n\t\"cmd\": \"hold\",\n\t\"from\": \"node-red\"\n}\n"), 0);
	assert_int_equal(m.cmd.kind, SHOW_CMD_HOLD);
	assert_string_equal(m.from, "node-red");
}

/* A command from the sender's future by more than the allowed age is
 * refused as a stale one is: it would otherwise replay forever. */
static void test_future_commands_are_refused(void **state)
{
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "{\"cmd\":\"next\",\"sent_wall\":%lld}", NOW + 1500);
	assert_int_equal(parse(text), 0);
	snprintf(text, sizeof(text), "{\"cmd\":\"next\",\"sent_wall\":%lld}", NOW + 3600000);
	assert_int_equal(parse(text), -2);
	assert_non_null(strstr(err, "in the future"));
}

static void test_round_trip_of_a_forwarded_press(void **state)
{
	const struct show_cmd cmds[] = {
		{ .kind = SHOW_CMD_EXTEND, .arg = -15000, .source = SHOW_SRC_PEDAL }, { .kind = SHOW_CMD_GOTO, .arg = 4, .source = SHOW_SRC_BUTTON },
		{ .kind = SHOW_CMD_AUX, .arg = 60000, .source = SHOW_SRC_CLI }, { .kind = SHOW_CMD_AUX_CANCEL, .arg = 0, .source = SHOW_SRC_CLI },
		{ .kind = SHOW_CMD_ATTENTION, .arg = 0, .source = SHOW_SRC_CLI }, { .kind = SHOW_CMD_HOLD_TOGGLE, .arg = 0, .source = SHOW_SRC_PEDAL },
		{ .kind = SHOW_CMD_INTERACTION, .source = SHOW_SRC_PEDAL }, { .kind = SHOW_CMD_PROMO, .source = SHOW_SRC_BUTTON },
		{ .kind = SHOW_CMD_MARK, .source = SHOW_SRC_PEDAL, .text = "audio" },
		{ .kind = SHOW_CMD_START, .source = SHOW_SRC_CLI, .text = "mic checked by hand", .override = true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *text = mqttmsg_cmd_encode(&cmds[i], "cam1", "cam1-1", NOW);

		assert_int_equal(mqttmsg_parse_cmd(text, strlen(text), NOW + 100, 2000, &m, err, sizeof(err)), 0);
		assert_int_equal(m.cmd.kind, cmds[i].kind);
		assert_int_equal(m.cmd.arg, cmds[i].arg);
		assert_string_equal(m.cmd.text, cmds[i].text);
		assert_int_equal(m.cmd.override, cmds[i].override);
		assert_string_equal(m.from, "cam1");
		free(text);
	}
}

static void test_answers_carry_the_command_id(void **state)
{
	char *ok = mqttmsg_ok_encode("companion-17", true), *bare = mqttmsg_ok_encode("", true);

	(void)state;
	assert_string_equal(ok, "{\"ok\":true,\"id\":\"companion-17\"}");
	assert_string_equal(bare, "{\"ok\":true}");
	free(ok);
	free(bare);
}

/* The state is built once from the show and its view, and a follower
 * decodes it once: the show comes back on its own clocks, and the words a
 * dashboard reads are there without computing them. */
static void test_state_and_status_peek(void **state)
{
	static struct rundown r;
	struct show_conf sc = show_conf_test();
	struct cue_conf cc;
	struct show_state s;
	struct show_events ev;
	struct show_cmd go = { .kind = SHOW_CMD_GOTO, .arg = 1, .source = SHOW_SRC_CLI };
	struct cue_output out;
	static struct show_view v;
	static struct mqttmsg_state st;
	char leader[64], boot[64], status[16], role[16];
	uint64_t seq;
	char *text;

	(void)state;
	memset(&r, 0, sizeof(r));
	rundown_add(&r, "opening", 60000);
	rundown_add(&r, "product one", 240000);
	strcpy(r.seg[0].notes, "greet; today's three deals");
	cue_conf_defaults(&cc);
	show_init(&s);
	assert_int_equal(show_apply(&s, &r, &sc, &go, at_ms(0), &ev, err, sizeof(err)), 0);
	cue_eval(&s, &r, &sc, &cc, at_ms(18000), &out);
	view_build(&v, &s, &r, &sc, "evening sale", &out, at_ms(18000));
	{
		cJSON *facts = cJSON_Parse("{\"cameras\":{\"3\":{\"tally\":\"program\",\"label\":\"CAM 3\"},"
					   "\"4\":{\"tally\":\"preview\"}},\"stream\":{\"onair\":\"stream\",\"state\":\"down\","
					   "\"disagreement\":\"stream_down\",\"outage\":true},"
					   /* The leader's alarms: names only, a few; markup,
					    * numbers and a flood are left out. */
					   "\"alarms\":[\"silence\",\"<b>x</b>\",7,\"clipping\",\"a\",\"b\",\"c\","
					   "\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}");

		text = mqttmsg_state_encode(&s, &v, "desk", "b-1", rundown_hash(&r), facts);
		cJSON_Delete(facts);
	}
	assert_non_null(text);
	assert_int_equal(mqttmsg_state_peek(text, strlen(text), leader, sizeof(leader), boot, sizeof(boot),
					    &seq, err, sizeof(err)), 0);
	assert_string_equal(leader, "desk");
	assert_string_equal(boot, "b-1");
	assert_int_equal(seq, s.seq);
	assert_non_null(strstr(text, "\"remaining_ms\":42000"));
	assert_non_null(strstr(text, "\"next_title\":\"product one\""));
	assert_non_null(strstr(text, "\"notes\":\"greet; today's three deals\""));
	assert_non_null(strstr(text, "\"cue\":\"wrapup\""));
	assert_non_null(strstr(text, "\"display\":\"00:42\""));
	assert_int_equal(mqttmsg_state_decode(text, strlen(text), at_ms(18000), "b-1", 4, &st, err,
					      sizeof(err)), 0);
	assert_int_equal(st.camera_tally, CUE_CAMERA_PREVIEW);
	/* Every follower's ON AIR reads the leader's stream. */
	assert_int_equal(st.stream, STREAM_DOWN);
	assert_int_equal(st.disagreement, DISAGREE_STREAM_DOWN);
	assert_int_equal(st.nalarms, MQTTMSG_ALARMS);
	assert_string_equal(st.alarm[0], "silence");
	assert_string_equal(st.alarm[1], "clipping");
	assert_string_equal(st.alarm[MQTTMSG_ALARMS - 1], "f");
	assert_int_equal(mqttmsg_state_decode(text, strlen(text), at_ms(18000), "b-1", 3, &st, err,
					      sizeof(err)), 0);
	assert_int_equal(st.camera_tally, CUE_CAMERA_PROGRAM);
	assert_string_equal(st.camera_label, "CAM 3");
	assert_int_equal(mqttmsg_state_decode(text, strlen(text), at_ms(18000), "b-1", 9, &st, err,
					      sizeof(err)), 0);
	assert_int_equal(st.camera_tally, CUE_CAMERA_UNKNOWN);
	assert_string_equal(st.leader, "desk");
	assert_int_equal(st.show.phase, SHOW_LIVE);
	assert_int_equal(st.show.seg, 0);
	assert_int_equal(st.show.seq, s.seq);
	assert_int_equal(st.rundown_hash, rundown_hash(&r));
	assert_int_equal(st.show.live_start_mono, s.live_start_mono);
	free(text);
	assert_int_equal(mqttmsg_state_decode("{\"leader\":\"x\",\"boot_id\":\"b\",\"seq\":1}", 34,
					      at_ms(0), "b-1", -1, &st, err, sizeof(err)), -1);
	assert_int_equal(mqttmsg_state_peek("{\"leader\":\"x\"}", 14, leader, sizeof(leader), boot,
					    sizeof(boot), &seq, err, sizeof(err)), -1);
	assert_int_equal(mqttmsg_status_peek("{\"status\":\"offline\",\"role\":\"leader\"}", 36, status,
					     sizeof(status), role, sizeof(role)), 0);
	assert_string_equal(status, "offline");
	assert_string_equal(role, "leader");
	assert_int_equal(mqttmsg_status_peek("offline", 7, status, sizeof(status), role, sizeof(role)), -1);
}

/* A four-hour show that visits every segment of the longest rundown, with
 * the longest texts in 3- and 4-byte characters and a switcher naming the
 * most cameras: the state stays far under what a follower takes, is valid
 * UTF-8, and the follower's show clock is the leader's. */
static void test_state_is_bounded_in_a_long_show(void **state)
{
	static struct rundown r;
	static struct show_view v;
	static struct mqttmsg_state st;
	struct show_conf sc = show_conf_test();
	struct cue_conf cc;
	static struct show_state s;
	struct show_events ev;
	struct show_clock leader_clock, follower_clock;
	struct cue_output out;
	cJSON *facts, *cams;
	char *text, title[RUNDOWN_TITLE_MAX] = "", label[96] = "";
	int64_t t = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	while (strlen(title) + 4 < sizeof(title))
		strcat(title, strlen(title) % 7 ? "\xF0\x9F\x9B\x92" : "货");
	for (int i = 0; i < RUNDOWN_MAX_SEGMENTS; i++) {
		rundown_add(&r, "", 240000);
		str_copy(r.seg[i].title, title, sizeof(r.seg[i].title));
		while (strlen(r.seg[i].notes) + 3 < sizeof(r.seg[i].notes))
			strcat(r.seg[i].notes, "讲");
	}
	cue_conf_defaults(&cc);
	show_init(&s);
	for (int i = 1; i <= RUNDOWN_MAX_SEGMENTS; i++, t += 60000) {
		struct show_cmd go = { .kind = SHOW_CMD_GOTO, .arg = i, .source = SHOW_SRC_PEDAL };
		struct show_cmd ext = { .kind = SHOW_CMD_EXTEND, .arg = 30000, .source = SHOW_SRC_PEDAL };

		assert_int_equal(show_apply(&s, &r, &sc, &go, at_ms(t), &ev, err, sizeof(err)), 0);
		assert_int_equal(show_apply(&s, &r, &sc, &ext, at_ms(t + 1000), &ev, err, sizeof(err)), 0);
	}
	/* Back to the middle: later segments carry their extensions. */
	{
		struct show_cmd go = { .kind = SHOW_CMD_GOTO, .arg = 100, .source = SHOW_SRC_PEDAL };

		assert_int_equal(show_apply(&s, &r, &sc, &go, at_ms(t), &ev, err, sizeof(err)), 0);
	}
	str_copy(s.message, title, sizeof(s.message));
	cue_eval(&s, &r, &sc, &cc, at_ms(t + 5000), &out);
	view_build(&v, &s, &r, &sc, title, &out, at_ms(t + 5000));
	facts = cJSON_CreateObject();
	cams = cJSON_AddObjectToObject(facts, "cameras");
	while (strlen(label) + 4 < MQTTMSG_LABEL_MAX)
		strcat(label, "\xF0\x9F\x8E\xA5");
	for (int i = 0; i < MQTTMSG_CAMERAS; i++) {
		char key[16];
		cJSON *c;

		snprintf(key, sizeof(key), "%d", 60000 + i);
		c = cJSON_AddObjectToObject(cams, key);
		cJSON_AddStringToObject(c, "tally", "program");
		cJSON_AddStringToObject(c, "label", label);
	}
	text = mqttmsg_state_encode(&s, &v, "desk", "b-1", rundown_hash(&r), facts);
	cJSON_Delete(facts);
	assert_non_null(text);
	if (strlen(text) > 24 * 1024)
		fail_msg("a long show's state is %zu bytes", strlen(text));
	print_message("a long show's state: %zu bytes (limit %d)\n", strlen(text), MQTTMSG_STATE_MAX);
	assert_true(strlen(text) * 2 < MQTTMSG_STATE_MAX);
	assert_true(utf8_wellformed(text, strlen(text)));
	assert_int_equal(mqttmsg_state_decode(text, strlen(text), at_ms(t + 5000), "b-1", 60005, &st, err,
					      sizeof(err)), 0);
	assert_int_equal(st.camera_tally, CUE_CAMERA_PROGRAM);
	assert_true(utf8_wellformed(st.camera_label, strlen(st.camera_label)));
	assert_int_equal(st.show.seg, 99);
	assert_true(show_clock(&s, &r, &sc, at_ms(t + 5000), &leader_clock));
	assert_true(show_clock(&st.show, &r, &sc, at_ms(t + 5000), &follower_clock));
	assert_int_equal(follower_clock.expected_end_wall, leader_clock.expected_end_wall);
	free(text);
}

/* A schema 1 leader (before 0.2) names cameras inside "sources". */
static void test_state_from_an_older_leader(void **state)
{
	static struct mqttmsg_state st;
	const char *old = "{\"version\":1,\"boot_id\":\"b-1\",\"saved_mono\":1000000,\"saved_wall\":1795300000000,"
			  "\"rundown_hash\":1,\"phase\":\"standby\",\"segment\":-1,\"seq\":3,\"call\":\"none\","
			  "\"show_start_wall\":0,\"live_start_mono\":0,\"preroll_end_mono\":0,\"preroll_end_wall\":0,"
			  "\"hold_since_mono\":0,\"hold_since_wall\":0,\"aux_end_mono\":0,\"aux_end_wall\":0,"
			  "\"aux_total_ms\":0,\"call_since_mono\":0,\"attention_until_mono\":0,"
			  "\"interaction_base_mono\":0,\"runs\":[],\"leader\":\"desk\","
			  "\"sources\":[{\"name\":\"sw\",\"tally\":{\"2\":\"preview\"}}]}";

	(void)state;
	assert_int_equal(mqttmsg_state_decode(old, strlen(old), at_ms(0), "b-1", 2, &st, err, sizeof(err)), 0);
	assert_int_equal(st.camera_tally, CUE_CAMERA_PREVIEW);
}

static void test_homeassistant_discovery(void **state)
{
	char *text = mqttmsg_ha_discovery("onair/hall-a/", "hall-a", "desk", "0.1.0");

	(void)state;
	assert_non_null(strstr(text, "\"ids\":[\"onair_hall-a_desk\"]"));
	assert_non_null(strstr(text, "\"state_topic\":\"onair/hall-a/state\""));
	assert_non_null(strstr(text, "\"availability_topic\":\"onair/hall-a/node/desk/status\""));
	for (const char *const *c = (const char *const[]){ "\"tally\":{\"p\":\"binary_sensor\"",
							   "\"segment\":{\"p\":\"sensor\"",
							   "\"segment_end\":{\"p\":\"sensor\"",
							   "\"next\":{\"p\":\"button\"",
							   "\"hold\":{\"p\":\"button\"", NULL };
	     *c; c++)
		if (!strstr(text, *c))
			fail_msg("no %s in %s", *c, text);
	assert_non_null(strstr(text, "\"device_class\":\"timestamp\""));
	free(text);
}

/* Home Assistant ignores a discovery topic whose object id has anything
 * but [A-Za-z0-9_-]: a CJK studio and a dotted node name are encoded. */
static void test_homeassistant_object_ids(void **state)
{
	char id[200];

	(void)state;
	assert_false(mqttmsg_ha_object_id(id, sizeof(id), "hall-a", "desk_1"));
	assert_string_equal(id, "onair_hall-a_desk_1");
	assert_true(mqttmsg_ha_object_id(id, sizeof(id), "\xe6\xbc\x94", "cam.2"));
	assert_string_equal(id, "onair_e6bc94_cam2e2");
	assert_true(mqttmsg_ha_object_id(id, 12, "\xe6\xbc\x94", "x"));
	assert_string_equal(id, "onair_e6bc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_homeassistant_object_ids),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_whitespace_is_json),
		cmocka_unit_test(test_refusal_says_ok_false),
		cmocka_unit_test(test_future_commands_are_refused),
		cmocka_unit_test(test_round_trip_of_a_forwarded_press),
		cmocka_unit_test(test_answers_carry_the_command_id),
		cmocka_unit_test(test_state_and_status_peek),
		cmocka_unit_test(test_state_is_bounded_in_a_long_show),
		cmocka_unit_test(test_state_from_an_older_leader),
		cmocka_unit_test(test_homeassistant_discovery),
	};

	return cmocka_run_group_tests_name("mqttmsg", tests, NULL, NULL);
}
