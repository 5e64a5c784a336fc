/* The small helpers everyone leans on: durations as operators type them,
 * UTF-8 as spreadsheets and MQTT tools send it, and the atomic file write
 * the state file relies on. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "../../core/jsontext.h"

static void test_durations_parse(void **state)
{
	int64_t ms;

	(void)state;
	assert_true(duration_parse("90", false, &ms));
	assert_int_equal(ms, 90000);
	assert_true(duration_parse("4:30", false, &ms));
	assert_int_equal(ms, 270000);
	assert_true(duration_parse("1:02:03", false, &ms));
	assert_int_equal(ms, 3723000);
	assert_true(duration_parse("+30", true, &ms));
	assert_int_equal(ms, 30000);
	assert_true(duration_parse("-1:30", true, &ms));
	assert_int_equal(ms, -90000);
	assert_false(duration_parse("-30", false, &ms));
	assert_false(duration_parse("", false, &ms));
	assert_false(duration_parse("1:60", false, &ms));
	assert_false(duration_parse("1:2:3:4", false, &ms));
	assert_false(duration_parse("abc", false, &ms));
	assert_false(duration_parse("99999999999999999999", false, &ms));
}

static void test_durations_format(void **state)
{
	char buf[32];

	(void)state;
	duration_format(270000, buf, sizeof(buf));
	assert_string_equal(buf, "4:30");
	duration_format(-12000, buf, sizeof(buf));
	assert_string_equal(buf, "-0:12");
	duration_format(3723000, buf, sizeof(buf));
	assert_string_equal(buf, "1:02:03");
	duration_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0:00");
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid("plain ascii", 11));
	assert_true(utf8_valid("产品一 超长的商品标题", strlen("产品一 超长的商品标题")));
	assert_true(utf8_valid("\xF0\x9F\x8E\xA4", 4));		/* U+1F3A4, a microphone */
	assert_false(utf8_valid("\xC0\xAF", 2));			/* overlong '/' */
	assert_false(utf8_valid("\xE0\x80\xAF", 3));		/* overlong, three bytes */
	assert_false(utf8_valid("\xED\xA0\x80", 3));		/* a UTF-16 surrogate */
	assert_false(utf8_valid("\xF4\x90\x80\x80", 4));		/* above U+10FFFF */
	assert_false(utf8_valid("\xE4\xBA", 2));			/* cut in the middle */
	assert_false(utf8_valid("\xBA", 1));			/* a lone continuation */
	assert_false(utf8_valid("a\0b", 3));			/* NUL inside */
	assert_false(utf8_valid("\xFF", 1));
}

/* Every cut of a text of 3- and 4-byte characters, at every size, is whole
 * characters and valid UTF-8. */
static void test_text_cut_on_character_boundaries(void **state)
{
	const char *mixed = "直播间\xF0\x9F\x8E\xA4主播a讲解\xF0\x9F\x9B\x92";
	char buf[64];

	(void)state;
	for (size_t size = 1; size <= strlen(mixed) + 1; size++) {
		size_t n;

		str_copy(buf, mixed, size);
		assert_true(utf8_wellformed(buf, strlen(buf)));
		assert_memory_equal(buf, mixed, strlen(buf));
		n = text_copy(buf, mixed, size);
		assert_int_equal(n, strlen(buf));
		assert_true(utf8_wellformed(buf, n));
		assert_memory_equal(buf, mixed, n);
		/* Never shorter than a whole character less than the room. */
		assert_true(n + 4 >= size - 1 || n == strlen(mixed));
	}
	/* Malformed bytes and control characters from a peer are left out;
	 * utf8_copy keeps a note's line break. */
	text_copy(buf, "A\xE4\xBA\x01" "B\xFF\xC0\xAF产\n", sizeof(buf));
	assert_string_equal(buf, "AB产");
	utf8_copy(buf, "A\xE4\xBA\nB", sizeof(buf));
	assert_string_equal(buf, "A\nB");
}

/* Whatever a buffer holds, what goes into JSON is valid UTF-8. */
static void test_json_text_is_utf8(void **state)
{
	cJSON *o = cJSON_CreateObject();
	char cut[9], *text;

	(void)state;
	memcpy(cut, "产品\xE4\xBA", 9);	/* a third character cut after two bytes */
	json_add_text(o, "t", cut);
	json_add_text(o, "u", "\xF0\x9F\x8E\xA4 ok");
	text = cJSON_PrintUnformatted(o);
	assert_string_equal(text, "{\"t\":\"产品\",\"u\":\"\xF0\x9F\x8E\xA4 ok\"}");
	assert_true(utf8_wellformed(text, strlen(text)));
	free(text);
	cJSON_Delete(o);
}

/* The one token bucket (the MQTT door, the show log's limits): a burst,
 * then per_s a second, never more than the burst saved up. */
static void test_rate_limit(void **state)
{
	struct rate_limit r = { 0 };
	int taken = 0;

	(void)state;
	for (int i = 0; i < 200; i++)
		taken += rate_take(&r, 1000, 100, 60);
	assert_int_equal(taken, 100);
	assert_false(rate_take(&r, 1000, 100, 60));
	/* 0.5 s later: 30 more. */
	taken = 0;
	for (int i = 0; i < 100; i++)
		taken += rate_take(&r, 1500, 100, 60);
	assert_int_equal(taken, 30);
	/* An hour idle saves up the burst, no more. */
	taken = 0;
	for (int i = 0; i < 500; i++)
		taken += rate_take(&r, 1500 + 3600 * 1000, 100, 60);
	assert_int_equal(taken, 100);
}

static void test_atomic_write_replaces_whole(void **state)
{
	char dir[] = "/tmp/onair-util-XXXXXX", path[64], tmp[80], *text;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/show.state", dir);
	assert_int_equal(file_write_atomic(path, "first version", 13), 0);
	assert_int_equal(file_write_atomic(path, "second", 6), 0);
	text = file_read(path, 1024, &len);
	assert_non_null(text);
	assert_int_equal(len, 6);
	assert_string_equal(text, "second");
	free(text);
	/* No temporary file is left beside it. */
	snprintf(tmp, sizeof(tmp), "%s/show.state.tmp", dir);
	assert_int_equal(access(tmp, F_OK), -1);
	/* A file over the limit is refused, not cut. */
	assert_null(file_read(path, 3, &len));
	/* A folder that is not there: an error with errno, nothing written. */
	snprintf(path, sizeof(path), "%s/missing/show.state", dir);
	assert_int_equal(file_write_atomic(path, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/show.state", dir);
	unlink(path);
	rmdir(dir);
}

static void test_int_and_bool(void **state)
{
	long long n;
	bool b;

	(void)state;
	assert_true(int_parse("15", 0, 15, &n));
	assert_int_equal(n, 15);
	assert_false(int_parse("16", 0, 15, &n));
	assert_false(int_parse("1x", 0, 15, &n));
	assert_false(int_parse("", 0, 15, &n));
	assert_false(int_parse("9223372036854775808", 0, 15, &n));
	assert_true(bool_parse("yes", &b) && b);
	assert_true(bool_parse("off", &b) && !b);
	assert_false(bool_parse("maybe", &b));
}

/* The one "did you mean": near enough for the word's length, the nearest
 * kept, and nothing for a short word of garbage. */
static const char *nearest_of(const char *word)
{
	static const char *const names[] = { "start", "next", "mode", "preroll", "status", "wrapup" };
	struct nearest near = NEAREST(word);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		nearest_offer(&near, names[i]);
	return near.best;
}

static void test_did_you_mean(void **state)
{
	(void)state;
	assert_string_equal(nearest_of("nxt"), "next");
	assert_string_equal(nearest_of("strat"), "start");
	assert_string_equal(nearest_of("mdoe"), "mode");
	assert_string_equal(nearest_of("prerol"), "preroll");
	assert_string_equal(nearest_of("statsu"), "status");
	assert_string_equal(nearest_of("wrpaupx"), "wrapup");	/* three edits at seven letters */
	assert_null(nearest_of("xyz"));			/* two edits from "next": too far at three */
	assert_string_equal(nearest_of("moxie"), "mode");		/* two edits at five letters */
	assert_null(nearest_of("qqqqq"));
	assert_null(nearest_of("prxxxxll"));			/* four edits */
	assert_null(nearest_of(""));
}

static void test_hostport(void **state)
{
	char host[16];
	int port;

	(void)state;
	assert_true(hostport_parse("127.0.0.1:8080", host, sizeof(host), &port));
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_true(hostport_parse("[::1]:9", host, sizeof(host), &port));
	assert_string_equal(host, "::1");
	assert_false(hostport_parse("nope", host, sizeof(host), &port));
	assert_false(hostport_parse(":80", host, sizeof(host), &port));
	assert_false(hostport_parse("h:0", host, sizeof(host), &port));
	assert_false(hostport_parse("h:65536", host, sizeof(host), &port));
	assert_false(hostport_parse("[]:80", host, sizeof(host), &port));
	assert_false(hostport_parse("a-very-long-host-name:80", host, sizeof(host), &port));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_did_you_mean),
		cmocka_unit_test(test_durations_parse),
		cmocka_unit_test(test_durations_format),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_text_cut_on_character_boundaries),
		cmocka_unit_test(test_json_text_is_utf8),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_atomic_write_replaces_whole),
		cmocka_unit_test(test_int_and_bool),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
