/* The ATEM protocol's session and state, from packets built by its public
 * descriptions (core/atem.h). */
#include "helpers.h"
#include "../../core/atem.h"
#include "../../core/util.h"

static struct atem a;
static uint8_t reply[ATEM_HEADER + 8];
static size_t reply_len;

static size_t pkt(uint8_t *p, uint8_t flags, uint16_t session, uint16_t remote, const uint8_t *payload, size_t n)
{
	size_t len = ATEM_HEADER + n;

	memset(p, 0, ATEM_HEADER);
	p[0] = (uint8_t)(flags | len >> 8);
	p[1] = (uint8_t)len;
	p[2] = (uint8_t)(session >> 8);
	p[3] = (uint8_t)session;
	p[10] = (uint8_t)(remote >> 8);
	p[11] = (uint8_t)remote;
	if (n)
		memcpy(p + ATEM_HEADER, payload, n);
	return len;
}

static size_t cmd(uint8_t *p, const char *name, const uint8_t *body, size_t n)
{
	p[0] = (uint8_t)((8 + n) >> 8);
	p[1] = (uint8_t)(8 + n);
	p[2] = p[3] = 0;
	memcpy(p + 4, name, 4);
	memcpy(p + 8, body, n);
	return 8 + n;
}

static int feed(const uint8_t *p, size_t n)
{
	return atem_datagram(&a, p, n, reply, &reply_len);
}

/* Open a session whose server id is 0x0005 (0x8005 after). */
static void open_session(void)
{
	uint8_t hello[20], p[64];
	const uint8_t accept[8] = { 0x02, 0, 0x00, 0x05, 0, 0, 0, 0 };

	atem_reset(&a);
	assert_int_equal(atem_hello(&a, 0x1234, hello), 20);
	assert_int_equal(hello[0], 0x10);
	assert_int_equal(hello[1], 20);
	assert_int_equal(hello[12], 0x01);
	assert_int_equal(feed(p, pkt(p, 0x10, 0x1234, 0, accept, 8)), ATEM_OPENED);
	assert_int_equal(a.session, 0x8005);
	/* The handshake's ack: our id, the ack flag, 12 bytes. */
	assert_int_equal(reply_len, 12);
	assert_int_equal(reply[0], 0x80);
	assert_int_equal(reply[2] << 8 | reply[3], 0x1234);
}

static void test_session_in_order_once(void **state)
{
	uint8_t p[256], c[128];
	const uint8_t tlsr[] = { 0, 3, 0, 1, 1, 0, 2, 2, 0, 3, 0 };
	size_t n;

	(void)state;
	open_session();
	n = cmd(c, "TlSr", tlsr, sizeof(tlsr));
	/* Packet 2 before 1: a gap, not acknowledged, nothing taken. */
	assert_int_equal(feed(p, pkt(p, 0x08, 0x8005, 2, c, n)), 0);
	assert_int_equal(reply_len, 0);
	assert_false(a.have_tally);
	assert_int_equal(a.out_of_order, 1);
	assert_int_equal(feed(p, pkt(p, 0x08, 0x8005, 1, c, n)), ATEM_CHANGED);
	assert_int_equal(reply_len, 12);
	assert_int_equal(reply[0], 0x80);
	assert_int_equal(reply[4] << 8 | reply[5], 1);
	assert_int_equal(atem_source_find(&a, 1)->tally, 1);
	assert_int_equal(atem_source_find(&a, 2)->tally, 2);
	/* Packet 1 again (our ack was lost): acknowledged again, not taken again. */
	assert_int_equal(feed(p, pkt(p, 0x28, 0x8005, 1, c, n)), 0);
	assert_int_equal(reply_len, 12);
	assert_int_equal(a.duplicates, 1);
	/* Another session's packet: ignored. */
	assert_int_equal(feed(p, pkt(p, 0x08, 0x8006, 2, c, n)), 0);
	assert_int_equal(reply_len, 0);
	/* An empty packet (the heartbeat) is acknowledged. */
	assert_int_equal(feed(p, pkt(p, 0x08, 0x8005, 2, NULL, 0)), 0);
	assert_int_equal(reply_len, 12);
	assert_int_equal(a.last_remote, 2);
}

static void test_ids_wrap_at_15_bits(void **state)
{
	uint8_t p[64];

	(void)state;
	open_session();
	a.last_remote = 0x7FFF;
	feed(p, pkt(p, 0x08, 0x8005, 0, NULL, 0));
	assert_int_equal(a.last_remote, 0);
	assert_int_equal(a.out_of_order, 0);
}

static void test_the_state_it_reads(void **state)
{
	uint8_t p[512], c[400];
	uint8_t inpr[36] = { 0, 2 };
	const uint8_t prg[] = { 0, 0, 0, 3 }, prv[] = { 0, 0, 0, 2, 0, 0, 0, 0 }, strs[] = { 0, 4, 0, 0 };
	const uint8_t pin[] = "ATEM Mini Pro";
	size_t n = 0;

	(void)state;
	open_session();
	memcpy(inpr + 2, "机位二 全景", strlen("机位二 全景"));
	n += cmd(c + n, "_pin", pin, sizeof(pin));
	n += cmd(c + n, "InPr", inpr, sizeof(inpr));
	n += cmd(c + n, "PrgI", prg, sizeof(prg));
	n += cmd(c + n, "PrvI", prv, sizeof(prv));
	n += cmd(c + n, "StRS", strs, sizeof(strs));
	n += cmd(c + n, "XXXX", prg, sizeof(prg));
	n += cmd(c + n, "InCm", prg, sizeof(prg));
	assert_int_equal(feed(p, pkt(p, 0x08, 0x8005, 1, c, n)), ATEM_CHANGED);
	assert_string_equal(a.product, "ATEM Mini Pro");
	assert_string_equal(atem_source_named(&a, "机位二 全景")->name, "机位二 全景");
	assert_int_equal(a.program[0], 3);
	assert_int_equal(a.preview[0], 2);
	assert_int_equal(a.stream_status, 4);
	assert_true(a.init_complete);
	assert_int_equal(a.bad_packets, 0);
}

/* A 20-byte name of 3-byte characters cut by the switcher is kept whole
 * up to the last whole character. */
static void test_names_are_cut_on_characters(void **state)
{
	uint8_t p[128], c[64], inpr[36] = { 0, 7 };
	const char *name = "机位机位机位机";	/* 21 bytes: 20 hold six and a part */

	(void)state;
	open_session();
	memcpy(inpr + 2, name, 20);
	feed(p, pkt(p, 0x08, 0x8005, 1, c, cmd(c, "InPr", inpr, sizeof(inpr))));
	assert_string_equal(atem_source_find(&a, 7)->name, "机位机位机位");
	/* 4-byte characters: 20 bytes hold five whole ones; 21 hold five and a part. */
	memcpy(inpr + 2, "𝄞𝄞𝄞𝄞𝄞", 20);
	feed(p, pkt(p, 0x08, 0x8005, 2, c, cmd(c, "InPr", inpr, sizeof(inpr))));
	assert_string_equal(atem_source_find(&a, 7)->name, "𝄞𝄞𝄞𝄞𝄞");
	memcpy(inpr + 2, "a𝄞𝄞𝄞𝄞𝄞", 20);
	feed(p, pkt(p, 0x08, 0x8005, 3, c, cmd(c, "InPr", inpr, sizeof(inpr))));
	assert_string_equal(atem_source_find(&a, 7)->name, "a𝄞𝄞𝄞𝄞");
}

static void test_malformed_is_counted(void **state)
{
	uint8_t p[128], c[64];
	const uint8_t lying[] = { 0x7F, 0xFF, 0, 1, 1 };
	size_t n;

	(void)state;
	open_session();
	assert_int_equal(feed(p, 5), 0);			/* short */
	p[0] = 0x08;
	p[1] = 40;
	assert_int_equal(feed(p, 12), 0);			/* says 40 */
	assert_int_equal(a.bad_packets, 2);
	n = cmd(c, "TlSr", lying, sizeof(lying));
	feed(p, pkt(p, 0x08, 0x8005, 1, c, n));
	assert_int_equal(a.bad_packets, 3);
	assert_false(a.have_tally);
	memset(c, 0, 8);				/* a command of length 0 */
	feed(p, pkt(p, 0x08, 0x8005, 2, c, 8));
	assert_int_equal(a.bad_packets, 4);
	assert_int_equal(a.last_remote, 2);		/* still acknowledged: resending it would not help */
}

static void test_refused_and_closed(void **state)
{
	uint8_t hello[20], p[64], bye[20];
	const uint8_t reject[8] = { 0x03 }, closing[8] = { 0x04 };

	(void)state;
	atem_reset(&a);
	atem_hello(&a, 0x0101, hello);
	assert_int_equal(feed(p, pkt(p, 0x10, 0x0101, 0, reject, 8)), ATEM_REFUSED);
	assert_int_equal(a.state, ATEM_CLOSED);
	open_session();
	assert_int_equal(atem_goodbye(&a, bye), 20);
	assert_int_equal(bye[12], 0x04);
	assert_int_equal(feed(p, pkt(p, 0x10, 0x8005, 0, closing, 8)), ATEM_ENDED);
	assert_int_equal(reply_len, 20);
	assert_int_equal(reply[12], 0x05);
	assert_int_equal(atem_goodbye(&a, bye), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_in_order_once),
		cmocka_unit_test(test_ids_wrap_at_15_bits),
		cmocka_unit_test(test_the_state_it_reads),
		cmocka_unit_test(test_names_are_cut_on_characters),
		cmocka_unit_test(test_malformed_is_counted),
		cmocka_unit_test(test_refused_and_closed),
	};

	return cmocka_run_group_tests_name("atem", tests, NULL, NULL);
}
