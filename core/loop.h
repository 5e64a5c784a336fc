/* The one event loop: epoll over file descriptors, timerfd for absolute
 * monotonic deadlines, signalfd for signals. Drivers and libraries hand it
 * their fds; nothing else in onaird waits. */
#ifndef ONAIR_LOOP_H
#define ONAIR_LOOP_H

#include <stdint.h>

struct loop_watch;
struct loop_timer;

typedef void (*loop_fd_cb)(int fd, uint32_t events, void *data);
typedef void (*loop_timer_cb)(void *data);
typedef void (*loop_signal_cb)(int signo, void *data);

/* Create the loop; 0 or -1 with errno. */
int loop_init(void);
/* Free the loop and every watch and timer still registered. */
void loop_fini(void);

/* Watch fd for EPOLLIN/EPOLLOUT events. */
struct loop_watch *loop_watch_add(int fd, uint32_t events, loop_fd_cb cb, void *data);
/* Change the events a watch waits for. */
int loop_watch_modify(struct loop_watch *w, uint32_t events);
/* Stop watching; safe from inside any callback. The fd is not closed. */
void loop_watch_remove(struct loop_watch *w);

/* A timer that fires once at an absolute CLOCK_MONOTONIC deadline. */
struct loop_timer *loop_timer_add(loop_timer_cb cb, void *data);
/* Fire at deadline_ms (monotonic ms); NEVER disarms. */
void loop_timer_arm(struct loop_timer *t, int64_t deadline_ms);
void loop_timer_remove(struct loop_timer *t);

/* Deliver the given signals through a signalfd instead of handlers. */
int loop_signals(const int *signals, int count, loop_signal_cb cb, void *data);

/* Run until loop_quit(); returns the code passed to it. */
int loop_run(void);
void loop_quit(int code);
/* How many times the loop has woken (for the benchmarks). */
uint64_t loop_wakeups(void);

#endif
