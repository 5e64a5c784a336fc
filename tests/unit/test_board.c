/* Boards and line specs: every shipped board loads, functions resolve to
 * the right chip, line and flags, and every error names its line. */
#include <glob.h>
#include <unistd.h>

#include "helpers.h"
#include "../../core/board.h"

static struct board b;
static struct diag d;

static int teardown(void **state)
{
	(void)state;
	diag_free(&d);
	return 0;
}

static void load_text(const char *text)
{
	char tmp[] = "/tmp/onair-board-XXXXXX";
	int fd = mkstemp(tmp);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	board_load(&b, tmp, &d);
	unlink(tmp);
}

static void assert_diag(size_t i, const char *needle)
{
	assert_true(i < d.count);
	if (!strstr(d.lines[i], needle))
		fail_msg("diag %zu is \"%s\", wanted \"%s\"", i, d.lines[i], needle);
}

static void test_shipped_boards_load(void **state)
{
	glob_t g;

	(void)state;
	assert_int_equal(glob(SRCDIR "/boards/*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (board_load(&b, g.gl_pathv[i], &d) < 0)
			fail_msg("%s: %s", g.gl_pathv[i], d.count ? d.lines[0] : "?");
		assert_true(b.nlines >= 10);
		assert_true(*b.chip);
	}
	globfree(&g);
}

static void test_function_resolves_on_board_chip(void **state)
{
	struct board_spec s;
	char err[160];

	(void)state;
	assert_int_equal(board_load(&b, SRCDIR "/boards/rpi5.conf", &d), 0);
	assert_int_equal(board_resolve(&b, NULL, "tally", &s, err, sizeof(err)), 0);
	assert_string_equal(s.chip, "pinctrl-rp1");
	assert_string_equal(s.line, "GPIO17");
	assert_false(s.active_low);
	assert_int_equal(board_resolve(&b, NULL, "button_next", &s, err, sizeof(err)), 0);
	assert_string_equal(s.line, "GPIO5");
	assert_true(s.active_low);
	assert_int_equal(s.bias, BOARD_BIAS_PULL_UP);
	/* Flags after a function override the board's. */
	assert_int_equal(board_resolve(&b, NULL, "tally active-low", &s, err, sizeof(err)), 0);
	assert_true(s.active_low);
	assert_string_equal(s.line, "GPIO17");
	/* Not a function: a line spec, on the board's chip unless it names one. */
	assert_int_equal(board_resolve(&b, NULL, "GPIO26 pull-down", &s, err, sizeof(err)), 0);
	assert_string_equal(s.chip, "pinctrl-rp1");
	assert_int_equal(s.bias, BOARD_BIAS_PULL_DOWN);
	assert_int_equal(board_resolve(&b, "other", "7", &s, err, sizeof(err)), 0);
	assert_string_equal(s.chip, "other");
	assert_string_equal(s.line, "7");
	assert_int_equal(board_resolve(NULL, NULL, "gpiochip1:3 active-high", &s, err, sizeof(err)), 0);
	assert_string_equal(s.chip, "gpiochip1");
	assert_string_equal(s.line, "3");
}

static void test_bad_specs(void **state)
{
	struct board_spec s;
	char err[160];

	(void)state;
	assert_int_equal(board_spec_parse("GPIO5 pull-sideways", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pull-sideways"));
	assert_int_equal(board_spec_parse("GPIO5 pull-up pull-down", &s, err, sizeof(err)), -1);
	assert_int_equal(board_spec_parse("GPIO5 active-low active-high", &s, err, sizeof(err)), -1);
	assert_int_equal(board_spec_parse("", &s, err, sizeof(err)), -1);
	assert_int_equal(board_spec_parse(":5", &s, err, sizeof(err)), -1);
	assert_int_equal(board_spec_parse("chip:", &s, err, sizeof(err)), -1);
	assert_int_equal(board_spec_parse("GPIO_WITH_A_NAME_FAR_TOO_LONG_FOR_IT", &s, err, sizeof(err)),
			 -1);
}

static void test_every_error_has_its_line(void **state)
{
	(void)state;
	load_text("[board]\n"
		  "name = test\n"
		  "colour = blue\n"
		  "[lines]\n"
		  "tally = GPIO17\n"
		  "tally = GPIO18\n"
		  "cue = GPIO4 inverted\n"
		  "[pins]\n"
		  "x = 1\n");
	assert_int_equal(d.count, 4);
	assert_diag(0, ":3: unknown key \"colour\"");
	assert_diag(1, ":6: function \"tally\" is already mapped on line 5");
	assert_diag(2, ":7: cue: unknown line flag \"inverted\"");
	assert_diag(3, ":8: unknown section [pins]");
}

static void test_board_needs_a_name(void **state)
{
	(void)state;
	load_text("[lines]\ntally = GPIO17\n");
	assert_int_equal(d.count, 1);
	assert_diag(0, "no [board] name");
	diag_free(&d);
	assert_int_equal(board_load(&b, "/nonexistent/board.conf", &d), -1);
	assert_diag(0, "cannot read board file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_shipped_boards_load, teardown),
		cmocka_unit_test_teardown(test_function_resolves_on_board_chip, teardown),
		cmocka_unit_test_teardown(test_bad_specs, teardown),
		cmocka_unit_test_teardown(test_every_error_has_its_line, teardown),
		cmocka_unit_test_teardown(test_board_needs_a_name, teardown),
	};

	return cmocka_run_group_tests_name("board", tests, NULL, NULL);
}
