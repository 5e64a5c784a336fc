/* vMix's TCP API, from byte streams written after vMix's TCP API page. */
#include "helpers.h"
#include "../../core/util.h"
#include "../../core/vmix.h"

static struct vmix v;
static char err[200];

static int setup(void **state)
{
	(void)state;
	return vmix_init(&v);
}

static int teardown(void **state)
{
	(void)state;
	vmix_free(&v);
	return 0;
}

static int feed(const char *text)
{
	return vmix_feed(&v, text, strlen(text), err, sizeof(err));
}

/* The XML reply for titles (1-based), as "XML <length>\r\n<xml>\r\n". */
static char *xml_reply(const char *const *titles, int n)
{
	static char out[65536];
	char body[60000];
	size_t at = 0;

	at += (size_t)snprintf(body + at, sizeof(body) - at, "<vmix><version>27.0.0.49</version><inputs>");
	for (int i = 0; i < n; i++)
		at += (size_t)snprintf(body + at, sizeof(body) - at,
				       "<input key=\"k%d\" number=\"%d\" type=\"Capture\" title=\"%s\" state=\"Running\">"
				       "%s<overlay index=\"0\" key=\"x\"/></input>", i, i + 1, titles[i], titles[i]);
	at += (size_t)snprintf(body + at, sizeof(body) - at,
			       "</inputs><overlays><overlay number=\"1\"/></overlays><active>1</active>"
			       "<streaming>False</streaming></vmix>\r\n");
	snprintf(out, sizeof(out), "XML %zu\r\n%s", at, body);
	return out;
}

static void test_tally_and_acts(void **state)
{
	(void)state;
	vmix_reset(&v);
	assert_int_equal(feed("VERSION OK 27.0.0.49\r\n"), 0);
	assert_string_equal(v.version, "27.0.0.49");
	assert_int_equal(vmix_input_tally(&v, 1), 0);
	vmix_sent(&v, "SUBSCRIBE TALLY");
	assert_string_equal(v.awaiting, "SUBSCRIBE");
	feed("SUBSCRIBE OK TALLY\r\n");
	assert_string_equal(v.awaiting, "");
	vmix_sent(&v, "TALLY");
	assert_int_equal(feed("TALLY OK 0121\r\n"), 1);
	assert_string_equal(v.awaiting, "");
	assert_int_equal(v.ninputs, 4);
	assert_int_equal(vmix_input_tally(&v, 2), '1');
	assert_int_equal(vmix_input_tally(&v, 3), '2');
	assert_int_equal(vmix_input_tally(&v, 5), 0);
	/* The same again changes nothing. */
	assert_int_equal(feed("TALLY OK 0121\r\n"), 0);
	assert_int_equal(v.act[VMIX_STREAMING], -1);
	assert_int_equal(feed("ACTS OK Streaming 1\r\n"), 1);
	assert_int_equal(v.act[VMIX_STREAMING], 1);
	assert_int_equal(feed("ACTS OK Input 3 1\r\nACTS OK Recording 0\n"), 1);
	assert_int_equal(v.act[VMIX_RECORDING], 0);
	assert_int_equal(v.bad_lines, 0);
}

static void test_titles_from_xml_in_every_cut(void **state)
{
	static const char *const titles[] = { "Cam 1 &amp; 2", "机位二 全景", "Wide" };
	const char *reply = xml_reply(titles, 3);
	size_t len = strlen(reply);

	(void)state;
	for (size_t step = 1; step < 40; step++) {
		vmix_reset(&v);
		vmix_sent(&v, "XML");
		for (size_t at = 0; at < len; at += step)
			vmix_feed(&v, reply + at, len - at < step ? len - at : step, err, sizeof(err));
		assert_int_equal(v.bad_lines, 0);
		assert_true(v.have_xml);
		assert_string_equal(v.awaiting, "");
		assert_int_equal(v.ntitles, 3);
		assert_string_equal(v.title[0], "Cam 1 & 2");
		assert_string_equal(v.title[1], "机位二 全景");
		assert_int_equal(vmix_input_numbered(&v, "Wide"), 3);
		assert_int_equal(vmix_input_numbered(&v, "wide"), 0);
		/* The line after the data is read as a line. */
		assert_int_equal(feed("TALLY OK 12\r\n"), 1);
	}
}

/* A title of 3-byte characters longer than a title may be is cut on a
 * character. */
static void test_long_titles_are_cut_on_characters(void **state)
{
	char title[400] = "";
	const char *titles[1] = { title };

	(void)state;
	for (int i = 0; i < 100; i++)
		strcat(title, "镜");
	vmix_reset(&v);
	feed(xml_reply(titles, 1));
	assert_int_equal(v.bad_lines, 0);
	assert_true(strlen(v.title[0]) <= VMIX_TITLE_MAX - 1);
	assert_int_equal(strlen(v.title[0]) % 3, 0);
	assert_true(utf8_valid(v.title[0], strlen(v.title[0])));
	/* 4-byte characters: 127 bytes hold 31 of them, never a part of one. */
	title[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(title, "𝄞");
	vmix_reset(&v);
	feed(xml_reply(titles, 1));
	assert_int_equal(strlen(v.title[0]), 31 * 4);
	assert_true(utf8_valid(v.title[0], strlen(v.title[0])));
}

static void test_hostile_lines_are_counted_and_skipped(void **state)
{
	char big[5000];

	(void)state;
	vmix_reset(&v);
	feed("TALLY OK 012\r\n");
	assert_int_equal(feed("TALLY OK 01x\r\n"), 0);
	assert_int_equal(v.bad_lines, 1);
	assert_int_equal(vmix_input_tally(&v, 2), '1');
	feed("garbage\r\n");
	assert_int_equal(v.bad_lines, 2);
	feed("TALLY MAYBE\r\n");
	assert_int_equal(v.bad_lines, 3);
	/* A line past the limit is dropped whole, and the next one read. */
	memset(big, 'A', sizeof(big));
	vmix_feed(&v, big, sizeof(big), err, sizeof(err));
	vmix_feed(&v, big, sizeof(big), err, sizeof(err));
	assert_int_equal(v.bad_lines, 4);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(feed("\r\nTALLY OK 21\r\n"), 1);
	assert_int_equal(vmix_input_tally(&v, 1), '2');
	/* An error answer clears what was awaited. */
	vmix_sent(&v, "XML");
	feed("XML ER out of memory\r\n");
	assert_string_equal(v.awaiting, "");
	assert_non_null(strstr(v.last_error, "out of memory"));
	/* Empty data (fuzzing found XML 0 leaked the parser) and another
	 * command's data are taken whole. */
	feed("XML 0\r\nXML 0\r\nFOO 5\r\nTALLYTALLY OK 12\r\n");
	assert_int_equal(vmix_input_tally(&v, 1), '1');
	/* A NUL inside a line. */
	assert_int_equal(vmix_feed(&v, "TALLY OK 2\0" "2\r\n", 14, err, sizeof(err)), 0);
	assert_int_equal(vmix_input_tally(&v, 1), '1');
}

/* An entity bomb is refused at its document type; titles stay. */
static void test_xml_with_a_doctype_is_refused(void **state)
{
	static const char *const titles[] = { "Cam 1" };
	const char *bomb = "<?xml version=\"1.0\"?><!DOCTYPE vmix [<!ENTITY a \"aaaaaaaaaa\">"
			   "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
			   "<vmix><inputs><input number=\"1\" title=\"&b;\"/></inputs></vmix>";
	char reply[1024];

	(void)state;
	vmix_reset(&v);
	feed(xml_reply(titles, 1));
	snprintf(reply, sizeof(reply), "XML %zu\r\n%s", strlen(bomb), bomb);
	assert_int_equal(feed(reply), 0);
	assert_int_equal(v.bad_lines, 1);
	assert_non_null(strstr(v.last_error, "document type"));
	assert_string_equal(v.title[0], "Cam 1");
	/* Broken XML too; the line after it is still read. */
	assert_int_equal(feed("XML 9\r\n<vmix><in\r\nTALLY OK 1\r\n"), 1);
	assert_int_equal(v.bad_lines, 2);
	assert_string_equal(v.title[0], "Cam 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tally_and_acts),
		cmocka_unit_test(test_titles_from_xml_in_every_cut),
		cmocka_unit_test(test_long_titles_are_cut_on_characters),
		cmocka_unit_test(test_hostile_lines_are_counted_and_skipped),
		cmocka_unit_test(test_xml_with_a_doctype_is_refused),
	};

	return cmocka_run_group_tests_name("vmix", tests, setup, teardown);
}
