/* Rundown parsing: spreadsheet CSV exports and INI segment lines. */
#include "helpers.h"

static struct rundown r;
static struct diag d;

static int setup(void **state)
{
	(void)state;
	memset(&r, 0, sizeof(r));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_free(&d);
	return 0;
}

static int parse(const char *csv)
{
	return rundown_parse_csv(&r, "t.csv", csv, strlen(csv), &d);
}

static void test_excel_export_with_bom_crlf_quotes(void **state)
{
	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBFtitle,duration,notes,extra\r\n"
			       "\"开场, Opening\",5:00,\"line one\r\nline two\",x\r\n"
			       "\"He said \"\"buy\"\"\",1:02:03,,\r\n"
			       ",,,\r\n"
			       "Closing,90,,\r\n"), 0);
	assert_int_equal(r.count, 3);
	assert_string_equal(r.seg[0].title, "开场, Opening");
	assert_int_equal(r.seg[0].planned_ms, 300000);
	assert_string_equal(r.seg[0].notes, "line one  line two");
	assert_string_equal(r.seg[1].title, "He said \"buy\"");
	assert_int_equal(r.seg[1].planned_ms, 3723000);
	assert_int_equal(r.seg[2].planned_ms, 90000);
	assert_int_equal(r.seg[2].line, 6);
	assert_int_equal(r.seg[0].wrapup_ms, RUNDOWN_INHERIT);
}

static void test_chinese_headers_and_semicolons(void **state)
{
	(void)state;
	assert_int_equal(parse("标题;时长;提醒;互动;超时\n产品;4:00;0:45;10:00;stop\n"), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.seg[0].wrapup_ms, 45000);
	assert_int_equal(r.seg[0].interaction_open_ms, 600000);
	assert_int_equal(r.seg[0].overrun_count, 0);
}

static void test_every_error_with_its_line(void **state)
{
	(void)state;
	assert_int_equal(parse("title,duration,wrapup,overrun\n"
			       "Good,5:00,,\n"
			       "Bad duration,5:61,,\n"
			       ",3:00,,\n"
			       "Bad wrapup,3:00,soon,\n"
			       "Bad overrun,3:00,,maybe\n"
			       "Neither UTF-8 nor GBK \xff\xfe,3:00,,\n"), -1);
	assert_int_equal(d.count, 5);
	assert_non_null(strstr(d.lines[0], "t.csv:3: duration \"5:61\""));
	assert_non_null(strstr(d.lines[1], "t.csv:4: segment title is empty"));
	assert_non_null(strstr(d.lines[2], "t.csv:5: wrapup \"soon\""));
	assert_non_null(strstr(d.lines[3], "t.csv:6: overrun"));
	assert_non_null(strstr(d.lines[4], "t.csv:7: field 1 is not valid UTF-8"));
	assert_int_equal(r.count, 1);
}

/* Each format teams really have, parsed to the same few facts a line each
 * and compared with its golden file (tests/unit/rundowns/NAME.golden). */
static void golden(const char *name)
{
	char path[512], *want, got[8192] = "";
	size_t n = 0, len;

	snprintf(path, sizeof(path), SRCDIR "/tests/unit/rundowns/%s.csv", name);
	memset(&r, 0, sizeof(r));
	if (rundown_load_csv(&r, path, &d) != 0)
		fail_msg("%s: %s", name, d.count ? d.lines[0] : "?");
	for (int i = 0; i < r.count; i++) {
		const struct rundown_segment *s = &r.seg[i];

		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s|%lld|%s|%s|%d-%d|%s\n", s->title,
				      (long long)s->planned_ms, s->kind, rundown_kind_name(s->kind_id),
				      s->promo_min, s->promo_max, s->notes);
	}
	snprintf(path, sizeof(path), SRCDIR "/tests/unit/rundowns/%s.golden", name);
	want = file_read(path, 65536, &len);
	assert_non_null(want);
	if (strcmp(got, want) != 0)
		fail_msg("%s differs from its golden file:\n%s", name, got);
	free(want);
}

static void test_golden_formats(void **state)
{
	(void)state;
	golden("ontime-export");
	golden("excel-gbk");
	golden("kind-promo");
}

static void test_bad_kinds_and_quotas_name_their_line(void **state)
{
	(void)state;
	assert_int_equal(parse("title,duration,kind,promo,interaction\n"
			       "Good,5:00,product,3-5,10:00-15:00\n"
			       "Sentence,5:00,a product here,,\n"
			       "Backwards,5:00,product,5-3,\n"
			       "Words,5:00,product,lots,\n"
			       "Window,5:00,,,15:00-10:00\n"), -1);
	assert_int_equal(d.count, 4);
	assert_non_null(strstr(d.lines[0], "t.csv:3: kind \"a product here\" must be one word"));
	assert_non_null(strstr(d.lines[1], "t.csv:4: promo \"5-3\""));
	assert_non_null(strstr(d.lines[2], "t.csv:5: promo \"lots\""));
	assert_non_null(strstr(d.lines[3], "t.csv:6: interaction \"15:00-10:00\""));
	assert_int_equal(r.count, 1);
	assert_int_equal(r.seg[0].promo_min, 3);
	assert_int_equal(r.seg[0].promo_max, 5);
	assert_int_equal(r.seg[0].interaction_close_ms, 900000);
}

static void test_structural_errors(void **state)
{
	(void)state;
	assert_int_equal(parse(""), -1);
	assert_non_null(strstr(d.lines[0], "t.csv:1: empty rundown"));
	diag_free(&d);
	assert_int_equal(parse("name,length\nA,1:00\n"), -1);
	assert_non_null(strstr(d.lines[0], "\"title\" and \"duration\""));
	diag_free(&d);
	assert_int_equal(parse("title,duration\nA,1:00\n\"B,2:00\nC,3:00\n"), -1);
	assert_non_null(strstr(d.lines[0], "t.csv:3: unterminated quote"));
	diag_free(&d);
	assert_int_equal(parse("title,duration\n"), -1);
	assert_non_null(strstr(d.lines[0], "no segments"));
	diag_free(&d);
	/* A row with no separators at all still gets a message. */
	assert_int_equal(parse("title,duration\nJust a title\n"), -1);
	assert_non_null(strstr(d.lines[0], "t.csv:2: segment \"Just a title\" has no duration"));
	diag_free(&d);
	assert_int_equal(parse("title,duration,wrapup,danger\nA,5:00,10,20\n"), -1);
	assert_non_null(strstr(d.lines[0], "danger (20 s) must not come before wrapup (10 s)"));
}

static void test_too_many_segments(void **state)
{
	char *csv = malloc(64 * 1024), *p = csv;

	(void)state;
	p += sprintf(p, "title,duration\n");
	for (int i = 0; i < RUNDOWN_MAX_SEGMENTS + 1; i++)
		p += sprintf(p, "S%d,10\n", i);
	assert_int_equal(parse(csv), -1);
	assert_int_equal(r.count, RUNDOWN_MAX_SEGMENTS);
	assert_non_null(strstr(d.lines[0], "too many segments (at most 200)"));
	free(csv);
}

static void test_ini_segment_lines(void **state)
{
	(void)state;
	assert_int_equal(rundown_parse_segment(&r, "5:00 | 开场 Opening | wrapup=30 | kind=opening",
					       "c.conf", 7, &d), 0);
	assert_int_equal(r.seg[0].planned_ms, 300000);
	assert_int_equal(r.seg[0].wrapup_ms, 30000);
	assert_string_equal(r.seg[0].kind, "opening");
	assert_int_equal(rundown_parse_segment(&r, "five | X", "c.conf", 8, &d), -1);
	assert_int_equal(rundown_parse_segment(&r, "5:00", "c.conf", 9, &d), -1);
	assert_int_equal(rundown_parse_segment(&r, "5:00 | X | colour=red", "c.conf", 10, &d), -1);
	assert_int_equal(d.count, 3);
	assert_non_null(strstr(d.lines[0], "c.conf:8: duration \"five\""));
	assert_non_null(strstr(d.lines[1], "c.conf:9: segment needs"));
	assert_non_null(strstr(d.lines[2], "c.conf:10: unknown segment setting \"colour\""));
	assert_int_equal(r.count, 1);
}

static void test_example_rundown_file(void **state)
{
	(void)state;
	assert_int_equal(rundown_load_csv(&r, SRCDIR "/configs/rundown-example.csv", &d), 0);
	assert_true(r.count >= 8);
	assert_true(rundown_hash(&r) != 0);
}

/* What teams write: a 43-character Chinese product title (129 bytes) is an
 * ordinary title; a NUL or a control character is named as what it is. */
static void test_long_titles_and_bad_bytes(void **state)
{
	static const char title[] = "产品一 超长的商品标题限时秒杀福利款今晚直播间专属价格买一送一加赠礼品赶紧下单数量有限先到先得";
	char csv[4096], big[700];

	(void)state;
	snprintf(csv, sizeof(csv), "title,duration,notes\n%s,3:00,%s\n", title, title);
	assert_true(strlen(title) > 127);
	assert_int_equal(parse(csv), 0);
	assert_string_equal(r.seg[0].title, title);
	assert_string_equal(r.seg[0].notes, title);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(csv, sizeof(csv), "title,duration\n%s,3:00\n", big);
	assert_int_equal(parse(csv), -1);
	assert_non_null(strstr(d.lines[0], "shorten it"));
	diag_free(&d);
	memset(&r, 0, sizeof(r));
	assert_int_equal(rundown_parse_csv(&r, "t.csv", "title,duration\nA\0B,3:00\n", 22, &d), -1);
	assert_non_null(strstr(d.lines[0], "t.csv:2: a NUL byte"));
	diag_free(&d);
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse("title,duration\nA\x07" "B,3:00\n"), -1);
	assert_non_null(strstr(d.lines[0], "control character (0x07)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_golden_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_kinds_and_quotas_name_their_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excel_export_with_bom_crlf_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chinese_headers_and_semicolons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_error_with_its_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structural_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ini_segment_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_example_rundown_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_titles_and_bad_bytes, setup, teardown),
	};

	return cmocka_run_group_tests_name("rundown", tests, NULL, NULL);
}
