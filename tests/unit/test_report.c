/* The after-show report, built from a show log. */
#include "helpers.h"
#include "../../core/util.h"
#include "../../daemon/show/report.h"

static const char log_text[] =
	"{\"event\":\"preroll\",\"show\":\"Friday\",\"time\":\"2026-11-22T20:00:00.000+08:00\",\"source\":\"pedal\",\"who\":\"pedal1\"}\n"
	"{\"event\":\"segment_start\",\"segment\":1,\"title\":\"开场 Opening\",\"planned_ms\":300000,\"source\":\"timer\",\"time\":\"2026-11-22T20:00:10.000+08:00\"}\n"
	"{\"event\":\"hold\",\"segment\":1,\"title\":\"开场 Opening\",\"source\":\"button\",\"who\":\"anchor\"}\n"
	"{\"event\":\"resume\",\"segment\":1,\"title\":\"开场 Opening\",\"value_ms\":15000,\"source\":\"button\"}\n"
	"this line is garbage\n"
	"{\"event\":\"extend\",\"segment\":1,\"title\":\"开场 Opening\",\"value_ms\":30000,\"planned_ms\":330000,\"source\":\"cli\"}\n"
	"{\"event\":\"segment_end\",\"segment\":1,\"title\":\"开场 Opening\",\"value_ms\":345000,\"planned_ms\":330000,\"source\":\"pedal\"}\n"
	"{\"event\":\"segment_start\",\"segment\":2,\"title\":\"Product, \\\"A\\\"\",\"planned_ms\":240000,\"source\":\"pedal\"}\n"
	"{\"event\":\"rejected\",\"command\":\"prev\",\"reason\":\"no\",\"source\":\"mqtt\"}\n"
	"{\"event\":\"segment_end\",\"segment\":2,\"title\":\"Product, \\\"A\\\"\",\"value_ms\":200000,\"planned_ms\":240000,\"source\":\"pedal\"}\n"
	"{\"event\":\"end\",\"segment\":2,\"source\":\"pedal\"}\n";

static void test_csv(void **state)
{
	char *csv = report_build(log_text, strlen(log_text), REPORT_CSV);

	(void)state;
	print_message("%s", csv);
	assert_non_null(strstr(csv, "segment,title,planned_s,actual_s,diff_s,holds,held_s,extended_s,started_by,"));
	assert_non_null(strstr(csv, "1,\"开场 Opening\",300.0,345.0,15.0,1,15.0,30.0,timer,\"\",done,"));
	assert_non_null(strstr(csv, "2,\"Product, \"\"A\"\"\",240.0,200.0,-40.0,0,0.0,0.0,pedal,\"\",done,"));
	free(csv);
}

/* Titles a spreadsheet would run as formulas open as text. */
static void test_csv_formulas_are_text(void **state)
{
	static const char *const hostile[] = {
		"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
		"\\tx", "\\rx", "=1", "+A1",
	};
	char log[4096], *csv;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		n += (size_t)snprintf(log + n, sizeof(log) - n,
				      "{\"event\":\"segment_start\",\"segment\":%zu,\"title\":\"%s\",\"planned_ms\":1000}\n",
				      i + 1, hostile[i]);
	csv = report_build(log, n, REPORT_CSV);
	print_message("%s", csv);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n%zu,\"'", i + 1);
		if (!strstr(csv, want))
			fail_msg("title %zu opens as a formula", i + 1);
	}
	assert_null(strstr(csv, ",\"="));
	free(csv);
}

static void test_table(void **state)
{
	char *t = report_build(log_text, strlen(log_text), REPORT_TEXT);

	(void)state;
	print_message("%s", t);
	assert_non_null(strstr(t, "Show report: Friday"));
	assert_non_null(strstr(t, "1 segment over, by +0:15 in all"));
	assert_non_null(strstr(t, "(1 unreadable log line skipped)"));
	/* Issue 26.3: who pressed what in words; a refusal under the segment
	 * running when it came (it was "segment 0"). */
	assert_non_null(strstr(t, "segment 2  refused prev: no  by mqtt\n"));
	assert_non_null(strstr(t, "segment 1  held  by button, anchor\n"));
	assert_null(strstr(t, ",rejected,"));
	free(t);
}

/* A show that began with a rundown of five, skipped the third, never
 * reached the fifth; rhythm events and marks along the way. */
static const char review_log[] =
	"{\"event\":\"rundown\",\"show\":\"Sale\",\"planned_end_wall\":1000600000,\"segments\":["
	"{\"title\":\"Opening\",\"kind\":\"opening\",\"planned_ms\":60000,\"promo_quota\":0},"
	"{\"title\":\"Thermos\",\"kind\":\"product\",\"planned_ms\":120000,\"promo_quota\":3},"
	"{\"title\":\"Jacket\",\"kind\":\"product\",\"planned_ms\":120000,\"promo_quota\":3},"
	"{\"title\":\"Q&A <b>\",\"kind\":\"interaction\",\"planned_ms\":60000,\"promo_quota\":0},"
	"{\"title\":\"Closing\",\"kind\":\"closing\",\"planned_ms\":60000,\"promo_quota\":0}]}\n"
	"{\"event\":\"segment_start\",\"segment\":1,\"title\":\"Opening\",\"planned_ms\":60000,\"source\":\"cli\",\"wall_ms\":1000000000}\n"
	"{\"event\":\"segment_end\",\"segment\":1,\"value_ms\":60000,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000060000}\n"
	"{\"event\":\"segment_start\",\"segment\":2,\"title\":\"Thermos\",\"planned_ms\":120000,\"source\":\"pedal\",\"wall_ms\":1000060000}\n"
	"{\"event\":\"promo_due\",\"segment\":2,\"value_ms\":1,\"source\":\"timer\",\"wall_ms\":1000075000}\n"
	"{\"event\":\"promo_said\",\"segment\":2,\"value_ms\":1,\"source\":\"pedal\",\"wall_ms\":1000080000}\n"
	"{\"event\":\"promo_due\",\"segment\":2,\"value_ms\":2,\"source\":\"timer\",\"wall_ms\":1000090000}\n"
	"{\"event\":\"interaction_due\",\"segment\":2,\"value_ms\":0,\"source\":\"timer\",\"wall_ms\":1000095000}\n"
	"{\"event\":\"mark\",\"segment\":2,\"text\":\"audio\",\"value_ms\":100000,\"source\":\"button\",\"who\":\"desk\",\"wall_ms\":1000100000}\n"
	"{\"event\":\"promo_due\",\"segment\":2,\"value_ms\":3,\"source\":\"timer\",\"wall_ms\":1000105000}\n"
	"{\"event\":\"interaction_missed\",\"segment\":2,\"value_ms\":20000,\"source\":\"timer\",\"wall_ms\":1000115000}\n"
	"{\"event\":\"segment_end\",\"segment\":2,\"value_ms\":130000,\"planned_ms\":120000,\"source\":\"pedal\",\"wall_ms\":1000190000}\n"
	"{\"event\":\"segment_start\",\"segment\":4,\"title\":\"Q&A <b>\",\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000190000}\n"
	"{\"event\":\"interaction_done\",\"segment\":4,\"value_ms\":190000,\"source\":\"timer\",\"wall_ms\":1000190000}\n"
	"{\"event\":\"segment_end\",\"segment\":4,\"value_ms\":50000,\"planned_ms\":60000,\"source\":\"cli\",\"wall_ms\":1000240000}\n"
	"{\"event\":\"segment_start\",\"segment\":9999999999999999,\"source\":\"cli\"}\n"
	"{\"event\":\"end\",\"segment\":4,\"source\":\"cli\",\"wall_ms\":1000240000}\n"
	"{\"event\":\"segm\n";

static void test_every_segment_and_the_rhythm(void **state)
{
	char *t = report_build(review_log, strlen(review_log), REPORT_TEXT);
	char *csv = report_build(review_log, strlen(review_log), REPORT_CSV);

	(void)state;
	print_message("%s\n%s", t, csv);
	assert_non_null(strstr(t, "Show report: Sale"));
	assert_non_null(strstr(csv, "3,\"Jacket\",120.0,0.0,0.0,0,0.0,0.0,,\"product\",skipped,0,3,0,0,0,0,0,0,0.0,,,,0.0\n"));
	assert_non_null(strstr(csv, "5,\"Closing\",60.0,0.0,0.0,0,0.0,0.0,,\"closing\",unreached,"));
	/* Thermos: one call said of three due (two ignored), one reminder for
	 * an interaction that was missed, one mark. */
	assert_non_null(strstr(csv, "2,\"Thermos\",120.0,130.0,10.0,0,0.0,0.0,pedal,\"product\",done,1,3,0,1,4,1,3,1,0.0,,,,0.0\n"));
	assert_non_null(strstr(csv, "4,\"Q&A <b>\",60.0,50.0,-10.0,0,0.0,0.0,pedal,\"interaction\",done,0,0,1,0,0,0,0,0,0.0,,,,0.0\n"));
	assert_non_null(strstr(t, "Promotion calls: 1 said against a quota of 6"));
	assert_non_null(strstr(t, "Interactions: 1 done, 1 window missed; longest stretch without one 3:10 (from +0:00 to +3:10)"));
	assert_non_null(strstr(t, "Reminders: 4 shown, 1 acted on, 3 ignored"));
	assert_non_null(strstr(t, "+1:40  segment 2  audio  (button desk)"));
	assert_non_null(strstr(t, "Show clock: planned end"));
	assert_non_null(strstr(t, "6:00 early"));
	assert_non_null(strstr(t, "(1 unreadable log line skipped)"));
	free(t);
	free(csv);
}

static void test_html_page(void **state)
{
	char *h = report_build(review_log, strlen(review_log), REPORT_HTML);
	int planned = 0, actual = 0;

	(void)state;
	for (const char *p = h; (p = strstr(p, "<rect class=\"planned\"")); p++)
		planned++;
	for (const char *p = h; (p = strstr(p, "<rect class=\"actual")); p++)
		actual++;
	assert_int_equal(planned, 5);
	assert_int_equal(actual, 3);
	assert_non_null(strstr(h, "<line class=\"mark\""));
	assert_non_null(strstr(h, "<circle class=\"interaction\""));
	assert_non_null(strstr(h, "<line class=\"promo\""));
	/* Titles are text, never markup; no script, nothing fetched. */
	assert_non_null(strstr(h, "Q&amp;A &lt;b&gt;"));
	assert_null(strstr(h, "<b>"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "src="));
	free(h);
}

static void test_empty(void **state)
{
	char *t = report_build("", 0, REPORT_TEXT);

	(void)state;
	assert_non_null(strstr(t, "Total planned 0:00"));
	free(t);
}

/* A stream outage from OBS, across a segment boundary: its seconds go to
 * each segment it touched, one still open at the end lasts to the end. */
static void test_stream_outages_per_segment(void **state)
{
	static const char log[] =
		"{\"event\":\"segment_start\",\"segment\":1,\"title\":\"A\",\"planned_ms\":60000,\"wall_ms\":1000000}\n"
		"{\"event\":\"outage\",\"detail\":\"down\",\"wall_ms\":1050000,\"time\":\"t1\"}\n"
		"{\"event\":\"disagreement\",\"detail\":\"stream_down\",\"wall_ms\":1055000,\"time\":\"t2\"}\n"
		"{\"event\":\"segment_end\",\"segment\":1,\"title\":\"A\",\"value_ms\":60000,\"planned_ms\":60000,\"wall_ms\":1060000}\n"
		"{\"event\":\"segment_start\",\"segment\":2,\"title\":\"B\",\"planned_ms\":60000,\"wall_ms\":1060000}\n"
		"{\"event\":\"outage_end\",\"detail\":\"stream back\",\"wall_ms\":1062500,\"time\":\"t3\"}\n"
		"{\"event\":\"outage\",\"detail\":\"unknown\",\"wall_ms\":1100000,\"time\":\"t4\"}\n"
		"{\"event\":\"stream_struggling\",\"detail\":\"obs: the output is reconnecting\",\"wall_ms\":1101000,\"time\":\"t5\"}\n"
		"{\"event\":\"stream_struggling_end\",\"detail\":\"obs\",\"wall_ms\":1102000,\"time\":\"t6\"}\n"
		"{\"event\":\"segment_end\",\"segment\":2,\"title\":\"B\",\"value_ms\":44000,\"planned_ms\":60000,\"wall_ms\":1104000}\n"
		"{\"event\":\"end\",\"wall_ms\":1104000}\n";
	char *t = report_build(log, strlen(log), REPORT_TEXT);
	char *csv = report_build(log, strlen(log), REPORT_CSV);

	(void)state;
	print_message("%s\n%s", t, csv);
	assert_non_null(strstr(t, "The stream: 2 outages, 16.5 s on the air with the stream down or unknown; "
				  "1 disagreement with the show; struggling 1 time, 1.0 s"));
	assert_non_null(strstr(t, "segment 2 \"B\": 1.0 s struggling"));
	assert_non_null(strstr(t, "t5 struggling: obs: the output is reconnecting"));
	assert_non_null(strstr(t, "t6 no longer struggling (obs)"));
	assert_non_null(strstr(t, "segment 1 \"A\": 10.0 s of outage"));
	assert_non_null(strstr(t, "segment 2 \"B\": 6.5 s of outage"));
	assert_non_null(strstr(csv, ",10.0,,,,0.0\n"));
	assert_non_null(strstr(csv, ",6.5,,,,1.0\n"));
	free(t);
	free(csv);
}

/* Issue 28: the audio watch's alarms and each segment's figures, in the
 * text, the spreadsheet and on the page's timeline row; a silent segment
 * has no loudness, a segment without the watch has empty cells. */
static void test_audio_per_segment(void **state)
{
	static const char log[] =
		"{\"event\":\"segment_start\",\"segment\":1,\"title\":\"开场\",\"planned_ms\":60000,\"wall_ms\":1000000}\n"
		"{\"event\":\"silence\",\"detail\":\"loudest channel -70.0 dBFS for 5.0 s (below -50)\",\"wall_ms\":1020000,\"time\":\"t1\"}\n"
		"{\"event\":\"silence_end\",\"detail\":\"after 8.0 s\",\"wall_ms\":1023000,\"time\":\"t2\"}\n"
		"{\"event\":\"segment_end\",\"segment\":1,\"value_ms\":60000,\"planned_ms\":60000,\"wall_ms\":1060000}\n"
		"{\"event\":\"audio_segment\",\"detail\":\"segment 1: -18.4 LUFS integrated, 8.0 s silent, 0 clipped samples\",\"wall_ms\":1060000}\n"
		"{\"event\":\"segment_start\",\"segment\":2,\"title\":\"产品\",\"planned_ms\":60000,\"wall_ms\":1060000}\n"
		"{\"event\":\"clipping\",\"detail\":\"12 samples at or above -1.0 dBFS in 1 s\",\"wall_ms\":1070000,\"time\":\"t3\"}\n"
		"{\"event\":\"segment_end\",\"segment\":2,\"value_ms\":60000,\"planned_ms\":60000,\"wall_ms\":1120000}\n"
		"{\"event\":\"audio_segment\",\"detail\":\"segment 2: no loudness (silent), 60.0 s silent, 12 clipped samples\",\"wall_ms\":1120000}\n"
		"{\"event\":\"segment_start\",\"segment\":3,\"title\":\"收尾\",\"planned_ms\":60000,\"wall_ms\":1120000}\n"
		"{\"event\":\"end\",\"wall_ms\":1180000}\n";
	char *t = report_build(log, strlen(log), REPORT_TEXT);
	char *csv = report_build(log, strlen(log), REPORT_CSV);
	char *html = report_build(log, strlen(log), REPORT_HTML);

	(void)state;
	print_message("%s\n%s", t, csv);
	assert_non_null(strstr(t, "The audio: 1 silence, 1 clipping burst"));
	assert_non_null(strstr(t, "segment 1 \"开场\": -18.4 LUFS, 8.0 s silent, 0 clipped samples"));
	assert_non_null(strstr(t, "segment 2 \"产品\": no loudness (silent), 60.0 s silent, 12 clipped samples"));
	assert_non_null(strstr(t, "t1 silence: loudest channel -70.0 dBFS"));
	assert_non_null(strstr(t, "t2 silence ends: after 8.0 s"));
	assert_null(strstr(t, "segment 3 \"收尾\": "));
	assert_non_null(strstr(csv, ",outage_s,lufs,silent_s,clipped,struggling_s\n"));
	assert_non_null(strstr(csv, ",0.0,-18.4,8.0,0,0.0\n"));
	assert_non_null(strstr(csv, ",0.0,,60.0,12,0.0\n"));
	assert_non_null(strstr(csv, ",0.0,,,,0.0\n"));
	/* The silence spans 20 s to 23 s of a 3 min show; the clip, still
	 * raised, lasts to the end. */
	assert_non_null(strstr(html, "<g id=\"audio-alarms\">"));
	assert_non_null(strstr(html, "<rect class=\"silence\""));
	assert_non_null(strstr(html, "<rect class=\"clip\""));
	free(t);
	free(csv);
	free(html);
}

/* Issue 26.2, 26.3: the page says everything the text says; a segment
 * gone back to is two bars; Chinese titles are marked Chinese; a long
 * title is cut before a word, with an ellipsis. */
static const char visits_log[] =
	"{\"event\":\"rundown\",\"show\":\"双十二 Sale\",\"planned_end_wall\":1000200000,\"segments\":["
	"{\"title\":\"开场 Opening\",\"kind\":\"opening\",\"planned_ms\":60000},"
	"{\"title\":\"Thermal flask with the double wall and a lid\",\"kind\":\"product\",\"planned_ms\":60000}]}\n"
	"{\"event\":\"segment_start\",\"segment\":1,\"planned_ms\":60000,\"source\":\"cli\",\"who\":\"uid 0 pid 7\",\"wall_ms\":1000000000,\"time\":\"2026-12-05T20:00:00.000+08:00\"}\n"
	"{\"event\":\"say\",\"segment\":1,\"message_id\":1,\"text\":\"加快节奏\",\"source\":\"web\",\"who\":\"ops page 10.0.0.2\",\"wall_ms\":1000010000}\n"
	"{\"event\":\"hold\",\"segment\":1,\"source\":\"pedal\",\"wall_ms\":1000020000}\n"
	"{\"event\":\"resume\",\"segment\":1,\"value_ms\":5000,\"source\":\"pedal\",\"wall_ms\":1000025000}\n"
	"{\"event\":\"segment_end\",\"segment\":1,\"value_ms\":30000,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000030000}\n"
	"{\"event\":\"segment_start\",\"segment\":2,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000030000}\n"
	"{\"event\":\"segment_end\",\"segment\":2,\"value_ms\":10000,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000040000}\n"
	"{\"event\":\"segment_start\",\"segment\":1,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000040000}\n"
	"{\"event\":\"segment_end\",\"segment\":1,\"value_ms\":50000,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000060000}\n"
	"{\"event\":\"segment_start\",\"segment\":2,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000060000}\n"
	"{\"event\":\"segment_end\",\"segment\":2,\"value_ms\":70000,\"planned_ms\":60000,\"source\":\"pedal\",\"wall_ms\":1000120000}\n"
	"{\"event\":\"end\",\"segment\":2,\"source\":\"cli\",\"wall_ms\":1000120000}\n";

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_the_page_has_what_the_text_has(void **state)
{
	char *t = report_build(visits_log, strlen(visits_log), REPORT_TEXT);
	char *h = report_build(visits_log, strlen(visits_log), REPORT_HTML);
	static const char *const both[] = {
		"Total planned 2:00", "Show clock: planned end", "Holds: 1, 0:05 held",
		"Messages: 1 sent, 0 acknowledged", "not acknowledged: +0:10", "加快节奏",
		"Who pressed what", "held  by pedal", "message", "ops page 10.0.0.2",
	};

	(void)state;
	print_message("%s\n%s", t, h);
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		if (!strstr(t, both[i]))
			fail_msg("the text lacks \"%s\"", both[i]);
		if (!strstr(h, both[i]))
			fail_msg("the page lacks \"%s\"", both[i]);
	}
	assert_int_equal(count(h, "<rect class=\"actual"), 4);
	assert_non_null(strstr(h, "<html lang=\"zh-Hans\">"));
	/* 28 columns: cut before "and", not inside "double". */
	assert_non_null(strstr(t, "Thermal flask with the…"));
	free(t);
	free(h);
}

/* A title at the longest a rundown allows, of 3-byte (Chinese) and 4-byte
 * characters, cut to the table's column: whole characters only, in the
 * text, the page and the CSV. */
static void test_long_titles_are_cut_on_characters(void **state)
{
	static const char *const ch[] = { "长", "\xF0\x9D\x84\x9E", "a\xE4\xB8\xAD" };
	char log[4096], title[RUNDOWN_TITLE_MAX];

	(void)state;
	for (size_t k = 0; k < sizeof(ch) / sizeof(ch[0]); k++) {
		size_t n = 0;

		while (n + strlen(ch[k]) < sizeof(title)) {
			memcpy(title + n, ch[k], strlen(ch[k]));
			n += strlen(ch[k]);
		}
		title[n] = '\0';
		snprintf(log, sizeof(log),
			 "{\"event\":\"segment_start\",\"segment\":1,\"title\":\"%s\",\"planned_ms\":1000,"
			 "\"source\":\"cli\",\"wall_ms\":1000}\n", title);
		for (enum report_format f = REPORT_TEXT; f <= REPORT_HTML; f++) {
			char *out = report_build(log, strlen(log), f);

			if (!utf8_wellformed(out, strlen(out)))
				fail_msg("characters of %zu bytes: format %d is not valid UTF-8", strlen(ch[k]), (int)f);
			free(out);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_formulas_are_text),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_every_segment_and_the_rhythm),
		cmocka_unit_test(test_html_page),
		cmocka_unit_test(test_stream_outages_per_segment),
		cmocka_unit_test(test_audio_per_segment),
		cmocka_unit_test(test_the_page_has_what_the_text_has),
		cmocka_unit_test(test_long_titles_are_cut_on_characters),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
