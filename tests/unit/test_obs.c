/* The OBS source's pure parts: the WebSocket handshake and frames
 * (RFC 6455's own example key), obs-websocket 5's authentication (its
 * protocol document's example salt and challenge, the answer computed
 * with Python's hashlib) and messages, and the stream-against-show truth. */
#include "helpers.h"
#include "../../core/obsws.h"
#include "../../core/truth.h"
#include "../../core/ws.h"

static char err[200];
static struct { enum ws_opcode op; char data[512]; size_t len; } msg[8];
static int nmsg;

static void keep(void *ctx, enum ws_opcode op, const uint8_t *data, size_t len)
{
	(void)ctx;
	if (nmsg < 8) {
		msg[nmsg].op = op;
		msg[nmsg].len = len;
		memcpy(msg[nmsg].data, data, len < 511 ? len : 511);
		msg[nmsg++].data[len < 511 ? len : 511] = '\0';
	}
}

static void test_handshake(void **state)
{
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";	/* RFC 6455 section 1.3 */
	const char *good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi";
	const char *wrong = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
	const char *http = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	char req[512];

	(void)state;
	assert_true(ws_request(req, sizeof(req), "127.0.0.1", 4455, "/", key, "obswebsocket.json") > 0);
	assert_non_null(strstr(req, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
	assert_non_null(strstr(req, "Host: 127.0.0.1:4455\r\n"));
	assert_int_equal(ws_response(good, 40, key, err, sizeof(err)), 0);	/* not all here yet */
	assert_int_equal(ws_response(good, strlen(good), key, err, sizeof(err)), (int)strlen(good) - 4);
	assert_int_equal(ws_response(wrong, strlen(wrong), key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Sec-WebSocket-Accept"));
	assert_int_equal(ws_response(http, strlen(http), key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "404"));
}

static void test_frames(void **state)
{
	struct ws_reader r;
	const uint8_t mask[4] = { 1, 2, 3, 4 };
	uint8_t out[200];
	/* A text message in two fragments with a ping between, fed a byte at
	 * a time; then a close with code 4009. */
	const uint8_t in[] = { 0x01, 3, 'a', 'b', 'c', 0x89, 1, 'p', 0x80, 2, 'd', 'e', 0x88, 2, 0x0f, 0xa9 };
	const uint8_t masked[] = { 0x81, 0x81, 1, 2, 3, 4, 'x' };
	const uint8_t huge[] = { 0x81, 127, 0, 0, 0, 0, 0x10, 0, 0, 0 };
	int n = ws_frame(out, sizeof(out), WS_TEXT, "hello", 5, mask);

	(void)state;
	assert_int_equal(n, 11);
	assert_int_equal(out[0], 0x81);
	assert_int_equal(out[1], 0x80 | 5);
	assert_int_equal(out[6], 'h' ^ 1);
	assert_int_equal(out[10], 'o' ^ 1);
	ws_reader_init(&r);
	nmsg = 0;
	for (size_t i = 0; i < sizeof(in); i++)
		assert_int_equal(ws_reader_feed(&r, in + i, 1, keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(nmsg, 3);
	assert_int_equal(msg[0].op, WS_PING);
	assert_string_equal(msg[0].data, "p");
	assert_int_equal(msg[1].op, WS_TEXT);
	assert_string_equal(msg[1].data, "abcde");
	assert_int_equal(msg[2].op, WS_CLOSE);
	assert_int_equal(ws_close_code((const uint8_t *)msg[2].data, msg[2].len), OBSWS_AUTH_FAILED);
	ws_reader_free(&r);
	assert_int_equal(ws_reader_feed(&r, masked, sizeof(masked), keep, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "masked"));
	ws_reader_free(&r);
	assert_int_equal(ws_reader_feed(&r, huge, sizeof(huge), keep, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "256 KiB"));
	ws_reader_free(&r);
}

static void test_obs_auth_and_state(void **state)
{
	struct obsws o;
	char auth[64];
	const char *hello = "{\"op\":0,\"d\":{\"obsWebSocketVersion\":\"5.1.0\",\"rpcVersion\":1,\"authentication\":"
			    "{\"challenge\":\"+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=\","
			    "\"salt\":\"lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=\"}}}";
#define M(text) obsws_message(&o, text, strlen(text), "supersecretpassword", err, sizeof(err))

	(void)state;
	obsws_auth("supersecretpassword", "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=",
		   "+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=", auth, sizeof(auth));
	assert_string_equal(auth, "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4=");
	obsws_init(&o);
	assert_int_equal(M(hello), 0);
	assert_int_equal(o.nout, 1);
	assert_non_null(strstr(o.out[0], "\"authentication\":\"1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4=\""));
	assert_non_null(strstr(o.out[0], "\"eventSubscriptions\":69"));
	/* Before Identified, events are not taken. */
	assert_int_equal(M("{\"op\":5,\"d\":{\"eventType\":\"StreamStateChanged\",\"eventData\":"
			   "{\"outputActive\":true,\"outputState\":\"OBS_WEBSOCKET_OUTPUT_STARTED\"}}}"), 0);
	assert_false(obsws_streaming(&o));
	assert_int_equal(M("{\"op\":2,\"d\":{\"negotiatedRpcVersion\":1}}"), 1);
	assert_int_equal(o.nout, 5);	/* Identify, then the four questions */
	assert_int_equal(M("{\"op\":7,\"d\":{\"requestType\":\"GetCurrentProgramScene\",\"requestId\":\"x\","
			   "\"requestStatus\":{\"result\":true,\"code\":100},"
			   "\"responseData\":{\"currentProgramSceneName\":\"Cam\\u0007 1\"}}}"), 1);
	assert_string_equal(o.program_scene, "Cam 1");	/* no control character kept */
	assert_int_equal(M("{\"op\":7,\"d\":{\"requestType\":\"GetStreamStatus\",\"requestStatus\":{\"result\":true},"
			   "\"responseData\":{\"outputActive\":true,\"outputReconnecting\":false}}}"), 1);
	assert_true(obsws_streaming(&o));
	assert_int_equal(M("{\"op\":5,\"d\":{\"eventType\":\"StreamStateChanged\",\"eventData\":"
			   "{\"outputActive\":true,\"outputState\":\"OBS_WEBSOCKET_OUTPUT_RECONNECTING\"}}}"), 1);
	assert_false(obsws_streaming(&o));	/* reconnecting reaches nobody */
	assert_int_equal(M("{\"op\":5,\"d\":{\"eventType\":\"SceneNameChanged\",\"eventData\":"
			   "{\"oldSceneName\":\"Cam 1\",\"sceneName\":\"Wide\"}}}"), 1);
	assert_string_equal(o.program_scene, "Wide");
	/* 49 Chinese characters (147 bytes) into a 128-byte name: cut after
	 * the 42nd character, never inside one. */
	{
		char ev[512], name[160] = "";

		for (int i = 0; i < 49; i++)
			strcat(name, "镜");
		snprintf(ev, sizeof(ev), "{\"op\":5,\"d\":{\"eventType\":\"CurrentProgramSceneChanged\","
			 "\"eventData\":{\"sceneName\":\"%s\"}}}", name);
		assert_int_equal(M(ev), 1);
		assert_int_equal(strlen(o.program_scene), 42 * 3);
		assert_true(utf8_wellformed(o.program_scene, strlen(o.program_scene)));
	}
	assert_int_equal(M("[1,2]"), -1);
	assert_int_equal(M("{\"op\":0,\"d\":{}}"), -1);		/* a second Hello */
	obsws_free(&o);
	obsws_init(&o);
	assert_int_equal(obsws_message(&o, hello, strlen(hello), NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "password"));
	obsws_free(&o);
#undef M
}

static void test_truth(void **state)
{
	struct truth t;
	struct truth_conf c = { .mode = ONAIR_STREAM, .grace_ms = 5000 };
	struct truth_change ch;
	struct cue_conf cc;
	struct cue_output out;
	struct show_state s = { .phase = SHOW_LIVE };
	struct rundown r = { 0 };
	struct show_conf sc = { 0 };

	(void)state;
	cue_conf_defaults(&cc);
	truth_init(&t);
	/* The stream drops while the show is live: an outage at once, the
	 * disagreement only after the grace. */
	assert_int_equal(truth_update(&t, &c, STREAM_LIVE, SHOW_LIVE, 1000, &ch), NEVER);
	assert_int_equal(truth_update(&t, &c, STREAM_DOWN, SHOW_LIVE, 2000, &ch), 7000);
	assert_true(ch.outage_began);
	assert_int_equal(t.shown, AGREE);
	truth_update(&t, &c, STREAM_DOWN, SHOW_LIVE, 7000, &ch);
	assert_int_equal(ch.began, DISAGREE_STREAM_DOWN);
	rundown_add(&r, "A", 60000);
	cue_eval(&s, &r, &sc, &cc, at_ms(0), &out);
	assert_true(out.onair);
	truth_apply(&out, &t, &c, SHOW_LIVE, &cc, at_ms(0));
	assert_false(out.onair);	/* ON AIR follows the stream */
	assert_int_equal(out.cond, CUE_COND_STREAM_DOWN);
	/* Back within the show: both end. */
	truth_update(&t, &c, STREAM_LIVE, SHOW_LIVE, 9000, &ch);
	assert_int_equal(ch.ended, DISAGREE_STREAM_DOWN);
	assert_true(ch.outage_ended);
	/* A blip shorter than the grace is no disagreement. */
	truth_update(&t, &c, STREAM_DOWN, SHOW_LIVE, 10000, &ch);
	truth_update(&t, &c, STREAM_LIVE, SHOW_LIVE, 12000, &ch);
	truth_update(&t, &c, STREAM_LIVE, SHOW_LIVE, 20000, &ch);
	assert_int_equal(ch.began, AGREE);
	/* Live while the show is in standby; OBS gone is unknown, never off. */
	truth_update(&t, &c, STREAM_LIVE, SHOW_STANDBY, 30000, &ch);
	truth_update(&t, &c, STREAM_LIVE, SHOW_STANDBY, 35000, &ch);
	assert_int_equal(ch.began, DISAGREE_STREAM_LIVE);
	truth_update(&t, &c, STREAM_UNKNOWN, SHOW_LIVE, 36000, &ch);
	assert_int_equal(ch.ended, DISAGREE_STREAM_LIVE);
	assert_true(ch.outage_began);
	cue_eval(&s, &r, &sc, &cc, at_ms(0), &out);
	out.cond = CUE_COND_LIVE;	/* a calm moment of the show */
	truth_apply(&out, &t, &c, SHOW_LIVE, &cc, at_ms(0));
	assert_true(out.onair);		/* onair_unknown = show */
	assert_int_equal(out.cond, CUE_COND_STREAM_UNKNOWN);
	c.unknown_dark = true;
	cue_eval(&s, &r, &sc, &cc, at_ms(0), &out);
	truth_apply(&out, &t, &c, SHOW_LIVE, &cc, at_ms(0));
	assert_false(out.onair);
	/* both: lit only when the show and the stream agree. */
	c.mode = ONAIR_BOTH;
	truth_update(&t, &c, STREAM_LIVE, SHOW_STANDBY, 40000, &ch);
	cue_eval(&s, &r, &sc, &cc, at_ms(0), &out);
	truth_apply(&out, &t, &c, SHOW_STANDBY, &cc, at_ms(0));
	assert_false(out.onair);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_obs_auth_and_state),
		cmocka_unit_test(test_truth),
	};

	return cmocka_run_group_tests_name("obs", tests, NULL, NULL);
}
