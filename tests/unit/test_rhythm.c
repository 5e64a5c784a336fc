/* The show's rhythm in virtual time: the interaction window (delayed, never
 * dropped), its escalation and miss, promotion quotas, the final push and
 * the show clock. The operator is simulated pressing "next" on time. */
#include "helpers.h"

#include "../../core/rhythm.h"

static struct rundown r;
static struct show_conf sc;
static struct cue_conf cc;
static struct show_state s;
static struct cue_output out;
static char err[160];

/* Every event the engine made, with its moment. */
struct seen_event {
	enum show_ev_kind kind;
	int seg;
	int64_t t, value;
};
static struct seen_event seen[512];
static int nseen;

static int setup(void **state)
{
	(void)state;
	memset(&r, 0, sizeof(r));
	sc = show_conf_test();
	sc.preroll_ms = 0;
	cue_conf_defaults(&cc);
	show_init(&s);
	nseen = 0;
	return 0;
}

static void keep(const struct show_events *ev, int64_t t)
{
	for (int i = 0; i < ev->count && nseen < (int)ARRAY_SIZE(seen); i++)
		seen[nseen++] = (struct seen_event){ ev->ev[i].kind, ev->ev[i].seg, t, ev->ev[i].value };
}

static void press(enum show_cmd_kind kind, int64_t arg, int64_t t)
{
	struct show_cmd cmd = { .kind = kind, .arg = arg, .source = SHOW_SRC_PEDAL };
	struct show_events ev;

	show_tick(&s, &r, &sc, at_ms(t), &ev);
	keep(&ev, t);
	if (show_apply(&s, &r, &sc, &cmd, at_ms(t), &ev, err, sizeof(err)) != 0)
		fail_msg("%s at %lld refused: %s", show_cmd_name(kind), (long long)t, err);
	keep(&ev, t);
}

/* Let time run to t, waking only at the engine's own deadlines, as the
 * daemon does. Returns the number of wake-ups. */
static int run_to(int64_t t)
{
	int wakeups = 0;

	for (;;) {
		int64_t next = show_next_deadline(&s, &r, &sc, at_ms(t)) - T0_MONO;
		struct show_events ev;

		if (next > t)
			break;
		/* The deadline as seen from the moment before it. */
		next = show_next_deadline(&s, &r, &sc, at_ms(next - 1)) - T0_MONO;
		if (next > t)
			break;
		show_tick(&s, &r, &sc, at_ms(next), &ev);
		keep(&ev, next);
		wakeups++;
	}
	{
		struct show_events ev;

		show_tick(&s, &r, &sc, at_ms(t), &ev);
		keep(&ev, t);
	}
	return wakeups;
}

static int count(enum show_ev_kind kind)
{
	int n = 0;

	for (int i = 0; i < nseen; i++)
		n += seen[i].kind == kind;
	return n;
}

static int nth(enum show_ev_kind kind, int k)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i].kind == kind && k-- == 0)
			return i;
	fail_msg("no %s number %d", show_event_name(kind), k);
	return -1;
}

static void eval(int64_t t)
{
	cue_eval(&s, &r, &sc, &cc, at_ms(t), &out);
}

#define MIN(m) ((int64_t)(m) * 60000)

/* The shipped example rundown with the shipped interaction every 12:00:
 * version 0.1 showed one reminder of three (the others fell into wrap-ups
 * and were dropped). Now all three show: at 12:00; the one due at 26:00 in
 * product 4's wrap-up at 27:00 when the next segment starts; the one at 39:00
 * in the last segment's wrap-up at once (nothing comes after it). */
static void test_example_rundown_shows_every_reminder(void **state)
{
	struct diag d = { 0 };
	int64_t t = 0;

	(void)state;
	assert_int_equal(rundown_load_csv(&r, SRCDIR "/configs/rundown-example.csv", &d), 0);
	assert_int_equal(r.count, 9);
	sc.interaction_open_ms = MIN(12);
	press(SHOW_CMD_START, 0, 0);
	for (int i = 0; i < r.count; i++) {
		t += r.seg[i].planned_ms;
		run_to(t);
		press(i + 1 < r.count ? SHOW_CMD_NEXT : SHOW_CMD_END, 0, t);
	}
	assert_int_equal(t, MIN(40));
	assert_int_equal(count(SHOW_EV_INTERACTION_DUE), 3);
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 0)].t, MIN(12));
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 0)].value, 0);
	/* Delayed a minute, to the lucky draw's start. */
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 1)].t, MIN(27));
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 1)].value, MIN(1));
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 1)].seg, 7);
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 2)].t, MIN(39));
	/* The first was not acted on (missed 20 s later); the interaction
	 * segments count as done (14:00 and 27:00). */
	assert_int_equal(count(SHOW_EV_INTERACTION_MISSED), 2);
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_MISSED, 0)].t, MIN(12) + 20000);
	assert_int_equal(count(SHOW_EV_INTERACTION_DONE), 2);
	/* The closing segment starts the push. */
	assert_int_equal(count(SHOW_EV_PUSH), 1);
	assert_int_equal(seen[nth(SHOW_EV_PUSH, 0)].t, MIN(30));
	diag_free(&d);
}

/* An hour's talk and a short end, the window 10:00-15:00, started at 0. */
static void long_talk_with_a_window(void)
{
	rundown_add(&r, "Long talk", MIN(60));
	rundown_add(&r, "End", MIN(5));
	sc.interaction_open_ms = MIN(10);
	sc.interaction_close_ms = MIN(15);
	press(SHOW_CMD_START, 0, 0);
}

static void test_window_escalates_then_misses(void **state)
{
	(void)state;
	long_talk_with_a_window();
	/* No wake-up for the rule until the window opens. */
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(0)), at_ms(MIN(10)).mono);
	run_to(MIN(10) - 1);
	eval(MIN(10) - 1);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	run_to(MIN(10));
	eval(MIN(10));
	assert_int_equal(out.cond, CUE_COND_INTERACTION);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].pattern, CUE_SLOW);
	/* The last minute of the window is urgent. */
	eval(MIN(14) - 1);
	assert_int_equal(out.cond, CUE_COND_INTERACTION);
	assert_true(out.next <= at_ms(MIN(14)).mono);
	eval(MIN(14));
	assert_int_equal(out.cond, CUE_COND_INTERACTION_CLOSING);
	assert_int_equal(out.lamp[CUE_LAMP_CUE].pattern, CUE_FAST);
	run_to(MIN(15));
	eval(MIN(15));
	assert_int_equal(out.cond, CUE_COND_LIVE);
	assert_int_equal(count(SHOW_EV_INTERACTION_MISSED), 1);
	/* The next window counts from the miss. */
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(MIN(15))), at_ms(MIN(25)).mono);
}

static void test_interaction_done_resets_the_window(void **state)
{
	(void)state;
	long_talk_with_a_window();
	run_to(MIN(11));
	eval(MIN(11));
	assert_int_equal(out.cond, CUE_COND_INTERACTION);
	press(SHOW_CMD_INTERACTION, 0, MIN(11));
	eval(MIN(11));
	assert_int_equal(out.cond, CUE_COND_LIVE);
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DONE, 0)].value, MIN(11));
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(MIN(11))), at_ms(MIN(21)).mono);
	run_to(MIN(20));
	assert_int_equal(count(SHOW_EV_INTERACTION_MISSED), 0);
	/* Not running: nothing to count. */
	press(SHOW_CMD_END, 0, MIN(20));
	{
		struct show_cmd cmd = { .kind = SHOW_CMD_INTERACTION, .source = SHOW_SRC_CLI };
		struct show_events ev;

		assert_int_equal(show_apply(&s, &r, &sc, &cmd, at_ms(MIN(21)), &ev, err, sizeof(err)), -1);
	}
}

/* A window that comes due while the show is held opens on resume, its
 * length kept. */
static void test_window_due_in_a_hold_opens_on_resume(void **state)
{
	(void)state;
	long_talk_with_a_window();
	press(SHOW_CMD_HOLD, 0, MIN(9) + 50000);
	run_to(MIN(10) + 10000);
	eval(MIN(10) + 10000);
	assert_int_equal(out.cond, CUE_COND_HOLD);
	assert_int_equal(count(SHOW_EV_INTERACTION_DUE), 0);
	press(SHOW_CMD_RESUME, 0, MIN(10) + 30000);
	run_to(MIN(10) + 30000);
	eval(MIN(10) + 30000);
	assert_int_equal(out.cond, CUE_COND_INTERACTION);
	assert_int_equal(seen[nth(SHOW_EV_INTERACTION_DUE, 0)].value, 30000);
	run_to(MIN(15) + 29000);
	assert_int_equal(count(SHOW_EV_INTERACTION_MISSED), 0);
	run_to(MIN(15) + 30000);
	assert_int_equal(count(SHOW_EV_INTERACTION_MISSED), 1);
}

/* A product of 4:00 with a wrap-up of 1:00 and three calls: due at 0:45,
 * 1:30 and 2:15, each shown for the reminder time unless said. */
static void test_promo_quota(void **state)
{
	(void)state;
	rundown_add(&r, "Thermos", MIN(4));
	r.seg[0].kind_id = KIND_PRODUCT;
	rundown_add(&r, "Q&A", MIN(3));
	sc.promo_min = 3;
	sc.promo_max = 5;
	press(SHOW_CMD_START, 0, 0);
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(0)), at_ms(45000).mono);
	run_to(45000);
	eval(45000);
	assert_int_equal(out.cond, CUE_COND_PROMO);
	eval(65000);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	/* The second call, said at once. */
	run_to(90000);
	eval(90000);
	assert_int_equal(out.cond, CUE_COND_PROMO);
	press(SHOW_CMD_PROMO, 0, 92000);
	eval(92000);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	assert_string_equal(out.countdown, "P1.3");
	eval(94000);
	assert_string_equal(out.countdown, "02:26");
	run_to(135000);
	eval(135000);
	assert_int_equal(out.cond, CUE_COND_PROMO);
	run_to(MIN(4));
	press(SHOW_CMD_NEXT, 0, MIN(4));
	assert_int_equal(count(SHOW_EV_PROMO_DUE), 3);
	assert_int_equal(count(SHOW_EV_PROMO_SAID), 1);
	/* A segment that is not a product has no quota. */
	run_to(MIN(6));
	assert_int_equal(count(SHOW_EV_PROMO_DUE), 3);
	/* Its own setting wins over the kind. */
	r.seg[1].promo_min = r.seg[1].promo_max = 2;
	assert_int_equal(rhythm_promo_quota(&r, &sc, 1, NULL), 2);
}

static void test_final_push(void **state)
{
	(void)state;
	rundown_add(&r, "First half", MIN(20));
	rundown_add(&r, "Second half", MIN(20));
	sc.push_ms = MIN(10);
	press(SHOW_CMD_START, 0, 0);
	press(SHOW_CMD_NEXT, 0, MIN(20));
	run_to(MIN(30) - 1);
	eval(MIN(30) - 1);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	run_to(MIN(30));
	eval(MIN(30));
	assert_int_equal(out.cond, CUE_COND_PUSH);
	assert_int_equal(count(SHOW_EV_PUSH), 1);
	/* The push stays to the end, under wrap-up. */
	eval(MIN(35));
	assert_int_equal(out.cond, CUE_COND_PUSH);
	eval(MIN(39) + 30000);
	assert_int_equal(out.cond, CUE_COND_WRAPUP);
}

/* Issue 26.7: a goto to the closing segment and back undoes the push it
 * began; the clock's own push is kept. */
static void test_going_back_undoes_what_going_forward_began(void **state)
{
	(void)state;
	rundown_add(&r, "Product", MIN(20));
	r.seg[0].kind_id = KIND_PRODUCT;
	rundown_add(&r, "Product 2", MIN(5));
	r.seg[1].kind_id = KIND_PRODUCT;
	rundown_add(&r, "Q&A", MIN(5));
	r.seg[2].kind_id = KIND_INTERACTION;
	rundown_add(&r, "Closing", MIN(5));
	r.seg[3].kind_id = KIND_CLOSING;
	sc.push_ms = MIN(10);
	sc.promo_min = sc.promo_max = 3;
	press(SHOW_CMD_START, 0, 0);
	press(SHOW_CMD_GOTO, 4, 60000);
	eval(60000);
	assert_int_equal(out.cond, CUE_COND_PUSH);
	press(SHOW_CMD_GOTO, 1, 65000);
	eval(65000);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	/* "promo said" just before next: the next product's first seconds
	 * show its countdown, not P0.3. */
	press(SHOW_CMD_PROMO, 0, 70000);
	press(SHOW_CMD_NEXT, 0, 71000);
	eval(71500);
	assert_true(out.countdown[0] != 'P');
	/* Into the Q&A, a next by mistake, prev back: one interaction, and
	 * the push the closing segment began is undone. */
	press(SHOW_CMD_NEXT, 0, 72000);
	assert_int_equal(count(SHOW_EV_INTERACTION_DONE), 1);
	press(SHOW_CMD_NEXT, 0, 73000);
	press(SHOW_CMD_PREV, 0, 74000);
	assert_int_equal(count(SHOW_EV_INTERACTION_DONE), 1);
	eval(74000);
	assert_int_equal(out.cond, CUE_COND_LIVE);
	/* The clock's push (10 min before the planned end) stays through a
	 * goto out of the closing segment once it is due. */
	run_to(MIN(26));
	press(SHOW_CMD_GOTO, 2, MIN(26));
	eval(MIN(26) + 500);
	assert_int_equal(out.cond, CUE_COND_PUSH);
	press(SHOW_CMD_GOTO, 4, MIN(26) + 1000);
	press(SHOW_CMD_GOTO, 2, MIN(26) + 2000);
	eval(MIN(26) + 2000);
	assert_int_equal(out.cond, CUE_COND_PUSH);
}

static void test_show_clock(void **state)
{
	struct show_clock k;

	(void)state;
	rundown_add(&r, "One", MIN(5));
	rundown_add(&r, "Two", MIN(5));
	assert_false(show_clock(&s, &r, &sc, at_ms(0), &k));
	press(SHOW_CMD_START, 0, 0);
	assert_true(show_clock(&s, &r, &sc, at_ms(0), &k));
	assert_int_equal(k.planned_end_wall, at_ms(MIN(10)).wall);
	assert_int_equal(k.offset_ms, 0);
	/* A hold of 30 s puts the show 30 s behind. */
	press(SHOW_CMD_HOLD, 0, MIN(1));
	press(SHOW_CMD_RESUME, 0, MIN(1) + 30000);
	show_clock(&s, &r, &sc, at_ms(MIN(2)), &k);
	assert_int_equal(k.offset_ms, 30000);
	/* An extension adds to it. */
	press(SHOW_CMD_EXTEND, 60000, MIN(2));
	show_clock(&s, &r, &sc, at_ms(MIN(2)), &k);
	assert_int_equal(k.offset_ms, 90000);
	assert_int_equal(k.expected_end_wall, at_ms(MIN(11) + 30000).wall);
	/* An overrun of 30 s past the extended end: 2:00 behind in all. */
	run_to(MIN(7));
	show_clock(&s, &r, &sc, at_ms(MIN(7)), &k);
	assert_int_equal(k.offset_ms, MIN(2));
	press(SHOW_CMD_NEXT, 0, MIN(7));
	show_clock(&s, &r, &sc, at_ms(MIN(7)), &k);
	assert_int_equal(k.expected_end_wall, at_ms(MIN(12)).wall);
	/* Cutting the last segment short brings it back ahead. */
	press(SHOW_CMD_END, 0, MIN(9));
	show_clock(&s, &r, &sc, at_ms(MIN(9) + 5000), &k);
	assert_int_equal(k.offset_ms, -MIN(1));
	/* A planned end from the config wins over the rundown's sum. */
	sc.end_wall = at_ms(MIN(15)).wall;
	show_clock(&s, &r, &sc, at_ms(MIN(9) + 5000), &k);
	assert_int_equal(k.offset_ms, -MIN(6));
}

/* With no rule configured the engine sleeps through a segment; with one,
 * it wakes once per rule moment and no more. */
static void test_no_wakeups_while_no_rule_is_due(void **state)
{
	(void)state;
	rundown_add(&r, "Long talk", MIN(60));
	rundown_add(&r, "End", MIN(5));
	sc.wrapup_ms = sc.danger_ms = 0;
	press(SHOW_CMD_START, 0, 0);
	assert_int_equal(show_next_deadline(&s, &r, &sc, at_ms(0)), NEVER);
	assert_int_equal(run_to(MIN(59)), 0);
	sc.interaction_open_ms = MIN(10);
	sc.interaction_close_ms = MIN(15);
	show_init(&s);
	press(SHOW_CMD_START, 0, 0);
	/* Open at 10, miss at 15, open at 25, miss at 30, 40, 45, 55. */
	assert_int_equal(run_to(MIN(59)), 7);
}

static int warnings, warning_lines[8];

static void warn(void *ctx, int line, const char *text)
{
	(void)ctx;
	(void)text;
	warning_lines[warnings++ % 8] = line;
}

static void test_rules_that_cannot_be_met_are_named(void **state)
{
	(void)state;
	warnings = 0;
	rundown_add(&r, "Short product", 90000);
	r.seg[0].kind_id = KIND_PRODUCT;
	r.seg[0].line = 7;
	sc.promo_min = 5;
	sc.promo_max = 5;
	sc.interaction_open_ms = MIN(10);
	rhythm_check(&r, &sc, warn, NULL);
	/* 5 calls at 30 s apart in 30 s before wrap-up; a window after the show. */
	assert_int_equal(warnings, 2);
	assert_int_equal(warning_lines[0], 7);
	assert_int_equal(warning_lines[1], 0);
}

static void test_quota_and_window_text(void **state)
{
	int lo, hi;
	int64_t open, close;

	(void)state;
	assert_true(rundown_quota_parse("3-5", &lo, &hi));
	assert_int_equal(lo, 3);
	assert_int_equal(hi, 5);
	assert_true(rundown_quota_parse("3", &lo, &hi));
	assert_int_equal(hi, 3);
	assert_false(rundown_quota_parse("5-3", &lo, &hi));
	assert_false(rundown_quota_parse("three", &lo, &hi));
	assert_false(rundown_quota_parse("-", &lo, &hi));
	assert_true(rundown_window_parse("10:00-15:00", 0, &open, &close));
	assert_int_equal(open, MIN(10));
	assert_int_equal(close, MIN(15));
	assert_true(rundown_window_parse("12:00", 0, &open, &close));
	assert_int_equal(open, MIN(12));
	assert_false(rundown_window_parse("15:00-10:00", 0, &open, &close));
	assert_false(rundown_window_parse("10:00-", 0, &open, &close));
	assert_int_equal(rundown_kind_parse("互动"), KIND_INTERACTION);
	assert_int_equal(rundown_kind_parse("Product"), KIND_PRODUCT);
	assert_int_equal(rundown_kind_parse("lucky"), KIND_LABEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_example_rundown_shows_every_reminder, setup),
		cmocka_unit_test_setup(test_window_escalates_then_misses, setup),
		cmocka_unit_test_setup(test_interaction_done_resets_the_window, setup),
		cmocka_unit_test_setup(test_window_due_in_a_hold_opens_on_resume, setup),
		cmocka_unit_test_setup(test_promo_quota, setup),
		cmocka_unit_test_setup(test_final_push, setup),
		cmocka_unit_test_setup(test_going_back_undoes_what_going_forward_began, setup),
		cmocka_unit_test_setup(test_show_clock, setup),
		cmocka_unit_test_setup(test_no_wakeups_while_no_rule_is_due, setup),
		cmocka_unit_test_setup(test_rules_that_cannot_be_met_are_named, setup),
		cmocka_unit_test_setup(test_quota_and_window_text, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
