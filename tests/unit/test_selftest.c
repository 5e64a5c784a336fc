/* The checklist: the worst verdict wins, the table and the JSON say the
 * same things, silence is null rather than -inf in JSON. */
#include <math.h>

#include "helpers.h"
#include "../../daemon/selftest/selftest.h"

static struct selftest t;

static void test_verdicts_table_and_json(void **state)
{
	struct selftest_check *c;
	char *table = NULL, *json;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(selftest_verdict(&t), SELFTEST_PASS);
	selftest_add(&t, "config", SELFTEST_PASS, "ignored", "configuration OK");
	c = selftest_add(&t, "audio.capture", SELFTEST_WARN, "raise the gain", "channel 1 too low");
	selftest_number(c, "rms_dbfs_ch1", -45.5, "dBFS");
	selftest_number(c, "rms_dbfs_ch2", -INFINITY, "dBFS");
	assert_int_equal(selftest_verdict(&t), SELFTEST_WARN);
	c = selftest_add(&t, "device.deck", SELFTEST_FAIL, "plug it in", "missing: no 0fd9:0086");
	selftest_text(c, "port", "1-1");
	assert_int_equal(selftest_verdict(&t), SELFTEST_FAIL);
	assert_string_equal(t.check[0].hint, "");	/* a PASS needs no hint */

	f = open_memstream(&table, &len);
	selftest_print(&t, f, false);
	fclose(f);
	assert_non_null(strstr(table, "✓ PASS  config         configuration OK"));
	assert_non_null(strstr(table, "⚠ WARN  audio.capture  channel 1 too low"));
	assert_non_null(strstr(table, "→ plug it in"));
	assert_non_null(strstr(table, "NOT READY: 1 passed, 1 warnings, 1 failed"));
	assert_null(strstr(table, "\033["));
	free(table);

	json = selftest_json(&t, "desk", "2026-11-22T10:00:00+08:00");
	assert_non_null(strstr(json, "\"verdict\":\"FAIL\""));
	assert_non_null(strstr(json, "\"rms_dbfs_ch1\":-45.5"));
	assert_non_null(strstr(json, "\"rms_dbfs_ch2\":null"));
	assert_non_null(strstr(json, "\"port\":\"1-1\""));
	assert_non_null(strstr(json, "\"rms_convention\":\"AES17\""));
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts_table_and_json),
	};

	return cmocka_run_group_tests_name("selftest", tests, NULL, NULL);
}
