/* TSL UMD 3.1 and 5.0 decoding, from packets built by the published layouts. */
#include "helpers.h"
#include "../../core/tsl.h"

static struct tsl_display got[16];
static int ngot;
static char err[160];

static void keep(void *ctx, const struct tsl_display *d)
{
	(void)ctx;
	if (ngot < 16)
		got[ngot++] = *d;
}

/* A 5.0 packet: header, then messages of (index, control, text). */
static size_t tsl5(uint8_t *p, int flags, int n, const uint16_t *index, const uint16_t *control,
		   const char *const *text)
{
	size_t at = 6;

	p[2] = 0;
	p[3] = (uint8_t)flags;
	p[4] = 0;
	p[5] = 0;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(text[i]);

		p[at] = (uint8_t)index[i];
		p[at + 1] = (uint8_t)(index[i] >> 8);
		p[at + 2] = (uint8_t)control[i];
		p[at + 3] = (uint8_t)(control[i] >> 8);
		p[at + 4] = (uint8_t)len;
		p[at + 5] = 0;
		memcpy(p + at + 6, text[i], len);
		at += 6 + len;
	}
	p[0] = (uint8_t)(at - 2);
	p[1] = (uint8_t)((at - 2) >> 8);
	return at;
}

/* DLE/STX framing with DLE stuffing, as on TCP. */
static size_t framed(uint8_t *out, const uint8_t *p, size_t n)
{
	size_t o = 0;

	out[o++] = 0xFE;
	out[o++] = 0x02;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0xFE)
			out[o++] = 0xFE;
		out[o++] = p[i];
	}
	return o;
}

static void test_tsl31(void **state)
{
	uint8_t p[18] = { 0x80 + 3, 0x01 | 0x30 };
	struct tsl_display d;

	(void)state;
	memcpy(p + 2, "CAM 3           ", 16);
	assert_int_equal(tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.index, 3);
	assert_int_equal(d.tally, TSL_PROGRAM);
	assert_string_equal(d.text, "CAM 3");
	p[1] = 0x02;
	assert_int_equal(tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.tally, TSL_PREVIEW);
	p[1] = 0x03;
	tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err));
	assert_int_equal(d.tally, TSL_BOTH);
	/* A switcher that sends preview on tally 1 and program on tally 2. */
	p[1] = 0x01;
	tsl31_parse(p, 18, 2, 1, &d, err, sizeof(err));
	assert_int_equal(d.tally, TSL_PREVIEW);
	assert_int_equal(tsl31_parse(p, 17, 1, 2, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "18 bytes"));
	p[0] = 0x05;
	assert_int_equal(tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err)), -1);
	p[0] = 0x80;
	p[1] = 0x81;
	assert_int_equal(tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err)), -1);
}

static void test_tsl5_udp_and_its_colours(void **state)
{
	const uint16_t index[] = { 1, 2, 0x00FE, 4 };
	/* RH red; LH green; text amber; brightness only */
	const uint16_t control[] = { 0x01 | 0xC0, 0x20, 0x0C, 0xC0 };
	const char *const text[] = { "CAM1", "CAM2", "CAM \xfe", "" };
	uint8_t p[256], f[600];
	size_t n = tsl5(p, 0, 4, index, control, text);

	(void)state;
	ngot = 0;
	assert_int_equal(tsl5_parse(p, n, keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 4);
	assert_int_equal(got[0].tally, TSL_PROGRAM);
	assert_string_equal(got[0].text, "CAM1");
	assert_int_equal(got[1].tally, TSL_PREVIEW);
	assert_int_equal(got[2].index, 0xFE);
	assert_int_equal(got[2].tally, TSL_BOTH);
	assert_string_equal(got[2].text, "CAM");
	assert_int_equal(got[3].tally, TSL_OFF);
	/* The same wrapped in DLE/STX on UDP, as some senders do. */
	ngot = 0;
	assert_int_equal(tsl5_parse(f, framed(f, p, n), keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 4);
	assert_int_equal(got[2].index, 0xFE);
}

static void test_tsl5_utf16(void **state)
{
	/* 机位二 (camera two) in UTF-16LE, and a lone surrogate left out. */
	static const uint8_t text[] = { 0x3A, 0x67, 0x4D, 0x4F, 0x8C, 0x4E, 0x00, 0xD8 };
	uint8_t p[64] = { 0 };

	(void)state;
	p[3] = 0x01;
	p[6] = 7;
	p[8] = 0x01;
	p[10] = sizeof(text);
	memcpy(p + 12, text, sizeof(text));
	p[0] = (uint8_t)(12 + sizeof(text) - 2);
	ngot = 0;
	assert_int_equal(tsl5_parse(p, 12 + sizeof(text), keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].text, "机位二");
	assert_int_equal(got[0].index, 7);
}

static void test_tsl5_malformed_reports_nothing(void **state)
{
	const uint16_t index[] = { 1, 2 };
	const uint16_t control[] = { 1, 2 };
	const char *const text[] = { "A", "B" };
	uint8_t p[64];
	size_t n = tsl5(p, 0, 2, index, control, text);

	(void)state;
	ngot = 0;
	assert_int_equal(tsl5_parse(p, 5, keep, NULL, err, sizeof(err)), -1);
	p[0]++;
	assert_int_equal(tsl5_parse(p, n, keep, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "byte count"));
	p[0]--;
	p[2] = 1;
	assert_int_equal(tsl5_parse(p, n, keep, NULL, err, sizeof(err)), -1);
	p[2] = 0;
	/* The second message's length runs past the end: the first is not reported either. */
	p[n - 3] = 9;
	assert_int_equal(tsl5_parse(p, n, keep, NULL, err, sizeof(err)), -1);
	assert_int_equal(ngot, 0);
	p[n - 3] = 1;
	assert_int_equal(tsl5_parse(p, n, keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 2);
}

static void test_tsl5_tcp_stream(void **state)
{
	const uint16_t index[] = { 0xFEFE };
	const uint16_t control[] = { 0x01 };
	const char *const text[] = { "\xfe\xfe" };
	uint8_t p[64], f[200], stream[600], flood[300];
	size_t n = tsl5(p, 0, 1, index, control, text), fn = framed(f, p, n), sn = 0;
	struct tsl5_stream s;

	(void)state;
	/* Noise, a packet, a packet cut short by the next, a packet. */
	memcpy(stream + sn, "\x01\x02", 2);
	sn += 2;
	memcpy(stream + sn, f, fn);
	sn += fn;
	memcpy(stream + sn, f, fn / 2);
	sn += fn / 2;
	memcpy(stream + sn, f, fn);
	sn += fn;
	tsl5_stream_init(&s);
	ngot = 0;
	/* Byte by byte, as a slow TCP peer may deliver it. */
	int bad = 0;

	for (size_t i = 0; i < sn; i++)
		bad += tsl5_stream_feed(&s, stream + i, 1, keep, NULL, err, sizeof(err));
	assert_int_equal(ngot, 2);
	assert_int_equal(bad, 1);
	assert_int_equal(got[0].index, 0xFEFE);
	assert_int_equal(got[1].tally, TSL_PROGRAM);
	/* A flood of DLEs and an oversized packet: counted, nothing read. */
	memset(flood, 0xFE, sizeof(flood));
	ngot = 0;
	tsl5_stream_feed(&s, flood, sizeof(flood), keep, NULL, err, sizeof(err));
	assert_int_equal(ngot, 0);
	{
		static uint8_t big[3000];

		big[0] = 0xFE;
		big[1] = 0x02;
		big[2] = 0xFF;
		big[3] = 0x7F;
		assert_true(tsl5_stream_feed(&s, big, sizeof(big), keep, NULL, err, sizeof(err)) >= 1);
		assert_int_equal(ngot, 0);
	}
	/* And it reads the next good packet. */
	assert_int_equal(tsl5_stream_feed(&s, f, fn, keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 1);
}

/* What onair sends as a tally hub reads back through the decoders (the
 * tsl-umd-v5 library reads it too, in tests/system/test_sources.py). */
static void test_encoders_read_back(void **state)
{
	uint8_t p[512];
	struct tsl_display d;
	struct tsl5_stream s;
	size_t n;

	(void)state;
	assert_int_equal(tsl31_build(p, 7, 1, 2, TSL_PROGRAM, "CAM 7 WIDE", "CAM 7"), 18);
	assert_int_equal(tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.index, 7);
	assert_int_equal(d.tally, TSL_PROGRAM);
	assert_string_equal(d.text, "CAM 7 WIDE");
	/* 3.1 is ASCII: a Chinese label gives way to the fallback. */
	tsl31_build(p, 7, 1, 2, TSL_PREVIEW, "机位七", "CAM 7");
	tsl31_parse(p, 18, 1, 2, &d, err, sizeof(err));
	assert_int_equal(d.tally, TSL_PREVIEW);
	assert_string_equal(d.text, "CAM 7");
	assert_int_equal(tsl31_build(p, 127, 1, 2, TSL_OFF, "", "X"), 0);

	n = tsl5_build(p, sizeof(p), 0, 300, TSL_BOTH, "Wide", false);
	ngot = 0;
	assert_int_equal(tsl5_parse(p, n, keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].index, 300);
	assert_int_equal(got[0].tally, TSL_BOTH);
	assert_string_equal(got[0].text, "Wide");
	/* UTF-16 with a character outside the BMP, framed, index 254 (DLE). */
	n = tsl5_build(p, sizeof(p), 0, 254, TSL_PROGRAM, "机位 𝄞 二", true);
	assert_true(n > 0);
	tsl5_stream_init(&s);
	ngot = 0;
	assert_int_equal(tsl5_stream_feed(&s, p, n, keep, NULL, err, sizeof(err)), 0);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].index, 254);
	assert_int_equal(got[0].tally, TSL_PROGRAM);
	assert_string_equal(got[0].text, "机位 𝄞 二");
	assert_int_equal(tsl5_build(p, 10, 0, 1, TSL_OFF, "too long for ten bytes", false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsl31),
		cmocka_unit_test(test_tsl5_udp_and_its_colours),
		cmocka_unit_test(test_tsl5_utf16),
		cmocka_unit_test(test_tsl5_malformed_reports_nothing),
		cmocka_unit_test(test_tsl5_tcp_stream),
		cmocka_unit_test(test_encoders_read_back),
	};

	return cmocka_run_group_tests_name("tsl", tests, NULL, NULL);
}
