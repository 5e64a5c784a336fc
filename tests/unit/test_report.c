/* The after-show report, built from a show log. */
#include "helpers.h"
#include "../../daemon/showlog.h"

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
	char *csv = report_build(log_text, strlen(log_text), true);

	(void)state;
	assert_non_null(strstr(csv, "segment,title,planned_s,actual_s,diff_s,holds,held_s,extended_s,started_by\n"));
	assert_non_null(strstr(csv, "1,\"开场 Opening\",300.0,345.0,15.0,1,15.0,30.0,timer\n"));
	assert_non_null(strstr(csv, "2,\"Product, \"\"A\"\"\",240.0,200.0,-40.0,0,0.0,0.0,pedal\n"));
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
	csv = report_build(log, n, true);
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
	char *t = report_build(log_text, strlen(log_text), false);

	(void)state;
	print_message("%s", t);
	assert_non_null(strstr(t, "Show report: Friday"));
	assert_non_null(strstr(t, "1 segment over, by +0:15 in all"));
	assert_non_null(strstr(t, "(1 unreadable log line skipped)"));
	assert_non_null(strstr(t, "mqtt,,rejected,0,no"));
	free(t);
}

static void test_empty(void **state)
{
	char *t = report_build("", 0, false);

	(void)state;
	assert_non_null(strstr(t, "Total planned 0:00"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_formulas_are_text),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
