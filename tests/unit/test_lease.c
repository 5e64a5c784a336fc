/* A follower's trust in its leader, as a pure function of what it heard
 * and when: ok while states arrive within the lease, stale when they stop
 * or the leader says goodbye, lost when the broker is gone for a while
 * (the countdown goes on), and the next moment the answer changes. */
#include "helpers.h"
#include "../../core/lease.h"

#define LEASE 10000
#define LOST 3000

static void test_nothing_heard_is_stale(void **state)
{
	struct lease l = { 0 };
	int64_t next = NEVER;

	(void)state;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 5000, &next), CUE_LINK_STALE);
	assert_string_equal(lease_link_name(CUE_LINK_STALE), "stale");
}

static void test_lease_runs_out(void **state)
{
	struct lease l = { .heard = true, .heard_mono = 1000 };
	int64_t next = NEVER;

	(void)state;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 1000 + LEASE - 1, &next), CUE_LINK_OK);
	assert_int_equal(next, 1000 + LEASE);	/* wake up exactly when it runs out */
	next = NEVER;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 1000 + LEASE, &next), CUE_LINK_STALE);
	assert_int_equal(next, NEVER);
}

static void test_goodbye_is_stale_at_once(void **state)
{
	struct lease l = { .heard = true, .heard_mono = 1000, .leader_offline = true };
	int64_t next = NEVER;

	(void)state;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 1001, &next), CUE_LINK_STALE);
}

static void test_broker_down_is_lost_after_a_while(void **state)
{
	struct lease l = { .heard = true, .heard_mono = 1000, .down_since = 2000 };
	int64_t next = NEVER;

	(void)state;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 2000 + LOST - 1, &next), CUE_LINK_OK);
	assert_int_equal(next, 2000 + LOST);
	next = NEVER;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 2000 + LOST, &next), CUE_LINK_LOST);
	assert_int_equal(next, 1000 + LEASE);	/* lost now, stale when the lease ends */
	assert_string_equal(lease_link_name(CUE_LINK_LOST), "lost");
	next = NEVER;
	assert_int_equal(lease_eval(&l, LEASE, LOST, 1000 + LEASE, &next), CUE_LINK_STALE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_heard_is_stale),
		cmocka_unit_test(test_lease_runs_out),
		cmocka_unit_test(test_goodbye_is_stale_at_once),
		cmocka_unit_test(test_broker_down_is_lost_after_a_while),
	};

	return cmocka_run_group_tests_name("lease", tests, NULL, NULL);
}
