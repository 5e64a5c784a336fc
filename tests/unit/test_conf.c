/* Config: every example parses (golden: dump and re-parse give the same
 * dump), every error is reported with its line, overrides work. */
#include <glob.h>
#include <unistd.h>

#include "helpers.h"
#include "../../daemon/config/conf.h"

static struct conf c, c2;
static struct diag d;

static int teardown(void **state)
{
	(void)state;
	diag_free(&d);
	return 0;
}

static char *dump(const struct conf *conf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_dump(conf, f);
	fclose(f);
	return text;
}

static void test_examples_parse_and_round_trip(void **state)
{
	/* Boards come from the source tree, not from where they install. */
	const char *const boards[] = { "daemon.board_dir=" SRCDIR "/boards" };
	glob_t g;

	(void)state;
	assert_int_equal(glob(SRCDIR "/configs/*.conf", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char tmp[] = "/tmp/onair-conf-XXXXXX";
		int fd = mkstemp(tmp);
		char *first, *second;

		if (conf_load(&c, g.gl_pathv[i], boards, 1, &d) != 0) {
			diag_print(&d);
			fail_msg("%s does not parse", g.gl_pathv[i]);
		}
		first = dump(&c);
		assert_int_equal(write(fd, first, strlen(first)), (ssize_t)strlen(first));
		close(fd);
		/* The dump names a CSV rundown by its resolved path, so it reads back from /tmp. */
		assert_int_equal(conf_load(&c2, tmp, NULL, 0, &d), 0);
		second = dump(&c2);
		assert_string_equal(first, second);
		assert_int_equal(c2.rundown.count, c.rundown.count);
		unlink(tmp);
		free(first);
		free(second);
	}
	globfree(&g);
}

static void test_every_error_reported_with_line(void **state)
{
	static const char text[] =
		"[show]\n"					/* 1 */
		"segment = 1:00 | A\n"				/* 2 */
		"prerol = 5\n"					/* 3 */
		"preroll = soon\n"				/* 4 */
		"this line is wrong\n"				/* 5 */
		"[cue]\n"					/* 6 */
		"overrun = sometimes\n"				/* 7 */
		"[looks]\n"					/* 8 */
		"live = blinking purple\n"			/* 9 */
		"[shwo]\n"					/* 10 */
		"title = x\n"					/* 11 */
		"[show]\n"					/* 12 */
		"preroll = 3\n"					/* 13 */
		"preroll = 4\n";				/* 14 */

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_parse_text(&c, "s.conf", text, strlen(text), &d), -1);
	for (size_t i = 0; i < d.count; i++)
		print_message("%s\n", d.lines[i]);
	assert_int_equal(d.count, 8);
	assert_string_equal(d.lines[0], "s.conf:3: unknown key \"prerol\" in [show]; did you mean \"preroll\"?");
	assert_non_null(strstr(d.lines[1], "s.conf:4: show.preroll \"soon\" must be a duration from 0:00 to 1:00:00"));
	assert_non_null(strstr(d.lines[2], "s.conf:5: expected \"key = value\""));
	assert_non_null(strstr(d.lines[3], "s.conf:7: cue.overrun"));
	assert_non_null(strstr(d.lines[4], "s.conf:9: look \"blinking purple\""));
	assert_string_equal(d.lines[5], "s.conf:10: unknown section [shwo]; did you mean [show]?");
	/* The first preroll (line 4) was invalid, yet it is the first one. */
	assert_string_equal(d.lines[6], "s.conf:13: duplicate key \"preroll\" in [show] (first on line 4)");
	assert_string_equal(d.lines[7], "s.conf:14: duplicate key \"preroll\" in [show] (first on line 4)");
}

static void test_long_line_and_indentation(void **state)
{
	char text[600];

	(void)state;
	snprintf(text, sizeof(text), "[show]\n   title = indented is fine\n\tsegment = 1:00 | A\ntitle2 = %0300d\n", 0);
	conf_defaults(&c);
	assert_int_equal(conf_parse_text(&c, "l.conf", text, strlen(text), &d), -1);
	assert_string_equal(c.title, "indented is fine");
	assert_int_equal(c.rundown.count, 1);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.lines[0], "l.conf:4: line is longer than"));
}

static void test_overrides_and_devices(void **state)
{
	const char *ov[] = { "show.preroll=2", "cue.wrapup=1:30", "device.console.mode=lines",
			     "show.nope=1", "broken" };

	(void)state;
	assert_int_equal(conf_load(&c, SRCDIR "/configs/studio.conf", ov, 3, &d), 0);
	assert_int_equal(c.show.preroll_ms, 2000);
	assert_int_equal(c.show.wrapup_ms, 90000);
	assert_int_equal(c.ndevices, 1);
	assert_string_equal(drv_key(&c.device[0], "mode"), "lines");
	/* A device named after its driver needs no driver key. */
	assert_int_equal(conf_load(&c, SRCDIR "/configs/minimal.conf", ov, 5, &d), -1);
	assert_int_equal(d.count, 2);
	assert_non_null(strstr(d.lines[0], "-o show.nope=1: unknown key \"nope\""));
	assert_non_null(strstr(d.lines[1], "-o broken: expected section.key=value"));
	assert_string_equal(c.device[0].driver, "console");
}

/* Load text through a file, as the daemon does (devices are checked only
 * there), and show what was reported. */
static int load_from_file(const char *text)
{
	char path[] = "/tmp/onair-conf-XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = conf_load(&c, path, NULL, 0, &d);
	unlink(path);
	for (size_t i = 0; i < d.count; i++)
		print_message("%s\n", d.lines[i]);
	return rc;
}

static void test_unknown_and_missing_drivers(void **state)
{
	static const char text[] =
		"[show]\nsegment = 1:00 | A\n"
		"[device.lamp]\ndriver = gpoi\n"
		"[device.display]\ndriver = hidrelay\n"
		"[device.term]\ndriver = console\nmdoe = lines\n"
		"[device.nothing]\nmode = x\n";
	(void)state;
	assert_int_equal(load_from_file(text), -1);
	assert_int_equal(d.count, 4);
	assert_non_null(strstr(d.lines[0], ":4: [device.lamp]: unknown driver \"gpoi\""));
	assert_non_null(strstr(d.lines[1], ":5: [device.display] switches no relay"));
	assert_non_null(strstr(d.lines[2], ":9: unknown key \"mdoe\" in [device.term]; did you mean \"mode\"?"));
	assert_non_null(strstr(d.lines[3], ":10: [device.nothing] has no \"driver\" key"));
}

static void test_hardware_device_errors(void **state)
{
	static const char text[] =
		"[show]\nsegment = 1:00 | A\n"					/* 1-2 */
		"[device.clock]\ndriver = tm1637\nclk = GPIO20\nbrightness = 9\n"	/* 3-6 */
		"colon = sometimes\n"							/* 7 */
		"[device.lamps]\ndriver = gpio\npress = next\n"			/* 8-10 */
		"[device.pedal]\ndriver = gpio\nbutton = GPIO5 pull-up\n"		/* 11-13 */
		"press = jump\nlong_ms = 5\n"						/* 14-15 */
		"[device.wall]\ndriver = max7219\ndin = 1\nclk = GPIO11 fast\nload = 8\n";	/* 16-20 */
	(void)state;
	assert_int_equal(load_from_file(text), -1);
	assert_int_equal(d.count, 8);
	assert_non_null(strstr(d.lines[0], ":3: [device.clock] needs \"dio\" (a tm1637 line)"));
	assert_non_null(strstr(d.lines[1], ":6: brightness must be 0 to 7"));
	assert_non_null(strstr(d.lines[2], ":7: colon must be on, blink or off"));
	assert_non_null(strstr(d.lines[3], ":10: press needs a \"button\" line in [device.lamps]"));
	assert_non_null(strstr(d.lines[4], ":8: [device.lamps] drives no line"));
	assert_non_null(strstr(d.lines[5], ":14: press: unknown command \"jump\""));
	assert_non_null(strstr(d.lines[6], ":15: long_ms must be 200 to 10000 (milliseconds)"));
	assert_non_null(strstr(d.lines[7], ":19: clk: unknown line flag \"fast\""));
}

static void test_pedal_errors(void **state)
{
	static const char text[] =
		"[show]\nsegment = 1:00 | A\n"					/* 1-2 */
		"[device.a]\ndriver = pedal\nmodel = footpedal9000\n"			/* 3-5 */
		"[device.b]\ndriver = pedal\nmodel = generic\nvid = 1234\n"		/* 6-9 */
		"[device.c]\ndriver = pedal\nmodel = generic\nvid = 1234\npid = 5\n"	/* 10-14 */
		"report_length = 4\npedal1_at = 4.1\n"					/* 15-16 */
		"[device.d]\ndriver = pedal\nmodel = infinity\nport = usb one\n"		/* 17-20 */
		"keys = 04\npedal2_long = fly\n";						/* 21-22 */

	(void)state;
	assert_int_equal(load_from_file(text), -1);
	assert_int_equal(d.count, 7);
	assert_non_null(strstr(d.lines[0], ":5: unknown pedal model \"footpedal9000\""));
	assert_non_null(strstr(d.lines[1], ":6: report_length must be 1 to 1024"));
	assert_non_null(strstr(d.lines[2], ":9: vid and pid go together"));
	assert_non_null(strstr(d.lines[3], ":16: pedal1_at must be BYTE or BYTE.BIT inside the 4-byte report"));
	assert_non_null(strstr(d.lines[4], ":21: keys is for a pcsensor pedal"));
	assert_non_null(strstr(d.lines[5], ":22: pedal2_long: unknown command \"fly\""));
	assert_non_null(strstr(d.lines[6], ":20: port is a USB port path"));
}

static void test_node_and_mqtt_errors(void **state)
{
	static const char text[] =
		"[show]\nsegment = 1:00 | A\n"			/* 1-2 */
		"[node]\nname = cam/1\nstudio = hall a\n"		/* 3-5 */
		"role = boss\n"					/* 6 */
		"[mqtt]\nport = 70000\nlease = 1\n";			/* 7-9 */
	static const char follower[] = "[show]\nsegment = 1:00 | A\n[node]\nrole = follower\n";

	(void)state;
	assert_int_equal(load_from_file(text), -1);
	assert_int_equal(d.count, 5);
	assert_non_null(strstr(d.lines[0], ":4: node.name must be 1 to 63 bytes without '/'"));
	assert_non_null(strstr(d.lines[1], ":5: node.studio must be"));
	assert_non_null(strstr(d.lines[2], ":6: node.role must be standalone, leader, follower or floor"));
	assert_non_null(strstr(d.lines[3], ":8: mqtt.port must be 1 to 65535"));
	assert_non_null(strstr(d.lines[4], ":9: mqtt.lease \"1\" must be a duration from"));
	diag_free(&d);
	assert_int_equal(load_from_file(follower), -1);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.lines[0], "node.role = follower needs mqtt.host"));
}

static void test_missing_rundown(void **state)
{
	const char *ov[] = { "show.rundown=does-not-exist.csv" };

	(void)state;
	assert_int_equal(conf_load(&c, SRCDIR "/configs/studio.conf", ov, 1, &d), -1);
	assert_non_null(strstr(d.lines[0], "configs/does-not-exist.csv: cannot read rundown"));
}

/* "board = sim.conf" is the board sim, as its file is named. */
static void test_board_by_file_name(void **state)
{
	const char *const by_file[] = { "daemon.board_dir=" SRCDIR "/boards", "daemon.board=sim.conf" };
	const char *const by_name[] = { "daemon.board_dir=" SRCDIR "/boards", "daemon.board=sim" };

	(void)state;
	if (conf_load(&c, SRCDIR "/configs/minimal.conf", by_file, 2, &d) != 0) {
		diag_print(&d);
		fail_msg("board = sim.conf does not load");
	}
	assert_int_equal(conf_load(&c2, SRCDIR "/configs/minimal.conf", by_name, 2, &d), 0);
	assert_string_equal(c.board.path, c2.board.path);
}

static void test_schedule(void **state)
{
	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_schedule(&c, T0_WALL), 0);
	strcpy(c.start, "2026-11-22 20:00");
	assert_true(conf_schedule(&c, T0_WALL) > 0);
	strcpy(c.start, "20:00");
	int64_t at = conf_schedule(&c, T0_WALL);
	assert_true(at > T0_WALL - 6 * 3600000LL && at <= T0_WALL + 24 * 3600000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_examples_parse_and_round_trip, teardown),
		cmocka_unit_test_teardown(test_every_error_reported_with_line, teardown),
		cmocka_unit_test_teardown(test_long_line_and_indentation, teardown),
		cmocka_unit_test_teardown(test_overrides_and_devices, teardown),
		cmocka_unit_test_teardown(test_unknown_and_missing_drivers, teardown),
		cmocka_unit_test_teardown(test_hardware_device_errors, teardown),
		cmocka_unit_test_teardown(test_pedal_errors, teardown),
		cmocka_unit_test_teardown(test_node_and_mqtt_errors, teardown),
		cmocka_unit_test_teardown(test_missing_rundown, teardown),
		cmocka_unit_test_teardown(test_schedule, teardown),
		cmocka_unit_test_teardown(test_board_by_file_name, teardown),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
