/* Cue engine: what the anchor sees, second by second, against a fake clock. */
#include "helpers.h"

static struct rundown r;
static struct show_conf sc;
static struct cue_conf cc;
static struct show_state s;
static struct show_events ev;
static struct cue_output out;
static char err[160];

static int setup(void **state)
{
	(void)state;
	memset(&r, 0, sizeof(r));
	rundown_add(&r, "Opening", 300000);
	rundown_add(&r, "Long talk", 2 * 3600000);
	sc = show_conf_test();
	cue_conf_defaults(&cc);
	show_init(&s);
	return 0;
}

static void apply(enum show_cmd_kind kind, int64_t arg, int64_t t)
{
	struct show_cmd cmd = { .kind = kind, .arg = arg, .source = SHOW_SRC_CLI };

	assert_int_equal(show_apply(&s, &r, &sc, &cmd, at_ms(t), &ev, err, sizeof(err)), 0);
}

static void eval(int64_t t)
{
	cue_eval(&s, &r, &sc, &cc, at_ms(t), &out);
}

static void test_countdown_text_and_next_change(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	eval(0);
	assert_string_equal(out.countdown, "05:00");
	assert_int_equal(out.cond, CUE_COND_LIVE);
	assert_int_equal(out.lamp[CUE_LAMP_TALLY].pattern, CUE_ON);
	assert_int_equal(out.lamp[CUE_LAMP_TALLY].colour, CUE_RED);
	assert_true(out.lamp[CUE_LAMP_TALLY].lit);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].colour, CUE_GREEN);
	assert_int_equal(out.next, at_ms(1000).mono);
	eval(999);
	assert_string_equal(out.countdown, "05:00");
	eval(1000);
	assert_string_equal(out.countdown, "04:59");
	assert_int_equal(out.next, at_ms(2000).mono);
}

static void test_wrapup_danger_overrun(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	eval(239999);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	eval(240000);
	assert_int_equal(out.cond, CUE_COND_WRAPUP);
	assert_string_equal(out.countdown, "01:00");
	eval(285000);
	assert_int_equal(out.cond, CUE_COND_DANGER);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].pattern, CUE_FAST);
	eval(300000);
	assert_int_equal(out.cond, CUE_COND_OVERRUN);
	assert_string_equal(out.countdown, "00:00");
	assert_int_equal(out.lamp[CUE_LAMP_CUE].colour, CUE_RED);
	eval(300999);
	assert_string_equal(out.countdown, "00:00");
	eval(301000);
	assert_string_equal(out.countdown, "-0:01");
	eval(300000 + 754000);
	assert_string_equal(out.countdown, "-12:34");
	assert_true(out.countdown_ms < 0);
}

static void test_stop_at_zero(void **state)
{
	(void)state;
	r.seg[0].overrun_count = 0;
	apply(SHOW_CMD_GOTO, 1, 0);
	eval(310000);
	assert_string_equal(out.countdown, "00:00");
	assert_int_equal(out.cond, CUE_COND_OVERRUN);
	/* Only the red flash wakes the box: no per-second change past zero. */
	assert_true(out.next - at_ms(310000).mono <= cc.fast_half_ms);
}

static void test_segment_thresholds_override_defaults(void **state)
{
	(void)state;
	r.seg[0].wrapup_ms = 120000;
	r.seg[0].danger_ms = 30000;
	apply(SHOW_CMD_GOTO, 1, 0);
	eval(180000);
	assert_int_equal(out.cond, CUE_COND_WRAPUP);
	eval(270000);
	assert_int_equal(out.cond, CUE_COND_DANGER);
}

static void test_hold_freezes_display(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	apply(SHOW_CMD_HOLD, 0, 10500);
	eval(10500);
	assert_string_equal(out.countdown, "04:50");
	assert_int_equal(out.cond, CUE_COND_HOLD);
	eval(99000);
	assert_string_equal(out.countdown, "04:50");
	/* While held, only the hold look's flash wakes the loop. */
	assert_true(out.next - at_ms(99000).mono <= cc.slow_half_ms);
}

static void test_flash_phase_from_wall_clock(void **state)
{
	(void)state;
	apply(SHOW_CMD_STANDBY, 0, 0);
	eval(0);
	assert_int_equal(out.cond, CUE_COND_STANDBY);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].pattern, CUE_SLOW);
	bool lit = out.lamp[CUE_LAMP_CUE].lit;
	int64_t flip = out.next;
	eval(flip - at_ms(0).mono - 1);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].lit, lit);
	eval(flip - at_ms(0).mono);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].lit, !lit);
	/* Two boxes with the same wall clock flash in step whatever their boot time. */
	struct cue_output other;
	struct onair_time t = at_ms(1234);
	t.mono += 987654;
	s.call_since_mono += 987654;
	cue_eval(&s, &r, &sc, &cc, t, &other);
	eval(1234);
	assert_int_equal(other.lamp[CUE_LAMP_CUE].lit, out.lamp[CUE_LAMP_CUE].lit);
}

static void test_long_segment_h_mm(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 2, 0);
	eval(0);
	assert_string_equal(out.countdown, "2:00");
	eval(1000);
	assert_string_equal(out.countdown, "1:59");
	eval(3600000 + 1000);
	assert_string_equal(out.countdown, "59:59");
}

static void test_aux_takes_display(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	apply(SHOW_CMD_AUX, 60000, 5000);
	eval(5000);
	assert_true(out.aux);
	assert_string_equal(out.countdown, "01:00");
	eval(64999);
	assert_string_equal(out.countdown, "00:01");
	assert_true(show_tick(&s, &r, &sc, at_ms(65000), &ev));
	eval(65000);
	assert_false(out.aux);
	assert_string_equal(out.countdown, "03:55");
}

/* No two meanings share a default look: the anchor must tell them apart.
 * Only idle and ended (no show running) are both dark, as docs/cues.md says. */
static void test_default_looks_are_distinct(void **state)
{
	(void)state;
	for (int a = 0; a < CUE_COND_COUNT; a++)
		for (int b = a + 1; b < CUE_COND_COUNT; b++) {
			struct cue_look la = cc.cue_look[a], lb = cc.cue_look[b];
			bool same = la.pattern == lb.pattern &&
				    (la.pattern == CUE_OFF || la.colour == lb.colour);

			if (a == CUE_COND_IDLE && b == CUE_COND_ENDED)
				continue;
			if (same)
				fail_msg("%s and %s share the look %s %s", cue_cond_name((enum cue_cond)a),
					 cue_cond_name((enum cue_cond)b), cue_pattern_name(la.pattern),
					 cue_colour_name(la.colour));
		}
	/* Every condition has a name a [looks] key can use. */
	for (int a = 0; a < CUE_COND_COUNT; a++)
		assert_int_equal(cue_cond_parse(cue_cond_name((enum cue_cond)a)), a);
}

static void test_attention_beats_everything(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	apply(SHOW_CMD_ATTENTION, 0, 299000);
	eval(299500);
	assert_int_equal(out.cond, CUE_COND_ATTENTION);
	eval(304000);
	assert_int_equal(out.cond, CUE_COND_OVERRUN);
}

static void test_standby_display_and_schedule(void **state)
{
	(void)state;
	eval(0);
	assert_string_equal(out.countdown, "05:00");
	assert_int_equal(out.cond, CUE_COND_IDLE);
	assert_int_equal(out.lamp[CUE_LAMP_TALLY].pattern, CUE_OFF);
	sc.schedule_wall = at_ms(90000).wall;
	eval(0);
	assert_string_equal(out.countdown, "01:30");
	assert_int_equal(out.cond, CUE_COND_SCHEDULED);
	eval(95000);
	assert_string_equal(out.countdown, "-0:05");
	assert_int_equal(out.cond, CUE_COND_LATE);
}

/* Follow the engine's own deadlines through a whole segment: every display
 * change lands exactly on its second, and there is one wake-up per change. */
static void test_no_drift_over_a_segment(void **state)
{
	int64_t t = 0, wakeups = 0;
	char last[CUE_TEXT_MAX];

	(void)state;
	sc.wrapup_ms = sc.danger_ms = 0;
	apply(SHOW_CMD_GOTO, 1, 0);
	eval(0);
	strcpy(last, out.countdown);
	while (t < 300000) {
		t = out.next - T0_MONO;
		wakeups++;
		eval(t);
		assert_int_equal(t % 1000, 0);
		assert_string_not_equal(out.countdown, last);
		strcpy(last, out.countdown);
	}
	assert_int_equal(wakeups, 300);
	assert_string_equal(out.countdown, "00:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_countdown_text_and_next_change, setup),
		cmocka_unit_test_setup(test_wrapup_danger_overrun, setup),
		cmocka_unit_test_setup(test_stop_at_zero, setup),
		cmocka_unit_test_setup(test_segment_thresholds_override_defaults, setup),
		cmocka_unit_test_setup(test_hold_freezes_display, setup),
		cmocka_unit_test_setup(test_flash_phase_from_wall_clock, setup),
		cmocka_unit_test_setup(test_long_segment_h_mm, setup),
		cmocka_unit_test_setup(test_aux_takes_display, setup),
		cmocka_unit_test_setup(test_default_looks_are_distinct, setup),
		cmocka_unit_test_setup(test_attention_beats_everything, setup),
		cmocka_unit_test_setup(test_standby_display_and_schedule, setup),
		cmocka_unit_test_setup(test_no_drift_over_a_segment, setup),
	};

	return cmocka_run_group_tests_name("cue", tests, NULL, NULL);
}
