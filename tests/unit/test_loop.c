/* The event loop: watches removed while the loop dispatches them, timers
 * at absolute deadlines in order, re-armed and disarmed, and signals
 * delivered through the loop rather than a handler. */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "../../core/loop.h"

static struct loop_watch *watch[2];
static int fired[2], order[8], norder;

static int setup(void **state)
{
	(void)state;
	memset(fired, 0, sizeof(fired));
	norder = 0;
	return loop_init();
}

static int teardown(void **state)
{
	(void)state;
	loop_fini();
	return 0;
}

/* Each callback removes both watches: the other one is ready in the same
 * pass, and must not be called once it is removed (nor touch freed memory,
 * which ASan would see). */
static void remove_both(int fd, uint32_t events, void *data)
{
	int i = (int)(intptr_t)data;

	(void)fd, (void)events;
	fired[i]++;
	loop_watch_remove(watch[0]);
	loop_watch_remove(watch[1]);
	loop_quit(0);
}

static void test_removal_during_dispatch(void **state)
{
	int a[2], b[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	watch[0] = loop_watch_add(a[0], EPOLLIN, remove_both, (void *)0);
	watch[1] = loop_watch_add(b[0], EPOLLIN, remove_both, (void *)1);
	assert_non_null(watch[0]);
	assert_non_null(watch[1]);
	assert_int_equal(loop_run(), 0);
	assert_int_equal(fired[0] + fired[1], 1);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

static struct loop_timer *timer[3];

static void timer_cb(void *data)
{
	int i = (int)(intptr_t)data;

	order[norder++] = i;
	if (i == 1) {
		/* Re-armed from its own callback: fires again, after timer 2. */
		if (norder == 1)
			loop_timer_arm(timer[1], time_mono_ms() + 60);
		else
			loop_quit(7);
	}
}

static void test_timers_fire_in_deadline_order(void **state)
{
	int64_t now = time_mono_ms();

	(void)state;
	for (int i = 0; i < 3; i++)
		timer[i] = loop_timer_add(timer_cb, (void *)(intptr_t)i);
	loop_timer_arm(timer[0], now + 20);
	loop_timer_arm(timer[1], now + 5);
	loop_timer_arm(timer[2], now + 40);
	/* A disarmed timer never fires. */
	loop_timer_arm(timer[0], NEVER);
	assert_int_equal(loop_run(), 7);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	assert_true(time_mono_ms() - now >= 40);
	for (int i = 0; i < 3; i++)
		loop_timer_remove(timer[i]);
}

static void test_deadline_in_the_past_fires_at_once(void **state)
{
	int64_t now = time_mono_ms();

	(void)state;
	timer[1] = loop_timer_add(timer_cb, (void *)(intptr_t)1);
	norder = 2;	/* the callback's "second time" branch: quit */
	loop_timer_arm(timer[1], 0);
	assert_int_equal(loop_run(), 7);
	assert_true(time_mono_ms() - now < 1000);
	loop_timer_remove(timer[1]);
}

static int got_signal;

static void on_signal(int signo, void *data)
{
	(void)data;
	got_signal = signo;
	loop_quit(3);
}

static void raise_usr1(void *data)
{
	(void)data;
	raise(SIGUSR1);
}

static void test_signals_arrive_through_the_loop(void **state)
{
	static const int signals[] = { SIGUSR1 };
	struct loop_timer *t;

	(void)state;
	assert_int_equal(loop_signals(signals, 1, on_signal, NULL), 0);
	t = loop_timer_add(raise_usr1, NULL);
	loop_timer_arm(t, time_mono_ms());
	assert_int_equal(loop_run(), 3);
	assert_int_equal(got_signal, SIGUSR1);
	loop_timer_remove(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_removal_during_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers_fire_in_deadline_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_in_the_past_fires_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_arrive_through_the_loop, setup, teardown),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
