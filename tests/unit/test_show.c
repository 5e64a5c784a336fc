/* Show engine: whole shows against a fake clock. */
#include "helpers.h"
#include "../../core/view.h"

static struct rundown r;
static struct show_conf sc;
static struct show_state s;
static struct show_events ev;
static char err[160];

static int setup(void **state)
{
	(void)state;
	memset(&r, 0, sizeof(r));
	rundown_add(&r, "Opening", 300000);
	rundown_add(&r, "Product", 240000);
	rundown_add(&r, "Closing", 600000);
	sc = show_conf_test();
	show_init(&s);
	return 0;
}

static int apply(enum show_cmd_kind kind, int64_t arg, int64_t t)
{
	struct show_cmd cmd = { .kind = kind, .arg = arg, .source = SHOW_SRC_PEDAL };

	return show_apply(&s, &r, &sc, &cmd, at_ms(t), &ev, err, sizeof(err));
}

static int64_t remaining_at(int64_t t)
{
	int64_t rem = 0;

	assert_true(show_remaining(&s, &r, at_ms(t).mono, &rem));
	return rem;
}

static void test_preroll_then_live_on_deadline(void **state)
{
	(void)state;
	assert_int_equal(apply(SHOW_CMD_START, 0, 0), 0);
	assert_int_equal(s.phase, SHOW_PREROLL);
	assert_int_equal(ev.ev[0].kind, SHOW_EV_PREROLL);
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(0)), at_ms(5000).mono);
	assert_false(show_tick(&s, &r, &sc, at_ms(4999), &ev));
	/* A wake-up 37 ms late must not shift the segment's start. */
	assert_true(show_tick(&s, &r, &sc, at_ms(5037), &ev));
	assert_int_equal(s.phase, SHOW_LIVE);
	assert_int_equal(s.seg, 0);
	assert_int_equal(s.run[0].start_mono, at_ms(5000).mono);
	assert_int_equal(remaining_at(5037), 300000 - 37);
}

static void test_next_prev_continues_segment(void **state)
{
	(void)state;
	assert_int_equal(apply(SHOW_CMD_GOTO, 1, 0), 0);
	assert_int_equal(s.phase, SHOW_LIVE);
	assert_int_equal(apply(SHOW_CMD_NEXT, 0, 120000), 0);
	assert_int_equal(s.seg, 1);
	assert_int_equal(ev.ev[0].kind, SHOW_EV_SEG_END);
	assert_int_equal(ev.ev[0].value, 120000);
	assert_int_equal(ev.ev[1].kind, SHOW_EV_SEG_START);
	assert_int_equal(remaining_at(125000), 240000 - 5000);
	/* An accidental next, undone 5 s later: the opening goes on as if
	 * the press had not happened. */
	assert_int_equal(apply(SHOW_CMD_PREV, 0, 125000), 0);
	assert_int_equal(s.seg, 0);
	assert_int_equal(remaining_at(125000), 300000 - 125000);
	assert_int_equal(apply(SHOW_CMD_PREV, 0, 126000), -1);
	assert_non_null(strstr(err, "first segment"));
}

static void test_hold_freezes_and_resume_continues(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	assert_int_equal(apply(SHOW_CMD_HOLD, 0, 10000), 0);
	assert_int_equal(s.phase, SHOW_HOLD);
	assert_int_equal(remaining_at(10000), 290000);
	assert_int_equal(remaining_at(70000), 290000);
	assert_int_equal(apply(SHOW_CMD_HOLD, 0, 70000), -1);
	assert_int_equal(apply(SHOW_CMD_RESUME, 0, 70000), 0);
	assert_int_equal(ev.ev[0].value, 60000);
	assert_int_equal(remaining_at(71000), 289000);
	assert_int_equal(apply(SHOW_CMD_HOLD_TOGGLE, 0, 80000), 0);
	assert_int_equal(s.phase, SHOW_HOLD);
	/* Advancing out of a hold closes it and counts it. */
	assert_int_equal(apply(SHOW_CMD_NEXT, 0, 90000), 0);
	assert_int_equal(ev.ev[0].kind, SHOW_EV_RESUME);
	assert_int_equal(ev.ev[0].value, 10000);
	assert_int_equal(ev.ev[1].kind, SHOW_EV_SEG_END);
	assert_int_equal(ev.ev[1].value, 90000 - 70000);
	assert_int_equal(s.phase, SHOW_LIVE);
}

static void test_extend_and_overrun(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 2, 0);
	assert_int_equal(apply(SHOW_CMD_EXTEND, 30000, 1000), 0);
	assert_int_equal(remaining_at(1000), 269000);
	assert_int_equal(apply(SHOW_CMD_EXTEND, -60000, 2000), 0);
	assert_int_equal(remaining_at(2000), 208000);
	assert_int_equal(apply(SHOW_CMD_EXTEND, -600000, 2000), -1);
	assert_int_equal(apply(SHOW_CMD_EXTEND, 0, 2000), -1);
	/* Past the end the remaining time goes negative. */
	assert_int_equal(remaining_at(220000), -10000);
	assert_int_equal(apply(SHOW_CMD_NEXT, 0, 220000), 0);
	assert_int_equal(ev.ev[0].value, 220000);
	assert_int_equal(ev.ev[0].planned, 210000);
}

static void test_last_segment_and_end(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 3, 0);
	assert_int_equal(apply(SHOW_CMD_NEXT, 0, 1000), -1);
	assert_non_null(strstr(err, "last segment"));
	assert_int_equal(s.seg, 2);
	assert_int_equal(apply(SHOW_CMD_END, 0, 2000), 0);
	assert_int_equal(s.phase, SHOW_ENDED);
	assert_int_equal(apply(SHOW_CMD_END, 0, 3000), -1);
	assert_int_equal(apply(SHOW_CMD_HOLD, 0, 3000), -1);
	/* A new show starts from ended. */
	assert_int_equal(apply(SHOW_CMD_START, 0, 10000), 0);
	assert_int_equal(s.phase, SHOW_PREROLL);
	assert_false(s.run[2].visited);
}

static void test_goto_range(void **state)
{
	(void)state;
	assert_int_equal(apply(SHOW_CMD_GOTO, 0, 0), -1);
	assert_int_equal(apply(SHOW_CMD_GOTO, 4, 0), -1);
	assert_non_null(strstr(err, "1 to 3"));
	assert_int_equal(s.phase, SHOW_STANDBY);
}

static void test_aux_expires(void **state)
{
	(void)state;
	assert_int_equal(apply(SHOW_CMD_AUX, 60000, 0), -1);
	apply(SHOW_CMD_GOTO, 1, 0);
	assert_int_equal(apply(SHOW_CMD_AUX, 60000, 1000), 0);
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(1000)), at_ms(61000).mono);
	assert_false(show_tick(&s, &r, &sc, at_ms(60999), &ev));
	assert_true(show_tick(&s, &r, &sc, at_ms(61000), &ev));
	assert_int_equal(ev.ev[0].kind, SHOW_EV_AUX_END);
	assert_int_equal(s.aux_total_ms, 0);
	assert_int_equal(apply(SHOW_CMD_AUX_CANCEL, 0, 62000), -1);
}

static void test_standby_ack_go(void **state)
{
	(void)state;
	assert_int_equal(apply(SHOW_CMD_ACK, 0, 0), -1);
	assert_int_equal(apply(SHOW_CMD_GO, 0, 0), -1);
	assert_int_equal(apply(SHOW_CMD_STANDBY, 0, 0), 0);
	assert_int_equal(s.call, SHOW_CALL_STANDBY);
	assert_int_equal(apply(SHOW_CMD_ACK, 0, 4000), 0);
	assert_int_equal(ev.ev[0].value, 4000);
	assert_int_equal(s.call, SHOW_CALL_ACKED);
	assert_int_equal(apply(SHOW_CMD_GO, 0, 5000), 0);
	assert_int_equal(ev.ev[0].value, 1);
	assert_true(show_tick(&s, &r, &sc, at_ms(8000), &ev));
	assert_int_equal(s.call, SHOW_CALL_NONE);
	/* GO without acknowledgement is allowed and logged as such. */
	apply(SHOW_CMD_STANDBY, 0, 9000);
	assert_int_equal(apply(SHOW_CMD_GO, 0, 9500), 0);
	assert_int_equal(ev.ev[0].value, 0);
}

static void test_scheduled_auto_start(void **state)
{
	(void)state;
	sc.schedule_wall = at_ms(3600000).wall;
	sc.auto_start = true;
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(0)), at_ms(60000).mono);
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(3590000)), at_ms(3595000).mono);
	assert_false(show_tick(&s, &r, &sc, at_ms(3594999), &ev));
	assert_true(show_tick(&s, &r, &sc, at_ms(3595002), &ev));
	assert_int_equal(s.phase, SHOW_PREROLL);
	assert_int_equal(s.preroll_end_mono, at_ms(3600000).mono);
	assert_true(show_tick(&s, &r, &sc, at_ms(3600004), &ev));
	assert_int_equal(s.phase, SHOW_LIVE);
	assert_int_equal(s.run[0].start_wall, sc.schedule_wall);
}

static void test_whole_show_pedal_only(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(apply(SHOW_CMD_NEXT, 0, t), 0); /* from standby: starts the show */
	t += 5000;
	assert_true(show_tick(&s, &r, &sc, at_ms(t), &ev));
	for (int i = 0; i < r.count - 1; i++) {
		t += r.seg[i].planned_ms + 7000; /* each segment runs 7 s over */
		assert_true(remaining_at(t) == -7000);
		assert_int_equal(apply(SHOW_CMD_NEXT, 0, t), 0);
	}
	assert_int_equal(s.seg, r.count - 1);
	assert_int_equal(apply(SHOW_CMD_END, 0, t + 1000), 0);
	assert_int_equal(s.seq, 1 + 1 + (uint64_t)r.count - 1 + 1);
}

static int say(const char *text, int64_t t)
{
	struct show_cmd cmd = { .kind = SHOW_CMD_SAY, .source = SHOW_SRC_PEDAL };

	snprintf(cmd.text, sizeof(cmd.text), "%s", text);
	return show_apply(&s, &r, &sc, &cmd, at_ms(t), &ev, err, sizeof(err));
}

static bool view_has_message(int64_t t)
{
	struct show_view v;
	struct cue_output out = { 0 };

	view_build(&v, &s, &r, &sc, "show", &out, at_ms(t));
	return v.message_id != 0;
}

/* Issue 26.10: a message said before the show stands into it; one the
 * anchor acknowledged in the last show is not the new show's. */
static void test_a_new_show_starts_without_the_last_shows_message(void **state)
{
	(void)state;
	assert_int_equal(say("hello", 0), 0);
	assert_int_equal(apply(SHOW_CMD_GOTO, 1, 1000), 0);
	assert_true(view_has_message(2000));
	assert_int_equal(s.message_since_mono, at_ms(0).mono);
	assert_int_equal(apply(SHOW_CMD_ACK, 0, 3000), 0);
	assert_true(view_has_message(4000));	/* acknowledged: the ops page says so */
	assert_int_equal(apply(SHOW_CMD_END, 0, 5000), 0);
	assert_int_equal(apply(SHOW_CMD_GOTO, 1, 6000), 0);
	assert_false(view_has_message(7000));
	assert_int_equal(say("again", 8000), 0);
	assert_true(view_has_message(8000));
	assert_int_equal(s.message_id, 2);	/* ids go on counting */
}

static void test_shift_mono_moves_every_moment(void **state)
{
	(void)state;
	apply(SHOW_CMD_GOTO, 1, 0);
	apply(SHOW_CMD_HOLD, 0, 1000);
	show_shift_mono(&s, -500000);
	assert_int_equal(s.run[0].start_mono, at_ms(0).mono - 500000);
	assert_int_equal(s.hold_since_mono, at_ms(1000).mono - 500000);
	assert_int_equal(s.run[0].start_wall, at_ms(0).wall);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_preroll_then_live_on_deadline, setup),
		cmocka_unit_test_setup(test_next_prev_continues_segment, setup),
		cmocka_unit_test_setup(test_hold_freezes_and_resume_continues, setup),
		cmocka_unit_test_setup(test_extend_and_overrun, setup),
		cmocka_unit_test_setup(test_last_segment_and_end, setup),
		cmocka_unit_test_setup(test_goto_range, setup),
		cmocka_unit_test_setup(test_aux_expires, setup),
		cmocka_unit_test_setup(test_standby_ack_go, setup),
		cmocka_unit_test_setup(test_scheduled_auto_start, setup),
		cmocka_unit_test_setup(test_whole_show_pedal_only, setup),
		cmocka_unit_test_setup(test_shift_mono_moves_every_moment, setup),
		cmocka_unit_test_setup(test_a_new_show_starts_without_the_last_shows_message, setup),
	};

	return cmocka_run_group_tests_name("show", tests, NULL, NULL);
}
