/* Persistence: a saved show comes back with the right remaining time, on
 * the same boot and after a reboot; a damaged file is refused, never fatal. */
#include <unistd.h>

#include <sys/stat.h>

#include "helpers.h"
#include "../../daemon/show/persist.h"

static struct rundown r;
static struct show_conf sc;
static struct show_state s, back;
static struct show_events ev;
static char err[160];

static int setup(void **state)
{
	struct show_cmd cmd = { .kind = SHOW_CMD_GOTO, .arg = 2, .source = SHOW_SRC_PEDAL };

	(void)state;
	memset(&r, 0, sizeof(r));
	rundown_add(&r, "A", 300000);
	rundown_add(&r, "B", 240000);
	sc = show_conf_test();
	show_init(&s);
	assert_int_equal(show_apply(&s, &r, &sc, &cmd, at_ms(0), &ev, err, sizeof(err)), 0);
	cmd = (struct show_cmd){ .kind = SHOW_CMD_EXTEND, .arg = 30000, .source = SHOW_SRC_CLI };
	assert_int_equal(show_apply(&s, &r, &sc, &cmd, at_ms(1000), &ev, err, sizeof(err)), 0);
	return 0;
}

static void test_same_boot_round_trip(void **state)
{
	char *text = persist_encode(&s, at_ms(60000), "boot-a", 42);
	uint32_t hash = 0;
	int64_t before, after;

	(void)state;
	assert_int_equal(persist_decode(text, strlen(text), &back, at_ms(61000), "boot-a", &hash, err,
					sizeof(err)), 0);
	assert_int_equal(hash, 42);
	assert_int_equal(back.phase, SHOW_LIVE);
	assert_int_equal(back.seg, 1);
	assert_true(show_remaining(&s, &r, at_ms(61000).mono, &before));
	assert_true(show_remaining(&back, &r, at_ms(61000).mono, &after));
	assert_int_equal(before, after);
	assert_int_equal(after, 270000 - 61000);
	free(text);
}

/* One list of the show's moments: each one, given a value of its own,
 * comes back from the state file as it went in, and a move to another
 * clock shifts every monotonic one and nothing else. */
static void test_every_moment_round_trips_and_shifts(void **state)
{
	char *text;
	uint32_t hash;

	(void)state;
	/* s is the setup's show, live in segment 2. */
	for (size_t i = 0; i < show_nmoments; i++)
		*(int64_t *)((char *)&s + show_moments[i].offset) = T0_MONO + 1000 * (int64_t)(i + 1);
	text = persist_encode(&s, at_ms(0), "b-1", 7);
	assert_int_equal(persist_decode(text, strlen(text), &back, at_ms(0), "b-1", &hash, err, sizeof(err)), 0);
	for (size_t i = 0; i < show_nmoments; i++)
		if (*(int64_t *)((char *)&back + show_moments[i].offset) != T0_MONO + 1000 * (int64_t)(i + 1))
			fail_msg("%s did not come back", show_moments[i].name);
	free(text);
	back = s;
	show_shift_mono(&back, 5);
	for (size_t i = 0; i < show_nmoments; i++) {
		int64_t before = *(int64_t *)((char *)&s + show_moments[i].offset);
		int64_t after = *(int64_t *)((char *)&back + show_moments[i].offset);

		if (after != before + (show_moments[i].clock == SHOW_MONO ? 5 : 0))
			fail_msg("%s shifted by %lld", show_moments[i].name, (long long)(after - before));
	}
	assert_int_equal(back.run[1].start_mono, s.run[1].start_mono + 5);
}

static void test_after_reboot_uses_wall_clock(void **state)
{
	char *text = persist_encode(&s, at_ms(60000), "boot-a", 42);
	struct onair_time later = at_ms(90000);
	uint32_t hash;
	int64_t remaining;

	(void)state;
	/* The box rebooted: its monotonic clock restarted near zero. */
	later.mono = 20000;
	assert_int_equal(persist_decode(text, strlen(text), &back, later, "boot-b", &hash, err,
					sizeof(err)), 0);
	assert_true(show_remaining(&back, &r, later.mono, &remaining));
	assert_int_equal(remaining, 270000 - 90000);
	free(text);
}

static void test_damaged_files_are_refused(void **state)
{
	char *text = persist_encode(&s, at_ms(60000), "boot-a", 42);
	static const char *const bad[] = {
		"", "{", "[]", "{\"version\":2}",
		"{\"version\":1,\"phase\":\"flying\"}",
	};
	uint32_t hash;

	(void)state;
	back.seg = 77;
	/* Truncated at every length: never accepted half. */
	for (size_t n = 0; n < strlen(text); n += 7)
		assert_int_equal(persist_decode(text, n, &back, at_ms(0), "boot-a", &hash, err,
						sizeof(err)), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(persist_decode(bad[i], strlen(bad[i]), &back, at_ms(0), "boot-a", &hash,
						err, sizeof(err)), -1);
	assert_int_equal(back.seg, 77);
	/* A running segment that never started, and one out of range. */
	char *evil = strdup(text), *seg = strstr(evil, "\"segment\":1");
	assert_non_null(seg);
	memcpy(seg, "\"segment\":9", 11);
	assert_int_equal(persist_decode(evil, strlen(evil), &back, at_ms(0), "boot-a", &hash, err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "no start time"));
	memcpy(seg, "\"segment\":-", 11);
	assert_int_equal(persist_decode(evil, strlen(evil), &back, at_ms(0), "boot-a", &hash, err,
					sizeof(err)), -1);
	free(evil);
	free(text);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A restart resumes from the newer of the state file (a checkpoint) and the
 * last state a line of the newest show log carries (the journal every
 * answer waited for); a damaged file is said and the journal still used;
 * a reboot with a clock that cannot be believed takes no time as passed. */
static void test_resume_from_checkpoint_or_journal(void **state)
{
	char dir[] = "/tmp/onair-persist-XXXXXX", path[128], shows[96], logp[160], line[4096];
	struct persist_origin o;
	uint32_t hash;
	char *older, *newer;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(persist_load_newest(dir, &back, at_ms(0), "boot-a", &hash, &o, err, sizeof(err)), 0);
	/* The checkpoint alone: segment 1. */
	older = persist_encode(&s, at_ms(5000), "boot-a", 7);
	snprintf(path, sizeof(path), "%s/show.state", dir);
	write_file(path, older);
	assert_int_equal(persist_load_newest(dir, &back, at_ms(6000), "boot-a", &hash, &o, err, sizeof(err)), 1);
	assert_int_equal(back.seg, 1);
	assert_false(o.from_log);
	/* A later transition in the show log, then a torn line: the journal wins. */
	assert_int_equal(show_apply(&s, &r, &sc, &(struct show_cmd){ .kind = SHOW_CMD_PREV, .arg = 0, .source = SHOW_SRC_CLI },
				    at_ms(7000), &ev, err, sizeof(err)), 0);
	newer = persist_encode(&s, at_ms(7000), "boot-a", 7);
	snprintf(shows, sizeof(shows), "%s/shows", dir);
	assert_int_equal(mkdir(shows, 0700), 0);
	snprintf(logp, sizeof(logp), "%s/show-20261130-200000.jsonl", shows);
	snprintf(line, sizeof(line), "{\"event\":\"segment_start\",\"seq\":9,\"state\":%s}\n"
		 "{\"event\":\"rejected\"}\n{\"event\":\"next\",\"sta", newer);
	write_file(logp, line);
	assert_int_equal(persist_load_newest(dir, &back, at_ms(8000), "boot-a", &hash, &o, err, sizeof(err)), 1);
	assert_true(o.from_log);
	assert_int_equal(back.seg, s.seg);
	assert_int_not_equal(back.seg, 1);
	/* A damaged checkpoint: said, and the journal still resumes the show. */
	write_file(path, "{\"version\":1,\"phase\":\"li");
	assert_int_equal(persist_load_newest(dir, &back, at_ms(8000), "boot-a", &hash, &o, err, sizeof(err)), 1);
	assert_true(o.file_damaged && o.from_log);
	/* Another boot, and a clock reading 1970: nothing is taken as passed. */
	assert_int_equal(persist_load_newest(dir, &back, (struct onair_time){ 500, 86400000 }, "boot-b", &hash,
					     &o, err, sizeof(err)), 1);
	assert_true(o.clock_doubt);
	assert_int_equal(back.run[back.seg].start_mono, 500 - (T0_MONO + 7000 - s.run[s.seg].start_mono));
	unlink(logp);
	rmdir(shows);
	unlink(path);
	rmdir(dir);
	free(older);
	free(newer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_boot_round_trip, setup),
		cmocka_unit_test_setup(test_every_moment_round_trips_and_shifts, setup),
		cmocka_unit_test_setup(test_after_reboot_uses_wall_clock, setup),
		cmocka_unit_test_setup(test_damaged_files_are_refused, setup),
		cmocka_unit_test_setup(test_resume_from_checkpoint_or_journal, setup),
	};

	return cmocka_run_group_tests_name("persist", tests, NULL, NULL);
}
