/* Control protocol: what onairctl may send, and what it may not. */
#include "helpers.h"
#include "../../daemon/control/ctl.h"

static struct cmd_request req;
static char err[160];

static int parse(const char *line)
{
	return cmd_parse(line, strlen(line), &req, err, sizeof(err));
}

static void test_valid_requests(void **state)
{
	(void)state;
	assert_int_equal(parse("status"), 0);
	assert_int_equal(req.verb, CMD_STATUS);
	assert_int_equal(parse("next\r"), 0);
	assert_int_equal(req.verb, CMD_SHOW);
	assert_int_equal(req.cmd.kind, SHOW_CMD_NEXT);
	assert_int_equal(req.cmd.source, SHOW_SRC_CLI);
	assert_int_equal(parse("goto 3"), 0);
	assert_int_equal(req.cmd.arg, 3);
	assert_int_equal(parse("extend -30"), 0);
	assert_int_equal(req.cmd.arg, -30000);
	assert_int_equal(parse("extend +1:30"), 0);
	assert_int_equal(req.cmd.arg, 90000);
	assert_int_equal(parse("aux 60"), 0);
	assert_int_equal(req.cmd.kind, SHOW_CMD_AUX);
	assert_int_equal(parse("aux cancel"), 0);
	assert_int_equal(req.cmd.kind, SHOW_CMD_AUX_CANCEL);
	assert_int_equal(parse("cue attention"), 0);
	assert_int_equal(req.cmd.kind, SHOW_CMD_ATTENTION);
	assert_int_equal(parse("report csv"), 0);
	assert_true(req.csv);
	assert_int_equal(parse("log 20"), 0);
	assert_int_equal(req.count, 20);
	assert_int_equal(parse("  hold  "), 0);
	assert_int_equal(req.cmd.kind, SHOW_CMD_HOLD);
}

static void test_invalid_requests(void **state)
{
	static const char *const bad[] = {
		"", "   ", "fly", "next now", "goto", "goto 0", "goto 201", "goto x", "extend",
		"extend ten", "aux 0", "aux -5", "cue", "cue lights", "report pdf", "log 0",
		"a b c d e", "status\x01", "n\xc3\xa4xt",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), -1);
		assert_true(strlen(err) > 0);
	}
	char big[CMD_LINE_MAX + 10];
	memset(big, 'a', sizeof(big));
	assert_int_equal(cmd_parse(big, sizeof(big), &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(cmd_parse("next\0x", 6, &req, err, sizeof(err)), -1);
}

static void test_error_response_is_json(void **state)
{
	char *r = ctl_error_response("bad \"quote\"");

	(void)state;
	assert_string_equal(r, "{\"proto\":1,\"ok\":false,\"error\":\"bad \\\"quote\\\"\"}");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_requests),
		cmocka_unit_test(test_invalid_requests),
		cmocka_unit_test(test_error_response_is_json),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
