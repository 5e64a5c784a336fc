/* The self-test runner (see checkrun.h).
 * The devices are ours: they are checked here, at once (a test pattern
 * only while nothing is on air). Everything that may take seconds (audio,
 * the broker, the clock) runs in a child process, so the loop, and every
 * lamp, keeps its timing; its result comes back through a pipe. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/loop.h"
#include "../../core/jsontext.h"
#include "../signal/audiowatch.h"
#include "checkrun.h"
#include "checks.h"
#include "../control/ctl.h"
#include "../mqtt/mqtt.h"
#include "../show/running.h"
#include "../../core/version.h"

#define SELFTEST_TIMEOUT_MS 60000
#define SELFTEST_WAITERS 8

static struct {
	pid_t pid;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *deadline;
	struct selftest devices, system;
	size_t got;
	uint64_t ticket[SELFTEST_WAITERS];
	int nwaiting;
	struct loop_timer *before_start;	/* the run before a scheduled start */
	int64_t scheduled_for;			/* the start (wall) it ran for */
	/* The latest result, for the gate before going live. */
	int64_t last_mono;
	enum selftest_verdict last_verdict;
	char last_failed[200];			/* the names of its failing checks */
	checkrun_check_fn own[4];		/* checks of this daemon's own (checkrun_add_check) */
	int nown;
} st = { .pid = -1, .fd = -1 };

static void selftest_devices(struct selftest *t)
{
	bool on_air = running_on_air();

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < running.ndevices; i++) {
		const struct drv_ops *ops = running.device[i].ops;
		char name[64];

		if (ops == &console_driver_ops)
			continue;
		snprintf(name, sizeof(name), "device.%s", running.device[i].name);
		/* The loop waits out the walk, once per device and only off air. */
		checks_device(t, name, ops, running.device[i].drv,
			      running.conf->selftest.lamp_walk_ms > 900 ? 900 : running.conf->selftest.lamp_walk_ms, on_air);
	}
	running_redraw();	/* the test pattern is gone: show the show again */
}

static char *selftest_response(const struct selftest *t, char **report_out)
{
	char now[40], *report, *table = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&table, &len);
	cJSON *o = cJSON_CreateObject();
	char *text;

	time_format_wall(time_now().wall, now, sizeof(now));
	report = selftest_json(t, running.conf->node_name, now);
	if (f) {
		selftest_print(t, f, false);
		fclose(f);
	}
	cJSON_AddNumberToObject(o, "proto", CTL_PROTO);
	cJSON_AddBoolToObject(o, "ok", 1);
	json_add_text(o, "verdict", selftest_verdict_name(selftest_verdict(t)));
	cJSON_AddItemToObject(o, "report", report ? cJSON_Parse(report) : cJSON_CreateNull());
	json_add_text(o, "table", table ? table : "");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(table);
	*report_out = report;
	return text;
}

static void selftest_finish(const char *failure)
{
	static struct selftest all;
	char *report = NULL, *response, topic[96], summary[160];

	memset(&all, 0, sizeof(all));
	if (failure) {
		selftest_add(&all, "selftest", SELFTEST_FAIL, "see the daemon's log", "%s", failure);
	} else {
		for (int i = 0; i < st.system.count && all.count < SELFTEST_MAX_CHECKS; i++)
			all.check[all.count++] = st.system.check[i];
	}
	for (int i = 0; i < st.devices.count && all.count < SELFTEST_MAX_CHECKS; i++)
		all.check[all.count++] = st.devices.check[i];
	for (int i = 0; i < st.nown; i++)
		if (all.count < SELFTEST_MAX_CHECKS)
			st.own[i](&all);
	st.last_mono = time_mono_ms();
	st.last_verdict = selftest_verdict(&all);
	st.last_failed[0] = '\0';
	for (int i = 0; i < all.count; i++)
		if (all.check[i].verdict == SELFTEST_FAIL) {
			size_t used = strlen(st.last_failed);

			snprintf(st.last_failed + used, sizeof(st.last_failed) - used, "%s%s",
				 used ? ", " : "", all.check[i].name);
		}
	response = selftest_response(&all, &report);
	snprintf(topic, sizeof(topic), "selftest/%s", running.conf->node_name);
	mqtt_publish(topic, report, true, 1, 0);
	snprintf(summary, sizeof(summary), "%s: %d checks", selftest_verdict_name(selftest_verdict(&all)),
		 all.count);
	log_info("selftest: %s", summary);
	if (running.log.fd >= 0)
		showlog_note(&running.log, "selftest", summary, time_now());
	for (int i = 0; i < st.nwaiting; i++)
		ctl_answer(st.ticket[i], i + 1 < st.nwaiting && response ? strdup(response) : response);
	if (!st.nwaiting)
		free(response);
	st.nwaiting = 0;
	free(report);
	if (st.watch)
		loop_watch_remove(st.watch);
	st.watch = NULL;
	if (st.fd >= 0)
		close(st.fd);
	st.fd = -1;
	if (st.pid > 0)
		waitpid(st.pid, NULL, 0);
	st.pid = -1;
	loop_timer_arm(st.deadline, NEVER);
	audiowatch_resume();
}

static void selftest_child_ready(int fd, uint32_t events, void *data)
{
	ssize_t n;

	(void)events;
	(void)data;
	while ((n = read(fd, (char *)&st.system + st.got, sizeof(st.system) - st.got)) > 0)
		st.got += (size_t)n;
	if (n < 0 && errno == EAGAIN)
		return;
	selftest_finish(st.got == sizeof(st.system) ? NULL : "the checks' process ended early");
}

static void selftest_timed_out(void *data)
{
	(void)data;
	if (st.pid > 0)
		kill(st.pid, SIGKILL);
	selftest_finish("the checks did not finish within 60 s");
}

static void selftest_before_start(void *data)
{
	(void)data;
	log_info("selftest: the show starts in %lld s: checking the room",
		 (long long)((running.conf->show.schedule_wall - time_now().wall) / 1000));
	st.scheduled_for = running.conf->show.schedule_wall;
	free(checkrun_start());
}

/* Arm the run before the next scheduled start, once per start. */
static void schedule(struct onair_time now)
{
	int64_t at_wall = running.conf->show.schedule_wall - running.conf->selftest.before_start_ms;

	if (!st.before_start)
		st.before_start = loop_timer_add(selftest_before_start, NULL);
	if (!running.conf->show.schedule_wall || !running.conf->selftest.before_start_ms ||
	    st.scheduled_for == running.conf->show.schedule_wall || running.show.phase != SHOW_STANDBY ||
	    now.wall >= running.conf->show.schedule_wall) {
		loop_timer_arm(st.before_start, NEVER);
		return;
	}
	loop_timer_arm(st.before_start, now.mono + (at_wall > now.wall ? at_wall - now.wall : 0));
}

char *checkrun_start(void)
{
	int pipefd[2];
	uint64_t ticket = ctl_defer();

	if (ticket && st.nwaiting < SELFTEST_WAITERS)
		st.ticket[st.nwaiting++] = ticket;
	if (st.pid > 0)
		return NULL;
	if (!st.deadline)
		st.deadline = loop_timer_add(selftest_timed_out, NULL);
	selftest_devices(&st.devices);
	memset(&st.system, 0, sizeof(st.system));
	st.got = 0;
	/* The checks' process records from audio.capture: the watch lets go. */
	audiowatch_pause();
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (st.pid = fork()) < 0) {
		log_warn("selftest: start the checks");
		selftest_finish("cannot start the checks' process");
		return NULL;
	}
	if (st.pid == 0) {
		static struct selftest t;
		size_t off = 0;

		close(pipefd[0]);
		checks_system(running.conf, &t);
		while (off < sizeof(t)) {
			ssize_t w = write(pipefd[1], (char *)&t + off, sizeof(t) - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		_exit(0);
	}
	close(pipefd[1]);
	st.fd = pipefd[0];
	fcntl(st.fd, F_SETFL, O_NONBLOCK);
	st.watch = loop_watch_add(st.fd, EPOLLIN, selftest_child_ready, NULL);
	loop_timer_arm(st.deadline, time_mono_ms() + SELFTEST_TIMEOUT_MS);
	return NULL;
}

/* selftest.required: no start while the latest self-test failed, or when
 * none passed within selftest.max_age. */
static bool gate(char *why, size_t len)
{
	const struct conf *c = running.conf;
	int64_t age = time_mono_ms() - st.last_mono;

	if (!conf_selftest_required(c))
		return true;
	if (st.pid > 0) {
		snprintf(why, len, "a self-test is running: start when it has passed "
			 "(or start --override REASON)");
		return false;
	}
	if (!st.last_mono) {
		snprintf(why, len, "no self-test has run since onaird started (selftest.required): "
			 "run \"onairctl selftest\" (or start --override REASON)");
		return false;
	}
	if (st.last_verdict == SELFTEST_FAIL) {
		snprintf(why, len, "the self-test %lld min ago FAILED (%s): fix it and run \"onairctl "
			 "selftest\" again (or start --override REASON)", (long long)(age / 60000),
			 st.last_failed);
		return false;
	}
	if (age > c->selftest.max_age_ms) {
		snprintf(why, len, "the last self-test is %lld min old, over selftest.max_age (%lld min): "
			 "run \"onairctl selftest\" (or start --override REASON)", (long long)(age / 60000),
			 (long long)(c->selftest.max_age_ms / 60000));
		return false;
	}
	return true;
}

void checkrun_add_check(checkrun_check_fn fn)
{
	for (int i = 0; i < st.nown; i++)
		if (st.own[i] == fn)
			return;
	if (st.nown < (int)ARRAY_SIZE(st.own))
		st.own[st.nown++] = fn;
}

void checkrun_init(void)
{
	running_observe(RUNNING_UPDATED, schedule);
	running_set_gate(gate);
}
