/* epoll loop. Removing a watch while dispatching only marks it; the memory
 * is released after the pass, so a callback may remove any watch, its own
 * included, without the loop touching freed memory. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "util.h"

struct loop_watch {
	int fd;
	loop_fd_cb cb;
	void *data;
	bool removed;
	bool owns_fd;
	struct loop_watch *next;
};

struct loop_timer {
	struct loop_watch *watch;
	loop_timer_cb cb;
	void *data;
};

static int loop_epfd = -1;
static struct loop_watch *loop_watches;
static bool loop_dirty;
static bool loop_running;
static int loop_exit_code;
static uint64_t loop_wakeup_count;

static struct {
	int fd;
	struct loop_watch *watch;
	loop_signal_cb cb;
	void *data;
} loop_sig = { .fd = -1 };

int loop_init(void)
{
	loop_epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop_epfd < 0 ? -1 : 0;
}

static void loop_reap(void)
{
	struct loop_watch **pp = &loop_watches;

	while (*pp) {
		struct loop_watch *w = *pp;

		if (w->removed) {
			*pp = w->next;
			if (w->owns_fd)
				close(w->fd);
			free(w);
		} else {
			pp = &w->next;
		}
	}
	loop_dirty = false;
}

void loop_fini(void)
{
	for (struct loop_watch *w = loop_watches; w; w = w->next)
		w->removed = true;
	loop_reap();
	if (loop_sig.fd >= 0)
		close(loop_sig.fd);
	loop_sig.fd = -1;
	if (loop_epfd >= 0)
		close(loop_epfd);
	loop_epfd = -1;
}

struct loop_watch *loop_watch_add(int fd, uint32_t events, loop_fd_cb cb, void *data)
{
	struct loop_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	if (!w)
		return NULL;
	w->fd = fd;
	w->cb = cb;
	w->data = data;
	ev.data.ptr = w;
	if (epoll_ctl(loop_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return NULL;
	}
	w->next = loop_watches;
	loop_watches = w;
	return w;
}

int loop_watch_modify(struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(loop_epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void loop_watch_remove(struct loop_watch *w)
{
	if (!w || w->removed)
		return;
	/* The fd may already be closed by its owner; EBADF is harmless. */
	epoll_ctl(loop_epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->removed = true;
	loop_dirty = true;
	if (!loop_running)
		loop_reap();
}

static void loop_timer_ready(int fd, uint32_t events, void *data)
{
	struct loop_timer *t = data;
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return; /* EAGAIN: disarmed or re-armed since it fired */
	t->cb(t->data);
}

struct loop_timer *loop_timer_add(loop_timer_cb cb, void *data)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	int fd;

	if (!t)
		return NULL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		free(t);
		return NULL;
	}
	t->cb = cb;
	t->data = data;
	t->watch = loop_watch_add(fd, EPOLLIN, loop_timer_ready, t);
	if (!t->watch) {
		close(fd);
		free(t);
		return NULL;
	}
	t->watch->owns_fd = true;
	return t;
}

void loop_timer_arm(struct loop_timer *t, int64_t deadline_ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (deadline_ms != NEVER) {
		/* An all-zero it_value would disarm: a deadline of 0 means "now". */
		if (deadline_ms <= 0)
			deadline_ms = 1;
		its.it_value.tv_sec = deadline_ms / 1000;
		its.it_value.tv_nsec = (deadline_ms % 1000) * 1000000;
	}
	if (timerfd_settime(t->watch->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_warn("loop: arm timer");
}

void loop_timer_remove(struct loop_timer *t)
{
	if (!t)
		return;
	loop_watch_remove(t->watch);
	free(t);
}

static void loop_signal_ready(int fd, uint32_t events, void *data)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)data;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop_sig.cb((int)si.ssi_signo, loop_sig.data);
}

int loop_signals(const int *signals, int count, loop_signal_cb cb, void *data)
{
	sigset_t mask;

	sigemptyset(&mask);
	for (int i = 0; i < count; i++)
		sigaddset(&mask, signals[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -1;
	loop_sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop_sig.fd < 0)
		return -1;
	loop_sig.cb = cb;
	loop_sig.data = data;
	loop_sig.watch = loop_watch_add(loop_sig.fd, EPOLLIN, loop_signal_ready, NULL);
	return loop_sig.watch ? 0 : -1;
}

int loop_run(void)
{
	struct epoll_event events[32];

	loop_running = true;
	while (loop_running) {
		int n = epoll_wait(loop_epfd, events, (int)ARRAY_SIZE(events), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("loop: epoll_wait");
			loop_exit_code = 1;
			break;
		}
		loop_wakeup_count++;
		for (int i = 0; i < n; i++) {
			struct loop_watch *w = events[i].data.ptr;

			if (!w->removed)
				w->cb(w->fd, events[i].events, w->data);
		}
		if (loop_dirty)
			loop_reap();
	}
	loop_running = false;
	if (loop_dirty)
		loop_reap();
	return loop_exit_code;
}

void loop_quit(int code)
{
	loop_exit_code = code;
	loop_running = false;
}

uint64_t loop_wakeups(void)
{
	return loop_wakeup_count;
}
